//! An Ethereum node over JSON-RPC (alloy's provider, plain HTTP): the chain id check, a
//! wallet's pending nonce, ETH and ERC-20 balances, the fee market from `eth_feeHistory`,
//! broadcasting signed bytes, and what became of a transaction (pending, mined with its
//! confirmations, unknown). Every error names the node's URL and the call that failed.
//!
//! The fee market: the next block's base fee is the last entry of `baseFeePerGas` (the node
//! derives it from the newest block), and the priority fee is the median, over the last
//! [`FEE_HISTORY_BLOCKS`] blocks that carried transactions, of each block's
//! [`PRIORITY_PERCENTILE`]th-percentile effective reward; `None` when none of those blocks
//! carried a transaction (the caller then falls back to its policy's value).

use std::time::Duration;

use alloy::eips::BlockNumberOrTag;
use alloy::primitives::{Address, Bytes, TxKind, B256, U256};
use alloy::providers::{Provider, RootProvider};
use alloy::rpc::client::RpcClient;
use alloy::rpc::types::{TransactionInput, TransactionRequest};
use alloy::sol;
use alloy::sol_types::SolCall;
use alloy::transports::http::{reqwest, Http};
use alloy::transports::{RpcError, TransportErrorKind};

sol! {
    /// The ERC-20 balance.
    function balanceOf(address holder) external view returns (uint256);
}

/// How many recent blocks the priority fee is taken from.
pub const FEE_HISTORY_BLOCKS: u64 = 10;

/// The reward percentile asked of `eth_feeHistory` for the priority fee.
pub const PRIORITY_PERCENTILE: f64 = 50.0;

/// How long one call to the node may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// Why a node call failed.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The URL is not one this client can reach.
    #[error("node URL {url:?}: {reason}")]
    Url {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The node could not be reached or did not answer in time.
    #[error("node {url}: {what} failed: {reason}; check that the node runs and rpc_url points at it")]
    Unreachable {
        /// The node.
        url: String,
        /// The call.
        what: &'static str,
        /// The transport's words.
        reason: String,
    },
    /// The node answered with an error.
    #[error("node {url}: {what} refused: {reason}")]
    Refused {
        /// The node.
        url: String,
        /// The call.
        what: &'static str,
        /// The node's words.
        reason: String,
    },
    /// The node serves another chain than the policy's.
    #[error("node {url} is on chain id {node}, but the policy's chain id is {policy}; point rpc_url at a node of chain {policy}")]
    ChainMismatch {
        /// The node.
        url: String,
        /// The node's chain id.
        node: u64,
        /// The policy's chain id.
        policy: u64,
    },
}

impl NodeError {
    /// A stable code: `node_url`, `node_unreachable`, `node_refused`, `chain_id_mismatch`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Url { .. } => "node_url",
            Self::Unreachable { .. } => "node_unreachable",
            Self::Refused { .. } => "node_refused",
            Self::ChainMismatch { .. } => "chain_id_mismatch",
        }
    }
}

/// The fee market the next block will see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeMarket {
    /// The next block's base fee (wei per gas).
    pub base_fee_wei: u128,
    /// The median of the recent blocks' [`PRIORITY_PERCENTILE`]th-percentile rewards (wei per
    /// gas); `None` when no recent block carried a transaction.
    pub priority_fee_wei: Option<u128>,
    /// The newest block the history was read at.
    pub block: u64,
}

/// A mined transaction's receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mined {
    /// The block it was mined in.
    pub block: u64,
    /// Receipt status 1 (the call succeeded) or 0 (reverted: the fee was paid, nothing moved).
    pub success: bool,
    /// Gas used.
    pub gas_used: u64,
    /// The price per gas paid (wei).
    pub effective_gas_price: u128,
}

/// What the node knows of a transaction hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxState {
    /// Neither mined nor in the node's pool (dropped, replaced in the pool, or never sent).
    Unknown,
    /// In the node's pool, not mined.
    Pending,
    /// Mined.
    Mined(Mined),
}

