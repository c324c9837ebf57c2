//! Every cell of the seed's tables, transcribed here independently of `src/domain`, checked
//! against the capability table and its JSON (`cmo capabilities --json`).

use cmo::domain::capabilities::{self, Operation, sim_change_allowed, supports};
use cmo::domain::mapping::{TurkcellBarrings, normalize, normalize_intelsat, normalize_turkcell};
use cmo::domain::{BackendKind, Status};

const COLUMNS: &str = "TMSP TMUS INTELSAT IOTA JASPER AIRLINQ 1NCE STC TURKCELL GALAXY1";

/// The seed's matrices, one line per operation, columns as in the seed.
const SEED_MATRIX: &str = "
list_products              ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔
product_details            ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔
products_by_business_id    ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔
sim_card_details           ✔ ✔ ✖ ✔ ✔ ✔ ✔ ✔ ✔ ✔
terminal_details           ✖ ✖ ✔ ✖ ✖ ✖ ✖ ✖ ✖ ✔
data_connectivity_details  ✔ ✔ ✖ ✔ ✔ ✔ ✔ ✔ ✔ ✖
usage                      ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔
change_sim_status          ✔ ✔ ✖ ✔ ✔ ✔ ✔ ✔ ✖ ✖
change_terminal_status     ✖ ✖ ✔ ✖ ✖ ✖ ✖ ✖ ✖ ✖
update_characteristics     ✔ ✖ ✖ ✖ ✖ ✖ ✖ ✖ ✖ ✖
custom_attributes_create   ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔
custom_attributes_retrieve ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔
custom_attributes_update   ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔
custom_attributes_delete   ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔
batch_update               ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔
monitor_status             ✔ ✖ ✔ ✖ ✖ ✔ ✖ ✔ ✖ ✔
monitor_cancel             ✔ ✖ ✖ ✖ ✖ ✖ ✖ ✖ ✖ ✖
";

/// The seed's SIM transitions: transition, then the backends that tick it.
const SEED_TRANSITIONS: &str = "
CREATED>ACTIVE            TMSP TMUS
PENDING_ACTIVE>ACTIVE     TMSP
ACTIVE>SUSPENDED          TMSP TMUS IOTA JASPER AIRLINQ 1NCE STC TURKCELL
SUSPENDED>ACTIVE          TMSP TMUS IOTA JASPER AIRLINQ 1NCE STC TURKCELL
PENDING_TERMINATE>ACTIVE  TMSP TMUS
ACTIVE>BLOCKED            TMSP
BLOCKED>ACTIVE            TMSP
ACTIVE>TERMINATED         TMSP TMUS
TERMINATED>ACTIVE         TMSP
";

const SEED_MODES: &str = "TMSP async TMUS sync INTELSAT async IOTA sync JASPER sync AIRLINQ async 1NCE sync STC async TURKCELL async GALAXY1 async";

fn kinds() -> Vec<BackendKind> {
    COLUMNS
        .split_whitespace()
        .map(|k| k.parse().unwrap())
        .collect()
}

#[test]
fn every_cell_of_the_support_matrix() {
    let json = capabilities::to_json(false);
    let mut cells = 0;
    for line in SEED_MATRIX.lines().filter(|l| !l.trim().is_empty()) {
        let mut parts = line.split_whitespace();
        let key = parts.next().unwrap();
        let op = Operation::ALL.into_iter().find(|o| o.key() == key).unwrap();
        for (kind, mark) in kinds().into_iter().zip(parts) {
            let want = mark == "✔";
            assert_eq!(supports(kind, op), want, "{key} for {kind}");
            assert_eq!(
                json["operations"][key][kind.as_str()],
                want,
                "JSON {key} {kind}"
            );
            cells += 1;
        }
    }
    assert_eq!(cells, 17 * 10);
    assert_eq!(json["operations"].as_object().unwrap().len(), 17);
    for op in json["operations"].as_object().unwrap().values() {
        assert_eq!(
            op.as_object().unwrap().len(),
            10,
            "exactly the ten seed backends"
        );
    }
}

