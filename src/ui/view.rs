//! The product table's view: which rows pass the query and in what order. `order` holds every
//! row sorted by the current sort key (a total order, so the result does not depend on the
//! order pages arrive in); `visible` is the subsequence of `order` the query accepts. A new
//! query filters `order` — or only `visible` when it narrows the last one — without sorting;
//! a new sort key sorts once. Pages arriving later are sorted among themselves and merged in,
//! so a page costs O(page · log page + rows held), never a full re-sort. Every change keeps
//! the selected product selected, and the per-status counts of the visible rows up to date.
//!
//! A query over many rows is a [`FilterJob`]: the runtime runs it a slice of rows at a time
//! between keys ([`App::filter_step`]), so a keystroke never waits for a million rows; each job
//! carries the query's generation and a job for an older query is dropped. Until it ends the
//! list shows the previous result. Any change to the rows first finishes the pending job, so
//! the view is never built from two different row sets.

use super::app::{App, Row};
use super::row::Interner;
use crate::domain::query::{
    Fields, Query, RowClass, SharedIds, SharedPlan, SortKey, Verdict, own_signature,
};
use crate::domain::{CustomAttribute, ProductId, ProductSummary, Status};
use std::cmp::Ordering;
use std::collections::HashSet;

/// Rows per normalized status among the visible rows, in `Status::ALL` order.
pub type StatusCounts = [usize; Status::ALL.len()];

pub fn status_slot(status: Status) -> usize {
    Status::ALL.iter().position(|s| *s == status).unwrap_or(0)
}

/// The row's entry in the class column (status, kind, connectivity: what enum terms test).
fn class_of(row: &Row) -> RowClass {
    RowClass::new(row.status(), row.kind(), row.connectivity())
}

/// Rows one [`App::filter_step`] tests: a few milliseconds of matching on one core even for
/// bare words, so keys are read between slices (docs/performance.md measures a slice).
pub const FILTER_SLICE: usize = 32_768;

/// A query is filtered at once, without a job, when it tests at most this many rows.
const FILTER_AT_ONCE: usize = FILTER_SLICE;

/// A query being applied a slice at a time.
#[derive(Debug)]
pub struct FilterJob {
    /// The `filter.generation` of the query it applies; a job of another generation is stale.
    pub generation: u64,
    /// Rows it may accept, in display order.
    candidates: Vec<usize>,
    /// Per row (memory order): still a candidate. Cleared as rows fail.
    keep: Vec<bool>,
    /// Rows `[0, next)` are tested.
    next: usize,
    /// The product to keep selected when the result is shown.
    selected: Option<ProductId>,
    /// The query decided per distinct shared value (`None`: too many terms, rows tested in
    /// full). Rows do not change while a job is pending, so neither do its tables.
    plan: Option<SharedPlan>,
}

impl App {
    /// Insert or replace rows by product id. New rows are sorted among themselves and merged
    /// into the sorted view; a replaced row whose sort position or query result changed makes
    /// the view rebuild once at the end.
    pub fn upsert(&mut self, items: Vec<ProductSummary>, confirmed: bool) {
        if items.is_empty() {
            return;
        }
        self.finish_filter();
        let selected = self.selected_id();
        let mut fresh = Vec::new();
        let mut rebuild = false;
        for summary in items {
            let summary = self.with_local_attrs(summary);
            match self.index.get(&summary.id) {
                Some(&i) => {
                    let merged = keep_identifiers(summary, &self.rows[i]);
                    let mut row =
                        Row::new(&merged, confirmed, &mut self.strings).keep_attach(&self.rows[i]);
                    row.set_usage_level(self.usage_level_of(&merged.id));
                    self.row_class[i] = class_of(&row);
                    self.row_shared[i] = self.shared_names.ids(&row);
                    self.row_signature[i] = own_signature(&row);
                    let old = std::mem::replace(&mut self.rows[i], row);
                    let new = &self.rows[i];
                    let passed = self.filter.query.matches(&old);
                    let passes = self.filter.query.matches(new);
                    if passed != passes || self.sort.compare(&old, new) != Ordering::Equal {
                        rebuild = true;
                    } else if passes && old.status() != new.status() {
                        self.status_counts[status_slot(old.status())] -= 1;
                        self.status_counts[status_slot(new.status())] += 1;
                    }
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
                    let mut row = Row::new(&summary, confirmed, &mut self.strings);
                    row.set_usage_level(self.usage_level_of(&summary.id));
                    self.index.insert(summary.id, i);
                    self.row_class.push(class_of(&row));
                    self.row_shared.push(self.shared_names.ids(&row));
                    self.row_signature.push(own_signature(&row));
                    self.rows.push(row);
                    fresh.push(i);
                }
            }
        }
        if rebuild {
            self.rebuild_order();
            self.rebuild_visible(selected);
        } else if !fresh.is_empty() {
            self.merge_fresh(fresh, selected);
        }
        self.view_version += 1;
        self.dirty = true;
    }

