//! `BackendReader`: one configured backend as code outside the engine may hold it — its
//! account and its product pages, nothing that changes anything. The adapter itself (whose
//! trait also sends changes) stays inside the engine, so a change can be made only through the
//! gate (docs/architecture.md, "The gate").

use crate::backends::{Account, Backend, BackendResult, Page, PageRequest};
use crate::domain::{BackendKind, ProductSummary};
use std::sync::Arc;

#[derive(Clone)]
pub struct BackendReader(Arc<dyn Backend>);

impl BackendReader {
    pub(in crate::engine) fn new(backend: Arc<dyn Backend>) -> Self {
        BackendReader(backend)
    }

    pub(in crate::engine) fn backend(&self) -> &Arc<dyn Backend> {
        &self.0
    }

    pub fn account(&self) -> &Account {
        self.0.account()
    }

    pub fn kind(&self) -> BackendKind {
        self.0.kind()
    }

    /// The account stores custom attributes itself (a CMO tenant).
    pub fn remote_attrs(&self) -> bool {
        self.0.remote_attrs()
    }

    /// One page of the account's products.
    pub async fn list_products(&self, req: PageRequest) -> BackendResult<Page<ProductSummary>> {
        self.0.list_products(req).await
    }
}

impl std::fmt::Debug for BackendReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("BackendReader")
            .field(&self.0.account().name)
            .finish()
    }
}
