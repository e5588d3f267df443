//! `cargo xtask`: the project's commands, and the set-up they share.
//!
//! - `cargo xtask demo` — install what a fresh Debian/Ubuntu machine lacks, build the UI
//!   and the app, and open the app on its embedded default (a fresh local store, the
//!   default plan, T0 three days ahead), following a live embedded ledger that a simulator
//!   feeds (stopped when the app exits). Without a display it starts Xvfb.
//! - `cargo xtask test` — the same set-up, then the whole suite: fmt, clippy `-D
//!   warnings`, `cargo sqlx prepare --check`, unit, property and integration tests, and
//!   the end-to-end tests of the real window (tauri-driver + WebKitWebDriver); then a
//!   packaged build of the CLI is checked to have no development signer.
//! - `cargo xtask setup` — only the set-up.
//! - `cargo xtask soak --crashes N [--seed S]` — the ledger's crash tests
//!   (`ledger/tests/crash.rs`) with N crash-point cases over both back ends and a seed
//!   (random, and printed, unless given), then their counts.
//! - `cargo xtask bench` — the ledger's benchmarks against its release binary
//!   (`ledger/benches/ledger.rs`): commands/s, append-to-stream latency, read by cursor.
//!
//! Every step is idempotent: a tool already at the wanted version is not reinstalled, so a
//! second run goes straight to the build.

mod demo_chain;
mod ledger_sqlx;
mod setup;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

/// Runs a command, echoing it, and fails with its name if it fails.
pub(crate) fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}").replace('"', "");
    eprintln!("xtask$ {shown}");
    let status = command.status().map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed with {status}"))
    }
}

/// The repository root (the xtask crate's parent). Taken from the environment `cargo run` sets
/// when it starts this binary, not from the path it was compiled in: the build cache is shared
/// between checkouts (CI runs in a fresh clone), so a binary compiled in another checkout must
/// still work on the one that runs it.
pub(crate) fn root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir.parent().map(Path::to_owned).unwrap_or_else(|| PathBuf::from("."))
}

/// The cargo target directory for every build: `$CARGO_TARGET_DIR`, or a persistent folder
/// outside the clone (`~/.cache/clubgate-desk/target`), so a fresh clone on the same machine
/// (CI runs in one) reuses the build instead of starting cold.
pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()).map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| root().join("target"));
        home.join(".cache").join("clubgate-desk").join("target")
    })
}

fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root()).env("CARGO_TARGET_DIR", target_dir());
    command
}

/// Builds the UI into `ui/dist` with trunk (release: it is what the app embeds).
fn build_ui() -> Result<(), String> {
    let mut trunk = Command::new(setup::cargo_bin("trunk"));
    trunk.current_dir(root().join("ui")).args(["build", "--release"]);
    // trunk must never download a wasm-bindgen of its own: it finds ours on PATH.
    trunk.env("PATH", setup::path_with_cargo_bin()).env("CARGO_TARGET_DIR", target_dir());
    run(&mut trunk)
}

