//! The console's compact product row. A million rows are held for filtering and drawing, so a
//! row keeps what every row shares (account name and id, native status) as interned `Arc<str>`
//! handed out by one [`Interner`], its identifiers in one boxed buffer (the business id once,
//! an ICCID or serial equal to it not again), and locations and custom attributes only when it
//! has them. [`Row::summary`] rebuilds the `ProductSummary` for the few places that need one
//! (detail, export, the cache). The query and the sort read it through `query::Fields`.

use crate::domain::query::{Fields, JOIN_SEPARATOR};
use crate::domain::{
    Attach, BackendKind, ConnectivityType, CustomAttribute, NativeStatus, ProductId,
    ProductSummary, RelatedParty, Status,
};
use std::collections::HashSet;
use std::sync::Arc;

/// [`Row::usage`] when no allowance is known.
const USAGE_UNKNOWN: u8 = u8::MAX;
/// Shares above this are kept as this (the marks and the queries need no more).
const USAGE_MAX: u8 = u8::MAX - 1;

/// Slot positions in [`Row::lens`].
const ICCID: usize = 0;
const IMSI: usize = 1;
const MSISDN: usize = 2;
const SERIAL: usize = 3;
const NAME: usize = 4;
/// The field is absent.
const NONE: u16 = u16::MAX;
/// The field equals the business id (stored once).
const SAME_AS_ID: u16 = u16::MAX - 1;
/// Identifiers longer than this many bytes are cut (at a char boundary) so a length fits the
/// slot; real identifiers are a few dozen bytes.
const MAX_FIELD: usize = (u16::MAX - 2) as usize;

/// One shared copy of each account name, account id and native status.
#[derive(Debug, Default)]
pub struct Interner {
    set: HashSet<Arc<str>>,
}

impl Interner {
    pub fn intern(&mut self, text: &str) -> Arc<str> {
        if let Some(found) = self.set.get(text) {
            return found.clone();
        }
        let shared: Arc<str> = Arc::from(text);
        self.set.insert(shared.clone());
        shared
    }

    /// Forget strings no row uses any more (only the interner holds them).
    pub fn prune(&mut self) {
        self.set.retain(|s| Arc::strong_count(s) > 1);
    }
}

/// One product row: the summary's fields, compactly, and whether the current listing has
/// confirmed it (rows from the cache stay unconfirmed until their backend's listing sees them
/// again).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The business id, then each identifier in `lens` present and not `SAME_AS_ID`, joined by
    /// `JOIN_SEPARATOR`.
    text: Box<str>,
    /// Byte length of the ICCID, IMSI, MSISDN, serial and terminal name in `text`, or `NONE`,
    /// or `SAME_AS_ID`.
    lens: [u16; 5],
    id_len: u16,
    kind: BackendKind,
    connectivity: ConnectivityType,
    status: Status,
    pub confirmed: bool,
    /// The highest allowance share used, in whole percent (capped at [`USAGE_MAX`]), or
    /// [`USAGE_UNKNOWN`]: what the list marks and `usage>N%` compares (`ui::usage_levels`).
    usage: u8,
    /// The session state an opened product told (`domain::session`); not in the summary, so
    /// a listing that replaces the row carries it over ([`Row::keep_attach`]).
    attach: Attach,
    account: Arc<str>,
    account_id: Arc<str>,
    native: Arc<str>,
    /// Latitude and longitude, for the rows (terminals) that have either.
    location: Option<Box<[Option<f64>; 2]>>,
    attrs: Option<Box<[CustomAttribute]>>,
}

/// `s` cut to at most `max` bytes at a char boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

