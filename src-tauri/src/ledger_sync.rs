//! The window's ledger sync (issue 10): one tokio task per configured ledger URL that pushes
//! the outbox and pulls the log (`clubgate_sync::push` then `pull`, which verifies the chain
//! and applies each page with its cursor in one store transaction), then waits for the
//! ledger's event stream to announce a record — or 2 s at most — and goes again. The stream
//! is only a wake-up; nothing is taken from it.
//!
//! States: `not configured` → `connecting` → `online` ⇄ `offline` (unreachable: retried with
//! exponential backoff, 0.5 s doubling to 30 s, ±20 % jitter); `unauthorized` (401 or no
//! token) and `broken` (the chain does not verify, or the store follows another ledger) stop
//! the task until the URL is set again. The token comes from `clubgate_sync::keychain` and
//! stays in the task: never in the status, the store, a file or a log.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clubgate_ipc::{RefusedCommandView, SyncStatusView};
use clubgate_store::Store;
use clubgate_sync::stream::EventStream;
use clubgate_sync::Client;
use jiff::Timestamp;
use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::live::Live;

/// The environment variable that names the ledger (wins over the settings file).
pub const LEDGER_URL_ENV: &str = "CLUBGATE_LEDGER_URL";
/// The settings file in the data directory that keeps the URL set from the Settings page.
pub const SETTINGS_FILE: &str = "ledger.json";

/// A round runs at least this often.
const ROUND_EVERY: Duration = Duration::from_secs(2);
/// The first retry after the ledger became unreachable.
const BACKOFF_MIN: Duration = Duration::from_millis(500);
/// The longest wait between retries.
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// The most refusals the status lists (newest last).
const MAX_REFUSALS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    NotConfigured,
    Connecting,
    Online,
    Offline,
    Unauthorized,
    Broken,
}

impl State {
    fn label(self) -> &'static str {
        match self {
            Self::NotConfigured => "not configured",
            Self::Connecting => "connecting",
            Self::Online => "online",
            Self::Offline => "offline",
            Self::Unauthorized => "unauthorized",
            Self::Broken => "broken",
        }
    }
}

#[derive(Debug, Clone)]
struct Status {
    url: Option<String>,
    state: State,
    offline_since: Option<Timestamp>,
    head: Option<u64>,
    broken_seq: Option<u64>,
    last_error: Option<String>,
}

impl Status {
    fn new(url: Option<String>) -> Self {
        let state = if url.is_some() { State::Connecting } else { State::NotConfigured };
        Self { url, state, offline_since: None, head: None, broken_seq: None, last_error: None }
    }
}

/// The sync worker and its status, shared by the commands and the task.
#[derive(Clone)]
pub(crate) struct LedgerSync {
    status: Arc<Mutex<Status>>,
    task: Arc<Mutex<Option<tauri::async_runtime::JoinHandle<()>>>>,
    store: Store,
    live: Live,
    data_dir: PathBuf,
}

/// Checks a ledger URL: `http(s)://HOST:PORT` with an explicit port and nothing after it
/// but an optional `/`. Returns it without the trailing slash.
pub(crate) fn parse_url(text: &str) -> Result<String> {
    let text = text.trim();
    let refuse = |why: &str| Error::Refused {
        message: format!("ledger URL {text:?} is not http(s)://HOST:PORT ({why}); e.g. http://127.0.0.1:8080"),
    };
    let rest = text.strip_prefix("http://").or_else(|| text.strip_prefix("https://")).ok_or_else(|| refuse("no http:// or https://"))?;
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains(['/', '?', '#', '@']) || authority.chars().any(char::is_whitespace) {
        return Err(refuse("only a host and a port are allowed"));
    }
    let (host, port) = authority.rsplit_once(':').ok_or_else(|| refuse("no port"))?;
    let host_ok = if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        inner.parse::<std::net::Ipv6Addr>().is_ok()
    } else {
        !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    };
    if !host_ok {
        return Err(refuse("the host is not a name or an address"));
    }
    match port.parse::<u16>() {
        Ok(port) if port > 0 => Ok(text.trim_end_matches('/').to_owned()),
        _ => Err(refuse("the port is not a number from 1 to 65535")),
    }
}

/// The configured ledger URL: `$CLUBGATE_LEDGER_URL`, else `ledger.json` in the data
/// directory, else none.
fn configured_url(data_dir: &Path) -> Result<Option<String>> {
    if let Ok(url) = std::env::var(LEDGER_URL_ENV) {
        if !url.trim().is_empty() {
            return parse_url(&url).map(Some);
        }
    }
    let path = data_dir.join(SETTINGS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(Error::Refused { message: format!("cannot read {}: {error}", path.display()) }),
    };
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|error| Error::Refused { message: format!("{} is not JSON ({error}); set the ledger URL again", path.display()) })?;
    match value["url"].as_str() {
        Some(url) if !url.trim().is_empty() => parse_url(url).map(Some),
        _ => Ok(None),
    }
}

