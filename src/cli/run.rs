//! Dispatch: parse the command line, resolve paths, start logging, run the command on a tokio
//! runtime, and turn the outcome into an exit code (docs/cli.md). Input that names domain
//! values (product ids, ICCIDs, statuses) is parsed before any engine is built, so a typo costs
//! no simulator start and no network call.

use super::args::{
    AttrsCommand, BatchCommand, CharacteristicsCommand, Cli, Command, ConfigCommand, Format,
    GlobalArgs, MonitorsCommand, ProductsCommand, StatusCommand,
};
use super::attrs::AttrEdit;
use super::change::StatusChange;
use super::commands::{self, Subproduct};
use super::config_init;
use super::error::{CliError, exit};
use super::list::{self, ListQuery};
use super::session::{self, Local};
use super::{
    attrs, audit, batch, change, demo, info, logging, monitors, output, shell, simulate, text,
};
use crate::domain::query::{Query, SortKey};
use crate::domain::{
    AttrPattern, BackendKind, BusinessId, Iccid, Operation, ProductId, Status, TerminalSerial,
    capabilities,
};
use crate::paths::Paths;
use crate::ui::{Ended, SessionSettings, UiError, UiOptions, UiSession};
use clap::Parser;
use std::io::IsTerminal;

/// Whether the raw arguments ask for JSON output (they did not parse, so clap cannot say).
fn json_requested() -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    args.iter().any(|a| a == "--json" || a == "--format=json")
        || args
            .windows(2)
            .any(|w| w[0] == "--format" && w[1] == "json")
}

/// clap's message without its `error: ` prefix, usage and help hint: the first line.
fn clap_message(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let first = text.lines().next().unwrap_or_default();
    first.strip_prefix("error: ").unwrap_or(first).to_string()
}

/// The whole program: returns the process exit code.
pub fn main() -> i32 {
    // A completion script asking for `--backend` values (`CMO_COMPLETE=backends cmo [--config P]`).
    if shell::backends_requested() {
        return shell::backend_candidates();
    }
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2);
            // with `--json` an argument error is a problem object like any other error.
            if e.use_stderr() && json_requested() {
                output::report(&CliError::Usage(clap_message(&e)), true);
                return exit::USAGE;
            }
            let _ = e.print();
            return e.exit_code();
        }
    };
    // `--format json` is `--json` (problems on stderr included); `--json` with another format
    // is a contradiction, refused rather than guessed.
    match (cli.global.json, cli.format()) {
        (true, Some(f)) if f != Format::Json => {
            output::report(
                &CliError::Usage(format!(
                    "--json and --format {} contradict each other; give one",
                    format_name(f)
                )),
                true,
            );
            return exit::USAGE;
        }
        (false, Some(Format::Json)) => cli.global.json = true,
        _ => {}
    }
    let as_json = cli.global.json;
    let paths = match Paths::resolve(cli.global.config.as_deref(), cli.global.data_dir.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            output::report(&CliError::Runtime(e.to_string()), as_json);
            return exit::RUNTIME;
        }
    };
    // Shell integration runs before logging and the runtime: completion calls it on every Tab.
    if let Some(code) = shell_command(&cli, &paths) {
        return code;
    }
    let _log = logging::init(&paths.log_file);
    // reqwest is built without a default TLS provider; install ring once for the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            output::report(
                &CliError::Runtime(format!("cannot start the async runtime: {e}")),
                as_json,
            );
            return exit::RUNTIME;
        }
    };
    // A headless command runs within its deadline (`command_timeout`, started once the
    // configuration is read); the console has none.
    // `serve` runs until stopped: a gateway has no command deadline.
    let headless = cli.command.is_some() && !matches!(cli.command, Some(Command::Serve(_)));
    let result = runtime.block_on(async move {
        if headless {
            crate::backends::http::deadline::scope(dispatch(cli, paths)).await
        } else {
            dispatch(cli, paths).await
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            tracing::warn!(error = %e, "command failed");
            output::report(&e, as_json);
            e.exit_code()
        }
    }
}

