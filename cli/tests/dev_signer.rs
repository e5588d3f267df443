//! Goal (issue 8, "one path to a signature" and "the development key"): `clubgate tx
//! build-erc20` / `build-trc20` sign with a development key only — a `pkcs11:` or `ledger:`
//! spec is refused (exit code 2) before anything is opened, since a treasury key signs only
//! through `clubgate sign`, `clubgate canary sign` and `clubgate approve`; the development key
//! is read from a file (`dev:file:PATH`), never from argv (`dev:<hex>` is refused), and never
//! signs for Ethereum mainnet.
//!
//! Refusals are asserted by exit code and the stable error code of `--json` (the chain
//! layer's codes); each is paired with the same command and a development key succeeding, so it
//! cannot come from a mistyped argument.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// anvil's funded development key (a public test key) and its address.
const DEV_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const DEV_ADDRESS: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

fn clubgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clubgate"))
        .args(args)
        .env_remove("CLUBGATE_DATA_DIR")
        // A PIN at hand must change nothing: the refusal comes before any PIN is looked for.
        .env("CLUBGATE_PKCS11_PIN", "1234")
        .output()
        .expect("run clubgate")
}

/// Runs a command (with `--json`) that must be refused as the operator's to fix: exit code 2,
/// nothing on stdout; returns the stable error code of the JSON error on stderr.
fn refused(args: &[&str]) -> String {
    assert!(args.contains(&"--json"), "error codes are written with --json: {args:?}");
    let output = clubgate(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(output.stdout.is_empty(), "a refusal prints nothing on stdout: {args:?}");
    assert!(!stderr.contains(&DEV_KEY[..16]), "the key is never repeated: {stderr}");
    let error: Value = serde_json::from_str(stderr.trim()).unwrap_or_else(|e| panic!("{e}: not one JSON error: {stderr}"));
    error["error"]["code"].as_str().unwrap_or_else(|| panic!("no error code: {stderr}")).to_owned()
}

fn signed(args: &[&str]) -> Value {
    let output = clubgate(args);
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

/// A `dev:file:` spec naming a file under `dir` that holds the development key.
fn key_file(dir: &Path) -> String {
    let path = dir.join("dev.key");
    std::fs::write(&path, format!("0x{DEV_KEY}\n")).unwrap();
    format!("dev:file:{}", path.display())
}

fn erc20<'a>(chain_id: &'a str, signer: &'a str) -> Vec<&'a str> {
    vec![
        "tx",
        "build-erc20",
        "--chain-id",
        chain_id,
        // Circle's test USDC on Sepolia.
        "--token",
        "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238",
        "--to",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "--amount",
        "1",
        "--nonce",
        "0",
        "--gas-limit",
        "65000",
        "--max-fee-per-gas-wei",
        "30000000000",
        "--max-priority-fee-per-gas-wei",
        "1000000000",
        "--signer",
        signer,
        "--profile",
        "dev",
        "--json",
    ]
}

fn trc20(token: &str, signer: &str) -> Vec<String> {
    [
        "tx",
        "build-trc20",
        "--token",
        token,
        "--to",
        "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8",
        "--amount",
        "1",
        "--ref-block-bytes",
        "2a5c",
        "--ref-block-hash",
        "6b2a8d3c4e5f6071",
        // 2030: never expired when the test runs.
        "--expiration",
        "1893456060000",
        "--timestamp",
        "1893456000000",
        "--fee-limit",
        "30000000",
        "--signer",
        signer,
        "--profile",
        "dev",
        "--json",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn args(owned: &[String]) -> Vec<&str> {
    owned.iter().map(String::as_str).collect()
}

/// USDT on Tron's Nile test network, and on Tron mainnet.
const NILE_USDT: &str = "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf";
const TRON_MAINNET_USDT: &str = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";

#[test]
fn issue_8_tx_build_erc20_refuses_treasury_keys_before_opening_them() {
    let dir = tempfile::tempdir().unwrap();
    let dev = key_file(dir.path());
    assert_eq!(signed(&erc20("11155111", &dev))["from"], DEV_ADDRESS, "the control: a development key signs");
    // No such token exists here: the refusal comes before any module, token or PIN.
    for spec in ["pkcs11:clubgate/hot-erc20", "ledger:m/44'/60'/0'/0/0"] {
        assert_eq!(refused(&erc20("11155111", spec)), "invalid_input", "{spec}");
        let production: Vec<&str> = erc20("11155111", spec).into_iter().filter(|a| !matches!(*a, "--profile" | "dev")).collect();
        assert_eq!(refused(&production), "invalid_input", "{spec} in the production profile");
    }
}

#[test]
fn issue_8_tx_build_trc20_refuses_treasury_keys_before_opening_them() {
    let dir = tempfile::tempdir().unwrap();
    let dev = key_file(dir.path());
    let built = signed(&args(&trc20(NILE_USDT, &dev)));
    assert_eq!(built["owner"], "TYBNgWfhGuNzdLtjKtxXTfskAhTbMcqbaG", "the control: a development key signs");
    for spec in ["pkcs11:clubgate/hot-trc20", "ledger:m/44'/195'/0'/0/0"] {
        assert_eq!(refused(&args(&trc20(NILE_USDT, spec))), "invalid_input", "{spec}");
    }
}

#[test]
fn issue_8_an_inline_dev_key_is_refused_and_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let dev = key_file(dir.path());
    assert!(signed(&erc20("11155111", &dev))["raw"].is_string());
    for inline in [format!("dev:{DEV_KEY}"), format!("dev:0x{DEV_KEY}")] {
        assert_eq!(refused(&erc20("11155111", &inline)), "dev_key_not_in_file");
        assert_eq!(refused(&args(&trc20(NILE_USDT, &inline))), "dev_key_not_in_file");
        // Other commands that open signers refuse it the same way.
        assert_eq!(refused(&["signer", "address", "--signer", &inline, "--profile", "dev", "--json"]), "dev_key_not_in_file");
    }
}

#[test]
fn issue_8_a_dev_file_key_signs_in_the_dev_profile_only() {
    let dir = tempfile::tempdir().unwrap();
    let dev = key_file(dir.path());
    let built = signed(&erc20("11155111", &dev));
    let decoded = signed(&["tx", "decode", built["raw"].as_str().unwrap(), "--json"]);
    assert_eq!((decoded["from"].as_str(), decoded["chain_id"].as_u64()), (Some(DEV_ADDRESS), Some(11_155_111)));
    let production: Vec<&str> = erc20("11155111", &dev).into_iter().filter(|a| !matches!(*a, "--profile" | "dev")).collect();
    assert_eq!(refused(&production), "dev_key_outside_dev_profile");
    let missing = format!("dev:file:{}", dir.path().join("missing.key").display());
    assert_eq!(refused(&erc20("11155111", &missing)), "dev_key_file_unreadable");
    let address = signed(&["signer", "address", "--signer", &dev, "--profile", "dev", "--json"]);
    assert_eq!(address["erc20"], DEV_ADDRESS);
}

#[test]
fn issue_8_the_dev_key_refuses_ethereum_mainnet_and_tron_mainnet_usdt() {
    let dir = tempfile::tempdir().unwrap();
    let dev = key_file(dir.path());
    assert!(signed(&erc20("11155111", &dev))["raw"].is_string(), "the control: Sepolia");
    assert_eq!(refused(&erc20("1", &dev)), "dev_key_on_mainnet", "chain id 1");
    assert!(signed(&args(&trc20(NILE_USDT, &dev)))["txid"].is_string(), "the control: a test token");
    assert_eq!(refused(&args(&trc20(TRON_MAINNET_USDT, &dev))), "dev_key_on_mainnet", "Tron mainnet USDT");
}
