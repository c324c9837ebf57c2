//! The seed's support matrix, transition tables and sync/async modes — the one source of truth.
//!
//! Adapters, the engine's guard, the UI's status menu, `cmo capabilities` and
//! `docs/capabilities.md` all read these tables; nothing else may restate them.
//!
//! Decision (see `docs/capabilities.md`): the seed's support matrix is binding. Where it marks an
//! operation ✖ for a backend, the operation is refused even if another table lists transitions
//! for that backend (TURKCELL: ✖ for "change SIM status", yet ACTIVE ↔ SUSPENDED in the transitions
//! table). The transitions are kept here exactly as the seed gives them, and a status change is
//! allowed only when the operation is supported *and* the transition is listed.

use super::{BackendKind, Status};
use serde::Serialize;
use std::fmt;

/// Every operation of the seed's feature list, under the key names of `cmo capabilities --json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    ListProducts,
    ProductDetails,
    ProductsByBusinessId,
    SimCardDetails,
    TerminalDetails,
    DataConnectivityDetails,
    Usage,
    ChangeSimStatus,
    ChangeTerminalStatus,
    UpdateCharacteristics,
    CustomAttributesCreate,
    CustomAttributesRetrieve,
    CustomAttributesUpdate,
    CustomAttributesDelete,
    BatchUpdate,
    MonitorStatus,
    MonitorCancel,
}

impl Operation {
    pub const ALL: [Operation; 17] = [
        Operation::ListProducts,
        Operation::ProductDetails,
        Operation::ProductsByBusinessId,
        Operation::SimCardDetails,
        Operation::TerminalDetails,
        Operation::DataConnectivityDetails,
        Operation::Usage,
        Operation::ChangeSimStatus,
        Operation::ChangeTerminalStatus,
        Operation::UpdateCharacteristics,
        Operation::CustomAttributesCreate,
        Operation::CustomAttributesRetrieve,
        Operation::CustomAttributesUpdate,
        Operation::CustomAttributesDelete,
        Operation::BatchUpdate,
        Operation::MonitorStatus,
        Operation::MonitorCancel,
    ];

    /// The JSON key (`change_sim_status`, …).
    pub const fn key(self) -> &'static str {
        match self {
            Operation::ListProducts => "list_products",
            Operation::ProductDetails => "product_details",
            Operation::ProductsByBusinessId => "products_by_business_id",
            Operation::SimCardDetails => "sim_card_details",
            Operation::TerminalDetails => "terminal_details",
            Operation::DataConnectivityDetails => "data_connectivity_details",
            Operation::Usage => "usage",
            Operation::ChangeSimStatus => "change_sim_status",
            Operation::ChangeTerminalStatus => "change_terminal_status",
            Operation::UpdateCharacteristics => "update_characteristics",
            Operation::CustomAttributesCreate => "custom_attributes_create",
            Operation::CustomAttributesRetrieve => "custom_attributes_retrieve",
            Operation::CustomAttributesUpdate => "custom_attributes_update",
            Operation::CustomAttributesDelete => "custom_attributes_delete",
            Operation::BatchUpdate => "batch_update",
            Operation::MonitorStatus => "monitor_status",
            Operation::MonitorCancel => "monitor_cancel",
        }
    }

    /// The seed's heading for the operation, for humans.
    pub const fn title(self) -> &'static str {
        match self {
            Operation::ListProducts => "Retrieve paginated list of IoT Connection Products",
            Operation::ProductDetails => "Retrieve details of IoT Product bundle",
            Operation::ProductsByBusinessId => "Retrieve selected Products by Business ID",
            Operation::SimCardDetails => "Retrieve details of SIM Card",
            Operation::TerminalDetails => "Retrieve details of Satellite Terminal",
            Operation::DataConnectivityDetails => "Retrieve details of Data Connectivity service",
            Operation::Usage => "Retrieve information on consumed usage",
            Operation::ChangeSimStatus => "Change the status of SIM Card product",
            Operation::ChangeTerminalStatus => "Change the status of a Satellite Terminal",
            Operation::UpdateCharacteristics => "Update characteristics of target IoT Product",
            Operation::CustomAttributesCreate => "Create custom attribute",
            Operation::CustomAttributesRetrieve => "Retrieve custom attributes",
            Operation::CustomAttributesUpdate => "Update custom attributes",
            Operation::CustomAttributesDelete => "Delete custom attributes",
            Operation::BatchUpdate => "Batch update",
            Operation::MonitorStatus => "Monitor the status of asynchronous requests",
            Operation::MonitorCancel => "Terminate asynchronous requests",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// How a backend applies a status change (docs/backends/cmo.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UpdateMode {
    Sync,
    Async,
}

const Y: bool = true;
const N: bool = false;

