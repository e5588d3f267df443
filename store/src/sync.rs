//! The store's side of the sync with the backend ledger (issue 10): the cursor, the pulled
//! records (applied with their events and the cursor in one transaction), and the outbox of
//! commands waiting for the ledger.

use clubgate_core::events::Event;
use jiff::Timestamp;

use crate::{Error, Result, Store, StoredBundle};

/// How far this store has followed a ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerCursor {
    /// The ledger's base URL.
    pub url: String,
    /// The last seq applied (0: nothing yet).
    pub seq: u64,
    /// Its hash, lowercase hex (the genesis' 64 zeros when nothing yet).
    pub hash: String,
}

/// A record pulled from the ledger, verified against the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledRecord {
    /// Its seq.
    pub seq: u64,
    /// Its kind.
    pub kind: String,
    /// Its body, compact JSON.
    pub body: String,
    /// The previous hash (hex).
    pub prev: String,
    /// Its hash (hex).
    pub hash: String,
}

/// A command for the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxCommand {
    /// The command's id (UUID).
    pub id: String,
    /// Its kind (`approval`, `signature`, `decision`, …).
    pub kind: String,
    /// Its payload, a JSON object.
    pub payload: String,
    /// `pending`, `acked` or `refused`.
    pub state: String,
    /// The seq the ledger gave it (acked).
    pub seq: Option<u64>,
    /// The ledger's error (refused): code and message.
    pub error: Option<(String, String)>,
    /// How many times it was sent.
    pub attempts: u32,
}

/// The outbox's size by state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxCounts {
    /// Waiting to be sent or answered.
    pub pending: u64,
    /// Acknowledged by the ledger.
    pub acked: u64,
    /// Refused by the ledger.
    pub refused: u64,
}

