//! The world map view: its viewport (centre and zoom level), the points it plots and the keys
//! that move it. A point is a visible row (the current query filters the map as it filters the
//! list) that has a position; the points are collected once per version of the view
//! ([`App::view_version`]) by [`prepare`], which the runtime calls before a frame, so a frame
//! walks the plotted terminals only, never the million rows held. Drawing is `panes/map.rs`.
//!
//! The selection is the list's (one the map cannot show moves to the first terminal when the map
//! opens): panning selects the terminal nearest the centre, a click the
//! one nearest the click, and Enter opens the selected terminal (or the one nearest the centre
//! when the selection is not on the map). `Esc` in a detail opened from here comes back here.

use crate::domain::ProductId;
use crate::ui::action::Action;
use crate::ui::app::{App, Screen};
use crate::ui::effect::Effect;
use crate::ui::view::StatusCounts;
use std::borrow::Cow;

/// The deepest zoom: ×128, about 2.8° of longitude across the map.
pub const MAX_ZOOM: u8 = 7;

/// At most this many points are kept for drawing and hit-testing; the legend still counts
/// every terminal the query shows. A braille map of a 200-column terminal has 80,000 dots, so
/// more points than this could not be told apart anyway.
pub const MAX_POINTS: usize = 100_000;

/// One plotted terminal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapPoint {
    pub lon: f64,
    pub lat: f64,
    /// Its normalized status as a `Status::ALL` position.
    pub status: u8,
    /// Its position in `App::visible` (what `Action::Select` takes).
    pub position: usize,
}

/// The terminals of one version of the view.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapPoints {
    pub version: u64,
    pub points: Vec<MapPoint>,
    /// Terminals per normalized status (all of them, also past [`MAX_POINTS`]).
    pub counts: StatusCounts,
    /// Visible rows without a position (not on the map).
    pub unplaced: usize,
}

impl MapPoints {
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }
}

/// The map's longitude/latitude window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    pub west: f64,
    pub east: f64,
    pub south: f64,
    pub north: f64,
}

