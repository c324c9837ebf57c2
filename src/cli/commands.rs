//! The headless product reads: `products get|find` and the subproduct gets (`sim-card`,
//! `terminal`, `connectivity`, `usage`). Each takes already-parsed input, calls the engine,
//! prints text or JSON, and returns the exit code. `products get`, `sim-card get` and
//! `terminal get` also show the product's custom attributes from their home — the CMO server
//! for a product a CMO account holds, else the local store (opened only then, after the
//! carrier answered). Changes live in `change.rs`, `attrs.rs`, `batch.rs`.

use super::args::Format;
use super::demo::Session;
use super::error::{CliError, exit};
use super::{json, list, network_session, output, text};
use crate::domain::{BusinessId, CustomAttribute, ProductId, Usage};

/// Which subproduct a `… get ID` command shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subproduct {
    SimCard,
    Terminal,
    Connectivity,
    Usage,
}

/// The product's custom attributes from their home: the CMO server for a product held by a
/// CMO account, else the local store.
async fn custom(session: &Session, id: &ProductId) -> Result<Vec<CustomAttribute>, CliError> {
    let gate = session.local.gate(session.engine.clone()).await?;
    Ok(gate.attrs_list(id, None).await?)
}

pub async fn product_get(
    session: &Session,
    id: &ProductId,
    as_json: bool,
) -> Result<i32, CliError> {
    let mut product = session.engine.product(id).await?;
    product.custom = custom(session, id).await?;
    if as_json {
        output::json(&json::product(&product))?;
    } else {
        output::stdout(&text::product(&product))?;
    }
    Ok(exit::OK)
}

/// `products find`: every id is looked for on every backend; ids found nowhere are reported
/// (in `errors[]` with `--json`, as stderr lines otherwise) and set the exit code. CSV rows get
/// the local store's attributes like `products list` (there is no `customProperty` elsewhere).
pub async fn products_find(
    session: &Session,
    ids: &[BusinessId],
    format: Format,
) -> Result<i32, CliError> {
    let engine = &session.engine;
    let (found, missing) = engine.find(ids).await;
    if format == Format::Json {
        output::json(&json::find(&found, &missing))?;
    } else {
        let mut summaries: Vec<_> = found.iter().map(|p| p.summary.clone()).collect();
        if format == Format::Csv {
            let local = list::local_attrs(&session.local).await?;
            engine.merge_local_attrs(&mut summaries, &local);
            list::csv(&summaries)?;
        } else {
            output::stdout(&text::products(&summaries))?;
        }
        for (_, e) in &missing {
            output::stderr_line(&CliError::Backend(e.clone()).line());
        }
    }
    // The most specific failure decides: not found (4) unless a backend failed outright (1).
    let code = missing
        .iter()
        .map(|(_, e)| e.exit_code())
        .min_by_key(|c| if *c == exit::RUNTIME { 0 } else { *c })
        .unwrap_or(exit::OK);
    Ok(code)
}

pub async fn subproduct_get(
    session: &Session,
    what: Subproduct,
    id: &ProductId,
    as_json: bool,
) -> Result<i32, CliError> {
    let engine = &session.engine;
    let (doc, shown) = match what {
        Subproduct::SimCard => {
            let sim = engine.sim_card(id).await?;
            let custom = custom(session, id).await?;
            (json::sim_card(id, &sim, &custom), text::sim_card(&sim))
        }
        Subproduct::Terminal => {
            let t = engine.terminal(id).await?;
            let custom = custom(session, id).await?;
            (json::terminal(id, &t, &custom), text::terminal(&t))
        }
        Subproduct::Connectivity => {
            // The session state is one more call, made alongside (the account's pace orders
            // both); a platform without session data answers `None` without a request.
            let (dc, session) =
                tokio::join!(engine.data_connectivity(id), engine.session_state(id));
            let (dc, session) = (dc?, session?);
            let mut shown = text::data_connectivity(&dc);
            shown.push_str(&network_session::text(
                id.kind,
                session.as_ref(),
                chrono::Utc::now(),
            ));
            (
                network_session::with_session(json::data_connectivity(id, &dc), session.as_ref()),
                shown,
            )
        }
        Subproduct::Usage => {
            let (account, usage) = engine.usage_with_account(id).await?;
            record_usage(session, &account, id, &usage).await;
            let volumes = json::usage_volumes(id, &usage);
            let n = volumes.len() as u64;
            (json::list(volumes, 1, n, Some(n)), text::usage(&usage))
        }
    };
    if as_json {
        output::json(&doc)?;
    } else {
        output::stdout(&shown)?;
    }
    Ok(exit::OK)
}

/// Keep the reading in the usage history (docs/store.md); a store that cannot be opened or
/// written costs only the history, never the command.
async fn record_usage(session: &Session, account: &str, id: &ProductId, usage: &Usage) {
    match session.local.store().await {
        Ok(store) => {
            crate::engine::UsageHistory::new(store, session.config.usage_history_retention)
                .record(account, id, usage)
                .await
        }
        Err(e) => tracing::debug!(error = %e, "store not opened; the usage reading is not kept"),
    }
}
