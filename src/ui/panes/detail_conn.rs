//! The detail's connectivity block ("why is it offline?"): one line at the top of an open
//! product saying what a NOC asks first — lifecycle status, network attach / session state,
//! since when, IP, radio, country/operator (`domain::session::one_line`) — or that the
//! platform offers no session data. Loaded with the product (one extra call through the
//! account's pace) and again on `r`. Also the list's sign for a row whose state is known.

use crate::domain::session::one_line;
use crate::domain::{Attach, NetworkState, ProductId, SessionState, Status};
use crate::text::sanitize;
use crate::ui::app::{App, DetailState, Loadable};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

const LABEL: &str = "Network  ";

/// The block's text and the style of its state.
fn text(app: &App, detail: &DetailState, theme: &Theme) -> (String, Style) {
    let lifecycle = lifecycle(app, detail);
    match &detail.session {
        // Not drawn (no height) until the answer comes.
        Loadable::Loading => (String::new(), theme.native),
        Loadable::Failed(e) => (
            format!("session state unavailable: {}", sanitize(e)),
            theme.message_error,
        ),
        Loadable::Ready(session) => {
            let now = app.now.unwrap_or_else(chrono::Utc::now);
            let line = one_line(lifecycle, detail.id.kind, session.as_ref(), now);
            (line, style(session.as_ref(), theme))
        }
    }
}

/// The lifecycle status as the detail (else the row) knows it.
fn lifecycle(app: &App, detail: &DetailState) -> Option<Status> {
    match &detail.product {
        Loadable::Ready(p) => Some(p.summary.status.status),
        _ => app
            .row(&detail.id)
            .map(crate::domain::query::Fields::status),
    }
}

fn style(session: Option<&SessionState>, theme: &Theme) -> Style {
    match session.map(|s| s.state) {
        Some(NetworkState::Online) => theme.status_ok,
        Some(NetworkState::Attached) => theme.status_warn,
        Some(NetworkState::Offline | NetworkState::NoSession) => theme.status_bad,
        None => theme.native,
    }
}

/// Rows the block takes at `width` (its line wraps rather than being cut). None until the
/// carrier answers: the bundle usually arrives first and its lines should not jump twice.
pub fn height(app: &App, detail: &DetailState, width: u16) -> u16 {
    if detail.session == Loadable::Loading {
        return 0;
    }
    let (line, _) = text(app, detail, &Theme::default());
    let chars = LABEL.chars().count() + line.chars().count();
    let width = usize::from(width.max(1));
    u16::try_from(chars.div_ceil(width).max(1)).unwrap_or(u16::MAX)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, detail: &DetailState, theme: &Theme) {
    let (line, style) = text(app, detail, theme);
    let line = Line::from(vec![
        Span::styled(LABEL, theme.label),
        Span::styled(line, style),
    ]);
    frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), area);
}

/// The sign after a row's status in the list, for a product whose session state is known.
pub fn list_sign(attach: Attach) -> Option<&'static str> {
    match attach {
        Attach::Unknown => None,
        Attach::Online => Some(" ·on"),
        Attach::Attached => Some(" ·att"),
        Attach::Offline => Some(" ·off"),
    }
}

/// The answer of a session read for the detail opened under `generation`: shown there, and
/// kept on the product's row for the list's sign and `online:`.
pub fn on_session(
    app: &mut App,
    generation: u64,
    id: &ProductId,
    result: Result<Option<SessionState>, String>,
) {
    if let Ok(Some(s)) = &result {
        app.set_attach(id, s.attach());
    }
    if let Some(d) = app
        .detail
        .as_mut()
        .filter(|d| d.generation == generation && d.id == *id)
    {
        d.session = match result {
            Ok(s) => Loadable::Ready(s),
            Err(e) => Loadable::Failed(e),
        };
        app.dirty = true;
    }
}
