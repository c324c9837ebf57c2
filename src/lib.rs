//! cmo-console: a terminal console for IoT connectivity products held on many carrier platforms.
//!
//! Layers (see `docs/architecture.md`): `domain` (types and the seed's tables), `backends`
//! (adapters behind `trait Backend`), `engine` (routing, limits, monitors, batches), `store`
//! (local SQLite), `ui` (the ratatui console), `cli` (headless commands), `export` (CSV of
//! product rows, for both), `sim` (carrier simulators, which know nothing of the rest), `redact`
//! (the one path every secret is scrubbed by before text leaves the process).

pub mod backends;
pub mod cli;
pub mod cmo_api;
pub mod config;
pub mod domain;
pub mod engine;
pub mod export;
pub mod paths;
pub mod redact;
pub mod serve;
pub mod sim;
pub mod store;
pub mod text;
pub mod ui;
