//! Copy to the clipboard: `y` the selected product's id, `Y` its ICCID or serial. The runtime
//! writes an OSC 52 sequence (works over SSH, and inside tmux with `set -g set-clipboard on`);
//! the status line says what was copied.

use crate::ui::action::Action;
use crate::ui::app::{App, Row};
use crate::ui::effect::Effect;

pub fn copy(app: &mut App, action: Action) -> Vec<Effect> {
    let summary = match (&app.detail, app.selected_row()) {
        (Some(d), _) => app.row(&d.id).map(Row::summary),
        (None, Some(row)) => Some(row.summary()),
        (None, None) => None,
    };
    let Some(s) = summary else {
        app.set_error("nothing to copy: no product is selected");
        return Vec::new();
    };
    let (what, text) = match action {
        Action::CopyBusinessId => match (&s.iccid, &s.serial) {
            (Some(iccid), _) => ("ICCID", iccid.clone()),
            (None, Some(serial)) => ("serial", serial.clone()),
            (None, None) => ("business id", s.id.business_id.clone()),
        },
        _ => ("id", s.id.to_string()),
    };
    let text = crate::text::sanitize(&text);
    app.set_info(&format!("copied {what} {text} to the clipboard"));
    vec![Effect::Copy { text }]
}
