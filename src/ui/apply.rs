//! `apply`: turns one user `Action` into state changes and the `Effect`s they need. Pure: no
//! I/O. Overlays get the keys first, then the filter line, then the screen with focus (the
//! product list or detail, the monitors pane, the audit view). The status-change path lives
//! here: a menu of allowed targets only, a confirmation whose focus starts on Cancel, and a
//! refusal in read-only mode; the other flows live in `flows/`.

use super::action::Action;
use super::action::FilterEdit;
use super::app::Subject;
use super::app::{App, ConfirmFocus, DetailState, ListState, Loadable, Overlay, Pending, Screen};
use super::effect::Effect;
use super::flows::{attrs, audit, backends, batch, monitors};
use crate::domain::capabilities::{sim_targets, supports, terminal_targets};
use crate::domain::query::Fields as _;
use crate::domain::query::{Query, SortKey};
use crate::domain::{ConnectivityType, Operation, ProductId, Status};
use crate::engine::BackendError;

/// Rows of the screen that are not list rows (header, table header, borders, status, footer).
const CHROME_ROWS: u16 = 6;

/// The message shown when read-only mode refuses an action (the gate's own wording).
pub fn read_only_refusal(action: &'static str) -> String {
    crate::engine::GateError::ReadOnly { action }.to_string()
}

pub fn apply(app: &mut App, action: Action) -> Vec<Effect> {
    app.dirty = true;
    // Rows may have arrived without a message (a test, a bench): the start-up overview hands
    // over to the list before the key is read.
    super::flows::overview::after_update(app);
    // An error on the status line has been seen once the operator acts; a newer message the
    // action brings replaces it anyway.
    if !matches!(action, Action::Resize { .. } | Action::Redraw) {
        app.messages.on_action();
    }
    match action {
        Action::Resize { height, .. } => {
            app.page_rows = usize::from(height.saturating_sub(CHROME_ROWS)).max(1);
            app.scroll_to_selection();
            Vec::new()
        }
        Action::Redraw => {
            app.full_repaint = true;
            Vec::new()
        }
        Action::Quit => {
            let asking = matches!(
                app.top_overlay(),
                Some(Overlay::Confirm {
                    pending: Pending::Quit { .. },
                    ..
                })
            );
            if app.in_flight.is_empty() {
                app.quit = true;
            } else if !asking {
                // Work in flight: ask first (focus on "Keep running"); asked already, a second
                // `q` or Ctrl-C does not answer for the user.
                let in_flight = app.in_flight.len();
                app.overlays.push(Overlay::Confirm {
                    pending: Pending::Quit { in_flight },
                    focus: ConfirmFocus::Cancel,
                });
            } else {
                app.dirty = false;
            }
            Vec::new()
        }
        Action::Help if !matches!(app.top_overlay(), Some(Overlay::AttrForm(_))) => {
            if matches!(app.top_overlay(), Some(Overlay::Help { .. })) {
                app.overlays.pop();
            } else {
                // Open on the section of what has focus; the rest is a scroll away.
                let ctx = super::keymap::context(app);
                let scroll = super::panes::help::section_start(ctx);
                app.overlays.push(Overlay::Help { scroll });
            }
            Vec::new()
        }
        _ if !app.overlays.is_empty() => apply_overlay(app, action),
        Action::Messages if !app.command.editing && !app.filter.editing => {
            app.overlays.push(Overlay::Messages { scroll: 0 });
            Vec::new()
        }
        _ if app.command.editing => super::commands::apply_line(app, action),
        _ if app.filter.editing => apply_filter(app, action),
        Action::StartCommand => super::commands::open(app),
        _ => match app.screen {
            Screen::Products => apply_pane(app, action),
            Screen::Monitors => monitors::apply(app, action),
            Screen::Audit => audit::apply(app, action),
            Screen::Backends => backends::apply(app, action),
            Screen::Map => super::flows::map::apply(app, action),
            Screen::Overview => match super::flows::overview::apply(app, action) {
                Some(effects) => effects,
                None => apply_pane(app, action),
            },
        },
    }
}

