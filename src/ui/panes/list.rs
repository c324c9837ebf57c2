//! Product list: a table of ID, account, status (normalized, and the carrier's word dimmed),
//! ICCID or serial, IMSI, MSISDN or terminal name. Only the rows on screen are built, so a frame
//! costs the same at a thousand and at a million products.

use crate::domain::mapping::native_rows;
use crate::domain::query::Fields;
use crate::domain::query::SortColumn;
use crate::domain::{BackendKind, Status};
use crate::text::sanitize;
use crate::ui::app::{App, Row as AppRow};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use std::collections::HashSet;

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
    /// Custom attributes, `name=value, …` (wide mode).
    Attrs,
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
            Col::Attrs => "Attributes",
        }
    }

    /// Fixed width, from the kind of data (see [`Widths`]).
    fn width(self, w: Widths) -> u16 {
        match self {
            Col::Mark => 1,
            Col::Id => w.id,
            Col::Account => w.account,
            Col::Status => w.status,
            Col::Business => 22,
            Col::Imsi => 15,
            Col::Reach => 17,
            Col::Attrs => 24,
        }
    }

    /// The sort this column's header shows an arrow for.
    fn sort_column(self) -> Option<SortColumn> {
        Some(match self {
            Col::Mark | Col::Attrs => return None,
            Col::Id => SortColumn::Id,
            Col::Account => SortColumn::Account,
            Col::Status => SortColumn::Status,
            Col::Business => SortColumn::Business,
            Col::Imsi => SortColumn::Imsi,
            Col::Reach => SortColumn::Reach,
        })
    }
}

/// Every column in list order; narrower terminals drop them in `DROP_ORDER`. The ID is never
/// dropped — it is what an operator searches, copies and acts on — so first ICCID / serial
/// (already in the ID) goes, then IMSI, then MSISDN / terminal, then the account. In wide mode
/// nothing is dropped and the attributes join at the end.
const ALL_COLS: [Col; 8] = [
    Col::Mark,
    Col::Id,
    Col::Account,
    Col::Status,
    Col::Business,
    Col::Imsi,
    Col::Reach,
    Col::Attrs,
];
const DROP_ORDER: [Col; 4] = [Col::Business, Col::Imsi, Col::Reach, Col::Account];

const MIN_LAST: u16 = 13;

/// The columns shown at `available` width (the last one takes what is left, at least
/// `MIN_LAST`), with their constraints.
fn layout(
    available: u16,
    w: Widths,
    hidden: &HashSet<SortColumn>,
    wide: bool,
) -> (Vec<Col>, Vec<Constraint>) {
    let mut cols: Vec<Col> = ALL_COLS
        .iter()
        .copied()
        .filter(|c| *c == Col::Id || c.sort_column().is_none_or(|s| !hidden.contains(&s)))
        .filter(|c| wide || *c != Col::Attrs)
        .collect();
    let fits = |cols: &[Col]| {
        let fixed: u16 = cols[..cols.len() - 1].iter().map(|c| c.width(w)).sum();
        let spacing = u16::try_from(cols.len() - 1).unwrap_or(u16::MAX);
        fixed.saturating_add(spacing).saturating_add(MIN_LAST) <= available
    };
    if !wide {
        for drop in DROP_ORDER {
            if fits(&cols) {
                break;
            }
            cols.retain(|c| *c != drop);
        }
    }
    // Widths are handed out left to right, so when wide mode overflows the terminal the
    // rightmost columns are cut, never the ID.
    let mut room = if wide { available } else { u16::MAX };
    let mut constraints: Vec<Constraint> = cols
        .iter()
        .map(|c| {
            let width = c.width(w).min(room);
            room = room.saturating_sub(width.saturating_add(1));
            Constraint::Length(width)
        })
        .collect();
    if let Some(last) = constraints.last_mut() {
        *last = Constraint::Fill(1);
    }
    (cols, constraints)
}

/// Column widths from the kind of data on the configured platforms, never from the rows on
/// screen, so columns do not jump as pages arrive or the list scrolls: an ID is its kind plus
/// an ICCID (at most 22 digits) or a serial; a status is the longest normalized name plus the
/// longest native word those platforms use; the account is the longest configured name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Widths {
    pub id: u16,
    pub account: u16,
    pub status: u16,
}

/// The longest ICCID the domain accepts, and the serial width the list keeps room for.
const ICCID_MAX: usize = 22;
const SERIAL_ROOM: usize = 20;
/// Composite native statuses (Turkcell's contract + barrings, Intelsat's contract/terminal).
const COMPOSITE_ROOM: usize = 22;

fn kinds_held(kind: BackendKind) -> Vec<BackendKind> {
    // A CMO tenant holds products of every platform under their own kind.
    if kind == BackendKind::Cmo {
        BackendKind::ALL.to_vec()
    } else {
        vec![kind]
    }
}

