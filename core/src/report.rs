//! The SLO report over a period: per window and scope, per business day, SLO attainment
//! and the KPIs of seed §11 — every figure exactly per PRODUCT.md "Metrics".

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::events::SettleMode;
use crate::ledger::{instant, percentile_nearest_rank, window_start, DealOutcome, Ledger, Scope, MINUTE_NS};
use crate::plan::Plan;

/// The most windows one report holds (a month of 15-minute windows), so a typo in --from
/// cannot ask for millions.
pub const MAX_WINDOWS: usize = 31 * 96;

/// One window of one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowRow {
    /// Start (ns).
    pub start: i64,
    /// End (ns).
    pub end: i64,
    /// Scope.
    pub scope: Scope,
    /// p95 pass-through (ns), in-flight payouts counted at their age.
    pub pass_through_p95: Option<i64>,
    /// Payouts confirmed in the window.
    pub payouts_confirmed: u64,
    /// Payouts not confirmed (nor failed) at the window's end.
    pub in_flight: u64,
    /// Queue depth at the window's end.
    pub queue_depth_end: u64,
    /// Webhook attempts (2xx, all) — global scope only.
    pub webhooks: Option<(u64, u64)>,
    /// Dead-letter depth at the end — global scope only.
    pub dead_letter_depth_end: Option<i64>,
}

/// One business day of EOD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EodRow {
    /// The plan-zone date of the sessions' cut-off.
    pub business_day: Date,
    /// Sessions with their cut-off that day.
    pub sessions: usize,
    /// p95 of `settled − cut_off` over the settled ones (ns).
    pub eod_p95: Option<i64>,
    /// Of them, unsettled at the end of the report.
    pub unsettled: usize,
}

/// Attainment of one SLO: periods meeting the target over periods with data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attainment {
    /// Periods that met the target.
    pub met: usize,
    /// Periods with data.
    pub total: usize,
}

/// SLO attainment, and the webhook error budget (failures the 99% target allows over the
/// period minus the failures seen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SloSummary {
    /// Windows with p95 pass-through ≤ the SLO.
    pub pass_through: Attainment,
    /// Business days with p95 EOD ≤ the SLO.
    pub eod: Attainment,
    /// Webhook windows with success ≥ the SLO.
    pub webhooks: Attainment,
    /// Failures allowed by the webhook SLO over the period (rounded down).
    pub webhook_budget_failures: u64,
    /// Failures seen.
    pub webhook_failures: u64,
}

/// The KPIs of seed §11 over the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kpis {
    /// T0 → first EOD settlement at or after T0 (ns), when T0 is known.
    pub t0_to_first_eod: Option<i64>,
    /// EOD settlements in the period by mode: full, partial, T+1.
    pub settlements: (u64, u64, u64),
    /// p95 pass-through over payouts confirmed in the period and still in flight at its end.
    pub pass_through_p95: Option<i64>,
    /// p95 EOD over sessions settled in the period.
    pub eod_p95: Option<i64>,
    /// Webhook attempts in the period (2xx, all).
    pub webhooks: (u64, u64),
    /// Incidents opened in the period by severity 1, 2, 3.
    pub incidents: [u64; 3],
    /// Deals offered in the period, of them completed and cancelled (by now).
    pub deals: (u64, u64, u64),
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Windows, scope by scope, each in time order.
    pub windows: Vec<WindowRow>,
    /// Business days.
    pub eod: Vec<EodRow>,
    /// SLOs.
    pub slo: SloSummary,
    /// KPIs.
    pub kpi: Kpis,
}

/// A report request.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    /// From (ns), rounded down to its window.
    pub from: i64,
    /// To (ns): only windows that end at or before it are reported.
    pub to: i64,
    /// Window length (minutes, divides a day).
    pub window_minutes: u32,
    /// T0 (ns), for the T0 → first EOD KPI.
    pub t0: Option<i64>,
}

