//! Dialogs: the status-change menu (only the targets the capability table allows, for one
//! product or a batch), the confirmation of a mutation (focus starts on Cancel), the attribute
//! form (two text fields) and the report of a finished batch.

use super::centered;
use crate::domain::Status;
use crate::domain::capabilities::{UpdateMode, update_mode};
use crate::text::sanitize;
use crate::ui::app::{AttrForm, ConfirmFocus, FormField, FormMode, Overlay, Pending, Subject};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, overlay: &Overlay, theme: &Theme) {
    match overlay {
        Overlay::StatusMenu {
            subject,
            targets,
            selected,
        } => {
            let title = menu_title(subject);
            let mut lines = match subject {
                Subject::One { from, .. } => vec![Line::from(vec![
                    Span::styled("Current status  ", theme.label),
                    Span::styled(from.as_str(), theme.status(*from)),
                ])],
                Subject::Batch { .. } => vec![Line::from(Span::styled(
                    "Some marked products may move to:",
                    theme.label,
                ))],
            };
            lines.push(Line::from(Span::styled("Move to:", theme.label)));
            for (i, t) in targets.iter().enumerate() {
                let style = if i == *selected {
                    theme.selected
                } else {
                    theme.status(*t)
                };
                lines.push(Line::from(Span::styled(
                    format!("  {:<20}", t.as_str()),
                    style,
                )));
            }
            let (rect, _) = menu_geometry(area, subject, targets.len());
            boxed(frame, rect, &title, lines, rect.width, rect.height, theme);
        }
        Overlay::Confirm { pending, focus } => {
            let (title, mut lines) = confirm_text(pending, theme);
            lines.push(Line::default());
            lines.push(buttons(pending, *focus, theme));
            let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
            boxed(frame, area, title, lines, CONFIRM_WIDTH, height, theme);
        }
        Overlay::AttrForm(form) => draw_form(frame, area, form, theme),
        Overlay::TypedConfirm {
            pending,
            expected,
            typed,
        } => {
            let (title, mut lines) = confirm_text(pending, theme);
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                "This cannot be undone at the carrier.",
                theme.message_error,
            )));
            let what = match pending {
                Pending::Batch { .. } => "the number of products",
                _ => "the target status",
            };
            lines.push(Line::from(Span::styled(
                format!("Type {what} ({expected}) and press Enter; Esc cancels:"),
                theme.label,
            )));
            lines.push(Line::from(vec![
                Span::styled("> ", theme.footer_key),
                Span::styled(sanitize(typed), theme.filter),
            ]));
            let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
            boxed(frame, area, title, lines, 72, height, theme);
        }
        Overlay::Report {
            title,
            lines,
            scroll,
        } => {
            let height = u16::try_from(lines.len() + 3)
                .unwrap_or(u16::MAX)
                .min(area.height.saturating_sub(4))
                .max(5);
            let mut shown: Vec<Line> = lines
                .iter()
                .skip(*scroll)
                .map(|l| Line::from(Span::styled(l.clone(), theme.value)))
                .collect();
            shown.push(Line::from(Span::styled(
                "Enter or Esc closes",
                theme.native,
            )));
            boxed(frame, area, title, shown, 100, height, theme);
        }
        Overlay::Help { .. } | Overlay::Columns { .. } | Overlay::Messages { .. } => {}
    }
}

