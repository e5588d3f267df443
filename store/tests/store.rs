//! Goal: launch settings and checklist changes survive a reopen of the database, history
//! is kept in order and can never be overwritten, and bad settings are refused before
//! anything is written.

use clubgate_core::checklist::{ItemChange, ItemState};
use clubgate_core::plan::Plan;
use clubgate_core::DEFAULT_PLAN_TOML;
use clubgate_store::{Error, NewSettings, Store};
use jiff::Timestamp;

fn settings<'a>(t0: &'a str, zone: Option<&'a str>) -> NewSettings<'a> {
    NewSettings {
        plan_source: "builtin:launch-plan-v1",
        plan_toml: DEFAULT_PLAN_TOML,
        t0,
        time_zone: zone,
        changed_by: "Launch IC",
        changed_at: "2026-11-28T10:00:00Z".parse().unwrap(),
        reason: None,
    }
}

#[tokio::test]
async fn settings_and_history_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/clubgate.db");
    let store = Store::open(&path).await.unwrap();
    assert!(store.current_settings().await.unwrap().is_none());
    assert!(matches!(store.require_settings().await, Err(Error::NoLaunch { .. })));
    let first = store.configure(&settings("2026-12-07T10:00", None)).await.unwrap();
    assert_eq!(
        (first.t0.as_str(), first.time_zone.as_str(), first.plan_id.as_str()),
        ("2026-12-07T10:00:00+01:00", "Europe/Warsaw", "launch-plan-v1")
    );
    let plan = Plan::default_v1();
    let at: Timestamp = "2026-12-01T09:00:00Z".parse().unwrap();
    let done = ItemChange::new(&plan, "t7d-buffers", ItemState::Done, "Olga (Treasury)", at, "ETH 12.5, TRX 400k").unwrap();
    let reopened = ItemChange::new(&plan, "t7d-buffers", ItemState::Open, "Olga (Treasury)", at, "").unwrap();
    store.record_change(first.launch_id, &done).await.unwrap();
    store.record_change(first.launch_id, &reopened).await.unwrap();
    store.record_change(first.launch_id, &done).await.unwrap();
    // Each sign-off is queued for the ledger with it (issue 10), identical ones too.
    let queued = store.outbox(true).await.unwrap();
    assert_eq!(queued.iter().map(|c| c.kind.as_str()).collect::<Vec<_>>(), ["checklist"; 3]);
    let first_payload: serde_json::Value = serde_json::from_str(&queued[0].payload).unwrap();
    assert_eq!(
        first_payload,
        serde_json::json!({"item_id": "t7d-buffers", "state": "done", "who": "Olga (Treasury)", "at": "2026-12-01T09:00:00Z", "evidence": "ETH 12.5, TRX 400k"})
    );
    assert_ne!(queued[0].id, queued[2].id);
    let moved = store.configure(&settings("2026-12-08T09:00", None)).await.unwrap();
    assert_eq!(moved.launch_id, first.launch_id, "moving T0 keeps the launch and its history");
    store.close().await;

    let store = Store::open(&path).await.unwrap();
    let current = store.require_settings().await.unwrap();
    assert_eq!(current.t0, "2026-12-08T09:00:00+01:00");
    let history = store.history(current.launch_id).await.unwrap();
    assert_eq!(history, vec![done.clone(), reopened, done]);
    assert_eq!(current.launch().unwrap().table.checkpoints.len(), 9);
}

#[tokio::test]
async fn a_bad_launch_setting_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("c.db")).await.unwrap();
    let error = store.configure(&settings("2026-03-29T02:30", None)).await.expect_err("gap");
    assert!(error.to_string().contains("2026-03-29T02:30"), "{error}");
    let error = store.configure(&settings("2026-12-07T10:00", Some("Mars/Olympus"))).await.expect_err("zone");
    assert!(error.to_string().contains("Mars/Olympus"), "{error}");
    let mut anonymous = settings("2026-12-07T10:00", None);
    anonymous.changed_by = " ";
    assert!(store.configure(&anonymous).await.is_err());
    assert!(store.current_settings().await.unwrap().is_none());
    let utc = store.configure(&settings("2026-12-07T10:00", Some("UTC"))).await.unwrap();
    assert_eq!(utc.t0, "2026-12-07T10:00:00+00:00");
}

#[tokio::test]
async fn history_cannot_be_updated_or_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let store = Store::open(&path).await.unwrap();
    let launch = store.configure(&settings("2026-12-07T10:00", None)).await.unwrap();
    let plan = Plan::default_v1();
    let change = ItemChange::new(&plan, "t7d-dr-drill", ItemState::Done, "Dmitri", Timestamp::UNIX_EPOCH, "PITR ok").unwrap();
    store.record_change(launch.launch_id, &change).await.unwrap();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", path.display())).await.unwrap();
    for statement in [
        "UPDATE item_changes SET state = 'open'",
        "DELETE FROM item_changes",
        "UPDATE launch_settings SET t0 = 'x'",
        "DELETE FROM launch_settings",
    ] {
        let error = sqlx::query(statement).execute(&pool).await.expect_err(statement);
        assert!(error.to_string().contains("append-only"), "{statement}: {error}");
    }
    let bad_state =
        sqlx::query("INSERT INTO item_changes (launch_id, item_id, state, who, at, evidence) VALUES (1, 'x', 'finished', 'a', 'b', '')")
            .execute(&pool)
            .await;
    assert!(bad_state.is_err(), "the state column accepts only the four states");
    assert_eq!(store.history(launch.launch_id).await.unwrap(), vec![change]);
}

