//! Custom attributes of the open product (local store, through the gate): `a` adds, `e` edits
//! the selected value, `R` renames, `d` deletes after a confirmation focused on Cancel. The form
//! validates with the domain's own rules before anything is sent, so a bad name or value is
//! explained in the form; a refusal by the store comes back on the status line.

use crate::domain::CustomAttribute;
use crate::domain::ProductId;
use crate::domain::attrs::validate_name;
use crate::engine::AttrChange;
use crate::ui::action::Action;
use crate::ui::app::{App, AttrForm, ConfirmFocus, FormMode, Loadable, Overlay, Pending};
use crate::ui::apply::read_only_refusal;
use crate::ui::effect::Effect;
use crate::ui::msg::MsgResult;

/// Detail-pane actions on attributes; `None` lets the pane handle the action.
pub fn apply_detail(app: &mut App, action: Action) -> Option<Vec<Effect>> {
    let detail = app.detail.as_mut()?;
    let count = match &detail.attrs {
        Loadable::Ready(list) => list.len(),
        _ => 0,
    };
    match action {
        Action::Up => detail.attr_selected = detail.attr_selected.saturating_sub(1),
        Action::Down => {
            detail.attr_selected = (detail.attr_selected + 1).min(count.saturating_sub(1));
        }
        Action::AddAttr => return Some(open_form(app, FormMode::Add)),
        Action::EditAttr | Action::RenameAttr | Action::DeleteAttr => {
            let Some(attr) = detail.selected_attr().cloned() else {
                app.set_info("no attribute selected (a adds one)");
                return Some(Vec::new());
            };
            return Some(match action {
                Action::EditAttr => open_form(app, FormMode::Edit { name: attr.name }),
                Action::RenameAttr => open_form(app, FormMode::Rename { old: attr.name }),
                _ => ask_delete(app, attr),
            });
        }
        _ => return None,
    }
    Some(Vec::new())
}

fn refuse_read_only(app: &mut App, action: &'static str) -> bool {
    if app.read_only {
        app.set_error(&read_only_refusal(action));
    }
    app.read_only
}

fn open_form(app: &mut App, mode: FormMode) -> Vec<Effect> {
    let what = match mode {
        FormMode::Add | FormMode::Edit { .. } => "custom attribute set",
        FormMode::Rename { .. } => "custom attribute rename",
        FormMode::Characteristic => return super::characteristics::open(app),
    };
    if refuse_read_only(app, what) {
        return Vec::new();
    }
    let Some(detail) = &app.detail else {
        return Vec::new();
    };
    let value = detail
        .selected_attr()
        .map(|a| a.value.clone())
        .unwrap_or_default();
    let mut form = match &mode {
        FormMode::Add | FormMode::Characteristic => AttrForm::new(detail.id.clone(), mode, "", ""),
        FormMode::Edit { name } | FormMode::Rename { old: name } => {
            let name = name.clone();
            AttrForm::new(detail.id.clone(), mode, &name, &value)
        }
    };
    form.stored_on = detail.attrs_stored_on.clone();
    app.overlays.push(Overlay::AttrForm(Box::new(form)));
    Vec::new()
}

fn ask_delete(app: &mut App, attr: CustomAttribute) -> Vec<Effect> {
    if refuse_read_only(app, "custom attribute delete") {
        return Vec::new();
    }
    let Some(detail) = &app.detail else {
        return Vec::new();
    };
    let pending = Pending::DeleteAttr {
        id: detail.id.clone(),
        name: attr.name,
    };
    app.overlays.push(Overlay::Confirm {
        pending,
        focus: ConfirmFocus::Cancel,
    });
    Vec::new()
}

