//! The CMO API's published example payloads (docs/backends/cmo.md, the 2023 docs) through
//! the wire conversion: whatever our simulator sends, these are what a real tenant sends.

use super::wire::{self, WireFind, WireList, WireMonitor, WireProduct};
use crate::backends::Account;
use crate::domain::usage::{BucketLevel, Unit};
use crate::domain::{BackendKind, ConnectivityType, MonitorState, Status};

fn account() -> Account {
    Account {
        name: "tenant-eos".into(),
        kind: BackendKind::Cmo,
        account_id: "eos".into(),
    }
}

/// §4.1: the abridged list answer (`fields=id,connectivityType,status`, no SYSTEM).
const LIST: &str = r#"{
  "entities": [ { "id": "JASPER-8997112212741433747", "status": "ACTIVE", "connectivityType": "CELLULAR" } ],
  "statistics": { "currentPage": 1, "pageSize": 1 },
  "links": [ { "type": "self", "url": "https://myiot-t.com/api-gw/connection-management-orchestrator/eos/product?pageSize=5&fields=id,connectivityType,status" } ]
}"#;

/// §5.1/5.3: a Jasper bundle with the field and characteristic names the docs show; as in the
/// docs, the bundle is `INACTIVE` while its SIM card is `ACTIVE`.
const JASPER_BUNDLE: &str = r#"{
  "id": "JASPER-8997112212741433747", "href": "https://myiot-t.com/x", "isBundle": true, "name": "",
  "startDate": "2020-04-01T20:00:00.000Z", "status": "INACTIVE", "connectivityType": "CELLULAR",
  "relatedParty": [ { "id": "100125307", "name": "JASPER_1", "role": "customer" } ],
  "productOffering": { "name": "1GB Shared Fixed Pool Roaming" },
  "billingAccount": { "id": "" },
  "productCharacteristic": [ { "name": "SYSTEM", "value": "JASPER" } ],
  "productRelationship": [ { "type": "BUNDLED", "product": {
      "id": "JASPER-8997112212741433747-simCard", "isBundle": false, "status": "ACTIVE",
      "productCharacteristic": [
        { "name": "dateActivated", "value": "2020-04-01T20:00:00.000Z" },
        { "name": "dateAdded", "value": "2019-11-02T10:00:00.000Z" },
        { "name": "euiccid", "value": "" },
        { "name": "globalSimType", "value": "M2M" },
        { "name": "ICCID", "value": "8997112212741433747" },
        { "name": "imei", "value": "358955114453254" },
        { "name": "IMSI", "value": "262013099099918" },
        { "name": "MSISDN", "value": "4915149695601" },
        { "name": "simNotes", "value": "pier 4" } ],
      "customProperty": [ { "name": "MyFavoriteColour", "value": "Blue" } ],
      "@baseType": "product", "@type": "simCard" } } ],
  "@baseType": "product", "@type": "IoTConnection", "correlationId": "0b6f1c1e-0000-4000-8000-000000000000"
}"#;

/// §4.3 + §5.4/5.5: `find` with an Intelsat bundle (lowercase `system`, `account_index`), its
/// terminal and usage, and the per-id problem for an ICCID not found.
const FIND: &str = r#"{
  "entities": [ {
    "id": "INTELSAT-27597", "isBundle": true, "isCustomerVisible": true, "status": "ACTIVE",
    "connectivityType": "SATELLITE",
    "productCharacteristic": [ { "name": "system", "value": "INTELSAT" }, { "name": "account_index", "value": "0" } ],
    "productRelationship": [
      { "type": "BUNDLED", "product": {
          "id": "INTELSAT-27597-terminal", "isBundle": false, "isCustomerVisible": true, "status": "ACTIVE",
          "customProperty": [],
          "productCharacteristic": [
            { "name": "serialNumber", "value": "27597" }, { "name": "name", "value": "MV Example" },
            { "name": "latitude", "value": "53.5461" }, { "name": "longitude", "value": "9.9661" },
            { "name": "model", "value": "Intellian v100" }, { "name": "state", "value": "synced" },
            { "name": "mobilityType", "value": "Fixed" }, { "name": "imoNumber", "value": "9321483" },
            { "name": "mmsi", "value": "211331640" }, { "name": "antennaCode", "value": "ANT-1" },
            { "name": "lastUpdated", "value": "2023-06-09T08:36:31.696Z" },
            { "name": "lastSync", "value": "2023-06-09T08:36:31.696Z" } ],
          "@type": "terminal" } },
      { "type": "BUNDLED", "product": {
          "id": "INTELSAT-27597-usageVolume-data", "href": "...", "isShared": false, "isBundle": false,
          "usageType": "DATA", "@baseType": "product", "@type": "usageVolume",
          "bucketCounter": [ { "valueName": "1401626.776576 KB",
                               "value": { "amount": 1401626.776576, "units": "KB" },
                               "consumptionPeriod": { "startDateTime": "2023-05-18T16:08:35.000Z", "endDateTime": "2023-06-09T08:36:31.696Z" },
                               "counterType": "USED" } ] } } ]
  } ],
  "errors": [ { "type": "Not Found", "status": 404, "title": "Error",
                "detail": "Product with iccid 8907160000000000533 not found",
                "instance": ".../v5/eos/product/eos/product/find",
                "externalErrors": [], "@type": "problem", "traceId": "15ff4b9d-0000" } ]
}"#;

