//! Unit tests of the flows beyond browsing: monitors, attributes, batches, the product cache,
//! the audit view and the scrolling help. Each confirmation must default to Cancel, read-only
//! must refuse before any effect, and stale answers must be dropped.

use super::{app_with, monitor_of, press, product_of, summary};
use crate::domain::query::Fields as _;
use crate::domain::{BackendKind, CustomAttribute, MonitorState, Status};
use crate::engine::AuditEntry;
use crate::engine::ListEvent;
use crate::ui::app::{
    App, ConfirmFocus, FormMode, Loadable, MessageKind, Overlay, Pending, Screen, Subject,
};
use crate::ui::apply::apply;
use crate::ui::effect::Effect;
use crate::ui::msg::{BatchLine, Msg};
use crate::ui::update::update;
use crossterm::event::KeyCode;

fn error_text(app: &App) -> String {
    let msg = app.message().cloned().expect("a message");
    assert_eq!(msg.kind, MessageKind::Error, "{}", msg.text);
    msg.text
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// A monitors pane holding one pending TMSP request and one pending 1NCE request.
fn app_with_monitors(read_only: bool) -> App {
    let mut app = App::new(vec![], vec![], read_only);
    let tmsp = monitor_of(BackendKind::Tmsp, "req-1", None);
    let onence = monitor_of(BackendKind::OneNce, "req-2", None);
    update(&mut app, Msg::Monitors(Ok(vec![tmsp, onence])));
    let effects = press(&mut app, KeyCode::Char('m'));
    assert_eq!(effects, vec![Effect::LoadMonitors]);
    assert_eq!(app.screen, Screen::Monitors);
    app
}

#[test]
fn monitor_cancel_asks_with_cancel_focused_and_only_where_supported() {
    let mut app = app_with_monitors(false);
    // Newest first: the 1NCE request (stored last) is on top. 1NCE cannot cancel.
    assert_eq!(app.monitors.list[0].id, "1NCE-req-2");
    assert!(press(&mut app, KeyCode::Char('c')).is_empty());
    assert!(app.overlays.is_empty());
    assert!(error_text(&app).contains("1NCE cannot cancel"));

    press(&mut app, KeyCode::Char('j'));
    assert!(press(&mut app, KeyCode::Char('c')).is_empty());
    let Some(Overlay::Confirm { pending, focus }) = app.top_overlay() else {
        panic!("no confirmation: {:?}", app.overlays)
    };
    assert_eq!(*focus, ConfirmFocus::Cancel);
    assert!(
        matches!(pending, Pending::CancelMonitor { monitor_id, .. } if monitor_id == "TMSP-req-1")
    );
    assert!(
        press(&mut app, KeyCode::Enter).is_empty(),
        "Enter presses Cancel"
    );
    assert!(app.overlays.is_empty());

    press(&mut app, KeyCode::Char('c'));
    press(&mut app, KeyCode::Tab);
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![Effect::CancelMonitor {
            monitor_id: "TMSP-req-1".into()
        }]
    );
}

#[test]
fn monitor_cancel_is_refused_read_only_and_when_final() {
    let mut app = app_with_monitors(true);
    press(&mut app, KeyCode::Char('j'));
    assert!(press(&mut app, KeyCode::Char('c')).is_empty());
    assert!(app.overlays.is_empty());
    assert_eq!(error_text(&app), "read-only mode: monitor cancel refused");

    let mut app = app_with_monitors(false);
    let mut done = monitor_of(BackendKind::Tmsp, "req-1", None);
    done.state = MonitorState::Completed;
    update(&mut app, Msg::MonitorUpdate(done));
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('c'));
    assert!(app.overlays.is_empty());
    assert!(error_text(&app).contains("already Completed"));
}

#[test]
fn a_pending_status_change_is_highlighted_and_m_lands_on_it() {
    use crate::engine::ChangeOutcome;
    let mut app = app_with(2);
    update(
        &mut app,
        Msg::Monitors(Ok(vec![monitor_of(BackendKind::Tmsp, "old", None)])),
    );
    let id = app.rows[1].id();
    let monitor = monitor_of(BackendKind::Tmsp, "new", Some(&id));
    update(
        &mut app,
        Msg::StatusChanged {
            id: id.clone(),
            to: Status::Suspended,
            result: Ok(ChangeOutcome::Pending(monitor)),
        },
    );
    assert!(app.message().is_some_and(|m| m.text.contains("m shows it")));
    press(&mut app, KeyCode::Char('m'));
    assert_eq!(
        app.monitors.selected_monitor().map(|m| m.id.as_str()),
        Some("TMSP-new")
    );
    // Enter jumps to the product the request changes.
    let effects = press(&mut app, KeyCode::Enter);
    assert!(matches!(&effects[..], [Effect::LoadDetail { id: shown, .. }] if *shown == id));
    assert_eq!(app.screen, Screen::Products);
    // A lagging broadcast reloads from the store.
    assert_eq!(
        update(&mut app, Msg::MonitorsLagged),
        vec![Effect::LoadMonitors]
    );
}