impl Row {
    pub fn new(summary: &ProductSummary, confirmed: bool, strings: &mut Interner) -> Row {
        let business = cut(&summary.id.business_id, MAX_FIELD);
        let mut text = String::with_capacity(business.len() + 48);
        text.push_str(business);
        let fields = [
            &summary.iccid,
            &summary.imsi,
            &summary.msisdn,
            &summary.serial,
            &summary.terminal_name,
        ];
        let mut lens = [NONE; 5];
        for (slot, field) in fields.into_iter().enumerate() {
            let Some(value) = field.as_deref() else {
                continue;
            };
            if value == business && slot != NAME {
                lens[slot] = SAME_AS_ID;
                continue;
            }
            let value = cut(value, MAX_FIELD);
            text.push(JOIN_SEPARATOR);
            text.push_str(value);
            lens[slot] = value.len() as u16;
        }
        let location = (summary.latitude.is_some() || summary.longitude.is_some())
            .then(|| Box::new([summary.latitude, summary.longitude]));
        let attrs = (!summary.attrs.is_empty()).then(|| summary.attrs.clone().into_boxed_slice());
        Row {
            text: text.into_boxed_str(),
            lens,
            id_len: business.len() as u16,
            kind: summary.id.kind,
            connectivity: summary.connectivity,
            status: summary.status.status,
            confirmed,
            usage: USAGE_UNKNOWN,
            attach: Attach::Unknown,
            account: strings.intern(&summary.related_party.name),
            account_id: strings.intern(&summary.related_party.id),
            native: strings.intern(&summary.status.native),
            location,
            attrs,
        }
    }

    /// The highest allowance share known to be used, in whole percent.
    pub fn usage_level(&self) -> Option<u8> {
        (self.usage != USAGE_UNKNOWN).then_some(self.usage)
    }

    pub fn set_usage_level(&mut self, percent: Option<f64>) {
        self.usage = match percent {
            Some(p) if p.is_finite() => p.round().clamp(0.0, f64::from(USAGE_MAX)) as u8,
            _ => USAGE_UNKNOWN,
        };
    }

    /// The product id (allocates: prefer [`Fields::kind`] and [`Fields::business_id`]).
    pub fn id(&self) -> ProductId {
        ProductId::new(self.kind, self.business_id())
    }

    /// Whether this row is the product `id`.
    pub fn is(&self, id: &ProductId) -> bool {
        self.kind == id.kind && self.business_id() == id.business_id
    }

    pub fn native_status_pair(&self) -> NativeStatus {
        NativeStatus::new(self.status, &*self.native)
    }

    pub fn latitude(&self) -> Option<f64> {
        self.location.as_ref().and_then(|l| l[0])
    }

    pub fn longitude(&self) -> Option<f64> {
        self.location.as_ref().and_then(|l| l[1])
    }

    /// The row as a `ProductSummary` (allocates every field).
    pub fn summary(&self) -> ProductSummary {
        let own = |v: Option<&str>| v.map(str::to_string);
        ProductSummary {
            id: self.id(),
            related_party: RelatedParty {
                id: self.account_id.to_string(),
                name: self.account.to_string(),
            },
            connectivity: self.connectivity,
            status: self.native_status_pair(),
            iccid: own(self.iccid()),
            imsi: own(self.imsi()),
            msisdn: own(self.msisdn()),
            serial: own(self.serial()),
            terminal_name: own(self.terminal_name()),
            latitude: self.latitude(),
            longitude: self.longitude(),
            attrs: self.attrs().to_vec(),
        }
    }

    pub fn attach(&self) -> Attach {
        self.attach
    }

    pub fn set_attach(&mut self, attach: Attach) {
        self.attach = attach;
    }

    /// Keep what `old` (the row this one replaces) knew of the session state.
    pub fn keep_attach(mut self, old: &Row) -> Row {
        self.attach = old.attach;
        self
    }

    /// The same row with other custom attributes.
    pub fn set_attrs(&mut self, attrs: &[CustomAttribute]) {
        self.attrs = (!attrs.is_empty()).then(|| attrs.to_vec().into_boxed_slice());
    }

    /// Bytes this row owns on the heap besides the shared strings (for the memory figures).
    pub fn heap_bytes(&self) -> usize {
        self.text.len()
            + self.location.as_ref().map_or(0, |_| 16)
            + self.attrs.as_ref().map_or(0, |a| {
                a.iter()
                    .map(|c| c.name.len() + c.value.len() + 48)
                    .sum::<usize>()
            })
    }

    fn field(&self, slot: usize) -> Option<&str> {
        match self.lens[slot] {
            NONE => None,
            SAME_AS_ID => Some(self.business_id()),
            len => {
                // Offsets: after the id, every earlier stored field and its separator.
                let mut start = usize::from(self.id_len);
                for &l in &self.lens[..slot] {
                    if l != NONE && l != SAME_AS_ID {
                        start += 1 + usize::from(l);
                    }
                }
                let start = start + 1;
                self.text.get(start..start + usize::from(len))
            }
        }
    }
}

