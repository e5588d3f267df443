//! Benchmarks of the ledger service against its real release binary on loopback (issue 9):
//!
//! - (a) commands/s: 16 concurrent clients, each sending new `decision` commands for 10 s;
//! - (b) append-to-stream latency: one client sends 1,200 commands one after the other while
//!   an SSE stream (`GET /v1/events/stream`) is open; the time from each 2xx answer to the
//!   record's arrival on the stream, p50/p99/max;
//! - (c) read by cursor: the log is filled to over 1,000,000 records by `POST /v1/events`
//!   batches of 40,000 `webhook.attempt` lines (the service validates each line with the
//!   core's rules, as in production), then read with `GET /v1/events?after=N&limit=10000`
//!   until the end, in records/s.
//!
//! Each on PostgreSQL (a throw-away cluster, fsync on, `synchronous_commit=on`) and on
//! SQLite (WAL, `synchronous=FULL`), one line per figure on standard output. It is a load
//! generator against a separate process, not a micro-benchmark, so it has its own harness
//! (`harness = false`) instead of criterion, and it asserts nothing about time: the figures
//! are measured and printed. Run it with `cargo xtask bench`, which builds the release binary
//! (without the test-only crash points) and points `CLUBGATE_LEDGER_BIN` at it; without that
//! variable it runs the binary cargo built for the bench.

#[path = "../tests/support/pg.rs"]
#[allow(dead_code)]
mod pg;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::json;

/// Concurrent clients of (a).
const CLIENTS: usize = 16;
/// How long (a) runs.
const COMMAND_RUN: Duration = Duration::from_secs(10);
/// Commands of (b).
const LATENCY_SAMPLES: usize = 1_200;
/// Records (c) fills the log to (at least).
const READ_RECORDS: u64 = 1_000_000;
/// Event lines per POST of the fill (about 5.5 MiB, under the 8 MiB body limit).
const FILL_BATCH: u64 = 40_000;
/// Batches posted before the rest of the fill goes in by SQL.
const POSTED_BATCHES: u64 = 2;
/// Records per SQL statement (PostgreSQL) or transaction (SQLite) of the direct fill.
const SQL_CHUNK: usize = 10_000;

fn binary() -> String {
    std::env::var("CLUBGATE_LEDGER_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_clubgate-ledger").to_owned())
}

/// A `serve` process, killed on drop.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db: &str, log: &std::path::Path) -> Self {
        let mut child = Command::new(binary())
            .args(["--db", db, "serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).expect("log file"))
            .env_remove("CLUBGATE_CRASHPOINT")
            .spawn()
            .expect("start clubgate-ledger");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("read stdout");
        let base = line
            .strip_prefix("listening on ")
            .map(|b| b.trim_end().to_owned())
            .unwrap_or_else(|| panic!("first line {line:?}; stderr: {}", std::fs::read_to_string(log).unwrap_or_default()));
        Self { child, base }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn token(db: &str, name: &str, role: &str) -> String {
    let output = Command::new(binary()).args(["--db", db, "token", "issue", "--name", name, "--role", role]).output().expect("token");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8").trim_end().to_owned()
}

fn command_body(client: usize, n: u64) -> String {
    let id = format!("{:08x}-2222-4000-8000-{n:012x}", client);
    json!({"id": id, "kind": "decision", "payload": {"go": true, "client": client, "n": n}}).to_string()
}

/// The value at quantile `q` (nearest rank) of sorted samples.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

/// (a): 16 clients — 16 desks, each with a token of its own (the per-token rate limit is
/// per desk) — send new `decision` commands for 10 s.
async fn commands_per_second(backend: &str, base: &str, db: &str) {
    let tokens: Vec<String> = (0..CLIENTS).map(|client| token(db, &format!("ic-{client}"), "launch_ic")).collect();
    let started = Instant::now();
    let deadline = started + COMMAND_RUN;
    let mut tasks = Vec::new();
    for (client, ic) in tokens.into_iter().enumerate() {
        let base = base.to_owned();
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut latencies = Vec::new();
            let mut failures = 0u64;
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let sent = Instant::now();
                match http.post(format!("{base}/v1/commands")).bearer_auth(&ic).body(command_body(client, n)).send().await {
                    Ok(response) if response.status() == reqwest::StatusCode::CREATED => {
                        let _ = response.bytes().await;
                        latencies.push(sent.elapsed());
                    }
                    _ => failures += 1,
                }
            }
            (latencies, failures)
        }));
    }
    let mut latencies = Vec::new();
    let mut failures = 0;
    for task in tasks {
        let (l, f) = task.await.expect("client");
        latencies.extend(l);
        failures += f;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let rate = latencies.len() as f64 / elapsed.as_secs_f64();
    let target = if backend == "postgres" { 5_000.0 } else { f64::NAN };
    let verdict = if target.is_nan() {
        "no target on SQLite".to_owned()
    } else if rate >= target {
        format!("target ≥ {target:.0}/s met")
    } else {
        format!("target ≥ {target:.0}/s missed by {:.0}/s ({:.0}% of it)", target - rate, 100.0 * rate / target)
    };
    println!(
        "{backend}: commands/s, {CLIENTS} clients × {:.0?} of new decision commands: {rate:.0} commands/s ({} answered 201, {failures} failed; request p50 {:.1} ms, p99 {:.1} ms) — {verdict}",
        COMMAND_RUN,
        latencies.len(),
        ms(quantile(&latencies, 0.50)),
        ms(quantile(&latencies, 0.99)),
    );
}

