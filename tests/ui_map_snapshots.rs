//! The world map and the overview, rendered on ratatui's `TestBackend` from the demo's INTELSAT
//! and GALAXY1 simulators (and a 1NCE account for the overview), started in-process on
//! loopback port 0 and listed through the real adapters and the engine. Snapshots at 120×40
//! and 80×24, zoomed, and in the mono theme under `NO_COLOR`; then the behaviour the
//! snapshots cannot show: colours per status, the query filtering the map, panning selecting
//! the nearest terminal, zooming onto the selection, Enter opening it and Esc coming back,
//! a click selecting, the start-up overview handing over to the list, Enter on an account.

mod ui_support;

use cmo::backends::{Backend, registry};
use cmo::config::Config;
use cmo::domain::query::Fields as _;
use cmo::domain::{BackendKind, Monitor, MonitorState, ProductId, Status};
use cmo::engine::{Engine, Health, HealthEntry, ListEvent};
use cmo::sim::{self, SimHandle, SimOptions};
use cmo::ui::action::Action;
use cmo::ui::app::{App, Screen};
use cmo::ui::apply::apply;
use cmo::ui::effect::Effect;
use cmo::ui::flows::{map, overview};
use cmo::ui::msg::Msg;
use cmo::ui::panes;
use cmo::ui::theme::Theme;
use cmo::ui::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use std::sync::Arc;
use ui_support::listed_app;

/// The demo's simulators (seed 1, 40 products a platform: `cmo --demo --demo-size 40`).
async fn simulators() -> SimHandle {
    sim::start(SimOptions {
        size: 40,
        seed: 1,
        ..SimOptions::default()
    })
    .await
    .expect("simulators start")
}

/// An engine on the simulated platforms of `kinds`, in that order.
fn engine_for(sims: &SimHandle, kinds: &[&str]) -> Engine {
    let mut text = String::new();
    for kind in kinds {
        let p = sims.platform(kind).expect("simulated platform");
        text.push_str(&format!(
            "[[backend]]\nname = \"{}\"\nkind = \"{}\"\nbase_url = \"{}\"\naccount_id = \"{}\"\nrate_limit_per_second = 1000\n[backend.auth]\nusername = \"{}\"\nsecret = \"{}\"\n",
            p.name, p.kind, p.base_url, p.account_id, p.username, p.secret
        ));
    }
    let config = Config::from_toml_str(&text, "test").expect("config");
    let backends: Vec<Arc<dyn Backend>> = registry::build(&config).expect("registry");
    Engine::new(backends)
}

async fn terminals_app(width: u16, height: u16) -> (App, SimHandle) {
    let sims = simulators().await;
    let engine = engine_for(&sims, &["INTELSAT", "GALAXY1"]);
    (listed_app(&engine, width, height).await, sims)
}

fn render(app: &App, width: u16, height: u16, theme: &Theme) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal.draw(|f| panes::draw(f, app, theme)).expect("draw");
    terminal
}

fn default_theme() -> Theme {
    Theme::load("default").expect("theme")
}

/// The mono theme as `NO_COLOR` leaves it.
fn no_color_mono() -> Theme {
    Theme::load("mono").expect("theme").without_colors()
}

