//! The Payouts page: the treasury, queue and canaries ([`crate::queue`]), then plan a payout — how it is batched under the per-tx cap
//! and whether the day's phase volume cap allows it — and review a transaction decoded from
//! its exact bytes, never from the request fields.

use clubgate_ipc::{DecodedView, PayoutPlanRequest, PayoutPlanView};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{lang, t};
use crate::ipc;
use crate::queue::text_field;

/// The Payouts page.
#[component]
pub(crate) fn PayoutsPage() -> impl IntoView {
    let language = lang();
    let network = RwSignal::new("erc20".to_owned());
    let token = RwSignal::new("USDT".to_owned());
    let to = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let target = RwSignal::new(String::new());
    let signed = RwSignal::new(String::new());
    let plan = RwSignal::new(None::<PayoutPlanView>);
    let plan_error = RwSignal::new(None::<String>);
    let raw = RwSignal::new(String::new());
    let decoded = RwSignal::new(None::<DecodedView>);
    let decode_error = RwSignal::new(None::<String>);

    let run_plan = move |_| {
        let request = PayoutPlanRequest {
            network: network.get_untracked(),
            token: token.get_untracked(),
            to: to.get_untracked(),
            amount: amount.get_untracked(),
            daily_target: target.get_untracked(),
            signed_today: signed.get_untracked(),
        };
        spawn_local(async move {
            match ipc::plan_payout(&request).await {
                Ok(view) => {
                    plan.set(Some(view));
                    plan_error.set(None);
                }
                Err(e) => {
                    plan.set(None);
                    plan_error.set(Some(e.message));
                }
            }
        });
    };
    let run_decode = move |_| {
        let hex = raw.get_untracked();
        spawn_local(async move {
            match ipc::decode_transaction(&hex).await {
                Ok(view) => {
                    decoded.set(Some(view));
                    decode_error.set(None);
                }
                Err(e) => {
                    decoded.set(None);
                    decode_error.set(Some(e.message));
                }
            }
        });
    };
    view! {
        <crate::queue::PayoutQueue />
        <section class="card payout-form">
            <h2>{move || t("plan_payout", language.get())}</h2>
            <div class="form-grid">
                <label>
                    {move || t("network", language.get())}
                    <select id="payout-network" on:change=move |ev| network.set(event_target_value(&ev))>
                        <option value="erc20">"ERC-20"</option>
                        <option value="trc20">"TRC-20"</option>
                    </select>
                </label>
                <label>
                    {move || t("token", language.get())}
                    <select id="payout-token" on:change=move |ev| token.set(event_target_value(&ev))>
                        <option value="USDT">"USDT"</option>
                        <option value="USDC">"USDC"</option>
                    </select>
                </label>
                {text_field("payout-to", "destination", to, "0x… / T…")}
                {text_field("payout-amount", "amount", amount, "600000")}
                {text_field("payout-target", "daily_target", target, "1000000")}
                {text_field("payout-signed", "signed_today", signed, "0")}
            </div>
            <div class="form-actions">
                <button id="payout-plan" class="button primary" on:click=run_plan>{move || t("plan", language.get())}</button>
            </div>
            <Show when=move || plan_error.get().is_some()>
                <div class="alert error" id="payout-error">{move || plan_error.get().unwrap_or_default()}</div>
            </Show>
            {move || plan.get().map(|p| {
                let fits = p.fits;
                view! {
                    <div class="plan-result" id="payout-result" data-chunks=p.chunks.len().to_string()>
                        <p class="why">{p.why.clone()}</p>
                        <ol class="chunks">{p.chunks.iter().enumerate().map(|(i, c)| view! { <li class="mono">{format!("#{i} · {c}")}</li> }).collect_view()}</ol>
                        <p class="mono muted">{format!("→ {}", p.to)}</p>
                        {p.phase.clone().map(|phase| view! {
                            <p class="headroom" class:ok=fits == Some(true) class:bad=fits == Some(false) id="payout-headroom">
                                {format!("{phase}: {} left today — {}", p.headroom.clone().unwrap_or_default(), if fits == Some(true) { "fits" } else { "exceeds the phase cap" })}
                            </p>
                        })}
                    </div>
                }
            })}
        </section>
        <section class="card">
            <h2>{move || t("review_bytes", language.get())}</h2>
            <textarea id="decode-input" rows="3" class="wide-text" placeholder="0x02… (ERC-20) or 0a… (TRC-20 raw_data)" prop:value=move || raw.get() on:input=move |ev| raw.set(event_target_value(&ev))></textarea>
            <div class="form-actions">
                <button id="decode-run" class="button" on:click=run_decode>{move || t("decode", language.get())}</button>
            </div>
            <Show when=move || decode_error.get().is_some()>
                <div class="alert error" id="decode-error">{move || decode_error.get().unwrap_or_default()}</div>
            </Show>
            {move || decoded.get().map(|d| view! { <div id="decoded"><crate::queue::DecodedTable decoded=d /></div> })}
        </section>
    }
}
