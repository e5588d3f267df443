//! The ledger sync: the status strip under the navigation on every page (polled each
//! second), and the ledger URL field of the Settings dialog. The shell computes every figure;
//! this file only words them.

use std::time::Duration;

use clubgate_ipc::{CommandError, LedgerUrlUpdate, SyncStatusView};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{lang, t, Lang};
use crate::ipc;

/// The latest sync status, shared by the strip and the Settings dialog.
#[derive(Clone, Copy)]
pub(crate) struct SyncState(pub(crate) RwSignal<Option<SyncStatusView>>);

/// Provides the status signal and polls the shell each second. When the cursor moves or the
/// outbox shrinks, the overview is read again, so a sign-off marked pending loses the mark
/// as soon as its record is back from the ledger.
pub(crate) fn provide_sync_state() {
    let status = RwSignal::new(None::<SyncStatusView>);
    provide_context(SyncState(status));
    let app = crate::app::state();
    let poll = move || {
        spawn_local(async move {
            if let Ok(latest) = ipc::sync_status().await {
                let moved = status.with_untracked(|old| {
                    old.as_ref().is_some_and(|old| old.cursor != latest.cursor || old.outbox_pending != latest.outbox_pending)
                });
                if status.with_untracked(|old| old.as_ref() != Some(&latest)) {
                    status.set(Some(latest));
                }
                if moved {
                    app.reload();
                }
            }
        });
    };
    poll();
    set_interval(poll, Duration::from_secs(1));
}

fn sync_state() -> SyncState {
    expect_context::<SyncState>()
}

/// The strip's main line.
fn summary(status: &SyncStatusView, language: Lang) -> String {
    let url = status.url.clone().unwrap_or_default();
    match status.state.as_str() {
        "online" => format!(
            "{} · {} {} · {} {} · {} {}",
            t("sync_online", language),
            t("sync_cursor", language),
            status.cursor,
            t("sync_lag", language),
            status.lag.unwrap_or(0),
            t("sync_outbox", language),
            status.outbox_pending
        ),
        "offline" => match language {
            Lang::En => format!(
                "offline since {}, {} actions waiting",
                status.offline_since.clone().unwrap_or_else(|| "—".to_owned()),
                status.outbox_pending
            ),
            Lang::Ru => format!(
                "офлайн с {}, действий в очереди: {}",
                status.offline_since.clone().unwrap_or_else(|| "—".to_owned()),
                status.outbox_pending
            ),
        },
        "connecting" => format!("{} {url}…", t("sync_connecting", language)),
        "unauthorized" => format!("{}: {}", t("sync_unauthorized", language), status.last_error.clone().unwrap_or_default()),
        "broken" => match status.broken_seq {
            Some(seq) => format!("{} {seq} — {}", t("sync_broken_at", language), t("sync_stopped", language)),
            None => format!("{}: {}", t("sync_stopped", language), status.last_error.clone().unwrap_or_default()),
        },
        _ => t("sync_not_configured", language).to_owned(),
    }
}

/// The status strip.
#[component]
pub(crate) fn SyncStrip() -> impl IntoView {
    let status = sync_state().0;
    let language = lang();
    move || {
        let current = status.get()?;
        let language = language.get();
        let line = summary(&current, language);
        let detail = match current.state.as_str() {
            "offline" | "broken" => current.last_error.clone(),
            _ => None,
        };
        let refused = current
            .outbox_refused
            .iter()
            .map(|r| {
                let text = format!("{} {}: {}", r.kind, t("sync_refused", language), r.message);
                view! { <li class="sync-refusal" data-code=r.code.clone()>{text}</li> }
            })
            .collect_view();
        Some(view! {
            <div class="sync-strip" id="sync-strip" data-state=current.state.clone()>
                <span class="sync-dot"></span>
                <span id="sync-text">{line}</span>
                {current.url.clone().map(|url| view! { <span class="muted mono sync-url">{url}</span> })}
                {detail.map(|d| view! { <span class="muted sync-detail" id="sync-detail">{d}</span> })}
                <ul class="sync-refused" id="sync-refused">{refused}</ul>
            </div>
        })
    }
}

/// The ledger URL field of the Settings dialog: saved on its own (it restarts the sync).
#[component]
pub(crate) fn LedgerUrlField() -> impl IntoView {
    let status = sync_state().0;
    let language = lang();
    let url = RwSignal::new(status.get_untracked().and_then(|s| s.url).unwrap_or_default());
    let error = RwSignal::new(None::<CommandError>);
    let saved = RwSignal::new(false);
    let save = move |_| {
        let update = LedgerUrlUpdate { url: url.get_untracked() };
        spawn_local(async move {
            match ipc::set_ledger_url(&update).await {
                Ok(latest) => {
                    status.set(Some(latest));
                    error.set(None);
                    saved.set(true);
                }
                Err(e) => {
                    error.set(Some(e));
                    saved.set(false);
                }
            }
        });
    };
    view! {
        <fieldset class="ledger-url">
            <label>
                {move || t("ledger_url", language.get())}
                <input id="settings-ledger-url" type="text" placeholder="http://127.0.0.1:8080" prop:value=move || url.get()
                    on:input=move |ev| { url.set(event_target_value(&ev)); saved.set(false); } />
                <small class="muted">{move || t("ledger_url_hint", language.get())}</small>
            </label>
            <div class="form-actions">
                <button id="settings-ledger-save" class="button" on:click=save>{move || t("ledger_url_save", language.get())}</button>
                <Show when=move || saved.get()>
                    <span class="badge ok" id="settings-ledger-saved">{move || t("saved", language.get())}</span>
                </Show>
            </div>
            <Show when=move || error.get().is_some()>
                <div class="alert error" id="settings-ledger-error" data-code=move || error.get().map(|e| e.code).unwrap_or_default()>
                    {move || error.get().map(|e| e.message).unwrap_or_default()}
                </div>
            </Show>
        </fieldset>
    }
}
