//! "Why is it offline?": the session / attach state read of each adapter against its simulator
//! (loopback, port 0) — 1NCE `GET /v1/sims/{iccid}/status`, Control Center `GET
//! /devices/{iccid}/sessionInfo`, Intelsat's aggregated terminal status, GALAXY1's
//! provisional `…/link`, and STC, which has none and sends nothing — plus `cmo connectivity get ID --json` on the demo.

use chrono::Utc;
use cmo::backends::{Backend, BackendError, PageRequest, registry};
use cmo::config::Config;
use cmo::domain::session::one_line;
use cmo::domain::{BackendKind, BusinessId, NetworkState, ProductSummary, SessionState, Status};
use cmo::sim::{self, SimHandle, SimOptions};
use serde_json::Value;
use std::collections::HashSet;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

struct Rig {
    sim: SimHandle,
    kind: &'static str,
    backend: Arc<dyn Backend>,
}

impl Rig {
    fn requests(&self) -> u64 {
        self.sim
            .platform(self.kind)
            .expect("platform")
            .control
            .requests_total()
    }
}

/// The simulators and a guarded backend of `kind` with the kind's default pace (1NCE's
/// simulator limits `/v1/sims*` to 10 requests a second, as 1NCE does).
async fn rig(kind: &'static str, size: usize) -> Rig {
    let sim = sim::start(SimOptions {
        size,
        seed: 5,
        ..SimOptions::default()
    })
    .await
    .expect("simulators start");
    let p = sim.platform(kind).expect("simulated platform");
    let text = format!(
        "[[backend]]\nname = \"{}\"\nkind = \"{}\"\nbase_url = \"{}\"\naccount_id = \"{}\"\n[backend.auth]\nusername = \"{}\"\nsecret = \"{}\"\n",
        p.name, p.kind, p.base_url, p.account_id, p.username, p.secret
    );
    let config = Config::from_toml_str(&text, "test").expect("config");
    let backend = registry::build(&config).expect("registry").remove(0);
    Rig { sim, kind, backend }
}

async fn rows(backend: &dyn Backend) -> Vec<ProductSummary> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = backend
            .list_products(PageRequest {
                cursor,
                page_size: None,
            })
            .await
            .expect("listing");
        all.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return all,
        }
    }
}

fn business(s: &ProductSummary) -> BusinessId {
    s.id.business()
}

/// Every row's session state, checking each read costs exactly one request.
async fn states(rig: &Rig, rows: &[ProductSummary]) -> Vec<(ProductSummary, SessionState)> {
    let mut out = Vec::new();
    for row in rows {
        let before = rig.requests();
        let state = rig
            .backend
            .session_state(&business(row))
            .await
            .expect("session read")
            .expect("this platform has session data");
        // The first read also fetches a token (1NCE); every read is one call of its own.
        let spent = rig.requests() - before;
        assert!(
            spent == 1 || (out.is_empty() && spent == 2),
            "{spent} requests for one read"
        );
        out.push((row.clone(), state));
    }
    out
}

#[tokio::test]
async fn onence_status_is_attach_state_with_location_and_pdp_context() {
    let rig = rig("1NCE", 30).await;
    let rows = rows(&*rig.backend).await;
    let now = Utc::now();
    let mut seen = HashSet::new();
    for (row, s) in states(&rig, &rows).await {
        let line = one_line(Some(row.status.status), BackendKind::OneNce, Some(&s), now);
        // Network state, never a lifecycle word.
        assert!(
            ["ONLINE", "ATTACHED", "OFFLINE"].contains(&s.native.as_str()),
            "{}",
            s.native
        );
        assert!(s.country.is_some() && s.operator.is_some(), "{line}");
        if row.status.status == Status::Suspended {
            assert_eq!(s.state, NetworkState::Offline, "a disabled SIM: {line}");
        }
        match s.state {
            NetworkState::Online => {
                let start = s
                    .session_start
                    .expect("a PDP context has its creation time");
                assert!(
                    start <= now && s.ip_address.is_some() && s.radio.is_some(),
                    "{line}"
                );
                assert!(line.contains("online · session started"), "{line}");
            }
            NetworkState::Attached | NetworkState::Offline => {
                assert!(
                    s.ip_address.is_none() && s.session_start.is_none(),
                    "{line}"
                );
                assert!(s.last_seen.is_some_and(|t| t <= now), "{line}");
            }
            NetworkState::NoSession => panic!("1NCE says whether it is attached: {line}"),
        }
        assert!(line.starts_with(row.status.status.as_str()), "{line}");
        seen.insert(s.state);
    }
    assert_eq!(seen.len(), 3, "online, attached and offline SIMs: {seen:?}");
}

#[tokio::test]
async fn control_center_session_info_is_online_without_an_end_and_never_for_stock() {
    let rig = rig("JASPER", 30).await;
    let rows = rows(&*rig.backend).await;
    let now = Utc::now();
    let (mut online, mut ended, mut never) = (0, 0, 0);
    for (row, s) in states(&rig, &rows).await {
        let line = one_line(Some(row.status.status), BackendKind::Jasper, Some(&s), now);
        assert!(
            s.country.is_none() && s.radio.is_none(),
            "not in sessionInfo: {line}"
        );
        match (s.state, s.session_start, s.session_end) {
            (NetworkState::Online, Some(start), None) => {
                assert_eq!(row.status.native, "ACTIVATED", "{line}");
                assert!(start <= now && s.ip_address.is_some(), "{line}");
                online += 1;
            }
            (NetworkState::NoSession, Some(start), Some(end)) => {
                assert!(start < end && end <= now, "{line}");
                assert!(
                    line.contains("not in session · last session ended"),
                    "{line}"
                );
                ended += 1;
            }
            (NetworkState::NoSession, None, None) => {
                assert!(
                    ["INVENTORY", "ACTIVATION_READY", "PURGED", "REPLACED"]
                        .contains(&row.status.native.as_str()),
                    "{} never in session: {line}",
                    row.status.native
                );
                assert!(line.ends_with("no session on record"), "{line}");
                never += 1;
            }
            other => panic!("unexpected session {other:?}: {line}"),
        }
    }
    assert!(
        online > 0 && ended > 0 && never > 0,
        "{online} {ended} {never}"
    );
}

