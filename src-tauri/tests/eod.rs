//! The EOD page's commands over a fresh desk as `cargo xtask demo` sets it up: T0 three days
//! ahead (the desk's default), the simulator's `eod-deficit` traffic from now (its T0), a
//! treasury file with the partners' settlement addresses and the pairs' zones. The page
//! shows a session settled partial with its carry, cut-offs in the pair's zone and the
//! plan's; the dry run shows the transfers and queues nothing. An imported stream is not
//! settled (red team F3: its sessions would take the real transfers' payout ids); the desk's
//! own stream is, at the wall clock, each transfer once.

use clubgate_core::simulate::{simulate, Scenario, Simulation};
use clubgate_core::EXAMPLE_TREASURY_TOML;
use clubgate_desk::Service;

const PARTNERS: [(&str, &str, &str); 4] = [
    ("partner-s", "trc20", "TEdvoHEatmDKvTh3o9vBRB9VdtgUwdVuDN"),
    ("partner-m", "trc20", "TGCAjMXComunWZEXCT1LPBdcYbJH8hKsha"),
    ("partner-l", "erc20", "0x4000000000000000000000000000000000000001"),
    ("partner-xl", "erc20", "0x4000000000000000000000000000000000000002"),
];

/// The example treasury file with the partners' settlement addresses and the pairs' zones.
fn treasury_file(dir: &std::path::Path) {
    let mut treasury = EXAMPLE_TREASURY_TOML.to_owned();
    for (name, network, address) in PARTNERS {
        treasury += &format!("\n[[allow_list]]\nname = \"{name}\"\nnetwork = \"{network}\"\naddress = \"{address}\"\n");
    }
    treasury += "\n[[trust_pairs]]\nname = \"pair-s-m\"\ntime_zone = \"Europe/Warsaw\"\n";
    treasury += "\n[[trust_pairs]]\nname = \"pair-l-xl\"\ntime_zone = \"Europe/London\"\n";
    std::fs::write(dir.join("treasury.toml"), treasury).unwrap();
}

#[tokio::test]
async fn the_eod_page_shows_a_partial_session_and_an_import_is_only_dry_run() {
    let dir = tempfile::tempdir().unwrap();
    treasury_file(dir.path());
    let service = Service::start(dir.path()).await.unwrap();
    // The demo's simulator runs from now; the desk's T0 is three days ahead.
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let events = simulate(&Simulation { scenario: Scenario::EodDeficit, t0: jiff::Timestamp::now(), tz, seed: 1, hours: 24 });
    let file = dir.path().join("events.jsonl");
    std::fs::write(&file, events.iter().map(|e| e.to_json() + "\n").collect::<String>()).unwrap();
    service.import_events(file.to_str().unwrap()).await.unwrap();

    let view = service.eod_view().await.unwrap();
    assert_eq!(view.error, None);
    assert_eq!((view.slo_minutes, view.rollback_minutes, view.plan_zone.as_str()), (60, 90, "Europe/Warsaw"));
    assert!(!view.rollback_triggered);
    assert!(view.sessions.len() >= 20, "nine days and more of two pairs: {}", view.sessions.len());
    let partial = view
        .sessions
        .iter()
        .find(|s| s.status == "settled partial" && s.mode == "partial")
        .unwrap_or_else(|| panic!("a session settled partial: {:?}", view.sessions.iter().map(|s| &s.status).collect::<Vec<_>>()));
    assert_ne!(partial.carried, "0");
    assert_eq!(partial.entries.len(), 1);
    let entry = &partial.entries[0];
    assert_eq!(entry.carried, partial.carried);
    let (net, settle, carried): (u128, u128, u128) =
        (entry.net.parse().unwrap(), entry.settle.parse().unwrap(), entry.carried.parse().unwrap());
    assert!(settle > 0 && carried > 0 && settle + carried == net, "{entry:?}");
    assert!(partial.duration_minutes.is_some_and(|m| (10..=60).contains(&m)) && !partial.over_slo);
    let t_plus_1 = view.sessions.iter().find(|s| s.status == "settled t+1").expect("a t+1 session");
    assert_eq!(t_plus_1.entries[0].settle, "0");
    // Cut-offs in the pair's zone and the plan's, each named.
    let london = view.sessions.iter().find(|s| s.trust_pair == "pair-l-xl").unwrap();
    assert!(london.pair_zone_known && london.cut_off_pair.ends_with("Europe/London"), "{}", london.cut_off_pair);
    assert!(london.cut_off_pair.contains("19:00") && london.cut_off_plan.contains("20:00"), "{london:?}");
    assert!(london.cut_off_plan.ends_with("Europe/Warsaw"));
    assert!(view.alerts.is_empty() && view.refusals.is_empty(), "{:?} {:?}", view.alerts, view.refusals);
    assert!(view.due > 0);

    // The dry run: what would be queued, nothing queued.
    let dry = service.eod_settle(true).await.unwrap();
    assert!(dry.dry_run && dry.transfers.len() == view.due);
    assert!(dry.transfers.iter().all(|t| t.outcome == "would_queue" && t.settle != "0"));
    let store = clubgate_store::Store::open(&clubgate_store::database_path(dir.path())).await.unwrap();
    assert!(store.bundles().await.unwrap().is_empty(), "the dry run queues nothing");

    // Settling an import is refused, naming it and the dry run; nothing is queued.
    let refused = service.eod_settle(false).await.unwrap_err().to_string();
    assert!(refused.contains(&format!("import:{}", file.display())) && refused.contains("dry run"), "{refused}");
    assert!(store.bundles().await.unwrap().is_empty(), "nothing queued from an import");
    assert_eq!(service.eod_view().await.unwrap().due, view.due);
    assert!(service.eod_settle(true).await.unwrap().transfers.iter().all(|t| t.outcome == "would_queue"));
}

