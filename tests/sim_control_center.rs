//! Wire-level tests of the Control Center simulator (TMUS and JASPER accounts), driven with
//! reqwest over loopback: the `modifiedSince` rules, paging limits, Basic auth, error bodies,
//! the synchronous PUT and the rate limit answered as HTTP 400 / 40000029.

use chrono::{Duration, SecondsFormat, Utc};
use cmo::sim::{self, SimHandle, SimOptions, SimPlatform};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

async fn start(size: usize) -> SimHandle {
    sim::start(SimOptions {
        size,
        seed: 3,
        ..SimOptions::default()
    })
    .await
    .expect("simulators start")
}

fn iso(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn eleven_months_ago() -> String {
    iso(Utc::now() - Duration::days(30 * 11))
}

async fn get(http: &reqwest::Client, p: &SimPlatform, path_and_query: &str) -> (StatusCode, Value) {
    let r = http
        .get(format!("{}{path_and_query}", p.base_url))
        .basic_auth(&p.username, Some(&p.secret))
        .send()
        .await
        .expect("request");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn search(
    http: &reqwest::Client,
    p: &SimPlatform,
    query: &[(&str, String)],
) -> (StatusCode, Value) {
    let r = http
        .get(format!("{}/devices", p.base_url))
        .basic_auth(&p.username, Some(&p.secret))
        .query(query)
        .send()
        .await
        .expect("request");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn two_accounts_with_their_own_paths_accounts_and_credentials() {
    let h = start(10).await;
    let tmus = h.platform("TMUS").expect("TMUS");
    let jasper = h.platform("JASPER").expect("JASPER");
    assert!(
        tmus.base_url.ends_with("/tmus/rws/api/v1"),
        "{}",
        tmus.base_url
    );
    assert!(jasper.base_url.ends_with("/rws/api/v1"));
    assert_ne!(tmus.account_id, jasper.account_id);
    assert_ne!(tmus.username, jasper.username);
    let http = client();
    let (status, body) = get(&http, tmus, "/echo/ping").await;
    assert_eq!(
        (status, body["echo"].as_str()),
        (StatusCode::OK, Some("ping"))
    );
    // TMUS credentials do not open the JASPER account.
    let r = http
        .get(format!("{}/echo/x", jasper.base_url))
        .basic_auth(&tmus.username, Some(&tmus.secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errorCode"], "10000001");
    assert!(body["errorMessage"].is_string());
}

#[tokio::test]
async fn modified_since_is_required_not_future_and_at_most_a_year_old() {
    let h = start(10).await;
    let p = h.platform("JASPER").unwrap();
    let http = client();
    let cases = [
        (vec![], "10000003"),
        (
            vec![("modifiedSince", iso(Utc::now() + Duration::hours(1)))],
            "10002119",
        ),
        (
            vec![("modifiedSince", iso(Utc::now() - Duration::days(366)))],
            "10000045",
        ),
        (vec![("modifiedSince", "yesterday".to_string())], "10000028"),
    ];
    for (query, code) in cases {
        let (status, body) = search(&http, p, &query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query:?}");
        assert_eq!(body["errorCode"], code, "{query:?}: {body}");
    }
    for form in [
        iso(Utc::now() - Duration::days(364)),
        (Utc::now() - Duration::days(2))
            .format("%Y-%m-%dT%H:%M:%S+00:00")
            .to_string(),
    ] {
        let (status, _) = search(&http, p, &[("modifiedSince", form.clone())]).await;
        assert_eq!(status, StatusCode::OK, "{form}");
    }
}

#[tokio::test]
async fn pages_are_one_based_at_most_fifty_oldest_change_first() {
    let h = start(120).await;
    let p = h.platform("TMUS").unwrap();
    let http = client();
    let since = eleven_months_ago();
    let (status, body) = search(
        &http,
        p,
        &[("modifiedSince", since.clone()), ("pageSize", "51".into())],
    )
    .await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (StatusCode::BAD_REQUEST, Some("10000028"))
    );
    let (status, _) = search(
        &http,
        p,
        &[("modifiedSince", since.clone()), ("pageNumber", "0".into())],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let since = iso(Utc::now() - Duration::days(364));
    let mut seen = Vec::new();
    for page in 1..=3u32 {
        let (status, body) = search(
            &http,
            p,
            &[
                ("modifiedSince", since.clone()),
                ("pageNumber", page.to_string()),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["pageNumber"], page);
        assert_eq!(body["lastPage"], page == 3);
        let devices = body["devices"].as_array().unwrap();
        assert_eq!(devices.len(), if page == 3 { 20 } else { 50 });
        for d in devices {
            let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys.len(), 4, "{keys:?}");
            seen.push(d["iccid"].as_str().unwrap().to_string());
        }
    }
    let (_, beyond) = search(
        &http,
        p,
        &[("modifiedSince", since.clone()), ("pageNumber", "4".into())],
    )
    .await;
    assert_eq!(beyond["devices"].as_array().map(Vec::len), Some(0));
    assert_eq!(beyond["lastPage"], true);

    // A change moves the device to the end (newest modification) and into a recent window.
    let moved = seen[0].clone();
    let r = http
        .put(format!("{}/devices/{moved}", p.base_url))
        .basic_auth(&p.username, Some(&p.secret))
        .json(&json!({"status": "DEACTIVATED"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["iccid"], moved.as_str());
    let recent = iso(Utc::now() - Duration::minutes(5));
    let (_, body) = search(&http, p, &[("modifiedSince", recent)]).await;
    let devices = body["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0]["iccid"], moved.as_str());
    assert_eq!(devices[0]["status"], "DEACTIVATED");
}

#[tokio::test]
async fn details_usage_and_error_bodies() {
    let h = start(10).await;
    let p = h.platform("JASPER").unwrap();
    let http = client();
    let (_, body) = search(
        &http,
        p,
        &[("modifiedSince", iso(Utc::now() - Duration::days(364)))],
    )
    .await;
    let iccid = body["devices"][0]["iccid"].as_str().unwrap().to_string();
    let (status, d) = get(&http, p, &format!("/devices/{iccid}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(d["iccid"], iccid.as_str());
    assert_eq!(d["accountId"], p.account_id.as_str());
    for key in [
        "imsi",
        "msisdn",
        "imei",
        "status",
        "ratePlan",
        "communicationPlan",
        "dateUpdated",
    ] {
        assert!(d[key].is_string(), "{key}: {d}");
    }
    let (status, u) = get(&http, p, &format!("/devices/{iccid}/ctdUsages")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(u["ctdDataUsage"].is_u64() && u["ctdSMSUsage"].is_u64() && u["ctdVoiceUsage"].is_u64());

    let (status, e) = get(&http, p, "/devices/8997102000000000000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(e["errorCode"], "20000001");

    let put = |body: &'static str| {
        http.put(format!("{}/devices/{iccid}", p.base_url))
            .basic_auth(&p.username, Some(&p.secret))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let r = put("{not json").await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().await.unwrap()["errorCode"], "10000023");
    let r = put(r#"{"status":"SUSPENDED"}"#).await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "SUSPENDED is no native status"
    );
    let r = put(r#"{"status":"ACTIVATED"}"#).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (_, d) = get(&http, p, &format!("/devices/{iccid}")).await;
    assert_eq!(d["status"], "ACTIVATED");
}

#[tokio::test]
async fn rate_limit_is_http_400_with_code_40000029() {
    let h = start(5).await;
    let p = h.platform("TMUS").unwrap();
    let http = client();
    p.control.force_429_for(1);
    let (status, body) = get(&http, p, "/echo/a").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errorCode"], "40000029");
    assert_eq!(body["errorMessage"], "Rate Limit Exceeded");
    // The real limiter: a burst far above the account's TPS is refused the same way.
    let answers = futures::future::join_all((0..40).map(|_| get(&http, p, "/echo/b"))).await;
    let limited = answers
        .iter()
        .filter(|(s, b)| *s == StatusCode::BAD_REQUEST && b["errorCode"] == "40000029")
        .count();
    assert!(limited > 0);
    assert!(
        answers
            .iter()
            .all(|(s, _)| *s == StatusCode::OK || *s == StatusCode::BAD_REQUEST)
    );
}
