//! Two uses. Without `--size`: the console over two in-memory backends (a few hundred
//! products), for trying the UI without carriers: `cargo run --example ui_memory [-- THEME
//! [--read-only]]`. The local store (monitors, attributes, audit, product cache) lives in a
//! temporary directory removed at exit.
//!
//! With `--size N`: what the console's data path costs in memory holding N products
//! (docs/performance.md), `cargo run --release --example ui_memory -- --size 1000000`. Two
//! fresh processes, each printing its steady RSS (VmRSS once loaded) and its peak (VmHWM):
//! - `listing`: N synthetic rows arrive as listing pages of 1,000 over eleven accounts, fed to
//!   the console's `update` exactly as the engine's stream would, and the cache effects they
//!   yield are written to a real store (pages staged, then committed);
//! - `cache`: the console started on that store: the cache streamed in by `Effect::LoadCache`,
//!   chunk by chunk through `update`, as at start-up.

use cmo::backends::memory::MemoryBackend;
use cmo::backends::{Backend, Guarded};
use cmo::domain::{
    BackendKind, ConnectivityType, CustomAttribute, NativeStatus, ProductId, ProductSummary,
    RelatedParty, Status,
};
use cmo::engine::{Engine, Gate, ListEvent};
use cmo::store::{Operator, StoreHandle};
use cmo::ui::app::App;
use cmo::ui::effect::Effect;
use cmo::ui::effects::EffectRunner;
use cmo::ui::msg::Msg;
use cmo::ui::update::update;
use cmo::ui::{SessionSettings, UiOptions, UiSession, run};
use std::path::PathBuf;
use std::sync::Arc;

type Error = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let Some(size) = value("--size") else {
        return console(&args).await;
    };
    let size: usize = size.parse()?;
    match (value("--path"), value("--data")) {
        (Some(path), Some(data)) => measure(&path, size, PathBuf::from(data)).await,
        _ => {
            // Each path in its own process, so one's peak does not hide in the other's.
            let data = tempfile::tempdir()?;
            let me = std::env::current_exe()?;
            for path in ["listing", "cache"] {
                let status = std::process::Command::new(&me)
                    .args(["--size", &size.to_string(), "--path", path, "--data"])
                    .arg(data.path())
                    .status()?;
                if !status.success() {
                    return Err(format!("the {path} measurement failed ({status})").into());
                }
            }
            Ok(())
        }
    }
}

const ACCOUNTS: usize = 11;
const PAGE: usize = 1_000;

fn account(a: usize) -> String {
    let kind = BackendKind::ALL[a % BackendKind::ALL.len()];
    format!("{}-{}", kind.as_str().to_ascii_lowercase(), a)
}

/// Row `i`, held by account `i % ACCOUNTS`: identifiers of real lengths, a status mix, a few
/// custom attributes (the fleet of `benches/filter.rs`).
fn row(i: usize) -> ProductSummary {
    let a = i % ACCOUNTS;
    let kind = BackendKind::ALL[a % BackendKind::ALL.len()];
    let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    let (status, native) = match h % 100 {
        0..80 => (Status::Active, "Activated"),
        80..88 => (Status::Suspended, "Suspended"),
        88..93 => (Status::Blocked, "Blocked by operator"),
        _ => (Status::Inventory, "Test ready"),
    };
    let satellite = matches!(kind, BackendKind::Intelsat | BackendKind::Galaxy1);
    let business = if satellite {
        format!("SN-{i:07}")
    } else {
        format!("8949{i:015}")
    };
    ProductSummary {
        id: ProductId::new(kind, business.clone()),
        related_party: RelatedParty {
            id: format!("ACC-{a}"),
            name: account(a),
        },
        connectivity: if satellite {
            ConnectivityType::Satellite
        } else {
            ConnectivityType::Cellular
        },
        status: NativeStatus::new(status, native),
        iccid: (!satellite).then(|| business.clone()),
        imsi: (!satellite).then(|| format!("26201{i:010}")),
        msisdn: (!satellite).then(|| format!("4917{i:08}")),
        serial: satellite.then(|| business.clone()),
        terminal_name: satellite.then(|| format!("Vessel {}", i % 5000)),
        latitude: satellite.then_some(53.5),
        longitude: satellite.then_some(9.9),
        attrs: if h % 100 == 7 {
            vec![CustomAttribute {
                name: "ticket".into(),
                value: format!("INC-{}", i % 10_000),
            }]
        } else {
            Vec::new()
        },
    }
}

