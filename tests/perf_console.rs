//! The console's data path at scale (issue 12): the filter job run a slice at a time gives the
//! same view as filtering at once, a stale job is dropped, a narrowing query reuses a pending
//! job, and the product cache is written page by page and read back in chunks.

use cmo::domain::query::{Fields, Query};
use cmo::domain::{
    BackendKind, ConnectivityType, CustomAttribute, NativeStatus, ProductId, ProductSummary,
    RelatedParty, Status,
};
use cmo::store::{Store, StoreHandle};
use cmo::ui::app::App;

/// Row `i` of a mixed fleet: two accounts, a status mix, some attributes, some terminals.
fn row(i: usize) -> ProductSummary {
    let satellite = i.is_multiple_of(7);
    let kind = if satellite {
        BackendKind::Intelsat
    } else if i.is_multiple_of(2) {
        BackendKind::OneNce
    } else {
        BackendKind::Tmsp
    };
    let status = [Status::Active, Status::Suspended, Status::Blocked][i % 3];
    let business = if satellite {
        format!("SN-{i:06}")
    } else {
        format!("8949{i:015}")
    };
    ProductSummary {
        id: ProductId::new(kind, business.clone()),
        related_party: RelatedParty {
            id: "ACC".into(),
            name: if i.is_multiple_of(2) { "east" } else { "west" }.into(),
        },
        connectivity: if satellite {
            ConnectivityType::Satellite
        } else {
            ConnectivityType::Cellular
        },
        status: NativeStatus::new(status, format!("native {}", i % 5)),
        iccid: (!satellite).then(|| business.clone()),
        imsi: (!satellite).then(|| format!("26201{i:010}")),
        msisdn: (i.is_multiple_of(3)).then(|| format!("4917{i:08}")),
        serial: satellite.then(|| business.clone()),
        terminal_name: satellite.then(|| format!("Vessel {}", i % 11)),
        latitude: satellite.then_some(53.5),
        longitude: None,
        attrs: if i.is_multiple_of(13) {
            vec![CustomAttribute {
                name: "ticket".into(),
                value: format!("INC-{}", i % 17),
            }]
        } else {
            Vec::new()
        },
    }
}

fn fleet(n: usize) -> Vec<ProductSummary> {
    (0..n).map(row).collect()
}

fn shown(app: &App) -> Vec<String> {
    app.visible
        .iter()
        .map(|&i| app.rows[i].id().to_string())
        .collect()
}

/// Large enough that a query is a job of several slices.
const MANY: usize = 140_000;

#[test]
fn a_filter_run_in_slices_shows_what_the_summaries_match_in_sort_order() {
    let rows = fleet(MANY);
    let mut app = App::new(Vec::new(), rows.clone(), false);
    for text in [
        "894 vessel",
        "status:SUSPENDED 89490000000001",
        "INC-3 west",
        "~^SN-00",
    ] {
        let q = Query::parse(text).expect("parses");
        app.start_query(q.clone());
        assert!(app.filter_pending(), "{text}: a job over {MANY} rows");
        let mut steps = 0;
        while app.filter_step(25_000) {
            steps += 1;
        }
        assert!(steps >= 5, "{text}: ran in slices ({steps})");
        // The reference: the summaries themselves, tested one by one, in the view's order.
        let mut expected: Vec<&ProductSummary> = rows.iter().filter(|s| q.matches(*s)).collect();
        expected.sort_by(|a, b| app.sort.compare(*a, *b));
        let expected: Vec<String> = expected.iter().map(|s| s.id.to_string()).collect();
        assert_eq!(shown(&app), expected, "{text}");
        assert!(!expected.is_empty(), "{text}: the fleet has matches");
        let counted: usize = app.status_counts().iter().sum();
        assert_eq!(counted, expected.len());
    }
}

#[test]
fn the_list_keeps_its_result_until_a_job_ends_and_a_replaced_job_never_lands() {
    let mut app = App::new(Vec::new(), fleet(MANY), false);
    app.set_query(Query::parse("status:BLOCKED").expect("parses"));
    let blocked = shown(&app);
    app.start_query(Query::parse("west").expect("parses"));
    app.filter_step(10_000);
    assert_eq!(
        shown(&app),
        blocked,
        "the previous result stays until the job ends"
    );
    // Another query that does not narrow `west` replaces the job before it finished.
    app.start_query(Query::parse("east").expect("parses"));
    app.finish_filter();
    assert!(!app.filter_pending());
    assert!(!app.visible.is_empty());
    assert!(app.visible.iter().all(|&i| app.rows[i].account() == "east"));
}

