//! ERC-20 chunks on chain: the review's inputs read from the node, broadcasting a signed
//! chunk, and following it to confirmation with stuck transactions sped up (issue 12).
//!
//! - [`node_input`] / [`review_from_node`]: the pending nonce (through the store's nonce
//!   rules) and the fee market of the node, so the operator types nothing;
//! - [`broadcast`]: records the broadcast in the store first (its `broadcast` command queued
//!   with it), then sends the chunk's latest signed bytes — a retry after a crash sends the
//!   same bytes again, and "already known" or "mined" is success;
//! - [`track`]: each broadcast chunk's status — pending, stuck (pending longer than
//!   `stuck_after_s`, with the speed-up proposed at the next fee mode), mined with its
//!   confirmations, confirmed, failed — and each status change (`confirmed`, `failed`,
//!   `replaced`) queued once for the ledger.
//!
//! TRC-20 chunks go the same way to the file's Tron node ([`broadcast_trc20`],
//! [`track_trc20`], over `chain::tron_http`): a TRC-20 transaction is not sped up; one that
//! expired unbroadcast is reviewed again with [`Replace::Expired`].
//!
//! A speed-up is a replacement through the usual path: [`review_from_node`] with
//! [`Replace::SpeedUp`] (same nonce, the next fee mode, under the policy's fee ceiling), the
//! quorum and the checks of [`crate::flow::sign_chunk`], then [`broadcast`].

use alloy::primitives::{hex, B256};
use clubgate_chain::approval::PayoutBundle;
use clubgate_chain::erc20::{self, FeeMode};
use clubgate_chain::evm_node::{EvmNode, Mined, Sent, TxState};
use clubgate_chain::trc20;
use clubgate_chain::tron_http::{Outcome, TronNode, TxStatus};
use clubgate_core::payout::Destination;
use clubgate_core::treasury::Treasury;
use clubgate_store::{BroadcastRecord, Store};
use jiff::Timestamp;
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::flow::{self, NodeFees, OperatorInput, Policy, Replace, Review, ReviewRequest};

fn refused(message: String) -> Error {
    Error::Node { code: "not_broadcastable", message }
}

/// Connects to the treasury file's Ethereum node (`[erc20] rpc_url`), checking its chain
/// id against the file's; `None` when the file names no node.
pub async fn connect(treasury: &Treasury) -> Result<Option<EvmNode>> {
    match &treasury.erc20.rpc_url {
        Some(url) => Ok(Some(EvmNode::connect(url, treasury.erc20.chain_id).await?)),
        None => Ok(None),
    }
}

fn check_chain(policy: Policy<'_>, node: &EvmNode) -> Result<()> {
    let wanted = policy.treasury.erc20.chain_id;
    if node.chain_id() != wanted {
        return Err(clubgate_chain::evm_node::NodeError::ChainMismatch {
            url: node.url().to_owned(),
            node: node.chain_id(),
            policy: wanted,
        }
        .into());
    }
    Ok(())
}

/// The review's input from the node for a chunk paid from `source`: the wallet's pending
/// nonce and the next block's fees (the file's priority fee when no recent block carried a
/// transaction), with `fee_mode` (a mode above the file's, for a speed-up) or the file's.
pub async fn node_input(policy: Policy<'_>, node: &EvmNode, source: &Destination, fee_mode: Option<FeeMode>) -> Result<OperatorInput> {
    check_chain(policy, node)?;
    let Destination::Eth(wallet) = source else {
        return Err(refused(format!("{source} is not an Ethereum wallet; the Ethereum node gives ERC-20 inputs only")));
    };
    let pending_nonce = node.pending_nonce(wallet.address()).await?;
    let market = node.fee_market().await?;
    let fee_market = NodeFees {
        base_fee_wei: market.base_fee_wei,
        priority_fee_wei: market.priority_fee_wei.unwrap_or(policy.treasury.erc20.priority_fee_wei),
    };
    Ok(OperatorInput { pending_nonce, fee_market: Some(fee_market), fee_mode, ..OperatorInput::default() })
}

/// What a review from the node needs.
#[derive(Debug, Clone, Copy)]
pub struct NodeReviewRequest<'a> {
    /// The bundle.
    pub bundle: &'a PayoutBundle,
    /// The chunk (0-based).
    pub chunk: u32,
    /// `None` for the original, [`Replace::SpeedUp`] for a speed-up.
    pub replace: Option<Replace>,
    /// The fee mode; `None`: the file's for an original, the next one up for a speed-up
    /// ([`next_fee_mode`]).
    pub fee_mode: Option<FeeMode>,
    /// Who reviews.
    pub reviewed_by: &'a str,
    /// Now.
    pub now: Timestamp,
}

