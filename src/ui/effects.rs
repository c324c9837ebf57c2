//! Runs `Effect`s: each becomes a tokio task that calls the engine (reads), the gate (every
//! mutation: status, batch, attributes, monitor cancel) or the store, and sends the answer back
//! as a `Msg`. The UI task never awaits the network or the disk. A new listing aborts the
//! previous one, so its backends stop paging as soon as they notice the receiver is gone.

use super::effect::Effect;
use super::msg::{BatchCost, BatchLine, Msg};
use crate::domain::ProductSummary;
use crate::engine::ChangeOutcome;
use crate::engine::LocalData;
use crate::engine::{Engine, Gate};
use std::collections::HashMap;
use std::future::Future;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub struct EffectRunner {
    engine: Engine,
    gate: Gate,
    store: LocalData,
    tx: mpsc::Sender<Msg>,
    listing: Option<JoinHandle<()>>,
    /// The one task writing the product cache, so pages and commits reach the store in order.
    cache_writes: mpsc::UnboundedSender<CacheWrite>,
}

/// Rows in the first `Msg::Cached` chunk: more than any screen shows, so the first frame has
/// its rows while the rest is still being read.
pub const CACHE_FIRST: usize = 256;
/// Rows in every later chunk. Folding one into a million held rows costs about a chunk's worth
/// of row comparisons (sort, then gallop into the view): 16,384 rows took 56–79 ms on the loaded
/// 2-core VM (docs/performance.md), so chunks are an eighth of that, a few milliseconds each.
pub const CACHE_CHUNK: usize = 2_048;

/// A product cache write, in listing order.
enum CacheWrite {
    Page {
        backend: String,
        generation: u64,
        rows: Vec<ProductSummary>,
    },
    Commit {
        backend: String,
        generation: u64,
    },
    /// Answered once every earlier write is done.
    Flush(tokio::sync::oneshot::Sender<()>),
}

/// Writes cache pages and commits one at a time. A backend's first page of a new listing
/// generation restarts its staging (dropping what a failed or aborted listing left); a
/// commit of a listing that staged nothing forgets the backend's rows.
async fn write_cache(store: LocalData, mut writes: mpsc::UnboundedReceiver<CacheWrite>) {
    let mut staged: HashMap<String, u64> = HashMap::new();
    while let Some(write) = writes.recv().await {
        let (backend, result) = match write {
            CacheWrite::Flush(done) => {
                let _ = done.send(());
                continue;
            }
            CacheWrite::Page {
                backend,
                generation,
                rows,
            } => {
                let restart = staged.get(&backend) != Some(&generation);
                staged.insert(backend.clone(), generation);
                let result = store.cache_stage(backend.clone(), restart, rows).await;
                (backend, result)
            }
            CacheWrite::Commit {
                backend,
                generation,
            } => {
                let mut result = Ok(0);
                if staged.remove(&backend) != Some(generation) {
                    result = store.cache_stage(backend.clone(), true, Vec::new()).await;
                }
                if result.is_ok() {
                    result = store.cache_commit(backend.clone()).await;
                }
                (backend, result)
            }
        };
        if let Err(e) = result {
            tracing::warn!(backend, error = %e, "the product cache was not updated");
        }
    }
}

impl EffectRunner {
    pub fn new(engine: Engine, gate: Gate, store: LocalData, tx: mpsc::Sender<Msg>) -> Self {
        let (cache_writes, writes) = mpsc::unbounded_channel();
        tokio::spawn(write_cache(store.clone(), writes));
        Self {
            engine,
            gate,
            store,
            tx,
            listing: None,
            cache_writes,
        }
    }

    /// Wait until every product cache write asked for so far has reached the store (the
    /// memory example measures after it; the console never waits).
    pub async fn cache_written(&self) {
        let (done, written) = tokio::sync::oneshot::channel();
        if self.cache_writes.send(CacheWrite::Flush(done)).is_ok() {
            let _ = written.await;
        }
    }

