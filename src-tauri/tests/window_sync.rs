//! Goal (issue 10, the shell's part): the real window follows a real ledger. The app is
//! started with `$CLUBGATE_LEDGER_URL` and `$CLUBGATE_LEDGER_TOKEN` (the keychain's stand-in
//! where no Secret Service runs) against a `clubgate-ledger` serving a SQLite file on a fixed
//! loopback port, fed by `clubgate-ledger simulate`:
//! (a) the status strip shows online with the cursor at the ledger's head, and the SLO page
//!     counts the pulled events (the dashboard took them without an import);
//! (b) with the ledger stopped, three checklist sign-offs taken in the window make the strip
//!     say "offline since HH:MM:SS, 3 actions waiting" and stay shown, marked pending (gone
//!     once the ledger has them); the ledger started again on the same
//!     database and port, the strip returns to online with outbox 0, and the ledger's log
//!     holds exactly those three `checklist` commands once each, in the order they were taken;
//! (c) the token is in none of the app's files, not in its standard error, and not in the
//!     webview (the answers of its read commands and the page);
//! (d) once the ledger revokes the token, the strip says "token refused" with the login command.
//! Also: a ledger URL without a port is refused in Settings, naming the value.
//!
//! Needs what `tests/window.rs` needs (tauri-driver, WebKitWebDriver, Xvfb) and the ledger
//! binary next to the test (`cargo build -p clubgate-ledger`; `cargo test --workspace` builds it).

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::{Client, Locator};
use support::{click, free_port, ledger_cli, screenshot, text, type_into, wait_for, wait_until, Harness, Ledger, WAIT};

/// Long enough for the worker's backoff (30 s at most) after the ledger comes back.
const RECONNECT_WAIT: Duration = Duration::from_secs(75);

async fn sign_off(client: &Client, item: &str, evidence: &str) {
    let row = format!("#item-{item}");
    click(client, &format!("{row} .item-update")).await;
    wait_for(client, &format!("{row} .item-state")).await.select_by_value("done").await.expect("select state");
    type_into(client, &format!("{row} .item-who"), "Olga (treasury)").await;
    type_into(client, &format!("{row} .item-evidence"), evidence).await;
    click(client, &format!("{row} .item-save")).await;
    wait_for(client, &format!("{row}[data-state=\"done\"]")).await;
}

