//! The product cache: the last product list each backend returned, so the console can open on
//! it at once and refresh behind it. Every cached row counts as unconfirmed until the refresh
//! returns it again; `fetched_at` tells the UI how old it is. The cache is disposable: a row
//! that no longer decodes is skipped with a warning, never an error.
//!
//! Streamed both ways, so a million rows never sit in memory twice: a listing is written page
//! by page as it arrives (`cache_stage`, into rows keyed by a staging name no account can have)
//! and swapped in atomically when it completes (`cache_commit`); a failed listing leaves the
//! previous cache in place. Reading hands rows over in chunks (`cache_load_chunks`), a small
//! first one so the console can draw its first screenful before the rest is decoded.

use super::error::{StoreError, StoreResult};
use super::{Store, format_time, parse_time};
use crate::domain::ProductSummary;
use chrono::{DateTime, Utc};
use rusqlite::params;

/// One cached row of the product list.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedProduct {
    /// The configured backend (account) name the list came from.
    pub backend: String,
    pub fetched_at: DateTime<Utc>,
    pub summary: ProductSummary,
}

/// Rows of a listing in progress are kept under this prefix and the account name: a control
/// character, which configured account names cannot contain.
pub(super) const STAGING: &str = "\u{1}";

pub(super) fn staging_key(backend: &str) -> String {
    format!("{STAGING}{backend}")
}

impl Store {
    /// Replace everything cached for `backend` with `products` (in their order), atomically.
    /// An empty slice forgets the backend. Returns the number of rows stored.
    pub fn cache_replace(
        &mut self,
        backend: &str,
        products: &[ProductSummary],
    ) -> StoreResult<usize> {
        let encoded = self.encode(products)?;
        let now = format_time(Utc::now());
        self.write(|tx, path| {
            let sql = |e| StoreError::sqlite(path, e);
            tx.execute("DELETE FROM product_cache WHERE backend = ?1", [backend])
                .map_err(sql)?;
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO product_cache (backend, product_id, position, summary, fetched_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(sql)?;
            for (position, (id, json)) in encoded.iter().enumerate() {
                insert
                    .execute(params![backend, id, position as i64, json, now])
                    .map_err(sql)?;
            }
            Ok(encoded.len())
        })
    }

    /// Append one page of `backend`'s listing in progress to its staging rows (after the ones
    /// staged before; `restart` drops those first: a new listing). Returns the rows staged.
    pub fn cache_stage(
        &mut self,
        backend: &str,
        restart: bool,
        products: &[ProductSummary],
    ) -> StoreResult<usize> {
        let encoded = self.encode(products)?;
        let key = staging_key(backend);
        let now = format_time(Utc::now());
        self.write(|tx, path| {
            let sql = |e| StoreError::sqlite(path, e);
            if restart {
                tx.execute("DELETE FROM product_cache WHERE backend = ?1", [&key])
                    .map_err(sql)?;
            }
            let next: i64 = tx
                .query_row(
                    "SELECT COALESCE(MAX(position) + 1, 0) FROM product_cache WHERE backend = ?1",
                    [&key],
                    |r| r.get(0),
                )
                .map_err(sql)?;
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO product_cache (backend, product_id, position, summary, fetched_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(sql)?;
            for (n, (id, json)) in encoded.iter().enumerate() {
                insert
                    .execute(params![key, id, next + n as i64, json, now])
                    .map_err(sql)?;
            }
            Ok(encoded.len())
        })
    }

    /// `backend`'s listing completed: its staged rows become its cache, atomically (none staged:
    /// the backend is forgotten). Returns the number of rows now cached for it.
    pub fn cache_commit(&mut self, backend: &str) -> StoreResult<usize> {
        let key = staging_key(backend);
        self.write(|tx, path| {
            let sql = |e| StoreError::sqlite(path, e);
            tx.execute("DELETE FROM product_cache WHERE backend = ?1", [backend])
                .map_err(sql)?;
            tx.execute(
                "UPDATE product_cache SET backend = ?1 WHERE backend = ?2",
                [backend, key.as_str()],
            )
            .map_err(sql)
        })
    }

    fn encode(&self, products: &[ProductSummary]) -> StoreResult<Vec<(String, String)>> {
        products
            .iter()
            .map(|p| Ok((p.id.to_string(), serde_json::to_string(p)?)))
            .collect::<Result<Vec<_>, serde_json::Error>>()
            .map_err(|e| StoreError::Corrupt {
                path: self.path.clone(),
                detail: format!("a product summary cannot be encoded: {e}"),
            })
    }

    /// The whole cache, grouped by backend name, each backend's rows in the order it listed them.
    pub fn cache_load(&self) -> StoreResult<Vec<CachedProduct>> {
        let mut out = Vec::new();
        self.cache_load_chunks(usize::MAX, usize::MAX, |chunk| {
            out.extend(chunk);
            true
        })?;
        Ok(out)
    }

    /// The cache in [`Store::cache_load`]'s order, handed to `each` in chunks: `first` rows,
    /// then `chunk` rows at a time, decoded only as they are handed over. `each` returning
    /// false stops the read (the receiver is gone).
    pub fn cache_load_chunks(
        &self,
        first: usize,
        chunk: usize,
        mut each: impl FnMut(Vec<CachedProduct>) -> bool,
    ) -> StoreResult<()> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT backend, fetched_at, summary FROM product_cache
                 WHERE substr(backend, 1, 1) <> char(1) ORDER BY backend, position",
            )
            .map_err(|e| self.sql(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.sql(e))?;
        let mut want = first.max(1);
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.sql(e))? {
            let backend: String = row.get(0).map_err(|e| self.sql(e))?;
            let fetched: String = row.get(1).map_err(|e| self.sql(e))?;
            let json: String = row.get(2).map_err(|e| self.sql(e))?;
            match (
                parse_time(&fetched),
                serde_json::from_str::<ProductSummary>(&json),
            ) {
                (Some(fetched_at), Ok(summary)) => out.push(CachedProduct {
                    backend,
                    fetched_at,
                    summary,
                }),
                _ => tracing::warn!(backend, "skipping an unreadable product cache row"),
            }
            if out.len() >= want {
                if !each(std::mem::take(&mut out)) {
                    return Ok(());
                }
                want = chunk.max(1);
            }
        }
        if !out.is_empty() {
            each(out);
        }
        Ok(())
    }
}
