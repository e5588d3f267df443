//! The Wallets page (issue 12): every hot and canary wallet of the policy against its
//! thresholds — balance per asset with where it was read (a ledger event or the chain),
//! the alerts with the top-up that restores each threshold, canary check addresses — and a
//! button that reads the balances from the networks' nodes now. The shell computes every
//! figure; this page renders them.

use std::time::Duration;

use clubgate_ipc::wallets::{WalletBalancesView, WalletsView};
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

fn wallet_card(wallet: WalletBalancesView, language: Lang) -> impl IntoView {
    let id = wallet.id.clone();
    let verdict_class = format!("verdict verdict-{}", wallet.verdict.replace(' ', "-"));
    let rows = wallet
        .assets
        .into_iter()
        .map(|asset| {
            let row_id = format!("wallet-{id}-{}", asset.asset);
            let balance = asset.balance.clone().unwrap_or_else(|| w("no data", "нет данных", language).to_owned());
            let threshold = asset.threshold.clone().unwrap_or_else(|| "—".to_owned());
            view! {
                <tr id=row_id class=format!("asset-{}", asset.state)>
                    <td>{asset.asset.clone()}</td>
                    <td class="balance" id=format!("{row_id}-balance") title=asset.balance_units.clone().unwrap_or_default()>{balance}</td>
                    <td class="threshold">{threshold}</td>
                    <td class="state" id=format!("{row_id}-state")>{asset.state.clone()}</td>
                    <td class="source">{asset.source.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    let alerts = wallet
        .alerts
        .into_iter()
        .map(|alert| {
            view! {
                <li class="alert" id=format!("wallet-{id}-topup-{}", alert.asset) data-units=alert.top_up_units>
                    {alert.text.clone()}
                </li>
            }
        })
        .collect_view();
    let check = wallet.check_address.clone().map(|address| {
        view! {
            <p class="check-address" id=format!("wallet-{id}-check")>
                {w("Canary check address: ", "Контрольный адрес канарейки: ", language)}<code>{address}</code>
            </p>
        }
    });
    view! {
        <section class="card wallet" id=format!("wallet-{id}")>
            <h3>
                {id.clone()} " · " {wallet.kind.clone()} " · " {wallet.network.clone()} " "
                <span class=verdict_class id=format!("wallet-{id}-verdict")>{wallet.verdict.clone()}</span>
            </h3>
            <p class="address"><code>{wallet.address}</code></p>
            {check}
            <table class="assets">
                <thead>
                    <tr>
                        <th>{w("Asset", "Актив", language)}</th>
                        <th>{w("Balance", "Баланс", language)}</th>
                        <th>{w("Threshold", "Порог", language)}</th>
                        <th>{w("State", "Состояние", language)}</th>
                        <th>{w("Read from", "Источник", language)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <ul class="alerts">{alerts}</ul>
        </section>
    }
}

/// The Wallets page.
#[component]
pub(crate) fn WalletsPage() -> impl IntoView {
    let language = lang();
    let data = RwSignal::new(None::<WalletsView>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    crate::poll::poll_view(data, error, Duration::from_secs(2), ipc::wallets_view);
    let read_chain = move |_| {
        busy.set(true);
        spawn_local(async move {
            match ipc::refresh_wallets().await {
                Ok(view) => {
                    error.set(None);
                    data.set(Some(view));
                }
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    let body = move || {
        let language = language.get();
        data.get().map(|view| {
            let problem = view.error.clone().map(|e| view! { <p class="error" id="wallets-error">{e}</p> });
            let chain = view.chain.iter().map(|note| view! { <li>{note.clone()}</li> }).collect_view();
            let unknown = view.unknown.iter().map(|note| view! { <li class="note">{note.clone()}</li> }).collect_view();
            let summary = if view.below == 0 {
                w(
                    "Every wallet is at or above its thresholds (or has no data).",
                    "Все кошельки на пороге или выше (или без данных).",
                    language,
                )
                .to_owned()
            } else {
                format!("{} {}", view.below, w("wallet(s) below a threshold", "кошелёк(ов) ниже порога", language))
            };
            let cards = view.wallets.iter().cloned().map(|wallet| wallet_card(wallet, language)).collect_view();
            view! {
                {problem}
                <p id="wallets-below" data-count=view.below>{summary}</p>
                <ul id="wallets-chain">{chain}</ul>
                <div class="wallets">{cards}</div>
                <ul id="wallets-unknown">{unknown}</ul>
            }
        })
    };
    view! {
        <section class="page" id="wallets-page">
            <h2>{move || w("Wallets and buffers", "Кошельки и буферы", language.get())}</h2>
            <button id="wallets-refresh" on:click=read_chain prop:disabled=move || busy.get()>
                {move || w("Read balances from the chain", "Прочитать балансы из сети", language.get())}
            </button>
            {move || error.get().map(|e| view! { <p class="error" id="wallets-refresh-error">{e}</p> })}
            {body}
        </section>
    }
}
