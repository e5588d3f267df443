//! The warroom's decisions (issue 11, PRODUCT.md "Warroom decisions"): what a decision of
//! each kind must say, the SLO/rollback snapshot it was taken on, and the rollback procedure
//! (seed §10) as it stands after a log of decisions.
//!
//! A decision's details are a JSON object whose fields the kind fixes; [`Details::parse`]
//! refuses anything else by name, so what is signed always reads one way. Signing and the
//! log's chain live in `clubgate-chain` (`decision`); this module has no keys and no clock.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::chain::canonical;
use crate::freeze::status_at;
use crate::ledger::Scope;
use crate::plan::{Network, Plan};
use crate::schedule::DateTable;
use crate::treasury::network_from_id;

/// The kinds of decision, as written in the log.
pub const KINDS: [&str; 9] = [
    "go_no_go",
    "rollback_declared",
    "rollback_stood_down",
    "safe_mode",
    "volume_level",
    "freeze_exception",
    "rollback_step",
    "comms_sent",
    "other",
];

/// A decision's details, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Details {
    /// Go or No-Go.
    GoNoGo {
        /// `true` for Go.
        go: bool,
    },
    /// A rollback declared for a scope (`global` is the full rollback).
    RollbackDeclared {
        /// What is rolled back.
        scope: Scope,
    },
    /// A declared rollback stood down: its procedure is closed.
    RollbackStoodDown {
        /// The id of the `rollback_declared` decision.
        rollback: String,
    },
    /// Safe-mode switched for a scope (EOD off / payouts frozen there).
    SafeMode {
        /// On or off.
        on: bool,
        /// Where.
        scope: Scope,
        /// The rollback whose procedure this step is, if any.
        rollback: Option<String>,
    },
    /// The volume level: a phase of the plan whose cap holds from now on (never above the
    /// cap of the phase in force).
    VolumeLevel {
        /// The phase id.
        level: String,
        /// The rollback whose procedure this step is, if any.
        rollback: Option<String>,
    },
    /// A config-freeze exception (per-tx cap or fee-mode), in the change template.
    FreezeException {
        /// The config key: one of the plan's `freeze.config.exceptions`.
        area: String,
        /// Who makes the change.
        who: String,
        /// What changes.
        what: String,
        /// When it is made.
        when: Timestamp,
        /// How it is undone.
        rollback_plan: String,
        /// The network the change applies to (`erc20` / `trc20`), when it names one: a
        /// per-tx cap exception needs it to change a figure.
        network: Option<Network>,
        /// The new value, machine-readable, when given: a per-tx cap in decimal token units
        /// (`"150000"`), a fee mode (`normal`, `fast`, `urgent`). Without it the exception is
        /// listed but changes no figure.
        value: Option<String>,
    },
    /// A step of a declared rollback's procedure done, with its evidence.
    RollbackStep {
        /// The id of the `rollback_declared` decision.
        rollback: String,
        /// The step id of the plan's `rollback.procedure`.
        step: String,
        /// Who did it.
        who: String,
        /// The evidence (a link, a message id, what was seen).
        evidence: String,
    },
    /// A partner message sent.
    CommsSent {
        /// The template id.
        template: String,
        /// The languages sent (`en`, `ru`).
        languages: Vec<String>,
        /// sha256 of the exact text sent (hex).
        sha256: String,
        /// The rollback whose procedure this step is, if any.
        rollback: Option<String>,
    },
    /// Anything else, said in the decision's text.
    Other,
}

fn field<'a>(object: &'a Map<String, Value>, name: &str, kind: &str) -> Result<&'a str, String> {
    match object.get(name) {
        Some(Value::String(text)) if !text.trim().is_empty() => Ok(text.trim()),
        Some(other) => Err(format!("{kind}: {name} = {other} must be a non-empty string")),
        None => Err(format!("{kind}: {name} is missing")),
    }
}

fn optional(object: &Map<String, Value>, name: &str, kind: &str) -> Result<Option<String>, String> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => field(object, name, kind).map(|text| Some(text.to_owned())),
    }
}

