//! Goal: `clubgate volume [--treasury F] [--at T] [--json]` shows the business day's signed
//! volume as signing counts it — here a canary payout signed through the CLI with the demo's
//! SoftHSM2 key — against the Canary cap with the headroom, the per-tx caps and the fee mode,
//! amounts as base-unit digit strings; bad input is refused in one line naming the value.

use std::process::{Command, Output};

use serde_json::Value;

#[test]
fn volume_shows_the_days_signed_volume_against_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let demo = clubgate_treasury::demo::softhsm_demo(dir.path(), "/usr/lib/softhsm/libsofthsm2.so").unwrap();
    let treasury = demo.treasury_file.to_str().unwrap().to_owned();
    let db = dir.path().join("store.db").to_str().unwrap().to_owned();
    let run = |args: &[&str]| -> Output {
        Command::new(env!("CARGO_BIN_EXE_clubgate"))
            .args(["--db", &db])
            .args(args)
            .env_remove("CLUBGATE_DATA_DIR")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env("SOFTHSM2_CONF", &demo.softhsm_conf)
            .env("CLUBGATE_PKCS11_PIN", clubgate_treasury::demo::DEMO_PIN)
            .output()
            .expect("run clubgate")
    };
    let ok = |args: &[&str]| -> Value {
        let output = run(args);
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).expect("JSON output")
    };
    // T0 six hours ahead: the Canary phase's 30 % of the 2,000,000 daily target governs.
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let t0 = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(6)).to_zoned_datetime(tz).strftime("%Y-%m-%dT%H:%M").to_string();
    ok(&["launch", "set", "--t0", &t0, "--who", "Irina (IC)", "--json"]);

    let empty = ok(&["volume", "--treasury", &treasury, "--json"]);
    assert_eq!((empty["phase"].as_str(), empty["phase_percent"].as_u64()), (Some("canary"), Some(30)));
    assert_eq!(
        (empty["cap"].as_str(), empty["signed_today"].as_str(), empty["headroom"].as_str()),
        (Some("600000000000"), Some("0"), Some("600000000000"))
    );

    // One ERC-20 canary (1 USDT) reviewed and signed with the HSM key.
    let review = ok(&["canary", "review", "--treasury", &treasury, "--wallet", "canary-erc20", "--who", "Lead", "--json"]);
    let hash = review["review_hash"].as_str().unwrap().to_owned();
    ok(&["canary", "sign", "--treasury", &treasury, "--wallet", "canary-erc20", "--review", &hash, "--json"]);

    let view = ok(&["volume", "--treasury", &treasury, "--json"]);
    assert_eq!((view["signed_today"].as_str(), view["headroom"].as_str()), (Some("1000000"), Some("599999000000")));
    let networks = view["networks"].as_array().unwrap();
    assert_eq!(networks.len(), 2);
    assert_eq!((networks[0]["network"].as_str(), networks[0]["signed_today"].as_str()), (Some("erc20"), Some("1000000")));
    assert_eq!((networks[1]["network"].as_str(), networks[1]["signed_today"].as_str()), (Some("trc20"), Some("0")));
    assert_eq!((networks[0]["per_tx_cap"].as_str(), networks[1]["per_tx_cap"].as_str()), (Some("250000000000"), Some("200000000000")));
    assert_eq!((networks[0]["fee_mode"].as_str(), networks[1]["fee_mode"].as_str()), (Some("normal"), None));
    assert_eq!(view["exceptions"], serde_json::json!([]));
    assert_eq!(view["exceptions_enforced_at_signature"], Value::Bool(false));

    // Two days earlier (still in the Canary phase) nothing was signed.
    let earlier = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(48)).to_string();
    let before = ok(&["volume", "--treasury", &treasury, "--at", &earlier, "--json"]);
    assert_eq!((before["signed_today"].as_str(), before["headroom"].as_str()), (Some("0"), Some("600000000000")));

    // The text answer.
    let text = run(&["volume", "--treasury", &treasury]);
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("signed 1 of 600000 USDT/USDC, headroom 599999"), "{text}");
    assert!(text.contains("erc20: signed 1, per-tx cap 250000"), "{text}");

    // Refusals: one line, exit 2, naming the value.
    let bad = run(&["volume", "--treasury", &treasury, "--at", "tomorrow"]);
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("\"tomorrow\"") && stderr.trim_end().lines().count() == 1, "{stderr}");
    let none = run(&["volume"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("--treasury"), "{}", String::from_utf8_lossy(&none.stderr));
}
