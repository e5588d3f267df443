//! The harness of the real-window tests (`tests/window*.rs`): the app started by
//! tauri-driver + WebKitWebDriver (under Xvfb when there is no display) and driven through
//! WebDriver, the page helpers those tests share, and a real `clubgate-ledger` (the binary
//! next to the test's own executable) with its command line.
//!
//! Needs `tauri-driver` (on PATH or in ~/.cargo/bin), `WebKitWebDriver` and `Xvfb`;
//! `cargo xtask test` installs them. The app embeds `ui/dist`, which `cargo xtask` builds.

#![allow(dead_code)] // each test file uses what it needs

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use clubgate_treasury::demo::{demo_token_of, DEMO_PIN};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::Value;

pub(crate) const WAIT: Duration = Duration::from_secs(40);

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free loopback port")
}

pub(crate) fn tauri_driver() -> PathBuf {
    let on_path =
        std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|p| p.join("tauri-driver")).find(|p| p.exists()));
    on_path.unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo/bin/tauri-driver"))
}

/// The processes behind a WebDriver session: Xvfb (when there is no display) and
/// tauri-driver; stopped on drop (tauri-driver with SIGTERM, so that it stops
/// WebKitWebDriver too and frees its port).
pub(crate) struct Harness {
    xvfb: Option<Child>,
    driver: Child,
    port: u16,
}

impl Drop for Harness {
    fn drop(&mut self) {
        // SAFETY: sending a signal to a child process we own.
        unsafe {
            libc::kill(self.driver.id() as i32, libc::SIGTERM);
        }
        let _ = self.driver.wait();
        if let Some(xvfb) = &mut self.xvfb {
            let _ = xvfb.kill();
            let _ = xvfb.wait();
        }
    }
}

