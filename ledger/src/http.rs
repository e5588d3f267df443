//! The HTTP surface of PRODUCT.md "Ledger protocol v1" (axum). Handlers check the role
//! from the headers first, then read the body (at most [`MAX_BODY_BYTES`]), then delegate
//! to [`Service`]. Every error is `{"error":{"code","message"}}`.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
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
use crate::storage::{Record, Storage, MAX_PAGE};
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
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(log_request))
        .with_state(AppState { service, config })
}

/// Logs one line per request with a request id — method, path, status, duration; never a
/// header (the bearer token) or a body.
async fn log_request(request: Request, next: Next) -> Response {
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    let request_id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(request_id, %method, path, status = response.status().as_u16(), elapsed_us = started.elapsed().as_micros() as u64, "request");
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

/// The body, at most [`MAX_BODY_BYTES`] (exactly that many is accepted); a larger one is
/// a 413, answered once the rest is drained.
async fn read_body(mut body: Body) -> Result<Bytes> {
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

fn record_json(record: &Record) -> Value {
    json!({
        "seq": record.seq,
        "kind": record.kind,
        "body": record.body,
        "prev": hex::encode(record.prev),
        "hash": hex::encode(record.hash),
    })
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
    let outcome = service.append_events(&lines).await?;
    crashpoint::hit("respond.before");
    Ok(Json(json!({"appended": outcome.appended, "duplicates": outcome.duplicates, "head": outcome.head})))
}

async fn post_command<S: Storage>(State(AppState { service, .. }): State<AppState<S>>, headers: HeaderMap, body: Body) -> Result<Response> {
    let (caller, body) = authorize_before_body(&service, &headers, Action::SendCommand, body).await?;
    let bytes = read_body(body).await?;
    let command = parse_command(&bytes)?;
    let outcome = service.command(&caller, &command).await?;
    let status = if outcome.duplicate { StatusCode::OK } else { StatusCode::CREATED };
    crashpoint::hit("respond.before");
    Ok((status, Json(json!({"seq": outcome.seq, "duplicate": outcome.duplicate}))).into_response())
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
) -> Result<Json<Value>> {
    service.authorize(authorization(&headers), Action::Read).await?;
    let (after, limit) = page(query.as_deref())?;
    let (records, head) = service.read(after, limit).await?;
    let records: Vec<Value> = records.iter().map(record_json).collect();
    Ok(Json(json!({"records": records, "head": head})))
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

/// What a stream holds between two records.
struct StreamState<S> {
    service: Arc<Service<S>>,
    commits: tokio::sync::watch::Receiver<u64>,
    cursor: u64,
    buffer: VecDeque<Record>,
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
            let event = SseEvent::default().id(record.seq.to_string()).data(record_json(&record).to_string());
            return Some((Ok(event), state));
        }
        // Marked seen before the read: a commit after it wakes the wait below at once.
        state.commits.borrow_and_update();
        match state.service.storage().read(state.cursor, STREAM_PAGE).await {
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
    let state = StreamState { commits: service.subscribe(), service, cursor, buffer: VecDeque::new(), sent: false };
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