fn confirm_text<'a>(pending: &'a Pending, theme: &Theme) -> (&'static str, Vec<Line<'a>>) {
    match pending {
        Pending::Status { id, from, to } => {
            let mode = match update_mode(id.kind) {
                Some(UpdateMode::Async) => "The carrier applies it later; a monitor tracks it.",
                _ => "The carrier applies it at once.",
            };
            (
                " Confirm status change ",
                vec![
                    Line::from(vec![
                        Span::styled(format!("{id}: "), theme.value),
                        Span::styled(from.as_str(), theme.status(*from)),
                        Span::styled(" → ", theme.label),
                        Span::styled(to.as_str(), theme.status(*to)),
                    ]),
                    Line::from(Span::styled(mode, theme.native)),
                ],
            )
        }
        Pending::Batch {
            ids,
            to,
            unchanged,
            refused,
        } => {
            let mut lines = vec![
                Line::from(vec![
                    Span::styled(format!("{} will change to ", ids.len()), theme.value),
                    Span::styled(to.as_str(), theme.status(*to)),
                ]),
                Line::from(Span::styled(
                    format!(
                        "{} unchanged (already {}) · {} not allowed",
                        unchanged.len(),
                        to.as_str(),
                        refused.len()
                    ),
                    theme.native,
                )),
            ];
            // Which rows will not change and why (the first few; the report lists them all).
            for (id, why) in refused.iter().take(4) {
                lines.push(Line::from(Span::styled(
                    format!("  {id}: {}", sanitize(why)),
                    theme.native,
                )));
            }
            if refused.len() > 4 {
                lines.push(Line::from(Span::styled(
                    format!("  … and {} more", refused.len() - 4),
                    theme.native,
                )));
            }
            (" Confirm batch status change ", lines)
        }
        Pending::DeleteAttr { id, name } => (
            " Delete custom attribute ",
            vec![Line::from(Span::styled(
                format!("Delete {} from {id}?", sanitize(name)),
                theme.value,
            ))],
        ),
        Pending::CancelMonitor {
            monitor_id,
            request,
            ..
        } => (
            " Cancel carrier request ",
            vec![
                Line::from(Span::styled(
                    format!("Cancel {}?", sanitize(monitor_id)),
                    theme.value,
                )),
                Line::from(Span::styled(sanitize(request), theme.native)),
            ],
        ),
        Pending::Characteristic { id, change } => (
            " Confirm characteristics update ",
            vec![
                Line::from(Span::styled(
                    format!(
                        "{id}: {} → {}",
                        sanitize(&change.name),
                        sanitize(&change.value)
                    ),
                    theme.value,
                )),
                Line::from(Span::styled(
                    "The carrier may apply it later; a monitor then tracks it.",
                    theme.native,
                )),
            ],
        ),
        Pending::Quit { in_flight } => (
            " Quit ",
            vec![
                Line::from(Span::styled(
                    format!(
                        "{} in flight — quit anyway?",
                        crate::ui::runtime::changes(*in_flight)
                    ),
                    theme.value,
                )),
                Line::from(Span::styled(
                    format!(
                        "Quitting waits up to {} s for an answer; the audit journal (A) keeps the outcome.",
                        crate::ui::runtime::GRACE.as_secs()
                    ),
                    theme.native,
                )),
            ],
        ),
    }
}

/// The two buttons, saying what each does: "Cancel" alone would be ambiguous on a dialog that
/// cancels a carrier request, so there the safe button is "Keep it".
fn buttons(pending: &Pending, focus: ConfirmFocus, theme: &Theme) -> Line<'static> {
    let (back, act) = button_labels(pending);
    let button = |label: String, on: bool| {
        Span::styled(
            label,
            if on {
                theme.button_focused
            } else {
                theme.button
            },
        )
    };
    Line::from(vec![
        Span::raw(BUTTON_GAP),
        button(back.to_string(), focus == ConfirmFocus::Cancel),
        Span::raw(BUTTON_GAP),
        button(act, focus == ConfirmFocus::Confirm),
    ])
}

/// The blank before each button.
const BUTTON_GAP: &str = "   ";
/// The confirmation dialog's width (at most the screen's).
const CONFIRM_WIDTH: u16 = 72;

/// The labels of the confirmation's safe button and its action button.
fn button_labels(pending: &Pending) -> (&'static str, String) {
    match pending {
        Pending::Status { to, .. } => ("[ Cancel ]", format!("[ Change to {} ]", to.as_str())),
        Pending::Batch { ids, to, .. } => (
            "[ Cancel ]",
            format!("[ Change {} to {} ]", ids.len(), to.as_str()),
        ),
        Pending::DeleteAttr { .. } => ("[ Cancel ]", "[ Delete ]".to_string()),
        Pending::CancelMonitor { .. } => ("[ Keep it ]", "[ Cancel the request ]".to_string()),
        Pending::Characteristic { .. } => ("[ Cancel ]", "[ Update ]".to_string()),
        Pending::Quit { .. } => ("[ Keep running ]", "[ Quit anyway ]".to_string()),
    }
}

