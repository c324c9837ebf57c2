//! The detail's usage strip, below the scrolling part: one gauge per allowance the carrier
//! reported (used / allowance, percent, days left; coloured at 80 % and 100 % through the
//! theme, and said in words so a mono terminal loses nothing), and a ratatui `Sparkline` of the
//! last 30 days of data use with its min, max and total (days the history does not know are
//! drawn as `·`, not as zero). Drawn only when there is something to show.

use crate::domain::quota::{
    self, Allowance, FULL_PERCENT, Level, SERIES_DAYS, WARN_PERCENT, data_series, series_stats,
};
use crate::domain::usage::{Unit, UsageType, display_amount};
use crate::domain::{Product, Usage};
use crate::ui::app::Loadable;
use crate::ui::theme::Theme;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

/// Rows of the sparkline itself.
const SPARK_ROWS: u16 = 2;
/// The gauge's bar, at most (it shrinks on narrow terminals).
const BAR_MAX: usize = 24;
const BAR_MIN: usize = 8;

/// The usage to draw: the dedicated read's, else the bundle's.
pub fn usage_of<'a>(product: &'a Product, usage: &'a Loadable<Usage>) -> Option<&'a Usage> {
    match usage {
        Loadable::Ready(u) => Some(u),
        _ => product.usage.as_ref(),
    }
}

/// One row per allowance, or one saying why there is none when its read failed.
fn gauge_rows(u: &Usage) -> u16 {
    match (u.allowances.len(), &u.allowances_error) {
        (0, Some(_)) => 1,
        (n, _) => u16::try_from(n).unwrap_or(u16::MAX),
    }
}

/// Rows the strip takes: a heading, one per allowance, and the sparkline with its stats line.
pub fn height(usage: Option<&Usage>) -> u16 {
    let Some(u) = usage else { return 0 };
    let gauges = gauge_rows(u);
    let spark = if u.daily.is_empty() {
        0
    } else {
        SPARK_ROWS + 1
    };
    if gauges == 0 && spark == 0 {
        0
    } else {
        1 + gauges + spark
    }
}

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    usage: &Usage,
    now: Option<DateTime<Utc>>,
    theme: &Theme,
) {
    let gauges = gauge_rows(usage);
    let spark = if usage.daily.is_empty() {
        0
    } else {
        SPARK_ROWS + 1
    };
    let [head, gauge_area, spark_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(gauges),
        Constraint::Length(spark),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(
            "── Allowance and last 30 days ",
            theme.pane_title,
        ))),
        head,
    );
    if let (true, Some(why)) = (usage.allowances.is_empty(), &usage.allowances_error) {
        let text = format!(
            "allowance unavailable: {} (r retries)",
            crate::text::sanitize(why)
        );
        frame.render_widget(
            Paragraph::new(Span::styled(text, theme.message_error)),
            gauge_area,
        );
    }
    let width = usize::from(area.width);
    // One bar length for every gauge, so their fills compare at a glance.
    let parts: Vec<GaugeText> = usage
        .allowances
        .iter()
        .map(|a| gauge_text(a, now))
        .collect();
    let bar_len = parts
        .iter()
        .map(|p| {
            // Kind (5) + brackets and spaces (5) + percent + the rest.
            width.saturating_sub(10 + p.pct.len() + p.tail.chars().count())
        })
        .min()
        .unwrap_or(BAR_MAX)
        .clamp(BAR_MIN, BAR_MAX);
    let lines: Vec<Line> = usage
        .allowances
        .iter()
        .zip(parts)
        .map(|(a, p)| gauge_line(a, p, bar_len, theme))
        .collect();
    frame.render_widget(Paragraph::new(lines), gauge_area);
    if spark > 0 {
        draw_series(frame, spark_area, usage, now, theme);
    }
}

fn style_of(level: Level, theme: &Theme) -> Style {
    match level {
        Level::Ok => theme.status_ok,
        Level::Warn => theme.status_warn,
        Level::Over => theme.status_bad,
    }
}

/// The words of one gauge: its percentage and what follows the bar.
struct GaugeText {
    pct: String,
    tail: String,
}

