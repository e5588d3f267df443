//! Crash tests (issue 9: "nothing is lost or applied twice across crashes"), against the
//! real binary on both back ends.
//!
//! Each case is drawn from a seed: a crash point and the hit that fires it (docs/ledger.md
//! "Crash points"), and a small workload — 1 to 3 concurrent clients, each sending a few
//! `decision`/`checklist` commands (launch_ic) and batches of payout events (platform), some
//! commands sent twice — while one client reads the event stream. The server dies by
//! SIGKILL at the crash point (or, when the drawn hit never comes, by a SIGKILL from the
//! test once the workload is done). The test restarts it on the same `--db`, sends every
//! request that got no answer again with the same id and body, resumes the stream with
//! `Last-Event-ID`, and checks:
//! - every request that got a 2xx is in the log with what it was told (a command at the
//!   seq it was answered, once); a retried command is answered 201 or 200 with one seq; a
//!   retried batch is all appended or all duplicates (never part of it);
//! - every id is in the log exactly once, seq is gapless from 1, the chain verifies by an
//!   independent JCS and by `clubgate-ledger verify`;
//! - the stream, across the crash, delivered every seq once, equal to the read by cursor;
//! - the server printed nothing on standard output but its `listening on` line.
//!
//! `CLUBGATE_CRASH_CASES` (default 200) is the number of crash-point cases over both back
//! ends (half each), `CLUBGATE_CRASH_SEED` the seed (default fixed); the counts go to
//! standard error as `crash-soak: …` lines (`cargo xtask soak` reads them). One PostgreSQL
//! cluster serves every PostgreSQL case, a database per case.

mod support;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt as _;
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::pg::Cluster;
use support::server::{all_records, assert_chain, assert_verify, killed_by_sigkill, token, Server};

/// The crash points (docs/ledger.md).
const POINTS: [&str; 5] = ["append.mid", "append.before_commit", "append.after_commit", "respond.before", "stream.mid"];

/// Cases of one back end run this many at a time (each is mostly waiting on processes,
/// fsync and loopback).
const CASES_AT_ONCE: usize = 3;

/// The default seed, so that a plain `cargo test` is repeatable.
const DEFAULT_SEED: u64 = 0x0c1b_6a7e_2026;

/// How long a request may take before it counts as unanswered.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