/// (b): the time from a command's 2xx answer to its record's arrival on an open stream.
async fn append_to_stream_latency(backend: &str, base: &str, ic: &str) {
    let http = reqwest::Client::new();
    let health: serde_json::Value = http.get(format!("{base}/v1/health")).send().await.expect("health").json().await.expect("json");
    let head = health["head"].as_u64().expect("head");
    let arrived: Arc<Mutex<HashMap<u64, Instant>>> = Arc::default();
    let mut response = http.get(format!("{base}/v1/events/stream?after={head}")).bearer_auth(ic).send().await.expect("stream");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let last = head + LATENCY_SAMPLES as u64;
    let reader = {
        let arrived = Arc::clone(&arrived);
        tokio::spawn(async move {
            let mut buffer = String::new();
            while let Ok(Some(chunk)) = response.chunk().await {
                let now = Instant::now();
                buffer.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
                while let Some(end) = buffer.find("\n\n") {
                    let block: String = buffer.drain(..end + 2).collect();
                    if let Some(seq) = block.lines().find_map(|l| l.strip_prefix("id:")).and_then(|s| s.trim().parse::<u64>().ok()) {
                        arrived.lock().expect("arrivals").insert(seq, now);
                        if seq >= last {
                            return;
                        }
                    }
                }
            }
        })
    };
    let mut answered = Vec::with_capacity(LATENCY_SAMPLES);
    for n in 0..LATENCY_SAMPLES as u64 {
        let response = http.post(format!("{base}/v1/commands")).bearer_auth(ic).body(command_body(99, n)).send().await.expect("command");
        assert_eq!(response.status(), reqwest::StatusCode::CREATED);
        let at = Instant::now();
        let answer: serde_json::Value = response.json().await.expect("answer");
        answered.push((answer["seq"].as_u64().expect("seq"), at));
    }
    tokio::time::timeout(Duration::from_secs(30), reader).await.expect("every record arrives on the stream").expect("reader");
    let arrived = arrived.lock().expect("arrivals");
    let mut before_answer = 0;
    let mut latencies: Vec<Duration> = answered
        .iter()
        .map(|(seq, at)| {
            let arrival = arrived[seq];
            if arrival < *at {
                before_answer += 1;
            }
            arrival.saturating_duration_since(*at)
        })
        .collect();
    latencies.sort();
    let p99 = quantile(&latencies, 0.99);
    let verdict = if p99 <= Duration::from_millis(50) {
        "target ≤ 50 ms met".to_owned()
    } else {
        format!("target ≤ 50 ms missed by {:.1} ms", ms(p99) - 50.0)
    };
    println!(
        "{backend}: append-to-stream latency, 2xx answer → SSE arrival over {} sequential commands: p99 {:.2} ms (p50 {:.2} ms, max {:.2} ms; {before_answer} arrived before their answer, counted as 0) — {verdict}",
        latencies.len(),
        ms(p99),
        ms(quantile(&latencies, 0.50)),
        ms(latencies.last().copied().unwrap_or_default()),
    );
}

#[derive(Deserialize)]
struct Page {
    records: Vec<IgnoredAny>,
    head: u64,
}

