//! What a parsed term is (`Term`, `Pred`) and how it tests one row, allocation-free: enum
//! terms are bitmasks, bare words are prebuilt searchers over lowercased needles, globs and
//! prefixes compare bytes when both sides are ASCII. Also which term implies which (`narrows`).
//!
//! Case-insensitivity everywhere is per character: a char is lowered with [`simple_lower`]
//! (its lowercase when that is a single char), on both the needle and the row side, so the fast
//! ASCII paths and the Unicode fallbacks agree.

use super::fields::{Fields, JOIN_SEPARATOR};
use crate::domain::{BackendKind, ConnectivityType, Status};
use memchr::memmem::Finder;
use regex::Regex;

/// One term of a query: a predicate, possibly negated.
#[derive(Debug, Clone)]
pub(super) struct Term {
    /// The term as typed without its negation, with quoting made explicit: two terms with the
    /// same body select the same rows (used by `implies`).
    pub body: String,
    pub negated: bool,
    pub pred: Pred,
}

/// The single-valued identifier fields with prefix semantics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Iccid,
    Imsi,
    Msisdn,
    Serial,
    Name,
}

impl Field {
    fn get<S: Fields + ?Sized>(self, s: &S) -> Option<&str> {
        match self {
            Field::Iccid => s.iccid(),
            Field::Imsi => s.imsi(),
            Field::Msisdn => s.msisdn(),
            Field::Serial => s.serial(),
            Field::Name => s.terminal_name(),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) enum Pred {
    /// Bit `i` set: `Status::ALL[i]` matches (from `status:A,B` or `status:~re`).
    Status(u16),
    /// Bit `i` set: `BackendKind::ALL[i]` matches.
    Kind(u16),
    /// Bit 0 cellular, bit 1 satellite.
    Type(u8),
    Bare(Box<Needle>),
    BareRegex(Box<BareRegex>),
    /// On the full id `KIND-business`.
    Id(Text),
    Field(Field, Text),
    Native(Text),
    /// Any of (comma list).
    Account(Vec<Text>),
    /// Has an attribute whose name matches.
    AttrName(Text),
    /// Has an attribute whose name matches the first and whose value matches the second.
    Attr(Text, Text),
    /// `usage>80%` and the other comparisons of the known allowance share (`usage_term.rs`).
    Usage(super::usage_term::UsageCmp),
    /// `online:yes` / `online:no`: the row's known session state is this; unknown matches
    /// neither (docs/query.md).
    Online(bool),
}

/// A text match on one field value.
#[derive(Debug, Clone)]
pub(super) enum Text {
    /// Case-insensitive prefix; the needle is already lowered.
    Prefix(String),
    /// Whole value, case-insensitive, `*` and `?` wildcards (no wildcard: exact).
    Glob(Glob),
    Regex(Regex),
}

impl Text {
    pub(super) fn is_match(&self, hay: &str) -> bool {
        match self {
            Text::Prefix(p) => starts_with_ci(hay, p),
            Text::Glob(g) => g.is_match(hay),
            Text::Regex(r) => r.is_match(hay),
        }
    }

    fn is_match_id(&self, kind: BackendKind, business: &str) -> bool {
        match self {
            // The common case compares in place instead of building `KIND-business`.
            Text::Prefix(p) => id_starts_with(kind, business, p),
            _ => with_full_id(kind, business, |full| self.is_match(full)),
        }
    }

    fn is_regex(&self) -> bool {
        matches!(self, Text::Regex(_))
    }
}

impl Term {
    /// Evaluation rank, cheapest first: one enum bit test; attribute terms (most rows have no
    /// attributes, so they reject at once); field prefixes and globs; bare words (up to a dozen
    /// fields); regexes.
    pub fn cost(&self) -> u8 {
        match &self.pred {
            Pred::Status(_) | Pred::Kind(_) | Pred::Type(_) | Pred::Usage(_) | Pred::Online(_) => 0,
            Pred::AttrName(_) | Pred::Attr(..) => 1,
            Pred::Id(t) | Pred::Field(_, t) | Pred::Native(t) => {
                if t.is_regex() {
                    4
                } else {
                    2
                }
            }
            Pred::Account(ts) => {
                if ts.iter().any(Text::is_regex) {
                    4
                } else {
                    2
                }
            }
            Pred::Bare(_) => 3,
            Pred::BareRegex(_) => 5,
        }
    }

    #[inline]
    pub fn matches<S: Fields + ?Sized>(&self, s: &S) -> bool {
        self.pred.matches(s) != self.negated
    }

    /// The term on what the row holds alone, for a row whose shared values (kind, status,
    /// account, native status) did not decide it (`shared.rs`): a bare word's own fields, any
    /// other term in full. Negation applied.
    #[inline]
    pub fn matches_own<S: Fields + ?Sized>(&self, s: &S) -> bool {
        let own = match &self.pred {
            Pred::Bare(n) => n.own_part(s),
            Pred::BareRegex(r) => r.own_part(s),
            pred => pred.matches(s),
        };
        own != self.negated
    }

    /// True when every row `self` matches is matched by `other` (conservative).
    pub fn implies(&self, other: &Term) -> bool {
        if self.negated == other.negated && self.body == other.body {
            return true;
        }
        // Enum sets: compare the effective sets, negation included.
        if let (Some((a, all)), Some((b, all_b))) = (self.enum_set(), other.enum_set())
            && all == all_b
        {
            return a & !b & all == 0;
        }
        let (a, b) = match (self.negated, other.negated) {
            (false, false) => (&self.pred, &other.pred),
            // !A ⊆ !B  ⇔  B ⊆ A.
            (true, true) => (&other.pred, &self.pred),
            _ => return false,
        };
        match (a, b) {
            (Pred::Bare(a), Pred::Bare(b)) => a.implies(b),
            (Pred::Field(fa, Text::Prefix(a)), Pred::Field(fb, Text::Prefix(b))) => {
                fa == fb && a.starts_with(b.as_str())
            }
            (Pred::Id(Text::Prefix(a)), Pred::Id(Text::Prefix(b))) => a.starts_with(b.as_str()),
            _ => false,
        }
    }

    /// Whether this is an enum term (`status:`, `backend:`, `type:`).
    #[inline]
    pub fn is_enum(&self) -> bool {
        matches!(self.pred, Pred::Status(_) | Pred::Kind(_) | Pred::Type(_))
    }

    /// For an enum term (`status:`, `backend:`, `type:`), what it allows with its negation
    /// applied, as a mask by position in `Status::ALL`, `BackendKind::ALL` or
    /// [cellular, satellite]; `None` for every other term.
    pub fn enum_positions(&self) -> Option<EnumPositions> {
        let flip = |m: u16| if self.negated { !m } else { m };
        match self.pred {
            Pred::Status(m) => Some(EnumPositions::Status(positions(
                Status::ALL.iter().map(|st| flip(m) & status_bit(*st) != 0),
            ))),
            Pred::Kind(m) => Some(EnumPositions::Kind(positions(
                BackendKind::ALL.iter().map(|k| flip(m) & kind_bit(*k) != 0),
            ))),
            Pred::Type(m) => Some(EnumPositions::Type(positions(
                [ConnectivityType::Cellular, ConnectivityType::Satellite]
                    .iter()
                    .map(|t| flip(u16::from(m)) & u16::from(type_bit(*t)) != 0),
            ))),
            _ => None,
        }
    }

    /// `(effective bitmask, universe)` for enum terms; the universe tells the enums apart.
    fn enum_set(&self) -> Option<(u16, u16)> {
        let (mask, all) = match self.pred {
            Pred::Status(m) => (m, (1u16 << Status::ALL.len()) - 1),
            // Bit 15 marks the kind universe apart from the status one (11 kinds < 15 bits).
            Pred::Kind(m) => (m, ((1u16 << BackendKind::ALL.len()) - 1) | 1 << 15),
            Pred::Type(m) => (u16::from(m), 0b11 | 1 << 14),
            _ => return None,
        };
        let mask = if self.negated { !mask } else { mask };
        Some((mask & all, all))
    }
}

/// What one enum term allows, by position (see [`Term::enum_positions`]).
#[derive(Debug, Clone, Copy)]
pub(super) enum EnumPositions {
    Status(u16),
    Kind(u16),
    Type(u16),
}

/// Bit `i` set where the `i`-th flag is.
fn positions(flags: impl Iterator<Item = bool>) -> u16 {
    flags
        .enumerate()
        .filter(|(_, on)| *on)
        .fold(0, |m, (i, _)| m | 1 << i)
}

pub(super) const fn status_bit(s: Status) -> u16 {
    1 << s as u16
}

pub(super) const fn kind_bit(k: BackendKind) -> u16 {
    1 << k as u16
}

pub(super) const fn type_bit(t: ConnectivityType) -> u8 {
    match t {
        ConnectivityType::Cellular => 1,
        ConnectivityType::Satellite => 2,
    }
}

impl Pred {
    #[inline]
    fn matches<S: Fields + ?Sized>(&self, s: &S) -> bool {
        match self {
            Pred::Status(m) => m & status_bit(s.status()) != 0,
            Pred::Kind(m) => m & kind_bit(s.kind()) != 0,
            Pred::Type(m) => m & type_bit(s.connectivity()) != 0,
            Pred::Online(want) => s.online() == Some(*want),
            Pred::Bare(n) => n.matches_row(s),
            Pred::BareRegex(r) => r.matches_row(s),
            Pred::Id(t) => t.is_match_id(s.kind(), s.business_id()),
            Pred::Field(f, t) => f.get(s).is_some_and(|v| t.is_match(v)),
            Pred::Native(t) => t.is_match(s.native_status()),
            Pred::Account(ts) => ts.iter().any(|t| t.is_match(s.account())),
            Pred::AttrName(t) => s.attrs().iter().any(|a| t.is_match(&a.name)),
            Pred::Attr(n, v) => s
                .attrs()
                .iter()
                .any(|a| n.is_match(&a.name) && v.is_match(&a.value)),
            Pred::Usage(u) => u.matches(s.usage_percent()),
        }
    }
}

/// The string fields a bare word searches, besides the id, kind and status names (which the
/// callers test first, from masks).
/// `joined` says whether `f` may be run once over [`Fields::joined_identifiers`] (a substring
/// search whose needle cannot span the separator) instead of once per identifier.
#[inline]
fn any_bare_field<S: Fields + ?Sized>(s: &S, joined: bool, f: impl Fn(&str) -> bool) -> bool {
    // The account and native status first: short, and shared by many rows (so in cache), they
    // often decide a word (`demo`, `active`) before the identifiers are scanned.
    if f(s.account()) || f(s.native_status()) {
        return true;
    }
    own_bare_fields(s, joined, f)
}

/// The bare-word fields a row holds alone (identifiers, attribute values): what is left of
/// [`any_bare_field`] once the shared account and native status are decided
/// (`shared.rs` decides those once per distinct value).
#[inline]
fn own_bare_fields<S: Fields + ?Sized>(s: &S, joined: bool, f: impl Fn(&str) -> bool) -> bool {
    let identifiers = match s.joined_identifiers().filter(|_| joined) {
        Some(all) => f(all),
        None => {
            f(s.business_id())
                || s.iccid().is_some_and(&f)
                || s.imsi().is_some_and(&f)
                || s.msisdn().is_some_and(&f)
                || s.serial().is_some_and(&f)
                || s.terminal_name().is_some_and(&f)
        }
    };
    identifiers || s.attrs().iter().any(|a| f(&a.value))
}

/// A bare word: a case-insensitive substring of any bare field.
#[derive(Debug, Clone)]
pub(super) struct Needle {
    /// Lowered with `simple_lower`; never empty.
    lower: String,
    search: Search,
    /// Statuses and kinds whose names contain the needle: decided once, not per row.
    status_mask: u16,
    kind_mask: u16,
    /// `tmsp-8949`: kind TMSP and business id starting with `8949` (the list filter's id rule).
    id_rule: Option<(BackendKind, String)>,
    /// The needle cannot span two identifiers joined by [`JOIN_SEPARATOR`], so a row's joined
    /// identifiers may be searched in one pass.
    joinable: bool,
}

// One per bare word, inside an already boxed `Needle`: boxing the finder too would only add a
// pointer chase to every field searched.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum Search {
    /// ASCII without letters (digits, `-`, `+`, …): case does not matter, and no non-ASCII char
    /// lowers to such a byte, so a plain byte search on the raw value is exact.
    Bytes(Finder<'static>),
    /// ASCII with letters: ASCII case-insensitive search, Unicode fallback for non-ASCII values.
    AsciiCi,
    /// Non-ASCII needle: only non-ASCII values can contain it.
    Unicode,
}

impl Needle {
    pub fn new(word: &str) -> Needle {
        let lower = lower(word);
        let search = if !lower.is_ascii() {
            Search::Unicode
        } else if lower.bytes().any(|b| b.is_ascii_alphabetic()) {
            Search::AsciiCi
        } else {
            Search::Bytes(Finder::new(lower.as_bytes()).into_owned())
        };
        let mut n = Needle {
            lower,
            search,
            status_mask: 0,
            kind_mask: 0,
            id_rule: None,
            joinable: false,
        };
        n.joinable = !n.lower.contains(JOIN_SEPARATOR);
        for st in Status::ALL {
            if n.find(st.as_str()) {
                n.status_mask |= status_bit(st);
            }
        }
        for k in BackendKind::ALL {
            if n.find(k.as_str()) {
                n.kind_mask |= kind_bit(k);
            }
        }
        n.id_rule = n.lower.split_once('-').and_then(|(k, rest)| {
            BackendKind::ALL
                .into_iter()
                .find(|kind| kind.as_str().eq_ignore_ascii_case(k))
                .map(|kind| (kind, rest.to_string()))
        });
        n
    }

    #[inline]
    fn find(&self, hay: &str) -> bool {
        match &self.search {
            Search::Bytes(f) => f.find(hay.as_bytes()).is_some(),
            Search::AsciiCi => {
                find_ascii_ci(hay.as_bytes(), self.lower.as_bytes())
                    || (!hay.is_ascii() && contains_lower(hay, &self.lower))
            }
            Search::Unicode => !hay.is_ascii() && contains_lower(hay, &self.lower),
        }
    }

    #[inline]
    fn matches_row<S: Fields + ?Sized>(&self, s: &S) -> bool {
        let kind = s.kind();
        self.kind_mask & kind_bit(kind) != 0
            || self.status_mask & status_bit(s.status()) != 0
            || self
                .id_rule
                .as_ref()
                .is_some_and(|(k, rest)| *k == kind && starts_with_ci(s.business_id(), rest))
            || any_bare_field(s, self.joinable, |h| self.find(h))
    }

    /// The bigram bits ([`super::shared::bigram_signature`]) a row's own text must have for
    /// [`Needle::own_part`] to hold: the needle, lowered, is a substring of one lowered field,
    /// so each of its byte pairs is one of that field's. `None` when the own part does not come
    /// down to that (an id rule compares the kind too) or the needle has no pair.
    pub fn signature(&self) -> Option<u64> {
        (self.id_rule.is_none() && self.lower.len() >= 2)
            .then(|| super::shared::bigram_signature(self.lower.as_bytes()))
    }

    /// The part of [`Needle::matches_row`] a row's kind and status decide.
    pub fn class_part(&self, kind: BackendKind, status: Status) -> bool {
        self.kind_mask & kind_bit(kind) != 0 || self.status_mask & status_bit(status) != 0
    }

    /// The part of [`Needle::matches_row`] an account name or native status decides.
    pub fn shared_text_part(&self, value: &str) -> bool {
        self.find(value)
    }

    /// The rest of [`Needle::matches_row`]: the id rule, identifiers and attribute values.
    #[inline]
    pub fn own_part<S: Fields + ?Sized>(&self, s: &S) -> bool {
        self.id_rule
            .as_ref()
            .is_some_and(|(k, rest)| *k == s.kind() && starts_with_ci(s.business_id(), rest))
            || own_bare_fields(s, self.joinable, |h| self.find(h))
    }

    /// Every row `self` matches, `other` matches: `other` is a substring of `self`, and where
    /// `other` spans a `-` it must start `self`, so an id-rule match of `self` is one of
    /// `other` too (`tmsp-894` implies `tmsp-89`, but not `sp-89`).
    fn implies(&self, other: &Needle) -> bool {
        if !other.lower.contains('-') {
            return self.lower.contains(other.lower.as_str());
        }
        self.lower.starts_with(other.lower.as_str())
            || self
                .lower
                .split_once('-')
                .is_some_and(|(_, rest)| rest.contains(other.lower.as_str()))
    }
}

/// `~regex` as a bare term: the same fields as a bare word, plus the full id `KIND-business`.
#[derive(Debug, Clone)]
pub(super) struct BareRegex {
    re: Regex,
    status_mask: u16,
    kind_mask: u16,
}

impl BareRegex {
    pub fn new(re: Regex) -> BareRegex {
        let status_mask = Status::ALL
            .into_iter()
            .filter(|s| re.is_match(s.as_str()))
            .fold(0, |m, s| m | status_bit(s));
        let kind_mask = BackendKind::ALL
            .into_iter()
            .filter(|k| re.is_match(k.as_str()))
            .fold(0, |m, k| m | kind_bit(k));
        BareRegex {
            re,
            status_mask,
            kind_mask,
        }
    }

    fn matches_row<S: Fields + ?Sized>(&self, s: &S) -> bool {
        self.kind_mask & kind_bit(s.kind()) != 0
            || self.status_mask & status_bit(s.status()) != 0
            || with_full_id(s.kind(), s.business_id(), |full| self.re.is_match(full))
            // A regex may match across fields (`.*`, anchors), so it runs field by field.
            || any_bare_field(s, false, |h| self.re.is_match(h))
    }
}

impl BareRegex {
    /// The part of [`BareRegex::matches_row`] a row's kind and status decide.
    pub fn class_part(&self, kind: BackendKind, status: Status) -> bool {
        self.kind_mask & kind_bit(kind) != 0 || self.status_mask & status_bit(status) != 0
    }

    /// The part an account name or native status decides.
    pub fn shared_text_part(&self, value: &str) -> bool {
        self.re.is_match(value)
    }

    /// The rest: the full id, identifiers and attribute values.
    pub fn own_part<S: Fields + ?Sized>(&self, s: &S) -> bool {
        with_full_id(s.kind(), s.business_id(), |full| self.re.is_match(full))
            || own_bare_fields(s, false, |h| self.re.is_match(h))
    }
}

/// A whole-value glob, case-insensitive; `*` any run, `?` one character. No escapes: the
/// values searched (ids, statuses, names, tickets) do not contain `*` or `?` in practice.
#[derive(Debug, Clone)]
pub(super) struct Glob {
    /// Lowered.
    chars: Vec<char>,
    /// The same, as bytes, when ASCII (the fast path).
    ascii: Option<Vec<u8>>,
}

impl Glob {
    pub fn new(pattern: &str) -> Glob {
        let chars: Vec<char> = pattern.chars().map(simple_lower).collect();
        let ascii = chars
            .iter()
            .all(char::is_ascii)
            .then(|| chars.iter().map(|&c| c as u8).collect());
        Glob { chars, ascii }
    }

    pub fn has_wildcard(s: &str) -> bool {
        s.contains(['*', '?'])
    }

    fn is_match(&self, hay: &str) -> bool {
        match &self.ascii {
            Some(p) if hay.is_ascii() => glob_bytes(p, hay.as_bytes()),
            _ => glob_chars(&self.chars, hay),
        }
    }
}

/// Classic wildcard matching with one backtrack point (the last `*`): linear for patterns
/// with a single star, O(n·m) worst case, no recursion.
fn glob_bytes(pat: &[u8], hay: &[u8]) -> bool {
    let (mut p, mut h) = (0, 0);
    let mut back: Option<(usize, usize)> = None;
    loop {
        match (pat.get(p), hay.get(h)) {
            (Some(b'*'), _) => {
                back = Some((p, h));
                p += 1;
                continue;
            }
            (Some(&pc), Some(&hc)) if pc == b'?' || pc == hc.to_ascii_lowercase() => {
                p += 1;
                h += 1;
                continue;
            }
            (None, None) => return true,
            _ => {}
        }
        match back {
            Some((bp, bh)) if bh < hay.len() => {
                back = Some((bp, bh + 1));
                p = bp + 1;
                h = bh + 1;
            }
            _ => return false,
        }
    }
}

/// [`glob_bytes`] over chars, for non-ASCII values or patterns.
fn glob_chars(pat: &[char], hay: &str) -> bool {
    let (mut p, mut h) = (0, 0);
    let mut back: Option<(usize, usize)> = None;
    loop {
        let hc = hay[h..].chars().next();
        match (pat.get(p), hc) {
            (Some('*'), _) => {
                back = Some((p, h));
                p += 1;
                continue;
            }
            (Some(&pc), Some(c)) if pc == '?' || pc == simple_lower(c) => {
                p += 1;
                h += c.len_utf8();
                continue;
            }
            (None, None) => return true,
            _ => {}
        }
        match back.and_then(|(bp, bh)| hay[bh..].chars().next().map(|c| (bp, bh + c.len_utf8()))) {
            Some((bp, nh)) => {
                back = Some((bp, nh));
                p = bp + 1;
                h = nh;
            }
            None => return false,
        }
    }
}

/// A char's lowercase when that is one char, else the char itself: keeps needle and value
/// lengths in step so every comparison is char against char.
pub(super) fn simple_lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut l = c.to_lowercase();
    match (l.next(), l.next()) {
        (Some(x), None) => x,
        _ => c,
    }
}

pub(super) fn lower(s: &str) -> String {
    s.chars().map(simple_lower).collect()
}

/// ASCII case-insensitive substring search; `needle` is lowered ASCII and not empty. Finds the
/// first byte in either case with memchr2, then compares the rest.
#[inline]
fn find_ascii_ci(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if needle.len() > hay.len() {
        return false;
    }
    let last = hay.len() - needle.len();
    let mut from = 0;
    while from <= last {
        match memchr::memchr2(first, first.to_ascii_uppercase(), &hay[from..=last]) {
            None => return false,
            Some(k) => {
                let i = from + k;
                if hay[i + 1..i + needle.len()].eq_ignore_ascii_case(rest) {
                    return true;
                }
                from = i + 1;
            }
        }
    }
    false
}

fn starts_with_lower(hay: &str, needle: &str) -> bool {
    let mut h = hay.chars().map(simple_lower);
    needle.chars().all(|n| h.next() == Some(n))
}

fn contains_lower(hay: &str, needle: &str) -> bool {
    hay.char_indices()
        .any(|(i, _)| starts_with_lower(&hay[i..], needle))
}

/// Case-insensitive prefix; `prefix` is lowered.
#[inline]
fn starts_with_ci(hay: &str, prefix: &str) -> bool {
    let (h, p) = (hay.as_bytes(), prefix.as_bytes());
    if prefix.is_ascii() && h.len() >= p.len() && h[..p.len()].eq_ignore_ascii_case(p) {
        return true;
    }
    // An ASCII byte match is exact; anything else needs the char-wise comparison, which can
    // only differ from the byte one when the value is not ASCII.
    !hay.is_ascii() && starts_with_lower(hay, prefix)
}

/// `KIND-business` starts with `prefix` (lowered), compared in place.
fn id_starts_with(kind: BackendKind, business: &str, prefix: &str) -> bool {
    let kind = kind.as_str();
    let p = prefix.as_bytes();
    if p.len() <= kind.len() {
        return kind.as_bytes()[..p.len()].eq_ignore_ascii_case(p);
    }
    kind.as_bytes().eq_ignore_ascii_case(&p[..kind.len()])
        && p[kind.len()] == b'-'
        // Slicing after an ASCII byte is on a char boundary.
        && starts_with_ci(business, &prefix[kind.len() + 1..])
}

/// Calls `f` with `KIND-business`, built on the stack for ids of ordinary length.
fn with_full_id<R>(kind: BackendKind, business_id: &str, f: impl FnOnce(&str) -> R) -> R {
    let kind_name = kind.as_str();
    let (kind, business) = (kind_name.as_bytes(), business_id.as_bytes());
    let n = kind.len() + 1 + business.len();
    let mut buf = [0u8; 96];
    if n <= buf.len() {
        buf[..kind.len()].copy_from_slice(kind);
        buf[kind.len()] = b'-';
        buf[kind.len() + 1..n].copy_from_slice(business);
        // Concatenating UTF-8 strings with an ASCII byte gives UTF-8; the fallback is for form.
        if let Ok(s) = std::str::from_utf8(&buf[..n]) {
            return f(s);
        }
    }
    f(&format!("{kind_name}-{business_id}"))
}
