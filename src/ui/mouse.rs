//! The mouse, as a pure mapping from a crossterm `MouseEvent` (and the state and screen size)
//! to an [`Action`], so it goes through `apply` like any key. On the product list a left click
//! selects the row under it and a click on the selected row opens it (so a double click opens
//! the row clicked); the wheel scrolls what has focus: the list, the detail, the monitors,
//! audit and backends panes, the help and report overlays, menus. A click on a confirmation's
//! button presses it; a click on a status-menu item selects it, a click on the selected item
//! picks it. On the world map a click selects the nearest terminal (a second click opens it)
//! and the wheel zooms. Everything else (the typed confirmation, the attribute form, the filter and command
//! lines) is left to the keys: a click there does nothing rather than something surprising.

use super::action::Action;
use super::app::{App, Overlay};
use super::keymap::{Context, context};
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

/// The action for `event` on a screen of `screen` (the terminal's full area).
pub fn action(event: MouseEvent, app: &App, screen: Rect) -> Option<Action> {
    match event.kind {
        MouseEventKind::ScrollDown => wheel(app, true),
        MouseEventKind::ScrollUp => wheel(app, false),
        MouseEventKind::Down(MouseButton::Left) => click(app, screen, event.column, event.row),
        _ => None,
    }
}

fn wheel(app: &App, down: bool) -> Option<Action> {
    let (forward, back) = match context(app) {
        Context::List
        | Context::Monitors
        | Context::Audit
        | Context::Backends
        | Context::Overview
        | Context::Help
        | Context::Report
        | Context::StatusMenu
        | Context::Columns => (Action::Down, Action::Up),
        // The wheel zooms the map, as on any map.
        Context::Map => (Action::ZoomOut, Action::ZoomIn),
        // Up/Down move between the detail's attributes; the page keys scroll it.
        Context::Detail => (Action::PageDown, Action::PageUp),
        Context::Global
        | Context::Filter
        | Context::Command
        | Context::Confirm
        | Context::TypedConfirm
        | Context::AttrForm => return None,
    };
    Some(if down { forward } else { back })
}

fn click(app: &App, screen: Rect, x: u16, y: u16) -> Option<Action> {
    match app.overlays.last() {
        Some(Overlay::Confirm { pending, .. }) => {
            let (back, act) = super::panes::dialog::confirm_buttons(screen, pending)?;
            let at = Position::new(x, y);
            return if act.contains(at) {
                Some(Action::Press { confirm: true })
            } else if back.contains(at) {
                Some(Action::Press { confirm: false })
            } else {
                None
            };
        }
        Some(Overlay::StatusMenu {
            subject,
            targets,
            selected,
        }) => {
            let item = super::panes::dialog::menu_item_at(screen, subject, targets, x, y)?;
            return Some(if item == *selected {
                Action::Open
            } else {
                Action::Select { position: item }
            });
        }
        _ => {}
    }
    if context(app) == Context::Map {
        return map_click(app, screen, x, y);
    }
    // The start-up overview answers the list's keys but has none of its rows to click.
    if context(app) != Context::List || app.screen != super::app::Screen::Products {
        return None;
    }
    let body = super::panes::body_area(screen, app);
    let position = super::panes::list::position_at(body, app, x, y)?;
    Some(if position == app.selected {
        Action::Open
    } else {
        Action::Select { position }
    })
}