#[derive(Deserialize)]
struct Appended {
    appended: u64,
    head: u64,
}

/// (c): fill the log past 1,000,000 records by POST /v1/events, then read it all by cursor.
async fn read_by_cursor(backend: &str, db: &str, base: &str, platform: &str, viewer: &str) {
    let http = reqwest::Client::new();
    let health: serde_json::Value = http.get(format!("{base}/v1/health")).send().await.expect("health").json().await.expect("json");
    let mut head = health["head"].as_u64().expect("head");
    let fill_started = Instant::now();
    let mut filled = 0u64;
    let mut n = 0u64;
    let start_second = jiff::Timestamp::from_second(1_796_083_200).expect("2026-12-01").as_second();
    for _ in 0..POSTED_BATCHES {
        let mut body = String::with_capacity(FILL_BATCH as usize * 150);
        for _ in 0..FILL_BATCH {
            n += 1;
            let at = jiff::Timestamp::from_second(start_second + n as i64).expect("instant");
            let line = json!({"id": format!("33333333-3333-4000-8000-{n:012x}"), "at": at.to_string(), "kind": "webhook.attempt",
                "webhook_id": format!("w{n}"), "partner": "alpha", "status": 200});
            body.push_str(&line.to_string());
            body.push('\n');
        }
        let response = http.post(format!("{base}/v1/events")).bearer_auth(platform).body(body).send().await.expect("fill");
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{}", response.text().await.unwrap_or_default());
        let answer: Appended = response.json().await.expect("answer");
        assert_eq!(answer.appended, FILL_BATCH);
        filled += answer.appended;
        head = answer.head;
    }
    let fill = fill_started.elapsed();
    println!(
        "{backend}: event append by POST /v1/events, {POSTED_BATCHES} batches of {FILL_BATCH} webhook.attempt lines: {:.0} events/s ({filled} in {:.1?})",
        filled as f64 / fill.as_secs_f64(),
        fill
    );
    // The rest of the fill goes in by SQL behind the server's back: a valid chain (hashes
    // by serde_json_canonicalizer + sha2), because posting 1 M events took minutes (the
    // posted rate above falls as the log grows).
    let sql_started = Instant::now();
    let direct = fill_by_sql(db, &http, base, viewer, head, n).await;
    println!(
        "{backend}: fill for the read: {direct} more webhook.attempt records by direct SQL insert of a valid chain ({:.1?})",
        sql_started.elapsed()
    );

    let started = Instant::now();
    let mut after = 0u64;
    loop {
        let response = http.get(format!("{base}/v1/events?after={after}&limit=10000")).bearer_auth(viewer).send().await.expect("read");
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        let page: Page = response.json().await.expect("page");
        if page.records.is_empty() {
            assert_eq!(page.head, after);
            break;
        }
        after += page.records.len() as u64;
    }
    let elapsed = started.elapsed();
    let rate = after as f64 / elapsed.as_secs_f64();
    let verdict = if rate >= 200_000.0 {
        "target ≥ 200,000 records/s met".to_owned()
    } else {
        format!("target ≥ 200,000 records/s missed by {:.0}/s ({:.0}% of it)", 200_000.0 - rate, 100.0 * rate / 200_000.0)
    };
    println!(
        "{backend}: read by cursor, GET /v1/events?after=N&limit=10000 to the end: {after} records in {:.2?}: {rate:.0} records/s (the client skips the records' contents) — {verdict}",
        elapsed
    );
}

