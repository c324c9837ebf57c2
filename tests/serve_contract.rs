//! The CMO adapter's own contract tests — tests/cmo_contract/adapter.rs and attrs.rs, the ones
//! tests/cmo_adapter.rs and tests/cmo_attrs.rs run against the CMO simulator — run against
//! `cmo serve` (in-process on port 0) in front of the TMSP, JASPER, 1NCE and INTELSAT
//! simulators: a console configured with one CMO account pointing at the gateway sees the
//! same API as with the CMO simulator.

#[path = "cmo_contract/adapter.rs"]
mod adapter;
#[path = "cmo_contract/attrs.rs"]
mod attrs;
#[path = "support/cmo_target.rs"]
mod cmo_target;

/// `cmo serve` over four simulated platforms of 60 products each; asynchronous changes settle
/// on the next request.
async fn target() -> cmo_target::Target {
    cmo_target::Target::gateway(60, std::time::Duration::ZERO).await
}
