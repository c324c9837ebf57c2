//! The list's columns as the user chooses them: the sort column cycle (`o`), and the column
//! picker (`:columns`) that hides or shows each column but the ID (what an operator searches,
//! copies and acts on is never hidden).

use super::action::Action;
use crate::domain::query::SortColumn;
use std::collections::HashSet;

/// Columns the picker offers, in list order.
pub const PICKABLE: [SortColumn; 5] = [
    SortColumn::Account,
    SortColumn::Status,
    SortColumn::Business,
    SortColumn::Imsi,
    SortColumn::Reach,
];

/// The column after `current` in the sort cycle (list order, wrapping).
pub fn next_sort_column(current: SortColumn) -> SortColumn {
    let all = SortColumn::ALL;
    let at = all.iter().position(|c| *c == current).unwrap_or(0);
    all[(at + 1) % all.len()]
}

/// How the picker and the list header name a column.
pub fn label(col: SortColumn) -> &'static str {
    match col {
        SortColumn::Id => "ID",
        SortColumn::Account => "Account",
        SortColumn::Status => "Status",
        SortColumn::Business => "ICCID / serial",
        SortColumn::Imsi => "IMSI",
        SortColumn::Reach => "MSISDN / terminal",
    }
}

/// Keys in the picker: move, and show or hide the highlighted column.
pub fn apply_picker(selected: &mut usize, hidden: &mut HashSet<SortColumn>, action: Action) {
    let last = PICKABLE.len() - 1;
    match action {
        Action::Up => *selected = selected.saturating_sub(1),
        Action::Down => *selected = (*selected + 1).min(last),
        Action::ToggleColumn | Action::Open | Action::ToggleMark => {
            let col = PICKABLE[(*selected).min(last)];
            if !hidden.remove(&col) {
                hidden.insert(col);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sort_cycle_visits_every_column_and_wraps() {
        let mut c = SortColumn::Id;
        let mut seen = Vec::new();
        for _ in 0..SortColumn::ALL.len() {
            seen.push(c);
            c = next_sort_column(c);
        }
        assert_eq!(c, SortColumn::Id);
        assert_eq!(seen.len(), SortColumn::ALL.len());
    }

    #[test]
    fn the_picker_toggles_the_highlighted_column() {
        let (mut selected, mut hidden) = (0, HashSet::new());
        apply_picker(&mut selected, &mut hidden, Action::Down);
        apply_picker(&mut selected, &mut hidden, Action::ToggleColumn);
        assert!(hidden.contains(&SortColumn::Status));
        apply_picker(&mut selected, &mut hidden, Action::ToggleColumn);
        assert!(hidden.is_empty());
        for _ in 0..10 {
            apply_picker(&mut selected, &mut hidden, Action::Down);
        }
        assert_eq!(selected, PICKABLE.len() - 1);
    }
}
