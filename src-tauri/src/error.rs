//! The error every command returns. It serializes as `{ "code", "message" }` so the UI
//! can tell bad input from a failing store without parsing text.

use serde::{Serialize, Serializer};

/// A command's error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The person's input was refused by a domain rule (T0, zone, state, evidence…).
    #[error(transparent)]
    Input(#[from] clubgate_core::Error),
    /// A plan file could not be read.
    #[error("cannot read the plan file {path}: {source}; check the path")]
    PlanFile {
        /// The path as typed.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] clubgate_store::Error),
    /// An events file could not be read.
    #[error("cannot read the events file {path}: {source}; check the path")]
    EventsFile {
        /// The path as typed.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The payout flow refused (its code names the rule: `volume_cap`, `quorum`,
    /// `review_expired`, `login_refused`, …) or a signer failed (`hsm`).
    #[error(transparent)]
    Flow(clubgate_treasury::Error),
    /// A request was refused by a rule (a replay request, a payout to plan, bytes to decode).
    #[error("{message}")]
    Refused {
        /// What is wrong and what to do.
        message: String,
    },
}

impl From<clubgate_treasury::Error> for Error {
    fn from(error: clubgate_treasury::Error) -> Self {
        match error {
            clubgate_treasury::Error::Store(error) => Self::Store(error),
            other => Self::Flow(other),
        }
    }
}

impl From<clubgate_core::treasury::TreasuryError> for Error {
    fn from(error: clubgate_core::treasury::TreasuryError) -> Self {
        Self::Refused { message: error.to_string() }
    }
}

impl From<clubgate_core::payout::PayoutError> for Error {
    fn from(error: clubgate_core::payout::PayoutError) -> Self {
        Self::Refused { message: error.to_string() }
    }
}

impl Error {
    /// The stable code the UI sees: `invalid_input`, `not_found`, `plan_file`, `no_launch`,
    /// `storage`, or the payout flow's code of the rule that refused.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Input(error) | Self::Store(clubgate_store::Error::Core(error)) => match error {
                clubgate_core::Error::UnknownItem { .. } => "not_found",
                clubgate_core::Error::PlanSyntax { .. } | clubgate_core::Error::PlanInvalid { .. } => "plan_file",
                _ => "invalid_input",
            },
            Self::PlanFile { .. } => "plan_file",
            Self::EventsFile { .. } => "events_file",
            Self::Refused { .. } => "invalid_input",
            Self::Flow(error) => error.code(),
            Self::Store(error) => clubgate_treasury::store_error_code(error),
        }
    }
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        clubgate_ipc::CommandError { code: self.code().to_owned(), message: self.to_string() }.serialize(serializer)
    }
}

/// The result type of commands.
pub type Result<T, E = Error> = std::result::Result<T, E>;
