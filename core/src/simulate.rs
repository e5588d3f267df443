//! A deterministic launch-traffic simulator: the same scenario, T0 and seed always give the
//! same events. It models the seed's pilot set-up — four companies (tiers S, M, L, XL), two
//! trust pairs with cut-offs in the plan zone, hot wallets on both networks — with lognormal
//! confirmation latencies, webhook retries and dead letters, EOD sessions, incidents and
//! deals, and injects each scenario's trouble at fixed offsets from T0.
//!
//! The generator is its own xoshiro256** so that a seed means the same traffic across
//! dependency upgrades.

use std::fmt;
use std::str::FromStr;

use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::events::{Amount, Event, EventKind, SettleMode, Token, WalletAsset};
use crate::ledger::{instant, ns, MINUTE_NS};
use crate::plan::Network;

/// The scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// A healthy pilot day.
    PilotDay,
    /// TRC-20 confirmations stall from T0+4h until the provider recovers at T0+7h; the
    /// TRC-20 queue grows, then drains.
    RpcDegradationTrc20,
    /// One partner's webhook endpoint is down from T0+3h for 45 minutes.
    WebhookOutage,
    /// One trust pair's EOD session does not settle for four hours after cut-off.
    EodStuck,
    /// A SEV1 incident (total RPC degradation) from T0+5h to T0+6h30; confirmations on both
    /// networks slow down meanwhile.
    Sev1,
    /// Three TRC-20 payouts at T0+4h take over 30 minutes: one bad window, then healthy.
    Recovering,
    /// A pilot day's traffic with the trust pairs' EOD history from T0 − 9d: each session's
    /// `trust.obligation`s and the payer's `partner.balance` before its cut-off, settled as
    /// the settlement plan says (PRODUCT.md "Treasury and EOD"), and the demo treasury's
    /// hot and canary wallets' `wallet.balance`s. Before T0 − 3d every payer can pay in full;
    /// from T0 − 3d (inside Canary, which starts at T0 − 7d) a liquidity deficit gives
    /// partial and T+1 sessions whose carries go to the pair's next session.
    EodDeficit,
}

impl Scenario {
    /// Every scenario's name.
    pub const NAMES: [&'static str; 7] =
        ["pilot-day", "rpc-degradation-trc20", "webhook-outage", "eod-stuck", "sev1", "recovering", "eod-deficit"];

    /// The scenario's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::PilotDay => "pilot-day",
            Self::RpcDegradationTrc20 => "rpc-degradation-trc20",
            Self::WebhookOutage => "webhook-outage",
            Self::EodStuck => "eod-stuck",
            Self::Sev1 => "sev1",
            Self::Recovering => "recovering",
            Self::EodDeficit => "eod-deficit",
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scenario {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Ok(match text {
            "pilot-day" => Self::PilotDay,
            "rpc-degradation-trc20" => Self::RpcDegradationTrc20,
            "webhook-outage" => Self::WebhookOutage,
            "eod-stuck" => Self::EodStuck,
            "sev1" => Self::Sev1,
            "recovering" => Self::Recovering,
            "eod-deficit" => Self::EodDeficit,
            other => return Err(format!("scenario {other:?} is unknown; use one of {}", Self::NAMES.join(", "))),
        })
    }
}

/// xoshiro256** seeded through SplitMix64.
#[derive(Debug, Clone)]
pub struct Rng([u64; 4]);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        let mut state = seed;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Self([next(), next(), next(), next()])
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform integer in [low, high].
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        assert!(low <= high);
        low + self.next_u64() % (high - low + 1)
    }

    /// A lognormal sample with the given median and shape σ (Box–Muller).
    pub fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        let u1 = self.unit().max(f64::MIN_POSITIVE);
        let u2 = self.unit();
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        median * (sigma * z).exp()
    }

    /// An exponential waiting time with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }
}

/// The simulation's request.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// Scenario.
    pub scenario: Scenario,
    /// T0.
    pub t0: Timestamp,
    /// Plan zone (cut-offs are local times).
    pub tz: TimeZone,
    /// Seed.
    pub seed: u64,
    /// How long to simulate from T0.
    pub hours: u32,
}

