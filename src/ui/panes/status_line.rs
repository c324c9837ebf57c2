//! The message line (errors and notices, sanitized, one line), the result of the last change or
//! monitor poll, and the filter line.

use crate::ui::app::{App, MessageKind};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let line = if let Some(m) = &app.message {
        let style = match m.kind {
            MessageKind::Error => theme.message_error,
            MessageKind::Info => theme.message_info,
        };
        Line::from(Span::styled(format!(" {} ", m.text), style))
    } else if let Some(s) = &app.status_line {
        let pending = match app.monitors.pending() {
            0 => String::new(),
            n => format!("  [{n} pending — m shows the monitors]"),
        };
        Line::from(vec![
            Span::styled(format!(" {}", crate::text::sanitize(s)), theme.message_info),
            Span::styled(pending, theme.native),
        ])
    } else if !app.marks.is_empty() {
        Line::from(Span::styled(
            format!(
                " {} marked — S changes their status, Space unmarks",
                app.marks.len()
            ),
            theme.message_info,
        ))
    } else {
        Line::default()
    };
    frame.render_widget(Paragraph::new(line), area);
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