/// Reviews an ERC-20 chunk with its nonce and fees from the node ([`flow::review_chunk`]
/// with [`node_input`]); a speed-up without a fee mode takes the next one up.
pub async fn review_from_node(store: &Store, policy: Policy<'_>, node: &EvmNode, request: NodeReviewRequest<'_>) -> Result<Review> {
    let NodeReviewRequest { bundle, chunk, replace, fee_mode, reviewed_by, now } = request;
    let (network, _) = flow::check_policy(policy, bundle)?;
    let source = Destination::parse(network, &bundle.source)?;
    let fee_mode = match (fee_mode, replace) {
        (Some(mode), _) => Some(mode),
        (None, Some(Replace::SpeedUp)) => Some(next_fee_mode(store, policy.treasury, &bundle.bundleId, chunk).await?),
        (None, _) => None,
    };
    if replace == Some(Replace::SpeedUp) {
        // A chunk already mined is not sped up: its replacement could never be mined.
        if let Some(attempt) = store.attempts(&bundle.bundleId, chunk).await?.into_iter().rfind(|a| a.state == "signed") {
            if let Some(hash) = attempt.tx_hash.as_deref().and_then(|h| h.parse::<B256>().ok()) {
                if let TxState::Mined(mined) = node.tx_state(hash).await? {
                    return Err(refused(format!(
                        "attempt {} of chunk {chunk} of {} ({hash}) is mined in block {}; a speed-up replaces only a pending transaction",
                        attempt.attempt, bundle.bundleId, mined.block
                    )));
                }
            }
        }
    }
    let input = node_input(policy, node, &source, fee_mode).await?;
    flow::review_chunk(store, policy, ReviewRequest { bundle, chunk, replace, input, reviewed_by, now }).await
}

/// The fee mode of a chunk's latest signed attempt: the file's, one step up per speed-up.
pub async fn current_fee_mode(store: &Store, treasury: &Treasury, bundle_id: &str, chunk: u32) -> Result<FeeMode> {
    let mut mode = flow::fee_mode(treasury)?;
    for attempt in store.attempts(bundle_id, chunk).await? {
        if attempt.state == "signed" && attempt.reason.as_deref() == Some("speed-up") {
            mode = mode.next();
        }
    }
    Ok(mode)
}

/// The fee mode a speed-up of the chunk takes: the next one up from its current mode
/// (normal → fast → urgent; urgent stays urgent).
pub async fn next_fee_mode(store: &Store, treasury: &Treasury, bundle_id: &str, chunk: u32) -> Result<FeeMode> {
    Ok(current_fee_mode(store, treasury, bundle_id, chunk).await?.next())
}

/// A broadcast chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broadcast {
    /// The bundle.
    pub bundle_id: String,
    /// The chunk.
    pub chunk: u32,
    /// The attempt sent (the chunk's latest signed one).
    pub attempt: u32,
    /// Its transaction hash.
    pub tx_hash: String,
    /// Whether this call recorded the broadcast (`false`: it was recorded before, and the
    /// same bytes were sent again).
    pub recorded: bool,
    /// What the node said.
    pub sent: Sent,
}

impl Broadcast {
    /// `accepted`, `already_known` or `mined`.
    pub fn outcome(&self) -> &'static str {
        match self.sent {
            Sent::Accepted => "accepted",
            Sent::AlreadyKnown => "already_known",
            Sent::Mined(_) => "mined",
        }
    }

    /// The JSON of `clubgate tx broadcast --json`.
    pub fn to_json(&self) -> Value {
        json!({
            "bundle_id": self.bundle_id,
            "chunk": self.chunk,
            "attempt": self.attempt,
            "tx_hash": self.tx_hash,
            "recorded": self.recorded,
            "outcome": self.outcome(),
        })
    }
}

