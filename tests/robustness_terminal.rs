//! Robustness of the terminal and of every output, on the real `cmo` binary (issue 15: "the
//! terminal always restored", "output safe everywhere", "bad input exit codes").
//!
//! * In a pseudo-terminal: SIGTERM, SIGHUP, SIGINT and SIGQUIT (sent with `kill`) each end the
//!   console with leave-alternate-screen and show-cursor in the raw output, the exit status a
//!   shell expects (128 + n), and the tty's termios as it was before the console started; a
//!   65535×65535 window is clamped instead of aborting; quitting with a change in flight asks,
//!   and leaving waits (bounded) for it.
//! * Carrier data carrying C1 controls, DEL, bidi overrides and zero-width characters (a 1NCE
//!   SIM label written into the simulator, a custom attribute value) reaches neither `--json`
//!   nor text output raw.
//! * Bad input of every kind is exit 2 with the file (and line or offset) named.

use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LEAVE_ALT: &[u8] = b"\x1b[?1049l";
const ENTER_ALT: &[u8] = b"\x1b[?1049h";
const SHOW_CURSOR: &[u8] = b"\x1b[?25h";

/// Characters no output may carry raw.
fn is_hostile(c: char) -> bool {
    matches!(c,
        '\u{7f}'..='\u{9f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}')
}

/// The carrier text the tests inject: CSI as a C1 control, DEL, a bidi override, a zero-width
/// space, a byte-order mark and NEL.
const HOSTILE_LABEL: &str = "pump\u{9b}31m\u{7f}\u{202e}7\u{200b}\u{feff}\u{85}x";

fn position(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// The terminal's mode flags, read on the pty master (they belong to the pair).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mode {
    iflag: libc::tcflag_t,
    oflag: libc::tcflag_t,
    lflag: libc::tcflag_t,
}

fn mode(master: &dyn MasterPty) -> Mode {
    let fd = master.as_raw_fd().expect("a pty master fd");
    // SAFETY: `termios` is plain data; tcgetattr fills it from a valid, open fd.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::tcgetattr(fd, &mut t) };
    assert_eq!(rc, 0, "tcgetattr: {}", std::io::Error::last_os_error());
    Mode {
        iflag: t.c_iflag,
        oflag: t.c_oflag,
        lflag: t.c_lflag,
    }
}

/// A sandbox: HOME and the XDG dirs inside a temporary folder.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn env(&self) -> Vec<(String, PathBuf)> {
        let home = self.path();
        vec![
            ("HOME".into(), home.to_path_buf()),
            ("XDG_CONFIG_HOME".into(), home.join("config")),
            ("XDG_STATE_HOME".into(), home.join("state")),
            ("XDG_DATA_HOME".into(), home.join("share")),
        ]
    }

    /// `cmo ARGS` with its data dir in the sandbox; stdin closed.
    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cmo"));
        cmd.args(args)
            .arg("--data-dir")
            .arg(self.path().join("data"))
            .stdin(std::process::Stdio::null());
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        for var in ["NO_COLOR", "COLORTERM", "RUST_LOG"] {
            cmd.env_remove(var);
        }
        cmd.output().expect("cmo runs")
    }
}

/// The console in a pseudo-terminal: raw output kept, a screen parser when the size allows.
struct Console {
    master: Box<dyn MasterPty + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    raw: Arc<Mutex<Vec<u8>>>,
    parser: Option<Arc<Mutex<vt100::Parser>>>,
    /// The termios before the console started.
    before: Mode,
    _sandbox: Sandbox,
}

