//! The console over two in-memory backends (a few hundred products), for trying the UI without
//! carriers: `cargo run --example ui_memory [-- THEME [--read-only]]`. The local store (monitors,
//! attributes, audit, product cache) lives in a temporary directory removed at exit.

use cmo::backends::memory::MemoryBackend;
use cmo::backends::{Backend, Guarded};
use cmo::domain::BackendKind;
use cmo::engine::Engine;
use cmo::store::Operator;
use cmo::ui::{SessionSettings, UiOptions, UiSession, run};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
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
        data_dir: data.path().to_path_buf(),
        read_only,
        max_batch: cmo::engine::gate::DEFAULT_MAX_BATCH,
        monitor_retention: cmo::store::DEFAULT_MONITOR_RETENTION,
        operator: Operator::from_env(),
    };
    run(UiSession::start(engine, settings).await?, opts).await?;
    Ok(())
}
