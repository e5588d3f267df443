//! `clubgate simulate`, `clubgate slo report` and `clubgate rollback evaluate`: the events
//! file in, the exact metrics and the rollback recommendation out.

use std::path::{Path, PathBuf};

use clap::Args;
use clubgate_core::events::parse_jsonl;
use clubgate_core::ledger::{instant, ns, Ledger, Scope};
use clubgate_core::plan::Plan;
use clubgate_core::report::{report, Attainment, Period};
use clubgate_core::rollback::{evaluate, Evidence, Recommendation};
use clubgate_core::schedule::{rfc3339, time_zone, T0};
use clubgate_core::simulate::{simulate, Scenario, Simulation};
use jiff::tz::TimeZone;
use serde_json::{json, Value};

use crate::commands::{name_plan_file, print_json, read_plan, Error, Result};

/// Most bad lines listed before the rest are counted.
const MAX_LISTED_ERRORS: usize = 20;

#[derive(Args)]
pub(crate) struct SimulateArgs {
    /// pilot-day, rpc-degradation-trc20, webhook-outage, eod-stuck, sev1, recovering, eod-deficit.
    #[arg(long)]
    scenario: String,
    /// T0 as a plan-zone wall clock or with an offset; the traffic starts there.
    #[arg(long)]
    t0: String,
    /// Seed: the same seed gives the same events.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Hours of traffic from T0 (1–168).
    #[arg(long, default_value_t = 24)]
    hours: u32,
    /// Where to write the JSON Lines.
    #[arg(long)]
    out: PathBuf,
    /// Time zone (default: the plan's).
    #[arg(long)]
    tz: Option<String>,
}

#[derive(Args)]
pub(crate) struct ReportArgs {
    /// The events (JSON Lines).
    #[arg(long)]
    events: PathBuf,
    /// From (plan-zone wall clock or RFC 3339), rounded down to its window.
    #[arg(long)]
    from: String,
    /// To: windows ending at or before it are reported.
    #[arg(long)]
    to: String,
    /// Window length: 15m, 30m, 1h (must divide a day).
    #[arg(long, default_value = "15m")]
    window: String,
    /// T0, for the T0 → first EOD settlement KPI.
    #[arg(long)]
    t0: Option<String>,
    /// A plan file (default: the embedded launch-plan-v1).
    #[arg(long)]
    plan: Option<PathBuf>,
    /// Time zone (default: the plan's).
    #[arg(long)]
    tz: Option<String>,
}

#[derive(Args)]
pub(crate) struct EvaluateArgs {
    /// The events (JSON Lines).
    #[arg(long)]
    events: PathBuf,
    /// The instant to evaluate at.
    #[arg(long)]
    at: String,
    /// A plan file (default: the embedded launch-plan-v1).
    #[arg(long)]
    plan: Option<PathBuf>,
    /// Time zone (default: the plan's).
    #[arg(long)]
    tz: Option<String>,
}

fn plan_and_zone(plan: Option<&Path>, zone: Option<&str>) -> Result<(Plan, TimeZone)> {
    let (source, text) = read_plan(plan)?;
    let plan = Plan::from_toml(&text).map_err(|error| name_plan_file(&source, error))?;
    let tz = time_zone(zone.unwrap_or(&plan.time_zone))?;
    Ok((plan, tz))
}

fn when(text: &str, what: &str, tz: &TimeZone) -> Result<i64> {
    let parsed = T0::parse(text, tz).map_err(|error| Error::Input(format!("{what}: {}", error.to_string().replacen("T0", "time", 1))))?;
    Ok(ns(parsed.zoned().timestamp()))
}

fn window_minutes(text: &str) -> Result<u32> {
    let refuse = || Error::Input(format!("--window {text:?} is not a length such as 15m, 30m or 1h that divides a day"));
    let (digits, unit) = text.split_at(text.len().saturating_sub(1));
    let amount: u32 = digits.parse().map_err(|_| refuse())?;
    let minutes = match unit {
        "m" => amount,
        "h" => amount.checked_mul(60).ok_or_else(refuse)?,
        _ => return Err(refuse()),
    };
    if minutes == 0 || 1440 % minutes != 0 {
        return Err(refuse());
    }
    Ok(minutes)
}

/// Reads an events file; any bad line is an input error listing the lines and reasons.
pub(crate) fn read_events(path: &Path) -> Result<Ledger> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.display().to_string(), source })?;
    let (ledger, errors) = parse_jsonl(&text);
    if errors.is_empty() {
        return Ok(ledger);
    }
    let mut lines: Vec<String> = errors.iter().take(MAX_LISTED_ERRORS).map(|e| format!("{}: {e}", path.display())).collect();
    if errors.len() > MAX_LISTED_ERRORS {
        lines.push(format!("{}: … and {} more bad lines", path.display(), errors.len() - MAX_LISTED_ERRORS));
    }
    Err(Error::Lines(lines))
}

