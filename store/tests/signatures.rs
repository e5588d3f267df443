//! Goal: no payout chunk is ever signed twice — the original is reserved durably before a
//! signer is asked, a second signature exists only as a recorded replacement (speed-up or
//! expired) of a signed attempt bound to the original's bundle and content, a failed signer
//! abandons its reservation so the chunk is signed again exactly once, rows are never
//! deleted or re-signed — and the day's phase cap is checked and consumed in the same
//! transaction as the reservation (issue 8), with instants compared as integers.

use std::sync::{Arc, Barrier};

use clubgate_store::{Error, NonceClaim, Reservation, SignatureKind, Store, VolumeClaim};
use jiff::Timestamp;

const HOT: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

fn now() -> Timestamp {
    "2026-12-07T10:00:00Z".parse().unwrap()
}

fn day() -> VolumeClaim {
    VolumeClaim {
        day_start: "2026-12-06T23:00:00Z".parse().unwrap(),
        day_end: "2026-12-07T23:00:00Z".parse().unwrap(),
        amount: 250_000_000_000,
        cap: Some(600_000_000_000),
        elsewhere: 0,
    }
}

fn reservation<'a>(bundle_id: &'a str, chunk: u32, content: &'a str) -> Reservation<'a> {
    Reservation {
        kind: SignatureKind::Payout,
        bundle_id,
        chunk,
        network: "erc20",
        amount: 250_000_000_000,
        bundle_hash: "0xbundle",
        content,
        signer: HOT,
        replacement: None,
        review_hash: "0xreview",
        policy: "0xpolicy",
        volume: Some(day()),
        nonce: None,
        at: now(),
    }
}

#[tokio::test]
async fn a_chunk_is_signed_once_and_replaced_only_explicitly() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).await.unwrap();
    assert_eq!(store.reserve_signature(reservation("b-1", 0, "c")).await.unwrap().attempt, 0);
    let twice = store.reserve_signature(reservation("b-1", 0, "c")).await.expect_err("reserved already");
    assert!(matches!(twice, Error::BeingSigned { attempt: 0, .. }), "{twice}");
    let early = store
        .reserve_signature(Reservation { replacement: Some("speed-up"), ..reservation("b-1", 0, "c") })
        .await
        .expect_err("not signed yet");
    assert!(matches!(early, Error::BeingSigned { .. }), "{early}");
    store.record_signature("b-1", 0, 0, "0xaaa", "0x02aa", now()).await.unwrap();
    assert!(store.record_signature("b-1", 0, 0, "0xbbb", "0x02bb", now()).await.is_err(), "a signed attempt is final");
    let again = store.reserve_signature(reservation("b-1", 0, "c")).await.expect_err("signed already");
    assert!(matches!(again, Error::AlreadySigned { attempt: 0, .. }), "{again}");
    let bogus = store.reserve_signature(Reservation { replacement: Some("because"), ..reservation("b-1", 0, "c") }).await;
    assert!(matches!(bogus, Err(Error::Database { .. })), "the schema refuses an unknown reason");
    assert_eq!(
        store
            .reserve_signature(Reservation { replacement: Some("speed-up"), volume: None, ..reservation("b-1", 0, "c") })
            .await
            .unwrap()
            .attempt,
        1
    );
    store.record_signature("b-1", 0, 1, "0xccc", "0x02cc", now()).await.unwrap();
    let nothing = store.reserve_signature(Reservation { replacement: Some("expired"), ..reservation("b-2", 3, "c") }).await;
    assert!(matches!(nothing, Err(Error::NothingToReplace { .. })), "nothing to replace");
    assert_eq!(store.reserve_signature(reservation("b-1", 1, "c1")).await.unwrap().attempt, 0, "other chunks are independent");
    // The bundle's whole amount was claimed with its first chunk; the second chunk and the
    // replacement claim nothing more.
    assert_eq!(store.signed_volume(day().day_start, day().day_end).await.unwrap(), 250_000_000_000);
    let lineage = store.signature_attempts("b-1", 0).await.unwrap();
    assert_eq!(
        lineage,
        vec![(0, None, "signed".into(), Some("0xaaa".into())), (1, Some("speed-up".into()), "signed".into(), Some("0xccc".into()))]
    );

    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", dir.path().join("s.db").display())).await.unwrap();
    for statement in [
        "DELETE FROM signatures",
        "UPDATE signatures SET raw = 'x' WHERE attempt = 0",
        "UPDATE signatures SET state = 'reserved'",
        "UPDATE signatures SET content = 'other' WHERE state = 'reserved'",
    ] {
        let error = sqlx::query(statement).execute(&pool).await.expect_err(statement);
        assert!(error.to_string().contains("never"), "{statement}: {error}");
    }
}

