//! The console starting on its product cache (docs/performance.md): rows to the first frame
//! from a 100,000-row cache, and what one later cache chunk costs the UI task when it is
//! inserted among 1,000,000 rows held. `cargo bench --bench cached_start`.

use cmo::domain::{
    BackendKind, ConnectivityType, NativeStatus, ProductId, ProductSummary, RelatedParty, Status,
};
use cmo::store::{Store, StoreHandle};
use cmo::ui::action::Action;
use cmo::ui::app::App;
use cmo::ui::apply::apply;
use cmo::ui::effects::{CACHE_CHUNK, CACHE_FIRST};
use cmo::ui::panes;
use cmo::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::LazyLock;

fn main() {
    divan::main();
}

const ACCOUNTS: usize = 4;

fn account(a: usize) -> String {
    format!("onence-{a}")
}

fn row(i: usize) -> ProductSummary {
    let iccid = format!("8988228066{i:09}");
    let a = i % ACCOUNTS;
    ProductSummary {
        id: ProductId::new(BackendKind::OneNce, iccid.clone()),
        related_party: RelatedParty {
            id: format!("ACC-{a}"),
            name: account(a),
        },
        connectivity: ConnectivityType::Cellular,
        status: if i % 10 == 3 {
            NativeStatus::new(Status::Suspended, "Disabled")
        } else {
            NativeStatus::new(Status::Active, "Enabled")
        },
        iccid: Some(iccid),
        imsi: Some(format!("90140510{i:07}")),
        msisdn: Some(format!("88228{i:08}")),
        serial: None,
        terminal_name: None,
        latitude: None,
        longitude: None,
        attrs: Vec::new(),
    }
}

fn accounts() -> Vec<(String, String)> {
    (0..ACCOUNTS).map(|a| (account(a), "1NCE".into())).collect()
}

/// A store holding a 100,000-row cache, written once as listings write it (pages, commit).
static CACHE_100K: LazyLock<tempfile::TempDir> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(dir.path()).expect("store");
    let rows: Vec<ProductSummary> = (0..100_000).map(row).collect();
    for a in 0..ACCOUNTS {
        let mine: Vec<ProductSummary> = rows
            .iter()
            .filter(|s| s.related_party.name == account(a))
            .cloned()
            .collect();
        for (n, page) in mine.chunks(1_000).enumerate() {
            store.cache_stage(&account(a), n == 0, page).expect("stage");
        }
        store.cache_commit(&account(a)).expect("commit");
    }
    dir
});

/// From asking the store for the cache to a drawn frame with rows (120×40): the store
/// thread opens the database, reads and decodes the first chunk, the UI task inserts it
/// and draws. The rest of the cache is still being read when the frame is on screen.
#[divan::bench(sample_count = 30)]
fn rows_to_first_frame_100k(bencher: divan::Bencher) {
    let dir = CACHE_100K.path().to_path_buf();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let theme = Theme::load("default").expect("theme");
    bencher.bench_local(|| {
        runtime.block_on(async {
            let store = StoreHandle::open(dir.clone()).await.expect("store");
            let mut app = App::new(accounts(), Vec::new(), false);
            apply(
                &mut app,
                Action::Resize {
                    width: 120,
                    height: 40,
                },
            );
            let mut chunks = store.cache_stream(CACHE_FIRST, CACHE_CHUNK);
            let first = chunks.recv().await.expect("a chunk").expect("readable");
            app.upsert_missing(first.into_iter().map(|c| c.summary).collect());
            let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
            terminal
                .draw(|f| panes::draw(f, &app, &theme))
                .expect("draw");
            assert!(!app.visible.is_empty());
            app.visible.len()
        })
    });
}

static HELD_1M: LazyLock<Vec<ProductSummary>> = LazyLock::new(|| (0..1_000_000).map(row).collect());

/// One cache chunk (`CACHE_CHUNK` rows) folded into a console already holding 1,000,000
/// rows: the longest the UI task is held by the cache at start-up (the loop reads keys
/// between messages).
#[divan::bench(sample_count = 20, sample_size = 1)]
fn cache_chunk_into_1m(bencher: divan::Bencher) {
    let extra: Vec<ProductSummary> = (1_000_000..1_000_000 + CACHE_CHUNK).map(row).collect();
    bencher
        .with_inputs(|| {
            let app = App::new(accounts(), HELD_1M.clone(), false);
            (app, extra.clone())
        })
        .bench_local_values(|(mut app, chunk)| {
            app.upsert_missing(chunk);
            app
        });
}
