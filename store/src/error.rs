//! Errors of the local store.

/// An error of the local store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database could not be opened, read or written.
    #[error("local store {path}: {source}")]
    Database {
        /// The database file.
        path: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// The migrations could not be applied.
    #[error("local store {path}: migrating the schema failed: {source}; the file may come from a newer ClubGate Desk")]
    Migrate {
        /// The database file.
        path: String,
        /// The migrator's error.
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    /// A stored row no longer reads as a domain value.
    #[error("local store: row {row} of {table} is damaged: {detail}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// The row id.
        row: i64,
        /// What did not read.
        detail: String,
    },
    /// A domain rule refused the value.
    #[error(transparent)]
    Core(#[from] clubgate_core::Error),
    /// A payout queue write was refused; the message says why and what to do.
    #[error("{0}")]
    Refused(String),
    /// A signature of a payout chunk was refused: it would sign the chunk twice.
    #[error("chunk {chunk} of bundle {bundle_id} is not signed again: {reason}")]
    SignRefused {
        /// The bundle.
        bundle_id: String,
        /// The chunk.
        chunk: u32,
        /// Why.
        reason: String,
    },
    /// No launch is configured yet.
    #[error("no launch is configured in {path}; set T0 first (`clubgate launch set --t0 2026-12-07T10:00` or the app's settings)")]
    NoLaunch {
        /// The database file.
        path: String,
    },
}

/// The result type of the store.
pub type Result<T, E = Error> = std::result::Result<T, E>;