fn text_of(buffer: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn is_braille(symbol: &str) -> bool {
    symbol
        .chars()
        .next()
        .is_some_and(|c| ('\u{2801}'..='\u{28FF}').contains(&c))
}

/// Select the first visible terminal named by `id` in the list.
fn select(app: &mut App, id: &str) {
    let position = app
        .visible
        .iter()
        .position(|&i| app.rows[i].business_id() == id)
        .expect("row");
    apply(app, Action::Select { position });
}

fn first_terminal(app: &App, kind: BackendKind) -> String {
    app.visible
        .iter()
        .map(|&i| &app.rows[i])
        .find(|r| r.kind() == kind && r.latitude().is_some())
        .map(|r| r.business_id().to_string())
        .expect("a terminal with a position")
}

#[tokio::test]
async fn map_120x40() {
    let (mut app, _sims) = terminals_app(120, 40).await;
    let id = first_terminal(&app, BackendKind::Galaxy1);
    select(&mut app, &id);
    apply(&mut app, Action::Map);
    insta::assert_snapshot!(render(&app, 120, 40, &default_theme()).backend());
}

#[tokio::test]
async fn map_80x24() {
    let (mut app, _sims) = terminals_app(80, 24).await;
    let id = first_terminal(&app, BackendKind::Intelsat);
    select(&mut app, &id);
    apply(&mut app, Action::Map);
    insta::assert_snapshot!(render(&app, 80, 24, &default_theme()).backend());
}

#[tokio::test]
async fn map_zoomed_on_the_selected_terminal_120x40() {
    let (mut app, _sims) = terminals_app(120, 40).await;
    let id = first_terminal(&app, BackendKind::Intelsat);
    select(&mut app, &id);
    apply(&mut app, Action::Map);
    apply(&mut app, Action::ZoomIn);
    apply(&mut app, Action::ZoomIn);
    assert_eq!(app.map.factor(), 4);
    let row = app.selected_row().expect("selected");
    let (lon, lat) = (row.longitude().unwrap(), row.latitude().unwrap());
    assert!(
        app.map.viewport().contains(lon, lat),
        "zooming keeps the selected terminal in view"
    );
    insta::assert_snapshot!(render(&app, 120, 40, &default_theme()).backend());
}

#[tokio::test]
async fn map_mono_no_color_120x40() {
    let (mut app, _sims) = terminals_app(120, 40).await;
    apply(&mut app, Action::Map);
    let terminal = render(&app, 120, 40, &no_color_mono());
    let text = text_of(terminal.backend().buffer());
    // Without colours each kind of status has its own glyph on the map and in the legend.
    assert!(text.contains('●'), "{text}");
    insta::assert_snapshot!(terminal.backend());
}

#[tokio::test]
async fn terminals_are_braille_dots_in_their_status_colour_and_the_legend_counts_them() {
    let (mut app, _sims) = terminals_app(120, 40).await;
    apply(&mut app, Action::Map);
    let theme = default_theme();
    let points = map::points(&app).into_owned();
    let located = app
        .visible
        .iter()
        .filter(|&&i| app.rows[i].latitude().is_some() && app.rows[i].longitude().is_some())
        .count();
    assert!(located > 10, "the demo has terminals: {located}");
    assert_eq!(points.total(), located);
    let terminal = render(&app, 120, 40, &theme);
    let buffer = terminal.backend().buffer();
    let body = panes::body_area(buffer.area, &app);
    let canvas = panes::map::canvas_area(body);
    let view = app.map.viewport();
    // Every terminal's cell is a braille cell in the colour of some status; a terminal alone in
    // its cell has its own status's colour. Cells as the canvas's braille grid (2×4 dots a
    // cell) places a point.
    let cell_of = |p: &map::MapPoint| {
        let dots_x = f64::from(canvas.width) * 2.0 - 1.0;
        let dots_y = f64::from(canvas.height) * 4.0 - 1.0;
        let dx = ((p.lon - view.west) * dots_x / (view.east - view.west)).round() as u16;
        let dy = ((view.north - p.lat) * dots_y / (view.north - view.south)).round() as u16;
        (canvas.x + dx / 2, canvas.y + dy / 4)
    };
    let status_colours: Vec<_> = Status::ALL.iter().map(|s| theme.status(*s).fg).collect();
    let mut alone = 0;
    for p in &points.points {
        let (x, y) = cell_of(p);
        let cell = &buffer[(x, y)];
        if app.selected == p.position {
            continue; // the selected one carries its name
        }
        let sharing = points
            .points
            .iter()
            .filter(|q| cell_of(q) == (x, y))
            .count();
        if !is_braille(cell.symbol()) {
            continue; // under a label
        }
        assert!(
            status_colours.contains(&Some(cell.fg)),
            "{p:?}: {:?}",
            cell.fg
        );
        if sharing == 1 {
            alone += 1;
            let status = Status::ALL[usize::from(p.status)];
            assert_eq!(Some(cell.fg), theme.status(status).fg, "{p:?}");
        }
    }
    assert!(
        alone > 5,
        "enough terminals alone in a cell to check: {alone}"
    );
    // The legend's counts are the terminals per status.
    let text = text_of(buffer);
    for (slot, status) in Status::ALL.iter().enumerate() {
        let n = points.counts[slot];
        if n > 0 {
            let short = panes::overview::short(*status);
            assert!(
                text.contains(&format!("{} {n}", status.as_str()))
                    || text.contains(&format!("{short} {n}")),
                "{status}: {n}\n{text}"
            );
        }
    }
}

#[tokio::test]
async fn the_query_filters_the_map_as_it_filters_the_list() {
    let (mut app, _sims) = terminals_app(120, 40).await;
    apply(&mut app, Action::Map);
    let all = map::points(&app).total();
    app.set_query(cmo::domain::query::Query::parse("status:active").expect("query"));
    let active = map::points(&app).into_owned();
    assert!(
        active.total() > 0 && active.total() < all,
        "{} of {all}",
        active.total()
    );
    let slot = cmo::ui::view::status_slot(Status::Active);
    assert_eq!(
        active.total(),
        active.counts[slot],
        "only ACTIVE terminals remain"
    );
    app.set_query(cmo::domain::query::Query::parse("account:nobody").expect("query"));
    assert_eq!(map::points(&app).total(), 0);
    let text = text_of(render(&app, 120, 40, &default_theme()).backend().buffer());
    assert!(text.contains("nothing to show yet"), "{text}");
}

#[tokio::test]
async fn panning_selects_the_nearest_terminal_and_enter_opens_it_and_esc_comes_back() {
    let (mut app, _sims) = terminals_app(120, 40).await;
    apply(&mut app, Action::Map);
    for _ in 0..2 {
        apply(&mut app, Action::ZoomIn);
    }
    apply(&mut app, Action::Pan { east: 1, north: 0 });
    let view = app.map.viewport();
    let (lon, lat) = view.center();
    let points = map::points(&app).into_owned();
    let expected = map::nearest(&points.points, &view, lon, lat);
    if let Some(p) = expected {
        assert_eq!(app.selected, p.position, "the nearest terminal is selected");
    }
    // Whatever is selected (or nearest), Enter opens a terminal with a position.
    let effects = apply(&mut app, Action::Open);
    let Some(Effect::LoadDetail { id, .. }) = effects.first() else {
        // No terminal in this window: zoom out to the world and try there.
        apply(&mut app, Action::Top);
        let effects = apply(&mut app, Action::Open);
        assert!(matches!(effects.first(), Some(Effect::LoadDetail { .. })));
        return;
    };
    let row = app.row(id).expect("row");
    assert!(row.latitude().is_some());
    assert_eq!(app.screen, Screen::Products);
    assert_eq!(app.detail.as_ref().map(|d| &d.id), Some(id));
    apply(&mut app, Action::Back);
    assert_eq!(
        app.screen,
        Screen::Map,
        "Esc in a detail opened from the map"
    );
    assert!(app.detail.is_none());
    apply(&mut app, Action::Back);
    assert_eq!(app.screen, Screen::Products);
}

#[tokio::test]
async fn zoom_stops_at_its_limits_and_g_shows_the_world() {
    let (mut app, _sims) = terminals_app(80, 24).await;
    apply(&mut app, Action::Map);
    apply(&mut app, Action::ZoomOut);
    assert_eq!(app.map.zoom, 0);
    for _ in 0..20 {
        apply(&mut app, Action::ZoomIn);
    }
    assert_eq!(app.map.zoom, map::MAX_ZOOM);
    let v = app.map.viewport();
    assert!(v.west >= -180.0 && v.east <= 180.0 && v.south >= -90.0 && v.north <= 90.0);
    for _ in 0..400 {
        apply(&mut app, Action::Pan { east: -1, north: 1 });
    }
    let v = app.map.viewport();
    assert!(
        (v.west + 180.0).abs() < 1e-9 && (v.north - 90.0).abs() < 1e-9,
        "panning stops at the world's edge: {v:?}"
    );
    apply(&mut app, Action::Top);
    assert_eq!(app.map.zoom, 0);
    assert_eq!(app.map.viewport().west, -180.0);
}

#[tokio::test]
async fn a_click_selects_the_nearest_terminal_and_a_second_click_opens_it() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let (mut app, _sims) = terminals_app(120, 40).await;
    let id = first_terminal(&app, BackendKind::Galaxy1);
    // Start with another product selected, so the first click selects and the second opens.
    let last = app.visible.len() - 1;
    apply(&mut app, Action::Select { position: last });
    assert_ne!(
        app.selected_row().map(|r| r.business_id().to_string()),
        Some(id.clone())
    );
    apply(&mut app, Action::Map);
    let screen = ratatui::layout::Rect::new(0, 0, 120, 40);
    let body = panes::body_area(screen, &app);
    let canvas = panes::map::canvas_area(body);
    let view = app.map.viewport();
    let row = app
        .visible
        .iter()
        .map(|&i| &app.rows[i])
        .find(|r| r.business_id() == id)
        .expect("row");
    let (lon, lat) = (row.longitude().unwrap(), row.latitude().unwrap());
    let x = canvas.x
        + ((lon - view.west) / (view.east - view.west) * f64::from(canvas.width - 1)) as u16;
    let y = canvas.y
        + ((view.north - lat) / (view.north - view.south) * f64::from(canvas.height - 1)) as u16;
    let click = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: x,
        row: y,
        modifiers: KeyModifiers::NONE,
    };
    let action = cmo::ui::mouse::action(click, &app, screen).expect("a click on the map");
    apply(&mut app, action);
    let picked = app.selected_row().expect("selected");
    // The click lands on the terminal's cell: the one selected is in that cell.
    let (plon, plat) = (picked.longitude().unwrap(), picked.latitude().unwrap());
    assert!((plon - lon).abs() <= 360.0 / 119.0 * 1.5, "{plon} vs {lon}");
    assert!((plat - lat).abs() <= 180.0 / f64::from(canvas.height - 1) * 1.5);
    let again = cmo::ui::mouse::action(click, &app, screen).expect("a second click");
    assert_eq!(again, Action::Open);
}

