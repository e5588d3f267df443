//! Sections and charts more than one report shows: the header, the SLO table, queues,
//! webhooks, incidents, the rollback rules and the per-window charts.

use clubgate_core::ledger::{instant, Incident, Scope, MINUTE_NS};
use clubgate_core::rollback::{evaluate, rule_states, Recommendation, RuleState};

use crate::chart::{draw, Chart, Series, Threshold, PALETTE, ROLLBACK, SLO};
use crate::doc::{escape, Doc, Key};
use crate::error::{Error, Result};
use crate::figures::{basis_points_text, minutes_text, scopes, share, Ctx, Unit};

/// The no-data sentence of a section whose period saw no event.
pub(crate) const NO_DATA: &str = "no data: the ledger holds no event in this period";

/// A figure over `[from, to)` in `section`.
pub(crate) fn over<'s>(section: &'s str, name: &'static str, scope: &'s str, from: i64, to: i64, unit: Unit) -> Key<'s> {
    Key { section, name, scope, from: Some(from), to, unit }
}

/// A gauge at `at` in `section`.
pub(crate) fn gauge<'s>(section: &'s str, name: &'static str, scope: &'s str, at: i64, unit: Unit) -> Key<'s> {
    Key { section, name, scope, from: None, to: at, unit }
}

/// The title, the launch and the period, with the period's event count.
pub(crate) fn header(doc: &mut Doc, ctx: &Ctx<'_>, title: &str, from: i64, to: i64) {
    doc.heading(1, title);
    let plan = ctx.plan;
    doc.line(&format!(
        "Plan `{}` v{} · T0 {} ({}) · report at {}",
        escape(&plan.id),
        escape(&plan.version),
        ctx.rfc3339(ctx.t0),
        ctx.tz.iana_name().unwrap_or("plan zone"),
        ctx.rfc3339(ctx.at)
    ));
    let events = doc.figure(over("summary", "events", "global", from, to, Unit::Count), ctx.events(from, to));
    doc.line(&format!("Period [{}, {}) · events in the period: {events}", ctx.rfc3339(from), ctx.rfc3339(to)));
}

/// Which EOD figure the SLO table shows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum EodBasis {
    /// Sessions settled in the period (`eod.p95`).
    Settled,
    /// Sessions whose cut-off is in the period (`eod.cut_off_p95`).
    CutOff,
}

/// The SLO table: each SLO's target, its value over the period and its attainment.
pub(crate) fn slo_table(doc: &mut Doc, ctx: &Ctx<'_>, section: &str, from: i64, to: i64, eod: EodBasis) {
    let slos = &ctx.plan.slos;
    let mut rows = Vec::new();

    let p95 =
        doc.figure(over(section, "pass_through.p95", "global", from, to, Unit::Seconds), ctx.pass_through_p95(&Scope::Global, from, to));
    let (windows, met) = ctx.pass_through_attainment(from, to);
    rows.push(attainment_row(
        doc,
        (section, "pass_through"),
        from,
        to,
        format!("p95 pass-through ≤ {} min", slos.pass_through_p95_max_minutes),
        p95,
        (windows, met),
        "windows",
    ));

    let eod_value = match eod {
        EodBasis::Settled => doc.figure(over(section, "eod.p95", "global", from, to, Unit::Seconds), ctx.eod_p95_settled(from, to)),
        EodBasis::CutOff => {
            doc.figure(over(section, "eod.cut_off_p95", "global", from, to, Unit::Seconds), ctx.cut_off_sessions(from, to).1)
        }
    };
    let (days, days_met) = ctx.eod_attainment(from, to);
    rows.push(attainment_row(
        doc,
        (section, "eod"),
        from,
        to,
        format!("p95 EOD ≤ {} min", slos.eod_p95_max_minutes),
        eod_value,
        (days, days_met),
        "days",
    ));

    let success = doc.figure(over(section, "webhooks.success", "global", from, to, Unit::BasisPoints), ctx.webhook_success(from, to));
    let (windows, met) = ctx.webhook_attainment(from, to);
    rows.push(attainment_row(
        doc,
        (section, "webhooks"),
        from,
        to,
        format!(
            "webhook success ≥ {} per {}-min window",
            basis_points_text(i128::from(slos.webhook_success_min_basis_points)),
            slos.webhook_window_minutes
        ),
        success,
        (windows, met),
        "windows",
    ));
    doc.table(&["SLO", "value over the period", "met", "of", "attainment"], &rows);
}

