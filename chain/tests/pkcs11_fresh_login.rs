//! Goal (issue 8, "approval needs the approver"): an approver's PKCS#11 key opened with
//! `open_verified` has its PIN checked by the token every time, also when this process is
//! already logged in to that token — PKCS#11 logins belong to the application, so a plain
//! second `open` is let in whatever PIN it gives. On SoftHSM2, created per test.

mod common;

use std::path::Path;

use alloy::primitives::keccak256;
use clubgate_chain::error::Error;
use clubgate_chain::pkcs11::Pkcs11Signer;
use clubgate_chain::signer::HashSigner;

const TOKEN: &str = "approvals";
const KEY: &str = "approver-1";

fn open_verified(pin: &str) -> Result<Pkcs11Signer, Error> {
    Pkcs11Signer::open_verified(Path::new(common::MODULE), TOKEN, KEY, pin)
}

fn signs(signer: &Pkcs11Signer) -> bool {
    let hash = keccak256(b"bundle");
    signer.sign_prehash(&hash).is_ok_and(|s| s.recover_address_from_prehash(&hash).is_ok_and(|a| a == signer.address()))
}

#[test]
fn issue_8_a_fresh_login_refuses_a_wrong_pin_while_the_process_is_logged_in() {
    let dir = tempfile::tempdir().unwrap();
    let conf = common::token(dir.path(), TOKEN, KEY);
    // The module reads SOFTHSM2_CONF when it loads; this is the only test in this binary.
    std::env::set_var("SOFTHSM2_CONF", &conf);

    // The right PIN, nobody logged in yet: the key signs.
    let approver = open_verified("1234").expect("the right PIN opens the key");
    assert!(signs(&approver));
    drop(approver);
    assert!(matches!(open_verified("0000"), Err(Error::LoginRefused { .. })), "a wrong PIN, nobody logged in");

    // Another signer of this process logs the application in to the token (as a wallet key
    // opened from the keychain would). That is the hole: a plain open now skips the PIN.
    let wallet = Pkcs11Signer::open(Path::new(common::MODULE), TOKEN, KEY, "1234").expect("wallet key");
    assert!(signs(&wallet));
    let unchecked = Pkcs11Signer::open(Path::new(common::MODULE), TOKEN, KEY, "0000").expect("open does not check the PIN again");
    drop(unchecked);

    // open_verified checks the PIN all the same.
    let refused = open_verified("0000").expect_err("a wrong PIN is refused although the process is logged in");
    assert!(matches!(refused, Error::LoginRefused { ref spec, .. } if spec == "pkcs11:approvals/approver-1"), "{refused:?}");
    assert!(!refused.to_string().contains("0000"), "the PIN is never shown: {refused}");

    // Logged in again (the wallet re-opens), the right PIN still opens the approver's key.
    drop(wallet);
    let wallet = Pkcs11Signer::open(Path::new(common::MODULE), TOKEN, KEY, "1234").expect("wallet key again");
    let approver = open_verified("1234").expect("the right PIN, with the process logged in");
    assert!(signs(&approver));
    assert!(!format!("{approver:?}").contains("1234"), "Debug shows no PIN");
    // Dropping the verified signer logs the application out: its login ends with it.
    drop(approver);
    assert!(!signs(&wallet), "the verified login ended with its signer");
}
