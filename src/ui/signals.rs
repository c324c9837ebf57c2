//! The signals that end the console — SIGTERM, SIGINT, SIGHUP and SIGQUIT — as one stream the
//! event loop selects on. Their default action kills the process on the spot, leaving the tty in
//! raw mode on the alternate screen with the cursor hidden; caught here, a `kill` leaves the
//! loop the way `q` does: work in flight gets a short grace period (runtime.rs) and the terminal
//! is restored (terminal.rs). The exit status is the shell's `128 + signal number`.

use std::io;

/// A signal that asks the console to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitSignal {
    Hangup,
    Interrupt,
    Quit,
    Terminate,
}

impl ExitSignal {
    pub fn name(self) -> &'static str {
        match self {
            ExitSignal::Hangup => "SIGHUP",
            ExitSignal::Interrupt => "SIGINT",
            ExitSignal::Quit => "SIGQUIT",
            ExitSignal::Terminate => "SIGTERM",
        }
    }

    /// The POSIX number (the same on Linux and the BSDs for these four).
    pub fn number(self) -> i32 {
        match self {
            ExitSignal::Hangup => 1,
            ExitSignal::Interrupt => 2,
            ExitSignal::Quit => 3,
            ExitSignal::Terminate => 15,
        }
    }

    /// The exit status a shell reports for a process ended by this signal.
    pub fn exit_status(self) -> i32 {
        128 + self.number()
    }
}

/// The four handlers, installed for as long as this value lives.
#[cfg(unix)]
pub struct ExitSignals {
    hangup: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
    quit: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl ExitSignals {
    /// Install the handlers (inside a tokio runtime). From here on these signals no longer kill
    /// the process; [`ExitSignals::recv`] reports them.
    pub fn install() -> io::Result<ExitSignals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(ExitSignals {
            hangup: signal(SignalKind::hangup())?,
            interrupt: signal(SignalKind::interrupt())?,
            quit: signal(SignalKind::quit())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// The next of the four signals to arrive.
    pub async fn recv(&mut self) -> ExitSignal {
        loop {
            let got = tokio::select! {
                s = self.terminate.recv() => s.map(|()| ExitSignal::Terminate),
                s = self.interrupt.recv() => s.map(|()| ExitSignal::Interrupt),
                s = self.hangup.recv() => s.map(|()| ExitSignal::Hangup),
                s = self.quit.recv() => s.map(|()| ExitSignal::Quit),
            };
            match got {
                Some(signal) => return signal,
                // A stream ends only when the runtime shuts down; nothing more will come.
                None => std::future::pending::<()>().await,
            }
        }
    }
}

/// Without Unix signals only Ctrl-C (as the platform delivers it) is reported.
#[cfg(not(unix))]
pub struct ExitSignals;

#[cfg(not(unix))]
impl ExitSignals {
    pub fn install() -> io::Result<ExitSignals> {
        Ok(ExitSignals)
    }

    pub async fn recv(&mut self) -> ExitSignal {
        match tokio::signal::ctrl_c().await {
            Ok(()) => ExitSignal::Interrupt,
            Err(_) => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ExitSignal;

    #[test]
    fn exit_statuses_follow_the_shell_convention() {
        assert_eq!(ExitSignal::Terminate.exit_status(), 143);
        assert_eq!(ExitSignal::Interrupt.exit_status(), 130);
        assert_eq!(ExitSignal::Hangup.exit_status(), 129);
        assert_eq!(ExitSignal::Quit.exit_status(), 131);
        #[cfg(unix)]
        for (signal, kind) in [
            (
                ExitSignal::Terminate,
                tokio::signal::unix::SignalKind::terminate(),
            ),
            (
                ExitSignal::Interrupt,
                tokio::signal::unix::SignalKind::interrupt(),
            ),
            (
                ExitSignal::Hangup,
                tokio::signal::unix::SignalKind::hangup(),
            ),
            (ExitSignal::Quit, tokio::signal::unix::SignalKind::quit()),
        ] {
            assert_eq!(signal.number(), kind.as_raw_value(), "{}", signal.name());
        }
    }
}
