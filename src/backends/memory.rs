//! `MemoryBackend`: an in-process test double holding products in memory. It lets the engine,
//! the UI and snapshot tests run without HTTP; adapter behaviour is tested against the
//! simulators instead. It counts calls so tests can prove a refusal never reached it.
//! Status and characteristics changes are synchronous unless
//! [`MemoryBackend::with_async_changes`] makes them pending monitors (see `memory_jobs.rs`).

use super::memory_jobs::{Deferred, Jobs};
use super::{Account, Backend, BackendError, BackendResult, ChangeOutcome, Page, PageRequest};
use crate::domain::{
    BackendKind, BusinessId, Characteristic, ConnectivityType, DataConnectivity, Monitor,
    NativeStatus, Product, ProductId, ProductSummary, RelatedParty, SimCard, Status, Terminal,
    Usage, UsageSample,
    usage::{Unit, UsageType},
};
use async_trait::async_trait;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct MemoryBackend {
    account: Account,
    products: Mutex<Vec<Product>>,
    page_size: usize,
    calls: AtomicUsize,
    jobs: Mutex<Jobs>,
}

impl MemoryBackend {
    /// `count` deterministic products of `kind` (cellular, or satellite for INTELSAT/GALAXY1).
    pub fn generate(name: &str, kind: BackendKind, count: usize) -> Self {
        let account = Account {
            name: name.to_string(),
            kind,
            account_id: format!("{}-ACC", kind.as_str()),
        };
        let satellite = matches!(kind, BackendKind::Intelsat | BackendKind::Galaxy1);
        let statuses = [
            Status::Active,
            Status::Active,
            Status::Suspended,
            Status::Active,
        ];
        let products = (0..count)
            .map(|i| {
                let status =
                    NativeStatus::new(statuses[i % statuses.len()], statuses[i % 4].as_str());
                let party = RelatedParty {
                    id: account.account_id.clone(),
                    name: name.to_string(),
                };
                if satellite {
                    let serial = format!("{}", 27_000 + i);
                    Product {
                        summary: ProductSummary {
                            id: ProductId::new(kind, serial.clone()),
                            related_party: party,
                            connectivity: ConnectivityType::Satellite,
                            status: status.clone(),
                            iccid: None,
                            imsi: None,
                            msisdn: None,
                            serial: Some(serial.clone()),
                            terminal_name: Some(format!("Vessel {i}")),
                            latitude: Some(53.5),
                            longitude: Some(9.9),
                            attrs: Vec::new(),
                        },
                        product_offering: None,
                        start_date: None,
                        characteristics: vec![],
                        sim_card: None,
                        data_connectivity: None,
                        terminal: Some(Terminal {
                            serial,
                            name: Some(format!("Vessel {i}")),
                            status,
                            latitude: Some(53.5),
                            longitude: Some(9.9),
                            model: Some("FX-250".into()),
                            mobility_type: Some("Maritime".into()),
                            antenna_code: None,
                            imo_number: None,
                            mmsi: None,
                            last_updated: None,
                            characteristics: vec![],
                        }),
                        usage: None,
                        custom: vec![],
                    }
                } else {
                    let iccid = format!("8988228066{:09}", i);
                    let imsi = format!("90140510{:07}", i);
                    let msisdn = format!("88228{:08}", i);
                    Product {
                        summary: ProductSummary {
                            id: ProductId::new(kind, iccid.clone()),
                            related_party: party,
                            connectivity: ConnectivityType::Cellular,
                            status: status.clone(),
                            iccid: Some(iccid.clone()),
                            imsi: Some(imsi.clone()),
                            msisdn: Some(msisdn.clone()),
                            serial: None,
                            terminal_name: None,
                            latitude: None,
                            longitude: None,
                            attrs: Vec::new(),
                        },
                        product_offering: Some("IoT Flex 500MB".into()),
                        start_date: Some("2025-03-09T07:59:09Z".into()),
                        characteristics: vec![],
                        sim_card: Some(SimCard {
                            iccid,
                            imsi: Some(imsi),
                            msisdn: Some(msisdn),
                            imei: None,
                            status,
                            characteristics: vec![],
                        }),
                        data_connectivity: Some(DataConnectivity {
                            network_provider: Some("Telekom DE".into()),
                            connectivity_type: Some("LTE-M".into()),
                            communication_plan: Some("Global IoT".into()),
                            apns: vec!["iot.example".into()],
                            characteristics: vec![],
                        }),
                        terminal: None,
                        usage: Some(Usage::from_samples(
                            &[UsageSample {
                                usage_type: UsageType::Data,
                                amount: (i % 50) as f64 * 1.25,
                                units: Unit::Mb,
                                period_start: Some("2026-11-01T00:00:00Z".into()),
                                period_end: Some("2026-11-29T00:00:00Z".into()),
                            }],
                            &[],
                        )),
                        custom: vec![],
                    }
                }
            })
            .collect();
        Self {
            account,
            products: Mutex::new(products),
            page_size: 50,
            calls: AtomicUsize::new(0),
            jobs: Mutex::new(Jobs::default()),
        }
    }