/// Builds the report. Returns `Err` with a message when the period holds no whole window
/// or more than [`MAX_WINDOWS`].
pub fn report(ledger: &Ledger, plan: &Plan, tz: &TimeZone, period: Period) -> Result<Report, String> {
    let width = i64::from(period.window_minutes) * MINUTE_NS;
    let first = window_start(period.from, tz, period.window_minutes);
    let mut bounds = Vec::new();
    let mut start = first;
    while start + width <= period.to {
        if bounds.len() == MAX_WINDOWS {
            return Err(format!("the period holds more than {MAX_WINDOWS} windows; shorten it"));
        }
        bounds.push((start, start + width));
        start += width;
    }
    if bounds.is_empty() {
        return Err("the period holds no whole window; --to must be at least one window after --from".to_owned());
    }

    let mut windows = Vec::new();
    for scope in ledger.scopes() {
        windows.extend(scope_windows(ledger, &scope, &bounds));
    }
    // Webhooks and the dead-letter queue have no network or wallet: global rows only.
    let mut attempts = ledger.attempts.clone();
    attempts.sort_unstable();
    let mut dead_letter = ledger.dead_letter_changes.clone();
    dead_letter.sort_unstable();
    for row in windows.iter_mut().filter(|r| r.scope == Scope::Global) {
        let (succeeded, all) = count_attempts(&attempts, row.start, row.end);
        row.webhooks = (all > 0).then_some((succeeded, all));
        row.dead_letter_depth_end = Some(dead_letter.iter().take_while(|(at, _)| *at < row.end).map(|(_, d)| i64::from(*d)).sum());
    }

    let eod = eod_rows(ledger, tz, period.to);
    let slo = slo_summary(plan, &windows, &eod, &attempts, period, tz);
    let kpi = kpis(ledger, &attempts, period);
    Ok(Report { windows, eod, slo, kpi })
}

fn count_attempts(sorted: &[(i64, bool)], start: i64, end: i64) -> (u64, u64) {
    let from = sorted.partition_point(|(at, _)| *at < start);
    let to = sorted.partition_point(|(at, _)| *at < end);
    let slice = &sorted[from..to];
    (slice.iter().filter(|(_, ok)| *ok).count() as u64, slice.len() as u64)
}

/// One sweep over the scope's payouts in acceptance order: a payout enters the active set
/// once accepted before a window's end and leaves once it ended before it.
fn scope_windows(ledger: &Ledger, scope: &Scope, bounds: &[(i64, i64)]) -> Vec<WindowRow> {
    let mut payouts: Vec<(i64, Option<(i64, bool)>)> = ledger
        .payouts
        .iter()
        .filter(|p| match scope {
            Scope::Global => true,
            Scope::Network(n) => p.network == *n,
            Scope::Wallet(w) => ledger.wallets[p.wallet as usize].0 == *w,
        })
        .map(|p| (p.accepted, p.end))
        .collect();
    payouts.sort_unstable_by_key(|(accepted, _)| *accepted);
    let mut next = 0;
    let mut active: Vec<(i64, Option<(i64, bool)>)> = Vec::new();
    let mut rows = Vec::with_capacity(bounds.len());
    let mut samples = Vec::new();
    for &(start, end) in bounds {
        while next < payouts.len() && payouts[next].0 < end {
            active.push(payouts[next]);
            next += 1;
        }
        // Payouts that ended before this window can never count again.
        active.retain(|(_, finished)| finished.is_none_or(|(at, _)| at >= start));
        samples.clear();
        let (mut confirmed, mut in_flight) = (0, 0);
        for (accepted, finished) in &active {
            match finished {
                Some((at, true)) if *at < end => {
                    samples.push(at - accepted);
                    confirmed += 1;
                }
                Some((at, false)) if *at < end => {}
                _ => {
                    samples.push(end - accepted);
                    in_flight += 1;
                }
            }
        }
        let pass_through_p95 = percentile_nearest_rank(&mut samples, 95);
        rows.push(WindowRow {
            start,
            end,
            scope: scope.clone(),
            pass_through_p95,
            payouts_confirmed: confirmed,
            in_flight,
            queue_depth_end: in_flight,
            webhooks: None,
            dead_letter_depth_end: None,
        });
    }
    rows
}

fn eod_rows(ledger: &Ledger, tz: &TimeZone, to: i64) -> Vec<EodRow> {
    let mut days: BTreeMap<Date, (usize, Vec<i64>, usize)> = BTreeMap::new();
    for session in ledger.sessions.iter().filter(|s| s.opened < to && s.cut_off < to) {
        let day = instant(session.cut_off).to_zoned_datetime(tz.clone()).date();
        let entry = days.entry(day).or_default();
        entry.0 += 1;
        match session.settled {
            Some((at, _)) if at < to => entry.1.push(at - session.cut_off),
            _ => entry.2 += 1,
        }
    }
    days.into_iter()
        .map(|(business_day, (sessions, mut durations, unsettled))| EodRow {
            business_day,
            sessions,
            eod_p95: percentile_nearest_rank(&mut durations, 95),
            unsettled,
        })
        .collect()
}