/// A click on the map selects the terminal nearest the click; a click on the selected one
/// opens it.
fn map_click(app: &App, screen: Rect, x: u16, y: u16) -> Option<Action> {
    let body = super::panes::body_area(screen, app);
    let view = app.map.viewport();
    let (lon, lat) = super::panes::map::geo_at(body, &view, x, y)?;
    let points = super::flows::map::points(app);
    let hit = super::flows::map::nearest(&points.points, &view, lon, lat)?;
    Some(if hit.position == app.selected {
        Action::Open
    } else {
        Action::Select {
            position: hit.position,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BackendKind, ProductSummary, Status};
    use crate::ui::apply::apply;
    use crossterm::event::KeyModifiers;

    fn event(kind: MouseEventKind, column: u16, row: u16) -> MouseEvent {
        MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }
    }

    fn click_at(column: u16, row: u16) -> MouseEvent {
        event(MouseEventKind::Down(MouseButton::Left), column, row)
    }

    const SCREEN: Rect = Rect {
        x: 0,
        y: 0,
        width: 100,
        height: 20,
    };

    /// An app with `n` products on a 100×20 screen.
    fn app(n: usize) -> App {
        app_of(BackendKind::OneNce, n)
    }

    /// An app with `n` ACTIVE products of `kind` on a 100×20 screen.
    fn app_of(kind: BackendKind, n: usize) -> App {
        let rows: Vec<ProductSummary> = (0..n)
            .map(|i| crate::ui::tests::summary(kind, "demo", i, Status::Active))
            .collect();
        let mut app = App::new(vec![("demo".into(), kind.as_str().into())], rows, false);
        apply(
            &mut app,
            Action::Resize {
                width: SCREEN.width,
                height: SCREEN.height,
            },
        );
        app
    }

    /// The screen row of the first list row: header, pane border, summary, column names.
    const FIRST_ROW: u16 = 4;

    #[test]
    fn a_click_selects_the_row_under_it_and_a_click_on_the_selection_opens_it() {
        let mut app = app(30);
        assert_eq!(
            action(click_at(10, FIRST_ROW + 2), &app, SCREEN),
            Some(Action::Select { position: 2 })
        );
        apply(&mut app, Action::Select { position: 2 });
        assert_eq!(app.selected, 2);
        assert_eq!(
            action(click_at(10, FIRST_ROW + 2), &app, SCREEN),
            Some(Action::Open)
        );
        // The border, the summary, the column names and the status lines are not rows.
        for row in [0, 1, 2, 3, SCREEN.height - 2, SCREEN.height - 1] {
            assert_eq!(action(click_at(10, row), &app, SCREEN), None, "row {row}");
        }
        assert_eq!(action(click_at(0, FIRST_ROW), &app, SCREEN), None, "border");
        // Releases and other buttons do nothing.
        let up = event(MouseEventKind::Up(MouseButton::Left), 10, FIRST_ROW);
        assert_eq!(action(up, &app, SCREEN), None);
        let right = event(MouseEventKind::Down(MouseButton::Right), 10, FIRST_ROW);
        assert_eq!(action(right, &app, SCREEN), None);
    }

    #[test]
    fn clicks_follow_the_scrolled_window_and_stop_after_the_last_row() {
        let mut app = app(40);
        apply(&mut app, Action::Bottom);
        // Header, pane borders, summary, column names, status line, footer.
        let visible_rows = usize::from(SCREEN.height) - 7;
        let first_shown = 40 - visible_rows;
        assert_eq!(
            action(click_at(10, FIRST_ROW), &app, SCREEN),
            Some(Action::Select {
                position: first_shown
            })
        );
        let mut short = self::app(3);
        assert_eq!(action(click_at(10, FIRST_ROW + 3), &short, SCREEN), None);
        // No rows, nothing to click.
        short = self::app(0);
        assert_eq!(action(click_at(10, FIRST_ROW), &short, SCREEN), None);
    }

    #[test]
    fn the_wheel_scrolls_what_has_focus() {
        let mut app = app(30);
        let down = event(MouseEventKind::ScrollDown, 10, 10);
        let up = event(MouseEventKind::ScrollUp, 10, 10);
        assert_eq!(action(down, &app, SCREEN), Some(Action::Down));
        assert_eq!(action(up, &app, SCREEN), Some(Action::Up));
        apply(&mut app, Action::Help);
        assert_eq!(action(down, &app, SCREEN), Some(Action::Down));
        // A click over an overlay does not reach the list below it.
        assert_eq!(action(click_at(10, FIRST_ROW + 1), &app, SCREEN), None);
        apply(&mut app, Action::Back);
        apply(&mut app, Action::Open);
        assert!(app.detail.is_some());
        assert_eq!(action(down, &app, SCREEN), Some(Action::PageDown));
        assert_eq!(action(up, &app, SCREEN), Some(Action::PageUp));
        assert_eq!(action(click_at(10, FIRST_ROW + 1), &app, SCREEN), None);
    }

    /// Where `needle` is drawn on the screen `app` renders to (column, row).
    fn drawn_at(app: &App, needle: &str) -> Option<(u16, u16)> {
        use ratatui::{Terminal, backend::TestBackend};
        let theme = crate::ui::theme::Theme::default();
        let mut terminal = Terminal::new(TestBackend::new(SCREEN.width, SCREEN.height)).ok()?;
        terminal
            .draw(|f| crate::ui::panes::draw(f, app, &theme))
            .ok()?;
        let buffer = terminal.backend().buffer();
        (0..SCREEN.height).find_map(|y| {
            let line: String = (0..SCREEN.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect();
            let byte = line.find(needle)?;
            Some((u16::try_from(line[..byte].chars().count()).ok()?, y))
        })
    }

    #[test]
    fn clicks_pick_status_menu_items_and_press_the_buttons_drawn_under_them() {
        // TMUS lets an ACTIVE SIM go to SUSPENDED or TERMINATED: a menu of two.
        let mut app = app_of(BackendKind::Tmus, 5);
        apply(&mut app, Action::ChangeStatus);
        let Some(Overlay::StatusMenu { targets, .. }) = app.overlays.last() else {
            panic!("the status menu opens");
        };
        let (first, second) = (targets[0].as_str(), targets[1].as_str());
        let (x, y) = drawn_at(&app, second).expect("the second target is drawn");
        assert_eq!(
            action(click_at(x, y), &app, SCREEN),
            Some(Action::Select { position: 1 })
        );
        apply(&mut app, Action::Select { position: 1 });
        let (x, y) = drawn_at(&app, first).expect("the first target is drawn");
        assert_eq!(
            action(click_at(x, y), &app, SCREEN),
            Some(Action::Select { position: 0 })
        );
        apply(&mut app, Action::Select { position: 0 });
        // A click on the selected item picks it: the confirmation opens.
        assert_eq!(action(click_at(x + 1, y), &app, SCREEN), Some(Action::Open));
        apply(&mut app, Action::Open);
        assert!(matches!(app.overlays.last(), Some(Overlay::Confirm { .. })));

        // Outside the buttons, nothing; on the safe button, nothing is sent.
        let (cx, cy) = drawn_at(&app, "[ Cancel ]").expect("Cancel is drawn");
        assert_eq!(
            action(click_at(cx.saturating_sub(2), cy), &app, SCREEN),
            None
        );
        assert_eq!(action(click_at(cx, cy - 1), &app, SCREEN), None);
        assert_eq!(
            action(click_at(cx + 3, cy), &app, SCREEN),
            Some(Action::Press { confirm: false })
        );
        let label = format!("[ Change to {first} ]");
        let (ax, ay) = drawn_at(&app, &label).expect("the action button is drawn");
        let last = ax + u16::try_from(label.len()).unwrap() - 1;
        assert_eq!(
            action(click_at(last, ay), &app, SCREEN),
            Some(Action::Press { confirm: true })
        );
        assert_eq!(action(click_at(last + 1, ay), &app, SCREEN), None);
        let effects = apply(&mut app, Action::Press { confirm: true });
        assert!(app.overlays.is_empty(), "the dialog closes");
        assert_eq!(effects.len(), 1, "the change is sent: {effects:?}");

        // The safe button closes the dialog and sends nothing.
        apply(&mut app, Action::ChangeStatus);
        apply(&mut app, Action::Open);
        assert!(apply(&mut app, Action::Press { confirm: false }).is_empty());
        assert!(app.overlays.is_empty());
    }
}
