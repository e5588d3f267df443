//! Errors of transaction building, signing and decoding.

/// An error of the chain layer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A signer spec was malformed or not allowed in this profile.
    #[error("signer {spec:?}: {reason}")]
    Signer {
        /// The spec as given (never a key: dev keys are shown as `dev:…`).
        spec: String,
        /// Why.
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

/// The result type of the chain layer.
pub type Result<T, E = Error> = std::result::Result<T, E>;
