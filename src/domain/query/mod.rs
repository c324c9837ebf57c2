//! Search queries over the product list (`status:SUSPENDED backend:STC 8949`) and the list's
//! sort keys. A query is parsed once per keystroke and then tested against every row, so
//! parsing does all the work it can (lowercased needles, byte finders, compiled regexes, enum
//! bitmasks) and matching allocates nothing. Pure: no I/O.
//!
//! The grammar is documented for users in `docs/query.md`; `parse.rs` owns the text → terms
//! step, `matcher.rs` what a term is and how it tests one row, `shared.rs` deciding terms once
//! per distinct account, native status and row class, `sort.rs` the sort order.

mod fields;
mod matcher;
mod parse;
mod shared;
mod sort;
#[cfg(test)]
mod tests;
mod usage_term;

pub use fields::{Fields, JOIN_SEPARATOR};
pub use shared::{MAX_PLANNED_TERMS, SharedIds, SharedPlan, Verdict, own_signature};
pub use sort::{SortColumn, SortKey};

use crate::domain::{BackendKind, ConnectivityType, Status};
use matcher::{EnumPositions, Term};

/// A parsed search: whitespace-separated terms, all of which must match. The default (and the
/// parse of blank text) is the empty query, which matches every product.
#[derive(Debug, Clone, Default)]
pub struct Query {
    text: String,
    /// In evaluation order: cheapest first (see [`Term::cost`]); AND is commutative, so the
    /// order changes only the time taken, never the result.
    terms: Vec<Term>,
}

/// A query the user typed that cannot be run: `term` is the offending term exactly as typed
/// (so the UI can point at it), `reason` what is wrong and what would be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{term}`: {reason}")]
pub struct QueryError {
    pub term: String,
    pub reason: String,
}

impl QueryError {
    pub(crate) fn new(term: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            term: term.into(),
            reason: reason.into(),
        }
    }
}

impl Query {
    /// Parses the grammar of `docs/query.md`. Errors name the first bad term.
    pub fn parse(text: &str) -> Result<Query, QueryError> {
        let mut terms = parse::terms(text)?;
        // Stable sort: equal-cost terms keep the order typed.
        terms.sort_by_key(Term::cost);
        Ok(Query {
            text: text.to_string(),
            terms,
        })
    }

    /// True when the query has no terms (blank text): it matches everything.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The text as given to [`Query::parse`].
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the row matches every term. Custom attributes come from `s.attrs()`.
    #[inline]
    pub fn matches<S: Fields + ?Sized>(&self, s: &S) -> bool {
        self.terms.iter().all(|t| t.matches(s))
    }

    /// What the query's enum terms allow, for callers that keep each row's status, kind and
    /// connectivity in a compact column ([`RowClass`]): such a caller rejects rows from the
    /// column alone and tests only the survivors with [`Query::matches_rest`].
    pub fn enum_plan(&self) -> EnumPlan {
        let mut plan = EnumPlan::EVERYTHING;
        for term in &self.terms {
            match term.enum_positions() {
                Some(EnumPositions::Status(m)) => plan.statuses &= m,
                Some(EnumPositions::Kind(m)) => plan.kinds &= m,
                Some(EnumPositions::Type(m)) => plan.types &= m,
                None => plan.rest = true,
            }
        }
        plan
    }

    /// Whether the row matches every term that is not an enum term (those [`Query::enum_plan`]
    /// decides). Together they decide exactly what [`Query::matches`] does.
    #[inline]
    pub fn matches_rest<S: Fields + ?Sized>(&self, s: &S) -> bool {
        self.terms
            .iter()
            .filter(|t| !t.is_enum())
            .all(|t| t.matches(s))
    }

    /// True when every product `self` matches is also matched by `previous` (e.g. `previous`'s
    /// terms are a subset of self's, or a bare word extended: `89` → `894`), so a caller may
    /// filter only the previous result.
    ///
    /// Conservative: `false` means only "not proven", and the caller filters everything again.
    /// It holds when each of `previous`'s terms is implied by one of `self`'s.
    pub fn narrows(&self, previous: &Query) -> bool {
        previous
            .terms
            .iter()
            .all(|p| self.terms.iter().any(|t| t.implies(p)))
    }
}

/// A row's status, kind and connectivity packed in two bytes: the column a caller keeps to
/// apply an [`EnumPlan`] without reading rows (a million rows: 2 MB scanned, not the rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RowClass(u16);

impl RowClass {
    pub fn new(status: Status, kind: BackendKind, connectivity: ConnectivityType) -> RowClass {
        let pos = |found: Option<usize>| u16::try_from(found.unwrap_or(0)).unwrap_or(0);
        let status = pos(Status::ALL.iter().position(|s| *s == status));
        let kind = pos(BackendKind::ALL.iter().position(|k| *k == kind));
        let conn = match connectivity {
            ConnectivityType::Cellular => 0,
            ConnectivityType::Satellite => 1,
        };
        RowClass(status | kind << 4 | conn << 8)
    }

    /// Position of the status in `Status::ALL`.
    #[inline]
    pub fn status_slot(self) -> usize {
        usize::from(self.0 & 0xf)
    }
}

/// What a query's enum terms allow (bitmasks by position; see [`Query::enum_plan`]) and
/// whether other terms remain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnumPlan {
    pub statuses: u16,
    pub kinds: u16,
    pub types: u16,
    /// Terms other than enum terms exist: survivors need [`Query::matches_rest`].
    pub rest: bool,
}

impl EnumPlan {
    const EVERYTHING: EnumPlan = EnumPlan {
        statuses: u16::MAX,
        kinds: u16::MAX,
        types: u16::MAX,
        rest: false,
    };

    /// Whether the enum terms accept a row of this class.
    #[inline]
    pub fn accepts(&self, class: RowClass) -> bool {
        let c = class.0;
        self.statuses >> (c & 0xf) & 1 != 0
            && self.kinds >> (c >> 4 & 0xf) & 1 != 0
            && self.types >> (c >> 8 & 0x1) & 1 != 0
    }

    /// Whether the enum terms accept every row (no enum term, or ones that allow all).
    pub fn accepts_all(&self) -> bool {
        self.statuses == u16::MAX && self.kinds == u16::MAX && self.types == u16::MAX
    }
}
