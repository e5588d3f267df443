//! Goal: the metrics follow PRODUCT.md "Metrics" exactly — nearest-rank p95 on exact
//! values (checked against a sort-based oracle), windows aligned to the plan zone's wall
//! clock across DST, in-flight payouts counted at their age, failed ones never, "no data"
//! distinct from zero — and bad event lines are reported by number while valid ones stay.

use clubgate_core::events::{parse_jsonl, Event};
use clubgate_core::ledger::{instant, ns, p95, window_start, Scope};
use clubgate_core::plan::Plan;
use clubgate_core::report::{report, Period};
use clubgate_core::simulate::{simulate, Scenario, Simulation};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use proptest::prelude::*;

fn warsaw() -> TimeZone {
    TimeZone::get("Europe/Warsaw").unwrap()
}

fn at(text: &str) -> i64 {
    ns(text.parse::<Timestamp>().unwrap())
}

proptest! {
    #[test]
    fn p95_is_the_nearest_rank_of_the_sorted_samples(mut samples in proptest::collection::vec(-1_000_000i64..10_000_000_000, 1..400)) {
        let mut sorted = samples.clone();
        sorted.sort_unstable();
        let rank = (sorted.len() * 95).div_ceil(100);
        prop_assert_eq!(p95(&mut samples), Some(sorted[rank - 1]));
    }

    #[test]
    fn windows_align_to_the_warsaw_wall_clock_across_dst(seconds in 1_767_225_600i64..1_830_297_600, minutes in prop::sample::select(vec![5u32, 15, 30, 60])) {
        // 2026-01-01 … 2027-12-31, both DST transitions of each year.
        let t = seconds * 1_000_000_000 + 123;
        let start = window_start(t, &warsaw(), minutes);
        let width = i64::from(minutes) * 60_000_000_000;
        prop_assert!(start <= t && t < start + width);
        let local = instant(start).to_zoned_datetime(warsaw());
        prop_assert_eq!(local.second(), 0);
        prop_assert_eq!(i64::from(local.minute()) % i64::from(minutes.min(60)), 0);
        // The next window starts where this one ends: windows tile time.
        prop_assert_eq!(window_start(start + width, &warsaw(), minutes), start + width);
    }
}

#[test]
fn windows_follow_the_local_wall_clock_in_a_half_hour_zone() {
    let kolkata = TimeZone::get("Asia/Kolkata").unwrap();
    // 10:10 UTC is 15:40 in Kolkata: its 15-minute window starts at 15:30 local = 10:00 UTC.
    assert_eq!(window_start(at("2026-12-07T10:10:00Z"), &kolkata, 15), at("2026-12-07T10:00:00Z"));
    // Its hour window starts at 15:00 local = 09:30 UTC, not at 10:00 UTC.
    assert_eq!(window_start(at("2026-12-07T10:10:00Z"), &kolkata, 60), at("2026-12-07T09:30:00Z"));
}

const LINES: &str = r#"{"seq":1,"id":"00000000-0000-4000-8000-000000000001","at":"2026-12-07T09:40:00Z","kind":"payout.accepted","payout_id":"A","network":"trc20","token":"USDT","wallet":"w1","partner":"p","amount":"1000000"}
{"seq":2,"id":"00000000-0000-4000-8000-000000000002","at":"2026-12-07T10:01:00Z","kind":"payout.accepted","payout_id":"B","network":"erc20","token":"USDC","wallet":"w2","partner":"p","amount":"5"}
{"seq":3,"id":"00000000-0000-4000-8000-000000000003","at":"2026-12-07T10:03:00Z","kind":"payout.confirmed","payout_id":"B"}
{"seq":4,"id":"00000000-0000-4000-8000-000000000004","at":"2026-12-07T10:05:00Z","kind":"payout.accepted","payout_id":"C","network":"erc20","token":"USDT","wallet":"w2","partner":"p","amount":"7"}
{"seq":5,"id":"00000000-0000-4000-8000-000000000005","at":"2026-12-07T10:06:00Z","kind":"payout.failed","payout_id":"C","reason":"reverted"}
{"seq":6,"id":"00000000-0000-4000-8000-000000000006","at":"2026-12-07T10:07:00Z","kind":"webhook.attempt","webhook_id":"h1","partner":"p","status":200}
{"seq":7,"id":"00000000-0000-4000-8000-000000000007","at":"2026-12-07T10:08:00Z","kind":"webhook.attempt","webhook_id":"h1","partner":"p","status":0}
"#;