/// The chunk's latest signed ERC-20 transaction: attempt, raw bytes, decoded.
async fn latest_signed(store: &Store, policy: Policy<'_>, bundle_id: &str, chunk: u32) -> Result<(u32, Vec<u8>, erc20::Decoded)> {
    let attempt = store
        .attempts(bundle_id, chunk)
        .await?
        .into_iter()
        .rfind(|a| a.state == "signed")
        .ok_or_else(|| refused(format!("chunk {chunk} of bundle {bundle_id} has no signed transaction to broadcast; sign it first")))?;
    let raw = attempt.raw.unwrap_or_default();
    if !raw.starts_with("0x") {
        return Err(refused(format!(
            "chunk {chunk} of bundle {bundle_id} is a TRC-20 transaction; this broadcast sends ERC-20 transactions to the Ethereum node"
        )));
    }
    let bytes = hex::decode(&raw).map_err(|_| refused(format!("the stored transaction of chunk {chunk} of {bundle_id} is not hex")))?;
    let decoded = erc20::decode(&bytes)?;
    if decoded.chain_id != policy.treasury.erc20.chain_id {
        return Err(refused(format!(
            "attempt {} of chunk {chunk} of {bundle_id} is signed for chain id {}, not the policy's {}",
            attempt.attempt, decoded.chain_id, policy.treasury.erc20.chain_id
        )));
    }
    Ok((attempt.attempt, bytes, decoded))
}

/// Broadcasts the latest signed attempt of a chunk: records it in the store first (with its
/// `broadcast` command for the ledger), then sends the raw bytes. Sending them again (a
/// retry, or after a crash between the two) is success when the node has them already or
/// they are mined.
pub async fn broadcast(
    store: &Store,
    policy: Policy<'_>,
    node: &EvmNode,
    bundle_id: &str,
    chunk: u32,
    by: &str,
    now: Timestamp,
) -> Result<Broadcast> {
    check_chain(policy, node)?;
    let (attempt, bytes, decoded) = latest_signed(store, policy, bundle_id, chunk).await?;
    let hash = decoded.hash.ok_or_else(|| refused(format!("the stored transaction of chunk {chunk} of {bundle_id} is not signed")))?;
    let recorded = match store.broadcast_at(bundle_id, chunk, attempt).await? {
        Some(_) => false,
        None => match store.mark_broadcast_attempt(bundle_id, chunk, Some(attempt), by, now).await {
            Ok(marked) if marked == attempt => true,
            Ok(marked) => {
                return Err(refused(format!(
                "attempt {marked} of chunk {chunk} of {bundle_id} was signed while attempt {attempt} was being broadcast; broadcast again"
            )))
            }
            // Another process recorded it between the look-up and the mark: send.
            Err(error) if store.broadcast_at(bundle_id, chunk, attempt).await?.is_some() => {
                let _ = error;
                false
            }
            Err(error) => return Err(error.into()),
        },
    };
    // A crash here leaves the broadcast recorded and unsent: broadcasting again sends it.
    clubgate_crashpoint::hit("broadcast.after_record");
    let sent = node.send_raw(&bytes, hash).await?;
    Ok(Broadcast { bundle_id: bundle_id.to_owned(), chunk, attempt, tx_hash: hash.to_string(), recorded, sent })
}

/// A broadcast chunk's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// In the node's pool, younger than `stuck_after_s`.
    Pending,
    /// In the node's pool longer than `stuck_after_s` since its broadcast.
    Stuck,
    /// Mined with receipt status 1, fewer confirmations than the policy's.
    Mined,
    /// Mined with receipt status 1 and at least the policy's confirmations.
    Confirmed,
    /// Mined with receipt status 0 (reverted: the fee was paid, no token moved).
    Failed,
    /// Neither mined nor in the node's pool: broadcast it again.
    Unknown,
}

impl Status {
    /// The status as written in the JSON.
    pub fn id(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Stuck => "stuck",
            Self::Mined => "mined",
            Self::Confirmed => "confirmed",
            Self::Failed => "failed",
            Self::Unknown => "unknown",
        }
    }
}

/// One broadcast attempt of a chunk as the node sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptTrack {
    /// The attempt.
    pub attempt: u32,
    /// Its hash.
    pub tx_hash: String,
    /// When it was broadcast.
    pub broadcast_at: Timestamp,
    /// `pending`, `mined`, `failed`, `replaced` (another attempt of the chunk mined) or `unknown`.
    pub state: &'static str,
}

/// The speed-up a stuck chunk would get now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeedUp {
    /// The next fee mode.
    pub fee_mode: FeeMode,
    /// The fees it would review with (wei), or why it cannot (e.g. above the ceiling).
    pub fees: std::result::Result<(u128, u128), String>,
}

