//! `products list`: every product of the selected backends (`--all`, listed in parallel), or one
//! page of the merged listing (`--page N --page-size N`), filtered by a query (`--where`,
//! `--status`) and sorted (`--sort`).
//!
//! Before filtering, every row gets the custom attributes of its home (the local store's, or
//! the CMO tenant's from its listing), so `attr:` terms work and attributes reach JSON and CSV.
//! The filter applies to every page of every backend, and pages count matching rows only.
//!
//! `--all` and `--sort` need every matching row before the first can be printed, so they list
//! all backends in parallel and sort (default: account, then id — a stable order whatever
//! order the backends answered in). A page without `--sort` is cheaper: carriers page with
//! opaque cursors, so page N is reached by walking the backends in configured order, each in
//! its own order, stopping once the page is full; without a filter, a backend whose total is
//! known and lies wholly before the wanted page is skipped after its first page.

use super::args::Format;
use super::error::{CliError, exit};
use super::session::Local;
use super::{json, output, text};
use crate::backends::PageRequest;
use crate::domain::ProductSummary;
use crate::domain::query::{Query, SortKey};
use crate::engine::Engine;
use crate::store::{AttrsByProduct, DB_FILE_NAME};

/// What to list.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub backend: Option<String>,
    /// `--status` and `--where` together; empty matches every product.
    pub filter: Query,
    /// `--sort`; `None` is [`SortKey::DEFAULT`] for `--all`, and the walk order for a page.
    pub sort: Option<SortKey>,
    /// `None`: every product; `Some((page, size))`: one page, from 1.
    pub page: Option<(u64, u64)>,
}

/// One listing: the products, the total when known, and what failed on the way.
#[derive(Debug)]
pub struct Listing {
    pub items: Vec<ProductSummary>,
    pub total: Option<u64>,
    pub failures: Vec<Failure>,
}

/// A part of a result that could not be had: a backend's listing, the local attributes, one
/// product. Printed on stderr (a problem object in `errors[]` with JSON); the rest is shown.
#[derive(Debug)]
pub struct Failure {
    /// What failed, as the stderr line starts: `listing 1nce-prod`, `reading 1NCE-89…`.
    pub what: String,
    pub error: CliError,
}

impl Failure {
    pub fn new(what: impl Into<String>, error: impl Into<CliError>) -> Failure {
        Failure {
            what: what.into(),
            error: error.into(),
        }
    }
}

/// The local store's attributes of every product. A data dir without a store has none, and
/// none is created for a read: listing must work on a fresh machine and with a read-only home.
pub async fn local_attrs(local: &Local) -> Result<AttrsByProduct, CliError> {
    if !local.data_dir.join(DB_FILE_NAME).exists() {
        return Ok(AttrsByProduct::new());
    }
    Ok(local.store().await?.attrs_all().await?)
}

/// Fetch what `query` asks for; `local` is the local store's attributes ([`local_attrs`]).
pub async fn fetch(
    engine: &Engine,
    query: &ListQuery,
    local: &AttrsByProduct,
) -> Result<Listing, CliError> {
    match (query.page, query.sort) {
        (None, sort) => fetch_all(engine, query, local, sort.unwrap_or_default()).await,
        (Some((page, size)), Some(sort)) => {
            let mut listing = fetch_all(engine, query, local, sort).await?;
            let skip = usize::try_from((page - 1).saturating_mul(size)).unwrap_or(usize::MAX);
            let size = usize::try_from(size).unwrap_or(usize::MAX);
            listing.items = listing.items.into_iter().skip(skip).take(size).collect();
            Ok(listing)
        }
        (Some((page, size)), None) => fetch_page(engine, query, local, page, size).await,
    }
}

