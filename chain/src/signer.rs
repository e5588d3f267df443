//! Signers. The shape follows alloy's `Signer`: one required method that signs a 32-byte
//! prehash and reports the address; everything else is provided on top. `Debug` never
//! prints key material.
//!
//! The local development key ([`DevKey`], spec `dev:file:PATH`) exists only in builds with
//! the `dev-signer` cargo feature — the tests and the demo; a packaged build has none, and
//! its parser refuses every `dev:` spec with [`Error::NoDevSigner`].

use std::fmt;
#[cfg(feature = "dev-signer")]
use std::path::{Path, PathBuf};

use alloy::primitives::{Address, Signature, B256};
use clubgate_core::payout::Destination;
use clubgate_core::treasury::{mainnet_contract, Token};

use crate::error::{Error, Result};

/// Whether this build has the development signer (the `dev-signer` feature): tests and the
/// demo do, packaged builds do not. Other crates ask this rather than their own features, so
/// one switch decides.
pub const DEV_SIGNER_BUILT: bool = cfg!(feature = "dev-signer");

/// The profile the app runs in: production refuses development keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Production: hardware-backed keys only.
    Production,
    /// Development: the local key is allowed.
    Dev,
}

/// Something that signs 32-byte prehashes with a secp256k1 key.
pub trait HashSigner {
    /// Signs the prehash; the signature carries the recovery parity, s is low.
    fn sign_prehash(&self, hash: &B256) -> Result<Signature>;
    /// The Ethereum address of the key.
    fn address(&self) -> Address;
    /// Whether this is the local development key, which never signs for Ethereum mainnet or
    /// a mainnet token contract (see [`refuse_development_on_mainnet`]). A wrapper that
    /// implements this trait by delegating to another signer must forward it.
    fn is_development(&self) -> bool {
        false
    }
}

/// Ethereum mainnet's EIP-155 chain id.
pub const ETHEREUM_MAINNET_CHAIN_ID: u64 = 1;

/// The tokens whose mainnet contracts the registry knows; the development key refuses them all.
const MAINNET_TOKENS: [Token; 2] = [Token::Usdt, Token::Usdc];

/// Refuses a development signer for Ethereum mainnet (`chain_id` 1) and for the registry's
/// mainnet token contracts on either network (so Tron mainnet USDT and USDC too). Every
/// function of this crate that signs a transaction calls it before signing; `chain_id` is
/// `None` where the network has none (Tron).
pub fn refuse_development_on_mainnet(signer: &dyn HashSigner, chain_id: Option<u64>, token_contract: &Destination) -> Result<()> {
    if !signer.is_development() {
        return Ok(());
    }
    if chain_id == Some(ETHEREUM_MAINNET_CHAIN_ID) {
        return Err(Error::DevKeyOnMainnet { what: format!("Ethereum mainnet (chain id {ETHEREUM_MAINNET_CHAIN_ID})") });
    }
    for token in MAINNET_TOKENS {
        let mainnet = mainnet_contract(token_contract.network(), token);
        if mainnet == *token_contract {
            return Err(Error::DevKeyOnMainnet { what: format!("the {} mainnet {token} contract {mainnet}", token_contract.network()) });
        }
    }
    Ok(())
}

/// The local development key. Never accepted outside the `dev` profile, never for mainnet.
/// Signs with libsecp256k1 (RFC 6979 nonces, low s), the library Bitcoin Core and geth use.
#[cfg(feature = "dev-signer")]
pub struct DevKey {
    key: secp256k1::SecretKey,
    address: Address,
}

#[cfg(feature = "dev-signer")]
impl fmt::Debug for DevKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The address only: key material never reaches a log.
        f.debug_tuple("DevKey").field(&self.address).finish()
    }
}

#[cfg(feature = "dev-signer")]
impl Drop for DevKey {
    fn drop(&mut self) {
        // Best effort: the key does not outlive the signer in this process's memory.
        self.key.non_secure_erase();
    }
}

/// The largest development key file read: a hex key with `0x` and whitespace is far smaller.
#[cfg(feature = "dev-signer")]
const MAX_KEY_FILE_BYTES: u64 = 4096;

/// A 32-byte secp256k1 key from hex text (`0x` optional, surrounding whitespace ignored);
/// the error says what is wrong without repeating the text.
#[cfg(feature = "dev-signer")]
fn secret_key(hex_key: &str) -> std::result::Result<secp256k1::SecretKey, &'static str> {
    let text = hex_key.trim();
    let text = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")).unwrap_or(text);
    let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
    if text.len() != 64 || alloy::primitives::hex::decode_to_slice(text, bytes.as_mut_slice()).is_err() {
        return Err("does not hold a 32-byte hex secp256k1 key (64 hex digits, 0x optional)");
    }
    secp256k1::SecretKey::from_byte_array(*bytes).map_err(|_| "does not hold a valid secp256k1 key (zero or above the group order)")
}

#[cfg(feature = "dev-signer")]
impl DevKey {
    /// From a hex private key, in the `dev` profile only. For tests and benchmarks that hold
    /// a public test key in their source; an operator's spec names a file ([`Self::from_file`]).
    pub fn new(hex_key: &str, profile: Profile) -> Result<Self> {
        if profile != Profile::Dev {
            return Err(Error::DevKeyOutsideDevProfile { spec: "dev:…".to_owned() });
        }
        let key = secret_key(hex_key).map_err(|reason| Error::Signer { spec: "dev:…".to_owned(), reason: reason.to_owned() })?;
        Ok(Self::from_secret(key))
    }

