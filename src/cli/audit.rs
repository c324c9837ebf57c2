//! `audit [--since TIME]`: the journal of every change made through the gate (who, from where,
//! when, on what, before/after, result), oldest first. TIME is RFC 3339
//! (`2026-11-29T08:00:00Z`), a date (`2026-11-29`, midnight UTC) or a duration back from now
//! (`2h`, `7d`, `1h 30m` — humantime). Each entry shows its `#` (seq); an asynchronous
//! request's entry names its monitors, and each monitor's final-outcome entry (`monitor-final`)
//! names the request entry it completes.

use super::error::{CliError, exit};
use super::{output, text};
use crate::store::{AuditEntry, AuditRecord, StoreHandle};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::json;

/// Parse `--since` relative to `now`.
pub fn parse_since(raw: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, CliError> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        && let Some(midnight) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(midnight.and_utc());
    }
    if let Ok(back) = humantime::parse_duration(raw) {
        return chrono::Duration::from_std(back)
            .ok()
            .and_then(|b| now.checked_sub_signed(b))
            .ok_or_else(|| CliError::Usage(format!("--since {raw}: too far back")));
    }
    Err(CliError::Usage(format!(
        "--since {:?}: expected an RFC 3339 time (2026-11-29T08:00:00Z), a date (2026-11-29) or a duration (2h, 7d)",
        crate::text::sanitize(raw)
    )))
}

fn who(e: &AuditEntry) -> String {
    match &e.ssh_client {
        Some(client) => format!("{}@{client}", e.operator),
        None => e.operator.clone(),
    }
}

/// At most three ids, then `+N more`, so a 100-id batch stays one readable row.
fn products(ids: &[String]) -> String {
    match ids.len() {
        0 => "-".into(),
        n if n <= 3 => ids.join(","),
        n => format!("{},… +{} more", ids[..2].join(","), n - 2),
    }
}

/// The monitors column: a request's monitors (shortened like products), or for a final-outcome
/// entry its monitor and the request entry it completes (`TMSP-7 ← #12`).
fn monitors(r: &AuditRecord) -> String {
    match (r.is_final_outcome(), r.request_seq) {
        (true, Some(seq)) => format!("{} ← #{seq}", r.monitors.join(",")),
        _ if r.monitors.is_empty() => "-".into(),
        _ => products(&r.monitors),
    }
}

/// The `#` column: the entry's seq; `a7` for write-ahead attempt 7 while its outcome is
/// unknown; `12←a7` for the entry that reconciled attempt 7.
fn number(r: &AuditRecord) -> String {
    match (r.seq, r.attempt, r.outcome.as_deref()) {
        (0, Some(a), _) => format!("a{a}"),
        (seq, Some(a), Some("reconciled")) => format!("{seq}←a{a}"),
        (seq, _, _) => seq.to_string(),
    }
}

pub async fn run(
    store: &StoreHandle,
    since: Option<DateTime<Utc>>,
    as_json: bool,
) -> Result<i32, CliError> {
    let records = store.audit_records_since(since).await?;
    if as_json {
        let n = records.len();
        output::json(&json!({
            "entities": records,
            "statistics": {"totalCount": n},
        }))?;
    } else {
        let rows: Vec<Vec<String>> = records
            .iter()
            .map(|r| {
                let e = &r.entry;
                vec![
                    number(r),
                    e.time.to_rfc3339_opts(SecondsFormat::Secs, true),
                    who(e),
                    e.action.clone(),
                    products(&e.product_ids),
                    e.before.clone().unwrap_or_else(|| "-".into()),
                    e.after.clone().unwrap_or_else(|| "-".into()),
                    e.result.clone(),
                    monitors(r),
                ]
            })
            .collect();
        output::stdout(&text::table(
            &[
                "#", "TIME", "OPERATOR", "ACTION", "PRODUCTS", "BEFORE", "AFTER", "RESULT",
                "MONITORS",
            ],
            &rows,
        ))?;
    }
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_rfc3339_dates_and_durations() {
        let now = parse_since("2026-11-29T12:00:00Z", Utc::now()).unwrap();
        assert_eq!(parse_since("2026-11-29T14:00:00+02:00", now).unwrap(), now);
        assert_eq!(
            parse_since("2026-11-29", now).unwrap(),
            parse_since("2026-11-29T00:00:00Z", now).unwrap()
        );
        assert_eq!(
            parse_since("2h", now).unwrap(),
            parse_since("2026-11-29T10:00:00Z", now).unwrap()
        );
        assert_eq!(
            parse_since("7d", now).unwrap(),
            parse_since("2026-11-22T12:00:00Z", now).unwrap()
        );
        assert_eq!(parse_since("last tuesday", now).unwrap_err().exit_code(), 2);
        assert_eq!(parse_since("2026-13-40", now).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn long_product_lists_are_shortened() {
        let ids: Vec<String> = (0..5).map(|i| format!("P{i}")).collect();
        assert_eq!(products(&ids), "P0,P1,… +3 more");
        assert_eq!(products(&ids[..2]), "P0,P1");
        assert_eq!(products(&[]), "-");
    }
}
