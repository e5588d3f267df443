//! The volume view (issue 12, point 5): per network, the business day's signed volume
//! against the day's cap with the headroom, the per-tx cap and the fee mode, and the launch
//! IC's config-freeze exceptions (per-tx cap, fee mode) from the decision log.
//!
//! The signed volume and the cap are the signature's own: [`day_cap`] is what
//! [`crate::flow::sign_chunk`] checks a bundle against, and the day's volume is the store's
//! reservations plus what other desks signed as the ledger's log shows it (the same
//! functions). The cap is one for the day across both networks (the phase's share of the
//! daily target); the per-network figures say where the volume went.
//!
//! A freeze exception is shown beside the figure it authorises only when it is a verified decision of
//! a launch IC (signature, author, chain — [`crate::decisions::read_log`]) that the ledger's
//! log holds (a desk's own decision not yet served back changes nothing, as for a safe-mode
//! lift in [`crate::gate`]), decided and made inside the change window, made by now (its
//! `when`), with a machine-readable `value` (and, for a per-tx cap, its `network`). The
//! latest such exception per key and network holds. Every exception is listed with who, when
//! and why, and why it is not applied when it is not.
//!
//! The main per-tx cap and fee mode of the view are what batching and signing enforce: the
//! plan's per-tx cap ([`crate::bundle::check_batching`]) and the treasury file's fee mode.
//! An applied exception is shown *beside* them ([`NetworkVolume::per_tx_cap_authorised`],
//! [`NetworkVolume::fee_mode_authorised`]) as authorised by the IC and not in force at the
//! signature — the change is then made in the plan or the treasury file (a new policy
//! version, approved by the quorum), and only then enforced (red team F6: the view once
//! showed the exception's cap as the main figure, which signing never enforced).

use clubgate_core::decision::{check_against_plan, Details};
use clubgate_core::payout::{cap_of, phase_headroom, TokenAmount};
use clubgate_core::plan::Network;
use clubgate_core::treasury::{network_id, TOKEN_DECIMALS};
use clubgate_store::Store;
use jiff::Timestamp;
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::flow::{business_day, Policy};

/// The day's volume cap at an instant, as signing checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCap {
    /// The plan-zone business day.
    pub day: jiff::civil::Date,
    /// Its first instant.
    pub day_start: Timestamp,
    /// The next day's first instant.
    pub day_end: Timestamp,
    /// The governing phase's id and cap percent.
    pub phase: (String, u8),
    /// The phase's cap of the daily target (base units).
    pub phase_cap: u128,
    /// The launch IC's volume level in force: (level, percent, why, its cap in base units).
    pub level: Option<(String, u8, String, u128)>,
    /// min(phase cap, level cap): what a bundle's first signature must fit under.
    pub cap: u128,
}

/// The day's cap at `now`: the governing phase's share of the daily target, lowered by the
/// launch IC's volume level ([`crate::gate::volume_level`]) — never raised.
pub async fn day_cap(store: &Store, policy: Policy<'_>, now: Timestamp) -> Result<DayCap> {
    let (day, day_start, day_end) = business_day(policy.launch, now)?;
    let daily_target = policy.treasury.daily_target.base_units();
    let (phase, percent, phase_cap, _) = phase_headroom(&policy.launch.plan, &policy.launch.table, now, daily_target, 0)?;
    let decisions = crate::gate::signed_decisions(store, policy.treasury, &policy.launch.plan).await?;
    let level = crate::gate::volume_level(store, &policy.launch.plan, &decisions)
        .await?
        .map(|(level, percent, why)| (level, percent, why, daily_target.saturating_mul(u128::from(percent)) / 100));
    let cap = level.as_ref().map_or(phase_cap, |(_, _, _, level_cap)| phase_cap.min(*level_cap));
    Ok(DayCap { day, day_start, day_end, phase: (phase, percent), phase_cap, level, cap })
}

/// A figure an applied IC freeze exception authorises: shown beside the enforced one, not
/// in force at the signature until the plan or the treasury file is changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorised<T> {
    /// The authorised value (a per-tx cap in base units, or a fee mode).
    pub value: T,
    /// The exception's decision id.
    pub decision: String,
    /// Who makes the change.
    pub who: String,
    /// When the change is made.
    pub when: Timestamp,
    /// Why (the decision's text).
    pub why: String,
}

/// One network's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkVolume {
    /// The network.
    pub network: Network,
    /// What was signed on it today (base units): this store's reservations and other desks'.
    pub signed_today: u128,
    /// The per-tx cap batching and signing enforce: the plan's (base units).
    pub per_tx_cap: u128,
    /// The per-tx cap an applied IC exception authorises (base units), not in force at the
    /// signature.
    pub per_tx_cap_authorised: Option<Authorised<u128>>,
    /// The fee mode signing enforces: the treasury file's (ERC-20; `None` on Tron, which has
    /// a fee limit).
    pub fee_mode: Option<String>,
    /// The fee mode an applied IC exception authorises (ERC-20), not in force at the signature.
    pub fee_mode_authorised: Option<Authorised<String>>,
    /// TRC-20: the fee limit in sun.
    pub fee_limit_sun: Option<i64>,
}

