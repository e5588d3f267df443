//! `clubgate export grafana --out DIR`: the four reporting dashboards of seed §14 —
//! Executive, Treasury, Trust, Webhooks — as Grafana dashboard JSON whose panels query the
//! ledger service's PostgreSQL log (`records`, ledger/migrations/postgres/) for the metrics of
//! PRODUCT.md "Metrics (exact definitions)", computed as `core/src/ledger.rs` and
//! `core/src/report.rs` compute them: instants in integer nanoseconds parsed from the events'
//! RFC 3339 text, half-open windows aligned to the plan zone's wall clock, in-flight payouts
//! counted at their age, nearest-rank p95 (`percentile_disc(0.95)`), "no data" as no row.
//!
//! What the SQL needs from the plan and the launch — the zone, window lengths, SLO and
//! rollback thresholds, the networks, each phase's start and volume cap — is written into
//! the queries as constants when the dashboards are exported; export again after changing T0,
//! the plan or the daily target. docs/grafana.md lists every panel and the macros used.

use std::path::{Path, PathBuf};

use clap::Args;
use clubgate_core::ledger::{ns, MINUTE_NS};
use clubgate_core::payout::TokenAmount;
use clubgate_core::plan::Plan;
use clubgate_core::report::MAX_WINDOWS;
use clubgate_core::schedule::rfc3339;
use clubgate_core::treasury::network_id;
use serde_json::{json, Value};

use crate::commands::{launch_of, name_plan_file, open_store, print_json, read_plan, Error, Result};

/// USDT and USDC have 6 decimals on both networks: amounts are shown in token units.
const TOKEN_DECIMALS: u8 = 6;
/// Base units in a token unit, as SQL divides them (numeric, exact).
const BASE_UNITS_PER_TOKEN: &str = "1000000";
/// The `schemaVersion` of the dashboard JSON model written (Grafana 10.4 / 11).
pub(crate) const SCHEMA_VERSION: u32 = 39;
/// The datasource plugin id of Grafana's PostgreSQL data source (Grafana ≥ 10.3; older
/// versions call it `postgres`).
const DATASOURCE_TYPE: &str = "grafana-postgresql-datasource";
/// The dashboards' datasource variable: every panel and query names `${DS_CLUBGATE_LEDGER}`.
const DATASOURCE_VARIABLE: &str = "DS_CLUBGATE_LEDGER";

#[derive(Args)]
pub(crate) struct GrafanaArgs {
    /// The directory to write the four dashboard files into (created if missing; files of
    /// the same names are replaced).
    #[arg(long)]
    out: PathBuf,
    /// T0 (plan-zone wall clock or with an offset), for the phases' volume caps (default: the
    /// launch in the local store).
    #[arg(long)]
    t0: Option<String>,
    /// A plan file, with --t0 (default: the embedded launch-plan-v1).
    #[arg(long)]
    plan: Option<PathBuf>,
    /// The daily target volume (decimal token text); the phase caps are its shares.
    #[arg(long)]
    daily_target: Option<String>,
    /// A treasury file: its daily target, unless --daily-target is given.
    #[arg(long)]
    treasury: Option<PathBuf>,
}

/// One phase's volume cap from its start: the cap that governs until the next phase starts
/// (the core's `payout::governing_phase`).
#[derive(Debug, Clone)]
struct PhaseCap {
    id: String,
    start_ns: i64,
    cap_base_units: u128,
}

/// What the dashboards' SQL takes from the plan and the launch, fixed at export.
#[derive(Debug, Clone)]
struct Constants {
    /// The plan zone (IANA name), for wall-clock windows and business days.
    zone: String,
    /// `launch-plan-v1` and its version, for tags and descriptions.
    plan_id: String,
    plan_version: String,
    /// T0 in the plan zone (RFC 3339), for descriptions.
    t0: String,
    /// The metrics window (ns), `slos.window_minutes`.
    window_ns: i64,
    /// The webhook success window (ns), `slos.webhook_window_minutes`.
    webhook_window_ns: i64,
    /// SLOs.
    pass_through_slo_ns: i64,
    eod_slo_ns: i64,
    webhook_slo_basis_points: u32,
    /// Rollback thresholds (strict).
    pass_through_rollback_ns: i64,
    webhook_rollback_basis_points: u32,
    eod_unsettled_after_ns: i64,
    /// The plan's networks (`erc20`, `trc20`).
    networks: Vec<&'static str>,
    /// The daily target and each phase's cap, in phase order.
    daily_target_base_units: u128,
    caps: Vec<PhaseCap>,
}

/// A dashboard ready to write.
struct Dashboard {
    /// `executive`, `treasury`, `trust`, `webhooks`.
    name: &'static str,
    uid: &'static str,
    title: &'static str,
    model: Value,
}

pub(crate) async fn run(args: &GrafanaArgs, json_out: bool, db: Option<&Path>) -> Result<()> {
    let constants = constants(args, db).await?;
    std::fs::create_dir_all(&args.out).map_err(|source| Error::Read { path: args.out.display().to_string(), source })?;
    let mut written = Vec::new();
    for dashboard in dashboards(&constants) {
        let path = args.out.join(format!("clubgate-{}.json", dashboard.name));
        let text = serde_json::to_string_pretty(&dashboard.model)? + "\n";
        std::fs::write(&path, text).map_err(|source| Error::Read { path: path.display().to_string(), source })?;
        let panels = dashboard.model["panels"].as_array().map_or(0, Vec::len);
        let queries: usize =
            dashboard.model["panels"].as_array().into_iter().flatten().map(|p| p["targets"].as_array().map_or(0, Vec::len)).sum();
        written.push(json!({
            "dashboard": dashboard.name,
            "uid": dashboard.uid,
            "title": dashboard.title,
            "file": path.display().to_string(),
            "panels": panels,
            "queries": queries,
        }));
    }
    if json_out {
        return print_json(&json!({ "out": args.out.display().to_string(), "zone": constants.zone, "files": written }));
    }
    for file in &written {
        println!(
            "{}: {} ({} panels, {} queries)",
            file["file"].as_str().unwrap_or_default(),
            file["title"].as_str().unwrap_or_default(),
            file["panels"],
            file["queries"]
        );
    }
    Ok(())
}

async fn constants(args: &GrafanaArgs, db: Option<&Path>) -> Result<Constants> {
    let daily_target = match (&args.daily_target, &args.treasury) {
        (Some(text), _) => TokenAmount::parse_decimal(text, TOKEN_DECIMALS).map_err(|e| Error::Input(format!("--daily-target: {e}")))?.base_units(),
        (None, Some(path)) => crate::bundle::read_treasury(path)?.daily_target.base_units(),
        (None, None) => {
            return Err(Error::Input(
                "the Treasury dashboard compares the day's volume with the phase cap, a share of the daily target: pass --daily-target AMOUNT (token units) or --treasury FILE".to_owned(),
            ))
        }
    };
    if args.plan.is_some() && args.t0.is_none() {
        return Err(Error::Input("--plan needs --t0 (without --t0 the launch in the local store, with its own plan, is used)".to_owned()));
    }
    let (source, text) = read_plan(args.plan.as_deref())?;
    let plan = Plan::from_toml(&text).map_err(|error| name_plan_file(&source, error))?;
    let launch = match &args.t0 {
        Some(t0) => clubgate_core::launch::Launch::from_plan(plan, t0, None)?,
        None => launch_of(&open_store(db).await?, plan, None).await?,
    };
    let plan = &launch.plan;
    let mut caps = Vec::with_capacity(plan.phases.len());
    for (phase, dates) in plan.phases.iter().zip(&launch.table.phases) {
        let cap_base_units = daily_target.checked_mul(u128::from(phase.volume_cap_percent)).map(|v| v / 100).ok_or_else(|| {
            Error::Input(format!(
                "the daily target {daily_target} base units × {}% overflows; give a smaller daily target",
                phase.volume_cap_percent
            ))
        })?;
        caps.push(PhaseCap { id: phase.id.clone(), start_ns: ns(dates.start.timestamp()), cap_base_units });
    }
    let minutes = |m: u32| i64::from(m) * MINUTE_NS;
    let rollback = &plan.rollback;
    Ok(Constants {
        zone: launch.table.tz.clone(),
        plan_id: plan.id.clone(),
        plan_version: plan.version.clone(),
        t0: rfc3339(launch.t0.zoned()),
        window_ns: minutes(plan.slos.window_minutes),
        webhook_window_ns: minutes(plan.slos.webhook_window_minutes),
        pass_through_slo_ns: minutes(plan.slos.pass_through_p95_max_minutes),
        eod_slo_ns: minutes(plan.slos.eod_p95_max_minutes),
        webhook_slo_basis_points: plan.slos.webhook_success_min_basis_points,
        pass_through_rollback_ns: minutes(rollback.pass_through.p95_above_minutes),
        webhook_rollback_basis_points: rollback.webhooks.success_below_basis_points,
        eod_unsettled_after_ns: minutes(rollback.eod_unsettled.after_cut_off_minutes),
        networks: plan.networks.iter().map(|n| network_id(*n)).collect(),
        daily_target_base_units: daily_target,
        caps,
    })
}

