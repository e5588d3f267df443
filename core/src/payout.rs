//! Payout types that carry the rules (PRODUCT.md "Payouts", seed §7): exact token amounts,
//! checksummed addresses, the allow-list, the greedy batching above the per-tx cap, and the
//! phase volume cap per plan-zone business day.

use std::collections::BTreeSet;
use std::fmt;

use alloy_primitives::Address;

use crate::plan::{Network, PerTxCap, Plan};
use crate::schedule::DateTable;

/// The most chunks one bundle may have: a bundle above 64 × the cap is a mistake, not a payout.
pub const MAX_CHUNKS: usize = 64;

/// Why a payout input was refused. Every variant names the value and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayoutError {
    /// The amount text is not a positive decimal with at most the token's decimals.
    #[error("amount {text:?} {reason}")]
    Amount {
        /// The text as given.
        text: String,
        /// The rule it breaks and what to write instead.
        reason: String,
    },
    /// An Ethereum address is malformed or its EIP-55 checksum is wrong.
    #[error("Ethereum address {text:?} {reason}")]
    EthAddress {
        /// The text as given.
        text: String,
        /// Why.
        reason: &'static str,
    },
    /// A Tron address is not base58check with the 0x41 prefix.
    #[error("Tron address {text:?} {reason}")]
    TronAddress {
        /// The text as given.
        text: String,
        /// Why.
        reason: &'static str,
    },
    /// The destination is not on the allow-list.
    #[error("destination {address} is not on the allow-list of {network}; add it through the allow-list procedure first")]
    NotAllowed {
        /// The address.
        address: String,
        /// Its network.
        network: Network,
    },
    /// The plan has no per-tx cap for the network.
    #[error("the plan has no per-tx cap for {network:?}")]
    NoCap {
        /// The network.
        network: Network,
    },
    /// The bundle would need more chunks than allowed.
    #[error("{amount} base units need {chunks} chunks of the {cap} cap; a bundle has at most {MAX_CHUNKS}")]
    TooManyChunks {
        /// The amount.
        amount: u128,
        /// The cap.
        cap: u128,
        /// Chunks needed.
        chunks: u128,
    },
    /// Signing the bundle would break the phase volume cap of the business day.
    #[error("phase {phase} allows {cap} base units a day ({percent}% of the daily target); {signed} are signed today, so {amount} more would exceed it by {excess}")]
    VolumeCap {
        /// The phase in force.
        phase: String,
        /// Its cap percent.
        percent: u8,
        /// The day's cap in base units.
        cap: u128,
        /// Already signed today.
        signed: u128,
        /// This bundle.
        amount: u128,
        /// By how much it would exceed.
        excess: u128,
    },
    /// No phase allows volume at this instant (before the launch, or pre-flight).
    #[error("no payout volume is allowed at {at}: {reason}")]
    NoVolume {
        /// The instant.
        at: String,
        /// Why.
        reason: String,
    },
}

/// The result type of payouts.
pub type Result<T, E = PayoutError> = std::result::Result<T, E>;

/// A token amount in base units: positive, exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TokenAmount(u128);

impl TokenAmount {
    /// Reads decimal token text (`1.5` = 1,500,000 base units at 6 decimals). Refuses a
    /// sign, more decimals than the token has, zero, overflow, exponents and anything else.
    pub fn parse_decimal(text: &str, decimals: u8) -> Result<Self> {
        let refuse = |reason: String| PayoutError::Amount { text: text.to_owned(), reason };
        let trimmed = text.trim();
        if trimmed.starts_with('-') {
            return Err(refuse("is negative; a payout amount is positive".to_owned()));
        }
        let (whole, fraction) = trimmed.split_once('.').unwrap_or((trimmed, ""));
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty() || !digits_only(whole) || !digits_only(fraction) || trimmed.ends_with('.') {
            return Err(refuse(format!("is not a decimal number such as 1500 or 1.5 (at most {decimals} decimals)")));
        }
        if fraction.len() > usize::from(decimals) {
            return Err(refuse(format!("has {} decimals; the token has {decimals}", fraction.len())));
        }
        let scale = 10u128.checked_pow(u32::from(decimals)).ok_or_else(|| refuse("has too many decimals".to_owned()))?;
        let whole_value: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| refuse("overflows".to_owned()))? };
        let padded = format!("{fraction:0<width$}", width = usize::from(decimals));
        let fraction_value: u128 = if padded.is_empty() { 0 } else { padded.parse().map_err(|_| refuse("overflows".to_owned()))? };
        let value =
            whole_value.checked_mul(scale).and_then(|v| v.checked_add(fraction_value)).ok_or_else(|| refuse("overflows".to_owned()))?;
        if value == 0 {
            return Err(refuse("is zero; a payout moves a positive amount".to_owned()));
        }
        Ok(Self(value))
    }

    /// From base units; `None` for zero.
    pub fn from_base_units(value: u128) -> Option<Self> {
        (value > 0).then_some(Self(value))
    }

    /// Base units.
    pub fn base_units(self) -> u128 {
        self.0
    }

    /// Decimal text with `decimals` places, trailing zeros dropped (`1500000` → `1.5`).
    pub fn to_decimal(self, decimals: u8) -> String {
        let scale = 10u128.pow(u32::from(decimals));
        let (whole, fraction) = (self.0 / scale, self.0 % scale);
        if fraction == 0 {
            return whole.to_string();
        }
        let text = format!("{fraction:0width$}", width = usize::from(decimals));
        format!("{whole}.{}", text.trim_end_matches('0'))
    }
}

