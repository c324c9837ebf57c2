//! Search queries over the product list (`status:SUSPENDED backend:STC 8949`) and the list's
//! sort keys. A query is parsed once per keystroke and then tested against every row, so
//! parsing does all the work it can (lowercased needles, byte finders, compiled regexes, enum
//! bitmasks) and matching allocates nothing. Pure: no I/O.
//!
//! The grammar is documented for users in `docs/query.md`; `parse.rs` owns the text → terms
//! step, `matcher.rs` what a term is and how it tests one row, `sort.rs` the sort order.

mod fields;
mod matcher;
mod parse;
mod sort;
#[cfg(test)]
mod tests;
mod usage_term;

pub use fields::{Fields, JOIN_SEPARATOR};
pub use sort::{SortColumn, SortKey};

use matcher::Term;

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
