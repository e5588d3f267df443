//! Protocol tests of PRODUCT.md "Ledger protocol v1" (issue 9), from a plain HTTP client
//! (reqwest) against the real `clubgate-ledger` binary on port 0 — every test on both back
//! ends: `sqlite::NAME` on a temporary file, `postgres::NAME` on a throw-away PostgreSQL
//! cluster of its own (tests/support/pg.rs: initdb + pg_ctl on a free loopback port).
//! Hashes are recomputed here with an independent JCS implementation
//! (`serde_json_canonicalizer`, not the service's `serde_jcs`).

mod support;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support::pg::Cluster;

const BIN: &str = env!("CARGO_BIN_EXE_clubgate-ledger");

/// The back end a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named test body (`async fn NAME(backend: Backend)`) as `sqlite::NAME` and
/// `postgres::NAME`.
macro_rules! on_both_back_ends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Backend::Sqlite).await;
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Backend::Postgres).await;
            })*
        }
    };
}

on_both_back_ends!(
    health_needs_no_token_and_stdout_carries_only_the_listening_line,
    events_are_appended_all_or_nothing_and_idempotent_by_id,
    commands_are_idempotent_by_id_and_json_value,
    a_bundle_id_names_one_bundle_across_servers,
    tokens_and_roles_are_checked_before_the_body,
    a_revoked_token_is_refused_from_its_next_request,
    bodies_up_to_8_mib_are_accepted_and_larger_ones_get_413,
    reads_page_by_cursor_and_any_client_can_verify_the_chain,
    verify_names_the_first_record_whose_byte_changed,
    the_stream_sends_records_within_a_second_resumes_from_last_event_id_and_keeps_alive,
    concurrent_clients_on_two_servers_get_each_id_once_in_one_gapless_chain,
    a_batch_of_6_000_events_is_one_append,
    servers_started_together_on_a_new_database_migrate_it_once,
    the_simulator_feeds_a_scenario_in_accelerated_time_once_by_id,
    the_simulator_names_the_servers_error_code_when_refused,
    the_policy_is_set_on_the_server_and_changed_only_by_a_quorum_of_approvers,
    approvals_must_recover_to_an_approver_of_the_policy_in_force,
    a_chunk_is_signed_once_unless_the_signature_is_a_recorded_replacement,
    racing_signatures_of_one_chunk_on_two_servers_record_exactly_one,
    a_variant_of_a_published_bundle_id_is_neither_approved_nor_signed,
    a_token_over_its_rate_gets_429_with_retry_after,
    requests_are_logged_with_their_id_and_never_a_token_or_a_signature,
    a_server_refuses_to_start_on_a_signature_or_policy_it_cannot_read_back,
    trust_obligations_and_partner_balances_are_checked_by_the_core_rules,
);

/// A running ledger on a temporary SQLite file or a database of its own PostgreSQL cluster.
struct Ledger {
    backend: Backend,
    /// Logs, and the SQLite file.
    dir: Arc<tempfile::TempDir>,
    /// The `--db` URL.
    db: String,
    /// The cluster, stopped when the last server on it is dropped (after the server).
    _cluster: Option<Arc<Cluster>>,
    serve_args: Vec<&'static str>,
    child: Option<(Child, BufReader<ChildStdout>)>,
    base: String,
    client: reqwest::Client,
}

impl Ledger {
    async fn new(backend: Backend) -> Self {
        Self::with_serve_args(backend, &[]).await
    }

    async fn with_serve_args(backend: Backend, serve_args: &[&'static str]) -> Self {
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        let (db, cluster) = match backend {
            Backend::Sqlite => (format!("sqlite://{}", dir.path().join("ledger.db").display()), None),
            Backend::Postgres => {
                let cluster = Arc::new(Cluster::start());
                (cluster.create_database().await, Some(cluster))
            }
        };
        Self::on(backend, dir, db, cluster, serve_args)
    }

    /// Another server process on the same database.
    fn another_server(&self) -> Self {
        Self::on(self.backend, Arc::clone(&self.dir), self.db.clone(), self._cluster.clone(), &self.serve_args)
    }

    fn on(backend: Backend, dir: Arc<tempfile::TempDir>, db: String, cluster: Option<Arc<Cluster>>, serve_args: &[&'static str]) -> Self {
        let mut ledger = Self {
            backend,
            dir,
            db,
            _cluster: cluster,
            serve_args: serve_args.to_vec(),
            child: None,
            base: String::new(),
            client: reqwest::Client::new(),
        };
        ledger.start();
        ledger
    }

    fn db(&self) -> String {
        self.db.clone()
    }

    /// Runs SQL statements on the database behind the ledger's back; the rows each changed.
    async fn tamper(&self, statements: &[&str]) -> Vec<u64> {
        let mut changed = Vec::new();
        match self.backend {
            Backend::Sqlite => {
                let options = sqlx::sqlite::SqliteConnectOptions::new().filename(self.dir.path().join("ledger.db"));
                let pool = sqlx::SqlitePool::connect_with(options).await.expect("open the file");
                for statement in statements {
                    changed.push(
                        sqlx::query(sqlx::AssertSqlSafe(*statement))
                            .execute(&pool)
                            .await
                            .unwrap_or_else(|e| panic!("{statement}: {e}"))
                            .rows_affected(),
                    );
                }
                pool.close().await;
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&self.db).await.expect("connect");
                for statement in statements {
                    changed.push(
                        sqlx::query(sqlx::AssertSqlSafe(*statement))
                            .execute(&pool)
                            .await
                            .unwrap_or_else(|e| panic!("{statement}: {e}"))
                            .rows_affected(),
                    );
                }
                pool.close().await;
            }
        }
        changed
    }

    /// `DROP TRIGGER name` in the back end's dialect.
    fn drop_trigger(&self, name: &str) -> String {
        match self.backend {
            Backend::Sqlite => format!("DROP TRIGGER {name}"),
            Backend::Postgres => format!("DROP TRIGGER {name} ON records"),
        }
    }

    /// Starts `serve` and reads its first line of standard output.
    fn start(&mut self) {
        let log_path = self
            .dir
            .path()
            .join(format!("stderr-{}.log", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()));
        let log = std::fs::File::create(&log_path).expect("log file");
        let mut child = Command::new(BIN)
            .args(["--db", &self.db(), "serve", "--listen", "127.0.0.1:0"])
            .args(&self.serve_args)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start clubgate-ledger");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        // Bounded: read_line returns at the first newline or at EOF if the server dies.
        stdout.read_line(&mut line).expect("read stdout");
        let address = line.strip_prefix("listening on ").map(str::trim_end).unwrap_or_else(|| {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            panic!("first stdout line {line:?} is not `listening on …`; stderr: {log}")
        });
        assert!(address.starts_with("http://127.0.0.1:") && !address.ends_with(":0"), "{address}");
        self.base = address.to_owned();
        self.child = Some((child, stdout));
    }

    /// Stops the server and returns what it printed after its first line.
    fn stop(&mut self) -> String {
        let (mut child, mut stdout) = self.child.take().expect("running");
        child.kill().expect("kill");
        child.wait().expect("wait");
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).expect("read the rest of stdout");
        rest
    }

    fn cli(&self, args: &[&str]) -> Output {
        let db = self.db();
        let mut all = vec!["--db", db.as_str()];
        all.extend_from_slice(args);
        Command::new(BIN).args(all).output().expect("run clubgate-ledger")
    }

    fn token(&self, name: &str, role: &str) -> String {
        let output = self.cli(&["token", "issue", "--name", name, "--role", role]);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let stdout = String::from_utf8(output.stdout).expect("utf-8");
        let token = stdout.trim_end_matches('\n');
        assert!(!token.is_empty() && !token.contains('\n'), "token issue printed {stdout:?}");
        token.to_owned()
    }

    async fn send(&self, method: reqwest::Method, path: &str, token: Option<&str>, body: Option<Vec<u8>>) -> (StatusCode, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: answer {text:?} is not JSON: {e}"));
        (status, value)
    }

