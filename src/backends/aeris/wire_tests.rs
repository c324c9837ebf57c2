//! Parsing tests on the documented examples (Subscription Search API 1.0.5 examples, the
//! state-change 201 example, the DCP request states of docs/backends/aeris.md).

use super::*;
use crate::domain::Status;
use crate::domain::usage::BucketLevel;
use serde_json::json;

fn account() -> Account {
    Account {
        name: "tma-iota".into(),
        kind: BackendKind::Iota,
        account_id: "3.78.3".into(),
    }
}

/// The documented `GET /details` example (abridged to two of its three subscriptions).
fn search_example() -> Value {
    json!({
        "subscriptions": [
            {"customFields": [{"fieldName": "Test operator 02", "fieldValue": "value"}],
             "enterprise": "78000003", "enterpriseName": "Test Enterprise 02",
             "firstActivatedAt": "2016-10-04T13:38:19.360Z", "iccid": "99987100783000000005",
             "imsi": "100783000000005", "msisdn": "200783000410116", "organizationId": "3.78.3",
             "state": "ACTIVE", "simSpecificationId": "Test 0100",
             "subscriptionPackageName": "200200202_SP_01",
             "subscriptionPackageDescription": "SP Test Enterprise",
             "subscriptionStateLocked": false, "monthlyData": 0, "monthlySms": 0},
            {"enterprise": "78000003", "enterpriseName": "Test Enterprise 02",
             "firstActivatedAt": "2016-10-04T13:38:24.065Z", "iccid": "99987100783000000007",
             "imsi": "100783000000007", "msisdn": "200783000410122", "organizationId": "3.78.3",
             "state": "ACTIVE", "subscriptionStateLocked": false,
             "monthlyData": 8500000000u64, "monthlySms": 10}
        ],
        "next": "/details?q=COMPANY==78000003&order=IMSI&limit=3\n  &cursor=100783000000007\n  &additional_fields=CUSTOM_FIELDS",
        "size": 3
    })
}

#[test]
fn documented_search_page_parses_with_its_cursor() {
    let page: WireSearch = serde_json::from_value(search_example()).unwrap();
    assert_eq!(page.subscriptions.len(), 2);
    assert_eq!(page.size, Some(3));
    let next = page.next.as_deref().unwrap();
    assert_eq!(cursor_from_next(next).as_deref(), Some("100783000000007"));
    let first = &page.subscriptions[0];
    let summary = first.summary(&account(), "99987100783000000005");
    assert_eq!(summary.id.to_string(), "IOTA-99987100783000000005");
    assert_eq!(summary.status.status, Status::Active);
    assert_eq!(summary.related_party.id, "3.78.3");
    let card = first.sim_card("99987100783000000005");
    assert!(card.characteristics.contains(&Characteristic::new(
        "customField:Test operator 02",
        "value"
    )));
    assert!(
        card.characteristics
            .contains(&Characteristic::new("stateLocked", "false"))
    );
}