/// An app on 1NCE, INTELSAT and GALAXY1 with known health, jobs and one product's usage read.
async fn overview_app(width: u16, height: u16) -> (App, SimHandle) {
    let sims = simulators().await;
    let engine = engine_for(&sims, &["1NCE", "INTELSAT", "GALAXY1"]);
    let mut app = listed_app(&engine, width, height).await;
    // Health as the board would report it over a few ticks: latencies for the sparkline.
    for ms in [40, 55, 38, 120, 61, 47, 52, 44, 90, 41] {
        let entries = (0..3)
            .map(|i| HealthEntry {
                health: if i == 1 && ms > 100 {
                    Health::Slow
                } else {
                    Health::Ok
                },
                last_latency_ms: Some(ms + 10 * i),
                last_error: None,
            })
            .collect();
        update(&mut app, Msg::Health(entries));
    }
    let intelsat = app.backends[1].name.clone();
    let job = |id: &str, state: MonitorState| Monitor {
        id: id.to_string(),
        kind: BackendKind::Intelsat,
        backend: intelsat.clone(),
        product_id: None,
        request: "status ACTIVE → SUSPENDED".into(),
        state,
        status_code: None,
        detail: None,
        created: "2026-11-29T09:00:00Z".into(),
        updated: None,
    };
    update(
        &mut app,
        Msg::Monitors(Ok(vec![
            job("INTELSAT-job-1", MonitorState::InProgress),
            job("INTELSAT-job-2", MonitorState::InError),
            job("INTELSAT-job-3", MonitorState::Completed),
        ])),
    );
    // One 1NCE SIM opened (the first that used data): its usage is the account's "data used".
    let sims_1nce: Vec<ProductId> = app
        .visible
        .iter()
        .map(|&i| app.rows[i].id())
        .filter(|id| id.kind == BackendKind::OneNce)
        .collect();
    let mut opened = false;
    for sim_id in sims_1nce {
        let usage = engine.usage(&sim_id).await.expect("usage");
        if overview::data_bytes(&usage).is_some_and(|b| b > 0.0) {
            update(
                &mut app,
                Msg::Usage {
                    generation: 0,
                    id: sim_id,
                    result: Ok(usage),
                },
            );
            opened = true;
            break;
        }
    }
    assert!(opened, "a 1NCE SIM of the demo used data");
    apply(&mut app, Action::Overview);
    (app, sims)
}

