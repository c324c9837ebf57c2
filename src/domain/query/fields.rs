//! `Fields`: what a query term and a sort key read from one row. `ProductSummary` implements it
//! (the CLI filters summaries), and so does the console's compact row (`ui::row`), which keeps
//! its identifiers in one buffer: `joined_identifiers` lets a bare word search that buffer in one
//! pass instead of one search per field.

use crate::domain::{BackendKind, ConnectivityType, CustomAttribute, ProductSummary, Status};

/// Separates the identifiers in [`Fields::joined_identifiers`]: a control character, which
/// sanitized carrier text and a typed needle do not contain (a needle that does is searched
/// field by field).
pub const JOIN_SEPARATOR: char = '\u{1f}';

/// Read access to the fields of a product row that queries and sort keys use.
pub trait Fields {
    fn kind(&self) -> BackendKind;
    fn business_id(&self) -> &str;
    fn status(&self) -> Status;
    fn native_status(&self) -> &str;
    fn connectivity(&self) -> ConnectivityType;
    /// The configured account name holding the row.
    fn account(&self) -> &str;
    fn iccid(&self) -> Option<&str>;
    fn imsi(&self) -> Option<&str>;
    fn msisdn(&self) -> Option<&str>;
    fn serial(&self) -> Option<&str>;
    fn terminal_name(&self) -> Option<&str>;
    fn attrs(&self) -> &[CustomAttribute];
    /// Whether the product is in a data session, as far as the row knows (`domain::session`):
    /// `None` when unknown — a row only knows what an opened product told.
    fn online(&self) -> Option<bool> {
        None
    }
    /// The business id, ICCID, IMSI, MSISDN, serial and terminal name present, joined by
    /// [`JOIN_SEPARATOR`] (a field equal to the business id may appear once), when the row
    /// keeps them that way; `None` makes a bare word search the fields one by one.
    fn joined_identifiers(&self) -> Option<&str> {
        None
    }
    /// The highest share of an allowance the product is known to have used, in percent
    /// (`usage>80%`); `None` when no allowance is known. Summaries carry none.
    fn usage_percent(&self) -> Option<f64> {
        None
    }
}

impl Fields for ProductSummary {
    #[inline]
    fn kind(&self) -> BackendKind {
        self.id.kind
    }
    #[inline]
    fn business_id(&self) -> &str {
        &self.id.business_id
    }
    #[inline]
    fn status(&self) -> Status {
        self.status.status
    }
    #[inline]
    fn native_status(&self) -> &str {
        &self.status.native
    }
    #[inline]
    fn connectivity(&self) -> ConnectivityType {
        self.connectivity
    }
    #[inline]
    fn account(&self) -> &str {
        &self.related_party.name
    }
    #[inline]
    fn iccid(&self) -> Option<&str> {
        self.iccid.as_deref()
    }
    #[inline]
    fn imsi(&self) -> Option<&str> {
        self.imsi.as_deref()
    }
    #[inline]
    fn msisdn(&self) -> Option<&str> {
        self.msisdn.as_deref()
    }
    #[inline]
    fn serial(&self) -> Option<&str> {
        self.serial.as_deref()
    }
    #[inline]
    fn terminal_name(&self) -> Option<&str> {
        self.terminal_name.as_deref()
    }
    #[inline]
    fn attrs(&self) -> &[CustomAttribute] {
        &self.attrs
    }
}
