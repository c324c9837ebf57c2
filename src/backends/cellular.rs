//! Pieces shared by the adapters of cellular-only platforms addressed by ICCID (AIRLINQ, STC,
//! TURKCELL): the ICCID of a business id, the summary and product bundle built from a SIM card,
//! data connectivity and usage, naming a 404, and monitors of asynchronous orders. The wire
//! formats stay in each adapter; only the normalized assembly lives here.

use super::{Account, BackendError, BackendResult};
use crate::domain::{
    ConnectivityType, DataConnectivity, Monitor, MonitorState, ProductId, ProductSummary,
    RelatedParty, SimCard, Usage,
};
use crate::domain::{Product, UsageSample};
use crate::text::sanitize;

pub use super::kit::{iccid, name_sim};

/// The list row of a SIM.
pub fn summary(account: &Account, sim: &SimCard) -> ProductSummary {
    ProductSummary {
        id: ProductId::new(account.kind, sim.iccid.clone()),
        related_party: RelatedParty {
            id: account.account_id.clone(),
            name: account.name.clone(),
        },
        connectivity: ConnectivityType::Cellular,
        status: sim.status.clone(),
        iccid: Some(sim.iccid.clone()),
        imsi: sim.imsi.clone(),
        msisdn: sim.msisdn.clone(),
        serial: None,
        terminal_name: None,
        latitude: None,
        longitude: None,
        attrs: Vec::new(),
    }
}

/// The full bundle: SIM card, data connectivity and usage (cellular only → one global bucket).
pub fn product(
    account: &Account,
    sim: SimCard,
    connectivity: DataConnectivity,
    usage: Usage,
    start_date: Option<String>,
) -> Product {
    Product {
        summary: summary(account, &sim),
        product_offering: connectivity.communication_plan.clone(),
        start_date,
        characteristics: Vec::new(),
        sim_card: Some(sim),
        data_connectivity: Some(connectivity),
        terminal: None,
        usage: Some(usage),
        custom: Vec::new(),
    }
}

/// Usage of a cellular-only product: the seed's rule gives the single global bucket.
pub fn cellular_usage(samples: &[UsageSample]) -> Usage {
    Usage::from_samples(samples, &[])
}

/// A monitor id for `native` if it belongs to `account`'s kind and is a plain token.
pub fn native_monitor_id<'a>(account: &Account, monitor_id: &'a str) -> BackendResult<&'a str> {
    match Monitor::split_id(monitor_id) {
        Some((kind, native))
            if kind == account.kind
                && native
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-') =>
        {
            Ok(native)
        }
        _ => Err(BackendError::InvalidInput(format!(
            "'{monitor_id}' is not a {kind} monitor id (expected {kind}-<request id>)",
            kind = account.kind.as_str()
        ))),
    }
}

/// What an adapter read about one asynchronous order.
pub struct OrderState {
    pub native_id: String,
    pub iccid: Option<String>,
    pub state: MonitorState,
    pub request: String,
    pub detail: Option<String>,
    pub created: Option<String>,
}

pub fn monitor(account: &Account, order: OrderState) -> Monitor {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Monitor {
        id: Monitor::make_id(account.kind, &order.native_id),
        kind: account.kind,
        backend: account.name.clone(),
        product_id: order
            .iccid
            .map(|i| ProductId::new(account.kind, sanitize(&i))),
        request: order.request,
        state: order.state,
        status_code: None,
        detail: order.detail.map(|d| sanitize(&d)),
        created: order.created.unwrap_or_else(|| now.clone()),
        updated: Some(now),
    }
}
