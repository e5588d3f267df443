//! Goal: the `clubgate` contract holds for scripts — the `plan dates --json` shape, exit
//! code 2 with a one-line error naming the bad T0, zone or plan file, and checklist
//! changes that persist in the store given by `--db`.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn clubgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clubgate")).args(args).env_remove("CLUBGATE_DATA_DIR").output().expect("run clubgate")
}

fn json(args: &[&str]) -> Value {
    let output = clubgate(args);
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

fn refused(args: &[&str], names: &str) {
    let output = clubgate(args);
    assert_eq!(output.status.code(), Some(2), "{args:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(names), "{stderr:?} names {names:?}");
    assert!(output.stdout.is_empty(), "nothing on stdout");
}

#[test]
fn plan_dates_json_has_the_contract_shape() {
    let dates = json(&["plan", "dates", "--t0", "2026-12-07T10:00", "--json"]);
    let keys: Vec<&str> = dates.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["plan", "tz", "t0", "phases", "checkpoints", "freezes"]);
    assert_eq!(dates["plan"], "launch-plan-v1");
    assert_eq!(dates["tz"], "Europe/Warsaw");
    assert_eq!(dates["t0"], "2026-12-07T10:00:00+01:00");
    assert_eq!(
        dates["phases"][1],
        serde_json::json!({"id": "pilot", "start": "2026-11-23T10:00:00+01:00", "end": "2026-11-30T10:00:00+01:00"})
    );
    let checkpoints = dates["checkpoints"].as_array().unwrap();
    let offsets: Vec<&str> = checkpoints.iter().map(|c| c["offset"].as_str().unwrap()).collect();
    assert_eq!(offsets, ["T-7d", "T-3d", "T-1d", "T-2h", "T-30m", "T0", "T+1h", "T+24h", "T+7d"]);
    assert_eq!(
        checkpoints[0]["items"][2],
        serde_json::json!({"id": "t7d-buffers", "title": "Gas/TRX reserves topped up; min_hot_balance ≥ thresholds.", "owner": "treasury_lead"})
    );
    assert_eq!(checkpoints[7]["at"], "2026-12-08T10:00:00+01:00");
    assert_eq!(
        dates["freezes"][0],
        serde_json::json!({"kind": "code", "start": "2026-11-30T10:00:00+01:00", "end": "2026-12-09T10:00:00+01:00"})
    );
    assert_eq!(dates["freezes"][1]["kind"], "config");
}

#[test]
fn plan_dates_across_dst_and_other_zones() {
    let spring = json(&["plan", "dates", "--t0", "2026-04-05T02:30", "--json"]);
    assert_eq!(spring["checkpoints"][0]["at"], "2026-03-29T03:30:00+02:00", "T-7d lands in the gap and moves forward");
    let autumn = json(&["plan", "dates", "--t0", "2026-10-25T04:00", "--json"]);
    assert_eq!(autumn["checkpoints"][3]["at"], "2026-10-25T02:00:00+01:00", "T-2h is elapsed time across fall-back");
    let tokyo = json(&["plan", "dates", "--t0", "2026-12-07T10:00", "--tz", "Asia/Tokyo", "--json"]);
    assert_eq!((tokyo["tz"].as_str(), tokyo["t0"].as_str()), (Some("Asia/Tokyo"), Some("2026-12-07T10:00:00+09:00")));
    let explicit = json(&["plan", "dates", "--t0", "2026-10-25T02:30+01:00", "--json"]);
    assert_eq!(explicit["t0"], "2026-10-25T02:30:00+01:00");
}

#[test]
fn bad_t0_zone_and_plan_file_exit_2_naming_them() {
    refused(&["plan", "dates", "--t0", "2026-03-29T02:30"], "2026-03-29T02:30");
    refused(&["plan", "dates", "--t0", "2026-10-25T02:30", "--json"], "ambiguous");
    refused(&["plan", "dates", "--t0", "next monday"], "next monday");
    refused(&["plan", "dates", "--t0", "2026-12-07T10:00", "--tz", "Europe/Warsw"], "Europe/Warsw");
    refused(&["plan", "dates", "--t0", "2026-12-07T10:00", "--plan", "/nonexistent/plan.toml"], "/nonexistent/plan.toml");
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, clubgate_core_plan().replacen("owner = \"devops_lead\"", "owner = \"ops\"", 1)).unwrap();
    refused(&["plan", "dates", "--t0", "2026-12-07T10:00", "--plan", bad.to_str().unwrap()], "bad.toml");
    refused(&["plan", "validate", bad.to_str().unwrap()], "owner \"ops\"");
}

fn clubgate_core_plan() -> String {
    String::from_utf8(clubgate(&["plan", "default"]).stdout).unwrap()
}

#[test]
fn the_default_plan_validates_and_an_edited_copy_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("team.toml");
    std::fs::write(&copy, clubgate_core_plan().replacen("time_zone = \"Europe/Warsaw\"", "time_zone = \"Europe/London\"", 1)).unwrap();
    let summary = json(&["plan", "validate", copy.to_str().unwrap(), "--json"]);
    assert_eq!(summary["valid"], true);
    assert_eq!(summary["summary"]["time_zone"], "Europe/London");
    let dates = json(&["plan", "dates", "--t0", "2026-12-07T10:00", "--plan", copy.to_str().unwrap(), "--json"]);
    assert_eq!(dates["t0"], "2026-12-07T10:00:00+00:00");
}

fn db_args<'a>(db: &'a Path, args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["--db", db.to_str().unwrap()];
    all.extend_from_slice(args);
    all
}

