//! The window's frame: top bar, freeze banner, navigation, the page, the settings dialog.

use std::time::Duration;

use clubgate_ipc::{Overview, RoleView};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::checklists::Checklists;
use crate::gate::GatePage;
use crate::i18n::{lang, pick, t, Lang};
use crate::ipc;
use crate::payouts::PayoutsPage;
use crate::settings::SettingsDialog;
use crate::slo::SloPage;
use crate::sync::{provide_sync_state, SyncStrip};
use crate::timeline::Timeline;

/// State shared by every page.
#[derive(Clone, Copy)]
pub(crate) struct AppState {
    /// The latest overview from the shell.
    pub(crate) overview: RwSignal<Option<Overview>>,
    /// The last error of a load.
    pub(crate) error: RwSignal<Option<String>>,
    /// The person's name, remembered between forms.
    pub(crate) who: RwSignal<String>,
    /// The webview's clock, ticking each second, for countdowns.
    pub(crate) now_ms: RwSignal<i64>,
}

impl AppState {
    /// Reloads the overview from the shell.
    pub(crate) fn reload(self) {
        spawn_local(async move {
            match ipc::overview().await {
                Ok(overview) => {
                    // Only `now` moves between two reloads of an unchanged launch; skip those,
                    // so a periodic reload never re-renders a form someone is typing in.
                    let unchanged = self.overview.with_untracked(|old| {
                        old.as_ref().is_some_and(|old| Overview { now: overview.now.clone(), ..old.clone() } == overview)
                    });
                    if !unchanged {
                        self.overview.set(Some(overview));
                    }
                    self.error.set(None);
                }
                Err(error) => self.error.set(Some(error.message)),
            }
        });
    }
}

/// The shared state.
pub(crate) fn state() -> AppState {
    expect_context::<AppState>()
}

