//! The daily report (seed §8 T+24h): SLO, volumes per network against the phase cap,
//! EOD with the partial/T+1 shares, and the incidents as the bug list, over one plan-zone
//! business day up to the report's instant.

use clubgate_core::ledger::Scope;

use crate::chart::{Chart, Series, Threshold, PALETTE, ROLLBACK};
use crate::doc::{escape, Doc};
use crate::error::Result;
use crate::figures::{scopes, share, Ctx, Unit};
use crate::views::{self, gauge, over, EodBasis};
use crate::ReportFiles;

pub(crate) fn write(ctx: &Ctx<'_>, from: i64, to: i64) -> Result<ReportFiles> {
    let mut doc = Doc::default();
    let day = clubgate_core::ledger::instant(from).to_zoned_datetime(ctx.tz.clone()).date();
    views::header(&mut doc, ctx, &format!("Daily report — business day {day}"), from, to);
    let windows = ctx.windows(from, to, ctx.plan.slos.window_minutes);

    doc.heading(2, "SLO");
    views::slo_table(&mut doc, ctx, "slo", from, to, EodBasis::CutOff);
    let missed: Vec<String> = windows
        .iter()
        .filter_map(|&(s, e)| {
            let p95 = ctx.pass_through_p95(&Scope::Global, s, e)?;
            (p95 > i128::from(ctx.plan.slos.pass_through_p95_max_minutes) * i128::from(clubgate_core::ledger::MINUTE_NS))
                .then(|| format!("{}–{} p95 {}", ctx.clock(s), ctx.clock(e), views::minutes_of(Some(p95))))
        })
        .collect();
    if !missed.is_empty() {
        doc.line(&format!("Windows over the pass-through SLO: {}.", missed.join("; ")));
    }
    views::rules(&mut doc, ctx);

    doc.heading(2, "Volumes per network and the phase cap");
    volumes(&mut doc, ctx, from, to);

    doc.heading(2, "EOD and partial/T+1");
    eod(&mut doc, ctx, from, to);

    doc.heading(2, "Webhooks");
    views::webhooks(&mut doc, ctx, "webhooks", from, to);

    doc.heading(2, "Incidents (bug list)");
    views::incidents(&mut doc, ctx, "incidents", from, to);

    // Every window's figures are in the CSV (they are the charts' points); the Markdown
    // names only the windows over the SLO above.
    views::window_table(&mut doc, ctx, &windows, false);
    let label = views::clock_label(ctx, from, "%H:%M");
    views::charts_section(&mut doc, |doc| {
        views::window_charts(doc, ctx, "daily", &windows, &label)?;
        volume_chart(doc, ctx, from, to, &label)
    })?;
    Ok(doc.finish(ctx))
}

fn volumes(doc: &mut Doc, ctx: &Ctx<'_>, from: i64, to: i64) {
    let section = "volumes";
    let mut rows = Vec::new();
    for (scope, name) in scopes().into_iter().skip(1).chain(std::iter::once(scopes()[0].clone())) {
        let label = scope.label();
        let label = label.as_str();
        rows.push(vec![
            name.to_owned(),
            doc.figure(over(section, "payouts.accepted", label, from, to, Unit::Count), ctx.accepted(&scope, from, to)),
            doc.figure(over(section, "volume.accepted", label, from, to, Unit::BaseUnits), ctx.volume_accepted(&scope, from, to)),
            doc.figure(over(section, "payouts.confirmed", label, from, to, Unit::Count), ctx.confirmed(&scope, from, to)),
            doc.figure(over(section, "volume.confirmed", label, from, to, Unit::BaseUnits), ctx.volume_confirmed(&scope, from, to)),
            doc.figure(over(section, "payouts.failed", label, from, to, Unit::Count), ctx.failed(&scope, from, to)),
            doc.figure(gauge(section, "queue.depth", label, ctx.at, Unit::Count), ctx.queue_depth(&scope, ctx.at)),
        ]);
    }
    doc.table(
        &[
            "network",
            "payouts accepted",
            "volume accepted (tokens)",
            "payouts confirmed",
            "volume confirmed (tokens)",
            "failed",
            &format!("queue at {}", ctx.clock(ctx.at)),
        ],
        &rows,
    );
    // The cap of the phase that governs the day's last instant so far (the highest cap the
    // day reached: caps only grow from phase to phase).
    match ctx.phase_cap(to - 1) {
        None => doc.line("Phase cap: no data (the launch's first phase had not started)."),
        Some((phase, cap)) => {
            let percent = doc
                .figure(over(section, "volume.cap_percent", "global", from, to, Unit::Percent), Some(i128::from(phase.volume_cap_percent)));
            let cap_shown = doc.figure(over(section, "volume.cap", "global", from, to, Unit::BaseUnits), cap);
            let accepted = ctx.volume_accepted(&Scope::Global, from, to);
            let used = accepted.zip(cap).and_then(|(v, c)| share(v as u128, c as u128));
            let used_shown = doc.figure(over(section, "volume.cap_used", "global", from, to, Unit::BasisPoints), used);
            let target =
                if ctx.daily_target.is_some() { "" } else { " (no treasury file gives the daily target: the cap in tokens is unknown)" };
            doc.line(&format!(
                "Phase cap: {} ≤ {percent} of the daily target = {cap_shown} tokens{target}; accepted volume used {used_shown} of it.",
                escape(&phase.name.en)
            ));
        }
    }
}

