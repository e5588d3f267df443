//! The backend ledger service of ClubGate Desk: one ordered, hash-chained, idempotent log
//! of platform events and desk commands over HTTP — PRODUCT.md "Ledger protocol v1".
//!
//! `main.rs` calls [`run`]. The pieces: [`chain`] (the hash chain), [`storage`] (one small
//! trait and its back ends, SQLite and PostgreSQL), [`auth`] (bearer tokens by role), [`service`] (what the
//! endpoints do, validated by the core's parser and ledger rules), [`http`] (axum), and
//! [`simulate`] (a client that feeds a running ledger the core simulator's traffic).
//! Logs go to standard error; standard output carries only what the protocol prints.

pub mod auth;
/// The hash chain lives in the core, shared with the desktop's sync, which verifies it.
pub use clubgate_core::chain;
pub mod crashpoint;
mod error;
pub mod http;
pub mod limit;
pub mod registry;
pub mod service;
pub mod simulate;
pub mod storage;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

pub use error::{Error, Result};

use crate::auth::Role;
use crate::chain::{record_hash, GENESIS};
#[cfg(not(ledger_prepare = "sqlite"))]
use crate::storage::postgres::PostgresStorage;
#[cfg(not(ledger_prepare = "postgres"))]
use crate::storage::sqlite::SqliteStorage;
use crate::storage::{Storage, MAX_PAGE};

/// The ledger service.
#[derive(Debug, Parser)]
#[command(name = "clubgate-ledger", version, about = "The ClubGate ledger service: an ordered, hash-chained, idempotent log over HTTP.")]
struct Cli {
    /// The database: sqlite://PATH or postgres://USER@HOST:PORT/DB (several servers may
    /// share one PostgreSQL database). Required; accepted before or after the command.
    #[arg(long, value_name = "URL", global = true)]
    db: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serves the protocol; prints `listening on http://HOST:PORT` once it accepts connections.
    Serve {
        /// The address to listen on (port 0: any free port).
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// The interval of keep-alive comments on event streams, in milliseconds (10 to 3,600,000).
        #[arg(long, value_name = "MS", default_value_t = 15_000, value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
        keep_alive_ms: u64,
        /// Requests a second each token may send (and as a burst); over it, 429
        /// rate_limited with Retry-After. 0 turns the limit off. Per server process.
        #[arg(long, value_name = "N", default_value_t = 2_000)]
        rate_limit: u32,
    },
    /// The policy: the treasury file (approver registry, quorum, wallets, allow-list,
    /// limits) that approvals are checked against and desktops take from GET /v1/policy.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Issues or revokes bearer tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Walks the hash chain; names the first broken seq and exits 1 when there is one.
    Verify,
    /// Posts the core simulator's scenario events to a running ledger's POST /v1/events in
    /// accelerated real time (no --db): in order, in batches of due events, without seq;
    /// idempotent by id (a second run with the same arguments appends nothing). Progress on
    /// standard error; at the end one line on standard output:
    /// `appended N, duplicates M, head H (E events of SCENARIO, seed S, B batches)`.
    Simulate {
        /// The ledger's base URL, e.g. http://127.0.0.1:8080.
        #[arg(long, value_name = "URL")]
        to: String,
        /// A platform-role bearer token (`token issue --role platform`).
        #[arg(long, value_name = "TOKEN")]
        token: String,
        /// pilot-day, rpc-degradation-trc20, webhook-outage, eod-stuck, sev1, recovering.
        #[arg(long, value_name = "NAME")]
        scenario: String,
        /// Simulated seconds per real second: 1 is real time, 3600 plays an hour a second.
        #[arg(long, value_name = "X")]
        speed: f64,
        /// T0 as a plan-zone wall clock (2026-12-07T10:00) or an RFC 3339 instant; the
        /// traffic starts there. Default: now (give it to make a rerun idempotent).
        #[arg(long, value_name = "T")]
        t0: Option<String>,
        /// Seed: the same seed and T0 give the same events.
        #[arg(long, value_name = "N", default_value_t = 1)]
        seed: u64,
        /// Hours of traffic from T0 (1–168).
        #[arg(long, value_name = "H", default_value_t = 24)]
        hours: u32,
        /// The plan zone cut-offs are read in (default: the default plan's, Europe/Warsaw).
        #[arg(long, value_name = "ZONE")]
        tz: Option<String>,
        /// The most event lines one request carries (1–1000).
        #[arg(long, value_name = "LINES", default_value_t = simulate::MAX_BATCH)]
        batch: usize,
    },
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Puts the first policy in force from a treasury file (TOML, docs/treasury-format.md),
    /// on the server machine; refused once the ledger has one (later ones are proposed with
    /// POST /v1/policy and take effect on a quorum of approvals). Prints
    /// `policy version 1 hash 0x… in force at seq N`.
    Init {
        /// The treasury file.
        file: PathBuf,
    },
    /// Prints the policy in force (the JSON of GET /v1/policy).
    Show,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Issues a new token and prints it (only the token) on standard output.
    Issue {
        /// Whose token it is (one live token per name).
        #[arg(long)]
        name: String,
        /// Its role: platform, launch_ic, treasury_lead, approver or viewer.
        #[arg(long)]
        role: String,
    },
    /// Revokes the live token of a name, from its next request on.
    Revoke {
        /// Whose token.
        #[arg(long)]
        name: String,
    },
}

