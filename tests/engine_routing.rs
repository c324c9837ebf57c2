//! Engine routing and the capability guard over the in-memory test double.

use cmo::backends::memory::MemoryBackend;
use cmo::backends::{Backend, BackendError, ChangeOutcome, Guarded};
use cmo::domain::{BackendKind, ProductId, Status};
use cmo::engine::{Engine, Gate, GateError};
use cmo::store::{Operator, StoreHandle};
use std::sync::Arc;

fn engine_with(backends: Vec<Arc<MemoryBackend>>) -> Engine {
    Engine::new(
        backends
            .into_iter()
            .map(|b| Arc::new(Guarded::new(b as Arc<dyn Backend>)) as Arc<dyn Backend>)
            .collect(),
    )
}

/// The gate over `engine`, with a store in a temporary directory (kept while the test runs).
async fn gate_over(engine: Engine) -> (Gate, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
    let operator = Operator::from_vars(Some("noc-test"), None, None);
    (Gate::new(engine, store, operator), dir)
}

#[tokio::test]
async fn lists_every_backend_in_full_and_routes_by_product_id() {
    let a = Arc::new(MemoryBackend::generate(
        "onence-a",
        BackendKind::OneNce,
        120,
    ));
    let b = Arc::new(MemoryBackend::generate("sat", BackendKind::Intelsat, 7));
    let engine = engine_with(vec![a.clone(), b.clone()]);
    let lists = engine.list_all(None).await.unwrap();
    let counts: Vec<_> = lists
        .iter()
        .map(|(acc, r)| (acc.name.clone(), r.as_ref().unwrap().len()))
        .collect();
    assert_eq!(
        counts,
        vec![("onence-a".to_string(), 120), ("sat".to_string(), 7)]
    );

    let id: ProductId = "1NCE-8988228066000000005".parse().unwrap();
    let p = engine.product(&id).await.unwrap();
    assert_eq!(p.summary.id, id);

    let missing: ProductId = "1NCE-8988228066999999999".parse().unwrap();
    let err = engine.product(&missing).await.unwrap_err();
    assert_eq!(err.exit_code(), 4, "{err}");
}

#[tokio::test]
async fn backend_filter_takes_a_name_or_a_kind_and_names_bad_values() {
    let engine = engine_with(vec![
        Arc::new(MemoryBackend::generate("onence-a", BackendKind::OneNce, 3)),
        Arc::new(MemoryBackend::generate("onence-b", BackendKind::OneNce, 3)),
    ]);
    assert_eq!(engine.select(Some("onence-b")).unwrap().len(), 1);
    assert_eq!(engine.select(Some("1NCE")).unwrap().len(), 2);
    let err = engine.select(Some("TMSP")).err().unwrap();
    assert!(err.to_string().contains("no backend of kind TMSP"), "{err}");
    let err = engine.select(Some("nope")).err().unwrap();
    assert!(err.to_string().contains("'nope'"), "{err}");
}

