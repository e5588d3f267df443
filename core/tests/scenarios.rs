//! Goal: each simulated scenario shows what its name promises when the rollback rules
//! are evaluated every 15 minutes of the day, for several seeds.

use std::collections::BTreeSet;

use clubgate_core::ledger::Scope;
use clubgate_core::ledger::{ns, Ledger};
use clubgate_core::plan::{Network, Plan};
use clubgate_core::report::{report, Period};
use clubgate_core::rollback::{evaluate, Recommendation, Rule};
use clubgate_core::simulate::{simulate, Scenario, Simulation};
use jiff::tz::TimeZone;
use jiff::Timestamp;

const MINUTE: i64 = 60_000_000_000;

fn ledger(scenario: Scenario, seed: u64) -> (Ledger, i64) {
    let t0: Timestamp = "2026-12-07T09:00:00Z".parse().unwrap();
    let tz = TimeZone::get("Europe/Warsaw").unwrap();
    let mut ledger = Ledger::default();
    for event in simulate(&Simulation { scenario, t0, tz, seed, hours: 24 }) {
        ledger.apply(&event).unwrap();
    }
    (ledger, ns(t0))
}

/// (minutes after T0, recommendation, rules) for every quarter hour of the day.
fn day(scenario: Scenario, seed: u64) -> Vec<(i64, Recommendation, BTreeSet<Rule>)> {
    let (ledger, t0) = ledger(scenario, seed);
    let plan = Plan::default_v1();
    let tz = TimeZone::get("Europe/Warsaw").unwrap();
    (1..96)
        .map(|quarter| {
            let minutes = quarter * 15;
            let evaluation = evaluate(&ledger, &plan, &tz, t0 + minutes * MINUTE);
            (minutes, evaluation.recommendation, evaluation.triggers.iter().map(|t| t.rule).collect())
        })
        .collect()
}

#[test]
fn healthy_and_recovering_days_never_recommend_a_rollback() {
    for seed in 1..=3 {
        for scenario in [Scenario::PilotDay, Scenario::Recovering] {
            let fired: Vec<_> = day(scenario, seed).into_iter().filter(|(_, r, _)| *r != Recommendation::None).collect();
            assert!(fired.is_empty(), "{scenario} seed {seed}: {fired:?}");
        }
        // …although the recovering day does have a window whose p95 is above 30 minutes.
        let (ledger, t0) = ledger(Scenario::Recovering, seed);
        let plan = Plan::default_v1();
        let tz = TimeZone::get("Europe/Warsaw").unwrap();
        let period = Period { from: t0, to: t0 + 24 * 60 * MINUTE, window_minutes: 15, t0: Some(t0) };
        let windows = report(&ledger, &plan, &tz, period).unwrap().windows;
        let breached = windows.iter().filter(|w| w.scope == Scope::Global && w.pass_through_p95.is_some_and(|p| p > 30 * MINUTE)).count();
        assert_eq!(breached, 1, "recovering seed {seed}: exactly one bad window");
    }
}

#[test]
fn trc20_degradation_recommends_a_partial_rollback_of_trc20_only() {
    for seed in 1..=3 {
        let timeline = day(Scenario::RpcDegradationTrc20, seed);
        for (minutes, recommendation, _) in &timeline {
            match recommendation {
                Recommendation::None => {}
                Recommendation::Partial(Scope::Network(Network::Trc20)) => {}
                Recommendation::Partial(Scope::Wallet(wallet)) => assert!(wallet.contains("trc20"), "seed {seed} T0+{minutes}m: {wallet}"),
                other => panic!("seed {seed} T0+{minutes}m: {other:?}"),
            }
        }
        let degraded: Vec<_> = timeline.iter().filter(|(m, _, _)| (300..=420).contains(m)).collect();
        assert!(
            degraded.iter().all(|(_, r, _)| *r == Recommendation::Partial(Scope::Network(Network::Trc20))),
            "seed {seed}: every quarter of T0+5h…T0+7h recommends a partial rollback of TRC-20: {degraded:?}"
        );
    }
}

#[test]
fn outage_stuck_eod_and_sev1_recommend_a_full_rollback_by_their_rule() {
    for seed in 1..=3 {
        for (scenario, rule, window) in [
            (Scenario::WebhookOutage, Rule::Webhooks, 180..=240),
            (Scenario::EodStuck, Rule::EodUnsettled, 570..=780),
            (Scenario::Sev1, Rule::Sev1, 315..=390),
        ] {
            let timeline = day(scenario, seed);
            let hits: Vec<i64> =
                timeline.iter().filter(|(_, r, rules)| *r == Recommendation::Full && rules.contains(&rule)).map(|(m, _, _)| *m).collect();
            assert!(!hits.is_empty(), "{scenario} seed {seed}: {rule:?} never fired");
            assert!(hits.iter().all(|m| window.contains(m)), "{scenario} seed {seed}: {rule:?} fired at {hits:?}, outside {window:?}");
        }
    }
}
