//! `App`: every piece of UI state, owned by the UI task alone. This module holds the state, the
//! product table (rows, the filtered view, the selection) and the small queries panes need.
//! State changes happen in `update.rs` (engine results) and `apply.rs` (user actions).

pub use super::overlay::{AttrForm, ConfirmFocus, FormField, FormMode, Overlay, Pending, Subject};
use crate::domain::{CustomAttribute, Monitor, Product, ProductId, ProductSummary, Usage};
use crate::engine::HealthEntry;
use crate::store::AuditEntry;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use tui_input::Input;

/// One product row: the summary and whether the current listing has confirmed it (rows from
/// the cache stay unconfirmed until their backend's listing sees them again).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub summary: ProductSummary,
    pub confirmed: bool,
}

/// Where one backend's listing stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListState {
    Idle,
    Loading,
    Done,
    Failed(String),
}

/// A configured backend as the header shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendView {
    pub name: String,
    pub kind: String,
    pub health: HealthEntry,
    pub list: ListState,
    /// Rows of this backend currently held.
    pub loaded: usize,
}

/// Something being fetched for a pane.
#[derive(Debug, Clone, PartialEq)]
pub enum Loadable<T> {
    Loading,
    Ready(T),
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct DetailState {
    pub id: ProductId,
    pub generation: u64,
    pub product: Loadable<Product>,
    pub usage: Loadable<Usage>,
    /// The product's custom attributes and the selected one.
    pub attrs: Loadable<Vec<CustomAttribute>>,
    pub attr_selected: usize,
    /// The CMO account that stores them, `None` for the local store.
    pub attrs_stored_on: Option<String>,
    /// Lines the product part is scrolled down (PgDn / PgUp); kept across a reload.
    pub scroll: u16,
}

impl DetailState {
    pub fn selected_attr(&self) -> Option<&CustomAttribute> {
        match &self.attrs {
            Loadable::Ready(list) => list.get(self.attr_selected),
            _ => None,
        }
    }
}

/// Which full-screen view has focus besides the overlays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The product list, or the detail pane when one is open.
    Products,
    Monitors,
    Audit,
    /// Every configured account: health, latency, listing state, last error.
    Backends,
}

/// Every monitor the store and the poller know of, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonitorsState {
    pub list: Vec<Monitor>,
    pub selected: usize,
    /// The monitor a status change just returned, marked in the pane.
    pub highlight: Option<String>,
}

impl MonitorsState {
    /// Insert or replace by id; a new monitor goes first (newest first). Returns the previous
    /// version when there was one.
    pub fn upsert(&mut self, monitor: Monitor) -> Option<Monitor> {
        match self.list.iter_mut().find(|m| m.id == monitor.id) {
            Some(slot) => Some(std::mem::replace(slot, monitor)),
            None => {
                // Keep the same monitor selected as the list grows at the top.
                self.list.insert(0, monitor);
                if self.list.len() > 1 {
                    self.selected += 1;
                }
                None
            }
        }
    }

    pub fn selected_monitor(&self) -> Option<&Monitor> {
        self.list.get(self.selected)
    }

    pub fn pending(&self) -> usize {
        self.list.iter().filter(|m| !m.state.is_final()).count()
    }
}

/// The audit journal view: entries newest first and the first one on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditState {
    pub generation: u64,
    pub entries: Loadable<Vec<AuditEntry>>,
    pub offset: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    Info,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub kind: MessageKind,
    /// Already sanitized and on one line.
    pub text: String,
}

#[derive(Debug, Default)]
pub struct FilterState {
    pub input: Input,
    pub editing: bool,
    /// The lowercase needle the view is currently filtered by.
    pub applied: String,
}

#[derive(Debug)]
pub struct App {
    pub read_only: bool,
    pub backends: Vec<BackendView>,
    pub rows: Vec<Row>,
    index: HashMap<ProductId, usize>,
    /// Indices into `rows` that pass the filter, in display order.
    pub visible: Vec<usize>,
    /// Position in `visible`.
    pub selected: usize,
    /// First position of `visible` on screen.
    pub offset: usize,
    /// How many list rows fit on screen (set from the terminal size).
    pub page_rows: usize,
    pub list_generation: u64,
    pub detail_generation: u64,
    pub detail: Option<DetailState>,
    pub overlays: Vec<Overlay>,
    pub filter: FilterState,
    pub message: Option<Message>,
    /// The last change result or monitor state, for the status line.
    pub status_line: Option<String>,
    pub screen: Screen,
    pub monitors: MonitorsState,
    pub audit: AuditState,
    /// Products marked (Space) for a batch status change.
    pub marks: HashSet<ProductId>,
    /// The clock, set by the runtime's tick; panes compute ages from it (never from the system
    /// clock), so drawing stays pure and snapshots deterministic.
    pub now: Option<DateTime<Utc>>,
    pub dirty: bool,
    pub quit: bool,
    /// Set by `Action::Redraw`; the runtime repaints everything and clears it.
    pub full_repaint: bool,
}

