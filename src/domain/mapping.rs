//! Native carrier status → normalized [`Status`], from the seed's mapping tables.
//!
//! The seed's tables lost their empty cells in transcription, so for the AIRLINQ/1NCE/STC table a
//! few values cannot be pinned to one column (`TEST`, `READY`, `INACTIVE`, `BLOCKED`, `CEASE`,
//! `TERMINATED`). We accept such a value on every column it may belong to; a value listed nowhere
//! maps to [`Status::Unknown`] and keeps its native text. See `docs/capabilities.md`.

use super::{BackendKind, NativeStatus, Status};

/// One table row: a normalized status and the native values that mean it on one backend.
type Rows = &'static [(Status, &'static [&'static str])];

const TMSP: Rows = &[
    (Status::Created, &["Ordered", "Ordered for Stock"]),
    (Status::Inventory, &["On Stock"]),
    (Status::PendingActive, &["Delivered"]),
    (Status::Active, &["Productive", "Test"]),
    (Status::Suspended, &["Suspended"]),
    (
        Status::Blocked,
        &[
            // First is what a customer asks for when blocking; the others are read-only causes.
            "Blocked(manually)",
            "Blocked(automatically)",
            "Blocked(by operator)",
        ],
    ),
    (Status::Terminated, &["Terminated"]),
    (Status::Deleted, &["Deleted"]),
    (Status::Unknown, &["Undefined"]),
];

/// Cisco IoT Control Center, shared by TMUS and JASPER.
const CONTROL_CENTER: Rows = &[
    (Status::Inventory, &["INVENTORY"]),
    (Status::PendingActive, &["ACTIVATION_READY"]),
    (Status::Active, &["ACTIVATED", "TEST_READY"]),
    (Status::Suspended, &["DEACTIVATED"]),
    (Status::PendingTerminate, &["RETIRED"]),
    (Status::Terminated, &["PURGED"]),
];

const IOTA: Rows = &[
    (Status::PendingActive, &["ACTIVE_NO_BILLING"]),
    (Status::Active, &["ACTIVE"]),
    (Status::Suspended, &["DEACTIVATED"]),
    (Status::PendingTerminate, &["DEACTIVATED_NO_BILLING"]),
    (Status::Terminated, &["TERMINATED"]),
];

const AIRLINQ: Rows = &[
    (Status::Created, &["TEST"]),
    (Status::PendingActive, &["READY", "INACTIVE"]),
    (Status::Active, &["ACTIVE"]),
    (Status::Suspended, &["SUSPEND"]),
    (Status::Blocked, &["BLOCKED"]),
    (Status::PendingTerminate, &["CEASE"]),
    (Status::Terminated, &["TERMINATED"]),
];

const ONENCE: Rows = &[
    (Status::PendingActive, &["INACTIVE"]),
    (Status::Active, &["Enabled"]),
    (Status::Suspended, &["Disabled"]),
];

const STC: Rows = &[
    (Status::Created, &["TEST"]),
    (Status::PendingActive, &["INACTIVE", "READY"]),
    (Status::Active, &["ACTIVE"]),
    (Status::Suspended, &["SUSPENDED"]),
    (Status::Blocked, &["BLOCKED"]),
    (Status::PendingTerminate, &["CEASE"]),
    (Status::Terminated, &["TERMINATED"]),
];

/// Viasat GALAXY1 service states (shared by the terminal and its embedded SIM). The seed has no
/// GALAXY1 table: these rows are ours, from the provisional API in `docs/backends/galaxy1.md`.
const GALAXY1: Rows = &[
    (Status::Created, &["Provisioned"]),
    (Status::Inventory, &["InStock"]),
    (Status::PendingActive, &["Commissioning"]),
    (Status::Active, &["InService"]),
    (Status::Suspended, &["Suspended"]),
    (Status::Blocked, &["Barred"]),
    (Status::PendingTerminate, &["Decommissioning"]),
    (Status::Terminated, &["Decommissioned"]),
    (Status::Deleted, &["Removed"]),
];

/// The native rows for a backend with a single native SIM status (not TURKCELL or INTELSAT,
/// whose statuses are composites; not CMO, which reports normalized statuses).
pub fn native_rows(kind: BackendKind) -> Rows {
    match kind {
        BackendKind::Tmsp => TMSP,
        BackendKind::Tmus | BackendKind::Jasper => CONTROL_CENTER,
        BackendKind::Iota => IOTA,
        BackendKind::Airlinq => AIRLINQ,
        BackendKind::OneNce => ONENCE,
        BackendKind::Stc => STC,
        BackendKind::Galaxy1 => GALAXY1,
        _ => &[],
    }
}

/// Map a single native status value. Matching is exact first, then case-insensitive and
/// blind to spaces (carriers are not consistent about `Blocked (manually)`).
pub fn normalize(kind: BackendKind, native: &str) -> NativeStatus {
    let rows = native_rows(kind);
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let exact = rows
        .iter()
        .find(|(_, natives)| natives.contains(&native))
        .map(|(st, _)| *st);
    let status = exact.or_else(|| {
        let wanted = squash(native);
        rows.iter()
            .find(|(_, natives)| natives.iter().any(|n| squash(n) == wanted))
            .map(|(st, _)| *st)
    });
    NativeStatus::new(status.unwrap_or(Status::Unknown), native)
}

/// The native value to send to `kind` to reach `target` (the first the table lists), if any.
pub fn native_for(kind: BackendKind, target: Status) -> Option<&'static str> {
    native_rows(kind)
        .iter()
        .find(|(st, _)| *st == target)
        .and_then(|(_, natives)| natives.first().copied())
}

