//! Contract tests of the STC adapter against its simulator: page-number paging edges, OAuth
//! token expiry and refresh, JSON:API error bodies, every native lifecycle status, ACTIVE ↔
//! SUSPENDED through orders to Completed and InError, and refusals that never reach the simulator.

mod support;

use cmo::backends::{BackendError, PageRequest};
use cmo::domain::{BucketLevel, Characteristic, MonitorState, Status};
use std::collections::BTreeMap;
use std::time::Duration;
use support::{business, foreign_iccid, list_all, pending, rig, settle};

#[tokio::test]
async fn page_numbers_cover_every_sim_once_and_end() {
    let r = rig("STC", 7, Duration::ZERO).await;
    let (all, pages) = list_all(r.backend.as_ref(), 3).await.expect("pages");
    assert_eq!((all.len(), pages), (7, 3), "3 + 3 + 1");
    let ids: std::collections::HashSet<_> = all.iter().map(|s| s.id.to_string()).collect();
    assert_eq!(ids.len(), 7);
    assert!(ids.iter().all(|i| i.starts_with("STC-")));
    // An exact multiple ends without an empty extra page.
    let (_, pages) = list_all(r.backend.as_ref(), 7).await.expect("one page");
    assert_eq!(pages, 1);
    // A cursor past the end is an empty last page.
    let past = r
        .backend
        .list_products(PageRequest {
            cursor: Some("50".into()),
            page_size: None,
        })
        .await
        .expect("past the end");
    assert!(past.items.is_empty() && past.next.is_none());
    assert_eq!(past.total, Some(7));
    let bad = r
        .backend
        .list_products(PageRequest {
            cursor: Some("x".into()),
            page_size: None,
        })
        .await
        .unwrap_err();
    assert_eq!(bad.exit_code(), 2, "{bad}");
}

#[tokio::test]
async fn an_empty_inventory_is_one_empty_page() {
    let r = rig("STC", 0, Duration::ZERO).await;
    let page = r
        .backend
        .list_products(PageRequest::default())
        .await
        .expect("page");
    assert!(page.items.is_empty() && page.next.is_none());
    assert_eq!(page.total, Some(0));
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_a_bad_secret_is_unauthorized() {
    let r = rig("STC", 5, Duration::ZERO).await;
    r.backend
        .list_products(PageRequest::default())
        .await
        .expect("first token");
    r.control().expire_tokens_now();
    let before = r.requests();
    r.backend
        .list_products(PageRequest::default())
        .await
        .expect("refreshed after the 401");
    // The 401, the new token, the retried page.
    assert_eq!(r.requests() - before, 3);

    let wrong = r.with_secret("not-the-secret");
    let e = wrong
        .list_products(PageRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Unauthorized { .. }), "{e:?}");
    assert!(
        e.to_string().contains("client authentication failed"),
        "{e}"
    );
    assert!(!e.to_string().contains("not-the-secret"), "secret leaked");
}

