//! Deciding a query once per distinct shared value instead of once per row. A million rows
//! share a few dozen accounts, native statuses and (status, kind, connectivity) classes, and
//! most of a query's work is on those: enum terms, `account:`, `native:`, and the part of a
//! bare word that searches the kind and status names, the account and the native status. A
//! [`SharedPlan`] evaluates each term on every distinct value once (tables of term bits), so a
//! row costs three table lookups, and only terms those do not decide read the row itself
//! ([`Query::matches_own`]: identifiers, attribute values, usage, …).
//!
//! A row's own text has a second, per-row summary: a 64-bit Bloom signature of the byte pairs
//! of its lowered identifiers and attribute values ([`own_signature`], kept by the caller in a
//! column). A bare word whose pairs are not all in it cannot be in the row's own text, so most
//! rows a word misses are decided without reading them.
//!
//! Exact by construction: a term's result on a row is its shared part OR its own part
//! (`matcher.rs` splits each predicate that way), negation applied after; see
//! [`SharedPlan::decide`].

use super::matcher::{Pred, Term};
use super::{Fields, Query, RowClass};
use crate::domain::{BackendKind, ConnectivityType, Status};

/// A row's positions in the caller's tables of distinct account names and native statuses
/// (the slices given to [`Query::shared_plan`]); [`SharedIds::UNKNOWN`] when it has none (a
/// table full at `u16::MAX` values), which makes the row be tested in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SharedIds {
    pub account: u16,
    pub native: u16,
}

impl SharedIds {
    pub const UNKNOWN: u16 = u16::MAX;
}

/// What the shared values say about one row (see [`SharedPlan::decide`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Reject,
    Accept,
    /// The terms (bits by position in the query) to test with [`Query::matches_own`].
    Own(u64),
    /// The row's shared values are not in the tables: test these terms with
    /// [`Query::matches_terms`].
    Whole(u64),
}

/// Per-term truth of each distinct shared value for one query (bit `i`: the `i`-th term's
/// shared part holds). Built by [`Query::shared_plan`].
#[derive(Debug, Clone)]
pub struct SharedPlan {
    /// Indexed by the raw [`RowClass`] (9 bits).
    by_class: Box<[u64]>,
    by_account: Box<[u64]>,
    by_native: Box<[u64]>,
    /// Terms written with `!`/`-`.
    negated: u64,
    /// Terms the shared values decide alone (enum terms, `account:`, `native:`).
    shared_only: u64,
    /// Terms to evaluate at all: the rest are known to hold for every candidate row.
    tested: u64,
    /// Bare words with a signature ([`Needle::signature`](super::matcher)), and for each term
    /// position the signature bits its own part needs.
    signed: u64,
    needs: [u64; MAX_PLANNED_TERMS],
}

/// The raw class values: 4 bits of status, 4 of kind, 1 of connectivity.
const CLASSES: usize = 1 << 9;

/// More terms than this are not planned (a bit each); such a query is tested row by row.
pub const MAX_PLANNED_TERMS: usize = 64;

impl SharedPlan {
    /// The row's verdict from its class and shared ids. A term's shared part holding decides
    /// it (true, or false when negated); a term the shared values decide alone and whose shared
    /// part is false is false (true when negated); every other term is left to the row.
    #[inline]
    pub fn decide(&self, class: RowClass, ids: SharedIds) -> Verdict {
        let (Some(account), Some(native)) = (
            self.by_account.get(usize::from(ids.account)),
            self.by_native.get(usize::from(ids.native)),
        ) else {
            return Verdict::Whole(self.tested);
        };
        let class = self.by_class[usize::from(class.0) & (CLASSES - 1)];
        let holds = (class | account | native) & self.tested;
        if holds & self.negated != 0 {
            return Verdict::Reject;
        }
        let undecided = self.tested & !holds;
        if undecided & self.shared_only & !self.negated != 0 {
            return Verdict::Reject;
        }
        match undecided & !self.shared_only {
            0 => Verdict::Accept,
            own => Verdict::Own(own),
        }
    }

