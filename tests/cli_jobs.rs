//! Headless job tracking with the real `cmo` binary against stateful simulators: `batch status
//! --wait` (completed, InError by the TMSP tariff rule, timeout), `monitors list` refreshing
//! pending monitors, final outcomes in the audit journal, "unchanged" products, and typed
//! confirmation of irreversible targets (requests counted at an in-process simulator).

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

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

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cmo"));
        cmd.args(args)
            .arg("--data-dir")
            .arg(self.path("data"))
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("share"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env("USER", "noc-tester")
            .env_remove("SSH_CLIENT")
            .env_remove("SSH_CONNECTION")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Run with `input` on stdin (a pipe, not a terminal).
    fn run_with_input(&self, args: &[&str], input: &str) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn simulate(&self, extra: &[&str]) -> Simulator {
        let config = self.path("sim/config.toml");
        let mut args = vec!["simulate", "--config-out", config.to_str().unwrap()];
        args.extend_from_slice(extra);
        let mut child = self
            .command(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            if line.unwrap().starts_with("config written to") {
                break;
            }
        }
        assert!(config.exists(), "simulate wrote no config");
        Simulator { child, config }
    }
}

struct Simulator {
    child: Child,
    config: PathBuf,
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            stdout(o),
            stderr(o)
        )
    })
}

fn json_ok(o: &Output) -> Value {
    assert_eq!(code(o), 0, "stderr: {}", stderr(o));
    json_of(o)
}

fn audit(sb: &Sandbox) -> Vec<Value> {
    json_ok(&sb.run(&["audit", "--json"]))["entities"]
        .as_array()
        .unwrap()
        .clone()
}

fn finals(entries: &[Value]) -> Vec<&Value> {
    entries
        .iter()
        .filter(|e| e["action"] == "monitor-final")
        .collect()
}

