//! The state derived from the ledger's events, and the exact metrics of PRODUCT.md
//! "Metrics" over it.
//!
//! Conventions: instants are nanoseconds since the Unix epoch (`i64`), windows are
//! half-open `[start, end)`, and "at instant x" counts what happened strictly before x.
//! A metric with no samples is `None` ("no data"), never zero.

// FxHash: the ledger hashes millions of ids; SipHash's DoS resistance buys nothing for a
// file the operator chose to load, and costs a third of the apply time.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::events::{Event, EventKind, SettleMode};
use crate::plan::Network;

/// Nanoseconds since the epoch of an instant (fits i64 until 2262).
pub fn ns(at: Timestamp) -> i64 {
    i64::try_from(at.as_nanosecond()).unwrap_or(i64::MAX)
}

/// The instant of nanoseconds since the epoch.
pub fn instant(nanos: i64) -> Timestamp {
    Timestamp::from_nanosecond(i128::from(nanos)).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Nanoseconds in a minute.
pub const MINUTE_NS: i64 = 60_000_000_000;

/// A payout as the ledger knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payout {
    /// When it was accepted.
    pub accepted: i64,
    /// Network.
    pub network: Network,
    /// Index of its wallet in [`Ledger::wallets`].
    pub wallet: u32,
    /// When it ended, and whether it was confirmed (`true`) or failed.
    pub end: Option<(i64, bool)>,
}

/// An EOD session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Session id.
    pub id: String,
    /// Trust pair.
    pub trust_pair: String,
    /// When it was opened (known from then on).
    pub opened: i64,
    /// Its cut-off.
    pub cut_off: i64,
    /// When and how it settled.
    pub settled: Option<(i64, SettleMode)>,
}

/// An incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    /// Incident id.
    pub id: String,
    /// Severity 1–3.
    pub sev: u8,
    /// Title.
    pub title: String,
    /// Opened.
    pub opened: i64,
    /// Resolved.
    pub resolved: Option<i64>,
}

/// A deal's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DealOutcome {
    /// Offered, not yet completed or cancelled.
    Open,
    /// Completed.
    Completed,
    /// Cancelled.
    Cancelled,
}

/// The scope a payout metric is computed over.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// All payouts.
    Global,
    /// One network.
    Network(Network),
    /// One hot wallet.
    Wallet(String),
}

impl Scope {
    /// `global`, `network:trc20`, `wallet:<id>`.
    pub fn label(&self) -> String {
        match self {
            Self::Global => "global".to_owned(),
            Self::Network(Network::Erc20) => "network:erc20".to_owned(),
            Self::Network(Network::Trc20) => "network:trc20".to_owned(),
            Self::Wallet(wallet) => format!("wallet:{wallet}"),
        }
    }
}

/// Time indexes of one scope's payouts, kept sorted as events arrive (appends in the common
/// case of events in time order), so that queue depth is two binary searches and the
/// samples of a recent window touch only recent and open payouts.
#[derive(Debug, Clone, Default)]
struct ScopeIndex {
    /// Acceptance instants, sorted.
    accepted: Vec<i64>,
    /// (ended at, accepted at, confirmed), sorted.
    ended: Vec<(i64, i64, bool)>,
    /// Payouts not ended yet: (accepted at, payout index). As small as the queue.
    open: HashSet<(i64, u32)>,
}

fn insert_sorted<T: Ord>(items: &mut Vec<T>, item: T) {
    let at = items.partition_point(|existing| *existing <= item);
    items.insert(at, item);
}

impl ScopeIndex {
    fn accept(&mut self, at: i64, index: u32) {
        insert_sorted(&mut self.accepted, at);
        self.open.insert((at, index));
    }

    fn end(&mut self, accepted: i64, index: u32, at: i64, confirmed: bool) {
        let was_open = self.open.remove(&(accepted, index));
        assert!(was_open, "payout {index} ended twice");
        insert_sorted(&mut self.ended, (at, accepted, confirmed));
    }

    fn depth(&self, at: i64) -> u64 {
        let accepted = self.accepted.partition_point(|a| *a < at);
        let ended = self.ended.partition_point(|(end, _, _)| *end < at);
        assert!(ended <= accepted, "more payouts ended than accepted before an instant");
        (accepted - ended) as u64
    }

