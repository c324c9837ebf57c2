//! The typed errors every adapter returns, and how each maps to the CLI's exit codes.

use crate::domain::{BackendKind, Operation, Status};
use std::time::Duration;

#[derive(Debug, Clone, thiserror::Error)]
pub enum BackendError {
    /// The seed's support matrix marks the operation ✖ for this backend. No request was sent.
    #[error("{operation} is not supported by {kind}")]
    NotSupported {
        kind: BackendKind,
        operation: Operation,
    },
    /// The transition is not in the seed's table for this backend. No request was sent.
    #[error("{kind} does not allow the status change {from} → {to}")]
    TransitionNotAllowed {
        kind: BackendKind,
        from: Status,
        to: Status,
    },
    #[error("{what} not found on {backend}")]
    NotFound { backend: String, what: String },
    #[error("{backend} is rate limiting requests (still limited after {attempts} attempts)")]
    RateLimited { backend: String, attempts: u32 },
    #[error("{backend} rejected the credentials: {detail}")]
    Unauthorized { backend: String, detail: String },
    #[error("{backend} refused the request: {detail}")]
    Forbidden { backend: String, detail: String },
    #[error("{backend} answered HTTP {status}: {detail}")]
    Http {
        backend: String,
        status: u16,
        detail: String,
    },
    #[error("{backend} did not answer within {timeout:?}")]
    Timeout { backend: String, timeout: Duration },
    #[error("{backend} is unreachable: {detail}")]
    Unreachable { backend: String, detail: String },
    #[error("{backend} sent a response we could not read: {detail}")]
    Malformed { backend: String, detail: String },
    #[error("{0}")]
    InvalidInput(String),
    #[error("{backend}: {detail}")]
    Other { backend: String, detail: String },
}

pub type BackendResult<T> = Result<T, BackendError>;

impl BackendError {
    pub fn not_supported(kind: BackendKind, operation: Operation) -> Self {
        BackendError::NotSupported { kind, operation }
    }

    /// Exit code per docs/cli.md: 3 not supported / not allowed, 4 not found, 2 bad input,
    /// 1 every runtime failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            // A 403 is "these credentials may not do this" (a read-only CMO client or gateway
            // client): a refusal like the read-only mode's, exit 3 as GateError::ReadOnly.
            BackendError::NotSupported { .. }
            | BackendError::TransitionNotAllowed { .. }
            | BackendError::Forbidden { .. } => 3,
            BackendError::NotFound { .. } => 4,
            BackendError::InvalidInput(_) => 2,
            _ => 1,
        }
    }

    /// Whether a retry may succeed (5xx, timeouts, connection failures, rate limits).
    pub fn is_transient(&self) -> bool {
        match self {
            BackendError::Http { status, .. } => *status >= 500,
            BackendError::Timeout { .. }
            | BackendError::Unreachable { .. }
            | BackendError::RateLimited { .. } => true,
            _ => false,
        }
    }
}
