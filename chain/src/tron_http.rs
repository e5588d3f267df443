//! A client of a Tron full node's documented HTTP API (`/wallet/*`, JSON over POST): the
//! reference block of a new transaction, TRX and TRC-20 balances, energy, broadcast of a
//! signed transaction and its receipt with confirmations.
//!
//! Addresses travel as base58 (`"visible": true`). Every answer is checked field by field:
//! a missing field that the node leaves out for a zero value (protobuf JSON) reads as 0, a
//! field of the wrong type, a negative or fractional amount, a block id that does not match
//! its height, or a `balanceOf` result above `u128` is refused — and every error names the
//! endpoint URL and the value.

use std::time::Duration;

use alloy::primitives::{B256, U256};
use clubgate_core::payout::TronAddress;
use serde_json::{json, Value};

use crate::trc20::{self, SignedTransfer};

/// How long one request may take before it is given up.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// Blocks after which a Tron transaction is solidified (irreversible): 19 of 27 witnesses.
pub const DEFAULT_CONFIRMATIONS: u64 = 19;

/// An error talking to a Tron node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeError {
    /// The node URL is not an `http://` or `https://` URL.
    #[error("Tron node URL {url:?}: {reason}")]
    Url {
        /// The URL as given.
        url: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The request did not get an answer (connection refused, timeout, …).
    #[error("Tron node {endpoint}: no answer: {reason}; check that the node is reachable")]
    Unreachable {
        /// The endpoint URL.
        endpoint: String,
        /// The transport's error.
        reason: String,
    },
    /// The node answered with an HTTP status other than 200.
    #[error("Tron node {endpoint}: HTTP {status}: {body}")]
    Status {
        /// The endpoint URL.
        endpoint: String,
        /// The status code.
        status: u16,
        /// The start of the answer's body.
        body: String,
    },
    /// The answer is not what the documented shape says.
    #[error("Tron node {endpoint}: {field} {value}: {reason}")]
    Answer {
        /// The endpoint URL.
        endpoint: String,
        /// The field (or `body`).
        field: &'static str,
        /// The value found (or `absent`).
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The node reported an error (`{"Error": …}` or a `result.code` with a message).
    #[error("Tron node {endpoint}: {code}: {message}")]
    Refused {
        /// The endpoint URL.
        endpoint: String,
        /// The node's code (`SIGERROR`, `TAPOS_ERROR`, `CONTRACT_VALIDATE_ERROR`, `Error`, …).
        code: String,
        /// The node's message, decoded from hex when it was hex.
        message: String,
    },
}

/// Result of this module.
pub type Result<T> = std::result::Result<T, NodeError>;

/// The head block and the reference block fields a transaction built on it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NowBlock {
    /// The block height.
    pub number: u64,
    /// The block id (its first 8 bytes are the height).
    pub id: B256,
    /// The block's timestamp (ms since the epoch).
    pub timestamp_ms: i64,
    /// Bytes 6..8 of the height as 8 big-endian bytes.
    pub ref_block_bytes: [u8; 2],
    /// Bytes 8..16 of the block id.
    pub ref_block_hash: [u8; 8],
}

/// The reference block fields of a transaction built on block `number` with id `id`
/// (java-tron's TaPoS rule): bytes 6..8 of the height as 8 big-endian bytes and bytes 8..16
/// of the block id.
pub fn reference_block(number: u64, id: &B256) -> ([u8; 2], [u8; 8]) {
    let height = number.to_be_bytes();
    let mut hash = [0u8; 8];
    hash.copy_from_slice(&id[8..16]);
    ([height[6], height[7]], hash)
}

/// An account's energy as the node reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Energy {
    /// `EnergyLimit` (0 when absent).
    pub limit: u64,
    /// `EnergyUsed` (0 when absent).
    pub used: u64,
}

impl Energy {
    /// What is left: `EnergyLimit − EnergyUsed`, 0 when more was used than the limit (the
    /// limit shrinks when TRX is unstaked while the use recovers over 24 h).
    pub fn available(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }
}