/// A detail pane opened on the first row with `attrs` loaded.
fn detail_with_attrs(read_only: bool, attrs: &[(&str, &str)]) -> App {
    let rows = vec![summary(BackendKind::OneNce, "onence", 1, Status::Active)];
    let mut app = App::new(vec![], rows, read_only);
    let effects = press(&mut app, KeyCode::Enter);
    let Some(Effect::LoadDetail { generation, id }) = effects.first().cloned() else {
        panic!("{effects:?}")
    };
    let list = attrs
        .iter()
        .map(|(n, v)| CustomAttribute::new(n, v).expect("valid"))
        .collect();
    update(
        &mut app,
        Msg::Attrs {
            generation,
            id,
            result: Ok((list, None)),
        },
    );
    app
}

#[test]
fn attribute_answers_of_an_old_detail_are_dropped() {
    let mut app = detail_with_attrs(false, &[("site", "pier 4")]);
    let (generation, id) = {
        let d = app.detail.as_ref().expect("detail");
        (d.generation, d.id.clone())
    };
    update(
        &mut app,
        Msg::Attrs {
            generation: generation - 1,
            id,
            result: Ok((vec![], None)),
        },
    );
    let d = app.detail.as_ref().expect("detail");
    assert!(matches!(&d.attrs, Loadable::Ready(list) if list.len() == 1));
}

#[test]
fn adding_an_attribute_validates_in_the_form_then_goes_through_the_gate() {
    let mut app = detail_with_attrs(false, &[("site", "pier 4")]);
    let id = app.rows[0].id();
    press(&mut app, KeyCode::Char('a'));
    assert!(matches!(app.top_overlay(), Some(Overlay::AttrForm(f)) if f.mode == FormMode::Add));
    // An empty name is explained in the form, which stays open.
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    let Some(Overlay::AttrForm(form)) = app.top_overlay() else {
        panic!("form closed")
    };
    assert_eq!(form.error.as_deref(), Some("attribute name is empty"));
    // `q` and `?` are text here, not quit or help.
    type_text(&mut app, "site");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "q?");
    assert!(!app.quit);
    let effects = press(&mut app, KeyCode::Enter);
    assert!(
        effects.is_empty(),
        "an existing name is refused: {effects:?}"
    );
    let Some(Overlay::AttrForm(form)) = app.top_overlay() else {
        panic!("form closed")
    };
    assert!(
        form.error
            .as_deref()
            .is_some_and(|e| e.contains("already exists"))
    );
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "2");
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![Effect::SetAttr {
            id,
            name: "site2".into(),
            value: "q?".into()
        }]
    );
    assert!(app.overlays.is_empty());
}

#[test]
fn edit_rename_and_delete_act_on_the_selected_attribute() {
    let mut app = detail_with_attrs(false, &[("site", "pier 4"), ("owner", "noc")]);
    let id = app.rows[0].id();
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "w");
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![Effect::SetAttr {
            id: id.clone(),
            name: "owner".into(),
            value: "now".into()
        }]
    );
    press(&mut app, KeyCode::Char('R'));
    // The value cannot be focused while renaming.
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "2");
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![Effect::RenameAttr {
            id: id.clone(),
            old: "owner".into(),
            new: "owner2".into()
        }]
    );
    press(&mut app, KeyCode::Char('d'));
    assert!(matches!(
        app.top_overlay(),
        Some(Overlay::Confirm { focus: ConfirmFocus::Cancel, pending: Pending::DeleteAttr { name, .. } }) if name == "owner"
    ));
    assert!(
        press(&mut app, KeyCode::Enter).is_empty(),
        "Cancel by default"
    );
    press(&mut app, KeyCode::Char('d'));
    press(&mut app, KeyCode::Tab);
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![Effect::DeleteAttr {
            id,
            name: "owner".into()
        }]
    );
}

