//! Goal (issue 12, the window test): the treasury lead, in the real app window, sees every
//! wallet against its buffers from the chain and follows a payout to confirmation with a
//! stuck transaction sped up — against a real anvil node:
//! - Wallets: "Read balances from the chain" reads the ERC-20 wallets from anvil (the hot
//!   wallet holds 90,000 USDT under its 100,000 threshold: top up 10,000 USDT), while the
//!   TRC-20 wallets, with no Tron node in the policy, show the ledger's `wallet.balance`
//!   readings (the hot wallet's 100 TRX under the 500 TRX buffer: top up 400 TRX);
//! - Payouts: an approved bundle reviewed with its nonce and fees from the node (nothing
//!   typed), signed, broadcast from the window to anvil with mining paused → pending, then
//!   stuck with the speed-up at the next fee mode → reviewed and signed as a speed-up (same
//!   nonce, higher fees) and broadcast → a block is mined: the replacement confirms, the
//!   original never lands and the partner is paid once;
//! - EOD: the trust pair pair-s-m (Europe/Warsaw) owes 150,000 USDT on TRC-20 at yesterday's
//!   cut-off, its payer holds 100,000: the session settles partial — 100,000 settled, 50,000
//!   carried — shown with its cut-off in the pair's and the plan's zone; the dry run shows
//!   the 100,000 transfer to the payee's allow-listed address, and "Settle" refuses to queue
//!   from an imported stream (transfers come only from the ledger's or the desk's own events).
//!
//! Needs what `tests/window.rs` needs, anvil in tools/ and the CLI next to the test
//! (`cargo test -p clubgate-cli --no-run`).

#[path = "../../chain/tests/support/anvil.rs"]
mod anvil_support;
mod support;

use std::process::Command;

use alloy::primitives::{Address, TxKind, B256, U256};
use anvil_support::{deploy_token, dev_key, dev_raw, dev_tx, Anvil, CHAIN_ID};
use clubgate_chain::erc20::{sign, Transfer};
use clubgate_treasury::demo::{demo_token_of, softhsm_demo, DEMO_ERC20_USDT, DEMO_PARTNER_ERC20, DEMO_PIN};
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use support::{
    attr, cli_binary, click, field, review_then_sign, screenshot, text, type_into, wait_for, wait_until, wei, Cli, Harness, WAIT,
};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// The demo treasury with anvil as its Ethereum node: a fee ceiling, 2 confirmations, stuck
/// after 3 s.
fn with_anvil(text: &str, url: &str) -> String {
    text.replacen(
        "[erc20]\n",
        &format!("[erc20]\nrpc_url = \"{url}\"\nmax_fee_per_gas_wei = \"200000000000\"\nconfirmations = 2\nstuck_after_s = 3\n"),
        1,
    )
}

