//! The never-sign-twice registry, the day's volume reservations, the ERC-20 nonce
//! allocations and the reviews of unsigned bytes.
//!
//! A signature attempt is reserved durably before any signer is asked; its reservation,
//! the phase volume cap of the business day and the chunk's nonce are checked and written in
//! one `BEGIN IMMEDIATE` transaction, so two signers (threads or processes) serialise and
//! the second sees what the first consumed. Instants are stored as integer nanoseconds.

use jiff::Timestamp;
use sqlx::SqliteConnection;

use crate::{Error, Result, Store};

/// A reservation older than this is taken to belong to a signing process that stopped (a
/// signer answers in seconds): it is abandoned when the chunk is reserved again. The bytes
/// such a process may have signed were never recorded, so they never left it.
pub const STALE_RESERVATION_NS: i64 = 10 * 60 * 1_000_000_000;

/// The most attempts a chunk can have (original, retries, replacements): each speed-up
/// raises the fees by 10 %, so a limit also bounds what a chunk can spend on gas.
pub const MAX_ATTEMPTS: usize = 8;

/// Nanoseconds since the epoch, as the store keeps instants.
pub fn instant_ns(at: Timestamp) -> Result<i64> {
    i64::try_from(at.as_nanosecond()).map_err(|_| Error::Refused(format!("instant {at} is outside what the store keeps (years 1678–2261)")))
}

/// What a registry id names: a payout bundle (generated ids) or a canary payout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureKind {
    /// A chunk of an approved payout bundle.
    Payout,
    /// A canary wallet's payout of the day.
    Canary,
}

impl SignatureKind {
    fn id(self) -> &'static str {
        match self {
            Self::Payout => "payout",
            Self::Canary => "canary",
        }
    }
}

/// The phase volume cap claim of a bundle's first signed chunk: the bundle's whole amount
/// must fit the business day `[day_start, day_end)` under `cap` (no cap: counted only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VolumeClaim {
    /// The business day's first instant.
    pub day_start: Timestamp,
    /// The next business day's first instant.
    pub day_end: Timestamp,
    /// The bundle's whole amount (base units).
    pub amount: u128,
    /// The governing phase's cap of the day (base units); `None` counts without a cap.
    pub cap: Option<u128>,
    /// The day's volume other desks signed, as the ledger's log shows it (base units; 0 for a
    /// desk that follows no ledger): the cap holds across workstations.
    pub elsewhere: u128,
}

/// The ERC-20 nonce a chunk is reviewed with: the allocation must give exactly it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonceClaim<'a> {
    /// The hot wallet.
    pub wallet: &'a str,
    /// The chain's pending nonce, for a wallet new to this store.
    pub first: u64,
    /// The nonce in the reviewed bytes.
    pub expected: u64,
    /// The wallet's pending nonce as the policy's node said it at signing (`None` without a
    /// node): for a wallet with nonces in this store, the only way past one above its highest
    /// allocation (the chain moved on through another tool).
    pub chain: Option<u64>,
}

/// One signature attempt to reserve.
#[derive(Debug, Clone, Copy)]
pub struct Reservation<'a> {
    /// Payout or canary.
    pub kind: SignatureKind,
    /// The registry id (a generated bundle id, or a canary id).
    pub bundle_id: &'a str,
    /// The chunk's index.
    pub chunk: u32,
    /// `erc20` or `trc20`.
    pub network: &'a str,
    /// The chunk's amount (base units).
    pub amount: u128,
    /// The approved bundle's EIP-712 hash.
    pub bundle_hash: &'a str,
    /// The chunk's fixed fields; every later attempt must carry the same.
    pub content: &'a str,
    /// The paying wallet's address.
    pub signer: &'a str,
    /// `speed-up` / `expired` for a replacement; `None` for the original (or its retry).
    pub replacement: Option<&'a str>,
    /// The signing hash of the reviewed bytes.
    pub review_hash: &'a str,
    /// The fingerprint of the treasury file the rules came from: it must be the store's
    /// bound policy.
    pub policy: &'a str,
    /// The volume claim (checked only when the bundle has none yet).
    pub volume: Option<VolumeClaim>,
    /// The ERC-20 nonce claim.
    pub nonce: Option<NonceClaim<'a>>,
    /// Now.
    pub at: Timestamp,
}

