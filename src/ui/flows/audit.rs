//! The audit journal view: every mutation the gate recorded (time, operator, action, ids,
//! before → after, result), newest first, scrollable. Read through the store off the UI task.

use crate::engine::AuditEntry;
use crate::ui::action::Action;
use crate::ui::app::{App, Loadable, Screen};
use crate::ui::effect::Effect;
use crate::ui::msg::MsgResult;

/// Show the view and (re)load the journal under a new generation.
pub fn open(app: &mut App) -> Vec<Effect> {
    app.screen = Screen::Audit;
    app.audit.generation += 1;
    app.audit.entries = Loadable::Loading;
    app.audit.offset = 0;
    vec![Effect::LoadAudit {
        generation: app.audit.generation,
    }]
}

pub fn apply(app: &mut App, action: Action) -> Vec<Effect> {
    let len = match &app.audit.entries {
        Loadable::Ready(e) => e.len(),
        _ => 0,
    };
    let last = len.saturating_sub(1);
    let page = app.page_rows.max(1);
    let offset = &mut app.audit.offset;
    match action {
        Action::Up => *offset = offset.saturating_sub(1),
        Action::Down => *offset = (*offset + 1).min(last),
        Action::PageUp => *offset = offset.saturating_sub(page),
        Action::PageDown => *offset = (*offset + page).min(last),
        Action::Top => *offset = 0,
        Action::Bottom => *offset = last,
        Action::Refresh => return open(app),
        Action::Back => app.screen = Screen::Products,
        Action::Monitors => return crate::ui::flows::monitors::open(app),
        Action::Backends => return crate::ui::flows::backends::open(app),
        _ => app.dirty = false,
    }
    Vec::new()
}

/// The journal arrives oldest first; the view shows it newest first.
pub fn on_audit(app: &mut App, generation: u64, result: MsgResult<Vec<AuditEntry>>) {
    if generation != app.audit.generation {
        return;
    }
    app.audit.entries = match result {
        Ok(mut entries) => {
            entries.reverse();
            Loadable::Ready(entries)
        }
        Err(e) => Loadable::Failed(e),
    };
    app.dirty = true;
}
