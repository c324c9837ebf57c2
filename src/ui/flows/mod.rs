//! The console's flows beyond browsing, one file each: monitors (the pane, live updates,
//! cancel), custom attributes (the form and its confirmation), batches (marks, menu, report)
//! the audit view, the backends view, the world map and the overview. Each owns both halves of its flow: `apply` (user actions) and the
//! `on_*` functions `update` calls with results. Pure, like `apply` and `update`.

pub mod attrs;
pub mod audit;
pub mod backends;
pub mod batch;
pub mod characteristics;
pub mod copy;
pub mod lookup;
pub mod map;
pub mod monitors;
pub mod overview;