// ---- SQL ----------------------------------------------------------------------------------
//
// Every query is self-contained: common table expressions over `records`, the ledger's log.
// The only Grafana macros are `$__unixEpochFrom()` and `$__unixEpochTo()` (the dashboard's
// range as whole Unix seconds); nothing else is substituted by Grafana. The builders below
// name the expressions they make and the ones they read, so one query can hold two grids
// (the SLO attainment table) without renaming by text.

/// The event kinds of payouts.
const PAYOUT_KINDS: &[&str] = &["payout.accepted", "payout.confirmed", "payout.failed"];
/// The event kinds of EOD sessions.
const EOD_KINDS: &[&str] = &["eod.session_opened", "eod.settled"];
/// The event kinds of the dead-letter queue.
const DEAD_LETTER_KINDS: &[&str] = &["webhook.dead_lettered", "webhook.replayed"];
/// The event kinds of incidents.
const INCIDENT_KINDS: &[&str] = &["incident.opened", "incident.resolved"];
/// The kind of webhook attempts.
const ATTEMPT_KINDS: &[&str] = &["webhook.attempt"];

/// The nanoseconds since the epoch of an RFC 3339 text expression, exact: the whole seconds
/// through `timestamptz` (any offset), the fraction's digits as nanoseconds (PostgreSQL's
/// timestamps stop at microseconds; the events carry nanoseconds).
fn ns_of(text: &str) -> String {
    format!(
        "(extract(epoch FROM regexp_replace({text}, '\\.[0-9]+', '')::timestamptz)::bigint * 1000000000 \
         + rpad(coalesce(substring({text} FROM '\\.([0-9]+)'), ''), 9, '0')::bigint)"
    )
}

/// The Grafana time of an instant in ns (whole seconds: window bounds and day starts are).
fn time_of(ns: &str) -> String {
    format!("to_timestamp({ns} / 1000000000)")
}

/// `range`: the dashboard's time range in ns.
const CTE_RANGE: &str =
    "range AS (\n    SELECT $__unixEpochFrom()::bigint * 1000000000 AS from_ns, $__unixEpochTo()::bigint * 1000000000 AS to_ns\n)";

/// `name`: the ledger's events of `kinds`, with their JSON body and instant in ns.
fn cte_events(name: &str, kinds: &[&str]) -> String {
    let kinds: Vec<String> = kinds.iter().map(|k| format!("'{k}'")).collect();
    format!(
        "{name} AS (\n    SELECT r.seq, r.kind, b.body, {at} AS at_ns\n    FROM records r CROSS JOIN LATERAL (SELECT r.body::jsonb AS body) b\n    WHERE r.kind IN ({kinds})\n)",
        at = ns_of("b.body->>'at'"),
        kinds = kinds.join(", ")
    )
}

/// `payouts` from `events` (of [`PAYOUT_KINDS`]): one row per accepted payout with its
/// network, wallet, amount (base units), and when it was accepted, confirmed or failed —
/// one aggregate per payout id rather than self-joins on JSON keys, whose row estimates
/// are poor enough to make PostgreSQL pick nested loops (seconds at a few thousand events).
/// The ledger keeps at most one acceptance and one end per payout (the core's rules).
fn cte_payouts(events: &str) -> String {
    format!(
        "payouts AS (\n    SELECT body->>'payout_id' AS payout_id,\n           max(body->>'network') FILTER (WHERE kind = 'payout.accepted') AS network,\n           max(body->>'wallet') FILTER (WHERE kind = 'payout.accepted') AS wallet,\n           max((body->>'amount')::numeric) FILTER (WHERE kind = 'payout.accepted') AS amount,\n           max(at_ns) FILTER (WHERE kind = 'payout.accepted') AS accepted_ns,\n           max(at_ns) FILTER (WHERE kind = 'payout.confirmed') AS confirmed_ns,\n           max(at_ns) FILTER (WHERE kind = 'payout.failed') AS failed_ns,\n           coalesce(max(at_ns) FILTER (WHERE kind = 'payout.confirmed'), max(at_ns) FILTER (WHERE kind = 'payout.failed')) AS ended_ns\n    FROM {events}\n    GROUP BY body->>'payout_id'\n    HAVING count(*) FILTER (WHERE kind = 'payout.accepted') > 0\n)"
    )
}

/// `pairs` from `payouts` and `grid`: each payout with each window it can count in — from the
/// window holding its acceptance to the one holding its end (or the last) — generated per
/// payout, so the work follows the payouts rather than payouts × windows. The exact
/// conditions are applied by the expressions that read it.
fn cte_pairs(grid: &str, width_ns: i64) -> String {
    format!(
        "pairs AS (\n    SELECT p.*, k, g.first_ns + k * {width_ns} AS window_start_ns, g.first_ns + (k + 1) * {width_ns} AS window_end_ns\n    FROM payouts p CROSS JOIN {grid} g\n    CROSS JOIN LATERAL generate_series(\n        greatest(0, (p.accepted_ns - g.first_ns) / {width_ns}),\n        least(g.windows - 1, coalesce((p.ended_ns - g.first_ns) / {width_ns}, g.windows - 1))) k\n    WHERE p.accepted_ns < g.first_ns + g.windows * {width_ns} AND (p.ended_ns IS NULL OR p.ended_ns >= g.first_ns)\n)"
    )
}

/// `samples` from `pairs`: the pass-through samples of each window `[s, e)` — confirmed
/// inside it: `confirmed − accepted`; accepted before `e` and neither confirmed nor failed
/// before `e`: the age `e − accepted`; failed before `e`: none (PRODUCT.md "Metrics").
const CTE_SAMPLES: &str = "samples AS (\n    SELECT k, window_start_ns, network, wallet,\n           CASE WHEN confirmed_ns < window_end_ns THEN confirmed_ns - accepted_ns ELSE window_end_ns - accepted_ns END AS sample_ns\n    FROM pairs\n    WHERE accepted_ns < window_end_ns AND (ended_ns IS NULL OR ended_ns >= window_start_ns)\n      AND (failed_ns IS NULL OR failed_ns >= window_end_ns)\n)";

/// `sessions` from `events` (of [`EOD_KINDS`]): one row per EOD session.
fn cte_sessions(events: &str) -> String {
    format!(
        "sessions AS (\n    SELECT body->>'session_id' AS session_id,\n           max(body->>'trust_pair') FILTER (WHERE kind = 'eod.session_opened') AS trust_pair,\n           max(at_ns) FILTER (WHERE kind = 'eod.session_opened') AS opened_ns,\n           max({cut_off}) FILTER (WHERE kind = 'eod.session_opened') AS cut_off_ns,\n           max(at_ns) FILTER (WHERE kind = 'eod.settled') AS settled_ns,\n           max(body->>'mode') FILTER (WHERE kind = 'eod.settled') AS mode\n    FROM {events}\n    GROUP BY body->>'session_id'\n    HAVING count(*) FILTER (WHERE kind = 'eod.session_opened') > 0\n)",
        cut_off = ns_of("body->>'cut_off_at'")
    )
}