    async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, token, None).await
    }

    async fn post(&self, path: &str, token: &str, body: impl Into<Vec<u8>>) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(token), Some(body.into())).await
    }

    async fn head(&self) -> u64 {
        let (status, body) = self.get("/v1/health", None).await;
        assert_eq!(status, StatusCode::OK);
        body["head"].as_u64().expect("head")
    }

    /// Every record, paging by cursor with `limit` records a page.
    async fn all_records(&self, token: &str, limit: u32) -> Vec<Value> {
        let mut records = Vec::new();
        for _ in 0..10_000 {
            let after = records.len();
            let (status, page) = self.get(&format!("/v1/events?after={after}&limit={limit}"), Some(token)).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            let batch = page["records"].as_array().expect("records").clone();
            if batch.is_empty() {
                assert_eq!(page["head"].as_u64(), Some(after as u64));
                return records;
            }
            assert!(batch.len() <= limit as usize);
            records.extend(batch);
        }
        panic!("more pages than expected");
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        if let Some((mut child, _)) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn accepted(n: u64, payout: &str, partner: &str) -> Value {
    json!({"id": uuid(n), "at": "2026-12-01T10:00:00Z", "kind": "payout.accepted", "payout_id": payout, "network": "erc20",
           "token": "USDT", "wallet": "hot-1", "partner": partner, "amount": "1500000"})
}

fn confirmed(n: u64, payout: &str) -> Value {
    json!({"id": uuid(n), "at": "2026-12-01T10:05:00Z", "kind": "payout.confirmed", "payout_id": payout})
}

fn jsonl(events: &[Value]) -> String {
    events.iter().map(|e| format!("{e}\n")).collect()
}

fn command(id: u64, kind: &str, payload: Value) -> String {
    json!({"id": uuid(id), "kind": kind, "payload": payload}).to_string()
}

/// The error body's code, and that its message names `fragment`.
fn assert_error(status: StatusCode, body: &Value, expected: StatusCode, code: &str, fragment: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(message.contains(fragment), "message {message:?} does not name {fragment:?}");
}

/// sha256(prev ‖ u64_be(seq) ‖ JCS(body ∪ {"kind":kind})), recomputed independently.
fn expected_hash(prev: &[u8], seq: u64, kind: &str, body: &Value) -> Vec<u8> {
    let mut hashed = body.as_object().expect("body is an object").clone();
    assert!(!hashed.contains_key("kind"), "a body does not carry its kind");
    hashed.insert("kind".into(), kind.into());
    let canonical = serde_json_canonicalizer::to_vec(&Value::Object(hashed)).expect("JCS");
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(seq.to_be_bytes());
    hasher.update(canonical);
    hasher.finalize().to_vec()
}

fn assert_chain(records: &[Value]) {
    let mut prev = vec![0u8; 32];
    for (index, record) in records.iter().enumerate() {
        let seq = index as u64 + 1;
        assert_eq!(record["seq"].as_u64(), Some(seq), "gapless, in order: {record}");
        assert_eq!(record["prev"].as_str(), Some(hex::encode(&prev).as_str()), "prev of seq {seq}");
        let hash = expected_hash(&prev, seq, record["kind"].as_str().expect("kind"), &record["body"]);
        assert_eq!(record["hash"].as_str(), Some(hex::encode(&hash).as_str()), "hash of seq {seq}");
        prev = hash;
    }
}

async fn health_needs_no_token_and_stdout_carries_only_the_listening_line(backend: Backend) {
    let mut ledger = Ledger::new(backend).await;
    let (status, body) = ledger.get("/v1/health", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"status": "ok", "head": 0}));
    let (status, body) = ledger.get("/v1/nothing", None).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found", "/v1/nothing");
    let (status, body) = ledger.send(reqwest::Method::DELETE, "/v1/health", None, None).await;
    assert_error(status, &body, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "/v1/health");
    assert_eq!(ledger.stop(), "", "nothing else on standard output");
}

async fn events_are_appended_all_or_nothing_and_idempotent_by_id(backend: Backend) {
    let ledger = Ledger::new(backend).await;
    let platform = ledger.token("platform", "platform");
    let batch = [accepted(1, "p1", "alpha"), accepted(2, "p2", "beta"), confirmed(3, "p1")];
    let (status, body) = ledger.post("/v1/events", &platform, jsonl(&batch)).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"appended": 3, "duplicates": 0, "head": 3})));

    // The same lines again (one with its keys in another order and spaces), plus a new one.
    let mut reordered: Vec<(String, Value)> = batch[1].as_object().unwrap().clone().into_iter().collect();
    reordered.reverse();
    let reordered_line =
        format!("{{ {} }}", reordered.iter().map(|(k, v)| format!("{} : {v}", Value::from(k.as_str()))).collect::<Vec<_>>().join(" , "));
    let text = format!("{}\n{reordered_line}\n\n{}\n{}\n", batch[0], batch[2], confirmed(4, "p2"));
    let (status, body) = ledger.post("/v1/events", &platform, text).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"appended": 1, "duplicates": 3, "head": 4})));

    // The same id with other content: 409, and nothing of the batch is appended.
    let mut changed = accepted(2, "p2", "beta");
    changed["amount"] = "2500000".into();
    let (status, body) = ledger.post("/v1/events", &platform, jsonl(&[accepted(5, "p5", "gamma"), changed])).await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict", &uuid(2));
    assert_eq!(ledger.head().await, 4);

    // A line the core's ledger rules refuse (a payout that is not in the log): 400 naming the
    // line; the valid line before it is not appended either.
    let (status, body) = ledger.post("/v1/events", &platform, jsonl(&[accepted(6, "p6", "gamma"), confirmed(7, "nope")])).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_event", "line 2");
    assert!(body["error"]["message"].as_str().unwrap().contains("nope"), "{body}");
    assert_eq!(ledger.head().await, 4);
    // The refused batch left no trace in the rules' state either: p6 is unknown until it
    // is accepted for real.
    let (status, body) = ledger.post("/v1/events", &platform, jsonl(&[confirmed(7, "p6")])).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_event", "line 1");
    let (status, body) = ledger.post("/v1/events", &platform, jsonl(&[accepted(6, "p6", "gamma"), confirmed(7, "p6")])).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"appended": 2, "duplicates": 0, "head": 6})));

    // Malformed JSON, a seq the client must not send, an unknown kind: 400 with the line.
    let cases: [(String, &str, &str); 4] = [
        (format!("{}\n{{\"id\":", accepted(8, "p8", "x")), "malformed_json", "line 2"),
        (
            format!("{}\n", json!({"seq": 9, "id": uuid(9), "at": "2026-12-01T10:00:00Z", "kind": "payout.confirmed", "payout_id": "p1"})),
            "invalid_event",
            "line 1",
        ),
        (format!("\n\n{}\n", json!({"id": uuid(10), "at": "2026-12-01T10:00:00Z", "kind": "payout.sent"})), "invalid_event", "line 3"),
        (
            format!("{}\n", json!({"id": "not-a-uuid", "at": "2026-12-01T10:00:00Z", "kind": "payout.confirmed", "payout_id": "p1"})),
            "invalid_event",
            "\"not-a-uuid\"",
        ),
    ];
    for (text, code, fragment) in cases {
        let (status, body) = ledger.post("/v1/events", &platform, text).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, code, fragment);
    }
    assert_eq!(ledger.head().await, 6);
}

async fn commands_are_idempotent_by_id_and_json_value(backend: Backend) {
    let ledger = Ledger::new(backend).await;
    let lead = ledger.token("lead", "treasury_lead");
    let ic = ledger.token("ic", "launch_ic");
    let body = command(1, "checklist", json!({"item": "t-7d.freeze", "state": "done", "n": 1}));
    let (status, answer) = ledger.post("/v1/commands", &lead, body.clone()).await;
    assert_eq!((status, answer), (StatusCode::CREATED, json!({"seq": 1, "duplicate": false})));

    // The same JSON value spelt differently, from another role that may send the kind.
    let same = format!(
        r#"{{ "payload" : {{"n":1.0,"state":"done","item":"t-7d.freeze"}}, "kind":"checklist", "id":"{}" }}"#,
        uuid(1).to_uppercase()
    );
    let (status, answer) = ledger.post("/v1/commands", &ic, same).await;
    assert_eq!((status, answer), (StatusCode::OK, json!({"seq": 1, "duplicate": true})));

    let (status, answer) = ledger.post("/v1/commands", &ic, command(2, "decision", json!({"go": true}))).await;
    assert_eq!((status, answer), (StatusCode::CREATED, json!({"seq": 2, "duplicate": false})));

    let (status, answer) =
        ledger.post("/v1/commands", &lead, command(1, "checklist", json!({"item": "t-7d.freeze", "state": "open"}))).await;
    assert_error(status, &answer, StatusCode::CONFLICT, "conflict", &uuid(1));

    let (status, answer) = ledger.post("/v1/commands", &lead, "{\"id\":").await;
    assert_error(status, &answer, StatusCode::BAD_REQUEST, "malformed_json", "not JSON");
    let cases = [
        (command(3, "launch", json!({})), "\"launch\""),
        (json!({"id": "42", "kind": "checklist", "payload": {}}).to_string(), "\"42\""),
        (json!({"id": uuid(3), "kind": "checklist", "payload": "done"}).to_string(), "\"done\""),
        (json!({"id": uuid(3), "kind": "checklist", "payload": {}, "extra": 1}).to_string(), "\"extra\""),
    ];
    for (body, fragment) in cases {
        let (status, answer) = ledger.post("/v1/commands", &lead, body).await;
        assert_error(status, &answer, StatusCode::UNPROCESSABLE_ENTITY, "invalid_command", fragment);
    }
    // A payload nesting deeper than 32 levels would make pages unreadable to clients.
    let mut deep = json!("leaf");
    for _ in 0..32 {
        deep = json!([deep]);
    }
    let (status, answer) = ledger.post("/v1/commands", &lead, command(4, "checklist", json!({"deep": deep.clone()}))).await;
    assert_error(status, &answer, StatusCode::UNPROCESSABLE_ENTITY, "invalid_command", "deeper than 32");
    let (status, _) = ledger.post("/v1/commands", &lead, command(4, "checklist", json!({"deep": deep[0].clone()}))).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(ledger.head().await, 3);
}