/// Where the confirmation of `pending` draws its two buttons on a screen of `area` — the same
/// geometry `draw` uses — as (safe button, action button); `None` when the dialog is cut so
/// short that the buttons are not on screen. For the mouse.
pub fn confirm_buttons(area: Rect, pending: &Pending) -> Option<(Rect, Rect)> {
    // Text lines, a blank line, the buttons; inside a border.
    let lines = confirm_text(pending, &Theme::default()).1.len() + 2;
    let height = u16::try_from(lines + 2).unwrap_or(u16::MAX);
    let rect = centered(area, CONFIRM_WIDTH, height);
    let row = rect.y + u16::try_from(lines).ok()?;
    if row >= rect.bottom().saturating_sub(1) {
        return None;
    }
    let inner_right = rect.right().saturating_sub(1);
    let (back, act) = button_labels(pending);
    let gap = u16::try_from(BUTTON_GAP.len()).unwrap_or(0);
    let at = |x: u16, label_width: usize| {
        let width = u16::try_from(label_width)
            .unwrap_or(u16::MAX)
            .min(inner_right.saturating_sub(x));
        Rect::new(x, row, width, 1)
    };
    let back_rect = at(rect.x + 1 + gap, back.chars().count());
    let act_rect = at(back_rect.x + back_rect.width + gap, act.chars().count());
    Some((back_rect, act_rect))
}

/// The status menu's item under screen cell (`x`, `y`) on a screen of `area`, for the mouse.
pub fn menu_item_at(
    area: Rect,
    subject: &Subject,
    targets: &[Status],
    x: u16,
    y: u16,
) -> Option<usize> {
    let (rect, first_item) = menu_geometry(area, subject, targets.len());
    let inside = x > rect.x && x + 1 < rect.right() && y + 1 < rect.bottom();
    let index = usize::from(y.checked_sub(first_item)?);
    (inside && index < targets.len()).then_some(index)
}

/// The status menu's box and the screen row of its first item.
fn menu_geometry(area: Rect, subject: &Subject, targets: usize) -> (Rect, u16) {
    let title = menu_title(subject);
    // One line about the subject, "Move to:", then the targets; inside a border.
    let height = u16::try_from(targets + 4).unwrap_or(u16::MAX);
    let width = u16::try_from(title.chars().count() + 4)
        .unwrap_or(u16::MAX)
        .max(44);
    let rect = centered(area, width, height);
    (rect, rect.y + 3)
}

fn menu_title(subject: &Subject) -> String {
    match subject {
        Subject::One { id, .. } => format!(" Change status · {id} "),
        Subject::Batch { ids } => format!(" Change status · {} marked products ", ids.len()),
    }
}

fn draw_form(frame: &mut Frame, area: Rect, form: &AttrForm, theme: &Theme) {
    let title = match &form.mode {
        FormMode::Add => format!(" Add attribute · {} ", form.product),
        FormMode::Edit { .. } => format!(" Edit attribute · {} ", form.product),
        FormMode::Rename { .. } => format!(" Rename attribute · {} ", form.product),
        FormMode::Characteristic => format!(" Update characteristic · {} ", form.product),
    };
    const LABEL: usize = 8;
    let field = |label: &'static str, f: FormField| {
        let input = match f {
            FormField::Name => &form.name,
            FormField::Value => &form.value,
        };
        let style = if !form.editable(f) {
            theme.native
        } else if form.field == f {
            theme.filter
        } else {
            theme.value
        };
        Line::from(vec![
            Span::styled(format!("{label:<LABEL$}"), theme.label),
            Span::styled(sanitize(input.value()), style),
        ])
    };
    let mut lines = vec![
        field("Name", FormField::Name),
        field("Value", FormField::Value),
    ];
    lines.push(match &form.error {
        Some(e) => Line::from(Span::styled(sanitize(e), theme.message_error)),
        None => Line::default(),
    });
    // Where Enter sends it: a CMO tenant keeps its products' attributes on its server.
    let saves = match (&form.mode, &form.stored_on) {
        (FormMode::Characteristic, _) => "Enter asks to confirm".to_string(),
        (_, Some(account)) => format!("Enter saves on {}", sanitize(account)),
        (_, None) => "Enter saves".to_string(),
    };
    lines.push(Line::from(Span::styled(
        format!("{saves} · Tab switches field · Esc cancels"),
        theme.native,
    )));
    let rect = centered(area, 72, 6);
    boxed(frame, area, &title, lines, 72, 6, theme);
    // The cursor sits in the focused field (inside the border, after the label).
    let input = match form.field {
        FormField::Name => &form.name,
        FormField::Value => &form.value,
    };
    let row = match form.field {
        FormField::Name => 1,
        FormField::Value => 2,
    };
    let x = rect.x + 1 + LABEL as u16 + u16::try_from(input.visual_cursor()).unwrap_or(0);
    frame.set_cursor_position(Position::new(
        x.min(rect.right().saturating_sub(2)),
        rect.y + row,
    ));
}

