//! Goal (issue 10, "two workstations", the window's part): the real app window is one
//! treasury workstation among CLI desks, all following one real `clubgate-ledger` whose policy
//! is the SoftHSM2 demo's treasury file, each desk with its own store and token:
//! (a) the app has no treasury file: its rules are the ledger's policy (the wallets shown);
//! (b) a bundle published by another treasury lead's desk (`clubgate payout bundle`, then
//!     `sync`) appears in the window's payout queue, pulled by the app's sync worker;
//! (c) approvals made on two approvers' desks come to the window from the log: two tags,
//!     neither pending, the quorum met;
//! (d) the window reviews chunk 0 (no SLO gate) and signs it with the HSM key after the
//!     ledger reserved the chunk; the chunk shows "signed" and, in the ledger, the app's
//!     workstation name (`$USER@hostname`) with the seq of its signature command;
//! (e) the other lead's desk, reviewing the same chunk, is refused `already_signed` naming the
//!     app's workstation, signs nothing, and sees exactly one signature of the chunk in the
//!     log — the app's, at the same seq.
//! A screenshot lands in `target/e2e/`.
//!
//! Needs what `tests/window.rs` needs (tauri-driver, WebKitWebDriver, Xvfb, SoftHSM2) and two
//! binaries next to the test: `cargo build -p clubgate-ledger` and `cargo test -p
//! clubgate-cli --no-run` (the CLI with its test features).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use clubgate_treasury::demo::{demo_token_of, softhsm_demo, DEMO_PARTNER_ERC20, DEMO_PIN};
use fantoccini::{Client, Locator};
use serde_json::Value;
use support::{
    attr, cli_binary, click, decoded_rows, eval, field, ledger_cli, screenshot, text, wait_for, wait_until, Harness, Ledger, WAIT,
};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
/// The `$USER` the app is started with, so that its workstation name is known here.
const APP_USER: &str = "treasury-window";

/// One CLI workstation: its own data directory (store) and its own ledger token.
struct Desk {
    name: String,
    dir: PathBuf,
    token: String,
    conf: PathBuf,
}

impl Desk {
    /// A desk with a launch configured, following the ledger from its first sync.
    fn new(root: &Path, name: &str, token: String, conf: &Path, url: &str) -> Self {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).expect("desk dir");
        let desk = Self { name: name.to_owned(), dir, token, conf: conf.to_owned() };
        desk.ok(&["launch", "set", "--t0", &t0_in_three_days(), "--who", name, "--json"], "");
        let synced = desk.sync(url);
        assert_eq!(synced["cursor"], synced["head"], "{name} follows the ledger from its first sync: {synced}");
        desk
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(cli_binary())
            .args(args)
            .env("CLUBGATE_DATA_DIR", &self.dir)
            .env("CLUBGATE_LEDGER_TOKEN", &self.token)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env("SOFTHSM2_CONF", &self.conf)
            .env("CLUBGATE_PKCS11_PIN", DEMO_PIN)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run clubgate");
        std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), stdin.as_bytes()).expect("write stdin");
        child.wait_with_output().expect("clubgate output")
    }

    fn ok(&self, args: &[&str], stdin: &str) -> Value {
        let output = self.run(args, stdin);
        assert!(output.status.success(), "{} {args:?}: {}", self.name, String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{} {args:?}: {e}: {}", self.name, String::from_utf8_lossy(&output.stdout)))
    }

    fn sync(&self, url: &str) -> Value {
        self.ok(&["sync", "--url", url, "--once", "--json"], "")
    }

    fn queue(&self) -> Value {
        self.ok(&["payout", "queue", "--json"], "")
    }

    /// Approves with the approver key `key` (its own token, its own PIN on standard input).
    fn approve(&self, bundle_id: &str, key: &str) {
        let (token, pin) = demo_token_of(key);
        let signer = format!("pkcs11:{token}/{key}");
        self.ok(&["approve", "--bundle-id", bundle_id, "--signer", &signer, "--json"], &format!("{pin}\n"));
    }
}

/// The JSON error the CLI printed last on standard error.
fn error_of(output: &Output) -> Value {
    assert!(!output.status.success(), "expected a refusal, got {}", String::from_utf8_lossy(&output.stdout));
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr.lines().rev().find_map(|line| serde_json::from_str(line).ok()).unwrap_or_else(|| panic!("no JSON error in {stderr:?}"))
}

fn t0_in_three_days() -> String {
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").expect("Europe/Warsaw");
    let day = jiff::Timestamp::now().to_zoned_datetime(tz).date().checked_add(jiff::ToSpan::days(3)).expect("a date");
    format!("{day}T10:00")
}