/// Issue 8: a "replacement" carrying another amount, destination or token was signed past
/// the cap, because only the nonce was kept.
#[tokio::test]
async fn a_replacement_with_other_content_or_bundle_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("r.db")).await.unwrap();
    store.reserve_signature(reservation("b-1", 0, "erc20|to A|amount 1")).await.unwrap();
    store.record_signature("b-1", 0, 0, "0xaaa", "0x02aa", now()).await.unwrap();
    let speed_up = |content| Reservation { replacement: Some("speed-up"), volume: None, ..reservation("b-1", 0, content) };
    let other = store.reserve_signature(speed_up("erc20|to B|amount 1")).await.expect_err("other content");
    assert!(matches!(other, Error::ReplacementChanged { field, .. } if field.contains("destination")), "{other}");
    let other_bundle = store.reserve_signature(Reservation { bundle_hash: "0xother", ..speed_up("erc20|to A|amount 1") }).await;
    assert!(matches!(other_bundle, Err(Error::ReplacementChanged { field: "bundle hash", .. })), "{other_bundle:?}");
    assert_eq!(store.reserve_signature(speed_up("erc20|to A|amount 1")).await.unwrap().attempt, 1, "a real speed-up is accepted");
}

/// Red-team finding on issue 8: another bundle written under a signed bundle's id would have
/// its other chunks signed past the cap (the id's volume was claimed already).
#[tokio::test]
async fn another_bundle_under_a_used_id_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("id.db")).await.unwrap();
    store.reserve_signature(reservation("b-1", 0, "c")).await.unwrap();
    let other = store.reserve_signature(Reservation { bundle_hash: "0xother", ..reservation("b-1", 1, "c1") }).await;
    assert!(matches!(other, Err(Error::ReplacementChanged { chunk: 1, field: "bundle hash", .. })), "{other:?}");
    assert_eq!(store.reserve_signature(reservation("b-1", 1, "c1")).await.unwrap().attempt, 0, "the same bundle's next chunk signs");
}

/// Issue 8 (red-team): a copied treasury file naming other approvers was a flag away
/// (`--treasury copy.toml`). The store signs under one bound policy; another one, once
/// anything was signed, only with the launch IC's reason — checked inside the reservation.
#[tokio::test]
async fn the_store_signs_under_its_bound_treasury_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("p.db")).await.unwrap();
    assert_eq!(store.bound_policy().await.unwrap(), None);
    store.bind_policy("0xpolicy", "Lead", None, now()).await.unwrap();
    store.bind_policy("0xfirst-edit", "Lead", None, now()).await.expect("free before anything is signed");
    store.bind_policy("0xpolicy", "Lead", None, now()).await.unwrap();
    store.reserve_signature(reservation("b-1", 0, "c")).await.unwrap();
    store.record_signature("b-1", 0, 0, "0xh", "0x02", now()).await.unwrap();
    let copy = store.bind_policy("0xcopy", "Mallory", None, now()).await.expect_err("locked");
    assert!(matches!(copy, Error::PolicyChanged { .. }), "{copy}");
    let under_copy = store.reserve_signature(Reservation { policy: "0xcopy", ..reservation("b-2", 0, "c") }).await;
    assert!(matches!(under_copy, Err(Error::PolicyChanged { .. })), "{under_copy:?}");
    store.bind_policy("0xnew", "Irina (IC)", Some("IC decision 7: partner T added to the allow-list"), now()).await.unwrap();
    assert_eq!(store.bound_policy().await.unwrap().as_deref(), Some("0xnew"));
    let under_old = store.reserve_signature(reservation("b-3", 0, "c")).await;
    assert!(matches!(under_old, Err(Error::PolicyChanged { .. })), "{under_old:?}");
}

