//! The EOD settlement plan of the trust pairs (PRODUCT.md "Treasury and EOD"), pure: the
//! ledger's sessions, `trust.obligation` and `partner.balance` events in, the entries of
//! the plan at an instant out. docs/eod.md states the rules and each edge case decided.
//!
//! - One entry per session, network and token whose `net` is not zero: what one partner
//!   owes the other over the session's obligations plus what the pair's previous session
//!   carried; the side owing pays.
//! - `available`: the payer's latest balance for the network and token strictly before the
//!   cut-off (none → 0), less what earlier entries settled from that same balance event.
//! - Entries in order of cut-off, session id, network, token (names as written).
//! - `settle = min(net, available)`, `carried = net − settle`; a carry becomes an
//!   obligation of the pair's next session, same direction. Before the partial-settlement
//!   phase (Canary, T0 − 7d) a deficit blocks the entry instead: nothing settled or carried.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;

use crate::events::Token;
use crate::launch::Launch;
use crate::ledger::{ns, Ledger};
use crate::plan::Network;

/// A `trust.obligation` as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obligation {
    /// Index of its session in [`Ledger::sessions`].
    pub session: u32,
    /// Who owes.
    pub payer: String,
    /// Who is owed.
    pub payee: String,
    /// Network.
    pub network: Network,
    /// Token.
    pub token: Token,
    /// Base units, positive.
    pub amount: u128,
}

/// A `partner.balance` as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerBalance {
    /// The event's seq: the identity of the balance that entries spend from.
    pub seq: u64,
    /// When (nanoseconds since the epoch).
    pub at: i64,
    /// Partner.
    pub partner: String,
    /// Network.
    pub network: Network,
    /// Token.
    pub token: Token,
    /// Absolute balance in base units (zero allowed).
    pub amount: u128,
}

/// The trust obligations and partner balances of a ledger, and the two partners of each
/// trust pair (fixed by the pair's first obligation).
#[derive(Debug, Clone, Default)]
pub struct TrustBook {
    /// Obligations, in log order.
    pub obligations: Vec<Obligation>,
    /// Partner balances, in log order.
    pub balances: Vec<PartnerBalance>,
    /// The partners of each trust pair, in name order.
    partners: HashMap<String, (String, String)>,
}

impl TrustBook {
    /// Takes an obligation of a session of `trust_pair`; refuses one from a partner to
    /// itself, or one naming a partner other than the pair's two.
    pub fn add_obligation(&mut self, trust_pair: &str, obligation: Obligation) -> Result<(), String> {
        let (payer, payee) = (&obligation.payer, &obligation.payee);
        if payer == payee {
            return Err(format!("trust.obligation from {payer:?} to itself: payer and payee must be the pair's two partners"));
        }
        match self.partners.get(trust_pair) {
            Some((a, b)) => {
                if !((payer == a && payee == b) || (payer == b && payee == a)) {
                    return Err(format!(
                        "trust pair {trust_pair:?} is between {a:?} and {b:?}; an obligation from {payer:?} to {payee:?} names another partner"
                    ));
                }
            }
            None => {
                let pair = if payer < payee { (payer.clone(), payee.clone()) } else { (payee.clone(), payer.clone()) };
                self.partners.insert(trust_pair.to_owned(), pair);
            }
        }
        self.obligations.push(obligation);
        Ok(())
    }

    /// The two partners of a trust pair, in name order, once it has an obligation.
    pub fn partners(&self, trust_pair: &str) -> Option<&(String, String)> {
        self.partners.get(trust_pair)
    }
}

/// How an entry of the plan settles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Mode {
    /// Settled in full (carried 0).
    #[serde(rename = "full")]
    Full,
    /// Settled in part, the rest carried to the pair's next session.
    #[serde(rename = "partial")]
    Partial,
    /// Nothing settled, all carried to the pair's next session.
    #[serde(rename = "t+1")]
    NextDay,
    /// A deficit before the partial-settlement phase: nothing settled, nothing carried,
    /// nothing spent; the session stays unsettled and the treasury lead is alerted.
    #[serde(rename = "blocked")]
    Blocked,
}

impl Mode {
    /// As written in JSON: `full`, `partial`, `t+1`, `blocked`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Partial => "partial",
            Self::NextDay => "t+1",
            Self::Blocked => "blocked",
        }
    }
}

/// One entry of the settlement plan; amounts in base units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Session id.
    pub session_id: String,
    /// Trust pair.
    pub trust_pair: String,
    /// The session's cut-off.
    pub cut_off: Timestamp,
    /// Who pays.
    pub payer: String,
    /// Who is paid.
    pub payee: String,
    /// Network.
    pub network: Network,
    /// Token.
    pub token: Token,
    /// What the payer owes over the session, carries included.
    pub net: u128,
    /// The payer's balance left for this entry.
    pub available: u128,
    /// Settled now.
    pub settle: u128,
    /// Carried to the pair's next session.
    pub carried: u128,
    /// How.
    pub mode: Mode,
}

