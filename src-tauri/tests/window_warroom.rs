//! Goal (issue 11, the window test): in the real app window the launch IC carries a
//! recommended partial rollback of TRC-20 through its procedure — the rpc-degradation-trc20
//! scenario's events (imported up to where the rules first recommend it) → "Declare
//! rollback" → announce → safe-mode on TRC-20 (a TRC-20 chunk can no longer be signed, even
//! with every approver; an ERC-20 one can) → volume down to the previous phase's level (the
//! day's cap at the signature follows) → stand down. Every step is a decision signed with the
//! launch IC's SoftHSM2 key (its PIN typed in the window), and the decision log shows each
//! one, verified, chained.
//!
//! The payout side runs through the CLI (`clubgate`) on the app's own store and treasury
//! file — the same store the window's decisions were written to. Needs what `tests/window.rs`
//! needs and the CLI next to the test (`cargo test -p clubgate-cli --no-run`).

mod support;

use std::process::{Command, Output};

use clubgate_core::launch::Launch;
use clubgate_core::ledger::{Ledger, Scope};
use clubgate_core::plan::Network;
use clubgate_core::rollback::{evaluate, Recommendation};
use clubgate_core::simulate::{simulate, Scenario, Simulation};
use clubgate_treasury::demo::{softhsm_demo, DEMO_LAUNCH_IC, DEMO_PARTNER_ERC20, DEMO_PARTNER_TRC20, DEMO_PIN};
use fantoccini::{Client, Locator};
use serde_json::Value;
use support::{attr, cli_binary, click, screenshot, text, type_into, wait_for, wait_until, Cli, Harness, WAIT};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

fn error_code(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let error: Value = stderr.lines().rev().find_map(|l| serde_json::from_str(l).ok()).unwrap_or_else(|| panic!("no JSON error: {stderr}"));
    error["error"]["code"].as_str().unwrap_or_default().to_owned()
}

/// The scenario's events up to (and including) the first one after which the rules
/// recommend a partial rollback of TRC-20, as JSON Lines.
fn degraded_until_partial_trc20(launch: &Launch) -> String {
    let tz = launch.t0.zoned().time_zone().clone();
    let events =
        simulate(&Simulation { scenario: Scenario::RpcDegradationTrc20, t0: launch.t0_instant(), tz: tz.clone(), seed: 1, hours: 24 });
    let mut ledger = Ledger::default();
    let mut lines = String::new();
    for (i, event) in events.iter().enumerate() {
        ledger.apply(event).expect("the simulator's events are valid");
        lines.push_str(&event.to_json());
        lines.push('\n');
        if i % 20 == 0 {
            let at = ledger.latest.unwrap() + 1;
            if evaluate(&ledger, &launch.plan, &tz, at).recommendation == Recommendation::Partial(Scope::Network(Network::Trc20)) {
                return lines;
            }
        }
    }
    panic!("the scenario never recommends a partial rollback of TRC-20");
}

async fn step_done(client: &Client, step: &str) -> String {
    let css = format!(".rollback[data-open='true'] .step[data-step='{step}'][data-done='true'] .step-done");
    wait_warroom(client, &css).await;
    text(client, &css).await
}

