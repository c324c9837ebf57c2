//! The layering docs/architecture.md states, checked on the source: the UI talks to the engine
//! only (never the store or the backends), the domain model depends on nothing of ours, the
//! simulators on nothing outside `sim/` (so a mistake shared by adapter and simulator cannot
//! hide).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::MODULE` a file of `layer` names that `forbidden` lists, as `file:line: text`.
fn violations(layer: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(layer);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(!files.is_empty(), "no source under {}", root.display());
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for module in forbidden {
                let name = format!("crate::{module}");
                let hit = code.match_indices(&name).any(|(at, _)| {
                    !code[at + name.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
                });
                if hit {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn the_ui_talks_to_the_engine_only() {
    let found = violations("ui", &["store", "backends", "sim", "cli"]);
    assert!(
        found.is_empty(),
        "ui/ reaches below the engine:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_domain_depends_on_nothing_of_ours() {
    let found = violations(
        "domain",
        &["engine", "store", "backends", "ui", "cli", "sim", "config"],
    );
    assert!(found.is_empty(), "domain/ imports:\n{}", found.join("\n"));
}

#[test]
fn the_simulators_stand_alone() {
    let found = violations(
        "sim",
        &[
            "backends", "engine", "ui", "cli", "store", "domain", "config",
        ],
    );
    assert!(found.is_empty(), "sim/ imports:\n{}", found.join("\n"));
}

#[test]
fn the_shared_cmo_wire_depends_on_nothing_of_ours() {
    // The simulators use `cmo_api`; it must not bring the rest of the program into them.
    let found = violations(
        "cmo_api",
        &[
            "backends", "engine", "ui", "cli", "store", "domain", "config", "serve", "sim",
        ],
    );
    assert!(found.is_empty(), "cmo_api/ imports:\n{}", found.join("\n"));
}

/// The non-test code of every file of `layer` (each file up to its `#[cfg(test)]`), as
/// (path, 1-based line, code without its `//` comment).
fn code_lines(layer: &str) -> Vec<(String, usize, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(layer);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(!files.is_empty(), "no source under {}", root.display());
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.display().to_string();
        if name.ends_with("/tests.rs") || name.contains("/tests/") {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("#[cfg(test)]") {
                break;
            }
            let code = line.split("//").next().unwrap_or("").to_string();
            out.push((name.clone(), n + 1, code));
        }
    }
    out
}

/// Calls that write journaled state or send a change without the gate: the store's writes
/// (crate-visible so the gate can make them) and the adapters' change calls.
const NEVER_ABOVE_THE_ENGINE: &[&str] = &[
    ".monitor_record(",
    ".monitor_record_poll(",
    ".monitor_upsert(",
    ".audit_append(",
    ".audit_complete(",
    ".attempt_begin(",
    ".attempt_note(",
    ".attempt_resolve(",
    ".attrs_edit_journaled(",
    ".change_sim_status(",
    ".change_sim_status_bulk(",
    ".change_terminal_status(",
    ".send_bulk(",
    ".settle_bulk(",
    ".call(",
    "dyn Backend",
];

/// Mutations the gate offers under these names; above the engine they are called on a gate.
const THE_GATES_MUTATIONS: &[&str] = &[
    "change_status",
    "change_status_seen",
    "change_status_reported",
    "change_status_reported_seen",
    "batch_status",
    "batch_status_until",
    "batch_status_looked_up",
    "update_characteristics",
    "cancel_monitor",
    "attrs_set",
    "attrs_rename",
    "attrs_delete",
    "record_monitor",
];

/// Every line of `lines` (one layer's code, see [`code_lines`]) that changes something without
/// the gate.
fn gate_bypasses(lines: &[(String, usize, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (i, (file, n, code)) in lines.iter().enumerate() {
        for call in NEVER_ABOVE_THE_ENGINE {
            if code.contains(call) {
                found.push(format!("{file}:{n}: {call} in {}", code.trim()));
            }
        }
        // Building adapters is the session wiring's job (one place each for the CLI and
        // `cmo serve`); nothing else above the engine holds one.
        let wiring = file.ends_with("cli/demo.rs") || file.ends_with("serve/mod.rs");
        if code.contains("registry::") && !wiring {
            found.push(format!("{file}:{n}: builds adapters: {}", code.trim()));
        }
        for name in THE_GATES_MUTATIONS {
            let call = format!(".{name}(");
            let Some(at) = code.find(&call) else {
                continue;
            };
            // The receiver: this line before the call, or the line above for a chain.
            let before = &code[..at];
            let receiver = if before.trim().is_empty() && i > 0 {
                lines[i - 1].2.as_str()
            } else {
                before
            };
            if !receiver.trim_end().ends_with("gate") {
                found.push(format!("{file}:{n}: {name} not on a gate: {}", code.trim()));
            }
        }
    }
    found
}

#[test]
fn only_the_gate_mutates() {
    // The engine's own mutators are `pub(in crate::engine)` (a compile error elsewhere, tests
    // included); this keeps the rest of the crate's callers honest about what the compiler
    // cannot see: crate-visible store writes, adapters, and mutations on something not a gate.
    let found: Vec<String> = ["ui", "cli", "serve"]
        .iter()
        .flat_map(|layer| gate_bypasses(&code_lines(layer)))
        .collect();
    assert!(
        found.is_empty(),
        "mutations that bypass the gate:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_gate_rule_sees_a_bypass() {
    let lines = |code: &[&str]| -> Vec<(String, usize, String)> {
        code.iter()
            .enumerate()
            .map(|(n, c)| ("src/cli/x.rs".to_string(), n + 1, c.to_string()))
            .collect()
    };
    let allowed = lines(&[
        "let change = gate.attrs_set(id, name, value).await?;",
        "let run = gate",
        "    .batch_status_looked_up(ids, to, None, &stop, grace)",
        "shared.gate.record_monitor(known.as_ref(), polled).await",
    ]);
    assert_eq!(gate_bypasses(&allowed), Vec::<String>::new());
    let bypasses = lines(&[
        "store.monitor_record(&m, None).await?;",
        "let done = session",
        "    .change_status(&id, to)",
        "backend.cancel_monitor(&id).await?;",
        "let adapters = registry::build(&config)?;",
        "let b: Arc<dyn Backend> = pick();",
    ]);
    assert_eq!(
        gate_bypasses(&bypasses).len(),
        5,
        "{:?}",
        gate_bypasses(&bypasses)
    );
}