/// splitmix64: small, seedable, good enough to spread cases.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Self {
        let mut rng = Self(seed ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        rng.next();
        rng
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// One request of the workload.
#[derive(Debug, Clone)]
enum Request {
    /// `POST /v1/commands` (launch_ic).
    Command { id: String, kind: &'static str, payload: Value },
    /// `POST /v1/events` (platform): JSON Lines with these ids.
    Events { ids: Vec<String>, body: String },
}

/// How the server dies.
#[derive(Debug, Clone, Copy)]
enum Crash {
    /// `CLUBGATE_CRASHPOINT=name:n`.
    Point { name: &'static str, n: u64 },
    /// A SIGKILL from the test `after_ms` after the clients started.
    External { after_ms: u64 },
}

/// A case: how the server dies and what each client sends, in order.
#[derive(Debug)]
struct Case {
    crash: Crash,
    clients: Vec<Vec<Request>>,
}

fn uuid(case: u64, n: u64) -> String {
    format!("{:08x}-0000-4000-8000-{n:012x}", case & 0xffff_ffff)
}

/// Payouts `first..first + count`, each accepted and half of them confirmed in the batch.
fn payout_batch(case: u64, next_id: &mut u64, rng: &mut Rng) -> Request {
    let mut lines = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..rng.range(1, 4) {
        *next_id += 1;
        let payout = format!("p{}", *next_id);
        let id = uuid(case, *next_id);
        lines.push(json!({"id": id, "at": "2026-12-01T10:00:00Z", "kind": "payout.accepted", "payout_id": payout,
            "network": "erc20", "token": "USDT", "wallet": "hot-1", "partner": "alpha", "amount": "1500000"}));
        ids.push(id);
        if rng.chance(50) {
            *next_id += 1;
            let id = uuid(case, *next_id);
            lines.push(json!({"id": id, "at": "2026-12-01T10:05:00Z", "kind": "payout.confirmed", "payout_id": payout}));
            ids.push(id);
        }
    }
    Request::Events { ids, body: lines.iter().map(|line| format!("{line}\n")).collect() }
}

fn command(case: u64, next_id: &mut u64, rng: &mut Rng) -> Request {
    *next_id += 1;
    let kind = if rng.chance(50) { "decision" } else { "checklist" };
    let payload = match kind {
        "decision" => json!({"go": rng.chance(50), "note": format!("case {case} decision {next_id}")}),
        _ => json!({"item": format!("item-{}", rng.range(1, 40)), "state": "done", "by": "ic"}),
    };
    Request::Command { id: uuid(case, *next_id), kind, payload }
}

/// The workload of `clients` clients, `requests` requests each: 60% commands (a tenth of
/// them followed by the same command again), 40% event batches.
fn workload(case: u64, rng: &mut Rng, clients: u64, requests: (u64, u64)) -> Vec<Vec<Request>> {
    let mut next_id = 0;
    (0..clients)
        .map(|_| {
            let mut list = Vec::new();
            for _ in 0..rng.range(requests.0, requests.1) {
                if rng.chance(60) {
                    let request = command(case, &mut next_id, rng);
                    if rng.chance(10) {
                        list.push(request.clone());
                    }
                    list.push(request);
                } else {
                    list.push(payout_batch(case, &mut next_id, rng));
                }
            }
            list
        })
        .collect()
}

/// A crash-point case drawn from the seed: the hit N is drawn among the hits the workload
/// makes (appends for `append.*` and `respond.before`, records for `stream.mid`), so most
/// cases crash; a few draws past the end let the workload finish first.
fn crash_point_case(seed: u64, case: u64) -> Case {
    let mut rng = Rng::new(seed, case);
    let count = rng.range(1, 3);
    let clients = workload(case, &mut rng, count, (2, 5));
    let appends = clients.iter().flatten().count() as u64;
    let records: u64 = clients
        .iter()
        .flatten()
        .map(|r| match r {
            Request::Command { .. } => 1,
            Request::Events { ids, .. } => ids.len() as u64,
        })
        .sum();
    let name = POINTS[rng.range(0, POINTS.len() as u64 - 1) as usize];
    let hits = if name == "stream.mid" { records } else { appends };
    Case { crash: Crash::Point { name, n: rng.range(1, hits + 1) }, clients }
}

/// What the test counts over the cases of a back end.
#[derive(Debug, Default)]
struct Counts {
    cases: AtomicU64,
    crashes_hit: AtomicU64,
    killed_from_outside: AtomicU64,
    requests: AtomicU64,
    retried: AtomicU64,
    /// Retried requests the log already had (committed, answer lost): answered as duplicates.
    committed_unanswered: AtomicU64,
    duplicates_after_retry: AtomicU64,
    records: AtomicU64,
}

fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

/// Where a case's database lives.
enum Db {
    Sqlite,
    Postgres(Arc<Cluster>),
}

impl Db {
    async fn create(&self, dir: &std::path::Path) -> String {
        match self {
            Self::Sqlite => format!("sqlite://{}", dir.join("ledger.db").display()),
            Self::Postgres(cluster) => cluster.create_database().await,
        }
    }
}

/// The answer to one request, or none (connection refused or reset, or timed out).
#[derive(Debug, Clone)]
enum Answer {
    Answered(StatusCode, Value),
    None,
}

struct Tokens {
    ic: String,
    platform: String,
}

async fn send(client: &reqwest::Client, base: &str, tokens: &Tokens, request: &Request) -> Answer {
    let (path, token, body) = match request {
        Request::Command { id, kind, payload } => {
            ("/v1/commands", &tokens.ic, json!({"id": id, "kind": kind, "payload": payload}).to_string())
        }
        Request::Events { body, .. } => ("/v1/events", &tokens.platform, body.clone()),
    };
    let response = match client.post(format!("{base}{path}")).bearer_auth(token).body(body).send().await {
        Ok(response) => response,
        Err(_) => return Answer::None,
    };
    let status = response.status();
    match response.text().await {
        Ok(text) => Answer::Answered(status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("answer {text:?} is not JSON: {e}"))),
        Err(_) => Answer::None,
    }
}

/// Checks a 2xx answer's shape; returns the command's seq (events: none).
fn check_answer(request: &Request, status: StatusCode, body: &Value) -> Option<u64> {
    match request {
        Request::Command { .. } => {
            assert!(status == StatusCode::CREATED || status == StatusCode::OK, "command answered {status} {body}");
            assert_eq!(body["duplicate"].as_bool(), Some(status == StatusCode::OK), "{body}");
            Some(body["seq"].as_u64().expect("seq"))
        }
        Request::Events { ids, .. } => {
            assert_eq!(status, StatusCode::OK, "events answered {status} {body}");
            let (appended, duplicates) = (body["appended"].as_u64().expect("appended"), body["duplicates"].as_u64().expect("duplicates"));
            assert_eq!(appended + duplicates, ids.len() as u64, "{body}");
            None
        }
    }
}

/// The records a stream delivered (seq → record), read until the stream ends, fails, or
/// `until` seq has arrived.
async fn read_stream(
    client: reqwest::Client,
    base: String,
    token: String,
    last_event_id: u64,
    until: Option<u64>,
    into: Arc<Mutex<Vec<Value>>>,
) {
    let response = match client
        .get(format!("{base}/v1/events/stream"))
        .bearer_auth(&token)
        .header("Last-Event-ID", last_event_id.to_string())
        .send()
        .await
    {
        Ok(response) if response.status() == StatusCode::OK => response,
        _ => return,
    };
    let mut response = response;
    let mut buffer = String::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        buffer.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let Some(data) = block.lines().find_map(|l| l.strip_prefix("data:")) else { continue };
            let record: Value = serde_json::from_str(data.trim()).expect("data is a record");
            let id: u64 = block.lines().find_map(|l| l.strip_prefix("id:")).expect("id").trim().parse().expect("numeric id");
            assert_eq!(record["seq"].as_u64(), Some(id), "id: is the seq");
            let done = until.is_some_and(|until| id >= until);
            into.lock().expect("stream records").push(record);
            if done {
                return;
            }
        }
    }
}

