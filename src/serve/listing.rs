//! The product list behind `GET /product`: one shared *snapshot* of every account's listing,
//! walked through the engine (so through each account's one pace) while clients read pages of
//! it by number. Three consoles listing at once cost one listing per carrier account, not
//! three; a snapshot is reused while it runs and for [`SNAPSHOT_TTL`] after, a first page asked
//! later starts a fresh one. Changes made through the gateway are written into the snapshot,
//! so a client does not read back a status it just changed. Rows keep the engine's account
//! order (the configuration's) and each carrier's order, so page N is the same rows for
//! every reader of a snapshot.

use crate::domain::{BackendKind, ProductId, ProductSummary, Status};
use crate::engine::{Engine, ListEvent};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How long a finished snapshot serves new listings (a first page asked later relists).
pub const SNAPSHOT_TTL: Duration = Duration::from_secs(20);
/// The longest a page request waits for the rows it needs.
const PAGE_WAIT: Duration = Duration::from_secs(300);

/// What a list request keeps (both optional, both exact).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub status: Option<Status>,
    pub system: Option<BackendKind>,
}

impl Filter {
    fn accepts(&self, row: &ProductSummary) -> bool {
        self.status.is_none_or(|s| row.status.status == s)
            && self.system.is_none_or(|k| row.id.kind == k)
    }
    fn is_empty(&self) -> bool {
        self.status.is_none() && self.system.is_none()
    }
}

/// One page: its rows and whether more follow.
#[derive(Debug)]
pub struct PageRows {
    pub rows: Vec<ProductSummary>,
    pub more: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// An account's listing failed before the rows the page needs (its reason, sanitized).
    #[error("the listing of account {account} failed: {reason}")]
    Account { account: String, reason: String },
    #[error("the listing did not reach page {0} in time")]
    TooSlow(usize),
}

struct Part {
    account: String,
    rows: Vec<ProductSummary>,
    /// `None` while listing; the reason when it failed.
    done: Option<Result<(), String>>,
}

struct Snapshot {
    started: Instant,
    parts: Mutex<Vec<Part>>,
    /// Ticks whenever rows arrive or a part ends.
    ticks: watch::Sender<u64>,
}

