//! The product cache: the last product list each backend returned, so the console can open on
//! it at once and refresh behind it. Every cached row counts as unconfirmed until the refresh
//! returns it again; `fetched_at` tells the UI how old it is. The cache is disposable: a row
//! that no longer decodes is skipped with a warning, never an error.

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

impl Store {
    /// Replace everything cached for `backend` with `products` (in their order), atomically.
    /// An empty slice forgets the backend. Returns the number of rows stored.
    pub fn cache_replace(
        &mut self,
        backend: &str,
        products: &[ProductSummary],
    ) -> StoreResult<usize> {
        let encoded = products
            .iter()
            .map(|p| Ok((p.id.to_string(), serde_json::to_string(p)?)))
            .collect::<Result<Vec<_>, serde_json::Error>>()
            .map_err(|e| StoreError::Corrupt {
                path: self.path.clone(),
                detail: format!("a product summary cannot be encoded: {e}"),
            })?;
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

    /// The whole cache, grouped by backend name, each backend's rows in the order it listed them.
    pub fn cache_load(&self) -> StoreResult<Vec<CachedProduct>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT backend, fetched_at, summary FROM product_cache ORDER BY backend, position",
            )
            .map_err(|e| self.sql(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.sql(e))?;
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
        }
        Ok(out)
    }
}
