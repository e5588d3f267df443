//! Goal: `clubgate wallets --events F --treasury FILE [--at T] --json` lists each hot and
//! canary wallet of the treasury file with its latest balances per asset, its thresholds and
//! the top-up of each asset below (threshold − balance, base units as strings); an asset with
//! a threshold and no reading is "no data"; bad input exits 2 naming the line or the field.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{json, Value};

fn clubgate(args: &[&str], data_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clubgate")).args(args).env("CLUBGATE_DATA_DIR", data_dir).output().expect("run clubgate")
}

fn line(seq: u32, at: &str, wallet: &str, network: &str, asset: &str, amount: &str) -> String {
    json!({
        "seq": seq, "id": format!("00000000-0000-0000-0000-{seq:012x}"), "at": at, "kind": "wallet.balance",
        "wallet": wallet, "network": network, "asset": asset, "amount": amount,
    })
    .to_string()
}

/// The example treasury with thresholds: 50,000 USDT / 20,000 USDC and 0.5 ETH on Ethereum;
/// 80,000 USDT, 300 TRX and 65,000 energy on Tron.
fn treasury() -> String {
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../core/plans/treasury-example.toml")).unwrap();
    example
        .replacen(
            "priority_fee_wei = \"1500000000\"\n",
            "priority_fee_wei = \"1500000000\"\nmin_hot_balance = { USDT = \"50000\", USDC = \"20000\" }\ngas_buffer_eth = \"0.5\"\n",
            1,
        )
        .replacen(
            "expiration_s = 60\n",
            "expiration_s = 60\nmin_hot_balance = { USDT = \"80000\" }\ntrx_buffer = \"300\"\nenergy_buffer = 65000\n",
            1,
        )
}

fn events() -> String {
    [
        line(1, "2026-12-07T08:00:00Z", "hot-erc20-1", "erc20", "USDT", "50000000000"),
        line(2, "2026-12-07T08:00:00Z", "hot-erc20-1", "erc20", "USDC", "19999999999"),
        line(3, "2026-12-07T08:00:00Z", "hot-erc20-1", "erc20", "ETH", "600000000000000000"),
        // Later: the ETH falls under the 0.5 ETH gas buffer by 0.25 ETH.
        line(4, "2026-12-07T10:00:00Z", "hot-erc20-1", "erc20", "ETH", "250000000000000000"),
        line(5, "2026-12-07T08:00:00Z", "hot-trc20-1", "trc20", "USDT", "90000000000"),
        line(6, "2026-12-07T08:00:00Z", "hot-trc20-1", "trc20", "TRX", "299000000"),
        line(7, "2026-12-07T08:00:00Z", "hot-trc20-1", "trc20", "ENERGY", "65000"),
        line(8, "2026-12-07T08:00:00Z", "hot-erc20-9", "erc20", "USDT", "1"),
    ]
    .join("\n")
}

fn wallet<'a>(document: &'a Value, id: &str) -> &'a Value {
    document["wallets"].as_array().unwrap().iter().find(|w| w["wallet"] == id).unwrap()
}

#[test]
fn wallets_below_threshold_carry_their_top_up_and_missing_readings_are_no_data() {
    let dir = tempfile::tempdir().unwrap();
    let (events_file, treasury_file) = (dir.path().join("events.jsonl"), dir.path().join("treasury.toml"));
    std::fs::write(&events_file, events()).unwrap();
    std::fs::write(&treasury_file, treasury()).unwrap();
    let (e, t) = (events_file.to_str().unwrap(), treasury_file.to_str().unwrap());

    let output = clubgate(&["wallets", "--events", e, "--treasury", t, "--json"], dir.path());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["at"], Value::Null);
    let ids: Vec<&str> = document["wallets"].as_array().unwrap().iter().map(|w| w["wallet"].as_str().unwrap()).collect();
    assert_eq!(ids, ["hot-erc20-1", "hot-trc20-1", "canary-erc20", "canary-trc20"]);

    let hot = wallet(&document, "hot-erc20-1");
    assert_eq!(hot["kind"], "hot");
    assert_eq!(hot["network"], "erc20");
    assert_eq!(
        hot["below"],
        json!([
            {"asset": "USDC", "balance": "19999999999", "threshold": "20000000000", "top_up": "1"},
            {"asset": "ETH", "balance": "250000000000000000", "threshold": "500000000000000000", "top_up": "250000000000000000"},
        ])
    );
    assert_eq!(
        hot["assets"][0],
        json!({"asset": "USDT", "balance": "50000000000", "threshold": "50000000000", "state": "ok", "source": {"event": 1}})
    );
    assert_eq!(hot["no_data"], json!([]));

    let tron = wallet(&document, "hot-trc20-1");
    assert_eq!(tron["below"], json!([{"asset": "TRX", "balance": "299000000", "threshold": "300000000", "top_up": "1000000"}]));
    let states: Vec<(&str, &str)> =
        tron["assets"].as_array().unwrap().iter().map(|a| (a["asset"].as_str().unwrap(), a["state"].as_str().unwrap())).collect();
    assert_eq!(states, [("USDT", "ok"), ("USDC", "unchecked"), ("TRX", "below"), ("ENERGY", "ok")]);

    // The canaries have no readings: no data under every threshold, never below.
    let canary = wallet(&document, "canary-erc20");
    assert_eq!(canary["kind"], "canary");
    assert_eq!(canary["below"], json!([]));
    assert_eq!(canary["no_data"], json!(["USDT", "USDC", "ETH"]));
    assert_eq!(
        canary["assets"][2],
        json!({"asset": "ETH", "balance": null, "threshold": "500000000000000000", "state": "no_data", "source": null})
    );
    assert_eq!(document["below"], 2);
    assert_eq!(document["no_data"], 2);
    assert_eq!(document["unknown_readings"], json!([{"seq": 8, "wallet": "hot-erc20-9", "network": "erc20"}]));

    // At 09:00 the ETH reading of 10:00 does not exist yet: 0.6 ETH, fine.
    let output = clubgate(&["wallets", "--events", e, "--treasury", t, "--at", "2026-12-07T10:00:00+01:00", "--json"], dir.path());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let earlier: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(earlier["at"], "2026-12-07T09:00:00Z");
    let hot = wallet(&earlier, "hot-erc20-1");
    assert_eq!(hot["below"].as_array().unwrap().len(), 1);
    assert_eq!(hot["assets"][2]["balance"], "600000000000000000");

    // The text names the alert with the top-up in tokens and base units, and the no data.
    let output = clubgate(&["wallets", "--events", e, "--treasury", t], dir.path());
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("hot-erc20-1 (hot erc20): BELOW THRESHOLD"), "{text}");
    assert!(text.contains("ALERT ETH below threshold: top up 0.25 ETH (250000000000000000 wei)"), "{text}");
    assert!(text.contains("ALERT TRX below threshold: top up 1 TRX (1000000 sun)"), "{text}");
    assert!(text.contains("canary-erc20 (canary erc20): no data"), "{text}");
    assert!(text.contains("NO DATA ETH"), "{text}");
}

