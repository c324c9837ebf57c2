//! The conformance suite: one set of checks that every platform adapter, and the CMO kind,
//! passes against its own simulator, driven by each platform's facts as data — the status
//! map (`domain/mapping.rs`), which identifiers its products carry, the transitions
//! (`domain/capabilities.rs`) and whether its SIMs name their plan. A platform's own test file (tests/*_adapter.rs) keeps only
//! what is peculiar to it. Also here: every id any simulator's listing shows opens.

use cmo::backends::{Backend, BackendError, PageRequest, registry};
use cmo::config::Config;
use cmo::domain::capabilities::{self, Operation, supports};
use cmo::domain::{BackendKind, BusinessId, ConnectivityType, ProductId, ProductSummary, mapping};
use cmo::engine::Engine;
use cmo::sim::{self, SimHandle, SimOptions};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// One row of facts per platform kind: what its listing must look like.
struct Facts {
    kind: BackendKind,
    /// The native status is a single value the status map normalizes (not a composite, not
    /// CMO's already normalized status).
    single_native: bool,
    /// Products of this kind may be satellite terminals (addressed by serial).
    terminals: bool,
    /// An opened SIM names its plan (rate plan, tariff, subscription package, service plan):
    /// the data connectivity's `communication_plan`.
    plans: bool,
}

const FACTS: [Facts; 11] = [
    Facts {
        kind: BackendKind::Tmsp,
        single_native: true,
        terminals: false,
        plans: true,
    },
    Facts {
        kind: BackendKind::Tmus,
        single_native: true,
        terminals: false,
        plans: true,
    },
    Facts {
        kind: BackendKind::Jasper,
        single_native: true,
        terminals: false,
        plans: true,
    },
    Facts {
        kind: BackendKind::Iota,
        single_native: true,
        terminals: false,
        plans: true,
    },
    Facts {
        kind: BackendKind::Airlinq,
        single_native: true,
        terminals: false,
        plans: true,
    },
    Facts {
        kind: BackendKind::OneNce,
        single_native: true,
        terminals: false,
        plans: false,
    },
    Facts {
        kind: BackendKind::Stc,
        single_native: true,
        terminals: false,
        plans: true,
    },
    Facts {
        kind: BackendKind::Turkcell,
        single_native: false,
        terminals: false,
        plans: true,
    },
    Facts {
        kind: BackendKind::Galaxy1,
        single_native: true,
        terminals: true,
        plans: false,
    },
    Facts {
        kind: BackendKind::Intelsat,
        single_native: false,
        terminals: true,
        plans: false,
    },
    Facts {
        kind: BackendKind::Cmo,
        single_native: false,
        terminals: true,
        plans: true,
    },
];

async fn simulators(size: usize) -> (SimHandle, Vec<Arc<dyn Backend>>) {
    let h = sim::start(SimOptions {
        size,
        async_delay: Duration::ZERO,
        ..SimOptions::default()
    })
    .await
    .expect("simulators start");
    let config = Config::from_toml_str(&h.config_toml_inline(), "sims").expect("config");
    let backends = registry::build(&config).expect("registry");
    (h, backends)
}

/// Every page, small pages so that paging itself is part of the check.
async fn list_every_page(b: &dyn Backend) -> Vec<ProductSummary> {
    let mut rows = Vec::new();
    let mut cursor = None;
    for _ in 0..1000 {
        let page = b
            .list_products(PageRequest {
                cursor,
                page_size: Some(4),
            })
            .await
            .unwrap_or_else(|e| panic!("{} lists: {e}", b.kind()));
        rows.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return rows,
        }
    }
    panic!("{} paging does not end", b.kind());
}