/// Keys while the form is open: typing, Tab between fields, Enter submits, Esc cancels.
pub fn apply_form(app: &mut App, action: Action) -> Vec<Effect> {
    let existing: Vec<String> = match app.detail.as_ref().map(|d| &d.attrs) {
        Some(Loadable::Ready(list)) => list.iter().map(|a| a.name.clone()).collect(),
        _ => Vec::new(),
    };
    let Some(Overlay::AttrForm(form)) = app.overlays.last_mut() else {
        return Vec::new();
    };
    match action {
        Action::Back | Action::CancelFilter => {
            app.overlays.pop();
        }
        Action::ToggleFocus => form.switch_field(),
        Action::FilterEdit(edit) => {
            form.focused_input().handle(edit.to_request());
            form.error = None;
        }
        Action::Open | Action::ApplyFilter if form.mode == FormMode::Characteristic => {
            match super::characteristics::change_of(form) {
                Ok(change) => {
                    let product = form.product.clone();
                    super::characteristics::confirm(app, product, change);
                }
                Err(why) => form.error = Some(why),
            }
        }
        Action::Open | Action::ApplyFilter => match submit(form, &existing) {
            Ok(effect) => {
                app.overlays.pop();
                return vec![effect];
            }
            Err(why) => form.error = Some(why),
        },
        _ => app.dirty = false,
    }
    Vec::new()
}

/// The effect the form asks for, or why it cannot be sent (the domain's validation message).
pub fn submit(form: &AttrForm, existing: &[String]) -> Result<Effect, String> {
    let id = form.product.clone();
    let (name, value) = (form.name.value(), form.value.value());
    match &form.mode {
        FormMode::Add => {
            let attr = CustomAttribute::new(name, value).map_err(|e| e.to_string())?;
            if existing.contains(&attr.name) {
                return Err(format!(
                    "{} already exists; select it and press e to edit it",
                    attr.name
                ));
            }
            Ok(Effect::SetAttr {
                id,
                name: attr.name,
                value: attr.value,
            })
        }
        FormMode::Edit { name } => {
            let attr = CustomAttribute::new(name, value).map_err(|e| e.to_string())?;
            Ok(Effect::SetAttr {
                id,
                name: attr.name,
                value: attr.value,
            })
        }
        FormMode::Characteristic => {
            let change = super::characteristics::change_of(form)?;
            Ok(Effect::UpdateCharacteristics {
                id,
                changes: vec![change],
            })
        }
        FormMode::Rename { old } => {
            let new = validate_name(name).map_err(|e| e.to_string())?;
            if new != *old && existing.contains(&new) {
                return Err(format!("{new} already exists; pick another name"));
            }
            Ok(Effect::RenameAttr {
                id,
                old: old.clone(),
                new,
            })
        }
    }
}

pub fn on_attrs(
    app: &mut App,
    generation: u64,
    id: &ProductId,
    result: MsgResult<(Vec<CustomAttribute>, Option<String>)>,
) {
    if let Some(d) = app
        .detail
        .as_mut()
        .filter(|d| d.generation == generation && &d.id == id)
    {
        let read = match result {
            Ok((list, stored_on)) => {
                d.attr_selected = d.attr_selected.min(list.len().saturating_sub(1));
                d.attrs_stored_on = stored_on;
                d.attrs = Loadable::Ready(list.clone());
                Some(list)
            }
            Err(e) => {
                d.attrs = Loadable::Failed(e);
                None
            }
        };
        app.dirty = true;
        // The row learns them too, so an `attr:` query finds the product at once.
        if let Some(list) = read {
            app.set_row_attrs(id, list);
        }
    }
}

/// A mutation's outcome: the status line says what happened (or the store's refusal), and the
/// open detail pane reloads its attributes.
pub fn on_changed(
    app: &mut App,
    id: ProductId,
    what: &str,
    result: MsgResult<AttrChange>,
) -> Vec<Effect> {
    app.end_work(&crate::ui::apply::work_key("attr", &id));
    match result {
        Ok(change) => {
            let text = match (change.before_text(), change.after_text()) {
                (None, Some(after)) => format!("added {after}"),
                (Some(before), Some(after)) => format!("{before} → {after}"),
                (Some(before), None) => format!("deleted {before}"),
                (None, None) => what.to_string(),
            };
            app.set_success(&format!("{id}: attribute {text}"));
        }
        Err(e) => app.set_error(&format!("{id}: {what} refused: {e}")),
    }
    match &app.detail {
        Some(d) if d.id == id => vec![Effect::LoadAttrs {
            generation: d.generation,
            id,
        }],
        _ => Vec::new(),
    }
}
