//! Transactions: the exact bytes an approver signs, built from a payout chunk and decoded
//! back from those bytes (what you see is what you sign).
//!
//! - [`erc20`]: EIP-1559 `transfer(to, amount)` to the token contract, EIP-155 chain id.
//! - [`evm_node`]: an Ethereum node over JSON-RPC — chain id check, pending nonce, balances,
//!   the fee market, broadcast, receipts with confirmations.
//! - [`signer`]: the signer shape of alloy's `Signer` — one required prehash method — with the
//!   local development key (`dev:file:PATH`), which exists only with the `dev-signer` cargo
//!   feature (tests and the demo, never a packaged build), only the `dev` profile accepts, and
//!   which never signs for Ethereum mainnet or a mainnet token contract.
//! - [`pkcs11`]: keys in PKCS#11 tokens; [`pkcs11::Pkcs11Signer::open_verified`] checks the PIN
//!   even when the process is already logged in (approvals).
//! - [`tron_http`]: a Tron full node's HTTP API — the reference block of a new transaction,
//!   TRX/TRC-20 balances, energy, broadcast and receipts with confirmations.

pub mod approval;
pub mod decision;
pub mod erc20;
pub mod error;
pub mod evm_node;
pub mod ledger;
pub mod pkcs11;
pub mod signer;
pub mod trc20;
pub mod tron_http;

pub use error::{Error, Result};
