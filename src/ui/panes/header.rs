//! Header: the title, each backend's health (ok / slow / rate-limited / down, coloured) with the
//! count of its products loaded and whether its listing is still running or failed.

use crate::ui::app::{App, ListState};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans = vec![Span::styled(" cmo ", theme.title)];
    for b in &app.backends {
        spans.push(Span::styled("│ ", theme.border));
        spans.push(Span::raw(format!("{} ", crate::text::sanitize(&b.name))));
        spans.push(Span::styled(
            format!("● {}", b.health.health.label()),
            theme.health(b.health.health),
        ));
        let progress = match &b.list {
            ListState::Loading => " ⟳",
            ListState::Failed(_) => " ✖",
            ListState::Idle | ListState::Done => "",
        };
        spans.push(Span::styled(
            format!(" {}{progress} ", b.loaded),
            theme.native,
        ));
    }
    let (total, _) = app.counts();
    spans.push(Span::styled(format!("│ {total} products"), theme.border));
    if app.read_only {
        spans.push(Span::styled(" │ READ-ONLY", theme.status_warn));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