fn boxed(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    lines: Vec<Line<'_>>,
    width: u16,
    height: u16,
    theme: &Theme,
) {
    let rect = centered(area, width, height);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(title.to_string(), theme.pane_title))
        .style(theme.dialog);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// The message log: every message of the session, newest first, with its time and severity,
/// wrapped (never cut: a carrier's long error is read here in full).
pub fn draw_messages(
    frame: &mut Frame,
    area: Rect,
    app: &crate::ui::app::App,
    scroll: usize,
    theme: &Theme,
) {
    use crate::ui::app::MessageKind;
    use ratatui::widgets::Wrap;
    let mut lines: Vec<Line> = app
        .messages
        .log
        .iter()
        .rev()
        .map(|m| {
            let time =
                m.at.map(|t| {
                    t.with_timezone(&chrono::Local)
                        .format("%H:%M:%S")
                        .to_string()
                })
                .unwrap_or_else(|| "--:--:--".into());
            let style = match m.kind {
                MessageKind::Error => theme.message_error,
                MessageKind::Info | MessageKind::Success => theme.value,
            };
            Line::from(vec![
                Span::styled(format!("{time} {:<5} ", m.kind.label()), theme.native),
                Span::styled(m.full.clone(), style),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::from(Span::styled("No messages yet.", theme.native)));
    }
    let rect = centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    let title = format!(
        " Messages · {} · newest first · j/k scroll · Esc closes ",
        app.messages.log.len()
    );
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(title, theme.pane_title))
        .style(theme.dialog);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        rect,
    );
}

/// The column picker (`:columns`): each column with `[x]` when shown; the ID always is.
pub fn draw_columns(
    frame: &mut Frame,
    area: Rect,
    app: &crate::ui::app::App,
    selected: usize,
    theme: &Theme,
) {
    use crate::ui::columns::{PICKABLE, label};
    let mut lines = vec![Line::from(Span::styled(
        "  [x] ID (always shown)",
        theme.native,
    ))];
    for (i, col) in PICKABLE.iter().enumerate() {
        let mark = if app.hidden_columns.contains(col) {
            " "
        } else {
            "x"
        };
        let style = if i == selected {
            theme.selected
        } else {
            theme.value
        };
        // The pointer marks the row in every theme, mono included.
        let pointer = if i == selected { "›" } else { " " };
        lines.push(Line::from(Span::styled(
            format!("{pointer} [{mark}] {}", label(*col)),
            style,
        )));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "Space shows or hides · :wide keeps every column",
        theme.native,
    )));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    boxed(frame, area, " Columns ", lines, 52, height, theme);
}

#[cfg(test)]
mod tests {
    use super::buttons;
    use crate::domain::{BackendKind, ProductId, Status};
    use crate::ui::app::{ConfirmFocus, Pending};
    use crate::ui::theme::Theme;

    fn text(pending: &Pending) -> String {
        let line = buttons(pending, ConfirmFocus::Cancel, &Theme::default());
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn buttons_say_what_they_do() {
        let cancel = Pending::CancelMonitor {
            monitor_id: "TMSP-REQ1".into(),
            kind: BackendKind::Tmsp,
            request: "status CREATED → ACTIVE".into(),
        };
        assert_eq!(text(&cancel).trim(), "[ Keep it ]   [ Cancel the request ]");
        let status = Pending::Status {
            id: ProductId::new(BackendKind::OneNce, "8988228066000000001"),
            from: Status::Active,
            to: Status::Suspended,
        };
        assert_eq!(text(&status).trim(), "[ Cancel ]   [ Change to SUSPENDED ]");
    }
}
