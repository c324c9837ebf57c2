//! `batch status STATUS (--ids ID,ID… | --ids-file FILE)`: one status for many products of one
//! account, through `Gate::batch_status` (max batch size, one journal entry, monitors kept).
//! Ids are parsed before anything starts; ids of different accounts are refused by the engine
//! before any change is sent (exit 2, naming the accounts), and before confirmation is asked.
//!
//! Exit: 0 when every product changed (or was accepted), 3 when every one was refused as not
//! supported / not allowed, 1 when some failed.

use super::confirm::{self, Decision};
use super::error::{CliError, backend_problem, exit};
use super::{json, output, text};
use crate::backends::ChangeOutcome;
use crate::domain::capabilities::{self, Operation};
use crate::domain::{ProductId, Status};
use crate::engine::{BatchItem, Gate};
use crate::text::sanitize;
use serde_json::json;
use std::path::Path;

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
/// ignored; a bad id is reported with the file and line number.
pub fn ids_from_file(path: &Path) -> Result<Vec<ProductId>, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        let msg = format!("cannot read --ids-file {}: {e}", path.display());
        if e.kind() == std::io::ErrorKind::NotFound {
            CliError::Usage(msg)
        } else {
            CliError::Runtime(msg)
        }
    })?;
    ids_from_text(&text, &path.display().to_string())
}

pub fn ids_from_text(text: &str, origin: &str) -> Result<Vec<ProductId>, CliError> {
    let mut ids = Vec::new();
    let mut lines = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let id = super::run::product_id(content).map_err(|e| {
            CliError::Usage(format!(
                "{origin}, line {}: {}: {e}",
                n + 1,
                sanitize(content)
            ))
        })?;
        ids.push(id);
        lines.push(n + 1);
    }
    unique(ids, |i| format!("{origin}, line {}", lines[i]))
}

/// Refuse an id given twice (the second change would fail or repeat the first).
fn unique(
    ids: Vec<ProductId>,
    where_: impl Fn(usize) -> String,
) -> Result<Vec<ProductId>, CliError> {
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
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

pub async fn status(
    gate: &Gate,
    ids: &[ProductId],
    to: Status,
    yes: bool,
    as_json: bool,
) -> Result<i32, CliError> {
    let kind = ids[0].kind;
    let changeable = capabilities::supports(kind, Operation::ChangeSimStatus)
        || capabilities::supports(kind, Operation::ChangeTerminalStatus);
    // Ask only for a batch the gate and the engine would run: a refusal goes straight to
    // the gate, which journals the attempt and returns the reason.
    if !gate.is_read_only() && ids.len() <= gate.max_batch() && changeable {
        let account = gate.engine().batch_account(ids).await;
        if let Ok(account) = account {
            let question = format!(
                "Change {} product(s) of {} to {to}?",
                ids.len(),
                sanitize(&account)
            );
            if confirm::ask(yes, &question).await? == Decision::Declined {
                return Ok(confirm::declined());
            }
        }
    }
    let items = gate.batch_status(ids, to).await?;
    if as_json {
        output::json(&document(&items, to))?;
    } else {
        output::stdout(&table(&items, to))?;
    }
    Ok(exit_code(&items))
}

fn document(items: &[BatchItem], to: Status) -> serde_json::Value {
    let (mut done, mut accepted, mut failed) = (0, 0, 0);
    let entities: Vec<_> = items
        .iter()
        .map(|item| {
            let mut e = json!({
                "id": item.id.to_string(),
                "from": item.from.map(Status::as_str),
            });
            match &item.result {
                Ok(ChangeOutcome::Done { status }) => {
                    done += 1;
                    e["result"] = json!("done");
                    e["status"] = json!(status.unwrap_or(to).as_str());
                }
                Ok(ChangeOutcome::Pending(m)) => {
                    accepted += 1;
                    e["result"] = json!("accepted");
                    e["monitor"] = json::monitor(m, "");
                }
                Err(err) => {
                    failed += 1;
                    e["result"] = json!("failed");
                    e["error"] = backend_problem(err);
                }
            }
            e
        })
        .collect();
    json!({
        "entities": entities,
        "statistics": {"totalCount": items.len(), "done": done, "accepted": accepted, "failed": failed},
    })
}

fn table(items: &[BatchItem], to: Status) -> String {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            let result = match &item.result {
                Ok(ChangeOutcome::Done { status }) => {
                    format!("ok → {}", status.unwrap_or(to))
                }
                Ok(ChangeOutcome::Pending(m)) => format!("accepted: monitor {}", m.id),
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
