//! The command line (docs/cli.md): clap arguments, dispatch to the console or a headless
//! command, CMO-shaped JSON (§4.2) and aligned text output, exit codes, and file logging.
//!
//! `main.rs` only calls [`run::main`]. Commands call the engine and never an adapter.

pub mod args;
pub mod attrs;
pub mod audit;
pub mod backends;
pub mod batch;
pub mod change;
pub mod commands;
pub mod config_init;
pub mod confirm;
pub mod demo;
pub mod error;
pub mod ids_file;
pub mod info;
pub mod interrupt;
pub mod json;
pub mod json_quota;
pub mod list;
pub mod logging;
pub mod monitors;
pub mod network_session;
pub mod output;
pub mod run;
pub mod serve;
pub mod session;
pub mod shell;
pub mod simulate;
pub mod text;

pub use error::CliError;
