//! The mutation gate and the persistent monitor poller, over the in-memory backend (behind the
//! capability guard) and a store in a temporary directory.

use cmo::backends::memory::MemoryBackend;
use cmo::backends::{Backend, ChangeOutcome, Guarded};
use cmo::domain::{BackendKind, Characteristic, Monitor, MonitorState, ProductId, Status};
use cmo::engine::{Engine, Gate, GateError, MonitorPoller, PollerConfig};
use cmo::store::{AuditEntry, Operator, StoreHandle};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

fn engine_over(backends: &[&Arc<MemoryBackend>]) -> Engine {
    Engine::new(
        backends
            .iter()
            .map(|b| Arc::new(Guarded::new((*b).clone() as Arc<dyn Backend>)) as Arc<dyn Backend>)
            .collect(),
    )
}

/// The id of the `i`-th generated cellular product (0, 1, 3 are ACTIVE; 2 is SUSPENDED).
fn sim(kind: BackendKind, i: usize) -> ProductId {
    ProductId::new(kind, format!("8988228066{i:09}"))
}

fn operator() -> Operator {
    Operator::from_vars(Some("noc-alice"), Some("10.0.0.7 50022 22"), None)
}

/// Intervals small enough for tests; nothing below depends on how long anything takes.
fn fast() -> PollerConfig {
    PollerConfig {
        first_interval: Duration::from_millis(1),
        max_interval: Duration::from_millis(5),
        rescan_interval: Duration::from_millis(10),
        ..PollerConfig::default()
    }
}

async fn audit(store: &StoreHandle) -> Vec<AuditEntry> {
    store.audit_since(None).await.unwrap()
}

