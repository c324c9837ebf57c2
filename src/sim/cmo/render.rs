//! JSON documents of the CMO simulator: IoTConnection bundles and their subproducts (simCard,
//! dataConnectivity, terminal, usageVolume), TMF-style monitors and problem objects, in the
//! field names the CMO docs show (docs/backends/cmo.md). Every characteristic value is a string.

use super::catalog::{Row, is_satellite};
use super::{API_PREFIX, MonitorRecord, State, TENANT};
use crate::sim::jobs::{JobState, JobView};
use axum::http::StatusCode;
use serde_json::{Value, json};

pub use crate::cmo_api::wire::{problem, problem_value};

/// Bodies of injected faults (gateway errors, 429) as problems.
pub fn fault_body(status: u16) -> Value {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let kind = code.canonical_reason().unwrap_or("Error");
    problem_value(code, kind, "The gateway could not serve the request", "")
}

pub fn href(id: &str) -> String {
    crate::cmo_api::wire::href(TENANT, id)
}

use crate::cmo_api::wire::chars;

fn custom(st: &State, index: u64) -> Value {
    let props = st.custom.get(&index).map(Vec::as_slice).unwrap_or(&[]);
    Value::Array(
        props
            .iter()
            .map(|(n, v)| json!({"name": n, "value": v}))
            .collect(),
    )
}

fn updated(st: &State, index: u64) -> String {
    st.updated
        .get(&index)
        .cloned()
        .unwrap_or_else(|| "2025-11-03T08:12:44.000Z".to_string())
}

pub fn sim_card(st: &State, row: &Row) -> Value {
    let id = format!("{}-simCard", row.id());
    let mut c = vec![
        ("ICCID", row.business.clone()),
        ("IMSI", row.imsi.clone()),
        ("MSISDN", row.msisdn.clone()),
        ("imei", row.imei.clone()),
        ("globalSimType", "M2M Industrial".to_string()),
        ("dateActivated", "2024-03-18T10:00:00.000Z".to_string()),
        ("dateUpdated", updated(st, row.index)),
    ];
    if row.operator_lock {
        c.push(("operatorLock", "true".to_string()));
    }
    json!({
        "id": id, "href": href(&id), "isBundle": false,
        "status": st.status(row.index),
        "productCharacteristic": chars(&c),
        "customProperty": custom(st, row.index),
        "@baseType": "product", "@type": "simCard",
    })
}

pub fn data_connectivity(row: &Row) -> Value {
    let id = format!("{}-dataConnectivity", row.id());
    let c = [
        ("networkProvider", format!("{} network", row.system)),
        ("connectivityType", "LTE-M".to_string()),
        ("communicationPlan", format!("{} IoT Standard", row.system)),
        ("apn", "iot.telekom.net".to_string()),
        ("ipAddress", crate::sim::inventory::private_ipv4(row.index)),
    ];
    json!({
        "id": id, "href": href(&id), "isBundle": false,
        "productCharacteristic": chars(&c),
        "@baseType": "product", "@type": "dataConnectivity",
    })
}

pub fn terminal(st: &State, row: &Row) -> Value {
    let id = format!("{}-terminal", row.id());
    let c = [
        ("serialNumber", row.business.clone()),
        ("name", format!("Vessel {}", row.index)),
        ("latitude", format!("{:.4}", row.latitude)),
        ("longitude", format!("{:.4}", row.longitude)),
        ("model", "Intellian v100".to_string()),
        ("state", "synced".to_string()),
        (
            "mobilityType",
            if row.index.is_multiple_of(2) {
                "Maritime"
            } else {
                "Fixed"
            }
            .to_string(),
        ),
        ("imoNumber", format!("9{:06}", row.index % 1_000_000)),
        ("mmsi", format!("21{:07}", row.index % 10_000_000)),
        ("antennaCode", format!("ANT-{}", row.index % 97)),
        ("lastUpdated", updated(st, row.index)),
    ];
    json!({
        "id": id, "href": href(&id), "isBundle": false, "isCustomerVisible": true,
        "status": st.status(row.index),
        "productCharacteristic": chars(&c),
        "customProperty": custom(st, row.index),
        "@baseType": "product", "@type": "terminal",
    })
}

