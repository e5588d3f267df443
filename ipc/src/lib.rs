//! The types that cross the Tauri IPC boundary, shared by the shell (`src-tauri`, which
//! builds them from core values) and the UI (`ui`, which renders them). Plain data with
//! serde only: no behaviour, no core types, so the core can change without breaking the
//! wire. Instants come twice: RFC 3339 with the plan zone's offset for display, and epoch
//! milliseconds for the UI's countdowns.

use serde::{Deserialize, Serialize};

pub mod eod;
pub mod volume;
pub mod wallets;
pub mod warroom;

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bilingual {
    /// English.
    pub en: String,
    /// Russian.
    pub ru: String,
}

/// An instant, as shown and as counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instant {
    /// RFC 3339 with the plan zone's offset.
    pub rfc3339: String,
    /// Short local form in the plan zone, e.g. `Mon 07 Dec 10:00 CET`.
    pub local: String,
    /// Milliseconds since the Unix epoch.
    pub epoch_ms: i64,
}

/// A role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: Bilingual,
}

/// A phase of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: Bilingual,
    /// Start.
    pub start: Instant,
    /// End.
    pub end: Instant,
    /// Volume cap, percent of the daily target.
    pub volume_cap_percent: u8,
    /// Goals.
    pub goals: Bilingual,
}

/// The latest change of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeView {
    /// The item.
    pub item_id: String,
    /// `open`, `done`, `blocked`, `n/a`.
    pub state: String,
    /// Who.
    pub who: String,
    /// When, in the plan zone.
    pub at: Instant,
    /// Evidence or reason.
    pub evidence: String,
}

/// A checklist item with its current state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemView {
    /// Id.
    pub id: String,
    /// Title.
    pub title: Bilingual,
    /// Owner role id.
    pub owner: String,
    /// `open`, `done`, `blocked`, `n/a`.
    pub state: String,
    /// The change that set the state, if any.
    pub last: Option<ChangeView>,
    /// This desk's latest sign-off of it waits for the ledger (read-your-writes: it stays
    /// shown, marked pending, until its record comes back in the pulled log).
    #[serde(default)]
    pub pending: bool,
}

/// A checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointView {
    /// `T-7d`…
    pub offset: String,
    /// Name.
    pub name: Bilingual,
    /// When.
    pub at: Instant,
    /// Items.
    pub items: Vec<ItemView>,
}

/// A freeze window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreezeView {
    /// `code` or `config`.
    pub kind: String,
    /// Start.
    pub start: Instant,
    /// End.
    pub end: Instant,
    /// Rule.
    pub rule: Bilingual,
    /// Active now.
    pub active: bool,
}

/// An entry criterion that blocks the gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockerView {
    /// Item id.
    pub id: String,
    /// Its state.
    pub state: String,
    /// Owner role id.
    pub owner: String,
}

/// The Go/No-Go gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateView {
    /// `GO` or `NO-GO`.
    pub verdict: String,
    /// Criteria done.
    pub done: usize,
    /// Criteria in all.
    pub total: usize,
    /// What blocks the gate.
    pub blockers: Vec<BlockerView>,
}

/// The change window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeWindowView {
    /// Channel name.
    pub channel: String,
    /// Start.
    pub start: Instant,
    /// End.
    pub end: Instant,
    /// Open now.
    pub open: bool,
    /// Template fields.
    pub template: Vec<String>,
}

/// Everything the pages show, computed at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    /// Plan id.
    pub plan_id: String,
    /// Plan version.
    pub plan_version: String,
    /// Plan title.
    pub plan_title: Bilingual,
    /// `builtin:launch-plan-v1` or a path.
    pub plan_source: String,
    /// Zone name.
    pub tz: String,
    /// T0.
    pub t0: Instant,
    /// T0 as a plan-zone wall clock for the settings form (`2026-12-07T10:00`).
    pub t0_wall: String,
    /// The instant this overview was computed at.
    pub now: Instant,
    /// The phase in force now, if any.
    pub current_phase: Option<String>,
    /// Roles.
    pub roles: Vec<RoleView>,
    /// Phases.
    pub phases: Vec<PhaseView>,
    /// Checkpoints.
    pub checkpoints: Vec<CheckpointView>,
    /// Entry criteria.
    pub entry_criteria: Vec<ItemView>,
    /// Onboarding steps.
    pub onboarding: Vec<ItemView>,
    /// The gate.
    pub gate: GateView,
    /// Freezes.
    pub freezes: Vec<FreezeView>,
    /// The change window.
    pub change_window: ChangeWindowView,
}

