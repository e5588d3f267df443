//! The warroom page (issue 11): see → decide → act. The SLO picture now and, from a
//! recommendation, "Declare rollback"; the declared rollback's procedure (seed §10) as
//! tracked steps — safe-mode and the volume level as decisions the signing gate obeys —
//! and stand-down; a form for any decision; the decision log, each entry verified (its
//! signature, its author, the chain, its snapshot) with any break shown on it. Every
//! decision is signed by the launch IC's key: the PIN of its token is typed here, now.

use std::collections::BTreeMap;
use std::time::Duration;

use clubgate_ipc::warroom::{DecideRequest, RollbackView, WarroomView};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{lang, Lang};
use crate::ipc;

/// The partner message of a rollback: the plan's template for the `notify-partners` step,
/// filled from the live figures (both languages), ready to be logged as sent.
async fn partner_message(scope: &str) -> Result<clubgate_ipc::CommsPreview, String> {
    let templates = ipc::comms_templates().await.map_err(|e| e.message)?;
    let template = templates
        .iter()
        .find(|t| t.rollback_step.as_deref() == Some("notify-partners"))
        .ok_or_else(|| "the plan has no message template for the notify-partners step".to_owned())?;
    let network = scope.strip_prefix("network:").unwrap_or("");
    let args = crate::comms::PreviewArgs { template: &template.id, zone: "", network, next_update_minutes: Some(30) };
    ipc::comms_preview(&args).await.map_err(|e| e.message)
}

fn w(en: &'static str, ru: &'static str, language: Lang) -> &'static str {
    match language {
        Lang::En => en,
        Lang::Ru => ru,
    }
}

