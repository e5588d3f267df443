//! The ledger's events as typed values, and their JSON Lines form:
//! `{"seq":N,"id":"<uuid>","at":"<RFC 3339 UTC>","kind":"…", …fields}`, one per line.
//!
//! [`parse_jsonl`] reads a whole file and reports every bad line with its number and
//! reason while keeping every valid event; the checks that need history (sequence order,
//! duplicate ids, references to unknown payouts or sessions) are made by
//! [`crate::ledger::Ledger::apply`], which the parser runs for each line.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::plan::Network;

/// A stablecoin the platform settles in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Token {
    /// Tether.
    #[serde(rename = "USDT")]
    Usdt,
    /// USD Coin.
    #[serde(rename = "USDC")]
    Usdc,
}

/// An asset a hot or canary wallet holds, as written in `wallet.balance` events: the two
/// stablecoins (6 decimals), ETH in wei (18 decimals), TRX in sun (6 decimals) and Tron
/// energy in units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum WalletAsset {
    /// Tether, 6 decimals.
    #[serde(rename = "USDT")]
    Usdt,
    /// USD Coin, 6 decimals.
    #[serde(rename = "USDC")]
    Usdc,
    /// Ether for gas on Ethereum, in wei.
    #[serde(rename = "ETH")]
    Eth,
    /// TRX on Tron, in sun.
    #[serde(rename = "TRX")]
    Trx,
    /// Tron energy, in units.
    #[serde(rename = "ENERGY")]
    Energy,
}

impl WalletAsset {
    /// Every asset, in display order.
    pub const ALL: [Self; 5] = [Self::Usdt, Self::Usdc, Self::Eth, Self::Trx, Self::Energy];

    /// The asset as written in events (`USDT`, `ETH`, `ENERGY`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Usdt => "USDT",
            Self::Usdc => "USDC",
            Self::Eth => "ETH",
            Self::Trx => "TRX",
            Self::Energy => "ENERGY",
        }
    }

    /// The base unit of the asset's amounts (`micro-USDT`, `wei`, `sun`, `energy`).
    pub fn base_unit(self) -> &'static str {
        match self {
            Self::Usdt => "micro-USDT",
            Self::Usdc => "micro-USDC",
            Self::Eth => "wei",
            Self::Trx => "sun",
            Self::Energy => "energy",
        }
    }

    /// The network the asset lives on, if only one (ETH on Ethereum, TRX and energy on Tron).
    pub fn only_network(self) -> Option<Network> {
        match self {
            Self::Usdt | Self::Usdc => None,
            Self::Eth => Some(Network::Erc20),
            Self::Trx | Self::Energy => Some(Network::Trc20),
        }
    }
}

/// How an EOD session was settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SettleMode {
    /// Settled in full.
    #[serde(rename = "full")]
    Full,
    /// Partially settled (liquidity deficit).
    #[serde(rename = "partial")]
    Partial,
    /// Deferred to the next day.
    #[serde(rename = "t+1")]
    NextDay,
}

/// A payout amount in base units: a positive integer (USDT/USDC have 6 decimals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(u128);

impl Amount {
    /// Reads a base-unit amount: digits only, no sign, no decimals, not zero, fits u128.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("amount {text:?} is not a whole number of base units (write 1500000 for 1.5 USDT)"));
        }
        let value: u128 = text.parse().map_err(|_| format!("amount {text:?} overflows"))?;
        if value == 0 {
            return Err("amount 0 is not a payout".to_owned());
        }
        Ok(Self(value))
    }

    /// The amount in base units.
    pub fn base_units(self) -> u128 {
        self.0
    }
}

/// An absolute balance in base units: like [`Amount`], but `"0"` is a balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Balance(u128);

