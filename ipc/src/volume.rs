//! Wire types of the Volume page (issue 12, point 5): the business day's signed volume
//! against the day's cap with the headroom, per network the signed volume, the per-tx cap
//! and the fee mode, and the launch IC's config-freeze exceptions from the decision log.
//! Amounts come twice: decimal tokens for display, base-unit digit strings for exactness.

use serde::{Deserialize, Serialize};

/// The Volume page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeView {
    /// Why there is nothing to show (no policy, no phase yet), if so.
    pub error: Option<String>,
    /// The instant it was computed for (RFC 3339).
    pub at: String,
    /// The plan-zone business day.
    pub business_day: String,
    /// The governing phase and its cap percent.
    pub phase: String,
    /// Its cap, in percent of the daily target.
    pub phase_percent: u8,
    /// The daily target (tokens).
    pub daily_target: String,
    /// The phase's cap (tokens).
    pub phase_cap: String,
    /// The launch IC's volume level in force, in words, if any.
    pub level: Option<String>,
    /// The day's cap: min(phase cap, level cap) (tokens).
    pub cap: String,
    /// The same in base units.
    pub cap_units: String,
    /// Signed today across networks (tokens): what signing counts against the cap.
    pub signed_today: String,
    /// The same in base units.
    pub signed_today_units: String,
    /// cap − signed (tokens).
    pub headroom: String,
    /// The same in base units.
    pub headroom_units: String,
    /// Per network, ERC-20 then TRC-20.
    pub networks: Vec<NetworkVolumeView>,
    /// The freeze exceptions of the decision log, in log order.
    pub exceptions: Vec<ExceptionView>,
}

/// One network's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkVolumeView {
    /// `erc20` or `trc20`.
    pub network: String,
    /// Signed today on it (tokens).
    pub signed_today: String,
    /// The same in base units.
    pub signed_today_units: String,
    /// The per-tx cap batching and signing enforce: the plan's (tokens).
    pub per_tx_cap: String,
    /// The same in base units.
    pub per_tx_cap_units: String,
    /// The per-tx cap an applied IC exception authorises (tokens): not in force at the
    /// signature until the plan changes.
    pub per_tx_cap_authorised: Option<AuthorisedView>,
    /// The fee mode signing enforces: the treasury file's (ERC-20).
    pub fee_mode: Option<String>,
    /// The fee mode an applied IC exception authorises (ERC-20), not in force at the signature.
    pub fee_mode_authorised: Option<AuthorisedView>,
    /// TRC-20: the fee limit in sun.
    pub fee_limit_sun: Option<String>,
}

/// A figure an IC freeze exception authorises, shown beside the enforced one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorisedView {
    /// The authorised value (a per-tx cap in tokens, or a fee mode).
    pub value: String,
    /// The exception's decision id.
    pub decision: String,
    /// Who makes the change.
    pub who: String,
    /// When the change is made.
    pub when: String,
    /// Why (the decision's text).
    pub why: String,
}

/// A freeze exception and what the view made of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionView {
    /// The decision id.
    pub decision: String,
    /// `per_tx_cap` or `fee_mode`.
    pub area: String,
    /// The network it names.
    pub network: Option<String>,
    /// Its value as written.
    pub value: Option<String>,
    /// Who makes the change.
    pub who: String,
    /// What changes.
    pub what: String,
    /// When the change is made.
    pub when: String,
    /// How it is undone.
    pub rollback_plan: String,
    /// Why (the decision's text).
    pub why: String,
    /// When it was decided.
    pub decided_at: String,
    /// Whether it is shown beside the figure it authorises (never in force at the signature).
    pub applied: bool,
    /// Why not, when not.
    pub not_applied: Option<String>,
}
