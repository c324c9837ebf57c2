//! The bodies of `PATCH /product/{id}-simCard|-terminal`: a status change is JSON Patch
//! (`[{"op":"replace","path":"/status","value":S}]`); custom properties are JSON-Patch-Query —
//! `add customProperty`, and `replace`/`remove` on `customProperty[?(@.name=='X')]` (or its
//! `.value`) — applied all or none to a product's property list.

use axum::http::StatusCode;
use serde_json::Value;

/// Why a patch cannot be applied: the status, the problem's type and its detail.
pub type OpError = (StatusCode, &'static str, String);

/// The media type of a request's `Content-Type` header value, lower case, parameters dropped.
pub fn media_type(header: Option<&str>) -> String {
    header
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

/// The target status of a status-change body, when it is exactly one `replace /status`.
pub fn status_target(ops: &[Value]) -> Option<&str> {
    match ops {
        [op] if op["op"] == "replace" && op["path"] == "/status" => op["value"].as_str(),
        _ => None,
    }
}

/// The detail answered for a status-change body of another shape.
pub const STATUS_PATCH_SHAPE: &str =
    "Only [{\"op\":\"replace\",\"path\":\"/status\",\"value\":…}] is supported";

/// `customProperty[?(@.name=='X')]` or `…].value` → (name, whole-property?).
fn filter_target(path: &str) -> Option<(&str, bool)> {
    let rest = path
        .trim_start_matches('/')
        .strip_prefix("customProperty[?(@.name=='")?;
    if let Some(name) = rest.strip_suffix("')].value") {
        return Some((name, false));
    }
    rest.strip_suffix("')]").map(|name| (name, true))
}

fn property(v: &Value) -> Option<(String, String)> {
    Some((
        v["name"].as_str()?.to_string(),
        v["value"].as_str()?.to_string(),
    ))
}

/// Applies every operation to `props` or none (on error `props` is unchanged).
pub fn apply_custom(props: &mut Vec<(String, String)>, ops: &[Value]) -> Result<(), OpError> {
    let bad = |detail: String| {
        (
            StatusCode::BAD_REQUEST,
            "Missing or malformed parameter",
            detail,
        )
    };
    let missing = |name: &str| {
        (
            StatusCode::NOT_FOUND,
            "Not Found",
            format!("Custom property '{name}' not found"),
        )
    };
    let taken = |name: &str| {
        (
            StatusCode::CONFLICT,
            "Conflict",
            format!("Custom property '{name}' already exists"),
        )
    };
    let mut next = props.clone();
    for op in ops {
        let path = op["path"].as_str().unwrap_or_default();
        match op["op"].as_str().unwrap_or_default() {
            "add" if path.trim_start_matches('/') == "customProperty" => {
                let (name, value) = property(&op["value"])
                    .ok_or_else(|| bad("add needs a value {\"name\": …, \"value\": …}".into()))?;
                if next.iter().any(|(n, _)| *n == name) {
                    return Err(taken(&name));
                }
                next.push((name, value));
            }
            "replace" => {
                let (name, whole) =
                    filter_target(path).ok_or_else(|| bad(format!("unsupported path '{path}'")))?;
                let at = next
                    .iter()
                    .position(|(n, _)| n == name)
                    .ok_or_else(|| missing(name))?;
                if whole {
                    let renamed = property(&op["value"])
                        .ok_or_else(|| bad("replace needs {\"name\", \"value\"}".into()))?;
                    if renamed.0 != name && next.iter().any(|(n, _)| *n == renamed.0) {
                        return Err(taken(&renamed.0));
                    }
                    next[at] = renamed;
                } else {
                    next[at].1 = op["value"]
                        .as_str()
                        .ok_or_else(|| bad("value must be a string".into()))?
                        .to_string();
                }
            }
            "remove" => {
                let (name, _) =
                    filter_target(path).ok_or_else(|| bad(format!("unsupported path '{path}'")))?;
                let before = next.len();
                next.retain(|(n, _)| n != name);
                if next.len() == before {
                    return Err(missing(name));
                }
            }
            other => return Err(bad(format!("unsupported operation '{other}' on '{path}'"))),
        }
    }
    *props = next;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn add_replace_rename_remove_and_all_or_nothing() {
        let mut p = props(&[("a", "1")]);
        apply_custom(
            &mut p,
            &[json!({"op": "add", "path": "customProperty", "value": {"name": "b", "value": "2"}})],
        )
        .unwrap();
        apply_custom(
            &mut p,
            &[json!({"op": "replace", "path": "customProperty[?(@.name=='a')].value", "value": "9"})],
        )
        .unwrap();
        apply_custom(
            &mut p,
            &[json!({"op": "replace", "path": "customProperty[?(@.name=='b')]", "value": {"name": "c", "value": "2"}})],
        )
        .unwrap();
        assert_eq!(p, props(&[("a", "9"), ("c", "2")]));
        // The second op fails: the first is not applied either.
        let e = apply_custom(
            &mut p,
            &[
                json!({"op": "remove", "path": "customProperty[?(@.name=='a')]"}),
                json!({"op": "remove", "path": "customProperty[?(@.name=='zz')]"}),
            ],
        )
        .unwrap_err();
        assert_eq!(e.0, StatusCode::NOT_FOUND);
        assert_eq!(p, props(&[("a", "9"), ("c", "2")]));
        let e = apply_custom(
            &mut p,
            &[json!({"op": "add", "path": "customProperty", "value": {"name": "a", "value": "x"}})],
        )
        .unwrap_err();
        assert_eq!(e.0, StatusCode::CONFLICT);
    }

    #[test]
    fn status_bodies_and_media_types() {
        let ops = [json!({"op": "replace", "path": "/status", "value": "ACTIVE"})];
        assert_eq!(status_target(&ops), Some("ACTIVE"));
        assert_eq!(status_target(&[]), None);
        assert_eq!(
            media_type(Some("Application/JSON-Patch+json; charset=utf-8")),
            "application/json-patch+json"
        );
    }
}