    /// From the file a `dev:file:PATH` spec names (the key as hex, `0x` optional, surrounding
    /// whitespace ignored), in the `dev` profile only. Errors name the path, never the contents.
    pub fn from_file(path: &Path, profile: Profile) -> Result<Self> {
        use std::io::Read;
        if profile != Profile::Dev {
            return Err(Error::DevKeyOutsideDevProfile { spec: format!("dev:file:{}", path.display()) });
        }
        let unreadable = |source| Error::DevKeyFileUnreadable { path: path.to_owned(), source };
        let mut text = zeroize::Zeroizing::new(String::new());
        std::fs::File::open(path).and_then(|file| file.take(MAX_KEY_FILE_BYTES + 1).read_to_string(&mut text)).map_err(unreadable)?;
        if text.len() as u64 > MAX_KEY_FILE_BYTES {
            return Err(Error::DevKeyFileInvalid { path: path.to_owned(), reason: "is larger than a hex key file can be" });
        }
        let key = secret_key(&text).map_err(|reason| Error::DevKeyFileInvalid { path: path.to_owned(), reason })?;
        Ok(Self::from_secret(key))
    }

    fn from_secret(key: secp256k1::SecretKey) -> Self {
        let point = secp256k1::PublicKey::from_secret_key(secp256k1::SECP256K1, &key).serialize_uncompressed();
        Self { key, address: Address::from_raw_public_key(&point[1..]) }
    }
}

#[cfg(feature = "dev-signer")]
impl HashSigner for DevKey {
    fn sign_prehash(&self, hash: &B256) -> Result<Signature> {
        let message = secp256k1::Message::from_digest(hash.0);
        let (recovery, compact) = secp256k1::SECP256K1.sign_ecdsa_recoverable(message, &self.key).serialize_compact();
        Ok(Signature::from_bytes_and_parity(&compact, i32::from(recovery) != 0))
    }

    fn address(&self) -> Address {
        self.address
    }

    fn is_development(&self) -> bool {
        true
    }
}

/// A parsed signer spec: `pkcs11:<token>/<key>`, `ledger:<path>`, or — in builds with the
/// `dev-signer` feature and the `dev` profile only — `dev:file:PATH`.
#[derive(Clone, PartialEq, Eq)]
pub enum SignerSpec {
    /// A PKCS#11 token and key label.
    Pkcs11 {
        /// Token label.
        token: String,
        /// Key label.
        key: String,
    },
    /// A Ledger derivation path.
    Ledger {
        /// The path, e.g. `m/44'/60'/0'/0/0`.
        path: String,
    },
    /// A local development key: the file that holds it as hex. Opening reads the file
    /// ([`DevKey::from_file`]).
    #[cfg(feature = "dev-signer")]
    Dev(PathBuf),
}

impl fmt::Debug for SignerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pkcs11 { token, key } => write!(f, "pkcs11:{token}/{key}"),
            Self::Ledger { path } => write!(f, "ledger:{path}"),
            // The path only: the key stays in its file.
            #[cfg(feature = "dev-signer")]
            Self::Dev(path) => write!(f, "dev:file:{}", path.display()),
        }
    }
}

/// A spec as it may be shown: a `dev:` spec that is not `dev:file:PATH` may be a key.
fn shown(text: &str) -> String {
    if text.starts_with("dev:") && !text.starts_with("dev:file:") {
        "dev:…".to_owned()
    } else {
        text.to_owned()
    }
}

impl SignerSpec {
    /// Parses a spec. A development key is accepted only in builds with the `dev-signer`
    /// feature, only as `dev:file:PATH` and only in the `dev` profile.
    pub fn parse(text: &str, profile: Profile) -> Result<Self> {
        let refuse = |reason: &str| Error::Signer { spec: shown(text), reason: reason.to_owned() };
        match text.split_once(':') {
            Some(("pkcs11", rest)) => match rest.split_once('/') {
                Some((token, key)) if !token.is_empty() && !key.is_empty() => {
                    Ok(Self::Pkcs11 { token: token.to_owned(), key: key.to_owned() })
                }
                _ => Err(refuse("write pkcs11:<token-label>/<key-label>")),
            },
            Some(("ledger", path)) if path.starts_with("m/") => Ok(Self::Ledger { path: path.to_owned() }),
            Some(("ledger", _)) => Err(refuse("write ledger:<derivation path>, e.g. ledger:m/44'/60'/0'/0/0")),
            Some(("dev", rest)) => Self::parse_dev(text, rest, profile),
            _ => Err(refuse(if cfg!(feature = "dev-signer") {
                "write pkcs11:<token>/<key>, ledger:<path> or dev:file:PATH (dev profile only)"
            } else {
                "write pkcs11:<token>/<key> or ledger:<path>"
            })),
        }
    }

    #[cfg(feature = "dev-signer")]
    fn parse_dev(text: &str, rest: &str, profile: Profile) -> Result<Self> {
        let Some(path) = rest.strip_prefix("file:") else { return Err(Error::DevKeyNotInFile) };
        if path.is_empty() {
            return Err(Error::Signer {
                spec: text.to_owned(),
                reason: "write dev:file:PATH, PATH a file that holds the key as hex".to_owned(),
            });
        }
        if profile != Profile::Dev {
            return Err(Error::DevKeyOutsideDevProfile { spec: text.to_owned() });
        }
        Ok(Self::Dev(PathBuf::from(path)))
    }

    #[cfg(not(feature = "dev-signer"))]
    fn parse_dev(text: &str, _rest: &str, _profile: Profile) -> Result<Self> {
        Err(Error::NoDevSigner { spec: shown(text) })
    }

    /// Whether the spec names the local development key (always false in a build without the
    /// `dev-signer` feature), for callers that accept nothing else without naming the variant.
    pub fn is_development(&self) -> bool {
        match self {
            Self::Pkcs11 { .. } | Self::Ledger { .. } => false,
            #[cfg(feature = "dev-signer")]
            Self::Dev(_) => true,
        }
    }
}
