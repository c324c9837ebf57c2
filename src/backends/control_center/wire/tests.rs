//! Parsing and normalization of the documented Control Center payloads (docs/backends/control-center.md).

use super::*;
use crate::domain::{Status, usage::Unit};

fn account(kind: BackendKind) -> Account {
    Account {
        name: "etisalat-jasper".into(),
        kind,
        account_id: "100125307".into(),
    }
}

/// Search Devices, as documented: four fields per device, `pageNumber`, `lastPage`.
const SEARCH: &str = r#"{
  "pageNumber": 1,
  "devices": [
    {"iccid": "8997112212741433747", "status": "ACTIVATED", "ratePlan": "M2M 1GB", "communicationPlan": "Data Only"},
    {"iccid": "8997112212741433754", "status": "DEACTIVATED", "ratePlan": "M2M 1GB", "communicationPlan": "Data Only"}
  ],
  "lastPage": false
}"#;

/// Get Device Details with the documented fields and the date format clients see.
const DETAILS: &str = r#"{
  "iccid": "8997112212741433747",
  "imsi": "424021234567890",
  "msisdn": "971501234567",
  "imei": "864515041234563",
  "status": "TEST_READY",
  "ratePlan": "M2M 1GB",
  "communicationPlan": "Data Only",
  "customer": null,
  "endConsumerId": null,
  "dateActivated": "2016-07-06 22:04:04.380+0000",
  "dateUpdated": "2016-07-08 10:00:00.000+0000",
  "dateShipped": "2016-06-30 08:00:00.000+0000",
  "accountId": "100125307",
  "fixedIPAddress": "10.1.2.3",
  "fixedIpv6Address": null,
  "operatorCustom1": "",
  "accountCustom2": "site-7",
  "accountCustom10": "north",
  "accountCustom1": "truck 12",
  "globalSimType": "Standard"
}"#;

const USAGE: &str = r#"{
  "iccid": "8997112212741433747", "imsi": "424021234567890", "msisdn": "971501234567",
  "imei": "864515041234563", "status": "ACTIVATED", "ratePlan": "M2M 1GB",
  "communicationPlan": "Data Only", "ctdDataUsage": 1048576, "ctdSMSUsage": 12,
  "ctdVoiceUsage": 95, "ctdSessionCount": 4, "overageLimitReached": false,
  "overageLimitOverride": "DEFAULT"
}"#;

#[test]
fn search_page_parses_and_normalizes() {
    let page: WireSearch = serde_json::from_str(SEARCH).unwrap();
    assert_eq!(page.page_number, Some(1));
    assert_eq!(page.last_page, Some(false));
    assert_eq!(page.total_count, None);
    let acc = account(BackendKind::Jasper);
    let rows: Vec<_> = page.devices.iter().map(|d| d.summary(&acc)).collect();
    assert_eq!(rows[0].id.to_string(), "JASPER-8997112212741433747");
    assert_eq!(rows[0].status.status, Status::Active);
    assert_eq!(rows[1].status.status, Status::Suspended);
    assert_eq!(rows[1].status.native, "DEACTIVATED");
    assert_eq!(rows[0].related_party.id, "100125307");
    assert_eq!(rows[0].imsi, None, "the search carries no IMSI");
}

#[test]
fn details_give_sim_card_connectivity_and_iso_dates() {
    let d: WireDevice = serde_json::from_str(DETAILS).unwrap();
    let sim = d.sim_card(BackendKind::Tmus);
    assert_eq!(sim.status.status, Status::Active);
    assert_eq!(sim.status.native, "TEST_READY");
    assert_eq!(sim.imsi.as_deref(), Some("424021234567890"));
    let get = |name: &str| {
        sim.characteristics
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.value.clone())
    };
    assert_eq!(
        get("dateActivated").as_deref(),
        Some("2016-07-06T22:04:04.380Z")
    );
    assert_eq!(
        get("operatorCustom1"),
        None,
        "empty custom fields are dropped"
    );
    let customs: Vec<&str> = sim
        .characteristics
        .iter()
        .filter(|c| c.name.starts_with("accountCustom"))
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        customs,
        ["accountCustom1", "accountCustom2", "accountCustom10"]
    );

    let dc = d.data_connectivity(BackendKind::Tmus);
    assert_eq!(dc.network_provider.as_deref(), Some("T-Mobile US"));
    assert_eq!(dc.communication_plan.as_deref(), Some("Data Only"));
    assert!(
        dc.characteristics
            .contains(&Characteristic::new("ratePlan", "M2M 1GB"))
    );
    assert!(
        dc.characteristics
            .contains(&Characteristic::new("fixedIPAddress", "10.1.2.3"))
    );
    assert!(dc.apns.is_empty());

    let summary = d.summary(&account(BackendKind::Jasper));
    assert_eq!(summary.msisdn.as_deref(), Some("971501234567"));
}

