//! Issue 11 point 6, the Grafana export: `clubgate export grafana --out DIR` writes the four
//! dashboards of seed §14 with what Grafana needs to load them, and every query of every
//! panel runs against a real ledger's PostgreSQL database holding simulated launch traffic
//! (fed through `POST /v1/events`) and gives the figures the core computes over the same
//! events — p95 pass-through per window (global, per network, per wallet), queue depth,
//! webhook success, dead-letter depth, SLO attainment, the error budget, EOD per business
//! day, partial/T+1 shares, unsettled sessions, incidents — plus volumes and the phase cap
//! recomputed here from the events and the plan.
//!
//! Grafana itself is not run: the two macros the dashboards use, `$__unixEpochFrom()` and
//! `$__unixEpochTo()`, are expanded here exactly as Grafana expands them (whole Unix seconds
//! of the dashboard's range) before `psql` runs each query.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use clubgate_core::events::parse_jsonl;
use clubgate_core::ledger::{ns, Ledger, Scope, MINUTE_NS};
use clubgate_core::plan::{Network, Plan};
use clubgate_core::report::{report, Period, Report};
use clubgate_core::schedule::time_zone;
use clubgate_core::DEFAULT_PLAN_TOML;
use jiff::Timestamp;
use serde_json::{json, Value};

const CLUBGATE: &str = env!("CARGO_BIN_EXE_clubgate");
/// T0 of the simulated launch day (plan zone Europe/Warsaw: 09:00 UTC).
const T0: &str = "2026-12-07T10:00";
/// The daily target given to the export (token units): the caps are 30 % and 100 % of it.
const DAILY_TARGET_TOKENS: u128 = 1_000_000;
const NS_PER_S: i64 = 1_000_000_000;

// ---- The export and its JSON ----------------------------------------------------------------

fn run(args: &[&str]) -> Output {
    Command::new(CLUBGATE).args(args).env("CLUBGATE_DATA_DIR", "/nonexistent-clubgate-data-dir").output().expect("run clubgate")
}

/// Runs the export into `dir` and returns the dashboards by name (`executive`, …).
fn export(dir: &Path) -> BTreeMap<String, Value> {
    let target = DAILY_TARGET_TOKENS.to_string();
    let output = run(&["--json", "export", "grafana", "--out", dir.to_str().unwrap(), "--t0", T0, "--daily-target", &target]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let answer: Value = serde_json::from_slice(&output.stdout).expect("--json output");
    let files = answer["files"].as_array().expect("files");
    assert_eq!(files.len(), 4, "{answer}");
    let mut dashboards = BTreeMap::new();
    for file in files {
        let path = PathBuf::from(file["file"].as_str().expect("file"));
        assert_eq!(path.parent(), Some(dir), "written into --out: {}", path.display());
        let model: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("read the dashboard")).expect("the file is JSON");
        assert_eq!(file["uid"], model["uid"]);
        assert_eq!(file["panels"].as_u64(), Some(model["panels"].as_array().unwrap().len() as u64));
        dashboards.insert(file["dashboard"].as_str().expect("dashboard").to_owned(), model);
    }
    dashboards
}

/// One target of one panel.
#[derive(Clone)]
struct Query {
    dashboard: String,
    title: String,
    ref_id: String,
    sql: String,
}

/// Every target of every panel.
fn queries(dashboards: &BTreeMap<String, Value>) -> Vec<Query> {
    let mut all = Vec::new();
    for (name, model) in dashboards {
        for panel in model["panels"].as_array().unwrap() {
            for target in panel["targets"].as_array().unwrap() {
                all.push(Query {
                    dashboard: name.clone(),
                    title: panel["title"].as_str().unwrap().to_owned(),
                    ref_id: target["refId"].as_str().unwrap().to_owned(),
                    sql: target["rawSql"].as_str().unwrap().to_owned(),
                });
            }
        }
    }
    all
}