/// A freeze exception of the decision log, with what the view made of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// The decision id.
    pub decision: String,
    /// `per_tx_cap` or `fee_mode`.
    pub area: String,
    /// The network it names, if any.
    pub network: Option<Network>,
    /// Its value as written, if any.
    pub value: Option<String>,
    /// Who makes the change.
    pub who: String,
    /// What changes.
    pub what: String,
    /// When the change is made.
    pub when: Timestamp,
    /// How it is undone.
    pub rollback_plan: String,
    /// Why (the decision's text).
    pub why: String,
    /// The decision's author (its signing key).
    pub author: String,
    /// When it was decided.
    pub decided_at: String,
    /// Whether it is shown beside the figure it authorises (verified, in the ledger's log,
    /// inside the change window, made by now, with a value): authorised by the IC, never in
    /// force at the signature.
    pub applied: bool,
    /// Why it does not, when it does not.
    pub not_applied: Option<String>,
}

/// The whole view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeView {
    /// The instant it is computed for.
    pub at: Timestamp,
    /// The day's cap.
    pub cap: DayCap,
    /// The daily target (base units).
    pub daily_target: u128,
    /// The day's signed volume across networks — what signing counts against the cap.
    pub signed_today: u128,
    /// cap − signed (0 when over).
    pub headroom: u128,
    /// Per network, ERC-20 then TRC-20.
    pub networks: Vec<NetworkVolume>,
    /// The freeze exceptions in the log, in log order.
    pub exceptions: Vec<Exception>,
}

fn add(into: &mut Vec<(String, u128)>, from: Vec<(String, u128)>) -> Result<()> {
    for (network, amount) in from {
        match into.iter_mut().find(|(n, _)| *n == network) {
            Some((_, total)) => {
                *total = total.checked_add(amount).ok_or_else(|| Error::Refused(format!("the day's {network} volume overflows")))?
            }
            None => into.push((network, amount)),
        }
    }
    Ok(())
}

/// The volume view at `now` (see the module docs).
pub async fn volume_view(store: &Store, policy: Policy<'_>, now: Timestamp) -> Result<VolumeView> {
    let cap = day_cap(store, policy, now).await?;
    // The same two counts signing adds: this store's reservations, other desks' signatures.
    let local = store.signed_volume(cap.day_start, cap.day_end).await?;
    let elsewhere = crate::flow::volume_elsewhere_by_network(store, "", cap.day_start, cap.day_end).await?;
    let mut by_network = store.signed_volume_by_network(cap.day_start, cap.day_end).await?;
    let elsewhere_total = elsewhere.iter().try_fold(0u128, |s, (_, a)| s.checked_add(*a));
    add(&mut by_network, elsewhere)?;
    let signed_today =
        elsewhere_total.and_then(|e| local.checked_add(e)).ok_or_else(|| Error::Refused("the day's signed volume overflows".to_owned()))?;

    let exceptions = exceptions(store, policy, now).await?;
    // The latest applied exception of an area for a network, as the figure it authorises.
    let authorised = |area: &str, network: Network| {
        exceptions.iter().rev().find(|e| e.applied && e.area == area && e.network.is_none_or(|n| n == network)).and_then(|e| {
            let value = e.value.clone()?;
            Some(Authorised { value, decision: e.decision.clone(), who: e.who.clone(), when: e.when, why: e.why.clone() })
        })
    };
    let mut networks = Vec::new();
    for network in [Network::Erc20, Network::Trc20] {
        // The cap `check_batching` batches and checks every bundle under.
        let plan_cap = cap_of(&policy.launch.plan, network).map_err(|e| Error::Policy { code: "batching", message: e.to_string() })?;
        let per_tx_cap = u128::from(plan_cap.cap_token_units) * 10u128.pow(u32::from(plan_cap.token_decimals));
        let per_tx_cap_authorised = match authorised("per_tx_cap", network) {
            Some(a) => {
                let cap = TokenAmount::parse_decimal(&a.value, TOKEN_DECIMALS).map_err(|e| Error::Refused(e.to_string()))?.base_units();
                Some(Authorised { value: cap, decision: a.decision, who: a.who, when: a.when, why: a.why })
            }
            None => None,
        };
        let fee_mode = (network == Network::Erc20).then(|| policy.treasury.erc20.fee_mode.clone());
        let fee_mode_authorised = match network {
            Network::Erc20 => authorised("fee_mode", network),
            Network::Trc20 => None,
        };
        let id = network_id(network);
        networks.push(NetworkVolume {
            network,
            signed_today: by_network.iter().find(|(n, _)| n == id).map_or(0, |(_, a)| *a),
            per_tx_cap,
            per_tx_cap_authorised,
            fee_mode,
            fee_mode_authorised,
            fee_limit_sun: (network == Network::Trc20).then_some(policy.treasury.trc20.fee_limit_sun),
        });
    }
    Ok(VolumeView {
        at: now,
        headroom: cap.cap.saturating_sub(signed_today),
        cap,
        daily_target: policy.treasury.daily_target.base_units(),
        signed_today,
        networks,
        exceptions,
    })
}

