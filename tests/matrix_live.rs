//! The support matrix against every simulator at once, through the backends a configuration
//! builds (the registry, each adapter behind the capability guard): every ✔ operation reaches
//! the platform and works, every ✖ one is refused as not supported (exit 3) without a single
//! request. Custom attributes and batches are the gate's and the engine's (tests/gate.rs,
//! tests/cmo_attrs.rs, tests/engine_routing.rs); every other cell of the seed's matrix is here.
//! Also: a lookup by business id across every platform, with ICCIDs and serials mixed.

use cmo::backends::{Backend, BackendError, ChangeOutcome, PageRequest, registry};
use cmo::config::Config;
use cmo::domain::capabilities::{self, Operation, supports};
use cmo::domain::{
    BackendKind, BusinessId, Characteristic, ConnectivityType, ProductSummary, Status,
};
use cmo::sim::{self, SimHandle, SimOptions};
use std::sync::Arc;
use std::time::Duration;

fn requests(h: &SimHandle, kind: BackendKind) -> u64 {
    h.platform(kind.as_str())
        .expect("simulated")
        .control
        .requests_total()
}

/// A product of this backend whose status allows a change, if the backend changes statuses;
/// else the first one.
fn pick(kind: BackendKind, rows: &[ProductSummary]) -> &ProductSummary {
    rows.iter()
        .find(|s| !targets(kind, s).is_empty())
        .unwrap_or(&rows[0])
}

fn targets(kind: BackendKind, s: &ProductSummary) -> Vec<Status> {
    match s.connectivity {
        ConnectivityType::Satellite => capabilities::terminal_targets(kind, s.status.status),
        ConnectivityType::Cellular => capabilities::sim_targets(kind, s.status.status),
    }
}

fn assert_refused<T: std::fmt::Debug>(
    kind: BackendKind,
    op: Operation,
    r: Result<T, BackendError>,
) {
    match r {
        Err(e @ BackendError::NotSupported { .. }) => assert_eq!(e.exit_code(), 3),
        other => panic!("{kind} {op:?} is ✖ but answered {other:?}"),
    }
}

fn assert_reached<T: std::fmt::Debug>(
    kind: BackendKind,
    op: Operation,
    r: &Result<T, BackendError>,
) {
    if let Err(e @ BackendError::NotSupported { .. }) = r {
        panic!("{kind} {op:?} is ✔ but was refused: {e}");
    }
}

