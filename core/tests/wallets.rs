//! Wallet balances against the treasury file's thresholds (PRODUCT.md "Treasury and EOD" →
//! Wallets): hand-computed cases for each rule — exactly at the threshold is not below, one
//! base unit under tops up 1, a newer reading replaces the older, the ETH gas buffer and the
//! Tron TRX / energy buffers, no data is neither below nor fine — and the `wallet.balance`
//! event's JSON Lines form.

use clubgate_core::events::{parse_jsonl, Event, EventKind, WalletAsset};
use clubgate_core::plan::Network;
use clubgate_core::treasury::{Token, Treasury, WalletKind};
use clubgate_core::wallets::{decimal, status, status_of, unknown_readings, BalanceReading, Origin, Shortfall, WalletStatus};
use clubgate_core::EXAMPLE_TREASURY_TOML;
use jiff::Timestamp;

/// The example treasury file with thresholds: 50,000 USDT and 20,000 USDC on Ethereum,
/// 80,000 USDT on Tron, 0.5 ETH gas buffer, 300 TRX and 65,000 energy.
fn treasury() -> Treasury {
    let toml = EXAMPLE_TREASURY_TOML
        .replacen(
            "priority_fee_wei = \"1500000000\"\n",
            "priority_fee_wei = \"1500000000\"\nmin_hot_balance = { USDT = \"50000\", USDC = \"20000\" }\ngas_buffer_eth = \"0.5\"\n",
            1,
        )
        .replacen(
            "expiration_s = 60\n",
            "expiration_s = 60\nmin_hot_balance = { USDT = \"80000\" }\ntrx_buffer = \"300\"\nenergy_buffer = 65000\n",
            1,
        );
    Treasury::from_toml(&toml).unwrap()
}

fn line(seq: u64, at: &str, wallet: &str, network: &str, asset: &str, amount: &str) -> String {
    format!(
        r#"{{"seq":{seq},"id":"00000000-0000-4000-8000-{seq:012}","at":"{at}","kind":"wallet.balance","wallet":"{wallet}","network":"{network}","asset":"{asset}","amount":"{amount}"}}"#
    )
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn wallet<'a>(all: &'a [WalletStatus], id: &str) -> &'a WalletStatus {
    all.iter().find(|w| w.wallet == id).unwrap()
}

#[test]
fn the_thresholds_parse_into_base_units_and_are_optional() {
    let t = treasury();
    assert_eq!(t.thresholds.of(Network::Erc20, WalletAsset::Usdt), Some(50_000_000_000));
    assert_eq!(t.thresholds.of(Network::Erc20, WalletAsset::Usdc), Some(20_000_000_000));
    assert_eq!(t.thresholds.of(Network::Trc20, WalletAsset::Usdt), Some(80_000_000_000));
    assert_eq!(t.thresholds.of(Network::Trc20, WalletAsset::Usdc), None);
    assert_eq!(t.thresholds.of(Network::Erc20, WalletAsset::Eth), Some(500_000_000_000_000_000));
    assert_eq!(t.thresholds.of(Network::Trc20, WalletAsset::Trx), Some(300_000_000));
    assert_eq!(t.thresholds.of(Network::Trc20, WalletAsset::Energy), Some(65_000));
    // No ETH on Tron, no TRX on Ethereum.
    assert_eq!(t.thresholds.of(Network::Trc20, WalletAsset::Eth), None);
    assert_eq!(t.thresholds.of(Network::Erc20, WalletAsset::Trx), None);
    assert!(t.thresholds.min_hot_balance.contains(&(Network::Erc20, Token::Usdc, 20_000_000_000)));
    // The example file has none: nothing is checked.
    let plain = Treasury::from_toml(EXAMPLE_TREASURY_TOML).unwrap();
    assert!(plain.thresholds.min_hot_balance.is_empty() && plain.thresholds.eth_gas_buffer_wei.is_none());
}

