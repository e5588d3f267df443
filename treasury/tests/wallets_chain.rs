//! Wallet balances read from the chain (issue 12 point 3): the demo treasury's Ethereum
//! wallets read from a real anvil node (the test token deployed at the demo file's address,
//! the hot wallet funded below its thresholds), its Tron wallets from `FakeTronNode` — a
//! TEST DOUBLE of a Tron node's documented HTTP API, since no Tron node runs on this machine
//! — and judged by the core's threshold rules: the top-ups are exact; a wallet the node
//! reports empty is below with the whole threshold to top up; a node that does not answer
//! reads nothing (never a balance of 0) and says why.

#[path = "../../chain/tests/support/anvil.rs"]
mod anvil_support;
#[path = "../../chain/tests/support/fake_tron_node.rs"]
mod fake_tron_node;

use alloy::primitives::{Address, TxKind, U256};
use anvil_support::{deploy_token, dev_key, dev_raw, dev_tx, Anvil, CHAIN_ID};
use clubgate_chain::erc20::{sign, Transfer};
use clubgate_core::events::WalletAsset;
use clubgate_core::treasury::Treasury;
use clubgate_core::wallets::{status_of, Origin, Shortfall, WalletStatus};
use clubgate_treasury::demo::{softhsm_demo, DEMO_ERC20_USDT};
use clubgate_treasury::wallets::read_from_chain;
use fake_tron_node::{block_json, FakeTronNode};
use jiff::Timestamp;
use serde_json::json;

const TRON_USDT: &str = "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf";

fn with_nodes(text: &str, rpc_url: &str, node_url: &str) -> Treasury {
    let text = text
        .replacen("[erc20]\n", &format!("[erc20]\nrpc_url = \"{rpc_url}\"\nmax_fee_per_gas_wei = \"100000000000\"\n"), 1)
        .replacen("[trc20]\n", &format!("[trc20]\nnode_url = \"{node_url}\"\n"), 1);
    Treasury::from_toml(&text).unwrap()
}

fn wallet<'a>(all: &'a [WalletStatus], id: &str) -> &'a WalletStatus {
    all.iter().find(|w| w.wallet == id).unwrap()
}

