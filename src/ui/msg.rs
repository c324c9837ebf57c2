//! `Msg`: results coming back from the engine to the UI task. Every pane request carries the
//! generation it was issued under; `update` drops an answer whose generation is no longer
//! current, so a slow carrier cannot overwrite what the user is now looking at.

use crate::backends::ChangeOutcome;
use crate::domain::{Monitor, Product, ProductId, ProductSummary, Status, Usage};
use crate::engine::{HealthEntry, ListEvent};

/// Errors travel as one-line text: the UI only shows them (sanitized at display time).
pub type MsgResult<T> = Result<T, String>;

#[derive(Debug)]
pub enum Msg {
    /// A page or the end of one backend's listing, for the listing started under `generation`.
    List { generation: u64, event: ListEvent },
    /// The listing could not start at all (no backend selected, …).
    ListFailed { generation: u64, error: String },
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
    /// The outcome of a confirmed status change.
    StatusChanged {
        id: ProductId,
        to: Status,
        result: MsgResult<ChangeOutcome>,
    },
    /// A poll (or cancel) of a monitor; `monitor_id` names it even when the call failed.
    Monitor {
        monitor_id: String,
        result: MsgResult<Monitor>,
    },
    /// A single row re-read after a change.
    RowRefreshed {
        id: ProductId,
        result: MsgResult<ProductSummary>,
    },
    /// Every configured backend's health, in account order.
    Health(Vec<HealthEntry>),
}