/// `incidents` from `events` (of [`INCIDENT_KINDS`]).
fn cte_incidents(events: &str) -> String {
    format!(
        "incidents AS (\n    SELECT body->>'incident_id' AS incident_id,\n           max((body->>'sev')::int) FILTER (WHERE kind = 'incident.opened') AS sev,\n           max(body->>'title') FILTER (WHERE kind = 'incident.opened') AS title,\n           max(at_ns) FILTER (WHERE kind = 'incident.opened') AS opened_ns,\n           max(at_ns) FILTER (WHERE kind = 'incident.resolved') AS resolved_ns\n    FROM {events}\n    GROUP BY body->>'incident_id'\n    HAVING count(*) FILTER (WHERE kind = 'incident.opened') > 0\n)"
    )
}

/// `attempts` from `events` (of [`ATTEMPT_KINDS`]): each attempt's instant and whether it
/// had a 2xx answer.
fn cte_attempts(events: &str) -> String {
    format!("attempts AS (\n    SELECT at_ns, (body->>'status')::int BETWEEN 200 AND 299 AS succeeded FROM {events}\n)")
}

/// `webhook_windows` from `attempts` and `grid`: each window that has attempts, with the
/// attempts that finished in it and the 2xx ones among them (an attempt's window is found by
/// arithmetic on the grid, not by a join per window).
fn cte_webhook_windows(grid: &str, width_ns: i64) -> String {
    format!(
        "webhook_windows AS (\n    SELECT k, first_ns + k * {width_ns} AS window_start_ns, count(*) AS attempts, count(*) FILTER (WHERE succeeded) AS succeeded\n    FROM (SELECT (a.at_ns - g.first_ns) / {width_ns} AS k, g.first_ns, a.succeeded\n          FROM attempts a CROSS JOIN {grid} g\n          WHERE a.at_ns >= g.first_ns AND a.at_ns < g.first_ns + g.windows * {width_ns}) placed\n    GROUP BY k, first_ns\n)"
    )
}

impl Constants {
    /// The plan zone as an SQL literal.
    fn zone_sql(&self) -> String {
        format!("'{}'", self.zone.replace('\'', "''"))
    }

    /// The plan-zone date of an instant in ns.
    fn day_of(&self, ns: &str) -> String {
        format!("(to_timestamp({ns} / 1000000000) AT TIME ZONE {})::date", self.zone_sql())
    }

    /// The instant (timestamptz) a plan-zone date starts.
    fn day_start(&self, day: &str) -> String {
        format!("({day}::timestamp AT TIME ZONE {})", self.zone_sql())
    }

    /// `{prefix}grid` (one row, from `range`): the complete windows of `width_ns` in the range
    /// as the core's report makes them — the first starts where the window holding `from`
    /// starts on the plan zone's wall clock (`ledger::window_start`), each is `width_ns` long,
    /// the last ends at or before `to`; only the latest [`MAX_WINDOWS`] are kept. `aligned_ns`
    /// is the first window's start before that limit, `first_ns` after; window k is
    /// `[first_ns + k·w, first_ns + (k+1)·w)`. `{prefix}windows`: one row per window.
    fn cte_grid(&self, prefix: &str, width_ns: i64) -> String {
        let width_s = width_ns / 1_000_000_000;
        format!(
            "{prefix}grid AS (\n    SELECT aligned_ns, aligned_ns + greatest(0, count - {MAX_WINDOWS}) * {width_ns} AS first_ns, least(count, {MAX_WINDOWS}) AS windows\n    FROM range\n    CROSS JOIN LATERAL (SELECT to_timestamp(from_ns / 1000000000) AT TIME ZONE {zone} AS local) l\n    CROSS JOIN LATERAL (SELECT from_ns - ((extract(hour FROM local)::bigint * 3600 + extract(minute FROM local)::bigint * 60\n        + floor(extract(second FROM local))::bigint) % {width_s}) * 1000000000 AS aligned_ns) a\n    CROSS JOIN LATERAL (SELECT greatest(0, (to_ns - aligned_ns) / {width_ns}) AS count) c\n),\n{prefix}windows AS (\n    SELECT k, first_ns + k * {width_ns} AS window_start_ns, first_ns + (k + 1) * {width_ns} AS window_end_ns\n    FROM {prefix}grid CROSS JOIN LATERAL generate_series(0, windows - 1) k\n)",
            zone = self.zone_sql()
        )
    }

    // -- Payouts --

    /// The CTEs every pass-through and queue query starts with: events, payouts, range, the
    /// metrics-window grid and the payout × window pairs.
    fn payout_ctes(&self) -> String {
        format!(
            "{},\n{},\n{CTE_RANGE},\n{},\n{}",
            cte_events("events", PAYOUT_KINDS),
            cte_payouts("events"),
            self.cte_grid("", self.window_ns),
            cte_pairs("grid", self.window_ns)
        )
    }

    /// p95 pass-through per window: global (`scope` None), or per `network` / `wallet`
    /// (a `metric` column, one series each).
    fn pass_through_p95(&self, scope: Option<&str>) -> String {
        let (metric, group) = match scope {
            None => (String::new(), String::new()),
            Some(column) => (format!("{column} AS metric, "), format!(", {column}")),
        };
        format!(
            "WITH {ctes},\n{CTE_SAMPLES}\nSELECT {time} AS time, {metric}percentile_disc(0.95) WITHIN GROUP (ORDER BY sample_ns) AS \"p95 pass-through\"\nFROM samples\nGROUP BY window_start_ns{group}\nORDER BY window_start_ns{group}",
            ctes = self.payout_ctes(),
            time = time_of("window_start_ns"),
        )
    }

    /// Queue depth at each window's end per `network` or `wallet`: payouts accepted before
    /// the end and not confirmed or failed before it (0 is a value here, not "no data").
    fn queue_depth(&self, column: &str) -> String {
        let scopes = if column == "network" {
            let values: Vec<String> = self.networks.iter().map(|n| format!("('{n}')")).collect();
            format!("scopes AS (SELECT * FROM (VALUES {}) v(scope))", values.join(", "))
        } else {
            "scopes AS (SELECT DISTINCT wallet AS scope FROM payouts)".to_owned()
        };
        format!(
            "WITH {ctes},\n{scopes},\nin_flight AS (\n    SELECT k, {column} AS scope, count(*) AS depth FROM pairs\n    WHERE accepted_ns < window_end_ns AND (ended_ns IS NULL OR ended_ns >= window_end_ns)\n    GROUP BY k, {column}\n)\nSELECT {time} AS time, s.scope AS metric, coalesce(i.depth, 0) AS \"queue depth\"\nFROM windows w CROSS JOIN scopes s\nLEFT JOIN in_flight i ON i.k = w.k AND i.scope = s.scope\nORDER BY w.window_end_ns, s.scope",
            ctes = self.payout_ctes(),
            time = time_of("w.window_end_ns"),
        )
    }

    /// Payout volume accepted per business day (plan zone) and network, in token units, over
    /// the payouts accepted in the range.
    fn volume_per_network_per_day(&self) -> String {
        format!(
            "WITH {events},\n{CTE_RANGE},\naccepted AS (\n    SELECT {day} AS day, body->>'network' AS network, (body->>'amount')::numeric AS amount\n    FROM events, range WHERE at_ns >= from_ns AND at_ns < to_ns\n)\nSELECT {start} AS time, network AS metric, sum(amount) / {BASE_UNITS_PER_TOKEN} AS \"volume\"\nFROM accepted\nGROUP BY day, network\nORDER BY day, network",
            events = cte_events("events", &["payout.accepted"]),
            day = self.day_of("at_ns"),
            start = self.day_start("day"),
        )
    }

