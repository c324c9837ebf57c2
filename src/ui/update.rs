//! `update`: folds one result (`Msg`) into the `App` and says what to do next. Pure: no I/O and
//! no clock of its own (the time arrives as `Msg::Tick`). Answers tagged with a generation that
//! is no longer current are dropped. When a backend's listing completes, its rows go to the
//! product cache and the rows it no longer returns are removed.

use super::app::{App, ListState, Loadable, Screen};
use super::effect::Effect;
use super::flows::{attrs, audit, batch, monitors};
use super::msg::Msg;
use crate::domain::query::Fields as _;
use crate::domain::{ProductId, Status};
use crate::engine::ChangeOutcome;
use crate::engine::ListEvent;

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    super::flows::overview::observe(app, &msg);
    let effects = fold(app, msg);
    super::flows::overview::after_update(app);
    effects
}

fn fold(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::List { generation, event } => {
            if generation == app.list_generation {
                return on_list_event(app, event);
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
        Msg::Cached(result) => {
            match result {
                Ok(rows) => app.upsert_missing(rows),
                Err(e) => tracing::warn!(error = %e, "the product cache could not be read"),
            }
            Vec::new()
        }
        Msg::Product {
            generation,
            id,
            result,
        } => {
            let (mut fresh, mut effects, mut noted) = (None, Vec::new(), None);
            if let Some(d) = app
                .detail
                .as_mut()
                .filter(|d| d.generation == generation && d.id == id)
            {
                d.product = match result {
                    Ok(p) => {
                        fresh = Some(p.summary.clone());
                        if let Some(usage) = &p.usage {
                            noted = Some(usage.clone());
                        }
                        // The bundle carries the usage; only a platform whose bundle has none
                        // costs a second read.
                        d.usage = match &p.usage {
                            Some(usage) => Loadable::Ready(usage.clone()),
                            None => {
                                effects.push(Effect::LoadUsage {
                                    generation,
                                    id: id.clone(),
                                });
                                Loadable::Loading
                            }
                        };
                        Loadable::Ready(*p)
                    }
                    Err(e) => {
                        d.usage = Loadable::Failed(e.clone());
                        Loadable::Failed(e)
                    }
                };
                app.dirty = true;
            }
            if let Some(summary) = fresh {
                app.refresh_row(&summary);
            }
            if let Some(usage) = noted {
                app.note_usage(&id, &usage);
            }
            effects
        }
        Msg::Usage {
            generation,
            id,
            result,
        } => {
            let mut noted = None;
            if let Some(d) = app
                .detail
                .as_mut()
                .filter(|d| d.generation == generation && d.id == id)
            {
                d.usage = match result {
                    Ok(u) => {
                        noted = Some(u.clone());
                        Loadable::Ready(u)
                    }
                    Err(e) => Loadable::Failed(e),
                };
                app.dirty = true;
            }
            if let Some(usage) = noted {
                app.note_usage(&id, &usage);
            }
            Vec::new()
        }
        Msg::UsageLevels(result) => {
            match result {
                Ok(levels) => app.set_usage_levels(levels),
                Err(e) => tracing::warn!(error = %e, "the usage levels could not be read"),
            }
            Vec::new()
        }
        Msg::AccountUsage(result) => {
            match result {
                Ok(accounts) => {
                    let today = chrono::Utc::now().date_naive();
                    crate::ui::flows::overview::apply_account_history(app, &accounts, today);
                    app.usage.accounts = accounts;
                    app.dirty = true;
                }
                Err(e) => tracing::warn!(error = %e, "the accounts' usage could not be read"),
            }
            Vec::new()
        }
        Msg::Session {
            generation,
            id,
            result,
        } => {
            crate::ui::panes::detail_conn::on_session(app, generation, &id, result);
            Vec::new()
        }
        Msg::Attrs {
            generation,
            id,
            result,
        } => {
            attrs::on_attrs(app, generation, &id, result);
            Vec::new()
        }
        Msg::AttrChanged { id, what, result } => attrs::on_changed(app, id, &what, result),
        Msg::StatusChanged { id, to, result } => on_status_changed(app, id, to, result),
        Msg::BatchDone { to, result, cost } => batch::on_done(app, to, result, cost),
        Msg::Monitors(result) => {
            monitors::on_monitors(app, result);
            Vec::new()
        }
        Msg::MonitorUpdate(monitor) => monitors::on_update(app, monitor),
        Msg::MonitorsLagged => vec![Effect::LoadMonitors],
        Msg::MonitorCancelled { monitor_id, result } => {
            monitors::on_cancelled(app, monitor_id, result)
        }
        Msg::Audit { generation, result } => {
            audit::on_audit(app, generation, result);
            Vec::new()
        }
        Msg::Found { id, result } => crate::ui::flows::lookup::on_found(app, &id, result),
        Msg::CharacteristicsUpdated { id, result } => {
            crate::ui::flows::characteristics::on_updated(app, id, result)
        }
        Msg::RowRefreshed { id, result } => {
            match result {
                Ok(summary) if summary.id == id => app.upsert(vec![summary], true),
                Ok(_) => {}
                Err(e) => app.set_error(&format!("{id}: {e}")),
            }
            Vec::new()
        }
        Msg::History(lines) => {
            app.command.set_history(lines);
            Vec::new()
        }
        Msg::Exported { path, result } => {
            let shown = crate::text::sanitize(&path.display().to_string());
            match result {
                Ok(n) => app.set_info(&format!(
                    "exported {} rows to {shown}",
                    crate::ui::panes::list::thousands(n)
                )),
                Err(e) => app.set_error(&format!("export to {shown} failed: {e}")),
            }
            Vec::new()
        }
        Msg::AttrIndex(result) => {
            match result {
                Ok(index) => app.set_local_attrs(index),
                Err(e) => app.set_error(&format!(
                    "custom attributes could not be read from the store ({e}); attr: queries see only opened products"
                )),
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
        Msg::Tick(now) => {
            app.now = Some(now);
            // The monitors pane shows ages, work in flight its seconds, a loading detail its
            // wait; an old message fades. Otherwise a tick draws nothing.
            let loading = app
                .detail
                .as_ref()
                .is_some_and(|d| matches!(d.product, Loadable::Loading));
            if app.screen == Screen::Monitors || !app.in_flight.is_empty() || loading {
                app.dirty = true;
            }
            if app.messages.on_tick(now) {
                app.dirty = true;
            }
            auto_refresh(app, now)
        }
    }
}

fn on_list_event(app: &mut App, event: ListEvent) -> Vec<Effect> {
    match event {
        ListEvent::Page { backend, items, .. } => {
            if let Some(b) = app.backends.iter_mut().find(|b| b.name == backend) {
                b.list = ListState::Loading;
            }
            // The page goes to the cache as it arrives (staged until the listing completes),
            // so a million rows are never encoded at once. A CMO tenant's attributes are part
            // of its listing and are cached with it; the local store's are not copied into
            // the cache (the store is read at start-up).
            let on_cmo = app.is_cmo_account(&backend);
            let mut rows = items.clone();
            if !on_cmo {
                for s in &mut rows {
                    s.attrs.clear();
                }
            }
            let keep_top = app.visible.is_empty();
            app.upsert(items, true);
            if keep_top {
                app.scroll_to_selection();
            }
            vec![Effect::CachePage {
                backend,
                generation: app.list_generation,
                rows,
            }]
        }
        ListEvent::Done { backend, result } => {
            app.dirty = true;
            let ok = result.is_ok();
            if let Some(b) = app.backends.iter_mut().find(|b| b.name == backend) {
                b.list = match result {
                    Ok(()) => {
                        b.listed_at = app.now;
                        ListState::Done
                    }
                    Err(e) => ListState::Failed(crate::text::sanitize(&e.to_string())),
                };
            }
            if !ok {
                app.set_error(&format!(
                    "{backend}: listing failed (b shows the backends and why)"
                ));
                return Vec::new();
            }
            // The listing is complete: what it did not return is gone from the platform, and
            // its pages replace the backend's cache.
            app.retain_rows(|r| r.confirmed || r.account() != backend);
            vec![Effect::CacheCommit {
                backend,
                generation: app.list_generation,
            }]
        }
    }
}

fn on_status_changed(
    app: &mut App,
    id: ProductId,
    to: Status,
    result: Result<ChangeOutcome, String>,
) -> Vec<Effect> {
    app.end_work(&crate::ui::apply::work_key("status", &id));
    match result {
        Ok(ChangeOutcome::Done { status }) => {
            let now = status.unwrap_or(to);
            app.set_success(&format!("{id}: status is now {now}"));
            show_status(app, &id, now);
            monitors::after_change(app, id)
        }
        Ok(ChangeOutcome::Pending(monitor)) => {
            monitors::on_pending(app, &id, to, monitor);
            Vec::new()
        }
        Err(e) => {
            app.set_error(&format!("{id}: status change to {to} failed: {e}"));
            Vec::new()
        }
    }
}

/// The row says what the carrier just confirmed at once, in the normalized word (the carrier's
/// own word arrives with the re-read that follows): the list never contradicts the message.
fn show_status(app: &mut App, id: &ProductId, now: Status) {
    let Some(row) = app.row(id) else { return };
    if row.status() == now {
        return;
    }
    let confirmed = row.confirmed;
    let mut summary = row.summary();
    summary.status = crate::domain::NativeStatus::new(now, now.as_str());
    app.upsert(vec![summary], confirmed);
}

/// `refresh_interval`: relist every backend once the last listing is that old and none is
/// still running. Only the listings: rows update in place, the selection stays on its product,
/// an open detail and the messages are left alone.
fn auto_refresh(app: &mut App, now: chrono::DateTime<chrono::Utc>) -> Vec<Effect> {
    let Some(interval) = app.refresh_interval else {
        return Vec::new();
    };
    let due = app.last_refresh.is_none_or(|at| now - at >= interval);
    let listing = app.backends.iter().any(|b| b.list == ListState::Loading);
    if !due || listing {
        return Vec::new();
    }
    vec![crate::ui::apply::relist(app)]
}
