//! The treasury configuration (`treasury.toml`, docs/treasury-format.md): the token registry
//! (mainnet contracts built in, testnet contracts configured), the hot and canary wallets
//! with their signers, the canary check addresses, the destination allow-list, the approver
//! registry with roles and the quorum, the daily target volume the phase caps are shares of,
//! and the per-network transaction settings. Parsing validates every field and names it.

use std::collections::BTreeSet;
use std::fmt;

use serde::Deserialize;

use crate::payout::{AllowList, Destination, EthAddress, TokenAmount};
use crate::plan::Network;

/// The decimals of every token the platform settles in.
pub const TOKEN_DECIMALS: u8 = 6;

/// The amount of a canary payout: 1 token (seed §5, "canary payouts of 1 USDT").
pub const CANARY_AMOUNT_BASE_UNITS: u128 = 1_000_000;

/// A stablecoin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum Token {
    /// Tether USD.
    #[serde(rename = "USDT")]
    Usdt,
    /// USD Coin.
    #[serde(rename = "USDC")]
    Usdc,
}

impl Token {
    /// `USDT` or `USDC`.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Usdt => "USDT",
            Self::Usdc => "USDC",
        }
    }

    /// Parses `USDT` / `USDC` (case-insensitive).
    pub fn parse(text: &str) -> Result<Self, TreasuryError> {
        match text.trim().to_ascii_uppercase().as_str() {
            "USDT" => Ok(Self::Usdt),
            "USDC" => Ok(Self::Usdc),
            _ => Err(TreasuryError::field("token", text, "is not USDT or USDC")),
        }
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// Which chain a network's transactions are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Ethereum mainnet / Tron mainnet: the built-in token contracts.
    Mainnet,
    /// A test network: the contracts of `[testnet_tokens]`.
    Testnet,
}

/// `erc20` or `trc20`.
pub fn network_id(network: Network) -> &'static str {
    match network {
        Network::Erc20 => "erc20",
        Network::Trc20 => "trc20",
    }
}

/// The network of an id written as [`network_id`] writes it.
pub fn network_from_id(text: &str) -> Option<Network> {
    match text {
        "erc20" => Some(Network::Erc20),
        "trc20" => Some(Network::Trc20),
        _ => None,
    }
}

/// The mainnet token contracts (Tether and Circle's official deployments).
pub fn mainnet_contract(network: Network, token: Token) -> Destination {
    let text = match (network, token) {
        (Network::Erc20, Token::Usdt) => "0xdAC17F958D2ee523a2206206994597C13D831ec7",
        (Network::Erc20, Token::Usdc) => "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
        (Network::Trc20, Token::Usdt) => "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
        (Network::Trc20, Token::Usdc) => "TEkxiTehnzSmSe2XqrBj4w32RUN966rdz8",
    };
    Destination::parse(network, text).expect("the built-in mainnet contracts are valid addresses")
}

/// What a registered person may do with payouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApproverRole {
    /// Approves bundles; counts towards the quorum.
    Approver,
    /// Prepares bundles, runs canary payouts and signs with the hot wallets; never approves.
    TreasuryLead,
    /// The launch IC: signs the warroom's decisions (issue 11); never approves payouts.
    LaunchIc,
}

impl ApproverRole {
    /// The role's id as written in the file.
    pub fn id(self) -> &'static str {
        match self {
            Self::Approver => "approver",
            Self::TreasuryLead => "treasury_lead",
            Self::LaunchIc => "launch_ic",
        }
    }
}

/// A person in the approver registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approver {
    /// Display name.
    pub name: String,
    /// The role.
    pub role: ApproverRole,
    /// The identity key's address; approvals are verified against it.
    pub address: EthAddress,
    /// The signer spec of the identity key on this workstation (`pkcs11:…`, `ledger:…`).
    pub signer: Option<String>,
}

/// Hot wallets pay partners; canary wallets send the 1-token canary payouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WalletKind {
    /// A hot wallet.
    Hot,
    /// A canary wallet.
    Canary,
}

