//! Robustness of the write-ahead journal (issue 15, "nothing lost"; docs/safety.md, "Write-ahead
//! journal"), on the real `cmo` binary against in-process simulators on 127.0.0.1 port 0:
//!
//! - SIGTERM and SIGKILL in the middle of a 40-id batch (slowed by a latency fault) leave an
//!   audit entry — done or outcome unknown — for every product the carrier changed (checked
//!   against the carrier's own state), nothing is sent for products the report says were not
//!   started, and the next run resolves every unknown by reading the carrier;
//! - an unreadable answer to an accepted TMSP change ends "outcome unknown" with a monitor
//!   following the request the body still names, never "failed";
//! - a damaged store refuses a mutation naming the file, sends nothing and is left unchanged;
//! - a read-only data directory still serves `audit` and `attrs list` and refuses changes.

use cmo::sim::{self, SimHandle, SimOptions};
use cmo::store::{AuditEntry, DB_FILE_NAME, Operator, Store};
use serde_json::Value;
use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Sandbox {
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl Sandbox {
    fn new(sims: &SimHandle) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("inline.toml");
        std::fs::write(&config, sims.config_toml_inline()).unwrap();
        Sandbox { dir, config }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn data(&self) -> PathBuf {
        self.path("data")
    }

    /// `cmo --config <the simulators> ARGS --data-dir <sandbox>` with a sandboxed HOME/XDG.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cmo"));
        cmd.arg("--config")
            .arg(&self.config)
            .args(args)
            .arg("--data-dir")
            .arg(self.data())
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
        tokio::task::block_in_place(|| self.command(args).output().unwrap())
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", stdout(&out)))
    }

    /// Every product of `kind` at the carrier, with the status the carrier reports.
    fn carrier(&self, kind: &str) -> BTreeMap<String, String> {
        self.carrier_run(kind).0
    }

    /// [`Sandbox::carrier`] and the listing's stderr: a listing reaches the carrier, so it is
    /// also the next run that reconciles what an interrupted one left unknown.
    fn carrier_run(&self, kind: &str) -> (BTreeMap<String, String>, String) {
        let out = self.run(&["products", "list", "--backend", kind, "--all", "--json"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
        let statuses = listed["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["id"].as_str().unwrap().to_string(),
                    e["status"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (statuses, stderr(&out))
    }

    fn audit(&self) -> Vec<Value> {
        self.json(&["audit", "--json"])["entities"]
            .as_array()
            .unwrap()
            .clone()
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

async fn simulators(size: usize, seed: u64) -> SimHandle {
    sim::start(SimOptions {
        size,
        seed,
        ..SimOptions::default()
    })
    .await
    .expect("simulators start")
}

fn products_of(record: &Value) -> Vec<String> {
    record["productIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// The ids listed after `label (` in a batch entry's result (`26 not started (A, B, …)`).
fn listed_after(result: &str, label: &str) -> Vec<String> {
    let Some(start) = result.find(label) else {
        return Vec::new();
    };
    let rest = &result[start + label.len()..];
    let inner = &rest[..rest.find(')').unwrap_or(rest.len())];
    let inner = inner.rsplit(": ").next().unwrap_or(inner);
    inner
        .split(", ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

enum Stop {
    Term,
    Kill,
}

/// Start a 40-id batch SUSPENDED on 1NCE slowed by a latency fault, stop it once at least
/// eight items have written their journal attempt, and return the sandbox, the ids, the
/// carrier's statuses before, and the batch's output.
async fn interrupted_batch(stop: Stop, seed: u64) -> (SimHandle, Sandbox, Vec<String>, Output) {
    let sims = simulators(160, seed).await;
    let sb = Sandbox::new(&sims);
    // One request per product: 1NCE's bulk call is turned off (tests/bulk_batch.rs has its own).
    let text = std::fs::read_to_string(&sb.config).unwrap();
    let per_product = text.replace("kind = \"1NCE\"\n", "kind = \"1NCE\"\nbulk_max_items = 0\n");
    std::fs::write(&sb.config, per_product).unwrap();
    let before = sb.carrier("1NCE");
    let ids: Vec<String> = before
        .iter()
        .filter(|(_, s)| *s == "ACTIVE")
        .map(|(id, _)| id.clone())
        .take(40)
        .collect();
    assert_eq!(ids.len(), 40, "the simulator has 40 ACTIVE 1NCE SIMs");
    let file = sb.path("ids.txt");
    std::fs::write(&file, ids.join("\n")).unwrap();
    let onence = &sims.platform("1NCE").unwrap().control;
    onence.set_latency(Duration::from_millis(250));

    let mut child = sb
        .command(&[
            "batch",
            "status",
            "SUSPENDED",
            "--ids-file",
            file.to_str().unwrap(),
            "--yes",
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait (a hang guard, not a timing assertion) until the batch is under way: eight items
    // have their attempt in the journal, so some changes are in flight or done.
    let started = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the batch ended before it could be interrupted: {status}");
        }
        let open = Store::open(&sb.data())
            .and_then(|s| s.attempts_open())
            .map(|a| a.len())
            .unwrap_or(0);
        if open >= 8 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the batch never got going"
        );
    }
    match stop {
        Stop::Term => {
            let sent = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .unwrap();
            assert!(sent.success());
        }
        Stop::Kill => child.kill().unwrap(),
    }
    let out = tokio::task::block_in_place(|| child.wait_with_output().unwrap());
    onence.set_latency(Duration::ZERO);
    (sims, sb, ids, out)
}

/// The run after the interrupted one (`listing_err`: the stderr of the listing that read the
/// carrier's state, the first run to reach the carriers) reconciled every unknown: none is
/// left, and each reconciled entry agrees with the carrier and keeps the original operator.
fn next_run_resolved_every_unknown(
    sb: &Sandbox,
    carrier: &BTreeMap<String, String>,
    listing_err: &str,
    unknown_before: &[Value],
) {
    if !unknown_before.is_empty() {
        assert!(
            listing_err.contains(&format!("reconciled {}", unknown_before.len())),
            "{listing_err}"
        );
    }
    let journal = sb.audit();
    let still: Vec<&Value> = journal
        .iter()
        .filter(|r| r["outcome"] == "unknown")
        .collect();
    assert!(still.is_empty(), "unknowns left: {still:#?}");
    for unknown in unknown_before {
        let attempt = &unknown["attempt"];
        let found = journal
            .iter()
            .find(|r| r["attempt"] == *attempt && r["outcome"] == "reconciled")
            .unwrap_or_else(|| panic!("attempt {attempt} not reconciled: {journal:#?}"));
        let product = &products_of(unknown)[0];
        let now = &carrier[product];
        assert_eq!(found["after"], now.as_str(), "{found}");
        let done = found["result"].as_str().unwrap().contains("done");
        assert_eq!(done, now == "SUSPENDED", "{found}");
        assert_eq!(found["operator"], "noc-tester");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_batch_journals_every_change_and_reports_what_was_not_done() {
    let (_sims, sb, ids, out) = interrupted_batch(Stop::Term, 31).await;
    assert_eq!(code(&out), 143, "SIGTERM exits 128+15: {}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("interrupted by SIGTERM"), "{err}");
    assert!(err.contains("finished (journaled)"), "{err}");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("the report is JSON");
    assert_eq!(doc["interrupted"]["signal"], "SIGTERM");

    // The journal as the interrupted run left it, then the carrier's state (that listing is
    // the next run, which reconciles).
    let journal = sb.audit();
    let (carrier, listing_err) = sb.carrier_run("1NCE");
    let changed: Vec<String> = ids
        .iter()
        .filter(|id| carrier[*id] == "SUSPENDED")
        .cloned()
        .collect();
    assert!(!changed.is_empty(), "some products changed before the stop");
    assert!(changed.len() < ids.len(), "the stop came before the end");

    let batch = journal
        .iter()
        .find(|r| r["action"] == "batch-status")
        .unwrap_or_else(|| panic!("the batch is journaled: {journal:#?}"));
    let result = batch["result"].as_str().unwrap();
    assert!(result.contains("interrupted"), "{result}");
    let not_started = listed_after(result, "not started (");
    assert!(!not_started.is_empty(), "{result}");
    let unknown: Vec<Value> = journal
        .iter()
        .filter(|r| r["outcome"] == "unknown")
        .cloned()
        .collect();
    for id in &changed {
        let in_batch = products_of(batch).contains(id) && !not_started.contains(id);
        let open = unknown.iter().any(|r| products_of(r) == vec![id.clone()]);
        assert!(
            in_batch || open,
            "{id} changed at the carrier without a record"
        );
    }
    // Nothing was sent for products reported as not started.
    for id in &not_started {
        assert_eq!(carrier[id], "ACTIVE", "{id} was reported not started");
    }
    let ok: usize = result
        .split(" ok")
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    assert_eq!(
        ok + unknown.len(),
        changed.len(),
        "every change is either done in the batch entry or outcome unknown: {result}"
    );
    next_run_resolved_every_unknown(&sb, &carrier, &listing_err, &unknown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_batch_leaves_attempts_that_the_next_run_reconciles() {
    let (_sims, sb, ids, out) = interrupted_batch(Stop::Kill, 37).await;
    assert_eq!(out.status.code(), None, "killed by a signal");

    let journal = sb.audit();
    // The text view says so too.
    let text = sb.run(&["audit"]);
    assert!(
        stdout(&text).contains("outcome unknown"),
        "{}",
        stdout(&text)
    );
    let (carrier, listing_err) = sb.carrier_run("1NCE");
    let changed: Vec<String> = ids
        .iter()
        .filter(|id| carrier[*id] == "SUSPENDED")
        .cloned()
        .collect();
    assert!(!changed.is_empty(), "some products changed before the kill");
    assert!(
        journal
            .iter()
            .all(|r| r["action"] != "batch-status" || r["seq"] == 0),
        "a killed batch wrote no entry of its own: {journal:#?}"
    );
    let unknown: Vec<Value> = journal
        .iter()
        .filter(|r| r["outcome"] == "unknown")
        .cloned()
        .collect();
    for id in &changed {
        assert!(
            unknown.iter().any(|r| products_of(r) == vec![id.clone()]),
            "{id} changed at the carrier without a record: {journal:#?}"
        );
    }
    for r in &unknown {
        assert!(ids.contains(&products_of(r)[0]), "{r}");
        assert_eq!(r["seq"], 0);
        assert_eq!(r["action"], "batch-status");
    }
    next_run_resolved_every_unknown(&sb, &carrier, &listing_err, &unknown);
    // A command that changes things reconciles the same way; nothing is left for it.
    let out = sb.run(&["status", "set", &changed[0], "SUSPENDED", "--yes"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("reconciled"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_answer_to_an_accepted_tmsp_change_ends_outcome_unknown_with_a_monitor() {
    let sims = simulators(40, 7).await;
    let sb = Sandbox::new(&sims);
    let id = sb
        .carrier("TMSP")
        .into_iter()
        .find(|(_, s)| s == "ACTIVE")
        .map(|(id, _)| id)
        .expect("an ACTIVE TMSP SIM");
    let tmsp = &sims.platform("TMSP").unwrap().control;
    tmsp.force_malformed_for(1, "/sims/status-change-requests");

    let out = sb.run(&["status", "set", &id, "SUSPENDED", "--yes", "--json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    // The problem object is the last line (a config warning may come before it).
    let problem: Value = serde_json::from_str(stderr(&out).lines().last().unwrap_or_default())
        .expect("a JSON problem");
    assert_eq!(problem["type"], "Outcome Unknown", "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.starts_with("outcome unknown"), "{detail}");
    assert!(detail.contains("monitor TMSP-"), "{detail}");
    assert!(!detail.contains("failed"), "{detail}");

    let journal = sb.audit();
    let entry = journal
        .iter()
        .find(|r| r["action"] == "status")
        .unwrap_or_else(|| panic!("journaled: {journal:#?}"));
    assert_eq!(entry["outcome"], "unknown", "{entry}");
    assert!(
        entry["result"]
            .as_str()
            .unwrap()
            .starts_with("outcome unknown"),
        "{entry}"
    );
    let monitor = entry["monitors"][0]
        .as_str()
        .expect("a monitor")
        .to_string();
    assert!(monitor.starts_with("TMSP-REQ"), "{monitor}");

    // The monitor is stored and follows the carrier's job to its end.
    let listed = sb.json(&["monitors", "get", &monitor, "--json"]);
    assert_eq!(listed["id"], monitor.as_str(), "{listed}");
    assert!(
        listed["sourceHref"]
            .as_str()
            .unwrap_or_default()
            .contains(&id),
        "{listed}"
    );
}

/// A store with 200 attributes whose middle pages are overwritten: it opens, a check finds it
/// damaged.
fn damaged_store(data: &Path) -> Vec<u8> {
    {
        let mut s = Store::open(data).unwrap();
        for i in 0..200 {
            let id = cmo::domain::ProductId::new(
                cmo::domain::BackendKind::OneNce,
                format!("89882280666123{i:05}"),
            );
            s.attrs_set(&id, "site", &"x".repeat(500)).unwrap();
        }
    }
    let path = data.join(DB_FILE_NAME);
    let mut bytes = std::fs::read(&path).unwrap();
    for b in &mut bytes[8 * 4096..12 * 4096] {
        *b = 0x5a;
    }
    std::fs::write(&path, &bytes).unwrap();
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_store_refuses_a_mutation_naming_the_file_and_sends_nothing() {
    let sims = simulators(40, 9).await;
    let sb = Sandbox::new(&sims);
    let before = sb.carrier("1NCE");
    let id = before
        .iter()
        .find(|(_, s)| *s == "ACTIVE")
        .map(|(id, _)| id.clone())
        .unwrap();
    let bytes = damaged_store(&sb.data());
    let path = sb.data().join(DB_FILE_NAME);

    let out = sb.run(&["status", "set", &id, "SUSPENDED", "--yes"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains("damaged"), "{err}");
    assert!(err.contains("not sent"), "{err}");
    let batch = sb.run(&["batch", "status", "SUSPENDED", "--ids", &id, "--yes"]);
    assert_eq!(code(&batch), 1, "{}", stderr(&batch));
    assert!(stderr(&batch).contains("damaged"), "{}", stderr(&batch));
    let attrs = sb.run(&["attrs", "set", &id, "site", "pier 4"]);
    assert_eq!(code(&attrs), 1, "{}", stderr(&attrs));
    assert!(stderr(&attrs).contains("damaged"), "{}", stderr(&attrs));

    assert_eq!(sb.carrier("1NCE")[&id], "ACTIVE", "nothing was sent");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the file was not written"
    );
}

/// Whether this process can write where permissions say it may not (root).
fn bypasses_permissions() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_data_dir_serves_reads_and_refuses_changes() {
    let sims = simulators(20, 3).await;
    let sb = Sandbox::new(&sims);
    let id = sb.carrier("1NCE").into_keys().next().unwrap();
    let id = id.as_str();
    {
        let mut s = Store::open(&sb.data()).unwrap();
        s.attrs_set(&id.parse().unwrap(), "site", "Kiel").unwrap();
        let who = Operator::from_vars(Some("noc-tester"), None, None);
        s.audit_append(&AuditEntry::new(
            &who,
            "attrs-set",
            vec![id.into()],
            None,
            Some("site=Kiel".into()),
            "ok",
        ))
        .unwrap();
    }
    // A config without a CMO account: attributes are local, no carrier needed.
    std::fs::write(&sb.config, "").unwrap();
    let path = sb.data().join(DB_FILE_NAME);
    let bytes = std::fs::read(&path).unwrap();
    chmod(&path, 0o444);
    chmod(&sb.data(), 0o555);
    // Root ignores permissions: run the binary as `nobody` then, with the rest readable and
    // its log directory writable.
    let as_nobody = bypasses_permissions();
    if as_nobody {
        chmod(sb.dir.path(), 0o755);
        chmod(&sb.config, 0o644);
        std::fs::create_dir_all(sb.path("state")).unwrap();
        chmod(&sb.path("state"), 0o777);
    }
    let run = |args: &[&str]| {
        let mut cmd = sb.command(args);
        if as_nobody {
            cmd.uid(65534).gid(65534);
        }
        tokio::task::block_in_place(|| cmd.output().unwrap())
    };

    let audit = run(&["audit", "--json"]);
    assert_eq!(code(&audit), 0, "{}", stderr(&audit));
    let doc: Value = serde_json::from_slice(&audit.stdout).unwrap();
    assert_eq!(doc["statistics"]["totalCount"], 1, "{doc}");
    let text = run(&["audit"]);
    assert_eq!(code(&text), 0, "{}", stderr(&text));
    let listed = run(&["attrs", "list", id, "--json"]);
    assert_eq!(code(&listed), 0, "{}", stderr(&listed));
    assert!(stdout(&listed).contains("Kiel"), "{}", stdout(&listed));

    let set = run(&["attrs", "set", id, "site", "Hamburg"]);
    assert_eq!(code(&set), 1, "{}", stderr(&set));
    assert!(stderr(&set).contains("read-only"), "{}", stderr(&set));
    assert!(
        stderr(&set).contains(&path.display().to_string()),
        "{}",
        stderr(&set)
    );

    chmod(&sb.data(), 0o755);
    chmod(&path, 0o644);
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "nothing was written");
    let entries = std::fs::read_dir(sb.data()).unwrap().count();
    assert_eq!(entries, 1, "no -wal or -shm was created beside it");
}
