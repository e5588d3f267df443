//! A PKCS#11 signer (YubiHSM 2, Luna, CloudHSM; SoftHSM2 in tests): the key is found by token
//! label and key label, signs secp256k1 prehashes with CKM_ECDSA, and the raw r‖s is turned
//! into an Ethereum signature: s normalised to the low half, the recovery parity found by
//! trial recovery against the token's public key.

use std::fmt;
use std::path::Path;

use alloy::primitives::{keccak256, Address, Signature, B256, U256};
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;

use crate::error::{Error, Result};
use crate::signer::HashSigner;

/// The secp256k1 group order n; a signature's s must not exceed n/2 (EIP-2).
const SECP256K1_N: U256 = U256::from_be_bytes([
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48,
    0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41,
]);

/// A key in a PKCS#11 token.
pub struct Pkcs11Signer {
    session: Session,
    key: ObjectHandle,
    address: Address,
    label: String,
    login: Login,
    // Kept alive for the session's sake.
    _context: Pkcs11,
}

/// How a signer logs in to its token. PKCS#11 logins belong to the application, not to a
/// session: once one session of this process is logged in to a token, every session of it on
/// that token is, and a further login answers CKR_USER_ALREADY_LOGGED_IN without looking at
/// the PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Login {
    /// Joins the application's login: the PIN is checked only when nobody is logged in yet
    /// (wallet keys, whose PIN comes from the keychain).
    Shared,
    /// Checks the PIN now, even when the application is already logged in, and logs out when
    /// the signer is dropped (an approver's key: the PIN typed for this approval is the proof).
    Verified,
}

impl fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Signer").field("key", &self.label).field("address", &self.address).finish_non_exhaustive()
    }
}

fn hsm(context: &str) -> impl Fn(cryptoki::error::Error) -> Error + '_ {
    move |error| Error::Sign(format!("PKCS#11 {context}: {error}"))
}

/// The uncompressed point (0x04 ‖ X ‖ Y) from CKA_EC_POINT, which tokens DER-wrap in an
/// OCTET STRING (`04 41 04 …`) or give raw.
fn uncompressed_point(ec_point: &[u8]) -> Result<[u8; 65]> {
    let raw = match ec_point {
        [0x04, 0x41, rest @ ..] if rest.len() == 65 => rest,
        [0x04, ..] if ec_point.len() == 65 => ec_point,
        _ => return Err(Error::Sign(format!("CKA_EC_POINT of {} bytes is not an uncompressed secp256k1 point", ec_point.len()))),
    };
    let mut point = [0u8; 65];
    point.copy_from_slice(raw);
    if point[0] != 0x04 {
        return Err(Error::Sign("the public key is not an uncompressed point".to_owned()));
    }
    Ok(point)
}

/// The Ethereum address of an uncompressed public key.
pub fn address_of_point(point: &[u8; 65]) -> Address {
    Address::from_slice(&keccak256(&point[1..])[12..])
}

impl Pkcs11Signer {
    /// Opens `module`, logs into the token labelled `token` with `pin` and finds the key pair
    /// labelled `key`. When this process is already logged in to the token (another signer on
    /// it is open), the token does not check `pin` again: for a wallet key whose PIN comes from
    /// the keychain. An approval uses [`Self::open_verified`].
    pub fn open(module: &Path, token: &str, key: &str, pin: &str) -> Result<Self> {
        Self::open_with(module, token, key, pin, Login::Shared)
    }

    /// Like [`Self::open`], but `pin` is checked by the token now, even when this process is
    /// already logged in to it: the application is logged out and logged in again with `pin`,
    /// so a wrong PIN is refused ([`Error::LoginRefused`]) whatever other signer is open. The
    /// signer logs out when dropped.
    ///
    /// Logging out ends the login of every session of this process on that token: a signer
    /// opened with [`Self::open`] on the same token cannot sign after a refused PIN or once
    /// this signer is dropped, until it is opened again. Approver keys belong on tokens of
    /// their own.
    pub fn open_verified(module: &Path, token: &str, key: &str, pin: &str) -> Result<Self> {
        Self::open_with(module, token, key, pin, Login::Verified)
    }

