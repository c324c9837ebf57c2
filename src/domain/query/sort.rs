//! Sort order of the product list: the columns a user can sort by, `SortKey` parsing
//! (`status desc`), and one total order per key, so a list sorts the same whatever order its
//! rows arrived in (pages from parallel backends interleave differently on every refresh).

use super::QueryError;
use super::fields::Fields;
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortColumn {
    Id,
    Account,
    Status,
    /// ICCID or serial.
    Business,
    Imsi,
    /// MSISDN or terminal name.
    Reach,
}

impl SortColumn {
    pub const ALL: [SortColumn; 6] = [
        SortColumn::Id,
        SortColumn::Account,
        SortColumn::Status,
        SortColumn::Business,
        SortColumn::Imsi,
        SortColumn::Reach,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SortColumn::Id => "id",
            SortColumn::Account => "account",
            SortColumn::Status => "status",
            SortColumn::Business => "iccid",
            SortColumn::Imsi => "imsi",
            SortColumn::Reach => "msisdn",
        }
    }

    /// Case-insensitive name or alias (`serial`, `terminal`, `name`, `backend`).
    pub fn parse(s: &str) -> Option<SortColumn> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "id" | "backend" | "kind" => SortColumn::Id,
            "account" => SortColumn::Account,
            "status" => SortColumn::Status,
            "iccid" | "serial" | "business" => SortColumn::Business,
            "imsi" => SortColumn::Imsi,
            "msisdn" | "terminal" | "name" | "reach" => SortColumn::Reach,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub column: SortColumn,
    pub descending: bool,
}

impl Default for SortKey {
    fn default() -> Self {
        SortKey::DEFAULT
    }
}

impl SortKey {
    /// Account ascending: account, then id.
    pub const DEFAULT: SortKey = SortKey {
        column: SortColumn::Account,
        descending: false,
    };

    /// `status`, `status desc`, `status:desc`, `id asc` (case-insensitive).
    pub fn parse(s: &str) -> Result<SortKey, QueryError> {
        let err = |reason: String| QueryError::new(s.trim(), reason);
        let mut words = s
            .split(|c: char| c.is_whitespace() || c == ':')
            .filter(|w| !w.is_empty());
        let Some(col) = words.next() else {
            return Err(err(format!("empty sort key; columns are {}", columns())));
        };
        let column = SortColumn::parse(col).ok_or_else(|| {
            err(format!(
                "unknown sort column `{col}`; columns are {}",
                columns()
            ))
        })?;
        let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") | Some("ascending") => false,
            Some("desc") | Some("descending") => true,
            Some(other) => {
                return Err(err(format!(
                    "unknown direction `{other}`; write `asc` or `desc`"
                )));
            }
        };
        if let Some(extra) = words.next() {
            return Err(err(format!(
                "unexpected `{extra}`; a sort key is a column and an optional `asc` or `desc`"
            )));
        }
        Ok(SortKey { column, descending })
    }

    /// A total order: the column (reversed when descending), then account (case-insensitive),
    /// then id (kind name, then business id in natural order), then account exactly. Two rows
    /// compare `Equal` only when they have the same id and account. Missing values sort after
    /// present ones (before them when descending: the column is reversed as a whole).
    pub fn compare<A: Fields + ?Sized, B: Fields + ?Sized>(&self, a: &A, b: &B) -> Ordering {
        let col = match self.column {
            SortColumn::Id => id(a, b),
            SortColumn::Account => account_ci(a, b),
            SortColumn::Status => a
                .status()
                .as_str()
                .cmp(b.status().as_str())
                .then_with(|| natural(a.native_status(), b.native_status())),
            SortColumn::Business => optional(a.iccid().or(a.serial()), b.iccid().or(b.serial())),
            SortColumn::Imsi => optional(a.imsi(), b.imsi()),
            SortColumn::Reach => optional(
                a.msisdn().or(a.terminal_name()),
                b.msisdn().or(b.terminal_name()),
            ),
        };
        let col = if self.descending { col.reverse() } else { col };
        col.then_with(|| account_ci(a, b))
            .then_with(|| id(a, b))
            .then_with(|| a.account().cmp(b.account()))
    }
}

fn columns() -> String {
    SortColumn::ALL.map(SortColumn::name).join(", ")
}

fn optional(a: Option<&str>, b: Option<&str>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => natural(a, b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn account_ci<A: Fields + ?Sized, B: Fields + ?Sized>(a: &A, b: &B) -> Ordering {
    let (x, y) = (a.account(), b.account());
    x.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(y.bytes().map(|c| c.to_ascii_lowercase()))
}

fn id<A: Fields + ?Sized, B: Fields + ?Sized>(a: &A, b: &B) -> Ordering {
    // By kind name, as the id is shown (`1NCE-…` before `AIRLINQ-…`).
    a.kind()
        .as_str()
        .cmp(b.kind().as_str())
        .then_with(|| natural(a.business_id(), b.business_id()))
}

/// Natural order: runs of ASCII digits compare as numbers (shorter run first, then digit by
/// digit, so `9` < `10` < `010`), other bytes ASCII case-insensitively; strings equal so far
/// compare by bytes, so only identical strings are `Equal`.
pub(super) fn natural(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < x.len() && j < y.len() {
        if x[i].is_ascii_digit() && y[j].is_ascii_digit() {
            let (si, sj) = (i, j);
            while i < x.len() && x[i].is_ascii_digit() {
                i += 1;
            }
            while j < y.len() && y[j].is_ascii_digit() {
                j += 1;
            }
            let (da, db) = (&x[si..i], &y[sj..j]);
            let o = da.len().cmp(&db.len()).then_with(|| da.cmp(db));
            if o != Ordering::Equal {
                return o;
            }
        } else {
            // A digit against a non-digit: never equal, and digits sit together in ASCII, so
            // this stays a total order.
            let o = x[i].to_ascii_lowercase().cmp(&y[j].to_ascii_lowercase());
            if o != Ordering::Equal {
                return o;
            }
            i += 1;
            j += 1;
        }
    }
    (x.len() - i).cmp(&(y.len() - j)).then_with(|| x.cmp(y))
}
