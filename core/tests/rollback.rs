//! Goal: the four rollback rules of PRODUCT.md fire exactly at their edges — strict
//! thresholds (30 min, 98.0%), two *consecutive* windows, a growing queue, 90 minutes
//! after cut-off with and without improvement, SEV1 but not SEV2 — and the recommendation
//! takes the narrowest scope that explains the breach.

use clubgate_core::events::{Amount, Event, EventKind, SettleMode, Token};
use clubgate_core::ledger::Scope;
use clubgate_core::ledger::{ns, Ledger};
use clubgate_core::plan::{Network, Plan};
use clubgate_core::rollback::{evaluate, Evaluation, Evidence, Recommendation, Rule};
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// A ledger written event by event; times are UTC on 2026-12-07 ("10:15", "09:44:59.999999999").
#[derive(Default)]
struct Log {
    ledger: Ledger,
    seq: u64,
}

fn t(hhmm: &str) -> Timestamp {
    let text = if hhmm.len() == 5 { format!("2026-12-07T{hhmm}:00Z") } else { format!("2026-12-07T{hhmm}Z") };
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

impl Log {
    fn push(&mut self, at: &str, kind: EventKind) -> &mut Self {
        self.seq += 1;
        let event = Event { seq: self.seq, id: u128::from(self.seq), at: t(at), kind };
        self.ledger.apply(&event).unwrap_or_else(|e| panic!("event {}: {e}", self.seq));
        self
    }
    fn accept(&mut self, id: &str, wallet: &str, at: &str) -> &mut Self {
        let network = if wallet.contains("trc20") { Network::Trc20 } else { Network::Erc20 };
        let kind = EventKind::PayoutAccepted {
            payout_id: id.into(),
            network,
            token: Token::Usdt,
            wallet: wallet.into(),
            partner: "partner-m".into(),
            amount: Amount::parse("1000000").unwrap(),
        };
        self.push(at, kind)
    }
    fn confirm(&mut self, id: &str, at: &str) -> &mut Self {
        self.push(at, EventKind::PayoutConfirmed { payout_id: id.into() })
    }
    fn attempt(&mut self, status: u16, at: &str) -> &mut Self {
        self.push(at, EventKind::WebhookAttempt { webhook_id: format!("wh-{}", self.seq), partner: "partner-l".into(), status })
    }
    fn dead_letter(&mut self, id: &str, at: &str) -> &mut Self {
        self.push(at, EventKind::WebhookDeadLettered { webhook_id: id.into(), partner: "partner-l".into() })
    }
    fn session(&mut self, id: &str, cut_off: &str, opened: &str) -> &mut Self {
        self.push(opened, EventKind::EodSessionOpened { session_id: id.into(), trust_pair: "pair-s-m".into(), cut_off_at: t(cut_off) })
    }
    fn settle(&mut self, id: &str, at: &str) -> &mut Self {
        self.push(at, EventKind::EodSettled { session_id: id.into(), mode: SettleMode::Full })
    }
    fn incident(&mut self, id: &str, sev: u8, at: &str) -> &mut Self {
        self.push(at, EventKind::IncidentOpened { incident_id: id.into(), sev, title: "RPC".into() })
    }
    fn evaluate(&self, at: &str) -> Evaluation {
        evaluate(&self.ledger, &Plan::default_v1(), &TimeZone::get("Europe/Warsaw").unwrap(), ns(t(at)))
    }
}

fn rules(evaluation: &Evaluation) -> Vec<(Rule, String)> {
    evaluation.triggers.iter().map(|t| (t.rule, t.scope.label())).collect()
}

/// Payout A accepted at `accepted` is in flight at 10:15 (window 1) and confirmed at 10:16
/// (window 2, 31+ min); B arrives at 10:20 so the queue grows from 10:00 to 10:30.
fn two_windows(accepted: &str) -> Log {
    let mut log = Log::default();
    log.accept("A", "hot-trc20-a", accepted).accept("B", "hot-trc20-a", "10:20").accept("C", "hot-trc20-a", "10:21").confirm("A", "10:16");
    log
}

#[test]
fn pass_through_exactly_30_minutes_does_not_trigger_one_nanosecond_more_does() {
    // At 10:15 A's age is exactly 30:00 → window 1's p95 is 30 min, not above it.
    assert_eq!(two_windows("09:45").evaluate("10:30").recommendation, Recommendation::None);
    let breach = two_windows("09:44:59.999999999").evaluate("10:30");
    assert_eq!(breach.recommendation, Recommendation::Partial(Scope::Wallet("hot-trc20-a".into())));
    let trigger = &breach.triggers[0];
    assert_eq!(trigger.since, ns(t("10:30")));
    let Evidence::PassThrough { windows, threshold, queue_depth_start, queue_depth_end } = &trigger.evidence else { panic!("evidence") };
    assert_eq!(*threshold, 30 * 60_000_000_000);
    assert_eq!(windows[0].p95, Some(30 * 60_000_000_000 + 1));
    assert_eq!((windows[0].start, windows[1].end), (ns(t("10:00")), ns(t("10:30"))));
    assert_eq!((*queue_depth_start, *queue_depth_end), (1, 2));
}

#[test]
fn pass_through_needs_consecutive_windows_and_a_growing_queue() {
    // Breach in [10:00,10:15) and [10:30,10:45), healthy in between: never two in a row.
    let mut log = Log::default();
    log.accept("A", "hot-trc20-a", "09:40").confirm("A", "10:14");
    log.accept("M", "hot-trc20-a", "10:16").confirm("M", "10:17");
    log.accept("B", "hot-trc20-a", "10:05").confirm("B", "10:44");
    log.accept("C", "hot-trc20-a", "10:40");
    assert_eq!(log.evaluate("10:45").recommendation, Recommendation::None, "non-consecutive breaches");

    // Two bad windows but the queue is flat: one in flight at 10:00, one at 10:30.
    let mut flat = Log::default();
    flat.accept("A", "hot-trc20-a", "09:40").confirm("A", "10:20").accept("B", "hot-trc20-a", "09:55");
    assert_eq!(flat.ledger.queue_depth(&Scope::Global, ns(t("10:00"))), 2);
    assert_eq!(flat.ledger.queue_depth(&Scope::Global, ns(t("10:30"))), 1);
    assert_eq!(flat.evaluate("10:30").recommendation, Recommendation::None, "queue not growing");
}

#[test]
fn since_is_where_the_breach_started() {
    let mut log = Log::default();
    log.accept("A", "hot-trc20-a", "09:40").accept("B", "hot-trc20-a", "10:20").accept("C", "hot-trc20-a", "10:21").accept(
        "D",
        "hot-trc20-a",
        "10:35",
    );
    assert_eq!(log.evaluate("10:29").recommendation, Recommendation::None);
    let later = log.evaluate("10:47");
    assert_eq!(later.triggers[0].since, ns(t("10:30")), "true at 10:30 and 10:45, evaluated at 10:47");
}

#[test]
fn the_recommendation_takes_the_narrowest_scope() {
    // Two TRC-20 wallets stuck → partial of the network.
    let mut network = Log::default();
    network.accept("A", "hot-trc20-a", "09:40").accept("B", "hot-trc20-b", "09:41").accept("C", "hot-trc20-a", "10:20").accept(
        "D",
        "hot-trc20-b",
        "10:21",
    );
    let evaluation = network.evaluate("10:30");
    assert_eq!(evaluation.recommendation, Recommendation::Partial(Scope::Network(Network::Trc20)));
    assert!(rules(&evaluation).contains(&(Rule::PassThrough, "network:trc20".into())));
    // A healthy ERC-20 flow alongside keeps it partial.
    let mut mixed = Log::default();
    mixed.accept("A", "hot-trc20-a", "09:40").accept("B", "hot-trc20-b", "09:41").accept("C", "hot-trc20-a", "10:20").accept(
        "D",
        "hot-trc20-b",
        "10:21",
    );
    for (i, minute) in ["10:01", "10:05", "10:09", "10:16", "10:22", "10:26"].iter().enumerate() {
        let id = format!("E{i}");
        mixed.accept(&id, "hot-erc20-a", minute);
    }
    for (i, minute) in ["10:03", "10:07", "10:11", "10:18", "10:24", "10:28"].iter().enumerate() {
        mixed.confirm(&format!("E{i}"), minute);
    }
    assert_eq!(mixed.evaluate("10:30").recommendation, Recommendation::Partial(Scope::Network(Network::Trc20)));
    // Both networks stuck → full.
    let mut both = Log::default();
    both.accept("A", "hot-trc20-a", "09:40").accept("B", "hot-erc20-a", "09:41").accept("C", "hot-trc20-a", "10:20").accept(
        "D",
        "hot-erc20-a",
        "10:21",
    );
    assert_eq!(both.evaluate("10:30").recommendation, Recommendation::Full);
}

fn webhooks(ok: usize, failed: usize, dead_letter: bool) -> Log {
    let mut log = Log::default();
    for i in 0..ok + failed {
        let second = i % 50;
        let at = format!("10:{:02}:{:02}", 16 + i / 50 % 13, second);
        log.attempt(if i < ok { 200 } else { 503 }, &at);
    }
    if dead_letter {
        log.dead_letter("wh-dead", "10:20");
    }
    log
}

#[test]
fn webhook_success_at_exactly_98_percent_does_not_trigger() {
    assert_eq!(webhooks(49, 1, true).evaluate("10:30").recommendation, Recommendation::None, "98.0%");
    assert_eq!(webhooks(980, 20, true).evaluate("10:30").recommendation, Recommendation::None, "98.0% of 1000");
    let below = webhooks(979, 21, true).evaluate("10:30");
    assert_eq!(below.recommendation, Recommendation::Full, "97.9%");
    assert_eq!(rules(&below), [(Rule::Webhooks, "global".into())]);
    let Evidence::Webhooks { succeeded, attempts, dead_letter_start, dead_letter_end, .. } = below.triggers[0].evidence else { panic!() };
    assert_eq!((succeeded, attempts, dead_letter_start, dead_letter_end), (979, 1000, 0, 1));
    assert_eq!(webhooks(48, 2, false).evaluate("10:30").recommendation, Recommendation::None, "dead-letter queue flat");
    assert_eq!(webhooks(0, 0, true).evaluate("10:30").recommendation, Recommendation::None, "no attempts is no data");
}

#[test]
fn eod_unsettled_at_89_and_90_minutes_with_and_without_improvement() {
    let mut log = Log::default();
    log.session("s1", "17:00", "08:00");
    assert_eq!(log.evaluate("18:29:59.999999999").recommendation, Recommendation::None, "+89:59.999999999");
    let at_90 = log.evaluate("18:30");
    assert_eq!(at_90.recommendation, Recommendation::Full, "+90 min");
    assert_eq!(at_90.triggers[0].since, ns(t("18:30")));
    let Evidence::EodUnsettled { gauge_now, gauge_before, .. } = &at_90.triggers[0].evidence else { panic!() };
    assert_eq!((*gauge_now, *gauge_before), (1, 1), "no improvement: G(t) ≥ G(t − 30 min)");

    // A second session past its cut-off settles at 18:10: G drops from 2 to 1 → improvement.
    let mut improving = Log::default();
    improving.session("s1", "17:00", "08:00").session("s2", "17:30", "08:00").settle("s2", "18:10");
    assert_eq!(improving.evaluate("18:30").recommendation, Recommendation::None);
    // s2 settled at 18:10 counts only after 18:10, so G(18:10) is still 2.
    assert_eq!(improving.evaluate("18:40").recommendation, Recommendation::None, "G(18:40)=1 < G(18:10)=2");
    let later = improving.evaluate("18:40:00.000000001");
    assert_eq!(later.recommendation, Recommendation::Full, "G(t)=1 ≥ G(t − 30 min)=1");
    assert_eq!(later.triggers[0].since, ns(t("18:40:00.000000001")));
    // Settled sessions do not count.
    let mut settled = Log::default();
    settled.session("s1", "17:00", "08:00").settle("s1", "18:29");
    assert_eq!(settled.evaluate("18:30").recommendation, Recommendation::None);
}

#[test]
fn sev1_triggers_full_sev2_does_not() {
    let mut log = Log::default();
    log.incident("i2", 2, "10:00");
    assert_eq!(log.evaluate("10:05").recommendation, Recommendation::None);
    log.incident("i1", 1, "10:10");
    assert_eq!(log.evaluate("10:10").recommendation, Recommendation::None, "opened at 10:10 counts after 10:10");
    let open = log.evaluate("10:11");
    assert_eq!((open.recommendation.clone(), rules(&open)), (Recommendation::Full, vec![(Rule::Sev1, "global".into())]));
    log.push("10:20", EventKind::IncidentResolved { incident_id: "i1".into() });
    assert_eq!(log.evaluate("10:21").recommendation, Recommendation::None);
}
