//! What the server checks itself before a command or a policy enters the log, over the
//! state derived from the log's own records (PRODUCT.md "Ledger protocol v1"):
//!
//! - **The policy** (`policy` records): the treasury file in force — approver registry with
//!   roles, quorum, wallets, allow-list, limits — and at most one proposal. The first
//!   policy is put in force by `clubgate-ledger policy init FILE` on the server machine; a
//!   later one is proposed by the launch IC and takes effect at the `approval` record that
//!   completes a quorum of the approvers *in force* over its hash (EIP-712
//!   `PolicyApproval{version, policyHash}`), so one stolen token cannot add an approver or
//!   an address. A new proposal replaces a pending one.
//! - **Approvals** of a payout bundle must recover to a voting approver of the policy in force
//!   (else 422).
//! - **Signatures**: one per (bundle hash, chunk); another one only as a recorded
//!   replacement of the latest — ERC-20 with the same nonce, TRC-20 once the latest has
//!   expired — else 409 `already_signed`.
//! - **Bundle ids**: one bundle hash per bundle id (the first `bundle` command's); another
//!   hash's bundle, approval or signature naming that id gets 409 `bundle_id_taken`.
//!
//! The state changes only by [`Registry::apply`] of committed records (also at start, over
//! the whole log), so every server on one database derives the same state; a group of
//! commands being validated sees its own earlier members through an [`Overlay`].

use std::collections::{BTreeSet, HashMap};

use alloy::primitives::{keccak256, Address, B256};
use clubgate_chain::approval::{recover, PolicyApproval};
use clubgate_core::plan::Network;
use clubgate_core::treasury::{network_id, ApproverRole, Treasury};
use serde_json::{json, Map, Value};

use crate::storage::NewRecord;
use crate::{Error, Result};

/// The record kind of a policy (written by `policy init` and `POST /v1/policy`).
pub const POLICY_KIND: &str = "policy";

/// A policy: a treasury file with the version the ledger gave it.
#[derive(Debug, Clone)]
pub struct Policy {
    /// 1 for the initial policy, then one more per proposal.
    pub version: u32,
    /// keccak256 of the file's text (the treasury file's fingerprint).
    pub hash: B256,
    /// The file's text.
    pub text: String,
    /// The file, parsed.
    pub treasury: Treasury,
    /// Who proposed it (the token's name, or `policy init`).
    pub proposed_by: String,
    /// The seq of its `policy` record.
    pub proposed_seq: u64,
    /// Approvers in force who approved it (a proposal).
    pub approvals: BTreeSet<Address>,
    /// The seq from which it is in force (none: a proposal).
    pub in_force_seq: Option<u64>,
}

/// A recorded signature of a chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureEntry {
    /// Its record's seq (0 while pending in a group).
    pub seq: u64,
    /// The transaction hash (ERC-20: keccak256 of the signed transaction; TRC-20: txID).
    pub tx_hash: B256,
    /// The network.
    pub network: Network,
    /// ERC-20: the nonce.
    pub nonce: Option<u64>,
    /// TRC-20: when the transaction expires (ms since the epoch).
    pub expires_at_ms: Option<i64>,
    /// Who signed (the payload's `signed_by`, if given).
    pub signed_by: Option<String>,
}

/// The derived state.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    in_force: Option<Policy>,
    pending: Option<Policy>,
    /// Versions, hashes and the seq each took effect at, oldest first.
    history: Vec<(u32, B256, u64)>,
    /// The signatures of each (bundle hash, chunk), oldest first.
    signatures: HashMap<(B256, u32), Vec<SignatureEntry>>,
    /// The hash of each published bundle id (its first `bundle` command).
    bundles: HashMap<String, B256>,
}

/// What a command validated in a group adds, for the members after it.
#[derive(Debug, Default)]
pub struct Overlay {
    signatures: HashMap<(B256, u32), SignatureEntry>,
    bundles: HashMap<String, B256>,
    /// A policy record or a policy approval is in the group: it ends the group, since
    /// what comes after it is validated against the policy it may put in force.
    pub ends_group: bool,
}

fn invalid(message: String) -> Error {
    Error::Unprocessable { code: "invalid_command", message }
}

fn field<'a>(payload: &'a Map<String, Value>, name: &str) -> Result<&'a Value> {
    payload.get(name).ok_or_else(|| invalid(format!("the payload has no {name:?}")))
}

