//! A local EVM for the tests: anvil (npm @foundry-rs/anvil, installed by `cargo xtask setup`
//! into tools/) on a free loopback port, plain JSON-RPC over HTTP/1.1, and the 6-decimal test
//! token compiled with solc-js. Shared by the chain and treasury tests (`#[path]`).

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alloy::consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy::eips::eip2718::Encodable2718;
use alloy::primitives::{Address, Bytes, TxKind, U256};
use alloy::sol_types::SolValue;
use clubgate_chain::signer::{DevKey, HashSigner, Profile, SignerSpec};
use serde_json::{json, Value};

/// anvil's chain id.
pub(crate) const CHAIN_ID: u64 = 31337;
/// anvil's funded development account 0 (public test key).
pub(crate) const DEV_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// anvil's funded development key, opened as an operator gives it: from a file that a
/// `dev:file:PATH` spec names.
pub(crate) fn dev_key() -> DevKey {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("anvil.key");
    std::fs::write(&path, format!("0x{DEV_KEY}\n")).unwrap();
    match SignerSpec::parse(&format!("dev:file:{}", path.display()), Profile::Dev).unwrap() {
        SignerSpec::Dev(path) => DevKey::from_file(&path, Profile::Dev).unwrap(),
        other => unreachable!("a dev:file: spec parses as a development key, not {other:?}"),
    }
}

pub(crate) fn tools() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tools")
}

pub(crate) struct Anvil {
    child: Child,
    port: u16,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Anvil {
    pub(crate) fn start() -> Self {
        Self::start_with(&[])
    }

    pub(crate) fn start_with(extra: &[&str]) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let binary = tools().join("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
        let child = Command::new(&binary)
            .args(["--port", &port.to_string(), "--host", "127.0.0.1", "--chain-id", &CHAIN_ID.to_string(), "--silent"])
            .args(extra)
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e} (cargo xtask setup installs it with npm ci in tools/)", binary.display()));
        let anvil = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while anvil.call("eth_chainId", json!([])).is_err() {
            assert!(Instant::now() < deadline, "anvil did not answer");
            std::thread::sleep(Duration::from_millis(100));
        }
        anvil
    }

    /// The node's URL.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// One JSON-RPC call over plain HTTP/1.1 on loopback.
    pub(crate) fn call(&self, method: &str, params: Value) -> Result<Value, String> {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params }).to_string();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(Duration::from_secs(20))).map_err(|e| e.to_string())?;
        write!(
            stream,
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .map_err(|e| e.to_string())?;
        let mut response = String::new();
        stream.read_to_string(&mut response).map_err(|e| e.to_string())?;
        let (_, payload) = response.split_once("\r\n\r\n").ok_or("no HTTP body")?;
        let value: Value = serde_json::from_str(payload.trim()).map_err(|e| format!("{e}: {payload}"))?;
        match value.get("error") {
            Some(error) => Err(error.to_string()),
            None => Ok(value["result"].clone()),
        }
    }

    pub(crate) fn send(&self, raw: &[u8]) -> Value {
        let hash =
            self.call("eth_sendRawTransaction", json!([format!("0x{}", alloy::primitives::hex::encode(raw))])).expect("accepted by anvil");
        // anvil mines at once, but under load the receipt can lag the answer: poll for it.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let receipt = self.call("eth_getTransactionReceipt", json!([hash])).expect("receipt call");
            if !receipt.is_null() {
                return receipt;
            }
            assert!(Instant::now() < deadline, "no receipt for {hash}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub(crate) fn token_balance(&self, token: Address, holder: Address) -> U256 {
        let data = [&[0x70u8, 0xa0, 0x82, 0x31][..], &holder.abi_encode()].concat();
        let result = self
            .call("eth_call", json!([{ "to": token, "data": format!("0x{}", alloy::primitives::hex::encode(data)) }, "latest"]))
            .unwrap();
        U256::from_str_radix(result.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
    }
}

/// Signs any EIP-1559 transaction with the development key (for set-up only).
pub(crate) fn dev_raw(key: &DevKey, tx: TxEip1559) -> Vec<u8> {
    let signature = key.sign_prehash(&tx.signature_hash()).unwrap();
    TxEnvelope::from(tx.into_signed(signature)).encoded_2718()
}

pub(crate) fn compile_token() -> Vec<u8> {
    let output = Command::new("node").arg(tools().join("compile-token.js")).output().expect("node runs solc-js");
    assert!(output.status.success(), "solc: {}", String::from_utf8_lossy(&output.stderr));
    alloy::primitives::hex::decode(String::from_utf8(output.stdout).unwrap().trim()).unwrap()
}

/// A set-up transaction from the dev account with fixed fees.
pub(crate) fn dev_tx(nonce: u64, to: TxKind, value: U256, input: Vec<u8>, gas_limit: u64) -> TxEip1559 {
    TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit,
        max_fee_per_gas: 2_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to,
        value,
        access_list: Default::default(),
        input: Bytes::from(input),
    }
}

/// Deploys the token with `supply` base units to the dev account (its transaction `nonce`).
pub(crate) fn deploy_token(anvil: &Anvil, dev: &DevKey, nonce: u64, supply: u64) -> Address {
    let creation = [compile_token(), U256::from(supply).abi_encode()].concat();
    let deployed = anvil.send(&dev_raw(dev, dev_tx(nonce, TxKind::Create, U256::ZERO, creation, 2_000_000)));
    assert_eq!(deployed["status"], "0x1", "{deployed}");
    deployed["contractAddress"].as_str().unwrap().parse().unwrap()
}
