//! The settings dialog: T0, time zone and plan file of the launch. Once a payout of the
//! launch has been signed, changing any of them is a launch IC decision: the shell refuses
//! it (`launch_locked`) unless a reason is given, and records who and why.

use clubgate_ipc::{CommandError, SettingsUpdate};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::state;
use crate::i18n::{lang, t};
use crate::ipc;
use crate::sync::LedgerUrlField;

/// The settings dialog; closes on save or cancel.
#[component]
pub(crate) fn SettingsDialog(open: RwSignal<bool>) -> impl IntoView {
    let state = state();
    let language = lang();
    let current = state.overview.get_untracked();
    let t0 = RwSignal::new(current.as_ref().map(|o| o.t0_wall.clone()).unwrap_or_default());
    let tz = RwSignal::new(current.as_ref().map(|o| o.tz.clone()).unwrap_or_default());
    let plan = RwSignal::new(current.as_ref().map(|o| o.plan_source.clone()).filter(|s| !s.starts_with("builtin:")).unwrap_or_default());
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<CommandError>);
    let saving = RwSignal::new(false);
    let save = move |_| {
        let update = SettingsUpdate {
            t0: t0.get_untracked(),
            tz: tz.get_untracked(),
            plan_path: plan.get_untracked(),
            who: state.who.get_untracked(),
            reason: reason.get_untracked(),
        };
        saving.set(true);
        spawn_local(async move {
            match ipc::save_settings(&update).await {
                Ok(overview) => {
                    state.overview.set(Some(overview));
                    open.set(false);
                }
                Err(e) => error.set(Some(e)),
            }
            saving.set(false);
        });
    };
    view! {
        <div class="modal-backdrop">
            <div class="modal" role="dialog" id="settings-dialog">
                <h2>{move || t("settings_title", language.get())}</h2>
                <label>
                    "T0"
                    <input id="settings-t0" type="text" placeholder="2026-12-07T10:00" prop:value=move || t0.get() on:input=move |ev| t0.set(event_target_value(&ev)) />
                    <small class="muted">{move || t("t0_hint", language.get())}</small>
                </label>
                <label>
                    {move || t("tz", language.get())}
                    <input id="settings-tz" type="text" placeholder="Europe/Warsaw" prop:value=move || tz.get() on:input=move |ev| tz.set(event_target_value(&ev)) />
                    <small class="muted">{move || t("tz_hint", language.get())}</small>
                </label>
                <label>
                    {move || t("plan_file", language.get())}
                    <input id="settings-plan" type="text" placeholder="/path/to/plan.toml" prop:value=move || plan.get() on:input=move |ev| plan.set(event_target_value(&ev)) />
                    <small class="muted">{move || t("plan_hint", language.get())}</small>
                </label>
                <label>
                    {move || t("who", language.get())}
                    <input id="settings-who" type="text" prop:value=move || state.who.get() on:input=move |ev| state.who.set(event_target_value(&ev)) />
                </label>
                <label>
                    {move || t("settings_reason", language.get())}
                    <input id="settings-reason" type="text" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) />
                </label>
                <Show when=move || error.get().is_some()>
                    <div class="alert error" id="settings-error" data-code=move || error.get().map(|e| e.code).unwrap_or_default()>
                        {move || error.get().map(|e| e.message).unwrap_or_default()}
                    </div>
                </Show>
                <div class="form-actions">
                    <button id="settings-save" class="button primary" disabled=move || saving.get() on:click=save>{move || t("save", language.get())}</button>
                    <button id="settings-cancel" class="button ghost" on:click=move |_| open.set(false)>{move || t("cancel", language.get())}</button>
                </div>
                <LedgerUrlField />
            </div>
        </div>
    }
}
