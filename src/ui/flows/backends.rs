//! The backends view: every configured account with its health, last latency, listing state,
//! products loaded and the last error — where an operator sees *why* a backend is down. The
//! data is already in `App::backends` (health from the engine's board, listing from the
//! listing events), so opening it costs nothing.

use crate::ui::action::Action;
use crate::ui::app::{App, Screen};
use crate::ui::effect::Effect;

pub fn open(app: &mut App) -> Vec<Effect> {
    app.screen = Screen::Backends;
    // Each account's known daily use, from the local history (no carrier call).
    let accounts = app.backends.iter().map(|b| b.name.clone()).collect();
    vec![Effect::LoadAccountUsage { accounts }]
}

pub fn apply(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Refresh => crate::ui::apply::refresh(app),
        Action::Back => {
            app.screen = Screen::Products;
            Vec::new()
        }
        Action::Monitors => crate::ui::flows::monitors::open(app),
        Action::Audit => crate::ui::flows::audit::open(app),
        _ => {
            app.dirty = false;
            Vec::new()
        }
    }
}
