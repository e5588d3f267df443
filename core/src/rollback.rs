//! The rollback rules of seed §10, exactly as PRODUCT.md "Rollback rules" defines them,
//! evaluated at an instant over a [`Ledger`]. Thresholds and window lengths come from the
//! plan; every comparison is strict; every trigger carries its evidence and the instant it
//! first became true.

use jiff::tz::TimeZone;

use crate::ledger::{p95, window_start, Ledger, Scope, MINUTE_NS};
use crate::plan::{Network, Plan};

/// The four rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// p95 pass-through above the threshold in N consecutive windows and the queue growing.
    PassThrough,
    /// Unsettled EOD sessions long after cut-off without improvement.
    EodUnsettled,
    /// Webhook success below the threshold and the dead-letter queue growing.
    Webhooks,
    /// An open SEV1 incident.
    Sev1,
}

/// A window and its p95 pass-through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowP95 {
    /// Start (ns).
    pub start: i64,
    /// End (ns).
    pub end: i64,
    /// The p95 (ns), `None` with no samples.
    pub p95: Option<i64>,
    /// Number of samples.
    pub samples: usize,
}

/// Why a rule triggered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// Rule 1.
    PassThrough {
        /// The consecutive windows, oldest first.
        windows: Vec<WindowP95>,
        /// The threshold (ns), strictly exceeded.
        threshold: i64,
        /// Queue depth at the start of the first window.
        queue_depth_start: u64,
        /// Queue depth at the end of the last window.
        queue_depth_end: u64,
    },
    /// Rule 2.
    EodUnsettled {
        /// Sessions unsettled at least the threshold after their cut-off: (id, cut-off ns).
        sessions: Vec<(String, i64)>,
        /// Minutes after cut-off.
        after_cut_off_minutes: u32,
        /// The gauge now.
        gauge_now: u64,
        /// The gauge one lookback earlier.
        gauge_before: u64,
        /// The lookback (minutes).
        lookback_minutes: u32,
    },
    /// Rule 3.
    Webhooks {
        /// The window (ns).
        start: i64,
        /// End (ns).
        end: i64,
        /// 2xx attempts.
        succeeded: u64,
        /// All attempts.
        attempts: u64,
        /// The threshold in basis points, success strictly below it triggers.
        threshold_basis_points: u32,
        /// Dead-letter depth at the window's start.
        dead_letter_start: i64,
        /// Dead-letter depth at its end.
        dead_letter_end: i64,
    },
    /// Rule 4.
    Sev1 {
        /// The open SEV1 incidents: (id, title, opened ns).
        incidents: Vec<(String, String, i64)>,
    },
}

/// A triggered rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    /// Which rule.
    pub rule: Rule,
    /// The scope it triggered in.
    pub scope: Scope,
    /// The instant it first became true (ns) and has stayed true since.
    pub since: i64,
    /// The evidence.
    pub evidence: Evidence,
}

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Recommendation {
    /// Continue.
    None,
    /// Roll back one network or one wallet.
    Partial(Scope),
    /// Roll back everything.
    Full,
}

impl Recommendation {
    /// `none`, `partial`, `full`.
    pub fn label(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Partial(_) => "partial",
            Self::Full => "full",
        }
    }

    fn widest(self, other: Self) -> Self {
        match (self, other) {
            (Self::Full, _) | (_, Self::Full) => Self::Full,
            (Self::Partial(a), Self::Partial(b)) if a == b => Self::Partial(a),
            // Two different partial scopes: the narrowest scope that explains both is
            // their network, else everything.
            (Self::Partial(a), Self::Partial(b)) => match (network_of(&a), network_of(&b)) {
                (Some(x), Some(y)) if x == y => Self::Partial(Scope::Network(x)),
                _ => Self::Full,
            },
            (Self::Partial(a), Self::None) | (Self::None, Self::Partial(a)) => Self::Partial(a),
            (Self::None, Self::None) => Self::None,
        }
    }
}

fn network_of(scope: &Scope) -> Option<Network> {
    match scope {
        Scope::Network(n) => Some(*n),
        _ => None,
    }
}

