//! What replicas sharing one store rely on, against both stores: monitor leases (PostgreSQL:
//! each pending monitor to one owner, `FOR UPDATE SKIP LOCKED`, an expired lease taken over;
//! SQLite: every lease is the one process's), carrier-account claims, the append-only
//! journal, the shared schema numbering, the async handle on either store, and the database
//! password kept out of errors and logs.

use super::contract;
use super::*;
use crate::domain::{Monitor, MonitorState};
use std::collections::BTreeSet;

fn pending(native: &str) -> Monitor {
    Monitor {
        id: Monitor::make_id(BackendKind::OneNce, native),
        kind: BackendKind::OneNce,
        backend: "1nce-prod".into(),
        product_id: Some(pid(1)),
        request: "status ACTIVE → SUSPENDED".into(),
        state: MonitorState::InProgress,
        status_code: None,
        detail: None,
        created: "2024-05-01T10:00:00Z".into(),
        updated: None,
    }
}

const LONG: Duration = Duration::from_secs(600);

fn kinds() -> Vec<String> {
    vec!["1NCE".to_string()]
}

fn ids(claimed: &[PendingMonitor]) -> Vec<String> {
    claimed.iter().map(|p| p.monitor.id.clone()).collect()
}

contract! {
/// A lease keeps a monitor with its owner until it expires; then another owner takes it.
fn monitor_leases_give_each_pending_monitor_to_one_owner(rig) {
    let mut a = rig.open();
    let mut b = rig.open();
    for n in ["a", "b"] {
        a.monitor_upsert(&pending(n)).unwrap();
    }
    let mut done = pending("c");
    done.state = MonitorState::Completed;
    a.monitor_upsert(&done).unwrap();

    // The owner gets every pending monitor, oldest first, never a final one; renewing its
    // own leases gives them again.
    assert_eq!(ids(&a.monitors_claim("A", LONG, &kinds()).unwrap()), ["1NCE-a", "1NCE-b"]);
    assert_eq!(a.monitors_claim("A", LONG, &kinds()).unwrap().len(), 2);
    assert!(a.monitor_claim("1NCE-a", "A", LONG).unwrap());
    if rig.is_postgres() {
        // A live lease is nobody else's.
        assert!(b.monitors_claim("B", LONG, &kinds()).unwrap().is_empty());
        assert!(!b.monitor_claim("1NCE-a", "B", LONG).unwrap());
        // A lapses (its leases end now): B takes them over, and A may no longer poll.
        assert_eq!(a.monitors_claim("A", Duration::ZERO, &kinds()).unwrap().len(), 2);
        assert_eq!(ids(&b.monitors_claim("B", LONG, &kinds()).unwrap()), ["1NCE-a", "1NCE-b"]);
        assert!(!a.monitor_claim("1NCE-b", "A", LONG).unwrap());
        assert!(a.monitors_claim("A", LONG, &kinds()).unwrap().is_empty());
        // A final state ends the lease: the monitor is nobody's to poll.
        let mut finished = pending("a");
        finished.state = MonitorState::Completed;
        b.monitor_upsert(&finished).unwrap();
        assert_eq!(ids(&b.monitors_claim("B", LONG, &kinds()).unwrap()), ["1NCE-b"]);
    } else {
        // One file, one poller: every lease is granted.
        assert_eq!(b.monitors_claim("B", LONG, &kinds()).unwrap().len(), 2);
        assert!(b.monitor_claim("1NCE-a", "B", LONG).unwrap());
    }
    // A process without an account of the monitors' platform leaves them to one that has.
    if rig.is_postgres() {
        assert!(b.monitors_claim("C", LONG, &["TMSP".to_string()]).unwrap().is_empty());
    }
    // The backoff position comes back with the claim.
    b.monitor_record_poll("1NCE-b", 4, Utc::now()).unwrap();
    let again = b.monitors_claim("B", LONG, &kinds()).unwrap();
    let b_row = again.iter().find(|p| p.monitor.id == "1NCE-b").unwrap();
    assert_eq!(b_row.poll_attempts, 4);
}
}