/// A broadcast chunk followed on chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkTrack {
    /// The bundle.
    pub bundle_id: String,
    /// The chunk.
    pub chunk: u32,
    /// The status.
    pub status: Status,
    /// The attempt the status is of (the mined one, else the latest broadcast).
    pub attempt: u32,
    /// Its hash.
    pub tx_hash: String,
    /// The paying wallet.
    pub from: String,
    /// The nonce.
    pub nonce: u64,
    /// Its fees (wei) and fee mode.
    pub max_fee_per_gas_wei: u128,
    /// Its priority fee (wei).
    pub max_priority_fee_per_gas_wei: u128,
    /// The fee mode of the attempt.
    pub fee_mode: FeeMode,
    /// When it was broadcast.
    pub broadcast_at: Timestamp,
    /// Seconds since then.
    pub age_s: i64,
    /// The block it was mined in.
    pub block: Option<u64>,
    /// Confirmations (the mined block counts as one).
    pub confirmations: u64,
    /// The policy's confirmations.
    pub required_confirmations: u64,
    /// For a stuck chunk: the speed-up proposed.
    pub speed_up: Option<SpeedUp>,
    /// Every broadcast attempt.
    pub attempts: Vec<AttemptTrack>,
    /// Status changes queued for the ledger by this call (`confirmed`, `failed`, `replaced`).
    pub recorded: Vec<String>,
}

impl ChunkTrack {
    /// One row of `clubgate tx status --json`.
    pub fn to_json(&self) -> Value {
        let speed_up = self.speed_up.as_ref().map(|s| match &s.fees {
            Ok((max, priority)) => json!({
                "fee_mode": s.fee_mode.id(),
                "max_fee_per_gas_wei": max.to_string(),
                "max_priority_fee_per_gas_wei": priority.to_string(),
                "refused": null,
            }),
            Err(reason) => {
                json!({"fee_mode": s.fee_mode.id(), "max_fee_per_gas_wei": null, "max_priority_fee_per_gas_wei": null, "refused": reason})
            }
        });
        json!({
            "bundle_id": self.bundle_id,
            "chunk": self.chunk,
            "network": "erc20",
            "status": self.status.id(),
            "stuck": self.status == Status::Stuck,
            "attempt": self.attempt,
            "tx_hash": self.tx_hash,
            "from": self.from,
            "nonce": self.nonce,
            "fee_mode": self.fee_mode.id(),
            "max_fee_per_gas_wei": self.max_fee_per_gas_wei.to_string(),
            "max_priority_fee_per_gas_wei": self.max_priority_fee_per_gas_wei.to_string(),
            "broadcast_at": self.broadcast_at.to_string(),
            "age_s": self.age_s,
            "block": self.block,
            "confirmations": self.confirmations,
            "required_confirmations": self.required_confirmations,
            "speed_up": speed_up,
            "attempts": self.attempts.iter().map(|a| json!({
                "attempt": a.attempt, "tx_hash": a.tx_hash, "broadcast_at": a.broadcast_at.to_string(), "state": a.state,
            })).collect::<Vec<_>>(),
            "recorded": self.recorded,
        })
    }
}

/// The JSON of `clubgate tx status --json`: `{"node", "block", "chunks": [...]}`.
pub fn tracks_json(node: &EvmNode, block: u64, tracks: &[ChunkTrack]) -> Value {
    json!({"node": node.url(), "chain_id": node.chain_id(), "block": block, "chunks": tracks.iter().map(ChunkTrack::to_json).collect::<Vec<_>>()})
}

/// The broadcast records of `network` (optionally of one bundle), grouped by chunk in the
/// order their first attempt was broadcast.
async fn broadcast_groups(store: &Store, network: &str, bundle: Option<&str>) -> Result<Vec<((String, u32), Vec<BroadcastRecord>)>> {
    let mut groups: Vec<((String, u32), Vec<BroadcastRecord>)> = Vec::new();
    for record in store.broadcasts().await? {
        if record.network != network || bundle.is_some_and(|b| b != record.bundle_id) {
            continue;
        }
        let key = (record.bundle_id.clone(), record.chunk);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, records)) => records.push(record),
            None => groups.push((key, vec![record])),
        }
    }
    Ok(groups)
}

fn parse_hash(record: &BroadcastRecord) -> Result<B256> {
    record.tx_hash.parse().map_err(|_| {
        refused(format!("the stored hash {:?} of {} chunk {} is not a transaction hash", record.tx_hash, record.bundle_id, record.chunk))
    })
}

