//! Every figure a report shows, computed exactly over the ledger as it stood at the report's
//! instant, and how it is written in the CSV and in the Markdown. docs/reports.md defines
//! each figure; the names here are the CSV's `figure` column.
//!
//! "No data" (never 0) follows four rules:
//! - a count or a volume over a period is no data when no event at all falls in the period;
//! - a ratio is no data when its denominator is 0;
//! - a percentile is no data without samples;
//! - a gauge at an instant is no data when no event at all came before the instant.

use jiff::tz::TimeZone;

use clubgate_core::events::{Event, EventKind, SettleMode};
use clubgate_core::launch::Launch;
use clubgate_core::ledger::{instant, ns, percentile_nearest_rank, window_start, DealOutcome, Ledger, Scope, MINUTE_NS};
use clubgate_core::payout::governing_phase;
use clubgate_core::plan::{Network, Plan};
use clubgate_core::schedule::rfc3339;

use crate::error::{Error, Result};

/// How a figure's value reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// A whole number of things (may be negative: an error budget left).
    Count,
    /// Token base units (6 decimals for USDT and USDC).
    BaseUnits,
    /// A duration kept in nanoseconds, written as exact decimal seconds.
    Seconds,
    /// A share in basis points, rounded down.
    BasisPoints,
    /// A whole percent from the plan.
    Percent,
}

impl Unit {
    /// The CSV's `unit` column.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Self::Count => "count",
            Self::BaseUnits => "base_units",
            Self::Seconds => "s",
            Self::BasisPoints => "bp",
            Self::Percent => "percent",
        }
    }
}

/// One figure of a report: one CSV row.
#[derive(Debug, Clone)]
pub(crate) struct Figure {
    /// Where it appears (`slo`, `queues`, `windows`, `kpi:pilot`, …).
    pub(crate) section: String,
    /// Its name (docs/reports.md).
    pub(crate) name: &'static str,
    /// `global`, `network:erc20`, `sev1`, `all`, ….
    pub(crate) scope: String,
    /// Period start (ns); `None` for a gauge at `to`.
    pub(crate) from: Option<i64>,
    /// Period end (ns, exclusive), or the gauge's instant.
    pub(crate) to: i64,
    /// Its unit.
    pub(crate) unit: Unit,
    /// The value; `None` is "no data".
    pub(crate) value: Option<i128>,
}

/// The CSV's header line.
pub(crate) const CSV_HEADER: &str = "section,figure,scope,from,to,value,unit";

/// Exact decimal seconds of nanoseconds: `312.5`, `-0.000000001`, `60`.
pub(crate) fn seconds_text(nanos: i128) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let magnitude = nanos.unsigned_abs();
    let (whole, fraction) = (magnitude / 1_000_000_000, magnitude % 1_000_000_000);
    if fraction == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{fraction:09}");
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

/// Token base units as decimal tokens (6 decimals), trailing zeros dropped.
pub(crate) fn tokens_text(units: i128) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let magnitude = units.unsigned_abs();
    let (whole, fraction) = (magnitude / 1_000_000, magnitude % 1_000_000);
    let whole = group_thousands(whole);
    if fraction == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{fraction:06}");
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

fn group_thousands(value: u128) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Minutes with one decimal, rounded down, from nanoseconds: `12.3 min`.
pub(crate) fn minutes_text(nanos: i128) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let tenths = nanos.unsigned_abs() / 6_000_000_000;
    format!("{sign}{}.{} min", tenths / 10, tenths % 10)
}

/// Basis points as a percent with two decimals: `99.12 %`.
pub(crate) fn basis_points_text(bp: i128) -> String {
    format!("{}.{:02} %", bp / 100, bp % 100)
}

impl Figure {
    /// The value as the CSV writes it: exact, or `no data`.
    pub(crate) fn csv_value(&self) -> String {
        match self.value {
            None => "no data".to_owned(),
            Some(value) if self.unit == Unit::Seconds => seconds_text(value),
            Some(value) => value.to_string(),
        }
    }

