//! Batches from the console: Space marks rows, `S` offers the targets every marked product may
//! move to, and after a confirmation focused on Cancel the gate changes them all (it refuses a
//! batch across accounts or over `max_batch_size` with its own message). The outcome is
//! summarized on the status line and listed per product in a report.

use crate::domain::{ProductId, Status};
use crate::ui::app::{App, Overlay, Subject};
use crate::ui::apply::{allowed_targets, read_only_refusal};
use crate::ui::effect::Effect;
use crate::ui::flows::monitors::after_change;
use crate::ui::msg::{BatchLine, MsgResult};

/// Mark or unmark the selected row, then move down so Space can sweep a run of rows.
pub fn toggle_mark(app: &mut App) {
    let Some(id) = app.selected_row().map(|r| r.summary.id.clone()) else {
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
        .filter(|r| app.marks.contains(&r.summary.id))
        .map(|r| r.summary.id.clone())
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
        .map(|r| r.summary.related_party.name.as_str())
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
    // Only targets every marked product may move to from where it stands.
    let mut targets: Option<Vec<Status>> = None;
    for id in &ids {
        let Some(row) = app.row(id) else { continue };
        let allowed = allowed_targets(id, row.summary.status.status, row.summary.connectivity);
        targets = Some(match targets {
            None => allowed,
            Some(t) => t.into_iter().filter(|s| allowed.contains(s)).collect(),
        });
    }
    let targets = targets.unwrap_or_default();
    if targets.is_empty() {
        app.set_info(&format!(
            "no status change is allowed for all {} marked products",
            ids.len()
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

/// The batch's outcome: a summary on the status line, the per-product report, the marks
/// cleared, and the rows of changed products re-read.
pub fn on_done(app: &mut App, to: Status, result: MsgResult<Vec<BatchLine>>) -> Vec<Effect> {
    app.end_work("batch");
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
    let failed = lines.len() - done - accepted;
    let summary =
        format!("batch → {to}: {done} done, {accepted} accepted (monitors), {failed} failed");
    if failed > 0 {
        app.set_error(&summary);
    } else {
        app.set_success(&summary);
    }
    let report = lines
        .iter()
        .map(|l| {
            let from = l.from.map(|s| s.as_str()).unwrap_or("?");
            let outcome = match &l.result {
                Ok(None) => "done".to_string(),
                Ok(Some(monitor)) => format!("accepted, monitor {monitor}"),
                Err(e) => format!("failed: {e}"),
            };
            crate::ui::app::one_line(&format!("{}  {from} → {to}  {outcome}", l.id))
        })
        .collect();
    app.overlays.push(Overlay::Report {
        title: format!(" Batch → {to} "),
        lines: report,
        scroll: 0,
    });
    app.marks.clear();
    app.dirty = true;
    lines
        .into_iter()
        .filter(|l| matches!(l.result, Ok(None)))
        .flat_map(|l| after_change(app, l.id))
        .collect()
}