const PARTNERS: [(&str, f64); 4] = [("partner-s", 4.0), ("partner-m", 8.0), ("partner-l", 14.0), ("partner-xl", 22.0)];
const WALLETS: [(&str, Network); 4] =
    [("hot-erc20-a", Network::Erc20), ("hot-erc20-b", Network::Erc20), ("hot-trc20-a", Network::Trc20), ("hot-trc20-b", Network::Trc20)];
/// Trust pairs and their cut-off (local hour).
const TRUST_PAIRS: [(&str, i8); 2] = [("pair-s-m", 18), ("pair-l-xl", 20)];

struct Draft {
    at: i64,
    order: u32,
    kind: EventKind,
}

/// Runs the simulation; events come out in time order with seq 1, 2, ….
pub fn simulate(simulation: &Simulation) -> Vec<Event> {
    let mut rng = Rng::new(simulation.seed ^ 0xC1AB_6A7E);
    let t0 = ns(simulation.t0);
    let end = t0 + i64::from(simulation.hours) * 60 * MINUTE_NS;
    let hour = 60 * MINUTE_NS;
    let scenario = simulation.scenario;
    let mut drafts: Vec<Draft> = Vec::new();
    let push = |drafts: &mut Vec<Draft>, at: i64, kind: EventKind| {
        let order = drafts.len() as u32;
        drafts.push(Draft { at, order, kind });
    };
    let mut payout_number = 0u64;
    let mut webhook_number = 0u64;

    // Payouts per partner as Poisson arrivals; each picks a wallet of a network.
    for (partner, per_hour) in PARTNERS {
        let mut at = t0;
        loop {
            at += (rng.exponential(60.0 / per_hour) * MINUTE_NS as f64) as i64;
            if at >= end {
                break;
            }
            payout_number += 1;
            let payout_id = format!("po-{payout_number:06}");
            let (wallet, network) = WALLETS[rng.between(0, 3) as usize];
            let token = if rng.unit() < 0.7 { Token::Usdt } else { Token::Usdc };
            let amount = Amount::parse(&(rng.between(1_000, 150_000) * 1_000_000).to_string()).expect("positive amount");
            push(
                &mut drafts,
                at,
                EventKind::PayoutAccepted {
                    payout_id: payout_id.clone(),
                    network,
                    token,
                    wallet: wallet.to_owned(),
                    partner: partner.to_owned(),
                    amount,
                },
            );
            let median_minutes = match network {
                Network::Erc20 => 3.0,
                Network::Trc20 => 1.5,
            };
            let offset = at - t0;
            let minutes_into = |from: i64| (offset - from) as f64 / MINUTE_NS as f64;
            let latency_minutes = match scenario {
                // The TRC-20 RPC provider stops answering with confirmations: nothing sent
                // from T0+4h confirms before it recovers at T0+7h (see below), so the TRC-20
                // queue grows with every payout.
                Scenario::RpcDegradationTrc20 if network == Network::Trc20 && (4 * hour..7 * hour).contains(&offset) => 24.0 * 60.0,
                Scenario::Sev1 if (5 * hour..6 * hour + 30 * MINUTE_NS).contains(&offset) => {
                    rng.lognormal(40.0 + 0.5 * minutes_into(5 * hour), 0.25)
                }
                _ => rng.lognormal(median_minutes, 0.5),
            };
            let mut done = at + (latency_minutes * MINUTE_NS as f64) as i64;
            // When the provider recovers, the backlog confirms within minutes.
            let recovery = match scenario {
                Scenario::RpcDegradationTrc20 if network == Network::Trc20 => Some(7 * hour),
                Scenario::Sev1 => Some(6 * hour + 30 * MINUTE_NS),
                _ => None,
            };
            if let Some(recovered) = recovery.map(|r| t0 + r) {
                if at < recovered && done > recovered {
                    done = recovered + (rng.lognormal(6.0, 0.5) * MINUTE_NS as f64) as i64;
                }
            }
            if done >= end {
                continue;
            }
            if rng.unit() < 0.004 {
                push(&mut drafts, done, EventKind::PayoutFailed { payout_id, reason: "reverted: insufficient energy".to_owned() });
                continue;
            }
            push(&mut drafts, done, EventKind::PayoutConfirmed { payout_id });
            // The partner's webhook for the confirmation: up to three attempts a minute apart.
            webhook_number += 1;
            let webhook_id = format!("wh-{webhook_number:06}");
            let mut attempt_at = done + (rng.between(1, 20) as i64) * 1_000_000_000;
            let mut delivered = false;
            for _ in 0..3 {
                let outage = scenario == Scenario::WebhookOutage
                    && partner == "partner-xl"
                    && (3 * hour..3 * hour + 45 * MINUTE_NS).contains(&(attempt_at - t0));
                let ok = !outage && rng.unit() > 0.003;
                let status = if ok {
                    200
                } else if rng.unit() < 0.5 {
                    503
                } else {
                    0
                };
                push(
                    &mut drafts,
                    attempt_at,
                    EventKind::WebhookAttempt { webhook_id: webhook_id.clone(), partner: partner.to_owned(), status },
                );
                if ok {
                    delivered = true;
                    break;
                }
                attempt_at += MINUTE_NS;
            }
            if !delivered {
                push(
                    &mut drafts,
                    attempt_at,
                    EventKind::WebhookDeadLettered { webhook_id: webhook_id.clone(), partner: partner.to_owned() },
                );
                let replay = attempt_at + (rng.between(45, 90) as i64) * MINUTE_NS;
                if replay < end {
                    push(&mut drafts, replay, EventKind::WebhookReplayed { webhook_id });
                }
            }
        }
    }

    // Canary payouts of 1 USDT on both networks at T0+15min.
    for (wallet, network) in [("canary-erc20", Network::Erc20), ("canary-trc20", Network::Trc20)] {
        payout_number += 1;
        let payout_id = format!("po-{payout_number:06}");
        let at = t0 + 15 * MINUTE_NS;
        let amount = Amount::parse("1000000").expect("1 USDT");
        push(
            &mut drafts,
            at,
            EventKind::PayoutAccepted {
                payout_id: payout_id.clone(),
                network,
                token: Token::Usdt,
                wallet: wallet.to_owned(),
                partner: "canary".to_owned(),
                amount,
            },
        );
        push(&mut drafts, at + (rng.lognormal(2.0, 0.3) * MINUTE_NS as f64) as i64, EventKind::PayoutConfirmed { payout_id });
    }

    // Recovering: three TRC-20 payouts at T0+4h take 32–34 minutes. They push one window's
    // p95 over 30 minutes and are confirmed before the next window ends, so rule 1 (two
    // consecutive windows) never fires.
    if scenario == Scenario::Recovering {
        for k in 0..3i64 {
            payout_number += 1;
            let payout_id = format!("po-{payout_number:06}");
            let at = t0 + 4 * hour + k * MINUTE_NS;
            let amount = Amount::parse("50000000000").expect("positive amount");
            push(
                &mut drafts,
                at,
                EventKind::PayoutAccepted {
                    payout_id: payout_id.clone(),
                    network: Network::Trc20,
                    token: Token::Usdt,
                    wallet: "hot-trc20-a".to_owned(),
                    partner: "partner-l".to_owned(),
                    amount,
                },
            );
            push(&mut drafts, at + (32 + k) * MINUTE_NS, EventKind::PayoutConfirmed { payout_id });
        }
    }

    // EOD sessions: one per trust pair per business day in the period, cut-off local time.
    let first_day = simulation.t0.to_zoned_datetime(simulation.tz.clone()).date();
    let days = i64::from(simulation.hours / 24 + 2);
    if scenario == Scenario::EodDeficit {
        for (at, kind) in trust_days(simulation, end) {
            push(&mut drafts, at, kind);
        }
    }
    for day_offset in (0..days).filter(|_| scenario != Scenario::EodDeficit) {
        let Ok(day) = first_day.checked_add(day_offset.days()) else { continue };
        for (pair, cut_off_hour) in TRUST_PAIRS {
            let Ok(cut_off) = day.at(cut_off_hour, 0, 0, 0).to_zoned_datetime(simulation.tz.clone()) else { continue };
            let cut_off_ns = ns(cut_off.timestamp());
            let opened = (cut_off_ns - 10 * hour).max(t0);
            if opened >= end || cut_off_ns < t0 {
                continue;
            }
            let session_id = format!("eod-{pair}-{day}");
            push(
                &mut drafts,
                opened,
                EventKind::EodSessionOpened {
                    session_id: session_id.clone(),
                    trust_pair: pair.to_owned(),
                    cut_off_at: cut_off.timestamp(),
                },
            );
            let stuck = scenario == Scenario::EodStuck && pair == "pair-s-m" && day_offset == 0;
            let minutes = if stuck { 240.0 + rng.between(0, 30) as f64 } else { rng.lognormal(25.0, 0.4) };
            let settled = cut_off_ns + (minutes * MINUTE_NS as f64) as i64;
            if settled < end {
                let roll = rng.unit();
                let mode = if roll < 0.85 {
                    SettleMode::Full
                } else if roll < 0.95 {
                    SettleMode::Partial
                } else {
                    SettleMode::NextDay
                };
                push(&mut drafts, settled, EventKind::EodSettled { session_id, mode });
            }
        }
    }

    // Incidents.
    let incident = |drafts: &mut Vec<Draft>, id: &str, sev: u8, title: &str, open: i64, close: i64| {
        if open < end {
            push(drafts, open, EventKind::IncidentOpened { incident_id: id.to_owned(), sev, title: title.to_owned() });
            if close < end {
                push(drafts, close, EventKind::IncidentResolved { incident_id: id.to_owned() });
            }
        }
    };
    match scenario {
        Scenario::Sev1 => incident(
            &mut drafts,
            "inc-001",
            1,
            "Total RPC degradation on TRC-20 and ERC-20 providers",
            t0 + 5 * hour,
            t0 + 6 * hour + 30 * MINUTE_NS,
        ),
        Scenario::RpcDegradationTrc20 => {
            incident(&mut drafts, "inc-001", 2, "TRC-20 RPC latency", t0 + 4 * hour + 20 * MINUTE_NS, t0 + 7 * hour + 30 * MINUTE_NS)
        }
        Scenario::WebhookOutage => {
            incident(&mut drafts, "inc-001", 3, "partner-xl webhook endpoint down", t0 + 3 * hour + 10 * MINUTE_NS, t0 + 4 * hour)
        }
        _ => {}
    }

    // Deals: offers through the day, most completed, some cancelled.
    let mut at = t0;
    let mut deal_number = 0u64;
    loop {
        at += (rng.exponential(6.0) * MINUTE_NS as f64) as i64;
        if at >= end {
            break;
        }
        deal_number += 1;
        let deal_id = format!("deal-{deal_number:05}");
        let partner = PARTNERS[rng.between(0, 3) as usize].0.to_owned();
        push(&mut drafts, at, EventKind::DealOffered { deal_id: deal_id.clone(), partner: partner.clone() });
        let later = at + (rng.lognormal(12.0, 0.6) * MINUTE_NS as f64) as i64;
        let roll = rng.unit();
        if later < end && roll < 0.72 {
            push(&mut drafts, later, EventKind::DealCompleted { deal_id, partner });
        } else if later < end && roll < 0.84 {
            push(&mut drafts, later, EventKind::DealCancelled { deal_id, partner });
        }
    }

    // Time order; ties keep generation order, so a payout is accepted before it confirms.
    drafts.sort_by_key(|d| (d.at, d.order));
    drafts
        .into_iter()
        .enumerate()
        .map(|(index, draft)| {
            let id = (u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())) & !(0xF000u128 << 64) | (0x4000u128 << 64);
            let id = id & !(0xC000_0000_0000_0000u128) | 0x8000_0000_0000_0000u128;
            Event { seq: index as u64 + 1, id, at: instant(draft.at), kind: draft.kind }
        })
        .collect()
}

