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

#[cfg(test)]
mod tests {
    use super::*;
    use clubgate_chain::signer::{DevKey, HashSigner, Profile};
    use clubgate_core::chain::GENESIS;
    use clubgate_store::{LedgerCursor, PulledRecord};
    use serde_json::json;

    /// Log records as (kind, body).
    type Records = Vec<(String, Value)>;

    fn key(byte: u8) -> DevKey {
        DevKey::new(&hex::encode([byte; 32]), Profile::Dev).expect("dev key")
    }

    /// The example treasury file with A, B, C (quorum 2) as its approvers, `daily` as target.
    fn treasury(a: &DevKey, b: &DevKey, c: &DevKey, daily: &str) -> String {
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../core/plans/treasury-example.toml"))
            .expect("example")
            .replace("0xA1A1a1a1A1A1A1A1A1a1a1a1a1a1A1A1a1A1a1a1", &a.address().to_checksum(None))
            .replace("0xb2b2b2b2b2B2b2B2B2b2b2B2B2b2B2B2b2b2b2b2", &b.address().to_checksum(None))
            .replace("0xc3c3c3c3c3c3c3c3c3C3C3c3C3C3C3c3C3C3c3c3", &c.address().to_checksum(None))
            .replace("daily_target = \"2000000\"", &format!("daily_target = \"{daily}\""))
    }

    fn policy_record(text: &str, version: u32, initial: bool) -> (String, Value) {
        let hash = Treasury::from_toml(text).expect("treasury").fingerprint;
        (
            "policy".to_owned(),
            json!({"id": format!("p{version}"), "payload": {"treasury": text, "version": version, "hash": hash, "initial": initial}}),
        )
    }

    fn approval(key: &DevKey, version: u32, text: &str, replaces: &str) -> (String, Value) {
        let hash: B256 = Treasury::from_toml(text).expect("treasury").fingerprint.parse().expect("hash");
        let signed = PolicyApproval { version, policyHash: hash, replacesHash: replaces.parse().expect("hash") }.signing_hash();
        let signature = format!("0x{}", hex::encode(key.sign_prehash(&signed).expect("sign").as_bytes()));
        let payload = json!({"policy_version": version, "policy_hash": hash.to_string(), "approver": key.address().to_string(), "signature": signature});
        ("approval".to_owned(), json!({"id": format!("a{version}{}", key.address()), "payload": payload}))
    }

    /// Stores records as a pull would (their chain is not what is tested here).
    async fn logged(records: &[(String, Value)]) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("desk.db")).await.expect("store");
        let pulled: Vec<PulledRecord> = records
            .iter()
            .enumerate()
            .map(|(i, (kind, body))| PulledRecord {
                seq: i as u64 + 1,
                kind: kind.clone(),
                body: body.to_string(),
                prev: hex::encode(if i == 0 { GENESIS } else { [i as u8; 32] }),
                hash: hex::encode([i as u8 + 1; 32]),
            })
            .collect();
        let from = LedgerCursor { url: "http://127.0.0.1:1".to_owned(), seq: 0, hash: hex::encode(GENESIS) };
        store.apply_pulled("http://127.0.0.1:1", &from, &pulled, &[], &[], jiff::Timestamp::now()).await.expect("applied");
        (dir, store)
    }

    /// The goal (red team F1): a ledger that serves a policy its approvers did not approve —
    /// a proposal with no approvals, approvals by keys outside the policy in force, or one
    /// approver twice — is not taken; a quorum of the voting approvers in force is, and so
    /// is a later version approved by the approvers of the version before it.
    #[tokio::test]
    async fn only_a_quorum_of_the_approvers_in_force_puts_a_policy_in_force() {
        let (a, b, c, d, e) = (key(0xa1), key(0xb2), key(0xc3), key(0xd4), key(0xe5));
        let v1 = treasury(&a, &b, &c, "2000000");
        let v1_hash = Treasury::from_toml(&v1).unwrap().fingerprint;
        // v2 replaces the approvers with the thief's own keys.
        let v2 = treasury(&d, &e, &c, "9000000");
        let v2_hash = Treasury::from_toml(&v2).unwrap().fingerprint;

        let no_log = logged(&[]).await;
        assert!(policy_in_log(&no_log.1).await.is_err(), "no initial policy, nothing in force");

        let cases: Vec<(&str, Records, u32)> = vec![
            ("a proposal without approvals", vec![policy_record(&v1, 1, true), policy_record(&v2, 2, false)], 1),
            (
                "approved by the keys it would add",
                vec![
                    policy_record(&v1, 1, true),
                    policy_record(&v2, 2, false),
                    approval(&d, 2, &v2, &v1_hash),
                    approval(&e, 2, &v2, &v1_hash),
                ],
                1,
            ),
            (
                "one approver in force twice",
                vec![
                    policy_record(&v1, 1, true),
                    policy_record(&v2, 2, false),
                    approval(&a, 2, &v2, &v1_hash),
                    approval(&a, 2, &v2, &v1_hash),
                ],
                1,
            ),
            (
                "signed for another transition",
                vec![
                    policy_record(&v1, 1, true),
                    policy_record(&v2, 2, false),
                    approval(&a, 2, &v2, &v2_hash),
                    approval(&b, 2, &v2, &v2_hash),
                ],
                1,
            ),
            (
                "a quorum of the approvers in force",
                vec![
                    policy_record(&v1, 1, true),
                    policy_record(&v2, 2, false),
                    approval(&a, 2, &v2, &v1_hash),
                    approval(&c, 2, &v2, &v1_hash),
                ],
                2,
            ),
        ];
        for (case, records, expected) in cases {
            let (_dir, store) = logged(&records).await;
            let policy = policy_in_log(&store).await.expect("an initial policy");
            assert_eq!(policy.version, expected, "{case}");
            let expected_hash = if expected == 1 { &v1_hash } else { &v2_hash };
            assert_eq!(&policy.hash, expected_hash, "{case}");
        }

        // v3 must be approved by v2's approvers (D, E, C), not v1's.
        let v3 = treasury(&a, &b, &c, "3000000");
        let chain = |approvers: [&DevKey; 2]| {
            vec![
                policy_record(&v1, 1, true),
                policy_record(&v2, 2, false),
                approval(&a, 2, &v2, &v1_hash),
                approval(&b, 2, &v2, &v1_hash),
                policy_record(&v3, 3, false),
                approval(approvers[0], 3, &v3, &v2_hash),
                approval(approvers[1], 3, &v3, &v2_hash),
            ]
        };
        let (_dir, store) = logged(&chain([&a, &b])).await;
        assert_eq!(policy_in_log(&store).await.unwrap().version, 2, "v1's approvers no longer approve");
        let (_dir, store) = logged(&chain([&d, &e])).await;
        assert_eq!(policy_in_log(&store).await.unwrap().version, 3, "v2's approvers put v3 in force");
    }
}