fn demo() -> Result<(), String> {
    setup::ensure()?;
    build_ui()?;
    // --all-targets activates the dev-dependencies as `cargo test --workspace` does, so the
    // demo and the test suite share one feature set and reuse each other's build.
    run(cargo().args(["build", "--workspace", "--all-targets"]))?;
    let app = target_dir().join("debug").join("clubgate-desk");
    let data = target_dir().join("demo-data");
    // A fresh store each time, so the default T0 is always a few days ahead.
    let _ = std::fs::remove_dir_all(&data);
    // The payout queue needs a treasury: a SoftHSM2 demo token with a key per approver and
    // wallet, and the treasury file for it. Its PIN is public (demo only), so it comes from
    // the environment; a production workstation keeps PINs in the OS keychain.
    let clubgate = target_dir().join("debug").join("clubgate");
    run(Command::new(&clubgate).args(["treasury", "demo", "--dir"]).arg(&data))?;
    // The demo's Ethereum node: anvil with the token and funded wallets, named in the
    // treasury file before the ledger takes it as its policy (Wallets: "Read balances from
    // the chain"; Payouts: reviews from the node, broadcast, confirmations, speed-ups).
    let chain = demo_chain::DemoChain::start(&data.join("treasury.toml"))?;
    eprintln!("xtask: the demo's Ethereum node (anvil, chain 31337) listens on {}", chain.url());
    // The live ledger: an embedded SQLite ledger with the demo treasury in force, a
    // simulator feeding it a pilot day at 60× (an hour a minute), and the app following it
    // as this workstation's treasury lead — the dashboard moves without any import.
    let live = LiveLedger::start(&data)?;
    let mut command = Command::new(&app);
    command.env("CLUBGATE_DATA_DIR", &data);
    command.env("SOFTHSM2_CONF", data.join("softhsm2.conf"));
    command.env("CLUBGATE_PKCS11_PIN", "1234");
    // No OS keychain is assumed on a demo machine: the demo token goes by the environment
    // fallback, only to the app's process.
    command.env("CLUBGATE_LEDGER_URL", &live.url);
    command.env("CLUBGATE_LEDGER_TOKEN", live.desk_token.as_str());
    let _xvfb = if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        let (guard, display) = setup::start_xvfb()?;
        eprintln!(
            "xtask: no display; the app runs under Xvfb on {display} (take a look with `DISPLAY={display} import -window root shot.png`)"
        );
        command.env("DISPLAY", display);
        Some(guard)
    } else {
        None
    };
    eprintln!("xtask: opening ClubGate Desk with its store in {} following the ledger {}", data.display(), live.url);
    // Not `run`: its echo would print the command's environment, the token with it.
    eprintln!("xtask$ {}", app.display());
    let result = match command.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("{} exited with {status}", app.display())),
        Err(e) => Err(format!("cannot start {}: {e}", app.display())),
    };
    // `live` and `chain` drop here: the simulator, the ledger and anvil stop with the app.
    drop(live);
    drop(chain);
    result
}

/// The demo's ledger and its simulator, stopped (by their process ids) on drop.
struct LiveLedger {
    url: String,
    desk_token: String,
    server: std::process::Child,
    simulator: Option<std::process::Child>,
    /// The other desks' payout traffic (see [`payout_traffic`]), stopped on drop.
    traffic: Option<(std::sync::Arc<std::sync::atomic::AtomicBool>, std::thread::JoinHandle<()>)>,
}