/// The result of an evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The instant evaluated (ns).
    pub at: i64,
    /// The overall recommendation.
    pub recommendation: Recommendation,
    /// Every triggered rule, rule 1 per scope.
    pub triggers: Vec<Trigger>,
}

/// How far back the "since" search goes, in windows: a week of 15-minute windows.
const MAX_LOOKBACK_WINDOWS: i64 = 7 * 96;

/// Evaluates the four rules at `at` (ns) with the plan's thresholds; windows align to `tz`.
pub fn evaluate(ledger: &Ledger, plan: &Plan, tz: &TimeZone, at: i64) -> Evaluation {
    let mut triggers = Vec::new();
    let mut recommendation = Recommendation::None;

    // Rule 1, for every scope.
    let rule1: Vec<Trigger> = ledger.scopes().into_iter().filter_map(|scope| pass_through(ledger, plan, tz, &scope, at)).collect();
    if !rule1.is_empty() {
        recommendation = recommendation.widest(rule1_recommendation(ledger, &rule1));
    }
    triggers.extend(rule1);
    for trigger in [eod_unsettled(ledger, plan, at), webhooks(ledger, plan, tz, at), sev1(ledger, at)].into_iter().flatten() {
        recommendation = Recommendation::Full;
        triggers.push(trigger);
    }
    Evaluation { at, recommendation, triggers }
}

/// The narrowest scope that explains the rule-1 breaches: one wallet → that wallet; wallets
/// or the network scope of one network → that network; both networks or global only → full.
fn rule1_recommendation(ledger: &Ledger, triggers: &[Trigger]) -> Recommendation {
    let mut networks = std::collections::BTreeSet::new();
    let mut wallets = Vec::new();
    for trigger in triggers {
        match &trigger.scope {
            Scope::Global => {}
            Scope::Network(network) => {
                networks.insert(*network);
            }
            Scope::Wallet(wallet) => {
                wallets.push(wallet.clone());
                if let Some((_, network)) = ledger.wallets.iter().find(|(w, _)| w == wallet) {
                    networks.insert(*network);
                }
            }
        }
    }
    match (networks.len(), wallets.as_slice()) {
        (1, [wallet]) => Recommendation::Partial(Scope::Wallet(wallet.clone())),
        (1, _) => Recommendation::Partial(Scope::Network(*networks.iter().next().expect("one network"))),
        _ => Recommendation::Full,
    }
}

fn pass_through_breach(ledger: &Ledger, plan: &Plan, scope: &Scope, last_end: i64) -> Option<Evidence> {
    let rule = &plan.rollback.pass_through;
    let width = i64::from(rule.window_minutes) * MINUTE_NS;
    let threshold = i64::from(rule.p95_above_minutes) * MINUTE_NS;
    let count = i64::from(rule.consecutive_windows);
    let mut windows = Vec::with_capacity(rule.consecutive_windows as usize);
    for k in (0..count).rev() {
        let end = last_end - k * width;
        let start = end - width;
        let (mut samples, _, _) = ledger.pass_through_samples(scope, start, end);
        let value = p95(&mut samples);
        if value.is_none_or(|v| v <= threshold) {
            return None;
        }
        windows.push(WindowP95 { start, end, p95: value, samples: samples.len() });
    }
    let first_start = windows.first()?.start;
    let queue_depth_start = ledger.queue_depth(scope, first_start);
    let queue_depth_end = ledger.queue_depth(scope, last_end);
    if rule.requires_queue_growth && queue_depth_end <= queue_depth_start {
        return None;
    }
    Some(Evidence::PassThrough { windows, threshold, queue_depth_start, queue_depth_end })
}

