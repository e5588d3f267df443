//! The JSON shapes of the CLI. They are the CLI's stable contract for scripts, built
//! from core values here at the edge.

use clubgate_core::checklist::{Gate, ItemChange};
use clubgate_core::freeze::{ChangeAssessment, FreezeStatus};
use clubgate_core::plan::Item;
use clubgate_core::schedule::{rfc3339, DateTable};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Serialize;

/// `plan dates --json`.
#[derive(Serialize)]
pub(crate) struct DatesJson {
    plan: String,
    tz: String,
    t0: String,
    phases: Vec<PhaseJson>,
    checkpoints: Vec<CheckpointJson>,
    freezes: Vec<FreezeJson>,
}

#[derive(Serialize)]
struct PhaseJson {
    id: String,
    start: String,
    end: String,
}

#[derive(Serialize)]
struct CheckpointJson {
    offset: String,
    at: String,
    items: Vec<ItemJson>,
}

#[derive(Serialize)]
struct ItemJson {
    id: String,
    title: String,
    owner: String,
}

#[derive(Serialize)]
struct FreezeJson {
    kind: clubgate_core::schedule::FreezeKind,
    start: String,
    end: String,
}

impl DatesJson {
    pub(crate) fn new(table: &DateTable) -> Self {
        let item = |i: &Item| ItemJson { id: i.id.clone(), title: i.title.en.clone(), owner: i.owner.clone() };
        Self {
            plan: table.plan.clone(),
            tz: table.tz.clone(),
            t0: rfc3339(&table.t0),
            phases: table.phases.iter().map(|p| PhaseJson { id: p.id.clone(), start: rfc3339(&p.start), end: rfc3339(&p.end) }).collect(),
            checkpoints: table
                .checkpoints
                .iter()
                .map(|c| CheckpointJson { offset: c.offset.to_string(), at: rfc3339(&c.at), items: c.items.iter().map(item).collect() })
                .collect(),
            freezes: table.freezes.iter().map(|f| FreezeJson { kind: f.kind, start: rfc3339(&f.start), end: rfc3339(&f.end) }).collect(),
        }
    }
}

/// One change in a history listing.
#[derive(Serialize)]
pub(crate) struct ChangeJson {
    item_id: String,
    state: &'static str,
    who: String,
    at: String,
    evidence: String,
}

impl ChangeJson {
    pub(crate) fn new(change: &ItemChange) -> Self {
        Self {
            item_id: change.item_id.clone(),
            state: change.state.as_str(),
            who: change.who.clone(),
            at: change.at.to_string(),
            evidence: change.evidence.clone(),
        }
    }
}

/// `gate --json`.
#[derive(Serialize)]
pub(crate) struct GateJson {
    verdict: clubgate_core::checklist::Verdict,
    done: usize,
    total: usize,
    blockers: Vec<BlockerJson>,
}

#[derive(Serialize)]
struct BlockerJson {
    id: String,
    state: &'static str,
    owner: String,
}

impl GateJson {
    pub(crate) fn new(gate: &Gate) -> Self {
        Self {
            verdict: gate.verdict,
            done: gate.done,
            total: gate.total,
            blockers: gate
                .blockers
                .iter()
                .map(|b| BlockerJson { id: b.item_id.clone(), state: b.state.as_str(), owner: b.owner.clone() })
                .collect(),
        }
    }
}

/// `freeze status --json`.
#[derive(Serialize)]
pub(crate) struct FreezeStatusJson {
    at: String,
    active: Vec<clubgate_core::schedule::FreezeKind>,
    change_window_open: bool,
}

impl FreezeStatusJson {
    pub(crate) fn new(at: Timestamp, tz: &TimeZone, status: &FreezeStatus) -> Self {
        Self {
            at: rfc3339(&at.to_zoned_datetime(tz.clone())),
            active: status.active.clone(),
            change_window_open: status.change_window_open,
        }
    }
}

/// `freeze check --json`.
#[derive(Serialize)]
pub(crate) struct AssessmentJson {
    verdict: clubgate_core::freeze::ChangeVerdict,
    active: Vec<clubgate_core::schedule::FreezeKind>,
    in_change_window: bool,
    reason: String,
}

impl AssessmentJson {
    pub(crate) fn new(assessment: &ChangeAssessment) -> Self {
        Self {
            verdict: assessment.verdict,
            active: assessment.active.clone(),
            in_change_window: assessment.in_change_window,
            reason: assessment.reason.clone(),
        }
    }
}