/// `87.2 %` and `435.79 MB of 500.00 MB used · 12 d left · over 80 %`.
fn gauge_text(a: &Allowance, now: Option<DateTime<Utc>>) -> GaugeText {
    let level = a.level();
    let pct = a.percent();
    let used = a
        .used_amount()
        .map_or_else(|| "?".to_string(), |u| display_amount(u, a.units));
    let mut tail = format!("{} of {} used", used, display_amount(a.total, a.units));
    if let Some(days) = now.and_then(|n| a.days_left(n)) {
        tail.push_str(&format!(" · {days} d left"));
    } else if let Some(end) = a.expiry.as_deref().and_then(quota::parse_time) {
        tail.push_str(&format!(" · until {}", end.format("%Y-%m-%d")));
    }
    match level {
        Level::Over => tail.push_str(" · used up"),
        Level::Warn => tail.push_str(&format!(" · over {WARN_PERCENT:.0} %")),
        Level::Ok => {}
    }
    GaugeText {
        pct: pct.map_or_else(|| "    ? %".to_string(), |p| format!("{p:>5.1} %")),
        tail,
    }
}

/// `data [██████░░░░] 87.2 %  435.79 MB of 500.00 MB used · 12 d left · over 80 %`.
fn gauge_line(a: &Allowance, text: GaugeText, bar_len: usize, theme: &Theme) -> Line<'static> {
    let kind = match a.usage_type {
        UsageType::Data => "data",
        UsageType::Sms => "sms",
        UsageType::Voice => "voice",
    };
    let level = a.level();
    let pct = a.percent();
    let filled = pct.map_or(0, |p| {
        ((p.min(FULL_PERCENT) / FULL_PERCENT) * bar_len as f64).round() as usize
    });
    let style = style_of(level, theme);
    Line::from(vec![
        Span::styled(format!("{kind:<5}"), theme.label),
        Span::styled("[", theme.native),
        Span::styled("█".repeat(filled), style),
        Span::styled("░".repeat(bar_len - filled.min(bar_len)), theme.native),
        Span::styled("] ", theme.native),
        Span::styled(text.pct, style),
        Span::styled(format!("  {}", text.tail), theme.value),
    ])
}

fn draw_series(
    frame: &mut Frame,
    area: Rect,
    usage: &Usage,
    now: Option<DateTime<Utc>>,
    theme: &Theme,
) {
    // The last day is today (the UI clock), else the newest day the carrier reported.
    let last = now
        .map(|n| n.date_naive())
        .or_else(|| usage.daily.iter().map(|d| d.day).max());
    let Some(last) = last else { return };
    let series = data_series(&usage.daily, last);
    let [spark_row, stats_row] =
        Layout::vertical([Constraint::Length(SPARK_ROWS), Constraint::Length(1)]).areas(area);
    let label_w = 9u16.min(spark_row.width);
    let [label, chart, _] = Layout::horizontal([
        Constraint::Length(label_w),
        Constraint::Length(SERIES_DAYS as u16),
        Constraint::Fill(1),
    ])
    .areas(spark_row);
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(Span::styled("data/day", theme.label)),
            Line::from(Span::styled(format!("{SERIES_DAYS} d"), theme.native)),
        ]),
        label,
    );
    // Kilobytes keep small days visible next to large ones and fit a u64.
    let bars: Vec<Option<u64>> = series
        .iter()
        .map(|d| d.map(|bytes| (bytes / 1e3).round() as u64))
        .collect();
    frame.render_widget(
        Sparkline::default()
            .data(bars.as_slice())
            .style(theme.status_ok)
            .absent_value_symbol("·")
            .absent_value_style(theme.native),
        chart,
    );
    let text = match series_stats(&series) {
        Some(s) => format!(
            "min {} · max {} · total {} ({} of {SERIES_DAYS} days known)",
            display_amount(s.min, Unit::Bytes),
            display_amount(s.max, Unit::Bytes),
            display_amount(s.total, Unit::Bytes),
            s.known_days
        ),
        None => format!("no data use known in the last {SERIES_DAYS} days"),
    };
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(text, theme.value))),
        stats_row,
    );
}
