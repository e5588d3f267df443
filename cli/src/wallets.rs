//! `clubgate wallets`: each hot and canary wallet of the treasury file, its latest balances
//! per asset from the `wallet.balance` events, its thresholds, and the top-ups that restore
//! the ones it is below (PRODUCT.md "Treasury and EOD" → Wallets; docs/wallets.md).

use std::path::PathBuf;

use clap::Args;
use clubgate_core::treasury::{network_id, WalletKind};
use clubgate_core::wallets::{decimal, status_of, unknown_readings, Origin, WalletStatus};
use jiff::Timestamp;
use serde_json::{json, Value};

use crate::commands::{print_json, Error, Result};

#[derive(Args)]
pub(crate) struct WalletsArgs {
    /// The events (JSON Lines) with the `wallet.balance` readings.
    #[arg(long, required_unless_present = "chain")]
    events: Option<PathBuf>,
    /// Also read every wallet's balances from the networks' nodes the treasury file names
    /// (`[erc20] rpc_url`, `[trc20] node_url`); the latest reading of each asset counts.
    #[arg(long)]
    chain: bool,
    /// The treasury file: the wallets and their thresholds.
    #[arg(long)]
    treasury: PathBuf,
    /// The balances as of this RFC 3339 instant (default: every reading in the file).
    #[arg(long)]
    at: Option<String>,
}

fn kind_name(kind: WalletKind) -> &'static str {
    match kind {
        WalletKind::Hot => "hot",
        WalletKind::Canary => "canary",
    }
}

/// A base-unit amount in JSON: a string of digits (wei exceed the 2^53 a JSON reader keeps
/// exact), or null for no reading.
fn units(value: Option<u128>) -> Value {
    value.map_or(Value::Null, |v| Value::String(v.to_string()))
}

fn wallet_json(wallet: &WalletStatus) -> Value {
    let assets: Vec<Value> = wallet
        .assets
        .iter()
        .map(|a| {
            let source = match &a.read {
                Some((Origin::Event { seq }, _)) => json!({ "event": seq }),
                Some((Origin::Chain { node }, _)) => json!({ "chain": node }),
                None => Value::Null,
            };
            json!({ "asset": a.asset.name(), "balance": units(a.balance), "threshold": units(a.threshold), "state": a.state(), "source": source })
        })
        .collect();
    let below: Vec<Value> = wallet
        .below
        .iter()
        .map(|s| {
            json!({
                "asset": s.asset.name(),
                "balance": s.balance.to_string(),
                "threshold": s.threshold.to_string(),
                "top_up": s.top_up.to_string(),
            })
        })
        .collect();
    json!({
        "wallet": wallet.wallet,
        "kind": kind_name(wallet.kind),
        "network": network_id(wallet.network),
        "assets": assets,
        "below": below,
        "no_data": wallet.no_data.iter().map(|a| a.name()).collect::<Vec<_>>(),
    })
}

pub(crate) async fn run(args: &WalletsArgs, json: bool) -> Result<()> {
    let at = match &args.at {
        None => Timestamp::MAX,
        Some(text) => text.parse::<Timestamp>().map_err(|_| {
            Error::Input(format!("--at {text:?} is not an RFC 3339 instant; write it as 2026-12-07T09:00:00Z or with an offset"))
        })?,
    };
    let treasury = crate::bundle::read_treasury(&args.treasury)?;
    let ledger = match &args.events {
        Some(path) => crate::metrics::read_events(path)?,
        None => clubgate_core::ledger::Ledger::default(),
    };
    let mut readings = ledger.wallet_balances.clone();
    let mut notes = Vec::new();
    if args.chain {
        let read = clubgate_treasury::wallets::read_from_chain(&treasury, Timestamp::now()).await;
        readings.extend(read.readings);
        notes = read.notes;
    }
    let wallets = status_of(&treasury, &readings, at);
    let unknown = unknown_readings(&treasury, &ledger, at);
    if json {
        let unknown: Vec<Value> =
            unknown.iter().map(|(seq, wallet, network)| json!({ "seq": seq, "wallet": wallet, "network": network_id(*network) })).collect();
        let at = args.at.as_ref().map(|_| Value::String(at.to_string()));
        return print_json(&json!({
            "at": at.unwrap_or(Value::Null),
            "wallets": wallets.iter().map(wallet_json).collect::<Vec<_>>(),
            "below": wallets.iter().filter(|w| !w.below.is_empty()).count(),
            "no_data": wallets.iter().filter(|w| !w.no_data.is_empty()).count(),
            "unknown_readings": unknown,
            "chain": notes,
        }));
    }
    match &args.at {
        Some(_) => println!("Wallet balances at {at}"),
        None => println!("Wallet balances (the latest reading of each asset)"),
    }
    for note in &notes {
        println!("chain: {note}");
    }
    for wallet in &wallets {
        let verdict = match (wallet.below.is_empty(), wallet.no_data.is_empty()) {
            (false, _) => "BELOW THRESHOLD",
            (true, false) => "no data",
            (true, true) => "ok",
        };
        println!("{} ({} {}): {verdict}", wallet.wallet, kind_name(wallet.kind), network_id(wallet.network));
        for asset in &wallet.assets {
            let balance = asset.balance.map_or_else(
                || "no data".to_owned(),
                |b| format!("{} {} ({b} {})", decimal(asset.asset, b), asset.asset.name(), asset.asset.base_unit()),
            );
            let threshold = asset
                .threshold
                .map_or_else(|| "no threshold".to_owned(), |t| format!("threshold {} {}", decimal(asset.asset, t), asset.asset.name()));
            println!("  {:<6} {balance}  {threshold}  {}", asset.asset.name(), asset.state());
        }
        for shortfall in &wallet.below {
            println!(
                "  ALERT {} below threshold: top up {} {} ({} {})",
                shortfall.asset.name(),
                decimal(shortfall.asset, shortfall.top_up),
                shortfall.asset.name(),
                shortfall.top_up,
                shortfall.asset.base_unit()
            );
        }
        for asset in &wallet.no_data {
            println!("  NO DATA {}: no wallet.balance reading; neither below nor fine", asset.name());
        }
    }
    for (seq, wallet, network) in &unknown {
        println!("note: seq {seq} reads wallet {wallet:?} on {}, not a wallet of the treasury file", network_id(*network));
    }
    Ok(())
}