/// §4.9: the documented monitor fragment (with the docs' `pdocut` typo).
const MONITOR: &str = r#"{
  "id": "89490200001575268860-1685435484707",
  "response": { "header": [], "statusCode": 202 },
  "sourceHref": "https://myiot-t.com/api-gw/connection-management-orchestrator/v5/eos/pdocut/TMSP-89490200001575268860-1685435484707-simCard",
  "state": "InProgress"
}"#;

#[test]
fn the_abridged_list_sample_gives_a_row_from_the_id_alone() {
    let list: WireList = serde_json::from_str(LIST).unwrap();
    let row = wire::summary(&list.entities[0], &account()).expect("a row");
    assert_eq!(row.id.to_string(), "JASPER-8997112212741433747");
    assert_eq!(row.id.kind, BackendKind::Jasper);
    assert_eq!(row.status.status, Status::Active);
    assert_eq!(row.connectivity, ConnectivityType::Cellular);
}

#[test]
fn the_jasper_bundle_sample_fills_the_sim_card_and_its_properties() {
    let p: WireProduct = serde_json::from_str(JASPER_BUNDLE).unwrap();
    assert_eq!(p.system(), Some(BackendKind::Jasper));
    let product = wire::product(&p, &account()).expect("a product");
    // relatedParty.name is our configured account (docs/architecture.md); IoT Hub's name for the platform
    // account is kept as a characteristic.
    assert_eq!(product.summary.related_party.name, "tenant-eos");
    assert_eq!(product.summary.related_party.id, "100125307");
    assert!(
        product
            .characteristics
            .iter()
            .any(|c| c.name == "platformAccount" && c.value == "JASPER_1")
    );
    // The row shows the SIM card's status and identifiers, not the bundle's.
    assert_eq!(product.summary.status.status, Status::Active);
    assert_eq!(product.summary.imsi.as_deref(), Some("262013099099918"));
    assert_eq!(
        product.product_offering.as_deref(),
        Some("1GB Shared Fixed Pool Roaming")
    );
    let sim = product.sim_card.expect("simCard");
    assert_eq!(sim.iccid, "8997112212741433747");
    assert_eq!(sim.imsi.as_deref(), Some("262013099099918"));
    assert_eq!(sim.msisdn.as_deref(), Some("4915149695601"));
    assert_eq!(sim.imei.as_deref(), Some("358955114453254"));
    let extra: Vec<_> = sim
        .characteristics
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert!(
        extra.contains(&"simNotes") && !extra.contains(&"ICCID"),
        "{extra:?}"
    );
    assert_eq!(product.custom[0].name, "MyFavoriteColour");
}

#[test]
fn the_find_sample_gives_the_intelsat_terminal_usage_and_the_missing_iccid() {
    let found: WireFind = serde_json::from_str(FIND).unwrap();
    let p = &found.entities[0];
    assert_eq!(
        p.system(),
        Some(BackendKind::Intelsat),
        "lowercase `system`"
    );
    let product = wire::product(p, &account()).expect("a product");
    assert_eq!(product.summary.connectivity, ConnectivityType::Satellite);
    let t = product.terminal.expect("terminal");
    assert_eq!(t.serial, "27597");
    assert_eq!((t.latitude, t.longitude), (Some(53.5461), Some(9.9661)));
    assert_eq!(t.mobility_type.as_deref(), Some("Fixed"));
    assert_eq!(t.imo_number.as_deref(), Some("9321483"));
    assert!(t.characteristics.iter().any(|c| c.name == "lastSync"));
    // Satellite use only: the global bucket alone, in the platform's units.
    let usage = product.usage.expect("usage");
    assert_eq!(usage.buckets.len(), 1, "{usage:?}");
    assert_eq!(usage.buckets[0].level, BucketLevel::Global);
    assert_eq!(usage.buckets[0].units, Unit::Kb);
    assert!((usage.buckets[0].amount - 1_401_626.776_576).abs() < 1e-6);
    assert_eq!(found.errors[0].status, Some(404));
    assert!(
        found.errors[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("8907160000000000533")
    );
}

#[test]
fn the_monitor_sample_is_in_progress_with_its_status_code() {
    let m: WireMonitor = serde_json::from_str(MONITOR).unwrap();
    let monitor = wire::monitor(&m, &account(), "status → ACTIVE".into());
    assert_eq!(monitor.id, "CMO-89490200001575268860-1685435484707");
    assert_eq!(monitor.state, MonitorState::InProgress);
    assert_eq!(monitor.status_code, Some(202));
}
