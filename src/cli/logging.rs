//! Logging to a file in the XDG state dir, never to the terminal: the console owns the screen
//! and headless commands keep stdout and stderr for their output. The writer is non-blocking
//! (tracing-appender), so a slow disk never stalls the UI task. `RUST_LOG` sets the filter
//! (default `info`). Every line passes the one redaction path (`redact.rs`) before it is
//! written, so no field or message can put a secret in the file.

use std::path::Path;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Keeps the background writer alive; dropping it flushes what is queued.
pub struct LogGuard {
    _worker: Option<WorkerGuard>,
}

/// Start logging into `log_file`. When the file cannot be opened (read-only home, …) logging is
/// off rather than fatal: the commands still work, and the reason goes to stderr once only when
/// the user asked for logs with `RUST_LOG`.
pub fn init(log_file: &Path) -> LogGuard {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let opened = log_file
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log_file)
        });
    let file = match opened {
        Ok(f) => f,
        Err(e) => {
            if std::env::var_os("RUST_LOG").is_some() {
                eprintln!(
                    "cmo: logging disabled: cannot open {}: {e}",
                    log_file.display()
                );
            }
            return LogGuard { _worker: None };
        }
    };
    let (writer, worker) = tracing_appender::non_blocking(file);
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Redacting(writer))
        .with_ansi(false)
        .try_init();
    LogGuard {
        _worker: installed.ok().map(|()| worker),
    }
}

/// A `MakeWriter` whose writers scrub secrets from what they are given. The fmt layer writes
/// each event as one formatted buffer, so a secret is never split across two writes.
struct Redacting<M>(M);

impl<'a, M: tracing_subscriber::fmt::MakeWriter<'a>> tracing_subscriber::fmt::MakeWriter<'a>
    for Redacting<M>
{
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }
}

struct RedactingWriter<W>(W);

impl<W: std::io::Write> std::io::Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(crate::redact::scrub(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}
