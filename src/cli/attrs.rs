//! `attrs list|set|rename|delete`: custom attributes (seed: any product of any backend). They
//! live in the local store, except for a product a CMO account holds: the CMO API stores them
//! itself, and the gate sends the change there (`engine::AttrHome`). Changes go through the
//! gate, so read-only mode refuses them and each one is journaled, wherever it lives.
//!
//! JSON is the CMO shape: `{"id": ID, "customProperty": [{name, value}…]}` — after a change,
//! the product's attributes as they now stand.

use super::error::{CliError, exit};
use super::{output, text};
use crate::domain::{CustomAttribute, ProductId};
use crate::engine::Gate;
use crate::store::{AttrChange, StoreError};
use crate::text::sanitize;
use serde_json::json;

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
