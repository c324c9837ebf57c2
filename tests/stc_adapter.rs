//! What is peculiar to the STC adapter: OAuth2 client credentials with Basic client
//! authentication — an expired token is refreshed once, a bad secret is unauthorized without
//! leaking it. Everything STC shares with AIRLINQ is tested over both in
//! tests/async_cellular_adapters.rs.

mod support;

use cmo::backends::{BackendError, PageRequest};
use std::time::Duration;
use support::rig;

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_a_bad_secret_is_unauthorized() {
    let r = rig("STC", 5, Duration::ZERO).await;
    r.backend
        .list_products(PageRequest::default())
        .await
        .expect("first token");
    r.control().expire_tokens_now();
    let before = r.requests();
    r.backend
        .list_products(PageRequest::default())
        .await
        .expect("refreshed after the 401");
    // The 401, the new token, the retried page.
    assert_eq!(r.requests() - before, 3);

    let wrong = r.with_secret("not-the-secret");
    let e = wrong
        .list_products(PageRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(e, BackendError::Unauthorized { .. }), "{e:?}");
    assert!(
        e.to_string().contains("client authentication failed"),
        "{e}"
    );
    assert!(!e.to_string().contains("not-the-secret"), "secret leaked");
}
