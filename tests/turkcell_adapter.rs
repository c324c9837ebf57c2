//! Contract tests of the TURKCELL adapter against its simulator: cursor paging edges, session
//! expiry and re-login, `result` envelope errors, every class of contract status × barring flags,
//! the flags in the SIM card details, and refusals (status change ✖, monitors ✖) that never
//! reach the simulator.

mod support;

use cmo::backends::{BackendError, PageRequest};
use cmo::domain::{BucketLevel, Characteristic, Status};
use std::collections::BTreeSet;
use std::time::Duration;
use support::{business, foreign_iccid, list_all, rig};

const FLAG_NAMES: [&str; 5] = [
    "In SMS barred",
    "Out SMS barred",
    "In calls barred",
    "Out calls barred",
    "Data barred",
];

#[tokio::test]
async fn cursor_paging_covers_every_line_once_and_ends_with_a_null_cursor() {
    let r = rig("TURKCELL", 7, Duration::ZERO).await;
    let (all, pages) = list_all(r.backend.as_ref(), 3).await.expect("pages");
    assert_eq!((all.len(), pages), (7, 3));
    let ids: BTreeSet<_> = all.iter().map(|s| s.id.to_string()).collect();
    assert_eq!(ids.len(), 7);
    assert!(ids.iter().all(|i| i.starts_with("TURKCELL-")));
    let (_, pages) = list_all(r.backend.as_ref(), 7).await.expect("one page");
    assert_eq!(pages, 1, "no empty page after an exact fit");
    let e = r
        .backend
        .list_products(PageRequest {
            cursor: Some("not-a-cursor".into()),
            page_size: None,
        })
        .await
        .unwrap_err();
    match &e {
        BackendError::Http { status, detail, .. } => {
            assert_eq!(*status, 400);
            assert_eq!(detail, "cursor is not valid");
        }
        other => panic!("expected a 400, got {other:?}"),
    }
}

#[tokio::test]
async fn an_empty_inventory_is_one_empty_page() {
    let r = rig("TURKCELL", 0, Duration::ZERO).await;
    let page = r
        .backend
        .list_products(PageRequest::default())
        .await
        .expect("page");
    assert!(page.items.is_empty() && page.next.is_none());
}

#[tokio::test]
async fn an_expired_session_logs_in_again_and_a_wrong_password_is_unauthorized() {
    let r = rig("TURKCELL", 5, Duration::ZERO).await;
    r.backend
        .list_products(PageRequest::default())
        .await
        .expect("first session");
    r.control().expire_tokens_now();
    let before = r.requests();
    r.backend
        .list_products(PageRequest::default())
        .await
        .expect("new session after the 401");
    assert_eq!(r.requests() - before, 3, "401, login, retried page");

    let wrong = r.with_secret("Tc!wrong-password");
    let e = wrong
        .list_products(PageRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Unauthorized { .. }), "{e:?}");
    assert!(
        e.to_string().contains("user name or password is wrong"),
        "{e}"
    );
    assert!(!e.to_string().contains("wrong-password"), "password leaked");
}

/// The flags encoded in a native composite `a (NNYNN)`.
fn flags_of(native: &str) -> (String, Vec<bool>) {
    let (contract, rest) = native.split_once(" (").expect("composite native");
    let flags = rest
        .trim_end_matches(')')
        .chars()
        .map(|c| c == 'Y')
        .collect();
    (contract.to_string(), flags)
}