/// The display name of a role id.
pub(crate) fn role_name(roles: &[RoleView], id: &str, lang: Lang) -> String {
    roles.iter().find(|r| r.id == id).map_or_else(|| id.to_owned(), |r| pick(&r.name, lang))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Page {
    Timeline,
    Checklists,
    Gate,
    Slo,
    Payouts,
    Wallets,
    Eod,
    Volume,
    Reports,
    Team,
    Warroom,
    Comms,
}

/// The root component.
#[component]
pub(crate) fn App() -> impl IntoView {
    let language = RwSignal::new(Lang::En);
    provide_context(language);
    let state = AppState {
        overview: RwSignal::new(None),
        error: RwSignal::new(None),
        who: RwSignal::new(String::new()),
        now_ms: RwSignal::new(ipc::now_ms()),
    };
    provide_context(state);
    provide_sync_state();
    state.reload();
    set_interval(move || state.now_ms.set(ipc::now_ms()), Duration::from_secs(1));
    // Phases, freezes and the change window follow the clock: refresh them each minute.
    set_interval(move || state.reload(), Duration::from_secs(60));

    let page = RwSignal::new(Page::Timeline);
    let settings_open = RwSignal::new(false);
    let tab = move |id: &'static str, target: Page, key: &'static str| {
        view! {
            <button id=id class="tab" class:active=move || page.get() == target on:click=move |_| page.set(target)>
                {move || t(key, lang().get())}
            </button>
        }
    };

    view! {
        <div class="shell">
            <header class="topbar">
                <div class="brand">
                    <img src="/32x32.png" alt="" class="logo" />
                    <span class="brand-name">"ClubGate Desk"</span>
                </div>
                <div class="launch-meta" id="launch-meta">
                    {move || state.overview.get().map(|o| view! {
                        <span class="meta-plan">{pick(&o.plan_title, lang().get())}</span>
                        <span class="meta-sep">"·"</span>
                        <span class="meta-t0" id="header-t0">"T0 " {o.t0.local.clone()}</span>
                        <span class="meta-sep">"·"</span>
                        <span class="meta-tz" id="header-tz">{o.tz.clone()}</span>
                    })}
                </div>
                <div class="top-actions">
                    <div class="lang-switch" role="group">
                        <button id="lang-en" class:active=move || language.get() == Lang::En on:click=move |_| language.set(Lang::En)>"EN"</button>
                        <button id="lang-ru" class:active=move || language.get() == Lang::Ru on:click=move |_| language.set(Lang::Ru)>"RU"</button>
                    </div>
                    <button id="open-settings" class="button ghost" on:click=move |_| settings_open.set(true)>
                        {move || t("settings", lang().get())}
                    </button>
                </div>
            </header>
            <FreezeBanner />
            <nav class="tabs">
                {tab("nav-timeline", Page::Timeline, "timeline")}
                {tab("nav-checklists", Page::Checklists, "checklists")}
                {tab("nav-gate", Page::Gate, "gate")}
                {tab("nav-slo", Page::Slo, "slo")}
                {tab("nav-payouts", Page::Payouts, "payouts")}
                {tab("nav-wallets", Page::Wallets, "wallets")}
                {tab("nav-eod", Page::Eod, "eod")}
                {tab("nav-volume", Page::Volume, "volume")}
                {tab("nav-reports", Page::Reports, "reports")}
                {tab("nav-team", Page::Team, "team")}
                {tab("nav-warroom", Page::Warroom, "warroom")}
                {tab("nav-comms", Page::Comms, "comms")}
            </nav>
            <SyncStrip />
            <Show when=move || state.error.get().is_some()>
                <div class="alert error" id="load-error">{move || state.error.get().unwrap_or_default()}</div>
            </Show>
            <main class="page">
                {move || match page.get() {
                    Page::Timeline => view! { <Timeline /> }.into_any(),
                    Page::Checklists => view! { <Checklists /> }.into_any(),
                    Page::Gate => view! { <GatePage /> }.into_any(),
                    Page::Slo => view! { <SloPage /> }.into_any(),
                    Page::Payouts => view! { <PayoutsPage /> }.into_any(),
                    Page::Wallets => view! { <crate::wallets::WalletsPage /> }.into_any(),
                    Page::Eod => view! { <crate::eod::EodPage /> }.into_any(),
                    Page::Volume => view! { <crate::volume::VolumePage /> }.into_any(),
                    Page::Reports => view! { <crate::reports::ReportsPage /> }.into_any(),
                    Page::Team => view! { <crate::team::TeamPage /> }.into_any(),
                    Page::Warroom => view! { <crate::warroom::WarroomPage /> }.into_any(),
                    Page::Comms => view! { <crate::comms::CommsPage /> }.into_any(),
                }}
            </main>
            <Show when=move || settings_open.get()>
                <SettingsDialog open=settings_open />
            </Show>
        </div>
    }
}

/// The banner shown while a freeze is in force.
#[component]
fn FreezeBanner() -> impl IntoView {
    let state = state();
    move || {
        let overview = state.overview.get()?;
        let active: Vec<_> = overview.freezes.iter().filter(|f| f.active).cloned().collect();
        if active.is_empty() {
            return None;
        }
        let language = lang().get();
        let parts: Vec<String> = active
            .iter()
            .map(|f| {
                let name = if f.kind == "code" { t("code_freeze", language) } else { t("config_freeze", language) };
                format!("{name} {} {} — {}", t("until", language), f.end.local, pick(&f.rule, language))
            })
            .collect();
        let window = &overview.change_window;
        let window_text = format!(
            "{} {}: {}",
            t("change_window", language),
            window.channel,
            if window.open { t("open", language) } else { t("closed", language) }
        );
        let kinds = active.iter().map(|f| f.kind.clone()).collect::<Vec<_>>().join(",");
        Some(view! {
            <div class="freeze-banner" id="freeze-banner" data-active=kinds>
                <span class="freeze-icon">"❄"</span>
                <strong>{t("frozen_banner", language)}</strong>
                <span class="freeze-parts">{parts.join(" · ")}</span>
                <span class="freeze-window">{window_text}</span>
            </div>
        })
    }
}
