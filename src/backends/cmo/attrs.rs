//! Custom properties of CMO products, stored by the CMO API (not the local store): read from the
//! SIM card / terminal subproduct, changed with JSON-Patch-Query (`application/json-patch-query+json`):
//! `add customProperty`, `replace customProperty[?(@.name=='X')].value`, `remove
//! customProperty[?(@.name=='X')]`. The filter syntax is TMF630's, inferred (docs/backends/cmo.md).

use super::CmoBackend;
use super::wire::WireProduct;
use crate::backends::http::Repeat;
use crate::backends::{Backend, BackendError, BackendResult};
use crate::domain::{BusinessId, CustomAttribute};
use serde_json::{Value, json};

/// The subproduct that carries custom properties: the terminal of satellite products, else the SIM.
fn carrier_suffix(id: &BusinessId) -> &'static str {
    match id {
        BusinessId::Serial(_) => "-terminal",
        BusinessId::Iccid(_) => "-simCard",
    }
}

/// A JSONPath filter on the property name; a quote in the name cannot be expressed.
fn filter(name: &str) -> BackendResult<String> {
    if name.contains('\'') {
        return Err(BackendError::InvalidInput(format!(
            "custom property names on the CMO API cannot contain a quote: {name}"
        )));
    }
    Ok(format!("customProperty[?(@.name=='{name}')]"))
}

pub(super) async fn list(b: &CmoBackend, id: &BusinessId) -> BackendResult<Vec<CustomAttribute>> {
    Ok(b.subproduct(id, carrier_suffix(id)).await?.custom())
}

async fn patch(
    b: &CmoBackend,
    id: &BusinessId,
    ops: Value,
    what: String,
) -> BackendResult<Vec<CustomAttribute>> {
    let system = b.platform(id).await?;
    let cmo_id = format!("{}-{}{}", system.as_str(), id.as_str(), carrier_suffix(id));
    let url = b.url(&format!("/product/{cmo_id}"))?;
    let reply = b
        .policy
        .send(Repeat::Once, |c| {
            b.op(c.patch(url.clone()))
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/json-patch-query+json",
                )
                .body(ops.to_string())
        })
        .await
        .map_err(crate::backends::kit::named(what))?;
    let sub: WireProduct = b.policy.decode(&reply, "the updated subproduct")?;
    Ok(sub.custom())
}

/// Create or replace `attr`; returns the product's properties afterwards.
pub(super) async fn set(
    b: &CmoBackend,
    id: &BusinessId,
    attr: &CustomAttribute,
) -> BackendResult<Vec<CustomAttribute>> {
    let current = list(b, id).await?;
    let ops = if current.iter().any(|a| a.name == attr.name) {
        json!([{"op": "replace", "path": format!("{}.value", filter(&attr.name)?), "value": attr.value}])
    } else {
        json!([{"op": "add", "path": "customProperty", "value": {"name": attr.name, "value": attr.value}}])
    };
    patch(b, id, ops, format!("product {id}")).await
}

/// Rename `old` to `new` in one patch (atomic on the server, position kept): a whole-element
/// `replace` through the name filter.
pub(super) async fn rename(
    b: &CmoBackend,
    id: &BusinessId,
    old: &str,
    new: &str,
) -> BackendResult<Vec<CustomAttribute>> {
    let current = list(b, id).await?;
    let value = current
        .iter()
        .find(|a| a.name == old)
        .map(|a| a.value.clone())
        .ok_or_else(|| BackendError::NotFound {
            backend: b.account().name.clone(),
            what: format!(
                "custom property '{}' of product {id}",
                crate::text::sanitize(old)
            ),
        })?;
    filter(new)?;
    let ops =
        json!([{"op": "replace", "path": filter(old)?, "value": {"name": new, "value": value}}]);
    patch(b, id, ops, format!("product {id}")).await
}

/// Delete the property `name`; NotFound when the product has none by that name.
pub(super) async fn delete(
    b: &CmoBackend,
    id: &BusinessId,
    name: &str,
) -> BackendResult<Vec<CustomAttribute>> {
    let ops = json!([{"op": "remove", "path": filter(name)?}]);
    let what = format!(
        "custom property '{}' of product {id} on {}",
        crate::text::sanitize(name),
        b.account().name
    );
    patch(b, id, ops, what).await
}
