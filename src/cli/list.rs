//! `products list`: every product of the selected backends (`--all`, listed in parallel), or one
//! page of the merged listing (`--page N --page-size N`, backends in configured order).
//!
//! Carriers page with opaque cursors, so page N is reached by walking; a backend whose total
//! count is known and that lies wholly before the wanted page is skipped after its first page.

use super::args::Format;
use super::error::{CliError, exit};
use super::session::Local;
use super::{json, output, text};
use crate::backends::PageRequest;
use crate::domain::{ProductSummary, Status};
use crate::engine::Engine;
use crate::store::{AttrsByProduct, DB_FILE_NAME};

/// What to list.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub backend: Option<String>,
    pub status: Option<Status>,
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
            Err(e) => failures.push(Failure::new(format!("listing {}", account.name), e)),
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
