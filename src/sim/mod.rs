//! Carrier simulators: each platform's wire API served by axum on loopback, for `--demo`,
//! `cmo simulate`, adapter contract tests and benchmarks.
//!
//! The simulators model the carriers' documented APIs (`docs/simulators.md`), not our client:
//! this module imports nothing from `backends`, `engine`, `ui` or the status-mapping tables, so
//! a mistake shared by an adapter and a simulator cannot hide. Native statuses are plain strings.
//!
//! Adding a platform is one module exposing a [`PlatformSpec`] plus one line in [`PLATFORMS`].
//! Inventories are generated lazily from `(seed, index)`; only mutations are stored, so a
//! platform of a million SIMs costs next to nothing until it is changed.

pub mod aeris;
pub mod airlinq;
pub mod basic;
pub mod cellular;
pub mod cmo;
mod config_out;
pub mod control_center;
pub mod faults;
pub mod galaxy1;
pub mod intelsat;
pub mod inventory;
pub mod jobs;
pub mod onence;
pub mod ratelimit;
mod server;
pub mod status_book;
pub mod stc;
pub mod tmsp;
pub mod tokens;
pub mod turkcell;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use faults::{BulkFaults, FaultControl, FaultRates, FaultSpec, FaultSpecError, SimStats};

/// Where every platform's server answers its request counters (`SimStats` as JSON), outside
/// its API: no auth, no faults, not counted.
pub const STATS_PATH: &str = "/_sim/stats";

/// Every simulated platform, in start order (ports are assigned in this order).
const PLATFORMS: &[PlatformSpec] = &[
    onence::SPEC,
    tmsp::SPEC,
    aeris::SPEC,
    control_center::TMUS,
    control_center::JASPER,
    intelsat::SPEC,
    galaxy1::SPEC,
    airlinq::SPEC,
    stc::SPEC,
    turkcell::SPEC,
    cmo::SPEC,
];

/// How to run the simulators.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Address to listen on (default 127.0.0.1).
    pub listen: IpAddr,
    /// 0: an ephemeral port per platform; otherwise the first port, one per platform in order.
    pub port: u16,
    /// Products per platform (default 300; a million works: rows are generated lazily).
    pub size: usize,
    pub seed: u64,
    /// How long asynchronous platform jobs stay pending.
    pub async_delay: Duration,
    pub faults: Vec<FaultSpec>,
    /// Overrides each platform's token lifetime (carrier default otherwise).
    pub token_ttl: Option<Duration>,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            listen: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            size: 300,
            seed: 1,
            async_delay: Duration::from_secs(2),
            faults: Vec::new(),
            token_ttl: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("fault target {target:?} matches no simulated platform (known: {known})")]
    UnknownFaultTarget { target: String, known: String },
    #[error("simulator size {size} exceeds the {kind} inventory capacity of {max}")]
    SizeTooLarge {
        size: usize,
        kind: &'static str,
        max: u64,
    },
    #[error("port {port} + {count} platforms exceeds 65535")]
    PortRange { port: u16, count: usize },
}

/// One running simulated platform and how to reach it.
#[derive(Debug, Clone)]
pub struct SimPlatform {
    /// Backend name for the config, e.g. `1nce-demo`.
    pub name: String,
    /// Platform kind, e.g. `1NCE`.
    pub kind: &'static str,
    /// Base URL including the API's path prefix, e.g. `http://127.0.0.1:PORT/management-api`.
    pub base_url: String,
    /// Where the platform's request counters are served (`STATS_PATH`).
    pub stats_url: String,
    pub account_id: String,
    pub username: String,
    pub secret: String,
    pub control: Arc<FaultControl>,
}

