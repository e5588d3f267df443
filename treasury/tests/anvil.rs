//! Goal: the payout flow the window and the CLI share takes a request to transactions a real
//! EVM accepts. With the SoftHSM2 demo token and its treasury file: a bundle from the hot
//! wallet to an allow-listed partner, approved 2-of-3 by the approvers' HSM keys, each chunk
//! signed by the hot wallet's HSM key through the registry — both land on anvil with status
//! 1, from the hot wallet, with consecutive nonces; the canary payout lands at its check
//! address; and nothing can be signed twice.

#[path = "../../chain/tests/support/anvil.rs"]
mod anvil_support;

use alloy::primitives::{Address, TxKind, U256};
use anvil_support::{deploy_token, dev_raw, dev_tx, Anvil, CHAIN_ID, DEV_KEY};
use clubgate_chain::erc20::{sign, Transfer};
use clubgate_chain::signer::{DevKey, Profile};
use clubgate_core::launch::Launch;
use clubgate_core::plan::Network;
use clubgate_core::treasury::{Token, Treasury};
use clubgate_store::Store;
use clubgate_treasury::demo::{softhsm_demo, DEMO_ERC20_USDT, DEMO_PARTNER_ERC20, DEMO_PIN};
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
    let dev = DevKey::new(DEV_KEY, Profile::Dev).unwrap();
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
        bundle_id: "anvil-1",
        network: Network::Erc20,
        token: Token::Usdt,
        source: &hot_wallet.address.to_string(),
        to: DEMO_PARTNER_ERC20,
        amount: "300000",
        policy_version: 1,
    };
    let payout = bundle::make(&launch.plan, Some(&treasury), &request).unwrap();
    assert_eq!(payout.chunks.len(), 2);
    let approvals: Vec<_> = ["approver-a", "approver-c"]
        .iter()
        .map(|key| {
            let signer = signers::open_signer(&format!("pkcs11:clubgate-demo/{key}"), Profile::Production).unwrap();
            flow::approve_as(&treasury, &payout, signer.as_ref()).unwrap()
        })
        .collect();
    let quorum = flow::quorum_of(&treasury).unwrap();

    // Each chunk: signed through the flow, sent, mined.
    let pending = anvil.call("eth_getTransactionCount", json!([hot.address(), "pending"])).unwrap();
    let pending = u64::from_str_radix(pending.as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    let partner: Address = DEMO_PARTNER_ERC20.parse().unwrap();
    for chunk in 0..2u32 {
        let now = jiff::Timestamp::now();
        let chain = flow::chain_params(&treasury, Network::Erc20, Token::Usdt, pending, None, now).unwrap();
        let input = flow::SignInput {
            launch: &launch,
            quorum: &quorum,
            approvals: &approvals,
            chunk,
            signer: hot.as_ref(),
            chain,
            replace: None,
            daily_target: treasury.daily_target.base_units(),
            now,
        };
        let signed = flow::sign_chunk(&store, &payout, input).await.unwrap();
        let receipt = anvil.send(&alloy::primitives::hex::decode(&signed.raw).unwrap());
        assert_eq!(receipt["status"], "0x1", "{receipt}");
        assert_eq!(receipt["from"].as_str().unwrap().parse::<Address>().unwrap(), hot.address());
        assert_eq!(receipt["transactionHash"].as_str().unwrap(), signed.hash);
        let again = flow::SignInput {
            launch: &launch,
            quorum: &quorum,
            approvals: &approvals,
            chunk,
            signer: hot.as_ref(),
            chain: flow::chain_params(&treasury, Network::Erc20, Token::Usdt, pending, None, now).unwrap(),
            replace: None,
            daily_target: treasury.daily_target.base_units(),
            now,
        };
        assert!(flow::sign_chunk(&store, &payout, again).await.unwrap_err().to_string().contains("never signed twice"));
    }
    assert_eq!(anvil.token_balance(token, partner), U256::from(300_000_000_000u64), "paid once, in full");
    assert_eq!(anvil.token_balance(token, hot.address()), U256::from(200_000_000_000u64));

    // The day's canary payout: one token to the check address.
    let now = jiff::Timestamp::now();
    let chain = flow::chain_params(&treasury, Network::Erc20, Token::Usdt, 0, None, now).unwrap();
    let canary_payout = flow::Canary {
        launch: &launch,
        treasury: &treasury,
        wallet: &canary_wallet,
        token: Token::Usdt,
        signer: canary.as_ref(),
        chain,
        now,
    };
    let signed = flow::sign_canary(&store, canary_payout).await.unwrap();
    assert_eq!(anvil.send(&alloy::primitives::hex::decode(&signed.raw).unwrap())["status"], "0x1");
    let check: Address = canary_wallet.check_address.unwrap().to_string().parse().unwrap();
    assert_eq!(anvil.token_balance(token, check), U256::from(1_000_000u64));
}
