//! The chain behind the Payouts page (issue 12 points 1–2): a review takes what only the
//! chain knows — an ERC-20 wallet's pending nonce and the fee market, a TRC-20 reference
//! block — from the policy's nodes when they are configured (the operator's typed values
//! otherwise); a signed ERC-20 chunk is broadcast from here and followed to its
//! confirmations, a stuck one showing the speed-up at the next fee mode; a signed TRC-20
//! chunk likewise through the Tron node, until its expiry. Everything goes
//! through `clubgate_treasury::broadcast` and `::tron`, the code of `clubgate tx broadcast`,
//! `tx status` and `review`.

use clubgate_core::payout::Destination;
use clubgate_core::plan::Network;
use clubgate_ipc::{ChainInput, ChainStatusView, ChunkChainView, ChunkRequest};
use clubgate_treasury::broadcast::{self, ChunkTrack, Status, TronTrack};
use clubgate_treasury::flow::{self, OperatorInput, Policy};
use clubgate_treasury::tron;
use jiff::Timestamp;

use crate::error::{Error, Result};
use crate::service::Service;

fn refuse(message: impl Into<String>) -> Error {
    Error::Refused { message: message.into() }
}

fn wei_gwei(wei: u128) -> String {
    let whole = wei / 1_000_000_000;
    let fraction = wei % 1_000_000_000;
    if fraction == 0 {
        format!("{whole} gwei")
    } else {
        format!("{whole}.{} gwei", format!("{fraction:09}").trim_end_matches('0'))
    }
}

fn state_text(status: Status, age_s: i64, confirmations: u64, required: u64, block: Option<u64>) -> String {
    match status {
        Status::Pending => format!("pending {age_s} s"),
        Status::Stuck => format!("stuck: pending {age_s} s"),
        Status::Mined => format!("mined, {confirmations}/{required} confirmations"),
        Status::Confirmed => format!("confirmed ({confirmations} confirmations)"),
        Status::Failed => format!("failed in block {}", block.unwrap_or_default()),
        Status::Unknown => "unknown to the node".to_owned(),
    }
}

fn tron_view(track: &TronTrack) -> ChunkChainView {
    let mut text = state_text(track.status, track.age_s, track.confirmations, track.required_confirmations, track.block);
    if let Some(failure) = &track.failure {
        text = format!("{text}: {failure}");
    }
    if let (Status::Pending, Some(expires)) = (track.status, track.expires_at) {
        text = format!("{text}, expires {expires}");
    }
    ChunkChainView {
        bundle_id: track.bundle_id.clone(),
        chunk: track.chunk,
        status: track.status.id().to_owned(),
        text,
        attempt: track.attempt,
        tx_hash: track.txid.clone(),
        fee_mode: String::new(),
        confirmations: track.confirmations,
        required_confirmations: track.required_confirmations,
        speed_up: None,
        replaced: track
            .attempts
            .iter()
            .filter(|a| a.attempt != track.attempt)
            .map(|a| format!("attempt {} {}: {}", a.attempt, a.tx_hash, a.state))
            .collect(),
    }
}

fn chunk_view(track: &ChunkTrack) -> ChunkChainView {
    let speed_up = track.speed_up.as_ref().map(|s| match &s.fees {
        Ok((max, priority)) => format!("speed up at {} fees: max {} / priority {}", s.fee_mode.id(), wei_gwei(*max), wei_gwei(*priority)),
        Err(reason) => format!("a speed-up at {} fees is refused: {reason}", s.fee_mode.id()),
    });
    let state = state_text(track.status, track.age_s, track.confirmations, track.required_confirmations, track.block);
    ChunkChainView {
        bundle_id: track.bundle_id.clone(),
        chunk: track.chunk,
        status: track.status.id().to_owned(),
        text: state,
        attempt: track.attempt,
        tx_hash: track.tx_hash.clone(),
        fee_mode: track.fee_mode.id().to_owned(),
        confirmations: track.confirmations,
        required_confirmations: track.required_confirmations,
        speed_up,
        replaced: track
            .attempts
            .iter()
            .filter(|a| a.attempt != track.attempt)
            .map(|a| format!("attempt {} {}: {}", a.attempt, a.tx_hash, a.state))
            .collect(),
    }
}