#[tokio::test]
async fn unknown_sims_are_not_found_and_every_native_state_maps() {
    let r = rig("STC", 300, Duration::ZERO).await;
    let foreign = foreign_iccid(&r).await;
    let e = r.backend.product(&foreign).await.unwrap_err();
    assert_eq!(e.exit_code(), 4, "{e}");
    assert!(e.to_string().contains(foreign.as_str()), "{e}");

    let (all, _) = list_all(r.backend.as_ref(), 500).await.expect("list");
    let seen: BTreeMap<String, Status> = all
        .iter()
        .map(|s| (s.status.native.clone(), s.status.status))
        .collect();
    let expected: BTreeMap<String, Status> = [
        ("TEST", Status::Created),
        ("INACTIVE", Status::PendingActive),
        ("ACTIVE", Status::Active),
        ("SUSPENDED", Status::Suspended),
        ("BLOCKED", Status::Blocked),
        ("CEASE", Status::PendingTerminate),
        ("TERMINATED", Status::Terminated),
    ]
    .into_iter()
    .map(|(n, s)| (n.to_string(), s))
    .collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn a_product_bundles_sim_connectivity_and_one_global_bucket() {
    let r = rig("STC", 20, Duration::ZERO).await;
    let page = r
        .backend
        .list_products(PageRequest::default())
        .await
        .expect("page");
    let p = r
        .backend
        .product(&business(&page.items[0]))
        .await
        .expect("product");
    let sim = p.sim_card.expect("SIM card");
    assert_eq!(Some(sim.iccid.clone()), page.items[0].iccid);
    assert!(sim.imsi.as_deref().is_some_and(|i| i.starts_with("42001")));
    let dc = p.data_connectivity.expect("data connectivity");
    assert_eq!(dc.network_provider.as_deref(), Some("stc"));
    assert!(dc.connectivity_type.is_some() && dc.communication_plan.is_some());
    assert!(!dc.apns.is_empty());
    assert!(dc.characteristics.iter().any(|c| c.name == "Static IP"));
    let usage = p.usage.expect("usage");
    assert_eq!(usage.buckets.len(), 1);
    assert_eq!(usage.buckets[0].level, BucketLevel::Global);
    assert!(p.terminal.is_none());
}

/// The first ACTIVE SIM whose plan is (or is not) the prepaid one.
async fn active_sim(r: &support::Rig, non_suspendable: bool) -> cmo::domain::BusinessId {
    let (all, _) = list_all(r.backend.as_ref(), 500).await.expect("list");
    for s in all.iter().filter(|s| s.status.status == Status::Active) {
        let dc = r
            .backend
            .data_connectivity(&business(s))
            .await
            .expect("connectivity");
        let plan = dc.communication_plan.unwrap_or_default();
        if (plan == cmo::sim::stc::PREPAID_PLAN) == non_suspendable {
            return business(s);
        }
    }
    panic!("no ACTIVE SIM with non_suspendable={non_suspendable}");
}

#[tokio::test]
async fn suspend_and_resume_complete_through_orders() {
    let r = rig("STC", 200, Duration::ZERO).await;
    let id = active_sim(&r, false).await;
    let m = pending(
        r.backend
            .change_sim_status(&id, Status::Active, Status::Suspended)
            .await
            .expect("accepted"),
    );
    assert!(m.id.starts_with("STC-ORD-"), "{}", m.id);
    assert_eq!(m.state, MonitorState::InProgress);
    assert_eq!(m.request, "status ACTIVE → SUSPENDED");
    let done = settle(r.backend.as_ref(), &m).await;
    assert_eq!(done.state, MonitorState::Completed);
    let sim = r.backend.sim_card(&id).await.expect("SIM");
    assert_eq!(
        (sim.status.status, sim.status.native.as_str()),
        (Status::Suspended, "SUSPENDED")
    );

    let back = pending(
        r.backend
            .change_sim_status(&id, Status::Suspended, Status::Active)
            .await
            .expect("accepted"),
    );
    assert_eq!(
        settle(r.backend.as_ref(), &back).await.state,
        MonitorState::Completed
    );
    let sim = r.backend.sim_card(&id).await.expect("SIM");
    assert_eq!(sim.status.status, Status::Active);
}

#[tokio::test]
async fn a_prepaid_suspension_is_rejected_with_the_reason() {
    let r = rig("STC", 200, Duration::ZERO).await;
    let id = active_sim(&r, true).await;
    let m = pending(
        r.backend
            .change_sim_status(&id, Status::Active, Status::Suspended)
            .await
            .expect("accepted"),
    );
    let done = settle(r.backend.as_ref(), &m).await;
    assert_eq!(done.state, MonitorState::InError);
    assert!(
        done.detail
            .as_deref()
            .is_some_and(|d| d.contains("PREPAID_SUSPENSION_NOT_ALLOWED")),
        "{done:?}"
    );
    let sim = r.backend.sim_card(&id).await.expect("SIM");
    assert_eq!(
        sim.status.status,
        Status::Active,
        "a failed change changes nothing"
    );
}

#[tokio::test]
async fn a_second_change_while_one_is_pending_is_a_conflict_with_the_carrier_reason() {
    let r = rig("STC", 200, Duration::from_secs(3600)).await;
    let id = active_sim(&r, false).await;
    let m = pending(
        r.backend
            .change_sim_status(&id, Status::Active, Status::Suspended)
            .await
            .expect("accepted"),
    );
    assert_eq!(
        r.backend.monitor(&m.id).await.expect("poll").state,
        MonitorState::InProgress
    );
    let e = r
        .backend
        .change_sim_status(&id, Status::Active, Status::Suspended)
        .await
        .unwrap_err();
    match &e {
        BackendError::Http { status, detail, .. } => {
            assert_eq!(*status, 409);
            assert!(detail.contains("is not finished"), "{detail}");
        }
        other => panic!("expected a 409, got {other:?}"),
    }
    let missing = r.backend.monitor("STC-ORD-999999").await.unwrap_err();
    assert_eq!(missing.exit_code(), 4, "{missing}");
    let foreign = r.backend.monitor("AIRLINQ-TXN00000001").await.unwrap_err();
    assert_eq!(foreign.exit_code(), 2, "{foreign}");
}

#[tokio::test]
async fn refused_operations_exit_3_without_reaching_the_simulator() {
    let r = rig("STC", 10, Duration::ZERO).await;
    let page = r
        .backend
        .list_products(PageRequest::default())
        .await
        .expect("page");
    let id = business(&page.items[0]);
    let before = r.requests();
    let errors = [
        r.backend.terminal(&id).await.map(|_| ()).unwrap_err(),
        r.backend
            .update_characteristics(&id, &[Characteristic::new("label", "x")])
            .await
            .map(|_| ())
            .unwrap_err(),
        r.backend
            .cancel_monitor("STC-ORD-000001")
            .await
            .map(|_| ())
            .unwrap_err(),
        r.backend
            .change_sim_status(&id, Status::Active, Status::Terminated)
            .await
            .map(|_| ())
            .unwrap_err(),
        r.backend
            .change_sim_status(&id, Status::Created, Status::Active)
            .await
            .map(|_| ())
            .unwrap_err(),
        r.backend
            .change_terminal_status(&id, Status::Active, Status::Suspended)
            .await
            .map(|_| ())
            .unwrap_err(),
    ];
    for e in &errors {
        assert_eq!(e.exit_code(), 3, "{e}");
    }
    assert_eq!(r.requests(), before, "no request reached the simulator");
}
