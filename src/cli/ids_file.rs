//! Reading `--ids-file` as untrusted input, bounded in every direction: a directory, a binary
//! file, a line that is not UTF-8, a line longer than [`MAX_LINE`] bytes (`/dev/zero` is one
//! endless line) or more ids than the batch may hold are each refused as bad input (exit 2)
//! with the file and line named, after reading at most one line past the point of refusal.
//! The `max_batch_size` guardrail is applied here, at the first id over the limit, so a
//! 100,000-line file is refused without reading the rest; duplicates are found with a hash set.

use super::error::CliError;
use crate::domain::ProductId;
use crate::text::sanitize;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, ErrorKind, Read};
use std::path::Path;

/// The longest line accepted, in bytes: an id with a comment fits many times over.
pub const MAX_LINE: usize = 4096;

/// Lines read at most (blank and comment lines included), whatever the batch limit.
pub const MAX_LINES: usize = 1_000_000;

/// The ids of `path`, one per line, `#` comments and blank lines ignored; at most `max_ids`.
pub fn read(path: &Path, max_ids: usize) -> Result<Vec<ProductId>, CliError> {
    let origin = path.display().to_string();
    let cannot = |e: std::io::Error| {
        let msg = format!("cannot read --ids-file {origin}: {e}");
        match e.kind() {
            ErrorKind::NotFound | ErrorKind::PermissionDenied | ErrorKind::IsADirectory => {
                CliError::Usage(msg)
            }
            _ => CliError::Runtime(msg),
        }
    };
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if meta.is_dir() {
        return Err(CliError::Usage(format!(
            "--ids-file {origin} is a directory; give a file with one product id per line"
        )));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    from_reader(BufReader::new(file), &origin, max_ids).map_err(|e| match e {
        ReadError::Io(e) => cannot(e),
        ReadError::Cli(e) => e,
    })
}

/// What stopped the reading: the input itself (already a [`CliError`]) or the I/O under it.
pub enum ReadError {
    Cli(CliError),
    Io(std::io::Error),
}

impl From<CliError> for ReadError {
    fn from(e: CliError) -> Self {
        ReadError::Cli(e)
    }
}

/// [`read`] on any reader; `origin` names it in messages.
pub fn from_reader(
    mut reader: impl BufRead,
    origin: &str,
    max_ids: usize,
) -> Result<Vec<ProductId>, ReadError> {
    let usage = |line: usize, why: String| CliError::Usage(format!("{origin}, line {line}: {why}"));
    let mut ids = Vec::new();
    let mut seen: HashMap<ProductId, usize> = HashMap::new();
    let mut buf = Vec::with_capacity(256);
    let mut line = 0;
    loop {
        buf.clear();
        // One byte more than a line may hold: enough to tell that it is too long, never more.
        let limit = u64::try_from(MAX_LINE + 1).unwrap_or(u64::MAX);
        let n = (&mut reader)
            .take(limit)
            .read_until(b'\n', &mut buf)
            .map_err(ReadError::Io)?;
        if n == 0 {
            break;
        }
        line += 1;
        if line > MAX_LINES {
            return Err(usage(
                line,
                format!("more than {MAX_LINES} lines; not an ids file?"),
            )
            .into());
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
        } else if buf.len() > MAX_LINE {
            return Err(usage(
                line,
                format!("longer than {MAX_LINE} bytes; one product id per line"),
            )
            .into());
        }
        if let Some(at) = buf.iter().position(|b| *b == 0) {
            return Err(usage(
                line,
                format!(
                    "a NUL byte at column {}: a binary file, not a list of ids",
                    at + 1
                ),
            )
            .into());
        }
        let text = std::str::from_utf8(&buf).map_err(|e| {
            usage(
                line,
                format!(
                    "not UTF-8 text (invalid byte at column {})",
                    e.valid_up_to() + 1
                ),
            )
        })?;
        let content = text.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let id = super::run::product_id(content).map_err(|e| {
            // The id error quotes its input whole; a long line is quoted cut short instead.
            let why = if content.len() > 120 {
                "not a product id (BACKEND-ICCID or BACKEND-SERIAL)".to_string()
            } else {
                e.to_string()
            };
            usage(line, format!("{}: {why}", shown(content)))
        })?;
        if let Some(first) = seen.get(&id) {
            return Err(usage(
                line,
                format!("{id} is listed twice (first on line {first})"),
            )
            .into());
        }
        if ids.len() == max_ids {
            return Err(usage(
                line,
                format!(
                    "more than {max_ids} ids, the configured maximum of a batch (max_batch_size); \
                     the rest of the file was not read and nothing was changed"
                ),
            )
            .into());
        }
        seen.insert(id.clone(), line);
        ids.push(id);
    }
    if ids.is_empty() {
        return Err(CliError::Usage(format!("{origin}: the batch has no product ids")).into());
    }
    Ok(ids)
}

/// A bad line as quoted in a message: sanitized, and cut at 80 characters.
fn shown(content: &str) -> String {
    let clean = sanitize(content);
    match clean.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", &clean[..at]),
        None => clean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &[u8], max: usize) -> Result<Vec<ProductId>, CliError> {
        from_reader(text, "ids.txt", max).map_err(|e| match e {
            ReadError::Cli(e) => e,
            ReadError::Io(e) => CliError::Runtime(e.to_string()),
        })
    }

    fn refused(text: &[u8], max: usize) -> String {
        let e = ids(text, max).unwrap_err();
        assert_eq!(e.exit_code(), 2, "{e}");
        e.to_string()
    }

    const A: &str = "1NCE-8988303000000000016";
    const B: &str = "TMSP-89490200001234567890";

    #[test]
    fn comments_blank_lines_and_crlf_are_accepted() {
        let text = format!("# pier\r\n{A}\r\n\n  {B} # spare\n");
        let got = ids(text.as_bytes(), 10).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].to_string(), B);
    }

    #[test]
    fn binary_non_utf8_long_lines_and_duplicates_are_bad_input_naming_the_line() {
        let nul = refused(format!("{A}\n\0\0\0").as_bytes(), 10);
        assert!(nul.contains("line 2") && nul.contains("binary"), "{nul}");
        let latin1 = refused(b"# ok\n1NCE-89\xe9\n", 10);
        assert!(
            latin1.contains("line 2") && latin1.contains("column 8"),
            "{latin1}"
        );
        let long = vec![b'x'; MAX_LINE * 3];
        let too_long = refused(&long, 10);
        assert!(
            too_long.contains("line 1") && too_long.contains("4096"),
            "{too_long}"
        );
        let twice = refused(format!("{A}\n{B}\n{A}\n").as_bytes(), 10);
        assert!(
            twice.contains("line 3") && twice.contains("line 1"),
            "{twice}"
        );
        assert!(refused(b"# nothing\n", 10).contains("no product ids"));
        // A line of exactly MAX_LINE bytes is read (and then judged as an id).
        let exact = refused(&vec![b'y'; MAX_LINE], 10);
        assert!(!exact.contains("longer") && exact.len() < 300, "{exact}");
    }

    #[test]
    fn the_batch_limit_stops_at_the_first_id_over_it_without_reading_further() {
        /// Counts what is read, and fails the test if reading goes past the limit's line.
        struct Counting<'a> {
            inner: &'a [u8],
            read: usize,
        }
        impl Read for Counting<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let n = self.inner.read(out)?;
                self.read += n;
                Ok(n)
            }
        }
        let mut text = String::new();
        for i in 0..100_000u64 {
            text.push_str(&format!("1NCE-8988303{i:012}\n"));
        }
        let mut counting = Counting {
            inner: text.as_bytes(),
            read: 0,
        };
        let err = match from_reader(BufReader::with_capacity(64, &mut counting), "big.txt", 100) {
            Err(ReadError::Cli(e)) => e,
            _ => panic!("a 100,000-id file passed a 100-id limit"),
        };
        assert_eq!(err.exit_code(), 2);
        let msg = err.to_string();
        assert!(
            msg.contains("big.txt, line 101") && msg.contains("max_batch_size"),
            "{msg}"
        );
        let line_len = text.lines().next().unwrap().len() + 1;
        assert!(
            counting.read <= 101 * line_len + 64,
            "read {} bytes for 101 lines",
            counting.read
        );
        // At the limit exactly, the batch is accepted.
        let hundred: String = text.lines().take(100).map(|l| format!("{l}\n")).collect();
        assert_eq!(ids(hundred.as_bytes(), 100).unwrap().len(), 100);
    }
}
