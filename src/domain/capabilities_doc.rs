//! Renders `docs/capabilities.md` from the one capability table, so the document cannot drift:
//! `tests/capabilities_doc.rs` fails when the committed file differs from this output.

use super::capabilities::{
    Operation, UpdateMode, sim_transitions, supports, terminal_transitions, update_mode,
};
use super::mapping::native_rows;
use super::{BackendKind, Status};
use std::fmt::Write;

const DECISIONS: &str = r#"## Decisions where the seed is ambiguous

1. **TURKCELL status changes are refused.** The seed's support matrix marks "Change the status of SIM
   Card product" ✖ for TURKCELL, while its transitions table ticks ACTIVE ↔ SUSPENDED for it (and the
   sync/async table lists Turkcell as async, although "Monitor the status of asynchronous requests" is
   ✖ for it). The support matrix is the binding contract of the product ("what it marks
   ✖ is refused"), and Turkcell has no single SIM status to change — its status is computed from the
   contract status and five barring flags, so a change would have to be expressed as barring or
   unbarring, which the seed does not define. We keep the transitions exactly as the seed lists them
   (they appear in `sim_transitions` below) but a change is allowed only when the operation is ✔ **and**
   the transition is listed, so TURKCELL changes exit with code 3 ("change_sim_status is not supported
   by TURKCELL") without a network call.
2. **Change terminal status** has no matrix in the seed; its text says satellite status changes exist
   for INTELSAT only (ACTIVE ↔ SUSPENDED). GALAXY1 terminals can be read but not changed.
3. **The status mapping table lost its empty cells** in the seed's transcription. For the
   TMSP / TMUS+JASPER / IOTA table the columns are unambiguous from the carriers' own vocabularies
   (e.g. `RETIRED` is Cisco's, `DEACTIVATED_NO_BILLING` Aeris'). For the AIRLINQ / 1NCE / STC table the
   values `TEST`, `READY`, `INACTIVE`, `BLOCKED`, `CEASE` and `TERMINATED` cannot be pinned to one
   column; each is accepted on every column it may belong to (1NCE's documented values are only
   `Enabled` and `Disabled`, so it gains `INACTIVE` only, as the row's position suggests). A native value
   listed nowhere maps to UNKNOWN and keeps its raw text for display.
4. **Status-update mode** (sync/async) comes from the CMO API's "sync vs async updates" page
   (docs/backends/cmo.md); custom attributes are always synchronous and stored locally — except for products a CMO
   account holds, whose attributes the CMO API stores itself (docs/safety.md).
5. **Batch update** is ✔ everywhere: the console runs a batch as single changes within one backend
   account and that backend's rate limit; ids from different accounts are refused before anything is
   sent.
"#;

fn tick(b: bool) -> &'static str {
    if b { "✔" } else { "✖" }
}

/// The whole of `docs/capabilities.md`.
pub fn markdown() -> String {
    let mut out = String::new();
    let kinds = BackendKind::SEED;
    let header = |out: &mut String, first: &str| {
        let _ = write!(out, "| {first} |");
        for k in kinds {
            let _ = write!(out, " {k} |");
        }
        out.push('\n');
        out.push_str("|---|");
        for _ in kinds {
            out.push_str("---|");
        }
        out.push('\n');
    };
    out.push_str("# Capabilities\n\n");
    out.push_str(
        "Generated from `src/domain/capabilities.rs` and `src/domain/mapping.rs` \
         (`UPDATE_DOCS=1 cargo test --test capabilities_doc` rewrites it). `cmo capabilities` prints \
         the same table; `--json` gives it to scripts.\n\n",
    );
    out.push_str("## Operations\n\n");
    header(&mut out, "operation");
    for op in Operation::ALL {
        let _ = write!(out, "| `{}` |", op.key());
        for k in kinds {
            let _ = write!(out, " {} |", tick(supports(k, op)));
        }
        out.push('\n');
    }
    out.push_str("\n## SIM status transitions (as the seed lists them)\n\n");
    let mut rows: Vec<(Status, Status)> = Vec::new();
    for k in kinds {
        for t in sim_transitions(k) {
            if !rows.contains(t) {
                rows.push(*t);
            }
        }
    }
    header(&mut out, "transition");
    for (from, to) in &rows {
        let _ = write!(out, "| {from} → {to} |");
        for k in kinds {
            let listed = sim_transitions(k).contains(&(*from, *to));
            let _ = write!(out, " {} |", if listed { "✔" } else { "" });
        }
        out.push('\n');
    }
    out.push_str("\nA change is sent only when `change_sim_status` is ✔ for the backend *and* the transition is listed.\n");
    out.push_str("\n## Terminal status transitions\n\n");
    for k in kinds {
        let t = terminal_transitions(k);
        if !t.is_empty() {
            let list: Vec<String> = t.iter().map(|(f, to)| format!("{f} → {to}")).collect();
            let _ = writeln!(out, "- {k}: {}", list.join(", "));
        }
    }
    out.push_str("\n## Status update mode\n\n| backend | mode |\n|---|---|\n");
    for k in kinds {
        let mode = match update_mode(k) {
            Some(UpdateMode::Sync) => "sync",
            Some(UpdateMode::Async) => "async (monitor)",
            None => "—",
        };
        let _ = writeln!(out, "| {k} | {mode} |");
    }
    out.push_str("\n## Native status → normalized status\n\n");
    for k in kinds {
        let rows = native_rows(k);
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {k}\n\n| normalized | native values |\n|---|---|");
        for (st, natives) in rows {
            let list: Vec<String> = natives.iter().map(|n| format!("`{n}`")).collect();
            let _ = writeln!(out, "| {st} | {} |", list.join(", "));
        }
        out.push('\n');
    }
    out.push_str(
        "### TURKCELL (composite)\n\n| contract status | barring flags (in SMS, out SMS, in calls, out calls, data) | normalized |\n|---|---|---|\n\
         | `a` | all N | ACTIVE |\n| `a` | any Y | SUSPENDED |\n| `d` | any | TERMINATED |\n| other | any | UNKNOWN |\n\n",
    );
    out.push_str(
        "### INTELSAT (composite)\n\n| product contract status | terminal aggregated status | normalized |\n|---|---|---|\n\
         | `new` (change actions allowed) | any | CREATED |\n| `new` (change actions not allowed) | any | PENDING_ACTIVE |\n\
         | `active` | `online` | ACTIVE |\n| `active` | `suspended` | SUSPENDED |\n| `suspended` | any | SUSPENDED |\n\
         | `active` | `offline` | BLOCKED |\n| `cancelation` | any | PENDING_TERMINATE |\n| `ended` | any | TERMINATED |\n\
         | other | other | UNKNOWN |\n\n",
    );
    out.push_str(
        "Unknown native values map to UNKNOWN and keep the carrier's text for display.\n\n",
    );
    out.push_str(DECISIONS);
    out
}