/// A reserved attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reserved {
    /// Its number: 0 for the original, then retries and replacements.
    pub attempt: u32,
    /// The ERC-20 nonce allocated to the chunk.
    pub nonce: Option<u64>,
}

/// One attempt as the registry keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// Its number.
    pub attempt: u32,
    /// `speed-up`, `expired`, `retry` or `None` (the original).
    pub reason: Option<String>,
    /// `reserved`, `signed` or `abandoned`.
    pub state: String,
    /// The transaction hash / txID once signed.
    pub tx_hash: Option<String>,
    /// The raw transaction once signed.
    pub raw: Option<String>,
    /// Why it was abandoned.
    pub abandoned_reason: Option<String>,
}

/// A stored review of a chunk's unsigned bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReview {
    /// The signing hash of the bytes (ERC-20: keccak256 of the EIP-1559 payload; TRC-20: txID).
    pub review_hash: String,
    /// The bundle.
    pub bundle_id: String,
    /// The chunk.
    pub chunk: u32,
    /// `speed-up` / `expired`, or `None` for the original.
    pub replace: Option<String>,
    /// The unsigned bytes (hex).
    pub unsigned_hex: String,
    /// Who reviewed.
    pub reviewed_by: String,
    /// When.
    pub reviewed_at: Timestamp,
    /// Signing after this instant is refused.
    pub expires_at: Timestamp,
}

fn chunk_i64(chunk: u32) -> i64 {
    i64::from(chunk)
}

fn attempt_u32(attempt: i64) -> Result<u32> {
    u32::try_from(attempt).map_err(|_| Error::Corrupt { table: "signatures", row: attempt, detail: "attempt out of range".to_owned() })
}

fn timestamp(table: &'static str, ns: i64) -> Result<Timestamp> {
    Timestamp::from_nanosecond(i128::from(ns)).map_err(|e| Error::Corrupt { table, row: -1, detail: format!("instant {ns} ns: {e}") })
}