contract! {
/// Two owners claiming at the same moment split the monitors: none is given to both, none
/// is left out.
fn concurrent_claims_never_give_a_monitor_to_two_owners(rig) {
    let mut setup = rig.open();
    let all: BTreeSet<String> = (0..40)
        .map(|n| {
            let m = pending(&format!("m{n}"));
            setup.monitor_upsert(&m).unwrap();
            m.id
        })
        .collect();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let claim = |owner: &'static str| {
        let mut s = rig.open();
        let barrier = barrier.clone();
        move || {
            barrier.wait();
            ids(&s.monitors_claim(owner, LONG, &kinds()).unwrap())
        }
    };
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(claim("A"));
        let b = scope.spawn(claim("B"));
        (a.join().unwrap(), b.join().unwrap())
    });
    let (a, b): (BTreeSet<_>, BTreeSet<_>) = (a.into_iter().collect(), b.into_iter().collect());
    if rig.is_postgres() {
        assert!(a.is_disjoint(&b), "both owners got {:?}", a.intersection(&b).collect::<Vec<_>>());
        assert_eq!(a.union(&b).cloned().collect::<BTreeSet<_>>(), all);
    } else {
        assert_eq!((a, b), (all.clone(), all));
    }
}
}

contract! {
/// One carrier account, one replica: a live claim refuses another owner, naming the
/// account and the owner; a released or expired claim can be taken.
fn account_claims_refuse_a_second_live_owner(rig) {
    let mut a = rig.open();
    let mut b = rig.open();
    let key = "1NCE|http://127.0.0.1:1/|acc-1";
    a.account_claim(key, "1nce-prod", "host-a/101/beef", LONG).unwrap();
    a.account_claim(key, "1nce-prod", "host-a/101/beef", LONG).unwrap();
    let second = b.account_claim(key, "1nce-prod", "host-b/202/cafe", LONG);
    if !rig.is_postgres() {
        second.unwrap();
        return;
    }
    let e = second.unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, StoreError::AccountClaimed { .. }), "{text}");
    assert!(text.contains("1nce-prod") && text.contains("host-a/101/beef"), "{text}");
    // Another account is free.
    b.account_claim("other", "tmsp", "host-b/202/cafe", LONG).unwrap();
    // A clean stop releases; B takes it.
    a.account_release(key, "host-a/101/beef").unwrap();
    b.account_claim(key, "1nce-prod", "host-b/202/cafe", Duration::ZERO).unwrap();
    // B's heartbeat lapsed (ttl 0): A takes the account back.
    a.account_claim(key, "1nce-prod", "host-a/101/beef", LONG).unwrap();
    // A release by someone who does not hold it changes nothing.
    b.account_release(key, "host-b/202/cafe").unwrap();
    assert!(b.account_claim(key, "1nce-prod", "host-b/202/cafe", LONG).is_err());
}
}

/// Run `sql` on the store's own database, as any client could.
fn raw_exec(rig: &Rig, sql: &str) -> Result<(), String> {
    match rig {
        Rig::Sqlite(dir) => {
            let conn = rusqlite::Connection::open(dir.path().join(DB_FILE_NAME)).unwrap();
            conn.execute_batch(sql).map_err(|e| e.to_string())
        }
        Rig::Postgres(schema) => {
            let mut client = schema.target().connect_raw().unwrap();
            client.batch_execute(sql).map_err(|e| {
                use std::error::Error;
                e.source().map(|s| s.to_string()).unwrap_or(e.to_string())
            })
        }
    }
}

contract! {
/// Append-only: no client, ours or another, can update or delete a journal row.
fn the_audit_journal_refuses_update_and_delete(rig) {
    let mut s = rig.open();
    let op = Operator::from_vars(Some("alice"), None, None);
    s.audit_append(&AuditEntry::new(&op, "status", vec![pid(1).to_string()], None, None, "ok"))
        .unwrap();
    for sql in ["UPDATE audit SET result = 'forged'", "DELETE FROM audit"] {
        let e = raw_exec(rig, sql).unwrap_err();
        assert!(e.contains("append-only"), "{sql}: {e}");
    }
    let kept = s.audit_since(None).unwrap();
    assert_eq!((kept.len(), kept[0].result.as_str()), (1, "ok"));
}
}

