//! The CMO adapter's contract: paging, auth, bundles and subproducts, changes and monitors,
//! refusals and custom properties. Included by tests/cmo_adapter.rs (against the CMO
//! simulator) and tests/serve_contract.rs (against `cmo serve`); each defines
//! `crate::target()`. Async changes use a zero `async_delay` (settled on the next request);
//! polls are bounded loops, never timed.

use crate::cmo_target::{TENANT_NAME, Target};
use cmo::backends::cmo::ClientAuth;
use cmo::backends::{Backend, BackendError, ChangeOutcome, Guarded, PageRequest};
use cmo::domain::{
    BackendKind, BusinessId, ConnectivityType, CustomAttribute, MonitorState, ProductId,
    ProductSummary, Status,
};
use cmo::engine::{Engine, Gate, GateError};
use cmo::store::{Operator, StoreHandle};
use std::collections::HashSet;
use std::sync::Arc;

async fn target() -> Target {
    crate::target().await
}

async fn all(b: &dyn Backend, page_size: u32) -> Vec<ProductSummary> {
    let mut out = Vec::new();
    let mut cursor = None;
    for _ in 0..1000 {
        let page = b
            .list_products(PageRequest {
                cursor,
                page_size: Some(page_size),
            })
            .await
            .expect("page");
        assert!(page.items.len() <= page_size as usize);
        out.extend(page.items);
        cursor = page.next;
        if cursor.is_none() {
            return out;
        }
    }
    panic!("paging never ended");
}

fn pick(items: &[ProductSummary], kind: BackendKind, status: Status) -> &ProductSummary {
    items
        .iter()
        .find(|s| s.id.kind == kind && s.status.status == status)
        .unwrap_or_else(|| panic!("no {kind} product in {status}"))
}

#[tokio::test]
async fn pages_cover_the_tenant_once_with_a_mix_of_platforms() {
    let t = target().await;
    let b = t.adapter(ClientAuth::Form, false);
    let items = all(b.as_ref(), 50).await;
    assert_eq!(items.len(), t.total);
    let ids: HashSet<String> = items.iter().map(|s| s.id.to_string()).collect();
    assert_eq!(ids.len(), t.total, "no duplicates across pages");
    let kinds: HashSet<BackendKind> = items.iter().map(|s| s.id.kind).collect();
    for k in [
        BackendKind::Tmsp,
        BackendKind::Jasper,
        BackendKind::OneNce,
        BackendKind::Intelsat,
    ] {
        assert!(kinds.contains(&k), "{k} missing");
    }
    assert!(items.iter().all(|s| s.related_party.name == TENANT_NAME));
    let sat = items
        .iter()
        .find(|s| s.connectivity == ConnectivityType::Satellite)
        .unwrap();
    assert!(sat.serial.is_some() && sat.iccid.is_none());
    // Page size edges: 1 per page and an exact divisor both end cleanly.
    assert_eq!(all(b.as_ref(), 100).await.len(), t.total);
    let first = b
        .list_products(PageRequest {
            cursor: None,
            page_size: Some(1),
        })
        .await
        .unwrap();
    assert_eq!((first.items.len(), first.next.as_deref()), (1, Some("2")));
    let e = b
        .list_products(PageRequest {
            cursor: Some("0".into()),
            page_size: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.exit_code(), 2, "{e}");
}

#[tokio::test]
async fn basic_client_auth_and_token_expiry_refresh_once() {
    let t = target().await;
    let b = t.adapter(ClientAuth::Basic, false);
    let page = PageRequest {
        cursor: None,
        page_size: Some(5),
    };
    assert_eq!(b.list_products(page.clone()).await.unwrap().items.len(), 5);
    t.expire_tokens();
    let before = t.requests_total();
    assert_eq!(b.list_products(page).await.unwrap().items.len(), 5);
    // 401, one token request, the retried list.
    assert_eq!(t.requests_total() - before, 3);
}

#[tokio::test]
async fn bad_secret_is_unauthorized_without_leaking_it() {
    let t = target().await;
    let b = t.adapter_with(ClientAuth::Form, false, Some("wrong-secret-value"));
    let e = b.list_products(PageRequest::default()).await.unwrap_err();
    assert!(matches!(e, BackendError::Unauthorized { .. }), "{e}");
    assert!(!e.to_string().contains("wrong-secret-value"));
}

#[tokio::test]
async fn read_only_credentials_read_but_get_403_on_patch() {
    let t = target().await;
    let ro = t.adapter(ClientAuth::Form, true);
    let items = all(ro.as_ref(), 100).await;
    let p = pick(&items, BackendKind::Jasper, Status::Active);
    let e = ro
        .change_sim_status(&p.id.business(), Status::Active, Status::Suspended)
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Forbidden { .. }), "{e}");
    assert!(e.to_string().contains("ro%"), "{e}");
}

