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
