//! The warroom's decision log (issue 11, migration 10). A decision is kept as the payload of
//! the `decision` command it is sent as; the log a desk shows is the ledger's decisions in
//! log order, then this desk's decisions the ledger has not served back yet — or, on a desk
//! that follows no ledger, the decisions signed here in the order they were recorded. The
//! store does not judge the entries (the treasury crate verifies signatures and the chain);
//! it keeps the log append-only and records a decision only on top of the entry it was
//! signed after.

use jiff::Timestamp;
use sqlx::SqliteConnection;

use crate::{Error, Result, Store};

/// A command to queue with a decision in its transaction: `(id, kind, payload)`.
pub type Command<'a> = (&'a str, &'a str, &'a str);

/// The log as this desk reads it: every decision payload, in order.
async fn log_view(conn: &mut SqliteConnection) -> sqlx::Result<Vec<String>> {
    let following = sqlx::query_scalar!("SELECT COUNT(*) FROM ledger_cursor").fetch_one(&mut *conn).await? > 0;
    if !following {
        return sqlx::query_scalar!("SELECT payload FROM decisions ORDER BY position").fetch_all(&mut *conn).await;
    }
    let mut payloads: Vec<String> = sqlx::query_scalar!(
        r#"SELECT json_extract(body, '$.payload') AS "payload: String" FROM ledger_records WHERE kind = 'decision' ORDER BY seq"#
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .flatten()
    .collect();
    // Sent or waiting, not served back yet (read-your-writes); a refused one is not in the log.
    let waiting = sqlx::query_scalar!(
        r#"SELECT payload FROM outbox WHERE kind = 'decision' AND state IN ('pending', 'acked')
           AND id NOT IN (SELECT json_extract(body, '$.id') FROM ledger_records WHERE kind = 'decision')
           ORDER BY rowid"#
    )
    .fetch_all(&mut *conn)
    .await?;
    payloads.extend(waiting);
    Ok(payloads)
}

/// The `(seq, hash)` a payload names, if it reads.
fn seq_and_hash(payload: &str) -> Option<(u64, String)> {
    let value: serde_json::Value = serde_json::from_str(payload).ok()?;
    Some((value["seq"].as_u64()?, value["hash"].as_str()?.to_owned()))
}

impl Store {
    /// The decision log: each decision's payload, in the log's order.
    pub async fn decision_log(&self) -> Result<Vec<String>> {
        let mut conn = self.pool.acquire().await.map_err(|e| self.db_error(e))?;
        log_view(&mut conn).await.map_err(|e| self.db_error(e))
    }

    /// Records a decision signed on top of `after` (the `(seq, hash)` of the log's last entry
    /// when it was signed; `None` for the first) and queues it for the ledger, with the
    /// `commands` that carry it out (a safe-mode or volume-level switch), in one transaction.
    /// Refused when the log moved meanwhile (another decision was recorded or pulled): the
    /// decision would not continue the chain; decide again.
    pub async fn record_decision(
        &self,
        id: &str,
        payload: &str,
        after: Option<(u64, &str)>,
        commands: &[Command<'_>],
        at: Timestamp,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        let last = log_view(&mut tx).await.map_err(|e| self.db_error(e))?.last().map(|p| seq_and_hash(p));
        let expected = after.map(|(seq, hash)| (seq, hash.to_owned()));
        match (last, &expected) {
            (None, None) => {}
            (Some(Some(last)), Some(expected)) if &last == expected => {}
            (last, _) => {
                let now = match last {
                    None => "empty".to_owned(),
                    Some(Some((seq, hash))) => format!("at decision {seq} ({hash})"),
                    Some(None) => "ending in an entry that does not read".to_owned(),
                };
                let then = expected.map_or_else(|| "empty".to_owned(), |(seq, hash)| format!("at decision {seq} ({hash})"));
                return Err(Error::Refused(format!(
                    "decision {id}: it was signed when the log was {then}, but the log is now {now}; decide again on top of the current log"
                )));
            }
        }
        let recorded_at = at.to_string();
        sqlx::query!("INSERT INTO decisions (id, payload, recorded_at) VALUES (?, ?, ?)", id, payload, recorded_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.db_error(e))?;
        sqlx::query!(
            "INSERT INTO outbox (id, kind, payload, created_at, state) VALUES (?, 'decision', ?, ?, 'pending')",
            id,
            payload,
            recorded_at
        )
        .execute(&mut *tx)
        .await
        .map_err(|e| self.db_error(e))?;
        for (command_id, kind, command) in commands {
            sqlx::query!(
                "INSERT INTO outbox (id, kind, payload, created_at, state) VALUES (?, ?, ?, ?, 'pending')",
                command_id,
                kind,
                command,
                recorded_at
            )
            .execute(&mut *tx)
            .await
            .map_err(|e| self.db_error(e))?;
        }
        tx.commit().await.map_err(|e| self.db_error(e))
    }
}
