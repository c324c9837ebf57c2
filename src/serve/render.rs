//! The normalized model as CMO API v5 JSON (the shapes of `docs/backends/cmo.md` and of the CMO
//! simulator's `src/sim/cmo/render.rs`): list summaries, IoTConnection bundles with their
//! subproducts, usage counters, monitors. A product's CMO id is `{PLATFORM}-{ICCID|serial}`
//! and its `SYSTEM` characteristic names the platform, so a CMO client judges capabilities by
//! the real platform. Carrier text was sanitized by the adapters; custom properties come from
//! the gateway's store.

use crate::cmo_api::wire::{chars, href, problem_value};
use crate::domain::usage::{BucketLevel, UsageType};
use crate::domain::{
    Characteristic, ConnectivityType, CustomAttribute, DataConnectivity, Monitor, MonitorState,
    Product, ProductId, ProductSummary, SimCard, Terminal, Usage,
};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// The subproduct a status change or custom property goes to: `-terminal` for a serial,
/// `-simCard` for an ICCID.
pub fn carrier_suffix(id: &ProductId) -> &'static str {
    match id.business() {
        crate::domain::BusinessId::Serial(_) => "-terminal",
        crate::domain::BusinessId::Iccid(_) => "-simCard",
    }
}

fn custom(attrs: &[CustomAttribute]) -> Value {
    let pairs: Vec<(&str, &str)> = attrs
        .iter()
        .map(|a| (a.name.as_str(), a.value.as_str()))
        .collect();
    chars(&pairs)
}

fn pairs_with(fixed: Vec<(&str, Option<String>)>, extra: &[Characteristic]) -> Value {
    let mut pairs: Vec<(String, String)> = fixed
        .into_iter()
        .filter_map(|(n, v)| v.map(|v| (n.to_string(), v)))
        .collect();
    for c in extra {
        if !pairs.iter().any(|(n, _)| n.eq_ignore_ascii_case(&c.name)) {
            pairs.push((c.name.clone(), c.value.clone()));
        }
    }
    chars(&pairs)
}

fn coordinate(v: Option<f64>) -> Option<String> {
    v.map(|x| format!("{x:.4}"))
}

/// A list row: what the listing knows, with the gateway's custom properties.
pub fn summary(tenant: &str, s: &ProductSummary) -> Value {
    let id = s.id.to_string();
    let satellite = s.connectivity == ConnectivityType::Satellite;
    let mut fixed = vec![("SYSTEM", Some(s.id.kind.as_str().to_string()))];
    if satellite {
        fixed.push(("serialNumber", s.serial.clone()));
        fixed.push(("name", s.terminal_name.clone()));
    } else {
        fixed.push(("ICCID", s.iccid.clone()));
        fixed.push(("IMSI", s.imsi.clone()));
        fixed.push(("MSISDN", s.msisdn.clone()));
    }
    fixed.push(("latitude", coordinate(s.latitude)));
    fixed.push(("longitude", coordinate(s.longitude)));
    json!({
        "id": id,
        "href": href(tenant, &id),
        "status": s.status.status.as_str(),
        "connectivityType": s.connectivity.as_str(),
        "relatedParty": [{"id": s.related_party.id, "name": s.related_party.name, "role": "customer"}],
        "productCharacteristic": pairs_with(fixed, &[]),
        "customProperty": custom(&s.attrs),
        "@type": "IoTConnection",
    })
}

pub fn sim_card(tenant: &str, id: &ProductId, sim: &SimCard, attrs: &[CustomAttribute]) -> Value {
    let sub = format!("{id}-simCard");
    let fixed = vec![
        ("ICCID", Some(sim.iccid.clone())),
        ("IMSI", sim.imsi.clone()),
        ("MSISDN", sim.msisdn.clone()),
        ("imei", sim.imei.clone()),
    ];
    json!({
        "id": sub, "href": href(tenant, &sub), "isBundle": false,
        "status": sim.status.status.as_str(),
        "productCharacteristic": pairs_with(fixed, &sim.characteristics),
        "customProperty": custom(attrs),
        "@baseType": "product", "@type": "simCard",
    })
}

pub fn data_connectivity(tenant: &str, id: &ProductId, dc: &DataConnectivity) -> Value {
    let sub = format!("{id}-dataConnectivity");
    let mut fixed = vec![
        ("networkProvider", dc.network_provider.clone()),
        ("connectivityType", dc.connectivity_type.clone()),
        ("communicationPlan", dc.communication_plan.clone()),
        ("apn", dc.apns.first().cloned()),
    ];
    let more: Vec<Characteristic> = dc
        .apns
        .iter()
        .skip(1)
        .enumerate()
        .map(|(i, a)| Characteristic::new(format!("apn{}", i + 2), a.clone()))
        .collect();
    fixed.retain(|(_, v)| v.is_some());
    let mut extra = dc.characteristics.clone();
    extra.extend(more);
    json!({
        "id": sub, "href": href(tenant, &sub), "isBundle": false,
        "productCharacteristic": pairs_with(fixed, &extra),
        "@baseType": "product", "@type": "dataConnectivity",
    })
}

pub fn terminal(tenant: &str, id: &ProductId, t: &Terminal, attrs: &[CustomAttribute]) -> Value {
    let sub = format!("{id}-terminal");
    let fixed = vec![
        ("serialNumber", Some(t.serial.clone())),
        ("name", t.name.clone()),
        ("latitude", coordinate(t.latitude)),
        ("longitude", coordinate(t.longitude)),
        ("model", t.model.clone()),
        ("mobilityType", t.mobility_type.clone()),
        ("antennaCode", t.antenna_code.clone()),
        ("imoNumber", t.imo_number.clone()),
        ("mmsi", t.mmsi.clone()),
        ("lastUpdated", t.last_updated.clone()),
    ];
    json!({
        "id": sub, "href": href(tenant, &sub), "isBundle": false, "isCustomerVisible": true,
        "status": t.status.status.as_str(),
        "productCharacteristic": pairs_with(fixed, &t.characteristics),
        "customProperty": custom(attrs),
        "@baseType": "product", "@type": "terminal",
    })
}

