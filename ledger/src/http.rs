//! The HTTP surface of PRODUCT.md "Ledger protocol v1" (axum). Handlers check the role
//! from the headers first, then read the body (at most [`MAX_BODY_BYTES`]), then delegate
//! to [`Service`]. Every error is `{"error":{"code","message"}}`.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, Request, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::BytesMut;
use http_body_util::BodyExt;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::crashpoint;
use crate::service::{parse_command, parse_event_lines, Action, Service};
use crate::storage::{Served, Storage, MAX_PAGE};
use crate::{Error, Result};

/// The largest request body accepted: 8 MiB (exactly 8 MiB is accepted).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The page size of a read when `limit` is not given.
const DEFAULT_PAGE: u32 = 1_000;

/// How many records a stream reads from storage at once.
const STREAM_PAGE: u32 = 1_000;

/// How often an idle stream looks at the storage even without a commit of this process
/// (another process may append to the same database).
const STREAM_POLL: Duration = Duration::from_millis(500);

/// How the HTTP surface behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpConfig {
    /// The interval of SSE keep-alive comments.
    pub keep_alive: Duration,
}

struct AppState<S> {
    service: Arc<Service<S>>,
    config: HttpConfig,
}

impl<S> Clone for AppState<S> {
    fn clone(&self) -> Self {
        Self { service: Arc::clone(&self.service), config: self.config }
    }
}

/// The router over a service.
pub fn router<S: Storage>(service: Arc<Service<S>>, config: HttpConfig) -> Router {
    Router::new()
        .route("/v1/health", get(health::<S>))
        .route("/v1/events", post(post_events::<S>).get(get_events::<S>))
        .route("/v1/events/stream", get(stream_events::<S>))
        .route("/v1/commands", post(post_command::<S>))
        .route("/v1/policy", get(get_policy::<S>).post(post_policy::<S>))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(log_request))
        .with_state(AppState { service, config })
}

/// The header that carries a request's id, both ways.
const REQUEST_ID: &str = "x-request-id";

/// A client's request id, if it is a sane one (1–64 of `A–Z a–z 0–9 - _ .`): it is logged and
/// echoed, so it must not smuggle anything into a log line.
fn client_request_id(request: &Request) -> Option<String> {
    let value = request.headers().get(REQUEST_ID)?.to_str().ok()?;
    let sane = (1..=64).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    sane.then(|| value.to_owned())
}