#[test]
fn checklist_changes_persist_and_gate_the_launch() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    refused(&db_args(&db, &["checklist", "show"]), "no launch is configured");
    json(&db_args(&db, &["launch", "set", "--t0", "2026-12-07T10:00", "--who", "IC", "--json"]));
    let done = json(&db_args(
        &db,
        &[
            "checklist",
            "set",
            "t7d-buffers",
            "--state",
            "done",
            "--who",
            "Olga",
            "--evidence",
            "ETH 12.5",
            "--at",
            "2026-11-30T09:00:00Z",
            "--json",
        ],
    ));
    assert_eq!(done["state"], "done");
    refused(&db_args(&db, &["checklist", "set", "t7d-buffers", "--state", "done", "--who", "Olga"]), "evidence");
    refused(&db_args(&db, &["checklist", "set", "t7d-bufers", "--state", "done", "--who", "Olga", "--evidence", "x"]), "t7d-bufers");
    refused(&db_args(&db, &["checklist", "set", "t7d-buffers", "--state", "finished", "--who", "Olga", "--evidence", "x"]), "finished");
    let items = json(&db_args(&db, &["checklist", "show", "--owner", "treasury_lead", "--checkpoint", "T-7d", "--json"]));
    assert_eq!(items["items"].as_array().unwrap().len(), 1);
    assert_eq!((items["items"][0]["state"].as_str(), items["items"][0]["evidence"].as_str()), (Some("done"), Some("ETH 12.5")));
    let gate = json(&db_args(&db, &["gate", "--json"]));
    assert_eq!((gate["verdict"].as_str(), gate["blockers"].as_array().unwrap().len()), (Some("NO-GO"), 4));
    for id in ["entry-test-plan", "entry-ops-active", "entry-wallet-sop", "entry-legal-contacts"] {
        json(&db_args(&db, &["checklist", "set", id, "--state", "done", "--who", "QA", "--evidence", "signed off", "--json"]));
    }
    let gate = json(&db_args(&db, &["gate", "--json"]));
    assert_eq!((gate["verdict"].as_str(), gate["done"].as_u64()), (Some("GO"), Some(4)));
    let history = json(&db_args(&db, &["checklist", "history", "t7d-buffers", "--json"]));
    assert_eq!(history["changes"].as_array().unwrap().len(), 1);
    let status = json(&db_args(&db, &["freeze", "status", "--at", "2026-12-06T10:00:00Z", "--json"]));
    assert_eq!(status, serde_json::json!({"at": "2026-12-06T11:00:00+01:00", "active": ["code", "config"], "change_window_open": true}));
    let check = json(&db_args(
        &db,
        &[
            "freeze",
            "check",
            "--who",
            "Ivan",
            "--what",
            "cap 300k",
            "--when",
            "2026-12-06T10:00:00Z",
            "--rollback",
            "back to 250k",
            "--area",
            "config",
            "--key",
            "per_tx_cap",
            "--json",
        ],
    ));
    assert_eq!(check["verdict"], "needs_ic_decision");
}

#[test]
fn simulate_then_report_and_evaluate_with_the_contract_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("trc20.jsonl");
    let events = events.to_str().unwrap();
    let written =
        json(&["simulate", "--scenario", "rpc-degradation-trc20", "--t0", "2026-12-07T10:00", "--seed", "5", "--out", events, "--json"]);
    assert!(written["events"].as_u64().unwrap() > 2000);
    let again = dir.path().join("again.jsonl");
    json(&[
        "simulate",
        "--scenario",
        "rpc-degradation-trc20",
        "--t0",
        "2026-12-07T10:00",
        "--seed",
        "5",
        "--out",
        again.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(std::fs::read(events).unwrap(), std::fs::read(&again).unwrap(), "deterministic per seed");

    let report = json(&[
        "slo",
        "report",
        "--events",
        events,
        "--from",
        "2026-12-07T10:00",
        "--to",
        "2026-12-08T10:00",
        "--t0",
        "2026-12-07T10:00",
        "--json",
    ]);
    let keys: Vec<&str> = report.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["windows", "eod", "slo", "kpi"]);
    let window = &report["windows"][0];
    let window_keys: Vec<&str> = window.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        window_keys,
        [
            "start",
            "end",
            "scope",
            "pass_through_p95_s",
            "payouts_confirmed",
            "in_flight",
            "queue_depth_end",
            "webhook_success_ratio",
            "webhook_attempts",
            "dead_letter_depth_end"
        ]
    );
    assert_eq!(
        (window["start"].as_str(), window["end"].as_str(), window["scope"].as_str()),
        (Some("2026-12-07T10:00:00+01:00"), Some("2026-12-07T10:15:00+01:00"), Some("global"))
    );
    let windows = report["windows"].as_array().unwrap();
    let trc20: Vec<&Value> = windows.iter().filter(|w| w["scope"] == "network:trc20").collect();
    assert_eq!(trc20.len(), 96, "a day of 15-minute windows");
    assert!(trc20.iter().any(|w| w["pass_through_p95_s"].as_f64().unwrap_or(0.0) > 1800.0), "the TRC-20 stall shows");
    assert!(trc20.iter().all(|w| w["webhook_success_ratio"].is_null()), "webhooks are global only");
    assert_eq!(report["eod"][0]["business_day"], "2026-12-07");
    assert_eq!(report["eod"][0]["sessions"], 2);
    assert!(report["kpi"]["t0_to_first_eod_s"].as_f64().is_some());
    assert_eq!(report["slo"]["pass_through_p95"]["target_s"], 900);

    let evaluation = json(&["rollback", "evaluate", "--events", events, "--at", "2026-12-07T15:30", "--json"]);
    assert_eq!(evaluation["at"], "2026-12-07T15:30:00+01:00");
    assert_eq!(evaluation["recommendation"], "partial");
    assert_eq!(evaluation["scope"], "network:trc20");
    let triggers = evaluation["triggers"].as_array().unwrap();
    assert!(triggers.iter().all(|t| t["rule"] == "pass_through"));
    let network = triggers.iter().find(|t| t["scope"] == "network:trc20").expect("the network trigger");
    assert_eq!(network["evidence"]["threshold_s"], 1800);
    assert!(network["evidence"]["queue_depth_end"].as_u64() > network["evidence"]["queue_depth_start"].as_u64());
    assert!(network["since"].as_str().unwrap().starts_with("2026-12-07T1"));
    let calm = json(&["rollback", "evaluate", "--events", events, "--at", "2026-12-07T12:00", "--json"]);
    assert_eq!((calm["recommendation"].as_str(), calm["triggers"].as_array().map(Vec::len)), (Some("none"), Some(0)));
}