/// `HH:MM:SS` at the start of `text`.
fn is_clock(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 8 && bytes[2] == b':' && bytes[5] == b':' && [0, 1, 3, 4, 6, 7].iter().all(|&i| bytes[i].is_ascii_digit())
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files(&path));
        } else {
            found.push(path);
        }
    }
    found
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_window_follows_the_ledger_offline_and_back() {
    let work = tempfile::tempdir().expect("temp dir");
    let data_dir = work.path().join("desk");
    std::fs::create_dir_all(&data_dir).expect("data dir");
    let db = format!("sqlite://{}", work.path().join("ledger.db").display());
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let ledger = Ledger::serve(&db, Some(port));
    let platform = ledger_cli(&db, &["token", "issue", "--name", "platform", "--role", "platform"]);
    let desk_token = ledger_cli(&db, &["token", "issue", "--name", "desk", "--role", "treasury_lead"]);
    // Platform events before the app starts: an hour of the pilot day, as fast as possible.
    let fed = ledger_cli(
        &db,
        &[
            "simulate",
            "--to",
            &url,
            "--token",
            &platform,
            "--scenario",
            "pilot-day",
            "--speed",
            "1000000",
            "--t0",
            "2026-12-07T10:00",
            "--hours",
            "1",
        ],
    );
    let appended: u64 = fed.strip_prefix("appended ").and_then(|r| r.split(',').next()).and_then(|n| n.parse().ok()).expect(&fed);
    let head: u64 = fed.split("head ").nth(1).and_then(|r| r.split_whitespace().next()).and_then(|n| n.parse().ok()).expect(&fed);
    assert!(appended > 50 && head == appended, "{fed}");

    let stderr_log = work.path().join("app-stderr.log");
    let data = data_dir.display().to_string();
    // tauri-driver's standard error — where the app's goes — is kept in a file.
    let harness = Harness::start(
        300..500,
        &[("CLUBGATE_DATA_DIR", &data), ("CLUBGATE_LEDGER_URL", &url), ("CLUBGATE_LEDGER_TOKEN", &desk_token)],
        Some(&stderr_log),
    );
    let client = harness.open_app().await;

    // (a) Online at the ledger's head; the dashboard counts the pulled events.
    let online = format!("online · cursor {head} · lag 0 · outbox 0");
    wait_until(&client, "#sync-text", WAIT, &online, |t| t == online).await;
    click(&client, "#nav-slo").await;
    let events = wait_until(&client, "#slo-events", WAIT, "the pulled events", |t| t.starts_with(&format!("{appended} "))).await;
    assert!(events.starts_with(&appended.to_string()), "{events}");
    screenshot(&client, "sync-01-online").await;

    // A ledger URL without a port is refused, naming the value; nothing changes.
    click(&client, "#open-settings").await;
    type_into(&client, "#settings-ledger-url", "http://ledger.local").await;
    click(&client, "#settings-ledger-save").await;
    let refusal = text(&client, "#settings-ledger-error").await;
    assert!(refusal.contains("\"http://ledger.local\"") && refusal.contains("no port"), "{refusal}");
    click(&client, "#settings-cancel").await;
    assert_eq!(text(&client, "#sync-text").await, online);

    // (b) Offline: the ledger stops, three sign-offs are taken, they wait in the outbox.
    ledger.stop();
    wait_until(&client, "#sync-text", WAIT, "offline since", |t| t.starts_with("offline since ")).await;
    click(&client, "#nav-checklists").await;
    let items = ["entry-test-plan", "entry-ops-active", "entry-wallet-sop"];
    for (n, item) in items.iter().enumerate() {
        sign_off(&client, item, &format!("evidence {n} taken offline")).await;
    }
    let offline = wait_until(&client, "#sync-text", WAIT, "3 actions waiting", |t| t.ends_with(", 3 actions waiting")).await;
    let since = offline.strip_prefix("offline since ").expect(&offline);
    assert!(is_clock(since) && since.len() == ", 3 actions waiting".len() + 8, "{offline}");
    // Read-your-writes: each sign-off stays shown, marked pending until the ledger has it.
    for item in items {
        wait_for(&client, &format!("#item-{item}[data-state=\"done\"] .item-pending")).await;
    }
    screenshot(&client, "sync-02-offline").await;

    // Back online on the same database and port: the outbox drains, the cursor is the head,
    // and the pending marks go (the sign-offs stay done).
    let ledger = Ledger::serve(&db, Some(port));
    let back = format!("online · cursor {} · lag 0 · outbox 0", head + 3);
    wait_until(&client, "#sync-text", RECONNECT_WAIT, &back, |t| t == back).await;
    for item in items {
        let deadline = std::time::Instant::now() + WAIT;
        while client.find(Locator::Css(&format!("#item-{item} .item-pending"))).await.is_ok() {
            assert!(std::time::Instant::now() < deadline, "{item} is still marked pending after the ledger took it");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        wait_for(&client, &format!("#item-{item}[data-state=\"done\"]")).await;
    }
    screenshot(&client, "sync-03-back-online").await;

    // The ledger holds exactly the three commands, once each, in the order taken.
    let http = reqwest::Client::new();
    let page: serde_json::Value = http
        .get(format!("{url}/v1/events?after={head}&limit=100"))
        .bearer_auth(&platform)
        .send()
        .await
        .expect("GET /v1/events")
        .json()
        .await
        .expect("JSON");
    let records = page["records"].as_array().expect("records");
    assert_eq!(page["head"].as_u64(), Some(head + 3), "{page}");
    let taken: Vec<(&str, &str, &str)> = records
        .iter()
        .map(|r| {
            let payload = &r["body"]["payload"];
            (r["kind"].as_str().unwrap_or(""), payload["item_id"].as_str().unwrap_or(""), payload["state"].as_str().unwrap_or(""))
        })
        .collect();
    assert_eq!(
        taken,
        items.iter().map(|item| ("checklist", *item, "done")).collect::<Vec<_>>(),
        "the records after seq {head}: {records:?}"
    );
    let ids: std::collections::BTreeSet<&str> = records.iter().filter_map(|r| r["body"]["id"].as_str()).collect();
    assert_eq!(ids.len(), 3, "three distinct command ids: {ids:?}");

    // A revoked token: the strip says so and names the login command; retrying stops.
    ledger_cli(&db, &["token", "revoke", "--name", "desk"]);
    let refused = wait_until(&client, "#sync-text", WAIT, "token refused", |t| t.contains("token refused")).await;
    assert!(refused.contains(&format!("clubgate ledger login --url {url}")), "{refused}");
    assert!(!text(&client, "#sync-strip").await.contains(&desk_token));
    screenshot(&client, "sync-04-token-refused").await;

    // The webview's side: the answers of the app's read commands (what its IPC carries) and
    // the whole page hold no token.
    let seen = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               const invoke = window.__TAURI__.core.invoke;
               Promise.all(["sync_status", "overview", "dashboard", "payout_queue", "treasury"].map((c) =>
                   invoke(c).then((v) => JSON.stringify(v), (e) => "refused: " + JSON.stringify(e))))
                 .then((answers) => done(answers.join("\n") + "\n" + document.documentElement.outerHTML));"#,
            vec![],
        )
        .await
        .expect("read the webview");
    let seen = seen.as_str().expect("text").to_owned();
    assert!(seen.contains("token refused"), "the answers and the page were read: {}", &seen[..seen.len().min(300)]);
    assert!(!seen.contains(&desk_token) && !seen.contains(&desk_token[4..20]), "the token reached the webview");

    client.close().await.expect("close the session");
    drop(harness);
    drop(ledger);

    // (c) The token is in none of the app's files and not in its standard error.
    let app_files = files(&data_dir);
    assert!(app_files.iter().any(|f| f.extension().is_some_and(|e| e == "db")), "the store is there: {app_files:?}");
    for file in &app_files {
        let bytes = std::fs::read(file).expect("read");
        assert!(!contains(&bytes, desk_token.as_bytes()), "the token is in {}", file.display());
    }
    let log = std::fs::read(&stderr_log).expect("stderr log");
    assert!(!contains(&log, desk_token.as_bytes()), "the token is in the app's standard error");
    assert!(!contains(&log, &desk_token.as_bytes()[4..20]), "a piece of the token is in the app's standard error");
}
