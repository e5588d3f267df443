//! The desktop's sync against the real ledger service (issue 10): the `clubgate-ledger`
//! binary of this workspace on a temporary SQLite database, a temporary desk store.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use clubgate_store::Store;
use clubgate_sync::{pull, push, Client, Error};
use jiff::Timestamp;
use serde_json::{json, Value};
use zeroize::Zeroizing;

/// The ledger binary `cargo test --workspace` built next to this test's own executable.
fn ledger_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe.parent().and_then(|deps| deps.parent()).expect("target/debug");
    let binary = dir.join("clubgate-ledger");
    assert!(binary.is_file(), "{} is missing: build it with `cargo build -p clubgate-ledger` (cargo xtask test does)", binary.display());
    binary
}

struct Ledger {
    dir: tempfile::TempDir,
    child: Option<Child>,
    url: String,
}

impl Ledger {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut ledger = Self { dir, child: None, url: String::new() };
        ledger.serve();
        ledger
    }

    fn db(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("ledger.db").display())
    }

    /// Serves on a free port, or again on the port of the last start (the desk knows the
    /// ledger by its URL).
    fn serve(&mut self) {
        let listen = self.url.strip_prefix("http://").unwrap_or("127.0.0.1:0").to_owned();
        let mut child = Command::new(ledger_binary())
            .args(["--db", &self.db(), "serve", "--listen", &listen])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start clubgate-ledger");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("read stdout");
        self.url = line.strip_prefix("listening on ").expect("listening line").trim().to_owned();
        self.child = Some(child);
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn token(&self, name: &str, role: &str) -> String {
        let output = Command::new(ledger_binary())
            .args(["--db", &self.db(), "token", "issue", "--name", name, "--role", role])
            .output()
            .expect("token");
        assert!(output.status.success());
        String::from_utf8(output.stdout).expect("utf-8").trim().to_owned()
    }

    async fn post(&self, path: &str, token: &str, body: String) -> (u16, Value) {
        let response = reqwest::Client::new().post(format!("{}{path}", self.url)).bearer_auth(token).body(body).send().await.expect("post");
        let status = response.status().as_u16();
        (status, response.json().await.expect("json"))
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        self.stop();
    }
}

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn attempts(from: u64, count: u64) -> String {
    (from..from + count)
        .map(|n| {
            let at = Timestamp::from_second(1_796_083_200 + n as i64).expect("instant");
            format!(
                "{}\n",
                json!({"id": uuid(n), "at": at.to_string(), "kind": "webhook.attempt", "webhook_id": format!("w{n}"), "partner": "alpha", "status": 200})
            )
        })
        .collect()
}

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("desk.db")).await.expect("store");
    (dir, store)
}

fn client(ledger: &Ledger, token: &str) -> Client {
    Client::new(&ledger.url, Zeroizing::new(token.to_owned())).expect("client")
}

/// The goal: a fresh store catches up page by page to the head, with every event in the
/// store and the cursor at the head; a second pull takes only what is new.
#[tokio::test]
async fn a_fresh_store_catches_up_page_by_page_and_then_takes_only_what_is_new() {
    let ledger = Ledger::start();
    let (platform, ic, viewer) = (ledger.token("platform", "platform"), ledger.token("ic", "launch_ic"), ledger.token("desk", "viewer"));
    assert_eq!(ledger.post("/v1/events", &platform, attempts(1, 2_500)).await.0, 200);
    let decision = json!({"id": uuid(9_000), "kind": "decision", "payload": {"go": true}}).to_string();
    assert_eq!(ledger.post("/v1/commands", &ic, decision).await.0, 201);
    let (_dir, store) = store().await;
    let desk = client(&ledger, &viewer);

    let pulled = pull(&store, &desk).await.expect("pull");
    assert_eq!((pulled.records, pulled.events, pulled.cursor, pulled.head), (2_501, 2_500, 2_501, 2_501));
    assert_eq!(store.event_lines().await.unwrap().len(), 2_500);
    let cursor = store.ledger_cursor().await.unwrap().expect("cursor");
    assert_eq!((cursor.url.as_str(), cursor.seq), (ledger.url.as_str(), 2_501));
    assert_eq!(store.stream_source().await.unwrap(), Some(format!("ledger:{}", ledger.url)));

    let again = pull(&store, &desk).await.expect("pull again");
    assert_eq!((again.records, again.cursor), (0, 2_501));
    assert_eq!(ledger.post("/v1/events", &platform, attempts(5_000, 3)).await.0, 200);
    let more = pull(&store, &desk).await.expect("pull more");
    assert_eq!((more.records, more.events, more.cursor), (3, 3, 2_504));
    assert_eq!(store.event_lines().await.unwrap().len(), 2_503);

    // A store follows one ledger.
    let other = Client::new("http://127.0.0.1:9", Zeroizing::new("cgl_x".to_owned())).unwrap();
    let refused = pull(&store, &other).await.unwrap_err();
    assert!(refused.to_string().contains(&ledger.url), "{refused}");
}

