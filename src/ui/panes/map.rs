//! The world map pane: ratatui's `Canvas` with its high-resolution `Map` in braille, every
//! terminal the query shows as a braille dot coloured by its normalized status, the selected
//! one marked and named, and a legend counting terminals per status (and the rows the query
//! shows without a position, "off the map"). A theme without colours for the statuses (mono,
//! `NO_COLOR`) gets one glyph per kind of status instead of a dot, so
//! the map still tells ACTIVE from BLOCKED. Pure: the points come from `flows::map::points`
//! (collected once per version of the view), and only those inside the window are drawn.

use crate::domain::Status;
use crate::domain::query::Fields as _;
use crate::ui::app::App;
use crate::ui::flows::map::{self, MapPoint, Viewport};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::widgets::canvas::{Canvas, Map, MapResolution, Points};

/// Rows under the map for the legend and the selected terminal.
const LEGEND_ROWS: u16 = 2;

/// At most this many status glyphs are printed in a theme without colours (each is a label
/// the canvas keeps); past it the dots alone show the rest.
const MAX_GLYPHS: usize = 4_000;

/// Where the map itself is drawn inside a body of `body` (for the mouse).
pub fn canvas_area(body: Rect) -> Rect {
    let inner = super::pane_inner(body);
    split(inner)[0]
}

fn split(inner: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Min(1), Constraint::Length(LEGEND_ROWS)]).areas(inner)
}

/// The longitude and latitude under the cell `(x, y)` of a body of `body`, if on the map.
/// The inverse of how the canvas places a label, so a click on a drawn terminal finds it.
pub fn geo_at(body: Rect, view: &Viewport, x: u16, y: u16) -> Option<(f64, f64)> {
    let area = canvas_area(body);
    if !area.contains(ratatui::layout::Position::new(x, y)) || area.width < 2 || area.height < 2 {
        return None;
    }
    let fx = f64::from(x - area.x) / f64::from(area.width - 1);
    let fy = f64::from(y - area.y) / f64::from(area.height - 1);
    Some((
        view.west + fx * (view.east - view.west),
        view.north - fy * (view.north - view.south),
    ))
}

/// The four kinds of status the map tells apart without colour, and their glyphs.
fn glyph(status: Status) -> &'static str {
    match status {
        Status::Active => "●",
        Status::Blocked | Status::Terminated | Status::Deleted => "✖",
        Status::Unknown => "?",
        _ => "◐",
    }
}

fn color_of(style: Style) -> Color {
    style.fg.unwrap_or(Color::Reset)
}

/// Whether the theme colours statuses at all (mono and `NO_COLOR` do not).
fn coloured(theme: &Theme) -> bool {
    Status::ALL.iter().any(|s| theme.status(*s).fg.is_some())
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let points = map::points(app);
    let view = app.map.viewport();
    let (lon, lat) = view.center();
    let title = format!(
        " World map · {} terminals · ×{} · {} ",
        super::list::thousands(points.total()),
        app.map.factor(),
        degrees(lat, lon),
    );
    let inner = super::pane(frame, area, title, theme);
    let [canvas_area, legend_area] = split(inner);
    let in_view: Vec<&MapPoint> = points
        .points
        .iter()
        .filter(|p| view.contains(p.lon, p.lat))
        .collect();
    let selected = selected_point(app, &view);
    let colour = coloured(theme);
    // Degrees per column, to put the selected terminal's name on the side with room.
    let per_col = (view.east - view.west) / f64::from(canvas_area.width.max(2) - 1);

    let canvas = Canvas::default()
        .marker(Marker::Braille)
        .x_bounds([view.west, view.east])
        .y_bounds([view.south, view.north])
        .paint(|ctx| {
            ctx.draw(&Map {
                resolution: MapResolution::High,
                color: color_of(theme.border),
            });
            ctx.layer();
            // Without colours the glyphs below mark the terminals; a dot beside each would
            // only blur them.
            for (slot, status) in Status::ALL.iter().enumerate().filter(|_| colour) {
                let coords: Vec<(f64, f64)> = in_view
                    .iter()
                    .filter(|p| usize::from(p.status) == slot)
                    .map(|p| (p.lon, p.lat))
                    .collect();
                if !coords.is_empty() {
                    ctx.draw(&Points {
                        coords: &coords,
                        color: color_of(theme.status(*status)),
                    });
                }
            }
            if app.map.zoom > 0 {
                ctx.print(lon, lat, Span::styled("+", theme.native));
            }
            if !colour {
                for p in in_view.iter().take(MAX_GLYPHS) {
                    let status = status_at(p.status);
                    ctx.print(
                        p.lon,
                        p.lat,
                        Span::styled(glyph(status), theme.status(status)),
                    );
                }
            }
            if let Some((p, name)) = &selected {
                let text = format!("◉ {name}");
                let cols = text.chars().count() as f64;
                // East of the centre the name goes to the left of the mark.
                let (x, label) = if p.lon > lon && p.lon - cols * per_col >= view.west {
                    (p.lon - (cols - 1.0) * per_col, format!("{name} ◉"))
                } else {
                    (p.lon, text)
                };
                ctx.print(x, p.lat, Span::styled(label, theme.selected));
            }
        });
    frame.render_widget(canvas, canvas_area);
    frame.render_widget(
        Paragraph::new(legend(
            usize::from(legend_area.width),
            app,
            &points,
            selected.as_ref(),
            theme,
        )),
        legend_area,
    );
}

