//! Store tests: attribute CRUD and validation, migrations, refusal of foreign, damaged and
//! newer files (which must stay byte-for-byte unchanged), monitors, audit and the cache.

use super::*;
use crate::domain::{
    BackendKind, ConnectivityType, CustomAttribute, Monitor, MonitorState, NativeStatus, ProductId,
    ProductSummary, RelatedParty, Status,
};
use chrono::TimeDelta;
use tempfile::TempDir;

fn pid(n: u32) -> ProductId {
    ProductId::new(BackendKind::OneNce, format!("89882280666123{n:05}"))
}

fn open() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

fn attr(name: &str, value: &str) -> CustomAttribute {
    CustomAttribute::new(name, value).unwrap()
}

#[test]
fn attrs_create_update_list_rename_delete() {
    let (_dir, mut s) = open();
    let p = pid(1);
    let created = s.attrs_set(&p, " site ", "Hamburg pier 4").unwrap();
    assert_eq!(created.before, None);
    assert_eq!(created.after, Some(attr("site", "Hamburg pier 4")));
    s.attrs_set(&p, "owner", "noc-2").unwrap();
    let updated = s.attrs_set(&p, "site", "Kiel").unwrap();
    assert_eq!(
        updated.before_text().as_deref(),
        Some("site=Hamburg pier 4")
    );
    assert_eq!(updated.after_text().as_deref(), Some("site=Kiel"));
    // Creation order survives an update, other products are separate.
    s.attrs_set(&pid(2), "site", "elsewhere").unwrap();
    assert_eq!(
        s.attrs_list(&p, None).unwrap(),
        vec![attr("site", "Kiel"), attr("owner", "noc-2")]
    );
    assert_eq!(
        s.attrs_list(&p, Some("owner")).unwrap(),
        vec![attr("owner", "noc-2")]
    );

    let missing = s.attrs_list(&p, Some("rack")).unwrap_err();
    assert!(
        matches!(missing, StoreError::AttrNotFound { .. }),
        "{missing}"
    );
    assert_eq!(missing.exit_code(), 4);

    let renamed = s.attrs_rename(&p, "site", "location").unwrap();
    assert_eq!(renamed.before, Some(attr("site", "Kiel")));
    assert_eq!(renamed.after, Some(attr("location", "Kiel")));
    assert_eq!(s.attrs_list(&p, None).unwrap()[0], attr("location", "Kiel"));
    let clash = s.attrs_rename(&p, "location", "owner").unwrap_err();
    assert!(matches!(clash, StoreError::AttrExists { .. }), "{clash}");
    assert_eq!(clash.exit_code(), 2);
    assert_eq!(s.attrs_rename(&p, "site", "x").unwrap_err().exit_code(), 4);

    let deleted = s.attrs_delete(&p, "owner").unwrap();
    assert_eq!(deleted.before, Some(attr("owner", "noc-2")));
    assert_eq!(deleted.after, None);
    assert_eq!(s.attrs_delete(&p, "owner").unwrap_err().exit_code(), 4);
    assert_eq!(
        s.attrs_list(&p, None).unwrap(),
        vec![attr("location", "Kiel")]
    );
    assert_eq!(
        s.attrs_list(&pid(2), None).unwrap(),
        vec![attr("site", "elsewhere")]
    );
}

#[test]
fn invalid_attributes_are_refused_with_clear_errors_and_not_stored() {
    let (_dir, mut s) = open();
    let p = pid(1);
    let cases = [
        ("", "v", "empty"),
        (&*"n".repeat(65), "v", "65 characters"),
        ("site", &*"v".repeat(1025), "1025 characters"),
        ("site", "evil\u{1b}[2J", "U+001B"),
        ("bad\u{7}name", "v", "U+0007"),
    ];
    for (name, value, expected) in cases {
        let e = s.attrs_set(&p, name, value).unwrap_err();
        assert_eq!(e.exit_code(), 2, "{e}");
        assert!(e.to_string().contains(expected), "{e}");
    }
    assert!(s.attrs_list(&p, None).unwrap().is_empty());
    assert_eq!(
        s.attrs_rename(&p, "a", "\u{9b}x").unwrap_err().exit_code(),
        2
    );
    assert_eq!(s.attrs_list(&p, Some(" ")).unwrap_err().exit_code(), 2);
}

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

