//! Opens the signer a spec names. PKCS#11 PINs come from the OS keychain (Secret Service /
//! Keychain / Credential Manager via `keyring`), one entry per token label under
//! [`KEYCHAIN_SERVICE`]; only where no keychain runs (CI) from `$CLUBGATE_PKCS11_PIN`.
//! A PIN is never taken from a command line or from the webview.

use std::path::PathBuf;

use clubgate_chain::signer::{DevKey, HashSigner, Profile, SignerSpec};

use crate::error::{Error, Result};

/// The PKCS#11 module to load (default: SoftHSM2's).
pub const PKCS11_MODULE_ENV: &str = "CLUBGATE_PKCS11_MODULE";
/// SoftHSM2's module as Debian installs it.
pub const DEFAULT_PKCS11_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
/// The token's user PIN for automation where no OS keychain runs; the keychain wins.
pub const PKCS11_PIN_ENV: &str = "CLUBGATE_PKCS11_PIN";
/// The OS keychain service under which token PINs are kept, one entry per token label.
pub const KEYCHAIN_SERVICE: &str = "ClubGate Desk PKCS#11 PIN";

/// The PIN of a PKCS#11 token: from the OS keychain, else from `$CLUBGATE_PKCS11_PIN`.
fn token_pin(token: &str, key: &str) -> Result<String> {
    if let Ok(entry) = keyring::Entry::new(KEYCHAIN_SERVICE, token) {
        if let Ok(pin) = entry.get_password() {
            return Ok(pin);
        }
    }
    std::env::var(PKCS11_PIN_ENV).map_err(|_| {
        Error::Refused(format!(
            "signer pkcs11:{token}/{key}: no PIN for token {token:?} in the OS keychain; store it with `clubgate keychain set-pin --token {token}` (or set {PKCS11_PIN_ENV} where no keychain runs)"
        ))
    })
}

/// Stores a token's PIN in the OS keychain.
pub fn store_pin(token: &str, pin: &str) -> Result<()> {
    let entry = keyring::Entry::new(KEYCHAIN_SERVICE, token).map_err(|e| Error::Refused(format!("OS keychain: {e}")))?;
    entry.set_password(pin).map_err(|e| Error::Refused(format!("OS keychain: cannot store the PIN of token {token:?}: {e}")))
}

/// Opens the signer `spec` names in `profile`.
pub fn open_signer(spec: &str, profile: Profile) -> Result<Box<dyn HashSigner>> {
    match SignerSpec::parse(spec, profile)? {
        SignerSpec::Dev(key) => Ok(Box::new(DevKey::new(&key, profile)?)),
        SignerSpec::Pkcs11 { token, key } => {
            let module = std::env::var_os(PKCS11_MODULE_ENV).map_or_else(|| PathBuf::from(DEFAULT_PKCS11_MODULE), PathBuf::from);
            let pin = token_pin(&token, &key)?;
            Ok(Box::new(clubgate_chain::pkcs11::Pkcs11Signer::open(&module, &token, &key, &pin)?))
        }
        spec @ SignerSpec::Ledger { .. } => Err(Error::Refused(format!(
            "signer {spec:?}: a Ledger signs whole transactions and typed data, not prehashes; this build has no device transport (see docs/signers.md)"
        ))),
    }
}
