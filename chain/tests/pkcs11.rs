//! Goal: a secp256k1 key that lives in a real PKCS#11 token (SoftHSM2, created here in a
//! temporary SOFTHSM2_CONF with softhsm2-util and pkcs11-tool) signs Ethereum prehashes:
//! always low s, the recovery parity right, the address that of the token's public key —
//! and an ERC-20 payout it signs decodes back to that address.

use std::path::Path;

use alloy::primitives::{address, keccak256, U256};
use clubgate_chain::erc20::{decode, sign, Transfer};
use clubgate_chain::error::Error;
use clubgate_chain::pkcs11::Pkcs11Signer;
use clubgate_chain::signer::HashSigner;

mod common;

use common::MODULE;

#[test]
fn a_softhsm2_key_signs_with_low_s_and_the_right_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let conf = common::token(dir.path(), "clubgate", "hot-erc20");
    // The module reads SOFTHSM2_CONF when it loads; this is the only test in this binary.
    std::env::set_var("SOFTHSM2_CONF", &conf);
    // A wrong PIN first: once the application is logged in, the token does not ask again.
    let wrong_pin = Pkcs11Signer::open(Path::new(MODULE), "clubgate", "hot-erc20", "0000").expect_err("wrong PIN");
    assert!(matches!(wrong_pin, Error::LoginRefused { .. }), "{wrong_pin:?}");
    let signer = Pkcs11Signer::open(Path::new(MODULE), "clubgate", "hot-erc20", "1234").expect("open the HSM key");
    let half_n = U256::from_str_radix("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0", 16).unwrap();
    let mut parities = [0usize; 2];
    for i in 0u32..40 {
        let hash = keccak256(i.to_be_bytes());
        let signature = signer.sign_prehash(&hash).unwrap();
        assert!(signature.s() <= half_n, "s is low");
        assert_eq!(signature.recover_address_from_prehash(&hash).unwrap(), signer.address(), "recovers to the token's key");
        parities[usize::from(signature.v())] += 1;
    }
    assert!(parities[0] > 0 && parities[1] > 0, "both recovery parities occur over 40 signatures: {parities:?}");

    let transfer = Transfer {
        chain_id: 1,
        token: address!("dAC17F958D2ee523a2206206994597C13D831ec7"),
        to: address!("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        amount: 250_000_000_000,
        nonce: 0,
        gas_limit: 65_000,
        max_fee_per_gas: 30_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
    };
    let signed = sign(&transfer, &signer).unwrap();
    assert_eq!(decode(&signed.raw).unwrap().from, Some(signer.address()));
    assert!(!format!("{signer:?}").contains("1234"), "Debug shows no PIN");

    let no_key = Pkcs11Signer::open(Path::new(MODULE), "clubgate", "cold", "1234").expect_err("no such key");
    assert!(no_key.to_string().contains("no key pair labelled \"cold\""), "{no_key}");
    let no_token = Pkcs11Signer::open(Path::new(MODULE), "other", "hot-erc20", "1234").expect_err("no such token");
    assert!(no_token.to_string().contains("no token labelled \"other\""), "{no_token}");
}
