//! Approving and signing. A chunk is signed only after, in this order: the bundle's
//! batching matches the plan's cap, the approvals make a quorum of distinct registered
//! approvers, the signer is the bundle's source wallet, the business day's phase volume cap
//! has room (originals only), and the never-sign-twice registry has durably reserved the
//! attempt. Canary payouts go the same last two steps with their own fixed rules.

use alloy::primitives::hex;
use alloy::primitives::Address;
use clubgate_chain::approval::{approve, Approval, PayoutBundle, Quorum};
use clubgate_chain::erc20::{self, REPLACEMENT_BUMP_PERCENT};
use clubgate_chain::signer::HashSigner;
use clubgate_chain::trc20;
use clubgate_core::launch::Launch;
use clubgate_core::payout::{check_volume, Destination, EthAddress, TokenAmount, TronAddress};
use clubgate_core::plan::Network;
use clubgate_core::treasury::{network_id, ApproverRole, Token, Treasury, Wallet, WalletKind, CANARY_AMOUNT_BASE_UNITS};
use clubgate_store::{ChunkRef, Store};
use jiff::{Timestamp, ToSpan};
use serde_json::{json, Value};

use crate::bundle::check_batching;
use crate::error::{Error, Result};

/// The transaction fields that come from the chain and the operator, not from the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainParams {
    /// ERC-20.
    Erc20 {
        /// EIP-155 chain id.
        chain_id: u64,
        /// The token contract.
        token: Address,
        /// The wallet's pending nonce on chain; used only for a wallet new to the store.
        pending_nonce: u64,
        /// Gas limit.
        gas_limit: u64,
        /// Max fee per gas (wei).
        max_fee_per_gas: u128,
        /// Max priority fee per gas (wei).
        max_priority_fee_per_gas: u128,
    },
    /// TRC-20.
    Trc20 {
        /// The token contract.
        token: TronAddress,
        /// Reference block bytes.
        ref_block_bytes: [u8; 2],
        /// Reference block hash bytes.
        ref_block_hash: [u8; 8],
        /// Expiration (ms).
        expiration_ms: i64,
        /// Timestamp (ms).
        timestamp_ms: i64,
        /// Fee limit (sun).
        fee_limit_sun: i64,
    },
}

/// A recorded replacement of an already signed chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// ERC-20: same nonce, both fees up by at least the replacement bump.
    SpeedUp,
    /// TRC-20: the previous transaction has expired unconfirmed.
    Expired,
}

impl Replace {
    /// Parses `speed-up` / `expired`.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "speed-up" => Ok(Self::SpeedUp),
            "expired" => Ok(Self::Expired),
            other => Err(Error::Refused(format!("replacement {other:?} is not speed-up (ERC-20) or expired (TRC-20)"))),
        }
    }

    fn reason(self) -> &'static str {
        match self {
            Self::SpeedUp => "speed-up",
            Self::Expired => "expired",
        }
    }
}

/// A signed chunk as recorded in the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedChunk {
    /// The bundle.
    pub bundle_id: String,
    /// The chunk.
    pub chunk: u32,
    /// 0 for the original, then replacements.
    pub attempt: u32,
    /// Transaction hash (ERC-20) or txID (TRC-20).
    pub hash: String,
    /// The raw transaction (ERC-20: 0x-hex signed bytes; TRC-20: raw_data hex).
    pub raw: String,
    /// The contract's output fields for this network.
    pub document: Value,
}

/// The address of `signer` on `network`, as the wallet is written.
pub fn signer_address(network: Network, signer: &(dyn HashSigner + Sync)) -> Destination {
    match network {
        Network::Erc20 => Destination::Eth(EthAddress::from_address(signer.address())),
        Network::Trc20 => Destination::Tron(TronAddress::from_account(signer.address())),
    }
}