    /// Spawn `work` and send the message it yields.
    fn send(&self, work: impl Future<Output = Msg> + Send + 'static) {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(work.await).await;
        });
    }

    pub fn run(&mut self, effect: Effect) {
        let (engine, gate, store) = (self.engine.clone(), self.gate.clone(), self.store.clone());
        match effect {
            Effect::LoadProducts { generation } => {
                if let Some(old) = self.listing.take() {
                    old.abort();
                }
                let tx = self.tx.clone();
                self.listing = Some(tokio::spawn(async move {
                    let mut rx = match engine.stream_products(None) {
                        Ok(rx) => rx,
                        Err(e) => {
                            let error = e.to_string();
                            let _ = tx.send(Msg::ListFailed { generation, error }).await;
                            return;
                        }
                    };
                    while let Some(event) = rx.recv().await {
                        if tx.send(Msg::List { generation, event }).await.is_err() {
                            return;
                        }
                    }
                }));
            }
            Effect::LoadCache => {
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let mut chunks = store.cache_stream(CACHE_FIRST, CACHE_CHUNK);
                    while let Some(chunk) = chunks.recv().await {
                        let msg = Msg::Cached(
                            chunk
                                .map(|rows| rows.into_iter().map(|c| c.summary).collect())
                                .map_err(|e| e.to_string()),
                        );
                        if tx.send(msg).await.is_err() {
                            return;
                        }
                    }
                });
            }
            Effect::CachePage {
                backend,
                generation,
                rows,
            } => {
                let write = CacheWrite::Page {
                    backend,
                    generation,
                    rows,
                };
                if self.cache_writes.send(write).is_err() {
                    tracing::warn!("the product cache writer stopped; the cache was not updated");
                }
            }
            Effect::CacheCommit {
                backend,
                generation,
            } => {
                let write = CacheWrite::Commit {
                    backend,
                    generation,
                };
                if self.cache_writes.send(write).is_err() {
                    tracing::warn!("the product cache writer stopped; the cache was not updated");
                }
            }
            Effect::LoadAttrIndex => self.send(async move {
                Msg::AttrIndex(store.attrs_all().await.map_err(|e| e.to_string()))
            }),
            Effect::LoadHistory => {
                let path = history_path(&store);
                self.send(async move {
                    let lines = tokio::task::spawn_blocking(move || read_history(&path))
                        .await
                        .unwrap_or_default();
                    Msg::History(lines)
                });
            }
            Effect::SaveHistory { lines } => {
                let path = history_path(&store);
                tokio::task::spawn_blocking(move || {
                    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
                    if let Err(e) = std::fs::write(&path, text) {
                        tracing::warn!(path = %path.display(), error = %e, "the command history was not saved");
                    }
                });
            }
            Effect::Export { path, rows } => self.send(async move {
                let target = path.clone();
                let result = tokio::task::spawn_blocking(move || {
                    let refs: Vec<&crate::domain::ProductSummary> = rows.iter().collect();
                    crate::export::export_to_file(&target, &refs).map_err(|e| e.to_string())
                })
                .await
                .unwrap_or_else(|e| Err(format!("the export stopped: {e}")));
                Msg::Exported { path, result }
            }),
            // The runtime carries these out itself (they touch the terminal and the theme).
            Effect::Copy { .. } | Effect::SetTheme { .. } => {
                tracing::warn!("a terminal effect reached the effect runner; ignored");
            }
            Effect::LoadDetail { generation, id } => {
                // One read of the bundle: it carries the usage, so usage is not asked again.
                let attrs_id = id.clone();
                // The bundle with its session state (one read where the bundle already holds
                // it: 1NCE, Intelsat), and the quotas a platform serves apart (1NCE), together.
                let tx = self.tx.clone();
                self.send(async move {
                    let (read, allowances) =
                        tokio::join!(engine.product_with_session(&id), engine.allowances(&id));
                    let (mut result, session) = match read {
                        Ok(read) => (Ok(read.product), read.session.map_err(|e| e.to_string())),
                        Err(e) => {
                            let why = e.to_string();
                            (Err(e), Err(why))
                        }
                    };
                    let _ = tx
                        .send(Msg::Session {
                            generation,
                            id: id.clone(),
                            result: session,
                        })
                        .await;
                    if let Ok(p) = &mut result
                        && let Some(usage) = &mut p.usage
                    {
                        super::effects_usage::merge_allowances(&id, usage, allowances);
                        let account = p.summary.related_party.name.clone();
                        super::effects_usage::record_and_fill(&store, &account, &id, usage).await;
                    }
                    let result = result.map(Box::new).map_err(|e| e.to_string());
                    Msg::Product {
                        generation,
                        id,
                        result,
                    }
                });
                self.run(Effect::LoadAttrs {
                    generation,
                    id: attrs_id,
                });
            }
            Effect::LoadUsage { generation, id } => self.send(async move {
                let result = match engine.usage_with_account(&id).await {
                    Ok((account, mut usage)) => {
                        super::effects_usage::record_and_fill(&store, &account, &id, &mut usage)
                            .await;
                        Ok(usage)
                    }
                    Err(e) => Err(e.to_string()),
                };
                Msg::Usage {
                    generation,
                    id,
                    result,
                }
            }),
            Effect::LoadAttrs { generation, id } => self.send(async move {
                let result = gate
                    .attrs_list_at(&id, None)
                    .await
                    .map_err(|e| e.to_string());
                Msg::Attrs {
                    generation,
                    id,
                    result,
                }
            }),
            Effect::ChangeStatus { id, to, seen } => self.send(async move {
                let result = match seen {
                    Some(seen) => gate.change_status_seen(&id, seen, to).await,
                    None => gate.change_status(&id, to).await,
                };
                let result = result.map_err(|e| e.to_string());
                Msg::StatusChanged { id, to, result }
            }),
            Effect::BatchStatus { ids, to } => self.send(async move {
                // The console has no stop for a batch: it runs to its end (bulk re-reads too).
                let never = tokio_util::sync::CancellationToken::new();
                let result = gate
                    .batch_status_until(&ids, to, &never, std::time::Duration::ZERO)
                    .await
                    .map_err(|e| e.to_string());
                let cost = result
                    .as_ref()
                    .map_or(BatchCost::default(), |run| BatchCost {
                        requests: run.requests,
                        bulk: run.bulk,
                    });
                let lines = result.map(|run| {
                    run.items
                        .into_iter()
                        .map(|item| BatchLine {
                            id: item.id,
                            from: item.from,
                            result: match item.result {
                                Ok(ChangeOutcome::Done { .. }) => Ok(None),
                                Ok(ChangeOutcome::Pending(m)) => Ok(Some(m.id)),
                                Err(e) => Err(e.to_string()),
                            },
                        })
                        .collect()
                });
                Msg::BatchDone {
                    to,
                    result: lines,
                    cost,
                }
            }),
            Effect::RefreshRow { id } => self.send(async move {
                let result = engine.product(&id).await;
                let result = result.map(|p| p.summary).map_err(|e| e.to_string());
                Msg::RowRefreshed { id, result }
            }),
            Effect::LoadUsageLevels => self.send(super::effects_usage::levels(store)),
            Effect::LoadAccountUsage { accounts } => {
                self.send(super::effects_usage::accounts(store, accounts))
            }
            Effect::LoadMonitors => self.send(async move {
                Msg::Monitors(store.monitors_list().await.map_err(|e| e.to_string()))
            }),
            Effect::CancelMonitor { monitor_id } => self.send(async move {
                let result = gate
                    .cancel_monitor(&monitor_id)
                    .await
                    .map_err(|e| e.to_string());
                Msg::MonitorCancelled { monitor_id, result }
            }),
            Effect::SetAttr { id, name, value } => self.send(async move {
                let result = gate.attrs_set(&id, &name, &value).await;
                let what = format!("set of {name}");
                let result = result.map_err(|e| e.to_string());
                Msg::AttrChanged { id, what, result }
            }),
            Effect::RenameAttr { id, old, new } => self.send(async move {
                let result = gate.attrs_rename(&id, &old, &new).await;
                let what = format!("rename of {old}");
                let result = result.map_err(|e| e.to_string());
                Msg::AttrChanged { id, what, result }
            }),
            Effect::DeleteAttr { id, name } => self.send(async move {
                let result = gate.attrs_delete(&id, &name).await;
                let what = format!("delete of {name}");
                let result = result.map_err(|e| e.to_string());
                Msg::AttrChanged { id, what, result }
            }),
            Effect::LoadAudit { generation } => self.send(async move {
                // Records, not bare entries: changes whose outcome is unknown (an interrupted
                // write-ahead attempt) are shown too, with `outcome unknown` as their result.
                let result = store.audit_entries().await.map_err(|e| e.to_string());
                Msg::Audit { generation, result }
            }),
            Effect::UpdateCharacteristics { id, changes } => self.send(async move {
                let result = gate
                    .update_characteristics(&id, &changes)
                    .await
                    .map(|outcome| match outcome {
                        ChangeOutcome::Done { .. } => None,
                        ChangeOutcome::Pending(m) => Some(m.id),
                    })
                    .map_err(|e| e.to_string());
                Msg::CharacteristicsUpdated { id, result }
            }),
            Effect::Find { id } => self.send(async move {
                let (found, missing) = engine.find(std::slice::from_ref(&id)).await;
                // Found nowhere is an empty answer; a backend that failed is the error shown.
                let failure = missing
                    .into_iter()
                    .map(|(_, e)| e)
                    .find(|e| !matches!(e, crate::engine::BackendError::NotFound { .. }));
                let result = match failure {
                    _ if !found.is_empty() => Ok(found.into_iter().map(|p| p.summary).collect()),
                    Some(e) => Err(e.to_string()),
                    None => Ok(Vec::new()),
                };
                Msg::Found { id, result }
            }),
        }
    }
}

impl Drop for EffectRunner {
    fn drop(&mut self) {
        if let Some(listing) = self.listing.take() {
            listing.abort();
        }
    }
}

/// The `:` history file, beside the store in the data dir.
fn history_path(store: &LocalData) -> std::path::PathBuf {
    store.data_dir().join("command_history")
}

/// The kept history, oldest first; a missing or unreadable file is an empty history. Lines are
/// sanitized: the file is ours, but a line is drawn on the terminal.
fn read_history(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .map(|text| {
            text.lines()
                .map(crate::text::sanitize)
                .filter(|l| !l.trim().is_empty())
                .collect()
        })
        .unwrap_or_default()
}
