//! Store tests, split by concern: `files` (opening, migrations, refusing foreign, damaged and
//! newer files byte-for-byte untouched) and `data` (attributes, monitors, audit, cache, and the
//! async handle). Shared fixtures live here.

mod data;
mod files;
mod journal;

use super::*;
use crate::domain::{BackendKind, CustomAttribute, ProductId};
use tempfile::TempDir;

fn pid(n: u32) -> ProductId {
    ProductId::new(BackendKind::OneNce, format!("89882280666123{n:05}"))
}

fn open() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

fn attr(name: &str, value: &str) -> CustomAttribute {
    CustomAttribute::new(name, value).unwrap()
}
