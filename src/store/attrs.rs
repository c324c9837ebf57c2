//! Custom attributes (CMO `customProperty`): name/value pairs kept locally per product, for any
//! product of any backend. Names and values are validated by `crate::domain::attrs` before any
//! SQL runs; names are compared after trimming, exactly as validation stores them.

use super::AuditEntry;
use super::audit::insert_entry;
use super::error::{StoreError, StoreResult};
use super::{Store, format_time};
use crate::domain::attrs::{lookup_name, validate_name};
use crate::domain::{AttrPattern, CustomAttribute, ProductId};
use chrono::Utc;
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::HashMap;
use std::path::Path;

/// Every product's attributes, as [`Store::attrs_all`] returns them.
pub type AttrsByProduct = HashMap<ProductId, Vec<CustomAttribute>>;

/// What one attribute mutation did, for the caller's output and the audit journal.
/// `set` of a new name has no `before`; `delete` has no `after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrChange {
    pub product: ProductId,
    pub before: Option<CustomAttribute>,
    pub after: Option<CustomAttribute>,
}

impl AttrChange {
    /// `name=value` of the old state, as the audit journal records it.
    pub fn before_text(&self) -> Option<String> {
        self.before
            .as_ref()
            .map(|a| format!("{}={}", a.name, a.value))
    }

    /// `name=value` of the new state, as the audit journal records it.
    pub fn after_text(&self) -> Option<String> {
        self.after
            .as_ref()
            .map(|a| format!("{}={}", a.name, a.value))
    }
}

fn lookup(
    tx: &Transaction<'_>,
    path: &Path,
    product: &str,
    name: &str,
) -> StoreResult<Option<String>> {
    tx.query_row(
        "SELECT value FROM custom_attribute WHERE product_id = ?1 AND name = ?2",
        params![product, name],
        |r| r.get(0),
    )
    .optional()
    .map_err(|e| StoreError::sqlite(path, e))
}

fn not_found(product: &ProductId, name: &str) -> StoreError {
    StoreError::AttrNotFound {
        product: product.clone(),
        name: name.to_string(),
    }
}