/// The machine-readable value of a freeze exception, checked for its area: a per-tx cap is
/// a positive decimal token amount (at most 6 decimals), a fee mode is normal, fast or urgent.
fn exception_value(area: &str, value: Option<String>) -> Result<Option<String>, String> {
    let Some(value) = value else { return Ok(None) };
    match area {
        "per_tx_cap" => {
            // Kept as written: the signed details are exactly the text the author signed.
            crate::payout::TokenAmount::parse_decimal(&value, crate::treasury::TOKEN_DECIMALS)
                .map_err(|e| format!("freeze_exception: per_tx_cap value {value:?} is not a token amount: {e}"))?;
            Ok(Some(value))
        }
        "fee_mode" if matches!(value.as_str(), "normal" | "fast" | "urgent") => Ok(Some(value)),
        "fee_mode" => Err(format!("freeze_exception: fee_mode value {value:?} is not normal, fast or urgent")),
        _ => Ok(Some(value)),
    }
}

/// Reads `global`, `network:<erc20|trc20>` or `wallet:<id>`.
pub fn parse_scope(text: &str) -> Result<Scope, String> {
    match text.trim().split_once(':') {
        None if text.trim() == "global" => Ok(Scope::Global),
        Some(("network", network)) => {
            network_from_id(network).map(Scope::Network).ok_or_else(|| format!("scope {text:?}: network {network:?} is not erc20 or trc20"))
        }
        Some(("wallet", wallet)) if !wallet.trim().is_empty() => Ok(Scope::Wallet(wallet.trim().to_owned())),
        _ => Err(format!("scope {text:?} is not global, network:erc20, network:trc20 or wallet:<id>")),
    }
}

impl Details {
    /// Reads the details of a decision of `kind`, refusing a missing, empty or unknown field
    /// by name.
    pub fn parse(kind: &str, details: &Value) -> Result<Self, String> {
        let object = details.as_object().ok_or_else(|| format!("{kind}: the details {details} are not a JSON object"))?;
        let allowed: &[&str] = match kind {
            "go_no_go" => &["verdict"],
            "rollback_declared" => &["scope"],
            "rollback_stood_down" => &["rollback"],
            "safe_mode" => &["state", "scope", "rollback"],
            "volume_level" => &["level", "rollback"],
            "freeze_exception" => &["area", "who", "what", "when", "rollback_plan", "network", "value"],
            "rollback_step" => &["rollback", "step", "who", "evidence"],
            "comms_sent" => &["template", "languages", "sha256", "rollback"],
            "other" => &[],
            other => return Err(format!("decision kind {other:?} is not one of {}", KINDS.join(", "))),
        };
        if let Some(unknown) = object.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(format!("{kind}: field {unknown:?} is not one of its fields ({})", allowed.join(", ")));
        }
        Ok(match kind {
            "go_no_go" => match field(object, "verdict", kind)? {
                "go" => Self::GoNoGo { go: true },
                "no_go" => Self::GoNoGo { go: false },
                other => return Err(format!("go_no_go: verdict {other:?} is not go or no_go")),
            },
            "rollback_declared" => Self::RollbackDeclared { scope: parse_scope(field(object, "scope", kind)?)? },
            "rollback_stood_down" => Self::RollbackStoodDown { rollback: field(object, "rollback", kind)?.to_owned() },
            "safe_mode" => Self::SafeMode {
                on: match field(object, "state", kind)? {
                    "on" => true,
                    "off" => false,
                    other => return Err(format!("safe_mode: state {other:?} is not on or off")),
                },
                scope: parse_scope(field(object, "scope", kind)?)?,
                rollback: optional(object, "rollback", kind)?,
            },
            "volume_level" => {
                Self::VolumeLevel { level: field(object, "level", kind)?.to_owned(), rollback: optional(object, "rollback", kind)? }
            }
            "freeze_exception" => Self::FreezeException {
                area: field(object, "area", kind)?.to_owned(),
                who: field(object, "who", kind)?.to_owned(),
                what: field(object, "what", kind)?.to_owned(),
                when: field(object, "when", kind)?
                    .parse()
                    .map_err(|e| format!("freeze_exception: when {:?} is not an RFC 3339 instant: {e}", object["when"]))?,
                rollback_plan: field(object, "rollback_plan", kind)?.to_owned(),
                network: optional(object, "network", kind)?
                    .map(|n| network_from_id(&n).ok_or_else(|| format!("freeze_exception: network {n:?} is not erc20 or trc20")))
                    .transpose()?,
                value: exception_value(field(object, "area", kind)?, optional(object, "value", kind)?)?,
            },
            "rollback_step" => Self::RollbackStep {
                rollback: field(object, "rollback", kind)?.to_owned(),
                step: field(object, "step", kind)?.to_owned(),
                who: field(object, "who", kind)?.to_owned(),
                evidence: field(object, "evidence", kind)?.to_owned(),
            },
            "comms_sent" => {
                let languages = match object.get("languages") {
                    Some(Value::Array(items)) if !items.is_empty() => items
                        .iter()
                        .map(|l| match l.as_str() {
                            Some(l @ ("en" | "ru")) => Ok(l.to_owned()),
                            _ => Err(format!("comms_sent: language {l} is not en or ru")),
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                    _ => return Err("comms_sent: languages must be a non-empty list of en/ru".to_owned()),
                };
                let sha256 = field(object, "sha256", kind)?;
                if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(format!("comms_sent: sha256 {sha256:?} is not 64 hex digits"));
                }
                Self::CommsSent {
                    template: field(object, "template", kind)?.to_owned(),
                    languages,
                    sha256: sha256.to_ascii_lowercase(),
                    rollback: optional(object, "rollback", kind)?,
                }
            }
            _ => Self::Other,
        })
    }

