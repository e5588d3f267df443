//! Goal: the `clubgate` contract holds for scripts — the `plan dates --json` shape, exit
//! code 2 with a one-line error naming the bad T0, zone or plan file, and checklist
//! changes that persist in the store given by `--db`.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// The CLI with a data directory of this test process's own: a command without `--db` never
/// touches the user's store.
fn clubgate(args: &[&str]) -> Output {
    let data_dir = std::env::temp_dir().join(format!("clubgate-cli-tests-{}", std::process::id()));
    Command::new(env!("CARGO_BIN_EXE_clubgate")).args(args).env("CLUBGATE_DATA_DIR", data_dir).output().expect("run clubgate")
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

/// anvil's funded development key (a public test key).
const ANVIL_HEX: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// The `dev:file:` spec of a file holding `hex_key`, written under `dir`.
fn dev_key_file(dir: &Path, hex_key: &str) -> String {
    let path = dir.join(format!("dev-{}.key", &hex_key[..8]));
    std::fs::write(&path, format!("0x{hex_key}\n")).unwrap();
    format!("dev:file:{}", path.display())
}
/// ANVIL_HEX as an operator gives it: a file named by a `dev:file:` spec.
static ANVIL_KEY: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| dev_key_file(Path::new(env!("CARGO_TARGET_TMPDIR")), ANVIL_HEX));

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
        ANVIL_KEY.as_str(),
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
fn issue_8_tx_build_erc20_refuses_a_softhsm2_key_even_with_its_pin() {
    // A treasury key signs only through the flow (sign, canary sign, approve): refused before
    // any PIN is looked for or the token opened, with the PIN at hand or not.
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
    for pin in [None, Some("2468")] {
        let refused = run(pin);
        assert_eq!(refused.status.code(), Some(2), "{pin:?}: {}", String::from_utf8_lossy(&refused.stderr));
        assert!(refused.stdout.is_empty(), "nothing signed");
    }
}

#[test]
fn tx_build_trc20_matches_tronweb_and_decodes() {
    let built = json(&[
        "tx",
        "build-trc20",
        "--token",
        "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf",
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
        ANVIL_KEY.as_str(),
        "--profile",
        "dev",
        "--json",
    ]);
    let tools = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/tron-build.js");
    let input = serde_json::json!({
        "privateKey": ANVIL_HEX, "token": "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf", "to": "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8",
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
            "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf",
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
            ANVIL_KEY.as_str(),
            "--profile",
            "dev",
        ],
        "has passed",
    );
}

#[test]
fn the_token_pin_comes_from_the_os_keychain() {
    // A real Secret Service: a private D-Bus session with an unlocked gnome-keyring.
    let dir = tempfile::tempdir().unwrap();
    let conf = softhsm_token(dir.path(), "kc");
    let clubgate = env!("CARGO_BIN_EXE_clubgate");
    // Opening a wallet key logs in with the keychain's PIN (a wallet key signs only through
    // the flow, so the login is what is shown here).
    let build = format!("{clubgate} signer address --signer pkcs11:kc/hot --json");
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
    let opened: Value = serde_json::from_slice(&signed.stdout).unwrap();
    assert!(opened["erc20"].as_str().unwrap().starts_with("0x"), "{opened}");
    let wrong = session(format!("printf '1111\\n' | {clubgate} keychain set-pin --token kc >/dev/null && {build}"), &home);
    assert_eq!(wrong.status.code(), Some(2));
    assert_eq!(error_code(&wrong), "login_refused");
    // Another user's home: an empty keychain, and no PIN in the environment.
    let none = session(build, &dir.path().join("other-home"));
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("keychain set-pin --token kc"), "{}", String::from_utf8_lossy(&none.stderr));
}

/// The stable code of a `--json` command's error document on standard error.
fn error_code(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let document: Value =
        stderr.lines().rev().find_map(|line| serde_json::from_str(line).ok()).unwrap_or_else(|| panic!("no JSON error in {stderr:?}"));
    document["error"]["code"].as_str().unwrap_or_else(|| panic!("no error code in {stderr:?}")).to_owned()
}

