//! The overview pane: one line per account — a horizontal stacked bar of its products by
//! normalized status, how many it holds, health and last latency, pending and failed carrier
//! jobs, data used — and under it the selected account drawn with ratatui's widgets: a
//! horizontal `BarChart` of its statuses, a `Gauge` of the share that is ACTIVE and a
//! `Sparkline` of its recent latencies. Each kind of status has its own fill character as
//! well as its colour, so the bars read the same in the mono theme and under `NO_COLOR`.

use crate::domain::Status;
use crate::domain::usage::{Unit, display_amount};
use crate::text::sanitize;
use crate::ui::app::{App, BackendView, ListState};
use crate::ui::flows::overview::{self, UsageSource};
use crate::ui::theme::Theme;
use crate::ui::view::StatusCounts;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, Block, Borders, Gauge, Paragraph, Sparkline};

/// Rows the selected account's widgets need to be worth drawing.
const DETAIL_MIN_ROWS: u16 = 5;
/// Rows they get at most.
const DETAIL_MAX_ROWS: u16 = 10;

/// The fill of a status's part of a stacked bar.
fn fill(status: Status) -> char {
    match status {
        Status::Active => '█',
        Status::Blocked | Status::Terminated | Status::Deleted => '▒',
        Status::Unknown => '░',
        _ => '▓',
    }
}

/// Three letters for a status (the bar chart, a narrow map legend).
pub fn short(status: Status) -> &'static str {
    match status {
        Status::Active => "ACT",
        Status::Suspended => "SUS",
        Status::Blocked => "BLK",
        Status::Terminated => "TRM",
        Status::Deleted => "DEL",
        Status::PendingActive => "P-A",
        Status::PendingTerminate => "P-T",
        Status::Created => "NEW",
        Status::Inventory => "INV",
        Status::Unknown => "UNK",
    }
}

/// Column widths: account, kind (wide screens only), held, health, latency, jobs, data.
struct Widths {
    name: usize,
    kind: usize,
    bar: usize,
}

fn widths(total: usize) -> Widths {
    // held 7, health 10, latency 9, jobs 8, data 12, and a space before each column.
    let fixed = 7 + 10 + 9 + 8 + 12 + 7;
    let kind = if total >= 110 { 10 } else { 0 };
    let name = if total >= 110 { 18 } else { 13 };
    let bar = total.saturating_sub(fixed + kind + name).max(6);
    Widths { name, kind, bar }
}

fn pad(text: &str, width: usize) -> String {
    let mut out: String = text.chars().take(width).collect();
    let n = out.chars().count();
    if n < width {
        out.push_str(&" ".repeat(width - n));
    }
    out
}

fn right(text: &str, width: usize) -> String {
    format!("{text:>width$}")
}

