//! `clubgate tx build-erc20`, `build-trc20` and `clubgate tx decode`: the exact bytes, and
//! what they say. The builders sign with a development key only (issue 8): a key of the
//! treasury signs only through the flow — policy, bundle, quorum, review — that is
//! `clubgate sign`, `clubgate canary sign` and `clubgate approve`.

use clap::{Args, ValueEnum};
use clubgate_chain::erc20::Transfer;
use clubgate_chain::signer::{Profile, SignerSpec};
use clubgate_core::payout::{EthAddress, TokenAmount, TronAddress};
use serde_json::json;

use crate::commands::{print_json, Error, Result};

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum ProfileArg {
    Production,
    Dev,
}

#[derive(Args)]
pub(crate) struct BuildErc20Args {
    /// EIP-155 chain id.
    #[arg(long)]
    chain_id: u64,
    /// The token contract (EIP-55).
    #[arg(long)]
    token: String,
    /// The destination (EIP-55).
    #[arg(long)]
    to: String,
    /// Amount as decimal token text (6 decimals).
    #[arg(long, allow_hyphen_values = true)]
    amount: String,
    /// The hot wallet's nonce.
    #[arg(long)]
    nonce: u64,
    /// Gas limit.
    #[arg(long)]
    gas_limit: u64,
    /// Max fee per gas (wei).
    #[arg(long)]
    max_fee_per_gas_wei: u128,
    /// Max priority fee per gas (wei).
    #[arg(long)]
    max_priority_fee_per_gas_wei: u128,
    /// dev:file:PATH, a file holding a development key as hex (dev profile, development
    /// builds only). Treasury keys sign through `clubgate sign`, never here.
    #[arg(long)]
    signer: String,
    /// production (default) or dev.
    #[arg(long, value_enum, default_value = "production")]
    profile: ProfileArg,
}

/// Signer and transaction refusals are the operator's to fix: exit code 2 with the reason and
/// the chain layer's own error code (`dev_key_on_mainnet`, `no_dev_signer`, …); a failing
/// signer is a machine failure (exit code 1, `hsm`).
fn chain_error(error: clubgate_chain::Error) -> Error {
    Error::Flow(error.into())
}

fn address(text: &str, what: &str) -> Result<alloy::primitives::Address> {
    EthAddress::parse(text).map(|a| a.address()).map_err(|e| Error::Input(format!("--{what}: {e}")))
}

/// The signer of `tx build-*`: a development key only. Any other spec is refused before it is
/// opened (no PIN is read, no token touched): a treasury key that signed here would sign
/// outside the policy, the quorum and the review.
fn development_signer(text: &str, profile: ProfileArg) -> Result<clubgate_treasury::signers::Signer> {
    let spec = SignerSpec::parse(text, profile.into()).map_err(chain_error)?;
    if !spec.is_development() {
        return Err(Error::Input(format!(
            "signer {spec:?}: tx build-erc20 and tx build-trc20 sign only with a development key (dev:file:PATH with --profile dev); treasury keys sign only through `clubgate sign`, `clubgate canary sign` and `clubgate approve` (the flow with policy, quorum and review)"
        )));
    }
    open_signer(text, profile)
}

pub(crate) async fn run_build_erc20(args: &BuildErc20Args, json_out: bool) -> Result<()> {
    let signer = development_signer(&args.signer, args.profile)?;
    let amount = TokenAmount::parse_decimal(&args.amount, 6).map_err(|e| Error::Input(e.to_string()))?;
    let transfer = Transfer {
        chain_id: args.chain_id,
        token: address(&args.token, "token")?,
        to: address(&args.to, "to")?,
        amount: amount.base_units(),
        nonce: args.nonce,
        gas_limit: args.gas_limit,
        max_fee_per_gas: args.max_fee_per_gas_wei,
        max_priority_fee_per_gas: args.max_priority_fee_per_gas_wei,
    };
    let signed = clubgate_chain::erc20::sign(&transfer, signer.as_ref()).map_err(chain_error)?;
    let raw = format!("0x{}", alloy::primitives::hex::encode(&signed.raw));
    if json_out {
        return print_json(&json!({ "raw": raw, "hash": signed.hash.to_string(), "from": signed.from.to_checksum(None) }));
    }
    println!("{raw}\nhash {}\nfrom {}", signed.hash, signed.from.to_checksum(None));
    Ok(())
}

