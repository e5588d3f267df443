//! Air-gapped signing (issue 10): a desk that follows no ledger signs a chunk through the
//! same flow (policy, quorum of approval files, review, never twice locally); its signed
//! document (`clubgate sign --json`) is then imported on a desk that follows the ledger,
//! which checks the signed bytes against the bundle and the policy and records the chunk's
//! `signature` command on the ledger — a second signature of the chunk, from anywhere, is
//! refused there.

use alloy::primitives::{hex, Address, B256};
use clubgate_chain::approval::{recover, PayoutBundle};
use clubgate_chain::{erc20, trc20};
use clubgate_core::payout::{Destination, EthAddress, TronAddress};
use clubgate_core::plan::Network;
use clubgate_core::treasury::{network_id, Token};
use serde_json::Value;

use crate::bundle::check_batching;
use crate::error::{Error, Result};
use crate::flow::{check_policy, signature_claim, LedgerClaim, Policy, SignatureFacts};

fn refuse(message: String) -> Error {
    Error::Review { code: "review_mismatch", message }
}

fn field<'a>(document: &'a Value, name: &str) -> Result<&'a str> {
    document[name].as_str().ok_or_else(|| Error::Refused(format!("the signed document has no {name:?} text")))
}

/// Checks an air-gapped signed chunk against its bundle under the policy in force, and
/// answers the chunk's `signature` command for the ledger, signed by `signer_name`.
pub fn import_claim(policy: Policy<'_>, bundle: &PayoutBundle, document: &Value, signer_name: &str) -> Result<LedgerClaim> {
    let (network, _) = check_policy(policy, bundle)?;
    check_batching(&policy.launch.plan, bundle)?;
    let chunk = document["chunk"]
        .as_u64()
        .and_then(|c| u32::try_from(c).ok())
        .ok_or_else(|| Error::Refused("the signed document has no chunk number".to_owned()))?;
    if document["bundle_id"].as_str() != Some(bundle.bundleId.as_str()) {
        return Err(Error::Refused(format!("the signed document is of bundle {}, not {}", document["bundle_id"], bundle.bundleId)));
    }
    let amount = usize::try_from(chunk)
        .ok()
        .and_then(|i| bundle.chunks.get(i))
        .copied()
        .ok_or_else(|| Error::Refused(format!("chunk {chunk} is not in bundle {}", bundle.bundleId)))?;
    let token = Token::parse(&bundle.token)?;
    let contract = policy.treasury.token_contract(network, token)?;
    let source = Destination::parse(network, &bundle.source)?;
    let destination = Destination::parse(network, &bundle.destination)?;
    let differs = |what: &str, signed: String, bundle: String| {
        refuse(format!("the signed chunk {chunk} {what} {signed}, the bundle {bundle}; it is not this bundle's chunk"))
    };
    let (signing_hash, nonce, expires_at_ms): (B256, Option<u64>, Option<i64>) = match network {
        Network::Erc20 => {
            let raw = hex::decode(field(document, "raw")?).map_err(|_| Error::Refused("the signed \"raw\" is not hex".to_owned()))?;
            let decoded = erc20::decode(&raw)?;
            let from = decoded.from.ok_or_else(|| refuse("the ERC-20 bytes are not signed".to_owned()))?;
            let pairs = [
                ("is from", Destination::Eth(EthAddress::from_address(from)), source),
                ("pays to", Destination::Eth(EthAddress::from_address(decoded.to)), destination),
                ("calls the token", Destination::Eth(EthAddress::from_address(decoded.token)), contract),
            ];
            for (what, signed, expected) in pairs {
                if signed != expected {
                    return Err(differs(what, signed.to_string(), expected.to_string()));
                }
            }
            if decoded.amount != amount || decoded.chain_id != policy.treasury.erc20.chain_id {
                return Err(differs(
                    "moves",
                    format!("{} on chain {}", decoded.amount, decoded.chain_id),
                    format!("{amount} on chain {}", policy.treasury.erc20.chain_id),
                ));
            }
            let transfer = erc20::Transfer {
                chain_id: decoded.chain_id,
                token: decoded.token,
                to: decoded.to,
                amount: u128::try_from(decoded.amount).map_err(|_| refuse("the amount overflows".to_owned()))?,
                nonce: decoded.nonce,
                gas_limit: decoded.gas_limit,
                max_fee_per_gas: decoded.max_fee_per_gas,
                max_priority_fee_per_gas: decoded.max_priority_fee_per_gas,
            };
            (transfer.unsigned_bytes()?.1, Some(decoded.nonce), None)
        }
        Network::Trc20 => {
            let raw = hex::decode(field(document, "raw_data_hex")?)
                .map_err(|_| Error::Refused("the signed \"raw_data_hex\" is not hex".to_owned()))?;
            let decoded = trc20::decode(&raw)?;
            let signature =
                hex::decode(field(document, "signature")?).map_err(|_| Error::Refused("the signed \"signature\" is not hex".to_owned()))?;
            let signer: Address = recover(&decoded.txid, &signature).map_err(|e| refuse(format!("the TRC-20 signature: {e}")))?;
            let pairs = [
                ("is signed by", Destination::Tron(TronAddress::from_account(signer)), source),
                ("is from", Destination::Tron(decoded.owner), source),
                ("pays to", Destination::Tron(decoded.to), destination),
                ("calls the token", Destination::Tron(decoded.token), contract),
            ];
            for (what, signed, expected) in pairs {
                if signed != expected {
                    return Err(differs(what, signed.to_string(), expected.to_string()));
                }
            }
            if decoded.amount != amount {
                return Err(differs("moves", decoded.amount.to_string(), amount.to_string()));
            }
            (trc20::txid(&raw), None, Some(decoded.expiration_ms))
        }
    };
    Ok(signature_claim(&SignatureFacts {
        bundle_hash: &bundle.canonical_hash().to_string(),
        bundle_id: &bundle.bundleId,
        chunk,
        network: network_id(network),
        signing_hash: &signing_hash.to_string(),
        nonce,
        expires_at_ms,
        reason: None,
        signer_name,
        policy_hash: &policy.treasury.fingerprint,
        volume: None,
    }))
}
