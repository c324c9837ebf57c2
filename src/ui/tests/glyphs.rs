//! Carrier text with wide glyphs and hidden characters in list cells: every cell the console
//! draws measures the same for ratatui and for any terminal (no emoji sequence whose width
//! depends on the terminal, so nothing is left behind as a ghost cell when the row changes), and
//! no control, bidi or zero-width character reaches a cell.

use super::app_with;
use crate::text::is_unsafe;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

#[test]
fn flags_zwj_sequences_and_bidi_in_cells_draw_with_unambiguous_widths() {
    let mut app = app_with(3);
    {
        let mut s = app.rows[0].summary();
        s.msisdn = None;
        s.terminal_name =
            Some("site \u{1f1e9}\u{1f1ea} \u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467} \u{2764}\u{fe0f} \u{202e}eman\u{85}x".into());
        s.related_party.name = "acct\u{200b}\u{1f1fa}\u{1f1f8}".into();
        app.upsert(vec![s], true);
    }
    app.dirty = true;
    let theme = crate::ui::theme::Theme::load("default").expect("theme");
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 30)).expect("terminal");
    terminal
        .draw(|f| crate::ui::panes::draw(f, &app, &theme))
        .expect("draw");
    let buffer = terminal.backend().buffer().clone();
    let mut screen = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            let symbol = buffer[(x, y)].symbol();
            let by_char: usize = symbol.chars().map(|c| c.width().unwrap_or(0)).sum();
            assert_eq!(
                symbol.width(),
                by_char,
                "cell ({x},{y}) {symbol:?} has a terminal-dependent width"
            );
            assert!(
                !symbol
                    .chars()
                    .any(|c| is_unsafe(c) || ('\u{1f1e6}'..='\u{1f1ff}').contains(&c)),
                "cell ({x},{y}) {symbol:?}"
            );
            screen.push_str(symbol);
        }
        screen.push('\n');
    }
    // The text is there, its hidden parts shown.
    assert!(screen.contains("site DE"), "{screen}");
    assert!(screen.contains("\u{fffd}eman\u{fffd}x"), "{screen}");
    assert!(screen.contains("acct\u{fffd}US"), "{screen}");
}
