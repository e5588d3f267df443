//! The ledger's policy, checked against its log before a desk signs under it (issue 10).
//!
//! `GET /v1/policy` says which treasury file is in force; the desk takes it only if the
//! pulled log shows how it came into force: the initial `policy` record (version 1, trusted
//! on first use, as the server machine's `policy init` wrote it), then, for each later
//! version, its `policy` record and a quorum of the policy then in force — distinct voting
//! approvers — signing `PolicyApproval{version, policyHash, replacesHash}`. A ledger operator
//! can forge records (the chain is not signed) but not the approvers' signatures, so a policy
//! the approvers did not approve is refused here.

use std::collections::BTreeSet;

use alloy::primitives::{Address, B256};
use clubgate_chain::approval::{recover, PolicyApproval};
use clubgate_core::treasury::{ApproverRole, Treasury};
use clubgate_store::{LedgerPolicy, Store};
use serde_json::Value;

/// A `policy` record of the log.
struct Proposal {
    version: u32,
    hash: B256,
    treasury: Treasury,
    text: String,
    initial: bool,
}

fn proposal(payload: &Value) -> Option<Proposal> {
    let text = payload["treasury"].as_str()?.to_owned();
    let treasury = Treasury::from_toml(&text).ok()?;
    let hash: B256 = payload["hash"].as_str()?.parse().ok()?;
    // The record's hash must be its text's: a record is taken for what it says.
    if treasury.fingerprint.parse::<B256>().ok()? != hash {
        return None;
    }
    let version = u32::try_from(payload["version"].as_u64()?).ok()?;
    Some(Proposal { version, hash, treasury, text, initial: payload["initial"].as_bool() == Some(true) })
}

/// The policy the log puts in force, or why it cannot say.
pub(crate) async fn policy_in_log(store: &Store) -> Result<LedgerPolicy, String> {
    let proposals: Vec<(u64, Proposal)> = store
        .commands_of_kind("policy")
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter_map(|c| Some((c.seq?, proposal(&serde_json::from_str(&c.payload).ok()?)?)))
        .collect();
    let approvals: Vec<(u64, Value)> = store
        .commands_of_kind("approval")
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter_map(|c| Some((c.seq?, serde_json::from_str::<Value>(&c.payload).ok()?)))
        .filter(|(_, p)| p.get("policy_hash").is_some())
        .collect();
    let (mut seq, mut current) = proposals
        .iter()
        .find(|(_, p)| p.initial && p.version == 1)
        .map(|(seq, p)| (*seq, p))
        .ok_or("the log holds no initial policy (version 1)")?;
    loop {
        let voting: BTreeSet<Address> =
            current.treasury.approvers.iter().filter(|a| a.role == ApproverRole::Approver).map(|a| a.address.address()).collect();
        // The first later proposal whose approvals make the quorum of the policy in force.
        let next = proposals.iter().filter(|(_, p)| p.version > current.version).find_map(|(_, p)| {
            let signed = PolicyApproval { version: p.version, policyHash: p.hash, replacesHash: current.hash }.signing_hash();
            let mut approvers = BTreeSet::new();
            let mut completed = None;
            for (at, approval) in &approvals {
                if approval["policy_version"].as_u64() != Some(u64::from(p.version))
                    || approval["policy_hash"].as_str().and_then(|h| h.parse::<B256>().ok()) != Some(p.hash)
                {
                    continue;
                }
                let Some(signature) = approval["signature"].as_str().and_then(|s| alloy::primitives::hex::decode(s).ok()) else { continue };
                match recover(&signed, &signature) {
                    Ok(approver) if voting.contains(&approver) => {
                        approvers.insert(approver);
                    }
                    _ => continue,
                }
                if approvers.len() >= current.treasury.quorum && completed.is_none() {
                    completed = Some(*at);
                }
            }
            completed.map(|at| (at, p))
        });
        match next {
            Some((at, p)) => (seq, current) = (at, p),
            None => break,
        }
    }
    Ok(LedgerPolicy { version: current.version, hash: current.hash.to_string(), treasury: current.text.clone(), in_force_seq: seq })
}
