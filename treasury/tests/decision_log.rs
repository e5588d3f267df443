//! Issue 11, the signed decision log: decisions are signed by the launch IC's PKCS#11 key
//! (SoftHSM2, its PIN typed now), chained, and carried out (safe-mode, volume level); a
//! changed byte, two entries swapped and one dropped are each found and named on the entry
//! where they show; a decision signed by a key that is not the IC's is refused, and one
//! slipped into the store past `decide` shows as broken.

use clubgate_chain::decision::Decision;
use clubgate_chain::signer::Profile;
use clubgate_core::launch::Launch;
use clubgate_core::treasury::Treasury;
use clubgate_store::Store;
use clubgate_treasury::decisions::{decide, read_log, snapshot, DecideRequest};
use clubgate_treasury::demo::{demo_token_of, softhsm_demo, DEMO_LAUNCH_IC};
use clubgate_treasury::flow::Policy;
use jiff::Timestamp;
use serde_json::{json, Value};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// Runs SQL on the store's file with the append-only triggers out of the way: what someone
/// with the file (not the app) could do.
async fn tamper(path: &std::path::Path, statements: &[&str]) {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    for statement in ["DROP TRIGGER IF EXISTS decisions_no_update", "DROP TRIGGER IF EXISTS decisions_no_delete"].iter().chain(statements) {
        sqlx::query(sqlx::AssertSqlSafe(statement.to_string())).execute(&mut conn).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    conn.close().await.unwrap();
}

fn problems(log: &clubgate_treasury::decisions::Log) -> Vec<(usize, String)> {
    log.entries.iter().flat_map(|e| e.problems.iter().map(move |p| (e.position, p.clone()))).collect()
}

#[tokio::test]
async fn the_decision_log_is_signed_chained_and_every_tamper_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let demo = softhsm_demo(dir.path(), MODULE).unwrap();
    // The only test in this binary: the module reads SOFTHSM2_CONF when it loads.
    std::env::set_var("SOFTHSM2_CONF", &demo.softhsm_conf);
    let treasury = Treasury::from_toml(&std::fs::read_to_string(&demo.treasury_file).unwrap()).unwrap();
    let path = dir.path().join("store.db");
    let store = Store::open(&path).await.unwrap();
    // T0 six hours ahead: the warroom (the change window, T-1d → T+2d) and the config freeze
    // (T-3d → T+1d) are on now.
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let t0 = (Timestamp::now() + jiff::SignedDuration::from_hours(6)).to_zoned_datetime(tz).strftime("%Y-%m-%dT%H:%M").to_string();
    let launch = Launch::new(clubgate_core::DEFAULT_PLAN_TOML, &t0, None).unwrap();
    let settings = store
        .configure(&clubgate_store::NewSettings {
            plan_source: "embedded",
            plan_toml: clubgate_core::DEFAULT_PLAN_TOML,
            t0: &t0,
            time_zone: None,
            changed_by: "Irina (IC)",
            changed_at: Timestamp::now(),
            reason: None,
        })
        .await
        .unwrap();
    let policy = Policy { treasury: &treasury, launch: &launch };
    let (_, _, ic_pin) = DEMO_LAUNCH_IC;
    let mut at = Timestamp::now();
    let mut take = |kind: &'static str, details: Value, pin: Option<&'static str>, signer: Option<String>| {
        at += jiff::SignedDuration::from_secs(60);
        let (store, launch, treasury, at) = (&store, &launch, &treasury, at);
        async move {
            let snapshot = snapshot(store, launch, Some(treasury)).await.unwrap();
            let request = DecideRequest {
                kind,
                details: &details,
                text: "as agreed in the warroom",
                at,
                signer: signer.as_deref(),
                pin,
                profile: Profile::Production,
            };
            decide(store, policy, snapshot, request).await
        }
    };

    // The IC's PIN is needed, typed now: none, or a wrong one, signs nothing.
    let refused = take("go_no_go", json!({"verdict": "no_go"}), None, None).await.unwrap_err();
    assert_eq!(refused.code(), "credential", "{refused}");
    let refused = take("go_no_go", json!({"verdict": "no_go"}), Some("0000"), None).await.unwrap_err();
    assert_eq!(refused.code(), "login_refused", "{refused}");
    // Another key — an approver's, with its own right PIN — is not the IC's.
    let approver_a = format!("pkcs11:{}/approver-a", demo_token_of("approver-a").0);
    let refused =
        take("go_no_go", json!({"verdict": "no_go"}), Some(demo_token_of("approver-a").1), Some(approver_a.clone())).await.unwrap_err();
    assert_eq!(refused.code(), "role", "{refused}");
    assert!(store.decision_log().await.unwrap().is_empty(), "nothing refused was recorded");

    // Go only through a GO gate: refused, naming an open entry criterion, until every one is done.
    let refused = take("go_no_go", json!({"verdict": "go"}), Some(ic_pin), None).await.unwrap_err();
    assert!(refused.to_string().contains("NO-GO") && refused.to_string().contains("entry-"), "{refused}");
    let criteria: Vec<String> = launch
        .plan
        .items()
        .filter(|(kind, _, _)| *kind == clubgate_core::plan::ItemKind::EntryCriterion)
        .map(|(_, _, item)| item.id.clone())
        .collect();
    for item_id in criteria {
        let change = clubgate_core::checklist::ItemChange {
            item_id,
            state: clubgate_core::checklist::ItemState::Done,
            who: "QA lead".to_owned(),
            at: Timestamp::now(),
            evidence: "signed off".to_owned(),
        };
        store.record_change(settings.launch_id, &change).await.unwrap();
    }

    // The procedure: declare, freeze TRC-20 payouts, lower the volume, step, exception, stand down.
    let go = take("go_no_go", json!({"verdict": "go"}), Some(ic_pin), None).await.unwrap();
    assert_eq!((go["seq"].as_u64(), go["prev"].as_str()), (Some(1), Some(&*format!("0x{}", "0".repeat(64)))));
    let declared = take("rollback_declared", json!({"scope": "network:trc20"}), Some(ic_pin), None).await.unwrap();
    let rollback = declared["id"].as_str().unwrap().to_owned();
    assert_eq!(declared["prev"], go["hash"], "each decision names the one before");
    take("safe_mode", json!({"state": "on", "scope": "network:trc20", "rollback": rollback}), Some(ic_pin), None).await.unwrap();
    take("volume_level", json!({"level": "canary", "rollback": rollback}), Some(ic_pin), None).await.unwrap();
    take(
        "rollback_step",
        json!({"rollback": rollback, "step": "announce", "who": "Irina (IC)", "evidence": "#launch-warroom 14:05"}),
        Some(ic_pin),
        None,
    )
    .await
    .unwrap();
    // Bad input is refused by name and loses nothing.
    let refused = take("rollback_step", json!({"rollback": rollback, "step": "dance", "who": "x", "evidence": "y"}), Some(ic_pin), None)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("\"dance\""), "{refused}");
    let refused = take("volume_level", json!({"level": "half"}), Some(ic_pin), None).await.unwrap_err();
    assert!(refused.to_string().contains("\"half\""), "{refused}");
    let refused = take(
        "freeze_exception",
        json!({"area": "gas_price", "who": "a", "what": "b", "when": Timestamp::now().to_string(), "rollback_plan": "c"}),
        Some(ic_pin),
        None,
    )
    .await
    .unwrap_err();
    assert!(refused.to_string().contains("per_tx_cap"), "{refused}");
    let outside = (launch.t0_instant() + jiff::SignedDuration::from_hours(24 * 3)).to_string();
    let refused = take(
        "freeze_exception",
        json!({"area": "per_tx_cap", "who": "a", "what": "b", "when": outside, "rollback_plan": "c"}),
        Some(ic_pin),
        None,
    )
    .await
    .unwrap_err();
    assert!(refused.to_string().contains("outside the change window"), "{refused}");
    take(
        "freeze_exception",
        json!({"area": "per_tx_cap", "who": "DevOps lead", "what": "TRC-20 per-tx cap 200000 → 150000", "when": Timestamp::now().to_string(), "rollback_plan": "set it back to 200000"}),
        Some(ic_pin),
        None,
    )
    .await
    .unwrap();
    take("rollback_stood_down", json!({"rollback": rollback}), Some(ic_pin), None).await.unwrap();
    let refused = take("rollback_step", json!({"rollback": rollback, "step": "rca", "who": "x", "evidence": "y"}), Some(ic_pin), None)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("stood down"), "{refused}");

    let log = read_log(&store, &treasury, &launch.plan).await.unwrap();
    assert_eq!(log.entries.len(), 7);
    assert!(log.intact(), "{:?}", problems(&log));
    let procedure = &log.procedures[0];
    let done: Vec<&str> = procedure.steps.iter().filter(|s| s.done.is_some()).map(|s| s.step.as_str()).collect();
    assert_eq!(done, ["announce", "safe-mode", "volume-down"]);
    assert!(procedure.stood_down.is_some());
    // The switches went with their decisions: safe-mode blocks TRC-20, the level is canary.
    let gate = clubgate_treasury::gate::signing_gate(&store, &launch, &treasury, clubgate_core::plan::Network::Trc20, "hot-trc20-1")
        .await
        .unwrap()
        .expect("safe-mode gates TRC-20");
    assert_eq!(gate.action, clubgate_core::plan::SigningGate::Block);
    assert!(clubgate_treasury::gate::signing_gate(&store, &launch, &treasury, clubgate_core::plan::Network::Erc20, "hot-erc20-1")
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        clubgate_treasury::gate::volume_level(
            &store,
            &launch.plan,
            &clubgate_treasury::gate::signed_decisions(&store, &treasury, &launch.plan).await.unwrap()
        )
        .await
        .unwrap()
        .map(|l| (l.0, l.1)),
        Some(("canary".to_owned(), 30))
    );
    // Unsigned switches only tighten: a raise back to 100 % and a safe-mode off queued on this
    // desk without a decision change nothing; a lower level counts at once.
    let level = |store: &Store| {
        let (store, launch, treasury) = (store.clone(), &launch, &treasury);
        async move {
            let decisions = clubgate_treasury::gate::signed_decisions(&store, treasury, &launch.plan).await.unwrap();
            clubgate_treasury::gate::volume_level(&store, &launch.plan, &decisions).await.unwrap().map(|l| (l.0, l.1))
        }
    };
    store.enqueue_command("raise-1", "volume_level", r#"{"level":"100","why":"all good"}"#, Timestamp::now()).await.unwrap();
    store
        .enqueue_command("lift-1", "safe_mode", r#"{"scope":"network:trc20","on":false,"why":"all good"}"#, Timestamp::now())
        .await
        .unwrap();
    assert_eq!(level(&store).await, Some(("canary".to_owned(), 30)), "an unsigned raise counts for nothing");
    assert!(
        clubgate_treasury::gate::signing_gate(&store, &launch, &treasury, clubgate_core::plan::Network::Trc20, "hot-trc20-1")
            .await
            .unwrap()
            .is_some(),
        "an unsigned switch off lifts nothing"
    );
    store.enqueue_command("lower-1", "volume_level", r#"{"level":"pilot","why":"tighter"}"#, Timestamp::now()).await.unwrap();
    assert_eq!(level(&store).await, Some(("pilot".to_owned(), 10)), "a lower level counts at once");
    // Each entry carries its snapshot, under the hash it was signed with.
    let first: Value = serde_json::from_str(&store.decision_log().await.unwrap()[0]).unwrap();
    assert_eq!(first["snapshot"]["recommendation"], "none");

    // Two desks (or processes) that signed on the same tip: the second is refused in the
    // store's write transaction and nothing of it is written (no entry, no outbox command).
    let tip: Value = serde_json::from_str(store.decision_log().await.unwrap().last().unwrap()).unwrap();
    let stale = (tip["seq"].as_u64().unwrap() - 1, "0xstale");
    let before = store.outbox(false).await.unwrap().len();
    let raced = store
        .record_decision("raced-1", r#"{"kind":"other"}"#, Some(stale), &[("raced-switch", "safe_mode", "{}")], Timestamp::now())
        .await;
    assert!(raced.unwrap_err().to_string().contains("decide again"));
    let raced = store.record_decision("raced-2", r#"{"kind":"other"}"#, None, &[], Timestamp::now()).await;
    assert!(raced.unwrap_err().to_string().contains("decide again"), "an empty-log signature on a log with entries");
    assert_eq!(store.outbox(false).await.unwrap().len(), before, "a refused decision leaves nothing behind");
    assert_eq!(store.decision_log().await.unwrap().len(), 7);

    // The app cannot change or remove an entry.
    let mut conn = {
        use sqlx::Connection;
        sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap()
    };
    let error = sqlx::query("UPDATE decisions SET payload = '{}' WHERE position = 1").execute(&mut conn).await.unwrap_err();
    assert!(error.to_string().contains("append-only"), "{error}");
    drop(conn);

    // One byte changed: entry 2's scope.
    tamper(&path, &["UPDATE decisions SET payload = replace(payload, '\"scope\":\"network:trc20\"', '\"scope\":\"network:erc20\"') WHERE position = 2"]).await;
    let log = read_log(&store, &treasury, &launch.plan).await.unwrap();
    let found = problems(&log);
    assert!(found.iter().any(|(p, why)| *p == 2 && why.contains("does not match its hash")), "{found:?}");
    assert!(found.iter().all(|(p, _)| *p == 2), "only the changed entry: {found:?}");
    tamper(&path, &["UPDATE decisions SET payload = replace(payload, '\"scope\":\"network:erc20\"', '\"scope\":\"network:trc20\"') WHERE position = 2"]).await;
    assert!(read_log(&store, &treasury, &launch.plan).await.unwrap().intact());

    // Two entries swapped: 4 and 5.
    let swap = [
        "CREATE TEMP TABLE swapped AS SELECT position, payload FROM decisions WHERE position IN (4, 5)",
        "UPDATE decisions SET payload = (SELECT payload FROM swapped WHERE swapped.position = 9 - decisions.position) WHERE position IN (4, 5)",
        "DROP TABLE swapped",
    ];
    tamper(&path, &swap).await;
    let found = problems(&read_log(&store, &treasury, &launch.plan).await.unwrap());
    assert!(found.iter().any(|(p, why)| *p == 4 && why.contains("says 5")), "{found:?}");
    assert!(found.iter().any(|(p, why)| *p == 5 && why.contains("says 4")), "{found:?}");
    tamper(&path, &swap).await;
    assert!(read_log(&store, &treasury, &launch.plan).await.unwrap().intact());

    // One dropped: entry 3 (the safe-mode switch).
    tamper(&path, &["DELETE FROM decisions WHERE position = 3"]).await;
    let log = read_log(&store, &treasury, &launch.plan).await.unwrap();
    let found = problems(&log);
    assert!(found.iter().any(|(p, why)| *p == 3 && why.contains("says 4") && why.contains("missing")), "{found:?}");
    assert!(found.iter().any(|(p, why)| *p == 3 && why.contains("chain is broken")), "{found:?}");
    assert_eq!(log.procedures[0].steps.iter().find(|s| s.step == "safe-mode").unwrap().done, None, "a broken entry marks nothing");

    // A decision slipped into the store past `decide`, signed by an approver's key, shows as
    // not the IC's (and, being signed on a stale tip, as out of the chain).
    let dir2 = tempfile::tempdir().unwrap();
    let store2 = Store::open(&dir2.path().join("store.db")).await.unwrap();
    let approver =
        clubgate_treasury::signers::open_pkcs11_verified(demo_token_of("approver-a").0, "approver-a", demo_token_of("approver-a").1)
            .unwrap();
    let snapshot = json!({"recommendation": "none"});
    let snapshot_hash = alloy::primitives::B256::from(clubgate_core::decision::snapshot_hash(&snapshot));
    let forged = Decision {
        seq: 1,
        prev: alloy::primitives::B256::ZERO,
        id: "forged-1".to_owned(),
        kind: "safe_mode".to_owned(),
        details: r#"{"scope":"network:trc20","state":"off"}"#.to_owned(),
        text: "lift it".to_owned(),
        author: approver.address(),
        at: Timestamp::now().to_string(),
        planVersion: "launch-plan-v1@1".to_owned(),
        snapshotHash: snapshot_hash,
    };
    let signature = clubgate_chain::decision::sign(&forged, approver.as_ref()).unwrap();
    let payload = json!({
        "seq": 1, "prev": forged.prev.to_string(), "id": forged.id, "kind": forged.kind,
        "details": {"scope": "network:trc20", "state": "off"}, "text": forged.text,
        "author": approver.address().to_checksum(None), "author_name": "Approver A", "at": forged.at,
        "plan_version": forged.planVersion, "snapshot_hash": snapshot_hash.to_string(), "snapshot": snapshot,
        "hash": forged.hash().to_string(), "signature": alloy::hex::encode_prefixed(&signature),
    });
    store2.record_decision("forged-1", &payload.to_string(), None, &[], Timestamp::now()).await.unwrap();
    let found = problems(&read_log(&store2, &treasury, &launch.plan).await.unwrap());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.contains("not a launch IC"), "{found:?}");
}