/// The storage a `--db` URL names.
#[derive(Debug)]
#[cfg_attr(any(ledger_prepare = "sqlite", ledger_prepare = "postgres"), allow(dead_code))]
enum Db {
    Sqlite(PathBuf),
    Postgres(String),
}

fn parse_db(url: &str) -> Result<Db> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(Error::Usage { message: format!("--db {url:?} names no file; write sqlite://PATH") });
        }
        return Ok(Db::Sqlite(PathBuf::from(path)));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Db::Postgres(url.to_owned()));
    }
    // The URL may carry a password: it is not echoed.
    Err(Error::Usage { message: "--db is neither sqlite://PATH nor postgres://USER@HOST:PORT/DB".to_owned() })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A break in the chain: the first seq whose stored record does not verify, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The first broken seq.
    pub seq: u64,
    /// What does not match.
    pub reason: String,
}

/// Walks the whole chain from seq 1: seqs gapless, each `prev` the previous hash, each
/// hash recomputed. Returns the number of records, or the first break.
pub async fn verify<S: Storage>(storage: &S) -> Result<Result<u64, Break>> {
    let (mut seq, mut prev) = (0u64, GENESIS);
    loop {
        let page = match storage.read(seq, MAX_PAGE).await {
            Ok(page) => page,
            Err(Error::Damaged { seq, reason }) => return Ok(Err(Break { seq, reason })),
            Err(other) => return Err(other),
        };
        if page.is_empty() {
            return Ok(Ok(seq));
        }
        for record in page {
            let expected_seq = seq + 1;
            if record.seq != expected_seq {
                return Ok(Err(Break { seq: expected_seq, reason: format!("seq {expected_seq} is missing (next is {})", record.seq) }));
            }
            if record.prev != prev {
                return Ok(Err(Break { seq: record.seq, reason: "its prev is not the previous record's hash".to_owned() }));
            }
            let hash = record_hash(&prev, record.seq, &record.kind, &record.body);
            if hash != record.hash {
                return Ok(Err(Break {
                    seq: record.seq,
                    reason: format!("its stored hash {} is not the hash of its content {}", hex::encode(record.hash), hex::encode(hash)),
                }));
            }
            (seq, prev) = (record.seq, hash);
        }
    }
}

async fn serve<S: Storage>(storage: S, listen: SocketAddr, config: http::HttpConfig, rate_limit: u32) -> Result<()> {
    let service = Arc::new(service::Service::new(storage, rate_limit).await?);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| Error::Io { context: format!("cannot listen on {listen}"), source })?;
    let local = listener.local_addr().map_err(|source| Error::Io { context: "cannot read the listening address".to_owned(), source })?;
    // The socket listens (the kernel queues connections) before this line is printed.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://{local}")
        .and_then(|()| stdout.flush())
        .map_err(|source| Error::Io { context: "cannot write to standard output".to_owned(), source })?;
    drop(stdout);
    tracing::info!(%local, "serving");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, http::router(service, config)).with_graceful_shutdown(async {
        let _ = stop_rx.await;
    });
    let server = tokio::spawn(async move { server.await });
    shutdown_signal().await;
    tracing::info!("stopping: no new connections; open requests get {SHUTDOWN_GRACE:?}");
    let _ = stop_tx.send(());
    // Event streams never end on their own: after the grace period the process exits
    // with them open (every answered append is already committed).
    match tokio::time::timeout(SHUTDOWN_GRACE, server).await {
        Ok(Ok(result)) => result.map_err(|source| Error::Io { context: "the server stopped".to_owned(), source }),
        Ok(Err(join)) => Err(Error::Io { context: "the server task failed".to_owned(), source: std::io::Error::other(join.to_string()) }),
        Err(_) => Ok(()),
    }
}

