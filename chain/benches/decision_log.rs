//! Verifying the warroom's decision log (issue 11), as every load of the Warroom page and
//! `clubgate log verify` do: per entry the EIP-712 hash, the signature's recovery, the author
//! and the chain. A log of 1,000 decisions signed with a development key.
//!
//! Run: `cargo bench -p clubgate-chain --bench decision_log`.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use alloy::primitives::B256;
use clubgate_chain::decision::{sign, verify_log, Decision, Entry};
use clubgate_chain::signer::{DevKey, HashSigner, Profile};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn log(n: u64) -> (Vec<Result<Entry, String>>, alloy::primitives::Address) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("ic.key");
    std::fs::write(&path, "42".repeat(32)).expect("key file");
    let key = DevKey::from_file(&path, Profile::Dev).expect("dev key");
    let mut prev = B256::ZERO;
    let mut entries = Vec::new();
    for seq in 1..=n {
        let decision = Decision {
            seq,
            prev,
            id: format!("decision-{seq}"),
            kind: "rollback_step".to_owned(),
            details: format!(r#"{{"evidence":"message {seq}","rollback":"r1","step":"rca","who":"IC"}}"#),
            text: "as agreed in the warroom".to_owned(),
            author: key.address(),
            at: format!("2026-12-07T10:{:02}:{:02}Z", (seq / 60) % 60, seq % 60),
            planVersion: "launch-plan-v1@1".to_owned(),
            snapshotHash: B256::repeat_byte(7),
        };
        let signature = sign(&decision, &key).expect("sign");
        let hash = decision.hash();
        prev = hash;
        entries.push(Ok(Entry { decision, hash, signature }));
    }
    (entries, key.address())
}

fn bench(c: &mut Criterion) {
    let (entries, ic) = log(1_000);
    assert!(verify_log(&entries, &[ic]).is_empty(), "the log verifies");
    let mut group = c.benchmark_group("decision_log");
    group.throughput(Throughput::Elements(entries.len() as u64));
    group.bench_function("verify 1000 decisions", |b| b.iter(|| verify_log(&entries, &[ic])));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
