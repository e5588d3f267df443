//! Red team F4 (issue 12) with a real Ethereum node (anvil): a wallet with nonces in the
//! store is signed past one above its highest only at the nonce the policy's node reports as
//! pending at the moment of signing (the chain moved on through another tool); a node that
//! reports another nonce by then gets `nonce_gap` and nothing is reserved.

#[path = "../../chain/tests/support/anvil.rs"]
mod anvil_support;
#[path = "support/node_setup.rs"]
mod node_setup;

use alloy::primitives::hex;
use clubgate_chain::erc20;
use clubgate_chain::signer::Profile;
use clubgate_treasury::broadcast::{self, NodeReviewRequest};
use clubgate_treasury::flow::{self, Policy, SignRequest};
use clubgate_treasury::signers::ConfiguredKeys;
use jiff::Timestamp;
use serde_json::json;

#[tokio::test]
async fn a_nonce_past_the_stores_next_is_signed_only_when_the_node_says_it_is_pending_at_signing() {
    let dir = tempfile::tempdir().unwrap();
    let setup = node_setup::start(dir.path());
    let store = setup.store(&dir.path().join("desk")).await;
    let policy = Policy { treasury: &setup.treasury, launch: &setup.launch };
    let keys = ConfiguredKeys { profile: Profile::Production };
    let node = broadcast::connect(&setup.treasury).await.unwrap().expect("the file names a node");
    let hot = format!("{:#x}", setup.hot);
    let set_nonce = |n: u64| setup.anvil.call("anvil_setNonce", json!([hot, format!("0x{n:x}")])).unwrap();
    let mut signed_nonces = Vec::new();
    let mut outcome = Vec::new();
    for (amount, chain_at_review, chain_at_signing) in [("100", None, None), ("200", Some(9), None), ("300", Some(20), Some(25))] {
        let (payout, approvals) = setup.approved_bundle(amount).await;
        if let Some(n) = chain_at_review {
            set_nonce(n);
        }
        let now = Timestamp::now();
        let request = NodeReviewRequest { bundle: &payout, chunk: 0, replace: None, fee_mode: None, reviewed_by: "lead", now };
        let review = broadcast::review_from_node(&store, policy, &node, request).await.unwrap();
        let reviewed = erc20::decode(&hex::decode(&review.unsigned_hex).unwrap()).unwrap().nonce;
        if let Some(n) = chain_at_signing {
            set_nonce(n);
        }
        let request = SignRequest { bundle: &payout, approvals: &approvals, chunk: 0, review_hash: &review.review_hash, now, ledger: None };
        match flow::sign_chunk(&store, policy, &keys, request).await {
            Ok(_) => signed_nonces.push(reviewed),
            Err(error) => {
                assert!(store.attempts(&payout.bundleId, 0).await.unwrap().is_empty(), "nothing reserved");
                outcome.push((reviewed, error.code(), error.to_string()));
            }
        }
    }
    // Nonce 0 (new wallet: the node's pending); 9 after the chain moved on to 9 (the node
    // says 9 at signing: taken over the store's next, 1).
    assert_eq!(signed_nonces, vec![0, 9]);
    assert_eq!(store.highest_nonce(&setup.treasury.wallet("hot-erc20-1").unwrap().address.to_string()).await.unwrap(), Some(9));
    // Reviewed at 20 (the node's pending then), but the node says 25 at signing: a gap.
    assert_eq!(outcome.len(), 1);
    let (reviewed, code, message) = &outcome[0];
    assert_eq!((*reviewed, *code), (20, "nonce_gap"), "{message}");
    assert!(message.contains("reviewed nonce 20") && message.contains("next nonce 10"), "{message}");
}