    fn samples(&self, start: i64, end: i64) -> (Vec<i64>, u64, u64) {
        let mut samples = Vec::new();
        let (mut confirmed, mut in_flight) = (0u64, 0u64);
        let from = self.ended.partition_point(|(at, _, _)| *at < start);
        let to = self.ended.partition_point(|(at, _, _)| *at < end);
        for (at, accepted, ok) in &self.ended[from..to] {
            if *ok {
                samples.push(at - accepted);
                confirmed += 1;
            }
        }
        // Still in flight at `end`: open now, or ended at or after `end`.
        for (accepted, _) in self.open.iter().filter(|(accepted, _)| *accepted < end) {
            samples.push(end - accepted);
            in_flight += 1;
        }
        for (_, accepted, _) in self.ended[to..].iter().filter(|(_, accepted, _)| *accepted < end) {
            samples.push(end - accepted);
            in_flight += 1;
        }
        (samples, confirmed, in_flight)
    }
}

/// The ledger's derived state.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    global_index: ScopeIndex,
    network_index: [ScopeIndex; 2],
    wallet_index_by_scope: Vec<ScopeIndex>,
    /// Webhook attempt instants, sorted: all, and the 2xx ones.
    attempt_times: (Vec<i64>, Vec<i64>),
    /// Dead-letter instants, sorted: entries and replays.
    dead_letter_times: (Vec<i64>, Vec<i64>),
    last_seq: Option<u64>,
    event_ids: HashSet<u128>,
    /// Wallet ids, with their network.
    pub wallets: Vec<(String, Network)>,
    wallet_index: HashMap<String, u32>,
    /// Payouts in order of acceptance in the log.
    pub payouts: Vec<Payout>,
    payout_index: HashMap<String, u32>,
    /// Webhook attempts: (finished at, 2xx).
    pub attempts: Vec<(i64, bool)>,
    /// Dead-letter queue changes: (at, +1 or -1).
    pub dead_letter_changes: Vec<(i64, i32)>,
    in_dead_letter: HashSet<String>,
    /// EOD sessions.
    pub sessions: Vec<Session>,
    session_index: HashMap<String, u32>,
    /// Trust obligations and partner balances, in log order (`crate::eod` reads them).
    pub trust: crate::eod::TrustBook,
    /// `wallet.balance` readings, in log order (`crate::wallets` picks the latest per wallet and asset).
    pub wallet_balances: Vec<crate::wallets::BalanceReading>,
    /// Incidents.
    pub incidents: Vec<Incident>,
    incident_index: HashMap<String, u32>,
    /// Deals: (offered at, outcome, outcome at).
    pub deals: Vec<(i64, DealOutcome, i64)>,
    deal_index: HashMap<String, u32>,
    /// The latest event instant seen.
    pub latest: Option<i64>,
    /// Events applied.
    pub events: usize,
}

