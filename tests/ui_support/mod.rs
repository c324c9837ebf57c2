//! What the console's render tests share: an engine over in-memory accounts, and an `App` fed
//! every listing of an engine account by account in a fixed order (whatever order the listing
//! tasks finish in), so snapshots do not depend on timing. Each test file uses part of it.
#![allow(dead_code)]

use cmo::backends::memory::MemoryBackend;
use cmo::backends::{Backend, Guarded};
use cmo::engine::{Engine, ListEvent};
use cmo::ui::action::Action;
use cmo::ui::app::App;
use cmo::ui::apply::apply;
use cmo::ui::msg::Msg;
use cmo::ui::update::update;
use std::sync::Arc;

/// An engine over in-memory accounts, each behind the guard as in the console.
pub fn memory_engine(accounts: Vec<MemoryBackend>) -> Engine {
    Engine::new(
        accounts
            .into_iter()
            .map(|b| Arc::new(Guarded::new(Arc::new(b))) as Arc<dyn Backend>)
            .collect(),
    )
}

/// An app of `width`×`height` fed every listing of `engine`, account by account.
pub async fn listed_app(engine: &Engine, width: u16, height: u16) -> App {
    let accounts = engine
        .accounts()
        .into_iter()
        .map(|a| (a.name, a.kind.as_str().to_string()))
        .collect();
    let mut app = App::new(accounts, Vec::new(), false);
    apply(&mut app, Action::Resize { width, height });
    apply(&mut app, Action::Refresh);
    for (account, result) in engine.list_all(None).await.expect("list") {
        let generation = app.list_generation;
        let event = ListEvent::Page {
            backend: account.name.clone(),
            items: result.expect("listing"),
            total: None,
        };
        update(&mut app, Msg::List { generation, event });
        let event = ListEvent::Done {
            backend: account.name,
            result: Ok(()),
        };
        update(&mut app, Msg::List { generation, event });
    }
    app
}
