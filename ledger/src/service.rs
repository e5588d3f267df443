//! What the endpoints do, over a [`Storage`]: authorisation by role, the events append
//! (validated by the core's parser and ledger rules), commands, reads. HTTP types stay in
//! [`crate::http`]; this module speaks in records and errors.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use clubgate_core::events::{format_uuid, parse_uuid, Event};
use clubgate_core::ledger::Ledger;
use serde_json::{Map, Value};
use tokio::sync::{watch, Mutex};

use crate::auth::{authenticate, Caller, Role};
use crate::chain::{canonical, hashed_value};
use crate::storage::{NewRecord, Record, Storage, MAX_PAGE};
use crate::{Error, Result};

/// How long an append keeps re-validating while other servers move the head. Every lost
/// race means another append committed, so the log as a whole always advances; a fixed
/// count of attempts was not enough (two busy servers on one PostgreSQL database made a
/// request lose 8 races in a row about once a run of the 16-writer test). Only after this
/// long does the request give up with 503 `retry`.
const APPEND_RETRY_WINDOW: Duration = Duration::from_secs(10);

/// The retries of one append: until [`APPEND_RETRY_WINDOW`] has passed, each after a short
/// random pause (up to 1, 2, 4, 8 ms) so that two servers do not keep racing in lockstep.
struct Retries {
    deadline: Instant,
    lost: u32,
}

impl Retries {
    fn new() -> Self {
        Self { deadline: Instant::now() + APPEND_RETRY_WINDOW, lost: 0 }
    }

    /// After a lost race: pauses and answers whether to try again.
    async fn again(&mut self) -> bool {
        if Instant::now() >= self.deadline {
            return false;
        }
        self.lost += 1;
        let max_micros = 1_000u64 << self.lost.min(4);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        tokio::time::sleep(Duration::from_micros(u64::from(nanos) % max_micros)).await;
        true
    }
}

/// What a caller asks to do, for the role check made before the body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read the log.
    Read,
    /// Append platform events.
    AppendEvents,
    /// Send a command (its kind decides further, once the body is read).
    SendCommand,
}

/// The command kinds and the roles that may send each (PRODUCT.md "Ledger protocol v1").
pub const COMMAND_KINDS: [(&str, &[Role]); 7] = [
    ("approval", &[Role::Approver]),
    ("signature", &[Role::TreasuryLead]),
    ("broadcast", &[Role::TreasuryLead]),
    ("decision", &[Role::LaunchIc]),
    ("checklist", &[Role::LaunchIc, Role::TreasuryLead]),
    ("safe_mode", &[Role::LaunchIc]),
    ("volume_level", &[Role::LaunchIc]),
];

/// What a role may do before its request's body is looked at.
fn allowed(role: Role, action: Action) -> bool {
    match action {
        Action::Read => true,
        Action::AppendEvents => role == Role::Platform,
        Action::SendCommand => COMMAND_KINDS.iter().any(|(_, roles)| roles.contains(&role)),
    }
}

/// One line of an events body, checked for shape.
#[derive(Debug, Clone)]
pub struct EventLine {
    /// 1-based line number in the body.
    pub line: usize,
    /// The record to append.
    pub record: NewRecord,
}

/// The outcome of an events append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// Lines appended.
    pub appended: u64,
    /// Lines skipped as already in the log with the same content.
    pub duplicates: u64,
    /// The head after the append.
    pub head: u64,
}

/// The outcome of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandOutcome {
    /// Its seq.
    pub seq: u64,
    /// Whether it was already in the log.
    pub duplicate: bool,
}

/// A command as sent: `{"id","kind","payload"}`.
#[derive(Debug, Clone)]
pub struct Command {
    /// Its record (body `{"id","payload"}`).
    pub record: NewRecord,
}

/// The writer's view: the core's ledger state over every event up to `head`.
#[derive(Debug)]
struct Writer {
    ledger: Ledger,
    head: u64,
    /// The state may hold lines that were not committed: rebuild it before use.
    stale: bool,
}

/// The service over one storage.
#[derive(Debug)]
pub struct Service<S> {
    storage: S,
    /// Appends from this process go one at a time; across processes the storage's lock
    /// serialises them and a moved head makes the loser re-validate.
    writer: Mutex<Writer>,
    /// The head after each commit of this process, for the event streams.
    commits: watch::Sender<u64>,
}

/// The same JSON value: the canonical forms are equal (key order, white space and number
/// spelling do not matter).
fn same_value(a: &NewRecord, b: &Record) -> bool {
    a.kind == b.kind && canonical(&hashed_value(&a.kind, &a.body)) == canonical(&hashed_value(&b.kind, &b.body))
}

