//! Product bundles: the list summary, and the cellular (SIM card, data connectivity, usage) and
//! satellite (terminal, usage) subproducts. Text here is carrier text: sanitize before display.

use super::{CustomAttribute, NativeStatus, ProductId, Usage};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ConnectivityType {
    Cellular,
    Satellite,
}

impl ConnectivityType {
    pub const fn as_str(self) -> &'static str {
        match self {
            ConnectivityType::Cellular => "CELLULAR",
            ConnectivityType::Satellite => "SATELLITE",
        }
    }
}

/// The platform account that holds a product (CMO `relatedParty`): `name` is the account name
/// configured in the console, `id` the account id on the carrier platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedParty {
    pub id: String,
    pub name: String,
}

/// A name/value pair, as CMO `productCharacteristic` (all values are strings on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Characteristic {
    pub name: String,
    pub value: String,
}

impl Characteristic {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// One row of the product list (seed: "a summary of selected attributes for each product").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductSummary {
    pub id: ProductId,
    pub related_party: RelatedParty,
    pub connectivity: ConnectivityType,
    pub status: NativeStatus,
    pub iccid: Option<String>,
    pub imsi: Option<String>,
    pub msisdn: Option<String>,
    pub serial: Option<String>,
    pub terminal_name: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Custom attributes the row knows of: the CMO tenant's `customProperty` for products a CMO
    /// account holds (from its listing), the local store's for every other product (merged in
    /// by whoever holds the rows). What `attr:` queries search.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attrs: Vec<crate::domain::CustomAttribute>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimCard {
    pub iccid: String,
    pub imsi: Option<String>,
    pub msisdn: Option<String>,
    pub imei: Option<String>,
    pub status: NativeStatus,
    /// Backend-specific extras (activation date, SIM type, barring flags, …).
    pub characteristics: Vec<Characteristic>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataConnectivity {
    pub network_provider: Option<String>,
    /// LTE, GPRS, NB-IoT, …
    pub connectivity_type: Option<String>,
    pub communication_plan: Option<String>,
    pub apns: Vec<String>,
    pub characteristics: Vec<Characteristic>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Terminal {
    pub serial: String,
    pub name: Option<String>,
    pub status: NativeStatus,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub model: Option<String>,
    pub mobility_type: Option<String>,
    pub antenna_code: Option<String>,
    pub imo_number: Option<String>,
    pub mmsi: Option<String>,
    pub last_updated: Option<String>,
    pub characteristics: Vec<Characteristic>,
}

/// A full product bundle. Subproducts a backend does not support are `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub summary: ProductSummary,
    pub product_offering: Option<String>,
    pub start_date: Option<String>,
    pub characteristics: Vec<Characteristic>,
    pub sim_card: Option<SimCard>,
    pub data_connectivity: Option<DataConnectivity>,
    pub terminal: Option<Terminal>,
    pub usage: Option<Usage>,
    pub custom: Vec<CustomAttribute>,
}
