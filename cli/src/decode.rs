//! What transaction bytes say, as the JSON document `tx decode` prints and `review` shows:
//! ERC-20 EIP-1559 bytes (signed or unsigned) or TRC-20 `raw_data`.

use alloy::primitives::{hex, U256};
use serde_json::{json, Value};

use crate::commands::{Error, Result};

fn integer(value: U256, what: &str) -> Result<Value> {
    u64::try_from(value).map(Value::from).map_err(|_| Error::Input(format!("{what} {value} does not fit a JSON integer")))
}

/// The decoded fields of `text` (hex, `0x` optional).
pub(crate) fn decoded_document(text: &str) -> Result<Value> {
    let bytes = hex::decode(text.trim()).map_err(|_| Error::Input(format!("{text:?} is not hex; pass the raw transaction as 0x…")))?;
    let chain = |e: clubgate_chain::Error| Error::Input(e.to_string());
    // EIP-1559 bytes start with 0x02; a Tron raw_data starts with field 1 (0x0a).
    if bytes.first() == Some(&0x0a) {
        let decoded = clubgate_chain::trc20::decode(&bytes).map_err(chain)?;
        return Ok(json!({
            "network": "trc20",
            "signed": false,
            "owner": decoded.owner.to_string(),
            "token": decoded.token.to_string(),
            "to": decoded.to.to_string(),
            "amount": integer(decoded.amount, "amount")?,
            "ref_block_bytes": hex::encode(&decoded.ref_block_bytes),
            "ref_block_hash": hex::encode(&decoded.ref_block_hash),
            "expiration": decoded.expiration_ms,
            "timestamp": decoded.timestamp_ms,
            "fee_limit": decoded.fee_limit_sun,
            "txid": hex::encode(decoded.txid),
        }));
    }
    let decoded = clubgate_chain::erc20::decode(&bytes).map_err(chain)?;
    Ok(json!({
        "network": "erc20",
        "signed": decoded.from.is_some(),
        "chain_id": decoded.chain_id,
        "nonce": decoded.nonce,
        "token": decoded.token.to_checksum(None),
        "to": decoded.to.to_checksum(None),
        "amount": integer(decoded.amount, "amount")?,
        "gas_limit": decoded.gas_limit,
        "max_fee_per_gas_wei": integer(U256::from(decoded.max_fee_per_gas), "max fee")?,
        "max_priority_fee_per_gas_wei": integer(U256::from(decoded.max_priority_fee_per_gas), "priority fee")?,
        "from": decoded.from.map(|a| a.to_checksum(None)),
        "hash": decoded.hash.map(|h| h.to_string()),
    }))
}
