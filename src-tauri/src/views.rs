//! Core values → IPC types. The only place that knows both.

use clubgate_core::checklist::{current_states, Gate, ItemChange, ItemState, Verdict};
use clubgate_core::freeze::status_at;
use clubgate_core::launch::Launch;
use clubgate_core::plan::{Item, Text};
use clubgate_core::schedule::{rfc3339, FreezeKind};
use clubgate_ipc::{
    Bilingual, BlockerView, ChangeView, ChangeWindowView, CheckpointView, FreezeView, GateView, Instant, ItemView, Overview, PhaseView,
    RoleView,
};
use clubgate_store::LaunchSettings;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};

fn text(text: &Text) -> Bilingual {
    Bilingual { en: text.en.clone(), ru: text.ru.clone() }
}

fn instant(zoned: &ZonedDateTime) -> Instant {
    Instant {
        rfc3339: rfc3339(zoned),
        local: zoned.strftime("%a %d %b %Y %H:%M %Z").to_string(),
        epoch_ms: zoned.timestamp().as_millisecond(),
    }
}

fn instant_in(at: Timestamp, tz: &TimeZone) -> Instant {
    instant(&at.to_zoned_datetime(tz.clone()))
}

pub(crate) fn change(change: &ItemChange, tz: &TimeZone) -> ChangeView {
    ChangeView {
        item_id: change.item_id.clone(),
        state: change.state.as_str().to_owned(),
        who: change.who.clone(),
        at: instant_in(change.at, tz),
        evidence: change.evidence.clone(),
    }
}

fn kind(kind: FreezeKind) -> String {
    match kind {
        FreezeKind::Code => "code".to_owned(),
        FreezeKind::Config => "config".to_owned(),
    }
}

/// The overview of a launch at `now`.
pub(crate) fn overview(
    settings: &LaunchSettings,
    launch: &Launch,
    history: &[ItemChange],
    pending: &[String],
    gate: &Gate,
    now: Timestamp,
) -> Overview {
    let plan = &launch.plan;
    let table = &launch.table;
    let tz = table.t0.time_zone().clone();
    let states = current_states(history);
    let item = |item: &Item| {
        let last = states.get(item.id.as_str()).copied();
        ItemView {
            id: item.id.clone(),
            title: text(&item.title),
            owner: item.owner.clone(),
            state: last.map_or(ItemState::Open, |c| c.state).as_str().to_owned(),
            last: last.map(|c| change(c, &tz)),
            pending: pending.contains(&item.id),
        }
    };
    let freeze_status = status_at(table, now);
    let rules = [&plan.freeze.code.rule, &plan.freeze.config.window.rule];
    Overview {
        plan_id: plan.id.clone(),
        plan_version: plan.version.clone(),
        plan_title: text(&plan.title),
        plan_source: settings.plan_source.clone(),
        tz: table.tz.clone(),
        t0: instant(&table.t0),
        t0_wall: table.t0.strftime("%Y-%m-%dT%H:%M").to_string(),
        now: instant_in(now, &tz),
        current_phase: table.phase_at(now).map(|p| p.id.clone()),
        roles: plan.roles.iter().map(|r| RoleView { id: r.id.clone(), name: text(&r.name) }).collect(),
        phases: plan
            .phases
            .iter()
            .zip(&table.phases)
            .map(|(phase, dates)| PhaseView {
                id: phase.id.clone(),
                name: text(&phase.name),
                start: instant(&dates.start),
                end: instant(&dates.end),
                volume_cap_percent: phase.volume_cap_percent,
                goals: text(&phase.goals),
            })
            .collect(),
        checkpoints: table
            .checkpoints
            .iter()
            .map(|dates| {
                let name = plan.checkpoints.iter().find(|c| c.offset == dates.offset).map(|c| text(&c.name));
                CheckpointView {
                    offset: dates.offset.to_string(),
                    name: name.unwrap_or_else(|| Bilingual { en: dates.offset.to_string(), ru: dates.offset.to_string() }),
                    at: instant(&dates.at),
                    items: dates.items.iter().map(item).collect(),
                }
            })
            .collect(),
        entry_criteria: plan.entry_criteria.iter().map(item).collect(),
        onboarding: plan.onboarding.iter().map(item).collect(),
        gate: GateView {
            verdict: match gate.verdict {
                Verdict::Go => "GO".to_owned(),
                Verdict::NoGo => "NO-GO".to_owned(),
            },
            done: gate.done,
            total: gate.total,
            blockers: gate
                .blockers
                .iter()
                .map(|b| BlockerView { id: b.item_id.clone(), state: b.state.as_str().to_owned(), owner: b.owner.clone() })
                .collect(),
        },
        freezes: table
            .freezes
            .iter()
            .zip(rules)
            .map(|(f, rule)| FreezeView {
                kind: kind(f.kind),
                start: instant(&f.start),
                end: instant(&f.end),
                rule: text(rule),
                active: f.contains(now),
            })
            .collect(),
        change_window: ChangeWindowView {
            channel: plan
                .channels
                .iter()
                .find(|c| c.id == plan.freeze.change_window.channel)
                .map_or_else(|| plan.freeze.change_window.channel.clone(), |c| c.name.clone()),
            start: instant(&table.change_window.0),
            end: instant(&table.change_window.1),
            open: freeze_status.change_window_open,
            template: plan.freeze.change_window.template.clone(),
        },
    }
}
