//! The real `cmo` binary on `--demo`: attribute search (`attrs find`), output formats
//! (`--format text|json|csv`), and `products list --where/--sort` across pages and backends.
//!
//! `--demo` simulators start fresh in every process (same seed, same inventory), but the local
//! store persists across processes in `--data-dir`: an attribute set by one process is found
//! by the next. Every process gets its own HOME/XDG dirs.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_cmo"))
            .args(args)
            .arg("--data-dir")
            .arg(self.path("data"))
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("share"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env("USER", "noc-tester")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// A `--demo` run on small inventories (20 products per platform).
    fn demo(&self, args: &[&str]) -> Output {
        let mut all = vec!["--demo", "--demo-size", "20", "--demo-seed", "5"];
        all.extend_from_slice(args);
        self.run(&all)
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_ok(o: &Output) -> Value {
    assert_eq!(code(o), 0, "stderr: {}", stderr(o));
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(o)))
}

fn entities(doc: &Value) -> Vec<Value> {
    doc["entities"].as_array().expect("entities").clone()
}

fn ids(doc: &Value) -> Vec<String> {
    entities(doc)
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

/// The first product of a backend kind in the demo inventory.
fn first_of(sb: &Sandbox, kind: &str) -> String {
    let doc = json_ok(&sb.demo(&[
        "products",
        "list",
        "--backend",
        kind,
        "--page-size",
        "1",
        "--json",
    ]));
    ids(&doc).remove(0)
}

#[test]
fn attrs_find_lists_local_products_carrying_an_attribute() {
    let sb = Sandbox::new();
    let a = first_of(&sb, "1NCE");
    let b = first_of(&sb, "STC");
    for (id, value) in [(&a, "INC-1234"), (&b, "inc-1234")] {
        let o = sb.demo(&["attrs", "set", id, "ticket", value]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    sb.demo(&["attrs", "set", &a, "site", "Kiel"]);

    // JSON: the list envelope of CMO-shaped summaries, each with its customProperty.
    let doc = json_ok(&sb.demo(&["attrs", "find", "TICKET=INC-1234", "--json"]));
    let mut found = ids(&doc);
    found.sort();
    let mut expected = vec![a.clone(), b.clone()];
    expected.sort();
    assert_eq!(found, expected);
    let row = entities(&doc)
        .into_iter()
        .find(|e| e["id"] == a.as_str())
        .unwrap();
    assert_eq!(row["@type"], "IoTConnection");
    let props = row["customProperty"].as_array().unwrap();
    assert!(props.contains(&serde_json::json!({"name": "ticket", "value": "INC-1234"})));
    assert!(props.contains(&serde_json::json!({"name": "site", "value": "Kiel"})));
    assert_eq!(doc["statistics"]["totalCount"], 2);

    // A glob, text output: id, account, status, the matching attribute.
    let o = sb.demo(&["attrs", "find", "ticket=*-12??"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("ID"), "{out}");
    assert!(
        out.contains("ACCOUNT") && out.contains("ATTRIBUTE"),
        "{out}"
    );
    let line = out.lines().find(|l| l.starts_with(&a)).expect("row of a");
    assert!(
        line.contains("1nce-demo") && line.ends_with("ticket=INC-1234"),
        "{line}"
    );
    assert_eq!(out.lines().count(), 3, "{out}");

    // CSV: a header with the attribute columns and one line per product.
    let o = sb.demo(&["attrs", "find", "site", "--format", "csv"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let mut lines = out.lines();
    assert!(
        lines.next().unwrap().ends_with(",attr:site,attr:ticket"),
        "{out}"
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with(&format!("{a},1nce-demo,1NCE,"))
    );
    assert!(lines.next().is_none());
}

#[test]
fn attrs_find_with_no_match_is_an_empty_list_and_a_note() {
    let sb = Sandbox::new();
    let o = sb.demo(&["attrs", "find", "ticket=INC-1234"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert_eq!(stderr(&o).trim(), "no product carries ticket=INC-1234");

    let doc = json_ok(&sb.demo(&["attrs", "find", "ticket=INC-1234", "--json"]));
    assert!(entities(&doc).is_empty());
    assert_eq!(stderr(&sb.demo(&["attrs", "find", "ticket", "--json"])), "");

    // A bad pattern is bad input, before any simulator starts.
    let o = sb.demo(&["attrs", "find", "=x"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("attribute name is empty"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn json_and_another_format_contradict() {
    let sb = Sandbox::new();
    let o = sb.demo(&["products", "list", "--json", "--format", "csv"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--format csv"), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    // `--format json` alone is `--json`: problems on stderr are JSON too.
    let o = sb.demo(&["products", "list", "--backend", "NOPE", "--format", "json"]);
    assert_eq!(code(&o), 2);
    let problem: Value = serde_json::from_str(stderr(&o).trim()).expect("a problem object");
    assert_eq!(problem["status"], 400);
}

fn statuses(doc: &Value) -> Vec<String> {
    entities(doc)
        .iter()
        .map(|e| e["status"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn where_all_csv_prints_exactly_the_matching_products() {
    let sb = Sandbox::new();
    let all = json_ok(&sb.demo(&["products", "list", "--all", "--json"]));
    let expected: Vec<String> = entities(&all)
        .iter()
        .filter(|e| e["status"] == "SUSPENDED")
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        !expected.is_empty(),
        "the demo inventory has suspended products"
    );
    assert!(expected.len() < entities(&all).len());

    let o = sb.demo(&[
        "products",
        "list",
        "--where",
        "status:SUSPENDED",
        "--all",
        "--format",
        "csv",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,account,backend,type,status,native_status,iccid,serial,imsi,msisdn,\
         terminal_name,latitude,longitude"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    // Same products, same (default) order: account, then id.
    let got: Vec<String> = rows.iter().map(|r| r[0].to_string()).collect();
    assert_eq!(got, expected);
    assert!(rows.iter().all(|r| r[4] == "SUSPENDED"));

    // `--status` is the same filter, and combines with `--where`.
    let by_status = json_ok(&sb.demo(&[
        "products",
        "list",
        "--status",
        "suspended",
        "--all",
        "--json",
    ]));
    assert_eq!(ids(&by_status), expected);
    let both = json_ok(&sb.demo(&[
        "products",
        "list",
        "--status",
        "suspended",
        "--where",
        "backend:1NCE",
        "--all",
        "--json",
    ]));
    let one_nce: Vec<String> = expected
        .iter()
        .filter(|id| id.starts_with("1NCE-"))
        .cloned()
        .collect();
    assert!(!one_nce.is_empty());
    assert_eq!(ids(&both), one_nce);
    assert_eq!(both["statistics"]["totalCount"], one_nce.len());
}

#[test]
fn a_bad_query_or_sort_exits_2_naming_the_term() {
    let sb = Sandbox::new();
    for (args, term) in [
        (vec!["--where", "status:SUSPENDED stauts:x"], "`stauts:x`"),
        (vec!["--where", "~(unclosed"], "`~(unclosed`"),
        (vec!["--where", "status:SLEEPING"], "`status:SLEEPING`"),
        (vec!["--sort", "colour"], "`colour`"),
        (vec!["--sort", "status", "sideways"], "sideways"),
    ] {
        let mut all = vec!["products", "list", "--all"];
        all.extend(args.iter());
        let o = sb.demo(&all);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(term), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), "", "{args:?}");
    }
}

#[test]
fn sort_status_desc_orders_the_whole_listing() {
    let sb = Sandbox::new();
    let doc = json_ok(&sb.demo(&[
        "products", "list", "--all", "--sort", "status", "desc", "--json",
    ]));
    let got = statuses(&doc);
    let mut sorted = got.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(got, sorted);
    assert!(got.first() != got.last(), "several statuses: {got:?}");
    // `status:desc` is the same key; a page of a sorted listing is a slice of it.
    let same = json_ok(&sb.demo(&[
        "products",
        "list",
        "--all",
        "--sort",
        "status:desc",
        "--json",
    ]));
    assert_eq!(ids(&same), ids(&doc));
    let page = json_ok(&sb.demo(&[
        "products",
        "list",
        "--sort",
        "status desc",
        "--page",
        "3",
        "--page-size",
        "7",
        "--json",
    ]));
    assert_eq!(ids(&page), ids(&doc)[14..21].to_vec());
    assert_eq!(page["statistics"]["totalCount"], ids(&doc).len());
}

#[test]
fn a_filtered_page_counts_matching_rows_across_carrier_pages() {
    let sb = Sandbox::new();
    // The walk order unfiltered, every row: the reference.
    let walk = json_ok(&sb.demo(&["products", "list", "--page-size", "10000", "--json"]));
    let active: Vec<String> = entities(&walk)
        .iter()
        .filter(|e| e["status"] == "ACTIVE")
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    // The precondition: the first carrier page of 5 has fewer than 5 ACTIVE rows.
    let first = json_ok(&sb.demo(&[
        "products",
        "list",
        "--page",
        "1",
        "--page-size",
        "5",
        "--json",
    ]));
    assert!(statuses(&first).iter().filter(|s| *s == "ACTIVE").count() < 5);

    for page in [1usize, 2, 3] {
        let p = page.to_string();
        let doc = json_ok(&sb.demo(&[
            "products",
            "list",
            "--page",
            &p,
            "--page-size",
            "5",
            "--where",
            "status:ACTIVE",
            "--json",
        ]));
        assert_eq!(statuses(&doc), vec!["ACTIVE"; 5], "page {page}");
        assert_eq!(
            ids(&doc),
            active[(page - 1) * 5..page * 5].to_vec(),
            "page {page}"
        );
        // Filtered: the total is not known without walking everything.
        assert!(doc["statistics"].get("totalCount").is_none());
    }
}

#[test]
fn local_attributes_are_filterable_and_exported() {
    let sb = Sandbox::new();
    let a = first_of(&sb, "JASPER");
    let o = sb.demo(&["attrs", "set", &a, "ticket", "=HYPERLINK(\"x\")"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc = json_ok(&sb.demo(&[
        "products",
        "list",
        "--all",
        "--where",
        "attr:ticket",
        "--json",
    ]));
    assert_eq!(ids(&doc), vec![a.clone()]);
    assert_eq!(
        entities(&doc)[0]["customProperty"],
        serde_json::json!([{"name": "ticket", "value": "=HYPERLINK(\"x\")"}])
    );
    let o = sb.demo(&[
        "products",
        "list",
        "--all",
        "--where",
        "attr:ticket=*hyper*",
        "--format",
        "csv",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.lines().next().unwrap().ends_with(",attr:ticket"),
        "{out}"
    );
    // The formula is neutralized for spreadsheets.
    assert!(out.contains(",\"'=HYPERLINK(\"\"x\"\")\"\n"), "{out}");
    assert_eq!(out.lines().count(), 2);
}

#[test]
fn an_unreadable_store_does_not_stop_a_listing() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.path("data")).unwrap();
    let db = sb.path("data/cmo.sqlite3");
    std::fs::write(&db, vec![0x5a; 4096]).unwrap();
    // Text without a filter does not read the store at all.
    let o = sb.demo(&["products", "list", "--backend", "1NCE"]);
    assert_eq!((code(&o), stderr(&o)), (0, String::new()));
    // JSON without a filter: every row, a warning naming the file.
    let o = sb.demo(&["products", "list", "--backend", "1NCE", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains(db.to_str().unwrap()), "{}", stderr(&o));
    assert_eq!(
        entities(&serde_json::from_slice(&o.stdout).unwrap()).len(),
        20
    );
    // With a filter the rows may be incomplete: printed, reported, exit 1.
    let o = sb.demo(&["products", "list", "--all", "--where", "status:ACTIVE"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stdout(&o).lines().count() > 1);
    assert!(
        stderr(&o).starts_with("cmo: reading local attributes failed:"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(&db).unwrap(), vec![0x5a; 4096]);
}
