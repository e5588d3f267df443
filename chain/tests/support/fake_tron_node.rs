//! `FakeTronNode`: a TEST DOUBLE of a Tron full node's HTTP API. No Tron node runs on this
//! machine (java-tron needs a JVM, a network and gigabytes of chain data), so the client
//! `clubgate_chain::tron_http` is tested against this fixture server, which serves the
//! request and response shapes documented for java-tron's `/wallet/*` servlets
//! (developers.tron.network / tronprotocol documentation):
//!
//! - `wallet/getnowblock`, `wallet/getblock` → `{"blockID", "block_header": {"raw_data": {"number", "timestamp", …}}}`;
//! - `wallet/getaccount` {address, visible} → `{"address", "balance", …}`, `{}` for an unknown account;
//! - `wallet/getaccountresource` {address, visible} → `{"EnergyLimit", "EnergyUsed", …}` (zero fields left out), `{}` when unknown;
//! - `wallet/triggerconstantcontract` {owner_address, contract_address, function_selector, parameter, visible}
//!   → `{"result": {"result": true}, "constant_result": [hex], "transaction": {…}}` or `{"result": {"code", "message": hex}}`;
//! - `wallet/broadcasthex` {transaction: hex} → `{"result", "code", "message", "txid"}`;
//! - `wallet/gettransactioninfobyid` {value} → `{"id", "blockNumber", "blockTimeStamp", "receipt": {"result"}, …}`, `{}` when unknown;
//! - a malformed request → `{"Error": "…"}` (java-tron's `Util.processError`), an unknown path → 404.
//!
//! It checks what it receives — the method, the path, that the body is JSON, `visible: true`,
//! base58 addresses, the ABI parameter of `balanceOf`, hex transaction ids and transaction
//! bodies — answers a malformed request as the node would, and records every request for
//! the tests to inspect. It does not execute transactions: answers come from its state,
//! which each test sets.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use clubgate_core::payout::TronAddress;
use serde_json::{json, Value};

/// One request the double received.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Received {
    /// `POST`, `GET`, …
    pub(crate) method: String,
    /// The path (`/wallet/getnowblock`).
    pub(crate) path: String,
    /// The body parsed as JSON (`Value::Null` when empty or not JSON).
    pub(crate) body: Value,
    /// The body as sent.
    pub(crate) text: String,
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    block: Value,
    accounts: HashMap<String, Value>,
    resources: HashMap<String, Value>,
    /// (contract, owner) → the whole triggerconstantcontract answer.
    constant: HashMap<(String, String), Value>,
    broadcast: Option<Value>,
    infos: HashMap<String, Value>,
    /// path → (status, raw body): answers that replace the documented handler.
    raw: HashMap<String, (u16, String)>,
}

/// The test double (see the module docs). Dropping it leaves the listener thread parked on
/// its port until the test process exits.
pub(crate) struct FakeTronNode {
    url: String,
    state: Arc<Mutex<State>>,
}

/// The documented `getnowblock` / `getblock` answer for a block (the fields the client
/// reads, plus the header fields a real node also sends).
pub(crate) fn block_json(number: u64, id_hex: &str, timestamp_ms: i64) -> Value {
    json!({
        "blockID": id_hex,
        "block_header": {
            "raw_data": {
                "number": number,
                "txTrieRoot": "0000000000000000000000000000000000000000000000000000000000000000",
                "witness_address": "TLyqzVGLV1srkB7dToTAEqgDSfPtXRJZYH",
                "parentHash": "0000000000000000000000000000000000000000000000000000000000000000",
                "version": 31,
                "timestamp": timestamp_ms
            },
            "witness_signature": "00"
        }
    })
}

