//! The team and its on-call rota (issue 11 point 5, migration 11): the people of each plan
//! role with their contacts, and the shifts of the warroom hours. Both tables are
//! append-only: a person's current entry is the latest row of their name, a shift leaves
//! the rota by a later row that cancels it. The rules (roles of the plan, contacts, a
//! person on call for one role at a time, the coverage of the warroom span) are
//! `clubgate_core::oncall`'s; every write checks them against the launch's plan inside its
//! own `BEGIN IMMEDIATE` transaction, and `record_change` checks the on-call confirmation
//! against the rota in the transaction that records it.
//!
//! Every way an item is set done on this desk ends in `Store::record_change` (the CLI's
//! `checklist set`, the window's `set_item_state`), so the rule holds for all of them. The
//! ledger pull (`apply_pulled`) does not write `item_changes`: another desk's `checklist`
//! sign-off stays in `ledger_records` and never ticks an item here, so it needs no check on
//! this desk — its author desk checked it against its own rota when it recorded it. The
//! team and the rota are this desk's own (they are not sent to the ledger).

use clubgate_core::launch::Launch;
use clubgate_core::ledger::ns;
use clubgate_core::oncall::{self, Contacts, Person, Shift, TeamError};
use jiff::Timestamp;
use sqlx::SqliteConnection;

use crate::{parse_instant, Error, Result, Store};

/// The most people read at once: a launch team is a few dozen.
const MAX_PEOPLE: i64 = 1_000;
/// The most shifts read at once: three days of shifts for six roles are a few dozen.
const MAX_SHIFTS: i64 = 10_000;

/// A person of the team as last recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMember {
    /// The person: name, role, contacts.
    pub person: Person,
    /// When this entry was recorded.
    pub added_at: Timestamp,
}

fn refused(error: TeamError) -> Error {
    Error::Refused(error.to_string())
}

impl Store {
    /// Adds a person to the team, or records new details (role, contacts) for a name already
    /// in it: the latest entry of a name is the person. The role must be one of the current
    /// launch's plan and at least one contact valid (`clubgate_core::oncall::Contacts`).
    pub async fn add_person(&self, name: &str, role: &str, contacts: Contacts, at: Timestamp) -> Result<TeamMember> {
        let mut tx = self.write().await?;
        let launch = self.launch_in(&mut tx, None).await?;
        let person = Person::new(&launch.plan, name, role, contacts).map_err(refused)?;
        let added_at = at.to_string();
        sqlx::query!(
            "INSERT INTO people (name, role, phone, telegram, email, added_at) VALUES (?, ?, ?, ?, ?, ?)",
            person.name,
            person.role,
            person.contacts.phone,
            person.contacts.telegram,
            person.contacts.email,
            added_at
        )
        .execute(&mut *tx)
        .await
        .map_err(|e| self.db_error(e))?;
        tx.commit().await.map_err(|e| self.db_error(e))?;
        Ok(TeamMember { person, added_at: at })
    }

