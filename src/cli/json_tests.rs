//! JSON shaping over the in-memory backend's products.

use super::*;
use crate::backends::Backend;
use crate::backends::memory::MemoryBackend;
use crate::domain::usage::UsageSample;
use crate::domain::{BackendKind, MonitorState};

async fn first_product(kind: BackendKind) -> Product {
    let backend = MemoryBackend::generate("acct", kind, 3);
    let id = backend
        .list_products(Default::default())
        .await
        .unwrap()
        .items[1]
        .id
        .business();
    backend.product(&id).await.unwrap()
}

fn char_value<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v["productCharacteristic"]
        .as_array()?
        .iter()
        .find(|c| c["name"] == name)?["value"]
        .as_str()
}

fn related<'a>(bundle: &'a Value, kind: &str) -> &'a Value {
    bundle["productRelationship"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["type"], "BUNDLED");
            &r["product"]
        })
        .find(|p| p["@type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {bundle}"))
}

#[tokio::test]
async fn cellular_bundle_has_cmo_shape() {
    let p = first_product(BackendKind::OneNce).await;
    let v = product(&p);
    let id = "1NCE-8988228066000000001";
    assert_eq!(v["id"], id);
    assert_eq!(v["isBundle"], true);
    assert_eq!(v["status"], "ACTIVE");
    assert_eq!(v["connectivityType"], "CELLULAR");
    assert_eq!(v["@baseType"], "product");
    assert_eq!(v["@type"], "IoTConnection");
    assert_eq!(
        v["relatedParty"],
        json!([{"id": "1NCE-ACC", "name": "acct", "role": "customer"}])
    );
    assert_eq!(v["productOffering"]["name"], "IoT Flex 500MB");
    assert_eq!(v["startDate"], "2025-03-09T07:59:09Z");
    assert_eq!(char_value(&v, "SYSTEM"), Some("1NCE"));

    let sim = related(&v, "simCard");
    assert_eq!(sim["id"], format!("{id}-simCard"));
    assert_eq!(sim["isBundle"], false);
    assert_eq!(char_value(sim, "ICCID"), Some("8988228066000000001"));
    assert_eq!(char_value(sim, "IMSI"), Some("901405100000001"));
    assert_eq!(char_value(sim, "MSISDN"), Some("8822800000001"));
    assert_eq!(char_value(sim, "IMEI"), None, "absent values are left out");
    assert_eq!(sim["customProperty"], json!([]));

    let dc = related(&v, "dataConnectivity");
    assert_eq!(dc["id"], format!("{id}-dataConnectivity"));
    assert_eq!(char_value(dc, "communicationPlan"), Some("Global IoT"));

    let usage = related(&v, "usageVolume");
    assert_eq!(usage["id"], format!("{id}-usageVolume-data"));
    assert_eq!(usage["usageType"], "DATA");
    let counter = &usage["bucketCounter"][0];
    assert_eq!(counter["counterType"], "USED");
    assert_eq!(counter["level"], "global");
    assert_eq!(counter["value"], json!({"amount": 1.25, "units": "MB"}));
    assert_eq!(counter["valueName"], "1.25 MB");
    assert_eq!(
        counter["consumptionPeriod"],
        json!({"startDateTime": "2026-11-01T00:00:00Z", "endDateTime": "2026-11-29T00:00:00Z"})
    );
}

#[tokio::test]
async fn satellite_bundle_carries_a_terminal_and_custom_properties() {
    let mut p = first_product(BackendKind::Intelsat).await;
    p.custom = vec![CustomAttribute::new("site", "pier 4").unwrap()];
    let v = product(&p);
    assert_eq!(v["id"], "INTELSAT-27001");
    assert_eq!(v["connectivityType"], "SATELLITE");
    let t = related(&v, "terminal");
    assert_eq!(t["id"], "INTELSAT-27001-terminal");
    assert_eq!(char_value(t, "serialNumber"), Some("27001"));
    assert_eq!(char_value(t, "name"), Some("Vessel 1"));
    assert_eq!(char_value(t, "latitude"), Some("53.5"));
    assert_eq!(char_value(t, "longitude"), Some("9.9"));
    assert_eq!(char_value(t, "model"), Some("FX-250"));
    assert_eq!(char_value(t, "mobilityType"), Some("Maritime"));
    assert_eq!(
        t["customProperty"],
        json!([{"name": "site", "value": "pier 4"}])
    );
    assert!(
        v["productRelationship"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["product"]["@type"] != "simCard")
    );
}