#[test]
fn bad_event_files_exit_2_with_line_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("bad.jsonl");
    std::fs::write(
        &events,
        "{\"seq\":1,\"id\":\"00000000-0000-4000-8000-000000000001\",\"at\":\"2026-12-07T09:40:00Z\",\"kind\":\"payout.confirmed\",\"payout_id\":\"A\"}\nnot json\n",
    )
    .unwrap();
    let output = clubgate(&["rollback", "evaluate", "--events", events.to_str().unwrap(), "--at", "2026-12-07T10:00", "--json"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.jsonl: line 1: payout \"A\" is unknown"), "{stderr}");
    assert!(stderr.contains("bad.jsonl: line 2: not a valid event"), "{stderr}");
    refused(&["simulate", "--scenario", "meteor", "--t0", "2026-12-07T10:00", "--out", "/tmp/x.jsonl"], "meteor");
    refused(
        &[
            "slo",
            "report",
            "--events",
            events.to_str().unwrap(),
            "--from",
            "2026-12-07T10:00",
            "--to",
            "2026-12-07T11:00",
            "--window",
            "7m",
        ],
        "7m",
    );
    refused(&["rollback", "evaluate", "--events", "/nonexistent.jsonl", "--at", "2026-12-07T10:00"], "/nonexistent.jsonl");
}

#[test]
fn payout_plan_batches_and_reports_the_headroom() {
    let plan = json(&[
        "payout",
        "plan",
        "--network",
        "erc20",
        "--token",
        "USDT",
        "--to",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "--amount",
        "600000",
        "--daily-target",
        "1000000",
        "--signed-today",
        "50000",
        "--t0",
        "2026-12-07T10:00",
        "--at",
        "2026-11-25T12:00:00Z",
        "--json",
    ]);
    assert_eq!(
        plan["chunks"],
        serde_json::json!([{"index": 0, "amount": 250_000_000_000u64}, {"index": 1, "amount": 250_000_000_000u64}, {"index": 2, "amount": 100_000_000_000u64}])
    );
    assert_eq!(plan["cap"], 250_000_000_000u64);
    assert_eq!(
        plan["phase_headroom"],
        serde_json::json!({"phase": "pilot", "percent": 10, "cap": 100_000_000_000u64, "signed": 50_000_000_000u64, "left": 50_000_000_000u64, "fits": false})
    );
    let trc = json(&[
        "payout",
        "plan",
        "--network",
        "trc20",
        "--token",
        "USDC",
        "--to",
        "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
        "--amount",
        "1.5",
        "--json",
    ]);
    assert_eq!(trc["chunks"], serde_json::json!([{"index": 0, "amount": 1_500_000}]));
    assert_eq!(trc["phase_headroom"], serde_json::Value::Null);
    refused(
        &["payout", "plan", "--network", "erc20", "--token", "USDT", "--to", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "--amount", "1"],
        "EIP-55",
    );
    refused(
        &["payout", "plan", "--network", "trc20", "--token", "USDT", "--to", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", "--amount", "1"],
        "base58check",
    );
    refused(
        &[
            "payout",
            "plan",
            "--network",
            "erc20",
            "--token",
            "USDT",
            "--to",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "--amount",
            "1.0000001",
        ],
        "7 decimals",
    );
    refused(
        &[
            "payout",
            "plan",
            "--network",
            "erc20",
            "--token",
            "USDT",
            "--to",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "--amount",
            "-5",
        ],
        "negative",
    );
}

const ANVIL_KEY: &str = "dev:ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

#[test]
fn tx_build_erc20_then_decode_the_exact_bytes() {
    let args = [
        "tx",
        "build-erc20",
        "--chain-id",
        "31337",
        "--token",
        "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "--to",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "--amount",
        "250000",
        "--nonce",
        "7",
        "--gas-limit",
        "65000",
        "--max-fee-per-gas-wei",
        "30000000000",
        "--max-priority-fee-per-gas-wei",
        "1500000000",
        "--signer",
        ANVIL_KEY,
    ];
    let mut with_dev = args.to_vec();
    with_dev.extend(["--profile", "dev", "--json"]);
    let built = json(&with_dev);
    assert_eq!(built["from"], "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    assert!(built["raw"].as_str().unwrap().starts_with("0x02f8b2827a6907"));
    let decoded = json(&["tx", "decode", built["raw"].as_str().unwrap(), "--json"]);
    assert_eq!(decoded["amount"], 250_000_000_000u64, "amounts are base-unit integers");
    assert_eq!(
        (decoded["to"].as_str(), decoded["nonce"].as_u64(), decoded["chain_id"].as_u64()),
        (Some("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"), Some(7), Some(31337))
    );
    assert_eq!(decoded["from"], built["from"]);
    assert_eq!(decoded["hash"], built["hash"]);
    // Without --profile dev the development key is refused, and the key is never echoed.
    let output = clubgate(&args);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("refused outside the dev profile") && !stderr.contains("ac0974bec39a17e3"), "{stderr}");
    refused(&["tx", "decode", "0x01ff"], "not an EIP-1559");
    refused(&["tx", "decode", "zz"], "not hex");
}

/// A SoftHSM2 token `label` (user PIN 2468) with a secp256k1 key pair "hot", in its own
/// SOFTHSM2_CONF under `dir`; returns that configuration's path.
fn softhsm_token(dir: &Path, label: &str) -> std::path::PathBuf {
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(&conf, format!("directories.tokendir = {}\nobjectstore.backend = file\n", tokens.display())).unwrap();
    let ok = |command: &mut Command| assert!(command.env("SOFTHSM2_CONF", &conf).status().unwrap().success(), "{command:?}");
    ok(Command::new("softhsm2-util").args(["--init-token", "--free", "--label", label, "--pin", "2468", "--so-pin", "1357"]));
    ok(Command::new("pkcs11-tool").args([
        "--module",
        "/usr/lib/softhsm/libsofthsm2.so",
        "--token-label",
        label,
        "--login",
        "--pin",
        "2468",
        "--keypairgen",
        "--key-type",
        "EC:secp256k1",
        "--label",
        "hot",
    ]));
    conf
}

#[test]
fn tx_build_erc20_signs_with_a_softhsm2_key() {
    let dir = tempfile::tempdir().unwrap();
    let conf = softhsm_token(dir.path(), "cli");
    let args = [
        "tx",
        "build-erc20",
        "--chain-id",
        "1",
        "--token",
        "0xdAC17F958D2ee523a2206206994597C13D831ec7",
        "--to",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "--amount",
        "100000",
        "--nonce",
        "3",
        "--gas-limit",
        "65000",
        "--max-fee-per-gas-wei",
        "30000000000",
        "--max-priority-fee-per-gas-wei",
        "1000000000",
        "--signer",
        "pkcs11:cli/hot",
        "--json",
    ];
    let run = |pin: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_clubgate"));
        command.args(args).env("SOFTHSM2_CONF", &conf).env_remove("CLUBGATE_PKCS11_PIN");
        if let Some(pin) = pin {
            command.env("CLUBGATE_PKCS11_PIN", pin);
        }
        command.output().unwrap()
    };
    let missing = run(None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("CLUBGATE_PKCS11_PIN"));
    let signed = run(Some("2468"));
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));
    let built: Value = serde_json::from_slice(&signed.stdout).unwrap();
    let decoded = json(&["tx", "decode", built["raw"].as_str().unwrap(), "--json"]);
    assert_eq!(decoded["from"], built["from"], "the bytes recover to the HSM key");
    assert_ne!(built["from"], "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    assert_eq!(decoded["amount"], 100_000_000_000u64);
}