impl Snapshot {
    fn finished(&self) -> bool {
        lock(&self.parts).iter().all(|p| p.done.is_some())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panicking reader must not take every later listing down with a poisoned lock.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub struct Listings {
    engine: Engine,
    current: Mutex<Option<Arc<Snapshot>>>,
}

/// Where the page's rows stand in a snapshot: found, not yet listed, or behind a failure.
enum Scan {
    Ready(PageRows),
    Wait,
    Failed(ListError),
}

impl Listings {
    pub fn new(engine: Engine) -> Self {
        Listings {
            engine,
            current: Mutex::new(None),
        }
    }

    /// The snapshot page `number` (1-based) of `size` rows reads: a running one always, a
    /// finished one within its TTL, or — for a first page, or when none exists — a new one.
    fn snapshot(&self, number: usize) -> Arc<Snapshot> {
        let mut current = lock(&self.current);
        if let Some(s) = current.as_ref() {
            let fresh = s.started.elapsed() < SNAPSHOT_TTL || !s.finished();
            if fresh || number > 1 {
                return s.clone();
            }
        }
        let snapshot = self.start();
        *current = Some(snapshot.clone());
        snapshot
    }

    fn start(&self) -> Arc<Snapshot> {
        let accounts = self.engine.accounts();
        let parts = accounts
            .iter()
            .map(|a| Part {
                account: a.name.clone(),
                rows: Vec::new(),
                done: None,
            })
            .collect();
        let snapshot = Arc::new(Snapshot {
            started: Instant::now(),
            parts: Mutex::new(parts),
            ticks: watch::channel(0).0,
        });
        let events = self.engine.stream_products(None);
        let feed = snapshot.clone();
        tokio::spawn(async move {
            let mut rx = match events {
                Ok(rx) => rx,
                Err(e) => {
                    for p in lock(&feed.parts).iter_mut() {
                        p.done = Some(Err(crate::text::sanitize(&e.to_string())));
                    }
                    feed.ticks.send_modify(|t| *t += 1);
                    return;
                }
            };
            while let Some(event) = rx.recv().await {
                {
                    let mut parts = lock(&feed.parts);
                    match event {
                        ListEvent::Page { backend, items, .. } => {
                            if let Some(p) = parts.iter_mut().find(|p| p.account == backend) {
                                p.rows.extend(items);
                            }
                        }
                        ListEvent::Done { backend, result } => {
                            if let Some(p) = parts.iter_mut().find(|p| p.account == backend) {
                                p.done =
                                    Some(result.map_err(|e| crate::text::sanitize(&e.to_string())));
                                tracing::info!(account = %backend, rows = p.rows.len(),
                                    ok = p.done.as_ref().is_some_and(|d| d.is_ok()),
                                    "gateway listing of the account ended");
                            }
                        }
                    }
                }
                feed.ticks.send_modify(|t| *t += 1);
            }
        });
        snapshot
    }

    /// Page `number` of `size` rows that `filter` accepts; waits for the listing to reach it.
    pub async fn page(
        &self,
        filter: &Filter,
        size: usize,
        number: usize,
    ) -> Result<PageRows, ListError> {
        let snapshot = self.snapshot(number);
        let mut ticks = snapshot.ticks.subscribe();
        let deadline = tokio::time::Instant::now() + PAGE_WAIT;
        loop {
            ticks.borrow_and_update();
            match scan(&lock(&snapshot.parts), filter, size, number) {
                Scan::Ready(page) => return Ok(page),
                Scan::Failed(e) => return Err(e),
                Scan::Wait => {}
            }
            match tokio::time::timeout_at(deadline, ticks.changed()).await {
                Ok(Ok(())) => {}
                // The feeding task ended without a last tick, or the wait ran out.
                Ok(Err(_)) | Err(_) => return Err(ListError::TooSlow(number)),
            }
        }
    }

    /// A change made through the gateway: the snapshot shows it at once.
    pub fn note_status(&self, id: &ProductId, status: Status) {
        let Some(snapshot) = lock(&self.current).clone() else {
            return;
        };
        let mut parts = lock(&snapshot.parts);
        for p in parts.iter_mut() {
            if let Some(row) = p.rows.iter_mut().find(|r| r.id == *id) {
                row.status = crate::domain::NativeStatus::new(status, status.as_str());
                return;
            }
        }
    }
}

/// Rows `[start, start+size)` of the filtered concatenation of `parts`, plus one more to know
/// whether a next page exists; a part still listing stops the scan (its later rows may come).
fn scan(parts: &[Part], filter: &Filter, size: usize, number: usize) -> Scan {
    let start = (number - 1).saturating_mul(size);
    let want = start.saturating_add(size);
    let mut seen = 0usize;
    let mut rows = Vec::new();
    for p in parts {
        if filter.is_empty() {
            // No filter: index arithmetic, no per-row work (a million-row listing pages fast).
            let from = start.saturating_sub(seen).min(p.rows.len());
            let to = want.saturating_sub(seen).min(p.rows.len());
            rows.extend_from_slice(&p.rows[from..to]);
            seen += p.rows.len();
        } else {
            for r in &p.rows {
                if filter.accepts(r) {
                    if seen >= start && seen < want {
                        rows.push(r.clone());
                    }
                    seen += 1;
                }
            }
        }
        match &p.done {
            None if seen <= want => return Scan::Wait,
            None => return Scan::Ready(PageRows { rows, more: true }),
            Some(Err(reason)) if seen <= want => {
                return Scan::Failed(ListError::Account {
                    account: p.account.clone(),
                    reason: reason.clone(),
                });
            }
            _ if seen > want => return Scan::Ready(PageRows { rows, more: true }),
            _ => {}
        }
    }
    Scan::Ready(PageRows { rows, more: false })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ConnectivityType, NativeStatus, RelatedParty};

    fn row(n: usize, status: Status) -> ProductSummary {
        ProductSummary {
            id: ProductId::new(BackendKind::OneNce, format!("89882280666{n:08}")),
            related_party: RelatedParty {
                id: "1".into(),
                name: "a".into(),
            },
            connectivity: ConnectivityType::Cellular,
            status: NativeStatus::new(status, status.as_str()),
            iccid: None,
            imsi: None,
            msisdn: None,
            serial: None,
            terminal_name: None,
            latitude: None,
            longitude: None,
            attrs: Vec::new(),
        }
    }

    fn part(account: &str, rows: Vec<ProductSummary>, done: Option<Result<(), String>>) -> Part {
        Part {
            account: account.into(),
            rows,
            done,
        }
    }

    fn ids(s: Scan) -> (Vec<String>, bool) {
        match s {
            Scan::Ready(p) => (
                p.rows.iter().map(|r| r.id.business_id.clone()).collect(),
                p.more,
            ),
            Scan::Wait => (vec!["wait".into()], false),
            Scan::Failed(e) => (vec![e.to_string()], false),
        }
    }

    #[test]
    fn pages_span_accounts_in_order_and_wait_for_rows_still_listing() {
        let a: Vec<_> = (0..5).map(|n| row(n, Status::Active)).collect();
        let b: Vec<_> = (5..8).map(|n| row(n, Status::Suspended)).collect();
        let parts = vec![
            part("a", a.clone(), Some(Ok(()))),
            part("b", b.clone(), None),
        ];
        let none = Filter::default();
        let (page, more) = ids(scan(&parts, &none, 3, 2));
        assert_eq!(page.len(), 3);
        assert!(more);
        assert_eq!(page[0], a[3].id.business_id);
        assert_eq!(page[2], b[0].id.business_id);
        // Page 3 needs b's rest: b is still listing.
        assert_eq!(ids(scan(&parts, &none, 3, 3)).0, vec!["wait".to_string()]);
        let parts = vec![part("a", a, Some(Ok(()))), part("b", b, Some(Ok(())))];
        let (page, more) = ids(scan(&parts, &none, 3, 3));
        assert_eq!((page.len(), more), (2, false));
        let (page, more) = ids(scan(&parts, &none, 3, 9));
        assert_eq!((page.len(), more), (0, false));
        let suspended = Filter {
            status: Some(Status::Suspended),
            system: None,
        };
        let (page, more) = ids(scan(&parts, &suspended, 2, 2));
        assert_eq!((page.len(), more), (1, false));
    }

    #[test]
    fn a_failed_account_fails_only_the_pages_that_need_it() {
        let a: Vec<_> = (0..4).map(|n| row(n, Status::Active)).collect();
        let parts = vec![
            part("a", a, Some(Ok(()))),
            part("b", Vec::new(), Some(Err("down".into()))),
        ];
        let none = Filter::default();
        // Page 1 of 3 rows has a 4th row after it: served.
        assert_eq!(ids(scan(&parts, &none, 3, 1)).0.len(), 3);
        let (text, _) = ids(scan(&parts, &none, 3, 2));
        assert!(text[0].contains("account b failed: down"), "{text:?}");
    }
}
