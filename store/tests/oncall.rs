//! Goal (issue 11 point 5): the team and its on-call rota are append-only history, and the
//! T-2h item "on-call roles confirmed" is recorded done only while every role of the plan
//! has someone on call for the whole warroom span — refused naming the role and the
//! uncovered interval otherwise, through every way an item change reaches the store.

use clubgate_core::checklist::{ItemChange, ItemState};
use clubgate_core::oncall::{Contacts, CONFIRMATION_ITEM};
use clubgate_core::plan::Plan;
use clubgate_core::DEFAULT_PLAN_TOML;
use clubgate_store::{Error, LedgerCursor, NewSettings, PulledRecord, Store};
use jiff::Timestamp;

/// T0 2026-12-07T10:00 Warsaw: the warroom is open 2026-12-06T09:00Z → 2026-12-09T09:00Z.
const OPENS: &str = "2026-12-06T09:00:00Z";
const CLOSES: &str = "2026-12-09T09:00:00Z";

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

async fn store_with_launch(dir: &tempfile::TempDir) -> (Store, i64) {
    let store = Store::open(&dir.path().join("c.db")).await.unwrap();
    let settings = store
        .configure(&NewSettings {
            plan_source: "builtin:launch-plan-v1",
            plan_toml: DEFAULT_PLAN_TOML,
            t0: "2026-12-07T10:00",
            time_zone: None,
            changed_by: "Launch IC",
            changed_at: ts("2026-11-28T10:00:00Z"),
            reason: None,
        })
        .await
        .unwrap();
    (store, settings.launch_id)
}

fn phone(number: &str) -> Contacts {
    Contacts::new(Some(number), None, None).unwrap()
}

/// One person per role of the plan, each on call for the whole warroom span.
async fn full_rota(store: &Store) {
    for (n, role) in Plan::default_v1().roles.iter().enumerate() {
        let name = format!("Person {n}");
        store.add_person(&name, &role.id, phone(&format!("+4860123456{n}")), ts("2026-12-01T08:00:00Z")).await.unwrap();
        store.add_shift(&name, None, ts(OPENS), ts(CLOSES), ts("2026-12-01T08:00:00Z")).await.unwrap();
    }
}

fn confirmation(at: &str) -> ItemChange {
    let plan = Plan::default_v1();
    ItemChange::new(&plan, CONFIRMATION_ITEM, ItemState::Done, "Irina (IC)", ts(at), "rota checked in the app").unwrap()
}

fn refusal(result: Result<i64, Error>) -> String {
    match result {
        Err(Error::Refused(message)) => message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn the_team_and_the_rota_keep_their_latest_entries_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = store_with_launch(&dir).await;
    let contacts = Contacts::new(Some("+48 601 234 567"), Some("@olga_treasury"), None).unwrap();
    store.add_person("Olga", "treasury_lead", contacts, ts("2026-12-01T08:00:00Z")).await.unwrap();
    store.add_person("Dmitri", "devops_lead", phone("+48601234568"), ts("2026-12-01T08:00:00Z")).await.unwrap();
    // New details for Olga: a new row, the latest one is her.
    store
        .add_person(
            " Olga ",
            "treasury_lead",
            Contacts::new(None, None, Some("olga@clubgate.example")).unwrap(),
            ts("2026-12-02T08:00:00Z"),
        )
        .await
        .unwrap();
    let first = store.add_shift("Olga", None, ts(OPENS), ts("2026-12-07T09:00:00Z"), ts("2026-12-02T08:00:00Z")).await.unwrap();
    let second = store.add_shift("Dmitri", None, ts(OPENS), ts(CLOSES), ts("2026-12-02T08:00:00Z")).await.unwrap();
    assert_eq!((first.role.as_str(), second.role.as_str()), ("treasury_lead", "devops_lead"));
    let cancelled = store.cancel_shift(first.id, ts("2026-12-03T08:00:00Z")).await.unwrap();
    assert_eq!(cancelled, first);
    let path = store.path().to_owned();
    store.close().await;

    let store = Store::open(&path).await.unwrap();
    let people = store.people().await.unwrap();
    let names: Vec<(&str, &str)> = people.iter().map(|m| (m.person.name.as_str(), m.person.role.as_str())).collect();
    assert_eq!(names, [("Dmitri", "devops_lead"), ("Olga", "treasury_lead")]);
    assert_eq!(people[1].person.contacts, Contacts { phone: None, telegram: None, email: Some("olga@clubgate.example".to_owned()) });
    assert_eq!(store.rota().await.unwrap(), vec![second.clone()]);
    assert_eq!(store.on_call_at(ts("2026-12-07T09:00:00Z")).await.unwrap(), vec![second.clone()]);
    assert_eq!(store.on_call_at(ts(CLOSES)).await.unwrap(), vec![], "the shift's end is not in it");
    assert_eq!(store.on_call_at(ts(OPENS)).await.unwrap(), vec![second]);
    // A shift is cancelled once.
    let again = store.cancel_shift(first.id, ts("2026-12-03T09:00:00Z")).await.unwrap_err();
    assert!(again.to_string().contains(&format!("no shift {}", first.id)), "{again}");
}

#[tokio::test]
async fn bad_people_and_shifts_are_refused_naming_the_value_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = store_with_launch(&dir).await;
    let at = ts("2026-12-01T08:00:00Z");
    let error = store.add_person("Olga", "treasurer", phone("+48601234567"), at).await.unwrap_err();
    assert!(matches!(&error, Error::Refused(m) if m.contains("\"treasurer\"") && m.contains("treasury_lead")), "{error}");
    let error = store.add_person("Olga", "treasury_lead", Contacts::default(), at).await.unwrap_err();
    assert!(error.to_string().contains("Olga needs a contact"), "{error}");
    assert!(store.people().await.unwrap().is_empty());

    store.add_person("Olga", "treasury_lead", phone("+48601234567"), at).await.unwrap();
    let error = store.add_shift("Olgа", None, ts(OPENS), ts(CLOSES), at).await.unwrap_err(); // Cyrillic а
    assert!(error.to_string().contains("no person named \"Olgа\""), "{error}");
    let error = store.add_shift("Olga", None, ts(CLOSES), ts(OPENS), at).await.unwrap_err();
    assert!(error.to_string().contains("ends before it starts"), "{error}");
    let error = store.add_shift("Olga", Some("cfo"), ts(OPENS), ts(CLOSES), at).await.unwrap_err();
    assert!(error.to_string().contains("\"cfo\""), "{error}");
    let held = store.add_shift("Olga", None, ts(OPENS), ts(CLOSES), at).await.unwrap();
    // Olga cannot also be on call as the risk lead during her treasury shift.
    let error = store.add_shift("Olga", Some("risk_lead"), ts("2026-12-08T09:00:00Z"), ts("2026-12-10T09:00:00Z"), at).await.unwrap_err();
    assert!(error.to_string().contains(&format!("(shift {})", held.id)), "{error}");
    assert_eq!(store.rota().await.unwrap(), vec![held]);
}