/// `completions` and `man`: no runtime, no log, no network.
fn shell_command(cli: &Cli, paths: &Paths) -> Option<i32> {
    let result = match &cli.command {
        Some(Command::Completions { shell }) => shell::completions(*shell),
        Some(Command::Man { out }) => shell::man(out.as_deref()),
        Some(Command::Config(ConfigCommand::Init { force })) => {
            config_init::init(&paths.config_file, *force)
        }
        _ => return None,
    };
    Some(result.unwrap_or_else(|e| {
        output::report(&e, cli.global.json);
        e.exit_code()
    }))
}

/// A product id; on a cellular-only platform the business id must be a valid ICCID, so a
/// typo'd ICCID is reported as such (exit 2) instead of being taken for a terminal serial.
pub fn product_id(raw: &str) -> Result<ProductId, CliError> {
    let id = raw.parse::<ProductId>()?;
    if !capabilities::supports(id.kind, Operation::TerminalDetails) && id.kind != BackendKind::Cmo {
        id.business_id.parse::<Iccid>()?;
    }
    Ok(id)
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Text => "text",
        Format::Json => "json",
        Format::Csv => "csv",
    }
}

/// The output format: `--format`, else JSON with `--json`, else text (`main` has already
/// refused `--json` with another `--format`).
fn format(g: &GlobalArgs, given: Option<Format>) -> Format {
    given.unwrap_or(if g.json { Format::Json } else { Format::Text })
}

/// The local attributes a listing merges into its rows, read only when something uses them: a
/// filter (`attr:` terms, bare words) or JSON/CSV output (the text table does not show them).
/// A store that cannot be read does not stop the listing: with a filter it is a failure
/// (printed like a failed backend, exit 1: the filter may have missed rows); without one a
/// warning, since every row is there, only without its local attributes.
async fn listing_attrs(
    session: &demo::Session,
    query: &ListQuery,
    format: Format,
) -> (crate::store::AttrsByProduct, Vec<list::Failure>) {
    if query.filter.is_empty() && format == Format::Text {
        return (Default::default(), Vec::new());
    }
    match list::local_attrs(&session.local).await {
        Ok(local) => (local, Vec::new()),
        Err(e) if query.filter.is_empty() => {
            output::stderr_line(&format!(
                "cmo: warning: local attributes not shown: {}",
                crate::text::sanitize(&e.to_string())
            ));
            (Default::default(), Vec::new())
        }
        Err(e) => (
            Default::default(),
            vec![list::Failure::new("reading local attributes", e)],
        ),
    }
}

/// `--status S` is `--where status:S`; both together must both hold. A query that cannot be
/// run is bad input naming the term (`\`stauts:x\`: unknown field …`).
fn list_filter(status_arg: Option<&str>, filter: Option<&str>) -> Result<Query, CliError> {
    let mut text = String::new();
    if let Some(raw) = status_arg {
        // The status is checked with the status parser's own message first.
        text = format!("status:{} ", status(raw)?.as_str());
    }
    text.push_str(filter.unwrap_or(""));
    Query::parse(&text).map_err(|e| CliError::Usage(format!("--where: {e}")))
}

/// `--sort COL [desc]` (one or two words) as a sort key; none given is `None`.
fn sort_key(words: &[String]) -> Result<Option<SortKey>, CliError> {
    if words.is_empty() {
        return Ok(None);
    }
    SortKey::parse(&words.join(" "))
        .map(Some)
        .map_err(|e| CliError::Usage(format!("--sort: {e}")))
}

fn status(raw: &str) -> Result<Status, CliError> {
    raw.parse::<Status>()
        .map_err(|e| CliError::Usage(e.to_string()))
}