#[test]
fn every_cell_of_the_transition_table() {
    let json = capabilities::to_json(false);
    let table: Vec<(Status, Status, Vec<BackendKind>)> = SEED_TRANSITIONS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.split_whitespace();
            let (from, to) = parts.next().unwrap().split_once('>').unwrap();
            let ks = parts.map(|k| k.parse().unwrap()).collect();
            (from.parse().unwrap(), to.parse().unwrap(), ks)
        })
        .collect();
    for kind in kinds() {
        let listed: Vec<(Status, Status)> = table
            .iter()
            .filter(|(_, _, ks)| ks.contains(&kind))
            .map(|(f, t, _)| (*f, *t))
            .collect();
        assert_eq!(
            capabilities::sim_transitions(kind),
            listed.as_slice(),
            "{kind}"
        );
        let in_json: Vec<(Status, Status)> = json["sim_transitions"][kind.as_str()]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p[0].as_str().unwrap().parse().unwrap(),
                    p[1].as_str().unwrap().parse().unwrap(),
                )
            })
            .collect();
        assert_eq!(in_json, listed, "JSON {kind}");
        // Every pair of statuses: allowed exactly when listed and the operation is ✔.
        for from in Status::ALL {
            for to in Status::ALL {
                let want =
                    listed.contains(&(from, to)) && supports(kind, Operation::ChangeSimStatus);
                assert_eq!(
                    sim_change_allowed(kind, from, to),
                    want,
                    "{kind} {from}->{to}"
                );
            }
        }
    }
    assert!(!sim_change_allowed(
        BackendKind::Turkcell,
        Status::Active,
        Status::Suspended
    ));
    assert_eq!(
        json["terminal_transitions"],
        serde_json::json!({"INTELSAT": [["ACTIVE","SUSPENDED"],["SUSPENDED","ACTIVE"]]})
    );
    for kind in kinds() {
        for from in Status::ALL {
            for to in Status::ALL {
                let want = kind == BackendKind::Intelsat
                    && matches!(
                        (from, to),
                        (Status::Active, Status::Suspended) | (Status::Suspended, Status::Active)
                    );
                assert_eq!(capabilities::terminal_change_allowed(kind, from, to), want);
            }
        }
    }
}

#[test]
fn status_update_modes() {
    let json = capabilities::to_json(false);
    let parts: Vec<&str> = SEED_MODES.split_whitespace().collect();
    for pair in parts.chunks(2) {
        assert_eq!(json["status_update_mode"][pair[0]], pair[1], "{}", pair[0]);
    }
    assert_eq!(json["status_update_mode"].as_object().unwrap().len(), 10);
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 4);
}

/// (backend, native, normalized) for every value of the seed's mapping tables.
const SEED_MAPPING: &[(&str, &str, &str)] = &[
    ("TMSP", "Ordered", "CREATED"),
    ("TMSP", "Ordered for Stock", "CREATED"),
    ("TMSP", "On Stock", "INVENTORY"),
    ("TMSP", "Delivered", "PENDING_ACTIVE"),
    ("TMSP", "Test", "ACTIVE"),
    ("TMSP", "Productive", "ACTIVE"),
    ("TMSP", "Suspended", "SUSPENDED"),
    ("TMSP", "Blocked(automatically)", "BLOCKED"),
    ("TMSP", "Blocked(manually)", "BLOCKED"),
    ("TMSP", "Blocked(by operator)", "BLOCKED"),
    ("TMSP", "Terminated", "TERMINATED"),
    ("TMSP", "Deleted", "DELETED"),
    ("TMSP", "Undefined", "UNKNOWN"),
    ("TMUS", "INVENTORY", "INVENTORY"),
    ("TMUS", "ACTIVATION_READY", "PENDING_ACTIVE"),
    ("TMUS", "ACTIVATED", "ACTIVE"),
    ("TMUS", "TEST_READY", "ACTIVE"),
    ("TMUS", "DEACTIVATED", "SUSPENDED"),
    ("TMUS", "RETIRED", "PENDING_TERMINATE"),
    ("TMUS", "PURGED", "TERMINATED"),
    ("JASPER", "INVENTORY", "INVENTORY"),
    ("JASPER", "ACTIVATION_READY", "PENDING_ACTIVE"),
    ("JASPER", "ACTIVATED", "ACTIVE"),
    ("JASPER", "TEST_READY", "ACTIVE"),
    ("JASPER", "DEACTIVATED", "SUSPENDED"),
    ("JASPER", "RETIRED", "PENDING_TERMINATE"),
    ("JASPER", "PURGED", "TERMINATED"),
    ("IOTA", "ACTIVE_NO_BILLING", "PENDING_ACTIVE"),
    ("IOTA", "ACTIVE", "ACTIVE"),
    ("IOTA", "DEACTIVATED", "SUSPENDED"),
    ("IOTA", "DEACTIVATED_NO_BILLING", "PENDING_TERMINATE"),
    ("IOTA", "TERMINATED", "TERMINATED"),
    ("AIRLINQ", "TEST", "CREATED"),
    ("AIRLINQ", "READY", "PENDING_ACTIVE"),
    ("AIRLINQ", "ACTIVE", "ACTIVE"),
    ("AIRLINQ", "SUSPEND", "SUSPENDED"),
    ("1NCE", "Enabled", "ACTIVE"),
    ("1NCE", "Disabled", "SUSPENDED"),
    ("STC", "INACTIVE", "PENDING_ACTIVE"),
    ("STC", "ACTIVE", "ACTIVE"),
    ("STC", "SUSPENDED", "SUSPENDED"),
    ("STC", "BLOCKED", "BLOCKED"),
    ("STC", "TERMINATED", "TERMINATED"),
];

