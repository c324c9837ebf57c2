//! The overview: one line per configured account — its products by normalized status, health
//! and latency, pending and failed carrier jobs, data used — and, for the selected account, the
//! detail the widgets draw (`panes/overview.rs`). It is the first screen while nothing is held
//! yet (`auto`): the list takes over when the first rows arrive or every listing has ended,
//! unless the operator started moving in the overview.
//!
//! Everything shown is already in the console: counts come from the rows (collected once per
//! version of the view by [`prepare`]), health from the board the header reads, jobs from the
//! monitors, latency samples from the health updates. "Data used" is what the console has
//! read: the usage of every product opened this session, summed per account — unless a source
//! that knows the account's whole period fills [`set_account_usage`] (the hook per-account
//! usage history is meant to fill).

use crate::domain::query::Fields as _;
use crate::domain::usage::{Unit, UsageType};
use crate::domain::{BucketLevel, ProductId, Usage};
use crate::ui::action::Action;
use crate::ui::app::{App, ListState, Screen};
use crate::ui::effect::Effect;
use crate::ui::msg::Msg;
use crate::ui::view::StatusCounts;
use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};

/// Latency samples kept per account for its sparkline.
pub const LATENCY_SAMPLES: usize = 120;

/// Where an account's "data used" figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageSource {
    /// The sum of the products opened this session (a lower bound).
    OpenedProducts,
    /// A per-account figure for the whole period, set through [`set_account_usage`].
    Account,
}

/// Data used by one account in the current period, as far as the console knows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccountUsage {
    pub bytes: f64,
    /// Products the figure covers.
    pub products: usize,
    pub source: UsageSource,
}

/// Products per status of every account, for one version of the rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountCounts {
    pub version: u64,
    /// Parallel to `App::backends`.
    pub per_account: Vec<StatusCounts>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct OverviewState {
    /// The selected account (position in `App::backends`).
    pub selected: usize,
    /// Shown by itself at start-up, until rows arrive (see the module header).
    pub auto: bool,
    /// Recent latencies per account name, oldest first.
    pub latency: HashMap<String, VecDeque<u64>>,
    /// Data used per product read this session: (account, bytes).
    seen_usage: HashMap<ProductId, (String, f64)>,
    /// Per-account figures from a source that knows the whole period.
    account_usage: HashMap<String, AccountUsage>,
    cache: Option<AccountCounts>,
}

/// The hook for per-account usage (e.g. the sum of a usage history per account): it replaces
/// the opened-products sum for that account.
pub fn set_account_usage(app: &mut App, account: &str, bytes: f64, products: usize) {
    app.overview.account_usage.insert(
        account.to_string(),
        AccountUsage {
            bytes,
            products,
            source: UsageSource::Account,
        },
    );
    app.dirty |= app.screen == Screen::Overview;
}

/// The local usage history's daily data use per account (`Msg::AccountUsage`, no carrier
/// call): this calendar month's known days, summed, become each account's data used, in place
/// of the opened-products sum. An account with no day recorded this month keeps that sum.
pub fn apply_account_history(
    app: &mut App,
    accounts: &[(String, Vec<crate::domain::quota::DailyUse>)],
    today: chrono::NaiveDate,
) {
    use chrono::Datelike as _;
    let month_start = today.with_day(1).unwrap_or(today);
    for (account, days) in accounts {
        let this_month: Vec<f64> = days
            .iter()
            .filter(|d| d.usage_type == UsageType::Data && d.day >= month_start && d.day <= today)
            .filter_map(|d| d.units.convert(d.amount, Unit::Bytes))
            .collect();
        if this_month.is_empty() {
            continue;
        }
        // The account's held rows are counted as they arrive (no pass over a million rows).
        let products = app
            .backends
            .iter()
            .find(|b| b.name == *account)
            .map_or(0, |b| b.loaded);
        set_account_usage(app, account, this_month.iter().sum(), products);
    }
}

/// Data used by `account` as far as the console knows, `None` when it knows nothing.
pub fn data_used(app: &App, account: &str) -> Option<AccountUsage> {
    if let Some(u) = app.overview.account_usage.get(account) {
        return Some(*u);
    }
    let mut sum = AccountUsage {
        bytes: 0.0,
        products: 0,
        source: UsageSource::OpenedProducts,
    };
    for (owner, bytes) in app.overview.seen_usage.values() {
        if owner == account {
            sum.bytes += bytes;
            sum.products += 1;
        }
    }
    (sum.products > 0).then_some(sum)
}

/// The data volume of a usage read in bytes: its global data bucket (the seed's rule puts the
/// total there).
pub fn data_bytes(usage: &Usage) -> Option<f64> {
    usage
        .buckets
        .iter()
        .find(|b| b.usage_type == UsageType::Data && b.level == BucketLevel::Global)
        .and_then(|b| b.units.convert(b.amount, Unit::Bytes))
}

