//! The real `cmo` binary with the local store, across separate processes: custom attributes,
//! the audit journal, read-only refusals, confirmation, batches across accounts, a database
//! that is not ours, and monitors that outlive the command that created them.
//!
//! Every process gets its own HOME/XDG dirs, a temporary `--data-dir` and `USER=noc-tester`.
//! `--demo` starts fresh simulators in every process, so the tests that follow one carrier job
//! over several processes run `cmo simulate` once and point `--config` at it.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const OPERATOR: &str = "noc-tester";

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

    fn data_dir(&self) -> PathBuf {
        self.path("data")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.without_data_dir(args);
        cmd.arg("--data-dir").arg(self.data_dir());
        cmd
    }

    /// A command that leaves the data dir to the config and the XDG environment.
    fn without_data_dir(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cmo"));
        cmd.args(args)
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("share"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env("USER", OPERATOR)
            .env_remove("SSH_CLIENT")
            .env_remove("SSH_CONNECTION")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn demo(&self, args: &[&str]) -> Output {
        let mut all = vec!["--demo", "--demo-size", "20", "--demo-seed", "3"];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// `cmo simulate` in the background, its config written under `name/`.
    fn simulate(&self, name: &str, extra: &[&str]) -> Simulator {
        let config = self.path(&format!("{name}/config.toml"));
        let mut args = vec!["simulate", "--config-out", config.to_str().unwrap()];
        args.extend_from_slice(extra);
        let mut child = self
            .command(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for line in lines {
            if line.unwrap().starts_with("config written to") {
                break;
            }
        }
        assert!(config.exists(), "simulate wrote no config");
        Simulator { child, config }
    }
}

/// A `cmo simulate` child, killed when the test ends (also when it fails).
struct Simulator {
    child: Child,
    config: PathBuf,
}

impl Simulator {
    fn config(&self) -> &str {
        self.config.to_str().unwrap()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_out(o: &Output) -> Value {
    assert_eq!(code(o), 0, "stderr: {}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&o.stdout)
        )
    })
}

fn props(v: &Value) -> Vec<(String, String)> {
    v["customProperty"]
        .as_array()
        .expect("customProperty")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The `simCard` subproduct of a product bundle's JSON.
fn sim_card_of(bundle: &Value) -> &Value {
    bundle["productRelationship"]
        .as_array()
        .expect("productRelationship")
        .iter()
        .map(|r| &r["product"])
        .find(|p| p["@type"] == "simCard")
        .expect("a simCard subproduct")
}

fn pair(n: &str, v: &str) -> (String, String) {
    (n.to_string(), v.to_string())
}

/// Ids of products listed by `args` (a `products list … --json` minus the flags).
fn ids(o: &Output) -> Vec<String> {
    json_out(o)["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

fn audit(sb: &Sandbox) -> Vec<Value> {
    json_out(&sb.run(&["audit", "--json"]))["entities"]
        .as_array()
        .unwrap()
        .clone()
}

fn actions(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn attrs_persist_across_processes_and_every_change_is_journaled() {
    let sb = Sandbox::new();
    let active = ids(&sb.demo(&[
        "products",
        "list",
        "--backend",
        "1NCE",
        "--status",
        "ACTIVE",
        "--all",
        "--json",
    ]));
    assert!(active.len() >= 3, "{active:?}");
    let id = active[0].as_str();

    for (name, value) in [("site", "pier 4"), ("owner", "ops-team")] {
        let out = sb.demo(&["attrs", "set", id, name, value]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    let listed = json_out(&sb.demo(&["attrs", "list", id, "--json"]));
    assert_eq!(listed["id"], id);
    assert_eq!(
        props(&listed),
        [pair("site", "pier 4"), pair("owner", "ops-team")]
    );

    let out = sb.demo(&["attrs", "rename", id, "site", "location"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = sb.demo(&["attrs", "delete", id, "owner"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let listed = json_out(&sb.demo(&["attrs", "list", id, "--json"]));
    assert_eq!(props(&listed), [pair("location", "pier 4")]);
    let one = json_out(&sb.demo(&["attrs", "list", id, "--name", "location", "--json"]));
    assert_eq!(props(&one), [pair("location", "pier 4")]);
    assert_eq!(code(&sb.demo(&["attrs", "list", id, "--name", "owner"])), 4);
    assert_eq!(code(&sb.demo(&["attrs", "delete", id, "owner"])), 4);
    let out = sb.demo(&["attrs", "set", id, " ", "x"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));

    // The product bundle carries the stored attributes on its simCard, as in the CMO API.
    let bundle = json_out(&sb.demo(&["products", "get", id, "--json"]));
    let sim = sim_card_of(&bundle);
    assert_eq!(props(sim), [pair("location", "pier 4")]);
    let sim = json_out(&sb.demo(&["sim-card", "get", id, "--json"]));
    assert_eq!(props(&sim), [pair("location", "pier 4")]);

    let out = sb.demo(&["status", "set", id, "SUSPENDED", "--yes", "--json"]);
    assert_eq!(json_out(&out)["status"], "SUSPENDED");
    let out = sb.demo(&[
        "batch",
        "status",
        "SUSPENDED",
        "--ids",
        &format!("{},{}", active[1], active[2]),
        "--yes",
        "--json",
    ]);
    let batch = json_out(&out);
    let results: Vec<_> = batch["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].as_str().unwrap(), e["result"].as_str().unwrap()))
        .collect();
    assert_eq!(
        results,
        [(active[1].as_str(), "done"), (active[2].as_str(), "done")]
    );

    let entries = audit(&sb);
    assert_eq!(
        actions(&entries),
        [
            "attrs-set",
            "attrs-set",
            "attrs-rename",
            "attrs-delete",
            "attrs-delete",
            "attrs-set",
            "status",
            "batch-status"
        ]
    );
    assert!(entries.iter().all(|e| e["operator"] == OPERATOR));
    assert_eq!(entries[2]["before"], "site=pier 4");
    assert_eq!(entries[2]["after"], "location=pier 4");
    // Failed attempts (a missing attribute, an empty name) are journaled too.
    assert!(entries[4]["result"].as_str().unwrap().starts_with("failed"));
    assert!(entries[5]["result"].as_str().unwrap().starts_with("failed"));
    assert_eq!(entries[6]["productIds"][0], id);
    assert_eq!(entries[6]["before"], "ACTIVE");
    assert_eq!(entries[6]["after"], "SUSPENDED");
    assert_eq!(entries[7]["productIds"].as_array().unwrap().len(), 2);
    assert_eq!(entries[7]["result"], "2 ok");

    let recent = json_out(&sb.run(&["audit", "--since", "1h", "--json"]));
    assert_eq!(recent["entities"].as_array().unwrap().len(), entries.len());
    let future = json_out(&sb.run(&["audit", "--since", "2999-01-01", "--json"]));
    assert!(future["entities"].as_array().unwrap().is_empty());
    assert_eq!(code(&sb.run(&["audit", "--since", "someday"])), 2);
    let table = sb.run(&["audit"]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("attrs-rename"));
}

#[test]
fn read_only_and_missing_confirmation_refuse_without_writing() {
    let sb = Sandbox::new();
    let id = ids(&sb.demo(&["products", "list", "--backend", "1NCE", "--json"]))[0].clone();
    let refusals: [&[&str]; 4] = [
        &["--read-only", "attrs", "set", &id, "site", "x"],
        &["--read-only", "status", "set", &id, "SUSPENDED", "--yes"],
        &[
            "--read-only",
            "batch",
            "status",
            "SUSPENDED",
            "--ids",
            &id,
            "--yes",
        ],
        &[
            "--read-only",
            "characteristics",
            "set",
            &id,
            "apn=x",
            "--yes",
        ],
    ];
    for args in refusals {
        let out = sb.demo(args);
        assert_eq!(code(&out), 3, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("read-only"), "{}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
    // Reads still work in read-only mode.
    let listed = json_out(&sb.demo(&["--read-only", "attrs", "list", &id, "--json"]));
    assert!(props(&listed).is_empty());

    // No terminal and no --yes: refused with a hint, nothing sent.
    for args in [
        &["status", "set", &id, "SUSPENDED"][..],
        &["batch", "status", "SUSPENDED", "--ids", &id],
    ] {
        let out = sb.demo(args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
    }
    assert!(audit(&sb).is_empty(), "refusals write nothing");

    // read_only = true in the configuration refuses as well.
    let sim = sb.simulate("sim", &["--size", "6"]);
    let config = std::fs::read_to_string(&sim.config).unwrap();
    let ro = sb.path("ro.toml");
    std::fs::write(&ro, config.replace("read_only = false", "read_only = true")).unwrap();
    let out = sb.run(&[
        "--config",
        ro.to_str().unwrap(),
        "attrs",
        "set",
        &id,
        "a",
        "b",
    ]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("read-only"));
}

#[test]
fn attributes_of_a_cmo_tenant_product_live_on_the_cmo_server() {
    let sb = Sandbox::new();
    let sim = sb.simulate("sim", &["--size", "6"]);
    let cfg = sim.config();
    let tenant = ids(&sb.run(&[
        "--config",
        cfg,
        "products",
        "list",
        "--backend",
        "CMO",
        "--all",
        "--json",
    ]));
    let id = tenant
        .iter()
        .find(|id| !id.starts_with("INTELSAT") && !id.starts_with("GALAXY1"))
        .expect("a cellular product on the tenant");

    let out = sb.run(&["--config", cfg, "attrs", "set", id, "site", "pier 4"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // Another process reads it back from the server, in the bundle as the CMO API has it.
    let bundle = json_out(&sb.run(&["--config", cfg, "products", "get", id, "--json"]));
    let sim_card = sim_card_of(&bundle);
    assert_eq!(props(sim_card), [pair("site", "pier 4")]);
    let listed = json_out(&sb.run(&["--config", cfg, "attrs", "list", id, "--json"]));
    assert_eq!(props(&listed), [pair("site", "pier 4")]);

    // Not in the local store: a configuration without the tenant sees no attribute there.
    let direct = sb.path("direct.toml");
    std::fs::write(&direct, backend_block(&sim.config, "1NCE", "onence")).unwrap();
    let local = json_out(&sb.run(&[
        "--config",
        direct.to_str().unwrap(),
        "attrs",
        "list",
        id,
        "--json",
    ]));
    assert!(props(&local).is_empty(), "{local}");

    // Journaled like every change, naming where it was stored.
    let entries = audit(&sb);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let result = entries[0]["result"].as_str().unwrap();
    assert!(result.starts_with("ok (stored on "), "{result}");
}

/// The `[[backend]]` blocks of `kind` from a config `cmo simulate` wrote, renamed to `name`.
fn backend_block(config: &Path, kind: &str, name: &str) -> String {
    let text = std::fs::read_to_string(config).unwrap();
    let block = text
        .split("[[backend]]")
        .find(|b| b.contains(&format!("kind = \"{kind}\"")))
        .expect("a block of that kind");
    let renamed: Vec<String> = block
        .lines()
        .map(|l| {
            if l.starts_with("name = ") {
                format!("name = \"{name}\"")
            } else {
                l.to_string()
            }
        })
        .collect();
    format!("[[backend]]{}\n", renamed.join("\n"))
}

#[test]
fn a_batch_across_two_accounts_is_refused_naming_both() {
    let sb = Sandbox::new();
    // Two 1NCE platforms with different inventories, configured as two accounts.
    let a = sb.simulate("sim-a", &["--size", "6", "--seed", "11"]);
    let b = sb.simulate("sim-b", &["--size", "6", "--seed", "12"]);
    let two = sb.path("two-accounts.toml");
    std::fs::write(
        &two,
        format!(
            "{}{}",
            backend_block(&a.config, "1NCE", "fleet-north"),
            backend_block(&b.config, "1NCE", "fleet-south")
        ),
    )
    .unwrap();
    let cfg = two.to_str().unwrap();
    let north = ids(&sb.run(&[
        "--config",
        cfg,
        "products",
        "list",
        "--backend",
        "fleet-north",
        "--json",
    ]));
    let south = ids(&sb.run(&[
        "--config",
        cfg,
        "products",
        "list",
        "--backend",
        "fleet-south",
        "--json",
    ]));
    let before = json_out(&sb.run(&["--config", cfg, "products", "get", &south[0], "--json"]));

    let ids_file = sb.path("ids.txt");
    std::fs::write(
        &ids_file,
        format!(
            "# mixed accounts\n{}\n{}  # the stray one\n",
            north[0], south[0]
        ),
    )
    .unwrap();
    let out = sb.run(&[
        "--config",
        cfg,
        "batch",
        "status",
        "SUSPENDED",
        "--ids-file",
        ids_file.to_str().unwrap(),
        "--yes",
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("fleet-north") && err.contains("fleet-south"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    let after = json_out(&sb.run(&["--config", cfg, "products", "get", &south[0], "--json"]));
    assert_eq!(before["status"], after["status"], "nothing was sent");
    let entries = audit(&sb);
    assert_eq!(actions(&entries), ["batch-status"]);
    assert!(entries[0]["result"].as_str().unwrap().starts_with("failed"));

    // A bad id in the file is reported with its line number before anything starts.
    std::fs::write(&ids_file, format!("{}\n\n1NCE-12345\n", north[0])).unwrap();
    let out = sb.run(&[
        "--config",
        cfg,
        "batch",
        "status",
        "SUSPENDED",
        "--ids-file",
        ids_file.to_str().unwrap(),
        "--yes",
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("line 3"), "{}", stderr(&out));
}

/// Bytes that are certainly not a SQLite file, the same on every run.
fn garbage(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn a_foreign_database_is_refused_by_name_and_left_untouched() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.data_dir()).unwrap();
    let db = sb.data_dir().join("cmo.sqlite3");
    let bytes = garbage(8192);
    std::fs::write(&db, &bytes).unwrap();
    let listed = ids(&sb.demo(&["products", "list", "--backend", "1NCE", "--json"]));
    let id = listed[0].as_str();
    let refused: [&[&str]; 6] = [
        &["attrs", "list", id],
        &["attrs", "set", id, "a", "b"],
        &["audit"],
        &["monitors", "list"],
        &["status", "set", id, "SUSPENDED", "--yes"],
        &["products", "get", id],
    ];
    for args in refused {
        let out = sb.demo(args);
        assert_eq!(code(&out), 1, "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.contains(db.to_str().unwrap()), "{err}");
        assert!(out.stdout.is_empty());
    }
    assert_eq!(
        std::fs::read(&db).unwrap(),
        bytes,
        "byte for byte unchanged"
    );
    let mut names: Vec<_> = std::fs::read_dir(sb.data_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["cmo.sqlite3"], "no -wal/-shm beside it");

    // Commands that do not need the store are not stopped by it.
    assert_eq!(code(&sb.run(&["capabilities"])), 0);
    assert_eq!(code(&sb.run(&["info"])), 0);
    let out = sb.demo(&["products", "list", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

fn first_active_tmsp(sb: &Sandbox, config: &[&str]) -> String {
    let mut args = config.to_vec();
    args.extend_from_slice(&[
        "products",
        "list",
        "--backend",
        "TMSP",
        "--status",
        "ACTIVE",
        "--all",
        "--json",
    ]);
    let found = ids(&sb.run(&args));
    found.first().cloned().expect("an ACTIVE TMSP product")
}

#[test]
fn a_demo_tmsp_change_leaves_a_pending_monitor_for_the_next_process() {
    let sb = Sandbox::new();
    let demo = ["--demo", "--demo-size", "20", "--demo-seed", "3"];
    let id = first_active_tmsp(&sb, &demo);
    let out = sb.demo(&["status", "set", &id, "SUSPENDED", "--yes", "--json"]);
    let monitor = json_out(&out);
    assert_eq!(monitor["state"], "InProgress");
    let monitor_id = monitor["id"].as_str().unwrap().to_string();
    assert!(monitor_id.starts_with("TMSP-"), "{monitor_id}");

    let listed = json_out(&sb.demo(&["monitors", "list", "--json"]));
    let entities = listed["entities"].as_array().unwrap();
    assert_eq!(entities.len(), 1);
    assert_eq!(entities[0]["id"], monitor_id.as_str());
    assert_eq!(entities[0]["state"], "InProgress");
    assert_eq!(entities[0]["sourceHref"], format!("product/{id}"));
    let text = sb.demo(&["monitors", "list"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&monitor_id) && text.contains("InProgress"),
        "{text}"
    );

    let entries = audit(&sb);
    assert_eq!(actions(&entries), ["status"]);
    assert_eq!(
        entries[0]["result"],
        format!("accepted (monitor {monitor_id})")
    );
}

#[test]
fn monitors_are_polled_and_cancelled_from_other_processes() {
    let sb = Sandbox::new();
    // Jobs that finish at once: the next poll, from another process, sees them completed.
    let quick = sb.simulate("quick", &["--size", "20", "--async-delay", "0s"]);
    let cfg = ["--config", quick.config()];
    let id = first_active_tmsp(&sb, &cfg);
    let mut args = cfg.to_vec();
    args.extend_from_slice(&["status", "set", &id, "SUSPENDED", "--yes", "--json"]);
    let monitor = json_out(&sb.run(&args));
    let monitor_id = monitor["id"].as_str().unwrap().to_string();
    assert_eq!(monitor["state"], "InProgress");
    let polled = json_out(&sb.run(&[cfg[0], cfg[1], "monitors", "get", &monitor_id, "--json"]));
    assert_eq!(polled["state"], "Completed");
    let listed = json_out(&sb.run(&["monitors", "list", "--json"]));
    assert_eq!(
        listed["entities"][0]["state"], "Completed",
        "the store was updated"
    );
    let product = json_out(&sb.run(&[cfg[0], cfg[1], "products", "get", &id, "--json"]));
    assert_eq!(product["status"], "SUSPENDED");

    // --wait follows a change to its end in the same process.
    let out = sb.run(&[
        cfg[0], cfg[1], "status", "set", &id, "ACTIVE", "--yes", "--wait",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("→ Completed"));
    drop(quick);

    // Jobs that stay pending: cancelled from yet another process.
    let slow = sb.simulate("slow", &["--size", "20", "--async-delay", "1h"]);
    let cfg = ["--config", slow.config()];
    let id = first_active_tmsp(&sb, &cfg);
    let monitor = json_out(&sb.run(&[
        cfg[0],
        cfg[1],
        "status",
        "set",
        &id,
        "SUSPENDED",
        "--yes",
        "--json",
    ]));
    let monitor_id = monitor["id"].as_str().unwrap().to_string();
    let polled = json_out(&sb.run(&[cfg[0], cfg[1], "monitors", "get", &monitor_id, "--json"]));
    assert_eq!(polled["state"], "InProgress");

    let out = sb.run(&[cfg[0], cfg[1], "monitors", "cancel", &monitor_id]);
    assert_eq!(code(&out), 2, "needs --yes: {}", stderr(&out));
    let out = sb.run(&[
        cfg[0],
        cfg[1],
        "--read-only",
        "monitors",
        "cancel",
        &monitor_id,
        "--yes",
    ]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let cancelled = json_out(&sb.run(&[
        cfg[0],
        cfg[1],
        "monitors",
        "cancel",
        &monitor_id,
        "--yes",
        "--json",
    ]));
    assert_eq!(cancelled["state"], "Cancelled");
    let listed = json_out(&sb.run(&["monitors", "list", "--json"]));
    let stored = listed["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == monitor_id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(stored["state"], "Cancelled");

    // Only TMSP can cancel: another backend's monitor is refused as unsupported.
    let out = sb.run(&[cfg[0], cfg[1], "monitors", "cancel", "1NCE-42", "--yes"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));

    // Each request's final outcome is journaled once, by whoever saw it first (monitors get,
    // --wait, the cancel).
    let entries = audit(&sb);
    assert_eq!(
        actions(&entries),
        [
            "status",
            "monitor-final",
            "status",
            "monitor-final",
            "status",
            "monitor-final",
            "monitor-cancel",
            "monitor-cancel"
        ]
    );
    assert_eq!(entries[1]["result"], "completed");
    assert_eq!(entries[5]["result"], "cancelled");
    assert_eq!(entries[6]["before"], "InProgress");
    assert_eq!(entries[6]["after"], "Cancelled");
}

#[test]
fn characteristics_are_tmsp_only_and_validated() {
    let sb = Sandbox::new();
    let one = ids(&sb.demo(&["products", "list", "--backend", "1NCE", "--json"]))[0].clone();
    let out = sb.demo(&["characteristics", "set", &one, "apn=iot", "--yes"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let out = sb.demo(&["characteristics", "set", &one, "apn", "--yes"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let entries = audit(&sb);
    assert_eq!(
        actions(&entries),
        ["characteristics"],
        "the refused attempt is journaled"
    );
}

#[test]
fn the_data_dir_is_the_flag_else_the_config_else_xdg() {
    let sb = Sandbox::new();
    let id = "1NCE-8988228066602018059";
    let xdg_db = sb.path("share/cmo/cmo.sqlite3");
    let out = sb
        .without_data_dir(&["attrs", "set", id, "where", "xdg"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(xdg_db.exists());

    let config = sb.path("store.toml");
    let configured = sb.path("configured");
    std::fs::write(
        &config,
        format!("[store]\ndata_dir = {:?}\n", configured.to_str().unwrap()),
    )
    .unwrap();
    let cfg = config.to_str().unwrap();
    let out = sb
        .without_data_dir(&["--config", cfg, "attrs", "set", id, "where", "config"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(configured.join("cmo.sqlite3").exists());

    let out = sb.run(&["--config", cfg, "attrs", "set", id, "where", "flag"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let value = |o: Output| props(&json_out(&o))[0].1.clone();
    assert_eq!(value(sb.run(&["attrs", "list", id, "--json"])), "flag");
    let from_config = sb
        .without_data_dir(&["--config", cfg, "attrs", "list", id, "--json"])
        .output()
        .unwrap();
    assert_eq!(value(from_config), "config");
    let from_xdg = sb
        .without_data_dir(&["attrs", "list", id, "--json"])
        .output()
        .unwrap();
    assert_eq!(value(from_xdg), "xdg");
}