/// VmRSS and VmHWM of this process, in MiB.
fn rss() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

async fn measure(path: &str, size: usize, data: PathBuf) -> Result<(), Error> {
    let store = StoreHandle::open(data).await?;
    let accounts: Vec<(String, String)> = (0..ACCOUNTS)
        .map(|a| {
            let kind = BackendKind::ALL[a % BackendKind::ALL.len()];
            (account(a), kind.as_str().to_string())
        })
        .collect();
    let engine = Engine::new(Vec::new());
    let gate = Gate::new(engine.clone(), store.clone(), Operator::from_env());
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let mut runner = EffectRunner::new(engine, gate, cmo::engine::LocalData::new(store), tx);
    let mut app = App::new(accounts, Vec::new(), false);
    let (before, _) = rss();
    let started = std::time::Instant::now();
    match path {
        "listing" => {
            let Effect::LoadProducts { generation } = cmo::ui::apply::relist(&mut app) else {
                return Err("relist did not start a listing".into());
            };
            // Every account lists in parallel: pages arrive interleaved.
            let per_account = size.div_ceil(ACCOUNTS);
            for page in 0..per_account.div_ceil(PAGE) {
                for a in 0..ACCOUNTS {
                    let items: Vec<ProductSummary> = (page * PAGE
                        ..((page + 1) * PAGE).min(per_account))
                        .map(|k| k * ACCOUNTS + a)
                        .filter(|&i| i < size)
                        .map(row)
                        .collect();
                    if items.is_empty() {
                        continue;
                    }
                    let event = ListEvent::Page {
                        backend: account(a),
                        items,
                        total: None,
                    };
                    for effect in update(&mut app, Msg::List { generation, event }) {
                        runner.run(effect);
                    }
                }
                // The store keeps up with the listing, as it does against paced carriers.
                runner.cache_written().await;
            }
            for a in 0..ACCOUNTS {
                let event = ListEvent::Done {
                    backend: account(a),
                    result: Ok(()),
                };
                for effect in update(&mut app, Msg::List { generation, event }) {
                    runner.run(effect);
                }
            }
            runner.cache_written().await;
        }
        "cache" => {
            runner.run(Effect::LoadCache);
            while app.rows.len() < size {
                let Some(msg) = rx.recv().await else { break };
                update(&mut app, msg);
            }
        }
        other => return Err(format!("unknown path {other}: listing or cache").into()),
    }
    let took = started.elapsed();
    let (steady, peak) = rss();
    println!(
        "{path:8} {} rows held in {:.1} s: steady {steady:.0} MiB, peak {peak:.0} MiB (process before loading: {before:.0} MiB)",
        app.rows.len(),
        took.as_secs_f64(),
    );
    Ok(())
}

async fn console(args: &[String]) -> Result<(), Error> {
    let theme = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| "default".into());
    let read_only = args.iter().any(|a| a == "--read-only");
    let backends: Vec<Arc<dyn Backend>> = vec![
        Arc::new(MemoryBackend::generate(
            "onence-a",
            BackendKind::OneNce,
            300,
        )),
        Arc::new(MemoryBackend::generate("tmsp-eu", BackendKind::Tmsp, 120)),
        Arc::new(MemoryBackend::generate(
            "intelsat",
            BackendKind::Intelsat,
            40,
        )),
    ];
    let engine = Engine::new(
        backends
            .into_iter()
            .map(|b| Arc::new(Guarded::new(b)) as Arc<dyn Backend>)
            .collect(),
    );
    let opts = UiOptions {
        theme,
        themes_dir: None,
        mouse: true,
        refresh_interval: None,
        read_only,
        cached: Vec::new(),
    };
    let data = tempfile::tempdir()?;
    let settings = SessionSettings {
        store: data.path().to_path_buf().into(),
        read_only,
        max_batch: cmo::engine::gate::DEFAULT_MAX_BATCH,
        monitor_retention: cmo::store::DEFAULT_MONITOR_RETENTION,
        usage_retention: cmo::store::DEFAULT_USAGE_RETENTION,
        operator: Operator::from_env(),
    };
    run(UiSession::start(engine, settings).await?, opts).await?;
    Ok(())
}