#[allow(clippy::too_many_arguments)]
fn attainment_row(
    doc: &mut Doc,
    (section, family): (&str, &'static str),
    from: i64,
    to: i64,
    target: String,
    value: String,
    (with_data, met): (Option<i128>, Option<i128>),
    what: &str,
) -> Vec<String> {
    let (name_total, name_met, name_share) = match family {
        "pass_through" => ("pass_through.windows", "pass_through.windows_met", "pass_through.attainment"),
        "eod" => ("eod.days", "eod.days_met", "eod.attainment"),
        _ => ("webhooks.windows", "webhooks.windows_met", "webhooks.attainment"),
    };
    let total = doc.figure(over(section, name_total, "global", from, to, Unit::Count), with_data);
    let met_shown = doc.figure(over(section, name_met, "global", from, to, Unit::Count), met);
    let attainment = met.zip(with_data).and_then(|(m, w)| share(m as u128, w as u128));
    let share_shown = doc.figure(over(section, name_share, "global", from, to, Unit::BasisPoints), attainment);
    vec![target, value, met_shown, format!("{total} {what}"), share_shown]
}

/// The rollback recommendation at the report's instant, with each rule's state.
pub(crate) fn rules(doc: &mut Doc, ctx: &Ctx<'_>) {
    if !ctx.seen_before(ctx.at) {
        doc.line("Rollback rules: no data (no event before the report's instant).");
        return;
    }
    let evaluation = evaluate(&ctx.ledger, ctx.plan, &ctx.tz, ctx.at);
    let recommendation = recommendation_text(&evaluation.recommendation);
    doc.line(&format!("Rollback recommendation at {}: **{recommendation}**", ctx.local(ctx.at)));
    let rows: Vec<Vec<String>> = rule_states(&ctx.ledger, ctx.plan, &ctx.tz, &evaluation)
        .into_iter()
        .map(|status| {
            let state = match status.state {
                RuleState::Ok => "ok",
                RuleState::Watching => "watching",
                RuleState::Triggered => "**triggered**",
            };
            vec![rule_name(status.rule).to_owned(), state.to_owned(), escape(&status.detail)]
        })
        .collect();
    doc.table(&["rollback rule", "state", "detail"], &rows);
}

/// `none`, `partial (network:trc20)`, `full`.
pub(crate) fn recommendation_text(recommendation: &Recommendation) -> String {
    match recommendation {
        Recommendation::Partial(scope) => format!("partial ({})", scope.label()),
        other => other.label().to_owned(),
    }
}

fn rule_name(rule: clubgate_core::rollback::Rule) -> &'static str {
    use clubgate_core::rollback::Rule;
    match rule {
        Rule::PassThrough => "1. p95 pass-through and queue growth",
        Rule::EodUnsettled => "2. EOD unsettled after cut-off",
        Rule::Webhooks => "3. webhook success and dead-letter growth",
        Rule::Sev1 => "4. open SEV1 incident",
    }
}

/// Per scope: payouts accepted, confirmed and failed, the queue at the period's start and at
/// the report's instant, and the p95 pass-through over the period.
pub(crate) fn queues(doc: &mut Doc, ctx: &Ctx<'_>, section: &str, from: i64, to: i64) {
    let mut rows = Vec::new();
    for (scope, name) in scopes() {
        let label = scope.label();
        let label = label.as_str();
        rows.push(vec![
            name.to_owned(),
            doc.figure(over(section, "payouts.accepted", label, from, to, Unit::Count), ctx.accepted(&scope, from, to)),
            doc.figure(over(section, "payouts.confirmed", label, from, to, Unit::Count), ctx.confirmed(&scope, from, to)),
            doc.figure(over(section, "payouts.failed", label, from, to, Unit::Count), ctx.failed(&scope, from, to)),
            doc.figure(gauge(section, "queue.depth", label, from, Unit::Count), ctx.queue_depth(&scope, from)),
            doc.figure(gauge(section, "queue.depth", label, ctx.at, Unit::Count), ctx.queue_depth(&scope, ctx.at)),
            doc.figure(over(section, "pass_through.p95", label, from, to, Unit::Seconds), ctx.pass_through_p95(&scope, from, to)),
        ]);
    }
    doc.table(
        &[
            "network",
            "accepted",
            "confirmed",
            "failed",
            &format!("queue at {}", ctx.clock(from)),
            &format!("queue at {}", ctx.clock(ctx.at)),
            "p95 pass-through",
        ],
        &rows,
    );
}