/// The quorum of a treasury's registry: its `approver`-role members, M = its quorum.
pub fn quorum_of(treasury: &Treasury) -> Result<Quorum> {
    Quorum::new(treasury.quorum, treasury.voting_approvers().map(|a| a.address.address()).collect::<Vec<_>>())
        .map_err(|e| Error::Refused(e.to_string()))
}

/// Refuses approvals by registered people whose role does not approve, naming them, then
/// verifies the quorum (distinct, registered, signatures over this very bundle).
pub fn check_approvals(treasury: &Treasury, bundle: &PayoutBundle, approvals: &[Approval]) -> Result<Vec<Address>> {
    for approval in approvals {
        let registered = treasury.approvers.iter().find(|a| a.address.address() == approval.approver);
        if let Some(person) = registered.filter(|a| a.role != ApproverRole::Approver) {
            return Err(Error::Refused(format!(
                "{} ({}) is registered as {}, a role that does not approve payouts",
                person.name,
                approval.approver.to_checksum(None),
                person.role.id()
            )));
        }
    }
    quorum_of(treasury)?.verify(bundle, approvals).map_err(|e| Error::Refused(e.to_string()))
}

/// Refuses an approval key that is not a registered person with the `approver` role.
pub fn check_approver(treasury: &Treasury, address: Address) -> Result<()> {
    match treasury.approvers.iter().find(|a| a.address.address() == address) {
        Some(person) if person.role == ApproverRole::Approver => Ok(()),
        Some(person) => {
            Err(Error::Refused(format!("{} is registered as {}, a role that does not approve payouts", person.name, person.role.id())))
        }
        None => Err(Error::Refused(format!("key {} is not in the approver registry", address.to_checksum(None)))),
    }
}

/// An approval of `bundle` by `signer`, refused unless the signer is a registered approver.
pub fn approve_as(treasury: &Treasury, bundle: &PayoutBundle, signer: &dyn HashSigner) -> Result<Approval> {
    check_approver(treasury, signer.address())?;
    Ok(approve(bundle, signer)?)
}

/// `[start, end)` of the plan-zone business day that contains `at`.
pub fn business_day(launch: &Launch, at: Timestamp) -> Result<(jiff::civil::Date, Timestamp, Timestamp)> {
    let tz = launch.t0.zoned().time_zone().clone();
    let day = at.to_zoned_datetime(tz.clone()).date();
    let edge = |date: jiff::civil::Date| {
        date.at(0, 0, 0, 0).to_zoned_datetime(tz.clone()).map(|z| z.timestamp()).map_err(|e| Error::Refused(e.to_string()))
    };
    let next = day.checked_add(1.day()).map_err(|e| Error::Refused(e.to_string()))?;
    Ok((day, edge(day)?, edge(next)?))
}

/// What one signature needs besides the bundle.
pub struct SignInput<'a> {
    /// The launch (plan + T0 + date table).
    pub launch: &'a Launch,
    /// The quorum to verify.
    pub quorum: &'a Quorum,
    /// The approvals.
    pub approvals: &'a [Approval],
    /// The chunk (0-based).
    pub chunk: u32,
    /// The hot wallet's key.
    pub signer: &'a (dyn HashSigner + Sync),
    /// Chain fields.
    pub chain: ChainParams,
    /// A replacement, or `None` for the original.
    pub replace: Option<Replace>,
    /// The daily target volume (base units).
    pub daily_target: u128,
    /// The instant of signing.
    pub now: Timestamp,
}

