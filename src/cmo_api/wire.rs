//! Server-side JSON of the CMO API v5: problem objects (`@type: problem`), the `correlationId`
//! single objects carry, characteristic arrays, the list envelope with its `next` link, the
//! `pageSize`/`pageNumber` parameters, the OAuth2 error body and a product's `href`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

fn trace_id() -> String {
    let n: u128 = rand::random();
    let h = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// A problem object (`@type: problem`) as a JSON value.
pub fn problem_value(status: StatusCode, kind: &str, detail: &str, instance: &str) -> Value {
    json!({
        "type": kind,
        "status": status.as_u16(),
        "title": "Error",
        "detail": detail,
        "instance": instance,
        "externalErrors": [],
        "@type": "problem",
        "traceId": trace_id(),
    })
}

/// A problem object as a response with its status.
pub fn problem(status: StatusCode, kind: &str, detail: &str, instance: &str) -> Response {
    (status, Json(problem_value(status, kind, detail, instance))).into_response()
}

/// The OAuth2 token endpoint's error body (RFC 6749 §5.2).
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = json!({"error": error, "error_description": description});
    (status, Json(body)).into_response()
}

/// Adds the `correlationId` every single-object CMO response carries.
pub fn with_correlation(mut v: Value) -> Value {
    if let Some(obj) = v.as_object_mut() {
        let n: u128 = rand::random();
        obj.insert("correlationId".into(), json!(format!("{n:032x}")));
    }
    v
}

/// `{API_PREFIX}/{tenant}/product/{id}`.
pub fn href(tenant: &str, id: &str) -> String {
    format!("{}/{tenant}/product/{id}", super::API_PREFIX)
}

/// `[{"name": …, "value": …}]`; every value is a string on this API.
pub fn chars<N: AsRef<str>, V: AsRef<str>>(pairs: &[(N, V)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(n, v)| json!({"name": n.as_ref(), "value": v.as_ref()}))
            .collect(),
    )
}

/// A positive integer query parameter (`pageSize`, `pageNumber`), or the problem to answer.
pub fn positive(
    raw: Option<&str>,
    default: usize,
    name: &str,
    instance: &str,
) -> Result<usize, Box<Response>> {
    match raw {
        None => Ok(default),
        Some(s) => s
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                Box::new(problem(
                    StatusCode::BAD_REQUEST,
                    "Missing or malformed parameter",
                    &format!("{name} must be a positive integer, got '{s}'"),
                    instance,
                ))
            }),
    }
}

/// The paging a list request asks for: (`pageSize`, `pageNumber`), checked against `max`.
pub fn paging(
    page_size: Option<&str>,
    page_number: Option<&str>,
    max: usize,
    instance: &str,
) -> Result<(usize, usize), Box<Response>> {
    let size = positive(page_size, 10, "pageSize", instance)?;
    if size > max {
        return Err(Box::new(problem(
            StatusCode::BAD_REQUEST,
            "Missing or malformed parameter",
            &format!("pageSize must not exceed {max}"),
            instance,
        )));
    }
    let number = positive(page_number, 1, "pageNumber", instance)?;
    Ok((size, number))
}

/// Keeps only `id` and the `fields` a list request names (all when it names none).
pub fn keep_fields(v: Value, fields: Option<&[String]>) -> Value {
    match (fields, v) {
        (Some(keep), Value::Object(map)) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| k == "id" || keep.iter().any(|f| f == k))
                .collect(),
        ),
        (_, v) => v,
    }
}

/// `fields=a,b` as a list.
pub fn parse_fields(raw: Option<&str>) -> Option<Vec<String>> {
    raw.map(|f| {
        f.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    })
}

/// The list envelope: `entities`, `statistics` and `self`/`next` links (`next` when `more`);
/// `extra` is the rest of the links' query (`&fields=…`), as the request gave it.
pub fn list_envelope(
    entities: Vec<Value>,
    path: &str,
    size: usize,
    number: usize,
    extra: &str,
    more: bool,
) -> Value {
    let page_url = |n: usize| format!("{path}?pageSize={size}&pageNumber={n}{extra}");
    let mut links = vec![json!({"type": "self", "url": page_url(number)})];
    if more {
        links.push(json!({"type": "next", "url": page_url(number + 1)}));
    }
    json!({
        "entities": entities,
        "statistics": {"currentPage": number, "pageSize": size},
        "links": links,
    })
}
