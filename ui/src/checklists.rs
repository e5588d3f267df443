//! The Checklists page: items by checkpoint and owner; mark an item done with evidence
//! (or blocked / n/a with a reason), and read its history. `ItemRow` is shared with the
//! Go/No-Go page.

use clubgate_ipc::{ChangeView, ItemOnCallView, ItemUpdate, ItemView, Overview, TeamView};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{role_name, state};
use crate::i18n::{lang, pick, t};
use crate::ipc;

/// The Checklists page.
#[component]
pub(crate) fn Checklists() -> impl IntoView {
    let state = state();
    let language = lang();
    let group_filter = RwSignal::new(String::from("all"));
    let owner_filter = RwSignal::new(String::from("all"));
    // Each owner resolves to who is on call at the item's due instant (issue 11, the shell's
    // Team view); the page works without it.
    let team = RwSignal::new(None::<TeamView>);
    spawn_local(async move {
        if let Ok(view) = ipc::team().await {
            team.set(Some(view));
        }
    });

    let filters = move || {
        state.overview.get().map(|overview| {
            let groups = std::iter::once(("entry".to_owned(), t("entry", language.get()).to_owned()))
                .chain(std::iter::once(("onboarding".to_owned(), t("onboarding", language.get()).to_owned())))
                .chain(overview.checkpoints.iter().map(|c| (c.offset.clone(), c.offset.clone())))
                .map(|(value, label)| view! { <option value=value.clone() selected=move || group_filter.get() == value>{label}</option> })
                .collect_view();
            let owners = overview
                .roles
                .iter()
                .map(|r| {
                    let id = r.id.clone();
                    let name = r.name.clone();
                    view! { <option value=id.clone() selected=move || owner_filter.get() == id>{move || pick(&name, language.get())}</option> }
                })
                .collect_view();
            view! {
                <div class="filters">
                    <label>
                        {move || t("checkpoint", language.get())}
                        <select id="filter-group" on:change=move |ev| group_filter.set(event_target_value(&ev))>
                            <option value="all">{move || t("all", language.get())}</option>
                            {groups}
                        </select>
                    </label>
                    <label>
                        {move || t("owner", language.get())}
                        <select id="filter-owner" on:change=move |ev| owner_filter.set(event_target_value(&ev))>
                            <option value="all">{move || t("all", language.get())}</option>
                            {owners}
                        </select>
                    </label>
                </div>
            }
        })
    };

    let groups = move || {
        let overview = state.overview.get()?;
        let wanted_group = group_filter.get();
        let wanted_owner = owner_filter.get();
        let sections = item_groups(&overview)
            .into_iter()
            .filter(|(key, _, _, _)| wanted_group == "all" || *key == wanted_group)
            .filter_map(|(key, title, when, items)| {
                let items: Vec<ItemView> = items.into_iter().filter(|i| wanted_owner == "all" || i.owner == wanted_owner).collect();
                if items.is_empty() {
                    return None;
                }
                let done = items.iter().filter(|i| i.state == "done").count();
                let total = items.len();
                let rows = items
                    .into_iter()
                    .map(|item| {
                        view! { <ItemRow item=item team=Some(team) /> }
                    })
                    .collect_view();
                Some(view! {
                    <section class="card group" id=format!("group-{key}")>
                        <header class="group-head">
                            <h2>{title}</h2>
                            <span class="mono muted">{when}</span>
                            <span class="badge">{format!("{done}/{total}")}</span>
                        </header>
                        <ul class="items">{rows}</ul>
                    </section>
                })
            })
            .collect_view();
        Some(sections)
    };

    view! {
        {filters}
        <div class="groups">{groups}</div>
    }
}

/// (key, title, when, items) for every list of the plan, in plan order.
fn item_groups(overview: &Overview) -> Vec<(String, String, String, Vec<ItemView>)> {
    let language = lang().get_untracked();
    let mut groups = vec![
        ("entry".to_owned(), t("entry", language).to_owned(), String::new(), overview.entry_criteria.clone()),
        ("onboarding".to_owned(), t("onboarding", language).to_owned(), String::new(), overview.onboarding.clone()),
    ];
    groups.extend(
        overview
            .checkpoints
            .iter()
            .map(|c| (c.offset.clone(), format!("{} — {}", c.offset, pick(&c.name, language)), c.at.local.clone(), c.items.clone())),
    );
    groups
}