#[test]
fn ctd_usage_is_bytes_sms_and_seconds() {
    let u: WireCtdUsage = serde_json::from_str(USAGE).unwrap();
    let samples = u.samples();
    let find = |t: UsageType| samples.iter().find(|s| s.usage_type == t).unwrap();
    assert_eq!(
        (find(UsageType::Data).amount, find(UsageType::Data).units),
        (1_048_576.0, Unit::Bytes)
    );
    assert_eq!(
        (find(UsageType::Sms).amount, find(UsageType::Sms).units),
        (12.0, Unit::Sms)
    );
    assert_eq!(
        (find(UsageType::Voice).amount, find(UsageType::Voice).units),
        (95.0, Unit::Seconds)
    );
    assert!(
        u.characteristics()
            .contains(&Characteristic::new("overageLimitOverride", "DEFAULT"))
    );
    // Numbers as strings are read; garbage is an error, not a zero.
    let s: WireCtdUsage = serde_json::from_str(r#"{"ctdDataUsage": "2048"}"#).unwrap();
    assert_eq!(s.samples()[0].amount, 2048.0);
    assert!(serde_json::from_str::<WireCtdUsage>(r#"{"ctdDataUsage": "lots"}"#).is_err());
}

#[test]
fn error_bodies_and_the_rate_limit_code() {
    let e = WireError::parse(
        br#"{"errorMessage":"Resource not found - Invalid ICCID.","errorCode":"20000001"}"#,
    )
    .unwrap();
    assert_eq!(e.error_code.as_deref(), Some("20000001"));
    assert_eq!(
        e.error_message.as_deref(),
        Some("Resource not found - Invalid ICCID.")
    );
    let limited = br#"{"errorMessage":"Rate Limit Exceeded","errorCode":"40000029"}"#;
    assert!(is_rate_limit(StatusCode::BAD_REQUEST, limited));
    assert!(is_rate_limit(
        StatusCode::BAD_REQUEST,
        br#"{"errorCode":40000029}"#
    ));
    assert!(!is_rate_limit(StatusCode::INTERNAL_SERVER_ERROR, limited));
    assert!(!is_rate_limit(
        StatusCode::BAD_REQUEST,
        br#"{"errorMessage":"ModifiedSince is required","errorCode":"10000003"}"#
    ));
    assert!(!is_rate_limit(StatusCode::BAD_REQUEST, b"<html>"));
}

#[test]
fn every_native_status_normalizes_by_the_seed_table() {
    let expected = [
        ("ACTIVATED", Status::Active),
        ("TEST_READY", Status::Active),
        ("ACTIVATION_READY", Status::PendingActive),
        ("DEACTIVATED", Status::Suspended),
        ("RETIRED", Status::PendingTerminate),
        ("PURGED", Status::Terminated),
        ("INVENTORY", Status::Inventory),
        ("REPLACED", Status::Unknown),
    ];
    for kind in [BackendKind::Tmus, BackendKind::Jasper] {
        for (native, status) in expected {
            let n = normalize(kind, native);
            assert_eq!((n.status, n.native.as_str()), (status, native), "{kind:?}");
        }
    }
}

#[test]
fn unknown_date_formats_are_kept() {
    assert_eq!(iso_date("2024-01-02T03:04:05Z"), "2024-01-02T03:04:05.000Z");
    assert_eq!(iso_date("soon"), "soon");
}