    /// The business day's payout volume accepted so far, at each acceptance in the range
    /// (a running sum from the day's start in the plan zone), in token units.
    fn day_volume_accepted(&self) -> String {
        format!(
            "WITH {events},\n{CTE_RANGE},\naccepted AS (\n    SELECT seq, at_ns, {day} AS day, (body->>'amount')::numeric AS amount FROM events\n),\nrunning AS (\n    SELECT seq, at_ns, sum(amount) OVER (PARTITION BY day ORDER BY at_ns, seq) AS day_total\n    FROM accepted, range\n    WHERE day BETWEEN {from_day} AND {to_day}\n)\nSELECT to_timestamp(at_ns::float8 / 1e9) AS time, day_total / {BASE_UNITS_PER_TOKEN} AS \"payouts accepted today\"\nFROM running, range\nWHERE at_ns >= from_ns AND at_ns < to_ns\nORDER BY at_ns, seq",
            events = cte_events("events", &["payout.accepted"]),
            day = self.day_of("at_ns"),
            from_day = self.day_of("from_ns"),
            to_day = self.day_of("to_ns"),
        )
    }

    /// The business day's signed bundle volume so far, from the `signature` commands in the
    /// log, as the signing desks count it against the cap (treasury `flow::volume_elsewhere`):
    /// originals only (no `reason`), each bundle hash once a business day, its `bundle_amount`;
    /// plotted at the ledger's commit instant of the first such signature.
    fn day_volume_signed() -> String {
        format!(
            "WITH {CTE_RANGE},\nclaims AS (\n    SELECT DISTINCT ON (lower(p.payload->>'bundle_hash'), p.payload->>'business_day')\n           r.seq, r.committed_at_ms, {day} AS day_ns, (p.payload->>'bundle_amount')::numeric AS amount\n    FROM records r CROSS JOIN LATERAL (SELECT r.body::jsonb->'payload' AS payload) p\n    WHERE r.kind = 'signature' AND p.payload->>'reason' IS NULL\n      AND p.payload->>'bundle_amount' <> '' AND p.payload->>'bundle_amount' !~ '[^0-9]' AND p.payload->>'business_day' IS NOT NULL\n    ORDER BY lower(p.payload->>'bundle_hash'), p.payload->>'business_day', r.seq\n),\nrunning AS (\n    SELECT seq, committed_at_ms, sum(amount) OVER (PARTITION BY day_ns ORDER BY seq) AS day_total FROM claims\n)\nSELECT to_timestamp(committed_at_ms / 1000.0) AS time, day_total / {BASE_UNITS_PER_TOKEN} AS \"bundles signed today\"\nFROM running, range\nWHERE committed_at_ms * 1000000 >= from_ns AND committed_at_ms * 1000000 < to_ns\nORDER BY seq",
            day = ns_of("p.payload->>'business_day'"),
        )
    }

    /// The phase volume cap in force (token units) as a step series: a point where each
    /// phase starts inside the range (or at the range's start) and one at its end.
    fn phase_cap(&self) -> String {
        let rows: Vec<String> = self
            .caps
            .iter()
            .map(|c| format!("({}::bigint, '{}', {}::numeric)", c.start_ns, c.id.replace('\'', "''"), c.cap_base_units))
            .collect();
        format!(
            "WITH {CTE_RANGE},\nphases(start_ns, phase, cap_base_units) AS (VALUES {rows}),\nsteps AS (\n    SELECT start_ns, lead(start_ns) OVER (ORDER BY start_ns) AS next_ns, phase, cap_base_units FROM phases\n)\nSELECT {from} AS time, cap_base_units / {BASE_UNITS_PER_TOKEN} AS \"phase cap\"\nFROM steps, range WHERE start_ns < to_ns AND (next_ns IS NULL OR next_ns > from_ns)\nUNION ALL\nSELECT {to}, cap_base_units / {BASE_UNITS_PER_TOKEN}\nFROM steps, range WHERE start_ns < to_ns AND (next_ns IS NULL OR next_ns >= to_ns)\nORDER BY time",
            rows = rows.join(", "),
            from = time_of("greatest(start_ns, from_ns)"),
            to = time_of("to_ns"),
        )
    }

    /// Confirmed outflow per hot wallet and business day of confirmation, in token units.
    fn outflow_per_wallet_per_day(&self) -> String {
        format!(
            "WITH {events},\n{payouts},\n{CTE_RANGE},\nconfirmed AS (\n    SELECT {day} AS day, wallet, amount FROM payouts, range WHERE confirmed_ns >= from_ns AND confirmed_ns < to_ns\n)\nSELECT {start} AS time, wallet AS metric, sum(amount) / {BASE_UNITS_PER_TOKEN} AS \"confirmed outflow\"\nFROM confirmed\nGROUP BY day, wallet\nORDER BY day, wallet",
            events = cte_events("events", PAYOUT_KINDS),
            payouts = cte_payouts("events"),
            day = self.day_of("confirmed_ns"),
            start = self.day_start("day"),
        )
    }

    /// Each hot wallet at the range's end: queue depth, the oldest payout's age, and what it
    /// confirmed and failed in the range.
    fn wallets_now() -> String {
        format!(
            "WITH {events},\n{payouts},\n{CTE_RANGE}\nSELECT wallet AS \"hot wallet\", network,\n       count(*) FILTER (WHERE accepted_ns < to_ns AND (ended_ns IS NULL OR ended_ns >= to_ns)) AS \"queue depth\",\n       max(to_ns - accepted_ns) FILTER (WHERE accepted_ns < to_ns AND (ended_ns IS NULL OR ended_ns >= to_ns)) AS \"oldest in flight\",\n       coalesce(sum(amount) FILTER (WHERE confirmed_ns >= from_ns AND confirmed_ns < to_ns), 0) / {BASE_UNITS_PER_TOKEN} AS \"confirmed outflow\",\n       count(*) FILTER (WHERE failed_ns >= from_ns AND failed_ns < to_ns) AS \"failed\"\nFROM payouts, range\nGROUP BY wallet, network\nORDER BY wallet",
            events = cte_events("events", PAYOUT_KINDS),
            payouts = cte_payouts("events"),
        )
    }

    // -- EOD --

    /// `eod_days` from `sessions` and `range`: sessions by the plan-zone date of their
    /// cut-off — those opened and cut off before `to` (as the core's report) and cut off at or
    /// after `from` (the days of the range); `settled` = settled before `to`.
    fn cte_eod_days(&self) -> String {
        format!(
            "eod_days AS (\n    SELECT {day} AS day, s.*, (settled_ns IS NOT NULL AND settled_ns < to_ns) AS settled\n    FROM sessions s, range\n    WHERE opened_ns < to_ns AND cut_off_ns < to_ns AND cut_off_ns >= from_ns\n)",
            day = self.day_of("cut_off_ns")
        )
    }

    fn eod_ctes(&self) -> String {
        format!("{},\n{},\n{CTE_RANGE},\n{}", cte_events("events", EOD_KINDS), cte_sessions("events"), self.cte_eod_days())
    }

    /// EOD per business day: sessions, p95 of `settled − cut_off` over the settled ones,
    /// unsettled at the range's end, and the settled ones by mode.
    fn eod_per_day(&self) -> String {
        format!(
            "WITH {ctes}\nSELECT day::text AS \"business day\", count(*) AS sessions,\n       percentile_disc(0.95) WITHIN GROUP (ORDER BY settled_ns - cut_off_ns) FILTER (WHERE settled) AS \"p95 EOD\",\n       count(*) FILTER (WHERE NOT settled) AS unsettled,\n       count(*) FILTER (WHERE settled AND mode = 'full') AS \"full\",\n       count(*) FILTER (WHERE settled AND mode = 'partial') AS \"partial\",\n       count(*) FILTER (WHERE settled AND mode = 't+1') AS \"T+1\"\nFROM eod_days\nGROUP BY day\nORDER BY day",
            ctes = self.eod_ctes(),
        )
    }

    /// p95 EOD per business day as a time series (the day's start), for the stat panels.
    fn eod_p95_series(&self) -> String {
        format!(
            "WITH {ctes}\nSELECT {start} AS time, percentile_disc(0.95) WITHIN GROUP (ORDER BY settled_ns - cut_off_ns) AS \"p95 EOD\"\nFROM eod_days\nWHERE settled\nGROUP BY day\nORDER BY day",
            ctes = self.eod_ctes(),
            start = self.day_start("day"),
        )
    }