    /// What a product's detail read says about its row: the current status, and identifiers
    /// a listing may not carry (Control Center lists ICCIDs only). Only a row of the same
    /// account is touched; what the detail leaves out keeps the listed value.
    pub fn refresh_row(&mut self, fresh: &ProductSummary) {
        let Some(&i) = self.index.get(&fresh.id) else {
            return;
        };
        let row = &self.rows[i];
        if row.account() != fresh.related_party.name {
            return;
        }
        let mut merged = keep_identifiers(fresh.clone(), row);
        if merged.attrs.is_empty() {
            merged.attrs = row.attrs().to_vec();
        }
        if row.summary() != merged {
            let confirmed = row.confirmed;
            self.upsert(vec![merged], confirmed);
        }
    }

    /// What an opened product told of its session state (`domain::session`): kept on its row
    /// for the list's sign and `online:`; a query it now passes or fails is applied again.
    pub fn set_attach(&mut self, id: &ProductId, attach: crate::domain::Attach) {
        let Some(&i) = self.index.get(id) else {
            return;
        };
        if self.rows[i].attach() == attach {
            return;
        }
        self.finish_filter();
        let passed = self.filter.query.matches(&self.rows[i]);
        self.rows[i].set_attach(attach);
        if self.filter.query.matches(&self.rows[i]) != passed {
            let selected = self.selected_id();
            self.rebuild_visible(selected);
        }
        self.dirty = true;
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
        self.finish_filter();
        let before = self.rows.len();
        let selected = self.selected_id();
        self.rows.retain(|r| keep(r));
        let removed = before - self.rows.len();
        if removed == 0 {
            return 0;
        }
        self.row_class = self.rows.iter().map(class_of).collect();
        self.shared_names.clear();
        self.row_shared = self.rows.iter().map(|r| self.shared_names.ids(r)).collect();
        self.row_signature = self.rows.iter().map(own_signature).collect();
        self.index = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id(), i))
            .collect();
        self.strings.prune();
        for b in &mut self.backends {
            b.loaded = self.rows.iter().filter(|r| r.account() == b.name).count();
        }
        let ids: HashSet<&ProductId> = self.index.keys().collect();
        self.marks.retain(|id| ids.contains(id));
        self.rebuild_order();
        self.rebuild_visible(selected);
        self.dirty = true;
        removed
    }

    /// Filter by `query` now, keeping the selected product selected when it still passes
    /// (otherwise the selection goes to the top). A query that narrows the current one only
    /// looks at the rows shown now.
    pub fn set_query(&mut self, query: Query) {
        self.start_query(query);
        self.finish_filter();
    }

    /// Start filtering by `query`: at once when few rows are to be tested, otherwise as a
    /// [`FilterJob`] the runtime advances with [`App::filter_step`] between keys. A query
    /// that narrows the last one reuses its result (or the pending job's progress).
    pub fn start_query(&mut self, query: Query) {
        let narrows = query.narrows(&self.filter.query);
        // Terms the last query had too hold on every row it accepted: a narrowing keystroke
        // that re-tests only those rows (no pending job) need not test these terms again.
        let known = match &self.filter_job {
            None if narrows => query.terms_also_in(&self.filter.query),
            _ => 0,
        };
        self.filter.query = query;
        self.filter.generation += 1;
        let generation = self.filter.generation;
        self.dirty = true;
        let job = match self.filter_job.take() {
            // Rows the pending job already rejected fail the narrower query too: keep its
            // flags and test again from the first row.
            Some(mut job) if narrows => {
                job.generation = generation;
                job.next = 0;
                job.plan = self.plan(0);
                job
            }
            pending => {
                let selected = match pending {
                    Some(job) => job.selected,
                    None => self.selected_id(),
                };
                if self.filter.query.is_empty() {
                    self.visible = self.order.clone();
                    self.recount();
                    self.reselect(selected);
                    return;
                }
                // `visible` stays what the list shows until the job ends.
                let candidates = if narrows {
                    self.visible.clone()
                } else {
                    self.order.clone()
                };
                FilterJob {
                    generation,
                    keep: flags(self.rows.len(), &candidates),
                    candidates,
                    next: 0,
                    selected,
                    plan: self.plan(known),
                }
            }
        };
        let small = job.candidates.len() <= FILTER_AT_ONCE || self.rows.len() <= FILTER_AT_ONCE;
        self.filter_job = Some(job);
        if small {
            self.finish_filter();
        }
    }

    /// Whether a filter job waits for [`App::filter_step`].
    pub fn filter_pending(&self) -> bool {
        self.filter_job.is_some()
    }

    /// Test the next `rows` rows of the pending filter job; when it has tested every row its
    /// result becomes the view. Returns whether a job is still pending.
    pub fn filter_step(&mut self, rows: usize) -> bool {
        let Some(mut job) = self.filter_job.take() else {
            return false;
        };
        if job.generation != self.filter.generation {
            // A query replaced it without taking it over: its result is for nothing shown.
            return false;
        }
        let end = job.next.saturating_add(rows).min(self.rows.len());
        test_rows(
            self.columns(),
            job.next,
            &mut job.keep[job.next..end],
            &self.filter.query,
            job.plan.as_ref(),
        );
        job.next = end;
        if job.next < self.rows.len() {
            self.filter_job = Some(job);
            return true;
        }
        let keep = &job.keep;
        self.visible = job.candidates.into_iter().filter(|&i| keep[i]).collect();
        // The flags are exactly the rows shown, in memory order: count from them and the
        // class column front to back rather than through the display order.
        let mut counts = StatusCounts::default();
        for (class, _) in self.row_class.iter().zip(keep).filter(|(_, k)| **k) {
            counts[class.status_slot()] += 1;
        }
        self.status_counts = counts;
        self.view_version += 1;
        self.reselect(job.selected);
        self.dirty = true;
        false
    }

    /// Run the pending filter job to its end.
    pub fn finish_filter(&mut self) {
        while self.filter_step(usize::MAX) {}
    }

    /// Re-apply the query from scratch (after rows changed under it).
    pub fn refilter(&mut self) {
        self.finish_filter();
        let selected = self.selected_id();
        self.rebuild_visible(selected);
        self.dirty = true;
    }

    /// Sort by `key`; the selection stays on the same product.
    pub fn set_sort(&mut self, key: SortKey) {
        if key == self.sort {
            return;
        }
        self.finish_filter();
        let selected = self.selected_id();
        self.sort = key;
        self.rebuild_order();
        self.rebuild_visible(selected);
        self.dirty = true;
    }

    /// A product's custom attributes as just read (its detail pane, or after an edit): the row
    /// knows them from now on, so `attr:` queries see the change at once.
    pub fn set_row_attrs(&mut self, id: &ProductId, attrs: Vec<CustomAttribute>) {
        if !self.attrs_on_cmo(id) {
            if attrs.is_empty() {
                self.local_attrs.remove(id);
            } else {
                self.local_attrs.insert(id.clone(), attrs.clone());
            }
        }
        let Some(&i) = self.index.get(id) else {
            return;
        };
        if self.rows[i].attrs() == attrs.as_slice() {
            return;
        }
        let mut summary = self.rows[i].summary();
        summary.attrs = attrs;
        let confirmed = self.rows[i].confirmed;
        self.upsert(vec![summary], confirmed);
    }

    /// The local store's attributes of every product, read at start-up: rows held now and
    /// rows arriving later carry them.
    pub fn set_local_attrs(
        &mut self,
        attrs: std::collections::HashMap<ProductId, Vec<CustomAttribute>>,
    ) {
        self.local_attrs = attrs;
        let updates: Vec<ProductSummary> = self
            .local_attrs
            .iter()
            .filter_map(|(id, list)| {
                let &i = self.index.get(id)?;
                let row = &self.rows[i];
                (row.attrs() != list.as_slice() && !self.attrs_on_cmo(id)).then(|| {
                    let mut s = row.summary();
                    s.attrs = list.clone();
                    s
                })
            })
            .collect();
        for s in updates {
            let confirmed = self.row(&s.id).is_some_and(|r| r.confirmed);
            self.upsert(vec![s], confirmed);
        }
    }

    /// Rows per normalized status among the visible rows.
    pub fn status_counts(&self) -> &StatusCounts {
        &self.status_counts
    }

    /// Where the selected product sits among the visible rows (1-based), for the title.
    pub fn position(&self) -> Option<usize> {
        (!self.visible.is_empty()).then_some(self.selected + 1)
    }

    /// The product the selection must stay on, once the user has moved it (before, the top
    /// row stays selected whatever sorts before it).
    fn selected_id(&self) -> Option<ProductId> {
        if !self.selection_moved {
            return None;
        }
        self.selected_row().map(Row::id)
    }

    /// Products a CMO account holds keep their attributes on the tenant; the listing carries them.
    fn attrs_on_cmo(&self, id: &ProductId) -> bool {
        self.row(id)
            .is_some_and(|r| self.is_cmo_account(r.account()))
    }

    fn with_local_attrs(&self, mut summary: ProductSummary) -> ProductSummary {
        if summary.attrs.is_empty()
            && let Some(list) = self.local_attrs.get(&summary.id)
        {
            summary.attrs = list.clone();
        }
        summary
    }

    fn rebuild_order(&mut self) {
        let rows = &self.rows;
        let key = self.sort;
        self.order = (0..rows.len()).collect();
        self.order
            .sort_unstable_by(|&a, &b| key.compare(&rows[a], &rows[b]));
    }

    fn rebuild_visible(&mut self, selected: Option<ProductId>) {
        self.visible = if self.filter.query.is_empty() {
            self.order.clone()
        } else {
            filter_rows(
                self.columns(),
                &self.order,
                &self.filter.query,
                self.plan(0).as_ref(),
            )
        };
        self.recount();
        self.reselect(selected);
    }

    /// Sort the new rows and merge them into `order` and (those passing) into `visible`.
    fn merge_fresh(&mut self, mut fresh: Vec<usize>, selected: Option<ProductId>) {
        let rows = &self.rows;
        let key = self.sort;
        let cmp = |a: &usize, b: &usize| key.compare(&rows[*a], &rows[*b]);
        fresh.sort_unstable_by(cmp);
        self.order = merge(&self.order, &fresh, cmp);
        let passing: Vec<usize> = fresh
            .into_iter()
            .filter(|&i| self.filter.query.matches(&rows[i]))
            .collect();
        for &i in &passing {
            self.status_counts[status_slot(rows[i].status())] += 1;
        }
        let appended_only = self
            .visible
            .last()
            .zip(passing.first())
            .is_none_or(|(last, first)| cmp(last, first) == Ordering::Less);
        if appended_only {
            self.visible.extend(passing);
        } else {
            self.visible = merge(&self.visible, &passing, cmp);
        }
        self.reselect(selected);
    }

    /// Count the visible rows per status from the byte-per-row status column (a million
    /// lookups in one small array, not a million visits to rows spread over the heap).
    fn recount(&mut self) {
        let mut counts = StatusCounts::default();
        if self.visible.len() == self.rows.len() {
            // Every row is shown (a subsequence of every row, as long): count the column in
            // memory order instead of jumping through the display order.
            for class in &self.row_class {
                counts[class.status_slot()] += 1;
            }
        } else {
            for &i in &self.visible {
                counts[self.row_class[i].status_slot()] += 1;
            }
        }
        self.status_counts = counts;
        self.view_version += 1;
    }

    /// Put the selection back on `id` when it is still visible; otherwise keep the position
    /// (a row that left the view leaves the cursor where it was).
    fn reselect(&mut self, id: Option<ProductId>) {
        if let Some(id) = id
            && let Some(&row) = self.index.get(&id)
        {
            match self.visible.iter().position(|&i| i == row) {
                Some(pos) => self.selected = pos,
                None => self.selected = 0,
            }
        }
        self.scroll_to_selection();
    }

    /// The current query's plan over the shared-value tables, taking the terms in `known` to
    /// hold.
    fn plan(&self, known: u64) -> Option<SharedPlan> {
        self.filter.query.shared_plan(
            self.shared_names.accounts(),
            self.shared_names.natives(),
            known,
        )
    }

    /// The rows and the columns kept beside them, for the filter.
    fn columns(&self) -> Columns<'_> {
        Columns {
            rows: &self.rows,
            classes: &self.row_class,
            shared: &self.row_shared,
            signatures: &self.row_signature,
        }
    }

    /// The interner the rows' shared strings come from (benches build rows with it).
    pub fn strings(&mut self) -> &mut Interner {
        &mut self.strings
    }
}