/// The network as written in events (`erc20`, `trc20`): the order of entries.
pub fn network_name(network: Network) -> &'static str {
    match network {
        Network::Erc20 => "erc20",
        Network::Trc20 => "trc20",
    }
}

/// The token as written in events (`USDC`, `USDT`): the order of entries.
pub fn token_name(token: Token) -> &'static str {
    match token {
        Token::Usdc => "USDC",
        Token::Usdt => "USDT",
    }
}

/// The instant partial and T+1 settlement start: the start of the plan's
/// `partial_settlement_from_phase` (Canary, T0 − 7d on the plan-zone wall clock). `None`
/// when the plan names no such phase: then a deficit always blocks.
pub fn partial_from(launch: &Launch) -> Option<Timestamp> {
    let plan = &launch.plan;
    let index = plan.phases.iter().position(|p| p.id == plan.guardrails.partial_settlement_from_phase)?;
    launch.table.phases.get(index).map(|phase| phase.start.timestamp())
}

/// The settlement plan at `at` of the launch: every session whose cut-off is at or before
/// `at`, in entry order.
pub fn plan(launch: &Launch, ledger: &Ledger, at: Timestamp) -> Result<Vec<Entry>, String> {
    plan_at(ledger, at, partial_from(launch))
}

/// Per session: (network name, token name) → (network, token, signed amount; positive when
/// the first partner in name order owes the second).
type Owed = HashMap<u32, BTreeMap<(&'static str, &'static str), (Network, Token, i128)>>;

fn add_owed(owed: &mut Owed, session: u32, network: Network, token: Token, signed: i128, what: &str) -> Result<(), String> {
    let slot = owed.entry(session).or_default().entry((network_name(network), token_name(token))).or_insert((network, token, 0));
    slot.2 = slot.2.checked_add(signed).ok_or_else(|| format!("the obligations of {what} overflow"))?;
    Ok(())
}

/// The settlement plan at `at` with partial / T+1 allowed from `partial_from` on (never
/// when `None`).
pub fn plan_at(ledger: &Ledger, at: Timestamp, partial_from: Option<Timestamp>) -> Result<Vec<Entry>, String> {
    let sessions = &ledger.sessions;
    let book = &ledger.trust;
    let (at, partial_from) = (ns(at), partial_from.map(ns));
    let count = u32::try_from(sessions.len()).map_err(|_| "too many sessions".to_owned())?;
    let mut order: Vec<u32> = (0..count).collect();
    order.sort_by(|a, b| {
        let (x, y) = (&sessions[*a as usize], &sessions[*b as usize]);
        (x.cut_off, &x.id).cmp(&(y.cut_off, &y.id))
    });
    // The pair's next session by cut-off (then id): where a carry goes.
    let mut next = HashMap::default();
    let mut last_of_pair: HashMap<&str, u32> = HashMap::default();
    for &index in &order {
        if let Some(previous) = last_of_pair.insert(&sessions[index as usize].trust_pair, index) {
            next.insert(previous, index);
        }
    }
    let mut owed = Owed::default();
    for obligation in &book.obligations {
        let session = &sessions[obligation.session as usize];
        let (first, _) =
            book.partners(&session.trust_pair).ok_or_else(|| format!("trust pair {:?} has no partners", session.trust_pair))?;
        let amount = i128::try_from(obligation.amount).map_err(|_| format!("an obligation of session {:?} overflows", session.id))?;
        let signed = if obligation.payer == *first { amount } else { -amount };
        add_owed(&mut owed, obligation.session, obligation.network, obligation.token, signed, &format!("session {:?}", session.id))?;
    }
    let mut spent: HashMap<u64, u128> = HashMap::default();
    let mut entries = Vec::new();
    for &index in order.iter().filter(|i| sessions[**i as usize].cut_off <= at) {
        let session = &sessions[index as usize];
        let Some(lines) = owed.remove(&index) else { continue };
        for (network, token, signed) in lines.into_values() {
            if signed == 0 {
                continue;
            }
            let (first, second) =
                book.partners(&session.trust_pair).ok_or_else(|| format!("trust pair {:?} has no partners", session.trust_pair))?;
            let (payer, payee) = if signed > 0 { (first, second) } else { (second, first) };
            let net = signed.unsigned_abs();
            let balance = book
                .balances
                .iter()
                .filter(|b| b.partner == *payer && b.network == network && b.token == token && b.at < session.cut_off)
                .max_by_key(|b| (b.at, b.seq));
            let available = balance.map_or(0, |b| {
                let used = spent.get(&b.seq).copied().unwrap_or(0);
                assert!(used <= b.amount, "balance {} spent beyond itself", b.seq);
                b.amount - used
            });
            let settle = net.min(available);
            let deficit = net - settle;
            let allowed = partial_from.is_some_and(|from| session.cut_off >= from);
            let (settle, carried, mode) = if deficit == 0 {
                (settle, 0, Mode::Full)
            } else if !allowed {
                (0, 0, Mode::Blocked)
            } else if settle == 0 {
                (0, deficit, Mode::NextDay)
            } else {
                (settle, deficit, Mode::Partial)
            };
            if let Some(b) = balance {
                *spent.entry(b.seq).or_insert(0) += settle;
            }
            if carried > 0 {
                if let Some(&following) = next.get(&index) {
                    let carry = i128::try_from(carried).map_err(|_| format!("the carry of session {:?} overflows", session.id))?;
                    let signed_carry = if signed > 0 { carry } else { -carry };
                    add_owed(
                        &mut owed,
                        following,
                        network,
                        token,
                        signed_carry,
                        &format!("the carry into {:?}", sessions[following as usize].id),
                    )?;
                }
            }
            let entry = Entry {
                session_id: session.id.clone(),
                trust_pair: session.trust_pair.clone(),
                cut_off: crate::ledger::instant(session.cut_off),
                payer: payer.clone(),
                payee: payee.clone(),
                network,
                token,
                net,
                available,
                settle,
                carried,
                mode,
            };
            check(&entry);
            entries.push(entry);
        }
    }
    Ok(entries)
}

