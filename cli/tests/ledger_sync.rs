//! `clubgate ledger login|status` and `clubgate sync` (issue 10) against the real ledger
//! service, with the token in a real Secret Service (gnome-keyring in a private D-Bus
//! session).

mod support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{json, Value};
use support::Ledger;

const CLUBGATE: &str = env!("CARGO_BIN_EXE_clubgate");

fn events(count: u64) -> String {
    (1..=count)
        .map(|n| {
            format!(
                "{}\n",
                json!({"id": format!("00000000-0000-4000-8000-{n:012x}"), "at": format!("2026-12-01T10:{:02}:00Z", n % 60),
                       "kind": "webhook.attempt", "webhook_id": format!("w{n}"), "partner": "alpha", "status": 200})
            )
        })
        .collect()
}

fn post_events(ledger: &Ledger, token: &str, body: String) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let status = runtime.block_on(async {
        reqwest::Client::new().post(format!("{}/v1/events", ledger.url)).bearer_auth(token).body(body).send().await.unwrap().status()
    });
    assert_eq!(status.as_u16(), 200);
}

/// Runs a shell script in a private D-Bus session with an unlocked gnome-keyring, `HOME`
/// of its own, and no token in the environment.
fn session(script: &str, home: &Path) -> Output {
    std::fs::create_dir_all(home).unwrap();
    Command::new("dbus-run-session")
        .args(["--", "sh", "-c", &format!("printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; {script}")])
        .env("HOME", home)
        .env_remove("XDG_DATA_HOME")
        .env_remove("CLUBGATE_LEDGER_TOKEN")
        .output()
        .expect("dbus-run-session and gnome-keyring are installed by cargo xtask setup")
}

fn json_of(output: &Output) -> Value {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{stdout:?}: {e}"))
}

/// The goal: the token goes from standard input into the OS keychain (checked with the
/// ledger first — a refused token is not kept), `sync --once` takes it from there and
/// brings the store to the ledger's head, and the token is nowhere in the store.
#[test]
fn login_keeps_the_token_in_the_os_keychain_and_sync_catches_the_store_up() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::start(dir.path(), &[]);
    let (platform, viewer) = (ledger.token("platform", "platform"), ledger.token("desk-1", "viewer"));
    post_events(&ledger, &platform, events(1_500));
    let store = dir.path().join("desk.db");
    let store = store.display();
    let home = dir.path().join("home");
    let url = &ledger.url;

    let refused = session(&format!("printf 'cgl_wrong\\n' | {CLUBGATE} --json ledger login --url {url}"), &home);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("ledger_unauthorized"), "{}", String::from_utf8_lossy(&refused.stderr));
    let none = session(&format!("{CLUBGATE} --db {store} --json sync --url {url} --once"), &home);
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("clubgate ledger login --url"), "{}", String::from_utf8_lossy(&none.stderr));

    let synced = session(
        &format!("printf '{viewer}\\n' | {CLUBGATE} --json ledger login --url {url}/ >/dev/null && {CLUBGATE} --db {store} --json sync --url {url} --once"),
        &home,
    );
    let summary = json_of(&synced);
    assert_eq!(
        (summary["pulled"]["records"].as_u64(), summary["cursor"].as_u64(), summary["head"].as_u64()),
        (Some(1_500), Some(1_500), Some(1_500))
    );
    // The URL is remembered: a second round takes nothing new.
    let again = json_of(&session(&format!("{CLUBGATE} --db {store} --json sync --once"), &home));
    assert_eq!((again["pulled"]["records"].as_u64(), again["cursor"].as_u64()), (Some(0), Some(1_500)));
    let status = json_of(&Command::new(CLUBGATE).args(["--db", &store.to_string(), "--json", "ledger", "status"]).output().unwrap());
    assert_eq!(status, json!({"url": url, "cursor": 1_500, "outbox": {"pending": 0, "acked": 0, "refused": 0}}));

    // The token is in the keychain only: not in the store, its WAL, or any output.
    for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
        if entry.file_name().to_string_lossy().starts_with("desk.db") {
            let bytes = std::fs::read(entry.path()).unwrap();
            assert!(!bytes.windows(viewer.len()).any(|w| w == viewer.as_bytes()), "the token is in {}", entry.path().display());
        }
    }
    for output in [&synced.stdout, &synced.stderr] {
        assert!(!String::from_utf8_lossy(output).contains(&viewer));
    }
}

/// The goal: where no keychain runs, `$CLUBGATE_LEDGER_TOKEN` stands in; an unreachable
/// ledger is exit 1 with its stable code.
#[test]
fn sync_takes_the_token_from_the_environment_and_names_an_unreachable_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("desk.db");
    let store = store.to_string_lossy().into_owned();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let output = Command::new(CLUBGATE)
        .args(["--db", &store, "--json", "sync", "--url", &closed, "--once"])
        .env("CLUBGATE_LEDGER_TOKEN", "cgl_x")
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("ledger_unreachable"), "{}", String::from_utf8_lossy(&output.stderr));

    let ledger = Ledger::start(dir.path(), &[]);
    let (platform, viewer) = (ledger.token("platform", "platform"), ledger.token("desk-1", "viewer"));
    post_events(&ledger, &platform, events(7));
    let output = Command::new(CLUBGATE)
        .args(["--db", &store, "--json", "sync", "--url", &ledger.url, "--once"])
        .env("CLUBGATE_LEDGER_TOKEN", &viewer)
        .env("HOME", dir.path())
        .output()
        .unwrap();
    let summary = json_of(&output);
    assert_eq!((summary["pulled"]["events"].as_u64(), summary["cursor"].as_u64()), (Some(7), Some(7)));
}