/// What a broadcast achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broadcast {
    /// The transaction id (ours: sha256 of the raw data; the node's answer must agree).
    pub txid: B256,
    /// The node already had it (`DUP_TRANSACTION_ERROR`): broadcasting it again is harmless.
    pub duplicate: bool,
}

/// How a transaction in a block executed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `receipt.result` is `SUCCESS`.
    Success,
    /// Anything else (`REVERT`, `OUT_OF_ENERGY`, a top-level `result` of `FAILED`, …).
    Failed {
        /// `receipt.result` (or the top-level `result`).
        result: String,
        /// `resMessage`, decoded from hex.
        message: Option<String>,
    },
}

/// Where a transaction is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxStatus {
    /// The node knows no receipt for it (not broadcast, still pending, or expired).
    NotFound,
    /// In block `block`.
    InBlock {
        /// The block height.
        block: u64,
        /// The block's timestamp (ms), when the node gives it.
        block_time_ms: Option<i64>,
        /// How it executed.
        outcome: Outcome,
    },
}

/// A transaction's status against the head block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// The receipt.
    pub status: TxStatus,
    /// The head block's height when it was asked.
    pub head: u64,
    /// `head − block + 1` for a transaction in a block (its own block counts), else 0.
    pub confirmations: u64,
    /// The number of confirmations required.
    pub required: u64,
    /// Executed successfully and at least `required` confirmations deep.
    pub confirmed: bool,
}

/// The serialized signed `protocol.Transaction` {raw_data = 1, signature = 2}: what
/// `wallet/broadcasthex` takes.
pub fn signed_transaction_bytes(signed: &SignedTransfer) -> Vec<u8> {
    trc20::transaction_bytes(&signed.raw_data, &signed.signature)
}

/// A Tron full node's HTTP API at one base URL.
#[derive(Debug, Clone)]
pub struct TronNode {
    base: String,
    http: reqwest::Client,
}

fn message_text(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    // java-tron sends messages as hex of their UTF-8 bytes unless `visible` is set.
    if !text.is_empty() && text.len() % 2 == 0 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        if let Ok(Ok(decoded)) = alloy::primitives::hex::decode(&text).map(String::from_utf8) {
            return decoded;
        }
    }
    text
}

fn shown(value: Option<&Value>) -> String {
    value.map_or_else(|| "absent".to_owned(), Value::to_string)
}

impl TronNode {
    /// A client of the node at `url` (`http://host:port` or `https://…`, no trailing path
    /// needed: `/wallet/…` is appended).
    pub fn new(url: &str) -> Result<Self> {
        let trimmed = url.trim().trim_end_matches('/');
        if !(trimmed.starts_with("http://") || trimmed.starts_with("https://")) {
            return Err(NodeError::Url { url: url.to_owned(), reason: "is not an http:// or https:// URL" });
        }
        if trimmed.len() <= "https://".len() || trimmed.ends_with("://") {
            return Err(NodeError::Url { url: url.to_owned(), reason: "has no host" });
        }
        let http = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().map_err(|e| NodeError::Url {
            url: url.to_owned(),
            reason: if e.is_builder() { "cannot build an HTTP client" } else { "unusable" },
        })?;
        Ok(Self { base: trimmed.to_owned(), http })
    }

