//! The command tree and what each command does. Each command is a few lines over the
//! core and the store; printing is the only thing done here.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use clubgate_core::checklist::{current_states, go_no_go, ItemChange, ItemState};
use clubgate_core::freeze::{assess, status_at, ChangeArea, ChangeRequest};
use clubgate_core::launch::Launch;
use clubgate_core::plan::Plan;
use clubgate_core::schedule::{rfc3339, time_zone};
use clubgate_core::DEFAULT_PLAN_TOML;
use clubgate_store::{NewSettings, Store};
use jiff::Timestamp;

use crate::output::{AssessmentJson, ChangeJson, DatesJson, FreezeStatusJson, GateJson};

/// ClubGate Desk on the command line: the launch plan, its dates, checklists, the Go/No-Go
/// gate and the freeze plan, over the app's local store.
#[derive(Parser)]
#[command(name = "clubgate", version, about)]
pub(crate) struct Cli {
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// The local store (default: the app's data dir, or $CLUBGATE_DATA_DIR).
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The launch plan: dates, validation, the embedded default.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// The launch of the local store: its plan, T0 and zone.
    #[command(subcommand)]
    Launch(LaunchCommand),
    /// Checklist items: their state, changes and history.
    #[command(subcommand)]
    Checklist(ChecklistCommand),
    /// The Go/No-Go gate: GO only when every entry criterion is done.
    Gate,
    /// The freeze plan at an instant, and change requests.
    #[command(subcommand)]
    Freeze(FreezeCommand),
    /// Write simulated launch traffic as JSON Lines.
    Simulate(crate::metrics::SimulateArgs),
    /// A launch report (warroom, daily, kpi, postmortem) as KIND.md, KIND.csv and SVG charts.
    Report(crate::report::ReportArgs),
    /// SLOs and KPIs over an events file.
    #[command(subcommand)]
    Slo(SloCommand),
    /// The rollback rules over an events file.
    #[command(subcommand)]
    Rollback(RollbackCommand),
    /// EOD of the trust pairs over an events file: the settlement plan at an instant.
    #[command(subcommand)]
    Eod(crate::eod::EodCommand),
    /// Hot and canary wallets: balances per asset from `wallet.balance` events against the
    /// treasury file's thresholds, with the top-up of each one below.
    Wallets(crate::wallets::WalletsArgs),
    /// The business day's signed volume against the day's cap with the headroom, per network
    /// the per-tx cap and the fee mode, and the launch IC's freeze exceptions from the
    /// decision log (amounts in JSON as base-unit digit strings).
    Volume(crate::volume::VolumeArgs),
    /// Payouts: batching under the per-tx cap and the phase volume headroom.
    #[command(subcommand)]
    Payout(PayoutCommand),
    /// Transactions: build and sign, decode the exact bytes.
    #[command(subcommand)]
    Tx(TxCommand),
    /// The OS keychain: PKCS#11 token PINs.
    #[command(subcommand)]
    Keychain(KeychainCommand),
    /// Approve a payout bundle with an approver's key.
    Approve(crate::bundle::ApproveArgs),
    /// The team: people per plan role with contacts, the on-call rota of the warroom hours.
    #[command(subcommand)]
    Team(crate::oncall::TeamCommand),
    /// Take a warroom decision, signed by the launch IC's key, into the decision log.
    Decide(crate::decide::DecideArgs),
    /// The decision log: show (verified), verify, export.
    #[command(subcommand)]
    Log(crate::decide::LogCommand),
    /// Partner and warroom messages in RU/EN: the plan's templates, filled from live figures.
    #[command(subcommand)]
    Comms(crate::comms::CommsCommand),
    /// Review a chunk: the exact unsigned bytes it would be signed with, under their hash.
    Review(crate::bundle::ReviewArgs),
    /// Sign a reviewed chunk of an approved bundle: policy, quorum, review, cap, never twice.
    Sign(crate::bundle::SignArgs),
    /// Canary payouts: one token from each canary wallet to its check address, per day.
    #[command(subcommand)]
    Canary(CanaryCommand),
    /// Keys: the addresses a signer has on both networks.
    #[command(subcommand)]
    Signer(SignerCommand),
    /// The treasury file: validate it.
    #[command(subcommand)]
    Treasury(TreasuryCommand),
    /// The backend ledger: log in (token into the OS keychain), status.
    #[command(subcommand)]
    Ledger(crate::sync::LedgerCommand),
    /// Sync with the backend ledger: send the outbox, pull the log by cursor (verified).
    Sync(crate::sync::SyncArgs),
    /// Safe-mode on or off for a scope (launch IC): holds on this desk at once, reaches the
    /// ledger with the next sync, and gates signing in its scope.
    SafeMode(crate::switches::SafeModeArgs),
    /// The volume level (launch IC), queued for the ledger.
    VolumeLevel(crate::switches::VolumeArgs),
    /// Signatures made elsewhere: import an air-gapped desk's signed chunk.
    #[command(subcommand)]
    Signature(SignatureCommand),
    /// Exports for other tools: Grafana dashboards over the ledger's PostgreSQL log.
    #[command(subcommand)]
    Export(ExportCommand),
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Write the Executive, Treasury, Trust and Webhooks dashboards (Grafana JSON) whose
    /// panels query the ledger's PostgreSQL tables with the desk's metric definitions.
    Grafana(crate::grafana::GrafanaArgs),
}

