//! `clubgate team` (issue 11 point 5): the people of each plan role with their contacts,
//! the on-call rota of the warroom hours and its gaps. Every rule is the store's and the
//! core's (`clubgate_core::oncall`); this module reads arguments and prints. Instants are
//! written as offsets from T0 (`T-1d`), plan-zone wall clocks (`2026-12-06T10:00`) or RFC
//! 3339 instants, and printed as RFC 3339 in the launch's zone.

use std::path::Path;

use clap::{Args, Subcommand};
use clubgate_core::launch::Launch;
use clubgate_core::ledger::ns;
use clubgate_core::oncall::{self, Contacts, Shift};
use clubgate_core::plan::Checkpoint;
use clubgate_store::{Store, TeamMember};
use jiff::Timestamp;
use serde::Serialize;

use crate::commands::{open_store, print_json, Error, Result};

/// `clubgate team …`.
#[derive(Subcommand)]
pub(crate) enum TeamCommand {
    /// Add a person to a plan role with their contacts (a name already in the team gets its
    /// new role and contacts; the latest entry is the person).
    Add(AddArgs),
    /// Put a person on call for a role over [--from, --to) — a person holds one shift at a time.
    Shift(ShiftArgs),
    /// Take a shift off the rota (its id is in `team show`); the rota keeps the history.
    CancelShift {
        /// The shift's id.
        #[arg(long)]
        id: i64,
    },
    /// People per role, who is on call at an instant, the rota and its gaps in the warroom span.
    Show {
        /// The instant (T-1d, 2026-12-06T10:00 in the plan zone, or RFC 3339; default: now).
        #[arg(long)]
        at: Option<String>,
    },
}

/// `clubgate team add`.
#[derive(Args)]
pub(crate) struct AddArgs {
    /// The person's name (it names them in shifts).
    #[arg(long)]
    name: String,
    /// Their plan role: launch_ic, comms_lead, treasury_lead, devops_lead, risk_lead, qa_lead.
    #[arg(long)]
    role: String,
    /// International phone number, e.g. "+48 601 234 567".
    #[arg(long)]
    phone: Option<String>,
    /// Telegram handle, e.g. @olga_treasury.
    #[arg(long)]
    telegram: Option<String>,
    /// E-mail address.
    #[arg(long)]
    email: Option<String>,
}

/// `clubgate team shift`.
#[derive(Args)]
pub(crate) struct ShiftArgs {
    /// The person (a name of the team).
    #[arg(long)]
    person: String,
    /// The role they are on call for (default: their own).
    #[arg(long)]
    role: Option<String>,
    /// Start, inclusive: T-1d, 2026-12-06T10:00 (plan zone) or an RFC 3339 instant.
    #[arg(long)]
    from: String,
    /// End, exclusive (a shift ending when the next begins leaves no gap).
    #[arg(long)]
    to: String,
}

#[derive(Serialize)]
struct PersonJson {
    name: String,
    role: String,
    phone: Option<String>,
    telegram: Option<String>,
    email: Option<String>,
    added_at: String,
}

impl PersonJson {
    fn new(member: &TeamMember) -> Self {
        let (person, contacts) = (&member.person, &member.person.contacts);
        Self {
            name: person.name.clone(),
            role: person.role.clone(),
            phone: contacts.phone.clone(),
            telegram: contacts.telegram.clone(),
            email: contacts.email.clone(),
            added_at: member.added_at.to_string(),
        }
    }
}

#[derive(Serialize)]
struct ShiftJson {
    id: i64,
    person: String,
    role: String,
    from: String,
    to: String,
}

#[derive(Serialize)]
struct GapJson {
    role: String,
    from: String,
    to: String,
}

#[derive(Serialize)]
struct RoleJson {
    id: String,
    name: String,
    people: Vec<PersonJson>,
    on_call: Vec<String>,
}

#[derive(Serialize)]
struct WarroomJson {
    channel: String,
    opens: String,
    closes: String,
}

/// `team show --json`.
#[derive(Serialize)]
struct TeamJson {
    at: String,
    warroom: WarroomJson,
    roles: Vec<RoleJson>,
    shifts: Vec<ShiftJson>,
    gaps: Vec<GapJson>,
    covered: bool,
}

