//! The status-change menu (only the targets the capability table allows) and the confirmation
//! dialog (focus starts on Cancel).

use super::centered;
use crate::domain::capabilities::{UpdateMode, update_mode};
use crate::ui::app::{ConfirmFocus, Overlay};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, overlay: &Overlay, theme: &Theme) {
    match overlay {
        Overlay::StatusMenu {
            id,
            from,
            targets,
            selected,
        } => {
            let mut lines = vec![
                Line::from(vec![
                    Span::styled("Current status  ", theme.label),
                    Span::styled(from.as_str(), theme.status(*from)),
                ]),
                Line::from(Span::styled("Move to:", theme.label)),
            ];
            for (i, t) in targets.iter().enumerate() {
                let style = if i == *selected {
                    theme.selected
                } else {
                    theme.status(*t)
                };
                lines.push(Line::from(Span::styled(
                    format!("  {:<20}", t.as_str()),
                    style,
                )));
            }
            let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
            let width = u16::try_from(id.to_string().len() + 14)
                .unwrap_or(u16::MAX)
                .max(40);
            boxed(
                frame,
                area,
                &format!(" Change status · {id} "),
                lines,
                width,
                height,
                theme,
            );
        }
        Overlay::Confirm {
            id,
            from,
            to,
            focus,
        } => {
            let mode = match update_mode(id.kind) {
                Some(UpdateMode::Async) => "The carrier applies it later; a monitor tracks it.",
                _ => "The carrier applies it at once.",
            };
            let button = |label: &'static str, on: bool| {
                Span::styled(
                    label,
                    if on {
                        theme.button_focused
                    } else {
                        theme.button
                    },
                )
            };
            let lines = vec![
                Line::from(vec![
                    Span::styled(format!("{id}: "), theme.value),
                    Span::styled(from.as_str(), theme.status(*from)),
                    Span::styled(" → ", theme.label),
                    Span::styled(to.as_str(), theme.status(*to)),
                ]),
                Line::from(Span::styled(mode, theme.native)),
                Line::default(),
                Line::from(vec![
                    Span::raw("   "),
                    button("[ Cancel ]", *focus == ConfirmFocus::Cancel),
                    Span::raw("   "),
                    button("[ Confirm ]", *focus == ConfirmFocus::Confirm),
                ]),
            ];
            boxed(frame, area, " Confirm status change ", lines, 64, 6, theme);
        }
        Overlay::Help => {}
    }
}

fn boxed(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    lines: Vec<Line<'_>>,
    width: u16,
    height: u16,
    theme: &Theme,
) {
    let rect = centered(area, width, height);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(title.to_string(), theme.pane_title))
        .style(theme.dialog);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
