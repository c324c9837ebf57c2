//! The console UI (ratatui). Only the UI task touches [`app::App`]; keys become
//! [`action::Action`]s through the [`keymap`], [`apply::apply`] and [`update::update`] fold actions
//! and results ([`msg::Msg`]) into the state and return [`effect::Effect`]s, which
//! [`effects`] runs as tokio tasks against the engine, the gate and the store of a
//! [`UiSession`] (built in `engine::session`); [`flows`] holds the monitors, attributes, batch and audit flows. [`panes`] draws a frame as a pure
//! function of the state; [`runtime`] ties it together. See `docs/architecture.md` (UI).

pub mod action;
pub mod app;
pub mod apply;
pub mod backend;
pub mod columns;
pub mod commands;
pub mod effect;
pub mod effects;
mod effects_usage;
pub mod flows;
pub mod keymap;
pub mod messages;
pub mod mouse;
pub mod msg;
pub mod overlay;
pub mod panes;
pub mod row;
pub mod runtime;
pub mod shared_names;
pub mod signals;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod usage_levels;
pub mod view;

pub use crate::engine::{SessionSettings, UiSession};
pub use runtime::{Ended, UiError, UiOptions, run};

#[cfg(test)]
mod tests;
