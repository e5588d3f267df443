//! `clubgate canary review|sign|status`: the day's canary payouts — one token from each
//! canary wallet to its check address, reviewed as exact bytes, then signed — and `clubgate signer address`, which prints the addresses
//! a key has on both networks (for writing the treasury file).

use std::path::PathBuf;

use clap::Args;
use clubgate_core::launch::Launch;
use clubgate_core::payout::Destination;
use clubgate_core::plan::Network;
use clubgate_core::treasury::{network_id, Treasury, CANARY_AMOUNT_BASE_UNITS};
use clubgate_store::Store;
use clubgate_treasury::flow;
use clubgate_treasury::signers::ConfiguredKeys;
use jiff::Timestamp;
use serde_json::{json, Value};

use crate::bundle::read_treasury;
use crate::commands::{open_signing_store, print_json, Error, Result};
use crate::payout::TokenArg;
use crate::tx::{fixed_hex, open_signer, ProfileArg};

#[derive(Args)]
pub(crate) struct CanaryReviewArgs {
    /// The treasury file (wallets, check addresses, tokens, chain settings).
    #[arg(long)]
    treasury: PathBuf,
    /// The canary wallet's id.
    #[arg(long)]
    wallet: String,
    /// USDT (default) or USDC.
    #[arg(long, value_enum, default_value = "USDT")]
    token: TokenArg,
    /// ERC-20 without a node in the treasury file: the wallet's pending nonce on chain (the
    /// store's own counter wins when ahead). With `[erc20] rpc_url` the node gives it.
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
pub(crate) struct CanarySignArgs {
    /// The treasury file (wallets, check addresses, tokens, chain settings).
    #[arg(long)]
    treasury: PathBuf,
    /// The canary wallet's id.
    #[arg(long)]
    wallet: String,
    /// USDT (default) or USDC.
    #[arg(long, value_enum, default_value = "USDT")]
    token: TokenArg,
    /// The review hash `canary review` printed: exactly those bytes are signed.
    #[arg(long)]
    review: String,
    /// production (default) or dev (a development key named by the treasury file).
    #[arg(long, value_enum, default_value = "production")]
    profile: ProfileArg,
}

#[derive(Args)]
pub(crate) struct CanaryStatusArgs {
    /// The treasury file.
    #[arg(long)]
    treasury: PathBuf,
}

#[derive(Args)]
pub(crate) struct SignerAddressArgs {
    /// pkcs11:<token>/<key> | dev:file:PATH (dev-signer builds, dev profile only).
    #[arg(long)]
    signer: String,
    /// production (default) or dev.
    #[arg(long, value_enum, default_value = "production")]
    profile: ProfileArg,
}

pub(crate) async fn run_review(args: &CanaryReviewArgs, json_out: bool, db: Option<&std::path::Path>) -> Result<()> {
    crate::commands::refuse_db_override(db)?;
    let treasury = read_treasury(&args.treasury)?;
    let store = open_signing_store(db).await?;
    let launch = store.require_settings().await?.launch()?;
    let ref_block = match (&args.ref_block_bytes, &args.ref_block_hash) {
        (Some(bytes), Some(hash)) => Some((fixed_hex(bytes, "ref-block-bytes")?, fixed_hex(hash, "ref-block-hash")?)),
        (None, None) => None,
        _ => return Err(Error::Input("give both --ref-block-bytes and --ref-block-hash".to_owned())),
    };
    let who = args.who.trim();
    if who.is_empty() {
        return Err(Error::Input("--who must name the person reviewing".to_owned()));
    }
    let policy = flow::Policy { treasury: &treasury, launch: &launch };
    let mut input = flow::OperatorInput { pending_nonce: args.pending_nonce, ref_block, ..Default::default() };
    // With a node in the treasury file, an ERC-20 canary's nonce and fees come from it.
    let wallet = treasury.wallet(&args.wallet).map_err(|e| Error::Input(e.to_string()))?;
    if let (Destination::Eth(_), Some(_)) = (&wallet.address, &treasury.erc20.rpc_url) {
        let node = crate::broadcast::node_of(&treasury).await?;
        input = clubgate_treasury::broadcast::node_input(policy, &node, &wallet.address, None).await?;
    }
    // With a Tron node in the treasury file, a TRC-20 canary's reference block comes from its
    // head block unless the operator typed one.
    if let Destination::Tron(_) = &wallet.address {
        input = clubgate_treasury::tron::with_node_ref_block(&treasury, clubgate_core::plan::Network::Trc20, input).await?;
    }
    let request =
        flow::CanaryReviewRequest { wallet: &args.wallet, token: args.token.token(), input, reviewed_by: who, now: Timestamp::now() };
    let review = flow::review_canary(&store, policy, request).await?;
    let decoded = crate::decode::decoded_document(&review.unsigned_hex)?;
    let document = json!({
        "wallet": args.wallet,
        "review_hash": review.review_hash,
        "unsigned": review.unsigned_hex,
        "expires_at": review.expires_at.to_string(),
        "decoded": decoded,
    });
    if json_out {
        return print_json(&document);
    }
    println!("canary payout of {}: review {}", args.wallet, review.review_hash);
    println!("{}", serde_json::to_string_pretty(&decoded)?);
    println!("sign before {} with --review {}", review.expires_at, review.review_hash);
    Ok(())
}

pub(crate) async fn run_sign(args: &CanarySignArgs, json_out: bool, db: Option<&std::path::Path>) -> Result<()> {
    crate::commands::refuse_db_override(db)?;
    let treasury = read_treasury(&args.treasury)?;
    let wallet = treasury.wallet(&args.wallet).map_err(|e| Error::Input(e.to_string()))?;
    let store = open_signing_store(db).await?;
    let launch = store.require_settings().await?.launch()?;
    let client = crate::bundle::ledger_client(&store).await?;
    let who = clubgate_sync::workstation_name();
    let ledger = client.as_ref().map(|client| clubgate_sync::SigningLedger::new(client, &store, &who));
    let request = flow::CanaryRequest {
        wallet: &wallet.id,
        token: args.token.token(),
        review_hash: &args.review,
        now: Timestamp::now(),
        ledger: ledger.as_ref().map(|l| l as &dyn flow::ChunkLedger),
    };
    let keys = ConfiguredKeys { profile: args.profile.into() };
    let signed = flow::sign_canary(&store, flow::Policy { treasury: &treasury, launch: &launch }, &keys, request).await?;
    let mut document = signed.document;
    document["wallet"] = json!(wallet.id);
    document["network"] = json!(network_id(wallet.network));
    document["check_address"] = json!(wallet.check_address.map(|a| a.to_string()));
    document["amount"] = json!(CANARY_AMOUNT_BASE_UNITS as u64);
    document["bundle_id"] = json!(signed.bundle_id);
    document["review_hash"] = json!(signed.signing_hash);
    if json_out {
        return print_json(&document);
    }
    println!("canary payout of {} ({}) signed: {}", wallet.id, network_id(wallet.network), signed.hash);
    Ok(())
}

/// The day's canary status of every canary wallet.
pub(crate) async fn canary_status(store: &Store, launch: &Launch, treasury: &Treasury, now: Timestamp) -> Result<Value> {
    let (day, statuses) = flow::canary_statuses(store, launch, treasury, now).await?;
    let rows: Vec<Value> = statuses
        .iter()
        .map(|c| {
            json!({
                "network": network_id(c.wallet.network),
                "wallet": c.wallet.id,
                "check_address": c.wallet.check_address.map(|a| a.to_string()),
                "status": c.status,
                "tx_hash": c.tx_hash,
            })
        })
        .collect();
    Ok(json!({ "day": day.to_string(), "canaries": rows }))
}

pub(crate) async fn run_status(args: &CanaryStatusArgs, json_out: bool, db: Option<&std::path::Path>) -> Result<()> {
    let treasury = read_treasury(&args.treasury)?;
    let store = crate::commands::open_store(db).await?;
    let launch = store.require_settings().await?.launch()?;
    let document = canary_status(&store, &launch, &treasury, Timestamp::now()).await?;
    if json_out {
        return print_json(&document);
    }
    println!("canary payouts of {}", document["day"].as_str().unwrap_or_default());
    for row in document["canaries"].as_array().into_iter().flatten() {
        println!(
            "  {:<6} {:<16} {}",
            row["network"].as_str().unwrap_or(""),
            row["wallet"].as_str().unwrap_or(""),
            row["status"].as_str().unwrap_or("")
        );
    }
    Ok(())
}

pub(crate) fn run_address(args: &SignerAddressArgs, json_out: bool) -> Result<()> {
    let signer = open_signer(&args.signer, args.profile)?;
    let erc20 = flow::signer_address(Network::Erc20, signer.as_ref());
    let trc20 = flow::signer_address(Network::Trc20, signer.as_ref());
    let shown = if args.signer.starts_with("dev:") { "dev:…" } else { args.signer.as_str() };
    if json_out {
        return print_json(&json!({ "signer": shown, "erc20": erc20.to_string(), "trc20": trc20.to_string() }));
    }
    let (Destination::Eth(eth), Destination::Tron(tron)) = (erc20, trc20) else { unreachable!("addresses follow their network") };
    println!("{shown}\n  erc20 {eth}\n  trc20 {tron}");
    Ok(())
}