pub fn widths(app: &App) -> Widths {
    let kinds: Vec<BackendKind> = app
        .backends
        .iter()
        .filter_map(|b| b.kind.parse::<BackendKind>().ok())
        .flat_map(kinds_held)
        .collect();
    let business = |k: BackendKind| match k {
        BackendKind::Intelsat | BackendKind::Galaxy1 => SERIAL_ROOM,
        _ => ICCID_MAX,
    };
    let id = kinds
        .iter()
        .map(|k| k.as_str().len() + 1 + business(*k))
        .max()
        .unwrap_or(ICCID_MAX + 5);
    let native = kinds
        .iter()
        .map(|k| match k {
            BackendKind::Turkcell | BackendKind::Intelsat | BackendKind::Cmo => COMPOSITE_ROOM,
            k => native_rows(*k)
                .iter()
                .flat_map(|(_, natives)| natives.iter())
                .map(|n| n.chars().count())
                .max()
                .unwrap_or(0),
        })
        .max()
        .unwrap_or(0);
    let normalized = Status::ALL
        .iter()
        .map(|s| s.as_str().len())
        .max()
        .unwrap_or(0);
    let account = app
        .backends
        .iter()
        .map(|b| b.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(9, 24); // room for "Account ↑"
    let cap = |w: usize| u16::try_from(w).unwrap_or(u16::MAX);
    Widths {
        id: cap(id),
        account: cap(account),
        status: cap(normalized + 1 + native),
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn title(app: &App) -> String {
    let (total, shown) = app.counts();
    let position = match app.position() {
        Some(p) => format!("{}/{}", thousands(p), thousands(shown)),
        None => "0".to_string(),
    };
    let of = if app.filter.query.is_empty() {
        String::new()
    } else {
        format!(" of {}", thousands(total))
    };
    let marked = match (app.marks.len(), crate::ui::flows::batch::hidden_marks(app)) {
        (0, _) => String::new(),
        (n, 0) => format!(" · {n} marked (S changes them)"),
        (n, hidden) => format!(" · {n} marked, {hidden} hidden by the filter (S changes them)"),
    };
    // How old the data is, once it is worth saying (every backend listed, a minute ago or more).
    let age = match app.oldest_listing_secs() {
        Some(secs) if secs >= 60 => {
            format!(" · listed {} ago", crate::ui::panes::backends::age(secs))
        }
        _ => String::new(),
    };
    format!(" Products {position}{of}{marked}{age} ")
}

/// `ACTIVE 2,811 · SUSPENDED 402 · …`: the visible rows per normalized status, each in its
/// status colour.
fn summary_line<'a>(app: &App, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::raw(" ")];
    for (status, &n) in Status::ALL.iter().zip(app.status_counts()) {
        if n == 0 {
            continue;
        }
        if spans.len() > 1 {
            spans.push(Span::styled(" · ", theme.native));
        }
        spans.push(Span::styled(
            format!("{} {}", status.as_str(), thousands(n)),
            theme.status(*status),
        ));
    }
    Line::from(spans)
}

fn header_label(col: Col, app: &App) -> String {
    let base = col.header();
    match col.sort_column() {
        Some(c) if c == app.sort.column => {
            format!("{base} {}", if app.sort.descending { "↓" } else { "↑" })
        }
        _ => base.to_string(),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let (total, _) = app.counts();
    let inner = super::pane(frame, area, title(app), theme);
    if app.visible.is_empty() {
        let text = if total > 0 {
            format!(
                "No product matches “{}”.",
                sanitize(app.filter.query.text())
            )
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
    let [summary_area, table_area] = split(inner);
    frame.render_widget(Paragraph::new(summary_line(app, theme)), summary_area);
    let height = usize::from(table_area.height.saturating_sub(1)).max(1);
    let offset = window_start(app.offset, app.selected, height, app.visible.len());
    let shown = &app.visible[offset..(offset + height).min(app.visible.len())];
    let (cols, widths) = layout(table_area.width, widths(app), &app.hidden_columns, app.wide);
    let rows = shown
        .iter()
        .map(|&i| table_row(&app.rows[i], &cols, app, theme));
    let header = Row::new(cols.iter().map(|c| header_label(*c, app))).style(theme.table_header);
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selected);
    let mut state = TableState::default().with_selected(Some(app.selected - offset));
    frame.render_stateful_widget(table, table_area, &mut state);
}

/// Inside the pane: the summary line, then the table (its header row, then the rows).
fn split(inner: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner)
}

/// The position in `app.visible` of the row drawn at screen cell (`x`, `y`) when the list is
/// drawn on `area` (the body), if a row is there: the same geometry `draw` uses.
pub fn position_at(area: Rect, app: &App, x: u16, y: u16) -> Option<usize> {
    if app.visible.is_empty() {
        return None;
    }
    let [_, table_area] = split(super::pane_inner(area));
    let rows = Rect {
        y: table_area.y.saturating_add(1),
        height: table_area.height.saturating_sub(1),
        ..table_area
    };
    if !rows.contains(ratatui::layout::Position { x, y }) {
        return None;
    }
    let height = usize::from(rows.height).max(1);
    let offset = window_start(app.offset, app.selected, height, app.visible.len());
    let position = offset + usize::from(y - rows.y);
    (position < app.visible.len()).then_some(position)
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
    let opt = |v: Option<&str>| v.map(sanitize).unwrap_or_default();
    let normalized = row.status().as_str();
    let mut status = Line::from(Span::styled(normalized, theme.status(row.status())));
    // The carrier's word, dimmed, when it says more than the normalized name.
    let native = row.native_status();
    if !native.eq_ignore_ascii_case(normalized) {
        status.push_span(Span::styled(format!(" {}", sanitize(native)), theme.native));
    }
    if let Some(sign) = super::detail_conn::list_sign(row.attach()) {
        status.push_span(Span::styled(sign, theme.native));
    }
    let business = row.iccid().or(row.serial());
    let reach = row.msisdn().or(row.terminal_name());
    let marked = !app.marks.is_empty() && app.marks.contains(&row.id());
    let cells = cols.iter().map(|col| match col {
        // `*` marks a product for a batch; `!` one known to have used 80 % of an allowance
        // (ui/usage_levels.rs); `~` a cached row the listing has not confirmed.
        Col::Mark => match row.usage_level().map(f64::from) {
            Some(pct) if !marked && pct >= crate::domain::quota::WARN_PERCENT => {
                let style = if pct >= crate::domain::quota::FULL_PERCENT {
                    theme.status_bad
                } else {
                    theme.status_warn
                };
                Cell::from(Span::styled("!", style))
            }
            _ => Cell::from(if marked {
                "*"
            } else if row.confirmed {
                " "
            } else {
                "~"
            }),
        },
        Col::Id => Cell::from(format!("{}-{}", row.kind().as_str(), row.business_id())),
        Col::Account => Cell::from(sanitize(row.account())),
        Col::Status => Cell::from(status.clone()),
        Col::Business => Cell::from(opt(business)),
        Col::Imsi => Cell::from(opt(row.imsi())),
        Col::Reach => Cell::from(opt(reach)),
        Col::Attrs => Cell::from(sanitize(
            &row.attrs()
                .iter()
                .map(|a| format!("{}={}", a.name, a.value))
                .collect::<Vec<_>>()
                .join(", "),
        )),
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
    use super::{Col, Widths, thousands, window_start};
    use ratatui::layout::Constraint;
    use std::collections::HashSet;

    fn layout(available: u16, w: Widths) -> (Vec<Col>, Vec<Constraint>) {
        super::layout(available, w, &HashSet::new(), false)
    }

    const W: Widths = Widths {
        id: 26,
        account: 11,
        status: 26,
    };

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(3_300), "3,300");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn narrow_terminals_drop_columns_but_never_cut_the_id() {
        let cols = |available| layout(available, W).0.to_vec();
        assert_eq!(cols(122).len(), 7, "wide enough shows everything");
        assert!(!cols(98).contains(&Col::Business), "the ICCID is in the ID");
        assert_eq!(cols(78), [Col::Mark, Col::Id, Col::Account, Col::Status]);
        assert_eq!(cols(40), [Col::Mark, Col::Id, Col::Status]);
        for available in [20, 40, 60, 78, 100, 118, 200] {
            let (cols, widths) = layout(available, W);
            let id = cols.iter().position(|c| *c == Col::Id).unwrap();
            assert_eq!(widths[id], Constraint::Length(26));
        }
    }

    #[test]
    fn hidden_columns_stay_hidden_and_wide_mode_drops_nothing() {
        use crate::domain::query::SortColumn;
        let hidden: HashSet<_> = [SortColumn::Imsi, SortColumn::Id].into();
        let (cols, _) = super::layout(200, W, &hidden, false);
        assert!(!cols.contains(&Col::Imsi));
        assert!(cols.contains(&Col::Id), "the ID cannot be hidden");
        let (cols, widths) = super::layout(60, W, &HashSet::new(), true);
        assert_eq!(
            cols.len(),
            8,
            "wide mode keeps every column and adds the attributes"
        );
        assert_eq!(cols.last(), Some(&Col::Attrs));
        assert_eq!(widths[1], Constraint::Length(26), "the ID keeps its width");
        assert_eq!(
            widths[5],
            Constraint::Length(0),
            "what does not fit is cut on the right"
        );
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