#[tokio::test]
async fn overview_120x40() {
    let (mut app, _sims) = overview_app(120, 40).await;
    apply(&mut app, Action::Down);
    let terminal = render(&app, 120, 40, &default_theme());
    let text = text_of(terminal.backend().buffer());
    assert!(text.contains("1✖"), "a failed job is counted: {text}");
    assert!(text.contains("* data: opened products"), "{text}");
    insta::assert_snapshot!(terminal.backend());
}

#[tokio::test]
async fn overview_80x24() {
    let (app, _sims) = overview_app(80, 24).await;
    insta::assert_snapshot!(render(&app, 80, 24, &default_theme()).backend());
}

#[tokio::test]
async fn overview_mono_no_color_120x40() {
    let (app, _sims) = overview_app(120, 40).await;
    insta::assert_snapshot!(render(&app, 120, 40, &no_color_mono()).backend());
}

#[tokio::test]
async fn the_stacked_bar_is_exactly_as_wide_as_its_column_and_shares_follow_the_counts() {
    let theme = default_theme();
    let mut counts = [0usize; Status::ALL.len()];
    counts[0] = 97; // ACTIVE
    counts[1] = 2;
    counts[Status::ALL.len() - 1] = 1;
    for width in [6, 10, 37, 80] {
        let spans = panes::overview::stacked(&counts, width, &theme);
        let cells: usize = spans.iter().map(|s| s.content.chars().count()).sum();
        assert_eq!(cells, width);
        assert_eq!(spans.len(), 3, "every status with products shows");
        let active = spans[0].content.chars().count();
        // 97 % of the width, rounded; the others took their one cell each.
        let expected = ((97 * width) as f64 / 100.0).round() as usize;
        assert!(
            active == expected || active == width - 2,
            "{width}: {active}"
        );
    }
    let empty = panes::overview::stacked(&[0; Status::ALL.len()], 8, &theme);
    assert_eq!(empty[0].content, "········");
}