/// A checklist change as the UI sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemUpdate {
    /// Item id.
    pub item_id: String,
    /// New state.
    pub state: String,
    /// Who.
    pub who: String,
    /// Evidence or reason.
    pub evidence: String,
}

/// New launch settings as the UI sends them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsUpdate {
    /// T0 as typed.
    pub t0: String,
    /// Zone; empty for the plan's.
    pub tz: String,
    /// A plan file path; empty for the embedded default.
    pub plan_path: String,
    /// Who.
    pub who: String,
    /// Once a payout of the launch was signed, changing T0 or the plan is a launch IC
    /// decision: its reason ("" otherwise).
    #[serde(default)]
    pub reason: String,
}

/// An error a command returns: a stable code and a message for the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandError {
    /// `invalid_input`, `not_found`, `storage`, `plan_file`.
    pub code: String,
    /// What went wrong and what to do.
    pub message: String,
}

/// One rollback rule on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleView {
    /// `pass_through`, `eod_unsettled`, `webhooks`, `sev1`.
    pub rule: String,
    /// `ok`, `watching`, `triggered`.
    pub state: String,
    /// The evidence or the reason, in words.
    pub detail: String,
    /// When it first became true (triggered rules only).
    pub since: Option<Instant>,
}

/// A chart, as SVG markup drawn by the shell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartView {
    /// Stable id.
    pub id: String,
    /// SVG markup.
    pub svg: String,
}

/// SLO attainment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttainmentView {
    /// `pass_through`, `eod`, `webhooks`.
    pub slo: String,
    /// Periods meeting the target.
    pub met: usize,
    /// Periods with data.
    pub total: usize,
}

/// One business day of EOD.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EodDayView {
    /// Plan-zone date.
    pub day: String,
    /// Sessions.
    pub sessions: usize,
    /// p95 EOD in minutes, one decimal; `None` with no settled session.
    pub p95_minutes: Option<String>,
    /// Unsettled.
    pub unsettled: usize,
}

/// A rule that triggered, as the alert list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertView {
    /// Data-clock instant of the trigger.
    pub at: Instant,
    /// What triggered.
    pub text: String,
}

/// A replay's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayView {
    /// Scenario.
    pub scenario: String,
    /// Speed (× real time).
    pub speed: u32,
    /// Events released so far.
    pub released: usize,
    /// Events in the scenario.
    pub total: usize,
}

/// The SLO dashboard at the data clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardView {
    /// Where the events came from (`import:…`, `replay:…`), if any.
    pub source: Option<String>,
    /// Events known.
    pub events: usize,
    /// The instant everything is evaluated at: the replay's clock or the latest event.
    pub clock: Option<Instant>,
    /// `none`, `partial`, `full`.
    pub recommendation: String,
    /// The partial rollback's scope.
    pub scope: Option<String>,
    /// The four rules.
    pub rules: Vec<RuleView>,
    /// Charts.
    pub charts: Vec<ChartView>,
    /// SLO attainment over the charted period.
    pub attainment: Vec<AttainmentView>,
    /// EOD per business day.
    pub eod_days: Vec<EodDayView>,
    /// Triggers seen, newest first.
    pub alerts: Vec<AlertView>,
    /// The running replay.
    pub replay: Option<ReplayView>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportView {
    /// Events taken.
    pub imported: usize,
    /// Lines refused, with their number and reason.
    pub errors: Vec<String>,
}

/// A replay request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayRequest {
    /// Scenario name.
    pub scenario: String,
    /// Speed (× real time), 1–5000.
    pub speed: u32,
    /// Seed.
    pub seed: u64,
}

/// A payout to plan: how it would be batched and whether the day's phase cap allows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutPlanRequest {
    /// `erc20` or `trc20`.
    pub network: String,
    /// `USDT` or `USDC`.
    pub token: String,
    /// The destination address.
    pub to: String,
    /// Decimal token text.
    pub amount: String,
    /// The daily target volume (decimal token text); empty: no headroom shown.
    pub daily_target: String,
    /// Volume already signed today (decimal token text); empty: 0.
    pub signed_today: String,
}

