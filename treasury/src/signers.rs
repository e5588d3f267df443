//! Opens the signer a spec names. PKCS#11 PINs come from the OS keychain (Secret Service /
//! Keychain / Credential Manager via `keyring`), one entry per token label under
//! [`KEYCHAIN_SERVICE`]; only where no keychain runs (CI) from `$CLUBGATE_PKCS11_PIN`.
//! A PIN is never taken from a command line or from the webview.

use std::path::PathBuf;
use std::sync::Mutex;

use alloy::primitives::{Address, Signature, B256};

use clubgate_chain::approval::{approve, Approval, PayoutBundle};
use clubgate_chain::ledger::LedgerDevice;
use clubgate_chain::signer::{HashSigner, Profile, SignerSpec};

use zeroize::Zeroizing;

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
fn token_pin(token: &str, key: &str) -> Result<Zeroizing<String>> {
    if let Ok(entry) = keyring::Entry::new(KEYCHAIN_SERVICE, token) {
        if let Ok(pin) = entry.get_password() {
            return Ok(Zeroizing::new(pin));
        }
    }
    std::env::var(PKCS11_PIN_ENV).map(Zeroizing::new).map_err(|_| {
        Error::Refused(format!(
            "signer pkcs11:{token}/{key}: no PIN for token {token:?} in the OS keychain; store it with `clubgate keychain set-pin --token {token}` (or set {PKCS11_PIN_ENV} where no keychain runs)"
        ))
    })
}

/// Forgets a token's PIN in the OS keychain, if it is there: an approver's token PIN is
/// never kept (an earlier version kept them), so approving removes it.
fn forget_pin(token: &str) {
    if let Ok(entry) = keyring::Entry::new(KEYCHAIN_SERVICE, token) {
        let _ = entry.delete_credential();
    }
}

/// Stores a token's PIN in the OS keychain.
pub fn store_pin(token: &str, pin: &str) -> Result<()> {
    let entry = keyring::Entry::new(KEYCHAIN_SERVICE, token).map_err(|e| Error::Refused(format!("OS keychain: {e}")))?;
    entry.set_password(pin).map_err(|e| Error::Refused(format!("OS keychain: cannot store the PIN of token {token:?}: {e}")))
}

/// A signer that may be shared between threads (the app signs from async commands).
pub type Signer = Box<dyn HashSigner + Send + Sync>;

/// Serialises a signer whose handle is not `Sync` (a PKCS#11 session is used by one thread
/// at a time).
struct Locked<S> {
    inner: Mutex<S>,
    address: Address,
}

impl<S: HashSigner + Send> HashSigner for Locked<S> {
    fn sign_prehash(&self, hash: &B256) -> clubgate_chain::Result<Signature> {
        let signer = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        signer.sign_prehash(hash)
    }

    fn address(&self) -> Address {
        self.address
    }

    fn is_development(&self) -> bool {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner).is_development()
    }
}

/// Opens the signer `spec` names in `profile`.
pub fn open_signer(spec: &str, profile: Profile) -> Result<Signer> {
    match SignerSpec::parse(spec, profile)? {
        #[cfg(feature = "dev-signer")]
        SignerSpec::Dev(path) => Ok(Box::new(clubgate_chain::signer::DevKey::from_file(&path, profile)?)),
        SignerSpec::Pkcs11 { token, key } => {
            let module = std::env::var_os(PKCS11_MODULE_ENV).map_or_else(|| PathBuf::from(DEFAULT_PKCS11_MODULE), PathBuf::from);
            let pin = token_pin(&token, &key)?;
            let signer = clubgate_chain::pkcs11::Pkcs11Signer::open(&module, &token, &key, &pin)?;
            Ok(Box::new(Locked { address: signer.address(), inner: Mutex::new(signer) }))
        }
        spec @ SignerSpec::Ledger { .. } => Err(Error::Refused(format!(
            "signer {spec:?}: a Ledger approves bundles and signs ERC-20 transactions it shows on its screen; it does not sign bare hashes, so it cannot sign here (see docs/signers.md)"
        ))),
    }
}

