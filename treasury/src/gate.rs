//! SLO-gated signing (issue 10): while the rollback engine, over the events the store holds
//! (the ledger's live events, or an imported stream), recommends a rollback that covers a
//! chunk's scope — its hot wallet, its network, or everything — or safe-mode is on for it,
//! signing the chunk needs what the plan's `rollback.signing_gate` says: `block` (no
//! signature) or `extra_approval` (the policy's quorum + 1 distinct approvers). Safe-mode
//! (issue 11, seed §10: payouts frozen for its scope) always blocks.
//!
//! The picture is evaluated at the data clock — the latest event's instant + 1 ns — the
//! instant the dashboard shows, so the review screen and the dashboard say the same thing.
//! Safe-mode comes from the `safe_mode` commands in the pulled log and this desk's pending
//! ones: the latest switch of each scope wins, except that a pending switch can only turn
//! safe-mode on (a desk cannot lift the launch IC's switch before the ledger has its own),
//! and a switch whose scope does not read counts as safe-mode on for everything (fails
//! closed). A rollback recommendation for a wallet the treasury file does not know (the
//! platform's wallet label) covers that wallet's network.

use clubgate_core::decision::Details;
use clubgate_core::events::Event;
use clubgate_core::launch::Launch;
use clubgate_core::ledger::{Ledger, Scope};
use clubgate_core::plan::{Network, Plan, SigningGate};
use clubgate_core::rollback::{describe, evaluate, Recommendation};
use clubgate_core::treasury::{network_from_id, network_id, Treasury};
use clubgate_store::Store;
use serde_json::Value;

use crate::error::{Error, Result};

/// What holds a chunk's signature back, and what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    /// `block` or `extra_approval`, from the plan.
    pub action: SigningGate,
    /// Why, in words: each recommendation or safe-mode switch that covers the chunk.
    pub reasons: Vec<String>,
    /// Whether safe-mode covers the chunk (then it blocks, whatever the plan says).
    pub safe_mode: bool,
}

impl Gate {
    /// One line for the review screen and the refusal.
    pub fn explain(&self) -> String {
        let needs = match self.action {
            SigningGate::Block => "signing is blocked".to_owned(),
            SigningGate::ExtraApproval => "signing needs the quorum + 1 approvers".to_owned(),
        };
        if self.safe_mode {
            return format!("{needs} (safe-mode): {}", self.reasons.join("; "));
        }
        format!("{needs} (plan rollback.signing_gate = {}): {}", self.action.id(), self.reasons.join("; "))
    }
}

/// A safe-mode scope: `global`, `network:<erc20|trc20>` or `wallet:<id>`.
fn switch_scope(payload: &Value) -> Option<Scope> {
    if let Some(scope) = payload["scope"].as_str() {
        return match scope.split_once(':') {
            None if scope == "global" || scope == "all" => Some(Scope::Global),
            Some(("network", network)) => network_from_id(network).map(Scope::Network),
            Some(("wallet", wallet)) if !wallet.is_empty() => Some(Scope::Wallet(wallet.to_owned())),
            _ => None,
        };
    }
    if let Some(wallet) = payload["wallet"].as_str() {
        return Some(Scope::Wallet(wallet.to_owned()));
    }
    match payload["network"].as_str() {
        Some("all" | "global") => Some(Scope::Global),
        Some(network) => network_from_id(network).map(Scope::Network),
        None => None,
    }
}

fn covers(scope: &Scope, network: Network, wallet: &str) -> bool {
    match scope {
        Scope::Global => true,
        Scope::Network(n) => *n == network,
        Scope::Wallet(w) => w == wallet,
    }
}

/// A recommendation's scope as the treasury names things: a platform wallet label that is
/// not a treasury wallet widens to its network (as the events place it), else everything.
fn as_treasury_scope(scope: &Scope, ledger: &Ledger, treasury: &Treasury) -> Scope {
    match scope {
        Scope::Wallet(label) if treasury.wallet(label).is_err() => {
            ledger.wallets.iter().find(|(id, _)| id == label).map_or(Scope::Global, |(_, network)| Scope::Network(*network))
        }
        other => other.clone(),
    }
}

/// The verified entries of the decision log, `(id, details)`: what may lift a freeze or raise
/// the volume level. A switch naming none of them lifts or raises nothing.
pub async fn signed_decisions(store: &Store, treasury: &Treasury, plan: &Plan) -> Result<Vec<(String, Details)>> {
    let log = crate::decisions::read_log(store, treasury, plan).await?;
    Ok(log
        .entries
        .into_iter()
        .filter(|e| e.verified())
        .filter_map(|e| {
            let id = e.text("id").to_owned();
            e.details.map(|d| (id, d))
        })
        .collect())
}

fn signed_by(decisions: &[(String, Details)], payload: &Value, wanted: impl Fn(&Details) -> bool) -> bool {
    let id = payload["decision"].as_str().unwrap_or_default();
    !id.is_empty() && decisions.iter().any(|(d, details)| d == id && wanted(details))
}

fn origin(seq: Option<u64>) -> String {
    seq.map_or_else(|| "this desk's, not in the ledger's log yet".to_owned(), |seq| format!("ledger seq {seq}"))
}

