//! The approval flow from the command line: `payout bundle` writes a bundle (batched under
//! the per-tx cap, with its EIP-712 hash), `approve` signs its hash with an approver's key,
//! `sign` checks the quorum, the batching, the source wallet and the phase volume cap,
//! reserves the chunk in the never-sign-twice registry, signs it and records it.

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, U256};
use clap::Args;
use clubgate_chain::approval::{approve, Approval, PayoutBundle, Quorum};
use clubgate_core::launch::Launch;
use clubgate_core::payout::{batch, cap_of, check_volume, Destination, TokenAmount, TronAddress};
use clubgate_core::plan::{Network, Plan};
use clubgate_store::ChunkRef;
use jiff::{Timestamp, ToSpan};
use serde_json::{json, Value};

use crate::commands::{name_plan_file, open_store, print_json, read_plan, Error, Result};
use crate::payout::{NetworkArg, TokenArg};
use crate::tx::{open_signer, ProfileArg};

#[derive(Args)]
pub(crate) struct BundleArgs {
    /// The bundle's id (unique per payout).
    #[arg(long)]
    bundle_id: String,
    /// erc20 or trc20.
    #[arg(long, value_enum)]
    network: NetworkArg,
    /// USDT or USDC.
    #[arg(long, value_enum)]
    token: TokenArg,
    /// The hot wallet that pays.
    #[arg(long)]
    source: String,
    /// The destination.
    #[arg(long)]
    to: String,
    /// Amount as decimal token text.
    #[arg(long, allow_hyphen_values = true)]
    amount: String,
    /// The guardrail policy version the approvers approve under.
    #[arg(long, default_value_t = 1)]
    policy_version: u32,
    /// A plan file (default: the embedded launch-plan-v1).
    #[arg(long)]
    plan: Option<PathBuf>,
    /// Where to write the bundle (JSON).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub(crate) struct ApproveArgs {
    /// The bundle file.
    #[arg(long)]
    bundle: PathBuf,
    /// The approver's key: pkcs11:<token>/<key> | dev:<hex> (dev profile).
    #[arg(long)]
    signer: String,
    /// production (default) or dev.
    #[arg(long, value_enum, default_value = "production")]
    profile: ProfileArg,
    /// Where to write the approval (JSON).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub(crate) struct SignArgs {
    /// The bundle file.
    #[arg(long)]
    bundle: PathBuf,
    /// Approval files (repeat the flag).
    #[arg(long = "approval")]
    approvals: Vec<PathBuf>,
    /// The registered approvers' addresses, comma-separated.
    #[arg(long, value_delimiter = ',')]
    approvers: Vec<String>,
    /// Approvals needed (M of the N registered).
    #[arg(long, default_value_t = 2)]
    threshold: usize,
    /// Which chunk to sign (0-based).
    #[arg(long)]
    chunk: u32,
    /// The hot wallet's key: pkcs11:<token>/<key> | dev:<hex> (dev profile).
    #[arg(long)]
    signer: String,
    /// production (default) or dev.
    #[arg(long, value_enum, default_value = "production")]
    profile: ProfileArg,
    /// The daily target volume (decimal token text) the phase cap is a share of.
    #[arg(long)]
    daily_target: String,
    /// T0 (default: the launch in the local store).
    #[arg(long)]
    t0: Option<String>,
    /// A plan file (default: the embedded launch-plan-v1).
    #[arg(long)]
    plan: Option<PathBuf>,
    /// The token contract (EIP-55 or base58check).
    #[arg(long)]
    token_contract: String,
    /// ERC-20: chain id.
    #[arg(long)]
    chain_id: Option<u64>,
    /// ERC-20: the wallet's pending nonce on chain, used only when the local store has never
    /// allocated a nonce for this wallet; after that, nonces come from the store, one per chunk.
    #[arg(long, default_value_t = 0)]
    pending_nonce: u64,
    /// ERC-20: gas limit.
    #[arg(long)]
    gas_limit: Option<u64>,
    /// ERC-20: max fee per gas (wei).
    #[arg(long)]
    max_fee_per_gas_wei: Option<u128>,
    /// ERC-20: max priority fee per gas (wei).
    #[arg(long)]
    max_priority_fee_per_gas_wei: Option<u128>,
    /// TRC-20: reference block bytes (hex).
    #[arg(long)]
    ref_block_bytes: Option<String>,
    /// TRC-20: reference block hash bytes (hex).
    #[arg(long)]
    ref_block_hash: Option<String>,
    /// TRC-20: expiration (ms).
    #[arg(long)]
    expiration: Option<i64>,
    /// TRC-20: timestamp (ms).
    #[arg(long)]
    timestamp: Option<i64>,
    /// TRC-20: fee limit (sun).
    #[arg(long)]
    fee_limit: Option<i64>,
    /// Sign a recorded replacement of an already signed chunk: `speed-up` (ERC-20: same
    /// nonce, both fees up by at least 10% and at least the given fees) or `expired`
    /// (TRC-20: the previous transaction's expiration has passed).
    #[arg(long)]
    replace: Option<String>,
}

