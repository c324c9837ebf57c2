//! Where custom attributes live when a CMO account is configured: on the CMO server for the
//! products it holds, in the local store for everything else — through the gate, next to an
//! in-memory direct account. Included by tests/cmo_attrs.rs (the CMO simulator as the
//! server) and tests/serve_contract.rs (`cmo serve`); each defines `crate::target()`.

use crate::cmo_target::{TENANT_NAME as TENANT, Target};
use cmo::backends::cmo::{ClientAuth, CmoBackend};
use cmo::backends::memory::MemoryBackend;
use cmo::backends::{Backend, Guarded, PageRequest};
use cmo::domain::{BackendKind, CustomAttribute, ProductId};
use cmo::engine::{Engine, Gate, GateError};
use cmo::store::{Operator, StoreHandle};
use std::sync::Arc;

async fn sims() -> Target {
    crate::target().await
}

fn cmo(h: &Target, secret: Option<&str>) -> Arc<CmoBackend> {
    h.adapter_with(ClientAuth::Form, false, secret)
}

fn guarded(b: Arc<dyn Backend>) -> Arc<dyn Backend> {
    Arc::new(Guarded::new(b))
}

/// A direct JASPER account (in memory) and the CMO tenant, in that order.
async fn gate(h: &Target, secret: Option<&str>, store: &StoreHandle) -> (Gate, Arc<MemoryBackend>) {
    let direct = Arc::new(MemoryBackend::generate(
        "jasper-direct",
        BackendKind::Jasper,
        4,
    ));
    let engine = Engine::new(vec![guarded(direct.clone()), guarded(cmo(h, secret))]);
    let operator = Operator::from_vars(Some("noc-alice"), None, None);
    (Gate::new(engine, store.clone(), operator), direct)
}

/// A JASPER product of the CMO tenant (not of the direct account).
async fn tenant_jasper(h: &Target) -> ProductId {
    let page = cmo(h, None)
        .list_products(PageRequest {
            cursor: None,
            page_size: Some(100),
        })
        .await
        .expect("tenant lists");
    page.items
        .into_iter()
        .find(|s| s.id.kind == BackendKind::Jasper)
        .expect("the tenant has a JASPER SIM")
        .id
}

async fn direct_product(direct: &MemoryBackend) -> ProductId {
    direct
        .list_products(PageRequest::default())
        .await
        .unwrap()
        .items[0]
        .id
        .clone()
}

fn attr(name: &str, value: &str) -> CustomAttribute {
    CustomAttribute::new(name, value).unwrap()
}