#[tokio::test]
async fn the_start_up_overview_gives_way_to_the_list_when_rows_arrive() {
    let sims = simulators().await;
    let engine = engine_for(&sims, &["INTELSAT", "GALAXY1"]);
    let accounts = engine
        .accounts()
        .into_iter()
        .map(|a| (a.name, a.kind.as_str().to_string()))
        .collect();
    let mut app = App::new(accounts, Vec::new(), false);
    assert_eq!(
        app.screen,
        Screen::Overview,
        "nothing held: the overview first"
    );
    apply(&mut app, Action::Refresh);
    let text = text_of(render(&app, 120, 40, &default_theme()).backend().buffer());
    assert!(
        text.contains("Overview") && text.contains("listing"),
        "{text}"
    );
    // The list's title is not on screen yet (PTY tests wait for it).
    assert!(!text.contains(" Products "), "{text}");
    let results = engine.list_all(None).await.expect("list");
    let (account, items) = results.into_iter().next().expect("one listing");
    let generation = app.list_generation;
    let event = ListEvent::Page {
        backend: account.name,
        items: items.expect("listing"),
        total: None,
    };
    update(&mut app, Msg::List { generation, event });
    assert_eq!(
        app.screen,
        Screen::Products,
        "rows arrived: the list as today"
    );

    // Moving in it keeps it; `/` from it goes to the list's filter.
    let mut app = App::new(vec![("a".into(), "1NCE".into())], Vec::new(), false);
    apply(&mut app, Action::Refresh);
    apply(&mut app, Action::Down);
    update(
        &mut app,
        Msg::Tick("2026-11-29T10:00:00Z".parse().expect("time")),
    );
    assert_eq!(app.screen, Screen::Overview);
    let mut app = App::new(vec![("a".into(), "1NCE".into())], Vec::new(), false);
    apply(&mut app, Action::Refresh);
    apply(&mut app, Action::StartFilter);
    assert_eq!(app.screen, Screen::Products);
    assert!(app.filter.editing);
    // Every listing ended without a row: the (empty) list.
    let mut app = App::new(vec![("a".into(), "1NCE".into())], Vec::new(), false);
    apply(&mut app, Action::Refresh);
    let generation = app.list_generation;
    let event = ListEvent::Done {
        backend: "a".into(),
        result: Ok(()),
    };
    update(&mut app, Msg::List { generation, event });
    assert_eq!(app.screen, Screen::Products);
}