/// The stacked bar: each status with products gets its share of `width` cells (at least one),
/// shares rounded by largest remainder so the bar is always exactly `width` wide.
pub fn stacked<'a>(counts: &StatusCounts, width: usize, theme: &Theme) -> Vec<Span<'a>> {
    let total: usize = counts.iter().sum();
    if total == 0 || width == 0 {
        return vec![Span::styled("·".repeat(width), theme.native)];
    }
    let present: Vec<usize> = (0..counts.len()).filter(|&s| counts[s] > 0).collect();
    // Each share rounded down; a share under one cell still gets one (a status with products
    // never disappears); the cells left go to the largest remainders of the others.
    let mut cells: Vec<usize> = present.iter().map(|&s| counts[s] * width / total).collect();
    let bumped: Vec<bool> = cells.iter().map(|&c| c == 0).collect();
    for c in cells.iter_mut().filter(|c| **c == 0) {
        *c = 1;
    }
    let mut used: usize = cells.iter().sum();
    let mut order: Vec<usize> = (0..present.len()).filter(|&k| !bumped[k]).collect();
    order.sort_by_key(|&k| std::cmp::Reverse((counts[present[k]] * width) % total));
    for &k in order.iter().cycle().take(width.saturating_sub(used)) {
        cells[k] += 1;
        used += 1;
    }
    // More statuses than cells, or the one-cell minimums overshot: the biggest shares give back.
    while used > width {
        let Some(big) = (0..cells.len()).max_by_key(|&k| cells[k]) else {
            break;
        };
        if cells[big] <= 1 {
            break;
        }
        cells[big] -= 1;
        used -= 1;
    }
    present
        .iter()
        .zip(cells)
        .map(|(&slot, n)| {
            let status = Status::ALL[slot];
            Span::styled(fill(status).to_string().repeat(n), theme.status(status))
        })
        .collect()
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let counts = overview::counts(app);
    let held: usize = counts.per_account.iter().flatten().sum();
    let listing = app
        .backends
        .iter()
        .filter(|b| b.list == ListState::Loading)
        .count();
    let mut title = format!(
        " Overview · {} accounts · {} held ",
        app.backends.len(),
        super::list::thousands(held)
    );
    if listing > 0 {
        title.push_str(&format!("· {listing} listing ⟳ "));
    }
    let inner = super::pane(frame, area, title, theme);
    let width = usize::from(inner.width);
    let w = widths(width);

    // Lines: header, one per account, the legend; the widgets get what is left.
    let wanted = u16::try_from(app.backends.len() + 2).unwrap_or(u16::MAX);
    let table_rows = if inner.height >= wanted + DETAIL_MIN_ROWS {
        wanted
    } else {
        inner.height.min(wanted)
    };
    let [table_area, detail_area] =
        Layout::vertical([Constraint::Length(table_rows), Constraint::Min(0)]).areas(inner);

    let mut lines = vec![header_line(&w, theme)];
    // Accounts that fit, keeping the selected one on screen.
    let room = usize::from(table_rows).saturating_sub(2).max(1);
    let first = app.overview.selected.saturating_sub(room - 1);
    for (i, b) in app.backends.iter().enumerate().skip(first).take(room) {
        let per = counts.per_account.get(i).copied().unwrap_or_default();
        lines.push(account_line(
            app,
            b,
            &per,
            &w,
            i == app.overview.selected,
            theme,
        ));
    }
    lines.push(legend_line(app, theme));
    frame.render_widget(Paragraph::new(lines), table_area);

    // A taller chart says nothing more: the widgets keep to a dozen rows.
    let detail_area = Rect {
        height: detail_area.height.min(DETAIL_MAX_ROWS),
        ..detail_area
    };
    if detail_area.height >= DETAIL_MIN_ROWS
        && let Some(b) = app.backends.get(app.overview.selected)
    {
        let per = counts.per_account.get(app.overview.selected).copied();
        draw_selected(frame, detail_area, app, b, &per.unwrap_or_default(), theme);
    }
}

fn header_line<'a>(w: &Widths, theme: &Theme) -> Line<'a> {
    let mut text = pad("Account", w.name);
    text.push(' ');
    if w.kind > 0 {
        text.push_str(&pad("Kind", w.kind));
        text.push(' ');
    }
    text.push_str(&pad("By status", w.bar));
    text.push(' ');
    text.push_str(&right("Held", 7));
    text.push(' ');
    text.push_str(&pad("Health", 10));
    text.push(' ');
    text.push_str(&right("Latency", 9));
    text.push(' ');
    text.push_str(&pad("Jobs", 8));
    text.push(' ');
    text.push_str(&right("Data used", 12));
    Line::from(Span::styled(text, theme.table_header))
}

fn account_line<'a>(
    app: &App,
    b: &BackendView,
    per: &StatusCounts,
    w: &Widths,
    selected: bool,
    theme: &Theme,
) -> Line<'a> {
    let name_style = if selected {
        theme.selected
    } else {
        theme.value
    };
    let mut spans = vec![Span::styled(pad(&sanitize(&b.name), w.name), name_style)];
    spans.push(Span::raw(" "));
    if w.kind > 0 {
        spans.push(Span::styled(pad(&b.kind, w.kind), theme.native));
        spans.push(Span::raw(" "));
    }
    spans.extend(stacked(per, w.bar, theme));
    let held: usize = per.iter().sum();
    let held = match &b.list {
        ListState::Loading => format!("{}⟳", super::list::thousands(held)),
        ListState::Failed(_) => format!("{}✖", super::list::thousands(held)),
        _ => super::list::thousands(held),
    };
    spans.push(Span::raw(format!(" {} ", right(&held, 7))));
    let health = b.health.health;
    spans.push(Span::styled(
        pad(&format!("● {}", health.label()), 10),
        theme.health(health),
    ));
    let latency = b
        .health
        .last_latency_ms
        .map_or_else(|| "—".to_string(), |ms| format!("{ms} ms"));
    spans.push(Span::raw(format!(" {} ", right(&latency, 9))));
    let (pending, failed) = overview::jobs(app, &b.name);
    let jobs = match (pending, failed) {
        (0, 0) => "—".to_string(),
        (p, 0) => format!("{p}⟳"),
        (0, f) => format!("{f}✖"),
        (p, f) => format!("{p}⟳ {f}✖"),
    };
    let jobs_style = if failed > 0 {
        theme.message_error
    } else {
        theme.value
    };
    spans.push(Span::styled(pad(&jobs, 8), jobs_style));
    let data = match overview::data_used(app, &b.name) {
        Some(u) if u.source == UsageSource::OpenedProducts => {
            format!("{}*", display_amount(u.bytes, Unit::Bytes))
        }
        Some(u) => display_amount(u.bytes, Unit::Bytes),
        None => "—".to_string(),
    };
    spans.push(Span::raw(format!(" {}", right(&data, 12))));
    Line::from(spans)
}

