//! Tests of the query grammar (one per rule of `docs/query.md`), the sort order, and seeded
//! property tests (no extra dependency: `rand` with fixed seeds).

use super::*;
use crate::domain::{
    BackendKind, ConnectivityType, CustomAttribute, NativeStatus, ProductId, ProductSummary,
    RelatedParty, Status,
};
use rand::rngs::StdRng;
use rand::seq::{IndexedMutRandom, IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use std::cmp::Ordering;

fn cell(
    kind: BackendKind,
    iccid: &str,
    account: &str,
    status: Status,
    native: &str,
) -> ProductSummary {
    ProductSummary {
        id: ProductId::new(kind, iccid),
        related_party: RelatedParty {
            id: "ACC".into(),
            name: account.into(),
        },
        connectivity: ConnectivityType::Cellular,
        status: NativeStatus::new(status, native),
        iccid: Some(iccid.into()),
        imsi: Some(format!("26201{}", &iccid[iccid.len() - 10..])),
        msisdn: Some(format!("4917{}", &iccid[iccid.len() - 8..])),
        serial: None,
        terminal_name: None,
        latitude: None,
        longitude: None,
        attrs: Vec::new(),
    }
}

fn sat(
    kind: BackendKind,
    serial: &str,
    name: &str,
    account: &str,
    status: Status,
) -> ProductSummary {
    ProductSummary {
        id: ProductId::new(kind, serial),
        related_party: RelatedParty {
            id: "ACC".into(),
            name: account.into(),
        },
        connectivity: ConnectivityType::Satellite,
        status: NativeStatus::new(status, "In Service"),
        iccid: None,
        imsi: None,
        msisdn: None,
        serial: Some(serial.into()),
        terminal_name: Some(name.into()),
        latitude: None,
        longitude: None,
        attrs: Vec::new(),
    }
}

fn with_attr(mut s: ProductSummary, name: &str, value: &str) -> ProductSummary {
    s.attrs.push(CustomAttribute {
        name: name.into(),
        value: value.into(),
    });
    s
}

/// A small fleet covering every field.
fn fleet() -> Vec<ProductSummary> {
    vec![
        /* 0 */
        cell(
            BackendKind::Tmsp,
            "8949020000157526886",
            "tmsp-demo",
            Status::Active,
            "ACTIVATED",
        ),
        /* 1 */
        with_attr(
            cell(
                BackendKind::Stc,
                "8996605000000000017",
                "stc-prod",
                Status::Suspended,
                "Blocked by operator",
            ),
            "ticket",
            "INC-1234",
        ),
        /* 2 */
        cell(
            BackendKind::Stc,
            "8949000000000000029",
            "stc-demo",
            Status::Blocked,
            "Blocked",
        ),
        /* 3 */
        with_attr(
            sat(
                BackendKind::Intelsat,
                "SN-27597",
                "Ship 12",
                "intelsat-fleet",
                Status::Active,
            ),
            "note",
            "call back",
        ),
        /* 4 */
        sat(
            BackendKind::Galaxy1,
            "G1-0042",
            "Tug Ärger",
            "galaxy-demo",
            Status::Suspended,
        ),
        /* 5 */
        cell(
            BackendKind::OneNce,
            "8988228066612345678",
            "onence-a",
            Status::PendingActive,
            "Pending",
        ),
    ]
}

/// Indices of the fleet rows the query matches.
fn hits(q: &str) -> Vec<usize> {
    let q = Query::parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    fleet()
        .iter()
        .enumerate()
        .filter(|(_, s)| q.matches(*s))
        .map(|(i, _)| i)
        .collect()
}

fn err(q: &str) -> QueryError {
    match Query::parse(q) {
        Ok(_) => panic!("`{q}` parsed"),
        Err(e) => e,
    }
}

#[test]
fn bit_positions_follow_the_all_arrays() {
    for (i, s) in Status::ALL.into_iter().enumerate() {
        assert_eq!(s as usize, i);
    }
    for (i, k) in BackendKind::ALL.into_iter().enumerate() {
        assert_eq!(k as usize, i);
    }
}

#[test]
fn empty_query_matches_everything() {
    assert!(Query::default().is_empty());
    assert_eq!(Query::default().text(), "");
    let q = Query::parse("   ").unwrap();
    assert!(q.is_empty());
    assert_eq!(q.text(), "   ");
    assert_eq!(hits(""), vec![0, 1, 2, 3, 4, 5]);
    assert_eq!(
        Query::parse("status:ACTIVE 89").unwrap().text(),
        "status:ACTIVE 89"
    );
}

#[test]
fn bare_words_search_every_field_case_insensitively() {
    assert_eq!(hits("tmsp"), vec![0], "kind");
    assert_eq!(hits("tmsp-8949"), vec![0], "KIND-prefix id rule");
    assert_eq!(hits("TMSP-89490"), vec![0]);
    assert_eq!(
        hits("tmsp-8996"),
        Vec::<usize>::new(),
        "rule needs the kind"
    );
    assert_eq!(hits("stc-8949"), vec![2]);
    assert_eq!(hits("8949"), vec![0, 2], "iccid");
    assert_eq!(hits("26201"), vec![0, 1, 2, 5], "imsi");
    assert_eq!(hits("4917"), vec![0, 1, 2, 5], "msisdn");
    assert_eq!(hits("sn-275"), vec![3], "serial");
    assert_eq!(hits("ship"), vec![3], "terminal name");
    assert_eq!(hits("ärger"), vec![4], "non-ASCII value");
    assert_eq!(hits("ÄRGER"), vec![4], "non-ASCII needle");
    assert_eq!(hits("demo"), vec![0, 2, 4], "account");
    assert_eq!(hits("suspended"), vec![1, 4], "status name");
    assert_eq!(hits("pending_active"), vec![5]);
    assert_eq!(hits("operator"), vec![1], "native status");
    assert_eq!(hits("inc-12"), vec![1], "attribute value");
    assert_eq!(
        hits("ticket"),
        Vec::<usize>::new(),
        "attribute names are not searched"
    );
    assert_eq!(hits("89 active demo"), vec![0], "terms are ANDed");
}

#[test]
fn status_terms_are_exact_with_comma_lists() {
    assert_eq!(hits("status:SUSPENDED"), vec![1, 4]);
    assert_eq!(hits("status:suspended,blocked"), vec![1, 2, 4]);
    assert_eq!(hits("status:pending-active"), vec![5]);
    assert_eq!(
        hits("status:ACTIVE"),
        vec![0, 3],
        "exact: not PENDING_ACTIVE"
    );
    let e = err("status:SUSPEND");
    assert_eq!(e.term, "status:SUSPEND");
    assert!(
        e.reason.contains("`SUSPEND`") && e.reason.contains("PENDING_TERMINATE"),
        "{e}"
    );
    assert_eq!(err("x status:ACTIVE,").term, "status:ACTIVE,");
}

#[test]
fn native_is_a_whole_value_glob() {
    assert_eq!(hits("native:blocked*"), vec![1, 2]);
    assert_eq!(hits("native:Blocked"), vec![2]);
    assert_eq!(hits("native:?ending"), vec![5]);
    assert_eq!(hits("native:\"in service\""), vec![3, 4]);
}

#[test]
fn backend_and_kind_take_comma_lists() {
    assert_eq!(hits("backend:STC"), vec![1, 2]);
    assert_eq!(hits("kind:stc,1nce"), vec![1, 2, 5]);
    assert_eq!(hits("backend:viasat"), vec![4]);
    let e = err("backend:ACME");
    assert_eq!(e.term, "backend:ACME");
    assert!(
        e.reason.contains("GALAXY1") && e.reason.contains("`ACME`"),
        "{e}"
    );
}

#[test]
fn account_is_a_glob_with_comma_lists() {
    assert_eq!(hits("account:tmsp-demo"), vec![0]);
    assert_eq!(hits("account:TMSP-DEMO"), vec![0]);
    assert_eq!(hits("account:tmsp"), Vec::<usize>::new(), "whole value");
    assert_eq!(hits("account:*-demo"), vec![0, 2, 4]);
    assert_eq!(hits("account:stc-prod,onence-*"), vec![1, 5]);
    assert_eq!(hits("account:~demo$"), vec![0, 2, 4]);
}

#[test]
fn identifier_fields_are_prefixes_or_globs() {
    assert_eq!(hits("iccid:8949"), vec![0, 2]);
    assert_eq!(
        hits("iccid:949"),
        Vec::<usize>::new(),
        "prefix, not substring"
    );
    assert_eq!(hits("iccid:*886"), vec![0], "glob");
    assert_eq!(hits("imsi:262010000"), vec![1, 2]);
    assert_eq!(hits("msisdn:4917?7526886"), vec![0]);
    assert_eq!(hits("serial:sn-"), vec![3]);
    assert_eq!(hits("name:\"Ship 12\""), vec![3]);
    assert_eq!(hits("name:tug"), vec![4]);
    assert_eq!(hits("id:TMSP-8949"), vec![0]);
    assert_eq!(hits("id:stc"), vec![1, 2]);
    assert_eq!(hits("id:8949"), Vec::<usize>::new(), "on the full id");
    assert_eq!(hits("id:*-G1-*"), vec![4]);
    assert_eq!(hits("id:~^intelsat-sn"), vec![3]);
}

#[test]
fn type_selects_cellular_or_satellite() {
    assert_eq!(hits("type:satellite"), vec![3, 4]);
    assert_eq!(hits("type:SAT"), vec![3, 4]);
    assert_eq!(hits("type:cell"), vec![0, 1, 2, 5]);
    assert_eq!(hits("type:cellular"), vec![0, 1, 2, 5]);
    assert!(err("type:boat").reason.contains("SATELLITE"));
}

#[test]
fn attributes_by_name_and_value() {
    assert_eq!(hits("attr:ticket"), vec![1]);
    assert_eq!(hits("attr:TICKET"), vec![1]);
    assert_eq!(hits("attr:ticket=INC-1234"), vec![1]);
    assert_eq!(hits("attr:ticket=inc*"), vec![1]);
    assert_eq!(hits("attr:ticket=INC"), Vec::<usize>::new(), "whole value");
    assert_eq!(hits("attr:note=\"call back\""), vec![3]);
    assert_eq!(
        hits("attr:note=INC*"),
        Vec::<usize>::new(),
        "name and value on one attribute"
    );
    assert_eq!(hits(r"attr:ticket=~^INC-\d+$"), vec![1]);
    assert_eq!(hits("!attr:ticket"), vec![0, 2, 3, 4, 5]);
    assert_eq!(err("attr:=x").term, "attr:=x");
    assert_eq!(err("attr:ticket=").term, "attr:ticket=");
}

#[test]
fn negation_with_bang_or_dash() {
    assert_eq!(hits("!status:ACTIVE"), vec![1, 2, 4, 5]);
    assert_eq!(hits("-stc"), vec![0, 3, 4, 5]);
    assert_eq!(hits("!!stc"), hits("stc"), "negations toggle");
    assert_eq!(hits("-status:ACTIVE -backend:stc"), vec![4, 5]);
    assert_eq!(hits("!\"blocked by\""), vec![0, 2, 3, 4, 5]);
    assert_eq!(hits("\"-stc\""), Vec::<usize>::new(), "quoted: literal");
    for lone in ["!", "-", "!-", "a !"] {
        let e = err(lone);
        assert!(e.reason.contains("negates nothing"), "{lone}: {e}");
    }
    assert_eq!(err("status:ACTIVE -").term, "-");
}

#[test]
fn regexes_bare_and_per_field() {
    assert_eq!(hits("~^tmsp-89"), vec![0], "full id");
    assert_eq!(hits("~demo$"), vec![0, 2, 4]);
    assert_eq!(hits("~^SUSP"), vec![1, 4], "status names, case-insensitive");
    assert_eq!(hits("status:~^(active|blocked)$"), vec![0, 2, 3]);
    assert_eq!(hits("backend:~^(stc|1nce)$"), vec![1, 2, 5]);
    assert_eq!(hits("native:~operator"), vec![1]);
    assert_eq!(hits("iccid:~7$"), vec![1]);
    let e = err("~(abc");
    assert_eq!(e.term, "~(abc");
    assert!(
        e.reason.starts_with("bad regex:") && !e.reason.contains('\n'),
        "{e}"
    );
    let e = err("account:~[z-a]");
    assert_eq!(e.term, "account:~[z-a]");
    assert!(!e.reason.contains('\n'));
    let e = err("~a{1000}{1000}");
    assert!(e.reason.contains("size limit"), "{e}");
    assert_eq!(err("~").term, "~");
    assert_eq!(err("name:~").term, "name:~");
}

#[test]
fn quotes_keep_spaces_and_make_colons_literal() {
    assert_eq!(hits("\"blocked by\""), vec![1]);
    assert_eq!(hits("\"Ship 12\" type:sat"), vec![3]);
    let mut row = fleet().remove(0);
    row.terminal_name = Some("Gate \"B\" 10:30".into());
    let q = |t: &str| Query::parse(t).unwrap().matches(&row);
    assert!(q("\"10:30\""));
    assert!(q(r#""\"B\"""#));
    assert!(q(r#"name:"gate \"b\"""#));
    assert!(!q("\"10:31\""));
    let e = err("ok name:\"Ship 12");
    assert_eq!(e.term, "name:\"Ship 12");
    assert!(e.reason.contains("unterminated"));
    assert!(err("\"\"").reason.contains("empty quotes"));
}

#[test]
fn unknown_fields_and_empty_values_are_errors() {
    let e = err("status:ACTIVE foo:bar");
    assert_eq!(e.term, "foo:bar");
    assert!(
        e.reason.contains("`foo`") && e.reason.contains("iccid") && e.reason.contains("\"10:30\"")
    );
    assert_eq!(err("10:30").term, "10:30");
    let e = err("status:");
    assert_eq!(e.term, "status:");
    assert!(e.reason.contains("empty value"));
    assert_eq!(e.to_string(), format!("`status:`: {}", e.reason));
    assert_eq!(
        err("STATUS:nope").term,
        "STATUS:nope",
        "field names are case-insensitive"
    );
    assert_eq!(hits("Status:Active Backend:TMSP"), vec![0]);
}

#[test]
fn cheap_terms_run_first_with_identical_results() {
    let q = Query::parse("~demo 89 attr:ticket status:ACTIVE").unwrap();
    let costs: Vec<u8> = q.terms.iter().map(|t| t.cost()).collect();
    let mut sorted = costs.clone();
    sorted.sort();
    assert_eq!(costs, sorted);
}

#[test]
fn narrows_recognises_refinements() {
    let p = |s: &str| Query::parse(s).unwrap();
    assert!(p("89").narrows(&Query::default()));
    assert!(p("894").narrows(&p("89")));
    assert!(p("8949 status:ACTIVE").narrows(&p("89")));
    assert!(p("status:ACTIVE 89").narrows(&p("89 status:ACTIVE")));
    assert!(p("tmsp-894").narrows(&p("tmsp-89")));
    assert!(
        !p("tmsp-894").narrows(&p("sp-89")),
        "would lose the id rule"
    );
    assert!(p("tmsp-894").narrows(&p("894")));
    assert!(p("status:ACTIVE").narrows(&p("status:ACTIVE,BLOCKED")));
    assert!(!p("status:ACTIVE,BLOCKED").narrows(&p("status:ACTIVE")));
    assert!(p("!status:ACTIVE,BLOCKED").narrows(&p("!status:ACTIVE")));
    assert!(p("status:SUSPENDED").narrows(&p("!status:ACTIVE")));
    assert!(p("iccid:8949").narrows(&p("iccid:89")));
    assert!(!p("imsi:8949").narrows(&p("iccid:89")));
    assert!(p("-8949").narrows(&p("-89490")), "!A ⊆ !B when B ⊆ A");
    assert!(!p("89").narrows(&p("894")));
    assert!(!Query::default().narrows(&p("89")));
    assert!(p("~a.c x").narrows(&p("~a.c")));
}

// ---- sorting ----

#[test]
fn sort_columns_and_keys_parse() {
    let names: Vec<&str> = SortColumn::ALL.iter().map(|c| c.name()).collect();
    assert_eq!(
        names,
        ["id", "account", "status", "iccid", "imsi", "msisdn"]
    );
    for c in SortColumn::ALL {
        assert_eq!(SortColumn::parse(c.name()), Some(c));
        assert_eq!(SortColumn::parse(&c.name().to_uppercase()), Some(c));
    }
    assert_eq!(SortColumn::parse("serial"), Some(SortColumn::Business));
    assert_eq!(SortColumn::parse("Terminal"), Some(SortColumn::Reach));
    assert_eq!(SortColumn::parse("name"), Some(SortColumn::Reach));
    assert_eq!(SortColumn::parse("backend"), Some(SortColumn::Id));
    assert_eq!(SortColumn::parse("usage"), None);
    let k = |c, d| SortKey {
        column: c,
        descending: d,
    };
    assert_eq!(SortKey::parse("status"), Ok(k(SortColumn::Status, false)));
    assert_eq!(
        SortKey::parse("status desc"),
        Ok(k(SortColumn::Status, true))
    );
    assert_eq!(
        SortKey::parse("STATUS:DESC"),
        Ok(k(SortColumn::Status, true))
    );
    assert_eq!(SortKey::parse("id asc"), Ok(k(SortColumn::Id, false)));
    assert_eq!(SortKey::DEFAULT, k(SortColumn::Account, false));
    let e = SortKey::parse("colour").unwrap_err();
    assert_eq!(e.term, "colour");
    assert!(e.reason.contains("msisdn"));
    assert!(SortKey::parse("id sideways").is_err());
    assert!(SortKey::parse("id asc more").is_err());
    assert!(SortKey::parse("").is_err());
}

fn ids(rows: &[ProductSummary]) -> Vec<String> {
    rows.iter().map(|r| r.id.to_string()).collect()
}

#[test]
fn ids_sort_naturally() {
    let mut rows: Vec<ProductSummary> = ["SN-10", "SN-9", "SN-010", "sn-100", "SN-9a"]
        .into_iter()
        .map(|s| sat(BackendKind::Intelsat, s, "n", "acc", Status::Active))
        .collect();
    rows.push(cell(
        BackendKind::OneNce,
        "8988228066612345678",
        "acc",
        Status::Active,
        "x",
    ));
    let key = SortKey::parse("id").unwrap();
    rows.sort_by(|a, b| key.compare(a, b));
    assert_eq!(
        ids(&rows),
        [
            "1NCE-8988228066612345678",
            "INTELSAT-SN-9",
            "INTELSAT-SN-9a",
            "INTELSAT-SN-10",
            "INTELSAT-SN-010",
            "INTELSAT-sn-100"
        ]
    );
    assert_eq!(sort::natural("a2", "a10"), Ordering::Less);
    assert_eq!(
        sort::natural("A", "a"),
        Ordering::Less,
        "case only breaks ties"
    );
    assert_eq!(sort::natural("x", "x"), Ordering::Equal);
}

#[test]
fn default_sort_is_account_then_id_and_missing_values_go_last() {
    let mut rows = fleet();
    rows.sort_by(|a, b| SortKey::DEFAULT.compare(a, b));
    let accounts: Vec<&str> = rows.iter().map(|r| r.related_party.name.as_str()).collect();
    assert_eq!(
        accounts,
        [
            "galaxy-demo",
            "intelsat-fleet",
            "onence-a",
            "stc-demo",
            "stc-prod",
            "tmsp-demo"
        ]
    );
    let key = SortKey::parse("imsi").unwrap();
    rows.sort_by(|a, b| key.compare(a, b));
    assert!(rows[4].imsi.is_none() && rows[5].imsi.is_none());
    assert_eq!(rows[4].related_party.name, "galaxy-demo", "ties by account");
    let key = SortKey::parse("imsi desc").unwrap();
    rows.sort_by(|a, b| key.compare(a, b));
    assert!(rows[0].imsi.is_none() && rows[1].imsi.is_none());
    assert_eq!(
        rows[0].related_party.name, "galaxy-demo",
        "desc reverses only the column"
    );
    let key = SortKey::parse("status").unwrap();
    rows.sort_by(|a, b| key.compare(a, b));
    let st: Vec<&str> = rows.iter().map(|r| r.status.status.as_str()).collect();
    assert_eq!(
        st,
        [
            "ACTIVE",
            "ACTIVE",
            "BLOCKED",
            "PENDING_ACTIVE",
            "SUSPENDED",
            "SUSPENDED"
        ]
    );
    let key = SortKey::parse("msisdn").unwrap();
    rows.sort_by(|a, b| key.compare(a, b));
    assert_eq!(
        rows[4].terminal_name.as_deref(),
        Some("Ship 12"),
        "terminal names after MSISDNs"
    );
}

// ---- property tests ----

fn random_rows(rng: &mut StdRng, n: usize) -> Vec<ProductSummary> {
    let accounts = [
        "tmsp-demo",
        "stc-prod",
        "Stc-Demo",
        "intelsat-fleet",
        "galaxy-Ärger",
    ];
    let natives = [
        "Activated",
        "Blocked by operator",
        "Pending",
        "deactivated",
        "Ünknown",
    ];
    (0..n)
        .map(|i| {
            let kind = *BackendKind::ALL.choose(rng).unwrap_or(&BackendKind::Cmo);
            let status = *Status::ALL.choose(rng).unwrap_or(&Status::Unknown);
            let account = accounts.choose(rng).unwrap_or(&"a");
            let mut row = if rng.random_bool(0.3) {
                let serial = format!("SN-{}{i}", rng.random_range(0..500));
                sat(kind, &serial, &format!("Ship {}", i % 40), account, status)
            } else {
                let prefix = ["8949", "8996", "8988"].choose(rng).unwrap_or(&"89");
                let iccid = format!("{prefix}{:09}{i:06}", rng.random_range(0..1_000_000_000u64));
                let mut r = cell(
                    kind,
                    &iccid,
                    account,
                    status,
                    natives.choose(rng).unwrap_or(&"x"),
                );
                if rng.random_bool(0.2) {
                    r.msisdn = None;
                }
                r
            };
            row.related_party.name = (*account).into();
            if rng.random_bool(0.2) {
                row = with_attr(row, "ticket", &format!("INC-{}", rng.random_range(0..3000)));
            }
            if rng.random_bool(0.1) {
                row = with_attr(row, "Note", "call back");
            }
            row
        })
        .collect()
}

const TERM_POOL: &[&str] = &[
    "89",
    "8949",
    "899",
    "tmsp-89",
    "stc",
    "demo",
    "active",
    "ship",
    "sn-1",
    "ärger",
    "inc-1",
    "status:ACTIVE",
    "status:SUSPENDED,BLOCKED",
    "backend:STC",
    "kind:tmsp,intelsat",
    "type:sat",
    "account:*demo",
    "account:~^stc",
    "iccid:8949",
    "imsi:262",
    "msisdn:49*",
    "serial:SN-1",
    "name:\"Ship 1\"",
    "native:Block*",
    "attr:ticket",
    "attr:ticket=INC-1*",
    "attr:note",
    r"~^inc-\d+$",
    "id:TMSP-89",
    "~demo$",
    "\"call back\"",
    "status:~pend",
    "id:*-SN-?",
];

fn random_term(rng: &mut StdRng) -> String {
    let t = TERM_POOL.choose(rng).unwrap_or(&"89");
    let mut t = (*t).to_string();
    // Extend bare words now and then, so narrowing sees `89` → `894`.
    if !t.contains([':', '~', '"']) && rng.random_bool(0.3) {
        t.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
    if rng.random_bool(0.25) {
        t.insert(0, '!');
    }
    t
}

#[test]
fn prop_parse_never_panics() {
    let mut rng = StdRng::seed_from_u64(0x5eed_0001);
    let alphabet: Vec<char> = "ab:~!-,=*?\"\\ \t()[]{}^$.+|0189éÄKİ\u{1}"
        .chars()
        .collect();
    let rows = random_rows(&mut rng, 50);
    for _ in 0..5000 {
        let len = rng.random_range(0..24);
        let text: String = (0..len)
            .map(|_| *alphabet.choose(&mut rng).unwrap_or(&'a'))
            .collect();
        if let Ok(q) = Query::parse(&text) {
            for r in &rows {
                q.matches(r);
            }
        }
        let _ = SortKey::parse(&text);
    }
    // Field-shaped inputs too, which reach deeper into the parser.
    for _ in 0..3000 {
        let field = [
            "status", "backend", "attr", "iccid", "id", "account", "type", "native",
        ]
        .choose(&mut rng)
        .unwrap_or(&"id");
        let len = rng.random_range(0..10);
        let value: String = (0..len)
            .map(|_| *alphabet.choose(&mut rng).unwrap_or(&'a'))
            .collect();
        if let Ok(q) = Query::parse(&format!("{field}:{value}")) {
            for r in &rows {
                q.matches(r);
            }
        }
    }
}

#[test]
fn prop_negation_is_the_complement() {
    let mut rng = StdRng::seed_from_u64(0x5eed_0002);
    let rows = random_rows(&mut rng, 400);
    for _ in 0..2000 {
        let t = random_term(&mut rng);
        let (q, nq) = (Query::parse(&t), Query::parse(&format!("!{t}")));
        let (Ok(q), Ok(nq)) = (q, nq) else {
            panic!("pool term failed: {t}");
        };
        for r in &rows {
            assert_ne!(q.matches(r), nq.matches(r), "{t} on {}", r.id);
        }
    }
}

#[test]
fn prop_and_is_the_intersection() {
    let mut rng = StdRng::seed_from_u64(0x5eed_0003);
    let rows = random_rows(&mut rng, 300);
    for _ in 0..1500 {
        let n = rng.random_range(1..5);
        let terms: Vec<String> = (0..n).map(|_| random_term(&mut rng)).collect();
        let Ok(all) = Query::parse(&terms.join(" ")) else {
            panic!("{terms:?}");
        };
        let singles: Vec<Query> = terms.iter().filter_map(|t| Query::parse(t).ok()).collect();
        assert_eq!(singles.len(), n);
        for r in &rows {
            assert_eq!(
                all.matches(r),
                singles.iter().all(|q| q.matches(r)),
                "{terms:?}"
            );
        }
    }
}

#[test]
fn prop_narrows_is_never_wrong() {
    let mut rng = StdRng::seed_from_u64(0x5eed_0004);
    let rows = random_rows(&mut rng, 300);
    let mut proven = 0;
    for _ in 0..3000 {
        let n = rng.random_range(0..3);
        let prev: Vec<String> = (0..n).map(|_| random_term(&mut rng)).collect();
        // The next query: the previous one, refined (a term extended or added) or not.
        let mut next = prev.clone();
        if let Some(t) = next.choose_mut(&mut rng)
            && !t.contains([':', '~', '"'])
            && rng.random_bool(0.5)
        {
            t.push(char::from(b'0' + rng.random_range(0..10u8)));
        }
        if rng.random_bool(0.6) {
            next.push(random_term(&mut rng));
        }
        next.shuffle(&mut rng);
        if rng.random_bool(0.2) {
            next = vec![random_term(&mut rng)];
        }
        let (Ok(p), Ok(q)) = (Query::parse(&prev.join(" ")), Query::parse(&next.join(" "))) else {
            panic!("{prev:?} / {next:?}");
        };
        if q.narrows(&p) {
            proven += 1;
            for r in &rows {
                assert!(
                    !q.matches(r) || p.matches(r),
                    "{next:?} narrows {prev:?}? {}",
                    r.id
                );
            }
        }
    }
    assert!(proven > 1000, "only {proven} refinements recognised");
}

#[test]
fn prop_sorting_is_independent_of_arrival_order() {
    let mut rng = StdRng::seed_from_u64(0x5eed_0005);
    let mut rows = random_rows(&mut rng, 500);
    // Same id in two accounts, and accounts differing only in case: still ordered.
    let twin = rows[0].clone();
    let mut other = twin.clone();
    other.related_party.name = twin.related_party.name.to_uppercase();
    rows.push(other);
    for column in SortColumn::ALL {
        for descending in [false, true] {
            let key = SortKey { column, descending };
            let mut reference = rows.clone();
            reference.sort_by(|a, b| key.compare(a, b));
            for w in reference.windows(2) {
                let o = key.compare(&w[0], &w[1]);
                assert_ne!(o, Ordering::Greater);
                if o == Ordering::Equal {
                    assert_eq!(
                        (&w[0].id, &w[0].related_party.name),
                        (&w[1].id, &w[1].related_party.name)
                    );
                }
            }
            for _ in 0..8 {
                let mut shuffled = rows.clone();
                shuffled.shuffle(&mut rng);
                // Unstable sort: only a total order makes the result unique.
                shuffled.sort_unstable_by(|a, b| key.compare(a, b));
                assert_eq!(shuffled, reference, "{key:?}");
            }
        }
    }
}

/// The class column's plan plus the remaining terms decide exactly what `matches` decides, for
/// enum terms alone, negated, combined with each other and with other terms.
#[test]
fn enum_plan_and_rest_agree_with_matches() {
    let rows = fleet();
    let queries = [
        "",
        "status:SUSPENDED",
        "!status:ACTIVE",
        "status:ACTIVE,SUSPENDED backend:TMSP",
        "backend:STC 8949",
        "-backend:TMSP type:satellite",
        "type:cellular !type:satellite status:~^(ACT|SUS)",
        "status:SUSPENDED status:ACTIVE",
        "active demo",
        "attr:ticket !status:TERMINATED",
        "-type:cellular -type:satellite",
    ];
    for text in queries {
        let q = Query::parse(text).unwrap();
        let plan = q.enum_plan();
        for (i, r) in rows.iter().enumerate() {
            let class = RowClass::new(r.status.status, r.id.kind, r.connectivity);
            let split = plan.accepts(class) && (!plan.rest || q.matches_rest(r));
            assert_eq!(split, q.matches(r), "{text:?} on row {i} ({})", r.id);
        }
        assert_eq!(
            plan.rest,
            text.split_whitespace().any(|t| {
                let t = t.trim_start_matches(['!', '-']);
                !(t.starts_with("status:") || t.starts_with("backend:") || t.starts_with("type:"))
            }),
            "{text:?}"
        );
    }
    // The class keeps the status slot the summary line counts by.
    for (slot, status) in Status::ALL.iter().enumerate() {
        let class = RowClass::new(*status, BackendKind::Galaxy1, ConnectivityType::Satellite);
        assert_eq!(class.status_slot(), slot);
    }
}
