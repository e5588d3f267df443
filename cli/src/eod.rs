//! `clubgate eod plan`: the EOD settlement plan of the trust pairs at an instant, over an
//! events file (PRODUCT.md "Treasury and EOD"; docs/eod.md). `clubgate eod settle` queues
//! the plan's settlement transfers as payout bundles; `clubgate eod dry-run` (the T-3d dry
//! run of `trust.session.close()` / `eod_settlement`) shows them and queues nothing.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use clubgate_core::eod::{network_name, plan, token_name, Entry};
use clubgate_core::events::Event;
use clubgate_core::launch::Launch;
use clubgate_core::ledger::Ledger;
use clubgate_core::schedule::{rfc3339, T0};
use clubgate_core::settlement::transfers;
use clubgate_store::Store;
use clubgate_treasury::eod::{dry_run, settle, Settled};
use jiff::Timestamp;
use serde::Serialize;

use crate::commands::{launch_of, name_plan_file, open_signing_store, open_store, print_json, read_plan, Error, Result};

#[derive(Subcommand)]
pub(crate) enum EodCommand {
    /// The settlement plan at an instant: every session whose cut-off is at or before it,
    /// in entry order (cut-off, session id, network, token).
    Plan(PlanArgs),
    /// Queues the plan's settlement transfers (every entry with settle > 0 whose cut-off is
    /// at or before now) as payout bundles: the network's hot wallet to the payee's
    /// allow-listed address, ids from session, network and token — never queued twice.
    /// Only `--from-store`, under the store's launch and bound policy, at the wall clock:
    /// --events, --t0, --plan and --at are the dry run's.
    Settle(SettleArgs),
    /// The T-3d dry run of trust.session.close() / eod_settlement: the same computation as
    /// `settle`, printing what would be queued; the payout queue is left as it is. Takes
    /// --events, --t0, --plan and --at for what-if questions.
    DryRun(SettleArgs),
}