#[test]
fn a_narrowing_query_reuses_the_pending_job_and_equals_a_fresh_filter() {
    let rows = fleet(MANY);
    let mut app = App::new(Vec::new(), rows.clone(), false);
    app.start_query(Query::parse("89").expect("parses"));
    app.filter_step(120_000);
    assert!(app.filter_pending());
    app.start_query(Query::parse("894").expect("parses"));
    app.finish_filter();
    let mut fresh = App::new(Vec::new(), rows, false);
    fresh.set_query(Query::parse("894").expect("parses"));
    assert_eq!(shown(&app), shown(&fresh));
    assert!(!shown(&app).is_empty());
}

#[test]
fn rows_arriving_during_a_job_end_it_first_and_are_filtered_too() {
    let mut app = App::new(Vec::new(), fleet(MANY), false);
    app.start_query(Query::parse("status:SUSPENDED").expect("parses"));
    app.filter_step(1_000);
    let extra: Vec<ProductSummary> = (MANY..MANY + 3_000).map(row).collect();
    app.upsert(extra, true);
    assert!(!app.filter_pending());
    let expected = (0..MANY + 3_000).filter(|i| i % 3 == 1).count();
    assert_eq!(app.visible.len(), expected);
    assert!(
        app.visible
            .iter()
            .all(|&i| app.rows[i].status() == Status::Suspended)
    );
}

#[test]
fn the_cache_is_staged_page_by_page_and_swapped_in_when_the_listing_completes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(dir.path()).expect("store");
    let all = fleet(250);
    store.cache_replace("east", &all[..10]).expect("old cache");
    // A listing of 250 rows in pages of 100: nothing changes until the commit.
    for (n, page) in all.chunks(100).enumerate() {
        store.cache_stage("east", n == 0, page).expect("page");
        assert_eq!(store.cache_load().expect("load").len(), 10);
    }
    assert_eq!(store.cache_commit("east").expect("commit"), 250);
    let loaded: Vec<ProductSummary> = store
        .cache_load()
        .expect("load")
        .into_iter()
        .map(|c| c.summary)
        .collect();
    assert_eq!(loaded, all, "every page, in listing order, once");

    // A listing that failed half way leaves its staged page behind; the next one restarts.
    store.cache_stage("east", true, &all[..5]).expect("page");
    store.cache_stage("east", true, &all[5..7]).expect("page");
    assert_eq!(store.cache_commit("east").expect("commit"), 2);
    // Nothing staged: the backend is forgotten.
    assert_eq!(store.cache_commit("east").expect("commit"), 0);
    assert!(store.cache_load().expect("load").is_empty());
}

#[test]
fn the_cache_is_read_back_in_chunks_small_first_chunk_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(dir.path()).expect("store");
    let all = fleet(1_000);
    store.cache_replace("east", &all).expect("cache");
    let mut sizes = Vec::new();
    let mut read = Vec::new();
    store
        .cache_load_chunks(30, 400, |chunk| {
            sizes.push(chunk.len());
            read.extend(chunk.into_iter().map(|c| c.summary));
            true
        })
        .expect("chunks");
    assert_eq!(sizes, vec![30, 400, 400, 170]);
    assert_eq!(read, all);
    // The receiver going away stops the read.
    let mut calls = 0;
    store
        .cache_load_chunks(30, 400, |_| {
            calls += 1;
            false
        })
        .expect("chunks");
    assert_eq!(calls, 1);
}

#[tokio::test]
async fn the_store_streams_the_cache_to_the_console_in_chunks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let handle = StoreHandle::open(dir.path().to_path_buf())
        .await
        .expect("store");
    let all = fleet(2_000);
    handle.cache_replace("west", &all).await.expect("cache");
    let mut chunks = handle.cache_stream(100, 700);
    let mut sizes = Vec::new();
    while let Some(chunk) = chunks.recv().await {
        sizes.push(chunk.expect("chunk").len());
    }
    assert_eq!(sizes, vec![100, 700, 700, 500]);
}

#[test]
fn pages_arriving_in_any_order_are_merged_into_the_sorted_view() {
    let rows = fleet(20_000);
    let mut app = App::new(Vec::new(), Vec::new(), false);
    // Pages of uneven size, last page first, with a few rows of earlier pages sent again.
    let pages: Vec<&[ProductSummary]> = rows.chunks(997).collect();
    for (n, page) in pages.iter().enumerate().rev() {
        let mut items = page.to_vec();
        if n > 0 {
            items.push(rows[n * 13].clone());
        }
        app.upsert(items, true);
    }
    let mut expected: Vec<&ProductSummary> = rows.iter().collect();
    expected.sort_by(|a, b| app.sort.compare(*a, *b));
    let expected: Vec<String> = expected.iter().map(|s| s.id.to_string()).collect();
    assert_eq!(app.rows.len(), rows.len());
    assert_eq!(shown(&app), expected);
}
