//! The demo's Ethereum: anvil (npm @foundry-rs/anvil, installed by the setup into tools/)
//! on a free loopback port with the demo's chain id 31337, the 6-decimal test token deployed
//! by anvil's first account (so at the demo treasury file's token address), and the demo's
//! Ethereum wallets funded — the canary wallet under its thresholds, so the Wallets page
//! shows alerts read from the chain. The treasury file gets the node (`rpc_url`, the fee
//! ceiling, 2 confirmations, stuck after 60 s) before the ledger takes it as its policy.
//!
//! Plain JSON-RPC over HTTP/1.1 from anvil's unlocked development account: no key here.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// anvil's first development account (unlocked in anvil; it deploys the token).
const DEPLOYER: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
/// The demo treasury file's token address: the deployer's first contract.
const TOKEN: &str = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

/// anvil, stopped on drop.
pub(crate) struct DemoChain {
    child: Child,
    port: u16,
}

impl Drop for DemoChain {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One 32-byte ABI word of a number.
fn word(value: u128) -> String {
    format!("{value:064x}")
}

impl DemoChain {
    /// Starts anvil, deploys the token, funds the wallets of `treasury` and writes the node
    /// into it.
    pub(crate) fn start(treasury: &Path) -> Result<Self, String> {
        let tools = crate::root().join("tools");
        let binary = tools.join("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| format!("a free port: {e}"))?.port();
        let child = Command::new(&binary)
            .args(["--port", &port.to_string(), "--host", "127.0.0.1", "--chain-id", "31337", "--silent"])
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e} (the setup installs it with npm ci in tools/)", binary.display()))?;
        let chain = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while chain.call("eth_chainId", "[]").is_err() {
            if Instant::now() > deadline {
                return Err(format!("anvil did not answer on port {port}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let compiled = Command::new("node").arg(tools.join("compile-token.js")).output().map_err(|e| format!("node: {e}"))?;
        if !compiled.status.success() {
            return Err(format!("compiling the demo token: {}", String::from_utf8_lossy(&compiled.stderr)));
        }
        let bytecode = String::from_utf8_lossy(&compiled.stdout).trim().to_owned();
        chain.send(&format!(r#"{{"from":"{DEPLOYER}","data":"0x{bytecode}{}","gas":"0x1e8480"}}"#, word(100_000_000_000_000)))?;
        let text = std::fs::read_to_string(treasury).map_err(|e| format!("{}: {e}", treasury.display()))?;
        // The hot wallet well above its thresholds; the canary under both (alerts to see).
        for (wallet, eth_wei, usdt) in
            [("hot-erc20-1", 5 * 10u128.pow(18), 1_500_000_000_000u128), ("canary-erc20", 2 * 10u128.pow(17), 50_000_000_000)]
        {
            let address = wallet_address(&text, wallet)?;
            chain.call("anvil_setBalance", &format!(r#"["{address}","0x{eth_wei:x}"]"#))?;
            let to = address.trim_start_matches("0x").to_lowercase();
            chain.send(&format!(r#"{{"from":"{DEPLOYER}","to":"{TOKEN}","data":"0xa9059cbb{to:0>64}{}","gas":"0x30d40"}}"#, word(usdt)))?;
        }
        let node = format!(
            "[erc20]\n# The demo's anvil node (cargo xtask demo): nonces, fees, balances, broadcast.\nrpc_url = \"{}\"\nmax_fee_per_gas_wei = \"100000000000\"\nconfirmations = 2\nstuck_after_s = 60\n",
            chain.url()
        );
        std::fs::write(treasury, text.replacen("[erc20]\n", &node, 1)).map_err(|e| format!("{}: {e}", treasury.display()))?;
        Ok(chain)
    }

    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A transaction from the unlocked deployer, waited for until mined successfully.
    fn send(&self, transaction: &str) -> Result<(), String> {
        let hash = self.call("eth_sendTransaction", &format!("[{transaction}]"))?;
        let hash = hash.trim_matches('"');
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let receipt = self.call("eth_getTransactionReceipt", &format!(r#"["{hash}"]"#))?;
            if receipt.contains(r#""status":"0x1""#) {
                return Ok(());
            }
            if receipt.contains(r#""status":"0x0""#) || Instant::now() > deadline {
                return Err(format!("demo chain set-up transaction {hash} failed: {receipt}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// One JSON-RPC call; answers the `result` as JSON text.
    fn call(&self, method: &str, params: &str) -> Result<String, String> {
        let body = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{params}}}"#);
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
        if let Some((_, error)) = payload.split_once(r#""error":"#) {
            return Err(format!("{method}: {error}"));
        }
        let (_, result) = payload.split_once(r#""result":"#).ok_or_else(|| format!("{method}: no result in {payload}"))?;
        Ok(result.trim().trim_end_matches('}').to_owned())
    }
}

/// The `address` of the `[[wallets]]` entry with `id = "<wallet>"` in the demo treasury file.
fn wallet_address(text: &str, wallet: &str) -> Result<String, String> {
    let entry = text
        .split("[[wallets]]")
        .find(|block| block.contains(&format!("id = \"{wallet}\"")))
        .ok_or_else(|| format!("the demo treasury file has no wallet {wallet:?}"))?;
    entry
        .lines()
        .find_map(|line| line.trim().strip_prefix("address = \"").and_then(|rest| rest.strip_suffix('"')))
        .map(str::to_owned)
        .ok_or_else(|| format!("the demo wallet {wallet:?} has no address"))
}