impl Ledger {
    /// Applies one event after checking it against what came before; an error leaves the
    /// ledger unchanged and says why.
    pub fn apply(&mut self, event: &Event) -> Result<(), String> {
        if let Some(last) = self.last_seq {
            if event.seq <= last {
                return Err(format!("seq {} is out of order: it must be greater than the previous {last}", event.seq));
            }
        }
        if self.event_ids.contains(&event.id) {
            return Err(format!("duplicate event id {}", crate::events::format_uuid(event.id)));
        }
        let at = ns(event.at);
        match &event.kind {
            EventKind::PayoutAccepted { payout_id, network, wallet, .. } => {
                if self.payout_index.contains_key(payout_id) {
                    return Err(format!("payout {payout_id:?} was already accepted"));
                }
                if let Some(&index) = self.wallet_index.get(wallet) {
                    let known = self.wallets[index as usize].1;
                    if known != *network {
                        return Err(format!("wallet {wallet:?} is on {known:?}, not {network:?}"));
                    }
                }
                let wallet_index = match self.wallet_index.get(wallet) {
                    Some(&index) => index,
                    None => {
                        let index = u32::try_from(self.wallets.len()).map_err(|_| "too many wallets".to_owned())?;
                        self.wallets.push((wallet.clone(), *network));
                        self.wallet_index.insert(wallet.clone(), index);
                        index
                    }
                };
                let index = u32::try_from(self.payouts.len()).map_err(|_| "too many payouts".to_owned())?;
                self.payouts.push(Payout { accepted: at, network: *network, wallet: wallet_index, end: None });
                self.payout_index.insert(payout_id.clone(), index);
                if self.wallet_index_by_scope.len() <= wallet_index as usize {
                    self.wallet_index_by_scope.resize_with(wallet_index as usize + 1, ScopeIndex::default);
                }
                for scope in self.indexes_of(*network, wallet_index) {
                    scope.accept(at, index);
                }
            }
            EventKind::PayoutConfirmed { payout_id } | EventKind::PayoutFailed { payout_id, .. } => {
                let confirmed = matches!(event.kind, EventKind::PayoutConfirmed { .. });
                let index = *self
                    .payout_index
                    .get(payout_id)
                    .ok_or_else(|| format!("payout {payout_id:?} is unknown: no payout.accepted before it"))?;
                let payout = &mut self.payouts[index as usize];
                if payout.end.is_some() {
                    return Err(format!("payout {payout_id:?} already ended"));
                }
                if at < payout.accepted {
                    return Err(format!("payout {payout_id:?} ends before it was accepted"));
                }
                payout.end = Some((at, confirmed));
                let (accepted, network, wallet) = (payout.accepted, payout.network, payout.wallet);
                for scope in self.indexes_of(network, wallet) {
                    scope.end(accepted, index, at, confirmed);
                }
            }
            EventKind::WebhookAttempt { status, .. } => {
                let success = (200..300).contains(status);
                self.attempts.push((at, success));
                insert_sorted(&mut self.attempt_times.0, at);
                if success {
                    insert_sorted(&mut self.attempt_times.1, at);
                }
            }
            EventKind::WebhookDeadLettered { webhook_id, .. } => {
                if !self.in_dead_letter.insert(webhook_id.clone()) {
                    return Err(format!("webhook {webhook_id:?} is already in the dead-letter queue"));
                }
                self.dead_letter_changes.push((at, 1));
                insert_sorted(&mut self.dead_letter_times.0, at);
            }
            EventKind::WebhookReplayed { webhook_id } => {
                if !self.in_dead_letter.remove(webhook_id) {
                    return Err(format!("webhook {webhook_id:?} is not in the dead-letter queue"));
                }
                self.dead_letter_changes.push((at, -1));
                insert_sorted(&mut self.dead_letter_times.1, at);
            }
            EventKind::EodSessionOpened { session_id, trust_pair, cut_off_at } => {
                if self.session_index.contains_key(session_id) {
                    return Err(format!("EOD session {session_id:?} was already opened"));
                }
                let index = u32::try_from(self.sessions.len()).map_err(|_| "too many sessions".to_owned())?;
                self.sessions.push(Session {
                    id: session_id.clone(),
                    trust_pair: trust_pair.clone(),
                    opened: at,
                    cut_off: ns(*cut_off_at),
                    settled: None,
                });
                self.session_index.insert(session_id.clone(), index);
            }
            EventKind::EodSettled { session_id, mode } => {
                let index = *self
                    .session_index
                    .get(session_id)
                    .ok_or_else(|| format!("EOD session {session_id:?} is unknown: no eod.session_opened before it"))?;
                let session = &mut self.sessions[index as usize];
                if session.settled.is_some() {
                    return Err(format!("EOD session {session_id:?} was already settled"));
                }
                session.settled = Some((at, *mode));
            }
            EventKind::TrustObligation { session_id, payer, payee, network, token, amount } => {
                let index = *self
                    .session_index
                    .get(session_id)
                    .ok_or_else(|| format!("EOD session {session_id:?} is unknown: no eod.session_opened before this trust.obligation"))?;
                let session = &self.sessions[index as usize];
                if session.settled.is_some() {
                    return Err(format!("EOD session {session_id:?} is already settled: an obligation needs an open session"));
                }
                if at >= session.cut_off {
                    return Err(format!(
                        "EOD session {session_id:?} closed at its cut-off {}: an obligation at {} belongs to the pair's next session",
                        instant(session.cut_off),
                        event.at
                    ));
                }
                let obligation = crate::eod::Obligation {
                    session: index,
                    payer: payer.clone(),
                    payee: payee.clone(),
                    network: *network,
                    token: *token,
                    amount: amount.base_units(),
                };
                self.trust.add_obligation(&session.trust_pair, obligation)?;
            }
            EventKind::PartnerBalance { partner, network, token, amount } => {
                self.trust.balances.push(crate::eod::PartnerBalance {
                    seq: event.seq,
                    at,
                    partner: partner.clone(),
                    network: *network,
                    token: *token,
                    amount: amount.base_units(),
                });
            }
            EventKind::WalletBalance { wallet, network, asset, amount } => {
                if let Some(&index) = self.wallet_index.get(wallet) {
                    let known = self.wallets[index as usize].1;
                    if known != *network {
                        return Err(format!("wallet {wallet:?} pays on {known}, not {network}: fix the field \"network\""));
                    }
                }
                self.wallet_balances.push(crate::wallets::BalanceReading {
                    origin: crate::wallets::Origin::Event { seq: event.seq },
                    at,
                    wallet: wallet.clone(),
                    network: *network,
                    asset: *asset,
                    amount: amount.base_units(),
                });
            }
            EventKind::IncidentOpened { incident_id, sev, title } => {
                if self.incident_index.contains_key(incident_id) {
                    return Err(format!("incident {incident_id:?} was already opened"));
                }
                let index = u32::try_from(self.incidents.len()).map_err(|_| "too many incidents".to_owned())?;
                self.incidents.push(Incident { id: incident_id.clone(), sev: *sev, title: title.clone(), opened: at, resolved: None });
                self.incident_index.insert(incident_id.clone(), index);
            }
            EventKind::IncidentResolved { incident_id } => {
                let index = *self.incident_index.get(incident_id).ok_or_else(|| format!("incident {incident_id:?} is unknown"))?;
                let incident = &mut self.incidents[index as usize];
                if incident.resolved.is_some() {
                    return Err(format!("incident {incident_id:?} was already resolved"));
                }
                incident.resolved = Some(at);
            }
            EventKind::DealOffered { deal_id, .. } => {
                if self.deal_index.contains_key(deal_id) {
                    return Err(format!("deal {deal_id:?} was already offered"));
                }
                let index = u32::try_from(self.deals.len()).map_err(|_| "too many deals".to_owned())?;
                self.deals.push((at, DealOutcome::Open, at));
                self.deal_index.insert(deal_id.clone(), index);
            }
            EventKind::DealCompleted { deal_id, .. } | EventKind::DealCancelled { deal_id, .. } => {
                let index =
                    *self.deal_index.get(deal_id).ok_or_else(|| format!("deal {deal_id:?} is unknown: no deal.offered before it"))?;
                let deal = &mut self.deals[index as usize];
                if deal.1 != DealOutcome::Open {
                    return Err(format!("deal {deal_id:?} already ended"));
                }
                let outcome =
                    if matches!(event.kind, EventKind::DealCompleted { .. }) { DealOutcome::Completed } else { DealOutcome::Cancelled };
                *deal = (deal.0, outcome, at);
            }
        }
        self.last_seq = Some(event.seq);
        self.event_ids.insert(event.id);
        self.latest = Some(self.latest.map_or(at, |l| l.max(at)));
        self.events += 1;
        Ok(())
    }