async fn dispatch(cli: Cli, paths: Paths) -> Result<i32, CliError> {
    let g = cli.global;
    let Some(command) = cli.command else {
        return console(&g, &paths).await;
    };
    match command {
        Command::Info => info::info(&g, &paths, g.json),
        Command::Capabilities => {
            if g.json {
                output::json(&capabilities::to_json(false))?;
            } else {
                output::stdout(&text::capabilities())?;
            }
            Ok(exit::OK)
        }
        Command::Backends(args) => {
            let session = demo::open(&g, &paths).await?;
            super::backends::run(&session.engine, args.backend.as_deref(), g.json).await
        }
        Command::Simulate(args) => simulate::run(&args, &paths.data_dir, g.json).await,
        Command::Serve(args) => super::serve::run(&args, &g, &paths).await,
        Command::Products(ProductsCommand::List(args)) => {
            let query = ListQuery {
                backend: args.backend.clone(),
                filter: list_filter(args.status.as_deref(), args.filter.as_deref())?,
                sort: sort_key(&args.sort)?,
                page: (!args.all).then_some((args.page, args.page_size)),
            };
            let format = format(&g, args.format);
            let session = demo::open(&g, &paths).await?;
            session.local.reconcile_existing(&session.engine).await;
            let (local, failures) = listing_attrs(&session, &query, format).await;
            let mut listing = list::fetch(&session.engine, &query, &local).await?;
            listing.failures.extend(failures);
            list::print(&listing, query.page, format)
        }
        Command::Products(ProductsCommand::Get { id }) => {
            let id = product_id(&id)?;
            let session = demo::open(&g, &paths).await?;
            session.local.reconcile_existing(&session.engine).await;
            commands::product_get(&session, &id, g.json).await
        }
        Command::Products(ProductsCommand::Find(args)) => {
            let mut ids = Vec::new();
            for raw in &args.iccids {
                ids.push(BusinessId::Iccid(raw.parse::<Iccid>()?));
            }
            for raw in &args.serials {
                ids.push(BusinessId::Serial(raw.parse::<TerminalSerial>()?));
            }
            if ids.is_empty() {
                return Err(CliError::Usage(
                    "products find needs at least one --iccid or --serial".into(),
                ));
            }
            let session = demo::open(&g, &paths).await?;
            commands::products_find(&session, &ids, format(&g, args.format)).await
        }
        Command::SimCard(c) => sub(&g, &paths, Subproduct::SimCard, c.id()).await,
        Command::Terminal(c) => sub(&g, &paths, Subproduct::Terminal, c.id()).await,
        Command::Connectivity(c) => sub(&g, &paths, Subproduct::Connectivity, c.id()).await,
        Command::Usage(c) => sub(&g, &paths, Subproduct::Usage, c.id()).await,
        Command::Status(StatusCommand::Set {
            id,
            status: to,
            yes,
            wait,
        }) => {
            let change = StatusChange {
                id: product_id(&id)?,
                to: status(&to)?,
                yes,
                wait,
            };
            let session = demo::open(&g, &paths).await?;
            let gate = session.local.gate(session.engine.clone()).await?;
            change::status_set(&gate, change, g.json).await
        }
        Command::Characteristics(CharacteristicsCommand::Set {
            id,
            assignments,
            yes,
        }) => {
            let id = product_id(&id)?;
            let changes = change::parse_assignments(&assignments)?;
            let session = demo::open(&g, &paths).await?;
            let gate = session.local.gate(session.engine.clone()).await?;
            change::characteristics_set(&gate, &id, &changes, yes, g.json).await
        }
        Command::Attrs(command) => attrs_command(&g, &paths, command).await,
        Command::Batch(BatchCommand::Status {
            status: to,
            ids,
            ids_file,
            yes,
            wait,
            timeout,
        }) => {
            let to = status(&to)?;
            let ids = match (ids, ids_file) {
                (_, Some(file)) => {
                    // The guardrail applies while the file is read (nothing past the first id
                    // over it); the config is read without secrets, as for every local check.
                    let max = session::local_config(&g, &paths)?.max_batch_size;
                    batch::ids_from_file(&file, max)?
                }
                (Some(list), None) => batch::ids_from_list(&list)?,
                (None, None) => {
                    return Err(CliError::Usage(
                        "batch status needs --ids or --ids-file".into(),
                    ));
                }
            };
            let session = demo::open(&g, &paths).await?;
            let gate = session.local.gate(session.engine.clone()).await?;
            let options = batch::BatchOptions {
                yes,
                wait: wait.then_some(timeout),
            };
            batch::status(&gate, &ids, to, options, g.json).await
        }
        Command::Monitors(MonitorsCommand::List) => {
            let store = Local::without_engine(&g, &paths)?.store().await?;
            let refresher = monitors_refresher(&g, &paths, &store).await?;
            monitors::list(&store, &refresher, g.json).await
        }
        Command::Monitors(MonitorsCommand::Get { id }) => {
            let session = demo::open(&g, &paths).await?;
            let gate = session.local.gate(session.engine.clone()).await?;
            monitors::get(&gate, &id, g.json).await
        }
        Command::Monitors(MonitorsCommand::Cancel { id, yes }) => {
            let session = demo::open(&g, &paths).await?;
            let gate = session.local.gate(session.engine.clone()).await?;
            monitors::cancel(&gate, &id, yes, g.json).await
        }
        Command::Completions { .. } | Command::Man { .. } | Command::Config(_) => {
            // Handled in `main` before the runtime starts.
            Ok(exit::OK)
        }
        Command::Audit(args) => {
            let since = args
                .since
                .as_deref()
                .map(|raw| audit::parse_since(raw, chrono::Utc::now()))
                .transpose()?;
            let store = Local::without_engine(&g, &paths)?.store().await?;
            audit::run(&store, since, g.json).await
        }
    }
}