impl Store {
    /// Reserves the next signature attempt of a chunk, durably, before any signer is asked —
    /// in one transaction with the checks that make it safe:
    /// - the chunk's state: an original (or the retry of an abandoned one) only when nothing
    ///   was ever signed for it; a replacement only of a signed attempt; never while another
    ///   attempt is being signed (a stale reservation is abandoned first);
    /// - the binding: every attempt names the original's bundle hash and, except a retry of
    ///   an unsigned chunk, its content;
    /// - the volume: the bundle's first reservation claims its whole amount against the
    ///   business day's cap;
    /// - the nonce: the chunk's ERC-20 nonce must be the reviewed one.
    pub async fn reserve_signature(&self, r: Reservation<'_>) -> Result<Reserved> {
        let at_ns = instant_ns(r.at)?;
        let chunk = chunk_i64(r.chunk);
        let refuse_with = |reason: String| Error::SignRefused { bundle_id: r.bundle_id.to_owned(), chunk: r.chunk, reason };
        // IMMEDIATE: every check below and the writes that consume what it checked happen
        // under one write lock; a concurrent signer waits on the busy timeout.
        let mut tx = self.write().await?;
        let attempts = sqlx::query!(
            r#"SELECT attempt AS "attempt!", state, reserved_at_ns, bundle_hash, content FROM signatures
               WHERE bundle_id = ? AND chunk = ? ORDER BY attempt"#,
            r.bundle_id,
            chunk
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| self.db_error(e))?;
        // A bundle id names one approved bundle: chunks of another bundle under the same id
        // would slip past the volume already claimed for it.
        let other = sqlx::query_scalar!(
            "SELECT bundle_hash FROM signatures WHERE bundle_id = ? AND bundle_hash <> ? LIMIT 1",
            r.bundle_id,
            r.bundle_hash
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| self.db_error(e))?;
        if other.is_some() {
            return Err(Error::ReplacementChanged { bundle_id: r.bundle_id.to_owned(), chunk: r.chunk, field: "bundle hash" });
        }
        let bound = sqlx::query_scalar!("SELECT fingerprint FROM policy_bindings ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| self.db_error(e))?;
        if let Some(bound) = bound.filter(|b| b != r.policy) {
            return Err(Error::PolicyChanged { bound, given: r.policy.to_owned() });
        }
        if attempts.len() >= MAX_ATTEMPTS {
            return Err(refuse_with(format!("it has {MAX_ATTEMPTS} attempts already; no more replacements — look into it on chain")));
        }
        let mut states: Vec<String> = attempts.iter().map(|a| a.state.clone()).collect();
        if let Some(latest) = attempts.last().filter(|a| a.state == "reserved") {
            if at_ns.saturating_sub(latest.reserved_at_ns) < STALE_RESERVATION_NS {
                return Err(Error::BeingSigned {
                    bundle_id: r.bundle_id.to_owned(),
                    chunk: r.chunk,
                    attempt: attempt_u32(latest.attempt)?,
                });
            }
            abandon_in(&mut tx, r.bundle_id, chunk, latest.attempt, "the signing process stopped before it recorded a signature", at_ns)
                .await
                .map_err(|e| self.db_error(e))?;
            if let Some(state) = states.last_mut() {
                "abandoned".clone_into(state);
            }
        }
        let signed = attempts.iter().zip(&states).filter(|(_, s)| *s == "signed").map(|(a, _)| a.attempt).next_back();
        let next = attempts.last().map_or(0, |a| a.attempt + 1);
        let reason = match (r.replacement, signed, attempts.is_empty()) {
            (None, _, true) => None,
            (None, None, false) => Some("retry"),
            (None, Some(attempt), _) => {
                return Err(Error::AlreadySigned { bundle_id: r.bundle_id.to_owned(), chunk: r.chunk, attempt: attempt_u32(attempt)? })
            }
            (Some(reason), Some(_), _) => Some(reason),
            (Some(_), None, _) => return Err(Error::NothingToReplace { bundle_id: r.bundle_id.to_owned(), chunk: r.chunk }),
        };
        // A TRC-20 transaction recorded as broadcast may be in a block (or enter one while the
        // head block is older than its expiry): checked here, under the write lock, so a
        // broadcast recorded by another process just before is seen.
        if let (Some("expired"), Some(attempt)) = (r.replacement, signed) {
            let broadcast = sqlx::query_scalar!(
                "SELECT broadcast_at FROM broadcasts WHERE bundle_id = ? AND chunk = ? AND attempt = ?",
                r.bundle_id,
                chunk,
                attempt
            )
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| self.db_error(e))?;
            if let Some(at) = broadcast {
                return Err(refuse_with(format!(
                    "attempt {attempt} was recorded as broadcast at {at}; it may be in a block, so it is not replaced after expiry — look it up on chain"
                )));
            }
        }
        if let Some(original) = attempts.first() {
            let changed = if original.bundle_hash != r.bundle_hash {
                Some("bundle hash")
            } else if reason != Some("retry") && original.content != r.content {
                Some("token, destination, amount, chain, nonce or fee limit")
            } else {
                None
            };
            if let Some(field) = changed {
                return Err(Error::ReplacementChanged { bundle_id: r.bundle_id.to_owned(), chunk: r.chunk, field });
            }
        }
        if let Some(claim) = r.volume {
            self.claim_volume(&mut tx, &r, claim, at_ns).await?;
        }
        let nonce = match r.nonce {
            Some(claim) => {
                let highest =
                    sqlx::query_scalar!(r#"SELECT MAX(nonce) AS "nonce?: i64" FROM nonce_allocations WHERE wallet = ?"#, claim.wallet)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(|e| self.db_error(e))?;
                if let Some(next) = highest.and_then(|h| u64::try_from(h).ok()).and_then(|h| h.checked_add(1)) {
                    if claim.expected > next && claim.chain != Some(claim.expected) {
                        return Err(Error::NonceGap { wallet: claim.wallet.to_owned(), reviewed: claim.expected, next });
                    }
                }
                let allocated =
                    allocate_in(&mut tx, claim.wallet, r.bundle_id, chunk, claim.first, r.at).await.map_err(|e| self.db_error(e))?;
                if allocated != claim.expected {
                    return Err(Error::NonceMoved { wallet: claim.wallet.to_owned(), reviewed: claim.expected, allocated });
                }
                Some(allocated)
            }
            None => None,
        };
        let amount = r.amount.to_string();
        let kind = r.kind.id();
        sqlx::query!(
            "INSERT INTO signatures (bundle_id, chunk, attempt, reason, state, kind, bundle_hash, content, network, amount, signer, reserved_at_ns, review_hash)
             VALUES (?, ?, ?, ?, 'reserved', ?, ?, ?, ?, ?, ?, ?, ?)",
            r.bundle_id,
            chunk,
            next,
            reason,
            kind,
            r.bundle_hash,
            r.content,
            r.network,
            amount,
            r.signer,
            at_ns,
            r.review_hash
        )
        .execute(&mut *tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(db) if db.is_unique_violation() => refuse_with(format!("attempt {next} was reserved by another signer")),
            other => self.db_error(other),
        })?;
        tx.commit().await.map_err(|e| self.db_error(e))?;
        Ok(Reserved { attempt: attempt_u32(next)?, nonce })
    }