/// The core's event of a record, if it is an event (commands are not).
fn event_of(seq: u64, kind: &str, body: &Map<String, Value>) -> Option<Result<Event, String>> {
    if !clubgate_core::events::KINDS.contains(&kind) {
        return None;
    }
    let mut object = body.clone();
    object.insert("seq".to_owned(), Value::from(seq));
    object.insert("kind".to_owned(), Value::String(kind.to_owned()));
    Some(Event::from_json(&Value::Object(object).to_string()))
}

impl<S: Storage> Service<S> {
    /// The service over `storage`, with the core's state rebuilt from the stored events.
    pub async fn new(storage: S) -> Result<Self> {
        let mut writer = Writer { ledger: Ledger::default(), head: 0, stale: false };
        catch_up(&storage, &mut writer).await?;
        let (commits, _) = watch::channel(writer.head);
        Ok(Self { storage, writer: Mutex::new(writer), commits })
    }

    /// A receiver that changes after every commit of this process (the value is the head).
    /// Appends by other processes are not announced: a stream also polls.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.commits.subscribe()
    }

    /// The storage.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// The caller of an `Authorization` header, if its role may do `action`.
    pub async fn authorize(&self, header: Option<&str>, action: Action) -> Result<Caller> {
        let live = self.storage.live_tokens().await?;
        let caller = authenticate(header, &live)?;
        if !allowed(caller.role, action) {
            let action = match action {
                Action::Read => "read the log",
                Action::AppendEvents => "append events (POST /v1/events needs role platform)",
                Action::SendCommand => "send commands (POST /v1/commands needs role approver, treasury_lead or launch_ic)",
            };
            return Err(Error::Forbidden { role: caller.role.as_str(), action: action.to_owned() });
        }
        Ok(caller)
    }

    /// The last seq.
    pub async fn head(&self) -> Result<u64> {
        Ok(self.storage.head().await?.seq)
    }

    /// Up to `limit` records after `after`, and the head.
    pub async fn read(&self, after: u64, limit: u32) -> Result<(Vec<Record>, u64)> {
        assert!(limit <= MAX_PAGE);
        let records = self.storage.read(after, limit).await?;
        // The head is read after the records, so it is never below the last one returned.
        let head = self.head().await?;
        Ok((records, head))
    }

    /// Appends a batch of event lines: all or nothing, duplicates skipped, every new line
    /// validated by the core's parser and ledger rules at the seq it will take.
    pub async fn append_events(&self, lines: &[EventLine]) -> Result<Appended> {
        let mut writer = self.writer.lock().await;
        let mut retries = Retries::new();
        loop {
            catch_up(&self.storage, &mut writer).await?;
            let (fresh, duplicates) = self.fresh_lines(lines).await?;
            if fresh.is_empty() {
                return Ok(Appended { appended: 0, duplicates, head: writer.head });
            }
            // The new lines are applied to the writer's state as they will be numbered.
            // The state is not cloned per batch (it grows with the log): if anything below
            // fails, it is marked stale and rebuilt from the storage before its next use.
            writer.stale = true;
            for (offset, (line, record)) in fresh.iter().enumerate() {
                let seq = writer.head + 1 + offset as u64;
                let outcome = match event_of(seq, &record.kind, &record.body) {
                    Some(event) => event.and_then(|event| writer.ledger.apply(&event)),
                    None => Err(format!(
                        "kind {:?} is not an event kind; known kinds: {}",
                        record.kind,
                        clubgate_core::events::KINDS.join(", ")
                    )),
                };
                if let Err(reason) = outcome {
                    return Err(Error::BadRequest { code: "invalid_event", message: format!("line {line}: {reason}") });
                }
            }
            let records: Vec<NewRecord> = fresh.into_iter().map(|(_, record)| record).collect();
            match self.storage.append(writer.head, &records).await {
                Ok(written) => {
                    writer.stale = false;
                    writer.head += written.len() as u64;
                    self.commits.send_replace(writer.head);
                    return Ok(Appended { appended: written.len() as u64, duplicates, head: writer.head });
                }
                Err(Error::HeadMoved { expected, found }) => {
                    if !retries.again().await {
                        return Err(Error::HeadMoved { expected, found });
                    }
                }
                Err(other) => return Err(other),
            }
        }
    }

    /// The lines of a batch that are not in the log yet (with their line numbers), and how
    /// many are duplicates — of the log or of an earlier line — with the same content.
    /// Another content under a known id is a conflict.
    async fn fresh_lines(&self, lines: &[EventLine]) -> Result<(Vec<(usize, NewRecord)>, u64)> {
        let ids: Vec<String> = lines.iter().map(|l| l.record.id.clone()).collect();
        let stored: HashMap<String, Record> = self.storage.find_ids(&ids).await?.into_iter().map(|r| (r.id.clone(), r)).collect();
        let mut fresh: Vec<(usize, NewRecord)> = Vec::new();
        let mut in_batch: HashMap<&str, (usize, Vec<u8>)> = HashMap::new();
        let mut duplicates = 0u64;
        for line in lines {
            let record = &line.record;
            if let Some(existing) = stored.get(&record.id) {
                if !same_value(record, existing) {
                    return Err(Error::Conflict {
                        message: format!(
                            "line {}: id {} is already in the log at seq {} with other content",
                            line.line, record.id, existing.seq
                        ),
                    });
                }
                duplicates += 1;
                continue;
            }
            let value = canonical(&hashed_value(&record.kind, &record.body));
            if let Some((first_line, first_value)) = in_batch.get(record.id.as_str()) {
                if *first_value != value {
                    return Err(Error::Conflict {
                        message: format!("line {}: id {} is on line {first_line} with other content", line.line, record.id),
                    });
                }
                duplicates += 1;
                continue;
            }
            in_batch.insert(&record.id, (line.line, value));
            fresh.push((line.line, record.clone()));
        }
        Ok((fresh, duplicates))
    }

    /// Appends a command, or finds it again (same id, same value) — another value under
    /// its id is a conflict. The caller's role must be one that may send its kind.
    pub async fn command(&self, caller: &Caller, command: &Command) -> Result<CommandOutcome> {
        let record = &command.record;
        let roles = COMMAND_KINDS.iter().find(|(kind, _)| *kind == record.kind).map(|(_, roles)| *roles).unwrap_or(&[]);
        if !roles.contains(&caller.role) {
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            return Err(Error::Forbidden {
                role: caller.role.as_str(),
                action: format!("send {:?} commands (role {} may)", record.kind, names.join(" or ")),
            });
        }
        let mut writer = self.writer.lock().await;
        let mut retries = Retries::new();
        loop {
            catch_up(&self.storage, &mut writer).await?;
            if let Some(existing) = self.storage.find_ids(std::slice::from_ref(&record.id)).await?.into_iter().next() {
                if same_value(record, &existing) {
                    return Ok(CommandOutcome { seq: existing.seq, duplicate: true });
                }
                return Err(Error::Conflict {
                    message: format!("id {} is already in the log at seq {} with another body", record.id, existing.seq),
                });
            }
            match self.storage.append(writer.head, std::slice::from_ref(record)).await {
                Ok(written) => {
                    writer.head += written.len() as u64;
                    self.commits.send_replace(writer.head);
                    return Ok(CommandOutcome { seq: writer.head, duplicate: false });
                }
                Err(Error::HeadMoved { expected, found }) => {
                    if !retries.again().await {
                        return Err(Error::HeadMoved { expected, found });
                    }
                }
                Err(other) => return Err(other),
            }
        }
    }
}

