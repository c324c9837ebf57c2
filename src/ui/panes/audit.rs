//! The audit journal view: time (UTC), operator (and SSH client), action, product ids,
//! before → after and result, newest first, from the entry at `offset` on. All sanitized.
//! Changes whose outcome is unknown (interrupted write-ahead attempts, unreadable answers) are
//! highlighted; reconciled ones say `reconciled: …` in their result.

use crate::engine::AuditEntry;
use crate::text::sanitize;
use crate::ui::app::{App, Loadable};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Paragraph, Row, Table, Wrap};

const WIDTHS: [Constraint; 6] = [
    Constraint::Length(19),
    Constraint::Length(14),
    Constraint::Length(15),
    Constraint::Length(28),
    Constraint::Length(30),
    Constraint::Fill(1),
];

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let entries = match &app.audit.entries {
        Loadable::Ready(e) => Some(e),
        _ => None,
    };
    let title = match entries {
        Some(e) => format!(" Audit journal {} · newest first ", e.len()),
        None => " Audit journal ".to_string(),
    };
    let inner = super::pane(frame, area, title, theme);
    let entries = match &app.audit.entries {
        Loadable::Ready(e) if e.is_empty() => {
            let text = Span::styled("No change recorded yet.", theme.native);
            frame.render_widget(Paragraph::new(text), inner);
            return;
        }
        Loadable::Ready(e) => e,
        Loadable::Loading => {
            frame.render_widget(
                Paragraph::new(Span::styled("Loading…", theme.native)),
                inner,
            );
            return;
        }
        Loadable::Failed(e) => {
            let text = Span::styled(
                format!("The journal could not be read: {}", sanitize(e)),
                theme.message_error,
            );
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), inner);
            return;
        }
    };
    let height = usize::from(inner.height.saturating_sub(1)).max(1);
    let offset = app.audit.offset.min(entries.len().saturating_sub(1));
    let rows = entries[offset..(offset + height).min(entries.len())]
        .iter()
        .map(|e| {
            // An unknown outcome is what an operator must follow up: it stands out.
            match crate::engine::outcome_label(&e.result).as_deref() {
                Some("unknown") => row(e).style(theme.message_error),
                _ => row(e),
            }
        });
    let header = Row::new([
        "Time (UTC)",
        "Operator",
        "Action",
        "Products",
        "Before → after",
        "Result",
    ])
    .style(theme.table_header);
    let table = Table::new(rows, WIDTHS)
        .header(header)
        .column_spacing(1)
        .style(theme.value);
    frame.render_widget(table, inner);
}

fn row(e: &AuditEntry) -> Row<'static> {
    let operator = match &e.ssh_client {
        Some(ssh) => format!("{}@{ssh}", e.operator),
        None => e.operator.clone(),
    };
    let change = match (&e.before, &e.after) {
        (Some(b), Some(a)) => format!("{b} → {a}"),
        (Some(b), None) => format!("{b} → —"),
        (None, Some(a)) => format!("— → {a}"),
        (None, None) => String::new(),
    };
    Row::new([
        e.time.format("%Y-%m-%d %H:%M:%S").to_string(),
        sanitize(&operator),
        sanitize(&e.action),
        sanitize(&e.product_ids.join(", ")),
        sanitize(&change),
        sanitize(&e.result),
    ])
}