    /// The last sequence number applied.
    pub fn last_seq(&self) -> Option<u64> {
        self.last_seq
    }

    /// The three indexes a payout of `network` from `wallet` belongs to.
    fn indexes_of(&mut self, network: Network, wallet: u32) -> [&mut ScopeIndex; 3] {
        let network_slot = match network {
            Network::Erc20 => 0,
            Network::Trc20 => 1,
        };
        [&mut self.global_index, &mut self.network_index[network_slot], &mut self.wallet_index_by_scope[wallet as usize]]
    }

    fn index(&self, scope: &Scope) -> Option<&ScopeIndex> {
        match scope {
            Scope::Global => Some(&self.global_index),
            Scope::Network(Network::Erc20) => Some(&self.network_index[0]),
            Scope::Network(Network::Trc20) => Some(&self.network_index[1]),
            Scope::Wallet(wallet) => self.wallet_index.get(wallet).and_then(|i| self.wallet_index_by_scope.get(*i as usize)),
        }
    }

    /// Every scope the data has: global, each network with payouts, each wallet.
    pub fn scopes(&self) -> Vec<Scope> {
        let mut scopes = vec![Scope::Global];
        for network in [Network::Erc20, Network::Trc20] {
            if self.wallets.iter().any(|(_, n)| *n == network) {
                scopes.push(Scope::Network(network));
            }
        }
        let mut wallets: Vec<&String> = self.wallets.iter().map(|(w, _)| w).collect();
        wallets.sort();
        scopes.extend(wallets.into_iter().map(|w| Scope::Wallet(w.clone())));
        scopes
    }

