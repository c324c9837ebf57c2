//! Where a product's custom attributes live. The seed keeps them per product in the local
//! store; a CMO tenant stores them itself (`customProperty`), so a product the console reaches
//! through a CMO account has its attributes on that server — shared with everyone on the
//! tenant — and never in the local store.
//!
//! Deciding costs no network call unless a CMO account could hold the product; then each such
//! account is asked for the product's properties (the answer doubles as the current state):
//! - a CMO account has it → the server is the home;
//! - every CMO account says not found → the local store, if an account of the product's own
//!   platform could hold it; otherwise the product exists nowhere and that is the answer;
//! - a CMO account fails otherwise → that error: guessing "local" while the tenant is down
//!   would split one product's attributes across two homes.

use super::Engine;
use crate::backends::{Backend, BackendError, BackendResult};
use crate::domain::{CustomAttribute, ProductId, ProductSummary};
use crate::store::AttrsByProduct;
use std::sync::Arc;

/// The home of one product's attributes.
#[derive(Clone)]
pub enum AttrHome {
    Local,
    /// Stored by `backend` (a CMO account); `current` is what it holds now.
    Remote {
        backend: Arc<dyn Backend>,
        current: Vec<CustomAttribute>,
    },
}

impl std::fmt::Debug for AttrHome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttrHome::Local => f.write_str("Local"),
            AttrHome::Remote { backend, current } => f
                .debug_struct("Remote")
                .field("account", &backend.account().name)
                .field("current", current)
                .finish(),
        }
    }
}

impl AttrHome {
    /// The account that stores the attributes, `None` for the local store.
    pub fn account(&self) -> Option<&str> {
        match self {
            AttrHome::Local => None,
            AttrHome::Remote { backend, .. } => Some(&backend.account().name),
        }
    }
}

impl Engine {
    /// Whether the configured account `name` stores custom attributes itself (a CMO tenant):
    /// its rows already carry them from the listing's `customProperty`.
    pub fn account_holds_attrs(&self, name: &str) -> bool {
        self.backends
            .iter()
            .any(|b| b.account().name == name && b.remote_attrs())
    }

    /// Give every row the local store's attributes (`local`, from `Store::attrs_all`), except
    /// rows of an account that stores attributes itself: those keep what the listing said, so
    /// one product never shows attributes from two homes.
    pub fn merge_local_attrs(&self, rows: &mut [ProductSummary], local: &AttrsByProduct) {
        for row in rows {
            if self.account_holds_attrs(&row.related_party.name) {
                continue;
            }
            row.attrs = local.get(&row.id).cloned().unwrap_or_default();
        }
    }

    /// Where `id`'s custom attributes live (see the module comment for the rule).
    pub(in crate::engine) async fn attrs_home(&self, id: &ProductId) -> BackendResult<AttrHome> {
        // No account at all could hold it (e.g. the engine-less gate of `cmo attrs`): local.
        let Ok(holders) = self.holders(id.kind) else {
            return Ok(AttrHome::Local);
        };
        let (remote, direct): (Vec<_>, Vec<_>) =
            holders.into_iter().partition(|b| b.remote_attrs());
        let business = id.business();
        let mut not_found = None;
        for backend in remote {
            match self
                .timed(backend.as_ref(), backend.attrs_list(&business))
                .await
            {
                Ok(current) => return Ok(AttrHome::Remote { backend, current }),
                Err(e @ BackendError::NotFound { .. }) => not_found = Some(e),
                Err(e) => return Err(e),
            }
        }
        match not_found {
            Some(e) if direct.is_empty() => Err(e),
            _ => Ok(AttrHome::Local),
        }
    }
}
