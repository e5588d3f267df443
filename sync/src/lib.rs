//! ClubGate Desk as a client of the backend ledger (PRODUCT.md "Ledger protocol v1",
//! issue 10): [`pull`] reads records after the store's cursor by `GET /v1/events`, verifies
//! the hash chain record by record from the cursor's hash, and stores each page — records,
//! the events among them and the new cursor — in one transaction; [`push`] sends the
//! outbox's pending commands with their ids, in order, and records the ledger's answer.
//! A break in the chain stops the sync, naming the seq; nothing of the broken page is
//! applied.

mod policy;
mod reserve;

pub use reserve::{workstation_name, SigningLedger};

use clubgate_core::chain::{parse_hash, record_hash, GENESIS};
use clubgate_core::events::{event_of_record, Event};
use clubgate_store::{LedgerCursor, PulledRecord, Store, StoredBundle};
use jiff::Timestamp;
use serde_json::Value;
use zeroize::Zeroizing;

pub mod keychain;
pub mod stream;

/// The sync's crash points (`clubgate-crashpoint`, armed only in test builds through the
/// `crashpoints` feature): a page verified but not stored, a page stored, a command counted
/// but not sent, a command answered but its answer not stored.
pub const CRASH_POINTS: [&str; 4] = ["pull.before_apply", "pull.after_apply", "push.before_send", "push.after_send"];

/// Records asked for per page.
pub const PAGE: u32 = 1_000;

/// Records asked for per page while far behind (a catch-up): fewer transactions, each
/// still one page (the protocol allows 10,000).
pub const CATCH_UP_PAGE: u32 = 5_000;

/// Why a sync failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The ledger could not be reached (network error, or a 5xx).
    #[error("the ledger at {url} cannot be reached: {reason}")]
    Unreachable {
        /// The ledger.
        url: String,
        /// Why.
        reason: String,
    },
    /// The token was refused (401): log in again.
    #[error("the ledger at {url} refused the token ({message}); run `clubgate ledger login --url {url}`")]
    Unauthorized {
        /// The ledger.
        url: String,
        /// The ledger's message.
        message: String,
    },
    /// The chain does not verify from the store's cursor: sync stops here.
    #[error("the ledger's hash chain is broken at seq {seq}: {reason}; sync stopped (nothing from seq {seq} on was applied)")]
    ChainBroken {
        /// The first record that does not verify.
        seq: u64,
        /// What does not match.
        reason: String,
    },
    /// The ledger answered something the protocol does not allow.
    #[error("the ledger at {url} answered outside the protocol: {message}")]
    Protocol {
        /// The ledger.
        url: String,
        /// What was wrong.
        message: String,
    },
    /// The URL is not a ledger's base URL.
    #[error("{0}")]
    Usage(String),
    /// The local store failed or refused.
    #[error(transparent)]
    Store(#[from] clubgate_store::Error),
}

/// The sync's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A ledger and the bearer token to use with it (never logged or shown).
pub struct Client {
    base: String,
    token: Zeroizing<String>,
    http: reqwest::Client,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).finish_non_exhaustive()
    }
}

/// What a pull did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pulled {
    /// Records stored.
    pub records: u64,
    /// Events among them.
    pub events: u64,
    /// The store's cursor after the pull.
    pub cursor: u64,
    /// The ledger's head at the last page.
    pub head: u64,
    /// Payout bundles published in the pulled records and taken into the queue.
    pub bundles: u64,
    /// Published bundles not taken, each with why (a document that does not match its hash).
    pub skipped: Vec<String>,
    /// The ledger's policy version in force, when one was fetched.
    pub policy_version: Option<u32>,
}

/// A command the ledger refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The command's id.
    pub id: String,
    /// Its kind.
    pub kind: String,
    /// The HTTP status.
    pub status: u16,
    /// The ledger's error code.
    pub code: String,
    /// The ledger's message (names what was wrong).
    pub message: String,
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pushed {
    /// Commands acknowledged (201, or 200 for one the ledger already had).
    pub acked: u64,
    /// Commands refused (409, 422, 403): kept in the outbox as refused, shown to the user.
    pub refused: Vec<Refusal>,
    /// Commands still waiting (the ledger became unreachable).
    pub pending: u64,
}

