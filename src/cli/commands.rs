//! The headless product commands: `products get|find`, the subproduct gets (`sim-card`,
//! `terminal`, `connectivity`, `usage`) and `status set`. Each takes already-parsed input, calls
//! the engine, prints text or JSON, and returns the exit code.

use super::error::{CliError, exit};
use super::{json, output, text};
use crate::backends::{BackendError, ChangeOutcome};
use crate::domain::capabilities::{self, Operation};
use crate::domain::{BusinessId, ConnectivityType, ProductId, Status};
use crate::engine::Engine;
use std::io::IsTerminal;

/// Which subproduct a `… get ID` command shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subproduct {
    SimCard,
    Terminal,
    Connectivity,
    Usage,
}

pub async fn product_get(engine: &Engine, id: &ProductId, as_json: bool) -> Result<i32, CliError> {
    let product = engine.product(id).await?;
    if as_json {
        output::json(&json::product(&product))?;
    } else {
        output::stdout(&text::product(&product))?;
    }
    Ok(exit::OK)
}

/// `products find`: every id is looked for on every backend; ids found nowhere are reported
/// (in `errors[]` with `--json`, as stderr lines otherwise) and set the exit code.
pub async fn products_find(
    engine: &Engine,
    ids: &[BusinessId],
    as_json: bool,
) -> Result<i32, CliError> {
    let (found, missing) = engine.find(ids).await;
    if as_json {
        output::json(&json::find(&found, &missing))?;
    } else {
        let summaries: Vec<_> = found.iter().map(|p| p.summary.clone()).collect();
        output::stdout(&text::products(&summaries))?;
        for (_, e) in &missing {
            output::stderr_line(&CliError::Backend(e.clone()).line());
        }
    }
    // The most specific failure decides: not found (4) unless a backend failed outright (1).
    let code = missing
        .iter()
        .map(|(_, e)| e.exit_code())
        .min_by_key(|c| if *c == exit::RUNTIME { 0 } else { *c })
        .unwrap_or(exit::OK);
    Ok(code)
}

pub async fn subproduct_get(
    engine: &Engine,
    what: Subproduct,
    id: &ProductId,
    as_json: bool,
) -> Result<i32, CliError> {
    let (doc, shown) = match what {
        Subproduct::SimCard => {
            let sim = engine.sim_card(id).await?;
            (json::sim_card(id, &sim, &[]), text::sim_card(&sim))
        }
        Subproduct::Terminal => {
            let t = engine.terminal(id).await?;
            (json::terminal(id, &t, &[]), text::terminal(&t))
        }
        Subproduct::Connectivity => {
            let dc = engine.data_connectivity(id).await?;
            (
                json::data_connectivity(id, &dc),
                text::data_connectivity(&dc),
            )
        }
        Subproduct::Usage => {
            let usage = engine.usage(id).await?;
            let volumes = json::usage_volumes(id, &usage);
            let n = volumes.len() as u64;
            (json::list(volumes, 1, n, Some(n)), text::usage(&usage))
        }
    };
    if as_json {
        output::json(&doc)?;
    } else {
        output::stdout(&shown)?;
    }
    Ok(exit::OK)
}

/// What `status set` needs besides the engine.
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub id: ProductId,
    pub to: Status,
    pub yes: bool,
    pub read_only: bool,
}

/// Refuse, before asking anything, a change the seed's tables do not allow.
fn check_allowed(
    id: &ProductId,
    satellite: bool,
    from: Status,
    to: Status,
) -> Result<(), BackendError> {
    let (op, allowed) = if satellite {
        (
            Operation::ChangeTerminalStatus,
            capabilities::terminal_change_allowed(id.kind, from, to),
        )
    } else {
        (
            Operation::ChangeSimStatus,
            capabilities::sim_change_allowed(id.kind, from, to),
        )
    };
    if !capabilities::supports(id.kind, op) {
        return Err(BackendError::not_supported(id.kind, op));
    }
    if !allowed {
        return Err(BackendError::TransitionNotAllowed {
            kind: id.kind,
            from,
            to,
        });
    }
    Ok(())
}

/// Ask y/N on the terminal; anything but y/yes is a no.
async fn confirm(question: String) -> Result<bool, CliError> {
    tokio::task::spawn_blocking(move || {
        output::stderr_line(&format!("{question} [y/N] "));
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map(|_| matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
    })
    .await
    .map_err(|e| CliError::Runtime(format!("confirmation prompt failed: {e}")))?
    .map_err(|e| CliError::Runtime(format!("cannot read the answer: {e}")))
}

pub async fn status_set(
    engine: &Engine,
    change: StatusChange,
    as_json: bool,
) -> Result<i32, CliError> {
    let StatusChange {
        id,
        to,
        yes,
        read_only,
    } = change;
    if read_only {
        return Err(CliError::Usage(format!(
            "read-only mode: refusing to change the status of {id}"
        )));
    }
    let product = engine.product(&id).await?;
    let from = product.summary.status.status;
    let satellite = product.summary.connectivity == ConnectivityType::Satellite;
    check_allowed(&id, satellite, from, to)?;
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::Usage(format!(
                "changing {id} from {from} to {to} needs confirmation: pass --yes (stdin is not a terminal)"
            )));
        }
        if !confirm(format!("Change {id} from {from} to {to}?")).await? {
            output::stderr_line("cmo: cancelled; nothing was changed");
            return Ok(exit::OK);
        }
    }
    let suffix = if satellite { "-terminal" } else { "-simCard" };
    match engine.change_status(&id, to).await? {
        ChangeOutcome::Done { status } => {
            if as_json {
                output::json(&json::status_done(&id, status.or(Some(to)), suffix))?;
            } else {
                output::stdout(&format!("{id}: {from} → {} (done)\n", status.unwrap_or(to)))?;
            }
        }
        ChangeOutcome::Pending(monitor) => {
            if as_json {
                output::json(&json::monitor(&monitor, suffix))?;
            } else {
                output::stdout(&format!(
                    "{id}: {from} → {to} accepted; monitor {}\n",
                    crate::text::sanitize(&monitor.id)
                ))?;
            }
        }
    }
    Ok(exit::OK)
}
