//! Product list: a table of ID, account, status (normalized, and the carrier's word dimmed),
//! ICCID or serial, IMSI, MSISDN or terminal name. Only the rows on screen are built, so a frame
//! costs the same at a thousand and at a million products.

use crate::domain::ProductSummary;
use crate::text::sanitize;
use crate::ui::app::{App, Row as AppRow};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

/// One column of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Mark,
    Id,
    Account,
    Status,
    Business,
    Imsi,
    Reach,
}

impl Col {
    fn header(self) -> &'static str {
        match self {
            Col::Mark => "",
            Col::Id => "ID",
            Col::Account => "Account",
            Col::Status => "Status",
            Col::Business => "ICCID / serial",
            Col::Imsi => "IMSI",
            Col::Reach => "MSISDN / terminal",
        }
    }

    /// Fixed width; the ID and account columns are as wide as the rows on screen need.
    fn width(self, id: u16, account: u16) -> u16 {
        match self {
            Col::Mark => 1,
            Col::Id => id,
            Col::Account => account,
            Col::Status => 26,
            Col::Business => 20,
            Col::Imsi => 15,
            Col::Reach => 17,
        }
    }
}

/// Column sets from the widest terminal to the narrowest; the last column takes what is left
/// (at least `MIN_LAST`). The ID is never cut — it is what an operator searches, copies and
/// acts on — so narrower terminals drop columns instead: first ICCID / serial (already in the
/// ID), then IMSI, then MSISDN / terminal, then the account.
const LAYOUTS: [&[Col]; 5] = [
    &[
        Col::Mark,
        Col::Id,
        Col::Account,
        Col::Status,
        Col::Business,
        Col::Imsi,
        Col::Reach,
    ],
    &[
        Col::Mark,
        Col::Id,
        Col::Account,
        Col::Status,
        Col::Imsi,
        Col::Reach,
    ],
    &[Col::Mark, Col::Id, Col::Account, Col::Status, Col::Reach],
    &[Col::Mark, Col::Id, Col::Account, Col::Status],
    &[Col::Mark, Col::Id, Col::Status],
];

const MIN_LAST: u16 = 13;

/// The widest layout that fits `available` columns, with its constraints.
fn layout(available: u16, id: u16, account: u16) -> (&'static [Col], Vec<Constraint>) {
    let fits = |cols: &[Col]| {
        let fixed: u16 = cols[..cols.len() - 1]
            .iter()
            .map(|c| c.width(id, account))
            .sum();
        let spacing = u16::try_from(cols.len() - 1).unwrap_or(u16::MAX);
        fixed.saturating_add(spacing).saturating_add(MIN_LAST) <= available
    };
    let cols = LAYOUTS
        .iter()
        .copied()
        .find(|cols| fits(cols))
        .unwrap_or(LAYOUTS[LAYOUTS.len() - 1]);
    let mut constraints: Vec<Constraint> = cols
        .iter()
        .map(|c| Constraint::Length(c.width(id, account)))
        .collect();
    if let Some(last) = constraints.last_mut() {
        *last = Constraint::Fill(1);
    }
    (cols, constraints)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let (total, shown) = app.counts();
    let marked = match app.marks.len() {
        0 => String::new(),
        n => format!("· {n} marked (S changes them) "),
    };
    let title = if app.filter.applied.is_empty() {
        format!(" Products {shown} {marked}")
    } else {
        format!(" Products {shown}/{total} {marked}")
    };
    let inner = super::pane(frame, area, title, theme);
    if app.visible.is_empty() {
        let text = if total > 0 {
            format!("No product matches “{}”.", app.filter.input.value())
        } else if app
            .backends
            .iter()
            .any(|b| b.list == crate::ui::app::ListState::Loading)
        {
            "Loading products…".to_string()
        } else {
            "No products.".to_string()
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.native)), inner);
        return;
    }
    let height = usize::from(inner.height.saturating_sub(1)).max(1);
    let offset = window_start(app.offset, app.selected, height, app.visible.len());
    let shown = &app.visible[offset..(offset + height).min(app.visible.len())];
    let widest = |f: &dyn Fn(&ProductSummary) -> usize, min: usize, max: usize| {
        let w = shown
            .iter()
            .map(|&i| f(&app.rows[i].summary))
            .max()
            .unwrap_or(0);
        u16::try_from(w.clamp(min, max)).unwrap_or(u16::MAX)
    };
    let id_width = widest(&|s| s.id.to_string().chars().count(), 2, 32);
    let account_width = widest(&|s| s.related_party.name.chars().count(), 7, 16);
    let (cols, widths) = layout(inner.width, id_width, account_width);
    let rows = shown
        .iter()
        .map(|&i| table_row(&app.rows[i], cols, app, theme));
    let header = Row::new(cols.iter().map(|c| c.header())).style(theme.table_header);
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selected);
    let mut state = TableState::default().with_selected(Some(app.selected - offset));
    frame.render_stateful_widget(table, inner, &mut state);
}

