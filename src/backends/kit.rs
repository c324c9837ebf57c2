//! The adapter kit: the pieces every platform adapter shares, once — the constructor of an
//! account's HTTP policy from its config, the id validators (an ICCID or a serial out of a
//! business id, always `InvalidInput` for the wrong kind so `Engine::find_on` can split mixed
//! lookups), the naming of a 404, the numbered page cursor, and the bulk-call limits. An adapter keeps only its wire
//! DTOs, its endpoints and its mapping.

use super::http::{HttpPolicy, Limits, TokenSource};
use super::{Account, BackendError, BackendResult, BulkLimits};
use crate::config::BackendConfig;
use crate::domain::health::HealthBoard;
use crate::domain::{BackendKind, BusinessId};
use reqwest::Url;
use std::sync::Arc;

/// The account `config` describes, as platform `kind`.
pub fn account(config: &BackendConfig, kind: BackendKind) -> Account {
    Account {
        name: config.name.clone(),
        kind,
        account_id: config.account_id.clone(),
    }
}

/// The HTTP policy of an account: its limits from the config, its token source, its health.
pub fn policy(
    config: &BackendConfig,
    kind: BackendKind,
    auth: Box<dyn TokenSource>,
    health: Arc<HealthBoard>,
) -> BackendResult<HttpPolicy> {
    HttpPolicy::new(
        account(config, kind),
        Limits::from_config(config),
        auth,
        health,
    )
}

/// The configured base URL without a trailing `/`, ready for `format!("{base}/path")`.
pub fn base(config: &BackendConfig) -> String {
    config.base_url.as_str().trim_end_matches('/').to_string()
}

/// The token (or login) endpoint: `auth.token_url` when configured, else `{base}{path}`.
pub fn token_url(config: &BackendConfig, base: &str, path: &str) -> BackendResult<Url> {
    match &config.auth.token_url {
        Some(u) => Ok(u.clone()),
        None => Url::parse(&format!("{base}{path}")).map_err(|e| BackendError::Other {
            backend: config.name.clone(),
            detail: format!("cannot derive the token URL from base_url: {e}"),
        }),
    }
}

/// The ICCID of `id`; a serial is the wrong kind of id for these products.
pub fn iccid<'a>(account: &Account, id: &'a BusinessId) -> BackendResult<&'a str> {
    match id {
        BusinessId::Iccid(i) => Ok(i.as_str()),
        BusinessId::Serial(s) => Err(BackendError::InvalidInput(format!(
            "{} products are SIMs identified by ICCID; '{s}' is not an ICCID",
            account.kind.as_str()
        ))),
    }
}

/// The serial of `id`; an ICCID is the wrong kind of id for a satellite terminal.
pub fn serial<'a>(account: &Account, id: &'a BusinessId) -> BackendResult<&'a str> {
    match id {
        BusinessId::Serial(s) => Ok(s.as_str()),
        BusinessId::Iccid(i) => Err(BackendError::InvalidInput(format!(
            "{} products are terminals identified by serial; '{i}' is an ICCID",
            account.kind.as_str()
        ))),
    }
}

/// A 404 names what was missing: the HTTP policy only knows the URL was not found, the adapter
/// knows it asked for `what` ("SIM 8988…", "terminal 27597").
pub fn named(what: impl Into<String>) -> impl Fn(BackendError) -> BackendError {
    let what = what.into();
    move |e| match e {
        BackendError::NotFound { backend, .. } => BackendError::NotFound {
            backend,
            what: what.clone(),
        },
        other => other,
    }
}

/// A 404 about a SIM, by ICCID.
pub fn name_sim(iccid: &str) -> impl Fn(BackendError) -> BackendError {
    named(format!("SIM {iccid}"))
}

/// "Not found" for `what` on `account`, for answers that are a 200 without the item.
pub fn not_found(account: &Account, what: impl Into<String>) -> BackendError {
    BackendError::NotFound {
        backend: account.name.clone(),
        what: what.into(),
    }
}

/// A numbered page cursor: absent is page `first`, else the page number the previous page
/// handed out. Platforms number from 1 (1NCE, STC, CMO) or from 0 (TMSP).
pub fn page_number(account: &Account, cursor: Option<&str>, first: u32) -> BackendResult<u32> {
    match cursor {
        None => Ok(first),
        Some(c) => c
            .parse::<u32>()
            .ok()
            .filter(|p| *p >= first)
            .ok_or_else(|| {
                BackendError::InvalidInput(format!(
                    "'{c}' is not a {} page cursor",
                    account.kind.as_str()
                ))
            }),
    }
}

/// The cursor of the page after `number`, when there is one.
pub fn next_page(number: u32, more: bool) -> Option<String> {
    more.then(|| (number + 1).to_string())
}

/// The bulk status call's limits for an account (`bulk_max_items`, `bulk_settle_timeout`):
/// the configured list size capped at the carrier's maximum, `None` when `bulk_max_items = 0`
/// turned the bulk call off.
pub fn bulk_limits(
    config: &BackendConfig,
    carrier_max: usize,
    default_settle: std::time::Duration,
) -> Option<BulkLimits> {
    let max_items = config
        .bulk_max_items
        .unwrap_or(carrier_max)
        .min(carrier_max);
    (max_items > 0).then_some(BulkLimits {
        max_items,
        settle: config.bulk_settle_timeout.unwrap_or(default_settle),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Iccid, TerminalSerial};

    fn acct(kind: BackendKind) -> Account {
        Account {
            name: "a".into(),
            kind,
            account_id: "x".into(),
        }
    }

    #[test]
    fn the_wrong_kind_of_id_is_invalid_input_both_ways() {
        let sim = BusinessId::Iccid("8988228066612345678".parse::<Iccid>().unwrap());
        let term = BusinessId::Serial("SN-1".parse::<TerminalSerial>().unwrap());
        let a = acct(BackendKind::Tmsp);
        assert_eq!(iccid(&a, &sim).unwrap(), "8988228066612345678");
        assert!(matches!(
            iccid(&a, &term),
            Err(BackendError::InvalidInput(_))
        ));
        let i = acct(BackendKind::Intelsat);
        assert_eq!(serial(&i, &term).unwrap(), "SN-1");
        assert!(matches!(
            serial(&i, &sim),
            Err(BackendError::InvalidInput(_))
        ));
    }

    #[test]
    fn a_404_is_renamed_and_other_errors_pass() {
        let e = named("SIM 1")(BackendError::NotFound {
            backend: "b".into(),
            what: "/x/y".into(),
        });
        match e {
            BackendError::NotFound { backend, what } => {
                assert_eq!((backend.as_str(), what.as_str()), ("b", "SIM 1"));
            }
            other => panic!("{other:?}"),
        }
        let e = name_sim("1")(BackendError::InvalidInput("bad".into()));
        assert!(matches!(e, BackendError::InvalidInput(m) if m == "bad"));
    }

    #[test]
    fn page_cursors_start_at_first_and_refuse_junk() {
        let a = acct(BackendKind::OneNce);
        assert_eq!(page_number(&a, None, 1).unwrap(), 1);
        assert_eq!(page_number(&a, Some("7"), 1).unwrap(), 7);
        assert_eq!(page_number(&a, None, 0).unwrap(), 0);
        assert!(page_number(&a, Some("0"), 1).is_err());
        let e = page_number(&a, Some("x"), 1).unwrap_err();
        assert!(e.to_string().contains("1NCE page cursor"), "{e}");
        assert_eq!(next_page(3, true).as_deref(), Some("4"));
        assert_eq!(next_page(3, false), None);
    }
}
