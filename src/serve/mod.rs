//! `cmo serve`: the CMO API v5 as a gateway in front of the configured carrier accounts, for a
//! NOC team (docs/deployment.md). Consoles and scripts connect with one `[[backend]] kind =
//! "CMO"` — the existing CMO adapter — and everything they do runs here, through the same
//! engine and gate the console uses: one pace per carrier account for every client, one
//! monitor poller, one audit journal naming each change's client and operator, custom
//! properties shared by everyone, and carrier secrets only on this host.
//!
//! | module | owns |
//! |---|---|
//! | `auth` | the OAuth2 client-credentials token endpoint, bearer tokens, roles, `X-Operator` |
//! | `routes` | the API's handlers: list, find, bundle and subproducts, PATCH, monitors, `/health` |
//! | `listing` | the shared listing snapshot pages are cut from |
//! | `render` | the normalized model as CMO JSON |
//! | `metrics` | `/metrics` (Prometheus text) |
//! | `tls` | rustls from the configured PEM cert/key |
//!
//! The wire pieces the CMO simulator speaks too (problems, paging, JSON Patch) come from
//! `crate::cmo_api`.

mod auth;
mod claims;
mod listing;
mod metrics;
mod render;
mod routes;
mod tls;

use crate::backends::registry;
use crate::cmo_api::{API_PREFIX, TOKEN_PATH};
use crate::config::Config;
use crate::domain::ProductId;
use crate::domain::health::HealthBoard;
use crate::engine::{Engine, Gate, MonitorPoller, PollerConfig};
use crate::store::{Operator, StoreError, StoreHandle};
use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use listing::SNAPSHOT_TTL;

/// How long a shutdown waits for changes in flight (each is journaled when it ends; one still
/// unanswered after this stays an open attempt, reconciled at the next start).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// How long a product read through the gateway vouches for its existence (custom property
/// edits of it need no carrier read).
const SEEN_FOR: Duration = Duration::from_secs(600);
const SEEN_MAX: usize = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Config(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("TLS: {0}")]
    Tls(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the gateway stopped: {0}")]
    Server(std::io::Error),
}

/// Changes being sent now; a shutdown waits until none is left.
#[derive(Default)]
pub(crate) struct Inflight {
    count: AtomicUsize,
    idle: Notify,
}

/// One change in flight; dropping it ends it.
pub(crate) struct Work(Arc<Inflight>);

impl Drop for Work {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl Inflight {
    pub(crate) fn enter(self: &Arc<Self>) -> Work {
        self.count.fetch_add(1, Ordering::SeqCst);
        Work(self.clone())
    }
    pub(crate) fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
    async fn drained(&self) {
        loop {
            let idle = self.idle.notified();
            if self.count() == 0 {
                return;
            }
            idle.await;
        }
    }
}

/// Products read through the gateway lately (bounded).
#[derive(Default)]
pub(crate) struct Seen(Mutex<HashMap<ProductId, Instant>>);

impl Seen {
    pub(crate) fn note(&self, id: &ProductId) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= SEEN_MAX {
            map.retain(|_, t| t.elapsed() < SEEN_FOR);
            if map.len() >= SEEN_MAX {
                map.clear();
            }
        }
        map.insert(id.clone(), Instant::now());
    }
    pub(crate) fn recent(&self, id: &ProductId) -> bool {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(id).is_some_and(|t| t.elapsed() < SEEN_FOR)
    }
}

/// What every handler shares.
pub(crate) struct Shared {
    pub tenant: String,
    /// The whole gateway refuses changes (`--read-only`, `read_only = true`).
    pub read_only: bool,
    /// The gate with the gateway's own operator; each request journals as its caller
    /// (`Gate::with_operator`).
    pub gate: Gate,
    pub store: StoreHandle,
    pub tokens: auth::Tokens,
    pub metrics: metrics::Metrics,
    pub listings: listing::Listings,
    pub inflight: Arc<Inflight>,
    pub seen: Seen,
}

