//! The ledger's crash points (docs/ledger.md "Crash points"): in the storage back ends'
//! `append` (`append.mid`, `append.before_commit`, `append.after_commit`) and in the HTTP
//! surface (`respond.before`, `stream.mid`). The mechanism is `clubgate-crashpoint`; the
//! ledger's `crashpoints` feature arms it, for test and bench builds only.

pub use clubgate_crashpoint::{hit, ENV};

/// Every crash point of the ledger, for the tests and the documentation.
pub const NAMES: [&str; 5] = ["append.mid", "append.before_commit", "append.after_commit", "respond.before", "stream.mid"];
