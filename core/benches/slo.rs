//! Benchmarks of the SLO engine (issue targets on a 2-core machine, one core):
//! - JSONL parsing ≥ 1M events/s;
//! - the full SLO report (a day of 15-minute windows, every scope) and the rollback
//!   evaluation over 10 million events ≤ 1 s;
//! - the incremental update after 1,000 new events ≤ 1 ms;
//! - memory per event (counted by a global allocator wrapper).
//!
//! Run: `cargo bench -p clubgate-core --bench slo`.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clubgate_core::events::{parse_jsonl, Amount, Event, EventKind, Token};
use clubgate_core::ledger::{instant, Ledger, MINUTE_NS};
use clubgate_core::plan::{Network, Plan};
use clubgate_core::report::{report, Period};
use clubgate_core::rollback::evaluate;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jiff::tz::TimeZone;

struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarding to the system allocator with the caller's layout.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the pointer came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const T0_NS: i64 = 1_796_634_000_000_000_000; // 2026-12-07T09:00:00Z

/// A healthy day of traffic at `events` events: each payout is accepted, confirmed 1–5
/// minutes later and followed by one webhook attempt, over 4 wallets on both networks.
fn synthetic(events: usize, start_seq: u64, start_ns: i64, span_ns: i64) -> Vec<Event> {
    let payouts = events / 3;
    let step = span_ns / payouts as i64;
    let mut out = Vec::with_capacity(payouts * 3);
    let wallets = [
        ("hot-erc20-a", Network::Erc20),
        ("hot-erc20-b", Network::Erc20),
        ("hot-trc20-a", Network::Trc20),
        ("hot-trc20-b", Network::Trc20),
    ];
    let mut seq = start_seq;
    let next = |at: i64, kind: EventKind, out: &mut Vec<(i64, EventKind)>| out.push((at, kind));
    let mut raw = Vec::with_capacity(payouts * 3);
    for i in 0..payouts {
        let at = start_ns + i as i64 * step;
        let id = format!("p{start_seq}-{i}");
        let (wallet, network) = wallets[i % 4];
        let amount = Amount::parse("1000000").expect("amount");
        next(
            at,
            EventKind::PayoutAccepted {
                payout_id: id.clone(),
                network,
                token: Token::Usdt,
                wallet: wallet.to_owned(),
                partner: "partner-l".to_owned(),
                amount,
            },
            &mut raw,
        );
        let done = at + MINUTE_NS + (i as i64 % 240) * 1_000_000_000;
        next(done, EventKind::PayoutConfirmed { payout_id: id }, &mut raw);
        next(
            done + 2_000_000_000,
            EventKind::WebhookAttempt { webhook_id: format!("w{start_seq}-{i}"), partner: "partner-l".to_owned(), status: 200 },
            &mut raw,
        );
    }
    raw.sort_by_key(|(at, _)| *at);
    for (at, kind) in raw {
        out.push(Event { seq, id: u128::from(seq) | (0x4000u128 << 64), at: instant(at), kind });
        seq += 1;
    }
    out
}

fn ledger_of(events: &[Event]) -> Ledger {
    let mut ledger = Ledger::default();
    for event in events {
        ledger.apply(event).expect("valid synthetic event");
    }
    ledger
}

fn benches(c: &mut Criterion) {
    let plan = Plan::default_v1();
    let tz = TimeZone::get("Europe/Warsaw").expect("zone");
    let day = 24 * 60 * MINUTE_NS;

    // JSONL parsing throughput on 1M events.
    let million = synthetic(1_000_000, 1, T0_NS, day);
    let text: String = million.iter().map(|e| e.to_json() + "\n").collect();
    let mut group = c.benchmark_group("jsonl");
    group.throughput(Throughput::Elements(million.len() as u64));
    group.sample_size(10);
    group.bench_function("parse_1m_events", |b| {
        b.iter(|| {
            for line in black_box(&text).lines() {
                black_box(Event::from_json(line).expect("valid line"));
            }
        })
    });
    group.bench_function("parse_and_apply_1m_events", |b| b.iter(|| black_box(parse_jsonl(black_box(&text)))));
    group.finish();
    drop((million, text));

    // 10 million events: memory per event, then the full report and the evaluation.
    let events = synthetic(10_000_000, 1, T0_NS, day);
    let before = ALLOCATED.load(Ordering::Relaxed);
    let mut ledger = ledger_of(&events);
    let bytes = ALLOCATED.load(Ordering::Relaxed) - before;
    eprintln!(
        "memory: {} events in the ledger use {} bytes = {:.1} bytes/event",
        ledger.events,
        bytes,
        bytes as f64 / ledger.events as f64
    );
    drop(events);
    let end = T0_NS + day;
    let period = Period { from: T0_NS, to: end, window_minutes: 15, t0: Some(T0_NS) };
    let mut group = c.benchmark_group("slo_10m");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    group.bench_function("report_day_all_scopes", |b| b.iter(|| black_box(report(&ledger, &plan, &tz, period).expect("report"))));
    group.bench_function("rollback_evaluate", |b| b.iter(|| black_box(evaluate(&ledger, &plan, &tz, end))));
    group.finish();

    // Incremental: 1,000 new events applied to the 10M-event ledger, then the rules
    // evaluated at the new clock. Each batch is made (untimed) right after the ledger's end.
    let mut clock = end;
    let batch = |ledger: &Ledger, clock: &mut i64| {
        let seq = ledger.last_seq().unwrap_or(0) + 1;
        let events = synthetic(1_000, seq, *clock, 5 * 60_000_000_000);
        *clock += 5 * 60_000_000_000;
        events
    };
    let mut group = c.benchmark_group("incremental_10m");
    group.sample_size(10);
    group.bench_function("apply_1000_events", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let events = batch(&ledger, &mut clock);
                let started = Instant::now();
                for event in &events {
                    ledger.apply(event).expect("valid");
                }
                total += started.elapsed();
            }
            total
        })
    });
    group.bench_function("apply_1000_events_and_evaluate", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let events = batch(&ledger, &mut clock);
                let at = clock;
                let started = Instant::now();
                for event in &events {
                    ledger.apply(event).expect("valid");
                }
                black_box(evaluate(&ledger, &plan, &tz, at));
                total += started.elapsed();
            }
            total
        })
    });
    group.finish();
}

criterion_group!(slo, benches);
criterion_main!(slo);