/// Every request gets an id — the client's `X-Request-Id` if sane, else `PROCESS-N` — which
/// the answer echoes in `X-Request-Id` and every log line of the request carries (a span).
/// One line per request: method, path, status, duration; never a header (the bearer token)
/// or a body (signatures, payloads).
async fn log_request(request: Request, next: Next) -> Response {
    use tracing::Instrument;
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    static PROCESS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let process = PROCESS.get_or_init(|| {
        let mut bytes = [0u8; 4];
        let _ = getrandom::getrandom(&mut bytes);
        hex::encode(bytes)
    });
    let request_id = client_request_id(&request).unwrap_or_else(|| format!("{process}-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed)));
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let span = tracing::info_span!("request", id = %request_id);
    let mut response = next.run(request).instrument(span.clone()).await;
    span.in_scope(|| {
        tracing::info!(%method, path, status = response.status().as_u16(), elapsed_us = started.elapsed().as_micros() as u64, "request");
    });
    if let Ok(value) = axum::http::HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

async fn not_found(uri: Uri) -> Error {
    Error::NotFound { path: uri.path().to_owned() }
}

async fn method_not_allowed(uri: Uri) -> Response {
    let body = json!({"error": {"code": "method_not_allowed", "message": format!("{} does not take this method", uri.path())}});
    (StatusCode::METHOD_NOT_ALLOWED, Json(body)).into_response()
}

fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
}

/// How much of a refused body is read and thrown away before the answer, and for how long:
/// a client still writing its body when the connection closes sees a broken pipe instead of
/// the 401/403/413, so the ledger reads a bounded amount to let it finish.
const DRAIN_LIMIT_BYTES: usize = 64 * 1024 * 1024;
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Reads and discards a body, up to [`DRAIN_LIMIT_BYTES`] and [`DRAIN_TIMEOUT`].
async fn drain(mut body: Body) {
    let discard = async {
        let mut seen = 0usize;
        while let Some(Ok(frame)) = body.frame().await {
            seen += frame.data_ref().map_or(0, |data| data.len());
            if seen > DRAIN_LIMIT_BYTES {
                return;
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, discard).await;
}

/// The caller, if its role may do `action`; a refused caller's body is drained unread.
async fn authorize_before_body<S: Storage>(
    service: &Service<S>,
    headers: &HeaderMap,
    action: Action,
    body: Body,
) -> Result<(Caller, Body)> {
    match service.authorize(authorization(headers), action).await {
        Ok(caller) => Ok((caller, body)),
        Err(error) => {
            drain(body).await;
            Err(error)
        }
    }
}

/// The most body bytes all requests of this process read at once (in KiB permits): 64
/// bodies of the maximum size; more wait their turn instead of exhausting memory.
const BODY_BUDGET_KIB: usize = 64 * MAX_BODY_BYTES / 1024;

fn body_budget() -> &'static tokio::sync::Semaphore {
    static BUDGET: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    BUDGET.get_or_init(|| tokio::sync::Semaphore::new(BODY_BUDGET_KIB))
}

/// The body, at most [`MAX_BODY_BYTES`] (exactly that many is accepted); a larger one is
/// a 413, answered once the rest is drained. Reading takes its share of the process's body
/// budget — the declared `Content-Length`, else the maximum — until the body is read.
async fn read_body(body: Body) -> Result<Bytes> {
    let declared = http_body::Body::size_hint(&body)
        .exact()
        .map_or(MAX_BODY_BYTES, |n| usize::try_from(n).unwrap_or(MAX_BODY_BYTES).min(MAX_BODY_BYTES));
    let kib = u32::try_from(declared.div_ceil(1024).max(1)).unwrap_or(u32::MAX);
    let _permit = body_budget().acquire_many(kib).await.map_err(|_| Error::Busy { message: "the server is stopping".to_owned() })?;
    read_body_within_limit(body).await
}

async fn read_body_within_limit(mut body: Body) -> Result<Bytes> {
    let mut collected = BytesMut::new();
    loop {
        match body.frame().await {
            None => return Ok(collected.freeze()),
            Some(Err(error)) => {
                return Err(Error::BadRequest { code: "bad_body", message: format!("the body could not be read: {error}") })
            }
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    if collected.len() + data.len() > MAX_BODY_BYTES {
                        drain(body).await;
                        return Err(Error::TooLarge { limit_bytes: MAX_BODY_BYTES });
                    }
                    collected.extend_from_slice(data);
                }
            }
        }
    }
}

async fn health<S: Storage>(State(AppState { service, .. }): State<AppState<S>>) -> Result<Json<Value>> {
    Ok(Json(json!({"status": "ok", "head": service.head().await?})))
}

async fn post_events<S: Storage>(
    State(AppState { service, .. }): State<AppState<S>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>> {
    let (_, body) = authorize_before_body(&service, &headers, Action::AppendEvents, body).await?;
    let bytes = read_body(body).await?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| Error::BadRequest { code: "malformed_json", message: format!("the body is not UTF-8 (byte {})", e.valid_up_to()) })?;
    let lines = parse_event_lines(text)?;
    let outcome = detached(async move { service.append_events(&lines).await }).await?;
    crashpoint::hit("respond.before");
    Ok(Json(json!({"appended": outcome.appended, "duplicates": outcome.duplicates, "head": outcome.head})))
}

async fn post_command<S: Storage>(State(AppState { service, .. }): State<AppState<S>>, headers: HeaderMap, body: Body) -> Result<Response> {
    let (caller, body) = authorize_before_body(&service, &headers, Action::SendCommand, body).await?;
    let bytes = read_body(body).await?;
    let command = parse_command(&bytes)?;
    // On a task of its own: a client that hangs up does not cancel the group it may be
    // appending for other clients.
    let outcome = detached(async move { service.command(&caller, &command).await }).await?;
    let status = if outcome.duplicate { StatusCode::OK } else { StatusCode::CREATED };
    crashpoint::hit("respond.before");
    Ok((status, Json(json!({"seq": outcome.seq, "duplicate": outcome.duplicate}))).into_response())
}

/// Runs an append on a task of its own, so that it finishes even if the request is dropped.
async fn detached<T: Send + 'static>(work: impl std::future::Future<Output = Result<T>> + Send + 'static) -> Result<T> {
    use tracing::Instrument;
    tokio::spawn(work.in_current_span()).await.unwrap_or_else(|join| {
        Err(Error::Io { context: "the append task failed".to_owned(), source: std::io::Error::other(join.to_string()) })
    })
}

async fn get_policy<S: Storage>(State(AppState { service, .. }): State<AppState<S>>, headers: HeaderMap) -> Result<Json<Value>> {
    service.authorize(authorization(&headers), Action::Read).await?;
    service.policy().await?.map(Json).ok_or_else(|| Error::NotFound {
        path: "/v1/policy: the ledger has no policy yet (run `clubgate-ledger --db URL policy init FILE` on the server)".to_owned(),
    })
}

