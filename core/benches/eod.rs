//! Benchmarks of the treasury side of issue 12 (one core of a 2-core machine):
//! - the EOD settlement plan (`eod::plan_at`) over a month of daily sessions of 100 trust
//!   pairs, 8 obligations and a balance each (3,000 sessions, 24,000 obligations);
//! - the wallets against their thresholds (`wallets::status_of`) over 100,000 balance
//!   readings of the example treasury's four wallets.
//!
//! Run: `cargo bench -p clubgate-core --bench eod`.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use std::fmt::Write;
use std::hint::black_box;

use clubgate_core::events::parse_jsonl;
use clubgate_core::treasury::Treasury;
use clubgate_core::wallets::status_of;
use clubgate_core::EXAMPLE_TREASURY_TOML;
use criterion::{criterion_group, criterion_main, Criterion};
use jiff::{Timestamp, ToSpan};

const PAIRS: usize = 100;
const DAYS: usize = 30;
const OBLIGATIONS: usize = 8;

fn line(text: &mut String, seq: &mut u64, at: Timestamp, body: &str) {
    *seq += 1;
    let _ = writeln!(text, r#"{{"seq":{seq},"id":"00000000-0000-4000-8000-{seq:012}","at":"{at}",{body}}}"#);
}

/// A month of trust-pair sessions: pair p's day d session opens at 00:00 and cuts off at
/// 18:00 UTC; partner a-p owes b-p (and b-p owes back a third of it); a-p's balance covers
/// some days fully, some partly, some not at all.
fn book() -> String {
    let start: Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
    let mut text = String::new();
    let mut seq = 0;
    for day in 0..DAYS {
        let open = start.checked_add((24 * day as i64).hours()).unwrap();
        let cut = open.checked_add(18.hours()).unwrap();
        for pair in 0..PAIRS {
            let session = format!("s-{pair}-{day}");
            line(
                &mut text,
                &mut seq,
                open,
                &format!(r#""kind":"eod.session_opened","session_id":"{session}","trust_pair":"pair-{pair}","cut_off_at":"{cut}""#),
            );
            for k in 0..OBLIGATIONS {
                let at = open.checked_add((1 + k as i64).hours()).unwrap();
                let (payer, payee) =
                    if k % 3 == 2 { (format!("b-{pair}"), format!("a-{pair}")) } else { (format!("a-{pair}"), format!("b-{pair}")) };
                let network = if pair % 2 == 0 { "erc20" } else { "trc20" };
                let amount = 1_000_000 * (1 + ((pair * 7 + day * 13 + k) % 50) as u64);
                line(
                    &mut text,
                    &mut seq,
                    at,
                    &format!(
                        r#""kind":"trust.obligation","session_id":"{session}","payer":"{payer}","payee":"{payee}","network":"{network}","token":"USDT","amount":"{amount}""#
                    ),
                );
            }
            let at = open.checked_add(17.hours()).unwrap();
            let network = if pair % 2 == 0 { "erc20" } else { "trc20" };
            let balance = 10_000_000 * ((pair + day) % 9) as u64;
            line(
                &mut text,
                &mut seq,
                at,
                &format!(r#""kind":"partner.balance","partner":"a-{pair}","network":"{network}","token":"USDT","amount":"{balance}""#),
            );
        }
    }
    text
}

fn readings() -> String {
    let start: Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
    let wallets = [("hot-erc20-1", "erc20", ["USDT", "USDC", "ETH"]), ("hot-trc20-1", "trc20", ["USDT", "TRX", "ENERGY"])];
    let mut text = String::new();
    let mut seq = 0;
    for i in 0..100_000i64 {
        let (wallet, network, assets) = wallets[(i % 2) as usize];
        let asset = assets[(i / 2 % 3) as usize];
        line(
            &mut text,
            &mut seq,
            start.checked_add(i.seconds()).unwrap(),
            &format!(r#""kind":"wallet.balance","wallet":"{wallet}","network":"{network}","asset":"{asset}","amount":"{}""#, 1_000_000 + i),
        );
    }
    text
}

fn benches(c: &mut Criterion) {
    let (ledger, errors) = parse_jsonl(&book());
    assert!(errors.is_empty(), "{errors:?}");
    let at: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
    let canary: Timestamp = "2026-11-10T00:00:00Z".parse().unwrap();
    let entries = clubgate_core::eod::plan_at(&ledger, at, Some(canary)).unwrap();
    assert!(entries.len() >= PAIRS * DAYS / 2, "{} entries", entries.len());
    c.bench_function("eod plan: 3,000 sessions, 24,000 obligations", |b| {
        b.iter(|| clubgate_core::eod::plan_at(black_box(&ledger), at, Some(canary)).unwrap())
    });
    let (readings, errors) = parse_jsonl(&readings());
    assert!(errors.is_empty(), "{errors:?}");
    let treasury = Treasury::from_toml(EXAMPLE_TREASURY_TOML).unwrap();
    c.bench_function("wallets status: 100,000 readings", |b| {
        b.iter(|| status_of(black_box(&treasury), black_box(&readings.wallet_balances), Timestamp::MAX))
    });
}

criterion_group! {
    name = eod;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(eod);
