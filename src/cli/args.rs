//! The command line of docs/cli.md, as clap derive types. Global flags are `global = true`
//! so they may stand before or after the subcommand. Values that are domain identifiers (product
//! ids, ICCIDs, statuses) stay strings here and are parsed by the domain types in `run`, so a
//! typo gets the domain's precise message (and exit code 2) rather than clap's generic one.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "cmo",
    version,
    about = "A keyboard-driven console for IoT connectivity (SIMs and satellite terminals) across carrier platforms",
    long_about = "Without a subcommand, cmo opens the console. Subcommands run headless and print \
                  text or, with --json, CMO API v5 shaped JSON.\n\nExit codes: 0 ok, 1 runtime failure, \
                  2 bad usage or input, 3 not supported / transition not allowed, 4 not found."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Configuration file (default: the XDG config dir, see `cmo info`).
    #[arg(long, global = true, value_name = "PATH", conflicts_with = "demo")]
    pub config: Option<PathBuf>,
    /// Run against embedded carrier simulators instead of a configuration.
    #[arg(long, global = true)]
    pub demo: bool,
    /// Products per simulated platform with --demo.
    #[arg(long, global = true, value_name = "N", default_value_t = 300)]
    pub demo_size: usize,
    /// Seed of the simulated inventories with --demo.
    #[arg(long, global = true, value_name = "S", default_value_t = 1)]
    pub demo_seed: u64,
    /// Where the local store lives (default: the XDG data dir).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Refuse every change (status, characteristics, attributes, batches).
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Console theme name (see `cmo info` for the themes folder).
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// Print JSON (CMO API v5 shapes) instead of text; errors become problem objects on stderr.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Version and the config, data, log and theme paths.
    Info,
    /// The support matrix, status transitions and sync/async modes, from the one table.
    Capabilities,
    /// Is each carrier account answering? One cheap read per account, all at once: health,
    /// latency, products held and the carrier's last error. Exit 1 when any is down.
    Backends(BackendsArgs),
    /// Run every carrier simulator until Ctrl-C / SIGTERM and write a config pointing at them.
    Simulate(SimulateArgs),
    /// Serve the CMO API v5 over the configured accounts to a team's consoles (docs/deployment.md).
    Serve(ServeArgs),
    /// IoT connectivity products (bundles).
    #[command(subcommand)]
    Products(ProductsCommand),
    /// SIM card subproducts.
    #[command(subcommand)]
    SimCard(GetCommand),
    /// Satellite terminal subproducts.
    #[command(subcommand)]
    Terminal(GetCommand),
    /// Data connectivity subproducts.
    #[command(subcommand)]
    Connectivity(GetCommand),
    /// Consumed usage (volume buckets).
    #[command(subcommand)]
    Usage(GetCommand),
    /// Change a SIM's or terminal's status.
    #[command(subcommand)]
    Status(StatusCommand),
    /// Update product characteristics (where the platform supports it: TMSP).
    #[command(subcommand)]
    Characteristics(CharacteristicsCommand),
    /// Custom attributes (local; on the CMO server for products a CMO tenant holds).
    #[command(subcommand)]
    Attrs(AttrsCommand),
    /// One change applied to many products of one account.
    #[command(subcommand)]
    Batch(BatchCommand),
    /// Asynchronous carrier requests.
    #[command(subcommand)]
    Monitors(MonitorsCommand),
    /// The journal of every change: who, when, what, result.
    Audit(AuditArgs),
    /// Print a shell completion script (backend names come from the config as you type).
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Write the man pages (cmo.1 and one per subcommand) to DIR, or print cmo.1 to stdout.
    Man {
        /// Directory to write the pages into (created if needed).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write a commented starter config (every setting explained, no secrets) to the config
    /// path (`--config`, else the default one `cmo info` shows).
    Init {
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (default: the config's `[serve] listen`, else
    /// 127.0.0.1:8443). Plain HTTP is refused off loopback unless TLS is configured.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub listen: IpAddr,
    /// First port (one per platform, in order); 0 picks ephemeral ports.
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    pub port: u16,
    /// Products per platform.
    #[arg(long, value_name = "N", default_value_t = 300)]
    pub size: usize,
    /// Seed of the generated inventories.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// How long asynchronous carrier jobs stay pending (e.g. 2s, 500ms).
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = humantime::parse_duration)]
    pub async_delay: Duration,
    /// Fault injection, e.g. `1NCE:5xx=0.1,latency=150ms` (repeatable).
    #[arg(long = "fault", value_name = "SPEC")]
    pub faults: Vec<String>,
    /// Where to write the config (secrets go to 0600 files beside it).
    #[arg(long, value_name = "PATH")]
    pub config_out: Option<PathBuf>,
}

/// How a listing is printed: an aligned table, CMO-shaped JSON, or CSV (`export.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum ProductsCommand {
    /// List product summaries from every (or the selected) backend.
    List(ListArgs),
    /// One full product bundle.
    Get {
        /// Product id, `BACKEND-ICCID` or `BACKEND-SERIAL`.
        id: String,
    },
    /// Products by business id (ICCID or terminal serial), across every backend.
    Find(FindArgs),
}

