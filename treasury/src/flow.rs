//! Approving, reviewing and signing — the one path to a treasury signature.
//!
//! Every rule comes from the [`Policy`]: the treasury file (approvers, roles, quorum, daily
//! target, token contracts, allow-list, wallets, chain settings) and the launch record in
//! the store (plan, T0). Callers pass requests, never rule inputs. A chunk is signed only
//! after, in this order:
//! 1. the policy: a generated payout id, the plan's batching, the source a hot wallet of the
//!    network, the destination on the allow-list, the token contract the policy's;
//! 2. the approvals: a quorum of distinct registered approvers over this very bundle;
//! 3. the review: the reviewed bytes (under their signing hash) are exactly the bytes that
//!    would be signed now, and the review has not expired;
//! 4. one store transaction: the chunk's state (never twice), the binding of a replacement
//!    to the original, the bundle's whole amount under the day's phase cap (first chunk), the
//!    reviewed ERC-20 nonce — and the durable reservation;
//! 5. when the store follows a backend ledger: the chunk's `signature` command, sent to that
//!    ledger and acknowledged (2xx) — one signature per chunk worldwide; a desk that follows
//!    a ledger never signs without it;
//! 6. the wallet's key, opened only now; any failure from here on abandons the reservation
//!    (the chunk can be signed again, once) before the error is returned.
//!
//! While the store follows a ledger, the quorum counts only the approvals in the pulled log,
//! the treasury file must be the ledger's policy in force (as last fetched), and the SLO
//! gate ([`crate::gate`]) can block the chunk or ask for the quorum + 1.

use alloy::primitives::{hex, keccak256, Address, B256};
use clubgate_chain::approval::{approve, Approval, PayoutBundle, Quorum};
use clubgate_chain::erc20::{self, REPLACEMENT_BUMP_PERCENT};
use clubgate_chain::signer::HashSigner;
use clubgate_chain::trc20;
use clubgate_core::launch::Launch;
use clubgate_core::payout::{Destination, EthAddress, TronAddress};
use clubgate_core::plan::Network;
use clubgate_core::treasury::{network_id, ApproverRole, Token, Treasury, Wallet, WalletKind, CANARY_AMOUNT_BASE_UNITS};
use clubgate_store::{NonceClaim, Reservation, SignatureKind, Store, StoredReview, VolumeClaim};
use jiff::{Timestamp, ToSpan};
use serde_json::{json, Value};

use crate::bundle::{check_batching, is_payout_id};
use crate::error::{Error, Result};
use crate::gate::signing_gate;
use crate::signers::Signer;

/// A boxed future (the ledger connection is a trait object).
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// The backend ledger's side of "one signature per chunk worldwide": the signing desk's
/// connection to the ledger its store follows (implemented by `clubgate-sync`).
pub trait ChunkLedger: Sync + std::fmt::Debug {
    /// The ledger's base URL: it must be the one the store follows.
    fn url(&self) -> &str;
    /// Who signs, as this workstation names itself (`signed_by`, named in a refusal).
    fn signer_name(&self) -> &str;
    /// Sends the chunk's `signature` command and answers the seq once the ledger has
    /// acknowledged it (2xx). A replacement's `replaces` is filled in from the log.
    fn reserve<'a>(&'a self, claim: &'a LedgerClaim) -> BoxFuture<'a, Result<u64>>;
}

/// A chunk's `signature` command for the ledger (docs/ledger.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerClaim {
    /// The command's id: from the bundle hash, the chunk, the signing hash and the signer,
    /// so a retry of the same reviewed bytes is the same command.
    pub id: String,
    /// The bundle's EIP-712 hash (a canary's: keccak256 of its registry id).
    pub bundle_hash: String,
    /// The chunk.
    pub chunk: u32,
    /// A replacement of the chunk's latest signature (ERC-20 speed-up, TRC-20 after expiry).
    pub replacement: bool,
    /// The payload, without `replaces`.
    pub payload: Value,
}

/// How long a review of ERC-20 bytes stays valid: the fees and the nonce it fixed are
/// current for minutes, not hours. A TRC-20 review ends with its transaction's expiry.
pub const REVIEW_LIFETIME_S: i64 = 10 * 60;

/// A recorded replacement of an already signed chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// ERC-20: same nonce, both fees up by at least the replacement bump.
    SpeedUp,
    /// TRC-20: the previous transaction has expired unconfirmed and was never broadcast.
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

    /// `speed-up` / `expired`.
    pub fn reason(self) -> &'static str {
        match self {
            Self::SpeedUp => "speed-up",
            Self::Expired => "expired",
        }
    }
}

/// The rules: the treasury file and the launch record.
#[derive(Debug, Clone, Copy)]
pub struct Policy<'a> {
    /// The treasury file.
    pub treasury: &'a Treasury,
    /// The launch record (plan, T0, date table).
    pub launch: &'a Launch,
}

/// Opens a wallet's key. The production implementation is [`crate::signers::ConfiguredKeys`];
/// tests pass SoftHSM2 keys with a PIN of their choosing.
pub trait WalletKeys: Sync {
    /// The key of `wallet`, as the treasury file names it.
    fn open(&self, wallet: &Wallet) -> Result<Signer>;
}

/// What only the operator (or the chain) knows when a chunk is reviewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OperatorInput {
    /// ERC-20: the wallet's pending nonce on chain (typed, or read from the node); the store's
    /// own nonce counter wins when it is ahead.
    pub pending_nonce: u64,
    /// TRC-20: a recent block's 2 reference bytes and 8 hash bytes.
    pub ref_block: Option<([u8; 2], [u8; 8])>,
    /// ERC-20: the fee market read from the node; `None` → the treasury file's base and
    /// priority fees. Taken only under the file's fee ceiling (`max_fee_per_gas_wei`).
    pub fee_market: Option<NodeFees>,
    /// ERC-20: a fee mode above the file's (a speed-up's next mode); never below it, and
    /// only under the file's fee ceiling.
    pub fee_mode: Option<erc20::FeeMode>,
}

/// The fees a node reports for its next block (wei per gas).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeFees {
    /// The next block's base fee.
    pub base_fee_wei: u128,
    /// The priority fee.
    pub priority_fee_wei: u128,
}

/// A signed chunk as recorded in the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedChunk {
    /// The bundle (or canary id).
    pub bundle_id: String,
    /// The chunk.
    pub chunk: u32,
    /// 0 for the original, then retries and replacements.
    pub attempt: u32,
    /// Transaction hash (ERC-20) or txID (TRC-20).
    pub hash: String,
    /// The signing hash of the unsigned bytes (= the review hash for payouts).
    pub signing_hash: String,
    /// The raw transaction (ERC-20: 0x-hex signed bytes; TRC-20: raw_data hex).
    pub raw: String,
    /// The contract's output fields for this network.
    pub document: Value,
}

/// A review: the exact unsigned bytes of a chunk, fixed under their signing hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// The signing hash (0x…): ERC-20 keccak256 of the EIP-1559 payload, TRC-20 txID.
    pub review_hash: String,
    /// The unsigned bytes (ERC-20 0x-hex; TRC-20 raw_data hex).
    pub unsigned_hex: String,
    /// Signing after this instant is refused.
    pub expires_at: Timestamp,
    /// Why signing is gated now (the SLO picture or safe-mode), if it is.
    pub gate: Option<String>,
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
    quorum_plus(treasury, 0)
}