    async fn claim_volume(&self, tx: &mut SqliteConnection, r: &Reservation<'_>, claim: VolumeClaim, at_ns: i64) -> Result<()> {
        let claimed = sqlx::query_scalar!("SELECT amount FROM volume_reservations WHERE bundle_id = ?", r.bundle_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| self.db_error(e))?;
        if claimed.is_some() {
            // The bundle's whole amount was reserved with its first chunk.
            return Ok(());
        }
        let local = self.volume_in(&mut *tx, claim.day_start, claim.day_end).await?;
        let signed = local.checked_add(claim.elsewhere).ok_or(Error::VolumeOverflow { signed: local, amount: claim.elsewhere })?;
        if let Some(cap) = claim.cap {
            let total = signed.checked_add(claim.amount).ok_or(Error::VolumeOverflow { signed, amount: claim.amount })?;
            if total > cap {
                return Err(Error::VolumeCap { cap, signed, amount: claim.amount, excess: total - cap });
            }
        }
        let (amount, kind) = (claim.amount.to_string(), r.kind.id());
        sqlx::query!(
            "INSERT INTO volume_reservations (bundle_id, kind, amount, reserved_at_ns) VALUES (?, ?, ?, ?)",
            r.bundle_id,
            kind,
            amount,
            at_ns
        )
        .execute(&mut *tx)
        .await
        .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    async fn volume_in(&self, connection: &mut SqliteConnection, from: Timestamp, to: Timestamp) -> Result<u128> {
        let (from, to) = (instant_ns(from)?, instant_ns(to)?);
        let rows = sqlx::query!(
            r#"SELECT rowid AS "row!", amount FROM volume_reservations WHERE reserved_at_ns >= ? AND reserved_at_ns < ?"#,
            from,
            to
        )
        .fetch_all(&mut *connection)
        .await
        .map_err(|e| self.db_error(e))?;
        rows.iter().try_fold(0u128, |sum, row| {
            let amount: u128 = row.amount.parse().map_err(|_| Error::Corrupt {
                table: "volume_reservations",
                row: row.row,
                detail: format!("amount {:?}", row.amount),
            })?;
            sum.checked_add(amount).ok_or(Error::Corrupt {
                table: "volume_reservations",
                row: row.row,
                detail: "volume overflows".to_owned(),
            })
        })
    }

    /// The bundles (and canary ids) whose volume this store reserved in `[from, to)`.
    pub async fn volume_bundles(&self, from: Timestamp, to: Timestamp) -> Result<Vec<String>> {
        let (from, to) = (instant_ns(from)?, instant_ns(to)?);
        sqlx::query_scalar!("SELECT bundle_id FROM volume_reservations WHERE reserved_at_ns >= ? AND reserved_at_ns < ?", from, to)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.db_error(e))
    }

    /// The volume (base units) reserved in `[from, to)` — bundles whose first chunk was
    /// signed then (whole amounts) and canary payouts: the business day's signed volume.
    pub async fn signed_volume(&self, from: Timestamp, to: Timestamp) -> Result<u128> {
        let mut connection = self.pool.acquire().await.map_err(|e| self.db_error(e))?;
        self.volume_in(&mut connection, from, to).await
    }

