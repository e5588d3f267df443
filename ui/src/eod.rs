//! The EOD page (issue 12): every trust session with its cut-off in the pair's zone and in
//! the plan's, its status, the settlement plan's figures (net, available, settle, carried,
//! mode per network and token) and its EOD duration against the 60-minute SLO and the
//! 90-minute rollback threshold; the blocked sessions' alerts; a dry-run button that shows
//! what would be queued and a settle button that queues the due transfers as payout bundles.
//! The shell computes every figure; this page renders them.

use std::time::Duration;

use clubgate_ipc::eod::{EodSessionView, EodSettleView, EodView};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{lang, Lang};
use crate::ipc;

fn w(en: &'static str, ru: &'static str, language: Lang) -> &'static str {
    match language {
        Lang::En => en,
        Lang::Ru => ru,
    }
}

fn session_row(session: EodSessionView, slo: u32, rollback: u32, language: Lang) -> impl IntoView {
    let id = session.session_id.clone();
    let duration_class = if session.rollback_trigger || session.over_rollback_threshold {
        "duration rollback"
    } else if session.over_slo {
        "duration breach"
    } else {
        "duration"
    };
    let duration = match session.duration_minutes {
        None => "—".to_owned(),
        Some(minutes) => {
            let running = if session.settled_at.is_none() { w(" (running)", " (идёт)", language) } else { "" };
            let mut text = format!("{minutes} min{running}");
            if session.over_slo {
                text += &format!(" > {slo} min SLO");
            }
            if session.over_rollback_threshold {
                text += &format!(" · ≥ {rollback} min {}", w("unsettled", "не закрыта", language));
            }
            if session.rollback_trigger {
                text += w(" · rollback trigger", " · триггер отката", language);
            }
            text
        }
    };
    let entries = session
        .entries
        .iter()
        .map(|entry| {
            let key = format!("{id}-{}-{}", entry.network, entry.token);
            view! {
                <li class=format!("entry mode-{}", entry.mode.replace('+', "plus")) id=format!("eod-entry-{key}") data-mode=entry.mode.clone()>
                    {format!("{} {} · {} → {} · ", entry.network, entry.token, entry.payer, entry.payee)}
                    {w("net ", "нетто ", language)}<span id=format!("eod-net-{key}") data-units=entry.net.clone()>{entry.net_tokens.clone()}</span>
                    {w(" · available ", " · доступно ", language)}<span data-units=entry.available.clone()>{entry.available_tokens.clone()}</span>
                    {w(" · settle ", " · к расчёту ", language)}<span id=format!("eod-settle-{key}") data-units=entry.settle.clone()>{entry.settle_tokens.clone()}</span>
                    {w(" · carried ", " · перенос ", language)}<span id=format!("eod-carried-{key}") data-units=entry.carried.clone()>{entry.carried_tokens.clone()}</span>
                    " · " <b id=format!("eod-mode-{key}")>{entry.mode.clone()}</b>
                    {entry.payout_id.clone().map(|payout| {
                        let state = if entry.queued { w(" · queued", " · в очереди", language) } else { w(" · not queued", " · не в очереди", language) };
                        let text = format!(" {payout}{state}");
                        view! { <span class="payout" id=format!("eod-payout-{key}") data-payout=payout data-queued=entry.queued.to_string()>{text}</span> }
                    })}
                </li>
            }
        })
        .collect_view();
    let zone_note = (!session.pair_zone_known)
        .then(|| w(" (plan zone: the pair's is not in the treasury file)", " (зона плана: зоны пары нет в файле казначейства)", language));
    view! {
        <tr id=format!("eod-row-{id}") class=format!("eod-row status-{}", session.status.replace(' ', "-").replace('+', "plus")) data-status=session.status.clone()>
            <td>{id.clone()}<br /><small>{session.trust_pair.clone()}</small></td>
            <td id=format!("eod-cutoff-pair-{id}") data-zone=session.pair_zone.clone()>{session.cut_off_pair.clone()}{zone_note}</td>
            <td id=format!("eod-cutoff-plan-{id}")>{session.cut_off_plan.clone()}</td>
            <td id=format!("eod-status-{id}")>{session.status.clone()}</td>
            <td id=format!("eod-mode-{id}") data-mode=session.mode.clone()>{session.mode.clone()}</td>
            <td id=format!("eod-session-settle-{id}") data-units=session.settle.clone()>{session.settle_tokens.clone()}</td>
            <td id=format!("eod-carried-{id}") data-units=session.carried.clone()>{session.carried_tokens.clone()}</td>
            <td id=format!("eod-duration-{id}") class=duration_class data-minutes=session.duration_minutes.map(|m| m.to_string()).unwrap_or_default()>{duration}</td>
            <td><ul class="entries">{entries}</ul></td>
        </tr>
    }
}