/// The freeze exceptions of the decision log, each judged (see the module docs).
async fn exceptions(store: &Store, policy: Policy<'_>, now: Timestamp) -> Result<Vec<Exception>> {
    let log = crate::decisions::read_log(store, policy.treasury, &policy.launch.plan).await?;
    // The decisions the ledger's log holds (not this desk's outbox).
    let in_ledger: Vec<String> = store
        .commands_of_kind("decision")
        .await?
        .into_iter()
        .filter(|c| c.seq.is_some())
        .filter_map(|c| serde_json::from_str::<Value>(&c.payload).ok()?["id"].as_str().map(str::to_owned))
        .collect();
    let mut out: Vec<Exception> = Vec::new();
    for entry in &log.entries {
        let Some(Details::FreezeException { area, who, what, when, rollback_plan, network, value }) = &entry.details else { continue };
        let id = entry.text("id").to_owned();
        let decided_at = entry.text("at").to_owned();
        let mut not_applied = None;
        if !entry.verified() {
            not_applied = Some(format!("it does not verify: {}", entry.problems.join("; ")));
        } else if !in_ledger.contains(&id) {
            not_applied = Some("it is not in the ledger's log (this desk's decision, not served back yet)".to_owned());
        } else if let Err(reason) = decided_at.parse::<Timestamp>().map_err(|e| e.to_string()).and_then(|at| {
            check_against_plan(entry.details.as_ref().unwrap_or(&Details::Other), &policy.launch.plan, &policy.launch.table, at)
        }) {
            not_applied = Some(reason);
        } else if *when > now {
            not_applied = Some(format!("the change is made only at {when}"));
        } else if value.is_none() {
            not_applied = Some("it names no machine-readable value; it is listed, not applied".to_owned());
        } else if area == "per_tx_cap" && network.is_none() {
            not_applied = Some("a per-tx cap value needs its network".to_owned());
        } else if area != "per_tx_cap" && area != "fee_mode" {
            not_applied = Some(format!("{area} is not a figure of this view"));
        }
        out.push(Exception {
            decision: id,
            area: area.clone(),
            network: *network,
            value: value.clone(),
            who: who.clone(),
            what: what.clone(),
            when: *when,
            rollback_plan: rollback_plan.clone(),
            why: entry.text("text").to_owned(),
            author: entry.text("author").to_owned(),
            decided_at,
            applied: not_applied.is_none(),
            not_applied,
        });
    }
    Ok(out)
}

/// An authorised figure in the JSON answer: its value, the decision, who, when, why.
fn authorised_json<T>(authorised: &Authorised<T>, value: String) -> Value {
    json!({
        "value": value,
        "decision": authorised.decision,
        "who": authorised.who,
        "when": authorised.when.to_string(),
        "why": authorised.why,
        "in_force_at_signature": false,
    })
}

impl VolumeView {
    /// The JSON answer (`clubgate volume --json`, the window's `volume_view`): amounts as
    /// base-unit digit strings.
    pub fn to_json(&self) -> Value {
        let phase = &self.cap.phase;
        json!({
            "at": self.at.to_string(),
            "business_day": self.cap.day.to_string(),
            "day_start": self.cap.day_start.to_string(),
            "day_end": self.cap.day_end.to_string(),
            "daily_target": self.daily_target.to_string(),
            "phase": phase.0.clone(),
            "phase_percent": phase.1,
            "phase_cap": self.cap.phase_cap.to_string(),
            "volume_level": self.cap.level.as_ref().map(|(level, percent, why, cap)| json!({
                "level": level, "percent": percent, "why": why, "cap": cap.to_string(),
            })),
            "cap": self.cap.cap.to_string(),
            "signed_today": self.signed_today.to_string(),
            "headroom": self.headroom.to_string(),
            "exceptions_enforced_at_signature": false,
            "networks": self.networks.iter().map(|n| json!({
                "network": network_id(n.network),
                "signed_today": n.signed_today.to_string(),
                "per_tx_cap": n.per_tx_cap.to_string(),
                "per_tx_cap_authorised": n.per_tx_cap_authorised.as_ref().map(|a| authorised_json(a, a.value.to_string())),
                "fee_mode": n.fee_mode,
                "fee_mode_authorised": n.fee_mode_authorised.as_ref().map(|a| authorised_json(a, a.value.clone())),
                "fee_limit_sun": n.fee_limit_sun.map(|f| f.to_string()),
            })).collect::<Vec<_>>(),
            "exceptions": self.exceptions.iter().map(|e| json!({
                "decision": e.decision,
                "area": e.area,
                "network": e.network.map(network_id),
                "value": e.value,
                "who": e.who,
                "what": e.what,
                "when": e.when.to_string(),
                "rollback_plan": e.rollback_plan,
                "why": e.why,
                "author": e.author,
                "decided_at": e.decided_at,
                "applied": e.applied,
                "not_applied": e.not_applied,
            })).collect::<Vec<_>>(),
        })
    }
}