#[test]
fn a_window_counts_confirmed_and_in_flight_payouts_never_failed_ones() {
    let (ledger, errors) = parse_jsonl(LINES);
    assert!(errors.is_empty(), "{errors:?}");
    let plan = Plan::default_v1();
    let period = Period { from: at("2026-12-07T10:00:00Z"), to: at("2026-12-07T10:30:00Z"), window_minutes: 15, t0: None };
    let report = report(&ledger, &plan, &warsaw(), period).unwrap();
    let global: Vec<_> = report.windows.iter().filter(|w| w.scope == Scope::Global).collect();
    assert_eq!(global.len(), 2);
    // [10:00, 10:15): B confirmed after 2 min; A in flight at 10:15, age 35 min; C failed.
    assert_eq!(global[0].pass_through_p95, Some(35 * 60_000_000_000));
    assert_eq!((global[0].payouts_confirmed, global[0].in_flight, global[0].queue_depth_end), (1, 1, 1));
    assert_eq!(global[0].webhooks, Some((1, 2)));
    assert_eq!(global[0].dead_letter_depth_end, Some(0));
    // [10:15, 10:30): only A, at 50 min; no webhook attempts is no data, not 0%.
    assert_eq!(global[1].pass_through_p95, Some(50 * 60_000_000_000));
    assert_eq!(global[1].webhooks, None);
    let erc20: Vec<_> = report.windows.iter().filter(|w| w.scope == Scope::Network(clubgate_core::plan::Network::Erc20)).collect();
    assert_eq!(erc20[0].pass_through_p95, Some(2 * 60_000_000_000));
    assert_eq!(erc20[1].pass_through_p95, None, "no samples is no data");
    assert_eq!(report.slo.pass_through.total, 2);
    assert_eq!(report.slo.pass_through.met, 0);
}

