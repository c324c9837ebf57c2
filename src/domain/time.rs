//! Carrier timestamps: the one parser every layer uses for the date-times carriers send, and
//! the one way the console writes them. Carriers write RFC 3339 with any offset, ISO 8601 with a
//! `+0000`-style offset (1NCE's `2018-03-09T07:59:09.000+0000`), Control Center's
//! `2016-07-06 22:04:04.380+0000`, or no offset at all (the carriers that do, write UTC).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Utc};

/// A carrier's date-time with its offset, as UTC. Text without an offset or without a time is
/// `None`: where an exact instant matters (a session's start) nothing is guessed.
pub fn parse_instant(raw: &str) -> Option<DateTime<Utc>> {
    let t = raw.trim();
    DateTime::parse_from_rfc3339(t)
        .ok()
        .or_else(|| {
            ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"]
                .iter()
                .find_map(|f| DateTime::parse_from_str(t, f).ok())
        })
        .map(|d| d.with_timezone(&Utc))
}

/// A carrier's date-time as UTC, more leniently: an instant ([`parse_instant`]), a date-time
/// without offset (taken as UTC), or a bare date (its midnight, UTC).
pub fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    let t = raw.trim();
    parse_instant(t)
        .or_else(|| {
            ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
                .map(|n| n.and_utc())
        })
        .or_else(|| bare_date(t).map(|d| d.and_time(NaiveTime::MIN).and_utc()))
}

fn bare_date(t: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()
}

/// RFC 3339 in UTC (`2018-03-09T07:59:09Z`) for JSON output: fractional seconds only when not
/// zero; a bare date stays a date (RFC 3339's full-date); text that is no date is returned
/// unchanged rather than lost.
pub fn rfc3339(raw: &str) -> String {
    let t = raw.trim();
    if bare_date(t).is_some() {
        return t.to_string();
    }
    match parse_time(t) {
        Some(d) => d.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        None => raw.to_string(),
    }
}

/// How the console writes a carrier's date-time: `2018-03-09 07:59:09 UTC`, or the date alone
/// for a bare date or midnight. `None` when `raw` is no date-time (a plain value, shown as is).
pub fn display(raw: &str) -> Option<String> {
    let at = parse_time(raw)?;
    Some(if at.time() == NaiveTime::MIN {
        at.format("%Y-%m-%d").to_string()
    } else {
        at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_carrier_format_is_the_same_instant() {
        let want = DateTime::parse_from_rfc3339("2018-03-09T07:59:09Z")
            .unwrap()
            .with_timezone(&Utc);
        for raw in [
            "2018-03-09T07:59:09.000+0000",
            "2018-03-09 07:59:09.000+0000",
            " 2018-03-09T08:59:09+01:00 ",
            "2018-03-09T07:59:09Z",
        ] {
            assert_eq!(parse_instant(raw), Some(want), "{raw}");
            assert_eq!(parse_time(raw), Some(want), "{raw}");
        }
        assert_eq!(parse_instant("2018-03-09T07:59:09"), None);
        assert_eq!(parse_time("2018-03-09T07:59:09"), Some(want));
        assert_eq!(parse_instant("2018-03-09"), None);
        assert_eq!(parse_instant("yesterday"), None);
        assert_eq!(parse_time("12345"), None);
    }

    #[test]
    fn json_and_console_forms() {
        assert_eq!(
            rfc3339("2018-03-09T07:59:09.000+0000"),
            "2018-03-09T07:59:09Z"
        );
        assert_eq!(
            rfc3339("2018-03-09T07:59:09.250+0100"),
            "2018-03-09T06:59:09.250Z"
        );
        assert_eq!(rfc3339("2018-03-09"), "2018-03-09");
        assert_eq!(rfc3339("not a date"), "not a date");
        assert_eq!(
            display("2020-01-31T17:15:30.000+0000").as_deref(),
            Some("2020-01-31 17:15:30 UTC")
        );
        assert_eq!(
            display("2029-01-01T00:00:00.000+0000").as_deref(),
            Some("2029-01-01")
        );
        assert_eq!(display("2029-01-01").as_deref(), Some("2029-01-01"));
        assert_eq!(display("866957049458510"), None);
        assert_eq!(display("Enabled"), None);
    }
}
