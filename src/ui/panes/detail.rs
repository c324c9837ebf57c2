//! Detail pane for one product: the product itself; the SIM card (ICCID, IMSI, MSISDN, IMEI,
//! status native → normalized, extra characteristics) and data connectivity (provider, type,
//! plan, APNs) for cellular products; the terminal for satellite ones; and the usage buckets.

use super::field;
use crate::domain::query::Fields as _;
use crate::domain::usage::Bucket;
use crate::domain::{Characteristic, NativeStatus, Product, Usage};
use crate::text::sanitize;
use crate::ui::app::{App, DetailState, Loadable};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Padding, Paragraph, Wrap};

/// Below this inner width the two columns are stacked into one.
const TWO_COLUMNS_FROM: u16 = 90;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, detail: &DetailState, theme: &Theme) {
    let account = app
        .row(&detail.id)
        .map(|r| sanitize(r.account()))
        .unwrap_or_default();
    let mut block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .padding(Padding::horizontal(1))
        .title(Span::styled(
            format!(" {} · {account} ", detail.id),
            theme.pane_title,
        ));
    let inner = block.inner(area);
    let [conn_area, content, attrs_area] = Layout::vertical([
        Constraint::Length(super::detail_conn::height(app, detail, inner.width)),
        Constraint::Min(0),
        Constraint::Length(super::attrs::height(detail)),
    ])
    .areas(inner);
    super::detail_conn::draw(frame, conn_area, app, detail, theme);
    let product = match &detail.product {
        Loadable::Ready(p) => p,
        Loadable::Loading | Loadable::Failed(_) => {
            frame.render_widget(block, area);
            super::attrs::draw(frame, attrs_area, detail, theme);
            let text = match &detail.product {
                Loadable::Failed(e) => Span::styled(
                    format!("Could not load: {}", sanitize(e)),
                    theme.message_error,
                ),
                _ => {
                    // A slow carrier: say who is being asked and for how long; Esc abandons it.
                    let secs = crate::ui::messages::elapsed(detail.opened_at, app.now);
                    let who = if account.is_empty() {
                        String::new()
                    } else {
                        format!(" from {account}")
                    };
                    let text = if secs == 0 {
                        format!("Loading{who}…")
                    } else {
                        format!(
                            "{} Loading{who}… {secs}s (Esc goes back)",
                            crate::ui::messages::spinner(secs)
                        )
                    };
                    Span::styled(text, theme.native)
                }
            };
            // What the listing already told stays readable while the carrier answers (or
            // after it failed): on a slow platform the operator can triage from this alone.
            let mut lines = vec![Line::from(text), Line::default()];
            if let Some(row) = app.row(&detail.id) {
                lines.extend(listed_lines(&row.summary(), theme));
            }
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), content);
            return;
        }
    };
    let (left, right) = columns(product, &detail.usage, theme);
    // The gauges and the 30-day sparkline stay in view below the scrolling part, when they
    // leave it a few lines (detail_usage.rs).
    let strip_usage = super::detail_usage::usage_of(product, &detail.usage);
    let strip = super::detail_usage::height(strip_usage);
    let (content, strip_area) = if strip > 0 && content.height >= strip + 4 {
        let [top, bottom] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(strip)]).areas(content);
        (top, Some(bottom))
    } else {
        (content, None)
    };
    let two = content.width >= TWO_COLUMNS_FROM;
    let longest = if two {
        left.len().max(right.len())
    } else {
        left.len() + 1 + right.len()
    };
    let height = usize::from(content.height);
    let scroll = usize::from(detail.scroll).min(longest.saturating_sub(height));
    if scroll + height < longest {
        block = block.title_bottom(Span::styled(" PgDn more ", theme.native));
    } else if scroll > 0 {
        block = block.title_bottom(Span::styled(" PgUp back ", theme.native));
    }
    frame.render_widget(block, area);
    super::attrs::draw(frame, attrs_area, detail, theme);
    if let (Some(area), Some(usage)) = (strip_area, strip_usage) {
        super::detail_usage::draw(frame, area, usage, app.now, theme);
    }
    let offset = (u16::try_from(scroll).unwrap_or(u16::MAX), 0);
    if two {
        let [l, r] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(content);
        frame.render_widget(Paragraph::new(left).scroll(offset), l);
        frame.render_widget(Paragraph::new(right).scroll(offset), r);
    } else {
        let mut all = left;
        all.push(Line::default());
        all.extend(right);
        frame.render_widget(Paragraph::new(all).scroll(offset), content);
    }
}

/// Lines a detail of `product` has (both columns stacked): how far it can scroll at most.
pub fn line_count(product: &Product, usage: &Loadable<Usage>, theme: &Theme) -> usize {
    let (left, right) = columns(product, usage, theme);
    left.len() + 1 + right.len()
}