#[derive(Args)]
pub(crate) struct SettleArgs {
    /// The events (JSON Lines) with the sessions, obligations and balances (dry run only).
    #[arg(long, required_unless_present = "from_store", conflicts_with = "from_store")]
    events: Option<PathBuf>,
    /// The store's events instead (the ledger's, when the store follows one).
    #[arg(long)]
    from_store: bool,
    /// T0 as for `eod plan` (default: the store's launch; dry run only).
    #[arg(long)]
    t0: Option<String>,
    /// The instant: RFC 3339 with an offset, or a plan-zone wall clock (default: now; dry
    /// run only — a settlement is at the wall clock).
    #[arg(long)]
    at: Option<String>,
    /// A plan file (default: the embedded launch-plan-v1; ignored without --t0: the store's
    /// launch has its plan; dry run only).
    #[arg(long)]
    plan: Option<PathBuf>,
    /// The treasury file: hot wallets, allow-list, token contracts (default: the policy of
    /// the ledger the store follows; a desk that follows one settles under that policy).
    #[arg(long)]
    treasury: Option<PathBuf>,
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

pub(crate) async fn run(command: &EodCommand, json: bool, db: Option<&Path>) -> Result<()> {
    match command {
        EodCommand::Plan(args) => run_plan(args, json),
        EodCommand::Settle(args) => run_settle(args, json, db, false).await,
        EodCommand::DryRun(args) => run_settle(args, json, db, true).await,
    }
}

/// `eod settle|dry-run --json`.
#[derive(Serialize)]
struct SettleJson {
    at: String,
    dry_run: bool,
    transfers: Vec<TransferJson>,
    refusals: Vec<String>,
    alerts: Vec<String>,
}

#[derive(Serialize)]
struct TransferJson {
    session_id: String,
    trust_pair: String,
    payer: String,
    payee: String,
    network: &'static str,
    token: &'static str,
    net: u128,
    settle: u128,
    carried: u128,
    mode: &'static str,
    payout_id: String,
    wallet: String,
    source: String,
    destination: String,
    chunks: Vec<String>,
    bundle_hash: String,
    outcome: &'static str,
}

impl From<&Settled> for TransferJson {
    fn from(item: &Settled) -> Self {
        let entry = &item.transfer.entry;
        Self {
            session_id: entry.session_id.clone(),
            trust_pair: entry.trust_pair.clone(),
            payer: entry.payer.clone(),
            payee: entry.payee.clone(),
            network: network_name(entry.network),
            token: token_name(entry.token),
            net: entry.net,
            settle: entry.settle,
            carried: entry.carried,
            mode: entry.mode.name(),
            payout_id: item.bundle.bundleId.clone(),
            wallet: item.transfer.wallet.clone(),
            source: item.bundle.source.clone(),
            destination: item.bundle.destination.clone(),
            chunks: item.bundle.chunks.iter().map(ToString::to_string).collect(),
            bundle_hash: item.bundle.canonical_hash().to_string(),
            outcome: item.outcome.name(),
        }
    }
}

/// The store's events as a ledger.
async fn stored_ledger(store: &Store) -> Result<Ledger> {
    let mut ledger = Ledger::default();
    for (index, line) in store.event_lines().await?.iter().enumerate() {
        Event::from_json(line)
            .and_then(|event| ledger.apply(&event))
            .map_err(|detail| Error::Store(clubgate_store::Error::Corrupt { table: "events", row: index as i64 + 1, detail }))?;
    }
    Ok(ledger)
}

/// A non-dry `eod settle` queues payouts under the session's own payout id (derived from
/// session, network and token; a differing bundle later is `already_queued_other`), so it
/// settles only what the desk's data say now: the store's events, its launch, the bound
/// policy, the wall clock. The what-if flags are the dry run's (red team F3).
fn refuse_what_if_flags(args: &SettleArgs) -> Result<()> {
    let given = [
        ("--events", args.events.is_some(), "the store's events (--from-store)"),
        ("--t0", args.t0.is_some(), "the store's launch"),
        ("--plan", args.plan.is_some(), "the store's launch and its plan"),
        ("--at", args.at.is_some(), "the wall clock"),
    ];
    match given.iter().find(|(_, present, _)| *present) {
        Some((flag, _, instead)) => Err(Error::Input(format!(
            "eod settle {flag} is refused: a settlement queues payouts under the session's own id, so it is computed only from \
             {instead} (`clubgate eod settle --from-store`); use `clubgate eod dry-run {flag} …` for what-if questions"
        ))),
        None => Ok(()),
    }
}

async fn run_settle(args: &SettleArgs, json: bool, db: Option<&Path>, dry: bool) -> Result<()> {
    if !dry {
        refuse_what_if_flags(args)?;
    }
    // Settling queues payouts: the store is the signing store (no --db in a packaged build).
    let store = if dry { open_store(db).await? } else { open_signing_store(db).await? };
    let launch = match &args.t0 {
        Some(_) => {
            let (source, text) = read_plan(args.plan.as_deref())?;
            Launch::new(&text, args.t0.as_deref().unwrap_or_default(), None).map_err(|error| name_plan_file(&source, error))?
        }
        None => launch_of(&store, clubgate_core::plan::Plan::default_v1(), None).await?,
    };
    let at = match &args.at {
        Some(text) => instant_of(text, &launch)?,
        None => Timestamp::now(),
    };
    // A desk that follows a ledger pulls first: the policy in force, and the settlement
    // bundles another desk published already.
    if !dry {
        crate::bundle::ledger_client(&store).await?;
        clubgate_treasury::eod::check_settle_source(store.stream_source().await?.as_deref()).map_err(|e| Error::Input(e.to_string()))?;
    }
    let ledger = match &args.events {
        Some(path) => crate::metrics::read_events(path)?,
        None => stored_ledger(&store).await?,
    };
    let treasury = crate::bundle::treasury_of(&store, args.treasury.as_deref()).await?;
    let policy_version = store.ledger_policy().await?.map_or(1, |policy| policy.version);
    let entries = plan(&launch, &ledger, at).map_err(Error::Input)?;
    let settlement = transfers(&treasury, &entries, at);
    let settled = if dry {
        dry_run(Some(&store), &launch.plan, &treasury, &settlement, policy_version).await?
    } else {
        settle(&store, &launch.plan, &treasury, &settlement, policy_version, Timestamp::now()).await?
    };
    let zone = launch.t0.zoned().time_zone().clone();
    if json {
        print_json(&SettleJson {
            at: rfc3339(&at.to_zoned_datetime(zone)),
            dry_run: dry,
            transfers: settled.iter().map(TransferJson::from).collect(),
            refusals: settlement.refusals.clone(),
            alerts: settlement.alerts.clone(),
        })?;
    } else {
        let verb = if dry { "EOD dry run (nothing queued)" } else { "EOD settlement" };
        println!("{verb} at {}: {} transfer(s)", rfc3339(&at.to_zoned_datetime(zone)), settled.len());
        for item in &settled {
            let entry = &item.transfer.entry;
            println!(
                "  {} {} {} {}  {} → {}  settle {} ({}, carried {})  {} from {} to {} in {} chunk(s)  {}",
                item.outcome.name(),
                entry.session_id,
                network_name(entry.network),
                token_name(entry.token),
                entry.payer,
                entry.payee,
                entry.settle,
                entry.mode.name(),
                entry.carried,
                item.bundle.bundleId,
                item.transfer.wallet,
                item.bundle.destination,
                item.bundle.chunks.len(),
                if dry { "" } else { "(published for the approvers: `clubgate sync`)" }
            );
        }
    }
    for alert in &settlement.alerts {
        eprintln!("alert: {alert}");
    }
    if !settlement.refusals.is_empty() {
        return Err(Error::Lines(settlement.refusals.clone()));
    }
    Ok(())
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