/// An Ethereum address whose EIP-55 checksum was verified: the text is exactly the address's
/// EIP-55 form. All-lowercase or all-uppercase hex that is not that form carries no checksum
/// and is refused: an approver must not sign to an unchecked typo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EthAddress(Address);

impl EthAddress {
    /// Parses and verifies an EIP-55 address.
    pub fn parse(text: &str) -> Result<Self> {
        let refuse = |reason| PayoutError::EthAddress { text: text.to_owned(), reason };
        let hex = text.strip_prefix("0x").ok_or_else(|| refuse("must start with 0x"))?;
        if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(refuse("must be 0x and 40 hex digits"));
        }
        let address: Address = text.parse().map_err(|_| refuse("must be 0x and 40 hex digits"))?;
        // The text must be the address's own EIP-55 form. That form can happen to be all one
        // case (2^-k for k letters); any other single-case text carries no checksum.
        if address.to_checksum(None) == text {
            return Ok(Self(address));
        }
        let has_letters = hex.bytes().any(|b| b.is_ascii_alphabetic());
        if has_letters && (hex.bytes().all(|b| !b.is_ascii_uppercase()) || hex.bytes().all(|b| !b.is_ascii_lowercase())) {
            return Err(refuse("has no EIP-55 checksum (mixed case); copy it from a source that checksums"));
        }
        Err(refuse("fails its EIP-55 checksum: a character is wrong"))
    }

    /// An address from its bytes (no text, so nothing to verify).
    pub fn from_address(address: Address) -> Self {
        Self(address)
    }

    /// The 20 bytes.
    pub fn bytes(&self) -> [u8; 20] {
        self.0.into_array()
    }

    /// The alloy address.
    pub fn address(&self) -> Address {
        self.0
    }
}

impl fmt::Display for EthAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.to_checksum(None))
    }
}

/// A Tron address: base58check of 0x41 followed by 20 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TronAddress([u8; 21]);

impl TronAddress {
    /// Parses and verifies a base58check Tron address (`T…`).
    pub fn parse(text: &str) -> Result<Self> {
        let refuse = |reason| PayoutError::TronAddress { text: text.to_owned(), reason };
        let bytes = bs58::decode(text)
            .with_check(None)
            .into_vec()
            .map_err(|_| refuse("is not base58check (a character or the checksum is wrong)"))?;
        let raw: [u8; 21] = bytes.try_into().map_err(|_| refuse("does not hold 21 bytes"))?;
        if raw[0] != 0x41 {
            return Err(refuse("does not start with the 0x41 mainnet prefix"));
        }
        Ok(Self(raw))
    }

    /// The Tron address of a 20-byte account (an Ethereum-style key's address): 0x41 ‖ account.
    pub fn from_account(account: Address) -> Self {
        let mut raw = [0x41u8; 21];
        raw[1..].copy_from_slice(account.as_slice());
        Self(raw)
    }

    /// From the 21 raw bytes (0x41 ‖ 20).
    pub fn from_raw(raw: [u8; 21]) -> Result<Self> {
        if raw[0] != 0x41 {
            return Err(PayoutError::TronAddress {
                text: format!("0x{}", alloy_primitives::hex::encode(raw)),
                reason: "does not start with 0x41",
            });
        }
        Ok(Self(raw))
    }

    /// The 21 bytes.
    pub fn raw(&self) -> [u8; 21] {
        self.0
    }

    /// The 20-byte account (as ABI-encoded in TRC-20 calls).
    pub fn account(&self) -> [u8; 20] {
        let mut account = [0u8; 20];
        account.copy_from_slice(&self.0[1..]);
        account
    }
}

impl fmt::Display for TronAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).with_check().into_string())
    }
}

/// A destination on either network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Destination {
    /// Ethereum.
    Eth(EthAddress),
    /// Tron.
    Tron(TronAddress),
}

impl Destination {
    /// Parses an address of `network`.
    pub fn parse(network: Network, text: &str) -> Result<Self> {
        match network {
            Network::Erc20 => EthAddress::parse(text.trim()).map(Self::Eth),
            Network::Trc20 => TronAddress::parse(text.trim()).map(Self::Tron),
        }
    }

