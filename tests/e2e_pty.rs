//! End to end: the real `cmo` binary in a pseudo-terminal, in demo mode, driven as a user
//! would: it lists products, opens one, and `q` restores the terminal; at 100×30 an INTELSAT
//! terminal is suspended and resumed, each monitor watched to Completed and the row re-read.

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROWS: u16 = 40;
const COLS: u16 = 120;

struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
}

impl Screen {
    fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Wait (bounded) until `pred` holds for the screen text; returns the last screen.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let text = self.text();
            if pred(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The real binary in a pseudo-terminal of `rows`×`cols`, on its embedded demo.
struct Console {
    screen: Screen,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _home: tempfile::TempDir,
}

impl Console {
    fn launch(rows: u16, cols: u16) -> Console {
        Console::launch_in(rows, cols, tempfile::tempdir().unwrap())
    }

    /// Launch with `home` as HOME and the data dir inside it, so a second launch on the same
    /// folder sees what the first one stored.
    fn launch_in(rows: u16, cols: u16, home: tempfile::TempDir) -> Console {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_cmo"));
        cmd.args(["--demo", "--demo-size", "40", "--data-dir"]);
        cmd.arg(home.path().join("data"));
        cmd.env("HOME", home.path());
        cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
        cmd.env("XDG_STATE_HOME", home.path().join("state"));
        cmd.env("XDG_DATA_HOME", home.path().join("share"));
        cmd.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);

        let screen = Screen {
            parser: Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0))),
            raw: Arc::new(Mutex::new(Vec::new())),
        };
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = Arc::new(Mutex::new(pair.master.take_writer().unwrap()));
        let (parser, raw, answer) = (screen.parser.clone(), screen.raw.clone(), writer.clone());
        std::thread::spawn(move || {
            let _master = pair.master;
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let chunk = &buf[..n];
                // Answer a cursor-position query (DSR) as a real terminal does.
                if chunk.windows(4).any(|w| w == b"\x1b[6n") {
                    let (row, col) = parser.lock().unwrap().screen().cursor_position();
                    let reply = format!("\x1b[{};{}R", row + 1, col + 1);
                    let _ = answer.lock().unwrap().write_all(reply.as_bytes());
                }
                parser.lock().unwrap().process(chunk);
                raw.lock().unwrap().extend_from_slice(chunk);
            }
        });
        Console {
            screen,
            writer,
            child,
            _home: home,
        }
    }

    fn send(&self, bytes: &[u8]) {
        let mut w = self.writer.lock().unwrap();
        w.write_all(bytes).unwrap();
        w.flush().unwrap();
    }

    /// Give the folder back (to launch again on it) once the console has quit.
    fn into_home(self) -> tempfile::TempDir {
        self._home
    }

    /// `q`, then the exit status (bounded wait).
    fn quit(&mut self) -> portable_pty::ExitStatus {
        self.send(b"q");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "cmo did not exit after q");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn demo_lists_opens_a_product_and_quits_cleanly() {
    let mut console = Console::launch(ROWS, COLS);
    let screen = &console.screen;
    let send = |bytes: &[u8]| console.send(bytes);

    // The list fills (rows sort by account, so wait for every listing before picking the
    // first); narrow it to 1NCE with the filter so the first row is a 1NCE SIM.
    screen.wait_for("every listing", |t| t.contains("440 products"));
    send(b"/1NCE-89");
    send(b"\r");
    let listed = screen.wait_for("the filtered list", |t| {
        t.contains("1NCE-89")
            && !t
                .lines()
                .any(|l| l.contains("TMSP-89") || l.contains("IOTA-89"))
    });
    send(b"g");
    // The first 1NCE id on screen is the selected row after `g`.
    let iccid = product_lines(&listed)
        .first()
        .and_then(|l| first_id(l).strip_prefix("1NCE-").map(str::to_string))
        .expect("a 1NCE product id on screen");
    send(b"\r");
    let detail = screen.wait_for("the detail pane with the ICCID and IMSI", |t| {
        t.lines().any(|l| l.contains("ICCID") && l.contains(&iccid)) && t.contains("IMSI")
    });
    let imsi_line = detail.lines().find(|l| l.contains("IMSI")).unwrap();
    assert!(
        imsi_line.chars().filter(char::is_ascii_digit).count() >= 14,
        "{imsi_line}"
    );

    send(b"\x1b"); // Esc back to the list
    screen.wait_for("the list again", |t| t.contains("Products"));
    let status = console.quit();
    assert!(status.success(), "exit status {status:?}");
    // The terminal was restored: alternate screen left, cursor shown.
    std::thread::sleep(Duration::from_millis(200));
    let raw = String::from_utf8_lossy(&console.screen.raw.lock().unwrap()).to_string();
    assert!(raw.contains("\x1b[?1049h"), "entered the alternate screen");
    let left = raw.rfind("\x1b[?1049l").expect("left the alternate screen");
    let shown = raw.rfind("\x1b[?25h").expect("cursor shown again");
    assert!(left > raw.rfind("\x1b[?1049h").unwrap() && shown > 0);
}

