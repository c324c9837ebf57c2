//! The `?` help overlay, generated from the keymap table; it scrolls (j/k, PgUp/PgDn, g/G) when
//! the keymap is taller than the screen.

use super::centered;
use crate::ui::commands::COMMANDS;
use crate::ui::keymap::{self, Context};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

fn lines(theme: &Theme) -> Vec<Line<'static>> {
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
        if ctx == Context::Command {
            for c in COMMANDS {
                let args = if c.args.is_empty() {
                    String::new()
                } else {
                    format!(" {}", c.args)
                };
                lines.push(Line::from(vec![
                    Span::styled(
                        format!("  :{:<21}", format!("{}{args}", c.name)),
                        theme.footer_key,
                    ),
                    Span::styled(c.description, theme.value),
                ]));
            }
        }
    }
    lines
}

/// Lines of one section: its title, its bindings and, for the command line, its commands.
fn section_len(ctx: Context) -> usize {
    let commands = if ctx == Context::Command {
        COMMANDS.len()
    } else {
        0
    };
    1 + keymap::bindings(ctx).count() + commands
}

/// The line where `ctx`'s section starts, so the help opens on the keys of what has focus.
/// `Global` (chords that work everywhere) is the top.
pub fn section_start(ctx: Context) -> usize {
    Context::ALL
        .iter()
        .take_while(|c| **c != ctx)
        .map(|c| section_len(*c))
        .sum()
}

/// How many lines the help has (what `apply` clamps the scroll to).
pub fn line_count() -> usize {
    Context::ALL.iter().map(|ctx| section_len(*ctx)).sum()
}

pub fn draw(frame: &mut Frame, area: Rect, scroll: usize, theme: &Theme) {
    let lines = lines(theme);
    let total = lines.len();
    let height = u16::try_from(total + 2).unwrap_or(u16::MAX);
    // Wide enough for the longest description on a 120-column terminal; narrower ones clip.
    let rect = centered(area, 116, height);
    let visible = usize::from(rect.height.saturating_sub(2)).max(1);
    // Never scroll past the last screenful.
    let first = scroll.min(total.saturating_sub(visible));
    let shown: Vec<Line> = lines.into_iter().skip(first).collect();
    let title = if total > visible {
        format!(
            " Help {}–{} of {total} · j/k scroll · Esc closes ",
            first + 1,
            (first + visible).min(total)
        )
    } else {
        " Help — Esc closes ".to_string()
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(title, theme.pane_title))
        .style(theme.dialog);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(shown).block(block), rect);
}