fn settle_result(result: EodSettleView, language: Lang) -> impl IntoView {
    let id = if result.dry_run { "eod-dry-run-result" } else { "eod-settle-result" };
    let heading = if result.dry_run {
        w("Dry run — nothing queued. Would queue:", "Пробный прогон — ничего не поставлено. Было бы поставлено:", language)
    } else {
        w("Settlement transfers:", "Переводы расчёта:", language)
    };
    let items = result
        .transfers
        .iter()
        .map(|t| {
            view! {
                <li id=format!("eod-transfer-{}", t.payout_id) data-outcome=t.outcome.clone() data-units=t.settle.clone()>
                    {format!(
                        "{} · {} {} {} → {} ({}) · {} {} · {} chunk(s) · {} · {}",
                        t.session_id, t.settle_tokens, t.token, t.wallet, t.payee, t.destination, t.network, t.payout_id, t.chunks.len(),
                        t.chunks.join(" + "), t.outcome
                    )}
                </li>
            }
        })
        .collect_view();
    let refusals = result.refusals.iter().map(|r| view! { <li class="error">{r.clone()}</li> }).collect_view();
    let alerts = result.alerts.iter().map(|a| view! { <li class="alert">{a.clone()}</li> }).collect_view();
    view! {
        <section class="card" id=id data-count=result.transfers.len()>
            <h3>{heading}</h3>
            <ul>{items}</ul>
            <ul>{refusals}</ul>
            <ul>{alerts}</ul>
        </section>
    }
}

/// The EOD page.
#[component]
pub(crate) fn EodPage() -> impl IntoView {
    let language = lang();
    let data = RwSignal::new(None::<EodView>);
    let error = RwSignal::new(None::<String>);
    let result = RwSignal::new(None::<EodSettleView>);
    let busy = RwSignal::new(false);
    crate::poll::poll_view(data, error, Duration::from_secs(2), ipc::eod_view);
    let run = move |dry: bool| {
        busy.set(true);
        spawn_local(async move {
            let answer = if dry { ipc::eod_dry_run().await } else { ipc::eod_settle().await };
            match answer {
                Ok(view) => {
                    error.set(None);
                    result.set(Some(view));
                }
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
            crate::poll::read_view(data, error, ipc::eod_view);
        });
    };
    let body = move || {
        let language = language.get();
        data.get().map(|view| {
            let problem = view.error.clone().map(|e| view! { <p class="error" id="eod-error">{e}</p> });
            let alerts = view.alerts.iter().map(|a| view! { <li class="alert">{a.clone()}</li> }).collect_view();
            let refusals = view.refusals.iter().map(|r| view! { <li class="error">{r.clone()}</li> }).collect_view();
            let (slo, rollback) = (view.slo_minutes, view.rollback_minutes);
            let rows = view.sessions.iter().cloned().map(|s| session_row(s, slo, rollback, language)).collect_view();
            let rule = if view.rollback_triggered {
                w("Rollback rule 2 triggers: sessions unsettled 90 min after cut-off without improvement.", "Правило отката 2 сработало: сессии не закрыты 90 мин после cut-off без улучшения.", language)
            } else {
                w("Rollback rule 2: not triggered.", "Правило отката 2: не сработало.", language)
            };
            view! {
                {problem}
                <p id="eod-at">{format!("{} {} ({})", w("At", "На", language), view.at, view.plan_zone)}</p>
                <p id="eod-rollback" data-triggered=view.rollback_triggered.to_string()>{rule}</p>
                <p id="eod-due" data-count=view.due>{format!("{} {}", view.due, w("settlement transfer(s) due and not queued", "перевод(ов) расчёта к постановке", language))}</p>
                <ul id="eod-alerts">{alerts}</ul>
                <ul id="eod-refusals">{refusals}</ul>
                <table class="eod" id="eod-sessions">
                    <thead>
                        <tr>
                            <th>{w("Session", "Сессия", language)}</th>
                            <th>{w("Cut-off (pair's zone)", "Cut-off (зона пары)", language)}</th>
                            <th>{w("Cut-off (plan zone)", "Cut-off (зона плана)", language)}</th>
                            <th>{w("Status", "Статус", language)}</th>
                            <th>{w("Mode", "Режим", language)}</th>
                            <th>{w("Settle", "К расчёту", language)}</th>
                            <th>{w("Carried", "Перенос", language)}</th>
                            <th>{format!("{} (SLO {slo} / {rollback} min)", w("Duration", "Длительность", language))}</th>
                            <th>{w("Plan entries", "Строки плана", language)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            }
        })
    };
    view! {
        <section class="page" id="eod-page">
            <h2>{move || w("EOD settlement of the trust pairs", "EOD-расчёт трастовых пар", language.get())}</h2>
            <button id="eod-dry-run" on:click=move |_| run(true) prop:disabled=move || busy.get()>
                {move || w("Dry run (T-3d): show what would be queued", "Пробный прогон (T-3d): что будет поставлено", language.get())}
            </button>
            " "
            <button id="eod-settle" on:click=move |_| run(false) prop:disabled=move || busy.get()>
                {move || w("Queue the due settlement transfers", "Поставить переводы расчёта в очередь", language.get())}
            </button>
            {move || error.get().map(|e| view! { <p class="error" id="eod-action-error">{e}</p> })}
            {move || result.get().map(|r| settle_result(r, language.get()))}
            {body}
        </section>
    }
}