fn quorum_plus(treasury: &Treasury, extra: usize) -> Result<Quorum> {
    let approvers: Vec<Address> = treasury.voting_approvers().map(|a| a.address.address()).collect();
    let threshold = treasury.quorum.saturating_add(extra);
    if threshold > approvers.len() {
        return Err(Error::Quorum(format!(
            "{threshold} distinct approvers are needed (the quorum {} + {extra} while the SLO gate holds), but the registry has only {}",
            treasury.quorum,
            approvers.len()
        )));
    }
    Quorum::new(threshold, approvers).map_err(|e| Error::Quorum(e.to_string()))
}

/// Refuses approvals by registered people whose role does not approve, naming them, then
/// verifies the quorum (distinct, registered, signatures over this very bundle).
pub fn check_approvals(treasury: &Treasury, bundle: &PayoutBundle, approvals: &[Approval]) -> Result<Vec<Address>> {
    check_approvals_plus(treasury, bundle, approvals, 0)
}

/// [`check_approvals`] with `extra` approvers above the quorum (the SLO gate's
/// `extra_approval`).
pub fn check_approvals_plus(treasury: &Treasury, bundle: &PayoutBundle, approvals: &[Approval], extra: usize) -> Result<Vec<Address>> {
    for approval in approvals {
        let registered = treasury.approvers.iter().find(|a| a.address.address() == approval.approver);
        if let Some(person) = registered.filter(|a| a.role != ApproverRole::Approver) {
            return Err(Error::Role(format!(
                "{} ({}) is registered as {}, a role that does not approve payouts",
                person.name,
                approval.approver.to_checksum(None),
                person.role.id()
            )));
        }
    }
    quorum_plus(treasury, extra)?.verify(bundle, approvals).map_err(|e| Error::Quorum(e.to_string()))
}

