//! The command line (design.md §4.1): clap arguments, dispatch to the console or a headless
//! command, CMO-shaped JSON (§4.2) and aligned text output, exit codes, and file logging.
//!
//! `main.rs` only calls [`run::main`]. Commands call the engine and never an adapter.

pub mod args;
pub mod commands;
pub mod demo;
pub mod error;
pub mod json;
pub mod list;
pub mod logging;
pub mod output;
pub mod run;
pub mod simulate;
pub mod text;

pub use error::CliError;