#[derive(Subcommand)]
enum SignatureCommand {
    /// Record an air-gapped desk's signed chunk (`clubgate sign --json` output there) on the
    /// ledger this desk follows, after checking its bytes against the bundle and the
    /// policy; a chunk signed anywhere already is refused, naming who signed.
    Import(crate::bundle::ImportArgs),
}

#[derive(Subcommand)]
enum CanaryCommand {
    /// Review the day's canary payout of a canary wallet: its exact unsigned bytes.
    Review(crate::canary::CanaryReviewArgs),
    /// Sign the reviewed canary payout of a canary wallet.
    Sign(crate::canary::CanarySignArgs),
    /// The day's canary payouts per network.
    Status(crate::canary::CanaryStatusArgs),
}

#[derive(Subcommand)]
enum SignerCommand {
    /// Print the key's ERC-20 and TRC-20 addresses.
    Address(crate::canary::SignerAddressArgs),
}

#[derive(Subcommand)]
enum TreasuryCommand {
    /// Parse and validate a treasury file; print its wallets and approvers.
    Validate {
        /// The treasury file.
        file: PathBuf,
    },
    /// Bind the store to a treasury file: the policy its signatures follow. Once anything
    /// was signed, another file is a launch IC decision with its reason.
    Bind {
        /// The treasury file.
        file: PathBuf,
        /// Who binds it.
        #[arg(long)]
        who: String,
        /// The launch IC's reason (needed once payouts were signed under another file).
        #[arg(long)]
        ic_reason: Option<String>,
    },
    /// Development only: create a SoftHSM2 demo token (public PIN) with a key per approver
    /// and wallet, and a treasury file for it, in a directory (reused when present).
    Demo {
        /// The directory (the app's data directory for `cargo xtask demo`).
        #[arg(long)]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum KeychainCommand {
    /// Keep a token's PIN (read from standard input) in the OS keychain.
    SetPin {
        /// The token label.
        #[arg(long)]
        token: String,
        /// The treasury file: the keychain keeps only the PINs of its wallets' tokens; an
        /// approver's token is refused (approver PINs are typed when approving, never kept).
        #[arg(long)]
        treasury: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum TxCommand {
    /// Build and sign an ERC-20 transfer (EIP-1559).
    BuildErc20(crate::tx::BuildErc20Args),
    /// Build and sign a TRC-20 transfer (TriggerSmartContract).
    BuildTrc20(crate::tx::BuildTrc20Args),
    /// Decode raw transaction bytes into what they say.
    Decode {
        /// The raw transaction, 0x… hex.
        hex: String,
    },
    /// Record that a chunk's latest signed transaction was handed to the network (a
    /// broadcast TRC-20 transaction is never re-signed after expiry).
    MarkBroadcast {
        /// The bundle.
        #[arg(long)]
        bundle_id: String,
        /// The chunk (0-based).
        #[arg(long)]
        chunk: u32,
        /// Who broadcast it.
        #[arg(long)]
        who: String,
    },
    /// Send a chunk's latest signed ERC-20 transaction to the treasury file's node (recorded
    /// first; sending again is safe).
    Broadcast(crate::broadcast::BroadcastArgs),
    /// The broadcast chunks on chain: pending, stuck (with the speed-up proposed), mined,
    /// confirmed, failed.
    Status(crate::broadcast::StatusArgs),
}

#[derive(Subcommand)]
enum PayoutCommand {
    /// How a payout is batched, and the phase volume headroom of the day.
    Plan(crate::payout::PlanArgs),
    /// Make a payout bundle to approve: batched chunks and the EIP-712 hash.
    Bundle(crate::bundle::BundleArgs),
    /// The store's payout queue: each bundle's approvals (in the ledger's log, or pending
    /// here) and each chunk's signature (here, and in the log, with who signed).
    Queue,
}

#[derive(Subcommand)]
enum SloCommand {
    /// Per-window and per-day metrics, SLO attainment and KPIs over a period.
    Report(crate::metrics::ReportArgs),
}

#[derive(Subcommand)]
enum RollbackCommand {
    /// The recommendation at an instant, with each triggered rule's evidence.
    Evaluate(crate::metrics::EvaluateArgs),
}

#[derive(Subcommand)]
enum PlanCommand {
    /// Print the date table of a plan from T0.
    Dates(DatesArgs),
    /// Check a plan file against the schema.
    Validate {
        /// The plan file (TOML).
        file: PathBuf,
    },
    /// Print the embedded default plan file, to copy and edit.
    Default,
}

#[derive(Args)]
struct DatesArgs {
    /// T0 as a plan-zone wall clock (2026-12-07T10:00) or with an offset.
    #[arg(long)]
    t0: String,
    /// Time zone (default: the plan's, Europe/Warsaw for the default plan).
    #[arg(long)]
    tz: Option<String>,
    /// A plan file (default: the embedded launch-plan-v1).
    #[arg(long)]
    plan: Option<PathBuf>,
}

#[derive(Subcommand)]
enum LaunchCommand {
    /// Set T0, zone and plan of the launch (kept as history).
    Set {
        #[command(flatten)]
        launch: DatesArgs,
        /// Who makes the change.
        #[arg(long)]
        who: String,
        /// Once a payout of the launch was signed, changing T0 or the plan is a launch IC
        /// decision: its reason, recorded with who made it.
        #[arg(long)]
        ic_reason: Option<String>,
    },
    /// Show the launch's settings.
    Show,
}

#[derive(Subcommand)]
enum ChecklistCommand {
    /// List items with their current state.
    Show {
        /// Only this checkpoint (T-7d, T0, …) or list: entry, onboarding.
        #[arg(long)]
        checkpoint: Option<String>,
        /// Only items of this owner role (treasury_lead, …).
        #[arg(long)]
        owner: Option<String>,
    },
    /// Record a new state of an item.
    Set {
        /// The item's id (see `checklist show`).
        item: String,
        /// open, done, blocked or n/a.
        #[arg(long)]
        state: String,
        /// Who makes the change.
        #[arg(long)]
        who: String,
        /// Evidence (required for done) or the reason (blocked, n/a).
        #[arg(long, default_value = "")]
        evidence: String,
        /// When, as an RFC 3339 instant (default: now).
        #[arg(long)]
        at: Option<String>,
    },
    /// The history of one item, or of all items.
    History {
        /// The item's id.
        item: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Area {
    Code,
    Config,
}

#[derive(Subcommand)]
enum FreezeCommand {
    /// Which freezes are active and whether the change window is open.
    Status {
        /// The instant (RFC 3339; default: now).
        #[arg(long)]
        at: Option<String>,
    },
    /// Assess a change request (who / what / when / rollback).
    Check {
        /// Who makes the change.
        #[arg(long)]
        who: String,
        /// What changes.
        #[arg(long)]
        what: String,
        /// When (RFC 3339 instant).
        #[arg(long)]
        when: String,
        /// How it is rolled back.
        #[arg(long)]
        rollback: String,
        /// What it touches.
        #[arg(long, value_enum)]
        area: Area,
        /// The config key, for --area config (per_tx_cap, fee_mode, …).
        #[arg(long)]
        key: Option<String>,
    },
}

impl Cli {
    /// Whether `--json` was given (errors are then printed as JSON too).
    pub(crate) fn json(&self) -> bool {
        self.json
    }
}

/// A failure of a command.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// A domain rule refused an input.
    #[error(transparent)]
    Core(#[from] clubgate_core::Error),
    /// The store failed or refused.
    #[error(transparent)]
    Store(#[from] clubgate_store::Error),
    /// A file could not be read.
    #[error("cannot read {path}: {source}; check the path")]
    Read {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// An argument is wrong in a way clap cannot see.
    #[error("{0}")]
    Input(String),
    /// A packaged build's signing command was given `--db`.
    #[error("--db is not taken by signing commands in this build: the signature registry is the app's store (its data directory)")]
    DbOverride,
    /// No data directory could be found.
    #[error("no data directory on this system; pass --db PATH")]
    NoDataDir,
    /// The payout flow refused or the store failed under it.
    #[error(transparent)]
    Flow(#[from] clubgate_treasury::Error),
    /// Output could not be written.
    #[error("cannot write the output: {0}")]
    Output(#[from] serde_json::Error),
    /// Lines of an input file were refused; one message per line.
    #[error("{}", .0.join("\n"))]
    Lines(Vec<String>),
    /// The sync with the ledger failed (unreachable, token refused, chain broken).
    #[error(transparent)]
    Sync(clubgate_sync::Error),
    /// The decision log does not verify (`clubgate log verify`): every break, by entry.
    #[error("{0}")]
    Broken(String),
}

impl Error {
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Self::Core(_) | Self::Read { .. } | Self::Input(_) | Self::NoDataDir | Self::Lines(_) | Self::DbOverride => 2,
            Self::Flow(error) if error.is_refusal() => 2,
            Self::Store(error) if clubgate_treasury::store_error_code(error) != "storage" => 2,
            Self::Sync(clubgate_sync::Error::Usage(_)) => 2,
            Self::Store(_) | Self::Output(_) | Self::Flow(_) | Self::Sync(_) | Self::Broken(_) => 1,
        }
    }

    /// The stable code of the error (in the `--json` error document), so scripts
    /// and tests tell an HSM failure from a policy refusal without reading the message.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::Core(_) | Self::Input(_) | Self::Lines(_) => "invalid_input",
            Self::Read { .. } => "file",
            Self::NoDataDir => "no_data_dir",
            Self::DbOverride => "db_override",
            Self::Store(error) => clubgate_treasury::store_error_code(error),
            Self::Flow(error) => error.code(),
            Self::Output(_) => "output",
            Self::Sync(clubgate_sync::Error::Unreachable { .. }) => "ledger_unreachable",
            Self::Sync(clubgate_sync::Error::Unauthorized { .. }) => "ledger_unauthorized",
            Self::Sync(clubgate_sync::Error::ChainBroken { .. }) => "chain_broken",
            Self::Sync(clubgate_sync::Error::Usage(_)) => "invalid_input",
            Self::Sync(_) => "ledger_protocol",
            Self::Broken(_) => "log_broken",
        }
    }
}

pub(crate) type Result<T> = std::result::Result<T, Error>;

/// The launch a command works under: `--t0` on `plan` when given, else the local store's.
pub(crate) async fn launch_of(store: &Store, plan: Plan, t0: Option<&str>) -> Result<Launch> {
    match t0 {
        Some(t0) => Ok(Launch::from_plan(plan, t0, None)?),
        None => Ok(store.require_settings().await?.launch()?),
    }
}

pub(crate) fn read_plan(path: Option<&Path>) -> Result<(String, String)> {
    match path {
        None => Ok(("builtin:launch-plan-v1".to_owned(), DEFAULT_PLAN_TOML.to_owned())),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.display().to_string(), source })?;
            Ok((path.display().to_string(), text))
        }
    }
}

fn instant(text: Option<&str>, what: &str) -> Result<Timestamp> {
    match text {
        None => Ok(Timestamp::now()),
        Some(text) => text.parse().map_err(|_| {
            Error::Input(format!("{what} {text:?} is not an RFC 3339 instant; write it as 2026-12-07T09:00:00Z or with an offset"))
        }),
    }
}

pub(crate) fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub(crate) async fn open_store(db: Option<&Path>) -> Result<Store> {
    let path = match db {
        Some(path) => path.to_owned(),
        None => clubgate_store::database_path(&clubgate_store::default_data_dir().ok_or(Error::NoDataDir)?),
    };
    Ok(Store::open(&path).await?)
}

/// The store a signing command (`payout bundle`, `review`, `sign`, `canary sign`) works
/// on: the never-sign-twice registry and the day's volume live there, so a packaged build
/// takes no `--db` for them — an empty registry must not be one flag away. Development
/// builds (the `dev-signer` feature: tests, the demo) keep the flag.
pub(crate) async fn open_signing_store(db: Option<&Path>) -> Result<Store> {
    refuse_db_override(db)?;
    open_store(db).await
}

/// Refuses `--db` for a signing command in a packaged build; called first, before any file
/// is read, so the refusal is the same whatever else is wrong.
pub(crate) fn refuse_db_override(db: Option<&Path>) -> Result<()> {
    if db.is_some() && !clubgate_chain::signer::DEV_SIGNER_BUILT {
        return Err(Error::DbOverride);
    }
    Ok(())
}

/// Runs a parsed command line.
pub(crate) async fn run(cli: Cli) -> Result<()> {
    let json = cli.json;
    match cli.command {
        Command::Plan(PlanCommand::Dates(args)) => plan_dates(&args, json),
        Command::Plan(PlanCommand::Validate { file }) => plan_validate(&file, json),
        Command::Plan(PlanCommand::Default) => {
            print!("{DEFAULT_PLAN_TOML}");
            Ok(())
        }
        Command::Launch(command) => {
            let store = open_store(cli.db.as_deref()).await?;
            launch(&store, command, json).await
        }
        Command::Checklist(command) => {
            let store = open_store(cli.db.as_deref()).await?;
            checklist(&store, command, json).await
        }
        Command::Gate => {
            let store = open_store(cli.db.as_deref()).await?;
            let settings = store.require_settings().await?;
            let launch = settings.launch()?;
            let gate = go_no_go(&launch.plan, &store.history(settings.launch_id).await?);
            if json {
                return print_json(&GateJson::new(&gate));
            }
            println!(
                "Go/No-Go: {} ({}/{} entry criteria done)",
                if gate.blockers.is_empty() { "GO" } else { "NO-GO" },
                gate.done,
                gate.total
            );
            for blocker in &gate.blockers {
                println!("  blocked by {} [{}] owner {}", blocker.item_id, blocker.state, blocker.owner);
            }
            Ok(())
        }
        Command::Freeze(command) => {
            let store = open_store(cli.db.as_deref()).await?;
            freeze(&store, command, json).await
        }
        Command::Simulate(args) => crate::metrics::run_simulate(&args, json),
        Command::Report(args) => crate::report::run(&args, json, cli.db.as_deref()).await,
        Command::Slo(SloCommand::Report(args)) => crate::metrics::run_report(&args, json),
        Command::Rollback(RollbackCommand::Evaluate(args)) => crate::metrics::run_evaluate(&args, json),
        Command::Eod(command) => crate::eod::run(&command, json, cli.db.as_deref()).await,
        Command::Wallets(args) => crate::wallets::run(&args, json).await,
        Command::Volume(args) => crate::volume::run(&args, json, cli.db.as_deref()).await,
        Command::Payout(PayoutCommand::Plan(args)) => crate::payout::run_plan(&args, json, cli.db.as_deref()).await,
        Command::Tx(TxCommand::BuildErc20(args)) => crate::tx::run_build_erc20(&args, json).await,
        Command::Tx(TxCommand::BuildTrc20(args)) => crate::tx::run_build_trc20(&args, json),
        Command::Tx(TxCommand::Decode { hex }) => crate::tx::run_decode(&hex, json),
        Command::Tx(TxCommand::Broadcast(args)) => crate::broadcast::run_broadcast(&args, json, cli.db.as_deref()).await,
        Command::Tx(TxCommand::Status(args)) => crate::broadcast::run_status(&args, json, cli.db.as_deref()).await,
        Command::Tx(TxCommand::MarkBroadcast { bundle_id, chunk, who }) => {
            let store = open_store(cli.db.as_deref()).await?;
            let attempt = store.mark_broadcast(&bundle_id, chunk, &who, jiff::Timestamp::now()).await?;
            if json {
                return print_json(&serde_json::json!({ "bundle_id": bundle_id, "chunk": chunk, "attempt": attempt, "broadcast": true }));
            }
            println!("attempt {attempt} of chunk {chunk} of bundle {bundle_id} is recorded as broadcast");
            Ok(())
        }
        Command::Payout(PayoutCommand::Bundle(args)) => crate::bundle::run_bundle(&args, json, cli.db.as_deref()).await,
        Command::Payout(PayoutCommand::Queue) => crate::bundle::run_queue(json, cli.db.as_deref()).await,
        Command::Export(ExportCommand::Grafana(args)) => crate::grafana::run(&args, json, cli.db.as_deref()).await,
        Command::Signature(SignatureCommand::Import(args)) => crate::bundle::run_import(&args, json, cli.db.as_deref()).await,
        Command::SafeMode(args) => crate::switches::run_safe_mode(&args, json, cli.db.as_deref()).await,
        Command::VolumeLevel(args) => crate::switches::run_volume(&args, json, cli.db.as_deref()).await,
        Command::Review(args) => crate::bundle::run_review(&args, json, cli.db.as_deref()).await,
        Command::Approve(args) => crate::bundle::run_approve(&args, json, cli.db.as_deref()).await,
        Command::Team(command) => crate::oncall::run(command, json, cli.db.as_deref()).await,
        Command::Decide(args) => crate::decide::run_decide(&args, json, cli.db.as_deref()).await,
        Command::Log(command) => crate::decide::run_log(&command, json, cli.db.as_deref()).await,
        Command::Comms(command) => crate::comms::run(&command, json, cli.db.as_deref()).await,
        Command::Keychain(KeychainCommand::SetPin { token, treasury }) => {
            if let Some(path) = treasury {
                wallet_token_only(&crate::bundle::read_treasury(&path)?, &token)?;
            }
            crate::tx::run_set_pin(&token, json)
        }
        Command::Sign(args) => crate::bundle::run_sign(&args, json, cli.db.as_deref()).await,
        Command::Ledger(crate::sync::LedgerCommand::Login { url }) => crate::sync::run_login(&url, json).await,
        Command::Ledger(crate::sync::LedgerCommand::Status) => {
            let store = open_store(cli.db.as_deref()).await?;
            crate::sync::run_status(&store, json).await
        }
        Command::Sync(args) => {
            let store = open_store(cli.db.as_deref()).await?;
            crate::sync::run_sync(&store, &args, json).await
        }
        Command::Canary(CanaryCommand::Review(args)) => crate::canary::run_review(&args, json, cli.db.as_deref()).await,
        Command::Canary(CanaryCommand::Sign(args)) => crate::canary::run_sign(&args, json, cli.db.as_deref()).await,
        Command::Canary(CanaryCommand::Status(args)) => crate::canary::run_status(&args, json, cli.db.as_deref()).await,
        Command::Signer(SignerCommand::Address(args)) => crate::canary::run_address(&args, json),
        Command::Treasury(TreasuryCommand::Demo { dir }) => {
            let module =
                std::env::var("CLUBGATE_PKCS11_MODULE").unwrap_or_else(|_| clubgate_treasury::signers::DEFAULT_PKCS11_MODULE.to_owned());
            let demo = clubgate_treasury::demo::softhsm_demo(&dir, &module)?;
            let document = serde_json::json!({
                "softhsm2_conf": demo.softhsm_conf.display().to_string(),
                "treasury": demo.treasury_file.display().to_string(),
                "token": clubgate_treasury::demo::DEMO_TOKEN,
            });
            if json {
                return print_json(&document);
            }
            println!(
                "demo token {} (SOFTHSM2_CONF={}), treasury file {}",
                clubgate_treasury::demo::DEMO_TOKEN,
                demo.softhsm_conf.display(),
                demo.treasury_file.display()
            );
            Ok(())
        }
        Command::Treasury(TreasuryCommand::Bind { file, who, ic_reason }) => {
            refuse_db_override(cli.db.as_deref())?;
            let treasury = crate::bundle::read_treasury(&file)?;
            let who = who.trim();
            if who.is_empty() {
                return Err(Error::Input("--who must name the person binding the treasury file".to_owned()));
            }
            let store = open_store(cli.db.as_deref()).await?;
            store.bind_policy(&treasury.fingerprint, who, ic_reason.as_deref(), Timestamp::now()).await?;
            if json {
                return print_json(&serde_json::json!({ "fingerprint": treasury.fingerprint, "bound": true }));
            }
            println!("the store signs under {} ({})", file.display(), treasury.fingerprint);
            Ok(())
        }
        Command::Treasury(TreasuryCommand::Validate { file }) => {
            let treasury = crate::bundle::read_treasury(&file)?;
            let wallets: Vec<_> = treasury
                .wallets
                .iter()
                .map(|w| serde_json::json!({ "id": w.id, "kind": format!("{:?}", w.kind).to_lowercase(), "network": clubgate_core::treasury::network_id(w.network), "address": w.address.to_string() }))
                .collect();
            let approvers: Vec<_> = treasury
                .approvers
                .iter()
                .map(|a| serde_json::json!({ "name": a.name, "role": a.role.id(), "address": a.address.to_string() }))
                .collect();
            let document = serde_json::json!({ "valid": true, "quorum": treasury.quorum, "approvers": approvers, "wallets": wallets });
            if json {
                return print_json(&document);
            }
            println!(
                "{}: valid — quorum {}-of-{}, {} wallets",
                file.display(),
                treasury.quorum,
                treasury.voting_approvers().count(),
                wallets.len()
            );
            Ok(())
        }
    }
}

/// Refuses to keep the PIN of a token that is not a wallet's of the treasury, and above all
/// an approver's: an approval needs its approver present, with the PIN typed then.
fn wallet_token_only(treasury: &clubgate_core::treasury::Treasury, token: &str) -> Result<()> {
    let token_of = |spec: &str| spec.strip_prefix("pkcs11:").and_then(|rest| rest.split_once('/')).map(|(t, _)| t.to_owned());
    if let Some(person) = treasury.approvers.iter().find(|a| a.signer.as_deref().and_then(token_of).as_deref() == Some(token)) {
        return Err(Error::Input(format!(
            "token {token:?} holds {}'s approval key: approver PINs are typed when approving and never kept in the keychain",
            person.name
        )));
    }
    if !treasury.wallets.iter().any(|w| token_of(&w.signer).as_deref() == Some(token)) {
        return Err(Error::Input(format!("token {token:?} holds no wallet key of the treasury file; the keychain keeps only wallet PINs")));
    }
    Ok(())
}

fn plan_dates(args: &DatesArgs, json: bool) -> Result<()> {
    let (source, text) = read_plan(args.plan.as_deref())?;
    let launch = Launch::new(&text, &args.t0, args.tz.as_deref()).map_err(|error| name_plan_file(&source, error))?;
    let table = &launch.table;
    if json {
        return print_json(&DatesJson::new(table));
    }
    println!("{} — T0 {} ({})", table.plan, rfc3339(&table.t0), table.tz);
    println!("\nPhases");
    for phase in &table.phases {
        println!("  {:<10} {}  →  {}", phase.id, rfc3339(&phase.start), rfc3339(&phase.end));
    }
    println!("\nCheckpoints");
    for checkpoint in &table.checkpoints {
        println!("  {:<6} {}", checkpoint.offset.to_string(), rfc3339(&checkpoint.at));
        for item in &checkpoint.items {
            println!("           [{}] {} — {}", item.owner, item.id, item.title.en);
        }
    }
    println!("\nFreezes");
    for freeze in &table.freezes {
        println!("  {:<6} {}  →  {}", format!("{:?}", freeze.kind).to_lowercase(), rfc3339(&freeze.start), rfc3339(&freeze.end));
    }
    Ok(())
}

/// Plan-file errors name the file they come from.
pub(crate) fn name_plan_file(source: &str, error: clubgate_core::Error) -> Error {
    match error {
        clubgate_core::Error::PlanSyntax { .. } | clubgate_core::Error::PlanInvalid { .. } => Error::Input(format!("{source}: {error}")),
        other => other.into(),
    }
}

fn plan_validate(file: &Path, json: bool) -> Result<()> {
    let (_, text) = read_plan(Some(file))?;
    let plan = Plan::from_toml(&text).map_err(|error| name_plan_file(&file.display().to_string(), error))?;
    let summary = plan.summary();
    if json {
        return print_json(&serde_json::json!({ "valid": true, "summary": summary }));
    }
    let items: usize = summary.checkpoints.iter().map(|(_, n)| n).sum();
    println!(
        "{}: valid plan {} v{} ({}): {} phases, {} roles, {} entry criteria, {} onboarding steps, {} checkpoints with {} items, {} KPIs",
        file.display(),
        summary.id,
        summary.version,
        summary.time_zone,
        summary.phases,
        summary.roles,
        summary.entry_criteria,
        summary.onboarding,
        summary.checkpoints.len(),
        items,
        summary.kpis
    );
    Ok(())
}

async fn launch(store: &Store, command: LaunchCommand, json: bool) -> Result<()> {
    let settings = match command {
        LaunchCommand::Set { launch: DatesArgs { t0, tz, plan }, who, ic_reason } => {
            let (source, text) = read_plan(plan.as_deref())?;
            Plan::from_toml(&text).map_err(|error| name_plan_file(&source, error))?;
            let new = NewSettings {
                plan_source: &source,
                plan_toml: &text,
                t0: &t0,
                time_zone: tz.as_deref(),
                changed_by: &who,
                changed_at: Timestamp::now(),
                reason: ic_reason.as_deref(),
            };
            store.configure(&new).await?
        }
        LaunchCommand::Show => store.require_settings().await?,
    };
    if json {
        return print_json(&serde_json::json!({
            "launch_id": settings.launch_id,
            "plan": settings.plan_id,
            "plan_version": settings.plan_version,
            "plan_source": settings.plan_source,
            "t0": settings.t0,
            "tz": settings.time_zone,
            "changed_by": settings.changed_by,
            "changed_at": settings.changed_at.to_string(),
        }));
    }
    println!(
        "launch {}: plan {} v{} ({}), T0 {} {}",
        settings.launch_id, settings.plan_id, settings.plan_version, settings.plan_source, settings.t0, settings.time_zone
    );
    println!("set by {} at {}", settings.changed_by, settings.changed_at);
    Ok(())
}

async fn checklist(store: &Store, command: ChecklistCommand, json: bool) -> Result<()> {
    let settings = store.require_settings().await?;
    let launch = settings.launch()?;
    let plan = &launch.plan;
    match command {
        ChecklistCommand::Show { checkpoint, owner } => {
            if let Some(owner) = &owner {
                if plan.role(owner).is_none() {
                    let roles: Vec<&str> = plan.roles.iter().map(|r| r.id.as_str()).collect();
                    return Err(Error::Input(format!("owner {owner:?} is not a role of the plan; use one of {}", roles.join(", "))));
                }
            }
            let history = store.history(settings.launch_id).await?;
            let states = current_states(&history);
            // Each owner role resolves to who is on call at the item's due instant (issue 11).
            let (rota, now) = (store.rota().await?, Timestamp::now());
            let mut rows = Vec::new();
            for (kind, point, item) in plan.items() {
                let group = match (kind, point) {
                    (clubgate_core::plan::ItemKind::EntryCriterion, _) => "entry".to_owned(),
                    (clubgate_core::plan::ItemKind::Onboarding, _) => "onboarding".to_owned(),
                    (_, Some(point)) => point.offset.to_string(),
                    (_, None) => continue,
                };
                if checkpoint.as_ref().is_some_and(|c| *c != group) || owner.as_ref().is_some_and(|o| *o != item.owner) {
                    continue;
                }
                let latest = states.get(item.id.as_str());
                let on_call = crate::oncall::owner_on_call(&launch, &rota, point, &item.owner, now);
                rows.push((group, item, latest.copied(), on_call));
            }
            if let Some(wanted) = &checkpoint {
                if rows.is_empty() && owner.is_none() {
                    return Err(Error::Input(format!(
                        "checkpoint {wanted:?} is not in the plan; use entry, onboarding or an offset such as T-7d"
                    )));
                }
            }
            if json {
                let items: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|(group, item, latest, (on_call_at, on_call))| {
                        serde_json::json!({
                            "group": group,
                            "id": item.id,
                            "title": item.title.en,
                            "title_ru": item.title.ru,
                            "owner": item.owner,
                            "state": latest.map_or(ItemState::Open, |c| c.state).as_str(),
                            "who": latest.map(|c| c.who.clone()),
                            "at": latest.map(|c| c.at.to_string()),
                            "evidence": latest.map(|c| c.evidence.clone()),
                            "on_call": on_call,
                            "on_call_at": on_call_at,
                        })
                    })
                    .collect();
                return print_json(&serde_json::json!({ "items": items }));
            }
            for (group, item, latest, (on_call_at, on_call)) in rows {
                let state = latest.map_or(ItemState::Open, |c| c.state);
                println!("{group:<10} {:<8} {:<22} [{}] {}", state.as_str(), item.id, item.owner, item.title.en);
                let names = if on_call.is_empty() { "nobody".to_owned() } else { on_call.join(", ") };
                println!("{:<19} on call at {on_call_at}: {names}", "");
                if let Some(change) = latest {
                    println!("{:<19} by {} at {}: {}", "", change.who, change.at, change.evidence);
                }
            }
            Ok(())
        }
        ChecklistCommand::Set { item, state, who, evidence, at } => {
            let state: ItemState = state.parse()?;
            let at = instant(at.as_deref(), "--at")?;
            let change = ItemChange::new(plan, &item, state, &who, at, &evidence)?;
            store.record_change(settings.launch_id, &change).await?;
            if json {
                return print_json(&ChangeJson::new(&change));
            }
            println!("{} is now {} (by {} at {})", change.item_id, change.state, change.who, change.at);
            Ok(())
        }
        ChecklistCommand::History { item } => {
            if let Some(id) = &item {
                if plan.item(id).is_none() {
                    return Err(clubgate_core::Error::UnknownItem { item_id: id.clone(), plan_id: plan.id.clone() }.into());
                }
            }
            let history = store.history(settings.launch_id).await?;
            let changes: Vec<&ItemChange> = history.iter().filter(|c| item.as_ref().is_none_or(|id| *id == c.item_id)).collect();
            if json {
                let rows: Vec<ChangeJson> = changes.iter().map(|c| ChangeJson::new(c)).collect();
                return print_json(&serde_json::json!({ "changes": rows }));
            }
            for change in changes {
                println!("{}  {:<22} {:<8} {}: {}", change.at, change.item_id, change.state.as_str(), change.who, change.evidence);
            }
            Ok(())
        }
    }
}

async fn freeze(store: &Store, command: FreezeCommand, json: bool) -> Result<()> {
    let settings = store.require_settings().await?;
    let launch = settings.launch()?;
    let tz = time_zone(&settings.time_zone)?;
    match command {
        FreezeCommand::Status { at } => {
            let at = instant(at.as_deref(), "--at")?;
            let status = status_at(&launch.table, at);
            if json {
                return print_json(&FreezeStatusJson::new(at, &tz, &status));
            }
            let active: Vec<String> = status.active.iter().map(|k| format!("{k:?}").to_lowercase()).collect();
            println!(
                "at {}: {}; change window {}",
                rfc3339(&at.to_zoned_datetime(tz)),
                if active.is_empty() { "no freeze".to_owned() } else { format!("{} freeze active", active.join(" + ")) },
                if status.change_window_open { "open" } else { "closed" }
            );
            Ok(())
        }
        FreezeCommand::Check { who, what, when, rollback, area, key } => {
            let when = instant(Some(&when), "--when")?;
            let area = match (area, key) {
                (Area::Code, None) => ChangeArea::Code,
                (Area::Code, Some(key)) => return Err(Error::Input(format!("--key {key:?} applies to --area config only"))),
                (Area::Config, Some(key)) => ChangeArea::Config { key },
                (Area::Config, None) => return Err(Error::Input("--area config needs --key (per_tx_cap, fee_mode, …)".to_owned())),
            };
            let request = ChangeRequest::new(&who, &what, when, &rollback, area)?;
            let assessment = assess(&launch.plan, &launch.table, &request);
            if json {
                return print_json(&AssessmentJson::new(&assessment));
            }
            println!("{:?}: {}", assessment.verdict, assessment.reason);
            Ok(())
        }
    }
}
