//! `update`: folds one engine result (`Msg`) into the `App` and says what to fetch next. Pure:
//! no I/O, no clock. Answers tagged with a generation that is no longer current are dropped.

use super::app::{App, ListState, Loadable};
use super::effect::Effect;
use super::msg::Msg;
use crate::backends::ChangeOutcome;
use crate::domain::MonitorState;
use crate::engine::ListEvent;
use std::time::Duration;

/// How long to wait between two polls of a pending carrier request.
pub const MONITOR_POLL: Duration = Duration::from_secs(2);

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::List { generation, event } => {
            if generation == app.list_generation {
                on_list_event(app, event);
            }
            Vec::new()
        }
        Msg::ListFailed { generation, error } => {
            if generation == app.list_generation {
                for b in &mut app.backends {
                    b.list = ListState::Failed(error.clone());
                }
                app.set_error(&format!("listing failed: {error}"));
            }
            Vec::new()
        }
        Msg::Product {
            generation,
            id,
            result,
        } => {
            if let Some(d) = app
                .detail
                .as_mut()
                .filter(|d| d.generation == generation && d.id == id)
            {
                d.product = match result {
                    Ok(p) => Loadable::Ready(*p),
                    Err(e) => Loadable::Failed(e),
                };
                app.dirty = true;
            }
            Vec::new()
        }
        Msg::Usage {
            generation,
            id,
            result,
        } => {
            if let Some(d) = app
                .detail
                .as_mut()
                .filter(|d| d.generation == generation && d.id == id)
            {
                d.usage = match result {
                    Ok(u) => Loadable::Ready(u),
                    Err(e) => Loadable::Failed(e),
                };
                app.dirty = true;
            }
            Vec::new()
        }
        Msg::StatusChanged { id, to, result } => on_status_changed(app, id, to, result),
        Msg::Monitor { monitor_id, result } => on_monitor(app, monitor_id, result),
        Msg::RowRefreshed { id, result } => {
            match result {
                Ok(summary) if summary.id == id => app.upsert(vec![summary], true),
                Ok(_) => {}
                Err(e) => app.set_error(&format!("{id}: {e}")),
            }
            Vec::new()
        }
        Msg::Health(entries) => {
            for (b, h) in app.backends.iter_mut().zip(entries) {
                if b.health != h {
                    b.health = h;
                    app.dirty = true;
                }
            }
            Vec::new()
        }
    }
}

fn on_list_event(app: &mut App, event: ListEvent) {
    match event {
        ListEvent::Page { backend, items, .. } => {
            if let Some(b) = app.backends.iter_mut().find(|b| b.name == backend) {
                b.list = ListState::Loading;
            }
            let keep_top = app.visible.is_empty();
            app.upsert(items, true);
            if keep_top {
                app.scroll_to_selection();
            }
        }
        ListEvent::Done { backend, result } => {
            if let Some(b) = app.backends.iter_mut().find(|b| b.name == backend) {
                b.list = match result {
                    Ok(()) => ListState::Done,
                    Err(e) => ListState::Failed(crate::text::sanitize(&e.to_string())),
                };
            }
            app.dirty = true;
        }
    }
}

fn on_status_changed(
    app: &mut App,
    id: crate::domain::ProductId,
    to: crate::domain::Status,
    result: Result<ChangeOutcome, String>,
) -> Vec<Effect> {
    match result {
        Ok(ChangeOutcome::Done { status }) => {
            let now = status.unwrap_or(to);
            app.status_line = Some(format!("{id}: status is now {now}"));
            app.dirty = true;
            refresh_after_change(app, id)
        }
        Ok(ChangeOutcome::Pending(monitor)) => {
            app.status_line = Some(format!(
                "{id}: → {to} accepted, monitor {} {}",
                monitor.id,
                monitor.state.as_str()
            ));
            let effect = Effect::PollMonitor {
                monitor_id: monitor.id.clone(),
                after: MONITOR_POLL,
            };
            app.pending_monitors.push(monitor);
            app.dirty = true;
            vec![effect]
        }
        Err(e) => {
            app.set_error(&format!("{id}: status change to {to} failed: {e}"));
            Vec::new()
        }
    }
}

fn on_monitor(
    app: &mut App,
    monitor_id: String,
    result: Result<crate::domain::Monitor, String>,
) -> Vec<Effect> {
    let monitor = match result {
        Ok(m) => m,
        Err(e) => {
            app.pending_monitors.retain(|m| m.id != monitor_id);
            app.set_error(&format!("monitor {monitor_id}: {e}"));
            return Vec::new();
        }
    };
    let detail = monitor
        .detail
        .as_deref()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    app.status_line = Some(format!(
        "monitor {} {}: {}{detail}",
        monitor.id,
        monitor.request,
        monitor.state.as_str()
    ));
    app.dirty = true;
    app.pending_monitors.retain(|m| m.id != monitor.id);
    if monitor.state == MonitorState::InProgress {
        let effect = Effect::PollMonitor {
            monitor_id: monitor.id.clone(),
            after: MONITOR_POLL,
        };
        app.pending_monitors.push(monitor);
        return vec![effect];
    }
    match monitor.product_id {
        Some(id) if monitor.state == MonitorState::Completed => refresh_after_change(app, id),
        _ => Vec::new(),
    }
}

/// After a change: re-read the row, and the detail pane when it shows that product.
fn refresh_after_change(app: &mut App, id: crate::domain::ProductId) -> Vec<Effect> {
    let mut effects = vec![Effect::RefreshRow { id: id.clone() }];
    if app.detail.as_ref().is_some_and(|d| d.id == id) {
        effects.push(super::apply::open_detail(app, id));
    }
    effects
}