fn monitor(native: &str, state: MonitorState) -> Monitor {
    Monitor {
        id: Monitor::make_id(BackendKind::OneNce, native),
        kind: BackendKind::OneNce,
        backend: "1nce-prod".into(),
        product_id: Some(pid(1)),
        request: "status ACTIVE → SUSPENDED".into(),
        state,
        status_code: None,
        detail: None,
        created: "2024-05-01T10:00:00Z".into(),
        updated: None,
    }
}

#[test]
fn monitors_persist_resume_and_prune() {
    let dir = tempfile::tempdir().unwrap();
    let next = Utc::now() + TimeDelta::seconds(30);
    {
        let mut s = Store::open(dir.path()).unwrap();
        s.monitor_upsert(&monitor("a", MonitorState::InProgress))
            .unwrap();
        s.monitor_upsert(&monitor("b", MonitorState::InProgress))
            .unwrap();
        s.monitor_record_poll("1NCE-a", 3, next).unwrap();
        let e = s.monitor_record_poll("1NCE-zz", 1, next).unwrap_err();
        assert_eq!(e.exit_code(), 4);
    }
    // After a restart the pending monitors and their backoff are still there.
    let mut s = Store::open(dir.path()).unwrap();
    let pending = s.monitors_pending().unwrap();
    assert_eq!(pending.len(), 2);
    assert_eq!(pending[0].monitor, monitor("a", MonitorState::InProgress));
    assert_eq!(pending[0].poll_attempts, 3);
    assert_eq!(
        pending[0].next_poll_at.map(format_time),
        Some(format_time(next))
    );
    assert_eq!(
        (pending[1].poll_attempts, pending[1].next_poll_at),
        (0, None)
    );

    let mut done = monitor("a", MonitorState::Completed);
    done.status_code = Some(200);
    s.monitor_upsert(&done).unwrap();
    assert_eq!(s.monitor_get("1NCE-a").unwrap(), done);
    assert_eq!(s.monitors_pending().unwrap().len(), 1);
    assert_eq!(s.monitors_list().unwrap().len(), 2);
    let e = s.monitor_get("1NCE-nope").unwrap_err();
    assert!(
        matches!(e, StoreError::MonitorNotFound(_)) && e.exit_code() == 4,
        "{e}"
    );

    // Within the retention window nothing goes; past it only the finished monitor goes.
    assert_eq!(s.monitors_prune(Duration::from_secs(3600)).unwrap(), 0);
    assert_eq!(
        s.monitors_prune_before(Utc::now() - TimeDelta::hours(1))
            .unwrap(),
        0
    );
    assert_eq!(
        s.monitors_prune_before(Utc::now() + TimeDelta::seconds(1))
            .unwrap(),
        1
    );
    assert!(s.monitor_get("1NCE-a").is_err());
    assert_eq!(s.monitors_pending().unwrap()[0].monitor.id, "1NCE-b");
    assert_eq!(s.monitors_prune(Duration::MAX).unwrap(), 0);
}

fn entry(at: DateTime<Utc>, action: &str) -> AuditEntry {
    let op = Operator::from_vars(Some("alice"), Some("203.0.113.9 52311 22"), None);
    let mut e = AuditEntry::new(
        &op,
        action,
        vec![pid(1).to_string(), pid(2).to_string()],
        Some("ACTIVE".into()),
        Some("SUSPENDED".into()),
        "ok",
    );
    e.time = at;
    e
}

