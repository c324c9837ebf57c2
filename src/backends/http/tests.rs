//! Policy tests against a tiny scripted axum server on 127.0.0.1:0: retries, Retry-After,
//! rate-limit classification, token cache and the single 401 refresh, error mapping.

use super::*;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap as AxHeaders, StatusCode as AxStatus};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use reqwest::Url;
use secrecy::SecretString;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

/// Scripted answers: each request pops the next `(status, retry_after, body)`; the last one
/// repeats forever.
#[derive(Default)]
struct Script {
    answers: Mutex<VecDeque<(u16, Option<&'static str>, &'static str)>>,
    hits: AtomicU32,
    token_hits: AtomicU32,
    /// Tokens the data endpoint accepts (`None`: any).
    valid_token: Mutex<Option<String>>,
    seen_auth: Mutex<Vec<String>>,
}

impl Script {
    fn new(answers: &[(u16, Option<&'static str>, &'static str)]) -> Arc<Script> {
        Arc::new(Script {
            answers: Mutex::new(answers.iter().copied().collect()),
            ..Script::default()
        })
    }
}

async fn data(State(s): State<Arc<Script>>, headers: AxHeaders) -> Response {
    s.hits.fetch_add(1, Ordering::SeqCst);
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    s.seen_auth.lock().unwrap().push(auth.clone());
    let valid = s.valid_token.lock().unwrap().clone();
    if valid.is_some_and(|v| auth != format!("Bearer {v}")) {
        return (AxStatus::UNAUTHORIZED, "{\"message\":\"token expired\"}").into_response();
    }
    let (status, retry_after, body) = {
        let mut q = s.answers.lock().unwrap();
        if q.len() > 1 {
            q.pop_front().unwrap()
        } else {
            *q.front().unwrap()
        }
    };
    if body == "SLEEP" {
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    let mut resp = (AxStatus::from_u16(status).unwrap(), body.to_string()).into_response();
    if let Some(ra) = retry_after {
        resp.headers_mut()
            .insert("retry-after", ra.parse().unwrap());
    }
    resp
}

async fn token(State(s): State<Arc<Script>>) -> Response {
    let n = s.token_hits.fetch_add(1, Ordering::SeqCst) + 1;
    let tok = format!("tok{n}");
    axum::Json(serde_json::json!({"access_token": tok, "token_type": "bearer", "expires_in": 3600}))
        .into_response()
}

/// 64 chunks of 1 KiB, streamed without a Content-Length.
async fn chunked() -> Response {
    let chunks = futures::stream::iter(
        (0..64).map(|_| Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b'x'; 1024]))),
    );
    Response::new(axum::body::Body::from_stream(chunks))
}

async fn serve(script: Arc<Script>) -> String {
    let app = Router::new()
        .route("/data", get(data).put(data))
        .route("/oauth/token", post(token))
        .route("/chunked", get(chunked))
        .with_state(script);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    format!("http://{addr}")
}

fn limits(max_retries: u32) -> Limits {
    Limits {
        rate_per_second: 1000,
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_millis(300),
        max_retries,
        backoff_base: Duration::from_millis(1),
        backoff_max: Duration::from_millis(5),
        retry_after_cap: Duration::from_secs(1),
        slow_after: Duration::from_secs(60),
        scope: None,
        max_response_bytes: crate::config::DEFAULT_MAX_RESPONSE_BYTES,
    }
}

fn policy(max_retries: u32, auth: Box<dyn TokenSource>) -> HttpPolicy {
    let account = Account {
        name: "t".into(),
        kind: BackendKind::OneNce,
        account_id: "1".into(),
    };
    HttpPolicy::new(account, limits(max_retries), auth, HealthBoard::new()).unwrap()
}

fn basic() -> Box<dyn TokenSource> {
    Box::new(BasicAuth::new("user", SecretString::from("sup3rsecret")))
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let s = Script::new(&[
        (500, None, "boom"),
        (503, None, "busy"),
        (200, None, "[1,2]"),
    ]);
    let base = serve(s.clone()).await;
    let p = policy(4, basic());
    let v: Vec<u32> = p
        .send_json("a list", |c| c.get(format!("{base}/data")))
        .await
        .unwrap();
    assert_eq!(v, vec![1, 2]);
    assert_eq!(s.hits.load(Ordering::SeqCst), 3);
    assert_eq!(p.health().get("t").unwrap().health, Health::Ok);
}

