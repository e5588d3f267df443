//! The approval flow from the command line: `payout bundle` writes a bundle (batched under
//! the per-tx cap, with its EIP-712 hash), `approve` signs its hash with an approver's key,
//! `sign` checks the quorum, the batching, the source wallet and the phase volume cap,
//! reserves the chunk in the never-sign-twice registry, signs it and records it.

use std::path::{Path, PathBuf};

use alloy::primitives::Address;
use clap::Args;
use clubgate_chain::approval::{Approval, PayoutBundle, Quorum};
use clubgate_core::payout::{EthAddress, TokenAmount, TronAddress};
use clubgate_core::plan::{Network, Plan};
use clubgate_core::treasury::Treasury;
use clubgate_treasury::bundle;
use clubgate_treasury::flow::{self, ChainParams, Replace, SignInput};
use jiff::Timestamp;
use serde_json::{json, Value};

use crate::commands::{launch_of, name_plan_file, open_store, print_json, read_plan, Error, Result};
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
    /// A treasury file: the source must be one of its hot wallets, the destination on its
    /// allow-list, the token configured for the network's environment.
    #[arg(long)]
    treasury: Option<PathBuf>,
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
    /// A treasury file: the key must be a registered approver with the `approver` role.
    #[arg(long)]
    treasury: Option<PathBuf>,
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
    /// A treasury file: its approver registry (roles) and quorum, and its daily target.
    #[arg(long)]
    treasury: Option<PathBuf>,
    /// The registered approvers' addresses, comma-separated (without --treasury).
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
    daily_target: Option<String>,
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

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.display().to_string(), source })?;
    serde_json::from_str(&text).map_err(|e| Error::Input(format!("{}: not JSON: {e}", path.display())))
}

fn read_bundle(path: &Path) -> Result<PayoutBundle> {
    Ok(bundle::from_document(&read_json(path)?, &path.display().to_string())?)
}

fn write_document(path: &Path, document: &Value) -> Result<()> {
    std::fs::write(path, serde_json::to_string_pretty(document)?).map_err(|source| Error::Read { path: path.display().to_string(), source })
}

fn plan_of(path: Option<&Path>) -> Result<Plan> {
    let (source, text) = read_plan(path)?;
    Plan::from_toml(&text).map_err(|error| name_plan_file(&source, error))
}

/// Reads and validates a treasury file.
pub(crate) fn read_treasury(path: &Path) -> Result<Treasury> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.display().to_string(), source })?;
    Treasury::from_toml(&text).map_err(|e| Error::Input(format!("{}: {e}", path.display())))
}

pub(crate) fn run_bundle(args: &BundleArgs, json_out: bool) -> Result<()> {
    let plan = plan_of(args.plan.as_deref())?;
    let treasury = args.treasury.as_deref().map(read_treasury).transpose()?;
    let request = bundle::Request {
        bundle_id: &args.bundle_id,
        network: args.network.network(),
        token: args.token.token(),
        source: &args.source,
        to: &args.to,
        amount: &args.amount,
        policy_version: args.policy_version,
    };
    let made = bundle::make(&plan, treasury.as_ref(), &request)?;
    let document = bundle::to_document(&made);
    write_document(&args.out, &document)?;
    if json_out {
        return print_json(&document);
    }
    println!(
        "bundle {} → {}: {} chunk(s), hash {}",
        made.bundleId,
        args.out.display(),
        made.chunks.len(),
        document["hash"].as_str().unwrap_or_default()
    );
    Ok(())
}

