//! Unit tests of the pure core: `apply`, `update` and the keymap, without a terminal or engine.

use super::action::{Action, FilterEdit};
use super::app::{App, ConfirmFocus, Loadable, MessageKind, Overlay, Pending, Subject};
use super::apply::apply;
use super::effect::Effect;
use super::keymap::{self, handle_key};
use super::msg::Msg;
use super::update::update;
use crate::domain::{
    BackendKind, ConnectivityType, Monitor, MonitorState, NativeStatus, Product, ProductId,
    ProductSummary, RelatedParty, Status,
};
use crate::engine::ListEvent;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub(super) fn summary(
    kind: BackendKind,
    account: &str,
    i: usize,
    status: Status,
) -> ProductSummary {
    let satellite = matches!(kind, BackendKind::Intelsat | BackendKind::Galaxy1);
    let business = if satellite {
        format!("{}", 27_000 + i)
    } else {
        format!("8988228066{i:09}")
    };
    ProductSummary {
        id: ProductId::new(kind, business.clone()),
        related_party: RelatedParty {
            id: "ACC".into(),
            name: account.into(),
        },
        connectivity: if satellite {
            ConnectivityType::Satellite
        } else {
            ConnectivityType::Cellular
        },
        status: NativeStatus::new(status, status.as_str()),
        iccid: (!satellite).then(|| business.clone()),
        imsi: (!satellite).then(|| format!("90140510{i:07}")),
        msisdn: (!satellite).then(|| format!("88228{i:08}")),
        serial: satellite.then(|| business.clone()),
        terminal_name: satellite.then(|| format!("Vessel {i}")),
        latitude: None,
        longitude: None,
        attrs: Vec::new(),
    }
}

pub(super) fn app_with(n: usize) -> App {
    let rows = (0..n)
        .map(|i| summary(BackendKind::OneNce, "onence", i, Status::Active))
        .collect();
    let mut app = App::new(vec![("onence".into(), "1NCE".into())], rows, false);
    apply(
        &mut app,
        Action::Resize {
            width: 120,
            height: 16,
        },
    ); // 10 rows a page
    app
}

pub(super) fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    let action = handle_key(app, KeyEvent::new(code, KeyModifiers::NONE));
    action.map(|a| apply(app, a)).unwrap_or_default()
}

#[test]
fn navigation_stays_in_bounds() {
    let mut app = app_with(25);
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(app.selected, 0);
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(app.selected, 1);
    press(&mut app, KeyCode::PageDown);
    assert_eq!((app.selected, app.offset), (11, 2));
    press(&mut app, KeyCode::Char('G'));
    assert_eq!((app.selected, app.offset), (24, 15));
    press(&mut app, KeyCode::Down);
    assert_eq!(app.selected, 24);
    press(&mut app, KeyCode::PageUp);
    assert_eq!(app.selected, 14);
    press(&mut app, KeyCode::Char('g'));
    assert_eq!((app.selected, app.offset), (0, 0));

    let mut empty = app_with(0);
    press(&mut empty, KeyCode::Char('G'));
    press(&mut empty, KeyCode::Down);
    assert_eq!((empty.selected, empty.offset), (0, 0));
    assert!(press(&mut empty, KeyCode::Enter).is_empty());
}

#[test]
fn enter_opens_detail_and_a_stale_answer_is_dropped() {
    let mut app = app_with(5);
    let effects = press(&mut app, KeyCode::Enter);
    let Some(Effect::LoadDetail {
        generation: first,
        id: first_id,
    }) = effects.first().cloned()
    else {
        panic!("expected LoadDetail, got {effects:?}");
    };
    // The user goes back and opens another product before the first answer arrives.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('j'));
    let effects = press(&mut app, KeyCode::Enter);
    let Some(Effect::LoadDetail {
        generation: second,
        id: second_id,
    }) = effects.first().cloned()
    else {
        panic!("expected LoadDetail");
    };
    assert_ne!(first, second);
    assert_ne!(first_id, second_id);
    let stale = product_of(&app, &first_id);
    update(
        &mut app,
        Msg::Product {
            generation: first,
            id: first_id,
            result: Ok(Box::new(stale)),
        },
    );
    assert_eq!(
        app.detail.as_ref().map(|d| &d.product),
        Some(&Loadable::Loading)
    );
    let fresh = product_of(&app, &second_id);
    update(
        &mut app,
        Msg::Product {
            generation: second,
            id: second_id.clone(),
            result: Ok(Box::new(fresh)),
        },
    );
    match &app.detail.as_ref().map(|d| &d.product) {
        Some(Loadable::Ready(p)) => assert_eq!(p.summary.id, second_id),
        other => panic!("detail not loaded: {other:?}"),
    }
}

