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

#[cfg(test)]
mod tests {
    use crate::domain::query::{Fields, Query};
    use crate::domain::{
        BackendKind, ConnectivityType, CustomAttribute, NativeStatus, ProductId, ProductSummary,
        RelatedParty, Status,
    };

    /// A summary with a known allowance level (summaries themselves carry none).
    struct Leveled(ProductSummary, Option<f64>);

    impl Fields for Leveled {
        fn kind(&self) -> BackendKind {
            self.0.kind()
        }
        fn business_id(&self) -> &str {
            self.0.business_id()
        }
        fn status(&self) -> Status {
            self.0.status()
        }
        fn native_status(&self) -> &str {
            self.0.native_status()
        }
        fn connectivity(&self) -> ConnectivityType {
            self.0.connectivity()
        }
        fn account(&self) -> &str {
            self.0.account()
        }
        fn iccid(&self) -> Option<&str> {
            self.0.iccid()
        }
        fn imsi(&self) -> Option<&str> {
            self.0.imsi()
        }
        fn msisdn(&self) -> Option<&str> {
            self.0.msisdn()
        }
        fn serial(&self) -> Option<&str> {
            self.0.serial()
        }
        fn terminal_name(&self) -> Option<&str> {
            self.0.terminal_name()
        }
        fn attrs(&self) -> &[CustomAttribute] {
            self.0.attrs()
        }
        fn usage_percent(&self) -> Option<f64> {
            self.1
        }
    }

    fn row(level: Option<f64>) -> Leveled {
        let summary = ProductSummary {
            id: ProductId::new(BackendKind::OneNce, "8988228066000000001"),
            related_party: RelatedParty {
                id: "1".into(),
                name: "usage-account".into(),
            },
            connectivity: ConnectivityType::Cellular,
            status: NativeStatus::new(Status::Active, "Enabled"),
            iccid: Some("8988228066000000001".into()),
            imsi: None,
            msisdn: None,
            serial: None,
            terminal_name: None,
            latitude: None,
            longitude: None,
            attrs: Vec::new(),
        };
        Leveled(summary, level)
    }

    fn hits(query: &str, level: Option<f64>) -> bool {
        Query::parse(query).expect("query").matches(&row(level))
    }

    #[test]
    fn comparisons_of_the_known_level() {
        assert!(hits("usage>80%", Some(80.5)));
        assert!(!hits("usage>80%", Some(80.0)));
        assert!(hits("usage>=80%", Some(80.0)));
        assert!(hits("USAGE<10", Some(9.0)));
        assert!(hits("usage<=100%", Some(100.0)));
        assert!(hits("usage>80% status:ACTIVE", Some(95.0)));
        // Unknown matches no comparison, so its negation matches.
        assert!(!hits("usage>80%", None));
        assert!(!hits("usage<80%", None));
        assert!(hits("!usage>80%", None));
    }

    #[test]
    fn a_bad_percentage_says_how_to_write_one_and_quotes_keep_the_word() {
        let e = Query::parse("usage>lots").expect_err("not a number");
        assert!(e.to_string().contains("usage>80%"), "{e}");
        assert!(Query::parse("usage>-5%").is_err());
        // Quoted, it is text to search for, not a comparison.
        assert!(!hits("\"usage>80%\"", Some(99.0)));
        // `usage` without a comparison stays a bare word.
        assert!(Query::parse("usage").is_ok());
    }
}
