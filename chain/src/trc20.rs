//! TRC-20 payouts: a `TriggerSmartContract` calling `transfer(address,uint256)` on the token,
//! wrapped in a Tron `Transaction.raw` (protobuf, field numbers of java-tron's Tron.proto)
//! with `ref_block_bytes`, `ref_block_hash`, `expiration`, `timestamp` and `fee_limit`.
//! txID = sha256(raw_data); the signature is 65 bytes r ‖ s ‖ v with v = 27 + parity.

use alloy::primitives::{Address, B256, U256};
use alloy::sol_types::SolCall;
use clubgate_core::payout::{Destination, TronAddress};
use prost::Message;
use sha2::{Digest, Sha256};

use crate::erc20::transferCall;
use crate::error::{Error, Result};
use crate::signer::{refuse_development_on_mainnet, HashSigner};

/// `Transaction.Contract.ContractType.TriggerSmartContract`.
const TRIGGER_SMART_CONTRACT: i32 = 31;
const TYPE_URL: &str = "type.googleapis.com/protocol.TriggerSmartContract";
/// Tron refuses an expiration more than 24 h after the transaction's timestamp.
pub const MAX_EXPIRATION_MS: i64 = 24 * 60 * 60 * 1000;
/// The default time to live of a transaction.
pub const DEFAULT_EXPIRATION_MS: i64 = 60 * 1000;

/// protocol.TriggerSmartContract.
#[derive(Clone, PartialEq, Message)]
pub struct TriggerSmartContract {
    /// 0x41 ‖ owner.
    #[prost(bytes = "vec", tag = "1")]
    pub owner_address: Vec<u8>,
    /// 0x41 ‖ token contract.
    #[prost(bytes = "vec", tag = "2")]
    pub contract_address: Vec<u8>,
    /// TRX sent along (always 0 for a payout).
    #[prost(int64, tag = "3")]
    pub call_value: i64,
    /// ABI call data.
    #[prost(bytes = "vec", tag = "4")]
    pub data: Vec<u8>,
}

/// google.protobuf.Any.
#[derive(Clone, PartialEq, Message)]
pub struct Any {
    /// Type URL.
    #[prost(string, tag = "1")]
    pub type_url: String,
    /// Encoded message.
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// protocol.Transaction.Contract.
#[derive(Clone, PartialEq, Message)]
pub struct Contract {
    /// Contract type.
    #[prost(int32, tag = "1")]
    pub r#type: i32,
    /// Its parameter.
    #[prost(message, optional, tag = "2")]
    pub parameter: Option<Any>,
}

/// protocol.Transaction.raw.
#[derive(Clone, PartialEq, Message)]
pub struct RawData {
    /// Bytes 6..8 of the reference block's height.
    #[prost(bytes = "vec", tag = "1")]
    pub ref_block_bytes: Vec<u8>,
    /// Bytes 8..16 of the reference block's hash.
    #[prost(bytes = "vec", tag = "4")]
    pub ref_block_hash: Vec<u8>,
    /// Expiration (ms since the epoch).
    #[prost(int64, tag = "8")]
    pub expiration: i64,
    /// The contract call.
    #[prost(message, repeated, tag = "11")]
    pub contract: Vec<Contract>,
    /// Creation time (ms since the epoch).
    #[prost(int64, tag = "14")]
    pub timestamp: i64,
    /// Most energy fee to burn (sun).
    #[prost(int64, tag = "18")]
    pub fee_limit: i64,
}

/// One chunk of a payout as a TRC-20 transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// The hot wallet.
    pub owner: TronAddress,
    /// The token contract.
    pub token: TronAddress,
    /// The destination.
    pub to: TronAddress,
    /// Base units.
    pub amount: u128,
    /// 2 bytes of the reference block.
    pub ref_block_bytes: [u8; 2],
    /// 8 bytes of the reference block hash.
    pub ref_block_hash: [u8; 8],
    /// Expiration (ms).
    pub expiration_ms: i64,
    /// Timestamp (ms).
    pub timestamp_ms: i64,
    /// Fee limit (sun).
    pub fee_limit_sun: i64,
}