    /// Queue depth at `at`: payouts accepted before `at` and not confirmed or failed
    /// before `at`.
    pub fn queue_depth(&self, scope: &Scope, at: i64) -> u64 {
        self.index(scope).map_or(0, |index| index.depth(at))
    }

    /// The pass-through samples of `[start, end)`: payouts confirmed inside the window
    /// (`confirmed − accepted`) and payouts still not confirmed at `end`, at their age
    /// `end − accepted`. Failed payouts have none. Returns (samples, confirmed, in flight).
    pub fn pass_through_samples(&self, scope: &Scope, start: i64, end: i64) -> (Vec<i64>, u64, u64) {
        self.index(scope).map_or((Vec::new(), 0, 0), |index| index.samples(start, end))
    }

    /// Webhook attempts finished in `[start, end)`: (2xx, all).
    pub fn webhook_attempts(&self, start: i64, end: i64) -> (u64, u64) {
        let count = |times: &Vec<i64>| (times.partition_point(|t| *t < end) - times.partition_point(|t| *t < start)) as u64;
        (count(&self.attempt_times.1), count(&self.attempt_times.0))
    }

    /// Dead-letter depth at `at`: dead-lettered before `at` minus replayed before `at`.
    pub fn dead_letter_depth(&self, at: i64) -> i64 {
        let entered = self.dead_letter_times.0.partition_point(|t| *t < at) as i64;
        let replayed = self.dead_letter_times.1.partition_point(|t| *t < at) as i64;
        entered - replayed
    }

    /// Sessions whose cut-off is at or before `at` (and that were opened before `at`)
    /// and that are not settled before `at`.
    pub fn unsettled_sessions(&self, at: i64) -> Vec<&Session> {
        self.sessions.iter().filter(|s| s.opened < at && s.cut_off <= at && s.settled.is_none_or(|(when, _)| when >= at)).collect()
    }

    /// Open incidents of severity `sev` at `at`.
    pub fn open_incidents(&self, sev: u8, at: i64) -> Vec<&Incident> {
        self.incidents.iter().filter(|i| i.sev == sev && i.opened < at && i.resolved.is_none_or(|r| r >= at)).collect()
    }
}

/// The nearest-rank p95 of exact samples: the ⌈0.95·n⌉-th smallest; `None` with no samples.
pub fn p95(samples: &mut [i64]) -> Option<i64> {
    percentile_nearest_rank(samples, 95)
}

/// The nearest-rank percentile `p` (1–100): the ⌈p·n/100⌉-th smallest sample.
pub fn percentile_nearest_rank(samples: &mut [i64], p: u32) -> Option<i64> {
    assert!((1..=100).contains(&p), "percentile {p} out of 1..=100");
    if samples.is_empty() {
        return None;
    }
    let n = samples.len();
    let rank = (n * p as usize).div_ceil(100);
    let index = rank.max(1) - 1;
    let (_, value, _) = samples.select_nth_unstable(index);
    Some(*value)
}

/// The start of the window of `minutes` holding `at`, aligned to the wall clock of `tz`:
/// windows start where the zone's local time of day is a multiple of the window length.
pub fn window_start(at: i64, tz: &TimeZone, minutes: u32) -> i64 {
    assert!(minutes > 0 && 1440 % minutes == 0, "window of {minutes} min does not divide a day");
    let zoned = instant(at).to_zoned_datetime(tz.clone());
    let time = zoned.time();
    let seconds_of_day = i64::from(time.hour()) * 3600 + i64::from(time.minute()) * 60 + i64::from(time.second());
    let into_window_ns = (seconds_of_day % (i64::from(minutes) * 60)) * 1_000_000_000 + i64::from(time.subsec_nanosecond());
    at - into_window_ns
}