/// Red-team finding on issue 8: the same bytes reviewed again (same nonce, same policy fees)
/// have the same hash; the new review, not the first one's expiry, is in force.
#[tokio::test]
async fn reviewing_the_same_bytes_again_renews_the_review() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("rv.db")).await.unwrap();
    let review = |at: &str, expires: &str| clubgate_store::StoredReview {
        review_hash: "0xsame".into(),
        bundle_id: "b-1".into(),
        chunk: 0,
        replace: None,
        unsigned_hex: "0x02".into(),
        reviewed_by: "A".into(),
        reviewed_at: at.parse().unwrap(),
        expires_at: expires.parse().unwrap(),
    };
    store.insert_review(&review("2026-12-07T10:00:00Z", "2026-12-07T10:10:00Z")).await.unwrap();
    store.insert_review(&review("2026-12-07T11:00:00Z", "2026-12-07T11:10:00Z")).await.unwrap();
    let latest = store.review("0xsame").await.unwrap().unwrap();
    assert_eq!(latest.expires_at, "2026-12-07T11:10:00Z".parse::<Timestamp>().unwrap());
    assert!(store.review("0xother").await.unwrap().is_none());
}

/// A chunk has at most `MAX_ATTEMPTS` attempts: speed-ups cannot raise its fees forever.
#[tokio::test]
async fn a_chunk_has_a_bounded_number_of_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("max.db")).await.unwrap();
    for attempt in 0..clubgate_store::MAX_ATTEMPTS {
        let replacement = (attempt > 0).then_some("speed-up");
        let reserved = store.reserve_signature(Reservation { replacement, ..reservation("b-1", 0, "c") }).await.unwrap();
        assert_eq!(reserved.attempt as usize, attempt);
        store.record_signature("b-1", 0, reserved.attempt, "0xh", "0x02", now()).await.unwrap();
    }
    let over = store.reserve_signature(Reservation { replacement: Some("speed-up"), ..reservation("b-1", 0, "c") }).await;
    assert!(matches!(over, Err(Error::SignRefused { .. })), "{over:?}");
}

/// Issue 8: a signer failing after the reservation left the chunk `reserved` forever and its
/// nonce allocated: one HSM hiccup blocked every later payout of the wallet.
#[tokio::test]
async fn an_abandoned_reservation_is_retried_once_with_the_same_nonce() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("a.db")).await.unwrap();
    let claim = |expected| Some(NonceClaim { wallet: HOT, first: 7, expected, chain: None });
    let first = store.reserve_signature(Reservation { nonce: claim(7), ..reservation("b-1", 0, "c") }).await.unwrap();
    assert_eq!(first.nonce, Some(7));
    store.abandon_signature("b-1", 0, first.attempt, "PKCS#11 login refused", now()).await.unwrap();
    // Released: the wallet's next nonce is 7 again, not 8.
    assert_eq!(store.peek_nonce(HOT, "b-1", 0, 7).await.unwrap(), 7);
    let retry = store.reserve_signature(Reservation { nonce: claim(7), ..reservation("b-1", 0, "c") }).await.unwrap();
    assert_eq!((retry.attempt, retry.nonce), (1, Some(7)), "the retry is attempt 1 with the same nonce");
    store.record_signature("b-1", 0, 1, "0xaaa", "0x02aa", now()).await.unwrap();
    let third = store.reserve_signature(Reservation { nonce: claim(7), ..reservation("b-1", 0, "c") }).await.expect_err("exactly once");
    assert!(matches!(third, Error::AlreadySigned { attempt: 1, .. }), "{third}");
    let attempts = store.attempts("b-1", 0).await.unwrap();
    assert_eq!(attempts[0].state, "abandoned");
    assert_eq!(attempts[0].abandoned_reason.as_deref(), Some("PKCS#11 login refused"));
    assert_eq!(attempts[1].reason.as_deref(), Some("retry"));
    // The volume was claimed once, with the first reservation.
    assert_eq!(store.signed_volume(day().day_start, day().day_end).await.unwrap(), 250_000_000_000);
    // A nonce that moved since the review is refused.
    let moved = store.reserve_signature(Reservation { nonce: claim(3), ..reservation("b-2", 0, "c") }).await.expect_err("moved");
    assert!(matches!(moved, Error::NonceMoved { reviewed: 3, allocated: 8, .. }), "{moved}");
}

