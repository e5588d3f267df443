//! The SLO dashboard: the rollback recommendation and each rule's state with its evidence,
//! charts drawn by the shell, SLO attainment, EOD per day and alerts — refreshed every
//! second from the shell's in-memory stream; events come from an imported JSON Lines file
//! or a simulated scenario replayed in accelerated time.

use std::time::Duration;

use clubgate_ipc::{DashboardView, ReplayRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{lang, t};
use crate::ipc;

const SCENARIOS: [&str; 7] = ["pilot-day", "rpc-degradation-trc20", "webhook-outage", "eod-stuck", "sev1", "recovering", "eod-deficit"];

/// The SLO page.
#[component]
pub(crate) fn SloPage() -> impl IntoView {
    let language = lang();
    let view_data = RwSignal::new(None::<DashboardView>);
    let error = RwSignal::new(None::<String>);
    let refresh = move || {
        spawn_local(async move {
            match ipc::dashboard().await {
                Ok(dashboard) => {
                    if view_data.with_untracked(|old| old.as_ref() != Some(&dashboard)) {
                        view_data.set(Some(dashboard));
                    }
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    refresh();
    if let Ok(handle) = set_interval_with_handle(refresh, Duration::from_secs(1)) {
        on_cleanup(move || handle.clear());
    }

    let scenario = RwSignal::new("rpc-degradation-trc20".to_owned());
    let speed = RwSignal::new("600".to_owned());
    let seed = RwSignal::new("1".to_owned());
    let path = RwSignal::new(String::new());
    let import_report = RwSignal::new(None::<String>);
    let start = move |_| {
        let request = ReplayRequest {
            scenario: scenario.get_untracked(),
            speed: speed.get_untracked().parse().unwrap_or(600),
            seed: seed.get_untracked().trim().parse().unwrap_or(1),
        };
        spawn_local(async move {
            match ipc::start_replay(&request).await {
                Ok(()) => error.set(None),
                Err(e) => error.set(Some(e.message)),
            }
            refresh();
        });
    };
    let import = move |_| {
        let file = path.get_untracked();
        spawn_local(async move {
            match ipc::import_events(&file).await {
                Ok(result) => {
                    error.set(None);
                    let mut text = format!("{} events imported", result.imported);
                    if !result.errors.is_empty() {
                        text.push_str(&format!("; {} lines refused: {}", result.errors.len(), result.errors.join(" · ")));
                    }
                    import_report.set(Some(text));
                }
                Err(e) => error.set(Some(e.message)),
            }
            refresh();
        });
    };

    let header = move || {
        view_data.get().map(|d| {
            let recommendation = d.recommendation.clone();
            let label = match (recommendation.as_str(), &d.scope) {
                ("none", _) => t("rollback_none", language.get()).to_owned(),
                ("partial", Some(scope)) => format!("{} — {scope}", t("rollback_partial", language.get())),
                ("full", _) => t("rollback_full", language.get()).to_owned(),
                (other, _) => other.to_owned(),
            };
            view! {
                <section class=format!("card recommendation rec-{recommendation}") id="slo-recommendation" data-recommendation=recommendation data-scope=d.scope.clone().unwrap_or_default()>
                    <div class="rec-label">{label}</div>
                    <div class="rec-meta">
                        <span class="mono" id="slo-clock">{d.clock.as_ref().map(|c| c.local.clone()).unwrap_or_else(|| "—".to_owned())}</span>
                        <span id="slo-events" data-events=d.events.to_string()>{format!("{} {}", d.events, t("events", language.get()))}</span>
                        <span class="muted">{d.source.clone().unwrap_or_default()}</span>
                        {d.replay.as_ref().map(|r| view! {
                            <span class="badge" id="slo-replay" data-scenario=r.scenario.clone() data-done=(r.released == r.total).to_string()>
                                {format!("{} ×{} · {}/{}", r.scenario, r.speed, r.released, r.total)}
                            </span>
                        })}
                    </div>
                </section>
            }
        })
    };
    let rules = move || {
        view_data.get().map(|d| {
            d.rules
                .into_iter()
                .map(|rule| {
                    let key = format!("rule_{}", rule.rule);
                    view! {
                        <li class=format!("rule rule-{}", rule.state) id=format!("rule-{}", rule.rule) data-state=rule.state>
                            <span class=format!("state state-{}", rule.state)>{rule.state.clone()}</span>
                            <div class="rule-text">
                                <strong>{t(&key, language.get())}</strong>
                                <span class="rule-detail">{rule.detail.clone()}</span>
                                {rule.since.map(|s| view! { <span class="mono muted">{format!("{} {}", t("since", language.get()), s.local)}</span> })}
                            </div>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let charts = move || {
        view_data.get().map(|d| {
            d.charts
                .into_iter()
                .map(|chart| view! { <div class="card chart" id=format!("chart-{}", chart.id) inner_html=chart.svg></div> })
                .collect_view()
        })
    };
    let tables = move || {
        view_data.get().map(|d| {
            let attainment = d
                .attainment
                .iter()
                .map(|a| view! { <li><strong>{t(&format!("slo_{}", a.slo), language.get())}</strong> <span class="mono">{format!("{}/{}", a.met, a.total)}</span></li> })
                .collect_view();
            let days = d
                .eod_days
                .iter()
                .map(|day| view! { <li><span class="mono">{day.day.clone()}</span> <span>{format!("p95 {} min · {} / {}", day.p95_minutes.clone().unwrap_or_else(|| "—".to_owned()), day.sessions - day.unsettled, day.sessions)}</span></li> })
                .collect_view();
            let alerts = d.alerts.iter().map(|a| view! { <li><span class="mono">{a.at.local.clone()}</span> <span>{a.text.clone()}</span></li> }).collect_view();
            view! {
                <div class="card side">
                    <h2>{t("attainment", language.get())}</h2>
                    <ul class="plain" id="slo-attainment">{attainment}</ul>
                    <h2>"EOD"</h2>
                    <ul class="plain">{days}</ul>
                    <h2>{t("alerts", language.get())}</h2>
                    <ul class="plain alerts" id="slo-alerts">{alerts}</ul>
                </div>
            }
        })
    };

    view! {
        {header}
        <Show when=move || error.get().is_some()>
            <div class="alert error" id="slo-error">{move || error.get().unwrap_or_default()}</div>
        </Show>
        <section class="card controls">
            <div class="control-row">
                <strong>{move || t("replay", language.get())}</strong>
                <select id="replay-scenario" on:change=move |ev| scenario.set(event_target_value(&ev))>
                    {SCENARIOS.map(|s| view! { <option value=s selected=move || scenario.get() == s>{s}</option> })}
                </select>
                <select id="replay-speed" on:change=move |ev| speed.set(event_target_value(&ev))>
                    {["60", "600", "2000", "5000"].map(|s| view! { <option value=s selected=move || speed.get() == s>{format!("×{s}")}</option> })}
                </select>
                <input id="replay-seed" type="text" class="narrow" prop:value=move || seed.get() on:input=move |ev| seed.set(event_target_value(&ev)) />
                <button id="replay-start" class="button primary" on:click=start>{move || t("start", language.get())}</button>
            </div>
            <div class="control-row">
                <strong>{move || t("import", language.get())}</strong>
                <input id="import-path" type="text" class="wide-input" placeholder="/path/to/events.jsonl" prop:value=move || path.get() on:input=move |ev| path.set(event_target_value(&ev)) />
                <button id="import-run" class="button" on:click=import>{move || t("import", language.get())}</button>
            </div>
            <Show when=move || import_report.get().is_some()>
                <div class="muted" id="import-report">{move || import_report.get().unwrap_or_default()}</div>
            </Show>
        </section>
        <section class="card">
            <h2>{move || t("rules", language.get())}</h2>
            <ul class="rules" id="slo-rules">{rules}</ul>
        </section>
        <section class="columns">
            <div class="charts">{charts}</div>
            {tables}
        </section>
    }
}
