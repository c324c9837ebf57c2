//! `cmo backends`: one cheap read per configured account, the health each shows after it, as
//! a table or JSON; exit 1 when an account is down (a carrier nobody answers for), 0 otherwise.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn cmo(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cmo"))
        .args(args)
        .arg("--data-dir")
        .arg(home.join("data"))
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("share"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("ONENCE_SECRET", "not-a-real-secret")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("cmo runs")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn every_demo_account_answers_with_its_latency_and_product_count() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = cmo(
        home.path(),
        &["--demo", "--demo-size", "7", "backends", "--json"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let accounts = v.as_array().expect("an array");
    assert_eq!(accounts.len(), 11, "{v}");
    for a in accounts {
        assert_ne!(a["health"], "down", "{a}");
        assert_ne!(a["health"], "unknown", "{a}");
        assert!(a["latencyMs"].is_u64(), "{a}");
        assert!(a["error"].is_null(), "{a}");
    }
    let onence = accounts
        .iter()
        .find(|a| a["kind"] == "1NCE")
        .expect("the 1NCE account");
    assert_eq!(onence["totalCount"], 7, "1NCE reports its total: {onence}");

    // The text table, one account by kind.
    let out = cmo(
        home.path(),
        &["--demo", "--demo-size", "7", "backends", "--backend", "STC"],
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("NAME"), "{text}");
    assert!(
        lines[1].starts_with("stc-demo") && lines[1].contains(" ms"),
        "{text}"
    );
}

#[test]
fn an_account_nobody_answers_for_is_down_with_its_reason_and_exit_1() {
    let home = tempfile::tempdir().expect("tempdir");
    // A port that was free a moment ago: the connection is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let config = home.path().join("team.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[[backend]]
name = "gone-1nce"
kind = "1NCE"
base_url = "http://127.0.0.1:{port}/management-api"
account_id = "1"
max_retries = 0
[backend.auth]
username = "noc"
secret_env = "ONENCE_SECRET"
"#
        ),
    )
    .expect("config");
    let out = cmo(
        home.path(),
        &[
            "--config",
            config.to_str().expect("utf-8"),
            "backends",
            "--json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let a = &v[0];
    assert_eq!(a["name"], "gone-1nce", "{v}");
    assert_eq!(a["health"], "down", "{v}");
    let error = a["error"].as_str().expect("a reason");
    assert!(!error.is_empty(), "{v}");
    assert!(
        !error.contains("not-a-real-secret"),
        "no secret in the reason: {error}"
    );
}
