//! The PostgreSQL back end: the production store, which several `serve` processes may
//! share. Migrations: `ledger/migrations/postgres/`, applied on start (sqlx's migrator
//! holds its own advisory lock, so servers starting together do not race).
//!
//! **One gapless seq across processes.** [`Storage::append`] runs in one `READ COMMITTED`
//! transaction that first takes a transaction-scoped advisory lock,
//! `pg_advisory_xact_lock(APPEND_LOCK)`, then reads the head. Every append of every
//! process takes the same lock, so appends are serialised database-wide; the head read
//! is a statement after the lock was granted, so (READ COMMITTED: a fresh snapshot per
//! statement) it sees the previous holder's commit — PostgreSQL marks a transaction
//! committed before it releases its locks. If the head is not the one the caller
//! validated against, nothing is written and [`crate::Error::HeadMoved`] sends the caller
//! back to re-validate. The lock is released by the commit or the rollback, never held
//! across requests, and cannot leak past a dropped connection. `seq` is the primary key:
//! even a broken lock could not write a seq twice. Reads take no lock.
//!
//! **Durable commits.** Every connection sets `synchronous_commit=on` (whatever the
//! server's default), so a 2xx answer means the commit record is flushed to the WAL.
//!
//! Queries are checked at compile time (`sqlx::query!`) against a database built from
//! `ledger/migrations/postgres/`; the offline data is committed in `ledger/.sqlx/`
//! (`cargo xtask sqlx-prepare` writes it, `cargo xtask test` checks it). No TLS is compiled in:
//! connect over a Unix socket, loopback or a private network (`sslmode=require` fails).

use std::str::FromStr;
use std::time::Duration;

use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use futures_util::TryStreamExt;

use super::{
    head_from, now_ms, record_from_columns, served_from_columns, to_i64, token_from_columns, Head, NewRecord, Record, RecordColumns,
    Served, Storage, StoredToken, MAX_BATCH, MAX_PAGE, MAX_PAGE_BYTES,
};
use crate::auth::Role;
use crate::chain::record_hash;
use crate::crashpoint;
use crate::{Error, Result};

/// The advisory lock key every append takes (`pg_advisory_xact_lock`): ASCII "Ledger"
/// then 0x0001 — a constant of its own, apart from sqlx's migration lock (derived from the
/// database name) and, one hopes, from any other application's keys on the database.
pub const APPEND_LOCK: i64 = 0x4c65_6467_6572_0001;

/// Rows per `INSERT … SELECT FROM UNNEST(…)` statement of a large batch.
const INSERT_CHUNK: usize = 5_000;

/// The ledger on one PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStorage {
    pool: PgPool,
    /// The URL without its password, for messages.
    url: String,
}

impl PostgresStorage {
    /// Connects to `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DB`, or any form sqlx
    /// accepts) and applies the migrations.
    pub async fn open(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url).map_err(|source| Error::Database { url: redact(url), source })?;
        let shown = format!(
            "postgres://{}@{}:{}/{}",
            options.get_username(),
            options.get_socket().map_or_else(|| options.get_host().to_owned(), |s| s.display().to_string()),
            options.get_port(),
            options.get_database().unwrap_or("")
        );
        // A 2xx answer promises the record survives a crash of the database server.
        let options = options.options([("synchronous_commit", "on")]).application_name("clubgate-ledger");
        // No ping before each use (sqlx's default): it doubles the round trips of every
        // query; a broken connection fails its query, which the client retries.
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(|source| Error::Database { url: shown.clone(), source })?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await.map_err(|source| Error::Migrate { url: shown.clone(), source })?;
        Ok(Self { pool, url: shown })
    }

    fn db(&self, source: sqlx::Error) -> Error {
        Error::Database { url: self.url.clone(), source }
    }
}

/// `url` with any password replaced by `***` (for the error of a URL that does not parse).
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return "(the --db URL)".to_owned() };
    match rest.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split_once(':').map_or(user_info, |(user, _)| user);
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