/// Refuses an approval key that is not a registered person with the `approver` role.
pub fn check_approver(treasury: &Treasury, address: Address) -> Result<()> {
    match treasury.approvers.iter().find(|a| a.address.address() == address) {
        Some(person) if person.role == ApproverRole::Approver => Ok(()),
        Some(person) => {
            Err(Error::Role(format!("{} is registered as {}, a role that does not approve payouts", person.name, person.role.id())))
        }
        None => Err(Error::Role(format!("key {} is not in the approver registry", address.to_checksum(None)))),
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

fn policy_error(code: &'static str, message: String) -> Error {
    Error::Policy { code, message }
}

/// Checks a bundle against the policy as it is now; returns its network and source wallet.
pub fn check_policy<'a>(policy: Policy<'a>, bundle: &PayoutBundle) -> Result<(Network, &'a Wallet)> {
    if !is_payout_id(&bundle.bundleId) {
        return Err(policy_error(
            "bundle_id",
            format!("bundle id {:?} is not a generated payout id; make the bundle again", bundle.bundleId),
        ));
    }
    bundle.check().map_err(|e| policy_error("batching", format!("bundle {}: {e}", bundle.bundleId)))?;
    let network = check_batching(&policy.launch.plan, bundle)?;
    let source = Destination::parse(network, &bundle.source)?;
    let wallet = policy.treasury.hot_wallet_at(&source).map_err(|e| policy_error("source_wallet", e.to_string()))?;
    if wallet.network != network {
        return Err(policy_error("source_wallet", format!("wallet {} is not on {}", wallet.id, network_id(network))));
    }
    let destination = Destination::parse(network, &bundle.destination)?;
    policy.treasury.allow_list.check(destination)?;
    let token = Token::parse(&bundle.token)?;
    let contract = policy.treasury.token_contract(network, token)?;
    if bundle.tokenContract != contract.to_string() {
        return Err(policy_error(
            "token_contract",
            format!(
                "bundle {} pays {} of contract {}, but the policy's {} contract on {} is {contract}; make the bundle again",
                bundle.bundleId,
                bundle.token,
                bundle.tokenContract,
                token.symbol(),
                network_id(network)
            ),
        ));
    }
    Ok((network, wallet))
}

/// The treasury file must be the policy the store signs under: the first one is bound on
/// first use, another one only by a launch IC decision (`clubgate treasury bind`).
async fn check_binding(store: &Store, policy: Policy<'_>, who: &str, now: Timestamp) -> Result<()> {
    Ok(store.bind_policy(&policy.treasury.fingerprint, who, None, now).await?)
}

/// A transaction before it is signed, with what binds it.
enum Unsigned {
    Erc20(erc20::Transfer),
    Trc20(trc20::Transfer),
}

struct Built {
    transfer: Unsigned,
    bytes: Vec<u8>,
    hash: B256,
    /// The fixed fields a later attempt must repeat.
    content: String,
    /// TRC-20: the transaction's expiration.
    expiration_ms: Option<i64>,
}

/// Where the variable fields of a transaction come from.
enum Variable<'a> {
    /// A new review: the operator's input and the clock.
    Fresh { input: OperatorInput, now: Timestamp },
    /// Signing: the reviewed bytes.
    Reviewed(&'a [u8]),
}

fn hex_of(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

fn fixed<const N: usize>(bytes: &[u8], what: &str) -> Result<[u8; N]> {
    bytes.try_into().map_err(|_| Error::Review { code: "review_mismatch", message: format!("the reviewed {what} is not {N} bytes") })
}

/// Builds the chunk's transaction from the bundle, the policy and the variable fields.
#[allow(clippy::too_many_arguments)]
async fn build(
    store: &Store,
    policy: Policy<'_>,
    bundle_id: &str,
    source: &Destination,
    destination: Destination,
    contract: Destination,
    amount: u128,
    chunk: u32,
    replace: Option<Replace>,
    variable: Variable<'_>,
) -> Result<Built> {
    let treasury = policy.treasury;
    let previous = match replace {
        Some(_) => Some(
            store
                .latest_signed_raw(bundle_id, chunk)
                .await?
                .ok_or_else(|| Error::Store(clubgate_store::Error::NothingToReplace { bundle_id: bundle_id.to_owned(), chunk }))?,
        ),
        None => None,
    };
    match (destination, contract) {
        (Destination::Eth(to), Destination::Eth(token)) => {
            if replace == Some(Replace::Expired) {
                return Err(Error::Refused(
                    "an ERC-20 chunk is replaced by speed-up (same nonce, higher fees), not after expiry".to_owned(),
                ));
            }
            let policy_fees = fee_mode(treasury)?.fees(treasury.erc20.base_fee_wei, treasury.erc20.priority_fee_wei)?;
            let stuck = match &previous {
                Some(raw) => Some(erc20::decode(&hex::decode(raw).map_err(|_| Error::Refused("stored transaction is not hex".into()))?)?),
                None => None,
            };
            // Under a fee ceiling the fees are variable (the node's market, a higher mode):
            // a review picks them, signing checks the reviewed ones against the ceiling.
            let variable_fees = match (treasury.erc20.max_fee_per_gas_wei, &variable) {
                (Some(ceiling), Variable::Fresh { input, .. }) => {
                    // An original is reviewed at the file's fee mode (a freeze exception of the
                    // mode is a new policy version); a speed-up at most one mode up.
                    let allowed = match stuck {
                        Some(_) => crate::broadcast::next_fee_mode(store, treasury, bundle_id, chunk).await?,
                        None => fee_mode(treasury)?,
                    };
                    Some(fresh_fees(treasury, ceiling, input, stuck.as_ref(), allowed)?)
                }
                (Some(ceiling), Variable::Reviewed(bytes)) => {
                    let reviewed = erc20::decode(bytes)?;
                    check_fees(ceiling, reviewed.max_fee_per_gas, reviewed.max_priority_fee_per_gas, stuck.as_ref())?;
                    Some((reviewed.max_fee_per_gas, reviewed.max_priority_fee_per_gas))
                }
                (None, Variable::Fresh { input, .. }) if input.fee_market.is_some() || input.fee_mode.is_some() => {
                    return Err(policy_error(
                        "fee_ceiling",
                        "fees from a node or a higher fee mode are signed only under a fee ceiling; set erc20.max_fee_per_gas_wei in the treasury file".to_owned(),
                    ))
                }
                (None, _) => None,
            };
            let nonce = match (&variable, &previous) {
                (_, Some(raw)) => {
                    erc20::decode(&hex::decode(raw).map_err(|_| Error::Refused("stored transaction is not hex".into()))?)?.nonce
                }
                (Variable::Reviewed(bytes), None) => erc20::decode(bytes)?.nonce,
                (Variable::Fresh { input, .. }, None) => {
                    let nonce = store.peek_nonce(&source.to_string(), bundle_id, chunk, input.pending_nonce).await?;
                    // A typed pending nonce never jumps the store's counter (a gap the wallet
                    // would be stuck behind); with a node, signing asks it again.
                    if let Some(highest) = store.highest_nonce(&source.to_string()).await? {
                        let next = highest.saturating_add(1);
                        if nonce > next && treasury.erc20.rpc_url.is_none() {
                            return Err(Error::Store(clubgate_store::Error::NonceGap {
                                wallet: source.to_string(),
                                reviewed: nonce,
                                next,
                            }));
                        }
                    }
                    nonce
                }
            };
            let transfer = erc20::Transfer {
                chain_id: treasury.erc20.chain_id,
                token: token.address(),
                to: to.address(),
                amount,
                nonce,
                gas_limit: treasury.erc20.gas_limit,
                max_fee_per_gas: policy_fees.0,
                max_priority_fee_per_gas: policy_fees.1,
            };
            let transfer = match (variable_fees, &previous) {
                (Some((max_fee_per_gas, max_priority_fee_per_gas)), _) => {
                    erc20::Transfer { max_fee_per_gas, max_priority_fee_per_gas, ..transfer }
                }
                (None, Some(raw)) => {
                    // A speed-up keeps the stuck transaction's nonce and raises both its fees
                    // by the bump, and at least to the policy's current fees.
                    let stuck = erc20::decode(&hex::decode(raw).map_err(|_| Error::Refused("stored transaction is not hex".into()))?)?;
                    let stuck = erc20::Transfer {
                        max_fee_per_gas: stuck.max_fee_per_gas,
                        max_priority_fee_per_gas: stuck.max_priority_fee_per_gas,
                        ..transfer
                    };
                    erc20::speed_up(&stuck, REPLACEMENT_BUMP_PERCENT, Some(policy_fees))?
                }
                (None, None) => transfer,
            };
            let (bytes, hash) = transfer.unsigned_bytes()?;
            let content = format!(
                "erc20|chain {}|token {}|from {source}|to {}|amount {amount}|nonce {}|gas {}",
                transfer.chain_id,
                EthAddress::from_address(transfer.token),
                EthAddress::from_address(transfer.to),
                transfer.nonce,
                transfer.gas_limit
            );
            Ok(Built { transfer: Unsigned::Erc20(transfer), bytes, hash, content, expiration_ms: None })
        }
        (Destination::Tron(to), Destination::Tron(token)) => {
            if replace == Some(Replace::SpeedUp) {
                return Err(Error::Refused("a TRC-20 chunk is replaced only after its transaction expired, not sped up".to_owned()));
            }
            let now_ms = match &variable {
                Variable::Fresh { now, .. } => now.as_millisecond(),
                Variable::Reviewed(_) => Timestamp::now().as_millisecond(),
            };
            if let Some(raw) = &previous {
                check_expired_unbroadcast(store, treasury, bundle_id, chunk, raw, now_ms).await?;
            }
            let (ref_block_bytes, ref_block_hash, timestamp_ms, expiration_ms) = match variable {
                Variable::Fresh { input, now } => {
                    let (bytes, hash) = input.ref_block.ok_or_else(|| {
                        Error::Refused(
                            "a TRC-20 transaction needs the reference block: its 2 bytes and 8 hash bytes from a recent block".to_owned(),
                        )
                    })?;
                    let timestamp_ms = now.as_millisecond();
                    (bytes, hash, timestamp_ms, timestamp_ms + treasury.trc20.expiration_s * 1000)
                }
                Variable::Reviewed(bytes) => {
                    let decoded = trc20::decode(bytes)?;
                    (
                        fixed(&decoded.ref_block_bytes, "reference block bytes")?,
                        fixed(&decoded.ref_block_hash, "reference block hash")?,
                        decoded.timestamp_ms,
                        decoded.expiration_ms,
                    )
                }
            };
            let transfer = trc20::Transfer {
                owner: TronAddress::parse(&source.to_string())?,
                token,
                to,
                amount,
                ref_block_bytes,
                ref_block_hash,
                expiration_ms,
                timestamp_ms,
                fee_limit_sun: treasury.trc20.fee_limit_sun,
            };
            let bytes = transfer.raw_data()?;
            let hash = trc20::txid(&bytes);
            let content = format!("trc20|token {token}|from {source}|to {to}|amount {amount}|fee limit {}", transfer.fee_limit_sun);
            Ok(Built { transfer: Unsigned::Trc20(transfer), bytes, hash, content, expiration_ms: Some(expiration_ms) })
        }
        _ => Err(Error::Refused("the destination and the token contract are on different networks".to_owned())),
    }
}

/// The fees of a new review under the ceiling: the fee mode (the file's, or a higher one the
/// operator asks for) over the node's market (or the file's fees), raised by the replacement
/// bump over a stuck transaction, the max fee capped at the ceiling. Refused when the cap
/// leaves less than the next block's base fee plus the priority fee, or less than the bump.
///
/// `allowed` is the highest mode the review may take: the file's for an original, the next
/// one above the chunk's current mode for a speed-up; a mode above it is refused (`fee_mode`).
pub(crate) fn fresh_fees(
    treasury: &Treasury,
    ceiling: u128,
    input: &OperatorInput,
    stuck: Option<&erc20::Decoded>,
    allowed: erc20::FeeMode,
) -> Result<(u128, u128)> {
    let policy_mode = fee_mode(treasury)?;
    let mode = match input.fee_mode {
        Some(mode) if mode < policy_mode => {
            return Err(policy_error(
                "fee_mode",
                format!("fee mode {} is below the policy's {}; a review only raises fees", mode.id(), policy_mode.id()),
            ))
        }
        Some(mode) if mode > allowed && stuck.is_none() => {
            return Err(policy_error(
                "fee_mode",
                format!(
                    "fee mode {} is not taken for an original transaction: it is reviewed at the policy's {} (erc20.fee_mode); a higher mode is a speed-up's (--replace speed-up), or a new policy version",
                    mode.id(),
                    policy_mode.id()
                ),
            ))
        }
        Some(mode) if mode > allowed => {
            return Err(policy_error(
                "fee_mode",
                format!("fee mode {} is more than one step up: this speed-up takes at most {}", mode.id(), allowed.id()),
            ))
        }
        Some(mode) => mode,
        None => policy_mode,
    };
    let (base, priority) = match input.fee_market {
        Some(market) => (market.base_fee_wei, market.priority_fee_wei),
        None => (treasury.erc20.base_fee_wei, treasury.erc20.priority_fee_wei),
    };
    let wanted = mode.fees(base, priority)?;
    let (mut max_fee, mut priority_fee) = match stuck {
        Some(stuck) => {
            let bumped = (
                erc20::bumped(stuck.max_fee_per_gas, REPLACEMENT_BUMP_PERCENT)?,
                erc20::bumped(stuck.max_priority_fee_per_gas, REPLACEMENT_BUMP_PERCENT)?,
            );
            (bumped.0.max(wanted.0), bumped.1.max(wanted.1))
        }
        None => wanted,
    };
    max_fee = max_fee.max(priority_fee).min(ceiling);
    priority_fee = priority_fee.min(max_fee);
    let needed = base.saturating_add(priority.min(priority_fee));
    if max_fee < needed {
        return Err(policy_error(
            "fee_ceiling",
            format!(
                "the next block's base fee {base} wei + priority fee {} wei is above the policy's ceiling erc20.max_fee_per_gas_wei = {ceiling} wei: the transaction would not be mined now; review again when fees fall, or raise the ceiling by a policy change",
                priority.min(priority_fee)
            ),
        ));
    }
    check_fees(ceiling, max_fee, priority_fee, stuck)?;
    Ok((max_fee, priority_fee))
}

/// The signature's fee guardrail under a ceiling: priority ≤ max fee ≤ the policy's
/// `max_fee_per_gas_wei`, and a speed-up raises both fees of the transaction it replaces by
/// at least [`REPLACEMENT_BUMP_PERCENT`].
fn check_fees(ceiling: u128, max_fee: u128, priority: u128, stuck: Option<&erc20::Decoded>) -> Result<()> {
    if priority > max_fee {
        return Err(policy_error("fee_ceiling", format!("the priority fee {priority} wei is above the max fee per gas {max_fee} wei")));
    }
    if max_fee > ceiling {
        return Err(policy_error(
            "fee_ceiling",
            format!(
                "max fee per gas {max_fee} wei is above the policy's ceiling erc20.max_fee_per_gas_wei = {ceiling} wei; nothing is signed — review again under the ceiling"
            ),
        ));
    }
    if let Some(stuck) = stuck {
        let least = (
            erc20::bumped(stuck.max_fee_per_gas, REPLACEMENT_BUMP_PERCENT)?,
            erc20::bumped(stuck.max_priority_fee_per_gas, REPLACEMENT_BUMP_PERCENT)?,
        );
        if max_fee < least.0 || priority < least.1 {
            return Err(policy_error(
                "fee_ceiling",
                format!(
                    "a speed-up pays at least {} / {} wei (max fee / priority, {REPLACEMENT_BUMP_PERCENT} % over the stuck transaction's {} / {}), not {max_fee} / {priority}{}",
                    least.0,
                    least.1,
                    stuck.max_fee_per_gas,
                    stuck.max_priority_fee_per_gas,
                    if least.0 > ceiling { format!(" — and that is above the ceiling {ceiling} wei; raise it by a policy change") } else { String::new() }
                ),
            ));
        }
    }
    Ok(())
}

pub(crate) fn fee_mode(treasury: &Treasury) -> Result<erc20::FeeMode> {
    match treasury.erc20.fee_mode.as_str() {
        "normal" => Ok(erc20::FeeMode::Normal),
        "fast" => Ok(erc20::FeeMode::Fast),
        "urgent" => Ok(erc20::FeeMode::Urgent),
        other => Err(policy_error("chain", format!("fee mode {other:?} is not normal, fast or urgent"))),
    }
}

/// A TRC-20 chunk is re-signed only after its latest transaction expired, and only while
/// that transaction was never recorded as broadcast (it may have confirmed before it
/// expired; the store checks this again under the reservation's write lock). With a Tron
/// node in the policy (`[trc20] node_url`) the chain is asked too: the previous txID must be
/// unknown to it and its head block's timestamp at or past the expiry (java-tron takes a
/// transaction while its expiration is after the head block's time, whatever the wall
/// clock says). Without a node only the local record and the wall clock are checked.
async fn check_expired_unbroadcast(store: &Store, treasury: &Treasury, bundle_id: &str, chunk: u32, raw: &str, now_ms: i64) -> Result<()> {
    if let Some((attempt, _, _, _)) = store.signature_attempts(bundle_id, chunk).await?.into_iter().rfind(|a| a.2 == "signed") {
        if let Some(at) = store.broadcast_at(bundle_id, chunk, attempt).await? {
            return Err(policy_error(
                "not_replaceable",
                format!(
                    "attempt {attempt} of chunk {chunk} was broadcast at {at}; it may have confirmed before it expired, so it is not re-signed — look it up on chain"
                ),
            ));
        }
    }
    let bytes = hex::decode(raw).map_err(|_| Error::Refused("the stored transaction is not hex".to_owned()))?;
    let expiration = trc20::decode(&bytes)?.expiration_ms;
    let shown = |ms: i64| Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string());
    let Some(node) = crate::tron::node(treasury)? else {
        if expiration > now_ms {
            return Err(policy_error(
                "not_replaceable",
                format!(
                    "the previous transaction of chunk {chunk} expires only at {}; it may still confirm (the chain was not asked: the policy names no Tron node, [trc20] node_url)",
                    shown(expiration)
                ),
            ));
        }
        return Ok(());
    };
    let txid = trc20::txid(&bytes);
    if let clubgate_chain::tron_http::TxStatus::InBlock { block, .. } = node.transaction_info(&txid).await? {
        return Err(policy_error(
            "not_replaceable",
            format!(
                "the previous transaction of chunk {chunk} ({}) is in block {block} on {}: it paid; it is not re-signed",
                hex::encode(txid),
                node.url()
            ),
        ));
    }
    let head = node.now_block().await?;
    if head.timestamp_ms < expiration {
        return Err(policy_error(
            "not_replaceable",
            format!(
                "the previous transaction of chunk {chunk} ({}) expires at {}, but the head block {} of {} is of {}: a block may still take it — review the replacement again when the chain is past its expiry",
                hex::encode(txid),
                shown(expiration),
                head.number,
                node.url(),
                shown(head.timestamp_ms)
            ),
        ));
    }
    Ok(())
}

/// The chunk's amount (base units).
fn chunk_amount(bundle: &PayoutBundle, chunk: u32) -> Result<u128> {
    usize::try_from(chunk)
        .ok()
        .and_then(|i| bundle.chunks.get(i))
        .and_then(|c| u128::try_from(*c).ok())
        .ok_or_else(|| Error::Refused(format!("chunk {chunk} is not in bundle {} ({} chunks)", bundle.bundleId, bundle.chunks.len())))
}

/// What a review needs.
#[derive(Debug, Clone, Copy)]
pub struct ReviewRequest<'a> {
    /// The bundle.
    pub bundle: &'a PayoutBundle,
    /// The chunk (0-based).
    pub chunk: u32,
    /// A replacement, or `None` for the original (or its retry).
    pub replace: Option<Replace>,
    /// The operator's input.
    pub input: OperatorInput,
    /// Who reviews.
    pub reviewed_by: &'a str,
    /// Now.
    pub now: Timestamp,
}

