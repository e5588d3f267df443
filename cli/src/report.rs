//! `clubgate report KIND --at T --out DIR`: the warroom (T+1h), daily, KPI and postmortem
//! reports (clubgate-report, docs/reports.md) written as `KIND.md`, `KIND.csv` and the
//! charts `KIND-*.svg`, from an events file or the store's current events.

use std::path::{Path, PathBuf};

use clap::Args;
use clubgate_core::events::Event;
use clubgate_core::launch::Launch;
use clubgate_core::plan::Plan;
use clubgate_core::schedule::T0;
use clubgate_report::{generate, period, DecisionLine, Input, Kind};
use clubgate_store::Store;
use serde_json::json;

use crate::commands::{name_plan_file, open_store, print_json, read_plan, Error, Result};

/// Most bad lines listed before the rest are counted.
const MAX_LISTED_ERRORS: usize = 20;

#[derive(Args)]
pub(crate) struct ReportArgs {
    /// warroom (T+1h), daily, kpi or postmortem.
    kind: String,
    /// The report's instant: a plan-zone wall clock (2026-12-07T11:00) or RFC 3339.
    #[arg(long)]
    at: String,
    /// The directory to write KIND.md, KIND.csv and KIND-*.svg into (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// The events (JSON Lines); default: the store's current events.
    #[arg(long)]
    events: Option<PathBuf>,
    /// T0 of the launch (with --plan or the embedded plan); default: the store's launch.
    #[arg(long)]
    t0: Option<String>,
    /// A plan file for --t0 (default: the embedded launch-plan-v1).
    #[arg(long, requires = "t0")]
    plan: Option<PathBuf>,
    /// A treasury file: its daily target gives the phase cap in tokens, and its launch ICs
    /// verify the decision log of the postmortem (default: the policy of the ledger the
    /// store follows).
    #[arg(long)]
    treasury: Option<PathBuf>,
}

/// The events of a JSON Lines file, or the store's; a line that does not read is an input
/// error naming it.
fn events_of(lines: impl Iterator<Item = (usize, String)>, source: &str) -> Result<Vec<Event>> {
    let mut events = Vec::new();
    let mut errors = Vec::new();
    for (number, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        match Event::from_json(&line) {
            Ok(event) => events.push(event),
            Err(reason) => errors.push(format!("{source}: line {number}: {reason}")),
        }
    }
    if errors.is_empty() {
        return Ok(events);
    }
    let extra = errors.len().saturating_sub(MAX_LISTED_ERRORS);
    errors.truncate(MAX_LISTED_ERRORS);
    if extra > 0 {
        errors.push(format!("{source}: … and {extra} more bad lines"));
    }
    Err(Error::Lines(errors))
}

async fn launch_of(args: &ReportArgs, store: Option<&Store>) -> Result<Launch> {
    if let Some(t0) = &args.t0 {
        let (source, text) = read_plan(args.plan.as_deref())?;
        let plan = Plan::from_toml(&text).map_err(|error| name_plan_file(&source, error))?;
        return Ok(Launch::from_plan(plan, t0, None)?);
    }
    match store {
        Some(store) => Ok(store.require_settings().await?.launch()?),
        None => Err(Error::Input("no launch: give --t0 (and --plan), or use a store with a launch (`clubgate launch set`)".to_owned())),
    }
}

/// The rules that give the daily target and the launch ICs: the given file, else the policy
/// of the ledger the store follows; none is fine (the report says what it lacks).
async fn treasury_of(args: &ReportArgs, store: Option<&Store>) -> Result<Option<clubgate_core::treasury::Treasury>> {
    match (store, &args.treasury) {
        (Some(store), path) => match crate::bundle::treasury_of(store, path.as_deref()).await {
            Ok(treasury) => Ok(Some(treasury)),
            Err(_) if path.is_none() => Ok(None),
            Err(error) => Err(error),
        },
        (None, Some(path)) => Ok(Some(crate::bundle::read_treasury(path)?)),
        (None, None) => Ok(None),
    }
}

