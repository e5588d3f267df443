//! `clubgate eod plan`: the EOD settlement plan of the trust pairs at an instant, over an
//! events file (PRODUCT.md "Treasury and EOD"; docs/eod.md).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use clubgate_core::eod::{network_name, plan, token_name, Entry};
use clubgate_core::launch::Launch;
use clubgate_core::schedule::{rfc3339, T0};
use jiff::Timestamp;
use serde::Serialize;

use crate::commands::{name_plan_file, print_json, read_plan, Error, Result};

#[derive(Subcommand)]
pub(crate) enum EodCommand {
    /// The settlement plan at an instant: every session whose cut-off is at or before it,
    /// in entry order (cut-off, session id, network, token).
    Plan(PlanArgs),
}

#[derive(Args)]
pub(crate) struct PlanArgs {
    /// The events (JSON Lines) with the sessions, `trust.obligation` and `partner.balance`.
    #[arg(long)]
    events: PathBuf,
    /// T0 as a plan-zone wall clock (2026-12-07T10:00) or an RFC 3339 instant with its
    /// offset (2026-12-07T10:00:00+01:00): partial / T+1 start at Canary, T0 − 7d.
    #[arg(long)]
    t0: String,
    /// The instant of the plan: RFC 3339 with an offset, or a plan-zone wall clock.
    #[arg(long)]
    at: String,
    /// A plan file (default: the embedded launch-plan-v1).
    #[arg(long)]
    plan: Option<PathBuf>,
}

/// `eod plan --json`: amounts are base-unit integers, written as JSON numbers (exact: the
/// numbers are written from u128 digits, never through a float).
#[derive(Serialize)]
struct PlanJson {
    sessions: Vec<EntryJson>,
}

#[derive(Serialize)]
struct EntryJson {
    session_id: String,
    trust_pair: String,
    payer: String,
    payee: String,
    network: &'static str,
    token: &'static str,
    net: u128,
    available: u128,
    settle: u128,
    carried: u128,
    mode: &'static str,
}

impl From<&Entry> for EntryJson {
    fn from(entry: &Entry) -> Self {
        Self {
            session_id: entry.session_id.clone(),
            trust_pair: entry.trust_pair.clone(),
            payer: entry.payer.clone(),
            payee: entry.payee.clone(),
            network: network_name(entry.network),
            token: token_name(entry.token),
            net: entry.net,
            available: entry.available,
            settle: entry.settle,
            carried: entry.carried,
            mode: entry.mode.name(),
        }
    }
}

/// `--at`: an RFC 3339 instant, or a plan-zone wall clock that exists exactly once there.
fn instant_of(text: &str, launch: &Launch) -> Result<Timestamp> {
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at);
    }
    let zone = launch.t0.zoned().time_zone();
    T0::parse(text, zone).map(|wall| wall.zoned().timestamp()).map_err(|error| {
        Error::Input(format!(
            "--at {text:?} is neither an RFC 3339 instant (2026-12-07T18:00:00Z, or with an offset) nor a plan-zone wall clock: {error}"
        ))
    })
}

pub(crate) fn run(command: &EodCommand, json: bool) -> Result<()> {
    match command {
        EodCommand::Plan(args) => run_plan(args, json),
    }
}

fn run_plan(args: &PlanArgs, json: bool) -> Result<()> {
    let (source, text) = read_plan(args.plan.as_deref())?;
    let launch = Launch::new(&text, &args.t0, None).map_err(|error| name_plan_file(&source, error))?;
    let at = instant_of(&args.at, &launch)?;
    let ledger = crate::metrics::read_events(&args.events)?;
    let entries = plan(&launch, &ledger, at).map_err(Error::Input)?;
    if json {
        return print_json(&PlanJson { sessions: entries.iter().map(EntryJson::from).collect() });
    }
    let zone = launch.t0.zoned().time_zone().clone();
    println!("EOD settlement plan at {} ({} entries)", rfc3339(&at.to_zoned_datetime(zone.clone())), entries.len());
    for entry in &entries {
        println!(
            "  {} {} cut-off {}  {} → {}  {} {}  net {}  available {}  settle {}  carried {}  {}",
            entry.session_id,
            entry.trust_pair,
            rfc3339(&entry.cut_off.to_zoned_datetime(zone.clone())),
            entry.payer,
            entry.payee,
            network_name(entry.network),
            token_name(entry.token),
            entry.net,
            entry.available,
            entry.settle,
            entry.carried,
            entry.mode.name()
        );
    }
    Ok(())
}
