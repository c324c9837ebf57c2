//! Knowing what is happening: messages with a time that never hide a newer one, failed carrier
//! jobs announced and counted in the header until the monitors view is seen, every call the
//! operator waits on shown with its account and seconds, and the message log in full.

use super::{app_with, monitor_of, press};
use crate::domain::query::Fields as _;
use crate::domain::{BackendKind, MonitorState, Status};
use crate::engine::ChangeOutcome;
use crate::ui::app::{MessageKind, Overlay};
use crate::ui::msg::Msg;
use crate::ui::update::update;
use chrono::TimeZone;
use crossterm::event::KeyCode;

fn at(secs: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc
        .timestamp_opt(1_780_000_000 + secs, 0)
        .single()
        .expect("a time")
}

#[test]
fn an_error_does_not_hide_a_later_result_and_fades_at_the_next_key() {
    let mut app = app_with(3);
    update(&mut app, Msg::Tick(at(0)));
    app.set_error("jasper-demo: listing failed");
    app.set_success("TMSP-1: attribute added ticket=INC-1");
    let shown = app.message().expect("a message");
    assert_eq!(shown.kind, MessageKind::Success);
    assert!(shown.text.contains("attribute added"));
    assert_eq!(shown.at, Some(at(0)), "it carries its time");
    app.set_error("refused");
    press(&mut app, KeyCode::Char('j'));
    assert!(app.message().is_none(), "seen at the next key");
    assert_eq!(app.messages.log.len(), 3, "and kept in the log");
    app.set_error("refused again");
    update(&mut app, Msg::Tick(at(31)));
    assert!(app.message().is_none(), "gone after 30 s");
}

#[test]
fn a_failed_carrier_job_is_announced_and_counted_until_the_monitors_are_seen() {
    let mut app = app_with(2);
    let id = app.rows[0].id();
    let mut monitor = monitor_of(BackendKind::Tmsp, "j1", Some(&id));
    update(&mut app, Msg::MonitorUpdate(monitor.clone()));
    monitor.state = MonitorState::InError;
    monitor.detail = Some("TARIFF_RULE_VIOLATION".into());
    update(&mut app, Msg::MonitorUpdate(monitor.clone()));
    let m = app.message().expect("announced");
    assert_eq!(m.kind, MessageKind::Error);
    assert!(
        m.text.contains("InError") && m.text.contains("TARIFF_RULE_VIOLATION"),
        "{}",
        m.text
    );
    assert_eq!(app.failed_unseen, 1);
    // The same final state again is not a second failure.
    update(&mut app, Msg::MonitorUpdate(monitor));
    assert_eq!(app.failed_unseen, 1);
    press(&mut app, KeyCode::Char('m'));
    assert_eq!(app.failed_unseen, 0, "seen in the monitors view");
}

#[test]
fn a_change_in_flight_shows_its_account_and_ends_with_its_answer() {
    let mut app = app_with(2);
    update(&mut app, Msg::Tick(at(0)));
    let id = app.rows[0].id();
    press(&mut app, KeyCode::Char('s'));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Tab);
    let effects = press(&mut app, KeyCode::Enter);
    assert!(!effects.is_empty(), "the change is sent");
    let work = app.in_flight.last().expect("in flight");
    assert!(work.what.contains(&id.to_string()));
    assert_eq!(work.account.as_deref(), Some("onence"));
    assert_eq!(work.since, Some(at(0)));
    update(
        &mut app,
        Msg::StatusChanged {
            id: id.clone(),
            to: Status::Suspended,
            result: Ok(ChangeOutcome::Done { status: None }),
        },
    );
    assert!(app.in_flight.is_empty());
    assert!(
        app.message()
            .is_some_and(|m| m.kind == MessageKind::Success)
    );
}