/// TMSP products in `status`, with the tariff (product offering) each is on.
fn tmsp_products(sb: &Sandbox, cfg: &str, status: &str) -> Vec<(String, String)> {
    let listed = json_ok(&sb.run(&[
        "--config",
        cfg,
        "products",
        "list",
        "--backend",
        "TMSP",
        "--status",
        status,
        "--all",
        "--json",
    ]));
    listed["entities"]
        .as_array()
        .unwrap()
        .iter()
        .take(12)
        .map(|e| {
            let id = e["id"].as_str().unwrap().to_string();
            let product = json_ok(&sb.run(&["--config", cfg, "products", "get", &id, "--json"]));
            let offering = product["productOffering"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            (id, offering)
        })
        .collect()
}

/// The TMSP simulator's tariff rule: "M2M Business Fixed 24M" cannot be suspended.
const FIXED: &str = "M2M Business Fixed 24M";

#[test]
fn batch_wait_reports_final_outcomes_and_the_journal_completes_the_request() {
    let sb = Sandbox::new();
    let sim = sb.simulate(&["--size", "80", "--async-delay", "300ms"]);
    let cfg = sim.config.to_str().unwrap();
    let active = tmsp_products(&sb, cfg, "ACTIVE");
    let flex: Vec<&str> = active
        .iter()
        .filter(|(_, o)| o != FIXED)
        .map(|(id, _)| id.as_str())
        .collect();
    let fixed = active
        .iter()
        .find(|(_, o)| o == FIXED)
        .map(|(id, _)| id.as_str())
        .expect("an ACTIVE TMSP SIM on the fixed-term tariff");
    assert!(flex.len() >= 4, "{active:?}");
    let suspended = tmsp_products(&sb, cfg, "SUSPENDED");
    let already = suspended[0].0.as_str();

    // Two accepted changes that complete, and one product already SUSPENDED.
    let ids = format!("{},{},{already}", flex[0], flex[1]);
    let out = sb.run(&[
        "--config",
        cfg,
        "batch",
        "status",
        "SUSPENDED",
        "--ids",
        &ids,
        "--yes",
        "--wait",
    ]);
    assert_eq!(code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("2 changed, 1 unchanged, 0 failed"), "{text}");
    assert!(text.contains("unchanged (already SUSPENDED)"), "{text}");
    assert_eq!(text.matches("completed").count(), 2, "{text}");

    let entries = audit(&sb);
    let request = &entries[0];
    assert_eq!(request["action"], "batch-status");
    assert!(
        request["result"].as_str().unwrap().contains("1 unchanged"),
        "{request}"
    );
    assert_eq!(request["monitors"].as_array().unwrap().len(), 2);
    let done = finals(&entries);
    assert_eq!(done.len(), 2, "{entries:?}");
    for f in &done {
        assert_eq!(f["result"], "completed");
        assert_eq!(f["requestSeq"], request["seq"]);
        assert_eq!(f["operator"], "noc-tester");
    }

    // One product on the fixed-term tariff: its job ends InError, named with the reason.
    let ids = format!("{},{fixed}", flex[2]);
    let out = sb.run(&[
        "--config",
        cfg,
        "--json",
        "batch",
        "status",
        "SUSPENDED",
        "--ids",
        &ids,
        "--yes",
        "--wait",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(fixed) && err.contains("failed"), "{err}");
    assert!(
        !err.contains(flex[2]),
        "the completed one is not named: {err}"
    );
    let doc = json_of(&out);
    assert_eq!(doc["statistics"]["completed"], 1);
    assert_eq!(doc["statistics"]["notCompleted"], 1);
    let entries = audit(&sb);
    let failed: Vec<_> = finals(&entries)
        .into_iter()
        .filter(|f| f["result"].as_str().unwrap().starts_with("failed: "))
        .collect();
    assert_eq!(failed.len(), 1, "{entries:?}");
    assert_eq!(failed[0]["productIds"][0], fixed);
    // Observing the same end again (monitors list, monitors get) adds no second entry.
    let monitor = failed[0]["monitors"][0].as_str().unwrap().to_string();
    json_ok(&sb.run(&["--config", cfg, "monitors", "get", &monitor, "--json"]));
    json_ok(&sb.run(&["--config", cfg, "monitors", "list", "--json"]));
    assert_eq!(finals(&audit(&sb)).len(), 4, "two per batch, once each");

    // A timeout that runs out names what is still pending.
    let out = sb.run(&[
        "--config",
        cfg,
        "batch",
        "status",
        "SUSPENDED",
        "--ids",
        flex[3],
        "--yes",
        "--wait",
        "--timeout",
        "1ms",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("still pending"), "{}", stderr(&out));
}

#[test]
fn monitors_list_refreshes_pending_monitors_from_the_carrier() {
    let sb = Sandbox::new();
    let sim = sb.simulate(&["--size", "40", "--async-delay", "200ms"]);
    let cfg = sim.config.to_str().unwrap();
    let active = tmsp_products(&sb, cfg, "ACTIVE");
    let (id, _) = active
        .iter()
        .find(|(_, o)| o != FIXED)
        .expect("a suspendable TMSP SIM");
    let monitor = json_ok(&sb.run(&[
        "--config",
        cfg,
        "status",
        "set",
        id,
        "SUSPENDED",
        "--yes",
        "--json",
    ]));
    assert_eq!(monitor["state"], "InProgress");

    // Without a configuration the stored state is shown, with its age and why.
    let text = stdout(&sb.run(&["monitors", "list"]));
    assert!(text.contains("InProgress (as of"), "{text}");

    std::thread::sleep(Duration::from_millis(600));
    let listed = json_ok(&sb.run(&["--config", cfg, "monitors", "list", "--json"]));
    let row = &listed["entities"][0];
    assert_eq!(row["state"], "Completed", "{listed}");
    assert!(row["lastPolled"].is_string(), "{row}");
    assert!(row["stateAsOf"].is_string(), "{row}");
    let entries = audit(&sb);
    let done = finals(&entries);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0]["result"], "completed");
    assert_eq!(done[0]["requestSeq"], entries[0]["seq"]);

    // Stored now: later listings need no carrier and add nothing to the journal.
    let again = json_ok(&sb.run(&["monitors", "list", "--json"]));
    assert_eq!(again["entities"][0]["state"], "Completed");
    assert_eq!(finals(&audit(&sb)).len(), 1);
    let text = stdout(&sb.run(&["audit"]));
    assert!(
        text.contains("monitor-final") && text.contains("← #1"),
        "{text}"
    );
}

/// TMUS lists no way out of TERMINATED, so it is irreversible there; TMUS is synchronous.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn irreversible_targets_need_the_typed_answer_and_send_nothing_otherwise() {
    let sims = cmo::sim::start(cmo::sim::SimOptions {
        size: 20,
        seed: 5,
        ..cmo::sim::SimOptions::default()
    })
    .await
    .expect("simulators start");
    let sb = Sandbox::new();
    let config = sb.path("inline.toml");
    std::fs::write(&config, sims.config_toml_inline()).unwrap();
    let cfg = config.to_str().unwrap().to_string();
    let tmus = &sims.platform("TMUS").expect("TMUS simulated").control;
    let run = |args: Vec<String>, input: Option<&str>| {
        let sb = &sb;
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        match input {
            Some(i) => sb.run_with_input(&args, i),
            None => sb.run(&args),
        }
    };
    let a = |v: &[&str]| {
        let mut all = vec!["--config".to_string(), cfg.clone()];
        all.extend(v.iter().map(|s| s.to_string()));
        all
    };
    let listed = tokio::task::block_in_place(|| {
        json_ok(&run(
            a(&[
                "products",
                "list",
                "--backend",
                "TMUS",
                "--status",
                "ACTIVE",
                "--all",
                "--json",
            ]),
            None,
        ))
    });
    let ids: Vec<String> = listed["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.len() >= 3, "{listed}");

    // What a read of the product costs (a fresh process: token, product).
    let before = tmus.requests_total();
    tokio::task::block_in_place(|| json_ok(&run(a(&["products", "get", &ids[0], "--json"]), None)));
    let read_cost = tmus.requests_total() - before;

    // A wrong word, and end of input: aborted, exit 1, only the read reached the carrier.
    for input in ["yes\n", ""] {
        let before = tmus.requests_total();
        let writes_before = tmus.writes_total();
        let out = tokio::task::block_in_place(|| {
            run(a(&["status", "set", &ids[0], "TERMINATED"]), Some(input))
        });
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        assert!(stderr(&out).contains("Type TERMINATED"), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("nothing was sent"),
            "{}",
            stderr(&out)
        );
        assert_eq!(tmus.writes_total() - writes_before, 0, "no write was sent");
        // The question reads the SIM card alone, no more than a product read.
        let requests = tmus.requests_total() - before;
        assert!(
            (1..=read_cost).contains(&requests),
            "{requests} requests (a product read costs {read_cost})"
        );
    }
    // A batch needs the number of products.
    let two = format!("{},{}", ids[1], ids[2]);
    let out = tokio::task::block_in_place(|| {
        run(
            a(&["batch", "status", "TERMINATED", "--ids", &two]),
            Some("3\n"),
        )
    });
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("Type 2"), "{}", stderr(&out));
    let journal = tokio::task::block_in_place(|| audit(&sb));
    assert!(journal.is_empty(), "nothing was attempted: {journal:?}");

    // The right answers go through; --yes needs none.
    let out = tokio::task::block_in_place(|| {
        run(
            a(&["status", "set", &ids[0], "TERMINATED"]),
            Some("TERMINATED\n"),
        )
    });
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = tokio::task::block_in_place(|| {
        run(
            a(&["batch", "status", "TERMINATED", "--ids", &two]),
            Some("2\n"),
        )
    });
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("2 changed, 0 unchanged, 0 failed"),
        "{}",
        stdout(&out)
    );

    // Already TERMINATED: unchanged, exit 0, nothing to confirm and nothing sent.
    let before = tmus.requests_total();
    let writes_before = tmus.writes_total();
    let out =
        tokio::task::block_in_place(|| run(a(&["status", "set", &ids[0], "TERMINATED"]), None));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("already TERMINATED (unchanged)"),
        "{}",
        stdout(&out)
    );
    // The command's one read of the SIM card decides, and goes with the change: no second
    // read, no write.
    assert_eq!(tmus.writes_total() - writes_before, 0, "no write");
    let requests = tmus.requests_total() - before;
    assert!(
        (1..=read_cost).contains(&requests),
        "{requests} requests: one read (a product read costs {read_cost})"
    );
    let journal = tokio::task::block_in_place(|| audit(&sb));
    assert_eq!(journal.last().unwrap()["result"], "unchanged");
}