impl Fields for Row {
    #[inline]
    fn kind(&self) -> BackendKind {
        self.kind
    }
    #[inline]
    fn business_id(&self) -> &str {
        // `id_len` is a char boundary: the id was cut at one.
        self.text
            .get(..usize::from(self.id_len))
            .unwrap_or_default()
    }
    #[inline]
    fn status(&self) -> Status {
        self.status
    }
    #[inline]
    fn native_status(&self) -> &str {
        &self.native
    }
    #[inline]
    fn connectivity(&self) -> ConnectivityType {
        self.connectivity
    }
    #[inline]
    fn account(&self) -> &str {
        &self.account
    }
    fn iccid(&self) -> Option<&str> {
        self.field(ICCID)
    }
    fn imsi(&self) -> Option<&str> {
        self.field(IMSI)
    }
    fn msisdn(&self) -> Option<&str> {
        self.field(MSISDN)
    }
    fn serial(&self) -> Option<&str> {
        self.field(SERIAL)
    }
    fn terminal_name(&self) -> Option<&str> {
        self.field(NAME)
    }
    #[inline]
    fn attrs(&self) -> &[CustomAttribute] {
        self.attrs.as_deref().unwrap_or_default()
    }
    #[inline]
    fn usage_percent(&self) -> Option<f64> {
        self.usage_level().map(f64::from)
    }
    #[inline]
    fn joined_identifiers(&self) -> Option<&str> {
        Some(&self.text)
    }
    #[inline]
    fn online(&self) -> Option<bool> {
        self.attach.online()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(iccid: Option<&str>, serial: Option<&str>, name: Option<&str>) -> ProductSummary {
        let business = iccid.or(serial).unwrap_or("X1");
        ProductSummary {
            id: ProductId::new(BackendKind::Intelsat, business),
            related_party: RelatedParty {
                id: "ACC-7".into(),
                name: "sat-a".into(),
            },
            connectivity: ConnectivityType::Satellite,
            status: NativeStatus::new(Status::Suspended, "Paused"),
            iccid: iccid.map(Into::into),
            imsi: Some("262011234567890".into()),
            msisdn: None,
            serial: serial.map(Into::into),
            terminal_name: name.map(Into::into),
            latitude: Some(53.5),
            longitude: None,
            attrs: vec![CustomAttribute {
                name: "site".into(),
                value: "Hamburg".into(),
            }],
        }
    }

    #[test]
    fn a_row_gives_back_the_summary_it_was_built_from() {
        let mut strings = Interner::default();
        for s in [
            summary(Some("8949001"), None, None),
            summary(None, Some("SN-1"), Some("SN-1")),
            summary(None, Some("SN-2"), Some("Vessel Ärö")),
            summary(None, None, Some("")),
        ] {
            let row = Row::new(&s, true, &mut strings);
            assert_eq!(row.summary(), s);
            assert!(row.is(&s.id));
        }
    }

    #[test]
    fn shared_strings_are_stored_once_and_pruned_when_unused() {
        let mut strings = Interner::default();
        let a = Row::new(&summary(Some("1"), None, None), false, &mut strings);
        let b = Row::new(&summary(Some("2"), None, None), false, &mut strings);
        assert!(Arc::ptr_eq(&a.account, &b.account));
        assert!(Arc::ptr_eq(&a.native, &b.native));
        assert_eq!(
            strings.set.len(),
            3,
            "account name, account id, native status"
        );
        drop((a, b));
        strings.prune();
        assert!(strings.set.is_empty());
    }

    #[test]
    fn an_identifier_equal_to_the_id_is_stored_once_and_joined_text_separates_fields() {
        let mut strings = Interner::default();
        let row = Row::new(&summary(Some("8949001"), None, None), false, &mut strings);
        assert_eq!(
            row.joined_identifiers(),
            Some("8949001\u{1f}262011234567890")
        );
        assert_eq!(row.iccid(), Some("8949001"));
        assert_eq!(row.imsi(), Some("262011234567890"));
    }

    #[test]
    fn an_absurdly_long_identifier_is_cut_at_a_char_boundary() {
        let mut strings = Interner::default();
        let long = "é".repeat(40_000);
        let row = Row::new(&summary(None, Some("SN"), Some(&long)), false, &mut strings);
        let name = row.terminal_name().unwrap_or_default();
        assert!(name.len() <= MAX_FIELD && long.starts_with(name) && !name.is_empty());
    }
}
