//! JSON output shaped like the CMO API v5 resources (docs/backends/cmo.md, docs/cli.md),
//! so scripts written for the CMO API read it: list envelopes `{entities, statistics}`,
//! `IoTConnection` bundles with `productRelationship[{type:"BUNDLED", product}]` subproducts
//! (`simCard`, `dataConnectivity`, `terminal`, `usageVolume`), TMF monitors and problems.
//!
//! As on the CMO wire, every characteristic value is a string. JSON is not sanitized (the data
//! stays intact); `output::json` escapes what serde leaves raw (DEL, C1, bidi and zero-width
//! characters: text.rs), so it cannot drive a terminal either; text output is sanitized.

use super::error::backend_problem;
use crate::backends::BackendError;
use crate::domain::usage::{Unit, UsageType};
use crate::domain::{
    BusinessId, Characteristic, CustomAttribute, DataConnectivity, Monitor, Product, ProductId,
    ProductSummary, SimCard, Status, Terminal, Usage,
};
use serde_json::{Value, json};

/// A carrier's date-time as RFC 3339 in UTC ([`crate::domain::time::rfc3339`]).
pub fn timestamp(raw: &str) -> String {
    crate::domain::time::rfc3339(raw)
}

/// `{name, value}` characteristics from optional fields (absent values are left out), then the
/// backend's extras.
fn characteristics<'a>(
    fields: impl IntoIterator<Item = (&'a str, Option<String>)>,
    extra: &[Characteristic],
) -> Value {
    let mut out: Vec<Value> = fields
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| json!({"name": name, "value": v})))
        .collect();
    out.extend(
        extra
            .iter()
            // A carrier's own characteristics include dates (1NCE's activationDate): each
            // value that is a date-time is normalized, any other passes unchanged.
            .map(|c| json!({"name": c.name, "value": timestamp(&c.value)})),
    );
    Value::Array(out)
}

fn custom_properties(custom: &[CustomAttribute]) -> Value {
    Value::Array(
        custom
            .iter()
            .map(|a| json!({"name": a.name, "value": a.value}))
            .collect(),
    )
}

fn related_party(summary: &ProductSummary) -> Value {
    json!([{
        "id": summary.related_party.id,
        "name": summary.related_party.name,
        "role": "customer",
    }])
}

fn coordinate(v: Option<f64>) -> Option<String> {
    v.map(|x| x.to_string())
}

/// A list envelope. `total_count` is left out when unknown (a carrier that does not tell, or
/// a filtered page that did not walk the whole listing).
pub fn list(entities: Vec<Value>, page: u64, page_size: u64, total_count: Option<u64>) -> Value {
    let mut statistics = json!({"currentPage": page, "pageSize": page_size});
    if let Some(total) = total_count {
        statistics["totalCount"] = json!(total);
    }
    json!({"entities": entities, "statistics": statistics})
}

/// One list entity: the seed's "summary of selected attributes", with `customProperty` when
/// the row has custom attributes.
pub fn summary(s: &ProductSummary) -> Value {
    let chars = characteristics(
        [
            ("ICCID", s.iccid.clone()),
            ("IMSI", s.imsi.clone()),
            ("MSISDN", s.msisdn.clone()),
            ("serialNumber", s.serial.clone()),
            ("name", s.terminal_name.clone()),
            ("latitude", coordinate(s.latitude)),
            ("longitude", coordinate(s.longitude)),
        ],
        &[],
    );
    let mut doc = json!({
        "id": s.id.to_string(),
        "status": s.status.status.as_str(),
        "connectivityType": s.connectivity.as_str(),
        "relatedParty": related_party(s),
        "productCharacteristic": chars,
        "@baseType": "product",
        "@type": "IoTConnection",
    });
    // The row's custom attributes, as the CMO list carries them when asked for the field.
    if !s.attrs.is_empty() {
        doc["customProperty"] = custom_properties(&s.attrs);
    }
    doc
}