/// One row per SLO window and scope: p95, confirmed payouts, queue at the window's end; and
/// the webhook attempts and success per window.
pub(crate) fn window_table(doc: &mut Doc, ctx: &Ctx<'_>, windows: &[(i64, i64)], show: bool) {
    let mut rows = Vec::new();
    let mut hook_rows = Vec::new();
    for &(start, end) in windows {
        for (scope, name) in scopes() {
            let label = scope.label();
            let label = label.as_str();
            rows.push(vec![
                format!("{}–{}", ctx.clock(start), ctx.clock(end)),
                name.to_owned(),
                doc.figure(over("windows", "pass_through.p95", label, start, end, Unit::Seconds), ctx.pass_through_p95(&scope, start, end)),
                doc.figure(over("windows", "payouts.confirmed", label, start, end, Unit::Count), ctx.confirmed(&scope, start, end)),
                doc.figure(gauge("windows", "queue.depth", label, end, Unit::Count), ctx.queue_depth(&scope, end)),
            ]);
        }
        let (attempts, _) = ctx.webhooks(start, end);
        hook_rows.push(vec![
            format!("{}–{}", ctx.clock(start), ctx.clock(end)),
            doc.figure(over("windows", "webhooks.attempts", "global", start, end, Unit::Count), attempts),
            doc.figure(over("windows", "webhooks.success", "global", start, end, Unit::BasisPoints), ctx.webhook_success(start, end)),
            doc.figure(gauge("windows", "dead_letter.depth", "global", end, Unit::Count), ctx.dead_letter_depth(end)),
        ]);
    }
    if !show {
        return;
    }
    if rows.is_empty() {
        doc.line("SLO windows: no data (the period holds no whole window).");
        return;
    }
    doc.table(&["window", "network", "p95 pass-through", "confirmed", "queue at end"], &rows);
    doc.table(&["window", "webhook attempts", "success", "dead-letter at end"], &hook_rows);
}

/// Webhook figures over the period.
pub(crate) fn webhooks(doc: &mut Doc, ctx: &Ctx<'_>, section: &str, from: i64, to: i64) {
    let (attempts, succeeded) = ctx.webhooks(from, to);
    let (budget, left) = ctx.webhook_budget(from, to);
    let (entered, replayed) = ctx.dead_letter_moves(from, to);
    let failures = attempts.zip(succeeded).map(|(a, s)| a - s);
    let rows = vec![
        vec!["attempts".to_owned(), doc.figure(over(section, "webhooks.attempts", "global", from, to, Unit::Count), attempts)],
        vec!["2xx".to_owned(), doc.figure(over(section, "webhooks.succeeded", "global", from, to, Unit::Count), succeeded)],
        vec!["failures".to_owned(), doc.figure(over(section, "webhooks.failures", "global", from, to, Unit::Count), failures)],
        vec![
            "error budget (failures the SLO allows)".to_owned(),
            doc.figure(over(section, "webhooks.error_budget", "global", from, to, Unit::Count), budget),
        ],
        vec![
            "error budget left".to_owned(),
            doc.figure(over(section, "webhooks.error_budget_left", "global", from, to, Unit::Count), left),
        ],
        vec!["dead-lettered".to_owned(), doc.figure(over(section, "dead_letter.entered", "global", from, to, Unit::Count), entered)],
        vec![
            "replayed from the dead-letter queue".to_owned(),
            doc.figure(over(section, "dead_letter.replayed", "global", from, to, Unit::Count), replayed),
        ],
        vec![
            format!("dead-letter depth at {}", ctx.local(from)),
            doc.figure(gauge(section, "dead_letter.depth", "global", from, Unit::Count), ctx.dead_letter_depth(from)),
        ],
        vec![
            format!("dead-letter depth at {}", ctx.local(ctx.at)),
            doc.figure(gauge(section, "dead_letter.depth", "global", ctx.at, Unit::Count), ctx.dead_letter_depth(ctx.at)),
        ],
    ];
    doc.table(&["webhooks", "value"], &rows);
}

