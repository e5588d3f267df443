//! Wallet balances against their thresholds (PRODUCT.md "Treasury and EOD" → Wallets): each
//! hot and canary wallet of the treasury file, its latest `wallet.balance` per asset at an
//! instant, and the assets below their threshold with the top-up that restores it exactly.
//! An asset with a threshold and no balance reading is *no data*: neither below nor fine.

use jiff::Timestamp;

use crate::events::WalletAsset;
use crate::ledger::Ledger;
use crate::plan::Network;
use crate::treasury::{Treasury, WalletKind};

/// Where a balance reading comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A `wallet.balance` event of the ledger, with its seq.
    Event {
        /// The event's seq.
        seq: u64,
    },
    /// Read from the network's node by this desk (the node's URL).
    Chain {
        /// The node that answered.
        node: String,
    },
}

/// One balance reading: a `wallet.balance` event as the ledger keeps it, or a balance this
/// desk read from the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceReading {
    /// Where it comes from.
    pub origin: Origin,
    /// The reading's instant (ns since the epoch): the event's `at`, or when the node answered.
    pub at: i64,
    /// Wallet id.
    pub wallet: String,
    /// Network.
    pub network: Network,
    /// Asset.
    pub asset: WalletAsset,
    /// Absolute balance in the asset's base units.
    pub amount: u128,
}

/// An asset below its threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    /// The asset.
    pub asset: WalletAsset,
    /// The latest balance (base units).
    pub balance: u128,
    /// The threshold (base units).
    pub threshold: u128,
    /// threshold − balance: the top-up that restores the threshold exactly.
    pub top_up: u128,
}

/// One asset of a wallet: its balance, its threshold, and what they say together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetStatus {
    /// The asset.
    pub asset: WalletAsset,
    /// The latest balance at the instant; `None` = no reading (never read as 0).
    pub balance: Option<u128>,
    /// The reading the balance comes from: its origin and instant (ns).
    pub read: Option<(Origin, i64)>,
    /// The treasury file's threshold, if it sets one.
    pub threshold: Option<u128>,
}

impl AssetStatus {
    /// The state of this asset: `below`, `ok`, `no_data` (a threshold and no reading) or
    /// `unchecked` (no threshold).
    pub fn state(&self) -> &'static str {
        match (self.balance, self.threshold) {
            (Some(balance), Some(threshold)) if balance < threshold => "below",
            (Some(_), Some(_)) => "ok",
            (None, Some(_)) => "no_data",
            (_, None) => "unchecked",
        }
    }
}

/// A wallet's balances and shortfalls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletStatus {
    /// Wallet id.
    pub wallet: String,
    /// Hot or canary.
    pub kind: WalletKind,
    /// Its network.
    pub network: Network,
    /// The assets the network holds, in [`WalletAsset::ALL`] order (USDT, USDC, then ETH on
    /// Ethereum or TRX and ENERGY on Tron).
    pub assets: Vec<AssetStatus>,
    /// The assets below their threshold, in the same order.
    pub below: Vec<Shortfall>,
    /// The assets with a threshold and no reading: neither below nor fine.
    pub no_data: Vec<WalletAsset>,
}

impl WalletStatus {
    /// The balance of one asset (`None` = no reading or not held on this network).
    pub fn balance(&self, asset: WalletAsset) -> Option<u128> {
        self.assets.iter().find(|a| a.asset == asset).and_then(|a| a.balance)
    }
}

/// The assets a wallet on `network` holds.
pub fn assets_of(network: Network) -> impl Iterator<Item = WalletAsset> {
    WalletAsset::ALL.into_iter().filter(move |asset| asset.only_network().is_none_or(|home| home == network))
}

/// The decimals of an asset's base unit (USDT/USDC 6, ETH 18, TRX 6, energy 0).
pub fn decimals(asset: WalletAsset) -> u32 {
    match asset {
        WalletAsset::Usdt | WalletAsset::Usdc | WalletAsset::Trx => 6,
        WalletAsset::Eth => 18,
        WalletAsset::Energy => 0,
    }
}

/// An amount of base units as a decimal of the asset (`1500000` USDT → `1.5`), exact.
pub fn decimal(asset: WalletAsset, base_units: u128) -> String {
    let scale = 10u128.pow(decimals(asset));
    let (whole, fraction) = (base_units / scale, base_units % scale);
    if fraction == 0 {
        return whole.to_string();
    }
    let digits = format!("{fraction:0width$}", width = decimals(asset) as usize);
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// Every wallet of the treasury file (in file order) with its latest balance per asset at
/// `at` from the ledger's `wallet.balance` events; see [`status_of`].
pub fn status(treasury: &Treasury, ledger: &Ledger, at: Timestamp) -> Vec<WalletStatus> {
    status_of(treasury, &ledger.wallet_balances, at)
}

/// The order of two readings of one asset: the later instant wins; on a tie, an event with
/// the greater seq, and a chain reading over an event (it was taken when the node answered).
fn recency(reading: &BalanceReading) -> (i64, u64) {
    match reading.origin {
        Origin::Event { seq } => (reading.at, seq),
        Origin::Chain { .. } => (reading.at, u64::MAX),
    }
}

/// Every wallet of the treasury file (in file order) with its latest balance per asset at
/// `at` among `readings` (events and chain readings alike: the latest instant at or before
/// `at`, see [`recency`] on a tie), its thresholds, shortfalls and no-data assets.
pub fn status_of(treasury: &Treasury, readings: &[BalanceReading], at: Timestamp) -> Vec<WalletStatus> {
    let cut = crate::ledger::ns(at);
    treasury
        .wallets
        .iter()
        .map(|wallet| {
            let latest = |asset: WalletAsset| {
                readings
                    .iter()
                    .filter(|r| r.wallet == wallet.id && r.network == wallet.network && r.asset == asset && r.at <= cut)
                    .max_by_key(|r| recency(r))
            };
            let assets: Vec<AssetStatus> = assets_of(wallet.network)
                .map(|asset| {
                    let reading = latest(asset);
                    AssetStatus {
                        asset,
                        balance: reading.map(|r| r.amount),
                        read: reading.map(|r| (r.origin.clone(), r.at)),
                        threshold: treasury.thresholds.of(wallet.network, asset),
                    }
                })
                .collect();
            let below = assets
                .iter()
                .filter_map(|a| match (a.balance, a.threshold) {
                    (Some(balance), Some(threshold)) if balance < threshold => {
                        Some(Shortfall { asset: a.asset, balance, threshold, top_up: threshold - balance })
                    }
                    _ => None,
                })
                .collect();
            let no_data = assets.iter().filter(|a| a.balance.is_none() && a.threshold.is_some()).map(|a| a.asset).collect();
            WalletStatus { wallet: wallet.id.clone(), kind: wallet.kind, network: wallet.network, assets, below, no_data }
        })
        .collect()
}

/// The `wallet.balance` readings at or before `at` that name no wallet of the treasury file
/// on their network: `(seq, wallet, network)`, in log order.
pub fn unknown_readings(treasury: &Treasury, ledger: &Ledger, at: Timestamp) -> Vec<(u64, String, Network)> {
    let cut = crate::ledger::ns(at);
    ledger
        .wallet_balances
        .iter()
        .filter(|r| r.at <= cut && !treasury.wallets.iter().any(|w| w.id == r.wallet && w.network == r.network))
        .filter_map(|r| match r.origin {
            Origin::Event { seq } => Some((seq, r.wallet.clone(), r.network)),
            Origin::Chain { .. } => None,
        })
        .collect()
}
