//! Wire-level tests of the 1NCE Management API simulator, driven with reqwest over loopback.

use std::time::{Duration, Instant};

use cmo::sim::{self, FaultSpec, SimError, SimHandle, SimOptions, SimPlatform};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

async fn start(opts: SimOptions) -> SimHandle {
    sim::start(opts).await.expect("simulators start")
}

async fn start_sized(size: usize, seed: u64) -> SimHandle {
    start(SimOptions {
        size,
        seed,
        ..SimOptions::default()
    })
    .await
}

fn onence(handle: &SimHandle) -> &SimPlatform {
    handle.platform("1NCE").expect("1NCE platform")
}

async fn token(http: &reqwest::Client, p: &SimPlatform) -> String {
    let response = http
        .post(format!("{}/oauth/token", p.base_url))
        .basic_auth(&p.username, Some(&p.secret))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .expect("token request");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("token json");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["scope"], "all");
    assert_eq!(body["status_code"], 200);
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

async fn get(
    http: &reqwest::Client,
    p: &SimPlatform,
    token: &str,
    path: &str,
) -> reqwest::Response {
    http.get(format!("{}{path}", p.base_url))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn lists_pages_with_paging_headers() {
    let handle = start_sized(25, 7).await;
    let (http, p) = (client(), onence(&handle));
    assert!(p.base_url.ends_with("/management-api"));
    let t = token(&http, p).await;

    let r = get(&http, p, &t, "/v1/sims?page=3&pageSize=10").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "x-total-count"), "25");
    assert_eq!(header(&r, "x-total-pages"), "3");
    assert_eq!(header(&r, "x-current-page"), "3");
    assert_eq!(header(&r, "x-count-per-page"), "10");
    let rows: Vec<Value> = r.json().await.expect("array");
    assert_eq!(rows.len(), 5);
    let sim = &rows[0];
    assert_eq!(sim["iccid"].as_str().map(str::len), Some(19));
    assert_eq!(sim["iccid_with_luhn"].as_str().map(str::len), Some(20));
    assert!(
        sim["imsi"]
            .as_str()
            .is_some_and(|s| s.len() == 15 && s.starts_with("901405"))
    );
    assert!(matches!(
        sim["status"].as_str(),
        Some("Enabled" | "Disabled")
    ));
    assert!(
        sim["activation_date"]
            .as_str()
            .is_some_and(|s| s.ends_with(".000+0000"))
    );
    for field in [
        "imsi_2",
        "current_imsi",
        "msisdn",
        "imei",
        "imei_lock",
        "ip_address",
        "current_quota",
        "quota_status",
        "current_quota_SMS",
        "quota_status_SMS",
        "label",
    ] {
        assert!(sim.get(field).is_some(), "missing {field}");
    }

    let defaults: Vec<Value> = get(&http, p, &t, "/v1/sims")
        .await
        .json()
        .await
        .expect("array");
    assert_eq!(defaults.len(), 10);
    let past_end: Vec<Value> = get(&http, p, &t, "/v1/sims?page=4&pageSize=10")
        .await
        .json()
        .await
        .expect("array");
    assert!(past_end.is_empty());
}

#[tokio::test]
async fn rejects_page_sizes_out_of_range() {
    let handle = start_sized(300, 1).await;
    let (http, p) = (client(), onence(&handle));
    let t = token(&http, p).await;
    for bad in ["pageSize=0", "pageSize=101", "pageSize=ten", "page=0"] {
        let r = get(&http, p, &t, &format!("/v1/sims?{bad}")).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: Value = r.json().await.expect("error json");
        assert_eq!(body["error_token"], "BadRequest", "{bad}");
    }
    let full: Vec<Value> = get(&http, p, &t, "/v1/sims?pageSize=100")
        .await
        .json()
        .await
        .expect("array");
    assert_eq!(full.len(), 100);
}

#[tokio::test]
async fn unknown_sim_is_a_v2_not_found() {
    let handle = start_sized(10, 1).await;
    let (http, p) = (client(), onence(&handle));
    let t = token(&http, p).await;
    let r = get(&http, p, &t, "/v1/sims/8900000000000000000").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body: Value = r.json().await.expect("error json");
    assert_eq!(body["error_code"], 404);
    assert_eq!(body["error_token"], "NotFound");
    assert!(body["message"].is_string());
}

