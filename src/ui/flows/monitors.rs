//! Monitors: every asynchronous carrier request the store knows of, kept live from the poller's
//! broadcast. `c` cancels the selected one after a confirmation focused on Cancel — offered only
//! where the capability table says the backend can cancel; a status change that returns a
//! monitor marks it (highlight) so `m` lands on it.

use crate::domain::capabilities::{Operation, supports};
use crate::domain::{Monitor, MonitorState, ProductId, Status};
use crate::ui::action::Action;
use crate::ui::app::{App, ConfirmFocus, Overlay, Pending, Screen};
use crate::ui::apply::{open_detail, read_only_refusal};
use crate::ui::effect::Effect;
use crate::ui::msg::MsgResult;

/// Show the pane, on the highlighted monitor when there is one, and reload it from the store.
pub fn open(app: &mut App) -> Vec<Effect> {
    app.screen = Screen::Monitors;
    // The failed jobs the header counted have now been seen.
    app.failed_unseen = 0;
    if let Some(i) = highlighted(app) {
        app.monitors.selected = i;
    }
    vec![Effect::LoadMonitors]
}

fn highlighted(app: &App) -> Option<usize> {
    let id = app.monitors.highlight.as_ref()?;
    app.monitors.list.iter().position(|m| &m.id == id)
}

pub fn apply(app: &mut App, action: Action) -> Vec<Effect> {
    let len = app.monitors.list.len();
    let last = len.saturating_sub(1);
    let page = app.page_rows.max(1);
    let m = &mut app.monitors;
    match action {
        Action::Up => m.selected = m.selected.saturating_sub(1),
        Action::Down => m.selected = (m.selected + 1).min(last),
        Action::PageUp => m.selected = m.selected.saturating_sub(page),
        Action::PageDown => m.selected = (m.selected + page).min(last),
        Action::Top => m.selected = 0,
        Action::Bottom => m.selected = last,
        Action::Refresh => return vec![Effect::LoadMonitors],
        Action::CancelMonitor => return ask_cancel(app),
        Action::Open => {
            // Jump to the product the request changed.
            let product = m.selected_monitor().and_then(|m| m.product_id.clone());
            return match product {
                Some(id) => vec![open_detail(app, id)],
                None => {
                    app.set_info("this request names no product");
                    Vec::new()
                }
            };
        }
        Action::Back => app.screen = Screen::Products,
        Action::Audit => return crate::ui::flows::audit::open(app),
        Action::Backends => return crate::ui::flows::backends::open(app),
        _ => app.dirty = false,
    }
    Vec::new()
}

/// Why the selected monitor cannot be cancelled, if it cannot.
pub fn cancel_refusal(read_only: bool, monitor: &Monitor) -> Option<String> {
    if read_only {
        return Some(read_only_refusal("monitor cancel"));
    }
    if !supports(monitor.kind, Operation::MonitorCancel) {
        return Some(format!(
            "{} cannot cancel asynchronous requests: the backend offers no cancel",
            monitor.kind
        ));
    }
    if monitor.state.is_final() {
        return Some(format!(
            "monitor {} is already {}; nothing to cancel",
            monitor.id,
            monitor.state.as_str()
        ));
    }
    None
}

fn ask_cancel(app: &mut App) -> Vec<Effect> {
    let Some(monitor) = app.monitors.selected_monitor() else {
        app.set_info("no monitor selected");
        return Vec::new();
    };
    if let Some(why) = cancel_refusal(app.read_only, monitor) {
        app.set_error(&why);
        return Vec::new();
    }
    let pending = Pending::CancelMonitor {
        monitor_id: monitor.id.clone(),
        kind: monitor.kind,
        request: monitor.request.clone(),
    };
    app.overlays.push(Overlay::Confirm {
        pending,
        focus: ConfirmFocus::Cancel,
    });
    Vec::new()
}

/// The store's list (oldest first) replaces what is held, shown newest first; the selection
/// stays on the same monitor when it is still there.
pub fn on_monitors(app: &mut App, result: MsgResult<Vec<Monitor>>) {
    match result {
        Ok(mut list) => {
            let keep = app.monitors.selected_monitor().map(|m| m.id.clone());
            list.reverse();
            app.monitors.list = list;
            app.monitors.selected = keep
                .and_then(|id| app.monitors.list.iter().position(|m| m.id == id))
                .or_else(|| highlighted(app))
                .unwrap_or(0)
                .min(app.monitors.list.len().saturating_sub(1));
        }
        Err(e) => app.set_error(&format!("monitors could not be read: {e}")),
    }
    app.dirty = true;
}

/// A change from the poller (or the gate). A state change is reported on the status line, and
/// a completed change re-reads the product it changed.
pub fn on_update(app: &mut App, monitor: Monitor) -> Vec<Effect> {
    let previous = app.monitors.upsert(monitor.clone());
    app.dirty = true;
    let changed = previous.is_none_or(|p| p.state != monitor.state);
    if !changed || !monitor.state.is_final() {
        return Vec::new();
    }
    // The product, what was asked, the outcome and the carrier's reason first: a status line
    // is cut on the right, so the monitor id goes last.
    let detail = monitor
        .detail
        .as_deref()
        .map(|d| format!(": {d}"))
        .unwrap_or_default();
    let text = format!(
        "{}{} {}{detail} (monitor {})",
        monitor
            .product_id
            .as_ref()
            .map(|id| format!("{id}: "))
            .unwrap_or_default(),
        monitor.request,
        monitor.state.as_str(),
        monitor.id,
    );
    // A carrier job that failed is announced as an error and counted in the header until the
    // monitors view has been seen; a completed one is announced once.
    match monitor.state {
        MonitorState::Completed => app.set_success(&text),
        MonitorState::InError => {
            app.failed_unseen += 1;
            app.set_error(&text);
        }
        _ => app.set_info(&text),
    }
    match monitor.product_id {
        Some(id) if monitor.state == MonitorState::Completed => after_change(app, id),
        _ => Vec::new(),
    }
}

pub fn on_cancelled(app: &mut App, monitor_id: String, result: MsgResult<Monitor>) -> Vec<Effect> {
    app.end_work(&format!("cancel {monitor_id}"));
    match result {
        Ok(monitor) => {
            app.set_info(&format!(
                "monitor {} is now {}",
                monitor.id,
                monitor.state.as_str()
            ));
            app.monitors.upsert(monitor);
            app.dirty = true;
        }
        Err(e) => app.set_error(&format!("monitor {monitor_id}: cancel failed: {e}")),
    }
    Vec::new()
}

/// A status change the carrier accepted for later: keep its monitor and mark it.
pub fn on_pending(app: &mut App, id: &ProductId, to: Status, monitor: Monitor) {
    app.set_info(&format!(
        "{id}: → {to} accepted, monitor {} {} (m shows it)",
        monitor.id,
        monitor.state.as_str()
    ));
    app.monitors.highlight = Some(monitor.id.clone());
    app.monitors.upsert(monitor);
    app.dirty = true;
}

/// After a change: re-read the row, and the detail pane when it shows that product.
pub fn after_change(app: &mut App, id: ProductId) -> Vec<Effect> {
    let mut effects = vec![Effect::RefreshRow { id: id.clone() }];
    if app.detail.as_ref().is_some_and(|d| d.id == id) {
        effects.push(open_detail_keep_screen(app, id));
    }
    effects
}

/// Reload the detail pane without taking the user away from the screen they are on.
fn open_detail_keep_screen(app: &mut App, id: ProductId) -> Effect {
    let screen = app.screen;
    let effect = open_detail(app, id);
    app.screen = screen;
    effect
}
