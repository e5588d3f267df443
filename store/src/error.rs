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
    /// The chunk has a signed attempt; a new signature is only an explicit replacement.
    #[error("chunk {chunk} of bundle {bundle_id} is signed already (attempt {attempt}); it is never signed twice — a new signature is only a replacement (ERC-20 speed-up, TRC-20 after expiry)")]
    AlreadySigned {
        /// The bundle.
        bundle_id: String,
        /// The chunk.
        chunk: u32,
        /// The signed attempt.
        attempt: u32,
    },
    /// Another attempt of the chunk is being signed right now.
    #[error("chunk {chunk} of bundle {bundle_id} is being signed (attempt {attempt}); wait for it and look at its status")]
    BeingSigned {
        /// The bundle.
        bundle_id: String,
        /// The chunk.
        chunk: u32,
        /// The reserved attempt.
        attempt: u32,
    },
    /// A replacement was asked for a chunk that has no signed attempt.
    #[error("chunk {chunk} of bundle {bundle_id} has no signed transaction to replace; sign the original first")]
    NothingToReplace {
        /// The bundle.
        bundle_id: String,
        /// The chunk.
        chunk: u32,
    },
    /// A later attempt does not carry the original's bundle or content.
    #[error("chunk {chunk} of bundle {bundle_id}: a replacement may change only fees (ERC-20) or the reference block, timestamp and expiry (TRC-20), but its {field} differs from the original's")]
    ReplacementChanged {
        /// The bundle.
        bundle_id: String,
        /// The chunk.
        chunk: u32,
        /// What differs.
        field: &'static str,
    },
    /// The bundle does not fit the business day's phase volume cap.
    #[error(
        "the bundle's {amount} base units exceed the phase volume cap of the day: cap {cap}, already reserved {signed}, over by {excess}"
    )]
    VolumeCap {
        /// The day's cap (base units).
        cap: u128,
        /// Reserved already that day.
        signed: u128,
        /// The bundle's amount.
        amount: u128,
        /// By how much it is over.
        excess: u128,
    },
    /// The day's volume plus the bundle overflows: refused, never an unlimited cap.
    #[error("the day's volume {signed} plus {amount} base units overflows; refused")]
    VolumeOverflow {
        /// Reserved already that day.
        signed: u128,
        /// The bundle's amount.
        amount: u128,
    },
    /// The chunk's nonce is no longer the reviewed one.
    #[error("wallet {wallet}: the reviewed nonce {reviewed} is no longer the chunk's (it would get {allocated}); review the chunk again")]
    NonceMoved {
        /// The hot wallet.
        wallet: String,
        /// The nonce in the reviewed bytes.
        reviewed: u64,
        /// The nonce the allocation gives.
        allocated: u64,
    },
    /// The reviewed nonce would leave a gap behind the wallet's nonces in this store.
    #[error("wallet {wallet}: the reviewed nonce {reviewed} is above the next nonce {next} of this store's allocations: signing it would leave a gap no later transaction fills; review the chunk again at nonce {next} (a higher nonce is taken only when the policy's node says it is the wallet's pending nonce at signing)")]
    NonceGap {
        /// The hot wallet.
        wallet: String,
        /// The nonce in the reviewed bytes.
        reviewed: u64,
        /// One above the wallet's highest allocation.
        next: u64,
    },
    /// T0 or the plan would change after payouts of the launch were signed.
    #[error("{signed} payout signature(s) of this launch exist: changing T0 or the plan now is a launch IC decision — give its reason")]
    LaunchLocked {
        /// Signed attempts in the store.
        signed: i64,
    },
    /// The treasury file is not the one the store signs under.
    #[error("the treasury file (fingerprint {given}) is not the policy this store signs under ({bound}); binding another one after payouts were signed is a launch IC decision: `clubgate treasury bind FILE --who NAME --ic-reason WHY`")]
    PolicyChanged {
        /// The bound fingerprint.
        bound: String,
        /// The file's fingerprint.
        given: String,
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
