//! Shared rig of the AIRLINQ, STC and TURKCELL adapter tests: the simulators on loopback
//! (port 0) and a guarded backend of one kind built through the registry, plus paging and
//! monitor helpers. Each test file uses only part of it.
#![allow(dead_code)]

use cmo::backends::{Backend, BackendError, ChangeOutcome, PageRequest, registry};
use cmo::config::Config;
use cmo::domain::{BusinessId, Monitor, ProductSummary};
use cmo::sim::{self, FaultControl, SimHandle, SimOptions, SimPlatform};
use std::sync::Arc;
use std::time::Duration;

pub struct Rig {
    pub sim: SimHandle,
    pub kind: &'static str,
    pub backend: Arc<dyn Backend>,
}

impl Rig {
    pub fn platform(&self) -> &SimPlatform {
        self.sim.platform(self.kind).expect("simulated platform")
    }

    pub fn control(&self) -> &FaultControl {
        &self.platform().control
    }

    pub fn requests(&self) -> u64 {
        self.control().requests_total()
    }

    /// Another backend on the same platform with a different secret.
    pub fn with_secret(&self, secret: &str) -> Arc<dyn Backend> {
        backend_for(self.platform(), secret)
    }
}

fn backend_for(p: &SimPlatform, secret: &str) -> Arc<dyn Backend> {
    let text = format!(
        "[[backend]]\nname = \"{}\"\nkind = \"{}\"\nbase_url = \"{}\"\naccount_id = \"{}\"\nrate_limit_per_second = 1000\nmax_retries = 1\n[backend.auth]\nusername = \"{}\"\nsecret = \"{}\"\n",
        p.name, p.kind, p.base_url, p.account_id, p.username, secret
    );
    let config = Config::from_toml_str(&text, "test").expect("config");
    registry::build(&config).expect("registry").remove(0)
}

pub async fn rig(kind: &'static str, size: usize, async_delay: Duration) -> Rig {
    let sim = sim::start(SimOptions {
        size,
        seed: 11,
        async_delay,
        ..SimOptions::default()
    })
    .await
    .expect("simulators start");
    let p = sim.platform(kind).expect("simulated platform");
    let backend = backend_for(p, &p.secret);
    Rig { sim, kind, backend }
}

/// Every page with `page_size`, and the number of pages it took.
pub async fn list_all(
    backend: &dyn Backend,
    page_size: u32,
) -> Result<(Vec<ProductSummary>, usize), BackendError> {
    let mut all = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = backend
            .list_products(PageRequest {
                cursor,
                page_size: Some(page_size),
            })
            .await?;
        pages += 1;
        all.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok((all, pages)),
        }
        assert!(pages < 10_000, "paging does not end");
    }
}

pub fn business(s: &ProductSummary) -> BusinessId {
    s.id.business()
}

pub fn pending(outcome: ChangeOutcome) -> Monitor {
    match outcome {
        ChangeOutcome::Pending(m) => m,
        other => panic!("asynchronous platform answered {other:?}"),
    }
}

/// Polls until the monitor is final (the simulator settles due jobs on every read).
pub async fn settle(backend: &dyn Backend, monitor: &Monitor) -> Monitor {
    for _ in 0..400 {
        let m = backend.monitor(&monitor.id).await.expect("monitor poll");
        if m.state.is_final() {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("monitor {} never finished", monitor.id);
}

/// An ICCID that belongs to no simulated AIRLINQ/STC/TURKCELL inventory (a 1NCE one).
pub async fn foreign_iccid(rig: &Rig) -> BusinessId {
    let p = rig.sim.platform("1NCE").expect("1NCE simulator");
    let other = backend_for(p, &p.secret);
    let page = other
        .list_products(PageRequest::default())
        .await
        .expect("1NCE page");
    business(&page.items[0])
}
