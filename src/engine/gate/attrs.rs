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

use super::{Gate, GateError, journal, wal};
use crate::backends::Backend;
use crate::domain::attrs::{lookup_name, validate_name};
use crate::domain::{CustomAttribute, ProductId};
use crate::engine::AttrHome;
use crate::store::{AttrChange, AuditEntry, LocalEdit, StoreError};
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

    /// Run one edit at its home and journal it, whatever the result. A local edit and its
    /// journal row are one store transaction; a server-side edit writes its write-ahead attempt
    /// before the request leaves ("no journal, no change").
    async fn edit(
        &self,
        action: &str,
        product: &ProductId,
        edit: Result<Edit<'_>, GateError>,
        requested: &str,
    ) -> Result<AttrChange, GateError> {
        // A damaged or read-only store takes no edit, not even a journaled refusal.
        self.ensure_journal(action).await?;
        let ids = vec![product.to_string()];
        let edit = match edit {
            Ok(edit) => edit,
            Err(e) => {
                return Err(self
                    .journal_failure(action, ids, None, requested, e, None)
                    .await);
            }
        };
        let home = match self.engine.attrs_home(product).await {
            Ok(home) => home,
            Err(e) => {
                return Err(self
                    .journal_failure(action, ids, None, requested, GateError::from(e), None)
                    .await);
            }
        };
        let (backend, current) = match home {
            AttrHome::Local => {
                let entry = AuditEntry::new(&self.operator, action, ids.clone(), None, None, "ok");
                return match self
                    .store
                    .attrs_edit_journaled(product, edit.local(), entry)
                    .await
                {
                    Ok(change) => Ok(change),
                    Err(e) => Err(self
                        .journal_failure(action, ids, None, requested, GateError::from(e), None)
                        .await),
                };
            }
            AttrHome::Remote { backend, current } => (backend, current),
        };
        let account = backend.account().name.clone();
        let attempt = self
            .begin(action, product.to_string(), requested.to_string(), None)
            .await?;
        let expected = edit.expected();
        match remote(&backend, product, &current, edit).await {
            Ok(change) => {
                let journaled = self
                    .journal(
                        action,
                        ids,
                        change.before_text(),
                        change.after_text(),
                        format!("ok (stored on {account})"),
                        vec![attempt],
                    )
                    .await;
                super::settle(journaled, change, || format!("{action} on {product}"))
            }
            Err(GateError::Backend(e)) if wal::is_unreadable(&e) => {
                let what = format!("{action} on {product} ({requested})");
                let found = match self.engine.attrs_home(product).await {
                    Ok(AttrHome::Remote { current: now, .. }) => expected(&now),
                    Ok(AttrHome::Local) | Err(_) => None,
                };
                let (result, outcome) = match found {
                    Some(true) => (
                        format!(
                            "ok (stored on {account}; verified by a read: the answer was unreadable)"
                        ),
                        true,
                    ),
                    Some(false) => (
                        wal::unknown_text(&what, &e, "a read just after does not show the change"),
                        false,
                    ),
                    None => {
                        return Err(GateError::OutcomeUnknown {
                            what,
                            detail: format!(
                                "the answer was unreadable ({e}) and the verification read failed; the next run that reaches the carrier reconciles it"
                            ),
                        });
                    }
                };
                let journaled = self
                    .journal(action, ids, None, None, result.clone(), vec![attempt])
                    .await;
                if let Err(source) = journaled {
                    return Err(GateError::NotRecorded {
                        done: format!("{what}: {result}"),
                        source,
                    });
                }
                if outcome {
                    // Done after all: the journal says so; the caller sees a done edit.
                    Ok(AttrChange {
                        product: product.clone(),
                        before: None,
                        after: None,
                    })
                } else {
                    Err(GateError::OutcomeUnknown {
                        what,
                        detail: result,
                    })
                }
            }
            Err(e) => Err(self
                .journal_failure(action, ids, None, requested, e, Some(attempt))
                .await),
        }
    }
}

impl Edit<'_> {
    /// The same edit for the local store.
    fn local(self) -> LocalEdit {
        match self {
            Edit::Set(a) => LocalEdit::Set {
                name: a.name,
                value: a.value,
            },
            Edit::Rename { old, new } => LocalEdit::Rename { old, new },
            Edit::Delete(name) => LocalEdit::Delete {
                name: name.to_string(),
            },
        }
    }

    /// A check of a later read: `Some(true)` when the attributes show the edit done.
    fn expected(&self) -> impl Fn(&[CustomAttribute]) -> Option<bool> + use<> {
        let edit = match self {
            Edit::Set(a) => (Some((a.name.clone(), a.value.clone())), None),
            Edit::Rename { old, new } => (Some((new.clone(), String::new())), Some(old.clone())),
            Edit::Delete(name) => (None, Some(name.trim().to_string())),
        };
        let rename = matches!(self, Edit::Rename { .. });
        move |attrs: &[CustomAttribute]| {
            let (present, absent) = &edit;
            let has = present.as_ref().is_none_or(|(name, value)| {
                find(attrs, name).is_some_and(|a| rename || a.value == *value)
            });
            let gone = absent
                .as_ref()
                .is_none_or(|name| find(attrs, name).is_none());
            Some(has && gone)
        }
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
