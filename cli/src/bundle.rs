//! The approval flow from the command line, over the one path of `clubgate-treasury`:
//! `payout bundle` writes a bundle under the policy (a generated id, batched under the
//! per-tx cap, with its EIP-712 hash), `approve` signs its hash with the approver's own
//! credential (the PIN of their token, typed now, or their Ledger), `review` fixes the exact
//! unsigned bytes of a chunk under their signing hash, and `sign` signs exactly those bytes
//! after the policy, the quorum, the review and the day's cap — every rule from the treasury
//! file and the launch record, none from a flag.

use std::path::{Path, PathBuf};

use alloy::primitives::Address;
use clap::Args;
use clubgate_chain::approval::{Approval, PayoutBundle};
use clubgate_core::treasury::Treasury;
use clubgate_treasury::bundle;
use clubgate_treasury::flow::{self, OperatorInput, Policy, Replace, ReviewRequest, SignRequest};
use clubgate_treasury::signers::ConfiguredKeys;
use jiff::Timestamp;
use serde_json::{json, Value};

use crate::commands::{open_signing_store, print_json, Error, Result};
use crate::payout::{NetworkArg, TokenArg};
use crate::tx::ProfileArg;

#[derive(Args)]
pub(crate) struct BundleArgs {
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
    /// The treasury file: the source must be one of its hot wallets, the destination on its
    /// allow-list, the token contract its own.
    #[arg(long)]
    treasury: PathBuf,
    /// Where to write the bundle (JSON).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub(crate) struct ApproveArgs {
    /// The bundle file.
    #[arg(long)]
    bundle: PathBuf,
    /// The approver's key: pkcs11:<token>/<key> (its PIN is asked for now, echo off) |
    /// ledger:<path> (confirm on the device) | dev:file:PATH (dev profile).
    #[arg(long)]
    signer: String,
    /// production (default) or dev.
    #[arg(long, value_enum, default_value = "production")]
    profile: ProfileArg,
    /// The treasury file: the key must be a registered approver with the `approver` role.
    #[arg(long)]
    treasury: PathBuf,
    /// Where to write the approval (JSON).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub(crate) struct ReviewArgs {
    /// The bundle file.
    #[arg(long)]
    bundle: PathBuf,
    /// The treasury file (token contracts, chain settings, fees).
    #[arg(long)]
    treasury: PathBuf,
    /// Which chunk (0-based).
    #[arg(long)]
    chunk: u32,
    /// Review a replacement of a signed chunk: `speed-up` (ERC-20: same nonce, both fees up
    /// by at least 10%) or `expired` (TRC-20: the previous transaction expired unbroadcast).
    #[arg(long)]
    replace: Option<String>,
    /// ERC-20: the wallet's pending nonce on chain, used only for a wallet new to this store.
    #[arg(long, default_value_t = 0)]
    pending_nonce: u64,
    /// TRC-20: reference block bytes (2 bytes hex).
    #[arg(long)]
    ref_block_bytes: Option<String>,
    /// TRC-20: reference block hash bytes (8 bytes hex).
    #[arg(long)]
    ref_block_hash: Option<String>,
    /// Who reviews.
    #[arg(long)]
    who: String,
}

#[derive(Args)]
pub(crate) struct SignArgs {
    /// The bundle file.
    #[arg(long)]
    bundle: PathBuf,
    /// Approval files (repeat the flag).
    #[arg(long = "approval")]
    approvals: Vec<PathBuf>,
    /// The treasury file: approvers, roles, quorum, daily target, contracts, allow-list,
    /// wallets and their keys — the only source of the rules.
    #[arg(long)]
    treasury: PathBuf,
    /// Which chunk to sign (0-based).
    #[arg(long)]
    chunk: u32,
    /// The review hash `clubgate review` printed: exactly those bytes are signed.
    #[arg(long)]
    review: String,
    /// production (default) or dev (a development wallet key named by the treasury file).
    #[arg(long, value_enum, default_value = "production")]
    profile: ProfileArg,
}

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.display().to_string(), source })?;
    serde_json::from_str(&text).map_err(|e| Error::Input(format!("{}: not JSON: {e}", path.display())))
}

fn read_bundle(path: &Path) -> Result<PayoutBundle> {
    Ok(bundle::from_document(&read_json(path)?, &path.display().to_string())?)
}

/// Writes a JSON document to a file.
pub(crate) fn write_document(path: &Path, document: &Value) -> Result<()> {
    std::fs::write(path, serde_json::to_string_pretty(document)?).map_err(|source| Error::Read { path: path.display().to_string(), source })
}

/// Reads and validates a treasury file.
pub(crate) fn read_treasury(path: &Path) -> Result<Treasury> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.display().to_string(), source })?;
    Treasury::from_toml(&text).map_err(|e| Error::Input(format!("{}: {e}", path.display())))
}