    /// Make status and characteristics changes asynchronous: each is answered with
    /// `ChangeOutcome::Pending(monitor)`, and the change is applied when the monitor completes,
    /// on its `polls_to_complete`-th poll (at least 1). `cancel_monitor` cancels it unapplied.
    pub fn with_async_changes(self, polls_to_complete: u32) -> Self {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.polls_to_complete = Some(polls_to_complete);
        }
        self
    }

    /// Let the next `count` monitor polls fail with a transient error (`Unreachable`).
    pub fn fail_monitor_polls(&self, count: u32) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.failing_polls = count;
        }
    }

    /// How many trait calls reached this backend.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn find_product(&self, id: &BusinessId) -> BackendResult<Product> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let products = self.products.lock().map_err(|_| self.poisoned())?;
        products
            .iter()
            .find(|p| p.summary.id.business_id == id.as_str())
            .cloned()
            .ok_or_else(|| BackendError::NotFound {
                backend: self.account.name.clone(),
                what: format!("product {id}"),
            })
    }

    fn poisoned(&self) -> BackendError {
        BackendError::Other {
            backend: self.account.name.clone(),
            detail: "in-memory state poisoned".into(),
        }
    }

    fn with_product<R>(
        &self,
        id: &str,
        change: impl FnOnce(&mut Product) -> R,
    ) -> BackendResult<R> {
        let mut products = self.products.lock().map_err(|_| self.poisoned())?;
        let p = products
            .iter_mut()
            .find(|p| p.summary.id.business_id == id)
            .ok_or_else(|| BackendError::NotFound {
                backend: self.account.name.clone(),
                what: format!("product {id}"),
            })?;
        Ok(change(p))
    }

    fn apply(&self, id: &str, change: &Deferred) -> BackendResult<()> {
        self.with_product(id, |p| match change {
            Deferred::Status(to) => {
                let st = NativeStatus::new(*to, to.as_str());
                p.summary.status = st.clone();
                if let Some(s) = p.sim_card.as_mut() {
                    s.status = st.clone();
                }
                if let Some(t) = p.terminal.as_mut() {
                    t.status = st;
                }
            }
            Deferred::Characteristics(changes) => {
                for c in changes {
                    match p.characteristics.iter_mut().find(|o| o.name == c.name) {
                        Some(old) => old.value = c.value.clone(),
                        None => p.characteristics.push(c.clone()),
                    }
                }
            }
        })
    }

    /// Apply `change` now (sync mode) or accept it as a pending request (async mode).
    fn change(
        &self,
        id: &BusinessId,
        request: String,
        change: Deferred,
    ) -> BackendResult<ChangeOutcome> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let product = self.with_product(id.as_str(), |p| p.summary.id.clone())?;
        let mut jobs = self.jobs.lock().map_err(|_| self.poisoned())?;
        if jobs.polls_to_complete.is_some() {
            let monitor = jobs.accept(&self.account.name, self.kind(), product, request, change);
            return Ok(ChangeOutcome::Pending(monitor));
        }
        drop(jobs);
        self.apply(id.as_str(), &change)?;
        Ok(ChangeOutcome::Done {
            status: match change {
                Deferred::Status(to) => Some(to),
                Deferred::Characteristics(_) => None,
            },
        })
    }

    fn change_status(
        &self,
        id: &BusinessId,
        from: Status,
        to: Status,
    ) -> BackendResult<ChangeOutcome> {
        self.change(id, format!("status {from} → {to}"), Deferred::Status(to))
    }
}