/// A wallet the desk signs for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wallet {
    /// Stable id, e.g. `hot-erc20-1`.
    pub id: String,
    /// Hot or canary.
    pub kind: WalletKind,
    /// Its network.
    pub network: Network,
    /// Its address on that network.
    pub address: Destination,
    /// The signer spec of its key.
    pub signer: String,
    /// Canary wallets: where the canary payout goes.
    pub check_address: Option<Destination>,
}

/// ERC-20 transaction settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erc20Settings {
    /// Mainnet or testnet.
    pub environment: Environment,
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Gas limit of a `transfer`.
    pub gas_limit: u64,
    /// normal, fast or urgent.
    pub fee_mode: String,
    /// The base fee the fee mode works from (wei), until a node supplies it.
    pub base_fee_wei: u128,
    /// The priority fee the fee mode works from (wei).
    pub priority_fee_wei: u128,
    /// The node the desk reads nonces and fees from and broadcasts to (`http://…`); without
    /// one the operator types the pending nonce and the fees are the file's.
    pub rpc_url: Option<String>,
    /// Confirmations after which a mined payout counts as confirmed (default 12).
    pub confirmations: u64,
    /// Seconds a broadcast transaction may stay pending before it is flagged stuck (default 180).
    pub stuck_after_s: i64,
    /// The ceiling of `max_fee_per_gas` that signing checks reviewed fees against (wei);
    /// required with `rpc_url`. Without it the signed fees are exactly the file's.
    pub max_fee_per_gas_wei: Option<u128>,
}

/// TRC-20 transaction settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trc20Settings {
    /// Mainnet or testnet.
    pub environment: Environment,
    /// Fee limit in sun.
    pub fee_limit_sun: i64,
    /// Seconds a signed transaction stays valid (default 60, at most 86,400).
    pub expiration_s: i64,
    /// The Tron full node's HTTP API (`http://…` or `https://…`) the desk reads reference
    /// blocks, balances and receipts from and broadcasts to; without one the operator types
    /// the reference block.
    pub node_url: Option<String>,
    /// Blocks after which a TRC-20 payout counts as confirmed (default 19: solidified).
    pub confirmations: u64,
}

/// The wallet thresholds (PRODUCT.md "Treasury and EOD" → Wallets), in base units; a
/// threshold not written in the file is not checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Thresholds {
    /// `min_hot_balance` per network and token (micro-token units).
    pub min_hot_balance: Vec<(Network, Token, u128)>,
    /// The ETH gas buffer of every Ethereum wallet (wei).
    pub eth_gas_buffer_wei: Option<u128>,
    /// The TRX buffer of every Tron wallet (sun).
    pub trx_buffer_sun: Option<u128>,
    /// The energy buffer of every Tron wallet (energy units).
    pub energy_buffer: Option<u128>,
}

impl Thresholds {
    /// The threshold of one asset on a network, if the file sets one (`None` for an asset
    /// the network does not hold, e.g. ETH on Tron).
    pub fn of(&self, network: Network, asset: crate::events::WalletAsset) -> Option<u128> {
        use crate::events::WalletAsset;
        let token = |token: Token| self.min_hot_balance.iter().find(|(n, t, _)| *n == network && *t == token).map(|(_, _, v)| *v);
        match (asset, network) {
            (WalletAsset::Usdt, _) => token(Token::Usdt),
            (WalletAsset::Usdc, _) => token(Token::Usdc),
            (WalletAsset::Eth, Network::Erc20) => self.eth_gas_buffer_wei,
            (WalletAsset::Trx, Network::Trc20) => self.trx_buffer_sun,
            (WalletAsset::Energy, Network::Trc20) => self.energy_buffer,
            _ => None,
        }
    }
}