/// The plan of a payout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutPlanView {
    /// The destination, normalised (EIP-55 or base58check).
    pub to: String,
    /// The amount in decimal text.
    pub amount: String,
    /// Each chunk in decimal text.
    pub chunks: Vec<String>,
    /// The per-tx cap in decimal text.
    pub cap: String,
    /// Why it was batched, in words.
    pub why: String,
    /// The governing phase, when a daily target was given.
    pub phase: Option<String>,
    /// The day's cap left before this payout (decimal text).
    pub headroom: Option<String>,
    /// Whether the payout fits the day's phase cap.
    pub fits: Option<bool>,
}

/// A transaction decoded from its exact bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecodedView {
    /// `erc20` or `trc20`.
    pub network: String,
    /// (label, value) in display order.
    pub fields: Vec<(String, String)>,
}

/// A registered person of the treasury's approver registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproverView {
    /// Display name.
    pub name: String,
    /// `approver` or `treasury_lead`.
    pub role: String,
    /// The identity key's address.
    pub address: String,
    /// Whether this workstation has the person's signer configured.
    pub signs_here: bool,
}

/// A wallet of the treasury file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletView {
    /// Its id.
    pub id: String,
    /// `hot` or `canary`.
    pub kind: String,
    /// `erc20` or `trc20`.
    pub network: String,
    /// Its address.
    pub address: String,
}

/// The day's canary payout of one canary wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanaryView {
    /// `erc20` or `trc20`.
    pub network: String,
    /// The canary wallet's id.
    pub wallet: String,
    /// Where the 1-token payout goes.
    pub check_address: String,
    /// `not signed`, `reserved` or `signed`.
    pub status: String,
    /// The transaction hash / txID once signed.
    pub tx_hash: Option<String>,
    /// The signed bytes, decoded.
    pub decoded: Option<DecodedView>,
}

/// The treasury as the Payouts page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreasuryView {
    /// The treasury file's path.
    pub file: String,
    /// Why the file could not be used, if so; everything below is then empty.
    pub error: Option<String>,
    /// Approvals needed.
    pub quorum: usize,
    /// The registry.
    pub approvers: Vec<ApproverView>,
    /// The wallets.
    pub wallets: Vec<WalletView>,
    /// The daily target volume (token units).
    pub daily_target: String,
    /// Volume signed today (token units), originals only.
    pub signed_today: String,
    /// The phase in force and its cap, if any.
    pub phase: Option<String>,
    /// What the phase cap still allows today (token units), if a phase is in force.
    pub headroom: Option<String>,
    /// The plan-zone business day of the canary payouts.
    pub canary_day: String,
    /// The canary payouts of the day, per canary wallet.
    pub canaries: Vec<CanaryView>,
}

/// A new payout for the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleRequest {
    /// `erc20` or `trc20`.
    pub network: String,
    /// USDT or USDC.
    pub token: String,
    /// The paying hot wallet's id.
    pub source_wallet: String,
    /// The destination.
    pub to: String,
    /// Decimal token text.
    pub amount: String,
    /// Who requests it.
    pub who: String,
}

/// An approval of a queued bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalView {
    /// The approver's name in the registry.
    pub name: String,
    /// The approver's address.
    pub address: String,
    /// Made on this desk and not back from the ledger's log yet (read-your-writes): it does
    /// not count towards the quorum until it is.
    #[serde(default)]
    pub pending: bool,
    /// This desk's approval the ledger refused, with its code and words (it never counts).
    #[serde(default)]
    pub refused: Option<String>,
}

/// One chunk of a queued bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkView {
    /// 0-based.
    pub index: u32,
    /// Token units.
    pub amount: String,
    /// `not signed`, `reserved` or `signed`.
    pub status: String,
    /// The latest attempt.
    pub attempt: Option<u32>,
    /// The transaction hash / txID once signed.
    pub tx_hash: Option<String>,
    /// The signed bytes, decoded.
    pub decoded: Option<DecodedView>,
    /// When the latest signed attempt was recorded as broadcast.
    pub broadcast_at: Option<String>,
    /// The latest signed transaction, hex (ERC-20: the signed envelope; TRC-20: raw_data),
    /// for broadcasting.
    pub raw: Option<String>,
    /// The chunk's signature in the ledger's log, from any desk: "by WHO at seq N".
    #[serde(default)]
    pub ledger_signed: Option<String>,
}

