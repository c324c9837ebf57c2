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
