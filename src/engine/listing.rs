//! Listing: one backend page by page, all selected backends in parallel, or streamed — each
//! backend in its own task sending pages as they arrive, so the slowest holds up only itself.

use super::Engine;
use crate::backends::{Account, Backend, BackendResult, PageRequest};
use crate::domain::ProductSummary;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Events of a streamed listing: pages as each backend delivers them, then one `Done` per backend.
#[derive(Debug)]
pub enum ListEvent {
    Page {
        backend: String,
        items: Vec<ProductSummary>,
        total: Option<u64>,
    },
    Done {
        backend: String,
        result: BackendResult<()>,
    },
}

impl Engine {
    /// Every product of one backend, page by page to the end.
    pub async fn list_backend(
        &self,
        backend: &Arc<dyn Backend>,
    ) -> BackendResult<Vec<ProductSummary>> {
        let mut all = Vec::new();
        let mut req = PageRequest::default();
        loop {
            let page = self
                .timed(backend.as_ref(), backend.list_products(req.clone()))
                .await?;
            all.extend(page.items);
            match page.next {
                Some(next) => req.cursor = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// All products of the selected backends, listed in parallel; one result per backend.
    pub async fn list_all(
        &self,
        filter: Option<&str>,
    ) -> BackendResult<Vec<(Account, BackendResult<Vec<ProductSummary>>)>> {
        let selected = self.select(filter)?;
        let calls = selected
            .iter()
            .map(|b| async move { (b.account().clone(), self.list_backend(b).await) });
        Ok(futures::future::join_all(calls).await)
    }

    /// Stream the listing of the selected backends: every backend runs in its own task and
    /// sends its pages as they arrive, so the slowest backend holds up only itself.
    pub fn stream_products(
        &self,
        filter: Option<&str>,
    ) -> BackendResult<mpsc::Receiver<ListEvent>> {
        let selected = self.select(filter)?;
        let (tx, rx) = mpsc::channel(64);
        for backend in selected {
            let tx = tx.clone();
            let engine = self.clone();
            tokio::spawn(async move {
                let name = backend.account().name.clone();
                let mut req = PageRequest::default();
                let result = loop {
                    match engine
                        .timed(backend.as_ref(), backend.list_products(req.clone()))
                        .await
                    {
                        Ok(page) => {
                            let event = ListEvent::Page {
                                backend: name.clone(),
                                items: page.items,
                                total: page.total,
                            };
                            if tx.send(event).await.is_err() {
                                return; // the receiver moved on
                            }
                            match page.next {
                                Some(next) => req.cursor = Some(next),
                                None => break Ok(()),
                            }
                        }
                        Err(e) => break Err(e),
                    }
                };
                let _ = tx
                    .send(ListEvent::Done {
                        backend: name,
                        result,
                    })
                    .await;
            });
        }
        Ok(rx)
    }
}
