//! Quota and usage history against the simulators (loopback, port 0): the 1NCE quota calls
//! (`/quota/data`, `/quota/sms`) and the 30-day daily usage in one call, Control Center's
//! rate-plan allowance with its overage flag, TMSP's offering volume, a platform with none;
//! and, through the real binary, `usage get --json` carrying the quota as a `bucketBalance`
//! and the reading kept in the local store's history.

mod support;

use cmo::backends::BackendError;
use cmo::domain::quota::{SERIES_DAYS, parse_time, volume_in_name};
use cmo::domain::usage::{Unit, UsageType};
use cmo::domain::{BucketLevel, Characteristic, ProductId};
use serde_json::Value;
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use support::{business, list_all, rig};

fn characteristic<'a>(list: &'a [Characteristic], name: &str) -> Option<&'a str> {
    list.iter()
        .find(|c| c.name == name)
        .map(|c| c.value.as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onence_usage_carries_both_quotas_and_thirty_days_in_three_calls() {
    let r = rig("1NCE", 12, Duration::ZERO).await;
    let (rows, _) = list_all(r.backend.as_ref(), 100).await.expect("list");
    let id = business(&rows[3]);
    let sim = r.backend.sim_card(&id).await.expect("sim card");

    let before = r.requests();
    let usage = r.backend.usage(&id).await.expect("usage");
    assert_eq!(r.requests() - before, 3, "usage, quota/data, quota/sms");

    let data = usage
        .allowances
        .iter()
        .find(|a| a.usage_type == UsageType::Data)
        .expect("data quota");
    let sms = usage
        .allowances
        .iter()
        .find(|a| a.usage_type == UsageType::Sms)
        .expect("sms quota");
    assert_eq!((data.total, data.units), (500.0, Unit::Mb));
    assert_eq!((sms.total, sms.units), (250.0, Unit::Sms));
    // The SIM object's `current_quota` and the quota call are two reads of the same figure.
    let current: f64 = characteristic(&sim.characteristics, "currentQuotaMB")
        .expect("currentQuotaMB")
        .parse()
        .expect("a number");
    assert_eq!(data.remaining, Some(current));
    let sms_left: f64 = characteristic(&sim.characteristics, "currentQuotaSMS")
        .expect("currentQuotaSMS")
        .parse()
        .expect("a number");
    assert_eq!(sms.remaining, Some(sms_left));
    let expiry = parse_time(data.expiry.as_deref().expect("expiry")).expect("a date");
    let activated =
        parse_time(characteristic(&sim.characteristics, "activationDate").expect("activationDate"))
            .expect("a date");
    assert!(expiry > activated, "{expiry} after {activated}");
    assert!(data.percent().is_some_and(|p| (0.0..=100.0).contains(&p)));

    // One daily record per day for the last 30 days, ending today (UTC).
    let today = chrono::Utc::now().date_naive();
    let days: std::collections::BTreeSet<_> = usage
        .daily
        .iter()
        .filter(|d| d.usage_type == UsageType::Data)
        .map(|d| d.day)
        .collect();
    assert_eq!(days.len(), SERIES_DAYS, "{days:?}");
    assert_eq!(days.last().copied(), Some(today));
    // The month's bucket is the sum of this month's days, not of the whole window.
    let month: f64 = usage
        .daily
        .iter()
        .filter(|d| {
            d.usage_type == UsageType::Data
                && d.day.format("%Y-%m").to_string() == today.format("%Y-%m").to_string()
        })
        .map(|d| d.amount)
        .sum();
    let bucket = usage
        .bucket(BucketLevel::Global, UsageType::Data)
        .expect("data bucket");
    assert!(
        (bucket.amount - month).abs() < 1e-6,
        "{} vs {month}",
        bucket.amount
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onence_product_reads_its_quotas_and_an_unknown_sim_is_not_found() {
    let r = rig("1NCE", 6, Duration::ZERO).await;
    let (rows, _) = list_all(r.backend.as_ref(), 100).await.expect("list");
    let id = business(&rows[0]);
    let before = r.requests();
    let product = r.backend.product(&id).await.expect("product");
    // The bundle stays three calls (a status read or a batch lookup pays no quota call)...
    assert_eq!(r.requests() - before, 3, "SIM, status and usage");
    let usage = product.usage.expect("usage");
    assert!(usage.allowances.is_empty());
    assert_eq!(usage.daily.len(), 2 * SERIES_DAYS, "data and SMS, 30 days");
    // ...and the console asks for the quotas alongside: two more.
    let before = r.requests();
    let quotas = r
        .backend
        .allowances(&id)
        .await
        .expect("quotas")
        .expect("offered");
    assert_eq!(r.requests() - before, 2);
    assert_eq!(
        quotas.iter().map(|a| a.usage_type).collect::<Vec<_>>(),
        [UsageType::Data, UsageType::Sms]
    );

    // An ICCID beyond the simulated inventory: the first call's 404 names the SIM.
    let missing: ProductId = "1NCE-8988228066999999999".parse().expect("id");
    let err = r
        .backend
        .usage(&missing.business())
        .await
        .expect_err("unknown SIM");
    assert!(matches!(err, BackendError::NotFound { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_center_allowance_follows_the_rate_plan_and_its_overage_flag() {
    let r = rig("TMUS", 30, Duration::ZERO).await;
    // The support rig skips the pace; Control Center's 10 req/s limit needs it here.
    let backend = paced(r.platform());
    let (rows, _) = list_all(backend.as_ref(), 50).await.expect("list");
    let (mut with, mut without) = (0, 0);
    for row in rows.iter().take(6) {
        let product = backend.product(&business(row)).await.expect("product");
        let plan = product.product_offering.clone().expect("rate plan");
        let usage = product.usage.expect("usage");
        let flag =
            characteristic(&product.characteristics, "overageLimitReached").map(|v| v == "true");
        match volume_in_name(&plan) {
            Some((total, units)) => {
                with += 1;
                let a = &usage.allowances[0];
                assert_eq!((a.total, a.units), (total, units), "{plan}");
                assert_eq!(a.overage, flag, "{plan}");
                let used = usage
                    .bucket(BucketLevel::Global, UsageType::Data)
                    .and_then(|b| b.units.convert(b.amount, units));
                assert_eq!(a.used, used, "{plan}");
                assert!(a.source.contains(&plan), "{}", a.source);
            }
            None => {
                without += 1;
                assert!(
                    usage.allowances.is_empty(),
                    "{plan}: {:?}",
                    usage.allowances
                );
            }
        }
        // `usage` alone (no device read) says the same.
        let alone = backend.usage(&business(row)).await.expect("usage");
        assert_eq!(alone.allowances, usage.allowances);
    }
    assert!(
        with > 0 && without > 0,
        "plans with and without a volume: {with}/{without}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tmsp_offering_volume_is_the_allowance_for_the_billing_period() {
    let r = rig("TMSP", 12, Duration::ZERO).await;
    let (rows, _) = list_all(r.backend.as_ref(), 50).await.expect("list");
    let mut seen = 0;
    for row in &rows {
        let product = r.backend.product(&business(row)).await.expect("product");
        let offering = product.product_offering.clone().unwrap_or_default();
        let usage = product.usage.expect("usage");
        match volume_in_name(&offering) {
            Some((total, _)) => {
                seen += 1;
                let a = &usage.allowances[0];
                assert_eq!(a.total, total, "{offering}");
                let bucket = usage.bucket(BucketLevel::Global, UsageType::Data);
                assert_eq!(
                    a.expiry,
                    bucket.and_then(|b| b.period_end.clone()),
                    "{offering}"
                );
            }
            None => assert!(usage.allowances.is_empty(), "{offering}"),
        }
    }
    assert!(seen > 0, "an offering with a volume");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_platform_without_quota_calls_reports_no_allowance() {
    let r = rig("STC", 4, Duration::ZERO).await;
    let (rows, _) = list_all(r.backend.as_ref(), 50).await.expect("list");
    let usage = r.backend.usage(&business(&rows[0])).await.expect("usage");
    assert!(usage.allowances.is_empty());
    let before = r.requests();
    let quotas = r
        .backend
        .allowances(&business(&rows[0]))
        .await
        .expect("no error");
    assert_eq!(quotas, None, "not offered by STC");
    assert_eq!(r.requests(), before, "and nothing asked");
}

/// A backend on `p` with the kind's default pace and retries.
fn paced(p: &cmo::sim::SimPlatform) -> std::sync::Arc<dyn cmo::backends::Backend> {
    let text = format!(
        "[[backend]]\nname = \"{}\"\nkind = \"{}\"\nbase_url = \"{}\"\naccount_id = \"{}\"\n[backend.auth]\nusername = \"{}\"\nsecret = \"{}\"\n",
        p.name, p.kind, p.base_url, p.account_id, p.username, p.secret
    );
    let config = cmo::config::Config::from_toml_str(&text, "test").expect("config");
    cmo::backends::registry::build(&config)
        .expect("registry")
        .remove(0)
}

fn cmo(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cmo"))
        .args(["--demo", "--demo-size", "20", "--demo-seed", "5"])
        .args(args)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("share"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("cmo runs")
}

fn json_of(out: &Output) -> Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn usage_get_json_has_the_remaining_quota_and_its_expiry_and_keeps_the_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let listed = json_of(&cmo(
        dir.path(),
        &["--json", "products", "list", "--backend", "1NCE"],
    ));
    let id = listed["entities"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let sim = json_of(&cmo(dir.path(), &["--json", "sim-card", "get", &id]));
    let current = sim["productCharacteristic"]
        .as_array()
        .expect("characteristics")
        .iter()
        .find(|c| c["name"] == "currentQuotaMB")
        .and_then(|c| c["value"].as_str())
        .expect("currentQuotaMB")
        .parse::<f64>()
        .expect("number");

    let usage = json_of(&cmo(dir.path(), &["--json", "usage", "get", &id]));
    let volumes = usage["entities"].as_array().expect("entities");
    let data = volumes
        .iter()
        .find(|v| {
            v["id"]
                .as_str()
                .is_some_and(|s| s.ends_with("-usageVolume-data"))
        })
        .expect("data volume");
    let text = data.to_string();
    let balance = text_find(data, "bucketBalance").expect("bucketBalance");
    let balance = &balance[0];
    assert_eq!(
        balance["remainingValue"]["amount"].as_f64(),
        Some(current),
        "{text}"
    );
    assert_eq!(balance["remainingValue"]["units"], "MB", "{text}");
    assert_eq!(
        balance["totalValue"]["amount"].as_f64(),
        Some(500.0),
        "{text}"
    );
    let end = balance["validFor"]["endDateTime"].as_str().expect("expiry");
    assert!(
        chrono::DateTime::parse_from_rfc3339(end).is_ok(),
        "expiry is RFC 3339: {end}"
    );
    // The counters keep the seed's rule: one global data bucket for a cellular-only SIM.
    assert!(text.contains("\"bucketCounter\""), "{text}");
    let sms = volumes
        .iter()
        .find(|v| {
            v["id"]
                .as_str()
                .is_some_and(|s| s.ends_with("-usageVolume-sms"))
        })
        .expect("sms volume");
    assert!(text_find(sms, "bucketBalance").is_some(), "{sms}");

    // The reading is in the history: 30 daily records and the quota level.
    let store = cmo::store::Store::open(&dir.path().join("data")).expect("store");
    let since = chrono::Utc::now().date_naive() - chrono::Duration::days(40);
    let days = store.usage_daily(&id, since).expect("history");
    let data_days = days
        .iter()
        .filter(|d| d.usage_type == UsageType::Data)
        .count();
    assert_eq!(data_days, SERIES_DAYS);
    let levels = store.usage_levels().expect("levels");
    let pid: ProductId = id.parse().expect("id");
    assert!(
        levels
            .iter()
            .any(|(p, pct)| *p == pid.to_string() && *pct >= 0.0),
        "{levels:?}"
    );
}

/// The value under `key` anywhere in `v` (the subproduct nests its characteristics).
fn text_find<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v {
        Value::Object(map) => map
            .get(key)
            .or_else(|| map.values().find_map(|x| text_find(x, key))),
        Value::Array(items) => items.iter().find_map(|x| text_find(x, key)),
        _ => None,
    }
}
