//! The local SQLite store of ClubGate Desk.
//!
//! One function per statement, each returning a domain value; queries are checked at
//! compile time against `migrations/` (offline data in `.sqlx/`). Settings and checklist
//! changes are append-only: rows are only ever inserted, and triggers refuse the rest.

mod decisions;
pub use decisions::Command as DecisionCommand;
mod error;
mod oncall;
mod signing;
mod sync;
mod tracking;
mod volume;
pub use tracking::{broadcast_status_id, BroadcastRecord};

pub use sync::{KindCommand, LedgerCursor, LedgerPolicy, LogApproval, LogSignature, OutboxCommand, OutboxCounts, PulledRecord};

use std::path::{Path, PathBuf};
use std::str::FromStr;

use clubgate_core::checklist::{ItemChange, ItemState};
use clubgate_core::launch::Launch;
use jiff::Timestamp;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub use error::{Error, Result};
pub use oncall::TeamMember;
pub use signing::{
    instant_ns, Attempt, NonceClaim, Reservation, Reserved, SignatureKind, StoredReview, VolumeClaim, MAX_ATTEMPTS, STALE_RESERVATION_NS,
};

/// The most history rows read at once; a launch has a few hundred changes at most.
const MAX_HISTORY_ROWS: i64 = 100_000;

/// A bundle in the payout queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBundle {
    /// Its id.
    pub bundle_id: String,
    /// Its EIP-712 canonical hash (0x…).
    pub hash: String,
    /// Its canonical JSON document.
    pub document: String,
    /// Who put it into the queue.
    pub requested_by: String,
    /// When.
    pub created_at: Timestamp,
}

/// The settings of a launch, as last recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchSettings {
    /// The launch.
    pub launch_id: i64,
    /// The plan's id.
    pub plan_id: String,
    /// The plan's version.
    pub plan_version: String,
    /// `builtin:launch-plan-v1` or the plan file's path.
    pub plan_source: String,
    /// The plan file's text when it was chosen.
    pub plan_toml: String,
    /// T0, RFC 3339 with offset.
    pub t0: String,
    /// The zone.
    pub time_zone: String,
    /// Who set it.
    pub changed_by: String,
    /// When (UTC).
    pub changed_at: Timestamp,
}

impl LaunchSettings {
    /// The launch these settings describe.
    pub fn launch(&self) -> Result<Launch> {
        Ok(Launch::new(&self.plan_toml, &self.t0, Some(&self.time_zone))?)
    }
}

/// New settings for the current launch.
#[derive(Debug, Clone)]
pub struct NewSettings<'a> {
    /// The plan source label.
    pub plan_source: &'a str,
    /// The plan file's text.
    pub plan_toml: &'a str,
    /// T0 as the user wrote it.
    pub t0: &'a str,
    /// The zone; the plan's when `None`.
    pub time_zone: Option<&'a str>,
    /// Who changes the settings.
    pub changed_by: &'a str,
    /// When.
    pub changed_at: Timestamp,
    /// The launch IC's reason: required once a payout of the launch was signed.
    pub reason: Option<&'a str>,
}

