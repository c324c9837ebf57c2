//! Turning what went wrong on the wire into short, safe text: body excerpts for error messages
//! (sanitized, one line, bounded) and transport failures (timeouts, refused connections) as
//! typed [`BackendError`]s without URLs or headers.

use crate::backends::BackendError;
use std::time::Duration;

/// A short, sanitized, one-line excerpt of a carrier body for error messages: the JSON
/// `message`/`errorMessage`/`detail`/`title` (or a nested envelope's message) when there is one,
/// else the start of the text.
pub fn excerpt(body: &[u8]) -> String {
    const MAX: usize = 160;
    let text = String::from_utf8_lossy(body);
    let picked = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| {
            [
                "message",
                "errorMessage",
                "detail",
                "title",
                "error_description",
                "error",
            ]
            .iter()
            .find_map(|k| v.get(*k).and_then(|m| m.as_str()).map(str::to_string))
            .or_else(|| {
                // Nested envelopes: `{error:{message}}`, JSON:API `{errors:[{detail}]}`,
                // `{result:{description}}`.
                ["/error/message", "/errors/0/detail", "/result/description"]
                    .iter()
                    .find_map(|p| v.pointer(p).and_then(|m| m.as_str()).map(str::to_string))
            })
        })
        .unwrap_or_else(|| text.into_owned());
    let clean = crate::text::sanitize(&picked);
    let clean = clean.trim();
    if clean.is_empty() {
        return "(empty body)".into();
    }
    match clean.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &clean[..cut]),
        None => clean.to_string(),
    }
}

/// Map a reqwest transport failure (no HTTP answer) to a typed error.
pub(crate) fn transport_error(
    backend: &str,
    e: &reqwest::Error,
    timeout: Option<Duration>,
) -> BackendError {
    if e.is_timeout() {
        return BackendError::Timeout {
            backend: backend.into(),
            timeout: timeout.unwrap_or_default(),
        };
    }
    BackendError::Unreachable {
        backend: backend.into(),
        detail: crate::text::sanitize(&root_cause(e)),
    }
}

/// The innermost error's text ("Connection refused (os error 111)"), without URLs or headers.
pub(super) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
