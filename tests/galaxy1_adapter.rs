//! Contract tests of the GALAXY1 adapter against the GALAXY1 simulator on loopback: page-token
//! paging edges, every native service state, the terminal + embedded-SIM bundle, lookup by
//! serial and by ICCID, session expiry, errors, carrier-side jobs watched to Completed and
//! InError, refusals with exit code 3 before any request, and the three-bucket usage rule.

use cmo::backends::{Backend, BackendError, PageRequest, registry};
use cmo::config::Config;
use cmo::domain::usage::{Unit, UsageType};
use cmo::domain::{BucketLevel, BusinessId, MonitorState, ProductSummary, Status};
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
        self.sim.platform("GALAXY1").expect("simulated platform")
    }
    fn requests(&self) -> u64 {
        self.platform().control.requests_total()
    }
}

async fn rig_with(size: usize, delay: Duration, extra: &str) -> Rig {
    let sim = sim::start(SimOptions {
        size,
        seed: 5,
        async_delay: delay,
        ..SimOptions::default()
    })
    .await
    .expect("simulator starts");
    let p = sim.platform("GALAXY1").expect("platform");
    let text = format!(
        "[[backend]]\nname = \"{}\"\nkind = \"GALAXY1\"\nbase_url = \"{}\"\naccount_id = \"{}\"\n{extra}\n[backend.auth]\nusername = \"{}\"\nsecret = \"{}\"\n",
        p.name, p.base_url, p.account_id, p.username, p.secret
    );
    let config = Config::from_toml_str(&text, "test").expect("config");
    let backend = registry::build(&config).expect("registry").remove(0);
    Rig { sim, backend }
}

async fn rig(size: usize) -> Rig {
    rig_with(size, Duration::ZERO, "").await
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

fn serial(s: &str) -> BusinessId {
    BusinessId::Serial(s.parse().expect("serial"))
}

#[tokio::test]
async fn lists_every_terminal_once_with_every_native_state() {
    // Long job delay: the generated states are seen as they are.
    let r = rig_with(40, Duration::from_secs(3600), "").await;
    let all = list_all(r.backend.as_ref(), 6).await.unwrap();
    assert_eq!(all.len(), 40);
    let ids: HashSet<String> = all.iter().map(|s| s.id.to_string()).collect();
    assert_eq!(ids.len(), 40);
    let expect = [
        ("Provisioned", Status::Created),
        ("InStock", Status::Inventory),
        ("Commissioning", Status::PendingActive),
        ("InService", Status::Active),
        ("Suspended", Status::Suspended),
        ("Barred", Status::Blocked),
        ("Decommissioning", Status::PendingTerminate),
        ("Decommissioned", Status::Terminated),
        ("Removed", Status::Deleted),
    ];
    for (native, status) in expect {
        let row = all
            .iter()
            .find(|s| s.status.native == native)
            .unwrap_or_else(|| panic!("no terminal in {native}"));
        assert_eq!(row.status.status, status, "{native}");
    }
    assert!(
        all.iter()
            .all(|s| s.id.to_string().starts_with("GALAXY1-GX")
                && s.iccid.is_some()
                && s.latitude.is_some())
    );
}

#[tokio::test]
async fn paging_edges() {
    let r = rig(450).await;
    let first = r
        .backend
        .list_products(PageRequest {
            cursor: None,
            page_size: Some(5_000),
        })
        .await
        .unwrap();
    assert_eq!((first.items.len(), first.total), (200, Some(450)));
    assert_eq!(list_all(r.backend.as_ref(), 150).await.unwrap().len(), 450);
    let empty = rig(0).await;
    let page = empty
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.next), (0, None));
    let e = r
        .backend
        .list_products(PageRequest {
            cursor: Some("garbage".into()),
            page_size: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Http { status: 400, .. }), "{e}");
}

#[tokio::test]
async fn bundle_is_a_terminal_with_an_embedded_sim() {
    let r = rig(20).await;
    let p = r.backend.product(&serial("GX000000001")).await.unwrap();
    assert_eq!(p.summary.id.to_string(), "GALAXY1-GX000000001");
    let t = p.terminal.expect("terminal");
    let sim = p.sim_card.expect("embedded SIM");
    assert!(p.data_connectivity.is_none());
    assert_eq!(t.mobility_type.as_deref(), Some("Land mobile"));
    assert!(t.latitude.is_some() && t.model.is_some() && t.antenna_code.is_some());
    // Lookup by the SIM's ICCID finds the same terminal.
    let by_iccid = BusinessId::Iccid(sim.iccid.parse().expect("iccid"));
    let again = r.backend.terminal(&by_iccid).await.unwrap();
    assert_eq!(again.serial, "GX000000001");
    let sim_only = r.backend.sim_card(&serial("GX000000001")).await.unwrap();
    assert_eq!(sim_only.iccid, sim.iccid);
    // Maritime terminals carry IMO and MMSI.
    let vessel = r.backend.terminal(&serial("GX000000000")).await.unwrap();
    assert_eq!(vessel.imo_number.as_deref().map(str::len), Some(7));
    let (found, missing) = r
        .backend
        .find(&[serial("GX000000002"), serial("GX999999999")])
        .await
        .unwrap();
    assert_eq!((found.len(), missing.len()), (1, 1));
    assert_eq!(missing[0].1.exit_code(), 4);
}

