//! The terminal as the console uses it: raw mode and the alternate screen while running, frames
//! written through one 64 KiB buffer and bracketed by synchronized-update sequences (one write
//! per frame), and restoration on every exit path — normal return, error and panic. Mouse
//! capture (clicks and the wheel, SGR-encoded) is on unless the config turns it off, and is
//! released on those same paths. The backend is [`ConsoleBackend`].

use super::app::App;
use super::backend::ConsoleBackend;
use super::theme::{ColorSupport, Theme};
use crossterm::event::DisableMouseCapture;
use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute, queue};
use ratatui::Terminal;
use std::io::{self, BufWriter, Stdout, Write};
use std::panic::PanicHookInfo;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

const FRAME_BUFFER: usize = 64 * 1024;

/// Stdout behind a 64 KiB buffer whose `flush` is held back while a frame is being written, so
/// ratatui's own flush does not split the frame; the frame goes out in one write at its end.
pub struct FrameWriter {
    inner: BufWriter<Stdout>,
    hold: Arc<AtomicBool>,
}

impl Write for FrameWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.hold.load(Ordering::Relaxed) {
            Ok(())
        } else {
            self.inner.flush()
        }
    }
}

type PanicHook = Arc<dyn Fn(&PanicHookInfo<'_>) + Send + Sync + 'static>;

/// Owns the terminal while the console runs; dropping it restores the terminal.
pub struct Tui {
    terminal: Terminal<ConsoleBackend<FrameWriter>>,
    hold: Arc<AtomicBool>,
    previous_hook: Option<PanicHook>,
    /// The last frame may not have reached the terminal: repaint everything next time.
    repaint: bool,
}

/// Clicks (1000) reported in SGR encoding (1006), which has no 223-column limit. Not crossterm's
/// `EnableMouseCapture`: that also asks for every mouse motion (1003), a stream of events over
/// SSH that the console has no use for.
const MOUSE_ON: &str = "\x1b[?1000h\x1b[?1006h";

/// Mouse capture off, raw mode off, alternate screen left, cursor shown. Safe to call more
/// than once, and whether or not capture was on.
pub fn restore() {
    let _ = disable_raw_mode();
    let mut out = io::stdout();
    let _ = execute!(
        out,
        DisableMouseCapture,
        EndSynchronizedUpdate,
        LeaveAlternateScreen,
        cursor::Show
    );
}

impl Tui {
    /// Take over the terminal: `colors` is what it can show, `mouse` whether to capture it.
    pub fn enter(colors: ColorSupport, mouse: bool) -> io::Result<Tui> {
        let previous: PanicHook = Arc::from(std::panic::take_hook());
        let chained = previous.clone();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            chained(info);
        }));
        let hold = Arc::new(AtomicBool::new(false));
        let setup = || -> io::Result<Terminal<ConsoleBackend<FrameWriter>>> {
            enable_raw_mode()?;
            let mut out = io::stdout();
            execute!(out, EnterAlternateScreen, cursor::Hide)?;
            if mouse {
                out.write_all(MOUSE_ON.as_bytes())?;
                out.flush()?;
            }
            let writer = FrameWriter {
                inner: BufWriter::with_capacity(FRAME_BUFFER, io::stdout()),
                hold: hold.clone(),
            };
            Terminal::new(ConsoleBackend::new(writer, colors))
        };
        let mut tui = Tui {
            terminal: match setup() {
                Ok(t) => t,
                Err(e) => {
                    restore();
                    std::panic::set_hook(Box::new(move |info| previous(info)));
                    return Err(e);
                }
            },
            hold,
            previous_hook: Some(previous),
            repaint: false,
        };
        tui.terminal.clear()?;
        Ok(tui)
    }

    /// Put `text` on the clipboard of the terminal the user sits at: an OSC 52 sequence, which
    /// travels over SSH and which tmux honours with `set -g set-clipboard on`.
    pub fn copy_to_clipboard(&mut self, text: &str) -> io::Result<()> {
        let out = self.terminal.backend_mut();
        out.write_all(osc52(text).as_bytes())?;
        out.flush()
    }

    pub fn size(&self) -> io::Result<(u16, u16)> {
        let s = self.terminal.size()?;
        Ok((s.width, s.height))
    }

    pub fn repaint_pending(&self) -> bool {
        self.repaint
    }

    /// Draw one frame inside a synchronized update. A failed write leaves the screen unknown, so
    /// the next frame clears and repaints everything.
    pub fn draw(&mut self, app: &App, theme: &Theme, full: bool) {
        if let Err(e) = self.try_draw(app, theme, full || self.repaint) {
            tracing::warn!(error = %e, "drawing a frame failed; repainting fully next time");
            self.repaint = true;
        } else {
            self.repaint = false;
        }
    }

    fn try_draw(&mut self, app: &App, theme: &Theme, full: bool) -> io::Result<()> {
        self.hold.store(true, Ordering::Relaxed);
        let result = (|| {
            queue!(self.terminal.backend_mut(), BeginSynchronizedUpdate)?;
            if full {
                self.terminal.clear()?;
            }
            self.terminal.draw(|f| super::panes::draw(f, app, theme))?;
            queue!(self.terminal.backend_mut(), EndSynchronizedUpdate)
        })();
        self.hold.store(false, Ordering::Relaxed);
        let flushed = self.terminal.backend_mut().flush();
        result.and(flushed)
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.terminal.backend_mut().flush();
        restore();
        if let Some(previous) = self.previous_hook.take() {
            std::panic::set_hook(Box::new(move |info| previous(info)));
        }
    }
}

/// The OSC 52 "set clipboard" sequence for `text` (base64, BEL-terminated). The text is
/// sanitized first, so nothing from a carrier can smuggle a control sequence along.
pub fn osc52(text: &str) -> String {
    use base64::Engine as _;
    let clean = crate::text::sanitize(text);
    let encoded = base64::engine::general_purpose::STANDARD.encode(clean.as_bytes());
    format!("\x1b]52;c;{encoded}\x07")
}

#[cfg(test)]
mod osc52_tests {
    #[test]
    fn osc52_encodes_the_text_for_the_clipboard() {
        assert_eq!(
            super::osc52("TMSP-8949"),
            "\x1b]52;c;VE1TUC04OTQ5\x07",
            "base64 of the id, between ESC ] 52 ; c ; and BEL"
        );
        let hostile = super::osc52("89\x1b]0;pwned\x07");
        assert_eq!(
            hostile.matches('\x1b').count(),
            1,
            "only our own ESC: {hostile:?}"
        );
    }
}