#[test]
fn bad_thresholds_are_refused_naming_the_field() {
    let refuse = |from: &str, to: &str| {
        assert!(EXAMPLE_TREASURY_TOML.contains(from));
        Treasury::from_toml(&EXAMPLE_TREASURY_TOML.replacen(from, to, 1)).unwrap_err().to_string()
    };
    let e = refuse("fee_mode = \"normal\"\n", "fee_mode = \"normal\"\nmin_hot_balance = { DAI = \"5\" }\n");
    assert!(e.contains("erc20.min_hot_balance.DAI") && e.contains("USDT and USDC"), "{e}");
    let e = refuse("fee_mode = \"normal\"\n", "fee_mode = \"normal\"\nmin_hot_balance = { USDT = \"1.0000001\" }\n");
    assert!(e.contains("erc20.min_hot_balance.USDT") && e.contains("1.0000001"), "{e}");
    let e = refuse("fee_mode = \"normal\"\n", "fee_mode = \"normal\"\ngas_buffer_eth = \"-1\"\n");
    assert!(e.contains("erc20.gas_buffer_eth"), "{e}");
    let e = refuse("expiration_s = 60\n", "expiration_s = 60\ntrx_buffer = \"0\"\n");
    assert!(e.contains("trc20.trx_buffer") && e.contains("zero"), "{e}");
    let e = refuse("expiration_s = 60\n", "expiration_s = 60\nenergy_buffer = 0\n");
    assert!(e.contains("trc20.energy_buffer"), "{e}");
    // A Tron buffer in the Ethereum section is an unknown field there.
    let e = refuse("fee_mode = \"normal\"\n", "fee_mode = \"normal\"\ntrx_buffer = \"5\"\n");
    assert!(e.contains("trx_buffer"), "{e}");
}

#[test]
fn exactly_at_the_threshold_is_not_below_and_one_unit_under_tops_up_one() {
    let text = [
        line(1, "2026-12-01T08:00:00Z", "hot-erc20-1", "erc20", "USDT", "50000000000"),
        line(2, "2026-12-01T08:00:00Z", "hot-erc20-1", "erc20", "USDC", "19999999999"),
        line(3, "2026-12-01T08:00:00Z", "hot-erc20-1", "erc20", "ETH", "500000000000000000"),
    ]
    .join("\n");
    let (ledger, errors) = parse_jsonl(&text);
    assert!(errors.is_empty(), "{errors:?}");
    let all = status(&treasury(), &ledger, Timestamp::MAX);
    let hot = wallet(&all, "hot-erc20-1");
    assert_eq!(hot.kind, WalletKind::Hot);
    assert_eq!(hot.balance(WalletAsset::Usdt), Some(50_000_000_000));
    assert_eq!(hot.below, vec![Shortfall { asset: WalletAsset::Usdc, balance: 19_999_999_999, threshold: 20_000_000_000, top_up: 1 }]);
    assert!(hot.no_data.is_empty());
    let states: Vec<(&str, &str)> = hot.assets.iter().map(|a| (a.asset.name(), a.state())).collect();
    assert_eq!(states, [("USDT", "ok"), ("USDC", "below"), ("ETH", "ok")]);
}