    /// The team: each person's latest entry, by name.
    pub async fn people(&self) -> Result<Vec<TeamMember>> {
        let rows = sqlx::query!(
            r#"SELECT p.id AS "id!", p.name, p.role, p.phone, p.telegram, p.email, p.added_at FROM people p
               WHERE p.id = (SELECT max(q.id) FROM people q WHERE q.name = p.name)
               ORDER BY p.name, p.id LIMIT ?"#,
            MAX_PEOPLE
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        rows.into_iter()
            .map(|row| {
                Ok(TeamMember {
                    added_at: parse_instant("people", row.id, &row.added_at)?,
                    person: Person {
                        name: row.name,
                        role: row.role,
                        contacts: Contacts { phone: row.phone, telegram: row.telegram, email: row.email },
                    },
                })
            })
            .collect()
    }

    /// Puts `person` (a name of the team) on call as `role` (default: their own) over
    /// `[start, end)`, after the core's checks against the plan and the current rota (a
    /// person holds one shift at a time); returns the shift with its id.
    pub async fn add_shift(&self, person: &str, role: Option<&str>, start: Timestamp, end: Timestamp, at: Timestamp) -> Result<Shift> {
        let (start_ns, end_ns) = (crate::instant_ns(start)?, crate::instant_ns(end)?);
        let mut tx = self.write().await?;
        let launch = self.launch_in(&mut tx, None).await?;
        let name = oncall::person_name(person).map_err(refused)?;
        let row = sqlx::query!(r#"SELECT name, role, phone, telegram, email FROM people WHERE name = ? ORDER BY id DESC LIMIT 1"#, name)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| self.db_error(e))?
            .ok_or_else(|| refused(TeamError::UnknownPerson { name: name.clone() }))?;
        let member =
            Person { name: row.name, role: row.role, contacts: Contacts { phone: row.phone, telegram: row.telegram, email: row.email } };
        let rota = self.rota_in(&mut tx).await?;
        let shift = oncall::new_shift(&launch, &rota, &member, role, start_ns, end_ns).map_err(refused)?;
        let added_at = at.to_string();
        let id = sqlx::query_scalar!(
            r#"INSERT INTO oncall_shifts (person, role, start_ns, end_ns, cancels, added_at) VALUES (?, ?, ?, ?, NULL, ?) RETURNING id AS "id!""#,
            shift.person,
            shift.role,
            shift.start_ns,
            shift.end_ns,
            added_at
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| self.db_error(e))?;
        tx.commit().await.map_err(|e| self.db_error(e))?;
        Ok(Shift { id, person: shift.person, role: shift.role, start_ns, end_ns })
    }

    /// Takes a shift off the rota by appending its cancellation; returns the shift.
    pub async fn cancel_shift(&self, id: i64, at: Timestamp) -> Result<Shift> {
        let mut tx = self.write().await?;
        let shift = self.rota_in(&mut tx).await?.into_iter().find(|s| s.id == id).ok_or_else(|| refused(TeamError::NoSuchShift { id }))?;
        let added_at = at.to_string();
        sqlx::query!(
            "INSERT INTO oncall_shifts (person, role, start_ns, end_ns, cancels, added_at) VALUES (?, ?, ?, ?, ?, ?)",
            shift.person,
            shift.role,
            shift.start_ns,
            shift.end_ns,
            id,
            added_at
        )
        .execute(&mut *tx)
        .await
        .map_err(|e| self.db_error(e))?;
        tx.commit().await.map_err(|e| self.db_error(e))?;
        Ok(shift)
    }

    /// The rota: every shift no later row cancels, by start.
    pub async fn rota(&self) -> Result<Vec<Shift>> {
        let mut connection = self.pool.acquire().await.map_err(|e| self.db_error(e))?;
        self.rota_in(&mut connection).await
    }

    /// The shifts of the rota that hold `at` (`start <= at < end`).
    pub async fn on_call_at(&self, at: Timestamp) -> Result<Vec<Shift>> {
        let rota = self.rota().await?;
        Ok(oncall::on_call_at(&rota, ns(at)).into_iter().cloned().collect())
    }

    async fn rota_in(&self, connection: &mut SqliteConnection) -> Result<Vec<Shift>> {
        let rows = sqlx::query!(
            r#"SELECT s.id AS "id!", s.person, s.role, s.start_ns, s.end_ns FROM oncall_shifts s
               WHERE s.cancels IS NULL AND NOT EXISTS (SELECT 1 FROM oncall_shifts c WHERE c.cancels = s.id)
               ORDER BY s.start_ns, s.id LIMIT ?"#,
            MAX_SHIFTS
        )
        .fetch_all(&mut *connection)
        .await
        .map_err(|e| self.db_error(e))?;
        Ok(rows
            .into_iter()
            .map(|row| Shift { id: row.id, person: row.person, role: row.role, start_ns: row.start_ns, end_ns: row.end_ns })
            .collect())
    }

    /// The launch `launch_id` as last set (the latest launch when `None`), read in a
    /// transaction.
    async fn launch_in(&self, connection: &mut SqliteConnection, launch_id: Option<i64>) -> Result<Launch> {
        let row = sqlx::query!(
            "SELECT plan_toml, t0, time_zone FROM launch_settings WHERE (?1 IS NULL OR launch_id = ?1) ORDER BY id DESC LIMIT 1",
            launch_id
        )
        .fetch_optional(&mut *connection)
        .await
        .map_err(|e| self.db_error(e))?
        .ok_or_else(|| Error::NoLaunch { path: self.path.display().to_string() })?;
        Ok(Launch::new(&row.plan_toml, &row.t0, Some(&row.time_zone))?)
    }

    /// The on-call confirmation's rule inside the transaction that would record it: refused
    /// unless every role of the launch's plan has someone on call for the whole warroom
    /// span, naming each uncovered role and interval.
    pub(crate) async fn refuse_uncovered(&self, tx: &mut SqliteConnection, launch_id: i64) -> Result<()> {
        let launch = self.launch_in(tx, Some(launch_id)).await?;
        let rota = self.rota_in(tx).await?;
        oncall::confirm(&launch, &rota).map_err(refused)
    }
}
