//! One signature per chunk worldwide: the signing desk's [`ChunkLedger`]. Before the HSM is
//! asked, the chunk's `signature` command goes straight to the ledger the store follows (not
//! through the outbox: signing waits for the answer). The ledger records the first signature
//! of a (bundle hash, chunk) and refuses a second with 409 `already_signed`, naming who
//! signed and at which seq — the desk then signs nothing. The command carries the signing
//! hash of the reviewed bytes as its `tx_hash` (for TRC-20 that is the txID; for ERC-20 the
//! transaction hash exists only after the signature, so the signing hash stands for it, and
//! a speed-up names it in `replaces`).

use clubgate_store::Store;
use clubgate_treasury::flow::{BoxFuture, ChunkLedger, LedgerClaim};
use clubgate_treasury::Error as FlowError;
use jiff::Timestamp;
use serde_json::{json, Value};

use crate::{error_message, pull, Client, Error};

/// A signing desk's connection to the ledger its store follows.
pub struct SigningLedger<'a> {
    client: &'a Client,
    store: &'a Store,
    name: String,
}

impl std::fmt::Debug for SigningLedger<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningLedger").field("url", &self.client.url()).field("name", &self.name).finish_non_exhaustive()
    }
}

impl<'a> SigningLedger<'a> {
    /// Signing through `client` for `store`, as `name` (the workstation's user, e.g.
    /// `alice@ws-2`; named to anyone who tries to sign the chunk again).
    pub fn new(client: &'a Client, store: &'a Store, name: &str) -> Self {
        Self { client, store, name: name.trim().chars().take(200).collect() }
    }

    async fn send(&self, claim: &LedgerClaim) -> Result<u64, FlowError> {
        let mut payload = claim.payload.clone();
        if claim.replacement {
            // The replacement names the chunk's latest signature in the log, as it is now.
            pull(self.store, self.client).await.map_err(|e| unreachable_or(e, claim))?;
            let latest = self.store.log_signatures(&claim.bundle_hash, claim.chunk).await?.pop().ok_or_else(|| FlowError::Ledger {
                code: "ledger_refused",
                message: format!("chunk {} has no signature in the ledger's log to replace", claim.chunk),
            })?;
            payload["replaces"] = Value::String(latest.tx_hash);
        }
        let body = json!({"id": claim.id, "kind": "signature", "payload": payload});
        let request = self.client.http.post(format!("{}/v1/commands", self.client.url())).json(&body);
        let (status, answer) = self.client.send(request).await.map_err(|e| unreachable_or(e, claim))?;
        match status {
            200 | 201 => {
                let seq = answer["seq"].as_u64().ok_or_else(|| FlowError::Ledger {
                    code: "ledger_refused",
                    message: format!("the ledger answered {status} without a seq: {answer}; nothing was signed"),
                })?;
                self.store.record_sent(&claim.id, "signature", &payload.to_string(), seq, Timestamp::now()).await?;
                Ok(seq)
            }
            _ => {
                let code = match answer["error"]["code"].as_str() {
                    Some("already_signed") => "already_signed",
                    _ => "ledger_refused",
                };
                Err(FlowError::Ledger {
                    code,
                    message: format!(
                        "the ledger {} refused chunk {}'s signature ({status} {}); nothing was signed",
                        self.client.url(),
                        claim.chunk,
                        error_message(&answer)
                    ),
                })
            }
        }
    }
}

fn unreachable_or(error: Error, claim: &LedgerClaim) -> FlowError {
    match error {
        Error::Store(error) => FlowError::Store(error),
        Error::Unreachable { url, reason } => FlowError::Ledger {
            code: "ledger_unreachable",
            message: format!(
                "the ledger at {url} cannot be reached ({reason}); chunk {} is signed only after the ledger reserves it — nothing was signed, try again when it is back",
                claim.chunk
            ),
        },
        other => FlowError::Ledger { code: "ledger_refused", message: format!("{other}; nothing was signed") },
    }
}

impl ChunkLedger for SigningLedger<'_> {
    fn url(&self) -> &str {
        self.client.url()
    }

    fn signer_name(&self) -> &str {
        &self.name
    }

    fn reserve<'b>(&'b self, claim: &'b LedgerClaim) -> BoxFuture<'b, Result<u64, FlowError>> {
        Box::pin(self.send(claim))
    }
}

/// How this workstation names its signer: `$USER@hostname`.
pub fn workstation_name() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "someone".to_owned());
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or_default();
    if host.is_empty() {
        user
    } else {
        format!("{user}@{host}")
    }
}
