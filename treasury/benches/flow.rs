//! The whole signing flow per payout, as the window and the CLI run it: a one-chunk bundle
//! approved 2-of-3, then `flow::sign_chunk` — batching check, quorum recovery, phase volume
//! cap from the registry, the durable reservation (SQLite, synchronous=FULL), nonce
//! allocation, build, sign, record. Local development keys, so the figure is the flow's and
//! the store's cost, not an HSM's.
//!
//! Run: `cargo bench -p clubgate-treasury --bench flow`.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use alloy::primitives::U256;
use clubgate_chain::approval::{approve, PayoutBundle, Quorum};
use clubgate_chain::signer::{DevKey, HashSigner, Profile};
use clubgate_core::launch::Launch;
use clubgate_store::Store;
use clubgate_treasury::flow::{self, ChainParams, SignInput};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn key(byte: &str) -> DevKey {
    DevKey::new(&byte.repeat(32), Profile::Dev).expect("dev key")
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = runtime.block_on(Store::open(&dir.path().join("bench.db"))).expect("store");
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").expect("zone");
    let t0 = jiff::Timestamp::now().to_zoned_datetime(tz).date().checked_sub(jiff::ToSpan::days(10)).expect("date");
    let launch = Launch::new(clubgate_core::DEFAULT_PLAN_TOML, &format!("{t0}T10:00"), None).expect("launch");
    let hot = key("ac");
    let approvers = [key("11"), key("22"), key("33")];
    let quorum = Quorum::new(2, approvers.iter().map(HashSigner::address).collect::<Vec<_>>()).expect("quorum");
    let mut n = 0u64;
    let mut group = c.benchmark_group("flow");
    group.throughput(Throughput::Elements(1));
    group.sample_size(30);
    group.bench_function("approve_2_of_3_and_sign_one_chunk_durably", |b| {
        b.iter(|| {
            n += 1;
            let bundle = PayoutBundle {
                bundleId: format!("bench-{n}"),
                network: "erc20".into(),
                token: "USDT".into(),
                source: hot.address().to_checksum(None),
                destination: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".into(),
                amount: U256::from(1_000_000u64),
                chunks: vec![U256::from(1_000_000u64)],
                policyVersion: 1,
            };
            let approvals = [approve(&bundle, &approvers[0]).expect("approve"), approve(&bundle, &approvers[2]).expect("approve")];
            let input = SignInput {
                launch: &launch,
                quorum: &quorum,
                approvals: &approvals,
                chunk: 0,
                signer: &hot,
                chain: ChainParams::Erc20 {
                    chain_id: 1,
                    token: "0xdAC17F958D2ee523a2206206994597C13D831ec7".parse().expect("address"),
                    pending_nonce: 0,
                    gas_limit: 65_000,
                    max_fee_per_gas: 30_000_000_000,
                    max_priority_fee_per_gas: 1_000_000_000,
                },
                replace: None,
                daily_target: u128::from(u64::MAX),
                now: jiff::Timestamp::now(),
            };
            runtime.block_on(flow::sign_chunk(&store, &bundle, input)).expect("signed")
        })
    });
    group.finish();
}

criterion_group!(flow_bench, benches);
criterion_main!(flow_bench);