/// Incident counts over the period by severity, the open ones at the report's instant, and
/// the list of the incidents that were open at some point of the period.
pub(crate) fn incidents(doc: &mut Doc, ctx: &Ctx<'_>, section: &str, from: i64, to: i64) {
    let (by_sev, all) = ctx.incidents_opened(from, to);
    let mut counts = Vec::new();
    for (index, value) in by_sev.into_iter().enumerate() {
        let scope = format!("sev{}", index + 1);
        counts.push(format!("SEV{} {}", index + 1, doc.figure(over(section, "incidents.opened", &scope, from, to, Unit::Count), value)));
    }
    let all = doc.figure(over(section, "incidents.opened", "all", from, to, Unit::Count), all);
    let resolved = doc.figure(over(section, "incidents.resolved", "all", from, to, Unit::Count), ctx.incidents_resolved(from, to));
    let open = doc.figure(gauge(section, "incidents.open", "all", ctx.at, Unit::Count), ctx.incidents_open(ctx.at));
    doc.line(&format!(
        "Opened in the period: {all} ({}) · resolved in the period: {resolved} · open at {}: {open}",
        counts.join(", "),
        ctx.local(ctx.at)
    ));
    let listed: Vec<&Incident> = ctx.ledger.incidents.iter().filter(|i| i.opened < to && i.resolved.is_none_or(|r| r >= from)).collect();
    if listed.is_empty() {
        doc.line(if ctx.traffic(from, to) { "No incident was open during the period." } else { NO_DATA });
        return;
    }
    let rows: Vec<Vec<String>> = listed.iter().map(|i| incident_row(ctx, i)).collect();
    doc.table(&["incident", "severity", "title", "opened", "resolved", "lasted"], &rows);
}

/// An incident as a table row.
pub(crate) fn incident_row(ctx: &Ctx<'_>, incident: &Incident) -> Vec<String> {
    let (resolved, lasted) = match incident.resolved {
        Some(at) => (ctx.local(at), duration_text(at - incident.opened)),
        None => ("open".to_owned(), format!("{} so far", duration_text(ctx.at - incident.opened))),
    };
    vec![escape(&incident.id), format!("SEV{}", incident.sev), escape(&incident.title), ctx.local(incident.opened), resolved, lasted]
}

/// `3 h 10 min`, `45 min`.
pub(crate) fn duration_text(nanos: i64) -> String {
    let minutes = nanos / MINUTE_NS;
    if minutes >= 60 {
        format!("{} h {} min", minutes / 60, minutes % 60)
    } else {
        format!("{minutes} min")
    }
}

/// Hours from `start` as the chart's x.
pub(crate) fn hours(start: i64, at: i64) -> f64 {
    (at - start) as f64 / (60.0 * MINUTE_NS as f64)
}

fn chart_error(file: &str) -> impl FnOnce(String) -> Error + '_ {
    move |reason| Error::Chart { name: file.to_owned(), reason }
}

/// Draws a chart into the report.
pub(crate) fn add_chart(doc: &mut Doc, file: String, spec: &Chart<'_>) -> Result<()> {
    let svg = draw(spec).map_err(chart_error(&file))?;
    doc.chart(file, spec.title, svg);
    Ok(())
}