impl Service {
    /// The review input of a chunk paid from `source`: what the operator typed, else what
    /// the policy's node says (ERC-20: pending nonce and fees, a speed-up at the next fee
    /// mode; TRC-20: the head block's reference).
    pub(crate) async fn chain_input(
        &self,
        policy: Policy<'_>,
        source: &Destination,
        typed: OperatorInput,
        raw: &ChainInput,
        speed_up_of: Option<(&str, u32)>,
    ) -> Result<OperatorInput> {
        match source {
            Destination::Eth(_) => {
                let Some(node) = broadcast::connect(policy.treasury).await? else {
                    return Ok(typed);
                };
                if !raw.pending_nonce.trim().is_empty() {
                    return Err(refuse(format!(
                        "the pending nonce {} is not taken: the policy names the Ethereum node {} ([erc20] rpc_url), whose pending nonce is used; clear the field",
                        raw.pending_nonce.trim(),
                        node.url()
                    )));
                }
                let fee_mode = match speed_up_of {
                    Some((bundle_id, chunk)) => Some(broadcast::next_fee_mode(&self.store, policy.treasury, bundle_id, chunk).await?),
                    None => None,
                };
                broadcast::node_input(policy, &node, source, fee_mode).await.map_err(Error::from)
            }
            Destination::Tron(_) => tron::with_node_ref_block(policy.treasury, Network::Trc20, typed).await.map_err(Error::Flow),
        }
    }

    /// Broadcasts a chunk's latest signed transaction to its network's node: recorded
    /// first (its `broadcast` command queued), then sent; again is harmless.
    pub async fn broadcast_chunk(&self, request: &ChunkRequest) -> Result<ChainStatusView> {
        let treasury = self.treasury().await?;
        let launch = self.launch().await?;
        let (_, payout) = self.stored_bundle(&request.bundle_id).await?;
        let policy = Policy { treasury: &treasury, launch: &launch };
        let (network, _) = flow::check_policy(policy, &payout)?;
        if network == Network::Trc20 {
            let node = tron::node(&treasury)?.ok_or_else(|| {
                refuse("the policy names no Tron node ([trc20] node_url): broadcast the signed bytes yourself and record it with \"Mark as broadcast\"")
            })?;
            broadcast::broadcast_trc20(&self.store, &node, &request.bundle_id, request.chunk, "ClubGate Desk", Timestamp::now()).await?;
            return self.chain_status().await;
        }
        let node = broadcast::connect(&treasury).await?.ok_or_else(|| {
            refuse("the policy names no Ethereum node ([erc20] rpc_url): broadcast the signed bytes yourself and record it with \"Mark as broadcast\"")
        })?;
        broadcast::broadcast(&self.store, policy, &node, &request.bundle_id, request.chunk, "ClubGate Desk", Timestamp::now()).await?;
        self.chain_status().await
    }

    /// Every broadcast chunk followed on the policy's nodes (ERC-20: pending, stuck with the
    /// speed-up, mined with its confirmations, confirmed, failed; TRC-20: pending until its
    /// expiry, mined, confirmed, failed, unknown after expiry). Status changes are queued for
    /// the ledger once, as `tx status` does.
    pub async fn chain_status(&self) -> Result<ChainStatusView> {
        let treasury = self.treasury().await?;
        let launch = self.launch().await?;
        let policy = Policy { treasury: &treasury, launch: &launch };
        let now = Timestamp::now();
        let mut view = ChainStatusView { node: None, note: None, block: None, chunks: Vec::new() };
        let mut notes = Vec::new();
        match broadcast::connect(&treasury).await {
            Ok(Some(node)) => {
                view.node = Some(node.url().to_owned());
                match broadcast::track(&self.store, policy, &node, None, now).await {
                    Ok((block, tracks)) => {
                        view.block = Some(block);
                        view.chunks.extend(tracks.iter().map(chunk_view));
                    }
                    Err(error) => notes.push(format!("erc20: {error}")),
                }
            }
            Ok(None) => {
                notes.push("erc20: the policy names no Ethereum node ([erc20] rpc_url): chunks are not followed on chain".to_owned())
            }
            Err(error) => notes.push(format!("erc20: {error}")),
        }
        match tron::node(&treasury) {
            Ok(Some(node)) => match broadcast::track_trc20(&self.store, policy, &node, None, now).await {
                Ok((_, tracks)) => view.chunks.extend(tracks.iter().map(tron_view)),
                Err(error) => notes.push(format!("trc20: {error}")),
            },
            Ok(None) => notes.push("trc20: the policy names no Tron node ([trc20] node_url)".to_owned()),
            Err(error) => notes.push(format!("trc20: {error}")),
        }
        view.note = (!notes.is_empty()).then(|| notes.join("; "));
        Ok(view)
    }
}
