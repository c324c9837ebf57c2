//! The deadline of one headless command (`command_timeout`): every carrier request the command
//! makes, retries included, fits inside it. The CLI runs a command inside [`scope`] and starts
//! the clock once the configuration is known ([`start`]); `HttpPolicy::send` reads
//! [`remaining`] to cap each attempt's timeout and to give up instead of retrying when the next
//! attempt would start after the deadline. Time spent waiting for the operator at a
//! confirmation prompt does not count ([`pause`]).
//!
//! A task-local, not a global: the console (which has no deadline) and tests running in
//! parallel never see a command's clock, and work a command spawns on purpose to outlive a
//! request (`--wait` follows a monitor for `--timeout`) is not cut by it.

use std::cell::Cell;
use std::future::Future;
use std::time::{Duration, Instant};

/// When the command must be done, and the configured budget (named in messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub at: Instant,
    pub budget: Duration,
}

tokio::task_local! {
    static DEADLINE: Cell<Option<Deadline>>;
}

/// Run `f` with a deadline slot; nothing is limited until [`start`] is called inside it.
pub async fn scope<F: Future>(f: F) -> F::Output {
    DEADLINE.scope(Cell::new(None), f).await
}

/// Start the clock: the command must be done within `budget` from now. Outside [`scope`]
/// (the console) it does nothing.
pub fn start(budget: Duration) {
    let _ = DEADLINE.try_with(|d| {
        d.set(Some(Deadline {
            at: Instant::now() + budget,
            budget,
        }))
    });
}

/// What a batch adds to its command's deadline per product: a batch of 100 is hundreds of
/// rate-limited requests, which must not be cut off by a budget meant for one request's
/// retries, yet a carrier that times out on every item still ends the batch in bounded time.
pub const PER_BATCH_PRODUCT: Duration = Duration::from_secs(2);

/// Move the deadline (and the budget named in messages) later by `by`; nothing without one.
pub fn extend(by: Duration) {
    let _ = DEADLINE.try_with(|d| {
        if let Some(mut deadline) = d.get() {
            deadline.at += by;
            deadline.budget += by;
            d.set(Some(deadline));
        }
    });
}

/// The current command's deadline, if it has one.
pub fn current() -> Option<Deadline> {
    DEADLINE.try_with(Cell::get).ok().flatten()
}

/// Time left before the deadline (zero once it passed); `None` without a deadline.
pub fn remaining() -> Option<Duration> {
    current().map(|d| d.at.saturating_duration_since(Instant::now()))
}

/// Hold the returned guard while waiting for the operator: when it drops, the deadline moves
/// by the time waited.
#[must_use = "the pause ends when the guard drops"]
pub fn pause() -> Pause {
    Pause {
        since: Instant::now(),
    }
}

pub struct Pause {
    since: Instant,
}

impl Drop for Pause {
    fn drop(&mut self) {
        let waited = self.since.elapsed();
        let _ = DEADLINE.try_with(|d| {
            if let Some(mut deadline) = d.get() {
                deadline.at += waited;
                d.set(Some(deadline));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn no_deadline_outside_a_scope_or_before_start() {
        start(Duration::from_secs(1));
        assert_eq!(current(), None);
        scope(async {
            assert_eq!(remaining(), None);
            start(Duration::from_secs(60));
            let left = remaining().unwrap();
            assert!(left <= Duration::from_secs(60) && left > Duration::from_secs(30));
            assert_eq!(current().unwrap().budget, Duration::from_secs(60));
            extend(Duration::from_secs(200));
            assert_eq!(current().unwrap().budget, Duration::from_secs(260));
            assert!(remaining().unwrap() > Duration::from_secs(200));
        })
        .await;
    }

    #[tokio::test]
    async fn a_pause_moves_the_deadline_by_the_time_waited() {
        scope(async {
            start(Duration::from_secs(60));
            let before = current().unwrap().at;
            {
                let _p = pause();
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            assert!(current().unwrap().at >= before + Duration::from_millis(20));
        })
        .await;
    }
}