/// The warroom page.
#[component]
pub(crate) fn WarroomPage() -> impl IntoView {
    let language = lang();
    let data = RwSignal::new(None::<WarroomView>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let pin = RwSignal::new(String::new());
    crate::poll::poll_view(data, error, Duration::from_secs(2), ipc::warroom);
    // Every action is one decision: kind, details, why — signed with the PIN typed above.
    let act = move |kind: String, details: BTreeMap<String, String>, text: String| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        // The PIN is typed for this decision only: the field is emptied at once.
        let request = DecideRequest { kind, details, text, pin: pin.get_untracked() };
        pin.set(String::new());
        spawn_local(async move {
            match ipc::decide(&request).await {
                Ok(view) => {
                    error.set(None);
                    data.set(Some(view));
                }
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };

    let why = RwSignal::new(String::new());
    let kind = RwSignal::new("other".to_owned());
    let details = RwSignal::new(String::new());
    let submit = move |_| {
        let mut map = BTreeMap::new();
        for line in details.get_untracked().lines() {
            if let Some((key, value)) = line.split_once('=') {
                map.insert(key.trim().to_owned(), value.trim().to_owned());
            } else if !line.trim().is_empty() {
                error.set(Some(format!("detail line {line:?} is not KEY=VALUE")));
                return;
            }
        }
        act(kind.get_untracked(), map, why.get_untracked());
    };

    let header = move || {
        data.get().map(|d| {
            let recommendation = d.recommendation.clone();
            let scope = d.scope.clone().unwrap_or_default();
            let open = d.rollbacks.iter().any(|r| r.stood_down.is_none() && r.scope == scope);
            let declarable = recommendation != "none" && !open;
            let declare = {
                let scope = scope.clone();
                move |_| {
                    let mut map = BTreeMap::new();
                    map.insert("scope".to_owned(), scope.clone());
                    act("rollback_declared".to_owned(), map, why.get_untracked());
                }
            };
            view! {
                <section class=format!("card recommendation rec-{recommendation}") id="warroom-recommendation" data-recommendation=recommendation data-scope=scope>
                    <div class="rec-label">{format!("{}: {recommendation} {scope}", w("The rollback rules recommend", "Правила отката рекомендуют", language.get()))}</div>
                    <ul class="plain muted">{d.evidence.iter().map(|e| view! { <li>{e.clone()}</li> }).collect_view()}</ul>
                    <div class="rec-meta">
                        <span id="warroom-phase">{format!("{} {}", w("phase", "фаза", language.get()), d.phase.clone().unwrap_or_else(|| "—".to_owned()))}</span>
                        <span id="warroom-safe-mode">{format!("safe-mode: {}", if d.safe_mode.is_empty() { "off".to_owned() } else { d.safe_mode.join("; ") })}</span>
                        <span id="warroom-volume-level">{format!("{}: {}", w("volume level", "уровень объёма", language.get()), d.volume_level.clone().unwrap_or_else(|| "—".to_owned()))}</span>
                        <span id="warroom-ic">{match &d.launch_ic { Ok(ic) => format!("IC: {ic}"), Err(why) => why.clone() }}</span>
                    </div>
                    <Show when=move || declarable>
                        <button id="declare-rollback" class="button danger" disabled=move || busy.get() on:click=declare.clone()>
                            {w("Declare rollback", "Объявить откат", language.get())}
                        </button>
                    </Show>
                </section>
            }
        })
    };

    let procedure = move |r: RollbackView, previous_level: Option<String>| {
        let rollback = r.rollback.clone();
        let open = r.stood_down.is_none();
        let steps = r
            .steps
            .iter()
            .map(|step| {
                let evidence = RwSignal::new(String::new());
                let rollback = rollback.clone();
                let scope = r.scope.clone();
                let previous = previous_level.clone();
                let id = step.step.clone();
                let done = step.done.clone();
                let is_done = done.is_some().to_string();
                let title = if language.get() == Lang::Ru { step.title_ru.clone() } else { step.title_en.clone() };
                let action = move |_| {
                    let mut map = BTreeMap::new();
                    map.insert("rollback".to_owned(), rollback.clone());
                    match id.as_str() {
                        "safe-mode" => {
                            map.insert("state".to_owned(), "on".to_owned());
                            map.insert("scope".to_owned(), scope.clone());
                            act("safe_mode".to_owned(), map, why.get_untracked());
                        }
                        "volume-down" => {
                            map.insert("level".to_owned(), previous.clone().unwrap_or_default());
                            act("volume_level".to_owned(), map, why.get_untracked());
                        }
                        step => {
                            map.insert("step".to_owned(), step.to_owned());
                            map.insert("who".to_owned(), "Launch IC".to_owned());
                            map.insert("evidence".to_owned(), evidence.get_untracked());
                            act("rollback_step".to_owned(), map, why.get_untracked());
                        }
                    }
                };
                let label = match step.step.as_str() {
                    "safe-mode" => format!("{} {}", w("Safe-mode on for", "Safe-mode для", language.get()), r.scope),
                    "volume-down" => {
                        format!("{} {}", w("Volume down to", "Объём до", language.get()), previous_level.clone().unwrap_or_else(|| "—".to_owned()))
                    }
                    _ => w("Done", "Готово", language.get()).to_owned(),
                };
                let needs_evidence = !matches!(step.step.as_str(), "safe-mode" | "volume-down" | "notify-partners");
                // notify-partners: the message previewed in both languages, then logged as sent.
                let message = RwSignal::new(None::<clubgate_ipc::CommsPreview>);
                let preview = {
                    let scope = r.scope.clone();
                    move |_| {
                        let scope = scope.clone();
                        spawn_local(async move {
                            match partner_message(&scope).await {
                                Ok(preview) if preview.missing.is_empty() => {
                                    error.set(None);
                                    message.set(Some(preview));
                                }
                                Ok(preview) => error.set(Some(preview.missing.join("; "))),
                                Err(why) => error.set(Some(why)),
                            }
                        });
                    }
                };
                let sent = {
                    let rollback = r.rollback.clone();
                    move |_| {
                        let Some(preview) = message.get_untracked() else { return };
                        let mut map = BTreeMap::new();
                        map.insert("rollback".to_owned(), rollback.clone());
                        map.insert("template".to_owned(), preview.template.clone());
                        map.insert("languages".to_owned(), preview.languages.join(","));
                        map.insert("sha256".to_owned(), preview.sent_sha256.unwrap_or_default());
                        act("comms_sent".to_owned(), map, why.get_untracked());
                    }
                };
                let is_notify = step.step == "notify-partners";
                view! {
                    <li class="step" data-step=step.step.clone() data-done=is_done>
                        <strong>{title}</strong>
                        <span class="muted">{format!(" · {}", step.owner)}</span>
                        {match done {
                            Some(done) => view! { <div class="step-done mono">{done}</div> }.into_any(),
                            None if open && is_notify => view! {
                                <div class="step-act">
                                    <button class="button comms-preview-run" on:click=preview>{w("Preview the partner message", "Предпросмотр сообщения партнёрам", language.get())}</button>
                                    {move || message.get().map(|m| {
                                        let side = |class: &'static str, text: Option<clubgate_ipc::CommsMessageView>| view! {
                                            <div class=class>
                                                <div class="subject"><strong>{text.as_ref().map(|t| t.subject.clone()).unwrap_or_default()}</strong></div>
                                                <pre class="body">{text.map(|t| t.body).unwrap_or_default()}</pre>
                                            </div>
                                        };
                                        view! {
                                            <div class="comms-side-by-side" data-template=m.template.clone() data-sha256=m.sent_sha256.unwrap_or_default()>
                                                {side("comms-en", m.en.clone())}
                                                {side("comms-ru", m.ru.clone())}
                                            </div>
                                        }
                                    })}
                                    <button class="button comms-sent-run" disabled=move || busy.get() || message.with(Option::is_none) on:click=sent>
                                        {w("Sent to partners — log it", "Отправлено партнёрам — записать", language.get())}
                                    </button>
                                </div>
                            }.into_any(),
                            None if open => view! {
                                <div class="step-act">
                                    <Show when=move || needs_evidence>
                                        <input class="step-evidence" type="text" placeholder="evidence" prop:value=move || evidence.get() on:input=move |ev| evidence.set(event_target_value(&ev)) />
                                    </Show>
                                    <button class="button step-run" disabled=move || busy.get() on:click=action>{label}</button>
                                </div>
                            }.into_any(),
                            None => view! { <span class="muted">"—"</span> }.into_any(),
                        }}
                    </li>
                }
            })
            .collect_view();
        let stand_down = {
            let rollback = rollback.clone();
            move |_| {
                let mut map = BTreeMap::new();
                map.insert("rollback".to_owned(), rollback.clone());
                act("rollback_stood_down".to_owned(), map, why.get_untracked());
            }
        };
        view! {
            <section class="card rollback" data-rollback=r.rollback.clone() data-scope=r.scope.clone() data-open=open.to_string()>
                <h2>{format!("{} {} · {}", w("Rollback of", "Откат", language.get()), r.scope, r.declared_at)}</h2>
                <ol class="steps">{steps}</ol>
                {match r.stood_down.clone() {
                    Some(at) => view! { <div class="stood-down">{format!("{} {at}", w("Stood down", "Отменён", language.get()))}</div> }.into_any(),
                    None => view! { <button class="button stand-down" disabled=move || busy.get() on:click=stand_down>{w("Stand down", "Отменить откат", language.get())}</button> }.into_any(),
                }}
            </section>
        }
    };
    let rollbacks = move || {
        data.get().map(|d| {
            let previous = d.previous_level.clone();
            d.rollbacks.into_iter().rev().map(|r| procedure(r, previous.clone())).collect_view()
        })
    };

    let log = move || {
        data.get().map(|d| {
            let rows = d
                .entries
                .into_iter()
                .map(|e| {
                    let shown = RwSignal::new(false);
                    let snapshot = e.snapshot.clone();
                    view! {
                        <tr class="decision" data-seq=e.seq.to_string() data-kind=e.kind.clone() data-verified=e.verified.to_string()>
                            <td class="mono">{e.position}</td>
                            <td class="mono">{e.at.clone()}</td>
                            <td><strong>{e.kind.clone()}</strong><div class="mono small">{e.details.clone()}</div></td>
                            <td>{e.text.clone()}</td>
                            <td class="small">{e.author.clone()}</td>
                            <td class="verification">
                                {if e.verified {
                                    view! { <span class="badge ok">{w("verified", "проверено", language.get())}</span> }.into_any()
                                } else {
                                    view! { <span class="badge bad">{w("BROKEN", "НАРУШЕНО", language.get())}</span><ul class="problems">{e.problems.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}</ul> }.into_any()
                                }}
                                <button class="button ghost snapshot-toggle" on:click=move |_| shown.update(|s| *s = !*s)>{format!("snapshot {}", &e.snapshot_hash.get(..10).unwrap_or(""))}</button>
                                <Show when=move || shown.get()>
                                    <pre class="snapshot-json">{snapshot.clone()}</pre>
                                </Show>
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <section class="card">
                    <h2>{w("Decision log", "Журнал решений", language.get())}
                        <span id="decision-log-state" data-intact=d.intact.to_string() class=if d.intact { "badge ok" } else { "badge bad" }>
                            {if d.intact { w("intact", "цел", language.get()) } else { w("BROKEN", "НАРУШЕН", language.get()) }}
                        </span>
                    </h2>
                    <table class="table" id="decision-log"><tbody>{rows}</tbody></table>
                </section>
            }
        })
    };

    view! {
        <Show when=move || error.get().is_some()>
            <div class="alert error" id="warroom-error">{move || error.get().unwrap_or_default()}</div>
        </Show>
        <section class="card controls">
            <div class="control-row">
                <label>{move || w("Launch IC token PIN", "PIN токена Launch IC", language.get())}</label>
                <input id="ic-pin" type="password" autocomplete="off" class="narrow" prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev)) />
                <label>{move || w("Why", "Почему", language.get())}</label>
                <input id="decide-why" type="text" class="wide-input" prop:value=move || why.get() on:input=move |ev| why.set(event_target_value(&ev)) />
            </div>
        </section>
        {move || data.with(|d| d.as_ref().filter(|d| !d.refused.is_empty()).map(|d| view! {
            <div class="alert error" id="warroom-refused">
                <ul class="plain">{d.refused.iter().map(|r| view! { <li>{r.clone()}</li> }).collect_view()}</ul>
            </div>
        }))}
        {header}
        {rollbacks}
        <section class="card controls">
            <h2>{move || w("Decide", "Решение", language.get())}</h2>
            <div class="control-row">
                <select id="decide-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    {move || data.with(|d| d.as_ref().map(|d| d.kinds.clone()).unwrap_or_default()).into_iter().map(|k| {
                        let (value, label) = (k.clone(), k.clone());
                        view! { <option value=k selected=move || kind.get() == value>{label}</option> }
                    }).collect_view()}
                </select>
                <textarea id="decide-details" rows="3" placeholder="verdict=go" prop:value=move || details.get() on:input=move |ev| details.set(event_target_value(&ev))></textarea>
                <button id="decide-run" class="button primary" disabled=move || busy.get() on:click=submit>{move || w("Sign and log", "Подписать и записать", language.get())}</button>
            </div>
        </section>
        {log}
    }
}
