//! Monitors pane: every asynchronous carrier request (id, product, request, state coloured, age,
//! last update), newest first; the monitor a status change just returned is marked `▶`. Ages
//! come from `App::now` (the runtime's tick), never from the system clock, so a frame is a pure
//! function of the state.

use crate::domain::{Monitor, MonitorState};
use crate::text::sanitize;
use crate::ui::app::App;
use crate::ui::theme::Theme;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

/// Column widths for the monitors on screen: ids and products as wide as the longest one (within
/// bounds), so the request text — the part an operator reads — gets the rest.
fn widths(shown: &[Monitor]) -> [Constraint; 7] {
    let widest = |f: &dyn Fn(&Monitor) -> usize, min: usize, max: usize| {
        let w = shown.iter().map(f).max().unwrap_or(0).clamp(min, max);
        Constraint::Length(u16::try_from(w).unwrap_or(u16::MAX))
    };
    [
        Constraint::Length(1),
        widest(&|m| m.id.chars().count(), 7, 38),
        widest(
            &|m| m.product_id.as_ref().map_or(1, |p| p.to_string().len()),
            7,
            34,
        ),
        Constraint::Fill(1),
        // "InProgress 202", "Cancelled 200".
        Constraint::Length(14),
        Constraint::Length(5),
        Constraint::Length(7),
    ]
}

const HEADER: [&str; 7] = [
    "", "Monitor", "Product", "Request", "State", "Age", "Updated",
];

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let m = &app.monitors;
    let title = format!(" Monitors {} · {} pending ", m.list.len(), m.pending());
    let inner = super::pane(frame, area, title, theme);
    if m.list.is_empty() {
        let text = "No asynchronous requests yet. A status change on an asynchronous backend (TMSP, INTELSAT, …) shows up here.";
        frame.render_widget(Paragraph::new(Span::styled(text, theme.native)), inner);
        return;
    }
    let height = usize::from(inner.height.saturating_sub(1)).max(1);
    let selected = m.selected.min(m.list.len() - 1);
    let offset = (selected + 1).saturating_sub(height);
    let shown = &m.list[offset..(offset + height).min(m.list.len())];
    // On a narrow terminal the request text (what an operator reads) keeps the room the
    // "Updated" column would take.
    let columns = if inner.width < WITH_UPDATED_FROM {
        6
    } else {
        7
    };
    let rows = shown.iter().map(|monitor| {
        let mut cells = row(monitor, app, theme);
        cells.truncate(columns);
        Row::new(cells)
    });
    let table = Table::new(rows, &widths(shown)[..columns])
        .header(Row::new(HEADER[..columns].iter().copied()).style(theme.table_header))
        .column_spacing(1)
        .row_highlight_style(theme.selected);
    let mut state = TableState::default().with_selected(Some(selected - offset));
    frame.render_stateful_widget(table, inner, &mut state);
}

/// Below this inner width the "Updated" column is left out.
const WITH_UPDATED_FROM: u16 = 110;

fn row<'a>(monitor: &'a Monitor, app: &App, theme: &Theme) -> Vec<Cell<'a>> {
    let marked = app.monitors.highlight.as_deref() == Some(monitor.id.as_str());
    let product = monitor
        .product_id
        .as_ref()
        .map(|p| p.to_string())
        .unwrap_or_else(|| "—".into());
    let mut state = monitor.state.as_str().to_string();
    if let Some(code) = monitor.status_code {
        state.push_str(&format!(" {code}"));
    }
    let updated = monitor.updated.as_deref().map(|u| age(app.now, u));
    vec![
        Cell::from(if marked { "▶" } else { " " }),
        Cell::from(sanitize(&monitor.id)),
        Cell::from(product),
        Cell::from(request_text(monitor)),
        Cell::from(Span::styled(state, state_style(monitor.state, theme))),
        Cell::from(age(app.now, &monitor.created)),
        Cell::from(updated.unwrap_or_else(|| "—".into())),
    ]
}

/// The request, and the carrier's reason when it failed.
fn request_text(monitor: &Monitor) -> String {
    match (&monitor.detail, monitor.state) {
        (Some(d), MonitorState::InError) => sanitize(&format!("{} — {d}", monitor.request)),
        _ => sanitize(&monitor.request),
    }
}

pub fn state_style(state: MonitorState, theme: &Theme) -> Style {
    match state {
        MonitorState::InProgress => theme.status_warn,
        MonitorState::Completed => theme.status_ok,
        MonitorState::InError => theme.status_bad,
        MonitorState::Cancelled => theme.status_unknown,
    }
}

/// How long ago an RFC 3339 time was, as `42s`, `5m`, `3h` or `2d`; `—` without a clock or a
/// readable time, `0s` for a time ahead of the clock.
pub fn age(now: Option<DateTime<Utc>>, at: &str) -> String {
    let (Some(now), Ok(at)) = (now, DateTime::parse_from_rfc3339(at)) else {
        return "—".into();
    };
    let secs = (now - at.with_timezone(&Utc)).num_seconds().max(0);
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::age;
    use chrono::{DateTime, Utc};

    #[test]
    fn ages_are_short_and_never_negative() {
        let now: DateTime<Utc> = "2026-11-29T10:00:00Z".parse().unwrap();
        assert_eq!(age(Some(now), "2026-11-29T09:59:18Z"), "42s");
        assert_eq!(age(Some(now), "2026-11-29T09:55:00+00:00"), "5m");
        assert_eq!(age(Some(now), "2026-11-29T07:00:00Z"), "3h");
        assert_eq!(age(Some(now), "2026-11-27T10:00:00Z"), "2d");
        assert_eq!(age(Some(now), "2026-11-29T10:00:30Z"), "0s");
        assert_eq!(age(None, "2026-11-29T09:59:18Z"), "—");
        assert_eq!(age(Some(now), "yesterday"), "—");
    }
}
