//! Goal (issue 8, "the development key"): the development key is read from a file a
//! `dev:file:PATH` spec names, never from the spec itself; it never signs for Ethereum
//! mainnet (chain id 1) nor for a mainnet token contract of the registry, on either network;
//! and its errors name the file, never the key.

#[path = "support/dev_key.rs"]
mod dev_key;

use alloy::primitives::{address, Address};
use clubgate_chain::error::Error;
use clubgate_chain::signer::{DevKey, HashSigner, Profile, SignerSpec};
use clubgate_chain::{erc20, trc20};
use clubgate_core::payout::{Destination, TronAddress};
use clubgate_core::plan::Network;
use clubgate_core::treasury::{mainnet_contract, Token};

/// anvil's first well-known development key (public test key, no funds anywhere real).
const DEV_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// Sepolia's chain id, and Circle's test USDC there.
const SEPOLIA: u64 = 11_155_111;
const SEPOLIA_USDC: Address = address!("1c7D4B196Cb0C7B01d743Fbc6116a902379C7238");
/// USDT on Tron's Nile test network.
const NILE_USDT: &str = "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf";
/// 2030-01-01T00:00:00Z.
const T_MS: i64 = 1_893_456_000_000;

fn erc20_transfer(chain_id: u64, token: Address) -> erc20::Transfer {
    erc20::Transfer {
        chain_id,
        token,
        to: address!("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        amount: 1_000_000,
        nonce: 0,
        gas_limit: 65_000,
        max_fee_per_gas: 30_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
    }
}

fn trc20_transfer(key: &DevKey, token: TronAddress) -> trc20::Transfer {
    trc20::Transfer {
        owner: TronAddress::from_account(key.address()),
        token,
        to: TronAddress::parse("TJRabPrwbZy45sbavfcjinPJC18kjpRTv8").unwrap(),
        amount: 1_000_000,
        ref_block_bytes: [0x2a, 0x5c],
        ref_block_hash: [1, 2, 3, 4, 5, 6, 7, 8],
        expiration_ms: T_MS + 60_000,
        timestamp_ms: T_MS,
        fee_limit_sun: 30_000_000,
    }
}

fn eth_contract(token: Token) -> Address {
    match mainnet_contract(Network::Erc20, token) {
        Destination::Eth(address) => address.address(),
        Destination::Tron(_) => unreachable!("an ERC-20 contract is an Ethereum address"),
    }
}

fn tron_contract(token: Token) -> TronAddress {
    match mainnet_contract(Network::Trc20, token) {
        Destination::Tron(address) => address,
        Destination::Eth(_) => unreachable!("a TRC-20 contract is a Tron address"),
    }
}

fn refused_on_mainnet<T: std::fmt::Debug>(result: Result<T, Error>, case: &str) {
    assert!(matches!(result, Err(Error::DevKeyOnMainnet { .. })), "{case}: {result:?}");
}

/// A signer that is not the development key but signs with it: what the guard must not refuse.
struct NotDevelopment(DevKey);

impl HashSigner for NotDevelopment {
    fn sign_prehash(&self, hash: &alloy::primitives::B256) -> clubgate_chain::Result<alloy::primitives::Signature> {
        self.0.sign_prehash(hash)
    }

    fn address(&self) -> Address {
        self.0.address()
    }
}

#[test]
fn issue_8_the_dev_key_refuses_ethereum_mainnet_chain_id_1() {
    let key = dev_key::from_file(DEV_KEY);
    refused_on_mainnet(erc20::sign(&erc20_transfer(1, SEPOLIA_USDC), &key), "chain id 1, a test contract");
    assert!(erc20::sign(&erc20_transfer(SEPOLIA, SEPOLIA_USDC), &key).is_ok(), "Sepolia is a test network");
    // The refusal is the development key's: any other signer signs for mainnet.
    assert!(erc20::sign(&erc20_transfer(1, SEPOLIA_USDC), &NotDevelopment(dev_key::from_file(DEV_KEY))).is_ok());
}

#[test]
fn issue_8_the_dev_key_refuses_the_mainnet_usdt_and_usdc_contracts_on_both_networks() {
    let key = dev_key::from_file(DEV_KEY);
    for token in [Token::Usdt, Token::Usdc] {
        // Mainnet contracts on a test chain id (a fork of mainnet keeps the contract addresses).
        refused_on_mainnet(erc20::sign(&erc20_transfer(SEPOLIA, eth_contract(token)), &key), &format!("ERC-20 {token}"));
        refused_on_mainnet(trc20::sign(&trc20_transfer(&key, tron_contract(token)), &key, T_MS), &format!("TRC-20 {token}"));
    }
    let test_token = TronAddress::parse(NILE_USDT).unwrap();
    assert!(trc20::sign(&trc20_transfer(&key, test_token), &key, T_MS).is_ok(), "a test contract on Tron");
    let hsm_like = NotDevelopment(dev_key::from_file(DEV_KEY));
    assert!(trc20::sign(&trc20_transfer(&key, tron_contract(Token::Usdt)), &hsm_like, T_MS).is_ok());
}

#[test]
fn issue_8_an_inline_dev_key_is_refused_in_every_profile() {
    for profile in [Profile::Dev, Profile::Production] {
        for spec in [format!("dev:{DEV_KEY}"), format!("dev:0x{DEV_KEY}"), "dev:".to_owned()] {
            let error = SignerSpec::parse(&spec, profile).expect_err("an inline key is refused");
            assert!(matches!(error, Error::DevKeyNotInFile), "{spec}: {error:?}");
            assert!(!error.to_string().contains(&DEV_KEY[..16]), "the key is never repeated: {error}");
        }
    }
}

#[test]
fn issue_8_a_dev_file_spec_opens_the_key_in_its_file_and_errors_name_the_path_only() {
    let dir = tempfile::tempdir().unwrap();
    let address = address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    // 0x optional, surrounding whitespace ignored.
    for (name, contents) in [("plain", DEV_KEY.to_owned()), ("prefixed", format!("  0x{DEV_KEY}\r\n")), ("upper", format!("0X{DEV_KEY}\n"))]
    {
        let path = dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        let spec = SignerSpec::parse(&format!("dev:file:{}", path.display()), Profile::Dev).unwrap();
        assert_eq!(spec, SignerSpec::Dev(path.clone()));
        assert!(spec.is_development());
        let key = DevKey::from_file(&path, Profile::Dev).unwrap();
        assert_eq!(key.address(), address, "{name}");
    }

    let missing = dir.path().join("missing.key");
    let error = DevKey::from_file(&missing, Profile::Dev).expect_err("no file");
    assert!(matches!(&error, Error::DevKeyFileUnreadable { path, .. } if *path == missing), "{error:?}");
    assert!(error.to_string().contains(&missing.display().to_string()), "names the path: {error}");

    let secret_like = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff8"; // 63 digits
    for (name, contents) in [("short", secret_like.to_owned()), ("zero", "00".repeat(32)), ("words", format!("key = {DEV_KEY}"))] {
        let path = dir.path().join(name);
        std::fs::write(&path, &contents).unwrap();
        let error = DevKey::from_file(&path, Profile::Dev).expect_err(name);
        assert!(matches!(&error, Error::DevKeyFileInvalid { path: shown, .. } if *shown == path), "{name}: {error:?}");
        assert!(!error.to_string().contains(&contents[..16]) && !format!("{error:?}").contains(&contents[..16]), "{error}");
    }

    let empty_path = SignerSpec::parse("dev:file:", Profile::Dev).expect_err("a path is needed");
    assert!(matches!(empty_path, Error::Signer { .. }), "{empty_path:?}");
}