/// Reviews a chunk: builds the exact unsigned bytes it would sign now (nonce, fees,
/// reference block, timestamp, expiry), keeps them under their signing hash, and returns
/// them. Signing names that hash.
pub async fn review_chunk(store: &Store, policy: Policy<'_>, request: ReviewRequest<'_>) -> Result<Review> {
    let ReviewRequest { bundle, chunk, replace, input, reviewed_by, now } = request;
    check_binding(store, policy, reviewed_by, now).await?;
    let (network, _) = check_policy(policy, bundle)?;
    let amount = chunk_amount(bundle, chunk)?;
    let token = Token::parse(&bundle.token)?;
    let built = build(
        store,
        policy,
        &bundle.bundleId,
        &Destination::parse(network, &bundle.source)?,
        Destination::parse(network, &bundle.destination)?,
        policy.treasury.token_contract(network, token)?,
        amount,
        chunk,
        replace,
        Variable::Fresh { input, now },
    )
    .await?;
    let mut review = keep_review(store, &bundle.bundleId, chunk, replace, network, &built, reviewed_by, now).await?;
    let (_, wallet) = check_policy(policy, bundle)?;
    review.gate = signing_gate(store, policy.launch, policy.treasury, network, &wallet.id).await?.map(|gate| gate.explain());
    Ok(review)
}