/// Turkcell's barring flags (seed: "In SMS, Out SMS, In Calls, Out Calls, Data barred").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TurkcellBarrings {
    pub in_sms: bool,
    pub out_sms: bool,
    pub in_calls: bool,
    pub out_calls: bool,
    pub data: bool,
}

impl TurkcellBarrings {
    pub fn any(&self) -> bool {
        self.in_sms || self.out_sms || self.in_calls || self.out_calls || self.data
    }

    /// `Y`/`N` per flag, in the seed's column order, for display.
    pub fn flags(&self) -> [(&'static str, bool); 5] {
        [
            ("In SMS barred", self.in_sms),
            ("Out SMS barred", self.out_sms),
            ("In calls barred", self.in_calls),
            ("Out calls barred", self.out_calls),
            ("Data barred", self.data),
        ]
    }
}

/// Turkcell's composite: contract status `a` with no barring → ACTIVE; `a` with any barring →
/// SUSPENDED; `d` → TERMINATED (barrings irrelevant); anything else → UNKNOWN.
pub fn normalize_turkcell(contract_status: &str, barrings: TurkcellBarrings) -> NativeStatus {
    let bars: String = barrings
        .flags()
        .iter()
        .map(|(_, b)| if *b { 'Y' } else { 'N' })
        .collect();
    let native = format!("{contract_status} ({bars})");
    let status = match contract_status.trim().to_ascii_lowercase().as_str() {
        "a" if barrings.any() => Status::Suspended,
        "a" => Status::Active,
        "d" => Status::Terminated,
        _ => Status::Unknown,
    };
    NativeStatus::new(status, native)
}

/// Intelsat's composite of product contract status and terminal aggregated status. For a `new`
/// contract, whether change actions are allowed separates CREATED from PENDING_ACTIVE.
pub fn normalize_intelsat(
    contract_status: &str,
    terminal_status: Option<&str>,
    change_actions_allowed: bool,
) -> NativeStatus {
    let contract = contract_status.trim().to_ascii_lowercase();
    let terminal = terminal_status.map(|t| t.trim().to_ascii_lowercase());
    let status = match (contract.as_str(), terminal.as_deref()) {
        ("new", _) if change_actions_allowed => Status::Created,
        ("new", _) => Status::PendingActive,
        ("active", Some("online")) => Status::Active,
        ("active", Some("suspended")) => Status::Suspended,
        ("active", Some("offline")) => Status::Blocked,
        ("suspended", _) => Status::Suspended,
        ("cancelation" | "cancellation", _) => Status::PendingTerminate,
        ("ended", _) => Status::Terminated,
        _ => Status::Unknown,
    };
    let native = match terminal_status {
        Some(t) => format!("{contract_status}/{t}"),
        None => contract_status.to_string(),
    };
    NativeStatus::new(status, native)
}
