//! `/metrics` in the Prometheus text format: gateway requests per route and status, carrier
//! requests and 429s per account (counted by the HTTP policy, retries included), monitors by
//! state (from the store), and the changes in flight. Label values are escaped; no secret, id
//! or operator ever becomes a label.

use super::Shared;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct Metrics {
    /// (route template, HTTP status) → count.
    requests: Mutex<BTreeMap<(String, u16), u64>>,
}

impl Metrics {
    fn count(&self, route: &str, status: u16) {
        let mut map = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        *map.entry((route.to_string(), status)).or_default() += 1;
    }

    /// Every request answered so far (all routes).
    pub fn requests_total(&self) -> u64 {
        let map = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        map.values().sum()
    }

    fn snapshot(&self) -> Vec<((String, u16), u64)> {
        let map = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        map.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}

/// Counts every request by its route template (never the raw path: ids would explode the
/// label set) and status.
pub async fn count(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = request.method().clone();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    shared.metrics.count(&route, status);
    tracing::info!(%method, %route, status, ms = started.elapsed().as_millis() as u64, "gateway request");
    response
}

fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// `GET /metrics`.
pub async fn render(State(shared): State<Arc<Shared>>) -> Response {
    let mut out = String::new();
    out.push_str(
        "# HELP cmo_gateway_requests_total Requests the gateway answered, by route and status.\n",
    );
    out.push_str("# TYPE cmo_gateway_requests_total counter\n");
    for ((route, status), n) in shared.metrics.snapshot() {
        let _ = writeln!(
            out,
            "cmo_gateway_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
            label(&route)
        );
    }
    let calls = shared.gate.engine().health().calls();
    out.push_str("# HELP cmo_carrier_requests_total Requests sent to each carrier account (retries included).\n");
    out.push_str("# TYPE cmo_carrier_requests_total counter\n");
    for (account, c) in &calls {
        let _ = writeln!(
            out,
            "cmo_carrier_requests_total{{account=\"{}\"}} {}",
            label(account),
            c.requests
        );
    }
    out.push_str(
        "# HELP cmo_carrier_rate_limited_total Carrier answers that were rate limits (429).\n",
    );
    out.push_str("# TYPE cmo_carrier_rate_limited_total counter\n");
    for (account, c) in &calls {
        let _ = writeln!(
            out,
            "cmo_carrier_rate_limited_total{{account=\"{}\"}} {}",
            label(account),
            c.rate_limited
        );
    }
    out.push_str(
        "# HELP cmo_monitors Monitors of asynchronous carrier requests in the store, by state.\n",
    );
    out.push_str("# TYPE cmo_monitors gauge\n");
    match shared.store.monitors_list().await {
        Ok(monitors) => {
            let mut by_state: BTreeMap<&str, u64> = BTreeMap::new();
            for state in ["InProgress", "Completed", "InError", "Cancelled"] {
                by_state.insert(state, 0);
            }
            for m in &monitors {
                *by_state.entry(m.state.as_str()).or_default() += 1;
            }
            for (state, n) in by_state {
                let _ = writeln!(out, "cmo_monitors{{state=\"{state}\"}} {n}");
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: the monitors could not be read"),
    }
    out.push_str("# HELP cmo_gateway_changes_in_flight Changes the gateway is sending now.\n");
    out.push_str("# TYPE cmo_gateway_changes_in_flight gauge\n");
    let _ = writeln!(
        out,
        "cmo_gateway_changes_in_flight {}",
        shared.inflight.count()
    );
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        out,
    )
        .into_response()
}
