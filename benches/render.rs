//! Drawing the product list at 1,000 and 1,000,000 rows: only the visible window is built, so
//! both should cost the same (docs/performance.md), at 120×40 and 200×50. `cargo bench --bench render`.

use cmo::domain::{
    BackendKind, ConnectivityType, NativeStatus, ProductId, ProductSummary, RelatedParty, Status,
};
use cmo::ui::action::Action;
use cmo::ui::app::App;
use cmo::ui::apply::apply;
use cmo::ui::panes;
use cmo::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn main() {
    divan::main();
}

fn summaries(n: usize) -> Vec<ProductSummary> {
    (0..n)
        .map(|i| {
            let iccid = format!("8988228066{i:09}");
            ProductSummary {
                id: ProductId::new(BackendKind::OneNce, iccid.clone()),
                related_party: RelatedParty {
                    id: "1NCE-ACC".into(),
                    name: "onence-a".into(),
                },
                connectivity: ConnectivityType::Cellular,
                status: NativeStatus::new(Status::Active, "Enabled"),
                iccid: Some(iccid),
                imsi: Some(format!("90140510{i:07}")),
                msisdn: Some(format!("88228{i:08}")),
                serial: None,
                terminal_name: None,
                latitude: None,
                longitude: None,
                attrs: Vec::new(),
            }
        })
        .collect()
}

#[divan::bench(args = [1_000, 1_000_000], sample_count = 200)]
fn draw_list(bencher: divan::Bencher, rows: usize) {
    draw(bencher, rows, 120, 40);
}

/// A larger terminal: more rows and every column on screen.
#[divan::bench(args = [1_000, 1_000_000], sample_count = 200)]
fn draw_list_200x50(bencher: divan::Bencher, rows: usize) {
    draw(bencher, rows, 200, 50);
}

fn draw(bencher: divan::Bencher, rows: usize, width: u16, height: u16) {
    let mut app = App::new(
        vec![("onence-a".into(), "1NCE".into())],
        summaries(rows),
        false,
    );
    apply(&mut app, Action::Resize { width, height });
    // Select the middle, so the window is deep inside the list.
    app.selected = rows / 2;
    app.scroll_to_selection();
    let theme = Theme::load("default").expect("theme");
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    let mut flip = false;
    bencher.bench_local(|| {
        // Move the selection each frame so every draw has work to diff.
        flip = !flip;
        app.selected = rows / 2 + usize::from(flip);
        terminal.draw(|f| panes::draw(f, &app, &theme)).map(|_| ())
    });
}
