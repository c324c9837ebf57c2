//! The adapters of AIRLINQ and STC — cellular-only, addressed by ICCID, status changes as
//! asynchronous carrier requests (transactions, orders) — differ only in data: one set of
//! contract tests runs over both against their simulators (paging edges, an empty inventory,
//! every native lifecycle status, the product bundle, ACTIVE ↔ SUSPENDED to Completed and
//! InError, a conflicting second change, refusals that never reach the simulator). What is
//! peculiar — how each authenticates — stays in tests/airlinq_adapter.rs and tests/stc_adapter.rs.

mod support;

use cmo::backends::{BackendError, PageRequest};
use cmo::domain::{BucketLevel, Characteristic, MonitorState, Status};
use std::collections::BTreeMap;
use std::time::Duration;
use support::{business, foreign_iccid, list_all, pending, rig, settle};

/// What differs between the two platforms: data only.
struct Platform {
    kind: &'static str,
    /// Every native lifecycle status the simulator uses and its normalized status.
    states: [(&'static str, Status); 7],
    imsi_prefix: &'static str,
    provider: &'static str,
    ip_characteristic: &'static str,
    /// The plan whose SIMs the carrier refuses to suspend.
    odd_plan: &'static str,
    monitor_prefix: &'static str,
    suspended_native: &'static str,
    rejected_reason: &'static str,
    conflict_reason: &'static str,
    missing_monitor: &'static str,
    /// A monitor id of the other platform.
    foreign_monitor: &'static str,
    sample_monitor: &'static str,
}

const PLATFORMS: [Platform; 2] = [
    Platform {
        kind: "AIRLINQ",
        states: [
            ("TEST", Status::Created),
            ("READY", Status::PendingActive),
            ("ACTIVE", Status::Active),
            ("SUSPEND", Status::Suspended),
            ("BLOCKED", Status::Blocked),
            ("CEASE", Status::PendingTerminate),
            ("TERMINATED", Status::Terminated),
        ],
        imsi_prefix: "405857",
        provider: "Jio",
        ip_characteristic: "IP address",
        odd_plan: cmo::sim::airlinq::NON_SUSPENDABLE_PLAN,
        monitor_prefix: "AIRLINQ-TXN",
        suspended_native: "SUSPEND",
        rejected_reason: "does not allow suspension",
        conflict_reason: "still being processed",
        missing_monitor: "AIRLINQ-TXN99999999",
        foreign_monitor: "STC-ORD-000001",
        sample_monitor: "AIRLINQ-TXN00000001",
    },
    Platform {
        kind: "STC",
        states: [
            ("TEST", Status::Created),
            ("INACTIVE", Status::PendingActive),
            ("ACTIVE", Status::Active),
            ("SUSPENDED", Status::Suspended),
            ("BLOCKED", Status::Blocked),
            ("CEASE", Status::PendingTerminate),
            ("TERMINATED", Status::Terminated),
        ],
        imsi_prefix: "42001",
        provider: "stc",
        ip_characteristic: "Static IP",
        odd_plan: cmo::sim::stc::PREPAID_PLAN,
        monitor_prefix: "STC-ORD-",
        suspended_native: "SUSPENDED",
        rejected_reason: "PREPAID_SUSPENSION_NOT_ALLOWED",
        conflict_reason: "is not finished",
        missing_monitor: "STC-ORD-999999",
        foreign_monitor: "AIRLINQ-TXN00000001",
        sample_monitor: "STC-ORD-000001",
    },
];

#[tokio::test]
async fn paging_covers_every_sim_once_and_ends() {
    for pl in &PLATFORMS {
        let r = rig(pl.kind, 7, Duration::ZERO).await;
        let (all, pages) = list_all(r.backend.as_ref(), 3).await.expect("pages");
        assert_eq!((all.len(), pages), (7, 3), "3 + 3 + 1");
        let ids: std::collections::HashSet<_> = all.iter().map(|s| s.id.to_string()).collect();
        assert_eq!(ids.len(), 7);
        assert!(ids.iter().all(|i| i.starts_with(&format!("{}-", pl.kind))));
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
}

#[tokio::test]
async fn an_empty_inventory_is_one_empty_page() {
    for pl in &PLATFORMS {
        let r = rig(pl.kind, 0, Duration::ZERO).await;
        let page = r
            .backend
            .list_products(PageRequest::default())
            .await
            .expect("page");
        assert!(page.items.is_empty() && page.next.is_none());
        assert_eq!(page.total, Some(0));
    }
}

#[tokio::test]
async fn unknown_sims_are_not_found_and_every_native_state_maps() {
    for pl in &PLATFORMS {
        let r = rig(pl.kind, 300, Duration::ZERO).await;
        let foreign = foreign_iccid(&r).await;
        let e = r.backend.product(&foreign).await.unwrap_err();
        assert_eq!(e.exit_code(), 4, "{e}");
        assert!(e.to_string().contains(foreign.as_str()), "{e}");

        let (all, _) = list_all(r.backend.as_ref(), 500).await.expect("list");
        let seen: BTreeMap<String, Status> = all
            .iter()
            .map(|s| (s.status.native.clone(), s.status.status))
            .collect();
        let expected: BTreeMap<String, Status> =
            pl.states.iter().map(|(n, s)| (n.to_string(), *s)).collect();
        assert_eq!(seen, expected);
    }
}

#[tokio::test]
async fn a_product_bundles_sim_connectivity_and_one_global_bucket() {
    for pl in &PLATFORMS {
        let r = rig(pl.kind, 20, Duration::ZERO).await;
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
        assert!(
            sim.imsi
                .as_deref()
                .is_some_and(|i| i.starts_with(pl.imsi_prefix))
        );
        let dc = p.data_connectivity.expect("data connectivity");
        assert_eq!(dc.network_provider.as_deref(), Some(pl.provider));
        assert!(dc.connectivity_type.is_some() && dc.communication_plan.is_some());
        assert!(!dc.apns.is_empty());
        assert!(
            dc.characteristics
                .iter()
                .any(|c| c.name == pl.ip_characteristic)
        );
        let usage = p.usage.expect("usage");
        assert_eq!(usage.buckets.len(), 1);
        assert_eq!(usage.buckets[0].level, BucketLevel::Global);
        assert!(p.terminal.is_none());
    }
}

/// The first ACTIVE SIM whose plan is (or is not) the one that cannot be suspended.
async fn active_sim(
    r: &support::Rig,
    pl: &Platform,
    non_suspendable: bool,
) -> cmo::domain::BusinessId {
    let (all, _) = list_all(r.backend.as_ref(), 500).await.expect("list");
    for s in all.iter().filter(|s| s.status.status == Status::Active) {
        let dc = r
            .backend
            .data_connectivity(&business(s))
            .await
            .expect("connectivity");
        let plan = dc.communication_plan.unwrap_or_default();
        if (plan == pl.odd_plan) == non_suspendable {
            return business(s);
        }
    }
    panic!("no ACTIVE SIM with non_suspendable={non_suspendable}");
}

#[tokio::test]
async fn suspend_and_resume_complete_through_asynchronous_requests() {
    for pl in &PLATFORMS {
        let r = rig(pl.kind, 200, Duration::ZERO).await;
        let id = active_sim(&r, pl, false).await;
        let m = pending(
            r.backend
                .change_sim_status(&id, Status::Active, Status::Suspended)
                .await
                .expect("accepted"),
        );
        assert!(m.id.starts_with(pl.monitor_prefix), "{}", m.id);
        assert_eq!(m.state, MonitorState::InProgress);
        assert_eq!(m.request, "status ACTIVE → SUSPENDED");
        let done = settle(r.backend.as_ref(), &m).await;
        assert_eq!(done.state, MonitorState::Completed);
        let sim = r.backend.sim_card(&id).await.expect("SIM");
        assert_eq!(
            (sim.status.status, sim.status.native.as_str()),
            (Status::Suspended, pl.suspended_native)
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
}

#[tokio::test]
async fn a_suspension_the_plan_forbids_ends_in_error_with_the_reason() {
    for pl in &PLATFORMS {
        let r = rig(pl.kind, 200, Duration::ZERO).await;
        let id = active_sim(&r, pl, true).await;
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
                .is_some_and(|d| d.contains(pl.rejected_reason)),
            "{done:?}"
        );
        let sim = r.backend.sim_card(&id).await.expect("SIM");
        assert_eq!(
            sim.status.status,
            Status::Active,
            "a failed change changes nothing"
        );
    }
}

#[tokio::test]
async fn a_second_change_while_one_is_pending_is_a_conflict_with_the_carrier_reason() {
    for pl in &PLATFORMS {
        let r = rig(pl.kind, 200, Duration::from_secs(3600)).await;
        let id = active_sim(&r, pl, false).await;
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
                assert!(detail.contains(pl.conflict_reason), "{detail}");
            }
            other => panic!("expected a 409, got {other:?}"),
        }
        let missing = r.backend.monitor(pl.missing_monitor).await.unwrap_err();
        assert_eq!(missing.exit_code(), 4, "{missing}");
        let foreign = r.backend.monitor(pl.foreign_monitor).await.unwrap_err();
        assert_eq!(foreign.exit_code(), 2, "{foreign}");
    }
}

#[tokio::test]
async fn refused_operations_exit_3_without_reaching_the_simulator() {
    for pl in &PLATFORMS {
        let r = rig(pl.kind, 10, Duration::ZERO).await;
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
                .cancel_monitor(pl.sample_monitor)
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
}
