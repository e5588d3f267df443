//! Issue 12 point 5, the volume view, on a real store: the day's signed volume (the phase
//! cap's own count: this store's volume reservations, per network) against the Canary cap
//! with the headroom — hand-computed — and the launch IC's freeze exceptions: shown beside
//! the enforced figure (authorised, not in force at the signature: the enforced per-tx cap
//! is the one `check_batching` accepts) when signed by the IC (SoftHSM2), in the ledger's
//! log and inside the change window; listed but
//! not applied when the desk's own decision is not in the ledger's log yet, when it names no
//! value, or when its bytes were changed after signing (a forged value). The TRC-20 review
//! takes its reference block from the treasury file's Tron node (`FakeTronNode`, a test
//! double of the documented API: no Tron node runs here).

#[path = "../../chain/tests/support/fake_tron_node.rs"]
mod fake_tron_node;

use clubgate_chain::signer::Profile;
use clubgate_core::launch::Launch;
use clubgate_core::payout::TokenAmount;
use clubgate_core::plan::Network;
use clubgate_core::treasury::{Token, Treasury};
use clubgate_store::{LedgerCursor, PulledRecord, Reservation, SignatureKind, Store, VolumeClaim};
use clubgate_treasury::decisions::{decide, snapshot, DecideRequest};
use clubgate_treasury::demo::{softhsm_demo, DEMO_LAUNCH_IC};
use clubgate_treasury::flow::{self, business_day, OperatorInput, Policy, ReviewRequest};
use clubgate_treasury::volume::volume_view;
use jiff::Timestamp;
use serde_json::{json, Value};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const LEDGER: &str = "http://ledger.test";
const USDT: u128 = 1_000_000;

async fn reserve(
    store: &Store,
    treasury: &Treasury,
    bundle: &str,
    network: &str,
    amount: u128,
    day: (Timestamp, Timestamp),
    at: Timestamp,
) {
    let reservation = Reservation {
        kind: SignatureKind::Payout,
        bundle_id: bundle,
        chunk: 0,
        network,
        amount,
        bundle_hash: &format!("0x{}", "ab".repeat(32)),
        content: "test",
        signer: "hot",
        replacement: None,
        review_hash: "0x01",
        policy: &treasury.fingerprint,
        volume: Some(VolumeClaim { day_start: day.0, day_end: day.1, amount, cap: None, elsewhere: 0 }),
        nonce: None,
        at,
    };
    store.reserve_signature(reservation).await.unwrap();
}

/// The ledger serves `payloads` back as `decision` records after `from` (what a sync stores).
async fn pull(store: &Store, from: &LedgerCursor, payloads: &[Value]) -> LedgerCursor {
    let mut prev = from.hash.clone();
    let mut records = Vec::new();
    for (i, payload) in payloads.iter().enumerate() {
        let seq = from.seq + 1 + i as u64;
        let hash = format!("{seq:064x}");
        let body = json!({ "id": payload["id"], "kind": "decision", "payload": payload }).to_string();
        records.push(PulledRecord { seq, kind: "decision".to_owned(), body, prev: prev.clone(), hash: hash.clone() });
        prev = hash;
    }
    store.apply_pulled(LEDGER, from, &records, &[], &[], Timestamp::now()).await.unwrap();
    LedgerCursor { url: LEDGER.to_owned(), seq: from.seq + payloads.len() as u64, hash: prev }
}

