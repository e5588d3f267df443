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
//! - [`comms`]: partner and warroom messages in RU/EN from the plan's templates, filled
//!   from live figures; what the decision log keeps of a sent one.
//! - [`eod`]: the EOD settlement plan of the trust pairs at an instant — netting with
//!   carries, balances spent in entry order, full / partial / t+1, blocked before Canary.
//! - [`settlement`]: the settlement transfers of that plan (hot wallet → the payee's
//!   allow-listed address, ids derived from session, network and token), the blocked
//!   sessions' alerts, and the EOD view per session against the 60/90 min thresholds.
//! - [`freeze`]: which freezes are active at an instant and how a change request fares.
//! - [`oncall`]: the people of each role, the on-call rota of the warroom hours and the
//!   rule that the on-call confirmation is done only over a rota without gaps.
//! - [`payout`], [`treasury`]: payout types and guardrails; the wallets, tokens, approvers
//!   and allow-list of the treasury configuration.
//! - [`wallets`]: each hot and canary wallet's latest balances per asset against the
//!   treasury file's thresholds, with the top-up that restores each one.

pub mod chain;
pub mod checklist;
pub mod comms;
pub mod decision;
pub mod eod;
pub mod error;
pub mod events;
pub mod freeze;
pub mod launch;
pub mod ledger;
pub mod offset;
pub mod oncall;
pub mod payout;
pub mod plan;
pub mod report;
pub mod rollback;
pub mod schedule;
pub mod settlement;
pub mod simulate;
pub mod treasury;
pub mod wallets;

pub use error::{Error, Result};

/// The default plan file, `launch-plan-v1`, that encodes the seed launch plan exactly.
pub const DEFAULT_PLAN_TOML: &str = include_str!("../plans/launch-plan-v1.toml");

/// An example treasury configuration (docs/treasury-format.md); its addresses are examples.
pub const EXAMPLE_TREASURY_TOML: &str = include_str!("../plans/treasury-example.toml");