#[tokio::test]
async fn retries_stop_at_the_limit_with_an_http_error() {
    let s = Script::new(&[(502, None, "{\"message\":\"bad gateway\"}")]);
    let base = serve(s.clone()).await;
    let p = policy(2, basic());
    let e = p
        .send(Repeat::Idempotent, |c| c.get(format!("{base}/data")))
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Http { status: 502, .. }), "{e}");
    assert!(e.to_string().contains("bad gateway"), "{e}");
    assert_eq!(s.hits.load(Ordering::SeqCst), 3);
    assert_eq!(p.health().get("t").unwrap().health, Health::Down);
}

#[tokio::test]
async fn non_idempotent_requests_are_not_repeated_after_a_5xx() {
    let s = Script::new(&[(500, None, "boom"), (200, None, "{}")]);
    let base = serve(s.clone()).await;
    let p = policy(3, basic());
    let e = p
        .send(Repeat::Once, |c| c.put(format!("{base}/data")))
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Http { status: 500, .. }));
    assert_eq!(s.hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn too_many_requests_honours_retry_after_and_marks_health() {
    let s = Script::new(&[
        (429, Some("0"), ""),
        (429, Some("1"), ""),
        (200, None, "{}"),
    ]);
    let base = serve(s.clone()).await;
    let p = policy(3, basic());
    let r = p
        .send(Repeat::Once, |c| c.get(format!("{base}/data")))
        .await
        .unwrap();
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(s.hits.load(Ordering::SeqCst), 3);
    assert_eq!(p.health().get("t").unwrap().health, Health::RateLimited);
}

#[tokio::test]
async fn persistent_rate_limit_becomes_rate_limited_error() {
    let s = Script::new(&[(429, None, "")]);
    let base = serve(s.clone()).await;
    let p = policy(2, basic());
    let e = p
        .send(Repeat::Idempotent, |c| c.get(format!("{base}/data")))
        .await
        .unwrap_err();
    assert!(
        matches!(e, BackendError::RateLimited { attempts: 3, .. }),
        "{e:?}"
    );
}

#[tokio::test]
async fn carrier_specific_rate_limit_body_is_classified_by_the_hook() {
    let s = Script::new(&[
        (
            400,
            None,
            "{\"errorCode\":\"40000029\",\"errorMessage\":\"Rate Limit Exceeded\"}",
        ),
        (200, None, "{}"),
    ]);
    let base = serve(s.clone()).await;
    let p = policy(2, basic()).with_rate_limit_classifier(|status, body| {
        status == StatusCode::BAD_REQUEST && String::from_utf8_lossy(body).contains("40000029")
    });
    p.send(Repeat::Idempotent, |c| c.get(format!("{base}/data")))
        .await
        .unwrap();
    assert_eq!(s.hits.load(Ordering::SeqCst), 2);
    // Without the hook the same answer is a plain client error, not retried.
    let s2 = Script::new(&[(
        400,
        None,
        "{\"errorCode\":\"40000029\",\"errorMessage\":\"Rate Limit Exceeded\"}",
    )]);
    let base2 = serve(s2.clone()).await;
    let e = policy(2, basic())
        .send(Repeat::Idempotent, |c| c.get(format!("{base2}/data")))
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Http { status: 400, .. }));
    assert_eq!(s2.hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn token_is_cached_and_refreshed_once_on_401() {
    let s = Script::new(&[(200, None, "{}")]);
    let base = serve(s.clone()).await;
    let url = Url::parse(&format!("{base}/oauth/token")).unwrap();
    let auth = OAuthToken::new(
        Grant::BasicJsonClientCredentials,
        url,
        "client",
        SecretString::from("pw123456"),
    );
    let p = policy(2, Box::new(auth));
    *s.valid_token.lock().unwrap() = Some("tok1".into());
    for _ in 0..3 {
        p.send(Repeat::Idempotent, |c| c.get(format!("{base}/data")))
            .await
            .unwrap();
    }
    assert_eq!(
        s.token_hits.load(Ordering::SeqCst),
        1,
        "one token for three requests"
    );
    // The carrier expires tok1: the next request gets 401, refreshes once, succeeds with tok2.
    *s.valid_token.lock().unwrap() = Some("tok2".into());
    p.send(Repeat::Idempotent, |c| c.get(format!("{base}/data")))
        .await
        .unwrap();
    assert_eq!(s.token_hits.load(Ordering::SeqCst), 2);
    assert_eq!(s.seen_auth.lock().unwrap().last().unwrap(), "Bearer tok2");
    // A token the carrier never accepts: exactly one refresh, then Unauthorized.
    *s.valid_token.lock().unwrap() = Some("never".into());
    let e = p
        .send(Repeat::Idempotent, |c| c.get(format!("{base}/data")))
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Unauthorized { .. }), "{e}");
    assert_eq!(s.token_hits.load(Ordering::SeqCst), 3);
    assert!(!e.to_string().contains("tok3") && !e.to_string().contains("pw123456"));
}

