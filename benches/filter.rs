//! Filtering 1,000,000 product rows with `Query::matches`, as on every keystroke in the list's
//! search box, and parsing a query. `cargo bench --bench filter`.
//!
//! Rows: eleven accounts, one per backend kind, satellite terminals for INTELSAT and GALAXY1;
//! a realistic status mix (mostly ACTIVE); about 1 % carry custom attributes.

use cmo::domain::query::Query;
use cmo::domain::{
    BackendKind, ConnectivityType, CustomAttribute, NativeStatus, ProductId, ProductSummary,
    RelatedParty, Status,
};
use std::sync::LazyLock;

fn main() {
    divan::main();
}

const ROWS: usize = 1_000_000;

static SUMMARIES: LazyLock<Vec<ProductSummary>> = LazyLock::new(|| (0..ROWS).map(row).collect());

/// Deterministic row `i`: a cheap integer hash spreads kinds, statuses and attributes.
fn row(i: usize) -> ProductSummary {
    let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    let kind = BackendKind::ALL[i % BackendKind::ALL.len()];
    let account = format!(
        "{}-{}",
        kind.as_str().to_ascii_lowercase(),
        if (kind as usize).is_multiple_of(3) {
            "demo"
        } else {
            "prod"
        }
    );
    // 80 % active, 8 % suspended, 5 % blocked, 3 % inventory, rest spread over the others.
    let (status, native) = match h % 100 {
        0..80 => (Status::Active, "Activated"),
        80..88 => (Status::Suspended, "Suspended"),
        88..93 => (Status::Blocked, "Blocked by operator"),
        93..96 => (Status::Inventory, "Test ready"),
        96..98 => (Status::PendingActive, "Pending"),
        _ => (Status::Terminated, "Retired"),
    };
    let satellite = matches!(kind, BackendKind::Intelsat | BackendKind::Galaxy1);
    let mut s = if satellite {
        let serial = format!("SN-{i:07}");
        ProductSummary {
            id: ProductId::new(kind, serial.clone()),
            related_party: RelatedParty {
                id: "ACC-1".into(),
                name: account,
            },
            connectivity: ConnectivityType::Satellite,
            status: NativeStatus::new(status, native),
            iccid: None,
            imsi: None,
            msisdn: None,
            serial: Some(serial),
            terminal_name: Some(format!("Vessel {}", i % 5000)),
            latitude: Some(53.5),
            longitude: Some(9.9),
            attrs: Vec::new(),
        }
    } else {
        // Issuer prefixes differ by carrier; half the STC fleet is roaming German SIMs.
        let prefix = match kind {
            BackendKind::Tmsp | BackendKind::Cmo => "8949",
            BackendKind::Stc if h.is_multiple_of(2) => "8949",
            BackendKind::Stc => "8996",
            BackendKind::OneNce => "8988",
            _ => "8901",
        };
        let iccid = format!("{prefix}{i:015}");
        ProductSummary {
            id: ProductId::new(kind, iccid.clone()),
            related_party: RelatedParty {
                id: "ACC-1".into(),
                name: account,
            },
            connectivity: ConnectivityType::Cellular,
            status: NativeStatus::new(status, native),
            iccid: Some(iccid),
            imsi: Some(format!("26201{i:010}")),
            msisdn: Some(format!("4917{i:08}")),
            serial: None,
            terminal_name: None,
            latitude: None,
            longitude: None,
            attrs: Vec::new(),
        }
    };
    if h % 100 == 7 {
        s.attrs.push(CustomAttribute {
            name: "ticket".into(),
            value: format!("INC-{}", i % 10_000),
        });
        s.attrs.push(CustomAttribute {
            name: "site".into(),
            value: "Hamburg pier 4".into(),
        });
    }
    s
}

#[divan::bench(
    args = ["status:SUSPENDED backend:STC 8949", "89 active demo", "attr:ticket=INC*"],
    sample_count = 30
)]
fn filter_1m(bencher: divan::Bencher, query: &str) {
    let q = Query::parse(query).expect("query parses");
    // Build the rows outside the timed part (the first call pays for the LazyLock).
    let rows = &*SUMMARIES;
    bencher.bench_local(|| rows.iter().filter(|s| q.matches(*s)).count());
}

#[divan::bench(args = [
    "status:SUSPENDED backend:STC 8949",
    "89 active demo",
    r"attr:ticket=~^INC-\d+$ !status:ACTIVE,BLOCKED account:*-demo",
])]
fn parse(query: &str) -> Result<Query, cmo::domain::query::QueryError> {
    Query::parse(divan::black_box(query))
}

/// The console's whole path for one keystroke that does not narrow the last query: the list
/// view (`ui::view`) re-filters its sorted order of 1,000,000 rows, split over the cores, and
/// recounts the summary line. Each sample also resets to the empty query first (an index copy).
#[divan::bench(
    args = ["status:SUSPENDED", "status:SUSPENDED backend:STC 8949", "89 active demo", "attr:ticket=INC*"],
    sample_count = 20
)]
fn console_refilter_1m(bencher: divan::Bencher, query: &str) {
    use cmo::ui::app::App;
    let q = Query::parse(query).expect("query parses");
    let accounts = BackendKind::ALL
        .iter()
        .map(|k| {
            (
                format!("{}-demo", k.as_str().to_ascii_lowercase()),
                k.as_str().to_string(),
            )
        })
        .collect();
    let mut app = App::new(accounts, SUMMARIES.clone(), false);
    bencher.bench_local(|| {
        app.set_query(Query::default());
        app.set_query(q.clone());
        app.visible.len()
    });
}

/// Typing one more character of a bare word (`894` after `89`): the query narrows the last
/// one, so only the rows shown now are looked at.
#[divan::bench(sample_count = 20)]
fn console_narrowing_keystroke_1m(bencher: divan::Bencher) {
    use cmo::ui::app::App;
    let wide = Query::parse("status:ACTIVE 89").expect("query parses");
    let narrow = Query::parse("status:ACTIVE 894").expect("query parses");
    let mut app = App::new(Vec::new(), SUMMARIES.clone(), false);
    app.set_query(wide.clone());
    let shown = app.visible.clone();
    bencher.bench_local(|| {
        // Back to `89` (an index copy), then the keystroke.
        app.filter.query = wide.clone();
        app.visible.clone_from(&shown);
        app.set_query(narrow.clone());
        app.visible.len()
    });
}

/// The longest the console's UI task is held by a filter: one slice (`ui::view::FILTER_SLICE`
/// rows) of a query over 1,000,000 rows; the runtime reads keys between slices.
#[divan::bench(args = ["status:SUSPENDED backend:STC 8949", "89 active demo"], sample_count = 30)]
fn console_filter_slice_1m(bencher: divan::Bencher, query: &str) {
    use cmo::ui::app::App;
    use cmo::ui::view::FILTER_SLICE;
    let q = Query::parse(query).expect("query parses");
    let app = std::cell::RefCell::new(App::new(Vec::new(), SUMMARIES.clone(), false));
    bencher
        .with_inputs(|| {
            let mut app = app.borrow_mut();
            app.set_query(Query::default());
            // A 1M-row query is long: it becomes a job advanced a slice at a time.
            app.start_query(q.clone());
        })
        .bench_local_values(|()| app.borrow_mut().filter_step(FILTER_SLICE));
}