#[tokio::test]
async fn enter_on_an_account_shows_its_products_and_account_usage_can_be_set() {
    let (mut app, _sims) = overview_app(120, 40).await;
    apply(&mut app, Action::Bottom);
    let name = app.backends[2].name.clone();
    apply(&mut app, Action::Open);
    assert_eq!(app.screen, Screen::Products);
    assert_eq!(app.filter.query.text(), format!("account:{name}"));
    assert!(!app.visible.is_empty());
    assert!(app.visible.iter().all(|&i| app.rows[i].account() == name));

    // The opened-products sum, until a per-account figure replaces it.
    let onence = app.backends[0].name.clone();
    let seen = overview::data_used(&app, &onence).expect("usage of the opened SIM");
    assert_eq!(
        (seen.products, seen.source),
        (1, overview::UsageSource::OpenedProducts)
    );
    overview::set_account_usage(&mut app, &onence, 2.5e9, 40);
    let set = overview::data_used(&app, &onence).expect("set");
    assert_eq!(set.bytes, 2.5e9);
    assert_eq!(set.source, overview::UsageSource::Account);
    apply(&mut app, Action::Overview);
    let text = text_of(render(&app, 120, 40, &default_theme()).backend().buffer());
    assert!(text.contains("2.50 GB"), "{text}");

    // The usage history's days of this month, summed per account (last month's days do not
    // count; an account without a day this month keeps what it had).
    use cmo::domain::quota::DailyUse;
    use cmo::domain::usage::{Unit, UsageType};
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
    let day = |d: u32, m: u32, mb: f64| DailyUse {
        day: chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap(),
        usage_type: UsageType::Data,
        amount: mb,
        units: Unit::Mb,
    };
    let history = vec![(
        onence.clone(),
        vec![day(30, 11, 900.0), day(1, 12, 100.0), day(9, 12, 250.0)],
    )];
    overview::apply_account_history(&mut app, &history, today);
    let month = overview::data_used(&app, &onence).expect("this month");
    assert_eq!(month.bytes, 350e6);
    assert_eq!(month.source, overview::UsageSource::Account);
    // Opening the overview asks the local history (no carrier call) for each account.
    let effects = overview::open(&mut app);
    assert!(
        effects.iter().any(
            |e| matches!(e, Effect::LoadAccountUsage { accounts } if accounts.contains(&onence))
        ),
        "{effects:?}"
    );
}

#[tokio::test]
async fn w_in_a_detail_shows_that_product_on_the_map() {
    let (mut app, _sims) = terminals_app(120, 40).await;
    let id = first_terminal(&app, BackendKind::Intelsat);
    select(&mut app, &id);
    let effects = apply(&mut app, Action::Open);
    assert!(matches!(effects.first(), Some(Effect::LoadDetail { .. })));
    // The list's selection moves elsewhere while the detail stays on its product.
    apply(&mut app, Action::Back);
    select(&mut app, &id);
    apply(&mut app, Action::Open);
    app.selected = 0;
    apply(&mut app, Action::Map);
    assert_eq!(app.screen, Screen::Map);
    assert_eq!(
        app.selected_row().map(|r| r.business_id().to_string()),
        Some(id),
        "the detail's product is the one on the map"
    );
}
