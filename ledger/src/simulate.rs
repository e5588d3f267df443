//! `clubgate-ledger simulate`: feeds a running ledger the core simulator's traffic
//! (`clubgate_core::simulate`, the same events `clubgate simulate` writes) through
//! `POST /v1/events`, in accelerated real time, so a demo or a test has live traffic.
//!
//! An event whose simulated instant is `at` is due `(at − T0) / speed` after the start; every
//! due event is sent, in order, in batches of at most `batch` lines. Lines go without `seq`
//! (the ledger assigns it). A batch that meets a network error, a 5xx or a 503 `retry` is
//! sent again (bounded, with a growing pause): the append is idempotent by id, so a batch
//! that was committed before its answer was lost comes back as duplicates. Any other
//! refusal stops the feed, naming the server's error code.

use std::time::{Duration, Instant};

use clubgate_core::events::Event;
use clubgate_core::ledger::ns;
use clubgate_core::plan::Plan;
use clubgate_core::schedule::{time_zone, T0};
use clubgate_core::simulate::{simulate, Scenario, Simulation};
use serde_json::Value;

use crate::{Error, Result};

/// The most lines one request carries.
pub const MAX_BATCH: usize = 1_000;
/// How many times a batch is sent before the feed gives up.
const ATTEMPTS: u32 = 6;
/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// At most one progress line per this interval.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// What to feed and where.
#[derive(Debug, Clone)]
pub struct Feed {
    /// The ledger's base URL (`http://HOST:PORT`).
    pub to: String,
    /// A platform-role bearer token.
    pub token: String,
    /// The scenario's name.
    pub scenario: String,
    /// Simulated seconds per real second (1 = real time).
    pub speed: f64,
    /// T0 (plan-zone wall clock or RFC 3339 instant); now when absent.
    pub t0: Option<String>,
    /// The simulator's seed.
    pub seed: u64,
    /// Hours of traffic from T0 (1–168).
    pub hours: u32,
    /// The plan zone (default: the default plan's).
    pub tz: Option<String>,
    /// Lines per request (1–[`MAX_BATCH`]).
    pub batch: usize,
}

/// What the feed did, summed over its batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Events the simulator produced (all sent).
    pub events: u64,
    /// Requests that were answered 200.
    pub batches: u64,
    /// Lines the ledger appended.
    pub appended: u64,
    /// Lines the ledger already had.
    pub duplicates: u64,
    /// The ledger's head after the last batch.
    pub head: u64,
}

fn usage(message: String) -> Error {
    Error::Usage { message }
}

/// The simulator's events for the feed's arguments, and T0.
pub fn events(feed: &Feed) -> Result<(Vec<Event>, jiff::Timestamp)> {
    let scenario: Scenario = feed.scenario.parse().map_err(usage)?;
    if !(1..=168).contains(&feed.hours) {
        return Err(usage(format!("--hours {} is not between 1 and 168", feed.hours)));
    }
    let zone = match &feed.tz {
        Some(name) => name.clone(),
        None => Plan::default_v1().time_zone,
    };
    let tz = time_zone(&zone).map_err(|e| usage(e.to_string()))?;
    let t0 = match &feed.t0 {
        Some(text) => T0::parse(text, &tz).map_err(|e| usage(format!("--t0: {e}")))?.zoned().timestamp(),
        None => jiff::Timestamp::now(),
    };
    Ok((simulate(&Simulation { scenario, t0, tz, seed: feed.seed, hours: feed.hours }), t0))
}

/// One event as a line of the events body: the event schema without `seq`.
pub fn line_without_seq(event: &Event) -> String {
    let mut object: serde_json::Map<String, Value> = match serde_json::from_str(&event.to_json()) {
        Ok(Value::Object(object)) => object,
        // The core writes one JSON object per event; anything else is a core defect.
        other => panic!("the core wrote an event that is not a JSON object: {other:?}"),
    };
    object.remove("seq");
    Value::Object(object).to_string()
}

/// Checks the arguments that do not need the simulator.
fn check(feed: &Feed) -> Result<()> {
    if !(feed.speed.is_finite() && feed.speed > 0.0) {
        return Err(usage(format!("--speed {} is not a positive number (1 = real time)", feed.speed)));
    }
    if !(1..=MAX_BATCH).contains(&feed.batch) {
        return Err(usage(format!("--batch {} is not between 1 and {MAX_BATCH}", feed.batch)));
    }
    if !(feed.to.starts_with("http://") || feed.to.starts_with("https://")) {
        return Err(usage(format!("--to {:?} is not an http:// URL", feed.to)));
    }
    if feed.token.trim().is_empty() {
        return Err(usage("--token is empty; issue a platform token with `token issue --role platform`".to_owned()));
    }
    Ok(())
}

