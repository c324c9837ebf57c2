//! Human-readable output: aligned tables and `key: value` blocks. Every value that may carry
//! carrier text passes through [`crate::text::sanitize`] here, the one place text output is made.

use super::json::usage_type_str;
use crate::domain::capabilities::{self, Operation};
use crate::domain::{
    BackendKind, Characteristic, CustomAttribute, DataConnectivity, Monitor, Product,
    ProductSummary, SimCard, Terminal, Usage,
};
use crate::text::sanitize;
use std::fmt::Write;
use unicode_width::UnicodeWidthStr;

/// Columns a string takes on a terminal: wide (CJK, emoji presentation) characters count two,
/// combining marks and zero-width characters none (`unicode-width`, as ratatui measures).
pub fn display_width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` followed by spaces up to `width` terminal columns (nothing added when it is wider).
fn pad_to(out: &mut String, s: &str, width: usize) {
    out.push_str(s);
    out.extend(std::iter::repeat_n(
        ' ',
        width.saturating_sub(display_width(s)),
    ));
}

/// An aligned table: columns padded to their widest cell (in terminal columns, so wide
/// characters and combining marks in carrier data keep columns aligned), two spaces apart, no
/// trailing blanks.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let clean: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| sanitize(c)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| display_width(h)).collect();
    for row in &clean {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(display_width(cell));
            }
        }
    }
    let mut out = String::new();
    let header_row: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header_row).chain(clean.iter()) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            pad_to(&mut line, cell, widths.get(i).copied().unwrap_or(0));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A carrier's date-time in UTC as the console shows it; any other value unchanged.
fn when(v: &str) -> String {
    crate::domain::time::display(v).unwrap_or_else(|| v.to_string())
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "-".into())
}

fn coord(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |x| format!("{x:.5}"))
}

/// The product list: cellular columns and satellite columns share one table.
pub fn products(items: &[ProductSummary]) -> String {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|s| {
            vec![
                s.id.to_string(),
                s.related_party.name.clone(),
                s.connectivity.as_str().to_string(),
                s.status.status.as_str().to_string(),
                opt(&s.iccid.clone().or_else(|| s.serial.clone())),
                opt(&s.imsi.clone().or_else(|| s.terminal_name.clone())),
                match (s.latitude, s.longitude) {
                    (None, None) => opt(&s.msisdn),
                    (lat, lon) => format!("{},{}", coord(lat), coord(lon)),
                },
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "BACKEND",
            "TYPE",
            "STATUS",
            "ICCID/SERIAL",
            "IMSI/NAME",
            "MSISDN/POSITION",
        ],
        &rows,
    )
}

/// `key: value` lines with keys padded to one width.
fn block(title: &str, fields: &[(&str, String)], extra: &[Characteristic]) -> String {
    let mut pairs: Vec<(String, String)> = fields
        .iter()
        .filter(|(_, v)| !v.is_empty() && v != "-")
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    // Dates as the console writes them (domain::time::display), so both read alike.
    pairs.extend(extra.iter().map(|c| (c.name.clone(), when(&c.value))));
    let width = pairs
        .iter()
        .map(|(k, _)| display_width(&sanitize(k)))
        .max()
        .unwrap_or(0);
    let mut out = format!("{title}\n");
    for (k, v) in pairs {
        out.push_str("  ");
        pad_to(&mut out, &sanitize(&k), width);
        let _ = writeln!(out, "  {}", sanitize(&v));
    }
    out
}

fn custom_block(custom: &[CustomAttribute]) -> String {
    if custom.is_empty() {
        return String::new();
    }
    let extra: Vec<Characteristic> = custom
        .iter()
        .map(|a| Characteristic::new(a.name.clone(), a.value.clone()))
        .collect();
    block("Custom attributes", &[], &extra)
}

pub fn sim_card(sim: &SimCard) -> String {
    block(
        "SIM card",
        &[
            ("ICCID", sim.iccid.clone()),
            ("IMSI", opt(&sim.imsi)),
            ("MSISDN", opt(&sim.msisdn)),
            ("IMEI", opt(&sim.imei)),
            ("Status", status_text(sim.status.status, &sim.status.native)),
        ],
        &sim.characteristics,
    )
}

fn status_text(status: crate::domain::Status, native: &str) -> String {
    if native.eq_ignore_ascii_case(status.as_str()) {
        status.to_string()
    } else {
        format!("{status} ({native})")
    }
}

pub fn data_connectivity(dc: &DataConnectivity) -> String {
    block(
        "Data connectivity",
        &[
            ("Network provider", opt(&dc.network_provider)),
            ("Connectivity type", opt(&dc.connectivity_type)),
            ("Communication plan", opt(&dc.communication_plan)),
            ("APNs", dc.apns.join(", ")),
        ],
        &dc.characteristics,
    )
}

pub fn terminal(t: &Terminal) -> String {
    block(
        "Terminal",
        &[
            ("Serial", t.serial.clone()),
            ("Name", opt(&t.name)),
            ("Status", status_text(t.status.status, &t.status.native)),
            ("Latitude", coord(t.latitude)),
            ("Longitude", coord(t.longitude)),
            ("Model", opt(&t.model)),
            ("Mobility", opt(&t.mobility_type)),
            ("Antenna", opt(&t.antenna_code)),
            ("IMO", opt(&t.imo_number)),
            ("MMSI", opt(&t.mmsi)),
            ("Last updated", opt(&t.last_updated)),
        ],
        &t.characteristics,
    )
}

pub fn usage(u: &Usage) -> String {
    format!(
        "{}{}",
        usage_buckets(u),
        super::json_quota::allowance_lines(u)
    )
}

fn usage_buckets(u: &Usage) -> String {
    if u.buckets.is_empty() {
        return "Usage\n  no consumption reported\n".into();
    }
    let rows: Vec<Vec<String>> = u
        .buckets
        .iter()
        .map(|b| {
            let level = serde_json::to_value(b.level)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            vec![
                usage_type_str(b.usage_type).to_string(),
                level,
                // The console's human units (docs/cli.md); JSON keeps the exact `valueName`.
                crate::domain::usage::display_amount(b.amount, b.units),
                opt(&b.period_start),
                opt(&b.period_end),
            ]
        })
        .collect();
    format!(
        "Usage\n{}",
        table(&["TYPE", "LEVEL", "USED", "FROM", "TO"], &rows)
    )
}

pub fn product(p: &Product) -> String {
    let s = &p.summary;
    let mut out = block(
        &format!("Product {}", s.id),
        &[
            (
                "Backend",
                format!("{} ({})", s.related_party.name, s.id.kind),
            ),
            ("Account", s.related_party.id.clone()),
            ("Connectivity", s.connectivity.as_str().to_string()),
            ("Status", status_text(s.status.status, &s.status.native)),
            ("Offering", opt(&p.product_offering)),
            (
                "Start date",
                p.start_date.as_deref().map_or_else(|| "-".into(), when),
            ),
        ],
        &p.characteristics,
    );
    let parts = [
        p.sim_card.as_ref().map(sim_card),
        p.data_connectivity.as_ref().map(data_connectivity),
        p.terminal.as_ref().map(terminal),
        p.usage.as_ref().map(usage),
        Some(custom_block(&p.custom)),
    ];
    for part in parts.into_iter().flatten().filter(|s| !s.is_empty()) {
        out.push('\n');
        out.push_str(&part);
    }
    out
}

pub fn monitor(m: &Monitor) -> String {
    block(
        &format!("Monitor {}", m.id),
        &[
            ("State", m.state.as_str().to_string()),
            ("Backend", m.backend.clone()),
            (
                "Product",
                m.product_id.as_ref().map_or("-".into(), |p| p.to_string()),
            ),
            ("Request", m.request.clone()),
            (
                "Status code",
                m.status_code.map_or("-".into(), |c| c.to_string()),
            ),
            ("Detail", opt(&m.detail)),
            ("Created", m.created.clone()),
            ("Updated", opt(&m.updated)),
        ],
        &[],
    )
}

fn transitions(t: &[(crate::domain::Status, crate::domain::Status)]) -> String {
    if t.is_empty() {
        return "-".into();
    }
    t.iter()
        .map(|(f, to)| format!("{f}→{to}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `cmo capabilities` as text: the matrix, then transitions and modes, from the one table.
pub fn capabilities() -> String {
    let kinds = BackendKind::SEED;
    let mut headers = vec!["OPERATION"];
    headers.extend(kinds.iter().map(|k| k.as_str()));
    let rows: Vec<Vec<String>> = Operation::ALL
        .iter()
        .map(|op| {
            let mut row = vec![op.key().to_string()];
            row.extend(kinds.iter().map(|k| {
                if capabilities::supports(*k, *op) {
                    "✔".to_string()
                } else {
                    "✖".to_string()
                }
            }));
            row
        })
        .collect();
    let mut out = format!("Support matrix\n{}\n", table(&headers, &rows));
    let rows: Vec<Vec<String>> = kinds
        .iter()
        .map(|k| {
            vec![
                k.as_str().to_string(),
                capabilities::update_mode(*k)
                    .map_or("-", |m| match m {
                        capabilities::UpdateMode::Sync => "sync",
                        capabilities::UpdateMode::Async => "async",
                    })
                    .to_string(),
                transitions(capabilities::sim_transitions(*k)),
                transitions(capabilities::terminal_transitions(*k)),
            ]
        })
        .collect();
    out.push_str("Status changes\n");
    out.push_str(&table(
        &["BACKEND", "MODE", "SIM TRANSITIONS", "TERMINAL TRANSITIONS"],
        &rows,
    ));
    out.push_str(
        "\nA transition is allowed only where the matrix also marks the change operation ✔.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_sanitize_carrier_text() {
        let out = table(
            &["ID", "NAME"],
            &[
                vec!["a".into(), "evil\u{1b}[2Jname".into()],
                vec!["longer-id".into(), "x".into()],
            ],
        );
        assert_eq!(out, "ID         NAME\na          evilname\nlonger-id  x\n");
    }

    /// A satellite row whose carrier text is `name`, on an account called `account`.
    fn terminal_row(serial: &str, account: &str, name: &str) -> ProductSummary {
        use crate::domain::{ConnectivityType, NativeStatus, RelatedParty, Status};
        ProductSummary {
            id: format!("INTELSAT-{serial}").parse().unwrap(),
            related_party: RelatedParty {
                id: "acct-1".into(),
                name: account.into(),
            },
            connectivity: ConnectivityType::Satellite,
            status: NativeStatus::new(Status::Active, "Active"),
            iccid: None,
            imsi: None,
            msisdn: None,
            serial: Some(serial.into()),
            terminal_name: Some(name.into()),
            latitude: Some(1.5),
            longitude: Some(-2.25),
            attrs: Vec::new(),
        }
    }

    /// The terminal column at which `cell` starts on `line`.
    fn column_of(line: &str, cell: &str) -> usize {
        let at = line
            .find(cell)
            .unwrap_or_else(|| panic!("{cell:?} not on {line:?}"));
        display_width(&line[..at])
    }

    #[test]
    fn wide_characters_emoji_and_combining_marks_keep_columns_aligned() {
        // The measure itself: CJK two columns each, a combining mark none, emoji two.
        assert_eq!(display_width("東京丸"), 6);
        assert_eq!(display_width("Zu\u{308}rich"), 6);
        assert_eq!(display_width("📡"), 2);
        let rows = [
            terminal_row("SN001", "東京-noc", "🛰 Vessel"),
            terminal_row("SN002", "plain", "Zu\u{308}rich Pier"),
            terminal_row("SN003", "Zu\u{308}rich-ops", "東京丸 📡"),
            terminal_row("SN004", "x", "ascii"),
        ];
        let out = products(&rows);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 5, "{out}");
        let header = lines[0];
        let starts = [
            column_of(header, "BACKEND"),
            column_of(header, "STATUS"),
            column_of(header, "IMSI/NAME"),
            column_of(header, "MSISDN/POSITION"),
        ];
        for (line, row) in lines[1..].iter().zip(&rows) {
            let cells = [
                row.related_party.name.as_str(),
                "ACTIVE",
                row.terminal_name.as_deref().unwrap(),
                "1.50000,-2.25000",
            ];
            for (cell, start) in cells.iter().zip(starts) {
                assert_eq!(column_of(line, cell), start, "{cell:?} in\n{out}");
            }
        }
        // Byte or char counts would disagree: the combining mark is a char of no width.
        assert_ne!(
            "Zu\u{308}rich".chars().count(),
            display_width("Zu\u{308}rich")
        );
    }

    #[test]
    fn block_keys_pad_by_display_width() {
        let out = block(
            "Terminal",
            &[("Name", "x".into())],
            &[Characteristic::new("船名", "東京丸")],
        );
        let lines: Vec<&str> = out.lines().skip(1).collect();
        assert_eq!(
            column_of(lines[0], "x"),
            column_of(lines[1], "東京丸"),
            "{out}"
        );
    }

    #[test]
    fn capabilities_text_comes_from_the_table() {
        let out = capabilities();
        let row = out
            .lines()
            .find(|l| l.starts_with("terminal_details"))
            .unwrap();
        let cells: Vec<&str> = row.split_whitespace().skip(1).collect();
        let expected: Vec<&str> = BackendKind::SEED
            .iter()
            .map(|k| {
                if capabilities::supports(*k, Operation::TerminalDetails) {
                    "✔"
                } else {
                    "✖"
                }
            })
            .collect();
        assert_eq!(cells, expected);
        assert!(out.contains("INTELSAT  async"), "{out}");
    }
}