fn seconds(nanos: i64) -> Value {
    // Exact to the nanosecond when it has a fraction; a whole number otherwise.
    if nanos % 1_000_000_000 == 0 {
        json!(nanos / 1_000_000_000)
    } else {
        json!(nanos as f64 / 1e9)
    }
}

fn at(nanos: i64, tz: &TimeZone) -> String {
    rfc3339(&instant(nanos).to_zoned_datetime(tz.clone()))
}

fn ratio(part: u64, whole: u64) -> Value {
    if whole == 0 {
        Value::Null
    } else {
        json!(part as f64 / whole as f64)
    }
}

fn attainment(a: Attainment) -> Value {
    json!({ "met": a.met, "total": a.total, "ratio": ratio(a.met as u64, a.total as u64) })
}

pub(crate) fn run_simulate(args: &SimulateArgs, json_out: bool) -> Result<()> {
    let scenario: Scenario = args.scenario.parse().map_err(Error::Input)?;
    if !(1..=168).contains(&args.hours) {
        return Err(Error::Input(format!("--hours {} is not between 1 and 168", args.hours)));
    }
    let (_, tz) = plan_and_zone(None, args.tz.as_deref())?;
    let t0 = T0::parse(&args.t0, &tz)?;
    let events = simulate(&Simulation { scenario, t0: t0.zoned().timestamp(), tz, seed: args.seed, hours: args.hours });
    let mut text = String::with_capacity(events.len() * 200);
    for event in &events {
        text.push_str(&event.to_json());
        text.push('\n');
    }
    std::fs::write(&args.out, text).map_err(|source| Error::Read { path: args.out.display().to_string(), source })?;
    if json_out {
        return print_json(
            &json!({ "scenario": scenario.name(), "seed": args.seed, "events": events.len(), "out": args.out.display().to_string() }),
        );
    }
    println!("{}: {} events of {} (seed {}) from {}", args.out.display(), events.len(), scenario, args.seed, rfc3339(t0.zoned()));
    Ok(())
}

pub(crate) fn run_report(args: &ReportArgs, json_out: bool) -> Result<()> {
    let (plan, tz) = plan_and_zone(args.plan.as_deref(), args.tz.as_deref())?;
    let from = when(&args.from, "--from", &tz)?;
    let to = when(&args.to, "--to", &tz)?;
    if to <= from {
        return Err(Error::Input(format!("--to {} is not after --from {}", args.to, args.from)));
    }
    let window = window_minutes(&args.window)?;
    let t0 = args.t0.as_deref().map(|t| when(t, "--t0", &tz)).transpose()?;
    let ledger = read_events(&args.events)?;
    let report = report(&ledger, &plan, &tz, Period { from, to, window_minutes: window, t0 }).map_err(Error::Input)?;
    let windows: Vec<Value> = report
        .windows
        .iter()
        .map(|w| {
            json!({
                "start": at(w.start, &tz),
                "end": at(w.end, &tz),
                "scope": w.scope.label(),
                "pass_through_p95_s": w.pass_through_p95.map(seconds),
                "payouts_confirmed": w.payouts_confirmed,
                "in_flight": w.in_flight,
                "queue_depth_end": w.queue_depth_end,
                "webhook_success_ratio": w.webhooks.map(|(ok, all)| ratio(ok, all)),
                "webhook_attempts": w.webhooks.map(|(_, all)| all),
                "dead_letter_depth_end": w.dead_letter_depth_end,
            })
        })
        .collect();
    let eod: Vec<Value> = report
        .eod
        .iter()
        .map(|d| json!({ "business_day": d.business_day.to_string(), "sessions": d.sessions, "eod_p95_s": d.eod_p95.map(seconds), "unsettled": d.unsettled }))
        .collect();
    let slo = &report.slo;
    let kpi = &report.kpi;
    let (full, partial, next_day) = kpi.settlements;
    let settled = full + partial + next_day;
    let (offered, completed, cancelled) = kpi.deals;
    let document = json!({
        "windows": windows,
        "eod": eod,
        "slo": {
            "pass_through_p95": { "target_s": i64::from(plan.slos.pass_through_p95_max_minutes) * 60, "attainment": attainment(slo.pass_through) },
            "eod_p95": { "target_s": i64::from(plan.slos.eod_p95_max_minutes) * 60, "attainment": attainment(slo.eod) },
            "webhook_success": {
                "target_ratio": f64::from(plan.slos.webhook_success_min_basis_points) / 10_000.0,
                "attainment": attainment(slo.webhooks),
                "error_budget_failures": slo.webhook_budget_failures,
                "failures": slo.webhook_failures,
                "error_budget_left": slo.webhook_budget_failures as i64 - slo.webhook_failures as i64,
            },
        },
        "kpi": {
            "t0_to_first_eod_s": kpi.t0_to_first_eod.map(seconds),
            "eod_settlements": settled,
            "partial_ratio": ratio(partial, settled),
            "t1_ratio": ratio(next_day, settled),
            "pass_through_p95_s": kpi.pass_through_p95.map(seconds),
            "eod_p95_s": kpi.eod_p95.map(seconds),
            "webhook_success_ratio": ratio(kpi.webhooks.0, kpi.webhooks.1),
            "incidents": { "sev1": kpi.incidents[0], "sev2": kpi.incidents[1], "sev3": kpi.incidents[2] },
            "deals_offered": offered,
            "offer_to_deal_ratio": ratio(completed, offered),
            "cancellations": cancelled,
        },
    });
    if json_out {
        return print_json(&document);
    }
    println!("{:<26} {:<22} {:>9} {:>6} {:>6} {:>8}", "window start", "scope", "p95 s", "conf", "queue", "webhooks");
    for w in report.windows.iter().filter(|w| w.scope == Scope::Global || matches!(w.scope, Scope::Network(_))) {
        println!(
            "{:<26} {:<22} {:>9} {:>6} {:>6} {:>8}",
            at(w.start, &tz),
            w.scope.label(),
            w.pass_through_p95.map_or("-".to_owned(), |p| format!("{:.1}", p as f64 / 1e9)),
            w.payouts_confirmed,
            w.queue_depth_end,
            w.webhooks.map_or("-".to_owned(), |(ok, all)| format!("{ok}/{all}"))
        );
    }
    println!(
        "\nSLO attainment: pass-through {}/{}, EOD {}/{}, webhooks {}/{}",
        slo.pass_through.met, slo.pass_through.total, slo.eod.met, slo.eod.total, slo.webhooks.met, slo.webhooks.total
    );
    Ok(())
}

