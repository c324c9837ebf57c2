//! Contract tests of the Control Center adapter (TMUS and JASPER) against the Control Center
//! simulator on loopback: paging edges, every native status normalized, the bundle, error
//! bodies, the 400/40000029 rate limit retried as a rate limit, every transition the seed allows
//! for each kind applied and visible on re-read, and every other one refused by `Guarded` with
//! exit code 3 before any request reaches the simulator.

use cmo::backends::{Backend, BackendError, ChangeOutcome, PageRequest, registry};
use cmo::config::Config;
use cmo::domain::capabilities::sim_transitions;
use cmo::domain::mapping::native_for;
use cmo::domain::usage::{Unit, UsageType};
use cmo::domain::{BackendKind, BucketLevel, BusinessId, Iccid, ProductSummary, Status};
use cmo::sim::{self, SimHandle, SimOptions, SimPlatform};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

struct Rig {
    sim: SimHandle,
    kind: &'static str,
    backend: Arc<dyn Backend>,
}

impl Rig {
    fn platform(&self) -> &SimPlatform {
        self.sim.platform(self.kind).expect("simulated platform")
    }

    fn requests(&self) -> u64 {
        self.platform().control.requests_total()
    }

    /// Put a SIM into a native state through the carrier API itself (test setup).
    async fn set_native(&self, iccid: &str, native: &str) {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let p = self.platform();
        let r = reqwest::Client::new()
            .put(format!("{}/devices/{iccid}", p.base_url))
            .basic_auth(&p.username, Some(&p.secret))
            .json(&serde_json::json!({ "status": native }))
            .send()
            .await
            .expect("PUT");
        assert!(r.status().is_success(), "setting {iccid} to {native}");
    }
}

/// A simulator of `size` SIMs per platform and a guarded backend of `kind` pointed at it.
async fn rig_with(kind: &'static str, size: usize, secret: Option<&str>, extra: &str) -> Rig {
    let sim = sim::start(SimOptions {
        size,
        seed: 11,
        ..SimOptions::default()
    })
    .await
    .expect("simulator starts");
    let p = sim.platform(kind).expect("simulated platform");
    let text = format!(
        "[[backend]]\nname = \"{}\"\nkind = \"{kind}\"\nbase_url = \"{}\"\naccount_id = \"{}\"\n{extra}\n[backend.auth]\nusername = \"{}\"\nsecret = \"{}\"\n",
        p.name,
        p.base_url,
        p.account_id,
        p.username,
        secret.unwrap_or(&p.secret)
    );
    let config = Config::from_toml_str(&text, "test").expect("config");
    let backend = registry::build(&config).expect("registry").remove(0);
    Rig { sim, kind, backend }
}

async fn rig(kind: &'static str, size: usize) -> Rig {
    rig_with(kind, size, None, "").await
}

async fn list_all(
    backend: &dyn Backend,
    page_size: u32,
) -> Result<Vec<ProductSummary>, BackendError> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = backend
            .list_products(PageRequest {
                cursor,
                page_size: Some(page_size),
            })
            .await?;
        all.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(all),
        }
    }
}

fn business(s: &ProductSummary) -> BusinessId {
    BusinessId::Iccid(
        s.iccid
            .as_deref()
            .expect("an ICCID")
            .parse::<Iccid>()
            .expect("valid ICCID"),
    )
}

