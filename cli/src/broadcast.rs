//! `clubgate tx broadcast` and `clubgate tx status`: a signed ERC-20 chunk sent to the
//! treasury file's node (`[erc20] rpc_url`), recorded first; the broadcast chunks followed to
//! confirmation, stuck ones flagged with the speed-up proposed (clubgate_treasury::broadcast).

use std::path::{Path, PathBuf};

use clap::Args;
use clubgate_chain::evm_node::EvmNode;
use clubgate_core::treasury::Treasury;
use clubgate_treasury::broadcast;
use clubgate_treasury::flow::Policy;
use jiff::Timestamp;

use crate::commands::{open_signing_store, open_store, print_json, Error, Result};

#[derive(Args)]
pub(crate) struct BroadcastArgs {
    /// The bundle.
    #[arg(long)]
    bundle_id: String,
    /// The chunk (0-based): its latest signed transaction is sent.
    #[arg(long)]
    chunk: u32,
    /// The treasury file: its [erc20] rpc_url is the node (default: the policy of the ledger
    /// the store follows).
    #[arg(long)]
    treasury: Option<PathBuf>,
    /// Who broadcasts (default `$USER@hostname`).
    #[arg(long)]
    who: Option<String>,
}

#[derive(Args)]
pub(crate) struct StatusArgs {
    /// Only this bundle's chunks.
    #[arg(long)]
    bundle_id: Option<String>,
    /// The treasury file (its node, confirmations, stuck threshold and fee ceiling).
    #[arg(long)]
    treasury: Option<PathBuf>,
}

/// The treasury file's Ethereum node, refused when the file names none.
pub(crate) async fn node_of(treasury: &Treasury) -> Result<EvmNode> {
    broadcast::connect(treasury).await?.ok_or_else(|| {
        Error::Input(
            "the treasury file names no Ethereum node: set [erc20] rpc_url (and max_fee_per_gas_wei) to broadcast and track".to_owned(),
        )
    })
}

pub(crate) async fn run_broadcast(args: &BroadcastArgs, json_out: bool, db: Option<&Path>) -> Result<()> {
    crate::commands::refuse_db_override(db)?;
    let store = open_signing_store(db).await?;
    let treasury = crate::bundle::treasury_of(&store, args.treasury.as_deref()).await?;
    let launch = store.require_settings().await?.launch()?;
    let node = node_of(&treasury).await?;
    let who = args.who.clone().unwrap_or_else(clubgate_sync::workstation_name);
    let policy = Policy { treasury: &treasury, launch: &launch };
    let sent = broadcast::broadcast(&store, policy, &node, &args.bundle_id, args.chunk, &who, Timestamp::now()).await?;
    if json_out {
        return print_json(&sent.to_json());
    }
    println!(
        "chunk {} of bundle {} (attempt {}) {} to {}: {}{}",
        sent.chunk,
        sent.bundle_id,
        sent.attempt,
        sent.outcome().replace('_', " "),
        node.url(),
        sent.tx_hash,
        if sent.recorded { "" } else { " (recorded as broadcast before; the same bytes were sent again)" }
    );
    Ok(())
}

pub(crate) async fn run_status(args: &StatusArgs, json_out: bool, db: Option<&Path>) -> Result<()> {
    let store = open_store(db).await?;
    let treasury = crate::bundle::treasury_of(&store, args.treasury.as_deref()).await?;
    let launch = store.require_settings().await?.launch()?;
    let node = node_of(&treasury).await?;
    let policy = Policy { treasury: &treasury, launch: &launch };
    let (block, tracks) = broadcast::track(&store, policy, &node, args.bundle_id.as_deref(), Timestamp::now()).await?;
    if json_out {
        return print_json(&broadcast::tracks_json(&node, block, &tracks));
    }
    println!("{} (chain {}), block {block}", node.url(), node.chain_id());
    for track in &tracks {
        let detail = match track.block {
            Some(b) => format!("block {b}, {}/{} confirmations", track.confirmations, track.required_confirmations),
            None => format!("{} s since broadcast", track.age_s),
        };
        println!(
            "{} chunk {} attempt {}: {} ({detail}) nonce {} {} {}",
            track.bundle_id,
            track.chunk,
            track.attempt,
            track.status.id(),
            track.nonce,
            track.fee_mode.id(),
            track.tx_hash
        );
        if let Some(speed_up) = &track.speed_up {
            match &speed_up.fees {
                Ok((max, priority)) => println!(
                    "  speed-up proposed: {} — max fee {max} wei, priority {priority} wei (clubgate review --bundle-id {} --chunk {} --replace speed-up)",
                    speed_up.fee_mode.id(),
                    track.bundle_id,
                    track.chunk
                ),
                Err(reason) => println!("  speed-up at {} is refused: {reason}", speed_up.fee_mode.id()),
            }
        }
    }
    Ok(())
}
