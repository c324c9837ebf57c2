//! The normalized connectivity model: statuses, product bundles, usage buckets, monitors,
//! identifiers and — once, as data — the seed's capability and status tables.
//!
//! Nothing in here performs I/O; adapters, the engine, the UI, the CLI and `docs/` all read it.

pub mod attrs;
pub mod backend_kind;
pub mod capabilities;
pub mod capabilities_doc;
pub mod health;
pub mod ids;
pub mod mapping;
pub mod monitor;
pub mod product;
pub mod query;
pub mod quota;
pub mod session;
pub mod status;
pub mod time;
pub mod usage;

pub use attrs::{AttrPattern, CustomAttribute};
pub use backend_kind::BackendKind;
pub use capabilities::Operation;
pub use ids::{BusinessId, Iccid, IdError, Imsi, Msisdn, ProductId, TerminalSerial};
pub use monitor::{Monitor, MonitorState};
pub use product::{
    Characteristic, ConnectivityType, DataConnectivity, Product, ProductSummary, RelatedParty,
    SimCard, Terminal,
};
pub use session::{Attach, NetworkState, SessionState};
pub use status::{NativeStatus, Status};
pub use usage::{Bucket, BucketLevel, Usage, UsageSample};
