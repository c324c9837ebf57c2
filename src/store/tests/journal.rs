//! The write-ahead journal: attempts open until an entry closes them, shown as "outcome
//! unknown" meanwhile; reconciliation linked to the attempt and written once; a local
//! attribute edit and its audit row in one transaction; a damaged store refusing attempts;
//! a read-only open serving reads and refusing writes.

use super::contract;
use super::*;

fn who() -> Operator {
    Operator::from_vars(Some("noc-7"), Some("10.0.0.9 5000 22"), None)
}

fn attempt(product: &ProductId, target: &str) -> NewAttempt {
    NewAttempt {
        action: "status".into(),
        product_id: product.to_string(),
        target: target.into(),
        before: None,
    }
}

contract! {
fn open_attempts_show_as_unknown_until_an_entry_closes_them(rig) {
    let mut s = rig.open();
    let done = s
        .attempt_begin(&who(), &attempt(&pid(1), "SUSPENDED"))
        .unwrap();
    let left = s
        .attempt_begin(&who(), &attempt(&pid(2), "SUSPENDED"))
        .unwrap();
    s.attempt_note(left, Some("ACTIVE"), "ok").unwrap();
    let open: Vec<i64> = s.attempts_open().unwrap().iter().map(|a| a.id).collect();
    assert_eq!(open, vec![done, left]);

    let entry = AuditEntry::new(&who(), "status", vec![pid(1).to_string()], None, None, "ok");
    let seq = s.audit_complete(&entry, &[], &[done]).unwrap();
    let open = s.attempts_open().unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].id, left);
    assert_eq!(open[0].before.as_deref(), Some("ACTIVE"));
    assert_eq!(open[0].result.as_deref(), Some("ok"));

    let records = s.audit_records_since(None).unwrap();
    assert_eq!(records.len(), 2, "{records:?}");
    let closed = records.iter().find(|r| r.seq == seq).unwrap();
    assert_eq!(
        (closed.attempt, closed.outcome.as_deref()),
        (Some(done), None)
    );
    let unknown = records.iter().find(|r| r.seq == 0).unwrap();
    assert_eq!(unknown.attempt, Some(left));
    assert_eq!(unknown.outcome.as_deref(), Some("unknown"));
    assert!(
        unknown.entry.result.starts_with(OUTCOME_UNKNOWN),
        "{unknown:?}"
    );
    assert_eq!(unknown.entry.operator, "noc-7");
    assert_eq!(unknown.entry.product_ids, vec![pid(2).to_string()]);

    // A later run reconciles it once; a racing second resolution writes nothing.
    let found = AuditEntry::new(
        &who(),
        "status",
        vec![pid(2).to_string()],
        Some("ACTIVE".into()),
        Some("SUSPENDED".into()),
        format!("{RECONCILED}: done — the carrier shows SUSPENDED"),
    );
    let resolved = s.attempt_resolve(left, &found).unwrap();
    assert!(resolved.is_some());
    assert_eq!(s.attempt_resolve(left, &found).unwrap(), None);
    assert!(s.attempts_open().unwrap().is_empty());
    let records = s.audit_records_since(None).unwrap();
    assert_eq!(records.len(), 2);
    let reconciled = records.last().unwrap();
    assert_eq!(reconciled.attempt, Some(left));
    assert_eq!(reconciled.outcome.as_deref(), Some("reconciled"));
    // The JSON carries the link.
    let json = serde_json::to_value(reconciled).unwrap();
    assert_eq!(json["attempt"], left);
    assert_eq!(json["outcome"], "reconciled");
}
}

contract! {
fn a_local_attribute_edit_and_its_audit_row_are_one_transaction(rig) {
    let mut s = rig.open();
    let p = pid(4);
    let template = AuditEntry::new(&who(), "attrs-set", vec![p.to_string()], None, None, "ok");
    let change = s
        .attrs_set_journaled(&p, "site", "pier 4", Some(&template))
        .unwrap();
    assert_eq!(change.after_text().as_deref(), Some("site=pier 4"));
    let journal = s.audit_since(None).unwrap();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].after.as_deref(), Some("site=pier 4"));
    assert_eq!(journal[0].before, None);

    // A refused edit writes neither the attribute nor its row.
    let template = AuditEntry::new(
        &who(),
        "attrs-delete",
        vec![p.to_string()],
        None,
        None,
        "ok",
    );
    let e = s
        .attrs_delete_journaled(&p, "rack", Some(&template))
        .unwrap_err();
    assert!(matches!(e, StoreError::AttrNotFound { .. }), "{e}");
    assert_eq!(s.audit_since(None).unwrap().len(), 1);

    let template = AuditEntry::new(
        &who(),
        "attrs-rename",
        vec![p.to_string()],
        None,
        None,
        "ok",
    );
    s.attrs_rename_journaled(&p, "site", "location", Some(&template))
        .unwrap();
    let journal = s.audit_since(None).unwrap();
    assert_eq!(journal.len(), 2);
    assert_eq!(journal[1].before.as_deref(), Some("site=pier 4"));
    assert_eq!(journal[1].after.as_deref(), Some("location=pier 4"));
    assert_eq!(
        s.attrs_list(&p, None).unwrap(),
        vec![attr("location", "pier 4")]
    );
}
}

#[test]
fn a_damaged_store_refuses_attempts_and_attribute_edits_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = Store::open(dir.path()).unwrap();
        for i in 0..200 {
            s.attrs_set(&pid(i), "site", &"x".repeat(500)).unwrap();
        }
    }
    let path = dir.path().join(DB_FILE_NAME);
    let mut bytes = std::fs::read(&path).unwrap();
    // Damage pages in the middle only: the header and the schema page stay readable, so the
    // file opens and only a check finds the damage.
    for b in &mut bytes[8 * 4096..12 * 4096] {
        *b = 0x5a;
    }
    std::fs::write(&path, &bytes).unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    let e = s
        .attempt_begin(&who(), &attempt(&pid(1), "SUSPENDED"))
        .unwrap_err();
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
    assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    let e = s.attrs_set_journaled(&pid(1), "a", "b", None).unwrap_err();
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
    drop(s);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the damaged file was not written"
    );
}

#[test]
fn a_read_only_open_serves_reads_and_refuses_every_write() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = Store::open(dir.path()).unwrap();
        s.attrs_set(&pid(1), "site", "Kiel").unwrap();
        s.audit_append(&AuditEntry::new(
            &who(),
            "attrs-set",
            vec![],
            None,
            None,
            "ok",
        ))
        .unwrap();
    }
    let path = dir.path().join(DB_FILE_NAME);
    let bytes = std::fs::read(&path).unwrap();
    let mut s = Store::open_read_only(&path).unwrap();
    assert!(s.is_read_only());
    assert_eq!(
        s.attrs_list(&pid(1), None).unwrap(),
        vec![attr("site", "Kiel")]
    );
    assert_eq!(s.audit_records_since(None).unwrap().len(), 1);
    let e = s
        .attempt_begin(&who(), &attempt(&pid(1), "SUSPENDED"))
        .unwrap_err();
    assert!(matches!(e, StoreError::ReadOnly { .. }), "{e:?}");
    assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    assert!(matches!(
        s.attrs_set(&pid(1), "a", "b").unwrap_err(),
        StoreError::ReadOnly { .. }
    ));
    drop(s);
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    assert!(!dir.path().join(format!("{DB_FILE_NAME}-shm")).exists());
}
