//! The commands the UI may call, grouped by domain. Each is a one-line delegation to
//! [`crate::Service`]; `build.rs` generates an `allow-<command>` permission for each.

pub(crate) mod checklist;
pub(crate) mod comms;
pub(crate) mod eod;
pub(crate) mod launch;
pub(crate) mod ledger;
pub(crate) mod payout;
pub(crate) mod report;
pub(crate) mod slo;
pub(crate) mod team;
pub(crate) mod volume;
pub(crate) mod wallets;
pub(crate) mod warroom;
