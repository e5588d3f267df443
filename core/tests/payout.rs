//! Goal: payout inputs carry the rules — exact decimal amounts, EIP-55 and base58check
//! addresses, the allow-list — and the guardrails hold: greedy batching above the per-tx cap
//! (chunks sum to the amount, none above the cap, order stable), the phase volume cap per
//! business day, partial/T+1 only from Canary on.

use clubgate_core::payout::{
    batch, cap_of, check_volume, partial_settlement_allowed, phase_headroom, AllowList, Destination, EthAddress, PayoutError, TokenAmount,
    TronAddress,
};
use clubgate_core::plan::{Network, Plan};
use clubgate_core::schedule::{time_zone, DateTable, T0};
use proptest::prelude::*;

fn amount(text: &str) -> TokenAmount {
    TokenAmount::parse_decimal(text, 6).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn decimal_amounts_are_exact_and_bad_ones_are_named() {
    for (text, base) in [
        ("1", 1_000_000u128),
        ("1.5", 1_500_000),
        ("0.000001", 1),
        ("600000", 600_000_000_000),
        (".5", 500_000),
        ("250000.000000", 250_000_000_000),
    ] {
        assert_eq!(amount(text).base_units(), base, "{text}");
    }
    assert_eq!(amount("1.5").to_decimal(6), "1.5");
    assert_eq!(amount("600000").to_decimal(6), "600000");
    for (text, reason) in [
        ("1.0000001", "has 7 decimals; the token has 6"),
        ("-1", "is negative"),
        ("0", "is zero"),
        ("0.000000", "is zero"),
        ("1e6", "is not a decimal number"),
        ("1.", "is not a decimal number"),
        ("", "is not a decimal number"),
        ("1,5", "is not a decimal number"),
        ("340282366920938463463374607431768211456", "overflows"),
    ] {
        let error = TokenAmount::parse_decimal(text, 6).expect_err(text).to_string();
        assert!(error.contains(reason) && error.contains(&format!("{text:?}")), "{text}: {error}");
    }
}

#[test]
fn eip55_addresses_are_verified() {
    // The test vectors of EIP-55 itself.
    for text in [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ] {
        assert_eq!(EthAddress::parse(text).unwrap().to_string(), text);
    }
    let check = |text: &str, reason: &str| {
        let error = EthAddress::parse(text).expect_err(text).to_string();
        assert!(error.contains(reason) && error.contains(text), "{text}: {error}");
    };
    check("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "fails its EIP-55 checksum");
    check("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "has no EIP-55 checksum");
    check("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "must start with 0x");
    check("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA", "40 hex digits");
    // An EIP-55 form can happen to be all one case (here: every letter's hash nibble is ≥ 8);
    // it is the checksum, not a missing one. Its all-lowercase spelling is not.
    let upper = "0xABB5F31871144382C6E9347258C5677E724FB953";
    assert_eq!(EthAddress::parse(upper).unwrap().to_string(), upper);
    check("0xabb5f31871144382c6e9347258c5677e724fb953", "has no EIP-55 checksum");
    check("0x0000000000000000000000000000000000000000000", "40 hex digits");
}

#[test]
fn tron_addresses_are_base58check_with_the_0x41_prefix() {
    let usdt = TronAddress::parse("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t").unwrap();
    assert_eq!(usdt.raw()[0], 0x41);
    assert_eq!(usdt.to_string(), "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t");
    assert_eq!(alloy_primitives_hex(&usdt.account()), "a614f803b6fd780986a42c78ec9c7f77e6ded13c");
    for text in [
        "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u",
        "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6",
        "0xa614f803b6fd780986a42c78ec9c7f77e6ded13c",
        "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj0t",
    ] {
        let error = TronAddress::parse(text).expect_err(text).to_string();
        assert!(error.contains(text), "{error}");
    }
}

fn alloy_primitives_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn only_allow_listed_destinations_pass() {
    let allowed = Destination::parse(Network::Trc20, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t").unwrap();
    let other = Destination::parse(Network::Erc20, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").unwrap();
    let list = AllowList::new([allowed]);
    assert_eq!(list.check(allowed), Ok(allowed));
    let error = list.check(other).expect_err("not listed");
    assert!(matches!(error, PayoutError::NotAllowed { .. }) && error.to_string().contains("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));
}

#[test]
fn batching_follows_the_product_example() {
    let plan = Plan::default_v1();
    let erc20 = cap_of(&plan, Network::Erc20).unwrap();
    let chunks: Vec<u128> = batch(amount("600000"), erc20).unwrap().iter().map(|c| c.base_units()).collect();
    assert_eq!(chunks, [250_000_000_000, 250_000_000_000, 100_000_000_000]);
    let trc20 = cap_of(&plan, Network::Trc20).unwrap();
    assert_eq!(batch(amount("200000"), trc20).unwrap().len(), 1, "exactly the cap is one chunk");
    assert_eq!(batch(amount("200000.000001"), trc20).unwrap().iter().map(|c| c.base_units()).collect::<Vec<_>>(), [200_000_000_000, 1]);
    assert!(matches!(batch(amount("16000001"), erc20), Err(PayoutError::TooManyChunks { .. })));
}

proptest! {
    #[test]
    fn chunks_sum_to_the_amount_none_above_the_cap_in_stable_order(units in 1u128..=12_800_000_000_000, trc in any::<bool>()) {
        let plan = Plan::default_v1();
        let cap = cap_of(&plan, if trc { Network::Trc20 } else { Network::Erc20 }).unwrap();
        let chunks = batch(TokenAmount::from_base_units(units).unwrap(), cap).unwrap();
        prop_assert_eq!(chunks.iter().map(|c| c.base_units()).sum::<u128>(), units);
        prop_assert!(chunks.iter().all(|c| c.base_units() <= cap.cap_base_units()));
        // Greedy: every chunk but the last is exactly the cap.
        prop_assert!(chunks[..chunks.len() - 1].iter().all(|c| c.base_units() == cap.cap_base_units()));
        prop_assert_eq!(chunks.len() as u128, units.div_ceil(cap.cap_base_units()));
    }

    #[test]
    fn every_eip55_form_parses_and_a_flipped_letter_never_does(bytes in any::<[u8; 20]>(), flip in any::<prop::sample::Index>()) {
        let text = alloy_primitives::Address::from(bytes).to_checksum(None);
        prop_assert_eq!(EthAddress::parse(&text).unwrap().to_string(), text.as_str());
        let letters: Vec<usize> = text.char_indices().skip(2).filter(|(_, c)| c.is_ascii_alphabetic()).map(|(i, _)| i).collect();
        if !letters.is_empty() {
            let at = letters[flip.index(letters.len())];
            let mut flipped = text.into_bytes();
            flipped[at] ^= 0x20;
            let flipped = String::from_utf8(flipped).unwrap();
            prop_assert!(EthAddress::parse(&flipped).is_err(), "{} accepted", flipped);
        }
    }

    #[test]
    fn decimal_text_round_trips(units in 1u128..u64::MAX as u128) {
        let amount = TokenAmount::from_base_units(units).unwrap();
        prop_assert_eq!(TokenAmount::parse_decimal(&amount.to_decimal(6), 6).unwrap(), amount);
    }
}

fn table() -> (Plan, DateTable) {
    let plan = Plan::default_v1();
    let t0 = T0::parse("2026-12-07T10:00", &time_zone("Europe/Warsaw").unwrap()).unwrap();
    let table = DateTable::new(&plan, &t0).unwrap();
    (plan, table)
}

#[test]
fn the_phase_volume_cap_holds_per_business_day() {
    let (plan, table) = table();
    let target = amount("1000000").base_units(); // daily target 1,000,000 USDT
    let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
    // Pilot (T-14d…T-7d): 10% = 100,000 USDT a day.
    let (phase, percent, cap, left) =
        phase_headroom(&plan, &table, at("2026-11-25T12:00:00Z"), target, amount("60000").base_units()).unwrap();
    assert_eq!((phase.as_str(), percent, cap, left), ("pilot", 10, 100_000_000_000, 40_000_000_000));
    assert_eq!(
        check_volume(&plan, &table, at("2026-11-25T12:00:00Z"), target, amount("60000").base_units(), amount("40000")),
        Ok(0),
        "exactly the cap fits"
    );
    let error = check_volume(&plan, &table, at("2026-11-25T12:00:00Z"), target, amount("60000").base_units(), amount("40000.000001"))
        .expect_err("over");
    assert!(matches!(error, PayoutError::VolumeCap { excess: 1, .. }), "{error}");
    // Canary: 30%; between Canary's end (T-1d) and T0 Canary's cap still governs.
    assert_eq!(phase_headroom(&plan, &table, at("2026-12-06T12:00:00Z"), target, 0).unwrap().0, "canary");
    assert_eq!(phase_headroom(&plan, &table, at("2026-12-07T09:00:00Z"), target, 0).unwrap().0, "full");
    // Pre-flight allows no volume, and nothing before it.
    assert!(matches!(check_volume(&plan, &table, at("2026-11-17T12:00:00Z"), target, 0, amount("1")), Err(PayoutError::NoVolume { .. })));
    assert!(matches!(check_volume(&plan, &table, at("2026-11-01T12:00:00Z"), target, 0, amount("1")), Err(PayoutError::NoVolume { .. })));
}

/// Issue 8: `unwrap_or(u128::MAX)` turned an overflowing daily target × percent into "no
/// cap"; the overflow is refused instead.
#[test]
fn an_overflowing_cap_is_refused_never_unlimited() {
    let (plan, table) = table();
    let at = "2026-12-06T12:00:00Z".parse::<jiff::Timestamp>().unwrap();
    let error = phase_headroom(&plan, &table, at, u128::MAX, 0).expect_err("overflow");
    assert!(matches!(error, PayoutError::NoVolume { .. }), "{error}");
    assert!(matches!(check_volume(&plan, &table, at, u128::MAX / 2, 0, amount("1")), Err(PayoutError::NoVolume { .. })));
}

#[test]
fn partial_settlement_only_from_canary_on() {
    let (plan, table) = table();
    let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
    assert!(!partial_settlement_allowed(&plan, &table, at("2026-11-29T12:00:00Z")), "pilot");
    assert!(!partial_settlement_allowed(&plan, &table, at("2026-11-30T08:59:59Z")), "one second before canary");
    assert!(partial_settlement_allowed(&plan, &table, at("2026-11-30T09:00:00Z")), "canary starts at T-7d 10:00 CET");
    assert!(partial_settlement_allowed(&plan, &table, at("2026-12-08T12:00:00Z")), "full");
}
