//! `clubgate decide` and `clubgate log`: the warroom's signed decision log (issue 11).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use clubgate_treasury::decisions::{decide, read_log, snapshot, DecideRequest, Log};
use clubgate_treasury::flow::Policy;
use jiff::Timestamp;
use serde_json::{json, Map, Value};

use crate::bundle::treasury_of;
use crate::commands::{open_store, print_json, Error, Result};
use crate::tx::ProfileArg;

/// `clubgate decide KIND`.
#[derive(Args)]
pub(crate) struct DecideArgs {
    /// go_no_go, rollback_declared, rollback_stood_down, safe_mode, volume_level,
    /// freeze_exception, rollback_step, comms_sent or other.
    kind: String,
    /// A detail of the kind, KEY=VALUE, repeated: verdict=go|no_go; scope=global|network:trc20|wallet:<id>;
    /// rollback=<decision id>; state=on|off; level=<phase id>; area=per_tx_cap|fee_mode, who=, what=,
    /// when=<RFC 3339>, rollback_plan=; step=<procedure step>, evidence=; template=, languages=en,ru, sha256=.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Why, in the launch IC's words (signed with the decision).
    #[arg(long)]
    why: String,
    /// The launch IC's key: pkcs11:<token>/<key> (its PIN is asked for now, echo off) |
    /// ledger:<path> | dev:file:PATH (dev profile). Default: the policy's launch IC entry.
    #[arg(long)]
    signer: Option<String>,
    /// production (default) or dev.
    #[arg(long, value_enum, default_value = "production")]
    profile: ProfileArg,
    /// The treasury file naming the launch IC (default: the policy of the ledger the store follows).
    #[arg(long)]
    treasury: Option<PathBuf>,
}

