//! Backends pane: one row per configured account — name, kind, health (coloured), last
//! latency, products loaded, listing state — and, below the table, the reason of each failure
//! in full (sanitized): the "why is it down" a header dot cannot say.

use crate::text::sanitize;
use crate::ui::app::{App, BackendView, ListState};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

const WIDTHS: [Constraint; 6] = [
    Constraint::Length(18),
    Constraint::Length(9),
    Constraint::Length(13),
    Constraint::Length(9),
    Constraint::Length(9),
    Constraint::Fill(1),
];

const HEADER: [&str; 6] = [
    "Account", "Kind", "Health", "Latency", "Products", "Listing",
];

/// The reason a backend is failing, if it is: the listing's failure, else the last call's.
fn problem(b: &BackendView) -> Option<String> {
    match &b.list {
        ListState::Failed(e) => Some(e.clone()),
        _ => b.health.last_error.clone(),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let failing: Vec<(&BackendView, String)> = app
        .backends
        .iter()
        .filter_map(|b| problem(b).map(|p| (b, p)))
        .collect();
    let title = format!(
        " Backends {} · {} with an error ",
        app.backends.len(),
        failing.len()
    );
    let inner = super::pane(frame, area, title, theme);
    let table_height = u16::try_from(app.backends.len() + 1).unwrap_or(u16::MAX);
    let [table_area, usage_area, errors_area] = Layout::vertical([
        Constraint::Length(table_height),
        Constraint::Length(super::backends_usage::height(app)),
        Constraint::Min(0),
    ])
    .areas(inner);
    if usage_area.height > 0 {
        super::backends_usage::draw(frame, usage_area, app, theme);
    }
    let rows = app.backends.iter().map(|b| row(b, app.now, theme));
    let table = Table::new(rows, WIDTHS)
        .header(Row::new(HEADER).style(theme.table_header))
        .column_spacing(1);
    frame.render_widget(table, table_area);

    let mut lines = vec![Line::default()];
    if failing.is_empty() {
        lines.push(Line::from(Span::styled(
            "Every backend answers. r lists them all again.",
            theme.native,
        )));
    }
    for (b, why) in failing {
        lines.push(Line::from(vec![
            Span::styled(format!("{}: ", sanitize(&b.name)), theme.label),
            Span::styled(sanitize(&why), theme.message_error),
        ]));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), errors_area);
}

/// `42s`, `3m`, `2h`, `4d`: an age at a glance.
pub fn age(secs: i64) -> String {
    match secs.max(0) {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

fn row<'a>(
    b: &'a BackendView,
    now: Option<chrono::DateTime<chrono::Utc>>,
    theme: &Theme,
) -> Row<'a> {
    let health = b.health.health;
    let latency = b
        .health
        .last_latency_ms
        .map_or_else(|| "—".to_string(), |ms| format!("{ms} ms"));
    let listing = match &b.list {
        ListState::Idle => "—".to_string(),
        ListState::Loading => "listing ⟳".to_string(),
        ListState::Done => match (b.listed_at, now) {
            (Some(at), Some(now)) => format!("complete, {} ago", age((now - at).num_seconds())),
            _ => "complete".to_string(),
        },
        ListState::Failed(_) => "failed ✖".to_string(),
    };
    Row::new([
        Cell::from(sanitize(&b.name)),
        Cell::from(b.kind.as_str()),
        Cell::from(Span::styled(
            format!("● {}", health.label()),
            theme.health(health),
        )),
        Cell::from(latency),
        Cell::from(b.loaded.to_string()),
        Cell::from(listing),
    ])
}