/// The trust pairs of the EOD scenario: pair, cut-off (plan-zone hour), its two partners
/// (the first in name order first), the network and token they settle in.
pub const TRUST_PAIR_PARTNERS: [(&str, i8, &str, &str, Network, Token); 2] = [
    ("pair-s-m", 18, "partner-m", "partner-s", Network::Trc20, Token::Usdt),
    ("pair-l-xl", 20, "partner-l", "partner-xl", Network::Erc20, Token::Usdt),
];

/// The first day (offset from T0's plan-zone date) of the EOD scenario's history.
pub const EOD_FIRST_DAY: i64 = -9;
/// From this day (offset from T0's plan-zone date) on, the EOD scenario has liquidity
/// deficits: inside Canary (T0 − 7d) for the simulator's T0, and still inside Canary for a
/// desk whose T0 is up to four days later.
pub const EOD_DEFICIT_FROM_DAY: i64 = -3;

/// The hot and canary wallets of the demo treasury file (`clubgate treasury demo`) and what
/// the EOD scenario says they hold at first: (wallet, network, asset, base units).
const DEMO_WALLETS: [(&str, Network, WalletAsset, u128); 10] = [
    ("hot-erc20-1", Network::Erc20, WalletAsset::Usdt, 2_000_000_000_000),
    ("hot-erc20-1", Network::Erc20, WalletAsset::Eth, 5_000_000_000_000_000_000),
    ("hot-trc20-1", Network::Trc20, WalletAsset::Usdt, 2_000_000_000_000),
    ("hot-trc20-1", Network::Trc20, WalletAsset::Trx, 20_000_000_000),
    ("hot-trc20-1", Network::Trc20, WalletAsset::Energy, 1_000_000),
    ("canary-erc20", Network::Erc20, WalletAsset::Usdt, 150_000_000_000),
    ("canary-erc20", Network::Erc20, WalletAsset::Eth, 1_000_000_000_000_000_000),
    ("canary-trc20", Network::Trc20, WalletAsset::Usdt, 150_000_000_000),
    ("canary-trc20", Network::Trc20, WalletAsset::Trx, 2_000_000_000),
    ("canary-trc20", Network::Trc20, WalletAsset::Energy, 300_000),
];