fn eod(doc: &mut Doc, ctx: &Ctx<'_>, from: i64, to: i64) {
    let section = "eod";
    let (sessions, p95, unsettled) = ctx.cut_off_sessions(from, to);
    let [full, partial, next_day] = ctx.settlements(from, to);
    let settled = full.zip(partial).zip(next_day).map(|((f, p), n)| f + p + n);
    let share_of = |part: Option<i128>| part.zip(settled).and_then(|(p, s)| share(p as u128, s as u128));
    let either = partial.zip(next_day).map(|(p, n)| p + n);
    let rows = vec![
        vec![
            "sessions with their cut-off this day".to_owned(),
            doc.figure(over(section, "eod.cut_off_sessions", "global", from, to, Unit::Count), sessions),
        ],
        vec!["p95 EOD of those settled".to_owned(), doc.figure(over(section, "eod.cut_off_p95", "global", from, to, Unit::Seconds), p95)],
        vec![
            "of them not settled".to_owned(),
            doc.figure(over(section, "eod.cut_off_unsettled", "global", from, to, Unit::Count), unsettled),
        ],
        vec!["settlements this day".to_owned(), doc.figure(over(section, "eod.settled", "global", from, to, Unit::Count), settled)],
        vec!["full".to_owned(), doc.figure(over(section, "eod.settled_full", "global", from, to, Unit::Count), full)],
        vec!["partial".to_owned(), doc.figure(over(section, "eod.settled_partial", "global", from, to, Unit::Count), partial)],
        vec!["T+1".to_owned(), doc.figure(over(section, "eod.settled_next_day", "global", from, to, Unit::Count), next_day)],
        vec![
            "partial %".to_owned(),
            doc.figure(over(section, "eod.partial_share", "global", from, to, Unit::BasisPoints), share_of(partial)),
        ],
        vec![
            "T+1 %".to_owned(),
            doc.figure(over(section, "eod.next_day_share", "global", from, to, Unit::BasisPoints), share_of(next_day)),
        ],
        vec![
            "partial/T+1 %".to_owned(),
            doc.figure(over(section, "eod.partial_or_next_day_share", "global", from, to, Unit::BasisPoints), share_of(either)),
        ],
        vec![
            format!("unsettled past cut-off at {}", ctx.local(ctx.at)),
            doc.figure(gauge(section, "eod.unsettled", "global", ctx.at, Unit::Count), ctx.unsettled(ctx.at)),
        ],
    ];
    doc.table(&["EOD", "value"], &rows);
    let listed: Vec<String> = ctx
        .ledger
        .sessions
        .iter()
        .filter(|s| s.opened < to && (from..to).contains(&s.cut_off))
        .map(|s| {
            let state = match s.settled {
                Some((at, mode)) => format!("settled {} ({}) at {}", mode_text(mode), views::duration_text(at - s.cut_off), ctx.clock(at)),
                None => format!("not settled, {} after cut-off", views::duration_text(ctx.at - s.cut_off)),
            };
            format!("{} ({}), cut-off {}: {state}", escape(&s.id), escape(&s.trust_pair), ctx.clock(s.cut_off))
        })
        .collect();
    if !listed.is_empty() {
        doc.list(&listed);
    }
}

fn mode_text(mode: clubgate_core::events::SettleMode) -> &'static str {
    match mode {
        clubgate_core::events::SettleMode::Full => "full",
        clubgate_core::events::SettleMode::Partial => "partial",
        clubgate_core::events::SettleMode::NextDay => "T+1",
    }
}

/// The accepted volume through the day per network and in all, against the phase cap.
fn volume_chart(doc: &mut Doc, ctx: &Ctx<'_>, from: i64, to: i64, label: &dyn Fn(f64) -> String) -> Result<()> {
    if !ctx.traffic(from, to) {
        return Ok(());
    }
    let step = 15 * clubgate_core::ledger::MINUTE_NS;
    let mut ends: Vec<i64> = (1..).map(|k| from + k * step).take_while(|end| *end < to).collect();
    ends.push(to);
    let tokens = |units: u128| units as f64 / 1e6;
    let colors = [PALETTE[0], PALETTE[1], PALETTE[2]];
    let series: Vec<Series> = scopes()
        .into_iter()
        .zip(colors)
        .map(|((scope, name), color)| Series {
            name: name.to_owned(),
            color,
            points: std::iter::once((0.0, Some(0.0)))
                .chain(ends.iter().map(|&end| (views::hours(from, end), Some(tokens(ctx.volume_accepted_before(&scope, from, end))))))
                .collect(),
        })
        .collect();
    let mut thresholds = Vec::new();
    if let Some((phase, Some(cap))) = ctx.phase_cap(to - 1) {
        thresholds.push(Threshold {
            name: format!("cap {} % ({})", phase.volume_cap_percent, phase.id),
            color: ROLLBACK,
            value: tokens(cap as u128),
        });
    }
    let top =
        series.iter().flat_map(|s| s.points.iter().filter_map(|p| p.1)).chain(thresholds.iter().map(|t| t.value)).fold(1.0f64, f64::max);
    views::add_chart(
        doc,
        "daily-volume.svg".to_owned(),
        &Chart {
            title: "Accepted volume through the day (tokens) and the phase cap",
            series: &series,
            thresholds: &thresholds,
            x_hours: views::hours(from, to),
            y_range: (0.0, top * 1.1),
            label_x: label,
            markers: false,
        },
    )
}
