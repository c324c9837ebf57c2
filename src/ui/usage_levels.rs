//! What the console knows of usage beyond the open detail: each product's highest allowance
//! share (from the store's history at start and from every detail read since), which marks
//! list rows over 80 % and feeds `usage>N%`, and each account's summed daily data use for the
//! backends view. Nothing here asks a carrier: rows are marked only from what is known.

use crate::domain::quota::{DailyUse, highest_percent};
use crate::domain::{ProductId, Usage};
use crate::ui::app::App;
use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct UsageState {
    /// Highest allowance share per product, in percent.
    pub levels: HashMap<ProductId, f64>,
    /// Per account (configuration order): its summed daily data use (bytes), when loaded.
    pub accounts: Vec<(String, Vec<DailyUse>)>,
}

impl App {
    /// Levels read from the store at start; rows present are marked now, later ones as they
    /// arrive (`view.rs`).
    pub fn set_usage_levels(&mut self, levels: Vec<(ProductId, f64)>) {
        for (id, pct) in levels {
            self.set_usage_level(id, Some(pct));
        }
        self.dirty = true;
    }

    /// A usage read of `id`: its allowances' highest share becomes the row's level.
    pub fn note_usage(&mut self, id: &ProductId, usage: &Usage) {
        if let Some(pct) = highest_percent(&usage.allowances) {
            self.set_usage_level(id.clone(), Some(pct));
        }
    }

    fn set_usage_level(&mut self, id: ProductId, pct: Option<f64>) {
        if let Some(&i) = self.index.get(&id) {
            self.rows[i].set_usage_level(pct);
        }
        match pct {
            Some(p) => self.usage.levels.insert(id, p),
            None => self.usage.levels.remove(&id),
        };
    }

    /// The known level of a product being inserted as a row.
    pub(super) fn usage_level_of(&self, id: &ProductId) -> Option<f64> {
        self.usage.levels.get(id).copied()
    }
}