impl Console {
    fn launch(rows: u16, cols: u16, args: &[String], sandbox: Sandbox) -> Console {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pty");
        let before = mode(pair.master.as_ref());
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_cmo"));
        cmd.args(args);
        cmd.arg("--data-dir");
        cmd.arg(sandbox.path().join("data"));
        for (k, v) in sandbox.env() {
            cmd.env(k, v);
        }
        for var in ["NO_COLOR", "COLORTERM", "COLUMNS", "LINES"] {
            cmd.env_remove(var);
        }
        cmd.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(cmd).expect("cmo starts");
        drop(pair.slave);
        let raw = Arc::new(Mutex::new(Vec::new()));
        let parser = (u32::from(rows) * u32::from(cols) <= 200_000)
            .then(|| Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0))));
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let (raw2, parser2) = (raw.clone(), parser.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Some(p) = &parser2 {
                    p.lock().unwrap().process(&buf[..n]);
                }
                raw2.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().expect("writer");
        Console {
            master: pair.master,
            child,
            writer,
            raw,
            parser,
            before,
            _sandbox: sandbox,
        }
    }

    fn demo(rows: u16, cols: u16) -> Console {
        let args = ["--demo", "--demo-size", "5"].map(String::from);
        Console::launch(rows, cols, &args, Sandbox::new())
    }

    fn text(&self) -> String {
        match &self.parser {
            Some(p) => p.lock().unwrap().screen().contents(),
            None => String::from_utf8_lossy(&self.raw.lock().unwrap()).into_owned(),
        }
    }

    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let text = self.text();
            if pred(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    fn kill(&self, signal: libc::c_int) {
        let pid = self.child.process_id().expect("a pid");
        let pid = libc::pid_t::try_from(pid).expect("pid fits");
        // SAFETY: sending a signal to the child this test started.
        let rc = unsafe { libc::kill(pid, signal) };
        assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
    }

    /// The exit code (bounded wait).
    fn wait_exit(&mut self) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.exit_code();
            }
            assert!(Instant::now() < deadline, "cmo did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// After exit: the last alternate screen was left and the cursor shown after it (waiting,
    /// bounded, for the reader to drain the pty), and the termios is what it was before.
    fn assert_restored(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let raw = self.raw.lock().unwrap().clone();
            let entered =
                position(&raw, ENTER_ALT).expect("the console entered the alternate screen");
            let left = position(&raw, LEAVE_ALT).filter(|at| *at > entered);
            let shown = position(&raw, SHOW_CURSOR).filter(|at| *at > entered);
            if left.is_some() && shown.is_some() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no leave-alternate-screen / show-cursor after the last enter; tail: {:?}",
                String::from_utf8_lossy(&raw[raw.len().saturating_sub(300)..])
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let after = mode(self.master.as_ref());
        assert_eq!(after, self.before, "termios restored");
        assert_ne!(after.lflag & libc::ICANON, 0, "canonical mode back on");
        assert_ne!(after.lflag & libc::ECHO, 0, "echo back on");
    }
}

fn a_signal_ends_the_console_and_restores_the_terminal(signal: libc::c_int) {
    let mut console = Console::demo(30, 100);
    console.wait_for("the console", |t| t.contains("Products"));
    // While it runs, the tty is raw: the comparison after exit can fail.
    let running = mode(console.master.as_ref());
    assert_eq!(
        running.lflag & (libc::ICANON | libc::ECHO),
        0,
        "raw while running"
    );
    console.kill(signal);
    let code = console.wait_exit();
    assert_eq!(
        code,
        128 + u32::try_from(signal).unwrap(),
        "exit status 128 + signal"
    );
    console.assert_restored();
}

#[test]
fn sigterm_restores_the_terminal() {
    a_signal_ends_the_console_and_restores_the_terminal(libc::SIGTERM);
}

#[test]
fn sighup_restores_the_terminal() {
    a_signal_ends_the_console_and_restores_the_terminal(libc::SIGHUP);
}

#[test]
fn sigint_as_a_signal_restores_the_terminal() {
    a_signal_ends_the_console_and_restores_the_terminal(libc::SIGINT);
}

#[test]
fn sigquit_restores_the_terminal() {
    a_signal_ends_the_console_and_restores_the_terminal(libc::SIGQUIT);
}

#[test]
fn a_65535_square_window_is_clamped_not_an_abort() {
    let mut console = Console::demo(u16::MAX, u16::MAX);
    console.wait_for("a frame", |t| t.contains("Products"));
    console.send(b"q");
    assert_eq!(console.wait_exit(), 0);
    console.assert_restored();
    // Nothing was drawn past the clamp (1000 columns): no cursor move beyond it.
    let raw = String::from_utf8_lossy(&console.raw.lock().unwrap()).into_owned();
    assert!(
        !raw.contains(";1001H") && !raw.contains("[501;"),
        "drawn past 1000×500"
    );
}

/// The simulators in this process (their own runtime), a config pointing at them.
struct Sims {
    rt: tokio::runtime::Runtime,
    handle: cmo::sim::SimHandle,
    config: PathBuf,
}

fn sims(sandbox: &Sandbox) -> Sims {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let handle = rt
        .block_on(cmo::sim::start(cmo::sim::SimOptions {
            size: 5,
            seed: 7,
            ..cmo::sim::SimOptions::default()
        }))
        .expect("simulators");
    let config = sandbox.path().join("sim").join("config.toml");
    handle.write_config(&config).expect("config");
    Sims { rt, handle, config }
}

/// A 1NCE product of the simulator whose status is `status` on the console's list.
fn onence_row(console: &Console, status: &str) -> String {
    let screen = console.wait_for("every listing", |t| {
        t.contains("Products") && !t.contains("loading") && t.contains("1NCE-89")
    });
    screen
        .lines()
        .find(|l| l.contains("1NCE-89") && l.split_whitespace().any(|w| w == status))
        .and_then(|l| l.split_whitespace().find(|w| w.starts_with("1NCE-89")))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no {status} 1NCE row:\n{screen}"))
}

