//! Where the log and the tokens live: one small trait, [`Storage`], and its back ends.
//!
//! The trait keeps the rules out of the back ends: the service validates a batch against
//! the head it read, then asks [`Storage::append`] to write it *only if the head is still
//! that one*. The back end computes `prev`/`hash` and writes the batch under one
//! serialising lock — SQLite: `BEGIN IMMEDIATE`; PostgreSQL: a transaction-scoped
//! advisory lock (`pg_advisory_xact_lock`), then the head read inside that transaction — so
//! seq stays gapless and the chain unbroken whichever process appends.

use std::future::Future;

use serde_json::{Map, Value};

use crate::auth::Role;
use crate::Result;

// `cargo xtask sqlx-prepare` compiles each back end alone against a live database of its
// kind (build.rs sets `ledger_prepare` from `LEDGER_SQLX_PREPARE`); every other build has both.
#[cfg(not(ledger_prepare = "sqlite"))]
pub mod postgres;
#[cfg(not(ledger_prepare = "postgres"))]
pub mod sqlite;

/// The most records one read returns (PRODUCT.md: `limit` ≤ 10,000).
pub const MAX_PAGE: u32 = 10_000;

/// A read stops once its records' bodies reach this many bytes (after at least one record):
/// a page of 10,000 records of up to 8 MiB each must not have to fit in memory. Clients page
/// by the last seq they got, so a shorter page changes nothing for them.
pub const MAX_PAGE_BYTES: usize = 32 * 1024 * 1024;

/// The most records one append writes; a batch of events is bounded by the 8 MiB body.
pub const MAX_BATCH: usize = 200_000;

/// A record to append: the idempotency id, the kind, the body (without `kind`).
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecord {
    /// The event's or command's id.
    pub id: String,
    /// The kind (`payout.accepted`, `approval`, …).
    pub kind: String,
    /// The body as the client sent it, without `kind`.
    pub body: Map<String, Value>,
}

/// A record of the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Position, from 1, gapless.
    pub seq: u64,
    /// The idempotency id.
    pub id: String,
    /// The kind.
    pub kind: String,
    /// The body, without `kind`.
    pub body: Map<String, Value>,
    /// The previous record's hash (32 zero bytes for seq 1).
    pub prev: [u8; 32],
    /// This record's hash.
    pub hash: [u8; 32],
}

/// A record as served: its seq and its JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    /// Its seq.
    pub seq: u64,
    /// `{"seq":N,"kind":"…","body":{…},"prev":"HEX","hash":"HEX"}`.
    pub json: String,
}

/// The served JSON of a record from its stored columns. The body is checked to be one JSON
/// object (without building values) and the hashes to be 64 lowercase hex digits, so what is
/// served always parses; anything else is [`crate::Error::Damaged`].
pub(crate) fn served_from_columns(seq: i64, kind: &str, body: &str, prev: &str, hash: &str) -> Result<Served> {
    let seq = seq_of(seq);
    let damaged = |reason: String| crate::Error::Damaged { seq, reason };
    serde_json::from_str::<serde::de::IgnoredAny>(body).map_err(|e| damaged(format!("its body is not JSON: {e}")))?;
    if !body.starts_with('{') {
        return Err(damaged("its body is not a JSON object".to_owned()));
    }
    for (name, value) in [("prev", prev), ("hash", hash)] {
        if crate::chain::parse_hash(value).is_none() {
            return Err(damaged(format!("{name} {value:?} is not 64 lowercase hex digits")));
        }
    }
    let kind = serde_json::to_string(kind).map_err(|e| damaged(e.to_string()))?;
    let json = format!(r#"{{"seq":{seq},"kind":{kind},"body":{body},"prev":"{prev}","hash":"{hash}"}}"#);
    Ok(Served { seq, json })
}

/// The last record's seq and hash; seq 0 and [`crate::chain::GENESIS`] when empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// The last seq (0 when empty).
    pub seq: u64,
    /// The last hash.
    pub hash: [u8; 32],
}

/// A live bearer token as stored: its owner's name, role and the token's sha256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    /// The name it was issued under.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// sha256 of the token.
    pub token_sha256: [u8; 32],
}

