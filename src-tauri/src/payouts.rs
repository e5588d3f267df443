//! The payout planner and the transaction decoder behind the Payouts page: the same core
//! rules and chain decoders the CLI uses, shown to the approver in words.

use clubgate_core::launch::Launch;
use clubgate_core::payout::{batch, cap_of, phase_headroom, Destination, TokenAmount};
use clubgate_core::plan::Network;
use clubgate_core::treasury::{network_id, TOKEN_DECIMALS};
use clubgate_ipc::{DecodedView, PayoutPlanRequest, PayoutPlanView};
use jiff::Timestamp;

use crate::error::{Error, Result};
use crate::queue::network_named;

fn refuse(message: impl Into<String>) -> Error {
    Error::Refused { message: message.into() }
}

/// Base units as decimal token text.
pub(crate) fn decimal(units: u128) -> String {
    TokenAmount::from_base_units(units).map_or_else(|| "0".to_owned(), |a| a.to_decimal(TOKEN_DECIMALS))
}

/// Why an amount is batched as it is, in words.
pub(crate) fn why_batched(amount: u128, network: Network, cap: u128, chunks: usize) -> String {
    let name = network_id(network).to_uppercase();
    if chunks == 1 {
        format!("{} is within the {name} per-tx cap of {}: one transaction", decimal(amount), decimal(cap))
    } else {
        format!(
            "{} is above the {name} per-tx cap of {}: {} transactions of the cap and one remainder, approved once as a bundle",
            decimal(amount),
            decimal(cap),
            chunks - 1
        )
    }
}

/// Plans a payout under the launch's plan at `now`.
pub(crate) fn plan(launch: &Launch, request: &PayoutPlanRequest, now: Timestamp) -> Result<PayoutPlanView> {
    let network = network_named(&request.network)?;
    let to = Destination::parse(network, &request.to).map_err(|e| refuse(e.to_string()))?;
    let amount = TokenAmount::parse_decimal(&request.amount, TOKEN_DECIMALS).map_err(|e| refuse(e.to_string()))?;
    let cap = cap_of(&launch.plan, network).map_err(|e| refuse(e.to_string()))?;
    let chunks = batch(amount, cap).map_err(|e| refuse(e.to_string()))?;
    let why = why_batched(amount.base_units(), network, cap.cap_base_units(), chunks.len());
    let (phase, headroom, fits) = if request.daily_target.trim().is_empty() {
        (None, None, None)
    } else {
        let target = TokenAmount::parse_decimal(&request.daily_target, TOKEN_DECIMALS)
            .map_err(|e| refuse(format!("daily target: {e}")))?
            .base_units();
        let signed = if request.signed_today.trim().is_empty() {
            0
        } else {
            TokenAmount::parse_decimal(&request.signed_today, TOKEN_DECIMALS)
                .map_err(|e| refuse(format!("signed today: {e}")))?
                .base_units()
        };
        let (phase, percent, _, left) =
            phase_headroom(&launch.plan, &launch.table, now, target, signed).map_err(|e| refuse(e.to_string()))?;
        (Some(format!("{phase} (≤{percent}% of the daily target)")), Some(decimal(left)), Some(amount.base_units() <= left))
    };
    Ok(PayoutPlanView {
        to: to.to_string(),
        amount: decimal(amount.base_units()),
        chunks: chunks.iter().map(|c| decimal(c.base_units())).collect(),
        cap: decimal(cap.cap_base_units()),
        why,
        phase,
        headroom,
        fits,
    })
}

/// Decodes raw transaction hex into labelled fields.
pub(crate) fn decode(hex: &str) -> Result<DecodedView> {
    let bytes = alloy::primitives::hex::decode(hex.trim()).map_err(|_| refuse("the transaction is not hex; paste it as 0x…"))?;
    let amount = |value: alloy::primitives::U256| -> String {
        u128::try_from(value).map_or_else(|_| value.to_string(), |units| format!("{} ({units} base units)", decimal(units)))
    };
    if bytes.first() == Some(&0x0a) {
        let d = clubgate_chain::trc20::decode(&bytes).map_err(|e| refuse(e.to_string()))?;
        let when = |ms: i64| Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string());
        let fields = vec![
            ("Network".to_owned(), "TRC-20 (Tron)".to_owned()),
            ("Token contract".to_owned(), d.token.to_string()),
            ("From (owner)".to_owned(), d.owner.to_string()),
            ("To".to_owned(), d.to.to_string()),
            ("Amount".to_owned(), amount(d.amount)),
            (
                "Reference block".to_owned(),
                format!("{} / {}", alloy::primitives::hex::encode(&d.ref_block_bytes), alloy::primitives::hex::encode(&d.ref_block_hash)),
            ),
            ("Timestamp".to_owned(), when(d.timestamp_ms)),
            ("Expires".to_owned(), when(d.expiration_ms)),
            ("Fee limit".to_owned(), format!("{} sun", d.fee_limit_sun)),
            ("txID".to_owned(), alloy::primitives::hex::encode(d.txid)),
        ];
        return Ok(DecodedView { network: "trc20".to_owned(), fields });
    }
    let d = clubgate_chain::erc20::decode(&bytes).map_err(|e| refuse(e.to_string()))?;
    let fields = vec![
        ("Network".to_owned(), format!("ERC-20 (chain id {})", d.chain_id)),
        ("Token contract".to_owned(), d.token.to_checksum(None)),
        ("From".to_owned(), d.from.map_or_else(|| "unsigned".to_owned(), |a| a.to_checksum(None))),
        ("To".to_owned(), d.to.to_checksum(None)),
        ("Amount".to_owned(), amount(d.amount)),
        ("Nonce".to_owned(), d.nonce.to_string()),
        ("Gas limit".to_owned(), d.gas_limit.to_string()),
        ("Max fee per gas".to_owned(), format!("{} wei", d.max_fee_per_gas)),
        ("Max priority fee".to_owned(), format!("{} wei", d.max_priority_fee_per_gas)),
        ("Hash".to_owned(), d.hash.map_or_else(|| "—".to_owned(), |h| h.to_string())),
    ];
    Ok(DecodedView { network: "erc20".to_owned(), fields })
}
