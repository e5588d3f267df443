//! Team commands (issue 11 point 5): the people of each plan role, the on-call rota of the
//! warroom hours with its gaps, and each checklist item's owner resolved to who is on call.
//! The commands delegate to the [`Service`] methods below, which read the store and ask
//! `clubgate_core::oncall` (the rules: roles, contacts, one shift at a time, coverage); the
//! store checks every write against the plan in its own transaction.

use clubgate_core::launch::Launch;
use clubgate_core::ledger::{instant, ns};
use clubgate_core::oncall::{self, Contacts, Shift, TeamError};
use clubgate_ipc::{GapView, Instant, ItemOnCallView, PersonRequest, PersonView, ShiftRequest, ShiftView, TeamRoleView, TeamView};
use jiff::Timestamp;
use tauri::State;

use crate::{Error, Result, Service};

/// The Team page, computed now.
#[tauri::command]
pub(crate) async fn team(service: State<'_, Service>) -> Result<TeamView> {
    service.team().await
}

/// Adds a person (or new details for a name in the team); returns the Team page.
#[tauri::command]
pub(crate) async fn add_person(service: State<'_, Service>, request: PersonRequest) -> Result<TeamView> {
    service.add_person(&request).await
}

/// Puts a person on call in their role; returns the Team page.
#[tauri::command]
pub(crate) async fn add_shift(service: State<'_, Service>, request: ShiftRequest) -> Result<TeamView> {
    service.add_shift(&request).await
}

fn refused(error: TeamError) -> Error {
    Error::Refused { message: error.to_string() }
}

fn instant_of(launch: &Launch, nanos: i64) -> Instant {
    let zoned = instant(nanos).to_zoned_datetime(launch.t0.zoned().time_zone().clone());
    Instant {
        rfc3339: clubgate_core::schedule::rfc3339(&zoned),
        local: zoned.strftime("%a %d %b %Y %H:%M %Z").to_string(),
        epoch_ms: zoned.timestamp().as_millisecond(),
    }
}

impl Service {
    /// The Team page at the present instant.
    pub async fn team(&self) -> Result<TeamView> {
        self.team_at(Timestamp::now()).await
    }

    /// The Team page at `now`: each role's people, who is on call, its shifts and its gaps
    /// in the warroom span, and every checklist item's owner on call at its due instant.
    pub async fn team_at(&self, now: Timestamp) -> Result<TeamView> {
        let launch = self.store.require_settings().await?.launch()?;
        let (people, rota) = (self.store.people().await?, self.store.rota().await?);
        let span = oncall::warroom_span(&launch);
        let role_ids: Vec<&str> = launch.plan.roles.iter().map(|r| r.id.as_str()).collect();
        let gaps = oncall::coverage(&rota, &role_ids, span);
        let shift = |s: &Shift| ShiftView {
            id: s.id,
            person: s.person.clone(),
            role: s.role.clone(),
            start: instant_of(&launch, s.start_ns),
            end: instant_of(&launch, s.end_ns),
        };
        let roles = launch
            .plan
            .roles
            .iter()
            .map(|role| TeamRoleView {
                id: role.id.clone(),
                name: clubgate_ipc::Bilingual { en: role.name.en.clone(), ru: role.name.ru.clone() },
                people: people
                    .iter()
                    .filter(|m| m.person.role == role.id)
                    .map(|m| PersonView {
                        name: m.person.name.clone(),
                        role: m.person.role.clone(),
                        phone: m.person.contacts.phone.clone(),
                        telegram: m.person.contacts.telegram.clone(),
                        email: m.person.contacts.email.clone(),
                    })
                    .collect(),
                on_call_now: oncall::on_call_for(&rota, &role.id, ns(now)).into_iter().map(str::to_owned).collect(),
                shifts: rota.iter().filter(|s| s.role == role.id).map(shift).collect(),
                gaps: gaps
                    .iter()
                    .filter(|g| g.role == role.id)
                    .map(|g| GapView { role: g.role.clone(), start: instant_of(&launch, g.start_ns), end: instant_of(&launch, g.end_ns) })
                    .collect(),
            })
            .collect();
        let items = launch
            .plan
            .items()
            .map(|(_, point, item)| {
                let due = ns(oncall::item_due(&launch, point, now));
                ItemOnCallView {
                    item_id: item.id.clone(),
                    owner: item.owner.clone(),
                    at: instant_of(&launch, due),
                    on_call: oncall::on_call_for(&rota, &item.owner, due).into_iter().map(str::to_owned).collect(),
                }
            })
            .collect();
        let channel = &launch.plan.freeze.change_window.channel;
        let channel = launch.plan.channels.iter().find(|c| &c.id == channel).map_or_else(|| channel.clone(), |c| c.name.clone());
        Ok(TeamView {
            channel,
            opens: instant_of(&launch, span.start_ns),
            closes: instant_of(&launch, span.end_ns),
            now: instant_of(&launch, ns(now)),
            roles,
            covered: gaps.is_empty(),
            items,
        })
    }

    /// Adds a person from the window's form: its one contact field is a phone, a Telegram
    /// handle or an e-mail.
    pub async fn add_person(&self, request: &PersonRequest) -> Result<TeamView> {
        let contacts = Contacts::from_one(&request.contact).map_err(refused)?;
        self.store.add_person(&request.name, &request.role, contacts, Timestamp::now()).await?;
        self.team().await
    }

    /// Adds a shift for a person in their own role.
    pub async fn add_shift(&self, request: &ShiftRequest) -> Result<TeamView> {
        let launch = self.store.require_settings().await?.launch()?;
        let from = oncall::parse_instant(&launch, &request.from).map_err(refused)?;
        let to = oncall::parse_instant(&launch, &request.to).map_err(refused)?;
        self.store.add_shift(&request.person, None, from, to, Timestamp::now()).await?;
        self.team().await
    }
}