#[tokio::test]
async fn bundles_subproducts_usage_and_find_with_partial_errors() {
    let t = target().await;
    let b = t.adapter(ClientAuth::Form, false);
    let items = all(b.as_ref(), 100).await;
    let cell = pick(&items, BackendKind::Jasper, Status::Active);
    let sat = items
        .iter()
        .find(|s| s.id.kind == BackendKind::Intelsat)
        .unwrap();
    let product = b.product(&cell.id.business()).await.unwrap();
    assert_eq!(product.summary.id, cell.id);
    assert!(
        product
            .characteristics
            .iter()
            .any(|c| c.name == "SYSTEM" && c.value == "JASPER")
    );
    let sim = product.sim_card.clone().unwrap();
    assert_eq!(Some(sim.iccid.clone()), cell.iccid);
    assert!(product.data_connectivity.is_some() && product.terminal.is_none());
    assert_eq!(b.sim_card(&cell.id.business()).await.unwrap(), sim);
    assert_eq!(b.usage(&cell.id.business()).await.unwrap().buckets.len(), 1);
    let t = b.terminal(&sat.id.business()).await.unwrap();
    assert_eq!(Some(t.serial.clone()), sat.serial);
    assert!(t.latitude.is_some() && t.mobility_type.is_some());
    // A SIM subproduct of a satellite product does not exist.
    let e = b.sim_card(&sat.id.business()).await.unwrap_err();
    assert!(matches!(e, BackendError::NotFound { .. }), "{e}");

    let missing: BusinessId = BusinessId::Iccid("8907160000000000533".parse().unwrap());
    let ids = vec![cell.id.business(), sat.id.business(), missing.clone()];
    let (found, errors) = b.find(&ids).await.unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, missing);
    assert!(
        matches!(&errors[0].1, BackendError::NotFound { what, .. } if what.contains("8907160000000000533"))
    );
    let e = b.product(&missing).await.unwrap_err();
    assert_eq!(e.exit_code(), 4, "{e}");
}

#[tokio::test]
async fn hybrid_tmsp_usage_has_three_buckets() {
    let t = target().await;
    let b = t.adapter(ClientAuth::Form, false);
    let items = all(b.as_ref(), 100).await;
    let mut three = 0;
    for s in items.iter().filter(|s| s.id.kind == BackendKind::Tmsp) {
        if b.usage(&s.id.business()).await.unwrap().buckets.len() == 3 {
            three += 1;
        }
    }
    assert!(
        three > 0,
        "some TMSP products report cellular and satellite usage"
    );
}

#[tokio::test]
async fn sync_platform_answers_200_and_async_one_202_with_a_monitor() {
    let t = target().await;
    let b = Guarded::new(t.adapter(ClientAuth::Form, false));
    let items = all(&b, 100).await;
    let jasper = pick(&items, BackendKind::Jasper, Status::Active);
    let done = b
        .change_sim_status(&jasper.id.business(), Status::Active, Status::Suspended)
        .await
        .unwrap();
    assert_eq!(
        done,
        ChangeOutcome::Done {
            status: Some(Status::Suspended)
        }
    );

    let tmsp: Vec<_> = items
        .iter()
        .filter(|s| s.id.kind == BackendKind::Tmsp && s.status.status == Status::Active)
        .collect();
    let mut unlocked = None;
    for s in tmsp {
        if !t.refuses(&b, s, Status::Blocked).await {
            unlocked = Some(s);
            break;
        }
    }
    let tmsp = unlocked.expect("an unlocked active TMSP product");
    let ChangeOutcome::Pending(m) = b
        .change_sim_status(&tmsp.id.business(), Status::Active, Status::Blocked)
        .await
        .unwrap()
    else {
        panic!("TMSP via CMO is asynchronous");
    };
    assert!(m.id.starts_with("CMO-"), "{}", m.id);
    assert_eq!(m.kind, BackendKind::Cmo);
    assert_eq!(m.state, MonitorState::InProgress);
    let mut last = m.clone();
    for _ in 0..20 {
        last = b.monitor(&m.id).await.unwrap();
        if last.state.is_final() {
            break;
        }
    }
    assert_eq!(last.state, MonitorState::Completed);
    assert_eq!(
        last.product_id.as_ref().map(|p| p.to_string()),
        Some(tmsp.id.to_string())
    );
    let now = b.product(&tmsp.id.business()).await.unwrap();
    assert_eq!(now.summary.status.status, Status::Blocked);
    let e = b.monitor("CMO-0000-1").await.unwrap_err();
    assert!(matches!(e, BackendError::NotFound { .. }), "{e}");
}

#[tokio::test]
async fn a_platform_refusal_ends_the_monitor_in_error() {
    let t = target().await;
    let b = Guarded::new(t.adapter(ClientAuth::Form, false));
    let items = all(&b, 100).await;
    let mut locked = None;
    for s in items.iter().filter(|s| {
        matches!(
            s.id.kind,
            BackendKind::Tmsp | BackendKind::Airlinq | BackendKind::Stc
        ) && s.status.status == Status::Active
    }) {
        if t.refuses(&b, s, Status::Suspended).await {
            locked = Some(s);
            break;
        }
    }
    let s = locked.expect("the simulator locks some asynchronous SIMs");
    let ChangeOutcome::Pending(m) = b
        .change_sim_status(&s.id.business(), Status::Active, Status::Suspended)
        .await
        .unwrap()
    else {
        panic!("asynchronous platform");
    };
    let done = b.monitor(&m.id).await.unwrap();
    assert_eq!(done.state, MonitorState::InError);
    let detail = done.detail.unwrap_or_default();
    assert!(detail.contains(t.refusal_word()), "{detail}");
    let now = b.product(&s.id.business()).await.unwrap();
    assert_eq!(now.summary.status.status, Status::Active);
}

