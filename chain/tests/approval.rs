//! Goal: a payout bundle is approved by M-of-N distinct registered approvers signing its
//! EIP-712 hash; duplicate, foreign, replayed (other bundle or policy version) and malformed
//! approvals are refused with the reason; an HSM key can approve as well as a dev key.

mod common;
#[path = "support/dev_key.rs"]
mod dev_key;

use std::path::Path;

use alloy::primitives::U256;
use clubgate_chain::approval::{approve, PayoutBundle, Quorum, QuorumError};
use clubgate_chain::pkcs11::Pkcs11Signer;
use clubgate_chain::signer::{DevKey, HashSigner};

fn key(byte: &str) -> DevKey {
    dev_key::from_file(&byte.repeat(32))
}

fn bundle(amount: u64, policy: u32) -> PayoutBundle {
    let cap = 250_000_000_000u64;
    let mut chunks = Vec::new();
    let mut left = amount;
    while left > 0 {
        chunks.push(U256::from(left.min(cap)));
        left -= left.min(cap);
    }
    PayoutBundle {
        bundleId: "b-2026-12-07-0001".into(),
        network: "erc20".into(),
        token: "USDT".into(),
        tokenContract: "0xdAC17F958D2ee523a2206206994597C13D831ec7".into(),
        source: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".into(),
        destination: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".into(),
        amount: U256::from(amount),
        chunks,
        policyVersion: policy,
    }
}

#[test]
fn two_of_three_distinct_approvers_make_a_quorum_and_bad_approvals_are_refused() {
    let (a, b, c, stranger) = (key("11"), key("22"), key("33"), key("44"));
    let quorum = Quorum::new(2, [a.address(), b.address(), c.address()]).unwrap();
    let payout = bundle(600_000_000_000, 1);
    assert_eq!(payout.chunks.len(), 3);
    let approvals = [approve(&payout, &a).unwrap(), approve(&payout, &c).unwrap()];
    let approvers = quorum.verify(&payout, &approvals).unwrap();
    assert_eq!(approvers.len(), 2);

    let refused = |approvals: &[clubgate_chain::approval::Approval], expected: &str| {
        let error = quorum.verify(&payout, approvals).expect_err(expected);
        assert!(error.to_string().contains(expected), "{error}");
    };
    refused(&[approve(&payout, &a).unwrap()], "1 of the 2 approvals");
    refused(&[approve(&payout, &a).unwrap(), approve(&payout, &a).unwrap()], "approved twice");
    refused(&[approve(&payout, &a).unwrap(), approve(&payout, &stranger).unwrap()], "not a registered approver");
    // Replayed: b approved another bundle (other amount), or the same under another policy.
    refused(&[approve(&payout, &a).unwrap(), approve(&bundle(600_000_000_001, 1), &b).unwrap()], "not over this bundle");
    refused(&[approve(&payout, &a).unwrap(), approve(&bundle(600_000_000_000, 2), &b).unwrap()], "not over this bundle");
    let mut malformed = approve(&payout, &b).unwrap();
    malformed.signature.truncate(64);
    refused(&[approve(&payout, &a).unwrap(), malformed], "malformed");
    // Someone claiming to be b with a's signature.
    let mut forged = approve(&payout, &a).unwrap();
    forged.approver = b.address();
    refused(&[approve(&payout, &c).unwrap(), forged], "not over this bundle");

    let mut broken = payout.clone();
    broken.chunks.pop();
    assert!(matches!(quorum.verify(&broken, &approvals), Err(QuorumError::Bundle(_))), "chunks must sum to the amount");
    assert!(Quorum::new(1, [a.address(), b.address()]).is_err(), "nobody approves alone");
    assert!(Quorum::new(4, [a.address(), b.address(), c.address()]).is_err());
    assert!(Quorum::new(2, [a.address(), a.address(), c.address()]).is_err());
}

#[test]
fn the_canonical_hash_covers_every_field() {
    let base = bundle(100, 1);
    let mut variants = vec![bundle(101, 1), bundle(100, 2)];
    let mut other = base.clone();
    other.destination = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359".into();
    variants.push(other);
    let mut other = base.clone();
    other.token = "USDC".into();
    variants.push(other);
    let mut other = base.clone();
    other.tokenContract = "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238".into();
    variants.push(other);
    let mut other = base.clone();
    other.network = "trc20".into();
    variants.push(other);
    for variant in variants {
        assert_ne!(variant.canonical_hash(), base.canonical_hash(), "{variant:?}");
    }
}

#[test]
fn an_hsm_key_can_approve() {
    let dir = tempfile::tempdir().unwrap();
    let conf = common::token(dir.path(), "approvals", "approver-1");
    // The module reads SOFTHSM2_CONF when it loads; this is the only HSM test in this binary.
    std::env::set_var("SOFTHSM2_CONF", &conf);
    let hsm = Pkcs11Signer::open(Path::new(common::MODULE), "approvals", "approver-1", "1234").unwrap();
    let other = key("55");
    let quorum = Quorum::new(2, [hsm.address(), other.address()]).unwrap();
    let payout = bundle(250_000_000_000, 1);
    quorum.verify(&payout, &[approve(&payout, &hsm).unwrap(), approve(&payout, &other).unwrap()]).unwrap();
}
