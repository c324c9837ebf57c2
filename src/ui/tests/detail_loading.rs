//! A detail still loading (a slow or failing carrier) shows what the listing already told:
//! the status and the identifiers, under the loading line.

use super::{app_with, press};
use crate::ui::app::Loadable;
use crossterm::event::KeyCode;

fn screen(app: &crate::ui::app::App) -> String {
    let theme = crate::ui::theme::Theme::load("mono").expect("theme");
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("terminal");
    terminal
        .draw(|f| crate::ui::panes::draw(f, app, &theme))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_loading_detail_shows_the_listed_status_and_identifiers() {
    let mut app = app_with(3);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    let detail = app.detail.as_ref().expect("detail open");
    assert!(matches!(detail.product, Loadable::Loading));
    let text = screen(&app);
    assert!(text.contains("Loading"), "{text}");
    assert!(text.contains("From the list"), "{text}");
    let line = |label: &str| {
        text.lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("no {label} line:\n{text}"))
            .to_string()
    };
    assert!(line("Status").contains("ACTIVE"));
    assert!(
        line("ICCID").contains("8988228066000000001"),
        "the opened row's"
    );
    assert!(line("IMSI").contains("901405100000001"));
}

#[test]
fn a_failed_detail_keeps_the_listed_fields_below_the_error() {
    let mut app = app_with(1);
    press(&mut app, KeyCode::Enter);
    let detail = app.detail.as_mut().expect("detail open");
    detail.product = Loadable::Failed("onence answered HTTP 503".into());
    let text = screen(&app);
    assert!(
        text.contains("Could not load: onence answered HTTP 503"),
        "{text}"
    );
    assert!(text.contains("8988228066000000000"), "{text}");
}
