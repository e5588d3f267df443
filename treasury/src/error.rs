//! Errors of the payout flow: a refusal the operator can fix, or a store failure.

/// Why the flow stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A rule refused the request; the message names the value and what to do.
    #[error("{0}")]
    Refused(String),
    /// The local store failed or refused.
    #[error(transparent)]
    Store(#[from] clubgate_store::Error),
}

impl Error {
    /// Whether the operator can fix it (exit code 2 in the CLI) rather than the machine.
    pub fn is_refusal(&self) -> bool {
        match self {
            Self::Refused(_) => true,
            Self::Store(error) => matches!(
                error,
                clubgate_store::Error::Refused(_)
                    | clubgate_store::Error::SignRefused { .. }
                    | clubgate_store::Error::Core(_)
                    | clubgate_store::Error::NoLaunch { .. }
            ),
        }
    }
}

impl From<clubgate_chain::Error> for Error {
    fn from(error: clubgate_chain::Error) -> Self {
        Self::Refused(error.to_string())
    }
}

impl From<clubgate_core::payout::PayoutError> for Error {
    fn from(error: clubgate_core::payout::PayoutError) -> Self {
        Self::Refused(error.to_string())
    }
}

impl From<clubgate_core::treasury::TreasuryError> for Error {
    fn from(error: clubgate_core::treasury::TreasuryError) -> Self {
        Self::Refused(error.to_string())
    }
}

/// The flow's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
