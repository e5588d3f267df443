//! Benchmarks of payout signing (issue targets, one core of this 2-core machine):
//! - build + sign + self-verify with the local key: ≥ 10,000 payouts/s (ERC-20 and TRC-20);
//! - the same with a SoftHSM2 key, made as the tests make theirs (reported);
//! - batch planning of 100,000 payouts: ≤ 100 ms.
//!
//! Run: `cargo bench -p clubgate-chain --bench sign`.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::Path;

use alloy::primitives::address;
use clubgate_chain::pkcs11::Pkcs11Signer;
use clubgate_chain::signer::HashSigner;
use clubgate_chain::{erc20, trc20};
use clubgate_core::payout::{batch, cap_of, TokenAmount, TronAddress};
use clubgate_core::plan::{Network, Plan};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/support/dev_key.rs"]
mod dev_key;

// Sepolia and test token contracts on both networks: the development key never signs for
// mainnet, and the HSM rounds sign the same transfers so that the two are comparable.

fn erc20_transfer(nonce: u64) -> erc20::Transfer {
    erc20::Transfer {
        chain_id: 11_155_111,
        token: address!("1c7D4B196Cb0C7B01d743Fbc6116a902379C7238"),
        to: address!("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        amount: 250_000_000_000,
        nonce,
        gas_limit: 65_000,
        max_fee_per_gas: 30_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
    }
}

fn trc20_transfer(owner: TronAddress, n: i64) -> trc20::Transfer {
    trc20::Transfer {
        owner,
        token: TronAddress::parse("TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf").expect("address"),
        to: TronAddress::parse("TJRabPrwbZy45sbavfcjinPJC18kjpRTv8").expect("address"),
        amount: 200_000_000_000,
        ref_block_bytes: [0x2a, 0x5c],
        ref_block_hash: [1, 2, 3, 4, 5, 6, 7, 8],
        expiration_ms: 1_893_456_060_000 + n,
        timestamp_ms: 1_893_456_000_000,
        fee_limit_sun: 30_000_000,
    }
}

fn owner(signer: &dyn HashSigner) -> TronAddress {
    TronAddress::from_account(signer.address())
}

/// Build, sign (which recovers and compares the signer), then decode the bytes again.
fn erc20_round(signer: &dyn HashSigner, nonce: u64) {
    let signed = erc20::sign(&erc20_transfer(nonce), signer).expect("sign");
    black_box(erc20::decode(&signed.raw).expect("decode"));
}

fn trc20_round(signer: &dyn HashSigner, tron_owner: TronAddress, n: i64) {
    let signed = trc20::sign(&trc20_transfer(tron_owner, n), signer, 0).expect("sign");
    let signature = alloy::primitives::Signature::try_from(&signed.signature[..]).expect("65 bytes");
    assert_eq!(signature.recover_address_from_prehash(&signed.txid).expect("recover"), signer.address());
    black_box(trc20::decode(&signed.raw_data).expect("decode"));
}

/// A SoftHSM2 key made with the tests' own set-up (softhsm2 comes from `cargo xtask setup`).
fn softhsm() -> (tempfile::TempDir, Pkcs11Signer) {
    let dir = tempfile::tempdir().expect("temp dir");
    let conf = common::token(dir.path(), "bench", "hot");
    std::env::set_var("SOFTHSM2_CONF", &conf);
    let signer = Pkcs11Signer::open(Path::new(common::MODULE), "bench", "hot", "1234").expect("open the SoftHSM2 key");
    (dir, signer)
}

fn benches(c: &mut Criterion) {
    let dev = dev_key::from_file("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    let dev_owner = owner(&dev);
    let mut group = c.benchmark_group("local_key");
    group.throughput(Throughput::Elements(1));
    let mut nonce = 0u64;
    group.bench_function("erc20_build_sign_verify", |b| {
        b.iter(|| {
            nonce += 1;
            erc20_round(&dev, nonce)
        })
    });
    let mut n = 0i64;
    group.bench_function("trc20_build_sign_verify", |b| {
        b.iter(|| {
            n += 1;
            trc20_round(&dev, dev_owner, n)
        })
    });
    group.finish();

    {
        let (_dir, hsm) = softhsm();
        let hsm_owner = owner(&hsm);
        let mut group = c.benchmark_group("softhsm2");
        group.throughput(Throughput::Elements(1));
        group.bench_function("erc20_build_sign_verify", |b| {
            b.iter(|| {
                nonce += 1;
                erc20_round(&hsm, nonce)
            })
        });
        group.bench_function("trc20_build_sign_verify", |b| {
            b.iter(|| {
                n += 1;
                trc20_round(&hsm, hsm_owner, n)
            })
        });
        group.finish();
    }

    let plan = Plan::default_v1();
    let cap = *cap_of(&plan, Network::Erc20).expect("cap");
    let amounts: Vec<TokenAmount> =
        (0..100_000u64).map(|i| TokenAmount::from_base_units(u128::from(1 + i * 7_777_777)).expect("positive")).collect();
    let mut group = c.benchmark_group("batching");
    group.throughput(Throughput::Elements(amounts.len() as u64));
    group.bench_function("plan_100k_payouts", |b| {
        b.iter(|| {
            for amount in &amounts {
                black_box(batch(*amount, &cap).expect("batch"));
            }
        })
    });
    group.finish();
}

criterion_group!(sign, benches);
criterion_main!(sign);
