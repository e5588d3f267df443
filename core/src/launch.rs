//! A launch instance: a plan (by version) and a T0, with its date table.

use jiff::Timestamp;

use crate::error::Result;
use crate::plan::Plan;
use crate::schedule::{time_zone, DateTable, T0};

/// A launch: the plan it follows, its T0 in the plan's (or an overriding) zone, and the
/// date table that follows from both.
#[derive(Debug, Clone)]
pub struct Launch {
    /// The plan.
    pub plan: Plan,
    /// T0.
    pub t0: T0,
    /// The date table.
    pub table: DateTable,
}

impl Launch {
    /// Builds a launch from a plan file's text, a T0 text and an optional zone that
    /// overrides the plan's.
    pub fn new(plan_toml: &str, t0: &str, zone: Option<&str>) -> Result<Self> {
        let plan = Plan::from_toml(plan_toml)?;
        Self::from_plan(plan, t0, zone)
    }

    /// Builds a launch from a validated plan.
    pub fn from_plan(plan: Plan, t0: &str, zone: Option<&str>) -> Result<Self> {
        let tz = time_zone(zone.unwrap_or(&plan.time_zone))?;
        let t0 = T0::parse(t0, &tz)?;
        let table = DateTable::new(&plan, &t0)?;
        Ok(Self { plan, t0, table })
    }

    /// The instant of T0.
    pub fn t0_instant(&self) -> Timestamp {
        self.t0.zoned().timestamp()
    }
}

/// The T0 a new install starts with so that every page has content: 10:00 plan-zone wall
/// clock, three days after `now`'s date. The person changes it in the settings.
pub fn default_t0(now: Timestamp, zone: &str) -> Result<String> {
    let tz = time_zone(zone)?;
    let today = now.to_zoned_datetime(tz).date();
    let day =
        today.checked_add(jiff::Span::new().days(3)).map_err(|_| crate::Error::OutOfRange { what: format!("3 days after {today}") })?;
    Ok(day.at(10, 0, 0, 0).strftime("%Y-%m-%dT%H:%M").to_string())
}
