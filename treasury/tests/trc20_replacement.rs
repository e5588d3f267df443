//! Red team F1 (issue 12): a TRC-20 chunk is re-signed after expiry only when the chain says
//! its previous transaction can no longer pay. No Tron node runs here: the node is
//! `FakeTronNode`, a TEST DOUBLE serving java-tron's documented `/wallet/*` shapes. The
//! previous transaction was sent through another client (nothing recorded in the store) and
//! the wall clock is past its expiry; still, with the node in the treasury file:
//! - it is in a block → the replacement is refused (at review, and at signing if it entered
//!   a block after the review), naming its txID;
//! - the head block is older than its expiry (a block may still take it) → refused, naming
//!   the head block's time;
//! - unknown to the node and the head block past its expiry → reviewed and signed.

#[path = "../../chain/tests/support/fake_tron_node.rs"]
mod fake_tron_node;

use clubgate_chain::approval::{Approval, PayoutBundle};
use clubgate_chain::signer::Profile;
use clubgate_chain::trc20;
use clubgate_core::launch::Launch;
use clubgate_core::plan::Network;
use clubgate_core::treasury::{Token, Treasury};
use clubgate_store::Store;
use clubgate_treasury::demo::{demo_approvals, softhsm_demo, DEMO_PARTNER_TRC20, DEMO_PIN};
use clubgate_treasury::flow::{self, OperatorInput, Policy, Replace, ReviewRequest, SignRequest};
use clubgate_treasury::signers::ConfiguredKeys;
use clubgate_treasury::{bundle, tron};
use fake_tron_node::{block_json, FakeTronNode};
use jiff::Timestamp;
use serde_json::json;

/// The transactions of this test expire this many seconds after their review.
const EXPIRATION_S: i64 = 5;

fn head_at(number: u64, timestamp_ms: i64) -> serde_json::Value {
    block_json(number, &format!("{number:016x}{}", "cd".repeat(24)), timestamp_ms)
}