/// The goal: a byte changed in the ledger's database stops the sync at that seq, naming
/// it, and nothing of the page is applied — the cursor stays where it was.
#[tokio::test]
async fn a_byte_changed_in_the_ledger_stops_the_sync_at_its_seq() {
    let mut ledger = Ledger::start();
    let (platform, viewer) = (ledger.token("platform", "platform"), ledger.token("desk", "viewer"));
    assert_eq!(ledger.post("/v1/events", &platform, attempts(1, 3)).await.0, 200);
    let (_dir, store) = store().await;
    let desk = client(&ledger, &viewer);
    assert_eq!(pull(&store, &desk).await.expect("pull").cursor, 3);
    assert_eq!(ledger.post("/v1/events", &platform, attempts(10, 4)).await.0, 200);

    ledger.stop();
    let pool = sqlx::SqlitePool::connect(&ledger.db()).await.expect("open the ledger's file");
    for statement in ["DROP TRIGGER records_no_update", "UPDATE records SET body = replace(body, 'alpha', 'alphA') WHERE seq = 5"] {
        sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&pool).await.expect(statement);
    }
    pool.close().await;
    ledger.serve();
    let desk = client(&ledger, &viewer);

    let error = pull(&store, &desk).await.unwrap_err();
    assert!(matches!(error, Error::ChainBroken { seq: 5, .. }), "{error}");
    assert!(error.to_string().contains("seq 5"), "{error}");
    assert_eq!(store.ledger_cursor().await.unwrap().expect("cursor").seq, 3, "nothing of the broken page applied");
    assert_eq!(store.event_lines().await.unwrap().len(), 3);
}