/// Runs one case on a fresh database; panics on any broken promise.
async fn run_case(db: &Db, case: Case, counts: &Counts) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = db.create(dir.path()).await;
    let tokens = {
        let url = url.clone();
        tokio::task::spawn_blocking(move || Tokens { ic: token(&url, "ic", "launch_ic"), platform: token(&url, "platform", "platform") })
            .await
            .expect("tokens")
    };
    let crashpoint = match case.crash {
        Crash::Point { name, n } => Some(format!("{name}:{n}")),
        Crash::External { .. } => None,
    };
    let log_dir: PathBuf = dir.path().to_owned();
    let server = {
        let (url, log_dir) = (url.clone(), log_dir.clone());
        Arc::new(tokio::task::spawn_blocking(move || Server::start(&url, &log_dir, crashpoint.as_deref())).await.expect("start"))
    };
    let client = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().expect("client");
    let stream_client = reqwest::Client::new();

    // The stream reader connects first, so that `stream.mid` has a stream to crash.
    let streamed = Arc::new(Mutex::new(Vec::new()));
    let reader = tokio::spawn(read_stream(stream_client.clone(), server.base.clone(), tokens.ic.clone(), 0, None, Arc::clone(&streamed)));
    let tokens = Arc::new(tokens);

    let killer = match case.crash {
        Crash::External { after_ms } => {
            let server = Arc::clone(&server);
            Some(tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(after_ms)).await;
                server.kill();
            }))
        }
        Crash::Point { .. } => None,
    };

    // Each client sends its requests in order; after its first unanswered request it stops
    // (the server is gone) and the rest count as unanswered too.
    let mut tasks = Vec::new();
    for list in &case.clients {
        let (client, base, tokens, list) = (client.clone(), server.base.clone(), Arc::clone(&tokens), list.clone());
        tasks.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            let mut gone = false;
            for request in list {
                let answer = if gone { Answer::None } else { send(&client, &base, &tokens, &request).await };
                gone = matches!(answer, Answer::None);
                answers.push((request, answer));
            }
            answers
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.extend(task.await.expect("client"));
    }
    add(&counts.requests, answers.len() as u64);
    let unanswered = answers.iter().filter(|(_, a)| matches!(a, Answer::None)).count();
    if let Some(killer) = killer {
        killer.await.expect("killer");
    }

    // Did the crash point fire? A client without an answer means the process is gone.
    let status = match case.crash {
        Crash::Point { name, .. } => {
            let within = if unanswered > 0 || name == "stream.mid" { Duration::from_secs(3) } else { Duration::from_millis(100) };
            server.wait_exit(within).await
        }
        Crash::External { .. } => server.wait_exit(Duration::from_secs(3)).await,
    };
    match (case.crash, status) {
        (Crash::Point { .. }, Some(status)) => {
            assert!(killed_by_sigkill(status), "the server ended with {status}, not SIGKILL; stderr:\n{}", server.log());
            assert!(server.log().contains("crash point"), "died without its crash point: {}", server.log());
            add(&counts.crashes_hit, 1);
        }
        (Crash::Point { .. }, None) => {
            // The drawn hit never came: a SIGKILL from outside, once everything was answered.
            assert_eq!(unanswered, 0, "requests went unanswered while the server lived; stderr:\n{}", server.log());
            server.kill();
            add(&counts.killed_from_outside, 1);
        }
        (Crash::External { .. }, status) => {
            assert!(status.is_some_and(killed_by_sigkill), "{status:?}");
            add(&counts.killed_from_outside, 1);
        }
    }
    assert_eq!(server.rest_of_stdout(), "", "standard output carries only the listening line");
    reader.abort();
    let _ = reader.await;

    // Restart on the same database, no crash point, and send again what went unanswered.
    let server = {
        let (url, log_dir) = (url.clone(), log_dir.clone());
        tokio::task::spawn_blocking(move || Server::start(&url, &log_dir, None)).await.expect("restart")
    };
    let mut told: HashMap<String, u64> = HashMap::new();
    let mut requested_ids: HashSet<String> = HashSet::new();
    for (request, answer) in &answers {
        let answer = match answer {
            Answer::Answered(status, body) => (*status, body.clone()),
            Answer::None => {
                add(&counts.retried, 1);
                let Answer::Answered(status, body) = send(&client, &server.base, &tokens, request).await else {
                    panic!("a retry after the restart got no answer: {request:?}; stderr:\n{}", server.log())
                };
                let all_duplicates = match request {
                    Request::Command { .. } => status == StatusCode::OK,
                    Request::Events { ids, .. } => {
                        let appended = body["appended"].as_u64().unwrap_or(0);
                        // All or nothing across the crash: never part of a batch.
                        assert!(appended == 0 || appended == ids.len() as u64, "a retried batch was partly in the log: {body}");
                        appended == 0 && status == StatusCode::OK
                    }
                };
                if all_duplicates {
                    add(&counts.committed_unanswered, 1);
                }
                (status, body)
            }
        };
        let seq = check_answer(request, answer.0, &answer.1);
        match request {
            Request::Command { id, .. } => {
                requested_ids.insert(id.clone());
                let seq = seq.expect("a command has a seq");
                assert_eq!(*told.entry(id.clone()).or_insert(seq), seq, "command {id} was told two seqs");
            }
            Request::Events { ids, .. } => requested_ids.extend(ids.iter().cloned()),
        }
    }

    // The log: each id once, every command at the seq it was told, gapless, chained.
    let records = all_records(&client, &server.base, &tokens.ic).await;
    let mut seq_of: HashMap<String, u64> = HashMap::new();
    let mut duplicates = 0;
    for record in &records {
        let id = record["body"]["id"].as_str().expect("id").to_owned();
        if seq_of.insert(id, record["seq"].as_u64().expect("seq")).is_some() {
            duplicates += 1;
        }
    }
    add(&counts.duplicates_after_retry, duplicates);
    assert_eq!(duplicates, 0, "ids in the log twice");
    assert_chain(&records);
    assert_eq!(seq_of.keys().cloned().collect::<HashSet<_>>(), requested_ids, "the log holds exactly the ids sent");
    for (request, _) in &answers {
        if let Request::Command { id, kind, payload } = request {
            let record = &records[told[id] as usize - 1];
            assert_eq!(record["body"]["id"].as_str(), Some(id.as_str()), "command {id} at the seq it was told");
            assert_eq!((record["kind"].as_str(), &record["body"]["payload"]), (Some(*kind), payload));
        }
    }
    add(&counts.records, records.len() as u64);

    // The stream, resumed with Last-Event-ID after the last record it had, delivers the rest:
    // every seq once, the records as the read gives them.
    let head = records.len() as u64;
    let last_seen = streamed.lock().expect("streamed").last().and_then(|r| r["seq"].as_u64()).unwrap_or(0);
    if last_seen < head {
        let resumed = read_stream(stream_client, server.base.clone(), tokens.ic.clone(), last_seen, Some(head), Arc::clone(&streamed));
        tokio::time::timeout(Duration::from_secs(10), resumed).await.expect("the resumed stream delivers the rest within 10 s");
    }
    let streamed = streamed.lock().expect("streamed").clone();
    assert_eq!(streamed, records, "the stream across the crash: every record once, in order");

    let url_for_verify = url.clone();
    tokio::task::spawn_blocking(move || assert_verify(&url_for_verify, records.len())).await.expect("verify");
    drop(server);
    add(&counts.cases, 1);
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text.trim().parse().unwrap_or_else(|_| panic!("{name}={text:?} is not a whole number")),
        Err(_) => default,
    }
}