#[test]
fn the_message_log_lists_every_message_newest_first() {
    let mut app = app_with(2);
    app.set_error(&format!("a long carrier error {}", "x".repeat(400)));
    app.set_info("later");
    press(&mut app, KeyCode::Char('M'));
    assert!(matches!(
        app.top_overlay(),
        Some(Overlay::Messages { scroll: 0 })
    ));
    assert_eq!(
        app.messages.log.back().map(|m| m.text.as_str()),
        Some("later")
    );
    let long = &app.messages.log[0];
    assert!(long.full.len() > 400, "the log keeps the whole text");
    assert!(
        long.text.chars().count() <= 301,
        "the status line gets it cut"
    );
    press(&mut app, KeyCode::Esc);
    assert!(app.overlays.is_empty());
}

#[test]
fn marks_all_invert_clear_and_the_hidden_ones_are_counted() {
    let mut app = app_with(6);
    press(&mut app, KeyCode::Char('V'));
    assert_eq!(app.marks.len(), 6);
    press(&mut app, KeyCode::Char('/'));
    for c in "000000001".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.visible.len(), 1);
    assert_eq!(crate::ui::flows::batch::hidden_marks(&app), 5);
    press(&mut app, KeyCode::Char('*'));
    assert_eq!(app.marks.len(), 5, "the shown one was inverted");
    press(&mut app, KeyCode::Char('U'));
    assert!(app.marks.is_empty());
}

#[test]
fn a_batch_says_what_will_not_change_and_sends_only_the_rest() {
    use crate::ui::app::Pending;
    use crate::ui::effect::Effect;
    let rows: Vec<_> = (0..5)
        .map(|i| {
            let status = if i == 2 {
                Status::Suspended
            } else {
                Status::Active
            };
            super::summary(BackendKind::OneNce, "onence", i, status)
        })
        .collect();
    let mut app = crate::ui::app::App::new(vec![("onence".into(), "1NCE".into())], rows, false);
    press(&mut app, KeyCode::Char('V'));
    press(&mut app, KeyCode::Char('S'));
    let Some(Overlay::StatusMenu { targets, .. }) = app.top_overlay() else {
        panic!("a batch menu");
    };
    let at = targets
        .iter()
        .position(|t| *t == Status::Suspended)
        .expect("SUSPENDED offered");
    for _ in 0..at {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::Enter);
    let Some(Overlay::Confirm {
        pending:
            Pending::Batch {
                ids,
                unchanged,
                refused,
                ..
            },
        ..
    }) = app.top_overlay()
    else {
        panic!("a batch confirmation: {:?}", app.top_overlay());
    };
    assert_eq!((ids.len(), unchanged.len(), refused.len()), (4, 1, 0));
    press(&mut app, KeyCode::Tab);
    let effects = press(&mut app, KeyCode::Enter);
    assert!(matches!(&effects[..], [Effect::BatchStatus { ids, .. }] if ids.len() == 4));
    let lines = ids_lines(&app, &effects);
    update(
        &mut app,
        Msg::BatchDone {
            to: Status::Suspended,
            result: Ok(lines),
            cost: Default::default(),
        },
    );
    let m = app.message().expect("a summary");
    assert!(
        m.text.contains("4 changed")
            && m.text.contains("1 unchanged")
            && m.text.contains("0 failed"),
        "{}",
        m.text
    );
    assert_eq!(m.kind, MessageKind::Success, "unchanged is not an error");
}

/// Every sent product done, except the first, which fails.
fn ids_lines(
    app: &crate::ui::app::App,
    effects: &[crate::ui::effect::Effect],
) -> Vec<crate::ui::msg::BatchLine> {
    let Some(crate::ui::effect::Effect::BatchStatus { ids, .. }) = effects.first() else {
        return Vec::new();
    };
    ids.iter()
        .map(|id| crate::ui::msg::BatchLine {
            id: id.clone(),
            from: app.row(id).map(|r| r.status()),
            result: Ok(None),
        })
        .collect()
}

