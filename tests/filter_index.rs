//! The console's filter decides terms once per distinct account, native status and row class
//! (`domain::query::SharedPlan`, `ui::shared_names`) and, on a narrowing keystroke, tests only
//! the terms the last query lacked. These seeded tests hold its result to a naive scan
//! (`Query::matches` on each row's `ProductSummary`) over random rows and many random queries:
//! bare words (digits, mixed case, Unicode), quotes, negation, fields, regexes, queries typed a
//! character at a time (narrowing, filter jobs taken over mid-way) and rows changing between.

use cmo::domain::query::Query;
use cmo::domain::{
    BackendKind, ConnectivityType, CustomAttribute, NativeStatus, ProductId, ProductSummary,
    RelatedParty, Status,
};
use cmo::ui::app::App;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

const ACCOUNTS: &[&str] = &[
    "tmsp-demo",
    "stc-prod",
    "Demo-Ärö",
    "acc-89",
    "ACTIVE-team",
    "1nce-prod",
    "İstanbul-ops",
];
const NATIVES: &[&str] = &[
    "Activated",
    "Blocked by operator",
    "Gesperrt ÄÖÜ",
    "suspended",
    "Test ready",
    "89-state",
    "DEACTIVATED",
    "In Service",
];
const NAMES: &[&str] = &[
    "Vessel 12",
    "Ship Ärö 7",
    "demo boat",
    "Gate \"B\"",
    "ΣΊΣΥΦΟΣ",
];