/// What one signature needs besides the policy.
#[derive(Debug, Clone, Copy)]
pub struct SignRequest<'a> {
    /// The bundle.
    pub bundle: &'a PayoutBundle,
    /// The approvals.
    pub approvals: &'a [Approval],
    /// The chunk (0-based).
    pub chunk: u32,
    /// The signing hash of the reviewed bytes.
    pub review_hash: &'a str,
    /// The instant of signing.
    pub now: Timestamp,
    /// The connection to the ledger the store follows (required when it follows one).
    pub ledger: Option<&'a dyn ChunkLedger>,
}

fn review_error(code: &'static str, message: String) -> Error {
    Error::Review { code, message }
}

/// Signs one chunk of an approved bundle; see the module docs for the order of checks.
pub async fn sign_chunk(store: &Store, policy: Policy<'_>, keys: &dyn WalletKeys, request: SignRequest<'_>) -> Result<SignedChunk> {
    let SignRequest { bundle, approvals, chunk, review_hash, now, ledger } = request;
    check_binding(store, policy, "signer", now).await?;
    check_ledger_policy(store, policy).await?;
    check_bundle_version(store, bundle).await?;
    let (network, wallet) = check_policy(policy, bundle)?;
    let bundle_hash = bundle.canonical_hash().to_string();
    // Following a ledger, the quorum is the approvals in its log (from any workstation).
    let logged;
    let approvals = if store.ledger_cursor().await?.is_some() {
        check_bundle_id_in_log(store, bundle, &bundle_hash).await?;
        logged = log_approvals(store, &bundle_hash, policy.treasury).await?;
        logged.as_slice()
    } else {
        approvals
    };
    let gate = signing_gate(store, policy.launch, policy.treasury, network, &wallet.id).await?;
    if let Some(gate) = gate.as_ref().filter(|g| g.action == clubgate_core::plan::SigningGate::Block) {
        return Err(policy_error("slo_gate", format!("chunk {chunk} of bundle {}: {}", bundle.bundleId, gate.explain())));
    }
    check_approvals_plus(policy.treasury, bundle, approvals, usize::from(gate.is_some())).map_err(|error| match (&gate, error) {
        (Some(gate), Error::Quorum(message)) => Error::Quorum(format!("{message} — {}", gate.explain())),
        (_, error) => error,
    })?;
    let (review, reviewed) = review_in_force(store, &bundle.bundleId, chunk, review_hash, now).await?;
    let replace = review.replace.as_deref().map(Replace::parse).transpose()?;
    let amount = chunk_amount(bundle, chunk)?;
    let token = Token::parse(&bundle.token)?;
    let source = Destination::parse(network, &bundle.source)?;
    let built = build(
        store,
        policy,
        &bundle.bundleId,
        &source,
        Destination::parse(network, &bundle.destination)?,
        policy.treasury.token_contract(network, token)?,
        amount,
        chunk,
        replace,
        Variable::Reviewed(&reviewed),
    )
    .await?;
    if built.hash.to_string() != review.review_hash || built.bytes != reviewed {
        return Err(review_error(
            "review_mismatch",
            format!(
                "the bytes chunk {chunk} would be signed with now (hash {}) differ from the reviewed ones ({review_hash}): the policy's fees, the nonce or the chunk changed — review it again",
                built.hash
            ),
        ));
    }
    let volume = match replace {
        Some(_) => None,
        None => {
            // The day's cap: the phase cap, lowered by the launch IC's volume level (issue 11)
            // — the one definition the volume view shows too.
            let day = crate::volume::day_cap(store, policy, now).await?;
            let whole = u128::try_from(bundle.amount).map_err(|_| Error::Refused("bundle amount overflows".to_owned()))?;
            let elsewhere = volume_elsewhere(store, &bundle_hash, day.day_start, day.day_end).await?;
            Some(VolumeClaim { day_start: day.day_start, day_end: day.day_end, amount: whole, cap: Some(day.cap), elsewhere })
        }
    };
    let source_text = source.to_string();
    let nonce = match &built.transfer {
        Unsigned::Erc20(transfer) => {
            let chain = chain_nonce(store, policy.treasury, &source_text, transfer.nonce).await?;
            Some(NonceClaim { wallet: &source_text, first: transfer.nonce, expected: transfer.nonce, chain })
        }
        Unsigned::Trc20(_) => None,
    };
    let reservation = Reservation {
        kind: SignatureKind::Payout,
        bundle_id: &bundle.bundleId,
        chunk,
        network: network_id(network),
        amount,
        bundle_hash: &bundle_hash,
        content: &built.content,
        signer: &source_text,
        replacement: replace.map(Replace::reason),
        review_hash: &review.review_hash,
        policy: &policy.treasury.fingerprint,
        volume,
        nonce,
        at: now,
    };
    sign_reserved(store, reservation, &bundle_hash, ledger, keys, wallet, &built, network, now).await
}

/// The wallet's pending nonce from the policy's Ethereum node, read at signing — asked only
/// when the reviewed nonce is above one past the wallet's highest nonce in this store (the
/// store refuses that gap unless the chain says it is the pending nonce). `None` without a
/// node, or when there is no gap.
async fn chain_nonce(store: &Store, treasury: &Treasury, wallet: &str, reviewed: u64) -> Result<Option<u64>> {
    let Some(highest) = store.highest_nonce(wallet).await? else { return Ok(None) };
    if reviewed <= highest.saturating_add(1) {
        return Ok(None);
    }
    let Some(node) = crate::broadcast::connect(treasury).await? else { return Ok(None) };
    let address = EthAddress::parse(wallet)?;
    Ok(Some(node.pending_nonce(address.address()).await?))
}

/// Following a ledger, a bundle id names the bundle the log published under it: another
/// bundle under the same id (e.g. an EOD settlement computed differently on another desk,
/// whose `bundle` command the ledger refused 409 `bundle_id_taken`) is never signed.
async fn check_bundle_id_in_log(store: &Store, bundle: &PayoutBundle, bundle_hash: &str) -> Result<()> {
    for command in store.commands_of_kind("bundle").await?.into_iter().filter(|c| c.seq.is_some()) {
        let Ok(payload) = serde_json::from_str::<Value>(&command.payload) else { continue };
        if payload["bundle_id"].as_str() != Some(bundle.bundleId.as_str()) {
            continue;
        }
        let published = payload["bundle_hash"].as_str().unwrap_or_default();
        if !published.eq_ignore_ascii_case(bundle_hash) {
            return Err(policy_error(
                "bundle_id_taken",
                format!(
                    "bundle id {} is published in the ledger's log (seq {}) under hash {published}, not this bundle's {bundle_hash}: another desk's bundle holds the id — this one is never signed; sign the published one",
                    bundle.bundleId,
                    command.seq.unwrap_or_default()
                ),
            ));
        }
    }
    Ok(())
}

