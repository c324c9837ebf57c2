//! `batch status STATUS (--ids ID,ID… | --ids-file FILE)`: one status for many products of one
//! account, through `Gate::batch_status` (max batch size, one journal entry, monitors kept).
//! Ids are parsed before anything starts; ids of different accounts are refused by the engine
//! before any change is sent (exit 2, naming the accounts), and before confirmation is asked.
//!
//! A product already in the target status is `unchanged` (nothing sent, not a failure). An
//! irreversible target (`capabilities::is_irreversible`) needs the number of products typed,
//! unless `--yes`. `--wait` follows every monitor the batch produced (bounded by `--timeout`).
//!
//! Where the account has a bulk status call (1NCE) the batch goes as lists, and each product's
//! outcome is what re-reading it showed: done, not applied, or outcome unknown (engine/bulk.rs).
//! The result counts the carrier requests sent (`carrierRequests`, and the summary line).
//!
//! Exit: 0 when every product changed (or was accepted, or was unchanged) — with `--wait`, and
//! every monitor completed; 3 when every one was refused as not supported / not allowed; 1 when
//! some failed, a waited monitor did not complete, or the timeout ran out.

use super::change::follow;
use super::confirm::{self, Decision};
use super::error::{CliError, backend_problem, exit};
use super::interrupt::{self, Interrupt};
use super::{json, output, text};
use crate::backends::ChangeOutcome;
use crate::domain::capabilities::{self, Operation};
use crate::domain::{Monitor, MonitorState, ProductId, Status};
use crate::engine::gate::BatchRun;
use crate::engine::gate::journal;
use crate::engine::poller::{in_error, is_permanent};
use crate::engine::{BatchItem, Gate};
use crate::text::sanitize;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

/// Ids from `--ids a,b,c`.
pub fn ids_from_list(raw: &str) -> Result<Vec<ProductId>, CliError> {
    let ids = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            super::run::product_id(s)
                .map_err(|e| CliError::Usage(format!("--ids: {}: {e}", sanitize(s))))
        })
        .collect::<Result<Vec<_>, _>>()?;
    unique(ids, |i| format!("--ids: item {}", i + 1))
}

/// Ids from a file: one per line, blank lines and `#` comments (whole-line or trailing)
/// ignored; at most `max_ids` (the batch guardrail, applied while reading: ids_file.rs); any
/// bad input is reported with the file and line number, exit 2.
pub fn ids_from_file(path: &Path, max_ids: usize) -> Result<Vec<ProductId>, CliError> {
    super::ids_file::read(path, max_ids)
}

pub fn ids_from_text(text: &str, origin: &str) -> Result<Vec<ProductId>, CliError> {
    super::ids_file::from_reader(text.as_bytes(), origin, usize::MAX).map_err(|e| match e {
        super::ids_file::ReadError::Cli(e) => e,
        super::ids_file::ReadError::Io(e) => CliError::Runtime(format!("{origin}: {e}")),
    })
}

/// Refuse an id given twice (the second change would fail or repeat the first).
fn unique(
    ids: Vec<ProductId>,
    where_: impl Fn(usize) -> String,
) -> Result<Vec<ProductId>, CliError> {
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        if !seen.insert(id) {
            return Err(CliError::Usage(format!(
                "{}: {id} is listed twice",
                where_(i)
            )));
        }
    }
    if ids.is_empty() {
        return Err(CliError::Usage("the batch has no product ids".into()));
    }
    Ok(ids)
}

/// How `batch status` was asked to run.
#[derive(Debug, Clone, Copy)]
pub struct BatchOptions {
    pub yes: bool,
    /// `--wait`, bounded by `--timeout`: follow every monitor the batch produced to its end.
    pub wait: Option<Duration>,
}

