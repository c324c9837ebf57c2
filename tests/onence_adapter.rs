//! Contract and fault tests of the 1NCE adapter against the 1NCE simulator (loopback, port 0):
//! every ✔ operation works, every ✖ is refused by `Guarded` without a request, and the shared
//! HTTP policy absorbs 429s, expired tokens and 5xx, and reports malformed bodies and outages.

use cmo::backends::{Backend, BackendError, ChangeOutcome, PageRequest, registry};
use cmo::config::Config;
use cmo::domain::health::{Health, HealthBoard};
use cmo::domain::usage::UsageType;
use cmo::domain::{
    BucketLevel, BusinessId, Characteristic, ConnectivityType, Iccid, ProductSummary, Status,
};
use cmo::sim::{self, SimHandle, SimOptions, SimPlatform};
use std::collections::HashSet;
use std::sync::Arc;

struct Rig {
    sim: SimHandle,
    backend: Arc<dyn Backend>,
    health: Arc<HealthBoard>,
}

impl Rig {
    fn platform(&self) -> &SimPlatform {
        self.sim.platform("1NCE").expect("1NCE simulator")
    }

    fn requests(&self) -> u64 {
        self.platform().control.requests_total()
    }
}

/// A simulator of `size` SIMs and a guarded 1NCE backend pointed at it; `extra` adds backend keys.
async fn rig(size: usize, extra: &str) -> Rig {
    let sim = sim::start(SimOptions {
        size,
        seed: 7,
        ..SimOptions::default()
    })
    .await
    .expect("simulator starts");
    let p = sim.platform("1NCE").expect("1NCE simulator");
    let text = format!(
        "[[backend]]\nname = \"{}\"\nkind = \"1NCE\"\nbase_url = \"{}\"\naccount_id = \"{}\"\n{extra}\n[backend.auth]\nusername = \"{}\"\nsecret = \"{}\"\n",
        p.name, p.base_url, p.account_id, p.username, p.secret
    );
    let config = Config::from_toml_str(&text, "test").expect("config");
    let health = HealthBoard::new();
    let mut backends = registry::build_with_health(&config, &health).expect("registry");
    Rig {
        sim,
        backend: backends.remove(0),
        health,
    }
}

async fn list_all(backend: &dyn Backend) -> Result<Vec<ProductSummary>, BackendError> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = backend
            .list_products(PageRequest {
                cursor,
                page_size: Some(100),
            })
            .await?;
        all.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(all),
        }
    }
}

fn iccid(s: &ProductSummary) -> BusinessId {
    BusinessId::Iccid(
        s.iccid
            .as_deref()
            .expect("1NCE rows carry an ICCID")
            .parse::<Iccid>()
            .expect("valid ICCID"),
    )
}

#[tokio::test]
async fn lists_every_product_once_with_totals() {
    let r = rig(250, "").await;
    let first = r
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap();
    assert_eq!(first.total, Some(250));
    assert_eq!(first.items.len(), 100);
    let all = list_all(r.backend.as_ref()).await.unwrap();
    assert_eq!(all.len(), 250);
    let ids: HashSet<String> = all.iter().map(|s| s.id.to_string()).collect();
    assert_eq!(ids.len(), 250, "no product listed twice");
    for s in &all {
        assert!(s.id.to_string().starts_with("1NCE-89"));
        assert_eq!(s.connectivity, ConnectivityType::Cellular);
        assert_eq!(s.related_party.name, r.platform().name);
        assert!(
            matches!(s.status.status, Status::Active | Status::Suspended),
            "{:?}",
            s.status
        );
    }
    assert!(all.iter().any(|s| s.status.status == Status::Suspended));
    assert_eq!(r.platform().control.rate_limited_total(), 0);
}

#[tokio::test]
async fn bundle_sim_card_connectivity_and_usage() {
    let r = rig(20, "").await;
    let page = r
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap();
    let summary = page
        .items
        .iter()
        .find(|s| s.status.status == Status::Active)
        .expect("an active SIM");
    let id = iccid(summary);
    let product = r.backend.product(&id).await.unwrap();
    assert_eq!(product.summary.id, summary.id);
    let card = product.sim_card.as_ref().unwrap();
    assert_eq!(card.iccid, summary.iccid.clone().unwrap());
    assert!(card.imsi.is_some() && card.msisdn.is_some());
    assert_eq!(card.status.native, "Enabled");
    assert!(product.data_connectivity.is_some() && product.terminal.is_none());
    let usage = product.usage.as_ref().unwrap();
    let data = usage
        .bucket(BucketLevel::Global, UsageType::Data)
        .expect("one global data bucket");
    assert!(data.amount >= 0.0);
    assert!(
        usage
            .bucket(BucketLevel::Cellular, UsageType::Data)
            .is_none(),
        "cellular only → global bucket"
    );
    assert_eq!(r.backend.sim_card(&id).await.unwrap(), *card);
    let conn = r.backend.data_connectivity(&id).await.unwrap();
    assert!(
        conn.characteristics
            .iter()
            .any(|c| c.name == "connectionStatus")
    );
    let (found, missing) = r.backend.find(std::slice::from_ref(&id)).await.unwrap();
    assert_eq!((found.len(), missing.len()), (1, 0));
}