#[tokio::test]
async fn every_seed_cell_holds_against_the_simulators() {
    let h = sim::start(SimOptions {
        size: 30,
        async_delay: Duration::ZERO,
        ..SimOptions::default()
    })
    .await
    .expect("simulators start");
    let config = Config::from_toml_str(&h.config_toml_inline(), "sims").expect("config");
    let backends: Vec<Arc<dyn Backend>> = registry::build(&config).expect("registry");
    let mut checked = 0;
    for backend in backends.iter().filter(|b| b.kind() != BackendKind::Cmo) {
        let kind = backend.kind();
        let rows = backend
            .list_products(PageRequest {
                cursor: None,
                page_size: Some(30),
            })
            .await
            .unwrap_or_else(|e| panic!("{kind} lists: {e}"))
            .items;
        assert!(!rows.is_empty(), "{kind} lists products");
        let row = pick(kind, &rows);
        let id: BusinessId = row.id.business();
        let from = row.status.status;
        let to = targets(kind, row)
            .first()
            .copied()
            .unwrap_or(Status::Suspended);
        let mut monitor_id = format!("{}-no-such-request", kind.as_str());

        for op in Operation::ALL {
            let before = requests(&h, kind);
            let ok = supports(kind, op);
            match op {
                Operation::ListProducts => {
                    // Listed above, on the first page.
                }
                Operation::ProductDetails => {
                    let p = backend.product(&id).await;
                    assert!(p.is_ok(), "{kind} product: {p:?}");
                }
                Operation::ProductsByBusinessId => {
                    let (found, missing) =
                        backend.find(std::slice::from_ref(&id)).await.expect("find");
                    assert_eq!((found.len(), missing.len()), (1, 0), "{kind} find");
                }
                Operation::SimCardDetails if ok => {
                    let r = backend.sim_card(&id).await;
                    assert!(r.is_ok(), "{kind} sim card: {r:?}");
                }
                Operation::SimCardDetails => assert_refused(kind, op, backend.sim_card(&id).await),
                Operation::TerminalDetails if ok => {
                    let r = backend.terminal(&id).await;
                    assert!(r.is_ok(), "{kind} terminal: {r:?}");
                }
                Operation::TerminalDetails => assert_refused(kind, op, backend.terminal(&id).await),
                Operation::DataConnectivityDetails if ok => {
                    let r = backend.data_connectivity(&id).await;
                    assert!(r.is_ok(), "{kind} connectivity: {r:?}");
                }
                Operation::DataConnectivityDetails => {
                    assert_refused(kind, op, backend.data_connectivity(&id).await)
                }
                Operation::Usage => {
                    let r = backend.usage(&id).await;
                    assert!(r.is_ok(), "{kind} usage: {r:?}");
                }
                Operation::ChangeSimStatus | Operation::ChangeTerminalStatus => {
                    let terminal = op == Operation::ChangeTerminalStatus;
                    let r = if terminal {
                        backend.change_terminal_status(&id, from, to).await
                    } else {
                        backend.change_sim_status(&id, from, to).await
                    };
                    let applies = (row.connectivity == ConnectivityType::Satellite) == terminal;
                    if !ok {
                        assert_refused(kind, op, r);
                    } else if applies {
                        match r {
                            Ok(ChangeOutcome::Pending(m)) => monitor_id = m.id,
                            Ok(ChangeOutcome::Done { .. }) => {}
                            Err(e) => panic!("{kind} {op:?} {from} → {to}: {e}"),
                        }
                    } else {
                        assert_reached(kind, op, &r);
                    }
                }
                Operation::UpdateCharacteristics => {
                    let changes = [Characteristic::new("relatedParty", "Harbour Cranes")];
                    let r = backend.update_characteristics(&id, &changes).await;
                    if ok {
                        assert_reached(kind, op, &r);
                    } else {
                        assert_refused(kind, op, r);
                    }
                }
                Operation::MonitorStatus if ok => {
                    assert_reached(kind, op, &backend.monitor(&monitor_id).await)
                }
                Operation::MonitorStatus => {
                    assert_refused(kind, op, backend.monitor(&monitor_id).await)
                }
                Operation::MonitorCancel if ok => {
                    assert_reached(kind, op, &backend.cancel_monitor(&monitor_id).await)
                }
                Operation::MonitorCancel => {
                    assert_refused(kind, op, backend.cancel_monitor(&monitor_id).await)
                }
                Operation::CustomAttributesCreate
                | Operation::CustomAttributesRetrieve
                | Operation::CustomAttributesUpdate
                | Operation::CustomAttributesDelete
                | Operation::BatchUpdate => continue,
            }
            if !ok {
                assert_eq!(
                    requests(&h, kind),
                    before,
                    "{kind} {op:?} is ✖: nothing may reach the platform"
                );
            }
            checked += 1;
        }
    }
    // Ten backends (TMUS and JASPER are separate accounts), twelve backend operations each.
    assert_eq!(checked, 10 * 12);
}

#[tokio::test]
async fn a_lookup_mixing_iccids_and_serials_finds_each_where_it_lives() {
    let h = sim::start(SimOptions {
        size: 5,
        ..SimOptions::default()
    })
    .await
    .expect("simulators start");
    let config = Config::from_toml_str(&h.config_toml_inline(), "sims").expect("config");
    let engine = cmo::engine::Engine::new(registry::build(&config).expect("registry"));
    let first = |kind: &str| {
        let engine = engine.clone();
        let kind = kind.to_string();
        async move {
            engine.list_all(Some(&kind)).await.expect("list")[0]
                .1
                .as_ref()
                .expect("listed")[0]
                .id
                .business()
        }
    };
    let sim_card = first("1NCE").await;
    let terminal = first("INTELSAT").await;
    let nowhere: BusinessId = BusinessId::Iccid("8988228066612345678".parse().unwrap());
    // Satellite platforms refuse ICCIDs as bad input: that means "not here", not a failure.
    let (found, missing) = engine
        .find(&[sim_card.clone(), terminal.clone(), nowhere.clone()])
        .await;
    let ids: Vec<_> = found.iter().map(|p| p.summary.id.business()).collect();
    assert!(
        ids.contains(&sim_card) && ids.contains(&terminal),
        "{ids:?}"
    );
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0].0, nowhere);
    assert_eq!(missing[0].1.exit_code(), 4, "{}", missing[0].1);
}