/// Issue 12: an EOD settlement transfer's bundle id is derived from its session, so two
/// desks make the same id; the ledger takes one bundle under it (a second desk publishing
/// the same bundle is fine, another bundle under that id is refused 409 `bundle_id_taken`),
/// on any server of the database and after a restart (the state is rebuilt from the log).
async fn a_bundle_id_names_one_bundle_across_servers(backend: Backend) {
    let ledger = Ledger::new(backend).await;
    let second = ledger.another_server();
    let lead = ledger.token("lead", "treasury_lead");
    let id = "payout-0123456789abcdef0123456789abcdef";
    let (h1, h2) = (format!("0x{}", "11".repeat(32)), format!("0x{}", "22".repeat(32)));
    let publish = |n: u64, bundle: &str, hash: &str, by: &str| {
        command(n, "bundle", json!({"bundle_id": bundle, "bundle_hash": hash, "document": {"bundle_id": bundle}, "requested_by": by}))
    };
    let (status, _) = ledger.post("/v1/commands", &lead, publish(1, id, &h1, "EOD settlement of s1")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = second.post("/v1/commands", &lead, publish(2, id, &h2, "EOD settlement of s1")).await;
    assert_error(status, &body, StatusCode::CONFLICT, "bundle_id_taken", id);
    // The same bundle from another desk under its own command id: taken.
    let (status, _) = second.post("/v1/commands", &lead, publish(3, id, &h1, "desk B")).await;
    assert_eq!(status, StatusCode::CREATED);
    // Another id, any hash; one group of two commands cannot take one id twice either.
    let (status, _) = ledger.post("/v1/commands", &lead, publish(4, "payout-ffffffffffffffffffffffffffffffff", &h2, "x")).await;
    assert_eq!(status, StatusCode::CREATED);
    let other = "payout-eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";
    let (a, b) = tokio::join!(
        ledger.post("/v1/commands", &lead, publish(5, other, &h1, "a")),
        second.post("/v1/commands", &lead, publish(6, other, &h2, "b"))
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT], "{a:?} {b:?}");
    let head = ledger.head().await;
    assert_eq!(head, 4);
    // A server started on the log rebuilds the ids from it.
    let third = ledger.another_server();
    let (status, body) = third.post("/v1/commands", &lead, publish(7, id, &h2, "later")).await;
    assert_error(status, &body, StatusCode::CONFLICT, "bundle_id_taken", id);
    assert_eq!(third.head().await, head);
}

async fn tokens_and_roles_are_checked_before_the_body(backend: Backend) {
    let ledger = Ledger::new(backend).await;
    let viewer = ledger.token("viewer", "viewer");
    let platform = ledger.token("platform", "platform");
    let approver = ledger.token("approver", "approver");

    let (status, body) = ledger.get("/v1/events", None).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized", "Authorization");
    let (status, body) = ledger.get("/v1/events", Some("cgl_0000")).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized", "unknown or revoked");

    // A viewer reads; it may not append, even with a body that is malformed or too large:
    // the role is decided first.
    let (status, _) = ledger.get("/v1/events", Some(&viewer)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = ledger.post("/v1/events", &viewer, "{not json").await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden", "viewer");
    let (status, body) = ledger.post("/v1/events", &viewer, vec![b'x'; 9 * 1024 * 1024]).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden", "viewer");
    let (status, body) = ledger.post("/v1/commands", &viewer, "{not json").await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden", "viewer");
    let (status, body) = ledger.post("/v1/commands", &platform, command(1, "decision", json!({}))).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden", "platform");

    // A kind another role sends: 403 once the body names the kind.
    let (status, body) = ledger.post("/v1/commands", &approver, command(1, "decision", json!({}))).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden", "\"decision\"");
    // The approver's own kind passes the role check and reaches the server's validation.
    let (status, body) = ledger.post("/v1/commands", &approver, command(1, "approval", json!({"bundle": "0xab"}))).await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "invalid_command", "approver");
    assert_eq!(ledger.head().await, 0);
}

async fn a_revoked_token_is_refused_from_its_next_request(backend: Backend) {
    let ledger = Ledger::new(backend).await;
    let viewer = ledger.token("desk-1", "viewer");
    let (status, _) = ledger.get("/v1/events", Some(&viewer)).await;
    assert_eq!(status, StatusCode::OK);
    let stream = ledger.client.get(format!("{}/v1/events/stream", ledger.base)).bearer_auth(&viewer).send().await.expect("stream");
    assert_eq!(stream.status(), StatusCode::OK);
    let output = ledger.cli(&["token", "revoke", "--name", "desk-1"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stdout.is_empty());
    // Its open stream ends too (the token is checked again every second).
    let ended = tokio::time::timeout(std::time::Duration::from_secs(10), stream.bytes()).await;
    assert!(matches!(ended, Ok(Ok(_))), "the revoked token's stream did not end: {ended:?}");
    let (status, body) = ledger.get("/v1/events", Some(&viewer)).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized", "revoked");
    // Revoking again names the name; a new token under it works.
    let output = ledger.cli(&["token", "revoke", "--name", "desk-1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("\"desk-1\""));
    let renewed = ledger.token("desk-1", "viewer");
    let (status, _) = ledger.get("/v1/events", Some(&renewed)).await;
    assert_eq!(status, StatusCode::OK);
    let output = ledger.cli(&["token", "issue", "--name", "x", "--role", "admin"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty() && String::from_utf8_lossy(&output.stderr).contains("\"admin\""));
}

async fn bodies_up_to_8_mib_are_accepted_and_larger_ones_get_413(backend: Backend) {
    let ledger = Ledger::new(backend).await;
    let ic = ledger.token("ic", "launch_ic");
    let limit = 8 * 1024 * 1024;
    let body_of = |id: u64, length: usize| {
        let empty = command(id, "decision", json!({"pad": ""}));
        let pad = "x".repeat(length - empty.len());
        let body = command(id, "decision", json!({"pad": pad}));
        assert_eq!(body.len(), length);
        body
    };
    let (status, body) = ledger.post("/v1/commands", &ic, body_of(1, limit)).await;
    assert_eq!((status, body), (StatusCode::CREATED, json!({"seq": 1, "duplicate": false})));
    let (status, body) = ledger.post("/v1/commands", &ic, body_of(2, limit + 1)).await;
    assert_error(status, &body, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "8388608");
    // Well over the limit, on the events endpoint: the 413 still reaches the client.
    let platform = ledger.token("platform", "platform");
    let (status, body) = ledger.post("/v1/events", &platform, vec![b'\n'; 3 * limit]).await;
    assert_error(status, &body, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "8388608");
    assert_eq!(ledger.head().await, 1);
}

async fn reads_page_by_cursor_and_any_client_can_verify_the_chain(backend: Backend) {
    let mut ledger = Ledger::new(backend).await;
    let platform = ledger.token("platform", "platform");
    let viewer = ledger.token("viewer", "viewer");
    let ic = ledger.token("ic", "launch_ic");
    let (status, _) = ledger.post("/v1/events", &platform, jsonl(&[accepted(1, "p1", "alpha"), accepted(2, "p2", "beta")])).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) =
        ledger.post("/v1/commands", &ic, command(3, "safe_mode", json!({"network": "erc20", "on": true, "why": "ünïcødé €"}))).await;
    assert_eq!(status, StatusCode::CREATED);
    // After a restart the core's state is rebuilt from the log: p1 is known.
    ledger.stop();
    ledger.start();
    let (status, body) = ledger.post("/v1/events", &platform, jsonl(&[confirmed(4, "p1"), accepted(5, "p5", "gamma")])).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"appended": 2, "duplicates": 0, "head": 5})));

    let records = ledger.all_records(&viewer, 2).await;
    assert_eq!(records.len(), 5);
    assert_chain(&records);
    assert_eq!(records[2]["kind"], "safe_mode");
    assert_eq!(records[2]["body"], json!({"id": uuid(3), "payload": {"network": "erc20", "on": true, "why": "ünïcødé €"}}));
    assert_eq!(records[0]["kind"], "payout.accepted");
    assert_eq!(records[0]["body"]["partner"], "alpha");
    assert_eq!(ledger.all_records(&viewer, 10_000).await, records);

    let (status, page) = ledger.get("/v1/events?after=3&limit=1", Some(&viewer)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["head"], 5);
    assert_eq!(page["records"].as_array().unwrap().as_slice(), &records[3..4]);
    for (query, fragment) in [("limit=10001", "\"10001\""), ("limit=0", "\"0\""), ("after=x", "\"x\""), ("from=1", "\"from\"")] {
        let (status, body) = ledger.get(&format!("/v1/events?{query}"), Some(&viewer)).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_query", fragment);
    }
}

async fn verify_names_the_first_record_whose_byte_changed(backend: Backend) {
    let mut ledger = Ledger::new(backend).await;
    let platform = ledger.token("platform", "platform");
    let batch = [accepted(1, "p1", "alpha"), accepted(2, "p2", "bravo"), accepted(3, "p3", "charlie")];
    let (status, _) = ledger.post("/v1/events", &platform, jsonl(&batch)).await;
    assert_eq!(status, StatusCode::OK);
    ledger.stop();

    let output = ledger.cli(&["verify"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "chain ok: 3 records\n");

    // One byte of seq 2's body changes behind the ledger's back (the append-only trigger
    // is dropped first, as someone with the database could).
    let changed = ledger
        .tamper(&[&ledger.drop_trigger("records_no_update"), "UPDATE records SET body = replace(body, 'bravo', 'bravO') WHERE seq = 2"])
        .await;
    assert_eq!(changed[1], 1);

    let output = ledger.cli(&["verify"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("chain broken at seq 2:"), "{stdout}");

    // A record removed from the middle is a gap, named too.
    let changed = ledger
        .tamper(&[
            "UPDATE records SET body = replace(body, 'bravO', 'bravo') WHERE seq = 2",
            &ledger.drop_trigger("records_no_delete"),
            "DELETE FROM records WHERE seq = 2",
        ])
        .await;
    assert_eq!((changed[0], changed[2]), (1, 1));
    let output = ledger.cli(&["verify"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("chain broken at seq 2: seq 2 is missing"), "{stdout}");
}

async fn a_batch_of_6_000_events_is_one_append(backend: Backend) {
    // More rows than one insert statement of the PostgreSQL back end takes (5,000).
    let ledger = Ledger::new(backend).await;
    let platform = ledger.token("platform", "platform");
    let viewer = ledger.token("viewer", "viewer");
    let batch: Vec<Value> = (1..=6_000).map(|n| accepted(n, &format!("p{n}"), "alpha")).collect();
    let (status, body) = ledger.post("/v1/events", &platform, jsonl(&batch)).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"appended": 6_000, "duplicates": 0, "head": 6_000})));
    let records = ledger.all_records(&viewer, 10_000).await;
    assert_eq!(records.len(), 6_000);
    assert_chain(&records);
    assert_eq!(records[5_999]["body"]["payout_id"], "p6000");
    let output = ledger.cli(&["verify"]);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "chain ok: 6000 records\n");
}