/// Waits for `css` on the warroom page; a refusal shown meanwhile fails the test with its words.
async fn wait_warroom(client: &Client, css: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    while client.find(Locator::Css(css)).await.is_err() {
        no_error(client).await;
        assert!(std::time::Instant::now() < deadline, "{css} did not appear");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Types the launch IC's PIN and presses `css`: the PIN is typed for each decision (the
/// field is emptied as a decision is sent).
async fn sign_with_pin(client: &Client, css: &str) {
    type_into(client, "#ic-pin", DEMO_LAUNCH_IC.2).await;
    // The PIN field is at the top and the buttons run down the page: centre the button, as a
    // user scrolls to it (WebKitWebDriver's own scrolling leaves one at the foot unclickable).
    wait_for(client, css).await;
    client.execute("document.querySelector(arguments[0]).scrollIntoView({block: 'center'})", vec![Value::from(css)]).await.expect("scroll");
    click(client, css).await;
}

async fn no_error(client: &Client) {
    if let Ok(error) = client.find(Locator::Css("#warroom-error")).await {
        panic!("the warroom refused: {:?}", error.text().await);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_launch_ic_carries_a_partial_rollback_through_the_warroom() {
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let demo = softhsm_demo(data_dir.path(), MODULE).expect("the demo tokens");
    let data = data_dir.path().display().to_string();
    let conf = demo.softhsm_conf.display().to_string();
    let cli = Cli { data: data.clone(), conf: conf.clone(), treasury: demo.treasury_file.display().to_string() };
    let treasury = clubgate_core::treasury::Treasury::from_toml(&std::fs::read_to_string(&demo.treasury_file).unwrap()).unwrap();
    // T0 three days ahead: the Canary phase governs, the level before it is the pilot's.
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let day = jiff::Timestamp::now().to_zoned_datetime(tz).date().checked_add(jiff::ToSpan::days(3)).unwrap();
    let t0 = format!("{day}T10:00");
    let launch_set = Command::new(cli_binary())
        .args(["launch", "set", "--t0", &t0, "--who", "Irina (IC)", "--json"])
        .env("CLUBGATE_DATA_DIR", &data)
        .output()
        .unwrap();
    assert!(launch_set.status.success(), "{}", String::from_utf8_lossy(&launch_set.stderr));
    let launch = Launch::new(clubgate_core::DEFAULT_PLAN_TOML, &t0, None).unwrap();
    let events = data_dir.path().join("rpc-degradation-trc20.jsonl");
    std::fs::write(&events, degraded_until_partial_trc20(&launch)).unwrap();

    let harness =
        Harness::start(300..500, &[("CLUBGATE_DATA_DIR", &data), ("SOFTHSM2_CONF", &conf), ("CLUBGATE_PKCS11_PIN", DEMO_PIN)], None);
    let client = harness.open_app().await;

    // The SLO picture: the degraded stream, the rules recommend a partial rollback of TRC-20.
    click(&client, "#nav-slo").await;
    type_into(&client, "#import-path", &events.display().to_string()).await;
    click(&client, "#import-run").await;
    wait_until(&client, "#import-report", WAIT, "the import", |t| t.contains("events imported")).await;
    wait_for(&client, "#slo-recommendation[data-recommendation='partial'][data-scope='network:trc20']").await;

    // Before any decision the recommendation alone asks TRC-20 for the quorum + 1.
    let trc =
        cli.approved_bundle(&treasury, "trc20", "hot-trc20-1", DEMO_PARTNER_TRC20, "1000", &["approver-a", "approver-b", "approver-c"]);
    let erc = cli.approved_bundle(&treasury, "erc20", "hot-erc20-1", DEMO_PARTNER_ERC20, "1000", &["approver-a", "approver-b"]);
    // 210,000 more fits the Canary cap (30 % of 2,000,000 a day) but not the pilot's (10 %).
    let big = cli.approved_bundle(&treasury, "erc20", "hot-erc20-1", DEMO_PARTNER_ERC20, "210000", &["approver-a", "approver-b"]);

    // The warroom: declare the rollback the rules recommend, signed with the IC's key.
    click(&client, "#nav-warroom").await;
    wait_warroom(&client, "#warroom-recommendation[data-recommendation='partial'][data-scope='network:trc20']").await;
    let ic = text(&client, "#warroom-ic").await;
    assert!(ic.contains("Launch IC"), "{ic}");
    type_into(&client, "#decide-why", "TRC-20 p95 pass-through above 30 min in consecutive windows").await;
    // A wrong PIN signs nothing and loses nothing.
    type_into(&client, "#ic-pin", "0000").await;
    click(&client, "#declare-rollback").await;
    let refusal = wait_until(&client, "#warroom-error", WAIT, "a refusal", |t| !t.is_empty()).await;
    assert!(refusal.to_lowercase().contains("pin") || refusal.contains("login"), "{refusal}");
    assert!(client.find(Locator::Css(".decision")).await.is_err(), "nothing was logged");
    sign_with_pin(&client, "#declare-rollback").await;
    wait_warroom(&client, ".rollback[data-open='true'][data-scope='network:trc20']").await;
    no_error(&client).await;
    let pin_left = client.execute("return document.querySelector('#ic-pin').value", vec![]).await.expect("the PIN field");
    assert_eq!(pin_left, Value::from(""), "the PIN is not kept for the next decision");

    // The procedure, step by step.
    type_into(&client, ".step[data-step='announce'] .step-evidence", "#launch-warroom message 14:05").await;
    sign_with_pin(&client, ".step[data-step='announce'] .step-run").await;
    assert!(step_done(&client, "announce").await.contains("#launch-warroom message 14:05"));
    sign_with_pin(&client, ".step[data-step='safe-mode'] .step-run").await;
    assert!(step_done(&client, "safe-mode").await.contains("network:trc20"));
    wait_until(&client, "#warroom-safe-mode", WAIT, "safe-mode on", |t| t.contains("network:trc20")).await;
    screenshot(&client, "warroom-01-safe-mode").await;

    // Safe-mode freezes TRC-20 payouts: not even three approvals sign; ERC-20 signs.
    let (reviewed, signed) = cli.review_and_sign(&trc, "trc20");
    assert!(reviewed["gate"].as_str().unwrap_or_default().contains("safe-mode is on for network:trc20"), "{reviewed}");
    assert_eq!(error_code(&signed), "slo_gate", "{}", String::from_utf8_lossy(&signed.stderr));
    let (reviewed, signed) = cli.review_and_sign(&erc, "erc20");
    assert!(reviewed["gate"].is_null(), "{reviewed}");
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));

    // Volume down to the previous phase's level: the pilot's 10 % of the daily target.
    let button = text(&client, ".step[data-step='volume-down'] .step-run").await;
    assert!(button.contains("pilot"), "{button}");
    sign_with_pin(&client, ".step[data-step='volume-down'] .step-run").await;
    assert!(step_done(&client, "volume-down").await.contains("pilot"));
    wait_until(&client, "#warroom-volume-level", WAIT, "the level", |t| t.contains("pilot (10%)")).await;
    // The day's cap at the signature follows: 1,000 signed + 210,000 > 200,000.
    let (_, signed) = cli.review_and_sign(&big, "erc20");
    assert_eq!(error_code(&signed), "volume_cap", "{}", String::from_utf8_lossy(&signed.stderr));

    // The partner message, previewed side by side in both languages from the live figures,
    // then logged as sent under the hash of its exact text.
    click(&client, ".step[data-step='notify-partners'] .comms-preview-run").await;
    let en = wait_until(&client, ".comms-side-by-side .comms-en .body", WAIT, "the EN message", |t| !t.is_empty()).await;
    let ru = text(&client, ".comms-side-by-side .comms-ru .body").await;
    let subject_en = text(&client, ".comms-side-by-side .comms-en .subject").await;
    let subject_ru = text(&client, ".comms-side-by-side .comms-ru .subject").await;
    assert!(subject_en.contains("paused") && subject_ru.contains("приостановлены"), "{subject_en} / {subject_ru}");
    assert!(subject_en.contains("TRC-20") || subject_en.contains("Tron"), "the affected network: {subject_en}");
    assert!(en.contains("p95 payout pass-through") && en.contains("Next update"), "{en}");
    assert!(!en.contains('{') && !ru.contains('{') && !ru.is_empty(), "every placeholder filled: {en}\n{ru}");
    let sha = attr(&client, ".comms-side-by-side", "data-sha256").await.unwrap_or_default();
    assert_eq!(sha.len(), 64, "{sha}");
    sign_with_pin(&client, ".step[data-step='notify-partners'] .comms-sent-run").await;
    let done = step_done(&client, "notify-partners").await;
    assert!(done.contains(&sha) && done.contains("en+ru"), "{done}");
    screenshot(&client, "warroom-02-partner-message").await;

    type_into(&client, ".step[data-step='rca'] .step-evidence", "RPC provider failover misconfigured; fixed in ops-142").await;
    sign_with_pin(&client, ".step[data-step='rca'] .step-run").await;
    step_done(&client, "rca").await;
    sign_with_pin(&client, ".rollback[data-open='true'] .stand-down").await;
    wait_for(&client, ".rollback[data-open='false'] .stood-down").await;
    no_error(&client).await;
    screenshot(&client, "warroom-03-stood-down").await;

    // The log: every step, signed by the IC, verified and chained.
    let rows = client.find_all(Locator::Css("#decision-log .decision")).await.unwrap();
    let mut kinds = Vec::new();
    for row in &rows {
        kinds.push(row.attr("data-kind").await.unwrap().unwrap_or_default());
        assert_eq!(row.attr("data-verified").await.unwrap().as_deref(), Some("true"));
    }
    assert_eq!(
        kinds,
        ["rollback_declared", "rollback_step", "safe_mode", "volume_level", "comms_sent", "rollback_step", "rollback_stood_down"]
    );
    assert_eq!(attr(&client, "#decision-log-state", "data-intact").await.as_deref(), Some("true"));
    // The CLI reads the same log from the same store and verifies it.
    let verified = cli.ok(&["log", "verify", "--json"], "");
    assert_eq!((verified["intact"].as_bool(), verified["entries"].as_u64()), (Some(true), Some(7)), "{verified}");
    let shown = cli.ok(&["log", "show", "--json"], "");
    assert_eq!(shown["entries"][0]["decision"]["author_name"], "Launch IC");
    assert_eq!(shown["entries"][0]["decision"]["details"]["scope"], "network:trc20");
    let declared = shown["entries"][0]["decision"]["id"].as_str().unwrap().to_owned();
    let snapshot = cli.ok(&["log", "show", "--snapshot", &declared, "--json"], "");
    assert_eq!(snapshot["snapshot"]["recommendation"], "partial", "the decision was taken on the degraded picture: {snapshot}");
    assert_eq!(snapshot["snapshot"]["scope"], "network:trc20");
}
