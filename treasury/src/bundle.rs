//! Payout bundles: made from a request under the treasury configuration and the plan, and
//! kept as a canonical JSON document whose `hash` field must match its fields.

use alloy::primitives::U256;
use clubgate_chain::approval::PayoutBundle;
use clubgate_core::payout::{batch, cap_of, Destination, TokenAmount};
use clubgate_core::plan::{Network, Plan};
use clubgate_core::treasury::{network_from_id, network_id, Token, Treasury, TOKEN_DECIMALS};
use serde_json::{json, Value};

use crate::error::{Error, Result};

/// A payout as an operator requests it. Its bundle id is generated ([`new_payout_id`]).
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The network.
    pub network: Network,
    /// The token.
    pub token: Token,
    /// The hot wallet that pays (an address of the network).
    pub source: &'a str,
    /// The destination.
    pub to: &'a str,
    /// Decimal token text.
    pub amount: &'a str,
    /// The guardrail policy version.
    pub policy_version: u32,
}

/// The prefix of generated payout bundle ids; canary payouts use `canary:` ids, so the two
/// never share a registry key.
pub const PAYOUT_ID_PREFIX: &str = "payout-";

/// A new payout bundle id: the prefix and 128 random bits in hex. Ids are never user text.
pub fn new_payout_id() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| Error::Refused(format!("the system random source failed: {e}")))?;
    Ok(format!("{PAYOUT_ID_PREFIX}{}", alloy::primitives::hex::encode(bytes)))
}

/// Whether `id` is a generated payout bundle id.
pub fn is_payout_id(id: &str) -> bool {
    id.strip_prefix(PAYOUT_ID_PREFIX)
        .is_some_and(|rest| rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

/// The network of a bundle's `network` field.
pub fn network_of(bundle: &PayoutBundle) -> Result<Network> {
    network_from_id(&bundle.network).ok_or_else(|| Error::Refused(format!("bundle network {:?} is not erc20 or trc20", bundle.network)))
}

/// Makes a bundle under the policy: a generated id, addresses parsed for the network, the
/// source a configured hot wallet, the destination on the allow-list, the token contract the
/// policy's, the amount batched under the plan's per-tx cap.
pub fn make(plan: &Plan, treasury: &Treasury, request: &Request<'_>) -> Result<PayoutBundle> {
    make_with_id(plan, treasury, request, new_payout_id()?)
}

/// [`make`] under a given payout id of the generated shape ([`is_payout_id`]): an EOD
/// settlement transfer's id is derived from its session, network and token
/// (`clubgate_core::settlement::payout_id`), so every desk makes the same one. Every other
/// rule is [`make`]'s.
pub fn make_with_id(plan: &Plan, treasury: &Treasury, request: &Request<'_>, id: String) -> Result<PayoutBundle> {
    if !is_payout_id(&id) {
        return Err(Error::Refused(format!("payout id {id:?} is not {PAYOUT_ID_PREFIX} and 32 lowercase hex digits")));
    }
    let source = Destination::parse(request.network, request.source)?;
    let destination = Destination::parse(request.network, request.to)?;
    treasury.hot_wallet_at(&source).map_err(|e| Error::Policy { code: "source_wallet", message: e.to_string() })?;
    treasury.allow_list.check(destination)?;
    let contract = treasury.token_contract(request.network, request.token)?;
    let amount = TokenAmount::parse_decimal(request.amount, TOKEN_DECIMALS)?;
    let chunks = batch(amount, cap_of(plan, request.network)?)?;
    Ok(PayoutBundle {
        bundleId: id,
        network: network_id(request.network).to_owned(),
        token: request.token.symbol().to_owned(),
        tokenContract: contract.to_string(),
        source: source.to_string(),
        destination: destination.to_string(),
        amount: U256::from(amount.base_units()),
        chunks: chunks.iter().map(|c| U256::from(c.base_units())).collect(),
        policyVersion: request.policy_version,
    })
}

/// Refuses a bundle whose chunks are not exactly the plan's batching of its amount: no
/// chunk can exceed the per-tx cap, whoever made the bundle.
pub fn check_batching(plan: &Plan, bundle: &PayoutBundle) -> Result<Network> {
    let network = network_of(bundle)?;
    let amount = u128::try_from(bundle.amount)
        .ok()
        .and_then(TokenAmount::from_base_units)
        .ok_or_else(|| Error::Refused(format!("bundle {}: the amount is zero or too large", bundle.bundleId)))?;
    let expected: Vec<U256> = batch(amount, cap_of(plan, network)?)?.iter().map(|c| U256::from(c.base_units())).collect();
    if expected != bundle.chunks {
        return Err(Error::Policy {
            code: "batching",
            message: format!("bundle {} is not batched under the plan's per-tx cap; make it again from the request", bundle.bundleId),
        });
    }
    Ok(network)
}

fn integer(value: U256) -> Value {
    // Base units of a bounded bundle fit u64 (64 chunks × a cap of 10^15 at most).
    u64::try_from(value).map_or_else(|_| Value::String(value.to_string()), Value::from)
}

/// The canonical JSON document of a bundle (base-unit integers, with its hash).
pub fn to_document(bundle: &PayoutBundle) -> Value {
    json!({
        "bundle_id": bundle.bundleId,
        "network": bundle.network,
        "token": bundle.token,
        "token_contract": bundle.tokenContract,
        "source": bundle.source,
        "destination": bundle.destination,
        "amount": integer(bundle.amount),
        "chunks": bundle.chunks.iter().map(|c| integer(*c)).collect::<Vec<_>>(),
        "policy_version": bundle.policyVersion,
        "hash": bundle.canonical_hash().to_string(),
    })
}

/// A bundle from its document; refused when a field is missing or the hash does not match
/// the fields (the bundle was changed after it was made). `origin` names it in errors.
pub fn from_document(value: &Value, origin: &str) -> Result<PayoutBundle> {
    let refuse = |field: &str| Error::Refused(format!("{origin}: field {field:?} is missing or malformed"));
    let text = |field: &str| value[field].as_str().map(str::to_owned).ok_or_else(|| refuse(field));
    let units = |v: &Value| match v {
        Value::Number(n) => n.as_u64().map(U256::from),
        Value::String(s) => s.parse::<U256>().ok(),
        _ => None,
    };
    let bundle = PayoutBundle {
        bundleId: text("bundle_id")?,
        network: text("network")?,
        token: text("token")?,
        tokenContract: text("token_contract")?,
        source: text("source")?,
        destination: text("destination")?,
        amount: units(&value["amount"]).ok_or_else(|| refuse("amount"))?,
        chunks: value["chunks"]
            .as_array()
            .ok_or_else(|| refuse("chunks"))?
            .iter()
            .map(|c| units(c).ok_or_else(|| refuse("chunks")))
            .collect::<Result<_>>()?,
        policyVersion: value["policy_version"].as_u64().and_then(|v| u32::try_from(v).ok()).ok_or_else(|| refuse("policy_version"))?,
    };
    if value["hash"].as_str() != Some(bundle.canonical_hash().to_string().as_str()) {
        return Err(Error::Refused(format!("{origin}: its hash does not match its fields; the bundle was changed after it was made")));
    }
    Ok(bundle)
}
