//! Carrier calls per action, counted at the simulators: a console status change (the status
//! the operator saw goes with it) is one write and no read; opening a product reads each of its
//! sub-resources once. Every platform whose SIMs change status is covered.

use cmo::backends::{Backend, registry};
use cmo::config::Config;
use cmo::domain::capabilities::{sim_change_allowed, terminal_change_allowed};
use cmo::domain::{ConnectivityType, ProductSummary, Status};
use cmo::engine::{Engine, Gate, Seen};
use cmo::sim::{SimHandle, SimOptions};
use cmo::store::{Operator, StoreHandle};
use std::sync::Arc;

async fn setup() -> (SimHandle, Engine, Gate, tempfile::TempDir) {
    let sims = cmo::sim::start(SimOptions {
        size: 20,
        seed: 11,
        ..SimOptions::default()
    })
    .await
    .expect("simulators start");
    let config = Config::from_toml_str(&per_product(&sims), "sims").expect("config");
    let backends: Vec<Arc<dyn Backend>> = registry::build(&config).expect("registry");
    let engine = Engine::new(backends);
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::open(dir.path().to_path_buf())
        .await
        .expect("store");
    let gate = Gate::new(
        engine.clone(),
        store,
        Operator::from_vars(Some("noc"), None, None),
    );
    (sims, engine, gate, dir)
}

/// The simulators' config with 1NCE's bulk call turned off (`bulk_max_items = 0`): these
/// budgets are those of one request per product; tests/bulk_batch.rs counts the bulk ones.
fn per_product(sims: &SimHandle) -> String {
    sims.config_toml_inline()
        .replace("kind = \"1NCE\"\n", "kind = \"1NCE\"\nbulk_max_items = 0\n")
}

/// Every product every platform lists.
async fn listed(engine: &Engine) -> Vec<ProductSummary> {
    engine
        .list_all(None)
        .await
        .expect("listing")
        .into_iter()
        .flat_map(|(_, rows)| rows.unwrap_or_default())
        .collect()
}

/// A listed product of `kind` or of the account named so (a SIM, or a terminal where the platform changes terminals) and a
/// target its status may move to.
fn changeable(rows: &[ProductSummary], kind: &str) -> Option<(ProductSummary, Status)> {
    rows.iter()
        .filter(|r| r.id.kind.as_str() == kind || r.related_party.name == kind)
        .find_map(|r| {
            let from = r.status.status;
            let allowed = |to: Status| match r.connectivity {
                ConnectivityType::Cellular => sim_change_allowed(r.id.kind, from, to),
                ConnectivityType::Satellite => terminal_change_allowed(r.id.kind, from, to),
            };
            [Status::Suspended, Status::Active, Status::Blocked]
                .into_iter()
                .find(|to| *to != from && allowed(*to))
                .map(|to| (r.clone(), to))
        })
}