#[tokio::test]
async fn the_volume_view_counts_what_signing_counts_and_applies_only_ledger_logged_ic_exceptions() {
    let dir = tempfile::tempdir().unwrap();
    let demo = softhsm_demo(dir.path(), MODULE).unwrap();
    // The only test in this binary: the module reads SOFTHSM2_CONF when it loads.
    std::env::set_var("SOFTHSM2_CONF", &demo.softhsm_conf);
    let text = std::fs::read_to_string(&demo.treasury_file).unwrap();
    let treasury = Treasury::from_toml(&text).unwrap();
    let store = Store::open(&dir.path().join("store.db")).await.unwrap();
    // T0 six hours ahead: Canary's 30 % cap governs until T0; the config freeze (T-3d → T+1d)
    // and the change window (T-1d → T+2d) are on.
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let t0 = (Timestamp::now() + jiff::SignedDuration::from_hours(6)).to_zoned_datetime(tz).strftime("%Y-%m-%dT%H:%M").to_string();
    let launch = Launch::new(clubgate_core::DEFAULT_PLAN_TOML, &t0, None).unwrap();
    let policy = Policy { treasury: &treasury, launch: &launch };
    let now = Timestamp::now();
    let (_, start, end) = business_day(&launch, now).unwrap();

    // Nothing signed: the whole cap is headroom. 30 % of 2,000,000 USDT = 600,000 USDT.
    assert_eq!(treasury.daily_target.base_units(), 2_000_000 * USDT);
    let empty = volume_view(&store, policy, now).await.unwrap();
    assert_eq!((empty.cap.phase.0.as_str(), empty.cap.phase.1), ("canary", 30));
    assert_eq!((empty.cap.cap, empty.signed_today, empty.headroom), (600_000 * USDT, 0, 600_000 * USDT));

    // 400,000 USDT on ERC-20 (two chunks of one bundle: counted once, whole), 150,000 and
    // 1 USDT on TRC-20; one reservation yesterday does not count today.
    reserve(&store, &treasury, "payout-e1", "erc20", 400_000 * USDT, (start, end), now).await;
    let second_chunk = Reservation {
        kind: SignatureKind::Payout,
        bundle_id: "payout-e1",
        chunk: 1,
        network: "erc20",
        amount: 150_000 * USDT,
        bundle_hash: &format!("0x{}", "ab".repeat(32)),
        content: "test",
        signer: "hot",
        replacement: None,
        review_hash: "0x02",
        policy: &treasury.fingerprint,
        volume: Some(VolumeClaim { day_start: start, day_end: end, amount: 400_000 * USDT, cap: None, elsewhere: 0 }),
        nonce: None,
        at: now,
    };
    store.reserve_signature(second_chunk).await.unwrap();
    reserve(&store, &treasury, "payout-t1", "trc20", 150_000 * USDT, (start, end), now).await;
    reserve(&store, &treasury, "payout-t2", "trc20", USDT, (start, end), now).await;
    let yesterday = (start - jiff::SignedDuration::from_hours(24), start);
    reserve(&store, &treasury, "payout-old", "trc20", 90_000 * USDT, yesterday, start - jiff::SignedDuration::from_hours(1)).await;

    let view = volume_view(&store, policy, now).await.unwrap();
    // 400,000 + 150,000 + 1 = 550,001 USDT signed; 600,000 − 550,001 = 49,999 left.
    assert_eq!(view.signed_today, 550_001 * USDT);
    assert_eq!(view.signed_today, store.signed_volume(start, end).await.unwrap(), "the signing cap's own count");
    assert_eq!(view.headroom, 49_999 * USDT);
    let [erc20, trc20] = [&view.networks[0], &view.networks[1]];
    assert_eq!((erc20.network, erc20.signed_today), (Network::Erc20, 400_000 * USDT));
    assert_eq!((trc20.network, trc20.signed_today), (Network::Trc20, 150_001 * USDT));
    // The plan's per-tx caps (ERC-20 250,000; TRC-20 200,000) and the file's fee mode.
    assert_eq!((erc20.per_tx_cap, trc20.per_tx_cap), (250_000 * USDT, 200_000 * USDT));
    assert_eq!((&erc20.per_tx_cap_authorised, &trc20.per_tx_cap_authorised, &erc20.fee_mode_authorised), (&None, &None, &None));
    assert_eq!((erc20.fee_mode.as_deref(), trc20.fee_mode.as_deref()), (Some("normal"), None));
    assert_eq!(trc20.fee_limit_sun, Some(treasury.trc20.fee_limit_sun));
    let answer = view.to_json();
    assert_eq!((answer["signed_today"].as_str(), answer["headroom"].as_str()), (Some("550001000000"), Some("49999000000")));
    assert_eq!(answer["networks"][1]["per_tx_cap"], json!("200000000000"));

    // The launch IC's exceptions, signed with the IC's SoftHSM2 key (PIN typed now).
    let mut at = now;
    let mut take = |details: Value| {
        at += jiff::SignedDuration::from_secs(60);
        let (store, launch, treasury, at) = (&store, &launch, &treasury, at);
        async move {
            let snapshot = snapshot(store, launch, Some(treasury)).await.unwrap();
            let request = DecideRequest {
                kind: "freeze_exception",
                details: &details,
                text: "partner batch too large for the night window",
                at,
                signer: None,
                pin: Some(DEMO_LAUNCH_IC.2),
                profile: Profile::Production,
            };
            decide(store, policy, snapshot, request).await.unwrap()
        }
    };
    let when = now.to_string();
    let fee = take(json!({"area": "fee_mode", "who": "Treasury lead", "what": "ERC-20 fee mode normal → fast", "when": when, "rollback_plan": "back to normal at T+1d", "value": "fast"})).await;
    let cap = take(json!({"area": "per_tx_cap", "who": "DevOps lead", "what": "TRC-20 per-tx cap 200000 → 150000", "when": when, "rollback_plan": "set it back to 200000", "network": "trc20", "value": "150000"})).await;
    let loose =
        take(json!({"area": "per_tx_cap", "who": "DevOps lead", "what": "ERC-20 cap a bit lower", "when": when, "rollback_plan": "none"}))
            .await;

    // Signed, but only on this desk (no ledger yet): nothing applies.
    let local = volume_view(&store, policy, now + jiff::SignedDuration::from_secs(300)).await.unwrap();
    assert_eq!((&local.networks[0].fee_mode_authorised, &local.networks[1].per_tx_cap_authorised), (&None, &None));
    assert_eq!(local.exceptions.len(), 3);
    assert!(
        local.exceptions.iter().all(|e| !e.applied && e.not_applied.as_deref().unwrap().contains("not in the ledger's log")),
        "{:?}",
        local.exceptions
    );
    assert_eq!((local.networks[0].fee_mode.as_deref(), local.networks[1].per_tx_cap), (Some("normal"), 200_000 * USDT));

    // The ledger serves them back: the two with values apply, the third is listed only.
    let genesis = LedgerCursor { url: LEDGER.to_owned(), seq: 0, hash: "0".repeat(64) };
    let cursor = pull(&store, &genesis, &[fee.clone(), cap.clone(), loose.clone()]).await;
    let later = now + jiff::SignedDuration::from_secs(300);
    let logged = volume_view(&store, policy, later).await.unwrap();
    // The enforced figures stay the plan's and the file's; the IC's are beside them.
    assert_eq!(logged.networks[0].fee_mode.as_deref(), Some("normal"));
    let fee_beside = logged.networks[0].fee_mode_authorised.as_ref().expect("the fee mode exception beside the file's");
    assert_eq!((fee_beside.value.as_str(), fee_beside.who.as_str()), ("fast", "Treasury lead"));
    assert_eq!(logged.networks[1].per_tx_cap, 200_000 * USDT, "the enforced cap is the plan's");
    let cap_beside = logged.networks[1].per_tx_cap_authorised.as_ref().expect("the cap exception beside the plan's");
    assert_eq!((cap_beside.value, cap_beside.who.as_str()), (150_000 * USDT, "DevOps lead"));
    assert_eq!(
        (cap_beside.decision.as_str(), cap_beside.why.as_str(), cap_beside.when),
        (cap["id"].as_str().unwrap(), "partner batch too large for the night window", when.parse::<Timestamp>().unwrap())
    );
    assert_eq!(logged.networks[0].per_tx_cap, 250_000 * USDT, "the TRC-20 exception leaves ERC-20 alone");
    assert_eq!(logged.networks[0].per_tx_cap_authorised, None);
    let answer = logged.to_json();
    assert_eq!(answer["networks"][1]["per_tx_cap"], json!("200000000000"));
    assert_eq!(answer["networks"][1]["per_tx_cap_authorised"]["value"], json!("150000000000"));
    assert_eq!(answer["networks"][1]["per_tx_cap_authorised"]["in_force_at_signature"], json!(false));
    assert_eq!(
        (answer["networks"][0]["fee_mode"].as_str(), answer["networks"][0]["fee_mode_authorised"]["value"].as_str()),
        (Some("normal"), Some("fast"))
    );
    enforced_cap_is_what_batching_accepts(&launch, logged.networks[1].per_tx_cap, cap_beside.value);
    let listed: Vec<(&str, bool)> = logged.exceptions.iter().map(|e| (e.area.as_str(), e.applied)).collect();
    assert_eq!(listed, [("fee_mode", true), ("per_tx_cap", true), ("per_tx_cap", false)]);
    let shown = &logged.exceptions[1];
    assert_eq!((shown.who.as_str(), shown.why.as_str()), ("DevOps lead", "partner batch too large for the night window"));
    assert_eq!(shown.decision, cap["id"].as_str().unwrap());
    assert!(logged.exceptions[2].not_applied.as_deref().unwrap().contains("no machine-readable value"));
    // The view changes no count and no cap of the day.
    assert_eq!((logged.signed_today, logged.cap.cap), (550_001 * USDT, 600_000 * USDT));
    // Before the change's `when` it is not in force yet.
    let early = volume_view(&store, policy, now - jiff::SignedDuration::from_secs(1)).await.unwrap();
    assert!(early.exceptions[1].not_applied.as_deref().unwrap().contains("made only at"), "{:?}", early.exceptions[1]);

    // Outside the change window nothing applies, even signed and logged: read under a launch
    // whose T0 is ten days later (its window opens at T-1d), the same log changes no figure.
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let moved_t0 = (now + jiff::SignedDuration::from_hours(24 * 10 + 6)).to_zoned_datetime(tz).strftime("%Y-%m-%dT%H:%M").to_string();
    let moved = Launch::new(clubgate_core::DEFAULT_PLAN_TOML, &moved_t0, None).unwrap();
    let outside = volume_view(&store, Policy { treasury: &treasury, launch: &moved }, later).await.unwrap();
    assert!(outside.exceptions.iter().all(|e| !e.applied), "{:?}", outside.exceptions);
    assert!(outside.exceptions[1].not_applied.as_deref().unwrap().contains("outside the change window"), "{:?}", outside.exceptions[1]);
    assert_eq!((outside.networks[0].fee_mode.as_deref(), outside.networks[1].per_tx_cap), (Some("normal"), 200_000 * USDT));
    assert_eq!((&outside.networks[0].fee_mode_authorised, &outside.networks[1].per_tx_cap_authorised), (&None, &None));

    // A desk-local decision not served back by the ledger changes nothing.
    let unsynced = take(json!({"area": "per_tx_cap", "who": "DevOps lead", "what": "ERC-20 cap 250000 → 100000", "when": when, "rollback_plan": "back to 250000", "network": "erc20", "value": "100000"})).await;
    let pending = volume_view(&store, policy, later).await.unwrap();
    assert_eq!((pending.networks[0].per_tx_cap, &pending.networks[0].per_tx_cap_authorised), (250_000 * USDT, &None));
    let last = pending.exceptions.last().unwrap();
    assert_eq!(last.decision, unsynced["id"].as_str().unwrap());
    assert!(!last.applied && last.not_applied.as_deref().unwrap().contains("not in the ledger's log"), "{last:?}");

    // A forged value: the TRC-20 exception's bytes changed to 900,000 after signing, served
    // by the ledger under the same id — its signature no longer verifies; 150,000 holds.
    let mut forged = cap.clone();
    forged["details"]["value"] = json!("900000");
    pull(&store, &cursor, &[forged]).await;
    let after = volume_view(&store, policy, later).await.unwrap();
    assert_eq!(after.networks[1].per_tx_cap, 200_000 * USDT);
    assert_eq!(after.networks[1].per_tx_cap_authorised.as_ref().map(|a| a.value), Some(150_000 * USDT), "the forged value is ignored");
    let forged_entry = after.exceptions.iter().find(|e| e.value.as_deref() == Some("900000")).unwrap();
    assert!(!forged_entry.applied && forged_entry.not_applied.as_deref().unwrap().contains("does not verify"), "{forged_entry:?}");
}

