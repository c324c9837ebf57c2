//! Issue 13's "one of each", checked from outside the crate: one health board that the HTTP
//! layer and the engine record into and listeners are pushed from; only the gate mutates; one
//! monitor tracker for the console's poller and the CLI's `--wait`. Simulators run in-process
//! on loopback port 0.

use cmo::backends::registry;
use cmo::config::Config;
use cmo::domain::health::{Health, HealthBoard};
use cmo::engine::Engine;
use cmo::sim::{self, SimHandle, SimOptions};

async fn simulators(size: usize) -> SimHandle {
    sim::start(SimOptions {
        size,
        seed: 13,
        ..SimOptions::default()
    })
    .await
    .expect("simulators start")
}

/// An engine over the 1NCE simulator whose adapters record into `health`.
fn onence_engine(sim: &SimHandle, health: &std::sync::Arc<HealthBoard>) -> Engine {
    let p = sim.platform("1NCE").expect("1NCE simulator");
    let text = format!(
        "[[backend]]\nname = \"{}\"\nkind = \"1NCE\"\nbase_url = \"{}\"\naccount_id = \"{}\"\n[backend.auth]\nusername = \"{}\"\nsecret = \"{}\"\n",
        p.name, p.base_url, p.account_id, p.username, p.secret
    );
    let config = Config::from_toml_str(&text, "test").expect("config");
    let backends = registry::build_with_health(&config, health).expect("registry");
    Engine::with_health(backends, health.clone())
}

#[tokio::test]
async fn the_wire_and_the_engine_record_into_the_one_board_listeners_hear() {
    let sim = simulators(30).await;
    let health = HealthBoard::new();
    let engine = onence_engine(&sim, &health);
    let name = engine.accounts()[0].name.clone();
    let mut changes = engine.health().subscribe();
    assert!(std::sync::Arc::ptr_eq(engine.health(), &health));
    assert_eq!(engine.health().entry(&name).health, Health::Unknown);

    // Two 429s the HTTP policy absorbs: the routed call succeeds, yet the account shows what
    // the wire saw, and the listener was told without asking.
    sim.platform("1NCE").unwrap().control.force_429_for(2);
    let listed = engine.list_all(None).await.expect("selected");
    assert_eq!(listed[0].1.as_ref().map(Vec::len).ok(), Some(30));
    assert!(changes.has_changed().expect("board alive"));
    changes.borrow_and_update();
    let shown = engine.health().entry(&name);
    assert_eq!(shown.health, Health::RateLimited);
    assert!(shown.last_latency_ms.is_some());
    assert_eq!(engine.health().entries([name.as_str()]), vec![shown]);

    // Nothing happens, nothing is pushed.
    assert!(!changes.has_changed().expect("board alive"));
}

mod tracker {
    use cmo::backends::memory::MemoryBackend;
    use cmo::backends::{Backend, BackendError, ChangeOutcome, Guarded};
    use cmo::domain::{BackendKind, MonitorState, ProductId, Status};
    use cmo::engine::tracker::Step;
    use cmo::engine::{Engine, Gate, GateError};
    use cmo::store::{Operator, StoreHandle};
    use std::sync::Arc;

    async fn gate_over(tmsp: &Arc<MemoryBackend>) -> (Gate, StoreHandle, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
        let guarded = Arc::new(Guarded::new(tmsp.clone() as Arc<dyn Backend>)) as Arc<dyn Backend>;
        let operator = Operator::from_vars(Some("noc-test"), None, None);
        let gate = Gate::new(Engine::new(vec![guarded]), store.clone(), operator);
        (gate, store, dir)
    }

    #[tokio::test]
    async fn the_cli_follows_a_monitor_with_the_tracker_and_its_final_state_is_journaled_once() {
        let tmsp =
            Arc::new(MemoryBackend::generate("tmsp", BackendKind::Tmsp, 2).with_async_changes(2));
        let (gate, store, _dir) = gate_over(&tmsp).await;
        let id = ProductId::new(BackendKind::Tmsp, "8988228066000000000".to_string());
        let ChangeOutcome::Pending(monitor) =
            gate.change_status(&id, Status::Suspended).await.unwrap()
        else {
            panic!("TMSP changes are asynchronous here");
        };
        let journaled = store.audit_since(None).await.unwrap().len();

        let mut seen = Vec::new();
        let last = gate
            .follow_monitor(monitor.clone(), |step| {
                if let Step::Changed { before, now } = step {
                    seen.push((before.state, now.state));
                }
            })
            .await
            .unwrap();
        assert_eq!(last.state, MonitorState::Completed);
        assert_eq!(seen, [(MonitorState::InProgress, MonitorState::Completed)]);
        assert_eq!(last.request, monitor.request, "merged with what was known");
        assert_eq!(store.monitor_get(&monitor.id).await.unwrap(), last);
        let after = store.audit_since(None).await.unwrap();
        assert_eq!(after.len(), journaled + 1, "the final outcome journaled");

        // A second observer of the same final monitor journals nothing more.
        let again = gate.follow_monitor(last.clone(), |_| {}).await.unwrap();
        assert_eq!(again.state, MonitorState::Completed);
        assert_eq!(store.audit_since(None).await.unwrap().len(), after.len());
    }

    #[tokio::test]
    async fn a_monitor_the_carrier_cannot_answer_for_ends_the_follow_with_its_error() {
        let tmsp =
            Arc::new(MemoryBackend::generate("tmsp", BackendKind::Tmsp, 1).with_async_changes(1));
        let (gate, store, _dir) = gate_over(&tmsp).await;
        let unknown = cmo::domain::Monitor {
            id: "TMSP-8988228066000000000-404".into(),
            kind: BackendKind::Tmsp,
            backend: "tmsp".into(),
            product_id: None,
            request: "status".into(),
            state: MonitorState::InProgress,
            status_code: None,
            detail: None,
            created: "2026-01-01T00:00:00Z".into(),
            updated: None,
        };
        let err = gate.follow_monitor(unknown, |_| {}).await.unwrap_err();
        assert!(
            matches!(err, GateError::Backend(BackendError::NotFound { .. })),
            "{err}"
        );
        assert!(store.monitors_list().await.unwrap().is_empty());
    }
}
