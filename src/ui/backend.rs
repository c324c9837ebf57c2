//! The console's ratatui backend: crossterm's, with three changes for the terminals a NOC
//! actually has.
//!
//! * It never asks the terminal where the cursor is. ratatui's `Terminal::clear` reads the
//!   cursor position (crossterm sends `ESC[6n` and waits up to 2 s for an answer), and a
//!   terminal or multiplexer that never answers made the console fail to start. The console
//!   is full-screen on the alternate screen, so the last position it set is all it needs.
//! * Its size comes from the tty (`ioctl`, through crossterm), then `$COLUMNS`/`$LINES`, then
//!   80×24 — a tty reporting 0×0 or no size at all still gets a console — and is clamped to
//!   [`MAX_SIZE`] before anything is allocated for it: ratatui keeps two cell buffers of the
//!   whole screen, and a tty claiming 65535×65535 asked for hundreds of gigabytes.
//! * On terminals without 256 colours it writes cells itself: crossterm spells even the 16
//!   named colours as `38;5;N`, which a 16-colour terminal does not understand, so cells go
//!   out as SGR 30–37/90–97 (and backgrounds), or with no colour code at all for `NO_COLOR`
//!   (where crossterm would write `ESC[m`, a full reset that also drops reverse video).

use super::theme::ColorSupport;
use super::theme::detect::{ansi16_index, downgrade};
use crossterm::cursor::MoveTo;
use crossterm::queue;
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};
use std::io::{self, Write};

/// Used when neither the tty nor the environment gives a size.
pub const FALLBACK_SIZE: Size = Size {
    width: 80,
    height: 24,
};

/// The largest screen the console draws on; a bigger terminal gets this much of it (the rest
/// stays blank). Two buffers of 1000×500 cells are a few tens of megabytes.
pub const MAX_SIZE: Size = Size {
    width: 1000,
    height: 500,
};

/// `(width, height)` brought within [`MAX_SIZE`] (a resize event's size goes through this too).
pub fn clamp_size(width: u16, height: u16) -> (u16, u16) {
    (width.min(MAX_SIZE.width), height.min(MAX_SIZE.height))
}

pub struct ConsoleBackend<W: Write> {
    inner: CrosstermBackend<W>,
    colors: ColorSupport,
    /// Where the console last put the cursor (what `get_cursor_position` answers).
    cursor: Position,
}

impl<W: Write> ConsoleBackend<W> {
    pub fn new(writer: W, colors: ColorSupport) -> Self {
        ConsoleBackend {
            inner: CrosstermBackend::new(writer),
            colors,
            cursor: Position::ORIGIN,
        }
    }

    /// Cells with at most the 16 ANSI colours: one full SGR (reset, attributes, colours) per
    /// change of style, so no state is carried over from what the terminal had before.
    fn draw_limited<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut last: Option<Position> = None;
        let mut style: Option<(Color, Color, Modifier)> = None;
        for (x, y, cell) in content {
            if !matches!(last, Some(p) if x == p.x + 1 && y == p.y) {
                queue!(self.inner, MoveTo(x, y))?;
            }
            last = Some(Position { x, y });
            let this = (cell.fg, cell.bg, cell.modifier);
            if style != Some(this) {
                self.inner
                    .write_all(sgr(cell.fg, cell.bg, cell.modifier, self.colors).as_bytes())?;
                style = Some(this);
            }
            self.inner.write_all(cell.symbol().as_bytes())?;
        }
        self.inner.write_all(b"\x1b[0m")
    }
}

/// `ESC[0;…m` for one cell style with at most 16 colours (none for [`ColorSupport::None`]).
pub fn sgr(fg: Color, bg: Color, modifier: Modifier, colors: ColorSupport) -> String {
    let mut out = String::from("\x1b[0");
    for (m, code) in [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::SLOW_BLINK, "5"),
        (Modifier::RAPID_BLINK, "6"),
        (Modifier::REVERSED, "7"),
        (Modifier::HIDDEN, "8"),
        (Modifier::CROSSED_OUT, "9"),
    ] {
        if modifier.contains(m) {
            out.push(';');
            out.push_str(code);
        }
    }
    let index = |c: Color| downgrade(c, colors.min(ColorSupport::Ansi16)).and_then(ansi16_index);
    if let Some(i) = index(fg) {
        let code = if i < 8 { 30 + i } else { 90 + i - 8 };
        out.push_str(&format!(";{code}"));
    }
    if let Some(i) = index(bg) {
        let code = u16::from(if i < 8 { 40 + i } else { 100 + i - 8 });
        out.push_str(&format!(";{code}"));
    }
    out.push('m');
    out
}

/// The terminal's size: the tty's, else `$COLUMNS`×`$LINES`, else 80×24.
pub fn terminal_size() -> Size {
    let tty = crossterm::terminal::size().ok();
    let var = |k: &str| std::env::var(k).ok();
    size_from(tty, var("COLUMNS").as_deref(), var("LINES").as_deref())
}