/// `POST /v1/policy` (launch_ic): `{"id":UUID,"treasury":"TOML text"}` proposes the file as
/// the next policy version; it takes effect once a quorum of the approvers in force approve
/// its hash (an `approval` command with `policy_version` and `policy_hash`).
async fn post_policy<S: Storage>(State(AppState { service, .. }): State<AppState<S>>, headers: HeaderMap, body: Body) -> Result<Response> {
    let (caller, body) = authorize_before_body(&service, &headers, Action::ProposePolicy, body).await?;
    let bytes = read_body(body).await?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Error::BadRequest { code: "malformed_json", message: format!("the body is not JSON: {e}") })?;
    let invalid = |message: String| Error::Unprocessable { code: "invalid_policy", message };
    let Value::Object(object) = &value else {
        return Err(invalid(format!("the body {value} is not a JSON object {{\"id\",\"treasury\"}}")));
    };
    if let Some(extra) = object.keys().find(|k| !["id", "treasury"].contains(&k.as_str())) {
        return Err(invalid(format!("unknown field {extra:?}; a proposal has only \"id\" and \"treasury\"")));
    }
    let id = match object.get("id") {
        Some(Value::String(id)) => clubgate_core::events::format_uuid(clubgate_core::events::parse_uuid(id).map_err(invalid)?),
        other => return Err(invalid(format!("id {} is not a UUID string", other.map_or("(missing)".to_owned(), Value::to_string)))),
    };
    let Some(Value::String(text)) = object.get("treasury") else {
        return Err(invalid("\"treasury\" must be the treasury file's text (TOML) as a JSON string".to_owned()));
    };
    let text = text.clone();
    let proposer = caller.name.clone();
    let worker = Arc::clone(&service);
    let outcome = detached(async move { worker.propose_policy(&id, &text, &proposer, false).await }).await?;
    let record = service.record(outcome.seq).await?;
    let payload = record.as_ref().and_then(|r| r.body.get("payload")).cloned().unwrap_or_default();
    let status = if outcome.duplicate { StatusCode::OK } else { StatusCode::CREATED };
    let answer = json!({
        "seq": outcome.seq,
        "duplicate": outcome.duplicate,
        "version": payload["version"],
        "hash": payload["hash"],
        "status": "proposed",
    });
    Ok((status, Json(answer)).into_response())
}

/// `after` (default 0) and `limit` (default 1,000, 1 to 10,000) from a query string.
fn page(query: Option<&str>) -> Result<(u64, u32)> {
    let bad = |message: String| Error::BadRequest { code: "bad_query", message };
    let (mut after, mut limit) = (0u64, DEFAULT_PAGE);
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "after" => after = value.parse().map_err(|_| bad(format!("after={value:?} is not a seq (a whole number ≥ 0)")))?,
            "limit" => {
                limit = value
                    .parse()
                    .ok()
                    .filter(|l| (1..=MAX_PAGE).contains(l))
                    .ok_or_else(|| bad(format!("limit={value:?} is not a whole number from 1 to {MAX_PAGE}")))?;
            }
            other => return Err(bad(format!("unknown query parameter {other:?}; use after and limit"))),
        }
    }
    Ok((after, limit))
}