/// Below this many rows one thread filters; above, the work is split over the cores.
const PARALLEL_FROM: usize = 50_000;

/// The `candidates` (indices into `rows`, in display order) that `query` accepts, order kept.
///
/// Rows are tested in memory order, not display order: a sorted view visits rows all over the
/// heap, and at a million rows those cache misses cost more than the matching. So the
/// candidates are first flagged in a byte per row, the rows are walked front to back (split
/// over the cores) and flags of rows that fail are cleared, then the display order is read off
/// the flags.
fn filter_rows(
    columns: Columns<'_>,
    candidates: &[usize],
    query: &Query,
    plan: Option<&SharedPlan>,
) -> Vec<usize> {
    let mut keep = flags(columns.rows.len(), candidates);
    test_rows(columns, 0, &mut keep, query, plan);
    candidates.iter().copied().filter(|&i| keep[i]).collect()
}

/// The rows and their parallel columns (class, shared-value ids).
#[derive(Clone, Copy)]
struct Columns<'a> {
    rows: &'a [Row],
    classes: &'a [RowClass],
    shared: &'a [SharedIds],
    signatures: &'a [u64],
}

/// A flag per row, set for the `candidates`.
fn flags(rows: usize, candidates: &[usize]) -> Vec<bool> {
    let everything = candidates.len() == rows;
    let mut keep = vec![everything; rows];
    if !everything {
        for &i in candidates {
            keep[i] = true;
        }
    }
    keep
}

