//! Shared set-up of the chain tests: a SoftHSM2 token with a secp256k1 key.

use std::path::{Path, PathBuf};
use std::process::Command;

/// SoftHSM2's PKCS#11 module (Debian package softhsm2).
pub(crate) const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

fn run(command: &mut Command) {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e} (cargo xtask setup installs softhsm2 and opensc)"));
    assert!(output.status.success(), "{command:?}: {}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
}

/// A fresh SoftHSM2 token `token` (user PIN 1234) with a secp256k1 key pair `key`, in its
/// own SOFTHSM2_CONF under `dir`; returns that configuration's path.
pub(crate) fn token(dir: &Path, token: &str, key: &str) -> PathBuf {
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(&conf, format!("directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n", tokens.display())).unwrap();
    run(Command::new("softhsm2-util").env("SOFTHSM2_CONF", &conf).args([
        "--init-token",
        "--free",
        "--label",
        token,
        "--pin",
        "1234",
        "--so-pin",
        "5678",
    ]));
    run(Command::new("pkcs11-tool").env("SOFTHSM2_CONF", &conf).args([
        "--module",
        MODULE,
        "--token-label",
        token,
        "--login",
        "--pin",
        "1234",
        "--keypairgen",
        "--key-type",
        "EC:secp256k1",
        "--label",
        key,
    ]));
    conf
}
