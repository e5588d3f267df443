//! Goal: the ERC-20 transaction bytes are exactly what independent tools produce — byte
//! identical to foundry's `cast mktx` for the same inputs and key — the signer passes the
//! example of EIP-155 itself, and the decoder reads the exact bytes back. The development key
//! is opened as an operator gives it, from a `dev:file:` spec.

#[path = "support/dev_key.rs"]
mod dev_key;

use std::path::PathBuf;
use std::process::Command;

use alloy::consensus::{SignableTransaction, TxLegacy};
use alloy::primitives::{address, b256, Address, TxKind, U256};
use clubgate_chain::erc20::{decode, sign, Transfer};
use clubgate_chain::error::Error;
use clubgate_chain::signer::{DevKey, HashSigner, Profile, SignerSpec};

/// anvil's first well-known development key (public test key, no funds anywhere real).
const DEV_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

fn cast() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tools/node_modules/@foundry-rs/cast-linux-amd64/bin/cast");
    assert!(path.exists(), "cast is installed by `cargo xtask setup` (npm ci in tools/): {}", path.display());
    path
}

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn check_against_cast(transfer: &Transfer) {
    let key = dev_key::from_file(DEV_KEY);
    let ours = sign(transfer, &key).unwrap();
    let output = Command::new(cast())
        .args([
            "mktx",
            "--private-key",
            &format!("0x{DEV_KEY}"),
            "--chain",
            &transfer.chain_id.to_string(),
            "--nonce",
            &transfer.nonce.to_string(),
        ])
        .args(["--gas-limit", &transfer.gas_limit.to_string(), "--gas-price", &transfer.max_fee_per_gas.to_string()])
        .args(["--priority-gas-price", &transfer.max_priority_fee_per_gas.to_string(), "--rpc-url", "http://127.0.0.1:9"])
        .arg(transfer.token.to_string())
        .arg("transfer(address,uint256)")
        .arg(transfer.to.to_string())
        .arg(transfer.amount.to_string())
        .output()
        .expect("run cast");
    assert!(output.status.success(), "cast: {}", String::from_utf8_lossy(&output.stderr));
    let theirs = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert_eq!(hex(&ours.raw), theirs, "{transfer:?}");
    assert_eq!(ours.from, key.address());
}