/// Where `monitors list` refreshes pending monitors from. The engine (and the configuration's
/// secrets) is built only when some monitor is pending; without a usable configuration the
/// stored states are listed with the reason, since listing local data must not need a carrier.
/// `--demo` simulators are fresh in every process and never saw an earlier process's jobs.
async fn monitors_refresher(
    g: &GlobalArgs,
    paths: &Paths,
    store: &crate::store::StoreHandle,
) -> Result<monitors::Refresher, CliError> {
    use monitors::Refresher;
    let pending = store
        .monitors_list()
        .await?
        .iter()
        .any(|m| !m.state.is_final());
    if !pending {
        return Ok(Refresher::Unavailable("nothing pending".into()));
    }
    if g.demo {
        return Ok(Refresher::Unavailable(
            "not refreshed: --demo simulators do not know earlier jobs".into(),
        ));
    }
    match demo::open(g, paths).await {
        Ok(session) => Ok(Refresher::Gate(crate::engine::Gate::new(
            session.engine,
            store.clone(),
            crate::store::Operator::from_env(),
        ))),
        Err(e) => {
            tracing::info!(error = %e, "monitors not refreshed: no usable configuration");
            Ok(Refresher::Unavailable(
                "not refreshed: no usable configuration".into(),
            ))
        }
    }
}

/// Custom attributes. A product held by a CMO account keeps them on the CMO server, so with a
/// CMO account configured (the demo has one) the engine is built — and the demo's simulators
/// started — to find each product's home; without one they are local only and no backend is
/// built, so they work with every carrier down.
async fn attrs_command(
    g: &GlobalArgs,
    paths: &Paths,
    command: AttrsCommand,
) -> Result<i32, CliError> {
    // `None`: list (with the `--name` filter); `Some`: one edit.
    let (id, name, edit) = match command {
        AttrsCommand::Find { pattern, format: f } => {
            let pattern =
                AttrPattern::parse(&pattern).map_err(|e| CliError::Usage(e.to_string()))?;
            // Every matching product is read from its carrier for its row: the engine is needed.
            let session = demo::open(g, paths).await?;
            return attrs::find(&session, &pattern, format(g, f)).await;
        }
        AttrsCommand::List { id, name } => (id, name, None),
        AttrsCommand::Set { id, name, value } => (id, None, Some(AttrEdit::Set { name, value })),
        AttrsCommand::Rename { id, old, new } => (id, None, Some(AttrEdit::Rename { old, new })),
        AttrsCommand::Delete { id, name } => (id, None, Some(AttrEdit::Delete { name })),
    };
    let id = product_id(&id)?;
    let config = session::local_config(g, paths)?;
    let has_cmo = g.demo || config.backends.iter().any(|b| b.kind == BackendKind::Cmo);
    // Kept alive until the command is done: dropping it stops the demo simulators.
    let (gate, _session) = if has_cmo {
        let session = demo::open(g, paths).await?;
        let gate = session.local.gate(session.engine.clone()).await?;
        (gate, Some(session))
    } else {
        (Local::new(g, &config, paths).attrs_gate().await?, None)
    };
    match edit {
        None => attrs::list(&gate, &id, name.as_deref(), g.json).await,
        Some(edit) => attrs::edit(&gate, &id, edit, g.json).await,
    }
}