/// Requests one console status change may cost on `kind`: one, except where the platform's
/// API needs more to address the change (docs/performance.md says why for each).
fn budget(kind: &str) -> u64 {
    match kind {
        // A state change is a request resource: submitted (a token, then the POST), followed
        // to its end, and the subscription read back — the seed treats IOTA as synchronous.
        "IOTA" => 4,
        _ => 1,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_status_change_is_one_write_and_no_read_on_every_platform() {
    let (sims, engine, gate, _dir) = setup().await;
    let rows = listed(&engine).await;
    let mut checked = Vec::new();
    let mut refused = Vec::new();
    for platform in &sims.platforms {
        let before = platform.control.stats();
        // The CMO platform's products keep their carrier's kind: pick them by account.
        let key = if platform.kind == "CMO" {
            platform.name.as_str()
        } else {
            platform.kind
        };
        match changeable(&rows, key) {
            Some((row, to)) => {
                // Tokens are fetched by the listing already; count from here.
                let seen = Seen {
                    status: row.status.status,
                    connectivity: row.connectivity,
                    account: Some(row.related_party.name.clone()),
                };
                let outcome = gate.change_status_seen(&row.id, seen, to).await;
                assert!(outcome.is_ok(), "{}: {outcome:?}", row.id);
                let after = platform.control.stats();
                checked.push((
                    platform.kind,
                    after.requests - before.requests,
                    after.writes - before.writes,
                ));
            }
            None => {
                // A platform whose products cannot change status (the seed's ✖): the refusal
                // sends nothing at all.
                let row = rows
                    .iter()
                    .find(|r| r.id.kind.as_str() == key || r.related_party.name == key)
                    .unwrap_or_else(|| panic!("{} lists products", platform.kind));
                let seen = Seen {
                    status: row.status.status,
                    connectivity: row.connectivity,
                    account: Some(row.related_party.name.clone()),
                };
                let outcome = gate
                    .change_status_seen(&row.id, seen, Status::Suspended)
                    .await;
                assert!(outcome.is_err(), "{}: {outcome:?}", row.id);
                let after = platform.control.stats();
                assert_eq!(
                    after.requests - before.requests,
                    0,
                    "{}: a refused change sends nothing",
                    row.id
                );
                refused.push(platform.kind);
            }
        }
    }
    eprintln!("requests, writes per console status change: {checked:?}; refused: {refused:?}");
    let over: Vec<_> = checked
        .iter()
        .filter(|(kind, requests, _)| *requests > budget(kind))
        .collect();
    assert!(over.is_empty(), "over budget: {over:?} (all: {checked:?})");
    assert!(
        checked.iter().all(|(_, _, writes)| *writes >= 1),
        "each change writes: {checked:?}"
    );
    // Every platform the simulators run (the ten and the CMO kind) is either measured or refused.
    assert_eq!(
        checked.len() + refused.len(),
        sims.platforms.len(),
        "{checked:?} {refused:?}"
    );
    assert!(sims.platforms.len() >= 11, "all platforms run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_product_reads_each_sub_resource_once() {
    let (sims, engine, _gate, _dir) = setup().await;
    let rows = listed(&engine).await;
    let onence = sims.platform("1NCE").expect("1NCE");
    let row = rows
        .iter()
        .find(|r| r.id.kind.as_str() == "1NCE")
        .expect("a 1NCE SIM");
    let before = onence.control.stats();
    engine.product(&row.id).await.expect("the product");
    let after = onence.control.stats();
    // The SIM, its connectivity status and its usage: three reads, nothing written.
    assert_eq!(after.requests - before.requests, 3);
    assert_eq!(after.writes - before.writes, 0);
    // The console's detail also shows the session state: it comes from the same `/status`.
    let before = onence.control.stats();
    let read = engine
        .product_with_session(&row.id)
        .await
        .expect("the product");
    let after = onence.control.stats();
    assert!(
        matches!(read.session, Ok(Some(_))),
        "1NCE tells a session state: {:?}",
        read.session
    );
    assert_eq!(
        after.requests - before.requests,
        3,
        "each sub-resource once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_reads_each_product_once_and_writes_each_once() {
    let (sims, engine, gate, _dir) = setup().await;
    let rows = listed(&engine).await;
    let onence = sims.platform("1NCE").expect("1NCE");
    let active: Vec<_> = rows
        .iter()
        .filter(|r| r.id.kind.as_str() == "1NCE" && r.status.status == Status::Active)
        .map(|r| r.id.clone())
        .take(5)
        .collect();
    assert_eq!(active.len(), 5, "five ACTIVE 1NCE SIMs");
    // What one read of a product costs on this platform.
    let before = onence.control.stats();
    engine.product(&active[0]).await.expect("the product");
    let per_read = onence.control.stats().requests - before.requests;

    let before = onence.control.stats();
    let run = gate
        .batch_status(&active, Status::Suspended)
        .await
        .expect("the batch");
    assert!(run.iter().all(|i| i.result.is_ok()), "{run:?}");
    let after = onence.control.stats();
    assert_eq!(after.writes - before.writes, 5, "one write per product");
    // Requests the carrier served: on a loaded machine a request may reach the simulator's
    // one-second window early and be answered 429, and its retry is the same read again.
    let served = |s: &cmo::sim::SimStats| s.requests - s.rate_limited;
    assert_eq!(
        served(&after) - served(&before),
        5 * per_read + 5,
        "one read ({per_read} requests) and one write per product"
    );
}

/// `cmo batch status … --yes`, a process of its own: its token, then one read and one write per
/// product (the lookup that names the account in the question is the batch's only read).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cmo_batch_reads_each_product_once() {
    let (sims, engine, _gate, dir) = setup().await;
    let rows = listed(&engine).await;
    let onence = sims.platform("1NCE").expect("1NCE");
    let active: Vec<String> = rows
        .iter()
        .filter(|r| r.id.kind.as_str() == "1NCE" && r.status.status == Status::Active)
        .map(|r| r.id.to_string())
        .take(4)
        .collect();
    assert_eq!(active.len(), 4);
    let before = onence.control.stats();
    engine
        .product(&active[0].parse().unwrap())
        .await
        .expect("read");
    let per_read = onence.control.stats().requests - before.requests;

    let config = dir.path().join("sims.toml");
    std::fs::write(&config, per_product(&sims)).unwrap();
    // The process paces itself, not this test's reads: start it on an empty one-second window
    // (1NCE counts every client of the organisation), so no 429 retry adds requests.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let before = onence.control.stats();
    let out = tokio::task::spawn_blocking({
        let (config, data, ids) = (config.clone(), dir.path().join("cli"), active.join(","));
        move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_cmo"))
                .arg("--config")
                .arg(&config)
                .arg("--data-dir")
                .arg(&data)
                .args(["batch", "status", "SUSPENDED", "--ids", &ids, "--yes"])
                .env("HOME", &data)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = onence.control.stats();
    assert_eq!(
        after.rate_limited - before.rate_limited,
        0,
        "paced under 10/s"
    );
    // The process's token request is a POST too.
    assert_eq!(
        after.writes - before.writes,
        4 + 1,
        "a token, one write per product"
    );
    assert_eq!(
        after.requests - before.requests,
        1 + 4 * per_read + 4,
        "a token, one read ({per_read} requests) and one write per product"
    );
}

/// `cmo status set` (the gate without a status seen): one read of the SIM card, then the write.
/// The card's status is the listed one on every platform that serves a card alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_set_reads_the_sim_card_once_then_writes() {
    let (sims, engine, gate, _dir) = setup().await;
    let rows = listed(&engine).await;
    let mut per_kind = std::collections::HashMap::<_, usize>::new();
    for row in rows
        .iter()
        .filter(|r| r.id.kind.as_str() != "CMO" && r.connectivity == ConnectivityType::Cellular)
        // A few of each platform, whatever their status.
        .filter(|r| {
            let n = per_kind.entry(r.id.kind).or_default();
            *n += 1;
            *n <= 4
        })
    {
        match engine.sim_card(&row.id).await {
            Ok(card) => assert_eq!(card.status.status, row.status.status, "{}", row.id),
            Err(e) => assert!(
                matches!(e, cmo::backends::BackendError::NotSupported { .. }),
                "{}: {e}",
                row.id
            ),
        }
    }
    let onence = sims.platform("1NCE").expect("1NCE");
    let (row, to) = changeable(&rows, "1NCE").expect("a 1NCE SIM to change");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let before = onence.control.stats();
    gate.change_status(&row.id, to).await.expect("the change");
    let after = onence.control.stats();
    assert_eq!(
        (
            after.requests - before.requests,
            after.writes - before.writes
        ),
        (2, 1),
        "one read, one write"
    );
}

/// `cmo status set … --yes`, a process of its own: its token, one read of the SIM card (which
/// decides the question and "already there") and the write — the status read goes with the
/// change, so the gate does not read again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cmo_status_set_is_one_read_and_one_write() {
    let (sims, engine, _gate, dir) = setup().await;
    let rows = listed(&engine).await;
    let onence = sims.platform("1NCE").expect("1NCE");
    let (row, to) = changeable(&rows, "1NCE").expect("a 1NCE SIM to change");
    let config = dir.path().join("sims.toml");
    std::fs::write(&config, sims.config_toml_inline()).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let before = onence.control.stats();
    let out = tokio::task::spawn_blocking({
        let (config, data) = (config.clone(), dir.path().join("cli"));
        let (id, to) = (row.id.to_string(), to.as_str().to_string());
        move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_cmo"))
                .arg("--config")
                .arg(&config)
                .arg("--data-dir")
                .arg(&data)
                .args(["status", "set", &id, &to, "--yes"])
                .env("HOME", &data)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = onence.control.stats();
    // The process's token request is a POST too.
    assert_eq!(
        (
            after.requests - before.requests,
            after.writes - before.writes
        ),
        (3, 2),
        "a token, one read, one write"
    );
    let card = engine.sim_card(&row.id).await.expect("read back");
    assert_eq!(card.status.status, to, "the change landed");
}
