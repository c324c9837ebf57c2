//! Simulator of Telekom Deutschland's M2M Service Portal 3.0 REST API (kind TMSP), on loopback.
//!
//! PROVISIONAL wire shapes (only the base path, `partners/{partnerId}/sims`, OAuth2 and "lookups
//! via POST" are public; see `docs/backends/tmsp.md`):
//! - `POST /auth/realms/default/protocol/openid-connect/token` — client credentials, short TTL;
//! - under `/iot/connectivity/management/v1/partners/{partnerId}`: `GET sims?page=&size=`,
//!   `POST sims/search`, `POST sims/usage`, `POST sims/status-change-requests`,
//!   `POST sims/characteristics-change-requests`, `GET|DELETE requests/{requestId}`.
//!
//! Standalone on purpose: it shares no code with the adapter, so a shared mistake shows up.

pub mod inventory;
pub mod requests;
mod routes;

use inventory::SimRecord;
use requests::Request;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub const BASE_PATH: &str = "/iot/connectivity/management/v1";
pub const TOKEN_PATH: &str = "/auth/realms/default/protocol/openid-connect/token";

/// How the simulated portal behaves.
#[derive(Debug, Clone)]
pub struct TmspSimOptions {
    pub size: usize,
    pub seed: u64,
    /// How long a change request stays `InProgress`.
    pub async_delay: Duration,
    pub token_ttl: Duration,
    pub partner_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub max_page_size: usize,
}

impl Default for TmspSimOptions {
    fn default() -> Self {
        TmspSimOptions {
            size: 120,
            seed: 1,
            async_delay: Duration::from_secs(3),
            token_ttl: Duration::from_secs(300),
            partner_id: "4711".to_string(),
            client_id: "cmo-console".to_string(),
            client_secret: "tmsp-sim-secret".to_string(),
            max_page_size: 100,
        }
    }
}

pub(crate) struct State {
    pub opts: TmspSimOptions,
    pub sims: Vec<SimRecord>,
    pub by_iccid: HashMap<String, usize>,
    pub requests: HashMap<String, Request>,
    pub tokens: HashMap<String, Instant>,
    pub next_id: u64,
}

impl State {
    /// Settle every request whose delay has passed (called before serving any API call).
    pub fn settle_due(&mut self) {
        let now = Instant::now();
        let State {
            requests,
            sims,
            by_iccid,
            ..
        } = self;
        for req in requests.values_mut() {
            if req.is_pending() && req.due <= now {
                let sim = by_iccid.get(&req.iccid).and_then(|i| sims.get_mut(*i));
                req.settle(sim);
            }
        }
    }

    pub fn fresh_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{:08}", self.next_id)
    }
}

pub(crate) struct Shared {
    state: Mutex<State>,
    pub api_calls: AtomicU64,
    pub tokens_issued: AtomicU64,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A panic in one handler must not take the whole simulator down with a poisoned lock.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running simulator; dropping it stops the server.
pub struct TmspSim {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl TmspSim {
    /// Start on `listen` (use `127.0.0.1:0` for an ephemeral port).
    pub async fn start(opts: TmspSimOptions, listen: SocketAddr) -> std::io::Result<TmspSim> {
        let sims = inventory::generate(opts.size, opts.seed);
        let by_iccid = sims
            .iter()
            .enumerate()
            .map(|(i, s)| (s.iccid.clone(), i))
            .collect();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                opts,
                sims,
                by_iccid,
                requests: HashMap::new(),
                tokens: HashMap::new(),
                next_id: 0,
            }),
            api_calls: AtomicU64::new(0),
            tokens_issued: AtomicU64::new(0),
        });
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let app = routes::router(shared.clone());
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "TMSP simulator stopped");
            }
        });
        tracing::info!(%addr, "TMSP simulator listening");
        Ok(TmspSim { addr, shared, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` — the adapter's `base_url`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn options(&self) -> TmspSimOptions {
        self.shared.lock().opts.clone()
    }

    /// Calls to the portal API (token requests not counted).
    pub fn api_calls(&self) -> u64 {
        self.shared.api_calls.load(Ordering::SeqCst)
    }

    pub fn tokens_issued(&self) -> u64 {
        self.shared.tokens_issued.load(Ordering::SeqCst)
    }

    /// Invalidate every issued token, as if their TTL had passed.
    pub fn expire_tokens(&self) {
        self.shared.lock().tokens.clear();
    }

    /// A snapshot of the inventory (after settling due requests).
    pub fn sims(&self) -> Vec<SimRecord> {
        let mut st = self.shared.lock();
        st.settle_due();
        st.sims.clone()
    }

    /// ICCIDs of the SIMs currently in `native` status.
    pub fn iccids_in(&self, native: &str) -> Vec<String> {
        self.sims()
            .into_iter()
            .filter(|s| s.status == native)
            .map(|s| s.iccid)
            .collect()
    }

    /// Put a SIM into a native status directly (test and demo set-up).
    pub fn set_status(&self, iccid: &str, native: &str) -> bool {
        let mut st = self.shared.lock();
        let Some(i) = st.by_iccid.get(iccid).copied() else {
            return false;
        };
        st.sims[i].status = native.to_string();
        true
    }
}

impl Drop for TmspSim {
    fn drop(&mut self) {
        self.task.abort();
    }
}