impl Drop for LiveLedger {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.traffic.take() {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            let _ = thread.join();
        }
        for child in self.simulator.iter_mut().chain(std::iter::once(&mut self.server)) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl LiveLedger {
    /// `clubgate-ledger` on `DATA/ledger.db`: tokens (platform for the simulator,
    /// treasury_lead for the app), the demo treasury file in force, `serve` on a free loopback
    /// port, then `simulate` in the background. Logs go to `DATA/ledger.log` and
    /// `DATA/simulate.log`.
    fn start(data: &Path) -> Result<Self, String> {
        use std::io::BufRead;
        let ledger = target_dir().join("debug").join("clubgate-ledger");
        let db = format!("sqlite://{}", data.join("ledger.db").display());
        let output = |args: &[&str]| -> Result<String, String> {
            let shown = format!("clubgate-ledger --db {db} {}", args.join(" "));
            let out = Command::new(&ledger).args(["--db", &db]).args(args).output().map_err(|e| format!("cannot start {shown}: {e}"))?;
            if !out.status.success() {
                return Err(format!("{shown} failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
            }
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        };
        // Tokens are printed by the ledger and passed on, never echoed here.
        let simulator_token = output(&["token", "issue", "--name", "simulator", "--role", "platform"])?;
        // The app's workstation is the treasury lead's, or the launch IC's with
        // CLUBGATE_DEMO_ROLE=launch_ic (the ledger takes decisions only from an IC's token).
        let role = std::env::var("CLUBGATE_DEMO_ROLE").unwrap_or_else(|_| "treasury_lead".to_owned());
        if !["treasury_lead", "launch_ic", "approver", "viewer"].contains(&role.as_str()) {
            return Err(format!("CLUBGATE_DEMO_ROLE={role:?} is not treasury_lead, launch_ic, approver or viewer"));
        }
        let desk_token = output(&["token", "issue", "--name", "demo-desk", "--role", &role])?;
        let treasury = data.join("treasury.toml");
        eprintln!("xtask: {}", output(&["policy", "init", &treasury.display().to_string()])?);
        let log = |name: &str| std::fs::File::create(data.join(name)).map_err(|e| format!("cannot create {name}: {e}"));
        let mut server = Command::new(&ledger)
            .args(["--db", &db, "serve", "--listen", "127.0.0.1:0"])
            .stdout(std::process::Stdio::piped())
            .stderr(log("ledger.log")?)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", ledger.display()))?;
        let mut line = String::new();
        let stdout = server.stdout.take().ok_or("the ledger's standard output")?;
        std::io::BufReader::new(stdout).read_line(&mut line).map_err(|e| format!("the ledger's first line: {e}"))?;
        let Some(url) = line.trim().strip_prefix("listening on ").map(str::to_owned) else {
            let _ = server.kill();
            let _ = server.wait();
            return Err(format!("the ledger did not start (first line {line:?}); see {}", data.join("ledger.log").display()));
        };
        let mut live = Self { url, desk_token, server, simulator: None, traffic: None };
        eprintln!("xtask: the demo ledger listens on {} ({db})", live.url);
        let simulate_log = log("simulate.log")?;
        let simulate_err = simulate_log.try_clone().map_err(|e| format!("simulate.log: {e}"))?;
        // `eod-deficit` is a pilot day's traffic with the trust pairs' EOD history from
        // T0 − 9d (partial and t+1 sessions from T0 − 3d: the EOD page has content);
        // CLUBGATE_DEMO_SCENARIO picks another scenario.
        let scenario = std::env::var("CLUBGATE_DEMO_SCENARIO").unwrap_or_else(|_| "eod-deficit".to_owned());
        let simulator = Command::new(&ledger)
            .args(["simulate", "--to", &live.url, "--token", &simulator_token, "--scenario", &scenario, "--speed", "60", "--hours", "24"])
            .stdout(simulate_log)
            .stderr(simulate_err)
            .spawn()
            .map_err(|e| format!("cannot start clubgate-ledger simulate: {e}"))?;
        live.simulator = Some(simulator);
        eprintln!("xtask: feeding it {scenario} at 60× real time from now (progress in {})", data.join("simulate.log").display());
        let desks = [("lead-2", "treasury_lead"), ("approver-a", "approver"), ("approver-b", "approver")]
            .into_iter()
            .map(|(name, role)| Ok((name, output(&["token", "issue", "--name", &format!("demo-{name}"), "--role", role])?)))
            .collect::<Result<Vec<_>, String>>()?;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (flag, url, dir) = (stop.clone(), live.url.clone(), data.to_owned());
        let thread = std::thread::spawn(move || payout_traffic(&dir, &url, &desks, &flag));
        live.traffic = Some((stop, thread));
        eprintln!("xtask: other desks publish and approve a payout a minute (log in {})", data.join("desks.log").display());
        Ok(live)
    }
}

/// The demo's other workstations, through the CLI: a second treasury lead publishes a small
/// ERC-20 payout bundle about once a minute and two approvers approve it on their own desks
/// (their demo PINs typed on standard input), so the app's payout queue moves through the
/// ledger — bundle, pending, approved — for the app's treasury lead to review and sign.
fn payout_traffic(data: &Path, url: &str, desks: &[(&str, String)], stop: &std::sync::atomic::AtomicBool) {
    let clubgate = target_dir().join("debug").join("clubgate");
    let log = std::fs::File::create(data.join("desks.log")).ok();
    let say = |line: &str| {
        if let Some(mut file) = log.as_ref() {
            let _ = std::io::Write::write_all(&mut file, format!("{line}\n").as_bytes());
        }
    };
    let desk = |name: &str, args: &[&str], stdin: &str| -> Option<String> {
        let token = desks.iter().find(|(n, _)| *n == name).map(|(_, t)| t.as_str())?;
        let mut child = Command::new(&clubgate)
            .args(args)
            .env("CLUBGATE_DATA_DIR", data.join("desks").join(name))
            .env("CLUBGATE_LEDGER_TOKEN", token)
            .env("SOFTHSM2_CONF", data.join("softhsm2.conf"))
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .ok()?;
        let _ = std::io::Write::write_all(child.stdin.as_mut()?, stdin.as_bytes());
        let out = child.wait_with_output().ok()?;
        say(&format!(
            "{name}: clubgate {} → {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    // A JSON string field's value, by its name (the CLI's --json output).
    let field = |text: &str, name: &str| -> Option<String> {
        let rest = &text[text.find(&format!("\"{name}\": \""))? + name.len() + 5..];
        Some(rest[..rest.find('"')?].to_owned())
    };
    let t0 =
        Command::new("date").args(["-d", "+3 days", "+%FT10:00"]).output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let treasury = data.join("treasury.toml").display().to_string();
    let validated = desk("lead-2", &["treasury", "validate", &treasury, "--json"], "").unwrap_or_default();
    let source = validated.find("\"hot-erc20-1\"").and_then(|at| field(&validated[at..], "address"));
    let (Ok(t0), Some(source)) = (t0, source) else {
        say("no T0 or no hot-erc20-1 wallet: no payout traffic");
        return;
    };
    for (name, _) in desks {
        let _ = desk(name, &["launch", "set", "--t0", &t0, "--who", name, "--json"], "");
        let _ = desk(name, &["sync", "--url", url, "--once", "--json"], "");
    }
    let pause = |seconds: u64| {
        for _ in 0..seconds {
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                return false;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
        true
    };
    let mut round = 0u32;
    while pause(if round == 0 { 15 } else { 60 }) {
        round += 1;
        let out = data.join("desks").join(format!("bundle-{round}.json")).display().to_string();
        let amount = (1_000 + 137 * round).to_string();
        let made = desk(
            "lead-2",
            &[
                "payout",
                "bundle",
                "--network",
                "erc20",
                "--token",
                "USDT",
                "--source",
                &source,
                "--to",
                "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                "--amount",
                &amount,
                "--out",
                &out,
                "--json",
            ],
            "",
        );
        let Some(bundle_id) = made.and_then(|m| field(&m, "bundle_id")) else { continue };
        let _ = desk("lead-2", &["sync", "--once", "--json"], "");
        for (name, key, pin) in [("approver-a", "approver-a", "1111"), ("approver-b", "approver-b", "2222")] {
            if !pause(10) {
                return;
            }
            let signer = format!("pkcs11:clubgate-{key}/{key}");
            let _ = desk(name, &["sync", "--once", "--json"], "");
            let _ = desk(name, &["approve", "--bundle-id", &bundle_id, "--signer", &signer, "--json"], &format!("{pin}\n"));
            let _ = desk(name, &["sync", "--once", "--json"], "");
        }
    }
}

fn test() -> Result<(), String> {
    let started = Instant::now();
    setup::ensure()?;
    run(cargo().args(["fmt", "--all", "--check"]))?;
    run(cargo().current_dir(root().join("ui")).args(["fmt", "--check"]))?;
    build_ui()?;
    run(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    run(cargo().current_dir(root().join("ui")).args([
        "clippy",
        "--release",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]))?;
    sqlx_prepare_check()?;
    // Unit, property, integration and end-to-end tests in one run. The window tests start
    // Xvfb (when there is no display) and tauri-driver themselves.
    let mut tests = cargo();
    tests.args(["test", "--workspace"]).env("PATH", setup::path_with_cargo_bin());
    run(&mut tests)?;
    packaged_build_has_no_dev_signer()?;
    eprintln!("xtask: the whole suite passed in {:.0?}", started.elapsed());
    Ok(())
}

/// Proves that a packaged build has no development signer (issue 8): `cargo build -p
/// clubgate-cli` — without `--all-targets`, so the dev-dependencies that turn the
/// `dev-signer` feature on are not active — must refuse every `dev:` spec with exit code 2.
/// This re-links target/debug/clubgate without the feature; the next `cargo test` or
/// `cargo xtask demo` links it again with it.
fn packaged_build_has_no_dev_signer() -> Result<(), String> {
    run(cargo().args(["build", "-p", "clubgate-cli"]))?;
    let clubgate = target_dir().join("debug").join("clubgate");
    // Exit code 2 alone would also be a missing file: the stable error code of the JSON error
    // (`{"error":{"code":…}}`) tells them apart.
    let cases: [(&[&str], &str); 2] = [
        (&["signer", "address", "--signer", "dev:file:/nonexistent", "--profile", "dev", "--json"], "no_dev_signer"),
        (
            &[
                "--db",
                "/nonexistent/x.db",
                "sign",
                "--treasury",
                "t.toml",
                "--bundle",
                "b.json",
                "--chunk",
                "0",
                "--review",
                "0x00",
                "--json",
            ],
            "db_override",
        ),
    ];
    for (args, code) in cases {
        eprintln!("xtask$ {} {}", clubgate.display(), args.join(" "));
        let output = Command::new(&clubgate).args(args).output().map_err(|e| format!("cannot start {}: {e}", clubgate.display()))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if output.status.code() != Some(2) || !stderr.contains(&format!(r#""code":"{code}""#)) {
            return Err(format!(
                "a packaged build (cargo build -p clubgate-cli) must refuse `clubgate {}` with {code}, but it exited with {:?}: {}",
                args.join(" "),
                output.status.code(),
                stderr.trim()
            ));
        }
    }
    eprintln!("xtask: a packaged build has no development signer and takes no --db for signing");
    Ok(())
}

/// Checks the committed `.sqlx/` query data against the migrations, on a scratch database.
fn sqlx_prepare_check() -> Result<(), String> {
    let scratch = target_dir().join("sqlx-check");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let url = format!("sqlite:{}", scratch.join("check.db").display());
    let sqlx = setup::cargo_bin("sqlx");
    run(Command::new(&sqlx).current_dir(root()).args(["database", "create", "--database-url", &url]))?;
    run(Command::new(&sqlx).current_dir(root()).args(["migrate", "run", "--source", "migrations", "--database-url", &url]))?;
    // The desk's queries against the desk's schema; the ledger (two back ends, its own
    // schemas) is checked by `ledger_sqlx::check`.
    run(cargo()
        .args(["sqlx", "prepare", "--workspace", "--check", "--", "--workspace", "--exclude", "clubgate-ledger"])
        .env("DATABASE_URL", &url)
        .env("PATH", setup::path_with_cargo_bin()))?;
    ledger_sqlx::check()
}

/// `--crashes N [--seed S]`: the crash cases and the seed (random when not given).
fn soak_arguments(args: &[String]) -> Result<(u64, u64), String> {
    let usage = "use `cargo xtask soak --crashes N [--seed S]` (N crash-point cases over both back ends)";
    let (mut crashes, mut seed) = (None, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| format!("{arg} needs a value; {usage}"))?;
        let number = value.parse::<u64>().map_err(|_| format!("{arg} {value:?} is not a whole number; {usage}"))?;
        match arg.as_str() {
            "--crashes" if number >= 1 => crashes = Some(number),
            "--seed" => seed = Some(number),
            _ => return Err(format!("unexpected argument {arg} {value}; {usage}")),
        }
    }
    let crashes = crashes.ok_or_else(|| format!("--crashes N (at least 1) is required; {usage}"))?;
    // No random crate in xtask: the clock's nanoseconds and the process id are random
    // enough for picking a seed, which is printed so that a failure can be repeated.
    let seed = seed.unwrap_or_else(|| {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        nanos ^ (u64::from(std::process::id()) << 32)
    });
    Ok((crashes, seed))
}

/// Runs the ledger's crash tests with `--crashes N` cases and a seed, echoes their output,
/// and prints their `crash-soak:` count lines again at the end.
fn soak(args: &[String]) -> Result<(), String> {
    let (crashes, seed) = soak_arguments(args)?;
    eprintln!("xtask: soak: {crashes} crash-point cases, seed {seed} (repeat with `cargo xtask soak --crashes {crashes} --seed {seed}`)");
    let started = Instant::now();
    let mut command = cargo();
    command
        .args(["test", "-p", "clubgate-ledger", "--test", "crash", "--", "--nocapture"])
        .env("CLUBGATE_CRASH_CASES", crashes.to_string())
        .env("CLUBGATE_CRASH_SEED", seed.to_string())
        .stderr(std::process::Stdio::piped());
    eprintln!("xtask$ CLUBGATE_CRASH_CASES={crashes} CLUBGATE_CRASH_SEED={seed} {}", format!("{command:?}").replace('"', ""));
    let mut child = command.spawn().map_err(|e| format!("cannot start cargo test: {e}"))?;
    let mut counts = Vec::new();
    if let Some(stderr) = child.stderr.take() {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)) {
            let line = line.map_err(|e| format!("cannot read the test's output: {e}"))?;
            eprintln!("{line}");
            if line.starts_with("crash-soak:") {
                counts.push(line);
            }
        }
    }
    let status = child.wait().map_err(|e| format!("cargo test: {e}"))?;
    eprintln!("xtask: soak, seed {seed}, {:.0?}:", started.elapsed());
    for line in &counts {
        eprintln!("  {line}");
    }
    if status.success() {
        Ok(())
    } else {
        Err(format!("the crash tests failed ({status}); repeat with `cargo xtask soak --crashes {crashes} --seed {seed}`"))
    }
}

/// Builds the ledger in release mode and runs its benchmarks against that binary.
fn bench() -> Result<(), String> {
    run(cargo().args(["build", "--release", "-p", "clubgate-ledger"]))?;
    // `cargo bench` links the binary again with the test-only crash points into the same
    // folder: the benchmarks run a copy of the plain release build.
    let built = target_dir().join("release").join("clubgate-ledger");
    let dir = target_dir().join("ledger-bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let copy = dir.join("clubgate-ledger");
    std::fs::copy(&built, &copy).map_err(|e| format!("cannot copy {} to {}: {e}", built.display(), copy.display()))?;
    run(cargo().args(["bench", "-p", "clubgate-ledger", "--bench", "ledger"]).env("CLUBGATE_LEDGER_BIN", &copy))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().cloned().unwrap_or_default();
    let result = match task.as_str() {
        "demo" => demo(),
        "test" => test(),
        "setup" => setup::ensure(),
        "ui" => build_ui(),
        "soak" => soak(&args[1..]),
        "bench" => bench(),
        "sqlx-prepare" => ledger_sqlx::write(),
        _ => Err(format!(
            "unknown task {task:?}; use `cargo xtask demo`, `cargo xtask test`, `cargo xtask setup`, `cargo xtask ui`, \
             `cargo xtask soak --crashes N [--seed S]`, `cargo xtask bench` or `cargo xtask sqlx-prepare` (the ledger's query data)"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}
