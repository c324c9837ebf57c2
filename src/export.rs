//! Product rows as CSV, for `cmo products list --format csv` and the console's `:export FILE.csv`.
//! Free of cli and ui types on purpose: both callers hand it `ProductSummary` rows.
//!
//! Columns: `id, account, backend, type, status, native_status, iccid, serial, imsi, msisdn,
//! terminal_name, latitude, longitude`, then one `attr:NAME` column per custom attribute name
//! present on any row (sorted), empty where a row lacks it. `account` is the configured account
//! that holds the product (`relatedParty.name`), `backend` the product's platform kind (the id's
//! prefix) — they differ for products a CMO tenant holds.
//!
//! Every cell is carrier or operator text, so two things are done to it:
//! - [`crate::text::sanitize`] drops control characters and escape sequences: a CSV file is
//!   often `cat`ed to a terminal, and an ESC in it would drive that terminal;
//! - a cell that starts with `=`, `+`, `-` or `@` and is not a plain number gets a leading `'`.
//!   Spreadsheets (Excel, LibreOffice, Google Sheets) evaluate such a cell as a formula when the
//!   file is opened, so a hostile attribute value or carrier field like `=HYPERLINK(…)` or
//!   `@SUM(…)` could run or exfiltrate on an operator's machine (OWASP "CSV injection"). The
//!   apostrophe is the spreadsheet convention for "text, not formula"; plain numbers such as a
//!   negative latitude or an MSISDN `+4917…` are left alone since they evaluate to themselves.

use crate::domain::ProductSummary;
use crate::text::sanitize;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The fixed columns, in order; attribute columns follow.
pub const COLUMNS: [&str; 13] = [
    "id",
    "account",
    "backend",
    "type",
    "status",
    "native_status",
    "iccid",
    "serial",
    "imsi",
    "msisdn",
    "terminal_name",
    "latitude",
    "longitude",
];

/// Prefix of the attribute columns' headers.
pub const ATTR_PREFIX: &str = "attr:";

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write CSV: {0}")]
    Io(#[from] std::io::Error),
    #[error("{}: is a directory; give a file name", path.display())]
    IsDirectory { path: PathBuf },
    #[error("{}: the folder {} does not exist (it is not created)", path.display(), parent.display())]
    NoParent { path: PathBuf, parent: PathBuf },
    #[error("{}: {source}", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: Box<ExportError>,
    },
}

