//! The warroom's signed decision log (issue 11): taking a decision — checked against the
//! plan and the open rollbacks, signed by the launch IC's key as EIP-712 typed data on top
//! of the log's last entry, recorded with the SLO/rollback snapshot it was taken on and
//! queued for the ledger as a `decision` command together with the switch that carries it
//! out (safe-mode, volume level) — and reading the log back, verified entry by entry.

use alloy::primitives::{Address, B256};
use clubgate_chain::decision::{verify_log, Decision, Entry};
use clubgate_chain::signer::Profile;
use clubgate_core::decision::{check_against_plan, procedures, snapshot_hash, Details, Logged, Procedure};
use clubgate_core::events::Event;
use clubgate_core::ledger::Ledger;
use clubgate_core::rollback::{describe, evaluate, rule_states, Recommendation};
use clubgate_core::treasury::{ApproverRole, Treasury};
use clubgate_store::Store;
use jiff::Timestamp;
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::flow::Policy;

/// One entry of the log as read, with what verification found on it.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// Its position in the log (1-based).
    pub position: usize,
    /// The payload as stored (the `decision` command's).
    pub payload: Value,
    /// Its details, if they read.
    pub details: Option<Details>,
    /// Every problem found on it; empty: signed by a launch IC and in its place.
    pub problems: Vec<String>,
}

impl LogEntry {
    /// A field of the payload as text.
    pub fn text(&self, name: &str) -> &str {
        self.payload[name].as_str().unwrap_or("")
    }

