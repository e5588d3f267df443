//! The simulator's EOD scenario (`eod-deficit`) against the settlement plan of the core:
//! partial and T+1 only from the Canary start on, at least one of each, every session's
//! `eod.settled` in the plan's mode, and the hot wallets paying what is settled.

use std::collections::BTreeMap;

use clubgate_core::eod::{plan, Mode};
use clubgate_core::events::{EventKind, SettleMode, WalletAsset};
use clubgate_core::launch::Launch;
use clubgate_core::ledger::{ns, Ledger};
use clubgate_core::simulate::{simulate, Scenario, Simulation};
use clubgate_core::DEFAULT_PLAN_TOML;
use jiff::ToSpan;

fn run(t0: &str, seed: u64) -> (Launch, Vec<clubgate_core::events::Event>) {
    let launch = Launch::new(DEFAULT_PLAN_TOML, t0, None).unwrap();
    let tz = launch.t0.zoned().time_zone().clone();
    let events = simulate(&Simulation { scenario: Scenario::EodDeficit, t0: launch.t0_instant(), tz, seed, hours: 24 });
    (launch, events)
}

#[test]
fn partial_and_t_plus_1_only_from_canary_and_settled_as_the_plan_says() {
    // One T0 in winter, one whose Canary start (T0 − 7d) is across the October DST change.
    for (t0, seed) in [("2026-12-07T10:00", 7u64), ("2026-12-07T10:00", 8), ("2026-10-30T09:30", 3)] {
        let (launch, events) = run(t0, seed);
        let mut ledger = Ledger::default();
        for event in &events {
            ledger.apply(event).unwrap_or_else(|e| panic!("{t0} seed {seed}: event {}: {e}", event.seq));
        }
        let canary = launch.t0.zoned().checked_sub(7.days()).unwrap().timestamp();
        assert_eq!(clubgate_core::eod::partial_from(&launch), Some(canary), "Canary starts at T0 − 7d on the wall clock");
        let end = *events.iter().map(|e| &e.at).max().unwrap();
        let entries = plan(&launch, &ledger, end).unwrap();
        let what = format!("{t0} seed {seed}");
        assert!(entries.iter().any(|e| e.cut_off < canary), "{what}: sessions before the Canary start");
        for entry in &entries {
            if entry.cut_off < canary {
                assert_eq!(entry.mode, Mode::Full, "{what}: {} before Canary settles in full", entry.session_id);
            }
            assert_ne!(entry.mode, Mode::Blocked, "{what}: {}", entry.session_id);
        }
        let partial: Vec<_> = entries.iter().filter(|e| e.mode == Mode::Partial).collect();
        let next_day: Vec<_> = entries.iter().filter(|e| e.mode == Mode::NextDay).collect();
        assert!(!partial.is_empty() && !next_day.is_empty(), "{what}: {} partial, {} t+1", partial.len(), next_day.len());
        assert!(partial.iter().chain(&next_day).all(|e| e.cut_off >= canary), "{what}: partial / t+1 before Canary");
        // A carry reaches the pair's next session: its net is more than its own obligations.
        let carried: u128 = partial.iter().chain(&next_day).map(|e| e.carried).sum();
        assert!(carried > 0);

        // Every settled session says the plan's mode (partial when any entry carries and one
        // settles, t+1 when nothing settles, full when nothing is carried).
        let mut by_session: BTreeMap<&str, Vec<Mode>> = BTreeMap::new();
        for entry in &entries {
            by_session.entry(entry.session_id.as_str()).or_default().push(entry.mode);
        }
        let mut settled = 0;
        for session in &ledger.sessions {
            let Some((_, mode)) = session.settled else { continue };
            settled += 1;
            let modes = by_session.get(session.id.as_str()).cloned().unwrap_or_default();
            let expected = if modes.iter().all(|m| *m == Mode::Full) {
                SettleMode::Full
            } else if modes.iter().all(|m| *m == Mode::NextDay) {
                SettleMode::NextDay
            } else {
                SettleMode::Partial
            };
            assert_eq!(mode, expected, "{what}: {} settled as {mode:?}, the plan says {modes:?}", session.id);
            assert!(session.settled.unwrap().0 > session.cut_off, "{what}: {} settles after its cut-off", session.id);
        }
        assert!(settled >= 18, "{what}: nine days of two pairs settled, {settled}");

        // The hot wallet of each network pays what is settled on it.
        for (wallet, network) in
            [("hot-trc20-1", clubgate_core::plan::Network::Trc20), ("hot-erc20-1", clubgate_core::plan::Network::Erc20)]
        {
            let readings: Vec<u128> = events
                .iter()
                .filter_map(|e| match &e.kind {
                    EventKind::WalletBalance { wallet: w, asset: WalletAsset::Usdt, amount, .. } if w == wallet => {
                        Some(amount.base_units())
                    }
                    _ => None,
                })
                .collect();
            let settled_events: u128 = entries
                .iter()
                .filter(|e| {
                    e.network == network
                        && ledger.sessions.iter().any(|s| s.id == e.session_id && s.settled.is_some_and(|(at, _)| at <= ns(end)))
                })
                .map(|e| e.settle)
                .sum();
            assert_eq!(readings.first().unwrap() - readings.last().unwrap(), settled_events, "{what}: {wallet} paid the settled amounts");
        }
    }
}

#[test]
fn the_eod_scenario_is_deterministic() {
    let (_, a) = run("2026-12-07T10:00", 5);
    let (_, b) = run("2026-12-07T10:00", 5);
    assert_eq!(a, b);
    let (_, c) = run("2026-12-07T10:00", 6);
    assert_ne!(a, c);
    assert!(a.iter().any(|e| matches!(e.kind, EventKind::TrustObligation { .. })));
    assert!(a.iter().any(|e| matches!(e.kind, EventKind::PartnerBalance { .. })));
    assert!(a.iter().any(|e| matches!(&e.kind, EventKind::WalletBalance { wallet, .. } if wallet == "canary-trc20")));
}