#[tokio::test]
async fn list_entities_are_summaries_in_an_envelope() {
    let p = first_product(BackendKind::OneNce).await;
    let s = summary(&p.summary);
    assert_eq!(s["id"], "1NCE-8988228066000000001");
    assert_eq!(s["relatedParty"][0]["role"], "customer");
    assert_eq!(char_value(&s, "ICCID"), Some("8988228066000000001"));
    assert_eq!(char_value(&s, "serialNumber"), None);
    assert!(s.get("productRelationship").is_none());

    let doc = list(vec![s.clone()], 2, 10, Some(11));
    assert_eq!(
        doc["statistics"],
        json!({"currentPage": 2, "pageSize": 10, "totalCount": 11})
    );
    let doc = list(vec![s], 1, 10, None);
    assert!(doc["statistics"].get("totalCount").is_none());
}

#[test]
fn mixed_usage_gives_one_volume_per_type_with_levelled_buckets() {
    let sample = |t, amount, units| UsageSample {
        usage_type: t,
        amount,
        units,
        period_start: None,
        period_end: None,
    };
    let u = Usage::from_samples(
        &[
            sample(UsageType::Data, 2.0, Unit::Mb),
            sample(UsageType::Sms, 3.0, Unit::Sms),
        ],
        &[sample(UsageType::Data, 500.0, Unit::Kb)],
    );
    let id: ProductId = "TMSP-8949020000157526886".parse().unwrap();
    let vols = usage_volumes(&id, &u);
    assert_eq!(vols.len(), 2);
    assert_eq!(vols[0]["id"], "TMSP-8949020000157526886-usageVolume-data");
    let levels: Vec<_> = vols[0]["bucketCounter"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["level"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(levels, ["global", "cellular", "satellite"]);
    assert_eq!(vols[0]["bucketCounter"][0]["value"]["amount"], 2.5);
    assert_eq!(vols[1]["id"], "TMSP-8949020000157526886-usageVolume-sms");
    assert_eq!(vols[1]["bucketCounter"][0]["consumptionPeriod"], json!({}));
}

#[test]
fn monitors_are_tmf_monitors() {
    let m = Monitor {
        id: "TMSP-8949020000157526886-1685435484707".into(),
        kind: BackendKind::Tmsp,
        backend: "tmsp-prod".into(),
        product_id: Some("TMSP-8949020000157526886".parse().unwrap()),
        request: "status ACTIVE → SUSPENDED".into(),
        state: MonitorState::InProgress,
        status_code: Some(202),
        detail: None,
        created: "2026-11-29T10:00:00Z".into(),
        updated: None,
    };
    let v = monitor(&m, "-simCard");
    assert_eq!(v["id"], "TMSP-8949020000157526886-1685435484707");
    assert_eq!(v["state"], "InProgress");
    assert_eq!(v["sourceHref"], "product/TMSP-8949020000157526886-simCard");
    assert_eq!(v["response"], json!({"statusCode": 202}));
}

#[test]
fn find_reports_missing_ids_as_problems() {
    let missing = vec![(
        BusinessId::Iccid("8907160000000000533".parse().unwrap()),
        BackendError::NotFound {
            backend: "jasper".into(),
            what: "product with iccid 8907160000000000533".into(),
        },
    )];
    let v = find(&[], &missing);
    assert_eq!(v["entities"], json!([]));
    assert_eq!(v["errors"][0]["type"], "Not Found");
    assert_eq!(v["errors"][0]["status"], 404);
}

#[test]
fn carrier_dates_become_rfc3339_utc() {
    use super::timestamp;
    assert_eq!(
        timestamp("2018-03-09T07:59:09.000+0000"),
        "2018-03-09T07:59:09Z"
    );
    assert_eq!(
        timestamp("2018-03-09T09:59:09+02:00"),
        "2018-03-09T07:59:09Z"
    );
    assert_eq!(
        timestamp("2018-03-09T07:59:09.250Z"),
        "2018-03-09T07:59:09.250Z"
    );
    assert_eq!(timestamp("2018-03-09 07:59:09"), "2018-03-09T07:59:09Z");
    assert_eq!(timestamp("2018-03-09T07:59:09"), "2018-03-09T07:59:09Z");
    assert_eq!(timestamp("2018-03-09"), "2018-03-09");
    assert_eq!(timestamp("not a date"), "not a date");
}