/// The goal (issue 10): a bundle and an approval are queued for the ledger in the
/// transactions that record them — a refused approval queues nothing — under ids every
/// workstation derives alike.
#[tokio::test]
async fn an_approval_is_queued_for_the_ledger_with_it_and_only_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("desk.db")).await.unwrap();
    let now = Timestamp::now();
    let hash = format!("0x{}", "ab".repeat(32));
    let bundle = clubgate_store::StoredBundle {
        bundle_id: "b-1".to_owned(),
        hash: hash.clone(),
        document: "{}".to_owned(),
        requested_by: "lead".to_owned(),
        created_at: now,
    };
    store.publish_bundle(&bundle).await.unwrap();
    let published = store.outbox(true).await.unwrap();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].kind, "bundle");
    let payload: serde_json::Value = serde_json::from_str(&published[0].payload).unwrap();
    assert_eq!(payload, serde_json::json!({"bundle_id": "b-1", "bundle_hash": hash, "document": {}, "requested_by": "lead"}));
    assert!(store.publish_bundle(&bundle).await.is_err(), "a bundle id is used once");
    assert!(store.insert_bundle(&bundle).await.is_err(), "a bundle id is used once");
    let approver = "0xA1A1a1a1A1A1A1A1A1a1a1a1a1a1A1A1a1A1a1a1";
    store.add_approval("b-1", approver, &"11".repeat(65), now).await.unwrap();
    let outbox: Vec<_> = store.outbox(true).await.unwrap().into_iter().filter(|c| c.kind != "bundle").collect();
    assert_eq!(outbox.len(), 1);
    assert_eq!((outbox[0].kind.as_str(), outbox[0].id.clone()), ("approval", clubgate_store::approval_command_id(&hash, approver)));
    let payload: serde_json::Value = serde_json::from_str(&outbox[0].payload).unwrap();
    assert_eq!(
        payload,
        serde_json::json!({"bundle_hash": hash, "approver": approver, "signature": format!("0x{}", "11".repeat(65)), "bundle_id": "b-1"})
    );
    // The same approver again, and an unknown bundle: refused, and nothing more is queued.
    assert!(matches!(store.add_approval("b-1", approver, &"22".repeat(65), now).await, Err(Error::Refused(_))));
    assert!(matches!(store.add_approval("b-404", approver, &"22".repeat(65), now).await, Err(Error::Refused(_))));
    assert_eq!(store.outbox(false).await.unwrap().len(), 2, "the bundle and the one approval");
    // The id is the same for another spelling of the same approver and hash.
    assert_eq!(clubgate_store::approval_command_id(&hash.to_uppercase().replace("0X", "0x"), &approver.to_lowercase()), outbox[0].id);
    assert!(clubgate_core::events::parse_uuid(&outbox[0].id).is_ok());
    // A bundle made under a policy version: its approvals name it, so the ledger refuses them
    // once another version is in force.
    let versioned = clubgate_store::StoredBundle {
        bundle_id: "b-2".to_owned(),
        hash: format!("0x{}", "cd".repeat(32)),
        document: r#"{"policy_version":3}"#.to_owned(),
        ..bundle
    };
    store.insert_bundle(&versioned).await.unwrap();
    store.add_approval("b-2", approver, &"11".repeat(65), now).await.unwrap();
    let queued = store.outbox(true).await.unwrap().into_iter().find(|c| c.kind == "approval" && c.payload.contains("b-2")).unwrap();
    let payload: serde_json::Value = serde_json::from_str(&queued.payload).unwrap();
    assert_eq!(payload["policy_version"], 3);
}

/// Red team F4: a store that follows a ledger takes its events only from it — an import or a
/// replay (which would empty or mix the events the SLO gate reads) is refused.
#[tokio::test]
async fn a_store_that_follows_a_ledger_refuses_imports_and_replays() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("desk.db")).await.unwrap();
    let genesis = "0".repeat(64);
    store.start_stream("import:before.jsonl", Timestamp::now()).await.expect("no ledger yet: an import is fine");
    let record = clubgate_store::PulledRecord {
        seq: 1,
        kind: "decision".to_owned(),
        body: r#"{"id":"00000000-0000-4000-8000-000000000001","payload":{}}"#.to_owned(),
        prev: genesis.clone(),
        hash: "1".repeat(64),
    };
    let from = clubgate_store::LedgerCursor { url: "http://127.0.0.1:1".to_owned(), seq: 0, hash: genesis };
    store.apply_pulled("http://127.0.0.1:1", &from, &[record], &[], &[], Timestamp::now()).await.unwrap();
    let refused = store.start_stream("import:events.jsonl", Timestamp::now()).await;
    assert!(matches!(&refused, Err(Error::Refused(m)) if m.contains("follows the ledger http://127.0.0.1:1")), "{refused:?}");
    assert!(matches!(store.append_events(&[]).await, Err(Error::Refused(_))));
    assert_eq!(store.stream_source().await.unwrap().as_deref(), Some("ledger:http://127.0.0.1:1"), "the stream stays the ledger's");
}