/// Wait for `id` to be published in `state`. The timeout only keeps a broken poller from
/// hanging the test run; it asserts nothing about speed.
async fn published(
    rx: &mut broadcast::Receiver<Monitor>,
    id: &str,
    state: MonitorState,
) -> Monitor {
    let wait = async {
        loop {
            match rx.recv().await {
                Ok(m) if m.id == id && m.state == state => return m,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("poller stopped"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .unwrap_or_else(|_| panic!("monitor {id} never reached {state:?}"))
}

/// `monitor` stored as an earlier run's gate left it (the store's writes are the gate's).
async fn left_by_an_earlier_run(store: &StoreHandle, monitor: &Monitor) {
    Gate::new(Engine::new(Vec::new()), store.clone(), operator())
        .record_monitor(None, monitor.clone())
        .await
        .unwrap();
}

fn pending(outcome: ChangeOutcome) -> Monitor {
    match outcome {
        ChangeOutcome::Pending(m) => m,
        other => panic!("expected a pending change, got {other:?}"),
    }
}

#[tokio::test]
async fn read_only_refuses_every_mutation_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
    let onence = Arc::new(MemoryBackend::generate("onence", BackendKind::OneNce, 4));
    let tmsp =
        Arc::new(MemoryBackend::generate("tmsp", BackendKind::Tmsp, 4).with_async_changes(1));
    let engine = engine_over(&[&onence, &tmsp]);
    let id = sim(BackendKind::OneNce, 0);
    // Set before, through a writable gate (the store's writes are the gate's alone).
    Gate::new(engine.clone(), store.clone(), operator())
        .attrs_set(&id, "site", "pier 4")
        .await
        .unwrap();
    let journaled = audit(&store).await.len();

    let gate = Gate::new(engine, store.clone(), operator()).with_read_only(true);
    let refusals: Vec<GateError> = vec![
        gate.change_status(&id, Status::Suspended)
            .await
            .unwrap_err(),
        gate.batch_status(std::slice::from_ref(&id), Status::Suspended)
            .await
            .unwrap_err(),
        gate.update_characteristics(
            &sim(BackendKind::Tmsp, 0),
            &[Characteristic::new("apn", "x")],
        )
        .await
        .unwrap_err(),
        gate.attrs_set(&id, "site", "pier 5").await.unwrap_err(),
        gate.attrs_rename(&id, "site", "berth").await.unwrap_err(),
        gate.attrs_delete(&id, "site").await.unwrap_err(),
        gate.cancel_monitor("TMSP-8988228066000000000-1")
            .await
            .unwrap_err(),
    ];
    for e in &refusals {
        assert!(matches!(e, GateError::ReadOnly { .. }), "{e:?}");
        assert_eq!(e.exit_code(), 3, "read-only is not allowed");
        let text = e.to_string();
        assert!(
            text.starts_with("read-only mode: ") && text.ends_with(" refused"),
            "{text}"
        );
    }
    assert_eq!(
        onence.calls() + tmsp.calls(),
        0,
        "a refusal reached a carrier"
    );
    assert_eq!(
        audit(&store).await.len(),
        journaled,
        "a refusal was journaled"
    );
    assert!(store.monitors_list().await.unwrap().is_empty());
    let attrs = gate.attrs_list(&id, None).await.unwrap();
    assert_eq!(attrs.len(), 1);
    assert_eq!(attrs[0].value, "pier 4");
}

#[tokio::test]
async fn every_gated_action_writes_exactly_one_entry_with_before_after_and_result() {
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
    let onence = Arc::new(MemoryBackend::generate("onence", BackendKind::OneNce, 4));
    let tmsp = Arc::new(MemoryBackend::generate("tmsp", BackendKind::Tmsp, 4));
    let gate = Gate::new(engine_over(&[&onence, &tmsp]), store.clone(), operator());
    let (a0, a1, a2, a3) = (
        sim(BackendKind::OneNce, 0),
        sim(BackendKind::OneNce, 1),
        sim(BackendKind::OneNce, 2),
        sim(BackendKind::OneNce, 3),
    );
    let t0 = sim(BackendKind::Tmsp, 0);
    let mut expected = Vec::new();
    let mut check = |entries: &[AuditEntry],
                     action: &str,
                     ids: &[&ProductId],
                     before: Option<&str>,
                     after: Option<&str>,
                     result: &str| {
        expected.push(action.to_string());
        assert_eq!(
            entries.len(),
            expected.len(),
            "one entry per action: {entries:#?}"
        );
        let e = entries.last().unwrap();
        assert_eq!(e.action, action);
        assert_eq!(
            e.product_ids,
            ids.iter().map(|i| i.to_string()).collect::<Vec<_>>()
        );
        assert_eq!(e.before.as_deref(), before, "{e:?}");
        assert_eq!(e.after.as_deref(), after, "{e:?}");
        assert!(e.result.starts_with(result), "{e:?}");
        assert_eq!(e.operator, "noc-alice");
        assert_eq!(e.ssh_client.as_deref(), Some("10.0.0.7"));
    };

    let done = gate.change_status(&a0, Status::Suspended).await.unwrap();
    assert_eq!(
        done,
        ChangeOutcome::Done {
            status: Some(Status::Suspended)
        }
    );
    check(
        &audit(&store).await,
        "status",
        &[&a0],
        Some("ACTIVE"),
        Some("SUSPENDED"),
        "ok",
    );

    let calls = onence.calls();
    let refused = gate
        .change_status(&a1, Status::Terminated)
        .await
        .unwrap_err();
    assert_eq!(refused.exit_code(), 3, "{refused}");
    assert_eq!(
        onence.calls(),
        calls + 1,
        "only the product read reached the carrier"
    );
    check(
        &audit(&store).await,
        "status",
        &[&a1],
        Some("ACTIVE"),
        None,
        "failed: requested TERMINATED",
    );

    let apn = [Characteristic::new("apn", "iot.b")];
    gate.update_characteristics(&t0, &apn).await.unwrap();
    check(
        &audit(&store).await,
        "characteristics",
        &[&t0],
        Some("apn=(unset)"),
        Some("apn=iot.b"),
        "ok",
    );
    let p = gate.engine().product(&t0).await.unwrap();
    assert!(p.characteristics.contains(&apn[0]));
    let unsupported = gate.update_characteristics(&a0, &apn).await.unwrap_err();
    assert_eq!(unsupported.exit_code(), 3, "{unsupported}");
    check(
        &audit(&store).await,
        "characteristics",
        &[&a0],
        None,
        None,
        "failed: requested apn=iot.b",
    );

    gate.attrs_set(&a0, "site", "pier 4").await.unwrap();
    check(
        &audit(&store).await,
        "attrs-set",
        &[&a0],
        None,
        Some("site=pier 4"),
        "ok",
    );
    gate.attrs_set(&a0, "site", "pier 5").await.unwrap();
    check(
        &audit(&store).await,
        "attrs-set",
        &[&a0],
        Some("site=pier 4"),
        Some("site=pier 5"),
        "ok",
    );
    gate.attrs_rename(&a0, "site", "berth").await.unwrap();
    check(
        &audit(&store).await,
        "attrs-rename",
        &[&a0],
        Some("site=pier 5"),
        Some("berth=pier 5"),
        "ok",
    );
    gate.attrs_delete(&a0, "berth").await.unwrap();
    check(
        &audit(&store).await,
        "attrs-delete",
        &[&a0],
        Some("berth=pier 5"),
        None,
        "ok",
    );
    let missing = gate.attrs_delete(&a0, "berth").await.unwrap_err();
    assert_eq!(missing.exit_code(), 4, "{missing}");
    check(
        &audit(&store).await,
        "attrs-delete",
        &[&a0],
        None,
        None,
        "failed: requested delete berth",
    );

    // a2 is SUSPENDED → ACTIVE (allowed); a3 is already ACTIVE: unchanged, not a failure.
    let items = gate
        .batch_status(&[a2.clone(), a3.clone()], Status::Active)
        .await
        .unwrap();
    assert!(items[0].result.is_ok() && !items[0].unchanged);
    assert!(items[1].result.is_ok() && items[1].unchanged);
    check(
        &audit(&store).await,
        "batch-status",
        &[&a2, &a3],
        Some("ACTIVE ×1, SUSPENDED ×1"),
        Some("ACTIVE"),
        "1 ok, 1 unchanged",
    );
    let mixed = gate
        .batch_status(&[a0.clone(), t0.clone()], Status::Active)
        .await
        .unwrap_err();
    assert_eq!(mixed.exit_code(), 2, "{mixed}");
    check(
        &audit(&store).await,
        "batch-status",
        &[&a0, &t0],
        None,
        None,
        "failed: requested ACTIVE for every id",
    );

    let unknown = gate.cancel_monitor("TMSP-nope-1").await.unwrap_err();
    assert_eq!(unknown.exit_code(), 4, "{unknown}");
    check(
        &audit(&store).await,
        "monitor-cancel",
        &[],
        None,
        None,
        "failed: requested cancel of monitor TMSP-nope-1",
    );
}

#[tokio::test]
async fn a_batch_over_the_maximum_is_refused_before_anything_is_read_or_changed() {
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
    let onence = Arc::new(MemoryBackend::generate("onence", BackendKind::OneNce, 6));
    let gate = Gate::new(engine_over(&[&onence]), store.clone(), operator()).with_max_batch(3);
    let ids: Vec<ProductId> = (0..4).map(|i| sim(BackendKind::OneNce, i)).collect();
    let err = gate
        .batch_status(&ids, Status::Suspended)
        .await
        .unwrap_err();
    assert!(
        matches!(err, GateError::BatchTooLarge { size: 4, max: 3 }),
        "{err:?}"
    );
    assert_eq!(err.exit_code(), 2);
    assert_eq!(onence.calls(), 0);
    assert!(audit(&store).await.is_empty());

    let items = gate
        .batch_status(&ids[..3], Status::Suspended)
        .await
        .unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(audit(&store).await.len(), 1);
}

#[tokio::test]
async fn a_pending_change_survives_a_restart_and_a_new_poller_drives_it_to_completion() {
    let dir = tempfile::tempdir().unwrap();
    let tmsp =
        Arc::new(MemoryBackend::generate("tmsp", BackendKind::Tmsp, 4).with_async_changes(3));
    let id = sim(BackendKind::Tmsp, 0);

    // First run: the change is accepted, then the process "exits" without polling.
    let monitor = {
        let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
        let gate = Gate::new(engine_over(&[&tmsp]), store.clone(), operator());
        let monitor = pending(gate.change_status(&id, Status::Suspended).await.unwrap());
        let entries = audit(&store).await;
        assert_eq!(entries.len(), 1);
        assert_eq!(
            entries[0].result,
            format!("accepted (monitor {})", monitor.id)
        );
        let stored = store.monitors_pending().await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].monitor, monitor);
        monitor
    };
    let product = engine_over(&[&tmsp]).product(&id).await.unwrap();
    assert_eq!(
        product.summary.status.status,
        Status::Active,
        "applied before completion"
    );

    // Second run: a reopened store, a new engine, a new poller.
    let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
    let engine = engine_over(&[&tmsp]);
    let poller = MonitorPoller::new(engine.clone(), store.clone(), fast());
    let mut updates = poller.subscribe();
    let cancel = CancellationToken::new();
    let running = poller.start(cancel.clone());

    let done = published(&mut updates, &monitor.id, MonitorState::Completed).await;
    assert_eq!(done.product_id.as_ref(), Some(&id));
    assert_eq!(
        store.monitor_get(&monitor.id).await.unwrap().state,
        MonitorState::Completed
    );
    assert!(store.monitors_pending().await.unwrap().is_empty());
    let product = engine.product(&id).await.unwrap();
    assert_eq!(product.summary.status.status, Status::Suspended);

    cancel.cancel();
    running.await.unwrap();
}

#[tokio::test]
async fn the_poller_takes_monitors_from_the_gate_and_rides_out_transient_errors() {
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
    let tmsp =
        Arc::new(MemoryBackend::generate("tmsp", BackendKind::Tmsp, 4).with_async_changes(2));
    let engine = engine_over(&[&tmsp]);
    let poller = MonitorPoller::new(engine.clone(), store.clone(), fast());
    let mut updates = poller.subscribe();
    let gate = Gate::new(engine.clone(), store.clone(), operator()).with_poller(poller.handle());
    let cancel = CancellationToken::new();
    let running = poller.start(cancel.clone());

    tmsp.fail_monitor_polls(3);
    let id = sim(BackendKind::Tmsp, 1);
    let apn = [Characteristic::new("apn", "iot.c")];
    let monitor = pending(gate.update_characteristics(&id, &apn).await.unwrap());
    published(&mut updates, &monitor.id, MonitorState::Completed).await;
    assert_eq!(
        store.monitor_get(&monitor.id).await.unwrap().state,
        MonitorState::Completed
    );
    assert!(
        engine
            .product(&id)
            .await
            .unwrap()
            .characteristics
            .contains(&apn[0])
    );

    cancel.cancel();
    running.await.unwrap();
}

#[tokio::test]
async fn a_monitor_the_carrier_does_not_know_is_marked_in_error_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
    let tmsp =
        Arc::new(MemoryBackend::generate("tmsp", BackendKind::Tmsp, 1).with_async_changes(1));
    let lost = Monitor {
        id: "TMSP-8988228066000000000-77".into(),
        kind: BackendKind::Tmsp,
        backend: "tmsp".into(),
        product_id: Some(sim(BackendKind::Tmsp, 0)),
        request: "status ACTIVE → SUSPENDED".into(),
        state: MonitorState::InProgress,
        status_code: None,
        detail: None,
        created: "2026-01-01T00:00:00Z".into(),
        updated: None,
    };
    left_by_an_earlier_run(&store, &lost).await;
    let poller = MonitorPoller::new(engine_over(&[&tmsp]), store.clone(), fast());
    let mut updates = poller.subscribe();
    let cancel = CancellationToken::new();
    let running = poller.start(cancel.clone());

    let failed = published(&mut updates, &lost.id, MonitorState::InError).await;
    assert!(
        failed.detail.as_deref().unwrap_or("").contains("not found"),
        "{failed:?}"
    );
    assert_eq!(failed.request, lost.request);
    assert_eq!(store.monitor_get(&lost.id).await.unwrap(), failed);

    cancel.cancel();
    running.await.unwrap();
}

