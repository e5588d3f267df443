//! EOD settlement at the desk (PRODUCT.md "Treasury and EOD"; docs/eod.md): the transfers
//! the settlement plan of [`crate::eod`] asks for, and the EOD view of each session.
//!
//! - A transfer per entry with `settle > 0` whose cut-off is at or before now: from the
//!   network's hot wallet (the first `kind = "hot"` wallet of the network in the treasury
//!   file) to the payee's allow-listed address on that network (the allow-list entry whose
//!   `name` is the partner's), under an id derived from the session, network and token
//!   ([`payout_id`]) so that no run, process or desk can queue it twice.
//! - A blocked entry creates nothing and raises an alert naming the session.
//! - The view: per session its pair, cut-off in the pair's zone and the plan's, status, the
//!   plan's figures, and its EOD duration (`settled_at − cut_off_at`, PRODUCT.md metrics)
//!   against the EOD SLO and the rollback rule 2 threshold.

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::eod::{network_name, plan, token_name, Entry, Mode};
use crate::events::{SettleMode, Token};
use crate::launch::Launch;
use crate::ledger::{instant, ns, Ledger, MINUTE_NS};
use crate::payout::Destination;
use crate::plan::Network;
use crate::rollback::{evaluate, Evidence, Rule};
use crate::treasury::{Treasury, WalletKind};

/// The payout id of a settlement transfer: `payout-` and the first 16 bytes of
/// sha256("clubgate eod settlement", session, network, token) in hex — the shape of every
/// payout bundle id, the same on every desk for the same entry.
pub fn payout_id(session_id: &str, network: Network, token: Token) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"clubgate eod settlement");
    for part in [session_id, network_name(network), token_name(token)] {
        hasher.update(b"\n");
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    format!("payout-{}", hex::encode(&digest[..16]))
}

/// One settlement transfer to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// The plan's entry.
    pub entry: Entry,
    /// The payout (bundle) id.
    pub payout_id: String,
    /// The hot wallet that pays (its id in the treasury file).
    pub wallet: String,
    /// Its address.
    pub source: Destination,
    /// The payee's allow-listed address on the network.
    pub destination: Destination,
}

/// What the plan asks the desk to do at an instant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settlement {
    /// Transfers to queue, in entry order.
    pub transfers: Vec<Transfer>,
    /// Entries that cannot be paid under this treasury file (no hot wallet, the payee not
    /// on the allow-list): what to add, per entry.
    pub refusals: Vec<String>,
    /// Blocked entries: the treasury lead's alerts, naming the session.
    pub alerts: Vec<String>,
}

/// The treasury token of an events token.
pub fn treasury_token(token: Token) -> crate::treasury::Token {
    match token {
        Token::Usdt => crate::treasury::Token::Usdt,
        Token::Usdc => crate::treasury::Token::Usdc,
    }
}

/// The treasury lead's alerts for the blocked entries whose cut-off is at or before `now`,
/// one per entry, naming the session.
pub fn alerts(entries: &[Entry], now: Timestamp) -> Vec<String> {
    entries
        .iter()
        .filter(|e| e.cut_off <= now && e.mode == Mode::Blocked)
        .map(|entry| {
            let (network, token) = (network_name(entry.network), token_name(entry.token));
            format!(
                "EOD session {} ({}) is blocked: {} owes {} {token} base units on {network} to {} and has {} before its cut-off; \
                 before the Canary phase a deficit settles nothing — the session stays unsettled until {} is topped up or it is \
                 settled by hand",
                entry.session_id, entry.trust_pair, entry.payer, entry.net, entry.payee, entry.available, entry.payer
            )
        })
        .collect()
}

/// The transfers of the plan's `entries` whose cut-off is at or before `now`, the refusals,
/// and the alerts of the blocked entries ([`alerts`]).
pub fn transfers(treasury: &Treasury, entries: &[Entry], now: Timestamp) -> Settlement {
    let mut settlement = Settlement { alerts: alerts(entries, now), ..Settlement::default() };
    for entry in entries.iter().filter(|e| e.cut_off <= now) {
        let (network, token) = (network_name(entry.network), token_name(entry.token));
        if entry.mode == Mode::Blocked || entry.settle == 0 {
            continue;
        }
        let hot = treasury.wallets.iter().find(|w| w.kind == WalletKind::Hot && w.network == entry.network);
        let Some(hot) = hot else {
            settlement.refusals.push(format!(
                "EOD session {}: no hot wallet on {network} pays the settlement of {} {token} base units to {}; add a \
                 [[wallets]] entry with kind = \"hot\" and network = \"{network}\" to the treasury file",
                entry.session_id, entry.settle, entry.payee
            ));
            continue;
        };
        let destination = treasury.allow_names.iter().find(|(d, name)| *name == entry.payee && d.network() == entry.network);
        let Some((destination, _)) = destination else {
            settlement.refusals.push(format!(
                "EOD session {}: partner {:?} has no allow-listed address on {network}, so its settlement of {} {token} base units \
                 cannot be paid; add [[allow_list]] name = {:?}, network = \"{network}\", address = \"…\" to the treasury file \
                 (a policy change, approved by the quorum)",
                entry.session_id, entry.payee, entry.settle, entry.payee
            ));
            continue;
        };
        settlement.transfers.push(Transfer {
            entry: entry.clone(),
            payout_id: payout_id(&entry.session_id, entry.network, entry.token),
            wallet: hot.id.clone(),
            source: hot.address,
            destination: *destination,
        });
    }
    settlement
}

/// A session's status at the view's instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Its cut-off is still ahead.
    Open,
    /// `eod.settled` before the instant, in this mode.
    Settled(SettleMode),
    /// A deficit before Canary: an entry of the plan is blocked, not settled.
    Blocked,
    /// Past its cut-off and not settled.
    Unsettled,
}

