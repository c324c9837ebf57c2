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

    use crate::backends::memory::MemoryBackend;
    use crate::backends::{Backend, Guarded};
    use crate::domain::Status;
    use crate::engine::Engine;
    use crate::store::{Operator, Store, StoreHandle};
    use std::sync::Arc;

    fn gate_over(backend: &Arc<MemoryBackend>, store: StoreHandle) -> Gate {
        let guarded = Arc::new(Guarded::new(backend.clone() as Arc<dyn Backend>));
        let engine = Engine::new(vec![guarded as Arc<dyn Backend>]);
        Gate::new(
            engine,
            store,
            Operator::from_vars(Some("noc-7"), None, None),
        )
    }

    fn sim(i: usize) -> ProductId {
        ProductId::new(BackendKind::OneNce, format!("8988228066{i:09}"))
    }

    #[tokio::test]
    async fn every_change_closes_its_attempt_and_a_store_that_cannot_journal_sends_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
        let onence = Arc::new(MemoryBackend::generate("onence", BackendKind::OneNce, 4));
        let gate = gate_over(&onence, store.clone());
        gate.change_status(&sim(0), Status::Suspended)
            .await
            .unwrap();
        let items = gate
            .batch_status(&[sim(1), sim(2)], Status::Suspended)
            .await
            .unwrap();
        assert_eq!(items.len(), 2);
        assert!(store.attempts_open().await.unwrap().is_empty());
        let records = store.audit_records_since(None).await.unwrap();
        assert_eq!(records.len(), 2, "{records:?}");
        assert!(
            records[0].attempt.is_some(),
            "a single change names its attempt"
        );
        drop((gate, store));

        // The same data, opened read-only: nothing is sent, the refusal names the file.
        let path = dir.path().join(crate::store::DB_FILE_NAME);
        let read_only = StoreHandle::spawn(Store::open_read_only(&path).unwrap()).unwrap();
        let gate = gate_over(&onence, read_only);
        let calls = onence.calls();
        let e = gate
            .change_status(&sim(3), Status::Suspended)
            .await
            .unwrap_err();
        assert!(matches!(e, GateError::NotJournaled { .. }), "{e:?}");
        assert!(e.to_string().contains("not sent"), "{e}");
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
        let e = gate
            .batch_status(&[sim(3)], Status::Suspended)
            .await
            .unwrap_err();
        assert!(matches!(e, GateError::NotJournaled { .. }), "{e:?}");
        let e = gate.attrs_set(&sim(3), "site", "pier").await.unwrap_err();
        assert!(matches!(e, GateError::NotJournaled { .. }), "{e:?}");
        assert_eq!(onence.calls(), calls, "nothing reached the carrier");
    }

    #[tokio::test]
    async fn reconciliation_reads_the_carrier_and_closes_dead_processes_attempts_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
        let onence = Arc::new(MemoryBackend::generate("onence", BackendKind::OneNce, 4));
        let gate = gate_over(&onence, store.clone());
        // A change that reached the carrier, then its process died before the outcome.
        gate.engine()
            .change_status_from(&sim(0), Status::Suspended)
            .await
            .result
            .unwrap();
        let who = Operator::from_vars(Some("noc-3"), None, None);
        let attempt = |id: &ProductId| crate::store::NewAttempt {
            action: super::super::journal::BATCH_STATUS.into(),
            product_id: id.to_string(),
            target: "SUSPENDED".into(),
            before: None,
        };
        let changed = store.attempt_begin(&who, attempt(&sim(0))).await.unwrap();
        let not_changed = store.attempt_begin(&who, attempt(&sim(1))).await.unwrap();
        // Our own process is alive: nothing to reconcile from the point of view of this gate.
        assert!(gate.interrupted_attempts().await.is_empty());
        let open = store.attempts_open().await.unwrap();
        let found = gate.reconcile(open.clone()).await;
        assert_eq!(found.resolved, 2);
        assert_eq!(found.still_unknown, 0);
        // A second reconciler writes nothing more.
        let again = gate.reconcile(open).await;
        assert_eq!(again, super::super::reconcile::Reconciliation::default());
        let records = store.audit_records_since(None).await.unwrap();
        assert_eq!(records.len(), 2, "{records:?}");
        let by = |a: i64| records.iter().find(|r| r.attempt == Some(a)).unwrap();
        assert!(
            by(changed).entry.result.starts_with("reconciled: done"),
            "{records:?}"
        );
        assert_eq!(by(changed).entry.after.as_deref(), Some("SUSPENDED"));
        assert_eq!(by(changed).entry.operator, "noc-3");
        assert!(
            by(not_changed)
                .entry
                .result
                .contains("not in the requested SUSPENDED"),
            "{records:?}"
        );
        assert_eq!(by(not_changed).outcome.as_deref(), Some("reconciled"));
    }
}
