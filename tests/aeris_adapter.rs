//! Contract and fault tests of the IOTA (Aeris IoT Accelerator) adapter against its simulator
//! (loopback, port 0): cursor paging, token expiry, 429 with X-RateLimit headers, problem+json
//! errors, every native state, state changes polled to completion (or to a named timeout), and
//! refusals by `Guarded` that never reach the simulator.

use cmo::backends::aeris::{Aeris, Polling};
use cmo::backends::{Backend, BackendError, ChangeOutcome, Guarded, PageRequest};
use cmo::config::Config;
use cmo::domain::health::HealthBoard;
use cmo::domain::usage::UsageType;
use cmo::domain::{BucketLevel, BusinessId, Characteristic, Iccid, ProductSummary, Status};
use cmo::sim::{self, SimHandle, SimOptions, SimPlatform};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

struct Rig {
    sim: SimHandle,
    backend: Arc<dyn Backend>,
}

impl Rig {
    fn platform(&self) -> &SimPlatform {
        self.sim.platform("IOTA").expect("IOTA simulator")
    }
    fn requests(&self) -> u64 {
        self.platform().control.requests_total()
    }
}

const FAST: Polling = Polling {
    interval: Duration::from_millis(20),
    deadline: Duration::from_secs(20),
};

async fn rig_with(size: usize, async_delay: Duration, extra: &str, polling: Polling) -> Rig {
    let sim = sim::start(SimOptions {
        size,
        seed: 11,
        async_delay,
        ..SimOptions::default()
    })
    .await
    .expect("simulator starts");
    let p = sim.platform("IOTA").expect("IOTA simulator");
    let text = format!(
        "[[backend]]\nname = \"{}\"\nkind = \"IOTA\"\nbase_url = \"{}\"\naccount_id = \"{}\"\n{extra}\n[backend.auth]\nusername = \"{}\"\nsecret = \"{}\"\n",
        p.name, p.base_url, p.account_id, p.username, p.secret
    );
    let config = Config::from_toml_str(&text, "test").expect("config");
    let adapter = Aeris::new(&config.backends[0], HealthBoard::new())
        .expect("adapter")
        .with_polling(polling);
    Rig {
        sim,
        backend: Arc::new(Guarded::new(Arc::new(adapter))),
    }
}

async fn rig(size: usize) -> Rig {
    rig_with(size, Duration::from_millis(50), "", FAST).await
}

async fn list_all(backend: &dyn Backend, size: u32) -> Result<Vec<ProductSummary>, BackendError> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = backend
            .list_products(PageRequest {
                cursor,
                page_size: Some(size),
            })
            .await?;
        all.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(all),
        }
    }
}

fn missing_iccid() -> BusinessId {
    BusinessId::Iccid("89430100000000000000".parse::<Iccid>().unwrap())
}

fn id(s: &ProductSummary) -> BusinessId {
    s.id.business()
}

#[tokio::test]
async fn cursor_paging_reaches_the_end_once_per_subscription() {
    let r = rig(57).await;
    let all = list_all(r.backend.as_ref(), 10).await.unwrap();
    assert_eq!(all.len(), 57);
    let unique: HashSet<_> = all.iter().map(|s| s.id.to_string()).collect();
    assert_eq!(unique.len(), 57);
    assert!(
        all.iter()
            .all(|s| s.id.to_string().starts_with("IOTA-894301"))
    );
    assert!(all.windows(2).all(|w| w[0].iccid < w[1].iccid), "ICC order");

    let empty = rig(0).await;
    let page = empty
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.next, None);
}

#[tokio::test]
async fn expired_token_mid_listing_is_refreshed() {
    let r = rig(30).await;
    let first = r
        .backend
        .list_products(PageRequest {
            cursor: None,
            page_size: Some(10),
        })
        .await
        .unwrap();
    r.platform().control.expire_tokens_now();
    let second = r
        .backend
        .list_products(PageRequest {
            cursor: first.next.clone(),
            page_size: Some(10),
        })
        .await
        .expect("refreshes the token and goes on");
    assert_eq!(second.items.len(), 10);
    assert!(first.items.last().unwrap().iccid < second.items[0].iccid);
}

