//! Bearer tokens by role. A token is 32 random bytes in hex behind a `cgl_` prefix; the
//! ledger keeps only its sha256 and compares hashes in constant time, every live token on
//! every request, so neither a match's position nor its prefix shows in the timing.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::storage::StoredToken;
use crate::{Error, Result};

/// Who a token speaks for (PRODUCT.md "Ledger protocol v1").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The platform: appends platform events.
    Platform,
    /// The launch incident commander.
    LaunchIc,
    /// The treasury lead.
    TreasuryLead,
    /// An approver.
    Approver,
    /// Reads only.
    Viewer,
}

impl Role {
    /// Every role, as written.
    pub const ALL: [Self; 5] = [Self::Platform, Self::LaunchIc, Self::TreasuryLead, Self::Approver, Self::Viewer];

    /// The role as written in tokens and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Platform => "platform",
            Self::LaunchIc => "launch_ic",
            Self::TreasuryLead => "treasury_lead",
            Self::Approver => "approver",
            Self::Viewer => "viewer",
        }
    }

    /// Reads a role; the error names the value and the roles there are.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|role| role.as_str() == text).ok_or_else(|| {
            let known: Vec<&str> = Self::ALL.iter().map(|r| r.as_str()).collect();
            format!("role {text:?} is not one of {}", known.join(", "))
        })
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's name.
    pub name: String,
    /// Its role.
    pub role: Role,
}

/// sha256 of a token.
pub fn token_sha256(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A new random token.
pub fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| Error::Io { context: "cannot draw a random token".to_owned(), source: std::io::Error::other(e.to_string()) })?;
    Ok(format!("cgl_{}", hex::encode(bytes)))
}

/// A new random (version 4) UUID.
pub fn random_uuid() -> Result<u128> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| Error::Io { context: "cannot draw a random id".to_owned(), source: std::io::Error::other(e.to_string()) })?;
    let id = u128::from_be_bytes(bytes);
    Ok((id & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62))
}

/// The caller of an `Authorization` header value, among the live tokens.
pub fn authenticate(header: Option<&str>, live: &[StoredToken]) -> Result<Caller> {
    let Some(header) = header else {
        return Err(Error::Unauthorized { reason: "no Authorization header; send Authorization: Bearer TOKEN".to_owned() });
    };
    // The scheme is case-insensitive (RFC 9110 §11.1).
    let token = header.split_once(' ').filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer")).map(|(_, token)| token.trim());
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Err(Error::Unauthorized { reason: "the Authorization header is not \"Bearer TOKEN\"".to_owned() });
    };
    let presented = token_sha256(token);
    // Compare with every live token, without stopping at a match.
    let mut found: Option<&StoredToken> = None;
    for stored in live {
        if bool::from(stored.token_sha256.ct_eq(&presented)) {
            found = Some(stored);
        }
    }
    found.map(|t| Caller { name: t.name.clone(), role: t.role }).ok_or_else(|| Error::Unauthorized {
        reason: "the bearer token is unknown or revoked; ask the ledger's operator for a token (token issue)".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(header: Option<&str>, expected: Result<Role, &str>) {
        let live = vec![StoredToken { name: "p".into(), role: Role::Platform, token_sha256: token_sha256("cgl_good") }];
        match (authenticate(header, &live), expected) {
            (Ok(caller), Ok(role)) => assert_eq!(caller.role, role),
            (Err(error), Err(code)) => assert_eq!(error.code(), code),
            (got, want) => panic!("{header:?}: got {got:?}, want {want:?}"),
        }
    }

    /// The goal: only the exact live token authenticates, and it gives its role.
    #[test]
    fn only_a_live_token_authenticates() {
        check(Some("Bearer cgl_good"), Ok(Role::Platform));
        check(Some("bearer cgl_good"), Ok(Role::Platform));
        check(Some("Bearer cgl_bad"), Err("unauthorized"));
        check(Some("Basic abc"), Err("unauthorized"));
        check(Some("Bearer "), Err("unauthorized"));
        check(None, Err("unauthorized"));
    }

    #[test]
    fn roles_read_back() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("admin").unwrap_err().contains("\"admin\""));
    }
}