fn apply_pane(app: &mut App, action: Action) -> Vec<Effect> {
    let in_detail = app.detail.is_some();
    if in_detail && let Some(effects) = attrs::apply_detail(app, action) {
        return effects;
    }
    match action {
        Action::Up if !in_detail => move_by(app, -1),
        Action::Down if !in_detail => move_by(app, 1),
        Action::PageUp if !in_detail => move_by(app, -(app.page_rows as isize)),
        Action::PageDown if !in_detail => move_by(app, app.page_rows as isize),
        Action::Top if !in_detail => move_to(app, 0),
        Action::PageDown | Action::PageUp | Action::Top if in_detail => {
            scroll_detail(app, action);
            Vec::new()
        }
        Action::Bottom if !in_detail => move_to(app, app.visible.len().saturating_sub(1)),
        Action::Select { position } if !in_detail => move_to(app, position),
        Action::Open if !in_detail => match app.selected_row() {
            Some(row) => {
                let id = row.id();
                vec![open_detail(app, id)]
            }
            None => Vec::new(),
        },
        Action::Back if in_detail => {
            if let Some(d) = app.detail.take() {
                super::flows::map::back_from_detail(app, &d.id);
            }
            Vec::new()
        }
        Action::Back if app.filter.is_active() => {
            app.filter.input.reset();
            set_filter_text(app, "");
            Vec::new()
        }
        Action::Back => {
            app.messages.dismiss();
            Vec::new()
        }
        Action::StartFilter if !in_detail => {
            app.filter.editing = true;
            Vec::new()
        }
        Action::CycleSort if !in_detail => {
            let next = super::columns::next_sort_column(app.sort.column);
            app.set_sort(SortKey {
                column: next,
                descending: false,
            });
            Vec::new()
        }
        Action::ReverseSort if !in_detail => {
            app.set_sort(SortKey {
                descending: !app.sort.descending,
                ..app.sort
            });
            Vec::new()
        }
        Action::ToggleWide if !in_detail => super::commands::run(app, "wide"),
        Action::CopyId | Action::CopyBusinessId => super::flows::copy::copy(app, action),
        Action::Refresh => refresh(app),
        Action::ChangeStatus => open_status_menu(app),
        Action::ToggleMark if !in_detail => {
            batch::toggle_mark(app);
            Vec::new()
        }
        Action::BatchStatus if !in_detail => batch::open_menu(app),
        Action::MarkAll if !in_detail => {
            batch::mark_all_visible(app);
            Vec::new()
        }
        Action::InvertMarks if !in_detail => {
            batch::invert_visible(app);
            Vec::new()
        }
        Action::ClearMarks if !in_detail => {
            batch::clear_marks(app);
            Vec::new()
        }
        Action::Monitors => monitors::open(app),
        Action::Audit => audit::open(app),
        Action::Backends => backends::open(app),
        Action::Map => super::flows::map::open(app),
        Action::Overview => super::flows::overview::open(app),
        Action::UpdateCharacteristics if in_detail => super::flows::characteristics::open(app),
        _ => {
            app.dirty = false;
            Vec::new()
        }
    }
}

fn apply_filter(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::FilterEdit(edit) => {
            app.filter.input.handle(edit.to_request());
            let text = app.filter.input.value().to_string();
            set_filter_text(app, &text);
        }
        Action::ApplyFilter => {
            app.filter.editing = false;
            return super::flows::lookup::on_filter_applied(app);
        }
        Action::CancelFilter => {
            app.filter.editing = false;
            app.filter.input.reset();
            set_filter_text(app, "");
        }
        _ => app.dirty = false,
    }
    Vec::new()
}

/// The list follows the query as the user types; an unchanged query costs nothing. Text that
/// does not parse (an unknown field, a bad regex, an open quote) is an error under the input,
/// naming the term, and the previous result stays on screen.
pub fn set_filter_text(app: &mut App, text: &str) {
    match Query::parse(text) {
        Ok(query) => {
            app.filter.error = None;
            if query.text().trim() != app.filter.query.text().trim() {
                // Applied a slice at a time by the runtime when it is a long job.
                app.start_query(query);
            }
        }
        Err(e) => app.filter.error = Some(e.to_string()),
    }
    app.dirty = true;
}

/// Lines a scrolled overlay moves by on PgUp/PgDn.
const OVERLAY_PAGE: usize = 10;

/// New first line of a scrolled overlay after `action`; `None` when the action does not scroll.
fn scrolled(scroll: usize, action: Action) -> Option<usize> {
    Some(match action {
        Action::Up => scroll.saturating_sub(1),
        Action::Down => scroll + 1,
        Action::PageUp => scroll.saturating_sub(OVERLAY_PAGE),
        Action::PageDown => scroll + OVERLAY_PAGE,
        Action::Top => 0,
        Action::Bottom => usize::MAX,
        _ => return None,
    })
}