/// Appends `webhook.attempt` records from `head + 1` to [`READ_RECORDS`] by SQL, chained
/// from the head's hash; returns how many.
async fn fill_by_sql(db: &str, http: &reqwest::Client, base: &str, viewer: &str, head: u64, mut n: u64) -> u64 {
    let page: serde_json::Value = http
        .get(format!("{base}/v1/events?after={}&limit=1", head - 1))
        .bearer_auth(viewer)
        .send()
        .await
        .expect("head record")
        .json()
        .await
        .expect("json");
    let mut prev = hex::decode(page["records"][0]["hash"].as_str().expect("hash")).expect("hex");
    let start_second = 1_796_083_200i64;
    let mut seq = head;
    let pg = if db.starts_with("postgres") { Some(sqlx::PgPool::connect(db).await.expect("connect")) } else { None };
    let lite = if pg.is_none() {
        let path = db.strip_prefix("sqlite://").expect("sqlite url");
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).busy_timeout(Duration::from_secs(30));
        Some(sqlx::SqlitePool::connect_with(options).await.expect("open"))
    } else {
        None
    };
    while seq < READ_RECORDS {
        let mut rows: Vec<(i64, String, String, String, String)> = Vec::with_capacity(SQL_CHUNK);
        while rows.len() < SQL_CHUNK && seq < READ_RECORDS {
            seq += 1;
            n += 1;
            let at = jiff::Timestamp::from_second(start_second + n as i64).expect("instant").to_string();
            let id = format!("33333333-3333-4000-8000-{n:012x}");
            let body = json!({"id": id, "at": at, "webhook_id": format!("w{n}"), "partner": "alpha", "status": 200});
            let mut hashed = body.as_object().expect("object").clone();
            hashed.insert("kind".into(), "webhook.attempt".into());
            let canonical = serde_json_canonicalizer::to_vec(&serde_json::Value::Object(hashed)).expect("JCS");
            let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
            sha2::Digest::update(&mut hasher, &prev);
            sha2::Digest::update(&mut hasher, seq.to_be_bytes());
            sha2::Digest::update(&mut hasher, canonical);
            let hash = sha2::Digest::finalize(hasher).to_vec();
            rows.push((seq as i64, id, body.to_string(), hex::encode(&prev), hex::encode(&hash)));
            prev = hash;
        }
        if let Some(pool) = &pg {
            let column = |f: fn(&(i64, String, String, String, String)) -> String| rows.iter().map(f).collect::<Vec<String>>();
            sqlx::query(
                "INSERT INTO records (seq, id, kind, body, prev, hash, committed_at_ms) \
                 SELECT seq, id, 'webhook.attempt', body, prev, hash, 0 \
                 FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) AS batch (seq, id, body, prev, hash)",
            )
            .bind(rows.iter().map(|r| r.0).collect::<Vec<i64>>())
            .bind(column(|r| r.1.clone()))
            .bind(column(|r| r.2.clone()))
            .bind(column(|r| r.3.clone()))
            .bind(column(|r| r.4.clone()))
            .execute(pool)
            .await
            .expect("insert");
        }
        if let Some(pool) = &lite {
            let mut tx = pool.begin().await.expect("begin");
            for (seq, id, body, prev, hash) in &rows {
                sqlx::query(
                    "INSERT INTO records (seq, id, kind, body, prev, hash, committed_at_ms) VALUES (?, ?, 'webhook.attempt', ?, ?, ?, 0)",
                )
                .bind(seq)
                .bind(id)
                .bind(body)
                .bind(prev)
                .bind(hash)
                .execute(&mut *tx)
                .await
                .expect("insert");
            }
            tx.commit().await.expect("commit");
        }
    }
    seq - head
}

async fn bench(backend: &str, db: &str, dir: &std::path::Path) {
    let (ic, platform, viewer) = (token(db, "ic", "launch_ic"), token(db, "platform", "platform"), token(db, "viewer", "viewer"));
    let server = Server::start(db, &dir.join(format!("{backend}.log")));
    // CLUBGATE_BENCH_ONLY=commands|latency|read runs one part (when tuning one figure).
    let only = std::env::var("CLUBGATE_BENCH_ONLY").unwrap_or_default();
    let runs = |part: &str| only.is_empty() || only == part;
    if runs("commands") {
        commands_per_second(backend, &server.base, db).await;
    }
    if runs("latency") {
        append_to_stream_latency(backend, &server.base, &ic).await;
    }
    if runs("read") {
        read_by_cursor(backend, db, &server.base, &platform, &viewer).await;
    }
}

fn main() {
    // `cargo bench` passes `--bench` (and a filter, if any): this harness runs everything.
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    println!("ledger benchmarks against {} on loopback ({} CPUs)", binary(), std::thread::available_parallelism().map_or(0, |n| n.get()));
    {
        let cluster = pg::Cluster::start();
        let db = runtime.block_on(cluster.create_database());
        runtime.block_on(bench("postgres", &db, dir.path()));
    }
    let db = format!("sqlite://{}", dir.path().join("ledger.db").display());
    runtime.block_on(bench("sqlite", &db, dir.path()));
}
