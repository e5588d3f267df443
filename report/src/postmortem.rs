//! The launch postmortem draft (seed §8 T+7d): what happened — a timeline of the decision
//! log, the incidents and the rollback recommendations — the SLO attainment, and what to
//! improve, derived from the data, for the team to complete.

use clubgate_core::ledger::{window_start, Scope, MINUTE_NS};
use clubgate_core::rollback::{describe, evaluate, Recommendation};

use crate::doc::{escape, Doc};
use crate::error::Result;
use crate::figures::{minutes_text, Ctx, Unit};
use crate::views::{self, gauge, over, EodBasis, NO_DATA};
use crate::{DecisionLine, ReportFiles};

/// A change of the rollback recommendation: when, to what, and the evidence then.
struct Change {
    at: i64,
    recommendation: Recommendation,
    evidence: Vec<String>,
}

pub(crate) fn write(ctx: &Ctx<'_>, from: i64, to: i64, decisions: &[&DecisionLine]) -> Result<ReportFiles> {
    let mut doc = Doc::default();
    views::header(&mut doc, ctx, "Launch postmortem draft (T+7d)", from, to);
    let decisions: Vec<&DecisionLine> =
        decisions.iter().copied().filter(|d| (from..to).contains(&clubgate_core::ledger::ns(d.at))).collect();
    let changes = recommendation_changes(ctx, from, to);

    doc.heading(2, "Summary");
    summary(&mut doc, ctx, from, to, decisions.len(), &changes);

    doc.heading(2, "Timeline of decisions and incidents");
    timeline(&mut doc, ctx, from, to, &decisions, &changes);

    doc.heading(2, "SLO attainment");
    views::slo_table(&mut doc, ctx, "slo", from, to, EodBasis::Settled);
    let (budget, left) = ctx.webhook_budget(from, to);
    let budget = doc.figure(over("slo", "webhooks.error_budget", "global", from, to, Unit::Count), budget);
    let left = doc.figure(over("slo", "webhooks.error_budget_left", "global", from, to, Unit::Count), left);
    doc.line(&format!("Webhook error budget over the period: {budget} failures allowed, {left} left."));

    doc.heading(2, "Incidents");
    views::incidents(&mut doc, ctx, "incidents", from, to);

    doc.heading(2, "Decisions");
    decision_table(&mut doc, ctx, &decisions);

    doc.heading(2, "What to improve");
    improvements(&mut doc, ctx, from, to, &decisions, &changes);

    let start = ctx.first_event().map_or(to, |first| window_start(first.max(from), &ctx.tz, ctx.plan.slos.window_minutes));
    let windows = ctx.windows(start.max(from), to, ctx.plan.slos.window_minutes);
    let chart_start = windows.first().map_or(from, |w| w.0);
    let label = views::clock_label(ctx, chart_start, "%d %b %H:%M");
    views::charts_section(&mut doc, |doc| views::window_charts(doc, ctx, "postmortem", &windows, &label))?;
    Ok(doc.finish(ctx))
}

fn summary(doc: &mut Doc, ctx: &Ctx<'_>, from: i64, to: i64, decisions: usize, changes: &[Change]) {
    let section = "summary";
    let (entered, _) = ctx.dead_letter_moves(from, to);
    let [full, partial, next_day] = ctx.settlements(from, to);
    let settled = full.zip(partial).zip(next_day).map(|((f, p), n)| f + p + n);
    let (_, incidents) = ctx.incidents_opened(from, to);
    let global = Scope::Global;
    let rows = vec![
        vec![
            "payouts accepted".to_owned(),
            doc.figure(over(section, "payouts.accepted", "global", from, to, Unit::Count), ctx.accepted(&global, from, to)),
        ],
        vec![
            "volume accepted (tokens)".to_owned(),
            doc.figure(over(section, "volume.accepted", "global", from, to, Unit::BaseUnits), ctx.volume_accepted(&global, from, to)),
        ],
        vec![
            "payouts confirmed".to_owned(),
            doc.figure(over(section, "payouts.confirmed", "global", from, to, Unit::Count), ctx.confirmed(&global, from, to)),
        ],
        vec![
            "payouts failed".to_owned(),
            doc.figure(over(section, "payouts.failed", "global", from, to, Unit::Count), ctx.failed(&global, from, to)),
        ],
        vec![
            format!("payouts in flight at {}", ctx.local(ctx.at)),
            doc.figure(gauge(section, "queue.depth", "global", ctx.at, Unit::Count), ctx.queue_depth(&global, ctx.at)),
        ],
        vec!["EOD settlements".to_owned(), doc.figure(over(section, "eod.settled", "global", from, to, Unit::Count), settled)],
        vec![
            "webhooks dead-lettered".to_owned(),
            doc.figure(over(section, "dead_letter.entered", "global", from, to, Unit::Count), entered),
        ],
        vec!["incidents opened".to_owned(), doc.figure(over(section, "incidents.opened", "all", from, to, Unit::Count), incidents)],
        vec!["decision-log entries".to_owned(), if decisions == 0 { "no data".to_owned() } else { decisions.to_string() }],
        vec![
            "rollback recommendations".to_owned(),
            if ctx.traffic(from, to) {
                changes.iter().filter(|c| c.recommendation != Recommendation::None).count().to_string()
            } else {
                "no data".to_owned()
            },
        ],
    ];
    doc.table(&["launch", "value"], &rows);
}