/// The wallet keys as the treasury file configures them: each wallet's signer spec, its
/// PKCS#11 PIN from the OS keychain (or `$CLUBGATE_PKCS11_PIN` where none runs).
#[derive(Debug, Clone, Copy)]
pub struct ConfiguredKeys {
    /// The profile (production refuses development keys).
    pub profile: Profile,
}

impl crate::flow::WalletKeys for ConfiguredKeys {
    fn open(&self, wallet: &clubgate_core::treasury::Wallet) -> Result<Signer> {
        open_signer(&wallet.signer, self.profile)
    }
}

/// Opens a PKCS#11 key with `pin`, checked by the token even when this process is logged in
/// to it already (the login ends when the signer is dropped).
pub fn open_pkcs11_verified(token: &str, key: &str, pin: &str) -> Result<Signer> {
    let module = std::env::var_os(PKCS11_MODULE_ENV).map_or_else(|| PathBuf::from(DEFAULT_PKCS11_MODULE), PathBuf::from);
    let signer = clubgate_chain::pkcs11::Pkcs11Signer::open_verified(&module, token, key, pin)?;
    Ok(Box::new(Locked { address: signer.address(), inner: Mutex::new(signer) }))
}

/// Signs a warroom decision with its author's own credential, at this moment — as an
/// approval is signed: a Ledger shows the typed data; a PKCS#11 key signs only after a
/// login with `pin`, the PIN of the launch IC's token typed now (never the keychain's).
pub async fn sign_decision_with(
    spec: &str,
    profile: Profile,
    decision: &clubgate_chain::decision::Decision,
    pin: Option<&str>,
) -> Result<Vec<u8>> {
    match SignerSpec::parse(spec, profile)? {
        SignerSpec::Ledger { path } => Ok(LedgerDevice::connect(&path, None).await?.sign_decision(decision).await?),
        SignerSpec::Pkcs11 { token, key } => {
            let pin = pin.filter(|p| !p.is_empty()).ok_or_else(|| {
                Error::Credential(format!(
                    "signing a decision with pkcs11:{token}/{key} needs the PIN of token {token:?}, typed by the launch IC now; it is never taken from the keychain"
                ))
            })?;
            forget_pin(&token);
            let signer = open_pkcs11_verified(&token, &key, pin)?;
            Ok(signer.sign_prehash(&decision.hash())?.as_bytes().to_vec())
        }
        // The caller checks that the signature recovers to the decision's author.
        #[allow(unreachable_patterns)]
        _ => {
            let signer = open_signer(spec, profile)?;
            Ok(signer.sign_prehash(&decision.hash())?.as_bytes().to_vec())
        }
    }
}

/// Approves a bundle with the approver's own credential, at this moment: a Ledger signs the
/// EIP-712 typed data after the approver confirms on the device; a PKCS#11 key signs only
/// after a login with `pin` — the PIN of that approver's token, typed now (never the
/// keychain's or the environment's), checked even when this process is logged in already.
pub async fn approve_with(spec: &str, profile: Profile, bundle: &PayoutBundle, pin: Option<&str>) -> Result<Approval> {
    match SignerSpec::parse(spec, profile)? {
        SignerSpec::Ledger { path } => Ok(LedgerDevice::connect(&path, None).await?.approve(bundle).await?),
        SignerSpec::Pkcs11 { token, key } => {
            let pin = pin.filter(|p| !p.is_empty()).ok_or_else(|| {
                Error::Credential(format!(
                    "approving with pkcs11:{token}/{key} needs the PIN of token {token:?}, typed by its approver now; it is never taken from the keychain"
                ))
            })?;
            forget_pin(&token);
            let signer = open_pkcs11_verified(&token, &key, pin)?;
            Ok(approve(bundle, signer.as_ref())?)
        }
        #[allow(unreachable_patterns)]
        _ => {
            let signer = open_signer(spec, profile)?;
            Ok(approve(bundle, signer.as_ref())?)
        }
    }
}