/// `clubgate log`.
#[derive(Subcommand)]
pub(crate) enum LogCommand {
    /// The decision log, each entry verified.
    Show {
        /// The treasury file naming the launch IC (default: the ledger's policy).
        #[arg(long)]
        treasury: Option<PathBuf>,
        /// Print the SLO/rollback snapshot of this decision (its id) instead.
        #[arg(long)]
        snapshot: Option<String>,
    },
    /// Verify the log: exit 1 naming every break.
    Verify {
        /// The treasury file naming the launch IC (default: the ledger's policy).
        #[arg(long)]
        treasury: Option<PathBuf>,
    },
    /// Write the log — every entry as signed, with its verification — as JSON Lines.
    Export {
        /// The treasury file naming the launch IC (default: the ledger's policy).
        #[arg(long)]
        treasury: Option<PathBuf>,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

fn details_of(kind: &str, set: &[String]) -> Result<Value> {
    let mut object = Map::new();
    for pair in set {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| Error::Input(format!("--set {pair:?} is not KEY=VALUE (for example --set scope=network:trc20)")))?;
        let value = if key == "languages" {
            Value::from(value.split(',').map(|l| l.trim().to_owned()).collect::<Vec<_>>())
        } else {
            Value::from(value.to_owned())
        };
        if object.insert(key.to_owned(), value).is_some() {
            return Err(Error::Input(format!("--set {key}=… is given twice for the {kind} decision")));
        }
    }
    Ok(Value::Object(object))
}

async fn launch_and_log(
    store: &clubgate_store::Store,
    treasury: Option<&Path>,
) -> Result<(clubgate_core::treasury::Treasury, clubgate_core::launch::Launch, Log)> {
    let treasury = treasury_of(store, treasury).await?;
    let launch = store.require_settings().await?.launch()?;
    let log = read_log(store, &treasury, &launch.plan).await?;
    Ok((treasury, launch, log))
}

fn entry_json(entry: &clubgate_treasury::decisions::LogEntry) -> Value {
    let mut payload = entry.payload.clone();
    if let Some(object) = payload.as_object_mut() {
        object.remove("snapshot");
    }
    json!({"position": entry.position, "verified": entry.verified(), "problems": entry.problems, "decision": payload})
}

/// `clubgate decide KIND --set K=V … --why TEXT`.
pub(crate) async fn run_decide(args: &DecideArgs, json_out: bool, db: Option<&Path>) -> Result<()> {
    let store = open_store(db).await?;
    // A decision is taken now: its instant is signed, and a freeze exception is judged by it.
    let at = Timestamp::now();
    let details = details_of(&args.kind, &args.set)?;
    let (treasury, launch, _) = launch_and_log(&store, args.treasury.as_deref()).await?;
    let spec = args
        .signer
        .clone()
        .or_else(|| treasury.approvers.iter().find(|a| a.role == clubgate_core::treasury::ApproverRole::LaunchIc)?.signer.clone());
    let pin = match &spec {
        Some(spec) if spec.starts_with("pkcs11:") => {
            Some(crate::secret::read_secret(&format!("PIN of the launch IC's token for {spec}: "))?)
        }
        _ => None,
    };
    let snapshot = snapshot(&store, &launch, Some(&treasury)).await?;
    let request = DecideRequest {
        kind: &args.kind,
        details: &details,
        text: &args.why,
        at,
        signer: args.signer.as_deref(),
        pin: pin.as_deref().map(String::as_str),
        profile: args.profile.into(),
    };
    let payload = decide(&store, Policy { treasury: &treasury, launch: &launch }, snapshot, request).await?;
    drop(pin);
    if json_out {
        return print_json(&payload);
    }
    println!(
        "decision {} #{} {} {} signed by {} ({}) on snapshot {}; queued for the ledger",
        payload["id"].as_str().unwrap_or_default(),
        payload["seq"],
        payload["kind"].as_str().unwrap_or_default(),
        payload["details"],
        payload["author_name"].as_str().unwrap_or_default(),
        payload["author"].as_str().unwrap_or_default(),
        payload["snapshot_hash"].as_str().unwrap_or_default(),
    );
    Ok(())
}

/// `clubgate log show|verify|export`.
pub(crate) async fn run_log(command: &LogCommand, json_out: bool, db: Option<&Path>) -> Result<()> {
    let store = open_store(db).await?;
    match command {
        LogCommand::Show { treasury, snapshot } => {
            let (_, _, log) = launch_and_log(&store, treasury.as_deref()).await?;
            if let Some(id) = snapshot {
                let entry = log
                    .entries
                    .iter()
                    .find(|e| e.text("id") == id)
                    .ok_or_else(|| Error::Input(format!("no decision {id:?} in the log; `clubgate log show` lists them")))?;
                return print_json(
                    &json!({"decision": id, "snapshot_hash": entry.text("snapshot_hash"), "verified": entry.verified(), "snapshot": entry.payload["snapshot"]}),
                );
            }
            if json_out {
                let entries: Vec<Value> = log.entries.iter().map(entry_json).collect();
                let procedures: Vec<Value> = log.procedures.iter().map(procedure_json).collect();
                return print_json(&json!({"intact": log.intact(), "entries": entries, "rollbacks": procedures}));
            }
            if log.entries.is_empty() {
                println!("the decision log is empty");
            }
            for entry in &log.entries {
                let mark = if entry.verified() { "verified".to_owned() } else { format!("BROKEN: {}", entry.problems.join("; ")) };
                println!(
                    "#{} {} {} {} {} — {} ({}) [{}]",
                    entry.position,
                    entry.text("at"),
                    entry.text("kind"),
                    entry.payload["details"],
                    entry.text("text"),
                    entry.text("author_name"),
                    entry.text("id"),
                    mark
                );
            }
            for p in &log.procedures {
                let done = p.steps.iter().filter(|s| s.done.is_some()).count();
                let state = p.stood_down.as_ref().map_or_else(|| "open".to_owned(), |(id, at)| format!("stood down at {at} ({id})"));
                println!("rollback {} of {}: {done}/{} steps done, {state}", p.rollback, p.scope.label(), p.steps.len());
            }
            Ok(())
        }
        LogCommand::Verify { treasury } => {
            let (_, _, log) = launch_and_log(&store, treasury.as_deref()).await?;
            let breaks: Vec<Value> = log
                .entries
                .iter()
                .filter(|e| !e.verified())
                .map(|e| json!({"position": e.position, "id": e.text("id"), "problems": e.problems}))
                .collect();
            if breaks.is_empty() {
                if json_out {
                    return print_json(&json!({"intact": true, "entries": log.entries.len()}));
                }
                println!(
                    "the decision log is intact: {} entries, each signed by a launch IC and chained to the one before",
                    log.entries.len()
                );
                return Ok(());
            }
            let lines: Vec<String> =
                breaks.iter().map(|b| format!("entry {} ({}): {}", b["position"], b["id"].as_str().unwrap_or(""), b["problems"])).collect();
            Err(Error::Broken(format!("the decision log is broken:\n{}", lines.join("\n"))))
        }
        LogCommand::Export { treasury, out } => {
            let (_, _, log) = launch_and_log(&store, treasury.as_deref()).await?;
            let mut text = String::new();
            for entry in &log.entries {
                text.push_str(&json!({"position": entry.position, "verified": entry.verified(), "problems": entry.problems, "decision": entry.payload}).to_string());
                text.push('\n');
            }
            std::fs::write(out, text).map_err(|e| Error::Input(format!("cannot write {}: {e}", out.display())))?;
            if json_out {
                return print_json(&json!({"out": out, "entries": log.entries.len(), "intact": log.intact()}));
            }
            println!(
                "{} decisions written to {} ({})",
                log.entries.len(),
                out.display(),
                if log.intact() { "intact" } else { "with breaks" }
            );
            Ok(())
        }
    }
}

fn procedure_json(p: &clubgate_core::decision::Procedure) -> Value {
    json!({
        "rollback": p.rollback,
        "scope": p.scope.label(),
        "declared_at": p.declared_at.to_string(),
        "stood_down": p.stood_down.as_ref().map(|(id, at)| json!({"decision": id, "at": at.to_string()})),
        "steps": p.steps.iter().map(|s| json!({
            "step": s.step,
            "owner": s.owner,
            "done": s.done.as_ref().map(|(id, at, who, evidence)| json!({"decision": id, "at": at.to_string(), "who": who, "evidence": evidence})),
        })).collect::<Vec<_>>(),
    })
}
