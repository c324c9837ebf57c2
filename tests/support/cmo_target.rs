//! What the CMO adapter's contract tests (tests/cmo_contract/) run against: the CMO simulator,
//! or `cmo serve` in front of the TMSP, JASPER, 1NCE and INTELSAT simulators — the same tests,
//! so the gateway is held to the contract the adapter was written for. Each target gives a
//! read/write and a read-only client, its request counter, a way to expire every token, and
//! how it refuses an asynchronous change (the CMO simulator's operator lock; TMSP's fixed-term
//! tariffs behind the gateway).
#![allow(dead_code)]

use cmo::backends::Backend;
use cmo::backends::cmo::{ClientAuth, CmoBackend};
use cmo::config::{BackendConfig, Config};
use cmo::domain::health::HealthBoard;
use cmo::domain::{BackendKind, ProductSummary, Status};
use cmo::engine::PollerConfig;
use cmo::serve::{Gateway, ServeOptions};
use cmo::sim::{self, SimHandle, SimOptions};
use std::sync::Arc;
use std::time::Duration;

/// The CMO account name every contract test's client uses.
pub const TENANT_NAME: &str = "tenant-eos";
const GATEWAY_RW: &str = "contract-operator";
const GATEWAY_RO: &str = "contract-viewer";
const GATEWAY_SECRET: &str = "contract-secret-0123456789";
/// The platforms behind the gateway, JASPER first (tests look for one on the first page).
const BEHIND_GATEWAY: [&str; 4] = ["JASPER", "TMSP", "1NCE", "INTELSAT"];

pub struct Target {
    pub sims: SimHandle,
    pub gateway: Option<Gateway>,
    base_url: String,
    account_id: String,
    username: String,
    read_only_username: String,
    secret: String,
    /// Products the tenant lists.
    pub total: usize,
    _data: Option<tempfile::TempDir>,
}

impl Target {
    /// The CMO simulator itself.
    pub async fn simulator(size: usize, async_delay: Duration) -> Target {
        let sims = sim::start(SimOptions {
            size,
            async_delay,
            ..SimOptions::default()
        })
        .await
        .expect("simulators start");
        let p = sims.platform("CMO").expect("CMO simulated");
        Target {
            base_url: p.base_url.clone(),
            account_id: p.account_id.clone(),
            username: p.username.clone(),
            read_only_username: format!("{}{}", p.username, sim::cmo::READ_ONLY_SUFFIX),
            secret: p.secret.clone(),
            total: size,
            gateway: None,
            _data: None,
            sims,
        }
    }

    /// `cmo serve` (in-process, port 0) over four simulated platforms of `size` products each.
    pub async fn gateway(size: usize, async_delay: Duration) -> Target {
        let sims = sim::start(SimOptions {
            size,
            async_delay,
            ..SimOptions::default()
        })
        .await
        .expect("simulators start");
        let mut text = format!(
            "[serve]\ntenant = \"noc\"\n\n[[serve.client]]\nid = \"{GATEWAY_RW}\"\nrole = \"operator\"\nsecret = \"{GATEWAY_SECRET}\"\n\n[[serve.client]]\nid = \"{GATEWAY_RO}\"\nrole = \"read-only\"\nsecret = \"{GATEWAY_SECRET}\"\n"
        );
        for kind in BEHIND_GATEWAY {
            let p = sims.platform(kind).expect("simulated platform");
            text.push_str(&format!(
                "\n[[backend]]\nname = \"{}\"\nkind = \"{}\"\nbase_url = \"{}\"\naccount_id = \"{}\"\n[backend.auth]\nusername = \"{}\"\nsecret = \"{}\"\n",
                p.name, p.kind, p.base_url, p.account_id, p.username, p.secret
            ));
        }
        let config = Config::from_toml_str(&text, "gateway").expect("gateway config");
        let data = tempfile::tempdir().expect("tempdir");
        let gateway = Gateway::start(
            &config,
            ServeOptions {
                listen: Some("127.0.0.1:0".parse().unwrap()),
                data_dir: data.path().to_path_buf(),
                poller: PollerConfig::default(),
                read_only: false,
            },
        )
        .await
        .expect("cmo serve starts");
        Target {
            base_url: gateway.base_url(),
            account_id: "noc".into(),
            username: GATEWAY_RW.into(),
            read_only_username: GATEWAY_RO.into(),
            secret: GATEWAY_SECRET.into(),
            total: size * BEHIND_GATEWAY.len(),
            gateway: Some(gateway),
            _data: Some(data),
            sims,
        }
    }

    pub fn is_gateway(&self) -> bool {
        self.gateway.is_some()
    }

    /// A client's `[[backend]]` for this target, with `secret` (default: the right one).
    pub fn config(&self, read_only: bool, secret: Option<&str>) -> BackendConfig {
        let username = if read_only {
            &self.read_only_username
        } else {
            &self.username
        };
        let text = format!(
            "[[backend]]\nname = \"{TENANT_NAME}\"\nkind = \"CMO\"\nbase_url = \"{}\"\naccount_id = \"{}\"\n[backend.auth]\nusername = \"{username}\"\nsecret = \"{}\"\n",
            self.base_url,
            self.account_id,
            secret.unwrap_or(&self.secret)
        );
        Config::from_toml_str(&text, "test")
            .expect("config")
            .backends
            .remove(0)
    }

    pub fn adapter(&self, auth: ClientAuth, read_only: bool) -> Arc<CmoBackend> {
        self.adapter_with(auth, read_only, None)
    }

    pub fn adapter_with(
        &self,
        auth: ClientAuth,
        read_only: bool,
        secret: Option<&str>,
    ) -> Arc<CmoBackend> {
        Arc::new(
            CmoBackend::with_client_auth(&self.config(read_only, secret), auth, HealthBoard::new())
                .expect("builds"),
        )
    }

    /// Every request the CMO side (simulator or gateway) has answered.
    pub fn requests_total(&self) -> u64 {
        match &self.gateway {
            Some(g) => g.requests_total(),
            None => self.cmo_control().requests_total(),
        }
    }

    /// Every token issued so far stops working.
    pub fn expire_tokens(&self) {
        match &self.gateway {
            Some(g) => g.revoke_tokens(),
            None => self.cmo_control().expire_tokens_now(),
        }
    }

    fn cmo_control(&self) -> &cmo::sim::FaultControl {
        &self.sims.platform("CMO").expect("CMO simulated").control
    }

    /// Whether the platform will refuse an asynchronous change of `s` to `to` (so the monitor
    /// ends InError): the CMO simulator's operator lock (shown on the SIM card), or behind the
    /// gateway a TMSP tariff that does not allow a suspension.
    pub async fn refuses(&self, b: &dyn Backend, s: &ProductSummary, to: Status) -> bool {
        if self.is_gateway() {
            if s.id.kind != BackendKind::Tmsp || to != Status::Suspended {
                return false;
            }
            let product = b.product(&s.id.business()).await.unwrap();
            return product
                .product_offering
                .as_deref()
                .and_then(cmo::sim::tmsp::inventory::offering)
                .is_some_and(|o| !o.allows_suspension);
        }
        let sim = b.sim_card(&s.id.business()).await.unwrap();
        sim.characteristics
            .iter()
            .any(|c| c.name == "operatorLock" && c.value == "true")
    }

    /// A word the refusal's reason carries.
    pub fn refusal_word(&self) -> &'static str {
        if self.is_gateway() {
            "does not allow"
        } else {
            "locked"
        }
    }
}
