//! Where a ledger's bearer token lives: the OS keychain, one entry per ledger URL (service
//! [`SERVICE`], account = the URL), with [`TOKEN_ENV`] read only when the keychain has none
//! (automation, or a machine where no Secret Service runs). The CLI (`clubgate ledger login`,
//! `clubgate sync`) and the window's sync worker both come here, so the token has one home.
//! It never goes into the store, a file, a log or the webview: callers hold it as a
//! [`Zeroizing`] string and hand it only to [`crate::Client`].

use zeroize::Zeroizing;

/// The OS keychain service of ledger tokens; the entry's account is the ledger's URL.
pub const SERVICE: &str = "ClubGate Desk ledger token";

/// The token where no OS keychain runs; the keychain wins.
pub const TOKEN_ENV: &str = "CLUBGATE_LEDGER_TOKEN";

/// Why a token could not be read or kept. Never carries the token.
#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    /// Neither the keychain nor the environment has a token for this ledger.
    #[error(
        "no token for the ledger {url} in the OS keychain; run `clubgate ledger login --url {url}` (or set {TOKEN_ENV} where no keychain runs)"
    )]
    NoToken {
        /// The ledger.
        url: String,
    },
    /// The keychain refused to keep the token.
    #[error("OS keychain: cannot store the token of {url}: {reason}")]
    Store {
        /// The ledger.
        url: String,
        /// The keychain's words.
        reason: String,
    },
}

/// The token of the ledger at `url`: the keychain's entry, else `$CLUBGATE_LEDGER_TOKEN`.
pub fn load_token(url: &str) -> Result<Zeroizing<String>, KeychainError> {
    if let Ok(entry) = keyring::Entry::new(SERVICE, url) {
        if let Ok(token) = entry.get_password() {
            let token = Zeroizing::new(token);
            if !token.trim().is_empty() {
                return Ok(token);
            }
        }
    }
    match std::env::var(TOKEN_ENV) {
        Ok(token) if !token.trim().is_empty() => Ok(Zeroizing::new(token.trim().to_owned())),
        _ => Err(KeychainError::NoToken { url: url.to_owned() }),
    }
}

/// Keeps the token of the ledger at `url` in the OS keychain (replacing an older one).
pub fn store_token(url: &str, token: &str) -> Result<(), KeychainError> {
    let failed = |e: keyring::Error| KeychainError::Store { url: url.to_owned(), reason: e.to_string() };
    let entry = keyring::Entry::new(SERVICE, url).map_err(failed)?;
    entry.set_password(token).map_err(failed)
}