async fn servers_started_together_on_a_new_database_migrate_it_once(backend: Backend) {
    // The first server is started only after the database exists (PostgreSQL) or its
    // directory does (SQLite); then three more start at once on a database with no tables.
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let (db, cluster) = match backend {
        Backend::Sqlite => (format!("sqlite://{}", dir.path().join("ledger.db").display()), None),
        Backend::Postgres => {
            let cluster = Arc::new(Cluster::start());
            (cluster.create_database().await, Some(cluster))
        }
    };
    let servers: Vec<Ledger> = std::thread::scope(|scope| {
        let starting: Vec<_> = (0..3)
            .map(|_| {
                let (dir, db, cluster) = (Arc::clone(&dir), db.clone(), cluster.clone());
                scope.spawn(move || Ledger::on(backend, dir, db, cluster, &[]))
            })
            .collect();
        starting.into_iter().map(|handle| handle.join().expect("a server starts")).collect()
    });
    let ic = servers[0].token("ic", "launch_ic");
    for (n, server) in servers.iter().enumerate() {
        let (status, body) = server.post("/v1/commands", &ic, command(n as u64 + 1, "decision", json!({"go": true}))).await;
        assert_eq!((status, body), (StatusCode::CREATED, json!({"seq": n + 1, "duplicate": false})));
    }
}

/// A Server-Sent Events reader over a streaming response.
struct SseReader {
    response: reqwest::Response,
    buffer: String,
}

/// One block of a stream: a record (id and data) or a keep-alive comment.
#[derive(Debug, PartialEq)]
enum Block {
    Record { id: u64, data: Value },
    KeepAlive,
}

impl SseReader {
    async fn open(ledger: &Ledger, query: &str, token: &str, last_event_id: Option<&str>) -> Self {
        let mut request = ledger.client.get(format!("{}/v1/events/stream{query}", ledger.base)).bearer_auth(token);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.expect("stream request");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Self { response, buffer: String::new() }
    }

    /// The next block, within `within`.
    async fn next(&mut self, within: std::time::Duration) -> Block {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let lines: Vec<&str> = block.lines().filter(|l| !l.is_empty()).collect();
                if lines.iter().all(|l| l.starts_with(':')) {
                    return Block::KeepAlive;
                }
                let field = |name: &str| lines.iter().find_map(|l| l.strip_prefix(name)).map(str::trim).expect("field");
                let id = field("id:").parse().expect("numeric id");
                let data = serde_json::from_str(field("data:")).expect("data is JSON");
                return Block::Record { id, data };
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .expect("a block in time")
                .expect("chunk")
                .expect("stream open");
            self.buffer.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
        }
    }

    /// The next record, skipping keep-alives, within `within`.
    async fn next_record(&mut self, within: std::time::Duration) -> (u64, Value) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if let Block::Record { id, data } = self.next(left).await {
                return (id, data);
            }
        }
    }
}

async fn the_stream_sends_records_within_a_second_resumes_from_last_event_id_and_keeps_alive(backend: Backend) {
    let ledger = Ledger::with_serve_args(backend, &["--keep-alive-ms", "50"]).await;
    let platform = ledger.token("platform", "platform");
    let viewer = ledger.token("viewer", "viewer");
    let ic = ledger.token("ic", "launch_ic");
    let second = std::time::Duration::from_secs(1);
    let (status, _) = ledger.post("/v1/events", &platform, jsonl(&[accepted(1, "p1", "alpha"), accepted(2, "p2", "beta")])).await;
    assert_eq!(status, StatusCode::OK);

    let mut stream = SseReader::open(&ledger, "?after=0", &viewer, None).await;
    let (id, first) = stream.next_record(second).await;
    let (id2, _) = stream.next_record(second).await;
    assert_eq!((id, id2), (1, 2));
    let records = ledger.all_records(&viewer, 10).await;
    assert_eq!(first, records[0], "data is the record, as the read by cursor gives it");

    // A commit reaches an open stream within 1 s.
    let posted = std::time::Instant::now();
    let (status, _) = ledger.post("/v1/commands", &ic, command(3, "volume_level", json!({"level": "canary"}))).await;
    assert_eq!(status, StatusCode::CREATED);
    let (id, record) = stream.next_record(second).await;
    assert!(posted.elapsed() < second, "{:?}", posted.elapsed());
    assert_eq!((id, record["kind"].as_str()), (3, Some("volume_level")));
    assert_chain(&ledger.all_records(&viewer, 10).await);

    // Idle: keep-alive comments (every 50 ms here).
    assert_eq!(stream.next(second).await, Block::KeepAlive);

    // Reconnecting: Last-Event-ID wins over after.
    let mut resumed = SseReader::open(&ledger, "?after=0", &viewer, Some("2")).await;
    assert_eq!(resumed.next_record(second).await.0, 3);
    let mut from_after = SseReader::open(&ledger, "?after=1", &viewer, None).await;
    assert_eq!(from_after.next_record(second).await.0, 2);

    let (status, body) = ledger.get("/v1/events/stream", None).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized", "Authorization");
    let response = ledger
        .client
        .get(format!("{}/v1/events/stream", ledger.base))
        .bearer_auth(&viewer)
        .header("Last-Event-ID", "x1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_error(StatusCode::BAD_REQUEST, &body, StatusCode::BAD_REQUEST, "bad_query", "\"x1\"");
}

async fn concurrent_clients_on_two_servers_get_each_id_once_in_one_gapless_chain(backend: Backend) {
    // Two `serve` processes on one database, 8 clients (SQLite) or 16 (PostgreSQL)
    // alternating between them, sending new and repeated commands (an id always with the
    // same body) and events that depend on each other across the servers.
    let clients: u64 = match backend {
        Backend::Sqlite => 8,
        Backend::Postgres => 16,
    };
    two_servers_with_concurrent_clients(Ledger::new(backend).await, clients).await;
}

/// A PostgreSQL database whose default isolation is REPEATABLE READ and whose default
/// `synchronous_commit` is off: the append still reads the head its lock protects (it
/// begins READ COMMITTED explicitly) — a snapshot taken at the lock statement would miss
/// the previous holder's commit and write its seq again.
#[tokio::test]
async fn postgres_appends_stay_serialised_under_a_repeatable_read_default() {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let cluster = Arc::new(Cluster::start());
    let db = cluster.create_database().await;
    let name = db.rsplit('/').next().expect("database name").to_owned();
    let pool = sqlx::PgPool::connect(&db).await.expect("connect");
    for setting in ["default_transaction_isolation = 'repeatable read'", "synchronous_commit = off"] {
        sqlx::query(sqlx::AssertSqlSafe(format!("ALTER DATABASE {name} SET {setting}"))).execute(&pool).await.expect("alter database");
    }
    pool.close().await;
    two_servers_with_concurrent_clients(Ledger::on(Backend::Postgres, dir, db, Some(cluster), &[]), 16).await;
}

/// Starts a second server on `first`'s database and runs `clients` concurrent clients
/// against both: each id once, the same seq on every answer, one gapless verified chain.
async fn two_servers_with_concurrent_clients(first: Ledger, clients: u64) {
    let second = first.another_server();
    let lead = first.token("lead", "treasury_lead");
    let platform = first.token("platform", "platform");
    let viewer = first.token("viewer", "viewer");
    let (status, _) = first.post("/v1/events", &platform, jsonl(&[accepted(1000, "p1", "alpha")])).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = second.post("/v1/events", &platform, jsonl(&[confirmed(1001, "p1")])).await;
    assert_eq!((status, body["appended"].as_u64()), (StatusCode::OK, Some(1)), "the second server knows p1 from the first");

    let servers = [first.base.clone(), second.base.clone()];
    let mut tasks = Vec::new();
    for client in 0..clients {
        let (servers, lead) = (servers.clone(), lead.clone());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut answers = Vec::new();
            let mut state = client.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            for round in 0..25u64 {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let id = (state >> 33) % 60;
                let base = &servers[((client + round) % 2) as usize];
                let body = command(id, "broadcast", json!({"chunk": id}));
                let response = http.post(format!("{base}/v1/commands")).bearer_auth(&lead).body(body).send().await.expect("request");
                let status = response.status();
                let answer: Value = response.json().await.expect("json");
                assert!(status == StatusCode::CREATED || status == StatusCode::OK, "{status} {answer}");
                assert_eq!(answer["duplicate"].as_bool(), Some(status == StatusCode::OK));
                answers.push((id, answer["seq"].as_u64().expect("seq")));
            }
            answers
        }));
    }
    let mut seq_of_id = std::collections::HashMap::new();
    for task in tasks {
        for (id, seq) in task.await.expect("client") {
            assert_eq!(*seq_of_id.entry(id).or_insert(seq), seq, "id {id} answered with two seqs");
        }
    }
    let records = first.all_records(&viewer, 10_000).await;
    assert_eq!(records.len(), 2 + seq_of_id.len(), "each id exactly once");
    assert_chain(&records);
    for (id, seq) in seq_of_id {
        assert_eq!(records[seq as usize - 1]["body"]["id"], uuid(id));
    }
    assert_eq!(second.head().await, records.len() as u64);
    // The service's own verify agrees, on the database itself.
    let output = first.cli(&["verify"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout), format!("chain ok: {} records\n", records.len()));
}

