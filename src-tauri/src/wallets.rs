//! The Wallets page (issue 12): each hot and canary wallet of the policy against its
//! thresholds — balances from the ledger's `wallet.balance` events and from the chain (the
//! last refresh of this desk), the latest reading of each asset winning — with the top-up
//! that restores every threshold a wallet is below. The rules are `clubgate_core::wallets`,
//! the same code as `clubgate wallets`.

use clubgate_core::ledger::instant;
use clubgate_core::treasury::{network_id, Treasury, WalletKind};
use clubgate_core::wallets::{decimal, status_of, unknown_readings, BalanceReading, Origin, WalletStatus};
use clubgate_ipc::wallets::{AssetView, TopUpView, WalletBalancesView, WalletsView};
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::error::Result;
use crate::service::Service;

/// What the last chain refresh read: the balances and, per network, what the node said.
#[derive(Debug, Default)]
pub(crate) struct ChainReadings {
    pub(crate) readings: Vec<BalanceReading>,
    pub(crate) notes: Vec<String>,
}

fn local(nanos: i64, tz: &TimeZone) -> String {
    instant(nanos).to_zoned_datetime(tz.clone()).strftime("%d %b %H:%M:%S %Z").to_string()
}

fn source(read: &(Origin, i64), tz: &TimeZone) -> String {
    match &read.0 {
        Origin::Event { seq } => format!("ledger seq {seq}, {}", local(read.1, tz)),
        Origin::Chain { node } => format!("chain {node}, {}", local(read.1, tz)),
    }
}

fn wallet_view(treasury: &Treasury, status: &WalletStatus, tz: &TimeZone) -> WalletBalancesView {
    let wallet = treasury.wallets.iter().find(|w| w.id == status.wallet);
    let assets = status
        .assets
        .iter()
        .map(|a| AssetView {
            asset: a.asset.name().to_owned(),
            balance: a.balance.map(|b| decimal(a.asset, b)),
            balance_units: a.balance.map(|b| b.to_string()),
            threshold: a.threshold.map(|t| decimal(a.asset, t)),
            state: a.state().to_owned(),
            source: a.read.as_ref().map(|read| source(read, tz)),
        })
        .collect();
    let alerts = status
        .below
        .iter()
        .map(|s| TopUpView {
            asset: s.asset.name().to_owned(),
            top_up: decimal(s.asset, s.top_up),
            top_up_units: s.top_up.to_string(),
            text: format!(
                "{} {} is below its threshold: {} < {} — top up {} {}",
                status.wallet,
                s.asset.name(),
                decimal(s.asset, s.balance),
                decimal(s.asset, s.threshold),
                decimal(s.asset, s.top_up),
                s.asset.name()
            ),
        })
        .collect();
    let verdict = match (status.below.is_empty(), status.no_data.is_empty()) {
        (false, _) => "below",
        (true, false) => "no data",
        (true, true) => "ok",
    };
    WalletBalancesView {
        id: status.wallet.clone(),
        kind: match status.kind {
            WalletKind::Hot => "hot",
            WalletKind::Canary => "canary",
        }
        .to_owned(),
        network: network_id(status.network).to_owned(),
        address: wallet.map(|w| w.address.to_string()).unwrap_or_default(),
        check_address: wallet.and_then(|w| w.check_address.as_ref()).map(ToString::to_string),
        verdict: verdict.to_owned(),
        assets,
        alerts,
    }
}

impl Service {
    /// Every wallet of the policy against its thresholds, from the events taken so far and
    /// the last chain refresh.
    pub async fn wallets_view(&self) -> Result<WalletsView> {
        let treasury = match self.treasury().await {
            Ok(treasury) => treasury,
            Err(error) => {
                return Ok(WalletsView {
                    error: Some(error.to_string()),
                    wallets: Vec::new(),
                    below: 0,
                    chain: Vec::new(),
                    unknown: Vec::new(),
                })
            }
        };
        let tz = self.launch().await?.t0.zoned().time_zone().clone();
        let chain = self.chain_readings.lock().await;
        let (wallets, unknown) = self
            .live
            .read(|ledger, _| {
                let mut readings = ledger.wallet_balances.clone();
                readings.extend(chain.readings.iter().cloned());
                (status_of(&treasury, &readings, Timestamp::MAX), unknown_readings(&treasury, ledger, Timestamp::MAX))
            })
            .await;
        Ok(WalletsView {
            error: None,
            below: wallets.iter().filter(|w| !w.below.is_empty()).count(),
            wallets: wallets.iter().map(|w| wallet_view(&treasury, w, &tz)).collect(),
            chain: chain.notes.clone(),
            unknown: unknown
                .iter()
                .map(|(seq, wallet, network)| {
                    format!("seq {seq} reads wallet {wallet:?} on {}, not a wallet of the policy", network_id(*network))
                })
                .collect(),
        })
    }
}

impl Service {
    /// Reads every wallet's balances from the networks' nodes (the policy's node URLs), keeps
    /// them as this desk's chain readings, and answers the page.
    pub async fn refresh_wallets(&self) -> Result<WalletsView> {
        let treasury = self.treasury().await?;
        let read = clubgate_treasury::wallets::read_from_chain(&treasury, Timestamp::now()).await;
        *self.chain_readings.lock().await = ChainReadings { readings: read.readings, notes: read.notes };
        self.wallets_view().await
    }
}
