//! Helpers shared by the ledger's integration tests.

pub(crate) mod pg;
