//! The warroom page (issue 11): the decision log, verified on every load; taking a decision
//! with the launch IC's key; the rollback procedure the log carries. The rules live in the
//! treasury crate (`decisions`), the same code as `clubgate decide` / `clubgate log`.

use clubgate_chain::signer::Profile;
use clubgate_core::decision::previous_level;
use clubgate_core::payout::governing_phase;
use clubgate_core::treasury::ApproverRole;
use clubgate_ipc::warroom::{DecideRequest, DecisionView, RollbackView, StepView, WarroomView};
use clubgate_treasury::decisions::{decide, read_log, snapshot, DecideRequest as Request};
use clubgate_treasury::flow::Policy;
use jiff::Timestamp;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::service::Service;

fn local(at: Timestamp, tz: &jiff::tz::TimeZone) -> String {
    at.to_zoned_datetime(tz.clone()).strftime("%d %b %H:%M:%S %Z").to_string()
}

impl Service {
    /// The log (verified), the rollbacks it declared and the SLO picture now.
    pub async fn warroom(&self) -> Result<WarroomView> {
        let launch = self.launch().await?;
        let tz = launch.t0.zoned().time_zone().clone();
        let treasury = self.treasury().await;
        let now = snapshot(&self.store, &launch, treasury.as_ref().ok()).await?;
        let phase = governing_phase(&launch.plan, &launch.table, Timestamp::now()).map(|p| p.id.clone());
        let texts = |value: &Value| -> Vec<String> {
            value.as_array().map(|items| items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect()).unwrap_or_default()
        };
        let mut view = WarroomView {
            intact: true,
            entries: Vec::new(),
            rollbacks: Vec::new(),
            recommendation: now["recommendation"].as_str().unwrap_or("none").to_owned(),
            scope: now["scope"].as_str().map(str::to_owned),
            evidence: texts(&now["triggers"]),
            previous_level: phase.as_deref().and_then(|p| previous_level(&launch.plan, p)).map(str::to_owned),
            phase,
            safe_mode: now["safe_mode"]
                .as_array()
                .map(|items| {
                    items.iter().map(|i| format!("{}: {}", i["scope"].as_str().unwrap_or(""), i["why"].as_str().unwrap_or(""))).collect()
                })
                .unwrap_or_default(),
            volume_level: now["volume_level"]["level"].as_str().map(|l| format!("{l} ({}%)", now["volume_level"]["percent"])),
            launch_ic: Err(String::new()),
            kinds: clubgate_core::decision::KINDS.iter().map(|k| (*k).to_owned()).collect(),
            refused: self
                .store
                .outbox(false)
                .await?
                .into_iter()
                .filter(|c| c.kind == "decision" && c.state == "refused")
                .map(|c| {
                    let kind = serde_json::from_str::<Value>(&c.payload)
                        .ok()
                        .and_then(|p| p["kind"].as_str().map(str::to_owned))
                        .unwrap_or_default();
                    let (code, message) = c.error.unwrap_or_default();
                    format!("{kind} decision {} refused by the ledger: {code}: {message}", c.id)
                })
                .collect(),
        };
        let treasury = match treasury {
            Ok(treasury) => treasury,
            Err(error) => {
                view.launch_ic = Err(format!("no policy to verify the log against: {error}"));
                return Ok(view);
            }
        };
        view.launch_ic = treasury
            .approvers
            .iter()
            .find(|a| a.role == ApproverRole::LaunchIc && a.signer.is_some())
            .map(|a| format!("{} ({})", a.name, a.address))
            .ok_or_else(|| "the policy names no launch IC with a key on this workstation (role = \"launch_ic\" with a signer)".to_owned());
        let log = read_log(&self.store, &treasury, &launch.plan).await?;
        view.intact = log.intact();
        view.entries = log
            .entries
            .iter()
            .map(|e| DecisionView {
                position: e.position as u64,
                seq: e.payload["seq"].as_u64().unwrap_or(0),
                id: e.text("id").to_owned(),
                kind: e.text("kind").to_owned(),
                details: e.payload["details"].to_string(),
                text: e.text("text").to_owned(),
                author: format!("{} ({})", e.text("author_name"), e.text("author")),
                at: e.text("at").parse::<Timestamp>().map_or_else(|_| e.text("at").to_owned(), |at| local(at, &tz)),
                plan_version: e.text("plan_version").to_owned(),
                snapshot_hash: e.text("snapshot_hash").to_owned(),
                snapshot: serde_json::to_string_pretty(&e.payload["snapshot"]).unwrap_or_default(),
                hash: e.text("hash").to_owned(),
                verified: e.verified(),
                problems: e.problems.clone(),
            })
            .collect();
        let position_of = |id: &str| log.entries.iter().find(|e| e.text("id") == id).map_or(0, |e| e.position);
        view.rollbacks = log
            .procedures
            .iter()
            .map(|p| RollbackView {
                rollback: p.rollback.clone(),
                scope: p.scope.label(),
                declared_at: local(p.declared_at, &tz),
                stood_down: p.stood_down.as_ref().map(|(id, at)| format!("{} (decision #{})", local(*at, &tz), position_of(id))),
                steps: p
                    .steps
                    .iter()
                    .map(|s| {
                        let item = launch.plan.rollback.procedure.iter().find(|i| i.id == s.step);
                        StepView {
                            step: s.step.clone(),
                            title_en: item.map(|i| i.title.en.clone()).unwrap_or_default(),
                            title_ru: item.map(|i| i.title.ru.clone()).unwrap_or_default(),
                            owner: s.owner.clone(),
                            done: s.done.as_ref().map(|(id, at, who, evidence)| {
                                format!("{who} · {} · {evidence} (decision #{})", local(*at, &tz), position_of(id))
                            }),
                        }
                    })
                    .collect(),
            })
            .collect();
        Ok(view)
    }

    /// Takes a decision with the launch IC's key (its token's PIN typed now).
    pub async fn decide(&self, request: &DecideRequest) -> Result<WarroomView> {
        let launch = self.launch().await?;
        let treasury = self.treasury().await?;
        let mut details = serde_json::Map::new();
        for (key, value) in &request.details {
            let value = if key == "languages" {
                Value::from(value.split(',').map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect::<Vec<_>>())
            } else {
                Value::from(value.trim().to_owned())
            };
            details.insert(key.clone(), value);
        }
        let details = Value::Object(details);
        let snapshot = snapshot(&self.store, &launch, Some(&treasury)).await?;
        let decision = Request {
            kind: request.kind.trim(),
            details: &details,
            text: &request.text,
            at: Timestamp::now(),
            signer: None,
            pin: Some(request.pin.as_str()),
            profile: Profile::Production,
        };
        decide(&self.store, Policy { treasury: &treasury, launch: &launch }, snapshot, decision).await.map_err(Error::from)?;
        self.warroom().await
    }
}
