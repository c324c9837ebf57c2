//! The CMO adapter's contract tests (tests/cmo_contract/adapter.rs) against the CMO simulator
//! (ephemeral port). tests/serve_contract.rs runs the same tests against `cmo serve`.

#[path = "support/cmo_target.rs"]
mod cmo_target;
#[path = "cmo_contract/adapter.rs"]
mod contract;

/// The CMO simulator with 230 products; asynchronous changes settle on the next request.
async fn target() -> cmo_target::Target {
    cmo_target::Target::simulator(230, std::time::Duration::ZERO).await
}
