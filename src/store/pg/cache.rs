//! The product cache and usage history on PostgreSQL: the same behaviour as `../cache.rs` and
//! `../usage_history.rs` (staged listings swapped in atomically, chunked reads, daily use).

use super::data::col;
use super::{Db, PgStore};
use crate::domain::quota::{Allowance, DailyUse};
use crate::domain::{ProductSummary, Usage};
use crate::store::cache::staging_key;
use crate::store::error::StoreResult;
use crate::store::usage_history::{
    DAILY, account_daily_from_rows, daily_from_rows, level_str, type_str,
};
use crate::store::{CachedProduct, format_time, parse_time};
use chrono::{DateTime, NaiveDate, Utc};
use postgres::fallible_iterator::FallibleIterator;
use std::time::Duration;

const UPSERT_CACHE: &str = "INSERT INTO product_cache (backend, product_id, position, summary, fetched_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (backend, product_id) DO UPDATE
         SET position = excluded.position, summary = excluded.summary, fetched_at = excluded.fetched_at";

impl PgStore {
    fn encode(&self, products: &[ProductSummary]) -> StoreResult<Vec<(String, String)>> {
        products
            .iter()
            .map(|p| Ok((p.id.to_string(), serde_json::to_string(p)?)))
            .collect::<Result<Vec<_>, serde_json::Error>>()
            .map_err(|e| {
                Db(self.name.clone()).state(format!("a product summary cannot be encoded: {e}"))
            })
    }

    pub(super) fn cache_replace_pg(
        &mut self,
        backend: &str,
        products: &[ProductSummary],
    ) -> StoreResult<usize> {
        let encoded = self.encode(products)?;
        let now = format_time(Utc::now());
        self.tx(|tx, db| {
            tx.execute("DELETE FROM product_cache WHERE backend = $1", &[&backend])
                .map_err(|e| db.err(e))?;
            let insert = tx.prepare(UPSERT_CACHE).map_err(|e| db.err(e))?;
            for (position, (id, json)) in encoded.iter().enumerate() {
                tx.execute(&insert, &[&backend, id, &(position as i64), json, &now])
                    .map_err(|e| db.err(e))?;
            }
            Ok(encoded.len())
        })
    }

    pub(super) fn cache_stage_pg(
        &mut self,
        backend: &str,
        restart: bool,
        products: &[ProductSummary],
    ) -> StoreResult<usize> {
        let encoded = self.encode(products)?;
        let key = staging_key(backend);
        let now = format_time(Utc::now());
        self.tx(|tx, db| {
            if restart {
                tx.execute("DELETE FROM product_cache WHERE backend = $1", &[&key])
                    .map_err(|e| db.err(e))?;
            }
            let row = tx
                .query_one(
                    "SELECT COALESCE(MAX(position) + 1, 0)::bigint FROM product_cache WHERE backend = $1",
                    &[&key],
                )
                .map_err(|e| db.err(e))?;
            let next: i64 = col(&row, 0, db)?;
            let insert = tx.prepare(UPSERT_CACHE).map_err(|e| db.err(e))?;
            for (n, (id, json)) in encoded.iter().enumerate() {
                tx.execute(&insert, &[&key, id, &(next + n as i64), json, &now])
                    .map_err(|e| db.err(e))?;
            }
            Ok(encoded.len())
        })
    }

    pub(super) fn cache_commit_pg(&mut self, backend: &str) -> StoreResult<usize> {
        let key = staging_key(backend);
        self.tx(|tx, db| {
            tx.execute("DELETE FROM product_cache WHERE backend = $1", &[&backend])
                .map_err(|e| db.err(e))?;
            tx.execute(
                "UPDATE product_cache SET backend = $1 WHERE backend = $2",
                &[&backend, &key],
            )
            .map(|n| n as usize)
            .map_err(|e| db.err(e))
        })
    }