/// Issue 8: the day's volume was selected by comparing instants as text, so a signature in
/// the first fraction of a second after midnight counted in the previous day.
#[tokio::test]
async fn a_reservation_one_nanosecond_after_midnight_counts_in_the_new_day() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("d.db")).await.unwrap();
    // Europe/Warsaw midnight of 2026-12-08 is 2026-12-07T23:00:00Z.
    let midnight: Timestamp = "2026-12-07T23:00:00Z".parse().unwrap();
    let just_after: Timestamp = "2026-12-07T23:00:00.000000001Z".parse().unwrap();
    let just_before: Timestamp = "2026-12-07T22:59:59.999999999Z".parse().unwrap();
    store.reserve_signature(Reservation { at: just_after, ..reservation("b-new", 0, "c") }).await.unwrap();
    store
        .reserve_signature(Reservation {
            at: just_before,
            amount: 1,
            volume: Some(VolumeClaim { amount: 1, ..day() }),
            ..reservation("b-old", 0, "c")
        })
        .await
        .unwrap();
    let next_day_end: Timestamp = "2026-12-08T23:00:00Z".parse().unwrap();
    assert_eq!(
        store.signed_volume(midnight, next_day_end).await.unwrap(),
        250_000_000_000,
        "the new day holds the 00:00:00.000000001 bundle"
    );
    assert_eq!(store.signed_volume(day().day_start, midnight).await.unwrap(), 1, "the old day holds only its own");
}

/// Issue 8: the phase-cap check ran outside the transaction that reserved the chunk, so two
/// concurrent signers could both pass it. Here two bundles whose sum exceeds the day's
/// headroom by one base unit race from separate stores (as two processes would): exactly one
/// is reserved, the other is refused by the cap.
#[test]
fn racing_bundles_over_the_cap_by_one_unit_sign_exactly_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cap.db");
    tokio::runtime::Runtime::new().unwrap().block_on(async { Store::open(&path).await.unwrap().close().await });
    let cap = 600_000_000_000u128;
    let amounts = [300_000_000_000u128, cap - 300_000_000_000 + 1];
    let barrier = Arc::new(Barrier::new(amounts.len()));
    let handles: Vec<_> = amounts
        .iter()
        .enumerate()
        .map(|(i, amount)| {
            let (barrier, path, amount) = (barrier.clone(), path.clone(), *amount);
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(async move {
                    let store = Store::open(&path).await.unwrap();
                    let id = format!("bundle-{i}");
                    barrier.wait();
                    let claim = VolumeClaim { amount, cap: Some(cap), ..day() };
                    let outcome = store.reserve_signature(Reservation { amount, volume: Some(claim), ..reservation(&id, 0, "c") }).await;
                    store.close().await;
                    match outcome {
                        Ok(_) => true,
                        Err(Error::VolumeCap { excess: 1, .. }) => false,
                        Err(other) => panic!("bundle {i}: {other}"),
                    }
                })
            })
        })
        .collect();
    let winners = handles.into_iter().map(|h| h.join().unwrap()).filter(|won| *won).count();
    assert_eq!(winners, 1, "exactly one bundle fits the day's cap");
}