#[tokio::test]
async fn a_cmo_held_product_keeps_its_attributes_on_the_server() {
    let h = sims().await;
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
    let (gate, _direct) = gate(&h, None, &store).await;
    let id = tenant_jasper(&h).await;

    gate.attrs_set(&id, "site", "pier 4").await.unwrap();
    let change = gate.attrs_set(&id, "site", "pier 5").await.unwrap();
    assert_eq!(change.before, Some(attr("site", "pier 4")));
    gate.attrs_set(&id, "owner", "noc-2").await.unwrap();
    let (listed, stored_on) = gate.attrs_list_at(&id, None).await.unwrap();
    assert_eq!(listed, [attr("site", "pier 5"), attr("owner", "noc-2")]);
    assert_eq!(stored_on.as_deref(), Some(TENANT));

    // On the server, seen by any other client of the tenant; nothing in the local store.
    let seen = cmo(&h, None).product(&id.business()).await.unwrap().custom;
    assert_eq!(seen, listed);
    assert!(store.attrs_list(&id, None).await.unwrap().is_empty());

    // Rename keeps the value and the position; onto a taken name it is refused, nothing sent.
    let e = gate.attrs_rename(&id, "site", "owner").await.unwrap_err();
    assert_eq!(e.exit_code(), 2, "{e}");
    let renamed = gate.attrs_rename(&id, "site", "location").await.unwrap();
    assert_eq!(renamed.after, Some(attr("location", "pier 5")));
    assert_eq!(
        gate.attrs_list(&id, None).await.unwrap(),
        [attr("location", "pier 5"), attr("owner", "noc-2")]
    );
    assert_eq!(
        gate.attrs_list(&id, Some("owner")).await.unwrap(),
        [attr("owner", "noc-2")]
    );
    assert_eq!(
        gate.attrs_list(&id, Some("site"))
            .await
            .unwrap_err()
            .exit_code(),
        4
    );

    gate.attrs_delete(&id, "owner").await.unwrap();
    assert_eq!(
        gate.attrs_delete(&id, "owner")
            .await
            .unwrap_err()
            .exit_code(),
        4
    );
    assert_eq!(
        cmo(&h, None).product(&id.business()).await.unwrap().custom,
        [attr("location", "pier 5")]
    );
    // Validation happens before anything is sent, with the store's own error.
    assert_eq!(
        gate.attrs_set(&id, " ", "x").await.unwrap_err().exit_code(),
        2
    );

    // Every attempt is journaled, server-side successes naming the account.
    let audit = store.audit_since(None).await.unwrap();
    assert_eq!(audit.len(), 8, "{audit:#?}");
    assert_eq!(audit[0].result, format!("ok (stored on {TENANT})"));
    assert_eq!(audit[0].after.as_deref(), Some("site=pier 4"));
    assert!(audit.iter().all(|e| e.product_ids == [id.to_string()]));
    assert_eq!(
        audit.iter().filter(|e| e.result.starts_with("ok")).count(),
        5
    );
}

#[tokio::test]
async fn a_direct_product_keeps_its_attributes_locally_next_to_a_cmo_account() {
    let h = sims().await;
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
    let (gate, direct) = gate(&h, None, &store).await;
    let id = direct_product(&direct).await;

    gate.attrs_set(&id, "site", "Kiel").await.unwrap();
    let (listed, stored_on) = gate.attrs_list_at(&id, None).await.unwrap();
    assert_eq!(listed, [attr("site", "Kiel")]);
    assert_eq!(stored_on, None);
    assert_eq!(store.attrs_list(&id, None).await.unwrap(), listed);
    let audit = store.audit_since(None).await.unwrap();
    assert_eq!(audit[0].result, "ok");
}

#[tokio::test]
async fn with_only_cmo_accounts_an_unknown_product_is_not_found_and_nothing_is_stored() {
    let h = sims().await;
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
    let engine = Engine::new(vec![guarded(cmo(&h, None))]);
    let gate = Gate::new(engine, store.clone(), Operator::from_vars(None, None, None));
    let id: ProductId = "JASPER-8901260000000000008".parse().unwrap();

    let e = gate.attrs_set(&id, "site", "Kiel").await.unwrap_err();
    assert_eq!(e.exit_code(), 4, "{e}");
    assert!(store.attrs_list(&id, None).await.unwrap().is_empty());
    let audit = store.audit_since(None).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert!(audit[0].result.starts_with("failed"), "{}", audit[0].result);
}

#[tokio::test]
async fn a_cmo_account_that_cannot_answer_stops_the_edit_instead_of_guessing_local() {
    let h = sims().await;
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
    let (gate, direct) = gate(&h, Some("not-the-secret"), &store).await;
    let id = direct_product(&direct).await;

    let e = gate.attrs_set(&id, "site", "Kiel").await.unwrap_err();
    assert!(matches!(e, GateError::Backend(_)), "{e}");
    assert!(!e.to_string().contains("not-the-secret"), "{e}");
    assert!(store.attrs_list(&id, None).await.unwrap().is_empty());

    // Read-only refuses before anything is asked, so it answers the same with the tenant down.
    let e = gate
        .clone()
        .with_read_only(true)
        .attrs_delete(&id, "site")
        .await
        .unwrap_err();
    assert!(matches!(e, GateError::ReadOnly { .. }), "{e}");
}
