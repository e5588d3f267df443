//! ERC-20 payouts as EIP-1559 transactions: `transfer(to, amount)` to the token contract,
//! EIP-155 chain id in the envelope, fees from the fee-mode policy. [`decode`] reads the
//! exact bytes back — unsigned or signed — into what the review screen shows.

use alloy::consensus::{SignableTransaction, Signed, TxEip1559, TxEnvelope};
use alloy::eips::eip2718::{Decodable2718, Encodable2718};
use alloy::primitives::{Address, Bytes, Signature, TxKind, B256, U256};
use alloy::sol;
use alloy::sol_types::SolCall;

use clubgate_core::payout::{Destination, EthAddress};

use crate::error::{Error, Result};
use crate::signer::{refuse_development_on_mainnet, HashSigner};

sol! {
    /// The ERC-20 transfer.
    function transfer(address to, uint256 amount) external returns (bool);
}

/// One chunk of a payout as an ERC-20 transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The token contract.
    pub token: Address,
    /// The destination.
    pub to: Address,
    /// Base units.
    pub amount: u128,
    /// The hot wallet's nonce.
    pub nonce: u64,
    /// Gas limit.
    pub gas_limit: u64,
    /// Max fee per gas (wei).
    pub max_fee_per_gas: u128,
    /// Max priority fee per gas (wei).
    pub max_priority_fee_per_gas: u128,
}

impl Transfer {
    /// The unsigned EIP-1559 transaction.
    pub fn transaction(&self) -> Result<TxEip1559> {
        if self.amount == 0 {
            return Err(Error::Field { field: "amount", value: "0".to_owned(), reason: "a transfer moves a positive amount" });
        }
        if self.max_priority_fee_per_gas > self.max_fee_per_gas {
            return Err(Error::Field {
                field: "max priority fee",
                value: self.max_priority_fee_per_gas.to_string(),
                reason: "is above the max fee per gas",
            });
        }
        let input = transferCall { to: self.to, amount: U256::from(self.amount) }.abi_encode();
        Ok(TxEip1559 {
            chain_id: self.chain_id,
            nonce: self.nonce,
            gas_limit: self.gas_limit,
            max_fee_per_gas: self.max_fee_per_gas,
            max_priority_fee_per_gas: self.max_priority_fee_per_gas,
            to: TxKind::Call(self.token),
            value: U256::ZERO,
            access_list: Default::default(),
            input: Bytes::from(input),
        })
    }

    /// The bytes to sign over (0x02 ‖ rlp(fields)) and their hash.
    pub fn unsigned_bytes(&self) -> Result<(Vec<u8>, B256)> {
        let tx = self.transaction()?;
        let mut bytes = Vec::new();
        tx.encode_for_signing(&mut bytes);
        Ok((bytes, tx.signature_hash()))
    }
}

/// A signed transaction ready to broadcast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTransfer {
    /// The raw EIP-2718 bytes.
    pub raw: Vec<u8>,
    /// The transaction hash.
    pub hash: B256,
    /// The signer's address (recovered from the signature, so it is what the chain sees).
    pub from: Address,
}

/// Signs a transfer and verifies the signature recovers to the signer's address. The
/// development key is refused for chain id 1 and the registry's mainnet token contracts
/// ([`Error::DevKeyOnMainnet`]).
pub fn sign(transfer: &Transfer, signer: &dyn HashSigner) -> Result<SignedTransfer> {
    refuse_development_on_mainnet(signer, Some(transfer.chain_id), &Destination::Eth(EthAddress::from_address(transfer.token)))?;
    let tx = transfer.transaction()?;
    let signature = signer.sign_prehash(&tx.signature_hash())?;
    assemble(transfer, signature, signer.address())
}

/// The signed transaction from a transfer and a signature over its signing hash, made by a
/// prehash signer or a device that signs whole transactions (Ledger); refused unless the
/// signature recovers to `expected`.
pub fn assemble(transfer: &Transfer, signature: Signature, expected: Address) -> Result<SignedTransfer> {
    let signed: Signed<TxEip1559> = transfer.transaction()?.into_signed(signature);
    let from = signed.recover_signer().map_err(|e| Error::Sign(format!("the signature does not recover: {e}")))?;
    if from != expected {
        return Err(Error::Sign(format!("the signature recovers to {from}, not the signer's {expected}")));
    }
    let envelope = TxEnvelope::from(signed);
    Ok(SignedTransfer { raw: envelope.encoded_2718(), hash: *envelope.tx_hash(), from })
}

/// What the bytes say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Nonce.
    pub nonce: u64,
    /// The token contract called.
    pub token: Address,
    /// The destination of the transfer.
    pub to: Address,
    /// Base units.
    pub amount: U256,
    /// Gas limit.
    pub gas_limit: u64,
    /// Max fee per gas (wei).
    pub max_fee_per_gas: u128,
    /// Max priority fee per gas (wei).
    pub max_priority_fee_per_gas: u128,
    /// The signer, when the bytes are signed.
    pub from: Option<Address>,
    /// The transaction hash, when signed.
    pub hash: Option<B256>,
}

fn decode_call(tx: &TxEip1559) -> Result<(Address, Address, U256)> {
    let TxKind::Call(token) = tx.to else { return Err(Error::Decode("a contract creation is not a payout".to_owned())) };
    if tx.value != U256::ZERO {
        return Err(Error::Decode(format!("the transaction also sends {} wei of ETH; a payout sends none", tx.value)));
    }
    let call = transferCall::abi_decode(&tx.input).map_err(|e| Error::Decode(format!("the call is not transfer(address,uint256): {e}")))?;
    Ok((token, call.to, call.amount))
}

