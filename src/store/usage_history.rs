//! Usage history: every usage reading kept per product, per bucket, per day
//! (`usage_history`), and each product's latest allowances (`usage_allowance`), so the console
//! can draw 30 days of use, sum an account's known use, and mark the products over 80 % without
//! asking a carrier per row. Rows older than the retention (`usage_history_retention`) are
//! dropped when a reading is recorded.
//!
//! A row's `bucket` is `daily` for a carrier's own daily record (that day's use), or the bucket
//! level (`global`, `cellular`, `satellite`) for a reading of a period total taken that day (the
//! latest reading of a day wins). Daily use is read from `daily` rows; a product with none gets
//! it derived from the growth of its `global` readings within one period.

use super::error::{StoreError, StoreResult};
use super::{Store, format_time};
use crate::domain::quota::{Allowance, DailyUse};
use crate::domain::usage::{Unit, UsageType};
use crate::domain::{BucketLevel, Usage};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};
use std::collections::BTreeMap;
use std::time::Duration;

/// Default retention of usage history: 90 days.
pub const DEFAULT_USAGE_RETENTION: Duration = Duration::from_secs(90 * 86_400);

pub(super) const DAILY: &str = "daily";

pub(super) fn type_str(t: UsageType) -> &'static str {
    match t {
        UsageType::Data => "DATA",
        UsageType::Sms => "SMS",
        UsageType::Voice => "VOICE",
    }
}

pub(super) fn type_from(s: &str) -> Option<UsageType> {
    match s {
        "DATA" => Some(UsageType::Data),
        "SMS" => Some(UsageType::Sms),
        "VOICE" => Some(UsageType::Voice),
        _ => None,
    }
}

pub(super) fn unit_from(s: &str) -> Option<Unit> {
    [
        Unit::Bytes,
        Unit::Kb,
        Unit::Mb,
        Unit::Gb,
        Unit::Sms,
        Unit::Seconds,
    ]
    .into_iter()
    .find(|u| u.as_str() == s)
}

pub(super) fn level_str(l: BucketLevel) -> &'static str {
    match l {
        BucketLevel::Global => "global",
        BucketLevel::Cellular => "cellular",
        BucketLevel::Satellite => "satellite",
    }
}

/// A reading of a period total, as stored.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Reading {
    pub(super) day: NaiveDate,
    pub(super) usage_type: UsageType,
    pub(super) amount: f64,
    pub(super) units: Unit,
    pub(super) period_start: Option<String>,
}

/// One `usage_history` row as both stores read it: bucket, day, usage type, amount, units,
/// period start.
pub(super) type HistoryRow = (String, String, String, f64, String, Option<String>);

/// The daily series of a product's history rows: the carrier's own daily records when it sent
/// any, else the growth of its period readings ([`derive_daily`]). Rows that no longer parse
/// (a unit or type a later version dropped) are skipped.
pub(super) fn daily_from_rows(rows: impl IntoIterator<Item = HistoryRow>) -> Vec<DailyUse> {
    let (mut daily, mut readings) = (Vec::new(), Vec::new());
    for (bucket, day, usage_type, amount, units, period_start) in rows {
        let (Ok(day), Some(usage_type), Some(units)) = (
            NaiveDate::parse_from_str(&day, "%Y-%m-%d"),
            type_from(&usage_type),
            unit_from(&units),
        ) else {
            continue;
        };
        if bucket == DAILY {
            daily.push(DailyUse {
                day,
                usage_type,
                amount,
                units,
            });
        } else {
            readings.push(Reading {
                day,
                usage_type,
                amount,
                units,
                period_start,
            });
        }
    }
    if daily.is_empty() {
        derive_daily(readings)
    } else {
        daily
    }
}

/// An account's daily data use from its products' daily rows (day, amount, units): summed per
/// day in bytes; rows whose day or unit no longer parses are skipped.
pub(super) fn account_daily_from_rows(
    rows: impl IntoIterator<Item = (String, f64, String)>,
) -> Vec<DailyUse> {
    let mut by_day: BTreeMap<NaiveDate, f64> = BTreeMap::new();
    for (day, amount, units) in rows {
        let (Ok(day), Some(bytes)) = (
            NaiveDate::parse_from_str(&day, "%Y-%m-%d"),
            unit_from(&units).and_then(|u| u.convert(amount, Unit::Bytes)),
        ) else {
            continue;
        };
        *by_day.entry(day).or_default() += bytes;
    }
    by_day
        .into_iter()
        .map(|(day, amount)| DailyUse {
            day,
            usage_type: UsageType::Data,
            amount,
            units: Unit::Bytes,
        })
        .collect()
}

