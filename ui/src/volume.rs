//! The Volume page (issue 12, point 5): the business day's signed volume against the day's
//! cap (the phase cap, lowered by the IC's volume level) with the headroom, per network the
//! signed volume, the per-tx cap and the fee mode, and the launch IC's freeze exceptions from
//! the decision log with who, when, why — and why one is not applied. The per-tx cap and
//! the fee mode shown are the ones batching and signing enforce (the plan's, the treasury
//! file's); an applied exception's figure is shown beside them, "authorised by the IC, not
//! in force at the signature", with its who, when and why. The shell computes
//! every figure (`clubgate_treasury::volume`, the same as `clubgate volume`); this page
//! renders them.

use std::time::Duration;

use clubgate_ipc::volume::{AuthorisedView, ExceptionView, NetworkVolumeView, VolumeView};
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

/// An IC-authorised figure beside the enforced one: its value, who, when and why.
fn authorised_note(a: Option<AuthorisedView>, id: String, language: Lang) -> impl IntoView {
    a.map(|a| {
        view! {
            <div class="note authorised" id=id.clone() data-decision=a.decision>
                <span id=format!("{id}-value")>{a.value.clone()}</span>
                " " {w("authorised by the IC, not in force at the signature", "разрешено IC, не действует при подписи", language)}
                " — " <span id=format!("{id}-who")>{a.who.clone()}</span>
                ", " <span id=format!("{id}-when")>{a.when.clone()}</span>
                ": " <span id=format!("{id}-why")>{a.why.clone()}</span>
            </div>
        }
    })
}

fn network_row(n: NetworkVolumeView, language: Lang) -> impl IntoView {
    let id = format!("volume-{}", n.network);
    let fee = match (&n.fee_mode, &n.fee_limit_sun) {
        (Some(mode), _) => mode.clone(),
        (None, Some(limit)) => format!("{} {limit} sun", w("fee limit", "лимит комиссии", language)),
        (None, None) => "—".to_owned(),
    };
    let cap_note = authorised_note(n.per_tx_cap_authorised.clone(), format!("{id}-per-tx-cap-authorised"), language);
    let fee_note = authorised_note(n.fee_mode_authorised.clone(), format!("{id}-fee-mode-authorised"), language);
    view! {
        <tr id=id>
            <td>{n.network.clone()}</td>
            <td class="amount" id=format!("{id}-signed") data-units=n.signed_today_units.clone()>{n.signed_today.clone()}</td>
            <td class="amount">
                <span id=format!("{id}-per-tx-cap") data-units=n.per_tx_cap_units>{n.per_tx_cap.clone()}</span>
                {cap_note}
            </td>
            <td>
                <span id=format!("{id}-fee-mode")>{fee}</span>
                {fee_note}
            </td>
        </tr>
    }
}

fn exception_item(e: ExceptionView, index: usize, language: Lang) -> impl IntoView {
    let id = format!("volume-exception-{index}");
    let state = match &e.not_applied {
        None => w(
            "authorised by the IC, not in force at the signature (shown beside the enforced figure)",
            "разрешено IC, не действует при подписи (показано рядом с действующим значением)",
            language,
        )
        .to_owned(),
        Some(why) => format!("{}: {why}", w("not applied", "не учтено", language)),
    };
    let target = format!("{} {} → {}", e.area, e.network.clone().unwrap_or_default(), e.value.clone().unwrap_or_else(|| "—".to_owned()));
    view! {
        <li id=id class:applied=e.applied data-decision=e.decision>
            <strong id=format!("{id}-target")>{target}</strong>
            " — " {e.what.clone()}
            <br />
            {w("Who: ", "Кто: ", language)}<span id=format!("{id}-who")>{e.who.clone()}</span>
            " · " {w("when: ", "когда: ", language)}<span id=format!("{id}-when")>{e.when.clone()}</span>
            " · " {w("decided: ", "решение: ", language)}{e.decided_at.clone()}
            <br />
            {w("Why: ", "Почему: ", language)}<span id=format!("{id}-why")>{e.why.clone()}</span>
            " · " {w("rollback: ", "откат: ", language)}{e.rollback_plan.clone()}
            <br />
            <span class="state" id=format!("{id}-state")>{state}</span>
        </li>
    }
}