fn evidence_json(evidence: &Evidence, tz: &TimeZone) -> Value {
    match evidence {
        Evidence::PassThrough { windows, threshold, queue_depth_start, queue_depth_end } => json!({
            "windows": windows.iter().map(|w| json!({ "start": at(w.start, tz), "end": at(w.end, tz), "p95_s": w.p95.map(seconds), "samples": w.samples })).collect::<Vec<_>>(),
            "threshold_s": seconds(*threshold),
            "queue_depth_start": queue_depth_start,
            "queue_depth_end": queue_depth_end,
        }),
        Evidence::EodUnsettled { sessions, after_cut_off_minutes, gauge_now, gauge_before, lookback_minutes } => json!({
            "sessions": sessions.iter().map(|(id, cut_off)| json!({ "session_id": id, "cut_off_at": at(*cut_off, tz) })).collect::<Vec<_>>(),
            "after_cut_off_minutes": after_cut_off_minutes,
            "unsettled_now": gauge_now,
            "unsettled_before": gauge_before,
            "lookback_minutes": lookback_minutes,
        }),
        Evidence::Webhooks { start, end, succeeded, attempts, threshold_basis_points, dead_letter_start, dead_letter_end } => json!({
            "window": { "start": at(*start, tz), "end": at(*end, tz) },
            "succeeded": succeeded,
            "attempts": attempts,
            "success_ratio": ratio(*succeeded, *attempts),
            "threshold_ratio": f64::from(*threshold_basis_points) / 10_000.0,
            "dead_letter_start": dead_letter_start,
            "dead_letter_end": dead_letter_end,
        }),
        Evidence::Sev1 { incidents } => json!({
            "incidents": incidents.iter().map(|(id, title, opened)| json!({ "incident_id": id, "title": title, "opened_at": at(*opened, tz) })).collect::<Vec<_>>(),
        }),
    }
}

pub(crate) fn run_evaluate(args: &EvaluateArgs, json_out: bool) -> Result<()> {
    let (plan, tz) = plan_and_zone(args.plan.as_deref(), args.tz.as_deref())?;
    let when_ns = when(&args.at, "--at", &tz)?;
    let ledger = read_events(&args.events)?;
    let evaluation = evaluate(&ledger, &plan, &tz, when_ns);
    let triggers: Vec<Value> = evaluation
        .triggers
        .iter()
        .map(
            |t| json!({ "rule": t.rule, "scope": t.scope.label(), "since": at(t.since, &tz), "evidence": evidence_json(&t.evidence, &tz) }),
        )
        .collect();
    let scope = match &evaluation.recommendation {
        Recommendation::Partial(scope) => Value::String(scope.label()),
        _ => Value::Null,
    };
    if json_out {
        return print_json(
            &json!({ "at": at(when_ns, &tz), "recommendation": evaluation.recommendation.label(), "scope": scope, "triggers": triggers }),
        );
    }
    println!(
        "at {}: {}{}",
        at(when_ns, &tz),
        evaluation.recommendation.label(),
        scope.as_str().map(|s| format!(" ({s})")).unwrap_or_default()
    );
    for trigger in &evaluation.triggers {
        println!("  {:?} in {} since {}", trigger.rule, trigger.scope.label(), at(trigger.since, &tz));
    }
    Ok(())
}