/// This back end's share of `CLUBGATE_CRASH_CASES`, and the seed.
fn plan(backend: Backend) -> (u64, u64) {
    let total = env_u64("CLUBGATE_CRASH_CASES", 200);
    let seed = env_u64("CLUBGATE_CRASH_SEED", DEFAULT_SEED);
    let cases = match backend {
        Backend::Sqlite => total.div_ceil(2),
        Backend::Postgres => total / 2,
    };
    (cases, seed)
}

async fn run_cases(backend: Backend, label: &str, db: Db, cases: Vec<Case>) -> Counts {
    let counts = Counts::default();
    let started = std::time::Instant::now();
    let total = cases.len();
    futures_util::stream::iter(cases).for_each_concurrent(CASES_AT_ONCE, |case| run_case(&db, case, &counts)).await;
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    assert_eq!(load(&counts.cases), total as u64);
    eprintln!(
        "crash-soak: {backend:?} {label}: cases {}, crashes hit {}, killed from outside {}, requests {}, retried {}, committed-but-unanswered {}, duplicates-after-retry {}, records {}, {:.1?}",
        load(&counts.cases),
        load(&counts.crashes_hit),
        load(&counts.killed_from_outside),
        load(&counts.requests),
        load(&counts.retried),
        load(&counts.committed_unanswered),
        load(&counts.duplicates_after_retry),
        load(&counts.records),
        started.elapsed()
    );
    counts
}

