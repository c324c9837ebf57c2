//! The normalized network session / attach state of one product ("why is it offline?"): what
//! the network says about the SIM or terminal right now — never its lifecycle status, which
//! `status.rs` owns. Each carrier that offers such a read maps its answer here (1NCE
//! `/status`, Control Center `sessionInfo`, Intelsat's aggregated terminal status), and
//! [`one_line`] says it in the one line a NOC engineer reads first. [`Attach`] is the compact
//! form a list row keeps and the query's `online:` term tests. No I/O.

use super::{BackendKind, Status};
use chrono::{DateTime, Utc};

/// The network's view of a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NetworkState {
    /// In a data session (a PDP context / an active IP session; a satellite terminal online).
    Online,
    /// Attached to a network, no data session (1NCE `ATTACHED`).
    Attached,
    /// Not attached to any network (1NCE `OFFLINE`, a terminal offline).
    Offline,
    /// No data session; whether the device is attached the carrier does not say (Control
    /// Center's `sessionInfo` knows sessions only).
    NoSession,
}

impl NetworkState {
    /// The word `--json` carries.
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkState::Online => "ONLINE",
            NetworkState::Attached => "ATTACHED",
            NetworkState::Offline => "OFFLINE",
            NetworkState::NoSession => "NO_SESSION",
        }
    }

    /// Whether it is in a data session: `online:yes` is exactly these.
    pub fn is_online(self) -> bool {
        self == NetworkState::Online
    }

    /// The words of the one line.
    fn phrase(self) -> &'static str {
        match self {
            NetworkState::Online => "online",
            NetworkState::Attached => "attached, no data session",
            NetworkState::Offline => "not attached",
            NetworkState::NoSession => "not in session",
        }
    }
}

/// One read of a product's session / attach state. Every text field is the carrier's, kept
/// raw here: whoever shows it sanitizes it (`text::sanitize`).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionState {
    pub state: NetworkState,
    /// The carrier's own word for the state (`ONLINE`, `online`, …), for `--json`.
    pub native: String,
    /// Start of the current (or, when not online, the last) data session.
    pub session_start: Option<DateTime<Utc>>,
    /// End of the last data session, when it has ended.
    pub session_end: Option<DateTime<Utc>>,
    /// The network's last contact with the device (a location update, a terminal report).
    pub last_seen: Option<DateTime<Utc>>,
    /// The IP address of the current or last session.
    pub ip_address: Option<String>,
    /// Radio access type (`4G`, `LTE`, `NB-IoT`, `KA_BAND`, …).
    pub radio: Option<String>,
    /// ISO country code of the serving network, upper case (`DE`).
    pub country: Option<String>,
    /// Name of the serving network operator.
    pub operator: Option<String>,
}

impl SessionState {
    /// A state with nothing else known.
    pub fn new(state: NetworkState, native: impl Into<String>) -> SessionState {
        SessionState {
            state,
            native: native.into(),
            session_start: None,
            session_end: None,
            last_seen: None,
            ip_address: None,
            radio: None,
            country: None,
            operator: None,
        }
    }

    /// Since when the state holds, where the carrier tells: the session's start when online,
    /// its end when it ended, else the last network contact.
    pub fn since(&self) -> Option<DateTime<Utc>> {
        match self.state {
            NetworkState::Online => self.session_start.or(self.last_seen),
            _ => self.session_end.or(self.last_seen),
        }
    }

    /// The compact form a list row keeps.
    pub fn attach(&self) -> Attach {
        match self.state {
            NetworkState::Online => Attach::Online,
            NetworkState::Attached => Attach::Attached,
            NetworkState::Offline | NetworkState::NoSession => Attach::Offline,
        }
    }

    /// `(10.0.1.2, LTE, DE/Telekom)` from what is known; `None` when nothing is.
    fn details(&self) -> Option<String> {
        let clean = |v: &Option<String>| {
            v.as_deref()
                .map(|s| crate::text::sanitize(s).trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let network = match (clean(&self.country), clean(&self.operator)) {
            (Some(c), Some(o)) => Some(format!("{c}/{o}")),
            (c, o) => c.or(o),
        };
        let parts: Vec<String> = [clean(&self.ip_address), clean(&self.radio), network]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| format!("({})", parts.join(", ")))
    }
}

/// What a list row knows of its attach state: only what an opened product told (no per-row
/// calls), so most rows are `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Attach {
    #[default]
    Unknown,
    Online,
    Attached,
    /// Not attached, or not in session.
    Offline,
}

impl Attach {
    /// `Some(true)` online, `Some(false)` known not to be, `None` unknown.
    pub fn online(self) -> Option<bool> {
        match self {
            Attach::Unknown => None,
            Attach::Online => Some(true),
            Attach::Attached | Attach::Offline => Some(false),
        }
    }

    /// The list column's cell.
    pub fn cell(self) -> &'static str {
        match self {
            Attach::Unknown => "",
            Attach::Online => "online",
            Attach::Attached => "attached",
            Attach::Offline => "offline",
        }
    }
}

pub use super::time::parse_instant;

/// `3 h ago`, `12 min ago`, `2 d ago`, `just now` (a time in the future, clock skew, too).
pub fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - at).num_seconds();
    match secs {
        s if s < 60 => "just now".to_string(),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 2 * 86_400 => format!("{} h ago", s / 3600),
        s => format!("{} d ago", s / 86_400),
    }
}

