//! `Effect`: requests the pure UI core asks the runtime to carry out. `effects.rs` runs each one
//! as a tokio task calling the `Engine`, and the answer comes back as a `Msg`.

use crate::domain::{ProductId, Status};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Start (or restart) the listing of every backend; pages come back tagged `generation`.
    LoadProducts {
        generation: u64,
    },
    /// Load the bundle and the usage of one product for the detail pane.
    LoadDetail {
        generation: u64,
        id: ProductId,
    },
    ChangeStatus {
        id: ProductId,
        to: Status,
    },
    /// Re-read one product's summary (after a change) to update its row.
    RefreshRow {
        id: ProductId,
    },
    /// Poll a monitor after `after`.
    PollMonitor {
        monitor_id: String,
        after: Duration,
    },
    CancelMonitor {
        monitor_id: String,
    },
}