impl Harness {
    /// Starts Xvfb on the first free display number in `displays` (each test file has its
    /// own range) unless `$DISPLAY` is set, and tauri-driver with `env` added to its
    /// environment (the app inherits it). tauri-driver's standard error — where the app's
    /// goes — is kept in the file `stderr_log`, or passed through with `None`.
    pub(crate) fn start(displays: Range<u32>, env: &[(&str, &str)], stderr_log: Option<&Path>) -> Self {
        let (xvfb, display) = match std::env::var("DISPLAY") {
            Ok(display) if !display.is_empty() => (None, display),
            _ => {
                let number = displays.into_iter().find(|n| !Path::new(&format!("/tmp/.X{n}-lock")).exists()).expect("a free X display");
                let display = format!(":{number}");
                let child = Command::new("Xvfb")
                    .args([display.as_str(), "-screen", "0", "1400x900x24", "-nolisten", "tcp"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("Xvfb is installed (cargo xtask setup)");
                std::thread::sleep(Duration::from_millis(800));
                (Some(child), display)
            }
        };
        let port = free_port();
        let native_port = free_port();
        let stderr = match stderr_log {
            Some(path) => Stdio::from(std::fs::File::create(path).expect("stderr log")),
            None => Stdio::inherit(),
        };
        let driver = Command::new(tauri_driver())
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("DISPLAY", &display)
            .envs(env.iter().copied())
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("tauri-driver is installed (cargo xtask setup)");
        std::thread::sleep(Duration::from_millis(800));
        Self { xvfb, driver, port }
    }

    /// Starts the app in a new WebDriver session and waits for its first render.
    pub(crate) async fn open_app(&self) -> Client {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("tauri:options".into(), serde_json::json!({ "application": env!("CARGO_BIN_EXE_clubgate-desk") }));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut last_error = None;
        for _ in 0..20 {
            match ClientBuilder::new(connector.clone())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{}", self.port))
                .await
            {
                Ok(client) => {
                    wait_for(&client, "#header-t0").await;
                    return client;
                }
                Err(error) => {
                    last_error = Some(error);
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
        panic!("no WebDriver session: {last_error:?}");
    }
}

pub(crate) async fn wait_for(client: &Client, css: &str) -> Element {
    client.wait().at_most(WAIT).for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
}

/// The text of the first element matching `css`. Leptos re-renders a list when its data
/// changes, so an element found a moment ago can be gone: look it up again then.
pub(crate) async fn text(client: &Client, css: &str) -> String {
    let mut last_error = None;
    for _ in 0..20 {
        match wait_for(client, css).await.text().await {
            Ok(text) => return text,
            Err(error) => last_error = Some(error),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("text of {css}: {last_error:?}")
}

pub(crate) async fn click(client: &Client, css: &str) {
    let mut last_error = None;
    for _ in 0..20 {
        match wait_for(client, css).await.click().await {
            Ok(()) => return,
            Err(error) => last_error = Some(error),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("click {css}: {last_error:?}")
}

/// An attribute of the first element matching `css`, looked up again if it went stale.
pub(crate) async fn attr(client: &Client, css: &str, name: &str) -> Option<String> {
    let mut last_error = None;
    for _ in 0..20 {
        match wait_for(client, css).await.attr(name).await {
            Ok(value) => return value,
            Err(error) => last_error = Some(error),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{name} of {css}: {last_error:?}")
}

pub(crate) async fn type_into(client: &Client, css: &str, value: &str) {
    let element = wait_for(client, css).await;
    element.clear().await.unwrap_or_else(|e| panic!("clear {css}: {e}"));
    // WebDriver refuses to send no keys: an empty value is the cleared field.
    if !value.is_empty() {
        element.send_keys(value).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }
}

/// Polls the text of `css` until `wanted` accepts it (or `within` passes); returns it.
pub(crate) async fn wait_until(client: &Client, css: &str, within: Duration, what: &str, wanted: impl Fn(&str) -> bool) -> String {
    let deadline = std::time::Instant::now() + within;
    loop {
        let current = text(client, css).await;
        if wanted(&current) {
            return current;
        }
        assert!(std::time::Instant::now() < deadline, "{css} never showed {what}; it shows {current:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Runs `script` in the page and returns its JSON value: one atomic read of the DOM, so a
/// Leptos re-render cannot leave a stale element in between.
pub(crate) async fn eval(client: &Client, script: &str, args: Vec<Value>) -> Value {
    client.execute(script, args).await.unwrap_or_else(|e| panic!("script failed: {e}"))
}

/// A decoded table as (label, value) rows.
pub(crate) async fn decoded_rows(client: &Client, css: &str) -> Vec<(String, String)> {
    wait_for(client, css).await;
    let rows = eval(
        client,
        "return Array.from(document.querySelector(arguments[0]).rows).map(r => [r.cells[0].innerText.trim(), r.cells[1].innerText.trim()]);",
        vec![serde_json::json!(css)],
    )
    .await;
    serde_json::from_value(rows).expect("decoded rows")
}

pub(crate) fn field(rows: &[(String, String)], label: &str) -> String {
    rows.iter().find(|(l, _)| l == label).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("no {label:?} in {rows:?}"))
}

/// Saves a PNG of the window as `target/e2e/NAME.png`.
pub(crate) async fn screenshot(client: &Client, name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e");
    std::fs::create_dir_all(&dir).expect("target/e2e");
    let png = client.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}

/// A binary of the workspace next to this test's executable (target/debug/NAME); `how`
/// says how to build it.
pub(crate) fn sibling_binary(name: &str, how: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let binary = exe.parent().and_then(|deps| deps.parent()).expect("target/debug").join(name);
    assert!(binary.is_file(), "{} is missing: build it with `{how}`", binary.display());
    binary
}

/// The ledger binary next to this test's executable (target/debug/clubgate-ledger).
pub(crate) fn ledger_binary() -> PathBuf {
    sibling_binary("clubgate-ledger", "cargo build -p clubgate-ledger")
}

/// The CLI as its own tests build it (with the test features); there is no
/// `CARGO_BIN_EXE_clubgate` in this package.
pub(crate) fn cli_binary() -> PathBuf {
    sibling_binary("clubgate", "cargo test -p clubgate-cli --no-run")
}

/// A `clubgate-ledger serve`; killed on drop.
pub(crate) struct Ledger {
    child: Child,
    pub(crate) db: String,
    pub(crate) url: String,
}

impl Ledger {
    /// Serves `db` on the loopback port `port` — a fixed one, so that a ledger started again
    /// on the same database is at the same URL — or on a free one with `None`.
    pub(crate) fn serve(db: &str, port: Option<u16>) -> Self {
        let mut child = Command::new(ledger_binary())
            .args(["--db", db, "serve", "--listen", &format!("127.0.0.1:{}", port.unwrap_or(0))])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .env_remove("CLUBGATE_CRASHPOINT")
            .spawn()
            .expect("start clubgate-ledger");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("read stdout");
        if let Some(port) = port {
            assert_eq!(line.trim(), format!("listening on http://127.0.0.1:{port}"));
        }
        let url = line.strip_prefix("listening on ").unwrap_or_else(|| panic!("not a listening line: {line:?}")).trim().to_owned();
        Self { child, db: db.to_owned(), url }
    }

    /// A new token of `role` under `name`.
    pub(crate) fn token(&self, name: &str, role: &str) -> String {
        ledger_cli(&self.db, &["token", "issue", "--name", name, "--role", role])
    }

    /// Stops the ledger now (its database stays).
    pub(crate) fn stop(self) {
        drop(self);
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `clubgate-ledger --db DB ARGS…`, which must succeed; its standard output, trimmed.
pub(crate) fn ledger_cli(db: &str, args: &[&str]) -> String {
    let output = Command::new(ledger_binary()).args(["--db", db]).args(args).output().expect("clubgate-ledger");
    assert!(output.status.success(), "clubgate-ledger {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8").trim().to_owned()
}

/// Waits until the text of `css` contains `needle`, and returns it.
pub(crate) async fn wait_text(client: &Client, css: &str, needle: &str) -> String {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let current = text(client, css).await;
        if current.contains(needle) {
            return current;
        }
        assert!(std::time::Instant::now() < deadline, "{css} never showed {needle:?}; it shows {current:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until nothing matches `css`.
pub(crate) async fn wait_gone(client: &Client, css: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    while client.find(Locator::Css(css)).await.is_ok() {
        assert!(std::time::Instant::now() < deadline, "{css} is still there");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// "2000000000 wei" as a number.
pub(crate) fn wei(text: &str) -> u128 {
    text.trim_end_matches(" wei").parse().unwrap_or_else(|_| panic!("{text:?} is not wei"))
}

/// The signed ERC-20 transaction is the reviewed one: every field but the signer (unknown
/// before signing) and the hash (of the signed envelope) is the same.
pub(crate) fn assert_same_transaction(reviewed: &[(String, String)], signed: &[(String, String)]) {
    let unsigned_part = |rows: &[(String, String)]| -> Vec<(String, String)> {
        rows.iter().filter(|(label, _)| label != "From" && label != "Hash").cloned().collect()
    };
    assert_eq!(unsigned_part(reviewed), unsigned_part(signed), "the signed transaction is the reviewed one");
}

/// A review as the review row showed it before signing.
pub(crate) struct Reviewed {
    /// The review hash the "Sign" button sent.
    pub(crate) hash: String,
    /// The reviewed bytes, decoded.
    pub(crate) bytes: Vec<(String, String)>,
}

/// Reviews chunk `chunk` of `card` (the original, or a replacement: `speed-up`/`expired`),
/// checks what the review row shows, signs it with the same "Sign" button and waits for the
/// new signed attempt.
pub(crate) async fn review_then_sign(client: &Client, card: &str, chunk: u32, replace: Option<&str>) -> Reviewed {
    let row = format!("{card} .chunk[data-chunk='{chunk}']");
    let attempt_before = attr(client, &row, "data-attempt").await.unwrap_or_default();
    match replace {
        None => click(client, &format!("{row} .review")).await,
        Some(reason) => click(client, &format!("{row} .replace[data-reason='{reason}']")).await,
    }
    let review_row = format!("{row} + tr.review-row");
    let deadline = std::time::Instant::now() + WAIT;
    while client.find(Locator::Css(&review_row)).await.is_err() {
        if let Ok(error) = client.find(Locator::Css("#queue-error")).await {
            panic!("the review of chunk {chunk} of {card} was refused: {:?}", error.text().await);
        }
        assert!(std::time::Instant::now() < deadline, "{review_row} did not appear");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(attr(client, &review_row, "data-replace").await.unwrap_or_default(), replace.unwrap_or(""));
    let hash = text(client, &format!("{review_row} .review-hash")).await;
    assert_eq!(attr(client, &review_row, "data-review-hash").await.as_deref(), Some(hash.as_str()));
    assert!(hash.trim_start_matches("0x").len() == 64 && hash.trim_start_matches("0x").chars().all(|c| c.is_ascii_hexdigit()), "{hash}");
    let expires = text(client, &format!("{review_row} .review-expires")).await;
    let expires: jiff::Timestamp = expires.parse().unwrap_or_else(|e| panic!("sign-before {expires:?}: {e}"));
    assert!(expires > jiff::Timestamp::now(), "the review is still signable");
    wait_text(client, &review_row, &format!("Review hash {hash} · sign before")).await;
    let bytes = decoded_rows(client, &format!("{review_row} table.decoded")).await;
    // Signable once the review is shown (and the review call is over).
    let deadline = std::time::Instant::now() + WAIT;
    while attr(client, &format!("{row} .sign"), "disabled").await.is_some() {
        assert!(std::time::Instant::now() < deadline, "a reviewed chunk of an approved bundle stays unsignable");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    click(client, &format!("{row} .sign")).await;
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let status = attr(client, &row, "data-status").await.unwrap_or_default();
        let attempt = attr(client, &row, "data-attempt").await.unwrap_or_default();
        if status == "signed" && attempt != attempt_before {
            break;
        }
        if let Ok(error) = client.find(Locator::Css("#queue-error")).await {
            panic!("signing chunk {chunk} of {card} was refused: {:?}", error.text().await);
        }
        assert!(std::time::Instant::now() < deadline, "chunk {chunk} of {card} never signed: {status} {attempt}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_gone(client, &review_row).await;
    Reviewed { hash, bytes }
}

/// The `clubgate` CLI on a window test's own data directory, SoftHSM2 configuration and
/// treasury file (the demo's PINs from the environment or standard input).
pub(crate) struct Cli {
    pub(crate) data: String,
    pub(crate) conf: String,
    pub(crate) treasury: String,
}

impl Cli {
    pub(crate) fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(cli_binary())
            .args(args)
            .args(["--treasury", &self.treasury])
            .env("CLUBGATE_DATA_DIR", &self.data)
            .env("SOFTHSM2_CONF", &self.conf)
            .env("CLUBGATE_PKCS11_PIN", DEMO_PIN)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run clubgate");
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    pub(crate) fn ok(&self, args: &[&str], stdin: &str) -> Value {
        let output = self.run(args, stdin);
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&output.stdout)))
    }

    /// A USDT bundle in the store's queue and its approvals as files (a desk that follows no
    /// ledger signs with approval files), one per approver, each made with its own PIN.
    pub(crate) fn approved_bundle(
        &self,
        treasury: &clubgate_core::treasury::Treasury,
        network: &str,
        wallet: &str,
        to: &str,
        amount: &str,
        approvers: &[&str],
    ) -> (String, Vec<String>) {
        let source = treasury.wallet(wallet).unwrap().address.to_string();
        let out = format!("{}/bundle-{network}-{amount}.json", self.data);
        let made = self.ok(
            &[
                "payout",
                "bundle",
                "--network",
                network,
                "--token",
                "USDT",
                "--source",
                &source,
                "--to",
                to,
                "--amount",
                amount,
                "--out",
                &out,
                "--json",
            ],
            "",
        );
        let id = made["bundle_id"].as_str().expect("a bundle id").to_owned();
        let mut files = Vec::new();
        for key in approvers {
            let (token, pin) = demo_token_of(key);
            let file = format!("{}/approval-{network}-{amount}-{key}.json", self.data);
            let signer = format!("pkcs11:{token}/{key}");
            self.ok(&["approve", "--bundle-id", &id, "--signer", &signer, "--out", &file, "--json"], &format!("{pin}\n"));
            files.push(file);
        }
        (id, files)
    }

    /// Reviews chunk 0 and signs it: the review's gate and the signing's output.
    pub(crate) fn review_and_sign(&self, (bundle_id, approvals): &(String, Vec<String>), network: &str) -> (Value, Output) {
        let mut args = vec!["review", "--bundle-id", bundle_id, "--chunk", "0", "--who", "the treasury lead", "--json"];
        if network == "trc20" {
            args.extend(["--ref-block-bytes", "0a0b", "--ref-block-hash", "0102030405060708"]);
        }
        let reviewed = self.ok(&args, "");
        let hash = reviewed["review_hash"].as_str().unwrap().to_owned();
        let mut args = vec!["sign", "--bundle-id", bundle_id, "--chunk", "0", "--review", &hash, "--who", "the treasury lead", "--json"];
        for file in approvals {
            args.extend(["--approval", file.as_str()]);
        }
        let signed = self.run(&args, "");
        (reviewed, signed)
    }
}
