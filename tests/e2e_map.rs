//! End to end: the real `cmo` binary in a pseudo-terminal on its demo simulators (started
//! in-process by `--demo`), as an operator uses the world map: `W` from the list opens the map,
//! `+` zooms onto the selected terminal, Enter opens it, Esc comes back to the map and `q`
//! leaves it; `v` shows the overview and Enter on an account lists its products. Once at
//! 120×40 with colours, once at 80×24 under `NO_COLOR`.

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Console {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _home: tempfile::TempDir,
}

impl Console {
    fn launch(rows: u16, cols: u16, env: &[(&str, &str)]) -> Console {
        let home = tempfile::tempdir().unwrap();
        let pair = native_pty_system()
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
        for var in ["NO_COLOR", "COLORTERM", "COLUMNS", "LINES"] {
            cmd.env_remove(var);
        }
        cmd.env("TERM", "xterm-256color");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let screen = parser.clone();
        std::thread::spawn(move || {
            let _master = pair.master;
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                screen.lock().unwrap().process(&buf[..n]);
            }
        });
        Console {
            parser,
            writer,
            child,
            _home: home,
        }
    }

    fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    /// Wait (bounded) until `pred` holds for the screen; returns that screen.
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

    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "cmo did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        // A failed assertion must not leave the console running.
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
        }
    }
}

const STATUSES: [&str; 10] = [
    "CREATED",
    "PENDING_ACTIVE",
    "INVENTORY",
    "ACTIVE",
    "SUSPENDED",
    "BLOCKED",
    "PENDING_TERMINATE",
    "TERMINATED",
    "DELETED",
    "UNKNOWN",
];

/// The business id the map's legend names for the selected terminal: the word before its
/// status on the `▸` line.
fn selected_on_map(text: &str) -> Option<String> {
    let line = text.lines().find(|l| l.contains('▸'))?;
    let words: Vec<&str> = line
        .split(|c: char| c.is_whitespace() || c == '│')
        .filter(|w| !w.is_empty())
        .collect();
    let at = words.iter().position(|w| STATUSES.contains(w))?;
    words.get(at.checked_sub(1)?).map(|w| w.to_string())
}

fn map_then_terminal_then_back(rows: u16, cols: u16, env: &[(&str, &str)]) {
    let mut console = Console::launch(rows, cols, env);
    console.wait_for("every listing", |t| t.contains("440 products"));
    // Only the Intelsat terminals: the map shows what the query shows.
    console.send(b"/INTELSAT-");
    console.send(b"\r");
    console.wait_for("the filtered list", |t| {
        t.contains("INTELSAT-") && !t.lines().any(|l| l.contains("1NCE-89"))
    });
    console.send(b"W");
    let map = console.wait_for("the world map", |t| t.contains("World map"));
    assert!(map.contains("40 terminals"), "{map}");
    assert!(
        map.chars().any(|c| ('\u{2801}'..='\u{28FF}').contains(&c)),
        "braille on the map: {map}"
    );
    console.send(b"+");
    let zoomed = console.wait_for("the zoomed map", |t| t.contains("×2"));
    // Zooming keeps the selected terminal on screen, named.
    let id = selected_on_map(&zoomed)
        .unwrap_or_else(|| panic!("the selected terminal is named:\n{zoomed}"));
    assert!(zoomed.contains('◉'), "{zoomed}");
    console.send(b"+");
    console.wait_for("zoomed again", |t| t.contains("×4"));
    console.send(b"\r");
    // The detail's title names the product (at 80×24 its position is a PgDn away).
    console.wait_for("the terminal's detail", |t| {
        t.contains(&format!("INTELSAT-{id}")) && t.contains("Serial") && !t.contains("World map")
    });
    console.send(b"\x1b");
    console.wait_for("the map again", |t| {
        t.contains("World map") && t.contains("×4")
    });
    // `v`: the overview; Enter on the first account lists its products.
    console.send(b"v");
    console.wait_for("the overview", |t| {
        t.contains("Overview ·") && t.contains("By status")
    });
    console.send(b"\r");
    console.wait_for("the first account's products", |t| {
        t.contains("account:") && t.contains(" Products ")
    });
    console.send(b"q");
    let status = console.wait_exit();
    assert!(status.success(), "exit status {status:?}");
}

#[test]
fn the_map_opens_from_the_list_zooms_in_and_opens_a_terminal_at_120x40() {
    map_then_terminal_then_back(40, 120, &[]);
}

#[test]
fn the_map_works_at_80x24_without_colours() {
    map_then_terminal_then_back(24, 80, &[("NO_COLOR", "1")]);
}