    /// The base URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    fn endpoint(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    /// POSTs `body` to `path` and returns the JSON object answered; `{"Error": …}` is refused.
    async fn post(&self, path: &str, body: &Value) -> Result<(String, serde_json::Map<String, Value>)> {
        let endpoint = self.endpoint(path);
        let answer = self
            .http
            .post(&endpoint)
            .json(body)
            .send()
            .await
            .map_err(|e| NodeError::Unreachable { endpoint: endpoint.clone(), reason: e.to_string() })?;
        let status = answer.status();
        let text = answer.text().await.map_err(|e| NodeError::Unreachable { endpoint: endpoint.clone(), reason: e.to_string() })?;
        if status != reqwest::StatusCode::OK {
            return Err(NodeError::Status { endpoint, status: status.as_u16(), body: text.chars().take(300).collect() });
        }
        let value: Value = serde_json::from_str(&text).map_err(|e| NodeError::Answer {
            endpoint: endpoint.clone(),
            field: "body",
            value: text.chars().take(300).collect(),
            reason: format!("is not JSON: {e}"),
        })?;
        let Value::Object(object) = value else {
            return Err(NodeError::Answer {
                endpoint,
                field: "body",
                value: text.chars().take(300).collect(),
                reason: "is not a JSON object".into(),
            });
        };
        if let Some(error) = object.get("Error") {
            return Err(NodeError::Refused { endpoint, code: "Error".to_owned(), message: message_text(error) });
        }
        Ok((endpoint, object))
    }

    /// The head block (`wallet/getnowblock`) with the reference block derived from it.
    pub async fn now_block(&self) -> Result<NowBlock> {
        let (endpoint, answer) = self.post("wallet/getnowblock", &json!({ "visible": true })).await?;
        let id_text = answer.get("blockID").and_then(Value::as_str).ok_or_else(|| NodeError::Answer {
            endpoint: endpoint.clone(),
            field: "blockID",
            value: shown(answer.get("blockID")),
            reason: "must be the block id (64 hex digits)".into(),
        })?;
        let id: B256 = (id_text.len() == 64).then(|| id_text.parse().ok()).flatten().ok_or_else(|| NodeError::Answer {
            endpoint: endpoint.clone(),
            field: "blockID",
            value: id_text.to_owned(),
            reason: "is not 32 bytes of hex".into(),
        })?;
        let raw = answer.get("block_header").and_then(|h| h.get("raw_data"));
        let number = raw.and_then(|r| r.get("number"));
        // Block 0 (genesis) is the only block whose height protobuf JSON leaves out.
        let number = match number {
            None => 0,
            Some(n) => n.as_u64().ok_or_else(|| NodeError::Answer {
                endpoint: endpoint.clone(),
                field: "block_header.raw_data.number",
                value: n.to_string(),
                reason: "is not a block height (a non-negative integer)".into(),
            })?,
        };
        let timestamp = raw.and_then(|r| r.get("timestamp"));
        let timestamp_ms = timestamp.and_then(Value::as_i64).filter(|t| *t > 0).ok_or_else(|| NodeError::Answer {
            endpoint: endpoint.clone(),
            field: "block_header.raw_data.timestamp",
            value: shown(timestamp),
            reason: "must be the block's time in ms since the epoch".into(),
        })?;
        if id[..8] != number.to_be_bytes() {
            return Err(NodeError::Answer {
                endpoint,
                field: "blockID",
                value: id_text.to_owned(),
                reason: format!("does not start with the block height {number} (a Tron block id is the height ‖ 24 bytes of the hash)"),
            });
        }
        let (ref_block_bytes, ref_block_hash) = reference_block(number, &id);
        Ok(NowBlock { number, id, timestamp_ms, ref_block_bytes, ref_block_hash })
    }

    fn amount(endpoint: &str, answer: &serde_json::Map<String, Value>, field: &'static str) -> Result<u64> {
        match answer.get(field) {
            None => Ok(0),
            Some(value) => value.as_u64().ok_or_else(|| NodeError::Answer {
                endpoint: endpoint.to_owned(),
                field,
                value: value.to_string(),
                reason: "is not a non-negative integer".into(),
            }),
        }
    }

    /// The TRX balance of `address` in sun (`wallet/getaccount`); an account the chain does
    /// not know (`{}`) holds 0.
    pub async fn trx_balance(&self, address: &TronAddress) -> Result<u128> {
        let (endpoint, answer) = self.post("wallet/getaccount", &json!({ "address": address.to_string(), "visible": true })).await?;
        Ok(u128::from(Self::amount(&endpoint, &answer, "balance")?))
    }