/// The running simulators. Dropping it stops them; [`SimHandle::shutdown`] also waits.
#[derive(Debug)]
pub struct SimHandle {
    pub platforms: Vec<SimPlatform>,
    shutdown: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

/// What a platform module declares: its kind, backend name, inventory capacity and builder.
pub struct PlatformSpec {
    pub kind: &'static str,
    pub name: &'static str,
    /// Largest inventory the platform's numbering can hold.
    pub capacity: u64,
    pub build: fn(PlatformContext) -> PlatformApp,
}

/// What the framework hands a platform builder.
#[derive(Debug, Clone)]
pub struct PlatformContext {
    /// Seed for this platform (derived from the run seed and the kind).
    pub seed: u64,
    pub size: u64,
    pub async_delay: Duration,
    pub token_ttl: Option<Duration>,
    pub control: Arc<FaultControl>,
}

/// A built platform: its routes (absolute paths) and the credentials it accepts.
pub struct PlatformApp {
    pub router: Router,
    /// Path prefix of the API, appended to `http://host:port` to form the base URL.
    pub base_path: &'static str,
    pub account_id: String,
    pub username: String,
    pub secret: String,
}

/// Starts every simulated platform, each on its own port.
pub async fn start(opts: SimOptions) -> Result<SimHandle, SimError> {
    let known = || {
        PLATFORMS
            .iter()
            .map(|p| p.kind)
            .collect::<Vec<_>>()
            .join(", ")
    };
    for spec in &opts.faults {
        if !PLATFORMS.iter().any(|p| spec.matches(p.name, p.kind)) {
            return Err(SimError::UnknownFaultTarget {
                target: spec.target.clone(),
                known: known(),
            });
        }
    }
    if opts.port != 0 && usize::from(opts.port) + PLATFORMS.len() > 65_536 {
        return Err(SimError::PortRange {
            port: opts.port,
            count: PLATFORMS.len(),
        });
    }
    if let Some(p) = PLATFORMS.iter().find(|p| opts.size as u64 > p.capacity) {
        return Err(SimError::SizeTooLarge {
            size: opts.size,
            kind: p.kind,
            max: p.capacity,
        });
    }

    let mut handle = SimHandle {
        platforms: Vec::new(),
        shutdown: CancellationToken::new(),
        tasks: Vec::new(),
    };
    for (offset, spec) in PLATFORMS.iter().enumerate() {
        let port = if opts.port == 0 {
            0
        } else {
            opts.port + offset as u16
        };
        let platform = start_platform(spec, &opts, port, &mut handle).await?;
        handle.platforms.push(platform);
    }
    Ok(handle)
}

async fn start_platform(
    spec: &PlatformSpec,
    opts: &SimOptions,
    port: u16,
    handle: &mut SimHandle,
) -> Result<SimPlatform, SimError> {
    let seed = inventory::mix64(opts.seed ^ inventory::str_hash(spec.kind));
    let control = Arc::new(FaultControl::new(
        seed ^ 0xFA17,
        handle.shutdown.child_token(),
    ));
    for fault in opts
        .faults
        .iter()
        .filter(|f| f.matches(spec.name, spec.kind))
    {
        control.apply(fault);
    }
    let app = (spec.build)(PlatformContext {
        seed,
        size: opts.size as u64,
        async_delay: opts.async_delay,
        token_ttl: opts.token_ttl,
        control: control.clone(),
    });
    let addr = SocketAddr::new(opts.listen, port);
    let bind_error = |source| SimError::Bind { addr, source };
    let tcp = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(bind_error)?;
    let listener = server::SimListener::new(tcp, &control).map_err(bind_error)?;
    let local = axum::serve::Listener::local_addr(&listener).map_err(bind_error)?;
    let stats_control = control.clone();
    let router = app
        .router
        .layer(axum::middleware::from_fn_with_state(
            control.clone(),
            server::count_requests,
        ))
        .route(
            STATS_PATH,
            axum::routing::get(move || {
                let control = stats_control.clone();
                async move { axum::Json(control.stats()) }
            }),
        );
    let stop = handle.shutdown.clone();
    handle.tasks.push(tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(stop.cancelled_owned())
            .await;
        if let Err(error) = served {
            tracing::warn!(%error, "simulator server stopped");
        }
    }));
    tracing::info!(kind = spec.kind, %local, "simulator listening");
    Ok(SimPlatform {
        name: spec.name.to_string(),
        kind: spec.kind,
        base_url: format!("http://{}{}", url_host(local), app.base_path),
        stats_url: format!("http://{}{STATS_PATH}", url_host(local)),
        account_id: app.account_id,
        username: app.username,
        secret: app.secret,
        control,
    })
}

/// The `host:port` clients should dial: a wildcard listen address is reached via loopback.
fn url_host(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => format!("127.0.0.1:{}", addr.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => format!("[::1]:{}", addr.port()),
        _ => addr.to_string(),
    }
}

impl SimHandle {
    /// The platform with this backend name or kind.
    pub fn platform(&self, name_or_kind: &str) -> Option<&SimPlatform> {
        self.platforms
            .iter()
            .find(|p| p.name == name_or_kind || p.kind.eq_ignore_ascii_case(name_or_kind))
    }

    /// Stops every server and waits for them to finish.
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