    /// The terms of a [`Verdict::Own`] the row's [`own_signature`] leaves to test: a term whose
    /// needed bits it lacks has a false own part, so it rejects the row (`None`) or, negated,
    /// holds (dropped). `Some(0)`: the row passes without being read.
    #[inline]
    pub fn screen(&self, own: u64, signature: u64) -> Option<u64> {
        let mut own = own;
        let mut signed = own & self.signed;
        while signed != 0 {
            let i = signed.trailing_zeros() as usize;
            signed &= signed - 1;
            let need = self.needs[i];
            if signature & need != need {
                if self.negated & bit(i) == 0 {
                    return None;
                }
                own &= !bit(i);
            }
        }
        Some(own)
    }
}

/// The Bloom bit of one byte pair: the top six bits of the pair through a full 64-bit mixer
/// (MurmurHash3's finalizer). A multiplicative hash alone maps pairs that differ by a
/// structured amount together (`49` and `94` shared a bit), and identifiers are mostly digits.
#[inline]
fn pair_bit(a: u8, b: u8) -> u64 {
    let mut x = u64::from(a) << 8 | u64::from(b);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^= x >> 33;
    1u64 << (x >> 58)
}

/// Bloom bits of every adjacent byte pair of `bytes` (already lowered).
pub(super) fn bigram_signature(bytes: &[u8]) -> u64 {
    bytes
        .windows(2)
        .fold(0, |sig, w| sig | pair_bit(w[0], w[1]))
}

/// The signature of a row's own bare-word text: the byte pairs of each identifier and custom
/// attribute value, lowered as the matcher lowers (`simple_lower`, char by char). A caller
/// keeps it beside the row and passes it to [`SharedPlan::decide`].
pub fn own_signature<S: Fields + ?Sized>(s: &S) -> u64 {
    let text = |value: &str| {
        if value.is_ascii() {
            let mut sig = 0;
            let b = value.as_bytes();
            for w in b.windows(2) {
                sig |= pair_bit(w[0].to_ascii_lowercase(), w[1].to_ascii_lowercase());
            }
            sig
        } else {
            bigram_signature(super::matcher::lower(value).as_bytes())
        }
    };
    let identifiers = [
        Some(s.business_id()),
        s.iccid(),
        s.imsi(),
        s.msisdn(),
        s.serial(),
        s.terminal_name(),
    ];
    let sig = identifiers
        .into_iter()
        .flatten()
        .fold(0, |m, v| m | text(v));
    s.attrs().iter().fold(sig, |m, a| m | text(&a.value))
}

/// Bit `i` set for each term position `i`.
fn bit(i: usize) -> u64 {
    1u64 << i
}

/// Terms whose result the shared values decide alone.
fn shared_only(term: &Term) -> bool {
    matches!(
        term.pred,
        Pred::Status(_) | Pred::Kind(_) | Pred::Type(_) | Pred::Account(_) | Pred::Native(_)
    )
}

/// The term's shared part on a class (kind, status, connectivity).
fn class_part(term: &Term, kind: BackendKind, status: Status, conn: ConnectivityType) -> bool {
    match &term.pred {
        Pred::Status(m) => m & super::matcher::status_bit(status) != 0,
        Pred::Kind(m) => m & super::matcher::kind_bit(kind) != 0,
        Pred::Type(m) => m & super::matcher::type_bit(conn) != 0,
        Pred::Bare(n) => n.class_part(kind, status),
        Pred::BareRegex(r) => r.class_part(kind, status),
        _ => false,
    }
}

/// The term's shared part on an account name.
fn account_part(term: &Term, account: &str) -> bool {
    match &term.pred {
        Pred::Account(ts) => ts.iter().any(|t| t.is_match(account)),
        Pred::Bare(n) => n.shared_text_part(account),
        Pred::BareRegex(r) => r.shared_text_part(account),
        _ => false,
    }
}

/// The term's shared part on a native status.
fn native_part(term: &Term, native: &str) -> bool {
    match &term.pred {
        Pred::Native(t) => t.is_match(native),
        Pred::Bare(n) => n.shared_text_part(native),
        Pred::BareRegex(r) => r.shared_text_part(native),
        _ => false,
    }
}