#[tokio::test]
async fn refused_transitions_name_the_underlying_platform_and_send_nothing() {
    let t = target().await;
    let b = Guarded::new(t.adapter(ClientAuth::Form, false));
    let items = all(&b, 100).await;
    let jasper = pick(&items, BackendKind::Jasper, Status::Active);
    let sat = items
        .iter()
        .find(|s| s.id.kind == BackendKind::Intelsat)
        .unwrap();
    b.product(&jasper.id.business()).await.unwrap(); // learns the product's platform
    b.product(&sat.id.business()).await.unwrap();
    let before = t.requests_total();
    let e = b
        .change_sim_status(&jasper.id.business(), Status::Active, Status::Blocked)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            BackendError::TransitionNotAllowed {
                kind: BackendKind::Jasper,
                from: Status::Active,
                to: Status::Blocked
            }
        ),
        "{e}"
    );
    assert_eq!(e.exit_code(), 3);
    let e = b
        .change_sim_status(&sat.id.business(), Status::Active, Status::Suspended)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            BackendError::NotSupported {
                kind: BackendKind::Intelsat,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(t.requests_total(), before, "no request was sent");
}

#[tokio::test]
async fn server_side_refusal_is_a_clear_error() {
    let t = target().await;
    let b = t.adapter(ClientAuth::Form, false);
    let items = all(b.as_ref(), 100).await;
    // The console believes the SIM is ACTIVE, but it is SUSPENDED on the platform.
    let p = pick(&items, BackendKind::OneNce, Status::Suspended);
    let e = b
        .change_sim_status(&p.id.business(), Status::Active, Status::Suspended)
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("refused the status change") && text.contains("not supported"),
        "{text}"
    );
}

#[tokio::test]
async fn custom_properties_round_trip_on_the_server() {
    let t = target().await;
    let b = Guarded::new(t.adapter(ClientAuth::Form, false));
    assert!(b.remote_attrs());
    let items = all(&b, 100).await;
    for s in [
        pick(&items, BackendKind::OneNce, Status::Active),
        items
            .iter()
            .find(|s| s.id.kind == BackendKind::Intelsat)
            .unwrap(),
    ] {
        let id = s.id.business();
        assert!(b.attrs_list(&id).await.unwrap().is_empty());
        let colour = CustomAttribute::new("MyFavoriteColour", "Blue").unwrap();
        assert_eq!(
            b.attrs_set(&id, &colour).await.unwrap(),
            vec![colour.clone()]
        );
        let green = CustomAttribute::new("MyFavoriteColour", "Green").unwrap();
        let site = CustomAttribute::new("site", "Hamburg Nord").unwrap();
        b.attrs_set(&id, &green).await.unwrap();
        assert_eq!(
            b.attrs_set(&id, &site).await.unwrap(),
            vec![green.clone(), site.clone()]
        );
        // Stored by the CMO: visible in the bundle read by another client.
        let other = t.adapter(ClientAuth::Basic, true);
        assert_eq!(
            other.product(&id).await.unwrap().custom,
            vec![green, site.clone()]
        );
        assert_eq!(
            b.attrs_delete(&id, "MyFavoriteColour").await.unwrap(),
            vec![site]
        );
        let e = b.attrs_delete(&id, "MyFavoriteColour").await.unwrap_err();
        assert!(matches!(e, BackendError::NotFound { .. }), "{e}");
    }
}

#[tokio::test]
async fn engine_routes_platform_ids_to_the_cmo_account() {
    let t = target().await;
    let b = t.adapter(ClientAuth::Form, false);
    let items = all(b.as_ref(), 100).await;
    let p = pick(&items, BackendKind::Jasper, Status::Active);
    let engine = Engine::new(vec![Arc::new(Guarded::new(b)) as Arc<dyn Backend>]);
    let id: ProductId = p.id.to_string().parse().unwrap();
    assert_eq!(engine.product(&id).await.unwrap().summary.id, id);
    // Changes go through the gate, the only way to make one.
    let dir = tempfile::tempdir().unwrap();
    let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
    let gate = Gate::new(
        engine,
        store,
        Operator::from_vars(Some("noc-test"), None, None),
    );
    let e = gate.change_status(&id, Status::Blocked).await.unwrap_err();
    assert!(
        matches!(
            e,
            GateError::Backend(BackendError::TransitionNotAllowed {
                kind: BackendKind::Jasper,
                ..
            })
        ),
        "{e}"
    );
    let done = gate.change_status(&id, Status::Suspended).await.unwrap();
    assert_eq!(
        done,
        ChangeOutcome::Done {
            status: Some(Status::Suspended)
        }
    );
}
