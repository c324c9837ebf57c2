//! `cmo serve` end to end, with the real binary: the simulators (in-process, port 0), one
//! gateway process in front of their 1NCE and JASPER accounts, and `cmo` clients configured
//! with one CMO backend pointing at it. Three clients listing at once share the 1NCE
//! account's one pace (0 × 429, never more than 10 requests in any second at the carrier);
//! an attribute one client sets is what another reads; a change is journaled on the gateway
//! with the client and the operator; a read-only client's change is refused (exit 3) with
//! nothing sent; TLS and the plain-HTTP rule; a SIGTERM lets a change in flight finish.

use cmo::sim::{self, SimHandle, SimOptions};
use serde_json::Value;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

const OPS_SECRET: &str = "ops-secret-0123456789abcdef";
const VIEW_SECRET: &str = "viewer-secret-0123456789abcd";
const ONENCE_SIZE: usize = 1200;

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

    /// `cmo` with this sandbox's HOME/XDG dirs, as operator `user`, data in `data`.
    fn command(&self, user: &str, data: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cmo"));
        cmd.args(args)
            .arg("--data-dir")
            .arg(self.path(data))
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("share"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env("USER", user)
            .env("CMO_GW_OPS", OPS_SECRET)
            .env("CMO_GW_VIEW", VIEW_SECRET)
            .env_remove("RUST_LOG")
            .env_remove("SSH_CLIENT")
            .env_remove("SSH_CONNECTION")
            .stdin(Stdio::null());
        cmd
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// The gateway's config: the 1NCE and JASPER simulators behind it, an operator and a
/// read-only client (secrets from the environment), plain HTTP on loopback.
fn gateway_config(sims: &SimHandle, extra_serve: &str) -> String {
    let mut text = format!(
        "[serve]\ntenant = \"noc\"\n{extra_serve}\n[[serve.client]]\nid = \"noc-ops\"\nrole = \"operator\"\nsecret_env = \"CMO_GW_OPS\"\n\n[[serve.client]]\nid = \"noc-viewer\"\nrole = \"read-only\"\nsecret_env = \"CMO_GW_VIEW\"\n"
    );
    for kind in ["1NCE", "JASPER"] {
        let p = sims.platform(kind).unwrap();
        text.push_str(&format!(
            "\n[[backend]]\nname = \"{}\"\nkind = \"{}\"\nbase_url = \"{}\"\naccount_id = \"{}\"\n[backend.auth]\nusername = \"{}\"\nsecret = \"{}\"\n",
            p.name, p.kind, p.base_url, p.account_id, p.username, p.secret
        ));
    }
    text
}

/// A team member's config: one CMO backend, the gateway.
fn client_config(base_url: &str, client: &str, secret_env: &str) -> String {
    format!(
        "[[backend]]\nname = \"gateway\"\nkind = \"CMO\"\nbase_url = \"{base_url}\"\naccount_id = \"noc\"\n[backend.auth]\nusername = \"{client}\"\nsecret_env = \"{secret_env}\"\n"
    )
}

struct Serve {
    child: Child,
    base_url: String,
    addr: String,
}

impl Serve {
    /// `cmo serve` on port 0; waits for the line saying where it listens.
    fn start(sb: &Sandbox, config: &Path, extra: &[&str]) -> Serve {
        let mut args = vec!["--config", config.to_str().unwrap(), "serve"];
        args.extend_from_slice(extra);
        if !extra.contains(&"--listen") {
            args.extend_from_slice(&["--listen", "127.0.0.1:0"]);
        }
        let mut child = sb
            .command("gateway-host", "gateway-data", &args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        if line.is_empty() {
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            panic!("cmo serve did not start: {err}");
        }
        // "cmo serve: listening on ADDR (CMO API at URL); Ctrl-C stops"
        let addr = line
            .split("listening on ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap();
        let base_url = line
            .split("CMO API at ")
            .nth(1)
            .unwrap()
            .split(')')
            .next()
            .unwrap();
        Serve {
            addr: addr.to_string(),
            base_url: base_url.to_string(),
            child,
        }
    }

    /// SIGTERM, then the exit code.
    fn stop(mut self) -> i32 {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(killed.success());
        self.child.wait().unwrap().code().expect("exited normally")
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP GET on loopback (the gateway's `/health` and `/metrics`).
fn http_get(url: &str) -> String {
    use std::io::Write;
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

async fn sims(size: usize) -> SimHandle {
    sim::start(SimOptions {
        size,
        seed: 7,
        async_delay: Duration::ZERO,
        ..SimOptions::default()
    })
    .await
    .expect("simulators start")
}

/// Run blocking process work off the runtime that serves the simulators.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

fn ids_of(kind: &str, listing: &Value) -> Vec<String> {
    listing["entities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["id"].as_str())
        .filter(|id| id.starts_with(&format!("{kind}-")))
        .map(str::to_string)
        .collect()
}

/// The gateway's own audit journal (`cmo audit --json` on the gateway's data dir), checked to
/// have exited 0.
async fn gateway_audit(sb: &Arc<Sandbox>, config: &std::path::Path) -> Value {
    let (sb, config) = (sb.clone(), config.to_path_buf());
    let out = blocking(move || {
        sb.command(
            "auditor",
            "gateway-data",
            &["--config", config.to_str().unwrap(), "audit", "--json"],
        )
        .output()
        .unwrap()
    })
    .await;
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    json(&out)
}

/// Audit entries (the record's entry fields, wherever the JSON puts them).
fn audit_entries(doc: &Value) -> Vec<Value> {
    doc["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.get("entry").cloned().unwrap_or_else(|| r.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_clients_share_one_pace_and_one_journal_through_the_gateway() {
    let sims = sims(ONENCE_SIZE).await;
    let onence = sims.platform("1NCE").unwrap().control.clone();
    let sb = Arc::new(Sandbox::new());
    let gw_config = sb.write("gateway.toml", &gateway_config(&sims, ""));
    let serve = {
        let sb = sb.clone();
        blocking(move || Serve::start(&sb, &gw_config, &[])).await
    };
    let team = sb.write(
        "team.toml",
        &client_config(&serve.base_url, "noc-ops", "CMO_GW_OPS"),
    );
    let viewer = sb.write(
        "viewer.toml",
        &client_config(&serve.base_url, "noc-viewer", "CMO_GW_VIEW"),
    );

    // Three operators list everything at once.
    let listings = {
        let sb = sb.clone();
        let team = team.clone();
        blocking(move || {
            let children: Vec<Child> = ["alice", "bob", "carol"]
                .iter()
                .map(|user| {
                    sb.command(
                        user,
                        &format!("data-{user}"),
                        &[
                            "--config",
                            team.to_str().unwrap(),
                            "products",
                            "list",
                            "--backend",
                            "gateway",
                            "--all",
                            "--json",
                        ],
                    )
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
                })
                .collect();
            children
                .into_iter()
                .map(|c| c.wait_with_output().unwrap())
                .collect::<Vec<_>>()
        })
        .await
    };
    let mut first: Option<HashSet<String>> = None;
    for out in &listings {
        assert_eq!(code(out), 0, "{}", String::from_utf8_lossy(&out.stderr));
        let ids = ids_of("1NCE", &json(out));
        let unique: HashSet<String> = ids.iter().cloned().collect();
        assert_eq!(ids.len(), ONENCE_SIZE, "every 1NCE product, once");
        assert_eq!(unique.len(), ONENCE_SIZE);
        match &first {
            None => first = Some(unique),
            Some(f) => assert_eq!(f, &unique, "every client sees the same products"),
        }
    }
    let stats = onence.stats();
    assert!(stats.requests >= (ONENCE_SIZE / 100) as u64, "{stats:?}");
    assert_eq!(stats.rate_limited, 0, "no 429 at the carrier: {stats:?}");
    assert!(stats.max_per_second <= 10, "the 1NCE pace held: {stats:?}");

    // The gateway's metrics count the carrier calls, and no 429.
    let metrics = {
        let addr = serve.addr.clone();
        blocking(move || http_get(&format!("http://{addr}/metrics"))).await
    };
    assert!(
        metrics.contains("cmo_carrier_rate_limited_total{account=\"1nce-demo\"} 0"),
        "{metrics}"
    );
    assert!(metrics.contains("cmo_gateway_requests_total{route=\"/connection-management-orchestrator/v5/{tenant}/product\",status=\"200\"}"), "{metrics}");
    let health = {
        let addr = serve.addr.clone();
        blocking(move || http_get(&format!("http://{addr}/health"))).await
    };
    assert!(health.contains("\"status\":\"ok\""), "{health}");

    // An ACTIVE 1NCE SIM for the changes below.
    let listing = json(&listings[0]);
    let active = listing["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["id"].as_str().is_some_and(|id| id.starts_with("1NCE-")) && e["status"] == "ACTIVE"
        })
        .and_then(|e| e["id"].as_str())
        .expect("an ACTIVE 1NCE SIM")
        .to_string();

    let run = |user: &'static str, config: PathBuf, args: Vec<String>| {
        let sb = sb.clone();
        async move {
            blocking(move || {
                let mut all = vec!["--config".to_string(), config.to_str().unwrap().to_string()];
                all.extend(args);
                let refs: Vec<&str> = all.iter().map(String::as_str).collect();
                sb.command(user, &format!("data-{user}"), &refs)
                    .output()
                    .unwrap()
            })
            .await
        }
    };
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    // alice tags it; bob, on another host with another data dir, sees the tag.
    let set = run(
        "alice",
        team.clone(),
        args(&["attrs", "set", &active, "ticket", "INC-4711"]),
    )
    .await;
    assert_eq!(code(&set), 0, "{}", String::from_utf8_lossy(&set.stderr));
    let seen = run(
        "bob",
        team.clone(),
        args(&["attrs", "list", &active, "--json"]),
    )
    .await;
    assert_eq!(code(&seen), 0, "{}", String::from_utf8_lossy(&seen.stderr));
    let text = String::from_utf8_lossy(&seen.stdout);
    assert!(
        text.contains("ticket") && text.contains("INC-4711"),
        "{text}"
    );
    let tagged = run(
        "carol",
        viewer.clone(),
        args(&[
            "products",
            "list",
            "--backend",
            "gateway",
            "--all",
            "--where",
            "attr:ticket=INC-4711",
            "--json",
        ]),
    )
    .await;
    assert_eq!(
        code(&tagged),
        0,
        "{}",
        String::from_utf8_lossy(&tagged.stderr)
    );
    assert_eq!(ids_of("1NCE", &json(&tagged)), vec![active.clone()]);

    // bob suspends it through the gateway.
    let changed = run(
        "bob",
        team.clone(),
        args(&["status", "set", &active, "SUSPENDED", "--yes"]),
    )
    .await;
    assert_eq!(
        code(&changed),
        0,
        "{}",
        String::from_utf8_lossy(&changed.stderr)
    );

    // dave runs a batch through the gateway: one paced change per product there.
    let batch_ids: Vec<String> = listing["entities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("1NCE-") && id != active)
                && e["status"] == "ACTIVE"
        })
        .take(3)
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(batch_ids.len(), 3);
    let batch = run(
        "dave",
        team.clone(),
        args(&[
            "batch",
            "status",
            "SUSPENDED",
            "--ids",
            &batch_ids.join(","),
            "--yes",
        ]),
    )
    .await;
    assert_eq!(
        code(&batch),
        0,
        "{}",
        String::from_utf8_lossy(&batch.stderr)
    );

    // carol's client is read-only: refused at the gateway (exit 3), nothing reaches 1NCE.
    let writes = onence.writes_total();
    let refused = run(
        "carol",
        viewer.clone(),
        args(&["status", "set", &active, "ACTIVE", "--yes"]),
    )
    .await;
    assert_eq!(
        code(&refused),
        3,
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("read-only"));
    assert_eq!(
        onence.writes_total(),
        writes,
        "nothing was sent to the carrier"
    );
    let refused = run(
        "carol",
        viewer.clone(),
        args(&["attrs", "set", &active, "ticket", "X"]),
    )
    .await;
    assert_eq!(
        code(&refused),
        3,
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    // The gateway's journal names client and operator for every change it made.
    let gw = sb.path("gateway.toml");
    let entries = audit_entries(&gateway_audit(&sb, &gw).await);
    let status = entries
        .iter()
        .find(|e| e["action"] == "status")
        .expect("the status change is journaled");
    assert_eq!(status["operator"], "bob");
    assert!(
        status["sshClient"].as_str().unwrap().contains("noc-ops"),
        "{status}"
    );
    assert_eq!(status["result"], "ok");
    assert_eq!(status["productIds"][0], active.as_str());
    let tag = entries
        .iter()
        .find(|e| e["action"] == "attrs-set")
        .expect("the attribute is journaled");
    assert_eq!(tag["operator"], "alice");
    let dave: Vec<&Value> = entries.iter().filter(|e| e["operator"] == "dave").collect();
    assert_eq!(dave.len(), 3, "one entry per batch item on the gateway");
    for id in &batch_ids {
        assert!(
            dave.iter()
                .any(|e| e["productIds"][0] == id.as_str() && e["result"] == "ok"),
            "{id}: {dave:#?}"
        );
    }
    assert_eq!(
        entries.len(),
        5,
        "the read-only refusals sent and journaled nothing: {entries:#?}"
    );

    let exit = blocking(move || serve.stop()).await;
    assert_eq!(exit, 0);
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/serve_tls")
        .join(name)
        .display()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_only_on_loopback_and_tls_from_the_configured_pair() {
    let sims = sims(30).await;
    let sb = Arc::new(Sandbox::new());
    // Plain HTTP on every interface is refused before anything listens.
    let plain = sb.write("plain.toml", &gateway_config(&sims, ""));
    let refused = {
        let sb = sb.clone();
        blocking(move || {
            sb.command(
                "gateway-host",
                "gateway-data",
                &[
                    "--config",
                    plain.to_str().unwrap(),
                    "serve",
                    "--listen",
                    "0.0.0.0:0",
                ],
            )
            .output()
            .unwrap()
        })
        .await
    };
    assert_eq!(
        code(&refused),
        2,
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let text = String::from_utf8_lossy(&refused.stderr);
    assert!(
        text.contains("refusing to serve plain HTTP") && text.contains("allow_plain_http"),
        "{text}"
    );

    // With the cert/key pair: HTTPS, and a client trusting the CA lists through it.
    let tls = format!(
        "tls_cert = \"{}\"\ntls_key = \"{}\"\n",
        fixture("cert.pem"),
        fixture("key.pem")
    );
    let config = sb.write("tls.toml", &gateway_config(&sims, &tls));
    let serve = {
        let sb = sb.clone();
        blocking(move || Serve::start(&sb, &config, &[])).await
    };
    assert!(
        serve.base_url.starts_with("https://127.0.0.1:"),
        "{}",
        serve.base_url
    );
    let team = sb.write(
        "team.toml",
        &client_config(&serve.base_url, "noc-ops", "CMO_GW_OPS"),
    );
    let listed = {
        let sb = sb.clone();
        blocking(move || {
            sb.command(
                "alice",
                "data-alice",
                &[
                    "--config",
                    team.to_str().unwrap(),
                    "products",
                    "list",
                    "--all",
                    "--json",
                ],
            )
            .env("SSL_CERT_FILE", fixture("ca.pem"))
            .output()
            .unwrap()
        })
        .await
    };
    assert_eq!(
        code(&listed),
        0,
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    assert_eq!(ids_of("1NCE", &json(&listed)).len(), 30);
    // Plain HTTP to the TLS port gets no API answer.
    let addr = serve.addr.clone();
    let plain_answer = blocking(move || {
        std::panic::catch_unwind(|| http_get(&format!("http://{addr}/health"))).unwrap_or_default()
    })
    .await;
    assert!(
        !plain_answer.contains("\"status\":\"ok\""),
        "{plain_answer}"
    );
    assert_eq!(blocking(move || serve.stop()).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_a_change_in_flight_finish_and_journals_it() {
    let sims = sims(30).await;
    let onence = sims.platform("1NCE").unwrap().control.clone();
    let sb = Arc::new(Sandbox::new());
    let config = sb.write("gateway.toml", &gateway_config(&sims, ""));
    let serve = {
        let sb = sb.clone();
        let config = config.clone();
        blocking(move || Serve::start(&sb, &config, &[])).await
    };
    let team = sb.write(
        "team.toml",
        &client_config(&serve.base_url, "noc-ops", "CMO_GW_OPS"),
    );
    let listed = {
        let sb = sb.clone();
        let team = team.clone();
        blocking(move || {
            sb.command(
                "alice",
                "data-alice",
                &[
                    "--config",
                    team.to_str().unwrap(),
                    "products",
                    "list",
                    "--all",
                    "--json",
                ],
            )
            .output()
            .unwrap()
        })
        .await
    };
    let listing = json(&listed);
    let active = listing["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["id"].as_str().is_some_and(|id| id.starts_with("1NCE-")) && e["status"] == "ACTIVE"
        })
        .and_then(|e| e["id"].as_str())
        .unwrap()
        .to_string();
    // Every 1NCE answer now takes a while: the change is still at the carrier when the
    // gateway is told to stop.
    onence.set_latency(Duration::from_millis(1500));
    let change = {
        let sb = sb.clone();
        let team = team.clone();
        let active = active.clone();
        blocking(move || {
            sb.command(
                "alice",
                "data-alice",
                &[
                    "--config",
                    team.to_str().unwrap(),
                    "status",
                    "set",
                    &active,
                    "SUSPENDED",
                    "--yes",
                ],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .await
    };
    let addr = serve.addr.clone();
    let in_flight = blocking(move || {
        for _ in 0..600 {
            if http_get(&format!("http://{addr}/metrics"))
                .contains("cmo_gateway_changes_in_flight 1")
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    })
    .await;
    assert!(in_flight, "the change reached the gateway");
    let exit = blocking(move || serve.stop()).await;
    assert_eq!(exit, 0);
    let out = blocking(move || change.wait_with_output().unwrap()).await;
    assert_eq!(
        code(&out),
        0,
        "the change finished: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    onence.set_latency(Duration::ZERO);
    let entries = audit_entries(&gateway_audit(&sb, &config).await);
    let status = entries
        .iter()
        .find(|e| e["action"] == "status")
        .expect("journaled");
    assert_eq!(status["result"], "ok");
    assert_eq!(status["operator"], "alice");
}

/// The API itself, in-process: list filters and paging links, the auth gate's answers.
#[tokio::test]
async fn list_filters_paging_links_and_the_auth_gate() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sims = sims(40).await;
    let text = gateway_config(&sims, "")
        .replace(
            "secret_env = \"CMO_GW_OPS\"",
            &format!("secret = \"{OPS_SECRET}\""),
        )
        .replace(
            "secret_env = \"CMO_GW_VIEW\"",
            &format!("secret = \"{VIEW_SECRET}\""),
        );
    let config = cmo::config::Config::from_toml_str(&text, "gateway").unwrap();
    let data = tempfile::tempdir().unwrap();
    let gw = cmo::serve::Gateway::start(
        &config,
        cmo::serve::ServeOptions {
            listen: Some("127.0.0.1:0".parse().unwrap()),
            data_dir: data.path().to_path_buf(),
            poller: cmo::engine::PollerConfig::default(),
            read_only: false,
        },
    )
    .await
    .unwrap();
    let base = gw.base_url();
    let origin = format!("http://{}", gw.local_addr());
    let http = reqwest::Client::new();
    let token_url = format!("{origin}/auth/realms/iothub/protocol/openid-connect/token");
    let token = |secret: &'static str| {
        let http = http.clone();
        let url = token_url.clone();
        async move {
            http.post(url)
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", "noc-viewer"),
                    ("client_secret", secret),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(token("not-the-secret").await.status(), 401);
    let body: Value = token(VIEW_SECRET).await.json().await.unwrap();
    let bearer = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(body["token_type"], "Bearer");
    let get = |url: String, auth: Option<String>| {
        let http = http.clone();
        async move {
            let mut r = http.get(url);
            if let Some(t) = auth {
                r = r.bearer_auth(t);
            }
            let resp = r.send().await.unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    // No token, a forged one, another tenant.
    assert_eq!(get(format!("{base}/product"), None).await.0, 401);
    assert_eq!(
        get(format!("{base}/product"), Some("cmogw.forged".into()))
            .await
            .0,
        401
    );
    let other = base.replace("/v5/noc", "/v5/eos");
    let (status, problem) = get(format!("{other}/product"), Some(bearer.clone())).await;
    assert_eq!((status, problem["@type"].as_str()), (403, Some("problem")));

    // Everything, then only SUSPENDED 1NCE SIMs: the same rows the filter keeps.
    let (status, all) = get(format!("{base}/product?pageSize=500"), Some(bearer.clone())).await;
    assert_eq!(status, 200);
    let rows = all["entities"].as_array().unwrap();
    assert_eq!(rows.len(), 80, "40 1NCE and 40 JASPER products");
    let wanted: Vec<&str> = rows
        .iter()
        .filter(|r| r["status"] == "SUSPENDED" && r["id"].as_str().unwrap().starts_with("1NCE-"))
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(wanted.len() >= 2, "the seed has suspended 1NCE SIMs");
    let url = format!("{base}/product?pageSize=1&status=suspended&system=1NCE&fields=status");
    let (status, first) = get(url, Some(bearer.clone())).await;
    assert_eq!(status, 200);
    assert_eq!(first["entities"][0]["id"], wanted[0]);
    assert!(
        first["entities"][0].get("connectivityType").is_none(),
        "fields kept"
    );
    let next = first["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["type"] == "next")
        .and_then(|l| l["url"].as_str())
        .expect("a next link")
        .to_string();
    assert!(
        next.contains("status=SUSPENDED") && next.contains("system=1NCE"),
        "{next}"
    );
    let (_, second) = get(format!("{origin}{next}"), Some(bearer.clone())).await;
    assert_eq!(second["entities"][0]["id"], wanted[1]);
    let (status, bad) = get(format!("{base}/product?status=HAPPY"), Some(bearer.clone())).await;
    assert_eq!(status, 400);
    assert!(bad["detail"].as_str().unwrap().contains("HAPPY"), "{bad}");
    let (status, _) = get(format!("{base}/product?pageSize=0"), Some(bearer.clone())).await;
    assert_eq!(status, 400);

    // A read-only client's PATCH: 403 before anything is looked up.
    let resp = http
        .patch(format!("{base}/product/{}-simCard", wanted[0]))
        .bearer_auth(&bearer)
        .header("Content-Type", "application/json-patch+json")
        .body(r#"[{"op":"replace","path":"/status","value":"ACTIVE"}]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let (status, missing) = get(format!("{base}/monitor/1NCE-nothing"), Some(bearer.clone())).await;
    assert_eq!(status, 404, "{missing}");
    gw.shutdown().await.unwrap();

    // A gateway started read-only refuses an operator's change too, before sending it.
    let writes = sims.platform("1NCE").unwrap().control.writes_total();
    let ro = cmo::serve::Gateway::start(
        &config,
        cmo::serve::ServeOptions {
            listen: Some("127.0.0.1:0".parse().unwrap()),
            data_dir: data.path().to_path_buf(),
            poller: cmo::engine::PollerConfig::default(),
            read_only: true,
        },
    )
    .await
    .unwrap();
    let ops: Value = http
        .post(format!(
            "http://{}/auth/realms/iothub/protocol/openid-connect/token",
            ro.local_addr()
        ))
        .basic_auth("noc-ops", Some(OPS_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let resp = http
        .patch(format!("{}/product/{}-simCard", ro.base_url(), wanted[0]))
        .bearer_auth(ops["access_token"].as_str().unwrap())
        .header("Content-Type", "application/json-patch+json")
        .body(r#"[{"op":"replace","path":"/status","value":"ACTIVE"}]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let problem: Value = resp.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("read-only"),
        "{problem}"
    );
    assert_eq!(
        sims.platform("1NCE").unwrap().control.writes_total(),
        writes
    );
    ro.shutdown().await.unwrap();
}