/// The first product id on a screen line that also contains `needle`.
fn id_on_line_with(text: &str, prefix: &str, needle: &str) -> Option<String> {
    text.lines().filter(|l| l.contains(needle)).find_map(|l| {
        l.split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .find(|w| w.starts_with(prefix))
            .map(str::to_string)
    })
}

#[test]
fn an_intelsat_terminal_is_suspended_and_resumed_with_its_monitors_watched_to_completion() {
    // A narrow SSH session: 100×30.
    let mut console = Console::launch(30, 100);
    let screen = &console.screen;
    let send = |bytes: &[u8]| console.send(bytes);
    screen.wait_for("the console", |t| t.contains("Products"));
    send(b"/INTELSAT-1");
    send(b"\r");
    let listed = screen.wait_for("an active Intelsat terminal", |t| {
        id_on_line_with(t, "INTELSAT-1", "ACTIVE active/online").is_some()
    });
    let id = id_on_line_with(&listed, "INTELSAT-1", "ACTIVE active/online").unwrap();
    // Narrow the list to that one terminal.
    send(b"/");
    send(&[0x15]); // Ctrl-U clears the filter line
    send(id.as_bytes());
    send(b"\r");
    screen.wait_for("the one terminal", |t| {
        t.contains(&id)
            && !t
                .lines()
                .any(|l| l.contains("INTELSAT-1") && !l.contains(&id))
    });

    for (target, done) in [("SUSPENDED", 1), ("ACTIVE", 2)] {
        send(b"s");
        screen.wait_for("the status menu", |t| {
            t.contains("Change status") && t.contains(target)
        });
        send(b"\r");
        screen.wait_for("the confirmation, on Cancel", |t| t.contains("[ Cancel ]"));
        send(b"\t"); // to Confirm
        send(b"\r");
        screen.wait_for("the carrier's acceptance", |t| {
            t.contains("accepted, monitor")
        });
        send(b"m");
        screen.wait_for("the monitors pane", |t| t.contains("Monitors"));
        let watched = screen.wait_for("the monitor to complete", |t| {
            t.lines()
                .filter(|l| l.contains(&id) && l.contains("Completed"))
                .count()
                == done
        });
        assert!(
            watched
                .lines()
                .any(|l| l.contains(&id) && l.contains(target)),
            "the request names the target:\n{watched}"
        );
        send(b"\x1b"); // back to the list (a key right after Esc would read as Alt-key)
        screen.wait_for("the list", |t| t.contains("Products"));
        send(b"r"); // and re-read it
        screen.wait_for("the row in its new status", |t| {
            t.contains("Products")
                && t.lines()
                    .any(|l| l.contains(&id) && l.split_whitespace().any(|w| w == target))
        });
    }
    assert!(console.quit().success());
}

/// The list's rows on screen (lines inside the pane with a `KIND-digits` id; the status line's
/// "copied id …" is not a row).
fn product_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with('│'))
        .filter(|l| {
            l.split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
                .any(is_product_id)
        })
        .map(str::to_string)
        .collect()
}

fn is_product_id(word: &str) -> bool {
    word.split_once('-').is_some_and(|(kind, rest)| {
        kind.len() >= 3
            && kind
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && rest.len() >= 5
            && rest.chars().all(|c| c.is_ascii_digit())
    })
}

fn first_id(line: &str) -> String {
    line.split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
        .find(|w| is_product_id(w))
        .map(str::to_string)
        .unwrap_or_default()
}

/// What the console last put on the clipboard (its OSC 52 sequences in the raw output).
fn last_copied(console: &Console) -> Option<String> {
    use base64::Engine as _;
    let raw = String::from_utf8_lossy(&console.screen.raw.lock().unwrap()).to_string();
    let start = raw.rfind("\x1b]52;c;")? + "\x1b]52;c;".len();
    let end = start + raw[start..].find('\x07')?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&raw[start..end])
        .ok()?;
    String::from_utf8(bytes).ok()
}

fn copies(console: &Console) -> usize {
    String::from_utf8_lossy(&console.screen.raw.lock().unwrap())
        .matches("\x1b]52;c;")
        .count()
}

/// `y`, then the id it copied (bounded wait for the new OSC 52 sequence).
fn copy_selected(console: &Console) -> String {
    let before = copies(console);
    console.send(b"y");
    let deadline = Instant::now() + Duration::from_secs(20);
    while copies(console) == before {
        assert!(Instant::now() < deadline, "y copied nothing");
        std::thread::sleep(Duration::from_millis(50));
    }
    last_copied(console).expect("a readable OSC 52 sequence")
}

