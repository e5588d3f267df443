//! ClubGate Desk's domain core.
//!
//! Everything here is deterministic: time comes in as arguments (a T0, an instant to
//! evaluate at), decisions come out as values. The crate knows nothing of SQLite, Tauri,
//! the terminal or the network; those live in the shells (`store`, `cli`, `src-tauri`).
//!
//! - [`plan`]: the versioned launch-plan file, parsed and validated into a [`plan::Plan`].
//! - [`offset`]: `T-7d` / `T+24h` / `T-30m` offsets from T0.
//! - [`schedule`]: the date table — every phase boundary, checkpoint and freeze as an
//!   instant in the plan's time zone, following the DST rules of PRODUCT.md "Time".
//! - [`checklist`]: item states with their history and the Go/No-Go gate.
//! - [`freeze`]: which freezes are active at an instant and how a change request fares.
//! - [`payout`], [`treasury`]: payout types and guardrails; the wallets, tokens, approvers
//!   and allow-list of the treasury configuration.

pub mod chain;
pub mod checklist;
pub mod error;
pub mod events;
pub mod freeze;
pub mod launch;
pub mod ledger;
pub mod offset;
pub mod payout;
pub mod plan;
pub mod report;
pub mod rollback;
pub mod schedule;
pub mod simulate;
pub mod treasury;

pub use error::{Error, Result};

/// The default plan file, `launch-plan-v1`, that encodes the seed launch plan exactly.
pub const DEFAULT_PLAN_TOML: &str = include_str!("../plans/launch-plan-v1.toml");

/// An example treasury configuration (docs/treasury-format.md); its addresses are examples.
pub const EXAMPLE_TREASURY_TOML: &str = include_str!("../plans/treasury-example.toml");