/// Every matching row of the selected backends, sorted by `sort`; the total is the number of
/// matches (of the backends that answered).
async fn fetch_all(
    engine: &Engine,
    query: &ListQuery,
    local: &AttrsByProduct,
    sort: SortKey,
) -> Result<Listing, CliError> {
    let results = engine.list_all(query.backend.as_deref()).await?;
    // When every backend failed there is nothing to show: the first failure is the answer.
    if results.iter().all(|(_, r)| r.is_err())
        && let Some((_, Err(e))) = results.first()
    {
        return Err(CliError::Backend(e.clone()));
    }
    let mut items = Vec::new();
    let mut failures = Vec::new();
    for (account, result) in results {
        match result {
            Ok(mut list) => {
                engine.merge_local_attrs(&mut list, local);
                items.extend(list.into_iter().filter(|i| query.filter.matches(i)));
            }
            Err(e) => failures.push(Failure::new(format!("listing {}", account.name), e)),
        }
    }
    items.sort_by(|a, b| sort.compare(a, b));
    let total = Some(items.len() as u64);
    Ok(Listing {
        items,
        total,
        failures,
    })
}

/// One page of matching rows, walking the backends in configured order. A backend that fails
/// is reported and skipped (its rows are missing from the count, so the total is unknown);
/// when every backend failed, the first failure is the answer.
async fn fetch_page(
    engine: &Engine,
    query: &ListQuery,
    local: &AttrsByProduct,
    page: u64,
    size: u64,
) -> Result<Listing, CliError> {
    let skip = (page - 1).saturating_mul(size);
    let unfiltered = query.filter.is_empty();
    let mut seen: u64 = 0;
    let mut items = Vec::new();
    let mut failures = Vec::new();
    // A total is only honest without a filter and when every backend told its count.
    let mut total = unfiltered.then_some(0u64);
    let backends = engine.select(query.backend.as_deref())?;
    let asked = backends.len();
    let page_size = u32::try_from(size).unwrap_or(u32::MAX);
    'backends: for backend in backends {
        if items.len() as u64 >= size {
            // The page is full. A later backend is asked only for its total (a one-row page),
            // so `totalCount` stays whenever every backend reports one.
            if total.is_some() {
                let one = PageRequest {
                    cursor: None,
                    page_size: Some(1),
                };
                total = match backend.list_products(one).await {
                    Ok(got) => total.zip(got.total).map(|(t, n)| t + n),
                    Err(_) => None,
                };
            }
            continue;
        }
        let start_seen = seen;
        let mut request = PageRequest {
            cursor: None,
            page_size: Some(page_size),
        };
        let mut first = true;
        // A carrier paging forever must not keep a filtered page walking forever.
        let mut guard = engine.page_guard(&backend.account().name);
        loop {
            if items.len() as u64 >= size {
                break; // this backend's total, if it told one, is already counted
            }
            let checked = backend
                .list_products(request.clone())
                .await
                .and_then(|got| guard.check(&got).map(|()| got));
            let mut got = match checked {
                Ok(got) => got,
                Err(e) => {
                    // Rows of this backend already counted stay counted: pages stay consistent
                    // for what was shown; the total is no longer known.
                    total = None;
                    failures.push(Failure::new(
                        format!("listing {}", backend.account().name),
                        e,
                    ));
                    continue 'backends;
                }
            };
            if first {
                first = false;
                total = match (total, got.total) {
                    (Some(t), Some(n)) => Some(t + n),
                    _ => None,
                };
                if let (true, Some(n)) = (unfiltered, got.total)
                    && start_seen + n <= skip
                {
                    seen = start_seen + n;
                    continue 'backends;
                }
            }
            engine.merge_local_attrs(&mut got.items, local);
            for item in got.items.into_iter().filter(|i| query.filter.matches(i)) {
                if seen >= skip && (items.len() as u64) < size {
                    items.push(item);
                }
                seen += 1;
            }
            match got.next {
                Some(next) => request.cursor = Some(next),
                None => break,
            }
        }
    }
    if asked > 0 && failures.len() == asked {
        return Err(failures.remove(0).error);
    }
    Ok(Listing {
        items,
        total,
        failures,
    })
}

