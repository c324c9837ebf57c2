//! Footer: key hints for what has focus, taken from the keymap (bindings with a hint).

use crate::ui::app::App;
use crate::ui::keymap::{self, Context};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let ctx = keymap::context(app);
    let mut spans = Vec::new();
    let nav = matches!(
        ctx,
        Context::List | Context::StatusMenu | Context::Monitors | Context::Audit | Context::Help
    );
    if nav {
        spans.push(Span::styled(" j/k ", theme.footer_key));
        spans.push(Span::styled("move ", theme.footer_text));
    }
    for b in keymap::bindings(ctx).filter(|b| !b.hint.is_empty()) {
        let Some(key) = b.keys.first() else { continue };
        spans.push(Span::styled(
            format!(" {} ", keymap::key_label(key)),
            theme.footer_key,
        ));
        spans.push(Span::styled(format!("{} ", b.hint), theme.footer_text));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
