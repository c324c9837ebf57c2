//! The backends view's usage block: per account, a `Sparkline` of its daily data use over the
//! last 30 days — the sum of what the local history knows (products opened, or read with
//! `usage get`), never a figure asked of the carrier for this view — with the total.

use crate::domain::quota::{SERIES_DAYS, data_series, series_stats};
use crate::domain::usage::{Unit, display_amount};
use crate::text::sanitize;
use crate::ui::app::App;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

/// Rows the block takes: a heading and one row per account with known use; none without.
pub fn height(app: &App) -> u16 {
    let known = app
        .usage
        .accounts
        .iter()
        .filter(|(_, days)| !days.is_empty())
        .count();
    if known == 0 {
        0
    } else {
        u16::try_from(known + 2).unwrap_or(u16::MAX)
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let accounts: Vec<_> = app
        .usage
        .accounts
        .iter()
        .filter(|(_, days)| !days.is_empty())
        .collect();
    let mut rows = vec![Constraint::Length(1), Constraint::Length(1)];
    rows.extend(accounts.iter().map(|_| Constraint::Length(1)));
    let areas = Layout::vertical(rows).split(area);
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(
            format!("── Data use, last {SERIES_DAYS} days (sum of what is known) "),
            theme.pane_title,
        ))),
        areas[1],
    );
    let last = app.now.map(|n| n.date_naive()).or_else(|| {
        accounts
            .iter()
            .flat_map(|(_, days)| days.iter().map(|d| d.day))
            .max()
    });
    let Some(last) = last else { return };
    for (i, (name, days)) in accounts.iter().enumerate() {
        let [label, chart, total] = Layout::horizontal([
            Constraint::Length(19),
            Constraint::Length(SERIES_DAYS as u16 + 1),
            Constraint::Fill(1),
        ])
        .areas(areas[i + 2]);
        let series = data_series(days, last);
        let bars: Vec<Option<u64>> = series
            .iter()
            .map(|d| d.map(|bytes| (bytes / 1e3).round() as u64))
            .collect();
        frame.render_widget(
            Paragraph::new(Span::styled(sanitize(name), theme.label)),
            label,
        );
        frame.render_widget(
            Sparkline::default()
                .data(bars.as_slice())
                .style(theme.status_ok)
                .absent_value_symbol("·")
                .absent_value_style(theme.native),
            chart,
        );
        let text = series_stats(&series).map_or_else(String::new, |s| {
            format!(
                "total {} · max {}/day",
                display_amount(s.total, Unit::Bytes),
                display_amount(s.max, Unit::Bytes)
            )
        });
        frame.render_widget(Paragraph::new(Span::styled(text, theme.value)), total);
    }
}
