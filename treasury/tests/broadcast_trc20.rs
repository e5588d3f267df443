//! Goal (issue 12): a signed TRC-20 chunk is broadcast from the desk and followed to its
//! confirmations on the treasury file's Tron node. No Tron node runs here: the node is
//! `FakeTronNode`, a TEST DOUBLE serving java-tron's documented `/wallet/*` shapes. With the
//! SoftHSM2 demo keys: the chunk's signature is kept with its raw_data at signing, the bytes
//! sent to `wallet/broadcasthex` are the signed transaction {raw_data, signature}; pending →
//! mined with k confirmations → confirmed (recorded once); a duplicate broadcast is
//! success; two processes racing to broadcast record it once; a reverted receipt is failed;
//! an expired transaction is refused before anything is recorded.

#[path = "../../chain/tests/support/fake_tron_node.rs"]
mod fake_tron_node;

use alloy::primitives::hex;
use clubgate_chain::signer::Profile;
use clubgate_chain::trc20::SignedTransfer;
use clubgate_chain::tron_http::signed_transaction_bytes;
use clubgate_core::launch::Launch;
use clubgate_core::plan::Network;
use clubgate_core::treasury::{Token, Treasury};
use clubgate_store::Store;
use clubgate_treasury::broadcast::{self, Status};
use clubgate_treasury::demo::{demo_approvals, softhsm_demo, DEMO_PARTNER_TRC20, DEMO_PIN};
use clubgate_treasury::flow::{self, OperatorInput, Policy, ReviewRequest, SignRequest};
use clubgate_treasury::signers::ConfiguredKeys;
use clubgate_treasury::{bundle, tron};
use fake_tron_node::{block_json, FakeTronNode};
use jiff::{Timestamp, ToSpan};
use serde_json::json;

fn block(number: u64) -> serde_json::Value {
    block_json(number, &format!("{number:016x}{}", "ab".repeat(24)), 1_893_456_000_000 + i64::try_from(number).unwrap() * 3000)
}

