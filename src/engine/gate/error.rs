//! `GateError`: why the gate refused or how a gated action failed, mapped to the CLI's exit
//! codes consistently with `BackendError` and `StoreError` (docs/cli.md).

use crate::backends::BackendError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// The console or command runs read-only. Nothing was sent and nothing was written.
    #[error("read-only mode: {action} refused")]
    ReadOnly { action: &'static str },
    /// The batch is larger than `max_batch_size`. Checked before any product is read or changed.
    #[error(
        "the batch has {size} ids; the configured maximum is {max} (max_batch_size); nothing was changed"
    )]
    BatchTooLarge { size: usize, max: usize },
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The action took effect (`done` says what happened) but the local store could not record
    /// it — the audit entry or the monitor. The carrier's state is not rolled back.
    #[error("{done}, but the local store could not record it: {source}")]
    NotRecorded { done: String, source: StoreError },
}

impl GateError {
    /// 3 (not allowed) for a read-only refusal: the request is well formed, this session may
    /// not run it. 2 for a batch too large (the request as given cannot be run); the wrapped
    /// error's code otherwise; 1 when the record of a done action failed.
    pub fn exit_code(&self) -> i32 {
        match self {
            GateError::ReadOnly { .. } => 3,
            GateError::BatchTooLarge { .. } => 2,
            GateError::Backend(e) => e.exit_code(),
            GateError::Store(e) => e.exit_code(),
            GateError::NotRecorded { .. } => 1,
        }
    }
}