fn slo_summary(plan: &Plan, windows: &[WindowRow], eod: &[EodRow], attempts: &[(i64, bool)], period: Period, tz: &TimeZone) -> SloSummary {
    let slos = &plan.slos;
    let pass_limit = i64::from(slos.pass_through_p95_max_minutes) * MINUTE_NS;
    let global: Vec<&WindowRow> = windows.iter().filter(|w| w.scope == Scope::Global).collect();
    let with_p95: Vec<i64> = global.iter().filter_map(|w| w.pass_through_p95).collect();
    let pass_through = Attainment { met: with_p95.iter().filter(|p| **p <= pass_limit).count(), total: with_p95.len() };
    let eod_limit = i64::from(slos.eod_p95_max_minutes) * MINUTE_NS;
    let days: Vec<i64> = eod.iter().filter_map(|d| d.eod_p95).collect();
    let eod_attainment = Attainment { met: days.iter().filter(|p| **p <= eod_limit).count(), total: days.len() };
    // Webhook windows have their own length in the plan.
    let hook_width = i64::from(slos.webhook_window_minutes) * MINUTE_NS;
    let mut start = window_start(period.from, tz, slos.webhook_window_minutes);
    let (mut met, mut total) = (0, 0);
    while start + hook_width <= period.to {
        let (ok, all) = count_attempts(attempts, start, start + hook_width);
        if all > 0 {
            total += 1;
            if u128::from(ok) * 10_000 >= u128::from(slos.webhook_success_min_basis_points) * u128::from(all) {
                met += 1;
            }
        }
        start += hook_width;
    }
    let (ok, all) = count_attempts(attempts, window_start(period.from, tz, slos.webhook_window_minutes), period.to);
    let allowed = u128::from(all) * u128::from(10_000 - slos.webhook_success_min_basis_points.min(10_000)) / 10_000;
    SloSummary {
        pass_through,
        eod: eod_attainment,
        webhooks: Attainment { met, total },
        webhook_budget_failures: u64::try_from(allowed).unwrap_or(u64::MAX),
        webhook_failures: all - ok,
    }
}

fn kpis(ledger: &Ledger, attempts: &[(i64, bool)], period: Period) -> Kpis {
    let (from, to) = (period.from, period.to);
    let t0_to_first_eod = period.t0.and_then(|t0| {
        ledger.sessions.iter().filter_map(|s| s.settled.map(|(at, _)| at)).filter(|at| *at >= t0 && *at < to).min().map(|first| first - t0)
    });
    let mut settlements = (0, 0, 0);
    let mut eod_durations = Vec::new();
    for session in &ledger.sessions {
        if let Some((at, mode)) = session.settled {
            if at >= from && at < to {
                match mode {
                    SettleMode::Full => settlements.0 += 1,
                    SettleMode::Partial => settlements.1 += 1,
                    SettleMode::NextDay => settlements.2 += 1,
                }
                eod_durations.push(at - session.cut_off);
            }
        }
    }
    let mut pass = Vec::new();
    for payout in ledger.payouts.iter().filter(|p| p.accepted < to) {
        match payout.end {
            Some((at, true)) if at >= from && at < to => pass.push(at - payout.accepted),
            Some((at, _)) if at < to => {}
            _ => pass.push(to - payout.accepted),
        }
    }
    let mut incidents = [0; 3];
    for incident in ledger.incidents.iter().filter(|i| i.opened >= from && i.opened < to) {
        incidents[usize::from(incident.sev - 1)] += 1;
    }
    let mut deals = (0, 0, 0);
    for (offered, outcome, _) in ledger.deals.iter().filter(|(offered, _, _)| *offered >= from && *offered < to) {
        let _ = offered;
        deals.0 += 1;
        match outcome {
            DealOutcome::Completed => deals.1 += 1,
            DealOutcome::Cancelled => deals.2 += 1,
            DealOutcome::Open => {}
        }
    }
    Kpis {
        t0_to_first_eod,
        settlements,
        pass_through_p95: percentile_nearest_rank(&mut pass, 95),
        eod_p95: percentile_nearest_rank(&mut eod_durations, 95),
        webhooks: count_attempts(attempts, from, to),
        incidents,
        deals,
    }
}
