//! Snapshots of the quota gauges and the 30-day sparkline (a 1NCE detail at 120×40 and 80×24),
//! and the console's use of what it knows: the list marks a product over 80 % after its
//! detail was read, `usage>80%` finds it, and the backends view draws each account's known
//! daily use. Deterministic: fixed data, a fixed clock (`Msg::Tick`), no carrier.

mod ui_support;

use chrono::NaiveDate;
use cmo::backends::memory::MemoryBackend;
use cmo::domain::query::Query;
use cmo::domain::quota::{Allowance, DailyUse};
use cmo::domain::usage::{Unit, UsageType};
use cmo::domain::{BackendKind, Bucket, BucketLevel, ProductId, Usage};
use cmo::engine::Engine;
use cmo::ui::action::Action;
use cmo::ui::app::App;
use cmo::ui::apply::apply;
use cmo::ui::msg::Msg;
use cmo::ui::panes;
use cmo::ui::theme::Theme;
use cmo::ui::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ui_support::{listed_app, memory_engine};

const ID: &str = "1NCE-8988228066000000007";
const NOW: &str = "2026-11-29T10:00:00Z";

async fn loaded_app(width: u16, height: u16) -> (App, Engine) {
    let engine = memory_engine(vec![
        MemoryBackend::generate("onence-a", BackendKind::OneNce, 30),
        MemoryBackend::generate("intelsat", BackendKind::Intelsat, 5),
    ]);
    let mut app = listed_app(&engine, width, height).await;
    update(&mut app, Msg::Tick(NOW.parse().expect("time")));
    (app, engine)
}

fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).expect("date") - chrono::Duration::days(29 - n)
}

/// What the 1NCE adapter makes of the quota calls and 30 days of `/usage`: 432.5 MB of the
/// 500 MB lifetime quota used (86.5 %: over the 80 % mark), 40 of 250 SMS; a daily series with
/// quiet days and two days the history does not know.
fn quota_usage() -> Usage {
    let daily = (0..30)
        .filter(|n| *n != 4 && *n != 5)
        .map(|n| DailyUse {
            day: day(n),
            usage_type: UsageType::Data,
            amount: if n % 3 == 0 {
                0.0
            } else {
                (n * 37 % 11) as f64 * 0.75 + 0.5
            },
            units: Unit::Mb,
        })
        .collect();
    Usage {
        buckets: vec![Bucket {
            level: BucketLevel::Global,
            usage_type: UsageType::Data,
            amount: 61.25,
            units: Unit::Mb,
            period_start: Some("2026-11-01T00:00:00Z".into()),
            period_end: Some("2026-11-30T00:00:00Z".into()),
        }],
        allowances: vec![
            Allowance {
                usage_type: UsageType::Data,
                total: 500.0,
                remaining: Some(67.5),
                used: None,
                units: Unit::Mb,
                period_start: None,
                expiry: Some("2027-01-10T00:00:00.000+0000".into()),
                overage: None,
                source: "1NCE /quota/data".into(),
            },
            Allowance {
                usage_type: UsageType::Sms,
                total: 250.0,
                remaining: Some(210.0),
                used: None,
                units: Unit::Sms,
                period_start: None,
                expiry: Some("2027-01-10T00:00:00.000+0000".into()),
                overage: None,
                source: "1NCE /quota/sms".into(),
            },
        ],
        daily,
        allowances_error: None,
    }
}

/// Open the 1NCE product and feed its bundle with the quota usage.
async fn open_with_quota(app: &mut App, engine: &Engine) {
    open_with_usage(app, engine, quota_usage()).await;
}

/// Open the 1NCE product and feed its bundle with `usage`.
async fn open_with_usage(app: &mut App, engine: &Engine, usage: Usage) {
    let id: ProductId = ID.parse().expect("id");
    let position = app
        .visible
        .iter()
        .position(|&i| app.rows[i].is(&id))
        .expect("row");
    apply(app, Action::Top);
    for _ in 0..position {
        apply(app, Action::Down);
    }
    apply(app, Action::Open);
    let generation = app.detail_generation;
    let mut product = engine.product(&id).await.expect("product");
    product.usage = Some(usage);
    update(
        app,
        Msg::Product {
            generation,
            id,
            result: Ok(Box::new(product)),
        },
    );
}

fn render(app: &App, width: u16, height: u16, theme: &str) -> Terminal<TestBackend> {
    let theme = Theme::load(theme).expect("theme");
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|f| panes::draw(f, app, &theme))
        .expect("draw");
    terminal
}

