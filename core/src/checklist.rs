//! Checklist item states, their history, and the Go/No-Go gate.
//!
//! A change of an item is a record (state, who, when, evidence) appended to its history;
//! nothing is overwritten. The current state of an item is its latest record, or `open`
//! when it has none.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::plan::{ItemKind, Plan};

/// Longest `who` kept.
pub const MAX_WHO_CHARS: usize = 120;
/// Longest evidence text kept.
pub const MAX_EVIDENCE_CHARS: usize = 4_000;

/// The state of a checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ItemState {
    /// Not done yet.
    #[serde(rename = "open")]
    Open,
    /// Done, with evidence.
    #[serde(rename = "done")]
    Done,
    /// Cannot be done now, with the reason.
    #[serde(rename = "blocked")]
    Blocked,
    /// Does not apply to this launch, with the reason.
    #[serde(rename = "n/a")]
    NotApplicable,
}

impl ItemState {
    /// The stable name: `open`, `done`, `blocked`, `n/a`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Done => "done",
            Self::Blocked => "blocked",
            Self::NotApplicable => "n/a",
        }
    }
}

impl fmt::Display for ItemState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ItemState {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "open" => Ok(Self::Open),
            "done" => Ok(Self::Done),
            "blocked" => Ok(Self::Blocked),
            "n/a" | "na" => Ok(Self::NotApplicable),
            _ => Err(Error::UnknownState { value: text.to_owned() }),
        }
    }
}

/// One recorded change of an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemChange {
    /// The item's id.
    pub item_id: String,
    /// The new state.
    pub state: ItemState,
    /// Who made the change.
    pub who: String,
    /// When (UTC instant).
    pub at: Timestamp,
    /// Evidence for done, the reason for blocked or n/a; may be empty when reopening.
    pub evidence: String,
}

impl ItemChange {
    /// Builds a change after checking it against the plan: the item exists, `who` is
    /// named, and done / blocked / n/a carry their evidence or reason.
    pub fn new(plan: &Plan, item_id: &str, state: ItemState, who: &str, at: Timestamp, evidence: &str) -> Result<Self> {
        if plan.item(item_id).is_none() {
            return Err(Error::UnknownItem { item_id: item_id.to_owned(), plan_id: plan.id.clone() });
        }
        let who = who.trim();
        if who.is_empty() {
            return Err(Error::Missing { field: "who", hint: "name the person making the change" });
        }
        check_length("who", who, MAX_WHO_CHARS)?;
        let evidence = evidence.trim();
        check_length("evidence", evidence, MAX_EVIDENCE_CHARS)?;
        if evidence.is_empty() {
            match state {
                ItemState::Done => {
                    return Err(Error::Missing {
                        field: "evidence",
                        hint: "say what proves the item is done (a link, a figure, a log line)",
                    })
                }
                ItemState::Blocked => return Err(Error::Missing { field: "evidence", hint: "say what blocks the item" }),
                ItemState::NotApplicable => return Err(Error::Missing { field: "evidence", hint: "say why the item does not apply" }),
                ItemState::Open => {}
            }
        }
        Ok(Self { item_id: item_id.to_owned(), state, who: who.to_owned(), at, evidence: evidence.to_owned() })
    }
}

fn check_length(field: &'static str, text: &str, limit: usize) -> Result<()> {
    let length = text.chars().count();
    if length > limit {
        return Err(Error::TooLong { field, length, limit });
    }
    Ok(())
}

/// The current state of every item, from a history in the order it was recorded.
pub fn current_states(history: &[ItemChange]) -> HashMap<&str, &ItemChange> {
    let mut latest = HashMap::new();
    for change in history {
        latest.insert(change.item_id.as_str(), change);
    }
    latest
}

/// The gate's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE")]
pub enum Verdict {
    /// Every entry criterion is done.
    Go,
    /// At least one entry criterion is not done.
    NoGo,
}

/// An entry criterion that keeps the gate at NO-GO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    /// The criterion's id.
    pub item_id: String,
    /// Its current state (never done).
    pub state: ItemState,
    /// Its owner role.
    pub owner: String,
}

/// The Go/No-Go gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    /// GO or NO-GO.
    pub verdict: Verdict,
    /// What blocks it, in plan order; empty exactly when GO.
    pub blockers: Vec<Blocker>,
    /// Entry criteria done.
    pub done: usize,
    /// Entry criteria in all.
    pub total: usize,
}

/// Evaluates the gate: GO only when every entry criterion is done. A criterion marked n/a
/// still blocks: the plan's entry criteria are the gate, and skipping one is a decision the
/// plan itself must record by dropping it from the file.
pub fn go_no_go(plan: &Plan, history: &[ItemChange]) -> Gate {
    let states = current_states(history);
    let blockers: Vec<Blocker> = plan
        .items()
        .filter(|(kind, _, _)| *kind == ItemKind::EntryCriterion)
        .filter_map(|(_, _, item)| {
            let state = states.get(item.id.as_str()).map_or(ItemState::Open, |c| c.state);
            (state != ItemState::Done).then(|| Blocker { item_id: item.id.clone(), state, owner: item.owner.clone() })
        })
        .collect();
    let total = plan.entry_criteria.len();
    let verdict = if blockers.is_empty() { Verdict::Go } else { Verdict::NoGo };
    assert!(total > 0, "a validated plan has entry criteria");
    Gate { verdict, done: total - blockers.len(), blockers, total }
}