#[tokio::test]
async fn an_expired_trc20_chunk_is_replaced_only_when_the_tron_node_says_it_can_no_longer_pay() {
    let dir = tempfile::tempdir().unwrap();
    let demo = softhsm_demo(dir.path(), "/usr/lib/softhsm/libsofthsm2.so").unwrap();
    std::env::set_var("SOFTHSM2_CONF", &demo.softhsm_conf);
    std::env::set_var("CLUBGATE_PKCS11_PIN", DEMO_PIN);
    std::env::remove_var("DBUS_SESSION_BUS_ADDRESS");
    let fake = FakeTronNode::start(head_at(1000, Timestamp::now().as_millisecond()));
    let text = std::fs::read_to_string(&demo.treasury_file).unwrap().replacen(
        "expiration_s = 60\n",
        &format!("expiration_s = {EXPIRATION_S}\nnode_url = \"{}\"\n", fake.url()),
        1,
    );
    let treasury = Treasury::from_toml(&text).unwrap();
    let store = Store::open(&dir.path().join("store.db")).await.unwrap();
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let t0 = Timestamp::now().to_zoned_datetime(tz).date().checked_sub(jiff::ToSpan::days(10)).unwrap();
    let launch = Launch::new(clubgate_core::DEFAULT_PLAN_TOML, &format!("{t0}T10:00"), None).unwrap();
    let policy = Policy { treasury: &treasury, launch: &launch };
    let keys = ConfiguredKeys { profile: Profile::Production };
    let hot = treasury.wallet("hot-trc20-1").unwrap().address.to_string();

    let mut bundles: Vec<(PayoutBundle, Vec<Approval>)> = Vec::new();
    for amount in ["100", "200"] {
        let request = bundle::Request {
            network: Network::Trc20,
            token: Token::Usdt,
            source: &hot,
            to: DEMO_PARTNER_TRC20,
            amount,
            policy_version: 1,
        };
        let payout = bundle::make(&launch.plan, &treasury, &request).unwrap();
        let approvals = demo_approvals(&payout, &["approver-a", "approver-c"]).await.unwrap();
        bundles.push((payout, approvals));
    }
    let review = |payout: &PayoutBundle, replace: Option<Replace>| {
        let (store, treasury, payout) = (&store, &treasury, payout.clone());
        async move {
            let now = Timestamp::now();
            let input = tron::with_node_ref_block(treasury, Network::Trc20, OperatorInput::default()).await.unwrap();
            flow::review_chunk(store, policy, ReviewRequest { bundle: &payout, chunk: 0, replace, input, reviewed_by: "lead", now }).await
        }
    };
    let sign = |payout: &PayoutBundle, approvals: &[Approval], review_hash: &str| {
        let (store, keys, payout, approvals, review_hash) = (&store, &keys, payout.clone(), approvals.to_vec(), review_hash.to_owned());
        async move {
            let request = SignRequest {
                bundle: &payout,
                approvals: &approvals,
                chunk: 0,
                review_hash: &review_hash,
                now: Timestamp::now(),
                ledger: None,
            };
            flow::sign_chunk(store, policy, keys, request).await
        }
    };

    // Both originals signed; their bytes go out through another client: nothing recorded.
    let mut originals = Vec::new();
    for (payout, approvals) in &bundles {
        let reviewed = review(payout, None).await.unwrap();
        let signed = sign(payout, approvals, &reviewed.review_hash).await.unwrap();
        let expiration_ms = trc20::decode(&alloy::primitives::hex::decode(&signed.raw).unwrap()).unwrap().expiration_ms;
        originals.push((signed.hash, expiration_ms));
    }
    // The wall clock passes both expiries (the check the desk made alone before).
    let latest_expiry = originals.iter().map(|(_, e)| *e).max().unwrap();
    while Timestamp::now().as_millisecond() <= latest_expiry {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let (first, second) = (&bundles[0], &bundles[1]);
    let (first_txid, first_expiry) = (&originals[0].0, originals[0].1);

    // In a block: refused, naming the txID.
    fake.set_info(first_txid, json!({"id": first_txid, "blockNumber": 1001, "receipt": {"result": "SUCCESS"}}));
    fake.set_block(head_at(1010, first_expiry + 30_000));
    let paid = review(&first.0, Some(Replace::Expired)).await.unwrap_err();
    assert_eq!(paid.code(), "not_replaceable", "{paid}");
    assert!(paid.to_string().contains(first_txid.as_str()) && paid.to_string().contains("block 1001"), "{paid}");

    // Unknown to the node, but its head block is older than the expiry: refused, naming the
    // head block's time.
    fake.set_info(first_txid, json!({}));
    let head_ms = first_expiry - 1_000;
    fake.set_block(head_at(1002, head_ms));
    let early = review(&first.0, Some(Replace::Expired)).await.unwrap_err();
    assert_eq!(early.code(), "not_replaceable", "{early}");
    let head_time = Timestamp::from_millisecond(head_ms).unwrap().to_string();
    assert!(early.to_string().contains("head block 1002") && early.to_string().contains(&head_time), "{early}");
    assert_eq!(store.attempts(&first.0.bundleId, 0).await.unwrap().len(), 1, "nothing reserved");

    // Unknown, head block past the expiry: the replacement is reviewed and signed.
    fake.set_block(head_at(1012, latest_expiry + 3_000));
    let reviewed = review(&first.0, Some(Replace::Expired)).await.unwrap();
    let replaced = sign(&first.0, &first.1, &reviewed.review_hash).await.unwrap();
    assert_eq!(replaced.attempt, 1);
    let attempts = store.attempts(&first.0.bundleId, 0).await.unwrap();
    assert_eq!((attempts[1].reason.as_deref(), attempts[1].state.as_str()), (Some("expired"), "signed"));
    assert!(fake.received_on("/wallet/gettransactioninfobyid").iter().any(|r| r.body["value"] == first_txid.as_str()));

    // Reviewed while unknown, then it enters a block before the signature: signing asks the
    // node again and refuses; nothing is reserved.
    let (second_txid, _) = &originals[1];
    let reviewed = review(&second.0, Some(Replace::Expired)).await.unwrap();
    fake.set_info(second_txid, json!({"id": second_txid, "blockNumber": 1011, "receipt": {"result": "SUCCESS"}}));
    let late = sign(&second.0, &second.1, &reviewed.review_hash).await.unwrap_err();
    assert_eq!(late.code(), "not_replaceable", "{late}");
    assert!(late.to_string().contains(second_txid.as_str()), "{late}");
    assert_eq!(store.attempts(&second.0.bundleId, 0).await.unwrap().len(), 1, "the replacement is never reserved");
}