/// The validated treasury configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Treasury {
    /// The daily target volume (base units) the phase volume caps are shares of.
    pub daily_target: TokenAmount,
    /// Approvals needed (M of the registered approvers).
    pub quorum: usize,
    /// The approver registry.
    pub approvers: Vec<Approver>,
    /// The wallets.
    pub wallets: Vec<Wallet>,
    /// Where payouts may go.
    pub allow_list: AllowList,
    /// Names of allow-listed destinations, by address.
    pub allow_names: Vec<(Destination, String)>,
    /// ERC-20 settings.
    pub erc20: Erc20Settings,
    /// TRC-20 settings.
    pub trc20: Trc20Settings,
    /// Wallet balance thresholds (`min_hot_balance`, gas, TRX and energy buffers).
    pub thresholds: Thresholds,
    /// keccak256 of the file's text (0x…): which policy a store signs under.
    pub fingerprint: String,
    testnet_tokens: Vec<(Network, Token, Destination)>,
    /// The trust pairs' own time zones (`[[trust_pairs]]`: `name`, `time_zone`), in file
    /// order: the EOD view shows each session's cut-off in its pair's zone.
    pub trust_pairs: Vec<(String, String)>,
}

/// Why a treasury file or a request against it was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreasuryError {
    /// The file is not valid TOML for the schema.
    #[error("treasury file: {0}")]
    Syntax(String),
    /// A field's value breaks a rule.
    #[error("treasury file: {field} = {value:?} {reason}")]
    Field {
        /// The field path, e.g. `wallets[2].check_address`.
        field: String,
        /// The value as given.
        value: String,
        /// The rule and what to write instead.
        reason: String,
    },
}

impl TreasuryError {
    fn field(field: impl Into<String>, value: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Field { field: field.into(), value: value.into(), reason: reason.into() }
    }
}

mod file {
    use serde::Deserialize;