/// The invariants of an entry: settle + carried = net (or both 0 when blocked), settle ≤
/// available, the mode matches the amounts.
fn check(entry: &Entry) {
    let Entry { net, available, settle, carried, mode, .. } = *entry;
    assert!(net > 0, "an entry with net 0");
    assert!(settle <= available, "settle {settle} above available {available}");
    match mode {
        Mode::Blocked => assert!(settle == 0 && carried == 0 && available < net, "a blocked entry settles or carries"),
        _ => assert_eq!(settle.checked_add(carried), Some(net), "settle + carried is not net"),
    }
    match mode {
        Mode::Full => assert!(carried == 0),
        Mode::Partial => assert!(settle > 0 && carried > 0),
        Mode::NextDay => assert!(settle == 0 && carried > 0),
        Mode::Blocked => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Event, EventKind};

    fn t(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn a_carry_flips_the_payer_of_the_next_session() {
        let mut ledger = Ledger::default();
        let mut seq = 0;
        let mut push = |ledger: &mut Ledger, at: &str, kind: EventKind| {
            seq += 1;
            ledger.apply(&Event { seq, id: u128::from(seq), at: t(at), kind }).unwrap();
        };
        for (id, cut_off) in [("s1", "2026-12-01T17:00:00Z"), ("s2", "2026-12-02T17:00:00Z")] {
            push(
                &mut ledger,
                "2026-12-01T08:00:00Z",
                EventKind::EodSessionOpened { session_id: id.into(), trust_pair: "p".into(), cut_off_at: t(cut_off) },
            );
        }
        let owe = |session: &str, payer: &str, payee: &str, amount: &str| EventKind::TrustObligation {
            session_id: session.into(),
            payer: payer.into(),
            payee: payee.into(),
            network: Network::Trc20,
            token: Token::Usdt,
            amount: crate::events::Amount::parse(amount).unwrap(),
        };
        push(&mut ledger, "2026-12-01T09:00:00Z", owe("s1", "b", "a", "100"));
        push(&mut ledger, "2026-12-01T09:00:00Z", owe("s2", "a", "b", "150"));
        let balance = |partner: &str, amount: &str| EventKind::PartnerBalance {
            partner: partner.into(),
            network: Network::Trc20,
            token: Token::Usdt,
            amount: crate::events::Balance::parse(amount).unwrap(),
        };
        push(&mut ledger, "2026-12-01T10:00:00Z", balance("b", "40"));
        push(&mut ledger, "2026-12-01T10:00:00Z", balance("a", "1000"));
        let entries = plan_at(&ledger, t("2026-12-02T17:00:00Z"), Some(t("2026-11-01T00:00:00Z"))).unwrap();
        let got: Vec<_> =
            entries.iter().map(|e| (e.session_id.as_str(), e.payer.as_str(), e.net, e.available, e.settle, e.carried, e.mode)).collect();
        // s1: b owes 100, has 40 → 40 settled, 60 carried; s2: a owes 150 − 60 = 90.
        assert_eq!(got, vec![("s1", "b", 100, 40, 40, 60, Mode::Partial), ("s2", "a", 90, 1000, 90, 0, Mode::Full)]);
    }
}