/// The Volume page.
#[component]
pub(crate) fn VolumePage() -> impl IntoView {
    let language = lang();
    let data = RwSignal::new(None::<VolumeView>);
    let error = RwSignal::new(None::<String>);
    let refresh = move || {
        spawn_local(async move {
            match ipc::volume_view().await {
                Ok(view) => {
                    error.set(None);
                    if data.with_untracked(|old| old.as_ref() != Some(&view)) {
                        data.set(Some(view));
                    }
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    refresh();
    if let Ok(handle) = set_interval_with_handle(refresh, Duration::from_secs(5)) {
        on_cleanup(move || handle.clear());
    }
    let body = move || {
        let language = language.get();
        data.get().map(|view| {
            if let Some(problem) = view.error.clone() {
                return view! { <p class="error" id="volume-error">{problem}</p> }.into_any();
            }
            let level = view.level.clone().map(|level| {
                view! { <p id="volume-level">{w("Volume level: ", "Уровень объёма: ", language)}{level}</p> }
            });
            let rows = view.networks.iter().cloned().map(|n| network_row(n, language)).collect_view();
            let exceptions = view.exceptions.iter().cloned().enumerate().map(|(i, e)| exception_item(e, i, language)).collect_view();
            let none = view.exceptions.is_empty().then(|| {
                view! { <p id="volume-no-exceptions">{w("No freeze exceptions in the decision log.", "В журнале решений нет исключений из заморозки.", language)}</p> }
            });
            view! {
                <section class="card" id="volume-day">
                    <h3>
                        {w("Business day ", "Рабочий день ", language)}
                        <span id="volume-business-day">{view.business_day.clone()}</span>
                        " · " <span id="volume-phase">{view.phase.clone()}</span>
                        " " <span id="volume-phase-percent">{view.phase_percent}</span> " %"
                    </h3>
                    <dl class="figures">
                        <dt>{w("Signed today", "Подписано сегодня", language)}</dt>
                        <dd id="volume-signed" data-units=view.signed_today_units.clone()>{view.signed_today.clone()}</dd>
                        <dt>{w("Day's cap", "Лимит дня", language)}</dt>
                        <dd id="volume-cap" data-units=view.cap_units.clone()>{view.cap.clone()}</dd>
                        <dt>{w("Phase cap", "Лимит фазы", language)}</dt>
                        <dd id="volume-phase-cap">{view.phase_cap.clone()}</dd>
                        <dt>{w("Headroom", "Остаток", language)}</dt>
                        <dd id="volume-headroom" data-units=view.headroom_units.clone()>{view.headroom.clone()}</dd>
                        <dt>{w("Daily target", "Дневная цель", language)}</dt>
                        <dd id="volume-daily-target">{view.daily_target.clone()}</dd>
                    </dl>
                    {level}
                </section>
                <section class="card" id="volume-networks">
                    <table>
                        <thead>
                            <tr>
                                <th>{w("Network", "Сеть", language)}</th>
                                <th>{w("Signed today", "Подписано сегодня", language)}</th>
                                <th>{w("Per-tx cap (enforced)", "Лимит на транзакцию (действует)", language)}</th>
                                <th>{w("Fee mode (enforced)", "Режим комиссии (действует)", language)}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </section>
                <section class="card" id="volume-exceptions">
                    <h3>{w("IC freeze exceptions", "Исключения IC из заморозки", language)}</h3>
                    {none}
                    <ul>{exceptions}</ul>
                    <p class="note" id="volume-exceptions-note">
                        {w(
                            "The per-tx caps and the fee mode above are what batching and signing enforce (the plan's, the treasury file's). An exception the IC authorised is shown beside them; it is in force at the signature only once the plan or the treasury file is changed (a new policy, approved by the quorum).",
                            "Лимиты на транзакцию и режим комиссии выше — те, что применяют разбиение и подпись (плана и файла казначейства). Разрешённое IC исключение показано рядом; при подписи оно действует только после изменения плана или файла казначейства (новая политика, одобренная кворумом).",
                            language,
                        )}
                    </p>
                </section>
            }
            .into_any()
        })
    };
    view! {
        <section class="page" id="volume-page">
            <h2>{move || w("Volume", "Объём", language.get())}</h2>
            <Show when=move || error.get().is_some()>
                <p class="error" id="volume-load-error">{move || error.get().unwrap_or_default()}</p>
            </Show>
            {body}
        </section>
    }
}