fn text(t: &Terminal<TestBackend>) -> String {
    let buffer = t.backend().buffer();
    let width = usize::from(buffer.area.width);
    buffer
        .content()
        .chunks(width)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn onence_detail_with_quota_gauges_and_sparkline_120x40() {
    let (mut app, engine) = loaded_app(120, 40).await;
    open_with_quota(&mut app, &engine).await;
    let t = render(&app, 120, 40, "default");
    let screen = text(&t);
    assert!(screen.contains("86.5 %"), "{screen}");
    assert!(screen.contains("432.50 MB of 500.00 MB used"), "{screen}");
    assert!(screen.contains("41 d left"), "{screen}");
    assert!(screen.contains("over 80 %"), "{screen}");
    assert!(screen.contains("28 of 30 days known"), "{screen}");
    insta::assert_snapshot!("onence_quota_detail_120x40", t.backend());
}

#[tokio::test]
async fn onence_detail_with_quota_gauges_and_sparkline_80x24() {
    let (mut app, engine) = loaded_app(80, 24).await;
    open_with_quota(&mut app, &engine).await;
    // The mono theme: the gauge's meaning is in its words and glyphs, not its colour.
    let t = render(&app, 80, 24, "mono");
    let screen = text(&t);
    assert!(screen.contains("86.5 %"), "{screen}");
    assert!(screen.contains("over 80 %"), "{screen}");
    assert!(screen.contains("█") && screen.contains("░"), "{screen}");
    assert!(screen.contains("total"), "{screen}");
    insta::assert_snapshot!("onence_quota_detail_80x24", t.backend());
}

#[tokio::test]
async fn a_failed_quota_read_says_why_in_place_of_the_gauges() {
    let (mut app, engine) = loaded_app(80, 24).await;
    let mut usage = quota_usage();
    usage.allowances.clear();
    usage.allowances_error = Some("1nce-demo answered HTTP 503: \u{1b}[2Jdown".into());
    open_with_usage(&mut app, &engine, usage).await;
    let screen = text(&render(&app, 80, 24, "mono"));
    let line = screen
        .lines()
        .find(|l| l.contains("allowance unavailable"))
        .unwrap_or_else(|| panic!("no reason on screen:\n{screen}"));
    assert!(line.contains("HTTP 503"), "{line}");
    assert!(
        !screen.contains('\u{1b}'),
        "the carrier's text is sanitized"
    );
    assert!(
        screen.contains("28 of 30 days known"),
        "the history still shows: {screen}"
    );
}

#[tokio::test]
async fn a_product_read_over_80_percent_is_marked_and_found_by_usage_query() {
    let (mut app, engine) = loaded_app(120, 40).await;
    open_with_quota(&mut app, &engine).await;
    apply(&mut app, Action::Back);
    let id: ProductId = ID.parse().expect("id");
    let row = app.row(&id).expect("row");
    assert_eq!(row.usage_level(), Some(87));
    let screen = text(&render(&app, 120, 40, "default"));
    let line = screen
        .lines()
        .find(|l| l.contains(ID))
        .expect("the row on screen");
    assert!(line.contains("!"), "{line}");
    // Rows with no known allowance carry no mark.
    let other = screen
        .lines()
        .find(|l| l.contains("1NCE-8988228066000000008"))
        .expect("another row");
    assert!(!other.contains("!"), "{other}");

    app.set_query(Query::parse("usage>80%").expect("query"));
    assert_eq!(app.visible.len(), 1);
    assert!(app.rows[app.visible[0]].is(&id));
    app.set_query(Query::parse("usage<80%").expect("query"));
    assert!(app.visible.is_empty(), "unknown levels match no comparison");
    app.set_query(Query::parse("!usage>=90%").expect("query"));
    assert_eq!(app.visible.len(), 35, "the negation keeps every other row");
}

#[tokio::test]
async fn levels_from_the_history_mark_rows_that_arrive_later() {
    let (mut app, _) = loaded_app(120, 40).await;
    let late: ProductId = "1NCE-8988228066000000099".parse().expect("id");
    update(&mut app, Msg::UsageLevels(Ok(vec![(late.clone(), 104.0)])));
    let mut summary = app.rows[0].summary();
    summary.id = late.clone();
    summary.iccid = Some(late.business_id.clone());
    app.upsert(vec![summary], true);
    assert_eq!(app.row(&late).expect("row").usage_level(), Some(104));
}

#[tokio::test]
async fn the_backends_view_draws_each_accounts_known_daily_use() {
    let (mut app, _) = loaded_app(120, 40).await;
    let effects = apply(&mut app, Action::Backends);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, cmo::ui::effect::Effect::LoadAccountUsage { .. })),
        "{effects:?}"
    );
    let days = (0..30)
        .map(|n| DailyUse {
            day: day(n),
            usage_type: UsageType::Data,
            amount: (n as f64 + 1.0) * 1e6,
            units: Unit::Bytes,
        })
        .collect();
    update(
        &mut app,
        Msg::AccountUsage(Ok(vec![
            ("onence-a".into(), days),
            ("intelsat".into(), Vec::new()),
        ])),
    );
    let screen = text(&render(&app, 120, 40, "default"));
    assert!(screen.contains("Data use, last 30 days"), "{screen}");
    assert!(screen.contains("total 465.00 MB"), "{screen}");
    let line = screen
        .lines()
        .find(|l| l.contains("total 465.00 MB"))
        .expect("the account line");
    assert!(line.contains("onence-a"), "{line}");
    assert!(
        !screen
            .lines()
            .any(|l| l.contains("intelsat") && l.contains("total"))
    );
}