/// Opening a product reads its bundle once: the usage it carries is shown without a second
/// request; only a bundle without usage asks for it.
#[test]
fn the_usage_of_the_bundle_is_used_and_asked_for_only_when_missing() {
    let mut app = app_with(2);
    let effects = press(&mut app, KeyCode::Enter);
    let [Effect::LoadDetail { generation, id }] = effects.as_slice() else {
        panic!("one read of the bundle: {effects:?}");
    };
    let (generation, id) = (*generation, id.clone());
    let mut with_usage = product_of(&app, &id);
    with_usage.usage = Some(crate::domain::Usage::default());
    let effects = update(
        &mut app,
        Msg::Product {
            generation,
            id: id.clone(),
            result: Ok(Box::new(with_usage)),
        },
    );
    assert!(effects.is_empty(), "no second read: {effects:?}");
    assert!(matches!(
        app.detail.as_ref().map(|d| &d.usage),
        Some(Loadable::Ready(_))
    ));

    press(&mut app, KeyCode::Esc);
    let effects = press(&mut app, KeyCode::Enter);
    let [Effect::LoadDetail { generation, id }] = effects.as_slice() else {
        panic!("one read of the bundle: {effects:?}");
    };
    let (generation, id) = (*generation, id.clone());
    let without = product_of(&app, &id);
    let effects = update(
        &mut app,
        Msg::Product {
            generation,
            id: id.clone(),
            result: Ok(Box::new(without)),
        },
    );
    assert!(
        matches!(effects.as_slice(), [Effect::LoadUsage { id: asked, .. }] if *asked == id),
        "{effects:?}"
    );
}

pub(super) fn monitor_of(kind: BackendKind, native: &str, product: Option<&ProductId>) -> Monitor {
    Monitor {
        id: Monitor::make_id(kind, native),
        kind,
        backend: kind.as_str().to_lowercase(),
        product_id: product.cloned(),
        request: "status ACTIVE → SUSPENDED".into(),
        state: MonitorState::InProgress,
        status_code: None,
        detail: None,
        created: "2026-11-29T10:00:00Z".into(),
        updated: None,
    }
}

pub(super) fn product_of(app: &App, id: &ProductId) -> Product {
    Product {
        summary: app.row(id).map(|r| r.summary()).expect("row"),
        product_offering: None,
        start_date: None,
        characteristics: vec![],
        sim_card: None,
        data_connectivity: None,
        terminal: None,
        usage: None,
        custom: vec![],
    }
}

#[test]
fn pages_of_an_old_listing_are_dropped_and_new_ones_confirm_rows() {
    let mut app = app_with(3);
    assert!(
        app.rows.iter().all(|r| !r.confirmed),
        "cached rows start unconfirmed"
    );
    let effects = press(&mut app, KeyCode::Char('r'));
    assert_eq!(
        effects,
        vec![Effect::LoadProducts {
            generation: app.list_generation
        }]
    );
    let old = app.list_generation - 1;
    let page = |generation| Msg::List {
        generation,
        event: ListEvent::Page {
            backend: "onence".into(),
            items: vec![summary(BackendKind::OneNce, "onence", 7, Status::Suspended)],
            total: None,
        },
    };
    update(&mut app, page(old));
    assert_eq!(app.rows.len(), 3);
    let current = app.list_generation;
    update(&mut app, page(current));
    assert_eq!(app.rows.len(), 4);
    assert!(app.rows[3].confirmed);
    assert_eq!(app.backends[0].loaded, 4);
}