#[derive(Args)]
pub(crate) struct BuildTrc20Args {
    /// The token contract (base58check T…).
    #[arg(long)]
    token: String,
    /// The destination (base58check T…).
    #[arg(long)]
    to: String,
    /// Amount as decimal token text (6 decimals).
    #[arg(long, allow_hyphen_values = true)]
    amount: String,
    /// 2 bytes of the reference block, hex.
    #[arg(long)]
    ref_block_bytes: String,
    /// 8 bytes of the reference block hash, hex.
    #[arg(long)]
    ref_block_hash: String,
    /// Expiration, ms since the epoch (at most 24 h after the timestamp).
    #[arg(long)]
    expiration: i64,
    /// Timestamp, ms since the epoch.
    #[arg(long)]
    timestamp: i64,
    /// Fee limit in sun.
    #[arg(long)]
    fee_limit: i64,
    /// dev:file:PATH, a file holding a development key as hex (dev profile, development
    /// builds only). Treasury keys sign through `clubgate canary sign` or `clubgate sign`.
    #[arg(long)]
    signer: String,
    /// production (default) or dev.
    #[arg(long, value_enum, default_value = "production")]
    profile: ProfileArg,
}

pub(crate) fn fixed_hex<const N: usize>(text: &str, what: &str) -> Result<[u8; N]> {
    alloy::primitives::hex::decode(text.trim())
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| Error::Input(format!("--{what} {text:?} is not {N} bytes of hex")))
}

impl From<ProfileArg> for Profile {
    fn from(profile: ProfileArg) -> Self {
        if profile == ProfileArg::Dev {
            Self::Dev
        } else {
            Self::Production
        }
    }
}

/// Opens the signer a spec names (dev key in the dev profile, or a PKCS#11 key).
pub(crate) fn open_signer(text: &str, profile: ProfileArg) -> Result<clubgate_treasury::signers::Signer> {
    Ok(clubgate_treasury::signers::open_signer(text, profile.into())?)
}

pub(crate) fn run_build_trc20(args: &BuildTrc20Args, json_out: bool) -> Result<()> {
    let signer = development_signer(&args.signer, args.profile)?;
    let tron = |text: &str, what: &str| TronAddress::parse(text).map_err(|e| Error::Input(format!("--{what}: {e}")));
    let transfer = clubgate_chain::trc20::Transfer {
        owner: TronAddress::from_account(signer.address()),
        token: tron(&args.token, "token")?,
        to: tron(&args.to, "to")?,
        amount: TokenAmount::parse_decimal(&args.amount, 6).map_err(|e| Error::Input(e.to_string()))?.base_units(),
        ref_block_bytes: fixed_hex(&args.ref_block_bytes, "ref-block-bytes")?,
        ref_block_hash: fixed_hex(&args.ref_block_hash, "ref-block-hash")?,
        expiration_ms: args.expiration,
        timestamp_ms: args.timestamp,
        fee_limit_sun: args.fee_limit,
    };
    let now_ms = jiff::Timestamp::now().as_millisecond();
    let signed = clubgate_chain::trc20::sign(&transfer, signer.as_ref(), now_ms).map_err(chain_error)?;
    let document = json!({
        "raw_data_hex": alloy::primitives::hex::encode(&signed.raw_data),
        "txid": alloy::primitives::hex::encode(signed.txid),
        "signature": alloy::primitives::hex::encode(signed.signature),
        "owner": transfer.owner.to_string(),
    });
    if json_out {
        return print_json(&document);
    }
    println!("{}", document["raw_data_hex"].as_str().unwrap_or_default());
    println!(
        "txid {}
owner {}",
        document["txid"].as_str().unwrap_or_default(),
        transfer.owner
    );
    Ok(())
}

pub(crate) fn run_decode(hex: &str, json_out: bool) -> Result<()> {
    let document = crate::decode::decoded_document(hex)?;
    if json_out {
        return print_json(&document);
    }
    let field = |name: &str| document[name].to_string().trim_matches('"').to_owned();
    if document["network"] == "trc20" {
        println!("TRC-20 transfer: {} base units of token {} from {} to {}", field("amount"), field("token"), field("owner"), field("to"));
        println!("expires {} ms, fee limit {} sun, txid {}", field("expiration"), field("fee_limit"), field("txid"));
        return Ok(());
    }
    println!(
        "ERC-20 transfer on chain {}: {} base units of token {} to {}",
        field("chain_id"),
        field("amount"),
        field("token"),
        field("to")
    );
    println!(
        "nonce {}, gas limit {}, max fee {} wei, priority {} wei",
        field("nonce"),
        field("gas_limit"),
        field("max_fee_per_gas_wei"),
        field("max_priority_fee_per_gas_wei")
    );
    match document["from"].as_str() {
        Some(from) => println!("signed by {from}"),
        None => println!("unsigned"),
    }
    Ok(())
}

/// `clubgate keychain set-pin`: reads a token's PIN — with echo off on a terminal, else one
/// line of standard input; never the command line, which other users can see — and keeps it
/// in the OS keychain.
pub(crate) fn run_set_pin(token: &str, json_out: bool) -> Result<()> {
    let pin = crate::secret::read_secret(&format!("PIN of token {token:?}: "))?;
    clubgate_treasury::signers::store_pin(token, &pin)?;
    if json_out {
        return print_json(&json!({ "token": token, "stored": true }));
    }
    println!("the PIN of token {token:?} is in the OS keychain");
    Ok(())
}
