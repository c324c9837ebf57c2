//! The product view: a stable sort whatever order pages arrive in, the selection kept on its
//! product through sorting, filtering and new pages, query errors that keep the last result,
//! attributes that make rows findable, and the `:` command line.

use super::{app_with, press, summary};
use crate::domain::query::Fields as _;
use crate::domain::query::{SortColumn, SortKey};
use crate::domain::{BackendKind, CustomAttribute, ProductId, Status};
use crate::ui::action::Action;
use crate::ui::app::App;
use crate::ui::apply::apply;
use crate::ui::effect::Effect;
use crossterm::event::KeyCode;

fn ids(app: &App) -> Vec<String> {
    app.visible
        .iter()
        .map(|&i| app.rows[i].id().to_string())
        .collect()
}

fn two_accounts() -> App {
    let mut app = App::new(
        vec![
            ("zeta".into(), "1NCE".into()),
            ("alpha".into(), "STC".into()),
        ],
        Vec::new(),
        false,
    );
    apply(
        &mut app,
        Action::Resize {
            width: 120,
            height: 16,
        },
    );
    app
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

#[test]
fn default_order_is_account_then_id_whatever_order_pages_arrive_in() {
    let page = |kind, account, range: std::ops::Range<usize>, status| {
        range
            .map(move |i| summary(kind, account, i, status))
            .collect::<Vec<_>>()
    };
    let mut a = two_accounts();
    a.upsert(
        page(BackendKind::OneNce, "zeta", 5..10, Status::Active),
        true,
    );
    a.upsert(page(BackendKind::Stc, "alpha", 0..5, Status::Active), true);
    a.upsert(
        page(BackendKind::OneNce, "zeta", 0..5, Status::Active),
        true,
    );
    let mut b = two_accounts();
    b.upsert(
        page(BackendKind::OneNce, "zeta", 0..10, Status::Active),
        true,
    );
    b.upsert(page(BackendKind::Stc, "alpha", 0..5, Status::Active), true);
    assert_eq!(ids(&a), ids(&b));
    assert!(
        ids(&a)[0].starts_with("STC-"),
        "alpha's rows first: {:?}",
        ids(&a)
    );
    // `G` lands on the last row of the sorted order.
    press(&mut a, KeyCode::Char('G'));
    assert_eq!(
        a.selected_row().map(|r| r.id().to_string()),
        ids(&a).last().cloned()
    );
}

#[test]
fn sorting_by_status_and_back_keeps_the_selection_on_its_product() {
    let mut app = app_with(0);
    let rows: Vec<_> = (0..30)
        .map(|i| {
            let status = [Status::Active, Status::Suspended, Status::Blocked][i % 3];
            summary(BackendKind::OneNce, "onence", i, status)
        })
        .collect();
    app.upsert(rows, true);
    for _ in 0..7 {
        press(&mut app, KeyCode::Char('j'));
    }
    let chosen = app.selected_row().unwrap().id();
    apply(&mut app, Action::StartCommand);
    type_text(&mut app, "sort status desc");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.sort,
        SortKey {
            column: SortColumn::Status,
            descending: true
        }
    );
    assert_eq!(app.selected_row().unwrap().id(), chosen);
    let statuses: Vec<Status> = app.visible.iter().map(|&i| app.rows[i].status()).collect();
    assert!(
        statuses.windows(2).all(|w| w[0].as_str() >= w[1].as_str()),
        "{statuses:?}"
    );
    // `o` cycles to the next column, `O` reverses; the selection follows the product.
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Char('O'));
    assert_eq!(app.selected_row().unwrap().id(), chosen);
    apply(&mut app, Action::StartCommand);
    type_text(&mut app, "sort account");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.sort, SortKey::DEFAULT);
    assert_eq!(app.selected_row().unwrap().id(), chosen);
}

#[test]
fn a_new_page_keeps_the_selection_and_the_summary_counts_follow() {
    let mut app = app_with(10);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('j'));
    let chosen = app.selected_row().unwrap().id();
    // Rows sorting before the selection arrive: it stays on its product.
    let earlier: Vec<_> = (100..105)
        .map(|i| summary(BackendKind::OneNce, "aaa", i, Status::Suspended))
        .collect();
    app.upsert(earlier, true);
    assert_eq!(app.selected_row().unwrap().id(), chosen);
    let counts = app.status_counts();
    let slot = |s| crate::ui::view::status_slot(s);
    assert_eq!(counts[slot(Status::Active)], 10);
    assert_eq!(counts[slot(Status::Suspended)], 5);
    // A row changing status moves in the counts.
    let mut changed = app.rows[0].summary();
    changed.status = crate::domain::NativeStatus::new(Status::Blocked, "BLOCKED");
    app.upsert(vec![changed], true);
    let total: usize = app.status_counts().iter().sum();
    assert_eq!(total, 15);
    assert_eq!(app.status_counts()[slot(Status::Blocked)], 1);
}