fn text_field<'a>(payload: &'a Map<String, Value>, name: &str) -> Result<&'a str> {
    field(payload, name)?.as_str().ok_or_else(|| invalid(format!("{name} {} is not a string", payload[name])))
}

/// A 32-byte hash written as 64 hex digits, with or without `0x`.
fn hash_field(payload: &Map<String, Value>, name: &str) -> Result<B256> {
    let text = text_field(payload, name)?;
    let digits = text.strip_prefix("0x").unwrap_or(text);
    if digits.len() != 64 {
        return Err(invalid(format!("{name} {text:?} is not a 32-byte hash (64 hex digits, 0x optional)")));
    }
    digits.parse::<B256>().map_err(|_| invalid(format!("{name} {text:?} is not a 32-byte hash (64 hex digits, 0x optional)")))
}

fn bytes_field(payload: &Map<String, Value>, name: &str) -> Result<Vec<u8>> {
    let text = text_field(payload, name)?;
    alloy::primitives::hex::decode(text).map_err(|_| invalid(format!("{name} {text:?} is not hex bytes")))
}

fn address_field(payload: &Map<String, Value>, name: &str) -> Result<Address> {
    let text = text_field(payload, name)?;
    text.parse::<Address>().map_err(|_| invalid(format!("{name} {text:?} is not an Ethereum address (0x and 40 hex digits)")))
}

fn uint_field(payload: &Map<String, Value>, name: &str) -> Result<u64> {
    let value = field(payload, name)?;
    value.as_u64().ok_or_else(|| invalid(format!("{name} {value} is not a whole number ≥ 0")))
}

fn version_field(payload: &Map<String, Value>, name: &str) -> Result<u32> {
    let value = uint_field(payload, name)?;
    u32::try_from(value).map_err(|_| invalid(format!("{name} {value} is not a policy version")))
}

fn payload_of(record: &NewRecord) -> Result<&Map<String, Value>> {
    match record.body.get("payload") {
        Some(Value::Object(payload)) => Ok(payload),
        _ => Err(invalid("the command has no payload object".to_owned())),
    }
}

/// A signature command's payload, as the server reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SignaturePayload {
    key: (B256, u32),
    entry: SignatureEntry,
    replaces: Option<B256>,
}

/// A `bundle` payload's id and hash, when both read.
fn bundle_key(payload: &Map<String, Value>) -> Option<(String, B256)> {
    let id = payload.get("bundle_id")?.as_str()?.to_owned();
    let hash = hash_field(payload, "bundle_hash").ok()?;
    Some((id, hash))
}

fn signature_payload(payload: &Map<String, Value>) -> Result<SignaturePayload> {
    let bundle_hash = hash_field(payload, "bundle_hash")?;
    let chunk = uint_field(payload, "chunk")?;
    let chunk = u32::try_from(chunk).map_err(|_| invalid(format!("chunk {chunk} is not a chunk index")))?;
    let network_text = text_field(payload, "network")?;
    let network = clubgate_core::treasury::network_from_id(network_text)
        .ok_or_else(|| invalid(format!("network {network_text:?} is not erc20 or trc20")))?;
    let tx_hash = hash_field(payload, "tx_hash")?;
    let (nonce, expires_at_ms) = match network {
        Network::Erc20 => (Some(uint_field(payload, "nonce")?), None),
        Network::Trc20 => {
            let value = field(payload, "expires_at_ms")?;
            let at = value.as_i64().ok_or_else(|| invalid(format!("expires_at_ms {value} is not a time in ms since the epoch")))?;
            (None, Some(at))
        }
    };
    let replaces = if payload.contains_key("replaces") { Some(hash_field(payload, "replaces")?) } else { None };
    // Who signed, as the signing workstation names itself (shown in an `already_signed`).
    let signed_by = payload.get("signed_by").and_then(Value::as_str).map(|who| who.chars().take(200).collect());
    Ok(SignaturePayload {
        key: (bundle_hash, chunk),
        entry: SignatureEntry { seq: 0, tx_hash, network, nonce, expires_at_ms, signed_by },
        replaces,
    })
}

/// The approvers of a policy who count towards its quorum.
fn voting(treasury: &Treasury) -> impl Iterator<Item = Address> + '_ {
    treasury.approvers.iter().filter(|a| a.role == ApproverRole::Approver).map(|a| Address::from(a.address.bytes()))
}

fn time_text(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| format!("{ms} ms"), |t| t.to_string())
}