impl Store {
    /// Every product's attributes (creation order within a product), in one query: what a
    /// listing merges into its rows. A stored product id that no longer parses (written by
    /// another version) is skipped with a warning rather than failing the whole read.
    pub fn attrs_all(&self) -> StoreResult<AttrsByProduct> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT product_id, name, value FROM custom_attribute ORDER BY seq")
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    CustomAttribute {
                        name: r.get(1)?,
                        value: r.get(2)?,
                    },
                ))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql(e))?;
        let mut all = AttrsByProduct::new();
        for (key, attr) in rows {
            match key.parse::<ProductId>() {
                Ok(id) => all.entry(id).or_default().push(attr),
                Err(e) => tracing::warn!(product = %crate::text::sanitize(&key), error = %e,
                    "skipping attributes of an unreadable product id"),
            }
        }
        Ok(all)
    }

    /// The products carrying an attribute that matches `pattern` (name case-insensitive, value a
    /// case-insensitive glob), each with its matching attributes, ordered by product id. The
    /// glob is applied here rather than in SQL: SQLite's `LIKE` folds only ASCII case.
    pub fn attrs_find(
        &self,
        pattern: &AttrPattern,
    ) -> StoreResult<Vec<(ProductId, Vec<CustomAttribute>)>> {
        let mut found: Vec<_> = self
            .attrs_all()?
            .into_iter()
            .filter_map(|(id, attrs)| {
                let hits: Vec<_> = attrs.into_iter().filter(|a| pattern.matches(a)).collect();
                (!hits.is_empty()).then_some((id, hits))
            })
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(found)
    }

    /// All attributes of `product` in creation order, or only the one called `name`
    /// ([`StoreError::AttrNotFound`] when it does not exist).
    pub fn attrs_list(
        &self,
        product: &ProductId,
        name: Option<&str>,
    ) -> StoreResult<Vec<CustomAttribute>> {
        let key = product.to_string();
        let name = name.map(lookup_name).transpose()?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT name, value FROM custom_attribute
                 WHERE product_id = ?1 AND (?2 IS NULL OR name = ?2) ORDER BY seq",
            )
            .map_err(|e| self.sql(e))?;
        let attrs = stmt
            .query_map(params![key, name], |r| {
                Ok(CustomAttribute {
                    name: r.get(0)?,
                    value: r.get(1)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql(e))?;
        match name {
            Some(name) if attrs.is_empty() => Err(not_found(product, &name)),
            _ => Ok(attrs),
        }
    }

    /// Create the attribute, or replace its value when `product` already has one of that name.
    pub fn attrs_set(
        &mut self,
        product: &ProductId,
        name: &str,
        value: &str,
    ) -> StoreResult<AttrChange> {
        self.attrs_set_journaled(product, name, value, None)
    }

    /// [`Store::attrs_set`] with its audit entry (`before`/`after` filled from the change) in
    /// the same transaction: the attribute and its journal row are written together or not at
    /// all, and a damaged store refuses both ([`Store::ensure_sound`]).
    pub fn attrs_set_journaled(
        &mut self,
        product: &ProductId,
        name: &str,
        value: &str,
        journal: Option<&AuditEntry>,
    ) -> StoreResult<AttrChange> {
        let attr = CustomAttribute::new(name, value)?;
        let key = product.to_string();
        self.ensure_sound()?;
        self.write_attr(journal, |tx, path| {
            let old = lookup(tx, path, &key, &attr.name)?;
            let now = format_time(Utc::now());
            tx.execute(
                "INSERT INTO custom_attribute (product_id, name, value, created, updated)
                 VALUES (?1, ?2, ?3, ?4, ?4)
                 ON CONFLICT (product_id, name) DO UPDATE SET value = excluded.value, updated = excluded.updated",
                params![key, attr.name, attr.value, now],
            )
            .map_err(|e| StoreError::sqlite(path, e))?;
            Ok(AttrChange {
                product: product.clone(),
                before: old.map(|value| CustomAttribute {
                    name: attr.name.clone(),
                    value,
                }),
                after: Some(attr.clone()),
            })
        })
    }

    /// Rename `old` to `new`, keeping its value and position. Renaming onto an existing name is
    /// refused ([`StoreError::AttrExists`]) rather than silently overwriting it.
    pub fn attrs_rename(
        &mut self,
        product: &ProductId,
        old: &str,
        new: &str,
    ) -> StoreResult<AttrChange> {
        self.attrs_rename_journaled(product, old, new, None)
    }

    /// [`Store::attrs_rename`] with its audit entry in the same transaction.
    pub fn attrs_rename_journaled(
        &mut self,
        product: &ProductId,
        old: &str,
        new: &str,
        journal: Option<&AuditEntry>,
    ) -> StoreResult<AttrChange> {
        let old = lookup_name(old)?;
        let new = validate_name(new)?;
        let key = product.to_string();
        self.ensure_sound()?;
        self.write_attr(journal, |tx, path| {
            let value = lookup(tx, path, &key, &old)?.ok_or_else(|| not_found(product, &old))?;
            if new != old && lookup(tx, path, &key, &new)?.is_some() {
                return Err(StoreError::AttrExists {
                    product: product.clone(),
                    name: new.clone(),
                });
            }
            tx.execute(
                "UPDATE custom_attribute SET name = ?3, updated = ?4 WHERE product_id = ?1 AND name = ?2",
                params![key, old, new, format_time(Utc::now())],
            )
            .map_err(|e| StoreError::sqlite(path, e))?;
            Ok(AttrChange {
                product: product.clone(),
                before: Some(CustomAttribute {
                    name: old.clone(),
                    value: value.clone(),
                }),
                after: Some(CustomAttribute {
                    name: new.clone(),
                    value,
                }),
            })
        })
    }

    /// Delete one attribute; [`StoreError::AttrNotFound`] when it does not exist.
    pub fn attrs_delete(&mut self, product: &ProductId, name: &str) -> StoreResult<AttrChange> {
        self.attrs_delete_journaled(product, name, None)
    }

    /// [`Store::attrs_delete`] with its audit entry in the same transaction.
    pub fn attrs_delete_journaled(
        &mut self,
        product: &ProductId,
        name: &str,
        journal: Option<&AuditEntry>,
    ) -> StoreResult<AttrChange> {
        let name = lookup_name(name)?;
        let key = product.to_string();
        self.ensure_sound()?;
        self.write_attr(journal, |tx, path| {
            let value = lookup(tx, path, &key, &name)?.ok_or_else(|| not_found(product, &name))?;
            tx.execute(
                "DELETE FROM custom_attribute WHERE product_id = ?1 AND name = ?2",
                params![key, name],
            )
            .map_err(|e| StoreError::sqlite(path, e))?;
            Ok(AttrChange {
                product: product.clone(),
                before: Some(CustomAttribute {
                    name: name.clone(),
                    value,
                }),
                after: None,
            })
        })
    }
}

impl Store {
    /// One attribute edit and, when given, its journal row (`before`/`after` taken from what
    /// the edit did) in one write transaction.
    fn write_attr(
        &mut self,
        journal: Option<&AuditEntry>,
        body: impl Fn(&Transaction<'_>, &Path) -> StoreResult<AttrChange>,
    ) -> StoreResult<AttrChange> {
        let path = self.path.clone();
        let journal = journal.cloned();
        self.write(move |tx, tx_path| {
            let change = body(tx, tx_path)?;
            if let Some(entry) = &journal {
                let mut entry = entry.clone();
                entry.before = change.before_text();
                entry.after = change.after_text();
                insert_entry(tx, &path, &entry, None)?;
            }
            Ok(change)
        })
    }
}