/// The first visible position: the stored offset, moved just enough to show the selection.
fn window_start(offset: usize, selected: usize, height: usize, len: usize) -> usize {
    let start = if selected < offset {
        selected
    } else if selected >= offset + height {
        selected + 1 - height
    } else {
        offset
    };
    start.min(len.saturating_sub(height))
}

fn table_row<'a>(row: &'a AppRow, cols: &[Col], app: &App, theme: &Theme) -> Row<'a> {
    let s: &ProductSummary = &row.summary;
    let opt = |v: &Option<String>| v.as_deref().map(sanitize).unwrap_or_default();
    let normalized = s.status.status.as_str();
    let mut status = Line::from(Span::styled(normalized, theme.status(s.status.status)));
    // The carrier's word, dimmed, when it says more than the normalized name.
    if !s.status.native.eq_ignore_ascii_case(normalized) {
        status.push_span(Span::styled(
            format!(" {}", sanitize(&s.status.native)),
            theme.native,
        ));
    }
    let business = s.iccid.as_ref().or(s.serial.as_ref());
    let reach = s.msisdn.as_ref().or(s.terminal_name.as_ref());
    let cells = cols.iter().map(|col| match col {
        // `*` marks a product for a batch; `~` a cached row the listing has not confirmed.
        Col::Mark => Cell::from(if app.marks.contains(&s.id) {
            "*"
        } else if row.confirmed {
            " "
        } else {
            "~"
        }),
        Col::Id => Cell::from(s.id.to_string()),
        Col::Account => Cell::from(sanitize(&s.related_party.name)),
        Col::Status => Cell::from(status.clone()),
        Col::Business => Cell::from(business.map(|v| sanitize(v)).unwrap_or_default()),
        Col::Imsi => Cell::from(opt(&s.imsi)),
        Col::Reach => Cell::from(reach.map(|v| sanitize(v)).unwrap_or_default()),
    });
    let r = Row::new(cells);
    if row.confirmed {
        r
    } else {
        r.style(theme.unconfirmed)
    }
}

#[cfg(test)]
mod tests {
    use super::{Col, layout, window_start};
    use ratatui::layout::Constraint;

    #[test]
    fn narrow_terminals_drop_columns_but_never_cut_the_id() {
        let cols = |available| layout(available, 26, 11).0.to_vec();
        assert_eq!(cols(118).len(), 7, "120 columns show everything");
        assert!(!cols(98).contains(&Col::Business), "the ICCID is in the ID");
        assert_eq!(cols(78), [Col::Mark, Col::Id, Col::Account, Col::Status]);
        assert_eq!(cols(40), [Col::Mark, Col::Id, Col::Status]);
        for available in [20, 40, 60, 78, 100, 118, 200] {
            let (cols, widths) = layout(available, 26, 11);
            let id = cols.iter().position(|c| *c == Col::Id).unwrap();
            assert_eq!(widths[id], Constraint::Length(26));
        }
    }

    #[test]
    fn window_follows_the_selection() {
        assert_eq!(window_start(0, 5, 10, 100), 0);
        assert_eq!(window_start(0, 15, 10, 100), 6);
        assert_eq!(window_start(20, 15, 10, 100), 15);
        assert_eq!(window_start(95, 99, 10, 100), 90);
        assert_eq!(window_start(0, 2, 10, 3), 0);
    }
}