#[tokio::test]
async fn static_credentials_are_not_retried_on_401() {
    let s = Script::new(&[(401, None, "{\"message\":\"bad user:sup3rsecret\"}")]);
    let base = serve(s.clone()).await;
    let p = policy(3, basic());
    let e = p
        .send(Repeat::Idempotent, |c| c.get(format!("{base}/data")))
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Unauthorized { .. }));
    assert_eq!(s.hits.load(Ordering::SeqCst), 1);
    assert!(!e.to_string().contains("sup3rsecret"), "secret leaked: {e}");
    assert!(e.to_string().contains("***"), "{e}");
}

#[tokio::test]
async fn malformed_json_names_what_was_expected() {
    let s = Script::new(&[(200, None, "{\"not\": \"a list\"")]);
    let base = serve(s.clone()).await;
    let p = policy(0, basic());
    let e = p
        .send_json::<Vec<u32>>("the SIM list", |c| c.get(format!("{base}/data")))
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Malformed { .. }));
    assert!(e.to_string().contains("expected the SIM list"), "{e}");
}

#[tokio::test]
async fn not_found_and_forbidden_are_typed() {
    let s = Script::new(&[
        (404, None, "{}"),
        (403, None, "{\"message\":\"no access\"}"),
    ]);
    let base = serve(s.clone()).await;
    let p = policy(0, basic());
    let e = p
        .send(Repeat::Idempotent, |c| c.get(format!("{base}/data")))
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::NotFound { .. }));
    let e = p
        .send(Repeat::Idempotent, |c| c.get(format!("{base}/data")))
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Forbidden { .. }) && e.to_string().contains("no access"));
}

#[tokio::test]
async fn refused_connection_is_unreachable_and_marks_down() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let p = policy(1, basic());
    let e = p
        .send(Repeat::Idempotent, |c| c.get(format!("http://{addr}/data")))
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Unreachable { .. }), "{e:?}");
    assert_eq!(p.health().get("t").unwrap().health, Health::Down);
}

#[tokio::test]
async fn slow_answer_times_out() {
    let s = Script::new(&[(200, None, "SLEEP")]);
    let base = serve(s.clone()).await;
    let p = policy(1, basic());
    let e = p
        .send(Repeat::Idempotent, |c| c.get(format!("{base}/data")))
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Timeout { .. }), "{e:?}");
    assert_eq!(s.hits.load(Ordering::SeqCst), 2, "a timeout is retried");
}

#[test]
fn excerpt_prefers_json_message_sanitizes_and_truncates() {
    assert_eq!(excerpt(b"{\"message\":\"bad \\u001b[31mred\"}"), "bad red");
    assert_eq!(excerpt(b""), "(empty body)");
    let long = "x".repeat(500);
    let e = excerpt(long.as_bytes());
    assert_eq!(e.chars().count(), 161);
    assert!(e.ends_with('…'));
}

#[test]
fn excerpt_reads_nested_error_envelopes() {
    let airlinq = br#"{"status":"FAILURE","error":{"code":"CMP-2004","message":"no such SIM"}}"#;
    assert_eq!(excerpt(airlinq), "no such SIM");
    let stc = br#"{"errors":[{"status":"404","code":"X","title":"Not Found","detail":"gone"}]}"#;
    assert_eq!(excerpt(stc), "gone");
    let turkcell = br#"{"result":{"code":"SESSION_EXPIRED","description":"log in again"}}"#;
    assert_eq!(excerpt(turkcell), "log in again");
}

#[test]
fn limits_follow_kind_and_config_overrides() {
    assert_eq!(Limits::for_kind(BackendKind::OneNce).rate_per_second, 10);
    let text = "[[backend]]\nname = \"a\"\nkind = \"1NCE\"\nbase_url = \"http://h/x\"\naccount_id = \"1\"\nrate_limit_per_second = 3\nmax_retries = 1\n[backend.auth]\nusername = \"u\"\nsecret = \"pw\"\n";
    let c = crate::config::Config::from_toml_str(text, "t").unwrap();
    let l = Limits::from_config(&c.backends[0]);
    assert_eq!((l.rate_per_second, l.max_retries), (3, 1));
    assert_eq!(
        l.request_timeout,
        Limits::for_kind(BackendKind::OneNce).request_timeout
    );
}