/// Data usage as USED counters: one per level when the platform reports cellular and satellite
/// usage apart (a client rebuilds the total with the seed's rule), else the one global bucket.
pub fn usage(tenant: &str, id: &ProductId, u: &Usage) -> Value {
    let sub = format!("{id}-usageVolume-data");
    let data: Vec<_> = u
        .buckets
        .iter()
        .filter(|b| b.usage_type == UsageType::Data)
        .collect();
    let split = data.iter().any(|b| b.level != BucketLevel::Global);
    let counters: Vec<Value> = data
        .iter()
        .filter(|b| (b.level != BucketLevel::Global) == split)
        .map(|b| {
            let mut c = json!({
                "valueName": format!("{} {}", b.amount, b.units.as_str()),
                "value": {"amount": b.amount, "units": b.units.as_str()},
                "consumptionPeriod": {"startDateTime": b.period_start, "endDateTime": b.period_end},
                "counterType": "USED",
            });
            match b.level {
                BucketLevel::Cellular => c["level"] = json!("CELLULAR"),
                BucketLevel::Satellite => c["level"] = json!("SATELLITE"),
                BucketLevel::Global => {}
            }
            c
        })
        .collect();
    json!({
        "id": sub, "href": href(tenant, &sub), "isShared": false, "isBundle": false,
        "usageType": "DATA", "bucketCounter": counters,
        "@baseType": "product", "@type": "usageVolume",
    })
}

/// The whole IoTConnection bundle with its subproducts.
pub fn bundle(tenant: &str, p: &Product, attrs: &[CustomAttribute]) -> Value {
    let id = &p.summary.id;
    let bundled = |v: Value| json!({"type": "BUNDLED", "product": v});
    let mut parts = Vec::new();
    if let Some(sim) = &p.sim_card {
        parts.push(bundled(sim_card(tenant, id, sim, attrs)));
    }
    if let Some(dc) = &p.data_connectivity {
        parts.push(bundled(data_connectivity(tenant, id, dc)));
    }
    if let Some(t) = &p.terminal {
        parts.push(bundled(terminal(tenant, id, t, attrs)));
    }
    if let Some(u) = &p.usage {
        parts.push(bundled(usage(tenant, id, u)));
    }
    let mut summary = p.summary.clone();
    summary.attrs = attrs.to_vec();
    let mut v = summary_with(tenant, &summary, &p.characteristics);
    let extra = json!({
        "isBundle": true, "isCustomerVisible": true, "name": "",
        "startDate": p.start_date,
        "productOffering": {"name": p.product_offering},
        "productRelationship": parts,
        "@baseType": "product",
    });
    if let (Some(obj), Value::Object(more)) = (v.as_object_mut(), extra) {
        obj.extend(more);
    }
    v
}

/// [`summary`] with the bundle's own characteristics added after the list's.
fn summary_with(tenant: &str, s: &ProductSummary, extra: &[Characteristic]) -> Value {
    let mut v = summary(tenant, s);
    if let Some(Value::Array(list)) = v.get_mut("productCharacteristic") {
        for c in extra {
            let known = list.iter().any(|p| {
                p["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(&c.name))
            });
            if !known {
                list.push(json!({"name": c.name, "value": c.value}));
            }
        }
    }
    v
}

/// A subproduct after a change: what the change tells (its status or its properties), without
/// another carrier read.
pub fn changed(
    tenant: &str,
    id: &ProductId,
    status: Option<&str>,
    attrs: Option<&[CustomAttribute]>,
) -> Value {
    let suffix = carrier_suffix(id);
    let sub = format!("{id}{suffix}");
    let mut v = json!({
        "id": sub, "href": href(tenant, &sub), "isBundle": false,
        "@baseType": "product",
        "@type": if suffix == "-terminal" { "terminal" } else { "simCard" },
    });
    if let Some(s) = status {
        v["status"] = json!(s);
    }
    if let Some(a) = attrs {
        v["customProperty"] = custom(a);
    }
    v
}

/// The monitor id on the gateway's wire: the gateway's own id (`{PLATFORM}-{request}`).
pub fn monitor(tenant: &str, m: &Monitor) -> Value {
    let state = m.state.as_str();
    let source = m
        .product_id
        .as_ref()
        .map(|p| format!("{p}{}", carrier_suffix(p)));
    let status_code = m.status_code.unwrap_or(match m.state {
        MonitorState::InProgress => 202,
        MonitorState::Completed => 200,
        _ => 422,
    });
    let source_href = source.as_deref().map(|s| href(tenant, s));
    let body = match m.state {
        MonitorState::InError | MonitorState::Cancelled => problem_value(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Backend Error",
            m.detail.as_deref().unwrap_or(match m.state {
                MonitorState::Cancelled => "the request was cancelled",
                _ => "the platform refused the change",
            }),
            source_href.as_deref().unwrap_or_default(),
        ),
        _ => json!({"id": source, "request": m.request}),
    };
    json!({
        "id": m.id,
        "href": format!("{}/{tenant}/monitor/{}", crate::cmo_api::API_PREFIX, m.id),
        "sourceHref": source_href,
        "request": {"method": "PATCH", "to": source_href, "description": m.request},
        "response": {"header": [], "statusCode": status_code, "body": body},
        "creationDate": m.created,
        "@type": "Monitor",
        "state": state,
    })
}
