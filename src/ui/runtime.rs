//! The event loop: a `biased` select over terminal input first, then results, then the monitor
//! poller's broadcast, then the health board's changes (pushed, never polled), then a slow tick
//! for the clock. Every queued result is drained
//! before one frame is drawn, and a frame is drawn only when something visible changed — an
//! idle console writes nothing. SIGTERM, SIGINT, SIGHUP and SIGQUIT (signals.rs) end the loop
//! like `q`; on every way out, changes still in flight get [`GRACE`] to finish (their answers
//! are folded in and shown) before the terminal is restored.

use super::action::Action;
use super::app::App;
use super::apply::{apply, refresh};
use super::effect::Effect;
use super::effects::EffectRunner;
use super::keymap::handle_key;
use super::msg::Msg;
use super::signals::{ExitSignal, ExitSignals};
use super::terminal::Tui;
use super::theme::{ColorSupport, Theme, ThemeError};
use super::update::update;
use super::view::FILTER_SLICE;
use crate::domain::ProductSummary;
use crate::engine::UiSession;
use crate::engine::{Engine, HealthEntry};
use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyModifiers};
use futures::StreamExt;
use ratatui::layout::Rect;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::sync::{broadcast, mpsc};

/// How often the clock is read (it redraws only what shows ages or fades).
const TICK: Duration = Duration::from_secs(1);

/// How long changes in flight may still take once the console is asked to end (by `q` confirmed
/// with work in flight, or by a signal): long enough for a carrier call to come back and be
/// journaled, short enough that a `kill` is still obeyed promptly. A second signal ends at once.
pub const GRACE: Duration = Duration::from_secs(5);

/// How the console ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The user quit (`q`, `:q`, Ctrl-C), or the terminal went away.
    Quit,
    /// A signal asked it to end.
    Signal(ExitSignal),
}

/// How long one turn of the loop may fold queued results in before it looks at keys again.
const DRAIN_BUDGET: Duration = Duration::from_millis(8);

/// What the console is started with.
#[derive(Debug, Clone, Default)]
pub struct UiOptions {
    /// A theme name (the user's themes folder first, then the built-in ones) or the path of a
    /// theme file (made absolute by the caller: see `theme::resolve_spec`).
    pub theme: String,
    /// The user's themes folder (`<config dir>/themes`).
    pub themes_dir: Option<PathBuf>,
    /// Capture the mouse (clicks select and open rows, the wheel scrolls).
    pub mouse: bool,
    /// Relist every backend this often (`refresh_interval`); `None`: only on `r`.
    pub refresh_interval: Option<Duration>,
    /// Refuse every mutating action.
    pub read_only: bool,
    /// Rows to show at once as unconfirmed, before the store's product cache (which the
    /// console streams in itself, `Effect::LoadCache`) and the listing arrive. The CLI leaves
    /// it empty; tests and examples use it to start on known rows.
    pub cached: Vec<ProductSummary>,
}

