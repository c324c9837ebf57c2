//! The CMO API v5 wire contract as a *server* speaks it, shared by the CMO simulator
//! (`src/sim/cmo/`) and the `cmo serve` gateway (`src/serve/`): paths, problem objects, the list
//! envelope and its paging parameters, and the JSON Patch / JSON-Patch-Query operations a
//! `PATCH /product/{id}` carries. The CMO adapter (`src/backends/cmo/`) does not use it: the
//! client reads the wire with its own code, so a mistake shared by both ends cannot hide.
//!
//! Imports nothing of ours (tests/layering.rs), so the simulators still stand alone.

pub mod patch;
pub mod wire;

/// The API's path prefix; a tenant's resources live under `{API_PREFIX}/{tenant}`.
pub const API_PREFIX: &str = "/connection-management-orchestrator/v5";
/// Keycloak's client-credentials token path.
pub const TOKEN_PATH: &str = "/auth/realms/iothub/protocol/openid-connect/token";
/// The role a token needs to read.
pub const ROLE_READ: &str = "ro%connection-management-orchestrator";
/// The role a token needs to change anything (PATCH).
pub const ROLE_WRITE: &str = "rw%connection-management-orchestrator";
/// A status change body's media type.
pub const JSON_PATCH: &str = "application/json-patch+json";
/// A custom-property change body's media type.
pub const JSON_PATCH_QUERY: &str = "application/json-patch-query+json";
/// The subproducts of an IoTConnection bundle, as id suffixes.
pub const SUFFIXES: [&str; 4] = [
    "-simCard",
    "-dataConnectivity",
    "-terminal",
    "-usageVolume-data",
];

/// A product id split into its bundle id and subproduct suffix (`""` for the bundle).
pub fn split_suffix(id: &str) -> (&str, &str) {
    SUFFIXES
        .iter()
        .find_map(|s| id.strip_suffix(s).map(|b| (b, &id[b.len()..])))
        .unwrap_or((id, ""))
}