/// Print a listing; partial failures go to stderr and make the exit code 1 (the listing's
/// rule since the first version). `page` is what JSON's statistics name (`None`: everything).
pub fn print(listing: &Listing, page: Option<(u64, u64)>, format: Format) -> Result<i32, CliError> {
    match format {
        Format::Json => {
            let (current, size) = page.unwrap_or((1, listing.items.len() as u64));
            let mut doc = json::list(
                listing.items.iter().map(json::summary).collect(),
                current,
                size,
                listing.total,
            );
            if !listing.failures.is_empty() {
                doc["errors"] = listing.failures.iter().map(|f| f.error.problem()).collect();
            }
            output::json(&doc)?;
        }
        Format::Text => output::stdout(&text::products(&listing.items))?,
        Format::Csv => csv(&listing.items)?,
    }
    report(&listing.failures, format);
    Ok(if listing.failures.is_empty() {
        exit::OK
    } else {
        exit::RUNTIME
    })
}

/// The rows as CSV on stdout (`export.rs`).
pub fn csv(items: &[ProductSummary]) -> Result<(), CliError> {
    let rows: Vec<&ProductSummary> = items.iter().collect();
    let mut buf = Vec::new();
    crate::export::write_csv(&mut buf, &rows).map_err(|e| CliError::Runtime(e.to_string()))?;
    output::stdout(&String::from_utf8_lossy(&buf))
}

/// Each failure on stderr: a problem object with JSON, else `cmo: WHAT failed: WHY`.
pub fn report(failures: &[Failure], format: Format) {
    for f in failures {
        if format == Format::Json {
            output::report(&f.error, true);
        } else {
            output::stderr_line(&format!(
                "cmo: {} failed: {}",
                crate::text::sanitize(&f.what),
                crate::text::sanitize(&f.error.to_string())
            ));
        }
    }
}

/// 0 without failures; else the most telling one: a runtime failure (1) over the others, then
/// the lowest code (usage 2, not supported 3, not found 4).
pub fn exit_code(failures: &[Failure]) -> i32 {
    failures
        .iter()
        .map(|f| f.error.exit_code())
        .min_by_key(|c| if *c == exit::RUNTIME { 0 } else { *c })
        .unwrap_or(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::Backend;
    use crate::backends::memory::MemoryBackend;
    use crate::domain::BackendKind;
    use std::sync::Arc;

    #[tokio::test]
    async fn a_full_page_keeps_the_total_of_every_backend_that_reports_one() {
        let backends: Vec<Arc<dyn Backend>> = vec![
            Arc::new(MemoryBackend::generate("a", BackendKind::OneNce, 5)),
            Arc::new(MemoryBackend::generate("b", BackendKind::Stc, 4)),
            Arc::new(MemoryBackend::generate("c", BackendKind::Tmsp, 3)),
        ];
        let engine = Engine::new(backends);
        let query = ListQuery {
            backend: None,
            filter: Query::default(),
            sort: None,
            page: Some((1, 2)),
        };
        let local = AttrsByProduct::new();
        // Page 1 is full from the first backend; the other two are asked for their totals.
        let first = fetch_page(&engine, &query, &local, 1, 2).await.unwrap();
        assert_eq!((first.items.len(), first.total), (2, Some(12)));
        // A page across the first and second backend, and the last (short) page.
        let mid = fetch_page(&engine, &query, &local, 3, 2).await.unwrap();
        assert_eq!((mid.items.len(), mid.total), (2, Some(12)));
        let last = fetch_page(&engine, &query, &local, 6, 2).await.unwrap();
        assert_eq!((last.items.len(), last.total), (2, Some(12)));
        // A filter makes the total unknown.
        let filtered = ListQuery {
            filter: Query::parse("status:ACTIVE").unwrap(),
            ..query
        };
        let f = fetch_page(&engine, &filtered, &local, 1, 2).await.unwrap();
        assert_eq!(f.total, None);
    }
}
