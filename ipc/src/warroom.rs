//! Wire types of the warroom page (issue 11): the signed decision log, verified, and the
//! rollback procedure it carries.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One entry of the decision log as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionView {
    /// Its position in the log (1-based).
    pub position: u64,
    /// The seq it was signed with.
    pub seq: u64,
    /// Its id.
    pub id: String,
    /// Its kind.
    pub kind: String,
    /// Its details, as signed (canonical JSON).
    pub details: String,
    /// Why, in the author's words.
    pub text: String,
    /// The author's name and key.
    pub author: String,
    /// When, in the plan zone.
    pub at: String,
    /// The plan version it was taken under.
    pub plan_version: String,
    /// The hash of its SLO/rollback snapshot.
    pub snapshot_hash: String,
    /// The snapshot itself, pretty JSON.
    pub snapshot: String,
    /// Its hash.
    pub hash: String,
    /// Whether it verified (signature, IC author, chain, snapshot).
    pub verified: bool,
    /// What is wrong with it, if anything.
    pub problems: Vec<String>,
}

/// A step of a rollback's procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepView {
    /// The plan's step id.
    pub step: String,
    /// Its title in English and Russian.
    pub title_en: String,
    /// Its Russian title.
    pub title_ru: String,
    /// The owner role.
    pub owner: String,
    /// Done: "who · when · evidence (decision #n)".
    pub done: Option<String>,
}

/// A declared rollback with its procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollbackView {
    /// The declaring decision's id.
    pub rollback: String,
    /// Its scope.
    pub scope: String,
    /// When it was declared, in the plan zone.
    pub declared_at: String,
    /// When it was stood down, if it was.
    pub stood_down: Option<String>,
    /// The steps in the plan's order.
    pub steps: Vec<StepView>,
}

/// The warroom: the log, verified; the rollbacks; what the SLO picture recommends now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarroomView {
    /// Whether every entry verified.
    pub intact: bool,
    /// The log, in order.
    pub entries: Vec<DecisionView>,
    /// The rollbacks declared, newest last.
    pub rollbacks: Vec<RollbackView>,
    /// What the rollback rules recommend now: none, partial or full.
    pub recommendation: String,
    /// Its scope (`network:trc20`, `global` …).
    pub scope: Option<String>,
    /// The evidence, in words.
    pub evidence: Vec<String>,
    /// The phase whose cap governs now.
    pub phase: Option<String>,
    /// The level a rollback lowers the volume to (the phase before), if any.
    pub previous_level: Option<String>,
    /// Safe-mode scopes switched on.
    pub safe_mode: Vec<String>,
    /// The volume level in force, if one was set.
    pub volume_level: Option<String>,
    /// Who signs decisions here (the policy's launch IC), or why no one can.
    pub launch_ic: Result<String, String>,
    /// The kinds of decision there are (the form's choices).
    pub kinds: Vec<String>,
    /// This desk's decisions the ledger refused, in words (they are in no log).
    pub refused: Vec<String>,
}

/// A decision to take, from the window. Its `Debug` never shows the PIN.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecideRequest {
    /// The kind.
    pub kind: String,
    /// Its details, field → value (`languages` as `en,ru`).
    pub details: BTreeMap<String, String>,
    /// Why.
    pub text: String,
    /// The PIN of the launch IC's token, typed now (wiped by the shell after use).
    pub pin: String,
}

impl std::fmt::Debug for DecideRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecideRequest")
            .field("kind", &self.kind)
            .field("details", &self.details)
            .field("text", &self.text)
            .field("pin", &"…")
            .finish()
    }
}
