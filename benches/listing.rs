//! Listing throughput against the simulators over real loopback HTTP, and the memory a large
//! product list costs. Run: `cargo bench --bench listing`.
//!
//! - `onence_full_listing`: 1,000 1NCE SIMs = 10 pages under the 10 requests/s organization
//!   limit; prints how many 429s the simulator answered (the budget is zero).
//! - `all_backends_parallel`: every demo backend listed at once; the total should be close to the
//!   slowest backend, not the sum.
//! - `summaries_1m`: building 1,000,000 product summaries (the allocation profiler reports bytes).

use cmo::backends::registry;
use cmo::config::Config;
use cmo::domain::health::HealthBoard;
use cmo::domain::{
    BackendKind, ConnectivityType, NativeStatus, ProductId, ProductSummary, RelatedParty, Status,
};
use cmo::engine::Engine;
use cmo::sim::{self, SimOptions};

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

async fn engine_over_sims(size: usize) -> (Engine, sim::SimHandle) {
    let handle = sim::start(SimOptions {
        size,
        ..SimOptions::default()
    })
    .await
    .expect("simulators start");
    let config =
        Config::from_toml_str(&handle.config_toml_inline(), "bench").expect("sim config parses");
    let health = HealthBoard::new();
    let backends = registry::build_with_health(&config, &health).expect("backends build");
    (Engine::with_health(backends, health), handle)
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn onence_full_listing(bencher: divan::Bencher) {
    let rt = runtime();
    let (engine, handle) = rt.block_on(engine_over_sims(1_000));
    let control = handle
        .platform("1NCE")
        .expect("1NCE simulator")
        .control
        .clone();
    let backend = engine
        .select(Some("1NCE"))
        .expect("1NCE configured")
        .remove(0);
    bencher.bench_local(|| {
        let rows = rt.block_on(engine.list_backend(&backend)).expect("listing");
        assert_eq!(rows.len(), 1_000);
    });
    eprintln!(
        "1NCE 429 answers during the benchmark: {}",
        control.rate_limited_total()
    );
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn all_backends_parallel(bencher: divan::Bencher) {
    let rt = runtime();
    let (engine, _handle) = rt.block_on(engine_over_sims(500));
    bencher.bench_local(|| {
        let lists = rt.block_on(engine.list_all(None)).expect("listing");
        for (account, rows) in lists {
            assert_eq!(rows.expect("backend lists").len(), 500, "{}", account.name);
        }
    });
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn summaries_1m() -> Vec<ProductSummary> {
    let party = RelatedParty {
        id: "59699".into(),
        name: "1nce-demo".into(),
    };
    (0..1_000_000u64)
        .map(|i| {
            let iccid = format!("8988228066{i:09}");
            ProductSummary {
                id: ProductId::new(BackendKind::OneNce, iccid.clone()),
                related_party: party.clone(),
                connectivity: ConnectivityType::Cellular,
                status: NativeStatus::new(Status::Active, "Enabled"),
                iccid: Some(iccid),
                imsi: Some(format!("90140510{i:07}")),
                msisdn: Some(format!("88228{i:08}")),
                serial: None,
                terminal_name: None,
                latitude: None,
                longitude: None,
                attrs: Vec::new(),
            }
        })
        .collect()
}
