//! The errors of the domain core. Every variant names the offending value and, where the
//! value came from a plan file, its field path and line.

use std::fmt;

/// Where in a plan file a problem is: a dotted field path and, when known, a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Dotted field path, e.g. `checkpoints[2].items[0].owner`.
    pub field: String,
    /// 1-based line in the plan file, when the parser could tell.
    pub line: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}, field `{}`", self.field),
            None => write!(f, "field `{}`", self.field),
        }
    }
}

/// An error of the domain core.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The plan file is not valid TOML or does not match the schema's types.
    #[error("plan file: line {line}, column {column}: {message}")]
    PlanSyntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// The plan file parsed but breaks a rule of the schema.
    #[error("plan file: {at}: {message}")]
    PlanInvalid {
        /// Where the offending value is.
        at: Location,
        /// What is wrong and what to do.
        message: String,
    },
    /// An offset such as `T-7d` could not be read.
    #[error("offset {value:?}: {reason}; write T0, or T±N with a unit d, h or m (e.g. T-7d, T+24h, T-30m)")]
    Offset {
        /// The text as given.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// The time zone name is not in the tz database.
    #[error("time zone {name:?} is not in the tz database; use an IANA name such as Europe/Warsaw")]
    UnknownTimeZone {
        /// The name as given.
        name: String,
    },
    /// T0 is not a local date-time or an RFC 3339 instant.
    #[error("T0 {value:?} is not a date-time; write it as 2026-12-07T10:00 (plan-zone wall clock) or 2026-12-07T10:00+01:00")]
    T0Format {
        /// The text as given.
        value: String,
    },
    /// T0 names a wall-clock time that the zone skips (spring-forward gap).
    #[error(
        "T0 {value:?} does not exist in {tz}: the clocks jump from {before} to {after} there; pick another time or give an explicit offset"
    )]
    T0Nonexistent {
        /// The text as given.
        value: String,
        /// The plan's zone.
        tz: String,
        /// The UTC offset before the gap.
        before: String,
        /// The UTC offset after the gap.
        after: String,
    },
    /// T0 names a wall-clock time that happens twice (fall-back overlap).
    #[error(
        "T0 {value:?} is ambiguous in {tz}: it happens at {before} and again at {after}; add the offset you mean, e.g. {value}{before}"
    )]
    T0Ambiguous {
        /// The text as given.
        value: String,
        /// The plan's zone.
        tz: String,
        /// The first UTC offset.
        before: String,
        /// The second UTC offset.
        after: String,
    },
    /// A date computation left the supported range (years -9999..=9999).
    #[error("{what} is out of the supported date range")]
    OutOfRange {
        /// What was being computed.
        what: String,
    },
    /// The plan has no item with this id.
    #[error("no checklist item {item_id:?} in plan {plan_id}; `clubgate checklist show` lists the ids")]
    UnknownItem {
        /// The id as given.
        item_id: String,
        /// The plan searched.
        plan_id: String,
    },
    /// A required text of a record (who, evidence, what, rollback…) is empty.
    #[error("{field} is required: {hint}")]
    Missing {
        /// The field that was empty.
        field: &'static str,
        /// What to write there.
        hint: &'static str,
    },
    /// A text is longer than the store accepts.
    #[error("{field} is {length} characters long; at most {limit} are kept")]
    TooLong {
        /// The field.
        field: &'static str,
        /// Its length.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// An item state name is not one of open, done, blocked, n/a.
    #[error("state {value:?} is not one of open, done, blocked, n/a")]
    UnknownState {
        /// The text as given.
        value: String,
    },
    /// A config key named for a change request is not one the plan knows.
    #[error("change area {value:?} is not `code` or `config`")]
    UnknownArea {
        /// The text as given.
        value: String,
    },
}

/// The result type of the domain core.
pub type Result<T, E = Error> = std::result::Result<T, E>;