/// The per-window charts: p95 pass-through per network, queue depths with the dead-letter
/// depth, webhook success. Nothing when the period saw no event.
pub(crate) fn window_charts(doc: &mut Doc, ctx: &Ctx<'_>, kind: &str, windows: &[(i64, i64)], label: &dyn Fn(f64) -> String) -> Result<()> {
    let (Some(&(start, _)), Some(&(_, end))) = (windows.first(), windows.last()) else { return Ok(()) };
    if !ctx.traffic(start, end) {
        return Ok(());
    }
    let x = |at: i64| hours(start, at);
    let plan = ctx.plan;
    let minutes = |nanos: i128| nanos as f64 / MINUTE_NS as f64;
    let colors = [PALETTE[0], PALETTE[1], PALETTE[2]];
    let pass: Vec<Series> = scopes()
        .into_iter()
        .zip(colors)
        .map(|((scope, name), color)| Series {
            name: name.to_owned(),
            color,
            points: windows.iter().map(|&(s, e)| (x(e), ctx.pass_through_p95(&scope, s, e).map(minutes))).collect(),
        })
        .collect();
    let pass_max = pass.iter().flat_map(|s| s.points.iter().filter_map(|p| p.1)).fold(40.0f64, f64::max).min(600.0);
    let markers = windows.len() <= 8;
    add_chart(
        doc,
        format!("{kind}-pass-through.svg"),
        &Chart {
            title: "p95 pass-through per window (min)",
            series: &pass,
            thresholds: &crate::chart::pass_through_thresholds(plan),
            x_hours: x(end),
            y_range: (0.0, pass_max * 1.1),
            label_x: label,
            markers,
        },
    )?;
    let mut depth: Vec<Series> = scopes()
        .into_iter()
        .zip(colors)
        .skip(1)
        .map(|((scope, name), color)| Series {
            name: name.to_owned(),
            color,
            points: windows.iter().map(|&(_, e)| (x(e), ctx.queue_depth(&scope, e).map(|d| d as f64))).collect(),
        })
        .collect();
    depth.push(Series {
        name: "dead-letter".to_owned(),
        color: PALETTE[3],
        points: windows.iter().map(|&(_, e)| (x(e), ctx.dead_letter_depth(e).map(|d| d as f64))).collect(),
    });
    let depth_max = depth.iter().flat_map(|s| s.points.iter().filter_map(|p| p.1)).fold(5.0f64, f64::max);
    add_chart(
        doc,
        format!("{kind}-queues.svg"),
        &Chart {
            title: "Queue depth per network and dead-letter depth at each window's end",
            series: &depth,
            thresholds: &[],
            x_hours: x(end),
            y_range: (0.0, depth_max * 1.15),
            label_x: label,
            markers,
        },
    )?;
    let hooks = [Series {
        name: "webhook success".to_owned(),
        color: PALETTE[0],
        points: windows.iter().map(|&(s, e)| (x(e), ctx.webhook_success(s, e).map(|bp| bp as f64 / 100.0))).collect(),
    }];
    add_chart(
        doc,
        format!("{kind}-webhooks.svg"),
        &Chart {
            title: "Webhook success per window (%)",
            series: &hooks,
            thresholds: &[
                Threshold {
                    name: format!("SLO {}", basis_points_text(i128::from(plan.slos.webhook_success_min_basis_points))),
                    color: SLO,
                    value: f64::from(plan.slos.webhook_success_min_basis_points) / 100.0,
                },
                Threshold {
                    name: format!("rollback < {}", basis_points_text(i128::from(plan.rollback.webhooks.success_below_basis_points))),
                    color: ROLLBACK,
                    value: f64::from(plan.rollback.webhooks.success_below_basis_points) / 100.0,
                },
            ],
            x_hours: x(end),
            y_range: (80.0, 100.5),
            label_x: label,
            markers,
        },
    )?;
    Ok(())
}

/// The charts section: its heading, then the charts or why there are none.
pub(crate) fn charts_section(doc: &mut Doc, draw_charts: impl FnOnce(&mut Doc) -> Result<()>) -> Result<()> {
    doc.heading(2, "Charts");
    let before = doc.chart_count();
    draw_charts(doc)?;
    if doc.chart_count() == before {
        doc.line(NO_DATA);
    }
    Ok(())
}

/// A label function for a chart starting at `start`: the plan zone's clock time.
pub(crate) fn clock_label<'c>(ctx: &'c Ctx<'_>, start: i64, format: &'static str) -> impl Fn(f64) -> String + 'c {
    move |x: f64| instant(start + (x * 60.0 * MINUTE_NS as f64) as i64).to_zoned_datetime(ctx.tz.clone()).strftime(format).to_string()
}

/// The minutes text of a figure value (for sentences).
pub(crate) fn minutes_of(value: Option<i128>) -> String {
    value.map_or_else(|| "no data".to_owned(), minutes_text)
}