/// Signs one chunk of an approved bundle; see the module docs for the order of checks.
pub async fn sign_chunk(store: &Store, bundle: &PayoutBundle, input: SignInput<'_>) -> Result<SignedChunk> {
    let network = check_batching(&input.launch.plan, bundle)?;
    input.quorum.verify(bundle, input.approvals).map_err(|e| Error::Refused(e.to_string()))?;
    let index = usize::try_from(input.chunk).ok().filter(|i| *i < bundle.chunks.len()).ok_or_else(|| {
        Error::Refused(format!("chunk {} is not in bundle {} ({} chunks)", input.chunk, bundle.bundleId, bundle.chunks.len()))
    })?;
    let amount = u128::try_from(bundle.chunks[index]).map_err(|_| Error::Refused("chunk too large".to_owned()))?;
    let source = signer_address(network, input.signer).to_string();
    if source != bundle.source {
        return Err(Error::Refused(format!("the signer's wallet is {source}, but bundle {} pays from {}", bundle.bundleId, bundle.source)));
    }
    let destination = Destination::parse(network, &bundle.destination)?;
    if input.replace.is_none() {
        if let Some((attempt, _, state, _)) = store.signature_attempts(&bundle.bundleId, input.chunk).await?.last() {
            return Err(Error::Refused(format!(
                "chunk {} of bundle {} is already {state} (attempt {attempt}); it is never signed twice — a new signature is only a replacement",
                input.chunk, bundle.bundleId
            )));
        }
        // Only originals count towards the day's volume: a replacement pays the same chunk.
        let (_, start, end) = business_day(input.launch, input.now)?;
        let signed_today = store.signed_volume(start, end).await?;
        let units = TokenAmount::from_base_units(amount).ok_or_else(|| Error::Refused("empty chunk".to_owned()))?;
        check_volume(&input.launch.plan, &input.launch.table, input.now, input.daily_target, signed_today, units)?;
    }
    let transaction = Transaction { bundle_id: &bundle.bundleId, chunk: input.chunk, network, source: &source, destination, amount };
    sign_transaction(store, &transaction, input.signer, input.chain, input.replace, input.now).await
}

struct Transaction<'a> {
    bundle_id: &'a str,
    chunk: u32,
    network: Network,
    source: &'a str,
    destination: Destination,
    amount: u128,
}