fn apply_overlay(app: &mut App, action: Action) -> Vec<Effect> {
    if matches!(app.top_overlay(), Some(Overlay::AttrForm(_))) {
        return attrs::apply_form(app, action);
    }
    let help_lines = super::panes::help::line_count();
    let Some(top) = app.overlays.last_mut() else {
        return Vec::new();
    };
    match (top, action) {
        (_, Action::Back) => {
            app.overlays.pop();
            Vec::new()
        }
        (Overlay::Messages { scroll }, a) if scrolled(*scroll, a).is_some() => {
            *scroll = scrolled(*scroll, a).unwrap_or(0).min(usize::from(u16::MAX));
            Vec::new()
        }
        (Overlay::Messages { .. }, Action::Open) => {
            app.overlays.pop();
            Vec::new()
        }
        (Overlay::Columns { selected }, a) => {
            super::columns::apply_picker(selected, &mut app.hidden_columns, a);
            Vec::new()
        }
        (Overlay::Help { scroll }, a) if scrolled(*scroll, a).is_some() => {
            let last = help_lines.saturating_sub(1);
            *scroll = scrolled(*scroll, a).unwrap_or(0).min(last);
            Vec::new()
        }
        (Overlay::Report { scroll, lines, .. }, a) if scrolled(*scroll, a).is_some() => {
            let last = lines.len().saturating_sub(1);
            *scroll = scrolled(*scroll, a).unwrap_or(0).min(last);
            Vec::new()
        }
        (Overlay::Report { .. }, Action::Open) => {
            app.overlays.pop();
            Vec::new()
        }
        (
            Overlay::StatusMenu {
                targets, selected, ..
            },
            Action::Up,
        ) => {
            *selected = selected
                .saturating_sub(1)
                .min(targets.len().saturating_sub(1));
            Vec::new()
        }
        (
            Overlay::StatusMenu {
                targets, selected, ..
            },
            Action::Down,
        ) => {
            *selected = (*selected + 1).min(targets.len().saturating_sub(1));
            Vec::new()
        }
        (
            Overlay::StatusMenu {
                subject,
                targets,
                selected,
            },
            Action::Open,
        ) => {
            let Some(&to) = targets.get(*selected) else {
                return Vec::new();
            };
            let subject = subject.clone();
            app.overlays.pop();
            let pending = match subject {
                Subject::One { id, from } => Pending::Status { id, from, to },
                Subject::Batch { ids } => batch::plan(app, &ids, to),
            };
            ask_confirmation(app, pending);
            Vec::new()
        }
        (Overlay::TypedConfirm { typed, .. }, Action::FilterEdit(edit)) => {
            match edit {
                FilterEdit::Insert(c) if typed.chars().count() < 64 => typed.push(c),
                FilterEdit::DeletePrevChar => {
                    typed.pop();
                }
                FilterEdit::DeleteLine | FilterEdit::DeletePrevWord => typed.clear(),
                _ => {}
            }
            Vec::new()
        }
        (
            Overlay::TypedConfirm {
                pending,
                expected,
                typed,
            },
            Action::Open,
        ) => {
            if typed.trim() != expected.as_str() {
                let want = expected.clone();
                app.set_error(&format!(
                    "not confirmed: type {want} exactly, or Esc to cancel"
                ));
                return Vec::new();
            }
            let pending = pending.clone();
            app.overlays.pop();
            confirmed_effects(app, pending)
        }
        (Overlay::Report { .. }, Action::RetryFailed) => batch::retry_failed(app),
        (Overlay::Confirm { focus, .. }, Action::ToggleFocus) => {
            *focus = focus.toggled();
            Vec::new()
        }
        (Overlay::Confirm { pending, .. }, Action::Press { confirm }) => {
            let confirmed = confirm.then(|| pending.clone());
            app.overlays.pop();
            match confirmed {
                Some(pending) => confirmed_effects(app, pending),
                None => Vec::new(),
            }
        }
        (
            Overlay::StatusMenu {
                targets, selected, ..
            },
            Action::Select { position },
        ) if position < targets.len() => {
            *selected = position;
            Vec::new()
        }
        (Overlay::Confirm { pending, focus }, Action::Open) => {
            let confirmed = (*focus == ConfirmFocus::Confirm).then(|| pending.clone());
            app.overlays.pop();
            match confirmed {
                Some(pending) => confirmed_effects(app, pending),
                None => Vec::new(),
            }
        }
        _ => {
            app.dirty = false;
            Vec::new()
        }
    }
}

