//! The gate's side of the write-ahead journal (docs/safety.md, "Write-ahead journal"): the
//! attempt written before a request leaves ("no journal, no change"), the entry that closes it,
//! and what an unreadable answer to a mutation becomes — never "failed", since the request may
//! well have reached the carrier: a monitor when the body still carries the carrier's request
//! id, else the verdict of a verification read, else "outcome unknown" for the next run to
//! reconcile.

use super::{Gate, GateError};
use crate::backends::BackendError;
use crate::domain::{BackendKind, Monitor, MonitorState, ProductId};
use crate::store::{NewAttempt, OUTCOME_UNKNOWN, StoreError};

impl Gate {
    /// Write the attempt before anything is sent; when it cannot be written the change is
    /// refused with [`GateError::NotJournaled`] and nothing leaves.
    pub(super) async fn begin(
        &self,
        action: &str,
        product: String,
        target: String,
        before: Option<String>,
    ) -> Result<i64, GateError> {
        let attempt = NewAttempt {
            action: action.to_string(),
            product_id: product,
            target,
            before,
        };
        self.store
            .attempt_begin(&self.operator, attempt)
            .await
            .map_err(|source| {
                tracing::error!(action, error = %source, "journal attempt not written; nothing sent");
                GateError::NotJournaled {
                    action: action.to_string(),
                    source,
                }
            })
    }

    /// Refuse before any read or request when the store cannot take a mutation (damaged or
    /// read-only file): the same answer as a failed attempt, earlier.
    pub(super) async fn ensure_journal(&self, action: &str) -> Result<(), GateError> {
        self.store
            .ensure_sound()
            .await
            .map_err(|source| GateError::NotJournaled {
                action: action.to_string(),
                source,
            })
    }
}

/// Whether an error says the carrier's answer was unreadable (the request may have arrived).
pub fn is_unreadable(error: &BackendError) -> bool {
    matches!(error, BackendError::Malformed { .. })
}

/// The carrier request id a malformed answer still carries (`"requestId":"REQ00000001"`), on
/// platforms whose changes are asynchronous (a monitor can then follow the request).
pub fn request_id_in(kind: BackendKind, error: &BackendError) -> Option<String> {
    let BackendError::Malformed { detail, .. } = error else {
        return None;
    };
    if crate::domain::capabilities::update_mode(kind)
        != Some(crate::domain::capabilities::UpdateMode::Async)
    {
        return None;
    }
    let key = "\"requestId\"";
    let rest = &detail[detail.find(key)? + key.len()..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    let id: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(64)
        .collect();
    // The id must be complete: the body may have been cut inside it.
    let complete = rest[id.len()..].starts_with('"');
    (!id.is_empty() && complete).then_some(id)
}

/// The monitor for a request whose answer was unreadable but named its request id.
pub fn recovered_monitor(
    kind: BackendKind,
    error: &BackendError,
    product: &ProductId,
    request: String,
    native: &str,
) -> Monitor {
    let backend = match error {
        BackendError::Malformed { backend, .. } => backend.clone(),
        _ => kind.as_str().to_string(),
    };
    Monitor {
        id: Monitor::make_id(kind, native),
        kind,
        backend,
        product_id: Some(product.clone()),
        request,
        state: MonitorState::InProgress,
        status_code: None,
        detail: None,
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        updated: None,
    }
}

/// `outcome unknown: the answer to … was unreadable (…)` — the journal's result and the
/// message's start, one wording everywhere.
pub fn unknown_text(what: &str, error: &BackendError, found: &str) -> String {
    format!("{OUTCOME_UNKNOWN}: the answer to {what} was unreadable ({error}); {found}")
}

/// A store error while writing an attempt is never hidden behind the action's own error.
pub fn journal_refusal(action: &str, source: StoreError) -> GateError {
    GateError::NotJournaled {
        action: action.to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn malformed(detail: &str) -> BackendError {
        BackendError::Malformed {
            backend: "tmsp-demo".into(),
            detail: detail.into(),
        }
    }

    #[test]
    fn request_ids_are_found_only_whole_and_only_on_async_platforms() {
        let e = malformed(
            r#"expected SIM: EOF while parsing (body starts: {"requestId":"REQ00000001","requestType":"STATUS_CHANGE","state":"InProgress","iccid":"89)"#,
        );
        assert_eq!(
            request_id_in(BackendKind::Tmsp, &e).as_deref(),
            Some("REQ00000001")
        );
        // 1NCE is synchronous: no monitor could follow it.
        assert_eq!(request_id_in(BackendKind::OneNce, &e), None);
        // Cut inside the id: not trusted.
        let cut = malformed(r#"expected SIM: EOF (body starts: {"requestId":"REQ000"#);
        assert_eq!(request_id_in(BackendKind::Tmsp, &cut), None);
        let none = malformed(r#"expected SIM: EOF (body starts: {"state":"InProgress"}"#);
        assert_eq!(request_id_in(BackendKind::Tmsp, &none), None);
        let other = BackendError::Timeout {
            backend: "x".into(),
            timeout: std::time::Duration::from_secs(1),
        };
        assert!(!is_unreadable(&other));
        assert!(is_unreadable(&cut));
    }
}