/// Launch on the simulators, then start a change the carrier answers only after `latency`.
fn console_with_a_change_in_flight() -> (Console, Sims) {
    let sandbox = Sandbox::new();
    let sims = sims(&sandbox);
    let args = ["--config".to_string(), sims.config.display().to_string()];
    let mut console = Console::launch(30, 110, &args, sandbox);
    let id = onence_row(&console, "ACTIVE");
    console.send(b"/");
    console.send(id.as_bytes());
    console.send(b"\r");
    console.wait_for("the one row", |t| {
        t.contains(&id) && !t.lines().any(|l| l.contains("1NCE-89") && !l.contains(&id))
    });
    // From now on the carrier is slow.
    let p = sims.handle.platform("1NCE").expect("1NCE");
    p.control.set_latency(Duration::from_secs(20));
    console.send(b"s");
    console.wait_for("the status menu", |t| t.contains("Change status"));
    console.send(b"\r");
    console.wait_for("the confirmation", |t| t.contains("[ Cancel ]"));
    console.send(b"\t");
    console.send(b"\r");
    console.wait_for("the change in flight", |t| t.contains(&format!("{id} →")));
    (console, sims)
}

#[test]
fn quitting_with_a_change_in_flight_asks_then_waits_a_bounded_time() {
    let (mut console, sims) = console_with_a_change_in_flight();
    console.send(b"q");
    console.wait_for("the question", |t| {
        t.contains("1 change in flight — quit anyway?")
    });
    // Enter on the focused "Keep running": still running.
    console.send(b"\r");
    console.wait_for("the question closed", |t| !t.contains("quit anyway?"));
    assert!(console.child.try_wait().unwrap().is_none(), "still running");
    console.send(b"q");
    console.wait_for("the question again", |t| t.contains("quit anyway?"));
    console.send(b"\t");
    console.send(b"\r");
    console.wait_for("the grace period", |t| {
        t.contains("waiting up to 5 s for 1 change")
    });
    assert_eq!(console.wait_exit(), 0);
    console.assert_restored();
    drop(sims);
}

#[test]
fn sigterm_with_a_change_in_flight_waits_a_bounded_time_then_restores() {
    let (mut console, sims) = console_with_a_change_in_flight();
    console.kill(libc::SIGTERM);
    console.wait_for("the grace period", |t| {
        t.contains("SIGTERM: waiting up to 5 s")
    });
    assert_eq!(console.wait_exit(), 143);
    console.assert_restored();
    drop(sims);
}

/// Write a hostile label on a 1NCE SIM through the simulator's own API (as a carrier user
/// could), and return the product id.
fn hostile_onence_label(sims: &Sims) -> String {
    let p = sims.handle.platform("1NCE").expect("1NCE");
    sims.rt.block_on(async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::new();
        let token: serde_json::Value = http
            .post(format!("{}/oauth/token", p.base_url))
            .basic_auth(&p.username, Some(&p.secret))
            .json(&serde_json::json!({"grant_type": "client_credentials"}))
            .send()
            .await
            .expect("token")
            .json()
            .await
            .expect("token json");
        let token = token["access_token"]
            .as_str()
            .expect("access_token")
            .to_string();
        let sims: Vec<serde_json::Value> = http
            .get(format!("{}/v1/sims", p.base_url))
            .bearer_auth(&token)
            .send()
            .await
            .expect("sims")
            .json()
            .await
            .expect("sims json");
        let iccid = sims[0]["iccid"].as_str().expect("iccid").to_string();
        let status = http
            .put(format!("{}/v1/sims/{iccid}", p.base_url))
            .bearer_auth(&token)
            .json(&serde_json::json!({"iccid": iccid, "status": "Enabled", "label": HOSTILE_LABEL}))
            .send()
            .await
            .expect("label")
            .status();
        assert!(status.is_success(), "{status}");
        format!("1NCE-{iccid}")
    })
}

fn assert_clean(what: &str, bytes: &[u8]) {
    let text =
        String::from_utf8(bytes.to_vec()).unwrap_or_else(|e| panic!("{what}: not UTF-8: {e}"));
    if let Some(c) = text.chars().find(|c| is_hostile(*c)) {
        panic!("{what}: raw U+{:04X} in {text}", u32::from(c));
    }
    assert!(!text.contains('\u{1b}'), "{what}: an escape: {text}");
}