/// Ask before a mutation: a confirmation focused on Cancel, or — for a target nothing brings a
/// product back from — one that goes only once the number of products (a batch) or the
/// target's name (one product) is typed. A batch that would change nothing says so instead.
pub fn ask_confirmation(app: &mut App, pending: Pending) {
    let irreversible = |id: Option<&ProductId>, to: Status| {
        id.is_some_and(|id| crate::domain::capabilities::is_irreversible(id.kind, to))
    };
    match &pending {
        Pending::Batch {
            ids, to, unchanged, ..
        } if ids.is_empty() => {
            let why = if unchanged.is_empty() {
                format!("none of the marked products may move to {to}")
            } else {
                format!(
                    "{} already {to}, the others may not move to it",
                    unchanged.len()
                )
            };
            app.set_info(&format!("nothing to send: {why}"));
        }
        Pending::Batch { ids, to, .. } if irreversible(ids.first(), *to) => {
            app.overlays.push(Overlay::TypedConfirm {
                expected: ids.len().to_string(),
                pending,
                typed: String::new(),
            });
        }
        Pending::Status { id, to, .. } if irreversible(Some(id), *to) => {
            app.overlays.push(Overlay::TypedConfirm {
                expected: to.as_str().to_string(),
                pending,
                typed: String::new(),
            });
        }
        _ => app.overlays.push(Overlay::Confirm {
            pending,
            focus: ConfirmFocus::Cancel,
        }),
    }
}

/// The key a call's answer is matched by: what it is and the product.
pub fn work_key(what: &str, id: &ProductId) -> String {
    format!("{what} {id}")
}

/// What a confirmed mutation sends, and what the status line says meanwhile.
fn confirmed_effects(app: &mut App, pending: Pending) -> Vec<Effect> {
    match pending {
        Pending::Status { id, from, to } => {
            let account = app.account_of(&id);
            app.start_work(work_key("status", &id), format!("{id} → {to}"), account);
            // The status the operator confirmed from: sent as is, no read first.
            let seen = app.row(&id).map(|row| crate::engine::Seen {
                status: from,
                connectivity: row.summary().connectivity,
                account: Some(row.account().to_string()),
            });
            vec![Effect::ChangeStatus { id, to, seen }]
        }
        Pending::Batch {
            ids,
            to,
            unchanged,
            refused,
        } => {
            app.batch_plan = Some((unchanged, refused));
            let account = ids.first().and_then(|id| app.account_of(id));
            app.start_work(
                "batch".into(),
                format!("batch: {} products → {to}", ids.len()),
                account,
            );
            vec![Effect::BatchStatus { ids, to }]
        }
        Pending::DeleteAttr { id, name } => {
            app.start_work(
                work_key("attr", &id),
                format!("{id}: deleting attribute {name}"),
                None,
            );
            vec![Effect::DeleteAttr { id, name }]
        }
        Pending::CancelMonitor { monitor_id, .. } => {
            app.start_work(
                format!("cancel {monitor_id}"),
                format!("monitor {monitor_id}: cancelling"),
                None,
            );
            vec![Effect::CancelMonitor { monitor_id }]
        }
        Pending::Quit { .. } => {
            app.quit = true;
            Vec::new()
        }
        Pending::Characteristic { id, change } => {
            let account = app.account_of(&id);
            app.start_work(
                work_key("characteristics", &id),
                format!("{id}: updating {}", change.name),
                account,
            );
            vec![Effect::UpdateCharacteristics {
                id,
                changes: vec![change],
            }]
        }
    }
}

fn move_by(app: &mut App, delta: isize) -> Vec<Effect> {
    let target = app.selected.saturating_add_signed(delta);
    move_to(app, target)
}

fn move_to(app: &mut App, position: usize) -> Vec<Effect> {
    let last = app.visible.len().saturating_sub(1);
    let position = position.min(last);
    if position == app.selected {
        app.dirty = false;
    }
    app.selected = position;
    app.selection_moved = true;
    app.scroll_to_selection();
    Vec::new()
}