/// Brings the writer's core state up to the storage's head (records another process
/// appended, or every record at start).
async fn catch_up<S: Storage>(storage: &S, writer: &mut Writer) -> Result<()> {
    if writer.stale {
        tracing::info!(head = writer.head, "rebuilding the ledger state after a refused or failed batch");
        *writer = Writer { ledger: Ledger::default(), head: 0, stale: false };
    }
    loop {
        let records = storage.read(writer.head, MAX_PAGE).await?;
        let Some(last) = records.last() else { return Ok(()) };
        let last_seq = last.seq;
        for record in &records {
            if let Some(event) = event_of(record.seq, &record.kind, &record.body) {
                // A stored event was validated when it was appended; one that no longer
                // applies means the database was changed behind the ledger's back.
                if let Err(reason) = event.and_then(|e| writer.ledger.apply(&e)) {
                    tracing::error!(seq = record.seq, reason, "a stored event does not apply; run verify");
                }
            }
        }
        writer.head = last_seq;
    }
}

/// Reads a JSON Lines body of events (without `seq`) into records; the error names the line.
pub fn parse_event_lines(text: &str) -> Result<Vec<EventLine>> {
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |code: &'static str, reason: String| Error::BadRequest { code, message: format!("line {number}: {reason}") };
        let value: Value = serde_json::from_str(line).map_err(|e| bad("malformed_json", format!("not JSON: {e}")))?;
        let Value::Object(mut body) = value else {
            return Err(bad("invalid_event", format!("{line:?} is not a JSON object")));
        };
        if let Some(seq) = body.get("seq") {
            return Err(bad("invalid_event", format!("\"seq\":{seq} is the ledger's to assign; send the event without it")));
        }
        let kind = match body.remove("kind") {
            Some(Value::String(kind)) => kind,
            Some(other) => return Err(bad("invalid_event", format!("kind {other} is not a string"))),
            None => return Err(bad("invalid_event", "the field \"kind\" is missing".to_owned())),
        };
        let id = match body.get("id") {
            Some(Value::String(id)) => format_uuid(parse_uuid(id).map_err(|reason| bad("invalid_event", reason))?),
            Some(other) => return Err(bad("invalid_event", format!("id {other} is not a UUID string"))),
            None => return Err(bad("invalid_event", "the field \"id\" is missing".to_owned())),
        };
        lines.push(EventLine { line: number, record: NewRecord { id, kind, body } });
    }
    Ok(lines)
}

