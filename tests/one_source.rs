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
