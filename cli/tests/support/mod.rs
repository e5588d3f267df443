//! A real `clubgate-ledger` for the CLI's sync tests: the binary `cargo test --workspace`
//! built next to the test's own executable, serving a SQLite file of a temporary directory.

#![allow(dead_code)] // each test file uses what it needs

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The ledger binary next to this test's executable (target/debug/clubgate-ledger).
pub(crate) fn ledger_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let binary = exe.parent().and_then(|deps| deps.parent()).expect("target/debug").join("clubgate-ledger");
    assert!(binary.is_file(), "{} is missing: build it with `cargo build -p clubgate-ledger` (cargo xtask test does)", binary.display());
    binary
}

/// A running ledger; killed on drop.
pub(crate) struct Ledger {
    pub(crate) db: String,
    child: Child,
    pub(crate) url: String,
}

impl Ledger {
    /// Serves `DIR/ledger.db` on a free loopback port, with `extra` serve arguments.
    pub(crate) fn start(dir: &Path, extra: &[&str]) -> Self {
        let db = format!("sqlite://{}", dir.join("ledger.db").display());
        let mut child = Command::new(ledger_binary())
            .args(["--db", &db, "serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .env_remove("CLUBGATE_CRASHPOINT")
            .spawn()
            .expect("start clubgate-ledger");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("read stdout");
        let url = line.strip_prefix("listening on ").expect("listening line").trim().to_owned();
        Self { db, child, url }
    }

    /// A new token of `role` under `name`.
    pub(crate) fn token(&self, name: &str, role: &str) -> String {
        let output = Command::new(ledger_binary())
            .args(["--db", &self.db, "token", "issue", "--name", name, "--role", role])
            .output()
            .expect("token");
        assert!(output.status.success());
        String::from_utf8(output.stdout).expect("utf-8").trim().to_owned()
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `clubgate` with its data directory at `data_dir`.
pub(crate) fn clubgate_in(args: &[&str], data_dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_clubgate")).args(args).env("CLUBGATE_DATA_DIR", data_dir).output().expect("run clubgate")
}

/// Runs a command that must succeed and print one JSON document.
pub(crate) fn json_in(args: &[&str], data_dir: &Path) -> serde_json::Value {
    let output = clubgate_in(args, data_dir);
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

/// Runs a command that must be refused as bad input: exit code 2, one line naming `names`.
pub(crate) fn refused_in(args: &[&str], data_dir: &Path, names: &str) {
    let output = clubgate_in(args, data_dir);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(names), "{stderr:?} names {names:?}");
}