/// The left column (product, SIM card or terminal) and the right one (data connectivity and
/// usage).
fn columns<'a>(
    product: &'a Product,
    usage: &Loadable<Usage>,
    theme: &Theme,
) -> (Vec<Line<'a>>, Vec<Line<'a>>) {
    let mut left_lines = product_lines(product, theme);
    if let Some(sim) = &product.sim_card {
        left_lines.push(Line::default());
        left_lines.push(heading("SIM card", theme));
        left_lines.push(field("ICCID", Some(&sim.iccid), theme));
        left_lines.push(field("IMSI", sim.imsi.as_deref(), theme));
        left_lines.push(field("MSISDN", sim.msisdn.as_deref(), theme));
        left_lines.push(field("IMEI", sim.imei.as_deref(), theme));
        left_lines.push(status_line(&sim.status, theme));
        left_lines.extend(characteristics(&sim.characteristics, theme));
    }
    if let Some(t) = &product.terminal {
        left_lines.push(Line::default());
        left_lines.push(heading("Terminal", theme));
        left_lines.push(field("Serial", Some(&t.serial), theme));
        left_lines.push(field("Name", t.name.as_deref(), theme));
        left_lines.push(status_line(&t.status, theme));
        left_lines.push(field("Model", t.model.as_deref(), theme));
        left_lines.push(field("Mobility", t.mobility_type.as_deref(), theme));
        let position = t
            .latitude
            .zip(t.longitude)
            .map(|(la, lo)| format!("{la:.4}, {lo:.4}"));
        left_lines.push(field("Position", position.as_deref(), theme));
        left_lines.push(field("Antenna", t.antenna_code.as_deref(), theme));
        left_lines.push(field("IMO", t.imo_number.as_deref(), theme));
        left_lines.push(field("MMSI", t.mmsi.as_deref(), theme));
        left_lines.push(field("Last updated", t.last_updated.as_deref(), theme));
        left_lines.extend(characteristics(&t.characteristics, theme));
    }

    let mut right_lines = Vec::new();
    if let Some(dc) = &product.data_connectivity {
        right_lines.push(heading("Data connectivity", theme));
        right_lines.push(field(
            "Network provider",
            dc.network_provider.as_deref(),
            theme,
        ));
        right_lines.push(field(
            "Connectivity type",
            dc.connectivity_type.as_deref(),
            theme,
        ));
        right_lines.push(field(
            "Communication plan",
            dc.communication_plan.as_deref(),
            theme,
        ));
        let apns = dc
            .apns
            .iter()
            .map(|a| sanitize(a))
            .collect::<Vec<_>>()
            .join(", ");
        right_lines.push(field("APNs", Some(&apns), theme));
        right_lines.extend(characteristics(&dc.characteristics, theme));
        right_lines.push(Line::default());
    }
    right_lines.push(heading("Usage", theme));
    right_lines.extend(usage_lines(usage, product, theme));
    (left_lines, right_lines)
}

/// The fields a listing row carries, under their own heading, for the detail still loading.
fn listed_lines(s: &crate::domain::ProductSummary, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![
        heading("From the list", theme),
        status_line(&s.status, theme),
        field("Connectivity", Some(s.connectivity.as_str()), theme),
    ];
    let optional = [
        ("ICCID", &s.iccid),
        ("IMSI", &s.imsi),
        ("MSISDN", &s.msisdn),
        ("Serial", &s.serial),
        ("Terminal", &s.terminal_name),
    ];
    for (label, value) in optional {
        if let Some(v) = value.as_deref() {
            lines.push(field(label, Some(v), theme));
        }
    }
    lines
}

fn heading<'a>(title: &'a str, theme: &Theme) -> Line<'a> {
    Line::from(Span::styled(format!("── {title} "), theme.pane_title))
}

fn product_lines<'a>(p: &'a Product, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = vec![
        heading("Product", theme),
        field("Connectivity", Some(p.summary.connectivity.as_str()), theme),
        field("Account id", Some(&p.summary.related_party.id), theme),
        field("Offering", p.product_offering.as_deref(), theme),
        field(
            "Start date",
            p.start_date.as_deref().map(shown).as_deref(),
            theme,
        ),
    ];
    lines.extend(characteristics(&p.characteristics, theme));
    lines
}

/// `Status  Active → ACTIVE`: the carrier's word, then the normalized status — or the status
/// alone when the carrier's word is the normalized one (the CMO API answers normalized).
fn status_line<'a>(st: &NativeStatus, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::styled(super::label("Status"), theme.label)];
    if !st.native.trim().eq_ignore_ascii_case(st.status.as_str()) {
        spans.push(Span::styled(sanitize(&st.native), theme.native));
        spans.push(Span::styled(" → ", theme.label));
    }
    spans.push(Span::styled(st.status.as_str(), theme.status(st.status)));
    Line::from(spans)
}

