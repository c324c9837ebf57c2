//! Writing results: stdout for data only, stderr for problems. A closed pipe (`cmo … | head`)
//! ends output quietly instead of panicking the way `println!` would. Everything written
//! passes the one redaction path (`redact.rs`) on its way out: no form of a known secret
//! reaches stdout or stderr, whatever a carrier echoed.

use super::error::CliError;
use serde_json::Value;
use std::io::{ErrorKind, Write};

/// Write `text` to stdout as is (callers end it with a newline).
pub fn stdout(text: &str) -> Result<(), CliError> {
    let text = crate::redact::scrub(text);
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Runtime(format!("cannot write to stdout: {e}"))),
    }
}

/// Pretty JSON on stdout, one document per command. Carrier data inside keeps every
/// character, but DEL, C1 controls and hidden format characters go out as `\uXXXX` escapes
/// (text.rs), so a terminal showing the JSON never receives them raw.
pub fn json(value: &Value) -> Result<(), CliError> {
    // Scrubbed string by string before encoding, so a mask never lands inside a JSON escape.
    let value = scrub_json(value);
    let text = serde_json::to_string_pretty(&value)
        .map_err(|e| CliError::Runtime(format!("cannot encode JSON: {e}")))?;
    stdout(&format!("{}\n", crate::text::escape_json_unsafe(&text)))
}

/// `value` with every string (keys included) scrubbed of secrets.
pub fn scrub_json(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(crate::redact::scrub(s).into_owned()),
        Value::Array(items) => Value::Array(items.iter().map(scrub_json).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (crate::redact::scrub(k).into_owned(), scrub_json(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// One line on stderr; never fails (there is nowhere left to report to).
pub fn stderr_line(line: &str) {
    let line = crate::redact::scrub(line);
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// The configuration's warnings (an inline secret, …) on stderr, once per process however
/// often the configuration is read.
pub fn config_warnings(config: &crate::config::Config) {
    static SHOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if config.warnings.is_empty() || SHOWN.swap(true, std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    for warning in &config.warnings {
        stderr_line(&format!("cmo: warning: {}", crate::text::sanitize(warning)));
    }
}

/// An error on stderr: a problem object with `--json`, else one line.
pub fn report(error: &CliError, json: bool) {
    if json {
        stderr_line(&crate::text::escape_json_unsafe(
            &scrub_json(&error.problem()).to_string(),
        ));
    } else {
        stderr_line(&error.line());
    }
}