    /// The kind's id.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::GoNoGo { .. } => "go_no_go",
            Self::RollbackDeclared { .. } => "rollback_declared",
            Self::RollbackStoodDown { .. } => "rollback_stood_down",
            Self::SafeMode { .. } => "safe_mode",
            Self::VolumeLevel { .. } => "volume_level",
            Self::FreezeException { .. } => "freeze_exception",
            Self::RollbackStep { .. } => "rollback_step",
            Self::CommsSent { .. } => "comms_sent",
            Self::Other => "other",
        }
    }

    /// The details as the JSON object that is signed (its canonical text is
    /// [`Details::canonical_text`]).
    pub fn to_value(&self) -> Value {
        let mut object = Map::new();
        let mut put = |name: &str, value: Value| {
            object.insert(name.to_owned(), value);
        };
        match self {
            Self::GoNoGo { go } => put("verdict", Value::from(if *go { "go" } else { "no_go" })),
            Self::RollbackDeclared { scope } => put("scope", Value::from(scope.label())),
            Self::RollbackStoodDown { rollback } => put("rollback", Value::from(rollback.as_str())),
            Self::SafeMode { on, scope, rollback } => {
                put("state", Value::from(if *on { "on" } else { "off" }));
                put("scope", Value::from(scope.label()));
                if let Some(rollback) = rollback {
                    put("rollback", Value::from(rollback.as_str()));
                }
            }
            Self::VolumeLevel { level, rollback } => {
                put("level", Value::from(level.as_str()));
                if let Some(rollback) = rollback {
                    put("rollback", Value::from(rollback.as_str()));
                }
            }
            Self::FreezeException { area, who, what, when, rollback_plan, network, value } => {
                put("area", Value::from(area.as_str()));
                put("who", Value::from(who.as_str()));
                put("what", Value::from(what.as_str()));
                put("when", Value::from(when.to_string()));
                put("rollback_plan", Value::from(rollback_plan.as_str()));
                if let Some(network) = network {
                    put("network", Value::from(crate::treasury::network_id(*network)));
                }
                if let Some(value) = value {
                    put("value", Value::from(value.as_str()));
                }
            }
            Self::RollbackStep { rollback, step, who, evidence } => {
                put("rollback", Value::from(rollback.as_str()));
                put("step", Value::from(step.as_str()));
                put("who", Value::from(who.as_str()));
                put("evidence", Value::from(evidence.as_str()));
            }
            Self::CommsSent { template, languages, sha256, rollback } => {
                put("template", Value::from(template.as_str()));
                put("languages", Value::from(languages.clone()));
                put("sha256", Value::from(sha256.as_str()));
                if let Some(rollback) = rollback {
                    put("rollback", Value::from(rollback.as_str()));
                }
            }
            Self::Other => {}
        }
        Value::Object(object)
    }

    /// The canonical (RFC 8785) text of the details: the string the typed data signs.
    pub fn canonical_text(&self) -> String {
        String::from_utf8(canonical(&self.to_value())).unwrap_or_default()
    }

    /// The rollback this decision belongs to, if any.
    pub fn rollback(&self) -> Option<&str> {
        match self {
            Self::RollbackStoodDown { rollback } | Self::RollbackStep { rollback, .. } => Some(rollback),
            Self::SafeMode { rollback, .. } | Self::VolumeLevel { rollback, .. } | Self::CommsSent { rollback, .. } => rollback.as_deref(),
            _ => None,
        }
    }
}