impl Balance {
    /// Reads a base-unit balance: digits only, no sign, no decimals, fits u128; zero allowed.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("balance {text:?} is not a whole number of base units (write 1500000 for 1.5 USDT, 0 for none)"));
        }
        text.parse().map(Self).map_err(|_| format!("balance {text:?} overflows"))
    }

    /// The balance in base units.
    pub fn base_units(self) -> u128 {
        self.0
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// A payout entered the engine's queue.
    PayoutAccepted {
        /// Payout id.
        payout_id: String,
        /// Network.
        network: Network,
        /// Token.
        token: Token,
        /// The hot wallet that pays.
        wallet: String,
        /// The partner paid.
        partner: String,
        /// Amount in base units.
        amount: Amount,
    },
    /// The payout's transaction is confirmed on chain.
    PayoutConfirmed {
        /// Payout id.
        payout_id: String,
    },
    /// The payout failed.
    PayoutFailed {
        /// Payout id.
        payout_id: String,
        /// Why.
        reason: String,
    },
    /// A webhook delivery attempt finished.
    WebhookAttempt {
        /// Webhook id.
        webhook_id: String,
        /// Partner.
        partner: String,
        /// HTTP status; 0 when there was no answer.
        status: u16,
    },
    /// A webhook went to the dead-letter queue.
    WebhookDeadLettered {
        /// Webhook id.
        webhook_id: String,
        /// Partner.
        partner: String,
    },
    /// A dead-lettered webhook was replayed (leaves the queue).
    WebhookReplayed {
        /// Webhook id.
        webhook_id: String,
    },
    /// An EOD session of a trust pair opened.
    EodSessionOpened {
        /// Session id.
        session_id: String,
        /// The trust pair.
        trust_pair: String,
        /// Its cut-off.
        cut_off_at: Timestamp,
    },
    /// An EOD session settled.
    EodSettled {
        /// Session id.
        session_id: String,
        /// Full, partial or T+1.
        mode: SettleMode,
    },
    /// What one partner of a trust pair owes the other within an open EOD session.
    TrustObligation {
        /// Session id (opened and not settled).
        session_id: String,
        /// The partner who owes.
        payer: String,
        /// The partner owed.
        payee: String,
        /// Network.
        network: Network,
        /// Token.
        token: Token,
        /// Amount in base units.
        amount: Amount,
    },
    /// A partner's absolute balance on a network and token (replaces the previous one whole).
    PartnerBalance {
        /// Partner.
        partner: String,
        /// Network.
        network: Network,
        /// Token.
        token: Token,
        /// Balance in base units; zero allowed.
        amount: Balance,
    },
    /// A hot or canary wallet's absolute balance of one asset (replaces the previous one whole).
    WalletBalance {
        /// Wallet name (as in the treasury file).
        wallet: String,
        /// Network.
        network: Network,
        /// Asset: USDT, USDC, ETH (Ethereum), TRX or ENERGY (Tron).
        asset: WalletAsset,
        /// Balance in the asset's base units; zero allowed.
        amount: Balance,
    },
    /// An incident opened.
    IncidentOpened {
        /// Incident id.
        incident_id: String,
        /// Severity 1–3.
        sev: u8,
        /// Title.
        title: String,
    },
    /// An incident was resolved.
    IncidentResolved {
        /// Incident id.
        incident_id: String,
    },
    /// A deal was offered.
    DealOffered {
        /// Deal id.
        deal_id: String,
        /// Partner.
        partner: String,
    },
    /// A deal completed.
    DealCompleted {
        /// Deal id.
        deal_id: String,
        /// Partner.
        partner: String,
    },
    /// A deal was cancelled.
    DealCancelled {
        /// Deal id.
        deal_id: String,
        /// Partner.
        partner: String,
    },
}

/// One ledger event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Position in the ledger's log, strictly increasing.
    pub seq: u64,
    /// Unique id (a UUID), kept as 128 bits.
    pub id: u128,
    /// When (UTC).
    pub at: Timestamp,
    /// What.
    pub kind: EventKind,
}

/// The raw line, as serde reads it; strings borrowed where the JSON has no escapes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent<'a> {
    seq: u64,
    #[serde(borrow)]
    id: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    at: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    kind: std::borrow::Cow<'a, str>,
    payout_id: Option<String>,
    network: Option<Network>,
    token: Option<Token>,
    wallet: Option<String>,
    partner: Option<String>,
    amount: Option<std::borrow::Cow<'a, str>>,
    reason: Option<String>,
    webhook_id: Option<String>,
    status: Option<u16>,
    session_id: Option<String>,
    trust_pair: Option<String>,
    cut_off_at: Option<std::borrow::Cow<'a, str>>,
    mode: Option<SettleMode>,
    incident_id: Option<String>,
    sev: Option<u8>,
    title: Option<String>,
    deal_id: Option<String>,
    payer: Option<String>,
    payee: Option<String>,
    asset: Option<WalletAsset>,
}