#[test]
fn json_and_text_outputs_carry_no_raw_c1_del_or_bidi_character() {
    let sandbox = Sandbox::new();
    let sims = sims(&sandbox);
    let id = hostile_onence_label(&sims);
    let config = sims.config.display().to_string();
    let attr = sandbox.run(&[
        "--config",
        &config,
        "attrs",
        "set",
        &id,
        "note",
        "left\u{202e}right\u{200b}\u{2066}x",
    ]);
    assert!(
        attr.status.success(),
        "{}",
        String::from_utf8_lossy(&attr.stderr)
    );

    let json = sandbox.run(&["--config", &config, "--json", "products", "get", &id]);
    assert!(
        json.status.success(),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    assert_clean("products get --json", &json.stdout);
    // The data is intact for a script: the escapes decode to the carrier's text.
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let text = value.to_string();
    assert!(
        text.contains(HOSTILE_LABEL),
        "the label survives decoding: {text}"
    );
    let raw = String::from_utf8_lossy(&json.stdout);
    assert!(
        raw.contains("\\u009b") && raw.contains("\\u202e") && raw.contains("\\u007f"),
        "{raw}"
    );

    let listed = sandbox.run(&[
        "--config",
        &config,
        "--json",
        "products",
        "list",
        "--backend",
        "1NCE",
    ]);
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    assert_clean("products list --json", &listed.stdout);

    let attrs = sandbox.run(&["--config", &config, "--json", "attrs", "list", &id]);
    assert!(
        attrs.status.success(),
        "{}",
        String::from_utf8_lossy(&attrs.stderr)
    );
    assert_clean("attrs list --json", &attrs.stdout);
    assert!(String::from_utf8_lossy(&attrs.stdout).contains("\\u202e"));

    for (args, shows_them) in [
        (vec!["products", "get", &id], true),
        (vec!["attrs", "list", &id], true),
        (
            vec!["products", "list", "--backend", "1NCE", "--format", "csv"],
            true,
        ),
        (vec!["products", "list", "--backend", "1NCE"], false),
    ] {
        let mut full = vec!["--config", config.as_str()];
        full.extend(args.iter().copied());
        let out = sandbox.run(&full);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_clean(&format!("{args:?}"), &out.stdout);
        assert_clean(&format!("{args:?} stderr"), &out.stderr);
        // Shown, not hidden: the replacement marks where something was.
        if shows_them {
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(stdout.contains('\u{fffd}'), "{args:?}: {stdout}");
        }
    }
}

/// Exit 2, and stderr says each of `needles`.
fn assert_bad_input(out: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{n:?} not in: {stderr}");
    }
    assert!(
        stderr.len() < 2000,
        "one clear message, not {} bytes",
        stderr.len()
    );
}

#[test]
fn bad_input_of_every_kind_is_exit_2_naming_where() {
    let sandbox = Sandbox::new();
    let dir = sandbox.path();
    let batch = |file: &Path| {
        let file = file.display().to_string();
        sandbox.run(&[
            "--demo",
            "batch",
            "status",
            "SUSPENDED",
            "--ids-file",
            &file,
            "--yes",
        ])
    };

    let config = dir.join("latin1.toml");
    std::fs::write(&config, b"theme = \"default\"\n# caf\xe9\n").unwrap();
    let out = sandbox.run(&[
        "--config",
        &config.display().to_string(),
        "products",
        "list",
    ]);
    assert_bad_input(&out, &["latin1.toml", "line 2", "byte offset 23"]);

    assert_bad_input(&batch(dir), &["is a directory"]);

    let binary = dir.join("ids.bin");
    std::fs::write(
        &binary,
        b"1NCE-8988303000000000016\n\x7fELF\x02\x01\x00\x00",
    )
    .unwrap();
    assert_bad_input(&batch(&binary), &["ids.bin, line 2", "binary"]);

    let long = dir.join("long.txt");
    std::fs::write(&long, vec![b'9'; 50 * 1024 * 1024]).unwrap();
    assert_bad_input(
        &batch(&long),
        &["long.txt, line 1", "longer than 4096 bytes"],
    );

    assert_bad_input(&batch(Path::new("/dev/zero")), &["/dev/zero, line 1"]);

    let many = dir.join("many.txt");
    let text: String = (0..100_000u64)
        .map(|i| format!("1NCE-8988303{i:012}\n"))
        .collect();
    std::fs::write(&many, text).unwrap();
    assert_bad_input(&batch(&many), &["many.txt, line 101", "max_batch_size"]);

    let reversed = sandbox.run(&[
        "--demo",
        "attrs",
        "set",
        "1NCE-8988303000000000016",
        "\u{202e}eman",
        "x",
    ]);
    assert_bad_input(&reversed, &["U+202E"]);
}