/// Scroll the detail by half a page (PgDn / PgUp) or back to its top, never past its last line.
fn scroll_detail(app: &mut App, action: Action) {
    let step = u16::try_from(app.page_rows / 2).unwrap_or(u16::MAX).max(1);
    let Some(detail) = app.detail.as_mut() else {
        return;
    };
    let most = match &detail.product {
        Loadable::Ready(p) => {
            let theme = crate::ui::theme::Theme::default();
            super::panes::detail::line_count(p, &detail.usage, &theme)
        }
        _ => 0,
    };
    let most = u16::try_from(most).unwrap_or(u16::MAX).saturating_sub(1);
    detail.scroll = match action {
        Action::PageDown => detail.scroll.saturating_add(step).min(most),
        Action::PageUp => detail.scroll.saturating_sub(step),
        _ => 0,
    };
}

/// Open (or reload) the detail pane for `id` under a new generation.
pub(super) fn open_detail(app: &mut App, id: ProductId) -> Effect {
    app.detail_generation += 1;
    let generation = app.detail_generation;
    // A reload of the same product keeps the operator where they were.
    let scroll = app
        .detail
        .as_ref()
        .filter(|d| d.id == id)
        .map_or(0, |d| d.scroll);
    app.detail = Some(DetailState {
        id: id.clone(),
        generation,
        product: Loadable::Loading,
        usage: Loadable::Loading,
        session: Loadable::Loading,
        attrs: Loadable::Loading,
        attrs_stored_on: None,
        attr_selected: 0,
        scroll,
        opened_at: app.now,
    });
    app.screen = Screen::Products;
    app.dirty = true;
    Effect::LoadDetail { generation, id }
}

/// Start a new listing; rows already held stay, unconfirmed, until their backend lists them.
pub fn refresh(app: &mut App) -> Vec<Effect> {
    app.messages.dismiss();
    let mut effects = vec![relist(app)];
    if let Some(id) = app.detail.as_ref().map(|d| d.id.clone()) {
        effects.push(open_detail(app, id));
    }
    effects
}

/// List every backend again: rows stay (unconfirmed until their listing sees them again, so
/// a completed listing drops what the platform no longer has), stale pages are dropped by
/// generation. Shared by `r` and the `refresh_interval` tick.
pub fn relist(app: &mut App) -> Effect {
    app.list_generation += 1;
    app.last_refresh = app.now;
    for row in &mut app.rows {
        row.confirmed = false;
    }
    for b in &mut app.backends {
        b.list = ListState::Loading;
    }
    app.dirty = true;
    Effect::LoadProducts {
        generation: app.list_generation,
    }
}

/// The product the user acts on: the open detail, else the selected row.
fn target_product(app: &App) -> Option<(ProductId, Status, ConnectivityType)> {
    if let Some(d) = &app.detail {
        if let Loadable::Ready(p) = &d.product {
            return Some((
                d.id.clone(),
                p.summary.status.status,
                p.summary.connectivity,
            ));
        }
        let row = app.row(&d.id)?;
        return Some((d.id.clone(), row.status(), row.connectivity()));
    }
    let row = app.selected_row()?;
    Some((row.id(), row.status(), row.connectivity()))
}

/// The targets the capability table allows from `from` for this product.
pub fn allowed_targets(
    id: &ProductId,
    from: Status,
    connectivity: ConnectivityType,
) -> Vec<Status> {
    match connectivity {
        ConnectivityType::Satellite => terminal_targets(id.kind, from),
        ConnectivityType::Cellular => sim_targets(id.kind, from),
    }
}

fn open_status_menu(app: &mut App) -> Vec<Effect> {
    if app.read_only {
        app.set_error(&read_only_refusal("status change"));
        return Vec::new();
    }
    let Some((id, from, connectivity)) = target_product(app) else {
        app.set_info("no product selected");
        return Vec::new();
    };
    let targets = allowed_targets(&id, from, connectivity);
    if targets.is_empty() {
        let operation = match connectivity {
            ConnectivityType::Satellite => Operation::ChangeTerminalStatus,
            ConnectivityType::Cellular => Operation::ChangeSimStatus,
        };
        // The support matrix first: "not supported" says more than "no transition from X".
        let why = if supports(id.kind, operation) {
            format!("{} allows no status change from {from}", id.kind)
        } else {
            BackendError::not_supported(id.kind, operation).to_string()
        };
        app.set_info(&why);
        return Vec::new();
    }
    app.overlays.push(Overlay::StatusMenu {
        subject: Subject::One { id, from },
        targets,
        selected: 0,
    });
    Vec::new()
}