#[test]
fn racing_threads_get_exactly_one_signature() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("race.db");
    tokio::runtime::Runtime::new().unwrap().block_on(async { Store::open(&path).await.unwrap().close().await });
    let threads = 8;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (barrier, path) = (barrier.clone(), path.clone());
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(async move {
                    // Each thread has its own store (its own connections), as separate
                    // windows or processes would.
                    let store = Store::open(&path).await.unwrap();
                    barrier.wait();
                    let signer = format!("signer-{i}");
                    let outcome = store.reserve_signature(Reservation { signer: &signer, ..reservation("race", 0, "c") }).await;
                    store.close().await;
                    match outcome {
                        Ok(_) => true,
                        // The losers are told why, not handed a database error.
                        Err(Error::BeingSigned { .. }) => false,
                        Err(other) => panic!("signer {i}: {other}"),
                    }
                })
            })
        })
        .collect();
    let winners = handles.into_iter().map(|h| h.join().unwrap()).filter(|won| *won).count();
    assert_eq!(winners, 1, "exactly one of {threads} concurrent signers may sign the chunk");
}

/// Issue 8: T0 and the plan were an open settings field even after payouts were signed.
#[tokio::test]
async fn changing_t0_after_a_signature_needs_the_launch_ic_reason() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("l.db")).await.unwrap();
    let settings = |t0, reason| clubgate_store::NewSettings {
        plan_source: "builtin:launch-plan-v1",
        plan_toml: clubgate_core::DEFAULT_PLAN_TOML,
        t0,
        time_zone: None,
        changed_by: "Launch IC",
        changed_at: now(),
        reason,
    };
    store.configure(&settings("2026-12-07T10:00", None)).await.unwrap();
    store.configure(&settings("2026-12-08T10:00", None)).await.expect("free before any signature");
    store.reserve_signature(reservation("b-1", 0, "c")).await.unwrap();
    store.record_signature("b-1", 0, 0, "0xaaa", "0x02aa", now()).await.unwrap();
    let locked = store.configure(&settings("2026-12-09T10:00", None)).await.expect_err("locked");
    assert!(matches!(locked, Error::LaunchLocked { signed: 1 }), "{locked}");
    store.configure(&settings("2026-12-08T10:00", None)).await.expect("the same settings again change nothing");
    let moved = store.configure(&settings("2026-12-09T10:00", Some("IC decision 12: T0 moved a day, RPC incident"))).await.unwrap();
    assert_eq!(moved.t0, "2026-12-09T10:00:00+01:00");
}

