//! `StoreOps`: the one interface of the store's data — attributes, monitors (with their leases),
//! the audit journal, the write-ahead attempts, the product cache, usage history and account
//! claims. The embedded SQLite [`Store`] and the shared [`super::PgStore`] both implement it;
//! [`super::StoreHandle`] runs whichever was configured on its thread, so no caller knows which
//! one it has. The store contract tests (`src/store/tests/`) run against both.

use super::{
    Attempt, AttrChange, AttrsByProduct, AuditEntry, AuditRecord, CachedProduct, NewAttempt,
    Operator, PendingMonitor, Store, StoreResult,
};
use crate::domain::quota::{Allowance, DailyUse};
use crate::domain::{AttrPattern, CustomAttribute, Monitor, ProductId, ProductSummary, Usage};
use chrono::{DateTime, NaiveDate, Utc};
use std::time::Duration;

/// Every data operation of a store. Reads take `&mut self` because a PostgreSQL client needs
/// it for any query.
pub trait StoreOps: Send {
    /// The database, for logs and messages: a file path, or a PostgreSQL URL without password.
    fn describe(&self) -> String;
    /// Whether writes are refused (a read-only SQLite file).
    fn is_read_only(&self) -> bool;
    /// The schema version applied (the same numbering in both stores).
    fn schema_version(&mut self) -> StoreResult<i64>;
    /// Refuse writes to a damaged or read-only store before a mutation.
    fn ensure_sound(&mut self) -> StoreResult<()>;

    // Custom attributes.
    fn attrs_all(&mut self) -> StoreResult<AttrsByProduct>;
    fn attrs_list(
        &mut self,
        product: &ProductId,
        name: Option<&str>,
    ) -> StoreResult<Vec<CustomAttribute>>;
    fn attrs_set_journaled(
        &mut self,
        product: &ProductId,
        name: &str,
        value: &str,
        journal: Option<&AuditEntry>,
    ) -> StoreResult<AttrChange>;
    fn attrs_rename_journaled(
        &mut self,
        product: &ProductId,
        old: &str,
        new: &str,
        journal: Option<&AuditEntry>,
    ) -> StoreResult<AttrChange>;
    fn attrs_delete_journaled(
        &mut self,
        product: &ProductId,
        name: &str,
        journal: Option<&AuditEntry>,
    ) -> StoreResult<AttrChange>;

    /// Products carrying a matching attribute (name case-insensitive, value a glob), ordered
    /// by product id. The glob is applied in Rust in both stores, so they agree on case folding.
    fn attrs_find(
        &mut self,
        pattern: &AttrPattern,
    ) -> StoreResult<Vec<(ProductId, Vec<CustomAttribute>)>> {
        let mut found: Vec<_> = self
            .attrs_all()?
            .into_iter()
            .filter_map(|(id, attrs)| {
                let hits: Vec<_> = attrs.into_iter().filter(|a| pattern.matches(a)).collect();
                (!hits.is_empty()).then_some((id, hits))
            })
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(found)
    }
    fn attrs_set(
        &mut self,
        product: &ProductId,
        name: &str,
        value: &str,
    ) -> StoreResult<AttrChange> {
        self.attrs_set_journaled(product, name, value, None)
    }
    fn attrs_rename(
        &mut self,
        product: &ProductId,
        old: &str,
        new: &str,
    ) -> StoreResult<AttrChange> {
        self.attrs_rename_journaled(product, old, new, None)
    }
    fn attrs_delete(&mut self, product: &ProductId, name: &str) -> StoreResult<AttrChange> {
        self.attrs_delete_journaled(product, name, None)
    }

