//! The Payouts page's working part: the treasury (registry, wallets, phase headroom), a new
//! payout into the queue, the queue with approvals and per-chunk review and signing, and the
//! canary panel. Every decision is the shell's; this file shows what it says, in words, and
//! the exact bytes decoded — never the request fields as if they were the transaction.

use clubgate_ipc::{
    ApprovalImport, ApproveRequest, BundleRequest, BundleView, CanaryRequest, ChainInput, ChunkRequest, DecodedView, TreasuryView,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{lang, t};
use crate::ipc;

/// A decoded transaction as a two-column table.
#[component]
pub(crate) fn DecodedTable(decoded: DecodedView) -> impl IntoView {
    view! {
        <table class="table decoded" data-network=decoded.network>
            <tbody>
                {decoded.fields.into_iter().map(|(label, value)| view! { <tr><td class="muted">{label}</td><td class="mono">{value}</td></tr> }).collect_view()}
            </tbody>
        </table>
    }
}

/// A labelled text input bound to `signal`; the label is the interface word `key`.
pub(crate) fn text_field(id: &'static str, key: &'static str, signal: RwSignal<String>, placeholder: &'static str) -> impl IntoView {
    let language = lang();
    view! {
        <label>
            {move || t(key, language.get())}
            <input id=id type="text" placeholder=placeholder prop:value=move || signal.get() on:input=move |ev| signal.set(event_target_value(&ev)) />
        </label>
    }
}

/// Shared state of the queue section.
#[derive(Clone, Copy)]
struct Queue {
    treasury: RwSignal<Option<TreasuryView>>,
    bundles: RwSignal<Vec<BundleView>>,
    error: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    nonce: RwSignal<String>,
    ref_bytes: RwSignal<String>,
    ref_hash: RwSignal<String>,
    review: RwSignal<Option<(String, u32, DecodedView)>>,
}

impl Queue {
    fn chain(self) -> ChainInput {
        ChainInput {
            pending_nonce: self.nonce.get_untracked(),
            ref_block_bytes: self.ref_bytes.get_untracked(),
            ref_block_hash: self.ref_hash.get_untracked(),
        }
    }

    fn reload(self) {
        spawn_local(async move {
            match ipc::treasury().await {
                Ok(view) => self.treasury.set(Some(view)),
                Err(e) => self.error.set(Some(e.message)),
            }
            if let Ok(bundles) = ipc::payout_queue().await {
                self.bundles.set(bundles);
            }
        });
    }

    /// Runs one command; its result replaces the queue, its error is shown in words.
    fn run<F>(self, call: F)
    where
        F: std::future::Future<Output = Result<Vec<BundleView>, clubgate_ipc::CommandError>> + 'static,
    {
        self.busy.set(true);
        spawn_local(async move {
            match call.await {
                Ok(bundles) => {
                    self.bundles.set(bundles);
                    self.error.set(None);
                }
                Err(e) => self.error.set(Some(e.message)),
            }
            self.busy.set(false);
            if let Ok(view) = ipc::treasury().await {
                self.treasury.set(Some(view));
            }
        });
    }
}

/// Treasury, new payout, queue and canaries.
#[component]
pub(crate) fn PayoutQueue() -> impl IntoView {
    let language = lang();
    let q = Queue {
        treasury: RwSignal::new(None),
        bundles: RwSignal::new(Vec::new()),
        error: RwSignal::new(None),
        busy: RwSignal::new(false),
        nonce: RwSignal::new(String::new()),
        ref_bytes: RwSignal::new(String::new()),
        ref_hash: RwSignal::new(String::new()),
        review: RwSignal::new(None),
    };
    q.reload();

    let bundle_id = RwSignal::new(String::new());
    let network = RwSignal::new("erc20".to_owned());
    let wallet = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let who = RwSignal::new(String::new());
    let create = move |_| {
        let hot = q.treasury.get_untracked().map(|t| t.wallets).unwrap_or_default();
        let chosen = wallet.get_untracked();
        let net = network.get_untracked();
        // The first hot wallet of the network unless one was chosen.
        let source_wallet = if chosen.is_empty() {
            hot.iter().find(|w| w.kind == "hot" && w.network == net).map(|w| w.id.clone()).unwrap_or_default()
        } else {
            chosen
        };
        let request = BundleRequest {
            bundle_id: bundle_id.get_untracked(),
            network: net,
            token: "USDT".to_owned(),
            source_wallet,
            to: to.get_untracked(),
            amount: amount.get_untracked(),
            who: who.get_untracked(),
        };
        q.run(async move { ipc::create_bundle(&request).await });
    };

    view! {
        <section class="card" id="treasury">
            <h2>{move || t("treasury", language.get())}</h2>
            {move || q.treasury.get().map(|tv| match tv.error.clone() {
                Some(error) => view! { <div class="alert error" id="treasury-error">{error}</div> }.into_any(),
                None => view! {
                    <p class="muted mono" id="treasury-file">{tv.file.clone()}</p>
                    <p id="treasury-headroom">
                        {format!("{}: {} — {} / {} signed today", t("headroom", language.get()), tv.phase.clone().unwrap_or_default(), tv.headroom.clone().unwrap_or_else(|| "—".to_owned()), tv.signed_today)}
                    </p>
                    <div class="two-col">
                        <div>
                            <h3>{format!("{} · {}-of-{}", t("approvers", language.get()), tv.quorum, tv.approvers.iter().filter(|a| a.role == "approver").count())}</h3>
                            <ul class="plain" id="approvers">
                                {tv.approvers.iter().map(|a| view! { <li><strong>{a.name.clone()}</strong>" · "{a.role.clone()}" · "<span class="mono">{a.address.clone()}</span></li> }).collect_view()}
                            </ul>
                        </div>
                        <div>
                            <h3>{t("wallets", language.get())}</h3>
                            <ul class="plain" id="wallets">
                                {tv.wallets.iter().map(|w| view! { <li>{format!("{} · {} · {}", w.id, w.kind, w.network.to_uppercase())}" "<span class="mono">{w.address.clone()}</span></li> }).collect_view()}
                            </ul>
                        </div>
                    </div>
                }.into_any(),
            })}
        </section>

        <section class="card" id="canaries">
            <h2>{move || t("canaries", language.get())}</h2>
            {move || q.treasury.get().filter(|tv| tv.error.is_none()).map(|tv| view! {
                <p class="muted">{tv.canary_day.clone()}</p>
                <table class="table">
                    <tbody>
                        {tv.canaries.iter().map(|c| {
                            let wallet = c.wallet.clone();
                            let send = move |_| {
                                let request = CanaryRequest { wallet: wallet.clone(), chain: q.chain() };
                                q.busy.set(true);
                                spawn_local(async move {
                                    match ipc::sign_canary(&request).await {
                                        Ok(view) => { q.treasury.set(Some(view)); q.error.set(None); }
                                        Err(e) => q.error.set(Some(e.message)),
                                    }
                                    q.busy.set(false);
                                });
                            };
                            let signed = c.status == "signed";
                            view! {
                                <tr class="canary" data-network=c.network.clone() data-status=c.status.clone()>
                                    <td>{c.network.to_uppercase()}</td>
                                    <td>{c.wallet.clone()}</td>
                                    <td class="mono">{format!("→ {}", c.check_address)}</td>
                                    <td class:ok=signed class="status">{c.status.clone()}</td>
                                    <td class="mono">{c.tx_hash.clone().unwrap_or_default()}</td>
                                    <td>
                                        <Show when=move || !signed>
                                            <button class="button send" disabled=move || q.busy.get() on:click=send.clone()>{move || t("send_canary", language.get())}</button>
                                        </Show>
                                    </td>
                                </tr>
                                {c.decoded.clone().map(|d| view! { <tr><td colspan="6"><DecodedTable decoded=d /></td></tr> })}
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>

        <section class="card" id="new-payout">
            <h2>{move || t("new_payout", language.get())}</h2>
            <div class="form-grid">
                {text_field("bundle-id", "bundle_id", bundle_id, "p-2026-12-07-001")}
                <label>
                    {move || t("network", language.get())}
                    <select id="bundle-network" on:change=move |ev| { network.set(event_target_value(&ev)); wallet.set(String::new()); }>
                        <option value="erc20">"ERC-20"</option>
                        <option value="trc20">"TRC-20"</option>
                    </select>
                </label>
                <label>
                    {move || t("from_wallet", language.get())}
                    <select id="bundle-wallet" on:change=move |ev| wallet.set(event_target_value(&ev))>
                        {move || {
                            let net = network.get();
                            q.treasury.get().map(|tv| tv.wallets.into_iter().filter(|w| w.kind == "hot" && w.network == net)
                                .map(|w| { let label = format!("{} · {}", w.id, w.address); view! { <option value=w.id>{label}</option> } }).collect_view())
                        }}
                    </select>
                </label>
                {text_field("bundle-to", "destination", to, "0x… / T…")}
                {text_field("bundle-amount", "amount", amount, "600000")}
                {text_field("bundle-who", "requested_by", who, "treasury lead")}
            </div>
            <div class="form-actions">
                <button id="bundle-create" class="button primary" disabled=move || q.busy.get() on:click=create>{move || t("put_in_queue", language.get())}</button>
            </div>
        </section>

        <section class="card" id="queue">
            <h2>{move || t("queue", language.get())}</h2>
            <Show when=move || q.error.get().is_some()>
                <div class="alert error" id="queue-error">{move || q.error.get().unwrap_or_default()}</div>
            </Show>
            <h3>{move || t("chain_fields", language.get())}</h3>
            <div class="form-grid">
                {text_field("chain-nonce", "pending_nonce", q.nonce, "0")}
                {text_field("chain-ref-bytes", "ref_block_bytes", q.ref_bytes, "4b2f")}
                {text_field("chain-ref-hash", "ref_block_hash", q.ref_hash, "0102030405060708")}
            </div>
            {move || {
                let bundles = q.bundles.get();
                if bundles.is_empty() {
                    return view! { <p class="muted">{t("queue_empty", language.get())}</p> }.into_any();
                }
                // Untracked: a treasury reload (after every command) must not re-render the
                // queue under the approver's pointer; the registry is loaded before the queue.
                let approvers = q.treasury.get_untracked().map(|tv| tv.approvers).unwrap_or_default();
                bundles.into_iter().map(|b| bundle_card(q, b, &approvers)).collect_view().into_any()
            }}
        </section>
    }
}

fn unsigned_status(status: &str) -> bool {
    status == "not signed"
}

fn bundle_card(q: Queue, b: BundleView, approvers: &[clubgate_ipc::ApproverView]) -> impl IntoView {
    let language = lang();
    let approved_by: Vec<String> = b.approvals.iter().map(|a| a.address.to_lowercase()).collect();
    let approve_buttons = approvers
        .iter()
        .filter(|a| !b.approved && a.role == "approver" && a.signs_here && !approved_by.contains(&a.address.to_lowercase()))
        .map(|a| {
            let request = ApproveRequest { bundle_id: b.bundle_id.clone(), approver: a.address.clone() };
            let name = a.name.clone();
            view! {
                <button class="button approve" data-approver=a.address.clone() disabled=move || q.busy.get()
                    on:click=move |_| { let request = request.clone(); q.run(async move { ipc::approve_bundle(&request).await }); }>
                    {move || format!("{} {}", t("approve_as", language.get()), name)}
                </button>
            }
        })
        .collect_view();
    let bundle_id = b.bundle_id.clone();
    let approved = b.approved;
    let network = b.network.clone();
    let chunks = b
        .chunks
        .iter()
        .map(|c| {
            let index = c.index;
            let review_id = bundle_id.clone();
            let sign_id = bundle_id.clone();
            let review = move |_| {
                let request = ChunkRequest { bundle_id: review_id.clone(), chunk: index, chain: q.chain(), replace: String::new() };
                spawn_local(async move {
                    match ipc::review_chunk(&request).await {
                        Ok(decoded) => {
                            q.review.set(Some((request.bundle_id, index, decoded)));
                            q.error.set(None);
                        }
                        Err(e) => q.error.set(Some(e.message)),
                    }
                });
            };
            let sign_as = move |replace: &str| {
                let request = ChunkRequest { bundle_id: sign_id.clone(), chunk: index, chain: q.chain(), replace: replace.to_owned() };
                q.review.set(None);
                q.run(async move { ipc::sign_chunk(&request).await });
            };
            let sign_as_original = sign_as.clone();
            let sign = move |_| sign_as_original("");
            let replacement = if network == "erc20" { "speed-up" } else { "expired" };
            let replace = move |_| sign_as(replacement);
            let broadcast_id = bundle_id.clone();
            let broadcast = move |_| {
                let request = ChunkRequest { bundle_id: broadcast_id.clone(), chunk: index, chain: q.chain(), replace: String::new() };
                q.run(async move { ipc::mark_broadcast(&request).await });
            };
            let broadcast_at = c.broadcast_at.clone();
            let can_replace = !unsigned_status(&c.status) && (network == "erc20" || broadcast_at.is_none());
            let can_mark = !unsigned_status(&c.status) && broadcast_at.is_none();
            let unsigned = unsigned_status(&c.status);
            let shown_id = bundle_id.clone();
            view! {
                <tr class="chunk" data-chunk=index.to_string() data-status=c.status.clone() data-attempt=c.attempt.map(|a| a.to_string()).unwrap_or_default()>
                    <td>{format!("#{index}")}</td>
                    <td class="mono">{c.amount.clone()}</td>
                    <td class="status" class:ok=!unsigned>{match c.attempt { Some(a) if a > 0 => format!("{} (replacement {a})", c.status), _ => c.status.clone() }}</td>
                    <td class="mono">{c.tx_hash.clone().unwrap_or_default()}</td>
                    <td>
                        <Show when=move || unsigned>
                            <button class="button review" on:click=review.clone()>{move || t("review", language.get())}</button>
                            <button class="button primary sign" disabled=move || !approved || q.busy.get() on:click=sign.clone()>{move || t("sign", language.get())}</button>
                        </Show>
                        <Show when=move || can_mark>
                            <button class="button mark-broadcast" disabled=move || q.busy.get() on:click=broadcast.clone()>{move || t("mark_broadcast", language.get())}</button>
                        </Show>
                        <Show when=move || can_replace>
                            <button class="button replace" data-reason=replacement disabled=move || q.busy.get() on:click=replace.clone()>
                                {move || t(if replacement == "speed-up" { "speed_up" } else { "resign_expired" }, language.get())}
                            </button>
                        </Show>
                    </td>
                    <td class="muted broadcast">{broadcast_at.map(|at| format!("broadcast {at}")).unwrap_or_default()}</td>
                </tr>
                {move || q.review.get().filter(|(id, i, _)| *id == shown_id && *i == index).map(|(_, _, d)| view! {
                    <tr class="review-row"><td colspan="6"><p class="muted">"Unsigned bytes to be signed, decoded:"</p><DecodedTable decoded=d /></td></tr>
                })}
                {c.decoded.clone().map(|d| view! {
                    <tr class="signed-row"><td colspan="6">
                        <DecodedTable decoded=d />
                        {c.raw.clone().map(|raw| view! { <p class="muted">"Signed bytes (to broadcast):"</p><code class="raw mono">{raw}</code> })}
                    </td></tr>
                })}
            }
        })
        .collect_view();
    view! {
        <article class="bundle" data-bundle=b.bundle_id.clone() data-approved=b.approved.to_string()>
            <h3 class="mono">{format!("{} · {} {} {}", b.bundle_id, b.amount, b.token, b.network.to_uppercase())}</h3>
            <p class="mono">{format!("{} → {}", b.source, b.destination)}</p>
            <p class="allow" class:ok=b.destination_name.is_some() class:bad=b.destination_name.is_none()>
                {match &b.destination_name { Some(name) => format!("allow-listed: {name}"), None => "NOT on the allow-list".to_owned() }}
            </p>
            <p class="why">{b.why.clone()}</p>
            <p class="muted mono">{format!("EIP-712 hash {} · requested by {}", b.hash, b.requested_by)}</p>
            <p class="approvals">
                {format!("{}: {} of {} — {}", t("approvals", language.get_untracked()), b.approvals.len(), b.quorum,
                    if b.approved { t("quorum_met", language.get_untracked()) } else { t("quorum_missing", language.get_untracked()) })}
                {b.approvals.iter().map(|a| view! { <span class="tag">{a.name.clone()}</span> }).collect_view()}
            </p>
            <div class="form-actions">{approve_buttons}</div>
            {(!b.approved).then(|| {
                let pasted = RwSignal::new(String::new());
                let import_id = b.bundle_id.clone();
                let import = move |_| {
                    let request = ApprovalImport { bundle_id: import_id.clone(), document: pasted.get_untracked() };
                    q.run(async move { ipc::import_approval(&request).await });
                };
                view! {
                    <details class="import-approval">
                        <summary>{move || t("import_approval", language.get())}</summary>
                        <textarea class="wide-text approval-json" rows="3" placeholder="{\"bundle_hash\": \"0x…\", \"approver\": \"0x…\", \"signature\": \"0x…\"}"
                            prop:value=move || pasted.get() on:input=move |ev| pasted.set(event_target_value(&ev))></textarea>
                        <button class="button import" disabled=move || q.busy.get() on:click=import>{move || t("add_approval", language.get())}</button>
                    </details>
                }
            })}
            <table class="table chunks"><tbody>{chunks}</tbody></table>
        </article>
    }
}