/// The hex of a text's UTF-8 bytes, as java-tron sends messages when `visible` is off.
pub(crate) fn hex_text(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

fn error(message: &str) -> (u16, Value) {
    (200, json!({ "Error": message }))
}

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The base58 address of `body[field]`, checked as the node checks it with visible=true.
fn address(body: &Value, field: &str) -> Result<TronAddress, (u16, Value)> {
    if body.get("visible") != Some(&Value::Bool(true)) {
        return Err(error(&format!("the test double expects visible=true with base58 addresses; got visible {:?}", body.get("visible"))));
    }
    let text = body.get(field).and_then(Value::as_str).ok_or_else(|| error(&format!("{field} is missing")))?;
    TronAddress::parse(text).map_err(|e| error(&format!("Invalid {field}: {e}")))
}

impl FakeTronNode {
    /// Starts the double on a free loopback port with head block `block`.
    pub(crate) fn start(block: Value) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State { block, ..State::default() }));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        Self { url, state }
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Every request received so far, in order.
    pub(crate) fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// The requests received on `path`.
    pub(crate) fn received_on(&self, path: &str) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.path == path).collect()
    }

    /// A new head block.
    pub(crate) fn set_block(&self, block: Value) {
        self.state.lock().unwrap().block = block;
    }

    /// The `getaccount` answer for `address`.
    pub(crate) fn set_account(&self, address: &str, answer: Value) {
        self.state.lock().unwrap().accounts.insert(address.to_owned(), answer);
    }

    /// The `getaccountresource` answer for `address`.
    pub(crate) fn set_resources(&self, address: &str, answer: Value) {
        self.state.lock().unwrap().resources.insert(address.to_owned(), answer);
    }

    /// The `triggerconstantcontract` answer of `balanceOf(owner)` on `contract`.
    pub(crate) fn set_constant(&self, contract: &str, owner: &str, answer: Value) {
        self.state.lock().unwrap().constant.insert((contract.to_owned(), owner.to_owned()), answer);
    }

    /// The `broadcasthex` answer.
    pub(crate) fn set_broadcast(&self, answer: Value) {
        self.state.lock().unwrap().broadcast = Some(answer);
    }

    /// The `gettransactioninfobyid` answer for a txid (lower-case hex).
    pub(crate) fn set_info(&self, txid: &str, answer: Value) {
        self.state.lock().unwrap().infos.insert(txid.to_lowercase(), answer);
    }

    /// Answers `path` with this status and raw body instead of the documented handler.
    pub(crate) fn set_raw(&self, path: &str, status: u16, body: &str) {
        self.state.lock().unwrap().raw.insert(path.to_owned(), (status, body.to_owned()));
    }

    /// The documented `balanceOf` success answer for a value (hex of one 32-byte word).
    pub(crate) fn constant_ok(word_hex: &str) -> Value {
        json!({
            "result": { "result": true },
            "energy_used": 935,
            "constant_result": [word_hex],
            "transaction": { "ret": [{}], "visible": true, "txID": "00", "raw_data": {} }
        })
    }
}

fn read_request(stream: &mut TcpStream) -> Option<(String, String, String)> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    Some((method, path, String::from_utf8_lossy(&body).into_owned()))
}

fn serve(mut stream: TcpStream, state: &Mutex<State>) {
    let Some((method, path, text)) = read_request(&mut stream) else { return };
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let (status, answer) = {
        let mut state = state.lock().unwrap();
        state.received.push(Received { method: method.clone(), path: path.clone(), body: body.clone(), text: text.clone() });
        match state.raw.get(&path) {
            Some((status, raw)) => (*status, raw.clone()),
            None => {
                let (status, value) = handle(&state, &method, &path, &body, &text);
                (status, value.to_string())
            }
        }
    };
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Error",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    );
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}

fn handle(state: &State, method: &str, path: &str, body: &Value, text: &str) -> (u16, Value) {
    if method != "POST" {
        return (405, json!({ "Error": format!("the test double serves POST only, got {method}") }));
    }
    if !text.is_empty() && !body.is_object() {
        return error(&format!("class com.alibaba.fastjson.JSONException : not a JSON object: {text}"));
    }
    match path {
        "/wallet/getnowblock" | "/wallet/getblock" => (200, state.block.clone()),
        "/wallet/getaccount" => match address(body, "address") {
            Ok(address) => (200, state.accounts.get(&address.to_string()).cloned().unwrap_or_else(|| json!({}))),
            Err(e) => e,
        },
        "/wallet/getaccountresource" => match address(body, "address") {
            Ok(address) => (200, state.resources.get(&address.to_string()).cloned().unwrap_or_else(|| json!({}))),
            Err(e) => e,
        },
        "/wallet/triggerconstantcontract" => {
            let (owner, contract) = match (address(body, "owner_address"), address(body, "contract_address")) {
                (Ok(o), Ok(c)) => (o, c),
                (Err(e), _) | (_, Err(e)) => return e,
            };
            if body.get("function_selector").and_then(Value::as_str) != Some("balanceOf(address)") {
                return error(&format!("the test double answers balanceOf(address) only, got {:?}", body.get("function_selector")));
            }
            let expected = format!("{}{}", "0".repeat(24), hex_text_of(&owner.account()));
            let parameter = body.get("parameter").and_then(Value::as_str).unwrap_or_default();
            if !parameter.eq_ignore_ascii_case(&expected) {
                return error(&format!("parameter {parameter:?} is not the ABI word of the owner's account {expected}"));
            }
            let answer = state.constant.get(&(contract.to_string(), owner.to_string())).cloned().unwrap_or_else(
                || json!({ "result": { "code": "CONTRACT_VALIDATE_ERROR", "message": hex_text("Smart contract is not exist.") } }),
            );
            (200, answer)
        }
        "/wallet/broadcasthex" => {
            let hex = body.get("transaction").and_then(Value::as_str).unwrap_or_default();
            if hex.is_empty() || hex.len() % 2 != 0 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return error(&format!("transaction {hex:?} is not hex"));
            }
            (200, state.broadcast.clone().unwrap_or_else(|| json!({ "result": true, "code": "SUCCESS", "message": "" })))
        }
        "/wallet/gettransactioninfobyid" => {
            let value = body.get("value").and_then(Value::as_str).unwrap_or_default();
            if !is_hex(value, 64) {
                return error(&format!("value {value:?} is not a 32-byte transaction id in hex"));
            }
            (200, state.infos.get(&value.to_lowercase()).cloned().unwrap_or_else(|| json!({})))
        }
        other => (404, json!({ "Error": format!("no servlet at {other}") })),
    }
}

fn hex_text_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