/// Checks what the plan says of a decision taken at `at`: a volume level is a phase of the
/// plan; a freeze exception is one of the config freeze's exceptions, decided and made inside
/// the change window.
pub fn check_against_plan(details: &Details, plan: &Plan, table: &DateTable, at: Timestamp) -> Result<(), String> {
    match details {
        Details::VolumeLevel { level, .. } if !plan.phases.iter().any(|p| &p.id == level) => {
            let ids: Vec<&str> = plan.phases.iter().map(|p| p.id.as_str()).collect();
            return Err(format!("volume level {level:?} is not a phase of the plan ({})", ids.join(", ")));
        }
        Details::FreezeException { area, when, network, value, .. } => {
            if area == "per_tx_cap" && value.is_some() && network.is_none() {
                return Err(format!(
                    "freeze exception {area:?}: a per-tx cap value {:?} needs its network (erc20 or trc20)",
                    value.as_deref().unwrap_or_default()
                ));
            }
            let exceptions = &plan.freeze.config.exceptions;
            if !exceptions.iter().any(|e| e == area) {
                return Err(format!(
                    "freeze exception {area:?}: the config freeze allows exceptions only for {} (plan freeze.config.exceptions)",
                    exceptions.join(", ")
                ));
            }
            for (what, instant) in [("the decision", at), ("the change", *when)] {
                let status = status_at(table, instant);
                if !status.change_window_open {
                    return Err(format!(
                        "freeze exception {area:?}: {what} at {instant} is outside the change window (#{}); exceptions are decided and made only inside it",
                        plan.freeze.change_window.channel
                    ));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// The volume cap percent a volume level allows: the level's phase cap.
pub fn level_percent(plan: &Plan, level: &str) -> Option<u8> {
    plan.phases.iter().find(|p| p.id == level).map(|p| p.volume_cap_percent)
}

/// The phase before `phase` (the level a rollback lowers the volume to), if any with a cap.
pub fn previous_level<'a>(plan: &'a Plan, phase: &str) -> Option<&'a str> {
    let index = plan.phases.iter().position(|p| p.id == phase)?;
    plan.phases[..index].iter().rev().find(|p| p.volume_cap_percent > 0).map(|p| p.id.as_str())
}

/// The SLO/rollback picture a decision was taken on: the dashboard's words at the data
/// clock. Its hash is sha256 over its canonical JSON.
pub fn snapshot_hash(snapshot: &Value) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(canonical(snapshot)).into()
}

/// One decision as the procedure reads it.
#[derive(Debug, Clone)]
pub struct Logged<'a> {
    /// The decision id.
    pub id: &'a str,
    /// When.
    pub at: Timestamp,
    /// What.
    pub details: &'a Details,
}

/// A step of a rollback's procedure and how it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepState {
    /// The plan's step id.
    pub step: String,
    /// The owner role.
    pub owner: String,
    /// The decision that did it, if done: (decision id, when, who, evidence).
    pub done: Option<(String, Timestamp, String, String)>,
}

