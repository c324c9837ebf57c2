//! The network session / attach state in `cmo connectivity get` (docs/cli.md, "Network session
//! state"): `--json` adds a `networkSession` object to the data connectivity document, with
//! dates as RFC 3339 UTC; text adds the detail pane's one line. A platform that offers no
//! session data adds `"networkSession": null` and says so in text.

use crate::domain::session::one_line;
use crate::domain::{BackendKind, SessionState};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

fn rfc3339(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| {
        json!(t.to_rfc3339_opts(SecondsFormat::Secs, true))
    })
}

/// The `networkSession` object (carrier text as sent: `cli/output.rs` escapes what is unsafe).
pub fn json(session: Option<&SessionState>) -> Value {
    let Some(s) = session else {
        return Value::Null;
    };
    json!({
        "state": s.state.as_str(),
        "online": s.state.is_online(),
        "nativeState": s.native,
        "since": rfc3339(s.since()),
        "sessionStart": rfc3339(s.session_start),
        "sessionEnd": rfc3339(s.session_end),
        "lastSeen": rfc3339(s.last_seen),
        "ipAddress": s.ip_address,
        "radioType": s.radio,
        "country": s.country,
        "operator": s.operator,
    })
}

/// Adds `networkSession` to a data connectivity document.
pub fn with_session(mut doc: Value, session: Option<&SessionState>) -> Value {
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("networkSession".to_string(), json(session));
    }
    doc
}

/// A text block after the data connectivity one, holding the detail pane's line:
/// `Network session\n  online · session started 5 min ago (…)`.
pub fn text(kind: BackendKind, session: Option<&SessionState>, now: DateTime<Utc>) -> String {
    format!(
        "Network session\n  {}\n",
        one_line(None, kind, session, now)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::NetworkState;

    #[test]
    fn the_json_names_the_state_and_dates_in_utc_and_none_is_null() {
        let mut s = SessionState::new(NetworkState::Online, "ONLINE");
        s.session_start = crate::domain::session::parse_instant("2026-03-04T09:15:00.000+0100");
        s.ip_address = Some("10.0.1.2".into());
        let v = json(Some(&s));
        assert_eq!(v["state"], "ONLINE");
        assert_eq!(v["online"], true);
        assert_eq!(v["sessionStart"], "2026-03-04T08:15:00Z");
        assert_eq!(v["since"], "2026-03-04T08:15:00Z");
        assert_eq!(v["sessionEnd"], Value::Null);
        let doc = with_session(json!({"id": "x"}), None);
        assert!(doc["networkSession"].is_null() && doc.get("networkSession").is_some());
    }
}
