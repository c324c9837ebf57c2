//! Contract tests of the INTELSAT adapter against the Intelsat simulator on loopback: offset
//! paging edges, every composite native status, find by serial, token expiry, errors, the
//! asynchronous SUSPEND/RESUME orders watched to Completed and InError, refusals with exit code 3
//! before any request, the three-bucket usage rule, and a snapshot of the detail pane.

use cmo::backends::{Backend, BackendError, ChangeOutcome, PageRequest, registry};
use cmo::config::Config;
use cmo::domain::usage::{Unit, UsageType};
use cmo::domain::{
    BucketLevel, BusinessId, Monitor, MonitorState, ProductSummary, Status, TerminalSerial,
};
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
        self.sim.platform("INTELSAT").expect("simulated platform")
    }
    fn requests(&self) -> u64 {
        self.platform().control.requests_total()
    }
}

async fn rig_with(size: usize, delay: Duration, extra: &str) -> Rig {
    let sim = sim::start(SimOptions {
        size,
        seed: 11,
        async_delay: delay,
        ..SimOptions::default()
    })
    .await
    .expect("simulator starts");
    let p = sim.platform("INTELSAT").expect("platform");
    let text = format!(
        "[[backend]]\nname = \"{}\"\nkind = \"INTELSAT\"\nbase_url = \"{}\"\naccount_id = \"{}\"\n{extra}\n[backend.auth]\nusername = \"{}\"\nsecret = \"{}\"\n",
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
    BusinessId::Serial(s.parse::<TerminalSerial>().expect("serial"))
}

async fn settle(backend: &dyn Backend, monitor: &Monitor) -> Monitor {
    for _ in 0..200 {
        let m = backend.monitor(&monitor.id).await.expect("monitor");
        if m.state.is_final() {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("monitor {} never finished", monitor.id);
}

#[tokio::test]
async fn lists_every_terminal_once_with_every_composite_status() {
    let r = rig(40).await;
    let all = list_all(r.backend.as_ref(), 7).await.unwrap();
    assert_eq!(all.len(), 40);
    let ids: HashSet<String> = all.iter().map(|s| s.id.to_string()).collect();
    assert_eq!(ids.len(), 40);
    let expect = [
        ("new", Status::Created),
        ("active/online", Status::Active),
        ("active/suspended", Status::Suspended),
        ("active/offline", Status::Blocked),
        ("suspended/suspended", Status::Suspended),
        ("cancelation/offline", Status::PendingTerminate),
        ("ended", Status::Terminated),
        ("active/degraded", Status::Unknown),
    ];
    for (native, status) in expect {
        let row = all
            .iter()
            .find(|s| s.status.native == native)
            .unwrap_or_else(|| panic!("no terminal in {native}"));
        assert_eq!(row.status.status, status, "{native}");
    }
    // `new` without change actions allowed is PENDING_ACTIVE (row 1), with them CREATED (row 0).
    assert_eq!(all[0].status.status, Status::Created);
    assert_eq!(all[1].status.status, Status::PendingActive);
    assert!(
        all.iter()
            .all(|s| s.id.to_string().starts_with("INTELSAT-1"))
    );
    assert!(
        all.iter()
            .all(|s| s.latitude.is_some() && s.serial.is_some())
    );
}

#[tokio::test]
async fn paging_edges() {
    let r = rig(300).await;
    // Above the carrier's limit: clamped to 250, so two pages.
    let first = r
        .backend
        .list_products(PageRequest {
            cursor: None,
            page_size: Some(10_000),
        })
        .await
        .unwrap();
    assert_eq!((first.items.len(), first.total), (250, Some(300)));
    let second = r
        .backend
        .list_products(PageRequest {
            cursor: first.next,
            page_size: Some(10_000),
        })
        .await
        .unwrap();
    assert_eq!((second.items.len(), second.next), (50, None));
    // Exactly full last page, and an empty platform.
    let exact = list_all(r.backend.as_ref(), 100).await.unwrap();
    assert_eq!(exact.len(), 300);
    let empty = rig(0).await;
    let page = empty
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap();
    assert_eq!(
        (page.items.len(), page.next, page.total),
        (0, None, Some(0))
    );
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
async fn product_find_by_serial_and_errors() {
    let r = rig(20).await;
    let p = r.backend.product(&serial("10005")).await.unwrap();
    let t = p.terminal.expect("terminal");
    assert_eq!(p.summary.id.to_string(), "INTELSAT-10005");
    assert_eq!(t.mobility_type.as_deref(), Some("Maritime"));
    assert_eq!(t.imo_number.as_deref().map(str::len), Some(7));
    assert_eq!(t.mmsi.as_deref().map(str::len), Some(9));
    assert!(t.latitude.is_some() && t.longitude.is_some() && t.antenna_code.is_some());
    assert!(p.sim_card.is_none() && p.data_connectivity.is_none());
    let (found, missing) = r
        .backend
        .find(&[serial("10002"), serial("99999999")])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].1.exit_code(), 4);
    let e = r.backend.product(&serial("99")).await.unwrap_err();
    assert_eq!(e.exit_code(), 4, "{e}");
    let iccid = BusinessId::Iccid("8988228066000000001".parse().unwrap());
    assert_eq!(r.backend.product(&iccid).await.unwrap_err().exit_code(), 2);
}

#[tokio::test]
async fn expired_tokens_are_refreshed_and_5xx_is_reported() {
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
    // 401, a new token, the retried page.
    assert_eq!(r.requests() - before, 3);
    r.platform().control.set_5xx_rate(1.0);
    let e = r.backend.terminal(&serial("10002")).await.unwrap_err();
    assert!(
        matches!(e, BackendError::Http { status, .. } if status >= 500),
        "{e}"
    );
}

#[tokio::test]
async fn wrong_credentials_are_unauthorized() {
    let sim = sim::start(SimOptions {
        size: 5,
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let p = sim.platform("INTELSAT").unwrap();
    let text = format!(
        "[[backend]]\nname = \"i\"\nkind = \"INTELSAT\"\nbase_url = \"{}\"\naccount_id = \"{}\"\n[backend.auth]\nusername = \"{}\"\nsecret = \"wrong-secret\"\n",
        p.base_url, p.account_id, p.username
    );
    let backend = registry::build(&Config::from_toml_str(&text, "t").unwrap())
        .unwrap()
        .remove(0);
    let e = backend
        .list_products(PageRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Unauthorized { .. }), "{e}");
    assert!(!e.to_string().contains("wrong-secret"));
}

#[tokio::test]
async fn suspend_and_resume_complete_through_monitors() {
    let r = rig(20).await;
    // Row 2: active/online on a flexible offering.
    let id = serial("10002");
    let out = r
        .backend
        .change_terminal_status(&id, Status::Active, Status::Suspended)
        .await
        .unwrap();
    let ChangeOutcome::Pending(m) = out else {
        panic!("INTELSAT changes are asynchronous")
    };
    assert!(m.id.starts_with("INTELSAT-ORD-"), "{}", m.id);
    assert_eq!(m.state, MonitorState::InProgress);
    let done = settle(r.backend.as_ref(), &m).await;
    assert_eq!(done.state, MonitorState::Completed);
    assert_eq!(
        done.product_id.map(|p| p.to_string()).as_deref(),
        Some("INTELSAT-10002")
    );
    let t = r.backend.terminal(&id).await.unwrap();
    assert_eq!(
        (t.status.status, t.status.native.as_str()),
        (Status::Suspended, "suspended/suspended")
    );

    let ChangeOutcome::Pending(m) = r
        .backend
        .change_terminal_status(&id, Status::Suspended, Status::Active)
        .await
        .unwrap()
    else {
        panic!("asynchronous")
    };
    assert_eq!(
        settle(r.backend.as_ref(), &m).await.state,
        MonitorState::Completed
    );
    let t = r.backend.terminal(&id).await.unwrap();
    assert_eq!(t.status.status, Status::Active);
}

#[tokio::test]
async fn a_committed_contract_rejects_suspension_in_error() {
    let r = rig(80).await;
    let all = list_all(r.backend.as_ref(), 250).await.unwrap();
    // Offering index 3 (serial − 10000 ≡ 3 mod 5) is the committed 36-month contract.
    let target = all
        .iter()
        .find(|s| {
            s.status.status == Status::Active
                && s.serial
                    .as_deref()
                    .and_then(|v| v.parse::<u64>().ok())
                    .map(|n| (n - 10_000) % 5)
                    == Some(3)
        })
        .expect("an active committed terminal");
    let id = serial(target.serial.as_deref().unwrap());
    let p = r.backend.product(&id).await.unwrap();
    assert_eq!(
        p.product_offering.as_deref(),
        Some("FlexEnterprise Committed 36M")
    );
    let ChangeOutcome::Pending(m) = r
        .backend
        .change_terminal_status(&id, Status::Active, Status::Suspended)
        .await
        .unwrap()
    else {
        panic!("asynchronous")
    };
    let done = settle(r.backend.as_ref(), &m).await;
    assert_eq!(done.state, MonitorState::InError);
    assert!(
        done.detail
            .unwrap_or_default()
            .contains("does not allow suspension")
    );
    assert_eq!(
        r.backend.terminal(&id).await.unwrap().status.status,
        Status::Active
    );
}

#[tokio::test]
async fn pending_orders_conflict_and_stay_in_progress() {
    let r = rig_with(20, Duration::from_secs(3600), "").await;
    let id = serial("10002");
    let ChangeOutcome::Pending(m) = r
        .backend
        .change_terminal_status(&id, Status::Active, Status::Suspended)
        .await
        .unwrap()
    else {
        panic!("asynchronous")
    };
    assert_eq!(
        r.backend.monitor(&m.id).await.unwrap().state,
        MonitorState::InProgress
    );
    let e = r
        .backend
        .change_terminal_status(&id, Status::Active, Status::Suspended)
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Http { status: 409, .. }), "{e}");
    let e = r
        .backend
        .monitor("INTELSAT-ORD-99999999")
        .await
        .unwrap_err();
    assert_eq!(e.exit_code(), 4, "{e}");
    let e = r.backend.monitor("TMSP-REQ1").await.unwrap_err();
    assert_eq!(e.exit_code(), 2, "{e}");
}

#[tokio::test]
async fn refused_operations_exit_3_without_a_request() {
    let r = rig(20).await;
    let id = serial("10002");
    let before = r.requests();
    let refusals = [
        r.backend.sim_card(&id).await.err(),
        r.backend.data_connectivity(&id).await.err(),
        r.backend
            .change_sim_status(&id, Status::Active, Status::Suspended)
            .await
            .err(),
        r.backend.update_characteristics(&id, &[]).await.err(),
        r.backend
            .cancel_monitor("INTELSAT-ORD-00000001")
            .await
            .err(),
        r.backend
            .change_terminal_status(&id, Status::Active, Status::Terminated)
            .await
            .err(),
        r.backend
            .change_terminal_status(&id, Status::Blocked, Status::Active)
            .await
            .err(),
    ];
    for e in refusals {
        let e = e.expect("refused");
        assert_eq!(e.exit_code(), 3, "{e}");
    }
    assert_eq!(r.requests(), before, "no request may reach the platform");
}

#[tokio::test]
async fn usage_is_kb_since_activation_in_one_or_three_buckets() {
    let r = rig(20).await;
    // Row 2 is land mobile (cellular backup): three buckets.
    let hybrid = r.backend.usage(&serial("10002")).await.unwrap();
    assert_eq!(hybrid.buckets.len(), 3);
    let g = hybrid.bucket(BucketLevel::Global, UsageType::Data).unwrap();
    let c = hybrid
        .bucket(BucketLevel::Cellular, UsageType::Data)
        .unwrap();
    let s = hybrid
        .bucket(BucketLevel::Satellite, UsageType::Data)
        .unwrap();
    assert_eq!(g.units, Unit::Kb);
    assert!((g.amount - (c.amount + s.amount)).abs() < 1e-6);
    assert!(g.period_start.is_some());
    // Row 4 is fixed (satellite only): one global bucket with the satellite amount.
    let fixed = r.backend.usage(&serial("10004")).await.unwrap();
    assert_eq!(fixed.buckets.len(), 1);
    assert_eq!(fixed.buckets[0].level, BucketLevel::Global);
    // Row 0 was never activated: no usage.
    assert!(
        r.backend
            .usage(&serial("10000"))
            .await
            .unwrap()
            .buckets
            .is_empty()
    );
}

mod snapshot {
    use super::*;
    use cmo::domain::ProductId;
    use cmo::engine::{Engine, ListEvent};
    use cmo::ui::action::Action;
    use cmo::ui::app::App;
    use cmo::ui::apply::apply;
    use cmo::ui::msg::Msg;
    use cmo::ui::panes;
    use cmo::ui::theme::Theme;
    use cmo::ui::update::update;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    #[tokio::test]
    async fn intelsat_terminal_detail_pane_120x40() {
        let r = rig(12).await;
        let engine = Engine::new(vec![r.backend.clone()]);
        let accounts = engine
            .accounts()
            .into_iter()
            .map(|a| (a.name, a.kind.as_str().to_string()))
            .collect();
        let mut app = App::new(accounts, Vec::new(), false);
        apply(
            &mut app,
            Action::Resize {
                width: 120,
                height: 40,
            },
        );
        apply(&mut app, Action::Refresh);
        for (name, result) in engine.list_all(None).await.expect("list") {
            let generation = app.list_generation;
            let event = ListEvent::Page {
                backend: name.name.clone(),
                items: result.expect("listing"),
                total: None,
            };
            update(&mut app, Msg::List { generation, event });
            let event = ListEvent::Done {
                backend: name.name,
                result: Ok(()),
            };
            update(&mut app, Msg::List { generation, event });
        }
        // Row 5: a maritime terminal (IMO, MMSI) whose contract is suspended.
        let id: ProductId = "INTELSAT-10005".parse().expect("id");
        let position = app
            .visible
            .iter()
            .position(|&i| app.rows[i].is(&id))
            .expect("row");
        for _ in 0..position {
            apply(&mut app, Action::Down);
        }
        apply(&mut app, Action::Open);
        let generation = app.detail_generation;
        let product = engine
            .product(&id)
            .await
            .map(Box::new)
            .map_err(|e| e.to_string());
        let usage = engine.usage(&id).await.map_err(|e| e.to_string());
        update(
            &mut app,
            Msg::Product {
                generation,
                id: id.clone(),
                result: product,
            },
        );
        update(
            &mut app,
            Msg::Usage {
                generation,
                id,
                result: usage,
            },
        );
        let theme = Theme::load("default").expect("theme");
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        terminal
            .draw(|f| panes::draw(f, &app, &theme))
            .expect("draw");
        let screen = format!("{}", terminal.backend());
        assert!(screen.contains("Maritime") && screen.contains("Position"));
        insta::assert_snapshot!(screen);
    }
}
