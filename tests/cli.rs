//! The real `cmo` binary: exit codes, stdout/stderr discipline, `capabilities --json` against
//! the seed's matrix (written out here independently of `src/domain`), and the `--demo` engine
//! with the embedded simulators. Every run gets its own HOME/XDG dirs and `--data-dir`.

use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
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

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cmo"));
        cmd.args(args)
            .arg("--data-dir")
            .arg(self.path("data"))
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("share"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

fn stdout_json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const BACKENDS: [&str; 10] = [
    "TMSP", "TMUS", "INTELSAT", "IOTA", "JASPER", "AIRLINQ", "1NCE", "STC", "TURKCELL", "GALAXY1",
];

/// The seed's support matrix, copied from the seed text (columns in `BACKENDS` order).
const SEED_MATRIX: [(&str, &str); 17] = [
    ("list_products", "YYYYYYYYYY"),
    ("product_details", "YYYYYYYYYY"),
    ("products_by_business_id", "YYYYYYYYYY"),
    ("sim_card_details", "YYNYYYYYYY"),
    ("terminal_details", "NNYNNNNNNY"),
    ("data_connectivity_details", "YYNYYYYYYN"),
    ("usage", "YYYYYYYYYY"),
    ("change_sim_status", "YYNYYYYYNN"),
    ("change_terminal_status", "NNYNNNNNNN"),
    ("update_characteristics", "YNNNNNNNNN"),
    ("custom_attributes_create", "YYYYYYYYYY"),
    ("custom_attributes_retrieve", "YYYYYYYYYY"),
    ("custom_attributes_update", "YYYYYYYYYY"),
    ("custom_attributes_delete", "YYYYYYYYYY"),
    ("batch_update", "YYYYYYYYYY"),
    ("monitor_status", "YNYNNYNYNY"),
    ("monitor_cancel", "YNNNNNNNNN"),
];

#[test]
fn capabilities_json_is_the_seed_table() {
    let sb = Sandbox::new();
    let out = sb.run(&["capabilities", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v = stdout_json(&out);
    let keys: BTreeSet<_> = v.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "operations",
            "sim_transitions",
            "terminal_transitions",
            "status_update_mode"
        ]
        .map(String::from)
        .into()
    );
    let ops = v["operations"].as_object().unwrap();
    let op_keys: BTreeSet<_> = ops.keys().map(String::as_str).collect();
    let seed_keys: BTreeSet<_> = SEED_MATRIX.iter().map(|(k, _)| *k).collect();
    assert_eq!(op_keys, seed_keys);
    for (op, row) in SEED_MATRIX {
        let cells = ops[op].as_object().unwrap();
        assert_eq!(
            cells.keys().map(String::as_str).collect::<BTreeSet<_>>(),
            BACKENDS.into_iter().collect::<BTreeSet<_>>(),
            "{op}"
        );
        for (backend, cell) in BACKENDS.iter().zip(row.chars()) {
            assert_eq!(cells[*backend], cell == 'Y', "{op} / {backend}");
        }
    }
    let pair = |a: &str, b: &str| serde_json::json!([a, b]);
    let tmsp = v["sim_transitions"]["TMSP"].as_array().unwrap();
    assert_eq!(tmsp.len(), 9);
    assert!(tmsp.contains(&pair("TERMINATED", "ACTIVE")));
    assert_eq!(
        v["sim_transitions"]["1NCE"],
        serde_json::json!([["ACTIVE", "SUSPENDED"], ["SUSPENDED", "ACTIVE"]])
    );
    assert_eq!(
        v["terminal_transitions"],
        serde_json::json!({"INTELSAT": [["ACTIVE", "SUSPENDED"], ["SUSPENDED", "ACTIVE"]]})
    );
    let modes = &v["status_update_mode"];
    for (backend, mode) in [
        ("TMSP", "async"),
        ("TMUS", "sync"),
        ("INTELSAT", "async"),
        ("IOTA", "sync"),
        ("JASPER", "sync"),
        ("AIRLINQ", "async"),
        ("1NCE", "sync"),
        ("STC", "async"),
        ("TURKCELL", "async"),
        ("GALAXY1", "async"),
    ] {
        assert_eq!(modes[backend], mode, "{backend}");
    }
}

#[test]
fn capabilities_text_is_a_readable_table() {
    let out = Sandbox::new().run(&["capabilities"]);
    assert_eq!(code(&out), 0);
    let text = String::from_utf8(out.stdout).unwrap();
    let row = text
        .lines()
        .find(|l| l.starts_with("change_sim_status "))
        .unwrap();
    assert_eq!(
        row.split_whitespace().skip(1).collect::<Vec<_>>(),
        ["✔", "✔", "✖", "✔", "✔", "✔", "✔", "✔", "✖", "✖"]
    );
}

#[test]
fn bad_usage_exits_2_with_stderr_only() {
    let sb = Sandbox::new();
    for args in [
        &["no-such-command"][..],
        &["products", "list", "--page", "0"],
        &["products", "list", "--all", "--page", "2"],
        &["--demo", "--config", "x.toml", "info"],
    ] {
        let out = sb.run(args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_typoed_iccid_exits_2_with_the_id_error() {
    let sb = Sandbox::new();
    let out = sb.run(&["products", "get", "1NCE-8988x28066612345678"]);
    assert_eq!(code(&out), 2);
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(err.contains("digits only"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");

    let out = sb.run(&["--json", "sim-card", "get", "1NCE-898822806661234"]);
    assert_eq!(code(&out), 2);
    let problem: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(problem["status"], 400);
    assert_eq!(problem["type"], "Bad Request");
    assert!(problem["detail"].as_str().unwrap().contains("digits"));
    assert!(problem["title"].is_string());

    let out = sb.run(&["products", "find", "--iccid", "1234"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let out = sb.run(&["status", "set", "1NCE-8988228066612345678", "SUSPEND"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("unknown status 'SUSPEND'"));
}

#[test]
fn missing_config_is_bad_usage_with_a_hint() {
    let out = Sandbox::new().run(&["products", "list"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("--demo"), "{}", stderr(&out));
}

#[test]
fn info_shows_xdg_paths_and_the_data_dir_override() {
    let sb = Sandbox::new();
    let out = sb.run(&["info", "--json"]);
    assert_eq!(code(&out), 0);
    let v = stdout_json(&out);
    let p = |key: &str| PathBuf::from(v[key].as_str().unwrap());
    assert_eq!(p("config"), sb.path("config/cmo/config.toml"));
    assert_eq!(p("dataDir"), sb.path("data"));
    assert_eq!(p("logFile"), sb.path("state/cmo/cmo.log"));
    assert_eq!(p("themesDir"), sb.path("config/cmo/themes"));
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    let text = String::from_utf8(sb.run(&["info"]).stdout).unwrap();
    assert!(text.contains("state/cmo/cmo.log"), "{text}");
}

#[test]
fn info_lists_user_themes_with_the_built_in_ones() {
    let sb = Sandbox::new();
    let themes = sb.path("config/cmo/themes");
    std::fs::create_dir_all(&themes).unwrap();
    std::fs::write(themes.join("noc.toml"), "selected = { reversed = true }\n").unwrap();
    let v = stdout_json(&sb.run(&["info", "--json"]));
    let listed = v["themes"].as_array().unwrap();
    let noc = listed.iter().find(|t| t["name"] == "noc").unwrap();
    assert_eq!(
        PathBuf::from(noc["file"].as_str().unwrap()),
        themes.join("noc.toml")
    );
    for built_in in ["default", "default-16", "mono", "solarized-16"] {
        let t = listed.iter().find(|t| t["name"] == built_in).unwrap();
        assert!(t["file"].is_null(), "{t}");
    }
    let text = String::from_utf8(sb.run(&["info"]).stdout).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("user themes") && l.contains("noc")),
        "{text}"
    );
    assert!(text.contains("default-16"), "{text}");
}

#[test]
fn info_names_the_configured_data_dir_and_reports_a_broken_config() {
    let sb = Sandbox::new();
    let dir = sb.path("config/cmo");
    std::fs::create_dir_all(&dir).unwrap();
    let example = include_str!("../config.example.toml");
    let wanted = sb.path("elsewhere");
    let config = example.replace(
        "# data_dir = \"/var/lib/cmo\"",
        &format!("data_dir = \"{}\"", wanted.display()),
    );
    assert_ne!(
        config, example,
        "the example has the commented data_dir line"
    );
    std::fs::write(dir.join("config.toml"), &config).unwrap();
    // Without --data-dir (the sandbox's run() passes one): the config's [store] data_dir.
    let info = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cmo"))
            .args(args)
            .env("HOME", sb.path(""))
            .env("XDG_CONFIG_HOME", sb.path("config"))
            .env("XDG_DATA_HOME", sb.path("share"))
            .env("XDG_STATE_HOME", sb.path("state"))
            // Not set: a command that reaches no carrier must not need the secret.
            .env_remove("ONENCE_SECRET")
            .output()
            .unwrap()
    };
    let v = stdout_json(&info(&["info", "--json"]));
    assert_eq!(PathBuf::from(v["dataDir"].as_str().unwrap()), wanted);
    assert!(v["configError"].is_null(), "{v}");
    // The example's backend, with where its secret comes from and not the secret.
    assert_eq!(v["backends"][0]["name"], "1nce-demo");
    assert_eq!(
        v["backends"][0]["secretFrom"],
        "environment variable ONENCE_SECRET"
    );
    assert_eq!(
        PathBuf::from(v["store"].as_str().unwrap()),
        wanted.join("cmo.sqlite3"),
        "the embedded store's file"
    );
    // --data-dir still wins.
    let v = stdout_json(&info(&["--data-dir", "/tmp/x", "info", "--json"]));
    assert_eq!(v["dataDir"], "/tmp/x");
    // A team's PostgreSQL store: its URL and where the password comes from, never the password.
    let pg = sb.path("pg.toml");
    std::fs::write(
        &pg,
        "[store]\nurl = \"postgres://noc@db.example/cmo\"\nsecret_env = \"CMO_TEST_STORE_PW\"\n",
    )
    .unwrap();
    let v = stdout_json(&info(&["--config", pg.to_str().unwrap(), "info", "--json"]));
    assert_eq!(
        v["store"],
        "postgres://noc@db.example/cmo (password from environment variable CMO_TEST_STORE_PW)"
    );

    // A broken config does not stop `info`: it says what is wrong and shows the XDG default.
    std::fs::write(dir.join("config.toml"), "theme = [\n").unwrap();
    let out = info(&["info"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("unusable"), "{text}");
    assert!(text.contains("share/cmo"), "{text}");
}

fn demo(sb: &Sandbox, args: &[&str]) -> Output {
    let mut all = vec!["--demo", "--demo-size", "40", "--demo-seed", "7"];
    all.extend_from_slice(args);
    sb.run(&all)
}

fn first_demo_id(sb: &Sandbox) -> String {
    let out = demo(sb, &["products", "list", "--backend", "1NCE", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    stdout_json(&out)["entities"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn demo_lists_every_simulated_product() {
    let sb = Sandbox::new();
    let out = demo(
        &sb,
        &["products", "list", "--backend", "1NCE", "--all", "--json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v = stdout_json(&out);
    let entities = v["entities"].as_array().unwrap();
    assert_eq!(entities.len(), 40);
    assert_eq!(v["statistics"]["totalCount"], 40);
    let ids: BTreeSet<_> = entities.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 40, "ids are unique");
    assert!(ids.iter().all(|id| id.starts_with("1NCE-89")));

    let page = demo(
        &sb,
        &[
            "products",
            "list",
            "--page",
            "2",
            "--page-size",
            "15",
            "--json",
        ],
    );
    let page = stdout_json(&page);
    assert_eq!(page["statistics"]["currentPage"], 2);
    let page_ids: Vec<_> = page["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].clone())
        .collect();
    assert_eq!(
        page_ids,
        entities[15..30]
            .iter()
            .map(|e| e["id"].clone())
            .collect::<Vec<_>>()
    );
}

#[test]
fn demo_product_get_is_a_cmo_bundle() {
    let sb = Sandbox::new();
    let id = first_demo_id(&sb);
    let out = demo(&sb, &["products", "get", &id, "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v = stdout_json(&out);
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["isBundle"], true);
    assert_eq!(v["@type"], "IoTConnection");
    assert_eq!(v["connectivityType"], "CELLULAR");
    assert_eq!(v["relatedParty"][0]["role"], "customer");
    assert!(v["status"].is_string());
    let chars = v["productCharacteristic"].as_array().unwrap();
    assert!(
        chars
            .iter()
            .any(|c| c["name"] == "SYSTEM" && c["value"] == "1NCE")
    );
    // SYSTEM exactly once, also where the adapter carries its own (TMSP) or the id comes from
    // a CMO tenant.
    for backend in ["TMSP", "cmo-demo"] {
        let listed = stdout_json(&demo(
            &sb,
            &["products", "list", "--backend", backend, "--json"],
        ));
        let id = listed["entities"][0]["id"].as_str().unwrap().to_string();
        let v = stdout_json(&demo(&sb, &["products", "get", &id, "--json"]));
        let systems = v["productCharacteristic"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["name"].as_str().unwrap().eq_ignore_ascii_case("SYSTEM"))
            .count();
        assert_eq!(systems, 1, "{backend} {id}: {v}");
    }
    let rels = v["productRelationship"].as_array().unwrap();
    assert!(rels.iter().all(|r| r["type"] == "BUNDLED"));
    let sim = rels
        .iter()
        .map(|r| &r["product"])
        .find(|p| p["@type"] == "simCard")
        .expect("a simCard subproduct");
    assert_eq!(sim["id"], format!("{id}-simCard"));
    let iccid = sim["productCharacteristic"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "ICCID")
        .unwrap();
    assert_eq!(format!("1NCE-{}", iccid["value"].as_str().unwrap()), id);

    let text = demo(&sb, &["products", "get", &id]);
    assert_eq!(code(&text), 0);
    assert!(String::from_utf8_lossy(&text.stdout).contains(&id));
}

#[test]
fn demo_exit_codes_3_and_4() {
    let sb = Sandbox::new();
    let id = first_demo_id(&sb);
    let out = demo(&sb, &["terminal", "get", &id]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not supported by 1NCE"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());

    let out = demo(&sb, &["status", "set", &id, "TERMINATED", "--yes"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));

    let out = demo(
        &sb,
        &["--json", "products", "get", "1NCE-89000000000000000001"],
    );
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    let problem: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(problem["status"], 404);
    assert!(out.stdout.is_empty());
}

#[test]
fn demo_status_set_asks_refuses_read_only_and_changes() {
    let sb = Sandbox::new();
    let id = first_demo_id(&sb);
    let status = stdout_json(&demo(&sb, &["products", "get", &id, "--json"]))["status"]
        .as_str()
        .unwrap()
        .to_string();
    let target = if status == "ACTIVE" {
        "SUSPENDED"
    } else {
        "ACTIVE"
    };

    let out = demo(&sb, &["status", "set", &id, target]);
    assert_eq!(code(&out), 2, "no TTY and no --yes: {}", stderr(&out));
    assert!(stderr(&out).contains("--yes"));

    let out = demo(&sb, &["--read-only", "status", "set", &id, target, "--yes"]);
    assert_eq!(code(&out), 3, "read-only is not allowed");
    assert!(stderr(&out).contains("read-only"));

    let out = demo(&sb, &["status", "set", &id, target, "--yes", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v = stdout_json(&out);
    assert_eq!(v["status"], target);
}

#[test]
fn simulate_writes_a_config_and_stops_on_sigterm() {
    let sb = Sandbox::new();
    let config = sb.path("sim/config.toml");
    let mut child = sb
        .command(&[
            "simulate",
            "--size",
            "12",
            "--config-out",
            config.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("config written to");
        seen.push(line);
        if done {
            break;
        }
    }
    assert!(
        seen.iter()
            .any(|l| l.contains("1NCE") && l.contains("http://127.0.0.1:")),
        "{seen:?}"
    );
    assert!(config.exists());
    // Every platform serves its request counters.
    let stats_url = seen
        .iter()
        .find(|l| l.starts_with("1NCE"))
        .and_then(|l| l.split_whitespace().find(|w| w.ends_with("/_sim/stats")))
        .unwrap_or_else(|| panic!("a stats URL for 1NCE: {seen:?}"))
        .to_string();
    let stats_before = http_get_json(&stats_url);
    assert_eq!(stats_before["rateLimited"], 0, "{stats_before}");

    let list = sb.run(&[
        "--config",
        config.to_str().unwrap(),
        "products",
        "list",
        "--backend",
        "1NCE",
        "--all",
        "--json",
    ]);
    assert_eq!(code(&list), 0, "{}", stderr(&list));
    // 12 products per simulated platform, however many platforms are registered.
    let listed = stdout_json(&list)["entities"].as_array().unwrap().len();
    assert!(listed >= 12 && listed.is_multiple_of(12), "{listed}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    // On the way out: what each platform served, 1NCE's listing and token requests included.
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let one_nce = rest
        .iter()
        .find(|l| l.starts_with("1NCE"))
        .unwrap_or_else(|| panic!("1NCE's counts on shutdown: {rest:?}"));
    let counts: Vec<u64> = one_nce
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(counts.len() == 4 && counts[0] >= 2, "{one_nce}");
}

#[test]
fn logs_go_to_the_state_dir_not_the_terminal() {
    let sb = Sandbox::new();
    let out = sb.run(&["capabilities"]);
    assert_eq!(code(&out), 0);
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    assert!(sb.path("state/cmo/cmo.log").exists());
}

#[test]
fn the_console_without_a_terminal_is_bad_usage() {
    let out = Sandbox::new().run(&["--demo"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("needs a terminal"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
}

/// GET `url` (plain HTTP on loopback) and parse the JSON body.
fn http_get_json(url: &str) -> serde_json::Value {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest.split_once('/').expect("a path");
    let mut stream = std::net::TcpStream::connect(host).expect("connect");
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"))
}
