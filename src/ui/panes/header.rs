//! Header: the title, READ-ONLY when set, the product count, and each backend's health (ok /
//! slow / rate-limited / down, coloured) with the count of its products loaded and whether its
//! listing is still running or failed.
//!
//! The line must fit the terminal: what a NOC engineer cannot miss (read-only, a backend that
//! is not ok) comes first and is never the part cut off. With many backends the strip degrades
//! step by step until it fits: full entries, then compact ones (no product count; the health
//! word only when not ok), then unhealthy backends alone and "+N ok" for the rest.

use crate::engine::Health;
use crate::ui::app::{App, BackendView, ListState};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// How much of each backend the strip shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    Full,
    Compact,
    /// Unhealthy (or still loading / failed) backends compact, the others counted.
    Problems,
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    frame.render_widget(Paragraph::new(line(app, theme, area.width)), area);
}

/// The header line for a terminal `width` columns wide.
fn line(app: &App, theme: &Theme, width: u16) -> Line<'static> {
    let mut spans = vec![Span::styled(" cmo ", theme.title)];
    if app.read_only {
        spans.push(Span::styled("│ READ-ONLY ", theme.status_warn));
    }
    let (total, _) = app.counts();
    spans.push(Span::styled(
        format!("│ {} products ", super::list::thousands(total)),
        theme.border,
    ));
    if app.failed_unseen > 0 {
        let n = app.failed_unseen;
        let jobs = if n == 1 { "job" } else { "jobs" };
        spans.push(Span::styled(
            format!("│ {n} failed {jobs} (m) "),
            theme.message_error,
        ));
    }
    let fixed: usize = spans.iter().map(Span::width).sum();
    let room = usize::from(width).saturating_sub(fixed);
    let strip = [Detail::Full, Detail::Compact, Detail::Problems]
        .into_iter()
        .map(|detail| backends(app, theme, detail))
        .find(|strip| strip.iter().map(Span::width).sum::<usize>() <= room)
        .unwrap_or_else(|| backends(app, theme, Detail::Problems));
    spans.extend(strip);
    Line::from(spans)
}

fn needs_attention(b: &BackendView) -> bool {
    !matches!(b.health.health, Health::Ok | Health::Unknown)
        || matches!(b.list, ListState::Failed(_))
}

fn backends(app: &App, theme: &Theme, detail: Detail) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let (mut shown, mut ok, mut loading) = (0, 0, 0);
    for b in &app.backends {
        if detail == Detail::Problems && !needs_attention(b) {
            match b.list {
                ListState::Loading => loading += 1,
                _ => ok += 1,
            }
            continue;
        }
        shown += 1;
        spans.extend(entry(b, theme, detail));
    }
    if loading > 0 {
        spans.push(Span::styled("│ ", theme.border));
        spans.push(Span::styled(format!("{loading} loading ⟳ "), theme.native));
    }
    if ok > 0 {
        let text = if shown == 0 && loading == 0 {
            format!("all {ok} backends ok ")
        } else {
            format!("+{ok} ok ")
        };
        spans.push(Span::styled("│ ", theme.border));
        spans.push(Span::styled(text, theme.health(Health::Ok)));
    }
    spans
}

fn entry(b: &BackendView, theme: &Theme, detail: Detail) -> Vec<Span<'static>> {
    let health = b.health.health;
    let progress = match &b.list {
        ListState::Loading => " ⟳",
        ListState::Failed(_) => " ✖",
        ListState::Idle | ListState::Done => "",
    };
    let dot = if detail == Detail::Full || needs_attention(b) {
        format!("● {}", health.label())
    } else {
        "●".to_string()
    };
    let tail = if detail == Detail::Full {
        format!(" {}{progress} ", b.loaded)
    } else {
        format!("{progress} ")
    };
    vec![
        Span::styled("│ ", theme.border),
        Span::raw(format!("{} ", crate::text::sanitize(&b.name))),
        Span::styled(dot, theme.health(health)),
        Span::styled(tail, theme.native),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::HealthEntry;
    use crate::ui::theme::Theme;

    fn app(n: usize, down: Option<usize>, read_only: bool) -> App {
        let mut app = App::new(Vec::new(), Vec::new(), read_only);
        app.backends = (0..n)
            .map(|i| BackendView {
                name: format!("backend-{i:02}-demo"),
                kind: "1NCE".into(),
                health: HealthEntry {
                    health: if Some(i) == down {
                        Health::Down
                    } else {
                        Health::Ok
                    },
                    ..HealthEntry::default()
                },
                list: ListState::Done,
                loaded: 300,
                listed_at: None,
            })
            .collect();
        app
    }

    fn app_all_ok() -> App {
        app(11, None, false)
    }

    fn text(app: &App, width: u16) -> String {
        let theme = Theme::load(crate::ui::theme::names()[0]).expect("built-in theme");
        let line = line(app, &theme, width);
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn few_backends_show_in_full() {
        let shown = text(&app(2, None, false), 120);
        assert!(shown.contains("backend-00-demo ● ok 300"), "{shown}");
        assert!(shown.contains("│ 0 products"), "{shown}");
    }

    #[test]
    fn many_backends_compact_and_keep_read_only_and_problems_visible() {
        let app = app(11, Some(7), true);
        let shown = text(&app, 120);
        assert!(shown.chars().count() <= 120, "{shown}");
        assert!(shown.starts_with(" cmo │ READ-ONLY "), "{shown}");
        assert!(shown.contains("backend-07-demo ● down"), "{shown}");
        assert!(shown.contains("+10 ok"), "{shown}");
        let calm = text(&app_all_ok(), 120);
        assert!(calm.contains("all 11 backends ok"), "{calm}");

        let wide = text(&app, 260);
        assert!(wide.contains("backend-00-demo ● "), "{wide}");
        assert!(!wide.contains("+10 ok"), "{wide}");
    }
}
