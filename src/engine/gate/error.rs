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
    /// The write-ahead attempt could not be written, so the change was not sent ("no
    /// journal, no change"; docs/safety.md).
    #[error("{action} not sent: the journal could not record the attempt ({source})")]
    NotJournaled { action: String, source: StoreError },
    /// The request left, but its answer could not be read and a verification read could not
    /// settle it: the carrier may or may not have made the change. Journaled as `outcome
    /// unknown`; the next run that reaches the carrier reconciles it.
    #[error("outcome unknown: {what}: {detail}")]
    OutcomeUnknown { what: String, detail: String },
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
            GateError::NotRecorded { .. } | GateError::OutcomeUnknown { .. } => 1,
            GateError::NotJournaled { source, .. } => source.exit_code(),
        }
    }
}