/// One item: its state, title, owner (and who is on call for it, when known) and last
/// change; a form to change it and its history.
#[component]
pub(crate) fn ItemRow(item: ItemView, #[prop(optional_no_strip)] team: Option<RwSignal<Option<TeamView>>>) -> impl IntoView {
    // Read inside the row, so the Team view arriving later fills this line without rebuilding
    // the list (an open form stays open).
    let item_id = item.id.clone();
    let on_call = move || -> Option<ItemOnCallView> {
        team?.with(|t| t.as_ref().and_then(|t| t.items.iter().find(|o| o.item_id == item_id).cloned()))
    };
    let state = state();
    let language = lang();
    let editing = RwSignal::new(false);
    let history_open = RwSignal::new(false);
    let history = RwSignal::new(None::<Vec<ChangeView>>);
    let error = RwSignal::new(None::<String>);
    let new_state = RwSignal::new(if item.state == "done" { "open".to_owned() } else { "done".to_owned() });
    let evidence = RwSignal::new(String::new());
    let saving = RwSignal::new(false);

    let id = item.id.clone();
    let save = {
        let id = id.clone();
        move |_| {
            let update = ItemUpdate {
                item_id: id.clone(),
                state: new_state.get_untracked(),
                who: state.who.get_untracked(),
                evidence: evidence.get_untracked(),
            };
            saving.set(true);
            spawn_local(async move {
                match ipc::set_item_state(&update).await {
                    Ok(overview) => {
                        error.set(None);
                        editing.set(false);
                        state.overview.set(Some(overview));
                    }
                    Err(e) => error.set(Some(e.message)),
                }
                saving.set(false);
            });
        }
    };
    let toggle_history = {
        move |_| {
            let open = !history_open.get_untracked();
            history_open.set(open);
            if open {
                let id = id.clone();
                spawn_local(async move {
                    match ipc::item_history(&id).await {
                        Ok(changes) => history.set(Some(changes)),
                        Err(e) => error.set(Some(e.message)),
                    }
                });
            }
        }
    };
    let title = item.title.clone();
    let owner = item.owner.clone();
    let last = item.last.clone();
    let state_class = format!("state state-{}", item.state.replace('/', ""));

    view! {
        <li class="item" id=format!("item-{}", item.id) data-state=item.state>
            <div class="item-main">
                <span class=state_class>{item.state.clone()}</span>
                {item.pending.then(|| view! { <span class="tag pending item-pending">{move || t("pending_ledger", lang().get())}</span> })}
                <div class="item-text">
                    <div class="item-title">{move || pick(&title, language.get())}</div>
                    <div class="item-meta">
                        <span class="owner">{move || state.overview.with(|o| o.as_ref().map(|o| role_name(&o.roles, &owner, language.get())).unwrap_or_default())}</span>
                        {move || on_call().map(|o| {
                            let names = o.on_call.join(", ");
                            view! {
                                <span class="item-oncall" data-at=o.at.rfc3339>
                                    {move || format!("{} {}: {}", t("team_on_call_at", lang().get()), o.at.local, if names.is_empty() { t("team_nobody", lang().get()).to_owned() } else { names.clone() })}
                                </span>
                            }
                        })}
                        <span class="mono muted">{item.id.clone()}</span>
                        {last.map(|c| view! {
                            <span class="last-change">{format!("{} · {} · {}", c.who, c.at.local, c.evidence)}</span>
                        })}
                    </div>
                </div>
                <div class="item-actions">
                    <button class="button small item-update" on:click=move |_| editing.update(|e| *e = !*e)>{move || t("update", language.get())}</button>
                    <button class="button small ghost item-history-toggle" on:click=toggle_history>
                        {move || if history_open.get() { t("hide", language.get()) } else { t("history", language.get()) }}
                    </button>
                </div>
            </div>
            <Show when=move || editing.get()>
                <div class="item-form">
                    <label>
                        {move || t("state", language.get())}
                        <select class="item-state" on:change=move |ev| new_state.set(event_target_value(&ev))>
                            {["done", "blocked", "n/a", "open"].map(|s| view! { <option value=s selected=move || new_state.get() == s>{s}</option> })}
                        </select>
                    </label>
                    <label>
                        {move || t("who", language.get())}
                        <input class="item-who" type="text" prop:value=move || state.who.get() on:input=move |ev| state.who.set(event_target_value(&ev)) />
                    </label>
                    <label class="wide">
                        {move || t("evidence", language.get())}
                        <textarea class="item-evidence" rows="2" prop:value=move || evidence.get() on:input=move |ev| evidence.set(event_target_value(&ev))></textarea>
                    </label>
                    <div class="form-actions">
                        <button class="button primary item-save" disabled=move || saving.get() on:click=save.clone()>{move || t("save", language.get())}</button>
                        <button class="button ghost" on:click=move |_| editing.set(false)>{move || t("cancel", language.get())}</button>
                    </div>
                </div>
            </Show>
            <Show when=move || error.get().is_some()>
                <div class="alert error item-error">{move || error.get().unwrap_or_default()}</div>
            </Show>
            <Show when=move || history_open.get()>
                <ol class="history item-history">
                    {move || match history.get() {
                        None => view! { <li class="muted">"…"</li> }.into_any(),
                        Some(changes) if changes.is_empty() => view! { <li class="muted">{t("no_history", language.get())}</li> }.into_any(),
                        Some(changes) => changes
                            .into_iter()
                            .map(|c| view! {
                                <li class="history-entry">
                                    <span class=format!("state state-{}", c.state.replace('/', ""))>{c.state.clone()}</span>
                                    <span class="mono">{c.at.local.clone()}</span>
                                    <span>{c.who.clone()}</span>
                                    <span class="muted">{c.evidence}</span>
                                </li>
                            })
                            .collect_view()
                            .into_any(),
                    }}
                </ol>
            </Show>
        </li>
    }
}
