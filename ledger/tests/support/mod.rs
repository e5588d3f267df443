//! Helpers shared by the ledger's integration tests.

pub(crate) mod pg;
// Each test binary compiles every helper but uses only some (protocol.rs has its own).
#[allow(dead_code)]
pub(crate) mod server;