fn digits(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

fn random_row(rng: &mut StdRng, i: usize) -> ProductSummary {
    let kind = *BackendKind::ALL.choose(rng).unwrap_or(&BackendKind::Tmsp);
    let status = *Status::ALL.choose(rng).unwrap_or(&Status::Active);
    let satellite = rng.random_bool(0.3);
    let prefix = *["89", "8949", "8901", "1234"].choose(rng).unwrap_or(&"89");
    let account = ACCOUNTS.choose(rng).unwrap_or(&"x").to_string();
    let native = NATIVES.choose(rng).unwrap_or(&"x").to_string();
    let (business, iccid, serial, name) = if satellite {
        let serial = format!("SN-{}-{i}", digits(rng, 4));
        let name = rng
            .random_bool(0.7)
            .then(|| format!("{} {}", NAMES.choose(rng).unwrap_or(&"x"), i % 50));
        (serial.clone(), None, Some(serial), name)
    } else {
        let iccid = format!("{prefix}{}{i}", digits(rng, 8));
        (iccid.clone(), Some(iccid), None, None)
    };
    let mut attrs = Vec::new();
    if rng.random_bool(0.1) {
        attrs.push(CustomAttribute {
            name: "ticket".into(),
            value: format!("INC-{}", digits(rng, 3)),
        });
    }
    if rng.random_bool(0.05) {
        attrs.push(CustomAttribute {
            name: "note".into(),
            value: "call back Ärö".into(),
        });
    }
    ProductSummary {
        id: ProductId::new(kind, business),
        related_party: RelatedParty {
            id: "ACC-1".into(),
            name: account,
        },
        connectivity: if satellite {
            ConnectivityType::Satellite
        } else {
            ConnectivityType::Cellular
        },
        status: NativeStatus::new(status, native),
        iccid,
        imsi: (!satellite && rng.random_bool(0.8)).then(|| format!("26201{}", digits(rng, 10))),
        msisdn: (!satellite && rng.random_bool(0.5)).then(|| format!("4917{}", digits(rng, 8))),
        serial,
        terminal_name: name,
        latitude: None,
        longitude: None,
        attrs,
    }
}

/// A random piece of a row's text (so bare words often hit), in random case.
fn fragment(rng: &mut StdRng, rows: &[ProductSummary]) -> String {
    let Some(row) = rows.choose(rng) else {
        return "89".into();
    };
    let fields = [
        Some(row.id.business_id.as_str()),
        row.imsi.as_deref(),
        row.msisdn.as_deref(),
        row.terminal_name.as_deref(),
        Some(row.related_party.name.as_str()),
        Some(row.status.native.as_str()),
        Some(row.status.status.as_str()),
        Some(row.id.kind.as_str()),
    ];
    let text: Vec<char> = fields
        .choose(rng)
        .copied()
        .flatten()
        .unwrap_or("89")
        .chars()
        .collect();
    let start = rng.random_range(0..text.len().max(1));
    let len = rng.random_range(1..=4usize);
    let piece: String = text
        .iter()
        .skip(start)
        .take(len)
        .map(|c| {
            if rng.random_bool(0.5) {
                c.to_uppercase().next().unwrap_or(*c)
            } else {
                *c
            }
        })
        .collect();
    if piece.trim().is_empty() || piece.contains(['"', '\\']) {
        return "89".into();
    }
    if piece.contains([' ', ':', ',', '=', '~', '!', '-']) {
        format!("\"{piece}\"")
    } else {
        piece
    }
}

const FIXED_TERMS: &[&str] = &[
    "89",
    "894",
    "active",
    "ACTIVE",
    "demo",
    "Demo",
    "ärö",
    "ÄRÖ",
    "istanbul",
    "σίσυφος",
    "tmsp-89",
    "1nce-8949",
    "\"blocked by\"",
    "\"-8\"",
    "status:ACTIVE",
    "status:SUSPENDED,BLOCKED",
    "backend:stc,1nce",
    "type:sat",
    "account:*-demo",
    "account:~prod$",
    "native:Blocked*",
    "native:*activated",
    "attr:ticket=INC*",
    "attr:note",
    "iccid:8949",
    "id:TMSP-89",
    "name:vessel*",
    "~^tmsp-89",
    "~demo$",
    "usage>80%",
    "online:yes",
    "ready",
    "sn-1",
];

fn random_term(rng: &mut StdRng, rows: &[ProductSummary]) -> String {
    let body = if rng.random_bool(0.5) {
        fragment(rng, rows)
    } else {
        FIXED_TERMS.choose(rng).unwrap_or(&"89").to_string()
    };
    match rng.random_range(0..10) {
        0 => format!("!{body}"),
        1 => format!("-{body}"),
        _ => body,
    }
}

fn random_query(rng: &mut StdRng, rows: &[ProductSummary]) -> String {
    let n = rng.random_range(1..=4);
    (0..n)
        .map(|_| random_term(rng, rows))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every row in display order (the empty query's view).
fn display_order(app: &mut App) -> Vec<usize> {
    app.set_query(Query::default());
    app.visible.clone()
}

/// The naive scan: each row's summary against `Query::matches`, in display order.
fn naive(app: &App, order: &[usize], query: &Query) -> Vec<usize> {
    order
        .iter()
        .copied()
        .filter(|&i| query.matches(&app.rows[i].summary()))
        .collect()
}

fn app_with(rows: Vec<ProductSummary>) -> App {
    App::new(Vec::new(), rows, false)
}

#[test]
fn the_console_filter_equals_a_naive_scan_on_random_rows_and_queries() {
    let mut rng = StdRng::seed_from_u64(12);
    let rows: Vec<ProductSummary> = (0..3_000).map(|i| random_row(&mut rng, i)).collect();
    let mut app = app_with(rows.clone());
    let order = display_order(&mut app);
    let mut nonempty = 0;
    for _ in 0..300 {
        let text = random_query(&mut rng, &rows);
        let Ok(query) = Query::parse(&text) else {
            continue;
        };
        // From the empty query: the whole pass, no narrowing.
        app.set_query(Query::default());
        app.set_query(query.clone());
        let expected = naive(&app, &order, &query);
        assert_eq!(app.visible, expected, "query `{text}`");
        nonempty += usize::from(!expected.is_empty() && expected.len() < order.len());
    }
    assert!(
        nonempty > 50,
        "the queries must select something: {nonempty}"
    );
}

#[test]
fn typing_a_query_a_character_at_a_time_equals_a_naive_scan_at_each_step() {
    let mut rng = StdRng::seed_from_u64(1212);
    let rows: Vec<ProductSummary> = (0..3_000).map(|i| random_row(&mut rng, i)).collect();
    let mut app = app_with(rows.clone());
    let order = display_order(&mut app);
    for _ in 0..40 {
        let text = random_query(&mut rng, &rows);
        app.set_query(Query::default());
        let mut typed = String::new();
        for c in text.chars() {
            typed.push(c);
            let Ok(query) = Query::parse(&typed) else {
                continue;
            };
            app.set_query(query.clone());
            assert_eq!(app.visible, naive(&app, &order, &query), "typed `{typed}`");
        }
    }
}

/// Above one filter slice a query is a job run a slice at a time; keys arriving mid-way start
/// a new query that may take the job over (narrowing) or replace it.
#[test]
fn filter_jobs_interrupted_by_keystrokes_end_equal_to_a_naive_scan() {
    let mut rng = StdRng::seed_from_u64(4242);
    let rows: Vec<ProductSummary> = (0..60_000).map(|i| random_row(&mut rng, i)).collect();
    let mut app = app_with(rows.clone());
    let order = display_order(&mut app);
    for text in [
        "89 active demo",
        "8949 -stc \"blocked by\"",
        "status:ACTIVE 894",
        "!demo ÄRÖ 12",
        "account:*-demo 89 -status:ACTIVE",
    ] {
        app.set_query(Query::default());
        let mut typed = String::new();
        let mut last = None;
        for c in text.chars() {
            typed.push(c);
            let Ok(query) = Query::parse(&typed) else {
                continue;
            };
            app.start_query(query.clone());
            // Part of the job, then the next key.
            app.filter_step(rng.random_range(1_000..40_000));
            if !app.filter_pending() {
                assert_eq!(app.visible, naive(&app, &order, &query), "typed `{typed}`");
            }
            last = Some(query);
        }
        app.finish_filter();
        if let Some(query) = last {
            assert_eq!(app.visible, naive(&app, &order, &query), "query `{text}`");
        }
    }
}

/// Rows that arrive, change account or native status, or leave while a query is applied get
/// new shared-value ids; the filter over them still equals the naive scan.
#[test]
fn rows_changing_under_a_query_keep_the_filter_equal_to_a_naive_scan() {
    let mut rng = StdRng::seed_from_u64(77);
    let rows: Vec<ProductSummary> = (0..2_000).map(|i| random_row(&mut rng, i)).collect();
    let mut app = app_with(rows.clone());
    let queries = ["demo 89", "!active", "account:new-*", "fresh", "-89 ready"];
    for round in 0..6 {
        // Some rows move to a new account and native status, some new rows come in.
        let mut changed: Vec<ProductSummary> = rows
            .iter()
            .skip(round * 37)
            .step_by(11)
            .take(120)
            .cloned()
            .map(|mut s| {
                s.related_party.name = format!("new-{round}-demo");
                s.status.native = format!("Fresh {round}");
                s
            })
            .collect();
        changed.extend((0..50).map(|i| random_row(&mut rng, 10_000 + round * 100 + i)));
        let query = Query::parse(queries[round % queries.len()]).unwrap_or_default();
        app.set_query(query.clone());
        app.upsert(changed, true);
        if round % 2 == 1 {
            app.retain_rows(|r| !r.id().business_id.ends_with('7'));
        }
        let shown = app.visible.clone();
        let order = display_order(&mut app);
        assert_eq!(shown, naive(&app, &order, &query), "round {round}");
        for text in queries {
            let q = Query::parse(text).unwrap_or_default();
            app.set_query(q.clone());
            assert_eq!(
                app.visible,
                naive(&app, &order, &q),
                "round {round} `{text}`"
            );
        }
    }
}