fn wallet_address(treasury: &Path, id: &str) -> String {
    let text = std::fs::read_to_string(treasury).expect("treasury file");
    let parsed = clubgate_core::treasury::Treasury::from_toml(&text).expect("the demo treasury");
    parsed.wallet(id).expect("the wallet").address.to_string()
}

fn chunk_of<'a>(queue: &'a Value, bundle_id: &str, chunk: usize) -> &'a Value {
    let bundles = queue["bundles"].as_array().expect("bundles");
    let bundle = bundles.iter().find(|b| b["bundle_id"] == bundle_id).unwrap_or_else(|| panic!("{bundle_id} is not in {queue}"));
    &bundle["chunks"][chunk]
}

/// The name the app gives its signer: what `clubgate_sync::workstation_name` makes of the
/// `$USER` the app is started with and this machine's /etc/hostname, computed here on its own.
fn app_workstation_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or_default();
    if host.is_empty() {
        APP_USER.to_owned()
    } else {
        format!("{APP_USER}@{host}")
    }
}

/// Opens the Payouts page afresh: the queue is read from the store when the page mounts
/// (it does not poll), so what the sync worker pulled shows after leaving and coming back.
async fn reopen_payouts(client: &Client) {
    click(client, "#nav-gate").await;
    wait_for(client, "#gate-verdict").await;
    click(client, "#nav-payouts").await;
    wait_for(client, "#queue").await;
}

/// A bundle card as the window shows it, read in one go (None while it is not shown).
async fn card_snapshot(client: &Client, card: &str) -> Value {
    eval(
        client,
        r#"const card = document.querySelector(arguments[0]);
           if (!card) return null;
           return {
             approved: card.dataset.approved,
             title: card.querySelector('h3').innerText.trim(),
             approvals: card.querySelector('.approvals').innerText.trim(),
             tags: Array.from(card.querySelectorAll('.tag.approval')).map(t => ({ name: t.innerText.trim(), pending: t.dataset.pending })),
             chunks: Array.from(card.querySelectorAll('tr.chunk')).map(r => ({
               chunk: r.dataset.chunk,
               status: r.dataset.status,
               ledger: r.querySelector('.ledger-signed') ? r.querySelector('.ledger-signed').innerText.trim() : null,
             })),
           };"#,
        vec![serde_json::json!(card)],
    )
    .await
}

/// Reopens the Payouts page until the card of `bundle_id` satisfies `wanted` (or the
/// deadline passes); returns the card as shown.
async fn wait_for_card(client: &Client, bundle_id: &str, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
    let card = format!(".bundle[data-bundle='{bundle_id}']");
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let shown = card_snapshot(client, &card).await;
        if !shown.is_null() && wanted(&shown) {
            return shown;
        }
        if std::time::Instant::now() >= deadline {
            // The sync strip says whether the worker was pulling at all.
            let sync = text(client, "#sync-text").await;
            panic!("the window never showed {what} for bundle {bundle_id}; it shows {shown} (sync: {sync:?})");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        reopen_payouts(client).await;
    }
}