/// The goal: each file is a dashboard Grafana can import — uid (unique, stable), title,
/// schemaVersion, time settings, the plan zone, the datasource variable — and each panel has
/// a unique id, a type, a title, a place on the 24-column grid that no other panel takes, the
/// ledger's datasource, and targets with refId, format and rawSql whose only macros are the
/// two this test expands.
#[test]
fn the_four_dashboards_have_what_grafana_needs() {
    let dir = tempfile::tempdir().unwrap();
    let dashboards = export(dir.path());
    assert_eq!(dashboards.keys().map(String::as_str).collect::<Vec<_>>(), ["executive", "treasury", "trust", "webhooks"]);
    let uids: BTreeSet<&str> = dashboards.values().map(|d| d["uid"].as_str().expect("uid")).collect();
    assert_eq!(uids, BTreeSet::from(["clubgate-executive", "clubgate-treasury", "clubgate-trust", "clubgate-webhooks"]));
    let datasource = json!({ "type": "grafana-postgresql-datasource", "uid": "${DS_CLUBGATE_LEDGER}" });
    for (name, model) in &dashboards {
        let uid = model["uid"].as_str().unwrap();
        assert!(uid.len() <= 40 && uid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "{uid}");
        assert!(model["title"].as_str().is_some_and(|t| t.starts_with("ClubGate — ")), "{name}: {}", model["title"]);
        assert!(model["schemaVersion"].as_u64().is_some_and(|v| v >= 36), "{name}: schemaVersion {}", model["schemaVersion"]);
        assert_eq!(model["timezone"], "Europe/Warsaw", "{name}: the plan zone");
        assert!(
            model["time"]["from"].as_str().is_some_and(|f| f.starts_with("now-")) && model["time"]["to"] == "now",
            "{name}: {}",
            model["time"]
        );
        let variables = model["templating"]["list"].as_array().expect("templating.list");
        assert!(
            variables
                .iter()
                .any(|v| v["name"] == "DS_CLUBGATE_LEDGER" && v["type"] == "datasource" && v["query"] == "grafana-postgresql-datasource"),
            "{name}: the datasource variable: {variables:?}"
        );

        let panels = model["panels"].as_array().expect("panels");
        assert!(!panels.is_empty(), "{name}: no panels");
        let mut ids = BTreeSet::new();
        let mut cells = BTreeSet::new();
        for panel in panels {
            let title = panel["title"].as_str().unwrap_or_default();
            assert!(!title.is_empty(), "{name}: a panel without a title: {panel}");
            let id = panel["id"].as_u64().unwrap_or_else(|| panic!("{name}/{title}: no integer id"));
            assert!(ids.insert(id), "{name}/{title}: id {id} twice");
            assert!(
                ["timeseries", "stat", "table", "bargauge"].contains(&panel["type"].as_str().unwrap_or_default()),
                "{name}/{title}: type {}",
                panel["type"]
            );
            let grid = &panel["gridPos"];
            let [h, w, x, y] = ["h", "w", "x", "y"].map(|k| grid[k].as_u64().unwrap_or_else(|| panic!("{name}/{title}: gridPos.{k}")));
            assert!(h > 0 && w > 0 && x + w <= 24, "{name}/{title}: gridPos {grid}");
            for row in y..y + h {
                for column in x..x + w {
                    assert!(cells.insert((row, column)), "{name}/{title} overlaps another panel at ({row}, {column})");
                }
            }
            assert_eq!(panel["datasource"], datasource, "{name}/{title}");
            let targets = panel["targets"].as_array().unwrap_or_else(|| panic!("{name}/{title}: no targets"));
            assert!(!targets.is_empty(), "{name}/{title}: no targets");
            let mut ref_ids = BTreeSet::new();
            for target in targets {
                assert!(ref_ids.insert(target["refId"].as_str().expect("refId")), "{name}/{title}: refId twice");
                assert_eq!(target["datasource"], datasource, "{name}/{title}");
                let sql = target["rawSql"].as_str().unwrap_or_default();
                assert!(sql.starts_with("WITH ") && sql.contains("SELECT"), "{name}/{title}: rawSql {sql:?}");
                let format = target["format"].as_str().unwrap_or_default();
                assert!(format == "time_series" || format == "table", "{name}/{title}: format {format}");
                if format == "time_series" {
                    assert!(sql.contains(" AS time"), "{name}/{title}: a time series needs a time column");
                }
                let rest = sql.replace("$__unixEpochFrom()", "").replace("$__unixEpochTo()", "");
                assert!(!rest.contains('$'), "{name}/{title}: a macro or variable this test does not expand: {sql}");
            }
        }
    }
}

/// The goal: without a daily target there is no phase cap to draw — the export refuses,
/// naming the flags, and writes nothing.
#[test]
fn the_export_needs_a_daily_target() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = run(&["export", "grafana", "--out", out.to_str().unwrap(), "--t0", T0]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--daily-target") && stderr.contains("--treasury"), "{stderr}");
    assert!(!out.exists(), "nothing written");
    let output = run(&["export", "grafana", "--out", out.to_str().unwrap(), "--t0", T0, "--daily-target", "1.0000001"]);
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
}

// ---- A throw-away PostgreSQL cluster and a ledger on it --------------------------------------

