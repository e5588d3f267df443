//! `clubgate payout plan`: how a payout would be batched under the plan's per-tx cap, and the
//! phase volume headroom of the business day.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use clubgate_core::payout::{batch, cap_of, phase_headroom, AllowList, Destination, TokenAmount};
use clubgate_core::plan::{Network, Plan};
use jiff::Timestamp;
use serde_json::{json, Value};

use crate::commands::{name_plan_file, print_json, read_plan, Error, Result};

/// USDT and USDC have 6 decimals on both networks.
const TOKEN_DECIMALS: u8 = 6;

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum NetworkArg {
    Erc20,
    Trc20,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum TokenArg {
    #[value(name = "USDT")]
    Usdt,
    #[value(name = "USDC")]
    Usdc,
}

impl NetworkArg {
    pub(crate) fn network(self) -> clubgate_core::plan::Network {
        match self {
            Self::Erc20 => clubgate_core::plan::Network::Erc20,
            Self::Trc20 => clubgate_core::plan::Network::Trc20,
        }
    }
}

impl TokenArg {
    pub(crate) fn token(self) -> clubgate_core::treasury::Token {
        match self {
            Self::Usdt => clubgate_core::treasury::Token::Usdt,
            Self::Usdc => clubgate_core::treasury::Token::Usdc,
        }
    }
}

#[derive(Args)]
pub(crate) struct PlanArgs {
    /// erc20 or trc20.
    #[arg(long, value_enum)]
    network: NetworkArg,
    /// USDT or USDC.
    #[arg(long, value_enum)]
    token: TokenArg,
    /// Destination: EIP-55 (erc20) or base58check T… (trc20).
    #[arg(long)]
    to: String,
    /// Amount as decimal token text (1.5 = 1,500,000 base units).
    #[arg(long, allow_hyphen_values = true)]
    amount: String,
    /// The daily target volume (decimal token text), for the phase headroom.
    #[arg(long)]
    daily_target: Option<String>,
    /// Volume already signed this business day (decimal token text; default: what the local
    /// store's never-sign-twice registry has signed in the plan-zone business day).
    #[arg(long)]
    signed_today: Option<String>,
    /// T0 of the launch (default: the launch in the local store, when a daily target is given).
    #[arg(long)]
    t0: Option<String>,
    /// The instant of signing (RFC 3339; default: now).
    #[arg(long)]
    at: Option<String>,
    /// A file of allowed destinations, one address per line (# comments).
    #[arg(long)]
    allow_list: Option<PathBuf>,
    /// A treasury file: its daily target and allow-list, unless given by the flags above.
    #[arg(long)]
    treasury: Option<PathBuf>,
    /// A plan file (default: the embedded launch-plan-v1).
    #[arg(long)]
    plan: Option<PathBuf>,
}

/// A base-unit amount as a JSON integer (amounts in JSON are integers, never floats).
fn integer(units: u128) -> Result<Value> {
    u64::try_from(units).map(Value::from).map_err(|_| Error::Input(format!("{units} base units do not fit a JSON integer")))
}

fn input(error: clubgate_core::payout::PayoutError) -> Error {
    Error::Input(error.to_string())
}

pub(crate) async fn run_plan(args: &PlanArgs, json_out: bool, db: Option<&std::path::Path>) -> Result<()> {
    let network = match args.network {
        NetworkArg::Erc20 => Network::Erc20,
        NetworkArg::Trc20 => Network::Trc20,
    };
    let (source, text) = read_plan(args.plan.as_deref())?;
    let plan = Plan::from_toml(&text).map_err(|error| name_plan_file(&source, error))?;
    let destination = Destination::parse(network, &args.to).map_err(input)?;
    let amount = TokenAmount::parse_decimal(&args.amount, TOKEN_DECIMALS).map_err(input)?;
    let cap = cap_of(&plan, network).map_err(input)?;
    let chunks = batch(amount, cap).map_err(input)?;
    let treasury = args.treasury.as_deref().map(crate::bundle::read_treasury).transpose()?;
    let allow_listed = match (&args.allow_list, &treasury) {
        (None, None) => Value::Null,
        (None, Some(treasury)) => Value::Bool(treasury.allow_list.check(destination).is_ok()),
        (Some(path), _) => {
            let listed = std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.display().to_string(), source })?;
            let mut entries = Vec::new();
            for (number, line) in listed.lines().enumerate() {
                let line = line.split('#').next().unwrap_or("").trim();
                if line.is_empty() {
                    continue;
                }
                let parsed = Destination::parse(if line.starts_with("0x") { Network::Erc20 } else { Network::Trc20 }, line)
                    .map_err(|e| Error::Input(format!("{}: line {}: {e}", path.display(), number + 1)))?;
                entries.push(parsed);
            }
            Value::Bool(AllowList::new(entries).check(destination).is_ok())
        }
    };
    let target = match (&args.daily_target, &treasury) {
        (Some(text), _) => {
            Some(TokenAmount::parse_decimal(text, TOKEN_DECIMALS).map_err(|e| Error::Input(format!("--daily-target: {e}")))?.base_units())
        }
        (None, Some(treasury)) => Some(treasury.daily_target.base_units()),
        (None, None) => None,
    };
    let headroom = match target {
        None => Value::Null,
        Some(target) => {
            let at: Timestamp = match &args.at {
                Some(text) => text.parse().map_err(|_| Error::Input(format!("--at {text:?} is not an RFC 3339 instant")))?,
                None => Timestamp::now(),
            };
            let store = crate::commands::open_store(db).await?;
            let launch = crate::commands::launch_of(&store, plan.clone(), args.t0.as_deref()).await?;
            let signed = match &args.signed_today {
                Some(text) => TokenAmount::parse_decimal(text, TOKEN_DECIMALS).map(TokenAmount::base_units).or_else(|e| {
                    if text.trim() == "0" {
                        Ok(0)
                    } else {
                        Err(Error::Input(format!("--signed-today: {e}")))
                    }
                })?,
                None => {
                    let (_, start, end) = clubgate_treasury::flow::business_day(&launch, at)?;
                    store.signed_volume(start, end).await?
                }
            };
            let (phase, percent, cap_volume, left) = phase_headroom(&plan, &launch.table, at, target, signed).map_err(input)?;
            json!({ "phase": phase, "percent": percent, "cap": integer(cap_volume)?, "signed": integer(signed)?, "left": integer(left)?, "fits": amount.base_units() <= left })
        }
    };
    if json_out {
        return print_json(&json!({
            "network": if network == Network::Erc20 { "erc20" } else { "trc20" },
            "to": destination.to_string(),
            "amount": integer(amount.base_units())?,
            "chunks": chunks.iter().enumerate().map(|(index, c)| Ok(json!({ "index": index, "amount": integer(c.base_units())? }))).collect::<Result<Vec<_>>>()?,
            "cap": integer(cap.cap_base_units())?,
            "phase_headroom": headroom,
            "allow_listed": allow_listed,
        }));
    }
    println!(
        "{} {} to {}: {} chunk(s) under the {} cap",
        amount.to_decimal(TOKEN_DECIMALS),
        if matches!(args.token, TokenArg::Usdt) { "USDT" } else { "USDC" },
        destination,
        chunks.len(),
        TokenAmount::from_base_units(cap.cap_base_units()).map_or("0".to_owned(), |c| c.to_decimal(TOKEN_DECIMALS))
    );
    for (index, chunk) in chunks.iter().enumerate() {
        println!("  #{index}: {}", chunk.to_decimal(TOKEN_DECIMALS));
    }
    Ok(())
}