#[tokio::test]
async fn sessions_expire_and_are_reopened_and_errors_are_typed() {
    let r = rig_with(20, Duration::ZERO, "max_retries = 0").await;
    r.backend
        .list_products(PageRequest::default())
        .await
        .unwrap();
    let before = r.requests();
    r.platform().control.expire_tokens_now();
    r.backend
        .list_products(PageRequest::default())
        .await
        .unwrap();
    assert_eq!(
        r.requests() - before,
        3,
        "401, a new session, the retried page"
    );
    r.platform().control.set_5xx_rate(1.0);
    let e = r.backend.usage(&serial("GX000000003")).await.unwrap_err();
    assert!(
        matches!(e, BackendError::Http { status, .. } if status >= 500),
        "{e}"
    );
    r.platform().control.set_5xx_rate(0.0);
    let e = r.backend.product(&serial("GX000000777")).await.unwrap_err();
    assert_eq!(e.exit_code(), 4, "{e}");
}

#[tokio::test]
async fn carrier_jobs_are_monitored_to_completed_and_in_error() {
    let pending = rig_with(20, Duration::from_secs(3600), "").await;
    // Row 2 is being commissioned: its terminal names the job to watch.
    let t = pending
        .backend
        .terminal(&serial("GX000000002"))
        .await
        .unwrap();
    let job = t
        .characteristics
        .iter()
        .find(|c| c.name == "activeJob")
        .map(|c| c.value.clone())
        .expect("an active job");
    assert_eq!(job, "GALAXY1-J000000002");
    let m = pending.backend.monitor(&job).await.unwrap();
    assert_eq!(m.state, MonitorState::InProgress);

    let r = rig(20).await;
    let ok = r.backend.monitor("GALAXY1-J000000002").await.unwrap();
    assert_eq!(ok.state, MonitorState::Completed);
    assert_eq!(
        r.backend
            .terminal(&serial("GX000000002"))
            .await
            .unwrap()
            .status
            .status,
        Status::Active
    );
    // Row 11 fails commissioning (antenna pointing) and falls back to Provisioned.
    let failed = r.backend.monitor("GALAXY1-J000000011").await.unwrap();
    assert_eq!(failed.state, MonitorState::InError);
    assert!(
        failed
            .detail
            .unwrap_or_default()
            .contains("ANTENNA_POINTING")
    );
    assert_eq!(
        r.backend
            .terminal(&serial("GX000000011"))
            .await
            .unwrap()
            .status
            .status,
        Status::Created
    );
    let e = r.backend.monitor("GALAXY1-J000000005").await.unwrap_err();
    assert_eq!(e.exit_code(), 4, "{e}");
}

#[tokio::test]
async fn refused_operations_exit_3_without_a_request() {
    let r = rig(20).await;
    let id = serial("GX000000003");
    let before = r.requests();
    let refusals = [
        r.backend.data_connectivity(&id).await.err(),
        r.backend
            .change_sim_status(&id, Status::Active, Status::Suspended)
            .await
            .err(),
        r.backend
            .change_terminal_status(&id, Status::Active, Status::Suspended)
            .await
            .err(),
        r.backend.update_characteristics(&id, &[]).await.err(),
        r.backend.cancel_monitor("GALAXY1-J000000002").await.err(),
    ];
    for e in refusals {
        let e = e.expect("refused");
        assert_eq!(e.exit_code(), 3, "{e}");
    }
    assert_eq!(r.requests(), before);
}

#[tokio::test]
async fn usage_in_bytes_one_or_three_buckets() {
    let r = rig(20).await;
    // Row 4 (Suspended, 4 mod 3 ≠ 0): Ka-band and LTE → three buckets.
    let both = r.backend.usage(&serial("GX000000004")).await.unwrap();
    assert_eq!(both.buckets.len(), 3);
    let g = both.bucket(BucketLevel::Global, UsageType::Data).unwrap();
    let c = both.bucket(BucketLevel::Cellular, UsageType::Data).unwrap();
    let s = both
        .bucket(BucketLevel::Satellite, UsageType::Data)
        .unwrap();
    assert_eq!(g.units, Unit::Bytes);
    assert_eq!(g.amount, c.amount + s.amount);
    // Row 3 (InService, 3 mod 3 = 0): satellite only → one global bucket.
    let sat = r.backend.usage(&serial("GX000000003")).await.unwrap();
    assert_eq!(sat.buckets.len(), 1);
    assert_eq!(sat.buckets[0].level, BucketLevel::Global);
}