/// What `cmo serve` runs with.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// `--listen`, else the config's `[serve] listen`, else [`crate::config::serve::DEFAULT_LISTEN`].
    pub listen: Option<SocketAddr>,
    /// Where the gateway's local files live, and its store unless `[store] url` names a
    /// PostgreSQL database.
    pub data_dir: PathBuf,
    /// The poller's intervals (tests shorten them).
    pub poller: PollerConfig,
    /// `--read-only` (or the config's `read_only = true`): every client's change is refused.
    pub read_only: bool,
}

/// A running gateway.
pub struct Gateway {
    addr: SocketAddr,
    tls: bool,
    shared: Arc<Shared>,
    stop: CancellationToken,
    server: JoinHandle<Result<(), ServeError>>,
    poller: (CancellationToken, JoinHandle<()>),
    claims: claims::AccountClaims,
}

/// Where to listen and whether that is allowed without TLS.
fn listen_addr(config: &Config, opts: &ServeOptions) -> Result<SocketAddr, ServeError> {
    let addr = match opts.listen.or(config.serve.listen) {
        Some(a) => a,
        None => crate::config::serve::DEFAULT_LISTEN
            .parse()
            .map_err(|e| ServeError::Config(format!("default listen address: {e}")))?,
    };
    if config.serve.tls.is_none() && !addr.ip().is_loopback() && !config.serve.allow_plain_http {
        return Err(ServeError::Config(format!(
            "refusing to serve plain HTTP on {addr}, which is not a loopback address: clients' \
             tokens and secrets would cross the network in clear. Set [serve] tls_cert and \
             tls_key, or allow_plain_http = true behind a TLS-terminating proxy"
        )));
    }
    Ok(addr)
}

