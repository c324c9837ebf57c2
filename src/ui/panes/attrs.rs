//! The custom attributes of the open product, in the lower part of the detail pane: name and
//! value (sanitized), the selected one highlighted, and the keys that change them.

use crate::text::sanitize;
use crate::ui::app::{DetailState, Loadable};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState, Wrap};

/// Rows the section takes (its title line included) for `detail`: at most 10.
pub fn height(detail: &DetailState) -> u16 {
    // The title line, then: one line of "none" or "Loading…", two for an error that may
    // wrap, or the table's header and its rows (at most 8 in view; the rest scroll). No blank
    // lines: at 80×24 every line given here is taken from the product's fields.
    let lines = match &detail.attrs {
        Loadable::Ready(list) if list.is_empty() => 1,
        Loadable::Ready(list) => list.len() + 1,
        Loadable::Loading => 1,
        Loadable::Failed(_) => 2,
    };
    u16::try_from(lines + 1).unwrap_or(u16::MAX).min(10)
}

pub fn draw(frame: &mut Frame, area: Rect, detail: &DetailState, theme: &Theme) {
    let count = match &detail.attrs {
        Loadable::Ready(list) => format!(" {}", list.len()),
        _ => String::new(),
    };
    // Where an edit goes: a CMO tenant stores its products' attributes itself.
    let home = match &detail.attrs_stored_on {
        Some(account) => format!(" on {}", sanitize(account)),
        None => String::new(),
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(
            format!(" Custom attributes{count}{home} · a add · e edit · R rename · d delete "),
            theme.pane_title,
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let list = match &detail.attrs {
        Loadable::Ready(list) => list,
        Loadable::Loading => {
            frame.render_widget(
                Paragraph::new(Span::styled("Loading…", theme.native)),
                inner,
            );
            return;
        }
        Loadable::Failed(e) => {
            let text = Span::styled(
                format!("Attributes unavailable: {}", sanitize(e)),
                theme.message_error,
            );
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), inner);
            return;
        }
    };
    if list.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(
                "No custom attributes. a adds one.",
                theme.native,
            )),
            inner,
        );
        return;
    }
    let height = usize::from(inner.height.saturating_sub(1)).max(1);
    let selected = detail.attr_selected.min(list.len() - 1);
    let offset = (selected + 1).saturating_sub(height);
    let rows = list[offset..(offset + height).min(list.len())]
        .iter()
        .map(|a| Row::new([sanitize(&a.name), sanitize(&a.value)]).style(theme.value));
    let table = Table::new(rows, [Constraint::Length(24), Constraint::Fill(1)])
        .header(Row::new(["Name", "Value"]).style(theme.table_header))
        .column_spacing(1)
        .row_highlight_style(theme.selected);
    let mut state = TableState::default().with_selected(Some(selected - offset));
    frame.render_stateful_widget(table, inner, &mut state);
}
