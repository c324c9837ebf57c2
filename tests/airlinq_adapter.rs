//! What is peculiar to the AIRLINQ adapter: a fixed API key — a wrong or revoked key is
//! unauthorized after one request (a key cannot be refreshed) without leaking it. Everything
//! AIRLINQ shares with STC is tested over both in tests/async_cellular_adapters.rs.

mod support;

use cmo::backends::{BackendError, PageRequest};
use std::time::Duration;
use support::rig;

#[tokio::test]
async fn a_wrong_or_revoked_key_is_unauthorized_after_one_request() {
    let r = rig("AIRLINQ", 5, Duration::ZERO).await;
    let wrong = r.with_secret("jcmp_not-the-key");
    let before = r.requests();
    let e = wrong
        .list_products(PageRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Unauthorized { .. }), "{e:?}");
    assert!(e.to_string().contains("revoked"), "carrier message: {e}");
    assert_eq!(r.requests() - before, 1, "a key cannot be refreshed");

    r.backend
        .list_products(PageRequest::default())
        .await
        .expect("valid key");
    r.control().expire_tokens_now();
    let e = r
        .backend
        .list_products(PageRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Unauthorized { .. }), "{e:?}");
    assert!(!e.to_string().contains(&r.platform().secret), "key leaked");
}
