//! `clubgate volume`: the business day's signed volume against the day's cap with the
//! headroom, per network the signed volume, the per-tx cap and the fee mode, and the launch
//! IC's freeze exceptions from the decision log (`clubgate_treasury::volume`).

use std::path::{Path, PathBuf};

use clap::Args;
use clubgate_core::events::WalletAsset;
use clubgate_core::treasury::network_id;
use clubgate_core::wallets::decimal;
use clubgate_treasury::flow::Policy;
use clubgate_treasury::volume::volume_view;
use jiff::Timestamp;

use crate::commands::{open_store, print_json, Error, Result};

#[derive(Args)]
pub(crate) struct VolumeArgs {
    /// The treasury file (default: the policy of the ledger this store follows).
    #[arg(long)]
    treasury: Option<PathBuf>,
    /// The view as of this RFC 3339 instant (default: now).
    #[arg(long)]
    at: Option<String>,
}

fn tokens(units: u128) -> String {
    // USDT and USDC share 6 decimals.
    decimal(WalletAsset::Usdt, units)
}

pub(crate) async fn run(args: &VolumeArgs, json: bool, db: Option<&Path>) -> Result<()> {
    let at = match &args.at {
        None => Timestamp::now(),
        Some(text) => text.parse::<Timestamp>().map_err(|_| {
            Error::Input(format!("--at {text:?} is not an RFC 3339 instant; write it as 2026-12-07T09:00:00Z or with an offset"))
        })?,
    };
    let store = open_store(db).await?;
    let treasury = crate::bundle::treasury_of(&store, args.treasury.as_deref()).await?;
    let launch = store.require_settings().await?.launch()?;
    let view = volume_view(&store, Policy { treasury: &treasury, launch: &launch }, at).await?;
    if json {
        return print_json(&view.to_json());
    }
    println!(
        "business day {} ({} {} %): signed {} of {} USDT/USDC, headroom {}",
        view.cap.day,
        view.cap.phase.0,
        view.cap.phase.1,
        tokens(view.signed_today),
        tokens(view.cap.cap),
        tokens(view.headroom)
    );
    if let Some((level, percent, why, cap)) = &view.cap.level {
        println!("  volume level {level} ({percent} %, cap {}): {why}", tokens(*cap));
    }
    for n in &view.networks {
        let fee = match (&n.fee_mode, n.fee_limit_sun) {
            (Some(mode), _) => format!("fee mode {mode}"),
            (None, Some(limit)) => format!("fee limit {limit} sun"),
            (None, None) => String::new(),
        };
        // The enforced figures first; an IC exception's beside them, not in force at the signature.
        let beside = |what: &str, value: String, decision: &str, who: &str| {
            format!(" ({what} {value} authorised by the IC, decision {decision} by {who}; not in force at the signature)")
        };
        let cap_exception =
            n.per_tx_cap_authorised.as_ref().map_or_else(String::new, |a| beside("per-tx cap", tokens(a.value), &a.decision, &a.who));
        let fee_exception =
            n.fee_mode_authorised.as_ref().map_or_else(String::new, |a| beside("fee mode", a.value.clone(), &a.decision, &a.who));
        println!(
            "  {}: signed {}, per-tx cap {}{cap_exception}, {fee}{fee_exception}",
            network_id(n.network),
            tokens(n.signed_today),
            tokens(n.per_tx_cap)
        );
    }
    for e in &view.exceptions {
        let state = match &e.not_applied {
            None => "authorised by the IC, not in force at the signature".to_owned(),
            Some(why) => format!("not applied: {why}"),
        };
        println!(
            "  exception {} {} {}: {} — {} at {} (decided {}): {}; {state}",
            e.area,
            e.network.map(network_id).unwrap_or("-"),
            e.value.as_deref().unwrap_or("-"),
            e.what,
            e.who,
            e.when,
            e.decided_at,
            e.why
        );
    }
    if !view.exceptions.is_empty() {
        println!("  (exceptions show here only: batching and signing keep the plan's per-tx caps and the treasury file's fee mode)");
    }
    Ok(())
}
