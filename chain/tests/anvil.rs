//! Goal: an ERC-20 payout signed by a SoftHSM2 key is accepted by a real EVM (anvil): a
//! 6-decimal token compiled with solc-js is deployed, the HSM's hot wallet is funded, and
//! the payout the HSM signs lands with receipt status 1, the balances moved, and the sender
//! the HSM key's address.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alloy::consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy::eips::eip2718::Encodable2718;
use alloy::primitives::{address, Address, Bytes, TxKind, U256};
use alloy::sol_types::SolValue;
use clubgate_chain::erc20::{sign, Transfer};
use clubgate_chain::pkcs11::Pkcs11Signer;
use clubgate_chain::signer::{DevKey, HashSigner, Profile};
use serde_json::{json, Value};

const CHAIN_ID: u64 = 31337;
/// anvil's funded development account 0 (public test key).
const DEV_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

fn tools() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tools")
}

struct Anvil {
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
    fn start() -> Self {
        Self::start_with(&[])
    }

    fn start_with(extra: &[&str]) -> Self {
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

    /// One JSON-RPC call over plain HTTP/1.1 on loopback.
    fn call(&self, method: &str, params: Value) -> Result<Value, String> {
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

    fn send(&self, raw: &[u8]) -> Value {
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

    fn token_balance(&self, token: Address, holder: Address) -> U256 {
        let data = [&[0x70u8, 0xa0, 0x82, 0x31][..], &holder.abi_encode()].concat();
        let result = self
            .call("eth_call", json!([{ "to": token, "data": format!("0x{}", alloy::primitives::hex::encode(data)) }, "latest"]))
            .unwrap();
        U256::from_str_radix(result.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
    }
}

/// Signs any EIP-1559 transaction with the development key (for set-up only).
fn dev_raw(key: &DevKey, tx: TxEip1559) -> Vec<u8> {
    let signature = key.sign_prehash(&tx.signature_hash()).unwrap();
    TxEnvelope::from(tx.into_signed(signature)).encoded_2718()
}

fn compile_token() -> Vec<u8> {
    let output = Command::new("node").arg(tools().join("compile-token.js")).output().expect("node runs solc-js");
    assert!(output.status.success(), "solc: {}", String::from_utf8_lossy(&output.stderr));
    alloy::primitives::hex::decode(String::from_utf8(output.stdout).unwrap().trim()).unwrap()
}

#[test]
fn an_hsm_signed_erc20_payout_lands_on_anvil() {
    let dir = tempfile::tempdir().unwrap();
    let conf = common::token(dir.path(), "anvil", "hot-erc20");
    // The module reads SOFTHSM2_CONF when it loads; this is the only test in this binary.
    std::env::set_var("SOFTHSM2_CONF", &conf);
    let hsm = Pkcs11Signer::open(Path::new(common::MODULE), "anvil", "hot-erc20", "1234").unwrap();
    let anvil = Anvil::start();
    let dev = DevKey::new(DEV_KEY, Profile::Dev).unwrap();
    let fees = |nonce: u64, to: TxKind, value: U256, input: Vec<u8>, gas_limit: u64| TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit,
        max_fee_per_gas: 2_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to,
        value,
        access_list: Default::default(),
        input: Bytes::from(input),
    };

    // Deploy a 6-decimal token with 1,000,000 USDT-like units to the dev account.
    let supply = U256::from(1_000_000_000_000u64);
    let creation = [compile_token(), supply.abi_encode()].concat();
    let deployed = anvil.send(&dev_raw(&dev, fees(0, TxKind::Create, U256::ZERO, creation, 2_000_000)));
    assert_eq!(deployed["status"], "0x1", "{deployed}");
    let token: Address = deployed["contractAddress"].as_str().unwrap().parse().unwrap();

    // Fund the HSM's hot wallet: gas money, and 300,000 tokens with our own transfer builder.
    assert_eq!(
        anvil.send(&dev_raw(&dev, fees(1, TxKind::Call(hsm.address()), U256::from(10u128.pow(18)), Vec::new(), 21_000)))["status"],
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
    let dev = DevKey::new(DEV_KEY, Profile::Dev).unwrap();
    let create = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce: 0,
        gas_limit: 2_000_000,
        max_fee_per_gas: 2_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Create,
        value: U256::ZERO,
        access_list: Default::default(),
        input: Bytes::from([compile_token(), U256::from(1_000_000_000_000u64).abi_encode()].concat()),
    };
    let deployed = anvil.send(&dev_raw(&dev, create));
    let token: Address = deployed["contractAddress"].as_str().unwrap().parse().unwrap();

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
