//! Opening the database: creation, idempotent migrations, upgrades, and refusal of files that
//! are not ours, are damaged or come from a newer schema.

use super::*;

#[test]
fn reopening_is_idempotent_and_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a/b");
    {
        let mut s = Store::open(&nested).unwrap();
        s.attrs_set(&pid(1), "site", "Kiel").unwrap();
    }
    for _ in 0..2 {
        let s = Store::open(&nested).unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(s.path(), nested.join(DB_FILE_NAME));
        assert_eq!(
            s.attrs_list(&pid(1), None).unwrap(),
            vec![attr("site", "Kiel")]
        );
        s.integrity_check().unwrap();
    }
    let mode: String = rusqlite::Connection::open(nested.join(DB_FILE_NAME))
        .unwrap()
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn an_older_schema_is_migrated_forward_keeping_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE_NAME);
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        schema::migrate(&mut conn, &path, 1).unwrap();
        conn.execute(
            "INSERT INTO custom_attribute (product_id, name, value, created, updated)
             VALUES (?1, 'site', 'Kiel', '2024-01-01T00:00:00.000000Z', '2024-01-01T00:00:00.000000Z')",
            [pid(1).to_string()],
        )
        .unwrap();
        assert_eq!(schema::user_version(&conn, &path).unwrap(), 1);
    }
    let mut s = Store::open(dir.path()).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(
        s.attrs_list(&pid(1), None).unwrap(),
        vec![attr("site", "Kiel")]
    );
    // Tables of the later steps exist and work.
    assert_eq!(s.cache_replace("a", &[]).unwrap(), 0);
    assert!(s.monitors_list().unwrap().is_empty());
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    let path = dir.path().join(DB_FILE_NAME);
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let e = Store::open(dir.path()).unwrap_err();
    assert!(
        matches!(e, StoreError::TooNew { found, .. } if found == SCHEMA_VERSION + 1),
        "{e}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains(&path.display().to_string()) && msg.contains("newer"),
        "{msg}"
    );
    assert_eq!(e.exit_code(), 1);
}

/// Open must refuse `bytes` by naming the file and leave it exactly as it was, creating no
/// WAL or shared-memory companions either.
fn assert_refused_untouched(bytes: &[u8], expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE_NAME);
    std::fs::write(&path, bytes).unwrap();
    let e = Store::open(dir.path()).unwrap_err();
    assert!(matches!(e, StoreError::Foreign { .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains(expected), "{msg}");
    assert_eq!(e.exit_code(), 1);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the file was modified"
    );
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, vec![DB_FILE_NAME.to_string()]);
}

#[test]
fn random_bytes_are_refused_and_left_untouched() {
    let random: Vec<u8> = (0..8192).map(|_| rand::random::<u8>()).collect();
    assert_refused_untouched(&random, "not a SQLite database");
    assert_refused_untouched(b"tiny", "not a SQLite database");
    let mut fake = b"SQLite format 3\0".to_vec();
    fake.extend((0..4080).map(|i| (i * 7 % 251) as u8));
    assert_refused_untouched(&fake, "another application");
}

fn foreign_db(setup: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(setup)
        .unwrap();
    std::fs::read(&path).unwrap()
}

#[test]
fn another_programs_sqlite_database_is_refused_and_left_untouched() {
    let plain = foreign_db("CREATE TABLE invoices (id INTEGER); INSERT INTO invoices VALUES (1);");
    assert_refused_untouched(&plain, "invoices");
    let stamped = foreign_db("PRAGMA application_id = 1234; CREATE TABLE t (x);");
    assert_refused_untouched(&stamped, "application_id 0x000004d2");
    // Even one that happens to have our table names but no application id.
    let lookalike = foreign_db("CREATE TABLE custom_attribute (x); PRAGMA user_version = 1;");
    assert_refused_untouched(&lookalike, "custom_attribute");
    // A WAL-mode database: the read-only look inside must not create -wal or -shm files.
    let wal =
        foreign_db("PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1);");
    assert_eq!(wal[18..20], [2, 2], "fixture is in WAL mode");
    assert_refused_untouched(&wal, "not a cmo database");
}

#[test]
fn an_empty_file_becomes_a_new_store() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(DB_FILE_NAME), b"").unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    s.attrs_set(&pid(1), "a", "b").unwrap();
}

#[test]
fn damaged_pages_are_reported_as_corrupt_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = Store::open(dir.path()).unwrap();
        for i in 0..200 {
            s.attrs_set(&pid(i), "site", &"x".repeat(500)).unwrap();
        }
    }
    let path = dir.path().join(DB_FILE_NAME);
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 8 * 4096, "{}", bytes.len());
    for b in &mut bytes[4096..] {
        *b = 0x5a;
    }
    std::fs::write(&path, &bytes).unwrap();
    let e = Store::open(dir.path())
        .and_then(|s| {
            s.integrity_check()
                .and_then(|_| s.attrs_list(&pid(3), None))
        })
        .unwrap_err();
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
    assert!(e.to_string().contains(&path.display().to_string()), "{e}");
}

#[test]
fn the_read_only_probe_finds_files_under_awkward_paths() {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("noc ops?%#ü");
    std::fs::create_dir(&odd).unwrap();
    let bytes = foreign_db("CREATE TABLE ledger (x);");
    std::fs::write(odd.join(DB_FILE_NAME), &bytes).unwrap();
    let e = Store::open(&odd).unwrap_err();
    assert!(e.to_string().contains("ledger"), "{e}");
    assert_eq!(std::fs::read(odd.join(DB_FILE_NAME)).unwrap(), bytes);
    // And a new store there works end to end.
    std::fs::remove_file(odd.join(DB_FILE_NAME)).unwrap();
    Store::open(&odd)
        .unwrap()
        .attrs_set(&pid(1), "a", "b")
        .unwrap();
}

#[test]
fn version_3_gains_outcome_links_keeping_its_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE_NAME);
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        schema::migrate(&mut conn, &path, 3).unwrap();
        conn.execute(
            "INSERT INTO audit (time, operator, action, product_ids, result)
             VALUES ('2024-01-01T00:00:00.000000Z', 'alice', 'status', '[]', 'ok')",
            [],
        )
        .unwrap();
    }
    let mut s = Store::open(dir.path()).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    const { assert!(SCHEMA_VERSION >= 4) };
    let old = s.audit_records_since(None).unwrap();
    assert_eq!(old.len(), 1);
    assert_eq!(
        (old[0].entry.result.as_str(), old[0].monitors.len()),
        ("ok", 0)
    );
    let seq = s
        .audit_append_linked(&old[0].entry, &["TMSP-1".to_string()])
        .unwrap();
    assert_eq!(s.audit_records_since(None).unwrap()[1].monitors, ["TMSP-1"]);
    assert!(seq > old[0].seq);
}
