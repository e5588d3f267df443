//! The Payouts page's working part: the treasury (registry, wallets, phase headroom), a new
//! payout into the queue, the queue with approvals and per-chunk review and signing, and the
//! canary panel. Every decision is the shell's; this file shows what it says, in words, and
//! the exact bytes decoded — never the request fields as if they were the transaction.
//!
//! Two rules of issue 8 show here. An approval is made with the PIN of that approver's own
//! token, typed next to the button at that moment: the field is cleared as soon as the
//! request is built, and the PIN is kept nowhere else. And a chunk is signed only as
//! reviewed: "Review bytes" (or a speed-up / re-sign after expiry) asks the shell to fix the
//! exact unsigned bytes under a review hash, and "Sign" sends that hash and nothing else
//! about the transaction.

use clubgate_ipc::{
    ApprovalImport, ApproveRequest, ApproverView, BundleRequest, BundleView, CanaryRequest, ChainInput, ChainStatusView, ChunkChainView,
    ChunkRequest, CommandError, DecodedView, ReviewView, TreasuryView,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

use crate::i18n::{lang, pin_label, t};
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
    /// The last refusal, with its code (shown as `data-code`) and message.
    error: RwSignal<Option<CommandError>>,
    busy: RwSignal<bool>,
    nonce: RwSignal<String>,
    ref_bytes: RwSignal<String>,
    ref_hash: RwSignal<String>,
    /// The latest review of each chunk reviewed and not yet signed: at most one per
    /// (bundle, chunk), so "Sign" always names the last bytes shown for that chunk.
    reviews: RwSignal<Vec<ReviewView>>,
    /// The broadcast ERC-20 chunks as the policy's node sees them (polled; read by each row).
    chain_status: RwSignal<Option<ChainStatusView>>,
    /// Bumped by every command, so a background read that started before one never
    /// overwrites what the command answered.
    generation: RwSignal<u64>,
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
                Err(e) => self.error.set(Some(e)),
            }
            if let Ok(bundles) = ipc::payout_queue().await {
                self.bundles.set(bundles);
            }
        });
    }

    /// Runs one command; its result replaces the queue, its error is shown in words.
    fn run<F>(self, call: F)
    where
        F: std::future::Future<Output = Result<Vec<BundleView>, CommandError>> + 'static,
    {
        self.busy.set(true);
        self.generation.update(|g| *g += 1);
        spawn_local(async move {
            match call.await {
                Ok(bundles) => {
                    self.bundles.set(bundles);
                    self.error.set(None);
                }
                Err(e) => self.error.set(Some(e)),
            }
            self.busy.set(false);
            if let Ok(view) = ipc::treasury().await {
                self.treasury.set(Some(view));
            }
        });
    }

    /// The latest review of a chunk, if one is shown.
    fn review_of(self, bundle_id: &str, chunk: u32) -> Option<ReviewView> {
        self.reviews.with(|reviews| reviews.iter().find(|r| r.bundle_id == bundle_id && r.chunk == chunk).cloned())
    }

    /// This chunk on chain, if it was broadcast and the node follows it.
    fn on_chain(self, bundle_id: &str, chunk: u32) -> Option<ChunkChainView> {
        self.chain_status
            .with(|view| view.as_ref().and_then(|v| v.chunks.iter().find(|c| c.bundle_id == bundle_id && c.chunk == chunk).cloned()))
    }

    /// Sends a chunk's latest signed transaction to its network's node.
    fn send(self, bundle_id: String, chunk: u32) {
        let request = ChunkRequest { bundle_id, chunk, chain: self.chain(), replace: String::new(), review_hash: String::new() };
        self.busy.set(true);
        self.generation.update(|g| *g += 1);
        spawn_local(async move {
            match ipc::broadcast_chunk(&request).await {
                Ok(view) => {
                    self.chain_status.set(Some(view));
                    self.error.set(None);
                }
                Err(e) => self.error.set(Some(e)),
            }
            if let Ok(bundles) = ipc::payout_queue().await {
                self.bundles.set(bundles);
            }
            self.busy.set(false);
        });
    }

    fn forget_review(self, bundle_id: &str, chunk: u32) {
        self.reviews.update(|reviews| reviews.retain(|r| !(r.bundle_id == bundle_id && r.chunk == chunk)));
    }

    /// Asks the shell to fix the bytes of a chunk (`replace` "" for the original,
    /// `speed-up` or `expired` for a replacement) and shows them. The previous review of
    /// the chunk is dropped first, so a refused review never leaves older bytes signable.
    fn review(self, bundle_id: String, chunk: u32, replace: &str) {
        self.forget_review(&bundle_id, chunk);
        let request = ChunkRequest { bundle_id, chunk, chain: self.chain(), replace: replace.to_owned(), review_hash: String::new() };
        self.busy.set(true);
        self.generation.update(|g| *g += 1);
        spawn_local(async move {
            match ipc::review_chunk(&request).await {
                Ok(review) => {
                    self.forget_review(&review.bundle_id, review.chunk);
                    self.reviews.update(|reviews| reviews.push(review));
                    self.error.set(None);
                }
                Err(e) => self.error.set(Some(e)),
            }
            self.busy.set(false);
        });
    }

    /// Signs exactly the chunk's latest review (its hash); the review goes once signed.
    fn sign(self, bundle_id: &str, chunk: u32) {
        let Some(review) = self.review_of(bundle_id, chunk) else { return };
        let request = ChunkRequest {
            bundle_id: review.bundle_id,
            chunk,
            chain: self.chain(),
            replace: review.replace,
            review_hash: review.review_hash,
        };
        self.run(async move {
            let signed = ipc::sign_chunk(&request).await;
            if signed.is_ok() {
                self.forget_review(&request.bundle_id, chunk);
            }
            signed
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
        reviews: RwSignal::new(Vec::new()),
        chain_status: RwSignal::new(None),
        generation: RwSignal::new(0),
    };
    q.reload();
    // Approvals, bundles and signatures made on other desks arrive through the ledger: the
    // queue is read again every 2 s and redrawn only when it changed (so a PIN being typed
    // is not wiped by an unchanged queue) — never while a command runs or a review is
    // shown, and never with an answer older than a command's.
    let poll = move || {
        spawn_local(async move {
            if let Ok(view) = ipc::chain_status().await {
                if q.chain_status.with_untracked(|old| old.as_ref() != Some(&view)) {
                    q.chain_status.set(Some(view));
                }
            }
        });
        if q.busy.get_untracked() || q.reviews.with_untracked(|r| !r.is_empty()) {
            return;
        }
        let started = q.generation.get_untracked();
        spawn_local(async move {
            if let Ok(bundles) = ipc::payout_queue().await {
                let current = !q.busy.get_untracked() && q.generation.get_untracked() == started;
                if current && q.bundles.with_untracked(|old| *old != bundles) {
                    q.bundles.set(bundles);
                }
            }
        });
    };
    if let Ok(handle) = set_interval_with_handle(poll, Duration::from_secs(2)) {
        on_cleanup(move || handle.clear());
    }

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
                            // A canary's review is kept like a chunk's, under the wallet id.
                            let wallet = c.wallet.clone();
                            let review_wallet = wallet.clone();
                            let review = move |_| {
                                let wallet = review_wallet.clone();
                                q.forget_review(&wallet, 0);
                                let request = CanaryRequest { wallet, chain: q.chain(), review_hash: String::new() };
                                q.busy.set(true);
                                q.generation.update(|g| *g += 1);
                                spawn_local(async move {
                                    match ipc::review_canary(&request).await {
                                        Ok(review) => {
                                            q.forget_review(&review.bundle_id, 0);
                                            q.reviews.update(|reviews| reviews.push(review));
                                            q.error.set(None);
                                        }
                                        Err(e) => q.error.set(Some(e)),
                                    }
                                    q.busy.set(false);
                                });
                            };
                            let sign_wallet = wallet.clone();
                            let send = move |_| {
                                let Some(reviewed) = q.review_of(&sign_wallet, 0) else { return };
                                let request = CanaryRequest { wallet: sign_wallet.clone(), chain: q.chain(), review_hash: reviewed.review_hash };
                                q.busy.set(true);
                                q.generation.update(|g| *g += 1);
                                spawn_local(async move {
                                    match ipc::sign_canary(&request).await {
                                        Ok(view) => {
                                            q.forget_review(&request.wallet, 0);
                                            q.treasury.set(Some(view));
                                            q.error.set(None);
                                        }
                                        Err(e) => q.error.set(Some(e)),
                                    }
                                    q.busy.set(false);
                                });
                            };
                            let signed = c.status == "signed";
                            let shown_wallet = wallet.clone();
                            let unreviewed_wallet = wallet;
                            view! {
                                <tr class="canary" data-network=c.network.clone() data-status=c.status.clone()>
                                    <td>{c.network.to_uppercase()}</td>
                                    <td>{c.wallet.clone()}</td>
                                    <td class="mono">{format!("→ {}", c.check_address)}</td>
                                    <td class:ok=signed class="status">{c.status.clone()}</td>
                                    <td class="mono">{c.tx_hash.clone().unwrap_or_default()}</td>
                                    <td>
                                        <Show when=move || !signed>
                                            <button class="button review" disabled=move || q.busy.get() on:click=review.clone()>{move || t("review", language.get())}</button>
                                            <button class="button send" disabled={
                                                let wallet = unreviewed_wallet.clone();
                                                move || q.busy.get() || q.review_of(&wallet, 0).is_none()
                                            } on:click=send.clone()>{move || t("send_canary", language.get())}</button>
                                        </Show>
                                    </td>
                                </tr>
                                {move || (!signed).then(|| q.review_of(&shown_wallet, 0)).flatten().map(review_row)}
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
                <div class="alert error" id="queue-error" data-code=move || q.error.get().map(|e| e.code).unwrap_or_default()>
                    {move || q.error.get().map(|e| e.message).unwrap_or_default()}
                </div>
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

/// One approver's PIN field and button. The PIN lives only in this field's signal, which is
/// emptied as soon as the request is built — before the shell answers, whatever it answers.
fn approve_control(q: Queue, bundle_id: &str, index: usize, approver: &ApproverView) -> impl IntoView {
    let language = lang();
    let pin = RwSignal::new(String::new());
    let field_id = format!("pin-{bundle_id}-{index}");
    let bundle_id = bundle_id.to_owned();
    let address = approver.address.clone();
    let approve = move |_| {
        let request = ApproveRequest { bundle_id: bundle_id.clone(), approver: address.clone(), pin: pin.get_untracked() };
        pin.set(String::new());
        q.run(async move { ipc::approve_bundle(&request).await });
    };
    let label_name = approver.name.clone();
    let button_name = approver.name.clone();
    view! {
        <div class="approve-as" data-approver=approver.address.clone()>
            <label for=field_id.clone()>{move || pin_label(&label_name, language.get())}</label>
            <input id=field_id class="pin" type="password" autocomplete="off" data-approver=approver.address.clone()
                placeholder=move || t("pin_placeholder", language.get())
                prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev)) />
            <button class="button approve" data-approver=approver.address.clone() disabled=move || q.busy.get() on:click=approve>
                {move || format!("{} {}", t("approve_as", language.get()), button_name)}
            </button>
        </div>
    }
}

/// The review of a chunk: the bytes decoded, their review hash and the instant after which
/// signing them is refused.
fn review_row(review: ReviewView) -> impl IntoView {
    let language = lang();
    let replace = review.replace.clone();
    let hash = review.review_hash.clone();
    let gate = review.gate.clone();
    let kind = match review.replace.as_str() {
        "speed-up" => Some("review_of_speed_up"),
        "expired" => Some("review_of_expired"),
        _ => None,
    };
    view! {
        <tr class="review-row" data-replace=replace data-review-hash=hash>
            <td colspan="6">
                {kind.map(|key| view! { <p class="review-kind"><strong>{move || t(key, language.get())}</strong></p> })}
                {gate.map(|why| view! {
                    <p class="review-gate bad"><strong>{move || format!("{}: ", t("slo_gate", language.get()))}</strong>{why}</p>
                })}
                <p class="muted">{move || format!("{}:", t("reviewed_bytes", language.get()))}</p>
                <DecodedTable decoded=review.decoded />
                <p class="muted">
                    {move || format!("{} ", t("review_hash", language.get()))}<span class="mono review-hash">{review.review_hash}</span>
                    " · "{move || format!("{} ", t("sign_before", language.get()))}<span class="mono review-expires">{review.expires_at}</span>
                </p>
            </td>
        </tr>
    }
}

fn bundle_card(q: Queue, b: BundleView, approvers: &[ApproverView]) -> impl IntoView {
    let language = lang();
    let approved_by: Vec<String> = b.approvals.iter().map(|a| a.address.to_lowercase()).collect();
    let approve_controls = approvers
        .iter()
        .enumerate()
        .filter(|(_, a)| !b.approved && a.role == "approver" && a.signs_here && !approved_by.contains(&a.address.to_lowercase()))
        .map(|(index, a)| approve_control(q, &b.bundle_id, index, a))
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
            let review = move |_| q.review(review_id.clone(), index, "");
            let replacement = if network == "erc20" { "speed-up" } else { "expired" };
            let replace_id = bundle_id.clone();
            let replace = move |_| q.review(replace_id.clone(), index, replacement);
            let sign_id = bundle_id.clone();
            let sign = move |_| q.sign(&sign_id, index);
            let reviewed_id = bundle_id.clone();
            let reviewed = move || q.review_of(&reviewed_id, index).is_some();
            let broadcast_id = bundle_id.clone();
            let broadcast = move |_| {
                let request = ChunkRequest {
                    bundle_id: broadcast_id.clone(),
                    chunk: index,
                    chain: q.chain(),
                    replace: String::new(),
                    review_hash: String::new(),
                };
                q.run(async move { ipc::mark_broadcast(&request).await });
            };
            let send_id = bundle_id.clone();
            let send = move |_| q.send(send_id.clone(), index);
            let can_send = !unsigned_status(&c.status);
            let chain_id = bundle_id.clone();
            let on_chain = move || {
                q.on_chain(&chain_id, index).map(|c| {
                    view! {
                        <span class="chain-status" data-status=c.status.clone() data-attempt=c.attempt.to_string() data-fee-mode=c.fee_mode.clone()
                            data-confirmations=c.confirmations.to_string() title=c.tx_hash.clone()>
                            {c.text.clone()}
                        </span>
                        {c.speed_up.clone().map(|s| view! { <span class="speed-up-proposal">{format!(" · {s}")}</span> })}
                        {c.replaced.iter().map(|r| view! { <span class="replaced muted">{format!(" · {r}")}</span> }).collect_view()}
                    }
                })
            };
            let broadcast_at = c.broadcast_at.clone();
            let can_replace = !unsigned_status(&c.status) && (network == "erc20" || broadcast_at.is_none());
            let can_mark = !unsigned_status(&c.status) && broadcast_at.is_none();
            let unsigned = unsigned_status(&c.status);
            let shown_id = bundle_id.clone();
            let signable = reviewed.clone();
            view! {
                <tr class="chunk" data-chunk=index.to_string() data-status=c.status.clone() data-attempt=c.attempt.map(|a| a.to_string()).unwrap_or_default()>
                    <td>{format!("#{index}")}</td>
                    <td class="mono">{c.amount.clone()}</td>
                    <td class="status" class:ok=!unsigned>
                        {match c.attempt { Some(a) if a > 0 => format!("{} (replacement {a})", c.status), _ => c.status.clone() }}
                        {c.ledger_signed.clone().map(|by| view! {
                            <span class="ledger-signed muted">{move || format!(" · {} {by}", t("ledger_signed", language.get()))}</span>
                        })}
                    </td>
                    <td class="mono">{c.tx_hash.clone().unwrap_or_default()}</td>
                    <td>
                        <Show when=move || unsigned>
                            <button class="button review" disabled=move || q.busy.get() on:click=review.clone()>{move || t("review", language.get())}</button>
                        </Show>
                        <Show when=move || can_replace>
                            <button class="button replace" data-reason=replacement disabled=move || q.busy.get() on:click=replace.clone()>
                                {move || t(if replacement == "speed-up" { "speed_up" } else { "resign_expired" }, language.get())}
                            </button>
                        </Show>
                        // Shown for an unsigned chunk (disabled until reviewed) and for a
                        // reviewed replacement; it signs the review's hash and nothing else.
                        <Show when=move || unsigned || reviewed()>
                            <button class="button primary sign" disabled={let signable = signable.clone(); move || !approved || q.busy.get() || !signable()}
                                on:click=sign.clone()>
                                {move || t("sign", language.get())}
                            </button>
                        </Show>
                        <Show when=move || can_send>
                            <button class="button broadcast-send" disabled=move || q.busy.get() on:click=send.clone()>{move || t("broadcast_send", language.get())}</button>
                        </Show>
                        <Show when=move || can_mark>
                            <button class="button mark-broadcast" disabled=move || q.busy.get() on:click=broadcast.clone()>{move || t("mark_broadcast", language.get())}</button>
                        </Show>
                    </td>
                    <td class="muted broadcast">{broadcast_at.map(|at| format!("broadcast {at}")).unwrap_or_default()} {on_chain}</td>
                </tr>
                {move || q.review_of(&shown_id, index).map(review_row)}
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
                {format!("{}: {} of {} — {}", t("approvals", language.get_untracked()), b.approvals.iter().filter(|a| !a.pending && a.refused.is_none()).count(), b.quorum,
                    if b.approved { t("quorum_met", language.get_untracked()) } else { t("quorum_missing", language.get_untracked()) })}
                {b.approvals.iter().map(|a| {
                    let pending = a.pending;
                    let refused = a.refused.clone();
                    let is_refused = refused.is_some();
                    let name = a.name.clone();
                    view! {
                        <span class="tag approval" class:pending=pending class:bad=is_refused data-pending=pending.to_string() data-refused=is_refused.to_string()>
                            {move || match (&refused, pending) {
                                (Some(why), _) => format!("{name} ({}: {why})", t("refused_ledger", language.get())),
                                (None, true) => format!("{name} ({})", t("pending_ledger", language.get())),
                                (None, false) => name.clone(),
                            }}
                        </span>
                    }
                }).collect_view()}
            </p>
            <div class="form-actions approve-controls">{approve_controls}</div>
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
