//! Red team findings F2, F4 and F5 (issue 12), each bypassed at the signature before the fix;
//! SoftHSM2 demo keys, no chain node (the ERC-20 bytes are reviewed and signed, never sent):
//! - F4: a wallet with nonces 0..=4 in the store is never signed at a typed pending nonce 50
//!   (a gap the wallet would be stuck behind): refused `nonce_gap` at review, and at signing
//!   for bytes reviewed at 50 before the other nonces were taken;
//! - F5: an original reviewed above the policy's fee mode, or a speed-up two modes up, is
//!   refused `fee_mode`; one mode up is reviewed;
//! - F2: a desk that follows a ledger does not sign a bundle whose id the pulled log holds
//!   under another hash (`bundle_id_taken`), and does sign past that check when the log
//!   holds the same hash.

use alloy::primitives::hex;
use clubgate_chain::approval::{Approval, PayoutBundle};
use clubgate_chain::erc20::FeeMode;
use clubgate_chain::signer::Profile;
use clubgate_core::launch::Launch;
use clubgate_core::plan::Network;
use clubgate_core::treasury::{Token, Treasury};
use clubgate_store::{LedgerCursor, PulledRecord, Store};
use clubgate_treasury::bundle;
use clubgate_treasury::demo::{demo_approvals, softhsm_demo, DEMO_PARTNER_ERC20, DEMO_PIN};
use clubgate_treasury::flow::{self, OperatorInput, Policy, Replace, Review, ReviewRequest, SignRequest};
use clubgate_treasury::signers::ConfiguredKeys;
use jiff::Timestamp;
use serde_json::json;

const URL: &str = "http://127.0.0.1:9";

async fn review(
    store: &Store,
    policy: Policy<'_>,
    payout: &PayoutBundle,
    replace: Option<Replace>,
    input: OperatorInput,
) -> clubgate_treasury::Result<Review> {
    let request = ReviewRequest { bundle: payout, chunk: 0, replace, input, reviewed_by: "lead", now: Timestamp::now() };
    flow::review_chunk(store, policy, request).await
}

async fn sign(
    store: &Store,
    policy: Policy<'_>,
    payout: &PayoutBundle,
    approvals: &[Approval],
    review: &Review,
) -> clubgate_treasury::Result<flow::SignedChunk> {
    let keys = ConfiguredKeys { profile: Profile::Production };
    let request =
        SignRequest { bundle: payout, approvals, chunk: 0, review_hash: &review.review_hash, now: Timestamp::now(), ledger: None };
    flow::sign_chunk(store, policy, &keys, request).await
}

fn record(seq: u64, kind: &str, payload: serde_json::Value) -> PulledRecord {
    let body = json!({"id": format!("00000000-0000-4000-8000-{seq:012}"), "payload": payload});
    PulledRecord {
        seq,
        kind: kind.to_owned(),
        body: body.to_string(),
        prev: hex::encode([seq as u8 - 1; 32]),
        hash: hex::encode([seq as u8; 32]),
    }
}