pub async fn status(
    gate: &Gate,
    ids: &[ProductId],
    to: Status,
    options: BatchOptions,
    as_json: bool,
) -> Result<i32, CliError> {
    let kind = ids[0].kind;
    let changeable = capabilities::supports(kind, Operation::ChangeSimStatus)
        || capabilities::supports(kind, Operation::ChangeTerminalStatus);
    // Ask only for a batch the gate and the engine would run: a refusal goes straight to
    // the gate, which journals the attempt and returns the reason.
    // The lookup that names the account for the question also gives the gate each product's
    // status, so the batch reads each product once.
    let mut looked_up = None;
    if !gate.is_read_only() && ids.len() <= gate.max_batch() && changeable {
        let lookup = gate.engine().batch_lookup(ids).await;
        if let Ok(lookup) = lookup {
            let account = lookup.account.clone();
            looked_up = Some(lookup);
            let question = format!(
                "Change {} product(s) of {} to {to}?",
                ids.len(),
                sanitize(&account)
            );
            if capabilities::is_irreversible(kind, to) {
                let count = ids.len().to_string();
                if confirm::ask_typed(options.yes, &question, &count).await? == Decision::Declined {
                    return Ok(confirm::typed_declined(&count));
                }
            } else if confirm::ask(options.yes, &question).await? == Decision::Declined {
                return Ok(confirm::declined());
            }
        }
    }
    // A batch's deadline grows with it (`deadline::PER_BATCH_PRODUCT`).
    crate::backends::http::deadline::extend(
        crate::backends::http::deadline::PER_BATCH_PRODUCT.saturating_mul(ids.len() as u32),
    );
    // From here on a signal stops the batch cleanly (src/cli/interrupt.rs).
    let interrupt = Interrupt::listen()
        .map_err(|e| CliError::Runtime(format!("cannot install signal handlers: {e}")))?;
    let run = gate
        .batch_status_looked_up(ids, to, looked_up, interrupt.token(), interrupt::GRACE)
        .await?;
    let items = &run.items;
    if let Some((signal, code)) = interrupt.caught() {
        if as_json {
            let mut doc = document(&run, to, None);
            doc["interrupted"] = interrupted_json(&run, signal);
            output::json(&doc)?;
        } else {
            output::stdout(&table(items, to))?;
            output::stdout(&summary(&run))?;
        }
        output::stderr_line(&interrupted_line(&run, signal));
        return Ok(code);
    }
    let Some(limit) = options.wait else {
        if as_json {
            output::json(&document(&run, to, None))?;
        } else {
            output::stdout(&table(items, to))?;
            output::stdout(&summary(&run))?;
        }
        return Ok(exit_code(items));
    };
    if !as_json {
        output::stdout(&table(items, to))?;
        output::stdout(&summary(&run))?;
    }
    let pending: Vec<Monitor> = items
        .iter()
        .filter_map(|i| match &i.result {
            Ok(ChangeOutcome::Pending(m)) => Some(m.clone()),
            _ => None,
        })
        .collect();
    let waited = tokio::select! {
        waited = wait_all(gate, pending, limit, !as_json) => waited,
        _ = interrupt.token().cancelled() => {
            let (signal, code) = interrupt.caught().unwrap_or(("a signal", exit::RUNTIME));
            output::stderr_line(&format!(
                "cmo: interrupted by {signal} while waiting: every change was sent and journaled; the stored monitors keep following them (cmo monitors list)"
            ));
            return Ok(code);
        }
    };
    if as_json {
        output::json(&document(&run, to, Some(&waited)))?;
    } else if !waited.is_empty() {
        output::stdout(&outcomes_table(&waited))?;
    }
    Ok(exit_code(items).max(waited_exit(&waited, limit)))
}

