//! `attrs list|set|rename|delete`: custom attributes (seed: any product of any backend). They
//! live in the local store, except for a product a CMO account holds: the CMO API stores them
//! itself, and the gate sends the change there (`engine::AttrHome`). Changes go through the
//! gate, so read-only mode refuses them and each one is journaled, wherever it lives.
//!
//! JSON is the CMO shape: `{"id": ID, "customProperty": [{name, value}…]}` — after a change,
//! the product's attributes as they now stand.
//!
//! `attrs find NAME[=VALUE]` searches both homes: the local store (each product found there is
//! read from its carrier for its row) and the listings of CMO accounts, whose rows carry the
//! tenant's `customProperty`.

use super::args::Format;
use super::demo::Session;
use super::error::{CliError, exit};
use super::list::{self, Failure, Listing};
use super::{output, text};
use crate::domain::query::SortKey;
use crate::domain::{AttrPattern, CustomAttribute, ProductId, ProductSummary};
use crate::engine::Gate;
use crate::store::{AttrChange, StoreError};
use crate::text::sanitize;
use futures::StreamExt;
use serde_json::json;

/// Products read from carriers at once by `attrs find` (bounded: a ticket may tag hundreds).
const FIND_READS: usize = 8;

/// One attribute change asked on the command line.
#[derive(Debug, Clone)]
pub enum AttrEdit {
    Set { name: String, value: String },
    Rename { old: String, new: String },
    Delete { name: String },
}

fn document(id: &ProductId, attrs: &[CustomAttribute]) -> serde_json::Value {
    let props: Vec<_> = attrs
        .iter()
        .map(|a| json!({"name": a.name, "value": a.value}))
        .collect();
    json!({"id": id.to_string(), "customProperty": props})
}

/// `attrs list ID [--name N]`; a `--name` the product does not have is not found (exit 4).
pub async fn list(
    gate: &Gate,
    id: &ProductId,
    name: Option<&str>,
    as_json: bool,
) -> Result<i32, CliError> {
    let attrs = gate.attrs_list(id, name).await?;
    if let Some(name) = name
        && attrs.is_empty()
    {
        return Err(StoreError::AttrNotFound {
            product: id.clone(),
            name: name.to_string(),
        }
        .into());
    }
    if as_json {
        output::json(&document(id, &attrs))?;
    } else {
        let rows: Vec<Vec<String>> = attrs
            .iter()
            .map(|a| vec![a.name.clone(), a.value.clone()])
            .collect();
        output::stdout(&text::table(&["NAME", "VALUE"], &rows))?;
    }
    Ok(exit::OK)
}

/// `name=value`, or `-` for none.
fn shown(a: &Option<CustomAttribute>) -> String {
    a.as_ref()
        .map_or_else(|| "-".to_string(), |a| format!("{}={}", a.name, a.value))
}

/// `attrs set|rename|delete`.
pub async fn edit(
    gate: &Gate,
    id: &ProductId,
    edit: AttrEdit,
    as_json: bool,
) -> Result<i32, CliError> {
    let change: AttrChange = match &edit {
        AttrEdit::Set { name, value } => gate.attrs_set(id, name, value).await?,
        AttrEdit::Rename { old, new } => gate.attrs_rename(id, old, new).await?,
        AttrEdit::Delete { name } => gate.attrs_delete(id, name).await?,
    };
    if as_json {
        let now = gate.attrs_list(id, None).await?;
        output::json(&document(id, &now))?;
    } else {
        let line = format!("{id}: {} → {}", shown(&change.before), shown(&change.after));
        output::stdout(&format!("{}\n", sanitize(&line)))?;
    }
    Ok(exit::OK)
}

/// `attrs find NAME[=VALUE]`: every product carrying a matching attribute, in either home.
/// Products that could not be read and CMO accounts that could not be listed are reported on
/// stderr; the exit code is the most telling of those failures (runtime 1 first).
pub async fn find(
    session: &Session,
    pattern: &AttrPattern,
    format: Format,
) -> Result<i32, CliError> {
    let engine = &session.engine;
    let local = list::local_attrs(&session.local).await?;
    let mut ids: Vec<ProductId> = local
        .iter()
        .filter(|(_, attrs)| attrs.iter().any(|a| pattern.matches(a)))
        .map(|(id, _)| id.clone())
        .collect();
    ids.sort();
    let mut rows: Vec<ProductSummary> = Vec::new();
    let mut failures = Vec::new();
    let reads: Vec<_> = futures::stream::iter(ids)
        .map(|id| async move {
            let read = engine.product(&id).await;
            (id, read)
        })
        .buffer_unordered(FIND_READS)
        .collect()
        .await;
    for (id, read) in reads {
        match read {
            Ok(p) => rows.push(p.summary),
            Err(e) => failures.push(Failure::new(format!("reading {id}"), e)),
        }
    }
    let tenants: Vec<_> = engine
        .select(None)?
        .into_iter()
        .filter(|b| b.remote_attrs())
        .collect();
    let listings = futures::future::join_all(
        tenants
            .iter()
            .map(|b| async move { (b.account().name.clone(), engine.list_backend(b).await) }),
    )
    .await;
    for (name, listed) in listings {
        match listed {
            Ok(items) => rows.extend(items),
            Err(e) => failures.push(Failure::new(format!("listing {name}"), e)),
        }
    }
    // Each row gets the attributes of its home; a local match on a product that turned out to
    // be held by a CMO account no longer counts.
    engine.merge_local_attrs(&mut rows, &local);
    rows.retain(|r| r.attrs.iter().any(|a| pattern.matches(a)));
    rows.sort_by(|a, b| SortKey::DEFAULT.compare(a, b));
    rows.dedup_by(|a, b| a.id == b.id && a.related_party.name == b.related_party.name);

    match format {
        Format::Text => {
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let hits: Vec<String> = r
                        .attrs
                        .iter()
                        .filter(|a| pattern.matches(a))
                        .map(|a| format!("{}={}", a.name, a.value))
                        .collect();
                    vec![
                        r.id.to_string(),
                        r.related_party.name.clone(),
                        r.status.status.as_str().to_string(),
                        hits.join("; "),
                    ]
                })
                .collect();
            if rows.is_empty() {
                output::stderr_line(&sanitize(&format!("no product carries {pattern}")));
            } else {
                output::stdout(&text::table(
                    &["ID", "ACCOUNT", "STATUS", "ATTRIBUTE"],
                    &table,
                ))?;
            }
            list::report(&failures, format);
        }
        Format::Json | Format::Csv => {
            let n = rows.len() as u64;
            let listing = Listing {
                items: rows,
                total: Some(n),
                failures,
            };
            list::print(&listing, None, format)?;
            return Ok(list::exit_code(&listing.failures));
        }
    }
    Ok(list::exit_code(&failures))
}