fn pass_through(ledger: &Ledger, plan: &Plan, tz: &TimeZone, scope: &Scope, at: i64) -> Option<Trigger> {
    let minutes = plan.rollback.pass_through.window_minutes;
    let width = i64::from(minutes) * MINUTE_NS;
    let last_end = window_start(at, tz, minutes);
    let evidence = pass_through_breach(ledger, plan, scope, last_end)?;
    let mut since = last_end;
    for _ in 0..MAX_LOOKBACK_WINDOWS {
        if pass_through_breach(ledger, plan, scope, since - width).is_none() {
            break;
        }
        since -= width;
    }
    Some(Trigger { rule: Rule::PassThrough, scope: scope.clone(), since, evidence })
}

fn webhook_breach(ledger: &Ledger, plan: &Plan, end: i64) -> Option<Evidence> {
    let rule = &plan.rollback.webhooks;
    let start = end - i64::from(rule.window_minutes) * MINUTE_NS;
    let (succeeded, attempts) = ledger.webhook_attempts(start, end);
    // success < threshold  ⇔  succeeded / attempts < bp / 10000, in exact integers.
    if attempts == 0 || u128::from(succeeded) * 10_000 >= u128::from(rule.success_below_basis_points) * u128::from(attempts) {
        return None;
    }
    let (dead_letter_start, dead_letter_end) = (ledger.dead_letter_depth(start), ledger.dead_letter_depth(end));
    if rule.requires_dead_letter_growth && dead_letter_end <= dead_letter_start {
        return None;
    }
    Some(Evidence::Webhooks {
        start,
        end,
        succeeded,
        attempts,
        threshold_basis_points: rule.success_below_basis_points,
        dead_letter_start,
        dead_letter_end,
    })
}

fn webhooks(ledger: &Ledger, plan: &Plan, tz: &TimeZone, at: i64) -> Option<Trigger> {
    let minutes = plan.rollback.webhooks.window_minutes;
    let width = i64::from(minutes) * MINUTE_NS;
    let last_end = window_start(at, tz, minutes);
    let evidence = webhook_breach(ledger, plan, last_end)?;
    let mut since = last_end;
    for _ in 0..MAX_LOOKBACK_WINDOWS {
        if webhook_breach(ledger, plan, since - width).is_none() {
            break;
        }
        since -= width;
    }
    Some(Trigger { rule: Rule::Webhooks, scope: Scope::Global, since, evidence })
}

fn eod_breach(ledger: &Ledger, plan: &Plan, at: i64) -> Option<Evidence> {
    let rule = &plan.rollback.eod_unsettled;
    let after = i64::from(rule.after_cut_off_minutes) * MINUTE_NS;
    let lookback = i64::from(rule.improvement_lookback_minutes) * MINUTE_NS;
    let unsettled = ledger.unsettled_sessions(at);
    let overdue: Vec<(String, i64)> = unsettled.iter().filter(|s| s.cut_off <= at - after).map(|s| (s.id.clone(), s.cut_off)).collect();
    if overdue.is_empty() {
        return None;
    }
    let gauge_now = unsettled.len() as u64;
    let gauge_before = ledger.unsettled_sessions(at - lookback).len() as u64;
    // "Without improvement": the gauge has not decreased over the lookback.
    if gauge_now < gauge_before {
        return None;
    }
    Some(Evidence::EodUnsettled {
        sessions: overdue,
        after_cut_off_minutes: rule.after_cut_off_minutes,
        gauge_now,
        gauge_before,
        lookback_minutes: rule.improvement_lookback_minutes,
    })
}

fn eod_unsettled(ledger: &Ledger, plan: &Plan, at: i64) -> Option<Trigger> {
    let evidence = eod_breach(ledger, plan, at)?;
    let rule = &plan.rollback.eod_unsettled;
    let after = i64::from(rule.after_cut_off_minutes) * MINUTE_NS;
    let lookback = i64::from(rule.improvement_lookback_minutes) * MINUTE_NS;
    // The condition changes only at these instants; it is constant between them, so the
    // episode's start is the earliest candidate from which every candidate up to `at` holds.
    let mut candidates: Vec<i64> = Vec::new();
    for session in &ledger.sessions {
        let mut points = vec![session.cut_off, session.cut_off + after, session.opened + 1];
        if let Some((settled, _)) = session.settled {
            points.push(settled + 1);
        }
        for point in points {
            candidates.push(point);
            candidates.push(point + lookback);
        }
    }
    candidates.retain(|c| *c < at);
    candidates.sort_unstable_by(|a, b| b.cmp(a));
    candidates.dedup();
    let mut since = at;
    for candidate in candidates {
        if eod_breach(ledger, plan, candidate).is_none() {
            break;
        }
        since = candidate;
    }
    Some(Trigger { rule: Rule::EodUnsettled, scope: Scope::Global, since, evidence })
}

