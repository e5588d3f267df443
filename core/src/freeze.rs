//! The freeze plan at an instant, and how a change request fares against it.

use jiff::Timestamp;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::schedule::{DateTable, FreezeKind};

/// Which freezes are in force at an instant and whether the change window is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreezeStatus {
    /// Active freezes, code before config.
    pub active: Vec<FreezeKind>,
    /// Whether the change window (`[start, end)`) is open.
    pub change_window_open: bool,
}

/// The freeze status at `instant`.
pub fn status_at(table: &DateTable, instant: Timestamp) -> FreezeStatus {
    let active = table.freezes.iter().filter(|f| f.contains(instant)).map(|f| f.kind).collect();
    let (start, end) = &table.change_window;
    FreezeStatus { active, change_window_open: start.timestamp() <= instant && instant < end.timestamp() }
}

/// What a change touches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeArea {
    /// Application code.
    Code,
    /// Configuration; the key says which (`per_tx_cap`, `fee_mode`, …).
    Config {
        /// The config key.
        key: String,
    },
}

/// A change request in the template who / what / when / rollback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRequest {
    /// Who makes the change.
    pub who: String,
    /// What changes.
    pub what: String,
    /// When it is made.
    pub when: Timestamp,
    /// How it is rolled back.
    pub rollback: String,
    /// What it touches.
    pub area: ChangeArea,
}

impl ChangeRequest {
    /// Builds a request, refusing an empty template field by name.
    pub fn new(who: &str, what: &str, when: Timestamp, rollback: &str, area: ChangeArea) -> Result<Self> {
        for (field, value, hint) in [
            ("who", who, "name the person making the change"),
            ("what", what, "describe the change"),
            ("rollback", rollback, "say how the change is undone"),
        ] {
            if value.trim().is_empty() {
                return Err(Error::Missing { field, hint });
            }
        }
        if let ChangeArea::Config { key } = &area {
            if key.trim().is_empty() {
                return Err(Error::Missing { field: "key", hint: "name the config key the change touches" });
            }
        }
        Ok(Self { who: who.trim().to_owned(), what: what.trim().to_owned(), when, rollback: rollback.trim().to_owned(), area })
    }
}

/// How a change request fares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeVerdict {
    /// No freeze covers it: it may go ahead.
    Allowed,
    /// Code freeze: only as a hotfix, by the procedure, inside the change window.
    HotfixOnly,
    /// Config freeze, but the key is an exception: allowed by the IC's decision, inside
    /// the change window.
    NeedsIcDecision,
    /// Frozen and not an exception, or outside the change window while frozen.
    Refused,
}

/// The assessment of a change request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeAssessment {
    /// The verdict.
    pub verdict: ChangeVerdict,
    /// Freezes active at `when`.
    pub active: Vec<FreezeKind>,
    /// Whether `when` is inside the change window.
    pub in_change_window: bool,
    /// Why, in one sentence.
    pub reason: String,
}

/// Assesses `request` against the freeze plan. While a freeze covers the change's area it
/// must be made inside the change window; outside every freeze it is business as usual.
pub fn assess(plan: &Plan, table: &DateTable, request: &ChangeRequest) -> ChangeAssessment {
    let status = status_at(table, request.when);
    let in_window = status.change_window_open;
    let window = &plan.freeze.change_window.channel;
    let (verdict, reason) = match &request.area {
        ChangeArea::Code if status.active.contains(&FreezeKind::Code) => {
            if in_window {
                (ChangeVerdict::HotfixOnly, "code freeze is on: a hotfix only, by procedure, announced in the change window".to_owned())
            } else {
                (ChangeVerdict::Refused, format!("code freeze is on and the change window (#{window}) is closed at that time"))
            }
        }
        ChangeArea::Config { key } if status.active.contains(&FreezeKind::Config) => {
            let exception = plan.freeze.config.exceptions.iter().any(|e| e == key);
            match (exception, in_window) {
                (true, true) => (
                    ChangeVerdict::NeedsIcDecision,
                    format!(
                        "config freeze is on; {key} is an exception allowed by the decision of {}",
                        plan.freeze.config.exception_approver
                    ),
                ),
                (true, false) => {
                    (ChangeVerdict::Refused, format!("config freeze is on and the change window (#{window}) is closed at that time"))
                }
                (false, _) => (
                    ChangeVerdict::Refused,
                    format!("config freeze is on and {key} is not an exception (exceptions: {})", plan.freeze.config.exceptions.join(", ")),
                ),
            }
        }
        _ => (ChangeVerdict::Allowed, "no freeze covers this change at that time".to_owned()),
    };
    ChangeAssessment { verdict, active: status.active, in_change_window: in_window, reason }
}