/// Red team F6: with the IC's TRC-20 exception (150,000) applied, the view's enforced per-tx
/// cap is the one `check_batching` — run by review and by signing — accepts: a TRC-20
/// bundle in one chunk of exactly that cap passes, one base unit more in one chunk is
/// refused, and a bundle batched under the authorised 150,000 is refused.
fn enforced_cap_is_what_batching_accepts(launch: &Launch, enforced: u128, authorised: u128) {
    use alloy::primitives::U256;
    use clubgate_treasury::bundle::{check_batching, make, Request};
    let treasury = Treasury::from_toml(clubgate_core::EXAMPLE_TREASURY_TOML).unwrap();
    let hot = treasury.wallet("hot-trc20-1").unwrap().address.to_string();
    let amount = TokenAmount::from_base_units(enforced).unwrap().to_decimal(6);
    let request = Request {
        network: Network::Trc20,
        token: Token::Usdt,
        source: &hot,
        to: "TVNZDWY6YpQcK8Y41ehav5W9mhW8HQGynR",
        amount: &amount,
        policy_version: 1,
    };
    let made = make(&launch.plan, &treasury, &request).unwrap();
    assert_eq!(made.chunks, vec![U256::from(enforced)], "the batcher makes one chunk of the enforced cap");
    assert_eq!(check_batching(&launch.plan, &made).unwrap(), Network::Trc20, "a chunk of the view's enforced cap is accepted");
    let mut over = made.clone();
    over.amount = U256::from(enforced + 1);
    over.chunks = vec![U256::from(enforced + 1)];
    let refused = check_batching(&launch.plan, &over).unwrap_err();
    assert_eq!(refused.code(), "batching", "one base unit over the enforced cap in one chunk: {refused}");
    let mut under_exception = made;
    under_exception.chunks = vec![U256::from(authorised), U256::from(enforced - authorised)];
    let refused = check_batching(&launch.plan, &under_exception).unwrap_err();
    assert_eq!(refused.code(), "batching", "batched under the IC's authorised cap, not in force at the signature: {refused}");
}

