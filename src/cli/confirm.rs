//! Confirmation of changes that reach a carrier (`status set`, `characteristics set`, `batch
//! status`, `monitors cancel`): `--yes`, or y/N asked on stderr when stdin is a terminal. Without
//! a terminal and without `--yes` the command is refused (exit 2), so a script never hangs on a
//! prompt and never changes anything by accident. Asked only after every check that could
//! refuse the change anyway, so nobody confirms something that will not happen.

use super::error::{CliError, exit};
use super::output;
use std::io::IsTerminal;

/// What the operator decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Go,
    /// Declined at the prompt: the command ends with exit 0 and nothing changed.
    Declined,
}

/// `Go` with `--yes`; otherwise ask `question [y/N]` on a terminal, or refuse without one.
pub async fn ask(yes: bool, question: &str) -> Result<Decision, CliError> {
    if yes {
        return Ok(Decision::Go);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "{question} — this needs confirmation: pass --yes (stdin is not a terminal)"
        )));
    }
    let prompt = format!("{question} [y/N] ");
    // The operator's time to answer is not the command's time at the carriers.
    let _paused = crate::backends::http::deadline::pause();
    let answer = tokio::task::spawn_blocking(move || {
        output::stderr_line(&prompt);
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map(|_| matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
    })
    .await
    .map_err(|e| CliError::Runtime(format!("confirmation prompt failed: {e}")))?
    .map_err(|e| CliError::Runtime(format!("cannot read the answer: {e}")))?;
    Ok(if answer {
        Decision::Go
    } else {
        Decision::Declined
    })
}

/// Typed confirmation of an irreversible change (`capabilities::is_irreversible`): without
/// `--yes` the operator must type `expected` (the number of products of a batch, or the target
/// status's name) on stdin, prompted on stderr. Unlike y/N it reads stdin even when it is not a
/// terminal, so `echo 5 | cmo batch status TERMINATED …` is a deliberate answer; anything else,
/// an empty line or end of input aborts: [`Decision::Declined`], and the caller exits 1.
pub async fn ask_typed(yes: bool, question: &str, expected: &str) -> Result<Decision, CliError> {
    if yes {
        return Ok(Decision::Go);
    }
    let prompt = format!("{question} This cannot be undone. Type {expected} to confirm: ");
    let _paused = crate::backends::http::deadline::pause();
    let typed = tokio::task::spawn_blocking(move || {
        output::stderr_line(&prompt);
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer).map(|_| answer)
    })
    .await
    .map_err(|e| CliError::Runtime(format!("confirmation prompt failed: {e}")))?
    .map_err(|e| CliError::Runtime(format!("cannot read the answer: {e}")))?;
    Ok(if typed.trim() == expected {
        Decision::Go
    } else {
        Decision::Declined
    })
}

/// The exit of an aborted typed confirmation: a note naming what was expected, exit 1.
pub fn typed_declined(expected: &str) -> i32 {
    output::stderr_line(&format!(
        "cmo: aborted: the answer was not {expected}; nothing was sent"
    ));
    exit::RUNTIME
}

/// The exit of a declined confirmation: a note on stderr, exit 0.
pub fn declined() -> i32 {
    output::stderr_line("cmo: cancelled; nothing was changed");
    exit::OK
}
