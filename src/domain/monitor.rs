//! Monitors of asynchronous carrier requests (TMF monitor states).

use super::{BackendKind, ProductId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MonitorState {
    InProgress,
    Completed,
    InError,
    Cancelled,
}

impl MonitorState {
    pub const fn as_str(self) -> &'static str {
        match self {
            MonitorState::InProgress => "InProgress",
            MonitorState::Completed => "Completed",
            MonitorState::InError => "InError",
            MonitorState::Cancelled => "Cancelled",
        }
    }

    pub const fn is_final(self) -> bool {
        !matches!(self, MonitorState::InProgress)
    }
}

/// One asynchronous request. `id` is `{BACKEND}-{carrier request id}`, so any process can route
/// it back to the backend kind that owns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Monitor {
    pub id: String,
    pub kind: BackendKind,
    /// The configured account (backend name) the request went to.
    pub backend: String,
    pub product_id: Option<ProductId>,
    /// What was asked, for humans: "status ACTIVE → SUSPENDED".
    pub request: String,
    pub state: MonitorState,
    /// The carrier's HTTP status for the final response, when known.
    pub status_code: Option<u16>,
    /// The carrier's reason for an error, sanitized before display.
    pub detail: Option<String>,
    /// RFC 3339 times.
    pub created: String,
    pub updated: Option<String>,
}

impl Monitor {
    /// Split `{BACKEND}-{native id}` into the kind and the carrier's own request id.
    pub fn split_id(id: &str) -> Option<(BackendKind, &str)> {
        let (prefix, native) = id.split_once('-')?;
        let kind = prefix.parse().ok()?;
        (!native.is_empty()).then_some((kind, native))
    }

    pub fn make_id(kind: BackendKind, native: &str) -> String {
        format!("{}-{}", kind.as_str(), native)
    }
}
