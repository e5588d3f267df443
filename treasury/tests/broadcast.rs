//! Goal (issue 12): payouts go on chain from the desk and are followed to confirmation,
//! against a real EVM (anvil) with the SoftHSM2 demo keys:
//! - the node's pending nonce and ETH/token balances are what anvil says; a node of another
//!   chain is refused, naming both chain ids;
//! - a chunk reviewed with the node's nonce and fees (no typed input), signed through the
//!   flow, broadcast, is confirmed after N blocks and recorded once for the ledger;
//! - with mining paused, a broadcast chunk stays pending, is flagged stuck after
//!   `stuck_after_s` with the speed-up at the next fee mode; the speed-up is reviewed, signed
//!   (quorum), broadcast and mined — the original hash never is, the partner is paid once;
//! - a transfer that reverts on chain (above the wallet's balance) is tracked as failed;
//! - bypass: reviewed bytes whose fees are above the policy's ceiling (a doctored review in
//!   the store) are refused at the signature — nothing signed, no nonce consumed; a review
//!   on a node reporting a base fee above the ceiling is refused too.

#[path = "../../chain/tests/support/anvil.rs"]
mod anvil_support;
#[path = "support/node_setup.rs"]
mod node_setup;

use alloy::primitives::{hex, U256};
use clubgate_chain::erc20::{self, FeeMode};
use clubgate_chain::evm_node::{EvmNode, TxState};
use clubgate_chain::signer::Profile;
use clubgate_store::StoredReview;
use clubgate_treasury::broadcast::{self, NodeReviewRequest, Status};
use clubgate_treasury::flow::{self, Policy, Replace, SignRequest};
use clubgate_treasury::signers::ConfiguredKeys;
use jiff::{Timestamp, ToSpan};
use node_setup::CEILING_WEI;
use serde_json::json;