/// `cmo: interrupted by SIGTERM: 12 of 40 finished (journaled); 2 sent without an answer —
/// outcome unknown, journaled, reconciled by the next run: A, B; 26 not started: C, …`
fn interrupted_line(run: &BatchRun, signal: &str) -> String {
    let total = run.items.len() + run.unknown.len() + run.not_started.len();
    let list = |ids: &[ProductId]| {
        ids.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut line = format!(
        "cmo: interrupted by {signal}: {} of {total} finished (journaled)",
        run.items.len()
    );
    if !run.unknown.is_empty() {
        line.push_str(&format!(
            "; {} sent without an answer — outcome unknown, journaled, reconciled by the next run: {}",
            run.unknown.len(),
            list(&run.unknown)
        ));
    }
    if !run.not_started.is_empty() {
        line.push_str(&format!(
            "; {} not started (nothing sent): {}",
            run.not_started.len(),
            list(&run.not_started)
        ));
    }
    sanitize(&line)
}

fn interrupted_json(run: &BatchRun, signal: &str) -> serde_json::Value {
    let ids = |ids: &[ProductId]| ids.iter().map(ToString::to_string).collect::<Vec<_>>();
    json!({
        "signal": signal,
        "outcomeUnknown": ids(&run.unknown),
        "notStarted": ids(&run.not_started),
    })
}

/// How one waited monitor ended.
#[derive(Debug)]
pub enum Waited {
    /// Final (Completed, InError, Cancelled), as recorded.
    Final(Monitor),
    /// The carrier cannot answer for it (unknown, unsupported): recorded InError with the reason.
    Failed(Monitor),
    /// Still InProgress when `--timeout` ran out.
    Pending(Monitor),
}

impl Waited {
    fn monitor(&self) -> &Monitor {
        match self {
            Waited::Final(m) | Waited::Failed(m) | Waited::Pending(m) => m,
        }
    }

    fn completed(&self) -> bool {
        matches!(self, Waited::Final(m) if m.state == MonitorState::Completed)
    }

    fn outcome(&self) -> String {
        match self {
            Waited::Pending(_) => "still pending".into(),
            Waited::Final(m) | Waited::Failed(m) => journal::final_result(m),
        }
    }
}

/// Follow every monitor concurrently (the engine's one tracker through [`super::change::follow`],
/// each change recorded through the gate, a final one journaled once) until all are final or
/// `limit` has passed. Results keep the monitors' order.
pub async fn wait_all(
    gate: &Gate,
    monitors: Vec<Monitor>,
    limit: Duration,
    print: bool,
) -> Vec<Waited> {
    let deadline = tokio::time::Instant::now() + limit;
    let follows = monitors.into_iter().map(|m| async move {
        let followed = tokio::time::timeout_at(deadline, follow(gate, m.clone(), print)).await;
        match followed {
            Ok(Ok(last)) if last.state.is_final() => Waited::Final(last),
            Ok(Ok(last)) => Waited::Pending(last),
            Ok(Err(CliError::Backend(e))) if is_permanent(&e) => {
                let failed = in_error(&m, &e);
                match gate.record_monitor(Some(&m), failed.clone()).await {
                    Ok(recorded) => Waited::Failed(recorded),
                    Err(_) => Waited::Failed(failed),
                }
            }
            Ok(Err(e)) => {
                output::stderr_line(&format!(
                    "cmo: following {} failed: {}",
                    sanitize(&m.id),
                    sanitize(&e.to_string())
                ));
                Waited::Pending(m)
            }
            Err(_) => Waited::Pending(m),
        }
    });
    futures::future::join_all(follows).await
}

/// 0 when every waited monitor completed; 1 naming on stderr each that did not (its carrier's
/// reason) or that is still pending when the timeout ran out.
fn waited_exit(waited: &[Waited], limit: Duration) -> i32 {
    let mut code = exit::OK;
    for w in waited.iter().filter(|w| !w.completed()) {
        code = exit::RUNTIME;
        let m = w.monitor();
        let product = m.product_id.as_ref().map_or("-".into(), |p| p.to_string());
        let line = match w {
            Waited::Pending(_) => format!(
                "cmo: {product}: monitor {} still pending after {}",
                m.id,
                humantime::format_duration(limit)
            ),
            _ => format!("cmo: {product}: monitor {} {}", m.id, w.outcome()),
        };
        output::stderr_line(&sanitize(&line));
    }
    code
}

fn outcomes_table(waited: &[Waited]) -> String {
    let rows: Vec<Vec<String>> = waited
        .iter()
        .map(|w| {
            let m = w.monitor();
            vec![
                m.product_id.as_ref().map_or("-".into(), |p| p.to_string()),
                m.id.clone(),
                w.outcome(),
            ]
        })
        .collect();
    text::table(&["ID", "MONITOR", "OUTCOME"], &rows)
}

/// `4 changed, 1 unchanged, 0 failed; 1 carrier request (bulk)` (accepted asynchronous
/// changes count as changed; a bulk batch also counts the products not applied and unknown).
fn summary(run: &BatchRun) -> String {
    let items = &run.items;
    let unchanged = items.iter().filter(|i| i.unchanged).count();
    let failed = items.iter().filter(|i| i.result.is_err()).count();
    let changed = items.len() - unchanged - failed;
    let mut line = format!("{changed} changed, {unchanged} unchanged, {failed} failed");
    let not_applied = count_errors(items, journal::is_not_applied);
    let unknown = count_errors(items, journal::is_unknown);
    if not_applied + unknown > 0 {
        line.push_str(&format!(
            " ({not_applied} {}, {unknown} {})",
            journal::NOT_APPLIED,
            crate::store::OUTCOME_UNKNOWN
        ));
    }
    line.push_str(&format!("; {}\n", requests_text(run)));
    line
}

fn count_errors(items: &[BatchItem], is: fn(&crate::backends::BackendError) -> bool) -> usize {
    items
        .iter()
        .filter(|i| i.result.as_ref().err().is_some_and(is))
        .count()
}

/// `1 carrier request (bulk, up to 100 products each)` or `4 carrier requests (one per product)`.
fn requests_text(run: &BatchRun) -> String {
    let n = run.requests;
    let noun = if n == 1 { "request" } else { "requests" };
    match run.bulk {
        Some(max) => format!("{n} carrier {noun} (bulk, up to {max} products each)"),
        None => format!("{n} carrier {noun} (one per product)"),
    }
}

fn document(run: &BatchRun, to: Status, waited: Option<&[Waited]>) -> serde_json::Value {
    let items = &run.items;
    let (mut done, mut accepted, mut failed, mut unchanged) = (0, 0, 0, 0);
    let (mut not_applied, mut unknown) = (0, 0);
    let entities: Vec<_> = items
        .iter()
        .map(|item| {
            let mut e = json!({
                "id": item.id.to_string(),
                "from": item.from.map(Status::as_str),
            });
            match &item.result {
                Ok(ChangeOutcome::Done { status }) if item.unchanged => {
                    unchanged += 1;
                    e["result"] = json!("unchanged");
                    e["status"] = json!(status.unwrap_or(to).as_str());
                }
                Ok(ChangeOutcome::Done { status }) => {
                    done += 1;
                    e["result"] = json!("done");
                    e["status"] = json!(status.unwrap_or(to).as_str());
                }
                Ok(ChangeOutcome::Pending(m)) => {
                    accepted += 1;
                    e["result"] = json!("accepted");
                    let last = waited
                        .and_then(|w| w.iter().find(|w| w.monitor().id == m.id))
                        .map(|w| {
                            e["outcome"] = json!(w.outcome());
                            w.monitor()
                        });
                    e["monitor"] = json::monitor(last.unwrap_or(m), "");
                }
                Err(err) => {
                    failed += 1;
                    e["result"] = json!(if journal::is_not_applied(err) {
                        not_applied += 1;
                        "notApplied"
                    } else if journal::is_unknown(err) {
                        unknown += 1;
                        "unknown"
                    } else {
                        "failed"
                    });
                    e["error"] = backend_problem(err);
                }
            }
            e
        })
        .collect();
    let mut statistics = json!({
        "totalCount": items.len(),
        "done": done,
        "accepted": accepted,
        "unchanged": unchanged,
        "failed": failed,
        "notApplied": not_applied,
        "unknown": unknown,
        "carrierRequests": run.requests,
        "bulkMaxItems": run.bulk,
    });
    if let Some(waited) = waited {
        let completed = waited.iter().filter(|w| w.completed()).count();
        let pending = waited
            .iter()
            .filter(|w| matches!(w, Waited::Pending(_)))
            .count();
        statistics["completed"] = json!(completed);
        statistics["notCompleted"] = json!(waited.len() - completed - pending);
        statistics["stillPending"] = json!(pending);
    }
    json!({"entities": entities, "statistics": statistics})
}

fn table(items: &[BatchItem], to: Status) -> String {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            let result = match &item.result {
                Ok(ChangeOutcome::Done { status }) if item.unchanged => {
                    format!("unchanged (already {})", status.unwrap_or(to))
                }
                Ok(ChangeOutcome::Done { status }) => {
                    format!("ok → {}", status.unwrap_or(to))
                }
                Ok(ChangeOutcome::Pending(m)) => format!("accepted: monitor {}", m.id),
                Err(e) if journal::is_not_applied(e) || journal::is_unknown(e) => e.to_string(),
                Err(e) => format!("error: {e}"),
            };
            vec![
                item.id.to_string(),
                item.from.map_or("-".into(), |s| s.to_string()),
                result,
            ]
        })
        .collect();
    text::table(&["ID", "FROM", "RESULT"], &rows)
}

