//! Wallet balances read from the chain (issue 12 point 3): each hot and canary wallet of the
//! policy, its token balances (USDT, USDC where the policy has the token's contract) and its
//! gas (ETH on Ethereum; TRX and energy on Tron), asked of the node the policy names for its
//! network (`[erc20] rpc_url`, `[trc20] node_url`). What a node answers becomes a
//! [`BalanceReading`] of origin [`Origin::Chain`], judged against the thresholds by the same
//! `clubgate_core::wallets` rules as the ledger's `wallet.balance` events. A node that does
//! not answer reads nothing: its wallets keep their latest event readings, and the note says
//! why — a failed read is never a balance of 0.

use clubgate_chain::evm_node::EvmNode;
use clubgate_chain::tron_http::TronNode;
use clubgate_core::events::WalletAsset;
use clubgate_core::ledger::ns;
use clubgate_core::payout::Destination;
use clubgate_core::plan::Network;
use clubgate_core::treasury::{network_id, Token, Treasury, Wallet};
use clubgate_core::wallets::{BalanceReading, Origin};
use jiff::Timestamp;

/// What one chain refresh read.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ChainRead {
    /// The balances the nodes answered.
    pub readings: Vec<BalanceReading>,
    /// Per network: which node answered when, or why nothing (or not everything) was read.
    pub notes: Vec<String>,
}

/// The tokens of a network whose contract the policy knows (a testnet names its own).
fn tokens(treasury: &Treasury, network: Network) -> Vec<(WalletAsset, Destination)> {
    [(Token::Usdt, WalletAsset::Usdt), (Token::Usdc, WalletAsset::Usdc)]
        .into_iter()
        .filter_map(|(token, asset)| treasury.token_contract(network, token).ok().map(|contract| (asset, contract)))
        .collect()
}

fn reading(node: &str, at: Timestamp, wallet: &Wallet, asset: WalletAsset, amount: u128) -> BalanceReading {
    BalanceReading {
        origin: Origin::Chain { node: node.to_owned() },
        at: ns(at),
        wallet: wallet.id.clone(),
        network: wallet.network,
        asset,
        amount,
    }
}

async fn read_ethereum(treasury: &Treasury, url: &str, read: &mut ChainRead) -> Result<usize, String> {
    let node = EvmNode::connect(url, treasury.erc20.chain_id).await.map_err(|e| e.to_string())?;
    let mut count = 0;
    for wallet in treasury.wallets.iter().filter(|w| w.network == Network::Erc20) {
        let Destination::Eth(address) = wallet.address else { continue };
        let mut assets = Vec::new();
        for (asset, contract) in tokens(treasury, Network::Erc20) {
            let Destination::Eth(token) = contract else { continue };
            assets.push((asset, node.token_balance(token.address(), address.address()).await.map_err(|e| e.to_string())?));
        }
        assets.push((WalletAsset::Eth, node.eth_balance(address.address()).await.map_err(|e| e.to_string())?));
        let at = Timestamp::now();
        for (asset, amount) in assets {
            read.readings.push(reading(node.url(), at, wallet, asset, amount));
            count += 1;
        }
    }
    Ok(count)
}

async fn read_tron(treasury: &Treasury, url: &str, read: &mut ChainRead) -> Result<usize, String> {
    let node = TronNode::new(url).map_err(|e| e.to_string())?;
    let mut count = 0;
    for wallet in treasury.wallets.iter().filter(|w| w.network == Network::Trc20) {
        let Destination::Tron(address) = wallet.address else { continue };
        let mut assets = Vec::new();
        for (asset, contract) in tokens(treasury, Network::Trc20) {
            let Destination::Tron(token) = contract else { continue };
            assets.push((asset, node.trc20_balance(&token, &address).await.map_err(|e| e.to_string())?));
        }
        assets.push((WalletAsset::Trx, node.trx_balance(&address).await.map_err(|e| e.to_string())?));
        assets.push((WalletAsset::Energy, u128::from(node.energy(&address).await.map_err(|e| e.to_string())?.available())));
        let at = Timestamp::now();
        for (asset, amount) in assets {
            read.readings.push(reading(node.url(), at, wallet, asset, amount));
            count += 1;
        }
    }
    Ok(count)
}

/// Reads the balances of every wallet of the policy from its network's node. A network
/// whose node is not configured or does not answer contributes a note and no reading: all
/// of a network's readings are kept only when its node answered every one of them.
pub async fn read_from_chain(treasury: &Treasury, now: Timestamp) -> ChainRead {
    let mut read = ChainRead::default();
    for network in [Network::Erc20, Network::Trc20] {
        if !treasury.wallets.iter().any(|w| w.network == network) {
            continue;
        }
        let url = match network {
            Network::Erc20 => treasury.erc20.rpc_url.as_deref(),
            Network::Trc20 => treasury.trc20.node_url.as_deref(),
        };
        let Some(url) = url else {
            let key = if network == Network::Erc20 { "[erc20] rpc_url" } else { "[trc20] node_url" };
            read.notes.push(format!(
                "{}: the policy names no node ({key}); balances come from the ledger's wallet.balance events only",
                network_id(network)
            ));
            continue;
        };
        let mut part = ChainRead::default();
        let outcome = match network {
            Network::Erc20 => read_ethereum(treasury, url, &mut part).await,
            Network::Trc20 => read_tron(treasury, url, &mut part).await,
        };
        match outcome {
            Ok(count) => {
                read.notes.push(format!("{}: {count} balances read from {url} at {now}", network_id(network)));
                read.readings.extend(part.readings);
            }
            Err(error) => read.notes.push(format!(
                "{}: nothing read from the chain ({error}); the wallets show their latest ledger readings",
                network_id(network)
            )),
        }
    }
    read
}
