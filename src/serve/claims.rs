//! One carrier account, one replica: with a shared PostgreSQL store each `cmo serve` replica
//! claims the carrier accounts it is configured with before it listens, and renews the claims
//! (a heartbeat) every third of `[serve] lease`. A second live replica configured with the same
//! account refuses to start, naming the account and the replica holding it; a killed replica's
//! claims expire after `lease`, and the next replica to start takes them. So every account's
//! pace (N requests in any second) is kept by exactly one process (docs/deployment.md).
//! With the embedded SQLite store every claim is granted: one file, one gateway.

use crate::config::BackendConfig;
use crate::store::{StoreError, StoreHandle};
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A claimed account: its stable key (kind, carrier URL and account id — what the carrier
/// paces by) and its configured name for messages.
#[derive(Debug, Clone)]
struct Claim {
    key: String,
    label: String,
}

pub(crate) struct AccountClaims {
    store: StoreHandle,
    owner: String,
    claims: Vec<Claim>,
    stop: CancellationToken,
    heartbeat: Option<JoinHandle<()>>,
}

impl AccountClaims {
    /// Claim every configured account for `owner`; the first one another live replica holds
    /// stops the start ([`StoreError::AccountClaimed`]) and the ones taken so far are released.
    pub(crate) async fn claim(
        store: &StoreHandle,
        owner: &str,
        backends: &[BackendConfig],
        lease: Duration,
    ) -> Result<AccountClaims, StoreError> {
        let claims: Vec<Claim> = backends
            .iter()
            .map(|b| Claim {
                key: format!("{}|{}|{}", b.kind, b.base_url, b.account_id),
                label: b.name.clone(),
            })
            .collect();
        for (i, c) in claims.iter().enumerate() {
            if let Err(e) = store.account_claim(&c.key, &c.label, owner, lease).await {
                for taken in &claims[..i] {
                    let _ = store.account_release(&taken.key, owner).await;
                }
                return Err(e);
            }
        }
        let mut me = AccountClaims {
            store: store.clone(),
            owner: owner.to_string(),
            claims,
            stop: CancellationToken::new(),
            heartbeat: None,
        };
        me.heartbeat = Some(tokio::spawn(heartbeat(
            me.store.clone(),
            me.owner.clone(),
            me.claims.clone(),
            lease,
            me.stop.clone(),
        )));
        Ok(me)
    }

    /// Stop the heartbeat and give the accounts up, so another replica can take them at once.
    pub(crate) async fn release(mut self) {
        self.stop.cancel();
        if let Some(task) = self.heartbeat.take() {
            let _ = task.await;
        }
        for c in &self.claims {
            if let Err(e) = self.store.account_release(&c.key, &self.owner).await {
                tracing::warn!(account = %c.label, error = %e, "account claim not released; it expires after the lease");
            }
        }
    }
}

/// Renew every claim each third of the lease. A claim lost meanwhile (this process stalled
/// past its lease and another replica took the account) is logged as an error: two replicas
/// then pace that account until this one is stopped.
async fn heartbeat(
    store: StoreHandle,
    owner: String,
    claims: Vec<Claim>,
    lease: Duration,
    stop: CancellationToken,
) {
    let mut every = tokio::time::interval((lease / 3).max(Duration::from_millis(100)));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = every.tick() => {}
        }
        for c in &claims {
            match store.account_claim(&c.key, &c.label, &owner, lease).await {
                Ok(()) => {}
                Err(e @ StoreError::AccountClaimed { .. }) => {
                    tracing::error!(account = %c.label, error = %e, "this replica lost its account claim; stop it")
                }
                Err(e) => {
                    tracing::warn!(account = %c.label, error = %e, "account claim not renewed; retrying")
                }
            }
        }
    }
}