#[tokio::test]
async fn rate_limit_429s_with_headers_are_absorbed() {
    // Our limiter far above the platform's 20/s: the platform must answer 429 and we retry.
    let r = rig_with(
        200,
        Duration::from_millis(50),
        "rate_limit_per_second = 1000",
        FAST,
    )
    .await;
    let all = list_all(r.backend.as_ref(), 4).await.unwrap();
    assert_eq!(all.len(), 200);
    assert!(r.platform().control.rate_limited_total() > 0);

    // The wire: every API answer carries the four X-RateLimit headers.
    let p = r.platform();
    let client = reqwest::Client::new();
    let token: serde_json::Value = client
        .post(format!("{}/iot/api/auth/token", p.base_url))
        .form(&[
            ("grant_type", "password"),
            ("client_id", "cm-public-api-client"),
            ("username", p.username.as_str()),
            ("password", p.secret.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token["token_type"], "JWT");
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let mut limited = None;
    for _ in 0..40 {
        let reply = client
            .get(format!(
                "{}/iot/api/subscriptions/details?limit=1",
                p.base_url
            ))
            .header("Authorization", &bearer)
            .send()
            .await
            .unwrap();
        for h in [
            "x-ratelimit-limit-second",
            "x-ratelimit-limit-minute",
            "x-ratelimit-remaining-second",
            "x-ratelimit-remaining-minute",
        ] {
            assert!(reply.headers().contains_key(h), "{h} missing");
        }
        if reply.status() == 429 {
            limited = Some(reply);
            break;
        }
    }
    let limited = limited.expect("40 requests at once exceed 20/s");
    assert_eq!(limited.headers()["x-ratelimit-remaining-second"], "0");
    assert!(
        limited.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json")
    );
}

#[tokio::test]
async fn every_native_state_is_normalized_or_kept_as_unknown() {
    let r = rig(40).await;
    let all = list_all(r.backend.as_ref(), 100).await.unwrap();
    let expect = [
        ("ACTIVE", Status::Active),
        ("ACTIVE_NO_BILLING", Status::PendingActive),
        ("DEACTIVATED", Status::Suspended),
        ("DEACTIVATED_NO_BILLING", Status::PendingTerminate),
        ("OPERATOR_BLOCKED", Status::Unknown),
        ("PAUSE", Status::Unknown),
        ("TERMINATED", Status::Terminated),
        ("TERMINATED_PENDING", Status::Unknown),
    ];
    for (native, status) in expect {
        let row = all
            .iter()
            .find(|s| s.status.native == native)
            .unwrap_or_else(|| panic!("no {native} subscription"));
        assert_eq!(row.status.status, status, "{native}");
    }
}

#[tokio::test]
async fn bundle_carries_connectivity_and_month_to_date_usage() {
    let r = rig(10).await;
    let first = list_all(r.backend.as_ref(), 100).await.unwrap()[0].clone();
    let product = r.backend.product(&id(&first)).await.unwrap();
    let dc = product.data_connectivity.expect("data connectivity");
    assert_eq!(dc.apns, ["iot.t-mobile.at", "lte.iot.t-mobile.at"]);
    assert!(dc.network_provider.is_some());
    assert!(dc.communication_plan.as_deref().unwrap().contains("_SP_"));
    let usage = product.usage.expect("usage");
    assert!(usage.bucket(BucketLevel::Global, UsageType::Data).is_some());
    assert!(usage.bucket(BucketLevel::Global, UsageType::Sms).is_some());
    let card = product.sim_card.expect("sim card");
    assert_eq!(card.imsi, first.imsi);
    assert!(card.imei.is_some());

    let (found, missing) = r
        .backend
        .find(&[id(&first), missing_iccid()])
        .await
        .unwrap();
    assert_eq!((found.len(), missing.len()), (1, 1));
    assert_eq!(missing[0].1.exit_code(), 4);
}

#[tokio::test]
async fn problem_json_errors_are_surfaced_clearly() {
    let r = rig(300).await;
    let missing: BusinessId = missing_iccid();
    let e = r.backend.sim_card(&missing).await.unwrap_err();
    assert_eq!(e.exit_code(), 4);
    assert!(e.to_string().contains("SIM 89430100000000000000"), "{e}");

    // An operator-locked subscription: 409 problem whose detail reaches the message.
    let all = list_all(r.backend.as_ref(), 1000).await.unwrap();
    let mut locked = None;
    for s in all.iter().filter(|s| s.status.status == Status::Active) {
        let card = r.backend.sim_card(&id(s)).await.unwrap();
        if card
            .characteristics
            .contains(&Characteristic::new("stateLocked", "true"))
        {
            locked = Some(s.clone());
            break;
        }
    }
    let locked = locked.expect("the seed has a locked ACTIVE subscription");
    let e = r
        .backend
        .change_sim_status(&id(&locked), Status::Active, Status::Suspended)
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("409") && text.contains("Subscription state is locked"),
        "{text}"
    );

    // Server errors in problem+json keep their detail after the retries.
    r.platform().control.set_5xx_rate(1.0);
    let e = r.backend.sim_card(&id(&locked)).await.unwrap_err();
    assert!(e.to_string().contains("Internal Server Error"), "{e}");
}

#[tokio::test]
async fn active_suspended_round_trip_is_polled_to_completion() {
    let r = rig(40).await;
    let all = list_all(r.backend.as_ref(), 100).await.unwrap();
    let target = all
        .iter()
        .find(|s| s.status.native == "ACTIVE")
        .expect("an ACTIVE subscription");
    let target = id(target);
    let out = r
        .backend
        .change_sim_status(&target, Status::Active, Status::Suspended)
        .await
        .unwrap();
    assert_eq!(
        out,
        ChangeOutcome::Done {
            status: Some(Status::Suspended)
        }
    );
    assert_eq!(
        r.backend.sim_card(&target).await.unwrap().status.native,
        "DEACTIVATED"
    );
    let back = r
        .backend
        .change_sim_status(&target, Status::Suspended, Status::Active)
        .await
        .unwrap();
    assert_eq!(
        back,
        ChangeOutcome::Done {
            status: Some(Status::Active)
        }
    );
}

#[tokio::test]
async fn platform_rejection_names_the_request_and_the_reason() {
    let r = rig(10).await;
    let all = list_all(r.backend.as_ref(), 100).await.unwrap();
    let terminated = all
        .iter()
        .find(|s| s.status.native == "TERMINATED")
        .expect("a TERMINATED subscription");
    // The caller's view is stale (thinks SUSPENDED); the platform refuses the change.
    let e = r
        .backend
        .change_sim_status(&id(terminated), Status::Suspended, Status::Active)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("state-change request REQ"), "{e}");
    assert!(e.contains("REJECTED") && e.contains("terminated"), "{e}");
}

