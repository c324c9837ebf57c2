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
    let nav = matches!(
        ctx,
        Context::List | Context::StatusMenu | Context::Monitors | Context::Audit | Context::Help
    );
    let mut hints: Vec<(String, &str)> = Vec::new();
    if nav {
        hints.push(("j/k".to_string(), "move"));
    }
    for b in keymap::bindings(ctx).filter(|b| !b.hint.is_empty()) {
        if let Some(key) = b.keys.first() {
            hints.push((keymap::key_label(key), b.hint));
        }
    }
    let spans = fit(hints, usize::from(area.width))
        .into_iter()
        .flat_map(|(key, hint)| {
            [
                Span::styled(format!(" {key} "), theme.footer_key),
                Span::styled(format!("{hint} "), theme.footer_text),
            ]
        })
        .collect::<Vec<_>>();
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The hints that fit `width` columns, in keymap order; when some must go, they go from the
/// end, but the help hint stays — it is where every other key is.
fn fit(hints: Vec<(String, &str)>, width: usize) -> Vec<(String, &str)> {
    let cost = |(key, hint): &(String, &str)| key.chars().count() + hint.chars().count() + 3;
    if hints.iter().map(cost).sum::<usize>() <= width {
        return hints;
    }
    let (help, rest): (Vec<_>, Vec<_>) = hints.into_iter().partition(|(_, hint)| *hint == "help");
    let mut room = width.saturating_sub(help.iter().map(cost).sum());
    let mut kept = Vec::new();
    for hint in rest {
        let c = cost(&hint);
        if c > room {
            break;
        }
        room -= c;
        kept.push(hint);
    }
    kept.extend(help);
    kept
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn a_narrow_footer_drops_hints_from_the_end_but_keeps_help() {
        let hints = || {
            vec![
                ("Esc".to_string(), "back"),
                ("s".to_string(), "status"),
                ("d".to_string(), "delete"),
                ("?".to_string(), "help"),
            ]
        };
        assert_eq!(fit(hints(), 200).len(), 4);
        let narrow = fit(hints(), 28);
        let words: Vec<_> = narrow.iter().map(|(_, h)| *h).collect();
        assert_eq!(words, ["back", "status", "help"]);
        assert!(
            narrow
                .iter()
                .map(|(k, h)| k.len() + h.len() + 3)
                .sum::<usize>()
                <= 28
        );
    }
}