#[test]
fn every_native_value_of_the_mapping_tables() {
    for (kind, native, want) in SEED_MAPPING {
        let kind: BackendKind = kind.parse().unwrap();
        let got = normalize(kind, native);
        assert_eq!(
            got.status,
            want.parse::<Status>().unwrap(),
            "{kind} {native}"
        );
        assert_eq!(got.native, *native);
    }
    // Unknown values keep their raw text.
    let odd = normalize(BackendKind::Jasper, "REPLACED");
    assert_eq!(
        (odd.status, odd.native.as_str()),
        (Status::Unknown, "REPLACED")
    );
    assert_eq!(
        normalize(BackendKind::OneNce, "Exploded").status,
        Status::Unknown
    );
}

#[test]
fn turkcell_composite() {
    let none = TurkcellBarrings::default();
    assert_eq!(normalize_turkcell("a", none).status, Status::Active);
    for i in 0..5 {
        let mut b = TurkcellBarrings::default();
        match i {
            0 => b.in_sms = true,
            1 => b.out_sms = true,
            2 => b.in_calls = true,
            3 => b.out_calls = true,
            _ => b.data = true,
        }
        assert_eq!(
            normalize_turkcell("a", b).status,
            Status::Suspended,
            "flag {i}"
        );
        assert_eq!(normalize_turkcell("d", b).status, Status::Terminated);
    }
    let all = TurkcellBarrings {
        in_sms: true,
        out_sms: true,
        in_calls: true,
        out_calls: true,
        data: true,
    };
    assert_eq!(normalize_turkcell("a", all).status, Status::Suspended);
    assert_eq!(normalize_turkcell("d", none).status, Status::Terminated);
    let odd = normalize_turkcell("x", none);
    assert_eq!(odd.status, Status::Unknown);
    assert!(odd.native.starts_with('x'));
}

#[test]
fn intelsat_composite() {
    let cases = [
        ("new", None, true, Status::Created),
        ("new", None, false, Status::PendingActive),
        ("active", Some("online"), false, Status::Active),
        ("active", Some("suspended"), false, Status::Suspended),
        ("suspended", None, false, Status::Suspended),
        ("suspended", Some("offline"), false, Status::Suspended),
        ("active", Some("offline"), false, Status::Blocked),
        ("cancelation", None, false, Status::PendingTerminate),
        ("ended", None, false, Status::Terminated),
        ("active", Some("rebooting"), false, Status::Unknown),
        ("archived", None, false, Status::Unknown),
    ];
    for (contract, terminal, allowed, want) in cases {
        assert_eq!(
            normalize_intelsat(contract, terminal, allowed).status,
            want,
            "{contract}/{terminal:?}"
        );
    }
}
