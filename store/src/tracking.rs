//! Broadcast transactions as the registry keeps them, and their status changes for the
//! ledger (`broadcast` commands with a `status`, docs/ledger.md): what the tracking of
//! issue 12 reads and records.

use jiff::Timestamp;

use crate::{command_id, enqueue, parse_instant, Error, Result, Store};

/// One broadcast signature attempt, with the signed transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BroadcastRecord {
    /// The bundle (or canary id).
    pub bundle_id: String,
    /// The chunk.
    pub chunk: u32,
    /// The attempt that was broadcast.
    pub attempt: u32,
    /// `speed-up`, `expired`, `retry` or `None` (the original).
    pub reason: Option<String>,
    /// When the broadcast was recorded.
    pub broadcast_at: Timestamp,
    /// Who recorded it.
    pub recorded_by: String,
    /// `erc20` / `trc20`.
    pub network: String,
    /// The transaction hash / txID.
    pub tx_hash: String,
    /// The raw transaction (ERC-20: 0x-hex signed bytes; TRC-20: raw_data hex).
    pub raw: String,
}

impl Store {
    /// Every broadcast attempt, oldest broadcast first.
    pub async fn broadcasts(&self) -> Result<Vec<BroadcastRecord>> {
        let rows = sqlx::query!(
            r#"SELECT b.bundle_id, b.chunk AS "chunk!", b.attempt AS "attempt!", s.reason, b.broadcast_at, b.recorded_by, s.network,
                      s.tx_hash AS "tx_hash!", s.raw AS "raw!"
               FROM broadcasts b JOIN signatures s ON s.bundle_id = b.bundle_id AND s.chunk = b.chunk AND s.attempt = b.attempt
               WHERE s.tx_hash IS NOT NULL AND s.raw IS NOT NULL
               ORDER BY b.broadcast_at, b.bundle_id, b.chunk, b.attempt"#
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        rows.into_iter()
            .map(|r| {
                let number = |n: i64, what: &str| {
                    u32::try_from(n).map_err(|_| Error::Corrupt { table: "broadcasts", row: n, detail: what.to_owned() })
                };
                Ok(BroadcastRecord {
                    chunk: number(r.chunk, "chunk")?,
                    attempt: number(r.attempt, "attempt")?,
                    broadcast_at: parse_instant("broadcasts", r.attempt, &r.broadcast_at)?,
                    bundle_id: r.bundle_id,
                    reason: r.reason,
                    recorded_by: r.recorded_by,
                    network: r.network,
                    tx_hash: r.tx_hash,
                    raw: r.raw,
                })
            })
            .collect()
    }

    /// Queues a status change of a broadcast attempt (`confirmed`, `failed`, `replaced`) for
    /// the ledger as a `broadcast` command whose id is derived from the attempt and the
    /// status: recorded once however often it is seen. Answers whether it was new.
    pub async fn record_broadcast_status(
        &self,
        bundle_id: &str,
        chunk: u32,
        attempt: u32,
        status: &str,
        payload: &serde_json::Value,
        at: Timestamp,
    ) -> Result<bool> {
        let id = broadcast_status_id(bundle_id, chunk, attempt, status);
        let mut tx = self.write().await?;
        let added = enqueue(&mut tx, &id, "broadcast", &payload.to_string(), &at.to_string()).await.map_err(|e| self.db_error(e))?;
        tx.commit().await.map_err(|e| self.db_error(e))?;
        Ok(added)
    }
}

/// The command id of a broadcast attempt's status change.
pub fn broadcast_status_id(bundle_id: &str, chunk: u32, attempt: u32, status: &str) -> String {
    command_id(&["broadcast", bundle_id, &chunk.to_string(), &attempt.to_string(), status])
}
