//! The ledger's compile-time query data (`ledger/.sqlx/`). The ledger has two back ends, so
//! one `cargo sqlx prepare` (one `DATABASE_URL`) cannot describe its queries: each back end
//! is compiled alone (`LEDGER_SQLX_PREPARE=sqlite|postgres`, see `ledger/build.rs`) against a
//! live database of its kind built from its migrations — a temporary SQLite file and a
//! throw-away PostgreSQL cluster — with the macros writing their data to one folder.
//! `write` puts it in `ledger/.sqlx/`; `check` compares it with what is committed.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, root, run, setup, target_dir};

/// A throw-away PostgreSQL cluster (initdb + pg_ctl on a free loopback port), stopped on drop.
struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    fn start() -> Result<Self, String> {
        let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .map_err(|e| format!("no /usr/lib/postgresql ({e}): run `cargo xtask setup`"))?
            .flatten()
            .filter_map(|entry| {
                let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
                let bin = entry.path().join("bin");
                bin.join("initdb").is_file().then_some((version, bin))
            })
            .collect();
        found.sort();
        let (_, bin) = found.pop().ok_or("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin: run `cargo xtask setup`")?;
        let dir = PathBuf::from(format!("/tmp/clubgate-xtask-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let as_postgres = std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false);
        if as_postgres {
            let output = Command::new("id").args(["-u", "postgres"]).output().map_err(|e| format!("id -u postgres: {e}"))?;
            let uid: u32 = String::from_utf8_lossy(&output.stdout).trim().parse().map_err(|_| "the user postgres does not exist")?;
            std::os::unix::fs::chown(&dir, Some(uid), None).map_err(|e| format!("chown {}: {e}", dir.display()))?;
        }
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| format!("no free port: {e}"))?.port();
        let cluster = Self { bin, dir, port, as_postgres };
        let data = cluster.dir.join("data");
        let data = data.to_string_lossy();
        run(&mut cluster.tool("initdb", &["-D", &data, "-A", "trust", "-U", "clubgate", "--no-sync", "-E", "UTF8", "--locale", "C"]))?;
        let options = format!("-p {port} -k {} -c listen_addresses=127.0.0.1", cluster.dir.display());
        let log = cluster.dir.join("log");
        run(&mut cluster.tool("pg_ctl", &["-D", &data, "-o", &options, "-l", &log.to_string_lossy(), "-w", "-t", "60", "start"]))?;
        run(&mut cluster.tool("createdb", &["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "clubgate", "ledger"]))?;
        Ok(cluster)
    }

    fn tool(&self, name: &str, args: &[&str]) -> Command {
        let program = self.bin.join(name);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program).args(args);
            command
        } else {
            let mut command = Command::new(program);
            command.args(args);
            command
        }
    }

    fn url(&self) -> String {
        format!("postgres://clubgate@127.0.0.1:{}/ledger", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self.tool("pg_ctl", &["-D", &data.to_string_lossy(), "-m", "fast", "-w", "stop"]).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn query_files(dir: &Path) -> Result<BTreeMap<String, PathBuf>, String> {
    let mut files = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(files) };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("query-") && name.ends_with(".json") {
            files.insert(name, entry.path());
        }
    }
    Ok(files)
}

/// Describes every query of the ledger into `out` (emptied first).
fn generate(out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    for path in query_files(out)?.values() {
        std::fs::remove_file(path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
    }
    let sqlx = setup::cargo_bin("sqlx");
    let scratch = target_dir().join("ledger-sqlx-scratch");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let sqlite_url = format!("sqlite:{}", scratch.join("ledger.db").display());
    run(Command::new(&sqlx).args(["database", "create", "--database-url", &sqlite_url]))?;
    run(Command::new(&sqlx).current_dir(root()).args([
        "migrate",
        "run",
        "--source",
        "ledger/migrations/sqlite",
        "--database-url",
        &sqlite_url,
    ]))?;
    let cluster = Cluster::start()?;
    let postgres_url = cluster.url();
    // psql, not sqlx-cli: the project's sqlx-cli is built for SQLite only.
    let mut migrations: Vec<PathBuf> = std::fs::read_dir(root().join("ledger/migrations/postgres"))
        .map_err(|e| format!("cannot read ledger/migrations/postgres: {e}"))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .collect();
    migrations.sort();
    for migration in migrations {
        run(cluster.tool("psql", &["-q", "-v", "ON_ERROR_STOP=1", "-d", &postgres_url, "-f"]).arg(&migration))?;
    }
    for (backend, url) in [("sqlite", &sqlite_url), ("postgres", &postgres_url)] {
        run(cargo()
            .args(["check", "-p", "clubgate-ledger", "--lib"])
            .env("SQLX_OFFLINE", "false")
            .env("DATABASE_URL", url)
            .env("SQLX_OFFLINE_DIR", out)
            .env("LEDGER_SQLX_PREPARE", backend))?;
    }
    drop(cluster);
    if query_files(out)?.is_empty() {
        return Err(format!("no query data was written to {}", out.display()));
    }
    Ok(())
}

/// `cargo xtask sqlx-prepare`: writes `ledger/.sqlx/`.
pub(crate) fn write() -> Result<(), String> {
    let out = root().join("ledger").join(".sqlx");
    generate(&out)?;
    eprintln!("xtask: {} query files in {}; commit them", query_files(&out)?.len(), out.display());
    Ok(())
}

/// Checks that `ledger/.sqlx/` is what the migrations and queries give now.
pub(crate) fn check() -> Result<(), String> {
    let out = target_dir().join("ledger-sqlx-check");
    generate(&out)?;
    let committed = query_files(&root().join("ledger").join(".sqlx"))?;
    let fresh = query_files(&out)?;
    // Compared without white space: the macros write the files pretty-printed.
    let read = |path: &Path| -> Result<String, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Ok(text.split_whitespace().collect())
    };
    for (name, path) in &fresh {
        let Some(kept) = committed.get(name) else {
            return Err(format!("ledger/.sqlx has no {name}: a query changed; run `cargo xtask sqlx-prepare` and commit ledger/.sqlx"));
        };
        if read(path)? != read(kept)? {
            return Err(format!("ledger/.sqlx/{name} is stale: run `cargo xtask sqlx-prepare` and commit ledger/.sqlx"));
        }
    }
    if let Some(extra) = committed.keys().find(|name| !fresh.contains_key(*name)) {
        return Err(format!("ledger/.sqlx/{extra} is no longer a query of the ledger: run `cargo xtask sqlx-prepare`"));
    }
    eprintln!("xtask: ledger/.sqlx holds the data of all {} ledger queries", fresh.len());
    Ok(())
}