impl Gateway {
    /// Check the configuration, open the store, reconcile changes an earlier run left open,
    /// start the monitor poller and listen. Fails before listening on any of those.
    pub async fn start(config: &Config, opts: ServeOptions) -> Result<Gateway, ServeError> {
        if config.serve.clients.is_empty() {
            return Err(ServeError::Config(
                "no [[serve.client]] is configured: nobody could connect (docs/deployment.md)"
                    .into(),
            ));
        }
        if config.backends.is_empty() {
            return Err(ServeError::Config(
                "no [[backend]] is configured: the gateway would serve nothing".into(),
            ));
        }
        let addr = listen_addr(config, &opts)?;
        let tls = match &config.serve.tls {
            Some((cert, key)) => Some(tls::server_config(cert, key)?),
            None => None,
        };
        // Bound before anything starts, so an address in use stops nothing half-started.
        let tcp = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let local = tcp
            .local_addr()
            .map_err(|source| ServeError::Bind { addr, source })?;
        let health = HealthBoard::new();
        let backends = registry::build_with_health(config, &health)
            .map_err(|e| ServeError::Config(e.to_string()))?;
        let engine = Engine::with_health(backends, health).with_max_pages(config.max_list_pages);
        let location = config
            .store
            .location(opts.data_dir.clone(), config.secret_cmd_timeout)?;
        let shared_store = location.is_postgres();
        let store = StoreHandle::open(location).await?;
        let owner = opts.poller.owner.clone();
        let lease = config.serve.lease;
        // One account, one replica (`claims.rs`): refused before anything polls or listens.
        let claims = claims::AccountClaims::claim(&store, &owner, &config.backends, lease).await?;
        let mut poller_config = PollerConfig {
            retention: config.monitor_retention,
            lease,
            ..opts.poller.clone()
        };
        if shared_store {
            // Leases are renewed at each rescan: three renewals per lease.
            poller_config.rescan_interval = poller_config.rescan_interval.min(lease / 3);
        }
        let poller = MonitorPoller::new(engine.clone(), store.clone(), poller_config);
        let operator = Operator {
            user: "cmo-serve".into(),
            ssh_client: None,
        };
        let gate = Gate::new(engine.clone(), store.clone(), operator)
            .with_max_batch(config.max_batch_size)
            .with_poller(poller.handle());
        // Changes an earlier run left "outcome unknown" are read at their carriers first.
        let open = gate.interrupted_attempts().await;
        if !open.is_empty() {
            let done = gate.reconcile(open).await;
            tracing::info!(?done, "gateway reconciled earlier attempts");
        }
        let poller_stop = CancellationToken::new();
        let poller_task = poller.start(poller_stop.clone());
        let shared = Arc::new(Shared {
            tenant: config.serve.tenant.clone(),
            read_only: opts.read_only || config.read_only,
            gate,
            store,
            tokens: auth::Tokens::new(config.serve.clients.clone(), config.serve.token_ttl),
            metrics: metrics::Metrics::default(),
            listings: listing::Listings::new(engine),
            inflight: Arc::new(Inflight::default()),
            seen: Seen::default(),
        });
        let app = router(shared.clone());
        let stop = CancellationToken::new();
        let graceful = stop.clone();
        let is_tls = tls.is_some();
        let server = match tls {
            Some(tls) => {
                let listener = tls::TlsListener::new(tcp, tls).map_err(ServeError::Server)?;
                let service = app.into_make_service_with_connect_info::<tls::Peer>();
                tokio::spawn(async move {
                    axum::serve(listener, service)
                        .with_graceful_shutdown(graceful.cancelled_owned())
                        .await
                        .map_err(ServeError::Server)
                })
            }
            None => {
                let service = app.into_make_service_with_connect_info::<tls::Peer>();
                tokio::spawn(async move {
                    axum::serve(tcp, service)
                        .with_graceful_shutdown(graceful.cancelled_owned())
                        .await
                        .map_err(ServeError::Server)
                })
            }
        };
        tracing::info!(addr = %local, tls = is_tls, tenant = %shared.tenant,
            clients = config.serve.clients.len(), accounts = config.backends.len(),
            "cmo serve listening");
        Ok(Gateway {
            addr: local,
            tls: is_tls,
            shared,
            stop,
            server,
            poller: (poller_stop, poller_task),
            claims,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API's base URL for a client's `[[backend]] base_url`.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!(
            "{scheme}://{}{API_PREFIX}/{}",
            self.addr, self.shared.tenant
        )
    }

    /// Every request answered so far.
    pub fn requests_total(&self) -> u64 {
        self.shared.metrics.requests_total()
    }

    /// Every token issued so far stops working; clients get a new one at their next 401.
    pub fn revoke_tokens(&self) {
        self.shared.tokens.revoke_all();
    }

    /// Stop: no new connections; requests in progress finish; changes in flight get
    /// [`SHUTDOWN_GRACE`] to answer and be journaled; then the poller stops.
    pub async fn shutdown(self) -> Result<(), ServeError> {
        tracing::info!(
            in_flight = self.shared.inflight.count(),
            "cmo serve stopping"
        );
        self.stop.cancel();
        let drained = tokio::time::timeout(SHUTDOWN_GRACE, self.shared.inflight.drained()).await;
        if drained.is_err() {
            tracing::warn!(
                left = self.shared.inflight.count(),
                "changes still unanswered after the grace stay open attempts (reconciled at the next start)"
            );
        }
        let served = match tokio::time::timeout(SHUTDOWN_GRACE, self.server).await {
            Ok(Ok(result)) => result,
            Ok(Err(e)) => Err(ServeError::Server(std::io::Error::other(e.to_string()))),
            Err(_) => {
                tracing::warn!("connections still open after the grace; closing them");
                Ok(())
            }
        };
        let (cancel, task) = self.poller;
        cancel.cancel();
        if tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .is_err()
        {
            tracing::warn!("the monitor poller did not stop within 5 s");
        }
        self.claims.release().await;
        tracing::info!("cmo serve stopped");
        served
    }
}

fn router(shared: Arc<Shared>) -> Router {
    let base = format!("{API_PREFIX}/{{tenant}}");
    let api = Router::new()
        .route(&format!("{base}/product"), get(routes::list))
        .route(&format!("{base}/product/find"), post(routes::find))
        .route(
            &format!("{base}/product/{{id}}"),
            get(routes::product).patch(routes::patch),
        )
        .route(&format!("{base}/monitor/{{id}}"), get(routes::monitor))
        .route_layer(middleware::from_fn_with_state(shared.clone(), auth::gate));
    Router::new()
        .route(TOKEN_PATH, post(auth::token))
        .route("/health", get(routes::health))
        .route("/metrics", get(metrics::render))
        .merge(api)
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            metrics::count,
        ))
        .with_state(shared)
}
