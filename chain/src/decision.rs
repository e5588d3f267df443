//! The signed decision log (issue 11): each warroom decision is EIP-712 typed data signed by
//! its author's key — the same keys and signers as payout approvals (PKCS#11, Ledger, the
//! development key) — and names the hash of the decision before it, so the log is a chain
//! of its own: a changed byte, two entries swapped or one dropped breaks it where it
//! happened, whatever carried the entries (the local store, the ledger, an export).

use alloy::primitives::{Address, B256};
use alloy::sol;
use alloy::sol_types::{eip712_domain, Eip712Domain, SolStruct};

use crate::approval::recover;
use crate::error::Result;
use crate::signer::HashSigner;

sol! {
    /// The typed data the launch IC signs for one decision of the warroom log.
    #[derive(Debug, PartialEq, Eq)]
    struct Decision {
        /// 1 for the first decision of the log, then one more each.
        uint64 seq;
        /// The previous decision's hash (32 zero bytes for the first).
        bytes32 prev;
        /// The decision's id (a UUID).
        string id;
        /// go_no_go, rollback_declared, rollback_stood_down, safe_mode, volume_level,
        /// freeze_exception, rollback_step, comms_sent or other.
        string kind;
        /// The kind's details as canonical (RFC 8785) JSON.
        string details;
        /// Why, in the author's words.
        string text;
        /// The author's key.
        address author;
        /// When, RFC 3339 in UTC.
        string at;
        /// The plan's version the decision was taken under.
        string planVersion;
        /// sha256 of the SLO/rollback snapshot it was taken on (canonical JSON).
        bytes32 snapshotHash;
    }
}

/// The EIP-712 domain of the warroom's decisions.
pub fn domain() -> Eip712Domain {
    eip712_domain! { name: "ClubGate Warroom", version: "1", }
}

impl Decision {
    /// The decision's hash: its EIP-712 signing hash under [`domain`].
    pub fn hash(&self) -> B256 {
        self.eip712_signing_hash(&domain())
    }
}

/// Signs `decision` with `signer`, which must be its author's key.
pub fn sign(decision: &Decision, signer: &dyn HashSigner) -> Result<Vec<u8>> {
    if signer.address() != decision.author {
        return Err(crate::error::Error::Sign(format!(
            "the key {} is not the decision's author {}: sign with the launch IC's own key",
            signer.address(),
            decision.author
        )));
    }
    Ok(signer.sign_prehash(&decision.hash())?.as_bytes().to_vec())
}

/// A decision as stored, with the hash it was stored under and its signature.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The typed data.
    pub decision: Decision,
    /// The hash recorded with it.
    pub hash: B256,
    /// r ‖ s ‖ v.
    pub signature: Vec<u8>,
}

/// What is wrong with one entry of a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The entry's position in the log as read (1-based).
    pub position: usize,
    /// The entry's id.
    pub id: String,
    /// What is wrong, in words.
    pub problem: String,
}

/// Verifies a log read in order: each entry reads, its hash is its content's, its signature
/// recovers to its author, the author is one of `authors` (the launch IC's keys of the
/// policy), its seq is its position and its `prev` the previous entry's hash. Returns every
/// break, each on the entry where it shows (an entry that does not read is `Err(why)`).
pub fn verify_log(entries: &[std::result::Result<Entry, String>], authors: &[Address]) -> Vec<Break> {
    let mut breaks = Vec::new();
    let mut prev = Some(B256::ZERO);
    for (i, entry) in entries.iter().enumerate() {
        let position = i + 1;
        let entry = match entry {
            Ok(entry) => entry,
            Err(why) => {
                breaks.push(Break { position, id: String::new(), problem: format!("it does not read: {why}") });
                prev = None;
                continue;
            }
        };
        let d = &entry.decision;
        let mut problem = |text: String| breaks.push(Break { position, id: d.id.clone(), problem: text });
        let hash = d.hash();
        if hash != entry.hash {
            problem(format!("its content does not match its hash {} (it hashes to {hash}): changed after signing", entry.hash));
        }
        match recover(&entry.hash, &entry.signature) {
            Ok(signer) if signer == d.author => {}
            Ok(signer) => problem(format!("its signature recovers to {signer}, not its author {}", d.author)),
            Err(why) => problem(format!("its signature: {why}")),
        }
        if !authors.contains(&d.author) {
            problem(format!("its author {} is not a launch IC of the policy", d.author));
        }
        if d.seq != position as u64 {
            problem(format!("it is entry {position} of the log but says {}: an entry before it is missing or out of order", d.seq));
        }
        match prev {
            Some(prev) if prev == d.prev => {}
            Some(prev) => {
                problem(format!("its previous hash {} is not the hash of the entry before it ({prev}): the chain is broken here", d.prev))
            }
            None => problem("the entry before it does not read, so the chain cannot be followed here".to_owned()),
        }
        prev = Some(entry.hash);
    }
    breaks
}