/// The local store.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and applies the migrations.
    pub async fn open(path: &Path) -> Result<Self> {
        let label = path.display().to_string();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::Database { path: label.clone(), source: sqlx::Error::Io(e) })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a signature reservation is on disk before the signer is asked.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(std::time::Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| Error::Database { path: label.clone(), source })?;
        sqlx::migrate!("../migrations").run(&pool).await.map_err(|source| Error::Migrate { path: label, source })?;
        Ok(Self { pool, path: path.to_owned() })
    }

    /// A write transaction. IMMEDIATE takes the write lock at BEGIN, so what it reads before
    /// writing cannot go stale under another connection's commit: a DEFERRED one upgrading
    /// from read to write after such a commit fails at once with "database is locked"
    /// instead of waiting on the busy timeout.
    async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(|e| self.db_error(e))
    }

    fn db_error(&self, source: sqlx::Error) -> Error {
        Error::Database { path: self.path.display().to_string(), source }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The latest settings of the latest launch, if any launch is configured.
    pub async fn current_settings(&self) -> Result<Option<LaunchSettings>> {
        let row = sqlx::query!(
            r#"SELECT id AS "id!", launch_id, plan_id, plan_version, plan_source, plan_toml, t0, time_zone, changed_by, changed_at
               FROM launch_settings ORDER BY id DESC LIMIT 1"#
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        let Some(row) = row else { return Ok(None) };
        let changed_at = parse_instant("launch_settings", row.id, &row.changed_at)?;
        Ok(Some(LaunchSettings {
            launch_id: row.launch_id,
            plan_id: row.plan_id,
            plan_version: row.plan_version,
            plan_source: row.plan_source,
            plan_toml: row.plan_toml,
            t0: row.t0,
            time_zone: row.time_zone,
            changed_by: row.changed_by,
            changed_at,
        }))
    }

    /// The current settings, or [`Error::NoLaunch`].
    pub async fn require_settings(&self) -> Result<LaunchSettings> {
        self.current_settings().await?.ok_or_else(|| Error::NoLaunch { path: self.path.display().to_string() })
    }

    /// Records new settings for the current launch (creating the launch on first use)
    /// after checking that the plan, T0 and zone make a valid launch.
    pub async fn configure(&self, new: &NewSettings<'_>) -> Result<LaunchSettings> {
        let launch = Launch::new(new.plan_toml, new.t0, new.time_zone)?;
        if new.changed_by.trim().is_empty() {
            return Err(clubgate_core::Error::Missing { field: "who", hint: "name the person changing the launch settings" }.into());
        }
        let t0 = clubgate_core::schedule::rfc3339(launch.t0.zoned());
        let zone = launch.table.tz.clone();
        let reason = new.reason.map(str::trim).filter(|r| !r.is_empty());
        if reason.is_none() {
            let changes = self.current_settings().await?.is_some_and(|c| c.t0 != t0 || c.time_zone != zone || c.plan_toml != new.plan_toml);
            let signed = self.signed_count().await?;
            if changes && signed > 0 {
                return Err(Error::LaunchLocked { signed });
            }
        }
        let changed_at = new.changed_at.to_string();
        let changed_by = new.changed_by.trim();
        let mut tx = self.write().await?;
        let existing = sqlx::query_scalar!(r#"SELECT id AS "id!" FROM launches ORDER BY id DESC LIMIT 1"#)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| self.db_error(e))?;
        let launch_id = match existing {
            Some(id) => id,
            None => sqlx::query_scalar!(r#"INSERT INTO launches (created_at) VALUES (?) RETURNING id AS "id!""#, changed_at)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| self.db_error(e))?,
        };
        sqlx::query!(
            "INSERT INTO launch_settings (launch_id, plan_id, plan_version, plan_source, plan_toml, t0, time_zone, changed_by, changed_at, reason)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            launch_id,
            launch.plan.id,
            launch.plan.version,
            new.plan_source,
            new.plan_toml,
            t0,
            zone,
            changed_by,
            changed_at,
            reason
        )
        .execute(&mut *tx)
        .await
        .map_err(|e| self.db_error(e))?;
        tx.commit().await.map_err(|e| self.db_error(e))?;
        self.require_settings().await
    }

    /// Appends a checklist change to the launch's history.
    pub async fn record_change(&self, launch_id: i64, change: &ItemChange) -> Result<i64> {
        let state = change.state.as_str();
        let at = change.at.to_string();
        let mut tx = self.write().await?;
        // Issue 11: the on-call confirmation is done only while the rota covers every role
        // over the warroom span, read in this transaction (store/src/oncall.rs).
        if clubgate_core::oncall::requires_cover(&change.item_id, change.state) {
            self.refuse_uncovered(&mut tx, launch_id).await?;
        }
        let id = sqlx::query_scalar!(
            r#"INSERT INTO item_changes (launch_id, item_id, state, who, at, evidence) VALUES (?, ?, ?, ?, ?, ?) RETURNING id AS "id!""#,
            launch_id,
            change.item_id,
            state,
            change.who,
            at,
            change.evidence
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| self.db_error(e))?;
        // The sign-off goes to the ledger as a `checklist` command, queued with it.
        let payload =
            serde_json::json!({"item_id": change.item_id, "state": state, "who": change.who, "at": at, "evidence": change.evidence});
        // Named by the change's row too: two identical changes are two history rows, and the
        // same change queued twice (it is not: one transaction) would be one command.
        let command_id = command_id(&["checklist", &launch_id.to_string(), &id.to_string(), &change.item_id, state, &change.who, &at]);
        enqueue(&mut tx, &command_id, "checklist", &payload.to_string(), &at).await.map_err(|e| self.db_error(e))?;
        tx.commit().await.map_err(|e| self.db_error(e))?;
        Ok(id)
    }

    /// Every change of the launch, in the order recorded.
    pub async fn history(&self, launch_id: i64) -> Result<Vec<ItemChange>> {
        let rows = sqlx::query!(
            r#"SELECT id AS "id!", item_id, state, who, at, evidence FROM item_changes WHERE launch_id = ? ORDER BY id LIMIT ?"#,
            launch_id,
            MAX_HISTORY_ROWS
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        rows.into_iter()
            .map(|row| {
                let state = ItemState::from_str(&row.state).map_err(|e| Error::Corrupt {
                    table: "item_changes",
                    row: row.id,
                    detail: e.to_string(),
                })?;
                Ok(ItemChange {
                    item_id: row.item_id,
                    state,
                    who: row.who,
                    at: parse_instant("item_changes", row.id, &row.at)?,
                    evidence: row.evidence,
                })
            })
            .collect()
    }

    /// Appends events (already validated against the stream) in one transaction.
    pub async fn append_events(&self, events: &[clubgate_core::events::Event]) -> Result<()> {
        let mut tx = self.write().await?;
        refuse_if_following(&mut tx).await.map_err(|e| self.db_error(e))??;
        insert_events(&mut tx, events).await.map_err(|e| self.db_error(e))?;
        tx.commit().await.map_err(|e| self.db_error(e))
    }

    /// Every stored event's JSON line, in log order.
    pub async fn event_lines(&self) -> Result<Vec<String>> {
        let rows = sqlx::query_scalar!("SELECT line FROM events ORDER BY seq").fetch_all(&self.pool).await.map_err(|e| self.db_error(e))?;
        Ok(rows)
    }

    /// Starts a new event stream: forgets the stored events and records the new source.
    pub async fn start_stream(&self, source: &str, started_at: Timestamp) -> Result<()> {
        let started = started_at.to_string();
        let mut tx = self.write().await?;
        refuse_if_following(&mut tx).await.map_err(|e| self.db_error(e))??;
        sqlx::query!("DELETE FROM events").execute(&mut *tx).await.map_err(|e| self.db_error(e))?;
        sqlx::query!(
            "INSERT INTO event_stream (id, source, started_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET source = excluded.source, started_at = excluded.started_at",
            source,
            started
        )
        .execute(&mut *tx)
        .await
        .map_err(|e| self.db_error(e))?;
        tx.commit().await.map_err(|e| self.db_error(e))
    }

    /// Where the current event stream came from, if any.
    pub async fn stream_source(&self) -> Result<Option<String>> {
        sqlx::query_scalar!("SELECT source FROM event_stream WHERE id = 1").fetch_optional(&self.pool).await.map_err(|e| self.db_error(e))
    }

    /// Records that the latest signed attempt of a chunk was broadcast; returns the attempt.
    /// See [`Self::mark_broadcast_attempt`] for the refusals.
    pub async fn mark_broadcast(&self, bundle_id: &str, chunk: u32, by: &str, at: Timestamp) -> Result<u32> {
        self.mark_broadcast_attempt(bundle_id, chunk, None, by, at).await
    }

    /// Records that the latest signed attempt of a chunk — ``expected_attempt` when given, else refused
    /// — was broadcast; returns the attempt. Refused, under the write lock, while a later
    /// attempt of the chunk is being signed (a replacement: sending the attempt it replaces
    /// could pay twice); a reservation older than [`STALE_RESERVATION_NS`] is abandoned first,
    /// so its stopped signer can no longer record a signature.
    pub async fn mark_broadcast_attempt(
        &self,
        bundle_id: &str,
        chunk: u32,
        expected_attempt: Option<u32>,
        by: &str,
        at: Timestamp,
    ) -> Result<u32> {
        let chunk_number = i64::from(chunk);
        let at_ns = signing::instant_ns(at)?;
        let mut tx = self.write().await?;
        let being_signed = sqlx::query!(
            r#"SELECT attempt AS "attempt!", reserved_at_ns FROM signatures WHERE bundle_id = ? AND chunk = ? AND state = 'reserved' ORDER BY attempt DESC LIMIT 1"#,
            bundle_id,
            chunk_number
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| self.db_error(e))?;
        if let Some(reserved) = being_signed {
            if at_ns.saturating_sub(reserved.reserved_at_ns) < STALE_RESERVATION_NS {
                return Err(Error::Refused(format!(
                    "attempt {} of chunk {chunk} of bundle {bundle_id} is being signed (a replacement); the attempt before it is not broadcast now — it could pay twice. Wait for the signature and broadcast that one",
                    reserved.attempt
                )));
            }
            signing::abandon_in(
                &mut tx,
                bundle_id,
                chunk_number,
                reserved.attempt,
                "the signing process stopped before it recorded a signature (abandoned when the chunk was broadcast)",
                at_ns,
            )
            .await
            .map_err(|e| self.db_error(e))?;
        }
        let latest = sqlx::query!(
            r#"SELECT attempt AS "attempt!", tx_hash FROM signatures WHERE bundle_id = ? AND chunk = ? AND state = 'signed' ORDER BY attempt DESC LIMIT 1"#,
            bundle_id,
            chunk_number
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| self.db_error(e))?
        .ok_or_else(|| Error::Refused(format!("chunk {chunk} of bundle {bundle_id} has no signed transaction to broadcast")))?;
        let (attempt, tx_hash) = (latest.attempt, latest.tx_hash);
        if let Some(expected) = expected_attempt.filter(|e| i64::from(*e) != attempt) {
            return Err(Error::Refused(format!(
                "attempt {expected} of chunk {chunk} of bundle {bundle_id} is no longer the chunk's latest signed transaction (attempt {attempt} is); nothing recorded — broadcast again"
            )));
        }
        let broadcast_at = at.to_string();
        let inserted = sqlx::query!(
            "INSERT INTO broadcasts (bundle_id, chunk, attempt, broadcast_at, recorded_by) VALUES (?, ?, ?, ?, ?)",
            bundle_id,
            chunk_number,
            attempt,
            broadcast_at,
            by
        )
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                return Err(Error::Refused(format!(
                    "attempt {attempt} of chunk {chunk} of bundle {bundle_id} is recorded as broadcast already"
                )))
            }
            Err(other) => return Err(self.db_error(other)),
        }
        // The mark goes to the ledger as a `broadcast` command, queued with it.
        let payload = serde_json::json!({"bundle_id": bundle_id, "chunk": chunk, "attempt": attempt, "tx_hash": tx_hash, "by": by, "at": broadcast_at});
        let command_id = command_id(&["broadcast", bundle_id, &chunk.to_string(), &attempt.to_string()]);
        enqueue(&mut tx, &command_id, "broadcast", &payload.to_string(), &broadcast_at).await.map_err(|e| self.db_error(e))?;
        tx.commit().await.map_err(|e| self.db_error(e))?;
        u32::try_from(attempt).map_err(|_| Error::Corrupt { table: "broadcasts", row: attempt, detail: "attempt".to_owned() })
    }

    /// When an attempt of a chunk was recorded as broadcast, if it was.
    pub async fn broadcast_at(&self, bundle_id: &str, chunk: u32, attempt: u32) -> Result<Option<String>> {
        let (chunk_number, attempt_number) = (i64::from(chunk), i64::from(attempt));
        sqlx::query_scalar!(
            "SELECT broadcast_at FROM broadcasts WHERE bundle_id = ? AND chunk = ? AND attempt = ?",
            bundle_id,
            chunk_number,
            attempt_number
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.db_error(e))
    }

    /// Adds a bundle to the payout queue; a bundle id is used once.
    pub async fn insert_bundle(&self, bundle: &StoredBundle) -> Result<()> {
        self.add_bundle(bundle, false).await
    }

    /// Adds a bundle the treasury lead made to the payout queue and, in the same
    /// transaction, queues it for the ledger as a `bundle` command
    /// `{"bundle_id","bundle_hash","document","requested_by"}`, so the approvers' desks get
    /// it from the log (docs/ledger.md).
    pub async fn publish_bundle(&self, bundle: &StoredBundle) -> Result<()> {
        self.add_bundle(bundle, true).await
    }

    async fn add_bundle(&self, bundle: &StoredBundle, publish: bool) -> Result<()> {
        let created_at = bundle.created_at.to_string();
        let mut tx = self.write().await?;
        match insert_bundle_row(&mut tx, bundle).await {
            Ok(_) => {}
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                return Err(Error::Refused(format!(
                    "bundle id {:?} is taken; a changed payout is a new bundle with a new id",
                    bundle.bundle_id
                )))
            }
            Err(other) => return Err(self.db_error(other)),
        }
        if publish {
            let document: serde_json::Value = serde_json::from_str(&bundle.document)
                .map_err(|e| Error::Refused(format!("bundle {}: its document is not JSON ({e})", bundle.bundle_id)))?;
            let payload = serde_json::json!({
                "bundle_id": bundle.bundle_id, "bundle_hash": bundle.hash, "document": document, "requested_by": bundle.requested_by
            });
            let id = command_id(&["bundle", &bundle.hash.to_lowercase()]);
            enqueue(&mut tx, &id, "bundle", &payload.to_string(), &created_at).await.map_err(|e| self.db_error(e))?;
        }
        tx.commit().await.map_err(|e| self.db_error(e))
    }

    /// The payout queue, oldest first.
    pub async fn bundles(&self) -> Result<Vec<StoredBundle>> {
        let rows = sqlx::query!(
            r#"SELECT rowid AS "row!", bundle_id, hash, document, requested_by, created_at FROM payout_bundles ORDER BY created_at, rowid"#
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        rows.into_iter()
            .map(|r| {
                Ok(StoredBundle {
                    created_at: parse_instant("payout_bundles", r.row, &r.created_at)?,
                    bundle_id: r.bundle_id,
                    hash: r.hash,
                    document: r.document,
                    requested_by: r.requested_by,
                })
            })
            .collect()
    }

    /// Records an approval of a bundle (one per approver) and, in the same transaction,
    /// queues it for the ledger as an `approval` command
    /// `{"bundle_hash","approver","signature","bundle_id"[,"policy_version"]}`. The command's id is derived
    /// from the bundle hash and the approver, so the same approval queued on two
    /// workstations is one command to the ledger.
    pub async fn add_approval(&self, bundle_id: &str, approver: &str, signature: &str, at: Timestamp) -> Result<()> {
        let approved_at = at.to_string();
        let mut tx = self.write().await?;
        let inserted = sqlx::query!(
            "INSERT INTO payout_approvals (bundle_id, approver, signature, approved_at) VALUES (?, ?, ?, ?)",
            bundle_id,
            approver,
            signature,
            approved_at
        )
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                return Err(Error::Refused(format!("{approver} has approved bundle {bundle_id} already; an approver counts once")))
            }
            Err(sqlx::Error::Database(db)) if db.message().contains("FOREIGN KEY") => {
                return Err(Error::Refused(format!("bundle {bundle_id:?} is not in the payout queue")))
            }
            Err(other) => return Err(self.db_error(other)),
        }
        let bundle = sqlx::query!("SELECT hash, document FROM payout_bundles WHERE bundle_id = ?", bundle_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| self.db_error(e))?;
        let id = approval_command_id(&bundle.hash, approver);
        let signature = if signature.starts_with("0x") { signature.to_owned() } else { format!("0x{signature}") };
        let mut payload =
            serde_json::json!({"bundle_hash": bundle.hash, "approver": approver, "signature": signature, "bundle_id": bundle_id});
        // The policy version the bundle was made under: the ledger refuses the approval once
        // another version is in force (422 `policy_changed`).
        let document: serde_json::Value = serde_json::from_str(&bundle.document).unwrap_or_default();
        if let Some(version) = document["policy_version"].as_u64() {
            payload["policy_version"] = serde_json::Value::from(version);
        }
        let payload = payload.to_string();
        sqlx::query!(
            "INSERT INTO outbox (id, kind, payload, created_at, state) VALUES (?, 'approval', ?, ?, 'pending') ON CONFLICT (id) DO NOTHING",
            id,
            payload,
            approved_at
        )
        .execute(&mut *tx)
        .await
        .map_err(|e| self.db_error(e))?;
        tx.commit().await.map_err(|e| self.db_error(e))
    }

    /// The approvals of a bundle: (approver, signature hex), in the order they came.
    pub async fn approvals(&self, bundle_id: &str) -> Result<Vec<(String, String)>> {
        let rows =
            sqlx::query!("SELECT approver, signature FROM payout_approvals WHERE bundle_id = ? ORDER BY approved_at, rowid", bundle_id)
                .fetch_all(&self.pool)
                .await
                .map_err(|e| self.db_error(e))?;
        Ok(rows.into_iter().map(|r| (r.approver, r.signature)).collect())
    }

    /// Closes the pool, flushing the WAL.
    pub async fn close(self) {
        self.pool.close().await;
    }
}