    /// Marks a reserved attempt abandoned (its signer failed) with the reason; when nothing
    /// was ever signed for the chunk, its ERC-20 nonce is released for the retry.
    pub async fn abandon_signature(&self, bundle_id: &str, chunk: u32, attempt: u32, reason: &str, at: Timestamp) -> Result<()> {
        let at_ns = instant_ns(at)?;
        let mut tx = self.write().await?;
        let done =
            abandon_in(&mut tx, bundle_id, chunk_i64(chunk), i64::from(attempt), reason, at_ns).await.map_err(|e| self.db_error(e))?;
        if !done {
            return Err(Error::SignRefused {
                bundle_id: bundle_id.to_owned(),
                chunk,
                reason: format!("attempt {attempt} is not reserved"),
            });
        }
        tx.commit().await.map_err(|e| self.db_error(e))
    }

    /// Records the signed transaction of a reserved attempt; refused for any other state.
    pub async fn record_signature(&self, bundle_id: &str, chunk: u32, attempt: u32, tx_hash: &str, raw: &str, at: Timestamp) -> Result<()> {
        let (chunk_number, attempt_number, signed_at) = (chunk_i64(chunk), i64::from(attempt), instant_ns(at)?);
        let done = sqlx::query!(
            "UPDATE signatures SET state = 'signed', tx_hash = ?, raw = ?, signed_at_ns = ? WHERE bundle_id = ? AND chunk = ? AND attempt = ? AND state = 'reserved'",
            tx_hash,
            raw,
            signed_at,
            bundle_id,
            chunk_number,
            attempt_number
        )
        .execute(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        if done.rows_affected() != 1 {
            return Err(Error::SignRefused {
                bundle_id: bundle_id.to_owned(),
                chunk,
                reason: format!("attempt {attempt} is not reserved"),
            });
        }
        Ok(())
    }

    /// Records a signed TRC-20 attempt with its 65-byte signature (hex) in one transaction:
    /// the registry keeps the raw_data, the signature is what broadcasting adds to it.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_trc20_signature(
        &self,
        bundle_id: &str,
        chunk: u32,
        attempt: u32,
        txid: &str,
        raw_data: &str,
        signature: &str,
        at: Timestamp,
    ) -> Result<()> {
        let (chunk_number, attempt_number, signed_at) = (chunk_i64(chunk), i64::from(attempt), instant_ns(at)?);
        let mut tx = self.write().await?;
        let done = sqlx::query!(
            "UPDATE signatures SET state = 'signed', tx_hash = ?, raw = ?, signed_at_ns = ? WHERE bundle_id = ? AND chunk = ? AND attempt = ? AND state = 'reserved'",
            txid,
            raw_data,
            signed_at,
            bundle_id,
            chunk_number,
            attempt_number
        )
        .execute(&mut *tx)
        .await
        .map_err(|e| self.db_error(e))?;
        if done.rows_affected() != 1 {
            return Err(Error::SignRefused {
                bundle_id: bundle_id.to_owned(),
                chunk,
                reason: format!("attempt {attempt} is not reserved"),
            });
        }
        sqlx::query!(
            "INSERT INTO trc20_signatures (bundle_id, chunk, attempt, signature) VALUES (?, ?, ?, ?)",
            bundle_id,
            chunk_number,
            attempt_number,
            signature
        )
        .execute(&mut *tx)
        .await
        .map_err(|e| self.db_error(e))?;
        tx.commit().await.map_err(|e| self.db_error(e))
    }

    /// The signature (hex) of a signed TRC-20 attempt, when this store kept it.
    pub async fn trc20_signature(&self, bundle_id: &str, chunk: u32, attempt: u32) -> Result<Option<String>> {
        let (chunk_number, attempt_number) = (chunk_i64(chunk), i64::from(attempt));
        sqlx::query_scalar!(
            "SELECT signature FROM trc20_signatures WHERE bundle_id = ? AND chunk = ? AND attempt = ?",
            bundle_id,
            chunk_number,
            attempt_number
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.db_error(e))
    }