#[test]
fn raw_transactions_are_byte_identical_to_cast_mktx() {
    let base = Transfer {
        chain_id: 31337,
        token: address!("5FbDB2315678afecb367f032d93F642f64180aa3"),
        to: address!("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        amount: 250_000_000_000,
        nonce: 7,
        gas_limit: 65_000,
        max_fee_per_gas: 30_000_000_000,
        max_priority_fee_per_gas: 1_500_000_000,
    };
    check_against_cast(&base);
    // A one-byte chain id, as mainnet's (which the development key refuses to sign for).
    check_against_cast(&Transfer { chain_id: 5, nonce: 0, amount: 1, ..base });
    check_against_cast(&Transfer { chain_id: 11_155_111, nonce: 123_456, amount: 100_000_000_000, max_priority_fee_per_gas: 0, ..base });
    check_against_cast(&Transfer { to: address!("dbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB"), amount: u128::from(u64::MAX) * 3, ..base });
}

#[test]
fn the_signer_passes_the_example_of_eip_155() {
    // EIP-155: nonce 9, gas price 20 gwei, gas 21000, to 0x3535…35, 1 ether, chain 1, key 0x4646…46.
    let tx = TxLegacy {
        chain_id: Some(1),
        nonce: 9,
        gas_price: 20_000_000_000,
        gas_limit: 21_000,
        to: TxKind::Call(address!("3535353535353535353535353535353535353535")),
        value: U256::from(1_000_000_000_000_000_000u128),
        input: Default::default(),
    };
    assert_eq!(tx.signature_hash(), b256!("daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53"));
    let key = dev_key::from_file(&"46".repeat(32));
    let signature = key.sign_prehash(&tx.signature_hash()).unwrap();
    assert_eq!(
        signature.r(),
        U256::from_str_radix("18515461264373351373200002665853028612451056578545711640558177340181847433846", 10).unwrap()
    );
    assert_eq!(
        signature.s(),
        U256::from_str_radix("46948507304638947509940763649030358759909902576025900602547168820602576006531", 10).unwrap()
    );
    let mut raw = Vec::new();
    alloy::eips::eip2718::Encodable2718::encode_2718(&tx.into_signed(signature), &mut raw);
    assert_eq!(
        hex(&raw),
        "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83"
    );
}

#[test]
fn decoding_reads_the_exact_bytes_back() {
    // Sepolia and Circle's test USDC there: the development key signs for test networks only.
    let transfer = Transfer {
        chain_id: 11_155_111,
        token: address!("1c7D4B196Cb0C7B01d743Fbc6116a902379C7238"),
        to: address!("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        amount: 100_000_000_000,
        nonce: 42,
        gas_limit: 70_000,
        max_fee_per_gas: 40_000_000_000,
        max_priority_fee_per_gas: 2_000_000_000,
    };
    let (unsigned, _) = transfer.unsigned_bytes().unwrap();
    let decoded = decode(&unsigned).unwrap();
    assert_eq!((decoded.chain_id, decoded.nonce, decoded.token, decoded.to), (11_155_111, 42, transfer.token, transfer.to));
    assert_eq!(
        (decoded.amount, decoded.gas_limit, decoded.max_fee_per_gas, decoded.max_priority_fee_per_gas),
        (U256::from(100_000_000_000u64), 70_000, 40_000_000_000, 2_000_000_000)
    );
    assert_eq!((decoded.from, decoded.hash), (None, None), "unsigned bytes have no signer");
    let key = dev_key::from_file(DEV_KEY);
    let signed = sign(&transfer, &key).unwrap();
    let decoded = decode(&signed.raw).unwrap();
    assert_eq!(decoded.from, Some(key.address()));
    assert_eq!(decoded.hash, Some(signed.hash));
    assert_eq!(decoded.to, transfer.to);
    let mut tampered = signed.raw;
    let last = tampered.len() - 40;
    tampered[last] ^= 1;
    assert_ne!(decode(&tampered).ok().and_then(|d| d.from), Some(key.address()), "a changed byte changes the signer or fails");
    assert!(decode(&[0x01, 0x02]).is_err());
}

#[test]
fn development_keys_are_refused_outside_the_dev_profile_and_never_printed() {
    let error = DevKey::new(DEV_KEY, Profile::Production).expect_err("production refuses dev keys");
    assert!(matches!(error, Error::DevKeyOutsideDevProfile { .. }), "{error:?}");
    assert!(!error.to_string().contains(DEV_KEY));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dev.key");
    std::fs::write(&path, DEV_KEY).unwrap();
    let spec = format!("dev:file:{}", path.display());
    let refused = SignerSpec::parse(&spec, Profile::Production).expect_err("spec refused");
    assert!(matches!(&refused, Error::DevKeyOutsideDevProfile { spec: shown } if *shown == spec), "{refused:?}");
    let refused = DevKey::from_file(&path, Profile::Production).expect_err("the key refused too");
    assert!(matches!(refused, Error::DevKeyOutsideDevProfile { .. }), "{refused:?}");
    let key = DevKey::from_file(&path, Profile::Dev).unwrap();
    let parsed = SignerSpec::parse(&spec, Profile::Dev).unwrap();
    assert_eq!(parsed, SignerSpec::Dev(path));
    let shown = format!("{key:?} {parsed:?}");
    assert!(!shown.contains(DEV_KEY) && !shown.contains(&DEV_KEY[..16]), "{shown}");
    assert!(shown.contains(&spec), "the spec shows its path: {shown}");
    assert_eq!(key.address(), address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
    assert!(key.is_development());
    assert_eq!(
        SignerSpec::parse("pkcs11:clubgate/hot-erc20", Profile::Production).unwrap(),
        SignerSpec::Pkcs11 { token: "clubgate".into(), key: "hot-erc20".into() }
    );
    assert!(!SignerSpec::parse("pkcs11:clubgate/hot-erc20", Profile::Dev).unwrap().is_development());
    assert!(SignerSpec::parse("pkcs11:nokey", Profile::Production).is_err());
    let _: Address = key.address();
}

#[test]
fn speed_up_keeps_the_nonce_and_raises_both_fees_by_the_bump() {
    use clubgate_chain::erc20::{speed_up, FeeMode, REPLACEMENT_BUMP_PERCENT};
    let stuck = Transfer {
        chain_id: 1,
        token: address!("dAC17F958D2ee523a2206206994597C13D831ec7"),
        to: address!("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        amount: 5,
        nonce: 9,
        gas_limit: 65_000,
        max_fee_per_gas: 3_000_000_001,
        max_priority_fee_per_gas: 7,
    };
    let faster = speed_up(&stuck, REPLACEMENT_BUMP_PERCENT, None).unwrap();
    assert_eq!((faster.nonce, faster.to, faster.amount), (9, stuck.to, 5));
    assert_eq!(faster.max_fee_per_gas, 3_300_000_002, "10% up, rounded up");
    assert_eq!(faster.max_priority_fee_per_gas, 8, "at least +1 wei, and 7 × 1.1 = 7.7 rounds up to 8");
    let floored = speed_up(&stuck, REPLACEMENT_BUMP_PERCENT, Some(FeeMode::Urgent.fees(1_000_000_000, 2_000_000_000).unwrap())).unwrap();
    assert_eq!(
        (floored.max_fee_per_gas, floored.max_priority_fee_per_gas),
        (12_000_000_000, 8_000_000_000),
        "urgent: 4 × base + 4 × priority"
    );
    assert_eq!(FeeMode::Normal.fees(10, 3).unwrap(), (23, 3));
    assert_eq!(FeeMode::Fast.fees(10, 3).unwrap(), (36, 6));
    assert!(FeeMode::Urgent.fees(u128::MAX, 1).is_err());
}
