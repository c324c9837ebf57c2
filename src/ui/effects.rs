//! Runs `Effect`s: each becomes a tokio task that calls the `Engine` and sends the answer back
//! as a `Msg`. The UI task never awaits the network. A new listing aborts the previous one, so
//! its backends stop paging as soon as they notice the receiver is gone.

use super::effect::Effect;
use super::msg::Msg;
use crate::engine::Engine;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub struct EffectRunner {
    engine: Engine,
    tx: mpsc::Sender<Msg>,
    listing: Option<JoinHandle<()>>,
}

impl EffectRunner {
    pub fn new(engine: Engine, tx: mpsc::Sender<Msg>) -> Self {
        Self {
            engine,
            tx,
            listing: None,
        }
    }

    pub fn run(&mut self, effect: Effect) {
        let engine = self.engine.clone();
        let tx = self.tx.clone();
        match effect {
            Effect::LoadProducts { generation } => {
                if let Some(old) = self.listing.take() {
                    old.abort();
                }
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
            Effect::LoadDetail { generation, id } => {
                let (engine2, tx2, id2) = (engine.clone(), tx.clone(), id.clone());
                tokio::spawn(async move {
                    let result = engine
                        .product(&id)
                        .await
                        .map(Box::new)
                        .map_err(|e| e.to_string());
                    let _ = tx
                        .send(Msg::Product {
                            generation,
                            id,
                            result,
                        })
                        .await;
                });
                tokio::spawn(async move {
                    let result = engine2.usage(&id2).await.map_err(|e| e.to_string());
                    let _ = tx2
                        .send(Msg::Usage {
                            generation,
                            id: id2,
                            result,
                        })
                        .await;
                });
            }
            Effect::ChangeStatus { id, to } => {
                tokio::spawn(async move {
                    let result = engine
                        .change_status(&id, to)
                        .await
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::StatusChanged { id, to, result }).await;
                });
            }
            Effect::RefreshRow { id } => {
                tokio::spawn(async move {
                    let result = engine
                        .product(&id)
                        .await
                        .map(|p| p.summary)
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::RowRefreshed { id, result }).await;
                });
            }
            Effect::PollMonitor { monitor_id, after } => {
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    let result = engine.monitor(&monitor_id).await.map_err(|e| e.to_string());
                    let _ = tx.send(Msg::Monitor { monitor_id, result }).await;
                });
            }
            Effect::CancelMonitor { monitor_id } => {
                tokio::spawn(async move {
                    let result = engine
                        .cancel_monitor(&monitor_id)
                        .await
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::Monitor { monitor_id, result }).await;
                });
            }
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
