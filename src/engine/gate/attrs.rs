//! Custom attributes through the gate. Each product's attributes have one home
//! ([`crate::engine::AttrHome`]): the CMO server for a product held by a CMO account (the CMO API
//! stores `customProperty` itself), else the local store (seed: any product of any backend,
//! independent of the carrier). With no CMO account configured no carrier is asked — not even
//! whether the product exists: that would cost a request per edit and fail while a carrier is
//! down, and the store validates the id's shape, the name and the value.
//!
//! Read-only mode and the journal apply as to every other mutation, wherever the attribute
//! lives; a server-side change records the account in the journal's result. Names and values
//! are validated before anything is sent. Listing is a read and is never journaled.

use super::{Gate, GateError, journal};
use crate::backends::Backend;
use crate::domain::attrs::{lookup_name, validate_name};
use crate::domain::{CustomAttribute, ProductId};
use crate::engine::AttrHome;
use crate::store::{AttrChange, StoreError};
use std::sync::Arc;

/// One requested change, before its home is known.
enum Edit<'a> {
    Set(CustomAttribute),
    Rename { old: String, new: String },
    Delete(&'a str),
}

fn not_found(product: &ProductId, name: &str) -> GateError {
    StoreError::AttrNotFound {
        product: product.clone(),
        name: name.to_string(),
    }
    .into()
}

fn find<'a>(attrs: &'a [CustomAttribute], name: &str) -> Option<&'a CustomAttribute> {
    attrs.iter().find(|a| a.name == name)
}

impl Gate {
    /// The product's attributes (all, or only `name`, not found when it has none by that
    /// name). Allowed in read-only mode; no journal.
    pub async fn attrs_list(
        &self,
        product: &ProductId,
        name: Option<&str>,
    ) -> Result<Vec<CustomAttribute>, GateError> {
        Ok(self.attrs_list_at(product, name).await?.0)
    }

    /// Like [`Gate::attrs_list`], also naming the CMO account that stores them (`None`: the
    /// local store), so a screen can say where an edit will go.
    pub async fn attrs_list_at(
        &self,
        product: &ProductId,
        name: Option<&str>,
    ) -> Result<(Vec<CustomAttribute>, Option<String>), GateError> {
        match self.engine.attrs_home(product).await? {
            AttrHome::Local => Ok((self.store.attrs_list(product, name).await?, None)),
            AttrHome::Remote { backend, current } => {
                let account = Some(backend.account().name.clone());
                let Some(name) = name else {
                    return Ok((current, account));
                };
                let name = lookup_name(name).map_err(StoreError::from)?;
                match find(&current, &name) {
                    Some(a) => Ok((vec![a.clone()], account)),
                    None => Err(not_found(product, &name)),
                }
            }
        }
    }

    /// Create or replace an attribute.
    pub async fn attrs_set(
        &self,
        product: &ProductId,
        name: &str,
        value: &str,
    ) -> Result<AttrChange, GateError> {
        self.refuse_if_read_only("custom attribute set")?;
        let requested = format!("{name}={value}");
        let edit = CustomAttribute::new(name, value)
            .map(Edit::Set)
            .map_err(|e| GateError::from(StoreError::from(e)));
        self.edit(journal::ATTRS_SET, product, edit, &requested)
            .await
    }

    /// Rename an attribute, keeping its value.
    pub async fn attrs_rename(
        &self,
        product: &ProductId,
        old: &str,
        new: &str,
    ) -> Result<AttrChange, GateError> {
        self.refuse_if_read_only("custom attribute rename")?;
        let requested = format!("rename {old} → {new}");
        let edit = lookup_name(old)
            .and_then(|old| {
                Ok(Edit::Rename {
                    old,
                    new: validate_name(new)?,
                })
            })
            .map_err(|e| GateError::from(StoreError::from(e)));
        self.edit(journal::ATTRS_RENAME, product, edit, &requested)
            .await
    }

    /// Delete an attribute.
    pub async fn attrs_delete(
        &self,
        product: &ProductId,
        name: &str,
    ) -> Result<AttrChange, GateError> {
        self.refuse_if_read_only("custom attribute delete")?;
        let requested = format!("delete {name}");
        self.edit(
            journal::ATTRS_DELETE,
            product,
            Ok(Edit::Delete(name)),
            &requested,
        )
        .await
    }

    /// Run one edit at its home and journal it, whatever the result.
    async fn edit(
        &self,
        action: &str,
        product: &ProductId,
        edit: Result<Edit<'_>, GateError>,
        requested: &str,
    ) -> Result<AttrChange, GateError> {
        let ids = vec![product.to_string()];
        let done = match edit {
            Ok(edit) => self.apply(product, edit).await,
            Err(e) => Err(e),
        };
        match done {
            Ok((change, account)) => {
                let result = match &account {
                    None => "ok".to_string(),
                    Some(account) => format!("ok (stored on {account})"),
                };
                let journaled = self
                    .journal(
                        action,
                        ids,
                        change.before_text(),
                        change.after_text(),
                        result,
                    )
                    .await;
                super::settle(journaled, change, || format!("{action} on {product}"))
            }
            Err(e) => Err(self.journal_failure(action, ids, None, requested, e).await),
        }
    }

    async fn apply(
        &self,
        product: &ProductId,
        edit: Edit<'_>,
    ) -> Result<(AttrChange, Option<String>), GateError> {
        let (backend, current) = match self.engine.attrs_home(product).await? {
            AttrHome::Local => {
                let change = match edit {
                    Edit::Set(a) => self.store.attrs_set(product, &a.name, &a.value).await,
                    Edit::Rename { old, new } => self.store.attrs_rename(product, &old, &new).await,
                    Edit::Delete(name) => self.store.attrs_delete(product, name).await,
                }?;
                return Ok((change, None));
            }
            AttrHome::Remote { backend, current } => (backend, current),
        };
        let change = remote(&backend, product, &current, edit).await?;
        Ok((change, Some(backend.account().name.clone())))
    }
}

/// The same edit on the server that stores the product's attributes, refused locally with the
/// store's own errors (not found, name taken) so both homes answer alike.
async fn remote(
    backend: &Arc<dyn Backend>,
    product: &ProductId,
    current: &[CustomAttribute],
    edit: Edit<'_>,
) -> Result<AttrChange, GateError> {
    let id = product.business();
    let change = |before: Option<&CustomAttribute>, after: Option<CustomAttribute>| AttrChange {
        product: product.clone(),
        before: before.cloned(),
        after,
    };
    match edit {
        Edit::Set(attr) => {
            let before = find(current, &attr.name);
            backend.attrs_set(&id, &attr).await?;
            Ok(change(before, Some(attr)))
        }
        Edit::Rename { old, new } => {
            let before = find(current, &old).ok_or_else(|| not_found(product, &old))?;
            if new != old && find(current, &new).is_some() {
                return Err(StoreError::AttrExists {
                    product: product.clone(),
                    name: new,
                }
                .into());
            }
            let after = CustomAttribute {
                name: new.clone(),
                value: before.value.clone(),
            };
            backend.attrs_rename(&id, &old, &new).await?;
            Ok(change(Some(before), Some(after)))
        }
        Edit::Delete(name) => {
            let name = lookup_name(name).map_err(StoreError::from)?;
            let before = find(current, &name).ok_or_else(|| not_found(product, &name))?;
            backend.attrs_delete(&id, &name).await?;
            Ok(change(Some(before), None))
        }
    }
}