impl App {
    /// `accounts` are `(name, kind)` in configuration order; `cached` rows start unconfirmed.
    pub fn new(
        accounts: Vec<(String, String)>,
        cached: Vec<ProductSummary>,
        read_only: bool,
    ) -> Self {
        let mut app = App {
            read_only,
            backends: accounts
                .into_iter()
                .map(|(name, kind)| BackendView {
                    name,
                    kind,
                    health: HealthEntry::default(),
                    list: ListState::Idle,
                    loaded: 0,
                })
                .collect(),
            rows: Vec::new(),
            index: HashMap::new(),
            visible: Vec::new(),
            selected: 0,
            offset: 0,
            page_rows: 20,
            list_generation: 0,
            detail_generation: 0,
            detail: None,
            overlays: Vec::new(),
            filter: FilterState::default(),
            message: None,
            status_line: None,
            screen: Screen::Products,
            monitors: MonitorsState::default(),
            audit: AuditState {
                generation: 0,
                entries: Loadable::Loading,
                offset: 0,
            },
            marks: HashSet::new(),
            now: None,
            dirty: true,
            quit: false,
            full_repaint: false,
        };
        app.upsert(cached, false);
        app
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.visible.get(self.selected).map(|&i| &self.rows[i])
    }

    pub fn row(&self, id: &ProductId) -> Option<&Row> {
        self.index.get(id).map(|&i| &self.rows[i])
    }

    /// Insert or replace rows by product id; new rows that pass the filter join the view at its
    /// end, so a page costs O(page) and never re-sorts or re-filters what is already there.
    pub fn upsert(&mut self, items: Vec<ProductSummary>, confirmed: bool) {
        for summary in items {
            match self.index.get(&summary.id) {
                Some(&i) => {
                    let summary = keep_identifiers(summary, &self.rows[i].summary);
                    self.rows[i] = Row { summary, confirmed };
                }
                None => {
                    let i = self.rows.len();
                    if let Some(b) = self
                        .backends
                        .iter_mut()
                        .find(|b| b.name == summary.related_party.name)
                    {
                        b.loaded += 1;
                    }
                    self.index.insert(summary.id.clone(), i);
                    let passes = matches_filter(&summary, &self.filter.applied);
                    self.rows.push(Row { summary, confirmed });
                    if passes {
                        self.visible.push(i);
                    }
                }
            }
        }
        self.dirty = true;
    }

    /// What a product's detail read says about its row: the current status, and identifiers
    /// a listing may not carry (Control Center lists ICCIDs only). Only a row of the same
    /// account is touched; what the detail leaves out keeps the listed value.
    pub fn refresh_row(&mut self, fresh: &ProductSummary) {
        let Some(&i) = self.index.get(&fresh.id) else {
            return;
        };
        let row = &mut self.rows[i].summary;
        if row.related_party.name != fresh.related_party.name {
            return;
        }
        let merged = keep_identifiers(fresh.clone(), row);
        if *row != merged {
            *row = merged;
            self.dirty = true;
        }
    }

    /// Add rows not held yet (the cache at start-up); rows a listing already delivered win.
    pub fn upsert_missing(&mut self, items: Vec<ProductSummary>) {
        let fresh: Vec<_> = items
            .into_iter()
            .filter(|s| !self.index.contains_key(&s.id))
            .collect();
        self.upsert(fresh, false);
    }

