//! Goal (issue 12): `clubgate review`, `tx broadcast` and `tx status` against anvil. The
//! review takes the nonce and fees from the treasury file's node (nothing typed). A crash
//! between recording the broadcast and sending it (SIGKILL at the crash point
//! `broadcast.after_record`) leaves it recorded and unsent; broadcasting again after the
//! restart sends the same bytes — exactly one transfer on chain; sending once more is
//! success. `tx status --json` follows the chunk to confirmation and records it once.

#[path = "../../chain/tests/support/anvil.rs"]
mod anvil_support;
#[path = "../../treasury/tests/support/node_setup.rs"]
mod node_setup;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Output};

use alloy::primitives::U256;
use clubgate_chain::signer::Profile;
use clubgate_treasury::broadcast;
use clubgate_treasury::flow::{self, Policy, SignRequest};
use clubgate_treasury::signers::ConfiguredKeys;
use serde_json::{json, Value};

fn clubgate(data_dir: &Path, args: &[&str], crash: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_clubgate"));
    command.args(args).env("CLUBGATE_DATA_DIR", data_dir);
    match crash {
        Some(point) => command.env("CLUBGATE_CRASHPOINT", point),
        None => command.env_remove("CLUBGATE_CRASHPOINT"),
    };
    command.output().expect("run clubgate")
}