/// Follows every broadcast ERC-20 chunk (optionally of one bundle) on the node at `now`;
/// returns the latest block and a row per chunk in broadcast order, and queues each new
/// status change (`confirmed`, `failed`, `replaced`) for the ledger once.
pub async fn track(
    store: &Store,
    policy: Policy<'_>,
    node: &EvmNode,
    bundle: Option<&str>,
    now: Timestamp,
) -> Result<(u64, Vec<ChunkTrack>)> {
    check_chain(policy, node)?;
    let settings = &policy.treasury.erc20;
    let head = node.block_number().await?;
    let groups = broadcast_groups(store, "erc20", bundle).await?;
    let mut market = None;
    let mut tracks = Vec::new();
    for ((bundle_id, chunk), records) in groups {
        let mut states = Vec::new();
        for record in &records {
            states.push(node.tx_state(parse_hash(record)?).await?);
        }
        let mined = records.iter().zip(&states).find_map(|(r, s)| match s {
            TxState::Mined(m) => Some((r, *m)),
            _ => None,
        });
        let latest = records.iter().max_by_key(|r| r.attempt).expect("a group has a record");
        // Not mined: the newest attempt still in the pool (a speed-up the node refused leaves
        // the one it would have replaced pending), else the latest broadcast.
        let pending = records.iter().zip(&states).filter(|(_, s)| **s == TxState::Pending).map(|(r, _)| r).max_by_key(|r| r.attempt);
        let subject = mined.map_or(pending.unwrap_or(latest), |(r, _)| r);
        let decoded = erc20::decode(
            &hex::decode(&subject.raw).map_err(|_| refused(format!("the stored transaction of {bundle_id} chunk {chunk} is not hex")))?,
        )?;
        let age_s = now.duration_since(subject.broadcast_at).as_secs();
        let mut mode = flow::fee_mode(policy.treasury)?;
        for attempt in store.attempts(&bundle_id, chunk).await? {
            if attempt.attempt <= subject.attempt && attempt.state == "signed" && attempt.reason.as_deref() == Some("speed-up") {
                mode = mode.next();
            }
        }
        let (status, block, confirmations) = match (mined, pending) {
            (Some((_, m)), _) if !m.success => (Status::Failed, Some(m.block), head.saturating_sub(m.block) + 1),
            (Some((_, m)), _) => {
                let k = head.saturating_sub(m.block) + 1;
                (if k >= settings.confirmations { Status::Confirmed } else { Status::Mined }, Some(m.block), k)
            }
            (None, Some(_)) if age_s >= settings.stuck_after_s => (Status::Stuck, None, 0),
            (None, Some(_)) => (Status::Pending, None, 0),
            (None, None) => (Status::Unknown, None, 0),
        };
        let speed_up = if status == Status::Stuck {
            let market = match market {
                Some(m) => m,
                None => *market.insert(node.fee_market().await?),
            };
            // What a speed-up review would take: the bump over the chunk's latest signed
            // attempt, at the next mode up from its current one.
            let (_, _, latest_signed) = latest_signed(store, policy, &bundle_id, chunk).await?;
            let current = current_fee_mode(store, policy.treasury, &bundle_id, chunk).await?;
            Some(propose_speed_up(policy.treasury, current, market, &latest_signed))
        } else {
            None
        };
        let attempts: Vec<AttemptTrack> = records
            .iter()
            .zip(&states)
            .map(|(r, s)| AttemptTrack {
                attempt: r.attempt,
                tx_hash: r.tx_hash.clone(),
                broadcast_at: r.broadcast_at,
                state: match (s, mined) {
                    (TxState::Mined(m), _) if !m.success => "failed",
                    (TxState::Mined(_), _) => "mined",
                    (_, Some(_)) => "replaced",
                    (TxState::Pending, None) => "pending",
                    (TxState::Unknown, None) => "unknown",
                },
            })
            .collect();
        let mut recorded = Vec::new();
        if let Some((winner, m)) = mined {
            let status_id = match status {
                Status::Failed => Some("failed"),
                Status::Confirmed => Some("confirmed"),
                _ => None,
            };
            if let Some(status_id) = status_id {
                let payload = json!({
                    "bundle_id": bundle_id, "chunk": chunk, "attempt": winner.attempt, "tx_hash": winner.tx_hash,
                    "status": status_id, "block": m.block, "confirmations": confirmations, "at": now.to_string(),
                });
                if store.record_broadcast_status(&bundle_id, chunk, winner.attempt, status_id, &payload, now).await? {
                    recorded.push(format!("{status_id} {}", winner.attempt));
                }
            }
            for other in records.iter().filter(|r| r.attempt != winner.attempt) {
                let payload = json!({
                    "bundle_id": bundle_id, "chunk": chunk, "attempt": other.attempt, "tx_hash": other.tx_hash,
                    "status": "replaced", "replaced_by": {"attempt": winner.attempt, "tx_hash": winner.tx_hash},
                    "block": m.block, "at": now.to_string(),
                });
                if store.record_broadcast_status(&bundle_id, chunk, other.attempt, "replaced", &payload, now).await? {
                    recorded.push(format!("replaced {}", other.attempt));
                }
            }
        }
        tracks.push(ChunkTrack {
            from: decoded.from.map(|f| f.to_checksum(None)).unwrap_or_default(),
            nonce: decoded.nonce,
            max_fee_per_gas_wei: decoded.max_fee_per_gas,
            max_priority_fee_per_gas_wei: decoded.max_priority_fee_per_gas,
            fee_mode: mode,
            broadcast_at: subject.broadcast_at,
            attempt: subject.attempt,
            tx_hash: subject.tx_hash.clone(),
            bundle_id,
            chunk,
            status,
            age_s,
            block,
            confirmations,
            required_confirmations: settings.confirmations,
            speed_up,
            attempts,
            recorded,
        });
    }
    Ok((head, tracks))
}