/// Clear the flags (of rows `offset..offset + flags.len()`) whose row `query` rejects, split
/// over the cores when there are many. With a plan, each candidate is first decided from its
/// class and shared-value ids (three lookups in small tables, read in order) and its text
/// signature; only rows those leave undecided are read, and only for the undecided terms.
fn test_rows(
    columns: Columns<'_>,
    offset: usize,
    flags: &mut [bool],
    query: &Query,
    plan: Option<&SharedPlan>,
) {
    let Columns {
        rows,
        classes,
        shared,
        signatures,
    } = columns;
    let enums = query.enum_plan();
    let test = |offset: usize, flags: &mut [bool]| {
        // Enum terms first, from the class column alone: a branch-free pass over two bytes a
        // row, so a query they narrow to a few rows reads nothing else for the others.
        if !enums.accepts_all() {
            for (flag, class) in flags.iter_mut().zip(&classes[offset..]) {
                *flag = *flag && enums.accepts(*class);
            }
        }
        let Some(plan) = plan else {
            for (flag, row) in flags.iter_mut().zip(&rows[offset..]) {
                *flag = *flag && query.matches(row);
            }
            return;
        };
        for (j, flag) in flags.iter_mut().enumerate() {
            if !*flag {
                continue;
            }
            let i = offset + j;
            *flag = match plan.decide(classes[i], shared[i]) {
                Verdict::Reject => false,
                Verdict::Accept => true,
                Verdict::Own(terms) => match plan.screen(terms, signatures[i]) {
                    None => false,
                    Some(0) => true,
                    Some(terms) => query.matches_own(&rows[i], terms),
                },
                Verdict::Whole(terms) => query.matches_terms(&rows[i], terms),
            };
        }
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if flags.len() < PARALLEL_FROM || threads < 2 {
        test(offset, flags);
    } else {
        let chunk = flags.len().div_ceil(threads);
        std::thread::scope(|scope| {
            for (n, part) in flags.chunks_mut(chunk).enumerate() {
                let test = &test;
                scope.spawn(move || test(offset + n * chunk, part));
            }
        });
    }
}

/// Merge two sorted index lists into one; on ties `a`'s element goes first. `b` (a page, a
/// cache chunk) is usually far shorter than `a` (every row held): each of its elements finds
/// its place by galloping then binary search, so a page costs O(page · log rows) comparisons
/// of rows spread over the heap, not one per row held, and the rest is copied in runs.
fn merge(a: &[usize], b: &[usize], cmp: impl Fn(&usize, &usize) -> Ordering) -> Vec<usize> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut start = 0;
    for x in b {
        let rest = &a[start..];
        // Elements of `a` not after `x` come first: a prefix of `rest`.
        let before = |y: &usize| cmp(x, y) != Ordering::Less;
        let mut bound = 1;
        while bound < rest.len() && before(&rest[bound - 1]) {
            bound *= 2;
        }
        let low = bound / 2;
        let high = bound.min(rest.len());
        let pos = low + rest[low..high].partition_point(before);
        out.extend_from_slice(&rest[..pos]);
        out.push(*x);
        start += pos;
    }
    out.extend_from_slice(&a[start..]);
    out
}

/// `fresh` with the identifiers it lacks taken from `known` (same product, same account): a
/// Control Center listing carries no IMSI or MSISDN, a detail read or an earlier row may.
pub(super) fn keep_identifiers(fresh: ProductSummary, known: &Row) -> ProductSummary {
    if fresh.related_party.name != known.account() {
        return fresh;
    }
    let keep = |new: Option<String>, old: Option<&str>| new.or_else(|| old.map(str::to_string));
    ProductSummary {
        iccid: keep(fresh.iccid, known.iccid()),
        imsi: keep(fresh.imsi, known.imsi()),
        msisdn: keep(fresh.msisdn, known.msisdn()),
        serial: keep(fresh.serial, known.serial()),
        terminal_name: keep(fresh.terminal_name, known.terminal_name()),
        latitude: fresh.latitude.or(known.latitude()),
        longitude: fresh.longitude.or(known.longitude()),
        ..fresh
    }
}
