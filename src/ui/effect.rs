//! `Effect`: requests the pure UI core asks the runtime to carry out. `effects.rs` runs each one
//! as a tokio task against the engine (reads), the gate (every mutation) or the store, and the
//! answer comes back as a `Msg`.

use crate::domain::{BusinessId, Characteristic, ProductId, ProductSummary, Status};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start (or restart) the listing of every backend; pages come back tagged `generation`.
    LoadProducts { generation: u64 },
    /// Load the last listing kept in the store's product cache, in chunks (a first screenful,
    /// then `CACHE_CHUNK` rows per `Msg::Cached`).
    LoadCache,
    /// One page of `backend`'s listing `generation`, for the product cache (staged: the cache
    /// changes only when the listing completes).
    CachePage {
        backend: String,
        generation: u64,
        rows: Vec<ProductSummary>,
    },
    /// `backend`'s listing `generation` completed: its staged pages become its cache.
    CacheCommit { backend: String, generation: u64 },
    /// Load the bundle (with its usage) and the custom attributes of one product for the
    /// detail pane.
    LoadDetail { generation: u64, id: ProductId },
    /// Load the usage of the detail pane's product, for a platform whose bundle came without it.
    LoadUsage { generation: u64, id: ProductId },
    /// Reload only the custom attributes of the detail pane opened under `generation`.
    LoadAttrs { generation: u64, id: ProductId },
    /// Through the gate: one product's status.
    /// `seen`: the status and kind of product the operator was shown, so the change is sent
    /// without reading the product first; `None` (a product no row shows) reads it first.
    ChangeStatus {
        id: ProductId,
        to: Status,
        seen: Option<crate::engine::Seen>,
    },
    /// Through the gate: every id (one account) to `to`.
    BatchStatus { ids: Vec<ProductId>, to: Status },
    /// Re-read one product's summary (after a change) to update its row.
    RefreshRow { id: ProductId },
    /// Every monitor the store holds.
    LoadMonitors,
    /// Each product's allowance level last recorded in the usage history (marks the list).
    LoadUsageLevels,
    /// The named accounts' summed daily data use from the usage history (backends view).
    LoadAccountUsage { accounts: Vec<String> },
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
    /// Put `text` on the clipboard with an OSC 52 sequence (the runtime writes it to the
    /// terminal: works over SSH, and in tmux with `set -g set-clipboard on`).
    Copy { text: String },
    /// Switch to a theme by name (the runtime holds the theme).
    SetTheme { name: String },
    /// Write `rows` as CSV to `path`.
    Export {
        path: PathBuf,
        rows: Vec<ProductSummary>,
    },
    /// The `:` history, to keep in the data dir.
    SaveHistory { lines: Vec<String> },
    /// Read the `:` history kept in the data dir.
    LoadHistory,
    /// Every custom attribute in the local store, so rows can be searched by `attr:`.
    LoadAttrIndex,
    /// Through the gate: change product characteristics at the carrier.
    UpdateCharacteristics {
        id: ProductId,
        changes: Vec<Characteristic>,
    },
}