fn network_name(network: Network) -> &'static str {
    match network {
        Network::Erc20 => "erc20",
        Network::Trc20 => "trc20",
    }
}

fn to_json(bundle: &PayoutBundle) -> Value {
    json!({
        "bundle_id": bundle.bundleId,
        "network": bundle.network,
        "token": bundle.token,
        "source": bundle.source,
        "destination": bundle.destination,
        "amount": bundle.amount.to_string().parse::<u64>().unwrap_or(u64::MAX),
        "chunks": bundle.chunks.iter().map(|c| c.to_string().parse::<u64>().unwrap_or(u64::MAX)).collect::<Vec<_>>(),
        "policy_version": bundle.policyVersion,
        "hash": bundle.canonical_hash().to_string(),
    })
}

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.display().to_string(), source })?;
    serde_json::from_str(&text).map_err(|e| Error::Input(format!("{}: not JSON: {e}", path.display())))
}

fn read_bundle(path: &Path) -> Result<PayoutBundle> {
    let value = read_json(path)?;
    let refuse = |field: &str| Error::Input(format!("{}: field {field:?} is missing or malformed", path.display()));
    let text = |field: &str| value[field].as_str().map(str::to_owned).ok_or_else(|| refuse(field));
    let bundle = PayoutBundle {
        bundleId: text("bundle_id")?,
        network: text("network")?,
        token: text("token")?,
        source: text("source")?,
        destination: text("destination")?,
        amount: U256::from(value["amount"].as_u64().ok_or_else(|| refuse("amount"))?),
        chunks: value["chunks"]
            .as_array()
            .ok_or_else(|| refuse("chunks"))?
            .iter()
            .map(|c| c.as_u64().map(U256::from).ok_or_else(|| refuse("chunks")))
            .collect::<Result<_>>()?,
        policyVersion: u32::try_from(value["policy_version"].as_u64().ok_or_else(|| refuse("policy_version"))?)
            .map_err(|_| refuse("policy_version"))?,
    };
    if value["hash"].as_str() != Some(bundle.canonical_hash().to_string().as_str()) {
        return Err(Error::Input(format!(
            "{}: its hash does not match its fields; the bundle was changed after it was made",
            path.display()
        )));
    }
    Ok(bundle)
}

fn plan_of(path: Option<&Path>) -> Result<Plan> {
    let (source, text) = read_plan(path)?;
    Plan::from_toml(&text).map_err(|error| name_plan_file(&source, error))
}

pub(crate) fn run_bundle(args: &BundleArgs, json_out: bool) -> Result<()> {
    let network = match args.network {
        NetworkArg::Erc20 => Network::Erc20,
        NetworkArg::Trc20 => Network::Trc20,
    };
    let input = |e: clubgate_core::payout::PayoutError| Error::Input(e.to_string());
    let plan = plan_of(args.plan.as_deref())?;
    let source = Destination::parse(network, &args.source).map_err(input)?;
    let destination = Destination::parse(network, &args.to).map_err(input)?;
    let amount = TokenAmount::parse_decimal(&args.amount, 6).map_err(input)?;
    let chunks = batch(amount, cap_of(&plan, network).map_err(input)?).map_err(input)?;
    let bundle = PayoutBundle {
        bundleId: args.bundle_id.clone(),
        network: network_name(network).to_owned(),
        token: if matches!(args.token, TokenArg::Usdt) { "USDT" } else { "USDC" }.to_owned(),
        source: source.to_string(),
        destination: destination.to_string(),
        amount: U256::from(amount.base_units()),
        chunks: chunks.iter().map(|c| U256::from(c.base_units())).collect(),
        policyVersion: args.policy_version,
    };
    let document = to_json(&bundle);
    std::fs::write(&args.out, serde_json::to_string_pretty(&document)?)
        .map_err(|source| Error::Read { path: args.out.display().to_string(), source })?;
    if json_out {
        return print_json(&document);
    }
    println!(
        "bundle {} → {}: {} chunk(s), hash {}",
        bundle.bundleId,
        args.out.display(),
        bundle.chunks.len(),
        document["hash"].as_str().unwrap_or_default()
    );
    Ok(())
}

