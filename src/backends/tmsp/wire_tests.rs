//! Unit tests of the TMSP wire translation.

use super::*;
use crate::domain::{BucketLevel, Status};

fn account() -> Account {
    Account {
        name: "tmsp-prod".into(),
        kind: BackendKind::Tmsp,
        account_id: "4711".into(),
    }
}

fn sim(status: &str) -> SimDto {
    serde_json::from_value(serde_json::json!({
        "iccid": "89490200001575268860", "imsi": "262017000000001", "msisdn": "491517000000001",
        "imei": null, "eid": "89049032000000000000000000000001", "status": status,
        "simProfile": "M2M Standard", "productOffering": "M2M Business Flex 1GB",
        "relatedParty": "Fleet Ops North", "networkProvider": "Telekom Deutschland",
        "radioAccessTechnology": "LTE-M", "tariff": "DT M2M Flex", "apns": ["m2m.telekom.de"],
        "activationDate": "2025-03-01T08:00:00Z", "lastStatusChange": "2026-01-01T10:30:00Z"
    }))
    .expect("valid SimDto")
}

#[test]
fn every_native_status_of_the_seed_normalizes() {
    let expected = [
        ("Ordered", Status::Created),
        ("Ordered for Stock", Status::Created),
        ("On Stock", Status::Inventory),
        ("Delivered", Status::PendingActive),
        ("Test", Status::Active),
        ("Productive", Status::Active),
        ("Suspended", Status::Suspended),
        ("Blocked(automatically)", Status::Blocked),
        ("Blocked(manually)", Status::Blocked),
        ("Blocked(by operator)", Status::Blocked),
        ("Terminated", Status::Terminated),
        ("Deleted", Status::Deleted),
        ("Undefined", Status::Unknown),
    ];
    for (native, status) in expected {
        let s = summary(&sim(native), &account());
        assert_eq!(
            (s.status.status, s.status.native.as_str()),
            (status, native)
        );
    }
}

#[test]
fn bundle_fills_sim_card_and_data_connectivity() {
    let p = product(&sim("Productive"), None, &account());
    assert_eq!(p.summary.id.to_string(), "TMSP-89490200001575268860");
    assert_eq!(p.summary.related_party.id, "4711");
    assert_eq!(p.product_offering.as_deref(), Some("M2M Business Flex 1GB"));
    let card = p.sim_card.expect("sim card");
    assert!(card.characteristics.iter().any(|c| c.name == "eID"));
    assert!(card.characteristics.iter().any(|c| c.name == "simProfile"));
    let dc = p.data_connectivity.expect("data connectivity");
    assert_eq!(dc.connectivity_type.as_deref(), Some("LTE-M"));
    assert_eq!(dc.communication_plan.as_deref(), Some("DT M2M Flex"));
    assert_eq!(dc.apns, vec!["m2m.telekom.de".to_string()]);
}

fn usage_dto(lines: serde_json::Value) -> UsageDto {
    serde_json::from_value(serde_json::json!({
        "iccid": "89490200001575268860",
        "billingPeriod": {"start": "2026-01-01T00:00:00Z", "end": "2026-01-31T23:59:59Z"},
        "consumption": lines,
    }))
    .expect("valid UsageDto")
}

#[test]
fn ntn_usage_gives_three_buckets_terrestrial_only_one() {
    let both = usage(&usage_dto(serde_json::json!([
        {"accessType": "TERRESTRIAL", "service": "DATA", "amount": 2000.0, "unit": "KB"},
        {"accessType": "NTN", "service": "DATA", "amount": 500.0, "unit": "KB"},
    ])));
    let data: Vec<_> = both
        .buckets
        .iter()
        .filter(|b| b.usage_type == UsageType::Data)
        .collect();
    assert_eq!(data.len(), 3);
    let global = both
        .bucket(BucketLevel::Global, UsageType::Data)
        .expect("global");
    assert!((global.amount - 2500.0).abs() < 1e-9);
    let cell = usage(&usage_dto(serde_json::json!([
        {"accessType": "TERRESTRIAL", "service": "DATA", "amount": 2000.0, "unit": "KB"},
        {"accessType": "TERRESTRIAL", "service": "FAX", "amount": 1.0, "unit": "PAGES"},
    ])));
    assert_eq!(cell.buckets.len(), 1);
    assert_eq!(cell.buckets[0].level, BucketLevel::Global);
}

#[test]
fn characteristics_are_validated_by_name() {
    let ok = characteristics_request(
        "8949",
        &[
            Characteristic::new("productOffering", "IoT Hybrid NTN 1GB"),
            Characteristic::new("SIMPROFILE", "M2M Industrial"),
        ],
    )
    .expect("valid");
    assert_eq!(ok.product_offering.as_deref(), Some("IoT Hybrid NTN 1GB"));
    assert_eq!(ok.sim_profile.as_deref(), Some("M2M Industrial"));
    assert_eq!(ok.related_party, None);
    let bad = characteristics_request("8949", &[Characteristic::new("apn", "x")]).unwrap_err();
    assert!(bad.to_string().contains("'apn' cannot be changed"), "{bad}");
    assert_eq!(bad.exit_code(), 2);
    assert!(characteristics_request("8949", &[]).is_err());
    assert!(characteristics_request("8949", &[Characteristic::new("relatedParty", " ")]).is_err());
    let twice = [
        Characteristic::new("relatedParty", "a"),
        Characteristic::new("relatedparty", "b"),
    ];
    assert!(characteristics_request("8949", &twice).is_err());
}

#[test]
fn request_states_become_monitor_states_and_errors_are_sanitized() {
    let dto: RequestDto = serde_json::from_value(serde_json::json!({
        "requestId": "REQ00000007", "requestType": "STATUS_CHANGE", "iccid": "89490200001575268860",
        "state": "InError", "createdAt": "2026-01-01T00:00:00Z", "details": {"targetStatus": "Suspended"},
        "error": {"code": "TARIFF_RULE_VIOLATION", "message": "no \u{1b}[31msuspension"}
    }))
    .expect("valid RequestDto");
    let m = monitor(&dto, &account(), describe(&dto)).expect("monitor");
    assert_eq!(m.id, "TMSP-REQ00000007");
    assert_eq!(m.state, MonitorState::InError);
    assert_eq!(
        m.detail.as_deref(),
        Some("TARIFF_RULE_VIOLATION: no suspension")
    );
    assert_eq!(m.request, "status → SUSPENDED (Suspended)");
    let weird = RequestDto {
        state: "Exploded".into(),
        ..dto
    };
    assert!(matches!(
        monitor(&weird, &account(), String::new()),
        Err(BackendError::Malformed { .. })
    ));
}
