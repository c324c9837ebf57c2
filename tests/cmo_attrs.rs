//! Where custom attributes live next to a CMO account (tests/cmo_contract/attrs.rs), with the
//! CMO simulator as the server. tests/serve_contract.rs runs the same tests against `cmo serve`.

#[path = "support/cmo_target.rs"]
mod cmo_target;
#[path = "cmo_contract/attrs.rs"]
mod contract;

/// The CMO simulator with 60 products.
async fn target() -> cmo_target::Target {
    cmo_target::Target::simulator(60, cmo::sim::SimOptions::default().async_delay).await
}