fn exit_code(items: &[BatchItem]) -> i32 {
    let failures: Vec<_> = items
        .iter()
        .filter_map(|i| i.result.as_ref().err())
        .collect();
    if failures.is_empty() {
        exit::OK
    } else if failures.len() == items.len()
        && failures
            .iter()
            .all(|e| e.exit_code() == exit::NOT_SUPPORTED)
    {
        exit::NOT_SUPPORTED
    } else {
        exit::RUNTIME
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_files_skip_comments_and_name_the_bad_line() {
        let text = "# batch for the pier\n1NCE-8988303000000000016\n\n  TMSP-89490200001234567890 # spare\n";
        let ids = ids_from_text(text, "ids.txt").unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[1].to_string(), "TMSP-89490200001234567890");

        let bad = ids_from_text("1NCE-8988303000000000016\nnot-an-id\n", "ids.txt").unwrap_err();
        assert_eq!(bad.exit_code(), 2);
        assert!(bad.to_string().contains("ids.txt, line 2"), "{bad}");

        let twice =
            ids_from_text("1NCE-8988303000000000016\n1NCE-8988303000000000016\n", "f").unwrap_err();
        assert!(twice.to_string().contains("line 2"), "{twice}");
        assert!(ids_from_text("# nothing\n", "f").is_err());
    }

    #[test]
    fn id_lists_split_on_commas() {
        let ids = ids_from_list("1NCE-8988303000000000016, TMSP-89490200001234567890,").unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!(ids_from_list("1NCE-x").unwrap_err().exit_code(), 2);
    }
}
