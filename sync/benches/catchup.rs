//! Benchmarks of the desk's side of the sync (issue 10 targets, 2-core machine):
//! - catch-up of 1,000,000 records into a fresh desk store, chain verified record by record
//!   (the pull's own work: `verify_page` + `Store::apply_pulled`, in the pull's catch-up
//!   pages of 5,000, no HTTP)
//!   — target ≥ 100,000 records/s; printed once as `catch-up: …`;
//! - the dashboard's update after a batch of 1,000 live records: the sync's part (verify the
//!   chain, read the events: `live/verify_1000_records`) and the core time (apply them to
//!   the in-memory ledger of a day of 1,000,000 events and evaluate the rollback rules at
//!   the new clock: `live/core_apply_evaluate_1000_records`, target ≤ 1 ms) (criterion).
//!
//! Run: `cargo bench -p clubgate-sync --bench catchup` (`CLUBGATE_BENCH_RECORDS` changes the
//! catch-up's size).

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use clubgate_core::chain::{record_hash, GENESIS};
use clubgate_core::events::{Amount, Event, EventKind, Token};
use clubgate_core::ledger::{instant, Ledger, MINUTE_NS};
use clubgate_core::plan::{Network, Plan};
use clubgate_core::rollback::evaluate;
use clubgate_store::{LedgerCursor, Store};
use clubgate_sync::verify_page;
use criterion::{criterion_group, criterion_main, Criterion};
use jiff::tz::TimeZone;
use serde_json::{json, Map, Value};

const T0_NS: i64 = 1_796_634_000_000_000_000; // 2026-12-07T09:00:00Z
const DAY_NS: i64 = 24 * 60 * MINUTE_NS;
const URL: &str = "http://127.0.0.1:1";

/// Healthy traffic: each payout accepted, confirmed 1–5 minutes later, one webhook attempt.
fn traffic(count: usize, first_seq: u64, start_ns: i64, span_ns: i64) -> Vec<Event> {
    let payouts = count.div_ceil(3);
    let step = (span_ns / payouts as i64).max(1);
    let wallets = [
        ("hot-erc20-a", Network::Erc20),
        ("hot-erc20-b", Network::Erc20),
        ("hot-trc20-a", Network::Trc20),
        ("hot-trc20-b", Network::Trc20),
    ];
    let mut raw = Vec::with_capacity(payouts * 3);
    for i in 0..payouts {
        let at = start_ns + i as i64 * step;
        let id = format!("p{first_seq}-{i}");
        let (wallet, network) = wallets[i % 4];
        let amount = Amount::parse("1000000").expect("amount");
        let accepted = EventKind::PayoutAccepted {
            payout_id: id.clone(),
            network,
            token: Token::Usdt,
            wallet: wallet.to_owned(),
            partner: "partner-l".to_owned(),
            amount,
        };
        raw.push((at, accepted));
        let done = at + MINUTE_NS + (i as i64 % 240) * 1_000_000_000;
        raw.push((done, EventKind::PayoutConfirmed { payout_id: id }));
        let webhook = EventKind::WebhookAttempt { webhook_id: format!("w{first_seq}-{i}"), partner: "partner-l".to_owned(), status: 200 };
        raw.push((done + 2_000_000_000, webhook));
    }
    raw.sort_by_key(|(at, _)| *at);
    raw.truncate(count);
    raw.into_iter()
        .enumerate()
        .map(|(n, (at, kind))| {
            let seq = first_seq + n as u64;
            Event { seq, id: u128::from(seq) | (0x4000u128 << 64), at: instant(at), kind }
        })
        .collect()
}

/// The records a ledger serves for `events`, chained from `prev`: the event without `seq`
/// and `kind` as the body.
fn records(events: &[Event], prev: &mut [u8; 32]) -> Vec<Value> {
    events
        .iter()
        .map(|event| {
            let Value::Object(mut body) = serde_json::from_str::<Value>(&event.to_json()).expect("event JSON") else { unreachable!() };
            body.remove("seq");
            let Some(Value::String(kind)) = body.remove("kind") else { unreachable!() };
            let body: Map<String, Value> = body;
            let hash = record_hash(prev, event.seq, &kind, &body);
            let record = json!({"seq": event.seq, "kind": kind, "body": body, "prev": hex::encode(*prev), "hash": hex::encode(hash)});
            *prev = hash;
            record
        })
        .collect()
}