impl Viewport {
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        (self.west..=self.east).contains(&lon) && (self.south..=self.north).contains(&lat)
    }

    pub fn center(&self) -> (f64, f64) {
        (
            (self.west + self.east) / 2.0,
            (self.south + self.north) / 2.0,
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MapState {
    /// Longitude and latitude of the centre (kept inside the world for the zoom level).
    pub center: (f64, f64),
    /// 0 shows the whole world; each level halves the span.
    pub zoom: u8,
    /// The points of the view version they were collected from.
    cache: Option<MapPoints>,
    /// The product whose detail was opened from the map: `Esc` there comes back to the map.
    pub opened: Option<ProductId>,
}

impl Default for MapState {
    fn default() -> Self {
        MapState {
            center: (0.0, 0.0),
            zoom: 0,
            cache: None,
            opened: None,
        }
    }
}

impl MapState {
    pub fn viewport(&self) -> Viewport {
        let (half_w, half_h) = half_spans(self.zoom);
        let (lon, lat) = clamp_center(self.center, self.zoom);
        Viewport {
            west: lon - half_w,
            east: lon + half_w,
            south: lat - half_h,
            north: lat + half_h,
        }
    }

    /// The zoom factor shown to the operator (×1, ×2, …).
    pub fn factor(&self) -> u32 {
        1 << self.zoom
    }
}

fn half_spans(zoom: u8) -> (f64, f64) {
    let f = f64::from(1u32 << zoom.min(MAX_ZOOM));
    (180.0 / f, 90.0 / f)
}

/// The centre moved so that the window stays on the world.
fn clamp_center((lon, lat): (f64, f64), zoom: u8) -> (f64, f64) {
    let (half_w, half_h) = half_spans(zoom);
    (
        lon.clamp(-180.0 + half_w, 180.0 - half_w),
        lat.clamp(-90.0 + half_h, 90.0 - half_h),
    )
}

/// Collect the points of the current view: one pass over `visible`.
fn collect(app: &App) -> MapPoints {
    let mut out = MapPoints {
        version: app.view_version,
        ..MapPoints::default()
    };
    for (position, &i) in app.visible.iter().enumerate() {
        let row = &app.rows[i];
        let (Some(lat), Some(lon)) = (row.latitude(), row.longitude()) else {
            out.unplaced += 1;
            continue;
        };
        // A carrier's nonsense position (NaN, out of range) is not drawn anywhere.
        // (A range check is false for NaN too.)
        if !((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)) {
            out.unplaced += 1;
            continue;
        }
        let slot = app.row_class[i].status_slot();
        out.counts[slot] += 1;
        // A status slot is below `Status::ALL.len()` (10).
        let status = u8::try_from(slot).unwrap_or(0);
        if out.points.len() < MAX_POINTS {
            out.points.push(MapPoint {
                lon,
                lat,
                status,
                position,
            });
        }
    }
    out
}

/// The points of the current view: the cached ones when they are of this version, else
/// collected now (a test drawing without the runtime, or a key pressed before the next frame).
pub fn points(app: &App) -> Cow<'_, MapPoints> {
    match &app.map.cache {
        Some(c) if c.version == app.view_version => Cow::Borrowed(c),
        _ => Cow::Owned(collect(app)),
    }
}

/// Before a frame: bring the point cache up to the view's version when the map is shown.
pub fn prepare(app: &mut App) {
    if app.screen != Screen::Map {
        return;
    }
    if app
        .map
        .cache
        .as_ref()
        .is_none_or(|c| c.version != app.view_version)
    {
        app.map.cache = Some(collect(app));
    }
}

/// The point nearest `(lon, lat)` among those inside `view`. Distances are in degrees with
/// longitude scaled by the latitude's cosine, so "nearest" matches what the eye sees.
pub fn nearest(points: &[MapPoint], view: &Viewport, lon: f64, lat: f64) -> Option<MapPoint> {
    let scale = lat.to_radians().cos().abs().max(0.1);
    points
        .iter()
        .filter(|p| view.contains(p.lon, p.lat))
        .min_by(|a, b| {
            let d = |p: &MapPoint| ((p.lon - lon) * scale).powi(2) + (p.lat - lat).powi(2);
            d(a).total_cmp(&d(b))
        })
        .copied()
}

/// The selected row's position, when it has one on the world.
fn selected_position(app: &App) -> Option<(f64, f64)> {
    let row = app.selected_row()?;
    Some((row.longitude()?, row.latitude()?))
}

/// Show the map, centred on the selected product when it has a position.
pub fn open(app: &mut App) -> Vec<Effect> {
    app.screen = Screen::Map;
    app.overview.auto = false;
    // From a detail, the map shows that product (a monitor may have opened one the list
    // does not have selected).
    if let Some(&i) = app.detail.as_ref().and_then(|d| app.index.get(&d.id))
        && let Some(position) = app.visible.iter().position(|&v| v == i)
    {
        app.selected = position;
        app.selection_moved = true;
        app.scroll_to_selection();
    }
    // A selection the map cannot show (a SIM, a terminal without a position) moves to the
    // first terminal in the list's order, so something is always marked, named and opened.
    if selected_position(app).is_none()
        && let Some(first) = points(app).points.first().map(|p| p.position)
    {
        app.selected = first;
        app.selection_moved = true;
        app.scroll_to_selection();
    }
    if let Some(at) = selected_position(app)
        && !app.map.viewport().contains(at.0, at.1)
    {
        app.map.center = clamp_center(at, app.map.zoom);
    }
    app.dirty = true;
    Vec::new()
}

/// Keys while the map has focus.
pub fn apply(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Pan { east, north } => {
            let view = app.map.viewport();
            // A quarter of the window per key: four presses cross the screen.
            let step_lon = (view.east - view.west) / 4.0;
            let step_lat = (view.north - view.south) / 4.0;
            let (lon, lat) = view.center();
            let moved = clamp_center(
                (
                    lon + f64::from(east) * step_lon,
                    lat + f64::from(north) * step_lat,
                ),
                app.map.zoom,
            );
            if moved == (lon, lat) {
                app.dirty = false;
                return Vec::new();
            }
            app.map.center = moved;
            select_nearest_center(app);
            Vec::new()
        }
        Action::ZoomIn => {
            if app.map.zoom >= MAX_ZOOM {
                app.set_info(&format!(
                    "the map is at its deepest zoom (×{})",
                    app.map.factor()
                ));
                return Vec::new();
            }
            // Zoom in on the selected terminal when it is on screen: select, then `+` `+`.
            let view = app.map.viewport();
            let around = selected_position(app)
                .filter(|&(lon, lat)| view.contains(lon, lat))
                .unwrap_or_else(|| view.center());
            app.map.zoom += 1;
            app.map.center = clamp_center(around, app.map.zoom);
            Vec::new()
        }
        Action::ZoomOut => {
            if app.map.zoom == 0 {
                app.dirty = false;
                return Vec::new();
            }
            let center = app.map.viewport().center();
            app.map.zoom -= 1;
            app.map.center = clamp_center(center, app.map.zoom);
            Vec::new()
        }
        Action::Top => {
            app.map.zoom = 0;
            app.map.center = (0.0, 0.0);
            Vec::new()
        }
        Action::Select { position } if position < app.visible.len() => {
            app.selected = position;
            app.selection_moved = true;
            app.scroll_to_selection();
            Vec::new()
        }
        Action::Open => open_target(app),
        Action::Back => {
            app.screen = Screen::Products;
            Vec::new()
        }
        Action::StartFilter => {
            app.filter.editing = true;
            Vec::new()
        }
        Action::Refresh => crate::ui::apply::refresh(app),
        Action::Overview => super::overview::open(app),
        Action::Monitors => super::monitors::open(app),
        Action::Audit => super::audit::open(app),
        Action::Backends => super::backends::open(app),
        _ => {
            app.dirty = false;
            Vec::new()
        }
    }
}

/// After a pan: the terminal nearest the new centre becomes the selection (and so what Enter
/// opens); with none on screen the selection stays.
fn select_nearest_center(app: &mut App) {
    let view = app.map.viewport();
    let (lon, lat) = view.center();
    let found = nearest(&points(app).points, &view, lon, lat);
    if let Some(p) = found {
        app.selected = p.position;
        app.selection_moved = true;
        app.scroll_to_selection();
    }
}

/// Enter: the selected terminal when it is on screen, else the one nearest the centre.
fn open_target(app: &mut App) -> Vec<Effect> {
    let view = app.map.viewport();
    let on_screen = selected_position(app).is_some_and(|(lon, lat)| view.contains(lon, lat));
    if !on_screen {
        let (lon, lat) = view.center();
        match nearest(&points(app).points, &view, lon, lat) {
            Some(p) => {
                app.selected = p.position;
                app.selection_moved = true;
                app.scroll_to_selection();
            }
            None => {
                app.set_info(
                    "no terminal in this part of the map (- zooms out, g shows the world)",
                );
                return Vec::new();
            }
        }
    }
    let Some(id) = app.selected_row().map(|r| r.id()) else {
        return Vec::new();
    };
    let effect = crate::ui::apply::open_detail(app, id.clone());
    app.map.opened = Some(id);
    vec![effect]
}

/// `Esc` in a detail: back to the map when the map opened it.
pub fn back_from_detail(app: &mut App, id: &ProductId) {
    if app.map.opened.take().as_ref() == Some(id) {
        app.screen = Screen::Map;
    }
}