/// The `balanceOf` answer for an amount: one 32-byte word of hex.
fn word(amount: u128) -> String {
    format!("{amount:064x}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_wallet_is_read_from_its_network_and_judged_against_its_thresholds() {
    let dir = tempfile::tempdir().unwrap();
    let demo = softhsm_demo(dir.path(), "/usr/lib/softhsm/libsofthsm2.so").unwrap();
    let text = std::fs::read_to_string(&demo.treasury_file).unwrap();
    let plain = Treasury::from_toml(&text).unwrap();
    let address = |id: &str| plain.wallet(id).unwrap().address.to_string();

    // Ethereum: the token at the demo file's address; hot-erc20-1 holds 80,000 USDT (threshold
    // 100,000) and 0.2 ETH (gas buffer 0.5); the canary wallet holds nothing.
    let anvil = Anvil::start();
    let dev = dev_key();
    let token = deploy_token(&anvil, &dev, 0, 10_000_000_000_000);
    assert_eq!(token, DEMO_ERC20_USDT.parse::<Address>().unwrap());
    let hot: Address = address("hot-erc20-1").parse().unwrap();
    let eth = anvil.send(&dev_raw(&dev, dev_tx(1, TxKind::Call(hot), U256::from(200_000_000_000_000_000u128), Vec::new(), 21_000)));
    assert_eq!(eth["status"], "0x1");
    let usdt = Transfer {
        chain_id: CHAIN_ID,
        token,
        to: hot,
        amount: 80_000_000_000,
        nonce: 2,
        gas_limit: 80_000,
        max_fee_per_gas: 2_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
    };
    assert_eq!(anvil.send(&sign(&usdt, &dev).unwrap().raw)["status"], "0x1");

    // Tron (test double): hot-trc20-1 holds 150,000 USDT, 600 TRX and 100,000 energy left
    // (limit 180,000, used 80,000; buffer 130,000); the canary account is unknown to the node.
    let tron = FakeTronNode::start(block_json(70_000_001, &format!("{:064x}", 70_000_001u64), 1_780_000_000_000));
    let hot_trc = address("hot-trc20-1");
    let canary_trc = address("canary-trc20");
    tron.set_account(&hot_trc, json!({ "address": hot_trc, "balance": 600_000_000u64 }));
    tron.set_resources(&hot_trc, json!({ "freeNetLimit": 600, "EnergyLimit": 180_000u64, "EnergyUsed": 80_000u64 }));
    tron.set_constant(TRON_USDT, &hot_trc, FakeTronNode::constant_ok(&word(150_000_000_000)));
    tron.set_account(&canary_trc, json!({}));
    tron.set_resources(&canary_trc, json!({}));
    tron.set_constant(TRON_USDT, &canary_trc, FakeTronNode::constant_ok(&word(0)));

    let treasury = with_nodes(&text, &anvil.url(), tron.url());
    let read = read_from_chain(&treasury, Timestamp::now()).await;
    assert_eq!(read.notes.len(), 2, "{:?}", read.notes);
    assert!(read.notes[0].starts_with("erc20: 4 balances read from"), "{:?}", read.notes);
    assert!(read.notes[1].starts_with("trc20: 6 balances read from"), "{:?}", read.notes);
    assert!(read.readings.iter().all(|r| matches!(r.origin, Origin::Chain { .. })));

    let all = status_of(&treasury, &read.readings, Timestamp::now());
    let hot = wallet(&all, "hot-erc20-1");
    assert_eq!(hot.balance(WalletAsset::Usdt), Some(80_000_000_000));
    assert_eq!(hot.balance(WalletAsset::Eth), Some(200_000_000_000_000_000));
    assert_eq!(
        hot.below,
        [
            Shortfall { asset: WalletAsset::Usdt, balance: 80_000_000_000, threshold: 100_000_000_000, top_up: 20_000_000_000 },
            Shortfall {
                asset: WalletAsset::Eth,
                balance: 200_000_000_000_000_000,
                threshold: 500_000_000_000_000_000,
                top_up: 300_000_000_000_000_000
            },
        ]
    );
    // The canary wallet: the node says 0 of each — a real reading, below by the whole threshold.
    let canary = wallet(&all, "canary-erc20");
    assert_eq!(canary.balance(WalletAsset::Usdt), Some(0));
    assert_eq!(canary.below.iter().map(|s| s.top_up).collect::<Vec<_>>(), [100_000_000_000, 500_000_000_000_000_000]);

    let hot = wallet(&all, "hot-trc20-1");
    assert_eq!(hot.balance(WalletAsset::Trx), Some(600_000_000));
    assert_eq!(hot.balance(WalletAsset::Energy), Some(100_000));
    assert_eq!(hot.below, [Shortfall { asset: WalletAsset::Energy, balance: 100_000, threshold: 130_000, top_up: 30_000 }]);
    let canary = wallet(&all, "canary-trc20");
    assert_eq!(canary.balance(WalletAsset::Trx), Some(0), "an unknown account holds nothing");
    assert_eq!(canary.below.len(), 3, "{:?}", canary.below);
    // The double saw base58 addresses with visible=true for every wallet.
    assert_eq!(tron.received_on("/wallet/getaccount").len(), 2);

    // More USDT arrives: the next read follows the chain.
    let more = Transfer { amount: 20_000_000_000, nonce: 3, ..usdt };
    assert_eq!(anvil.send(&sign(&more, &dev).unwrap().raw)["status"], "0x1");
    let again = read_from_chain(&treasury, Timestamp::now()).await;
    let all = status_of(&treasury, &again.readings, Timestamp::now());
    assert_eq!(wallet(&all, "hot-erc20-1").balance(WalletAsset::Usdt), Some(100_000_000_000));
    assert_eq!(
        wallet(&all, "hot-erc20-1").below.iter().map(|s| s.asset).collect::<Vec<_>>(),
        [WalletAsset::Eth],
        "exactly at the threshold is not below"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_does_not_answer_reads_nothing_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let demo = softhsm_demo(dir.path(), "/usr/lib/softhsm/libsofthsm2.so").unwrap();
    let text = std::fs::read_to_string(&demo.treasury_file).unwrap();
    // A closed port for Ethereum; a Tron node whose balanceOf call fails for the hot wallet.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let tron = FakeTronNode::start(block_json(1, &format!("{:064x}", 1u64), 1_780_000_000_000));
    tron.set_raw("/wallet/triggerconstantcontract", 500, "internal error");
    let treasury = with_nodes(&text, &format!("http://127.0.0.1:{closed}"), tron.url());
    let read = read_from_chain(&treasury, Timestamp::now()).await;
    assert!(read.readings.is_empty(), "a failed read is no reading: {:?}", read.readings);
    assert_eq!(read.notes.len(), 2);
    assert!(
        read.notes[0].starts_with("erc20: nothing read from the chain") && read.notes[0].contains(&closed.to_string()),
        "{}",
        read.notes[0]
    );
    assert!(
        read.notes[1].starts_with("trc20: nothing read from the chain") && read.notes[1].contains("triggerconstantcontract"),
        "{}",
        read.notes[1]
    );
    // Without nodes the policy says so.
    let none = read_from_chain(&Treasury::from_toml(&text).unwrap(), Timestamp::now()).await;
    assert!(none.readings.is_empty());
    assert!(none.notes[0].contains("[erc20] rpc_url") && none.notes[1].contains("[trc20] node_url"), "{:?}", none.notes);
}
