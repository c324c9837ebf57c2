//! `Msg`: results coming back to the UI task (engine, gate, store, poller, clock). Every pane
//! request carries the generation it was issued under; `update` drops an answer whose
//! generation is no longer current, so a slow carrier cannot overwrite what the user now sees.

use crate::domain::{CustomAttribute, Monitor, Product, ProductId, ProductSummary, Status, Usage};
use crate::engine::ChangeOutcome;
use crate::engine::{AttrChange, AuditEntry};
use crate::engine::{HealthEntry, ListEvent};
use chrono::{DateTime, Utc};

/// Errors travel as one-line text: the UI only shows them (sanitized at display time).
pub type MsgResult<T> = Result<T, String>;

/// One product of a finished batch, as the report shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchLine {
    pub id: ProductId,
    pub from: Option<Status>,
    /// `Ok(None)`: done at once; `Ok(Some(monitor))`: accepted, a monitor tracks it.
    pub result: Result<Option<String>, String>,
}

/// What a batch cost at the carrier: change requests sent, and `Some(max)` when they were bulk
/// requests of at most `max` products (the report says it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchCost {
    pub requests: usize,
    pub bulk: Option<usize>,
}

#[derive(Debug)]
pub enum Msg {
    /// A page or the end of one backend's listing, for the listing started under `generation`.
    List { generation: u64, event: ListEvent },
    /// The listing could not start at all (no backend selected, …).
    ListFailed { generation: u64, error: String },
    /// The store's product cache, read at start-up.
    Cached(MsgResult<Vec<ProductSummary>>),
    /// The `:` command history from the data dir (oldest first).
    History(Vec<String>),
    /// Where an export went and how many rows it wrote.
    Exported {
        path: std::path::PathBuf,
        result: MsgResult<usize>,
    },
    /// Every custom attribute the local store holds, by product.
    AttrIndex(MsgResult<std::collections::HashMap<ProductId, Vec<CustomAttribute>>>),
    /// The full bundle for the detail pane opened under `generation`.
    Product {
        generation: u64,
        id: ProductId,
        result: MsgResult<Box<Product>>,
    },
    /// Usage buckets for the detail pane opened under `generation`.
    Usage {
        generation: u64,
        id: ProductId,
        result: MsgResult<Usage>,
    },
    /// Each product's highest allowance share, from the usage history.
    UsageLevels(MsgResult<Vec<(ProductId, f64)>>),
    /// Accounts' summed daily data use (bytes) from the usage history.
    AccountUsage(MsgResult<Vec<(String, Vec<crate::domain::quota::DailyUse>)>>),
    /// The network session / attach state for the detail pane opened under `generation`
    /// (`Ok(None)`: the platform offers none).
    Session {
        generation: u64,
        id: ProductId,
        result: MsgResult<Option<crate::domain::SessionState>>,
    },
    /// Custom attributes for the detail pane opened under `generation`, with the CMO account
    /// that stores them (`None`: the local store).
    Attrs {
        generation: u64,
        id: ProductId,
        result: MsgResult<(Vec<CustomAttribute>, Option<String>)>,
    },
    /// The outcome of an attribute mutation (`what` names it for the status line).
    AttrChanged {
        id: ProductId,
        what: String,
        result: MsgResult<AttrChange>,
    },
    /// The outcome of a confirmed status change.
    StatusChanged {
        id: ProductId,
        to: Status,
        result: MsgResult<ChangeOutcome>,
    },
    /// The outcome of a confirmed batch: one line per product, or the gate's refusal.
    BatchDone {
        to: Status,
        result: MsgResult<Vec<BatchLine>>,
        cost: BatchCost,
    },
    /// Every monitor the store holds.
    Monitors(MsgResult<Vec<Monitor>>),
    /// One monitor changed (the poller's broadcast).
    MonitorUpdate(Monitor),
    /// The poller's broadcast lagged: updates were lost, reload from the store.
    MonitorsLagged,
    /// The outcome of a confirmed monitor cancel.
    MonitorCancelled {
        monitor_id: String,
        result: MsgResult<Monitor>,
    },
    /// The audit journal for the view opened under `generation`, oldest first.
    Audit {
        generation: u64,
        result: MsgResult<Vec<AuditEntry>>,
    },
    /// A characteristics update's outcome: `Some(monitor id)` when the carrier applies it later.
    CharacteristicsUpdated {
        id: ProductId,
        result: MsgResult<Option<String>>,
    },
    /// What the backends hold under one ICCID or serial (a lookup from the filter).
    Found {
        id: crate::domain::BusinessId,
        result: MsgResult<Vec<ProductSummary>>,
    },
    /// A single row re-read after a change.
    RowRefreshed {
        id: ProductId,
        result: MsgResult<ProductSummary>,
    },
    /// Every configured backend's health, in account order.
    Health(Vec<HealthEntry>),
    /// The clock, once a second; ages on screen are computed from it.
    Tick(DateTime<Utc>),
}
