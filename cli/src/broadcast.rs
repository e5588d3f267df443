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
    let who = args.who.clone().unwrap_or_else(clubgate_sync::workstation_name);
    let policy = Policy { treasury: &treasury, launch: &launch };
    let latest = store.attempts(&args.bundle_id, args.chunk).await?.into_iter().rfind(|a| a.state == "signed");
    let tron = latest.is_some_and(|a| a.raw.is_some_and(|raw| !raw.starts_with("0x")));
    let (sent, url) = if tron {
        let node = clubgate_treasury::tron::node(&treasury)?.ok_or_else(|| {
            Error::Input("the treasury file names no Tron node: set [trc20] node_url to broadcast TRC-20 chunks".to_owned())
        })?;
        (broadcast::broadcast_trc20(&store, &node, &args.bundle_id, args.chunk, &who, Timestamp::now()).await?, node.url().to_owned())
    } else {
        let node = node_of(&treasury).await?;
        (broadcast::broadcast(&store, policy, &node, &args.bundle_id, args.chunk, &who, Timestamp::now()).await?, node.url().to_owned())
    };
    if json_out {
        return print_json(&sent.to_json());
    }
    println!(
        "chunk {} of bundle {} (attempt {}) {} to {}: {}{}",
        sent.chunk,
        sent.bundle_id,
        sent.attempt,
        sent.outcome().replace('_', " "),
        url,
        sent.tx_hash,
        if sent.recorded { "" } else { " (recorded as broadcast before; the same bytes were sent again)" }
    );
    Ok(())
}

pub(crate) async fn run_status(args: &StatusArgs, json_out: bool, db: Option<&Path>) -> Result<()> {
    let store = open_store(db).await?;
    let treasury = crate::bundle::treasury_of(&store, args.treasury.as_deref()).await?;
    let launch = store.require_settings().await?.launch()?;
    let policy = Policy { treasury: &treasury, launch: &launch };
    let now = Timestamp::now();
    let tron = clubgate_treasury::tron::node(&treasury)?;
    if treasury.erc20.rpc_url.is_none() && tron.is_none() {
        return Err(Error::Input(
            "the treasury file names no node: set [erc20] rpc_url (with max_fee_per_gas_wei) or [trc20] node_url to follow broadcast chunks".to_owned(),
        ));
    }
    let (mut document, tracks) = match &treasury.erc20.rpc_url {
        Some(_) => {
            let node = node_of(&treasury).await?;
            let (block, tracks) = broadcast::track(&store, policy, &node, args.bundle_id.as_deref(), now).await?;
            (broadcast::tracks_json(&node, block, &tracks), tracks)
        }
        None => (serde_json::json!({"node": null, "chain_id": null, "block": null, "chunks": []}), Vec::new()),
    };
    let tron_tracks = match &tron {
        Some(node) => {
            let (block, tracks) = broadcast::track_trc20(&store, policy, node, args.bundle_id.as_deref(), now).await?;
            document["tron_node"] = serde_json::json!(node.url());
            document["tron_block"] = serde_json::json!(block);
            tracks
        }
        None => {
            document["tron_node"] = serde_json::Value::Null;
            document["tron_block"] = serde_json::Value::Null;
            Vec::new()
        }
    };
    if let Some(chunks) = document["chunks"].as_array_mut() {
        chunks.extend(tron_tracks.iter().map(broadcast::TronTrack::to_json));
    }
    if json_out {
        return print_json(&document);
    }
    if let Some(url) = document["node"].as_str() {
        println!("{url} (chain {}), block {}", document["chain_id"], document["block"]);
    }
    if let Some(url) = document["tron_node"].as_str() {
        println!("{url} (Tron), block {}", document["tron_block"]);
    }
    for track in &tron_tracks {
        let detail = match track.block {
            Some(b) => format!("block {b}, {}/{} confirmations", track.confirmations, track.required_confirmations),
            None => format!("{} s since broadcast", track.age_s),
        };
        println!("{} chunk {} attempt {}: {} ({detail}) {}", track.bundle_id, track.chunk, track.attempt, track.status.id(), track.txid);
    }
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
