//! The KPI report (seed §11, the plan's `[[kpis]]`): each KPI per launch phase and over the
//! whole period from the pilot's start, SLO attainment, and the KPIs per business day.

use clubgate_core::ledger::{instant, ns, Scope, MINUTE_NS};

use crate::chart::{Chart, Series, Threshold, PALETTE, SLO};
use crate::doc::{escape, Doc};
use crate::error::{Error, Result};
use crate::figures::{basis_points_text, Ctx, Unit};
use crate::views::{self, over, EodBasis};
use crate::ReportFiles;

/// The KPIs this report computes, in the seed's order.
const KNOWN: [&str; 6] =
    ["t0-to-first-eod", "partial-t1-share", "p95-pass-through-eod", "webhook-success", "incidents", "offer-conversion"];

/// A column: a phase's part of the period, or the whole period.
struct Column {
    title: String,
    section: String,
    from: i64,
    to: i64,
    whole: bool,
}

pub(crate) fn write(ctx: &Ctx<'_>, from: i64, to: i64) -> Result<ReportFiles> {
    let mut doc = Doc::default();
    views::header(&mut doc, ctx, "KPI report (seed §11)", from, to);

    let mut columns: Vec<Column> = ctx
        .plan
        .phases
        .iter()
        .zip(&ctx.launch.table.phases)
        .filter_map(|(phase, dates)| {
            let (start, end) = (ns(dates.start.timestamp()).max(from), ns(dates.end.timestamp()).min(to));
            (start < end).then(|| Column {
                title: escape(&phase.name.en),
                section: format!("kpi:{}", phase.id),
                from: start,
                to: end,
                whole: false,
            })
        })
        .collect();
    columns.push(Column { title: "whole period".to_owned(), section: "kpi:period".to_owned(), from, to, whole: true });

    doc.heading(2, "KPIs");
    let spans: Vec<String> =
        columns.iter().filter(|c| !c.whole).map(|c| format!("{} [{}, {})", c.title, ctx.local(c.from), ctx.local(c.to))).collect();
    if !spans.is_empty() {
        doc.line(&format!("Phases in the period: {}.", spans.join("; ")));
    }
    let mut rows = Vec::new();
    for id in KNOWN {
        let name = ctx.plan.kpis.iter().find(|k| k.id == id).map_or_else(|| default_name(id).to_owned(), |k| escape(&k.name.en));
        let mut row = vec![name];
        for column in &columns {
            row.push(cell(&mut doc, ctx, id, column));
        }
        rows.push(row);
    }
    let unknown: Vec<String> = ctx.plan.kpis.iter().filter(|k| !KNOWN.contains(&k.id.as_str())).map(|k| escape(&k.id)).collect();
    let mut headers: Vec<&str> = vec!["KPI"];
    headers.extend(columns.iter().map(|c| c.title.as_str()));
    doc.table(&headers, &rows);
    if !unknown.is_empty() {
        doc.line(&format!("Not computed by this version (the plan names them): {}.", unknown.join(", ")));
    }

    doc.heading(2, "SLO attainment over the period");
    views::slo_table(&mut doc, ctx, "slo", from, to, EodBasis::Settled);

    views::charts_section(&mut doc, |doc| daily_charts(doc, ctx, from, to))?;
    Ok(doc.finish(ctx))
}

fn default_name(id: &str) -> &'static str {
    match id {
        "t0-to-first-eod" => "Time from T0 to the first EOD settlement.",
        "partial-t1-share" => "% partial/T+1 in EOD.",
        "p95-pass-through-eod" => "p95 pass-through / p95 EOD.",
        "webhook-success" => "% successful webhooks.",
        "incidents" => "Number of incidents (SEV1/2/3).",
        _ => "Offer→deal conversion, cancellations.",
    }
}

fn cell(doc: &mut Doc, ctx: &Ctx<'_>, id: &str, column: &Column) -> String {
    let (section, from, to) = (column.section.as_str(), column.from, column.to);
    match id {
        "t0-to-first-eod" if column.whole => {
            doc.figure(over(section, "t0_to_first_eod", "global", ctx.t0, to, Unit::Seconds), ctx.t0_to_first_eod(to))
        }
        "t0-to-first-eod" => "n/a (measured from T0 over the whole period)".to_owned(),
        "partial-t1-share" => {
            let [full, partial, next_day] = ctx.settlements(from, to);
            let settled = full.zip(partial).zip(next_day).map(|((f, p), n)| f + p + n);
            let share_of = |part: Option<i128>| part.zip(settled).and_then(|(p, s)| crate::figures::share(p as u128, s as u128));
            let either = partial.zip(next_day).map(|(p, n)| p + n);
            let settled_shown = doc.figure(over(section, "eod.settled", "global", from, to, Unit::Count), settled);
            let both = doc.figure(over(section, "eod.partial_or_next_day_share", "global", from, to, Unit::BasisPoints), share_of(either));
            let partial = doc.figure(over(section, "eod.partial_share", "global", from, to, Unit::BasisPoints), share_of(partial));
            let next_day = doc.figure(over(section, "eod.next_day_share", "global", from, to, Unit::BasisPoints), share_of(next_day));
            format!("{both} (partial {partial}, T+1 {next_day}; {settled_shown} settlements)")
        }
        "p95-pass-through-eod" => {
            let pass = doc.figure(
                over(section, "pass_through.p95", "global", from, to, Unit::Seconds),
                ctx.pass_through_p95(&Scope::Global, from, to),
            );
            let eod = doc.figure(over(section, "eod.p95", "global", from, to, Unit::Seconds), ctx.eod_p95_settled(from, to));
            format!("{pass} / {eod}")
        }
        "webhook-success" => {
            let (attempts, _) = ctx.webhooks(from, to);
            let attempts = doc.figure(over(section, "webhooks.attempts", "global", from, to, Unit::Count), attempts);
            let success =
                doc.figure(over(section, "webhooks.success", "global", from, to, Unit::BasisPoints), ctx.webhook_success(from, to));
            format!("{success} of {attempts} attempts")
        }
        "incidents" => {
            let (by_sev, _) = ctx.incidents_opened(from, to);
            let parts: Vec<String> = by_sev
                .into_iter()
                .enumerate()
                .map(|(index, value)| {
                    let scope = format!("sev{}", index + 1);
                    doc.figure(over(section, "incidents.opened", &scope, from, to, Unit::Count), value)
                })
                .collect();
            parts.join(" / ")
        }
        _ => {
            let [offered, completed, cancelled] = ctx.deals(from, to);
            let rate = |part: Option<i128>| part.zip(offered).and_then(|(p, o)| crate::figures::share(p as u128, o as u128));
            let offered_shown = doc.figure(over(section, "deals.offered", "global", from, to, Unit::Count), offered);
            let conversion = doc.figure(over(section, "deals.conversion", "global", from, to, Unit::BasisPoints), rate(completed));
            let cancellation = doc.figure(over(section, "deals.cancellation", "global", from, to, Unit::BasisPoints), rate(cancelled));
            doc.figure(over(section, "deals.completed", "global", from, to, Unit::Count), completed);
            doc.figure(over(section, "deals.cancelled", "global", from, to, Unit::Count), cancelled);
            format!("{conversion} converted, {cancellation} cancelled (of {offered_shown} offers)")
        }
    }
}