pub(crate) fn run_approve(args: &ApproveArgs, json_out: bool) -> Result<()> {
    let bundle = read_bundle(&args.bundle)?;
    let signer = open_signer(&args.signer, args.profile)?;
    let approval = approve(&bundle, signer.as_ref()).map_err(|e| Error::Input(e.to_string()))?;
    let document = json!({
        "bundle_hash": bundle.canonical_hash().to_string(),
        "approver": approval.approver.to_checksum(None),
        "signature": format!("0x{}", alloy::primitives::hex::encode(&approval.signature)),
    });
    std::fs::write(&args.out, serde_json::to_string_pretty(&document)?)
        .map_err(|source| Error::Read { path: args.out.display().to_string(), source })?;
    if json_out {
        return print_json(&document);
    }
    println!(
        "{} approves bundle {}: {} {} base units from {} to {} in {} chunk(s), policy v{}",
        document["approver"].as_str().unwrap_or_default(),
        bundle.bundleId,
        bundle.token,
        bundle.amount,
        bundle.source,
        bundle.destination,
        bundle.chunks.len(),
        bundle.policyVersion
    );
    Ok(())
}

fn read_approval(path: &Path) -> Result<Approval> {
    let value = read_json(path)?;
    let approver: Address = value["approver"]
        .as_str()
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| Error::Input(format!("{}: no approver address", path.display())))?;
    let signature = value["signature"]
        .as_str()
        .and_then(|s| alloy::primitives::hex::decode(s).ok())
        .ok_or_else(|| Error::Input(format!("{}: no signature hex", path.display())))?;
    Ok(Approval { approver, signature })
}