fn sev1(ledger: &Ledger, at: i64) -> Option<Trigger> {
    let open = ledger.open_incidents(1, at);
    let since = open.iter().map(|i| i.opened + 1).min()?;
    let incidents = open.iter().map(|i| (i.id.clone(), i.title.clone(), i.opened)).collect();
    Some(Trigger { rule: Rule::Sev1, scope: Scope::Global, since, evidence: Evidence::Sev1 { incidents } })
}

/// The state of one rule on the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleState {
    /// Nothing close to the rule.
    Ok,
    /// Part of the rule holds (one bad window, an SLO missed, a session late, a SEV2 open).
    Watching,
    /// The rule holds.
    Triggered,
}

/// A rule's state with the reason in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleStatus {
    /// The rule.
    pub rule: Rule,
    /// Its state.
    pub state: RuleState,
    /// Why, in one sentence.
    pub detail: String,
}

fn minutes_text(nanos: i64) -> String {
    let tenths = nanos / 6_000_000_000;
    format!("{}.{} min", tenths / 10, tenths % 10)
}

/// What the evidence of a trigger says, in one English sentence.
pub fn describe(trigger: &Trigger) -> String {
    match &trigger.evidence {
        Evidence::PassThrough { windows, threshold, queue_depth_start, queue_depth_end } => {
            let values: Vec<String> = windows.iter().map(|w| w.p95.map_or("no data".to_owned(), minutes_text)).collect();
            format!(
                "{}: p95 pass-through {} in {} consecutive windows, above {}; queue {} → {}",
                trigger.scope.label(),
                values.join(" and "),
                windows.len(),
                minutes_text(*threshold),
                queue_depth_start,
                queue_depth_end
            )
        }
        Evidence::EodUnsettled { sessions, after_cut_off_minutes, gauge_now, gauge_before, lookback_minutes } => format!(
            "{} EOD session(s) unsettled {after_cut_off_minutes}+ min after cut-off ({}); unsettled {gauge_before} → {gauge_now} over {lookback_minutes} min: no improvement",
            sessions.len(),
            sessions.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>().join(", ")
        ),
        Evidence::Webhooks { succeeded, attempts, threshold_basis_points, dead_letter_start, dead_letter_end, .. } => format!(
            "webhook success {succeeded}/{attempts} ({:.2}%) below {:.2}%; dead-letter queue {dead_letter_start} → {dead_letter_end}",
            *succeeded as f64 * 100.0 / *attempts as f64,
            f64::from(*threshold_basis_points) / 100.0
        ),
        Evidence::Sev1 { incidents } => {
            format!("open SEV1: {}", incidents.iter().map(|(id, title, _)| format!("{id} {title}")).collect::<Vec<_>>().join("; "))
        }
    }
}