#[async_trait]
impl Backend for MemoryBackend {
    fn account(&self) -> &Account {
        &self.account
    }

    async fn list_products(&self, page: PageRequest) -> BackendResult<Page<ProductSummary>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let start: usize = match page.cursor.as_deref() {
            None => 0,
            Some(c) => c
                .parse()
                .map_err(|_| BackendError::InvalidInput(format!("bad cursor '{c}'")))?,
        };
        let size = page.page_size.map_or(self.page_size, |s| s as usize).max(1);
        let products = self.products.lock().map_err(|_| self.poisoned())?;
        let items: Vec<_> = products
            .iter()
            .skip(start)
            .take(size)
            .map(|p| p.summary.clone())
            .collect();
        let end = start + items.len();
        Ok(Page {
            next: (end < products.len()).then(|| end.to_string()),
            total: Some(products.len() as u64),
            items,
        })
    }

    async fn product(&self, id: &BusinessId) -> BackendResult<Product> {
        self.find_product(id)
    }

    async fn sim_card(&self, id: &BusinessId) -> BackendResult<SimCard> {
        let p = self.find_product(id)?;
        p.sim_card.ok_or_else(|| BackendError::NotFound {
            backend: self.account.name.clone(),
            what: format!("SIM card of {id}"),
        })
    }

    async fn terminal(&self, id: &BusinessId) -> BackendResult<Terminal> {
        let p = self.find_product(id)?;
        p.terminal.ok_or_else(|| BackendError::NotFound {
            backend: self.account.name.clone(),
            what: format!("terminal {id}"),
        })
    }

    async fn data_connectivity(&self, id: &BusinessId) -> BackendResult<DataConnectivity> {
        let p = self.find_product(id)?;
        p.data_connectivity.ok_or_else(|| BackendError::NotFound {
            backend: self.account.name.clone(),
            what: format!("data connectivity of {id}"),
        })
    }

    async fn usage(&self, id: &BusinessId) -> BackendResult<Usage> {
        Ok(self.find_product(id)?.usage.unwrap_or_default())
    }

    async fn change_sim_status(
        &self,
        id: &BusinessId,
        from: Status,
        to: Status,
    ) -> BackendResult<ChangeOutcome> {
        self.change_status(id, from, to)
    }

    async fn change_terminal_status(
        &self,
        id: &BusinessId,
        from: Status,
        to: Status,
    ) -> BackendResult<ChangeOutcome> {
        self.change_status(id, from, to)
    }

    async fn update_characteristics(
        &self,
        id: &BusinessId,
        changes: &[Characteristic],
    ) -> BackendResult<ChangeOutcome> {
        let names: Vec<&str> = changes.iter().map(|c| c.name.as_str()).collect();
        self.change(
            id,
            format!("characteristics {}", names.join(", ")),
            Deferred::Characteristics(changes.to_vec()),
        )
    }

    async fn monitor(&self, monitor_id: &str) -> BackendResult<Monitor> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let (monitor, completed) = self
            .jobs
            .lock()
            .map_err(|_| self.poisoned())?
            .poll(&self.account.name, monitor_id)?;
        if let Some((id, change)) = completed {
            self.apply(&id, &change)?;
        }
        Ok(monitor)
    }

    async fn cancel_monitor(&self, monitor_id: &str) -> BackendResult<Monitor> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.jobs
            .lock()
            .map_err(|_| self.poisoned())?
            .cancel(&self.account.name, monitor_id)
    }
}