impl Status {
    /// `open`, `settled full`, `settled partial`, `settled t+1`, `blocked`, `unsettled`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Settled(SettleMode::Full) => "settled full",
            Self::Settled(SettleMode::Partial) => "settled partial",
            Self::Settled(SettleMode::NextDay) => "settled t+1",
            Self::Blocked => "blocked",
            Self::Unsettled => "unsettled",
        }
    }
}

/// One session of the EOD view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    /// Session id.
    pub session_id: String,
    /// Trust pair.
    pub trust_pair: String,
    /// The pair's time zone: the treasury file's `[[trust_pairs]]`, else the plan's.
    pub pair_zone: String,
    /// Whether the treasury file names the pair's zone (else the plan zone stands in).
    pub pair_zone_known: bool,
    /// The cut-off.
    pub cut_off: Timestamp,
    /// Status.
    pub status: Status,
    /// When `eod.settled` came, if before the instant.
    pub settled_at: Option<Timestamp>,
    /// The plan's entries of the session (none while open, or when it nets to zero).
    pub entries: Vec<Entry>,
    /// EOD duration: settled − cut-off when settled; the time since the cut-off while
    /// unsettled (still running); none while open. Nanoseconds.
    pub duration: Option<i64>,
    /// The duration is over the EOD SLO (strictly).
    pub over_slo: bool,
    /// Unsettled at least the rule's minutes after its cut-off.
    pub over_rollback_threshold: bool,
    /// Among the sessions of rollback rule 2's evidence at the instant (unsettled past the
    /// threshold and the unsettled gauge not decreased over the lookback).
    pub rollback_trigger: bool,
}

/// The EOD view at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// The instant.
    pub at: Timestamp,
    /// The plan zone.
    pub plan_zone: String,
    /// The EOD SLO (p95 EOD ≤ this many minutes).
    pub slo_minutes: u32,
    /// Rollback rule 2: unsettled this many minutes after the cut-off.
    pub rollback_minutes: u32,
    /// Rule 2 triggers at the instant.
    pub rollback_triggered: bool,
    /// Sessions opened before the instant, in entry order (cut-off, then id).
    pub sessions: Vec<SessionView>,
    /// What the plan asks for at the instant.
    pub settlement: Settlement,
}

/// The EOD view at `at`: the sessions of `ledger` opened before `at`, the settlement plan at
/// `at`, the durations against the plan's EOD SLO and rollback rule 2.
pub fn view(launch: &Launch, ledger: &Ledger, treasury: Option<&Treasury>, at: Timestamp) -> Result<View, String> {
    let plan_zone = launch.t0.zoned().time_zone().clone();
    let plan_zone_name = plan_zone.iana_name().unwrap_or("UTC").to_owned();
    let entries = plan(launch, ledger, at)?;
    let at_ns = ns(at);
    let slo_minutes = launch.plan.slos.eod_p95_max_minutes;
    let rule = &launch.plan.rollback.eod_unsettled;
    let evaluation = evaluate(ledger, &launch.plan, &plan_zone, at_ns);
    let triggered: Vec<&str> = evaluation
        .triggers
        .iter()
        .filter(|t| t.rule == Rule::EodUnsettled)
        .flat_map(|t| match &t.evidence {
            Evidence::EodUnsettled { sessions, .. } => sessions.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .collect();
    let mut order: Vec<_> = ledger.sessions.iter().filter(|s| s.opened < at_ns).collect();
    order.sort_by(|a, b| (a.cut_off, &a.id).cmp(&(b.cut_off, &b.id)));
    let sessions = order
        .into_iter()
        .map(|session| {
            let own: Vec<Entry> = entries.iter().filter(|e| e.session_id == session.id).cloned().collect();
            let settled = session.settled.filter(|(when, _)| *when < at_ns);
            let status = match settled {
                Some((_, mode)) => Status::Settled(mode),
                None if session.cut_off > at_ns => Status::Open,
                None if own.iter().any(|e| e.mode == Mode::Blocked) => Status::Blocked,
                None => Status::Unsettled,
            };
            let duration = match settled {
                Some((when, _)) => Some(when - session.cut_off),
                None if session.cut_off <= at_ns => Some(at_ns - session.cut_off),
                None => None,
            };
            let zone = treasury.and_then(|t| t.trust_pair_zone(&session.trust_pair));
            SessionView {
                session_id: session.id.clone(),
                trust_pair: session.trust_pair.clone(),
                pair_zone: zone.unwrap_or(&plan_zone_name).to_owned(),
                pair_zone_known: zone.is_some(),
                cut_off: instant(session.cut_off),
                status,
                settled_at: settled.map(|(when, _)| instant(when)),
                entries: own,
                duration,
                over_slo: duration.is_some_and(|d| d > i64::from(slo_minutes) * MINUTE_NS),
                over_rollback_threshold: settled.is_none()
                    && session.cut_off <= at_ns
                    && at_ns - session.cut_off >= i64::from(rule.after_cut_off_minutes) * MINUTE_NS,
                rollback_trigger: triggered.contains(&session.id.as_str()),
            }
        })
        .collect();
    let settlement = match treasury {
        Some(treasury) => transfers(treasury, &entries, at),
        None => Settlement { alerts: alerts(&entries, at), ..Settlement::default() },
    };
    Ok(View {
        at,
        plan_zone: plan_zone_name,
        slo_minutes,
        rollback_minutes: rule.after_cut_off_minutes,
        rollback_triggered: !triggered.is_empty(),
        sessions,
        settlement,
    })
}