/// Runs `clubgate team …`.
pub(crate) async fn run(command: TeamCommand, json: bool, db: Option<&Path>) -> Result<()> {
    let store = open_store(db).await?;
    let launch = store.require_settings().await?.launch()?;
    let shown = |nanos: i64| oncall::display(nanos, launch.t0.zoned().time_zone());
    let shift_json =
        |s: &Shift| ShiftJson { id: s.id, person: s.person.clone(), role: s.role.clone(), from: shown(s.start_ns), to: shown(s.end_ns) };
    match command {
        TeamCommand::Add(args) => {
            let contacts = Contacts::new(args.phone.as_deref(), args.telegram.as_deref(), args.email.as_deref()).map_err(input)?;
            let member = store.add_person(&args.name, &args.role, contacts, Timestamp::now()).await?;
            if json {
                return print_json(&serde_json::json!({ "person": PersonJson::new(&member) }));
            }
            println!("{} is in the team as {} ({})", member.person.name, member.person.role, contacts_text(&member));
            Ok(())
        }
        TeamCommand::Shift(args) => {
            let from = oncall::parse_instant(&launch, &args.from).map_err(input)?;
            let to = oncall::parse_instant(&launch, &args.to).map_err(input)?;
            let shift = store.add_shift(&args.person, args.role.as_deref(), from, to, Timestamp::now()).await?;
            if json {
                return print_json(&serde_json::json!({ "shift": shift_json(&shift) }));
            }
            println!(
                "shift {}: {} on call as {} from {} to {}",
                shift.id,
                shift.person,
                shift.role,
                shown(shift.start_ns),
                shown(shift.end_ns)
            );
            Ok(())
        }
        TeamCommand::CancelShift { id } => {
            let shift = store.cancel_shift(id, Timestamp::now()).await?;
            if json {
                return print_json(&serde_json::json!({ "cancelled": shift_json(&shift) }));
            }
            println!(
                "shift {} ({} as {}, {} → {}) is off the rota",
                shift.id,
                shift.person,
                shift.role,
                shown(shift.start_ns),
                shown(shift.end_ns)
            );
            Ok(())
        }
        TeamCommand::Show { at } => {
            let at = match at {
                Some(text) => oncall::parse_instant(&launch, &text).map_err(input)?,
                None => Timestamp::now(),
            };
            show(&store, &launch, at, json).await
        }
    }
}

async fn show(store: &Store, launch: &Launch, at: Timestamp, json: bool) -> Result<()> {
    let (people, rota) = (store.people().await?, store.rota().await?);
    let shown = |nanos: i64| oncall::display(nanos, launch.t0.zoned().time_zone());
    let span = oncall::warroom_span(launch);
    let roles: Vec<&str> = launch.plan.roles.iter().map(|r| r.id.as_str()).collect();
    let gaps = oncall::coverage(&rota, &roles, span);
    let channel = launch.plan.freeze.change_window.channel.clone();
    let document = TeamJson {
        at: shown(ns(at)),
        warroom: WarroomJson { channel, opens: shown(span.start_ns), closes: shown(span.end_ns) },
        roles: launch
            .plan
            .roles
            .iter()
            .map(|role| RoleJson {
                id: role.id.clone(),
                name: role.name.en.clone(),
                people: people.iter().filter(|m| m.person.role == role.id).map(PersonJson::new).collect(),
                on_call: oncall::on_call_for(&rota, &role.id, ns(at)).into_iter().map(str::to_owned).collect(),
            })
            .collect(),
        shifts: rota
            .iter()
            .map(|s| ShiftJson { id: s.id, person: s.person.clone(), role: s.role.clone(), from: shown(s.start_ns), to: shown(s.end_ns) })
            .collect(),
        gaps: gaps.iter().map(|g| GapJson { role: g.role.clone(), from: shown(g.start_ns), to: shown(g.end_ns) }).collect(),
        covered: gaps.is_empty(),
    };
    if json {
        return print_json(&document);
    }
    let warroom = &document.warroom;
    println!("warroom {} open {} → {}; on call at {}", warroom.channel, warroom.opens, warroom.closes, document.at);
    for role in &document.roles {
        let on_call = if role.on_call.is_empty() { "nobody on call".to_owned() } else { format!("on call: {}", role.on_call.join(", ")) };
        println!("\n{} ({}) — {on_call}", role.id, role.name);
        if role.people.is_empty() {
            println!("  no one in this role yet (`clubgate team add --role {}`)", role.id);
        }
        for person in &role.people {
            let contacts: Vec<&str> = [&person.phone, &person.telegram, &person.email].into_iter().flatten().map(String::as_str).collect();
            println!("  {:<24} {}", person.name, contacts.join("  "));
        }
    }
    println!("\nrota");
    if document.shifts.is_empty() {
        println!("  no shifts (`clubgate team shift --person NAME --from T-1d --to T+2d`)");
    }
    for shift in &document.shifts {
        println!("  #{:<4} {:<24} {:<14} {} → {}", shift.id, shift.person, shift.role, shift.from, shift.to);
    }
    if document.covered {
        println!("\nevery role is on call for the whole warroom span");
    } else {
        println!("\ngaps in the warroom span");
        for gap in &document.gaps {
            println!("  {:<14} {} → {}", gap.role, gap.from, gap.to);
        }
    }
    Ok(())
}

fn contacts_text(member: &TeamMember) -> String {
    let contacts = &member.person.contacts;
    [&contacts.phone, &contacts.telegram, &contacts.email].into_iter().flatten().map(String::as_str).collect::<Vec<_>>().join(", ")
}

fn input(error: oncall::TeamError) -> Error {
    Error::Input(error.to_string())
}

/// Who is on call for a checklist item's owner role at the item's due instant: a
/// checkpoint's instant, or `now` for an item without one (entry criteria, onboarding).
/// Returns the instant (RFC 3339 in the launch's zone) and the names (none: nobody is on
/// call then).
pub(crate) fn owner_on_call(
    launch: &Launch,
    rota: &[Shift],
    point: Option<&Checkpoint>,
    owner: &str,
    now: Timestamp,
) -> (String, Vec<String>) {
    let due = oncall::item_due(launch, point, now);
    let names = oncall::on_call_for(rota, owner, ns(due)).into_iter().map(str::to_owned).collect();
    (oncall::display(ns(due), launch.t0.zoned().time_zone()), names)
}