/// What came of sending signed bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// The node took the transaction into its pool now.
    Accepted,
    /// The node had it already (an earlier send of the same bytes).
    AlreadyKnown,
    /// The same transaction is mined already (the node answered e.g. "nonce too low").
    Mined(Mined),
}

/// A connection to an Ethereum node whose chain id was checked against the policy.
#[derive(Debug, Clone)]
pub struct EvmNode {
    url: String,
    chain_id: u64,
    provider: RootProvider,
}

fn is_transport(error: &RpcError<TransportErrorKind>) -> bool {
    !matches!(error, RpcError::ErrorResp(_) | RpcError::DeserError { .. } | RpcError::NullResp)
}

fn quantity_u128(value: U256, what: &'static str, url: &str) -> Result<u128, NodeError> {
    u128::try_from(value).map_err(|_| NodeError::Refused { url: url.to_owned(), what, reason: format!("{value} does not fit 128 bits") })
}

impl EvmNode {
    /// Connects to the node at `url` and refuses it unless its chain id is `chain_id`.
    pub async fn connect(url: &str, chain_id: u64) -> Result<Self, NodeError> {
        let parsed: reqwest::Url = url.trim().parse().map_err(|e| NodeError::Url { url: url.to_owned(), reason: format!("{e}") })?;
        if parsed.scheme() != "http" {
            return Err(NodeError::Url {
                url: url.to_owned(),
                reason: "this build reaches nodes over plain http:// only (no TLS backend): run the node, or a TLS proxy to it, on this machine or a private network".to_owned(),
            });
        }
        let client = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .build()
            .map_err(|e| NodeError::Url { url: url.to_owned(), reason: e.to_string() })?;
        let provider = RootProvider::new(RpcClient::new(Http::with_client(client, parsed), false));
        let mut node = Self { url: url.trim().to_owned(), chain_id: 0, provider };
        let actual = node.provider.get_chain_id().await.map_err(|e| node.error("eth_chainId", e))?;
        if actual != chain_id {
            return Err(NodeError::ChainMismatch { url: node.url, node: actual, policy: chain_id });
        }
        node.chain_id = actual;
        Ok(node)
    }

