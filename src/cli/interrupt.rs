//! Headless interruption of changes (docs/safety.md, "Write-ahead journal"): `batch status` and
//! `status set` catch SIGTERM, SIGINT and SIGHUP once their confirmation is done. The first
//! signal stops new items from starting; what is in flight gets [`GRACE`] to answer and be
//! journaled; then the command prints what was done and what was not and exits 128 + the
//! signal's number (130 SIGINT, 143 SIGTERM, 129 SIGHUP). A second signal, or a stop that
//! outlasts the grace by [`HARD_STOP`], ends the process at once: every request sent has its
//! write-ahead attempt, so nothing is left without a record ("outcome unknown" until the next
//! run reconciles it). SIGKILL cannot be caught; the attempts cover it the same way.
//!
//! Handlers are installed only after the confirmation, so a signal while the operator is still
//! asked ends the process the default way — nothing has been sent then.

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How long a change in flight may still take after a stop signal.
pub const GRACE: Duration = Duration::from_secs(5);
/// Past the grace, how long printing the report may take before the process exits anyway.
const HARD_STOP: Duration = Duration::from_secs(5);

/// The signals a headless change listens to once it starts sending.
#[derive(Debug, Clone)]
pub struct Interrupt {
    token: CancellationToken,
    signal: Arc<AtomicI32>,
}

const SIGHUP: i32 = 1;
const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;

impl Interrupt {
    /// Install the handlers (SIGTERM, SIGINT, SIGHUP) and start listening.
    pub fn listen() -> std::io::Result<Interrupt> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        let mut hup = signal(SignalKind::hangup())?;
        let interrupt = Interrupt {
            token: CancellationToken::new(),
            signal: Arc::new(AtomicI32::new(0)),
        };
        let (token, caught) = (interrupt.token.clone(), interrupt.signal.clone());
        tokio::spawn(async move {
            let first = tokio::select! {
                _ = term.recv() => SIGTERM,
                _ = int.recv() => SIGINT,
                _ = hup.recv() => SIGHUP,
            };
            caught.store(first, Ordering::SeqCst);
            tracing::warn!(signal = name(first), "stop requested: no new changes start");
            token.cancel();
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
                _ = hup.recv() => {}
                _ = tokio::time::sleep(GRACE + HARD_STOP) => {}
            }
            tracing::warn!(
                signal = name(first),
                "stopping now; open journal attempts stay outcome unknown"
            );
            std::process::exit(128 + first);
        });
        Ok(interrupt)
    }

    /// Cancelled by the first signal.
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }

    /// The signal caught, if any: `(name, exit code)`.
    pub fn caught(&self) -> Option<(&'static str, i32)> {
        match self.signal.load(Ordering::SeqCst) {
            0 => None,
            s => Some((name(s), 128 + s)),
        }
    }
}

fn name(signal: i32) -> &'static str {
    match signal {
        SIGHUP => "SIGHUP",
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}
