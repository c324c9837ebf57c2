//! `docs/capabilities.md` is generated from the capability table; this fails when they differ.
//! Run `UPDATE_DOCS=1 cargo test --test capabilities_doc` to rewrite the file.

#[test]
fn capabilities_doc_matches_the_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/capabilities.md");
    let generated = cmo::domain::capabilities_doc::markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/capabilities.md is out of date: run UPDATE_DOCS=1 cargo test --test capabilities_doc"
    );
}