#[tokio::test]
async fn unknown_iccid_is_not_found() {
    let r = rig(5, "").await;
    let id = BusinessId::Iccid("8988228066699999999".parse().unwrap());
    let e = r.backend.sim_card(&id).await.unwrap_err();
    assert!(matches!(e, BackendError::NotFound { .. }), "{e:?}");
    assert_eq!(e.exit_code(), 4);
    assert!(e.to_string().contains("8988228066699999999"), "{e}");
    let (found, missing) = r.backend.find(&[id]).await.unwrap();
    assert_eq!((found.len(), missing.len()), (0, 1));
}

#[tokio::test]
async fn requests_are_paced_so_no_429_reaches_the_carrier() {
    let r = rig(40, "").await;
    let page = r
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap();
    let ids: Vec<BusinessId> = page.items.iter().take(25).map(iccid).collect();
    // 25 concurrent detail requests: without pacing the simulator's 10/s bucket would refuse some.
    let results = futures::future::join_all(ids.iter().map(|id| r.backend.sim_card(id))).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(
        r.platform().control.rate_limited_total(),
        0,
        "the limiter kept us under 10 req/s"
    );
}

#[tokio::test]
async fn two_entries_for_one_organisation_share_its_10_per_second() {
    let r = rig(40, "").await;
    let p = r.platform();
    // Two [[backend]]s on the same organisation (same base URL and account id).
    let block = |name: &str| {
        format!(
            "[[backend]]\nname = \"{name}\"\nkind = \"1NCE\"\nbase_url = \"{}\"\naccount_id = \"{}\"\n[backend.auth]\nusername = \"{}\"\nsecret = \"{}\"\n",
            p.base_url, p.account_id, p.username, p.secret
        )
    };
    let text = format!("{}{}", block("ops-a"), block("ops-b"));
    let config = Config::from_toml_str(&text, "test").expect("config");
    let backends = registry::build(&config).expect("registry");
    let page = r
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap();
    let ids: Vec<BusinessId> = page.items.iter().take(24).map(iccid).collect();
    let before = p.control.rate_limited_total();
    // Half the reads through each entry, all at once: 10/s each would be 20/s at the carrier.
    let reads = ids
        .iter()
        .enumerate()
        .map(|(i, id)| backends[i % 2].sim_card(id));
    let results = futures::future::join_all(reads).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(
        p.control.rate_limited_total() - before,
        0,
        "both entries paced as one organisation"
    );
}

#[tokio::test]
async fn rate_limit_with_retry_after_is_absorbed() {
    let r = rig(30, "").await;
    r.platform().control.force_429_for(2);
    let all = list_all(r.backend.as_ref()).await.unwrap();
    assert_eq!(all.len(), 30);
    assert!(r.platform().control.rate_limited_total() >= 2);
    assert_eq!(
        r.health.get(&r.platform().name).unwrap().health,
        Health::RateLimited
    );
}

#[tokio::test]
async fn token_expiring_mid_listing_is_refreshed() {
    let r = rig(250, "").await;
    let first = r
        .backend
        .list_products(PageRequest {
            cursor: None,
            page_size: Some(100),
        })
        .await
        .unwrap();
    r.platform().control.expire_tokens_now();
    let second = r
        .backend
        .list_products(PageRequest {
            cursor: first.next.clone(),
            page_size: Some(100),
        })
        .await
        .unwrap();
    assert_eq!(second.items.len(), 100);
    assert_ne!(first.items[0].id, second.items[0].id);
}

#[tokio::test]
async fn server_errors_are_retried() {
    let r = rig(150, "max_retries = 10").await;
    r.platform().control.set_5xx_rate(0.3);
    let all = list_all(r.backend.as_ref()).await.unwrap();
    assert_eq!(all.len(), 150);
    let page = r
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap();
    for s in page.items.iter().take(5) {
        r.backend.sim_card(&iccid(s)).await.unwrap();
    }
    assert!(
        r.platform().control.faults_injected_total() > 0,
        "the simulator did inject 5xx"
    );
}