    /// Settlements in the range (settled at in `[from, to)`) and the partial and T+1 shares
    /// (the KPI of seed §11); no settlement → NULL shares ("no data").
    fn settlement_shares() -> String {
        format!(
            "WITH {events},\n{CTE_RANGE},\nsettled AS (\n    SELECT body->>'mode' AS mode FROM events, range\n    WHERE kind = 'eod.settled' AND at_ns >= from_ns AND at_ns < to_ns\n)\nSELECT count(*) AS \"settlements\",\n       CASE WHEN count(*) > 0 THEN (count(*) FILTER (WHERE mode = 'partial'))::float8 / count(*)::float8 END AS \"partial share\",\n       CASE WHEN count(*) > 0 THEN (count(*) FILTER (WHERE mode = 't+1'))::float8 / count(*)::float8 END AS \"T+1 share\"\nFROM settled",
            events = cte_events("events", EOD_KINDS),
        )
    }

    /// Unsettled sessions at each window's end (cut-off passed, not settled), and of them
    /// those whose cut-off is at least the rollback rule's minutes back.
    fn unsettled_series(&self) -> String {
        format!(
            "WITH {events},\n{sessions},\n{CTE_RANGE},\n{grid}\nSELECT {time} AS time,\n       count(s.session_id) AS \"unsettled sessions\",\n       count(s.session_id) FILTER (WHERE s.cut_off_ns <= w.window_end_ns - {after}) AS \"unsettled {minutes} min after cut-off\"\nFROM windows w\nLEFT JOIN sessions s ON s.opened_ns < w.window_end_ns AND s.cut_off_ns <= w.window_end_ns\n    AND (s.settled_ns IS NULL OR s.settled_ns >= w.window_end_ns)\nGROUP BY w.window_end_ns\nORDER BY w.window_end_ns",
            events = cte_events("events", EOD_KINDS),
            sessions = cte_sessions("events"),
            grid = self.cte_grid("", self.window_ns),
            time = time_of("w.window_end_ns"),
            after = self.eod_unsettled_after_ns,
            minutes = self.eod_unsettled_after_ns / MINUTE_NS,
        )
    }

    /// Unsettled sessions at the range's end, and those past the rollback rule's minutes.
    fn unsettled_now(&self) -> String {
        format!(
            "WITH {events},\n{sessions},\n{CTE_RANGE}\nSELECT count(*) AS \"unsettled sessions\",\n       count(*) FILTER (WHERE cut_off_ns <= to_ns - {after}) AS \"unsettled {minutes} min after cut-off\"\nFROM sessions, range\nWHERE opened_ns < to_ns AND cut_off_ns <= to_ns AND (settled_ns IS NULL OR settled_ns >= to_ns)",
            events = cte_events("events", EOD_KINDS),
            sessions = cte_sessions("events"),
            after = self.eod_unsettled_after_ns,
            minutes = self.eod_unsettled_after_ns / MINUTE_NS,
        )
    }

    /// The sessions cut off in the range, newest first.
    fn sessions_table() -> String {
        format!(
            "WITH {events},\n{sessions},\n{CTE_RANGE}\nSELECT session_id AS \"session\", trust_pair AS \"trust pair\", {cut_off} AS \"cut-off\",\n       to_timestamp(settled_ns::float8 / 1e9) AS \"settled\", mode,\n       CASE WHEN settled_ns < to_ns THEN settled_ns - cut_off_ns END AS \"EOD duration\",\n       CASE WHEN settled_ns IS NULL OR settled_ns >= to_ns THEN to_ns - cut_off_ns END AS \"unsettled for\"\nFROM sessions, range\nWHERE opened_ns < to_ns AND cut_off_ns >= from_ns AND cut_off_ns < to_ns\nORDER BY cut_off_ns DESC, session_id",
            events = cte_events("events", EOD_KINDS),
            sessions = cte_sessions("events"),
            cut_off = time_of("cut_off_ns"),
        )
    }

    // -- Webhooks --

    fn webhook_ctes(&self) -> String {
        format!(
            "{},\n{},\n{CTE_RANGE},\n{},\n{}",
            cte_events("events", ATTEMPT_KINDS),
            cte_attempts("events"),
            self.cte_grid("", self.webhook_window_ns),
            cte_webhook_windows("grid", self.webhook_window_ns)
        )
    }

    /// Webhook success per window: 2xx attempts / attempts that finished in it (a window with
    /// no attempt has no row: "no data").
    fn webhook_success(&self) -> String {
        format!(
            "WITH {ctes}\nSELECT {time} AS time, succeeded::float8 / attempts::float8 AS \"webhook success\"\nFROM webhook_windows\nORDER BY window_start_ns",
            ctes = self.webhook_ctes(),
            time = time_of("window_start_ns"),
        )
    }

    /// Webhook attempts per window: 2xx and the rest.
    fn webhook_attempts(&self) -> String {
        format!(
            "WITH {ctes}\nSELECT {time} AS time, succeeded AS \"2xx\", attempts - succeeded AS \"failed\"\nFROM webhook_windows\nORDER BY window_start_ns",
            ctes = self.webhook_ctes(),
            time = time_of("window_start_ns"),
        )
    }

    /// Dead-letter depth at each window's end: dead-lettered before it minus replayed before it.
    fn dead_letter_series(&self) -> String {
        format!(
            "WITH {events},\n{CTE_RANGE},\n{grid},\nchanges AS (\n    SELECT at_ns, CASE kind WHEN 'webhook.dead_lettered' THEN 1 ELSE -1 END AS delta FROM events\n)\nSELECT {time} AS time, (SELECT coalesce(sum(delta), 0) FROM changes c WHERE c.at_ns < w.window_end_ns) AS \"dead-letter depth\"\nFROM windows w\nORDER BY w.window_end_ns",
            events = cte_events("events", DEAD_LETTER_KINDS),
            grid = self.cte_grid("", self.webhook_window_ns),
            time = time_of("w.window_end_ns"),
        )
    }

    /// Dead-letter depth at the range's end.
    fn dead_letter_now() -> String {
        format!(
            "WITH {events},\n{CTE_RANGE}\nSELECT coalesce(sum(CASE kind WHEN 'webhook.dead_lettered' THEN 1 ELSE -1 END), 0) AS \"dead-letter depth\"\nFROM events, range WHERE at_ns < to_ns",
            events = cte_events("events", DEAD_LETTER_KINDS),
        )
    }

    /// The webhook error budget as the core's SLO summary counts it: over the attempts from
    /// the start of the window holding `from` to `to`, the failures the SLO allows (rounded
    /// down), the failures seen, and what is left.
    fn webhook_error_budget(&self) -> String {
        let allowed_per_10000 = 10_000 - self.webhook_slo_basis_points.min(10_000);
        format!(
            "WITH {events},\n{attempts},\n{CTE_RANGE},\n{grid},\nperiod AS (\n    SELECT count(*) AS attempts, count(*) FILTER (WHERE NOT succeeded) AS failures\n    FROM attempts, grid, range WHERE at_ns >= aligned_ns AND at_ns < to_ns\n)\nSELECT attempts, attempts * {allowed_per_10000} / 10000 AS \"failures allowed\", failures,\n       attempts * {allowed_per_10000} / 10000 - failures AS \"error budget left\"\nFROM period",
            events = cte_events("events", ATTEMPT_KINDS),
            attempts = cte_attempts("events"),
            grid = self.cte_grid("", self.webhook_window_ns),
        )
    }

    // -- Incidents --

    fn incident_ctes() -> String {
        format!("{},\n{},\n{CTE_RANGE}", cte_events("events", INCIDENT_KINDS), cte_incidents("events"))
    }

    /// Incidents opened in the range by severity (the KPI of seed §11).
    fn incidents_by_severity() -> String {
        format!(
            "WITH {ctes}\nSELECT count(*) FILTER (WHERE sev = 1) AS \"SEV1\", count(*) FILTER (WHERE sev = 2) AS \"SEV2\",\n       count(*) FILTER (WHERE sev = 3) AS \"SEV3\"\nFROM incidents, range WHERE opened_ns >= from_ns AND opened_ns < to_ns",
            ctes = Self::incident_ctes(),
        )
    }