/// [`terminal_size`]'s choice, pure: a zero dimension counts as unknown; the answer is within
/// [`MAX_SIZE`].
pub fn size_from(tty: Option<(u16, u16)>, columns: Option<&str>, lines: Option<&str>) -> Size {
    let clamped = |(w, h): (u16, u16)| {
        let (width, height) = clamp_size(w, h);
        Size { width, height }
    };
    if let Some(size) = tty.filter(|(w, h)| *w > 0 && *h > 0) {
        return clamped(size);
    }
    // An out-of-range number (`99999`) is as unknown as a missing one.
    let parse = |v: Option<&str>| v?.trim().parse::<u16>().ok().filter(|n| *n > 0);
    match (parse(columns), parse(lines)) {
        (Some(width), Some(height)) => clamped((width, height)),
        _ => FALLBACK_SIZE,
    }
}

impl<W: Write> Write for ConsoleBackend<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Write::flush(&mut self.inner)
    }
}

impl<W: Write> Backend for ConsoleBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        if self.colors >= ColorSupport::Ansi256 {
            self.inner.draw(content)
        } else {
            self.draw_limited(content)
        }
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        Ok(self.cursor)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let position = position.into();
        self.cursor = position;
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        Ok(terminal_size())
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        match self.inner.window_size() {
            Ok(w) if w.columns_rows.width > 0 && w.columns_rows.height > 0 => {
                let (width, height) = clamp_size(w.columns_rows.width, w.columns_rows.height);
                Ok(WindowSize {
                    columns_rows: Size { width, height },
                    pixels: w.pixels,
                })
            }
            _ => Ok(WindowSize {
                columns_rows: terminal_size(),
                pixels: Size::default(),
            }),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn size_falls_back_from_the_tty_to_the_environment_to_80x24() {
        let s = |w, h| Size {
            width: w,
            height: h,
        };
        assert_eq!(
            size_from(Some((120, 40)), Some("10"), Some("5")),
            s(120, 40)
        );
        assert_eq!(size_from(Some((0, 0)), Some("100"), Some("30")), s(100, 30));
        assert_eq!(size_from(None, Some(" 90 "), Some("20")), s(90, 20));
        assert_eq!(size_from(None, Some("90"), None), FALLBACK_SIZE);
        assert_eq!(size_from(None, Some("0"), Some("x")), FALLBACK_SIZE);
    }

    #[test]
    fn a_huge_terminal_is_clamped_before_anything_is_allocated() {
        assert_eq!(size_from(Some((65535, 65535)), None, None), MAX_SIZE);
        assert_eq!(
            size_from(Some((65535, 40)), None, None),
            Size {
                width: MAX_SIZE.width,
                height: 40
            }
        );
        assert_eq!(
            size_from(None, Some("60000"), Some("60000")),
            MAX_SIZE,
            "the environment is clamped too"
        );
        assert_eq!(clamp_size(120, 40), (120, 40));
        // A buffer of the clamped size is what ratatui allocates: it must stay small.
        let Size { width, height } = size_from(Some((u16::MAX, u16::MAX)), None, None);
        let buffer = Buffer::empty(Rect::new(0, 0, width, height));
        assert_eq!(buffer.content.len(), 1000 * 500);
    }

    #[test]
    fn sgr_uses_16_colour_codes_or_none() {
        let bold_rev = Modifier::BOLD | Modifier::REVERSED;
        assert_eq!(
            sgr(Color::Cyan, Color::DarkGray, bold_rev, ColorSupport::Ansi16),
            "\x1b[0;1;7;36;100m"
        );
        assert_eq!(
            sgr(
                Color::Indexed(196),
                Color::Rgb(0, 0, 0),
                Modifier::empty(),
                ColorSupport::Ansi16
            ),
            "\x1b[0;91;40m"
        );
        assert_eq!(
            sgr(
                Color::Cyan,
                Color::Red,
                Modifier::REVERSED,
                ColorSupport::None
            ),
            "\x1b[0;7m"
        );
        assert_eq!(
            sgr(
                Color::Reset,
                Color::Reset,
                Modifier::empty(),
                ColorSupport::Ansi16
            ),
            "\x1b[0m"
        );
    }

    #[test]
    fn never_asks_the_terminal_for_the_cursor_and_writes_no_256_colour_codes() {
        /// A writer the test can read back (crossterm's backend does not hand its writer out).
        #[derive(Clone, Default)]
        struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let written = Shared::default();
        let mut backend = ConsoleBackend::new(written.clone(), ColorSupport::Ansi16);
        backend.set_cursor_position((3, 4)).unwrap();
        assert_eq!(backend.get_cursor_position().unwrap(), Position::new(3, 4));
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 1));
        buf.set_string(0, 0, "ab", Style::new().fg(Color::Green));
        buf.set_string(2, 0, "cd", Style::new().fg(Color::Rgb(0, 0, 255)));
        backend
            .draw(buf.content.iter().enumerate().map(|(i, c)| {
                let i = u16::try_from(i).unwrap();
                (i, 0, c)
            }))
            .unwrap();
        let out = String::from_utf8(written.0.lock().unwrap().clone()).unwrap();
        assert!(!out.contains("\x1b[6n"), "{out:?}");
        assert!(!out.contains("38;5;") && !out.contains("38;2;"), "{out:?}");
        assert!(out.contains("\x1b[0;32mab\x1b[0;34mcd\x1b[0m"), "{out:?}");
    }
}