async fn crash_points(backend: Backend) {
    let (cases, seed) = plan(backend);
    eprintln!("crash-soak: {backend:?}: {cases} crash-point cases, seed {seed} (CLUBGATE_CRASH_SEED={seed} repeats them)");
    // Case numbers differ per back end so that the two halves draw different cases.
    let offset = match backend {
        Backend::Sqlite => 0,
        Backend::Postgres => 1 << 32,
    };
    let list: Vec<Case> = (0..cases).map(|case| crash_point_case(seed, offset + case)).collect();
    let db = match backend {
        Backend::Sqlite => Db::Sqlite,
        Backend::Postgres => Db::Postgres(Arc::new(tokio::task::spawn_blocking(Cluster::start).await.expect("cluster"))),
    };
    let counts = run_cases(backend, "crash points", db, list).await;
    if cases >= 20 {
        // The draws aim at hits that happen: nearly every case must really crash there.
        let hit = counts.crashes_hit.load(Ordering::Relaxed);
        // (About 80% do; 60% leaves room for any seed.)
        assert!(hit * 10 >= cases * 6, "only {hit} of {cases} cases hit their crash point");
    }
}

/// SIGKILL from outside at a random moment while 4 clients write (8 cases a back end).
async fn sigkill_from_outside(backend: Backend) {
    let seed = env_u64("CLUBGATE_CRASH_SEED", DEFAULT_SEED);
    let offset = match backend {
        Backend::Sqlite => 2 << 32,
        Backend::Postgres => 3 << 32,
    };
    let list: Vec<Case> = (0..8)
        .map(|case| {
            let mut rng = Rng::new(seed, offset + case);
            let clients = workload(offset + case, &mut rng, 4, (8, 12));
            Case { crash: Crash::External { after_ms: rng.range(30, 400) }, clients }
        })
        .collect();
    let db = match backend {
        Backend::Sqlite => Db::Sqlite,
        Backend::Postgres => Db::Postgres(Arc::new(tokio::task::spawn_blocking(Cluster::start).await.expect("cluster"))),
    };
    let counts = run_cases(backend, "SIGKILL from outside", db, list).await;
    assert_eq!(counts.killed_from_outside.load(Ordering::Relaxed), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_survives_a_crash_at_every_crash_point() {
    crash_points(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_survives_a_crash_at_every_crash_point() {
    crash_points(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_survives_a_sigkill_from_outside_while_4_clients_write() {
    sigkill_from_outside(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_survives_a_sigkill_from_outside_while_4_clients_write() {
    sigkill_from_outside(Backend::Postgres).await;
}
