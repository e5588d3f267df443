//! Errors of transaction building, signing and decoding.

use std::path::PathBuf;

/// An error of the chain layer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A signer spec was malformed or not allowed in this profile.
    #[error("signer {spec:?}: {reason}")]
    Signer {
        /// The spec as given (never a key: inline dev keys are shown as `dev:…`).
        spec: String,
        /// Why.
        reason: String,
    },
    /// A `dev:` spec in a build without the `dev-signer` feature (every packaged build).
    #[error(
        "signer {spec:?}: this build has no development signer (built without the dev-signer feature); use pkcs11:<token>/<key> or ledger:<path>"
    )]
    NoDevSigner {
        /// The spec as given (`dev:…` when it was not a `dev:file:` spec).
        spec: String,
    },
    /// A development key given inline (`dev:<hex>`): argv is visible to every user of the
    /// machine (`ps`) and stays in the shell history.
    #[error(
        "signer \"dev:…\": a development key is never taken from the command line (the process list and the shell history would show it); put the key in a file as hex and use dev:file:PATH"
    )]
    DevKeyNotInFile,
    /// A development key outside the `dev` profile.
    #[error(
        "signer {spec:?}: a local development key is refused outside the dev profile; pass --profile dev for development, use pkcs11:<token>/<key> or ledger:<path> otherwise"
    )]
    DevKeyOutsideDevProfile {
        /// The spec as given (`dev:file:PATH`; the path only, never the key).
        spec: String,
    },
    /// The development key file could not be read.
    #[error("development key file {}: cannot read it: {source}; check the path of dev:file:PATH", path.display())]
    DevKeyFileUnreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The development key file does not hold a key.
    #[error("development key file {}: {reason}", path.display())]
    DevKeyFileInvalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with its contents (never the contents).
        reason: &'static str,
    },
    /// The development key was asked to sign for Ethereum mainnet or a mainnet token contract
    /// of the registry: it signs only for test networks and test contracts.
    #[error(
        "the development key refuses {what}: it signs only on test networks and test token contracts; mainnet payouts are signed with pkcs11:<token>/<key> or ledger:<path> through the payout flow"
    )]
    DevKeyOnMainnet {
        /// What was refused, e.g. `Ethereum mainnet (chain id 1)` or `the mainnet USDT contract TR7N…`.
        what: String,
    },
    /// The token refused the login (a wrong PIN, or a locked token).
    #[error("signer {spec:?}: login refused: {reason}; check the token's PIN")]
    LoginRefused {
        /// The spec (`pkcs11:<token>/<key>`).
        spec: String,
        /// The token's answer.
        reason: String,
    },
    /// Signing failed.
    #[error("signing failed: {0}")]
    Sign(String),
    /// Bytes do not decode as a transaction this app builds.
    #[error("cannot decode the transaction: {0}")]
    Decode(String),
    /// A field is outside what the app signs.
    #[error("{field} {value}: {reason}")]
    Field {
        /// The field.
        field: &'static str,
        /// Its value.
        value: String,
        /// The rule.
        reason: &'static str,
    },
}

impl Error {
    /// A stable code for the variant, for machine-readable output (IPC, `--json`): the
    /// message may be reworded, the code is not.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Signer { .. } => "signer_spec",
            Self::NoDevSigner { .. } => "no_dev_signer",
            Self::DevKeyNotInFile => "dev_key_not_in_file",
            Self::DevKeyOutsideDevProfile { .. } => "dev_key_outside_dev_profile",
            Self::DevKeyFileUnreadable { .. } => "dev_key_file_unreadable",
            Self::DevKeyFileInvalid { .. } => "dev_key_file_invalid",
            Self::DevKeyOnMainnet { .. } => "dev_key_on_mainnet",
            Self::LoginRefused { .. } => "login_refused",
            Self::Sign(_) => "sign_failed",
            Self::Decode(_) => "decode",
            Self::Field { .. } => "field",
        }
    }
}

/// The result type of the chain layer.
pub type Result<T, E = Error> = std::result::Result<T, E>;
