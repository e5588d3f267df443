//! Signers. The shape follows alloy's `Signer`: one required method that signs a 32-byte
//! prehash and reports the address; everything else is provided on top. `Debug` never
//! prints key material.

use std::fmt;

use alloy::primitives::{Address, Signature, B256};
use secp256k1::{Message, PublicKey, SecretKey, SECP256K1};

use crate::error::{Error, Result};

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
}

/// The local development key. Never accepted outside the `dev` profile. Signs with
/// libsecp256k1 (RFC 6979 nonces, low s), the library Bitcoin Core and geth use.
pub struct DevKey {
    key: SecretKey,
    address: Address,
}

impl fmt::Debug for DevKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The address only: key material never reaches a log.
        f.debug_tuple("DevKey").field(&self.address).finish()
    }
}

impl DevKey {
    /// From a hex private key, in the `dev` profile only.
    pub fn new(hex_key: &str, profile: Profile) -> Result<Self> {
        let refuse = |reason: &str| Error::Signer { spec: "dev:…".to_owned(), reason: reason.to_owned() };
        if profile != Profile::Dev {
            return Err(refuse("a local development key is refused outside the dev profile; pass --profile dev for development, use pkcs11: or ledger: otherwise"));
        }
        let bytes: [u8; 32] = alloy::primitives::hex::decode(hex_key.trim().trim_start_matches("0x"))
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| refuse("is not a 32-byte hex secp256k1 key"))?;
        let key = SecretKey::from_byte_array(bytes).map_err(|_| refuse("is not a valid secp256k1 key (zero or above the group order)"))?;
        let point = PublicKey::from_secret_key(SECP256K1, &key).serialize_uncompressed();
        Ok(Self { key, address: Address::from_raw_public_key(&point[1..]) })
    }
}

impl HashSigner for DevKey {
    fn sign_prehash(&self, hash: &B256) -> Result<Signature> {
        let (recovery, compact) = SECP256K1.sign_ecdsa_recoverable(Message::from_digest(hash.0), &self.key).serialize_compact();
        Ok(Signature::from_bytes_and_parity(&compact, i32::from(recovery) != 0))
    }

    fn address(&self) -> Address {
        self.address
    }
}

/// A parsed signer spec: `pkcs11:<token>/<key>`, `ledger:<path>` or `dev:<hex>`.
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
    /// A local development key (hex).
    Dev(String),
}

impl fmt::Debug for SignerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pkcs11 { token, key } => write!(f, "pkcs11:{token}/{key}"),
            Self::Ledger { path } => write!(f, "ledger:{path}"),
            Self::Dev(_) => f.write_str("dev:…"),
        }
    }
}

impl SignerSpec {
    /// Parses a spec; a dev key is accepted only in the `dev` profile.
    pub fn parse(text: &str, profile: Profile) -> Result<Self> {
        let shown = if text.starts_with("dev:") { "dev:…".to_owned() } else { text.to_owned() };
        let refuse = |reason: &str| Error::Signer { spec: shown.clone(), reason: reason.to_owned() };
        match text.split_once(':') {
            Some(("pkcs11", rest)) => match rest.split_once('/') {
                Some((token, key)) if !token.is_empty() && !key.is_empty() => {
                    Ok(Self::Pkcs11 { token: token.to_owned(), key: key.to_owned() })
                }
                _ => Err(refuse("write pkcs11:<token-label>/<key-label>")),
            },
            Some(("ledger", path)) if path.starts_with("m/") => Ok(Self::Ledger { path: path.to_owned() }),
            Some(("ledger", _)) => Err(refuse("write ledger:<derivation path>, e.g. ledger:m/44'/60'/0'/0/0")),
            Some(("dev", key)) => {
                if profile != Profile::Dev {
                    return Err(refuse("a local development key is refused outside the dev profile; pass --profile dev"));
                }
                Ok(Self::Dev(key.to_owned()))
            }
            _ => Err(refuse("write pkcs11:<token>/<key>, ledger:<path> or dev:<hex key> (dev profile only)")),
        }
    }
}