#[test]
fn audit_round_trips_and_filters_by_time() {
    let (_dir, mut s) = open();
    let t0 = DateTime::parse_from_rfc3339("2024-05-01T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let entries: Vec<_> = (0..3)
        .map(|i| entry(t0 + TimeDelta::minutes(i), &format!("status-{i}")))
        .collect();
    for e in &entries {
        s.audit_append(e).unwrap();
    }
    assert_eq!(s.audit_since(None).unwrap(), entries);
    assert_eq!(
        s.audit_since(Some(t0 + TimeDelta::minutes(1))).unwrap(),
        entries[1..]
    );
    assert!(
        s.audit_since(Some(t0 + TimeDelta::minutes(5)))
            .unwrap()
            .is_empty()
    );
    let json = serde_json::to_value(&entries[0]).unwrap();
    assert_eq!(json["sshClient"], "203.0.113.9");
    assert_eq!(json["productIds"][1], pid(2).to_string());
}

#[test]
fn operator_comes_from_user_and_ssh_variables() {
    let op = Operator::from_vars(Some("bob"), None, Some("198.51.100.4 50000 10.0.0.1 22"));
    assert_eq!(
        op,
        Operator {
            user: "bob".into(),
            ssh_client: Some("198.51.100.4".into())
        }
    );
    let local = Operator::from_vars(None, Some(""), None);
    assert_eq!(
        local,
        Operator {
            user: "unknown".into(),
            ssh_client: None
        }
    );
    let hostile = Operator::from_vars(Some("ev\u{1b}[31mil"), None, None);
    assert_eq!(hostile.user, "evil");
}

fn summary(n: u32, account: &str) -> ProductSummary {
    ProductSummary {
        id: pid(n),
        related_party: RelatedParty {
            id: "acc-1".into(),
            name: account.into(),
        },
        connectivity: ConnectivityType::Cellular,
        status: NativeStatus::new(Status::Active, "ACTIVATED"),
        iccid: Some(pid(n).business_id),
        imsi: None,
        msisdn: Some("4917612345678".into()),
        serial: None,
        terminal_name: None,
        latitude: Some(53.5),
        longitude: None,
    }
}

#[test]
fn product_cache_replaces_per_backend_and_loads_in_order() {
    let (_dir, mut s) = open();
    assert!(s.cache_load().unwrap().is_empty());
    let before = Utc::now() - TimeDelta::seconds(1);
    s.cache_replace("b-acct", &[summary(9, "b-acct")]).unwrap();
    s.cache_replace("a-acct", &[summary(2, "a-acct"), summary(1, "a-acct")])
        .unwrap();
    let loaded = s.cache_load().unwrap();
    let ids: Vec<_> = loaded
        .iter()
        .map(|c| (c.backend.as_str(), c.summary.id.clone()))
        .collect();
    assert_eq!(
        ids,
        vec![("a-acct", pid(2)), ("a-acct", pid(1)), ("b-acct", pid(9))]
    );
    assert_eq!(loaded[0].summary, summary(2, "a-acct"));
    assert!(loaded.iter().all(|c| c.fetched_at > before));

    s.cache_replace("a-acct", &[summary(3, "a-acct")]).unwrap();
    let ids: Vec<_> = s
        .cache_load()
        .unwrap()
        .into_iter()
        .map(|c| c.summary.id)
        .collect();
    assert_eq!(ids, vec![pid(3), pid(9)]);
    s.cache_replace("b-acct", &[]).unwrap();
    assert_eq!(s.cache_load().unwrap().len(), 1);
}

#[test]
fn async_handle_runs_calls_off_the_caller_and_reports_open_errors() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let h = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
        let h2 = h.clone();
        h.attrs_set(&pid(1), "site", "Kiel").await.unwrap();
        assert_eq!(
            h2.attrs_list(&pid(1), None).await.unwrap(),
            vec![attr("site", "Kiel")]
        );
        assert_eq!(
            h2.attrs_delete(&pid(1), "nope")
                .await
                .unwrap_err()
                .exit_code(),
            4
        );
        h.audit_append(entry(Utc::now(), "attrs-set"))
            .await
            .unwrap();
        assert_eq!(h.audit_since(None).await.unwrap().len(), 1);
        h.monitor_upsert(&monitor("m", MonitorState::InProgress))
            .await
            .unwrap();
        assert_eq!(h.monitors_pending().await.unwrap().len(), 1);
        h.cache_replace("a", &[summary(1, "a")]).await.unwrap();
        assert_eq!(h.cache_load().await.unwrap().len(), 1);
        assert_eq!(h.path(), dir.path().join(DB_FILE_NAME));

        let bad = tempfile::tempdir().unwrap();
        std::fs::write(
            bad.path().join(DB_FILE_NAME),
            b"definitely not sqlite, just text",
        )
        .unwrap();
        let e = StoreHandle::open(bad.path().to_path_buf())
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Foreign { .. }), "{e}");
    });
}