/// "… signed by WHO at seq N" → (WHO, N).
fn signed_by_and_seq(shown: &str) -> (String, u64) {
    let rest = shown.split("signed by ").nth(1).unwrap_or_else(|| panic!("no signer in {shown:?}"));
    let (who, seq) = rest.rsplit_once(" at seq ").unwrap_or_else(|| panic!("no seq in {shown:?}"));
    (who.to_owned(), seq.trim().parse().unwrap_or_else(|_| panic!("seq in {shown:?} is not a number")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_signs_as_one_workstation_and_a_cli_desk_is_refused_naming_it() {
    let work = tempfile::tempdir().expect("temp dir");
    let demo = softhsm_demo(&work.path().join("hsm"), MODULE).expect("the SoftHSM2 demo tokens");
    let db = format!("sqlite://{}", work.path().join("ledger.db").display());
    let policy = demo.treasury_file.display().to_string();
    ledger_cli(&db, &["policy", "init", &policy]);
    let ledger = Ledger::serve(&db, None);
    let url = ledger.url.clone();
    let app_token = ledger.token("app-lead", "treasury_lead");
    let lead = Desk::new(work.path(), "lead-2", ledger.token("lead-2", "treasury_lead"), &demo.softhsm_conf, &url);
    let desk_a = Desk::new(work.path(), "approver-a", ledger.token("approver-a", "approver"), &demo.softhsm_conf, &url);
    let desk_b = Desk::new(work.path(), "approver-b", ledger.token("approver-b", "approver"), &demo.softhsm_conf, &url);

    // The treasury workstation: the app, with its own store and token and no treasury file.
    let app_dir = work.path().join("app");
    std::fs::create_dir_all(&app_dir).expect("app data dir");
    let app_data = app_dir.display().to_string();
    let conf = demo.softhsm_conf.display().to_string();
    let harness = Harness::start(
        500..700,
        &[
            ("CLUBGATE_DATA_DIR", &app_data),
            ("CLUBGATE_LEDGER_URL", &url),
            ("CLUBGATE_LEDGER_TOKEN", &app_token),
            ("SOFTHSM2_CONF", &conf),
            ("CLUBGATE_PKCS11_PIN", DEMO_PIN),
            ("USER", APP_USER),
        ],
        None,
    );
    let client = harness.open_app().await;
    wait_until(&client, "#sync-text", WAIT, "online", |t| t.starts_with("online · ")).await;

    // (a) The rules are the ledger's policy: the demo's wallets, though the app has no file.
    let hot_erc20 = wallet_address(&demo.treasury_file, "hot-erc20-1");
    assert!(
        !std::fs::read_dir(&app_dir).expect("app dir").flatten().any(|e| e.path().extension().is_some_and(|x| x == "toml")),
        "no treasury file in the app's data directory"
    );
    click(&client, "#nav-payouts").await;
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let wallets = if client.find(Locator::Css("#wallets")).await.is_ok() { text(&client, "#wallets").await } else { String::new() };
        if wallets.contains(&hot_erc20) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the ledger's policy never showed in the window: wallets {wallets:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
        reopen_payouts(&client).await;
    }

    // (b) Another treasury lead's desk makes the bundle under the ledger's policy and
    // publishes it; the app's worker pulls it into the window's queue.
    let out = work.path().join("bundle.json");
    let made = lead.ok(
        &[
            "payout",
            "bundle",
            "--network",
            "erc20",
            "--token",
            "USDT",
            "--source",
            &hot_erc20,
            "--to",
            DEMO_PARTNER_ERC20,
            "--amount",
            "400000",
            "--out",
            out.to_str().expect("utf-8 path"),
            "--json",
        ],
        "",
    );
    let bundle_id = made["bundle_id"].as_str().expect("bundle_id").to_owned();
    assert_eq!(lead.sync(&url)["pushed"]["acked"], 1, "the bundle went to the ledger");
    let shown = wait_for_card(&client, &bundle_id, "the published bundle", |_| true).await;
    assert_eq!(shown["title"], format!("{bundle_id} · 400000 USDT ERC20"), "{shown}");
    let statuses: Vec<&str> = shown["chunks"].as_array().expect("chunks").iter().map(|c| c["status"].as_str().unwrap_or("")).collect();
    assert_eq!(statuses, ["not signed", "not signed"], "two chunks under the 250,000 cap, none signed: {shown}");
    assert_eq!(shown["approved"], "false", "{shown}");
    assert!(shown["tags"].as_array().expect("tags").is_empty(), "no approvals yet: {shown}");

    // (c) Approvers A and B approve on their own desks; the window counts them from the log.
    for (desk, key) in [(&desk_a, "approver-a"), (&desk_b, "approver-b")] {
        desk.sync(&url);
        desk.approve(&bundle_id, key);
        assert_eq!(desk.sync(&url)["pushed"]["acked"], 1, "{key}'s approval went to the ledger");
    }
    let card = format!(".bundle[data-bundle='{bundle_id}']");
    let shown = wait_for_card(&client, &bundle_id, "two logged approvals", |c| c["tags"].as_array().is_some_and(|t| t.len() == 2)).await;
    let tags: Vec<(&str, &str)> = shown["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| (t["name"].as_str().unwrap_or(""), t["pending"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(tags, [("Approver A", "false"), ("Approver B", "false")], "both from the log, none pending: {shown}");
    assert_eq!(shown["approved"], "true", "{shown}");
    assert!(shown["approvals"].as_str().expect("approvals text").starts_with("Approvals: 2 of 2 — quorum met"), "{shown}");
    screenshot(&client, "workstations-01-approved-from-the-log").await;

    // (d) The window reviews chunk 0 — no SLO gate holds — and signs it.
    let row = format!("{card} .chunk[data-chunk='0']");
    let review_row = format!("{row} + tr.review-row");
    // ERC-20: no reference block; the pending nonce stays empty (the wallet is new).
    let nonce = eval(&client, "return document.querySelector('#chain-nonce').value;", vec![]).await;
    assert_eq!(nonce, "", "no pending nonce typed");
    click(&client, &format!("{row} .review")).await;
    wait_for(&client, &review_row).await;
    if let Ok(refusal) = client.find(Locator::Css("#queue-error")).await {
        panic!("the review of chunk 0 was refused: {:?}", refusal.text().await);
    }
    assert!(client.find(Locator::Css(&format!("{review_row} .review-gate"))).await.is_err(), "no SLO gate holds for this chunk");
    let reviewed = decoded_rows(&client, &format!("{review_row} table.decoded")).await;
    assert_eq!(field(&reviewed, "To"), DEMO_PARTNER_ERC20);
    assert_eq!(field(&reviewed, "Amount"), "250000 (250000000000 base units)");
    assert_eq!(field(&reviewed, "Nonce"), "0");
    let deadline = std::time::Instant::now() + WAIT;
    while attr(&client, &format!("{row} .sign"), "disabled").await.is_some() {
        assert!(std::time::Instant::now() < deadline, "the reviewed chunk of an approved bundle stays unsignable");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    click(&client, &format!("{row} .sign")).await;
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if attr(&client, &row, "data-status").await.as_deref() == Some("signed") {
            break;
        }
        if let Ok(refusal) = client.find(Locator::Css("#queue-error")).await {
            let code = refusal.attr("data-code").await.ok().flatten();
            panic!("signing chunk 0 in the window was refused ({code:?}): {:?}", refusal.text().await);
        }
        assert!(std::time::Instant::now() < deadline, "chunk 0 was never signed in the window");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let app_name = app_workstation_name();
    let shown = wait_for_card(&client, &bundle_id, "chunk 0's signature in the ledger", |c| !c["chunks"][0]["ledger"].is_null()).await;
    assert_eq!(shown["chunks"][0]["status"], "signed", "{shown}");
    let in_ledger = shown["chunks"][0]["ledger"].as_str().expect("ledger text");
    assert!(in_ledger.starts_with("· in the ledger: signed by "), "{in_ledger:?}");
    let (signed_by, seq) = signed_by_and_seq(in_ledger);
    assert_eq!(signed_by, app_name, "the window shows its own workstation as the signer: {in_ledger:?}");
    assert!(seq > 0, "{in_ledger:?}");
    assert_eq!(shown["chunks"][1]["status"], "not signed", "{shown}");
    assert!(shown["chunks"][1]["ledger"].is_null(), "chunk 1 is not in the ledger: {shown}");

    // (e) The other lead's desk reviews the same chunk and tries: refused, naming the app.
    lead.sync(&url);
    let other_review = lead.ok(&["review", "--bundle-id", &bundle_id, "--chunk", "0", "--who", "lead-2", "--json"], "");
    assert!(other_review["gate"].is_null(), "no SLO gate on lead-2's desk either: {other_review}");
    let other_hash = other_review["review_hash"].as_str().expect("review_hash");
    let second = lead.run(&["sign", "--bundle-id", &bundle_id, "--chunk", "0", "--review", other_hash, "--who", "lead-2", "--json"], "");
    let error = error_of(&second);
    assert_eq!(error["error"]["code"], "already_signed", "{error}");
    let message = error["error"]["message"].as_str().expect("message");
    assert!(message.contains(&app_name), "the refusal names the app's workstation {app_name:?}: {message}");
    assert!(String::from_utf8_lossy(&second.stdout).trim().is_empty(), "no signed transaction printed");
    lead.sync(&url);
    let queue = lead.queue();
    let chunk = chunk_of(&queue, &bundle_id, 0);
    let logged = chunk["ledger"].as_array().expect("ledger signatures");
    assert_eq!(logged.len(), 1, "exactly one signature of chunk 0 in the log: {chunk}");
    assert_eq!(logged[0]["signed_by"], app_name.as_str(), "{chunk}");
    assert_eq!(logged[0]["seq"], seq, "the seq the window showed: {chunk}");
    assert_ne!(chunk["local"]["state"], "signed", "lead-2 signed nothing: {chunk}");

    // The window still shows the one signature, its own.
    let shown = wait_for_card(&client, &bundle_id, "chunk 0 signed once", |c| !c["chunks"][0]["ledger"].is_null()).await;
    assert_eq!(shown["chunks"][0]["ledger"].as_str().map(signed_by_and_seq), Some((app_name.clone(), seq)), "{shown}");
    eval(&client, "document.querySelector(arguments[0]).scrollIntoView(); return null;", vec![serde_json::json!(card)]).await;
    screenshot(&client, "workstations-02-app-signed-cli-refused").await;

    client.close().await.expect("close the app");
    drop(harness);
    drop(ledger);
}
