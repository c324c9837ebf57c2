//! Product characteristics from the detail pane (seed: TMSP only): `c` opens a name/value form,
//! Enter asks for confirmation (focus on Cancel), and the change goes through the gate like every
//! carrier mutation — journaled, and tracked by a monitor when the carrier applies it later.
//! Where the support matrix says ✖ the key explains that and sends nothing.

use crate::domain::Characteristic;
use crate::domain::ProductId;
use crate::domain::capabilities::{Operation, supports};
use crate::engine::BackendError;
use crate::ui::app::{App, AttrForm, ConfirmFocus, FormMode, Overlay, Pending};
use crate::ui::apply::{open_detail, read_only_refusal};
use crate::ui::effect::Effect;
use crate::ui::msg::MsgResult;

/// `c` in the detail pane.
pub fn open(app: &mut App) -> Vec<Effect> {
    if app.read_only {
        app.set_error(&read_only_refusal("characteristics update"));
        return Vec::new();
    }
    let Some(detail) = &app.detail else {
        return Vec::new();
    };
    let id = detail.id.clone();
    if !supports(id.kind, Operation::UpdateCharacteristics) {
        let why = BackendError::not_supported(id.kind, Operation::UpdateCharacteristics);
        app.set_error(&why.to_string());
        return Vec::new();
    }
    let form = AttrForm::new(id, FormMode::Characteristic, "", "");
    app.overlays.push(Overlay::AttrForm(Box::new(form)));
    Vec::new()
}

/// The change the form describes, or why it cannot be asked for.
pub fn change_of(form: &AttrForm) -> Result<Characteristic, String> {
    let name = form.name.value().trim();
    let value = form.value.value();
    if name.is_empty() {
        return Err("the characteristic needs a name (e.g. productOffering)".into());
    }
    if let Some(c) = name.chars().chain(value.chars()).find(|c| c.is_control()) {
        return Err(format!(
            "control characters are not allowed (U+{:04X})",
            u32::from(c)
        ));
    }
    Ok(Characteristic::new(name, value))
}

/// Replace the submitted form by the confirmation of the change.
pub fn confirm(app: &mut App, product: ProductId, change: Characteristic) {
    app.overlays.pop();
    app.overlays.push(Overlay::Confirm {
        pending: Pending::Characteristic {
            id: product,
            change,
        },
        focus: ConfirmFocus::Cancel,
    });
}

/// The carrier's answer: said on the status line, and the open product re-read.
pub fn on_updated(app: &mut App, id: ProductId, result: MsgResult<Option<String>>) -> Vec<Effect> {
    app.end_work(&crate::ui::apply::work_key("characteristics", &id));
    match result {
        Ok(None) => app.set_info(&format!("{id}: characteristics updated")),
        Ok(Some(monitor)) => app.set_info(&format!(
            "{id}: characteristics change accepted, monitor {} (m shows it)",
            crate::text::sanitize(&monitor)
        )),
        Err(e) => {
            app.set_error(&format!(
                "{id}: characteristics update failed: {}",
                crate::text::sanitize(&e)
            ));
            return Vec::new();
        }
    }
    match &app.detail {
        Some(d) if d.id == id => vec![open_detail(app, id)],
        _ => Vec::new(),
    }
}