/// The plan-zone business days from the first event's (or the period's start) to the
/// period's end: `[start, end)` each.
pub(crate) fn business_days(ctx: &Ctx<'_>, from: i64, to: i64) -> Result<Vec<(i64, i64)>> {
    let Some(first) = ctx.first_event().map(|f| f.max(from)).filter(|f| *f < to) else { return Ok(Vec::new()) };
    let time = |source| Error::Time { what: "a business day".to_owned(), source };
    let mut day = instant(first).to_zoned_datetime(ctx.tz.clone()).start_of_day().map_err(time)?;
    let mut days = Vec::new();
    while ns(day.timestamp()) < to && days.len() < 400 {
        let next = day.tomorrow().and_then(|d| d.start_of_day()).map_err(time)?;
        days.push((ns(day.timestamp()).max(from), ns(next.timestamp()).min(to)));
        day = next;
    }
    Ok(days)
}

/// The KPIs per business day: p95 pass-through and p95 EOD, and webhook success.
fn daily_charts(doc: &mut Doc, ctx: &Ctx<'_>, from: i64, to: i64) -> Result<()> {
    let days = business_days(ctx, from, to)?;
    let (Some(&(start, _)), Some(&(_, end))) = (days.first(), days.last()) else { return Ok(()) };
    if !ctx.traffic(start, end) {
        return Ok(());
    }
    let x = |at: i64| views::hours(start, at);
    let minutes = |nanos: i128| nanos as f64 / MINUTE_NS as f64;
    let label = views::clock_label(ctx, start, "%d %b %H:%M");
    // Each day's point sits at its end.
    let per_day =
        |value: &dyn Fn(i64, i64) -> Option<f64>| -> Vec<(f64, Option<f64>)> { days.iter().map(|&(s, e)| (x(e), value(s, e))).collect() };
    let series = [
        Series {
            name: "p95 pass-through".to_owned(),
            color: PALETTE[1],
            points: per_day(&|s, e| ctx.pass_through_p95(&Scope::Global, s, e).map(minutes)),
        },
        Series { name: "p95 EOD".to_owned(), color: PALETTE[2], points: per_day(&|s, e| ctx.eod_p95_settled(s, e).map(minutes)) },
    ];
    let top = series.iter().flat_map(|s| s.points.iter().filter_map(|p| p.1)).fold(f64::from(ctx.plan.slos.eod_p95_max_minutes), f64::max);
    views::add_chart(
        doc,
        "kpi-p95.svg".to_owned(),
        &Chart {
            title: "p95 pass-through and p95 EOD per business day (min)",
            series: &series,
            thresholds: &[
                Threshold {
                    name: format!("pass-through SLO {} min", ctx.plan.slos.pass_through_p95_max_minutes),
                    color: PALETTE[3],
                    value: f64::from(ctx.plan.slos.pass_through_p95_max_minutes),
                },
                Threshold {
                    name: format!("EOD SLO {} min", ctx.plan.slos.eod_p95_max_minutes),
                    color: SLO,
                    value: f64::from(ctx.plan.slos.eod_p95_max_minutes),
                },
            ],
            x_hours: x(end),
            y_range: (0.0, top * 1.15),
            label_x: &label,
            markers: true,
        },
    )?;
    let hooks = [Series {
        name: "webhook success".to_owned(),
        color: PALETTE[0],
        points: per_day(&|s, e| ctx.webhook_success(s, e).map(|bp| bp as f64 / 100.0)),
    }];
    views::add_chart(
        doc,
        "kpi-webhooks.svg".to_owned(),
        &Chart {
            title: "Webhook success per business day (%)",
            series: &hooks,
            thresholds: &[Threshold {
                name: format!("SLO {}", basis_points_text(i128::from(ctx.plan.slos.webhook_success_min_basis_points))),
                color: SLO,
                value: f64::from(ctx.plan.slos.webhook_success_min_basis_points) / 100.0,
            }],
            x_hours: x(end),
            y_range: (80.0, 100.5),
            label_x: &label,
            markers: true,
        },
    )
}
