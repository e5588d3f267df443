//! EOD settlement transfers into the payout queue (PRODUCT.md "Treasury and EOD": they are
//! payouts like any other). Each transfer of [`clubgate_core::settlement::transfers`]
//! becomes a payout bundle made by [`crate::bundle::make_with_id`] — the hot wallet checked,
//! the destination on the allow-list, the token contract the policy's, the amount batched
//! under the per-tx cap — and is published to the store's payout queue (and through the
//! outbox to the ledger) like a bundle the treasury lead makes by hand; approvals, the
//! quorum, the day's volume cap and the never-sign-twice registry then apply at signing.
//!
//! Never twice: the bundle id is derived from the session, network and token, and the
//! store inserts it in a `BEGIN IMMEDIATE` transaction against the queue's primary key, so
//! a second run, a second process on the same store, or a desk that has pulled the first
//! desk's bundle from the ledger finds it there and queues nothing. Two desks that have
//! not yet pulled each other make the same bundle (same id, same document, same
//! `requested_by`), so the ledger takes the second `bundle` command as a duplicate of the
//! first.

use clubgate_chain::approval::PayoutBundle;
use clubgate_core::eod::{network_name, token_name};
use clubgate_core::payout::TokenAmount;
use clubgate_core::plan::Plan;
use clubgate_core::settlement::{treasury_token, Settlement, Transfer};
use clubgate_core::treasury::{Treasury, TOKEN_DECIMALS};
use clubgate_store::{Store, StoredBundle};
use jiff::Timestamp;

use crate::bundle;
use crate::error::{Error, Result};

/// What became of a transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Queued now by this call.
    Queued,
    /// Already in the queue (an earlier run, another process, or another desk through the
    /// ledger); `same` is whether the queued bundle is this one (same hash).
    AlreadyQueued {
        /// The queued bundle is exactly this one.
        same: bool,
    },
    /// A dry run: what would be queued.
    WouldQueue,
}

impl Outcome {
    /// `queued`, `already_queued`, `already_queued_other`, `would_queue`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::AlreadyQueued { same: true } => "already_queued",
            Self::AlreadyQueued { same: false } => "already_queued_other",
            Self::WouldQueue => "would_queue",
        }
    }
}

/// A settlement transfer with its bundle and what became of it.
#[derive(Debug, Clone)]
pub struct Settled {
    /// The transfer.
    pub transfer: Transfer,
    /// Its payout bundle.
    pub bundle: PayoutBundle,
    /// What became of it.
    pub outcome: Outcome,
}

/// The store's record of who asks for a settlement transfer: the same on every desk, so two
/// desks publish the same `bundle` command body.
pub fn requested_by(transfer: &Transfer) -> String {
    format!("EOD settlement of {}", transfer.entry.session_id)
}

/// The payout bundle of a transfer under the policy (`policy_version`).
pub fn bundle_of(plan: &Plan, treasury: &Treasury, transfer: &Transfer, policy_version: u32) -> Result<PayoutBundle> {
    let entry = &transfer.entry;
    let amount = TokenAmount::from_base_units(entry.settle)
        .ok_or_else(|| Error::Refused(format!("EOD session {}: the settlement amount {} is not payable", entry.session_id, entry.settle)))?
        .to_decimal(TOKEN_DECIMALS);
    let (source, to) = (transfer.source.to_string(), transfer.destination.to_string());
    let request = bundle::Request {
        network: entry.network,
        token: treasury_token(entry.token),
        source: &source,
        to: &to,
        amount: &amount,
        policy_version,
    };
    bundle::make_with_id(plan, treasury, &request, transfer.payout_id.clone()).map_err(|error| match error {
        Error::Refused(message) => Error::Refused(format!(
            "EOD session {} ({} {}): {message}",
            entry.session_id,
            network_name(entry.network),
            token_name(entry.token)
        )),
        Error::Policy { code, message } => Error::Policy {
            code,
            message: format!("EOD session {} ({} {}): {message}", entry.session_id, network_name(entry.network), token_name(entry.token)),
        },
        other => other,
    })
}

/// Refuses to queue settlement transfers computed over an event stream that is an import
/// (`import:FILE`) or a replay (`replay:SCENARIO:SEED`): its sessions are what-if data, and
/// a transfer queued from them would take the session's payout id (derived from session,
/// network and token) and lock out the real transfer (red team F3). The store's own stream
/// — the ledger's, on a desk that follows one (the demo's simulator feeds its ledger) — is
/// settled; what-if questions are for the dry run, which takes any stream.
pub fn check_settle_source(source: Option<&str>) -> Result<()> {
    let Some(source) = source else { return Ok(()) };
    let what = if source.starts_with("import:") {
        "an import"
    } else if source.starts_with("replay:") {
        "a replay"
    } else {
        return Ok(());
    };
    Err(Error::Refused(format!(
        "the desk's event stream is {what} ({source}), not the ledger's: EOD settlement transfers are queued only from the \
         ledger's events (`clubgate sync --url URL`); use the dry run for what-if questions over this stream"
    )))
}

/// The bundles of every transfer, without touching the store: the T-3d dry run of
/// `trust.session.close()` / `eod_settlement`, and the first half of [`settle`]. An
/// already queued bundle is reported as such (`store` given), never queued again.
pub async fn dry_run(
    store: Option<&Store>,
    plan: &Plan,
    treasury: &Treasury,
    settlement: &Settlement,
    policy_version: u32,
) -> Result<Vec<Settled>> {
    let queued = match store {
        Some(store) => store.bundles().await?,
        None => Vec::new(),
    };
    settlement
        .transfers
        .iter()
        .map(|transfer| {
            let bundle = bundle_of(plan, treasury, transfer, policy_version)?;
            let outcome = match queued.iter().find(|b| b.bundle_id == bundle.bundleId) {
                Some(stored) => Outcome::AlreadyQueued { same: stored.hash.eq_ignore_ascii_case(&bundle.canonical_hash().to_string()) },
                None => Outcome::WouldQueue,
            };
            Ok(Settled { transfer: transfer.clone(), bundle, outcome })
        })
        .collect()
}

/// Queues every transfer of `settlement` not yet in the store's payout queue: each bundle
/// is published in its own store transaction (the queue and the outbox's `bundle` command
/// together). A bundle id another process inserted first is reported as already queued.
/// All bundles are made first, so a refusal queues nothing.
pub async fn settle(
    store: &Store,
    plan: &Plan,
    treasury: &Treasury,
    settlement: &Settlement,
    policy_version: u32,
    at: Timestamp,
) -> Result<Vec<Settled>> {
    let mut settled = dry_run(Some(store), plan, treasury, settlement, policy_version).await?;
    for item in settled.iter_mut().filter(|s| s.outcome == Outcome::WouldQueue) {
        let document = bundle::to_document(&item.bundle);
        let hash = item.bundle.canonical_hash().to_string();
        let stored = StoredBundle {
            bundle_id: item.bundle.bundleId.clone(),
            hash: hash.clone(),
            document: document.to_string(),
            requested_by: requested_by(&item.transfer),
            created_at: at,
        };
        item.outcome = match store.publish_bundle(&stored).await {
            Ok(()) => Outcome::Queued,
            Err(error) => {
                // Another process won the race for this id inside its own transaction.
                let queued = store.bundles().await?;
                match queued.iter().find(|b| b.bundle_id == stored.bundle_id) {
                    Some(other) => Outcome::AlreadyQueued { same: other.hash.eq_ignore_ascii_case(&hash) },
                    None => return Err(error.into()),
                }
            }
        };
    }
    Ok(settled)
}
