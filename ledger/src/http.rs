//! The HTTP surface of PRODUCT.md "Ledger protocol v1" (axum). Handlers check the role
//! from the headers first, then read the body (at most [`MAX_BODY_BYTES`]), then delegate
//! to [`Service`]. Every error is `{"error":{"code","message"}}`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, Request, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::service::{parse_command, parse_event_lines, Action, Service};
use crate::storage::{Record, Storage, MAX_PAGE};
use crate::{Error, Result};

/// The largest request body accepted: 8 MiB (exactly 8 MiB is accepted).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The page size of a read when `limit` is not given.
const DEFAULT_PAGE: u32 = 1_000;

/// The router over a service.
pub fn router<S: Storage>(service: Arc<Service<S>>) -> Router {
    Router::new()
        .route("/v1/health", get(health::<S>))
        .route("/v1/events", post(post_events::<S>).get(get_events::<S>))
        .route("/v1/commands", post(post_command::<S>))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(log_request))
        .with_state(service)
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

/// The body, at most [`MAX_BODY_BYTES`]; a declared or actual larger one is a 413.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes> {
    let too_large = Error::TooLarge { limit_bytes: MAX_BODY_BYTES };
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(too_large);
    }
    axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(|error| {
        let inner = error.into_inner();
        if inner.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
            too_large
        } else {
            Error::BadRequest { code: "bad_body", message: format!("the body could not be read: {inner}") }
        }
    })
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

async fn health<S: Storage>(State(service): State<Arc<Service<S>>>) -> Result<Json<Value>> {
    Ok(Json(json!({"status": "ok", "head": service.head().await?})))
}

async fn post_events<S: Storage>(State(service): State<Arc<Service<S>>>, headers: HeaderMap, body: Body) -> Result<Json<Value>> {
    service.authorize(authorization(&headers), Action::AppendEvents).await?;
    let bytes = read_body(&headers, body).await?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| Error::BadRequest { code: "malformed_json", message: format!("the body is not UTF-8 (byte {})", e.valid_up_to()) })?;
    let lines = parse_event_lines(text)?;
    let outcome = service.append_events(&lines).await?;
    Ok(Json(json!({"appended": outcome.appended, "duplicates": outcome.duplicates, "head": outcome.head})))
}

async fn post_command<S: Storage>(State(service): State<Arc<Service<S>>>, headers: HeaderMap, body: Body) -> Result<Response> {
    let caller = service.authorize(authorization(&headers), Action::SendCommand).await?;
    let bytes = read_body(&headers, body).await?;
    let command = parse_command(&bytes)?;
    let outcome = service.command(&caller, &command).await?;
    let status = if outcome.duplicate { StatusCode::OK } else { StatusCode::CREATED };
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
    State(service): State<Arc<Service<S>>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>> {
    service.authorize(authorization(&headers), Action::Read).await?;
    let (after, limit) = page(query.as_deref())?;
    let (records, head) = service.read(after, limit).await?;
    let records: Vec<Value> = records.iter().map(record_json).collect();
    Ok(Json(json!({"records": records, "head": head})))
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