    /// The energy of `address` (`wallet/getaccountresource`); absent fields are 0.
    pub async fn energy(&self, address: &TronAddress) -> Result<Energy> {
        let (endpoint, answer) =
            self.post("wallet/getaccountresource", &json!({ "address": address.to_string(), "visible": true })).await?;
        Ok(Energy { limit: Self::amount(&endpoint, &answer, "EnergyLimit")?, used: Self::amount(&endpoint, &answer, "EnergyUsed")? })
    }

    /// `balanceOf(owner)` of the TRC-20 token `token` in base units
    /// (`wallet/triggerconstantcontract`); a result above `u128` is refused.
    pub async fn trc20_balance(&self, token: &TronAddress, owner: &TronAddress) -> Result<u128> {
        let parameter = format!("{:0>64}", alloy::primitives::hex::encode(owner.account()));
        let (endpoint, answer) = self
            .post(
                "wallet/triggerconstantcontract",
                &json!({
                    "owner_address": owner.to_string(),
                    "contract_address": token.to_string(),
                    "function_selector": "balanceOf(address)",
                    "parameter": parameter,
                    "visible": true,
                }),
            )
            .await?;
        let result = answer.get("result");
        if result.and_then(|r| r.get("result")).and_then(Value::as_bool) != Some(true) {
            let code = result.and_then(|r| r.get("code")).map_or_else(|| "no result".to_owned(), message_text);
            let message = result.and_then(|r| r.get("message")).map(message_text).unwrap_or_default();
            return Err(NodeError::Refused {
                endpoint,
                code,
                message: format!("balanceOf({owner}) on {token}: {}", if message.is_empty() { "the call failed" } else { &message }),
            });
        }
        let failed = answer
            .get("transaction")
            .and_then(|t| t.get("ret"))
            .and_then(Value::as_array)
            .and_then(|r| r.first())
            .and_then(|r| r.get("contractRet").or_else(|| r.get("ret")))
            .and_then(Value::as_str)
            .filter(|ret| *ret != "SUCCESS");
        if let Some(ret) = failed {
            return Err(NodeError::Refused { endpoint, code: ret.to_owned(), message: format!("balanceOf({owner}) on {token} reverted") });
        }
        let first = answer.get("constant_result").and_then(Value::as_array).and_then(|r| r.first());
        let hex_text = first.and_then(Value::as_str).ok_or_else(|| NodeError::Answer {
            endpoint: endpoint.clone(),
            field: "constant_result",
            value: shown(answer.get("constant_result")),
            reason: format!("must hold the 32-byte result of balanceOf({owner}); is {token} a TRC-20 contract?"),
        })?;
        let bytes = alloy::primitives::hex::decode(hex_text).ok().filter(|b| b.len() == 32).ok_or_else(|| NodeError::Answer {
            endpoint: endpoint.clone(),
            field: "constant_result",
            value: hex_text.to_owned(),
            reason: "is not one 32-byte ABI word".into(),
        })?;
        let balance = U256::from_be_slice(&bytes);
        u128::try_from(balance).map_err(|_| NodeError::Answer {
            endpoint,
            field: "constant_result",
            value: balance.to_string(),
            reason: "overflows u128: refused rather than truncated".into(),
        })
    }