/// What a result says for the overview, before `update` folds it: latency samples from health
/// updates, data used from product and usage reads.
pub fn observe(app: &mut App, msg: &Msg) {
    match msg {
        Msg::Health(entries) => {
            for (b, h) in app.backends.iter().zip(entries) {
                let Some(ms) = h.last_latency_ms else {
                    continue;
                };
                if *h == b.health {
                    continue;
                }
                let samples = app.overview.latency.entry(b.name.clone()).or_default();
                samples.push_back(ms);
                while samples.len() > LATENCY_SAMPLES {
                    samples.pop_front();
                }
            }
        }
        Msg::Product {
            id, result: Ok(p), ..
        } => {
            if let Some(bytes) = p.usage.as_ref().and_then(data_bytes) {
                let account = p.summary.related_party.name.clone();
                app.overview.seen_usage.insert(id.clone(), (account, bytes));
            }
        }
        Msg::Usage {
            id, result: Ok(u), ..
        } => {
            if let (Some(bytes), Some(account)) = (data_bytes(u), app.account_of(id)) {
                app.overview.seen_usage.insert(id.clone(), (account, bytes));
            }
        }
        _ => {}
    }
}

/// After `update`: the start-up overview hands over to the list once there is something to
/// list, or nothing more will come.
pub fn after_update(app: &mut App) {
    if !app.overview.auto || app.screen != Screen::Overview {
        return;
    }
    let listing = app
        .backends
        .iter()
        .any(|b| matches!(b.list, ListState::Loading));
    // Before the first listing starts nothing is loading yet, and the overview stays.
    let ended = app.list_generation > 0 && !listing;
    if !app.rows.is_empty() || ended {
        app.overview.auto = false;
        app.screen = Screen::Products;
        app.dirty = true;
    }
}

fn collect(app: &App) -> AccountCounts {
    let mut per_account = vec![StatusCounts::default(); app.backends.len()];
    // Rows of one account arrive together, so the last account found is usually the next one.
    let mut last: Option<usize> = None;
    for (i, row) in app.rows.iter().enumerate() {
        let account = row.account();
        let slot = match last {
            Some(s) if app.backends[s].name == account => Some(s),
            _ => app.backends.iter().position(|b| b.name == account),
        };
        if let Some(s) = slot {
            per_account[s][app.row_class[i].status_slot()] += 1;
            last = Some(s);
        }
    }
    AccountCounts {
        version: app.view_version,
        per_account,
    }
}

/// Products per status of each account: cached for this version of the rows, else counted now.
pub fn counts(app: &App) -> Cow<'_, AccountCounts> {
    match &app.overview.cache {
        Some(c) if c.version == app.view_version && c.per_account.len() == app.backends.len() => {
            Cow::Borrowed(c)
        }
        _ => Cow::Owned(collect(app)),
    }
}

/// Before a frame: count once per version of the rows while the overview is shown.
pub fn prepare(app: &mut App) {
    if app.screen != Screen::Overview {
        return;
    }
    let fresh = app.overview.cache.as_ref().is_some_and(|c| {
        c.version == app.view_version && c.per_account.len() == app.backends.len()
    });
    if !fresh {
        app.overview.cache = Some(collect(app));
    }
}

/// Carrier jobs of `account`: (pending, failed).
pub fn jobs(app: &App, account: &str) -> (usize, usize) {
    let mine = app.monitors.list.iter().filter(|m| m.backend == account);
    let (mut pending, mut failed) = (0, 0);
    for m in mine {
        if !m.state.is_final() {
            pending += 1;
        } else if m.state == crate::domain::MonitorState::InError {
            failed += 1;
        }
    }
    (pending, failed)
}

pub fn open(app: &mut App) -> Vec<Effect> {
    app.screen = Screen::Overview;
    app.overview.auto = false;
    app.overview.selected = app
        .overview
        .selected
        .min(app.backends.len().saturating_sub(1));
    app.dirty = true;
    // This month's data use per account, from the local usage history (no carrier call).
    let accounts = app.backends.iter().map(|b| b.name.clone()).collect();
    vec![Effect::LoadAccountUsage { accounts }]
}

/// Keys while the overview has focus. `None`: the start-up overview gives the key to the list
/// (it has become the screen).
pub fn apply(app: &mut App, action: Action) -> Option<Vec<Effect>> {
    let last = app.backends.len().saturating_sub(1);
    let selected = app.overview.selected;
    let moved = match action {
        Action::Up => Some(selected.saturating_sub(1)),
        Action::Down => Some((selected + 1).min(last)),
        Action::Top => Some(0),
        Action::Bottom => Some(last),
        _ => None,
    };
    if let Some(to) = moved {
        // Moving in it keeps the start-up overview on screen.
        app.overview.auto = false;
        if to == selected {
            app.dirty = false;
        }
        app.overview.selected = to;
        return Some(Vec::new());
    }
    if app.overview.auto && !matches!(action, Action::Open | Action::Refresh) {
        app.overview.auto = false;
        app.screen = Screen::Products;
        return None;
    }
    Some(match action {
        Action::Open => {
            app.overview.auto = false;
            match app.backends.get(selected).map(|b| b.name.clone()) {
                Some(name) => crate::ui::commands::run(app, &format!("account {name}")),
                None => Vec::new(),
            }
        }
        Action::Back => {
            app.screen = Screen::Products;
            Vec::new()
        }
        Action::Map => super::map::open(app),
        Action::Refresh => crate::ui::apply::refresh(app),
        Action::Monitors => super::monitors::open(app),
        Action::Audit => super::audit::open(app),
        Action::Backends => super::backends::open(app),
        _ => {
            app.dirty = false;
            Vec::new()
        }
    })
}