#[test]
fn a_newer_reading_replaces_the_older_by_instant_then_seq() {
    let text = [
        // Written later in the log but earlier in time: the 09:00 reading stays the latest.
        line(1, "2026-12-01T09:00:00Z", "hot-erc20-1", "erc20", "USDT", "10000000000"),
        line(2, "2026-12-01T08:00:00Z", "hot-erc20-1", "erc20", "USDT", "60000000000"),
        // Same instant: the greater seq wins.
        line(3, "2026-12-01T10:00:00Z", "hot-erc20-1", "erc20", "ETH", "1"),
        line(4, "2026-12-01T10:00:00Z", "hot-erc20-1", "erc20", "ETH", "700000000000000000"),
    ]
    .join("\n");
    let (ledger, errors) = parse_jsonl(&text);
    assert!(errors.is_empty(), "{errors:?}");
    let t = treasury();
    let now = status(&t, &ledger, Timestamp::MAX);
    let hot = wallet(&now, "hot-erc20-1");
    assert_eq!(hot.balance(WalletAsset::Usdt), Some(10_000_000_000));
    assert_eq!(hot.balance(WalletAsset::Eth), Some(700_000_000_000_000_000));
    assert_eq!(hot.below.len(), 1);
    assert_eq!(hot.below[0].top_up, 40_000_000_000);
    // At 08:30 only the 08:00 reading exists: 60,000 USDT, fine; no ETH reading yet.
    let earlier = status(&t, &ledger, at("2026-12-01T08:30:00Z"));
    let hot = wallet(&earlier, "hot-erc20-1");
    assert_eq!(hot.balance(WalletAsset::Usdt), Some(60_000_000_000));
    assert!(hot.below.is_empty());
    assert_eq!(hot.no_data, vec![WalletAsset::Usdc, WalletAsset::Eth]);
    // Exactly at 09:00 the 09:00 reading counts.
    assert_eq!(wallet(&status(&t, &ledger, at("2026-12-01T09:00:00Z")), "hot-erc20-1").balance(WalletAsset::Usdt), Some(10_000_000_000));
}

#[test]
fn eth_gas_buffer_and_tron_trx_and_energy_buffers() {
    let text = [
        line(1, "2026-12-01T08:00:00Z", "canary-erc20", "erc20", "ETH", "499999999999999999"),
        line(2, "2026-12-01T08:00:00Z", "hot-trc20-1", "trc20", "USDT", "90000000000"),
        line(3, "2026-12-01T08:00:00Z", "hot-trc20-1", "trc20", "TRX", "299500000"),
        line(4, "2026-12-01T08:00:00Z", "hot-trc20-1", "trc20", "ENERGY", "0"),
        line(5, "2026-12-01T08:00:00Z", "canary-trc20", "trc20", "TRX", "300000000"),
        line(6, "2026-12-01T08:00:00Z", "canary-trc20", "trc20", "ENERGY", "65000"),
    ]
    .join("\n");
    let (ledger, errors) = parse_jsonl(&text);
    assert!(errors.is_empty(), "{errors:?}");
    let all = status(&treasury(), &ledger, Timestamp::MAX);
    let canary = wallet(&all, "canary-erc20");
    assert_eq!(canary.kind, WalletKind::Canary);
    assert_eq!(
        canary.below,
        vec![Shortfall { asset: WalletAsset::Eth, balance: 499_999_999_999_999_999, threshold: 500_000_000_000_000_000, top_up: 1 }]
    );
    let tron = wallet(&all, "hot-trc20-1");
    // 300 TRX − 299.5 TRX = 0.5 TRX = 500,000 sun; energy 0 is a balance, not "no data".
    assert_eq!(
        tron.below,
        vec![
            Shortfall { asset: WalletAsset::Trx, balance: 299_500_000, threshold: 300_000_000, top_up: 500_000 },
            Shortfall { asset: WalletAsset::Energy, balance: 0, threshold: 65_000, top_up: 65_000 },
        ]
    );
    assert_eq!(decimal(WalletAsset::Trx, 500_000), "0.5");
    // USDC has no threshold on Tron: not checked, not "no data".
    let usdc = tron.assets.iter().find(|a| a.asset == WalletAsset::Usdc).unwrap();
    assert_eq!((usdc.balance, usdc.threshold, usdc.state()), (None, None, "unchecked"));
    assert!(tron.no_data.is_empty());
    // The Tron wallets have no ETH line, the Ethereum ones no TRX/energy line.
    assert!(tron.assets.iter().all(|a| a.asset != WalletAsset::Eth));
    assert!(canary.assets.iter().all(|a| !matches!(a.asset, WalletAsset::Trx | WalletAsset::Energy)));
    let tron_canary = wallet(&all, "canary-trc20");
    assert!(tron_canary.below.is_empty());
    // The canary has no USDT reading under an 80,000 USDT threshold: no data.
    assert_eq!(tron_canary.no_data, vec![WalletAsset::Usdt]);
}