/// The safe-mode scopes switched on, each with its reason, latest switch per scope. A switch
/// on counts wherever it comes from (the log, this desk's outbox), and one whose scope does
/// not read freezes everything. A switch off lifts its scope only from the ledger's log and
/// only when it carries a verified decision of the launch IC switching that very scope off
/// (issue 11): an unsigned switch — `clubgate safe-mode off` of older desks, a stolen
/// launch_ic token — lifts nothing.
pub async fn safe_mode(store: &Store, decisions: &[(String, Details)]) -> Result<Vec<(Scope, String)>> {
    let mut on: Vec<(Scope, String)> = Vec::new();
    for command in store.commands_of_kind("safe_mode").await? {
        let payload = serde_json::from_str::<Value>(&command.payload).unwrap_or(Value::Null);
        if payload["on"].as_bool() != Some(false) {
            let scope = switch_scope(&payload).unwrap_or(Scope::Global);
            let why = payload["why"].as_str().unwrap_or("no reason given");
            on.retain(|(s, _)| *s != scope);
            on.push((scope, format!("{why} ({})", origin(command.seq))));
            continue;
        }
        let Some(scope) = switch_scope(&payload).filter(|_| command.seq.is_some()) else { continue };
        if signed_by(decisions, &payload, |d| matches!(d, Details::SafeMode { on: false, scope: s, .. } if *s == scope)) {
            on.retain(|(s, _)| *s != scope);
        }
    }
    Ok(on)
}

/// The volume level in force (issue 11): the latest `volume_level` switch as `(level,
/// percent of the daily target, why)`. A switch that lowers the level counts wherever it
/// comes from; one that raises it counts only from the ledger's log and only with a verified
/// decision of the launch IC setting that level. A level is a phase id of the plan (its cap)
/// or a whole percent 0–100; one that does not read counts as 0 % (fails closed). `None`: no
/// switch, the phase cap alone holds.
pub async fn volume_level(store: &Store, plan: &Plan, decisions: &[(String, Details)]) -> Result<Option<(String, u8, String)>> {
    let mut level: Option<(String, u8, String)> = None;
    for command in store.commands_of_kind("volume_level").await? {
        let payload = serde_json::from_str::<Value>(&command.payload).unwrap_or(Value::Null);
        let name = payload["level"].as_str().unwrap_or("").trim().to_owned();
        let percent = level_percent(plan, &name).unwrap_or(0);
        let raises = level.as_ref().is_some_and(|(_, current, _)| percent > *current);
        let signed =
            command.seq.is_some() && signed_by(decisions, &payload, |d| matches!(d, Details::VolumeLevel { level: l, .. } if *l == name));
        if raises && !signed {
            continue;
        }
        let why = payload["why"].as_str().unwrap_or("no reason given").to_owned();
        level = Some((name, percent, format!("{why} ({})", origin(command.seq))));
    }
    Ok(level)
}

/// The percent a volume level allows: a phase id's cap, or a whole percent 0–100.
pub fn level_percent(plan: &clubgate_core::plan::Plan, level: &str) -> Option<u8> {
    clubgate_core::decision::level_percent(plan, level).or_else(|| level.parse::<u8>().ok().filter(|p| *p <= 100))
}

/// The gate on signing a chunk of `network` from `wallet` now, if any.
pub async fn signing_gate(store: &Store, launch: &Launch, treasury: &Treasury, network: Network, wallet: &str) -> Result<Option<Gate>> {
    let mut reasons = Vec::new();
    // The picture the dashboard shows: every stored event the core ledger takes, in order;
    // one it refuses (a replay's or an import's out-of-order line) is left out there too.
    let mut ledger = Ledger::default();
    for (index, line) in store.event_lines().await?.iter().enumerate() {
        let event = Event::from_json(line)
            .map_err(|detail| Error::Store(clubgate_store::Error::Corrupt { table: "events", row: index as i64 + 1, detail }))?;
        let _ = ledger.apply(&event);
    }
    // Safe-mode freezes the payouts of its scope (seed §10: "EOD off / payouts frozen per
    // network"): it blocks, whatever the plan's gate for a mere recommendation says. A
    // wallet the treasury does not know (the platform's label) widens to its network.
    let decisions = signed_decisions(store, treasury, &launch.plan).await?;
    let mut frozen = false;
    for (scope, why) in safe_mode(store, &decisions).await? {
        if covers(&as_treasury_scope(&scope, &ledger, treasury), network, wallet) {
            frozen = true;
            reasons.push(format!("safe-mode is on for {} — payouts there are frozen: {why}", scope.label()));
        }
    }
    if let Some(latest) = ledger.latest {
        let tz = launch.t0.zoned().time_zone().clone();
        let evaluation = evaluate(&ledger, &launch.plan, &tz, latest + 1);
        let covered = match &evaluation.recommendation {
            Recommendation::None => false,
            Recommendation::Full => true,
            Recommendation::Partial(scope) => covers(&as_treasury_scope(scope, &ledger, treasury), network, wallet),
        };
        if covered {
            let scope = match &evaluation.recommendation {
                Recommendation::Partial(scope) => format!("partial rollback of {}", scope.label()),
                _ => "full rollback".to_owned(),
            };
            let evidence: Vec<String> = evaluation.triggers.iter().map(describe).collect();
            reasons.push(format!(
                "the rollback rules recommend a {scope} for this {} chunk from {wallet} ({})",
                network_id(network),
                evidence.join("; ")
            ));
        }
    }
    let action = if frozen { SigningGate::Block } else { launch.plan.rollback.signing_gate };
    Ok((!reasons.is_empty()).then_some(Gate { action, reasons, safe_mode: frozen }))
}
