//! `products list`: every product of the selected backends (`--all`, listed in parallel), or one
//! page of the merged listing (`--page N --page-size N`, backends in configured order).
//!
//! Carriers page with opaque cursors, so page N is reached by walking; a backend whose total
//! count is known and that lies wholly before the wanted page is skipped after its first page.

use super::error::{CliError, backend_problem};
use super::{json, output, text};
use crate::backends::{BackendError, PageRequest};
use crate::domain::{ProductSummary, Status};
use crate::engine::Engine;

/// What to list.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub backend: Option<String>,
    pub status: Option<Status>,
    /// `None`: every product; `Some((page, size))`: one page, from 1.
    pub page: Option<(u64, u64)>,
}

/// One listing: the products, the total when known, and backends that failed.
#[derive(Debug)]
pub struct Listing {
    pub items: Vec<ProductSummary>,
    pub total: Option<u64>,
    pub failures: Vec<(String, BackendError)>,
}

fn wanted(status: Option<Status>, item: &ProductSummary) -> bool {
    status.is_none_or(|s| item.status.status == s)
}

/// Fetch what `query` asks for.
pub async fn fetch(engine: &Engine, query: &ListQuery) -> Result<Listing, CliError> {
    match query.page {
        None => fetch_all(engine, query).await,
        Some((page, size)) => fetch_page(engine, query, page, size).await,
    }
}

async fn fetch_all(engine: &Engine, query: &ListQuery) -> Result<Listing, CliError> {
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
            Ok(list) => items.extend(list.into_iter().filter(|i| wanted(query.status, i))),
            Err(e) => failures.push((account.name, e)),
        }
    }
    let total = Some(items.len() as u64);
    Ok(Listing {
        items,
        total,
        failures,
    })
}

async fn fetch_page(
    engine: &Engine,
    query: &ListQuery,
    page: u64,
    size: u64,
) -> Result<Listing, CliError> {
    let skip = (page - 1).saturating_mul(size);
    let mut seen: u64 = 0;
    let mut items = Vec::new();
    // A total is only honest without a filter and when every backend told its count.
    let mut total = query.status.is_none().then_some(0u64);
    let backends = engine.select(query.backend.as_deref())?;
    let page_size = u32::try_from(size).unwrap_or(u32::MAX);
    'backends: for backend in backends {
        let start_seen = seen;
        let mut request = PageRequest {
            cursor: None,
            page_size: Some(page_size),
        };
        let mut first = true;
        loop {
            if items.len() as u64 >= size {
                total = None; // later backends were not asked
                break 'backends;
            }
            let got = backend.list_products(request.clone()).await?;
            if first {
                first = false;
                total = match (total, got.total) {
                    (Some(t), Some(n)) => Some(t + n),
                    _ => None,
                };
                if let (true, Some(n)) = (query.status.is_none(), got.total)
                    && start_seen + n <= skip
                {
                    seen = start_seen + n;
                    continue 'backends;
                }
            }
            for item in got.items.into_iter().filter(|i| wanted(query.status, i)) {
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
    Ok(Listing {
        items,
        total,
        failures: Vec::new(),
    })
}

/// Print a listing; partial failures go to stderr and make the exit code 1.
pub fn print(listing: &Listing, page: Option<(u64, u64)>, as_json: bool) -> Result<i32, CliError> {
    if as_json {
        let (current, size) = page.unwrap_or((1, listing.items.len() as u64));
        let mut doc = json::list(
            listing.items.iter().map(json::summary).collect(),
            current,
            size,
            listing.total,
        );
        if !listing.failures.is_empty() {
            doc["errors"] = listing
                .failures
                .iter()
                .map(|(_, e)| backend_problem(e))
                .collect();
        }
        output::json(&doc)?;
    } else {
        output::stdout(&text::products(&listing.items))?;
    }
    for (name, e) in &listing.failures {
        let err = CliError::Backend(e.clone());
        if as_json {
            output::report(&err, true);
        } else {
            output::stderr_line(&format!(
                "cmo: listing {} failed: {}",
                crate::text::sanitize(name),
                crate::text::sanitize(&e.to_string())
            ));
        }
    }
    Ok(if listing.failures.is_empty() {
        super::error::exit::OK
    } else {
        super::error::exit::RUNTIME
    })
}
