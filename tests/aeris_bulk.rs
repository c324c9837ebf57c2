//! Aeris (IOTA) batches as one SICA state-change request per chunk of ICCIDs (issue 16 for
//! IOTA; docs/backends/aeris.md, "Bulk status change"), against the IOTA simulator on
//! 127.0.0.1 port 0: state-change requests are counted at the simulator
//! (`FaultControl::status_changes_total`; its `writes` also counts the details lookup, a POST
//! that only reads), each SIM's
//! outcome comes from re-reading it with details lookups, and a SIM the platform reported
//! FAILED in the request gets the platform's own reason. The `bulk_partial=N` fault makes the
//! simulator fail every identifier of a request after the first N.

use cmo::backends::{Backend, BackendError, ChangeOutcome, registry};
use cmo::config::Config;
use cmo::domain::{BusinessId, Characteristic, ProductId, Status};
use cmo::engine::{Engine, Gate};
use cmo::sim::{self, BulkFaults, SimHandle, SimOptions, SimPlatform};
use cmo::store::{Operator, StoreHandle};
use serde_json::Value;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// A config naming only the IOTA simulator, with `extra` lines in its `[[backend]]`.
fn iota_toml(p: &SimPlatform, extra: &str) -> String {
    format!(
        "[[backend]]\nname = \"{}\"\nkind = \"IOTA\"\nbase_url = \"{}\"\naccount_id = \"{}\"\n{extra}\n[backend.auth]\nusername = \"{}\"\nsecret = \"{}\"\n",
        p.name, p.base_url, p.account_id, p.username, p.secret
    )
}

async fn simulators(size: usize, seed: u64) -> SimHandle {
    sim::start(SimOptions {
        size,
        seed,
        // The platform's job engine applies a request after this long.
        async_delay: Duration::from_millis(200),
        ..SimOptions::default()
    })
    .await
    .expect("simulators start")
}

struct Rig {
    sims: SimHandle,
    backend: Arc<dyn Backend>,
    gate: Gate,
    store: StoreHandle,
    _dir: tempfile::TempDir,
}

impl Rig {
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

    fn iota(&self) -> &SimPlatform {
        self.sims.platform("IOTA").expect("IOTA")
    }

    /// `n` ACTIVE subscriptions whose state lock is `locked`, read from the carrier.
    async fn active(&self, n: usize, locked: bool) -> Vec<ProductId> {
        let mut rows = Vec::new();
        let mut page = cmo::backends::PageRequest::default();
        loop {
            let got = self
                .backend
                .list_products(page.clone())
                .await
                .expect("list");
            rows.extend(got.items);
            match got.next {
                Some(next) => page.cursor = Some(next),
                None => break,
            }
        }
        let active: Vec<ProductId> = rows
            .into_iter()
            .filter(|r| r.status.status == Status::Active)
            .map(|r| r.id)
            .collect();
        let business: Vec<BusinessId> = active.iter().map(ProductId::business).collect();
        let (found, _) = self.backend.find(&business).await.expect("lookup");
        let lock = Characteristic::new("stateLocked", "true");
        let ids: Vec<ProductId> = found
            .iter()
            .filter(|p| {
                let card = p.sim_card.as_ref().expect("a sim card");
                card.characteristics.contains(&lock) == locked
            })
            .map(|p| p.summary.id.clone())
            .take(n)
            .collect();
        assert_eq!(
            ids.len(),
            n,
            "{n} ACTIVE IOTA subscriptions (locked: {locked})"
        );
        ids
    }

    async fn status_of(&self, ids: &[ProductId]) -> Vec<Status> {
        let business: Vec<BusinessId> = ids.iter().map(ProductId::business).collect();
        let reads = self.backend.sim_statuses(&business).await.expect("reads");
        business
            .iter()
            .map(|b| {
                let (_, s) = reads.iter().find(|(id, _)| id == b).expect("read");
                *s.as_ref().expect("status")
            })
            .collect()
    }
}

