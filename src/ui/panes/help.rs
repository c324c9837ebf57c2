//! The `?` help overlay, generated from the keymap table.

use super::centered;
use crate::ui::keymap::{self, Context};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, theme: &Theme) {
    let mut lines = Vec::new();
    for ctx in Context::ALL {
        lines.push(Line::from(Span::styled(ctx.title(), theme.pane_title)));
        for b in keymap::bindings(ctx) {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {:<22}", keymap::keys_label(b.keys)),
                    theme.footer_key,
                ),
                Span::styled(b.description, theme.value),
            ]));
        }
    }
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = centered(area, 84, height);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(" Help — Esc closes ", theme.pane_title))
        .style(theme.dialog);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
