//! Small ids for the account names and native statuses the rows share, and the tables a
//! query's [`SharedPlan`](crate::domain::query::SharedPlan) is built over: with a column of
//! these ids beside the rows (`App::row_shared`), a filter decides `account:`, `native:` and the
//! account / native-status part of every bare word once per distinct value instead of once per
//! row (docs/performance.md, "Filtering by distinct values").

use crate::domain::query::{Fields, SharedIds};
use std::collections::HashMap;
use std::sync::Arc;

/// Distinct values in order of first appearance; a value's id is its position.
#[derive(Debug, Default)]
struct Table {
    values: Vec<Arc<str>>,
    ids: HashMap<Arc<str>, u16>,
}

impl Table {
    /// The value's id, adding it when new; [`SharedIds::UNKNOWN`] once the table is full
    /// (such rows are tested in full, so a full table costs time, never a wrong result).
    fn id(&mut self, value: &str) -> u16 {
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        match u16::try_from(self.values.len()) {
            Ok(id) if id != SharedIds::UNKNOWN => {
                let shared: Arc<str> = Arc::from(value);
                self.values.push(shared.clone());
                self.ids.insert(shared, id);
                id
            }
            _ => SharedIds::UNKNOWN,
        }
    }
}

/// The account names and native statuses of the rows held, each with its id.
#[derive(Debug, Default)]
pub struct SharedNames {
    accounts: Table,
    natives: Table,
}

impl SharedNames {
    /// The row's ids (adding its values when new).
    pub fn ids<R: Fields + ?Sized>(&mut self, row: &R) -> SharedIds {
        SharedIds {
            account: self.accounts.id(row.account()),
            native: self.natives.id(row.native_status()),
        }
    }

    /// Account names by id.
    pub fn accounts(&self) -> &[Arc<str>] {
        &self.accounts.values
    }

    /// Native statuses by id.
    pub fn natives(&self) -> &[Arc<str>] {
        &self.natives.values
    }

    /// Forget every value (before giving the rows held new ids).
    pub fn clear(&mut self) {
        *self = SharedNames::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_keeps_its_id_and_a_full_table_answers_unknown() {
        let mut t = Table::default();
        assert_eq!((t.id("a"), t.id("b"), t.id("a")), (0, 1, 0));
        assert_eq!(&*t.values[1], "b");
        for i in 2..usize::from(SharedIds::UNKNOWN) {
            t.id(&i.to_string());
        }
        assert_eq!(t.values.len(), usize::from(SharedIds::UNKNOWN));
        assert_eq!(t.id("one too many"), SharedIds::UNKNOWN);
        assert_eq!(t.id("a"), 0);
    }
}