#[test]
fn bad_input_exits_2_naming_the_line_or_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let (events_file, treasury_file) = (dir.path().join("events.jsonl"), dir.path().join("treasury.toml"));
    std::fs::write(&treasury_file, treasury()).unwrap();
    std::fs::write(&events_file, [line(1, "2026-12-07T08:00:00Z", "hot-erc20-1", "erc20", "ENERGY", "5")].join("\n")).unwrap();
    let (e, t) = (events_file.to_str().unwrap(), treasury_file.to_str().unwrap());
    let output = clubgate(&["wallets", "--events", e, "--treasury", t], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 1") && stderr.contains("ENERGY"), "{stderr}");

    std::fs::write(&events_file, events()).unwrap();
    std::fs::write(&treasury_file, treasury().replacen("gas_buffer_eth = \"0.5\"", "gas_buffer_eth = \"half\"", 1)).unwrap();
    let output = clubgate(&["wallets", "--events", e, "--treasury", t], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("erc20.gas_buffer_eth") && stderr.contains("half"), "{stderr}");

    std::fs::write(&treasury_file, treasury()).unwrap();
    let output = clubgate(&["wallets", "--events", e, "--treasury", t, "--at", "tomorrow"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--at \"tomorrow\""));
}

/// `--chain` asks the treasury file's nodes: anvil answers on chain 31337 while the example
/// file's Ethereum is Sepolia (11155111), so nothing is read from it and the note names
/// both chain ids; the events still count, each asset naming the event it comes from.
#[test]
fn the_chain_is_asked_only_of_a_node_on_the_policys_chain() {
    let dir = tempfile::tempdir().unwrap();
    let anvil_binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut anvil = Command::new(&anvil_binary)
        .args(["--port", &port.to_string(), "--host", "127.0.0.1", "--chain-id", "31337", "--silent"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e} (cargo xtask setup installs it)", anvil_binary.display()));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "anvil did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let text = treasury().replacen(
        "[erc20]\n",
        &format!("[erc20]\nrpc_url = \"http://127.0.0.1:{port}\"\nmax_fee_per_gas_wei = \"100000000000\"\n"),
        1,
    );
    let treasury_file = dir.path().join("treasury.toml");
    std::fs::write(&treasury_file, text).unwrap();
    let events_file = dir.path().join("events.jsonl");
    std::fs::write(&events_file, events()).unwrap();
    let out = clubgate(
        &["wallets", "--events", events_file.to_str().unwrap(), "--treasury", treasury_file.to_str().unwrap(), "--chain", "--json"],
        dir.path(),
    );
    let _ = anvil.kill();
    let _ = anvil.wait();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let document: Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes: Vec<&str> = document["chain"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes[0].starts_with("erc20: nothing read") && notes[0].contains("31337") && notes[0].contains("11155111"), "{}", notes[0]);
    assert!(notes[1].contains("[trc20] node_url"), "{}", notes[1]);
    let hot = wallet(&document, "hot-erc20-1");
    assert_eq!(hot["assets"][0]["balance"], "50000000000");
    assert_eq!(hot["assets"][0]["source"], json!({ "event": 1 }));
    // Without --events, --chain alone is a valid question; with neither, a usage error.
    let neither = clubgate(&["wallets", "--treasury", treasury_file.to_str().unwrap()], dir.path());
    assert_eq!(neither.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&neither.stderr).contains("--events"), "{}", String::from_utf8_lossy(&neither.stderr));
}