#[tokio::test]
async fn a_request_that_never_completes_times_out_naming_its_id() {
    let polling = Polling {
        interval: Duration::from_millis(10),
        deadline: Duration::from_millis(50),
    };
    let r = rig_with(10, Duration::from_secs(3600), "", polling).await;
    let all = list_all(r.backend.as_ref(), 100).await.unwrap();
    let active = all.iter().find(|s| s.status.native == "ACTIVE").unwrap();
    let e = r
        .backend
        .change_sim_status(&id(active), Status::Active, Status::Suspended)
        .await
        .unwrap_err();
    assert_eq!(e.exit_code(), 1);
    let text = e.to_string();
    assert!(text.contains("request REQ000000000001"), "{text}");
    assert!(text.contains("still IN_PROGRESS"), "{text}");
}

#[tokio::test]
async fn refused_operations_exit_3_without_reaching_the_simulator() {
    let r = rig(10).await;
    let all = list_all(r.backend.as_ref(), 100).await.unwrap();
    let target = id(&all[0]);
    let before = r.requests();
    let b = r.backend.as_ref();
    let errors = [
        b.change_sim_status(&target, Status::Active, Status::Terminated)
            .await
            .unwrap_err(),
        b.change_sim_status(&target, Status::PendingActive, Status::Active)
            .await
            .unwrap_err(),
        b.update_characteristics(&target, &[Characteristic::new("x", "y")])
            .await
            .unwrap_err(),
        b.terminal(&target).await.unwrap_err(),
        b.change_terminal_status(&target, Status::Active, Status::Suspended)
            .await
            .unwrap_err(),
        b.monitor("IOTA-REQ000000000001").await.unwrap_err(),
        b.cancel_monitor("IOTA-REQ000000000001").await.unwrap_err(),
    ];
    for e in &errors {
        assert_eq!(e.exit_code(), 3, "{e}");
    }
    assert_eq!(r.requests(), before, "no request reached the simulator");
}
