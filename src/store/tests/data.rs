//! Attributes (CRUD and validation), monitors, the audit journal, the product cache and the
//! async handle.

use super::contract;
use super::*;
use crate::domain::{
    ConnectivityType, Monitor, MonitorState, NativeStatus, ProductSummary, RelatedParty, Status,
};
use chrono::TimeDelta;

contract! {
fn attrs_create_update_list_rename_delete(rig) {
    let mut s = rig.open();
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
}

contract! {
fn attrs_all_and_find_read_every_product_at_once(rig) {
    let mut s = rig.open();
    assert!(s.attrs_all().unwrap().is_empty());
    s.attrs_set(&pid(2), "ticket", "INC-1234").unwrap();
    s.attrs_set(&pid(1), "Ticket", "inc-1234").unwrap();
    s.attrs_set(&pid(1), "site", "Kiel").unwrap();
    s.attrs_set(&pid(3), "ticket", "CHG-9").unwrap();
    let all = s.attrs_all().unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(
        all[&pid(1)],
        vec![attr("Ticket", "inc-1234"), attr("site", "Kiel")]
    );

    let mut find = |raw: &str| {
        s.attrs_find(&crate::domain::AttrPattern::parse(raw).unwrap())
            .unwrap()
            .into_iter()
            .map(|(id, attrs)| (id, attrs.len()))
            .collect::<Vec<_>>()
    };
    // Name and value case-insensitive, ordered by product id, only the matching attributes.
    assert_eq!(find("TICKET=INC-1234"), vec![(pid(1), 1), (pid(2), 1)]);
    assert_eq!(find("ticket=*-9"), vec![(pid(3), 1)]);
    assert_eq!(find("ticket").len(), 3);
    assert!(find("ticket=INC-12345").is_empty());
    assert!(find("rack").is_empty());
}
}

#[tokio::test]
async fn the_handle_reads_attributes_of_every_product() {
    let dir = tempfile::tempdir().unwrap();
    let h = StoreHandle::open(dir.path().to_path_buf()).await.unwrap();
    h.attrs_set(&pid(1), "ticket", "INC-1").await.unwrap();
    assert_eq!(
        h.attrs_all().await.unwrap()[&pid(1)],
        vec![attr("ticket", "INC-1")]
    );
    let p = crate::domain::AttrPattern::parse("ticket=inc-*").unwrap();
    assert_eq!(h.attrs_find(&p).await.unwrap().len(), 1);
}

contract! {
fn invalid_attributes_are_refused_with_clear_errors_and_not_stored(rig) {
    let mut s = rig.open();
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

contract! {
fn monitors_persist_resume_and_prune(rig) {
    let next = Utc::now() + TimeDelta::seconds(30);
    {
        let mut s = rig.open();
        s.monitor_upsert(&monitor("a", MonitorState::InProgress))
            .unwrap();
        s.monitor_upsert(&monitor("b", MonitorState::InProgress))
            .unwrap();
        s.monitor_record_poll("1NCE-a", 3, next).unwrap();
        let e = s.monitor_record_poll("1NCE-zz", 1, next).unwrap_err();
        assert_eq!(e.exit_code(), 4);
    }
    // After a restart the pending monitors and their backoff are still there.
    let mut s = rig.open();
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

contract! {
fn audit_round_trips_and_filters_by_time(rig) {
    let mut s = rig.open();
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
        attrs: Vec::new(),
    }
}

contract! {
fn product_cache_replaces_per_backend_and_loads_in_order(rig) {
    let mut s = rig.open();
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
        assert_eq!(
            h.describe(),
            dir.path().join(DB_FILE_NAME).display().to_string()
        );

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

contract! {
fn a_final_outcome_is_journaled_once_and_linked_to_its_request(rig) {
    let mut s = rig.open();
    let t0 = DateTime::parse_from_rfc3339("2024-05-01T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let request = entry(t0, "batch-status");
    let done = monitor("a", MonitorState::Completed);
    let failed = monitor("b", MonitorState::InError);
    let seq = s
        .audit_append_linked(&request, &[done.id.clone(), failed.id.clone()])
        .unwrap();
    s.monitor_upsert(&monitor("a", MonitorState::InProgress))
        .unwrap();

    // Another observer (here "bob") records the end: the request's operator is kept.
    let bob = Operator::from_vars(Some("bob"), None, None);
    let outcome = |m: &Monitor, result: &str| {
        let product = m.product_id.iter().map(|p| p.to_string()).collect();
        AuditEntry::new(&bob, MONITOR_FINAL, product, None, None, result)
    };
    assert!(
        s.monitor_record(&done, Some(&outcome(&done, "completed")))
            .unwrap()
    );
    assert!(
        !s.monitor_record(&done, Some(&outcome(&done, "completed")))
            .unwrap(),
        "a second observer of the same end writes nothing"
    );
    assert_eq!(
        s.monitor_get(&done.id).unwrap().state,
        MonitorState::Completed
    );
    // A pending state never writes an outcome, even if one is offered.
    let pending = monitor("c", MonitorState::InProgress);
    assert!(
        !s.monitor_record(&pending, Some(&outcome(&pending, "x")))
            .unwrap()
    );
    assert!(
        s.monitor_record(&failed, Some(&outcome(&failed, "failed: TARIFF")))
            .unwrap()
    );

    let records = s.audit_records_since(None).unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].seq, seq);
    assert_eq!(
        records[0].monitors,
        vec![done.id.clone(), failed.id.clone()]
    );
    assert_eq!(records[0].request_seq, None);
    let finals: Vec<_> = records.iter().filter(|r| r.is_final_outcome()).collect();
    assert_eq!(finals.len(), 2);
    assert_eq!(finals[0].monitors, vec![done.id.clone()]);
    assert_eq!(finals[0].request_seq, Some(seq));
    assert_eq!(
        finals[0].entry.operator, "alice",
        "the requester, not the observer"
    );
    assert_eq!(finals[0].entry.result, "completed");
    assert_eq!(finals[1].entry.result, "failed: TARIFF");
    let json = serde_json::to_value(finals[1]).unwrap();
    assert_eq!(json["requestSeq"], seq);
    assert_eq!(json["monitors"][0], failed.id.as_str());
    assert_eq!(json["action"], MONITOR_FINAL);

    // An outcome with no journaled request keeps its observer and has no link.
    let orphan = monitor("d", MonitorState::Cancelled);
    assert!(
        s.monitor_record(&orphan, Some(&outcome(&orphan, "cancelled")))
            .unwrap()
    );
    let last = s.audit_records_since(None).unwrap().pop().unwrap();
    assert_eq!(
        (last.entry.operator.as_str(), last.request_seq),
        ("bob", None)
    );
}
}

contract! {
fn a_reused_monitor_id_gets_its_own_outcome_and_request(rig) {
    let mut s = rig.open();
    let alice = Operator::from_vars(Some("alice"), None, None);
    let outcome = AuditEntry::new(&alice, MONITOR_FINAL, vec![], None, None, "completed");
    let first = monitor("1", MonitorState::Completed);
    let seq1 = s
        .audit_append_linked(
            &entry(Utc::now(), "status"),
            std::slice::from_ref(&first.id),
        )
        .unwrap();
    assert!(s.monitor_record(&first, Some(&outcome)).unwrap());
    // A restarted carrier numbers its jobs from 1 again: a new job, a new outcome.
    let mut second = first.clone();
    second.created = "2024-05-02T10:00:00Z".into();
    let seq2 = s
        .audit_append_linked(
            &entry(Utc::now(), "status"),
            std::slice::from_ref(&second.id),
        )
        .unwrap();
    assert!(s.monitor_record(&second, Some(&outcome)).unwrap());
    assert!(!s.monitor_record(&second, Some(&outcome)).unwrap());
    let finals: Vec<_> = s
        .audit_records_since(None)
        .unwrap()
        .into_iter()
        .filter(|r| r.is_final_outcome())
        .map(|r| r.request_seq)
        .collect();
    assert_eq!(finals, [Some(seq1), Some(seq2)]);
}
}
