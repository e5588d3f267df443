//! The EOD view (`settlement::view`) by hand: the status of each session, the duration
//! (`settled_at − cut_off_at`, running while unsettled) against the 60-minute SLO (strictly
//! over it is a breach) and rollback rule 2 (unsettled 90 minutes or more after the cut-off,
//! and in the rule's evidence only without improvement), the pair's zone from the treasury
//! file, and the blocked session's alert.

use clubgate_core::events::{Amount, Balance, Event, EventKind, SettleMode, Token};
use clubgate_core::launch::Launch;
use clubgate_core::ledger::Ledger;
use clubgate_core::plan::Network;
use clubgate_core::settlement::{view, Status};
use clubgate_core::treasury::Treasury;
use clubgate_core::{DEFAULT_PLAN_TOML, EXAMPLE_TREASURY_TOML};
use jiff::Timestamp;

const MINUTE: i64 = 60;

fn t(text: &str) -> Timestamp {
    text.parse().unwrap()
}

struct Book(Ledger, u64);

impl Book {
    fn push(&mut self, at: Timestamp, kind: EventKind) {
        self.1 += 1;
        self.0.apply(&Event { seq: self.1, id: u128::from(self.1), at, kind }).unwrap();
    }
    fn session(&mut self, id: &str, pair: &str, cut_off: Timestamp, payer: &str, payee: &str, amount: u128) {
        self.push(
            cut_off - jiff::SignedDuration::from_hours(8),
            EventKind::EodSessionOpened { session_id: id.into(), trust_pair: pair.into(), cut_off_at: cut_off },
        );
        self.push(
            cut_off - jiff::SignedDuration::from_hours(7),
            EventKind::TrustObligation {
                session_id: id.into(),
                payer: payer.into(),
                payee: payee.into(),
                network: Network::Trc20,
                token: Token::Usdt,
                amount: Amount::parse(&amount.to_string()).unwrap(),
            },
        );
    }
    fn settled(&mut self, id: &str, at: Timestamp) {
        self.push(at, EventKind::EodSettled { session_id: id.into(), mode: SettleMode::Full });
    }
}

fn after(at: Timestamp, minutes: i64) -> Timestamp {
    at + jiff::SignedDuration::from_secs(minutes * MINUTE)
}

#[test]
fn statuses_and_durations_against_60_and_90_minutes() {
    // T0 2026-12-07 10:00 Warsaw: Canary from 2026-11-30 10:00 (09:00Z).
    let launch = Launch::new(DEFAULT_PLAN_TOML, "2026-12-07T10:00", None).unwrap();
    let treasury =
        Treasury::from_toml(&format!("{EXAMPLE_TREASURY_TOML}\n[[trust_pairs]]\nname = \"ny\"\ntime_zone = \"America/New_York\"\n"))
            .unwrap();
    let mut book = Book(Ledger::default(), 0);
    let c = t("2026-12-02T17:00:00Z");
    // Enough balance for everyone but the pre-Canary session.
    for partner in ["a", "c", "e", "g"] {
        book.push(
            t("2026-11-25T00:00:00Z"),
            EventKind::PartnerBalance {
                partner: partner.into(),
                network: Network::Trc20,
                token: Token::Usdt,
                amount: Balance::parse("1000000000").unwrap(),
            },
        );
    }
    book.session("s-exact", "p1", c, "a", "b", 100);
    book.session("s-late", "p2", c, "c", "d", 100);
    book.session("s-stuck", "ny", c, "e", "f", 100);
    book.session("s-open", "p4", after(c, 200), "g", "h", 100);
    // Before Canary, owing more than a zero balance: blocked.
    book.session("s-blocked", "p5", t("2026-11-27T17:00:00Z"), "x", "y", 100);
    book.settled("s-exact", after(c, 60));
    book.settled("s-late", after(c, 61));
    let at = after(c, 95);
    let v = view(&launch, &book.0, Some(&treasury), at).unwrap();
    assert_eq!((v.slo_minutes, v.rollback_minutes), (60, 90));
    let s = |id: &str| v.sessions.iter().find(|s| s.session_id == id).unwrap();
    // Exactly 60 minutes is within the SLO; 61 is a breach.
    assert_eq!(
        (s("s-exact").status, s("s-exact").duration, s("s-exact").over_slo),
        (Status::Settled(SettleMode::Full), Some(60 * 60_000_000_000), false)
    );
    assert!(s("s-late").over_slo && !s("s-late").over_rollback_threshold);
    // Unsettled 95 minutes after the cut-off: running duration, over both thresholds; in rule
    // 2's evidence (the gauge did not decrease over the last 30 minutes: 2 → 2).
    let stuck = s("s-stuck");
    assert_eq!(stuck.status, Status::Unsettled);
    assert_eq!(stuck.duration, Some(95 * 60_000_000_000));
    assert!(stuck.over_slo && stuck.over_rollback_threshold && stuck.rollback_trigger);
    assert!(v.rollback_triggered);
    // Its pair's zone from the treasury file; the others fall back to the plan zone.
    assert_eq!((stuck.pair_zone.as_str(), stuck.pair_zone_known), ("America/New_York", true));
    assert_eq!((s("s-exact").pair_zone.as_str(), s("s-exact").pair_zone_known), ("Europe/Warsaw", false));
    // Open: no duration; blocked: the status, the alert naming it, no transfer.
    assert_eq!((s("s-open").status, s("s-open").duration), (Status::Open, None));
    let blocked = s("s-blocked");
    assert_eq!(blocked.status, Status::Blocked);
    assert!(blocked.rollback_trigger, "a blocked session stays unsettled");
    assert_eq!(v.settlement.alerts.len(), 1);
    assert!(v.settlement.alerts[0].contains("s-blocked"));
    assert!(v.settlement.transfers.iter().all(|t| t.entry.session_id != "s-blocked"));
    // Sessions in entry order: cut-off, then id.
    let order: Vec<&str> = v.sessions.iter().map(|s| s.session_id.as_str()).collect();
    assert_eq!(order, ["s-blocked", "s-exact", "s-late", "s-stuck", "s-open"]);

    // 89 minutes after the cut-off: over the SLO, not yet at the rollback threshold.
    let early = view(&launch, &book.0, Some(&treasury), after(c, 89)).unwrap();
    let stuck = early.sessions.iter().find(|s| s.session_id == "s-stuck").unwrap();
    assert!(stuck.over_slo && !stuck.over_rollback_threshold && !stuck.rollback_trigger);
    // Exactly 90 minutes: at the threshold ("at or before t − 90 min").
    let ninety = view(&launch, &book.0, Some(&treasury), after(c, 90)).unwrap();
    assert!(ninety.sessions.iter().find(|s| s.session_id == "s-stuck").unwrap().over_rollback_threshold);
    // The settlement a second before its instant is not counted as settled.
    let before = view(&launch, &book.0, Some(&treasury), after(c, 60)).unwrap();
    assert_eq!(before.sessions.iter().find(|s| s.session_id == "s-exact").unwrap().status, Status::Unsettled);
}