    /// The node's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The chain id checked at connection.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    fn error(&self, what: &'static str, error: RpcError<TransportErrorKind>) -> NodeError {
        let (url, reason) = (self.url.clone(), error.to_string());
        if is_transport(&error) {
            NodeError::Unreachable { url, what, reason }
        } else {
            NodeError::Refused { url, what, reason }
        }
    }

    /// The wallet's next nonce counting its transactions in the node's pool
    /// (`eth_getTransactionCount(…, "pending")`).
    pub async fn pending_nonce(&self, wallet: Address) -> Result<u64, NodeError> {
        self.provider.get_transaction_count(wallet).pending().await.map_err(|e| self.error("eth_getTransactionCount", e))
    }

    /// The wallet's mined nonce (`eth_getTransactionCount(…, "latest")`).
    pub async fn latest_nonce(&self, wallet: Address) -> Result<u64, NodeError> {
        self.provider.get_transaction_count(wallet).latest().await.map_err(|e| self.error("eth_getTransactionCount", e))
    }

    /// The wallet's ETH balance at the latest block (wei).
    pub async fn eth_balance(&self, wallet: Address) -> Result<u128, NodeError> {
        let balance = self.provider.get_balance(wallet).latest().await.map_err(|e| self.error("eth_getBalance", e))?;
        quantity_u128(balance, "eth_getBalance", &self.url)
    }

    /// `token.balanceOf(holder)` at the latest block (base units).
    pub async fn token_balance(&self, token: Address, holder: Address) -> Result<u128, NodeError> {
        let call = TransactionRequest {
            to: Some(TxKind::Call(token)),
            input: TransactionInput::new(Bytes::from(balanceOfCall { holder }.abi_encode())),
            ..Default::default()
        };
        let output =
            self.provider.call(call).block(BlockNumberOrTag::Latest.into()).await.map_err(|e| self.error("eth_call balanceOf", e))?;
        let balance = balanceOfCall::abi_decode_returns(&output).map_err(|e| NodeError::Refused {
            url: self.url.clone(),
            what: "eth_call balanceOf",
            reason: format!("contract {token} did not answer a uint256 ({e}); is it an ERC-20 token on this chain?"),
        })?;
        quantity_u128(balance, "eth_call balanceOf", &self.url)
    }

    /// The next block's base fee and the recent priority fee (see the module docs).
    pub async fn fee_market(&self) -> Result<FeeMarket, NodeError> {
        let history = self
            .provider
            .get_fee_history(FEE_HISTORY_BLOCKS, BlockNumberOrTag::Latest, &[PRIORITY_PERCENTILE])
            .await
            .map_err(|e| self.error("eth_feeHistory", e))?;
        let base_fee_wei = *history.base_fee_per_gas.last().ok_or_else(|| NodeError::Refused {
            url: self.url.clone(),
            what: "eth_feeHistory",
            reason: "no baseFeePerGas: the chain is not on EIP-1559".to_owned(),
        })?;
        let rewards = history.reward.unwrap_or_default();
        let mut used: Vec<u128> = rewards
            .iter()
            .zip(&history.gas_used_ratio)
            .filter(|(_, ratio)| **ratio > 0.0)
            .filter_map(|(block, _)| block.first().copied())
            .collect();
        used.sort_unstable();
        let priority_fee_wei = (!used.is_empty()).then(|| used[used.len() / 2]);
        let block = (history.oldest_block + history.gas_used_ratio.len() as u64).saturating_sub(1);
        Ok(FeeMarket { base_fee_wei, priority_fee_wei, block })
    }

    /// The latest block number.
    pub async fn block_number(&self) -> Result<u64, NodeError> {
        self.provider.get_block_number().await.map_err(|e| self.error("eth_blockNumber", e))
    }

    /// The receipt of `hash`, if it is mined.
    pub async fn receipt(&self, hash: B256) -> Result<Option<Mined>, NodeError> {
        let receipt = self.provider.get_transaction_receipt(hash).await.map_err(|e| self.error("eth_getTransactionReceipt", e))?;
        Ok(receipt.map(|r| Mined {
            block: r.block_number.unwrap_or_default(),
            success: r.status(),
            gas_used: r.gas_used,
            effective_gas_price: r.effective_gas_price,
        }))
    }

    /// Mined (with its receipt), pending in the node's pool, or unknown to the node.
    pub async fn tx_state(&self, hash: B256) -> Result<TxState, NodeError> {
        if let Some(mined) = self.receipt(hash).await? {
            return Ok(TxState::Mined(mined));
        }
        let known = self.provider.get_transaction_by_hash(hash).await.map_err(|e| self.error("eth_getTransactionByHash", e))?;
        Ok(if known.is_some() { TxState::Pending } else { TxState::Unknown })
    }

    /// Sends signed bytes whose hash is `hash`. Idempotent: when the node refuses them
    /// because it has them already ("already known") or because they are mined ("nonce too
    /// low"), the answer is what the node knows of `hash`; any other refusal is an error.
    pub async fn send_raw(&self, raw: &[u8], hash: B256) -> Result<Sent, NodeError> {
        match self.provider.send_raw_transaction(raw).await {
            Ok(pending) => {
                if *pending.tx_hash() != hash {
                    return Err(NodeError::Refused {
                        url: self.url.clone(),
                        what: "eth_sendRawTransaction",
                        reason: format!("the node names the transaction {}, not {hash}", pending.tx_hash()),
                    });
                }
                Ok(Sent::Accepted)
            }
            Err(error) if is_transport(&error) => Err(self.error("eth_sendRawTransaction", error)),
            Err(error) => match self.tx_state(hash).await? {
                TxState::Mined(mined) => Ok(Sent::Mined(mined)),
                TxState::Pending => Ok(Sent::AlreadyKnown),
                TxState::Unknown => Err(self.error("eth_sendRawTransaction", error)),
            },
        }
    }
}
