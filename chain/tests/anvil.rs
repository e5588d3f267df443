//! Goal: an ERC-20 payout signed by a SoftHSM2 key is accepted by a real EVM (anvil): a
//! 6-decimal token compiled with solc-js is deployed, the HSM's hot wallet is funded, and
//! the payout the HSM signs lands with receipt status 1, the balances moved, and the sender
//! the HSM key's address.

mod common;

#[path = "support/anvil.rs"]
mod anvil_support;

use std::path::Path;

use alloy::primitives::{address, Address, TxKind, U256};
use anvil_support::{deploy_token, dev_key, dev_raw, dev_tx, Anvil, CHAIN_ID};
use clubgate_chain::erc20::{sign, Transfer};
use clubgate_chain::pkcs11::Pkcs11Signer;
use clubgate_chain::signer::HashSigner;
use serde_json::json;

#[test]
fn an_hsm_signed_erc20_payout_lands_on_anvil() {
    let dir = tempfile::tempdir().unwrap();
    let conf = common::token(dir.path(), "anvil", "hot-erc20");
    // The module reads SOFTHSM2_CONF when it loads; this is the only test in this binary.
    std::env::set_var("SOFTHSM2_CONF", &conf);
    let hsm = Pkcs11Signer::open(Path::new(common::MODULE), "anvil", "hot-erc20", "1234").unwrap();
    let anvil = Anvil::start();
    let dev = dev_key();
    // Deploy a 6-decimal token with 1,000,000 USDT-like units to the dev account.
    let token = deploy_token(&anvil, &dev, 0, 1_000_000_000_000);

    // Fund the HSM's hot wallet: gas money, and 300,000 tokens with our own transfer builder.
    assert_eq!(
        anvil.send(&dev_raw(&dev, dev_tx(1, TxKind::Call(hsm.address()), U256::from(10u128.pow(18)), Vec::new(), 21_000)))["status"],
        "0x1"
    );
    let funding = Transfer {
        chain_id: CHAIN_ID,
        token,
        to: hsm.address(),
        amount: 300_000_000_000,
        nonce: 2,
        gas_limit: 80_000,
        max_fee_per_gas: 2_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
    };
    assert_eq!(anvil.send(&sign(&funding, &dev).unwrap().raw)["status"], "0x1");

    // The payout chunk the HSM signs: 250,000 tokens to a partner.
    let partner = address!("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
    let payout = Transfer {
        chain_id: CHAIN_ID,
        token,
        to: partner,
        amount: 250_000_000_000,
        nonce: 0,
        gas_limit: 80_000,
        max_fee_per_gas: 2_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
    };
    let signed = sign(&payout, &hsm).unwrap();
    let receipt = anvil.send(&signed.raw);
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    assert_eq!(receipt["from"].as_str().unwrap().parse::<Address>().unwrap(), hsm.address(), "the chain sees the HSM key as sender");
    assert_eq!(receipt["transactionHash"].as_str().unwrap().parse::<alloy::primitives::B256>().unwrap(), signed.hash);
    assert_eq!(anvil.token_balance(token, partner), U256::from(250_000_000_000u64));
    assert_eq!(anvil.token_balance(token, hsm.address()), U256::from(50_000_000_000u64));
}

#[test]
fn a_stuck_payout_is_replaced_by_its_speed_up_with_the_same_nonce() {
    use clubgate_chain::erc20::{speed_up, FeeMode, REPLACEMENT_BUMP_PERCENT};
    let anvil = Anvil::start();
    let dev = dev_key();
    let token = deploy_token(&anvil, &dev, 0, 1_000_000_000_000);

    // Blocks stop being mined: the payout waits in the pool, as a stuck one would.
    anvil.call("evm_setAutomine", json!([false])).unwrap();
    let (max_fee, priority) = FeeMode::Normal.fees(1_000_000_000, 1_000_000_000).unwrap();
    let partner = address!("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
    let stuck = Transfer {
        chain_id: CHAIN_ID,
        token,
        to: partner,
        amount: 1_000_000,
        nonce: 1,
        gas_limit: 80_000,
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: priority,
    };
    let first = sign(&stuck, &dev).unwrap();
    anvil.call("eth_sendRawTransaction", json!([format!("0x{}", alloy::primitives::hex::encode(&first.raw))])).unwrap();

    // The speed-up: same nonce, both fees raised by at least the node's replacement bump.
    let faster = speed_up(&stuck, REPLACEMENT_BUMP_PERCENT, Some(FeeMode::Fast.fees(1_000_000_000, 1_000_000_000).unwrap())).unwrap();
    assert_eq!(faster.nonce, stuck.nonce);
    assert!(faster.max_priority_fee_per_gas * 100 >= stuck.max_priority_fee_per_gas * 110);
    let second = sign(&faster, &dev).unwrap();
    anvil.call("eth_sendRawTransaction", json!([format!("0x{}", alloy::primitives::hex::encode(&second.raw))])).unwrap();
    anvil.call("evm_mine", json!([])).unwrap();

    let receipt = anvil.call("eth_getTransactionReceipt", json!([second.hash])).unwrap();
    assert_eq!(receipt["status"], "0x1", "the speed-up is mined");
    assert!(anvil.call("eth_getTransactionReceipt", json!([first.hash])).unwrap().is_null(), "the stuck original never is");
    assert_eq!(anvil.token_balance(token, partner), U256::from(1_000_000u64), "paid exactly once");
}