#[tokio::test]
async fn persistent_server_errors_surface_after_retries() {
    let r = rig(5, "max_retries = 1").await;
    // A first call fetches the token, so the count below is API requests only.
    r.backend
        .list_products(PageRequest::default())
        .await
        .unwrap();
    let before = r.requests();
    r.platform().control.set_5xx_rate(1.0);
    let e = r
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            BackendError::Http {
                status: 500..=599,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(r.requests() - before, 2, "one try and one retry");
    assert_eq!(
        r.health.get(&r.platform().name).unwrap().health,
        Health::Down
    );
}

#[tokio::test]
async fn malformed_json_is_a_clear_error() {
    let r = rig(5, "").await;
    let page = r
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap();
    r.platform().control.set_malformed_rate(1.0);
    let e = r
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Malformed { .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("expected a JSON array of SIM objects"),
        "{e}"
    );
    let e = r
        .backend
        .sim_card(&iccid(&page.items[0]))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("expected a SIM object"), "{e}");
    assert!(!e.to_string().contains(&r.platform().secret));
}

#[tokio::test]
async fn timeouts_are_reported_as_timeouts() {
    let r = rig(5, "request_timeout = \"300ms\"\nmax_retries = 1").await;
    r.platform().control.set_timeout_rate(1.0);
    let e = r
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Timeout { .. }), "{e:?}");
}

#[tokio::test]
async fn backend_down_is_unreachable_then_recovers() {
    let r = rig(5, "max_retries = 1").await;
    r.backend
        .list_products(PageRequest::default())
        .await
        .unwrap();
    r.platform().control.set_down(true);
    let e = r
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Unreachable { .. }), "{e:?}");
    assert_eq!(e.exit_code(), 1);
    assert_eq!(
        r.health.get(&r.platform().name).unwrap().health,
        Health::Down
    );
    r.platform().control.set_down(false);
    r.backend
        .list_products(PageRequest::default())
        .await
        .unwrap();
    assert_eq!(r.health.get(&r.platform().name).unwrap().health, Health::Ok);
}

#[tokio::test]
async fn status_change_round_trip() {
    let r = rig(20, "").await;
    let page = r
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap();
    let summary = page
        .items
        .iter()
        .find(|s| s.status.status == Status::Active)
        .expect("an active SIM");
    let id = iccid(summary);
    let out = r
        .backend
        .change_sim_status(&id, Status::Active, Status::Suspended)
        .await
        .unwrap();
    // The PUT answers without a body: done, and the re-read tells the status.
    assert_eq!(out, ChangeOutcome::Done { status: None });
    let card = r.backend.sim_card(&id).await.unwrap();
    assert_eq!(
        (card.status.status, card.status.native.as_str()),
        (Status::Suspended, "Disabled")
    );
    let out = r
        .backend
        .change_sim_status(&id, Status::Suspended, Status::Active)
        .await
        .unwrap();
    assert_eq!(out, ChangeOutcome::Done { status: None });
    assert_eq!(
        r.backend.sim_card(&id).await.unwrap().status.native,
        "Enabled"
    );
}

#[tokio::test]
async fn refused_operations_send_no_request() {
    let r = rig(5, "").await;
    let page = r
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap();
    let id = iccid(&page.items[0]);
    let before = r.requests();
    let b = &r.backend;
    let errors = vec![
        b.terminal(&id).await.unwrap_err(),
        b.update_characteristics(&id, &[Characteristic::new("x", "y")])
            .await
            .unwrap_err(),
        b.monitor("1NCE-123").await.unwrap_err(),
        b.cancel_monitor("1NCE-123").await.unwrap_err(),
        b.change_terminal_status(&id, Status::Active, Status::Suspended)
            .await
            .unwrap_err(),
    ];
    for e in &errors {
        assert!(matches!(e, BackendError::NotSupported { .. }), "{e:?}");
        assert_eq!(e.exit_code(), 3);
    }
    assert!(
        errors[2].to_string().contains("not supported by 1NCE"),
        "{}",
        errors[2]
    );
    let e = b
        .change_sim_status(&id, Status::Active, Status::Terminated)
        .await
        .unwrap_err();
    assert!(
        matches!(e, BackendError::TransitionNotAllowed { .. }),
        "{e:?}"
    );
    assert_eq!(r.requests(), before, "no request reached the simulator");
}
