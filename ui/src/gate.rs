//! The Go/No-Go panel: GO only when every entry criterion is done; what blocks it, with
//! the owners; the criteria themselves, to be marked from here.

use leptos::prelude::*;

use crate::app::{role_name, state};
use crate::checklists::ItemRow;
use crate::i18n::{lang, t};

/// The Go/No-Go page.
#[component]
pub(crate) fn GatePage() -> impl IntoView {
    let state = state();
    let language = lang();
    move || {
        let overview = state.overview.get()?;
        let gate = overview.gate.clone();
        let go = gate.verdict == "GO";
        let blockers = gate
            .blockers
            .iter()
            .map(|b| {
                let title = overview.entry_criteria.iter().find(|c| c.id == b.id).map(|c| c.title.clone());
                let owner = role_name(&overview.roles, &b.owner, language.get());
                view! {
                    <li data-id=b.id.clone()>
                        <span class=format!("state state-{}", b.state.replace('/', ""))>{b.state.clone()}</span>
                        <span>{move || title.as_ref().map(|t| crate::i18n::pick(t, language.get())).unwrap_or_default()}</span>
                        <span class="owner">{owner}</span>
                    </li>
                }
            })
            .collect_view();
        let criteria = overview.entry_criteria.iter().cloned().map(|item| view! { <ItemRow item=item /> }).collect_view();
        Some(view! {
            <section class="card gate" class:go=go class:nogo=!go>
                <div class="verdict" id="gate-verdict" data-verdict=gate.verdict.clone()>{gate.verdict.clone()}</div>
                <div class="verdict-text">
                    <strong>{move || if go { t("verdict_go", language.get()) } else { t("verdict_nogo", language.get()) }}</strong>
                    <span id="gate-count">{move || format!("{}/{} {}", gate.done, gate.total, t("done_of", language.get()))}</span>
                </div>
            </section>
            <Show when=move || !go>
                <section class="card">
                    <h2>{move || t("blocked_by", language.get())}</h2>
                    <ul class="blockers" id="gate-blockers">{blockers.clone()}</ul>
                </section>
            </Show>
            <section class="card group">
                <h2>{move || t("entry", language.get())}</h2>
                <ul class="items">{criteria}</ul>
            </section>
        })
    }
}
