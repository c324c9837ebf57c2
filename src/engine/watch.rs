//! Watching monitors: poll an asynchronous request until it reaches a final state, with backoff
//! (fast at first, then slower), reporting every change of state to the caller.

use super::Engine;
use crate::backends::BackendResult;
use crate::domain::Monitor;
use std::time::Duration;
use tokio::sync::mpsc;

/// Poll intervals: start quick (carriers often finish in seconds), back off to a ceiling.
pub const FIRST_POLL: Duration = Duration::from_millis(500);
pub const MAX_POLL: Duration = Duration::from_secs(15);

/// The next poll interval after `current`.
pub fn next_interval(current: Duration) -> Duration {
    (current * 3 / 2).min(MAX_POLL)
}

impl Engine {
    /// Poll `monitor_id` until it is final, sending each observation (the first one, every change
    /// of state, and the final one). Stops early when the receiver is dropped. Errors are sent and
    /// polling continues with backoff, unless the monitor is unknown or unsupported.
    pub fn watch_monitor(&self, monitor_id: String) -> mpsc::Receiver<BackendResult<Monitor>> {
        let (tx, rx) = mpsc::channel(8);
        let engine = self.clone();
        tokio::spawn(async move {
            let mut interval = FIRST_POLL;
            let mut last_state = None;
            loop {
                let polled = engine.monitor(&monitor_id).await;
                let stop = match &polled {
                    Ok(m) => m.state.is_final(),
                    Err(e) => !e.is_transient(),
                };
                let changed = match &polled {
                    Ok(m) => last_state != Some(m.state),
                    Err(_) => true,
                };
                if let Ok(m) = &polled {
                    last_state = Some(m.state);
                }
                if (changed || stop) && tx.send(polled).await.is_err() {
                    return;
                }
                if stop {
                    return;
                }
                tokio::time::sleep(interval).await;
                interval = next_interval(interval);
            }
        });
        rx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_a_ceiling() {
        let mut d = FIRST_POLL;
        for _ in 0..20 {
            let n = next_interval(d);
            assert!(n >= d && n <= MAX_POLL);
            d = n;
        }
        assert_eq!(d, MAX_POLL);
    }
}