contract! {
/// Both stores number their schema alike; reopening migrates nothing more.
fn both_stores_share_the_schema_numbering(rig) {
    assert_eq!(rig.open().schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(rig.open().schema_version().unwrap(), SCHEMA_VERSION);
}
}

contract! {
/// The async handle runs either store on its thread; callers cannot tell which.
fn the_handle_serves_either_store(rig) {
    let location = rig.location();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let h = StoreHandle::open(location).await.unwrap();
        h.attrs_set(&pid(1), "ticket", "INC-7").await.unwrap();
        assert_eq!(h.attrs_all().await.unwrap()[&pid(1)], vec![attr("ticket", "INC-7")]);
        h.monitor_upsert(&pending("h")).await.unwrap();
        assert_eq!(ids(&h.monitors_claim("me", LONG, kinds()).await.unwrap()), ["1NCE-h"]);
        assert!(h.monitor_claim("1NCE-h", "me", LONG).await.unwrap());
        h.account_claim("k", "acct", "me", LONG).await.unwrap();
        h.account_release("k", "me").await.unwrap();
        assert_eq!(h.call(|s| s.schema_version()).await.unwrap(), SCHEMA_VERSION);
    });
}
}

#[test]
fn a_newer_postgres_schema_is_refused_untouched() {
    let Some(rig) = Rig::postgres() else { return };
    drop(rig.open());
    raw_exec(
        &rig,
        &format!(
            "INSERT INTO schema_version (version) VALUES ({})",
            SCHEMA_VERSION + 1
        ),
    )
    .unwrap();
    let Rig::Postgres(schema) = &rig else {
        unreachable!()
    };
    let e = PgStore::connect(schema.target()).unwrap_err();
    assert!(
        matches!(e, StoreError::PostgresTooNew { found, .. } if found == SCHEMA_VERSION + 1),
        "{e}"
    );
    assert!(e.to_string().contains("newer cmo"), "{e}");
}

/// The password never shows: not in the target's Debug, not in a connection error (which
/// names the database as `postgres://user@host:port/db`), not in a log line once the store
/// configuration resolved it. Needs no server: port 1 refuses.
#[test]
fn the_store_password_never_reaches_errors_or_logs() {
    const PASSWORD: &str = "pg-Secret-7c1e9a";
    let config = crate::config::StoreConfig {
        data_dir: None,
        url: Some("postgres://noc@127.0.0.1:1/cmo".into()),
        password: Some(crate::config::SecretSource::Command(format!(
            "echo {PASSWORD}"
        ))),
    };
    let location = config
        .location(std::env::temp_dir(), Duration::from_secs(5))
        .unwrap();
    let StoreLocation::Postgres { target, .. } = &location else {
        panic!("a url means PostgreSQL")
    };
    assert!(!format!("{target:?}").contains(PASSWORD));
    let e = PgStore::connect(target).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("postgres://noc@127.0.0.1:1/cmo"), "{text}");
    assert!(!text.contains(PASSWORD), "{text}");
    assert!(!format!("{e:?}").contains(PASSWORD));
    // Anything logged passes the one redaction path, which now knows the password.
    let line = format!("connecting with password={PASSWORD}");
    assert!(!crate::redact::scrub(&line).contains(PASSWORD));
    // A URL carrying a password is refused by the configuration, without echoing it.
    let toml = format!("[store]\nurl = \"postgres://noc:{PASSWORD}@db.example/cmo\"\n");
    let e = crate::config::Config::from_toml_str(&toml, "team.toml").unwrap_err();
    assert!(e.to_string().contains("holds a password"), "{e}");
    assert!(!e.to_string().contains(PASSWORD), "{e}");
}

/// A dropped connection (the server restarted, an administrator ended it) costs the call
/// that met it, not every later one: the store reconnects.
#[test]
fn a_dropped_postgres_connection_is_reopened_for_the_next_call() {
    let Some(rig) = Rig::postgres() else { return };
    let mut s = rig.open();
    s.attrs_set(&pid(1), "site", "Kiel").unwrap();
    let Rig::Postgres(schema) = &rig else {
        unreachable!()
    };
    let mut admin = schema.admin.connect_raw().unwrap();
    let ended = admin
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            &[&format!("cmo:{}", schema.name)],
        )
        .unwrap();
    assert_eq!(ended.len(), 1, "the store's one connection");
    // Termination is asynchronous: wait until the server has let the backend go.
    let app = format!("cmo:{}", schema.name);
    for _ in 0..200 {
        let left = admin
            .query(
                "SELECT 1 FROM pg_stat_activity WHERE application_name = $1",
                &[&app],
            )
            .unwrap();
        if left.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // The call that meets the closed connection may fail; the next one works again.
    let _ = s.attrs_list(&pid(1), None);
    assert_eq!(
        s.attrs_list(&pid(1), None).unwrap(),
        vec![attr("site", "Kiel")]
    );
}