/// Decodes signed (EIP-2718 envelope) or unsigned (0x02 ‖ rlp(fields)) EIP-1559 bytes.
pub fn decode(bytes: &[u8]) -> Result<Decoded> {
    if bytes.first() != Some(&0x02) {
        return Err(Error::Decode("not an EIP-1559 (type 2) transaction".to_owned()));
    }
    let (tx, from, hash) = match TxEnvelope::decode_2718(&mut &bytes[..]) {
        Ok(TxEnvelope::Eip1559(signed)) => {
            let from = signed.recover_signer().map_err(|e| Error::Decode(format!("the signature does not recover: {e}")))?;
            let hash = *signed.hash();
            (signed.strip_signature(), Some(from), Some(hash))
        }
        Ok(_) => return Err(Error::Decode("not an EIP-1559 transaction".to_owned())),
        Err(_) => {
            let mut body = &bytes[1..];
            let tx = <TxEip1559 as alloy::rlp::Decodable>::decode(&mut body).map_err(|e| Error::Decode(e.to_string()))?;
            if !body.is_empty() {
                return Err(Error::Decode(format!("{} trailing bytes", body.len())));
            }
            (tx, None, None)
        }
    };
    let (token, to, amount) = decode_call(&tx)?;
    Ok(Decoded {
        chain_id: tx.chain_id,
        nonce: tx.nonce,
        token,
        to,
        amount,
        gas_limit: tx.gas_limit,
        max_fee_per_gas: tx.max_fee_per_gas,
        max_priority_fee_per_gas: tx.max_priority_fee_per_gas,
        from,
        hash,
    })
}

/// The least raise of both fees a node accepts for a replacement with the same nonce
/// (geth's and anvil's default price bump).
pub const REPLACEMENT_BUMP_PERCENT: u128 = 10;

/// How urgently a payout should confirm: multiplies the priority fee, and the headroom over
/// the base fee that `max_fee_per_gas` allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FeeMode {
    /// 1× the priority fee, max fee = 2 × base fee + priority.
    Normal,
    /// 2× the priority fee, max fee = 3 × base fee + priority.
    Fast,
    /// 4× the priority fee, max fee = 4 × base fee + priority.
    Urgent,
}

impl FeeMode {
    /// `normal`, `fast` or `urgent`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Fast => "fast",
            Self::Urgent => "urgent",
        }
    }

    /// Parses `normal` / `fast` / `urgent`.
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim() {
            "normal" => Ok(Self::Normal),
            "fast" => Ok(Self::Fast),
            "urgent" => Ok(Self::Urgent),
            other => Err(Error::Field { field: "fee mode", value: other.to_owned(), reason: "is not normal, fast or urgent" }),
        }
    }

    /// The next mode up, for a speed-up: normal → fast → urgent; urgent stays urgent.
    pub fn next(self) -> Self {
        match self {
            Self::Normal => Self::Fast,
            Self::Fast | Self::Urgent => Self::Urgent,
        }
    }

    /// (max fee per gas, max priority fee per gas) for the node's current base fee and
    /// suggested priority fee, in wei.
    pub fn fees(self, base_fee_wei: u128, priority_wei: u128) -> Result<(u128, u128)> {
        let (priority_factor, base_factor) = match self {
            Self::Normal => (1, 2),
            Self::Fast => (2, 3),
            Self::Urgent => (4, 4),
        };
        let overflow = || Error::Field { field: "fees", value: format!("{base_fee_wei}/{priority_wei}"), reason: "overflow" };
        let priority = priority_wei.checked_mul(priority_factor).ok_or_else(overflow)?;
        let max_fee = base_fee_wei.checked_mul(base_factor).and_then(|b| b.checked_add(priority)).ok_or_else(overflow)?;
        Ok((max_fee, priority))
    }
}

/// `fee` raised by `bump_percent`, rounded up, and by at least 1 wei: the least fee a
/// replacement of a transaction paying `fee` may pay.
pub fn bumped(fee: u128, bump_percent: u128) -> Result<u128> {
    let raised = fee.checked_mul(100 + bump_percent).map(|v| v.div_ceil(100)).ok_or(Error::Field {
        field: "fee",
        value: fee.to_string(),
        reason: "overflow",
    })?;
    Ok(raised.max(fee.saturating_add(1)))
}

/// The speed-up of a stuck transfer: the same nonce and call, both fees raised by at least
/// `bump_percent` (rounded up, and by at least 1 wei), never lowered below `floor`'s fees.
pub fn speed_up(stuck: &Transfer, bump_percent: u128, floor: Option<(u128, u128)>) -> Result<Transfer> {
    let raise = |fee: u128| bumped(fee, bump_percent);
    let (mut max_fee, mut priority) = (raise(stuck.max_fee_per_gas)?, raise(stuck.max_priority_fee_per_gas)?);
    if let Some((floor_max, floor_priority)) = floor {
        max_fee = max_fee.max(floor_max);
        priority = priority.max(floor_priority);
    }
    let replacement = Transfer { max_fee_per_gas: max_fee.max(priority), max_priority_fee_per_gas: priority, ..stuck.clone() };
    assert_eq!(replacement.nonce, stuck.nonce, "a speed-up keeps the nonce");
    Ok(replacement)
}