/// `initdb` into a temporary directory, `pg_ctl start` on a free loopback port (as the ledger's
/// tests do, ledger/tests/support/pg.rs; as root through `runuser -u postgres`), `pg_ctl stop`
/// on drop.
struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    fn start() -> Self {
        let bin = std::env::var_os("PG_BIN_DIR").map(PathBuf::from).unwrap_or_else(|| {
            let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
                .filter(|(_, bin): &(u32, PathBuf)| bin.join("initdb").is_file())
                .collect();
            found.sort();
            found.pop().map(|(_, bin)| bin).expect("PostgreSQL server binaries in /usr/lib/postgresql/*/bin: run `cargo xtask setup`")
        });
        let dir = tempfile::Builder::new().prefix("clubgate-pg").tempdir_in("/tmp").expect("temp dir");
        let as_postgres = std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false);
        if as_postgres {
            let id = Command::new("id").args(["-u", "postgres"]).output().expect("id -u postgres");
            let uid: u32 = String::from_utf8_lossy(&id.stdout).trim().parse().expect("the user postgres exists");
            std::os::unix::fs::chown(dir.path(), Some(uid), None).expect("chown");
        }
        let mut cluster = Self { bin, dir, port: 0, as_postgres };
        let data = cluster.data();
        cluster.tool("initdb", &["-D", &data, "-A", "trust", "-U", "clubgate", "--no-sync", "-E", "UTF8", "--locale", "C"]);
        for attempt in 0..5 {
            cluster.port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1", cluster.port, cluster.dir.path().display());
            let log = cluster.dir.path().join("log");
            let status =
                cluster.command("pg_ctl", &["-D", &data, "-o", &options, "-l", log.to_str().unwrap(), "-w", "-t", "60", "start"]).status();
            if status.is_ok_and(|s| s.success()) {
                return cluster;
            }
            assert!(attempt < 4, "pg_ctl start failed: {}", std::fs::read_to_string(&log).unwrap_or_default());
        }
        unreachable!()
    }

    fn data(&self) -> String {
        self.dir.path().join("data").to_string_lossy().into_owned()
    }

    fn command(&self, tool: &str, args: &[&str]) -> Command {
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(self.bin.join(tool));
            command
        } else {
            Command::new(self.bin.join(tool))
        };
        command.args(args).stdout(Stdio::null()).stderr(Stdio::piped());
        command
    }

    fn tool(&self, tool: &str, args: &[&str]) {
        let output = self.command(tool, args).output().unwrap_or_else(|e| panic!("{tool}: {e}"));
        assert!(output.status.success(), "{tool} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://clubgate@127.0.0.1:{}/{database}", self.port)
    }

    /// Runs one statement with `psql` (no psqlrc, stop on error, UTC); the rows, or the
    /// server's error.
    fn query(&self, database: &str, sql: &str) -> Result<Rows, String> {
        let output = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "clubgate", "-d", database])
            .args(["-A", "-F", "\u{1f}", "-R", "\u{1e}", "-P", "footer=off", "-P", "null=\u{2}NULL"])
            .args(["-c", sql])
            .env("PGTZ", "UTC")
            .env_remove("PGOPTIONS")
            .output()
            .expect("run psql");
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        let text = String::from_utf8(output.stdout).expect("UTF-8");
        let mut records = text.trim_end_matches('\n').split('\u{1e}');
        let columns: Vec<String> = records.next().unwrap_or_default().split('\u{1f}').map(str::to_owned).collect();
        let rows = records
            .filter(|r| !r.is_empty())
            .map(|r| r.split('\u{1f}').map(|f| (f != "\u{2}NULL").then(|| f.to_owned())).collect::<Vec<_>>())
            .inspect(|row| assert_eq!(row.len(), columns.len(), "a row of {columns:?}"))
            .collect();
        Ok(Rows { columns, rows })
    }

    fn create_database(&self, name: &str) -> String {
        self.query("postgres", &format!("CREATE DATABASE {name}")).expect("create database");
        self.url(name)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.command("pg_ctl", &["-D", &data, "-w", "-t", "60", "-m", "fast", "stop"]).status();
    }
}

/// A query's answer: column names and text values (None for NULL).
#[derive(Debug)]
struct Rows {
    columns: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
}

impl Rows {
    fn column(&self, name: &str) -> usize {
        self.columns.iter().position(|c| c == name).unwrap_or_else(|| panic!("no column {name:?} in {:?}", self.columns))
    }

    /// The values of column `name`, row by row.
    fn values(&self, name: &str) -> Vec<Option<&str>> {
        let index = self.column(name);
        self.rows.iter().map(|row| row[index].as_deref()).collect()
    }

    fn text(&self, row: usize, name: &str) -> &str {
        self.rows[row][self.column(name)].as_deref().unwrap_or_else(|| panic!("{name} is NULL in row {row}"))
    }

    fn int(&self, row: usize, name: &str) -> i64 {
        self.text(row, name).parse().unwrap_or_else(|e| panic!("{name}: {e}"))
    }
}

/// The ledger on a PostgreSQL database: `serve` on a free loopback port (its migrations make
/// the tables), killed on drop.
struct PgLedger {
    db: String,
    url: String,
    child: Child,
}

impl PgLedger {
    fn start(db: &str) -> Self {
        use std::io::BufRead;
        let mut child = Command::new(support::ledger_binary())
            .args(["--db", db, "serve", "--listen", "127.0.0.1:0", "--rate-limit", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .env_remove("CLUBGATE_CRASHPOINT")
            .spawn()
            .expect("start clubgate-ledger");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("read stdout");
        let url = line.strip_prefix("listening on ").unwrap_or_else(|| panic!("not listening: {line:?}")).trim().to_owned();
        Self { db: db.to_owned(), url, child }
    }

    fn token(&self, role: &str) -> String {
        let output = Command::new(support::ledger_binary())
            .args(["--db", &self.db, "token", "issue", "--name", role, "--role", role])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    }

    /// POSTs `body` to `path`; the status and answer.
    fn post(&self, path: &str, token: &str, body: String) -> (u16, String) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let response =
                reqwest::Client::new().post(format!("{}{path}", self.url)).bearer_auth(token).body(body).send().await.expect("POST");
            (response.status().as_u16(), response.text().await.unwrap_or_default())
        })
    }

    /// Appends a `clubgate simulate` file's events (without `seq`: the ledger assigns it).
    fn append(&self, token: &str, jsonl: &str) {
        let lines: Vec<String> = jsonl
            .lines()
            .map(|line| {
                let mut event: Value = serde_json::from_str(line).unwrap();
                event.as_object_mut().unwrap().remove("seq");
                event.to_string()
            })
            .collect();
        for batch in lines.chunks(1_000) {
            let (status, answer) = self.post("/v1/events", token, batch.join("\n") + "\n");
            assert_eq!(status, 200, "{answer}");
        }
    }
}

