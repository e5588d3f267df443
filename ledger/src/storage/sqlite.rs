//! The SQLite back end: WAL, `synchronous=FULL` (a 2xx answer means the record is on
//! disk), appends under `BEGIN IMMEDIATE`. Migrations: `ledger/migrations/sqlite/`.
//!
//! Queries are checked at compile time (`sqlx::query!`) against a database built from
//! `ledger/migrations/sqlite/`; the offline data is committed in `ledger/.sqlx/`
//! (`cargo xtask sqlx-prepare` writes it, `cargo xtask test` checks it).

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use futures_util::TryStreamExt;

use super::{
    head_from, now_ms, record_from_columns, served_from_columns, to_i64, token_from_columns, Head, NewRecord, Record, RecordColumns,
    Served, Storage, StoredToken, MAX_BATCH, MAX_PAGE, MAX_PAGE_BYTES,
};
use crate::auth::Role;
use crate::chain::record_hash;
use crate::crashpoint;
use crate::{Error, Result};

/// The ledger on one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStorage {
    pool: SqlitePool,
    url: String,
}

impl SqliteStorage {
    /// Opens (creating if needed) the database file and applies the migrations.
    ///
    /// Servers started together on a new file race to create and migrate it, and sqlx's
    /// SQLite migrator takes no lock (its PostgreSQL one does): a loser fails with "database
    /// is locked" or "table records already exists". It retries (20 times, 100 ms apart);
    /// by then the winner's migration is committed and is seen as applied.
    pub async fn open(path: PathBuf) -> Result<Self> {
        let mut attempts = 0;
        loop {
            match Self::open_once(&path).await {
                Err(error @ (Error::Database { .. } | Error::Migrate { .. })) if attempts < 20 => {
                    attempts += 1;
                    tracing::info!(%error, "cannot open the database yet; retrying");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                other => return other,
            }
        }
    }

    async fn open_once(path: &std::path::Path) -> Result<Self> {
        let url = format!("sqlite://{}", path.display());
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a 2xx answer promises the record survives a power cut.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(|source| Error::Database { url: url.clone(), source })?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await.map_err(|source| Error::Migrate { url: url.clone(), source })?;
        Ok(Self { pool, url })
    }

    fn db(&self, source: sqlx::Error) -> Error {
        Error::Database { url: self.url.clone(), source }
    }
}

impl Storage for SqliteStorage {
    async fn head(&self) -> Result<Head> {
        let row = sqlx::query!(r#"SELECT seq AS "seq!: i64", hash FROM records ORDER BY seq DESC LIMIT 1"#)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.db(e))?;
        head_from(row.map(|row| (row.seq, row.hash)))
    }

    async fn find_ids(&self, ids: &[String]) -> Result<Vec<Record>> {
        let mut found = Vec::new();
        // One indexed lookup per id: batches are bounded by the body limit, and a
        // statement with thousands of parameters would hit SQLite's variable limit.
        let mut conn = self.pool.acquire().await.map_err(|e| self.db(e))?;
        for id in ids {
            let row = sqlx::query!(r#"SELECT seq AS "seq!: i64", id, kind, body, prev, hash FROM records WHERE id = ?"#, id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(|e| self.db(e))?;
            if let Some(row) = row {
                found.push(record_from_columns(RecordColumns {
                    seq: row.seq,
                    id: row.id,
                    kind: row.kind,
                    body: row.body,
                    prev: row.prev,
                    hash: row.hash,
                })?);
            }
        }
        Ok(found)
    }

    async fn append(&self, expected: u64, records: &[NewRecord]) -> Result<Vec<Record>> {
        assert!(records.len() <= MAX_BATCH, "a batch of {} records is over the limit", records.len());
        // IMMEDIATE takes the write lock now: the head read below and the inserts after it
        // cannot interleave with another writer, thread or process.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(|e| self.db(e))?;
        let row = sqlx::query!(r#"SELECT seq AS "seq!: i64", hash FROM records ORDER BY seq DESC LIMIT 1"#)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| self.db(e))?;
        let head = head_from(row.map(|row| (row.seq, row.hash)))?;
        if head.seq != expected {
            return Err(Error::HeadMoved { expected, found: head.seq });
        }
        let committed_at_ms = now_ms();
        let mut prev = head.hash;
        let mut written = Vec::with_capacity(records.len());
        for (offset, new) in records.iter().enumerate() {
            let seq = head.seq + 1 + offset as u64;
            let hash = record_hash(&prev, seq, &new.kind, &new.body);
            let body_text = Value::Object(new.body.clone()).to_string();
            let (seq_value, prev_text, hash_text) = (to_i64(seq), hex::encode(prev), hex::encode(hash));
            sqlx::query!(
                "INSERT INTO records (seq, id, kind, body, prev, hash, committed_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                seq_value,
                new.id,
                new.kind,
                body_text,
                prev_text,
                hash_text,
                committed_at_ms
            )
            .execute(&mut *tx)
            .await
            .map_err(|e| self.db(e))?;
            if offset == 0 {
                crashpoint::hit("append.mid");
            }
            written.push(Record { seq, id: new.id.clone(), kind: new.kind.clone(), body: new.body.clone(), prev, hash });
            prev = hash;
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
        let mut rows = sqlx::query!(
            r#"SELECT seq AS "seq!: i64", id, kind, body, prev, hash FROM records WHERE seq > ? ORDER BY seq LIMIT ?"#,
            after,
            limit
        )
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
        let mut rows = sqlx::query!(
            r#"SELECT seq AS "seq!: i64", kind, body, prev, hash FROM records WHERE seq > ? ORDER BY seq LIMIT ?"#,
            after,
            limit
        )
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
        // The offline data is keyed by the query's text: no text may be the same as one of
        // the PostgreSQL back end's (`ORDER BY row_id ASC` here, `ORDER BY row_id` there).
        let rows = sqlx::query!("SELECT name, role, token_sha256 FROM tokens WHERE revoked_at_ms IS NULL ORDER BY row_id ASC")
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.db(e))?;
        Ok(rows.into_iter().filter_map(|row| token_from_columns(row.name, &row.role, &row.token_sha256)).collect())
    }

    async fn issue_token(&self, name: &str, role: Role, token_sha256: &[u8; 32], now_ms: i64) -> Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(|e| self.db(e))?;
        let live = sqlx::query!(r#"SELECT 1 AS "live!: i64" FROM tokens WHERE name = ? AND revoked_at_ms IS NULL"#, name)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| self.db(e))?;
        if live.is_some() {
            return Err(Error::Usage {
                message: format!("name {name:?} already has a live token; revoke it first (token revoke --name {name})"),
            });
        }
        let (role, token_sha256) = (role.as_str(), hex::encode(token_sha256));
        sqlx::query!("INSERT INTO tokens (name, role, token_sha256, issued_at_ms) VALUES (?, ?, ?, ?)", name, role, token_sha256, now_ms)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.db(e))?;
        tx.commit().await.map_err(|e| self.db(e))
    }

    async fn revoke_token(&self, name: &str, now_ms: i64) -> Result<bool> {
        let done = sqlx::query!("UPDATE tokens SET revoked_at_ms = ? WHERE name = ? AND revoked_at_ms IS NULL", now_ms, name)
            .execute(&self.pool)
            .await
            .map_err(|e| self.db(e))?;
        Ok(done.rows_affected() > 0)
    }
}