/// The seed's support matrix; columns in [`BackendKind::SEED`] order:
/// TMSP, TMUS, INTELSAT, IOTA, JASPER, AIRLINQ, 1NCE, STC, TURKCELL, GALAXY1.
const MATRIX: [(Operation, [bool; 10]); 17] = [
    (Operation::ListProducts, [Y, Y, Y, Y, Y, Y, Y, Y, Y, Y]),
    (Operation::ProductDetails, [Y, Y, Y, Y, Y, Y, Y, Y, Y, Y]),
    (
        Operation::ProductsByBusinessId,
        [Y, Y, Y, Y, Y, Y, Y, Y, Y, Y],
    ),
    (Operation::SimCardDetails, [Y, Y, N, Y, Y, Y, Y, Y, Y, Y]),
    (Operation::TerminalDetails, [N, N, Y, N, N, N, N, N, N, Y]),
    (
        Operation::DataConnectivityDetails,
        [Y, Y, N, Y, Y, Y, Y, Y, Y, N],
    ),
    (Operation::Usage, [Y, Y, Y, Y, Y, Y, Y, Y, Y, Y]),
    (Operation::ChangeSimStatus, [Y, Y, N, Y, Y, Y, Y, Y, N, N]),
    // The seed has no matrix for terminal status; its text: "Satellite products are only
    // available for Intelsat backend" with ACTIVE ↔ SUSPENDED.
    (
        Operation::ChangeTerminalStatus,
        [N, N, Y, N, N, N, N, N, N, N],
    ),
    (
        Operation::UpdateCharacteristics,
        [Y, N, N, N, N, N, N, N, N, N],
    ),
    (
        Operation::CustomAttributesCreate,
        [Y, Y, Y, Y, Y, Y, Y, Y, Y, Y],
    ),
    (
        Operation::CustomAttributesRetrieve,
        [Y, Y, Y, Y, Y, Y, Y, Y, Y, Y],
    ),
    (
        Operation::CustomAttributesUpdate,
        [Y, Y, Y, Y, Y, Y, Y, Y, Y, Y],
    ),
    (
        Operation::CustomAttributesDelete,
        [Y, Y, Y, Y, Y, Y, Y, Y, Y, Y],
    ),
    (Operation::BatchUpdate, [Y, Y, Y, Y, Y, Y, Y, Y, Y, Y]),
    (Operation::MonitorStatus, [Y, N, Y, N, N, Y, N, Y, N, Y]),
    (Operation::MonitorCancel, [Y, N, N, N, N, N, N, N, N, N]),
];

use Status::{Active as A, Blocked as B, Created as C, PendingActive as PA};
use Status::{PendingTerminate as PT, Suspended as S, Terminated as T};

const ACTIVE_SUSPEND: &[(Status, Status)] = &[(A, S), (S, A)];

/// The seed's SIM transitions table, row by row, per backend column.
const SIM_TRANSITIONS: [(BackendKind, &[(Status, Status)]); 10] = [
    (
        BackendKind::Tmsp,
        &[
            (C, A),
            (PA, A),
            (A, S),
            (S, A),
            (PT, A),
            (A, B),
            (B, A),
            (A, T),
            (T, A),
        ],
    ),
    (
        BackendKind::Tmus,
        &[(C, A), (A, S), (S, A), (PT, A), (A, T)],
    ),
    (BackendKind::Intelsat, &[]),
    (BackendKind::Iota, ACTIVE_SUSPEND),
    (BackendKind::Jasper, ACTIVE_SUSPEND),
    (BackendKind::Airlinq, ACTIVE_SUSPEND),
    (BackendKind::OneNce, ACTIVE_SUSPEND),
    (BackendKind::Stc, ACTIVE_SUSPEND),
    (BackendKind::Turkcell, ACTIVE_SUSPEND),
    (BackendKind::Galaxy1, &[]),
];

/// The seed's satellite terminal transitions (INTELSAT only).
const TERMINAL_TRANSITIONS: [(BackendKind, &[(Status, Status)]); 1] =
    [(BackendKind::Intelsat, ACTIVE_SUSPEND)];

/// docs/backends/cmo.md, per seed backend column.
const UPDATE_MODE: [(BackendKind, UpdateMode); 10] = [
    (BackendKind::Tmsp, UpdateMode::Async),
    (BackendKind::Tmus, UpdateMode::Sync),
    (BackendKind::Intelsat, UpdateMode::Async),
    (BackendKind::Iota, UpdateMode::Sync),
    (BackendKind::Jasper, UpdateMode::Sync),
    (BackendKind::Airlinq, UpdateMode::Async),
    (BackendKind::OneNce, UpdateMode::Sync),
    (BackendKind::Stc, UpdateMode::Async),
    (BackendKind::Turkcell, UpdateMode::Async),
    (BackendKind::Galaxy1, UpdateMode::Async),
];