    /// SEV1 incidents open at the range's end (rollback rule 4).
    fn open_sev1() -> String {
        format!(
            "WITH {ctes}\nSELECT count(*) AS \"open SEV1\"\nFROM incidents, range WHERE sev = 1 AND opened_ns < to_ns AND (resolved_ns IS NULL OR resolved_ns >= to_ns)",
            ctes = Self::incident_ctes(),
        )
    }

    /// Incidents open at some point of the range, newest first.
    fn incidents_table() -> String {
        format!(
            "WITH {ctes}\nSELECT incident_id AS \"incident\", 'SEV' || sev AS \"severity\", title, to_timestamp(opened_ns::float8 / 1e9) AS \"opened\",\n       to_timestamp(resolved_ns::float8 / 1e9) AS \"resolved\",\n       coalesce(least(resolved_ns, to_ns), to_ns) - opened_ns AS \"open for\"\nFROM incidents, range\nWHERE opened_ns < to_ns AND (resolved_ns IS NULL OR resolved_ns >= from_ns)\nORDER BY opened_ns DESC, incident_id",
            ctes = Self::incident_ctes(),
        )
    }

    // -- SLO attainment --

    /// The three SLOs over the range, as the core's `report::SloSummary` counts them:
    /// pass-through windows with p95 ≤ the SLO, business days with p95 EOD ≤ the SLO (the
    /// days of the range), webhook windows with success ≥ the SLO — each over the periods
    /// with data; attainment NULL ("no data") when there is none.
    fn slo_attainment(&self) -> String {
        let ratio =
            |condition: &str| format!("CASE WHEN count(*) > 0 THEN (count(*) FILTER (WHERE {condition}))::float8 / count(*)::float8 END");
        let pass_met = format!("p95 <= {}", self.pass_through_slo_ns);
        let eod_met = format!("p95 <= {}", self.eod_slo_ns);
        let hook_met = format!("succeeded * 10000 >= {} * attempts", self.webhook_slo_basis_points);
        format!(
            "WITH {payout_events},\n{payouts},\n{CTE_RANGE},\n{pass_grid},\n{pairs},\n{CTE_SAMPLES},\npass_p95 AS (\n    SELECT k, percentile_disc(0.95) WITHIN GROUP (ORDER BY sample_ns) AS p95 FROM samples GROUP BY k\n),\n{eod_events},\n{sessions},\n{eod_days},\neod_p95 AS (\n    SELECT day, percentile_disc(0.95) WITHIN GROUP (ORDER BY settled_ns - cut_off_ns) AS p95 FROM eod_days WHERE settled GROUP BY day\n),\n{hook_events},\n{attempts},\n{hook_grid},\n{hook_windows}\nSELECT 'p95 pass-through ≤ {pass_min} min' AS \"SLO\", count(*) FILTER (WHERE {pass_met}) AS \"met\", count(*) AS \"with data\", {pass_ratio} AS \"attainment\"\nFROM pass_p95\nUNION ALL\nSELECT 'p95 EOD ≤ {eod_min} min', count(*) FILTER (WHERE {eod_met}), count(*), {eod_ratio}\nFROM eod_p95\nUNION ALL\nSELECT 'webhook success ≥ {hook_percent}', count(*) FILTER (WHERE {hook_met}), count(*), {hook_ratio}\nFROM webhook_windows",
            payout_events = cte_events("payout_events", PAYOUT_KINDS),
            payouts = cte_payouts("payout_events"),
            pass_grid = self.cte_grid("pass_", self.window_ns),
            pairs = cte_pairs("pass_grid", self.window_ns),
            eod_events = cte_events("eod_events", EOD_KINDS),
            sessions = cte_sessions("eod_events"),
            eod_days = self.cte_eod_days(),
            hook_events = cte_events("hook_events", ATTEMPT_KINDS),
            attempts = cte_attempts("hook_events"),
            hook_grid = self.cte_grid("hook_", self.webhook_window_ns),
            hook_windows = cte_webhook_windows("hook_grid", self.webhook_window_ns),
            pass_min = self.pass_through_slo_ns / MINUTE_NS,
            eod_min = self.eod_slo_ns / MINUTE_NS,
            hook_percent = percent_text(self.webhook_slo_basis_points),
            pass_ratio = ratio(&pass_met),
            eod_ratio = ratio(&eod_met),
            hook_ratio = ratio(&hook_met),
        )
    }
}

/// Base units as decimal token text (0 as `0`).
fn token_units(base_units: u128) -> String {
    TokenAmount::from_base_units(base_units).map_or_else(|| "0".to_owned(), |amount| amount.to_decimal(TOKEN_DECIMALS))
}

/// 9900 basis points as `99%`, 9850 as `98.5%`.
fn percent_text(basis_points: u32) -> String {
    let fraction = format!("{:02}", basis_points % 100);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        format!("{}%", basis_points / 100)
    } else {
        format!("{}.{fraction}%", basis_points / 100)
    }
}

// ---- Grafana's JSON model -----------------------------------------------------------------

fn datasource() -> Value {
    json!({ "type": DATASOURCE_TYPE, "uid": format!("${{{DATASOURCE_VARIABLE}}}") })
}

/// A query: `format` is `time_series` (a `time` column, numeric values, an optional `metric`
/// column naming the series) or `table`.
fn target(ref_id: &str, format: &str, sql: String) -> Value {
    json!({ "refId": ref_id, "datasource": datasource(), "rawQuery": true, "editorMode": "code", "format": format, "rawSql": sql })
}

/// Threshold steps: the base colour, then (value, colour) from which a colour holds.
fn thresholds(base: &str, steps: &[(f64, &str)]) -> Value {
    let mut list = vec![json!({ "color": base, "value": null })];
    list.extend(steps.iter().map(|(value, color)| json!({ "color": color, "value": value })));
    json!({ "mode": "absolute", "steps": list })
}

/// What a panel shows, before it is placed.
struct PanelSpec {
    kind: &'static str,
    title: String,
    description: String,
    unit: &'static str,
    thresholds: Option<Value>,
    targets: Vec<Value>,
    /// Width (of 24) and height in grid units.
    size: (u32, u32),
    /// Panel-type options and field-config `custom`.
    options: Value,
    custom: Value,
    /// Fields shown in another unit than the panel's (a table's durations among counts).
    overrides: Vec<(&'static str, &'static str)>,
}

impl PanelSpec {
    fn new(kind: &'static str, title: impl Into<String>, description: impl Into<String>, unit: &'static str, targets: Vec<Value>) -> Self {
        let (options, custom, size) = match kind {
            "stat" => (
                json!({ "reduceOptions": { "calcs": ["lastNotNull"], "fields": "", "values": false }, "colorMode": "background", "graphMode": "none", "textMode": "value_and_name", "justifyMode": "auto", "orientation": "auto" }),
                json!({}),
                (6, 5),
            ),
            "table" => {
                (json!({ "showHeader": true, "cellHeight": "sm", "footer": { "show": false } }), json!({ "align": "auto" }), (12, 9))
            }
            "bargauge" => (
                json!({ "reduceOptions": { "calcs": ["lastNotNull"], "fields": "", "values": false }, "orientation": "horizontal", "displayMode": "basic", "showUnfilled": true }),
                json!({}),
                (6, 9),
            ),
            _ => (
                json!({ "legend": { "showLegend": true, "displayMode": "list", "placement": "bottom", "calcs": [] }, "tooltip": { "mode": "multi", "sort": "none" } }),
                json!({ "drawStyle": "line", "lineInterpolation": "linear", "lineWidth": 1, "fillOpacity": 0, "pointSize": 4, "showPoints": "auto", "spanNulls": false, "thresholdsStyle": { "mode": "off" } }),
                (12, 8),
            ),
        };
        Self {
            kind,
            title: title.into(),
            description: description.into(),
            unit,
            thresholds: None,
            targets,
            size,
            options,
            custom,
            overrides: Vec::new(),
        }
    }

    fn size(mut self, width: u32, height: u32) -> Self {
        self.size = (width, height);
        self
    }

    /// Thresholds; on a time series also drawn as lines.
    fn thresholds(mut self, value: Value) -> Self {
        if self.kind == "timeseries" {
            self.custom["thresholdsStyle"] = json!({ "mode": "line" });
        }
        self.thresholds = Some(value);
        self
    }