    /// The value as the Markdown shows it.
    pub(crate) fn display(&self) -> String {
        match self.value {
            None => "no data".to_owned(),
            Some(value) => match self.unit {
                Unit::Count => value.to_string(),
                Unit::BaseUnits => tokens_text(value),
                Unit::Seconds => minutes_text(value),
                Unit::BasisPoints => basis_points_text(value),
                Unit::Percent => format!("{value} %"),
            },
        }
    }
}

/// A floor share in basis points; `None` when the whole is 0.
pub(crate) fn share(part: u128, whole: u128) -> Option<i128> {
    (whole > 0).then(|| i128::try_from(part * 10_000 / whole).unwrap_or(i128::MAX))
}

/// The most SLO windows one report goes through (62 days of 15-minute windows).
pub(crate) const MAX_WINDOWS: usize = 62 * 96;

/// The ledger as it stood at the report's instant, and what the figures need besides.
pub(crate) struct Ctx<'a> {
    /// The launch.
    pub(crate) launch: &'a Launch,
    /// Its plan.
    pub(crate) plan: &'a Plan,
    /// The plan zone (or the launch's).
    pub(crate) tz: TimeZone,
    /// The report's instant (ns).
    pub(crate) at: i64,
    /// T0 (ns).
    pub(crate) t0: i64,
    /// The events before `at`, applied in log order.
    pub(crate) ledger: Ledger,
    /// Each payout's amount, by its index in `ledger.payouts`.
    amounts: Vec<u128>,
    /// The instants of the events before `at`, sorted.
    times: Vec<i64>,
    /// The daily target volume (base units), when a treasury file gives it.
    pub(crate) daily_target: Option<u128>,
}

impl<'a> Ctx<'a> {
    /// Applies the events before `at`, in log order: the ledger as it stood at `at`.
    pub(crate) fn new(launch: &'a Launch, events: &[Event], at: i64, daily_target: Option<u128>) -> Result<Self> {
        let mut ledger = Ledger::default();
        let mut amounts = Vec::new();
        let mut times = Vec::new();
        for event in events.iter().filter(|e| ns(e.at) < at) {
            ledger.apply(event).map_err(|reason| Error::Event { seq: event.seq, reason })?;
            if let EventKind::PayoutAccepted { amount, .. } = &event.kind {
                amounts.push(amount.base_units());
            }
            times.push(ns(event.at));
        }
        assert_eq!(amounts.len(), ledger.payouts.len(), "one amount per payout");
        times.sort_unstable();
        Ok(Self {
            launch,
            plan: &launch.plan,
            tz: launch.t0.zoned().time_zone().clone(),
            at,
            t0: ns(launch.t0_instant()),
            ledger,
            amounts,
            times,
            daily_target,
        })
    }

    /// RFC 3339 in the plan zone.
    pub(crate) fn rfc3339(&self, at: i64) -> String {
        rfc3339(&instant(at).to_zoned_datetime(self.tz.clone()))
    }

    /// `2026-12-07 10:15` in the plan zone.
    pub(crate) fn local(&self, at: i64) -> String {
        instant(at).to_zoned_datetime(self.tz.clone()).strftime("%Y-%m-%d %H:%M").to_string()
    }

    /// `10:15` in the plan zone.
    pub(crate) fn clock(&self, at: i64) -> String {
        instant(at).to_zoned_datetime(self.tz.clone()).strftime("%H:%M").to_string()
    }

    /// Events in `[from, to)`.
    pub(crate) fn events_in(&self, from: i64, to: i64) -> u64 {
        (self.times.partition_point(|t| *t < to) - self.times.partition_point(|t| *t < from)) as u64
    }

    /// Whether any event falls in `[from, to)`.
    pub(crate) fn traffic(&self, from: i64, to: i64) -> bool {
        self.events_in(from, to) > 0
    }