#[tokio::test]
async fn finished_monitors_past_retention_are_pruned_and_pending_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
    let base = Monitor {
        id: String::new(),
        kind: BackendKind::Jasper,
        backend: "jasper".into(),
        product_id: None,
        request: "status".into(),
        state: MonitorState::InProgress,
        status_code: None,
        detail: None,
        created: "2026-01-01T00:00:00Z".into(),
        updated: None,
    };
    let finished = Monitor {
        id: "JASPER-done".into(),
        state: MonitorState::Completed,
        ..base.clone()
    };
    // No JASPER backend is configured: the poller must leave this one alone, and never prune it.
    let waiting = Monitor {
        id: "JASPER-waiting".into(),
        ..base
    };
    left_by_an_earlier_run(&store, &finished).await;
    left_by_an_earlier_run(&store, &waiting).await;

    let tmsp = Arc::new(MemoryBackend::generate("tmsp", BackendKind::Tmsp, 1));
    let config = PollerConfig {
        retention: Duration::ZERO,
        ..fast()
    };
    let poller = MonitorPoller::new(engine_over(&[&tmsp]), store.clone(), config);
    let cancel = CancellationToken::new();
    let running = poller.start(cancel.clone());

    let mut left = store.monitors_list().await.unwrap();
    for _ in 0..2000 {
        if !left.iter().any(|m| m.id == finished.id) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        left = store.monitors_list().await.unwrap();
    }
    assert_eq!(
        left,
        vec![waiting.clone()],
        "only the pending monitor is kept"
    );
    assert_eq!(tmsp.calls(), 0);

    cancel.cancel();
    running.await.unwrap();
}