#[tokio::test]
async fn put_changes_status_visible_on_next_get() {
    let handle = start_sized(10, 3).await;
    let (http, p) = (client(), onence(&handle));
    let t = token(&http, p).await;
    let rows: Vec<Value> = get(&http, p, &t, "/v1/sims")
        .await
        .json()
        .await
        .expect("array");
    let iccid = rows[0]["iccid"].as_str().expect("iccid").to_string();
    let flipped = if rows[0]["status"] == "Enabled" {
        "Disabled"
    } else {
        "Enabled"
    };
    let url = format!("{}/v1/sims/{iccid}", p.base_url);

    let r = http
        .put(&url)
        .bearer_auth(&t)
        .json(&json!({"iccid": iccid, "status": flipped}))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.expect("body").is_empty());
    let detail: Value = get(&http, p, &t, &format!("/v1/sims/{iccid}"))
        .await
        .json()
        .await
        .expect("detail");
    assert_eq!(detail["status"], flipped);
    // The ICCID with its Luhn digit addresses the same SIM.
    let luhn = detail["iccid_with_luhn"]
        .as_str()
        .expect("luhn")
        .to_string();
    let same: Value = get(&http, p, &t, &format!("/v1/sims/{luhn}"))
        .await
        .json()
        .await
        .expect("detail");
    assert_eq!(same["status"], flipped);

    for bad in [
        json!({"iccid": iccid, "status": "Suspended"}),
        json!({"status": "Enabled"}),
        json!({"iccid": "8988228066000000000", "status": "Enabled"}),
        json!(["x"]),
    ] {
        let r = http
            .put(&url)
            .bearer_auth(&t)
            .json(&bad)
            .send()
            .await
            .expect("put");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    let r = http
        .put(format!("{}/v1/sims/8900000000000000000", p.base_url))
        .bearer_auth(&t)
        .json(&json!({"iccid": "8900000000000000000", "status": "Enabled"}))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rate_limit_refuses_beyond_ten_per_second() {
    let handle = start_sized(10, 1).await;
    let (http, p) = (client(), onence(&handle));
    let t = token(&http, p).await;
    let began = Instant::now();
    let (mut ok, mut limited) = (0u64, None);
    for _ in 0..300 {
        let r = get(&http, p, &t, "/v1/sims?pageSize=1").await;
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status(), StatusCode::OK);
        ok += 1;
    }
    // However slow this machine is, the limiter never lets more through than 10 + 10/s.
    let allowance = 10 + (began.elapsed().as_secs_f64() * 10.0).ceil() as u64;
    assert!(
        ok <= allowance,
        "{ok} requests passed, allowance {allowance}"
    );
    let limited = limited.expect("a 429 within 300 back-to-back requests");
    let retry_after: u64 = header(&limited, "retry-after")
        .parse()
        .expect("Retry-After seconds");
    assert!(retry_after >= 1);
    let body: Value = limited.json().await.expect("429 json");
    assert!(body["message"].is_string());
    assert!(p.control.rate_limited_total() >= 1);
    assert!(p.control.requests_total() > ok);
    // The token endpoint is not rate limited.
    token(&http, p).await;
}