async fn rig(size: usize, seed: u64, extra: &str) -> Rig {
    let sims = simulators(size, seed).await;
    let p = sims.platform("IOTA").expect("IOTA");
    let config = Config::from_toml_str(&iota_toml(p, extra), "aeris-bulk").expect("config");
    let backends: Vec<Arc<dyn Backend>> = registry::build(&config).expect("registry");
    let backend = backends[0].clone();
    let engine = Engine::new(backends);
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::open(dir.path().to_path_buf())
        .await
        .expect("store");
    let gate = Gate::new(
        engine,
        store.clone(),
        Operator::from_vars(Some("noc-bulk"), None, None),
    );
    Rig {
        sims,
        backend,
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
async fn a_50_sim_iota_batch_is_one_write_and_every_sim_ends_done() {
    let rig = rig(300, 31, "").await;
    let ids = rig.active(50, false).await;
    let control = &rig.iota().control;
    // The listing fetched the token already: from here on, only the batch counts.
    let before = control.stats();
    let changes_before = control.status_changes_total();
    let run = rig.suspend(&ids).await;
    let after = control.stats();
    let writes = control.status_changes_total() - changes_before;
    let requests = after.requests - before.requests;
    eprintln!("50-SIM IOTA batch: {writes} write(s), {requests} request(s) in all");
    assert_eq!(writes, 1, "one state-change request for 50 SIMs");
    assert_eq!((run.requests, run.bulk), (1, Some(100)));
    assert_eq!(after.rate_limited - before.rate_limited, 0);
    assert!(
        requests < 10,
        "a lookup, one write and a few re-reads of the whole list: {requests}"
    );
    assert_eq!(run.items.len(), 50);
    let not_done: Vec<_> = run.items.iter().filter(|i| !done(&i.result)).collect();
    assert!(not_done.is_empty(), "{not_done:?}");
    assert_eq!(rig.status_of(&ids).await, vec![Status::Suspended; 50]);
    assert!(rig.store.attempts_open().await.unwrap().is_empty());
    let records = rig.store.audit_records_since(None).await.unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    let result = &records[0].entry.result;
    assert!(result.starts_with("50 ok"), "{result}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_applied_in_part_gives_each_sim_done_or_not_applied_with_the_reason() {
    let rig = rig(300, 32, "bulk_settle_timeout = \"2s\"").await;
    let mut ids = rig.active(5, false).await;
    // A locked subscription in the list fails on its own; the rest of the list goes on.
    ids.extend(rig.active(1, true).await);
    let control = &rig.iota().control;
    control.set_bulk(BulkFaults {
        partial: Some(3),
        delay: None,
    });
    let before = control.status_changes_total();
    let run = rig.suspend(&ids).await;
    assert_eq!(control.status_changes_total() - before, 1);
    assert_eq!(run.requests, 1);
    let carrier = rig.status_of(&ids).await;
    for (i, item) in run.items.iter().enumerate() {
        assert_eq!(item.id, ids[i]);
        if i < 3 {
            assert!(done(&item.result), "{item:?}");
            assert_eq!(carrier[i], Status::Suspended);
            continue;
        }
        let text = item.result.as_ref().expect_err("not applied").to_string();
        assert!(text.contains("not applied"), "{text}");
        assert!(text.contains("COMPLETED_WITH_FAILURES"), "{text}");
        let why = match i {
            5 => "Subscription state is locked",
            _ => "provisioning did not complete",
        };
        assert!(text.contains(why), "{text}");
        assert!(text.contains(&ids[i].business_id), "{text}");
        assert_eq!(carrier[i], Status::Active);
    }
    // Each settled attempt is closed; the batch entry names the three not applied.
    assert!(rig.store.attempts_open().await.unwrap().is_empty());
    let records = rig.store.audit_records_since(None).await.unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    let result = &records[0].entry.result;
    assert!(result.starts_with("3 ok"), "{result}");
    assert!(result.contains("3 not applied"), "{result}");
    for id in &ids[3..] {
        assert!(result.contains(&id.to_string()), "{id} named: {result}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_over_the_maximum_is_sent_in_chunks() {
    let rig = rig(300, 33, "bulk_max_items = 7").await;
    let ids = rig.active(20, false).await;
    let control = &rig.iota().control;
    let before = control.status_changes_total();
    let run = rig.suspend(&ids).await;
    let writes = control.status_changes_total() - before;
    assert_eq!(writes, 3, "20 SIMs in requests of at most 7: 7 + 7 + 6");
    assert_eq!((run.requests, run.bulk), (3, Some(7)));
    assert!(run.items.iter().all(|i| done(&i.result)), "{:?}", run.items);
    assert_eq!(rig.status_of(&ids).await, vec![Status::Suspended; 20]);
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
async fn cmo_batch_status_on_50_iota_sims_sends_one_state_change_request() {
    let rig = rig(300, 34, "").await;
    let ids = rig.active(50, false).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("iota.toml");
    std::fs::write(&config, iota_toml(rig.iota(), "")).unwrap();
    let file = dir.path().join("ids.txt");
    let lines: Vec<String> = ids.iter().map(ToString::to_string).collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    // The process paces itself, not this test's reads: start it on an empty one-second window.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let control = &rig.iota().control;
    let before = control.stats();
    let changes_before = control.status_changes_total();
    let args = [
        "batch",
        "status",
        "SUSPENDED",
        "--ids-file",
        file.to_str().unwrap(),
        "--yes",
        "--json",
    ];
    let out = tokio::task::block_in_place(|| cmo(dir.path(), &config, &args));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = control.stats();
    let writes = control.status_changes_total() - changes_before;
    eprintln!(
        "cmo batch status, 50 IOTA SIMs: {writes} state-change request(s), {} POSTs \
         (token and lookups included), {} requests in all",
        after.writes - before.writes,
        after.requests - before.requests
    );
    assert_eq!(writes, 1, "one state-change request");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["statistics"]["carrierRequests"], 1, "{doc}");
    assert_eq!(doc["statistics"]["bulkMaxItems"], 100);
    assert_eq!(doc["statistics"]["done"], 50);
    let entities = doc["entities"].as_array().expect("entities");
    assert_eq!(entities.len(), 50);
    for (e, id) in entities.iter().zip(&lines) {
        assert_eq!(e["id"], id.as_str());
        assert_eq!(e["result"], "done", "{e}");
        assert_eq!(e["status"], "SUSPENDED");
    }
}
