//! `status set` and `characteristics set`: changes that reach a carrier, always through the
//! gate (read-only, audit journal, monitor persistence — docs/safety.md). Checks that would
//! refuse the change anyway (read-only, unsupported operation, unlisted transition) run before
//! the confirmation, and the refusal still goes through the gate so the attempt is journaled.
//! `--wait` follows an asynchronous change to its final state, storing each new state.

use super::confirm::{self, Decision};
use super::error::{CliError, exit};
use super::interrupt::{self, Interrupt};
use super::{json, output};
use crate::backends::ChangeOutcome;
use crate::domain::capabilities::{self, Operation};
use crate::domain::{Characteristic, ConnectivityType, Monitor, MonitorState, ProductId, Status};
use crate::engine::tracker::Step;
use crate::engine::{Engine, Gate, GateError};
use crate::text::sanitize;

/// What `status set` was asked.
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub id: ProductId,
    pub to: Status,
    pub yes: bool,
    pub wait: bool,
}

/// Whether the seed's tables allow the change at all (the guard refuses it otherwise).
fn allowed(id: &ProductId, satellite: bool, from: Status, to: Status) -> bool {
    if satellite {
        capabilities::supports(id.kind, Operation::ChangeTerminalStatus)
            && capabilities::terminal_change_allowed(id.kind, from, to)
    } else {
        capabilities::supports(id.kind, Operation::ChangeSimStatus)
            && capabilities::sim_change_allowed(id.kind, from, to)
    }
}

pub async fn status_set(gate: &Gate, change: StatusChange, as_json: bool) -> Result<i32, CliError> {
    let StatusChange { id, to, yes, wait } = change;
    let mut suffix = "-simCard";
    // Read-only and a ✖ in the support matrix are refused by the gate (and journaled) without
    // a request; anything else reads the current status first, to check and to confirm.
    // The status read here goes with the change, so the gate does not read it again: one read
    // (the SIM card alone where the platform serves it) and one write.
    let mut seen = None;
    if !gate.is_read_only() && Engine::status_change_refusal(&id).is_none() {
        let read = gate.engine().read_status(&id).await?;
        let from = read.status;
        let satellite = read.connectivity == ConnectivityType::Satellite;
        if satellite {
            suffix = "-terminal";
        }
        // Already there: nothing will be sent, so nothing to confirm (the gate journals it).
        if from != to && allowed(&id, satellite, from, to) {
            if capabilities::is_irreversible(id.kind, to) {
                let question = format!("Change {id} from {from} to {to}?");
                if confirm::ask_typed(yes, &question, to.as_str()).await? == Decision::Declined {
                    return Ok(confirm::typed_declined(to.as_str()));
                }
            } else if confirm::ask(yes, &format!("Change {id} from {from} to {to}?")).await?
                == Decision::Declined
            {
                return Ok(confirm::declined());
            }
        }
        seen = Some(read);
    }
    // From here on a signal lets the change in flight answer (within the grace) and be
    // journaled, then exits 128 + signal (src/cli/interrupt.rs).
    let interrupt = Interrupt::listen()
        .map_err(|e| CliError::Runtime(format!("cannot install signal handlers: {e}")))?;
    let stopped = async {
        interrupt.token().cancelled().await;
        tokio::time::sleep(interrupt::GRACE).await;
    };
    let reported = tokio::select! {
        reported = async {
            match seen {
                Some(seen) => gate.change_status_reported_seen(&id, seen, to).await,
                None => gate.change_status_reported(&id, to).await,
            }
        } => reported,
        _ = stopped => {
            let (signal, code) = interrupt.caught().unwrap_or(("a signal", exit::RUNTIME));
            output::stderr_line(&format!(
                "cmo: interrupted by {signal}: the change of {id} to {to} had no answer within {}; it is journaled as outcome unknown and the next run that reaches the carrier reconciles it",
                humantime::format_duration(interrupt::GRACE)
            ));
            return Ok(code);
        }
    };
    let code = status_result(gate, &id, to, reported, suffix, wait, as_json, &interrupt).await?;
    match interrupt.caught() {
        Some((signal, signal_code)) => {
            output::stderr_line(&format!(
                "cmo: interrupted by {signal}: the change of {id} finished and is journaled"
            ));
            Ok(signal_code)
        }
        None => Ok(code),
    }
}

/// Print a finished status change (and with `wait`, follow its monitor until a signal).
#[allow(clippy::too_many_arguments)]
async fn status_result(
    gate: &Gate,
    id: &ProductId,
    to: Status,
    reported: Result<crate::engine::gate::StatusOutcome, crate::engine::GateError>,
    suffix: &str,
    wait: bool,
    as_json: bool,
    interrupt: &Interrupt,
) -> Result<i32, CliError> {
    let reported = reported?;
    if reported.unchanged {
        if as_json {
            let mut doc = json::status_done(id, Some(to), suffix);
            doc["result"] = serde_json::json!("unchanged");
            output::json(&doc)?;
        } else {
            output::stdout(&format!("{id}: already {to} (unchanged)\n"))?;
        }
        return Ok(exit::OK);
    }
    match reported.outcome {
        ChangeOutcome::Done { status } => {
            let now = status.unwrap_or(to);
            if as_json {
                output::json(&json::status_done(id, Some(now), suffix))?;
            } else {
                output::stdout(&format!("{id}: {now} (done)\n"))?;
            }
            Ok(exit::OK)
        }
        ChangeOutcome::Pending(monitor) => {
            let wait = wait && !interrupt.token().is_cancelled();
            tokio::select! {
                code = pending(gate, monitor, suffix, wait, as_json) => code,
                _ = interrupt.token().cancelled() => Ok(exit::RUNTIME),
            }
        }
    }
}