    /// Streamed from the server (`query_raw`), so a million rows are decoded only as they
    /// are handed over.
    pub(super) fn cache_load_chunks_pg(
        &mut self,
        first: usize,
        chunk: usize,
        each: &mut dyn FnMut(Vec<CachedProduct>) -> bool,
    ) -> StoreResult<()> {
        let db = Db(self.name.clone());
        let mut tx = self.client.transaction().map_err(|e| db.err(e))?;
        let mut rows = tx
            .query_raw(
                "SELECT backend, fetched_at, summary FROM product_cache
                 WHERE substr(backend, 1, 1) <> chr(1) ORDER BY backend COLLATE \"C\", position",
                std::iter::empty::<&str>(),
            )
            .map_err(|e| db.err(e))?;
        let mut want = first.max(1);
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| db.err(e))? {
            let backend: String = col(&row, 0, &db)?;
            let fetched: String = col(&row, 1, &db)?;
            let json: String = col(&row, 2, &db)?;
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

    pub(super) fn usage_record_pg(
        &mut self,
        account: &str,
        product: &str,
        usage: &Usage,
        now: DateTime<Utc>,
        retention: Duration,
    ) -> StoreResult<usize> {
        let today = now.date_naive().format("%Y-%m-%d").to_string();
        let at = format_time(now);
        let cutoff = (now - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX))
            .date_naive()
            .format("%Y-%m-%d")
            .to_string();
        let allowances: Vec<(String, Option<f64>, &'static str)> = usage
            .allowances
            .iter()
            .map(|a| {
                serde_json::to_string(a)
                    .map(|body| (body, a.percent(), type_str(a.usage_type)))
                    .map_err(|e| {
                        Db(self.name.clone()).state(format!("an allowance cannot be encoded: {e}"))
                    })
            })
            .collect::<StoreResult<_>>()?;
        self.tx(|tx, db| {
            let put = tx
                .prepare(
                    "INSERT INTO usage_history
                         (product_id, account, usage_type, bucket, day, amount, units, period_start, recorded_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (product_id, usage_type, bucket, day) DO UPDATE SET
                         account = excluded.account, amount = excluded.amount, units = excluded.units,
                         period_start = excluded.period_start, recorded_at = excluded.recorded_at",
                )
                .map_err(|e| db.err(e))?;
            let mut n = 0;
            for b in &usage.buckets {
                n += tx
                    .execute(
                        &put,
                        &[
                            &product,
                            &account,
                            &type_str(b.usage_type),
                            &level_str(b.level),
                            &today,
                            &b.amount,
                            &b.units.as_str(),
                            &b.period_start,
                            &at,
                        ],
                    )
                    .map_err(|e| db.err(e))? as usize;
            }
            for d in &usage.daily {
                let day = d.day.format("%Y-%m-%d").to_string();
                if day < cutoff {
                    continue;
                }
                n += tx
                    .execute(
                        &put,
                        &[
                            &product,
                            &account,
                            &type_str(d.usage_type),
                            &DAILY,
                            &day,
                            &d.amount,
                            &d.units.as_str(),
                            &Option::<String>::None,
                            &at,
                        ],
                    )
                    .map_err(|e| db.err(e))? as usize;
            }
            let allow = tx
                .prepare(
                    "INSERT INTO usage_allowance (product_id, account, usage_type, body, percent, recorded_at)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (product_id, usage_type) DO UPDATE SET
                         account = excluded.account, body = excluded.body,
                         percent = excluded.percent, recorded_at = excluded.recorded_at",
                )
                .map_err(|e| db.err(e))?;
            for (body, percent, usage_type) in &allowances {
                n += tx
                    .execute(&allow, &[&product, &account, usage_type, body, percent, &at])
                    .map_err(|e| db.err(e))? as usize;
            }
            tx.execute("DELETE FROM usage_history WHERE day < $1", &[&cutoff])
                .map_err(|e| db.err(e))?;
            tx.execute(
                "DELETE FROM usage_allowance WHERE recorded_at < $1",
                &[&format!("{cutoff}T00:00:00")],
            )
            .map_err(|e| db.err(e))?;
            Ok(n)
        })
    }

    pub(super) fn usage_daily_pg(
        &mut self,
        product: &str,
        since: NaiveDate,
    ) -> StoreResult<Vec<DailyUse>> {
        let db = Db(self.name.clone());
        let since = since.format("%Y-%m-%d").to_string();
        let rows = self
            .client
            .query(
                "SELECT bucket, day, usage_type, amount, units, period_start FROM usage_history
                 WHERE product_id = $1 AND day >= $2 AND bucket IN ('daily', 'global')
                 ORDER BY day",
                &[&product, &since],
            )
            .map_err(|e| db.err(e))?;
        let mut read = Vec::with_capacity(rows.len());
        for r in &rows {
            read.push((
                col(r, 0, &db)?,
                col(r, 1, &db)?,
                col(r, 2, &db)?,
                col(r, 3, &db)?,
                col(r, 4, &db)?,
                col(r, 5, &db)?,
            ));
        }
        Ok(daily_from_rows(read))
    }

    pub(super) fn usage_account_daily_pg(
        &mut self,
        account: &str,
        since: NaiveDate,
    ) -> StoreResult<Vec<DailyUse>> {
        let db = Db(self.name.clone());
        let rows = self
            .client
            .query(
                "SELECT day, amount, units FROM usage_history
                 WHERE account = $1 AND day >= $2 AND bucket = 'daily' AND usage_type = 'DATA'",
                &[&account, &since.format("%Y-%m-%d").to_string()],
            )
            .map_err(|e| db.err(e))?;
        let mut read = Vec::with_capacity(rows.len());
        for r in &rows {
            read.push((col(r, 0, &db)?, col(r, 1, &db)?, col(r, 2, &db)?));
        }
        Ok(account_daily_from_rows(read))
    }

    pub(super) fn usage_levels_pg(&mut self) -> StoreResult<Vec<(String, f64)>> {
        let db = Db(self.name.clone());
        let rows = self
            .client
            .query(
                "SELECT product_id, max(percent) FROM usage_allowance
                 WHERE percent IS NOT NULL GROUP BY product_id ORDER BY product_id",
                &[],
            )
            .map_err(|e| db.err(e))?;
        rows.iter()
            .map(|r| Ok((col(r, 0, &db)?, col(r, 1, &db)?)))
            .collect()
    }

    pub(super) fn usage_allowances_pg(&mut self, product: &str) -> StoreResult<Vec<Allowance>> {
        let db = Db(self.name.clone());
        let rows = self
            .client
            .query(
                "SELECT body FROM usage_allowance WHERE product_id = $1 ORDER BY usage_type",
                &[&product],
            )
            .map_err(|e| db.err(e))?;
        let mut out = Vec::new();
        for r in &rows {
            let body: String = col(r, 0, &db)?;
            match serde_json::from_str(&body) {
                Ok(a) => out.push(a),
                Err(e) => {
                    tracing::warn!(product, error = %e, "a stored allowance no longer decodes; skipped")
                }
            }
        }
        Ok(out)
    }

    pub(super) fn usage_history_rows_pg(&mut self, product: &str) -> StoreResult<i64> {
        let db = Db(self.name.clone());
        let row = self
            .client
            .query_one(
                "SELECT count(*) FROM usage_history WHERE product_id = $1",
                &[&product],
            )
            .map_err(|e| db.err(e))?;
        col(&row, 0, &db)
    }
}