#[test]
fn field_terms_and_negation_filter_the_list() {
    let mut app = two_accounts();
    app.upsert(
        (0..6)
            .map(|i| {
                summary(
                    BackendKind::Stc,
                    "alpha",
                    i,
                    [Status::Active, Status::Suspended][i % 2],
                )
            })
            .chain((0..6).map(|i| summary(BackendKind::OneNce, "zeta", i, Status::Suspended)))
            .collect(),
        true,
    );
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "status:SUSPENDED backend:STC");
    assert_eq!(app.visible.len(), 3);
    assert!(ids(&app).iter().all(|id| id.starts_with("STC-")));
    let counts = app.status_counts();
    assert_eq!(counts.iter().sum::<usize>(), 3);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Esc); // clears
    assert_eq!(app.visible.len(), 12);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "!status:ACTIVE");
    assert_eq!(app.visible.len(), 9);
    assert!(
        app.visible
            .iter()
            .all(|&i| app.rows[i].status() != Status::Active)
    );
}

#[test]
fn a_bad_query_is_an_error_and_the_last_result_stays() {
    let mut app = app_with(12);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "00000001");
    let before = app.visible.clone();
    assert!(!before.is_empty() && before.len() < 12);
    type_text(&mut app, " ~(");
    let error = app.filter.error.clone().expect("an error under the input");
    assert!(error.contains("~("), "names the term: {error}");
    assert_eq!(app.visible, before, "the last result stays on screen");
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    assert!(app.filter.error.is_none());
    type_text(&mut app, " nosuchfield:x");
    assert!(
        app.filter
            .error
            .as_deref()
            .unwrap_or("")
            .contains("nosuchfield")
    );
}

#[test]
fn attributes_make_rows_findable_and_follow_edits() {
    let mut app = app_with(5);
    let id: ProductId = app.rows[3].id();
    let mut local = std::collections::HashMap::new();
    local.insert(
        id.clone(),
        vec![CustomAttribute {
            name: "ticket".into(),
            value: "INC-1234".into(),
        }],
    );
    app.set_local_attrs(local);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "attr:ticket=INC-1234");
    assert_eq!(ids(&app), vec![id.to_string()]);
    // The attribute is renamed in the detail: the row follows, the query no longer matches.
    app.set_row_attrs(
        &id,
        vec![CustomAttribute {
            name: "case".into(),
            value: "INC-1234".into(),
        }],
    );
    assert!(app.visible.is_empty());
    // Rows arriving later (a relisting) carry the local attributes too.
    app.retain_rows(|_| false);
    app.upsert(
        vec![summary(
            BackendKind::OneNce,
            "onence",
            3,
            crate::domain::Status::Active,
        )],
        true,
    );
    crate::ui::apply::set_filter_text(&mut app, "attr:case");
    assert_eq!(ids(&app), vec![id.to_string()]);
}

#[test]
fn commands_run_and_unknown_ones_are_named() {
    let mut app = two_accounts();
    app.upsert(
        (0..4)
            .map(|i| summary(BackendKind::Stc, "alpha", i, Status::Active))
            .chain((0..4).map(|i| summary(BackendKind::OneNce, "zeta", i, Status::Active)))
            .collect(),
        true,
    );
    apply(&mut app, Action::StartCommand);
    type_text(&mut app, "account ZETA");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(effects.first(), Some(Effect::SaveHistory { lines }) if lines == &["account ZETA".to_string()])
    );
    assert_eq!(app.visible.len(), 4);
    assert_eq!(app.filter.input.value(), "account:zeta");
    apply(&mut app, Action::StartCommand);
    type_text(&mut app, "frobnicate");
    press(&mut app, KeyCode::Enter);
    let text = app.message().map(|m| m.text.clone()).unwrap_or_default();
    assert!(text.contains(":frobnicate"), "{text}");
    apply(&mut app, Action::StartCommand);
    type_text(&mut app, "export /tmp/x.csv");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Export { rows, .. } if rows.len() == 4))
    );
    // Up recalls the history.
    apply(&mut app, Action::StartCommand);
    press(&mut app, KeyCode::Up);
    assert_eq!(app.command.input.value(), "export /tmp/x.csv");
    press(&mut app, KeyCode::Esc);
    assert!(!app.command.editing);
}

#[test]
fn y_copies_the_id_and_shift_y_the_iccid() {
    let mut app = app_with(3);
    let row = app.selected_row().unwrap().summary();
    let effects = press(&mut app, KeyCode::Char('y'));
    assert_eq!(
        effects,
        vec![Effect::Copy {
            text: row.id.to_string()
        }]
    );
    let effects = press(&mut app, KeyCode::Char('Y'));
    assert_eq!(
        effects,
        vec![Effect::Copy {
            text: row.iccid.clone().unwrap()
        }]
    );
    assert!(app.message().unwrap().text.contains("copied ICCID"));
}