    use super::{ApproverRole, Environment, Token, WalletKind};
    use crate::plan::Network;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct TreasuryFile {
        pub(super) schema: u32,
        pub(super) daily_target: String,
        pub(super) quorum: usize,
        pub(super) erc20: Erc20,
        pub(super) trc20: Trc20,
        #[serde(default)]
        pub(super) testnet_tokens: Vec<TestnetToken>,
        #[serde(default)]
        pub(super) approvers: Vec<Approver>,
        #[serde(default)]
        pub(super) wallets: Vec<Wallet>,
        #[serde(default)]
        pub(super) allow_list: Vec<Allowed>,
        #[serde(default)]
        pub(super) trust_pairs: Vec<TrustPair>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct TrustPair {
        pub(super) name: String,
        pub(super) time_zone: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Erc20 {
        pub(super) environment: Environment,
        pub(super) chain_id: u64,
        pub(super) gas_limit: u64,
        pub(super) fee_mode: String,
        pub(super) base_fee_wei: String,
        pub(super) priority_fee_wei: String,
        #[serde(default)]
        pub(super) min_hot_balance: std::collections::BTreeMap<String, String>,
        pub(super) gas_buffer_eth: Option<String>,
        pub(super) rpc_url: Option<String>,
        #[serde(default = "default_confirmations")]
        pub(super) confirmations: u64,
        #[serde(default = "default_stuck_after")]
        pub(super) stuck_after_s: i64,
        pub(super) max_fee_per_gas_wei: Option<String>,
    }

    fn default_confirmations() -> u64 {
        12
    }

    fn default_stuck_after() -> i64 {
        180
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Trc20 {
        pub(super) environment: Environment,
        pub(super) fee_limit_sun: i64,
        #[serde(default = "default_expiration")]
        pub(super) expiration_s: i64,
        #[serde(default)]
        pub(super) min_hot_balance: std::collections::BTreeMap<String, String>,
        pub(super) trx_buffer: Option<String>,
        pub(super) energy_buffer: Option<u64>,
        pub(super) node_url: Option<String>,
        #[serde(default = "default_tron_confirmations")]
        pub(super) confirmations: u64,
    }

    fn default_tron_confirmations() -> u64 {
        19
    }

    fn default_expiration() -> i64 {
        60
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct TestnetToken {
        pub(super) network: Network,
        pub(super) token: Token,
        pub(super) contract: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Approver {
        pub(super) name: String,
        pub(super) role: ApproverRole,
        pub(super) address: String,
        pub(super) signer: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Wallet {
        pub(super) id: String,
        pub(super) kind: WalletKind,
        pub(super) network: Network,
        pub(super) address: String,
        pub(super) signer: String,
        pub(super) check_address: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Allowed {
        pub(super) name: String,
        pub(super) network: Network,
        pub(super) address: String,
    }
}

fn wei(field: &str, text: &str) -> Result<u128, TreasuryError> {
    let ok = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| text.parse::<u128>().ok()).flatten().ok_or_else(|| TreasuryError::field(field, text, "is not a whole number of wei"))
}

/// A positive decimal threshold (`50000`, `0.25`) in base units of `decimals` decimals.
fn threshold(field: &str, text: &str, decimals: u8) -> Result<u128, TreasuryError> {
    TokenAmount::parse_decimal(text, decimals)
        .map(TokenAmount::base_units)
        .map_err(|e| TreasuryError::field(field, text, format!("{e} (a positive decimal with at most {decimals} decimals)")))
}

fn min_hot_balances(
    network: Network,
    table: &std::collections::BTreeMap<String, String>,
    into: &mut Vec<(Network, Token, u128)>,
) -> Result<(), TreasuryError> {
    let section = network_id(network);
    for (key, text) in table {
        let field = format!("{section}.min_hot_balance.{key}");
        let token = match key.as_str() {
            "USDT" => Token::Usdt,
            "USDC" => Token::Usdc,
            _ => return Err(TreasuryError::field(field, text, "names no token; the keys are USDT and USDC")),
        };
        into.push((network, token, threshold(&field, text, TOKEN_DECIMALS)?));
    }
    Ok(())
}

/// The node keys of `[trc20]`.
fn trc20_node_settings(trc20: &Trc20Settings) -> Result<(), TreasuryError> {
    if let Some(url) = &trc20.node_url {
        let host = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"));
        if host.is_none_or(|h| h.trim_end_matches('/').is_empty()) {
            return Err(TreasuryError::field("trc20.node_url", url, "is not an http:// or https:// URL of a Tron full node"));
        }
    }
    if trc20.confirmations == 0 {
        return Err(TreasuryError::field("trc20.confirmations", "0", "must be at least 1"));
    }
    Ok(())
}

/// The node keys of `[erc20]`: a node needs the fee ceiling signing checks its fees against.
fn erc20_node_settings(erc20: &Erc20Settings) -> Result<(), TreasuryError> {
    if let Some(url) = &erc20.rpc_url {
        if !url.starts_with("http://") {
            return Err(TreasuryError::field(
                "erc20.rpc_url",
                url,
                "is not an http:// URL; this build reaches nodes over plain HTTP (a local node, or a TLS proxy to it)",
            ));
        }
        if erc20.max_fee_per_gas_wei.is_none() {
            return Err(TreasuryError::field(
                "erc20.max_fee_per_gas_wei",
                "",
                "is required with rpc_url: the fees come from the node, and signing refuses any above this ceiling",
            ));
        }
    }
    if let Some(ceiling) = erc20.max_fee_per_gas_wei {
        let floor = erc20.base_fee_wei.saturating_add(erc20.priority_fee_wei);
        if ceiling < floor {
            return Err(TreasuryError::field(
                "erc20.max_fee_per_gas_wei",
                ceiling.to_string(),
                format!("is below base_fee_wei + priority_fee_wei ({floor}): no transaction of this file could be signed"),
            ));
        }
    }
    if erc20.confirmations == 0 {
        return Err(TreasuryError::field("erc20.confirmations", "0", "must be at least 1"));
    }
    if !(1..=86_400).contains(&erc20.stuck_after_s) {
        return Err(TreasuryError::field("erc20.stuck_after_s", erc20.stuck_after_s.to_string(), "must be 1…86400 seconds"));
    }
    Ok(())
}

fn address(field: &str, network: Network, text: &str) -> Result<Destination, TreasuryError> {
    Destination::parse(network, text).map_err(|e| TreasuryError::field(field, text, e.to_string()))
}

impl Treasury {
    /// Parses and validates a treasury file.
    pub fn from_toml(source: &str) -> Result<Self, TreasuryError> {
        let file: file::TreasuryFile = toml::from_str(source).map_err(|e| TreasuryError::Syntax(e.to_string().trim().to_owned()))?;
        if file.schema != 1 {
            return Err(TreasuryError::field("schema", file.schema.to_string(), "is not supported; this build reads schema 1"));
        }
        let daily_target = TokenAmount::parse_decimal(&file.daily_target, TOKEN_DECIMALS)
            .map_err(|e| TreasuryError::field("daily_target", &file.daily_target, e.to_string()))?;

        let mut approvers = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, a) in file.approvers.into_iter().enumerate() {
            let address = EthAddress::parse(&a.address)
                .map_err(|e| TreasuryError::field(format!("approvers[{i}].address"), &a.address, e.to_string()))?;
            if !seen.insert(address) {
                return Err(TreasuryError::field(
                    format!("approvers[{i}].address"),
                    &a.address,
                    "is registered twice; one identity key per person",
                ));
            }
            if a.name.trim().is_empty() {
                return Err(TreasuryError::field(format!("approvers[{i}].name"), &a.name, "is empty"));
            }
            approvers.push(Approver { name: a.name, role: a.role, address, signer: a.signer });
        }
        let voting = approvers.iter().filter(|a| a.role == ApproverRole::Approver).count();
        if file.quorum < 2 || file.quorum > voting {
            return Err(TreasuryError::field(
                "quorum",
                file.quorum.to_string(),
                format!("must be at least 2 and at most the {voting} registered approvers (role = \"approver\")"),
            ));
        }

        let mut wallets: Vec<Wallet> = Vec::new();
        for (i, w) in file.wallets.into_iter().enumerate() {
            let at = |f: &str| format!("wallets[{i}].{f}");
            if w.id.trim().is_empty() || wallets.iter().any(|o| o.id == w.id) {
                return Err(TreasuryError::field(at("id"), &w.id, "is empty or used twice; give every wallet its own id"));
            }
            let wallet_address = address(&at("address"), w.network, &w.address)?;
            if wallets.iter().any(|o| o.address == wallet_address) {
                return Err(TreasuryError::field(at("address"), &w.address, "belongs to another wallet already"));
            }
            let check_address = match (w.kind, &w.check_address) {
                (WalletKind::Canary, Some(text)) => Some(address(&at("check_address"), w.network, text)?),
                (WalletKind::Canary, None) => {
                    return Err(TreasuryError::field(
                        at("check_address"),
                        "",
                        "is required for a canary wallet: where its 1-token payout goes",
                    ))
                }
                (WalletKind::Hot, Some(text)) => {
                    return Err(TreasuryError::field(at("check_address"), text, "is for canary wallets only"));
                }
                (WalletKind::Hot, None) => None,
            };
            wallets.push(Wallet { id: w.id, kind: w.kind, network: w.network, address: wallet_address, signer: w.signer, check_address });
        }

        // An approver's key sits on a token of its own: a wallet token's PIN is kept in the
        // workstation's keychain, and an approval must need its approver's PIN, typed then.
        let token_of = |spec: &str| spec.strip_prefix("pkcs11:").and_then(|rest| rest.split_once('/')).map(|(token, _)| token.to_owned());
        for (i, approver) in approvers.iter().enumerate().filter(|(_, a)| a.role == ApproverRole::Approver) {
            let Some(token) = approver.signer.as_deref().and_then(token_of) else { continue };
            let shared = approvers[..i].iter().any(|other| {
                other.role == ApproverRole::Approver && other.signer.as_deref().and_then(token_of).as_deref() == Some(token.as_str())
            });
            if shared || wallets.iter().any(|w| token_of(&w.signer).as_deref() == Some(token.as_str())) {
                return Err(TreasuryError::field(
                    format!("approvers[{i}].signer"),
                    approver.signer.clone().unwrap_or_default(),
                    "is on a wallet's or another approver's token; an approver's key needs a token of its own, whose PIN only that approver knows",
                ));
            }
        }

        let mut allow = Vec::new();
        for (i, entry) in file.allow_list.into_iter().enumerate() {
            allow.push((address(&format!("allow_list[{i}].address"), entry.network, &entry.address)?, entry.name));
        }

        let mut trust_pairs: Vec<(String, String)> = Vec::new();
        for (i, pair) in file.trust_pairs.into_iter().enumerate() {
            if jiff::tz::TimeZone::get(&pair.time_zone).is_err() {
                let reason = "is not in the tz database; use an IANA name such as Europe/Warsaw or America/New_York";
                return Err(TreasuryError::field(format!("trust_pairs[{i}].time_zone"), pair.time_zone, reason));
            }
            if trust_pairs.iter().any(|(name, _)| *name == pair.name) {
                return Err(TreasuryError::field(format!("trust_pairs[{i}].name"), pair.name, "is listed twice; a pair has one zone"));
            }
            trust_pairs.push((pair.name, pair.time_zone));
        }

        let mut thresholds = Thresholds::default();
        min_hot_balances(Network::Erc20, &file.erc20.min_hot_balance, &mut thresholds.min_hot_balance)?;
        min_hot_balances(Network::Trc20, &file.trc20.min_hot_balance, &mut thresholds.min_hot_balance)?;
        thresholds.eth_gas_buffer_wei =
            file.erc20.gas_buffer_eth.as_deref().map(|t| threshold("erc20.gas_buffer_eth", t, 18)).transpose()?;
        thresholds.trx_buffer_sun = file.trc20.trx_buffer.as_deref().map(|t| threshold("trc20.trx_buffer", t, 6)).transpose()?;
        if file.trc20.energy_buffer == Some(0) {
            return Err(TreasuryError::field("trc20.energy_buffer", "0", "is zero; leave it out to check no energy buffer"));
        }
        thresholds.energy_buffer = file.trc20.energy_buffer.map(u128::from);

        let fee_mode = file.erc20.fee_mode.clone();
        if !matches!(fee_mode.as_str(), "normal" | "fast" | "urgent") {
            return Err(TreasuryError::field("erc20.fee_mode", fee_mode, "is not normal, fast or urgent"));
        }
        if file.erc20.chain_id == 0 || file.erc20.gas_limit < 21_000 {
            return Err(TreasuryError::field(
                "erc20",
                format!("chain_id {} gas_limit {}", file.erc20.chain_id, file.erc20.gas_limit),
                "needs a chain id > 0 and a gas limit of at least 21000",
            ));
        }
        let erc20 = Erc20Settings {
            environment: file.erc20.environment,
            chain_id: file.erc20.chain_id,
            gas_limit: file.erc20.gas_limit,
            fee_mode,
            base_fee_wei: wei("erc20.base_fee_wei", &file.erc20.base_fee_wei)?,
            priority_fee_wei: wei("erc20.priority_fee_wei", &file.erc20.priority_fee_wei)?,
            rpc_url: file.erc20.rpc_url.map(|u| u.trim().to_owned()),
            confirmations: file.erc20.confirmations,
            stuck_after_s: file.erc20.stuck_after_s,
            max_fee_per_gas_wei: file.erc20.max_fee_per_gas_wei.as_deref().map(|t| wei("erc20.max_fee_per_gas_wei", t)).transpose()?,
        };
        erc20_node_settings(&erc20)?;
        if !(1..=86_400).contains(&file.trc20.expiration_s) {
            return Err(TreasuryError::field(
                "trc20.expiration_s",
                file.trc20.expiration_s.to_string(),
                "must be 1…86400 seconds (at most 24 h)",
            ));
        }
        if file.trc20.fee_limit_sun <= 0 {
            return Err(TreasuryError::field("trc20.fee_limit_sun", file.trc20.fee_limit_sun.to_string(), "must be positive"));
        }
        let trc20 = Trc20Settings {
            environment: file.trc20.environment,
            fee_limit_sun: file.trc20.fee_limit_sun,
            expiration_s: file.trc20.expiration_s,
            node_url: file.trc20.node_url,
            confirmations: file.trc20.confirmations,
        };
        trc20_node_settings(&trc20)?;

        let mut testnet_tokens = Vec::new();
        for (i, t) in file.testnet_tokens.into_iter().enumerate() {
            let contract = address(&format!("testnet_tokens[{i}].contract"), t.network, &t.contract)?;
            testnet_tokens.push((t.network, t.token, contract));
        }

        let treasury = Self {
            daily_target,
            quorum: file.quorum,
            approvers,
            wallets,
            allow_list: AllowList::new(allow.iter().map(|(d, _)| *d)),
            allow_names: allow,
            erc20,
            trc20,
            thresholds,
            trust_pairs,
            fingerprint: alloy_primitives::keccak256(source.as_bytes()).to_string(),
            testnet_tokens,
        };
        // Every canary check address is a destination like any other: it must be allowed.
        for (i, wallet) in treasury.wallets.iter().enumerate() {
            if let Some(check) = wallet.check_address {
                treasury.allow_list.check(check).map_err(|_| {
                    TreasuryError::field(
                        format!("wallets[{i}].check_address"),
                        check.to_string(),
                        "is not on the allow-list; add it to [[allow_list]]",
                    )
                })?;
            }
        }
        Ok(treasury)
    }

    /// The environment of a network.
    pub fn environment(&self, network: Network) -> Environment {
        match network {
            Network::Erc20 => self.erc20.environment,
            Network::Trc20 => self.trc20.environment,
        }
    }

    /// The token contract for a network in its configured environment.
    pub fn token_contract(&self, network: Network, token: Token) -> Result<Destination, TreasuryError> {
        match self.environment(network) {
            Environment::Mainnet => Ok(mainnet_contract(network, token)),
            Environment::Testnet => {
                self.testnet_tokens.iter().find(|(n, t, _)| *n == network && *t == token).map(|(_, _, c)| *c).ok_or_else(|| {
                    TreasuryError::field(
                        "testnet_tokens",
                        format!("{}/{token}", network_id(network)),
                        "is not configured: a testnet network needs its token contract in [[testnet_tokens]]",
                    )
                })
            }
        }
    }

    /// The wallet with this id.
    pub fn wallet(&self, id: &str) -> Result<&Wallet, TreasuryError> {
        self.wallets.iter().find(|w| w.id == id).ok_or_else(|| {
            let known: Vec<&str> = self.wallets.iter().map(|w| w.id.as_str()).collect();
            TreasuryError::field("wallet", id, format!("is not configured; the wallets are {}", known.join(", ")))
        })
    }

    /// The hot wallet that pays from `address`.
    pub fn hot_wallet_at(&self, address: &Destination) -> Result<&Wallet, TreasuryError> {
        self.wallets.iter().find(|w| w.kind == WalletKind::Hot && &w.address == address).ok_or_else(|| {
            TreasuryError::field("source", address.to_string(), "is not a configured hot wallet; payouts leave from hot wallets only")
        })
    }

    /// The registered person with this address.
    pub fn approver(&self, address: &EthAddress) -> Option<&Approver> {
        self.approvers.iter().find(|a| &a.address == address)
    }

    /// The addresses that count towards the quorum.
    pub fn voting_approvers(&self) -> impl Iterator<Item = &Approver> {
        self.approvers.iter().filter(|a| a.role == ApproverRole::Approver)
    }

    /// The time zone of a trust pair (`[[trust_pairs]]`), when the file names it.
    pub fn trust_pair_zone(&self, pair: &str) -> Option<&str> {
        self.trust_pairs.iter().find(|(name, _)| name == pair).map(|(_, zone)| zone.as_str())
    }

    /// The allow-list name of a destination.
    pub fn destination_name(&self, destination: &Destination) -> Option<&str> {
        self.allow_names.iter().find(|(d, _)| d == destination).map(|(_, n)| n.as_str())
    }
}