fn characteristics<'a>(list: &[Characteristic], theme: &Theme) -> Vec<Line<'a>> {
    list.iter()
        .map(|c| {
            Line::from(vec![
                Span::styled(super::label(&sanitize(&c.name)), theme.label),
                Span::styled(shown(&c.value), theme.value),
            ])
        })
        .collect()
}

/// The usage buckets as aligned lines: level, type, amount (readable units), period.
fn usage_lines(usage: &Loadable<Usage>, product: &Product, theme: &Theme) -> Vec<Line<'static>> {
    // The dedicated usage call wins; the bundle's own usage stands in until it answers.
    let usage = match (usage, &product.usage) {
        (Loadable::Ready(u), _) => u,
        (Loadable::Loading, Some(u)) => u,
        (Loadable::Loading, None) => {
            return vec![Line::from(Span::styled("Loading…", theme.native))];
        }
        (Loadable::Failed(e), _) => {
            return vec![Line::from(Span::styled(
                format!("Usage unavailable: {}", sanitize(e)),
                theme.message_error,
            ))];
        }
    };
    if usage.buckets.is_empty() {
        return vec![Line::from(Span::styled("No usage recorded.", theme.native))];
    }
    let row = |cells: [&str; 4]| {
        format!(
            "{:<9} {:<5} {:<12} {}",
            cells[0], cells[1], cells[2], cells[3]
        )
    };
    let mut lines = vec![Line::from(Span::styled(
        row(["Level", "Type", "Amount", "Period"]),
        theme.table_header,
    ))];
    lines.extend(usage.buckets.iter().map(|b| {
        let [level, kind, amount, period] = bucket_cells(b);
        Line::from(Span::styled(
            row([&level, &kind, &amount, &period]),
            theme.value,
        ))
    }));
    lines
}

fn bucket_cells(b: &Bucket) -> [String; 4] {
    let level = match b.level {
        crate::domain::BucketLevel::Global => "global",
        crate::domain::BucketLevel::Cellular => "cellular",
        crate::domain::BucketLevel::Satellite => "satellite",
    };
    let kind = match b.usage_type {
        crate::domain::usage::UsageType::Data => "data",
        crate::domain::usage::UsageType::Sms => "sms",
        crate::domain::usage::UsageType::Voice => "voice",
    };
    let period = match (&b.period_start, &b.period_end) {
        (Some(s), Some(e)) => format!("{} → {}", short_time(s), short_time(e)),
        (Some(s), None) => format!("from {}", short_time(s)),
        (None, Some(e)) => format!("until {}", short_time(e)),
        (None, None) => String::new(),
    };
    [
        level.to_string(),
        kind.to_string(),
        crate::domain::usage::display_amount(b.amount, b.units),
        period,
    ]
}

/// A period bound in UTC: the date alone at midnight (most periods are whole days), else date
/// and minute. RFC 3339 or Control Center's `2016-07-06 22:04:04.380+0000`; anything else is
/// shown as the carrier sent it (sanitized).
fn short_time(t: &str) -> String {
    match crate::domain::time::parse_time(t) {
        Some(at) if at.time() == chrono::NaiveTime::MIN => at.format("%Y-%m-%d").to_string(),
        Some(at) => at.format("%Y-%m-%d %H:%M").to_string(),
        None => sanitize(t),
    }
}

/// A field's value as the console writes it: a carrier's date-time in UTC
/// ([`crate::domain::time::display`]), anything else as sent (sanitized).
fn shown(value: &str) -> String {
    crate::domain::time::display(value).unwrap_or_else(|| sanitize(value))
}

#[cfg(test)]
mod tests {
    use super::short_time;

    #[test]
    fn period_bounds_are_short() {
        assert_eq!(short_time("2025-11-01T00:00:00.000Z"), "2025-11-01");
        assert_eq!(short_time("2025-11-01T00:00:00Z"), "2025-11-01");
        assert_eq!(short_time("2023-06-09T08:36:31.696Z"), "2023-06-09 08:36");
        assert_eq!(short_time("2023-06-09T10:36:31+02:00"), "2023-06-09 08:36");
        // Control Center's own format.
        assert_eq!(
            short_time("2016-07-06 22:04:04.380+0000"),
            "2016-07-06 22:04"
        );
        assert_eq!(short_time("last tuesday"), "last tuesday");
        assert_eq!(short_time("bad\u{1b}[2J"), "bad");
    }
}
