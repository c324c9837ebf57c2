//! Batches from the console: Space marks rows, `S` offers the targets every marked product may
//! move to, and after a confirmation focused on Cancel the gate changes them all (it refuses a
//! batch across accounts or over `max_batch_size` with its own message). The outcome is
//! summarized on the status line and listed per product in a report.

use crate::domain::query::Fields as _;
use crate::domain::{ProductId, Status};
use crate::ui::app::{App, Overlay, Subject};
use crate::ui::apply::{allowed_targets, read_only_refusal};
use crate::ui::effect::Effect;
use crate::ui::flows::monitors::after_change;
use crate::ui::msg::{BatchCost, BatchLine, MsgResult};

/// Mark or unmark the selected row, then move down so Space can sweep a run of rows.
pub fn toggle_mark(app: &mut App) {
    let Some(id) = app.selected_row().map(|r| r.id()) else {
        return;
    };
    if !app.marks.remove(&id) {
        app.marks.insert(id);
    }
    app.selected = (app.selected + 1).min(app.visible.len().saturating_sub(1));
    app.selection_moved = true;
    app.scroll_to_selection();
}

/// The marked products in list order (stable, whatever order they were marked in).
pub fn marked_ids(app: &App) -> Vec<ProductId> {
    app.rows
        .iter()
        .filter(|r| app.marks.contains(&r.id()))
        .map(|r| r.id())
        .collect()
}

pub fn open_menu(app: &mut App) -> Vec<Effect> {
    if app.read_only {
        app.set_error(&read_only_refusal("batch status change"));
        return Vec::new();
    }
    let ids = marked_ids(app);
    if ids.is_empty() {
        app.set_info("no product marked: Space marks the selected row");
        return Vec::new();
    }
    // One account per batch (the engine refuses otherwise): say so before offering targets.
    let mut accounts: Vec<&str> = ids
        .iter()
        .filter_map(|id| app.row(id))
        .map(|r| r.account())
        .collect();
    accounts.sort_unstable();
    accounts.dedup();
    if accounts.len() > 1 {
        let names = accounts
            .iter()
            .map(|a| crate::text::sanitize(a))
            .collect::<Vec<_>>()
            .join(", ");
        app.set_error(&format!(
            "a batch must stay within one backend account; the marks span {names} (Space unmarks)"
        ));
        return Vec::new();
    }
    // Every target at least one marked product may move to; the confirmation then says which
    // rows will change, which already are there, and which cannot move and why.
    let mut targets: Vec<Status> = Vec::new();
    for id in &ids {
        let Some(row) = app.row(id) else { continue };
        for t in allowed_targets(id, row.status(), row.connectivity()) {
            if !targets.contains(&t) {
                targets.push(t);
            }
        }
    }
    targets.sort_by_key(|t| crate::ui::view::status_slot(*t));
    if targets.is_empty() {
        let stuck: Vec<String> = ids
            .iter()
            .filter_map(|id| app.row(id))
            .take(5)
            .map(|r| format!("{} ({})", r.id(), r.status()))
            .collect();
        app.set_error(&format!(
            "no status change is allowed for any of the {} marked products: {}{}",
            ids.len(),
            stuck.join(", "),
            if ids.len() > 5 { ", …" } else { "" }
        ));
        return Vec::new();
    }
    app.overlays.push(Overlay::StatusMenu {
        subject: Subject::Batch { ids },
        targets,
        selected: 0,
    });
    Vec::new()
}

/// What a batch to `to` does to each marked product: sent, unchanged (already there), or
/// refused with the reason (the transition table, or the platform cannot change status).
pub fn plan(app: &App, ids: &[ProductId], to: Status) -> crate::ui::app::Pending {
    let (mut send, mut unchanged, mut refused) = (Vec::new(), Vec::new(), Vec::new());
    for id in ids {
        let Some(row) = app.row(id) else {
            refused.push((id.clone(), "no longer listed".to_string()));
            continue;
        };
        let from = row.status();
        if from == to {
            unchanged.push(id.clone());
        } else if allowed_targets(id, from, row.connectivity()).contains(&to) {
            send.push(id.clone());
        } else {
            refused.push((id.clone(), format!("{} allows no {from} → {to}", id.kind)));
        }
    }
    crate::ui::app::Pending::Batch {
        ids: send,
        to,
        unchanged,
        refused,
    }
}

/// `V`: mark every row the query shows (marks hidden by the query stay).
pub fn mark_all_visible(app: &mut App) {
    let ids: Vec<ProductId> = app.visible.iter().map(|&i| app.rows[i].id()).collect();
    app.marks.extend(ids);
    app.set_info(&format!("{} marked", app.marks.len()));
}

/// `*`: invert the marks of the rows shown.
pub fn invert_visible(app: &mut App) {
    let ids: Vec<ProductId> = app.visible.iter().map(|&i| app.rows[i].id()).collect();
    for id in ids {
        if !app.marks.remove(&id) {
            app.marks.insert(id);
        }
    }
    app.set_info(&format!("{} marked", app.marks.len()));
}