/// A signed TRC-20 transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTransfer {
    /// The protobuf `raw_data`.
    pub raw_data: Vec<u8>,
    /// sha256(raw_data).
    pub txid: B256,
    /// r ‖ s ‖ v (v = 27 + parity).
    pub signature: [u8; 65],
}

fn account(address: &TronAddress) -> Address {
    Address::from(address.account())
}

impl Transfer {
    /// The protobuf raw data, after checking the fields a payout must have.
    pub fn raw_data(&self) -> Result<Vec<u8>> {
        if self.amount == 0 {
            return Err(Error::Field { field: "amount", value: "0".to_owned(), reason: "a transfer moves a positive amount" });
        }
        let lifetime = self.expiration_ms - self.timestamp_ms;
        if lifetime <= 0 || lifetime > MAX_EXPIRATION_MS {
            return Err(Error::Field {
                field: "expiration",
                value: self.expiration_ms.to_string(),
                reason: "must be after the timestamp and at most 24 h later",
            });
        }
        if self.fee_limit_sun <= 0 {
            return Err(Error::Field { field: "fee limit", value: self.fee_limit_sun.to_string(), reason: "must be positive" });
        }
        let data = transferCall { to: account(&self.to), amount: U256::from(self.amount) }.abi_encode();
        let call = TriggerSmartContract {
            owner_address: self.owner.raw().to_vec(),
            contract_address: self.token.raw().to_vec(),
            call_value: 0,
            data,
        };
        let raw = RawData {
            ref_block_bytes: self.ref_block_bytes.to_vec(),
            ref_block_hash: self.ref_block_hash.to_vec(),
            expiration: self.expiration_ms,
            contract: vec![Contract {
                r#type: TRIGGER_SMART_CONTRACT,
                parameter: Some(Any { type_url: TYPE_URL.to_owned(), value: call.encode_to_vec() }),
            }],
            timestamp: self.timestamp_ms,
            fee_limit: self.fee_limit_sun,
        };
        Ok(raw.encode_to_vec())
    }
}

/// sha256 of the raw data: the transaction id, and the prehash that is signed.
pub fn txid(raw_data: &[u8]) -> B256 {
    B256::from_slice(&Sha256::digest(raw_data))
}

/// Signs a transfer, refusing one that has expired at `now_ms`, and checks the signature
/// recovers to the owner. The development key is refused for the registry's mainnet token
/// contracts ([`Error::DevKeyOnMainnet`]).
pub fn sign(transfer: &Transfer, signer: &dyn HashSigner, now_ms: i64) -> Result<SignedTransfer> {
    refuse_development_on_mainnet(signer, None, &Destination::Tron(transfer.token))?;
    if transfer.expiration_ms <= now_ms {
        return Err(Error::Field {
            field: "expiration",
            value: transfer.expiration_ms.to_string(),
            reason: "has passed: build it again with a fresh reference block",
        });
    }
    if signer.address() != account(&transfer.owner) {
        return Err(Error::Sign(format!("the signer's key is {}, not the owner {}", signer.address(), transfer.owner)));
    }
    let raw_data = transfer.raw_data()?;
    let id = txid(&raw_data);
    let signature = signer.sign_prehash(&id)?;
    let mut bytes = [0u8; 65];
    bytes[..32].copy_from_slice(&signature.r().to_be_bytes::<32>());
    bytes[32..64].copy_from_slice(&signature.s().to_be_bytes::<32>());
    bytes[64] = 27 + u8::from(signature.v());
    Ok(SignedTransfer { raw_data, txid: id, signature: bytes })
}

/// protocol.Transaction as sent to a node: the raw data (an embedded `Transaction.raw`,
/// kept as its exact bytes) and the signatures. Field 5 (`ret`) is the node's, never sent.
#[derive(Clone, PartialEq, Message)]
pub struct Transaction {
    /// The encoded `Transaction.raw` (the bytes the txID hashes).
    #[prost(bytes = "vec", tag = "1")]
    pub raw_data: Vec<u8>,
    /// The 65-byte r ‖ s ‖ v signatures.
    #[prost(bytes = "vec", repeated, tag = "2")]
    pub signature: Vec<Vec<u8>>,
}

