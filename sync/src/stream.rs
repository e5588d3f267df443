//! The ledger's live feed, `GET /v1/events/stream?after=N` (Server-Sent Events: `id:` = seq,
//! `data:` = the record, comment lines as keep-alives), read as a wake-up only: a caller
//! waits on [`EventStream::next`] and then runs [`crate::push`] and [`crate::pull`], which do
//! the verified apply. Nothing read here is stored.
//!
//! The reader is a small line parser over `Response::chunk` (the same bytes `bytes_stream`
//! yields, without turning on reqwest's `stream` feature for the whole workspace).

use std::time::Duration;

use crate::{error_message, Client, Error, Result};

/// The longest a stream may stay silent (no record, no keep-alive) before it counts as lost.
/// The ledger sends a keep-alive every 15 s by default.
pub const SILENCE: Duration = Duration::from_secs(45);

/// The longest event (all its `data:` lines) kept; beyond it the stream is refused. A record
/// is at most the ledger's 8 MiB body plus its framing.
const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

/// One Server-Sent Event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `id:` field (the record's seq), when it is a number.
    pub id: Option<u64>,
    /// The `event:` field, empty for the default type.
    pub event: String,
    /// The `data:` lines joined by `\n`.
    pub data: String,
}

/// An incremental SSE parser (the WHATWG event-stream format): feed it bytes as they come,
/// take the events each blank line completes.
#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    id: Option<u64>,
    event: String,
    data: Option<String>,
    skip_lf: bool,
}

impl SseParser {
    /// Feeds bytes; returns the events they complete, in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<SseEvent>, String> {
        let mut events = Vec::new();
        for &byte in bytes {
            if std::mem::take(&mut self.skip_lf) && byte == b'\n' {
                continue;
            }
            match byte {
                b'\r' | b'\n' => {
                    self.skip_lf = byte == b'\r';
                    let line = std::mem::take(&mut self.line);
                    if let Some(event) = self.line_done(&line) {
                        events.push(event);
                    }
                }
                _ => {
                    if self.line.len() + self.data.as_ref().map_or(0, String::len) >= MAX_EVENT_BYTES {
                        return Err(format!("an event of more than {MAX_EVENT_BYTES} bytes"));
                    }
                    self.line.push(byte);
                }
            }
        }
        Ok(events)
    }

    fn line_done(&mut self, line: &[u8]) -> Option<SseEvent> {
        if line.is_empty() {
            let data = self.data.take()?;
            return Some(SseEvent { id: self.id, event: std::mem::take(&mut self.event), data });
        }
        if line[0] == b':' {
            return None; // a comment: the ledger's keep-alive
        }
        let text = String::from_utf8_lossy(line);
        let (field, value) = match text.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (text.as_ref(), ""),
        };
        match field {
            "data" => {
                let data = self.data.get_or_insert_with(String::new);
                if !data.is_empty() || !value.is_empty() {
                    if !data.is_empty() {
                        data.push('\n');
                    }
                    data.push_str(value);
                }
            }
            "id" => self.id = value.parse().ok(),
            "event" => value.clone_into(&mut self.event),
            _ => {} // `retry:` and unknown fields are ignored
        }
        None
    }
}

/// An open event stream.
#[derive(Debug)]
pub struct EventStream {
    response: reqwest::Response,
    parser: SseParser,
    ready: std::collections::VecDeque<SseEvent>,
    url: String,
}

/// Opens the stream of records after `after`. A 401 is [`Error::Unauthorized`]; a network
/// error or a 5xx is [`Error::Unreachable`].
pub async fn open(client: &Client, after: u64) -> Result<EventStream> {
    // The client's own HTTP client has a 60 s total timeout, which would cut a stream; this
    // one only bounds the connection (silence is bounded by `next`).
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| Error::Usage(format!("cannot build an HTTP client: {e}")))?;
    let url = format!("{}/v1/events/stream?after={after}", client.url());
    let response = http
        .get(&url)
        .bearer_auth(client.token.as_str())
        .header("Accept", "text/event-stream")
        .send()
        .await
        .map_err(|e| client.unreachable(e))?;
    let status = response.status().as_u16();
    if status != 200 {
        let text = response.text().await.unwrap_or_default();
        let message = serde_json::from_str(&text).map(|v| error_message(&v)).unwrap_or(text);
        return Err(match status {
            401 => Error::Unauthorized { url: client.url().to_owned(), message },
            s if s >= 500 => client.unreachable(format!("{s} {message}")),
            s => client.protocol(format!("GET /v1/events/stream answered {s}: {message}")),
        });
    }
    Ok(EventStream { response, parser: SseParser::default(), ready: Default::default(), url: client.url().to_owned() })
}

impl EventStream {
    /// The next event; `Ok(None)` when the ledger closed the stream. Silence longer than
    /// [`SILENCE`] is [`Error::Unreachable`].
    pub async fn next(&mut self) -> Result<Option<SseEvent>> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Ok(Some(event));
            }
            let unreachable = |reason: String| Error::Unreachable { url: self.url.clone(), reason };
            let chunk = match tokio::time::timeout(SILENCE, self.response.chunk()).await {
                Err(_) => return Err(unreachable(format!("the event stream was silent for {} s", SILENCE.as_secs()))),
                Ok(Err(error)) => return Err(unreachable(error.to_string())),
                Ok(Ok(None)) => return Ok(None),
                Ok(Ok(Some(chunk))) => chunk,
            };
            let events = self.parser.feed(&chunk).map_err(|message| Error::Protocol { url: self.url.clone(), message })?;
            self.ready.extend(events);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(chunks: &[&str], expected: &[(Option<u64>, &str)]) {
        let mut parser = SseParser::default();
        let mut got = Vec::new();
        for chunk in chunks {
            got.extend(parser.feed(chunk.as_bytes()).expect("parses"));
        }
        let got: Vec<(Option<u64>, String)> = got.into_iter().map(|e| (e.id, e.data)).collect();
        let expected: Vec<(Option<u64>, String)> = expected.iter().map(|(id, data)| (*id, (*data).to_owned())).collect();
        assert_eq!(got, expected, "chunks {chunks:?}");
    }

    #[test]
    fn events_keep_alives_and_split_chunks() {
        check(&["id: 1\ndata: {\"seq\":1}\n\n"], &[(Some(1), "{\"seq\":1}")]);
        check(&[": keep-alive\n\n", "id: 2\n", "data: a\n", "\n"], &[(Some(2), "a")]);
        check(&["id: 3\r\nda", "ta: x\r", "\n\r\nid: 4\ndata: y\n\n"], &[(Some(3), "x"), (Some(4), "y")]);
        check(&["data: one\ndata: two\n\n"], &[(None, "one\ntwo")]);
        check(&["id: 5\n\n"], &[]);
        check(&["id: 6\ndata: z\n"], &[]);
    }
}