    // Monitors.
    fn monitor_record(
        &mut self,
        monitor: &Monitor,
        outcome: Option<&AuditEntry>,
    ) -> StoreResult<bool>;
    fn monitor_upsert(&mut self, monitor: &Monitor) -> StoreResult<()> {
        self.monitor_record(monitor, None).map(|_| ())
    }
    fn monitor_get(&mut self, id: &str) -> StoreResult<Monitor>;
    fn monitors_list(&mut self) -> StoreResult<Vec<Monitor>>;
    fn monitors_pending(&mut self) -> StoreResult<Vec<PendingMonitor>>;
    fn monitor_record_poll(
        &mut self,
        id: &str,
        poll_attempts: u32,
        next_poll_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    fn monitors_prune_before(&mut self, cutoff: DateTime<Utc>) -> StoreResult<usize>;
    fn monitors_prune(&mut self, retention: Duration) -> StoreResult<usize> {
        match chrono::Duration::from_std(retention)
            .ok()
            .and_then(|r| Utc::now().checked_sub_signed(r))
        {
            Some(cutoff) => self.monitors_prune_before(cutoff),
            // A retention longer than the calendar can hold keeps everything.
            None => Ok(0),
        }
    }
    /// The pending monitors of `kinds` (the platforms `owner` has an account of) that `owner`
    /// may poll now, each leased to it for `lease`: those nobody leases, those whose lease
    /// expired, and its own (renewed). A monitor of another kind is left to a process that
    /// can poll it. SQLite has one poller per file, so there every pending monitor is
    /// trivially its own (the poller skips kinds it has no account of).
    fn monitors_claim(
        &mut self,
        owner: &str,
        lease: Duration,
        kinds: &[String],
    ) -> StoreResult<Vec<PendingMonitor>>;
    /// Take or renew the lease of one pending monitor before polling it; false when another
    /// owner holds a live lease (then `owner` must not poll it).
    fn monitor_claim(&mut self, id: &str, owner: &str, lease: Duration) -> StoreResult<bool>;

    // Carrier accounts across replicas.
    /// Claim carrier `account` (a stable key; `label` is the configured name) for `owner`
    /// until `ttl` from now, or renew the claim; [`super::StoreError::AccountClaimed`] when
    /// another owner's claim is live. SQLite: always granted (one process).
    fn account_claim(
        &mut self,
        account: &str,
        label: &str,
        owner: &str,
        ttl: Duration,
    ) -> StoreResult<()>;
    /// Give the claim up (a clean stop), so another replica can take the account at once.
    fn account_release(&mut self, account: &str, owner: &str) -> StoreResult<()>;

    // The audit journal and the write-ahead attempts.
    fn audit_complete(
        &mut self,
        entry: &AuditEntry,
        monitors: &[String],
        attempts: &[i64],
    ) -> StoreResult<i64>;
    fn audit_append_linked(&mut self, entry: &AuditEntry, monitors: &[String]) -> StoreResult<i64> {
        self.audit_complete(entry, monitors, &[])
    }
    fn audit_append(&mut self, entry: &AuditEntry) -> StoreResult<()> {
        self.audit_append_linked(entry, &[]).map(|_| ())
    }
    fn audit_records_since(
        &mut self,
        since: Option<DateTime<Utc>>,
    ) -> StoreResult<Vec<AuditRecord>>;
    fn audit_since(&mut self, since: Option<DateTime<Utc>>) -> StoreResult<Vec<AuditEntry>>;
    fn attempt_begin(&mut self, operator: &Operator, attempt: &NewAttempt) -> StoreResult<i64>;
    fn attempt_note(&mut self, id: i64, before: Option<&str>, result: &str) -> StoreResult<()>;
    fn attempts_open(&mut self) -> StoreResult<Vec<Attempt>>;
    fn attempt_resolve(&mut self, id: i64, entry: &AuditEntry) -> StoreResult<Option<i64>>;

    // The product cache.
    fn cache_replace(&mut self, backend: &str, products: &[ProductSummary]) -> StoreResult<usize>;
    fn cache_stage(
        &mut self,
        backend: &str,
        restart: bool,
        products: &[ProductSummary],
    ) -> StoreResult<usize>;
    fn cache_commit(&mut self, backend: &str) -> StoreResult<usize>;
    fn cache_load_chunks(
        &mut self,
        first: usize,
        chunk: usize,
        each: &mut dyn FnMut(Vec<CachedProduct>) -> bool,
    ) -> StoreResult<()>;
    fn cache_load(&mut self) -> StoreResult<Vec<CachedProduct>> {
        let mut out = Vec::new();
        self.cache_load_chunks(usize::MAX, usize::MAX, &mut |chunk| {
            out.extend(chunk);
            true
        })?;
        Ok(out)
    }

    // Usage history.
    fn usage_record(
        &mut self,
        account: &str,
        product: &str,
        usage: &Usage,
        now: DateTime<Utc>,
        retention: Duration,
    ) -> StoreResult<usize>;
    fn usage_daily(&mut self, product: &str, since: NaiveDate) -> StoreResult<Vec<DailyUse>>;
    fn usage_account_daily(
        &mut self,
        account: &str,
        since: NaiveDate,
    ) -> StoreResult<Vec<DailyUse>>;
    fn usage_levels(&mut self) -> StoreResult<Vec<(String, f64)>>;
    fn usage_allowances(&mut self, product: &str) -> StoreResult<Vec<Allowance>>;
    fn usage_history_rows(&mut self, product: &str) -> StoreResult<i64>;
}

/// The embedded store: each operation is the inherent method of the same name.
impl StoreOps for Store {
    fn describe(&self) -> String {
        self.path().display().to_string()
    }
    fn is_read_only(&self) -> bool {
        Store::is_read_only(self)
    }
    fn schema_version(&mut self) -> StoreResult<i64> {
        Store::schema_version(self)
    }
    fn ensure_sound(&mut self) -> StoreResult<()> {
        Store::ensure_sound(self)
    }
    fn attrs_all(&mut self) -> StoreResult<AttrsByProduct> {
        Store::attrs_all(self)
    }
    fn attrs_list(
        &mut self,
        product: &ProductId,
        name: Option<&str>,
    ) -> StoreResult<Vec<CustomAttribute>> {
        Store::attrs_list(self, product, name)
    }
    fn attrs_set_journaled(
        &mut self,
        product: &ProductId,
        name: &str,
        value: &str,
        journal: Option<&AuditEntry>,
    ) -> StoreResult<AttrChange> {
        Store::attrs_set_journaled(self, product, name, value, journal)
    }
    fn attrs_rename_journaled(
        &mut self,
        product: &ProductId,
        old: &str,
        new: &str,
        journal: Option<&AuditEntry>,
    ) -> StoreResult<AttrChange> {
        Store::attrs_rename_journaled(self, product, old, new, journal)
    }
    fn attrs_delete_journaled(
        &mut self,
        product: &ProductId,
        name: &str,
        journal: Option<&AuditEntry>,
    ) -> StoreResult<AttrChange> {
        Store::attrs_delete_journaled(self, product, name, journal)
    }
    fn monitor_record(
        &mut self,
        monitor: &Monitor,
        outcome: Option<&AuditEntry>,
    ) -> StoreResult<bool> {
        Store::monitor_record(self, monitor, outcome)
    }
    fn monitor_get(&mut self, id: &str) -> StoreResult<Monitor> {
        Store::monitor_get(self, id)
    }
    fn monitors_list(&mut self) -> StoreResult<Vec<Monitor>> {
        Store::monitors_list(self)
    }
    fn monitors_pending(&mut self) -> StoreResult<Vec<PendingMonitor>> {
        Store::monitors_pending(self)
    }
    fn monitor_record_poll(
        &mut self,
        id: &str,
        poll_attempts: u32,
        next_poll_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        Store::monitor_record_poll(self, id, poll_attempts, next_poll_at)
    }
    fn monitors_prune_before(&mut self, cutoff: DateTime<Utc>) -> StoreResult<usize> {
        Store::monitors_prune_before(self, cutoff)
    }
    fn monitors_claim(
        &mut self,
        _owner: &str,
        _lease: Duration,
        _kinds: &[String],
    ) -> StoreResult<Vec<PendingMonitor>> {
        Store::monitors_pending(self)
    }
    fn monitor_claim(&mut self, _id: &str, _owner: &str, _lease: Duration) -> StoreResult<bool> {
        Ok(true)
    }
    fn account_claim(
        &mut self,
        _account: &str,
        _label: &str,
        _owner: &str,
        _ttl: Duration,
    ) -> StoreResult<()> {
        Ok(())
    }
    fn account_release(&mut self, _account: &str, _owner: &str) -> StoreResult<()> {
        Ok(())
    }
    fn audit_complete(
        &mut self,
        entry: &AuditEntry,
        monitors: &[String],
        attempts: &[i64],
    ) -> StoreResult<i64> {
        Store::audit_complete(self, entry, monitors, attempts)
    }
    fn audit_records_since(
        &mut self,
        since: Option<DateTime<Utc>>,
    ) -> StoreResult<Vec<AuditRecord>> {
        Store::audit_records_since(self, since)
    }
    fn audit_since(&mut self, since: Option<DateTime<Utc>>) -> StoreResult<Vec<AuditEntry>> {
        Store::audit_since(self, since)
    }
    fn attempt_begin(&mut self, operator: &Operator, attempt: &NewAttempt) -> StoreResult<i64> {
        Store::attempt_begin(self, operator, attempt)
    }
    fn attempt_note(&mut self, id: i64, before: Option<&str>, result: &str) -> StoreResult<()> {
        Store::attempt_note(self, id, before, result)
    }
    fn attempts_open(&mut self) -> StoreResult<Vec<Attempt>> {
        Store::attempts_open(self)
    }
    fn attempt_resolve(&mut self, id: i64, entry: &AuditEntry) -> StoreResult<Option<i64>> {
        Store::attempt_resolve(self, id, entry)
    }
    fn cache_replace(&mut self, backend: &str, products: &[ProductSummary]) -> StoreResult<usize> {
        Store::cache_replace(self, backend, products)
    }
    fn cache_stage(
        &mut self,
        backend: &str,
        restart: bool,
        products: &[ProductSummary],
    ) -> StoreResult<usize> {
        Store::cache_stage(self, backend, restart, products)
    }
    fn cache_commit(&mut self, backend: &str) -> StoreResult<usize> {
        Store::cache_commit(self, backend)
    }
    fn cache_load_chunks(
        &mut self,
        first: usize,
        chunk: usize,
        each: &mut dyn FnMut(Vec<CachedProduct>) -> bool,
    ) -> StoreResult<()> {
        Store::cache_load_chunks(self, first, chunk, each)
    }
    fn usage_record(
        &mut self,
        account: &str,
        product: &str,
        usage: &Usage,
        now: DateTime<Utc>,
        retention: Duration,
    ) -> StoreResult<usize> {
        Store::usage_record(self, account, product, usage, now, retention)
    }
    fn usage_daily(&mut self, product: &str, since: NaiveDate) -> StoreResult<Vec<DailyUse>> {
        Store::usage_daily(self, product, since)
    }
    fn usage_account_daily(
        &mut self,
        account: &str,
        since: NaiveDate,
    ) -> StoreResult<Vec<DailyUse>> {
        Store::usage_account_daily(self, account, since)
    }
    fn usage_levels(&mut self) -> StoreResult<Vec<(String, f64)>> {
        Store::usage_levels(self)
    }
    fn usage_allowances(&mut self, product: &str) -> StoreResult<Vec<Allowance>> {
        Store::usage_allowances(self, product)
    }
    fn usage_history_rows(&mut self, product: &str) -> StoreResult<i64> {
        Store::usage_history_rows(self, product)
    }
}
