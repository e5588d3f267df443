//! Wire types of the Wallets page (issue 12): each hot and canary wallet of the policy, its
//! balance per asset from the ledger's `wallet.balance` events or from the chain, its
//! thresholds, and the top-up that restores each threshold it is below.

use serde::{Deserialize, Serialize};

/// The Wallets page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletsView {
    /// Why there is nothing to show (no policy), if so.
    pub error: Option<String>,
    /// The wallets, in the policy's order.
    pub wallets: Vec<WalletBalancesView>,
    /// How many wallets are below a threshold.
    pub below: usize,
    /// The last chain refresh: when, and what each network's node answered.
    pub chain: Vec<String>,
    /// `wallet.balance` events naming no wallet of the policy.
    pub unknown: Vec<String>,
}

/// One wallet against its thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletBalancesView {
    /// Its id.
    pub id: String,
    /// `hot` or `canary`.
    pub kind: String,
    /// `erc20` or `trc20`.
    pub network: String,
    /// Its address.
    pub address: String,
    /// A canary wallet's check address (where the 1-token canary payout goes).
    pub check_address: Option<String>,
    /// `below`, `no data` or `ok`.
    pub verdict: String,
    /// Its assets.
    pub assets: Vec<AssetView>,
    /// The alerts: one per asset below its threshold.
    pub alerts: Vec<TopUpView>,
}

/// One asset of a wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetView {
    /// USDT, USDC, ETH, TRX or ENERGY.
    pub asset: String,
    /// The balance as a decimal of the asset (`None`: no reading — never shown as 0).
    pub balance: Option<String>,
    /// The balance in base units (digits).
    pub balance_units: Option<String>,
    /// The threshold as a decimal of the asset, if the policy sets one.
    pub threshold: Option<String>,
    /// `below`, `ok`, `no_data` or `unchecked`.
    pub state: String,
    /// Where the balance comes from: "ledger seq N, <instant>" or "chain <node>, <instant>".
    pub source: Option<String>,
}

/// An asset below its threshold and the top-up that restores it exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopUpView {
    /// The asset.
    pub asset: String,
    /// threshold − balance, as a decimal of the asset.
    pub top_up: String,
    /// The same in base units (digits).
    pub top_up_units: String,
    /// The alert as the treasury lead reads it.
    pub text: String,
}