#[test]
fn status_menu_offers_only_allowed_targets() {
    // 1NCE allows ACTIVE ↔ SUSPENDED only.
    let mut app = app_with(1);
    press(&mut app, KeyCode::Char('s'));
    match app.top_overlay() {
        Some(Overlay::StatusMenu {
            targets, subject, ..
        }) => {
            assert!(matches!(
                subject,
                Subject::One {
                    from: Status::Active,
                    ..
                }
            ));
            assert_eq!(
                targets,
                &crate::domain::capabilities::sim_targets(BackendKind::OneNce, Status::Active)
            );
            assert_eq!(targets, &vec![Status::Suspended]);
        }
        other => panic!("no status menu: {other:?}"),
    }
    // TMSP offers more from ACTIVE; satellite products use the terminal table.
    let tmsp = summary(BackendKind::Tmsp, "tmsp", 1, Status::Active);
    // Rows sort by account: "tmsp" before "vsat", so the TMSP row is selected first.
    let sat = summary(BackendKind::Intelsat, "vsat", 1, Status::Suspended);
    let mut app = App::new(vec![], vec![tmsp, sat], false);
    press(&mut app, KeyCode::Char('s'));
    let Some(Overlay::StatusMenu { targets, .. }) = app.top_overlay() else {
        panic!()
    };
    assert_eq!(
        targets,
        &vec![Status::Suspended, Status::Blocked, Status::Terminated]
    );
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('s'));
    let Some(Overlay::StatusMenu { targets, .. }) = app.top_overlay() else {
        panic!()
    };
    assert_eq!(targets, &vec![Status::Active]);
}

#[test]
fn a_status_with_no_allowed_target_opens_no_menu() {
    let blocked = summary(BackendKind::OneNce, "onence", 1, Status::Blocked);
    let mut app = App::new(vec![], vec![blocked], false);
    press(&mut app, KeyCode::Char('s'));
    assert!(app.overlays.is_empty());
    assert!(
        app.message()
            .is_some_and(|m| m.text.contains("no status change from BLOCKED"))
    );
    // Where the support matrix says ✖, that is the reason given (GALAXY1, TURKCELL).
    for (kind, words) in [
        (
            BackendKind::Galaxy1,
            "change_terminal_status is not supported by GALAXY1",
        ),
        (
            BackendKind::Turkcell,
            "change_sim_status is not supported by TURKCELL",
        ),
    ] {
        let row = summary(kind, "x", 1, Status::Active);
        let mut app = App::new(vec![], vec![row], false);
        press(&mut app, KeyCode::Char('s'));
        assert!(app.overlays.is_empty());
        let text = app.message().map(|m| m.text.clone()).unwrap_or_default();
        assert!(text.contains(words), "{text}");
    }
}

#[test]
fn confirmation_defaults_to_cancel() {
    let mut app = app_with(1);
    press(&mut app, KeyCode::Char('s'));
    press(&mut app, KeyCode::Enter);
    let Some(Overlay::Confirm {
        focus,
        pending: Pending::Status { to, .. },
    }) = app.top_overlay()
    else {
        panic!("no dialog")
    };
    assert_eq!((*focus, *to), (ConfirmFocus::Cancel, Status::Suspended));
    // Enter right away presses Cancel: nothing is sent.
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(app.overlays.is_empty());

    press(&mut app, KeyCode::Char('s'));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Tab);
    let effects = press(&mut app, KeyCode::Enter);
    let id = app.rows[0].id();
    let from = app.rows[0].summary().status.status;
    assert_eq!(
        effects,
        vec![Effect::ChangeStatus {
            id,
            to: Status::Suspended,
            // The status shown goes with the change: the engine reads nothing first.
            seen: Some(crate::engine::Seen {
                status: from,
                connectivity: app.rows[0].summary().connectivity,
                account: Some(app.rows[0].summary().related_party.name),
            }),
        }]
    );
}

#[test]
fn esc_closes_overlays_before_anything_else_and_q_quits_only_from_the_list() {
    let mut app = app_with(3);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('?'));
    press(&mut app, KeyCode::Esc);
    assert!(app.overlays.is_empty() && app.detail.is_some());
    press(&mut app, KeyCode::Char('q'));
    assert!(
        app.detail.is_none() && !app.quit,
        "q in the detail goes back"
    );
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
}

#[test]
fn read_only_refuses_status_changes() {
    let rows = vec![summary(BackendKind::OneNce, "onence", 1, Status::Active)];
    let mut app = App::new(vec![], rows, true);
    assert!(press(&mut app, KeyCode::Char('s')).is_empty());
    assert!(app.overlays.is_empty());
    let msg = app.message().cloned().expect("a message");
    assert_eq!(msg.kind, MessageKind::Error);
    assert!(msg.text.contains("read-only"), "{}", msg.text);
}