#[test]
fn documented_lookup_example_with_numeric_identifiers_and_apns() {
    // The POST example prints identifiers unquoted; we must read them as text.
    let page: WireSearch = serde_json::from_value(json!({"subscriptions": [{
        "enterprise": 88000952, "enterpriseName": "Test Enterprise 02",
        "firstActivatedAt": "2021-05-19T07:38:00.78Z", "iccid": "99987100883000170205",
        "imsi": 100883000170205u64,
        "apns": [
            {"apn": "5g.optest1.com", "ordinal": 2, "apnId": 22, "qosId": 34, "type": "HSS"},
            {"apn": "b2c.optest1.11121.com", "ordinal": 1, "apnId": 88, "qosId": 34, "type": "HLR"}],
        "msisdn": 200883000155016u64, "organizationId": "3.88.952", "state": "ACTIVE",
        "simSpecificationId": "Test 0100", "subscriptionPackageDescription": "SP Test Enterprise 02",
        "subscriptionPackageName": "200200202_SP_10", "subscriptionStateBeforeLock": "ACTIVE",
        "subscriptionStateLocked": false, "subscriptionSecurityLocked": false,
        "monthlyData": 8500000000u64, "monthlySms": 120}]}))
    .unwrap();
    let s = &page.subscriptions[0];
    assert_eq!(s.imsi.as_deref(), Some("100883000170205"));
    assert_eq!(s.msisdn.as_deref(), Some("200883000155016"));
    assert_eq!(s.enterprise.as_deref(), Some("88000952"));
    let dc = s.data_connectivity();
    assert_eq!(dc.apns, ["b2c.optest1.11121.com", "5g.optest1.com"]);
    assert_eq!(dc.communication_plan.as_deref(), Some("200200202_SP_10"));
    assert!(
        dc.characteristics
            .contains(&Characteristic::new("apnType:5g.optest1.com", "HSS"))
    );
    let now = chrono::DateTime::parse_from_rfc3339("2024-03-15T10:00:00Z")
        .unwrap()
        .to_utc();
    let usage = s.usage(now).unwrap();
    let data = usage.bucket(BucketLevel::Global, UsageType::Data).unwrap();
    assert_eq!((data.amount, data.units), (8_500_000_000.0, Unit::Bytes));
    assert_eq!(data.period_start.as_deref(), Some("2024-03-01T00:00:00Z"));
    assert_eq!(data.period_end.as_deref(), Some("2024-03-15T10:00:00Z"));
    let sms = usage.bucket(BucketLevel::Global, UsageType::Sms).unwrap();
    assert_eq!(sms.amount, 120.0);
}

#[test]
fn every_documented_state_normalizes_and_unlisted_ones_keep_their_text() {
    let expect = [
        ("ACTIVE", Status::Active),
        ("ACTIVE_NO_BILLING", Status::PendingActive),
        ("DEACTIVATED", Status::Suspended),
        ("DEACTIVATED_NO_BILLING", Status::PendingTerminate),
        ("TERMINATED", Status::Terminated),
        ("OPERATOR_BLOCKED", Status::Unknown),
        ("PAUSE", Status::Unknown),
        ("TERMINATED_PENDING", Status::Unknown),
    ];
    for (native, status) in expect {
        let s = WireSubscription {
            state: Some(native.into()),
            ..Default::default()
        };
        assert_eq!(s.status().status, status, "{native}");
        assert_eq!(s.status().native, native);
    }
}

#[test]
fn accepted_and_request_states() {
    let ok: WireAccepted =
        serde_json::from_value(json!({"subscription_request_id": "REQ201234567890"})).unwrap();
    assert_eq!(ok.subscription_request_id, "REQ201234567890");
    let req = |state: &str, resources: Value| -> WireRequest {
        serde_json::from_value(json!({"subscriptionRequestId": "REQ201234567890",
            "subscriptionRequestType": "CHANGE_SUBSCRIPTIONSTATE",
            "subscriptionRequestState": state, "subscriptionRequestResources": resources}))
        .unwrap()
    };
    assert_eq!(
        req("IN_PROGRESS", json!([])).progress(),
        RequestProgress::Running
    );
    assert_eq!(
        req("PENDING", json!([])).progress(),
        RequestProgress::Running
    );
    assert_eq!(
        req("COMPLETED", json!([])).progress(),
        RequestProgress::Completed
    );
    let failed = req(
        "COMPLETED_WITH_FAILURES",
        json!([{"resourceId": "8943", "resourceState": "FAILED",
                "resourceFailureInfos": [{"errorMessage": "Subscription is terminated"}]}]),
    );
    assert_eq!(
        failed.progress(),
        RequestProgress::Failed(
            "request COMPLETED_WITH_FAILURES: 8943: Subscription is terminated".into()
        )
    );
    assert_eq!(
        req("CANCELED", json!([])).progress(),
        RequestProgress::Failed("request CANCELED".into())
    );
}

#[test]
fn cursor_extraction_handles_encoding_and_absence() {
    assert_eq!(
        cursor_from_next("/details?order=ICC&cursor=89%2043&limit=5").as_deref(),
        Some("89 43")
    );
    assert_eq!(cursor_from_next("/details?order=ICC&limit=5"), None);
    assert_eq!(cursor_from_next("/details?cursor="), None);
}

#[test]
fn usage_absent_without_monthly_fields() {
    assert!(
        WireSubscription::default()
            .usage(chrono::Utc::now())
            .is_none()
    );
}
