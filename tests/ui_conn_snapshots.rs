//! Render snapshots of the detail's connectivity block ("why is it offline?") for a 1NCE SIM
//! and a Control Center (JASPER) SIM at 120×40 and 80×24, plus the list's sign and `online:`
//! once an opened product told its state. Deterministic: the in-memory backend for products,
//! session states as the adapters build them, and a fixed UI clock.

mod ui_support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use cmo::backends::memory::MemoryBackend;
use cmo::domain::{BackendKind, NetworkState, ProductId, SessionState};
use cmo::engine::Engine;
use cmo::ui::action::Action;
use cmo::ui::app::App;
use cmo::ui::apply::{apply, set_filter_text};
use cmo::ui::msg::Msg;
use cmo::ui::panes;
use cmo::ui::theme::Theme;
use cmo::ui::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ui_support::{listed_app, memory_engine};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 4, 12, 30, 0)
        .single()
        .expect("a time")
}

async fn loaded_app(width: u16, height: u16) -> (App, Engine) {
    let engine = memory_engine(vec![
        MemoryBackend::generate("1nce-demo", BackendKind::OneNce, 8),
        MemoryBackend::generate("jasper-demo", BackendKind::Jasper, 8),
        MemoryBackend::generate("stc-demo", BackendKind::Stc, 4),
    ]);
    let mut app = listed_app(&engine, width, height).await;
    app.now = Some(now());
    (app, engine)
}

fn render(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let theme = Theme::load("default").expect("theme");
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|f| panes::draw(f, app, &theme))
        .expect("draw");
    terminal
}

/// Select and open `id`, feed the bundle and then `session` as the effect runner would.
async fn open(app: &mut App, engine: &Engine, id: &ProductId, session: Option<SessionState>) {
    let position = app
        .visible
        .iter()
        .position(|&i| app.rows[i].is(id))
        .expect("row");
    apply(app, Action::Top);
    for _ in 0..position {
        apply(app, Action::Down);
    }
    apply(app, Action::Open);
    let generation = app.detail_generation;
    let product = engine
        .product(id)
        .await
        .map(Box::new)
        .map_err(|e| e.to_string());
    let id = id.clone();
    update(
        app,
        Msg::Product {
            generation,
            id: id.clone(),
            result: product,
        },
    );
    update(
        app,
        Msg::Session {
            generation,
            id,
            result: Ok(session),
        },
    );
}

/// A 1NCE SIM whose last session ended 3 h ago, as the 1NCE adapter reads `/status`.
fn onence_offline() -> SessionState {
    let mut s = SessionState::new(NetworkState::Offline, "OFFLINE");
    s.last_seen = Some(now() - Duration::minutes(190));
    s.country = Some("DE".into());
    s.operator = Some("Telekom".into());
    s
}

/// A Control Center SIM in session for 42 minutes, as `sessionInfo` says.
fn jasper_online() -> SessionState {
    let mut s = SessionState::new(NetworkState::Online, "in session");
    s.session_start = Some(now() - Duration::minutes(42));
    s.ip_address = Some("10.0.1.2".into());
    s
}

fn onence_id() -> ProductId {
    "1NCE-8988228066000000001".parse().expect("id")
}

fn jasper_id() -> ProductId {
    "JASPER-8988228066000000003".parse().expect("id")
}

#[tokio::test]
async fn onence_connectivity_block_120x40() {
    let (mut app, engine) = loaded_app(120, 40).await;
    open(&mut app, &engine, &onence_id(), Some(onence_offline())).await;
    insta::assert_snapshot!(render(&app, 120, 40).backend());
}

#[tokio::test]
async fn onence_connectivity_block_80x24() {
    let (mut app, engine) = loaded_app(80, 24).await;
    open(&mut app, &engine, &onence_id(), Some(onence_offline())).await;
    insta::assert_snapshot!(render(&app, 80, 24).backend());
}

#[tokio::test]
async fn control_center_connectivity_block_120x40() {
    let (mut app, engine) = loaded_app(120, 40).await;
    open(&mut app, &engine, &jasper_id(), Some(jasper_online())).await;
    insta::assert_snapshot!(render(&app, 120, 40).backend());
}

#[tokio::test]
async fn control_center_connectivity_block_80x24() {
    let (mut app, engine) = loaded_app(80, 24).await;
    open(&mut app, &engine, &jasper_id(), Some(jasper_online())).await;
    insta::assert_snapshot!(render(&app, 80, 24).backend());
}

#[tokio::test]
async fn a_platform_without_session_data_says_so_80x24() {
    let (mut app, engine) = loaded_app(80, 24).await;
    let id: ProductId = "STC-8988228066000000000".parse().expect("id");
    open(&mut app, &engine, &id, None).await;
    let screen = format!("{}", render(&app, 80, 24).backend());
    assert!(
        screen.contains("ACTIVE · no session data on STC"),
        "{screen}"
    );
}

#[tokio::test]
async fn opened_products_show_their_state_in_the_list_and_online_filters_on_it() {
    let (mut app, engine) = loaded_app(120, 40).await;
    open(&mut app, &engine, &onence_id(), Some(onence_offline())).await;
    apply(&mut app, Action::Back);
    open(&mut app, &engine, &jasper_id(), Some(jasper_online())).await;
    apply(&mut app, Action::Back);
    let all = app.visible.len();
    let screen = format!("{}", render(&app, 120, 40).backend());
    assert!(screen.contains("ACTIVE ·off"), "{screen}");
    assert!(screen.contains("ACTIVE ·on "), "{screen}");
    let shown = |app: &App| -> Vec<String> {
        app.visible
            .iter()
            .map(|&i| app.rows[i].id().to_string())
            .collect()
    };
    for (query, want) in [
        ("online:yes", vec![jasper_id().to_string()]),
        ("online:no", vec![onence_id().to_string()]),
    ] {
        set_filter_text(&mut app, query);
        assert_eq!(shown(&app), want, "{query}");
    }
    // Unknown rows match neither, and a negation keeps them.
    set_filter_text(&mut app, "!online:yes");
    assert_eq!(app.visible.len(), all - 1);
}