#[test]
fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["token", "--help"],
        &["token", "issue", "--help"],
        &["token", "revoke", "--help"],
        &["verify", "--help"],
        &["simulate", "--help"],
    ] {
        let output = Command::new(BIN).args(args).output().expect("run clubgate-ledger");
        assert!(output.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("Usage: clubgate-ledger"), "{args:?}: {text}");
    }
}

/// `clubgate-ledger simulate` against this ledger; (exit code, stdout, stderr, seconds).
fn simulate(ledger: &Ledger, token: &str, extra: &[&str]) -> (Option<i32>, String, String, f64) {
    let started = std::time::Instant::now();
    let output = Command::new(BIN)
        .args(["simulate", "--to", &ledger.base, "--token", token, "--scenario", "pilot-day", "--seed", "7", "--hours", "1"])
        .args(extra)
        .output()
        .expect("run clubgate-ledger simulate");
    let seconds = started.elapsed().as_secs_f64();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        seconds,
    )
}

/// `appended N, duplicates M, head H (…, B batches)` → (N, M, H, B).
fn summary(stdout: &str) -> (u64, u64, u64, u64) {
    assert_eq!(stdout.lines().count(), 1, "one summary line: {stdout:?}");
    let numbers: Vec<u64> =
        stdout.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).map(|s| s.parse().expect("number")).collect();
    assert!(stdout.starts_with("appended ") && stdout.contains(", duplicates ") && stdout.contains(", head "), "{stdout}");
    let batches = stdout.rsplit_once(", ").and_then(|(_, b)| b.strip_suffix(" batches)\n")).expect("batches").parse().expect("batches");
    (numbers[0], numbers[1], numbers[2], batches)
}

async fn the_simulator_feeds_a_scenario_in_accelerated_time_once_by_id(backend: Backend) {
    use clubgate_core::simulate::{simulate as core_simulate, Scenario, Simulation};
    let ledger = Ledger::new(backend).await;
    let platform = ledger.token("simulator", "platform");
    let viewer = ledger.token("viewer", "viewer");
    // What `clubgate simulate --scenario pilot-day --t0 2026-12-07T10:00 --seed 7 --hours 1` writes.
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").expect("zone");
    let t0 = clubgate_core::schedule::T0::parse("2026-12-07T10:00", &tz).expect("T0").zoned().timestamp();
    let events = core_simulate(&Simulation { scenario: Scenario::PilotDay, t0, tz, seed: 7, hours: 1 });
    let expected = events.len() as u64;
    assert!(expected > 10, "an hour of pilot day has traffic: {expected}");
    // 3,600× plays the hour in about a second: paced, so in several batches.
    let last_due = (events.last().expect("events").at.as_second() - t0.as_second()) as f64 / 3600.0;
    let (code, stdout, stderr, seconds) = simulate(&ledger, &platform, &["--speed", "3600", "--t0", "2026-12-07T10:00"]);
    assert_eq!(code, Some(0), "{stderr}");
    let (appended, duplicates, head, batches) = summary(&stdout);
    assert_eq!((appended, duplicates, head), (expected, 0, expected), "{stdout}");
    assert!(batches > 1, "paced in batches: {stdout}");
    assert!(seconds >= last_due - 0.05 && seconds < 30.0, "took {seconds:.2} s for events due until {last_due:.2} s");
    assert!(stderr.contains(&format!("{expected}/{expected} sent")), "progress on stderr: {stderr}");
    assert_eq!(ledger.head().await, expected);
    let records = ledger.all_records(&viewer, 10_000).await;
    assert_chain(&records);
    for (record, event) in records.iter().zip(&events) {
        assert!(record["body"].get("seq").is_none(), "sent without seq: {record}");
        assert_eq!(record["body"]["id"], clubgate_core::events::format_uuid(event.id));
    }
    // Again, as fast as it goes: every line is a duplicate, the head stays.
    let (code, stdout, stderr, _) = simulate(&ledger, &platform, &["--speed", "1e9", "--t0", "2026-12-07T10:00", "--batch", "50"]);
    assert_eq!(code, Some(0), "{stderr}");
    let (appended, duplicates, head, batches) = summary(&stdout);
    assert_eq!((appended, duplicates, head), (0, expected, expected), "{stdout}");
    // Batches of at most 50 lines (more batches if an event was not yet due by a few µs).
    assert!((expected.div_ceil(50)..=expected).contains(&batches), "batches of at most 50: {stdout}");
    assert_eq!(ledger.head().await, expected);
    let output = ledger.cli(&["verify"]);
    assert_eq!(String::from_utf8_lossy(&output.stdout), format!("chain ok: {expected} records\n"));
}

async fn the_simulator_names_the_servers_error_code_when_refused(backend: Backend) {
    let ledger = Ledger::new(backend).await;
    let viewer = ledger.token("viewer", "viewer");
    let unknown = format!("cgl_{}", "0".repeat(64));
    for (token, code) in [(unknown.as_str(), "unauthorized"), (viewer.as_str(), "forbidden")] {
        let (exit, stdout, stderr, _) = simulate(&ledger, token, &["--speed", "1e9"]);
        assert_eq!(exit, Some(1), "{stderr}");
        assert!(stdout.is_empty(), "no summary: {stdout}");
        assert!(stderr.contains(&format!("401 {code}")) || stderr.contains(&format!("403 {code}")), "{stderr}");
    }
    assert_eq!(ledger.head().await, 0);
    // A bad argument is a usage error (2), before any request.
    let (exit, _, stderr, _) = simulate(&ledger, &viewer, &["--speed", "0"]);
    assert_eq!(exit, Some(2), "{stderr}");
}

#[test]
fn the_simulator_retries_a_ledger_it_cannot_reach_a_bounded_number_of_times() {
    // A loopback port nobody listens on: every attempt is a network error.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port();
    let started = std::time::Instant::now();
    let output = Command::new(BIN)
        .args(["simulate", "--to", &format!("http://127.0.0.1:{port}"), "--token", "cgl_x", "--scenario", "pilot-day"])
        .args(["--speed", "1e9", "--t0", "2026-12-07T10:00", "--hours", "1"])
        .output()
        .expect("run clubgate-ledger simulate");
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty());
    assert_eq!(stderr.matches("failed (").count(), 5, "five retries announced: {stderr}");
    assert!(stderr.contains("gave up after 6 attempts"), "{stderr}");
    // Pauses of 0.2, 0.4, 0.8, 1.6 and 3.2 s.
    assert!((6.0..20.0).contains(&seconds), "took {seconds:.1} s");
}

// ---- The policy, approvals and signatures (server-side validation) ----

use alloy::primitives::{keccak256, Address, B256};
use clubgate_chain::approval::PolicyApproval;
use clubgate_chain::signer::{DevKey, HashSigner};

/// Development keys standing in for the approvers' hardware keys: A, B, C approve, L is the
/// treasury lead, D is an outsider a thief would like to add.
struct Keys {
    a: DevKey,
    b: DevKey,
    c: DevKey,
    lead: DevKey,
    outsider: DevKey,
}

impl Keys {
    fn new() -> Self {
        let key = |byte: u8| DevKey::new(&hex::encode([byte; 32]), clubgate_core_profile()).expect("dev key");
        Self { a: key(0xa1), b: key(0xb2), c: key(0xc3), lead: key(0xd4), outsider: key(0xe5) }
    }

    /// The example treasury file with these keys as its approvers (and, if `with_outsider`,
    /// the outsider as a fourth approver) and `daily_target`.
    fn treasury(&self, with_outsider: bool, daily_target: &str) -> String {
        let example =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../core/plans/treasury-example.toml")).expect("example");
        let mut text = example
            .replace("0xA1A1a1a1A1A1A1A1A1a1a1a1a1a1A1A1a1A1a1a1", &self.a.address().to_checksum(None))
            .replace("0xb2b2b2b2b2B2b2B2B2b2b2B2B2b2B2B2b2b2b2b2", &self.b.address().to_checksum(None))
            .replace("0xc3c3c3c3c3c3c3c3c3C3C3c3C3C3C3c3C3C3c3c3", &self.c.address().to_checksum(None))
            .replace("0xd4d4d4D4D4d4d4d4d4D4d4D4d4d4d4d4d4d4D4d4", &self.lead.address().to_checksum(None))
            .replace("daily_target = \"2000000\"", &format!("daily_target = \"{daily_target}\""));
        assert!(text.contains(&self.a.address().to_checksum(None)) && text.contains(daily_target), "the example file changed");
        if with_outsider {
            text.push_str(&format!(
                "\n[[approvers]]\nname = \"Approver D\"\nrole = \"approver\"\naddress = \"{}\"\n",
                self.outsider.address().to_checksum(None)
            ));
        }
        text
    }
}

fn clubgate_core_profile() -> clubgate_chain::signer::Profile {
    clubgate_chain::signer::Profile::Dev
}

fn sign(key: &DevKey, hash: B256) -> String {
    format!("0x{}", hex::encode(key.sign_prehash(&hash).expect("sign").as_bytes()))
}

fn bundle_approval(id: u64, key: &DevKey, claimed: Address, bundle: B256) -> String {
    command(id, "approval", json!({"bundle_hash": bundle.to_string(), "approver": claimed.to_string(), "signature": sign(key, bundle)}))
}