#[test]
fn filter_narrows_on_each_field_and_esc_clears_it() {
    let mut rows: Vec<_> = (0..20)
        .map(|i| summary(BackendKind::OneNce, "onence", i, Status::Active))
        .collect();
    rows.push(summary(BackendKind::Tmsp, "tmsp-eu", 99, Status::Suspended));
    let mut app = App::new(vec![], rows, false);
    let type_filter = |app: &mut App, text: &str| {
        press(app, KeyCode::Char('/'));
        for c in text.chars() {
            press(app, KeyCode::Char(c));
        }
        press(app, KeyCode::Enter);
        let n = app.visible.len();
        press(app, KeyCode::Esc);
        n
    };
    assert_eq!(type_filter(&mut app, "suspended"), 1, "status");
    assert_eq!(type_filter(&mut app, "TMSP-EU"), 1, "account, any case");
    assert_eq!(
        type_filter(&mut app, "tmsp-898822806600000009"),
        1,
        "product id"
    );
    assert_eq!(type_filter(&mut app, "901405100000013"), 1, "IMSI");
    assert_eq!(type_filter(&mut app, "8822800000019"), 1, "MSISDN");
    assert_eq!(
        type_filter(&mut app, "898822806600000001"),
        10,
        "ICCID prefix"
    );
    assert_eq!(type_filter(&mut app, "nothing"), 0);
    assert_eq!(app.visible.len(), 21, "Esc cleared the filter");

    // Typing narrows live, Backspace widens, and q is text while typing.
    press(&mut app, KeyCode::Char('/'));
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.quit);
    assert_eq!(app.filter.input.value(), "q");
    press(&mut app, KeyCode::Backspace);
    assert_eq!(app.visible.len(), 21);
    assert_eq!(
        handle_key(
            &app,
            KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL)
        ),
        Some(Action::FilterEdit(FilterEdit::DeletePrevWord))
    );
}

#[test]
fn status_change_results_and_monitors_reach_the_status_line() {
    use crate::engine::ChangeOutcome;
    let mut app = app_with(1);
    let id = app.rows[0].id();
    let monitor = monitor_of(BackendKind::Tmsp, "req-1", Some(&id));
    let effects = update(
        &mut app,
        Msg::StatusChanged {
            id: id.clone(),
            to: Status::Suspended,
            result: Ok(ChangeOutcome::Pending(monitor.clone())),
        },
    );
    // The poller watches it now; the console only keeps and marks it.
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(app.monitors.pending(), 1);
    assert_eq!(app.monitors.highlight.as_deref(), Some("TMSP-req-1"));
    let done = Monitor {
        state: MonitorState::Completed,
        ..monitor
    };
    let effects = update(&mut app, Msg::MonitorUpdate(done));
    assert_eq!(effects, vec![Effect::RefreshRow { id: id.clone() }]);
    assert_eq!(app.monitors.pending(), 0);
    assert!(app.message().is_some_and(|m| m.text.contains("Completed")));

    update(
        &mut app,
        Msg::StatusChanged {
            id,
            to: Status::Suspended,
            result: Err("onence answered HTTP 500: \u{1b}[31mboom\nline2".into()),
        },
    );
    let msg = app.message().cloned().expect("error shown");
    assert!(
        !msg.text.contains('\u{1b}') && !msg.text.contains('\n'),
        "{}",
        msg.text
    );
}

#[test]
fn a_done_change_shows_in_the_row_at_once_and_the_re_read_follows() {
    use crate::domain::query::Fields as _;
    use crate::engine::ChangeOutcome;
    let mut app = app_with(2);
    let id = app.rows[1].id();
    assert_eq!(app.row(&id).expect("row").status(), Status::Active);
    let effects = update(
        &mut app,
        Msg::StatusChanged {
            id: id.clone(),
            to: Status::Suspended,
            result: Ok(ChangeOutcome::Done { status: None }),
        },
    );
    let row = app.row(&id).expect("row");
    assert_eq!(
        row.status(),
        Status::Suspended,
        "the list agrees with the message"
    );
    assert_eq!(
        app.row(&app.rows[0].id()).expect("other").status(),
        Status::Active
    );
    assert!(
        effects.contains(&Effect::RefreshRow { id: id.clone() }),
        "{effects:?}"
    );
    app.set_query(crate::domain::query::Query::parse("status:suspended").expect("query"));
    assert_eq!(app.visible.len(), 1, "the filter sees the new status too");
}

