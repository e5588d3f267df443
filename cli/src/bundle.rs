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
use clubgate_store::{Store, StoredBundle};
use clubgate_sync::{Client, SigningLedger};
use clubgate_treasury::bundle;
use clubgate_treasury::flow::{self, ChunkLedger, OperatorInput, Policy, Replace, ReviewRequest, SignRequest};
use clubgate_treasury::signers::ConfiguredKeys;
use jiff::Timestamp;
use serde_json::{json, Value};

use crate::commands::{open_signing_store, open_store, print_json, Error, Result};
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
    /// The guardrail policy version the approvers approve under (default: the version in
    /// force on the ledger the store follows, else 1).
    #[arg(long)]
    policy_version: Option<u32>,
    /// The treasury file: the source must be one of its hot wallets, the destination on its
    /// allow-list, the token contract its own (default: the policy of the ledger the store
    /// follows).
    #[arg(long)]
    treasury: Option<PathBuf>,
    /// Where to write the bundle (JSON). It also goes into the store's payout queue and,
    /// through the outbox, to the ledger.
    #[arg(long)]
    out: PathBuf,
    /// Who requests it (default `$USER@hostname`).
    #[arg(long)]
    who: Option<String>,
}

#[derive(Args)]
pub(crate) struct ApproveArgs {
    /// The bundle file.
    #[arg(long, required_unless_present = "bundle_id", conflicts_with = "bundle_id")]
    bundle: Option<PathBuf>,
    /// A bundle of the store's payout queue (published by the treasury lead through the
    /// ledger): the approval is recorded in the store and queued for the ledger.
    #[arg(long)]
    bundle_id: Option<String>,
    /// The approver's key: pkcs11:<token>/<key> (its PIN is asked for now, echo off) |
    /// ledger:<path> (confirm on the device) | dev:file:PATH (dev profile).
    #[arg(long)]
    signer: String,
    /// production (default) or dev.
    #[arg(long, value_enum, default_value = "production")]
    profile: ProfileArg,
    /// The treasury file: the key must be a registered approver with the `approver` role
    /// (default: the policy of the ledger the store follows).
    #[arg(long)]
    treasury: Option<PathBuf>,
    /// Where to write the approval (JSON); without it the approval goes into the store (and
    /// its outbox, for the ledger).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub(crate) struct ReviewArgs {
    /// The bundle file.
    #[arg(long, required_unless_present = "bundle_id", conflicts_with = "bundle_id")]
    bundle: Option<PathBuf>,
    /// A bundle of the store's payout queue.
    #[arg(long)]
    bundle_id: Option<String>,
    /// The treasury file (token contracts, chain settings, fees; default: the policy of the
    /// ledger the store follows).
    #[arg(long)]
    treasury: Option<PathBuf>,
    /// Which chunk (0-based).
    #[arg(long)]
    chunk: u32,
    /// Review a replacement of a signed chunk: `speed-up` (ERC-20: same nonce, both fees up
    /// by at least 10%) or `expired` (TRC-20: the previous transaction expired unbroadcast).
    #[arg(long)]
    replace: Option<String>,
    /// ERC-20 without a node in the treasury file: the wallet's pending nonce on chain (the
    /// store's own counter wins when ahead; above it is refused, nonce_gap). With
    /// `[erc20] rpc_url` the node gives it and a typed one is refused.
    #[arg(long)]
    pending_nonce: Option<u64>,
    /// ERC-20 speed-up: its fee mode (normal, fast, urgent), at most one above the chunk's
    /// current mode (the default); an original is reviewed at the treasury file's mode.
    /// Fees come from the node under the file's fee ceiling.
    #[arg(long)]
    fee_mode: Option<String>,
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
    #[arg(long, required_unless_present = "bundle_id", conflicts_with = "bundle_id")]
    bundle: Option<PathBuf>,
    /// A bundle of the store's payout queue.
    #[arg(long)]
    bundle_id: Option<String>,
    /// Approval files (repeat the flag). A store that follows a ledger counts the approvals
    /// in the ledger's log instead.
    #[arg(long = "approval")]
    approvals: Vec<PathBuf>,
    /// The treasury file: approvers, roles, quorum, daily target, contracts, allow-list,
    /// wallets and their keys — the only source of the rules (default: the policy of the
    /// ledger the store follows; another file is refused while it follows one).
    #[arg(long)]
    treasury: Option<PathBuf>,
    /// Which chunk to sign (0-based).
    #[arg(long)]
    chunk: u32,
    /// The review hash `clubgate review` printed: exactly those bytes are signed.
    #[arg(long)]
    review: String,
    /// production (default) or dev (a development wallet key named by the treasury file).
    #[arg(long, value_enum, default_value = "production")]
    profile: ProfileArg,
    /// Who signs, as named to anyone who tries to sign the chunk again (default
    /// `$USER@hostname`).
    #[arg(long)]
    who: Option<String>,
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

/// The rules a store works under: the policy of the ledger it follows (a given file must be
/// that policy), else the given treasury file.
pub(crate) async fn treasury_of(store: &Store, path: Option<&Path>) -> Result<Treasury> {
    let given = path.map(read_treasury).transpose()?;
    match (store.ledger_policy().await?, given) {
        (Some(policy), given) => {
            let treasury = Treasury::from_toml(&policy.treasury)
                .map_err(|e| Error::Input(format!("the ledger's policy version {}: {e}", policy.version)))?;
            if let Some(given) = given.filter(|g| g.fingerprint != treasury.fingerprint) {
                return Err(Error::Input(format!(
                    "{} ({}) is not the policy in force on the ledger this store follows (version {}, {}); leave out --treasury",
                    path.map(|p| p.display().to_string()).unwrap_or_default(),
                    given.fingerprint,
                    policy.version,
                    policy.hash
                )));
            }
            Ok(treasury)
        }
        (None, Some(given)) => Ok(given),
        (None, None) => Err(Error::Input(
            "give --treasury FILE: this store follows no ledger whose policy it could use (`clubgate sync --url URL`)".to_owned(),
        )),
    }
}

/// A bundle from its file, or from the store's payout queue by id.
pub(crate) async fn bundle_of(store: &Store, file: Option<&Path>, id: Option<&str>) -> Result<PayoutBundle> {
    match (file, id) {
        (Some(file), _) => read_bundle(file),
        (None, Some(id)) => {
            let stored = store.bundles().await?.into_iter().find(|b| b.bundle_id == id).ok_or_else(|| {
                Error::Input(format!("bundle {id:?} is not in this store's payout queue; `clubgate sync` brings published bundles"))
            })?;
            let document: Value =
                serde_json::from_str(&stored.document).map_err(|e| Error::Input(format!("stored bundle {id}: not JSON: {e}")))?;
            Ok(bundle::from_document(&document, &format!("stored bundle {id}"))?)
        }
        (None, None) => Err(Error::Input("give --bundle FILE or --bundle-id ID".to_owned())),
    }
}

/// The ledger connection of a store that follows one: its URL and the token from the OS
/// keychain; the log is pulled first so the quorum and the policy are current.
pub(crate) async fn ledger_client(store: &Store) -> Result<Option<Client>> {
    let Some(cursor) = store.ledger_cursor().await? else { return Ok(None) };
    let token = clubgate_sync::keychain::load_token(&cursor.url).map_err(|e| Error::Input(e.to_string()))?;
    let client = Client::new(&cursor.url, token).map_err(Error::Sync)?;
    clubgate_sync::pull(store, &client).await.map_err(|e| match e {
        clubgate_sync::Error::Store(error) => Error::Store(error),
        other => Error::Sync(other),
    })?;
    Ok(Some(client))
}

pub(crate) async fn run_bundle(args: &BundleArgs, json_out: bool, db: Option<&Path>) -> Result<()> {
    crate::commands::refuse_db_override(db)?;
    let store = open_signing_store(db).await?;
    let treasury = treasury_of(&store, args.treasury.as_deref()).await?;
    let launch = store.require_settings().await?.launch()?;
    let request = bundle::Request {
        network: args.network.network(),
        token: args.token.token(),
        source: &args.source,
        to: &args.to,
        amount: &args.amount,
        policy_version: match (args.policy_version, store.ledger_policy().await?) {
            (Some(version), _) => version,
            (None, Some(policy)) => policy.version,
            (None, None) => 1,
        },
    };
    let made = bundle::make(&launch.plan, &treasury, &request)?;
    let document = bundle::to_document(&made);
    write_document(&args.out, &document)?;
    // Into the payout queue, and through the outbox to the ledger for the approvers.
    store
        .publish_bundle(&StoredBundle {
            bundle_id: made.bundleId.clone(),
            hash: made.canonical_hash().to_string(),
            document: document.to_string(),
            requested_by: args.who.clone().unwrap_or_else(clubgate_sync::workstation_name),
            created_at: Timestamp::now(),
        })
        .await?;
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

pub(crate) async fn run_approve(args: &ApproveArgs, json_out: bool, db: Option<&Path>) -> Result<()> {
    let store = open_store(db).await?;
    let bundle = bundle_of(&store, args.bundle.as_deref(), args.bundle_id.as_deref()).await?;
    let treasury = treasury_of(&store, args.treasury.as_deref()).await?;
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
    let signature = format!("0x{}", alloy::primitives::hex::encode(&approval.signature));
    let document = json!({
        "bundle_hash": bundle.canonical_hash().to_string(),
        "approver": approval.approver.to_checksum(None),
        "signature": signature,
    });
    match &args.out {
        Some(out) => write_document(out, &document)?,
        None => {
            if store.bundles().await?.iter().all(|b| b.bundle_id != bundle.bundleId) {
                return Err(Error::Input(format!(
                    "bundle {} is not in this store's payout queue; give --out FILE to write the approval to a file",
                    bundle.bundleId
                )));
            }
            store.add_approval(&bundle.bundleId, &approval.approver.to_checksum(None), &signature, Timestamp::now()).await?;
        }
    }
    if json_out {
        return print_json(&document);
    }
    println!(
        "{} approves bundle {}: {} {} base units of {} from {} to {} in {} chunk(s), policy v{}{}",
        document["approver"].as_str().unwrap_or_default(),
        bundle.bundleId,
        bundle.token,
        bundle.amount,
        bundle.tokenContract,
        bundle.source,
        bundle.destination,
        bundle.chunks.len(),
        bundle.policyVersion,
        if args.out.is_none() { " — recorded, queued for the ledger (`clubgate sync`)" } else { "" }
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
    let store = open_signing_store(db).await?;
    let bundle = bundle_of(&store, args.bundle.as_deref(), args.bundle_id.as_deref()).await?;
    let treasury = treasury_of(&store, args.treasury.as_deref()).await?;
    let launch = store.require_settings().await?.launch()?;
    let ref_block = match (&args.ref_block_bytes, &args.ref_block_hash) {
        (Some(bytes), Some(hash)) => Some((crate::tx::fixed_hex(bytes, "ref-block-bytes")?, crate::tx::fixed_hex(hash, "ref-block-hash")?)),
        (None, None) => None,
        _ => return Err(Error::Input("give both --ref-block-bytes and --ref-block-hash".to_owned())),
    };
    let fee_mode = args
        .fee_mode
        .as_deref()
        .map(clubgate_chain::erc20::FeeMode::parse)
        .transpose()
        .map_err(|e| Error::Input(format!("--fee-mode: {e}")))?;
    let request = ReviewRequest {
        bundle: &bundle,
        chunk: args.chunk,
        replace: args.replace.as_deref().map(Replace::parse).transpose()?,
        input: OperatorInput { pending_nonce: args.pending_nonce.unwrap_or(0), ref_block, fee_mode, ..OperatorInput::default() },
        reviewed_by: args.who.trim(),
        now: Timestamp::now(),
    };
    if request.reviewed_by.is_empty() {
        return Err(Error::Input("--who must name the person reviewing".to_owned()));
    }
    let policy = Policy { treasury: &treasury, launch: &launch };
    // With a node in the treasury file, an ERC-20 chunk's nonce and fees come from it.
    let review = match (bundle.tokenContract.starts_with("0x"), &treasury.erc20.rpc_url) {
        (true, Some(url)) => {
            if let Some(typed) = args.pending_nonce {
                return Err(Error::Input(format!(
                    "--pending-nonce {typed} is not taken: the treasury file names the Ethereum node {url} ([erc20] rpc_url), whose pending nonce is used; leave the flag out"
                )));
            }
            let node = crate::broadcast::node_of(&treasury).await?;
            let node_request = clubgate_treasury::broadcast::NodeReviewRequest {
                bundle: &bundle,
                chunk: request.chunk,
                replace: request.replace,
                fee_mode,
                reviewed_by: request.reviewed_by,
                now: request.now,
            };
            clubgate_treasury::broadcast::review_from_node(&store, policy, &node, node_request).await?
        }
        // With a Tron node in the treasury file, a TRC-20 chunk's reference block comes from
        // its head block unless the operator typed one.
        (false, _) => {
            let input = clubgate_treasury::tron::with_node_ref_block(&treasury, clubgate_core::plan::Network::Trc20, request.input).await?;
            flow::review_chunk(&store, policy, ReviewRequest { input, ..request }).await?
        }
        _ => flow::review_chunk(&store, policy, request).await?,
    };
    let decoded = crate::decode::decoded_document(&review.unsigned_hex)?;
    let document = json!({
        "bundle_id": bundle.bundleId,
        "chunk": args.chunk,
        "review_hash": review.review_hash,
        "unsigned": review.unsigned_hex,
        "expires_at": review.expires_at.to_string(),
        "decoded": decoded,
        "gate": review.gate,
    });
    if json_out {
        return print_json(&document);
    }
    println!("chunk {} of bundle {}: review {}", args.chunk, bundle.bundleId, review.review_hash);
    if let Some(gate) = &review.gate {
        println!("SLO gate: {gate}");
    }
    println!("{}", serde_json::to_string_pretty(&decoded)?);
    println!("unsigned {}\nsign before {} with --review {}", review.unsigned_hex, review.expires_at, review.review_hash);
    Ok(())
}

pub(crate) async fn run_sign(args: &SignArgs, json_out: bool, db: Option<&Path>) -> Result<()> {
    crate::commands::refuse_db_override(db)?;
    let store = open_signing_store(db).await?;
    let client = ledger_client(&store).await?;
    let bundle = bundle_of(&store, args.bundle.as_deref(), args.bundle_id.as_deref()).await?;
    let treasury = treasury_of(&store, args.treasury.as_deref()).await?;
    let approvals: Vec<Approval> = args.approvals.iter().map(|p| read_approval(p)).collect::<Result<_>>()?;
    let launch = store.require_settings().await?.launch()?;
    let keys = ConfiguredKeys { profile: args.profile.into() };
    let who = args.who.clone().unwrap_or_else(clubgate_sync::workstation_name);
    let ledger = client.as_ref().map(|client| SigningLedger::new(client, &store, &who));
    let request = SignRequest {
        bundle: &bundle,
        approvals: &approvals,
        chunk: args.chunk,
        review_hash: &args.review,
        now: Timestamp::now(),
        ledger: ledger.as_ref().map(|l| l as &dyn ChunkLedger),
    };
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

/// `clubgate payout queue`: what this desk knows of each bundle — its approvals (in the
/// ledger's log with their seq, or still pending in this desk's outbox) and each chunk's
/// signature (this desk's registry, and the log's `signature` commands with who signed).
pub(crate) async fn run_queue(json_out: bool, db: Option<&Path>) -> Result<()> {
    let store = open_store(db).await?;
    let following = store.ledger_cursor().await?.is_some();
    let mut bundles = Vec::new();
    for stored in store.bundles().await? {
        let document: Value = serde_json::from_str(&stored.document).unwrap_or(Value::Null);
        let logged = store.log_approvals(&stored.hash).await?;
        let mut approvals: Vec<Value> =
            logged.iter().map(|a| json!({"approver": a.approver, "seq": a.seq, "state": "in the log"})).collect();
        for (approver, _) in store.approvals(&stored.bundle_id).await? {
            if !logged.iter().any(|a| a.approver.eq_ignore_ascii_case(&approver)) {
                let state = if following { "pending (not in the log yet)" } else { "local" };
                approvals.push(json!({"approver": approver, "seq": null, "state": state}));
            }
        }
        let mut chunks = Vec::new();
        for (index, amount) in document["chunks"].as_array().cloned().unwrap_or_default().iter().enumerate() {
            let chunk = u32::try_from(index).unwrap_or(u32::MAX);
            let local = flow::chunk_status(&store, &stored.bundle_id, chunk).await?;
            let ledger: Vec<Value> = store
                .log_signatures(&stored.hash, chunk)
                .await?
                .into_iter()
                .map(|s| json!({"seq": s.seq, "tx_hash": s.tx_hash, "signed_by": s.signed_by}))
                .collect();
            chunks.push(json!({
                "index": chunk,
                "amount": amount,
                "local": local.map(|(attempt, _, state, hash)| json!({"attempt": attempt, "state": state, "tx_hash": hash})),
                "ledger": ledger,
            }));
        }
        bundles.push(json!({
            "bundle_id": stored.bundle_id,
            "hash": stored.hash,
            "requested_by": stored.requested_by,
            "approvals": approvals,
            "chunks": chunks,
        }));
    }
    if json_out {
        return print_json(&json!({"following_ledger": following, "bundles": bundles}));
    }
    for bundle in &bundles {
        println!(
            "{} ({}), requested by {}",
            bundle["bundle_id"].as_str().unwrap_or(""),
            bundle["hash"].as_str().unwrap_or(""),
            bundle["requested_by"].as_str().unwrap_or("")
        );
        for approval in bundle["approvals"].as_array().into_iter().flatten() {
            println!("  approved by {} — {}", approval["approver"].as_str().unwrap_or(""), approval["state"].as_str().unwrap_or(""));
        }
        for chunk in bundle["chunks"].as_array().into_iter().flatten() {
            let signed: Vec<String> = chunk["ledger"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| format!("signed by {} at seq {}", s["signed_by"].as_str().unwrap_or("?"), s["seq"]))
                .collect();
            println!(
                "  chunk {}: {} base units; here: {}; ledger: {}",
                chunk["index"],
                chunk["amount"],
                chunk["local"]["state"].as_str().unwrap_or("not signed"),
                if signed.is_empty() { "not signed".to_owned() } else { signed.join(", ") }
            );
        }
    }
    Ok(())
}

#[derive(Args)]
pub(crate) struct ImportArgs {
    /// The signed chunk: the JSON `clubgate sign --json` printed on the air-gapped desk.
    #[arg(long)]
    file: PathBuf,
    /// Who signed it (default `$USER@hostname` of this desk).
    #[arg(long)]
    who: Option<String>,
}

/// `clubgate signature import --file F`.
pub(crate) async fn run_import(args: &ImportArgs, json_out: bool, db: Option<&Path>) -> Result<()> {
    crate::commands::refuse_db_override(db)?;
    let document = read_json(&args.file)?;
    let store = open_signing_store(db).await?;
    let client = ledger_client(&store).await?.ok_or_else(|| {
        Error::Input("this desk follows no ledger: an air-gapped signature is recorded on the ledger by a desk that follows it".to_owned())
    })?;
    let bundle_id = document["bundle_id"].as_str().ok_or_else(|| Error::Input(format!("{}: no bundle_id", args.file.display())))?;
    let bundle = bundle_of(&store, None, Some(bundle_id)).await?;
    let treasury = treasury_of(&store, None).await?;
    let launch = store.require_settings().await?.launch()?;
    let who = args.who.clone().unwrap_or_else(clubgate_sync::workstation_name);
    let claim = clubgate_treasury::airgap::import_claim(Policy { treasury: &treasury, launch: &launch }, &bundle, &document, &who)?;
    let seq = SigningLedger::new(&client, &store, &who).reserve(&claim).await?;
    let out =
        json!({"bundle_id": bundle.bundleId, "chunk": claim.chunk, "seq": seq, "signed_by": who, "tx_hash": claim.payload["tx_hash"]});
    if json_out {
        return print_json(&out);
    }
    println!("chunk {} of bundle {} recorded on the ledger at seq {seq} as signed by {who}", claim.chunk, bundle.bundleId);
    Ok(())
}