/// Reserves, builds, signs and records one transaction.
async fn sign_transaction(
    store: &Store,
    t: &Transaction<'_>,
    signer: &(dyn HashSigner + Sync),
    chain: ChainParams,
    replace: Option<Replace>,
    now: Timestamp,
) -> Result<SignedChunk> {
    let previous = store.latest_signed_raw(t.bundle_id, t.chunk).await?;
    match (replace, t.network, &previous) {
        (None, _, _) => {}
        (Some(_), _, None) => {
            return Err(Error::Refused(format!("chunk {} of bundle {} has no signed transaction to replace", t.chunk, t.bundle_id)))
        }
        (Some(Replace::SpeedUp), Network::Erc20, Some(_)) => {}
        (Some(Replace::Expired), Network::Trc20, Some(raw)) => {
            // Only while unbroadcast: a broadcast transaction may have confirmed before expiry.
            if let Some((attempt, _, _, _)) = store.signature_attempts(t.bundle_id, t.chunk).await?.last() {
                if let Some(at) = store.broadcast_at(t.bundle_id, t.chunk, *attempt).await? {
                    return Err(Error::Refused(format!(
                        "attempt {attempt} of chunk {} was broadcast at {at}; it may have confirmed before it expired, so it is not re-signed — look it up on chain",
                        t.chunk
                    )));
                }
            }
            let bytes = hex::decode(raw).map_err(|_| Error::Refused("the stored transaction is not hex".to_owned()))?;
            let expiration = trc20::decode(&bytes)?.expiration_ms;
            if expiration > now.as_millisecond() {
                return Err(Error::Refused(format!(
                    "the previous transaction of chunk {} expires only at {}; it may still confirm",
                    t.chunk,
                    Timestamp::from_millisecond(expiration).map_or_else(|_| expiration.to_string(), |e| e.to_string())
                )));
            }
        }
        (Some(other), network, Some(_)) => {
            return Err(Error::Refused(format!(
                "replacement {:?} does not apply to {}: ERC-20 chunks are replaced by speed-up, TRC-20 chunks after they expired",
                other.reason(),
                network_id(network)
            )))
        }
    }
    let chunk_ref = ChunkRef { bundle_id: t.bundle_id, chunk: t.chunk, network: network_id(t.network), amount: t.amount };
    let attempt = store.reserve_signature(chunk_ref, replace.map(Replace::reason), t.source, now).await?;
    let (hash, raw, document) = match (chain, t.destination) {
        (
            ChainParams::Erc20 { chain_id, token, pending_nonce, gas_limit, max_fee_per_gas, max_priority_fee_per_gas },
            Destination::Eth(to),
        ) => {
            let transfer = erc20::Transfer {
                chain_id,
                token,
                to: to.address(),
                amount: t.amount,
                nonce: store.allocate_nonce(t.source, t.bundle_id, t.chunk, pending_nonce, now).await?,
                gas_limit,
                max_fee_per_gas,
                max_priority_fee_per_gas,
            };
            // A speed-up keeps the stuck transaction's nonce and raises both fees by the bump.
            let transfer = match (replace, &previous) {
                (Some(Replace::SpeedUp), Some(raw)) => {
                    let bytes = hex::decode(raw).map_err(|_| Error::Refused("the stored transaction is not hex".to_owned()))?;
                    let stuck = erc20::decode(&bytes)?;
                    let floor = (transfer.max_fee_per_gas, transfer.max_priority_fee_per_gas);
                    let stuck = erc20::Transfer {
                        nonce: stuck.nonce,
                        max_fee_per_gas: stuck.max_fee_per_gas,
                        max_priority_fee_per_gas: stuck.max_priority_fee_per_gas,
                        ..transfer
                    };
                    erc20::speed_up(&stuck, REPLACEMENT_BUMP_PERCENT, Some(floor))?
                }
                _ => transfer,
            };
            let signed = erc20::sign(&transfer, signer)?;
            let raw = format!("0x{}", hex::encode(&signed.raw));
            let document = json!({ "raw": raw, "hash": signed.hash.to_string(), "from": signed.from.to_checksum(None) });
            (signed.hash.to_string(), raw, document)
        }
        (
            ChainParams::Trc20 { token, ref_block_bytes, ref_block_hash, expiration_ms, timestamp_ms, fee_limit_sun },
            Destination::Tron(to),
        ) => {
            let transfer = trc20::Transfer {
                owner: TronAddress::parse(t.source)?,
                token,
                to,
                amount: t.amount,
                ref_block_bytes,
                ref_block_hash,
                expiration_ms,
                timestamp_ms,
                fee_limit_sun,
            };
            let signed = trc20::sign(&transfer, signer, now.as_millisecond())?;
            let (txid, raw) = (hex::encode(signed.txid), hex::encode(&signed.raw_data));
            let document = json!({ "raw_data_hex": raw, "txid": txid, "signature": hex::encode(signed.signature), "owner": t.source });
            (txid, raw, document)
        }
        _ => return Err(Error::Refused(format!("the chain fields are not for {}", network_id(t.network)))),
    };
    store.record_signature(t.bundle_id, t.chunk, attempt, &hash, &raw, Timestamp::now()).await?;
    Ok(SignedChunk { bundle_id: t.bundle_id.to_owned(), chunk: t.chunk, attempt, hash, raw, document })
}

/// The registry id of a canary wallet's payout on a plan-zone business day: one a day.
pub fn canary_bundle_id(wallet: &Wallet, day: jiff::civil::Date) -> String {
    format!("canary:{}:{day}", wallet.id)
}

/// What a canary payout needs.
pub struct Canary<'a> {
    /// The launch (plan zone for the business day).
    pub launch: &'a Launch,
    /// The treasury configuration.
    pub treasury: &'a Treasury,
    /// The canary wallet.
    pub wallet: &'a Wallet,
    /// The token.
    pub token: Token,
    /// The canary wallet's key.
    pub signer: &'a (dyn HashSigner + Sync),
    /// Chain fields.
    pub chain: ChainParams,
    /// The instant of signing.
    pub now: Timestamp,
}

