//! The Timeline page: the phases as a band with today's position and the checkpoints,
//! the current phase, the next checkpoint with a live countdown, and the freeze plan —
//! every time in the plan's zone.

use clubgate_ipc::Overview;
use leptos::prelude::*;

use crate::app::state;
use crate::i18n::{countdown, lang, pick, t};

fn percent(at_ms: i64, start_ms: i64, end_ms: i64) -> f64 {
    if end_ms <= start_ms {
        return 0.0;
    }
    ((at_ms - start_ms) as f64 / (end_ms - start_ms) as f64 * 100.0).clamp(0.0, 100.0)
}

/// The Timeline page.
#[component]
pub(crate) fn Timeline() -> impl IntoView {
    let state = state();
    move || state.overview.get().map(|overview| view! { <TimelineBody overview=overview /> })
}

#[component]
fn TimelineBody(overview: Overview) -> impl IntoView {
    let state = state();
    let language = lang();
    let (Some(first), Some(last)) = (overview.phases.first(), overview.phases.last()) else {
        return view! { <p>"The plan has no phases."</p> }.into_any();
    };
    let (band_start, band_end) = (first.start.epoch_ms, last.end.epoch_ms);
    let server_now = overview.now.epoch_ms;

    let phases = overview
        .phases
        .iter()
        .map(|phase| {
            let left = percent(phase.start.epoch_ms, band_start, band_end);
            let width = percent(phase.end.epoch_ms, band_start, band_end) - left;
            let current = overview.current_phase.as_deref() == Some(phase.id.as_str());
            let name = phase.name.clone();
            let title = format!("{} → {}", phase.start.local, phase.end.local);
            view! {
                <div class=format!("phase-seg phase-{}", phase.id) class:current=current
                    style:left=format!("{left:.3}%") style:width=format!("{width:.3}%") title=title>
                    <span class="phase-name">{move || pick(&name, language.get())}</span>
                    <span class="phase-cap">{format!("≤{}%", phase.volume_cap_percent)}</span>
                </div>
            }
        })
        .collect_view();
    let ticks = overview
        .checkpoints
        .iter()
        .map(|c| {
            let left = percent(c.at.epoch_ms, band_start, band_end);
            // Hour and minute checkpoints sit within a day of T0: label only the day ones
            // and T0 so labels never overlap; the others keep their tooltip.
            let labelled = c.offset == "T0" || c.offset.ends_with('d');
            view! {
                <div class="tick" class:past=c.at.epoch_ms <= server_now class:minor=!labelled style:left=format!("{left:.3}%") title=format!("{} · {}", c.offset, c.at.local)>
                    {labelled.then(|| view! { <span class="tick-label">{c.offset.clone()}</span> })}
                </div>
            }
        })
        .collect_view();
    let now_left = move || format!("{:.3}%", percent(state.now_ms.get(), band_start, band_end));
    let now_outside = move || {
        let now = state.now_ms.get();
        now < band_start || now > band_end
    };

    let current = overview.current_phase.as_ref().and_then(|id| overview.phases.iter().find(|p| &p.id == id)).cloned();
    let next = overview.checkpoints.iter().find(|c| c.at.epoch_ms > server_now).cloned();
    let t0_ms = overview.t0.epoch_ms;
    let t0_local = overview.t0.local.clone();

    let rows = overview
        .checkpoints
        .iter()
        .map(|c| {
            let done = c.items.iter().filter(|i| i.state == "done").count();
            let total = c.items.len();
            let past = c.at.epoch_ms <= server_now;
            let is_next = next.as_ref().is_some_and(|n| n.offset == c.offset);
            let name = c.name.clone();
            view! {
                <tr id=format!("checkpoint-row-{}", c.offset) class:past=past class:next=is_next>
                    <td class="mono offset">{c.offset.clone()}</td>
                    <td>{move || pick(&name, language.get())}</td>
                    <td class="mono">{c.at.local.clone()}</td>
                    <td>
                        <div class="progress" title=format!("{done}/{total}")>
                            <div class="progress-fill" style:width=format!("{:.1}%", if total == 0 { 0.0 } else { done as f64 * 100.0 / total as f64 })></div>
                        </div>
                        <span class="progress-text">{format!("{done}/{total}")}</span>
                    </td>
                </tr>
            }
        })
        .collect_view();

    let freezes = overview
        .freezes
        .iter()
        .map(|f| {
            let key = if f.kind == "code" { "code_freeze" } else { "config_freeze" };
            let rule = f.rule.clone();
            view! {
                <li class="freeze-item" class:active=f.active>
                    <strong>{move || t(key, language.get())}</strong>
                    <span class="mono">{format!("{} → {}", f.start.local, f.end.local)}</span>
                    <span class="muted">{move || pick(&rule, language.get())}</span>
                    {f.active.then(|| view! { <span class="badge warn">{move || t("active", language.get())}</span> })}
                </li>
            }
        })
        .collect_view();
    let window = overview.change_window.clone();

    view! {
        <section class="card band-card">
            <div class="band" id="phase-band">
                {phases}
                {ticks}
                <div class="now-marker" id="now-marker" class:outside=now_outside style:left=now_left>
                    <span>{move || t("today", language.get())}</span>
                </div>
            </div>
            <div class="band-dates mono">
                <span>{first.start.local.clone()}</span>
                <span>{last.end.local.clone()}</span>
            </div>
        </section>
        <section class="cards">
            <div class="card stat" id="current-phase">
                <div class="stat-label">{move || t("phase_now", language.get())}</div>
                {match current {
                    Some(phase) => {
                        let name = phase.name.clone();
                        let goals = phase.goals.clone();
                        view! {
                            <div class="stat-value" data-phase=phase.id.clone()>{move || pick(&name, language.get())}</div>
                            <div class="stat-sub">{move || format!("{} ≤{}% {}", t("volume_cap", language.get()), phase.volume_cap_percent, t("of_daily_target", language.get()))}</div>
                            <div class="stat-sub muted">{move || pick(&goals, language.get())}</div>
                        }.into_any()
                    }
                    None => view! { <div class="stat-value" data-phase="">{move || t("between_phases", language.get())}</div> }.into_any(),
                }}
            </div>
            <div class="card stat" id="next-checkpoint">
                <div class="stat-label">{move || t("next_checkpoint", language.get())}</div>
                {match next {
                    Some(checkpoint) => {
                        let name = checkpoint.name.clone();
                        let at = checkpoint.at.epoch_ms;
                        view! {
                            <div class="stat-value" data-offset=checkpoint.offset.clone()>{checkpoint.offset.clone()} " · " {move || pick(&name, language.get())}</div>
                            <div class="stat-sub mono">{checkpoint.at.local}</div>
                            <div class="countdown mono" id="countdown">{move || countdown(at, state.now_ms.get(), language.get())}</div>
                        }.into_any()
                    }
                    None => view! { <div class="stat-value">{move || t("none_left", language.get())}</div> }.into_any(),
                }}
            </div>
            <div class="card stat" id="t0-card">
                <div class="stat-label">{move || t("t0", language.get())}</div>
                <div class="stat-value mono">{t0_local}</div>
                <div class="countdown mono" id="t0-countdown">{move || countdown(t0_ms, state.now_ms.get(), language.get())}</div>
            </div>
        </section>
        <section class="columns">
            <div class="card grow">
                <h2>{move || t("checkpoints", language.get())}</h2>
                <table class="table" id="checkpoint-table">
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <div class="card side">
                <h2>{move || t("freezes", language.get())}</h2>
                <ul class="freeze-list">{freezes}</ul>
                <div class="change-window" id="change-window" class:open=window.open>
                    <strong>{move || t("change_window", language.get())}</strong>
                    <span>{window.channel.clone()}</span>
                    <span class="mono">{format!("{} → {}", window.start.local, window.end.local)}</span>
                    <span class="muted">{window.template.join(" / ")}</span>
                    <span class="badge" class:ok=window.open>{move || if window.open { t("open", language.get()) } else { t("closed", language.get()) }}</span>
                </div>
            </div>
        </section>
    }
    .into_any()
}