pub(crate) async fn run_approve(args: &ApproveArgs, json_out: bool) -> Result<()> {
    let bundle = read_bundle(&args.bundle)?;
    let treasury = args.treasury.as_deref().map(read_treasury).transpose()?;
    let approval = clubgate_treasury::signers::approve_with(&args.signer, args.profile.into(), &bundle).await?;
    if let Some(treasury) = &treasury {
        flow::check_approver(treasury, approval.approver)?;
    }
    let document = json!({
        "bundle_hash": bundle.canonical_hash().to_string(),
        "approver": approval.approver.to_checksum(None),
        "signature": format!("0x{}", alloy::primitives::hex::encode(&approval.signature)),
    });
    write_document(&args.out, &document)?;
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
    let network = bundle::network_of(&bundle)?;
    let treasury = args.treasury.as_deref().map(read_treasury).transpose()?;
    let approvals: Vec<Approval> = args.approvals.iter().map(|p| read_approval(p)).collect::<Result<_>>()?;
    let quorum = match &treasury {
        Some(treasury) => {
            flow::check_approvals(treasury, &bundle, &approvals)?;
            flow::quorum_of(treasury)?
        }
        None => {
            let registry: Vec<Address> = args
                .approvers
                .iter()
                .map(|a| a.trim().parse().map_err(|_| Error::Input(format!("approver {a:?} is not an address"))))
                .collect::<Result<_>>()?;
            Quorum::new(args.threshold, registry).map_err(|e| Error::Input(e.to_string()))?
        }
    };
    let daily_target = match (&args.daily_target, &treasury) {
        (Some(text), _) => TokenAmount::parse_decimal(text, 6).map_err(|e| Error::Input(format!("--daily-target: {e}")))?.base_units(),
        (None, Some(treasury)) => treasury.daily_target.base_units(),
        (None, None) => {
            return Err(Error::Input("--daily-target (or --treasury with its daily_target) is needed for the phase volume cap".to_owned()))
        }
    };
    let signer = open_signer(&args.signer, args.profile)?;
    let store = open_store(db).await?;
    let launch = launch_of(&store, plan, args.t0.as_deref()).await?;
    let chain = match network {
        Network::Erc20 => {
            let need = |v: Option<u64>, what: &str| v.ok_or_else(|| Error::Input(format!("--{what} is needed for an ERC-20 chunk")));
            let need_wei = |v: Option<u128>, what: &str| v.ok_or_else(|| Error::Input(format!("--{what} is needed for an ERC-20 chunk")));
            ChainParams::Erc20 {
                chain_id: need(args.chain_id, "chain-id")?,
                token: EthAddress::parse(&args.token_contract).map_err(|e| Error::Input(format!("--token-contract: {e}")))?.address(),
                pending_nonce: args.pending_nonce,
                gas_limit: need(args.gas_limit, "gas-limit")?,
                max_fee_per_gas: need_wei(args.max_fee_per_gas_wei, "max-fee-per-gas-wei")?,
                max_priority_fee_per_gas: need_wei(args.max_priority_fee_per_gas_wei, "max-priority-fee-per-gas-wei")?,
            }
        }
        Network::Trc20 => {
            let need = |v: Option<i64>, what: &str| v.ok_or_else(|| Error::Input(format!("--{what} is needed for a TRC-20 chunk")));
            let hex_of =
                |v: &Option<String>, what: &str| v.clone().ok_or_else(|| Error::Input(format!("--{what} is needed for a TRC-20 chunk")));
            ChainParams::Trc20 {
                token: TronAddress::parse(&args.token_contract).map_err(|e| Error::Input(format!("--token-contract: {e}")))?,
                ref_block_bytes: crate::tx::fixed_hex(&hex_of(&args.ref_block_bytes, "ref-block-bytes")?, "ref-block-bytes")?,
                ref_block_hash: crate::tx::fixed_hex(&hex_of(&args.ref_block_hash, "ref-block-hash")?, "ref-block-hash")?,
                expiration_ms: need(args.expiration, "expiration")?,
                timestamp_ms: need(args.timestamp, "timestamp")?,
                fee_limit_sun: need(args.fee_limit, "fee-limit")?,
            }
        }
    };
    let replace = args.replace.as_deref().map(Replace::parse).transpose()?;
    let input = SignInput {
        launch: &launch,
        quorum: &quorum,
        approvals: &approvals,
        chunk: args.chunk,
        signer: signer.as_ref(),
        chain,
        replace,
        daily_target,
        now: Timestamp::now(),
    };
    let signed = flow::sign_chunk(&store, &bundle, input).await?;
    let mut document = signed.document;
    document["bundle_id"] = json!(signed.bundle_id);
    document["chunk"] = json!(signed.chunk);
    document["attempt"] = json!(signed.attempt);
    if json_out {
        return print_json(&document);
    }
    println!("chunk {} of bundle {} signed (attempt {}): {}", signed.chunk, signed.bundle_id, signed.attempt, signed.hash);
    Ok(())
}