/// The event kinds, as written in the `kind` field.
pub const KINDS: [&str; 16] = [
    "payout.accepted",
    "payout.confirmed",
    "payout.failed",
    "webhook.attempt",
    "webhook.dead_lettered",
    "webhook.replayed",
    "eod.session_opened",
    "eod.settled",
    "trust.obligation",
    "partner.balance",
    "wallet.balance",
    "incident.opened",
    "incident.resolved",
    "deal.offered",
    "deal.completed",
    "deal.cancelled",
];

fn required<T>(value: Option<T>, field: &str, kind: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("{kind} needs the field {field:?}"))
}

fn instant(text: &str, field: &str) -> Result<Timestamp, String> {
    text.parse().map_err(|_| format!("{field} {text:?} is not an RFC 3339 instant"))
}

/// Reads a UUID (`8-4-4-4-12` hex digits) into 128 bits.
pub fn parse_uuid(text: &str) -> Result<u128, String> {
    let bytes = text.as_bytes();
    let well_formed = bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| if [8, 13, 18, 23].contains(&i) { *b == b'-' } else { b.is_ascii_hexdigit() });
    if !well_formed {
        return Err(format!("id {text:?} is not a UUID"));
    }
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    u128::from_str_radix(&hex, 16).map_err(|_| format!("id {text:?} is not a UUID"))
}

/// The event of a ledger record (its seq, kind and body without `kind`), if the kind is an
/// event kind — commands and policies are not events. The ledger service validates with it
/// and the desk's sync applies with it: one reading of a record.
pub fn event_of_record(seq: u64, kind: &str, body: &serde_json::Map<String, serde_json::Value>) -> Option<Result<Event, String>> {
    if !KINDS.contains(&kind) {
        return None;
    }
    // The line is the body with `seq` and `kind` put first (the body has neither: the ledger
    // refuses both), written once without copying the body.
    let text = serde_json::to_string(body).ok()?;
    let rest = text.strip_prefix('{').unwrap_or("}");
    let separator = if rest == "}" { "" } else { "," };
    let kind = serde_json::to_string(kind).ok()?;
    Some(Event::from_json(&format!("{{\"seq\":{seq},\"kind\":{kind}{separator}{rest}")))
}