/// Reads a command body `{"id":UUID,"kind":K,"payload":{…}}`: malformed JSON is a 400,
/// a well-formed body with a bad value a 422 naming it.
pub fn parse_command(bytes: &[u8]) -> Result<Command> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| Error::BadRequest { code: "malformed_json", message: format!("the body is not JSON: {e}") })?;
    let invalid = |message: String| Error::Unprocessable { code: "invalid_command", message };
    let Value::Object(mut object) = value else {
        return Err(invalid(format!("the body {value} is not a JSON object {{\"id\",\"kind\",\"payload\"}}")));
    };
    if let Some(extra) = object.keys().find(|k| !["id", "kind", "payload"].contains(&k.as_str())) {
        return Err(invalid(format!("unknown field {extra:?}; a command has only \"id\", \"kind\" and \"payload\"")));
    }
    let id = match object.remove("id") {
        Some(Value::String(id)) => format_uuid(parse_uuid(&id).map_err(invalid)?),
        Some(other) => return Err(invalid(format!("id {other} is not a UUID string"))),
        None => return Err(invalid("the field \"id\" is missing".to_owned())),
    };
    let kind = match object.remove("kind") {
        Some(Value::String(kind)) if COMMAND_KINDS.iter().any(|(k, _)| *k == kind) => kind,
        Some(other) => {
            let known: Vec<&str> = COMMAND_KINDS.iter().map(|(k, _)| *k).collect();
            return Err(invalid(format!("kind {other} is not a command kind; known kinds: {}", known.join(", "))));
        }
        None => return Err(invalid("the field \"kind\" is missing".to_owned())),
    };
    let payload = match object.remove("payload") {
        Some(Value::Object(payload)) => payload,
        Some(other) => return Err(invalid(format!("payload {other} is not a JSON object"))),
        None => return Err(invalid("the field \"payload\" is missing".to_owned())),
    };
    let mut body = Map::new();
    body.insert("id".to_owned(), Value::String(id.clone()));
    body.insert("payload".to_owned(), Value::Object(payload));
    Ok(Command { record: NewRecord { id, kind, body } })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command_error(body: &str) -> (&'static str, String) {
        let error = parse_command(body.as_bytes()).unwrap_err();
        (error.code(), error.to_string())
    }

    /// The goal: malformed JSON is told apart from a bad value, and the message names it.
    #[test]
    fn command_errors_name_the_value() {
        let id = "0b7e4a52-1f0e-4c9b-9d7e-2a6f1b3c4d5e";
        assert_eq!(command_error("{").0, "malformed_json");
        let (code, message) = command_error(&format!(r#"{{"id":"{id}","kind":"launch","payload":{{}}}}"#));
        assert_eq!(code, "invalid_command");
        assert!(message.contains("\"launch\""), "{message}");
        let (_, message) = command_error(r#"{"id":"nope","kind":"decision","payload":{}}"#);
        assert!(message.contains("\"nope\""), "{message}");
        let (_, message) = command_error(&format!(r#"{{"id":"{id}","kind":"decision","payload":[1]}}"#));
        assert!(message.contains("[1]"), "{message}");
    }

    #[test]
    fn event_lines_name_their_line() {
        let text = "\n{\"id\":\"0b7e4a52-1f0e-4c9b-9d7e-2a6f1b3c4d5e\",\"kind\":\"payout.confirmed\"}\n{\"seq\":3}";
        let error = parse_event_lines(text).unwrap_err();
        assert_eq!(error.code(), "invalid_event");
        assert!(error.to_string().starts_with("line 3:"), "{error}");
    }
}
