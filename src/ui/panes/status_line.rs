//! The status line — the carrier calls in flight (spinner, account, seconds), then the newest
//! message with its time — the command line, and the filter line.

use crate::ui::app::{App, MessageKind};
use crate::ui::messages::{elapsed, spinner};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans = Vec::new();
    // Work in flight first: a spinner, what, where, and for how long — never idle-looking.
    if let Some(work) = app.in_flight.last() {
        let secs = elapsed(work.since, app.now);
        let account = work
            .account
            .as_deref()
            .map(|a| format!(" · {}", crate::text::sanitize(a)))
            .unwrap_or_default();
        let more = match app.in_flight.len() {
            1 => String::new(),
            n => format!(" (+{} more)", n - 1),
        };
        spans.push(Span::styled(
            format!(
                " {} {}{account} · {secs}s{more} ",
                spinner(secs),
                crate::text::sanitize(&work.what)
            ),
            theme.message_info,
        ));
    }
    if let Some(m) = app.message() {
        let style = match m.kind {
            MessageKind::Error => theme.message_error,
            MessageKind::Info | MessageKind::Success => theme.message_info,
        };
        if !spans.is_empty() {
            spans.push(Span::styled("│", theme.border));
        }
        let time =
            m.at.map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%H:%M:%S ")
                    .to_string()
            })
            .unwrap_or_default();
        spans.push(Span::styled(format!(" {time}"), theme.native));
        if m.kind == MessageKind::Error {
            spans.push(Span::styled("error ", style));
        }
        spans.push(Span::styled(format!("{} ", m.text), style));
    } else if spans.is_empty() && !app.marks.is_empty() {
        spans.push(Span::styled(
            format!(
                " {} marked — S changes their status, Space unmarks",
                app.marks.len()
            ),
            theme.message_info,
        ));
    }
    if let n @ 1.. = app.monitors.pending() {
        spans.push(Span::styled(
            format!("  [{n} pending — m shows the monitors]"),
            theme.native,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The filter line and, under it, why the text does not parse (the list keeps the last result).
pub fn draw_filter(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if let Some(error) = &app.filter.error
        && area.height > 1
    {
        let line = Rect {
            y: area.y + 1,
            height: 1,
            ..area
        };
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!(
                    "   {} (the list shows the last query that parsed)",
                    crate::ui::app::one_line(error)
                ),
                theme.message_error,
            )),
            line,
        );
    }
    let area = Rect { height: 1, ..area };
    let prefix = " / ";
    let width = usize::from(area.width.saturating_sub(4));
    let input = &app.filter.input;
    let scroll = input.visual_scroll(width);
    let shown: String = input.value().chars().skip(scroll).collect();
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(prefix, theme.footer_key),
            Span::styled(crate::text::sanitize(&shown), theme.filter),
        ])),
        area,
    );
    if app.filter.editing {
        let x =
            area.x + 3 + u16::try_from(input.visual_cursor().saturating_sub(scroll)).unwrap_or(0);
        frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
    }
}

/// The `:` command line, where the status line was (as in vim and k9s).
pub fn draw_command(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let width = usize::from(area.width.saturating_sub(3));
    let input = &app.command.input;
    let scroll = input.visual_scroll(width);
    let shown: String = input.value().chars().skip(scroll).collect();
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" :", theme.footer_key),
            Span::styled(crate::text::sanitize(&shown), theme.filter),
        ])),
        area,
    );
    let x = area.x + 2 + u16::try_from(input.visual_cursor().saturating_sub(scroll)).unwrap_or(0);
    frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
}