fn policy_approval(id: u64, key: &DevKey, version: u32, hash: B256, replaces: B256) -> String {
    let signed = PolicyApproval { version, policyHash: hash, replacesHash: replaces }.signing_hash();
    command(
        id,
        "approval",
        json!({"policy_version": version, "policy_hash": hash.to_string(), "approver": key.address().to_string(), "signature": sign(key, signed)}),
    )
}

impl Ledger {
    /// `policy init` with `text` on the server machine; the CLI's output.
    fn policy_init(&self, text: &str) -> Output {
        let file = self.dir.path().join(format!("treasury-{}.toml", keccak256(text.as_bytes())));
        std::fs::write(&file, text).expect("write the treasury file");
        self.cli(&["policy", "init", file.to_str().expect("utf-8 path")])
    }
}

async fn the_policy_is_set_on_the_server_and_changed_only_by_a_quorum_of_approvers(backend: Backend) {
    let ledger = Ledger::new(backend).await;
    let keys = Keys::new();
    let (ic, approver, viewer) = (ledger.token("ic", "launch_ic"), ledger.token("a", "approver"), ledger.token("v", "viewer"));
    let (status, body) = ledger.get("/v1/policy", Some(&viewer)).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found", "policy init");
    let (status, body) = ledger.post("/v1/commands", &approver, bundle_approval(1, &keys.a, keys.a.address(), B256::repeat_byte(7))).await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "no_policy", "policy init");

    // The first policy, on the server machine, while the server runs.
    let first = keys.treasury(false, "2000000");
    let first_hash = keccak256(first.as_bytes());
    let output = ledger.policy_init(&first);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout), format!("policy version 1 hash {first_hash} in force at seq 1\n"));
    let again = ledger.policy_init(&keys.treasury(false, "3000000"));
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has policy version 1"), "{}", String::from_utf8_lossy(&again.stderr));

    let (status, policy) = ledger.get("/v1/policy", Some(&viewer)).await;
    assert_eq!(status, StatusCode::OK, "{policy}");
    assert_eq!((policy["version"].as_u64(), policy["hash"].as_str()), (Some(1), Some(first_hash.to_string().as_str())));
    assert_eq!(policy["quorum"], 2);
    assert_eq!(policy["treasury"], first.as_str());
    let approvers: Vec<(String, String)> = policy["approvers"]
        .as_array()
        .expect("approvers")
        .iter()
        .map(|a| (a["address"].as_str().unwrap().to_lowercase(), a["role"].as_str().unwrap().to_owned()))
        .collect();
    assert!(approvers.contains(&(keys.a.address().to_string().to_lowercase(), "approver".to_owned())), "{approvers:?}");
    assert!(approvers.contains(&(keys.lead.address().to_string().to_lowercase(), "treasury_lead".to_owned())), "{approvers:?}");
    assert!(policy["allow_list"].as_array().is_some_and(|l| !l.is_empty()) && policy["wallets"].as_array().is_some_and(|w| w.len() == 4));
    assert_eq!(policy["limits"]["daily_target_base_units"], "2000000000000");
    assert!(policy["pending"].is_null());

    // A proposal that would add an outsider: only the launch IC proposes.
    let second = keys.treasury(true, "2000000");
    let second_hash = keccak256(second.as_bytes());
    let proposal = json!({"id": uuid(50), "treasury": second}).to_string();
    let (status, body) = ledger.post("/v1/policy", &approver, proposal.clone()).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden", "launch_ic");
    let (status, body) = ledger.post("/v1/policy", &ic, json!({"id": uuid(51), "treasury": "quorum = \"two\""}).to_string()).await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "invalid_policy", "quorum");
    let (status, body) = ledger.post("/v1/policy", &ic, json!({"id": uuid(52), "treasury": first}).to_string()).await;
    assert_error(status, &body, StatusCode::CONFLICT, "already_in_force", "version 1");
    let (status, body) = ledger.post("/v1/policy", &ic, proposal.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (body["version"].as_u64(), body["hash"].as_str(), body["status"].as_str()),
        (Some(2), Some(second_hash.to_string().as_str()), Some("proposed"))
    );
    let proposed_seq = body["seq"].as_u64().expect("seq");
    let (status, body) = ledger.post("/v1/policy", &ic, proposal).await;
    assert_eq!((status, body["seq"].as_u64(), body["duplicate"].as_bool()), (StatusCode::OK, Some(proposed_seq), Some(true)));
    let (status, body) = ledger.post("/v1/policy", &ic, json!({"id": uuid(53), "treasury": second}).to_string()).await;
    assert_error(status, &body, StatusCode::CONFLICT, "already_proposed", "version 2");

    // Approvals of the proposal: a stolen approver token alone gets nowhere.
    let (status, body) = ledger.post("/v1/commands", &approver, policy_approval(60, &keys.outsider, 2, second_hash, first_hash)).await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "not_an_approver", &keys.outsider.address().to_string());
    let (status, body) = ledger.post("/v1/commands", &approver, policy_approval(61, &keys.a, 2, first_hash, first_hash)).await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "no_such_proposal", &first_hash.to_string());
    let forged = command(
        62,
        "approval",
        json!({"policy_version": 2, "policy_hash": second_hash.to_string(), "approver": keys.b.address().to_string(),
               "signature": sign(&keys.outsider, PolicyApproval { version: 2, policyHash: second_hash, replacesHash: first_hash }.signing_hash())}),
    );
    let (status, body) = ledger.post("/v1/commands", &approver, forged).await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "bad_signature", &keys.outsider.address().to_string());
    // An approval of the same version and file as a transition from another policy (say,
    // replayed from a staging ledger), and one that names both a bundle and a policy.
    let (status, body) = ledger.post("/v1/commands", &approver, policy_approval(68, &keys.a, 2, second_hash, B256::repeat_byte(3))).await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "bad_signature", &first_hash.to_string());
    let mut both: Value = serde_json::from_str(&policy_approval(69, &keys.a, 2, second_hash, first_hash)).unwrap();
    both["payload"]["bundle_hash"] = json!(B256::repeat_byte(4).to_string());
    let (status, body) = ledger.post("/v1/commands", &approver, both.to_string()).await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "invalid_command", "not both");
    let (status, body) = ledger.post("/v1/commands", &approver, policy_approval(63, &keys.a, 2, second_hash, first_hash)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = ledger.post("/v1/commands", &approver, policy_approval(64, &keys.a, 2, second_hash, first_hash)).await;
    assert_error(status, &body, StatusCode::CONFLICT, "already_approved", &keys.a.address().to_string());
    let (_, policy) = ledger.get("/v1/policy", Some(&viewer)).await;
    assert_eq!(policy["version"], 1, "one approval of two is not a quorum: {policy}");
    assert_eq!(policy["pending"]["version"], 2);
    assert_eq!(policy["pending"]["approvals"].as_array().map(Vec::len), Some(1));
    let (status, body) =
        ledger.post("/v1/commands", &approver, bundle_approval(65, &keys.outsider, keys.outsider.address(), B256::repeat_byte(9))).await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "not_an_approver", "version 1");

    let (status, body) = ledger.post("/v1/commands", &approver, policy_approval(66, &keys.c, 2, second_hash, first_hash)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let quorum_seq = body["seq"].as_u64().expect("seq");
    let (_, policy) = ledger.get("/v1/policy", Some(&viewer)).await;
    assert_eq!((policy["version"].as_u64(), policy["in_force_seq"].as_u64()), (Some(2), Some(quorum_seq)), "{policy}");
    assert!(policy["pending"].is_null());
    // Now the outsider is an approver of the policy in force.
    let (status, body) =
        ledger.post("/v1/commands", &approver, bundle_approval(67, &keys.outsider, keys.outsider.address(), B256::repeat_byte(9))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // A restarted server derives the same policy from the log; the chain verifies.
    let records = ledger.all_records(&viewer, 1000).await;
    assert_chain(&records);
    assert_eq!(records[0]["kind"], "policy");
    let other = ledger.another_server();
    let (_, again) = other.get("/v1/policy", Some(&viewer)).await;
    assert_eq!(again, policy);
}

async fn approvals_must_recover_to_an_approver_of_the_policy_in_force(backend: Backend) {
    let ledger = Ledger::new(backend).await;
    let keys = Keys::new();
    let approver = ledger.token("a", "approver");
    assert!(ledger.policy_init(&keys.treasury(false, "2000000")).status.success());
    let bundle = B256::repeat_byte(0x42);
    let (status, body) = ledger.post("/v1/commands", &approver, bundle_approval(1, &keys.a, keys.a.address(), bundle)).await;
    assert_eq!((status, body), (StatusCode::CREATED, json!({"seq": 2, "duplicate": false})));
    let (status, body) = ledger.post("/v1/commands", &approver, bundle_approval(1, &keys.a, keys.a.address(), bundle)).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"seq": 2, "duplicate": true})));

    // C's key claiming to be B; a signature over another bundle; the treasury lead; a stranger.
    let cases = [
        (bundle_approval(2, &keys.c, keys.b.address(), bundle), "bad_signature", keys.c.address().to_string()),
        (
            command(
                3,
                "approval",
                json!({"bundle_hash": bundle.to_string(), "approver": keys.b.address().to_string(), "signature": sign(&keys.b, B256::repeat_byte(1))}),
            ),
            "bad_signature",
            keys.b.address().to_string(),
        ),
        (bundle_approval(4, &keys.lead, keys.lead.address(), bundle), "not_an_approver", keys.lead.address().to_string()),
        (bundle_approval(5, &keys.outsider, keys.outsider.address(), bundle), "not_an_approver", keys.outsider.address().to_string()),
        (
            command(
                6,
                "approval",
                json!({"bundle_hash": bundle.to_string(), "approver": keys.b.address().to_string(), "signature": "0x1234"}),
            ),
            "bad_signature",
            "2 bytes".to_owned(),
        ),
        (
            command(
                7,
                "approval",
                json!({"bundle_hash": "0xabc", "approver": keys.b.address().to_string(), "signature": sign(&keys.b, bundle)}),
            ),
            "invalid_command",
            "\"0xabc\"".to_owned(),
        ),
        (
            command(
                8,
                "approval",
                json!({"bundle_hash": bundle.to_string(), "approver": keys.b.address().to_string(), "signature": sign(&keys.b, bundle), "policy_version": 7}),
            ),
            "policy_changed",
            "policy_version 7".to_owned(),
        ),
    ];
    for (body, code, fragment) in cases {
        let (status, answer) = ledger.post("/v1/commands", &approver, body).await;
        assert_error(status, &answer, StatusCode::UNPROCESSABLE_ENTITY, code, &fragment);
    }
    let (status, body) = ledger.post("/v1/commands", &approver, bundle_approval(9, &keys.b, keys.b.address(), bundle)).await;
    assert_eq!((status, body), (StatusCode::CREATED, json!({"seq": 3, "duplicate": false})));
    assert_eq!(ledger.head().await, 3);
}