fn parse_instant(table: &'static str, row: i64, text: &str) -> Result<Timestamp> {
    text.parse().map_err(|e: jiff::Error| Error::Corrupt { table, row, detail: format!("instant {text:?}: {e}") })
}

/// The app's identifier; the data directory is named after it, as Tauri names it.
pub const APP_IDENTIFIER: &str = "com.clubgate.desk";

/// The environment variable that moves the data directory (tests, demos, portable use).
pub const DATA_DIR_ENV: &str = "CLUBGATE_DATA_DIR";

/// The data directory shared by the app and the CLI: `$CLUBGATE_DATA_DIR` when set, else
/// the platform's data directory joined with [`APP_IDENTIFIER`] (on Linux
/// `~/.local/share/com.clubgate.desk`), the folder Tauri's `app_data_dir` names.
pub fn default_data_dir() -> Option<PathBuf> {
    default_data_dir_override().or_else(|| dirs::data_dir().map(|d| d.join(APP_IDENTIFIER)))
}

/// `$CLUBGATE_DATA_DIR`, when set and not empty.
pub fn default_data_dir_override() -> Option<PathBuf> {
    std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// The database file inside a data directory.
pub fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join("clubgate.db")
}

/// Inserts a bundle into the payout queue (a bundle id once: a second is a unique violation).
pub(crate) async fn insert_bundle_row(tx: &mut sqlx::SqliteConnection, bundle: &StoredBundle) -> Result<(), sqlx::Error> {
    let created_at = bundle.created_at.to_string();
    sqlx::query!(
        "INSERT INTO payout_bundles (bundle_id, hash, document, requested_by, created_at) VALUES (?, ?, ?, ?, ?)",
        bundle.bundle_id,
        bundle.hash,
        bundle.document,
        bundle.requested_by,
        created_at
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A store that follows a ledger takes its events only from that ledger's log (the SLO
/// picture and the signing gate read them): an import or a replay would replace or mix them.
async fn refuse_if_following(tx: &mut sqlx::SqliteConnection) -> Result<Result<()>, sqlx::Error> {
    let url = sqlx::query_scalar!("SELECT url FROM ledger_cursor WHERE id = 1").fetch_optional(&mut *tx).await?;
    Ok(match url {
        Some(url) => Err(Error::Refused(format!(
            "this store follows the ledger {url}: its events come only from there; import or replay in a store of its own"
        ))),
        None => Ok(()),
    })
}

/// Rows per multi-row `INSERT` (5 columns each, well under SQLite's 32,766 variables): a
/// catch-up inserts 1,000-record pages, and one statement per row costs more in sqlx's
/// worker round trips than SQLite's own work.
pub(crate) const ROWS_PER_INSERT: usize = 500;

/// Inserts events into the `events` table within a transaction, many rows per statement.
pub(crate) async fn insert_events(tx: &mut sqlx::SqliteConnection, events: &[clubgate_core::events::Event]) -> Result<(), sqlx::Error> {
    for batch in events.chunks(ROWS_PER_INSERT) {
        let mut rows = Vec::with_capacity(batch.len());
        for event in batch {
            let seq = i64::try_from(event.seq)
                .map_err(|_| sqlx::Error::Encode(format!("event seq {} is beyond what the store can hold", event.seq).into()))?;
            let line = event.to_json();
            let kind = line.split("\"kind\":\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or("").to_owned();
            rows.push((seq, clubgate_core::events::format_uuid(event.id), event.at.to_string(), kind, line));
        }
        let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO events (seq, id, at, kind, line) ");
        insert.push_values(rows, |mut row, (seq, id, at, kind, line)| {
            row.push_bind(seq).push_bind(id).push_bind(at).push_bind(kind).push_bind(line);
        });
        insert.build().execute(&mut *tx).await?;
    }
    Ok(())
}

/// The ledger command id of an approval: a name-based UUID of the bundle hash and the
/// approver, both lowercased — the same on every workstation.
pub fn approval_command_id(bundle_hash: &str, approver: &str) -> String {
    command_id(&["approval", &bundle_hash.to_lowercase(), &approver.to_lowercase()])
}

/// A name-based UUID (version 8) from sha256 of the parts: a local action gets the same
/// command id however often it is queued.
pub fn command_id(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(b"clubgate command");
    for part in parts {
        hasher.update(b"\n");
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    let id = u128::from_be_bytes(bytes);
    let id = (id & !(0xf << 76) & !(0x3 << 62)) | (0x8 << 76) | (0x2 << 62);
    clubgate_core::events::format_uuid(id)
}

/// Queues a command for the ledger inside the transaction of its local effect (an id
/// already queued is kept as it is); answers whether it was new.
pub(crate) async fn enqueue(tx: &mut sqlx::SqliteConnection, id: &str, kind: &str, payload: &str, at: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "INSERT INTO outbox (id, kind, payload, created_at, state) VALUES (?, ?, ?, ?, 'pending') ON CONFLICT (id) DO NOTHING",
        id,
        kind,
        payload,
        at
    )
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