/// An accepted asynchronous change: print its monitor, and with `wait` follow it.
async fn pending(
    gate: &Gate,
    monitor: Monitor,
    suffix: &str,
    wait: bool,
    as_json: bool,
) -> Result<i32, CliError> {
    if !wait {
        if as_json {
            output::json(&json::monitor(&monitor, suffix))?;
        } else {
            output::stdout(&format!(
                "{}: accepted; monitor {} ({})\n",
                monitor
                    .product_id
                    .as_ref()
                    .map_or("-".into(), |p| p.to_string()),
                sanitize(&monitor.id),
                monitor.state.as_str()
            ))?;
        }
        return Ok(exit::OK);
    }
    if !as_json {
        output::stdout(&format!(
            "monitor {}: {}\n",
            sanitize(&monitor.id),
            monitor.state.as_str()
        ))?;
    }
    let last = follow(gate, monitor, !as_json).await?;
    if as_json {
        output::json(&json::monitor(&last, suffix))?;
    }
    Ok(final_exit(&last))
}

/// Poll `monitor` until it is final with the engine's one monitor tracker, the console's
/// poller's too (`Gate::follow_monitor`: backoff, transient errors retried, every change
/// recorded); with `print`, one line per change of state on stdout.
pub async fn follow(gate: &Gate, monitor: Monitor, print: bool) -> Result<Monitor, CliError> {
    let id = sanitize(&monitor.id);
    let mut printed = Ok(());
    let last = gate
        .follow_monitor(monitor, |step| match step {
            Step::Changed { before, now } => {
                if print && printed.is_ok() && before.state != now.state {
                    printed = output::stdout(&format!(
                        "monitor {id}: {} → {}\n",
                        before.state.as_str(),
                        now.state.as_str()
                    ));
                }
            }
            Step::Retrying(e) => output::stderr_line(&format!(
                "cmo: polling {id} failed ({}); retrying",
                sanitize(&e.to_string())
            )),
            Step::NotStored(_) => {}
        })
        .await
        // The carrier's error as itself (`batch::wait_all` marks a permanent one in error).
        .map_err(|e| match e {
            GateError::Backend(e) => CliError::Backend(e),
            other => other.into(),
        })?;
    printed?;
    Ok(last)
}

/// 0 when the carrier completed the request; 1 (with a line on stderr) when it did not.
pub fn final_exit(m: &Monitor) -> i32 {
    match m.state {
        MonitorState::Completed | MonitorState::InProgress => exit::OK,
        MonitorState::InError | MonitorState::Cancelled => {
            let detail = m
                .detail
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            output::stderr_line(&sanitize(&format!(
                "cmo: monitor {} ended {}{detail}",
                m.id,
                m.state.as_str()
            )));
            exit::RUNTIME
        }
    }
}

/// `NAME=VALUE` arguments; a missing `=`, an empty name, control characters or a name given
/// twice is bad input (exit 2).
pub fn parse_assignments(raw: &[String]) -> Result<Vec<Characteristic>, CliError> {
    let mut out: Vec<Characteristic> = Vec::new();
    for arg in raw {
        let bad = |why: &str| CliError::Usage(format!("characteristic {:?}: {why}", sanitize(arg)));
        let (name, value) = arg
            .split_once('=')
            .ok_or_else(|| bad("expected NAME=VALUE"))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(bad("the name is empty"));
        }
        if arg.chars().any(char::is_control) {
            return Err(bad("contains a control character"));
        }
        if out.iter().any(|c| c.name == name) {
            return Err(bad("this name is given twice"));
        }
        out.push(Characteristic::new(name, value));
    }
    if out.is_empty() {
        return Err(CliError::Usage(
            "characteristics set needs at least one NAME=VALUE".into(),
        ));
    }
    Ok(out)
}

pub async fn characteristics_set(
    gate: &Gate,
    id: &ProductId,
    changes: &[Characteristic],
    yes: bool,
    as_json: bool,
) -> Result<i32, CliError> {
    let listed = changes
        .iter()
        .map(|c| format!("{}={}", c.name, c.value))
        .collect::<Vec<_>>()
        .join(", ");
    if !gate.is_read_only()
        && capabilities::supports(id.kind, Operation::UpdateCharacteristics)
        && confirm::ask(yes, &format!("Update {id}: {listed}?")).await? == Decision::Declined
    {
        return Ok(confirm::declined());
    }
    match gate.update_characteristics(id, changes).await? {
        ChangeOutcome::Done { .. } => {
            if as_json {
                let chars: Vec<_> = changes
                    .iter()
                    .map(|c| serde_json::json!({"name": c.name, "value": c.value}))
                    .collect();
                output::json(&serde_json::json!({
                    "id": id.to_string(),
                    "productCharacteristic": chars,
                    "result": "done",
                }))?;
            } else {
                output::stdout(&format!("{id}: {} (done)\n", sanitize(&listed)))?;
            }
            Ok(exit::OK)
        }
        ChangeOutcome::Pending(monitor) => pending(gate, monitor, "", false, as_json).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn assignments_parse_and_refuse_bad_input() {
        let ok = parse_assignments(&args(&["apn=iot.m2m", " label =a=b"])).unwrap();
        assert_eq!(ok[0], Characteristic::new("apn", "iot.m2m"));
        assert_eq!(ok[1], Characteristic::new("label", "a=b"));
        for bad in [
            &["apn"][..],
            &["=x"],
            &["a=1", "a=2"],
            &["a=\u{1b}[2J"],
            &[],
        ] {
            let e = parse_assignments(&args(bad)).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad:?}: {e}");
        }
    }
}