#[tokio::test]
async fn intelsat_terminals_are_online_or_offline_from_their_aggregated_status() {
    let rig = rig("INTELSAT", 20).await;
    let rows = rows(&*rig.backend).await;
    let mut seen = HashSet::new();
    for row in &rows {
        let before = rig.requests();
        let read = rig.backend.session_state(&business(row)).await;
        let session = read.expect("session read");
        assert!(
            rig.requests() - before <= 2,
            "one terminal read (and a token)"
        );
        // The composite native status is `contract/aggregated` when the terminal has one.
        let aggregated = row.status.native.split_once('/').map(|(_, a)| a);
        match (&session, aggregated) {
            (Some(s), Some(a)) => {
                assert_eq!(s.native, a);
                assert_eq!(s.state == NetworkState::Online, a == "online", "{s:?}");
                seen.insert(s.state);
            }
            (None, None) => {}
            other => panic!("{}: {other:?}", row.status.native),
        }
    }
    assert!(seen.contains(&NetworkState::Online), "{seen:?}");
}

#[tokio::test]
async fn galaxy1_link_is_up_or_down_and_a_terminal_out_of_service_never_had_one() {
    let rig = rig("GALAXY1", 20).await;
    let rows = rows(&*rig.backend).await;
    let mut seen = HashSet::new();
    for (row, s) in states(&rig, &rows).await {
        match s.state {
            NetworkState::Online => {
                assert_eq!(row.status.native, "InService", "{s:?}");
                assert!(s.session_start.is_some() && s.radio.is_some(), "{s:?}");
            }
            NetworkState::Offline if row.status.native == "InService" => {
                assert!(s.session_end.is_some(), "{s:?}");
            }
            NetworkState::Offline => assert_eq!(s.since(), None, "{s:?}"),
            other => panic!("GALAXY1 says UP or DOWN: {other:?}"),
        }
        seen.insert(s.state);
    }
    assert_eq!(seen.len(), 2, "{seen:?}");
}

#[tokio::test]
async fn stc_has_no_session_data_and_asks_nothing() {
    let rig = rig("STC", 5).await;
    let rows = rows(&*rig.backend).await;
    let before = rig.requests();
    let id = business(&rows[0]);
    assert_eq!(rig.backend.session_state(&id).await.expect("read"), None);
    assert_eq!(
        rig.requests(),
        before,
        "no request for a platform without it"
    );
    assert_eq!(
        one_line(Some(Status::Active), BackendKind::Stc, None, Utc::now()),
        "ACTIVE · no session data on STC"
    );
}

#[tokio::test]
async fn an_unknown_sim_is_not_found_on_both_session_calls() {
    for kind in ["1NCE", "TMUS"] {
        let rig = rig(kind, 5).await;
        let id = BusinessId::Iccid("8988228066999999999".parse().expect("iccid"));
        let err = rig.backend.session_state(&id).await.expect_err(kind);
        assert!(
            matches!(err, BackendError::NotFound { .. }),
            "{kind}: {err}"
        );
        assert_eq!(err.exit_code(), 4);
    }
}

fn demo(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cmo"))
        .args(["--demo", "--demo-size", "12", "--demo-seed", "7"])
        .args(args)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("share"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("cmo runs")
}

fn json(out: &Output) -> Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

fn first_id(dir: &std::path::Path, kind: &str) -> String {
    let v = json(&demo(
        dir,
        &["products", "list", "--backend", kind, "--json"],
    ));
    v["entities"][0]["id"].as_str().expect("an id").to_string()
}

#[test]
fn connectivity_get_json_carries_the_session_where_the_carrier_has_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    for (kind, states) in [
        ("1NCE", &["ONLINE", "ATTACHED", "OFFLINE"][..]),
        ("JASPER", &["ONLINE", "NO_SESSION"][..]),
    ] {
        let id = first_id(dir, kind);
        let v = json(&demo(dir, &["connectivity", "get", &id, "--json"]));
        assert_eq!(v["@type"], "dataConnectivity", "{v}");
        let session = &v["networkSession"];
        let state = session["state"].as_str().unwrap_or_default();
        assert!(states.contains(&state), "{kind}: {session}");
        assert_eq!(session["online"], state == "ONLINE", "{session}");
        // Dates are RFC 3339 UTC.
        for key in ["since", "sessionStart", "sessionEnd", "lastSeen"] {
            if let Some(t) = session[key].as_str() {
                assert!(
                    t.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(t).is_ok(),
                    "{t}"
                );
            }
        }
        let text = demo(dir, &["connectivity", "get", &id]);
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(text.contains("Network session\n  "), "{text}");
    }
    let id = first_id(dir, "STC");
    let v = json(&demo(dir, &["connectivity", "get", &id, "--json"]));
    assert!(
        v["networkSession"].is_null() && v.get("networkSession").is_some(),
        "{v}"
    );
    let text = demo(dir, &["connectivity", "get", &id]);
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("no session data on STC"),
        "{}",
        String::from_utf8_lossy(&text.stdout)
    );
}