#[test]
fn keybindings_doc_matches_keymap() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/keybindings.md");
    let generated = keymap::keybindings_markdown();
    if std::env::var_os("UPDATE_KEYBINDINGS").is_some() {
        std::fs::write(&path, &generated).expect("write docs/keybindings.md");
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/keybindings.md is out of date: run `UPDATE_KEYBINDINGS=1 cargo test --lib ui::tests::keybindings`"
    );
}

#[test]
fn every_keymap_context_has_a_way_out() {
    for ctx in keymap::Context::ALL {
        if ctx == keymap::Context::Global {
            continue;
        }
        let exits = keymap::bindings(ctx).any(|b| {
            matches!(
                b.action,
                Action::Back | Action::Quit | Action::CancelFilter | Action::CancelCommand
            )
        });
        assert!(exits, "{ctx:?} has no Esc/quit binding");
    }
}

mod detail_loading;
mod flows;
mod glyphs;
mod messages;
mod quit;
mod view;

#[test]
fn a_long_detail_scrolls_by_half_pages_within_its_length_and_keeps_it_on_reload() {
    let mut app = app_with(1); // 10 rows a page: half a page is 5 lines
    press(&mut app, KeyCode::Enter);
    let (generation, id) = {
        let d = app.detail.as_ref().expect("detail open");
        (d.generation, d.id.clone())
    };
    let mut product = product_of(&app, &id);
    product.characteristics = (0..12)
        .map(|i| crate::domain::Characteristic::new(format!("extra{i}"), "x"))
        .collect();
    update(
        &mut app,
        Msg::Product {
            generation,
            id: id.clone(),
            result: Ok(Box::new(product)),
        },
    );
    let scroll = |app: &App| app.detail.as_ref().map(|d| d.scroll);
    press(&mut app, KeyCode::PageDown);
    assert_eq!(scroll(&app), Some(5));
    for _ in 0..10 {
        press(&mut app, KeyCode::PageDown);
    }
    // 5 product lines + 12 characteristics, a blank, the usage heading and its one line.
    assert_eq!(scroll(&app), Some(19), "stops at the last line");
    press(&mut app, KeyCode::PageUp);
    assert_eq!(scroll(&app), Some(14));
    press(&mut app, KeyCode::Char('r'));
    assert_eq!(scroll(&app), Some(14), "a reload keeps the place");
    press(&mut app, KeyCode::Char('g'));
    assert_eq!(scroll(&app), Some(0));
    // Another product starts at its top.
    press(&mut app, KeyCode::PageDown);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Enter);
    assert_eq!(scroll(&app), Some(0));
}

#[test]
fn opening_a_product_fills_its_row_with_what_the_listing_lacked() {
    // Control Center lists ICCID and status only; the detail read knows IMSI and MSISDN.
    let mut listed = summary(BackendKind::Jasper, "jasper", 1, Status::Active);
    listed.imsi = None;
    listed.msisdn = None;
    let mut app = App::new(vec![], vec![listed.clone()], false);
    press(&mut app, KeyCode::Enter);
    let generation = app.detail.as_ref().unwrap().generation;
    let mut product = product_of(&app, &listed.id);
    product.summary.imsi = Some("424024974265793".into());
    product.summary.msisdn = Some("971504138253".into());
    product.summary.status = crate::domain::NativeStatus::new(Status::Suspended, "DEACTIVATED");
    product.summary.iccid = None; // what the detail leaves out keeps the listed value
    update(
        &mut app,
        Msg::Product {
            generation,
            id: listed.id.clone(),
            result: Ok(Box::new(product)),
        },
    );
    let row = &app.row(&listed.id).unwrap().summary();
    assert_eq!(row.imsi.as_deref(), Some("424024974265793"));
    assert_eq!(row.msisdn.as_deref(), Some("971504138253"));
    assert_eq!(row.status.status, Status::Suspended);
    assert_eq!(row.iccid, listed.iccid);
    // The next listing (ICCIDs only again) keeps them; its status wins.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('r'));
    let generation = app.list_generation;
    let event = crate::engine::ListEvent::Page {
        backend: "jasper".into(),
        items: vec![listed.clone()],
        total: None,
    };
    update(&mut app, Msg::List { generation, event });
    let row = &app.row(&listed.id).unwrap().summary();
    assert_eq!(row.imsi.as_deref(), Some("424024974265793"));
    assert_eq!(row.status.status, Status::Active);
}