#[tokio::test]
async fn tokens_are_required_and_expire() {
    let handle = start_sized(10, 1).await;
    let (http, p) = (client(), onence(&handle));
    let r = http
        .get(format!("{}/v1/sims", p.base_url))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    let t = token(&http, p).await;
    assert_eq!(get(&http, p, &t, "/v1/sims").await.status(), StatusCode::OK);
    p.control.expire_tokens_now();
    assert_eq!(
        get(&http, p, &t, "/v1/sims").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let fresh = token(&http, p).await;
    assert_eq!(
        get(&http, p, &fresh, "/v1/sims").await.status(),
        StatusCode::OK
    );

    let short = start(SimOptions {
        size: 10,
        token_ttl: Some(Duration::ZERO),
        ..SimOptions::default()
    })
    .await;
    let q = onence(&short);
    let t = token(&http, q).await;
    assert_eq!(
        get(&http, q, &t, "/v1/sims").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn token_endpoint_checks_credentials_and_accepts_forms() {
    let handle = start_sized(10, 1).await;
    let (http, p) = (client(), onence(&handle));
    let url = format!("{}/oauth/token", p.base_url);
    let r = http
        .post(&url)
        .basic_auth(&p.username, Some("wrong"))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .expect("token");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["errorCode"], "BadCredentials");
    assert_eq!(body["statusCode"], 400);

    let r = http
        .post(&url)
        .basic_auth(&p.username, Some(&p.secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token");
    assert_eq!(r.status(), StatusCode::OK);
    let r = http
        .post(format!("{url}?grant_type=client_credentials"))
        .basic_auth(&p.username, Some(&p.secret))
        .send()
        .await
        .expect("token");
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn same_seed_same_inventory() {
    let page = |handle: SimHandle| async move {
        let http = client();
        let p = onence(&handle).clone();
        let t = token(&http, &p).await;
        let rows: Value = get(&http, &p, &t, "/v1/sims?pageSize=50")
            .await
            .json()
            .await
            .expect("array");
        (rows, p.secret)
    };
    let (a, secret_a) = page(start_sized(50, 42).await).await;
    let (b, secret_b) = page(start_sized(50, 42).await).await;
    let (c, _) = page(start_sized(50, 43).await).await;
    assert_eq!(a, b);
    assert_eq!(secret_a, secret_b);
    assert_ne!(a, c);
    let statuses: Vec<&str> = a
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|s| s["status"].as_str())
        .collect();
    assert!(statuses.contains(&"Enabled"));
    assert!(statuses.iter().filter(|s| **s == "Enabled").count() > statuses.len() / 2);
}

#[tokio::test]
async fn usage_connectivity_and_quotas() {
    let handle = start_sized(5, 9).await;
    let (http, p) = (client(), onence(&handle));
    let t = token(&http, p).await;
    let rows: Vec<Value> = get(&http, p, &t, "/v1/sims")
        .await
        .json()
        .await
        .expect("array");
    let iccid = rows[0]["iccid"].as_str().expect("iccid");
    let today = chrono::Utc::now().date_naive();
    let start = today - chrono::Days::new(2);
    let r = get(
        &http,
        p,
        &t,
        &format!("/v1/sims/{iccid}/usage?start_dt={start}&end_dt={today}"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let usage: Value = r.json().await.expect("usage");
    let stats = usage["stats"].as_array().expect("stats");
    assert_eq!(stats.len(), 3);
    assert_eq!(stats[0]["data"]["traffic_type"]["unit"], "MB");
    assert_eq!(stats[0]["sms"]["traffic_type"]["unit"], "SMS");
    assert!(
        stats[0]["data"]["volume"]
            .as_str()
            .is_some_and(|v| v.parse::<f64>().is_ok())
    );
    let again: Value = get(
        &http,
        p,
        &t,
        &format!("/v1/sims/{iccid}/usage?start_dt={start}&end_dt={today}"),
    )
    .await
    .json()
    .await
    .expect("usage");
    assert_eq!(usage, again);

    let old = today - chrono::Days::new(200);
    let r = get(
        &http,
        p,
        &t,
        &format!("/v1/sims/{iccid}/usage?start_dt={old}&end_dt={today}"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = get(
        &http,
        p,
        &t,
        &format!("/v1/sims/{iccid}/usage?start_dt=yesterday&end_dt={today}"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let status: Value = get(&http, p, &t, &format!("/v1/sims/{iccid}/status"))
        .await
        .json()
        .await
        .expect("status");
    assert!(matches!(
        status["status"].as_str(),
        Some("ONLINE" | "ATTACHED" | "OFFLINE")
    ));
    assert!(status["location"].is_object());
    let quota: Value = get(&http, p, &t, &format!("/v1/sims/{iccid}/quota/data"))
        .await
        .json()
        .await
        .expect("quota");
    assert_eq!(quota["total_volume"], 500.0);
    let sms: Value = get(&http, p, &t, &format!("/v1/sims/{iccid}/quota/sms"))
        .await
        .json()
        .await
        .expect("quota");
    assert_eq!(sms["total_volume"], 250.0);
}

#[tokio::test]
async fn injected_faults_and_down() {
    let handle = start_sized(10, 1).await;
    let (http, p) = (client(), onence(&handle));
    let t = token(&http, p).await;
    let c = &p.control;

    c.force_429_for(2);
    for _ in 0..2 {
        let r = get(&http, p, &t, "/v1/sims").await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(header(&r, "retry-after"), "1");
    }
    assert_eq!(get(&http, p, &t, "/v1/sims").await.status(), StatusCode::OK);

    c.set_5xx_rate(1.0);
    assert!(
        get(&http, p, &t, "/v1/sims")
            .await
            .status()
            .is_server_error()
    );
    c.set_5xx_rate(0.0);
    c.set_malformed_rate(1.0);
    let r = get(&http, p, &t, "/v1/sims").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.json::<Value>().await.is_err(),
        "malformed body must not parse"
    );
    c.clear();
    assert!(c.faults_injected_total() >= 4);

    c.set_down(true);
    assert!(
        http.get(format!("{}/v1/sims", p.base_url))
            .bearer_auth(&t)
            .send()
            .await
            .is_err()
    );
    assert!(
        reqwest::Client::new()
            .get(format!("{}/v1/sims", p.base_url))
            .bearer_auth(&t)
            .send()
            .await
            .is_err()
    );
    c.set_down(false);
    // The port is re-bound by the server task; retry until it is back (not a timing assertion).
    let mut back = false;
    for _ in 0..100 {
        if let Ok(r) = http
            .get(format!("{}/v1/sims", p.base_url))
            .bearer_auth(&t)
            .send()
            .await
        {
            assert_eq!(r.status(), StatusCode::OK);
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(back, "platform came back up");
}

#[tokio::test]
async fn fault_specs_from_options() {
    let err = sim::start(SimOptions {
        faults: vec![FaultSpec::parse("NOPE:5xx=1").expect("spec")],
        ..SimOptions::default()
    })
    .await
    .expect_err("unknown target");
    assert!(matches!(err, SimError::UnknownFaultTarget { .. }));
    assert!(err.to_string().contains("NOPE"));

    let handle = start(SimOptions {
        size: 5,
        faults: vec!["1nce-demo:5xx=1".parse().expect("spec")],
        ..SimOptions::default()
    })
    .await;
    let (http, p) = (client(), onence(&handle));
    let t = token(&http, p).await; // /oauth is outside the fault layer
    assert!(
        get(&http, p, &t, "/v1/sims")
            .await
            .status()
            .is_server_error()
    );
}

#[tokio::test]
async fn a_million_sims_are_served_lazily() {
    let handle = start_sized(1_000_000, 5).await;
    let (http, p) = (client(), onence(&handle));
    let t = token(&http, p).await;
    let r = get(&http, p, &t, "/v1/sims?page=10000&pageSize=100").await;
    assert_eq!(header(&r, "x-total-pages"), "10000");
    let rows: Vec<Value> = r.json().await.expect("array");
    assert_eq!(rows.len(), 100);
    let last = rows[99]["iccid"].as_str().expect("iccid");
    let detail: Value = get(&http, p, &t, &format!("/v1/sims/{last}"))
        .await
        .json()
        .await
        .expect("detail");
    assert_eq!(detail["iccid"], last);
}

#[tokio::test]
async fn writes_config_with_private_secret_files() {
    let handle = start_sized(5, 1).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cmo.toml");
    handle.write_config(&path).expect("write config");
    let text = std::fs::read_to_string(&path).expect("read config");
    let p = onence(&handle);
    assert!(text.starts_with("theme = \"default\"\nread_only = false\n[[backend]]\nname = \"1nce-demo\"\nkind = \"1NCE\"\n"));
    let parsed: toml::Table = text.parse().expect("valid toml");
    let backend = &parsed["backend"].as_array().expect("backends")[0];
    assert_eq!(backend["base_url"].as_str(), Some(p.base_url.as_str()));
    assert_eq!(backend["account_id"].as_str(), Some(p.account_id.as_str()));
    let secret_file = backend["auth"]["secret_file"]
        .as_str()
        .expect("secret_file");
    assert!(std::path::Path::new(secret_file).is_absolute());
    assert_eq!(
        std::fs::read_to_string(secret_file).expect("secret"),
        p.secret
    );
    assert!(!text.contains(&p.secret));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(secret_file)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let inline: toml::Table = handle.config_toml_inline().parse().expect("valid toml");
    assert_eq!(
        inline["backend"][0]["auth"]["secret"].as_str(),
        Some(p.secret.as_str())
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn timeout_fault_holds_until_client_gives_up_and_shutdown_releases_it() {
    let handle = start_sized(5, 1).await;
    let http = client();
    let p = onence(&handle).clone();
    let t = token(&http, &p).await;
    p.control.set_timeout_rate(1.0);
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let err = impatient
        .get(format!("{}/v1/sims", p.base_url))
        .bearer_auth(&t)
        .send()
        .await
        .expect_err("held request");
    assert!(err.is_timeout());
    // A request still held by the simulator must not keep shutdown waiting for the hold.
    let held = tokio::spawn({
        let (http, url, t) = (http.clone(), format!("{}/v1/sims", p.base_url), t.clone());
        async move {
            http.get(url)
                .bearer_auth(t)
                .send()
                .await
                .map(|r| r.status())
        }
    });
    while p.control.faults_injected_total() < 2 {
        tokio::task::yield_now().await;
    }
    handle.shutdown().await;
    let status = held.await.expect("task");
    assert!(status.is_err() || status.is_ok_and(|s| s == StatusCode::GATEWAY_TIMEOUT));
}