/// Daily use derived from period readings: the growth since the previous day's reading of the
/// same period; the first reading of a period counts whole only when the period began that day.
pub(super) fn derive_daily(mut readings: Vec<Reading>) -> Vec<DailyUse> {
    readings.sort_by(|a, b| (a.day, type_str(a.usage_type)).cmp(&(b.day, type_str(b.usage_type))));
    let mut out = Vec::new();
    let mut last: BTreeMap<&'static str, Reading> = BTreeMap::new();
    for r in readings {
        let key = type_str(r.usage_type);
        let grown = match last.get(key) {
            Some(prev)
                if prev.period_start == r.period_start && (r.day - prev.day).num_days() == 1 =>
            {
                prev.units
                    .convert(prev.amount, r.units)
                    .map(|p| (r.amount - p).max(0.0))
            }
            _ => r
                .period_start
                .as_deref()
                .and_then(crate::domain::quota::parse_time)
                .filter(|s| s.date_naive() == r.day)
                .map(|_| r.amount),
        };
        if let Some(amount) = grown {
            out.push(DailyUse {
                day: r.day,
                usage_type: r.usage_type,
                amount,
                units: r.units,
            });
        }
        last.insert(key, r);
    }
    out
}

impl Store {
    /// Record one usage reading of `product` (held by `account`) taken at `now`: its buckets
    /// as today's reading, the carrier's daily records, its allowances; then drop history
    /// older than `retention`. Returns the rows written.
    pub fn usage_record(
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
                    .map_err(|e| StoreError::Corrupt {
                        path: self.path.clone(),
                        detail: format!("an allowance cannot be encoded: {e}"),
                    })
            })
            .collect::<StoreResult<_>>()?;
        self.write(|tx, path| {
            let sql = |e| StoreError::sqlite(path, e);
            let mut put = tx
                .prepare_cached(
                    "INSERT INTO usage_history
                         (product_id, account, usage_type, bucket, day, amount, units, period_start, recorded_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT (product_id, usage_type, bucket, day) DO UPDATE SET
                         account = excluded.account, amount = excluded.amount, units = excluded.units,
                         period_start = excluded.period_start, recorded_at = excluded.recorded_at",
                )
                .map_err(sql)?;
            let mut n = 0;
            for b in &usage.buckets {
                n += put
                    .execute(params![
                        product,
                        account,
                        type_str(b.usage_type),
                        level_str(b.level),
                        today,
                        b.amount,
                        b.units.as_str(),
                        b.period_start,
                        at
                    ])
                    .map_err(sql)?;
            }
            for d in &usage.daily {
                let day = d.day.format("%Y-%m-%d").to_string();
                if day < cutoff {
                    continue;
                }
                n += put
                    .execute(params![
                        product,
                        account,
                        type_str(d.usage_type),
                        DAILY,
                        day,
                        d.amount,
                        d.units.as_str(),
                        Option::<String>::None,
                        at
                    ])
                    .map_err(sql)?;
            }
            let mut allow = tx
                .prepare_cached(
                    "INSERT INTO usage_allowance (product_id, account, usage_type, body, percent, recorded_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (product_id, usage_type) DO UPDATE SET
                         account = excluded.account, body = excluded.body,
                         percent = excluded.percent, recorded_at = excluded.recorded_at",
                )
                .map_err(sql)?;
            for (body, percent, usage_type) in &allowances {
                n += allow
                    .execute(params![product, account, usage_type, body, percent, at])
                    .map_err(sql)?;
            }
            tx.execute("DELETE FROM usage_history WHERE day < ?1", [&cutoff])
                .map_err(sql)?;
            tx.execute(
                "DELETE FROM usage_allowance WHERE recorded_at < ?1",
                [format!("{cutoff}T00:00:00")],
            )
            .map_err(sql)?;
            Ok(n)
        })
    }

    /// The daily use of `product` from `since` on: the carrier's daily records, or — for a
    /// product without any — what its period readings grew by each day.
    pub fn usage_daily(&self, product: &str, since: NaiveDate) -> StoreResult<Vec<DailyUse>> {
        let since = since.format("%Y-%m-%d").to_string();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT bucket, day, usage_type, amount, units, period_start FROM usage_history
                 WHERE product_id = ?1 AND day >= ?2 AND bucket IN ('daily', 'global')
                 ORDER BY day",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(params![product, since], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, f64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })
            .map_err(|e| self.sql(e))?;
        let rows = rows
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(daily_from_rows(rows))
    }

    /// An account's data use per day from `since` on, in bytes: the sum of the daily records of
    /// its products (what is known; products never opened are not in it).
    pub fn usage_account_daily(
        &self,
        account: &str,
        since: NaiveDate,
    ) -> StoreResult<Vec<DailyUse>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT day, amount, units FROM usage_history
                 WHERE account = ?1 AND day >= ?2 AND bucket = 'daily' AND usage_type = 'DATA'",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(
                params![account, since.format("%Y-%m-%d").to_string()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, f64>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .map_err(|e| self.sql(e))?;
        let rows = rows
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(account_daily_from_rows(rows))
    }

    /// Each product's highest allowance percentage, as last recorded.
    pub fn usage_levels(&self) -> StoreResult<Vec<(String, f64)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT product_id, max(percent) FROM usage_allowance
                 WHERE percent IS NOT NULL GROUP BY product_id",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?)))
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))
    }

    /// The allowances last recorded for `product`.
    pub fn usage_allowances(&self, product: &str) -> StoreResult<Vec<Allowance>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT body FROM usage_allowance WHERE product_id = ?1 ORDER BY usage_type",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([product], |r| r.get::<_, String>(0))
            .map_err(|e| self.sql(e))?;
        let mut out = Vec::new();
        for body in rows {
            let body = body.map_err(|e| self.sql(e))?;
            match serde_json::from_str(&body) {
                Ok(a) => out.push(a),
                Err(e) => {
                    tracing::warn!(product, error = %e, "a stored allowance no longer decodes; skipped")
                }
            }
        }
        Ok(out)
    }

    /// Rows of usage history held (for tests and `cmo info`).
    pub fn usage_history_rows(&self, product: &str) -> StoreResult<i64> {
        self.conn
            .query_row(
                "SELECT count(*) FROM usage_history WHERE product_id = ?1",
                [product],
                |r| r.get(0),
            )
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(|e| self.sql(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Bucket;
    use crate::domain::quota::Allowance;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        crate::domain::quota::parse_time(s).unwrap()
    }

    fn reading(amount: f64, start: &str) -> Usage {
        Usage {
            buckets: vec![Bucket {
                level: BucketLevel::Global,
                usage_type: UsageType::Data,
                amount,
                units: Unit::Mb,
                period_start: Some(start.into()),
                period_end: None,
            }],
            ..Usage::default()
        }
    }

    #[test]
    fn readings_become_daily_growth_and_daily_records_win() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let keep = DEFAULT_USAGE_RETENTION;
        let start = "2026-11-01T00:00:00Z";
        s.usage_record(
            "a",
            "P-1",
            &reading(10.0, start),
            at("2026-11-01T10:00:00Z"),
            keep,
        )
        .unwrap();
        s.usage_record(
            "a",
            "P-1",
            &reading(12.0, start),
            at("2026-11-02T10:00:00Z"),
            keep,
        )
        .unwrap();
        // A second reading the same day replaces the first.
        s.usage_record(
            "a",
            "P-1",
            &reading(15.0, start),
            at("2026-11-02T18:00:00Z"),
            keep,
        )
        .unwrap();
        let got = s.usage_daily("P-1", day("2026-10-01")).unwrap();
        let amounts: Vec<(NaiveDate, f64)> = got.iter().map(|d| (d.day, d.amount)).collect();
        assert_eq!(
            amounts,
            vec![(day("2026-11-01"), 10.0), (day("2026-11-02"), 5.0)]
        );

        let mut with_days = reading(1.0, start);
        with_days.daily = vec![DailyUse {
            day: day("2026-11-02"),
            usage_type: UsageType::Data,
            amount: 3.0,
            units: Unit::Mb,
        }];
        with_days.allowances = vec![Allowance {
            usage_type: UsageType::Data,
            total: 500.0,
            remaining: Some(50.0),
            used: None,
            units: Unit::Mb,
            period_start: None,
            expiry: None,
            overage: None,
            source: "t".into(),
        }];
        s.usage_record("a", "P-2", &with_days, at("2026-11-03T10:00:00Z"), keep)
            .unwrap();
        let got = s.usage_daily("P-2", day("2026-10-01")).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].amount, 3.0);
        let account = s.usage_account_daily("a", day("2026-10-01")).unwrap();
        assert_eq!(account.len(), 1);
        assert_eq!(
            (account[0].day, account[0].amount),
            (day("2026-11-02"), 3e6)
        );
        assert_eq!(s.usage_levels().unwrap(), vec![("P-2".to_string(), 90.0)]);
        assert_eq!(s.usage_allowances("P-2").unwrap().len(), 1);
    }

    #[test]
    fn history_older_than_the_retention_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let start = "2026-01-01T00:00:00Z";
        let week = Duration::from_secs(7 * 86_400);
        s.usage_record(
            "a",
            "P-1",
            &reading(1.0, start),
            at("2026-01-01T10:00:00Z"),
            week,
        )
        .unwrap();
        assert_eq!(s.usage_history_rows("P-1").unwrap(), 1);
        s.usage_record(
            "a",
            "P-1",
            &reading(2.0, start),
            at("2026-01-20T10:00:00Z"),
            week,
        )
        .unwrap();
        assert_eq!(s.usage_history_rows("P-1").unwrap(), 1);
    }
}