#[tokio::test]
async fn lists_every_device_once_and_normalizes_every_native_status() {
    for kind in ["TMUS", "JASPER"] {
        let r = rig(kind, 300).await;
        let all = list_all(r.backend.as_ref(), 100).await.unwrap();
        // 300 devices at the carrier's maximum of 50 per page: exactly six requests.
        assert_eq!(r.requests(), 6);
        assert_eq!(all.len(), 300);
        let ids: HashSet<String> = all.iter().map(|s| s.id.to_string()).collect();
        assert_eq!(ids.len(), 300, "no device listed twice");
        let expected: HashMap<&str, Status> = [
            ("ACTIVATED", Status::Active),
            ("TEST_READY", Status::Active),
            ("ACTIVATION_READY", Status::PendingActive),
            ("DEACTIVATED", Status::Suspended),
            ("RETIRED", Status::PendingTerminate),
            ("PURGED", Status::Terminated),
            ("INVENTORY", Status::Inventory),
            ("REPLACED", Status::Unknown),
        ]
        .into();
        let mut seen = HashSet::new();
        for s in &all {
            assert!(s.id.to_string().starts_with(&format!("{kind}-89")));
            assert_eq!(s.related_party.id, r.platform().account_id);
            let want = expected.get(s.status.native.as_str()).copied();
            assert_eq!(Some(s.status.status), want, "{kind} {:?}", s.status);
            seen.insert(s.status.native.clone());
        }
        assert_eq!(seen.len(), expected.len(), "{kind}: {seen:?}");
    }
}

#[tokio::test]
async fn paging_edges_empty_exactly_full_and_stale_cursor() {
    let r = rig("JASPER", 0).await;
    let page = r
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.next, None);

    let r = rig("TMUS", 100).await;
    let first = r
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap();
    assert_eq!(first.items.len(), 50);
    let cursor = first.next.clone().expect("a second page");
    let second = r
        .backend
        .list_products(PageRequest {
            cursor: Some(cursor.clone()),
            page_size: None,
        })
        .await
        .unwrap();
    assert_eq!(second.items.len(), 50);
    assert_eq!(
        second.next, None,
        "lastPage ends the listing without an empty request"
    );
    assert_eq!(r.requests(), 2);
    // A cursor past the end gives an empty last page; a foreign cursor is bad input.
    let beyond = cursor.replacen('2', "9", 1);
    let page = r
        .backend
        .list_products(PageRequest {
            cursor: Some(beyond),
            page_size: None,
        })
        .await
        .unwrap();
    assert!(page.items.is_empty() && page.next.is_none());
    let e = r
        .backend
        .list_products(PageRequest {
            cursor: Some("page-two".into()),
            page_size: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.exit_code(), 2, "{e}");
}

#[tokio::test]
async fn bundle_has_sim_card_connectivity_and_cycle_usage() {
    let r = rig("TMUS", 40).await;
    let all = list_all(r.backend.as_ref(), 50).await.unwrap();
    let active = all
        .iter()
        .find(|s| s.status.native == "ACTIVATED")
        .expect("an activated SIM");
    let product = r.backend.product(&business(active)).await.unwrap();
    assert_eq!(product.summary.id, active.id);
    assert!(
        product
            .summary
            .imsi
            .as_deref()
            .is_some_and(|i| i.starts_with("310260"))
    );
    let sim = product.sim_card.expect("SIM card");
    assert_eq!(sim.status.status, Status::Active);
    assert!(
        sim.characteristics
            .iter()
            .any(|c| c.name == "dateActivated")
    );
    let dc = product.data_connectivity.expect("data connectivity");
    assert_eq!(dc.network_provider.as_deref(), Some("T-Mobile US"));
    assert!(
        dc.communication_plan
            .as_deref()
            .is_some_and(|c| c.starts_with("TMO"))
    );
    assert!(dc.characteristics.iter().any(|c| c.name == "ratePlan"));
    let usage = product.usage.expect("usage");
    let data = usage
        .bucket(BucketLevel::Global, UsageType::Data)
        .expect("a data bucket");
    assert_eq!(data.units, Unit::Bytes);
    assert_eq!(
        usage
            .bucket(BucketLevel::Global, UsageType::Sms)
            .map(|b| b.units),
        Some(Unit::Sms)
    );
    assert_eq!(
        usage
            .bucket(BucketLevel::Global, UsageType::Voice)
            .map(|b| b.units),
        Some(Unit::Seconds)
    );
    let alone = r.backend.usage(&business(active)).await.unwrap();
    assert_eq!(alone, usage);
    let dc_alone = r
        .backend
        .data_connectivity(&business(active))
        .await
        .unwrap();
    assert_eq!(dc_alone.communication_plan, dc.communication_plan);
}