fn catch_up(runtime: &tokio::runtime::Runtime) {
    let total: usize = std::env::var("CLUBGATE_BENCH_RECORDS").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let mut prev = GENESIS;
    let served: Vec<Vec<Value>> =
        traffic(total, 1, T0_NS, 7 * DAY_NS).chunks(clubgate_sync::CATCH_UP_PAGE as usize).map(|page| records(page, &mut prev)).collect();
    let dir = tempfile::tempdir().expect("temp dir");
    runtime.block_on(async {
        let store = Store::open(&dir.path().join("desk.db")).await.expect("fresh store");
        let mut cursor = LedgerCursor { url: URL.to_owned(), seq: 0, hash: hex::encode(GENESIS) };
        let started = Instant::now();
        let (mut verify_time, mut applied) = (Duration::ZERO, 0usize);
        for page in &served {
            let verifying = Instant::now();
            let verified = verify_page(&cursor, page).expect("the chain verifies");
            verify_time += verifying.elapsed();
            store
                .apply_pulled(URL, &cursor, &verified.records, &verified.events, &verified.bundles, jiff::Timestamp::now())
                .await
                .expect("applied");
            let last = verified.records.last().expect("a page");
            cursor = LedgerCursor { url: URL.to_owned(), seq: last.seq, hash: last.hash.clone() };
            applied += verified.records.len();
        }
        let elapsed = started.elapsed();
        let stored = store.ledger_cursor().await.expect("cursor").expect("a cursor").seq;
        assert_eq!(stored as usize, total, "the cursor is the last record");
        eprintln!(
            "catch-up: {applied} records into a fresh store in {:.2} s = {:.0} records/s (chain verification {:.2} s of it; target ≥ 100,000/s)",
            elapsed.as_secs_f64(),
            applied as f64 / elapsed.as_secs_f64(),
            verify_time.as_secs_f64()
        );
    });
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    catch_up(&runtime);

    // The dashboard's live update: a day of 1M events in memory, then batches of 1,000
    // records as they arrive from the ledger.
    let plan = Plan::default_v1();
    let tz = TimeZone::get("Europe/Warsaw").expect("zone");
    let day = traffic(1_000_000, 1, T0_NS, DAY_NS);
    let mut ledger = Ledger::default();
    for event in &day {
        ledger.apply(event).expect("valid");
    }
    let mut prev = GENESIS;
    drop(records(&day[day.len() - 1..], &mut prev));
    let mut cursor = LedgerCursor { url: URL.to_owned(), seq: day.len() as u64, hash: hex::encode(prev) };
    drop(day);
    let mut clock = T0_NS + DAY_NS;
    let mut group = c.benchmark_group("live");
    group.sample_size(20);
    // The batch as it arrives: verified and read into events (the sync's part) …
    group.bench_function("verify_1000_records", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let mut chain = parse(&cursor.hash);
                let batch = records(&traffic(1_000, cursor.seq + 1, clock, 5 * MINUTE_NS), &mut chain);
                let started = Instant::now();
                black_box(verify_page(&cursor, &batch).expect("verifies"));
                total += started.elapsed();
            }
            total
        })
    });
    // … then the dashboard's core time: the events applied to the in-memory ledger of the
    // day and the rollback rules evaluated at the new clock.
    group.bench_function("core_apply_evaluate_1000_records", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let mut chain = parse(&cursor.hash);
                let batch = records(&traffic(1_000, cursor.seq + 1, clock, 5 * MINUTE_NS), &mut chain);
                clock += 5 * MINUTE_NS;
                let page = verify_page(&cursor, &batch).expect("verifies");
                let started = Instant::now();
                for event in &page.events {
                    ledger.apply(event).expect("valid");
                }
                black_box(evaluate(&ledger, &plan, &tz, clock));
                total += started.elapsed();
                let last = page.records.last().expect("a batch");
                cursor = LedgerCursor { url: URL.to_owned(), seq: last.seq, hash: last.hash.clone() };
            }
            total
        })
    });
    group.finish();
}

fn parse(hash: &str) -> [u8; 32] {
    clubgate_core::chain::parse_hash(hash).expect("a hash")
}

criterion_group!(catchup, benches);
criterion_main!(catchup);
