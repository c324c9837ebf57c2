//! The CLI's one error type, its exit code (docs/cli.md) and its two renderings on stderr:
//! one plain line, or with `--json` a problem object `{type,status,title,detail}` shaped like
//! the CMO API's (docs/backends/cmo.md).

use crate::backends::BackendError;
use crate::domain::IdError;
use crate::engine::GateError;
use crate::store::StoreError;
use crate::text::sanitize;
use serde_json::{Value, json};

/// Exit codes of docs/cli.md.
pub mod exit {
    pub const OK: i32 = 0;
    pub const RUNTIME: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const NOT_SUPPORTED: i32 = 3;
    pub const NOT_FOUND: i32 = 4;
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad usage or bad input that clap could not catch (exit 2).
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Id(#[from] IdError),
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// A refusal or failure of the mutation gate (read-only, guardrails, the action, its record).
    #[error(transparent)]
    Gate(#[from] GateError),
    /// The local store: unusable file (named in the message), missing attribute or monitor…
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A local failure: config, simulator, I/O (exit 1).
    #[error("{0}")]
    Runtime(String),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) | CliError::Id(_) => exit::USAGE,
            CliError::Backend(e) => e.exit_code(),
            CliError::Gate(e) => e.exit_code(),
            CliError::Store(e) => e.exit_code(),
            CliError::Runtime(_) => exit::RUNTIME,
        }
    }

    /// The one line printed on stderr (carrier text inside is sanitized).
    pub fn line(&self) -> String {
        format!("cmo: {}", sanitize(&self.to_string()))
    }

    /// The problem object printed on stderr with `--json`.
    pub fn problem(&self) -> Value {
        let (kind, status) = match self {
            CliError::Usage(_) | CliError::Id(_) => ("Bad Request", 400),
            CliError::Runtime(_) => ("Internal Error", 500),
            CliError::Backend(e) | CliError::Gate(GateError::Backend(e)) => backend_problem_kind(e),
            CliError::Gate(GateError::OutcomeUnknown { .. }) => ("Outcome Unknown", 504),
            CliError::Gate(GateError::ReadOnly { .. }) => ("Forbidden", 403),
            CliError::Gate(_) | CliError::Store(_) => problem_kind_of_code(self.exit_code()),
        };
        problem(kind, status, &sanitize(&self.to_string()))
    }
}

/// The problem `type` and HTTP-like `status` that best describe a backend error.
pub fn backend_problem_kind(e: &BackendError) -> (&'static str, u16) {
    match e {
        BackendError::NotSupported { .. } => ("Not Supported", 501),
        BackendError::TransitionNotAllowed { .. } => ("Invalid Action", 409),
        BackendError::NotFound { .. } => ("Not Found", 404),
        BackendError::InvalidInput(_) => ("Bad Request", 400),
        BackendError::RateLimited { .. } => ("Too Many Requests", 429),
        BackendError::Unauthorized { .. } => ("Unauthorized", 401),
        BackendError::Forbidden { .. } => ("Forbidden", 403),
        BackendError::Timeout { .. } => ("Gateway Timeout", 504),
        BackendError::Http { .. }
        | BackendError::Unreachable { .. }
        | BackendError::Malformed { .. }
        | BackendError::Other { .. } => ("Bad Gateway", 502),
    }
}

/// The problem kind of a local (gate or store) error, by its exit code.
fn problem_kind_of_code(code: i32) -> (&'static str, u16) {
    match code {
        exit::USAGE => ("Bad Request", 400),
        exit::NOT_SUPPORTED => ("Not Supported", 501),
        exit::NOT_FOUND => ("Not Found", 404),
        _ => ("Internal Error", 500),
    }
}

/// The human title of a problem type: what went wrong, in a few words (`detail` says the rest).
fn title_of(kind: &str) -> &'static str {
    match kind {
        "Bad Request" => "The request is not valid",
        "Not Supported" => "The platform does not support this",
        "Invalid Action" => "The status change is not allowed from the current status",
        "Not Found" => "Not found",
        "Too Many Requests" => "The carrier is rate limiting",
        "Unauthorized" => "The carrier refused the credentials",
        "Forbidden" => "Not allowed",
        "Gateway Timeout" => "The carrier did not answer in time",
        "Bad Gateway" => "The carrier's answer was an error or unreadable",
        _ => "Internal error",
    }
}

/// A CMO-style problem object: `type` the problem kind, `title` its human summary.
pub fn problem(kind: &str, status: u16, detail: &str) -> Value {
    json!({
        "type": kind,
        "status": status,
        "title": title_of(kind),
        "detail": detail,
        "@type": "problem",
    })
}

/// The problem object for one backend error (used for per-id errors of `products find` and
/// per-backend errors of a listing).
pub fn backend_problem(e: &BackendError) -> Value {
    let (kind, status) = backend_problem_kind(e);
    problem(kind, status, &sanitize(&e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BackendKind, Operation, Status};

    #[test]
    fn exit_codes_follow_the_design() {
        assert_eq!(CliError::Usage("x".into()).exit_code(), 2);
        let id = "ACME-123".parse::<crate::domain::ProductId>().unwrap_err();
        assert_eq!(CliError::from(id).exit_code(), 2);
        let ns = BackendError::not_supported(BackendKind::Intelsat, Operation::ChangeSimStatus);
        assert_eq!(CliError::from(ns).exit_code(), 3);
        let tr = BackendError::TransitionNotAllowed {
            kind: BackendKind::OneNce,
            from: Status::Active,
            to: Status::Terminated,
        };
        assert_eq!(CliError::from(tr).exit_code(), 3);
        let nf = BackendError::NotFound {
            backend: "a".into(),
            what: "b".into(),
        };
        assert_eq!(CliError::from(nf).exit_code(), 4);
        assert_eq!(CliError::Runtime("x".into()).exit_code(), 1);
    }

    #[test]
    fn problem_objects_carry_the_four_fields_and_sanitized_text() {
        let e = CliError::Backend(BackendError::Http {
            backend: "1nce".into(),
            status: 503,
            detail: "down\u{1b}[2J now".into(),
        });
        let p = e.problem();
        assert_eq!(p["type"], "Bad Gateway");
        assert_eq!(p["status"], 502);
        assert_eq!(
            p["title"],
            "The carrier's answer was an error or unreadable"
        );
        assert_eq!(p["detail"], "1nce answered HTTP 503: down now");
        assert!(!e.line().contains('\u{1b}'));
    }
}