impl Client {
    /// A client of the ledger at `url` (`http://HOST:PORT`).
    pub fn new(url: &str, token: Zeroizing<String>) -> Result<Self> {
        let base = url.trim_end_matches('/').to_owned();
        if !base.starts_with("http://") && !base.starts_with("https://") {
            return Err(Error::Usage(format!("ledger URL {url:?} is not http://HOST:PORT")));
        }
        if token.trim().is_empty() {
            return Err(Error::Usage(format!("no token for the ledger at {base}; run `clubgate ledger login --url {base}`")));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(5))
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .map_err(|e| Error::Usage(format!("cannot build an HTTP client: {e}")))?;
        Ok(Self { base, token, http })
    }

    /// The ledger's base URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    fn unreachable(&self, reason: impl std::fmt::Display) -> Error {
        Error::Unreachable { url: self.base.clone(), reason: reason.to_string() }
    }

    fn protocol(&self, message: String) -> Error {
        Error::Protocol { url: self.base.clone(), message }
    }

    /// Sends a request; answers the status and the JSON body. 401 and 5xx are errors.
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<(u16, Value)> {
        let response = request.bearer_auth(self.token.as_str()).send().await.map_err(|e| self.unreachable(e))?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| self.unreachable(e))?;
        let value: Value = serde_json::from_str(&text).map_err(|e| self.protocol(format!("a {status} answer that is not JSON ({e})")))?;
        if status == 401 {
            return Err(Error::Unauthorized { url: self.base.clone(), message: error_message(&value) });
        }
        if status >= 500 {
            return Err(self.unreachable(format!("{status} {}", error_message(&value))));
        }
        Ok((status, value))
    }

    /// Checks that the token is accepted (a one-record read).
    pub async fn check_token(&self) -> Result<()> {
        let (status, body) = self.send(self.http.get(format!("{}/v1/events?after=0&limit=1", self.base))).await?;
        if status != 200 {
            return Err(self.protocol(format!("GET /v1/events answered {status}: {}", error_message(&body))));
        }
        Ok(())
    }
}

fn error_message(body: &Value) -> String {
    let code = body["error"]["code"].as_str().unwrap_or("");
    let message = body["error"]["message"].as_str().unwrap_or("");
    if code.is_empty() {
        body.to_string()
    } else {
        format!("{code}: {message}")
    }
}

/// One served record, verified to follow `prev` at `seq`.
fn verify(record: &Value, seq: u64, prev: &[u8; 32]) -> Result<(PulledRecord, Option<Event>), Error> {
    let broken = |reason: String| Error::ChainBroken { seq, reason };
    if record["seq"].as_u64() != Some(seq) {
        return Err(broken(format!("the record served after seq {} is {}", seq - 1, record["seq"])));
    }
    let kind = record["kind"].as_str().ok_or_else(|| broken(format!("its kind {} is not a string", record["kind"])))?;
    let Value::Object(body) = &record["body"] else { return Err(broken("its body is not a JSON object".to_owned())) };
    let prev_text = record["prev"].as_str().unwrap_or("");
    if parse_hash(prev_text) != Some(*prev) {
        return Err(broken(format!("its prev {prev_text:?} is not the hash of seq {} ({})", seq - 1, hex::encode(prev))));
    }
    let hash = record_hash(prev, seq, kind, body);
    let hash_text = record["hash"].as_str().unwrap_or("");
    if parse_hash(hash_text) != Some(hash) {
        return Err(broken(format!("its hash {hash_text:?} is not the hash of its content ({})", hex::encode(hash))));
    }
    let event = event_of_record(seq, kind, body).transpose().map_err(|reason| broken(format!("its event does not read: {reason}")))?;
    let pulled = PulledRecord {
        seq,
        kind: kind.to_owned(),
        body: serde_json::to_string(body).unwrap_or_default(),
        prev: prev_text.to_owned(),
        hash: hash_text.to_owned(),
    };
    Ok((pulled, event))
}

/// A page of served records, verified to continue a cursor, with what the desk takes from it.
#[derive(Debug, Clone, Default)]
pub struct VerifiedPage {
    /// The records, as the store keeps them.
    pub records: Vec<PulledRecord>,
    /// The platform events among them.
    pub events: Vec<Event>,
    /// The payout bundles published in them whose documents match their hashes.
    pub bundles: Vec<StoredBundle>,
    /// Published bundles not taken, with why.
    pub skipped: Vec<String>,
}