fn facts(kind: BackendKind) -> &'static Facts {
    FACTS
        .iter()
        .find(|f| f.kind == kind)
        .unwrap_or_else(|| panic!("no facts for {kind}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_platform_conforms_to_its_facts_and_every_listed_id_opens() {
    let (_h, backends) = simulators(6).await;
    let engine = Engine::new(backends.clone());
    let kinds: HashSet<BackendKind> = backends.iter().map(|b| b.kind()).collect();
    for f in &FACTS {
        assert!(kinds.contains(&f.kind), "no simulator for {}", f.kind);
    }
    for b in &backends {
        let kind = b.kind();
        let f = facts(kind);
        let rows = list_every_page(b.as_ref()).await;
        assert!(!rows.is_empty(), "{kind} lists products");

        let mut seen = HashSet::new();
        for row in &rows {
            // Identifiers: each id once, and it survives printing and parsing.
            assert!(seen.insert(row.id.clone()), "{kind} lists {} twice", row.id);
            let reparsed: ProductId = row
                .id
                .to_string()
                .parse()
                .unwrap_or_else(|e| panic!("{kind}: listed id {} does not parse: {e}", row.id));
            assert_eq!(reparsed, row.id, "{kind}");
            match (row.connectivity, row.id.business()) {
                (ConnectivityType::Cellular, BusinessId::Iccid(i)) => {
                    assert_eq!(
                        row.iccid.as_deref(),
                        Some(i.as_str()),
                        "{kind}: row's ICCID is its id"
                    );
                }
                (ConnectivityType::Satellite, BusinessId::Serial(_)) => {
                    assert!(f.terminals, "{kind} lists a terminal {}", row.id);
                }
                (c, b) => panic!("{kind}: a {c:?} product addressed by {b:?}"),
            }

            // Status map: the native value normalizes to the status shown.
            assert!(!row.status.native.is_empty(), "{kind}: empty native status");
            if f.single_native {
                assert_eq!(
                    mapping::normalize(kind, &row.status.native).status,
                    row.status.status,
                    "{kind}: native '{}'",
                    row.status.native
                );
            }

            // Transitions: every target the tables offer can be said in the platform's words.
            if f.single_native && row.connectivity == ConnectivityType::Cellular {
                for to in capabilities::sim_targets(kind, row.status.status) {
                    assert!(
                        mapping::native_for(kind, to).is_some(),
                        "{kind}: {to:?} is offered but has no native value"
                    );
                }
            }

            // Every listed id opens, as the same product in the same status.
            // Through the engine, as `products get` opens it: routed by the id alone.
            let p = engine
                .product(&row.id)
                .await
                .unwrap_or_else(|e| panic!("{kind}: listed {} does not open: {e}", row.id));
            assert_eq!(p.summary.id, row.id, "{kind}");
            assert_eq!(
                p.summary.status.status, row.status.status,
                "{kind} {}",
                row.id
            );
            assert_eq!(
                p.sim_card.is_some(),
                row.iccid.is_some(),
                "{kind} {}",
                row.id
            );

            // Plans: a platform that names a SIM's plan names it on every opened SIM; the
            // others name none.
            if row.connectivity == ConnectivityType::Cellular {
                let plan = p
                    .data_connectivity
                    .as_ref()
                    .and_then(|d| d.communication_plan.as_deref())
                    .filter(|n| !n.trim().is_empty());
                assert_eq!(plan.is_some(), f.plans, "{kind} {}: plan {plan:?}", row.id);
            }
        }

        // A lookup by business id finds the first listed product (mixed ICCID/serial lookups
        // are split by the engine on InvalidInput: tests/matrix_live.rs).
        if supports(kind, Operation::ProductsByBusinessId) {
            let first = rows[0].id.business();
            let (found, missing) = b.find(std::slice::from_ref(&first)).await.expect("find");
            assert_eq!((found.len(), missing.len()), (1, 0), "{kind} find");
        }
    }
}

#[tokio::test]
async fn the_wrong_kind_of_id_is_invalid_input_on_every_platform() {
    let (_h, backends) = simulators(3).await;
    let iccid = BusinessId::Iccid("8988228066612345678".parse().expect("iccid"));
    let serial = BusinessId::Serial("NO-SUCH-TERMINAL".parse().expect("serial"));
    for b in &backends {
        let kind = b.kind();
        // SIM platforms refuse a serial, INTELSAT (terminals only) an ICCID, before any
        // request; GALAXY1 and CMO hold both kinds and look either up.
        let wrong = if !facts(kind).terminals {
            &serial
        } else if kind == BackendKind::Intelsat {
            &iccid
        } else {
            continue;
        };
        let e = b.product(wrong).await.expect_err("the wrong kind of id");
        assert!(
            matches!(e, BackendError::InvalidInput(_)),
            "{kind} answers {wrong} with {e:?}, not InvalidInput"
        );
    }
}
