//! Robustness against a hostile carrier (issue 15: "one redaction path", "carriers are
//! bounded"): the real `cmo` binary against a small axum server on 127.0.0.1:0 that speaks
//! 1NCE's wire API (`POST /oauth/token` with Basic client credentials, `GET /v1/sims` paged by
//! `page`/`pageSize` with `X-Total-Pages`/`X-Total-Count`) and misbehaves in one way per path
//! prefix (the config's `base_url` picks it):
//!
//! - an echoing token endpoint — the secret in every wire form it can take — never gets any
//!   form of the secret into stderr, `--json` output or problems, or the log file;
//! - a 1.5 GB chunked answer (generated lazily, never allocated) is refused at
//!   `max_response_size` while the child's memory stays bounded and the server sent far less;
//! - a page that repeats, pages past the reported total, or pages without end stop
//!   `products list --all` with a per-backend error;
//! - `secret_cmd = "sleep 600"` fails with a timeout message;
//! - a carrier that never answers is retried only within `command_timeout`.
//!
//! Every run gets its own HOME/XDG dirs and `--data-dir`, and assertions count requests and
//! bytes, never time.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

const USER: &str = "client-7";
/// Characters every encoding changes: `@`, `/`, `+`, a space.
const SECRET: &str = "p@ss/w+rd x7Q";
const BACKEND: &str = "hostile-1nce";

/// What the hostile carrier saw and did.
#[derive(Default)]
struct Seen {
    /// `GET /v1/sims` requests.
    sims: AtomicU64,
    /// Bytes the 1.5 GB answer produced (handed to the socket) before the client hung up.
    produced: AtomicU64,
    /// The `cmo` child being served, and the highest VmHWM (KiB) read from /proc while it read.
    child_pid: AtomicU32,
    peak_hwm_kib: AtomicU64,
    /// Fresh ICCIDs for the carrier that pages without end.
    next_sim: AtomicU64,
}

struct Carrier {
    base: String,
    seen: Arc<Seen>,
    _runtime: tokio::runtime::Runtime,
}

fn carrier() -> Carrier {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let seen = Arc::new(Seen::default());
    let app = Router::new()
        .route("/{mode}/oauth/token", post(token))
        .route("/{mode}/v1/sims", get(sims))
        .with_state(seen.clone());
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move { axum::serve(listener, app).await.ok() });
    Carrier {
        base: format!("http://{addr}"),
        seen,
        _runtime: runtime,
    }
}