/// The broadcast chunks followed on the policy's nodes (issue 12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainStatusView {
    /// The node asked, if the policy names one.
    pub node: Option<String>,
    /// Why nothing is followed (no node, the node failed), if so.
    pub note: Option<String>,
    /// The node's head block.
    pub block: Option<u64>,
    /// Each broadcast chunk.
    pub chunks: Vec<ChunkChainView>,
}

/// One broadcast chunk on chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkChainView {
    /// The bundle.
    pub bundle_id: String,
    /// The chunk.
    pub chunk: u32,
    /// `pending`, `stuck`, `mined`, `confirmed`, `failed` or `unknown`.
    pub status: String,
    /// The status in words (age, confirmations).
    pub text: String,
    /// The attempt the status is about (the mined one, else the latest).
    pub attempt: u32,
    /// Its transaction hash.
    pub tx_hash: String,
    /// Its fee mode.
    pub fee_mode: String,
    /// Blocks since it was mined (0 while pending).
    pub confirmations: u64,
    /// The policy's confirmations for "confirmed".
    pub required_confirmations: u64,
    /// A stuck chunk: the speed-up proposed (next fee mode and its fees), or why refused.
    pub speed_up: Option<String>,
    /// The chunk's other broadcast attempts and what became of them.
    pub replaced: Vec<String>,
}

/// A queued bundle with its approvals and chunk statuses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleView {
    /// The bundle id.
    pub bundle_id: String,
    /// `erc20` or `trc20`.
    pub network: String,
    /// USDT or USDC.
    pub token: String,
    /// The paying hot wallet's address.
    pub source: String,
    /// The destination.
    pub destination: String,
    /// The destination's allow-list name, or None when it is not (or no longer) allowed.
    pub destination_name: Option<String>,
    /// Token units.
    pub amount: String,
    /// The EIP-712 canonical hash the approvers sign.
    pub hash: String,
    /// Why the amount is batched as it is.
    pub why: String,
    /// Who queued it.
    pub requested_by: String,
    /// The approvals so far.
    pub approvals: Vec<ApprovalView>,
    /// Approvals needed.
    pub quorum: usize,
    /// Whether the approvals make a valid quorum.
    pub approved: bool,
    /// The chunks.
    pub chunks: Vec<ChunkView>,
}

/// An approval to make with a registered approver's configured key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproveRequest {
    /// The bundle.
    pub bundle_id: String,
    /// The approver's address.
    pub approver: String,
    /// The PIN of that approver's own token, typed now (a Ledger approver leaves it empty
    /// and confirms on the device). The shell wipes it after use; the UI clears its field.
    pub pin: String,
}

impl std::fmt::Debug for ApproveRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the PIN, not even in a debug log.
        f.debug_struct("ApproveRequest").field("bundle_id", &self.bundle_id).field("approver", &self.approver).finish_non_exhaustive()
    }
}

/// The chain fields the operator supplies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainInput {
    /// ERC-20: the wallet's pending nonce on chain (used only for a wallet new to the store).
    pub pending_nonce: String,
    /// TRC-20: 2 bytes hex of the reference block.
    pub ref_block_bytes: String,
    /// TRC-20: 8 bytes hex of the reference block hash.
    pub ref_block_hash: String,
}

/// A chunk to review or sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkRequest {
    /// The bundle.
    pub bundle_id: String,
    /// The chunk.
    pub chunk: u32,
    /// Chain fields.
    pub chain: ChainInput,
    /// Review: "" for the original, `speed-up` (ERC-20) or `expired` (TRC-20) for a
    /// recorded replacement of the latest signed attempt. Sign: ignored (the review says).
    pub replace: String,
    /// Sign: the review hash of the bytes to sign (what "Review bytes" showed). Review: "".
    pub review_hash: String,
}

