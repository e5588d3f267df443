//! `clubgate ledger login|status` and `clubgate sync`: the desk as a client of the backend
//! ledger (issue 10). The bearer token lives in the OS keychain, one entry per ledger URL —
//! never in the store, a file, an argument or a log; `$CLUBGATE_LEDGER_TOKEN` stands in
//! where no keychain runs (automation).

use std::time::Duration;

use clap::{Args, Subcommand};
use clubgate_store::Store;
use clubgate_sync::{Client, Pulled, Pushed};
use serde_json::json;
use zeroize::Zeroizing;

use crate::commands::{print_json, Error, Result};

#[derive(Subcommand)]
pub(crate) enum LedgerCommand {
    /// Keep a ledger's bearer token (read from standard input) in the OS keychain, after
    /// checking that the ledger accepts it.
    Login {
        /// The ledger's base URL, e.g. http://127.0.0.1:8080.
        #[arg(long)]
        url: String,
    },
    /// The ledger this store follows: cursor and outbox.
    Status,
}

/// `clubgate sync`.
#[derive(Args)]
pub(crate) struct SyncArgs {
    /// The ledger's base URL (default: the one the store follows).
    #[arg(long)]
    url: Option<String>,
    /// Push and pull once, print the summary and exit (default: keep syncing until Ctrl-C,
    /// backing off while the ledger is unreachable).
    #[arg(long)]
    once: bool,
}

fn normalise(url: &str) -> String {
    url.trim().trim_end_matches('/').to_owned()
}

fn token(url: &str) -> Result<Zeroizing<String>> {
    clubgate_sync::keychain::load_token(url).map_err(|e| Error::Input(e.to_string()))
}

fn sync_error(error: clubgate_sync::Error) -> Error {
    match error {
        clubgate_sync::Error::Store(error) => Error::Store(error),
        other => Error::Sync(other),
    }
}

/// `clubgate ledger login --url URL`.
pub(crate) async fn run_login(url: &str, json_out: bool) -> Result<()> {
    let url = normalise(url);
    let secret = crate::secret::read_secret(&format!("bearer token for the ledger {url}: "))?;
    let token = Zeroizing::new(secret.trim().to_owned());
    let client = Client::new(&url, token.clone()).map_err(sync_error)?;
    client.check_token().await.map_err(sync_error)?;
    clubgate_sync::keychain::store_token(&url, &token).map_err(|e| Error::Input(e.to_string()))?;
    if json_out {
        return print_json(&json!({"url": url, "stored": true}));
    }
    println!("the token for the ledger {url} is in the OS keychain");
    Ok(())
}

/// `clubgate ledger status`.
pub(crate) async fn run_status(store: &Store, json_out: bool) -> Result<()> {
    let cursor = store.ledger_cursor().await?;
    let counts = store.outbox_counts().await?;
    if json_out {
        return print_json(&json!({
            "url": cursor.as_ref().map(|c| c.url.clone()),
            "cursor": cursor.as_ref().map_or(0, |c| c.seq),
            "outbox": {"pending": counts.pending, "acked": counts.acked, "refused": counts.refused},
        }));
    }
    match cursor {
        Some(cursor) => println!("following {} at seq {}", cursor.url, cursor.seq),
        None => println!("not following a ledger; run `clubgate sync --url URL`"),
    }
    println!("outbox: {} waiting, {} acknowledged, {} refused", counts.pending, counts.acked, counts.refused);
    Ok(())
}

fn summary(pushed: &Pushed, pulled: &Pulled, store_counts: clubgate_store::OutboxCounts) -> serde_json::Value {
    json!({
        "pushed": {"acked": pushed.acked, "pending": pushed.pending, "refused": pushed.refused.iter().map(|r| json!({
            "id": r.id, "kind": r.kind, "status": r.status, "code": r.code, "message": r.message,
        })).collect::<Vec<_>>()},
        "pulled": {"records": pulled.records, "events": pulled.events, "bundles": pulled.bundles, "skipped": pulled.skipped},
        "cursor": pulled.cursor,
        "head": pulled.head,
        "outbox": {"pending": store_counts.pending, "acked": store_counts.acked, "refused": store_counts.refused},
    })
}

/// One round: the outbox first (so the desk's own commands come back in the same pull), then
/// the log.
async fn round(store: &Store, client: &Client) -> std::result::Result<(Pushed, Pulled), clubgate_sync::Error> {
    let pushed = clubgate_sync::push(store, client).await?;
    let pulled = clubgate_sync::pull(store, client).await?;
    Ok((pushed, pulled))
}

/// `clubgate sync [--url URL] [--once]`.
pub(crate) async fn run_sync(store: &Store, args: &SyncArgs, json_out: bool) -> Result<()> {
    let url = match (&args.url, store.ledger_cursor().await?) {
        (Some(url), _) => normalise(url),
        (None, Some(cursor)) => cursor.url,
        (None, None) => return Err(Error::Input("this store follows no ledger yet; give --url URL".to_owned())),
    };
    let client = Client::new(&url, token(&url)?).map_err(sync_error)?;
    if args.once {
        let (pushed, pulled) = round(store, &client).await.map_err(sync_error)?;
        let document = summary(&pushed, &pulled, store.outbox_counts().await?);
        if json_out {
            return print_json(&document);
        }
        println!(
            "sent {} (refused {}, waiting {}), pulled {} records ({} events); at seq {} of {}",
            pushed.acked,
            pushed.refused.len(),
            pushed.pending,
            pulled.records,
            pulled.events,
            pulled.cursor,
            pulled.head
        );
        for refusal in &pushed.refused {
            println!("  refused {} {}: {} {}", refusal.kind, refusal.id, refusal.code, refusal.message);
        }
        for skipped in &pulled.skipped {
            println!("  not taken: {skipped}");
        }
        return Ok(());
    }
    // Continuous: a round every 2 s; while the ledger is unreachable, 1 s doubling to 30 s.
    let mut backoff = Duration::from_secs(1);
    let mut offline_since: Option<jiff::Timestamp> = None;
    loop {
        match round(store, &client).await {
            Ok((pushed, pulled)) => {
                if let Some(since) = offline_since.take() {
                    eprintln!("back online (offline since {since})");
                }
                if pushed.acked > 0 || !pushed.refused.is_empty() || pulled.records > 0 {
                    println!("{}", summary(&pushed, &pulled, store.outbox_counts().await?));
                }
                backoff = Duration::from_secs(1);
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(clubgate_sync::Error::Unreachable { reason, .. }) => {
                let since = *offline_since.get_or_insert_with(jiff::Timestamp::now);
                let waiting = store.outbox_counts().await?.pending;
                eprintln!("offline since {since}, {waiting} actions waiting ({reason}); retrying in {backoff:?}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
            Err(other) => return Err(sync_error(other)),
        }
    }
}