/// True for `123`, `-33.5`, `+4917612345678`: text a spreadsheet reads as the number it shows.
fn plain_number(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// One cell as written: sanitized first (removing a control character could expose a leading
/// `=`), then neutralized against formula evaluation.
pub fn cell(raw: &str) -> String {
    let clean = sanitize(raw);
    match clean.chars().next() {
        Some('=' | '+' | '-' | '@') if !plain_number(&clean) => format!("'{clean}"),
        _ => clean,
    }
}

fn opt(v: &Option<String>) -> String {
    v.as_deref().map(cell).unwrap_or_default()
}

fn coord(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// Every attribute name on any row, sorted (the attribute columns).
fn attr_names(rows: &[&ProductSummary]) -> Vec<String> {
    let names: BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r.attrs.iter().map(|a| a.name.as_str()))
        .collect();
    names.into_iter().map(str::to_string).collect()
}

/// Write `rows` as CSV (header first) to `out`.
pub fn write_csv<W: Write>(out: W, rows: &[&ProductSummary]) -> Result<(), ExportError> {
    let names = attr_names(rows);
    let mut w = csv::Writer::from_writer(out);
    let header = COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(names.iter().map(|n| cell(&format!("{ATTR_PREFIX}{n}"))));
    w.write_record(header)?;
    for s in rows {
        let mut record = vec![
            cell(&s.id.to_string()),
            cell(&s.related_party.name),
            s.id.kind.to_string(),
            s.connectivity.as_str().to_string(),
            s.status.status.as_str().to_string(),
            cell(&s.status.native),
            opt(&s.iccid),
            opt(&s.serial),
            opt(&s.imsi),
            opt(&s.msisdn),
            opt(&s.terminal_name),
            coord(s.latitude),
            coord(s.longitude),
        ];
        // The first attribute of a name wins should a carrier send one name twice.
        record.extend(names.iter().map(|n| {
            s.attrs
                .iter()
                .find(|a| &a.name == n)
                .map(|a| cell(&a.value))
                .unwrap_or_default()
        }));
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}

/// A hidden sibling of `path` no other writer picks (process id and clock in the name).
fn temp_path(parent: &Path, path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    parent.join(format!(".{name}.{}.{nanos}.tmp", std::process::id()))
}

/// The CSV into a new file at `tmp`, flushed to disk before it is renamed into place.
fn write_temp(tmp: &Path, rows: &[&ProductSummary]) -> Result<(), ExportError> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(tmp)?;
    let mut buffered = std::io::BufWriter::new(file);
    write_csv(&mut buffered, rows)?;
    let file = buffered
        .into_inner()
        .map_err(|e| ExportError::Io(e.into_error()))?;
    file.sync_all()?;
    Ok(())
}

/// Write `rows` to `path` atomically and return how many were written: the CSV goes to a
/// temporary file in the same folder, which is then renamed over `path`, so a reader (or a
/// crash) never sees half a file and an existing file is replaced only by a complete one.
/// A directory is refused and missing folders are not created: a typo in the path should be
/// an error, not a new tree. Every error names `path`.
pub fn export_to_file(path: &Path, rows: &[&ProductSummary]) -> Result<usize, ExportError> {
    if path.is_dir() {
        return Err(ExportError::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(ExportError::NoParent {
            path: path.to_path_buf(),
            parent: parent.to_path_buf(),
        });
    }
    let tmp = temp_path(parent, path);
    let written = write_temp(&tmp, rows).and_then(|()| {
        std::fs::rename(&tmp, path).map_err(|source| ExportError::File {
            path: path.to_path_buf(),
            source,
        })
    });
    if let Err(e) = written {
        // Never leave half a file behind; the target is untouched.
        let _ = std::fs::remove_file(&tmp);
        return Err(match e {
            e @ ExportError::File { .. } => e,
            other => ExportError::Write {
                path: path.to_path_buf(),
                source: Box::new(other),
            },
        });
    }
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        ConnectivityType, CustomAttribute, NativeStatus, ProductId, RelatedParty, Status,
    };

    fn row(id: &str, attrs: &[(&str, &str)]) -> ProductSummary {
        ProductSummary {
            id: id.parse::<ProductId>().unwrap(),
            related_party: RelatedParty {
                id: "acct-1".into(),
                name: "1nce-prod".into(),
            },
            connectivity: ConnectivityType::Cellular,
            status: NativeStatus::new(Status::Active, "ACTIVATED"),
            iccid: Some(id.split_once('-').unwrap().1.to_string()),
            imsi: Some("262011234567890".into()),
            msisdn: Some("+4917612345678".into()),
            serial: None,
            terminal_name: None,
            latitude: Some(-33.5),
            longitude: None,
            attrs: attrs
                .iter()
                .map(|(n, v)| CustomAttribute {
                    name: n.to_string(),
                    value: v.to_string(),
                })
                .collect(),
        }
    }

    fn csv_of(rows: &[&ProductSummary]) -> String {
        let mut out = Vec::new();
        write_csv(&mut out, rows).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn header_fixed_columns_then_sorted_attribute_columns() {
        let a = row(
            "1NCE-8988228066612345678",
            &[("ticket", "INC-1"), ("site", "pier 4")],
        );
        let b = row("1NCE-8988228066612345679", &[("owner", "noc")]);
        let out = csv_of(&[&a, &b]);
        let mut lines = out.lines();
        assert_eq!(
            lines.next().unwrap(),
            "id,account,backend,type,status,native_status,iccid,serial,imsi,msisdn,\
             terminal_name,latitude,longitude,attr:owner,attr:site,attr:ticket"
        );
        assert_eq!(
            lines.next().unwrap(),
            "1NCE-8988228066612345678,1nce-prod,1NCE,CELLULAR,ACTIVE,ACTIVATED,\
             8988228066612345678,,262011234567890,+4917612345678,,-33.5,,,pier 4,INC-1"
        );
        assert_eq!(
            lines.next().unwrap(),
            "1NCE-8988228066612345679,1nce-prod,1NCE,CELLULAR,ACTIVE,ACTIVATED,\
             8988228066612345679,,262011234567890,+4917612345678,,-33.5,,noc,,"
        );
        assert!(lines.next().is_none());
    }

    #[test]
    fn no_rows_is_just_the_header() {
        assert_eq!(csv_of(&[]), format!("{}\n", COLUMNS.join(",")));
    }

    #[test]
    fn escape_sequences_never_reach_the_file() {
        let mut a = row(
            "1NCE-8988228066612345678",
            &[("note", "evil\u{1b}]0;title\u{7}x")],
        );
        a.terminal_name = Some("bad\u{1b}[2Jname\r\nnext".into());
        let out = csv_of(&[&a]);
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
        assert!(out.contains("badname  next"), "{out}");
        assert!(out.ends_with(",evilx\n"), "{out}");
    }

    #[test]
    fn formulas_are_neutralized_but_numbers_are_not() {
        assert_eq!(
            cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
        assert_eq!(cell("-2+3"), "'-2+3");
        // A control character in front does not hide the formula.
        assert_eq!(cell("\u{1b}[m=1+1"), "'=1+1");
        for plain in ["-33.5", "+4917612345678", "12", "INC-1234", "a=b", ""] {
            assert_eq!(cell(plain), plain);
        }
        assert_eq!(cell("-"), "'-");
        assert_eq!(cell("-1."), "'-1.");
    }

    #[test]
    fn quoting_is_the_csv_crates() {
        let a = row(
            "1NCE-8988228066612345678",
            &[("note", "a, \"quoted\" value")],
        );
        assert!(csv_of(&[&a]).contains(",\"a, \"\"quoted\"\" value\"\n"));
    }

    #[test]
    fn export_to_file_writes_atomically_and_names_the_path_in_errors() {
        let dir = tempfile::tempdir().unwrap();
        let a = row("1NCE-8988228066612345678", &[]);
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "old").unwrap();
        assert_eq!(export_to_file(&path, &[&a, &a]).unwrap(), 2);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3);
        // Nothing else is left in the folder (the temporary file was renamed).
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        let e = export_to_file(dir.path(), &[&a]).unwrap_err();
        assert!(matches!(e, ExportError::IsDirectory { .. }));
        assert!(
            e.to_string().contains(&dir.path().display().to_string()),
            "{e}"
        );

        let missing = dir.path().join("no/such/out.csv");
        let e = export_to_file(&missing, &[&a]).unwrap_err();
        assert!(matches!(e, ExportError::NoParent { .. }), "{e}");
        assert!(e.to_string().contains("no/such/out.csv"), "{e}");
        assert!(!dir.path().join("no").exists());
    }
}
