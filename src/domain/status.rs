//! The ten normalized TM Forum SID statuses every native carrier status is mapped onto.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A normalized SIM card or terminal status (seed: "supported statuses").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Created,
    PendingActive,
    Inventory,
    Active,
    Suspended,
    Blocked,
    PendingTerminate,
    Terminated,
    Deleted,
    Unknown,
}

impl Status {
    /// Every status, in the seed's order.
    pub const ALL: [Status; 10] = [
        Status::Created,
        Status::PendingActive,
        Status::Inventory,
        Status::Active,
        Status::Suspended,
        Status::Blocked,
        Status::PendingTerminate,
        Status::Terminated,
        Status::Deleted,
        Status::Unknown,
    ];

    /// The wire name used by the CMO API (`ACTIVE`, `PENDING_ACTIVE`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Created => "CREATED",
            Status::PendingActive => "PENDING_ACTIVE",
            Status::Inventory => "INVENTORY",
            Status::Active => "ACTIVE",
            Status::Suspended => "SUSPENDED",
            Status::Blocked => "BLOCKED",
            Status::PendingTerminate => "PENDING_TERMINATE",
            Status::Terminated => "TERMINATED",
            Status::Deleted => "DELETED",
            Status::Unknown => "UNKNOWN",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status name that is not one of the ten.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown status '{0}': expected one of CREATED, PENDING_ACTIVE, INVENTORY, ACTIVE, SUSPENDED, BLOCKED, PENDING_TERMINATE, TERMINATED, DELETED, UNKNOWN"
)]
pub struct UnknownStatus(pub String);

impl FromStr for Status {
    type Err = UnknownStatus;

    /// Accepts the wire name in any case, with `-` or `_` or spaces between words.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted: String = s
            .trim()
            .chars()
            .map(|c| match c {
                '-' | ' ' => '_',
                c => c.to_ascii_uppercase(),
            })
            .collect();
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == wanted)
            .ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

/// A normalized status together with the carrier's own words for it, kept for display
/// (an unknown native value maps to [`Status::Unknown`] and still shows what the carrier said).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NativeStatus {
    pub status: Status,
    pub native: String,
}

impl NativeStatus {
    pub fn new(status: Status, native: impl Into<String>) -> Self {
        Self {
            status,
            native: native.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_wire_name() {
        for st in Status::ALL {
            assert_eq!(st.as_str().parse::<Status>().unwrap(), st);
            let json = serde_json::to_string(&st).unwrap();
            assert_eq!(json, format!("\"{}\"", st.as_str()));
        }
    }

    #[test]
    fn parsing_is_forgiving_about_case_and_separators() {
        assert_eq!(
            "pending-active".parse::<Status>().unwrap(),
            Status::PendingActive
        );
        assert_eq!("Suspended".parse::<Status>().unwrap(), Status::Suspended);
        let err = "SUSPEND".parse::<Status>().unwrap_err();
        assert!(err.to_string().contains("'SUSPEND'"));
    }
}
