//! The date table: every phase boundary, checkpoint and freeze of a plan as an instant.
//!
//! The rules are PRODUCT.md "Time":
//! - a day offset moves the calendar date and keeps T0's local wall clock; when that wall
//!   clock does not exist on the target date (spring-forward gap) it moves forward by the
//!   gap, when it happens twice (fall-back) the earlier instant is taken — jiff's
//!   "compatible" disambiguation is exactly this;
//! - an hour or minute offset is exact elapsed time;
//! - a T0 given as a plan-zone wall clock that falls in a gap or an overlap is refused.

use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{Timestamp, ToSpan, ZonedDateTime};

use crate::error::{Error, Result};
use crate::offset::{Offset, OffsetUnit};
use crate::plan::{Item, Plan};

/// Looks a zone up in the bundled tz database.
pub fn time_zone(name: &str) -> Result<TimeZone> {
    TimeZone::get(name).map_err(|_| Error::UnknownTimeZone { name: name.to_owned() })
}

/// T0 of a launch: an instant, seen in the plan's zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct T0(ZonedDateTime);

impl T0 {
    /// Reads T0 from text: a plan-zone wall clock (`2026-12-07T10:00`, seconds optional),
    /// which must exist exactly once in `tz`, or an RFC 3339 instant with an offset
    /// (`2026-12-07T10:00+01:00`, `…Z`), which is then seen in `tz`.
    pub fn parse(text: &str, tz: &TimeZone) -> Result<Self> {
        let trimmed = text.trim();
        let tz_name = tz.iana_name().unwrap_or("the plan zone").to_owned();
        // A date alone is not a T0: the launch starts at a time of day.
        if !trimmed.contains(['T', 't', ' ']) {
            return Err(Error::T0Format { value: text.to_owned() });
        }
        if let Ok(wall) = trimmed.parse::<DateTime>() {
            // A civil parse also accepts text with an offset and drops it; only treat the
            // text as a wall clock when it carries none.
            if !has_offset(trimmed) {
                let ambiguous = tz.to_ambiguous_zoned_datetime(wall);
                return match ambiguous.offset() {
                    AmbiguousOffset::Unambiguous { .. } => {
                        let zoned = ambiguous.unambiguous().map_err(|_| Error::T0Format { value: text.to_owned() })?;
                        Ok(Self(zoned))
                    }
                    AmbiguousOffset::Gap { before, after } => Err(Error::T0Nonexistent {
                        value: trimmed.to_owned(),
                        tz: tz_name,
                        before: before.to_string(),
                        after: after.to_string(),
                    }),
                    AmbiguousOffset::Fold { before, after } => Err(Error::T0Ambiguous {
                        value: trimmed.to_owned(),
                        tz: tz_name,
                        before: before.to_string(),
                        after: after.to_string(),
                    }),
                };
            }
        }
        let instant: Timestamp = trimmed.parse().map_err(|_| Error::T0Format { value: text.to_owned() })?;
        Ok(Self(instant.to_zoned_datetime(tz.clone())))
    }

    /// T0 from an instant, seen in `tz`.
    pub fn from_instant(instant: Timestamp, tz: &TimeZone) -> Self {
        Self(instant.to_zoned_datetime(tz.clone()))
    }

    /// T0 in the plan zone.
    pub fn zoned(&self) -> &ZonedDateTime {
        &self.0
    }

    /// The instant of `offset` from this T0, in the plan zone.
    pub fn at(&self, offset: Offset) -> Result<ZonedDateTime> {
        let out_of_range = || Error::OutOfRange { what: format!("{offset} from T0 {}", self.0) };
        let amount = i64::from(offset.amount());
        match offset.unit() {
            OffsetUnit::Days => {
                let wall = self.0.datetime().checked_add(amount.days()).map_err(|_| out_of_range())?;
                self.0.time_zone().to_ambiguous_zoned_datetime(wall).compatible().map_err(|_| out_of_range())
            }
            OffsetUnit::Hours | OffsetUnit::Minutes => {
                let span = if offset.unit() == OffsetUnit::Hours { amount.hours() } else { amount.minutes() };
                let instant = self.0.timestamp().checked_add(span).map_err(|_| out_of_range())?;
                Ok(instant.to_zoned_datetime(self.0.time_zone().clone()))
            }
        }
    }
}

/// Whether an ISO/RFC 3339 date-time text carries a UTC offset or `Z` after its time.
fn has_offset(text: &str) -> bool {
    let Some((_, time)) = text.split_once(['T', 't', ' ']) else { return false };
    time.contains(['+', '-', 'Z', 'z', '['])
}