#[tokio::test]
async fn a_trc20_chunk_is_broadcast_with_its_kept_signature_and_followed_to_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let demo = softhsm_demo(dir.path(), "/usr/lib/softhsm/libsofthsm2.so").unwrap();
    std::env::set_var("SOFTHSM2_CONF", &demo.softhsm_conf);
    std::env::set_var("CLUBGATE_PKCS11_PIN", DEMO_PIN);
    std::env::remove_var("DBUS_SESSION_BUS_ADDRESS");
    let fake = FakeTronNode::start(block(1000));
    let text = std::fs::read_to_string(&demo.treasury_file).unwrap().replacen(
        "expiration_s = 60\n",
        &format!("expiration_s = 60\nnode_url = \"{}\"\n", fake.url()),
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
    let signed_chunk = |amount: &'static str| {
        let (store, hot, keys, treasury, launch) = (&store, &hot, &keys, &treasury, &launch);
        async move {
            let request = bundle::Request {
                network: Network::Trc20,
                token: Token::Usdt,
                source: hot,
                to: DEMO_PARTNER_TRC20,
                amount,
                policy_version: 1,
            };
            let payout = bundle::make(&launch.plan, treasury, &request).unwrap();
            let approvals = demo_approvals(&payout, &["approver-a", "approver-c"]).await.unwrap();
            let now = Timestamp::now();
            let input = tron::with_node_ref_block(treasury, Network::Trc20, OperatorInput::default()).await.unwrap();
            let review = flow::review_chunk(
                store,
                policy,
                ReviewRequest { bundle: &payout, chunk: 0, replace: None, input, reviewed_by: "lead", now },
            )
            .await
            .unwrap();
            let request =
                SignRequest { bundle: &payout, approvals: &approvals, chunk: 0, review_hash: &review.review_hash, now, ledger: None };
            (payout.bundleId.clone(), flow::sign_chunk(store, policy, keys, request).await.unwrap())
        }
    };

    // Signed: the signature is kept beside the raw_data; broadcast sends {raw_data, signature}.
    let (bundle_id, signed) = signed_chunk("100").await;
    let signature = signed.document["signature"].as_str().unwrap().to_owned();
    assert_eq!(store.trc20_signature(&bundle_id, 0, 0).await.unwrap().as_deref(), Some(signature.as_str()));
    let now = Timestamp::now();
    let sent = broadcast::broadcast_trc20(&store, &fake_node(&treasury), &bundle_id, 0, "lead", now).await.unwrap();
    assert_eq!((sent.recorded, sent.outcome(), sent.tx_hash.as_str()), (true, "accepted", signed.hash.as_str()));
    let expected = SignedTransfer {
        raw_data: hex::decode(&signed.raw).unwrap(),
        txid: signed.hash.parse().unwrap(),
        signature: hex::decode(&signature).unwrap().try_into().unwrap(),
    };
    let bodies = fake.received_on("/wallet/broadcasthex");
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0].body["transaction"].as_str(), Some(hex::encode(signed_transaction_bytes(&expected)).as_str()));
    assert!(store.broadcast_at(&bundle_id, 0, 0).await.unwrap().is_some(), "recorded");

    // Pending, then in block 1001: mined with its confirmations, confirmed at 19, once.
    let node = fake_node(&treasury);
    let (_, tracks) = broadcast::track_trc20(&store, policy, &node, Some(&bundle_id), now).await.unwrap();
    assert_eq!((tracks[0].status, tracks[0].attempts[0].state), (Status::Pending, "pending"));
    fake.set_info(&signed.hash, json!({"id": signed.hash, "blockNumber": 1001, "blockTimeStamp": 1_893_459_003_000i64, "receipt": {"result": "SUCCESS", "energy_usage_total": 29631}}));
    fake.set_block(block(1005));
    let (head, tracks) = broadcast::track_trc20(&store, policy, &node, Some(&bundle_id), now).await.unwrap();
    assert_eq!((head, tracks[0].status, tracks[0].block, tracks[0].confirmations), (1005, Status::Mined, Some(1001), 5));
    fake.set_block(block(1019));
    let (_, tracks) = broadcast::track_trc20(&store, policy, &node, Some(&bundle_id), now).await.unwrap();
    assert_eq!((tracks[0].status, tracks[0].confirmations, tracks[0].required_confirmations), (Status::Confirmed, 19, 19));
    assert_eq!(tracks[0].recorded, vec!["confirmed 0".to_owned()]);
    assert_eq!(tracks[0].to_json()["network"], "trc20");
    let (_, tracks) = broadcast::track_trc20(&store, policy, &node, Some(&bundle_id), now).await.unwrap();
    assert!(tracks[0].recorded.is_empty(), "recorded once");

    // Sending again: the node has it (DUP_TRANSACTION_ERROR) — success, recorded before.
    fake.set_broadcast(json!({"result": false, "code": "DUP_TRANSACTION_ERROR", "message": fake_tron_node::hex_text("dup transaction")}));
    let again = broadcast::broadcast_trc20(&store, &node, &bundle_id, 0, "lead", now).await.unwrap();
    assert_eq!((again.recorded, again.outcome()), (false, "already_known"));
    fake.set_broadcast(json!({"result": true, "code": "SUCCESS", "message": ""}));

    // A reverted transfer: failed, with the receipt's result.
    let (reverting, signed) = signed_chunk("200").await;
    broadcast::broadcast_trc20(&store, &node, &reverting, 0, "lead", now).await.unwrap();
    fake.set_info(&signed.hash, json!({"id": signed.hash, "blockNumber": 1020, "receipt": {"result": "REVERT"}, "result": "FAILED", "resMessage": fake_tron_node::hex_text("REVERT opcode executed")}));
    let (_, tracks) = broadcast::track_trc20(&store, policy, &node, Some(&reverting), now).await.unwrap();
    assert_eq!((tracks[0].status, tracks[0].failure.as_deref()), (Status::Failed, Some("REVERT: REVERT opcode executed")));
    assert_eq!(tracks[0].recorded, vec!["failed 0".to_owned()]);

    // Two desks' processes racing to broadcast the same chunk (two store handles): both end
    // in success, the broadcast is recorded once and queued for the ledger once.
    let (raced, _) = signed_chunk("250").await;
    let other = Store::open(&dir.path().join("store.db")).await.unwrap();
    let (one, two) = tokio::join!(
        broadcast::broadcast_trc20(&store, &node, &raced, 0, "desk one", now),
        broadcast::broadcast_trc20(&other, &node, &raced, 0, "desk two", now)
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    assert_eq!(u8::from(one.recorded) + u8::from(two.recorded), 1, "recorded by exactly one of them");
    let queued = store.outbox(false).await.unwrap().into_iter().filter(|c| c.kind == "broadcast" && c.payload.contains(&raced)).count();
    assert_eq!(queued, 1, "one broadcast command for the chunk");

    // Expired before it was broadcast: refused, nothing recorded (it is re-signed instead).
    let (late, _) = signed_chunk("300").await;
    let expired = broadcast::broadcast_trc20(&store, &node, &late, 0, "lead", now.checked_add(2.minutes()).unwrap()).await.unwrap_err();
    assert_eq!(expired.code(), "not_broadcastable");
    assert!(expired.to_string().contains("expired") && expired.to_string().contains("--replace expired"), "{expired}");
    assert!(store.broadcast_at(&late, 0, 0).await.unwrap().is_none(), "nothing recorded");
}

fn fake_node(treasury: &Treasury) -> clubgate_chain::tron_http::TronNode {
    tron::node(treasury).unwrap().expect("the file names the Tron node")
}