/// A review of a chunk: the exact unsigned bytes, decoded, under their signing hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewView {
    /// The bundle.
    pub bundle_id: String,
    /// The chunk.
    pub chunk: u32,
    /// The signing hash; signing names it.
    pub review_hash: String,
    /// Signing after this instant (RFC 3339) is refused.
    pub expires_at: String,
    /// `speed-up` / `expired` for a replacement, "" for the original.
    pub replace: String,
    /// The decoded bytes.
    pub decoded: DecodedView,
    /// Why signing is gated now (a rollback recommendation or safe-mode over the chunk's
    /// scope) and what it needs, if it is.
    #[serde(default)]
    pub gate: Option<String>,
}

/// An approval made elsewhere (`clubgate approve` on another workstation), as its JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalImport {
    /// The bundle it is for.
    pub bundle_id: String,
    /// The approval document: `{"bundle_hash", "approver", "signature"}`.
    pub document: String,
}

/// A canary payout to sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanaryRequest {
    /// The canary wallet's id.
    pub wallet: String,
    /// Review: the chain fields.
    pub chain: ChainInput,
    /// Sign: the review hash of today's canary bytes (what its review showed). Review: "".
    #[serde(default)]
    pub review_hash: String,
}

/// A command the ledger refused, kept in the outbox and shown in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedCommandView {
    /// The command's id.
    pub id: String,
    /// Its kind (`checklist`, `approval`, `signature`, …).
    pub kind: String,
    /// The ledger's error code (`already_signed`, `no_policy`, …).
    pub code: String,
    /// The ledger's message, naming what was wrong.
    pub message: String,
}

/// The ledger sync as the status strip shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatusView {
    /// Whether a ledger URL is configured.
    pub configured: bool,
    /// The ledger's URL.
    pub url: Option<String>,
    /// `online`, `offline`, `unauthorized`, `broken` or `not configured`.
    pub state: String,
    /// Since when the ledger is unreachable: `HH:MM:SS` in the plan zone.
    pub offline_since: Option<String>,
    /// The same instant in milliseconds since the epoch.
    pub offline_since_ms: Option<i64>,
    /// The last seq applied to the store.
    pub cursor: u64,
    /// The ledger's head at the last pull.
    pub head: Option<u64>,
    /// `head − cursor`.
    pub lag: Option<u64>,
    /// Commands waiting to be sent.
    pub outbox_pending: u64,
    /// Commands the ledger refused.
    pub outbox_refused: Vec<RefusedCommandView>,
    /// The seq where the chain does not verify (state `broken`).
    pub broken_seq: Option<u64>,
    /// The last error in words (what to do included).
    pub last_error: Option<String>,
}

/// A new ledger URL from the Settings page (empty: stop syncing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerUrlUpdate {
    /// `http(s)://HOST:PORT`, or empty.
    pub url: String,
}

/// A person of the team (issue 11 point 5): a plan role and the contacts the warroom
/// reaches them by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonView {
    /// The name; it names the person in shifts.
    pub name: String,
    /// The plan role id.
    pub role: String,
    /// International phone number (`+48601234567`).
    pub phone: Option<String>,
    /// Telegram handle (`@name`).
    pub telegram: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
}

/// A shift of the on-call rota, `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftView {
    /// Its id.
    pub id: i64,
    /// The person on call.
    pub person: String,
    /// The role they are on call for.
    pub role: String,
    /// Start (inclusive).
    pub start: Instant,
    /// End (exclusive).
    pub end: Instant,
}

/// An interval of the warroom span in which a role has nobody on call, `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapView {
    /// The role.
    pub role: String,
    /// Start (inclusive).
    pub start: Instant,
    /// End (exclusive).
    pub end: Instant,
}

/// A plan role on the Team page: its people, who is on call now, its shifts and gaps in
/// the warroom span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRoleView {
    /// The role id.
    pub id: String,
    /// Its name.
    pub name: Bilingual,
    /// The people holding it.
    pub people: Vec<PersonView>,
    /// Who is on call for it now.
    pub on_call_now: Vec<String>,
    /// Its shifts that meet the warroom span, by start.
    pub shifts: Vec<ShiftView>,
    /// Where nobody is on call for it in the warroom span.
    pub gaps: Vec<GapView>,
}

/// Who is on call for a checklist item's owner role at the item's due instant (a
/// checkpoint's instant; now for entry criteria and onboarding).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemOnCallView {
    /// The item.
    pub item_id: String,
    /// Its owner role.
    pub owner: String,
    /// The instant it was resolved at.
    pub at: Instant,
    /// The names on call then (empty: nobody).
    pub on_call: Vec<String>,
}