#[derive(Debug, Args)]
pub struct BackendsArgs {
    /// Only this configured backend name or kind (1NCE, TMSP, …).
    #[arg(long, value_name = "NAME|KIND")]
    pub backend: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// A configured backend name or a kind (1NCE, TMSP, …).
    #[arg(long, value_name = "NAME|KIND")]
    pub backend: Option<String>,
    /// Only products in this normalized status (ACTIVE, SUSPENDED, …); same as `--where status:S`.
    #[arg(long, value_name = "S")]
    pub status: Option<String>,
    /// Only products matching QUERY, e.g. 'status:SUSPENDED backend:STC attr:ticket=INC-*'
    /// (docs/cli.md); applied across every page and backend.
    #[arg(long = "where", value_name = "QUERY")]
    pub filter: Option<String>,
    /// Order by COL (id, account, status, business, imsi, reach), optionally `desc`:
    /// `--sort status desc`, `--sort status:desc`. Default: account, then id.
    #[arg(long, value_name = "COL [desc]", num_args = 1..=2)]
    pub sort: Vec<String>,
    /// Every product, all pages.
    #[arg(long, conflicts_with_all = ["page", "page_size"])]
    pub all: bool,
    /// Page number, from 1 (pages count matching products).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub page: u64,
    /// Products per page.
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub page_size: u64,
    /// Output format (`--json` is `--format json`).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
}

#[derive(Debug, Args)]
pub struct FindArgs {
    /// An ICCID (repeatable).
    #[arg(long = "iccid", value_name = "X")]
    pub iccids: Vec<String>,
    /// A terminal serial number (repeatable).
    #[arg(long = "serial", value_name = "S")]
    pub serials: Vec<String>,
    /// Output format (`--json` is `--format json`).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
}

#[derive(Debug, Subcommand)]
pub enum GetCommand {
    /// Show one product's subproduct.
    Get {
        /// Product id, `BACKEND-ICCID` or `BACKEND-SERIAL` (a subproduct suffix is accepted).
        id: String,
    },
}

impl GetCommand {
    pub fn id(&self) -> &str {
        match self {
            GetCommand::Get { id } => id,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum StatusCommand {
    /// Move a product to STATUS (asks y/N on a terminal unless --yes; TERMINATED/DELETED ask
    /// for the status name to be typed).
    Set {
        id: String,
        /// Target status: ACTIVE, SUSPENDED, BLOCKED, TERMINATED, …
        status: String,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
        /// When the carrier accepts the change asynchronously, poll until it is final.
        #[arg(long)]
        wait: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CharacteristicsCommand {
    /// Set characteristics of a product (asks y/N on a terminal unless --yes).
    Set {
        id: String,
        /// One or more `NAME=VALUE`.
        #[arg(value_name = "NAME=VALUE", required = true)]
        assignments: Vec<String>,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AttrsCommand {
    /// A product's custom attributes.
    List {
        id: String,
        /// Only this attribute (exit 4 when the product does not have it).
        #[arg(long, value_name = "N")]
        name: Option<String>,
    },
    /// Create or replace an attribute.
    Set {
        id: String,
        name: String,
        value: String,
    },
    /// Rename an attribute, keeping its value.
    Rename {
        id: String,
        old: String,
        new: String,
    },
    /// Delete an attribute.
    Delete { id: String, name: String },
    /// Products carrying an attribute: NAME, or NAME=VALUE (VALUE a glob; both case-insensitive).
    Find {
        #[arg(value_name = "NAME[=VALUE]")]
        pattern: String,
        /// Output format (`--json` is `--format json`).
        #[arg(long, value_enum, value_name = "FORMAT")]
        format: Option<Format>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Move every listed product (one account) to STATUS (asks y/N on a terminal unless --yes;
    /// TERMINATED/DELETED ask for the number of products to be typed).
    Status {
        /// Target status: ACTIVE, SUSPENDED, …
        status: String,
        /// Comma-separated product ids.
        #[arg(
            long,
            value_name = "ID,ID…",
            required_unless_present = "ids_file",
            conflicts_with = "ids_file"
        )]
        ids: Option<String>,
        /// A file with one product id per line (`#` starts a comment).
        #[arg(long, value_name = "FILE")]
        ids_file: Option<PathBuf>,
        /// Do not ask for confirmation (nor for the typed count of an irreversible target).
        #[arg(long, short = 'y')]
        yes: bool,
        /// Follow every asynchronous change to its end; exit 1 unless all completed.
        #[arg(long)]
        wait: bool,
        /// How long --wait may take in all (e.g. 90s, 10m); still pending then: exit 1.
        #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = humantime::parse_duration)]
        timeout: Duration,
    },
}

#[derive(Debug, Subcommand)]
pub enum MonitorsCommand {
    /// Every monitor in the local store, pending ones refreshed from their carriers first.
    List,
    /// Ask the carrier for a monitor's state (and record it).
    Get {
        #[arg(value_name = "MONITOR_ID")]
        id: String,
    },
    /// Cancel an asynchronous request (asks y/N on a terminal unless --yes).
    Cancel {
        #[arg(value_name = "MONITOR_ID")]
        id: String,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

impl Cli {
    /// The `--format` the command was given, if it takes one.
    pub fn format(&self) -> Option<Format> {
        match &self.command {
            Some(Command::Products(ProductsCommand::List(a))) => a.format,
            Some(Command::Products(ProductsCommand::Find(a))) => a.format,
            Some(Command::Attrs(AttrsCommand::Find { format, .. })) => *format,
            _ => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only entries since TIME: RFC 3339, a date (2026-11-29, UTC) or a duration back (2h, 7d).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
}
