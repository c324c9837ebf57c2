//! Writing results: stdout for data only, stderr for problems. A closed pipe (`cmo … | head`)
//! ends output quietly instead of panicking the way `println!` would.

use super::error::CliError;
use serde_json::Value;
use std::io::{ErrorKind, Write};

/// Write `text` to stdout as is (callers end it with a newline).
pub fn stdout(text: &str) -> Result<(), CliError> {
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
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::Runtime(format!("cannot encode JSON: {e}")))?;
    stdout(&format!("{}\n", crate::text::escape_json_unsafe(&text)))
}

/// One line on stderr; never fails (there is nowhere left to report to).
pub fn stderr_line(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// An error on stderr: a problem object with `--json`, else one line.
pub fn report(error: &CliError, json: bool) {
    if json {
        stderr_line(&crate::text::escape_json_unsafe(
            &error.problem().to_string(),
        ));
    } else {
        stderr_line(&error.line());
    }
}