/// The Team page: the warroom's hours, each role's people, rota and gaps, and each
/// checklist item's owner resolved to a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamView {
    /// The warroom channel's name (`#launch-warroom`).
    pub channel: String,
    /// When the warroom opens (T-1d).
    pub opens: Instant,
    /// When it closes (T+2d).
    pub closes: Instant,
    /// The instant this view was computed at.
    pub now: Instant,
    /// The plan's roles, in plan order.
    pub roles: Vec<TeamRoleView>,
    /// Every role is on call for the whole warroom span (the T-2h confirmation can be done).
    pub covered: bool,
    /// Every checklist item's owner on call at its due instant.
    pub items: Vec<ItemOnCallView>,
}

/// A person to add, as the window's form sends it: one contact, a phone (`+48…`), a
/// Telegram handle (`@name`) or an e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRequest {
    /// The name.
    pub name: String,
    /// The plan role id.
    pub role: String,
    /// The contact.
    pub contact: String,
}

/// A shift to add for a person, in their own role; instants as an offset from T0
/// (`T-1d`), a plan-zone wall clock (`2026-12-06T10:00`) or RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftRequest {
    /// The person's name.
    pub person: String,
    /// Start (inclusive).
    pub from: String,
    /// End (exclusive).
    pub to: String,
}

/// A message template of the plan, as the Comms page lists it (issue 11 point 3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommsTemplateView {
    /// Stable id, e.g. `start-in-2h`.
    pub id: String,
    /// `pilots`, `partners` or `warroom`.
    pub audience: String,
    /// The languages it goes out in (`en`, `ru`).
    pub languages: Vec<String>,
    /// The checkpoint whose checklist asks for it (`T-2h`), if any.
    pub checkpoint: Option<String>,
    /// The §9 rule it follows, if any.
    pub communication: Option<String>,
    /// The rollback procedure step that sends it, if any.
    pub rollback_step: Option<String>,
    /// The figures it names, without braces.
    pub placeholders: Vec<String>,
}

/// One language of a filled message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommsMessageView {
    /// The subject.
    pub subject: String,
    /// The body.
    pub body: String,
    /// The exact text copied and exported: subject, an empty line, body, a final newline.
    pub text: String,
    /// SHA-256 (hex) of `text`.
    pub sha256: String,
}

/// A template filled from the live figures, both languages side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommsPreview {
    /// The template.
    pub template: String,
    /// Its audience.
    pub audience: String,
    /// The languages it goes out in.
    pub languages: Vec<String>,
    /// The instant of the figures.
    pub at: Instant,
    /// The partner's zone the times are written in.
    pub zone: String,
    /// English, when it goes out in English and every figure has a value.
    pub en: Option<CommsMessageView>,
    /// Russian, likewise.
    pub ru: Option<CommsMessageView>,
    /// Each figure without a value: `{name} has no value: why`. Nothing is filled then.
    pub missing: Vec<String>,
    /// SHA-256 (hex) of the exact text sent in all its languages (the decision log's
    /// `comms_sent` hash), when it is filled.
    pub sent_sha256: Option<String>,
}

/// Where an export wrote a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommsExport {
    /// The data directory's `comms/` folder.
    pub dir: String,
    /// The files written, one per language.
    pub files: Vec<String>,
}

/// A report the Reports page asks for (issue 11 point 4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRequest {
    /// `warroom`, `daily`, `kpi` or `postmortem`.
    pub kind: String,
    /// The report's instant: a plan-zone wall clock (`2026-12-07T11:00`) or RFC 3339; empty
    /// for the data clock (the minute after the latest event).
    pub at: String,
}

/// A report as the window shows it: the same files `clubgate report` writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportView {
    /// The kind.
    pub kind: String,
    /// The report's instant.
    pub at: Instant,
    /// The period's start.
    pub from: Instant,
    /// The period's end (exclusive).
    pub to: Instant,
    /// `KIND.md`.
    pub markdown: String,
    /// The Markdown rendered as HTML (no images, no raw HTML from the data).
    pub html: String,
    /// `KIND.csv`.
    pub csv: String,
    /// The charts: `id` is the file name (`KIND-NAME.svg`), `svg` its markup.
    pub charts: Vec<ChartView>,
}