/// Verifies served records against the chain from `cursor` (seq, `prev`, recomputed hash,
/// record by record) and reads the events and published bundles among them. The first
/// record that does not verify stops it with [`Error::ChainBroken`] naming its seq.
pub fn verify_page(cursor: &LedgerCursor, records: &[Value]) -> Result<VerifiedPage> {
    let mut prev = parse_hash(&cursor.hash).ok_or_else(|| Error::ChainBroken {
        seq: cursor.seq + 1,
        reason: format!("the stored cursor hash {:?} is not a hash", cursor.hash),
    })?;
    let mut page = VerifiedPage { records: Vec::with_capacity(records.len()), ..VerifiedPage::default() };
    for (offset, record) in records.iter().enumerate() {
        let seq = cursor.seq + 1 + offset as u64;
        let (verified, event) = verify(record, seq, &prev)?;
        prev = parse_hash(&verified.hash).unwrap_or(prev);
        if verified.kind == "bundle" {
            match published_bundle(&record["body"]["payload"], seq) {
                Ok(bundle) => page.bundles.push(bundle),
                Err(why) => page.skipped.push(why),
            }
        }
        page.records.push(verified);
        page.events.extend(event);
    }
    Ok(page)
}

/// Pulls every record after the store's cursor, page by page, verifying the chain; each
/// page is stored with its events and the new cursor in one transaction.
pub async fn pull(store: &Store, client: &Client) -> Result<Pulled> {
    let mut cursor = match store.ledger_cursor().await? {
        Some(cursor) if cursor.url != client.url() => {
            return Err(clubgate_store::Error::Refused(format!(
                "this store follows the ledger {}, not {}; use a store of its own for another ledger",
                cursor.url,
                client.url()
            ))
            .into())
        }
        Some(cursor) => cursor,
        None => LedgerCursor { url: client.url().to_owned(), seq: 0, hash: hex::encode(GENESIS) },
    };
    let mut pulled = Pulled { cursor: cursor.seq, ..Pulled::default() };
    loop {
        let behind = pulled.head.saturating_sub(cursor.seq);
        let limit = if behind > 2 * u64::from(PAGE) { CATCH_UP_PAGE } else { PAGE };
        let url = format!("{}/v1/events?after={}&limit={limit}", client.url(), cursor.seq);
        let (status, page) = client.send(client.http.get(url)).await?;
        if status != 200 {
            return Err(client.protocol(format!("GET /v1/events answered {status}: {}", error_message(&page))));
        }
        let head = page["head"].as_u64().ok_or_else(|| client.protocol(format!("a page without a head: {page}")))?;
        let records = page["records"].as_array().ok_or_else(|| client.protocol("a page without records".to_owned()))?;
        pulled.head = head;
        if records.is_empty() {
            if head > cursor.seq {
                return Err(client.protocol(format!("an empty page after seq {} while the head is {head}", cursor.seq)));
            }
            // Every pull ends with the policy in force, checked against the log: a change
            // cannot be missed because an earlier fetch failed after its records were applied.
            pulled.policy_version = fetch_policy(store, client).await?;
            return Ok(pulled);
        }
        let page = verify_page(&cursor, records)?;
        pulled.skipped.extend(page.skipped);
        let (batch, events, bundles) = (page.records, page.events, page.bundles);
        clubgate_crashpoint::hit("pull.before_apply");
        store.apply_pulled(client.url(), &cursor, &batch, &events, &bundles, Timestamp::now()).await?;
        pulled.bundles += bundles.len() as u64;
        clubgate_crashpoint::hit("pull.after_apply");
        let last = batch.last().expect("a non-empty page");
        cursor = LedgerCursor { url: cursor.url, seq: last.seq, hash: last.hash.clone() };
        pulled.records += batch.len() as u64;
        pulled.events += events.len() as u64;
        pulled.cursor = cursor.seq;
    }
}

/// A bundle published in the log, taken only if its document's EIP-712 hash is the
/// `bundle_hash` it was published under.
fn published_bundle(payload: &Value, seq: u64) -> Result<StoredBundle, String> {
    let hash = payload["bundle_hash"].as_str().unwrap_or_default();
    let bundle = clubgate_treasury::bundle::from_document(&payload["document"], &format!("the bundle published at seq {seq}"))
        .map_err(|e| e.to_string())?;
    let actual = bundle.canonical_hash().to_string();
    if !actual.eq_ignore_ascii_case(hash) {
        return Err(format!("the bundle published at seq {seq} has the hash {actual}, not the {hash:?} it was published under; not taken"));
    }
    Ok(StoredBundle {
        bundle_id: bundle.bundleId,
        hash: actual,
        document: payload["document"].to_string(),
        requested_by: payload["requested_by"].as_str().unwrap_or("the ledger").to_owned(),
        created_at: Timestamp::now(),
    })
}

