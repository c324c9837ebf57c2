//! `App`: every piece of UI state, owned by the UI task alone. This module holds the state, the
//! product table (rows, the filtered view, the selection) and the small queries panes need.
//! State changes happen in `update.rs` (engine results) and `apply.rs` (user actions).

pub use super::overlay::{AttrForm, ConfirmFocus, FormField, FormMode, Overlay, Pending, Subject};
use crate::domain::query::Fields as _;
use crate::domain::query::{Query, SortColumn, SortKey};
use crate::domain::{
    BackendKind, CustomAttribute, Monitor, Product, ProductId, ProductSummary, Usage,
};
use crate::engine::AuditEntry;
use crate::engine::HealthEntry;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use tui_input::Input;

use super::row::Interner;
pub use super::row::Row;
use super::view::FilterJob;

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
    /// When its last listing completed (the UI clock).
    pub listed_at: Option<DateTime<Utc>>,
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
    /// The network session / attach state (`panes/detail_conn.rs`); `Ready(None)`: the
    /// platform offers none.
    pub session: Loadable<Option<crate::domain::SessionState>>,
    /// The product's custom attributes and the selected one.
    pub attrs: Loadable<Vec<CustomAttribute>>,
    pub attr_selected: usize,
    /// The CMO account that stores them, `None` for the local store.
    pub attrs_stored_on: Option<String>,
    /// Lines the product part is scrolled down (PgDn / PgUp); kept across a reload.
    pub scroll: u16,
    /// When it was asked for (the UI clock), for the seconds a slow carrier has taken.
    pub opened_at: Option<DateTime<Utc>>,
}

impl DetailState {
    pub fn selected_attr(&self) -> Option<&CustomAttribute> {
        match &self.attrs {
            Loadable::Ready(list) => list.get(self.attr_selected),
            _ => None,
        }
    }
}

/// What a batch leaves alone: products already in the target, and those that cannot move to
/// it (with the reason).
pub type BatchPlan = (Vec<ProductId>, Vec<(ProductId, String)>);

/// Which full-screen view has focus besides the overlays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The product list, or the detail pane when one is open.
    Products,
    Monitors,
    Audit,
    /// Every configured account: health, latency, listing state, last error.
    Backends,
    /// Terminals (every product with a position) on a world map (`flows/map.rs`).
    Map,
    /// Per account: products by status, health, latency, jobs, data used (`flows/overview.rs`).
    Overview,
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

pub use super::messages::{Message, MessageKind, Messages, Work};

#[derive(Debug, Default)]
pub struct FilterState {
    pub input: Input,
    pub editing: bool,
    /// The query the view is filtered by: the last text typed that parsed (docs/query.md).
    pub query: Query,
    /// Why the text typed does not parse, naming the term; the previous result stays shown.
    pub error: Option<String>,
    /// Bumped by every query started; a filter job of an older generation is dropped.
    pub generation: u64,
}

impl FilterState {
    /// Whether a query narrows the list (the filter line stays on screen).
    pub fn is_active(&self) -> bool {
        !self.query.is_empty() || self.error.is_some()
    }
}