    /// Shows the field named `field` in `unit`.
    fn unit_of(mut self, field: &'static str, unit: &'static str) -> Self {
        self.overrides.push((field, unit));
        self
    }

    fn bars(mut self) -> Self {
        self.custom["drawStyle"] = json!("bars");
        self.custom["fillOpacity"] = json!(80);
        self
    }

    fn steps(mut self) -> Self {
        self.custom["lineInterpolation"] = json!("stepAfter");
        self
    }
}

/// Places panels left to right, 24 columns a row, and numbers them from 1.
fn place(specs: Vec<PanelSpec>) -> Vec<Value> {
    let (mut x, mut y, mut row_height) = (0u32, 0u32, 0u32);
    let mut panels = Vec::with_capacity(specs.len());
    for (index, spec) in specs.into_iter().enumerate() {
        let (width, height) = spec.size;
        if x + width > 24 {
            (x, y, row_height) = (0, y + row_height, 0);
        }
        let mut defaults = json!({ "unit": spec.unit, "custom": spec.custom, "noValue": "no data" });
        if let Some(thresholds) = spec.thresholds {
            defaults["thresholds"] = thresholds;
            defaults["color"] = json!({ "mode": "thresholds" });
        } else {
            defaults["thresholds"] = thresholds("green", &[]);
            defaults["color"] = json!({ "mode": if spec.kind == "timeseries" { "palette-classic" } else { "thresholds" } });
        }
        let overrides: Vec<Value> = spec
            .overrides
            .iter()
            .map(
                |(field, unit)| json!({ "matcher": { "id": "byName", "options": field }, "properties": [{ "id": "unit", "value": unit }] }),
            )
            .collect();
        panels.push(json!({
            "id": index + 1,
            "type": spec.kind,
            "title": spec.title,
            "description": spec.description,
            "gridPos": { "h": height, "w": width, "x": x, "y": y },
            "datasource": datasource(),
            "targets": spec.targets,
            "fieldConfig": { "defaults": defaults, "overrides": overrides },
            "options": spec.options,
        }));
        x += width;
        row_height = row_height.max(height);
    }
    panels
}

impl Constants {
    fn dashboard(&self, uid: &str, title: &str, description: &str, range: &str, panels: Vec<PanelSpec>) -> Value {
        json!({
            "id": null,
            "uid": uid,
            "title": title,
            "description": description,
            "tags": ["clubgate", self.plan_id],
            "timezone": self.zone,
            "schemaVersion": SCHEMA_VERSION,
            "version": 1,
            "editable": true,
            "graphTooltip": 1,
            "fiscalYearStartMonth": 0,
            "liveNow": false,
            "refresh": "1m",
            "time": { "from": range, "to": "now" },
            "timepicker": {},
            "annotations": { "list": [] },
            "links": [{ "type": "dashboards", "tags": ["clubgate"], "asDropdown": false, "title": "ClubGate dashboards", "includeVars": false, "keepTime": true }],
            "templating": { "list": [{
                "name": DATASOURCE_VARIABLE,
                "label": "Ledger database (PostgreSQL)",
                "type": "datasource",
                "query": DATASOURCE_TYPE,
                "current": {},
                "hide": 0,
                "refresh": 1,
                "regex": "",
                "options": [],
                "skipUrlSync": false,
            }] },
            "panels": place(panels),
        })
    }

    /// A note every dashboard carries: where the figures come from.
    fn provenance(&self) -> String {
        format!(
            "From the ClubGate ledger's log (PostgreSQL table `records`), with the definitions of PRODUCT.md \"Metrics\" — the same as the desk's. Plan {} v{}, zone {}, T0 {}. Exported by `clubgate export grafana`; export again after changing T0, the plan or the daily target.",
            self.plan_id, self.plan_version, self.zone, self.t0
        )
    }

    fn pass_thresholds(&self) -> Value {
        thresholds("green", &[(self.pass_through_slo_ns as f64 + 1.0, "orange"), (self.pass_through_rollback_ns as f64 + 1.0, "red")])
    }

    fn webhook_thresholds(&self) -> Value {
        thresholds(
            "red",
            &[
                (f64::from(self.webhook_rollback_basis_points) / 10_000.0, "orange"),
                (f64::from(self.webhook_slo_basis_points) / 10_000.0, "green"),
            ],
        )
    }

    fn eod_thresholds(&self) -> Value {
        thresholds("green", &[(self.eod_slo_ns as f64 + 1.0, "red")])
    }

    fn window_minutes(&self) -> i64 {
        self.window_ns / MINUTE_NS
    }

    fn webhook_minutes(&self) -> i64 {
        self.webhook_window_ns / MINUTE_NS
    }

    fn executive(&self) -> Dashboard {
        let w = self.window_minutes();
        let pass_slo = self.pass_through_slo_ns / MINUTE_NS;
        let panels = vec![
            PanelSpec::new(
                "stat",
                format!("p95 pass-through — last complete {w}-min window"),
                format!("SLO: p95 pass-through ≤ {pass_slo} min. Nearest-rank p95 over the payouts confirmed in the window and those still in flight at its end, at their age. Orange above the SLO, red above the rollback threshold ({} min).", self.pass_through_rollback_ns / MINUTE_NS),
                "ns",
                vec![target("A", "time_series", self.pass_through_p95(None))],
            )
            .thresholds(self.pass_thresholds()),
            PanelSpec::new(
                "stat",
                "p95 EOD — latest business day",
                format!("SLO: p95 EOD ≤ {} min. EOD duration = settled − cut-off, over the settled sessions of the plan-zone business day of their cut-off.", self.eod_slo_ns / MINUTE_NS),
                "ns",
                vec![target("A", "time_series", self.eod_p95_series())],
            )
            .thresholds(self.eod_thresholds()),
            PanelSpec::new(
                "stat",
                format!("Webhook success — last complete {}-min window", self.webhook_minutes()),
                format!("SLO: webhook success ≥ {} per window: 2xx attempts / all attempts finished in the window.", percent_text(self.webhook_slo_basis_points)),
                "percentunit",
                vec![target("A", "time_series", self.webhook_success())],
            )
            .thresholds(self.webhook_thresholds()),
            PanelSpec::new("stat", "Open SEV1 incidents", "SEV1 incidents open at the end of the range (rollback rule 4: any one is a full rollback).", "none", vec![target("A", "table", Self::open_sev1())])
                .thresholds(thresholds("green", &[(1.0, "red")])),
            PanelSpec::new(
                "timeseries",
                format!("p95 pass-through per {w}-min window"),
                format!("Global p95 pass-through of each complete window (plotted at its start; windows aligned to the {} wall clock). Lines: the SLO ({pass_slo} min) and the rollback threshold.", self.zone),
                "ns",
                vec![target("A", "time_series", self.pass_through_p95(None))],
            )
            .thresholds(self.pass_thresholds()),
            PanelSpec::new(
                "table",
                "SLO attainment over the range",
                "Periods meeting each SLO over the periods with data: pass-through and webhook windows, EOD business days.",
                "none",
                vec![target("A", "table", self.slo_attainment())],
            )
            .unit_of("attainment", "percentunit"),
            PanelSpec::new(
                "timeseries",
                "Payout volume accepted per network per business day",
                format!("Sum of payout.accepted amounts (token units) per {} business day and network, over payouts accepted in the range.", self.zone),
                "none",
                vec![target("A", "time_series", self.volume_per_network_per_day())],
            )
            .bars(),
            PanelSpec::new("bargauge", "Incidents opened by severity", "Incidents opened in the range, per severity (KPI of seed §11).", "none", vec![target("A", "table", Self::incidents_by_severity())]),
            PanelSpec::new("table", "Incidents", "Incidents open at some point of the range, newest first.", "none", vec![target("A", "table", Self::incidents_table())])
                .unit_of("open for", "ns")
                .size(6, 9),
        ];
        Dashboard {
            name: "executive",
            uid: "clubgate-executive",
            title: "ClubGate — Executive",
            model: self.dashboard(
                "clubgate-executive",
                "ClubGate — Executive",
                &format!("SLO status, volumes and incidents of the launch. {}", self.provenance()),
                "now-24h",
                panels,
            ),
        }
    }