/// Feeds the ledger; progress goes to standard error.
pub async fn run(feed: &Feed) -> Result<Summary> {
    check(feed)?;
    let (events, t0) = events(feed)?;
    let url = format!("{}/v1/events", feed.to.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| Error::Feed { message: format!("cannot build the HTTP client: {e}") })?;
    let t0_ns = ns(t0);
    let due: Vec<Duration> = events
        .iter()
        .map(|event| {
            let offset_s = (ns(event.at) - t0_ns).max(0) as f64 / 1e9;
            Duration::from_secs_f64((offset_s / feed.speed).min(1e9))
        })
        .collect();
    eprintln!(
        "simulate: {} events of {} (seed {}, {} h from {t0}) to {url} at {}× real time",
        events.len(),
        feed.scenario,
        feed.seed,
        feed.hours,
        feed.speed
    );
    let start = Instant::now();
    let mut summary = Summary { events: events.len() as u64, ..Summary::default() };
    let mut last_progress = start;
    let mut next = 0usize;
    while next < events.len() {
        let wait = due[next].saturating_sub(start.elapsed());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        let elapsed = start.elapsed();
        let mut end = next + 1;
        while end < events.len() && end - next < feed.batch && due[end] <= elapsed {
            end += 1;
        }
        let mut body = String::with_capacity((end - next) * 220);
        for event in &events[next..end] {
            body.push_str(&line_without_seq(event));
            body.push('\n');
        }
        let answer = post(&client, &url, &feed.token, body, next + 1, end).await?;
        summary.batches += 1;
        summary.appended += answer.0;
        summary.duplicates += answer.1;
        summary.head = answer.2;
        next = end;
        if next == events.len() || last_progress.elapsed() >= PROGRESS_EVERY {
            last_progress = Instant::now();
            eprintln!(
                "simulate: {next}/{} sent, simulated {} (appended {}, duplicates {}, head {}, {:.1} s)",
                events.len(),
                events[next - 1].at,
                summary.appended,
                summary.duplicates,
                summary.head,
                start.elapsed().as_secs_f64()
            );
        }
    }
    Ok(summary)
}

/// Posts one batch (events `first`..=`last`, counted from 1); retries what may pass later.
async fn post(client: &reqwest::Client, url: &str, token: &str, body: String, first: usize, last: usize) -> Result<(u64, u64, u64)> {
    let what = format!("events {first}–{last}");
    let mut pause = Duration::from_millis(200);
    let mut attempt = 1;
    loop {
        let failure = match client
            .post(url)
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "application/x-ndjson")
            .body(body.clone())
            .send()
            .await
        {
            Err(error) => format!("{error}"),
            Ok(response) => {
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                if status.is_success() {
                    let field = |name: &str| value[name].as_u64();
                    return match (field("appended"), field("duplicates"), field("head")) {
                        (Some(appended), Some(duplicates), Some(head)) => Ok((appended, duplicates, head)),
                        _ => Err(Error::Feed {
                            message: format!("{what}: the ledger answered {status} with {text:?}, not appended/duplicates/head"),
                        }),
                    };
                }
                let code = value["error"]["code"].as_str().unwrap_or("(no error code)");
                let message = value["error"]["message"].as_str().unwrap_or(text.as_str());
                let described = format!("{} {code}: {message}", status.as_u16());
                if !status.is_server_error() {
                    return Err(Error::Feed { message: format!("the ledger refused {what}: {described}") });
                }
                described
            }
        };
        if attempt >= ATTEMPTS {
            return Err(Error::Feed { message: format!("{what}: gave up after {ATTEMPTS} attempts: {failure}") });
        }
        eprintln!("simulate: {what}: attempt {attempt} failed ({failure}); again in {} ms", pause.as_millis());
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed() -> Feed {
        Feed {
            to: "http://127.0.0.1:1".to_owned(),
            token: "cgl_x".to_owned(),
            scenario: "pilot-day".to_owned(),
            speed: 1.0,
            t0: Some("2026-12-07T10:00".to_owned()),
            seed: 1,
            hours: 1,
            tz: None,
            batch: MAX_BATCH,
        }
    }

    #[test]
    fn lines_carry_no_seq_and_parse_as_the_ledger_reads_them() {
        let (events, _) = events(&feed()).expect("events");
        assert!(!events.is_empty());
        let text: String = events.iter().map(|e| line_without_seq(e) + "\n").collect();
        assert!(!text.contains("\"seq\""));
        let lines = crate::service::parse_event_lines(&text).expect("the ledger reads the lines");
        assert_eq!(lines.len(), events.len());
    }

    #[test]
    fn bad_arguments_are_usage_errors() {
        for (change, fragment) in [
            (Box::new(|f: &mut Feed| f.speed = 0.0) as Box<dyn Fn(&mut Feed)>, "--speed"),
            (Box::new(|f: &mut Feed| f.batch = MAX_BATCH + 1), "--batch"),
            (Box::new(|f: &mut Feed| f.to = "localhost:8080".to_owned()), "--to"),
        ] {
            let mut bad = feed();
            change(&mut bad);
            let error = check(&bad).unwrap_err();
            assert!(matches!(error, Error::Usage { .. }) && error.to_string().contains(fragment), "{error}");
        }
        let mut bad = feed();
        bad.scenario = "nope".to_owned();
        assert!(events(&bad).unwrap_err().to_string().contains("pilot-day"));
        bad = feed();
        bad.hours = 0;
        assert!(events(&bad).unwrap_err().to_string().contains("--hours"));
    }
}