fn signature(id: u64, bundle: B256, chunk: u32, network: &str, tx: u8, extra: Value) -> String {
    let mut payload =
        json!({"bundle_hash": bundle.to_string(), "chunk": chunk, "network": network, "tx_hash": B256::repeat_byte(tx).to_string()});
    for (key, value) in extra.as_object().expect("object") {
        payload[key] = value.clone();
    }
    command(id, "signature", payload)
}

async fn a_chunk_is_signed_once_unless_the_signature_is_a_recorded_replacement(backend: Backend) {
    let ledger = Ledger::new(backend).await;
    let lead = ledger.token("lead", "treasury_lead");
    let bundle = B256::repeat_byte(0x42);
    let tx = |n: u8| B256::repeat_byte(n).to_string();
    let (status, body) =
        ledger.post("/v1/commands", &lead, signature(1, bundle, 0, "erc20", 1, json!({"nonce": 7, "raw": "0x02f8"}))).await;
    assert_eq!((status, body), (StatusCode::CREATED, json!({"seq": 1, "duplicate": false})));
    let (status, body) =
        ledger.post("/v1/commands", &lead, signature(1, bundle, 0, "erc20", 1, json!({"nonce": 7, "raw": "0x02f8"}))).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"seq": 1, "duplicate": true})));
    // Another chunk of the bundle is its own.
    let (status, _) = ledger.post("/v1/commands", &lead, signature(2, bundle, 1, "erc20", 2, json!({"nonce": 8}))).await;
    assert_eq!(status, StatusCode::CREATED);

    let refused = [
        (signature(3, bundle, 0, "erc20", 3, json!({"nonce": 7})), "\"replaces\""),
        (signature(4, bundle, 0, "erc20", 3, json!({"nonce": 9, "replaces": tx(1)})), "keeps nonce 7"),
        (signature(5, bundle, 0, "trc20", 3, json!({"expires_at_ms": 0, "replaces": tx(1)})), "erc20"),
        (signature(6, bundle, 0, "erc20", 3, json!({"nonce": 7, "replaces": tx(9)})), "seq 1"),
    ];
    for (body, fragment) in refused {
        let (status, answer) = ledger.post("/v1/commands", &lead, body).await;
        assert_error(status, &answer, StatusCode::CONFLICT, "already_signed", fragment);
    }
    // The speed-up: same nonce, naming the one it replaces; then the first may not be replaced again.
    let (status, body) =
        ledger.post("/v1/commands", &lead, signature(7, bundle, 0, "erc20", 3, json!({"nonce": 7, "replaces": tx(1)}))).await;
    assert_eq!((status, body), (StatusCode::CREATED, json!({"seq": 3, "duplicate": false})));
    let (status, answer) =
        ledger.post("/v1/commands", &lead, signature(8, bundle, 0, "erc20", 4, json!({"nonce": 7, "replaces": tx(1)}))).await;
    assert_error(status, &answer, StatusCode::CONFLICT, "already_signed", &tx(3));

    // TRC-20: a replacement only after the latest has expired.
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let (status, _) =
        ledger.post("/v1/commands", &lead, signature(10, bundle, 2, "trc20", 10, json!({"expires_at_ms": now_ms + 3_600_000}))).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, answer) = ledger
        .post(
            "/v1/commands",
            &lead,
            signature(11, bundle, 2, "trc20", 11, json!({"expires_at_ms": now_ms + 7_200_000, "replaces": tx(10)})),
        )
        .await;
    assert_error(status, &answer, StatusCode::CONFLICT, "already_signed", "expires at");
    let (status, _) = ledger.post("/v1/commands", &lead, signature(12, bundle, 3, "trc20", 12, json!({"expires_at_ms": now_ms - 1}))).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = ledger
        .post("/v1/commands", &lead, signature(13, bundle, 3, "trc20", 13, json!({"expires_at_ms": now_ms + 60_000, "replaces": tx(12)})))
        .await;
    assert_eq!((status, body["duplicate"].as_bool()), (StatusCode::CREATED, Some(false)));

    // Values the server cannot read are named; nothing was written for any refusal.
    let bad = [
        (signature(20, bundle, 0, "bitcoin", 1, json!({})), "\"bitcoin\""),
        (signature(21, bundle, 9, "erc20", 1, json!({})), "nonce"),
        (signature(22, bundle, 9, "erc20", 1, json!({"nonce": 1, "replaces": tx(5)})), "no signature to replace"),
    ];
    for (body, fragment) in bad {
        let (status, answer) = ledger.post("/v1/commands", &lead, body).await;
        assert_error(status, &answer, StatusCode::UNPROCESSABLE_ENTITY, "invalid_command", fragment);
    }
    assert_eq!(ledger.head().await, 6);

    // A restarted server knows what was signed.
    let other = ledger.another_server();
    let (status, answer) = other.post("/v1/commands", &lead, signature(30, bundle, 1, "erc20", 30, json!({"nonce": 8}))).await;
    assert_error(status, &answer, StatusCode::CONFLICT, "already_signed", "seq 2");
}

async fn racing_signatures_of_one_chunk_on_two_servers_record_exactly_one(backend: Backend) {
    let ledger = Ledger::new(backend).await;
    let lead = ledger.token("lead", "treasury_lead");
    // SQLite: one server (two processes on one file is not the deployment); PostgreSQL: two.
    let second = (backend == Backend::Postgres).then(|| ledger.another_server());
    let servers: Vec<&Ledger> = std::iter::once(&ledger).chain(second.as_ref()).collect();
    for round in 0..5u8 {
        let bundle = B256::repeat_byte(round + 1);
        let mut tasks = Vec::new();
        for n in 0..8u8 {
            let server = servers[usize::from(n) % servers.len()];
            let (client, base, lead) = (server.client.clone(), server.base.clone(), lead.clone());
            let body = signature(u64::from(round) * 100 + u64::from(n) + 1, bundle, 0, "erc20", n + 1, json!({"nonce": 1}));
            tasks.push(tokio::spawn(async move {
                let response = client.post(format!("{base}/v1/commands")).bearer_auth(lead).body(body).send().await.expect("send");
                let status = response.status();
                let body: Value = response.json().await.expect("json");
                (status, body)
            }));
        }
        let mut created = 0;
        for task in tasks {
            let (status, body) = task.await.expect("task");
            match status {
                StatusCode::CREATED => created += 1,
                StatusCode::CONFLICT => assert_eq!(body["error"]["code"], "already_signed", "{body}"),
                other => panic!("unexpected {other}: {body}"),
            }
        }
        assert_eq!(created, 1, "round {round}: exactly one of 8 racing signatures of one chunk is recorded");
    }
    let viewer = ledger.token("viewer", "viewer");
    let records = ledger.all_records(&viewer, 1000).await;
    assert_eq!(records.len(), 5);
    assert_chain(&records);
}

