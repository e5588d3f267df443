//! The payout flow shared by the `clubgate` CLI and the desktop shell, so both refuse and
//! sign by the same code:
//!
//! - [`signers`]: opens the signer a spec names — a PKCS#11 key (PIN from the OS keychain),
//!   a Ledger (refused until a device path is wired, see docs), or a dev key (dev profile).
//! - [`broadcast`]: ERC-20 chunks on chain — the review's nonce and fees from the node,
//!   broadcast (recorded first, re-sent idempotently), tracking to confirmation, stuck
//!   transactions with the speed-up at the next fee mode.
//! - [`bundle`]: a payout bundle from a request (allow-list, hot wallet, batching) and its
//!   canonical JSON document.
//! - [`flow`]: approvals against the registry and its roles, then signing one chunk
//!   through the batching check, the quorum, the phase volume cap and the never-sign-twice
//!   registry; canary payouts of one token per canary wallet and day; the reservation of
//!   a chunk on the backend ledger ([`flow::ChunkLedger`]) before its key is opened.
//! - [`airgap`]: an air-gapped desk's signed chunk, checked against its bundle and recorded
//!   on the ledger by a connected desk (a second signature of the chunk is refused there).
//! - [`eod`]: the EOD settlement plan's transfers as payout bundles into the queue
//!   (derived ids: never twice), and the dry run that queues nothing.
//! - [`gate`]: SLO-gated signing — a rollback recommendation or safe-mode over a chunk's
//!   scope blocks it or raises its quorum, as the plan says.

pub mod airgap;
pub mod broadcast;
pub mod bundle;
pub mod decisions;
pub mod demo;
pub mod eod;
mod error;
pub mod flow;
pub mod gate;
pub mod signers;
pub mod tron;
pub mod volume;
pub mod wallets;

pub use error::{store_error_code, Error, Result};