fn subproduct(id: String, kind: &str, mut body: Value) -> Value {
    body["id"] = json!(id);
    body["isBundle"] = json!(false);
    body["@baseType"] = json!("product");
    body["@type"] = json!(kind);
    body
}

pub fn sim_card(id: &ProductId, sim: &SimCard, custom: &[CustomAttribute]) -> Value {
    let chars = characteristics(
        [
            ("ICCID", Some(sim.iccid.clone())),
            ("IMSI", sim.imsi.clone()),
            ("MSISDN", sim.msisdn.clone()),
            ("IMEI", sim.imei.clone()),
            ("nativeStatus", Some(sim.status.native.clone())),
        ],
        &sim.characteristics,
    );
    subproduct(
        format!("{id}-simCard"),
        "simCard",
        json!({
            "status": sim.status.status.as_str(),
            "productCharacteristic": chars,
            "customProperty": custom_properties(custom),
        }),
    )
}

pub fn data_connectivity(id: &ProductId, dc: &DataConnectivity) -> Value {
    let apns = (!dc.apns.is_empty()).then(|| dc.apns.join(","));
    let chars = characteristics(
        [
            ("networkProvider", dc.network_provider.clone()),
            ("connectivityType", dc.connectivity_type.clone()),
            ("communicationPlan", dc.communication_plan.clone()),
            ("apn", apns),
        ],
        &dc.characteristics,
    );
    subproduct(
        format!("{id}-dataConnectivity"),
        "dataConnectivity",
        json!({"productCharacteristic": chars}),
    )
}

pub fn terminal(id: &ProductId, t: &Terminal, custom: &[CustomAttribute]) -> Value {
    let chars = characteristics(
        [
            ("serialNumber", Some(t.serial.clone())),
            ("name", t.name.clone()),
            ("latitude", coordinate(t.latitude)),
            ("longitude", coordinate(t.longitude)),
            ("model", t.model.clone()),
            ("mobilityType", t.mobility_type.clone()),
            ("antennaCode", t.antenna_code.clone()),
            ("imoNumber", t.imo_number.clone()),
            ("mmsi", t.mmsi.clone()),
            ("lastUpdated", t.last_updated.as_deref().map(timestamp)),
            ("nativeStatus", Some(t.status.native.clone())),
        ],
        &t.characteristics,
    );
    subproduct(
        format!("{id}-terminal"),
        "terminal",
        json!({
            "status": t.status.status.as_str(),
            "productCharacteristic": chars,
            "customProperty": custom_properties(custom),
        }),
    )
}

pub fn usage_type_str(t: UsageType) -> &'static str {
    match t {
        UsageType::Data => "DATA",
        UsageType::Sms => "SMS",
        UsageType::Voice => "VOICE",
    }
}

/// `1401626.776576 KB`, as the CMO `valueName`.
pub fn value_name(amount: f64, units: Unit) -> String {
    format!("{amount} {}", units.as_str())
}

/// One `usageVolume` subproduct per usage type present, each with its buckets by level.
pub fn usage_volumes(id: &ProductId, usage: &Usage) -> Vec<Value> {
    [UsageType::Data, UsageType::Sms, UsageType::Voice]
        .into_iter()
        .filter_map(|usage_type| {
            let counters: Vec<Value> = usage
                .buckets
                .iter()
                .filter(|b| b.usage_type == usage_type)
                .map(|b| {
                    let mut period = json!({});
                    if let Some(start) = &b.period_start {
                        period["startDateTime"] = json!(timestamp(start));
                    }
                    if let Some(end) = &b.period_end {
                        period["endDateTime"] = json!(timestamp(end));
                    }
                    json!({
                        "counterType": "USED",
                        "level": b.level,
                        "valueName": value_name(b.amount, b.units),
                        "value": {"amount": b.amount, "units": b.units.as_str()},
                        "consumptionPeriod": period,
                    })
                })
                .collect();
            let balances = super::json_quota::bucket_balances(usage, usage_type);
            if counters.is_empty() && balances.is_empty() {
                return None;
            }
            let suffix = usage_type_str(usage_type).to_ascii_lowercase();
            let mut volume = json!({
                "isShared": false,
                "usageType": usage_type_str(usage_type),
                "bucketCounter": counters,
            });
            if !balances.is_empty() {
                volume["bucketBalance"] = json!(balances);
            }
            Some(subproduct(
                format!("{id}-usageVolume-{suffix}"),
                "usageVolume",
                volume,
            ))
        })
        .collect()
}