    /// Whether the entry verified.
    pub fn verified(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The log, verified, and the rollbacks it declared with their procedures.
#[derive(Debug, Clone)]
pub struct Log {
    /// Every entry in order.
    pub entries: Vec<LogEntry>,
    /// The rollbacks declared by verified entries, as the later verified entries carried them.
    pub procedures: Vec<Procedure>,
}

impl Log {
    /// Whether every entry verified.
    pub fn intact(&self) -> bool {
        self.entries.iter().all(LogEntry::verified)
    }

    /// The `(seq, hash)` a new decision continues, `None` for an empty log.
    fn tip(&self) -> Option<(u64, String)> {
        let last = self.entries.last()?;
        Some((last.payload["seq"].as_u64().unwrap_or(0), last.text("hash").to_owned()))
    }
}

/// The launch IC keys of a policy: who may sign decisions.
pub fn launch_ics(treasury: &Treasury) -> Vec<Address> {
    treasury.approvers.iter().filter(|a| a.role == ApproverRole::LaunchIc).map(|a| a.address.address()).collect()
}

fn hash_field(payload: &Value, name: &str) -> std::result::Result<B256, String> {
    let text = payload[name].as_str().ok_or_else(|| format!("{name} is missing"))?;
    text.parse().map_err(|_| format!("{name} {text:?} is not a 32-byte hex hash"))
}

/// The typed data, hash and signature a payload carries; the snapshot's hash checked.
fn entry_of(payload: &Value) -> std::result::Result<(Entry, Details), String> {
    let kind = payload["kind"].as_str().ok_or("kind is missing")?;
    let details = Details::parse(kind, &payload["details"])?;
    let author: Address =
        payload["author"].as_str().and_then(|a| a.parse().ok()).ok_or_else(|| format!("author {} is not an address", payload["author"]))?;
    let snapshot_hash_field = hash_field(payload, "snapshot_hash")?;
    let snapshot = &payload["snapshot"];
    if !snapshot.is_object() {
        return Err("its snapshot is missing".to_owned());
    }
    if B256::from(snapshot_hash(snapshot)) != snapshot_hash_field {
        return Err(format!("its snapshot does not match the snapshot hash {snapshot_hash_field} it was signed with"));
    }
    let signature = payload["signature"]
        .as_str()
        .and_then(|s| alloy::hex::decode(s).ok())
        .ok_or_else(|| format!("signature {} is not hex", payload["signature"]))?;
    let text = |name: &str| payload[name].as_str().map(str::to_owned).ok_or_else(|| format!("{name} is missing"));
    let decision = Decision {
        seq: payload["seq"].as_u64().ok_or("seq is missing")?,
        prev: hash_field(payload, "prev")?,
        id: text("id")?,
        kind: kind.to_owned(),
        details: details.canonical_text(),
        text: text("text")?,
        author,
        at: text("at")?,
        planVersion: text("plan_version")?,
        snapshotHash: snapshot_hash_field,
    };
    Ok((Entry { decision, hash: hash_field(payload, "hash")?, signature }, details))
}

/// Reads the log and verifies it: signatures, authors (the policy's launch ICs), the chain
/// and each snapshot; a break is shown on the entry where it happens.
pub async fn read_log(store: &Store, treasury: &Treasury, plan: &clubgate_core::plan::Plan) -> Result<Log> {
    let payloads = store.decision_log().await?;
    let mut parsed = Vec::with_capacity(payloads.len());
    let mut entries = Vec::with_capacity(payloads.len());
    for (i, text) in payloads.iter().enumerate() {
        let payload: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let read = if payload.is_object() { entry_of(&payload) } else { Err("it is not a JSON object".to_owned()) };
        let details = read.as_ref().ok().map(|(_, d)| d.clone());
        parsed.push(read.map(|(entry, _)| entry));
        entries.push(LogEntry { position: i + 1, payload, details, problems: Vec::new() });
    }
    for broken in verify_log(&parsed, &launch_ics(treasury)) {
        entries[broken.position - 1].problems.push(broken.problem);
    }
    // Time runs forward in the log: an entry dated before the one above it was back-dated.
    let mut latest: Option<Timestamp> = None;
    for entry in &mut entries {
        match entry.text("at").parse::<Timestamp>() {
            Ok(at) if latest.is_some_and(|l| at < l) => {
                entry.problems.push(format!("it is dated {at}, before the entry above it ({}): back-dated", latest.unwrap_or(at)))
            }
            Ok(at) => latest = Some(at),
            Err(_) => entry.problems.push(format!("its instant {:?} does not read", entry.text("at"))),
        }
    }
    let instants: Vec<Timestamp> = entries.iter().map(|e| e.text("at").parse().unwrap_or(Timestamp::UNIX_EPOCH)).collect();
    let logged: Vec<Logged<'_>> = entries
        .iter()
        .zip(&instants)
        .filter(|(e, _)| e.verified())
        .filter_map(|(e, at)| Some(Logged { id: e.payload["id"].as_str()?, at: *at, details: e.details.as_ref()? }))
        .collect();
    let procedures = procedures(plan, &logged);
    Ok(Log { entries, procedures })
}

/// The SLO/rollback picture a decision is taken on — what the dashboard shows at the data
/// clock over the store's events — with the safe-mode switches and the volume level in force.
///
/// `treasury` verifies the decisions a lifting switch must carry; without one (no policy on
/// this desk) no lift counts, so the picture can only show more frozen than it is.
pub async fn snapshot(store: &Store, launch: &clubgate_core::launch::Launch, treasury: Option<&Treasury>) -> Result<Value> {
    let mut ledger = Ledger::default();
    let lines = store.event_lines().await?;
    for line in &lines {
        if let Ok(event) = Event::from_json(line) {
            let _ = ledger.apply(&event);
        }
    }
    let source = store.stream_source().await?;
    let decisions = match treasury {
        Some(treasury) => crate::gate::signed_decisions(store, treasury, &launch.plan).await?,
        None => Vec::new(),
    };
    let safe_mode: Vec<Value> = crate::gate::safe_mode(store, &decisions)
        .await?
        .into_iter()
        .map(|(scope, why)| json!({"scope": scope.label(), "why": why}))
        .collect();
    let level = crate::gate::volume_level(store, &launch.plan, &decisions)
        .await?
        .map(|(level, percent, why)| json!({"level": level, "percent": percent, "why": why}));
    let Some(latest) = ledger.latest else {
        return Ok(json!({"source": source, "events": lines.len(), "clock": null, "recommendation": "none", "scope": null,
            "triggers": [], "rules": [], "safe_mode": safe_mode, "volume_level": level}));
    };
    let tz = launch.t0.zoned().time_zone().clone();
    let clock = latest + 1;
    let evaluation = evaluate(&ledger, &launch.plan, &tz, clock);
    let (recommendation, scope) = match &evaluation.recommendation {
        Recommendation::None => ("none", None),
        Recommendation::Full => ("full", Some("global".to_owned())),
        Recommendation::Partial(scope) => ("partial", Some(scope.label())),
    };
    let rules: Vec<Value> = rule_states(&ledger, &launch.plan, &tz, &evaluation)
        .into_iter()
        .map(|status| json!({"rule": status.rule, "state": status.state, "detail": status.detail}))
        .collect();
    Ok(json!({
        "source": source,
        "events": lines.len(),
        "clock": clubgate_core::ledger::instant(clock).to_string(),
        "recommendation": recommendation,
        "scope": scope,
        "triggers": evaluation.triggers.iter().map(describe).collect::<Vec<_>>(),
        "rules": rules,
        "safe_mode": safe_mode,
        "volume_level": level,
    }))
}

/// A decision to take.
#[derive(Debug, Clone, Copy)]
pub struct DecideRequest<'a> {
    /// The kind.
    pub kind: &'a str,
    /// Its details (the kind's fields).
    pub details: &'a Value,
    /// Why, in the IC's words.
    pub text: &'a str,
    /// When.
    pub at: Timestamp,
    /// The launch IC's signer spec; `None`: the policy's launch IC entry's.
    pub signer: Option<&'a str>,
    /// The PIN of the IC's PKCS#11 token, typed now.
    pub pin: Option<&'a str>,
    /// The profile (production refuses development keys).
    pub profile: Profile,
}

/// Takes a decision: checks it, signs it with the launch IC's key on top of the log's last
/// entry and records it — with the switch that carries it out — in one transaction.
/// Returns the payload recorded.
pub async fn decide(store: &Store, policy: Policy<'_>, snapshot: Value, request: DecideRequest<'_>) -> Result<Value> {
    let details = Details::parse(request.kind, request.details).map_err(Error::Refused)?;
    check_against_plan(&details, &policy.launch.plan, &policy.launch.table, request.at).map_err(Error::Refused)?;
    let text = request.text.trim();
    if text.is_empty() {
        return Err(Error::Refused(format!("decision {}: say why (the text is empty)", request.kind)));
    }
    // Go only through a GO gate: every entry criterion done (seed §3).
    if let Details::GoNoGo { go: true } = details {
        let settings = store.require_settings().await?;
        let gate = clubgate_core::checklist::go_no_go(&policy.launch.plan, &store.history(settings.launch_id).await?);
        if !gate.blockers.is_empty() {
            let blockers: Vec<String> = gate.blockers.iter().map(|b| format!("{} ({}, owner {})", b.item_id, b.state, b.owner)).collect();
            return Err(Error::Refused(format!(
                "go_no_go: the gate is NO-GO ({}/{} entry criteria done; open: {}); a Go needs every entry criterion done",
                gate.done,
                gate.total,
                blockers.join(", ")
            )));
        }
    }
    let log = read_log(store, policy.treasury, &policy.launch.plan).await?;
    if let Some(last) = log.entries.last().and_then(|e| e.text("at").parse::<Timestamp>().ok()).filter(|last| *last > request.at) {
        return Err(Error::Refused(format!(
            "decision {}: its instant {} is before the log's last decision ({last}); a decision is never back-dated",
            request.kind, request.at
        )));
    }
    if let Some(rollback) = details.rollback() {
        let open = log.procedures.iter().find(|p| p.rollback == rollback).ok_or_else(|| {
            Error::Refused(format!(
                "rollback {rollback:?} was not declared in the log (or its declaration does not verify); declare it first"
            ))
        })?;
        if let Some((by, at)) = &open.stood_down {
            return Err(Error::Refused(format!("rollback {rollback:?} was stood down at {at} by decision {by}; its procedure is closed")));
        }
    }
    if let Details::RollbackStep { step, .. } = &details {
        let steps: Vec<&str> = policy.launch.plan.rollback.procedure.iter().map(|s| s.id.as_str()).collect();
        if !steps.contains(&step.as_str()) {
            return Err(Error::Refused(format!("step {step:?} is not a step of the rollback procedure ({})", steps.join(", "))));
        }
    }
    let ics: Vec<_> = policy.treasury.approvers.iter().filter(|a| a.role == ApproverRole::LaunchIc).collect();
    let ic = match request.signer {
        Some(spec) => ics.iter().find(|a| a.signer.as_deref() == Some(spec)).or(ics.first()),
        None => ics.iter().find(|a| a.signer.is_some()),
    }
    .ok_or_else(|| {
        Error::Role("the policy names no launch IC with a key on this workstation: add an [[approvers]] entry with role = \"launch_ic\" and its signer".to_owned())
    })?;
    let spec = request.signer.or(ic.signer.as_deref()).unwrap_or_default();
    let tip = log.tip();
    let (seq, prev) = match &tip {
        None => (1, B256::ZERO),
        Some((seq, hash)) => {
            (seq + 1, hash.parse().map_err(|_| Error::Refused(format!("the log's last entry has no readable hash ({hash:?})")))?)
        }
    };
    let snapshot_hash = B256::from(snapshot_hash(&snapshot));
    let at = request.at.to_string();
    let plan = &policy.launch.plan;
    let plan_version = format!("{}@{}", plan.id, plan.version);
    let details_text = details.canonical_text();
    let id = clubgate_store::command_id(&["decision", &at, request.kind, &details_text, text, &prev.to_string()]);
    let decision = Decision {
        seq,
        prev,
        id: id.clone(),
        kind: request.kind.to_owned(),
        details: details_text,
        text: text.to_owned(),
        author: ic.address.address(),
        at: at.clone(),
        planVersion: plan_version.clone(),
        snapshotHash: snapshot_hash,
    };
    let signature = crate::signers::sign_decision_with(spec, request.profile, &decision, request.pin).await?;
    let hash = decision.hash();
    match clubgate_chain::approval::recover(&hash, &signature) {
        Ok(signer) if signer == ic.address.address() => {}
        Ok(other) => {
            return Err(Error::Role(format!(
                "the key of {spec} is {other}, not the launch IC {} ({}): only the launch IC signs decisions",
                ic.name,
                ic.address.address()
            )))
        }
        Err(why) => return Err(Error::Role(format!("the signature of {spec} does not verify: {why}"))),
    }
    let payload = json!({
        "seq": seq,
        "prev": prev.to_string(),
        "id": id,
        "kind": request.kind,
        "details": details.to_value(),
        "text": text,
        "author": ic.address.address().to_checksum(None),
        "author_name": ic.name,
        "at": at,
        "plan_version": plan_version,
        "snapshot_hash": snapshot_hash.to_string(),
        "snapshot": snapshot,
        "hash": hash.to_string(),
        "signature": alloy::hex::encode_prefixed(&signature),
    });
    // The switch that carries the decision out, for the ledger and the signing gate.
    let switch = match &details {
        Details::SafeMode { on, scope, .. } => {
            Some(("safe_mode", json!({"scope": scope.label(), "on": on, "why": text, "by": ic.name, "at": at, "decision": id})))
        }
        Details::VolumeLevel { level, .. } => {
            Some(("volume_level", json!({"level": level, "why": text, "by": ic.name, "at": at, "decision": id})))
        }
        _ => None,
    };
    let switch = switch.map(|(kind, payload)| (clubgate_store::command_id(&[kind, &id]), kind, payload.to_string()));
    let commands: Vec<clubgate_store::DecisionCommand<'_>> =
        switch.iter().map(|(command_id, kind, payload)| (command_id.as_str(), *kind, payload.as_str())).collect();
    store.record_decision(&id, &payload.to_string(), tip.as_ref().map(|(seq, hash)| (*seq, hash.as_str())), &commands, request.at).await?;
    Ok(payload)
}