/// The desk's own stream (written to its store as the ledger sync writes the ledger's
/// events; "test:own-stream" is neither an import nor a replay), the simulator's day over by
/// now: settling at the wall clock queues what the dry run shows, each transfer once.
#[tokio::test]
async fn the_desks_own_stream_settles_at_the_wall_clock_once() {
    let dir = tempfile::tempdir().unwrap();
    treasury_file(dir.path());
    drop(Service::start(dir.path()).await.unwrap());
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let t0 = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(30);
    let events = simulate(&Simulation { scenario: Scenario::EodDeficit, t0, tz, seed: 1, hours: 24 });
    let store = clubgate_store::Store::open(&clubgate_store::database_path(dir.path())).await.unwrap();
    store.start_stream("test:own-stream", jiff::Timestamp::now()).await.unwrap();
    store.append_events(&events).await.unwrap();
    let service = Service::start(dir.path()).await.unwrap();

    let view = service.eod_view().await.unwrap();
    assert_eq!(view.error, None);
    assert!(view.due > 0, "sessions cut off before now settle something");
    let dry = service.eod_settle(true).await.unwrap();
    assert!(dry.dry_run && dry.transfers.len() == view.due);
    assert!(store.bundles().await.unwrap().is_empty(), "the dry run queues nothing");

    let settled = service.eod_settle(false).await.unwrap();
    assert!(settled.transfers.iter().all(|t| t.outcome == "queued"));
    assert_eq!(
        settled.transfers.iter().map(|t| &t.payout_id).collect::<Vec<_>>(),
        dry.transfers.iter().map(|t| &t.payout_id).collect::<Vec<_>>()
    );
    assert_eq!(
        settled.transfers.iter().map(|t| &t.settle).collect::<Vec<_>>(),
        dry.transfers.iter().map(|t| &t.settle).collect::<Vec<_>>()
    );
    assert_eq!(store.bundles().await.unwrap().len(), dry.transfers.len());
    let after = service.eod_view().await.unwrap();
    assert_eq!(after.due, 0);
    let again = service.eod_settle(false).await.unwrap();
    assert!(again.transfers.iter().all(|t| t.outcome == "already_queued"));
    assert_eq!(store.bundles().await.unwrap().len(), dry.transfers.len());
}
