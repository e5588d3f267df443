//! Payout bundles and their quorum approvals. A bundle's canonical hash is its EIP-712 typed
//! data hash, so an approver can sign it with any Ethereum-capable key — a hardware wallet
//! included — and see the fields on the device. The quorum is M-of-N distinct registered
//! approvers, verified by signature recovery.

use std::collections::BTreeSet;

use alloy::primitives::{Address, Signature, B256, U256};
use alloy::sol;
use alloy::sol_types::{eip712_domain, Eip712Domain, SolStruct};

use crate::error::Result;
use crate::signer::HashSigner;

sol! {
    /// The typed data an approver signs: everything that decides where money goes.
    #[derive(Debug, PartialEq, Eq)]
    struct PayoutBundle {
        string bundleId;
        string network;
        string token;
        /// The token contract, as the network writes it (EIP-55 for ERC-20, base58check for
        /// Tron), so an approver approves the exact contract, not only its symbol.
        string tokenContract;
        string source;
        string destination;
        uint256 amount;
        uint256[] chunks;
        uint32 policyVersion;
    }

    /// The typed data an approver signs to put a proposed policy (a treasury file: approver
    /// registry, quorum, wallets, allow-list, limits) in force on the ledger.
    #[derive(Debug, PartialEq, Eq)]
    struct PolicyApproval {
        uint32 version;
        /// keccak256 of the treasury file's text (its fingerprint).
        bytes32 policyHash;
        /// The hash of the policy in force that it replaces: an approval is of one
        /// transition, and cannot be replayed on a ledger whose policy in force differs.
        bytes32 replacesHash;
    }
}

/// The EIP-712 domain of ClubGate payout approvals.
pub fn domain() -> Eip712Domain {
    eip712_domain! { name: "ClubGate Payouts", version: "1", }
}

impl PayoutBundle {
    /// The canonical hash: the EIP-712 signing hash under [`domain`].
    pub fn canonical_hash(&self) -> B256 {
        self.eip712_signing_hash(&domain())
    }

    /// Checks the bundle's own arithmetic: chunks sum to the amount, none is zero.
    pub fn check(&self) -> std::result::Result<(), QuorumError> {
        let sum = self.chunks.iter().try_fold(U256::ZERO, |sum, c| sum.checked_add(*c));
        if self.chunks.is_empty() || self.chunks.iter().any(|c| c.is_zero()) || sum != Some(self.amount) {
            return Err(QuorumError::Bundle("its chunks do not sum to its amount".to_owned()));
        }
        Ok(())
    }
}

impl PolicyApproval {
    /// The hash an approver signs: the EIP-712 signing hash under [`domain`].
    pub fn signing_hash(&self) -> B256 {
        self.eip712_signing_hash(&domain())
    }
}

/// The address that signed `hash` with a 65-byte r ‖ s ‖ v `signature`, or why none.
pub fn recover(hash: &B256, signature: &[u8]) -> std::result::Result<Address, String> {
    let signature =
        Signature::try_from(signature).map_err(|_| format!("the signature is malformed ({} bytes, 65 expected)", signature.len()))?;
    signature.recover_address_from_prehash(hash).map_err(|_| "the signature does not recover to any key".to_owned())
}

/// An approval: who claims to approve, and their signature over the canonical hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// The approver's address as claimed.
    pub approver: Address,
    /// 65 bytes r ‖ s ‖ v.
    pub signature: Vec<u8>,
}

/// Signs a bundle's canonical hash as an approval.
pub fn approve(bundle: &PayoutBundle, signer: &dyn HashSigner) -> Result<Approval> {
    let signature = signer.sign_prehash(&bundle.canonical_hash())?;
    Ok(Approval { approver: signer.address(), signature: signature.as_bytes().to_vec() })
}

/// M-of-N: can only be built valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quorum {
    threshold: usize,
    approvers: BTreeSet<Address>,
}

/// Why approvals do not make a quorum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuorumError {
    /// The registry or threshold is not a valid M-of-N.
    #[error("quorum {threshold}-of-{approvers} is not valid: {reason}")]
    Invalid {
        /// M.
        threshold: usize,
        /// N.
        approvers: usize,
        /// Why.
        reason: &'static str,
    },
    /// The bundle itself is inconsistent.
    #[error("the bundle is refused: {0}")]
    Bundle(String),
    /// An approval is refused.
    #[error("approval by {approver} is refused: {reason}")]
    Refused {
        /// The claimed approver.
        approver: Address,
        /// Why.
        reason: String,
    },
    /// Too few distinct valid approvals.
    #[error("{valid} of the {threshold} approvals the quorum needs")]
    Insufficient {
        /// Valid distinct approvals.
        valid: usize,
        /// M.
        threshold: usize,
    },
}

impl Quorum {
    /// M-of-N over a registry of distinct approver addresses; M ≥ 2 so no one approves alone.
    pub fn new(threshold: usize, approvers: impl IntoIterator<Item = Address>) -> std::result::Result<Self, QuorumError> {
        let list: Vec<Address> = approvers.into_iter().collect();
        let set: BTreeSet<Address> = list.iter().copied().collect();
        let invalid = |reason| QuorumError::Invalid { threshold, approvers: list.len(), reason };
        if set.len() != list.len() {
            return Err(invalid("an approver is registered twice"));
        }
        if threshold < 2 {
            return Err(invalid("at least two approvers must approve"));
        }
        if threshold > set.len() {
            return Err(invalid("more approvals are needed than there are approvers"));
        }
        Ok(Self { threshold, approvers: set })
    }

    /// Verifies that `approvals` make a quorum for `bundle`; every bad approval is refused
    /// with its reason (the first one found), so nothing questionable is silently skipped.
    pub fn verify(&self, bundle: &PayoutBundle, approvals: &[Approval]) -> std::result::Result<Vec<Address>, QuorumError> {
        bundle.check()?;
        let hash = bundle.canonical_hash();
        let mut seen = BTreeSet::new();
        for approval in approvals {
            let refuse = |reason: String| QuorumError::Refused { approver: approval.approver, reason };
            if !self.approvers.contains(&approval.approver) {
                return Err(refuse("not a registered approver".to_owned()));
            }
            if !seen.insert(approval.approver) {
                return Err(refuse("approved twice; the quorum counts distinct approvers".to_owned()));
            }
            let signature = Signature::try_from(approval.signature.as_slice())
                .map_err(|_| refuse(format!("the signature is malformed ({} bytes, 65 expected)", approval.signature.len())))?;
            let recovered =
                signature.recover_address_from_prehash(&hash).map_err(|_| refuse("the signature does not recover".to_owned()))?;
            if recovered != approval.approver {
                return Err(refuse("the signature is not over this bundle (another bundle or policy version, or another key)".to_owned()));
            }
        }
        if seen.len() < self.threshold {
            return Err(QuorumError::Insufficient { valid: seen.len(), threshold: self.threshold });
        }
        Ok(seen.into_iter().collect())
    }
}