#[tokio::test]
async fn nonce_gaps_fee_modes_above_the_policy_and_a_bundle_id_held_under_another_hash_are_never_signed() {
    let dir = tempfile::tempdir().unwrap();
    let demo = softhsm_demo(dir.path(), "/usr/lib/softhsm/libsofthsm2.so").unwrap();
    // The only test in this binary: the module reads SOFTHSM2_CONF when it loads.
    std::env::set_var("SOFTHSM2_CONF", &demo.softhsm_conf);
    std::env::set_var("CLUBGATE_PKCS11_PIN", DEMO_PIN);
    std::env::remove_var("DBUS_SESSION_BUS_ADDRESS");
    let text =
        std::fs::read_to_string(&demo.treasury_file).unwrap().replacen("[erc20]\n", "[erc20]\nmax_fee_per_gas_wei = \"100000000000\"\n", 1);
    let treasury = Treasury::from_toml(&text).unwrap();
    let store = Store::open(&dir.path().join("store.db")).await.unwrap();
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let t0 = Timestamp::now().to_zoned_datetime(tz).date().checked_sub(jiff::ToSpan::days(10)).unwrap();
    let launch = Launch::new(clubgate_core::DEFAULT_PLAN_TOML, &format!("{t0}T10:00"), None).unwrap();
    let policy = Policy { treasury: &treasury, launch: &launch };
    let hot = treasury.wallet("hot-erc20-1").unwrap().address.to_string();
    let mut payouts: Vec<(PayoutBundle, Vec<Approval>)> = Vec::new();
    for amount in ["100", "200", "300", "400"] {
        let request = bundle::Request {
            network: Network::Erc20,
            token: Token::Usdt,
            source: &hot,
            to: DEMO_PARTNER_ERC20,
            amount,
            policy_version: 1,
        };
        let payout = bundle::make(&launch.plan, &treasury, &request).unwrap();
        let approvals = demo_approvals(&payout, &["approver-a", "approver-b"]).await.unwrap();
        payouts.push((payout, approvals));
    }
    let (first, second, third, fourth) = (&payouts[0], &payouts[1], &payouts[2], &payouts[3]);
    let typed = |n| OperatorInput { pending_nonce: n, ..OperatorInput::default() };

    // F4. Reviewed at a typed 50 while the wallet is new to the store: taken then.
    let early_at_50 = review(&store, policy, &third.0, None, typed(50)).await.unwrap();
    // The wallet's nonces 0..=4 are taken: the first bundle signed at 0, four more allocated.
    let at_0 = review(&store, policy, &first.0, None, typed(0)).await.unwrap();
    sign(&store, policy, &first.0, &first.1, &at_0).await.unwrap();
    for chunk in 1..=4 {
        assert_eq!(store.allocate_nonce(&hot, "elsewhere", chunk, 0, Timestamp::now()).await.unwrap(), u64::from(chunk));
    }
    assert_eq!(store.highest_nonce(&hot).await.unwrap(), Some(4));
    let gap = review(&store, policy, &second.0, None, typed(50)).await.unwrap_err();
    assert_eq!(gap.code(), "nonce_gap", "{gap}");
    assert!(gap.to_string().contains("reviewed nonce 50") && gap.to_string().contains("next nonce 5"), "{gap}");
    let gap = sign(&store, policy, &third.0, &third.1, &early_at_50).await.unwrap_err();
    assert_eq!(gap.code(), "nonce_gap", "{gap}");
    assert!(gap.to_string().contains("reviewed nonce 50") && gap.to_string().contains("next nonce 5"), "{gap}");
    assert!(store.attempts(&third.0.bundleId, 0).await.unwrap().is_empty(), "nothing reserved");
    // The next nonce is reviewed.
    review(&store, policy, &second.0, None, typed(5)).await.unwrap();

    // F5. An original above the policy's fee mode ("normal"): refused.
    let urgent = OperatorInput { fee_mode: Some(FeeMode::Urgent), ..typed(5) };
    let refused = review(&store, policy, &second.0, None, urgent).await.unwrap_err();
    assert_eq!(refused.code(), "fee_mode", "{refused}");
    assert!(refused.to_string().contains("urgent") && refused.to_string().contains("normal"), "{refused}");
    let fast = OperatorInput { fee_mode: Some(FeeMode::Fast), ..typed(5) };
    assert_eq!(review(&store, policy, &second.0, None, fast).await.unwrap_err().code(), "fee_mode", "one step up is a speed-up's");
    // A speed-up of the signed first bundle: two modes up refused, one mode up reviewed.
    let two_up = review(&store, policy, &first.0, Some(Replace::SpeedUp), urgent).await.unwrap_err();
    assert_eq!(two_up.code(), "fee_mode", "{two_up}");
    assert!(two_up.to_string().contains("at most fast"), "{two_up}");
    review(&store, policy, &first.0, Some(Replace::SpeedUp), fast).await.unwrap();

    // F2. A desk that follows a ledger whose log holds the fourth bundle's id under another
    // hash (another desk's variant) and a quorum of approvals of this one: refused.
    let approvals_of = |payout: &PayoutBundle, approvals: &[Approval]| {
        approvals
            .iter()
            .map(|a| {
                json!({"bundle_hash": payout.canonical_hash().to_string(), "approver": a.approver.to_string(),
                       "signature": format!("0x{}", hex::encode(&a.signature))})
            })
            .collect::<Vec<_>>()
    };
    let follow = |name: &'static str, published_hash: String| {
        let (dir, fourth) = (dir.path().to_owned(), fourth);
        async move {
            let desk = Store::open(&dir.join(name)).await.unwrap();
            let published =
                json!({"bundle_id": fourth.0.bundleId, "bundle_hash": published_hash, "document": {}, "requested_by": "desk a"});
            let mut records = vec![record(1, "bundle", published)];
            for (n, approval) in approvals_of(&fourth.0, &fourth.1).into_iter().enumerate() {
                records.push(record(n as u64 + 2, "approval", approval));
            }
            let from = LedgerCursor { url: URL.to_owned(), seq: 0, hash: hex::encode([0u8; 32]) };
            desk.apply_pulled(URL, &from, &records, &[], &[], Timestamp::now()).await.unwrap();
            desk
        }
    };
    let taken = follow("taken.db", format!("0x{}", "ee".repeat(32))).await;
    let reviewed = review(&taken, policy, &fourth.0, None, typed(0)).await.unwrap();
    let refused = sign(&taken, policy, &fourth.0, &[], &reviewed).await.unwrap_err();
    assert_eq!(refused.code(), "bundle_id_taken", "{refused}");
    assert!(refused.to_string().contains(&fourth.0.bundleId) && refused.to_string().contains(&"ee".repeat(32)), "{refused}");
    assert!(taken.attempts(&fourth.0.bundleId, 0).await.unwrap().is_empty(), "nothing reserved");
    // The same log with this bundle's own hash: past the check, to the ledger's reservation
    // (no connection given here: ledger_required, after the local reservation).
    let own = follow("own.db", fourth.0.canonical_hash().to_string()).await;
    let reviewed = review(&own, policy, &fourth.0, None, typed(0)).await.unwrap();
    assert_eq!(sign(&own, policy, &fourth.0, &[], &reviewed).await.unwrap_err().code(), "ledger_required");
}