/// The one line of the detail's connectivity block: lifecycle status (when known), network
/// state, since when, then what else the carrier told.
/// `ACTIVE · not attached · last session ended 3 h ago (10.0.1.2, LTE, DE/Telekom)`;
/// `session` `None`: the platform offers no session data (`ACTIVE · no session data on STC`).
pub fn one_line(
    lifecycle: Option<Status>,
    kind: BackendKind,
    session: Option<&SessionState>,
    now: DateTime<Utc>,
) -> String {
    let mut parts: Vec<String> = lifecycle
        .map(|s| s.as_str().to_string())
        .into_iter()
        .collect();
    let Some(s) = session else {
        parts.push(format!("no session data on {}", kind.as_str()));
        return parts.join(" · ");
    };
    parts.push(s.state.phrase().to_string());
    let when = match s.state {
        NetworkState::Online => s
            .session_start
            .map(|t| format!("session started {}", ago(t, now)))
            .or_else(|| s.last_seen.map(|t| format!("last report {}", ago(t, now)))),
        NetworkState::Attached => s
            .last_seen
            .map(|t| format!("last network contact {}", ago(t, now))),
        NetworkState::Offline | NetworkState::NoSession => match (s.session_end, s.last_seen) {
            (Some(end), _) => Some(format!("last session ended {}", ago(end, now))),
            (None, Some(seen)) => Some(format!("last seen {}", ago(seen, now))),
            (None, None) if s.state == NetworkState::NoSession && s.session_start.is_none() => {
                Some("no session on record".to_string())
            }
            (None, None) => None,
        },
    };
    parts.extend(when);
    let mut line = parts.join(" · ");
    if let Some(details) = s.details() {
        line.push(' ');
        line.push_str(&details);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 4, h, m, 0).single().unwrap()
    }

    #[test]
    fn the_issue_example_reads_as_written() {
        let mut s = SessionState::new(NetworkState::Offline, "OFFLINE");
        s.session_start = Some(at(8, 0));
        s.session_end = Some(at(9, 10));
        s.ip_address = Some("10.0.1.2".into());
        s.radio = Some("LTE".into());
        s.country = Some("DE".into());
        s.operator = Some("Telekom".into());
        assert_eq!(
            one_line(
                Some(Status::Active),
                BackendKind::OneNce,
                Some(&s),
                at(12, 30)
            ),
            "ACTIVE · not attached · last session ended 3 h ago (10.0.1.2, LTE, DE/Telekom)"
        );
        assert_eq!(s.since(), Some(at(9, 10)));
        assert_eq!(s.attach().online(), Some(false));
    }

    #[test]
    fn each_state_says_since_when_and_a_platform_without_data_says_so() {
        let now = at(12, 0);
        let mut online = SessionState::new(NetworkState::Online, "ONLINE");
        online.session_start = Some(at(11, 48));
        online.radio = Some("4G".into());
        assert_eq!(
            one_line(
                Some(Status::Active),
                BackendKind::OneNce,
                Some(&online),
                now
            ),
            "ACTIVE · online · session started 12 min ago (4G)"
        );
        let mut attached = SessionState::new(NetworkState::Attached, "ATTACHED");
        attached.last_seen = Some(now - chrono::Duration::seconds(30));
        attached.operator = Some("Telekom".into());
        assert_eq!(
            one_line(None, BackendKind::OneNce, Some(&attached), now),
            "attached, no data session · last network contact just now (Telekom)"
        );
        let never = SessionState::new(NetworkState::NoSession, "");
        assert_eq!(
            one_line(
                Some(Status::Suspended),
                BackendKind::Jasper,
                Some(&never),
                now
            ),
            "SUSPENDED · not in session · no session on record"
        );
        assert_eq!(
            one_line(Some(Status::Active), BackendKind::Stc, None, now),
            "ACTIVE · no session data on STC"
        );
        assert_eq!(online.attach(), Attach::Online);
        assert_eq!(attached.attach().online(), Some(false));
        assert_eq!(Attach::Unknown.online(), None);
    }

    #[test]
    fn carrier_text_in_the_line_is_sanitized() {
        let mut s = SessionState::new(NetworkState::Offline, "OFFLINE");
        s.operator = Some("Tele\u{1b}[2Jkom\u{202e}".into());
        let line = one_line(None, BackendKind::OneNce, Some(&s), at(1, 0));
        assert!(!line.chars().any(crate::text::is_unsafe), "{line:?}");
        assert!(line.contains("Tele"));
    }

    #[test]
    fn carrier_timestamps_parse_in_their_three_forms() {
        let want = Utc.with_ymd_and_hms(2018, 3, 9, 7, 59, 9).single();
        assert_eq!(parse_instant("2018-03-09T07:59:09.000+0000"), want);
        assert_eq!(parse_instant("2018-03-09 07:59:09.000+0000"), want);
        assert_eq!(parse_instant(" 2018-03-09T08:59:09+01:00 "), want);
        assert_eq!(parse_instant("yesterday"), None);
    }

    #[test]
    fn ages_round_down_into_readable_units() {
        let now = at(12, 0);
        assert_eq!(ago(at(12, 0), now), "just now");
        assert_eq!(ago(at(13, 0), now), "just now");
        assert_eq!(ago(at(11, 1), now), "59 min ago");
        assert_eq!(ago(at(10, 0), now), "2 h ago");
        assert_eq!(ago(now - chrono::Duration::days(5), now), "5 d ago");
    }
}