#[test]
fn a_wallet_without_readings_is_no_data_never_zero() {
    let (ledger, errors) = parse_jsonl("");
    assert!(errors.is_empty());
    let all = status(&treasury(), &ledger, Timestamp::MAX);
    assert_eq!(all.len(), 4);
    let hot = wallet(&all, "hot-erc20-1");
    assert!(hot.below.is_empty());
    assert!(hot.assets.iter().all(|a| a.balance.is_none()));
    assert_eq!(hot.no_data, vec![WalletAsset::Usdt, WalletAsset::Usdc, WalletAsset::Eth]);
    assert_eq!(hot.assets.iter().find(|a| a.asset == WalletAsset::Usdt).unwrap().state(), "no_data");
}

#[test]
fn readings_of_wallets_not_in_the_treasury_file_are_listed_apart() {
    let text = [
        line(1, "2026-12-01T08:00:00Z", "hot-erc20-9", "erc20", "USDT", "1"),
        line(2, "2026-12-01T08:00:00Z", "hot-trc20-1", "trc20", "USDT", "1"),
    ]
    .join("\n");
    let (ledger, errors) = parse_jsonl(&text);
    assert!(errors.is_empty(), "{errors:?}");
    let t = treasury();
    assert_eq!(unknown_readings(&t, &ledger, Timestamp::MAX), vec![(1, "hot-erc20-9".to_owned(), Network::Erc20)]);
    assert_eq!(wallet(&status(&t, &ledger, Timestamp::MAX), "hot-trc20-1").below[0].top_up, 79_999_999_999);
}

#[test]
fn the_event_round_trips_and_bad_lines_name_the_field() {
    let text = line(7, "2026-12-01T08:00:00Z", "hot-erc20-1", "erc20", "ETH", "123456789012345678901");
    let event = Event::from_json(&text).unwrap();
    let EventKind::WalletBalance { wallet, network, asset, amount } = &event.kind else { panic!("{event:?}") };
    assert_eq!(
        (wallet.as_str(), *network, *asset, amount.base_units()),
        ("hot-erc20-1", Network::Erc20, WalletAsset::Eth, 123_456_789_012_345_678_901)
    );
    let again = Event::from_json(&event.to_json()).unwrap();
    assert_eq!(again, event);
    assert!(event.to_json().contains(r#""asset":"ETH""#) && event.to_json().contains(r#""amount":"123456789012345678901""#));

    let bad = [
        line(1, "2026-12-01T08:00:00Z", "hot-erc20-1", "erc20", "ETH", "1.5"),
        line(2, "2026-12-01T08:00:00Z", "hot-erc20-1", "erc20", "TRX", "1"),
        line(3, "2026-12-01T08:00:00Z", "hot-trc20-1", "trc20", "BTC", "1"),
        r#"{"seq":4,"id":"00000000-0000-4000-8000-000000000004","at":"2026-12-01T08:00:00Z","kind":"wallet.balance","wallet":"w","network":"erc20","amount":"1"}"#.to_owned(),
        line(5, "2026-12-01T08:00:00Z", "hot-erc20-1", "erc20", "ETH", "-1"),
    ]
    .join("\n");
    let (ledger, errors) = parse_jsonl(&bad);
    assert!(ledger.wallet_balances.is_empty());
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [1, 2, 3, 4, 5]);
    assert!(errors[0].reason.contains("\"1.5\"") && errors[0].reason.contains("base units"), "{}", errors[0].reason);
    assert!(errors[1].reason.contains("TRX") && errors[1].reason.contains("network"), "{}", errors[1].reason);
    assert!(errors[2].reason.contains("BTC"), "{}", errors[2].reason);
    assert!(errors[3].reason.contains("\"asset\""), "{}", errors[3].reason);
    assert!(errors[4].reason.contains("\"-1\""), "{}", errors[4].reason);
}

#[test]
fn a_wallet_that_paid_on_one_network_cannot_read_a_balance_on_the_other() {
    let text = [
        r#"{"seq":1,"id":"00000000-0000-4000-8000-000000000001","at":"2026-12-01T08:00:00Z","kind":"payout.accepted","payout_id":"p1","network":"erc20","token":"USDT","wallet":"hot-erc20-1","partner":"S","amount":"5"}"#.to_owned(),
        line(2, "2026-12-01T08:00:00Z", "hot-erc20-1", "trc20", "USDT", "5"),
    ]
    .join("\n");
    let (_, errors) = parse_jsonl(&text);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 2);
    assert!(errors[0].reason.contains("hot-erc20-1") && errors[0].reason.contains("network"), "{}", errors[0].reason);
}