/// The approvals of a bundle hash in the pulled log (what a desk following a ledger counts):
/// the first of each approver, and only voting approvers of the policy — a repeated or
/// stray approval in the log cannot spoil a quorum the others make. Each is verified again
/// by the quorum check.
async fn log_approvals(store: &Store, bundle_hash: &str, treasury: &Treasury) -> Result<Vec<Approval>> {
    let voting: Vec<Address> = treasury.voting_approvers().map(|a| a.address.address()).collect();
    let mut approvals: Vec<Approval> = Vec::new();
    for logged in store.log_approvals(bundle_hash).await? {
        let Ok(approver) = logged.approver.parse::<Address>() else { continue };
        let Ok(signature) = hex::decode(logged.signature.trim_start_matches("0x")) else { continue };
        if voting.contains(&approver) && !approvals.iter().any(|a| a.approver == approver) {
            approvals.push(Approval { approver, signature });
        }
    }
    Ok(approvals)
}

/// Following a ledger, a bundle is signed only under the policy version it was made and
/// approved under: after a policy change it is made (and approved) again.
async fn check_bundle_version(store: &Store, bundle: &PayoutBundle) -> Result<()> {
    if let Some(policy) = store.ledger_policy().await? {
        if bundle.policyVersion != policy.version {
            return Err(policy_error(
                "policy_changed",
                format!(
                    "bundle {} was made under policy version {}, but the ledger's policy in force is version {}; make the bundle again",
                    bundle.bundleId, bundle.policyVersion, policy.version
                ),
            ));
        }
    }
    Ok(())
}

/// The business day's volume other desks signed, from the `signature` commands in the
/// pulled log: each bundle's whole amount once (its first signature of the day, not a
/// replacement), leaving out this bundle and the bundles this store reserved itself (they
/// are in its own count). 0 for a store that follows no ledger.
async fn volume_elsewhere(store: &Store, bundle_hash: &str, day_start: Timestamp, day_end: Timestamp) -> Result<u128> {
    volume_elsewhere_by_network(store, bundle_hash, day_start, day_end)
        .await?
        .into_iter()
        .try_fold(0u128, |sum, (_, amount)| sum.checked_add(amount))
        .ok_or_else(|| Error::Refused("the day's volume on the ledger overflows".to_owned()))
}

/// [`volume_elsewhere`] per network id (the `signature` command's `network`), in the order
/// the networks first appear.
pub(crate) async fn volume_elsewhere_by_network(
    store: &Store,
    bundle_hash: &str,
    day_start: Timestamp,
    day_end: Timestamp,
) -> Result<Vec<(String, u128)>> {
    let mut by_network: Vec<(String, u128)> = Vec::new();
    if store.ledger_cursor().await?.is_none() {
        return Ok(by_network);
    }
    let own = store.volume_bundles(day_start, day_end).await?;
    let day = day_start.to_string();
    let mut counted: Vec<String> = vec![bundle_hash.to_lowercase()];
    for command in store.commands_of_kind("signature").await? {
        let Ok(payload) = serde_json::from_str::<Value>(&command.payload) else { continue };
        let hash = payload["bundle_hash"].as_str().unwrap_or_default().to_lowercase();
        let bundle_id = payload["bundle_id"].as_str().unwrap_or_default();
        if payload["business_day"].as_str() != Some(day.as_str())
            || !payload["reason"].is_null()
            || counted.contains(&hash)
            || own.iter().any(|b| b == bundle_id)
        {
            continue;
        }
        let Some(amount) = payload["bundle_amount"].as_str().and_then(|a| a.parse::<u128>().ok()) else { continue };
        counted.push(hash);
        let network = payload["network"].as_str().unwrap_or("unknown").to_owned();
        match by_network.iter_mut().find(|(n, _)| *n == network) {
            Some((_, total)) => {
                *total = total.checked_add(amount).ok_or_else(|| Error::Refused("the day's volume on the ledger overflows".to_owned()))?
            }
            None => by_network.push((network, amount)),
        }
    }
    Ok(by_network)
}

/// While the store follows a ledger whose policy it fetched, the treasury file must be
/// that policy: the rules of the last quorum-approved version, on every desk.
async fn check_ledger_policy(store: &Store, policy: Policy<'_>) -> Result<()> {
    if let Some(ledger_policy) = store.ledger_policy().await? {
        if !ledger_policy.hash.eq_ignore_ascii_case(&policy.treasury.fingerprint) {
            return Err(policy_error(
                "policy_changed",
                format!(
                    "the ledger's policy in force is version {} ({}), not this treasury file ({}); sign under the ledger's policy",
                    ledger_policy.version, ledger_policy.hash, policy.treasury.fingerprint
                ),
            ));
        }
    }
    Ok(())
}

/// The chunk's `signature` command for the ledger.
fn ledger_claim(reservation: &Reservation<'_>, bundle_hash: &str, built: &Built, signer_name: &str) -> LedgerClaim {
    // The reservation carries the fingerprint of the treasury file it is signed under.
    let (nonce, expires_at_ms) = match &built.transfer {
        Unsigned::Erc20(transfer) => (Some(transfer.nonce), None),
        Unsigned::Trc20(_) => (None, Some(built.expiration_ms.unwrap_or_default())),
    };
    signature_claim(&SignatureFacts {
        bundle_hash,
        bundle_id: reservation.bundle_id,
        chunk: reservation.chunk,
        network: reservation.network,
        signing_hash: &built.hash.to_string(),
        nonce,
        expires_at_ms,
        reason: reservation.replacement,
        signer_name,
        policy_hash: reservation.policy,
        volume: reservation.volume.filter(|v| v.cap.is_some()).map(|v| (v.amount, v.day_start)),
    })
}

/// What a chunk's `signature` command says (docs/ledger.md).
#[derive(Debug, Clone, Copy)]
pub struct SignatureFacts<'a> {
    /// The bundle's EIP-712 hash.
    pub bundle_hash: &'a str,
    /// The bundle's id.
    pub bundle_id: &'a str,
    /// The chunk.
    pub chunk: u32,
    /// `erc20` / `trc20`.
    pub network: &'a str,
    /// The signing hash of the signed bytes (the command's `tx_hash`).
    pub signing_hash: &'a str,
    /// ERC-20: the nonce.
    pub nonce: Option<u64>,
    /// TRC-20: the transaction's expiry (ms since the epoch).
    pub expires_at_ms: Option<i64>,
    /// `speed-up` / `expired` for a replacement.
    pub reason: Option<&'a str>,
    /// Who signs.
    pub signer_name: &'a str,
    /// The policy signed under (the treasury file's fingerprint): the ledger refuses a
    /// signature under a policy that is not in force.
    pub policy_hash: &'a str,
    /// The bundle's whole amount and the first instant of its business day, when this
    /// signature claims the bundle's volume (other desks count it against the day's cap).
    pub volume: Option<(u128, Timestamp)>,
}