#[test]
fn failed_rows_of_a_batch_are_retried_alone_and_terminated_needs_typing() {
    use crate::ui::app::Pending;
    use crate::ui::effect::Effect;
    use crate::ui::msg::BatchLine;
    let mut app = app_with(3);
    let ids: Vec<_> = app.rows.iter().map(|r| r.id()).collect();
    let lines = vec![
        BatchLine {
            id: ids[0].clone(),
            from: Some(Status::Active),
            result: Ok(None),
        },
        BatchLine {
            id: ids[1].clone(),
            from: Some(Status::Active),
            result: Err("timeout".into()),
        },
    ];
    update(
        &mut app,
        Msg::BatchDone {
            to: Status::Suspended,
            result: Ok(lines),
            cost: Default::default(),
        },
    );
    assert_eq!(app.message().map(|m| m.kind), Some(MessageKind::Error));
    press(&mut app, KeyCode::Char('r'));
    let Some(Overlay::Confirm {
        pending: Pending::Batch { ids: again, .. },
        ..
    }) = app.top_overlay()
    else {
        panic!("a confirmation for the failed one: {:?}", app.top_overlay());
    };
    assert_eq!(again, &vec![ids[1].clone()], "only the failed product");
    press(&mut app, KeyCode::Esc);

    // TERMINATED on TMUS (ACTIVE → TERMINATED, and no way back): Enter does nothing until the
    // number of products is typed.
    let rows: Vec<_> = (0..3)
        .map(|i| super::summary(BackendKind::Tmus, "tmus", i, Status::Active))
        .collect();
    let mut app = crate::ui::app::App::new(vec![("tmus".into(), "TMUS".into())], rows, false);
    let ids: Vec<_> = app.rows.iter().map(|r| r.id()).collect();
    let pending = crate::ui::flows::batch::plan(&app, &ids, Status::Terminated);
    crate::ui::apply::ask_confirmation(&mut app, pending);
    assert!(matches!(
        app.top_overlay(),
        Some(Overlay::TypedConfirm { .. })
    ));
    assert!(
        press(&mut app, KeyCode::Enter).is_empty(),
        "not without typing"
    );
    press(&mut app, KeyCode::Char('2'));
    assert!(
        press(&mut app, KeyCode::Enter).is_empty(),
        "not with the wrong number"
    );
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Char('3'));
    let effects = press(&mut app, KeyCode::Enter);
    assert!(matches!(&effects[..], [Effect::BatchStatus { ids, .. }] if ids.len() == 3));
}

#[test]
fn auto_refresh_relists_when_due_and_keeps_the_selection() {
    use crate::engine::ListEvent;
    use crate::ui::effect::Effect;
    let mut app = app_with(5);
    app.refresh_interval = Some(chrono::Duration::seconds(60));
    update(&mut app, Msg::Tick(at(0)));
    // The first tick starts a listing; finish it.
    let generation = app.list_generation;
    let name = app.backends[0].name.clone();
    update(
        &mut app,
        Msg::List {
            generation,
            event: ListEvent::Done {
                backend: name,
                result: Ok(()),
            },
        },
    );
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('j'));
    let chosen = app.selected_row().map(|r| r.id());
    assert!(
        update(&mut app, Msg::Tick(at(30))).is_empty(),
        "not due yet"
    );
    let effects = update(&mut app, Msg::Tick(at(61)));
    assert!(
        matches!(&effects[..], [Effect::LoadProducts { .. }]),
        "{effects:?}"
    );
    assert_eq!(app.selected_row().map(|r| r.id()), chosen);
    assert!(
        update(&mut app, Msg::Tick(at(200))).is_empty(),
        "not while one is running"
    );
    assert_eq!(app.oldest_listing_secs(), Some(200));
}

#[test]
fn mark_commands_match_their_keys() {
    let mut app = app_with(4);
    crate::ui::commands::run(&mut app, "mark all");
    assert_eq!(app.marks.len(), 4);
    crate::ui::commands::run(&mut app, "mark invert");
    assert!(app.marks.is_empty());
    crate::ui::commands::run(&mut app, "mark all");
    crate::ui::commands::run(&mut app, "mark none");
    assert!(app.marks.is_empty());
    crate::ui::commands::run(&mut app, "mark some");
    assert!(
        app.message()
            .is_some_and(|m| m.text.contains("all, none or invert"))
    );
}