impl Storage for PostgresStorage {
    async fn head(&self) -> Result<Head> {
        let row = sqlx::query!("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.db(e))?;
        head_from(row.map(|row| (row.seq, row.hash)))
    }

    async fn find_ids(&self, ids: &[String]) -> Result<Vec<Record>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // One statement: the ids travel as one array parameter.
        // A join with the unnested array, not `id = ANY($1)`: after many small lookups
        // PostgreSQL caches a generic plan, which for a batch of 40,000 ids scanned the table
        // once per id (an events append fell from 25,000 to 1,300 lines a second).
        let rows = sqlx::query!(
            "SELECT r.seq, r.id, r.kind, r.body, r.prev, r.hash FROM UNNEST($1::text[]) AS wanted (id) JOIN records r ON r.id = wanted.id",
            ids
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.db(e))?;
        rows.into_iter()
            .map(|row| {
                record_from_columns(RecordColumns {
                    seq: row.seq,
                    id: row.id,
                    kind: row.kind,
                    body: row.body,
                    prev: row.prev,
                    hash: row.hash,
                })
            })
            .collect()
    }

    async fn append(&self, expected: u64, records: &[NewRecord]) -> Result<Vec<Record>> {
        assert!(records.len() <= MAX_BATCH, "a batch of {} records is over the limit", records.len());
        // READ COMMITTED whatever the server's default: the head read below must see the
        // commit of the previous lock holder, which a snapshot taken before the lock would not.
        let mut tx = self.pool.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED").await.map_err(|e| self.db(e))?;
        sqlx::query!(r#"SELECT 1 AS "locked!" FROM pg_advisory_xact_lock($1)"#, APPEND_LOCK)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| self.db(e))?;
        let row = sqlx::query!("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| self.db(e))?;
        let head = head_from(row.map(|row| (row.seq, row.hash)))?;
        if head.seq != expected {
            // Dropping the transaction rolls it back and releases the lock.
            return Err(Error::HeadMoved { expected, found: head.seq });
        }
        let committed_at_ms = now_ms();
        let mut prev = head.hash;
        let mut written = Vec::with_capacity(records.len());
        for (offset, new) in records.iter().enumerate() {
            let seq = head.seq + 1 + offset as u64;
            let hash = record_hash(&prev, seq, &new.kind, &new.body);
            written.push(Record { seq, id: new.id.clone(), kind: new.kind.clone(), body: new.body.clone(), prev, hash });
            prev = hash;
        }
        // Each chunk is one statement, its columns bound as arrays. `append.mid` comes after
        // the first statement (the first record and up to INSERT_CHUNK − 1 more).
        for (index, chunk) in written.chunks(INSERT_CHUNK).enumerate() {
            let seqs: Vec<i64> = chunk.iter().map(|r| to_i64(r.seq)).collect();
            let ids: Vec<String> = chunk.iter().map(|r| r.id.clone()).collect();
            let kinds: Vec<String> = chunk.iter().map(|r| r.kind.clone()).collect();
            let bodies: Vec<String> = chunk.iter().map(|r| Value::Object(r.body.clone()).to_string()).collect();
            let prevs: Vec<String> = chunk.iter().map(|r| hex::encode(r.prev)).collect();
            let hashes: Vec<String> = chunk.iter().map(|r| hex::encode(r.hash)).collect();
            sqlx::query!(
                "INSERT INTO records (seq, id, kind, body, prev, hash, committed_at_ms) \
                 SELECT seq, id, kind, body, prev, hash, $7 \
                 FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) \
                 AS batch (seq, id, kind, body, prev, hash)",
                &seqs,
                &ids,
                &kinds,
                &bodies,
                &prevs,
                &hashes,
                committed_at_ms
            )
            .execute(&mut *tx)
            .await
            .map_err(|e| self.db(e))?;
            if index == 0 {
                crashpoint::hit("append.mid");
            }
        }
        crashpoint::hit("append.before_commit");
        tx.commit().await.map_err(|e| self.db(e))?;
        crashpoint::hit("append.after_commit");
        Ok(written)
    }

    async fn read(&self, after: u64, limit: u32) -> Result<Vec<Record>> {
        let (after, limit) = (to_i64(after), i64::from(limit.min(MAX_PAGE)));
        // Streamed, and cut at MAX_PAGE_BYTES of bodies (after at least one record), so a
        // page of large records never has to fit in memory at once.
        let mut rows =
            sqlx::query!("SELECT seq, id, kind, body, prev, hash FROM records WHERE seq > $1 ORDER BY seq LIMIT $2", after, limit)
                .fetch(&self.pool);
        let (mut records, mut bytes) = (Vec::new(), 0usize);
        while let Some(row) = rows.try_next().await.map_err(|e| self.db(e))? {
            bytes += row.body.len();
            records.push(record_from_columns(RecordColumns {
                seq: row.seq,
                id: row.id,
                kind: row.kind,
                body: row.body,
                prev: row.prev,
                hash: row.hash,
            })?);
            if bytes >= MAX_PAGE_BYTES {
                break;
            }
        }
        Ok(records)
    }

    async fn read_served(&self, after: u64, limit: u32) -> Result<Vec<Served>> {
        let (after, limit) = (to_i64(after), i64::from(limit.min(MAX_PAGE)));
        let mut rows = sqlx::query!("SELECT seq, kind, body, prev, hash FROM records WHERE seq > $1 ORDER BY seq LIMIT $2", after, limit)
            .fetch(&self.pool);
        let (mut records, mut bytes) = (Vec::new(), 0usize);
        while let Some(row) = rows.try_next().await.map_err(|e| self.db(e))? {
            bytes += row.body.len();
            records.push(served_from_columns(row.seq, &row.kind, &row.body, &row.prev, &row.hash)?);
            if bytes >= MAX_PAGE_BYTES {
                break;
            }
        }
        Ok(records)
    }

    async fn live_tokens(&self) -> Result<Vec<StoredToken>> {
        let rows = sqlx::query!("SELECT name, role, token_sha256 FROM tokens WHERE revoked_at_ms IS NULL ORDER BY row_id")
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.db(e))?;
        Ok(rows.into_iter().filter_map(|row| token_from_columns(row.name, &row.role, &row.token_sha256)).collect())
    }

    async fn issue_token(&self, name: &str, role: Role, token_sha256: &[u8; 32], now_ms: i64) -> Result<()> {
        // The partial unique index `tokens_live_name` is the check: two issues for one name
        // racing from two processes cannot both succeed.
        let (role, token_sha256) = (role.as_str(), hex::encode(token_sha256));
        let inserted = sqlx::query!(
            "INSERT INTO tokens (name, role, token_sha256, issued_at_ms) VALUES ($1, $2, $3, $4)",
            name,
            role,
            token_sha256,
            now_ms
        )
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.constraint() == Some("tokens_live_name") => Err(Error::Usage {
                message: format!("name {name:?} already has a live token; revoke it first (token revoke --name {name})"),
            }),
            Err(e) => Err(self.db(e)),
        }
    }

    async fn revoke_token(&self, name: &str, now_ms: i64) -> Result<bool> {
        let done = sqlx::query!("UPDATE tokens SET revoked_at_ms = $1 WHERE name = $2 AND revoked_at_ms IS NULL", now_ms, name)
            .execute(&self.pool)
            .await
            .map_err(|e| self.db(e))?;
        Ok(done.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn a_password_never_reaches_a_message() {
        assert_eq!(redact("postgres://ledger:s3cret@db:5432/ledger"), "postgres://ledger:***@db:5432/ledger");
        assert_eq!(redact("postgres://db/ledger"), "postgres://db/ledger");
        assert_eq!(redact("nonsense"), "(the --db URL)");
    }
}