#[tokio::test]
async fn error_bodies_become_typed_errors() {
    let r = rig("JASPER", 5).await;
    let unknown: BusinessId = BusinessId::Iccid("8997102000000000000".parse().unwrap());
    let e = r.backend.sim_card(&unknown).await.unwrap_err();
    assert!(matches!(e, BackendError::NotFound { .. }), "{e}");
    assert_eq!(e.exit_code(), 4);
    assert!(e.to_string().contains("8997102000000000000"), "{e}");

    let wrong = rig_with("JASPER", 5, Some("not-the-api-key"), "").await;
    let e = wrong
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Unauthorized { .. }), "{e}");
    assert!(e.to_string().contains("Invalid credentials"), "{e}");
    assert!(!e.to_string().contains("not-the-api-key"));
    assert_eq!(wrong.requests(), 1, "fixed credentials are not retried");
}

#[tokio::test]
async fn rate_limit_40000029_is_retried_as_a_rate_limit() {
    let r = rig("TMUS", 20).await;
    r.platform().control.force_429_for(2);
    let page = r
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 20);
    assert_eq!(r.requests(), 3, "two rate-limited answers, then the page");

    let r = rig_with("TMUS", 20, None, "max_retries = 1").await;
    r.platform().control.force_429_for(10);
    let e = r
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap_err();
    assert!(
        matches!(e, BackendError::RateLimited { attempts: 2, .. }),
        "{e}"
    );
    assert!(e.is_transient());
    assert_eq!(r.requests(), 2);
}

/// A native value whose normalization is `status`, for setting up a SIM (CREATED has none on
/// Control Center; a SIM not yet activated is in INVENTORY there).
fn native_of(kind: BackendKind, status: Status) -> &'static str {
    native_for(kind, status).unwrap_or("INVENTORY")
}

#[tokio::test]
async fn every_allowed_transition_applies_and_is_visible_on_re_read() {
    for (name, kind) in [("TMUS", BackendKind::Tmus), ("JASPER", BackendKind::Jasper)] {
        let r = rig(name, 60).await;
        let all = list_all(r.backend.as_ref(), 50).await.unwrap();
        let mut usable = all
            .iter()
            .filter(|s| !matches!(s.status.native.as_str(), "PURGED" | "REPLACED"));
        let transitions = sim_transitions(kind);
        assert!(!transitions.is_empty());
        for &(from, to) in transitions {
            let sim = usable.next().expect("a SIM for each transition");
            let id = business(sim);
            r.set_native(id.as_str(), native_of(kind, from)).await;
            let outcome = r
                .backend
                .change_sim_status(&id, from, to)
                .await
                .unwrap_or_else(|e| panic!("{name} {from} → {to}: {e}"));
            // The PUT answers with the ICCID only: done, and the re-read tells the status.
            assert_eq!(
                outcome,
                ChangeOutcome::Done { status: None },
                "{name} {from} → {to}"
            );
            let card = r.backend.sim_card(&id).await.unwrap();
            assert_eq!(card.status.status, to, "{name} {from} → {to} on re-read");
            assert_eq!(Some(card.status.native.as_str()), native_for(kind, to));
        }
    }
}

#[tokio::test]
async fn transitions_outside_the_table_are_refused_without_a_request() {
    for (name, kind) in [("TMUS", BackendKind::Tmus), ("JASPER", BackendKind::Jasper)] {
        let r = rig(name, 5).await;
        let id = BusinessId::Iccid("8901260000000000000".parse().unwrap());
        let before = r.requests();
        let allowed = sim_transitions(kind);
        let mut refused = 0;
        for from in Status::ALL {
            for to in Status::ALL {
                if from == to || allowed.contains(&(from, to)) {
                    continue;
                }
                let e = r
                    .backend
                    .change_sim_status(&id, from, to)
                    .await
                    .unwrap_err();
                assert_eq!(e.exit_code(), 3, "{name} {from} → {to}: {e}");
                refused += 1;
            }
        }
        assert!(refused > 0);
        assert_eq!(
            r.requests(),
            before,
            "{name}: a refusal reached the simulator"
        );
    }
}
