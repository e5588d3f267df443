//! The launch IC's switches for the ledger (issue 10): `clubgate safe-mode on` and
//! `clubgate volume-level`. Each is written to the store's outbox, with its reason and who,
//! and reaches the ledger with the next `clubgate sync`; a safe-mode switch holds on this
//! desk at once (the SLO gate reads the outbox's switches as well as the log). Since issue 11
//! these unsigned switches can only tighten: safe-mode off is refused here (it is the IC's
//! signed decision, `clubgate decide safe_mode --set state=off`), and a volume level above
//! the one in force holds only when a signed `volume_level` decision carries it.

use clap::{Args, ValueEnum};
use clubgate_core::treasury::network_from_id;
use jiff::Timestamp;
use serde_json::json;

use crate::commands::{open_store, print_json, Error, Result};

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Switch {
    /// Switch it on.
    On,
    /// Switch it off.
    Off,
}

/// `clubgate safe-mode`.
#[derive(Args)]
pub(crate) struct SafeModeArgs {
    /// on or off.
    #[arg(value_enum)]
    switch: Switch,
    /// The scope: global, network:erc20, network:trc20 or wallet:<id>.
    #[arg(long)]
    scope: String,
    /// Why (recorded with the switch).
    #[arg(long)]
    why: String,
    /// Who switches (the launch IC).
    #[arg(long)]
    who: String,
}

/// `clubgate volume-level`.
#[derive(Args)]
pub(crate) struct VolumeArgs {
    /// The level, e.g. canary, 10, 25, 50, 100 (percent of the daily target) — as the
    /// warroom names it.
    #[arg(long)]
    level: String,
    /// Why.
    #[arg(long)]
    why: String,
    /// Who (the launch IC).
    #[arg(long)]
    who: String,
}

fn required(value: &str, flag: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::Input(format!("{flag} is empty; say it")));
    }
    Ok(value.to_owned())
}

/// A scope as the SLO gate reads it.
fn scope(text: &str) -> Result<String> {
    let text = text.trim();
    let ok = match text.split_once(':') {
        None => text == "global",
        Some(("network", network)) => network_from_id(network).is_some(),
        Some(("wallet", wallet)) => !wallet.is_empty(),
        Some(_) => false,
    };
    if !ok {
        return Err(Error::Input(format!("scope {text:?} is not global, network:erc20, network:trc20 or wallet:<id>")));
    }
    Ok(text.to_owned())
}

async fn queue(db: Option<&std::path::Path>, kind: &str, payload: serde_json::Value, at: Timestamp, json_out: bool) -> Result<()> {
    let store = open_store(db).await?;
    let id = clubgate_store::command_id(&[kind, &payload.to_string()]);
    store.enqueue_command(&id, kind, &payload.to_string(), at).await?;
    let document = json!({"id": id, "kind": kind, "payload": payload, "state": "pending"});
    if json_out {
        return print_json(&document);
    }
    println!("{kind} {payload} queued for the ledger as {id} (sent by `clubgate sync`)");
    Ok(())
}

/// `clubgate safe-mode on|off --scope S --why W --who X`.
pub(crate) async fn run_safe_mode(args: &SafeModeArgs, json_out: bool, db: Option<&std::path::Path>) -> Result<()> {
    if matches!(args.switch, Switch::Off) {
        // Issue 11: a freeze is lifted only by the launch IC's signed decision; the signing
        // gate would ignore an unsigned switch off, so it is not queued at all.
        return Err(Error::Input(format!(
            "safe-mode off for {:?} is a signed decision of the launch IC: `clubgate decide safe_mode --set state=off --set scope={} --why …` (the IC's PIN is asked for); an unsigned switch lifts nothing",
            args.scope.trim(),
            args.scope.trim()
        )));
    }
    let at = Timestamp::now();
    let payload = json!({
        "scope": scope(&args.scope)?,
        "on": matches!(args.switch, Switch::On),
        "why": required(&args.why, "--why")?,
        "by": required(&args.who, "--who")?,
        "at": at.to_string(),
    });
    queue(db, "safe_mode", payload, at, json_out).await
}

/// `clubgate volume-level --level L --why W --who X`.
pub(crate) async fn run_volume(args: &VolumeArgs, json_out: bool, db: Option<&std::path::Path>) -> Result<()> {
    let at = Timestamp::now();
    let payload = json!({
        "level": required(&args.level, "--level")?,
        "why": required(&args.why, "--why")?,
        "by": required(&args.who, "--who")?,
        "at": at.to_string(),
    });
    queue(db, "volume_level", payload, at, json_out).await
}