#[tokio::test]
async fn people_and_shifts_cannot_be_updated_or_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = store_with_launch(&dir).await;
    full_rota(&store).await;
    let shift = store.rota().await.unwrap()[0].clone();
    store.cancel_shift(shift.id, ts("2026-12-02T08:00:00Z")).await.unwrap();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", store.path().display())).await.unwrap();
    for statement in [
        "UPDATE people SET phone = '+48999999999'",
        "DELETE FROM people",
        "UPDATE oncall_shifts SET end_ns = end_ns + 1",
        "DELETE FROM oncall_shifts WHERE cancels IS NOT NULL",
        "DELETE FROM oncall_shifts",
    ] {
        let error = sqlx::query(statement).execute(&pool).await.expect_err(statement);
        assert!(error.to_string().contains("append-only"), "{statement}: {error}");
    }
    // A cancellation of a cancellation (which would bring a shift back) is refused too.
    let cancel_row: i64 = sqlx::query_scalar("SELECT id FROM oncall_shifts WHERE cancels IS NOT NULL").fetch_one(&pool).await.unwrap();
    let error = sqlx::query(
        "INSERT INTO oncall_shifts (person, role, start_ns, end_ns, cancels, added_at) VALUES ('x', 'qa_lead', 1, 2, ?, 'now')",
    )
    .bind(cancel_row)
    .execute(&pool)
    .await
    .expect_err("cancel a cancellation");
    assert!(error.to_string().contains("not another cancellation"), "{error}");
    // The schema's own checks hold against a writer that skips the core.
    for statement in [
        "INSERT INTO people (name, role, phone, telegram, email, added_at) VALUES ('Nobody', 'qa_lead', NULL, NULL, NULL, 'now')",
        "INSERT INTO people (name, role, phone, telegram, email, added_at) VALUES ('Bad', 'qa_lead', '0601', NULL, NULL, 'now')",
        "INSERT INTO oncall_shifts (person, role, start_ns, end_ns, cancels, added_at) VALUES ('x', 'qa_lead', 5, 5, NULL, 'now')",
    ] {
        let error = sqlx::query(statement).execute(&pool).await.expect_err(statement);
        assert!(error.to_string().contains("CHECK constraint failed"), "{statement}: {error}");
    }
    assert_eq!(store.rota().await.unwrap().len(), 5, "the cancelled shift stays off the rota");
}