/// The fills' meaning, and what "data used" counts.
fn legend_line<'a>(app: &App, theme: &Theme) -> Line<'a> {
    let mut spans = Vec::new();
    for (status, label) in [
        (Status::Active, "active"),
        (Status::Suspended, "parked/pending"),
        (Status::Blocked, "blocked/ended"),
        (Status::Unknown, "unknown"),
    ] {
        spans.push(Span::styled(fill(status).to_string(), theme.status(status)));
        spans.push(Span::styled(format!(" {label} "), theme.native));
    }
    let estimated = app
        .backends
        .iter()
        .filter_map(|b| overview::data_used(app, &b.name))
        .any(|u| u.source == UsageSource::OpenedProducts);
    if estimated {
        spans.push(Span::styled("* data: opened products", theme.native));
    }
    Line::from(spans)
}

/// The selected account: statuses as a horizontal bar chart, the ACTIVE share as a gauge,
/// recent latencies as a sparkline.
fn draw_selected(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    b: &BackendView,
    per: &StatusCounts,
    theme: &Theme,
) {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let block = |title: String| {
        Block::new()
            .borders(Borders::TOP)
            .border_style(theme.border)
            .title(Span::styled(title, theme.pane_title))
    };
    let name = sanitize(&b.name);
    let bars: Vec<Bar> = Status::ALL
        .iter()
        .enumerate()
        .filter(|(slot, _)| per[*slot] > 0)
        .map(|(slot, status)| {
            Bar::with_label(short(*status), per[slot] as u64)
                .style(theme.status(*status))
                .value_style(theme.base)
        })
        .collect();
    let chart_block = block(format!(" {name} by status "));
    if bars.is_empty() {
        let text = match &b.list {
            ListState::Loading => "listing…",
            ListState::Failed(_) => "listing failed (b shows why)",
            _ => "nothing held",
        };
        let inner = chart_block.inner(left);
        frame.render_widget(chart_block, left);
        frame.render_widget(Paragraph::new(Span::styled(text, theme.native)), inner);
    } else {
        let chart = BarChart::horizontal(bars)
            .block(chart_block)
            .bar_width(1)
            .bar_gap(0)
            .label_style(theme.label);
        frame.render_widget(chart, left);
    }

    let [gauge_area, spark_area] =
        Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(right);
    let total: usize = per.iter().sum();
    let active = per[crate::ui::view::status_slot(Status::Active)];
    let ratio = if total == 0 {
        0.0
    } else {
        active as f64 / total as f64
    };
    let gauge = Gauge::default()
        .block(block(" ACTIVE share ".to_string()))
        .gauge_style(theme.status_ok)
        .ratio(ratio)
        .label(format!(
            "{} of {} ({:.0}%)",
            super::list::thousands(active),
            super::list::thousands(total),
            ratio * 100.0
        ));
    frame.render_widget(gauge, gauge_area);

    let samples: Vec<u64> = app
        .overview
        .latency
        .get(&b.name)
        .map(|s| s.iter().copied().collect())
        .unwrap_or_default();
    let title = match (samples.iter().min(), samples.iter().max()) {
        (Some(lo), Some(_)) if samples.len() == 1 => format!(" latency, one sample: {lo} ms "),
        (Some(lo), Some(hi)) => format!(" latency, last {} samples: {lo}–{hi} ms ", samples.len()),
        _ => " latency: no answer yet ".to_string(),
    };
    let spark_block = block(title);
    // The newest samples that fit, right-aligned like a strip chart.
    let fit = usize::from(spark_block.inner(spark_area).width);
    let shown = &samples[samples.len().saturating_sub(fit)..];
    let spark = Sparkline::default()
        .block(spark_block)
        .style(theme.health_ok)
        .data(shown.iter().copied());
    frame.render_widget(spark, spark_area);
}