#[test]
fn attribute_changes_are_refused_read_only_and_store_refusals_are_shown() {
    let mut app = detail_with_attrs(true, &[("site", "pier 4")]);
    for key in ['a', 'e', 'R', 'd'] {
        app.messages.dismiss();
        assert!(press(&mut app, KeyCode::Char(key)).is_empty());
        assert!(app.overlays.is_empty(), "{key}");
        assert!(error_text(&app).starts_with("read-only mode"), "{key}");
    }
    let id = app.rows[0].id();
    let generation = app.detail.as_ref().map(|d| d.generation).unwrap_or(0);
    let effects = update(
        &mut app,
        Msg::AttrChanged {
            id: id.clone(),
            what: "set of site".into(),
            result: Err("attribute value is 2000 characters long; at most 1024 are allowed".into()),
        },
    );
    assert!(error_text(&app).contains("at most 1024"));
    assert_eq!(effects, vec![Effect::LoadAttrs { generation, id }]);
}

#[test]
fn batch_marks_menu_and_confirmation() {
    let mut app = app_with(4);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(app.marks.len(), 2);
    assert_eq!(app.selected, 2, "Space moves down");
    press(&mut app, KeyCode::Char('S'));
    let Some(Overlay::StatusMenu {
        subject: Subject::Batch { ids },
        targets,
        ..
    }) = app.top_overlay()
    else {
        panic!("no batch menu: {:?}", app.overlays)
    };
    let ids = ids.clone();
    assert_eq!(ids.len(), 2);
    assert_eq!(targets, &vec![Status::Suspended]);
    press(&mut app, KeyCode::Enter);
    assert!(matches!(
        app.top_overlay(),
        Some(Overlay::Confirm {
            focus: ConfirmFocus::Cancel,
            ..
        })
    ));
    assert!(
        press(&mut app, KeyCode::Enter).is_empty(),
        "Cancel by default"
    );
    press(&mut app, KeyCode::Char('S'));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Tab);
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![Effect::BatchStatus {
            ids: ids.clone(),
            to: Status::Suspended
        }]
    );

    // The gate's refusal (across accounts) is shown as it is; the marks stay.
    let refusal = "a batch must stay within one backend account; these ids span several backends (1NCE, TMSP)";
    update(
        &mut app,
        Msg::BatchDone {
            to: Status::Suspended,
            result: Err(refusal.into()),
            cost: Default::default(),
        },
    );
    assert!(error_text(&app).contains(refusal));
    assert_eq!(app.marks.len(), 2);

    let lines = vec![
        BatchLine {
            id: ids[0].clone(),
            from: Some(Status::Active),
            result: Ok(None),
        },
        BatchLine {
            id: ids[1].clone(),
            from: Some(Status::Active),
            result: Err("onence answered HTTP 500".into()),
        },
    ];
    let effects = update(
        &mut app,
        Msg::BatchDone {
            to: Status::Suspended,
            result: Ok(lines),
            cost: Default::default(),
        },
    );
    assert_eq!(effects, vec![Effect::RefreshRow { id: ids[0].clone() }]);
    assert!(app.marks.is_empty());
    assert!(app.message().is_some_and(|m| {
        m.text
            .contains("1 changed (1 done, 0 accepted by monitors), 0 unchanged, 1 failed")
    }));
    assert!(
        matches!(app.top_overlay(), Some(Overlay::Report { lines, .. }) if lines.len() == 3 && lines[2].contains("retries"))
    );
    press(&mut app, KeyCode::Enter);
    assert!(app.overlays.is_empty());
}

#[test]
fn batch_is_refused_read_only_and_without_marks() {
    let mut app = App::new(
        vec![],
        vec![summary(BackendKind::OneNce, "o", 1, Status::Active)],
        true,
    );
    press(&mut app, KeyCode::Char(' '));
    assert!(press(&mut app, KeyCode::Char('S')).is_empty());
    assert_eq!(
        error_text(&app),
        "read-only mode: batch status change refused"
    );
    let mut app = app_with(2);
    press(&mut app, KeyCode::Char('S'));
    assert!(app.overlays.is_empty());
    // Marks on two accounts: refused with the accounts named, before any target is offered.
    let rows = vec![
        summary(BackendKind::OneNce, "onence-a", 1, Status::Active),
        summary(BackendKind::OneNce, "onence-b", 2, Status::Active),
    ];
    let mut app = App::new(vec![], rows, false);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Char(' '));
    assert!(press(&mut app, KeyCode::Char('S')).is_empty());
    assert!(app.overlays.is_empty());
    let text = error_text(&app);
    assert!(
        text.contains("one backend account") && text.contains("onence-a, onence-b"),
        "{text}"
    );
}

