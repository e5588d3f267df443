//! The real `clubgate-ledger` binary as the crash and concurrency tests drive it: a `serve`
//! process on port 0 (optionally with a crash point armed), the CLI, and an independent
//! check of the chain (RFC 8785 by `serde_json_canonicalizer`, not the service's `serde_jcs`).

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The binary under test; its test build has the `crashpoints` feature.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_clubgate-ledger");

/// A `serve` process; killed (SIGKILL) and reaped on drop.
pub(crate) struct Server {
    child: Mutex<Child>,
    stdout: Mutex<BufReader<ChildStdout>>,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
    log: PathBuf,
}

impl Server {
    /// Starts `serve` on `db` with its standard error in a new file under `log_dir`, with
    /// `CLUBGATE_CRASHPOINT=crashpoint` when given, and reads its first line of standard
    /// output. Blocking (it waits for the line): call it from `spawn_blocking` in async code.
    pub(crate) fn start(db: &str, log_dir: &Path, crashpoint: Option<&str>) -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let log = log_dir.join(format!("serve-{}.log", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)));
        let mut command = Command::new(BIN);
        command
            .args(["--db", db, "serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .env_remove("CLUBGATE_CRASHPOINT");
        if let Some(point) = crashpoint {
            command.env("CLUBGATE_CRASHPOINT", point);
        }
        let mut child = command.spawn().expect("start clubgate-ledger");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        // Bounded: read_line returns at the first newline, or at EOF if the server dies.
        stdout.read_line(&mut line).expect("read stdout");
        let Some(base) = line.strip_prefix("listening on ").map(str::trim_end) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("first stdout line {line:?} is not `listening on …`; stderr: {}", std::fs::read_to_string(&log).unwrap_or_default());
        };
        let base = base.to_owned();
        Self { child: Mutex::new(child), stdout: Mutex::new(stdout), base, log }
    }

    /// The exit status if the process has ended (reaped), else `None`.
    pub(crate) fn exited(&self) -> Option<ExitStatus> {
        self.child.lock().expect("child").try_wait().expect("try_wait")
    }

    /// Waits up to `within` for the process to end by itself.
    pub(crate) async fn wait_exit(&self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Kills the process with SIGKILL (a no-op once it has ended) and reaps it.
    pub(crate) fn kill(&self) -> ExitStatus {
        let mut child = self.child.lock().expect("child");
        let _ = child.kill();
        child.wait().expect("wait")
    }

    /// What the process printed on standard output after its first line (it has ended).
    pub(crate) fn rest_of_stdout(&self) -> String {
        let mut rest = String::new();
        self.stdout.lock().expect("stdout").read_to_string(&mut rest).expect("read the rest of stdout");
        rest
    }

    /// The process's standard error so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(child) = self.child.get_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Whether a process ended by SIGKILL.
pub(crate) fn killed_by_sigkill(status: ExitStatus) -> bool {
    status.signal() == Some(9)
}

/// Runs the CLI on `db` (blocking).
pub(crate) fn cli(db: &str, args: &[&str]) -> Output {
    Command::new(BIN).args(["--db", db]).args(args).env_remove("CLUBGATE_CRASHPOINT").output().expect("run clubgate-ledger")
}

/// Issues a token (blocking).
pub(crate) fn token(db: &str, name: &str, role: &str) -> String {
    let output = cli(db, &["token", "issue", "--name", name, "--role", role]);
    assert!(output.status.success(), "token issue: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8").trim_end().to_owned()
}

/// `clubgate-ledger --db DB verify` passes and counts `records` (blocking).
pub(crate) fn assert_verify(db: &str, records: usize) {
    let output = cli(db, &["verify"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "verify: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), format!("chain ok: {records} records\n"));
}

/// Every record of the log, read by cursor in pages of 10,000.
pub(crate) async fn all_records(client: &reqwest::Client, base: &str, token: &str) -> Vec<Value> {
    let mut records: Vec<Value> = Vec::new();
    loop {
        let after = records.len();
        let response =
            client.get(format!("{base}/v1/events?after={after}&limit=10000")).bearer_auth(token).send().await.expect("read the log");
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        let page: Value = response.json().await.expect("page");
        let batch = page["records"].as_array().expect("records");
        if batch.is_empty() {
            assert_eq!(page["head"].as_u64(), Some(after as u64), "the head is the last record");
            return records;
        }
        records.extend(batch.iter().cloned());
    }
}

/// sha256(prev ‖ u64_be(seq) ‖ JCS(body ∪ {"kind":kind})), recomputed independently.
pub(crate) fn expected_hash(prev: &[u8], seq: u64, kind: &str, body: &Value) -> Vec<u8> {
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

/// Seq gapless from 1, each `prev` the previous hash, each hash recomputed.
pub(crate) fn assert_chain(records: &[Value]) {
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

/// Each record's `body.id` appears once; the map from id to seq.
pub(crate) fn ids_once(records: &[Value]) -> std::collections::HashMap<String, u64> {
    let mut seen = std::collections::HashMap::new();
    for record in records {
        let id = record["body"]["id"].as_str().expect("every record has an id").to_owned();
        let seq = record["seq"].as_u64().expect("seq");
        if let Some(first) = seen.insert(id.clone(), seq) {
            panic!("id {id} is in the log twice: seq {first} and {seq}");
        }
    }
    seen
}
