//! `Effect`: requests the pure UI core asks the runtime to carry out. `effects.rs` runs each one
//! as a tokio task against the engine (reads), the gate (every mutation) or the store, and the
//! answer comes back as a `Msg`.

use crate::domain::{BusinessId, Characteristic, ProductId, ProductSummary, Status};

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start (or restart) the listing of every backend; pages come back tagged `generation`.
    LoadProducts { generation: u64 },
    /// Load the last listing kept in the store's product cache.
    LoadCache,
    /// Replace what the cache holds for `backend` with the rows its listing just returned.
    CacheReplace {
        backend: String,
        rows: Vec<ProductSummary>,
    },
    /// Load the bundle, the usage and the custom attributes of one product for the detail pane.
    LoadDetail { generation: u64, id: ProductId },
    /// Reload only the custom attributes of the detail pane opened under `generation`.
    LoadAttrs { generation: u64, id: ProductId },
    /// Through the gate: one product's status.
    ChangeStatus { id: ProductId, to: Status },
    /// Through the gate: every id (one account) to `to`.
    BatchStatus { ids: Vec<ProductId>, to: Status },
    /// Re-read one product's summary (after a change) to update its row.
    RefreshRow { id: ProductId },
    /// Every monitor the store holds.
    LoadMonitors,
    /// Through the gate: cancel a carrier request.
    CancelMonitor { monitor_id: String },
    /// Through the gate: create or replace an attribute.
    SetAttr {
        id: ProductId,
        name: String,
        value: String,
    },
    /// Through the gate: rename an attribute.
    RenameAttr {
        id: ProductId,
        old: String,
        new: String,
    },
    /// Through the gate: delete an attribute.
    DeleteAttr { id: ProductId, name: String },
    /// The audit journal, for the view opened under `generation`.
    LoadAudit { generation: u64 },
    /// Ask every backend for the product with this ICCID or serial (`products find`).
    Find { id: BusinessId },
    /// Through the gate: change product characteristics at the carrier.
    UpdateCharacteristics {
        id: ProductId,
        changes: Vec<Characteristic>,
    },
}