#[test]
fn a_completed_listing_updates_the_cache_and_drops_vanished_rows() {
    // Three cached rows; the listing returns only the second.
    let mut app = app_with(3);
    let kept = app.rows[1].summary();
    press(&mut app, KeyCode::Char('r'));
    let generation = app.list_generation;
    let page = ListEvent::Page {
        backend: "onence".into(),
        items: vec![kept.clone()],
        total: None,
    };
    let effects = update(
        &mut app,
        Msg::List {
            generation,
            event: page,
        },
    );
    assert_eq!(
        effects,
        vec![Effect::CachePage {
            backend: "onence".into(),
            generation,
            rows: vec![kept.clone()]
        }]
    );
    let done = ListEvent::Done {
        backend: "onence".into(),
        result: Ok(()),
    };
    let effects = update(
        &mut app,
        Msg::List {
            generation,
            event: done,
        },
    );
    assert_eq!(
        effects,
        vec![Effect::CacheCommit {
            backend: "onence".into(),
            generation
        }]
    );
    assert_eq!(app.rows.len(), 1);
    assert_eq!(app.backends[0].loaded, 1);
    assert_eq!(app.selected_row().map(|r| r.id()), Some(kept.id.clone()));

    // A cache read later never overrides a row the listing confirmed.
    let mut stale = kept.clone();
    stale.status.status = Status::Suspended;
    update(&mut app, Msg::Cached(Ok(vec![stale])));
    assert!(app.rows[0].confirmed);
    assert_eq!(app.rows[0].status(), Status::Active);
}

#[test]
fn a_failed_listing_keeps_the_cached_rows() {
    let mut app = app_with(3);
    press(&mut app, KeyCode::Char('r'));
    let generation = app.list_generation;
    let done = ListEvent::Done {
        backend: "onence".into(),
        result: Err(crate::engine::BackendError::InvalidInput("down".into())),
    };
    assert!(
        update(
            &mut app,
            Msg::List {
                generation,
                event: done
            }
        )
        .is_empty()
    );
    assert_eq!(app.rows.len(), 3);
}

#[test]
fn audit_view_shows_the_newest_first_and_drops_stale_answers() {
    let mut app = app_with(1);
    let effects = press(&mut app, KeyCode::Char('A'));
    let [Effect::LoadAudit { generation }] = effects[..] else {
        panic!("{effects:?}")
    };
    let entry = |action: &str| AuditEntry {
        time: "2026-11-29T10:00:00Z".parse().expect("time"),
        operator: "noc".into(),
        ssh_client: None,
        action: action.into(),
        product_ids: vec![],
        before: None,
        after: None,
        result: "ok".into(),
    };
    update(
        &mut app,
        Msg::Audit {
            generation: generation - 1,
            result: Ok(vec![entry("stale")]),
        },
    );
    assert_eq!(app.audit.entries, Loadable::Loading);
    update(
        &mut app,
        Msg::Audit {
            generation,
            result: Ok(vec![entry("first"), entry("second")]),
        },
    );
    let Loadable::Ready(entries) = &app.audit.entries else {
        panic!()
    };
    assert_eq!(entries[0].action, "second");
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(app.audit.offset, 1);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Products);
}

#[test]
fn help_scrolls_within_its_length() {
    let mut app = app_with(1);
    press(&mut app, KeyCode::Char('?'));
    // It opens on the keys of what has focus: the list, right after the global chords.
    let list = crate::ui::panes::help::section_start(crate::ui::keymap::Context::List);
    assert!(list > 0);
    assert_eq!(app.top_overlay(), Some(&Overlay::Help { scroll: list }));
    press(&mut app, KeyCode::Char('g'));
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(app.top_overlay(), Some(&Overlay::Help { scroll: 1 }));
    press(&mut app, KeyCode::Char('G'));
    let last = crate::ui::panes::help::line_count() - 1;
    assert_eq!(app.top_overlay(), Some(&Overlay::Help { scroll: last }));
    press(&mut app, KeyCode::PageUp);
    assert_eq!(
        app.top_overlay(),
        Some(&Overlay::Help { scroll: last - 10 })
    );
    press(&mut app, KeyCode::Esc);
    assert!(app.overlays.is_empty());
}

