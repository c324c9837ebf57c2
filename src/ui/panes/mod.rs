//! Drawing: a pure function of `&App` and the `Theme`, one file per pane. Panes build only what
//! is on screen; nothing here filters, sorts or allocates per product held.

pub mod attrs;
pub mod audit;
pub mod backends;
pub mod backends_usage;
pub mod detail;
pub mod detail_conn;
pub mod detail_usage;
pub mod dialog;
pub mod footer;
pub mod header;
pub mod help;
pub mod list;
pub mod map;
pub mod monitors;
pub mod overview;
pub mod status_line;

use super::app::{App, Overlay, Screen};
use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

/// The screen's rows: header, body (the pane with focus), filter line, status line, footer.
fn layout(area: Rect, app: &App) -> [Rect; 5] {
    let show_filter = app.filter.editing || app.filter.is_active();
    let filter_rows = u16::from(show_filter) + u16::from(app.filter.error.is_some());
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(filter_rows),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// Where the body pane (list, detail, monitors, …) is drawn on a screen of `area` (for the mouse).
pub fn body_area(area: Rect, app: &App) -> Rect {
    layout(area, app)[1]
}

/// Draw the whole screen.
pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = frame.area();
    frame.render_widget(Block::new().style(theme.base), area);
    let show_filter = app.filter.editing || app.filter.is_active();
    let [header_area, body, filter_area, status_area, footer_area] = layout(area, app);
    header::draw(frame, header_area, app, theme);
    match (app.screen, &app.detail) {
        (Screen::Monitors, _) => monitors::draw(frame, body, app, theme),
        (Screen::Audit, _) => audit::draw(frame, body, app, theme),
        (Screen::Backends, _) => backends::draw(frame, body, app, theme),
        (Screen::Map, _) => map::draw(frame, body, app, theme),
        (Screen::Overview, _) => overview::draw(frame, body, app, theme),
        (Screen::Products, Some(detail)) => detail::draw(frame, body, app, detail, theme),
        (Screen::Products, None) => list::draw(frame, body, app, theme),
    }
    if show_filter {
        status_line::draw_filter(frame, filter_area, app, theme);
    }
    if app.command.editing {
        status_line::draw_command(frame, status_area, app, theme);
    } else {
        status_line::draw(frame, status_area, app, theme);
    }
    footer::draw(frame, footer_area, app, theme);
    for overlay in &app.overlays {
        match overlay {
            Overlay::Help { scroll } => help::draw(frame, area, *scroll, theme),
            Overlay::Columns { selected } => {
                dialog::draw_columns(frame, area, app, *selected, theme)
            }
            Overlay::Messages { scroll } => dialog::draw_messages(frame, area, app, *scroll, theme),
            _ => dialog::draw(frame, area, overlay, theme),
        }
    }
}

/// A rectangle of at most `width`×`height` centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// `label: value` with the label padded, the value sanitized, and `—` for a missing value.
/// Draw a pane's bordered block titled `title` and return the area inside it.
pub fn pane(frame: &mut Frame, area: Rect, title: String, theme: &Theme) -> Rect {
    let block = pane_block()
        .border_style(theme.border)
        .title(Span::styled(title, theme.pane_title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

fn pane_block<'a>() -> Block<'a> {
    Block::new().borders(Borders::ALL)
}

/// The area inside a pane drawn with [`pane`] on `area`.
pub fn pane_inner(area: Rect) -> Rect {
    pane_block().inner(area)
}

/// Width of the label column of `key  value` lines, the separating space included.
const LABEL_WIDTH: usize = 20;

/// A label padded to [`LABEL_WIDTH`]; a longer one (a carrier's characteristic name) is cut
/// with `…` so it never runs into its value.
pub fn label(text: &str) -> String {
    let room = LABEL_WIDTH - 1;
    if text.chars().count() > room {
        let cut: String = text.chars().take(room - 1).collect();
        format!("{cut}… ")
    } else {
        format!("{text:<LABEL_WIDTH$}")
    }
}

pub fn field<'a>(label: &'a str, value: Option<&str>, theme: &Theme) -> Line<'a> {
    let value = value
        .map(crate::text::sanitize)
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "—".to_string());
    Line::from(vec![
        Span::styled(self::label(label), theme.label),
        Span::styled(value, theme.value),
    ])
}