/// The decision log of the store, verified against the treasury's launch ICs. Without a
/// treasury the entries cannot be verified: the report is refused rather than marking them
/// all as not verifying.
async fn decisions_of(store: &Store, treasury: Option<&clubgate_core::treasury::Treasury>, launch: &Launch) -> Result<Vec<DecisionLine>> {
    if store.decision_log().await?.is_empty() {
        return Ok(Vec::new());
    }
    let treasury = treasury.ok_or_else(|| {
        Error::Input("the store's decision log has entries and no policy to verify them against: give --treasury FILE".to_owned())
    })?;
    let log = clubgate_treasury::decisions::read_log(store, treasury, &launch.plan).await?;
    Ok(log.entries.iter().filter_map(|e| DecisionLine::from_payload(&e.payload, e.verified())).collect())
}

/// A file or directory of `--out` that could not be written: the argument's fault as far
/// as the CLI can tell (exit code 2), named with the reason.
fn unwritable(path: &Path, source: std::io::Error) -> Error {
    Error::Input(format!("cannot write {}: {source}; check --out", path.display()))
}

/// Writes one file, naming it on failure.
fn write(path: &Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents).map_err(|source| unwritable(path, source))
}

/// `clubgate report KIND --at T --out DIR [--events FILE]`.
pub(crate) async fn run(args: &ReportArgs, json_out: bool, db: Option<&Path>) -> Result<()> {
    let kind: Kind = args.kind.parse().map_err(|e: clubgate_report::Error| Error::Input(e.to_string()))?;
    // The store is needed for its events, its launch or its decision log.
    let store = if args.events.is_none() || args.t0.is_none() || kind == Kind::Postmortem { Some(open_store(db).await?) } else { None };
    let launch = launch_of(args, store.as_ref()).await?;
    let tz = launch.t0.zoned().time_zone().clone();
    let at = T0::parse(&args.at, &tz)
        .map_err(|error| Error::Input(format!("--at: {}", error.to_string().replacen("T0", "time", 1))))?
        .zoned()
        .timestamp();
    let events = match (&args.events, &store) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.display().to_string(), source })?;
            events_of(text.lines().enumerate().map(|(i, l)| (i + 1, l.to_owned())), &path.display().to_string())?
        }
        (None, Some(store)) => {
            events_of(store.event_lines().await?.into_iter().enumerate().map(|(i, l)| (i + 1, l)), "the store's events")?
        }
        (None, None) => unreachable!("the store is opened when no events file is given"),
    };
    let treasury = treasury_of(args, store.as_ref()).await?;
    let decisions = match (&store, kind) {
        (Some(store), Kind::Postmortem) => decisions_of(store, treasury.as_ref(), &launch).await?,
        _ => Vec::new(),
    };
    let daily_target = treasury.as_ref().map(|t| t.daily_target.base_units());
    let files = generate(kind, &Input { launch: &launch, events: &events, at, decisions: &decisions, daily_target })
        .map_err(|e| Error::Input(e.to_string()))?;

    std::fs::create_dir_all(&args.out).map_err(|source| unwritable(&args.out, source))?;
    let mut written = Vec::new();
    let markdown = args.out.join(format!("{kind}.md"));
    write(&markdown, &files.markdown)?;
    written.push(markdown);
    let csv = args.out.join(format!("{kind}.csv"));
    write(&csv, &files.csv)?;
    written.push(csv);
    for (name, svg) in &files.charts {
        let path = args.out.join(name);
        write(&path, svg)?;
        written.push(path);
    }
    let span = period(kind, &launch, at).map_err(|e| Error::Input(e.to_string()))?;
    if json_out {
        return print_json(&json!({
            "kind": kind.name(),
            "at": at.to_string(),
            "from": span.from.to_string(),
            "to": span.to.to_string(),
            "events": events.len(),
            "decisions": decisions.len(),
            "files": written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        }));
    }
    println!("{kind} report at {at} over [{}, {}): {} files in {}", span.from, span.to, written.len(), args.out.display());
    for path in written {
        println!("  {}", path.display());
    }
    Ok(())
}