fn status_at(slot: u8) -> Status {
    Status::ALL
        .get(usize::from(slot))
        .copied()
        .unwrap_or(Status::Unknown)
}

/// `23.91°S 31.48°E`.
fn degrees(lat: f64, lon: f64) -> String {
    let ns = if lat < 0.0 { 'S' } else { 'N' };
    let ew = if lon < 0.0 { 'W' } else { 'E' };
    format!("{:.2}°{ns} {:.2}°{ew}", lat.abs(), lon.abs())
}

/// The selected row when it is a terminal inside the window, with its name for the label.
fn selected_point(app: &App, view: &Viewport) -> Option<(MapPoint, String)> {
    let row = app.selected_row()?;
    let (lon, lat) = (row.longitude()?, row.latitude()?);
    if !view.contains(lon, lat) {
        return None;
    }
    let name = row
        .terminal_name()
        .map(crate::text::sanitize)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| row.business_id().to_string());
    let name: String = name.chars().take(32).collect();
    Some((
        MapPoint {
            lon,
            lat,
            status: crate::ui::view::status_slot(row.status()) as u8,
            position: app.selected,
        },
        name,
    ))
}

/// Line 1: terminals per status (and those without a position); line 2: the selected one.
fn legend<'a>(
    width: usize,
    app: &App,
    points: &map::MapPoints,
    selected: Option<&(MapPoint, String)>,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let colour = coloured(theme);
    let present: Vec<(Status, usize)> = Status::ALL
        .iter()
        .enumerate()
        .filter(|(slot, _)| points.counts[*slot] > 0)
        .map(|(slot, status)| (*status, points.counts[slot]))
        .collect();
    // Whole status names when they fit on the line, else three letters (the overview's).
    let full: usize = present
        .iter()
        .map(|(s, n)| s.as_str().len() + super::list::thousands(*n).len() + 5)
        .sum();
    let short = full > width;
    let mut counts: Vec<Span> = Vec::new();
    for (status, n) in present {
        let mark = if colour { "●" } else { glyph(status) };
        let name = if short {
            super::overview::short(status)
        } else {
            status.as_str()
        };
        let (gap, tail) = if short { ("", " ") } else { (" ", "  ") };
        counts.push(Span::styled(format!("{mark}{gap}"), theme.status(status)));
        counts.push(Span::styled(
            format!("{name} {}{tail}", super::list::thousands(n)),
            theme.value,
        ));
    }
    if points.total() == 0 {
        counts.push(Span::styled(
            if app.visible.is_empty() {
                "nothing to show yet".to_string()
            } else {
                "no terminal with a position in this view".to_string()
            },
            theme.native,
        ));
    }
    if points.unplaced > 0 {
        counts.push(Span::styled(
            format!("· {} off the map", super::list::thousands(points.unplaced)),
            theme.native,
        ));
    }
    let second = match selected {
        Some((p, name)) => {
            let row = app.selected_row();
            let status = status_at(p.status);
            let id = row.map(|r| r.business_id().to_string()).unwrap_or_default();
            let mut spans = vec![
                Span::styled("▸ ", theme.label),
                Span::styled(name.clone(), theme.value),
            ];
            if id != *name {
                spans.push(Span::styled(format!(" {id}"), theme.native));
            }
            spans.push(Span::raw(" "));
            spans.push(Span::styled(status.as_str(), theme.status(status)));
            spans.push(Span::styled(
                format!(" {} · Enter opens it", degrees(p.lat, p.lon)),
                theme.native,
            ));
            Line::from(spans)
        }
        None => Line::from(Span::styled(
            "+/- zoom · arrows or hjkl pan (the nearest terminal is selected) · Enter opens",
            theme.native,
        )),
    };
    vec![Line::from(counts), second]
}