/// Signs the day's canary payout of a canary wallet: exactly one token of `token` to the
/// wallet's own check address (allow-listed), through the never-sign-twice registry. No
/// quorum (the destination is our own) and no phase cap (canaries run before T0 by design);
/// everything else is refused.
pub async fn sign_canary(store: &Store, canary: Canary<'_>) -> Result<SignedChunk> {
    let Canary { launch, treasury, wallet, token, signer, chain, now } = canary;
    if wallet.kind != WalletKind::Canary {
        return Err(Error::Refused(format!("wallet {} is a hot wallet; canary payouts leave from canary wallets only", wallet.id)));
    }
    let check = wallet.check_address.ok_or_else(|| Error::Refused(format!("wallet {} has no check address", wallet.id)))?;
    treasury.allow_list.check(check)?;
    let source = signer_address(wallet.network, signer);
    if source != wallet.address {
        return Err(Error::Refused(format!("the signer's wallet is {source}, but canary wallet {} is {}", wallet.id, wallet.address)));
    }
    let contract = treasury.token_contract(wallet.network, token)?;
    let contract_matches = match (&chain, contract) {
        (ChainParams::Erc20 { token, .. }, Destination::Eth(c)) => *token == c.address(),
        (ChainParams::Trc20 { token, .. }, Destination::Tron(c)) => *token == c,
        _ => false,
    };
    if !contract_matches {
        return Err(Error::Refused(format!("the transaction's token contract is not the configured {token} contract {contract}")));
    }
    let (day, _, _) = business_day(launch, now)?;
    let bundle_id = canary_bundle_id(wallet, day);
    let source = source.to_string();
    let transaction = Transaction {
        bundle_id: &bundle_id,
        chunk: 0,
        network: wallet.network,
        source: &source,
        destination: check,
        amount: CANARY_AMOUNT_BASE_UNITS,
    };
    sign_transaction(store, &transaction, signer, chain, None, now).await
}

/// The chain fields for a network from the treasury configuration at `now`: ERC-20 fees
/// from the fee mode, TRC-20 expiration from the configured lifetime. The reference block
/// (TRC-20) and the pending nonce (ERC-20, first use of a wallet) come from the operator.
pub fn chain_params(
    treasury: &Treasury,
    network: Network,
    token: Token,
    pending_nonce: u64,
    ref_block: Option<([u8; 2], [u8; 8])>,
    now: Timestamp,
) -> Result<ChainParams> {
    match treasury.token_contract(network, token)? {
        Destination::Eth(contract) => {
            let mode = match treasury.erc20.fee_mode.as_str() {
                "fast" => erc20::FeeMode::Fast,
                "urgent" => erc20::FeeMode::Urgent,
                _ => erc20::FeeMode::Normal,
            };
            let (max_fee_per_gas, max_priority_fee_per_gas) = mode.fees(treasury.erc20.base_fee_wei, treasury.erc20.priority_fee_wei)?;
            Ok(ChainParams::Erc20 {
                chain_id: treasury.erc20.chain_id,
                token: contract.address(),
                pending_nonce,
                gas_limit: treasury.erc20.gas_limit,
                max_fee_per_gas,
                max_priority_fee_per_gas,
            })
        }
        Destination::Tron(contract) => {
            let (ref_block_bytes, ref_block_hash) = ref_block.ok_or_else(|| {
                Error::Refused(
                    "a TRC-20 transaction needs the reference block: its 2 bytes and 8 hash bytes from a recent block".to_owned(),
                )
            })?;
            let timestamp_ms = now.as_millisecond();
            Ok(ChainParams::Trc20 {
                token: contract,
                ref_block_bytes,
                ref_block_hash,
                expiration_ms: timestamp_ms + treasury.trc20.expiration_s * 1000,
                timestamp_ms,
                fee_limit_sun: treasury.trc20.fee_limit_sun,
            })
        }
    }
}