fn ok(output: &Output) -> Value {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

#[tokio::test]
async fn a_broadcast_killed_after_its_record_is_sent_once_after_the_restart_and_tracked_to_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let setup = node_setup::start(dir.path());
    let data = dir.path().join("desk");
    let store = setup.store(&data).await;
    let policy = Policy { treasury: &setup.treasury, launch: &setup.launch };
    let node = broadcast::connect(&setup.treasury).await.unwrap().unwrap();
    let (payout, approvals) = setup.approved_bundle("1000").await;
    let treasury = setup.treasury_file.to_str().unwrap();
    // `clubgate review` with a node in the treasury file: no --pending-nonce, the node's nonce
    // and fees (normal mode over its fee market).
    let bundle_file = dir.path().join("bundle.json");
    std::fs::write(&bundle_file, clubgate_treasury::bundle::to_document(&payout).to_string()).unwrap();
    let review = ok(&clubgate(
        &data,
        &["review", "--bundle", bundle_file.to_str().unwrap(), "--treasury", treasury, "--chunk", "0", "--who", "lead", "--json"],
        None,
    ));
    let pending = setup.quantity("eth_getTransactionCount", json!([setup.hot, "pending"]));
    assert_eq!(review["decoded"]["nonce"].as_u64().map(u128::from), Some(pending), "{review}");
    let market = node.fee_market().await.unwrap();
    let priority = market.priority_fee_wei.unwrap_or(setup.treasury.erc20.priority_fee_wei);
    let (max_fee, _) = clubgate_chain::erc20::FeeMode::Normal.fees(market.base_fee_wei, priority).unwrap();
    assert_eq!(review["decoded"]["max_fee_per_gas_wei"].to_string().trim_matches('"'), max_fee.to_string(), "{review}");
    let review_hash = review["review_hash"].as_str().unwrap().to_owned();
    let now = jiff::Timestamp::now();
    let keys = ConfiguredKeys { profile: Profile::Production };
    let request = SignRequest { bundle: &payout, approvals: &approvals, chunk: 0, review_hash: &review_hash, now, ledger: None };
    let signed = flow::sign_chunk(&store, policy, &keys, request).await.unwrap();
    store.close().await;

    // Red team F5/F4: `--fee-mode` is a speed-up's, at most one mode above the chunk's
    // (the file's "normal" → "fast"): an original at "urgent" and a speed-up two modes up
    // are refused (exit 2, fee_mode); with the node in the file a typed nonce is refused.
    let bundle_arg = bundle_file.to_str().unwrap();
    let review_args = |extra: &[&'static str]| {
        let mut args = vec!["review", "--bundle", bundle_arg, "--treasury", treasury, "--chunk", "0", "--who", "lead", "--json"];
        args.extend_from_slice(extra);
        args
    };
    let refusal = |output: &Output| -> (Option<i32>, Value) {
        let stderr = String::from_utf8_lossy(&output.stderr);
        (output.status.code(), serde_json::from_str(stderr.lines().last().unwrap_or_default()).unwrap_or(Value::Null))
    };
    let (exit, error) = refusal(&clubgate(&data, &review_args(&["--fee-mode", "urgent"]), None));
    assert_eq!((exit, error["error"]["code"].as_str()), (Some(2), Some("fee_mode")), "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("not taken for an original"), "{error}");
    let (exit, error) = refusal(&clubgate(&data, &review_args(&["--replace", "speed-up", "--fee-mode", "urgent"]), None));
    assert_eq!((exit, error["error"]["code"].as_str()), (Some(2), Some("fee_mode")), "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("at most fast"), "{error}");
    let one_up = ok(&clubgate(&data, &review_args(&["--replace", "speed-up", "--fee-mode", "fast"]), None));
    assert!(one_up["review_hash"].is_string(), "one mode up is reviewed: {one_up}");
    let (exit, error) = refusal(&clubgate(&data, &review_args(&["--replace", "speed-up", "--pending-nonce", "50"]), None));
    assert_eq!(exit, Some(2), "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("--pending-nonce 50 is not taken"), "{error}");

    let nonce = |tag: &str| setup.quantity("eth_getTransactionCount", json!([setup.hot, tag]));
    let before = nonce("pending");
    let args = ["tx", "broadcast", "--bundle-id", &payout.bundleId, "--chunk", "0", "--treasury", treasury, "--who", "lead", "--json"];

    // Killed between the record and the send: recorded, nothing sent.
    let killed = clubgate(&data, &args, Some("broadcast.after_record:1"));
    assert_eq!(killed.status.signal(), Some(9), "SIGKILL at the crash point: {}", String::from_utf8_lossy(&killed.stderr));
    assert_eq!(nonce("pending"), before, "nothing reached the node");
    let store = clubgate_store::Store::open(&clubgate_store::database_path(&data)).await.unwrap();
    assert!(store.broadcast_at(&payout.bundleId, 0, 0).await.unwrap().is_some(), "the broadcast was recorded before the send");
    store.close().await;

    // After the restart: sent once; sending again is success, not a second transfer.
    let sent = ok(&clubgate(&data, &args, None));
    assert_eq!(
        (sent["recorded"].as_bool(), sent["outcome"].as_str(), sent["tx_hash"].as_str()),
        (Some(false), Some("accepted"), Some(signed.hash.as_str()))
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while setup.anvil.call("eth_getTransactionReceipt", json!([signed.hash])).unwrap().is_null() {
        assert!(std::time::Instant::now() < deadline, "mined");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let again = ok(&clubgate(&data, &args, None));
    assert_eq!(again["outcome"].as_str(), Some("mined"));
    assert_eq!(nonce("latest"), before + 1, "exactly one transaction from the hot wallet");
    assert_eq!(setup.anvil.token_balance(setup.token, setup.partner), U256::from(1_000_000_000u64), "paid once");

    // The status table: mined (1 of 3 confirmations), then confirmed and recorded once.
    let status_args = ["tx", "status", "--treasury", treasury, "--json"];
    let status = ok(&clubgate(&data, &status_args, None));
    let row = &status["chunks"][0];
    assert_eq!(
        (row["status"].as_str(), row["confirmations"].as_u64(), row["stuck"].as_bool()),
        (Some("mined"), Some(1), Some(false)),
        "{status}"
    );
    assert_eq!((row["tx_hash"].as_str(), row["nonce"].as_u64()), (Some(signed.hash.as_str()), Some(u64::try_from(before).unwrap())));
    assert_eq!(status["chain_id"].as_u64(), Some(31337));
    setup.anvil.call("anvil_mine", json!(["0x2"])).unwrap();
    let status = ok(&clubgate(&data, &status_args, None));
    let row = &status["chunks"][0];
    assert_eq!(
        (row["status"].as_str(), row["confirmations"].as_u64(), row["required_confirmations"].as_u64()),
        (Some("confirmed"), Some(3), Some(3))
    );
    assert_eq!(row["recorded"], json!(["confirmed 0"]));
    assert_eq!(row["max_fee_per_gas_wei"].as_str().map(|s| s.parse::<u128>().is_ok()), Some(true), "wei as digit strings");
    let status = ok(&clubgate(&data, &status_args, None));
    assert_eq!(status["chunks"][0]["recorded"], json!([]), "recorded once");

    // Refusals: exit 2, a code, the value named.
    let unknown = ["tx", "broadcast", "--bundle-id", "pay-nothing", "--chunk", "0", "--treasury", treasury, "--json"];
    let refused = clubgate(&data, &unknown, None);
    assert_eq!(refused.status.code(), Some(2), "{}", String::from_utf8_lossy(&refused.stderr));
    let error: Value = serde_json::from_str(String::from_utf8_lossy(&refused.stderr).lines().last().unwrap()).unwrap();
    assert_eq!(error["error"]["code"].as_str(), Some("not_broadcastable"));
    assert!(error["error"]["message"].as_str().unwrap().contains("pay-nothing"), "{error}");
}
