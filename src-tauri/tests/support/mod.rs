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
use std::process::{Child, Command, Stdio};
use std::time::Duration;

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