#[tokio::test]
async fn every_class_of_contract_status_and_barrings_maps_as_the_seed_says() {
    let r = rig("TURKCELL", 1000, Duration::ZERO).await;
    let (all, _) = list_all(r.backend.as_ref(), 250).await.expect("list");
    assert_eq!(all.len(), 1000);
    let mut classes = BTreeSet::new();
    for s in &all {
        let (contract, flags) = flags_of(&s.status.native);
        assert_eq!(flags.len(), 5);
        let barred: Vec<usize> = (0..5).filter(|i| flags[*i]).collect();
        let expected = match contract.as_str() {
            "a" if barred.is_empty() => Status::Active,
            "a" => Status::Suspended,
            "d" => Status::Terminated,
            _ => Status::Unknown,
        };
        assert_eq!(s.status.status, expected, "{}", s.status.native);
        let class = match (contract.as_str(), barred.as_slice()) {
            ("a", []) => "a, clear".to_string(),
            ("a", [one]) => format!("a, only {}", FLAG_NAMES[*one]),
            ("a", _) => "a, several barred".to_string(),
            ("d", []) => "d, clear".to_string(),
            ("d", _) => "d, barred".to_string(),
            (other, _) => format!("{other}, any"),
        };
        classes.insert(class);
    }
    let mut expected: BTreeSet<String> = [
        "a, clear",
        "a, several barred",
        "d, clear",
        "d, barred",
        "i, any",
    ]
    .iter()
    .map(|c| c.to_string())
    .collect();
    expected.extend(FLAG_NAMES.iter().map(|f| format!("a, only {f}")));
    assert_eq!(classes, expected);
}

#[tokio::test]
async fn the_sim_card_shows_the_contract_status_and_the_five_flags() {
    let r = rig("TURKCELL", 200, Duration::ZERO).await;
    let (all, _) = list_all(r.backend.as_ref(), 250).await.expect("list");
    let barred = all
        .iter()
        .find(|s| s.status.status == Status::Suspended)
        .expect("a barred line");
    let p = r.backend.product(&business(barred)).await.expect("product");
    let sim = p.sim_card.expect("SIM card");
    assert_eq!(sim.status, barred.status);
    let (contract, flags) = flags_of(&barred.status.native);
    assert!(
        sim.characteristics
            .contains(&Characteristic::new("Contract status", contract))
    );
    for (name, on) in FLAG_NAMES.iter().zip(flags) {
        let shown = Characteristic::new(*name, if on { "Y" } else { "N" });
        assert!(sim.characteristics.contains(&shown), "{shown:?}");
    }
    let dc = p.data_connectivity.expect("data connectivity");
    assert_eq!(dc.network_provider.as_deref(), Some("Turkcell"));
    assert!(dc.communication_plan.is_some() && !dc.apns.is_empty());
    let usage = p.usage.expect("usage");
    assert_eq!(usage.buckets.len(), 1);
    assert_eq!(usage.buckets[0].level, BucketLevel::Global);
    let direct = r.backend.usage(&business(barred)).await.expect("usage");
    assert_eq!(direct, usage, "usage alone matches the bundle's");

    let foreign = foreign_iccid(&r).await;
    let e = r.backend.sim_card(&foreign).await.unwrap_err();
    assert_eq!(e.exit_code(), 4, "{e}");
}

#[tokio::test]
async fn status_changes_and_monitors_are_refused_without_a_request() {
    let r = rig("TURKCELL", 10, Duration::ZERO).await;
    let page = r
        .backend
        .list_products(PageRequest::default())
        .await
        .expect("page");
    let id = business(&page.items[0]);
    let before = r.requests();
    let errors = [
        r.backend
            .change_sim_status(&id, Status::Active, Status::Suspended)
            .await
            .map(|_| ())
            .unwrap_err(),
        r.backend
            .change_sim_status(&id, Status::Suspended, Status::Active)
            .await
            .map(|_| ())
            .unwrap_err(),
        r.backend
            .monitor("TURKCELL-1")
            .await
            .map(|_| ())
            .unwrap_err(),
        r.backend
            .cancel_monitor("TURKCELL-1")
            .await
            .map(|_| ())
            .unwrap_err(),
        r.backend
            .update_characteristics(&id, &[Characteristic::new("label", "x")])
            .await
            .map(|_| ())
            .unwrap_err(),
        r.backend.terminal(&id).await.map(|_| ()).unwrap_err(),
    ];
    for e in &errors {
        assert_eq!(e.exit_code(), 3, "{e}");
    }
    assert!(
        matches!(errors[0], BackendError::NotSupported { .. }),
        "docs/capabilities.md decision 1: {:?}",
        errors[0]
    );
    assert_eq!(r.requests(), before, "no request reached the simulator");
}