/// Issue 8: `clubgate sign` took the guardrails as flags (approvers, threshold, daily target,
/// T0, plan, token contract, signer, chain fields); none of them exists any more.
#[test]
fn issue_8_sign_has_none_of_the_override_flags() {
    for flag in [
        "--approvers",
        "--threshold",
        "--daily-target",
        "--t0",
        "--plan",
        "--token-contract",
        "--signer",
        "--chain-id",
        "--gas-limit",
        "--max-fee-per-gas-wei",
        "--replace",
        "--pending-nonce",
    ] {
        let output = clubgate(&["sign", "--bundle", "b.json", "--treasury", "t.toml", "--chunk", "0", "--review", "0x00", flag, "1"]);
        assert_eq!(output.status.code(), Some(2), "{flag}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(&format!("unexpected argument '{flag}'")),
            "{flag} is not an argument of sign"
        );
    }
    let output = clubgate(&["payout", "bundle", "--bundle-id", "x"]);
    assert_eq!(output.status.code(), Some(2), "bundle ids are generated, never typed");
}

#[test]
fn with_a_treasury_file_payouts_and_canaries_are_signed_by_hsm_keys_through_the_one_flow() {
    use clubgate_treasury::demo::{demo_token_of, softhsm_demo, DEMO_PARTNER_ERC20, DEMO_PARTNER_TRC20};
    let dir = tempfile::tempdir().unwrap();
    let demo = softhsm_demo(dir.path(), "/usr/lib/softhsm/libsofthsm2.so").unwrap();
    let conf = demo.softhsm_conf.clone();
    let treasury = demo.treasury_file.to_str().unwrap().to_owned();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let db = path("store.db");
    let run = |args: &[&str], stdin: &str| -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_clubgate"))
            .args(["--db", &db])
            .args(args)
            .env_remove("CLUBGATE_DATA_DIR")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env("SOFTHSM2_CONF", &conf)
            .env("CLUBGATE_PKCS11_PIN", clubgate_treasury::demo::DEMO_PIN)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run clubgate");
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let ok = |args: &[&str], stdin: &str| -> Value {
        let output = run(args, stdin);
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).expect("JSON output")
    };
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let t0 = jiff::Timestamp::now().to_zoned_datetime(tz).date().checked_add(jiff::ToSpan::days(3)).unwrap();
    let t0 = format!("{t0}T10:00");
    ok(&["launch", "set", "--t0", &t0, "--who", "Irina (IC)", "--json"], "");
    let validated = ok(&["treasury", "validate", &treasury, "--json"], "");
    let wallet =
        |id: &str| validated["wallets"].as_array().unwrap().iter().find(|w| w["id"] == id).unwrap()["address"].as_str().unwrap().to_owned();

    // Bundles: generated ids, only from hot wallets, only to the allow-list.
    let bundle = |name: &str, network: &str, source: &str, to: &str, amount: &str| {
        let out = path(&format!("{name}.json"));
        run(
            &[
                "payout",
                "bundle",
                "--treasury",
                &treasury,
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
                &out,
                "--json",
            ],
            "",
        )
    };
    assert_eq!(
        error_code(&bundle("x", "erc20", &wallet("hot-erc20-1"), "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "10")),
        "not_allow_listed"
    );
    assert_eq!(error_code(&bundle("x", "erc20", &wallet("canary-erc20"), DEMO_PARTNER_ERC20, "10")), "source_wallet");
    let erc: Value = serde_json::from_slice(&bundle("e-1", "erc20", &wallet("hot-erc20-1"), DEMO_PARTNER_ERC20, "400000").stdout).unwrap();
    assert!(erc["bundle_id"].as_str().unwrap().starts_with("payout-"));
    assert_eq!(erc["chunks"].as_array().map(Vec::len), Some(2));
    let trc: Value = serde_json::from_slice(&bundle("t-1", "trc20", &wallet("hot-trc20-1"), DEMO_PARTNER_TRC20, "100").stdout).unwrap();
    assert_eq!(trc["token_contract"], "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf");

    // The keychain keeps wallet PINs only: an approver's token is refused before any PIN
    // is read.
    let kept = run(&["keychain", "set-pin", "--token", demo_token_of("approver-a").0, "--treasury", &treasury, "--json"], "1111\n");
    assert_eq!(error_code(&kept), "invalid_input");

    // Approvals need the approver: the PIN of their own token, read from the terminal (here
    // standard input), never from the environment or the keychain.
    let approve = |name: &str, key: &str, pin: &str| {
        let signer = format!("pkcs11:{}/{key}", demo_token_of(key).0);
        let out = path(&format!("{name}-{key}.json"));
        run(
            &["approve", "--treasury", &treasury, "--bundle", &path(&format!("{name}.json")), "--signer", &signer, "--out", &out, "--json"],
            &format!("{pin}\n"),
        )
    };
    let pin = |key: &str| demo_token_of(key).1;
    assert_eq!(error_code(&approve("e-1", "approver-b", pin("approver-a"))), "login_refused", "A's PIN does not approve as B");
    assert_eq!(error_code(&approve("e-1", "approver-b", "")), "invalid_input", "no PIN typed: the environment's PIN approves nobody");
    assert!(!dir.path().join("e-1-approver-b.json").exists(), "nothing written");
    assert_eq!(error_code(&approve("e-1", "treasury-lead", clubgate_treasury::demo::DEMO_PIN)), "role");
    for (name, key) in [("e-1", "approver-a"), ("e-1", "approver-b"), ("t-1", "approver-a"), ("t-1", "approver-c")] {
        let output = approve(name, key, pin(key));
        assert!(output.status.success(), "{name} approved by {key}: {}", String::from_utf8_lossy(&output.stderr));
    }
    let ledger = run(
        &[
            "approve",
            "--treasury",
            &treasury,
            "--bundle",
            &path("e-1.json"),
            "--signer",
            "ledger:m/44'/60'/0'/0/0",
            "--out",
            &path("l.json"),
        ],
        "",
    );
    assert_eq!(ledger.status.code(), Some(2), "no Ledger here: {}", String::from_utf8_lossy(&ledger.stderr));

    // Review, then sign exactly the reviewed bytes; never twice.
    let review = |name: &str, chunk: &str, extra: &[&str]| {
        let bundle_path = path(&format!("{name}.json"));
        let mut args = vec!["review", "--treasury", &treasury, "--bundle", &bundle_path, "--chunk", chunk, "--who", "Approver A", "--json"];
        args.extend_from_slice(extra);
        ok(&args, "")
    };
    let sign = |name: &str, chunk: &str, approvers: [&str; 2], review_hash: &str| {
        let approvals: Vec<String> = approvers.iter().map(|key| path(&format!("{name}-{key}.json"))).collect();
        let bundle_path = path(&format!("{name}.json"));
        let mut args = vec!["sign", "--treasury", &treasury, "--bundle", &bundle_path, "--chunk", chunk, "--review", review_hash, "--json"];
        for approval in &approvals {
            args.extend_from_slice(&["--approval", approval]);
        }
        run(&args, "")
    };
    let reviewed = review("e-1", "0", &[]);
    assert_eq!((reviewed["decoded"]["nonce"].as_u64(), reviewed["decoded"]["amount"].as_u64()), (Some(0), Some(250_000_000_000)));
    let hash = reviewed["review_hash"].as_str().unwrap();
    assert_eq!(error_code(&sign("e-1", "0", ["approver-a", "approver-a"], hash)), "quorum");
    let signed = sign("e-1", "0", ["approver-a", "approver-b"], hash);
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));
    let signed: Value = serde_json::from_slice(&signed.stdout).unwrap();
    assert_eq!(signed["review_hash"], reviewed["review_hash"], "the signed bytes are the reviewed ones");
    assert_eq!(signed["from"].as_str().unwrap(), wallet("hot-erc20-1"));
    assert_eq!(error_code(&sign("e-1", "0", ["approver-a", "approver-b"], hash)), "already_signed");
    let tron_review = review("t-1", "0", &["--ref-block-bytes", "4b2f", "--ref-block-hash", "0102030405060708"]);
    let tron = sign("t-1", "0", ["approver-a", "approver-c"], tron_review["review_hash"].as_str().unwrap());
    assert!(tron.status.success(), "{}", String::from_utf8_lossy(&tron.stderr));
    let tron: Value = serde_json::from_slice(&tron.stdout).unwrap();
    assert_eq!(format!("0x{}", tron["txid"].as_str().unwrap()), tron_review["review_hash"].as_str().unwrap());

    // Issue 8: the cap check ran outside the reservation's transaction. Two `clubgate sign`
    // processes on one store race with bundles whose sum exceeds the day's headroom
    // (600,000 − 400,000 − 100 = 199,900) by one base unit: exactly one signs.
    let racers = [("r-1", "100000"), ("r-2", "99900.000001")];
    let mut reviews = Vec::new();
    for (name, amount) in racers {
        assert!(bundle(name, "erc20", &wallet("hot-erc20-1"), DEMO_PARTNER_ERC20, amount).status.success());
        for key in ["approver-a", "approver-b"] {
            assert!(approve(name, key, pin(key)).status.success());
        }
        reviews.push(review(name, "0", &[])["review_hash"].as_str().unwrap().to_owned());
    }
    let spawn = |name: &str, review_hash: &str| {
        let bundle_path = path(&format!("{name}.json"));
        let (a, b) = (path(&format!("{name}-approver-a.json")), path(&format!("{name}-approver-b.json")));
        Command::new(env!("CARGO_BIN_EXE_clubgate"))
            .args(["--db", &db, "sign", "--treasury", &treasury, "--bundle", &bundle_path, "--chunk", "0", "--review", review_hash])
            .args(["--approval", &a, "--approval", &b, "--json"])
            .env_remove("CLUBGATE_DATA_DIR")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env("SOFTHSM2_CONF", &conf)
            .env("CLUBGATE_PKCS11_PIN", clubgate_treasury::demo::DEMO_PIN)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run clubgate")
    };
    let children = [spawn("r-1", &reviews[0]), spawn("r-2", &reviews[1])];
    let outcomes: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    let winners = outcomes.iter().filter(|o| o.status.success()).count();
    assert_eq!(winners, 1, "exactly one of two racing processes signs");
    let loser = outcomes.iter().find(|o| !o.status.success()).unwrap();
    assert_eq!(error_code(loser), "volume_cap");

    // Changing T0 now is a launch IC decision with its reason.
    let moved = run(&["launch", "set", "--t0", "2027-01-10T10:00", "--who", "Someone", "--json"], "");
    assert_eq!(error_code(&moved), "launch_locked");
    ok(&["launch", "set", "--t0", &t0, "--who", "Irina (IC)", "--ic-reason", "re-saved, unchanged", "--json"], "");

    // Canary payouts: reviewed, then exactly those bytes signed; one per wallet and day, no T0
    // flag (the launch record rules).
    let canary_review = ok(&["canary", "review", "--treasury", &treasury, "--wallet", "canary-erc20", "--who", "Lead", "--json"], "");
    assert_eq!(
        (canary_review["decoded"]["amount"].as_u64(), canary_review["decoded"]["network"].as_str()),
        (Some(1_000_000), Some("erc20"))
    );
    let canary_hash = canary_review["review_hash"].as_str().unwrap();
    let canary_sign =
        |wallet: &str, hash: &str| run(&["canary", "sign", "--treasury", &treasury, "--wallet", wallet, "--review", hash, "--json"], "");
    assert_eq!(error_code(&canary_sign("canary-erc20", "0x00")), "review_missing");
    assert_eq!(error_code(&canary_sign("canary-trc20", canary_hash)), "review_mismatch", "another wallet's review");
    let signed_canary = canary_sign("canary-erc20", canary_hash);
    assert!(signed_canary.status.success(), "{}", String::from_utf8_lossy(&signed_canary.stderr));
    let signed_canary: Value = serde_json::from_slice(&signed_canary.stdout).unwrap();
    assert_eq!(signed_canary["review_hash"].as_str(), Some(canary_hash));
    assert_eq!(error_code(&canary_sign("canary-erc20", canary_hash)), "already_signed");
    let hot_review = run(&["canary", "review", "--treasury", &treasury, "--wallet", "hot-erc20-1", "--who", "Lead", "--json"], "");
    assert_eq!(error_code(&hot_review), "source_wallet");
    let status = ok(&["canary", "status", "--treasury", &treasury, "--json"], "");
    let erc_canary = status["canaries"].as_array().unwrap().iter().find(|c| c["network"] == "erc20").unwrap();
    assert_eq!(erc_canary["status"], "signed");
}
