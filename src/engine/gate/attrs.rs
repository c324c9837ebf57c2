//! Custom attributes through the gate. They live only in the local store (the seed: "any SIM of
//! any backend", independent of the carrier), so no carrier call is made — not even to check
//! that the product exists: that would cost a request per edit, fail while a carrier is down,
//! and the store already validates the id's shape, the name and the value. Read-only mode and
//! the journal apply as to every other mutation; listing is a read and is never journaled.

use super::{Gate, GateError, journal};
use crate::domain::{CustomAttribute, ProductId};
use crate::store::{AttrChange, StoreError};

impl Gate {
    /// The product's attributes (all, or only `name`). Allowed in read-only mode; no journal.
    pub async fn attrs_list(
        &self,
        product: &ProductId,
        name: Option<&str>,
    ) -> Result<Vec<CustomAttribute>, GateError> {
        Ok(self.store.attrs_list(product, name).await?)
    }

    /// Create or replace an attribute.
    pub async fn attrs_set(
        &self,
        product: &ProductId,
        name: &str,
        value: &str,
    ) -> Result<AttrChange, GateError> {
        self.refuse_if_read_only("custom attribute set")?;
        let change = self.store.attrs_set(product, name, value).await;
        self.journal_attr(journal::ATTRS_SET, product, change, || {
            format!("{name}={value}")
        })
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
        let change = self.store.attrs_rename(product, old, new).await;
        self.journal_attr(journal::ATTRS_RENAME, product, change, || {
            format!("rename {old} → {new}")
        })
        .await
    }

    /// Delete an attribute.
    pub async fn attrs_delete(
        &self,
        product: &ProductId,
        name: &str,
    ) -> Result<AttrChange, GateError> {
        self.refuse_if_read_only("custom attribute delete")?;
        let change = self.store.attrs_delete(product, name).await;
        self.journal_attr(journal::ATTRS_DELETE, product, change, || {
            format!("delete {name}")
        })
        .await
    }

    async fn journal_attr(
        &self,
        action: &str,
        product: &ProductId,
        change: Result<AttrChange, StoreError>,
        requested: impl FnOnce() -> String,
    ) -> Result<AttrChange, GateError> {
        let ids = vec![product.to_string()];
        match change {
            Ok(change) => {
                let journaled = self
                    .journal(
                        action,
                        ids,
                        change.before_text(),
                        change.after_text(),
                        "ok".to_string(),
                    )
                    .await;
                super::settle(journaled, change, || format!("{action} on {product}"))
            }
            Err(e) => Err(self
                .journal_failure(action, ids, None, &requested(), e)
                .await),
        }
    }
}