#[test]
fn tx_build_trc20_matches_tronweb_and_decodes() {
    let built = json(&[
        "tx",
        "build-trc20",
        "--token",
        "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
        "--to",
        "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8",
        "--amount",
        "200000",
        "--ref-block-bytes",
        "2a5c",
        "--ref-block-hash",
        "6b2a8d3c4e5f6071",
        "--expiration",
        "1893456060000",
        "--timestamp",
        "1893456000000",
        "--fee-limit",
        "30000000",
        "--signer",
        ANVIL_KEY,
        "--profile",
        "dev",
        "--json",
    ]);
    let tools = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/tron-build.js");
    let input = serde_json::json!({
        "privateKey": ANVIL_KEY.trim_start_matches("dev:"), "token": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "to": "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8",
        "amount": "200000000000", "refBlockBytes": "2a5c", "refBlockHash": "6b2a8d3c4e5f6071", "expiration": 1_893_456_060_000u64, "timestamp": 1_893_456_000_000u64, "feeLimit": 30_000_000,
    });
    let output = Command::new("node").arg(tools).arg(input.to_string()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let tronweb: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(built["raw_data_hex"], tronweb["raw_data_hex"]);
    assert_eq!(built["txid"], tronweb["txID"]);
    assert_eq!(built["signature"].as_str().unwrap(), tronweb["signature"].as_str().unwrap().to_lowercase());
    assert_eq!(built["owner"], tronweb["owner"]);
    let decoded = json(&["tx", "decode", built["raw_data_hex"].as_str().unwrap(), "--json"]);
    assert_eq!(
        (decoded["network"].as_str(), decoded["amount"].as_u64(), decoded["to"].as_str()),
        (Some("trc20"), Some(200_000_000_000), Some("TJRabPrwbZy45sbavfcjinPJC18kjpRTv8"))
    );
    // Expired: a timestamp in 2020.
    refused(
        &[
            "tx",
            "build-trc20",
            "--token",
            "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
            "--to",
            "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8",
            "--amount",
            "1",
            "--ref-block-bytes",
            "2a5c",
            "--ref-block-hash",
            "6b2a8d3c4e5f6071",
            "--expiration",
            "1577836860000",
            "--timestamp",
            "1577836800000",
            "--fee-limit",
            "1",
            "--signer",
            ANVIL_KEY,
            "--profile",
            "dev",
        ],
        "has passed",
    );
}

#[test]
fn a_payout_goes_from_bundle_through_a_2_of_3_quorum_to_one_signature_per_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let db = path("store.db");
    let hot = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"; // address of ANVIL_KEY
    let bundle = json(&[
        "payout",
        "bundle",
        "--bundle-id",
        "b-1",
        "--network",
        "erc20",
        "--token",
        "USDT",
        "--source",
        hot,
        "--to",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "--amount",
        "600000",
        "--out",
        &path("bundle.json"),
        "--json",
    ]);
    assert_eq!(bundle["chunks"], serde_json::json!([250_000_000_000u64, 250_000_000_000u64, 100_000_000_000u64]));
    let approvers: Vec<String> = ["11", "22", "33"].iter().map(|b| format!("dev:{}", b.repeat(32))).collect();
    let mut addresses = Vec::new();
    for (i, key) in approvers.iter().enumerate().take(2) {
        let approval = json(&[
            "approve",
            "--bundle",
            &path("bundle.json"),
            "--signer",
            key,
            "--profile",
            "dev",
            "--out",
            &path(&format!("a{i}.json")),
            "--json",
        ]);
        assert_eq!(approval["bundle_hash"], bundle["hash"]);
        addresses.push(approval["approver"].as_str().unwrap().to_owned());
    }
    addresses.push("0x000000000000000000000000000000000000dEaD".to_owned());
    let registry = addresses.join(",");
    let sign = |chunk: &str, approvals: &[&str], target: &str| {
        let mut args = vec![
            "--db",
            db.as_str(),
            "sign",
            "--bundle",
            &path("bundle.json"),
            "--approvers",
            &registry,
            "--chunk",
            chunk,
            "--signer",
            ANVIL_KEY,
            "--profile",
            "dev",
            "--daily-target",
            target,
            "--t0",
            "2026-11-20T10:00",
            "--token-contract",
            "0xdAC17F958D2ee523a2206206994597C13D831ec7",
            "--chain-id",
            "1",
            "--pending-nonce",
            "5",
            "--gas-limit",
            "65000",
            "--max-fee-per-gas-wei",
            "30000000000",
            "--max-priority-fee-per-gas-wei",
            "1000000000",
            "--json",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
        for approval in approvals {
            args.push("--approval".into());
            args.push(path(approval));
        }
        clubgate(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let first = sign("0", &["a0.json", "a1.json"], "300000");
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let signed: Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!((signed["chunk"].as_u64(), signed["attempt"].as_u64(), signed["from"].as_str()), (Some(0), Some(0), Some(hot)));
    let decoded = json(&["tx", "decode", signed["raw"].as_str().unwrap(), "--json"]);
    assert_eq!(decoded["amount"], 250_000_000_000u64);
    assert_eq!(decoded["nonce"], 5, "the wallet's first nonce comes from --pending-nonce, later ones from the store");
    let replace = |chunk: &str, reason: &str| {
        let mut args: Vec<String> =
            vec!["--db".into(), db.clone(), "sign".into(), "--bundle".into(), path("bundle.json"), "--approvers".into(), registry.clone()];
        for (flag, value) in [
            ("--chunk", chunk),
            ("--signer", ANVIL_KEY),
            ("--profile", "dev"),
            ("--daily-target", "300000"),
            ("--t0", "2026-11-20T10:00"),
            ("--token-contract", "0xdAC17F958D2ee523a2206206994597C13D831ec7"),
            ("--chain-id", "1"),
            ("--gas-limit", "65000"),
            ("--max-fee-per-gas-wei", "30000000000"),
            ("--max-priority-fee-per-gas-wei", "1000000000"),
            ("--replace", reason),
            ("--approval", &path("a0.json")),
            ("--approval", &path("a1.json")),
        ] {
            args.push(flag.into());
            args.push(value.into());
        }
        args.push("--json".into());
        clubgate(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    // The speed-up of chunk 0: attempt 1, the same nonce, both fees up by at least 10%; it
    // adds no volume (the 300,000 cap still has 50,000 left after chunk 0).
    let faster = replace("0", "speed-up");
    assert!(faster.status.success(), "{}", String::from_utf8_lossy(&faster.stderr));
    let faster: Value = serde_json::from_slice(&faster.stdout).unwrap();
    assert_eq!(faster["attempt"], 1);
    let sped = json(&["tx", "decode", faster["raw"].as_str().unwrap(), "--json"]);
    assert_eq!((sped["nonce"].as_u64(), sped["amount"].as_u64()), (Some(5), Some(250_000_000_000)));
    assert!(
        sped["max_fee_per_gas_wei"].as_u64().unwrap() >= 33_000_000_000
            && sped["max_priority_fee_per_gas_wei"].as_u64().unwrap() >= 1_100_000_000
    );
    let wrong_reason = replace("0", "expired");
    assert_eq!(wrong_reason.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong_reason.stderr).contains("ERC-20 chunks are replaced by speed-up"));
    let nothing = replace("2", "speed-up");
    assert!(String::from_utf8_lossy(&nothing.stderr).contains("no signed transaction to replace"));

    let stderr = |output: std::process::Output| {
        assert_eq!(output.status.code(), Some(2));
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    assert!(stderr(sign("0", &["a0.json", "a1.json"], "300000")).contains("already signed"), "never twice");
    assert!(stderr(sign("1", &["a0.json"], "300000")).contains("1 of the 2"), "quorum");
    assert!(stderr(sign("1", &["a0.json", "a0.json"], "300000")).contains("approved twice"), "distinct approvers");
    assert!(stderr(sign("1", &["a0.json", "a1.json"], "300000")).contains("exceed"), "250,000 signed + 250,000 > 300,000 cap");
    let second = sign("1", &["a0.json", "a1.json"], "1000000");
    assert!(second.status.success(), "within a larger daily target");
    let second: Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(json(&["tx", "decode", second["raw"].as_str().unwrap(), "--json"])["nonce"], 6, "the next chunk takes the next nonce");
    // A bundle edited after approval no longer matches its hash.
    let text = std::fs::read_to_string(path("bundle.json"))
        .unwrap()
        .replace("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359");
    std::fs::write(path("bundle.json"), text).unwrap();
    assert!(stderr(sign("2", &["a0.json", "a1.json"], "1000000")).contains("does not match its fields"));
}

#[test]
fn the_token_pin_comes_from_the_os_keychain() {
    // A real Secret Service: a private D-Bus session with an unlocked gnome-keyring.
    let dir = tempfile::tempdir().unwrap();
    let conf = softhsm_token(dir.path(), "kc");
    let clubgate = env!("CARGO_BIN_EXE_clubgate");
    let build = format!(
        "{clubgate} tx build-erc20 --chain-id 1 --token 0xdAC17F958D2ee523a2206206994597C13D831ec7 --to 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed --amount 1 --nonce 0 --gas-limit 65000 --max-fee-per-gas-wei 3 --max-priority-fee-per-gas-wei 1 --signer pkcs11:kc/hot --json"
    );
    let session = |script: String, home: &std::path::Path| {
        std::fs::create_dir_all(home).unwrap();
        Command::new("dbus-run-session")
            .args(["--", "sh", "-c", &format!("printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; {script}")])
            .env("SOFTHSM2_CONF", &conf)
            // A home of its own: gnome-keyring keeps its keyrings there, fresh for this test.
            .env("HOME", home)
            .env_remove("XDG_DATA_HOME")
            .env_remove("CLUBGATE_PKCS11_PIN")
            .output()
            .expect("dbus-run-session and gnome-keyring are installed by cargo xtask setup")
    };
    let home = dir.path().join("home");
    let signed = session(format!("printf '2468\\n' | {clubgate} keychain set-pin --token kc >/dev/null && {build}"), &home);
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));
    let built: Value = serde_json::from_slice(&signed.stdout).unwrap();
    assert_eq!(json(&["tx", "decode", built["raw"].as_str().unwrap(), "--json"])["from"], built["from"]);
    let wrong = session(format!("printf '1111\\n' | {clubgate} keychain set-pin --token kc >/dev/null && {build}"), &home);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("login refused"), "{}", String::from_utf8_lossy(&wrong.stderr));
    // Another user's home: an empty keychain, and no PIN in the environment.
    let none = session(build, &dir.path().join("other-home"));
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("keychain set-pin --token kc"), "{}", String::from_utf8_lossy(&none.stderr));
}

fn args(owned: &[String]) -> Vec<&str> {
    owned.iter().map(String::as_str).collect()
}

/// The CLI with the demo token's SOFTHSM2_CONF and PIN (no keychain runs in this test).
fn clubgate_hsm(conf: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clubgate"))
        .args(args)
        .env_remove("CLUBGATE_DATA_DIR")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("SOFTHSM2_CONF", conf)
        .env("CLUBGATE_PKCS11_PIN", clubgate_treasury::demo::DEMO_PIN)
        .output()
        .expect("run clubgate")
}

#[test]
fn with_a_treasury_file_payouts_and_canaries_are_signed_by_hsm_keys_under_roles_and_the_registry() {
    use clubgate_treasury::demo::{softhsm_demo, DEMO_PARTNER_ERC20, DEMO_PARTNER_TRC20};
    let dir = tempfile::tempdir().unwrap();
    let demo = softhsm_demo(dir.path(), "/usr/lib/softhsm/libsofthsm2.so").unwrap();
    let conf = demo.softhsm_conf.clone();
    let treasury = demo.treasury_file.to_str().unwrap().to_owned();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let db = path("store.db");
    let ok = |args: &[&str]| -> Value {
        let output = clubgate_hsm(&conf, args);
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).expect("JSON output")
    };
    let refused = |args: &[&str], names: &str| {
        let output = clubgate_hsm(&conf, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(names), "{stderr:?} names {names:?}");
    };
    let validated = ok(&["treasury", "validate", &treasury, "--json"]);
    assert_eq!((validated["quorum"].as_u64(), validated["wallets"].as_array().map(Vec::len)), (Some(2), Some(4)));
    let wallet =
        |id: &str| validated["wallets"].as_array().unwrap().iter().find(|w| w["id"] == id).unwrap()["address"].as_str().unwrap().to_owned();
    // The key's addresses on both networks are what the treasury file registered.
    let address = ok(&["signer", "address", "--signer", "pkcs11:clubgate-demo/hot-trc20", "--json"]);
    assert_eq!(address["trc20"].as_str().unwrap(), wallet("hot-trc20-1"));

    // Bundles: only from hot wallets, only to the allow-list.
    let bundle = |id: &str, network: &str, source: &str, to: &str, amount: &str| {
        vec![
            "payout",
            "bundle",
            "--treasury",
            &treasury,
            "--bundle-id",
            id,
            "--network",
            network,
            "--token",
            "USDT",
            "--source",
            source,
            "--to",
            to,
            "--amount",
            amount,
            "--out",
        ]
        .into_iter()
        .map(str::to_owned)
        .chain([path(&format!("{id}.json")), "--json".to_owned()])
        .collect::<Vec<_>>()
    };
    let not_allowed = bundle("x", "erc20", &wallet("hot-erc20-1"), "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "10");
    refused(&args(&not_allowed), "allow-list");
    let from_canary = bundle("x", "erc20", &wallet("canary-erc20"), DEMO_PARTNER_ERC20, "10");
    refused(&args(&from_canary), "not a configured hot wallet");
    let erc = ok(&args(&bundle("e-1", "erc20", &wallet("hot-erc20-1"), DEMO_PARTNER_ERC20, "600000")));
    assert_eq!(erc["chunks"].as_array().map(Vec::len), Some(3));
    let trc = ok(&args(&bundle("t-1", "trc20", &wallet("hot-trc20-1"), DEMO_PARTNER_TRC20, "250000.5")));
    assert_eq!(trc["chunks"], serde_json::json!([200_000_000_000u64, 50_000_500_000u64]));

    // Approvals: the treasury lead's role does not approve; approvers A and B do, with HSM keys.
    let approve = |id: &str, key: &str| {
        let bundle_path = path(&format!("{id}.json"));
        let out = path(&format!("{id}-{key}.json"));
        let signer = format!("pkcs11:clubgate-demo/{key}");
        clubgate_hsm(&conf, &["approve", "--treasury", &treasury, "--bundle", &bundle_path, "--signer", &signer, "--out", &out, "--json"])
    };
    let lead = approve("e-1", "treasury-lead");
    assert_eq!(lead.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&lead.stderr).contains("registered as treasury_lead, a role that does not approve payouts"));
    for (id, key) in [("e-1", "approver-a"), ("e-1", "approver-b"), ("t-1", "approver-a"), ("t-1", "approver-c")] {
        assert!(approve(id, key).status.success(), "{id} approved by {key}");
    }
    let sign = |id: &str, chunk: &str, key: &str, approvers: [&str; 2], extra: &[&str]| {
        let mut v: Vec<String> = ["--db", &db, "sign", "--treasury", &treasury, "--bundle", &path(&format!("{id}.json")), "--chunk", chunk]
            .into_iter()
            .map(str::to_owned)
            .collect();
        v.extend(["--signer".to_owned(), format!("pkcs11:clubgate-demo/{key}"), "--t0".to_owned(), "2026-11-01T10:00".to_owned()]);
        for approver in approvers {
            v.extend(["--approval".to_owned(), path(&format!("{id}-{approver}.json"))]);
        }
        v.extend(extra.iter().map(|s| (*s).to_owned()));
        v.push("--json".to_owned());
        clubgate_hsm(&conf, &args(&v))
    };
    let erc_extra = [
        "--token-contract",
        "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "--chain-id",
        "31337",
        "--gas-limit",
        "100000",
        "--max-fee-per-gas-wei",
        "3000000000",
        "--max-priority-fee-per-gas-wei",
        "1000000000",
    ];
    for chunk in ["0", "1", "2"] {
        let signed = sign("e-1", chunk, "hot-erc20", ["approver-a", "approver-b"], &erc_extra);
        assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));
        let signed: Value = serde_json::from_slice(&signed.stdout).unwrap();
        assert_eq!(signed["from"].as_str().unwrap(), wallet("hot-erc20-1"));
    }
    let twice = sign("e-1", "0", "hot-erc20", ["approver-a", "approver-b"], &erc_extra);
    assert_eq!(twice.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("never signed twice"));
    let now_ms = jiff::Timestamp::now().as_millisecond();
    let (timestamp, expiration) = (now_ms.to_string(), (now_ms + 60_000).to_string());
    let trc_extra = [
        "--token-contract",
        "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf",
        "--ref-block-bytes",
        "4b2f",
        "--ref-block-hash",
        "0102030405060708",
        "--timestamp",
        &timestamp,
        "--expiration",
        &expiration,
        "--fee-limit",
        "30000000",
    ];
    let wrong_wallet = sign("t-1", "0", "hot-erc20", ["approver-a", "approver-c"], &trc_extra);
    assert!(String::from_utf8_lossy(&wrong_wallet.stderr).contains("but bundle t-1 pays from"));
    let signed = sign("t-1", "1", "hot-trc20", ["approver-a", "approver-c"], &trc_extra);
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));
    let signed: Value = serde_json::from_slice(&signed.stdout).unwrap();
    let decoded = ok(&["tx", "decode", signed["raw_data_hex"].as_str().unwrap(), "--json"]);
    assert_eq!((decoded["owner"].as_str().unwrap(), decoded["amount"].as_u64()), (wallet("hot-trc20-1").as_str(), Some(50_000_500_000)));

    // TRC-20 after expiry: re-signed only while unbroadcast, as a recorded replacement.
    let short = |ms: i64| {
        let now_ms = jiff::Timestamp::now().as_millisecond();
        (now_ms.to_string(), (now_ms + ms).to_string())
    };
    let trc = |timestamp: &str, expiration: &str, replace: Option<&str>| {
        let mut extra: Vec<String> = [
            "--token-contract",
            "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf",
            "--ref-block-bytes",
            "4b2f",
            "--ref-block-hash",
            "0102030405060708",
            "--timestamp",
            timestamp,
            "--expiration",
            expiration,
            "--fee-limit",
            "30000000",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        if let Some(reason) = replace {
            extra.extend(["--replace".to_owned(), reason.to_owned()]);
        }
        sign("t-1", "0", "hot-trc20", ["approver-a", "approver-c"], &args(&extra))
    };
    let (timestamp, expiration) = short(1_000);
    assert!(trc(&timestamp, &expiration, None).status.success());
    let (timestamp, expiration) = short(60_000);
    let early = trc(&timestamp, &expiration, Some("expired"));
    assert!(String::from_utf8_lossy(&early.stderr).contains("it may still confirm"), "{}", String::from_utf8_lossy(&early.stderr));
    std::thread::sleep(std::time::Duration::from_millis(1_200));
    let (timestamp, expiration) = short(1_000);
    let resigned = trc(&timestamp, &expiration, Some("expired"));
    assert!(resigned.status.success(), "{}", String::from_utf8_lossy(&resigned.stderr));
    assert_eq!(serde_json::from_slice::<Value>(&resigned.stdout).unwrap()["attempt"], 1);
    let marked = ok(&["--db", &db, "tx", "mark-broadcast", "--bundle-id", "t-1", "--chunk", "0", "--who", "ops", "--json"]);
    assert_eq!(marked["attempt"], 1);
    std::thread::sleep(std::time::Duration::from_millis(1_200));
    let (timestamp, expiration) = short(60_000);
    let after_broadcast = trc(&timestamp, &expiration, Some("expired"));
    assert_eq!(after_broadcast.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&after_broadcast.stderr).contains("was broadcast at"),
        "{}",
        String::from_utf8_lossy(&after_broadcast.stderr)
    );

    // Canary payouts: 1 USDT from each canary wallet to its check address, once a day.
    let canary = |wallet: &str, extra: &[&str]| {
        let mut v =
            vec!["--db", db.as_str(), "canary", "sign", "--treasury", treasury.as_str(), "--wallet", wallet, "--t0", "2026-12-07T10:00"];
        v.extend(extra);
        v.push("--json");
        clubgate_hsm(&conf, &v)
    };
    let before = ok(&["--db", &db, "canary", "status", "--treasury", &treasury, "--t0", "2026-12-07T10:00", "--json"]);
    assert!(before["canaries"].as_array().unwrap().iter().all(|c| c["status"] == "not signed"));
    let erc_canary = canary("canary-erc20", &["--pending-nonce", "3"]);
    assert!(erc_canary.status.success(), "{}", String::from_utf8_lossy(&erc_canary.stderr));
    let erc_canary: Value = serde_json::from_slice(&erc_canary.stdout).unwrap();
    let decoded = ok(&["tx", "decode", erc_canary["raw"].as_str().unwrap(), "--json"]);
    assert_eq!(decoded["amount"], 1_000_000);
    assert_eq!(decoded["to"], "0xB8b8b8B8b8B8B8B8b8b8B8B8b8B8B8b8b8B8b8b8");
    assert_eq!((decoded["nonce"].as_u64(), decoded["chain_id"].as_u64()), (Some(3), Some(31337)));
    assert_eq!(decoded["from"].as_str().unwrap(), wallet("canary-erc20"));
    let no_ref = canary("canary-trc20", &[]);
    assert_eq!(no_ref.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_ref.stderr).contains("needs the reference block"));
    let trc_canary = canary("canary-trc20", &["--ref-block-bytes", "4b2f", "--ref-block-hash", "0102030405060708"]);
    assert!(trc_canary.status.success(), "{}", String::from_utf8_lossy(&trc_canary.stderr));
    let again = canary("canary-erc20", &[]);
    assert_eq!(again.status.code(), Some(2), "one canary payout per wallet and day");
    let hot = canary("hot-erc20-1", &[]);
    assert!(String::from_utf8_lossy(&hot.stderr).contains("canary payouts leave from canary wallets only"));
    let after = ok(&["--db", &db, "canary", "status", "--treasury", &treasury, "--t0", "2026-12-07T10:00", "--json"]);
    let statuses: Vec<(&str, &str)> =
        after["canaries"].as_array().unwrap().iter().map(|c| (c["network"].as_str().unwrap(), c["status"].as_str().unwrap())).collect();
    assert_eq!(statuses, [("erc20", "signed"), ("trc20", "signed")]);

    // The planner reads the day's signed volume from the registry and the treasury's target
    // and allow-list: 600,000 + 200,000 + 50,000.5 originals and two 1-token canaries.
    let planned = ok(&[
        "--db",
        &db,
        "payout",
        "plan",
        "--network",
        "erc20",
        "--token",
        "USDT",
        "--to",
        DEMO_PARTNER_ERC20,
        "--amount",
        "1149997.5",
        "--treasury",
        &treasury,
        "--t0",
        "2026-11-01T10:00",
        "--json",
    ]);
    assert_eq!(planned["allow_listed"], true);
    assert_eq!(
        planned["phase_headroom"],
        serde_json::json!({"phase": "full", "percent": 100, "cap": 2_000_000_000_000u64, "signed": 850_002_500_000u64, "left": 1_149_997_500_000u64, "fits": true})
    );
}