impl Registry {
    /// The policy in force.
    pub fn in_force(&self) -> Option<&Policy> {
        self.in_force.as_ref()
    }

    /// The pending proposal.
    pub fn pending(&self) -> Option<&Policy> {
        self.pending.as_ref()
    }

    /// Checks a new record (a command, or a `policy` record) against the state and the
    /// group's overlay; on success adds it to the overlay. `now_ms` is the server's clock
    /// (TRC-20 expiry). A `policy` record gets its version and hash filled in here.
    pub fn check(&self, overlay: &mut Overlay, record: &mut NewRecord, now_ms: i64) -> Result<()> {
        match record.kind.as_str() {
            "approval" => self.check_approval(overlay, record),
            "signature" => self.check_signature(overlay, record, now_ms),
            "bundle" => self.check_bundle(overlay, record),
            POLICY_KIND => self.check_policy(overlay, record),
            _ => Ok(()),
        }
    }

    /// A bundle id names one bundle: a `bundle` command for an id already published under
    /// another hash is refused (409 `bundle_id_taken`) — two desks that computed an EOD
    /// settlement transfer (whose id is derived from its session) differently cannot both
    /// publish it. The same id and hash again is allowed (another desk's identical
    /// publication under its own command id). A payload without a readable `bundle_id` and
    /// `bundle_hash` is stored as given, as before.
    fn check_bundle(&self, overlay: &mut Overlay, record: &NewRecord) -> Result<()> {
        let Some((id, hash)) = payload_of(record).ok().and_then(bundle_key) else { return Ok(()) };
        self.check_bundle_id(overlay, &id, hash, "bundle")?;
        overlay.bundles.insert(id, hash);
        Ok(())
    }

    /// Refuses (409 `bundle_id_taken`) a `what` (a bundle, an approval or a signature) of
    /// bundle `hash` under bundle id `id` when the log (or the group) has published that id
    /// under another hash: a desk whose publication was refused keeps its variant locally,
    /// and without this its approvals and signature would still be recorded — the second
    /// variant of an EOD settlement transfer signed beside the first (issue 12, F2).
    fn check_bundle_id(&self, overlay: &Overlay, id: &str, hash: B256, what: &str) -> Result<()> {
        let Some(taken) = overlay.bundles.get(id).or_else(|| self.bundles.get(id)).filter(|taken| **taken != hash) else {
            return Ok(());
        };
        let refused = if what == "bundle" { String::new() } else { format!("this {what} of bundle {hash} is refused: ") };
        Err(Error::Conflict {
            code: "bundle_id_taken",
            message: format!(
                "{refused}bundle id {id} is already published as bundle {taken}, not {hash}; a bundle id names one bundle (an EOD \
                 settlement transfer is queued once: pull the log, it is in the queue)"
            ),
        })
    }