/// The EOD scenario's trust traffic, from [`EOD_FIRST_DAY`] to the end of the simulation:
/// per pair and day a session opened 10 h before its cut-off, two to five obligations
/// either way, the payer's balance 30 minutes before the cut-off, and `eod.settled` 10–60
/// minutes after it in the mode the settlement plan gives; the hot wallet of the pair's
/// network pays what is settled (a `wallet.balance` at the settlement). Before
/// [`EOD_DEFICIT_FROM_DAY`] the payer holds more than it owes (full); from it on, the day
/// and the pair pick partial, T+1 or full in turn — every pair has one of each within three
/// days. Its own generator, so the rest of the day is drawn as in a pilot day.
fn trust_days(simulation: &Simulation, end: i64) -> Vec<(i64, EventKind)> {
    let mut rng = Rng::new(simulation.seed ^ 0xE0D_DEF1C17);
    let tz = &simulation.tz;
    let hour = 60 * MINUTE_NS;
    let token_units = 1_000_000u128;
    let first_day = simulation.t0.to_zoned_datetime(tz.clone()).date();
    let last_day = i64::from(simulation.hours / 24 + 1);
    let mut out = Vec::new();
    let mut hot: Vec<(&str, Network, WalletAsset, u128)> = DEMO_WALLETS.to_vec();
    let opening = first_day.checked_add(EOD_FIRST_DAY.days()).ok().and_then(|d| d.at(6, 0, 0, 0).to_zoned_datetime(tz.clone()).ok());
    let Some(opening) = opening.map(|z| ns(z.timestamp())) else { return out };
    for (wallet, network, asset, amount) in &hot {
        out.push((opening, wallet_balance(wallet, *network, *asset, *amount)));
    }
    // Per pair: what the pair's previous session carried, positive when the first partner owes.
    let mut carries = [0i128; TRUST_PAIR_PARTNERS.len()];
    for day_offset in EOD_FIRST_DAY..=last_day {
        let Ok(day) = first_day.checked_add(day_offset.days()) else { continue };
        for (index, (pair, cut_off_hour, first, second, network, token)) in TRUST_PAIR_PARTNERS.into_iter().enumerate() {
            let Ok(cut_off) = day.at(cut_off_hour, 0, 0, 0).to_zoned_datetime(tz.clone()) else { continue };
            let cut_off_ns = ns(cut_off.timestamp());
            let opened = cut_off_ns - 10 * hour;
            if opened >= end {
                continue;
            }
            let session_id = format!("eod-{pair}-{day}");
            out.push((
                opened,
                EventKind::EodSessionOpened {
                    session_id: session_id.clone(),
                    trust_pair: pair.to_owned(),
                    cut_off_at: cut_off.timestamp(),
                },
            ));
            let mut owed = carries[index];
            for _ in 0..rng.between(2, 5) {
                let amount = u128::from(rng.between(5_000, 80_000)) * token_units;
                let first_owes = rng.unit() < 0.5;
                let (payer, payee) = if first_owes { (first, second) } else { (second, first) };
                let at = opened + (rng.between(5, 9 * 60) as i64) * MINUTE_NS;
                if at >= end {
                    continue;
                }
                owed += if first_owes { amount as i128 } else { -(amount as i128) };
                out.push((
                    at,
                    EventKind::TrustObligation {
                        session_id: session_id.clone(),
                        payer: payer.to_owned(),
                        payee: payee.to_owned(),
                        network,
                        token,
                        amount: Amount::parse(&amount.to_string()).expect("a positive amount"),
                    },
                ));
            }
            let balance_at = cut_off_ns - 30 * MINUTE_NS;
            if balance_at >= end {
                continue;
            }
            let net = owed.unsigned_abs();
            let payer = if owed > 0 { first } else { second };
            // Partial, T+1, full in turn per pair from the deficit day on; full before.
            let turn = if day_offset >= EOD_DEFICIT_FROM_DAY { (day_offset + index as i64).rem_euclid(3) } else { 2 };
            let (balance, mode) = match turn {
                _ if net == 0 => (0, SettleMode::Full),
                0 if net > 1 => (net * u128::from(rng.between(20, 80)) / 100, SettleMode::Partial),
                1 => (0, SettleMode::NextDay),
                _ => (net + u128::from(rng.between(0, 50_000)) * token_units, SettleMode::Full),
            };
            let settle = net.min(balance);
            if net > 0 {
                let amount = crate::events::Balance::parse(&balance.to_string()).expect("a balance");
                out.push((balance_at, EventKind::PartnerBalance { partner: payer.to_owned(), network, token, amount }));
            }
            let carried = (net - settle) as i128;
            carries[index] = if owed > 0 { carried } else { -carried };
            let settled = cut_off_ns + (rng.between(10, 60) as i64) * MINUTE_NS;
            if settled >= end {
                continue;
            }
            out.push((settled, EventKind::EodSettled { session_id, mode }));
            if settle > 0 {
                let wallet = hot.iter_mut().find(|(w, n, a, _)| w.starts_with("hot-") && *n == network && *a == WalletAsset::Usdt);
                if let Some((wallet, network, asset, amount)) = wallet {
                    *amount = amount.saturating_sub(settle);
                    out.push((settled, wallet_balance(wallet, *network, *asset, *amount)));
                }
            }
        }
    }
    out
}

fn wallet_balance(wallet: &str, network: Network, asset: WalletAsset, amount: u128) -> EventKind {
    EventKind::WalletBalance {
        wallet: wallet.to_owned(),
        network,
        asset,
        amount: crate::events::Balance::parse(&amount.to_string()).expect("a balance"),
    }
}
