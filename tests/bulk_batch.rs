//! Batches in one carrier request where the carrier takes a list (issue 16), against the 1NCE
//! simulator on 127.0.0.1 port 0: writes are counted at the simulator (`FaultControl::stats`),
//! every product's outcome comes from re-reading it (done / not applied / unknown), the
//! journal closes each settled attempt, and `cmo batch status` says how many carrier requests
//! it sent. The `bulk_partial=N` fault makes the carrier apply only part of a list.

use cmo::backends::{Backend, BackendError, ChangeOutcome, registry};
use cmo::config::Config;
use cmo::domain::{ProductId, ProductSummary, Status};
use cmo::engine::{Engine, Gate};
use cmo::sim::{self, BulkFaults, SimHandle, SimOptions, SimPlatform};
use cmo::store::{Operator, StoreHandle};
use serde_json::Value;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// A config naming only the 1NCE simulator, with `extra` lines in its `[[backend]]`.
fn onence_toml(p: &SimPlatform, extra: &str) -> String {
    format!(
        "[[backend]]\nname = \"{}\"\nkind = \"1NCE\"\nbase_url = \"{}\"\naccount_id = \"{}\"\n{extra}\n[backend.auth]\nusername = \"{}\"\nsecret = \"{}\"\n",
        p.name, p.base_url, p.account_id, p.username, p.secret
    )
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

struct Rig {
    sims: SimHandle,
    engine: Engine,
    gate: Gate,
    store: StoreHandle,
    _dir: tempfile::TempDir,
}

impl Rig {
    /// The gate's batch to SUSPENDED of `ids`, run to its end (no stop, no grace).
    async fn suspend(&self, ids: &[ProductId]) -> cmo::engine::gate::BatchRun {
        self.gate
            .batch_status_until(
                ids,
                Status::Suspended,
                &tokio_util::sync::CancellationToken::new(),
                Duration::ZERO,
            )
            .await
            .expect("the batch")
    }

    fn onence(&self) -> &SimPlatform {
        self.sims.platform("1NCE").expect("1NCE")
    }

    /// Every 1NCE SIM as the carrier lists it now.
    async fn carrier(&self) -> Vec<ProductSummary> {
        self.engine
            .list_all(None)
            .await
            .expect("listing")
            .into_iter()
            .flat_map(|(_, rows)| rows.expect("1NCE lists"))
            .collect()
    }

    async fn active(&self, n: usize) -> Vec<ProductId> {
        let ids: Vec<ProductId> = self
            .carrier()
            .await
            .into_iter()
            .filter(|r| r.status.status == Status::Active)
            .map(|r| r.id)
            .take(n)
            .collect();
        assert_eq!(ids.len(), n, "{n} ACTIVE 1NCE SIMs");
        ids
    }

    async fn status_of(&self, ids: &[ProductId]) -> Vec<Status> {
        let rows = self.carrier().await;
        ids.iter()
            .map(|id| {
                rows.iter()
                    .find(|r| r.id == *id)
                    .map(|r| r.status.status)
                    .expect("listed")
            })
            .collect()
    }
}

async fn rig(size: usize, seed: u64, extra: &str) -> Rig {
    let sims = simulators(size, seed).await;
    let p = sims.platform("1NCE").expect("1NCE");
    let config = Config::from_toml_str(&onence_toml(p, extra), "bulk").expect("config");
    let backends: Vec<Arc<dyn Backend>> = registry::build(&config).expect("registry");
    let engine = Engine::new(backends);
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::open(dir.path().to_path_buf())
        .await
        .expect("store");
    let gate = Gate::new(
        engine.clone(),
        store.clone(),
        Operator::from_vars(Some("noc-bulk"), None, None),
    );
    Rig {
        sims,
        engine,
        gate,
        store,
        _dir: dir,
    }
}

fn done(result: &Result<ChangeOutcome, BackendError>) -> bool {
    matches!(
        result,
        Ok(ChangeOutcome::Done {
            status: Some(Status::Suspended)
        })
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_sim_1nce_batch_is_one_write_and_every_sim_gets_its_outcome() {
    let rig = rig(200, 16, "").await;
    let ids = rig.active(100).await;
    let control = &rig.onence().control;
    // The listing fetched the token already: from here on, only the batch counts.
    let before = control.stats();
    let run = rig.suspend(&ids).await;
    let after = control.stats();
    let writes = after.writes - before.writes;
    let reads = (after.requests - before.requests) - writes;
    eprintln!("100-SIM 1NCE batch: {writes} write(s), {reads} read(s)");
    assert_eq!(writes, 1, "one bulk request for 100 SIMs");
    assert_eq!((run.requests, run.bulk), (1, Some(100)));
    assert_eq!(after.rate_limited - before.rate_limited, 0, "paced");
    assert!(
        reads < 100,
        "the lookup and the re-reads use list pages, not one read per SIM: {reads}"
    );
    assert_eq!(run.items.len(), 100);
    let not_done: Vec<_> = run.items.iter().filter(|i| !done(&i.result)).collect();
    assert!(not_done.is_empty(), "{not_done:?}");
    assert!(
        rig.status_of(&ids)
            .await
            .iter()
            .all(|s| *s == Status::Suspended),
        "the carrier shows every SIM suspended"
    );
    // One journal entry for the batch, every attempt closed by it.
    assert!(rig.store.attempts_open().await.unwrap().is_empty());
    let records = rig.store.audit_records_since(None).await.unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    let result = &records[0].entry.result;
    assert!(result.starts_with("100 ok"), "{result}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_are_chunked_by_the_configured_maximum() {
    let rig = rig(80, 17, "bulk_max_items = 7").await;
    let ids = rig.active(20).await;
    let control = &rig.onence().control;
    let before = control.stats();
    let run = rig.suspend(&ids).await;
    let writes = control.stats().writes - before.writes;
    assert_eq!(writes, 3, "20 SIMs in lists of at most 7: 7 + 7 + 6");
    assert_eq!((run.requests, run.bulk), (3, Some(7)));
    assert!(run.items.iter().all(|i| done(&i.result)), "{:?}", run.items);
    assert!(
        rig.status_of(&ids)
            .await
            .iter()
            .all(|s| *s == Status::Suspended)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_the_carrier_applies_only_in_part_gives_each_sim_its_own_outcome() {
    let rig = rig(60, 18, "bulk_settle_timeout = \"2s\"").await;
    let ids = rig.active(8).await;
    let control = &rig.onence().control;
    control.set_bulk(BulkFaults {
        partial: Some(3),
        delay: None,
    });
    let run = rig.suspend(&ids).await;
    assert_eq!(run.requests, 1);
    let carrier = rig.status_of(&ids).await;
    // The carrier applied the first three of the list; the re-reads saw exactly that.
    for (i, item) in run.items.iter().enumerate() {
        assert_eq!(item.id, ids[i]);
        if i < 3 {
            assert!(done(&item.result), "{item:?}");
            assert_eq!(carrier[i], Status::Suspended);
        } else {
            let e = item.result.as_ref().expect_err("not applied");
            let text = e.to_string();
            assert!(text.contains("not applied"), "{text}");
            assert!(text.contains("still shows ACTIVE after 2s"), "{text}");
            assert_eq!(carrier[i], Status::Active);
        }
    }
    // Each settled attempt is closed; the batch entry names the five not applied.
    assert!(rig.store.attempts_open().await.unwrap().is_empty());
    let records = rig.store.audit_records_since(None).await.unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    let result = &records[0].entry.result;
    assert!(result.starts_with("3 ok"), "{result}");
    assert!(result.contains("5 not applied"), "{result}");
    for id in &ids[3..] {
        assert!(result.contains(&id.to_string()), "{id} named: {result}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_on_the_list_is_settled_by_the_re_reads_not_called_failed() {
    let rig = rig(60, 19, "bulk_settle_timeout = \"1s\"").await;
    let ids = rig.active(4).await;
    let control = &rig.onence().control;
    // The carrier's provisioning answers 503 to every change (its reads still work): the
    // list is not applied, and only the re-reads can say so.
    control.set_write_5xx_rate(1.0);
    let run = rig.suspend(&ids).await;
    assert_eq!(
        run.requests, 1,
        "sent once: a retry would be a second write"
    );
    for item in &run.items {
        let text = item.result.as_ref().expect_err("not applied").to_string();
        assert!(text.contains("not applied"), "{text}");
    }
    assert_eq!(rig.status_of(&ids).await, vec![Status::Active; 4]);
}

/// `cmo --config … ARGS --data-dir …` in a sandbox.
fn cmo(dir: &std::path::Path, config: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cmo"))
        .arg("--config")
        .arg(config)
        .args(args)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("USER", "noc-bulk")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("cmo runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cmo_batch_status_sends_two_writes_for_100_sims_and_reports_each_outcome() {
    let rig = rig(200, 20, "").await;
    let ids = rig.active(100).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bulk.toml");
    std::fs::write(&config, onence_toml(rig.onence(), "")).unwrap();
    let file = dir.path().join("ids.txt");
    let lines: Vec<String> = ids.iter().map(ToString::to_string).collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    // The process paces itself, not this test's reads: start it on an empty one-second window.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let control = &rig.onence().control;
    let before = control.stats();
    let args = [
        "batch",
        "status",
        "SUSPENDED",
        "--ids-file",
        file.to_str().unwrap(),
        "--yes",
        "--json",
    ];
    let started = std::time::Instant::now();
    let out = tokio::task::block_in_place(|| cmo(dir.path(), &config, &args));
    // Printed for docs/performance.md, never asserted.
    eprintln!(
        "cmo batch status, 100 SIMs: {:?} end to end",
        started.elapsed()
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = control.stats();
    let writes = after.writes - before.writes;
    eprintln!(
        "cmo batch status, 100 SIMs: {writes} writes, {} requests",
        after.requests - before.requests
    );
    assert!(writes <= 2, "its token and one bulk request: {writes}");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["statistics"]["carrierRequests"], 1, "{doc}");
    assert_eq!(doc["statistics"]["bulkMaxItems"], 100);
    assert_eq!(doc["statistics"]["done"], 100);
    let entities = doc["entities"].as_array().expect("entities");
    assert_eq!(entities.len(), 100);
    for (e, id) in entities.iter().zip(&lines) {
        assert_eq!(e["id"], id.as_str());
        assert_eq!(e["result"], "done", "{e}");
        assert_eq!(e["status"], "SUSPENDED");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cmo_batch_status_wait_names_the_sims_a_partial_list_left_unchanged() {
    let rig = rig(60, 21, "bulk_max_items = 4\nbulk_settle_timeout = \"2s\"").await;
    let ids = rig.active(6).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bulk.toml");
    std::fs::write(
        &config,
        onence_toml(
            rig.onence(),
            "bulk_max_items = 4\nbulk_settle_timeout = \"2s\"",
        ),
    )
    .unwrap();
    let control = &rig.onence().control;
    // Each list of at most four: the carrier applies its first three.
    control.set_bulk(BulkFaults {
        partial: Some(3),
        delay: None,
    });
    let list: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let joined = list.join(",");
    let args = [
        "batch",
        "status",
        "SUSPENDED",
        "--ids",
        joined.as_str(),
        "--yes",
        "--wait",
    ];
    let out = tokio::task::block_in_place(|| cmo(dir.path(), &config, &args));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "some were not applied: {text}");
    assert!(
        text.contains("5 changed, 0 unchanged, 1 failed (1 not applied, 0 outcome unknown)"),
        "{text}"
    );
    assert!(
        text.contains("2 carrier requests (bulk, up to 4 products each)"),
        "{text}"
    );
    // Lists [0..4) and [4..6): the fourth of the first list is not applied; the second
    // list's two are both within the first three.
    let line = |id: &str| {
        text.lines()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("{id} in {text}"))
            .to_string()
    };
    for (i, id) in list.iter().enumerate() {
        let l = line(id);
        if i == 3 {
            assert!(l.contains("not applied"), "{l}");
        } else {
            assert!(l.contains("ok → SUSPENDED"), "{l}");
        }
    }
    let carrier = rig.status_of(&ids).await;
    let expected: Vec<Status> = (0..6)
        .map(|i| {
            if i == 3 {
                Status::Active
            } else {
                Status::Suspended
            }
        })
        .collect();
    assert_eq!(carrier, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_during_the_re_reads_leaves_open_attempts_that_reconciliation_settles() {
    let rig = rig(60, 22, "").await;
    let ids = rig.active(5).await;
    let control = rig.onence().control.clone();
    // The carrier's queue holds the list a while, so the stop comes before any verdict.
    control.set_bulk(BulkFaults {
        partial: None,
        delay: Some(Duration::from_millis(400)),
    });
    let stop = tokio_util::sync::CancellationToken::new();
    let writes_before = control.stats().writes;
    let stopper = {
        let (stop, control) = (stop.clone(), control.clone());
        tokio::spawn(async move {
            // Stop as soon as the list reached the carrier (a hang guard, not a timing check).
            for _ in 0..2000 {
                if control.stats().writes > writes_before {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            stop.cancel();
        })
    };
    let run = rig
        .gate
        .batch_status_until(&ids, Status::Suspended, &stop, Duration::ZERO)
        .await
        .expect("the batch");
    stopper.await.unwrap();
    assert!(run.interrupted, "{run:?}");
    assert_eq!(run.requests, 1);
    assert!(run.items.is_empty(), "no verdict before the stop: {run:?}");
    assert_eq!(run.unknown, ids, "sent, no verdict");
    let open = rig.store.attempts_open().await.unwrap();
    assert_eq!(open.len(), 5, "{open:?}");
    let records = rig.store.audit_records_since(None).await.unwrap();
    let batch = records
        .iter()
        .find(|r| r.attempt.is_none())
        .expect("the batch entry");
    assert!(
        batch.entry.result.contains("5 outcome unknown"),
        "{records:?}"
    );
    // The queue applies the list; the next run's reconciliation reads the carrier.
    for _ in 0..400 {
        if rig
            .status_of(&ids)
            .await
            .iter()
            .all(|s| *s == Status::Suspended)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let found = rig.gate.reconcile(open).await;
    assert_eq!((found.resolved, found.still_unknown), (5, 0));
    assert!(rig.store.attempts_open().await.unwrap().is_empty());
    let records = rig.store.audit_records_since(None).await.unwrap();
    let reconciled = records
        .iter()
        .filter(|r| r.entry.result.starts_with("reconciled: done"))
        .count();
    assert_eq!(reconciled, 5, "{records:?}");
}