#[test]
fn bad_lines_are_reported_by_number_and_valid_ones_kept() {
    let mut text = String::from(LINES);
    text.push_str("not json\n");
    text.push_str(
        r#"{"seq":9,"id":"00000000-0000-4000-8000-000000000009","at":"2026-12-07T10:09:00Z","kind":"payout.teleported","payout_id":"A"}"#,
    );
    text.push('\n');
    text.push_str(
        r#"{"seq":3,"id":"00000000-0000-4000-8000-00000000000a","at":"2026-12-07T10:09:00Z","kind":"payout.confirmed","payout_id":"A"}"#,
    );
    text.push('\n');
    text.push_str(
        r#"{"seq":11,"id":"00000000-0000-4000-8000-000000000001","at":"2026-12-07T10:09:00Z","kind":"payout.confirmed","payout_id":"A"}"#,
    );
    text.push('\n');
    text.push_str(
        r#"{"seq":12,"id":"00000000-0000-4000-8000-00000000000c","at":"2026-12-07T10:09:00Z","kind":"payout.confirmed","payout_id":"Z"}"#,
    );
    text.push('\n');
    text.push_str(r#"{"seq":13,"id":"00000000-0000-4000-8000-00000000000d","at":"2026-12-07T10:09:00Z","kind":"eod.settled","session_id":"nope","mode":"full"}"#);
    text.push('\n');
    text.push_str(r#"{"seq":14,"id":"00000000-0000-4000-8000-00000000000e","at":"2026-12-07T10:09:00Z","kind":"payout.accepted","payout_id":"D","network":"erc20","token":"USDT","wallet":"w2","partner":"p","amount":"1.5"}"#);
    text.push('\n');
    text.push_str(
        r#"{"seq":15,"id":"00000000-0000-4000-8000-00000000000f","at":"2026-12-07T10:10:00Z","kind":"payout.confirmed","payout_id":"A"}"#,
    );
    text.push('\n');
    let (ledger, errors) = parse_jsonl(&text);
    let found: Vec<(usize, bool)> = errors.iter().map(|e| (e.line, !e.reason.is_empty())).collect();
    assert_eq!(found.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [8, 9, 10, 11, 12, 13, 14]);
    let reasons: Vec<&str> = errors.iter().map(|e| e.reason.as_str()).collect();
    assert!(reasons[0].contains("not a valid event"), "{}", reasons[0]);
    assert!(reasons[1].contains("unknown kind \"payout.teleported\""), "{}", reasons[1]);
    assert!(reasons[2].contains("seq 3 is out of order"), "{}", reasons[2]);
    assert!(reasons[3].contains("duplicate event id"), "{}", reasons[3]);
    assert!(reasons[4].contains("payout \"Z\" is unknown"), "{}", reasons[4]);
    assert!(reasons[5].contains("EOD session \"nope\" is unknown"), "{}", reasons[5]);
    assert!(reasons[6].contains("amount \"1.5\""), "{}", reasons[6]);
    // The last line is valid and kept: A is confirmed.
    assert_eq!(ledger.events, 8);
    assert_eq!(ledger.queue_depth(&Scope::Global, at("2026-12-07T11:00:00Z")), 0);
}

fn run(scenario: Scenario, seed: u64) -> Vec<Event> {
    simulate(&Simulation { scenario, t0: "2026-12-07T09:00:00Z".parse().unwrap(), tz: warsaw(), seed, hours: 24 })
}

#[test]
fn the_simulator_is_deterministic_and_writes_valid_jsonl() {
    for name in Scenario::NAMES {
        let scenario: Scenario = name.parse().unwrap();
        let events = run(scenario, 11);
        assert_eq!(events, run(scenario, 11), "{name}: same seed, same events");
        assert_ne!(events, run(scenario, 12), "{name}: another seed, other events");
        let text: String = events.iter().map(|e| e.to_json() + "\n").collect();
        let (ledger, errors) = parse_jsonl(&text);
        assert!(errors.is_empty(), "{name}: {:?}", &errors[..errors.len().min(3)]);
        assert_eq!(ledger.events, events.len());
        assert!(events.len() > 2_000, "{name}: a day of pilot traffic");
        assert_eq!(ledger.wallets.len(), 6, "{name}: four hot wallets and two canaries");
        assert_eq!(ledger.sessions.iter().map(|s| s.trust_pair.as_str()).collect::<std::collections::BTreeSet<_>>().len(), 2);
    }
    assert!("pilot-night".parse::<Scenario>().unwrap_err().contains("pilot-day"));
}

/// A brute-force oracle over `Ledger::payouts` for the indexed queries.
fn naive(ledger: &clubgate_core::ledger::Ledger, scope: &Scope, start: i64, end: i64) -> (Vec<i64>, u64) {
    let in_scope = |p: &clubgate_core::ledger::Payout| match scope {
        Scope::Global => true,
        Scope::Network(n) => p.network == *n,
        Scope::Wallet(w) => ledger.wallets[p.wallet as usize].0 == *w,
    };
    let mut samples = Vec::new();
    for p in ledger.payouts.iter().filter(|p| in_scope(p) && p.accepted < end) {
        match p.end {
            Some((at, true)) if at >= start && at < end => samples.push(at - p.accepted),
            Some((at, _)) if at < end => {}
            _ => samples.push(end - p.accepted),
        }
    }
    samples.sort_unstable();
    let depth = ledger.payouts.iter().filter(|p| in_scope(p) && p.accepted < end && p.end.is_none_or(|(at, _)| at >= end)).count() as u64;
    (samples, depth)
}

proptest! {
    #[test]
    fn indexed_queries_match_a_brute_force_oracle(
        payouts in proptest::collection::vec((0i64..600, proptest::option::of((0i64..300, any::<bool>())), 0usize..3), 1..60),
        probes in proptest::collection::vec(0i64..1000, 1..8),
    ) {
        // Acceptances arrive out of time order too; each ends (or not) after it starts.
        let mut ledger = clubgate_core::ledger::Ledger::default();
        let mut seq = 0u64;
        let mut push = |ledger: &mut clubgate_core::ledger::Ledger, minute: i64, kind: clubgate_core::events::EventKind| {
            seq += 1;
            let at = jiff::Timestamp::from_second(1_796_634_000 + minute * 60).unwrap();
            ledger.apply(&Event { seq, id: u128::from(seq), at, kind }).unwrap();
        };
        let wallets = [("w-erc20", clubgate_core::plan::Network::Erc20), ("w-trc20-a", clubgate_core::plan::Network::Trc20), ("w-trc20-b", clubgate_core::plan::Network::Trc20)];
        for (i, (accepted, end, wallet)) in payouts.iter().enumerate() {
            let (name, network) = wallets[*wallet];
            push(&mut ledger, *accepted, clubgate_core::events::EventKind::PayoutAccepted {
                payout_id: format!("p{i}"), network, token: clubgate_core::events::Token::Usdt,
                wallet: name.into(), partner: "x".into(), amount: clubgate_core::events::Amount::parse("1").unwrap() });
            if let Some((after, confirmed)) = end {
                let kind = if *confirmed {
                    clubgate_core::events::EventKind::PayoutConfirmed { payout_id: format!("p{i}") }
                } else {
                    clubgate_core::events::EventKind::PayoutFailed { payout_id: format!("p{i}"), reason: "r".into() }
                };
                push(&mut ledger, accepted + after, kind);
            }
        }
        for scope in ledger.scopes() {
            for probe in &probes {
                let end = ns(jiff::Timestamp::from_second(1_796_634_000 + probe * 60).unwrap());
                let start = end - 15 * 60_000_000_000;
                let (mut samples, _, _) = ledger.pass_through_samples(&scope, start, end);
                samples.sort_unstable();
                let (expected, depth) = naive(&ledger, &scope, start, end);
                prop_assert_eq!(&samples, &expected, "{:?} [{}, {})", scope, start, end);
                prop_assert_eq!(ledger.queue_depth(&scope, end), depth);
            }
        }
    }
}