/// The ledger's storage. Every method is one transaction.
pub trait Storage: Send + Sync + 'static {
    /// The last record's seq and hash.
    fn head(&self) -> impl Future<Output = Result<Head>> + Send;

    /// The records with these ids (in any order; absent ids are left out).
    fn find_ids(&self, ids: &[String]) -> impl Future<Output = Result<Vec<Record>>> + Send;

    /// Appends `records` as seq `expected + 1 …` if the head is still `expected`, else
    /// [`crate::Error::HeadMoved`]; all or nothing, committed durably before it returns.
    fn append(&self, expected: u64, records: &[NewRecord]) -> impl Future<Output = Result<Vec<Record>>> + Send;

    /// Up to `limit` records with seq > `after`, in seq order (the stored values, unchecked).
    fn read(&self, after: u64, limit: u32) -> impl Future<Output = Result<Vec<Record>>> + Send;

    /// Like [`Storage::read`], but each record as the JSON text clients are served
    /// (`{"seq","kind","body","prev","hash"}`), built from the stored text without parsing
    /// the body into values and writing it out again (reads by cursor and streams).
    fn read_served(&self, after: u64, limit: u32) -> impl Future<Output = Result<Vec<Served>>> + Send;

    /// The live (unrevoked) tokens.
    fn live_tokens(&self) -> impl Future<Output = Result<Vec<StoredToken>>> + Send;

    /// Stores a new token's hash under `name` (refused while `name` has a live token).
    fn issue_token(&self, name: &str, role: Role, token_sha256: &[u8; 32], now_ms: i64) -> impl Future<Output = Result<()>> + Send;

    /// Revokes `name`'s live token; false when it has none.
    fn revoke_token(&self, name: &str, now_ms: i64) -> impl Future<Output = Result<bool>> + Send;
}

// What both back ends do with the columns they read: one place, so they read the same.

/// A stored seq (the CHECK (seq >= 1) constraint keeps it positive).
pub(crate) fn seq_of(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A seq as the databases store it (a log of 2^63 records is out of reach; saturating keeps
/// the query well-formed).
pub(crate) fn to_i64(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// Milliseconds since the epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The columns of a stored record, as text.
pub(crate) struct RecordColumns {
    pub(crate) seq: i64,
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) body: String,
    pub(crate) prev: String,
    pub(crate) hash: String,
}

/// A record from its stored columns; a column that does not read is [`crate::Error::Damaged`].
pub(crate) fn record_from_columns(columns: RecordColumns) -> Result<Record> {
    let RecordColumns { seq, id, kind, body, prev, hash } = columns;
    let seq = seq_of(seq);
    let damaged = |reason: String| crate::Error::Damaged { seq, reason };
    let body: Map<String, Value> = serde_json::from_str(&body).map_err(|e| damaged(format!("its body is not a JSON object: {e}")))?;
    let prev = crate::chain::parse_hash(&prev).ok_or_else(|| damaged(format!("prev {prev:?} is not 64 lowercase hex digits")))?;
    let hash = crate::chain::parse_hash(&hash).ok_or_else(|| damaged(format!("hash {hash:?} is not 64 lowercase hex digits")))?;
    Ok(Record { seq, id, kind, body, prev, hash })
}

/// The head from the last record's seq and hash (none: the genesis head).
pub(crate) fn head_from(last: Option<(i64, String)>) -> Result<Head> {
    let Some((seq, hash_text)) = last else { return Ok(Head { seq: 0, hash: crate::chain::GENESIS }) };
    let seq = seq_of(seq);
    let hash = crate::chain::parse_hash(&hash_text)
        .ok_or_else(|| crate::Error::Damaged { seq, reason: format!("hash {hash_text:?} is not 64 lowercase hex digits") })?;
    Ok(Head { seq, hash })
}

/// A live token from its stored columns. A row the CHECK constraints let through always
/// parses; one that does not is skipped (and logged) rather than lock every client out.
pub(crate) fn token_from_columns(name: String, role_text: &str, hash_text: &str) -> Option<StoredToken> {
    match (Role::parse(role_text), crate::chain::parse_hash(hash_text)) {
        (Ok(role), Some(token_sha256)) => Some(StoredToken { name, role, token_sha256 }),
        _ => {
            tracing::error!(name, role = role_text, "a stored token is damaged and is ignored");
            None
        }
    }
}