#[test]
fn the_tick_sets_the_clock_and_redraws_only_the_monitors_pane() {
    let mut app = app_with(1);
    app.dirty = false;
    let now = "2026-11-29T10:00:42Z".parse().expect("time");
    update(&mut app, Msg::Tick(now));
    assert_eq!(app.now, Some(now));
    assert!(!app.dirty);
    apply(&mut app, crate::ui::action::Action::Monitors);
    app.dirty = false;
    update(&mut app, Msg::Tick(now));
    assert!(app.dirty);
    let _ = product_of;
}

#[test]
fn a_filter_naming_an_unlisted_sim_asks_the_backends_and_opens_what_they_find() {
    let mut app = app_with(3);
    let wanted = summary(BackendKind::OneNce, "onence", 42, Status::Suspended);
    let iccid = wanted.iccid.clone().expect("an ICCID");
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, &iccid);
    let effects = press(&mut app, KeyCode::Enter);
    let Some(Effect::Find { id }) = effects.first() else {
        panic!("no lookup: {effects:?}")
    };
    assert_eq!(id.as_str(), iccid);
    let id = id.clone();
    let effects = update(
        &mut app,
        Msg::Found {
            id: id.clone(),
            result: Ok(vec![wanted.clone()]),
        },
    );
    assert!(matches!(effects.as_slice(), [Effect::LoadDetail { id, .. }] if *id == wanted.id));
    assert_eq!(app.visible.len(), 1, "the found row passes the filter");
    assert_eq!(app.detail.as_ref().map(|d| &d.id), Some(&wanted.id));

    // Found nowhere: said so; a word that matches nothing is only a filter.
    update(
        &mut app,
        Msg::Found {
            id,
            result: Ok(vec![]),
        },
    );
    assert!(error_text(&app).contains("not found on any backend"));
    let mut app = app_with(3);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "terminated");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
}

#[test]
fn the_attribute_form_says_when_it_saves_on_a_cmo_tenant() {
    let mut app = detail_with_attrs(false, &[("site", "pier 4")]);
    app.detail.as_mut().unwrap().attrs_stored_on = Some("tenant-eos".into());
    press(&mut app, KeyCode::Char('a'));
    let Some(Overlay::AttrForm(form)) = app.top_overlay() else {
        panic!("no form: {:?}", app.overlays)
    };
    assert_eq!(form.stored_on.as_deref(), Some("tenant-eos"));
}

#[test]
fn characteristics_are_typed_confirmed_on_cancel_first_and_refused_where_the_matrix_says_no() {
    // 1NCE: ✖ — said at once, nothing opens.
    let mut app = app_with(1);
    press(&mut app, KeyCode::Enter);
    assert!(press(&mut app, KeyCode::Char('c')).is_empty());
    assert!(app.overlays.is_empty());
    assert!(error_text(&app).contains("update_characteristics is not supported by 1NCE"));

    // TMSP: form, validation, confirmation starting on Cancel, then the gate's effect.
    let tmsp = summary(BackendKind::Tmsp, "tmsp", 1, Status::Active);
    let mut app = App::new(vec![], vec![tmsp.clone()], false);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('c'));
    assert!(
        matches!(app.top_overlay(), Some(Overlay::AttrForm(f)) if f.mode == FormMode::Characteristic)
    );
    press(&mut app, KeyCode::Enter);
    let Some(Overlay::AttrForm(form)) = app.top_overlay() else {
        panic!("the form stays open on an empty name")
    };
    assert!(
        form.error
            .as_deref()
            .unwrap_or_default()
            .contains("needs a name")
    );
    type_text(&mut app, "simProfile");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "M2M Industrial");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(matches!(
        app.top_overlay(),
        Some(Overlay::Confirm {
            pending: Pending::Characteristic { .. },
            focus: ConfirmFocus::Cancel
        })
    ));
    press(&mut app, KeyCode::Tab);
    let effects = press(&mut app, KeyCode::Enter);
    let [Effect::UpdateCharacteristics { id, changes }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(id, &tmsp.id);
    assert_eq!(changes[0].name, "simProfile");
    assert_eq!(changes[0].value, "M2M Industrial");

    // The answer: said, and the product re-read.
    let effects = update(
        &mut app,
        Msg::CharacteristicsUpdated {
            id: tmsp.id.clone(),
            result: Ok(Some("TMSP-REQ1".into())),
        },
    );
    assert!(matches!(effects.as_slice(), [Effect::LoadDetail { .. }]));
    let msg = app.message().cloned().unwrap();
    assert!(msg.text.contains("monitor TMSP-REQ1"), "{}", msg.text);
}