/// Every rule's state at `at`: triggered with its evidence, watching when part of it holds,
/// ok otherwise.
pub fn rule_states(ledger: &Ledger, plan: &Plan, tz: &TimeZone, evaluation: &Evaluation) -> Vec<RuleStatus> {
    let at = evaluation.at;
    let triggered = |rule: Rule| -> Vec<String> { evaluation.triggers.iter().filter(|t| t.rule == rule).map(describe).collect() };
    let mut statuses = Vec::with_capacity(4);

    let pass = triggered(Rule::PassThrough);
    statuses.push(if !pass.is_empty() {
        RuleStatus { rule: Rule::PassThrough, state: RuleState::Triggered, detail: pass.join(" · ") }
    } else {
        let minutes = plan.rollback.pass_through.window_minutes;
        let end = window_start(at, tz, minutes);
        let start = end - i64::from(minutes) * MINUTE_NS;
        let slo = i64::from(plan.slos.pass_through_p95_max_minutes) * MINUTE_NS;
        let worst = ledger.scopes().into_iter().filter_map(|scope| {
            let (mut samples, _, _) = ledger.pass_through_samples(&scope, start, end);
            p95(&mut samples).map(|p| (p, scope))
        });
        match worst.max_by_key(|(p, _)| *p) {
            Some((p, scope)) if p > slo => RuleStatus {
                rule: Rule::PassThrough,
                state: RuleState::Watching,
                detail: format!(
                    "{}: p95 pass-through {} in the last window, above the {} SLO",
                    scope.label(),
                    minutes_text(p),
                    minutes_text(slo)
                ),
            },
            Some((p, _)) => RuleStatus {
                rule: Rule::PassThrough,
                state: RuleState::Ok,
                detail: format!("worst p95 pass-through {} in the last window", minutes_text(p)),
            },
            None => RuleStatus { rule: Rule::PassThrough, state: RuleState::Ok, detail: "no payouts in the last window".to_owned() },
        }
    });

    let eod = triggered(Rule::EodUnsettled);
    statuses.push(if !eod.is_empty() {
        RuleStatus { rule: Rule::EodUnsettled, state: RuleState::Triggered, detail: eod.join(" · ") }
    } else {
        let unsettled = ledger.unsettled_sessions(at);
        if unsettled.is_empty() {
            RuleStatus { rule: Rule::EodUnsettled, state: RuleState::Ok, detail: "no session past its cut-off is unsettled".to_owned() }
        } else {
            let names: Vec<String> =
                unsettled.iter().map(|s| format!("{} ({} after cut-off)", s.id, minutes_text(at - s.cut_off))).collect();
            RuleStatus {
                rule: Rule::EodUnsettled,
                state: RuleState::Watching,
                detail: format!("unsettled past cut-off: {}", names.join(", ")),
            }
        }
    });

    let hooks = triggered(Rule::Webhooks);
    statuses.push(if !hooks.is_empty() {
        RuleStatus { rule: Rule::Webhooks, state: RuleState::Triggered, detail: hooks.join(" · ") }
    } else {
        let minutes = plan.rollback.webhooks.window_minutes;
        let end = window_start(at, tz, minutes);
        let (ok, all) = ledger.webhook_attempts(end - i64::from(minutes) * MINUTE_NS, end);
        let slo = u128::from(plan.slos.webhook_success_min_basis_points);
        if all == 0 {
            RuleStatus { rule: Rule::Webhooks, state: RuleState::Ok, detail: "no webhook attempts in the last window".to_owned() }
        } else if u128::from(ok) * 10_000 < slo * u128::from(all) {
            RuleStatus {
                rule: Rule::Webhooks,
                state: RuleState::Watching,
                detail: format!("webhook success {ok}/{all} in the last window, below the {:.0}% SLO", slo as f64 / 100.0),
            }
        } else {
            RuleStatus { rule: Rule::Webhooks, state: RuleState::Ok, detail: format!("webhook success {ok}/{all} in the last window") }
        }
    });

    let sev = triggered(Rule::Sev1);
    statuses.push(if !sev.is_empty() {
        RuleStatus { rule: Rule::Sev1, state: RuleState::Triggered, detail: sev.join(" · ") }
    } else {
        let sev2 = ledger.open_incidents(2, at);
        if sev2.is_empty() {
            RuleStatus { rule: Rule::Sev1, state: RuleState::Ok, detail: "no open SEV1 or SEV2 incident".to_owned() }
        } else {
            let names: Vec<String> = sev2.iter().map(|i| format!("{} {}", i.id, i.title)).collect();
            RuleStatus { rule: Rule::Sev1, state: RuleState::Watching, detail: format!("open SEV2: {}", names.join("; ")) }
        }
    });
    statuses
}