fn seq_of(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn to_i64(seq: u64) -> Result<i64> {
    i64::try_from(seq).map_err(|_| Error::Refused(format!("seq {seq} is beyond what the store can hold")))
}

impl Store {
    /// The ledger this store follows, and how far.
    pub async fn ledger_cursor(&self) -> Result<Option<LedgerCursor>> {
        let row = sqlx::query!(r#"SELECT url, seq AS "seq!: i64", hash FROM ledger_cursor WHERE id = 1"#)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.db_error(e))?;
        Ok(row.map(|row| LedgerCursor { url: row.url, seq: seq_of(row.seq), hash: row.hash }))
    }

    /// Stores a page of pulled records, the events among them, the payout bundles published
    /// in it (verified by the caller against their hashes; a bundle id already in the queue
    /// is kept as it is) and the new cursor, in one transaction — only if the cursor is still
    /// `from` (another sync of this store did not apply them first). The first page for a
    /// ledger replaces any imported or replayed event stream. A store follows one ledger:
    /// another URL is refused.
    pub async fn apply_pulled(
        &self,
        url: &str,
        from: &LedgerCursor,
        records: &[PulledRecord],
        events: &[Event],
        bundles: &[StoredBundle],
        at: Timestamp,
    ) -> Result<()> {
        let (Some(first), Some(last)) = (records.first(), records.last()) else { return Ok(()) };
        assert!(first.seq == from.seq + 1 && first.prev == from.hash, "a page continues the cursor");
        let mut tx = self.write().await?;
        let current = sqlx::query!(r#"SELECT url, seq AS "seq!: i64", hash FROM ledger_cursor WHERE id = 1"#)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| self.db_error(e))?;
        match &current {
            Some(row) if row.url != url => {
                return Err(Error::Refused(format!(
                    "this store follows the ledger {}, not {url}; use a store of its own for another ledger",
                    row.url
                )))
            }
            Some(row) if seq_of(row.seq) != from.seq || row.hash != from.hash => {
                return Err(Error::Refused(format!(
                    "the store's cursor moved to seq {} while records from seq {} were pulled; pull again",
                    row.seq, first.seq
                )))
            }
            None if from.seq != 0 => return Err(Error::Refused("the store has no cursor to continue".to_owned())),
            None => {
                let source = format!("ledger:{url}");
                let started = at.to_string();
                sqlx::query!("DELETE FROM events").execute(&mut *tx).await.map_err(|e| self.db_error(e))?;
                sqlx::query!(
                    "INSERT INTO event_stream (id, source, started_at) VALUES (1, ?, ?) \
                     ON CONFLICT (id) DO UPDATE SET source = excluded.source, started_at = excluded.started_at",
                    source,
                    started
                )
                .execute(&mut *tx)
                .await
                .map_err(|e| self.db_error(e))?;
            }
            Some(_) => {}
        }
        for batch in records.chunks(crate::ROWS_PER_INSERT) {
            let rows = batch.iter().map(|r| Ok((to_i64(r.seq)?, r))).collect::<Result<Vec<_>>>()?;
            let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO ledger_records (seq, kind, body, prev, hash) ");
            insert.push_values(rows, |mut row, (seq, record)| {
                row.push_bind(seq).push_bind(&record.kind).push_bind(&record.body).push_bind(&record.prev).push_bind(&record.hash);
            });
            insert.build().execute(&mut *tx).await.map_err(|e| self.db_error(e))?;
        }
        crate::insert_events(&mut tx, events).await.map_err(|e| self.db_error(e))?;
        for bundle in bundles {
            // A bundle id already in the queue keeps its bundle.
            match crate::insert_bundle_row(&mut tx, bundle).await {
                Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {}
                other => other.map_err(|e| self.db_error(e))?,
            }
        }
        let (seq, synced_at) = (to_i64(last.seq)?, at.to_string());
        sqlx::query!(
            "INSERT INTO ledger_cursor (id, url, seq, hash, synced_at) VALUES (1, ?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, synced_at = excluded.synced_at",
            url,
            seq,
            last.hash,
            synced_at
        )
        .execute(&mut *tx)
        .await
        .map_err(|e| self.db_error(e))?;
        tx.commit().await.map_err(|e| self.db_error(e))
    }

    /// Queues a command for the ledger (its id is its idempotency key).
    pub async fn enqueue_command(&self, id: &str, kind: &str, payload: &str, at: Timestamp) -> Result<()> {
        let created_at = at.to_string();
        sqlx::query!(
            "INSERT INTO outbox (id, kind, payload, created_at, state) VALUES (?, ?, ?, ?, 'pending')",
            id,
            kind,
            payload,
            created_at
        )
        .execute(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// The commands of the outbox in the order they were queued (`pending_only`: the ones
    /// waiting).
    pub async fn outbox(&self, pending_only: bool) -> Result<Vec<OutboxCommand>> {
        let rows = sqlx::query!(
            r#"SELECT id AS "id!", kind, payload, state, seq, error_code, error_message, attempts AS "attempts!: i64"
               FROM outbox WHERE (? = 0 OR state = 'pending') ORDER BY created_at, rowid"#,
            pending_only
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        Ok(rows
            .into_iter()
            .map(|row| OutboxCommand {
                id: row.id,
                kind: row.kind,
                payload: row.payload,
                state: row.state,
                seq: row.seq.map(seq_of),
                error: row.error_code.zip(row.error_message),
                attempts: u32::try_from(row.attempts).unwrap_or(u32::MAX),
            })
            .collect())
    }

    /// Counts a send of a pending command (before it goes out).
    pub async fn count_send(&self, id: &str) -> Result<()> {
        sqlx::query!("UPDATE outbox SET attempts = attempts + 1 WHERE id = ? AND state = 'pending'", id)
            .execute(&self.pool)
            .await
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// Records the ledger's 2xx answer to a command: acknowledged at `seq`.
    pub async fn ack_command(&self, id: &str, seq: u64) -> Result<()> {
        let seq = to_i64(seq)?;
        sqlx::query!("UPDATE outbox SET state = 'acked', seq = ? WHERE id = ? AND state = 'pending'", seq, id)
            .execute(&self.pool)
            .await
            .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// Records the ledger's refusal of a command (409/422), kept to be shown to the user.
    pub async fn refuse_command(&self, id: &str, code: &str, message: &str) -> Result<()> {
        sqlx::query!(
            "UPDATE outbox SET state = 'refused', error_code = ?, error_message = ? WHERE id = ? AND state = 'pending'",
            code,
            message,
            id
        )
        .execute(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// The outbox's size by state.
    pub async fn outbox_counts(&self) -> Result<OutboxCounts> {
        let rows = sqlx::query!(r#"SELECT state, COUNT(*) AS "count!: i64" FROM outbox GROUP BY state"#)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.db_error(e))?;
        let mut counts = OutboxCounts::default();
        for row in rows {
            let count = seq_of(row.count);
            match row.state.as_str() {
                "pending" => counts.pending = count,
                "acked" => counts.acked = count,
                _ => counts.refused = count,
            }
        }
        Ok(counts)
    }
}

/// An approval of a bundle hash as the pulled log holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogApproval {
    /// Its record's seq.
    pub seq: u64,
    /// The approver's address, as sent.
    pub approver: String,
    /// The 65-byte signature (0x-hex), as sent.
    pub signature: String,
}

/// A `signature` command of a chunk as the pulled log holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSignature {
    /// Its record's seq.
    pub seq: u64,
    /// Its `tx_hash` (the desk sends the signing hash of the reviewed bytes).
    pub tx_hash: String,
    /// Who signed, as the signing workstation named itself.
    pub signed_by: Option<String>,
}

/// A command of one kind: in the pulled log (with its seq) or waiting in this store's outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindCommand {
    /// The log's seq; `None` while it waits in the outbox (pending).
    pub seq: Option<u64>,
    /// Its payload, compact JSON.
    pub payload: String,
}

/// The ledger's policy as this store last fetched it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerPolicy {
    /// Its version.
    pub version: u32,
    /// keccak256 of the treasury file's text (0x…).
    pub hash: String,
    /// The treasury file's text.
    pub treasury: String,
    /// The seq of the record that put it in force.
    pub in_force_seq: u64,
}

impl Store {
    /// The approvals of a bundle hash in the pulled log, in log order (the first of each
    /// approver counts; the ledger refuses a second).
    pub async fn log_approvals(&self, bundle_hash: &str) -> Result<Vec<LogApproval>> {
        let rows = sqlx::query!(
            r#"SELECT seq AS "seq!: i64",
                      json_extract(body, '$.payload.approver') AS "approver: String",
                      json_extract(body, '$.payload.signature') AS "signature: String"
               FROM ledger_records
               WHERE kind = 'approval' AND lower(json_extract(body, '$.payload.bundle_hash')) = lower(?)
               ORDER BY seq"#,
            bundle_hash
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        Ok(rows
            .into_iter()
            .filter_map(|row| Some(LogApproval { seq: seq_of(row.seq), approver: row.approver?, signature: row.signature? }))
            .collect())
    }

    /// The `signature` commands of a chunk in the pulled log, in log order.
    pub async fn log_signatures(&self, bundle_hash: &str, chunk: u32) -> Result<Vec<LogSignature>> {
        let chunk = i64::from(chunk);
        let rows = sqlx::query!(
            r#"SELECT seq AS "seq!: i64",
                      json_extract(body, '$.payload.tx_hash') AS "tx_hash: String",
                      json_extract(body, '$.payload.signed_by') AS "signed_by: String"
               FROM ledger_records
               WHERE kind = 'signature' AND lower(json_extract(body, '$.payload.bundle_hash')) = lower(?)
                 AND json_extract(body, '$.payload.chunk') = ?
               ORDER BY seq"#,
            bundle_hash,
            chunk
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        Ok(rows
            .into_iter()
            .filter_map(|row| Some(LogSignature { seq: seq_of(row.seq), tx_hash: row.tx_hash?, signed_by: row.signed_by }))
            .collect())
    }

    /// The commands of a kind: those in the pulled log in log order, then this store's own of
    /// that kind not in the pulled log yet — waiting, or acknowledged and not pulled back — in
    /// the order they were queued (a local switch counts at once, before the ledger has it).
    pub async fn commands_of_kind(&self, kind: &str) -> Result<Vec<KindCommand>> {
        let logged = sqlx::query!(
            r#"SELECT seq AS "seq!: i64", json_extract(body, '$.payload') AS "payload: String"
               FROM ledger_records WHERE kind = ? ORDER BY seq"#,
            kind
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        // Waiting, or acknowledged but not pulled back yet: a switch this desk sent must not
        // vanish between the ledger's answer and the next successful pull.
        let pending = sqlx::query!(
            "SELECT payload FROM outbox WHERE kind = ? AND state IN ('pending', 'acked') \
             AND id NOT IN (SELECT json_extract(body, '$.id') FROM ledger_records WHERE kind = ?) ORDER BY rowid",
            kind,
            kind
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        let mut commands: Vec<KindCommand> =
            logged.into_iter().filter_map(|row| Some(KindCommand { seq: Some(seq_of(row.seq)), payload: row.payload? })).collect();
        commands.extend(pending.into_iter().map(|row| KindCommand { seq: None, payload: row.payload }));
        Ok(commands)
    }

    /// The checklist items whose latest sign-off on this desk waits in the outbox (not in the
    /// ledger's log yet): shown as pending (read-your-writes).
    pub async fn pending_checklist_items(&self) -> Result<Vec<String>> {
        let rows = sqlx::query_scalar!(
            r#"SELECT DISTINCT json_extract(payload, '$.item_id') AS "item: String" FROM outbox WHERE kind = 'checklist' AND state = 'pending'"#
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        Ok(rows.into_iter().flatten().collect())
    }

    /// Keeps a policy version fetched from the ledger (a version already kept is left as it
    /// was: the ledger never changes a version).
    pub async fn keep_ledger_policy(&self, policy: &LedgerPolicy, at: Timestamp) -> Result<()> {
        let (version, in_force_seq, fetched_at) = (i64::from(policy.version), to_i64(policy.in_force_seq)?, at.to_string());
        sqlx::query!(
            "INSERT INTO ledger_policy (version, hash, treasury, in_force_seq, fetched_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (version) DO NOTHING",
            version,
            policy.hash,
            policy.treasury,
            in_force_seq,
            fetched_at
        )
        .execute(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// The newest policy fetched from the ledger this store follows.
    pub async fn ledger_policy(&self) -> Result<Option<LedgerPolicy>> {
        let row = sqlx::query!(
            r#"SELECT version AS "version!: i64", hash, treasury, in_force_seq AS "in_force_seq!: i64"
               FROM ledger_policy ORDER BY version DESC LIMIT 1"#
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        Ok(row.map(|row| LedgerPolicy {
            version: u32::try_from(row.version).unwrap_or(u32::MAX),
            hash: row.hash,
            treasury: row.treasury,
            in_force_seq: seq_of(row.in_force_seq),
        }))
    }

    /// Records a command the ledger acknowledged when it was sent directly (a signature's
    /// reservation, which must be answered before the HSM is asked), so the outbox holds
    /// every command this desk sent.
    pub async fn record_sent(&self, id: &str, kind: &str, payload: &str, seq: u64, at: Timestamp) -> Result<()> {
        let (seq, created_at) = (to_i64(seq)?, at.to_string());
        sqlx::query!(
            "INSERT INTO outbox (id, kind, payload, created_at, state, seq, attempts) VALUES (?, ?, ?, ?, 'acked', ?, 1) \
             ON CONFLICT (id) DO UPDATE SET state = 'acked', seq = excluded.seq",
            id,
            kind,
            payload,
            created_at,
            seq
        )
        .execute(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        Ok(())
    }
}