    /// Broadcasts a signed transaction (`wallet/broadcasthex`, the serialized signed
    /// `Transaction`). A refusal is [`NodeError::Refused`] with the node's code
    /// (`SIGERROR`, `TAPOS_ERROR`, `TRANSACTION_EXPIRATION_ERROR`, …) and message;
    /// `DUP_TRANSACTION_ERROR` is a success with `duplicate`.
    pub async fn broadcast(&self, signed: &SignedTransfer) -> Result<Broadcast> {
        let bytes = signed_transaction_bytes(signed);
        let txid = trc20::txid(&signed.raw_data);
        let (endpoint, answer) =
            self.post("wallet/broadcasthex", &json!({ "transaction": alloy::primitives::hex::encode(&bytes) })).await?;
        let code = answer.get("code").map(message_text).unwrap_or_default();
        let ok = answer.get("result").and_then(Value::as_bool) == Some(true);
        if !ok {
            if code == "DUP_TRANSACTION_ERROR" {
                return Ok(Broadcast { txid, duplicate: true });
            }
            let message = answer.get("message").map(message_text).unwrap_or_default();
            return Err(NodeError::Refused {
                endpoint,
                code: if code.is_empty() { "no result".to_owned() } else { code },
                message: format!(
                    "transaction {}: {}",
                    alloy::primitives::hex::encode(txid),
                    if message.is_empty() { "refused" } else { &message }
                ),
            });
        }
        if let Some(theirs) = answer.get("txid").and_then(Value::as_str) {
            if !theirs.eq_ignore_ascii_case(&alloy::primitives::hex::encode(txid)) {
                return Err(NodeError::Answer {
                    endpoint,
                    field: "txid",
                    value: theirs.to_owned(),
                    reason: format!("is not the transaction's id {} (sha256 of its raw data)", alloy::primitives::hex::encode(txid)),
                });
            }
        }
        Ok(Broadcast { txid, duplicate: false })
    }

    /// The receipt of `txid` (`wallet/gettransactioninfobyid`).
    pub async fn transaction_info(&self, txid: &B256) -> Result<TxStatus> {
        let id = alloy::primitives::hex::encode(txid);
        let (endpoint, answer) = self.post("wallet/gettransactioninfobyid", &json!({ "value": id, "visible": true })).await?;
        if answer.is_empty() {
            return Ok(TxStatus::NotFound);
        }
        if let Some(theirs) = answer.get("id") {
            if theirs.as_str().is_none_or(|t| !t.eq_ignore_ascii_case(&id)) {
                return Err(NodeError::Answer {
                    endpoint,
                    field: "id",
                    value: theirs.to_string(),
                    reason: format!("is not the transaction asked for ({id})"),
                });
            }
        }
        let block = answer.get("blockNumber").and_then(Value::as_u64).ok_or_else(|| NodeError::Answer {
            endpoint: endpoint.clone(),
            field: "blockNumber",
            value: shown(answer.get("blockNumber")),
            reason: format!("must be the height of the block holding {id}"),
        })?;
        let block_time_ms = answer.get("blockTimeStamp").and_then(Value::as_i64);
        let receipt = answer.get("receipt").and_then(|r| r.get("result")).and_then(Value::as_str);
        let top = answer.get("result").and_then(Value::as_str);
        let message = answer.get("resMessage").map(message_text).filter(|m| !m.is_empty());
        let outcome = match (receipt, top) {
            (_, Some("FAILED")) => Outcome::Failed { result: receipt.unwrap_or("FAILED").to_owned(), message },
            (Some("SUCCESS"), _) => Outcome::Success,
            (Some(other), _) => Outcome::Failed { result: other.to_owned(), message },
            (None, _) => {
                return Err(NodeError::Answer {
                    endpoint,
                    field: "receipt.result",
                    value: "absent".to_owned(),
                    reason: format!("a TRC-20 transfer's receipt must say how it executed ({id})"),
                })
            }
        };
        Ok(TxStatus::InBlock { block, block_time_ms, outcome })
    }

    /// The receipt of `txid` against the head block: confirmed once it succeeded and is
    /// `required` blocks deep (its own block counts as one).
    pub async fn confirmation(&self, txid: &B256, required: u64) -> Result<Confirmation> {
        let status = self.transaction_info(txid).await?;
        let head = self.now_block().await?.number;
        Ok(confirmation_of(status, head, required))
    }
}

/// The confirmations of a receipt at head `head`.
pub fn confirmation_of(status: TxStatus, head: u64, required: u64) -> Confirmation {
    let (confirmations, success) = match &status {
        TxStatus::NotFound => (0, false),
        TxStatus::InBlock { block, outcome, .. } => (if head >= *block { head - block + 1 } else { 0 }, *outcome == Outcome::Success),
    };
    Confirmation { status, head, confirmations, required, confirmed: success && confirmations >= required.max(1) }
}