/// The day's canary payout of one canary wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanaryStatus<'a> {
    /// The canary wallet.
    pub wallet: &'a Wallet,
    /// Its registry id for the day.
    pub bundle_id: String,
    /// `not signed`, `reserved` or `signed`.
    pub status: String,
    /// The transaction hash / txID once signed.
    pub tx_hash: Option<String>,
}

/// The canary payouts of the plan-zone business day that contains `now`, one per canary
/// wallet in file order.
pub async fn canary_statuses<'a>(
    store: &Store,
    launch: &Launch,
    treasury: &'a Treasury,
    now: Timestamp,
) -> Result<(jiff::civil::Date, Vec<CanaryStatus<'a>>)> {
    let (day, _, _) = business_day(launch, now)?;
    let mut statuses = Vec::new();
    for wallet in treasury.wallets.iter().filter(|w| w.kind == WalletKind::Canary) {
        let bundle_id = canary_bundle_id(wallet, day);
        let latest = chunk_status(store, &bundle_id, 0).await?;
        statuses.push(CanaryStatus {
            wallet,
            status: latest.as_ref().map_or_else(|| "not signed".to_owned(), |(_, _, state, _)| state.clone()),
            tx_hash: latest.and_then(|(_, _, _, hash)| hash),
            bundle_id,
        });
    }
    Ok((day, statuses))
}

/// The status of one chunk: the latest attempt's state and hash, or `None` if unsigned.
pub async fn chunk_status(store: &Store, bundle_id: &str, chunk: u32) -> Result<Option<(u32, Option<String>, String, Option<String>)>> {
    Ok(store.signature_attempts(bundle_id, chunk).await?.pop())
}

/// The exact unsigned bytes a chunk's original signature would sign now (hex), for the
/// review before signing: ERC-20 with the nonce the store would allocate, TRC-20 raw data.
pub async fn unsigned_chunk(store: &Store, bundle: &PayoutBundle, chunk: u32, chain: &ChainParams) -> Result<String> {
    let index = usize::try_from(chunk)
        .ok()
        .filter(|i| *i < bundle.chunks.len())
        .ok_or_else(|| Error::Refused(format!("chunk {chunk} is not in bundle {} ({} chunks)", bundle.bundleId, bundle.chunks.len())))?;
    let amount = u128::try_from(bundle.chunks[index]).map_err(|_| Error::Refused("chunk too large".to_owned()))?;
    let network = crate::bundle::network_of(bundle)?;
    match (chain, Destination::parse(network, &bundle.destination)?) {
        (
            ChainParams::Erc20 { chain_id, token, pending_nonce, gas_limit, max_fee_per_gas, max_priority_fee_per_gas },
            Destination::Eth(to),
        ) => {
            let transfer = erc20::Transfer {
                chain_id: *chain_id,
                token: *token,
                to: to.address(),
                amount,
                nonce: store.peek_nonce(&bundle.source, &bundle.bundleId, chunk, *pending_nonce).await?,
                gas_limit: *gas_limit,
                max_fee_per_gas: *max_fee_per_gas,
                max_priority_fee_per_gas: *max_priority_fee_per_gas,
            };
            Ok(format!("0x{}", hex::encode(transfer.unsigned_bytes()?.0)))
        }
        (
            ChainParams::Trc20 { token, ref_block_bytes, ref_block_hash, expiration_ms, timestamp_ms, fee_limit_sun },
            Destination::Tron(to),
        ) => {
            let transfer = trc20::Transfer {
                owner: TronAddress::parse(&bundle.source)?,
                token: *token,
                to,
                amount,
                ref_block_bytes: *ref_block_bytes,
                ref_block_hash: *ref_block_hash,
                expiration_ms: *expiration_ms,
                timestamp_ms: *timestamp_ms,
                fee_limit_sun: *fee_limit_sun,
            };
            Ok(hex::encode(transfer.raw_data()?))
        }
        _ => Err(Error::Refused(format!("the chain fields are not for {}", network_id(network)))),
    }
}