    /// The raw transaction of a chunk's latest signed attempt, if any.
    pub async fn latest_signed_raw(&self, bundle_id: &str, chunk: u32) -> Result<Option<String>> {
        let chunk_number = chunk_i64(chunk);
        sqlx::query_scalar!(
            r#"SELECT raw AS "raw!" FROM signatures WHERE bundle_id = ? AND chunk = ? AND state = 'signed' AND raw IS NOT NULL ORDER BY attempt DESC LIMIT 1"#,
            bundle_id,
            chunk_number
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.db_error(e))
    }

    /// Every attempt of a chunk, oldest first.
    pub async fn attempts(&self, bundle_id: &str, chunk: u32) -> Result<Vec<Attempt>> {
        let chunk_number = chunk_i64(chunk);
        let rows = sqlx::query!(
            r#"SELECT attempt AS "attempt!", reason, state, tx_hash, raw, abandoned_reason FROM signatures
               WHERE bundle_id = ? AND chunk = ? ORDER BY attempt"#,
            bundle_id,
            chunk_number
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        rows.into_iter()
            .map(|r| {
                Ok(Attempt {
                    attempt: attempt_u32(r.attempt)?,
                    reason: r.reason,
                    state: r.state,
                    tx_hash: r.tx_hash,
                    raw: r.raw,
                    abandoned_reason: r.abandoned_reason,
                })
            })
            .collect()
    }

    /// The signature attempts of a chunk: (attempt, reason, state, tx hash), oldest first.
    pub async fn signature_attempts(&self, bundle_id: &str, chunk: u32) -> Result<Vec<(u32, Option<String>, String, Option<String>)>> {
        Ok(self.attempts(bundle_id, chunk).await?.into_iter().map(|a| (a.attempt, a.reason, a.state, a.tx_hash)).collect())
    }

    /// The nonce [`Self::allocate_nonce`] would give the chunk now, without allocating it
    /// (for the review of the unsigned bytes).
    pub async fn peek_nonce(&self, wallet: &str, bundle_id: &str, chunk: u32, first: u64) -> Result<u64> {
        let mut tx = self.write().await?;
        let nonce = next_nonce(&mut tx, wallet, bundle_id, chunk_i64(chunk), first).await.map_err(|e| self.db_error(e))?;
        tx.rollback().await.map_err(|e| self.db_error(e))?;
        Ok(nonce.0)
    }

    /// The nonce of a chunk from `wallet`: the one already allocated to the chunk (a
    /// replacement and a retry reuse it), else the wallet's lowest released nonce, else one
    /// above its highest allocation or `first` (the chain's pending nonce), whichever is
    /// higher. A nonce is never held by two chunks.
    pub async fn allocate_nonce(&self, wallet: &str, bundle_id: &str, chunk: u32, first: u64, at: Timestamp) -> Result<u64> {
        let mut tx = self.write().await?;
        let nonce = allocate_in(&mut tx, wallet, bundle_id, chunk_i64(chunk), first, at).await.map_err(|e| self.db_error(e))?;
        tx.commit().await.map_err(|e| self.db_error(e))?;
        Ok(nonce)
    }

    /// The wallet's highest ERC-20 nonce allocated in this store (released ones count), if any.
    pub async fn highest_nonce(&self, wallet: &str) -> Result<Option<u64>> {
        let highest = sqlx::query_scalar!(r#"SELECT MAX(nonce) AS "nonce?: i64" FROM nonce_allocations WHERE wallet = ?"#, wallet)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.db_error(e))?;
        highest
            .map(|n| u64::try_from(n).map_err(|_| Error::Corrupt { table: "nonce_allocations", row: -1, detail: format!("nonce {n}") }))
            .transpose()
    }

    /// Keeps a review of a chunk's unsigned bytes under their signing hash.
    pub async fn insert_review(&self, review: &StoredReview) -> Result<()> {
        let (chunk, reviewed_at, expires_at) = (chunk_i64(review.chunk), instant_ns(review.reviewed_at)?, instant_ns(review.expires_at)?);
        sqlx::query!(
            "INSERT INTO reviews (review_hash, bundle_id, chunk, replace, unsigned_hex, reviewed_by, reviewed_at_ns, expires_at_ns)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            review.review_hash,
            review.bundle_id,
            chunk,
            review.replace,
            review.unsigned_hex,
            review.reviewed_by,
            reviewed_at,
            expires_at
        )
        .execute(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        Ok(())
    }

    /// The latest review kept under `review_hash`, if any.
    pub async fn review(&self, review_hash: &str) -> Result<Option<StoredReview>> {
        let row = sqlx::query!(
            r#"SELECT review_hash, bundle_id, chunk AS "chunk!", replace, unsigned_hex, reviewed_by, reviewed_at_ns, expires_at_ns
               FROM reviews WHERE review_hash = ? ORDER BY id DESC LIMIT 1"#,
            review_hash
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.db_error(e))?;
        row.map(|r| {
            Ok(StoredReview {
                review_hash: r.review_hash,
                bundle_id: r.bundle_id,
                chunk: u32::try_from(r.chunk).map_err(|_| Error::Corrupt { table: "reviews", row: r.chunk, detail: "chunk".to_owned() })?,
                replace: r.replace,
                unsigned_hex: r.unsigned_hex,
                reviewed_by: r.reviewed_by,
                reviewed_at: timestamp("reviews", r.reviewed_at_ns)?,
                expires_at: timestamp("reviews", r.expires_at_ns)?,
            })
        })
        .transpose()
    }

    /// The fingerprint of the treasury file this store signs under, if one was bound.
    pub async fn bound_policy(&self) -> Result<Option<String>> {
        sqlx::query_scalar!("SELECT fingerprint FROM policy_bindings ORDER BY id DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.db_error(e))
    }

    /// Binds the store to a treasury file's fingerprint. The first binding, the same one
    /// again, or another before anything was signed go through; another one after a
    /// signature needs the launch IC's reason ([`Error::PolicyChanged`] otherwise).
    pub async fn bind_policy(&self, fingerprint: &str, who: &str, reason: Option<&str>, at: Timestamp) -> Result<()> {
        let at_ns = instant_ns(at)?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let mut tx = self.write().await?;
        let bound = sqlx::query_scalar!("SELECT fingerprint FROM policy_bindings ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| self.db_error(e))?;
        if bound.as_deref() == Some(fingerprint) {
            return Ok(());
        }
        let signed = sqlx::query_scalar!(r#"SELECT COUNT(*) AS "count!: i64" FROM signatures WHERE state = 'signed'"#)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| self.db_error(e))?;
        let reason = match (bound, reason) {
            (None, reason) => reason.unwrap_or("the first treasury file of this store"),
            (Some(_), None) if signed == 0 => "changed before anything was signed",
            (Some(bound), None) => return Err(Error::PolicyChanged { bound, given: fingerprint.to_owned() }),
            (Some(_), Some(reason)) => reason,
        };
        sqlx::query!(
            "INSERT INTO policy_bindings (fingerprint, bound_by, reason, bound_at_ns) VALUES (?, ?, ?, ?)",
            fingerprint,
            who,
            reason,
            at_ns
        )
        .execute(&mut *tx)
        .await
        .map_err(|e| self.db_error(e))?;
        tx.commit().await.map_err(|e| self.db_error(e))
    }

    /// Whether any payout chunk or canary payout was ever signed in this store.
    pub async fn signed_count(&self) -> Result<i64> {
        sqlx::query_scalar!(r#"SELECT COUNT(*) AS "count!: i64" FROM signatures WHERE state = 'signed'"#)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.db_error(e))
    }
}

/// Marks a reserved attempt abandoned and, when the chunk has no signed attempt, releases
/// its nonce. Returns whether the attempt was reserved.
pub(crate) async fn abandon_in(
    connection: &mut SqliteConnection,
    bundle_id: &str,
    chunk: i64,
    attempt: i64,
    reason: &str,
    at_ns: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE signatures SET state = 'abandoned', abandoned_reason = ?, abandoned_at_ns = ? WHERE bundle_id = ? AND chunk = ? AND attempt = ? AND state = 'reserved'",
        reason,
        at_ns,
        bundle_id,
        chunk,
        attempt
    )
    .execute(&mut *connection)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    let signed = sqlx::query_scalar!(
        r#"SELECT COUNT(*) AS "count!: i64" FROM signatures WHERE bundle_id = ? AND chunk = ? AND state = 'signed'"#,
        bundle_id,
        chunk
    )
    .fetch_one(&mut *connection)
    .await?;
    if signed == 0 {
        sqlx::query!(
            "UPDATE nonce_allocations SET released_at_ns = ? WHERE bundle_id = ? AND chunk = ? AND released_at_ns IS NULL",
            at_ns,
            bundle_id,
            chunk
        )
        .execute(&mut *connection)
        .await?;
    }
    Ok(true)
}

/// Where the next nonce of a chunk comes from.
enum NonceSource {
    /// The chunk holds it (released or not).
    Own { released: bool },
    /// Another chunk released it.
    Released,
    /// A new allocation.
    New,
}

async fn next_nonce(
    connection: &mut SqliteConnection,
    wallet: &str,
    bundle_id: &str,
    chunk: i64,
    first: u64,
) -> sqlx::Result<(u64, NonceSource)> {
    let to_u64 = |n: i64| u64::try_from(n).map_err(|_| sqlx::Error::Decode(format!("nonce {n} is negative").into()));
    let own = sqlx::query!(
        r#"SELECT nonce AS "nonce!", released_at_ns FROM nonce_allocations WHERE wallet = ? AND bundle_id = ? AND chunk = ?"#,
        wallet,
        bundle_id,
        chunk
    )
    .fetch_optional(&mut *connection)
    .await?;
    if let Some(own) = own {
        return Ok((to_u64(own.nonce)?, NonceSource::Own { released: own.released_at_ns.is_some() }));
    }
    let released = sqlx::query_scalar!(
        r#"SELECT nonce AS "nonce!" FROM nonce_allocations WHERE wallet = ? AND released_at_ns IS NOT NULL ORDER BY nonce LIMIT 1"#,
        wallet
    )
    .fetch_optional(&mut *connection)
    .await?;
    if let Some(nonce) = released {
        return Ok((to_u64(nonce)?, NonceSource::Released));
    }
    let highest = sqlx::query_scalar!(r#"SELECT MAX(nonce) AS "nonce?: i64" FROM nonce_allocations WHERE wallet = ?"#, wallet)
        .fetch_one(&mut *connection)
        .await?;
    // The store's counter wins when it is ahead of the chain (chunks signed, not yet sent);
    // the chain's pending nonce wins when the wallet sent transactions this store never saw.
    let next = match highest {
        Some(n) => to_u64(n)?.checked_add(1).ok_or_else(|| sqlx::Error::Decode("nonce overflows".into()))?.max(first),
        None => first,
    };
    Ok((next, NonceSource::New))
}

async fn allocate_in(
    connection: &mut SqliteConnection,
    wallet: &str,
    bundle_id: &str,
    chunk: i64,
    first: u64,
    at: Timestamp,
) -> sqlx::Result<u64> {
    let (nonce, source) = next_nonce(&mut *connection, wallet, bundle_id, chunk, first).await?;
    let stored = i64::try_from(nonce).map_err(|_| sqlx::Error::Decode(format!("nonce {nonce} overflows").into()))?;
    let allocated_at = at.to_string();
    match source {
        NonceSource::Own { released: false } => {}
        NonceSource::Own { released: true } => {
            sqlx::query!("UPDATE nonce_allocations SET released_at_ns = NULL WHERE wallet = ? AND nonce = ?", wallet, stored)
                .execute(&mut *connection)
                .await?;
        }
        NonceSource::Released => {
            sqlx::query!(
                "UPDATE nonce_allocations SET bundle_id = ?, chunk = ?, allocated_at = ?, released_at_ns = NULL WHERE wallet = ? AND nonce = ?",
                bundle_id,
                chunk,
                allocated_at,
                wallet,
                stored
            )
            .execute(&mut *connection)
            .await?;
        }
        NonceSource::New => {
            sqlx::query!(
                "INSERT INTO nonce_allocations (wallet, nonce, bundle_id, chunk, allocated_at) VALUES (?, ?, ?, ?, ?)",
                wallet,
                stored,
                bundle_id,
                chunk,
                allocated_at
            )
            .execute(&mut *connection)
            .await?;
        }
    }
    Ok(nonce)
}
