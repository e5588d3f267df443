//! Goal: the payout flow the window and the CLI share takes a request to transactions a real
//! EVM accepts. With the SoftHSM2 demo token and its treasury file: a bundle from the hot
//! wallet to an allow-listed partner, approved 2-of-3 by the approvers' HSM keys, each chunk
//! signed by the hot wallet's HSM key through the registry — both land on anvil with status
//! 1, from the hot wallet, with consecutive nonces; the canary payout lands at its check
//! address; and nothing can be signed twice.

#[path = "../../chain/tests/support/anvil.rs"]
mod anvil_support;

use alloy::primitives::{Address, TxKind, U256};
use anvil_support::{deploy_token, dev_key, dev_raw, dev_tx, Anvil, CHAIN_ID};
use clubgate_chain::erc20::{sign, Transfer};
use clubgate_chain::signer::Profile;
use clubgate_core::launch::Launch;
use clubgate_core::plan::Network;
use clubgate_core::treasury::{Token, Treasury};
use clubgate_store::Store;
use clubgate_treasury::demo::{demo_approvals, softhsm_demo, DEMO_ERC20_USDT, DEMO_PARTNER_ERC20, DEMO_PIN};
use clubgate_treasury::flow::{OperatorInput, Policy, ReviewRequest, SignRequest};
use clubgate_treasury::signers::ConfiguredKeys;
use clubgate_treasury::{bundle, flow, signers};
use serde_json::json;

#[tokio::test]
async fn an_approved_bundle_and_a_canary_signed_through_the_flow_land_on_anvil() {
    let dir = tempfile::tempdir().unwrap();
    let demo = softhsm_demo(dir.path(), "/usr/lib/softhsm/libsofthsm2.so").unwrap();
    // The only test in this binary: the module reads SOFTHSM2_CONF when it loads.
    std::env::set_var("SOFTHSM2_CONF", &demo.softhsm_conf);
    std::env::set_var("CLUBGATE_PKCS11_PIN", DEMO_PIN);
    std::env::remove_var("DBUS_SESSION_BUS_ADDRESS");
    let treasury = Treasury::from_toml(&std::fs::read_to_string(&demo.treasury_file).unwrap()).unwrap();
    let hot_wallet = treasury.wallet("hot-erc20-1").unwrap().clone();
    let canary_wallet = treasury.wallet("canary-erc20").unwrap().clone();
    let hot = signers::open_signer(&hot_wallet.signer, Profile::Production).unwrap();
    let canary = signers::open_signer(&canary_wallet.signer, Profile::Production).unwrap();

    // The chain: the token at the demo file's address (the dev account's first deployment),
    // gas money and tokens for both wallets.
    let anvil = Anvil::start();
    let dev = dev_key();
    let token = deploy_token(&anvil, &dev, 0, 10_000_000_000_000);
    assert_eq!(token, DEMO_ERC20_USDT.parse::<Address>().unwrap(), "the demo treasury names this contract");
    let mut nonce = 1;
    for wallet in [hot.address(), canary.address()] {
        let eth = anvil.send(&dev_raw(&dev, dev_tx(nonce, TxKind::Call(wallet), U256::from(10u128.pow(18)), Vec::new(), 21_000)));
        assert_eq!(eth["status"], "0x1");
        let tokens = Transfer {
            chain_id: CHAIN_ID,
            token,
            to: wallet,
            amount: 500_000_000_000,
            nonce: nonce + 1,
            gas_limit: 80_000,
            max_fee_per_gas: 2_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
        };
        assert_eq!(anvil.send(&sign(&tokens, &dev).unwrap().raw)["status"], "0x1");
        nonce += 2;
    }

    // Request → bundle → 2-of-3 approvals by HSM keys.
    let store = Store::open(&dir.path().join("store.db")).await.unwrap();
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let t0 = jiff::Timestamp::now().to_zoned_datetime(tz).date().checked_sub(jiff::ToSpan::days(10)).unwrap();
    let launch = Launch::new(clubgate_core::DEFAULT_PLAN_TOML, &format!("{t0}T10:00"), None).unwrap();
    let request = bundle::Request {
        network: Network::Erc20,
        token: Token::Usdt,
        source: &hot_wallet.address.to_string(),
        to: DEMO_PARTNER_ERC20,
        amount: "300000",
        policy_version: 1,
    };
    let payout = bundle::make(&launch.plan, &treasury, &request).unwrap();
    assert_eq!(payout.chunks.len(), 2);
    let approvals = demo_approvals(&payout, &["approver-a", "approver-c"]).await.unwrap();
    let policy = Policy { treasury: &treasury, launch: &launch };
    let keys = ConfiguredKeys { profile: Profile::Production };

    // Each chunk: reviewed, signed through the flow, sent, mined.
    let pending = anvil.call("eth_getTransactionCount", json!([hot.address(), "pending"])).unwrap();
    let pending = u64::from_str_radix(pending.as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    let partner: Address = DEMO_PARTNER_ERC20.parse().unwrap();
    for chunk in 0..2u32 {
        let now = jiff::Timestamp::now();
        let input = OperatorInput { pending_nonce: pending, ..OperatorInput::default() };
        let review = flow::review_chunk(
            &store,
            policy,
            ReviewRequest { bundle: &payout, chunk, replace: None, input, reviewed_by: "Approver A", now },
        )
        .await
        .unwrap();
        let request = SignRequest { bundle: &payout, approvals: &approvals, chunk, review_hash: &review.review_hash, now, ledger: None };
        let signed = flow::sign_chunk(&store, policy, &keys, request).await.unwrap();
        assert_eq!(signed.signing_hash, review.review_hash, "what was reviewed is what was signed");
        let receipt = anvil.send(&alloy::primitives::hex::decode(&signed.raw).unwrap());
        assert_eq!(receipt["status"], "0x1", "{receipt}");
        assert_eq!(receipt["from"].as_str().unwrap().parse::<Address>().unwrap(), hot.address());
        assert_eq!(receipt["transactionHash"].as_str().unwrap(), signed.hash);
        let again = flow::sign_chunk(&store, policy, &keys, request).await.unwrap_err();
        assert_eq!(again.code(), "already_signed");
    }
    assert_eq!(anvil.token_balance(token, partner), U256::from(300_000_000_000u64), "paid once, in full");
    assert_eq!(anvil.token_balance(token, hot.address()), U256::from(200_000_000_000u64));

    // The day's canary payout: one token to the check address.
    let now = jiff::Timestamp::now();
    let review = flow::CanaryReviewRequest {
        wallet: &canary_wallet.id,
        token: Token::Usdt,
        input: OperatorInput::default(),
        reviewed_by: "Treasury lead",
        now,
    };
    let review = flow::review_canary(&store, policy, review).await.unwrap();
    let canary_payout =
        flow::CanaryRequest { wallet: &canary_wallet.id, token: Token::Usdt, review_hash: &review.review_hash, now, ledger: None };
    let signed = flow::sign_canary(&store, policy, &keys, canary_payout).await.unwrap();
    assert_eq!(signed.signing_hash, review.review_hash, "the canary bytes signed are the reviewed ones");
    assert_eq!(anvil.send(&alloy::primitives::hex::decode(&signed.raw).unwrap())["status"], "0x1");
    let check: Address = canary_wallet.check_address.unwrap().to_string().parse().unwrap();
    assert_eq!(anvil.token_balance(token, check), U256::from(1_000_000u64));
}