/// Formats 128 bits as a UUID.
pub fn format_uuid(id: u128) -> String {
    let hex = format!("{id:032x}");
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

impl Event {
    /// Reads one JSON line into an event; the error says what is wrong with it.
    pub fn from_json(line: &str) -> Result<Self, String> {
        let raw: RawEvent<'_> = serde_json::from_str(line).map_err(|e| format!("not a valid event: {e}"))?;
        let kind_name = raw.kind.as_ref();
        let id = parse_uuid(&raw.id)?;
        let at = instant(&raw.at, "at")?;
        let k = kind_name;
        let kind = match kind_name {
            "payout.accepted" => EventKind::PayoutAccepted {
                payout_id: required(raw.payout_id, "payout_id", k)?,
                network: required(raw.network, "network", k)?,
                token: required(raw.token, "token", k)?,
                wallet: required(raw.wallet, "wallet", k)?,
                partner: required(raw.partner, "partner", k)?,
                amount: Amount::parse(&required(raw.amount, "amount", k)?)?,
            },
            "payout.confirmed" => EventKind::PayoutConfirmed { payout_id: required(raw.payout_id, "payout_id", k)? },
            "payout.failed" => {
                EventKind::PayoutFailed { payout_id: required(raw.payout_id, "payout_id", k)?, reason: required(raw.reason, "reason", k)? }
            }
            "webhook.attempt" => EventKind::WebhookAttempt {
                webhook_id: required(raw.webhook_id, "webhook_id", k)?,
                partner: required(raw.partner, "partner", k)?,
                status: required(raw.status, "status", k)?,
            },
            "webhook.dead_lettered" => EventKind::WebhookDeadLettered {
                webhook_id: required(raw.webhook_id, "webhook_id", k)?,
                partner: required(raw.partner, "partner", k)?,
            },
            "webhook.replayed" => EventKind::WebhookReplayed { webhook_id: required(raw.webhook_id, "webhook_id", k)? },
            "eod.session_opened" => EventKind::EodSessionOpened {
                session_id: required(raw.session_id, "session_id", k)?,
                trust_pair: required(raw.trust_pair, "trust_pair", k)?,
                cut_off_at: instant(&required(raw.cut_off_at, "cut_off_at", k)?, "cut_off_at")?,
            },
            "eod.settled" => {
                EventKind::EodSettled { session_id: required(raw.session_id, "session_id", k)?, mode: required(raw.mode, "mode", k)? }
            }
            "trust.obligation" => EventKind::TrustObligation {
                session_id: required(raw.session_id, "session_id", k)?,
                payer: required(raw.payer, "payer", k)?,
                payee: required(raw.payee, "payee", k)?,
                network: required(raw.network, "network", k)?,
                token: required(raw.token, "token", k)?,
                amount: Amount::parse(&required(raw.amount, "amount", k)?)?,
            },
            "partner.balance" => EventKind::PartnerBalance {
                partner: required(raw.partner, "partner", k)?,
                network: required(raw.network, "network", k)?,
                token: required(raw.token, "token", k)?,
                amount: Balance::parse(&required(raw.amount, "amount", k)?)?,
            },
            "wallet.balance" => {
                let wallet = required(raw.wallet, "wallet", k)?;
                let network = required(raw.network, "network", k)?;
                let asset = required(raw.asset, "asset", k)?;
                if let Some(home) = asset.only_network() {
                    if home != network {
                        return Err(format!(
                            "wallet.balance asset {} is held on {} only, not on {}: fix the field \"network\" or \"asset\"",
                            asset.name(),
                            home,
                            network
                        ));
                    }
                }
                EventKind::WalletBalance { wallet, network, asset, amount: Balance::parse(&required(raw.amount, "amount", k)?)? }
            }
            "incident.opened" => {
                let sev = required(raw.sev, "sev", k)?;
                if !(1..=3).contains(&sev) {
                    return Err(format!("sev {sev} is not 1, 2 or 3"));
                }
                EventKind::IncidentOpened {
                    incident_id: required(raw.incident_id, "incident_id", k)?,
                    sev,
                    title: required(raw.title, "title", k)?,
                }
            }
            "incident.resolved" => EventKind::IncidentResolved { incident_id: required(raw.incident_id, "incident_id", k)? },
            "deal.offered" | "deal.completed" | "deal.cancelled" => {
                let deal_id = required(raw.deal_id, "deal_id", k)?;
                let partner = required(raw.partner, "partner", k)?;
                match kind_name {
                    "deal.offered" => EventKind::DealOffered { deal_id, partner },
                    "deal.completed" => EventKind::DealCompleted { deal_id, partner },
                    _ => EventKind::DealCancelled { deal_id, partner },
                }
            }
            other => return Err(format!("unknown kind {other:?}; known kinds: {}", KINDS.join(", "))),
        };
        Ok(Self { seq: raw.seq, id, at, kind })
    }

    /// The JSON line of this event (no trailing newline).
    pub fn to_json(&self) -> String {
        let mut object = serde_json::Map::new();
        object.insert("seq".into(), self.seq.into());
        object.insert("id".into(), format_uuid(self.id).into());
        object.insert("at".into(), self.at.to_string().into());
        let mut put = |key: &str, value: serde_json::Value| {
            object.insert(key.to_owned(), value);
        };
        match &self.kind {
            EventKind::PayoutAccepted { payout_id, network, token, wallet, partner, amount } => {
                put("kind", "payout.accepted".into());
                put("payout_id", payout_id.as_str().into());
                put("network", serde_json::to_value(network).unwrap_or_default());
                put("token", serde_json::to_value(token).unwrap_or_default());
                put("wallet", wallet.as_str().into());
                put("partner", partner.as_str().into());
                put("amount", amount.to_string().into());
            }
            EventKind::PayoutConfirmed { payout_id } => {
                put("kind", "payout.confirmed".into());
                put("payout_id", payout_id.as_str().into());
            }
            EventKind::PayoutFailed { payout_id, reason } => {
                put("kind", "payout.failed".into());
                put("payout_id", payout_id.as_str().into());
                put("reason", reason.as_str().into());
            }
            EventKind::WebhookAttempt { webhook_id, partner, status } => {
                put("kind", "webhook.attempt".into());
                put("webhook_id", webhook_id.as_str().into());
                put("partner", partner.as_str().into());
                put("status", (*status).into());
            }
            EventKind::WebhookDeadLettered { webhook_id, partner } => {
                put("kind", "webhook.dead_lettered".into());
                put("webhook_id", webhook_id.as_str().into());
                put("partner", partner.as_str().into());
            }
            EventKind::WebhookReplayed { webhook_id } => {
                put("kind", "webhook.replayed".into());
                put("webhook_id", webhook_id.as_str().into());
            }
            EventKind::EodSessionOpened { session_id, trust_pair, cut_off_at } => {
                put("kind", "eod.session_opened".into());
                put("session_id", session_id.as_str().into());
                put("trust_pair", trust_pair.as_str().into());
                put("cut_off_at", cut_off_at.to_string().into());
            }
            EventKind::EodSettled { session_id, mode } => {
                put("kind", "eod.settled".into());
                put("session_id", session_id.as_str().into());
                put("mode", serde_json::to_value(mode).unwrap_or_default());
            }
            EventKind::TrustObligation { session_id, payer, payee, network, token, amount } => {
                put("kind", "trust.obligation".into());
                put("session_id", session_id.as_str().into());
                put("payer", payer.as_str().into());
                put("payee", payee.as_str().into());
                put("network", serde_json::to_value(network).unwrap_or_default());
                put("token", serde_json::to_value(token).unwrap_or_default());
                put("amount", amount.to_string().into());
            }
            EventKind::PartnerBalance { partner, network, token, amount } => {
                put("kind", "partner.balance".into());
                put("partner", partner.as_str().into());
                put("network", serde_json::to_value(network).unwrap_or_default());
                put("token", serde_json::to_value(token).unwrap_or_default());
                put("amount", amount.base_units().to_string().into());
            }
            EventKind::WalletBalance { wallet, network, asset, amount } => {
                put("kind", "wallet.balance".into());
                put("wallet", wallet.as_str().into());
                put("network", serde_json::to_value(network).unwrap_or_default());
                put("asset", asset.name().into());
                put("amount", amount.base_units().to_string().into());
            }
            EventKind::IncidentOpened { incident_id, sev, title } => {
                put("kind", "incident.opened".into());
                put("incident_id", incident_id.as_str().into());
                put("sev", (*sev).into());
                put("title", title.as_str().into());
            }
            EventKind::IncidentResolved { incident_id } => {
                put("kind", "incident.resolved".into());
                put("incident_id", incident_id.as_str().into());
            }
            EventKind::DealOffered { deal_id, partner }
            | EventKind::DealCompleted { deal_id, partner }
            | EventKind::DealCancelled { deal_id, partner } => {
                let kind = match &self.kind {
                    EventKind::DealOffered { .. } => "deal.offered",
                    EventKind::DealCompleted { .. } => "deal.completed",
                    _ => "deal.cancelled",
                };
                put("kind", kind.into());
                put("deal_id", deal_id.as_str().into());
                put("partner", partner.as_str().into());
            }
        }
        serde_json::Value::Object(object).to_string()
    }
}

/// A line of an events file that was not taken, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong and what to do.
    pub reason: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// Reads a JSON Lines file into a ledger: every valid event is applied, every bad line is
/// reported with its number (blank lines are skipped).
pub fn parse_jsonl(text: &str) -> (crate::ledger::Ledger, Vec<LineError>) {
    let mut ledger = crate::ledger::Ledger::default();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let outcome = Event::from_json(line).and_then(|event| ledger.apply(&event));
        if let Err(reason) = outcome {
            errors.push(LineError { line: index + 1, reason });
        }
    }
    (ledger, errors)
}

/// Like [`parse_jsonl`], keeping the accepted events too (for storing them).
pub fn parse_jsonl_events(text: &str) -> (Vec<Event>, crate::ledger::Ledger, Vec<LineError>) {
    let mut ledger = crate::ledger::Ledger::default();
    let mut events = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match Event::from_json(line).and_then(|event| ledger.apply(&event).map(|()| event)) {
            Ok(event) => events.push(event),
            Err(reason) => errors.push(LineError { line: index + 1, reason }),
        }
    }
    (events, ledger, errors)
}