    fn treasury(&self) -> Dashboard {
        let w = self.window_minutes();
        let caps: Vec<String> = self.caps.iter().map(|c| format!("{} {}", c.id, token_units(c.cap_base_units))).collect();
        let target_text = token_units(self.daily_target_base_units);
        let panels = vec![
            PanelSpec::new(
                "timeseries",
                "Volume of the business day vs the phase cap",
                format!(
                    "Running totals from the start of each {} business day (token units): payouts accepted (platform events) and payout bundles signed (the ledger's signature commands: originals, each bundle once a day — what the signing desks count against the cap). The cap is the governing phase's share of the daily target {target_text}: {}.",
                    self.zone,
                    caps.join(", ")
                ),
                "none",
                vec![target("A", "time_series", self.day_volume_accepted()), target("B", "time_series", Self::day_volume_signed()), target("C", "time_series", self.phase_cap())],
            )
            .steps()
            .size(24, 9),
            PanelSpec::new("timeseries", "Payout queue depth per network", format!("Payouts accepted and not yet confirmed or failed, at the end of each {w}-min window."), "none", vec![target("A", "time_series", self.queue_depth("network"))]),
            PanelSpec::new("timeseries", "Payout queue depth per hot wallet", format!("Payouts accepted and not yet confirmed or failed, at the end of each {w}-min window, per paying wallet."), "none", vec![target("A", "time_series", self.queue_depth("wallet"))]),
            PanelSpec::new(
                "timeseries",
                format!("p95 pass-through per network ({w}-min windows)"),
                "Rollback rule 1 looks at each network: p95 above the red line in 2 consecutive windows with a growing queue.",
                "ns",
                vec![target("A", "time_series", self.pass_through_p95(Some("network")))],
            )
            .thresholds(self.pass_thresholds()),
            PanelSpec::new(
                "timeseries",
                format!("p95 pass-through per hot wallet ({w}-min windows)"),
                "A breach by exactly one wallet recommends a partial rollback of that wallet.",
                "ns",
                vec![target("A", "time_series", self.pass_through_p95(Some("wallet")))],
            )
            .thresholds(self.pass_thresholds()),
            PanelSpec::new("timeseries", "Confirmed outflow per hot wallet per business day", "Sum of the amounts each wallet paid (payouts confirmed in the range), token units, per business day of confirmation.", "none", vec![target("A", "time_series", self.outflow_per_wallet_per_day())]).bars(),
            PanelSpec::new("table", "Hot wallets at the end of the range", "Queue depth and oldest payout in flight at the range's end; outflow and failures in the range.", "none", vec![target("A", "table", Self::wallets_now())])
                .unit_of("oldest in flight", "ns"),
        ];
        Dashboard {
            name: "treasury",
            uid: "clubgate-treasury",
            title: "ClubGate — Treasury",
            model: self.dashboard(
                "clubgate-treasury",
                "ClubGate — Treasury",
                &format!("Payout queue, pass-through and volume against the phase cap, per network and hot wallet. Wallet balances against min_hot_balance are not shown: the ledger's events carry no balances (docs/events.md). {}", self.provenance()),
                "now-24h",
                panels,
            ),
        }
    }

    fn trust(&self) -> Dashboard {
        let after = self.eod_unsettled_after_ns / MINUTE_NS;
        let panels = vec![
            PanelSpec::new("stat", "p95 EOD — latest business day", format!("SLO ≤ {} min; EOD duration = settled − cut-off.", self.eod_slo_ns / MINUTE_NS), "ns", vec![target("A", "time_series", self.eod_p95_series())]).thresholds(self.eod_thresholds()),
            PanelSpec::new("stat", "Partial and T+1 shares", "Of the EOD settlements in the range: the share settled partially and the share deferred to T+1 (KPI of seed §11).", "percentunit", vec![target("A", "table", Self::settlement_shares())])
                .unit_of("settlements", "none")
                .size(6, 5),
            PanelSpec::new(
                "stat",
                "Unsettled sessions at the end of the range",
                format!("Sessions past their cut-off and not settled; rollback rule 2 looks at those {after} min or more after cut-off."),
                "none",
                vec![target("A", "table", self.unsettled_now())],
            )
            .thresholds(thresholds("green", &[(1.0, "red")]))
            .size(12, 5),
            PanelSpec::new("table", "EOD per business day", format!("Sessions by the {} date of their cut-off (cut off in the range): p95 EOD over the settled ones, unsettled at the range's end, settled by mode.", self.zone), "none", vec![target("A", "table", self.eod_per_day())])
                .unit_of("p95 EOD", "ns"),
            PanelSpec::new("timeseries", "Unsettled sessions", "At the end of each window: sessions past their cut-off and not settled, and those past the rollback rule's minutes.", "none", vec![target("A", "time_series", self.unsettled_series())]).steps(),
            PanelSpec::new("table", "EOD sessions", "Sessions cut off in the range, newest first; EOD duration when settled, time since cut-off when not.", "none", vec![target("A", "table", Self::sessions_table())])
                .unit_of("EOD duration", "ns")
                .unit_of("unsettled for", "ns")
                .size(24, 9),
        ];
        Dashboard {
            name: "trust",
            uid: "clubgate-trust",
            title: "ClubGate — Trust",
            model: self.dashboard(
                "clubgate-trust",
                "ClubGate — Trust",
                &format!("EOD sessions of the trust pairs: settlement times, partial / T+1, unsettled. {}", self.provenance()),
                "now-7d",
                panels,
            ),
        }
    }

    fn webhooks(&self) -> Dashboard {
        let hw = self.webhook_minutes();
        let panels = vec![
            PanelSpec::new(
                "stat",
                format!("Webhook success — last complete {hw}-min window"),
                format!(
                    "SLO ≥ {}; rollback rule 3 below {} with a growing dead-letter queue.",
                    percent_text(self.webhook_slo_basis_points),
                    percent_text(self.webhook_rollback_basis_points)
                ),
                "percentunit",
                vec![target("A", "time_series", self.webhook_success())],
            )
            .thresholds(self.webhook_thresholds()),
            PanelSpec::new(
                "stat",
                "Dead-letter depth at the end of the range",
                "Webhooks dead-lettered and not replayed.",
                "none",
                vec![target("A", "table", Self::dead_letter_now())],
            )
            .thresholds(thresholds("green", &[(1.0, "orange")])),
            PanelSpec::new(
                "stat",
                "Webhook error budget",
                format!(
                    "Over the range: the failures a {} SLO allows (rounded down), the failures seen, what is left.",
                    percent_text(self.webhook_slo_basis_points)
                ),
                "none",
                vec![target("A", "table", self.webhook_error_budget())],
            )
            .size(12, 5),
            PanelSpec::new(
                "timeseries",
                format!("Webhook success per {hw}-min window"),
                "2xx attempts / attempts finished in the window, plotted at its start; a window without attempts has no point.",
                "percentunit",
                vec![target("A", "time_series", self.webhook_success())],
            )
            .thresholds(self.webhook_thresholds()),
            PanelSpec::new(
                "timeseries",
                "Dead-letter depth",
                format!("At the end of each {hw}-min window."),
                "none",
                vec![target("A", "time_series", self.dead_letter_series())],
            )
            .steps(),
            PanelSpec::new(
                "timeseries",
                format!("Webhook attempts per {hw}-min window"),
                "2xx and failed (another status or no answer).",
                "none",
                vec![target("A", "time_series", self.webhook_attempts())],
            )
            .bars()
            .size(24, 8),
        ];
        Dashboard {
            name: "webhooks",
            uid: "clubgate-webhooks",
            title: "ClubGate — Webhooks",
            model: self.dashboard(
                "clubgate-webhooks",
                "ClubGate — Webhooks",
                &format!("Webhook delivery to partners and the dead-letter queue. {}", self.provenance()),
                "now-24h",
                panels,
            ),
        }
    }
}

/// The four dashboards of seed §14.
fn dashboards(constants: &Constants) -> Vec<Dashboard> {
    vec![constants.executive(), constants.treasury(), constants.trust(), constants.webhooks()]
}