#[tokio::test]
async fn chunks_are_broadcast_confirmed_sped_up_when_stuck_and_fees_above_the_ceiling_are_never_signed() {
    let dir = tempfile::tempdir().unwrap();
    let setup = node_setup::start(dir.path());
    let store = setup.store(&dir.path().join("desk")).await;
    let policy = Policy { treasury: &setup.treasury, launch: &setup.launch };
    let keys = ConfiguredKeys { profile: Profile::Production };
    let node = broadcast::connect(&setup.treasury).await.unwrap().expect("the file names a node");

    // The node's reads are anvil's.
    assert_eq!(
        u128::from(node.pending_nonce(setup.hot).await.unwrap()),
        setup.quantity("eth_getTransactionCount", json!([setup.hot, "pending"]))
    );
    assert_eq!(node.eth_balance(setup.hot).await.unwrap(), 10u128.pow(18));
    assert_eq!(node.eth_balance(setup.hot).await.unwrap(), setup.quantity("eth_getBalance", json!([setup.hot, "latest"])));
    assert_eq!(node.token_balance(setup.token, setup.hot).await.unwrap(), 500_000_000_000);
    assert_eq!(U256::from(node.token_balance(setup.token, setup.hot).await.unwrap()), setup.anvil.token_balance(setup.token, setup.hot));
    let wrong = EvmNode::connect(&setup.anvil.url(), 1).await.unwrap_err();
    assert_eq!(wrong.code(), "chain_id_mismatch");
    assert!(wrong.to_string().contains("chain id 31337") && wrong.to_string().contains("chain id is 1"), "{wrong}");

    // Chunk 0: nonce and fees from the node, signed, broadcast, confirmed after 3 blocks.
    let (payout, approvals) = setup.approved_bundle("300000").await;
    assert_eq!(payout.chunks.len(), 2);
    let market = node.fee_market().await.unwrap();
    let now = Timestamp::now();
    let request = |chunk, replace, now| NodeReviewRequest { bundle: &payout, chunk, replace, fee_mode: None, reviewed_by: "lead", now };
    let review = broadcast::review_from_node(&store, policy, &node, request(0, None, now)).await.unwrap();
    let reviewed = erc20::decode(&hex::decode(&review.unsigned_hex).unwrap()).unwrap();
    assert_eq!(
        u128::from(reviewed.nonce),
        setup.quantity("eth_getTransactionCount", json!([setup.hot, "pending"])),
        "the node's pending nonce"
    );
    let priority = market.priority_fee_wei.unwrap_or(setup.treasury.erc20.priority_fee_wei);
    assert_eq!((reviewed.max_fee_per_gas, reviewed.max_priority_fee_per_gas), FeeMode::Normal.fees(market.base_fee_wei, priority).unwrap());
    let sign = |chunk, review_hash: String, now| {
        let (store, payout, approvals, keys) = (&store, &payout, &approvals, &keys);
        async move {
            let request = SignRequest { bundle: payout, approvals, chunk, review_hash: &review_hash, now, ledger: None };
            flow::sign_chunk(store, policy, keys, request).await
        }
    };
    let signed = sign(0, review.review_hash.clone(), now).await.unwrap();
    let sent = broadcast::broadcast(&store, policy, &node, &payout.bundleId, 0, "lead", now).await.unwrap();
    assert!(sent.recorded && sent.attempt == 0 && sent.tx_hash == signed.hash, "{sent:?}");
    let hash0: alloy::primitives::B256 = signed.hash.parse().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while node.receipt(hash0).await.unwrap().is_none() {
        assert!(std::time::Instant::now() < deadline, "anvil mines the broadcast chunk");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (_, tracks) = broadcast::track(&store, policy, &node, Some(&payout.bundleId), now).await.unwrap();
    assert_eq!((tracks[0].status, tracks[0].confirmations), (Status::Mined, 1), "{tracks:?}");
    assert!(tracks[0].recorded.is_empty(), "nothing to record before confirmation");
    setup.anvil.call("anvil_mine", json!(["0x2"])).unwrap();
    let (_, tracks) = broadcast::track(&store, policy, &node, Some(&payout.bundleId), now).await.unwrap();
    assert_eq!((tracks[0].status, tracks[0].confirmations), (Status::Confirmed, 3));
    assert_eq!(tracks[0].recorded, vec!["confirmed 0".to_owned()]);
    let (_, again) = broadcast::track(&store, policy, &node, Some(&payout.bundleId), now).await.unwrap();
    assert!(again[0].recorded.is_empty(), "a status change is recorded once");
    let again = broadcast::broadcast(&store, policy, &node, &payout.bundleId, 0, "lead", now).await.unwrap();
    assert_eq!((again.recorded, again.outcome()), (false, "mined"), "sending a mined chunk again is success");
    let statuses: Vec<serde_json::Value> = store
        .outbox(false)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.kind == "broadcast")
        .map(|c| serde_json::from_str(&c.payload).unwrap())
        .collect();
    assert_eq!(statuses.len(), 2, "the broadcast and its confirmation: {statuses:?}");
    assert_eq!((statuses[0]["tx_hash"].as_str(), statuses[0]["status"].as_str()), (Some(signed.hash.as_str()), None));
    assert_eq!((statuses[1]["status"].as_str(), statuses[1]["confirmations"].as_u64()), (Some("confirmed"), Some(3)));

    // Chunk 1 with mining paused: pending, then stuck after 60 s with a speed-up at `fast`.
    setup.anvil.call("evm_setAutomine", json!([false])).unwrap();
    let review = broadcast::review_from_node(&store, policy, &node, request(1, None, now)).await.unwrap();
    let original = sign(1, review.review_hash.clone(), now).await.unwrap();
    let stuck = erc20::decode(&hex::decode(&original.raw).unwrap()).unwrap();
    broadcast::broadcast(&store, policy, &node, &payout.bundleId, 1, "lead", now).await.unwrap();
    let original_hash = original.hash.parse().unwrap();
    assert_eq!(node.tx_state(original_hash).await.unwrap(), TxState::Pending);
    let (_, tracks) =
        broadcast::track(&store, policy, &node, Some(&payout.bundleId), now.checked_add(30.seconds()).unwrap()).await.unwrap();
    assert_eq!((tracks[1].status, tracks[1].speed_up.is_none()), (Status::Pending, true), "30 s is not stuck yet");
    let later = now.checked_add(61.seconds()).unwrap();
    let (_, tracks) = broadcast::track(&store, policy, &node, Some(&payout.bundleId), later).await.unwrap();
    let track = &tracks[1];
    assert_eq!((track.status, track.age_s, track.fee_mode), (Status::Stuck, 61, FeeMode::Normal));
    let proposal = track.speed_up.as_ref().expect("a stuck chunk has a speed-up proposed");
    assert_eq!(proposal.fee_mode, FeeMode::Fast);
    let (max_fee, priority_fee) = proposal.fees.clone().unwrap();
    assert!(
        max_fee >= erc20::bumped(stuck.max_fee_per_gas, 10).unwrap()
            && priority_fee >= erc20::bumped(stuck.max_priority_fee_per_gas, 10).unwrap()
    );
    let json = track.to_json();
    assert_eq!(
        (json["status"].as_str(), json["stuck"].as_bool(), json["speed_up"]["fee_mode"].as_str()),
        (Some("stuck"), Some(true), Some("fast"))
    );

    // The speed-up: reviewed at the next mode (same nonce, the proposed fees), signed with the
    // quorum, broadcast; then a block: the replacement is mined, the original never.
    let replacement = broadcast::review_from_node(&store, policy, &node, request(1, Some(Replace::SpeedUp), later)).await.unwrap();
    let replaced = erc20::decode(&hex::decode(&replacement.unsigned_hex).unwrap()).unwrap();
    assert_eq!(replaced.nonce, stuck.nonce, "a speed-up keeps the nonce");
    assert_eq!(
        (replaced.max_fee_per_gas, replaced.max_priority_fee_per_gas),
        (max_fee, priority_fee),
        "the fees proposed are the fees reviewed"
    );
    let no_quorum = SignRequest {
        bundle: &payout,
        approvals: &approvals[..1],
        chunk: 1,
        review_hash: &replacement.review_hash,
        now: later,
        ledger: None,
    };
    assert_eq!(flow::sign_chunk(&store, policy, &keys, no_quorum).await.unwrap_err().code(), "quorum", "a speed-up needs the quorum");
    let sped = sign(1, replacement.review_hash.clone(), later).await.unwrap();
    assert_eq!(sped.attempt, 1);
    let sent = broadcast::broadcast(&store, policy, &node, &payout.bundleId, 1, "lead", later).await.unwrap();
    assert_eq!((sent.attempt, sent.outcome()), (1, "accepted"));
    setup.anvil.call("evm_mine", json!([])).unwrap();
    let sped_hash = sped.hash.parse().unwrap();
    let mined = node.receipt(sped_hash).await.unwrap().expect("the replacement is mined");
    assert!(mined.success);
    assert_eq!(node.receipt(original_hash).await.unwrap(), None, "the original is never mined");
    setup.anvil.call("evm_mine", json!([])).unwrap();
    assert_eq!(node.tx_state(original_hash).await.unwrap(), TxState::Unknown);
    assert_eq!(setup.anvil.token_balance(setup.token, setup.partner), U256::from(300_000_000_000u64), "the partner is paid once, in full");
    let (_, tracks) = broadcast::track(&store, policy, &node, Some(&payout.bundleId), later).await.unwrap();
    let track = &tracks[1];
    assert_eq!((track.status, track.attempt, track.confirmations, track.fee_mode), (Status::Mined, 1, 2, FeeMode::Fast));
    let states: Vec<(u32, &str)> = track.attempts.iter().map(|a| (a.attempt, a.state)).collect();
    assert_eq!(states, vec![(0, "replaced"), (1, "mined")]);
    assert_eq!(track.recorded, vec!["replaced 0".to_owned()]);
    let mined_already = broadcast::review_from_node(&store, policy, &node, request(1, Some(Replace::SpeedUp), later)).await.unwrap_err();
    assert_eq!(mined_already.code(), "not_broadcastable");
    assert!(mined_already.to_string().contains(&sped.hash), "{mined_already}");

    // Bypass: a doctored review in the store with a max fee above the ceiling.
    let (second, second_approvals) = setup.approved_bundle("1000").await;
    let hot_text = setup.treasury.wallet("hot-erc20-1").unwrap().address.to_string();
    let nonce_before = store.peek_nonce(&hot_text, &second.bundleId, 0, 0).await.unwrap();
    let doctored = erc20::Transfer {
        chain_id: 31337,
        token: setup.token,
        to: setup.partner,
        amount: 1_000_000_000,
        nonce: nonce_before,
        gas_limit: setup.treasury.erc20.gas_limit,
        max_fee_per_gas: CEILING_WEI * 2,
        max_priority_fee_per_gas: 1_000_000_000,
    };
    let (bytes, signing_hash) = doctored.unsigned_bytes().unwrap();
    store
        .insert_review(&StoredReview {
            review_hash: signing_hash.to_string(),
            bundle_id: second.bundleId.clone(),
            chunk: 0,
            replace: None,
            unsigned_hex: format!("0x{}", hex::encode(&bytes)),
            reviewed_by: "someone at an unlocked workstation".to_owned(),
            reviewed_at: later,
            expires_at: later.checked_add(5.minutes()).unwrap(),
        })
        .await
        .unwrap();
    let hash = signing_hash.to_string();
    let request = SignRequest { bundle: &second, approvals: &second_approvals, chunk: 0, review_hash: &hash, now: later, ledger: None };
    let refused = flow::sign_chunk(&store, policy, &keys, request).await.unwrap_err();
    assert_eq!(refused.code(), "fee_ceiling", "{refused}");
    assert!(
        refused.to_string().contains(&(CEILING_WEI * 2).to_string()) && refused.to_string().contains(&CEILING_WEI.to_string()),
        "{refused}"
    );
    assert!(store.attempts(&second.bundleId, 0).await.unwrap().is_empty(), "nothing signed or reserved");
    assert_eq!(store.peek_nonce(&hot_text, "another", 0, 0).await.unwrap(), nonce_before, "no nonce consumed");
    // The same bytes under the ceiling would sign: only the fees were wrong.
    let honest = erc20::Transfer { max_fee_per_gas: CEILING_WEI, ..doctored };
    assert!(honest.unsigned_bytes().is_ok());

    // A node reporting a base fee above the ceiling: the review itself is refused.
    setup.anvil.call("anvil_setNextBlockBaseFeePerGas", json!([format!("0x{:x}", CEILING_WEI * 3)])).unwrap();
    setup.anvil.call("evm_mine", json!([])).unwrap();
    let market = node.fee_market().await.unwrap();
    assert!(market.base_fee_wei > CEILING_WEI, "{market:?}");
    let request = NodeReviewRequest { bundle: &second, chunk: 0, replace: None, fee_mode: None, reviewed_by: "lead", now: later };
    let refused = broadcast::review_from_node(&store, policy, &node, request).await.unwrap_err();
    assert_eq!(refused.code(), "fee_ceiling", "{refused}");
    assert!(refused.to_string().contains(&market.base_fee_wei.to_string()), "{refused}");

    // A transfer above the hot wallet's token balance reverts on chain: failed, recorded once.
    setup.anvil.call("anvil_setNextBlockBaseFeePerGas", json!(["0x3b9aca00"])).unwrap();
    setup.anvil.call("evm_mine", json!([])).unwrap();
    setup.anvil.call("evm_setAutomine", json!([true])).unwrap();
    let left = setup.anvil.token_balance(setup.token, setup.hot);
    assert_eq!(left, U256::from(200_000_000_000u64));
    let (over, over_approvals) = setup.approved_bundle("210000").await;
    let now = Timestamp::now();
    let request = NodeReviewRequest { bundle: &over, chunk: 0, replace: None, fee_mode: None, reviewed_by: "lead", now };
    let review = broadcast::review_from_node(&store, policy, &node, request).await.unwrap();
    let request = SignRequest { bundle: &over, approvals: &over_approvals, chunk: 0, review_hash: &review.review_hash, now, ledger: None };
    let signed = flow::sign_chunk(&store, policy, &keys, request).await.unwrap();
    broadcast::broadcast(&store, policy, &node, &over.bundleId, 0, "lead", now).await.unwrap();
    let hash = signed.hash.parse().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while node.receipt(hash).await.unwrap().is_none() {
        assert!(std::time::Instant::now() < deadline, "anvil mines the reverting chunk");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (_, tracks) = broadcast::track(&store, policy, &node, Some(&over.bundleId), now).await.unwrap();
    assert_eq!((tracks[0].status, tracks[0].recorded.clone()), (Status::Failed, vec!["failed 0".to_owned()]));
    assert_eq!(tracks[0].attempts[0].state, "failed");
    assert_eq!(setup.anvil.token_balance(setup.token, setup.hot), left, "a failed transfer moves no token");
    let (_, tracks) = broadcast::track(&store, policy, &node, Some(&over.bundleId), now).await.unwrap();
    assert!(tracks[0].recorded.is_empty(), "recorded once");
}