/// How long open requests get once a stop is asked for.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Ctrl-C or (on Unix) SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(error) => {
                tracing::warn!(%error, "cannot watch SIGTERM; only Ctrl-C stops the server");
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn execute(cli: Cli) -> Result<ExitCode> {
    if let Command::Simulate { to, token, scenario, speed, t0, seed, hours, tz, batch } = cli.command {
        let feed = simulate::Feed { to, token, scenario, speed, t0, seed, hours, tz, batch };
        let summary = simulate::run(&feed).await?;
        println!(
            "appended {}, duplicates {}, head {} ({} events of {}, seed {}, {} batches)",
            summary.appended, summary.duplicates, summary.head, summary.events, feed.scenario, feed.seed, summary.batches
        );
        return Ok(ExitCode::SUCCESS);
    }
    let Some(db) = cli.db else {
        return Err(Error::Usage { message: "--db URL is required (sqlite://PATH or postgres://USER@HOST:PORT/DB)".to_owned() });
    };
    match parse_db(&db)? {
        #[cfg(not(ledger_prepare = "postgres"))]
        Db::Sqlite(path) => execute_on(SqliteStorage::open(path).await?, cli.command).await,
        #[cfg(not(ledger_prepare = "sqlite"))]
        Db::Postgres(url) => execute_on(PostgresStorage::open(&url).await?, cli.command).await,
        #[allow(unreachable_patterns)]
        _ => Err(Error::Usage { message: "this build has one back end only (sqlx prepare)".to_owned() }),
    }
}

async fn execute_on<S: Storage>(storage: S, command: Command) -> Result<ExitCode> {
    match command {
        Command::Serve { listen, keep_alive_ms, rate_limit } => {
            let config = http::HttpConfig { keep_alive: std::time::Duration::from_millis(keep_alive_ms) };
            serve(storage, listen, config, rate_limit).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Policy { command: PolicyCommand::Init { file } } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Error::Usage { message: format!("cannot read the treasury file {}: {e}", file.display()) })?;
            let service = service::Service::new(storage, 0).await?;
            let id = clubgate_core::events::format_uuid(auth::random_uuid()?);
            let outcome = service.propose_policy(&id, &text, "policy init", true).await.map_err(|error| match error {
                Error::Unprocessable { message, .. } | Error::Conflict { message, .. } => {
                    Error::Usage { message: format!("{}: {message}", file.display()) }
                }
                other => other,
            })?;
            let policy = service.policy().await?.unwrap_or_default();
            println!("policy version {} hash {} in force at seq {}", policy["version"], policy["hash"].as_str().unwrap_or(""), outcome.seq);
            Ok(ExitCode::SUCCESS)
        }
        Command::Policy { command: PolicyCommand::Show } => {
            let service = service::Service::new(storage, 0).await?;
            match service.policy().await? {
                Some(policy) => {
                    println!("{}", serde_json::to_string_pretty(&policy).unwrap_or_default());
                    Ok(ExitCode::SUCCESS)
                }
                None => Err(Error::Usage { message: "the ledger has no policy yet; run policy init FILE".to_owned() }),
            }
        }
        Command::Token { command: TokenCommand::Issue { name, role } } => {
            let role = Role::parse(&role).map_err(|message| Error::Usage { message })?;
            let name = name.trim();
            if name.is_empty() {
                return Err(Error::Usage { message: "--name is empty; name whose token it is".to_owned() });
            }
            let token = auth::new_token()?;
            storage.issue_token(name, role, &auth::token_sha256(&token), now_ms()).await?;
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Token { command: TokenCommand::Revoke { name } } => {
            if storage.revoke_token(&name, now_ms()).await? {
                eprintln!("revoked the token of {name:?}");
                Ok(ExitCode::SUCCESS)
            } else {
                Err(Error::Usage { message: format!("name {name:?} has no live token") })
            }
        }
        Command::Verify => match verify(&storage).await? {
            Ok(count) => {
                println!("chain ok: {count} records");
                Ok(ExitCode::SUCCESS)
            }
            Err(broken) => {
                println!("chain broken at seq {}: {}", broken.seq, broken.reason);
                Ok(ExitCode::from(1))
            }
        },
        // Run by `execute` before any database is opened.
        Command::Simulate { .. } => Err(Error::Usage { message: "simulate is a client of a running ledger; it opens no --db".to_owned() }),
    }
}

/// The entry point: parses the command line, runs it, and maps errors to exit codes
/// (2 for bad input, 1 for failures).
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(false).with_target(false).init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("clubgate-ledger: cannot start the runtime: {error}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(execute(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("clubgate-ledger: {error}");
            ExitCode::from(if matches!(error, Error::Usage { .. }) { 2 } else { 1 })
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