#[test]
fn decimals_are_exact() {
    assert_eq!(decimal(WalletAsset::Usdt, 1_500_000), "1.5");
    assert_eq!(decimal(WalletAsset::Usdc, 20_000_000_000), "20000");
    assert_eq!(decimal(WalletAsset::Eth, 1), "0.000000000000000001");
    assert_eq!(decimal(WalletAsset::Energy, 65_000), "65000");
}

#[test]
fn a_chain_reading_and_the_events_compete_by_instant_and_the_source_is_kept() {
    let text = [
        line(1, "2026-12-01T09:00:00Z", "hot-erc20-1", "erc20", "USDT", "60000000000"),
        line(2, "2026-12-01T11:00:00Z", "hot-erc20-1", "erc20", "ETH", "100"),
    ]
    .join("\n");
    let (ledger, errors) = parse_jsonl(&text);
    assert!(errors.is_empty(), "{errors:?}");
    let ns = |text: &str| at(text).as_nanosecond() as i64;
    let node = Origin::Chain { node: "http://127.0.0.1:8545".to_owned() };
    let chain = |at: &str, asset: WalletAsset, amount: u128| BalanceReading {
        origin: node.clone(),
        at: ns(at),
        wallet: "hot-erc20-1".to_owned(),
        network: Network::Erc20,
        asset,
        amount,
    };
    let mut readings = ledger.wallet_balances.clone();
    // The node read 45,000 USDT at 10:00, after the 09:00 event: the chain's reading wins.
    readings.push(chain("2026-12-01T10:00:00Z", WalletAsset::Usdt, 45_000_000_000));
    // The node read 1 ETH at 10:00, before the 11:00 event: the event wins.
    readings.push(chain("2026-12-01T10:00:00Z", WalletAsset::Eth, 1_000_000_000_000_000_000));
    // Same instant as an event: the chain's reading (taken when the node answered) wins.
    readings.push(chain("2026-12-01T09:00:00Z", WalletAsset::Usdc, 5));
    let all = status_of(&treasury(), &readings, Timestamp::MAX);
    let hot = wallet(&all, "hot-erc20-1");
    assert_eq!(hot.balance(WalletAsset::Usdt), Some(45_000_000_000));
    assert_eq!(hot.balance(WalletAsset::Eth), Some(100));
    assert_eq!(hot.balance(WalletAsset::Usdc), Some(5));
    let read = |asset: WalletAsset| hot.assets.iter().find(|a| a.asset == asset).unwrap().read.clone().unwrap();
    assert_eq!(read(WalletAsset::Usdt), (node.clone(), ns("2026-12-01T10:00:00Z")));
    assert_eq!(read(WalletAsset::Eth), (Origin::Event { seq: 2 }, ns("2026-12-01T11:00:00Z")));
    // 45,000 < 50,000 USDT: top up 5,000; 100 wei < 0.5 ETH.
    assert_eq!(
        hot.below[0],
        Shortfall { asset: WalletAsset::Usdt, balance: 45_000_000_000, threshold: 50_000_000_000, top_up: 5_000_000_000 }
    );
    assert_eq!(hot.below.iter().map(|s| s.asset).collect::<Vec<_>>(), [WalletAsset::Usdt, WalletAsset::Usdc, WalletAsset::Eth]);
    // Chain readings are never "unknown wallet" notes: only events are.
    assert!(unknown_readings(&treasury(), &ledger, Timestamp::MAX).is_empty());
}