    /// The network.
    pub fn network(&self) -> Network {
        match self {
            Self::Eth(_) => Network::Erc20,
            Self::Tron(_) => Network::Trc20,
        }
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Eth(address) => address.fmt(f),
            Self::Tron(address) => address.fmt(f),
        }
    }
}

/// The destinations payouts may go to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList(BTreeSet<Destination>);

impl AllowList {
    /// From addresses, each checked for its network.
    pub fn new(entries: impl IntoIterator<Item = Destination>) -> Self {
        Self(entries.into_iter().collect())
    }

    /// The allowed destinations, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Destination> {
        self.0.iter()
    }

    /// The destination if it is allowed.
    pub fn check(&self, destination: Destination) -> Result<Destination> {
        if self.0.contains(&destination) {
            Ok(destination)
        } else {
            Err(PayoutError::NotAllowed { address: destination.to_string(), network: destination.network() })
        }
    }
}

/// The chunks of a bundle: greedy chunks of the cap and one remainder, in order.
pub fn batch(amount: TokenAmount, cap: &PerTxCap) -> Result<Vec<TokenAmount>> {
    let cap_units = cap.cap_base_units();
    assert!(cap_units > 0, "a validated plan has positive caps");
    let total = amount.base_units();
    let chunks_needed = total.div_ceil(cap_units);
    if chunks_needed > MAX_CHUNKS as u128 {
        return Err(PayoutError::TooManyChunks { amount: total, cap: cap_units, chunks: chunks_needed });
    }
    let mut chunks = Vec::with_capacity(chunks_needed as usize);
    let mut left = total;
    while left > 0 {
        let chunk = left.min(cap_units);
        chunks.push(TokenAmount(chunk));
        left -= chunk;
    }
    assert_eq!(chunks.iter().map(|c| c.0).sum::<u128>(), total, "chunks sum to the bundle");
    assert!(chunks.iter().all(|c| c.0 <= cap_units), "no chunk above the cap");
    Ok(chunks)
}

/// The per-tx cap of `network` in the plan.
pub fn cap_of(plan: &Plan, network: Network) -> Result<&PerTxCap> {
    plan.guardrails.per_tx_caps.iter().find(|c| c.network == network).ok_or(PayoutError::NoCap { network })
}

/// The phase whose volume cap governs `at`: the phase in force, or between phases the one
/// that ended last (Canary's cap holds from T-1d until Full starts at T0); none before the
/// first phase starts.
pub fn governing_phase<'a>(plan: &'a Plan, table: &DateTable, at: jiff::Timestamp) -> Option<&'a crate::plan::Phase> {
    let index = table.phases.iter().rposition(|p| p.start.timestamp() <= at)?;
    plan.phases.get(index)
}

/// The volume left for the plan-zone business day at `at`: the governing phase's cap of the
/// daily target minus what is already signed that day. Returns (phase id, percent, cap, left).
pub fn phase_headroom(
    plan: &Plan,
    table: &DateTable,
    at: jiff::Timestamp,
    daily_target: u128,
    signed_today: u128,
) -> Result<(String, u8, u128, u128)> {
    let phase = governing_phase(plan, table, at)
        .ok_or_else(|| PayoutError::NoVolume { at: at.to_string(), reason: "the launch's first phase has not started".to_owned() })?;
    if phase.volume_cap_percent == 0 {
        return Err(PayoutError::NoVolume { at: at.to_string(), reason: format!("phase {} allows no payout volume", phase.id) });
    }
    // An overflow is refused: it must never read as an unlimited cap.
    let cap = daily_target.checked_mul(u128::from(phase.volume_cap_percent)).map(|v| v / 100).ok_or_else(|| PayoutError::NoVolume {
        at: at.to_string(),
        reason: format!("the daily target {daily_target} × {}% overflows; fix the daily target", phase.volume_cap_percent),
    })?;
    Ok((phase.id.clone(), phase.volume_cap_percent, cap, cap.saturating_sub(signed_today)))
}

/// Refuses a bundle that would break the phase volume cap of the business day.
pub fn check_volume(
    plan: &Plan,
    table: &DateTable,
    at: jiff::Timestamp,
    daily_target: u128,
    signed_today: u128,
    amount: TokenAmount,
) -> Result<u128> {
    let (phase, percent, cap, left) = phase_headroom(plan, table, at, daily_target, signed_today)?;
    if amount.base_units() > left {
        return Err(PayoutError::VolumeCap {
            phase,
            percent,
            cap,
            signed: signed_today,
            amount: amount.base_units(),
            excess: amount.base_units() - left,
        });
    }
    Ok(left - amount.base_units())
}

/// Whether partial / T+1 settlement is permitted at `at`: from the plan's named phase on.
pub fn partial_settlement_allowed(plan: &Plan, table: &DateTable, at: jiff::Timestamp) -> bool {
    let Some(from) = plan.phases.iter().position(|p| p.id == plan.guardrails.partial_settlement_from_phase) else { return false };
    table.phases.get(from).is_some_and(|phase| phase.start.timestamp() <= at)
}