/// The `signature` command of a chunk — the same for a desk signing online and for the
/// import of an air-gapped signature: `tx_hash` is the signing hash, the id is derived from
/// the bundle hash, the chunk, the signing hash and the signer.
pub fn signature_claim(facts: &SignatureFacts<'_>) -> LedgerClaim {
    let mut payload = json!({
        "bundle_hash": facts.bundle_hash,
        "bundle_id": facts.bundle_id,
        "chunk": facts.chunk,
        "network": facts.network,
        "tx_hash": facts.signing_hash,
        "signing_hash": facts.signing_hash,
        "signed_by": facts.signer_name,
        "reason": facts.reason,
        "policy_hash": facts.policy_hash,
    });
    if let Some((amount, day_start)) = facts.volume {
        payload["bundle_amount"] = json!(amount.to_string());
        payload["business_day"] = json!(day_start.to_string());
    }
    if let Some(nonce) = facts.nonce {
        payload["nonce"] = json!(nonce);
    }
    if let Some(expires) = facts.expires_at_ms {
        payload["expires_at_ms"] = json!(expires);
    }
    let chunk = facts.chunk.to_string();
    let id = clubgate_store::command_id(&["signature", &facts.bundle_hash.to_lowercase(), &chunk, facts.signing_hash, facts.signer_name]);
    LedgerClaim { id, bundle_hash: facts.bundle_hash.to_owned(), chunk: facts.chunk, replacement: facts.reason.is_some(), payload }
}

/// A store that follows a ledger signs only after that ledger acknowledged the chunk's
/// `signature` command.
async fn reserve_on_ledger(
    store: &Store,
    reservation: &Reservation<'_>,
    bundle_hash: &str,
    ledger: Option<&dyn ChunkLedger>,
    built: &Built,
) -> Result<()> {
    let Some(cursor) = store.ledger_cursor().await? else { return Ok(()) };
    let ledger = ledger.ok_or_else(|| Error::Ledger {
        code: "ledger_required",
        message: format!(
            "this desk follows the ledger {}: a chunk is signed only after that ledger reserves it, and no connection to it was given — sign from a desk connected to it",
            cursor.url
        ),
    })?;
    if ledger.url() != cursor.url {
        return Err(Error::Ledger {
            code: "ledger_required",
            message: format!(
                "this desk follows the ledger {}, not {}; a chunk is reserved on the ledger the desk follows",
                cursor.url,
                ledger.url()
            ),
        });
    }
    ledger.reserve(&ledger_claim(reservation, bundle_hash, built, ledger.signer_name())).await.map(|_| ())
}

/// Reserves (locally, then on the ledger the store follows), then opens the wallet's key,
/// signs and records; a failure after the local reservation abandons it (with the reason)
/// before the error is returned.
#[allow(clippy::too_many_arguments)]
async fn sign_reserved(
    store: &Store,
    reservation: Reservation<'_>,
    bundle_hash: &str,
    ledger: Option<&dyn ChunkLedger>,
    keys: &dyn WalletKeys,
    wallet: &Wallet,
    built: &Built,
    network: Network,
    now: Timestamp,
) -> Result<SignedChunk> {
    let reserved = store.reserve_signature(reservation).await?;
    let (bundle_id, chunk) = (reservation.bundle_id, reservation.chunk);
    if let Err(error) = reserve_on_ledger(store, &reservation, bundle_hash, ledger, built).await {
        let _ = store.abandon_signature(bundle_id, chunk, reserved.attempt, &error.to_string(), Timestamp::now()).await;
        return Err(error);
    }
    let signed = sign_with_key(keys, wallet, built, network, now);
    let (hash, raw, document) = match signed {
        Ok(signed) => signed,
        Err(error) => {
            // The signer's error is what the operator must see. Should the store fail to
            // record the abandonment too, the reservation turns stale and the chunk's next
            // reservation abandons it (`STALE_RESERVATION_NS`).
            let _ = store.abandon_signature(bundle_id, chunk, reserved.attempt, &error.to_string(), Timestamp::now()).await;
            return Err(error);
        }
    };
    match (network, document["signature"].as_str()) {
        // A TRC-20 attempt keeps its signature beside the raw_data: what broadcasting needs.
        (Network::Trc20, Some(signature)) => {
            store.record_trc20_signature(bundle_id, chunk, reserved.attempt, &hash, &raw, signature, Timestamp::now()).await?
        }
        _ => store.record_signature(bundle_id, chunk, reserved.attempt, &hash, &raw, Timestamp::now()).await?,
    }
    Ok(SignedChunk {
        bundle_id: bundle_id.to_owned(),
        chunk,
        attempt: reserved.attempt,
        hash,
        signing_hash: built.hash.to_string(),
        raw,
        document,
    })
}

fn sign_with_key(
    keys: &dyn WalletKeys,
    wallet: &Wallet,
    built: &Built,
    network: Network,
    now: Timestamp,
) -> Result<(String, String, Value)> {
    let signer = keys.open(wallet)?;
    let address = signer_address(network, signer.as_ref());
    if address != wallet.address {
        return Err(Error::Policy {
            code: "source_wallet",
            message: format!("the key configured for wallet {} is {address}, not the wallet's {}", wallet.id, wallet.address),
        });
    }
    match &built.transfer {
        Unsigned::Erc20(transfer) => {
            let signed = erc20::sign(transfer, signer.as_ref())?;
            // What was signed is what was reviewed: the same signing hash.
            debug_assert_eq!(keccak256(&built.bytes), built.hash);
            let raw = format!("0x{}", hex::encode(&signed.raw));
            let document = json!({ "raw": raw, "hash": signed.hash.to_string(), "from": signed.from.to_checksum(None), "signing_hash": built.hash.to_string() });
            Ok((signed.hash.to_string(), raw, document))
        }
        Unsigned::Trc20(transfer) => {
            let signed = trc20::sign(transfer, signer.as_ref(), now.as_millisecond())?;
            if signed.txid != built.hash {
                return Err(review_error("review_mismatch", "the signed TRC-20 transaction is not the reviewed one".to_owned()));
            }
            let (txid, raw) = (hex::encode(signed.txid), hex::encode(&signed.raw_data));
            let document = json!({ "raw_data_hex": raw, "txid": txid, "signature": hex::encode(signed.signature), "owner": wallet.address.to_string() });
            Ok((txid, raw, document))
        }
    }
}

/// The registry id of a canary wallet's payout on a plan-zone business day: one a day. It
/// lives in its own namespace (`canary:`), apart from generated payout ids.
pub fn canary_bundle_id(wallet: &Wallet, day: jiff::civil::Date) -> String {
    format!("canary:{}:{day}", wallet.id)
}

/// The canary wallet, its check address, the token contract and the day's registry id.
struct CanaryParts<'a> {
    wallet: &'a Wallet,
    check: Destination,
    contract: Destination,
    bundle_id: String,
    day_start: Timestamp,
    day_end: Timestamp,
}

fn canary_parts<'a>(policy: Policy<'a>, wallet: &str, token: Token, now: Timestamp) -> Result<CanaryParts<'a>> {
    let wallet = policy.treasury.wallet(wallet)?;
    if wallet.kind != WalletKind::Canary {
        return Err(policy_error(
            "source_wallet",
            format!("wallet {} is a hot wallet; canary payouts leave from canary wallets only", wallet.id),
        ));
    }
    let check = wallet.check_address.ok_or_else(|| policy_error("source_wallet", format!("wallet {} has no check address", wallet.id)))?;
    policy.treasury.allow_list.check(check)?;
    let contract = policy.treasury.token_contract(wallet.network, token)?;
    let (day, day_start, day_end) = business_day(policy.launch, now)?;
    Ok(CanaryParts { wallet, check, contract, bundle_id: canary_bundle_id(wallet, day), day_start, day_end })
}

/// The canary payout's transaction: one token from the canary wallet to its check address.
async fn build_canary(store: &Store, policy: Policy<'_>, parts: &CanaryParts<'_>, variable: Variable<'_>) -> Result<Built> {
    let amount = CANARY_AMOUNT_BASE_UNITS;
    build(store, policy, &parts.bundle_id, &parts.wallet.address, parts.check, parts.contract, amount, 0, None, variable).await
}