#[derive(Debug)]
pub struct App {
    pub read_only: bool,
    pub backends: Vec<BackendView>,
    pub rows: Vec<Row>,
    /// The rows' shared strings (account names and ids, native statuses).
    pub(super) strings: Interner,
    pub(super) index: HashMap<ProductId, usize>,
    /// The query being applied a slice at a time (view.rs), if any.
    pub(super) filter_job: Option<FilterJob>,
    /// Every index into `rows`, sorted by `sort` (view.rs keeps it so).
    pub(super) order: Vec<usize>,
    /// Indices into `rows` that pass the filter, in display order (a subsequence of `order`).
    pub visible: Vec<usize>,
    /// The sort of the list: a column and a direction (default: account, then id).
    pub sort: SortKey,
    /// Each row's normalized status, kind and connectivity, parallel to `rows`: what the summary
    /// line counts and a query's enum terms test without touching the rows themselves.
    pub(super) row_class: Vec<crate::domain::query::RowClass>,
    /// Each row's account and native-status ids in `shared_names`, parallel to `rows`: a
    /// query decides what those values decide once per distinct value (`shared_names.rs`).
    pub(super) row_shared: Vec<crate::domain::query::SharedIds>,
    pub(super) shared_names: super::shared_names::SharedNames,
    /// Each row's `query::own_signature` (byte pairs of its identifiers and attribute values),
    /// parallel to `rows`: a bare word missing from it is decided without reading the row.
    pub(super) row_signature: Vec<u64>,
    /// Visible rows per normalized status, for the summary line.
    pub(super) status_counts: super::view::StatusCounts,
    /// The local store's custom attributes by product, merged into rows as they arrive.
    pub(super) local_attrs: HashMap<ProductId, Vec<CustomAttribute>>,
    /// Position in `visible`.
    pub selected: usize,
    /// Whether the user has moved the selection: until then it stays on the top row as pages
    /// arrive; from then on it stays on its product.
    pub selection_moved: bool,
    /// First position of `visible` on screen.
    pub offset: usize,
    /// How many list rows fit on screen (set from the terminal size).
    pub page_rows: usize,
    pub list_generation: u64,
    pub detail_generation: u64,
    pub detail: Option<DetailState>,
    pub overlays: Vec<Overlay>,
    pub filter: FilterState,
    /// The `:` command line, its history and completion.
    pub command: super::commands::CommandLine,
    /// Wide mode: every chosen column (and the attributes) shown, none dropped to fit.
    pub wide: bool,
    /// Columns the user turned off in the picker (the ID never is).
    pub hidden_columns: HashSet<SortColumn>,
    /// Every message of the session, and the one the status line shows.
    pub messages: Messages,
    /// Carrier calls the operator is waiting on, oldest first.
    pub in_flight: Vec<Work>,
    /// Relist every backend this often (`refresh_interval` in the config); `None`: only on `r`.
    pub refresh_interval: Option<chrono::Duration>,
    /// When the last listing was started.
    pub last_refresh: Option<DateTime<Utc>>,
    /// Carrier jobs that ended in error since the monitors view was last opened.
    pub failed_unseen: usize,
    pub screen: Screen,
    pub monitors: MonitorsState,
    pub audit: AuditState,
    /// The batch on its way: products it leaves unchanged and those it could not send (why).
    pub batch_plan: Option<BatchPlan>,
    /// The failed products of the last batch and its target, for a retry from the report.
    pub batch_failed: Option<(Vec<ProductId>, crate::domain::Status)>,
    /// Products marked (Space) for a batch status change.
    pub marks: HashSet<ProductId>,
    /// The clock, set by the runtime's tick; panes compute ages from it (never from the system
    /// clock), so drawing stays pure and snapshots deterministic.
    pub now: Option<DateTime<Utc>>,
    /// The world map's viewport and its point cache.
    pub map: super::flows::map::MapState,
    /// The overview's selection, latency samples and usage seen per account.
    pub overview: super::flows::overview::OverviewState,
    /// Bumped whenever the rows or the visible view change; caches built from the view
    /// (the map's points, the overview's counts) are valid for one version.
    pub view_version: u64,
    pub dirty: bool,
    pub quit: bool,
    /// Set by `Action::Redraw`; the runtime repaints everything and clears it.
    pub full_repaint: bool,
    /// Known allowance levels and accounts' daily use (`usage_levels.rs`).
    pub usage: super::usage_levels::UsageState,
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
                    listed_at: None,
                })
                .collect(),
            rows: Vec::new(),
            strings: Interner::default(),
            index: HashMap::new(),
            filter_job: None,
            order: Vec::new(),
            visible: Vec::new(),
            sort: SortKey::DEFAULT,
            row_class: Vec::new(),
            row_shared: Vec::new(),
            shared_names: Default::default(),
            row_signature: Vec::new(),
            status_counts: Default::default(),
            local_attrs: HashMap::new(),
            selected: 0,
            selection_moved: false,
            offset: 0,
            page_rows: 20,
            list_generation: 0,
            detail_generation: 0,
            detail: None,
            overlays: Vec::new(),
            filter: FilterState::default(),
            command: Default::default(),
            wide: false,
            hidden_columns: HashSet::new(),
            messages: Messages::default(),
            in_flight: Vec::new(),
            failed_unseen: 0,
            refresh_interval: None,
            last_refresh: None,
            screen: Screen::Products,
            monitors: MonitorsState::default(),
            audit: AuditState {
                generation: 0,
                entries: Loadable::Loading,
                offset: 0,
            },
            marks: HashSet::new(),
            batch_plan: None,
            batch_failed: None,
            now: None,
            map: Default::default(),
            overview: Default::default(),
            view_version: 0,
            dirty: true,
            quit: false,
            full_repaint: false,
            usage: Default::default(),
        };
        app.upsert(cached, false);
        // Nothing to list yet: the overview is what the operator sees while the listing runs
        // (`flows/overview.rs` hands over to the list as soon as rows arrive).
        if app.rows.is_empty() {
            app.screen = Screen::Overview;
            app.overview.auto = true;
        }
        app
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.visible.get(self.selected).map(|&i| &self.rows[i])
    }

    pub fn row(&self, id: &ProductId) -> Option<&Row> {
        self.index.get(id).map(|&i| &self.rows[i])
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
        self.say(MessageKind::Error, text);
    }

    pub fn set_info(&mut self, text: &str) {
        self.say(MessageKind::Info, text);
    }

    /// A change that went through.
    pub fn set_success(&mut self, text: &str) {
        self.say(MessageKind::Success, text);
    }

    fn say(&mut self, kind: MessageKind, text: &str) {
        let full = crate::text::sanitize(text).trim().to_string();
        self.messages.push(Message {
            kind,
            text: one_line(&full),
            full,
            at: self.now,
        });
        self.dirty = true;
    }

    /// The message the status line shows: the newest, until it fades or is dismissed.
    pub fn message(&self) -> Option<&Message> {
        self.messages.current()
    }

    /// A carrier call the operator now waits on (shown with a spinner and its seconds).
    pub fn start_work(&mut self, key: String, what: String, account: Option<String>) {
        self.in_flight.retain(|w| w.key != key);
        self.in_flight.push(Work {
            key,
            what,
            account,
            since: self.now,
        });
        self.dirty = true;
    }

    /// Its answer arrived.
    pub fn end_work(&mut self, key: &str) {
        let before = self.in_flight.len();
        self.in_flight.retain(|w| w.key != key);
        self.dirty |= before != self.in_flight.len();
    }

    /// The oldest completed listing among the backends, in whole seconds, once every backend
    /// has completed one.
    pub fn oldest_listing_secs(&self) -> Option<i64> {
        let now = self.now?;
        let mut oldest = None;
        for b in &self.backends {
            let at = b.listed_at?;
            oldest = Some(oldest.map_or(at, |o: DateTime<Utc>| o.min(at)));
        }
        oldest.map(|at| (now - at).num_seconds().max(0))
    }

    /// Whether `name` is a CMO tenant account (its products keep their attributes there).
    pub fn is_cmo_account(&self, name: &str) -> bool {
        self.backends
            .iter()
            .any(|b| b.name == name && b.kind == BackendKind::Cmo.as_str())
    }

    /// The account holding a product, for the in-flight line.
    pub fn account_of(&self, id: &ProductId) -> Option<String> {
        self.row(id).map(|r| r.account().to_string())
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
