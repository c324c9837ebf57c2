//! Quitting with changes in flight asks first ("1 change in flight — quit anyway?", focus on
//! "Keep running"); with nothing in flight `q` quits at once; a repeated `q` or Ctrl-C does not
//! answer the question for the user.

use super::{app_with, press};
use crate::ui::app::{ConfirmFocus, Overlay, Pending};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn ctrl_c(app: &mut crate::ui::app::App) {
    let key = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    if let Some(action) = crate::ui::keymap::handle_key(app, key) {
        crate::ui::apply::apply(app, action);
    }
}

/// The whole screen as text, one line per row.
fn screen(app: &crate::ui::app::App) -> String {
    let theme = crate::ui::theme::Theme::load("default").expect("theme");
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).expect("terminal");
    terminal
        .draw(|f| crate::ui::panes::draw(f, app, &theme))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn q_with_nothing_in_flight_quits_at_once() {
    let mut app = app_with(3);
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
}

#[test]
fn q_with_a_change_in_flight_asks_and_cancel_keeps_the_console_running() {
    let mut app = app_with(3);
    app.start_work("status X".into(), "X → SUSPENDED".into(), None);
    for quit in [
        |app: &mut crate::ui::app::App| {
            press(app, KeyCode::Char('q'));
        },
        ctrl_c,
    ] {
        quit(&mut app);
        assert!(!app.quit, "asked, not quit");
        assert!(matches!(
            app.top_overlay(),
            Some(Overlay::Confirm {
                pending: Pending::Quit { in_flight: 1 },
                focus: ConfirmFocus::Cancel
            })
        ));
        // Ctrl-C again does not answer: still one question, still running (`q` on the dialog
        // is Back, which keeps running too).
        ctrl_c(&mut app);
        assert!(!app.quit);
        assert_eq!(app.overlays.len(), 1);
        // Enter on the focused "Keep running" closes it.
        press(&mut app, KeyCode::Enter);
        assert!(!app.quit && app.overlays.is_empty());
    }
}

#[test]
fn quit_anyway_quits_and_the_dialog_names_the_count() {
    let mut app = app_with(3);
    app.start_work("status A".into(), "A → SUSPENDED".into(), None);
    app.start_work("batch".into(), "batch: 4 products → ACTIVE".into(), None);
    press(&mut app, KeyCode::Char('q'));
    let text = screen(&app);
    assert!(
        text.contains("2 changes in flight — quit anyway?"),
        "{text}"
    );
    assert!(
        text.contains("Keep running") && text.contains("Quit anyway"),
        "{text}"
    );
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Enter);
    assert!(app.quit);
}

#[test]
fn a_change_that_ends_before_the_answer_leaves_quit_to_the_user() {
    let mut app = app_with(3);
    app.start_work("status A".into(), "A → SUSPENDED".into(), None);
    press(&mut app, KeyCode::Char('q'));
    app.end_work("status A");
    // The question stays (the user decides); answering "Quit anyway" quits.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Enter);
    assert!(app.quit);
}