/// Issue 8's migration rebuilds the registry: a store written by the previous schema keeps
/// its signatures (instants now integers, to the second), their day's volume and broadcasts,
/// and a chunk signed before the migration is never signed again nor "replaced" with other
/// content (its binding is empty).
#[tokio::test]
async fn a_store_of_the_previous_schema_keeps_its_registry() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old-migrations");
    std::fs::create_dir_all(&old).unwrap();
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let mut files: Vec<_> = std::fs::read_dir(&migrations).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for file in files.iter().filter(|f| !f.file_name().unwrap().to_str().unwrap().contains("signing_integrity")) {
        std::fs::copy(file, old.join(file.file_name().unwrap())).unwrap();
    }
    let path = dir.path().join("old.db");
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path).create_if_missing(true).foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate::Migrator::new(old.as_path()).await.unwrap().run(&pool).await.unwrap();
    for statement in [
        "INSERT INTO signatures (bundle_id, chunk, attempt, reason, state, network, amount, signer, reserved_at, tx_hash, raw, signed_at)
         VALUES ('old-1', 0, 0, NULL, 'signed', 'erc20', '250000000000', '0xabc', '2026-12-07T10:00:00.5Z', '0xhash', '0x02ff', '2026-12-07T10:00:01Z')",
        "INSERT INTO broadcasts (bundle_id, chunk, attempt, broadcast_at, recorded_by) VALUES ('old-1', 0, 0, '2026-12-07T10:05:00Z', 'ops')",
        "INSERT INTO nonce_allocations (wallet, nonce, bundle_id, chunk, allocated_at) VALUES ('0xabc', 5, 'old-1', 0, '2026-12-07T10:00:00Z')",
    ] {
        sqlx::query(statement).execute(&pool).await.unwrap();
    }
    pool.close().await;

    let store = Store::open(&path).await.unwrap();
    let attempts = store.attempts("old-1", 0).await.unwrap();
    assert_eq!((attempts.len(), attempts[0].state.as_str(), attempts[0].tx_hash.as_deref()), (1, "signed", Some("0xhash")));
    assert_eq!(store.broadcast_at("old-1", 0, 0).await.unwrap().as_deref(), Some("2026-12-07T10:05:00Z"));
    assert_eq!(store.signed_volume(day().day_start, day().day_end).await.unwrap(), 250_000_000_000, "the old signature counts in its day");
    assert_eq!(store.peek_nonce("0xabc", "old-2", 0, 0).await.unwrap(), 6, "the old nonce stays taken");
    // Its binding is empty, so nothing under its id is signed again.
    let again = store.reserve_signature(reservation("old-1", 0, "c")).await.expect_err("signed before");
    assert!(matches!(again, Error::ReplacementChanged { field: "bundle hash", .. }), "{again}");
    let replaced =
        store.reserve_signature(Reservation { replacement: Some("speed-up"), volume: None, ..reservation("old-1", 0, "c") }).await;
    assert!(matches!(replaced, Err(Error::ReplacementChanged { .. })), "{replaced:?}");
}

/// The goal (issue 10): a broadcast mark is queued for the ledger with it — its attempt and
/// tx hash — and a refused mark queues nothing.
#[tokio::test]
async fn a_broadcast_mark_is_queued_for_the_ledger_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).await.unwrap();
    store.reserve_signature(reservation("b-1", 0, "c")).await.unwrap();
    store.record_signature("b-1", 0, 0, "0xaaa", "0x02aa", now()).await.unwrap();
    assert_eq!(store.mark_broadcast("b-1", 0, "lead", now()).await.unwrap(), 0);
    assert!(store.mark_broadcast("b-1", 0, "lead", now()).await.is_err(), "recorded already");
    assert!(store.mark_broadcast("b-9", 0, "lead", now()).await.is_err(), "nothing signed");
    let queued = store.outbox(true).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].kind, "broadcast");
    let payload: serde_json::Value = serde_json::from_str(&queued[0].payload).unwrap();
    assert_eq!((payload["bundle_id"].as_str(), payload["chunk"].as_u64(), payload["attempt"].as_u64()), (Some("b-1"), Some(0), Some(0)));
    assert_eq!(payload["tx_hash"], "0xaaa");
}

/// Red team F8: the day's cap holds across workstations — the volume other desks signed
/// (from the ledger's log, given as `elsewhere`) counts with this store's own.
#[tokio::test]
async fn the_cap_counts_what_other_desks_signed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("d.db")).await.unwrap();
    // 250,000 here + 400,000 elsewhere > 600,000: refused, by 50,000, and nothing reserved.
    let over = Reservation { volume: Some(VolumeClaim { elsewhere: 400_000_000_000, ..day() }), ..reservation("b-1", 0, "c") };
    match store.reserve_signature(over).await {
        Err(Error::VolumeCap { signed, excess, .. }) => assert_eq!((signed, excess), (400_000_000_000, 50_000_000_000)),
        other => panic!("expected the cap, got {other:?}"),
    }
    assert!(store.attempts("b-1", 0).await.unwrap().is_empty(), "nothing reserved");
    // 250,000 + 350,000 = 600,000 exactly: within the cap.
    let fits = Reservation { volume: Some(VolumeClaim { elsewhere: 350_000_000_000, ..day() }), ..reservation("b-1", 0, "c") };
    store.reserve_signature(fits).await.unwrap();
}