/// Issue 12 (red team F2): desk B's `bundle` command for X/H2 was refused `bundle_id_taken`
/// because desk A published X/H1, but B keeps X/H2 locally; its approvals and its signature
/// of H2 (which name id X) are refused too — on another server and after a restart — so the
/// session cannot be settled twice. H1's own approval and signature are still recorded.
async fn a_variant_of_a_published_bundle_id_is_neither_approved_nor_signed(backend: Backend) {
    let ledger = Ledger::new(backend).await;
    let keys = Keys::new();
    let lead = ledger.token("lead", "treasury_lead");
    let approver = ledger.token("a", "approver");
    assert!(ledger.policy_init(&keys.treasury(false, "2000000")).status.success());
    let id = "payout-0123456789abcdef0123456789abcdef";
    let (h1, h2) = (B256::repeat_byte(0x11), B256::repeat_byte(0x22));
    let publish = command(
        1,
        "bundle",
        json!({"bundle_id": id, "bundle_hash": h1.to_string(), "document": {"bundle_id": id}, "requested_by": "EOD settlement of s1"}),
    );
    let (status, _) = ledger.post("/v1/commands", &lead, publish).await;
    assert_eq!(status, StatusCode::CREATED);
    let approve = |n: u64, hash: B256| {
        command(
            n,
            "approval",
            json!({"bundle_hash": hash.to_string(), "approver": keys.a.address().to_string(), "signature": sign(&keys.a, hash), "bundle_id": id}),
        )
    };
    let message = |body: &Value| body["error"]["message"].as_str().unwrap_or_default().to_owned();

    // B's variant: its approval and its signature under id X are refused, naming the id and both hashes.
    let (status, body) = ledger.post("/v1/commands", &approver, approve(2, h2)).await;
    assert_error(status, &body, StatusCode::CONFLICT, "bundle_id_taken", id);
    assert!(message(&body).contains(&h1.to_string()) && message(&body).contains(&h2.to_string()), "{body}");
    let (status, body) = ledger
        .post("/v1/commands", &lead, signature(3, h2, 0, "trc20", 3, json!({"expires_at_ms": 4_102_444_800_000_i64, "bundle_id": id})))
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "bundle_id_taken", id);
    assert!(message(&body).contains(&h1.to_string()) && message(&body).contains(&h2.to_string()), "{body}");
    assert!(message(&body).contains("signature"), "{body}");
    // A bundle_id that is not a string is named, not skipped.
    let (status, body) = ledger
        .post("/v1/commands", &lead, signature(4, h2, 0, "trc20", 4, json!({"expires_at_ms": 4_102_444_800_000_i64, "bundle_id": 7})))
        .await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "invalid_command", "bundle_id 7");
    assert_eq!(ledger.head().await, 2, "nothing recorded for B's variant");

    // Another server, started on the log, refuses it as well.
    let other = ledger.another_server();
    let (status, body) = other
        .post("/v1/commands", &lead, signature(5, h2, 0, "trc20", 5, json!({"expires_at_ms": 4_102_444_800_000_i64, "bundle_id": id})))
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "bundle_id_taken", id);

    // The published bundle's own approval and signature are recorded.
    let (status, body) = ledger.post("/v1/commands", &approver, approve(6, h1)).await;
    assert_eq!((status, body), (StatusCode::CREATED, json!({"seq": 3, "duplicate": false})));
    let (status, body) = other
        .post("/v1/commands", &lead, signature(7, h1, 0, "trc20", 7, json!({"expires_at_ms": 4_102_444_800_000_i64, "bundle_id": id})))
        .await;
    assert_eq!((status, body), (StatusCode::CREATED, json!({"seq": 4, "duplicate": false})));
    assert_eq!(ledger.head().await, 4);
}

async fn a_token_over_its_rate_gets_429_with_retry_after(backend: Backend) {
    let ledger = Ledger::with_serve_args(backend, &["--rate-limit", "5"]).await;
    let (busy, other) = (ledger.token("busy", "viewer"), ledger.token("other", "viewer"));
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let response = ledger.client.get(format!("{}/v1/events", ledger.base)).bearer_auth(&busy).send().await.expect("send");
        let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert_error(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited", "\"busy\"");
            assert_eq!(retry_after.as_deref(), Some("1"));
        }
        statuses.push(status);
    }
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert!((6..=7).contains(&refused), "a burst of 5 then refusals: {statuses:?}");
    assert_eq!(statuses[..5], [StatusCode::OK; 5]);
    // Another token is not slowed down; health needs no token and is not limited.
    let (status, _) = ledger.get("/v1/events", Some(&other)).await;
    assert_eq!(status, StatusCode::OK);
    for _ in 0..10 {
        let (status, _) = ledger.get("/v1/health", None).await;
        assert_eq!(status, StatusCode::OK);
    }
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let (status, _) = ledger.get("/v1/events", Some(&busy)).await;
    assert_eq!(status, StatusCode::OK, "the rate comes back");
}

impl Ledger {
    /// Everything the servers of this test wrote to standard error so far.
    fn logs(&self) -> String {
        let mut all = String::new();
        for entry in std::fs::read_dir(self.dir.path()).expect("dir").flatten() {
            if entry.file_name().to_string_lossy().starts_with("stderr-") {
                all.push_str(&std::fs::read_to_string(entry.path()).expect("log"));
            }
        }
        all
    }
}

async fn requests_are_logged_with_their_id_and_never_a_token_or_a_signature(backend: Backend) {
    let ledger = Ledger::new(backend).await;
    let keys = Keys::new();
    let approver = ledger.token("a", "approver");
    assert!(ledger.policy_init(&keys.treasury(false, "2000000")).status.success());
    let bundle = B256::repeat_byte(0x42);
    let body = bundle_approval(1, &keys.a, keys.a.address(), bundle);
    let signature = serde_json::from_str::<Value>(&body).unwrap()["payload"]["signature"].as_str().unwrap().to_owned();
    let response = ledger
        .client
        .post(format!("{}/v1/commands", ledger.base))
        .bearer_auth(&approver)
        .header("X-Request-Id", "desk-7.outbox_42")
        .body(body)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["x-request-id"], "desk-7.outbox_42");
    // A refused request is logged too; an id that is not sane is replaced by the server's own.
    let refused = ledger
        .client
        .post(format!("{}/v1/commands", ledger.base))
        .bearer_auth(&approver)
        .header("X-Request-Id", "evil\"id with spaces")
        .body(bundle_approval(2, &keys.c, keys.b.address(), bundle))
        .send()
        .await
        .expect("send");
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let generated = refused.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(generated != "evil\"id with spaces" && !generated.is_empty());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let logs = ledger.logs();
    let line = logs.lines().find(|l| l.contains("desk-7.outbox_42")).unwrap_or_else(|| panic!("no line with the request id: {logs}"));
    assert!(line.contains("/v1/commands") && line.contains("201"), "{line}");
    assert!(logs.lines().any(|l| l.contains(&generated) && l.contains("422")), "{logs}");
    assert!(!logs.contains(&approver) && !logs.contains(approver.trim_start_matches("cgl_")), "a token reached the log");
    assert!(!logs.contains(signature.trim_start_matches("0x")), "a signature reached the log");
    assert!(!logs.contains("evil"), "an unsafe request id reached the log");
}

async fn a_server_refuses_to_start_on_a_signature_or_policy_it_cannot_read_back(backend: Backend) {
    let mut ledger = Ledger::new(backend).await;
    let keys = Keys::new();
    let lead = ledger.token("lead", "treasury_lead");
    assert!(ledger.policy_init(&keys.treasury(false, "2000000")).status.success());
    let bundle = B256::repeat_byte(0x42);
    let (status, _) = ledger.post("/v1/commands", &lead, signature(1, bundle, 0, "erc20", 1, json!({"nonce": 7}))).await;
    assert_eq!(status, StatusCode::CREATED);
    ledger.stop();
    // Skipping the signature on replay would free its chunk for a second "first" signature:
    // the server must refuse to serve instead.
    ledger
        .tamper(&[
            &ledger.drop_trigger("records_no_update"),
            "UPDATE records SET body = replace(body, '\"nonce\":7', '\"nonce\":\"7\"') WHERE seq = 2",
        ])
        .await;
    let output = Command::new(BIN)
        .args(["--db", &ledger.db(), "serve", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .output()
        .expect("run serve");
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("record seq 2 is damaged") && stderr.contains("nonce"), "{stderr}");
    let verify = ledger.cli(&["verify"]);
    assert_eq!(verify.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&verify.stdout).starts_with("chain broken at seq 2"));
}

/// The EOD events of issue 12: a `trust.obligation` needs an open session of its pair (known,
/// not settled, before its cut-off) and the pair's two partners; a `partner.balance` of "0"
/// is a balance. The ledger refuses the rest naming the line, and appends nothing of it.
async fn trust_obligations_and_partner_balances_are_checked_by_the_core_rules(backend: Backend) {
    let ledger = Ledger::new(backend).await;
    let platform = ledger.token("platform", "platform");
    let session = json!({"id": uuid(1), "at": "2026-12-01T08:00:00Z", "kind": "eod.session_opened", "session_id": "s1",
                         "trust_pair": "pair-s-m", "cut_off_at": "2026-12-01T17:00:00Z"});
    let owe = |n: u64, at: &str, session: &str, payer: &str, payee: &str| {
        json!({"id": uuid(n), "at": at, "kind": "trust.obligation", "session_id": session, "payer": payer, "payee": payee,
               "network": "trc20", "token": "USDT", "amount": "2500000"})
    };
    let balance = json!({"id": uuid(3), "at": "2026-12-01T09:00:00Z", "kind": "partner.balance", "partner": "partner-s",
                         "network": "trc20", "token": "USDT", "amount": "0"});
    let batch = [session, owe(2, "2026-12-01T09:00:00Z", "s1", "partner-s", "partner-m"), balance];
    let (status, body) = ledger.post("/v1/events", &platform, jsonl(&batch)).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"appended": 3, "duplicates": 0, "head": 3})));
    let cases = [
        (owe(4, "2026-12-01T09:00:00Z", "s9", "partner-s", "partner-m"), "\"s9\" is unknown"),
        (owe(5, "2026-12-01T09:00:00Z", "s1", "partner-s", "partner-l"), "names another partner"),
        (owe(6, "2026-12-01T17:00:00Z", "s1", "partner-m", "partner-s"), "closed at its cut-off"),
    ];
    for (line, fragment) in cases {
        let (status, body) =
            ledger.post("/v1/events", &platform, jsonl(&[owe(7, "2026-12-01T10:00:00Z", "s1", "partner-m", "partner-s"), line])).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_event", "line 2");
        assert!(body["error"]["message"].as_str().unwrap().contains(fragment), "{body}");
    }
    assert_eq!(ledger.head().await, 3);
}