/// The token endpoint: `ok` hands out a token; every echo mode refuses with 401 and shows the
/// request back in one wire form of the secret.
async fn token(Path(mode): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let decoded = auth
        .strip_prefix("Basic ")
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let secret = decoded.split_once(':').map(|(_, s)| s).unwrap_or("");
    let body = String::from_utf8_lossy(&body);
    let echo = match mode.as_str() {
        "ok" | "big" | "repeat" | "endless" | "pastotal" | "slow" => {
            return axum::Json(serde_json::json!({
                "access_token": "tok-Hq83-hostile-token",
                "token_type": "bearer",
                "expires_in": 3600
            }))
            .into_response();
        }
        "header" => format!("invalid client; request: Authorization: {auth}; body {body}"),
        "plain" => format!("invalid client {decoded}"),
        "b64secret" => format!(
            "bad secret {} / {}",
            base64::engine::general_purpose::STANDARD.encode(secret),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
        ),
        "form" => format!(
            "unknown client: client_id={USER}&client_secret={}",
            form_encode(secret, false)
        ),
        "formlower" => format!("client_secret={}", form_encode(secret, true)),
        // Not valid JSON as a whole, so the excerpt shows it raw, escapes and all.
        "json" => format!(
            r#"invalid_client echo: {{"client_secret":"{}"}} <--"#,
            json_escape(secret)
        ),
        // The secret starts 155 characters in: the 160-character excerpt cut lands inside it.
        "straddle" => format!("{}{secret} end", "e".repeat(155)),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (StatusCode::UNAUTHORIZED, echo).into_response()
}

/// `application/x-www-form-urlencoded`: space as `+`, the rest as `%XX`.
fn form_encode(s: &str, lower: bool) -> String {
    s.bytes()
        .map(|b| match b {
            b' ' => "+".to_string(),
            b if b.is_ascii_alphanumeric() => (b as char).to_string(),
            b if lower => format!("%{b:02x}"),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// JSON-escaped as some encoders write it: `\/` and `\u00XX` for everything not alphanumeric.
fn json_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '/' => "\\/".to_string(),
            c if c.is_ascii_alphanumeric() => c.to_string(),
            c => format!("\\u{:04x}", c as u32),
        })
        .collect()
}

fn sim(n: u64) -> serde_json::Value {
    serde_json::json!({"iccid": format!("8988280666{n:010}"), "status": "Enabled"})
}

static SPACES: [u8; 64 * 1024] = [b' '; 64 * 1024];
const HUGE: u64 = 1536 * 1024 * 1024;

async fn sims(State(seen): State<Arc<Seen>>, Path(mode): Path<String>) -> Response {
    seen.sims.fetch_add(1, Ordering::SeqCst);
    match mode.as_str() {
        "big" => {
            // 1.5 GB, 64 KiB at a time, made up as the client reads; while it reads, its
            // memory high-water mark is sampled from /proc.
            let chunks = futures::stream::unfold(0u64, move |sent| {
                let seen = seen.clone();
                async move {
                    if sent >= HUGE {
                        return None;
                    }
                    seen.produced
                        .fetch_add(SPACES.len() as u64, Ordering::SeqCst);
                    if sent % (4 << 20) == 0 {
                        sample_hwm(&seen);
                    }
                    let chunk = if sent == 0 {
                        let mut first = SPACES.to_vec();
                        first[0] = b'[';
                        Bytes::from(first)
                    } else {
                        Bytes::from_static(&SPACES)
                    };
                    Some((Ok::<_, std::io::Error>(chunk), sent + SPACES.len() as u64))
                }
            });
            Response::new(Body::from_stream(chunks))
        }
        // The same page whatever page is asked for.
        "repeat" => paged(vec![sim(1), sim(2)], &[("x-total-pages", "5")]),
        // A new page every time, and always another one announced.
        "endless" => {
            let n = seen.next_sim.fetch_add(1, Ordering::SeqCst);
            paged(vec![sim(n)], &[("x-total-pages", "999999999")])
        }
        // Ten products reported, pages without end.
        "pastotal" => {
            let n = seen.next_sim.fetch_add(5, Ordering::SeqCst);
            let page = (n..n + 5).map(sim).collect();
            paged(
                page,
                &[("x-total-pages", "999999999"), ("x-total-count", "10")],
            )
        }
        // A timeout fault: the answer never comes in time.
        "slow" => {
            tokio::time::sleep(std::time::Duration::from_secs(120)).await;
            paged(Vec::new(), &[])
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn paged(items: Vec<serde_json::Value>, headers: &[(&'static str, &'static str)]) -> Response {
    let mut r = axum::Json(items).into_response();
    for (k, v) in headers {
        r.headers_mut().insert(*k, v.parse().unwrap());
    }
    r
}

fn sample_hwm(seen: &Seen) {
    let pid = seen.child_pid.load(Ordering::SeqCst);
    if pid == 0 {
        return;
    }
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return;
    };
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    if let Some(kib) = kib {
        seen.peak_hwm_kib.fetch_max(kib, Ordering::SeqCst);
    }
}

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    /// A config with one 1NCE account at `base_url`, `top` keys before it, `extra` keys in it
    /// and `auth` as its secret source.
    fn config(&self, top: &str, base_url: &str, extra: &str, auth: &str) -> PathBuf {
        let path = self.path("config.toml");
        std::fs::write(
            &path,
            format!(
                "{top}\n[[backend]]\nname = \"{BACKEND}\"\nkind = \"1NCE\"\nbase_url = \"{base_url}\"\naccount_id = \"1\"\nrate_limit_per_second = 1000\n{extra}\n[backend.auth]\nusername = \"{USER}\"\n{auth}\n"
            ),
        )
        .unwrap();
        path
    }

    fn command(&self, config: &std::path::Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cmo"));
        cmd.arg("--config")
            .arg(config)
            .args(args)
            .arg("--data-dir")
            .arg(self.path("data"))
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("share"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env("HOSTILE_SECRET", SECRET)
            .env("RUST_LOG", "debug")
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, config: &std::path::Path, args: &[&str]) -> Output {
        self.command(config, args).output().unwrap()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path("state/cmo/cmo.log")).unwrap_or_default()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every form of the secret a carrier could echo, and the start of it.
fn forbidden_forms() -> Vec<String> {
    let std = &base64::engine::general_purpose::STANDARD;
    let url = &base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let basic = std.encode(format!("{USER}:{SECRET}"));
    vec![
        SECRET.to_string(),
        "p@ss".to_string(),
        basic.clone(),
        basic.trim_end_matches('=').to_string(),
        // The part of the Basic value made of the secret's bits only.
        basic[12..24].to_string(),
        std.encode(SECRET),
        url.encode(SECRET),
        form_encode(SECRET, false),
        form_encode(SECRET, true),
        "p%40ss".to_string(),
        json_escape(SECRET),
        "p\\u0040ss".to_string(),
    ]
}

fn assert_no_secret(what: &str, output: &str) {
    for form in forbidden_forms() {
        assert!(
            !output.contains(&form),
            "{what} holds the secret as `{form}`:\n{output}"
        );
    }
}

#[test]
fn an_echoing_token_endpoint_never_gets_any_form_of_the_secret_out() {
    let carrier = carrier();
    for mode in [
        "header",
        "plain",
        "b64secret",
        "form",
        "formlower",
        "json",
        "straddle",
    ] {
        let sb = Sandbox::new();
        let config = sb.config(
            "",
            &format!("{}/{mode}", carrier.base),
            "max_retries = 0",
            "secret_env = \"HOSTILE_SECRET\"",
        );
        for json in [false, true] {
            let mut args = vec!["products", "list", "--all"];
            if json {
                args.push("--json");
            }
            let out = sb.run(&config, &args);
            let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
            assert_eq!(out.status.code(), Some(1), "{mode}: {stderr}");
            // The echo did reach the error, masked: the test sees what the user would.
            assert!(
                stderr.contains("rejected the credentials"),
                "{mode}: {stderr}"
            );
            assert!(stderr.contains("***"), "{mode}: {stderr}");
            if json {
                let problem: serde_json::Value = serde_json::from_str(stderr.trim())
                    .unwrap_or_else(|e| panic!("{mode}: not a problem object ({e}): {stderr}"));
                assert_eq!(problem["status"], 401, "{mode}: {stderr}");
            }
            assert_no_secret(&format!("{mode} stderr"), &stderr);
            assert_no_secret(&format!("{mode} stdout"), &stdout);
        }
        let log = sb.log();
        assert!(
            log.contains("command failed"),
            "{mode}: the log is empty:\n{log}"
        );
        assert_no_secret(&format!("{mode} log"), &log);
    }
}

#[test]
fn the_inline_secret_warning_reaches_stderr_without_the_secret() {
    let carrier = carrier();
    let sb = Sandbox::new();
    let config = sb.config(
        "",
        &format!("{}/repeat", carrier.base),
        "",
        &format!("secret = \"{SECRET}\""),
    );
    let out = sb.run(&config, &["info"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cmo: warning: {}, line 11: backend '{BACKEND}' has an inline secret",
            config.display()
        )),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_no_secret("stderr", &stderr);
    assert_no_secret("stdout", &text(&out.stdout));
}

#[test]
fn a_1_5_gb_answer_is_refused_at_the_size_limit_with_bounded_memory() {
    let carrier = carrier();
    let sb = Sandbox::new();
    let config = sb.config(
        "",
        &format!("{}/big", carrier.base),
        "",
        "secret_env = \"HOSTILE_SECRET\"",
    );
    let mut child = sb
        .command(&config, &["products", "list", "--page-size", "5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    carrier.seen.child_pid.store(child.id(), Ordering::SeqCst);
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cmo: {BACKEND} sent a response we could not read: the answer is larger than the 64 MiB limit (max_response_size)"
        )),
        "{stderr}"
    );
    // Refused once, not retried: one request for the list.
    assert_eq!(carrier.seen.sims.load(Ordering::SeqCst), 1);
    let produced = carrier.seen.produced.load(Ordering::SeqCst);
    assert!(
        produced < 256 << 20,
        "the carrier produced {} MiB of 1536 before cmo hung up",
        produced >> 20
    );
    let hwm = carrier.seen.peak_hwm_kib.load(Ordering::SeqCst);
    if cfg!(target_os = "linux") {
        assert!(hwm > 0, "no VmHWM sample was taken while cmo read");
        // The 64 MiB cap, the runtime and the binary: far from the 1.5 GB sent at it.
        assert!(hwm < 400 * 1024, "cmo's peak RSS was {} MiB", hwm / 1024);
    }
    eprintln!(
        "1.5 GB answer: refused after the carrier produced {} MiB; cmo's peak RSS while reading: {} MiB",
        produced >> 20,
        hwm / 1024
    );
}

#[test]
fn a_repeating_page_stops_products_list_all_with_an_error() {
    let carrier = carrier();
    let sb = Sandbox::new();
    let config = sb.config(
        "",
        &format!("{}/repeat", carrier.base),
        "",
        "secret_env = \"HOSTILE_SECRET\"",
    );
    let out = sb.run(&config, &["products", "list", "--all"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cmo: {BACKEND}: listing stopped: page 2 repeats page 1"
        )),
        "{stderr}"
    );
    assert_eq!(carrier.seen.sims.load(Ordering::SeqCst), 2);
}

#[test]
fn a_carrier_announcing_endless_pages_hits_the_page_cap() {
    let carrier = carrier();
    let sb = Sandbox::new();
    let config = sb.config(
        "max_list_pages = 25",
        &format!("{}/endless", carrier.base),
        "",
        "secret_env = \"HOSTILE_SECRET\"",
    );
    let out = sb.run(&config, &["products", "list", "--all", "--json"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("listing stopped: more than 25 pages (max_list_pages)"),
        "{stderr}"
    );
    assert_eq!(carrier.seen.sims.load(Ordering::SeqCst), 25);
    // A filtered page that no row matches walks pages until it is full: the cap stops it too.
    let out = sb.run(
        &config,
        &[
            "products",
            "list",
            "--page",
            "1",
            "--page-size",
            "5",
            "--status",
            "SUSPENDED",
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("listing stopped: more than 25 pages (max_list_pages)"),
        "{stderr}"
    );
    assert_eq!(carrier.seen.sims.load(Ordering::SeqCst), 50);
}

#[test]
fn pages_past_the_reported_total_stop_the_listing() {
    let carrier = carrier();
    let sb = Sandbox::new();
    let config = sb.config(
        "",
        &format!("{}/pastotal", carrier.base),
        "",
        "secret_env = \"HOSTILE_SECRET\"",
    );
    let out = sb.run(&config, &["products", "list", "--all"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("listing stopped: pages continue past the 10 products it reported"),
        "{stderr}"
    );
    // Two pages hold the ten, one more is slack for rows added meanwhile; the fourth stops it.
    assert_eq!(carrier.seen.sims.load(Ordering::SeqCst), 4);
}

#[test]
fn a_secret_cmd_that_never_ends_fails_with_a_timeout_message() {
    let sb = Sandbox::new();
    let config = sb.config(
        "secret_cmd_timeout = \"1s\"",
        "http://127.0.0.1:9/x",
        "",
        "secret_cmd = \"sleep 600\"",
    );
    let out = sb.run(&config, &["products", "list"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("key `secret_cmd`: secret command `sleep 600` did not finish within 1s (secret_cmd_timeout)"),
        "{stderr}"
    );
}

#[test]
fn a_timeout_fault_is_retried_only_within_the_command_deadline() {
    let carrier = carrier();
    let sb = Sandbox::new();
    // Five tries of 2 s each would take over 10 s; the command has 5 s.
    let config = sb.config(
        "command_timeout = \"5s\"",
        &format!("{}/slow", carrier.base),
        "request_timeout = \"2s\"\nmax_retries = 4",
        "secret_env = \"HOSTILE_SECRET\"",
    );
    let out = sb.run(&config, &["products", "list", "--all", "--json"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("command_timeout"), "{stderr}");
    assert!(stderr.contains("did not answer within"), "{stderr}");
    let tries = carrier.seen.sims.load(Ordering::SeqCst);
    assert!(
        (1..=3).contains(&tries),
        "{tries} tries: retries did not stop at the deadline"
    );
}

/// The console in a pseudo-terminal on `config`: the screen as a vt100 parser sees it and
/// every byte written to the terminal.
struct Pty {
    parser: Arc<std::sync::Mutex<vt100::Parser>>,
    raw: Arc<std::sync::Mutex<Vec<u8>>>,
    writer: Box<dyn std::io::Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Pty {
    fn launch(sb: &Sandbox, config: &std::path::Path) -> Pty {
        use portable_pty::{CommandBuilder, PtySize, native_pty_system};
        let (rows, cols) = (40, 200);
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_cmo"));
        cmd.arg("--config");
        cmd.arg(config);
        cmd.arg("--data-dir");
        cmd.arg(sb.path("data"));
        cmd.env("HOME", sb.dir.path());
        cmd.env("XDG_CONFIG_HOME", sb.path("config"));
        cmd.env("XDG_STATE_HOME", sb.path("state"));
        cmd.env("XDG_DATA_HOME", sb.path("share"));
        cmd.env("HOSTILE_SECRET", SECRET);
        cmd.env("RUST_LOG", "debug");
        cmd.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let parser = Arc::new(std::sync::Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let (p, r) = (parser.clone(), raw.clone());
        std::thread::spawn(move || {
            let _master = pair.master;
            let mut buf = [0u8; 8192];
            while let Ok(n) = std::io::Read::read(&mut reader, &mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
                r.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            parser,
            raw,
            writer,
            child,
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    /// Wait (bounded, generously: this is not a timing assertion) until `pred` holds.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let text = self.parser.lock().unwrap().screen().contents();
            if pred(&text) {
                return text;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{text}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Esc (leave the backends view), then `q`, then the bounded wait for the exit.
    fn quit(&mut self) {
        self.send(b"\x1b");
        self.wait_for("the list again", |t| {
            !t.contains("rejected the credentials")
        });
        self.send(b"q");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while self.child.try_wait().unwrap().is_none() {
            assert!(
                std::time::Instant::now() < deadline,
                "cmo did not exit after q"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

use std::io::Write as _;

#[test]
fn the_consoles_backends_view_shows_the_echoed_refusal_masked() {
    let carrier = carrier();
    for mode in ["header", "json"] {
        let sb = Sandbox::new();
        let config = sb.config(
            "",
            &format!("{}/{mode}", carrier.base),
            "max_retries = 0",
            "secret_env = \"HOSTILE_SECRET\"",
        );
        let mut console = Pty::launch(&sb, &config);
        console.send(b"b");
        let screen = console.wait_for("the refusal in the backends view", |t| {
            t.contains("rejected the credentials") && t.contains("***")
        });
        assert_no_secret(&format!("{mode} screen"), &screen);
        console.quit();
        let raw = text(&console.raw.lock().unwrap());
        assert_no_secret(&format!("{mode} terminal output"), &raw);
        assert_no_secret(&format!("{mode} log"), &sb.log());
    }
}
