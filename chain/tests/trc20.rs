//! Goal: TRC-20 transfers are byte-identical to tronweb's offline build — `raw_data_hex`,
//! txID and signature for the same inputs and key — tronweb's ecRecover of a signature made
//! in a SoftHSM2 token gives the owner, the decoder reads the raw data back, and expired or
//! over-long transactions are refused.

mod common;
#[path = "support/dev_key.rs"]
mod dev_key;

use std::path::{Path, PathBuf};
use std::process::Command;

use alloy::primitives::{hex, U256};
use clubgate_chain::pkcs11::Pkcs11Signer;
use clubgate_chain::signer::{DevKey, HashSigner};
use clubgate_chain::trc20::{decode, sign, Transfer};
use clubgate_core::payout::TronAddress;
use serde_json::{json, Value};

const DEV_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// USDT on Tron's Nile test network: the development key never signs for a mainnet contract.
const TEST_TOKEN: &str = "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf";
/// 2030-01-01T00:00:00Z: far enough ahead that the fixed transactions never expire.
const T_MS: i64 = 1_893_456_000_000;

fn tools() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tools")
}

fn node(script: &str, input: &Value) -> String {
    let output = Command::new("node").arg(tools().join(script)).arg(input.to_string()).output().expect("node runs tronweb");
    assert!(output.status.success(), "{script}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

fn tron(address: &str) -> TronAddress {
    TronAddress::parse(address).unwrap()
}

fn owner_of(signer: &dyn HashSigner) -> TronAddress {
    TronAddress::from_account(signer.address())
}

fn check(key: &DevKey, to: &str, amount: u128, ref_block: (&str, &str), lifetime_ms: i64, fee_limit: i64) {
    let transfer = Transfer {
        owner: owner_of(key),
        token: tron(TEST_TOKEN),
        to: tron(to),
        amount,
        ref_block_bytes: hex::decode(ref_block.0).unwrap().try_into().unwrap(),
        ref_block_hash: hex::decode(ref_block.1).unwrap().try_into().unwrap(),
        expiration_ms: T_MS + lifetime_ms,
        timestamp_ms: T_MS,
        fee_limit_sun: fee_limit,
    };
    let ours = sign(&transfer, key, T_MS).unwrap();
    let theirs: Value = serde_json::from_str(&node(
        "tron-build.js",
        &json!({
            "privateKey": DEV_KEY, "token": TEST_TOKEN, "to": to, "amount": amount.to_string(),
            "refBlockBytes": ref_block.0, "refBlockHash": ref_block.1, "expiration": T_MS + lifetime_ms, "timestamp": T_MS, "feeLimit": fee_limit,
        }),
    ))
    .unwrap();
    assert_eq!(hex::encode(&ours.raw_data), theirs["raw_data_hex"].as_str().unwrap(), "raw_data_hex");
    assert_eq!(hex::encode(ours.txid), theirs["txID"].as_str().unwrap(), "txID");
    assert_eq!(hex::encode(ours.signature), theirs["signature"].as_str().unwrap().to_lowercase(), "signature");
    assert_eq!(transfer.owner.to_string(), theirs["owner"].as_str().unwrap());
    let decoded = decode(&ours.raw_data).unwrap();
    assert_eq!((decoded.owner, decoded.to, decoded.token), (transfer.owner, transfer.to, transfer.token));
    assert_eq!((decoded.amount, decoded.expiration_ms, decoded.fee_limit_sun), (U256::from(amount), T_MS + lifetime_ms, fee_limit));
    assert_eq!(decoded.txid, ours.txid);
}

#[test]
fn trc20_bytes_are_identical_to_tronwebs_offline_build() {
    let key = dev_key::from_file(DEV_KEY);
    check(&key, "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8", 200_000_000_000, ("2a5c", "6b2a8d3c4e5f6071"), 60_000, 30_000_000);
    check(&key, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", 1, ("0001", "0000000000000001"), 24 * 3_600_000, 1);
    check(&key, "TYBNgWfhGuNzdLtjKtxXTfskAhTbMcqbaG", 123_456_789, ("ffff", "ffffffffffffffff"), 90_000, 100_000_000);
}

#[test]
fn tronweb_recovers_the_owner_of_an_hsm_signature() {
    let dir = tempfile::tempdir().unwrap();
    let conf = common::token(dir.path(), "tron", "hot-trc20");
    // The module reads SOFTHSM2_CONF when it loads; this is the only HSM test in this binary.
    std::env::set_var("SOFTHSM2_CONF", &conf);
    let hsm = Pkcs11Signer::open(Path::new(common::MODULE), "tron", "hot-trc20", "1234").unwrap();
    let transfer = Transfer {
        owner: owner_of(&hsm),
        token: tron("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
        to: tron("TJRabPrwbZy45sbavfcjinPJC18kjpRTv8"),
        amount: 200_000_000_000,
        ref_block_bytes: [0x2a, 0x5c],
        ref_block_hash: [1, 2, 3, 4, 5, 6, 7, 8],
        expiration_ms: T_MS + 60_000,
        timestamp_ms: T_MS,
        fee_limit_sun: 30_000_000,
    };
    for _ in 0..4 {
        let signed = sign(&transfer, &hsm, T_MS).unwrap();
        let recovered = node("tron-recover.js", &json!({ "txID": hex::encode(signed.txid), "signature": hex::encode(signed.signature) }));
        assert_eq!(recovered, transfer.owner.to_string());
    }
}

#[test]
fn expired_and_malformed_transfers_are_refused() {
    let key = dev_key::from_file(DEV_KEY);
    let transfer = Transfer {
        owner: owner_of(&key),
        token: tron(TEST_TOKEN),
        to: tron("TJRabPrwbZy45sbavfcjinPJC18kjpRTv8"),
        amount: 5,
        ref_block_bytes: [0, 1],
        ref_block_hash: [0; 8],
        expiration_ms: T_MS + 60_000,
        timestamp_ms: T_MS,
        fee_limit_sun: 10,
    };
    let expired = sign(&transfer, &key, T_MS + 60_000).expect_err("expired at its expiration");
    assert!(expired.to_string().contains("has passed"), "{expired}");
    let too_long = Transfer { expiration_ms: T_MS + 24 * 3_600_000 + 1, ..transfer };
    assert!(sign(&too_long, &key, T_MS).unwrap_err().to_string().contains("at most 24 h"));
    let foreign_owner =
        Transfer { owner: tron("TYBNgWfhGuNzdLtjKtxXTfskAhTbMcqbaG").max(tron("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")), ..transfer };
    if foreign_owner.owner != transfer.owner {
        assert!(sign(&foreign_owner, &key, T_MS).unwrap_err().to_string().contains("not the owner"));
    }
    assert!(decode(&[0x0a, 0x01]).is_err());
}