fn bundled(product: Value) -> Value {
    json!({"type": "BUNDLED", "product": product})
}

/// The full `IoTConnection` bundle.
pub fn product(p: &Product) -> Value {
    let s = &p.summary;
    let id = &s.id;
    let mut relationships = Vec::new();
    if let Some(sim) = &p.sim_card {
        relationships.push(bundled(sim_card(id, sim, &p.custom)));
    }
    if let Some(dc) = &p.data_connectivity {
        relationships.push(bundled(data_connectivity(id, dc)));
    }
    if let Some(t) = &p.terminal {
        relationships.push(bundled(terminal(id, t, &p.custom)));
    }
    if let Some(u) = &p.usage {
        relationships.extend(usage_volumes(id, u).into_iter().map(bundled));
    }
    // SYSTEM once, from the id; an adapter or a CMO tenant may carry its own copy.
    let mut chars = vec![Characteristic::new("SYSTEM", id.kind.as_str())];
    chars.extend(
        p.characteristics
            .iter()
            .filter(|c| !c.name.eq_ignore_ascii_case("SYSTEM"))
            .cloned(),
    );
    let mut out = json!({
        "id": id.to_string(),
        "isBundle": true,
        "status": s.status.status.as_str(),
        "connectivityType": s.connectivity.as_str(),
        "relatedParty": related_party(s),
        "productCharacteristic": characteristics([], &chars),
        "productRelationship": relationships,
        "@baseType": "product",
        "@type": "IoTConnection",
    });
    if let Some(offering) = &p.product_offering {
        out["productOffering"] = json!({"name": offering});
    }
    if let Some(start) = &p.start_date {
        out["startDate"] = json!(timestamp(start));
    }
    out
}

/// `products find`: full bundles plus one problem per business id found nowhere.
pub fn find(found: &[Product], missing: &[(BusinessId, BackendError)]) -> Value {
    json!({
        "entities": found.iter().map(product).collect::<Vec<_>>(),
        "errors": missing.iter().map(|(_, e)| backend_problem(e)).collect::<Vec<_>>(),
    })
}

/// A TMF monitor. `sourceHref` is the subproduct the request changed, relative to the API root.
pub fn monitor(m: &Monitor, subproduct_suffix: &str) -> Value {
    let mut out = json!({
        "id": m.id,
        "state": m.state.as_str(),
        "backend": m.backend,
        "request": m.request,
        "created": timestamp(&m.created),
        "@type": "Monitor",
    });
    if let Some(pid) = &m.product_id {
        out["sourceHref"] = json!(format!("product/{pid}{subproduct_suffix}"));
    }
    let mut response = json!({});
    if let Some(code) = m.status_code {
        response["statusCode"] = json!(code);
    }
    if let Some(detail) = &m.detail {
        response["body"] = json!({"detail": detail});
    }
    out["response"] = response;
    if let Some(updated) = &m.updated {
        out["updated"] = json!(timestamp(updated));
    }
    out
}

/// The result of a synchronous status change.
pub fn status_done(id: &ProductId, status: Option<Status>, suffix: &str) -> Value {
    json!({
        "id": format!("{id}{suffix}"),
        "status": status.map(Status::as_str),
        "result": "done",
    })
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