/// Term bits of `terms` whose part holds on `value`.
fn bits(terms: &[Term], part: impl Fn(&Term) -> bool) -> u64 {
    terms
        .iter()
        .enumerate()
        .filter(|(_, t)| part(t))
        .fold(0, |m, (i, _)| m | bit(i))
}

impl Query {
    /// The plan deciding this query per distinct value: `accounts` and `natives` are the
    /// caller's tables (a row's [`SharedIds`] index them). Terms in `skip` (bits by position,
    /// e.g. from [`Query::terms_also_in`]) are taken to hold. `None` when the query has more
    /// than [`MAX_PLANNED_TERMS`] terms.
    pub fn shared_plan<A: AsRef<str>, N: AsRef<str>>(
        &self,
        accounts: &[A],
        natives: &[N],
        skip: u64,
    ) -> Option<SharedPlan> {
        let terms = &self.terms;
        if terms.len() > MAX_PLANNED_TERMS {
            return None;
        }
        let all = if terms.len() == MAX_PLANNED_TERMS {
            u64::MAX
        } else {
            bit(terms.len()) - 1
        };
        let mut by_class = vec![0u64; CLASSES].into_boxed_slice();
        for (s, status) in Status::ALL.into_iter().enumerate() {
            for (k, kind) in BackendKind::ALL.into_iter().enumerate() {
                for (c, conn) in [ConnectivityType::Cellular, ConnectivityType::Satellite]
                    .into_iter()
                    .enumerate()
                {
                    let raw = RowClass::new(status, kind, conn).0;
                    debug_assert_eq!(usize::from(raw), s | k << 4 | c << 8);
                    by_class[usize::from(raw) & (CLASSES - 1)] =
                        bits(terms, |t| class_part(t, kind, status, conn));
                }
            }
        }
        let mut needs = [0u64; MAX_PLANNED_TERMS];
        let mut signed = 0;
        for (i, term) in terms.iter().enumerate() {
            if let Pred::Bare(n) = &term.pred
                && let Some(need) = n.signature()
            {
                needs[i] = need;
                signed |= bit(i);
            }
        }
        Some(SharedPlan {
            signed,
            needs,
            by_class,
            by_account: accounts
                .iter()
                .map(|a| bits(terms, |t| account_part(t, a.as_ref())))
                .collect(),
            by_native: natives
                .iter()
                .map(|n| bits(terms, |t| native_part(t, n.as_ref())))
                .collect(),
            negated: bits(terms, |t| t.negated),
            shared_only: bits(terms, shared_only),
            tested: all & !skip,
        })
    }

    /// Bits of this query's terms that `previous` has too (same text, same negation): on rows
    /// `previous` accepted they hold, so a narrowing keystroke need not test them again.
    /// `usage>N%` terms are always tested again: a row's known level changes without the view
    /// being filtered again (`ui::usage_levels`), and re-testing them keeps what they did.
    pub fn terms_also_in(&self, previous: &Query) -> u64 {
        bits(
            &self.terms[..self.terms.len().min(MAX_PLANNED_TERMS)],
            |t| {
                !matches!(t.pred, Pred::Usage(_))
                    && previous
                        .terms
                        .iter()
                        .any(|p| p.negated == t.negated && p.body == t.body)
            },
        )
    }

    /// Whether the row passes the terms in `mask` on what it holds alone (the rest of a
    /// [`Verdict::Own`]).
    #[inline]
    pub fn matches_own<S: Fields + ?Sized>(&self, s: &S, mask: u64) -> bool {
        // Set bits in order: terms stay in their cost order.
        let mut rest = mask;
        while rest != 0 {
            let i = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            if self.terms.get(i).is_some_and(|t| !t.matches_own(s)) {
                return false;
            }
        }
        true
    }

    /// Whether the row passes the terms in `mask` in full (a [`Verdict::Whole`]).
    pub fn matches_terms<S: Fields + ?Sized>(&self, s: &S, mask: u64) -> bool {
        self.masked(mask).all(|t| t.matches(s))
    }

    fn masked(&self, mask: u64) -> impl Iterator<Item = &Term> {
        self.terms
            .iter()
            .take(MAX_PLANNED_TERMS)
            .enumerate()
            .filter(move |(i, _)| mask & bit(*i) != 0)
            .map(|(_, t)| t)
    }
}