pub(crate) async fn run_bundle(args: &BundleArgs, json_out: bool, db: Option<&Path>) -> Result<()> {
    crate::commands::refuse_db_override(db)?;
    let treasury = read_treasury(&args.treasury)?;
    let launch = open_signing_store(db).await?.require_settings().await?.launch()?;
    let request = bundle::Request {
        network: args.network.network(),
        token: args.token.token(),
        source: &args.source,
        to: &args.to,
        amount: &args.amount,
        policy_version: args.policy_version,
    };
    let made = bundle::make(&launch.plan, &treasury, &request)?;
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
    let treasury = read_treasury(&args.treasury)?;
    // The PIN of the approver's own token, typed now with echo off, wiped when dropped.
    let pin = if args.signer.starts_with("pkcs11:") {
        Some(crate::secret::read_secret(&format!("PIN of the approver's token for {}: ", args.signer))?)
    } else {
        None
    };
    let approval =
        clubgate_treasury::signers::approve_with(&args.signer, args.profile.into(), &bundle, pin.as_deref().map(String::as_str)).await?;
    drop(pin);
    flow::check_approver(&treasury, approval.approver)?;
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
        "{} approves bundle {}: {} {} base units of {} from {} to {} in {} chunk(s), policy v{}",
        document["approver"].as_str().unwrap_or_default(),
        bundle.bundleId,
        bundle.token,
        bundle.amount,
        bundle.tokenContract,
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

pub(crate) async fn run_review(args: &ReviewArgs, json_out: bool, db: Option<&Path>) -> Result<()> {
    crate::commands::refuse_db_override(db)?;
    let bundle = read_bundle(&args.bundle)?;
    let treasury = read_treasury(&args.treasury)?;
    let store = open_signing_store(db).await?;
    let launch = store.require_settings().await?.launch()?;
    let ref_block = match (&args.ref_block_bytes, &args.ref_block_hash) {
        (Some(bytes), Some(hash)) => Some((crate::tx::fixed_hex(bytes, "ref-block-bytes")?, crate::tx::fixed_hex(hash, "ref-block-hash")?)),
        (None, None) => None,
        _ => return Err(Error::Input("give both --ref-block-bytes and --ref-block-hash".to_owned())),
    };
    let request = ReviewRequest {
        bundle: &bundle,
        chunk: args.chunk,
        replace: args.replace.as_deref().map(Replace::parse).transpose()?,
        input: OperatorInput { pending_nonce: args.pending_nonce, ref_block },
        reviewed_by: args.who.trim(),
        now: Timestamp::now(),
    };
    if request.reviewed_by.is_empty() {
        return Err(Error::Input("--who must name the person reviewing".to_owned()));
    }
    let review = flow::review_chunk(&store, Policy { treasury: &treasury, launch: &launch }, request).await?;
    let decoded = crate::decode::decoded_document(&review.unsigned_hex)?;
    let document = json!({
        "bundle_id": bundle.bundleId,
        "chunk": args.chunk,
        "review_hash": review.review_hash,
        "unsigned": review.unsigned_hex,
        "expires_at": review.expires_at.to_string(),
        "decoded": decoded,
    });
    if json_out {
        return print_json(&document);
    }
    println!("chunk {} of bundle {}: review {}", args.chunk, bundle.bundleId, review.review_hash);
    println!("{}", serde_json::to_string_pretty(&decoded)?);
    println!("unsigned {}\nsign before {} with --review {}", review.unsigned_hex, review.expires_at, review.review_hash);
    Ok(())
}

pub(crate) async fn run_sign(args: &SignArgs, json_out: bool, db: Option<&Path>) -> Result<()> {
    crate::commands::refuse_db_override(db)?;
    let bundle = read_bundle(&args.bundle)?;
    let treasury = read_treasury(&args.treasury)?;
    let approvals: Vec<Approval> = args.approvals.iter().map(|p| read_approval(p)).collect::<Result<_>>()?;
    let store = open_signing_store(db).await?;
    let launch = store.require_settings().await?.launch()?;
    let keys = ConfiguredKeys { profile: args.profile.into() };
    let request =
        SignRequest { bundle: &bundle, approvals: &approvals, chunk: args.chunk, review_hash: &args.review, now: Timestamp::now() };
    let signed = flow::sign_chunk(&store, Policy { treasury: &treasury, launch: &launch }, &keys, request).await?;
    let mut document = signed.document;
    document["bundle_id"] = json!(signed.bundle_id);
    document["chunk"] = json!(signed.chunk);
    document["attempt"] = json!(signed.attempt);
    document["review_hash"] = json!(signed.signing_hash);
    if json_out {
        return print_json(&document);
    }
    println!("chunk {} of bundle {} signed (attempt {}): {}", signed.chunk, signed.bundle_id, signed.attempt, signed.hash);
    Ok(())
}