#[tokio::test]
async fn the_confirmation_is_refused_naming_the_role_and_interval_until_the_rota_covers_the_span() {
    let dir = tempfile::tempdir().unwrap();
    let (store, launch_id) = store_with_launch(&dir).await;

    // Nobody on call: refused, every role named with the whole span.
    let message = refusal(store.record_change(launch_id, &confirmation("2026-12-07T07:55:00Z")).await);
    for role in ["launch_ic", "comms_lead", "treasury_lead", "devops_lead", "risk_lead", "qa_lead"] {
        assert!(
            message.contains(&format!("{role} has nobody on call from 2026-12-06T10:00:00+01:00 to 2026-12-09T10:00:00+01:00")),
            "{message}"
        );
    }

    full_rota(&store).await;
    // The DevOps lead's shift gives way to a shorter one: a gap from T+1d to the close.
    let devops = store.rota().await.unwrap().into_iter().find(|s| s.role == "devops_lead").unwrap();
    store.cancel_shift(devops.id, ts("2026-12-02T08:00:00Z")).await.unwrap();
    store.add_shift(&devops.person, None, ts(OPENS), ts("2026-12-08T09:00:00Z"), ts("2026-12-02T08:00:00Z")).await.unwrap();
    let message = refusal(store.record_change(launch_id, &confirmation("2026-12-07T07:55:00Z")).await);
    assert!(message.contains("devops_lead has nobody on call from 2026-12-08T10:00:00+01:00 to 2026-12-09T10:00:00+01:00"), "{message}");
    assert_eq!(message.matches("has nobody on call").count(), 1, "{message}");
    assert!(store.history(launch_id).await.unwrap().is_empty(), "nothing recorded");
    assert!(store.outbox(false).await.unwrap().is_empty(), "nothing queued for the ledger");

    // Other states of the item, and other items, are not held to the rota.
    let plan = Plan::default_v1();
    let blocked = ItemChange::new(&plan, CONFIRMATION_ITEM, ItemState::Blocked, "Irina", ts("2026-12-07T07:55:00Z"), "DevOps gap").unwrap();
    store.record_change(launch_id, &blocked).await.unwrap();
    let other = ItemChange::new(&plan, "t2h-queues-rpc", ItemState::Done, "Dmitri", ts("2026-12-07T07:56:00Z"), "queues 0").unwrap();
    store.record_change(launch_id, &other).await.unwrap();

    // A deputy covers the last day exactly (half-open: from the instant the first shift ends).
    store.add_person("Pavel", "devops_lead", Contacts::from_one("@pavel_ops").unwrap(), ts("2026-12-02T09:00:00Z")).await.unwrap();
    store.add_shift("Pavel", None, ts("2026-12-08T09:00:00Z"), ts(CLOSES), ts("2026-12-02T09:00:00Z")).await.unwrap();
    store.record_change(launch_id, &confirmation("2026-12-07T07:58:00Z")).await.unwrap();
    let history = store.history(launch_id).await.unwrap();
    assert_eq!(history.last().map(|c| (c.item_id.as_str(), c.state)), Some((CONFIRMATION_ITEM, ItemState::Done)));
    assert_eq!(store.outbox(true).await.unwrap().len(), 3, "the blocked, the other item and the confirmation");
}

#[tokio::test]
async fn a_moved_t0_moves_the_span_the_rota_must_cover() {
    let dir = tempfile::tempdir().unwrap();
    let (store, launch_id) = store_with_launch(&dir).await;
    full_rota(&store).await;
    store.record_change(launch_id, &confirmation("2026-12-07T07:55:00Z")).await.unwrap();
    // T0 one day later: the shifts end a day before the warroom closes.
    store
        .configure(&NewSettings {
            plan_source: "builtin:launch-plan-v1",
            plan_toml: DEFAULT_PLAN_TOML,
            t0: "2026-12-08T10:00",
            time_zone: None,
            changed_by: "Launch IC",
            changed_at: ts("2026-12-03T10:00:00Z"),
            reason: None,
        })
        .await
        .unwrap();
    let message = refusal(store.record_change(launch_id, &confirmation("2026-12-08T07:55:00Z")).await);
    assert!(message.contains("qa_lead has nobody on call from 2026-12-09T10:00:00+01:00 to 2026-12-10T10:00:00+01:00"), "{message}");
}

/// The ledger pull stores other desks' records in `ledger_records` only: a `checklist`
/// sign-off from another desk never writes this desk's checklist history, so it cannot tick
/// the confirmation here around the rota (its author desk checked it against its own).
#[tokio::test]
async fn a_pulled_sign_off_from_another_desk_does_not_tick_the_item_here() {
    let dir = tempfile::tempdir().unwrap();
    let (store, launch_id) = store_with_launch(&dir).await;
    let body = serde_json::json!({
        "id": "8d1c6a53-0a5e-8c2f-9b1e-3f7a2c4d5e6f",
        "kind": "checklist",
        "payload": {"item_id": CONFIRMATION_ITEM, "state": "done", "who": "Other desk", "at": "2026-12-07T07:55:00Z", "evidence": "elsewhere"},
    });
    let record = PulledRecord { seq: 1, kind: "checklist".to_owned(), body: body.to_string(), prev: "0".repeat(64), hash: "ab".repeat(32) };
    let from = LedgerCursor { url: "http://127.0.0.1:9".to_owned(), seq: 0, hash: "0".repeat(64) };
    store.apply_pulled(&from.url, &from, &[record], &[], &[], ts("2026-12-07T08:00:00Z")).await.unwrap();
    assert_eq!(store.ledger_cursor().await.unwrap().map(|c| c.seq), Some(1));
    assert!(store.history(launch_id).await.unwrap().is_empty(), "the checklist history is this desk's own");
    // And the rule still holds for this desk's own sign-off.
    refusal(store.record_change(launch_id, &confirmation("2026-12-07T07:56:00Z")).await);
}