/// Red team F1 (race): a TRC-20 chunk's broadcast and its replacement after expiry, from
/// two processes (two store handles), in both orders — never both: the replacement is
/// refused once the attempt it replaces is recorded as broadcast (checked under the
/// reservation's write lock), and the broadcast of the replaced attempt is refused while its
/// replacement is reserved or signed.
#[tokio::test]
async fn a_trc20_replacement_and_the_broadcast_of_the_attempt_it_replaces_never_both_go_through() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("race.db");
    let (desk, other) = (Store::open(&path).await.unwrap(), Store::open(&path).await.unwrap());
    let trc20 = |bundle_id| Reservation { network: "trc20", volume: None, ..reservation(bundle_id, 0, "t") };
    let expired = |bundle_id| Reservation { replacement: Some("expired"), ..trc20(bundle_id) };

    // Broadcast recorded first: the replacement is refused, naming the attempt and when.
    desk.reserve_signature(trc20("b-1")).await.unwrap();
    desk.record_trc20_signature("b-1", 0, 0, "aa", "0a02", "11", now()).await.unwrap();
    assert_eq!(desk.mark_broadcast_attempt("b-1", 0, Some(0), "desk one", now()).await.unwrap(), 0);
    let refused = other.reserve_signature(expired("b-1")).await.expect_err("broadcast before");
    let text = refused.to_string();
    assert!(matches!(refused, Error::SignRefused { .. }) && text.contains("attempt 0 was recorded as broadcast at"), "{text}");
    assert_eq!(desk.attempts("b-1", 0).await.unwrap().len(), 1, "nothing reserved");

    // The replacement reserved first: broadcasting attempt 0 is refused while it is being
    // signed, and once it is signed attempt 0 is no longer the one to send.
    desk.reserve_signature(trc20("b-2")).await.unwrap();
    desk.record_trc20_signature("b-2", 0, 0, "bb", "0a02", "22", now()).await.unwrap();
    assert_eq!(other.reserve_signature(expired("b-2")).await.unwrap().attempt, 1);
    let being_signed = desk.mark_broadcast_attempt("b-2", 0, Some(0), "desk one", now()).await.expect_err("replacement reserved");
    assert!(being_signed.to_string().contains("attempt 1 of chunk 0 of bundle b-2 is being signed"), "{being_signed}");
    other.record_trc20_signature("b-2", 0, 1, "cc", "0a03", "33", now()).await.unwrap();
    let superseded = desk.mark_broadcast_attempt("b-2", 0, Some(0), "desk one", now()).await.expect_err("superseded");
    assert!(superseded.to_string().contains("attempt 0 of chunk 0 of bundle b-2 is no longer"), "{superseded}");
    assert!(desk.broadcast_at("b-2", 0, 0).await.unwrap().is_none(), "attempt 0 never recorded as broadcast");
    assert_eq!(desk.mark_broadcast_attempt("b-2", 0, Some(1), "desk one", now()).await.unwrap(), 1, "the replacement is sent");

    // Both at once, many times: exactly one of the two goes through each time.
    for round in 0..8 {
        let id = format!("r-{round}");
        let plain = Reservation { network: "trc20", volume: None, ..reservation(&id, 0, "t") };
        desk.reserve_signature(plain).await.unwrap();
        desk.record_trc20_signature(&id, 0, 0, "dd", "0a02", "44", now()).await.unwrap();
        let replacement = Reservation { replacement: Some("expired"), ..plain };
        let (marked, replaced) =
            tokio::join!(desk.mark_broadcast_attempt(&id, 0, Some(0), "desk one", now()), other.reserve_signature(replacement));
        assert!(marked.is_ok() != replaced.is_ok(), "round {round}: exactly one of {marked:?} / {replaced:?}");
    }
}