#[test]
fn a_ledger_signer_is_wired_and_says_what_to_do_without_a_device() {
    // No Ledger is attached here or on CI: approving and signing with one are refused with
    // what to do; a malformed path is refused before any device is asked.
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("b.json");
    let bundle = bundle.to_str().unwrap();
    json(&[
        "payout",
        "bundle",
        "--bundle-id",
        "l-1",
        "--network",
        "erc20",
        "--token",
        "USDT",
        "--source",
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "--to",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "--amount",
        "5",
        "--out",
        bundle,
        "--json",
    ]);
    let out = dir.path().join("a.json");
    let approve = |signer: &str| {
        let output = clubgate(&["approve", "--bundle", bundle, "--signer", signer, "--out", out.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    assert!(approve("ledger:m/44'/60'/0'/0/0").contains("connect the Ledger over USB, unlock it, open the Ethereum app"));
    assert!(approve("ledger:m/44'/60'/x").contains("every index is a number"));
    assert!(!out.exists(), "nothing written");
    refused(
        &[
            "tx",
            "build-erc20",
            "--chain-id",
            "1",
            "--token",
            "0xdAC17F958D2ee523a2206206994597C13D831ec7",
            "--to",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "--amount",
            "1",
            "--nonce",
            "0",
            "--gas-limit",
            "65000",
            "--max-fee-per-gas-wei",
            "1",
            "--max-priority-fee-per-gas-wei",
            "1",
            "--signer",
            "ledger:m/44'/60'/0'/0/0",
        ],
        "connect the Ledger",
    );
}