/// A phase with its instants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseDates {
    /// Phase id.
    pub id: String,
    /// Start (inclusive).
    pub start: ZonedDateTime,
    /// End (exclusive).
    pub end: ZonedDateTime,
}

/// A checkpoint with its instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointDates {
    /// The offset as the plan writes it.
    pub offset: Offset,
    /// When.
    pub at: ZonedDateTime,
    /// The items due.
    pub items: Vec<Item>,
}

/// The two kinds of freeze.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FreezeKind {
    /// Code freeze: hotfix only.
    Code,
    /// Config freeze: exceptions by the IC's decision.
    Config,
}

/// A freeze window with its instants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreezeDates {
    /// Code or config.
    pub kind: FreezeKind,
    /// Start (inclusive).
    pub start: ZonedDateTime,
    /// End (exclusive).
    pub end: ZonedDateTime,
}

impl FreezeDates {
    /// Whether the freeze is in force at `instant`: `[start, end)`.
    pub fn contains(&self, instant: Timestamp) -> bool {
        self.start.timestamp() <= instant && instant < self.end.timestamp()
    }
}

/// The date table of a launch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateTable {
    /// Plan id.
    pub plan: String,
    /// Zone name.
    pub tz: String,
    /// T0.
    pub t0: ZonedDateTime,
    /// Phases in time order.
    pub phases: Vec<PhaseDates>,
    /// Checkpoints in time order.
    pub checkpoints: Vec<CheckpointDates>,
    /// Code then config freeze.
    pub freezes: Vec<FreezeDates>,
    /// The change window, `[start, end)`.
    pub change_window: (ZonedDateTime, ZonedDateTime),
}

impl DateTable {
    /// Computes the table for `plan` from `t0` (already seen in the zone to use).
    pub fn new(plan: &Plan, t0: &T0) -> Result<Self> {
        let phases = plan
            .phases
            .iter()
            .map(|p| Ok(PhaseDates { id: p.id.clone(), start: t0.at(p.start)?, end: t0.at(p.end)? }))
            .collect::<Result<Vec<_>>>()?;
        let mut checkpoints = plan
            .checkpoints
            .iter()
            .map(|c| Ok(CheckpointDates { offset: c.offset, at: t0.at(c.offset)?, items: c.items.clone() }))
            .collect::<Result<Vec<_>>>()?;
        // Nominal order from the plan can differ from the real one only across DST by less
        // than an hour; sort by the instant so the table is always in time order.
        checkpoints.sort_by_key(|c| c.at.timestamp());
        let freeze = &plan.freeze;
        let freezes = vec![
            FreezeDates { kind: FreezeKind::Code, start: t0.at(freeze.code.start)?, end: t0.at(freeze.code.end)? },
            FreezeDates { kind: FreezeKind::Config, start: t0.at(freeze.config.window.start)?, end: t0.at(freeze.config.window.end)? },
        ];
        let change_window = (t0.at(freeze.change_window.start)?, t0.at(freeze.change_window.end)?);
        let tz = t0.zoned().time_zone().iana_name().unwrap_or("UTC").to_owned();
        let table = Self { plan: plan.id.clone(), tz, t0: t0.zoned().clone(), phases, checkpoints, freezes, change_window };
        table.assert_ordered();
        Ok(table)
    }

    fn assert_ordered(&self) {
        for phase in &self.phases {
            assert!(phase.start < phase.end, "phase {} ends before it starts", phase.id);
        }
        for pair in self.phases.windows(2) {
            assert!(pair[0].end <= pair[1].start, "phases {} and {} overlap", pair[0].id, pair[1].id);
        }
    }

    /// The phase in force at `instant`, if any (there are gaps, e.g. T-1d → T0).
    pub fn phase_at(&self, instant: Timestamp) -> Option<&PhaseDates> {
        self.phases.iter().find(|p| p.start.timestamp() <= instant && instant < p.end.timestamp())
    }

    /// The first checkpoint strictly after `instant`.
    pub fn next_checkpoint(&self, instant: Timestamp) -> Option<&CheckpointDates> {
        self.checkpoints.iter().find(|c| c.at.timestamp() > instant)
    }
}

/// An instant as RFC 3339 with the offset of the zone in force then, e.g.
/// `2026-11-30T10:00:00+01:00`.
pub fn rfc3339(zoned: &ZonedDateTime) -> String {
    zoned.timestamp().display_with_offset(zoned.offset()).to_string()
}
