//! Crash tests of the desk's sync (issue 10): `clubgate sync --once` killed with SIGKILL at
//! seeded crash points of pull/apply and outbox send/ack (`clubgate_sync::CRASH_POINTS`,
//! armed in this test build of `clubgate`), then run again: no record lost or applied twice,
//! no outbox command lost or sent as two, the cursor at the ledger's head.
//!
//! `CLUBGATE_SYNC_CRASH_CASES` cases (default 200) from `CLUBGATE_SYNC_CRASH_SEED` (default
//! fixed); the counts go to standard error.

mod support;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;

use clubgate_store::Store;
use jiff::Timestamp;
use serde_json::json;
use support::Ledger;

const CLUBGATE: &str = env!("CARGO_BIN_EXE_clubgate");

/// Events in the ledger before the cases start: a full page and a partial one (and the
/// commands of the cases before, so later cases pull more).
const EVENTS: u64 = 1_050;

/// Commands each case queues in its store.
const COMMANDS: u64 = 3;

/// The ledger's head.
async fn head(ledger: &Ledger) -> u64 {
    let body: serde_json::Value = reqwest::get(format!("{}/v1/health", ledger.url)).await.unwrap().json().await.unwrap();
    body["head"].as_u64().unwrap()
}

/// xorshift64*: a seeded, dependency-free draw.
struct Draw(u64);

impl Draw {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % below
    }
}

fn sync(store: &Path, url: &str, token: &str, crash_point: Option<&str>) -> std::process::Output {
    let mut command = Command::new(CLUBGATE);
    command.args(["--db", &store.to_string_lossy(), "--json", "sync", "--url", url, "--once"]).env("CLUBGATE_LEDGER_TOKEN", token);
    match crash_point {
        Some(point) => command.env("CLUBGATE_CRASHPOINT", point),
        None => command.env_remove("CLUBGATE_CRASHPOINT"),
    };
    command.output().expect("run clubgate sync")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_killed_at_seeded_crash_points_loses_nothing_and_applies_nothing_twice() {
    let cases: u64 = std::env::var("CLUBGATE_SYNC_CRASH_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(200);
    let seed: u64 = std::env::var("CLUBGATE_SYNC_CRASH_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or(0x5eed_cafe);
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::start(dir.path(), &["--rate-limit", "0"]);
    let (platform, lead) = (ledger.token("platform", "platform"), ledger.token("lead", "treasury_lead"));
    let lines: String = (1..=EVENTS)
        .map(|n| {
            let at = Timestamp::from_second(1_796_083_200 + n as i64).unwrap();
            format!(
                "{}\n",
                json!({"id": format!("00000000-0000-4000-8000-{n:012x}"), "at": at.to_string(), "kind": "webhook.attempt",
                       "webhook_id": format!("w{n}"), "partner": "alpha", "status": 200})
            )
        })
        .collect();
    let posted = reqwest::Client::new().post(format!("{}/v1/events", ledger.url)).bearer_auth(&platform).body(lines).send().await.unwrap();
    assert_eq!(posted.status().as_u16(), 200);

    let mut draw = Draw(seed | 1);
    let (mut killed, mut finished) = (0u64, 0u64);
    for case in 0..cases {
        let store_path = dir.path().join(format!("desk-{case}.db"));
        let head_before = head(&ledger).await;
        {
            let store = Store::open(&store_path).await.unwrap();
            for n in 0..COMMANDS {
                let id = format!("00000000-0000-4000-9000-{:012x}", case * 10 + n);
                store
                    .enqueue_command(&id, "checklist", &json!({"item": format!("case-{case}"), "n": n}).to_string(), Timestamp::now())
                    .await
                    .unwrap();
            }
            store.close().await;
        }
        let point = clubgate_sync::CRASH_POINTS[draw.next(clubgate_sync::CRASH_POINTS.len() as u64) as usize];
        let hit = 1 + draw.next(3);
        let crashed = sync(&store_path, &ledger.url, &lead, Some(&format!("{point}:{hit}")));
        if crashed.status.signal() == Some(9) {
            killed += 1;
        } else {
            assert!(crashed.status.success(), "case {case} ({point}:{hit}): {}", String::from_utf8_lossy(&crashed.stderr));
            finished += 1;
        }
        let again = sync(&store_path, &ledger.url, &lead, None);
        assert!(again.status.success(), "case {case} ({point}:{hit}) after restart: {}", String::from_utf8_lossy(&again.stderr));

        let head = head(&ledger).await;
        assert_eq!(head, head_before + COMMANDS, "case {case} ({point}:{hit}): each command is in the ledger once");
        let store = Store::open(&store_path).await.unwrap();
        let cursor = store.ledger_cursor().await.unwrap().expect("cursor");
        assert_eq!(cursor.seq, head, "case {case} ({point}:{hit}): the cursor is the ledger's head");
        assert_eq!(store.event_lines().await.unwrap().len() as u64, EVENTS, "case {case} ({point}:{hit}): every event once");
        let outbox = store.outbox(false).await.unwrap();
        assert_eq!(outbox.len() as u64, COMMANDS);
        assert!(
            outbox.iter().all(|c| c.state == "acked" && c.seq.is_some_and(|s| s > head_before)),
            "case {case} ({point}:{hit}): {outbox:?}"
        );
        store.close().await;
        let _ = std::fs::remove_file(&store_path);
    }
    eprintln!(
        "sync-crash: {cases} cases, seed {seed}: {killed} killed at their crash point, {finished} finished before it; 0 lost, 0 twice"
    );
    assert!(killed * 10 >= cases * 5, "only {killed} of {cases} cases were killed at their crash point");
}