#[tokio::test]
async fn cancelling_a_monitor_updates_the_carrier_the_store_the_journal_and_subscribers() {
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
    // Never completes by polling, so only the cancel can end it.
    let tmsp = Arc::new(
        MemoryBackend::generate("tmsp", BackendKind::Tmsp, 2).with_async_changes(u32::MAX),
    );
    let engine = engine_over(&[&tmsp]);
    let poller = MonitorPoller::new(engine.clone(), store.clone(), fast());
    let mut updates = poller.subscribe();
    let gate = Gate::new(engine.clone(), store.clone(), operator()).with_poller(poller.handle());
    let cancel = CancellationToken::new();
    let running = poller.start(cancel.clone());

    let id = sim(BackendKind::Tmsp, 0);
    let monitor = pending(gate.change_status(&id, Status::Suspended).await.unwrap());
    // The poller keeps the backoff position in the store while it polls.
    let mut polled = 0;
    for _ in 0..2000 {
        let rows = store.monitors_pending().await.unwrap();
        assert_eq!(rows.len(), 1);
        if rows[0].poll_attempts >= 2 {
            assert!(rows[0].next_poll_at.is_some());
            polled = rows[0].poll_attempts;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(polled >= 2, "poll attempts were never recorded");
    let cancelled = gate.cancel_monitor(&monitor.id).await.unwrap();
    assert_eq!(cancelled.state, MonitorState::Cancelled);
    assert_eq!(cancelled.product_id.as_ref(), Some(&id));
    published(&mut updates, &monitor.id, MonitorState::Cancelled).await;
    assert_eq!(
        store.monitor_get(&monitor.id).await.unwrap().state,
        MonitorState::Cancelled
    );
    assert!(store.monitors_pending().await.unwrap().is_empty());

    let entries = audit(&store).await;
    assert_eq!(entries.len(), 3);
    // The cancelled monitor's final outcome completes the request's entry.
    assert_eq!(entries[1].action, "monitor-final");
    assert_eq!(entries[1].result, "cancelled");
    let e = &entries[2];
    assert_eq!(e.action, "monitor-cancel");
    assert_eq!(e.product_ids, vec![id.to_string()]);
    assert_eq!(e.before.as_deref(), Some("InProgress"));
    assert_eq!(e.after.as_deref(), Some("Cancelled"));
    assert_eq!(e.result, format!("ok (monitor {})", monitor.id));

    assert_eq!(
        engine.monitor(&monitor.id).await.unwrap().state,
        MonitorState::Cancelled
    );
    assert_eq!(
        engine.product(&id).await.unwrap().summary.status.status,
        Status::Active
    );
    let again = gate.cancel_monitor(&monitor.id).await.unwrap_err();
    assert_eq!(again.exit_code(), 1, "{again}");
    assert_eq!(
        audit(&store).await.len(),
        4,
        "the failed cancel is journaled too"
    );

    cancel.cancel();
    running.await.unwrap();
}

#[tokio::test]
async fn a_batch_skips_products_already_in_the_target_status() {
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
    let onence = Arc::new(MemoryBackend::generate("1nce", BackendKind::OneNce, 10));
    let engine = engine_over(&[&onence]);
    let gate = Gate::new(engine.clone(), store.clone(), operator());
    let mut active = Vec::new();
    let mut suspended = None;
    for i in 0..10 {
        let id = sim(BackendKind::OneNce, i);
        match engine.product(&id).await.unwrap().summary.status.status {
            Status::Active if active.len() < 4 => active.push(id),
            Status::Suspended if suspended.is_none() => suspended = Some(id),
            _ => {}
        }
    }
    let mut ids = active.clone();
    ids.insert(2, suspended.expect("a SUSPENDED product"));

    let before = onence.calls();
    let items = gate.batch_status(&ids, Status::Suspended).await.unwrap();
    // One read per product (the account check, whose status goes with the change) and one
    // write per product not already SUSPENDED.
    assert_eq!(onence.calls() - before, ids.len() + 4);
    let unchanged: Vec<_> = items.iter().filter(|i| i.unchanged).collect();
    assert_eq!(unchanged.len(), 1);
    assert_eq!(unchanged[0].id, ids[2]);
    assert!(items.iter().all(|i| i.result.is_ok()));
    for id in &active {
        assert_eq!(
            engine.product(id).await.unwrap().summary.status.status,
            Status::Suspended
        );
    }
    let entries = audit(&store).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].result, "4 ok, 1 unchanged");

    // One product: unchanged, journaled, nothing sent.
    let before = onence.calls();
    let one = gate
        .change_status_reported(&ids[2], Status::Suspended)
        .await
        .unwrap();
    assert!(one.unchanged);
    assert_eq!(onence.calls() - before, 1, "the read only");
    assert_eq!(audit(&store).await[1].result, "unchanged");
}