impl Drop for PgLedger {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---- What the core says ----------------------------------------------------------------------

/// A scenario's events as `clubgate simulate` writes them, and the core's ledger of them.
struct Simulated {
    jsonl: String,
    ledger: Ledger,
}

/// The core's report over `[from_ns, to_ns)` in the plan's windows.
fn core_report(ledger: &Ledger, plan: &Plan, from_ns: i64, to_ns: i64) -> Report {
    let tz = time_zone(&plan.time_zone).unwrap();
    let period = Period { from: from_ns, to: to_ns, window_minutes: plan.slos.window_minutes, t0: None };
    report(ledger, plan, &tz, period).expect("the core's report")
}

fn simulate(scenario: &str, dir: &Path) -> Simulated {
    let file = dir.join(format!("{scenario}.jsonl"));
    let output = run(&["simulate", "--scenario", scenario, "--t0", T0, "--hours", "24", "--out", file.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let jsonl = std::fs::read_to_string(&file).unwrap();
    let (ledger, errors) = parse_jsonl(&jsonl);
    assert!(errors.is_empty(), "{errors:?}");
    Simulated { jsonl, ledger }
}

/// psql's `timestamptz` text (UTC) as ns since the epoch: `2026-12-07 09:15:00+00`.
fn time_ns(text: &str) -> i64 {
    let rfc3339 = format!("{}:00", text.replacen(' ', "T", 1));
    ns(rfc3339.parse::<Timestamp>().unwrap_or_else(|e| panic!("{text:?}: {e}")))
}

/// A token-unit amount in SQL's numeric text as base units: `78422.000000000000` → 78422000000.
fn base_units(text: &str) -> u128 {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let (kept, rest) = fraction.split_at(fraction.len().min(6));
    assert!(rest.bytes().all(|b| b == b'0'), "{text}: finer than a base unit");
    whole.parse::<u128>().unwrap() * 1_000_000 + format!("{kept:0<6}").parse::<u128>().unwrap()
}

fn label(scope: &Scope) -> String {
    match scope {
        Scope::Global => "global".to_owned(),
        Scope::Network(Network::Erc20) => "erc20".to_owned(),
        Scope::Network(Network::Trc20) => "trc20".to_owned(),
        Scope::Wallet(wallet) => wallet.clone(),
    }
}

// ---- Every query against PostgreSQL, cross-checked ---------------------------------------------

/// The dashboards' queries with the range macros expanded, run on one database.
struct Dashboards<'a> {
    cluster: &'a Cluster,
    database: String,
    queries: Vec<Query>,
    from_s: i64,
    to_s: i64,
}

impl Dashboards<'_> {
    fn expand(&self, sql: &str) -> String {
        sql.replace("$__unixEpochFrom()", &self.from_s.to_string()).replace("$__unixEpochTo()", &self.to_s.to_string())
    }

    /// Runs every query; a failing one fails the test with its dashboard, panel and error.
    fn run_all(&self) -> usize {
        for query in &self.queries {
            if let Err(error) = self.cluster.query(&self.database, &self.expand(&query.sql)) {
                panic!("{} / {} / {} fails on PostgreSQL: {error}\n{}", query.dashboard, query.title, query.ref_id, query.sql);
            }
        }
        self.queries.len()
    }

    /// The answer of the query of `title` (refId `ref_id`) on `dashboard`.
    fn rows(&self, dashboard: &str, title: &str, ref_id: &str) -> Rows {
        let query = self
            .queries
            .iter()
            .find(|q| q.dashboard == dashboard && q.title == title && q.ref_id == ref_id)
            .unwrap_or_else(|| panic!("no panel {title:?} ({ref_id}) on {dashboard}"));
        self.cluster.query(&self.database, &self.expand(&query.sql)).unwrap_or_else(|e| panic!("{title}: {e}"))
    }
}

/// `time` → value of a single-series time series.
fn series(rows: &Rows, value: &str) -> BTreeMap<i64, String> {
    let times = rows.values("time");
    let values = rows.values(value);
    let mut map = BTreeMap::new();
    for (time, value) in times.into_iter().zip(values) {
        let previous = map.insert(time_ns(time.expect("time")), value.expect("a value").to_owned());
        assert!(previous.is_none(), "two rows at one time");
    }
    map
}

/// (`time`, `metric`) → value of a multi-series time series.
fn series_by_metric(rows: &Rows, value: &str) -> BTreeMap<(i64, String), String> {
    let (times, metrics, values) = (rows.values("time"), rows.values("metric"), rows.values(value));
    let mut map = BTreeMap::new();
    for ((time, metric), value) in times.into_iter().zip(metrics).zip(values) {
        map.insert((time_ns(time.unwrap()), metric.unwrap().to_owned()), value.unwrap().to_owned());
    }
    map
}

/// Checks every figure the dashboards share with the core, for one scenario.
fn check_against_the_core(dashboards: &Dashboards<'_>, simulated: &Simulated, plan: &Plan) -> usize {
    let (from_ns, to_ns) = (dashboards.from_s * NS_PER_S, dashboards.to_s * NS_PER_S);
    let report = &core_report(&simulated.ledger, plan, from_ns, to_ns);
    let ledger = &simulated.ledger;
    let tz = time_zone(&plan.time_zone).unwrap();
    let mut figures = 0;

    // p95 pass-through per window: global (Executive), per network and per wallet (Treasury).
    let global = series(&dashboards.rows("executive", "p95 pass-through per 15-min window", "A"), "p95 pass-through");
    let expected: BTreeMap<i64, String> = report
        .windows
        .iter()
        .filter(|w| w.scope == Scope::Global)
        .filter_map(|w| w.pass_through_p95.map(|p| (w.start, p.to_string())))
        .collect();
    assert!(!expected.is_empty(), "the range has p95 windows");
    assert_eq!(global, expected, "global p95 pass-through per window");
    figures += expected.len();
    let last_complete = dashboards.rows("executive", "p95 pass-through — last complete 15-min window", "A");
    assert_eq!(series(&last_complete, "p95 pass-through"), expected, "the stat reads the same series");
    for (title, is_scope) in [
        ("p95 pass-through per network (15-min windows)", (|s: &Scope| matches!(s, Scope::Network(_))) as fn(&Scope) -> bool),
        ("p95 pass-through per hot wallet (15-min windows)", |s: &Scope| matches!(s, Scope::Wallet(_))),
    ] {
        let sql = series_by_metric(&dashboards.rows("treasury", title, "A"), "p95 pass-through");
        let expected: BTreeMap<(i64, String), String> = report
            .windows
            .iter()
            .filter(|w| is_scope(&w.scope))
            .filter_map(|w| w.pass_through_p95.map(|p| ((w.start, label(&w.scope)), p.to_string())))
            .collect();
        assert_eq!(sql, expected, "{title}");
        figures += expected.len();
    }

    // Queue depth at each window's end, per network and per wallet (0 included).
    for (title, is_scope) in [
        ("Payout queue depth per network", (|s: &Scope| matches!(s, Scope::Network(_))) as fn(&Scope) -> bool),
        ("Payout queue depth per hot wallet", |s: &Scope| matches!(s, Scope::Wallet(_))),
    ] {
        let sql = series_by_metric(&dashboards.rows("treasury", title, "A"), "queue depth");
        let expected: BTreeMap<(i64, String), String> = report
            .windows
            .iter()
            .filter(|w| is_scope(&w.scope))
            .map(|w| ((w.end, label(&w.scope)), w.queue_depth_end.to_string()))
            .collect();
        assert_eq!(sql, expected, "{title}");
        figures += expected.len();
    }

    // Webhook success per window (float8 division, as the core's ratio) and dead-letter depth.
    let success = series(&dashboards.rows("webhooks", "Webhook success per 15-min window", "A"), "webhook success");
    let expected: BTreeMap<i64, String> = report
        .windows
        .iter()
        .filter(|w| w.scope == Scope::Global)
        .filter_map(|w| w.webhooks.map(|(ok, all)| (w.start, (ok as f64 / all as f64).to_string())))
        .collect();
    let success: BTreeMap<i64, String> = success.into_iter().map(|(t, v)| (t, v.parse::<f64>().unwrap().to_string())).collect();
    assert_eq!(success, expected, "webhook success per window");
    figures += expected.len();
    let attempts = dashboards.rows("webhooks", "Webhook attempts per 15-min window", "A");
    for (row, time) in attempts.values("time").into_iter().enumerate() {
        let window = report.windows.iter().find(|w| w.scope == Scope::Global && w.start == time_ns(time.unwrap())).expect("a window");
        let (ok, all) = window.webhooks.expect("attempts in the window");
        assert_eq!((attempts.int(row, "2xx"), attempts.int(row, "failed")), (ok as i64, (all - ok) as i64));
    }
    let dead_letters = series(&dashboards.rows("webhooks", "Dead-letter depth", "A"), "dead-letter depth");
    let expected: BTreeMap<i64, String> =
        report.windows.iter().filter(|w| w.scope == Scope::Global).map(|w| (w.end, w.dead_letter_depth_end.unwrap().to_string())).collect();
    assert_eq!(dead_letters, expected, "dead-letter depth at each window's end");
    figures += expected.len();
    let now = dashboards.rows("webhooks", "Dead-letter depth at the end of the range", "A");
    assert_eq!(now.int(0, "dead-letter depth"), ledger.dead_letter_depth(to_ns));

    // SLO attainment and the webhook error budget.
    let slo = dashboards.rows("executive", "SLO attainment over the range", "A");
    let ratio = |met: usize, total: usize| (total > 0).then(|| (met as f64 / total as f64).to_string());
    for (row, attainment) in [report.slo.pass_through, report.slo.eod, report.slo.webhooks].into_iter().enumerate() {
        assert_eq!(
            (slo.int(row, "met"), slo.int(row, "with data"), slo.values("attainment")[row].map(|v| v.parse::<f64>().unwrap().to_string())),
            (attainment.met as i64, attainment.total as i64, ratio(attainment.met, attainment.total)),
            "SLO {}",
            slo.text(row, "SLO")
        );
        figures += 2;
    }
    let budget = dashboards.rows("webhooks", "Webhook error budget", "A");
    assert_eq!(budget.int(0, "failures allowed"), report.slo.webhook_budget_failures as i64);
    assert_eq!(budget.int(0, "failures"), report.slo.webhook_failures as i64);
    assert_eq!(budget.int(0, "error budget left"), report.slo.webhook_budget_failures as i64 - report.slo.webhook_failures as i64);
    figures += 3;

    // EOD per business day, p95 EOD, partial / T+1 shares, unsettled sessions.
    let eod = dashboards.rows("trust", "EOD per business day", "A");
    assert_eq!(eod.rows.len(), report.eod.len(), "business days");
    for (row, day) in report.eod.iter().enumerate() {
        assert_eq!(eod.text(row, "business day"), day.business_day.to_string());
        assert_eq!(eod.int(row, "sessions"), day.sessions as i64);
        assert_eq!(eod.values("p95 EOD")[row].map(str::to_owned), day.eod_p95.map(|p| p.to_string()), "p95 EOD of {}", day.business_day);
        assert_eq!(eod.int(row, "unsettled"), day.unsettled as i64);
        figures += 3;
    }
    let p95_days = series(&dashboards.rows("trust", "p95 EOD — latest business day", "A"), "p95 EOD");
    assert_eq!(
        p95_days.values().cloned().collect::<Vec<_>>(),
        report.eod.iter().filter_map(|d| d.eod_p95.map(|p| p.to_string())).collect::<Vec<_>>()
    );
    let shares = dashboards.rows("trust", "Partial and T+1 shares", "A");
    let (full, partial, next_day) = report.kpi.settlements;
    let settled = full + partial + next_day;
    assert_eq!(shares.int(0, "settlements"), settled as i64);
    let share = |part: u64| (settled > 0).then(|| (part as f64 / settled as f64).to_string());
    assert_eq!(shares.values("partial share")[0].map(|v| v.parse::<f64>().unwrap().to_string()), share(partial), "partial share");
    assert_eq!(shares.values("T+1 share")[0].map(|v| v.parse::<f64>().unwrap().to_string()), share(next_day), "T+1 share");
    figures += 3;
    let after = i64::from(plan.rollback.eod_unsettled.after_cut_off_minutes) * MINUTE_NS;
    let after_title = format!("unsettled {} min after cut-off", plan.rollback.eod_unsettled.after_cut_off_minutes);
    let unsettled = dashboards.rows("trust", "Unsettled sessions", "A");
    let ends: Vec<i64> = report.windows.iter().filter(|w| w.scope == Scope::Global).map(|w| w.end).collect();
    assert_eq!(unsettled.rows.len(), ends.len());
    for (row, end) in ends.iter().enumerate() {
        assert_eq!(time_ns(unsettled.text(row, "time")), *end);
        let sessions = ledger.unsettled_sessions(*end);
        assert_eq!(unsettled.int(row, "unsettled sessions"), sessions.len() as i64, "unsettled at {end}");
        assert_eq!(unsettled.int(row, &after_title), sessions.iter().filter(|s| s.cut_off <= end - after).count() as i64);
        figures += 1;
    }
    let unsettled_now = dashboards.rows("trust", "Unsettled sessions at the end of the range", "A");
    assert_eq!(unsettled_now.int(0, "unsettled sessions"), ledger.unsettled_sessions(to_ns).len() as i64);

    // Incidents by severity opened in the range, and SEV1 open at its end.
    let incidents = dashboards.rows("executive", "Incidents opened by severity", "A");
    assert_eq!([incidents.int(0, "SEV1"), incidents.int(0, "SEV2"), incidents.int(0, "SEV3")], report.kpi.incidents.map(|n| n as i64));
    let open = dashboards.rows("executive", "Open SEV1 incidents", "A");
    assert_eq!(open.int(0, "open SEV1"), ledger.open_incidents(1, to_ns).len() as i64);
    let listed = dashboards.rows("executive", "Incidents", "A");
    assert_eq!(listed.rows.len(), ledger.incidents.iter().filter(|i| i.opened < to_ns && i.resolved.is_none_or(|r| r >= from_ns)).count());
    figures += 4;

    // Volumes, recomputed here from the events: per network per plan-zone business day, and
    // the day's running total at each acceptance.
    let mut per_day: BTreeMap<(i64, String), u128> = BTreeMap::new();
    let mut running: Vec<u128> = Vec::new();
    let mut day_totals: BTreeMap<i64, u128> = BTreeMap::new();
    let day_start = |at: i64| {
        let date = clubgate_core::ledger::instant(at).to_zoned_datetime(tz.clone()).date();
        ns(date.at(0, 0, 0, 0).to_zoned_datetime(tz.clone()).unwrap().timestamp())
    };
    for line in simulated.jsonl.lines() {
        let event: Value = serde_json::from_str(line).unwrap();
        if event["kind"] != "payout.accepted" {
            continue;
        }
        let at = ns(event["at"].as_str().unwrap().parse::<Timestamp>().unwrap());
        let amount: u128 = event["amount"].as_str().unwrap().parse().unwrap();
        let day = day_start(at);
        let total = day_totals.entry(day).or_default();
        *total += amount;
        if (from_ns..to_ns).contains(&at) {
            *per_day.entry((day, event["network"].as_str().unwrap().to_owned())).or_default() += amount;
            running.push(*total);
        }
    }
    let volume = dashboards.rows("executive", "Payout volume accepted per network per business day", "A");
    let sql: BTreeMap<(i64, String), u128> =
        series_by_metric(&volume, "volume").into_iter().map(|(key, value)| (key, base_units(&value))).collect();
    assert_eq!(sql, per_day, "volume per network per day");
    figures += per_day.len();
    let accepted = dashboards.rows("treasury", "Volume of the business day vs the phase cap", "A");
    let sql: Vec<u128> = accepted.values("payouts accepted today").into_iter().map(|v| base_units(v.unwrap())).collect();
    assert_eq!(sql, running, "the day's running volume at each acceptance");
    figures += running.len();
    figures
}

/// The goal: with a real ledger on PostgreSQL holding a simulated launch day — one database
/// per scenario (a webhook outage with dead letters and an incident, a SEV1 with a partial
/// settlement, a TRC-20 degradation with a growing queue, a stuck EOD session) — every query
/// of every panel runs, and the figures the dashboards share with the core are the core's,
/// exactly: windows aligned to the Europe/Warsaw wall clock, in-flight payouts at their age,
/// nearest-rank p95 in nanoseconds, "no data" as no row.
#[test]
fn every_query_runs_on_the_ledgers_postgresql_and_gives_the_cores_figures() {
    let dir = tempfile::tempdir().unwrap();
    let dashboards = export(&dir.path().join("dashboards"));
    let queries = queries(&dashboards);
    let plan = Plan::from_toml(DEFAULT_PLAN_TOML).unwrap();
    // The range: from 22 min 13 s after T0 − 1 h to 5 min after T0 + 25 h — whole seconds, as
    // Grafana gives them, off the window grid (and off the hour) so that the windows' wall-clock alignment counts.
    let t0_ns = ns("2026-12-07T09:00:00Z".parse::<Timestamp>().unwrap());
    let (from_s, to_s) = (t0_ns / NS_PER_S - 3_600 + 1_333, t0_ns / NS_PER_S + 25 * 3_600 + 300);
    let (from_ns, to_ns) = (from_s * NS_PER_S, to_s * NS_PER_S);
    let cluster = Cluster::start();
    let mut checked = 0;
    for scenario in ["webhook-outage", "sev1", "rpc-degradation-trc20", "eod-stuck"] {
        let simulated = simulate(scenario, dir.path());
        let database = scenario.replace('-', "_");
        let ledger = PgLedger::start(&cluster.create_database(&database));
        ledger.append(&ledger.token("platform"), &simulated.jsonl);
        let view = Dashboards { cluster: &cluster, database: database.clone(), queries: queries.clone(), from_s, to_s };
        let ran = view.run_all();
        let figures = check_against_the_core(&view, &simulated, &plan);
        eprintln!("grafana: {scenario}: {ran} queries ran, {figures} figures equal to the core's");
        checked += figures;
        // The scenarios reach what they are meant to show, so the checks compare something:
        // dead letters, a partial settlement and a SEV1, a TRC-20 backlog, a stuck session.
        let report = core_report(&simulated.ledger, &plan, from_ns, to_ns);
        match scenario {
            "webhook-outage" => assert!(report.windows.iter().any(|w| w.dead_letter_depth_end.is_some_and(|d| d > 0))),
            "sev1" => assert!(report.kpi.settlements.1 > 0 && report.kpi.incidents[0] == 1),
            "rpc-degradation-trc20" => {
                assert!(report.windows.iter().any(|w| w.scope == Scope::Network(Network::Trc20) && w.queue_depth_end > 20))
            }
            _ => {
                // A range that ends 2 h after the stuck session's cut-off, while it is still
                // unsettled: the EOD figures at `to` (unsettled, p95 over the settled ones).
                let stuck = simulated.ledger.sessions.iter().find(|s| s.settled.is_none_or(|(at, _)| at - s.cut_off > 3 * 60 * MINUTE_NS));
                let stuck = stuck.expect("a session unsettled for hours");
                let to_s = (stuck.cut_off + 120 * MINUTE_NS) / NS_PER_S + 17;
                let report = core_report(&simulated.ledger, &plan, from_ns, to_s * NS_PER_S);
                assert!(report.eod.iter().any(|d| d.unsettled > 0), "{:?}", report.eod);
                let view = Dashboards { cluster: &cluster, database, queries: queries.clone(), from_s, to_s };
                view.run_all();
                checked += check_against_the_core(&view, &simulated, &plan);
            }
        }
    }
    assert!(checked > 2_000, "{checked} figures");

    // The phase cap: the governing phase's share of the daily target where each phase starts
    // in the range and at its end (the core's payout::phase_headroom), as a step series.
    let view = Dashboards { cluster: &cluster, database: "webhook_outage".to_owned(), queries: queries.clone(), from_s, to_s };
    let caps = view.rows("treasury", "Volume of the business day vs the phase cap", "C");
    let launch = clubgate_core::launch::Launch::from_plan(plan.clone(), T0, None).unwrap();
    let target = DAILY_TARGET_TOKENS * 1_000_000;
    let cap_at =
        |at: i64| clubgate_core::payout::phase_headroom(&plan, &launch.table, clubgate_core::ledger::instant(at), target, 0).unwrap().2;
    let times: Vec<i64> = caps.values("time").into_iter().map(|t| time_ns(t.unwrap())).collect();
    assert_eq!(times, [from_ns, t0_ns, to_ns], "the range's start, T0 (Full starts), the range's end");
    let values: Vec<u128> = caps.values("phase cap").into_iter().map(|v| base_units(v.unwrap())).collect();
    assert_eq!(values, [cap_at(from_ns), cap_at(t0_ns), cap_at(to_ns - 1)]);
    assert_eq!(values, [target * 30 / 100, target, target], "Canary's 30 %, then Full's 100 %");

    signed_volume_counts_each_bundle_once_a_day(&cluster, &queries);
}

/// The signed volume of the business day (Treasury, query B) from `signature` commands, as
/// the signing desks count it: originals carrying `bundle_amount`, each bundle hash once a
/// business day (chunk 1 of a bundle adds nothing), a replacement never (it has a `reason`),
/// a running total restarting with each business day.
fn signed_volume_counts_each_bundle_once_a_day(cluster: &Cluster, queries: &[Query]) {
    let ledger = PgLedger::start(&cluster.create_database("signatures"));
    let lead = ledger.token("treasury_lead");
    let tz = time_zone("Europe/Warsaw").unwrap();
    let now = Timestamp::now();
    let today = now.to_zoned_datetime(tz.clone()).date();
    let start_of = |date: jiff::civil::Date| date.at(0, 0, 0, 0).to_zoned_datetime(tz.clone()).unwrap().timestamp().to_string();
    let (day, yesterday) = (start_of(today), start_of(today.yesterday().unwrap()));
    let hash = |byte: u8| format!("0x{}", format!("{byte:02x}").repeat(32));
    let mut next_id = 0u32;
    let mut sign = |payload: Value| {
        next_id += 1;
        let command = json!({ "id": format!("00000000-0000-4000-8000-{next_id:012x}"), "kind": "signature", "payload": payload });
        let (status, answer) = ledger.post("/v1/commands", &lead, command.to_string());
        assert_eq!(status, 201, "{answer}");
    };
    let original = |bundle: u8, chunk: u32, tx: u8, amount: Option<(&str, &str)>| {
        let mut payload =
            json!({ "bundle_hash": hash(bundle), "chunk": chunk, "network": "erc20", "tx_hash": hash(tx), "nonce": tx, "reason": null });
        if let Some((amount, business_day)) = amount {
            payload["bundle_amount"] = json!(amount);
            payload["business_day"] = json!(business_day);
        }
        payload
    };
    sign(original(0xa1, 0, 1, Some(("400000000000", &day))));
    sign(original(0xa1, 1, 2, Some(("400000000000", &day))));
    sign(original(0xb2, 0, 3, Some(("150000000000", &day))));
    // A chunk signed without claiming volume, then sped up: the replacement's amount never counts.
    sign(original(0xc3, 0, 4, None));
    let mut replacement = original(0xc3, 0, 5, Some(("999000000", &day)));
    replacement["nonce"] = json!(4);
    replacement["replaces"] = json!(hash(4));
    replacement["reason"] = json!("speed-up");
    sign(replacement);
    // A bundle of the previous business day starts its own total.
    sign(original(0xd4, 0, 6, Some(("70000000000", &yesterday))));

    let now_s = ns(now) / NS_PER_S;
    let view =
        Dashboards { cluster, database: "signatures".to_owned(), queries: queries.to_vec(), from_s: now_s - 3_600, to_s: now_s + 3_600 };
    view.run_all();
    let signed = view.rows("treasury", "Volume of the business day vs the phase cap", "B");
    let totals: Vec<u128> = signed.values("bundles signed today").into_iter().map(|v| base_units(v.unwrap())).collect();
    assert_eq!(totals, [400_000_000_000, 550_000_000_000, 70_000_000_000], "{signed:?}");
}
