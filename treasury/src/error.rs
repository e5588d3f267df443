//! Errors of the payout flow. Every variant has a stable code ([`Error::code`]) that the CLI's
//! JSON errors and the window's IPC errors carry, so callers and tests tell an HSM failure
//! from a policy refusal without reading text.

/// Why the flow stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request the operator can fix (malformed input, missing field); the message names
    /// the value and what to do.
    #[error("{0}")]
    Refused(String),
    /// The bundle or transaction breaks a rule of the policy (the treasury file): `code`
    /// names the rule (`not_allow_listed`, `token_contract`, `source_wallet`, `batching`,
    /// `bundle_id`, `chain`, `volume_cap`).
    #[error("{message}")]
    Policy {
        /// The rule's code.
        code: &'static str,
        /// What is wrong, with the value, and what to do.
        message: String,
    },
    /// The approvals do not make the policy's quorum of distinct registered approvers.
    #[error("{0}")]
    Quorum(String),
    /// A registered person whose role does not approve, or an unregistered key.
    #[error("{0}")]
    Role(String),
    /// Signing names no review, an expired one, or bytes other than the reviewed ones:
    /// `code` is `review_missing`, `review_expired` or `review_mismatch`.
    #[error("{message}")]
    Review {
        /// The code.
        code: &'static str,
        /// What is wrong and what to do.
        message: String,
    },
    /// An approver's credential was refused or missing (the PIN typed now).
    #[error("{0}")]
    Credential(String),
    /// The signer: a bad spec, a refused login, a failing HSM or device.
    #[error(transparent)]
    Signer(#[from] clubgate_chain::Error),
    /// The local store refused or failed.
    #[error(transparent)]
    Store(#[from] clubgate_store::Error),
    /// The Tron node did not answer (`node_unreachable`) or answered something refused
    /// (`node`); the message names the endpoint URL and the value.
    #[error(transparent)]
    TronNode(#[from] clubgate_chain::tron_http::NodeError),
    /// The backend ledger refused the chunk's reservation (`already_signed`,
    /// `ledger_refused`), could not be reached (`ledger_unreachable`), or a desk that
    /// follows a ledger was asked to sign without it (`ledger_required`).
    #[error("{message}")]
    Ledger {
        /// The code.
        code: &'static str,
        /// The ledger's words, and what to do.
        message: String,
    },
    /// An Ethereum node: unreachable (`node_unreachable`), refusing a call (`node_refused`),
    /// on another chain than the policy (`chain_id_mismatch`), a bad URL (`node_url`); or a
    /// chunk that cannot be broadcast (`not_broadcastable`).
    #[error("{message}")]
    Node {
        /// The code.
        code: &'static str,
        /// The node's URL and words, and what to do.
        message: String,
    },
}

impl From<clubgate_chain::evm_node::NodeError> for Error {
    fn from(error: clubgate_chain::evm_node::NodeError) -> Self {
        Self::Node { code: error.code(), message: error.to_string() }
    }
}

impl Error {
    /// The stable code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Refused(_) => "invalid_input",
            Self::Policy { code, .. } | Self::Review { code, .. } | Self::Ledger { code, .. } | Self::Node { code, .. } => code,
            Self::Quorum(_) => "quorum",
            Self::Role(_) => "role",
            Self::Credential(_) => "credential",
            // An HSM that fails while signing is `hsm` (a machine failure), not bad input.
            Self::Signer(clubgate_chain::Error::Sign(_)) => "hsm",
            Self::Signer(error) => error.code(),
            Self::Store(error) => store_error_code(error),
            Self::TronNode(
                clubgate_chain::tron_http::NodeError::Unreachable { .. } | clubgate_chain::tron_http::NodeError::Status { .. },
            ) => "node_unreachable",
            Self::TronNode(_) => "node",
        }
    }

    /// Whether the operator can fix it (exit code 2 in the CLI) rather than the machine
    /// (a failing store or HSM: exit code 1).
    pub fn is_refusal(&self) -> bool {
        !matches!(self.code(), "storage" | "hsm" | "ledger_unreachable" | "node_unreachable")
    }
}

impl From<clubgate_core::payout::PayoutError> for Error {
    fn from(error: clubgate_core::payout::PayoutError) -> Self {
        use clubgate_core::payout::PayoutError;
        match error {
            PayoutError::NotAllowed { .. } => Self::Policy { code: "not_allow_listed", message: error.to_string() },
            PayoutError::VolumeCap { .. } | PayoutError::NoVolume { .. } => Self::Policy { code: "volume_cap", message: error.to_string() },
            other => Self::Refused(other.to_string()),
        }
    }
}

impl From<clubgate_core::treasury::TreasuryError> for Error {
    fn from(error: clubgate_core::treasury::TreasuryError) -> Self {
        Self::Refused(error.to_string())
    }
}

/// The stable code of a store error.
pub fn store_error_code(error: &clubgate_store::Error) -> &'static str {
    use clubgate_store::Error as Store;
    match error {
        Store::AlreadySigned { .. } => "already_signed",
        Store::BeingSigned { .. } => "being_signed",
        Store::NothingToReplace { .. } => "nothing_to_replace",
        Store::ReplacementChanged { .. } => "replacement_changed",
        Store::VolumeCap { .. } | Store::VolumeOverflow { .. } => "volume_cap",
        Store::NonceMoved { .. } => "review_mismatch",
        Store::NonceGap { .. } => "nonce_gap",
        Store::LaunchLocked { .. } => "launch_locked",
        Store::PolicyChanged { .. } => "policy_changed",
        Store::NoLaunch { .. } => "no_launch",
        Store::SignRefused { .. } | Store::Refused(_) => "refused",
        Store::Core(_) => "invalid_input",
        Store::Database { .. } | Store::Migrate { .. } | Store::Corrupt { .. } => "storage",
    }
}

/// The flow's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
