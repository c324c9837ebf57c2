//! Render snapshots of the console at 120×40 on ratatui's `TestBackend`, fed from the in-memory
//! backend through the engine. Deterministic: no clocks (the monitors pane gets a fixed tick),
//! fixed data, health left unknown.

mod ui_support;

use cmo::backends::memory::MemoryBackend;
use cmo::domain::{BackendKind, CustomAttribute, Monitor, MonitorState, ProductId};
use cmo::engine::{Engine, ListEvent};
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

async fn loaded_app() -> (App, Engine) {
    let engine = memory_engine(vec![
        MemoryBackend::generate("onence-a", BackendKind::OneNce, 30),
        MemoryBackend::generate("intelsat", BackendKind::Intelsat, 5),
    ]);
    (listed_app(&engine, 120, 40).await, engine)
}

fn render(app: &App) -> Terminal<TestBackend> {
    render_at(app, 120, 40)
}

fn render_at(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let theme = Theme::load("default").expect("theme");
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|f| panes::draw(f, app, &theme))
        .expect("draw");
    terminal
}

/// Select `id` in the list, open it (one effect: the detail load) and feed the detail what
/// the engine answers — the product, and its usage when `with_usage`. Returns the generation.
async fn open_product(app: &mut App, engine: &Engine, id: &ProductId, with_usage: bool) -> u64 {
    let position = app
        .visible
        .iter()
        .position(|&i| app.rows[i].is(id))
        .expect("row");
    // The selection stays on its product as pages arrive, so start from the top.
    apply(app, Action::Top);
    for _ in 0..position {
        apply(app, Action::Down);
    }
    let effects = apply(app, Action::Open);
    assert_eq!(effects.len(), 1);
    let generation = app.detail_generation;
    let product = engine
        .product(id)
        .await
        .map(Box::new)
        .map_err(|e| e.to_string());
    update(
        app,
        Msg::Product {
            generation,
            id: id.clone(),
            result: product,
        },
    );
    if with_usage {
        let usage = engine.usage(id).await.map_err(|e| e.to_string());
        update(
            app,
            Msg::Usage {
                generation,
                id: id.clone(),
                result: usage,
            },
        );
    }
    generation
}

#[tokio::test]
async fn product_list_120x40() {
    let (mut app, _) = loaded_app().await;
    apply(&mut app, Action::Top);
    apply(&mut app, Action::Down);
    apply(&mut app, Action::Down);
    insta::assert_snapshot!(render(&app).backend());
}

#[tokio::test]
async fn product_detail_120x40() {
    let (mut app, engine) = loaded_app().await;
    let id: ProductId = "1NCE-8988228066000000007".parse().expect("id");
    open_product(&mut app, &engine, &id, true).await;
    insta::assert_snapshot!(render(&app).backend());
}

#[tokio::test]
async fn satellite_detail_and_status_menu_120x40() {
    let (mut app, engine) = loaded_app().await;
    let id: ProductId = "INTELSAT-27002".parse().expect("id");
    open_product(&mut app, &engine, &id, true).await;
    apply(&mut app, Action::ChangeStatus);
    insta::assert_snapshot!(render(&app).backend());
}

fn monitor(native: &str, product: &str, state: MonitorState, created: &str) -> Monitor {
    let kind: BackendKind = native
        .split('-')
        .next()
        .unwrap_or("TMSP")
        .parse()
        .expect("kind");
    Monitor {
        id: native.to_string(),
        kind,
        backend: kind.as_str().to_lowercase(),
        product_id: Some(product.parse().expect("product id")),
        request: "status ACTIVE → SUSPENDED".into(),
        state,
        status_code: (state == MonitorState::InError).then_some(409),
        detail: (state == MonitorState::InError).then(|| "SIM is locked by another order".into()),
        created: created.into(),
        updated: state.is_final().then(|| "2026-11-29T09:59:30Z".into()),
    }
}