async fn get_events<S: Storage>(
    State(AppState { service, .. }): State<AppState<S>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    service.authorize(authorization(&headers), Action::Read).await?;
    let (after, limit) = page(query.as_deref())?;
    let (records, head) = service.read_served(after, limit).await?;
    // Written out directly: each record's JSON text is the stored body framed, never parsed.
    let mut text = String::with_capacity(records.iter().map(|r| r.json.len() + 1).sum::<usize>() + 32);
    text.push_str(r#"{"records":["#);
    for (index, record) in records.iter().enumerate() {
        if index > 0 {
            text.push(',');
        }
        text.push_str(&record.json);
    }
    text.push_str(&format!(r#"],"head":{head}}}"#));
    Ok(([(header::CONTENT_TYPE, "application/json")], text).into_response())
}

/// Where a stream starts: `Last-Event-ID` wins over `after` (a reconnecting client resumes).
fn stream_start(headers: &HeaderMap, query: Option<&str>) -> Result<u64> {
    let bad = |message: String| Error::BadRequest { code: "bad_query", message };
    let mut after = 0u64;
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "after" => after = value.parse().map_err(|_| bad(format!("after={value:?} is not a seq (a whole number ≥ 0)")))?,
            other => return Err(bad(format!("unknown query parameter {other:?}; use after"))),
        }
    }
    match headers.get("last-event-id") {
        None => Ok(after),
        Some(value) => {
            let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
            text.trim().parse().map_err(|_| bad(format!("Last-Event-ID {text:?} is not a seq (a whole number ≥ 0)")))
        }
    }
}

/// The most event streams one server keeps open; one more gets 503 `busy`.
const MAX_STREAMS: usize = 1_024;

/// How often an open stream checks that its token is still live (a revoked token's stream
/// ends within this long).
const STREAM_TOKEN_CHECK: Duration = Duration::from_secs(1);

/// Event streams open in this process.
static OPEN_STREAMS: AtomicUsize = AtomicUsize::new(0);

/// One open stream, counted in [`OPEN_STREAMS`] until dropped.
struct StreamSlot;

impl StreamSlot {
    fn take() -> Result<Self> {
        let open = OPEN_STREAMS.fetch_add(1, Ordering::SeqCst);
        if open >= MAX_STREAMS {
            OPEN_STREAMS.fetch_sub(1, Ordering::SeqCst);
            return Err(Error::Busy {
                message: format!("this server has {MAX_STREAMS} event streams open; retry later or read by cursor"),
            });
        }
        Ok(Self)
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        OPEN_STREAMS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What a stream holds between two records.
struct StreamState<S> {
    service: Arc<Service<S>>,
    commits: tokio::sync::watch::Receiver<u64>,
    cursor: u64,
    buffer: VecDeque<Served>,
    /// The `Authorization` header it was opened with, checked again every
    /// [`STREAM_TOKEN_CHECK`]: a revoked token's stream ends.
    authorization: String,
    checked: Instant,
    _slot: StreamSlot,
    /// Whether a record was handed to the response (for the `stream.mid` crash point).
    sent: bool,
}

/// The next record after the cursor, waiting for a commit (or polling) when there is none.
/// `None` ends the stream (storage failure or shutdown); the client reconnects with
/// `Last-Event-ID`.
async fn next_record<S: Storage>(mut state: StreamState<S>) -> Option<(Result<SseEvent, Infallible>, StreamState<S>)> {
    // Asked for the next record: the previous one has gone to the response.
    if state.sent {
        crashpoint::hit("stream.mid");
    }
    loop {
        if let Some(record) = state.buffer.pop_front() {
            state.sent = true;
            state.cursor = record.seq;
            let event = SseEvent::default().id(record.seq.to_string()).data(record.json);
            return Some((Ok(event), state));
        }
        if state.checked.elapsed() >= STREAM_TOKEN_CHECK {
            if !state.service.still_live(&state.authorization).await {
                tracing::info!(cursor = state.cursor, "a stream's token was revoked; it ends");
                return None;
            }
            state.checked = Instant::now();
        }
        // Marked seen before the read: a commit after it wakes the wait below at once.
        state.commits.borrow_and_update();
        match state.service.storage().read_served(state.cursor, STREAM_PAGE).await {
            Ok(records) if !records.is_empty() => state.buffer.extend(records),
            Ok(_) => {
                if let Ok(Err(_)) = tokio::time::timeout(STREAM_POLL, state.commits.changed()).await {
                    return None;
                }
            }
            Err(error) => {
                tracing::error!(%error, cursor = state.cursor, "a stream cannot read the log; it ends");
                return None;
            }
        }
    }
}

async fn stream_events<S: Storage>(
    State(AppState { service, config }): State<AppState<S>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    service.authorize(authorization(&headers), Action::Read).await?;
    let cursor = stream_start(&headers, query.as_deref())?;
    let slot = StreamSlot::take()?;
    let authorization = authorization(&headers).unwrap_or_default().to_owned();
    let state = StreamState {
        commits: service.subscribe(),
        service,
        cursor,
        buffer: VecDeque::new(),
        authorization,
        checked: Instant::now(),
        _slot: slot,
        sent: false,
    };
    let stream = futures_util::stream::unfold(state, next_record);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(config.keep_alive)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(query: Option<&str>, expected: Result<(u64, u32), &str>) {
        match (page(query), expected) {
            (Ok(got), Ok(want)) => assert_eq!(got, want),
            (Err(error), Err(fragment)) => assert!(error.to_string().contains(fragment), "{error}"),
            (got, want) => panic!("{query:?}: got {got:?}, want {want:?}"),
        }
    }

    /// The goal: a page is bounded, and a bad parameter is refused naming its value.
    #[test]
    fn pages_are_bounded_and_bad_values_named() {
        check(None, Ok((0, DEFAULT_PAGE)));
        check(Some("after=5&limit=10000"), Ok((5, 10_000)));
        check(Some("limit=10001"), Err("\"10001\""));
        check(Some("limit=0"), Err("\"0\""));
        check(Some("after=-1"), Err("\"-1\""));
        check(Some("cursor=3"), Err("\"cursor\""));
    }
}