#[derive(Debug, thiserror::Error)]
pub enum UiError {
    #[error(transparent)]
    Theme(#[from] ThemeError),
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
}

/// Run the console until the user quits or a signal ends it. The terminal is restored on every
/// way out, and the poller the session started is stopped.
pub async fn run(session: UiSession, opts: UiOptions) -> Result<Ended, UiError> {
    let result = run_loop(&session, opts).await;
    session.shutdown().await;
    result
}

async fn run_loop(session: &UiSession, opts: UiOptions) -> Result<Ended, UiError> {
    let started = Instant::now();
    let mut first_rows_logged = false;
    let engine = &session.engine;
    // The theme is loaded before the terminal is taken over: a broken theme file is an error
    // on a normal screen, never a half-drawn console.
    let colors = ColorSupport::from_env();
    let themes_dir = opts.themes_dir.as_deref();
    let mut theme = Theme::for_terminal(&opts.theme, themes_dir, colors)?;
    let accounts = engine
        .accounts()
        .into_iter()
        .map(|a| (a.name, a.kind.as_str().to_string()))
        .collect();
    let read_only = opts.read_only || session.gate.is_read_only();
    let mut app = App::new(accounts, opts.cached, read_only);
    app.refresh_interval = opts
        .refresh_interval
        .and_then(|d| chrono::Duration::from_std(d).ok());
    app.now = Some(chrono::Utc::now());
    let mut monitor_updates = session.poller.subscribe();
    // Subscribed before the first read below, so no change between the two is missed.
    let mut health_changes = engine.health().subscribe();
    update(&mut app, Msg::Health(health(engine, &mut health_changes)));
    // Before the terminal is taken over: from here on a signal cannot leave it raw.
    let mut signals = ExitSignals::install()?;
    let mut tui = Tui::enter(colors, opts.mouse)?;
    let (tx, mut rx) = mpsc::channel::<Msg>(1024);
    let mut runner = EffectRunner::new(
        engine.clone(),
        session.gate.clone(),
        session.store.clone(),
        tx,
    );

    let (width, height) = tui.size()?;
    let (width, height) = super::backend::clamp_size(width, height);
    let mut screen = Rect::new(0, 0, width, height);
    apply(&mut app, Action::Resize { width, height });
    runner.run(Effect::LoadCache);
    runner.run(Effect::LoadAttrIndex);
    runner.run(Effect::LoadHistory);
    runner.run(Effect::LoadMonitors);
    runner.run(Effect::LoadUsageLevels);
    for effect in refresh(&mut app) {
        runner.run(effect);
    }
    let mut poller_open = true;
    let mut health_open = true;
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut ended = Ended::Quit;

    loop {
        if app.dirty || app.full_repaint {
            let at = Instant::now();
            // Views drawn from many rows collect what they plot once per version of the view.
            super::flows::map::prepare(&mut app);
            super::flows::overview::prepare(&mut app);
            tui.draw(&app, &theme, app.full_repaint);
            let draw = at.elapsed();
            // `RUST_LOG=cmo=debug`: each frame's cost, and when rows first showed.
            tracing::debug!(
                draw_us = draw.as_micros() as u64,
                rows = app.rows.len(),
                visible = app.visible.len(),
                "frame drawn"
            );
            if !first_rows_logged && !app.visible.is_empty() {
                first_rows_logged = true;
                tracing::debug!(
                    since_start_ms = started.elapsed().as_millis() as u64,
                    rows = app.rows.len(),
                    "first rows on screen"
                );
            }
            app.dirty = false;
            app.full_repaint = false;
        }
        if app.quit {
            break;
        }
        let effects = tokio::select! {
            biased;
            signal = signals.recv() => {
                tracing::info!(signal = signal.name(), "the console was asked to end");
                ended = Ended::Signal(signal);
                break;
            },
            event = events.next() => match event {
                // One frame per key: polling the stream with a no-op waker to coalesce keys
                // would lose the wake-up of the next key, so keys are not batched.
                Some(Ok(event)) => on_event(&mut app, &mut screen, event),
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            // A long filter runs a slice at a time, and only when no key is waiting.
            _ = std::future::ready(()), if app.filter_pending() => {
                app.filter_step(FILTER_SLICE);
                Vec::new()
            },
            Some(msg) = rx.recv() => {
                // Drain what is queued, but for a bounded time: a flood of pages or cache
                // chunks must not keep the next key waiting.
                let drain_from = Instant::now();
                let mut effects = update(&mut app, msg);
                while drain_from.elapsed() < DRAIN_BUDGET
                    && let Ok(msg) = rx.try_recv()
                {
                    effects.extend(update(&mut app, msg));
                }
                effects
            },
            update_result = monitor_updates.recv(), if poller_open => match update_result {
                Ok(monitor) => update(&mut app, Msg::MonitorUpdate(monitor)),
                Err(broadcast::error::RecvError::Lagged(_)) => update(&mut app, Msg::MonitorsLagged),
                Err(broadcast::error::RecvError::Closed) => {
                    poller_open = false;
                    Vec::new()
                }
            },
            changed = health_changes.changed(), if health_open => match changed {
                Ok(()) => update(&mut app, Msg::Health(health(engine, &mut health_changes))),
                // The board lives as long as the engine; a closed channel only ends listening.
                Err(_) => {
                    health_open = false;
                    Vec::new()
                }
            },
            _ = tick.tick() => {
                if tui.repaint_pending() {
                    app.dirty = true;
                }
                update(&mut app, Msg::Tick(chrono::Utc::now()))
            },
        };
        for effect in effects {
            match effect {
                Effect::Copy { text } => match tui.copy_to_clipboard(&text) {
                    Ok(()) => {}
                    Err(e) => app.set_error(&format!("copy failed: {e}")),
                },
                Effect::SetTheme { name } => match Theme::find(&name, themes_dir) {
                    Ok(t) => {
                        theme = t.adapt(colors);
                        app.set_info(&format!("theme {name}"));
                        app.full_repaint = true;
                    }
                    Err(e) => app.set_error(&e.to_string()),
                },
                other => runner.run(other),
            }
        }
    }
    finish_in_flight(&mut app, &mut tui, &theme, &mut rx, &mut signals, ended).await;
    drop(runner);
    drop(tui);
    Ok(ended)
}

/// The grace period: while changes are in flight, keep folding their answers in (so their
/// outcome is shown and their tasks reach the journal) for at most [`GRACE`]; a second signal
/// ends it at once. What is still in flight afterwards is logged by name, never dropped silently.
async fn finish_in_flight(
    app: &mut App,
    tui: &mut Tui,
    theme: &Theme,
    rx: &mut mpsc::Receiver<Msg>,
    signals: &mut ExitSignals,
    ended: Ended,
) {
    if app.in_flight.is_empty() {
        return;
    }
    let why = match ended {
        Ended::Signal(s) => s.name(),
        Ended::Quit => "quit",
    };
    let deadline = tokio::time::Instant::now() + GRACE;
    let mut announced = 0;
    while !app.in_flight.is_empty() {
        if announced != app.in_flight.len() {
            announced = app.in_flight.len();
            app.set_info(&format!(
                "{why}: waiting up to {} s for {} in flight",
                GRACE.as_secs(),
                changes(announced)
            ));
        }
        tui.draw(app, theme, false);
        app.dirty = false;
        tokio::select! {
            biased;
            signal = signals.recv() => {
                tracing::warn!(signal = signal.name(), "a second signal: leaving without waiting");
                break;
            }
            msg = rx.recv() => match msg {
                // Effects of a late answer (a row to re-read, …) are not started: the console
                // is leaving.
                Some(msg) => drop(update(app, msg)),
                None => break,
            },
            () = tokio::time::sleep_until(deadline) => break,
        }
    }
    for work in &app.in_flight {
        tracing::warn!(what = %work.what, "still in flight when the console ended");
    }
}

/// "1 change" / "3 changes".
pub fn changes(n: usize) -> String {
    if n == 1 {
        "1 change".to_string()
    } else {
        format!("{n} changes")
    }
}

fn on_event(app: &mut App, screen: &mut Rect, event: Event) -> Vec<Effect> {
    let action = match event {
        Event::Key(key) => match split_meta(app, key) {
            Some((esc, key)) => {
                let mut effects = on_event(app, screen, Event::Key(esc));
                effects.extend(on_event(app, screen, Event::Key(key)));
                return effects;
            }
            None => handle_key(app, key),
        },
        Event::Mouse(mouse) => super::mouse::action(mouse, app, *screen),
        Event::Resize(width, height) => {
            let (width, height) = super::backend::clamp_size(width, height);
            *screen = Rect::new(0, 0, width, height);
            Some(Action::Resize { width, height })
        }
        _ => None,
    };
    action.map(|a| apply(app, a)).unwrap_or_default()
}

/// A terminal reads Esc followed quickly by a key as one Alt+key (a slow SSH link sends both
/// in one packet): when no binding takes the Alt+key, it is the two keys the operator typed.
fn split_meta(app: &App, key: KeyEvent) -> Option<(KeyEvent, KeyEvent)> {
    if !key.modifiers.contains(KeyModifiers::ALT) || handle_key(app, key).is_some() {
        return None;
    }
    let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
    let plain = KeyEvent::new(key.code, key.modifiers - KeyModifiers::ALT);
    Some((esc, plain))
}

/// Every account's health, in account order, as the board shows it now; marks the change seen
/// (several changes between two turns of the loop are one read).
fn health(engine: &Engine, changes: &mut watch::Receiver<u64>) -> Vec<HealthEntry> {
    changes.borrow_and_update();
    let accounts = engine.accounts();
    engine
        .health()
        .entries(accounts.iter().map(|a| a.name.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::app::Overlay;

    fn key(code: KeyCode, mods: KeyModifiers) -> Event {
        Event::Key(KeyEvent::new(code, mods))
    }

    #[test]
    fn esc_and_q_read_as_one_alt_q_close_the_help_and_then_quit() {
        let mut app = crate::ui::tests::app_with(3);
        let mut screen = Rect::new(0, 0, 120, 40);
        on_event(
            &mut app,
            &mut screen,
            key(KeyCode::Char('?'), KeyModifiers::NONE),
        );
        assert!(matches!(app.top_overlay(), Some(Overlay::Help { .. })));
        on_event(
            &mut app,
            &mut screen,
            key(KeyCode::Char('q'), KeyModifiers::ALT),
        );
        assert!(app.top_overlay().is_none(), "Esc closed the help");
        assert!(app.quit, "then q quit");
    }
}