#[tokio::test]
async fn an_answer_over_the_size_limit_is_refused_while_it_streams() {
    let s = Script::new(&[(200, None, "{}")]);
    let base = serve(s.clone()).await;
    let account = Account {
        name: "acme-prod".into(),
        kind: BackendKind::OneNce,
        account_id: "1".into(),
    };
    let mut l = limits(3);
    l.max_response_bytes = 4096;
    let p = HttpPolicy::new(account, l, basic(), HealthBoard::new()).unwrap();
    let e = p
        .send(Repeat::Idempotent, |c| c.get(format!("{base}/chunked")))
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Malformed { .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.starts_with("acme-prod "), "{text}");
    assert!(
        text.contains("larger than the 4 KiB limit (max_response_size)"),
        "{text}"
    );
    // Not retried: the same answer would only be read again.
    let ok = p
        .send(Repeat::Idempotent, |c| c.get(format!("{base}/data")))
        .await
        .unwrap();
    assert_eq!(ok.body, b"{}");
}

#[tokio::test]
async fn retries_stop_when_the_command_deadline_is_near() {
    // Every answer takes 5 s; each attempt times out after 300 ms; 20 retries are allowed.
    let s = Script::new(&[(200, None, "SLEEP")]);
    let base = serve(s.clone()).await;
    let p = policy(20, basic());
    let e = deadline::scope(async {
        deadline::start(Duration::from_secs(1));
        p.send(Repeat::Idempotent, |c| c.get(format!("{base}/data")))
            .await
            .unwrap_err()
    })
    .await;
    let text = e.to_string();
    assert!(text.contains("command_timeout"), "{text}");
    assert!(text.contains("did not answer"), "{text}");
    // A second of 300 ms attempts holds at most four of the 21 allowed.
    let hits = s.hits.load(Ordering::SeqCst);
    assert!((1..=4).contains(&hits), "{hits} attempts");
}

#[test]
fn excerpt_masks_a_secret_before_cutting_so_no_prefix_straddles_the_cut() {
    crate::redact::register_secret("test:excerpt-straddle", "Straddle-9f8e7d6c5b4a");
    let body = format!("{}Straddle-9f8e7d6c5b4a tail", "a".repeat(155));
    let e = excerpt(body.as_bytes());
    assert!(!e.contains("Stra"), "{e}");
    assert!(e.contains("***"), "{e}");
    // In a JSON message, escaped.
    let json = br#"{"message":"bad secret Straddle-9f8e7d6c5b4a"}"#;
    assert_eq!(excerpt(json), "bad secret ***");
}

#[test]
fn sizes_are_named_in_their_largest_whole_unit() {
    assert_eq!(format_size(64 << 20), "64 MiB");
    assert_eq!(format_size(4096), "4 KiB");
    assert_eq!(format_size(1 << 30), "1 GiB");
    assert_eq!(format_size(1500), "1500 bytes");
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_reading() {
    let big: &'static str = Box::leak("x".repeat(2048).into_boxed_str());
    let s = Script::new(&[(200, None, big)]);
    let base = serve(s.clone()).await;
    let mut l = limits(0);
    l.max_response_bytes = 1024;
    let account = Account {
        name: "t".into(),
        kind: BackendKind::OneNce,
        account_id: "1".into(),
    };
    let p = HttpPolicy::new(account, l, basic(), HealthBoard::new()).unwrap();
    let e = p
        .send(Repeat::Idempotent, |c| c.get(format!("{base}/data")))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("larger than the 1 KiB limit"), "{e}");
}

#[tokio::test]
async fn nothing_is_sent_once_the_command_deadline_has_passed() {
    let s = Script::new(&[(200, None, "{}")]);
    let base = serve(s.clone()).await;
    let p = policy(3, basic());
    let e = deadline::scope(async {
        deadline::start(Duration::from_millis(1));
        tokio::time::sleep(Duration::from_millis(5)).await;
        p.send(Repeat::Idempotent, |c| c.get(format!("{base}/data")))
            .await
            .unwrap_err()
    })
    .await;
    assert!(e.to_string().contains("request not sent"), "{e}");
    assert_eq!(s.hits.load(Ordering::SeqCst), 0);
}