    /// The payload's `bundle_id`, when it names one (approvals and signatures carry it; a
    /// payload without it is checked by its hash alone, as before).
    fn named_bundle_id(payload: &Map<String, Value>) -> Result<Option<&str>> {
        match payload.get("bundle_id") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(id)) => Ok(Some(id)),
            Some(other) => Err(invalid(format!("bundle_id {other} is not a string"))),
        }
    }

    fn policy_in_force(&self, what: &str) -> Result<&Policy> {
        self.in_force.as_ref().ok_or_else(|| Error::Unprocessable {
            code: "no_policy",
            message: format!(
                "the ledger has no policy yet, so no {what} can be checked; run `clubgate-ledger --db URL policy init FILE` on the server"
            ),
        })
    }

    fn check_approval(&self, overlay: &mut Overlay, record: &NewRecord) -> Result<()> {
        let payload = payload_of(record)?;
        let approver = address_field(payload, "approver")?;
        let signature = bytes_field(payload, "signature")?;
        let policy = self.policy_in_force("approval")?;
        let refuse = |code: &'static str, message: String| Error::Unprocessable { code, message };
        if !voting(&policy.treasury).any(|a| a == approver) {
            return Err(refuse(
                "not_an_approver",
                format!("approver {approver} is not an approver of the policy in force (version {})", policy.version),
            ));
        }
        if payload.contains_key("policy_hash") && payload.contains_key("bundle_hash") {
            return Err(invalid("an approval is of a bundle (bundle_hash) or of a policy (policy_hash), not both".to_owned()));
        }
        let (hash, what) = if payload.contains_key("policy_hash") {
            let proposed = hash_field(payload, "policy_hash")?;
            let version = version_field(payload, "policy_version")?;
            let Some(pending) = self.pending.as_ref().filter(|p| p.version == version && p.hash == proposed) else {
                let pending = self.pending.as_ref().map_or("none".to_owned(), |p| format!("version {} hash {}", p.version, p.hash));
                return Err(refuse(
                    "no_such_proposal",
                    format!("policy version {version} hash {proposed} is not the pending proposal (pending: {pending})"),
                ));
            };
            if pending.approvals.contains(&approver) {
                return Err(Error::Conflict {
                    code: "already_approved",
                    message: format!("approver {approver} has already approved policy version {version}"),
                });
            }
            overlay.ends_group = true;
            let signed = PolicyApproval { version, policyHash: proposed, replacesHash: policy.hash };
            (signed.signing_hash(), format!("policy version {version} replacing {}", policy.hash))
        } else {
            let bundle_hash = hash_field(payload, "bundle_hash")?;
            if payload.contains_key("policy_version") {
                let version = version_field(payload, "policy_version")?;
                if version != policy.version {
                    return Err(refuse(
                        "policy_changed",
                        format!(
                            "policy_version {version} is not the policy in force (version {}); review the bundle again",
                            policy.version
                        ),
                    ));
                }
            }
            if let Some(id) = Self::named_bundle_id(payload)? {
                self.check_bundle_id(overlay, id, bundle_hash, "approval")?;
            }
            (bundle_hash, format!("bundle {bundle_hash}"))
        };
        let recovered = recover(&hash, &signature).map_err(|reason| refuse("bad_signature", format!("approval of {what}: {reason}")))?;
        if recovered != approver {
            return Err(refuse("bad_signature", format!("the signature over {what} recovers to {recovered}, not to approver {approver}")));
        }
        Ok(())
    }

    fn latest_signature(&self, overlay: &Overlay, key: &(B256, u32)) -> Option<SignatureEntry> {
        overlay.signatures.get(key).cloned().or_else(|| self.signatures.get(key).and_then(|list| list.last().cloned()))
    }

    fn check_signature(&self, overlay: &mut Overlay, record: &NewRecord, now_ms: i64) -> Result<()> {
        let payload = payload_of(record)?;
        let signature = signature_payload(payload)?;
        // A signature names the policy it was made under (optional field): only the one in
        // force is accepted, so a desk that missed a policy change cannot sign under the old.
        if payload.contains_key("policy_hash") {
            let named = hash_field(payload, "policy_hash")?;
            let in_force = self.in_force.as_ref().map(|p| p.hash);
            if in_force != Some(named) {
                return Err(Error::Unprocessable {
                    code: "policy_changed",
                    message: format!(
                        "the signature is made under policy {named}, but the policy in force is {}; fetch the policy and review again",
                        in_force.map_or_else(|| "none".to_owned(), |h| h.to_string())
                    ),
                });
            }
        }
        let (bundle_hash, chunk) = signature.key;
        if let Some(id) = Self::named_bundle_id(payload)? {
            self.check_bundle_id(overlay, id, bundle_hash, "signature")?;
        }
        let Some(latest) = self.latest_signature(overlay, &signature.key) else {
            if let Some(replaces) = signature.replaces {
                return Err(invalid(format!("replaces {replaces}: chunk {chunk} of bundle {bundle_hash} has no signature to replace")));
            }
            overlay.signatures.insert(signature.key, signature.entry);
            return Ok(());
        };
        let by = latest.signed_by.as_deref().map_or_else(String::new, |who| format!(" by {who}"));
        let signed = if latest.seq == 0 { format!("{by} in this same group") } else { format!("{by} at seq {}", latest.seq) };
        let already = |why: String| Error::Conflict {
            code: "already_signed",
            message: format!("chunk {chunk} of bundle {bundle_hash} was already signed{signed} (tx {}); {why}", latest.tx_hash),
        };
        if signature.replaces != Some(latest.tx_hash) {
            return Err(already(format!("a new signature must be a replacement naming it: \"replaces\":\"{}\"", latest.tx_hash)));
        }
        if signature.entry.network != latest.network {
            return Err(already(format!("a replacement stays on {}", network_id(latest.network))));
        }
        match latest.network {
            Network::Erc20 => {
                if signature.entry.nonce != latest.nonce {
                    return Err(already(format!(
                        "an ERC-20 replacement (speed-up) keeps nonce {}, not {}",
                        latest.nonce.unwrap_or_default(),
                        signature.entry.nonce.unwrap_or_default()
                    )));
                }
            }
            Network::Trc20 => {
                let expires = latest.expires_at_ms.unwrap_or(i64::MAX);
                if now_ms < expires {
                    return Err(already(format!(
                        "a TRC-20 chunk may be signed again only after its transaction expires at {}",
                        time_text(expires)
                    )));
                }
            }
        }
        overlay.signatures.insert(signature.key, signature.entry);
        Ok(())
    }

    /// Fills in a proposal's version and hash, after checking its file.
    fn check_policy(&self, overlay: &mut Overlay, record: &mut NewRecord) -> Result<()> {
        let payload = payload_of(record)?.clone();
        let text = text_field(&payload, "treasury")?;
        let initial = payload.get("initial").and_then(Value::as_bool).unwrap_or(false);
        let treasury = Treasury::from_toml(text)
            .map_err(|e| Error::Unprocessable { code: "invalid_policy", message: format!("the treasury file is refused: {e}") })?;
        let hash = keccak256(text.as_bytes());
        if initial {
            if let Some(policy) = &self.in_force {
                return Err(Error::Conflict {
                    code: "policy_exists",
                    message: format!(
                        "the ledger already has policy version {} (hash {}); propose a change with POST /v1/policy",
                        policy.version, policy.hash
                    ),
                });
            }
        } else {
            let policy = self.policy_in_force("proposal")?;
            if policy.hash == hash {
                return Err(Error::Conflict {
                    code: "already_in_force",
                    message: format!("this file (hash {hash}) is policy version {}, already in force", policy.version),
                });
            }
            if let Some(pending) = self.pending.as_ref().filter(|p| p.hash == hash) {
                return Err(Error::Conflict {
                    code: "already_proposed",
                    message: format!("this file (hash {hash}) is already proposed as version {}", pending.version),
                });
            }
        }
        debug_assert_eq!(format!("{hash}"), treasury.fingerprint);
        let version = self.pending.as_ref().or(self.in_force.as_ref()).map_or(1, |p| p.version + 1);
        let mut filled = payload;
        filled.insert("version".to_owned(), json!(version));
        filled.insert("hash".to_owned(), json!(hash.to_string()));
        record.body.insert("payload".to_owned(), Value::Object(filled));
        overlay.ends_group = true;
        Ok(())
    }

    /// Applies a committed command or policy record (events are the core ledger's). Records
    /// were checked when appended; one that no longer reads or applies is an error — the
    /// server refuses to serve rather than derive a state the checks never saw (a skipped
    /// signature would free its chunk; a skipped policy would change what is in force).
    pub fn apply(&mut self, seq: u64, kind: &str, body: &Map<String, Value>) -> Result<(), String> {
        if kind == "bundle" {
            // Stored as given before ids were checked: an unreadable one is not a bundle id.
            if let Some((id, hash)) = body.get("payload").and_then(Value::as_object).and_then(bundle_key) {
                self.bundles.entry(id).or_insert(hash);
            }
            return Ok(());
        }
        if !matches!(kind, "signature" | "approval" | POLICY_KIND) {
            return Ok(());
        }
        let Some(Value::Object(payload)) = body.get("payload") else {
            return Err(format!("its body {} has no payload object", Value::Object(body.clone())));
        };
        match kind {
            "signature" => {
                let signature = signature_payload(payload).map_err(|e| e.to_string())?;
                let entry = SignatureEntry { seq, ..signature.entry };
                self.signatures.entry(signature.key).or_default().push(entry);
                Ok(())
            }
            "approval" if payload.contains_key("policy_hash") => self.apply_policy_approval(seq, payload),
            "approval" => Ok(()),
            _ => self.apply_policy(seq, payload),
        }
    }

    fn apply_policy(&mut self, seq: u64, payload: &Map<String, Value>) -> Result<(), String> {
        let text = text_field(payload, "treasury").map_err(|e| e.to_string())?;
        let treasury = Treasury::from_toml(text).map_err(|e| format!("its treasury file does not parse: {e}"))?;
        let policy = Policy {
            version: version_field(payload, "version").map_err(|e| e.to_string())?,
            hash: hash_field(payload, "hash").map_err(|e| e.to_string())?,
            text: text.to_owned(),
            treasury,
            proposed_by: payload.get("proposed_by").and_then(Value::as_str).unwrap_or("").to_owned(),
            proposed_seq: seq,
            approvals: BTreeSet::new(),
            in_force_seq: None,
        };
        if policy.hash != keccak256(text.as_bytes()) {
            return Err(format!("its hash {} is not the hash of its treasury file", policy.hash));
        }
        let initial = payload.get("initial").and_then(Value::as_bool).unwrap_or(false);
        match (&self.in_force, initial) {
            (None, true) => {
                let mut policy = policy;
                policy.in_force_seq = Some(seq);
                self.history.push((policy.version, policy.hash, seq));
                self.in_force = Some(policy);
            }
            (Some(_), false) => self.pending = Some(policy),
            (None, false) => return Err("a proposal with no policy in force".to_owned()),
            (Some(_), true) => return Err("an initial policy while one is in force".to_owned()),
        }
        Ok(())
    }

    fn apply_policy_approval(&mut self, seq: u64, payload: &Map<String, Value>) -> Result<(), String> {
        let approver = address_field(payload, "approver").map_err(|e| e.to_string())?;
        let hash = hash_field(payload, "policy_hash").map_err(|e| e.to_string())?;
        let version = version_field(payload, "policy_version").map_err(|e| e.to_string())?;
        let in_force = self.in_force.as_ref().ok_or("a policy approval with no policy in force")?;
        if !voting(&in_force.treasury).any(|a| a == approver) {
            return Err(format!("approver {approver} is not a voting approver of policy version {}", in_force.version));
        }
        let threshold = in_force.treasury.quorum;
        let Some(pending) = self.pending.as_mut().filter(|p| p.hash == hash && p.version == version) else {
            return Err(format!("policy version {version} hash {hash} is not the pending proposal"));
        };
        if !pending.approvals.insert(approver) {
            return Err(format!("approver {approver} approved policy version {version} twice"));
        }
        if pending.approvals.len() >= threshold {
            let mut policy = self.pending.take().expect("checked above");
            policy.in_force_seq = Some(seq);
            self.history.push((policy.version, policy.hash, seq));
            self.in_force = Some(policy);
        }
        Ok(())
    }

    /// The policy as `GET /v1/policy` shows it.
    pub fn policy_json(&self) -> Option<Value> {
        let policy = self.in_force.as_ref()?;
        let treasury = &policy.treasury;
        let approvers: Vec<Value> =
            treasury.approvers.iter().map(|a| json!({"name": a.name, "role": a.role.id(), "address": a.address.to_string()})).collect();
        let wallets: Vec<Value> = treasury
            .wallets
            .iter()
            .map(|w| {
                let kind = match w.kind {
                    clubgate_core::treasury::WalletKind::Hot => "hot",
                    clubgate_core::treasury::WalletKind::Canary => "canary",
                };
                json!({"id": w.id, "kind": kind, "network": network_id(w.network), "address": w.address.to_string()})
            })
            .collect();
        let allow_list: Vec<Value> = treasury
            .allow_list
            .iter()
            .map(|d| json!({"network": network_id(d.network()), "address": d.to_string(), "name": treasury.destination_name(d)}))
            .collect();
        let pending = self.pending.as_ref().map(|p| {
            json!({
                "version": p.version,
                "hash": p.hash.to_string(),
                "proposed_by": p.proposed_by,
                "seq": p.proposed_seq,
                "approvals": p.approvals.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                "needed": treasury.quorum,
                "treasury": p.text,
            })
        });
        let history: Vec<Value> = self
            .history
            .iter()
            .map(|(version, hash, seq)| json!({"version": version, "hash": hash.to_string(), "in_force_seq": seq}))
            .collect();
        Some(json!({
            "version": policy.version,
            "hash": policy.hash.to_string(),
            "in_force_seq": policy.in_force_seq,
            "quorum": treasury.quorum,
            "approvers": approvers,
            "wallets": wallets,
            "allow_list": allow_list,
            "limits": {
                "daily_target_base_units": treasury.daily_target.base_units().to_string(),
                "erc20": {
                    "chain_id": treasury.erc20.chain_id,
                    "gas_limit": treasury.erc20.gas_limit,
                    "fee_mode": treasury.erc20.fee_mode,
                },
                "trc20": {
                    "fee_limit_sun": treasury.trc20.fee_limit_sun,
                    "expiration_s": treasury.trc20.expiration_s,
                },
            },
            "treasury": policy.text,
            "pending": pending,
            "history": history,
        }))
    }
}
