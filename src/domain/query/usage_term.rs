//! The usage term: `usage>80%`, `usage>=N%`, `usage<N%`, `usage<=N%` (the `%` may be left
//! out) compares the highest share of an allowance a product is known to have used
//! (`Fields::usage_percent`, docs/query.md). A product with no known allowance matches no
//! comparison (and so every negated one).

use super::QueryError;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct UsageCmp {
    pub cmp: Cmp,
    pub percent: f64,
}

impl UsageCmp {
    #[inline]
    pub fn matches(&self, known: Option<f64>) -> bool {
        let Some(p) = known else { return false };
        match self.cmp {
            Cmp::Gt => p > self.percent,
            Cmp::Ge => p >= self.percent,
            Cmp::Lt => p < self.percent,
            Cmp::Le => p <= self.percent,
        }
    }
}

/// `Some` when the term starts with `usage` and an unquoted `<` or `>`: the comparison, or why
/// it cannot be one.
pub(super) fn parse(raw: &str, chars: &[(char, bool)]) -> Option<Result<UsageCmp, QueryError>> {
    const NAME: &str = "usage";
    if chars.len() <= NAME.len()
        || chars.iter().take(NAME.len()).any(|&(_, q)| q)
        || !chars
            .iter()
            .take(NAME.len())
            .map(|&(c, _)| c.to_ascii_lowercase())
            .eq(NAME.chars())
    {
        return None;
    }
    let rest = &chars[NAME.len()..];
    let (cmp, skip) = match rest {
        [('>', false), ('=', false), ..] => (Cmp::Ge, 2),
        [('<', false), ('=', false), ..] => (Cmp::Le, 2),
        [('>', false), ..] => (Cmp::Gt, 1),
        [('<', false), ..] => (Cmp::Lt, 1),
        _ => return None,
    };
    let value: String = rest[skip..].iter().map(|&(c, _)| c).collect();
    let number = value.trim().trim_end_matches('%').trim();
    Some(
        number
            .parse::<f64>()
            .ok()
            .filter(|p| p.is_finite() && *p >= 0.0)
            .map(|percent| UsageCmp { cmp, percent })
            .ok_or_else(|| {
                QueryError::new(
                    raw,
                    "usage compares a percentage of the allowance: write `usage>80%`, `usage>=100%` or `usage<10%`",
                )
            }),
    )
}