    /// Keep only the rows `keep` accepts, rebuilding the index, the view and the counts.
    /// Returns how many rows went.
    pub fn retain_rows(&mut self, keep: impl Fn(&Row) -> bool) -> usize {
        let before = self.rows.len();
        let selected = self.selected_row().map(|r| r.summary.id.clone());
        self.rows.retain(|r| keep(r));
        let removed = before - self.rows.len();
        if removed == 0 {
            return 0;
        }
        self.index = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.summary.id.clone(), i))
            .collect();
        for b in &mut self.backends {
            b.loaded = self
                .rows
                .iter()
                .filter(|r| r.summary.related_party.name == b.name)
                .count();
        }
        let ids: HashSet<&ProductId> = self.index.keys().collect();
        self.marks.retain(|id| ids.contains(id));
        let needle = self.filter.applied.clone();
        self.visible = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| matches_filter(&r.summary, &needle))
            .map(|(i, _)| i)
            .collect();
        self.selected = selected
            .and_then(|id| {
                let row = *self.index.get(&id)?;
                self.visible.iter().position(|&i| i == row)
            })
            .unwrap_or(self.selected);
        self.scroll_to_selection();
        self.dirty = true;
        removed
    }

    /// Re-apply the filter from scratch, keeping the selected product selected when it still
    /// passes (otherwise the selection goes to the top).
    pub fn refilter(&mut self) {
        let keep = self.selected_row().map(|r| r.summary.id.clone());
        let needle = self.filter.applied.clone();
        self.visible = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| matches_filter(&r.summary, &needle))
            .map(|(i, _)| i)
            .collect();
        self.selected = keep
            .and_then(|id| {
                let row = *self.index.get(&id)?;
                self.visible.iter().position(|&i| i == row)
            })
            .unwrap_or(0);
        self.offset = 0;
        self.scroll_to_selection();
        self.dirty = true;
    }

    /// Keep `selected` inside the list and on screen.
    pub fn scroll_to_selection(&mut self) {
        let len = self.visible.len();
        if len == 0 {
            self.selected = 0;
            self.offset = 0;
            return;
        }
        self.selected = self.selected.min(len - 1);
        let page = self.page_rows.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(len.saturating_sub(page));
    }

    pub fn top_overlay(&self) -> Option<&Overlay> {
        self.overlays.last()
    }

    pub fn set_error(&mut self, text: &str) {
        self.message = Some(Message {
            kind: MessageKind::Error,
            text: one_line(text),
        });
        self.dirty = true;
    }

    pub fn set_info(&mut self, text: &str) {
        self.message = Some(Message {
            kind: MessageKind::Info,
            text: one_line(text),
        });
        self.dirty = true;
    }

    /// Total rows held and rows passing the filter.
    pub fn counts(&self) -> (usize, usize) {
        (self.rows.len(), self.visible.len())
    }
}

/// Sanitized, on one line, and short enough for a status line.
pub fn one_line(text: &str) -> String {
    const MAX: usize = 300;
    let clean = crate::text::sanitize(text);
    let trimmed = clean.trim();
    match trimmed.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &trimmed[..cut]),
        None => trimmed.to_string(),
    }
}

/// Whether a product matches a lowercase needle on ID, ICCID, IMSI, MSISDN, status (normalized
/// or native) or account. Case-insensitive without allocating per row.
pub fn matches_filter(s: &ProductSummary, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let kind = s.id.kind.as_str();
    let id_hit = contains_ci(kind, needle)
        || contains_ci(&s.id.business_id, needle)
        || needle.split_once('-').is_some_and(|(k, rest)| {
            k.eq_ignore_ascii_case(kind) && s.id.business_id.starts_with(rest)
        });
    id_hit
        || [&s.iccid, &s.imsi, &s.msisdn, &s.serial, &s.terminal_name]
            .into_iter()
            .flatten()
            .any(|v| contains_ci(v, needle))
        || contains_ci(s.status.status.as_str(), needle)
        || contains_ci(&s.status.native, needle)
        || contains_ci(&s.related_party.name, needle)
}

/// `needle` must already be lowercase.
fn contains_ci(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.len() > h.len() {
        return false;
    }
    if hay.is_ascii() && needle.is_ascii() {
        return h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    hay.to_lowercase().contains(needle)
}

/// `fresh` with the identifiers it lacks taken from `known` (same product, same account): a
/// Control Center listing carries no IMSI or MSISDN, a detail read or an earlier row may.
fn keep_identifiers(fresh: ProductSummary, known: &ProductSummary) -> ProductSummary {
    if fresh.related_party.name != known.related_party.name {
        return fresh;
    }
    let keep = |new: Option<String>, old: &Option<String>| new.or_else(|| old.clone());
    ProductSummary {
        iccid: keep(fresh.iccid, &known.iccid),
        imsi: keep(fresh.imsi, &known.imsi),
        msisdn: keep(fresh.msisdn, &known.msisdn),
        serial: keep(fresh.serial, &known.serial),
        terminal_name: keep(fresh.terminal_name, &known.terminal_name),
        latitude: fresh.latitude.or(known.latitude),
        longitude: fresh.longitude.or(known.longitude),
        ..fresh
    }
}