#[tokio::test]
async fn refused_operations_never_reach_the_backend() {
    let inner = Arc::new(MemoryBackend::generate("onence", BackendKind::OneNce, 4));
    let engine = engine_with(vec![inner.clone()]);
    let id: ProductId = "1NCE-8988228066000000000".parse().unwrap();
    let before = inner.calls();
    let err = engine.terminal(&id).await.unwrap_err();
    assert!(matches!(err, BackendError::NotSupported { .. }));
    assert_eq!(err.to_string(), "terminal_details is not supported by 1NCE");
    assert_eq!(err.exit_code(), 3);
    assert_eq!(
        inner.calls(),
        before,
        "a ✖ operation must not reach the adapter"
    );

    // A platform whose status changes are ✖ is refused before even the current status is
    // read: no request at all (TURKCELL SIMs, GALAXY1 terminals). Changes go through the
    // gate, the only way to make one.
    for kind in [BackendKind::Turkcell, BackendKind::Galaxy1] {
        let inner = Arc::new(MemoryBackend::generate("x", kind, 2));
        let engine = engine_with(vec![inner.clone()]);
        let rows = engine.list_all(None).await.unwrap().remove(0).1.unwrap();
        let (gate, _dir) = gate_over(engine).await;
        let before = inner.calls();
        let err = gate
            .change_status(&rows[0].id, Status::Suspended)
            .await
            .unwrap_err();
        assert!(
            matches!(err, GateError::Backend(BackendError::NotSupported { .. })),
            "{kind}: {err}"
        );
        assert_eq!(inner.calls(), before, "{kind}");
    }

    // ACTIVE → BLOCKED is TMSP-only: refused for 1NCE after reading the current status.
    let (gate, _dir) = gate_over(engine.clone()).await;
    let err = gate.change_status(&id, Status::Blocked).await.unwrap_err();
    assert!(
        matches!(
            err,
            GateError::Backend(BackendError::TransitionNotAllowed { .. })
        ),
        "{err}"
    );
    assert_eq!(err.exit_code(), 3);

    let out = gate.change_status(&id, Status::Suspended).await.unwrap();
    assert_eq!(
        out,
        ChangeOutcome::Done {
            status: Some(Status::Suspended)
        }
    );
    let p = engine.product(&id).await.unwrap();
    assert_eq!(p.summary.status.status, Status::Suspended);
}

#[tokio::test]
async fn batches_stay_within_one_account_and_report_per_product() {
    let a = Arc::new(MemoryBackend::generate("onence-a", BackendKind::OneNce, 5));
    let sat = Arc::new(MemoryBackend::generate("sat", BackendKind::Intelsat, 3));
    let (gate, _dir) = gate_over(engine_with(vec![a.clone(), sat.clone()])).await;
    let ids: Vec<ProductId> = (0..3)
        .map(|i| format!("1NCE-89882280660000000{i:02}").parse().unwrap())
        .collect();
    let items = gate.batch_status(&ids, Status::Suspended).await.unwrap();
    assert_eq!(items.len(), 3);
    // Rows 0 and 1 are ACTIVE and may be suspended; row 2 is already SUSPENDED: unchanged,
    // not sent and not an error.
    assert!(items[0].result.is_ok() && items[1].result.is_ok());
    assert!(!items[0].unchanged && !items[1].unchanged);
    assert!(items[2].result.is_ok() && items[2].unchanged);

    let mixed: Vec<ProductId> = vec![ids[0].clone(), "INTELSAT-27000".parse().unwrap()];
    let calls_before = (a.calls(), sat.calls());
    let err = gate.batch_status(&mixed, Status::Active).await.unwrap_err();
    assert!(err.to_string().contains("one backend account"), "{err}");
    assert_eq!((a.calls(), sat.calls()), calls_before, "nothing sent");

    let gate = gate.with_max_batch(2);
    let err = gate.batch_status(&ids, Status::Active).await.unwrap_err();
    assert!(err.to_string().contains("maximum is 2"), "{err}");
}

#[tokio::test]
async fn a_batch_across_two_accounts_of_one_kind_is_refused_before_any_change() {
    let a = Arc::new(MemoryBackend::generate("onence-a", BackendKind::OneNce, 2));
    // A second account whose ICCIDs differ from the first's.
    let b = Arc::new(MemoryBackend::generate("onence-b", BackendKind::OneNce, 4));
    let engine = engine_with(vec![a.clone(), b.clone()]);
    let (gate, _dir) = gate_over(engine.clone()).await;
    // Index 3 exists only on account b; index 0 is found on a first.
    let ids: Vec<ProductId> = vec![
        "1NCE-8988228066000000000".parse().unwrap(),
        "1NCE-8988228066000000003".parse().unwrap(),
    ];
    let err = gate
        .batch_status(&ids, Status::Suspended)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("onence-b"), "{err}");
    for id in &ids {
        assert_eq!(
            engine.product(id).await.unwrap().summary.status.status,
            Status::Active
        );
    }
}