/// The speed-up of a stuck transaction at the next fee mode: what a review with the node's
/// market would pick now (at least the bump over the stuck fees, at least the next mode's
/// fees, the max fee capped at the ceiling), or why it would be refused.
fn propose_speed_up(treasury: &Treasury, mode: FeeMode, market: clubgate_chain::evm_node::FeeMarket, stuck: &erc20::Decoded) -> SpeedUp {
    let next = mode.next();
    let fees = match treasury.erc20.max_fee_per_gas_wei {
        Some(ceiling) => {
            let input = OperatorInput {
                fee_market: Some(NodeFees {
                    base_fee_wei: market.base_fee_wei,
                    priority_fee_wei: market.priority_fee_wei.unwrap_or(treasury.erc20.priority_fee_wei),
                }),
                fee_mode: Some(next),
                ..OperatorInput::default()
            };
            flow::fresh_fees(treasury, ceiling, &input, Some(stuck), next).map_err(|e| e.to_string())
        }
        None => Err("the treasury file sets no fee ceiling (erc20.max_fee_per_gas_wei): a speed-up takes the file's fees raised by the bump; review it with --replace speed-up".to_owned()),
    };
    SpeedUp { fee_mode: next, fees }
}

/// TRC-20: the chunk's latest signed attempt as the signed transaction a Tron node takes
/// (the registry's raw_data and the signature kept beside it) and its expiry (ms).
async fn latest_signed_trc20(store: &Store, bundle_id: &str, chunk: u32) -> Result<(u32, trc20::SignedTransfer, i64)> {
    let attempt = store
        .attempts(bundle_id, chunk)
        .await?
        .into_iter()
        .rfind(|a| a.state == "signed")
        .ok_or_else(|| refused(format!("chunk {chunk} of bundle {bundle_id} has no signed transaction to broadcast; sign it first")))?;
    let raw = attempt.raw.unwrap_or_default();
    if raw.starts_with("0x") {
        return Err(refused(format!("chunk {chunk} of bundle {bundle_id} is an ERC-20 transaction; send it to the Ethereum node")));
    }
    let raw_data = hex::decode(&raw).map_err(|_| refused(format!("the stored transaction of chunk {chunk} of {bundle_id} is not hex")))?;
    let signature = store.trc20_signature(bundle_id, chunk, attempt.attempt).await?.ok_or_else(|| {
        refused(format!(
            "attempt {} of chunk {chunk} of {bundle_id} was signed without its signature kept in this store (an older desk, or elsewhere): broadcast the signed document yourself and record it with `clubgate tx mark-broadcast`",
            attempt.attempt
        ))
    })?;
    let signature: [u8; 65] = hex::decode(signature.trim_start_matches("0x")).ok().and_then(|s| s.try_into().ok()).ok_or_else(|| {
        refused(format!("the kept signature of attempt {} of chunk {chunk} of {bundle_id} is not 65 bytes", attempt.attempt))
    })?;
    let expiration_ms = trc20::decode(&raw_data)?.expiration_ms;
    let txid = trc20::txid(&raw_data);
    Ok((attempt.attempt, trc20::SignedTransfer { raw_data, txid, signature }, expiration_ms))
}

