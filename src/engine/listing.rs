//! Listing: one backend page by page, all selected backends in parallel, or streamed — each
//! backend in its own task sending pages as they arrive, so the slowest holds up only itself.
//!
//! Every listing, headless or in the console, walks a backend's pages through one
//! [`PageGuard`], which stops it with a per-backend error when the carrier pages forever: a
//! page that repeats the one before (a carrier ignoring the page parameter), pages that
//! continue past the total the carrier reported, or more pages than `max_list_pages`.

use super::{BackendReader, Engine};
use crate::backends::{Account, BackendResult, PageRequest};
use crate::backends::{BackendError, Page};
use crate::domain::{ProductId, ProductSummary};
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
    pub async fn list_backend(&self, reader: &BackendReader) -> BackendResult<Vec<ProductSummary>> {
        let backend = reader.backend();
        let mut all = Vec::new();
        let mut req = PageRequest::default();
        let mut guard = PageGuard::new(&backend.account().name, self.max_pages);
        loop {
            let page = self
                .timed(backend.as_ref(), backend.list_products(req.clone()))
                .await?;
            guard.check(&page)?;
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
        let selected = self.selected(filter)?;
        let (tx, rx) = mpsc::channel(64);
        for backend in selected {
            let tx = tx.clone();
            let engine = self.clone();
            tokio::spawn(async move {
                let name = backend.account().name.clone();
                let mut req = PageRequest::default();
                let mut guard = PageGuard::new(&name, engine.max_pages);
                let result = loop {
                    match engine
                        .timed(backend.as_ref(), backend.list_products(req.clone()))
                        .await
                    {
                        Ok(page) => {
                            if let Err(e) = guard.check(&page) {
                                break Err(e);
                            }
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

/// Watches one backend's pages as a listing walks them, and stops a carrier that would page
/// forever. Cheap: it keeps the previous page's ids and two counters.
#[derive(Debug)]
pub struct PageGuard {
    backend: String,
    max_pages: u32,
    pages: u32,
    rows: u64,
    previous: Vec<ProductId>,
}

impl PageGuard {
    pub fn new(backend: &str, max_pages: u32) -> Self {
        PageGuard {
            backend: backend.to_string(),
            max_pages,
            pages: 0,
            rows: 0,
            previous: Vec::new(),
        }
    }

    /// Check the page just received; an error stops the listing (the page is not used).
    pub fn check(&mut self, page: &Page<ProductSummary>) -> Result<(), BackendError> {
        self.pages += 1;
        let n = self.pages;
        let ids: Vec<ProductId> = page.items.iter().map(|i| i.id.clone()).collect();
        if n > 1 && !ids.is_empty() && ids == self.previous {
            return Err(self.stop(format!(
                "page {n} repeats page {} (the carrier ignores the page asked for)",
                n - 1
            )));
        }
        self.rows += ids.len() as u64;
        // Rows added while the listing runs may push a page past the total it reported;
        // one full page of slack allows that, more is a carrier paging past its end.
        if let Some(total) = page.total
            && page.next.is_some()
            && self.rows > total.saturating_add(ids.len().max(1) as u64)
        {
            return Err(self.stop(format!(
                "pages continue past the {total} products it reported (page {n}, {} rows so far)",
                self.rows
            )));
        }
        if page.next.is_some() && n >= self.max_pages {
            return Err(self.stop(format!(
                "more than {} pages (max_list_pages); the carrier keeps announcing another",
                self.max_pages
            )));
        }
        self.previous = ids;
        Ok(())
    }

    fn stop(&self, why: String) -> BackendError {
        tracing::warn!(backend = %self.backend, "listing stopped: {why}");
        BackendError::Other {
            backend: self.backend.clone(),
            detail: format!("listing stopped: {why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::Backend;
    use crate::domain::{BackendKind, ConnectivityType, RelatedParty};
    use std::sync::Arc;

    fn page(ids: &[u64], next: bool, total: Option<u64>) -> Page<ProductSummary> {
        let items = ids
            .iter()
            .map(|i| ProductSummary {
                id: ProductId::new(BackendKind::OneNce, format!("89882806660{i:08}")),
                related_party: RelatedParty {
                    id: "1".into(),
                    name: "acme".into(),
                },
                connectivity: ConnectivityType::Cellular,
                status: crate::domain::mapping::normalize(BackendKind::OneNce, "Enabled"),
                iccid: None,
                imsi: None,
                msisdn: None,
                serial: None,
                terminal_name: None,
                latitude: None,
                longitude: None,
                attrs: Vec::new(),
            })
            .collect();
        Page {
            items,
            next: next.then(|| "x".into()),
            total,
        }
    }

    /// A carrier that always announces another page: the same one (`fresh` false) or a new
    /// product each time.
    struct Endless {
        account: crate::backends::Account,
        fresh: bool,
        calls: std::sync::atomic::AtomicU64,
    }

    #[async_trait::async_trait]
    impl Backend for Endless {
        fn account(&self) -> &crate::backends::Account {
            &self.account
        }
        async fn list_products(&self, _: PageRequest) -> BackendResult<Page<ProductSummary>> {
            let n = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(page(&[if self.fresh { n } else { 1 }], true, None))
        }
        async fn product(
            &self,
            _: &crate::domain::BusinessId,
        ) -> BackendResult<crate::domain::Product> {
            Err(BackendError::InvalidInput("unused".into()))
        }
        async fn usage(
            &self,
            _: &crate::domain::BusinessId,
        ) -> BackendResult<crate::domain::Usage> {
            Err(BackendError::InvalidInput("unused".into()))
        }
    }

    fn endless(fresh: bool) -> Arc<Endless> {
        Arc::new(Endless {
            account: crate::backends::Account {
                name: "acme".into(),
                kind: BackendKind::OneNce,
                account_id: "1".into(),
            },
            fresh,
            calls: Default::default(),
        })
    }

    /// The console's streamed listing ends with the guard's error instead of paging forever.
    async fn stream_result(engine: &Engine) -> BackendResult<()> {
        let mut rx = engine.stream_products(None).unwrap();
        while let Some(event) = rx.recv().await {
            if let ListEvent::Done { result, .. } = event {
                return result;
            }
        }
        panic!("the listing ended without Done");
    }

    #[tokio::test]
    async fn the_streamed_listing_stops_on_a_repeated_page_and_at_the_page_cap() {
        let repeating = endless(false);
        let engine = Engine::new(vec![repeating.clone() as Arc<dyn Backend>]);
        let e = stream_result(&engine).await.unwrap_err();
        assert!(e.to_string().contains("page 2 repeats page 1"), "{e}");
        assert_eq!(repeating.calls.load(std::sync::atomic::Ordering::SeqCst), 2);

        let fresh = endless(true);
        let engine = Engine::new(vec![fresh.clone() as Arc<dyn Backend>]).with_max_pages(7);
        let e = stream_result(&engine).await.unwrap_err();
        assert!(e.to_string().contains("more than 7 pages"), "{e}");
        assert_eq!(fresh.calls.load(std::sync::atomic::Ordering::SeqCst), 7);
        // And the headless walk the same way.
        let e = engine
            .list_all(None)
            .await
            .unwrap()
            .remove(0)
            .1
            .unwrap_err();
        assert!(e.to_string().contains("more than 7 pages"), "{e}");
    }

    #[test]
    fn a_repeated_page_stops_the_listing() {
        let mut g = PageGuard::new("acme", 100);
        g.check(&page(&[1, 2], true, None)).unwrap();
        let e = g.check(&page(&[1, 2], true, None)).unwrap_err();
        assert!(e.to_string().contains("page 2 repeats page 1"), "{e}");
        assert!(e.to_string().starts_with("acme: listing stopped"), "{e}");
    }

    #[test]
    fn pages_past_the_reported_total_stop_the_listing() {
        let mut g = PageGuard::new("acme", 100);
        g.check(&page(&[1, 2], true, Some(4))).unwrap();
        g.check(&page(&[3, 4], true, Some(4))).unwrap();
        // One page of slack for rows added meanwhile.
        g.check(&page(&[5, 6], true, Some(4))).unwrap();
        let e = g.check(&page(&[7, 8], true, Some(4))).unwrap_err();
        assert!(
            e.to_string().contains("past the 4 products it reported"),
            "{e}"
        );
    }

    #[test]
    fn the_page_cap_stops_a_listing_that_never_ends_but_not_one_that_does() {
        let mut g = PageGuard::new("acme", 3);
        g.check(&page(&[1], true, None)).unwrap();
        g.check(&page(&[2], true, None)).unwrap();
        let e = g.check(&page(&[3], true, None)).unwrap_err();
        assert!(
            e.to_string().contains("more than 3 pages (max_list_pages)"),
            "{e}"
        );
        let mut g = PageGuard::new("acme", 3);
        g.check(&page(&[1], true, None)).unwrap();
        g.check(&page(&[2], true, None)).unwrap();
        g.check(&page(&[3], false, None)).unwrap();
        // Empty pages never count as repeats of each other (a carrier may send one last).
        let mut g = PageGuard::new("acme", 10);
        g.check(&page(&[], true, None)).unwrap();
        g.check(&page(&[], false, None)).unwrap();
    }
}