pub(crate) async fn run_sign(args: &SignArgs, json_out: bool, db: Option<&Path>) -> Result<()> {
    let bundle = read_bundle(&args.bundle)?;
    let plan = plan_of(args.plan.as_deref())?;
    let network = match bundle.network.as_str() {
        "erc20" => Network::Erc20,
        "trc20" => Network::Trc20,
        other => return Err(Error::Input(format!("bundle network {other:?} is not erc20 or trc20"))),
    };
    // The chunks must be exactly the plan's batching of the amount: no cap is bypassed.
    let amount = u128::try_from(bundle.amount)
        .ok()
        .and_then(TokenAmount::from_base_units)
        .ok_or_else(|| Error::Input("the bundle amount is zero or too large".to_owned()))?;
    let expected: Vec<U256> = batch(amount, cap_of(&plan, network).map_err(|e| Error::Input(e.to_string()))?)
        .map_err(|e| Error::Input(e.to_string()))?
        .iter()
        .map(|c| U256::from(c.base_units()))
        .collect();
    if expected != bundle.chunks {
        return Err(Error::Input(format!(
            "bundle {} is not batched under the plan's per-tx cap; make it again with `clubgate payout bundle`",
            bundle.bundleId
        )));
    }
    let registry: Vec<Address> = args
        .approvers
        .iter()
        .map(|a| a.trim().parse().map_err(|_| Error::Input(format!("approver {a:?} is not an address"))))
        .collect::<Result<_>>()?;
    let quorum = Quorum::new(args.threshold, registry).map_err(|e| Error::Input(e.to_string()))?;
    let approvals: Vec<Approval> = args.approvals.iter().map(|p| read_approval(p)).collect::<Result<_>>()?;
    quorum.verify(&bundle, &approvals).map_err(|e| Error::Input(e.to_string()))?;
    let index = usize::try_from(args.chunk).ok().filter(|i| *i < bundle.chunks.len()).ok_or_else(|| {
        Error::Input(format!("chunk {} is not in bundle {} ({} chunks)", args.chunk, bundle.bundleId, bundle.chunks.len()))
    })?;
    let chunk_amount = u128::try_from(bundle.chunks[index]).map_err(|_| Error::Input("chunk too large".to_owned()))?;
    let signer = open_signer(&args.signer, args.profile)?;
    let signer_source = match network {
        Network::Erc20 => signer.address().to_checksum(None),
        Network::Trc20 => {
            let mut raw = [0x41u8; 21];
            raw[1..].copy_from_slice(signer.address().as_slice());
            TronAddress::from_raw(raw).map_err(|e| Error::Input(e.to_string()))?.to_string()
        }
    };
    if signer_source != bundle.source {
        return Err(Error::Input(format!(
            "the signer's wallet is {signer_source}, but bundle {} pays from {}",
            bundle.bundleId, bundle.source
        )));
    }

    // The phase volume cap of the business day, against what the registry has signed.
    let store = open_store(db).await?;
    let launch = match &args.t0 {
        Some(t0) => Launch::from_plan(plan.clone(), t0, None)?,
        None => store.require_settings().await?.launch()?,
    };
    let now = Timestamp::now();
    let tz = launch.t0.zoned().time_zone().clone();
    let day = now.to_zoned_datetime(tz.clone()).date();
    let start = day.at(0, 0, 0, 0).to_zoned_datetime(tz.clone()).map_err(|e| Error::Input(e.to_string()))?.timestamp();
    let end =
        day.checked_add(1.day()).and_then(|d| d.at(0, 0, 0, 0).to_zoned_datetime(tz)).map_err(|e| Error::Input(e.to_string()))?.timestamp();
    let replacement = args.replace.as_deref();
    let previous_raw = store.latest_signed_raw(&bundle.bundleId, args.chunk).await?;
    match (replacement, network) {
        (None, _) => {
            // A chunk already in the registry is refused as such (the reservation below is
            // still the atomic guard against a concurrent signer).
            if let Some((attempt, _, state, _)) = store.signature_attempts(&bundle.bundleId, args.chunk).await?.last() {
                return Err(Error::Input(format!(
                    "chunk {} of bundle {} is already {state} (attempt {attempt}); it is never signed twice — a new signature is only a --replace",
                    args.chunk, bundle.bundleId
                )));
            }
            // Only originals count towards the day's volume: a replacement pays the same chunk.
            let signed_today = store.signed_volume(start, end).await?;
            let target =
                TokenAmount::parse_decimal(&args.daily_target, 6).map_err(|e| Error::Input(format!("--daily-target: {e}")))?.base_units();
            let chunk_units = TokenAmount::from_base_units(chunk_amount).ok_or_else(|| Error::Input("empty chunk".to_owned()))?;
            check_volume(&plan, &launch.table, now, target, signed_today, chunk_units).map_err(|e| Error::Input(e.to_string()))?;
        }
        (Some("speed-up"), Network::Erc20) | (Some("expired"), Network::Trc20) => {
            if previous_raw.is_none() {
                return Err(Error::Input(format!(
                    "chunk {} of bundle {} has no signed transaction to replace",
                    args.chunk, bundle.bundleId
                )));
            }
        }
        (Some(other), _) => {
            return Err(Error::Input(format!(
                "--replace {other:?} does not apply to {}: ERC-20 chunks are replaced by speed-up, TRC-20 chunks after they expired",
                network_name(network)
            )));
        }
    }
    if let (Some("expired"), Some(raw)) = (replacement, &previous_raw) {
        let bytes = alloy::primitives::hex::decode(raw).map_err(|_| Error::Input("the stored transaction is not hex".to_owned()))?;
        let previous = clubgate_chain::trc20::decode(&bytes).map_err(|e| Error::Input(e.to_string()))?;
        if previous.expiration_ms > now.as_millisecond() {
            return Err(Error::Input(format!(
                "the previous transaction of chunk {} expires only at {} ms; it may still confirm",
                args.chunk, previous.expiration_ms
            )));
        }
    }

    let chunk_ref = ChunkRef { bundle_id: &bundle.bundleId, chunk: args.chunk, network: network_name(network), amount: chunk_amount };
    let attempt = store.reserve_signature(chunk_ref, replacement, &signer_source, now).await?;
    let (hash, raw, document) = match network {
        Network::Erc20 => {
            let need = |v: Option<u64>, what: &str| v.ok_or_else(|| Error::Input(format!("--{what} is needed for an ERC-20 chunk")));
            let transfer = clubgate_chain::erc20::Transfer {
                chain_id: need(args.chain_id, "chain-id")?,
                token: clubgate_core::payout::EthAddress::parse(&args.token_contract).map_err(|e| Error::Input(e.to_string()))?.address(),
                to: clubgate_core::payout::EthAddress::parse(&bundle.destination).map_err(|e| Error::Input(e.to_string()))?.address(),
                amount: chunk_amount,
                nonce: store.allocate_nonce(&signer_source, &bundle.bundleId, args.chunk, args.pending_nonce, now).await?,
                gas_limit: need(args.gas_limit, "gas-limit")?,
                max_fee_per_gas: args.max_fee_per_gas_wei.ok_or_else(|| Error::Input("--max-fee-per-gas-wei is needed".to_owned()))?,
                max_priority_fee_per_gas: args
                    .max_priority_fee_per_gas_wei
                    .ok_or_else(|| Error::Input("--max-priority-fee-per-gas-wei is needed".to_owned()))?,
            };
            // A speed-up keeps the stuck transaction's nonce and raises both fees by the bump.
            let transfer = match (replacement, &previous_raw) {
                (Some("speed-up"), Some(raw)) => {
                    let bytes =
                        alloy::primitives::hex::decode(raw).map_err(|_| Error::Input("the stored transaction is not hex".to_owned()))?;
                    let stuck = clubgate_chain::erc20::decode(&bytes).map_err(|e| Error::Input(e.to_string()))?;
                    let floor = (transfer.max_fee_per_gas, transfer.max_priority_fee_per_gas);
                    let stuck = clubgate_chain::erc20::Transfer {
                        nonce: stuck.nonce,
                        max_fee_per_gas: stuck.max_fee_per_gas,
                        max_priority_fee_per_gas: stuck.max_priority_fee_per_gas,
                        ..transfer
                    };
                    clubgate_chain::erc20::speed_up(&stuck, clubgate_chain::erc20::REPLACEMENT_BUMP_PERCENT, Some(floor))
                        .map_err(|e| Error::Input(e.to_string()))?
                }
                _ => transfer,
            };
            let signed = clubgate_chain::erc20::sign(&transfer, signer.as_ref()).map_err(|e| Error::Input(e.to_string()))?;
            let raw = format!("0x{}", alloy::primitives::hex::encode(&signed.raw));
            (
                signed.hash.to_string(),
                raw.clone(),
                json!({ "raw": raw, "hash": signed.hash.to_string(), "from": signed.from.to_checksum(None) }),
            )
        }
        Network::Trc20 => {
            let need = |v: Option<i64>, what: &str| v.ok_or_else(|| Error::Input(format!("--{what} is needed for a TRC-20 chunk")));
            let hex_of =
                |v: &Option<String>, what: &str| v.clone().ok_or_else(|| Error::Input(format!("--{what} is needed for a TRC-20 chunk")));
            let transfer = clubgate_chain::trc20::Transfer {
                owner: TronAddress::parse(&bundle.source).map_err(|e| Error::Input(e.to_string()))?,
                token: TronAddress::parse(&args.token_contract).map_err(|e| Error::Input(e.to_string()))?,
                to: TronAddress::parse(&bundle.destination).map_err(|e| Error::Input(e.to_string()))?,
                amount: chunk_amount,
                ref_block_bytes: crate::tx::fixed_hex(&hex_of(&args.ref_block_bytes, "ref-block-bytes")?, "ref-block-bytes")?,
                ref_block_hash: crate::tx::fixed_hex(&hex_of(&args.ref_block_hash, "ref-block-hash")?, "ref-block-hash")?,
                expiration_ms: need(args.expiration, "expiration")?,
                timestamp_ms: need(args.timestamp, "timestamp")?,
                fee_limit_sun: need(args.fee_limit, "fee-limit")?,
            };
            let signed =
                clubgate_chain::trc20::sign(&transfer, signer.as_ref(), now.as_millisecond()).map_err(|e| Error::Input(e.to_string()))?;
            let txid = alloy::primitives::hex::encode(signed.txid);
            let raw = alloy::primitives::hex::encode(&signed.raw_data);
            (
                txid.clone(),
                raw.clone(),
                json!({ "raw_data_hex": raw, "txid": txid, "signature": alloy::primitives::hex::encode(signed.signature), "owner": bundle.source }),
            )
        }
    };
    store.record_signature(&bundle.bundleId, args.chunk, attempt, &hash, &raw, Timestamp::now()).await?;
    let mut document = document;
    document["bundle_id"] = json!(bundle.bundleId);
    document["chunk"] = json!(args.chunk);
    document["attempt"] = json!(attempt);
    if json_out {
        return print_json(&document);
    }
    println!("chunk {} of bundle {} signed (attempt {attempt}): {hash}", args.chunk, bundle.bundleId);
    Ok(())
}