/// Broadcasts the latest signed attempt of a TRC-20 chunk to a Tron node: refused once the
/// transaction expired (nothing is recorded then); else recorded in the store first (its
/// `broadcast` command queued), then sent (`wallet/broadcasthex`). Sending again is success
/// when the node has it already (`DUP_TRANSACTION_ERROR`) or it is in a block. TRC-20 has no
/// gas: a mined answer's `gas_used` and `effective_gas_price` are 0.
pub async fn broadcast_trc20(store: &Store, node: &TronNode, bundle_id: &str, chunk: u32, by: &str, now: Timestamp) -> Result<Broadcast> {
    let (attempt, signed, expiration_ms) = latest_signed_trc20(store, bundle_id, chunk).await?;
    let recorded = match store.broadcast_at(bundle_id, chunk, attempt).await? {
        Some(_) => false,
        None => {
            if now.as_millisecond() >= expiration_ms {
                return Err(refused(format!(
                    "attempt {attempt} of chunk {chunk} of {bundle_id} expired at {}; it was never broadcast: review it again with --replace expired",
                    Timestamp::from_millisecond(expiration_ms).map_or_else(|_| expiration_ms.to_string(), |t| t.to_string())
                )));
            }
            match store.mark_broadcast_attempt(bundle_id, chunk, Some(attempt), by, now).await {
                Ok(marked) if marked == attempt => true,
                Ok(marked) => {
                    return Err(refused(format!(
                        "attempt {marked} of chunk {chunk} of {bundle_id} was signed while attempt {attempt} was being broadcast; broadcast again"
                    )))
                }
                Err(_) if store.broadcast_at(bundle_id, chunk, attempt).await?.is_some() => false,
                Err(error) => return Err(error.into()),
            }
        }
    };
    clubgate_crashpoint::hit("broadcast.after_record");
    let sent = match node.broadcast(&signed).await {
        Ok(answer) if answer.duplicate => Sent::AlreadyKnown,
        Ok(_) => Sent::Accepted,
        Err(error) => match node.transaction_info(&signed.txid).await? {
            TxStatus::InBlock { block, outcome, .. } => {
                Sent::Mined(Mined { block, success: outcome == Outcome::Success, gas_used: 0, effective_gas_price: 0 })
            }
            TxStatus::NotFound => return Err(error.into()),
        },
    };
    Ok(Broadcast { bundle_id: bundle_id.to_owned(), chunk, attempt, tx_hash: hex::encode(signed.txid), recorded, sent })
}

/// A broadcast TRC-20 chunk followed on a Tron node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TronTrack {
    /// The bundle.
    pub bundle_id: String,
    /// The chunk.
    pub chunk: u32,
    /// `pending` (no receipt before its expiry), `mined`, `confirmed`, `failed` (the receipt
    /// is not SUCCESS), `unknown` (no receipt after its expiry: it will never be mined).
    pub status: Status,
    /// The attempt the status is of (the one in a block, else the latest broadcast).
    pub attempt: u32,
    /// Its txID (hex).
    pub txid: String,
    /// When it was broadcast.
    pub broadcast_at: Timestamp,
    /// Seconds since then.
    pub age_s: i64,
    /// When it expires.
    pub expires_at: Option<Timestamp>,
    /// The block it is in.
    pub block: Option<u64>,
    /// Confirmations (its own block counts).
    pub confirmations: u64,
    /// The policy's TRC-20 confirmations.
    pub required_confirmations: u64,
    /// The receipt's result when it failed (`REVERT`, `OUT_OF_ENERGY`, …).
    pub failure: Option<String>,
    /// Every broadcast attempt (`pending`, `mined`, `failed`, `replaced`, `unknown`).
    pub attempts: Vec<AttemptTrack>,
    /// Status changes queued for the ledger by this call.
    pub recorded: Vec<String>,
}

impl TronTrack {
    /// One row of `clubgate tx status --json` (`"network": "trc20"`).
    pub fn to_json(&self) -> Value {
        json!({
            "bundle_id": self.bundle_id,
            "chunk": self.chunk,
            "network": "trc20",
            "status": self.status.id(),
            "stuck": false,
            "attempt": self.attempt,
            "tx_hash": self.txid,
            "broadcast_at": self.broadcast_at.to_string(),
            "age_s": self.age_s,
            "expires_at": self.expires_at.map(|t| t.to_string()),
            "block": self.block,
            "confirmations": self.confirmations,
            "required_confirmations": self.required_confirmations,
            "failure": self.failure,
            "speed_up": null,
            "attempts": self.attempts.iter().map(|a| json!({
                "attempt": a.attempt, "tx_hash": a.tx_hash, "broadcast_at": a.broadcast_at.to_string(), "state": a.state,
            })).collect::<Vec<_>>(),
            "recorded": self.recorded,
        })
    }
}