/// The goal: queued commands reach the ledger once each, in order, by id — a command whose
/// answer was lost is acknowledged at its first seq — and a refusal is kept with the
/// ledger's words; with the ledger down they stay pending and go when it is back.
#[tokio::test]
async fn the_outbox_reaches_the_ledger_once_by_id_and_keeps_refusals_in_words() {
    let mut ledger = Ledger::start();
    let (lead, viewer) = (ledger.token("lead", "treasury_lead"), ledger.token("desk", "viewer"));
    let (_dir, store) = store().await;
    let bundle = format!("0x{}", "42".repeat(32));
    let signature = |tx: &str| {
        json!({"bundle_hash": bundle, "chunk": 0, "network": "erc20", "tx_hash": format!("0x{}", tx.repeat(32)), "nonce": 7}).to_string()
    };
    let now = Timestamp::now();
    store.enqueue_command(&uuid(1), "signature", &signature("01"), now).await.unwrap();
    store.enqueue_command(&uuid(2), "checklist", r#"{"item":"t-7d.freeze","state":"done"}"#, now).await.unwrap();
    store.enqueue_command(&uuid(3), "signature", &signature("02"), now).await.unwrap();
    // The first was sent before, and its answer lost.
    let first =
        json!({"id": uuid(1), "kind": "signature", "payload": serde_json::from_str::<Value>(&signature("01")).unwrap()}).to_string();
    assert_eq!(ledger.post("/v1/commands", &lead, first).await, (201, json!({"seq": 1, "duplicate": false})));

    // Offline: nothing is lost, everything waits.
    ledger.stop();
    let desk = client(&ledger, &lead);
    let offline = push(&store, &desk).await.expect("push while offline");
    assert_eq!((offline.acked, offline.pending), (0, 3));
    assert!(matches!(pull(&store, &client(&ledger, &viewer)).await, Err(Error::Unreachable { .. })));
    assert_eq!(store.outbox_counts().await.unwrap().pending, 3);

    ledger.serve();
    let desk = client(&ledger, &lead);
    let pushed = push(&store, &desk).await.expect("push");
    assert_eq!((pushed.acked, pushed.pending), (2, 0));
    assert_eq!(pushed.refused.len(), 1);
    let refusal = &pushed.refused[0];
    assert_eq!((refusal.id.as_str(), refusal.status, refusal.code.as_str()), (uuid(3).as_str(), 409, "already_signed"));
    assert!(refusal.message.contains("seq 1"), "{}", refusal.message);
    let outbox = store.outbox(false).await.unwrap();
    assert_eq!(
        outbox.iter().map(|c| (c.state.as_str(), c.seq)).collect::<Vec<_>>(),
        [("acked", Some(1)), ("acked", Some(2)), ("refused", None)]
    );
    assert_eq!(outbox[2].error.as_ref().map(|(code, _)| code.as_str()), Some("already_signed"));
    // Offline, the first send failed and the push stopped there, keeping the order.
    assert_eq!(outbox.iter().map(|c| c.attempts).collect::<Vec<_>>(), [2, 1, 1]);

    // Nothing is sent again; the ledger holds each command once.
    assert_eq!(push(&store, &desk).await.expect("push again"), clubgate_sync::Pushed::default());
    let pulled = pull(&store, &client(&ledger, &viewer)).await.expect("pull");
    assert_eq!((pulled.records, pulled.events, pulled.head), (2, 0, 2));

    // A revoked token is named as such.
    let revoke = Command::new(ledger_binary()).args(["--db", &ledger.db(), "token", "revoke", "--name", "lead"]).output().unwrap();
    assert!(revoke.status.success());
    store.enqueue_command(&uuid(4), "checklist", r#"{"item":"x"}"#, now).await.unwrap();
    let error = push(&store, &desk).await.unwrap_err();
    assert!(matches!(error, Error::Unauthorized { .. }) && error.to_string().contains("clubgate ledger login"), "{error}");
    assert_eq!(store.outbox_counts().await.unwrap().pending, 1);
}

/// The goal: an approval recorded in the store reaches the ledger as an `approval` command
/// the ledger reads (here refused in words: the ledger has no policy yet), once.
#[tokio::test]
async fn an_approval_recorded_locally_reaches_the_ledger_as_an_approval_command() {
    let ledger = Ledger::start();
    let approver_token = ledger.token("approver-a", "approver");
    let (_dir, store) = store().await;
    let now = Timestamp::now();
    let bundle = clubgate_store::StoredBundle {
        bundle_id: "b-1".to_owned(),
        hash: format!("0x{}", "ab".repeat(32)),
        document: "{}".to_owned(),
        requested_by: "lead".to_owned(),
        created_at: now,
    };
    store.insert_bundle(&bundle).await.unwrap();
    store.add_approval("b-1", "0xA1A1a1a1A1A1A1A1A1a1a1a1a1a1A1A1a1A1a1a1", &"11".repeat(65), now).await.unwrap();
    let pushed = push(&store, &client(&ledger, &approver_token)).await.expect("push");
    assert_eq!(pushed.refused.len(), 1, "{pushed:?}");
    let refusal = &pushed.refused[0];
    assert_eq!((refusal.kind.as_str(), refusal.status, refusal.code.as_str()), ("approval", 422, "no_policy"));
    assert!(refusal.message.contains("policy init"), "{}", refusal.message);
    assert_eq!(store.outbox_counts().await.unwrap().refused, 1);
}
