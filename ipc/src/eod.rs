//! Wire types of the EOD page (issue 12): each trust session's cut-off in its pair's zone
//! and the plan's, status, the settlement plan's figures and its EOD duration against the
//! 60-minute SLO and the 90-minute rollback threshold; the settlement transfers queued (or,
//! in the dry run, what would be). Money is base units as digit strings.

use serde::{Deserialize, Serialize};

/// The EOD page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EodView {
    /// Why there is nothing to show (no launch, a plan that does not compute), if so.
    pub error: Option<String>,
    /// The instant of the view (RFC 3339 in the plan zone): the later of the wall clock and
    /// the data clock.
    pub at: String,
    /// The plan zone's name.
    pub plan_zone: String,
    /// The EOD SLO: p95 EOD ≤ this many minutes.
    pub slo_minutes: u32,
    /// Rollback rule 2: a session unsettled this many minutes after its cut-off.
    pub rollback_minutes: u32,
    /// Rule 2 triggers now.
    pub rollback_triggered: bool,
    /// Sessions, in entry order (cut-off, then id).
    pub sessions: Vec<EodSessionView>,
    /// Blocked sessions: the treasury lead's alerts, each naming its session.
    pub alerts: Vec<String>,
    /// Transfers this policy cannot pay (no hot wallet, the payee not on the allow-list).
    pub refusals: Vec<String>,
    /// Transfers due (settle > 0, cut-off passed) and not yet in the payout queue.
    pub due: usize,
}

/// One trust session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EodSessionView {
    /// Session id.
    pub session_id: String,
    /// Trust pair.
    pub trust_pair: String,
    /// The pair's zone name (the treasury file's `[[trust_pairs]]`, else the plan zone).
    pub pair_zone: String,
    /// Whether the treasury file names the pair's zone.
    pub pair_zone_known: bool,
    /// The cut-off on the pair's wall clock, with the zone (`Mon 07 Dec 2026 18:00 CET Europe/Warsaw`).
    pub cut_off_pair: String,
    /// The cut-off on the plan's wall clock, with the zone.
    pub cut_off_plan: String,
    /// The cut-off as RFC 3339 (UTC).
    pub cut_off: String,
    /// `open`, `settled full`, `settled partial`, `settled t+1`, `blocked`, `unsettled`.
    pub status: String,
    /// When it settled (plan zone), if it did.
    pub settled_at: Option<String>,
    /// EOD duration in whole minutes (settled − cut-off, or the time since the cut-off while
    /// unsettled); none while open.
    pub duration_minutes: Option<i64>,
    /// Over the SLO (strictly more than its minutes).
    pub over_slo: bool,
    /// Unsettled at least the rollback threshold after its cut-off.
    pub over_rollback_threshold: bool,
    /// In rollback rule 2's evidence now (unsettled past the threshold, no improvement).
    pub rollback_trigger: bool,
    /// The session's mode over its entries: `blocked` if one is, `t+1` if all settle
    /// nothing, `full` if all carry nothing, else `partial`; `—` with no entry.
    pub mode: String,
    /// What the session settles now, over its entries (base units, digits; every token has
    /// 6 decimals).
    pub settle: String,
    /// What it carries to the pair's next session, over its entries (base units, digits).
    pub carried: String,
    /// `settle` as token text.
    pub settle_tokens: String,
    /// `carried` as token text.
    pub carried_tokens: String,
    /// The plan's entries of the session.
    pub entries: Vec<EodEntryView>,
}

/// One entry of the settlement plan (a session, network and token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EodEntryView {
    /// `erc20` or `trc20`.
    pub network: String,
    /// `USDT` or `USDC`.
    pub token: String,
    /// Who pays.
    pub payer: String,
    /// Who is paid.
    pub payee: String,
    /// Base units (digits).
    pub net: String,
    /// Base units (digits).
    pub available: String,
    /// Base units (digits).
    pub settle: String,
    /// Base units (digits).
    pub carried: String,
    /// The same four as token text (6 decimals): net, available, settle, carried.
    pub net_tokens: String,
    /// Token text.
    pub available_tokens: String,
    /// Token text.
    pub settle_tokens: String,
    /// Token text.
    pub carried_tokens: String,
    /// `full`, `partial`, `t+1` or `blocked`.
    pub mode: String,
    /// The settlement transfer's payout id, when it settles something.
    pub payout_id: Option<String>,
    /// Whether that payout is in this desk's payout queue.
    pub queued: bool,
}

/// What `eod_settle` queued, or `eod_dry_run` would queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EodSettleView {
    /// A dry run: nothing was queued.
    pub dry_run: bool,
    /// The transfers, in entry order.
    pub transfers: Vec<EodTransferView>,
    /// Transfers this policy cannot pay.
    pub refusals: Vec<String>,
    /// Blocked sessions.
    pub alerts: Vec<String>,
}

/// One settlement transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EodTransferView {
    /// Session id.
    pub session_id: String,
    /// `erc20` or `trc20`.
    pub network: String,
    /// `USDT` or `USDC`.
    pub token: String,
    /// The payee.
    pub payee: String,
    /// Base units (digits).
    pub settle: String,
    /// Token text.
    pub settle_tokens: String,
    /// Chunks in base units (digits), batched under the per-tx cap.
    pub chunks: Vec<String>,
    /// The payout (bundle) id.
    pub payout_id: String,
    /// The hot wallet that pays.
    pub wallet: String,
    /// The payee's allow-listed address.
    pub destination: String,
    /// `queued`, `already_queued`, `already_queued_other` or `would_queue`.
    pub outcome: String,
}