/// The serialized signed `protocol.Transaction` {raw_data, signature}: the body of
/// `wallet/broadcasthex`.
pub fn transaction_bytes(raw_data: &[u8], signature: &[u8; 65]) -> Vec<u8> {
    Transaction { raw_data: raw_data.to_vec(), signature: vec![signature.to_vec()] }.encode_to_vec()
}

/// Reads a serialized signed transaction back: its raw data and its one 65-byte signature.
pub fn decode_transaction(bytes: &[u8]) -> Result<(Vec<u8>, [u8; 65])> {
    let transaction = Transaction::decode(bytes).map_err(|e| Error::Decode(format!("not a signed Tron transaction: {e}")))?;
    let [signature] = transaction.signature.as_slice() else {
        return Err(Error::Decode(format!("{} signatures; a payout has one", transaction.signature.len())));
    };
    let signature: [u8; 65] =
        signature.as_slice().try_into().map_err(|_| Error::Decode(format!("the signature is {} bytes, not 65", signature.len())))?;
    Ok((transaction.raw_data, signature))
}

/// What the raw data says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The owner (hot wallet).
    pub owner: TronAddress,
    /// The token contract.
    pub token: TronAddress,
    /// The destination.
    pub to: TronAddress,
    /// Base units.
    pub amount: U256,
    /// Reference block bytes.
    pub ref_block_bytes: Vec<u8>,
    /// Reference block hash bytes.
    pub ref_block_hash: Vec<u8>,
    /// Expiration (ms).
    pub expiration_ms: i64,
    /// Timestamp (ms).
    pub timestamp_ms: i64,
    /// Fee limit (sun).
    pub fee_limit_sun: i64,
    /// sha256(raw_data).
    pub txid: B256,
}

fn tron(bytes: &[u8], what: &str) -> Result<TronAddress> {
    let raw: [u8; 21] = bytes.try_into().map_err(|_| Error::Decode(format!("{what} is {} bytes, not 21", bytes.len())))?;
    TronAddress::from_raw(raw).map_err(|e| Error::Decode(format!("{what}: {e}")))
}

/// Decodes `raw_data` of a TRC-20 transfer; anything else is refused.
pub fn decode(raw_data: &[u8]) -> Result<Decoded> {
    let raw = RawData::decode(raw_data).map_err(|e| Error::Decode(format!("not a Tron transaction: {e}")))?;
    let [contract] = raw.contract.as_slice() else {
        return Err(Error::Decode(format!("{} contracts; a payout has one", raw.contract.len())));
    };
    if contract.r#type != TRIGGER_SMART_CONTRACT {
        return Err(Error::Decode(format!("contract type {} is not TriggerSmartContract", contract.r#type)));
    }
    let parameter = contract
        .parameter
        .as_ref()
        .filter(|p| p.type_url == TYPE_URL)
        .ok_or_else(|| Error::Decode("the parameter is not a TriggerSmartContract".to_owned()))?;
    let call = TriggerSmartContract::decode(parameter.value.as_slice()).map_err(|e| Error::Decode(e.to_string()))?;
    if call.call_value != 0 {
        return Err(Error::Decode(format!("the call also sends {} sun; a payout sends none", call.call_value)));
    }
    let transfer =
        transferCall::abi_decode(&call.data).map_err(|e| Error::Decode(format!("the call is not transfer(address,uint256): {e}")))?;
    Ok(Decoded {
        owner: tron(&call.owner_address, "the owner")?,
        token: tron(&call.contract_address, "the contract")?,
        to: TronAddress::from_account(transfer.to),
        amount: transfer.amount,
        ref_block_bytes: raw.ref_block_bytes,
        ref_block_hash: raw.ref_block_hash,
        expiration_ms: raw.expiration,
        timestamp_ms: raw.timestamp,
        fee_limit_sun: raw.fee_limit,
        txid: txid(raw_data),
    })
}