async fn sub(g: &GlobalArgs, paths: &Paths, what: Subproduct, raw: &str) -> Result<i32, CliError> {
    let id = product_id(raw)?;
    let session = demo::open(g, paths).await?;
    session.local.reconcile_existing(&session.engine).await;
    commands::subproduct_get(&session, what, &id, g.json).await
}

/// No subcommand: the console.
async fn console(g: &GlobalArgs, paths: &Paths) -> Result<i32, CliError> {
    if g.json {
        return Err(CliError::Usage(
            "--json applies to headless commands; the console has no JSON output".into(),
        ));
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "the console needs a terminal; for scripts use a subcommand (see `cmo --help`)".into(),
        ));
    }
    let session = demo::open(g, paths).await?;
    let read_only = g.read_only || session.config.read_only;
    // A theme path is relative to the working directory on the command line and to the config
    // file's folder in the config.
    let theme = match &g.theme {
        Some(flag) => {
            let cwd = std::env::current_dir().map_err(|e| CliError::Runtime(e.to_string()))?;
            crate::ui::theme::resolve_spec(flag, &cwd, Some(&paths.themes_dir))
        }
        None => {
            let folder = paths
                .config_file
                .parent()
                .unwrap_or(std::path::Path::new("."));
            crate::ui::theme::resolve_spec(&session.config.theme, folder, Some(&paths.themes_dir))
        }
    };
    let options = UiOptions {
        theme,
        themes_dir: Some(paths.themes_dir.clone()),
        mouse: session.config.mouse,
        refresh_interval: session.config.refresh_interval,
        read_only,
        // The console loads the store's product cache itself, off the UI task.
        cached: Vec::new(),
    };
    // `--data-dir` wins, then the config's `[store] data_dir`, then the XDG default.
    let data_dir = match (&g.data_dir, &session.config.store.data_dir) {
        (None, Some(configured)) => configured.clone(),
        _ => paths.data_dir.clone(),
    };
    let store = session
        .config
        .store
        .location(data_dir, session.config.secret_cmd_timeout)?;
    let settings = SessionSettings {
        store,
        read_only,
        max_batch: session.config.max_batch_size,
        monitor_retention: session.config.monitor_retention,
        usage_retention: session.config.usage_history_retention,
        operator: crate::store::Operator::from_env(),
    };
    let ui = UiSession::start(session.engine.clone(), settings)
        .await
        .map_err(|e| CliError::Runtime(e.to_string()))?;
    // Changes an earlier run left "outcome unknown" are read at their carriers and journaled,
    // off the UI task; taken before the first key, so this session's own attempts are not in it.
    if !g.demo {
        let gate = ui.gate.clone();
        let open = gate.interrupted_attempts().await;
        if !open.is_empty() {
            tokio::spawn(async move { gate.reconcile(open).await });
        }
    }
    let ended = crate::ui::run(ui, options).await.map_err(|e| match e {
        UiError::Theme(_) => CliError::Usage(e.to_string()),
        UiError::Terminal(_) => CliError::Runtime(e.to_string()),
    })?;
    Ok(match ended {
        Ended::Quit => exit::OK,
        // As a shell reports a process the signal ended, now that the terminal is restored.
        Ended::Signal(signal) => signal.exit_status(),
    })
}