/// Evaluates the rollback rules at the end of every SLO window from the first event on, and
/// keeps each change of the recommendation.
fn recommendation_changes(ctx: &Ctx<'_>, from: i64, to: i64) -> Vec<Change> {
    let Some(first) = ctx.first_event().filter(|f| *f < to) else { return Vec::new() };
    let minutes = ctx.plan.slos.window_minutes;
    let width = i64::from(minutes) * MINUTE_NS;
    let mut end = window_start(first.max(from), &ctx.tz, minutes) + width;
    let mut current = Recommendation::None;
    let mut changes = Vec::new();
    while end <= to {
        let evaluation = evaluate(&ctx.ledger, ctx.plan, &ctx.tz, end);
        if evaluation.recommendation != current {
            current = evaluation.recommendation.clone();
            changes.push(Change {
                at: end,
                recommendation: evaluation.recommendation,
                evidence: evaluation.triggers.iter().map(describe).collect(),
            });
        }
        end += width;
    }
    changes
}

fn timeline(doc: &mut Doc, ctx: &Ctx<'_>, from: i64, to: i64, decisions: &[&DecisionLine], changes: &[Change]) {
    let mut entries: Vec<(i64, u8, String)> = Vec::new();
    for decision in decisions {
        entries.push((clubgate_core::ledger::ns(decision.at), 0, format!("decision — {}", decision_text(decision))));
    }
    for incident in &ctx.ledger.incidents {
        if (from..to).contains(&incident.opened) {
            entries.push((incident.opened, 1, format!("SEV{} {} opened: {}", incident.sev, escape(&incident.id), escape(&incident.title))));
        }
        if let Some(resolved) = incident.resolved.filter(|r| (from..to).contains(r)) {
            entries.push((
                resolved,
                1,
                format!("{} resolved after {}", escape(&incident.id), views::duration_text(resolved - incident.opened)),
            ));
        }
    }
    for change in changes {
        let text = match &change.recommendation {
            Recommendation::None => "rollback recommendation back to none".to_owned(),
            other => format!("rollback recommended: **{}** — {}", views::recommendation_text(other), escape(&change.evidence.join(" · "))),
        };
        entries.push((change.at, 2, text));
    }
    entries.sort_by_key(|(at, order, _)| (*at, *order));
    if entries.is_empty() {
        doc.line(if ctx.traffic(from, to) { "No decision, incident or rollback recommendation in the period." } else { NO_DATA });
        return;
    }
    let items: Vec<String> = entries.into_iter().map(|(at, _, text)| format!("{} — {text}", ctx.local(at))).collect();
    doc.list(&items);
}

fn decision_text(decision: &DecisionLine) -> String {
    let verified = if decision.verified { "verified" } else { "**does not verify**" };
    format!("{}: {} (by {}, {verified})", escape(&decision.kind), escape(&decision.summary), escape(&decision.author))
}

fn decision_table(doc: &mut Doc, ctx: &Ctx<'_>, decisions: &[&DecisionLine]) {
    if decisions.is_empty() {
        doc.line("no data: the decision log holds no entry in this period.");
        return;
    }
    let rows: Vec<Vec<String>> = decisions
        .iter()
        .map(|d| {
            vec![
                ctx.local(clubgate_core::ledger::ns(d.at)),
                escape(&d.kind),
                escape(&d.summary),
                escape(&d.author),
                if d.verified { "yes".to_owned() } else { "**no**".to_owned() },
            ]
        })
        .collect();
    doc.table(&["when", "kind", "decision", "author", "verified"], &rows);
}