/// What a canary review needs.
#[derive(Debug, Clone, Copy)]
pub struct CanaryReviewRequest<'a> {
    /// The canary wallet's id.
    pub wallet: &'a str,
    /// The token.
    pub token: Token,
    /// The operator's input.
    pub input: OperatorInput,
    /// Who reviews.
    pub reviewed_by: &'a str,
    /// Now.
    pub now: Timestamp,
}

/// Reviews the day's canary payout of a canary wallet: the exact unsigned bytes of one token
/// to its check address, kept under their signing hash, as for a payout chunk.
pub async fn review_canary(store: &Store, policy: Policy<'_>, request: CanaryReviewRequest<'_>) -> Result<Review> {
    let CanaryReviewRequest { wallet, token, input, reviewed_by, now } = request;
    check_binding(store, policy, reviewed_by, now).await?;
    let parts = canary_parts(policy, wallet, token, now)?;
    let built = build_canary(store, policy, &parts, Variable::Fresh { input, now }).await?;
    keep_review(store, &parts.bundle_id, 0, None, parts.wallet.network, &built, reviewed_by, now).await
}

/// Keeps a review of built bytes; the review ends after [`REVIEW_LIFETIME_S`] or with the
/// TRC-20 transaction's expiry, whichever comes first.
#[allow(clippy::too_many_arguments)]
async fn keep_review(
    store: &Store,
    bundle_id: &str,
    chunk: u32,
    replace: Option<Replace>,
    network: Network,
    built: &Built,
    reviewed_by: &str,
    now: Timestamp,
) -> Result<Review> {
    let lifetime = now.checked_add(REVIEW_LIFETIME_S.seconds()).map_err(|e| Error::Refused(e.to_string()))?;
    let expires_at = match built.expiration_ms {
        Some(ms) => Timestamp::from_millisecond(ms).map_err(|e| Error::Refused(e.to_string()))?.min(lifetime),
        None => lifetime,
    };
    let review_hash = built.hash.to_string();
    let unsigned_hex = match network {
        Network::Erc20 => format!("0x{}", hex_of(&built.bytes)),
        Network::Trc20 => hex_of(&built.bytes),
    };
    store
        .insert_review(&StoredReview {
            review_hash: review_hash.clone(),
            bundle_id: bundle_id.to_owned(),
            chunk,
            replace: replace.map(|r| r.reason().to_owned()),
            unsigned_hex: unsigned_hex.clone(),
            reviewed_by: reviewed_by.to_owned(),
            reviewed_at: now,
            expires_at,
        })
        .await?;
    Ok(Review { review_hash, unsigned_hex, expires_at, gate: None })
}

/// The review `review_hash` of chunk `chunk` of `bundle_id`, in force at `now`, and its bytes.
async fn review_in_force(store: &Store, bundle_id: &str, chunk: u32, review_hash: &str, now: Timestamp) -> Result<(StoredReview, Vec<u8>)> {
    let review = store.review(review_hash.trim()).await?.ok_or_else(|| {
        review_error("review_missing", format!("no review {review_hash} in this store; review chunk {chunk} first and sign what it shows"))
    })?;
    if review.bundle_id != bundle_id || review.chunk != chunk {
        return Err(review_error(
            "review_mismatch",
            format!("review {review_hash} is of chunk {} of {}, not chunk {chunk} of {bundle_id}", review.chunk, review.bundle_id),
        ));
    }
    if now >= review.expires_at {
        return Err(review_error("review_expired", format!("review {review_hash} expired at {}; review again", review.expires_at)));
    }
    let bytes = hex::decode(review.unsigned_hex.trim_start_matches("0x"))
        .map_err(|_| review_error("review_mismatch", "the stored review is not hex".to_owned()))?;
    Ok((review, bytes))
}

/// What signing a canary payout needs.
#[derive(Debug, Clone, Copy)]
pub struct CanaryRequest<'a> {
    /// The canary wallet's id.
    pub wallet: &'a str,
    /// The token.
    pub token: Token,
    /// The signing hash of today's reviewed canary bytes.
    pub review_hash: &'a str,
    /// The instant of signing.
    pub now: Timestamp,
    /// The connection to the ledger the store follows (required when it follows one).
    pub ledger: Option<&'a dyn ChunkLedger>,
}

/// Signs the day's canary payout of a canary wallet — exactly the reviewed bytes of one
/// token to the wallet's own check address (allow-listed) — through the never-sign-twice
/// registry. No quorum (the destination is our own) and no phase cap (canaries run before T0
/// by design), but counted in the day's volume; everything else is refused.
pub async fn sign_canary(store: &Store, policy: Policy<'_>, keys: &dyn WalletKeys, request: CanaryRequest<'_>) -> Result<SignedChunk> {
    let CanaryRequest { wallet, token, review_hash, now, ledger } = request;
    check_binding(store, policy, "signer", now).await?;
    check_ledger_policy(store, policy).await?;
    let parts = canary_parts(policy, wallet, token, now)?;
    // Safe-mode freezes the canary too (its one token is still a payout); a rollback merely
    // recommended does not stop the health check.
    if let Some(gate) =
        signing_gate(store, policy.launch, policy.treasury, parts.wallet.network, &parts.wallet.id).await?.filter(|g| g.safe_mode)
    {
        return Err(policy_error("slo_gate", format!("the canary payout of {}: {}", parts.wallet.id, gate.explain())));
    }
    let (review, reviewed) = review_in_force(store, &parts.bundle_id, 0, review_hash, now).await?;
    let built = build_canary(store, policy, &parts, Variable::Reviewed(&reviewed)).await?;
    if built.hash.to_string() != review.review_hash || built.bytes != reviewed {
        return Err(review_error(
            "review_mismatch",
            format!("the canary bytes of {} would differ from the reviewed ones ({review_hash}); review again", parts.wallet.id),
        ));
    }
    let source_text = parts.wallet.address.to_string();
    let nonce = match &built.transfer {
        Unsigned::Erc20(transfer) => {
            let chain = chain_nonce(store, policy.treasury, &source_text, transfer.nonce).await?;
            Some(NonceClaim { wallet: &source_text, first: transfer.nonce, expected: transfer.nonce, chain })
        }
        Unsigned::Trc20(_) => None,
    };
    let content = built.content.clone();
    let reservation = Reservation {
        kind: SignatureKind::Canary,
        bundle_id: &parts.bundle_id,
        chunk: 0,
        network: network_id(parts.wallet.network),
        amount: CANARY_AMOUNT_BASE_UNITS,
        bundle_hash: "canary",
        content: &content,
        signer: &source_text,
        replacement: None,
        review_hash: &review.review_hash,
        policy: &policy.treasury.fingerprint,
        volume: Some(VolumeClaim {
            day_start: parts.day_start,
            day_end: parts.day_end,
            amount: CANARY_AMOUNT_BASE_UNITS,
            cap: None,
            elsewhere: 0,
        }),
        nonce,
        at: now,
    };
    // On the ledger a canary is keyed by keccak256 of its registry id (one a wallet a day).
    let ledger_key = keccak256(parts.bundle_id.as_bytes()).to_string();
    sign_reserved(store, reservation, &ledger_key, ledger, keys, parts.wallet, &built, parts.wallet.network, now).await
}

/// The day's canary payout of one canary wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanaryStatus<'a> {
    /// The canary wallet.
    pub wallet: &'a Wallet,
    /// Its registry id for the day.
    pub bundle_id: String,
    /// `not signed`, `reserved`, `signed` or `abandoned`.
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