    fn open_with(module: &Path, token: &str, key: &str, pin: &str, login: Login) -> Result<Self> {
        let context = Pkcs11::new(module).map_err(|e| Error::Signer {
            spec: format!("pkcs11:{token}/{key}"),
            reason: format!("cannot load {}: {e}", module.display()),
        })?;
        // A second signer in the same process finds the library already initialised: fine.
        match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(cryptoki::error::Error::Pkcs11(cryptoki::error::RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(error) => return Err(hsm("initialise")(error)),
        }
        let slot = context
            .get_slots_with_token()
            .map_err(hsm("list slots"))?
            .into_iter()
            .find(|slot| context.get_token_info(*slot).is_ok_and(|info| info.label().trim() == token))
            .ok_or_else(|| Error::Signer {
                spec: format!("pkcs11:{token}/{key}"),
                reason: format!("no token labelled {token:?} in {}", module.display()),
            })?;
        let session = context.open_ro_session(slot).map_err(hsm("open a session"))?;
        let pin = AuthPin::from(pin.to_owned());
        let refused =
            |error: cryptoki::error::Error| Error::LoginRefused { spec: format!("pkcs11:{token}/{key}"), reason: error.to_string() };
        match (session.login(UserType::User, Some(&pin)), login) {
            (Ok(()), _) => {}
            // PKCS#11 logins are per application: a second signer on the same token is already in.
            (Err(cryptoki::error::Error::Pkcs11(cryptoki::error::RvError::UserAlreadyLoggedIn, _)), Login::Shared) => {}
            // Already in, but this PIN was not checked: out and in again, so it is.
            (Err(cryptoki::error::Error::Pkcs11(cryptoki::error::RvError::UserAlreadyLoggedIn, _)), Login::Verified) => {
                session.logout().map_err(hsm("log out to check the PIN"))?;
                session.login(UserType::User, Some(&pin)).map_err(refused)?;
            }
            (Err(error), _) => return Err(refused(error)),
        }
        match key_pair(&session, token, key) {
            Ok((private, address)) => {
                Ok(Self { session, key: private, address, label: format!("pkcs11:{token}/{key}"), login, _context: context })
            }
            Err(error) => {
                if login == Login::Verified {
                    // As on drop: a verified login ends with the signer, here one never made.
                    let _ = session.logout();
                }
                Err(error)
            }
        }
    }
}

/// The private key labelled `key` in the logged-in `session`, and the address of its public key.
fn key_pair(session: &Session, token: &str, key: &str) -> Result<(ObjectHandle, Address)> {
    let find =
        |class| session.find_objects(&[Attribute::Class(class), Attribute::Label(key.as_bytes().to_vec())]).map_err(hsm("find the key"));
    let private = find(ObjectClass::PRIVATE_KEY)?.into_iter().next();
    let public = find(ObjectClass::PUBLIC_KEY)?.into_iter().next();
    let (Some(private), Some(public)) = (private, public) else {
        return Err(Error::Signer {
            spec: format!("pkcs11:{token}/{key}"),
            reason: format!("token {token:?} has no key pair labelled {key:?}"),
        });
    };
    let attributes = session.get_attributes(public, &[AttributeType::EcPoint]).map_err(hsm("read the public key"))?;
    let Some(Attribute::EcPoint(ec_point)) = attributes.into_iter().next() else {
        return Err(Error::Sign("the public key has no CKA_EC_POINT".to_owned()));
    };
    Ok((private, address_of_point(&uncompressed_point(&ec_point)?)))
}

impl Drop for Pkcs11Signer {
    fn drop(&mut self) {
        if self.login == Login::Verified {
            // The PIN was checked for this signer's use only: nobody stays logged in on it.
            // A failure (the token was removed, the session is gone) leaves nothing to undo.
            let _ = self.session.logout();
        }
    }
}

impl HashSigner for Pkcs11Signer {
    fn sign_prehash(&self, hash: &B256) -> Result<Signature> {
        let raw = self.session.sign(&Mechanism::Ecdsa, self.key, hash.as_slice()).map_err(hsm("sign"))?;
        if raw.len() != 64 {
            return Err(Error::Sign(format!("the token returned a {}-byte signature, not r‖s", raw.len())));
        }
        let r = U256::from_be_slice(&raw[..32]);
        let mut s = U256::from_be_slice(&raw[32..]);
        // EIP-2: only low s is valid on Ethereum (and Tron); tokens return either half.
        if s > SECP256K1_N >> 1 {
            s = SECP256K1_N - s;
        }
        for parity in [false, true] {
            let signature = Signature::new(r, s, parity);
            if signature.recover_address_from_prehash(hash).is_ok_and(|a| a == self.address) {
                return Ok(signature);
            }
        }
        Err(Error::Sign("the token's signature recovers to neither parity of its own public key".to_owned()))
    }

    fn address(&self) -> Address {
        self.address
    }
}
