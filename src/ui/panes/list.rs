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
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

const WIDTHS: [Constraint; 7] = [
    Constraint::Length(1),
    Constraint::Length(29),
    Constraint::Length(11),
    Constraint::Length(28),
    Constraint::Length(20),
    Constraint::Length(15),
    Constraint::Fill(1),
];

const HEADER: [&str; 7] = [
    "",
    "ID",
    "Account",
    "Status",
    "ICCID / serial",
    "IMSI",
    "MSISDN / terminal",
];

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
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(title, theme.pane_title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
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
    let rows = app.visible[offset..(offset + height).min(app.visible.len())]
        .iter()
        .map(|&i| table_row(&app.rows[i], app, theme));
    let header = Row::new(HEADER).style(theme.table_header);
    let table = Table::new(rows, WIDTHS)
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

fn table_row<'a>(row: &'a AppRow, app: &App, theme: &Theme) -> Row<'a> {
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
    let cells = [
        // `*` marks a product for a batch; `~` a cached row the listing has not confirmed.
        Cell::from(if app.marks.contains(&s.id) {
            "*"
        } else if row.confirmed {
            " "
        } else {
            "~"
        }),
        Cell::from(s.id.to_string()),
        Cell::from(sanitize(&s.related_party.name)),
        Cell::from(status),
        Cell::from(business.map(|v| sanitize(v)).unwrap_or_default()),
        Cell::from(opt(&s.imsi)),
        Cell::from(reach.map(|v| sanitize(v)).unwrap_or_default()),
    ];
    let r = Row::new(cells);
    if row.confirmed {
        r
    } else {
        r.style(theme.unconfirmed)
    }
}

#[cfg(test)]
mod tests {
    use super::window_start;

    #[test]
    fn window_follows_the_selection() {
        assert_eq!(window_start(0, 5, 10, 100), 0);
        assert_eq!(window_start(0, 15, 10, 100), 6);
        assert_eq!(window_start(20, 15, 10, 100), 15);
        assert_eq!(window_start(95, 99, 10, 100), 90);
        assert_eq!(window_start(0, 2, 10, 3), 0);
    }
}