/// A wait of about `base`, ±20 %, so that many desks do not retry in step.
fn jittered(base: Duration) -> Duration {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let factor = 0.8 + f64::from(nanos % 1_000) / 2_500.0; // 0.8 ..< 1.2
    base.mul_f64(factor)
}

impl LedgerSync {
    pub(crate) fn new(store: Store, live: Live, data_dir: &Path) -> Self {
        Self {
            status: Arc::new(Mutex::new(Status::new(None))),
            task: Arc::new(Mutex::new(None)),
            store,
            live,
            data_dir: data_dir.to_path_buf(),
        }
    }

    fn update(&self, change: impl FnOnce(&mut Status)) {
        let mut status = self.status.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        change(&mut status);
    }

    fn snapshot(&self) -> Status {
        self.status.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Whether a ledger URL is configured (the event stream then comes from the ledger).
    pub(crate) fn configured(&self) -> Option<String> {
        self.snapshot().url
    }

    /// Starts the worker for the configured URL, if any (at start-up).
    pub(crate) fn start_configured(&self) {
        match configured_url(&self.data_dir) {
            Ok(url) => self.restart(url),
            Err(error) => {
                eprintln!("clubgate-desk: ledger sync not started: {error}");
                self.update(|s| {
                    *s = Status::new(None);
                    s.last_error = Some(error.to_string());
                });
            }
        }
    }

    /// Sets the ledger URL from the Settings page (empty: stop syncing), keeps it in
    /// `ledger.json` and restarts the worker.
    pub(crate) async fn set_url(&self, text: &str) -> Result<SyncStatusView> {
        let url = if text.trim().is_empty() { None } else { Some(parse_url(text)?) };
        let path = self.data_dir.join(SETTINGS_FILE);
        let document = serde_json::json!({ "url": url });
        std::fs::write(&path, format!("{document}\n"))
            .map_err(|error| Error::Refused { message: format!("cannot write {}: {error}", path.display()) })?;
        self.restart(url);
        self.status_view().await
    }

    fn restart(&self, url: Option<String>) {
        let mut task = self.task.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(old) = task.take() {
            // Safe at any point: a pulled page and its cursor commit in one transaction.
            old.abort();
        }
        self.update(|s| *s = Status::new(url.clone()));
        if let Some(url) = url {
            let worker = self.clone();
            *task = Some(tauri::async_runtime::spawn(async move { worker.run(url).await }));
        }
    }

    async fn run(self, url: String) {
        let token = match clubgate_sync::keychain::load_token(&url) {
            Ok(token) => token,
            Err(error) => return self.update(|s| (s.state, s.last_error) = (State::Unauthorized, Some(error.to_string()))),
        };
        let client = match Client::new(&url, token) {
            Ok(client) => client,
            Err(error) => return self.update(|s| (s.state, s.last_error) = (State::Broken, Some(error.to_string()))),
        };
        match self.store.ledger_cursor().await {
            Ok(Some(cursor)) if cursor.url != url => {
                let message = format!(
                    "this desk's store follows the ledger {}, not {url}; set that URL again, or start with a data directory of its own for {url}",
                    cursor.url
                );
                return self.update(|s| (s.state, s.last_error) = (State::Broken, Some(message)));
            }
            _ => {}
        }
        let mut backoff = BACKOFF_MIN;
        let mut stream: Option<EventStream> = None;
        loop {
            let round = async {
                let pushed = clubgate_sync::push(&self.store, &client).await?;
                let pulled = clubgate_sync::pull(&self.store, &client).await?;
                Ok::<_, clubgate_sync::Error>((pushed, pulled))
            };
            match round.await {
                Ok((pushed, pulled)) => {
                    for skipped in &pulled.skipped {
                        eprintln!("clubgate-desk: {skipped}");
                    }
                    if pulled.records > 0 {
                        if let Err(error) = self.live.catch_up().await {
                            eprintln!("clubgate-desk: the dashboard could not take the pulled events: {error}");
                        }
                    }
                    let waiting = pushed.pending;
                    self.update(|s| {
                        s.state = if waiting > 0 { State::Offline } else { State::Online };
                        if waiting == 0 {
                            s.offline_since = None;
                            s.last_error = None;
                        } else {
                            s.offline_since.get_or_insert_with(Timestamp::now);
                        }
                        s.head = Some(pulled.head);
                    });
                    if waiting > 0 {
                        // The push stopped part-way (the ledger went away or is busy).
                        tokio::time::sleep(jittered(backoff)).await;
                        backoff = (backoff * 2).min(BACKOFF_MAX);
                        continue;
                    }
                    backoff = BACKOFF_MIN;
                    wait_for_wake(&client, &mut stream, pulled.cursor).await;
                }
                Err(clubgate_sync::Error::Unauthorized { .. }) => {
                    let message = format!("token refused — run `clubgate ledger login --url {url}`");
                    return self.update(|s| (s.state, s.last_error) = (State::Unauthorized, Some(message)));
                }
                Err(clubgate_sync::Error::ChainBroken { seq, reason }) => {
                    let message = format!(
                        "the ledger's hash chain is broken at seq {seq}: {reason}; sync stopped, nothing from seq {seq} on was applied"
                    );
                    self.live.alert(message.clone()).await;
                    return self.update(|s| {
                        (s.state, s.broken_seq, s.last_error) = (State::Broken, Some(seq), Some(message));
                    });
                }
                Err(error) => {
                    // Unreachable, a 5xx, an answer outside the protocol or a store that
                    // could not write: all may pass, so retry.
                    stream = None;
                    self.update(|s| {
                        s.state = State::Offline;
                        s.offline_since.get_or_insert_with(Timestamp::now);
                        s.last_error = Some(error.to_string());
                    });
                    tokio::time::sleep(jittered(backoff)).await;
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                }
            }
        }
    }

    /// The status the strip shows.
    pub(crate) async fn status_view(&self) -> Result<SyncStatusView> {
        let status = self.snapshot();
        let cursor = self.store.ledger_cursor().await?.map_or(0, |c| c.seq);
        let counts = self.store.outbox_counts().await?;
        let refused = if counts.refused > 0 {
            let all = self.store.outbox(false).await?;
            let refused: Vec<RefusedCommandView> = all
                .into_iter()
                .filter(|c| c.state == "refused")
                .map(|c| {
                    let (code, message) = c.error.unwrap_or_default();
                    RefusedCommandView { id: c.id, kind: c.kind, code, message }
                })
                .collect();
            refused[refused.len().saturating_sub(MAX_REFUSALS)..].to_vec()
        } else {
            Vec::new()
        };
        let zone = self.store.require_settings().await?.launch()?.t0.zoned().time_zone().clone();
        let since = status.offline_since.filter(|_| status.state == State::Offline);
        Ok(SyncStatusView {
            configured: status.url.is_some(),
            url: status.url,
            state: status.state.label().to_owned(),
            offline_since: since.map(|t| t.to_zoned_datetime(zone.clone()).strftime("%H:%M:%S").to_string()),
            offline_since_ms: since.map(Timestamp::as_millisecond),
            cursor,
            head: status.head,
            lag: status.head.map(|head| head.saturating_sub(cursor)),
            outbox_pending: counts.pending,
            outbox_refused: refused,
            broken_seq: status.broken_seq,
            last_error: status.last_error,
        })
    }
}

/// Waits until the ledger announces a record after `cursor`, or [`ROUND_EVERY`] passed, or
/// the stream ended (the next round then finds out why).
async fn wait_for_wake(client: &Client, stream: &mut Option<EventStream>, cursor: u64) {
    let deadline = Instant::now() + ROUND_EVERY;
    if stream.is_none() {
        if let Ok(Ok(opened)) = tokio::time::timeout_at(deadline, clubgate_sync::stream::open(client, cursor)).await {
            *stream = Some(opened);
        }
    }
    loop {
        let Some(open) = stream.as_mut() else {
            tokio::time::sleep_until(deadline).await;
            return;
        };
        match tokio::time::timeout_at(deadline, open.next()).await {
            Err(_) => return,
            Ok(Ok(Some(event))) if event.id.is_some_and(|seq| seq <= cursor) => continue,
            Ok(Ok(Some(_))) => return,
            Ok(Ok(None) | Err(_)) => {
                *stream = None;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_url;

    #[test]
    fn ledger_urls() {
        for good in ["http://127.0.0.1:8080", "https://ledger.example.com:443/", "http://[::1]:9000", "http://ledger-1:1"] {
            assert!(parse_url(good).is_ok(), "{good}");
        }
        assert_eq!(parse_url(" http://h:1/ ").ok().as_deref(), Some("http://h:1"));
        for (bad, why) in [
            ("127.0.0.1:8080", "no http://"),
            ("ftp://h:1", "no http://"),
            ("http://h", "no port"),
            ("http://h:0", "the port"),
            ("http://h:99999", "the port"),
            ("http://h:1/v1", "only a host"),
            ("http://u@h:1", "only a host"),
            ("http://:1", "the host"),
        ] {
            let message = parse_url(bad).map(|_| String::new()).unwrap_or_else(|e| e.to_string());
            assert!(message.contains(why) && message.contains(bad), "{bad}: {message}");
        }
    }
}