#[tokio::test]
async fn a_trc20_review_takes_its_reference_block_from_the_files_node() {
    // The test double's head block: height 0x03ab12cd, id starting with it.
    let fake = fake_tron_node::FakeTronNode::start(fake_tron_node::block_json(
        0x03ab_12cd,
        "0000000003ab12cd8f1e2d3c4b5a69780123456789abcdeffedcba9876543210",
        1_893_456_000_000,
    ));
    let base = Treasury::from_toml(clubgate_core::EXAMPLE_TREASURY_TOML).unwrap();
    let with_node =
        clubgate_core::EXAMPLE_TREASURY_TOML.replacen("expiration_s = 60", &format!("expiration_s = 60\nnode_url = \"{}\"", fake.url()), 1);
    let treasury = Treasury::from_toml(&with_node).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store.db")).await.unwrap();
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let t0 = (Timestamp::now() + jiff::SignedDuration::from_hours(6)).to_zoned_datetime(tz).strftime("%Y-%m-%dT%H:%M").to_string();
    let launch = Launch::new(clubgate_core::DEFAULT_PLAN_TOML, &t0, None).unwrap();
    let hot = treasury.wallet("hot-trc20-1").unwrap().address.to_string();
    // The example's allow-listed Tron partner.
    let to = "TVNZDWY6YpQcK8Y41ehav5W9mhW8HQGynR";
    let request = clubgate_treasury::bundle::Request {
        network: Network::Trc20,
        token: Token::Usdt,
        source: &hot,
        to,
        amount: "100",
        policy_version: 1,
    };
    let bundle = clubgate_treasury::bundle::make(&launch.plan, &treasury, &request).unwrap();

    // No typed reference block: the node's head block gives it.
    let input = clubgate_treasury::tron::with_node_ref_block(&treasury, Network::Trc20, OperatorInput::default()).await.unwrap();
    assert_eq!(input.ref_block, Some(([0x12, 0xcd], [0x8f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78])));
    assert_eq!(fake.received_on("/wallet/getnowblock").len(), 1);
    let policy = Policy { treasury: &treasury, launch: &launch };
    let review = flow::review_chunk(
        &store,
        policy,
        ReviewRequest { bundle: &bundle, chunk: 0, replace: None, input, reviewed_by: "A", now: Timestamp::now() },
    )
    .await
    .unwrap();
    let decoded = clubgate_chain::trc20::decode(&alloy::primitives::hex::decode(&review.unsigned_hex).unwrap()).unwrap();
    assert_eq!(
        (decoded.ref_block_bytes.as_slice(), decoded.ref_block_hash.as_slice()),
        (&[0x12, 0xcd][..], &[0x8f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78][..])
    );

    // A typed reference block wins, and the node is not asked.
    let typed = OperatorInput { ref_block: Some(([1, 2], [3; 8])), ..OperatorInput::default() };
    assert_eq!(clubgate_treasury::tron::with_node_ref_block(&treasury, Network::Trc20, typed).await.unwrap(), typed);
    // An ERC-20 chunk never asks the Tron node.
    assert_eq!(
        clubgate_treasury::tron::with_node_ref_block(&treasury, Network::Erc20, OperatorInput::default()).await.unwrap().ref_block,
        None
    );
    assert_eq!(fake.received_on("/wallet/getnowblock").len(), 1);
    // Without a node in the file the input is left as it is (the review then asks for one).
    assert_eq!(
        clubgate_treasury::tron::with_node_ref_block(&base, Network::Trc20, OperatorInput::default()).await.unwrap().ref_block,
        None
    );
    // An unreachable node is a machine failure naming its endpoint.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        port
    };
    let down = Treasury::from_toml(&clubgate_core::EXAMPLE_TREASURY_TOML.replacen(
        "expiration_s = 60",
        &format!("expiration_s = 60\nnode_url = \"http://127.0.0.1:{closed}\""),
        1,
    ))
    .unwrap();
    let error = clubgate_treasury::tron::with_node_ref_block(&down, Network::Trc20, OperatorInput::default()).await.unwrap_err();
    assert_eq!(error.code(), "node_unreachable");
    assert!(error.to_string().contains(&format!("http://127.0.0.1:{closed}/wallet/getnowblock")), "{error}");
}
