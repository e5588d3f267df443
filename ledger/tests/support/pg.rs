//! A throw-away PostgreSQL cluster for tests: `initdb` into a temporary directory, `pg_ctl
//! start` on a free loopback port with its socket in that directory, `pg_ctl stop -m fast`
//! on drop. As root (initdb refuses root) the directory is given to the `postgres` user
//! and the server tools run through `runuser -u postgres`. fsync stays on: the cluster
//! keeps the durability a crash test relies on.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// The superuser `initdb` creates (trust authentication on the cluster's own sockets).
const SUPERUSER: &str = "clubgate";

/// A running cluster; stopped (and its directory removed) on drop.
pub(crate) struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

/// The newest `/usr/lib/postgresql/*/bin` with `initdb` (or `$PG_BIN_DIR`).
pub(crate) fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PG_BIN_DIR") {
        return PathBuf::from(dir);
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin).unwrap_or_else(|| {
        panic!("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin: run `cargo xtask setup` (Debian's postgresql)")
    })
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("address").port()
}

impl Cluster {
    /// Creates and starts a cluster; panics with the server's log when it cannot.
    pub(crate) fn start() -> Self {
        let bin = bin_dir();
        // In /tmp, not $TMPDIR: the `postgres` user must reach it (root's own temporary
        // directory may be private) and the socket path must stay under 108 bytes.
        let dir = tempfile::Builder::new().prefix("clubgate-pg").tempdir_in("/tmp").expect("temp dir in /tmp");
        let as_postgres = is_root();
        if as_postgres {
            let postgres = Command::new("id").args(["-u", "postgres"]).output().expect("id -u postgres");
            let uid: u32 = String::from_utf8_lossy(&postgres.stdout).trim().parse().expect("the user postgres exists");
            std::os::unix::fs::chown(dir.path(), Some(uid), None).expect("chown the cluster directory");
        }
        let mut cluster = Self { bin, dir, port: 0, as_postgres };
        let data = cluster.data();
        cluster.tool("initdb", &["-D", &data, "-A", "trust", "-U", SUPERUSER, "--no-sync", "-E", "UTF8", "--locale", "C"]);
        // A port picked free may be taken before the server binds it: try a few.
        for attempt in 0..5 {
            cluster.port = free_port();
            let server_options = format!("-p {} -k {} -c listen_addresses=127.0.0.1", cluster.port, cluster.dir.path().display());
            let log = cluster.dir.path().join("log");
            let log = log.to_string_lossy();
            let status = cluster.command("pg_ctl", &["-D", &data, "-o", &server_options, "-l", &log, "-w", "-t", "60", "start"]).status();
            if status.is_ok_and(|s| s.success()) {
                return cluster;
            }
            assert!(
                attempt < 4,
                "pg_ctl start failed; log:\n{}",
                std::fs::read_to_string(cluster.dir.path().join("log")).unwrap_or_default()
            );
        }
        unreachable!()
    }

    fn data(&self) -> String {
        self.dir.path().join("data").to_string_lossy().into_owned()
    }

    fn command(&self, tool: &str, args: &[&str]) -> Command {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        command.args(args).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped());
        command
    }

    fn tool(&self, tool: &str, args: &[&str]) {
        let output = self.command(tool, args).output().unwrap_or_else(|e| panic!("run {tool}: {e}"));
        assert!(output.status.success(), "{tool} {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    }

    /// The URL of database `name` over loopback TCP.
    pub(crate) fn url(&self, name: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates a fresh database and returns its URL.
    pub(crate) async fn create_database(&self) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(1);
        let name = format!("ledger_{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&self.url("postgres")).await.expect("connect to the cluster");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.expect("create database");
        <sqlx::PgConnection as sqlx::Connection>::close(admin).await.expect("close");
        self.url(&name)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.command("pg_ctl", &["-D", &data, "-w", "-t", "60", "-m", "fast", "stop"]).status();
    }
}