/// Follows every broadcast TRC-20 chunk (optionally of one bundle) on a Tron node at `now`:
/// the head block and a row per chunk; each new status change (`confirmed`, `failed`,
/// `replaced`) is queued once for the ledger, as for ERC-20.
pub async fn track_trc20(
    store: &Store,
    policy: Policy<'_>,
    node: &TronNode,
    bundle: Option<&str>,
    now: Timestamp,
) -> Result<(u64, Vec<TronTrack>)> {
    let required = policy.treasury.trc20.confirmations;
    let head = node.now_block().await?.number;
    let groups = broadcast_groups(store, "trc20", bundle).await?;
    let mut tracks = Vec::new();
    for ((bundle_id, chunk), records) in groups {
        let mut states = Vec::new();
        for record in &records {
            let txid: B256 = record.tx_hash.trim_start_matches("0x").parse().map_err(|_| {
                refused(format!("the stored txID {:?} of {bundle_id} chunk {chunk} is not 32 bytes of hex", record.tx_hash))
            })?;
            states.push(node.transaction_info(&txid).await?);
        }
        let mined = records.iter().zip(&states).find_map(|(r, s)| match s {
            TxStatus::InBlock { block, outcome, .. } => Some((r, *block, outcome.clone())),
            TxStatus::NotFound => None,
        });
        let latest = records.iter().max_by_key(|r| r.attempt).expect("a group has a record");
        let subject = mined.as_ref().map_or(latest, |(r, _, _)| *r);
        let raw_data =
            hex::decode(&subject.raw).map_err(|_| refused(format!("the stored transaction of {bundle_id} chunk {chunk} is not hex")))?;
        let expiration_ms = trc20::decode(&raw_data)?.expiration_ms;
        let expires_at = Timestamp::from_millisecond(expiration_ms).ok();
        let age_s = now.duration_since(subject.broadcast_at).as_secs();
        let (status, block, confirmations, failure) = match &mined {
            Some((_, block, outcome)) => {
                let k = head.saturating_sub(*block) + 1;
                match outcome {
                    Outcome::Success if k >= required => (Status::Confirmed, Some(*block), k, None),
                    Outcome::Success => (Status::Mined, Some(*block), k, None),
                    Outcome::Failed { result, message } => (
                        Status::Failed,
                        Some(*block),
                        k,
                        Some(match message {
                            Some(m) => format!("{result}: {m}"),
                            None => result.clone(),
                        }),
                    ),
                }
            }
            None if now.as_millisecond() < expiration_ms => (Status::Pending, None, 0, None),
            None => (Status::Unknown, None, 0, None),
        };
        let attempts = records
            .iter()
            .zip(&states)
            .map(|(r, s)| AttemptTrack {
                attempt: r.attempt,
                tx_hash: r.tx_hash.clone(),
                broadcast_at: r.broadcast_at,
                state: match (s, &mined) {
                    (TxStatus::InBlock { outcome: Outcome::Success, .. }, _) => "mined",
                    (TxStatus::InBlock { .. }, _) => "failed",
                    (TxStatus::NotFound, Some(_)) => "replaced",
                    (TxStatus::NotFound, None) if status == Status::Pending => "pending",
                    (TxStatus::NotFound, None) => "unknown",
                },
            })
            .collect();
        let mut recorded = Vec::new();
        if let Some((winner, block, _)) = &mined {
            let status_id = match status {
                Status::Failed => Some("failed"),
                Status::Confirmed => Some("confirmed"),
                _ => None,
            };
            if let Some(status_id) = status_id {
                let payload = json!({
                    "bundle_id": bundle_id, "chunk": chunk, "attempt": winner.attempt, "tx_hash": winner.tx_hash,
                    "status": status_id, "block": block, "confirmations": confirmations, "failure": failure, "at": now.to_string(),
                });
                if store.record_broadcast_status(&bundle_id, chunk, winner.attempt, status_id, &payload, now).await? {
                    recorded.push(format!("{status_id} {}", winner.attempt));
                }
            }
            for other in records.iter().filter(|r| r.attempt != winner.attempt) {
                let payload = json!({
                    "bundle_id": bundle_id, "chunk": chunk, "attempt": other.attempt, "tx_hash": other.tx_hash,
                    "status": "replaced", "replaced_by": {"attempt": winner.attempt, "tx_hash": winner.tx_hash},
                    "block": block, "at": now.to_string(),
                });
                if store.record_broadcast_status(&bundle_id, chunk, other.attempt, "replaced", &payload, now).await? {
                    recorded.push(format!("replaced {}", other.attempt));
                }
            }
        }
        tracks.push(TronTrack {
            attempt: subject.attempt,
            txid: subject.tx_hash.clone(),
            broadcast_at: subject.broadcast_at,
            bundle_id,
            chunk,
            status,
            age_s,
            expires_at,
            block,
            confirmations,
            required_confirmations: required,
            failure,
            attempts,
            recorded,
        });
    }
    Ok((head, tracks))
}