    /// Whether any event came before `at`.
    pub(crate) fn seen_before(&self, at: i64) -> bool {
        self.times.first().is_some_and(|first| *first < at)
    }

    /// The first event's instant.
    pub(crate) fn first_event(&self) -> Option<i64> {
        self.times.first().copied()
    }

    fn count(&self, from: i64, to: i64, count: usize) -> Option<i128> {
        self.traffic(from, to).then_some(count as i128)
    }

    fn payouts_of<'s>(&'s self, scope: &'s Scope) -> impl Iterator<Item = (usize, &'s clubgate_core::ledger::Payout)> + 's {
        self.ledger.payouts.iter().enumerate().filter(move |(_, p)| match scope {
            Scope::Global => true,
            Scope::Network(network) => p.network == *network,
            Scope::Wallet(wallet) => self.ledger.wallets[p.wallet as usize].0 == *wallet,
        })
    }

    /// `events`: events in the period.
    pub(crate) fn events(&self, from: i64, to: i64) -> Option<i128> {
        self.count(from, to, self.events_in(from, to) as usize)
    }

    /// `payouts.accepted`.
    pub(crate) fn accepted(&self, scope: &Scope, from: i64, to: i64) -> Option<i128> {
        self.count(from, to, self.payouts_of(scope).filter(|(_, p)| (from..to).contains(&p.accepted)).count())
    }

    /// `payouts.confirmed`: confirmed in the period.
    pub(crate) fn confirmed(&self, scope: &Scope, from: i64, to: i64) -> Option<i128> {
        let n = self.payouts_of(scope).filter(|(_, p)| matches!(p.end, Some((at, true)) if (from..to).contains(&at))).count();
        self.count(from, to, n)
    }

    /// `payouts.failed`: failed in the period.
    pub(crate) fn failed(&self, scope: &Scope, from: i64, to: i64) -> Option<i128> {
        let n = self.payouts_of(scope).filter(|(_, p)| matches!(p.end, Some((at, false)) if (from..to).contains(&at))).count();
        self.count(from, to, n)
    }

    /// `volume.accepted`: base units of the payouts accepted in the period.
    pub(crate) fn volume_accepted(&self, scope: &Scope, from: i64, to: i64) -> Option<i128> {
        let sum: u128 = self.payouts_of(scope).filter(|(_, p)| (from..to).contains(&p.accepted)).map(|(i, _)| self.amounts[i]).sum();
        self.traffic(from, to).then(|| i128::try_from(sum).unwrap_or(i128::MAX))
    }

    /// `volume.confirmed`: base units of the payouts confirmed in the period.
    pub(crate) fn volume_confirmed(&self, scope: &Scope, from: i64, to: i64) -> Option<i128> {
        let sum: u128 = self
            .payouts_of(scope)
            .filter(|(_, p)| matches!(p.end, Some((at, true)) if (from..to).contains(&at)))
            .map(|(i, _)| self.amounts[i])
            .sum();
        self.traffic(from, to).then(|| i128::try_from(sum).unwrap_or(i128::MAX))
    }

    /// Accepted volume before each instant of `ends`, per scope (for the cumulative chart).
    pub(crate) fn volume_accepted_before(&self, scope: &Scope, from: i64, end: i64) -> u128 {
        self.payouts_of(scope).filter(|(_, p)| p.accepted >= from && p.accepted < end).map(|(i, _)| self.amounts[i]).sum()
    }

    /// `pass_through.p95`: nearest-rank p95 over the payouts confirmed in the period and
    /// those still in flight at its end (at their age).
    pub(crate) fn pass_through_p95(&self, scope: &Scope, from: i64, to: i64) -> Option<i128> {
        let (mut samples, _, _) = self.ledger.pass_through_samples(scope, from, to);
        percentile_nearest_rank(&mut samples, 95).map(i128::from)
    }

    /// `queue.depth` at an instant.
    pub(crate) fn queue_depth(&self, scope: &Scope, at: i64) -> Option<i128> {
        self.seen_before(at).then(|| i128::from(self.ledger.queue_depth(scope, at)))
    }

    /// The whole SLO windows of `minutes` inside `[from, to)`, aligned to the plan zone's
    /// wall clock.
    pub(crate) fn windows(&self, from: i64, to: i64, minutes: u32) -> Vec<(i64, i64)> {
        let width = i64::from(minutes) * MINUTE_NS;
        let mut start = window_start(from, &self.tz, minutes);
        if start < from {
            start += width;
        }
        let mut windows = Vec::new();
        while start + width <= to && windows.len() < MAX_WINDOWS {
            windows.push((start, start + width));
            start += width;
        }
        windows
    }

    /// `pass_through.windows`, `pass_through.windows_met`: global windows with a p95, and of
    /// them those at or under the SLO.
    pub(crate) fn pass_through_attainment(&self, from: i64, to: i64) -> (Option<i128>, Option<i128>) {
        let limit = i64::from(self.plan.slos.pass_through_p95_max_minutes) * MINUTE_NS;
        let (mut with_data, mut met) = (0, 0);
        for (start, end) in self.windows(from, to, self.plan.slos.window_minutes) {
            if let Some(p95) = self.pass_through_p95(&Scope::Global, start, end) {
                with_data += 1;
                if p95 <= i128::from(limit) {
                    met += 1;
                }
            }
        }
        attainment(self.traffic(from, to), with_data, met)
    }

    /// `webhooks.attempts` and `webhooks.succeeded` in the period.
    pub(crate) fn webhooks(&self, from: i64, to: i64) -> (Option<i128>, Option<i128>) {
        let (succeeded, attempts) = self.ledger.webhook_attempts(from, to);
        let traffic = self.traffic(from, to);
        (traffic.then_some(i128::from(attempts)), traffic.then_some(i128::from(succeeded)))
    }

    /// `webhooks.success`: 2xx / all attempts in the period, in basis points.
    pub(crate) fn webhook_success(&self, from: i64, to: i64) -> Option<i128> {
        let (succeeded, attempts) = self.ledger.webhook_attempts(from, to);
        share(u128::from(succeeded), u128::from(attempts))
    }

    /// `webhooks.windows`, `webhooks.windows_met`: webhook windows with attempts, and of them
    /// those at or above the SLO.
    pub(crate) fn webhook_attainment(&self, from: i64, to: i64) -> (Option<i128>, Option<i128>) {
        let slo = u128::from(self.plan.slos.webhook_success_min_basis_points);
        let (mut with_data, mut met) = (0, 0);
        for (start, end) in self.windows(from, to, self.plan.slos.webhook_window_minutes) {
            let (succeeded, attempts) = self.ledger.webhook_attempts(start, end);
            if attempts > 0 {
                with_data += 1;
                if u128::from(succeeded) * 10_000 >= slo * u128::from(attempts) {
                    met += 1;
                }
            }
        }
        attainment(self.traffic(from, to), with_data, met)
    }

    /// `webhooks.error_budget`: failures the SLO allows over the period's attempts (rounded
    /// down), and `webhooks.error_budget_left`: that minus the failures.
    pub(crate) fn webhook_budget(&self, from: i64, to: i64) -> (Option<i128>, Option<i128>) {
        let (succeeded, attempts) = self.ledger.webhook_attempts(from, to);
        let allowed_bp = 10_000u128.saturating_sub(u128::from(self.plan.slos.webhook_success_min_basis_points));
        let budget = (u128::from(attempts) * allowed_bp / 10_000) as i128;
        let failures = i128::from(attempts - succeeded);
        let traffic = self.traffic(from, to);
        (traffic.then_some(budget), traffic.then_some(budget - failures))
    }

    /// `dead_letter.entered` and `dead_letter.replayed` in the period.
    pub(crate) fn dead_letter_moves(&self, from: i64, to: i64) -> (Option<i128>, Option<i128>) {
        let changes = &self.ledger.dead_letter_changes;
        let entered = changes.iter().filter(|(at, d)| *d > 0 && (from..to).contains(at)).count();
        let replayed = changes.iter().filter(|(at, d)| *d < 0 && (from..to).contains(at)).count();
        (self.count(from, to, entered), self.count(from, to, replayed))
    }

    /// `dead_letter.depth` at an instant.
    pub(crate) fn dead_letter_depth(&self, at: i64) -> Option<i128> {
        self.seen_before(at).then(|| i128::from(self.ledger.dead_letter_depth(at)))
    }

    /// `eod.settled_full`, `eod.settled_partial`, `eod.settled_next_day`: sessions settled in
    /// the period by mode.
    pub(crate) fn settlements(&self, from: i64, to: i64) -> [Option<i128>; 3] {
        let mut counts = [0usize; 3];
        for session in &self.ledger.sessions {
            if let Some((at, mode)) = session.settled {
                if (from..to).contains(&at) {
                    counts[match mode {
                        SettleMode::Full => 0,
                        SettleMode::Partial => 1,
                        SettleMode::NextDay => 2,
                    }] += 1;
                }
            }
        }
        counts.map(|n| self.count(from, to, n))
    }

    /// `eod.p95`: p95 of `settled − cut_off` over the sessions settled in the period.
    pub(crate) fn eod_p95_settled(&self, from: i64, to: i64) -> Option<i128> {
        let mut samples: Vec<i64> = self
            .ledger
            .sessions
            .iter()
            .filter_map(|s| s.settled.filter(|(at, _)| (from..to).contains(at)).map(|(at, _)| at - s.cut_off))
            .collect();
        percentile_nearest_rank(&mut samples, 95).map(i128::from)
    }

    /// `eod.cut_off_sessions`, `eod.cut_off_p95`, `eod.cut_off_unsettled`: the sessions
    /// opened before the period's end whose cut-off falls in it; the p95 of those settled
    /// before the end; those not.
    pub(crate) fn cut_off_sessions(&self, from: i64, to: i64) -> (Option<i128>, Option<i128>, Option<i128>) {
        let mut samples = Vec::new();
        let (mut sessions, mut unsettled) = (0usize, 0usize);
        for session in self.ledger.sessions.iter().filter(|s| s.opened < to && (from..to).contains(&s.cut_off)) {
            sessions += 1;
            match session.settled {
                Some((at, _)) if at < to => samples.push(at - session.cut_off),
                _ => unsettled += 1,
            }
        }
        (self.count(from, to, sessions), percentile_nearest_rank(&mut samples, 95).map(i128::from), self.count(from, to, unsettled))
    }

    /// `eod.days`, `eod.days_met`: plan-zone business days of the cut-offs in the period
    /// with a settled session, and of them those whose p95 EOD is at or under the SLO.
    pub(crate) fn eod_attainment(&self, from: i64, to: i64) -> (Option<i128>, Option<i128>) {
        let limit = i64::from(self.plan.slos.eod_p95_max_minutes) * MINUTE_NS;
        let mut days: std::collections::BTreeMap<jiff::civil::Date, Vec<i64>> = std::collections::BTreeMap::new();
        for session in self.ledger.sessions.iter().filter(|s| s.opened < to && (from..to).contains(&s.cut_off)) {
            let day = instant(session.cut_off).to_zoned_datetime(self.tz.clone()).date();
            let samples = days.entry(day).or_default();
            if let Some((at, _)) = session.settled.filter(|(at, _)| *at < to) {
                samples.push(at - session.cut_off);
            }
        }
        let (mut with_data, mut met) = (0, 0);
        for samples in days.values_mut() {
            if let Some(p95) = percentile_nearest_rank(samples, 95) {
                with_data += 1;
                if p95 <= limit {
                    met += 1;
                }
            }
        }
        attainment(self.traffic(from, to), with_data, met)
    }

    /// `eod.unsettled` at an instant: sessions past their cut-off and not settled.
    pub(crate) fn unsettled(&self, at: i64) -> Option<i128> {
        self.seen_before(at).then(|| self.ledger.unsettled_sessions(at).len() as i128)
    }

    /// `t0_to_first_eod`: the first settlement at or after T0 and before `to`, minus T0.
    pub(crate) fn t0_to_first_eod(&self, to: i64) -> Option<i128> {
        let first = self.ledger.sessions.iter().filter_map(|s| s.settled.map(|(at, _)| at)).filter(|at| *at >= self.t0 && *at < to).min();
        first.map(|at| i128::from(at - self.t0))
    }

    /// `incidents.opened` by severity (index 0 = SEV1) and in all, in the period.
    pub(crate) fn incidents_opened(&self, from: i64, to: i64) -> ([Option<i128>; 3], Option<i128>) {
        let mut counts = [0usize; 3];
        for incident in self.ledger.incidents.iter().filter(|i| (from..to).contains(&i.opened)) {
            counts[usize::from(incident.sev.clamp(1, 3)) - 1] += 1;
        }
        (counts.map(|n| self.count(from, to, n)), self.count(from, to, counts.iter().sum()))
    }

    /// `incidents.resolved` in the period.
    pub(crate) fn incidents_resolved(&self, from: i64, to: i64) -> Option<i128> {
        self.count(from, to, self.ledger.incidents.iter().filter(|i| i.resolved.is_some_and(|r| (from..to).contains(&r))).count())
    }

    /// `incidents.open` at an instant, all severities.
    pub(crate) fn incidents_open(&self, at: i64) -> Option<i128> {
        let open = (1..=3).map(|sev| self.ledger.open_incidents(sev, at).len()).sum::<usize>();
        self.seen_before(at).then_some(open as i128)
    }

    /// `deals.offered`, `deals.completed`, `deals.cancelled`: deals offered in the period, and
    /// of them those completed or cancelled before its end.
    pub(crate) fn deals(&self, from: i64, to: i64) -> [Option<i128>; 3] {
        let mut counts = [0usize; 3];
        for (offered, outcome, outcome_at) in self.ledger.deals.iter().filter(|(offered, _, _)| (from..to).contains(offered)) {
            let _ = offered;
            counts[0] += 1;
            match outcome {
                DealOutcome::Completed if *outcome_at < to => counts[1] += 1,
                DealOutcome::Cancelled if *outcome_at < to => counts[2] += 1,
                _ => {}
            }
        }
        counts.map(|n| self.count(from, to, n))
    }

    /// The phase whose volume cap governs the instant (`payout::governing_phase`), with its
    /// cap in base units when the daily target is known.
    pub(crate) fn phase_cap(&self, at: i64) -> Option<(&'a clubgate_core::plan::Phase, Option<i128>)> {
        let phase = governing_phase(self.plan, &self.launch.table, instant(at))?;
        let cap = self.daily_target.and_then(|target| target.checked_mul(u128::from(phase.volume_cap_percent))).map(|v| v / 100);
        Some((phase, cap.map(|c| i128::try_from(c).unwrap_or(i128::MAX))))
    }
}

fn attainment(traffic: bool, with_data: usize, met: usize) -> (Option<i128>, Option<i128>) {
    let with_data = traffic.then_some(with_data as i128);
    (with_data, with_data.filter(|n| *n > 0).map(|_| met as i128))
}

/// The networks, in the order reports list them.
pub(crate) const NETWORKS: [(Network, &str); 2] = [(Network::Erc20, "ERC-20"), (Network::Trc20, "TRC-20")];

/// The global scope and the two network scopes, with their display names.
pub(crate) fn scopes() -> [(Scope, &'static str); 3] {
    [(Scope::Global, "all"), (Scope::Network(NETWORKS[0].0), NETWORKS[0].1), (Scope::Network(NETWORKS[1].0), NETWORKS[1].1)]
}