/// A declared rollback and its procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Procedure {
    /// The `rollback_declared` decision.
    pub rollback: String,
    /// Its scope.
    pub scope: Scope,
    /// When it was declared.
    pub declared_at: Timestamp,
    /// The steps in the plan's order.
    pub steps: Vec<StepState>,
    /// The stand-down decision, if stood down.
    pub stood_down: Option<(String, Timestamp)>,
}

/// Every rollback the log declared, with its procedure as the later decisions carried it:
/// a `rollback_step` marks its step; a safe-mode switch on, a volume level and a sent
/// message naming the rollback mark the `safe-mode`, `volume-down` and `notify-partners`
/// steps. A decision after the stand-down, or naming an unknown rollback, marks nothing.
pub fn procedures(plan: &Plan, log: &[Logged<'_>]) -> Vec<Procedure> {
    let mut out: Vec<Procedure> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for entry in log {
        if let Details::RollbackDeclared { scope } = entry.details {
            index.insert(entry.id, out.len());
            out.push(Procedure {
                rollback: entry.id.to_owned(),
                scope: scope.clone(),
                declared_at: entry.at,
                steps: plan
                    .rollback
                    .procedure
                    .iter()
                    .map(|s| StepState { step: s.id.clone(), owner: s.owner.clone(), done: None })
                    .collect(),
                stood_down: None,
            });
            continue;
        }
        let Some(&i) = entry.details.rollback().and_then(|r| index.get(r)) else { continue };
        let procedure = &mut out[i];
        if procedure.stood_down.is_some() {
            continue;
        }
        let (step, who, evidence) = match entry.details {
            Details::RollbackStoodDown { .. } => {
                procedure.stood_down = Some((entry.id.to_owned(), entry.at));
                continue;
            }
            Details::RollbackStep { step, who, evidence, .. } => (step.as_str(), who.clone(), evidence.clone()),
            Details::SafeMode { on: true, scope, .. } => {
                ("safe-mode", "safe-mode switch".to_owned(), format!("safe-mode on for {}", scope.label()))
            }
            Details::VolumeLevel { level, .. } => ("volume-down", "volume level".to_owned(), format!("volume level {level}")),
            Details::CommsSent { template, languages, sha256, .. } => {
                ("notify-partners", "partner message".to_owned(), format!("{template} ({}) sha256 {sha256}", languages.join("+")))
            }
            _ => continue,
        };
        if let Some(state) = procedure.steps.iter_mut().find(|s| s.step == step) {
            if state.done.is_none() {
                state.done = Some((entry.id.to_owned(), entry.at, who, evidence));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn details_read_one_way_and_refuse_by_name() {
        let d = Details::parse("safe_mode", &json!({"state": "on", "scope": "network:trc20", "rollback": "r1"})).unwrap();
        assert_eq!(d.canonical_text(), r#"{"rollback":"r1","scope":"network:trc20","state":"on"}"#);
        assert_eq!(Details::parse("safe_mode", &d.to_value()).unwrap(), d);
        let e = Details::parse("safe_mode", &json!({"state": "maybe", "scope": "global"})).unwrap_err();
        assert!(e.contains("\"maybe\""), "{e}");
        let e = Details::parse("rollback_declared", &json!({"scope": "network:btc"})).unwrap_err();
        assert!(e.contains("btc"), "{e}");
        let e = Details::parse("go_no_go", &json!({"verdict": "go", "extra": 1})).unwrap_err();
        assert!(e.contains("extra"), "{e}");
        let e = Details::parse("launch", &json!({})).unwrap_err();
        assert!(e.contains("launch"), "{e}");
        let e = Details::parse("rollback_step", &json!({"rollback": "r", "step": "rca", "who": " ", "evidence": "x"})).unwrap_err();
        assert!(e.contains("who"), "{e}");
        let e = Details::parse("comms_sent", &json!({"template": "t", "languages": ["de"], "sha256": "00"})).unwrap_err();
        assert!(e.contains("de"), "{e}");
    }
}