/// A stale reservation of a later attempt (its signer stopped) does not block the broadcast
/// for ever: it is abandoned, so the stopped signer can no longer record a signature.
#[tokio::test]
async fn a_stale_replacement_reservation_is_abandoned_by_the_broadcast() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("stale.db")).await.unwrap();
    let trc20 = Reservation { network: "trc20", volume: None, ..reservation("b-1", 0, "t") };
    store.reserve_signature(trc20).await.unwrap();
    store.record_trc20_signature("b-1", 0, 0, "aa", "0a02", "11", now()).await.unwrap();
    store.reserve_signature(Reservation { replacement: Some("expired"), ..trc20 }).await.unwrap();
    let later = now().checked_add(jiff::SignedDuration::from_mins(11)).unwrap();
    assert_eq!(store.mark_broadcast_attempt("b-1", 0, Some(0), "lead", later).await.unwrap(), 0);
    assert_eq!(store.attempts("b-1", 0).await.unwrap()[1].state, "abandoned");
    assert!(store.record_trc20_signature("b-1", 0, 1, "bb", "0a03", "22", later).await.is_err(), "the stopped signer records nothing");
}

/// Red team F4: a wallet with nonces in the store is never signed past one above its highest
/// allocation (a typed or wrong pending nonce would leave a gap the wallet is stuck behind),
/// unless the node's pending nonce at signing is that very nonce.
#[tokio::test]
async fn a_reviewed_nonce_past_the_stores_next_is_refused_as_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("gap.db")).await.unwrap();
    let claim = |expected, chain| Some(NonceClaim { wallet: HOT, first: expected, expected, chain });
    for (chunk, nonce) in [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4)] {
        let reserved = store
            .reserve_signature(Reservation { volume: None, nonce: claim(nonce, None), ..reservation("b-1", chunk, "c") })
            .await
            .unwrap();
        assert_eq!(reserved.nonce, Some(nonce));
    }
    assert_eq!(store.highest_nonce(HOT).await.unwrap(), Some(4));
    let gap =
        store.reserve_signature(Reservation { volume: None, nonce: claim(50, None), ..reservation("b-2", 0, "c") }).await.expect_err("gap");
    assert!(matches!(gap, Error::NonceGap { reviewed: 50, next: 5, .. }), "{gap}");
    assert!(gap.to_string().contains("50") && gap.to_string().contains("next nonce 5"), "{gap}");
    // A node that says another pending nonce does not open it either.
    let wrong = store.reserve_signature(Reservation { volume: None, nonce: claim(50, Some(49)), ..reservation("b-2", 0, "c") }).await;
    assert!(matches!(wrong, Err(Error::NonceGap { .. })), "{wrong:?}");
    assert!(store.attempts("b-2", 0).await.unwrap().is_empty(), "nothing reserved");
    // The next nonce, and a jump the node's pending nonce confirms, are signed.
    let next = store.reserve_signature(Reservation { volume: None, nonce: claim(5, None), ..reservation("b-2", 0, "c") }).await.unwrap();
    assert_eq!(next.nonce, Some(5));
    let moved_on =
        store.reserve_signature(Reservation { volume: None, nonce: claim(9, Some(9)), ..reservation("b-3", 0, "c") }).await.unwrap();
    assert_eq!(moved_on.nonce, Some(9));
    // A wallet new to the store takes the reviewed (pending) nonce.
    let fresh = Some(NonceClaim { wallet: "0x00000000000000000000000000000000000000f1", first: 70, expected: 70, chain: None });
    assert_eq!(
        store.reserve_signature(Reservation { volume: None, nonce: fresh, ..reservation("b-4", 0, "c") }).await.unwrap().nonce,
        Some(70)
    );
}