fn seed_column(kind: BackendKind) -> Option<usize> {
    BackendKind::SEED.iter().position(|k| *k == kind)
}

/// Whether the seed marks `op` ✔ for `kind`. The CMO kind is judged per product by the
/// platform it names, so it answers for the operation as exposed by the CMO API itself.
pub fn supports(kind: BackendKind, op: Operation) -> bool {
    match seed_column(kind) {
        Some(col) => MATRIX
            .iter()
            .find(|(o, _)| *o == op)
            .map(|(_, row)| row[col])
            .unwrap_or(false),
        None => !matches!(op, Operation::MonitorCancel),
    }
}

/// The SIM transitions the seed's table lists for `kind` (regardless of the support matrix).
pub fn sim_transitions(kind: BackendKind) -> &'static [(Status, Status)] {
    SIM_TRANSITIONS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, t)| *t)
        .unwrap_or(&[])
}

/// The terminal transitions the seed lists for `kind`.
pub fn terminal_transitions(kind: BackendKind) -> &'static [(Status, Status)] {
    TERMINAL_TRANSITIONS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, t)| *t)
        .unwrap_or(&[])
}

/// Sync or async status updates on `kind`; `None` for a kind the seed does not tabulate.
pub fn update_mode(kind: BackendKind) -> Option<UpdateMode> {
    UPDATE_MODE
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, m)| *m)
}

/// Whether a SIM status change `from → to` may be sent to `kind`: the operation must be ✔ in the
/// matrix and the transition listed for the backend.
pub fn sim_change_allowed(kind: BackendKind, from: Status, to: Status) -> bool {
    supports(kind, Operation::ChangeSimStatus) && sim_transitions(kind).contains(&(from, to))
}

/// Whether a terminal status change `from → to` may be sent to `kind`.
pub fn terminal_change_allowed(kind: BackendKind, from: Status, to: Status) -> bool {
    supports(kind, Operation::ChangeTerminalStatus)
        && terminal_transitions(kind).contains(&(from, to))
}

/// Whether moving a product of `kind` to `to` cannot be undone: TERMINATED and DELETED are
/// irreversible unless the seed's tables list a transition out of that status for `kind`. The
/// one place this is decided: the CLI's typed confirmation and the console's dialogs ask it.
pub fn is_irreversible(kind: BackendKind, to: Status) -> bool {
    matches!(to, Status::Terminated | Status::Deleted)
        && !sim_transitions(kind)
            .iter()
            .chain(terminal_transitions(kind))
            .any(|(from, _)| *from == to)
}

/// The targets a SIM in `from` can be moved to on `kind` (what the console's status menu offers).
pub fn sim_targets(kind: BackendKind, from: Status) -> Vec<Status> {
    if !supports(kind, Operation::ChangeSimStatus) {
        return Vec::new();
    }
    sim_transitions(kind)
        .iter()
        .filter(|(f, _)| *f == from)
        .map(|(_, t)| *t)
        .collect()
}

/// The targets a terminal in `from` can be moved to on `kind`.
pub fn terminal_targets(kind: BackendKind, from: Status) -> Vec<Status> {
    if !supports(kind, Operation::ChangeTerminalStatus) {
        return Vec::new();
    }
    terminal_transitions(kind)
        .iter()
        .filter(|(f, _)| *f == from)
        .map(|(_, t)| *t)
        .collect()
}

/// The whole table as the JSON of `cmo capabilities --json` (docs/cli.md).
pub fn to_json(include_cmo: bool) -> serde_json::Value {
    use serde_json::{Map, Value, json};
    let kinds: Vec<BackendKind> = if include_cmo {
        BackendKind::ALL.to_vec()
    } else {
        BackendKind::SEED.to_vec()
    };
    let mut operations = Map::new();
    for op in Operation::ALL {
        let mut row = Map::new();
        for k in &kinds {
            row.insert(k.as_str().into(), Value::Bool(supports(*k, op)));
        }
        operations.insert(op.key().into(), Value::Object(row));
    }
    let pairs = |t: &[(Status, Status)]| -> Value {
        Value::Array(
            t.iter()
                .map(|(f, to)| json!([f.as_str(), to.as_str()]))
                .collect(),
        )
    };
    let mut sim = Map::new();
    let mut modes = Map::new();
    for k in BackendKind::SEED {
        sim.insert(k.as_str().into(), pairs(sim_transitions(k)));
        if let Some(m) = update_mode(k) {
            modes.insert(
                k.as_str().into(),
                serde_json::to_value(m).unwrap_or(Value::Null),
            );
        }
    }
    let mut term = Map::new();
    for (k, t) in TERMINAL_TRANSITIONS {
        term.insert(k.as_str().into(), pairs(t));
    }
    json!({
        "operations": operations,
        "sim_transitions": sim,
        "terminal_transitions": term,
        "status_update_mode": modes,
    })
}