#[test]
fn a_tagged_product_is_found_by_its_attribute_after_a_restart() {
    let mut console = Console::launch(ROWS, COLS);
    let screen = &console.screen;
    let send = |bytes: &[u8]| console.send(bytes);
    // Every listing in (11 demo accounts × 40), so the rows stop moving.
    screen.wait_for("the console", |t| t.contains("440 products"));
    // A product of the STC account itself: the CMO tenant's products keep their attributes
    // on the tenant, which the demo forgets at exit.
    send(b"/account:stc-demo\r");
    let listed = screen.wait_for("STC products", |t| {
        product_lines(t).iter().any(|l| l.contains("STC-"))
    });
    let id = first_id(&product_lines(&listed)[0]);
    send(b"g\r");
    screen.wait_for("the detail", |t| t.contains("ICCID") && t.contains(&id));
    send(b"a");
    screen.wait_for("the attribute form", |t| t.contains("Name"));
    send(b"ticket\tINC-1234\r");
    screen.wait_for("the attribute saved", |t| {
        t.contains("INC-1234") && t.contains("added")
    });
    send(b"\x1b");
    screen.wait_for("the list", |t| t.contains("Products"));
    assert!(console.quit().success());

    // A new console on the same data dir: the tag is found by a query, and only that product.
    let mut console = Console::launch_in(ROWS, COLS, console.into_home());
    let screen = &console.screen;
    screen.wait_for("the console", |t| t.contains("Products"));
    console.send(b"/attr:ticket=INC-1234\r");
    let found = screen.wait_for("exactly the tagged product", |t| {
        let lines = product_lines(t);
        lines.len() == 1 && lines[0].contains(&id)
    });
    assert!(found.contains("Products 1/1"), "{found}");
    // Quoted globs and case do not matter; a negation hides it.
    console.send(b"/");
    console.send(&[0x15]);
    console.send(b"attr:TICKET=inc-*\r");
    screen.wait_for("the tagged product by a glob", |t| {
        let lines = product_lines(t);
        lines.len() == 1 && lines[0].contains(&id)
    });
    assert!(console.quit().success());
}

#[test]
fn queries_narrow_count_and_keep_the_last_result_on_a_bad_regex() {
    let mut console = Console::launch(ROWS, COLS);
    let screen = &console.screen;
    let send = |bytes: &[u8]| console.send(bytes);
    screen.wait_for("the console", |t| t.contains("Products"));
    send(b"/status:SUSPENDED backend:STC");
    let shown = screen.wait_for("suspended STC products and their count", |t| {
        let lines = product_lines(t);
        let n = lines.len();
        n > 0
            && lines.iter().all(|l| l.contains("STC-") && l.contains("SUSPENDED"))
            // The summary line above the list counts exactly these rows.
            && t.lines()
                .any(|l| l.split('│').any(|cell| cell.trim() == format!("SUSPENDED {n}")))
    });
    assert!(
        !shown.contains("ACTIVE "),
        "only SUSPENDED in the summary:\n{shown}"
    );

    // A bad regex: an error naming it under the input, the rows stay.
    send(b" ~(");
    let errored = screen.wait_for("the regex error", |t| t.contains("`~(`"));
    assert_eq!(
        product_lines(&errored).len(),
        product_lines(&shown).len(),
        "the last result stays:\n{errored}"
    );
    send(b"\x1b"); // Esc clears the filter

    send(b"/!status:ACTIVE\r");
    let negated = screen.wait_for("no ACTIVE row", |t| {
        let lines = product_lines(t);
        !lines.is_empty()
            && lines
                .iter()
                .all(|l| !l.split_whitespace().any(|w| w == "ACTIVE"))
    });
    assert!(
        !negated
            .lines()
            .any(|l| l.contains("ACTIVE ") && !l.contains("PENDING_ACTIVE ")),
        "the summary counts no ACTIVE row:\n{negated}"
    );
    assert!(console.quit().success());
}

#[test]
fn sorting_keeps_the_selection_and_g_lands_on_the_last_sorted_row() {
    let mut console = Console::launch(ROWS, COLS);
    let screen = &console.screen;
    screen.wait_for("every listing in", |t| t.contains("440 products"));
    console.send(b"/backend:STC\r");
    screen.wait_for("STC products", |t| product_lines(t).len() > 5);
    console.send(b"jjj");
    let chosen = copy_selected(&console);
    console.send(b":sort status desc\r");
    screen.wait_for("sorted by status", |t| t.contains("Status ↓"));
    let after = copy_selected(&console);
    assert_eq!(after, chosen, "the selection stayed on its product");
    console.send(b":sort account\r");
    screen.wait_for("sorted by account", |t| t.contains("Account ↑"));
    assert_eq!(copy_selected(&console), chosen);
    console.send(b"G");
    let bottom = screen.wait_for("the end of the list", |t| {
        t.lines().any(|l| {
            l.contains("Products") && {
                // `Products N/N` — the position is the last row.
                l.split_whitespace()
                    .find(|w| w.contains('/'))
                    .and_then(|w| w.split_once('/'))
                    .is_some_and(|(a, b)| a == b)
            }
        })
    });
    let last = product_lines(&bottom).last().map(|l| first_id(l)).unwrap();
    assert_eq!(copy_selected(&console), last);
    assert!(console.quit().success());
}
