//! Truth to the wire, at the binary's edge: `--json` problem objects carry a real `type` and
//! `title` (argument errors included), and a read-only refusal is exit 3 (not allowed).

use serde_json::Value;
use std::process::{Command, Output, Stdio};

fn run(home: &tempfile::TempDir, args: &[&str]) -> Output {
    let p = |s: &str| home.path().join(s);
    Command::new(env!("CARGO_BIN_EXE_cmo"))
        .args(args)
        .arg("--data-dir")
        .arg(p("data"))
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", p("config"))
        .env("XDG_DATA_HOME", p("share"))
        .env("XDG_STATE_HOME", p("state"))
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("cmo runs")
}

fn problem(o: &Output) -> Value {
    serde_json::from_slice(&o.stderr).unwrap_or_else(|e| {
        panic!(
            "stderr is not one JSON problem ({e}): {}",
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn assert_real_problem(p: &Value, kind: &str, status: u64) {
    assert_eq!(p["@type"], "problem", "{p}");
    assert_eq!(p["type"], kind, "{p}");
    assert_eq!(p["status"], status, "{p}");
    let title = p["title"].as_str().unwrap_or_default();
    assert!(!title.is_empty() && title != "Error", "a real title: {p}");
    assert!(!p["detail"].as_str().unwrap_or_default().is_empty(), "{p}");
}

#[test]
fn an_argument_error_with_json_is_a_problem_object() {
    let home = tempfile::tempdir().expect("tempdir");
    for args in [
        &["--json", "products", "list", "--no-such-flag"][..],
        &["products", "--format", "json", "frobnicate"][..],
    ] {
        let out = run(&home, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let p = problem(&out);
        assert_real_problem(&p, "Bad Request", 400);
        assert!(
            !p["detail"]
                .as_str()
                .unwrap_or_default()
                .starts_with("error:"),
            "{p}"
        );
    }
    // Without --json clap's own text stays.
    let out = run(&home, &["products", "list", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--no-such-flag"));
}

#[test]
fn a_read_only_refusal_is_exit_3_not_allowed() {
    let home = tempfile::tempdir().expect("tempdir");
    let demo = ["--demo", "--demo-size", "6", "--demo-seed", "3"];
    let mut list = demo.to_vec();
    list.extend(["products", "list", "--backend", "1NCE", "--json"]);
    let out = run(&home, &list);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("listing JSON");
    let id = v["entities"][0]["id"].as_str().expect("an id").to_string();

    let mut set = demo.to_vec();
    set.extend([
        "--read-only",
        "--json",
        "status",
        "set",
        &id,
        "SUSPENDED",
        "--yes",
    ]);
    let out = run(&home, &set);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p = problem(&out);
    assert_real_problem(&p, "Forbidden", 403);
    assert!(
        p["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("read-only"),
        "{p}"
    );
}

#[test]
fn a_full_page_keeps_the_total_the_backend_reported() {
    let home = tempfile::tempdir().expect("tempdir");
    let demo = ["--demo", "--demo-size", "7", "--demo-seed", "5"];
    let json = |extra: &[&str]| -> Value {
        let mut args = demo.to_vec();
        args.extend_from_slice(extra);
        let out = run(&home, &args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON")
    };
    for backend in ["1NCE", "TMSP", "STC"] {
        let all = json(&["products", "list", "--backend", backend, "--all", "--json"]);
        let n = all["entities"].as_array().expect("entities").len();
        assert!(n > 2, "{backend} has more than a page of 2");
        for page in ["1", "2"] {
            let doc = json(&[
                "products",
                "list",
                "--backend",
                backend,
                "--page",
                page,
                "--page-size",
                "2",
                "--json",
            ]);
            assert_eq!(
                doc["entities"].as_array().map(Vec::len),
                Some(2),
                "{backend}"
            );
            assert_eq!(
                doc["statistics"]["totalCount"], n,
                "{backend} page {page}: {doc}"
            );
        }
    }
}

#[test]
fn config_init_writes_the_starter_to_the_default_path_once() {
    let home = tempfile::tempdir().expect("tempdir");
    let path = home.path().join("config/cmo/config.toml");
    let out = run(&home, &["config", "init"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(&path).expect("written to the XDG config path");
    assert_eq!(written, include_str!("../config.example.toml"));
    let out = run(&home, &["config", "init"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    let out = run(&home, &["config", "init", "--force"]);
    assert_eq!(out.status.code(), Some(0));
    // `cmo info` reports the same path as the config it reads.
    let out = run(&home, &["info", "--json"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains(path.to_str().expect("utf-8")));
}

#[test]
fn usage_text_uses_the_consoles_units_and_json_keeps_exact_numbers() {
    let home = tempfile::tempdir().expect("tempdir");
    let demo = ["--demo", "--demo-size", "4", "--demo-seed", "9"];
    let go = |extra: &[&str]| -> Output {
        let mut args = demo.to_vec();
        args.extend_from_slice(extra);
        run(&home, &args)
    };
    let out = go(&["products", "list", "--backend", "1NCE", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("listing JSON");
    let id = v["entities"][0]["id"].as_str().expect("an id").to_string();
    let text = go(&["usage", "get", &id]);
    assert_eq!(
        text.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&text.stderr)
    );
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    let json = go(&["usage", "get", &id, "--json"]);
    let json = String::from_utf8_lossy(&json.stdout).into_owned();
    // Every data amount in the text has two decimals in B/KB/MB/GB, the largest unit >= 1.
    let amounts: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("DATA"))
        .flat_map(|l| l.split("  ").map(str::trim).filter(|c| c.ends_with('B')))
        .collect();
    assert!(!amounts.is_empty(), "a data bucket: {text}");
    for a in amounts {
        let (n, unit) = a.split_once(' ').expect("amount and unit");
        assert!(["B", "KB", "MB", "GB"].contains(&unit), "{a}");
        let value: f64 = n.parse().expect("a number");
        assert!(
            unit == "B" || value >= 1.0,
            "{a} is not in the largest fitting unit"
        );
        assert!(
            unit == "B" || n.split_once('.').is_some_and(|(_, d)| d.len() == 2),
            "{a}"
        );
        assert!(
            unit == "GB" || value < 1000.0,
            "{a} is not in the largest fitting unit"
        );
    }
    assert!(
        json.contains("\"valueName\""),
        "JSON keeps the exact amounts: {json}"
    );
}

#[test]
fn every_date_in_a_products_json_is_rfc3339_utc() {
    let home = tempfile::tempdir().expect("tempdir");
    let demo = ["--demo", "--demo-size", "3", "--demo-seed", "4"];
    let go = |extra: &[&str]| -> Value {
        let mut args = demo.to_vec();
        args.extend_from_slice(extra);
        let out = run(&home, &args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON")
    };
    // 1NCE writes `2018-03-09T07:59:09.000+0000`; every platform is checked the same way.
    let listed = go(&["products", "list", "--all", "--json"]);
    let mut kinds = std::collections::BTreeSet::new();
    let mut dates = 0;
    for e in listed["entities"].as_array().expect("entities") {
        let id = e["id"].as_str().expect("id");
        let kind = id.split('-').next().expect("kind").to_string();
        if !kinds.insert(kind) {
            continue;
        }
        let doc = go(&["products", "get", id, "--json"]).to_string();
        // Every date-time in the document ends in Z (seconds, maybe a fraction).
        let bytes = doc.as_bytes();
        for (i, _) in doc.match_indices('T') {
            let before = &doc[i.saturating_sub(10)..i];
            let is_date = before.len() == 10
                && before.bytes().enumerate().all(|(j, b)| {
                    if j == 4 || j == 7 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                });
            if !is_date {
                continue;
            }
            dates += 1;
            let end = doc[i..].find('"').map(|n| i + n).expect("closing quote");
            assert_eq!(bytes[end - 1], b'Z', "{id}: {}", &doc[i - 10..end]);
        }
    }
    assert!(kinds.len() >= 10, "{kinds:?}");
    assert!(dates > 0, "dates were checked");
}