#[tokio::test]
async fn monitors_pane_120x40() {
    let (mut app, _) = loaded_app().await;
    let list = vec![
        monitor(
            "TMSP-8988228066000000003-1764409000000",
            "TMSP-8988228066000000003",
            MonitorState::Completed,
            "2026-11-29T07:00:00Z",
        ),
        monitor(
            "INTELSAT-job-77",
            "INTELSAT-27001",
            MonitorState::InError,
            "2026-11-29T09:50:00Z",
        ),
        monitor(
            "TMSP-8988228066000000004-1764410000000",
            "TMSP-8988228066000000004",
            MonitorState::InProgress,
            "2026-11-29T09:59:18Z",
        ),
    ];
    update(&mut app, Msg::Monitors(Ok(list)));
    app.monitors.highlight = Some("TMSP-8988228066000000004-1764410000000".into());
    apply(&mut app, Action::Monitors);
    update(
        &mut app,
        Msg::Tick("2026-11-29T10:00:00Z".parse().expect("time")),
    );
    apply(&mut app, Action::Down);
    insta::assert_snapshot!(render(&app).backend());
}

#[tokio::test]
async fn attributes_pane_120x40() {
    let (mut app, engine) = loaded_app().await;
    let id: ProductId = "1NCE-8988228066000000007".parse().expect("id");
    let generation = open_product(&mut app, &engine, &id, false).await;
    let attrs = [
        ("site", "Hamburg pier 4"),
        ("owner", "NOC team B"),
        ("ticket", "INC-20431 \u{1b}[31m(escape stripped)"),
    ]
    .iter()
    .map(|(n, v)| CustomAttribute {
        name: n.to_string(),
        value: v.to_string(),
    })
    .collect::<Vec<_>>();
    update(
        &mut app,
        Msg::Attrs {
            generation,
            id,
            result: Ok((attrs, None)),
        },
    );
    apply(&mut app, Action::Down);
    insta::assert_snapshot!(render(&app).backend());
}

#[tokio::test]
async fn backends_view_says_why_one_is_down_120x40() {
    use cmo::engine::{Health, HealthEntry};
    let (mut app, _) = loaded_app().await;
    // The second account's next listing fails: its reason must be readable, escapes stripped.
    apply(&mut app, Action::Refresh);
    let generation = app.list_generation;
    let error = cmo::backends::BackendError::Unreachable {
        backend: "intelsat".into(),
        detail: "Connection refused (os error 111)\u{1b}[2J".into(),
    };
    let event = ListEvent::Done {
        backend: "intelsat".into(),
        result: Err(error),
    };
    update(&mut app, Msg::List { generation, event });
    update(
        &mut app,
        Msg::Health(vec![
            HealthEntry {
                health: Health::Ok,
                last_latency_ms: Some(12),
                last_error: None,
            },
            HealthEntry {
                health: Health::Down,
                last_latency_ms: Some(3004),
                last_error: Some("intelsat is unreachable".into()),
            },
        ]),
    );
    let text = |app: &App| {
        render(app)
            .backend()
            .buffer()
            .content()
            .iter()
            .map(|c| c.symbol())
            .collect::<String>()
    };
    assert!(
        text(&app).contains("b shows the backends"),
        "{}",
        text(&app)
    );
    apply(&mut app, Action::Backends);
    insta::assert_snapshot!(render(&app).backend());
    apply(&mut app, Action::Back);
    assert!(text(&app).contains("Products"));
}

#[tokio::test]
async fn product_list_on_an_80x24_ssh_session() {
    let (mut app, _) = loaded_app().await;
    apply(
        &mut app,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    // Every ID whole on a narrow terminal: columns drop out instead.
    let list = render_at(&app, 80, 24);
    insta::assert_snapshot!("list_80x24", list.backend());
    let text: String = list
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(text.contains("1NCE-8988228066000000000"), "{text}");
}