fn improvements(doc: &mut Doc, ctx: &Ctx<'_>, from: i64, to: i64, decisions: &[&DecisionLine], changes: &[Change]) {
    if !ctx.traffic(from, to) {
        doc.line(NO_DATA);
        return;
    }
    let slos = &ctx.plan.slos;
    let mut items = Vec::new();
    let windows = ctx.windows(from, to, slos.window_minutes);
    let limit = i128::from(slos.pass_through_p95_max_minutes) * i128::from(MINUTE_NS);
    let over: Vec<(i64, i128)> =
        windows.iter().filter_map(|&(s, e)| ctx.pass_through_p95(&Scope::Global, s, e).filter(|p| *p > limit).map(|p| (s, p))).collect();
    if let Some(&(worst_at, worst)) = over.iter().max_by_key(|(_, p)| *p) {
        items.push(format!(
            "p95 pass-through was over the {} min SLO in {} windows (worst {} in the window from {}): find the cause (RPC provider, fee-mode, stuck transactions) and alert on it earlier.",
            slos.pass_through_p95_max_minutes,
            over.len(),
            minutes_text(worst),
            ctx.local(worst_at)
        ));
    }
    let (days, days_met) = ctx.eod_attainment(from, to);
    if let (Some(days), Some(met)) = (days, days_met) {
        if met < days {
            items.push(format!(
                "p95 EOD was over the {} min SLO on {} of {days} business days: review the trust pairs' settlement and liquidity.",
                slos.eod_p95_max_minutes,
                days - met
            ));
        }
    }
    let (hook_windows, hook_met) = ctx.webhook_attainment(from, to);
    if let (Some(total), Some(met)) = (hook_windows, hook_met) {
        if met < total {
            let (_, left) = ctx.webhook_budget(from, to);
            items.push(format!(
                "webhook success was under the SLO in {} of {total} windows (error budget left {}): agree a retry policy and an endpoint health check with the partners concerned.",
                total - met,
                left.map_or_else(|| "no data".to_owned(), |l| l.to_string())
            ));
        }
    }
    for incident in ctx.ledger.incidents.iter().filter(|i| i.opened < to && i.resolved.is_none_or(|r| r >= from)) {
        let lasted = match incident.resolved {
            Some(resolved) => format!("lasted {}", views::duration_text(resolved - incident.opened)),
            None => "still open".to_owned(),
        };
        items.push(format!(
            "SEV{} {} \"{}\" ({lasted}): RCA, its fixes, and what would have detected or shortened it.",
            incident.sev,
            escape(&incident.id),
            escape(&incident.title)
        ));
    }
    let mut recommended_since = None;
    for change in changes {
        match &change.recommendation {
            Recommendation::None => {
                if let Some((since, text)) = recommended_since.take() {
                    items.push(format!(
                        "a rollback was recommended ({text}) from {} to {}: check the decision log records what was decided on it.",
                        ctx.local(since),
                        ctx.local(change.at)
                    ));
                }
            }
            other => recommended_since = Some((change.at, views::recommendation_text(other))),
        }
    }
    if let Some((since, text)) = recommended_since {
        items.push(format!(
            "a rollback is recommended ({text}) since {} and still at the report's instant: decide and record it.",
            ctx.local(since)
        ));
    }
    let (entered, replayed) = ctx.dead_letter_moves(from, to);
    if let Some(entered) = entered.filter(|n| *n > 0) {
        items.push(format!(
            "{entered} webhooks went to the dead-letter queue ({} replayed in the period): automate the replay and tell the partner each time.",
            replayed.unwrap_or(0)
        ));
    }
    if let Some(failed) = ctx.failed(&Scope::Global, from, to).filter(|n| *n > 0) {
        items.push(format!("{failed} payouts failed: check the energy/gas buffers and the retry path."));
    }
    let [_, partial, next_day] = ctx.settlements(from, to);
    let deferred = partial.unwrap_or(0) + next_day.unwrap_or(0);
    if deferred > 0 {
        items.push(format!("{deferred} EOD settlements were partial or T+1: review the liquidity forecast of the trust pairs."));
    }
    for decision in decisions.iter().filter(|d| !d.verified) {
        items.push(format!(
            "the decision of {} by {} does not verify: find out why before the log is archived.",
            ctx.local(clubgate_core::ledger::ns(decision.at)),
            escape(&decision.author)
        ));
    }
    if items.is_empty() {
        items.push(
            "Nothing in the data calls for a fix: no SLO missed, no incident, no rollback recommendation, no dead letter, no failed payout. Add the team's own items: what to improve, what to automate (seed §8, T+7d)."
                .to_owned(),
        );
    }
    doc.list(&items);
}