/// `U`: unmark everything, shown or not.
pub fn clear_marks(app: &mut App) {
    let n = app.marks.len();
    app.marks.clear();
    app.set_info(&format!("{n} unmarked"));
}

/// Marked products the query hides (the title counts them, so no mark is ever invisible).
pub fn hidden_marks(app: &App) -> usize {
    if app.marks.is_empty() {
        return 0;
    }
    // O(marks), not O(rows shown): a mark is shown when its row passes the query.
    app.marks
        .iter()
        .filter(|id| app.row(id).is_none_or(|r| !app.filter.query.matches(r)))
        .count()
}

/// `1 carrier request (bulk, up to 100 products each)`: what the batch cost at the carrier.
pub fn cost_text(cost: BatchCost) -> String {
    let n = cost.requests;
    let noun = if n == 1 { "request" } else { "requests" };
    match cost.bulk {
        Some(max) => format!("{n} carrier {noun} (bulk, up to {max} products each)"),
        None => format!("{n} carrier {noun}"),
    }
}

/// The batch's outcome: a summary on the status line, the per-product report, the marks
/// cleared, and the rows of changed products re-read. A bulk batch's products that never showed
/// the target (`not applied`) or could not be re-read (`outcome unknown`) count as failed and
/// say which they are.
pub fn on_done(
    app: &mut App,
    to: Status,
    result: MsgResult<Vec<BatchLine>>,
    cost: BatchCost,
) -> Vec<Effect> {
    app.end_work("batch");
    let (unchanged, refused) = app.batch_plan.take().unwrap_or_default();
    let lines = match result {
        Ok(lines) => lines,
        Err(e) => {
            app.set_error(&format!("batch → {to} refused: {e}"));
            return Vec::new();
        }
    };
    let done = lines
        .iter()
        .filter(|l| matches!(l.result, Ok(None)))
        .count();
    let accepted = lines
        .iter()
        .filter(|l| matches!(l.result, Ok(Some(_))))
        .count();
    let failed: Vec<ProductId> = lines
        .iter()
        .filter(|l| l.result.is_err())
        .map(|l| l.id.clone())
        .collect();
    let changed = done + accepted;
    let mut summary = format!(
        "batch → {to}: {changed} changed ({done} done, {accepted} accepted by monitors), {} unchanged, {} failed",
        unchanged.len(),
        failed.len()
    );
    if !refused.is_empty() {
        summary.push_str(&format!(", {} not allowed", refused.len()));
    }
    summary.push_str(&format!("; {}", cost_text(cost)));
    if failed.is_empty() {
        app.set_success(&summary);
    } else {
        app.set_error(&format!("{summary} (r in the report retries the failed)"));
    }
    let mut report: Vec<String> = lines
        .iter()
        .map(|l| {
            let from = l.from.map(|s| s.as_str()).unwrap_or("?");
            let outcome = match &l.result {
                Ok(None) => "done".to_string(),
                Ok(Some(monitor)) => format!("accepted, monitor {monitor}"),
                Err(e) if e.contains(crate::engine::gate::journal::NOT_APPLIED) => {
                    format!("NOT APPLIED: {e}")
                }
                Err(e) if e.contains(crate::engine::OUTCOME_UNKNOWN) => {
                    format!("UNKNOWN: {e}")
                }
                Err(e) => format!("FAILED: {e}"),
            };
            crate::ui::app::one_line(&format!("{}  {from} → {to}  {outcome}", l.id))
        })
        .collect();
    report.extend(
        unchanged
            .iter()
            .map(|id| format!("{id}  unchanged: already {to}")),
    );
    report.extend(
        refused
            .iter()
            .map(|(id, why)| crate::ui::app::one_line(&format!("{id}  not sent: {why}"))),
    );
    if !failed.is_empty() {
        report.push(format!("r retries the {} failed, Esc closes", failed.len()));
    }
    app.overlays.push(Overlay::Report {
        title: format!(
            " Batch → {to}: {changed} changed, {} unchanged, {} failed — {} ",
            unchanged.len(),
            failed.len(),
            cost_text(cost)
        ),
        lines: report,
        scroll: 0,
    });
    app.batch_failed = (!failed.is_empty()).then_some((failed, to));
    app.marks.clear();
    app.dirty = true;
    lines
        .into_iter()
        .filter(|l| matches!(l.result, Ok(None)))
        .flat_map(|l| after_change(app, l.id))
        .collect()
}

/// `r` in a batch report: confirm again for the failed products only.
pub fn retry_failed(app: &mut App) -> Vec<Effect> {
    let Some((failed, to)) = app.batch_failed.take() else {
        app.set_info("nothing to retry: no product of the last batch failed");
        return Vec::new();
    };
    app.overlays.pop();
    let pending = plan(app, &failed, to);
    crate::ui::apply::ask_confirmation(app, pending);
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cost_says_how_many_requests_and_whether_they_were_lists() {
        let bulk = BatchCost {
            requests: 1,
            bulk: Some(100),
        };
        assert_eq!(
            cost_text(bulk),
            "1 carrier request (bulk, up to 100 products each)"
        );
        let single = BatchCost {
            requests: 4,
            bulk: None,
        };
        assert_eq!(cost_text(single), "4 carrier requests");
    }
}