/// Fetches the ledger's policy in force (`GET /v1/policy`), checks it against what the
/// pulled log puts in force (the initial policy, then each version approved by a quorum of
/// the one before — `policy.rs`), keeps it and binds the store to it; `None` before the
/// ledger has a policy.
pub async fn fetch_policy(store: &Store, client: &Client) -> Result<Option<u32>> {
    let (status, body) = client.send(client.http.get(format!("{}/v1/policy", client.url()))).await?;
    if status == 404 {
        return Ok(None);
    }
    if status != 200 {
        return Err(client.protocol(format!("GET /v1/policy answered {status}: {}", error_message(&body))));
    }
    let version = body["version"].as_u64().and_then(|v| u32::try_from(v).ok());
    let hash = body["hash"].as_str().unwrap_or_default();
    let logged = policy::policy_in_log(store).await.map_err(|why| {
        client.protocol(format!("the ledger serves policy version {version:?} ({hash}), but its log does not show it in force: {why}"))
    })?;
    if Some(logged.version) != version || !logged.hash.eq_ignore_ascii_case(hash) {
        return Err(client.protocol(format!(
            "the ledger serves policy version {version:?} ({hash}), but its log's approvals put version {} ({}) in force; not taken",
            logged.version, logged.hash
        )));
    }
    let now = Timestamp::now();
    store.keep_ledger_policy(&logged, now).await?;
    let reason =
        format!("the ledger's policy version {}, in force at seq {} (approved by its quorum)", logged.version, logged.in_force_seq);
    store.bind_policy(&logged.hash, "ledger", Some(&reason), now).await?;
    Ok(Some(logged.version))
}

/// Sends the outbox's pending commands in the order they were queued, each with its id (a
/// resend after a lost answer is a duplicate the ledger answers with the same seq). A
/// refusal is recorded with the ledger's words; an unreachable ledger stops the push with
/// the rest still pending.
pub async fn push(store: &Store, client: &Client) -> Result<Pushed> {
    let mut pushed = Pushed::default();
    let pending = store.outbox(true).await?;
    for (index, command) in pending.iter().enumerate() {
        let payload: Value = serde_json::from_str(&command.payload)
            .map_err(|e| clubgate_store::Error::Refused(format!("outbox command {} has a payload that is not JSON: {e}", command.id)))?;
        let body = serde_json::json!({"id": command.id, "kind": command.kind, "payload": payload});
        store.count_send(&command.id).await?;
        clubgate_crashpoint::hit("push.before_send");
        let answer = client.send(client.http.post(format!("{}/v1/commands", client.url())).json(&body)).await;
        clubgate_crashpoint::hit("push.after_send");
        let (status, answer) = match answer {
            Ok(answer) => answer,
            Err(Error::Unreachable { .. }) => {
                pushed.pending = (pending.len() - index) as u64;
                return Ok(pushed);
            }
            Err(other) => return Err(other),
        };
        match status {
            200 | 201 => {
                let seq = answer["seq"].as_u64().ok_or_else(|| client.protocol(format!("a {status} without a seq: {answer}")))?;
                store.ack_command(&command.id, seq).await?;
                pushed.acked += 1;
            }
            400 | 403 | 409 | 413 | 422 => {
                let code = answer["error"]["code"].as_str().unwrap_or("refused").to_owned();
                let message = answer["error"]["message"].as_str().unwrap_or("").to_owned();
                store.refuse_command(&command.id, &code, &message).await?;
                pushed.refused.push(Refusal { id: command.id.clone(), kind: command.kind.clone(), status, code, message });
            }
            other => {
                // 429 and anything unexpected: try again later, in order.
                pushed.pending = (pending.len() - index) as u64;
                if other == 429 {
                    return Ok(pushed);
                }
                return Err(client.protocol(format!("POST /v1/commands answered {other}: {}", error_message(&answer))));
            }
        }
    }
    Ok(pushed)
}