#[tokio::test]
async fn the_poller_and_another_observer_journal_a_final_outcome_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
    let tmsp =
        Arc::new(MemoryBackend::generate("tmsp", BackendKind::Tmsp, 4).with_async_changes(2));
    let engine = engine_over(&[&tmsp]);
    let poller = MonitorPoller::new(engine.clone(), store.clone(), fast());
    let mut updates = poller.subscribe();
    let gate = Gate::new(engine.clone(), store.clone(), operator()).with_poller(poller.handle());
    let cancel = CancellationToken::new();
    let running = poller.start(cancel.clone());

    let id = sim(BackendKind::Tmsp, 0);
    let monitor = pending(gate.change_status(&id, Status::Suspended).await.unwrap());
    let done = published(&mut updates, &monitor.id, MonitorState::Completed).await;
    // A CLI observer (monitors get / list, --wait) sees the same end afterwards.
    let known = store.monitor_get(&monitor.id).await.unwrap();
    let again = gate
        .record_monitor(Some(&known), done.clone())
        .await
        .unwrap();
    assert_eq!(again.state, MonitorState::Completed);

    let records = store.audit_records_since(None).await.unwrap();
    let finals: Vec<_> = records.iter().filter(|r| r.is_final_outcome()).collect();
    assert_eq!(finals.len(), 1, "{records:?}");
    assert_eq!(finals[0].entry.result, "completed");
    assert_eq!(finals[0].entry.product_ids, vec![id.to_string()]);
    assert_eq!(finals[0].request_seq, Some(records[0].seq));
    assert_eq!(records[0].monitors, vec![monitor.id.clone()]);
    assert_eq!(finals[0].entry.operator, "noc-alice");

    cancel.cancel();
    running.await.unwrap();
}