/// The chain status of chunk 0 of `card` once it says `status`.
async fn chain_status(client: &Client, card: &str, status: &str) -> String {
    let css = format!("{card} .chunk[data-chunk='0'] .chain-status[data-status='{status}']");
    let deadline = std::time::Instant::now() + WAIT;
    while client.find(Locator::Css(&css)).await.is_err() {
        if let Ok(error) = client.find(Locator::Css("#queue-error")).await {
            panic!("the queue refused: {:?}", error.text().await);
        }
        assert!(std::time::Instant::now() < deadline, "{css} did not appear");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    text(client, &format!("{card} .chunk[data-chunk='0'] .broadcast")).await
}

async fn scroll_click(client: &Client, css: &str) {
    wait_for(client, css).await;
    client.execute("document.querySelector(arguments[0]).scrollIntoView({block: 'center'})", vec![Value::from(css)]).await.expect("scroll");
    click(client, css).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_treasury_lead_reads_wallets_from_the_chain_and_speeds_up_a_stuck_payout() {
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let demo = softhsm_demo(data_dir.path(), MODULE).expect("the demo tokens");
    let data = data_dir.path().display().to_string();
    let conf = demo.softhsm_conf.display().to_string();
    let cli = Cli { data: data.clone(), conf: conf.clone(), treasury: demo.treasury_file.display().to_string() };

    // The chain: the demo token at the demo file's address; the hot wallet gets 1 ETH and
    // 90,000 USDT (threshold 100,000), the canary 1 ETH and 150,000 USDT.
    let anvil = Anvil::start();
    let dev = dev_key();
    let token = deploy_token(&anvil, &dev, 0, 10_000_000_000_000);
    assert_eq!(token, DEMO_ERC20_USDT.parse::<Address>().unwrap());
    let plain = clubgate_core::treasury::Treasury::from_toml(&std::fs::read_to_string(&demo.treasury_file).unwrap()).unwrap();
    let address = |id: &str| -> Address { plain.wallet(id).unwrap().address.to_string().parse().unwrap() };
    let mut nonce = 1;
    for (wallet, usdt) in [("hot-erc20-1", 90_000_000_000u128), ("canary-erc20", 150_000_000_000)] {
        let eth = anvil.send(&dev_raw(&dev, dev_tx(nonce, TxKind::Call(address(wallet)), U256::from(10u128.pow(18)), Vec::new(), 21_000)));
        assert_eq!(eth["status"], "0x1");
        let transfer = Transfer {
            chain_id: CHAIN_ID,
            token,
            to: address(wallet),
            amount: usdt,
            nonce: nonce + 1,
            gas_limit: 80_000,
            max_fee_per_gas: 2_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
        };
        assert_eq!(anvil.send(&sign(&transfer, &dev).unwrap().raw)["status"], "0x1");
        nonce += 2;
    }
    std::fs::write(&demo.treasury_file, with_anvil(&std::fs::read_to_string(&demo.treasury_file).unwrap(), &anvil.url())).unwrap();

    // T0 three days ahead: the Canary phase governs the day's cap.
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let day = jiff::Timestamp::now().to_zoned_datetime(tz).date().checked_add(jiff::ToSpan::days(3)).unwrap();
    let launch_set = Command::new(cli_binary())
        .args(["launch", "set", "--t0", &format!("{day}T10:00"), "--who", "Olga (treasury)", "--json"])
        .env("CLUBGATE_DATA_DIR", &data)
        .output()
        .unwrap();
    assert!(launch_set.status.success(), "{}", String::from_utf8_lossy(&launch_set.stderr));
    // The platform's wallet.balance readings of the Tron wallets (no Tron node in the policy).
    let now = jiff::Timestamp::now();
    let reading = |seq: u64, wallet: &str, asset: &str, amount: &str| {
        json!({"seq": seq, "id": format!("00000000-0000-4000-8000-{seq:012}"), "at": now.to_string(), "kind": "wallet.balance",
               "wallet": wallet, "network": "trc20", "asset": asset, "amount": amount})
        .to_string()
    };
    let events = data_dir.path().join("treasury-events.jsonl");
    std::fs::write(
        &events,
        [
            reading(1, "hot-trc20-1", "USDT", "250000000000"),
            reading(2, "hot-trc20-1", "TRX", "100000000"),
            reading(3, "hot-trc20-1", "ENERGY", "200000"),
        ]
        .join("\n"),
    )
    .unwrap();

    // A 1,000 USDT payout to the partner, approved 2-of-3 on the approvers' own tokens.
    let source = plain.wallet("hot-erc20-1").unwrap().address.to_string();
    let made = cli.ok(
        &[
            "payout",
            "bundle",
            "--network",
            "erc20",
            "--token",
            "USDT",
            "--source",
            &source,
            "--to",
            DEMO_PARTNER_ERC20,
            "--amount",
            "1000",
            "--out",
            &format!("{data}/bundle.json"),
            "--json",
        ],
        "",
    );
    let bundle_id = made["bundle_id"].as_str().expect("a bundle id").to_owned();
    for key in ["approver-a", "approver-b"] {
        let (token_label, pin) = demo_token_of(key);
        cli.ok(&["approve", "--bundle-id", &bundle_id, "--signer", &format!("pkcs11:{token_label}/{key}"), "--json"], &format!("{pin}\n"));
    }

    let harness =
        Harness::start(500..700, &[("CLUBGATE_DATA_DIR", &data), ("SOFTHSM2_CONF", &conf), ("CLUBGATE_PKCS11_PIN", DEMO_PIN)], None);
    let client = harness.open_app().await;
    click(&client, "#nav-slo").await;
    type_into(&client, "#import-path", &events.display().to_string()).await;
    click(&client, "#import-run").await;
    wait_until(&client, "#import-report", WAIT, "the import", |t| t.contains("events imported")).await;

    // Wallets: from the ledger's readings first, then from the chain.
    click(&client, "#nav-wallets").await;
    wait_for(&client, "#wallet-hot-trc20-1-TRX.asset-below").await;
    let topup = "#wallet-hot-trc20-1-topup-TRX";
    assert_eq!(attr(&client, topup, "data-units").await.as_deref(), Some("400000000"));
    assert!(text(&client, topup).await.contains("top up 400 TRX"), "{}", text(&client, topup).await);
    assert!(text(&client, "#wallet-hot-trc20-1-TRX").await.contains("ledger seq 2"));
    assert_eq!(text(&client, "#wallet-hot-erc20-1-USDT-balance").await, "no data");
    click(&client, "#wallets-refresh").await;
    wait_for(&client, "#wallet-hot-erc20-1-USDT.asset-below").await;
    assert_eq!(text(&client, "#wallet-hot-erc20-1-USDT-balance").await, "90000");
    assert!(text(&client, "#wallet-hot-erc20-1-USDT").await.contains(&format!("chain {}", anvil.url())));
    let topup = "#wallet-hot-erc20-1-topup-USDT";
    assert_eq!(attr(&client, topup, "data-units").await.as_deref(), Some("10000000000"));
    assert!(text(&client, topup).await.contains("top up 10000 USDT"), "{}", text(&client, topup).await);
    wait_for(&client, "#wallet-hot-erc20-1-ETH.asset-ok").await; // 1 ETH covers the 0.5 ETH gas buffer
    wait_for(&client, "#wallet-canary-erc20-USDT.asset-ok").await;
    assert!(text(&client, "#wallet-canary-erc20-check").await.contains("0x"), "the canary's check address is shown");
    let chain_notes = text(&client, "#wallets-chain").await;
    assert!(
        chain_notes.contains("erc20: 4 balances read from") && chain_notes.contains("trc20: the policy names no node"),
        "{chain_notes}"
    );
    assert_eq!(attr(&client, "#wallets-below", "data-count").await.as_deref(), Some("2"));
    screenshot(&client, "treasury-01-wallets").await;

    // Payouts: mining paused, the payout is reviewed from the node, signed and broadcast.
    anvil.call("evm_setAutomine", json!([false])).unwrap();
    click(&client, "#nav-payouts").await;
    let card = format!("article.bundle[data-bundle='{bundle_id}']");
    wait_for(&client, &format!("{card}[data-approved='true']")).await;
    let original = review_then_sign(&client, &card, 0, None).await.bytes;
    assert_eq!(field(&original, "Nonce"), "0", "the hot wallet's pending nonce, read from the node");
    scroll_click(&client, &format!("{card} .chunk[data-chunk='0'] .broadcast-send")).await;
    let pending = chain_status(&client, &card, "pending").await;
    assert!(pending.contains("pending"), "{pending}");
    let stuck = chain_status(&client, &card, "stuck").await;
    assert!(stuck.contains("speed up at fast fees"), "{stuck}");
    screenshot(&client, "treasury-02-stuck").await;
    let original_hash: B256 =
        attr(&client, &format!("{card} .chunk[data-chunk='0'] .chain-status"), "title").await.unwrap().parse().unwrap();

    // The speed-up: same nonce, both fees up, reviewed and signed as a recorded replacement.
    let sped_up = review_then_sign(&client, &card, 0, Some("speed-up")).await.bytes;
    assert_eq!(field(&sped_up, "Nonce"), field(&original, "Nonce"));
    assert_eq!(field(&sped_up, "Amount"), field(&original, "Amount"));
    assert!(wei(&field(&sped_up, "Max fee per gas")) > wei(&field(&original, "Max fee per gas")), "{sped_up:?} vs {original:?}");
    assert!(wei(&field(&sped_up, "Max priority fee")) > wei(&field(&original, "Max priority fee")), "{sped_up:?} vs {original:?}");
    scroll_click(&client, &format!("{card} .chunk[data-chunk='0'] .broadcast-send")).await;
    wait_for(&client, &format!("{card} .chunk[data-chunk='0'] .chain-status[data-attempt='1']")).await;
    anvil.call("evm_mine", json!([])).unwrap();
    anvil.call("evm_mine", json!([])).unwrap();
    let confirmed = chain_status(&client, &card, "confirmed").await;
    assert!(confirmed.contains("confirmed (2 confirmations)"), "{confirmed}");
    assert_eq!(attr(&client, &format!("{card} .chunk[data-chunk='0'] .chain-status"), "data-attempt").await.as_deref(), Some("1"));
    assert_eq!(attr(&client, &format!("{card} .chunk[data-chunk='0'] .chain-status"), "data-fee-mode").await.as_deref(), Some("fast"));
    screenshot(&client, "treasury-03-sped-up").await;

    // On chain: the replacement paid the partner once; the original never landed.
    let receipt = anvil.call("eth_getTransactionReceipt", json!([original_hash])).unwrap();
    assert!(receipt.is_null(), "the stuck original never mined: {receipt}");
    let partner: Address = DEMO_PARTNER_ERC20.parse().unwrap();
    assert_eq!(anvil.token_balance(token, partner), U256::from(1_000_000_000u64), "paid once");
    assert_eq!(anvil.token_balance(token, address("hot-erc20-1")), U256::from(89_000_000_000u64));

    // EOD: yesterday's session of pair-s-m (cut-off 18:00 UTC, after the Canary start four
    // days ago): partner-s owes partner-m 150,000 USDT and holds 100,000 → partial.
    let yesterday = jiff::Timestamp::now().checked_sub(jiff::ToSpan::hours(24)).unwrap().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let at = |time: &str| format!("{yesterday}T{time}Z");
    let eod = data_dir.path().join("eod-events.jsonl");
    std::fs::write(
        &eod,
        [
            json!({"seq": 1, "id": "00000000-0000-4000-8000-000000000101", "at": at("08:00:00"), "kind": "eod.session_opened",
                   "session_id": "s-m-1", "trust_pair": "pair-s-m", "cut_off_at": at("18:00:00")}),
            json!({"seq": 2, "id": "00000000-0000-4000-8000-000000000102", "at": at("10:00:00"), "kind": "trust.obligation",
                   "session_id": "s-m-1", "payer": "partner-s", "payee": "partner-m", "network": "trc20", "token": "USDT", "amount": "150000000000"}),
            json!({"seq": 3, "id": "00000000-0000-4000-8000-000000000103", "at": at("12:00:00"), "kind": "partner.balance",
                   "partner": "partner-s", "network": "trc20", "token": "USDT", "amount": "100000000000"}),
        ]
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n"),
    )
    .unwrap();
    click(&client, "#nav-slo").await;
    type_into(&client, "#import-path", &eod.display().to_string()).await;
    click(&client, "#import-run").await;
    wait_until(&client, "#import-report", WAIT, "the EOD import", |t| t.contains("3 events imported")).await;
    click(&client, "#nav-eod").await;
    wait_for(&client, "#eod-mode-s-m-1[data-mode='partial']").await;
    assert_eq!(attr(&client, "#eod-carried-s-m-1", "data-units").await.as_deref(), Some("50000000000"));
    assert_eq!(attr(&client, "#eod-session-settle-s-m-1", "data-units").await.as_deref(), Some("100000000000"));
    assert_eq!(attr(&client, "#eod-cutoff-pair-s-m-1", "data-zone").await.as_deref(), Some("Europe/Warsaw"));
    let entry = text(&client, "#eod-entry-s-m-1-trc20-USDT").await;
    assert!(entry.contains("net 150000 · available 100000 · settle 100000 · carried 50000"), "{entry}");
    let plan_cut_off = text(&client, "#eod-cutoff-plan-s-m-1").await;
    assert!(plan_cut_off.contains("19:00") || plan_cut_off.contains("20:00"), "18:00 UTC in Warsaw: {plan_cut_off}");
    screenshot(&client, "treasury-04-eod-partial").await;
    // The dry run shows the 100,000 transfer it would queue; this stream is an import, so
    // "Settle" refuses (transfers are queued only from the ledger's events or the desk's
    // own) and queues nothing — settling once is proven in tests/eod.rs and the CLI's.
    let queue = || -> usize {
        let output = Command::new(cli_binary()).args(["payout", "queue", "--json"]).env("CLUBGATE_DATA_DIR", &data).output().unwrap();
        let document: Value =
            serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
        document["bundles"].as_array().map_or(0, Vec::len)
    };
    let queued_before = queue();
    scroll_click(&client, "#eod-dry-run").await;
    let would = "[id^='eod-transfer-'][data-outcome='would_queue']";
    wait_for(&client, would).await;
    assert_eq!(attr(&client, would, "data-units").await.as_deref(), Some("100000000000"), "the transfer is what the plan settles");
    scroll_click(&client, "#eod-settle").await;
    let refused = wait_until(&client, "#eod-action-error", WAIT, "the refusal", |t| !t.is_empty()).await;
    assert!(refused.contains("is an import") && refused.contains("dry run"), "{refused}");
    assert_eq!(queue(), queued_before, "nothing queued from an imported stream");
    client.close().await.expect("close the app");
}
