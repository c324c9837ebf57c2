//! What the console tells the operator: messages with a severity and a time, the one the
//! status line shows (always the newest — an error never hides a later result), when it fades
//! (an error at the next action or after 30 s, a notice after 60 s), and the session's log that
//! `:messages` lists in full. Also the work in flight: every carrier call the operator waits
//! on, with the account and when it started, so nothing looks idle while a change is on its way.

use chrono::{DateTime, Utc};
use std::collections::VecDeque;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    Info,
    /// A change that went through (done, completed).
    Success,
    Error,
}

impl MessageKind {
    pub fn label(self) -> &'static str {
        match self {
            MessageKind::Info => "info",
            MessageKind::Success => "done",
            MessageKind::Error => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub kind: MessageKind,
    /// Sanitized, on one line, short enough for the status line.
    pub text: String,
    /// Sanitized, whole (the log never cuts a carrier's error).
    pub full: String,
    /// When it was said (the UI clock; `None` before the first tick).
    pub at: Option<DateTime<Utc>>,
}

/// How long the status line keeps a message nobody dismissed.
pub const ERROR_SECS: i64 = 30;
pub const INFO_SECS: i64 = 60;
/// Messages the log keeps (oldest dropped first).
pub const LOG_MAX: usize = 1000;

#[derive(Debug, Default)]
pub struct Messages {
    /// Oldest first.
    pub log: VecDeque<Message>,
    /// Whether the newest message is still on the status line.
    pub showing: bool,
}

impl Messages {
    pub fn push(&mut self, message: Message) {
        if self.log.len() == LOG_MAX {
            self.log.pop_front();
        }
        self.log.push_back(message);
        self.showing = true;
    }

    /// The message the status line shows, if any.
    pub fn current(&self) -> Option<&Message> {
        self.log.back().filter(|_| self.showing)
    }

    /// A key was pressed: an error on screen has been seen, and goes.
    pub fn on_action(&mut self) -> bool {
        let seen = self.current().is_some_and(|m| m.kind == MessageKind::Error);
        if seen {
            self.showing = false;
        }
        seen
    }

    /// The clock moved: an old message fades. Returns whether the status line changed.
    pub fn on_tick(&mut self, now: DateTime<Utc>) -> bool {
        let Some(m) = self.current() else {
            return false;
        };
        let limit = match m.kind {
            MessageKind::Error => ERROR_SECS,
            MessageKind::Info | MessageKind::Success => INFO_SECS,
        };
        let old = m.at.is_some_and(|at| (now - at).num_seconds() >= limit);
        if old {
            self.showing = false;
        }
        old
    }

    pub fn dismiss(&mut self) {
        self.showing = false;
    }
}

/// One carrier call the operator is waiting on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Work {
    /// What it is, for matching its answer (`status TMSP-894…`, `batch`, …).
    pub key: String,
    /// What the status line says (`TMSP-894…: → SUSPENDED`).
    pub what: String,
    /// The account the call goes to, when one.
    pub account: Option<String>,
    pub since: Option<DateTime<Utc>>,
}

/// Whole seconds since `since` on the UI clock.
pub fn elapsed(since: Option<DateTime<Utc>>, now: Option<DateTime<Utc>>) -> i64 {
    match (since, now) {
        (Some(s), Some(n)) => (n - s).num_seconds().max(0),
        _ => 0,
    }
}

/// A braille spinner frame for second `n` (the tick is 1 s; the frame moves once a second).
pub fn spinner(n: i64) -> char {
    const FRAMES: [char; 8] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧'];
    FRAMES[usize::try_from(n.rem_euclid(8)).unwrap_or(0)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(secs: i64) -> Option<DateTime<Utc>> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).single()
    }

    fn msg(kind: MessageKind, text: &str, secs: i64) -> Message {
        Message {
            kind,
            text: text.into(),
            full: text.into(),
            at: at(secs),
        }
    }

    #[test]
    fn the_newest_message_shows_and_an_error_never_hides_a_later_one() {
        let mut m = Messages::default();
        m.push(msg(MessageKind::Error, "jasper-demo: listing failed", 0));
        m.push(msg(MessageKind::Info, "attribute added", 5));
        assert_eq!(
            m.current().map(|c| c.text.as_str()),
            Some("attribute added")
        );
        assert_eq!(m.log.len(), 2, "the error stays in the log");
    }

    #[test]
    fn errors_go_at_the_next_action_or_after_30_s_notices_after_60_s() {
        let mut m = Messages::default();
        m.push(msg(MessageKind::Error, "refused", 0));
        assert!(!m.on_tick(at(29).unwrap()));
        assert!(m.on_tick(at(30).unwrap()));
        assert!(m.current().is_none());
        m.push(msg(MessageKind::Error, "refused again", 40));
        assert!(m.on_action());
        assert!(m.current().is_none());
        m.push(msg(MessageKind::Info, "done", 50));
        assert!(!m.on_action(), "a key does not hide a notice");
        assert!(!m.on_tick(at(100).unwrap()));
        assert!(m.on_tick(at(110).unwrap()));
    }

    #[test]
    fn the_log_is_bounded() {
        let mut m = Messages::default();
        for i in 0..(LOG_MAX + 10) {
            m.push(msg(MessageKind::Info, &format!("n{i}"), 0));
        }
        assert_eq!(m.log.len(), LOG_MAX);
        assert_eq!(m.log.front().map(|c| c.text.as_str()), Some("n10"));
    }

    #[test]
    fn elapsed_and_spinner() {
        assert_eq!(elapsed(at(0), at(12)), 12);
        assert_eq!(elapsed(None, at(12)), 0);
        assert_ne!(spinner(0), spinner(1));
        assert_eq!(spinner(8), spinner(0));
    }
}