fn counter(amount: f64, level: Option<&str>) -> Value {
    // This month so far, in the docs' millisecond form.
    let now = chrono::Utc::now();
    let start = format!("{}T00:00:00.000Z", now.format("%Y-%m-01"));
    let end = now.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let mut c = json!({
        "valueName": format!("{amount} KB"),
        "value": {"amount": amount, "units": "KB"},
        "consumptionPeriod": {"startDateTime": start, "endDateTime": end},
        "counterType": "USED",
    });
    if let Some(l) = level {
        c["level"] = json!(l);
    }
    c
}

/// Usage: one USED counter; hybrid TMSP products (cellular + NTN) carry one counter per level.
pub fn usage(row: &Row) -> Value {
    let id = format!("{}-usageVolume-data", row.id());
    let counters = match row.satellite_kb {
        Some(sat) => vec![
            counter(row.used_kb, Some("CELLULAR")),
            counter(sat, Some("SATELLITE")),
        ],
        None => vec![counter(row.used_kb, None)],
    };
    json!({
        "id": id, "href": href(&id), "isShared": false, "isBundle": false,
        "usageType": "DATA", "bucketCounter": counters,
        "@baseType": "product", "@type": "usageVolume",
    })
}

fn connectivity(row: &Row) -> &'static str {
    if is_satellite(row.system) {
        "SATELLITE"
    } else {
        "CELLULAR"
    }
}

fn characteristics(row: &Row) -> Value {
    let mut c = vec![("SYSTEM", row.system.to_string())];
    if is_satellite(row.system) {
        c.push(("serialNumber", row.business.clone()));
    } else {
        c.push(("ICCID", row.business.clone()));
        c.push(("IMSI", row.imsi.clone()));
        c.push(("MSISDN", row.msisdn.clone()));
    }
    chars(&c)
}

/// The list's summary of a product.
pub fn summary(st: &State, row: &Row) -> Value {
    json!({
        "id": row.id(), "href": href(&row.id()),
        "status": st.status(row.index),
        "connectivityType": connectivity(row),
        "relatedParty": [{"id": row.account_id, "name": row.account_name, "role": "customer"}],
        "productCharacteristic": characteristics(row),
        "@type": "IoTConnection",
    })
}

/// The full IoTConnection bundle with its subproducts.
pub fn bundle(st: &State, row: &Row) -> Value {
    let bundled = |p: Value| json!({"type": "BUNDLED", "product": p});
    let parts: Vec<Value> = if is_satellite(row.system) {
        vec![bundled(terminal(st, row)), bundled(usage(row))]
    } else {
        vec![
            bundled(sim_card(st, row)),
            bundled(data_connectivity(row)),
            bundled(usage(row)),
        ]
    };
    let mut v = summary(st, row);
    let extra = json!({
        "isBundle": true, "isCustomerVisible": true, "name": "",
        "startDate": "2024-03-18T10:00:00.000Z",
        "productOffering": {"name": row.offering},
        "billingAccount": {"id": ""},
        "productRelationship": parts,
        "@baseType": "product",
    });
    if let (Some(obj), Value::Object(more)) = (v.as_object_mut(), extra) {
        obj.extend(more);
    }
    v
}

/// A TMF-style monitor of an asynchronous change.
pub fn monitor(id: &str, rec: &MonitorRecord, job: &JobView, st: &State) -> Value {
    let state = match job.state {
        JobState::InProgress => "InProgress",
        JobState::Completed => "Completed",
        JobState::InError => "InError",
        JobState::Cancelled => "Cancelled",
    };
    let body = match job.state {
        JobState::InError => problem_value(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Backend Error",
            job.error
                .as_deref()
                .unwrap_or("the platform refused the change"),
            &href(&rec.source),
        ),
        _ => json!({"id": rec.source, "status": st.status(rec.index)}),
    };
    let status_code = match job.state {
        JobState::InProgress => 202,
        JobState::Completed => 200,
        _ => 422,
    };
    json!({
        "id": id,
        "href": format!("{API_PREFIX}/{TENANT}/monitor/{id}"),
        "sourceHref": href(&rec.source),
        "request": {
            "method": "PATCH", "to": href(&rec.source),
            "header": [{"name": "Content-Type", "value": "application/json-patch+json"}],
            "body": [{"op": "replace", "path": "/status", "value": rec.target}],
        },
        "response": {"header": [], "statusCode": status_code, "body": body},
        "creationDate": rec.created,
        "@type": "Monitor",
        "state": state,
    })
}
