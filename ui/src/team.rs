//! The Team page (issue 11 point 5): the plan's roles with their people and contacts, the
//! on-call rota of the warroom hours (T-1d → T+2d) with its gaps highlighted, and forms to
//! add a person and a shift. The shell computes every figure (who is on call, the gaps);
//! this page renders them and sends the forms.

use clubgate_ipc::{GapView, PersonRequest, ShiftRequest, ShiftView, TeamRoleView, TeamView};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{lang, pick, t};
use crate::ipc;

/// The Team page.
#[component]
pub(crate) fn TeamPage() -> impl IntoView {
    let language = lang();
    let team = RwSignal::new(None::<TeamView>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let person_name = RwSignal::new(String::new());
    let person_role = RwSignal::new(String::new());
    let person_contact = RwSignal::new(String::new());
    let shift_person = RwSignal::new(String::new());
    let shift_from = RwSignal::new(String::from("T-1d"));
    let shift_to = RwSignal::new(String::from("T+2d"));

    // A new view also picks the forms' first role and person when none is chosen yet.
    let show = move |view: TeamView| {
        if person_role.get_untracked().is_empty() {
            if let Some(role) = view.roles.first() {
                person_role.set(role.id.clone());
            }
        }
        if shift_person.get_untracked().is_empty() {
            if let Some(person) = view.roles.iter().flat_map(|r| r.people.iter()).next() {
                shift_person.set(person.name.clone());
            }
        }
        team.set(Some(view));
    };
    spawn_local(async move {
        match ipc::team().await {
            Ok(view) => show(view),
            Err(e) => error.set(Some(e.message)),
        }
    });

    let add_person = move |_| {
        let request =
            PersonRequest { name: person_name.get_untracked(), role: person_role.get_untracked(), contact: person_contact.get_untracked() };
        busy.set(true);
        spawn_local(async move {
            match ipc::add_person(&request).await {
                Ok(view) => {
                    error.set(None);
                    person_name.set(String::new());
                    person_contact.set(String::new());
                    show(view);
                }
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    let add_shift = move |_| {
        let request = ShiftRequest { person: shift_person.get_untracked(), from: shift_from.get_untracked(), to: shift_to.get_untracked() };
        busy.set(true);
        spawn_local(async move {
            match ipc::add_shift(&request).await {
                Ok(view) => {
                    error.set(None);
                    show(view);
                }
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };

    let roles = move || {
        let view = team.get()?;
        let cards = view.roles.into_iter().map(|role| view! { <RoleCard role=role /> }).collect_view();
        Some(view! { <div class="cards" id="team-roles">{cards}</div> })
    };

    let rota = move || {
        let view = team.get()?;
        let language = language.get();
        let status = if view.covered { t("team_covered", language) } else { t("team_gaps", language) };
        let rows = view.roles.into_iter().map(|role| view! { <RotaRole role=role /> }).collect_view();
        Some(view! {
            <section class="card" id="team-rota" data-covered=view.covered.to_string()>
                <h2>{t("team_rota", language)}</h2>
                <p class="muted">
                    {format!("{} {} → {}", view.channel, view.opens.local, view.closes.local)}
                </p>
                <p id="team-covered" class=if view.covered { "state-done" } else { "state-blocked" }>{status}</p>
                <table class="table rota">
                    <tbody>{rows}</tbody>
                </table>
            </section>
        })
    };

    let role_options = move || {
        team.get().map(|view| {
            view.roles
                .into_iter()
                .map(|role| {
                    let id = role.id.clone();
                    view! { <option value=id.clone() selected=move || person_role.get() == id>{move || pick(&role.name, language.get())}</option> }
                })
                .collect_view()
        })
    };
    let person_options = move || {
        team.get().map(|view| {
            view.roles
                .into_iter()
                .flat_map(|role| role.people.into_iter())
                .map(|person| {
                    let name = person.name.clone();
                    view! { <option value=name.clone() selected=move || shift_person.get() == name>{format!("{} ({})", person.name, person.role)}</option> }
                })
                .collect_view()
        })
    };

    view! {
        <Show when=move || error.get().is_some()>
            <div class="alert error" id="team-error">{move || error.get().unwrap_or_default()}</div>
        </Show>
        {roles}
        {rota}
        <div class="two-col">
            <section class="card">
                <h2>{move || t("team_add_person", language.get())}</h2>
                <div class="form-grid">
                    <label>
                        {move || t("team_name", language.get())}
                        <input id="person-name" type="text" prop:value=move || person_name.get() on:input=move |ev| person_name.set(event_target_value(&ev)) />
                    </label>
                    <label>
                        {move || t("team_role", language.get())}
                        <select id="person-role" on:change=move |ev| person_role.set(event_target_value(&ev))>{role_options}</select>
                    </label>
                    <label>
                        {move || t("team_contact", language.get())}
                        <input id="person-contact" type="text" placeholder="+48 601 234 567 · @name · name@example.com" prop:value=move || person_contact.get() on:input=move |ev| person_contact.set(event_target_value(&ev)) />
                    </label>
                </div>
                <div class="form-actions">
                    <button id="person-add" class="button primary" disabled=move || busy.get() on:click=add_person>{move || t("team_add", language.get())}</button>
                </div>
            </section>
            <section class="card">
                <h2>{move || t("team_add_shift", language.get())}</h2>
                <div class="form-grid">
                    <label>
                        {move || t("team_person", language.get())}
                        <select id="shift-person" on:change=move |ev| shift_person.set(event_target_value(&ev))>{person_options}</select>
                    </label>
                    <label>
                        {move || t("team_from", language.get())}
                        <input id="shift-from" type="text" prop:value=move || shift_from.get() on:input=move |ev| shift_from.set(event_target_value(&ev)) />
                    </label>
                    <label>
                        {move || t("team_to", language.get())}
                        <input id="shift-to" type="text" prop:value=move || shift_to.get() on:input=move |ev| shift_to.set(event_target_value(&ev)) />
                    </label>
                </div>
                <p class="muted">{move || t("team_shift_hint", language.get())}</p>
                <div class="form-actions">
                    <button id="shift-add" class="button primary" disabled=move || busy.get() on:click=add_shift>{move || t("team_add", language.get())}</button>
                </div>
            </section>
        </div>
    }
}

/// A role with its people, their contacts and who is on call now.
#[component]
fn RoleCard(role: TeamRoleView) -> impl IntoView {
    let language = lang();
    let name = role.name.clone();
    let on_call = role.on_call_now.join(", ");
    let people = if role.people.is_empty() {
        view! { <li class="muted">{move || t("team_no_people", language.get())}</li> }.into_any()
    } else {
        role.people
            .into_iter()
            .map(|person| {
                let contacts: Vec<String> = [person.phone, person.telegram, person.email].into_iter().flatten().collect();
                let name = person.name;
                // The view evaluates the children before the attributes.
                view! {
                    <li class="person" data-person=name>
                        <strong>{name.clone()}</strong>
                        " "
                        <span class="mono muted">{contacts.join(" · ")}</span>
                    </li>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <section class="card role" data-role=role.id.clone() data-gaps=role.gaps.len().to_string()>
            <h2>{move || pick(&name, language.get())}</h2>
            <p class="mono muted">{role.id.clone()}</p>
            <p class="on-call-now">
                {move || t("team_on_call_now", language.get())}
                ": "
                {if on_call.is_empty() { view! { <span class="muted">{move || t("team_nobody", language.get())}</span> }.into_any() } else { view! { <strong>{on_call}</strong> }.into_any() }}
            </p>
            <ul class="items people">{people}</ul>
        </section>
    }
}

/// One role's line of the rota: its shifts and gaps in time order, the gaps highlighted.
#[component]
fn RotaRole(role: TeamRoleView) -> impl IntoView {
    let language = lang();
    let name = role.name.clone();
    let mut entries: Vec<(i64, AnyView)> = role.shifts.into_iter().map(|s| (s.start.epoch_ms, shift_entry(s))).collect();
    entries.extend(role.gaps.into_iter().map(|g| (g.start.epoch_ms, gap_entry(g))));
    entries.sort_by_key(|(start, _)| *start);
    let entries = entries.into_iter().map(|(_, entry)| entry).collect_view();
    view! {
        <tr class="rota-role" data-role=role.id>
            <th>{move || pick(&name, language.get())}</th>
            <td><ul class="items">{entries}</ul></td>
        </tr>
    }
}

fn shift_entry(shift: ShiftView) -> AnyView {
    view! {
        <li class="shift" data-shift=shift.id.to_string() data-start=shift.start.rfc3339.clone() data-end=shift.end.rfc3339>
            <strong>{shift.person}</strong>
            " "
            <span class="mono">{format!("{} → {}", shift.start.local, shift.end.local)}</span>
        </li>
    }
    .into_any()
}

fn gap_entry(gap: GapView) -> AnyView {
    let language = lang();
    view! {
        <li class="gap state-blocked" data-role=gap.role.clone() data-start=gap.start.rfc3339.clone() data-end=gap.end.rfc3339>
            <strong>{move || t("team_gap", language.get())}</strong>
            " "
            <span class="mono">{format!("{} → {}", gap.start.local, gap.end.local)}</span>
        </li>
    }
    .into_any()
}
