//! What the endpoints do, over a [`Storage`]: authorisation by role, the events append
//! (validated by the core's parser and ledger rules), commands, reads. HTTP types stay in
//! [`crate::http`]; this module speaks in records and errors.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use clubgate_core::events::{event_of_record, format_uuid, parse_uuid};
use clubgate_core::ledger::Ledger;
use serde_json::{Map, Value};
use tokio::sync::{oneshot, watch, Mutex};

use crate::auth::{authenticate, Caller, Role};
use crate::chain::{canonical, hashed_value};
use crate::limit::Limiter;
use crate::registry::{Overlay, Registry, POLICY_KIND};
use crate::storage::{NewRecord, Record, Storage, MAX_PAGE};
use crate::{Error, Result};

/// The most commands one group appends in one transaction.
const MAX_GROUP: usize = 1_024;

/// A group stops taking members once its records reach this many bytes (each may be up to
/// the 8 MiB body): one transaction stays well inside PostgreSQL's 1 GiB parameter limit.
const MAX_GROUP_BYTES: usize = 64 * 1024 * 1024;

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
    /// Propose a policy (`POST /v1/policy`).
    ProposePolicy,
}

/// The command kinds and the roles that may send each (PRODUCT.md "Ledger protocol v1";
/// `bundle` — a payout bundle published by the treasury lead for the approvers — is this
/// project's addition, docs/ledger.md).
pub const COMMAND_KINDS: [(&str, &[Role]); 8] = [
    ("approval", &[Role::Approver]),
    ("signature", &[Role::TreasuryLead]),
    ("broadcast", &[Role::TreasuryLead]),
    ("decision", &[Role::LaunchIc]),
    ("checklist", &[Role::LaunchIc, Role::TreasuryLead]),
    ("safe_mode", &[Role::LaunchIc]),
    ("volume_level", &[Role::LaunchIc]),
    ("bundle", &[Role::TreasuryLead]),
];

/// What a role may do before its request's body is looked at.
fn allowed(role: Role, action: Action) -> bool {
    match action {
        Action::Read => true,
        Action::AppendEvents => role == Role::Platform,
        Action::SendCommand => COMMAND_KINDS.iter().any(|(_, roles)| roles.contains(&role)),
        Action::ProposePolicy => role == Role::LaunchIc,
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

/// The writer's view: the core's ledger state over every event up to `head`, and the
/// registry (policy, signatures) over every command.
#[derive(Debug, Default)]
struct Writer {
    ledger: Ledger,
    registry: Registry,
    head: u64,
    /// The state may hold lines that were not committed: rebuild it before use.
    stale: bool,
}

impl Writer {
    /// Applies a committed record; a command or policy record that does not apply is
    /// [`Error::Damaged`] (the registry fails closed).
    fn apply(&mut self, record: &Record) -> Result<()> {
        match event_of_record(record.seq, &record.kind, &record.body) {
            // A stored event was validated when it was appended; one that no longer
            // applies means the database was changed behind the ledger's back.
            Some(event) => {
                if let Err(reason) = event.and_then(|e| self.ledger.apply(&e)) {
                    tracing::error!(seq = record.seq, reason, "a stored event does not apply; run verify");
                }
            }
            None => {
                self.registry.apply(record.seq, &record.kind, &record.body).map_err(|reason| Error::Damaged { seq: record.seq, reason })?
            }
        }
        self.head = record.seq;
        Ok(())
    }
}

/// A command or policy record waiting for the writer, with where its answer goes.
struct Job {
    record: NewRecord,
    reply: oneshot::Sender<Result<CommandOutcome>>,
}

/// The service over one storage.
pub struct Service<S> {
    storage: S,
    /// Appends from this process go one at a time; across processes the storage's lock
    /// serialises them and a moved head makes the loser re-validate.
    writer: Mutex<Writer>,
    /// Commands waiting for the writer: whoever holds it appends every waiting command in
    /// one transaction (group commit), so concurrent clients share one durable commit.
    queue: std::sync::Mutex<VecDeque<Job>>,
    /// The head after each commit of this process, for the event streams.
    commits: watch::Sender<u64>,
    /// Request rates per token.
    limiter: Limiter,
}

impl<S> std::fmt::Debug for Service<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service").finish_non_exhaustive()
    }
}

/// The answer of a job dropped without one (the group's task panicked).
fn unanswered() -> Error {
    Error::Io { context: "the command was not answered".to_owned(), source: std::io::Error::other("the writer stopped") }
}

/// An error for each member of a group whose append failed (errors are not `Clone`).
fn group_failure(error: &Error) -> Error {
    match error {
        Error::HeadMoved { expected, found } => Error::HeadMoved { expected: *expected, found: *found },
        other => Error::Io { context: "the append failed".to_owned(), source: std::io::Error::other(other.to_string()) },
    }
}

/// The same JSON value: the canonical forms are equal (key order, white space and number
/// spelling do not matter).
fn same_value(a: &NewRecord, b: &Record) -> bool {
    a.kind == b.kind && canonical(&sent_value(&a.kind, &a.body)) == canonical(&sent_value(&b.kind, &b.body))
}

/// What the client sent of a record: a `policy` record's version and hash are the server's.
fn sent_value(kind: &str, body: &Map<String, Value>) -> Value {
    let mut value = hashed_value(kind, body);
    if kind == POLICY_KIND {
        if let Some(Value::Object(payload)) = value.get_mut("payload") {
            payload.remove("version");
            payload.remove("hash");
        }
    }
    value
}

impl<S: Storage> Service<S> {
    /// The service over `storage`, with the core's state rebuilt from the stored events.
    pub async fn new(storage: S, rate_per_second: u32) -> Result<Self> {
        let mut writer = Writer::default();
        catch_up(&storage, &mut writer).await?;
        let (commits, _) = watch::channel(writer.head);
        let queue = std::sync::Mutex::new(VecDeque::new());
        Ok(Self { storage, writer: Mutex::new(writer), queue, commits, limiter: Limiter::new(rate_per_second) })
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
        self.limiter.admit(&caller.name, Instant::now())?;
        if !allowed(caller.role, action) {
            let action = match action {
                Action::Read => "read the log",
                Action::AppendEvents => "append events (POST /v1/events needs role platform)",
                Action::SendCommand => "send commands (POST /v1/commands needs role approver, treasury_lead or launch_ic)",
                Action::ProposePolicy => "propose a policy (POST /v1/policy needs role launch_ic)",
            };
            return Err(Error::Forbidden { role: caller.role.as_str(), action: action.to_owned() });
        }
        Ok(caller)
    }

    /// Whether an `Authorization` header still names a live token (an open stream asks);
    /// not counted against the rate limit.
    pub async fn still_live(&self, header: &str) -> bool {
        match self.storage.live_tokens().await {
            Ok(live) => authenticate(Some(header), &live).is_ok(),
            Err(error) => {
                tracing::warn!(%error, "cannot check a stream's token; it ends");
                false
            }
        }
    }

    /// The last seq.
    pub async fn head(&self) -> Result<u64> {
        Ok(self.storage.head().await?.seq)
    }

    /// Up to `limit` records after `after` as served JSON text, and the head.
    pub async fn read_served(&self, after: u64, limit: u32) -> Result<(Vec<crate::storage::Served>, u64)> {
        assert!(limit <= MAX_PAGE);
        let records = self.storage.read_served(after, limit).await?;
        // The head is read after the records, so it is never below the last one returned.
        let head = self.head().await?;
        Ok((records, head))
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
            // The state is not cloned per batch (it grows with the log): once a line is
            // applied, anything failing below leaves the state stale, to be rebuilt from the
            // storage before its next use. A refused line leaves the state unchanged
            // (`Ledger::apply`), so a batch refused at its first new line costs no rebuild.
            for (offset, (line, record)) in fresh.iter().enumerate() {
                let seq = writer.head + 1 + offset as u64;
                let outcome = match event_of_record(seq, &record.kind, &record.body) {
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
                writer.stale = true;
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
                        code: "conflict",
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
                        code: "conflict",
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
    /// its id is a conflict. The caller's role must be one that may send its kind; the
    /// registry checks approvals and signatures.
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
        self.submit(record.clone()).await
    }

    /// Proposes a policy (a treasury file's text) under the idempotency id `id`; `initial`
    /// is the first policy (`policy init`), in force at once. The outcome's seq is the
    /// `policy` record's.
    pub async fn propose_policy(&self, id: &str, text: &str, proposed_by: &str, initial: bool) -> Result<CommandOutcome> {
        let mut payload = Map::new();
        payload.insert("treasury".to_owned(), Value::String(text.to_owned()));
        payload.insert("proposed_by".to_owned(), Value::String(proposed_by.to_owned()));
        payload.insert("initial".to_owned(), Value::Bool(initial));
        let mut body = Map::new();
        body.insert("id".to_owned(), Value::String(id.to_owned()));
        body.insert("payload".to_owned(), Value::Object(payload));
        self.submit(NewRecord { id: id.to_owned(), kind: POLICY_KIND.to_owned(), body }).await
    }

    /// The policy in force as `GET /v1/policy` shows it (none before `policy init`), after
    /// catching up with what other servers appended.
    pub async fn policy(&self) -> Result<Option<Value>> {
        let mut writer = self.writer.lock().await;
        catch_up(&self.storage, &mut writer).await?;
        Ok(writer.registry.policy_json())
    }

    /// The stored record of `seq`.
    pub async fn record(&self, seq: u64) -> Result<Option<Record>> {
        Ok(self.storage.read(seq.saturating_sub(1), 1).await?.into_iter().next().filter(|r| r.seq == seq))
    }

    /// Queues a record and waits for its answer. Whoever gets the writer appends every
    /// queued record, its own and the others', in groups of one transaction each.
    async fn submit(&self, record: NewRecord) -> Result<CommandOutcome> {
        let (reply, mut answer) = oneshot::channel();
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).push_back(Job { record, reply });
        loop {
            // Answered by another holder of the writer while this one waited for it.
            match answer.try_recv() {
                Ok(outcome) => return outcome,
                Err(oneshot::error::TryRecvError::Closed) => break,
                Err(oneshot::error::TryRecvError::Empty) => {}
            }
            // Waits for the writer or for the answer, whichever comes first: a job taken into
            // another holder's group is answered without queueing behind the next groups.
            let mut writer = tokio::select! {
                biased;
                outcome = &mut answer => return outcome.unwrap_or_else(|_| Err(unanswered())),
                writer = self.writer.lock() => writer,
            };
            // Appends one group at a time until this request's own answer is in; if the
            // queue is empty, the answer was sent by whoever took the job. Others' jobs
            // left in the queue are appended by their own requests, which each take the
            // writer in turn, so nobody waits on a leader that never stops.
            {
                let jobs: Vec<Job> = {
                    let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
                    let take = queue.len().min(MAX_GROUP);
                    queue.drain(..take).collect()
                };
                if !jobs.is_empty() {
                    let rest = self.append_group(&mut writer, jobs).await;
                    if !rest.is_empty() {
                        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
                        for job in rest.into_iter().rev() {
                            queue.push_front(job);
                        }
                    }
                }
            }
        }
        answer.await.unwrap_or_else(|_| Err(unanswered()))
    }

    /// Validates and appends one group of queued records in one transaction, and answers
    /// them. A record that may change the policy ends a group: the records queued after it
    /// are returned, to be validated against the policy it may put in force.
    async fn append_group(&self, writer: &mut Writer, mut jobs: Vec<Job>) -> Vec<Job> {
        /// How a member of the group is answered.
        enum Answer {
            Done(Result<CommandOutcome>),
            /// The index of its record in the batch, and whether it repeats an earlier member.
            Batch(usize, bool),
        }
        let mut retries = Retries::new();
        // Optimistic: the group is validated against the writer's state as it is, and the
        // append is conditional on the head that state is at. Only when another server has
        // moved the head (HeadMoved) does the writer catch up and validate again — a single
        // server never pays the extra read.
        let mut behind = writer.stale;
        loop {
            if behind {
                if let Err(error) = catch_up(&self.storage, writer).await {
                    for job in jobs {
                        let _ = job.reply.send(Err(group_failure(&error)));
                    }
                    return Vec::new();
                }
            }
            let ids: Vec<String> = jobs.iter().map(|j| j.record.id.clone()).collect();
            let stored: HashMap<String, Record> = match self.storage.find_ids(&ids).await {
                Ok(found) => found.into_iter().map(|r| (r.id.clone(), r)).collect(),
                Err(error) => {
                    for job in jobs {
                        let _ = job.reply.send(Err(group_failure(&error)));
                    }
                    return Vec::new();
                }
            };
            let now_ms = crate::storage::now_ms();
            let mut overlay = Overlay::default();
            let mut batch: Vec<NewRecord> = Vec::new();
            let mut in_group: HashMap<String, (Vec<u8>, usize)> = HashMap::new();
            let mut answers: Vec<Answer> = Vec::with_capacity(jobs.len());
            let mut taken = jobs.len();
            let mut batch_bytes = 0usize;
            for (index, job) in jobs.iter().enumerate() {
                if overlay.ends_group || batch_bytes >= MAX_GROUP_BYTES {
                    taken = index;
                    break;
                }
                let record = &job.record;
                if let Some(existing) = stored.get(&record.id) {
                    answers.push(Answer::Done(if same_value(record, existing) {
                        Ok(CommandOutcome { seq: existing.seq, duplicate: true })
                    } else {
                        Err(Error::Conflict {
                            code: "conflict",
                            message: format!("id {} is already in the log at seq {} with another body", record.id, existing.seq),
                        })
                    }));
                    continue;
                }
                let value = canonical(&sent_value(&record.kind, &record.body));
                if let Some((first, position)) = in_group.get(&record.id) {
                    answers.push(if *first == value {
                        Answer::Batch(*position, true)
                    } else {
                        Answer::Done(Err(Error::Conflict {
                            code: "conflict",
                            message: format!("id {} was just sent with another body", record.id),
                        }))
                    });
                    continue;
                }
                let mut checked = record.clone();
                match writer.registry.check(&mut overlay, &mut checked, now_ms) {
                    Ok(()) => {
                        batch_bytes += value.len();
                        in_group.insert(record.id.clone(), (value, batch.len()));
                        answers.push(Answer::Batch(batch.len(), false));
                        batch.push(checked);
                    }
                    Err(error) => answers.push(Answer::Done(Err(error))),
                }
            }
            // A refusal must not rest on a stale state (say, a policy another process just
            // put in force): if anything was refused, make sure no one moved the head first.
            if !behind && answers.iter().any(|a| matches!(a, Answer::Done(Err(_)))) {
                match self.storage.head().await {
                    Ok(head) if head.seq != writer.head => {
                        behind = true;
                        continue;
                    }
                    Ok(_) => {}
                    Err(error) => {
                        for job in jobs {
                            let _ = job.reply.send(Err(group_failure(&error)));
                        }
                        return Vec::new();
                    }
                }
            }
            let rest = jobs.split_off(taken);
            let written = if batch.is_empty() { Ok(Vec::new()) } else { self.storage.append(writer.head, &batch).await };
            let written = match written {
                Err(Error::HeadMoved { .. }) if retries.again().await => {
                    jobs.extend(rest);
                    behind = true;
                    continue;
                }
                other => other,
            };
            if let Ok(records) = &written {
                for record in records {
                    if let Err(error) = writer.apply(record) {
                        // Checked before the append, so this is a bug: the next catch-up
                        // rebuilds the state from the log (and fails closed there too).
                        tracing::error!(%error, "a record just appended does not apply");
                        writer.stale = true;
                    }
                }
                if !records.is_empty() {
                    self.commits.send_replace(writer.head);
                }
            }
            for (job, answer) in jobs.into_iter().zip(answers) {
                let outcome = match (answer, &written) {
                    (Answer::Done(outcome), _) => outcome,
                    (Answer::Batch(position, duplicate), Ok(records)) => Ok(CommandOutcome { seq: records[position].seq, duplicate }),
                    (Answer::Batch(..), Err(error)) => Err(group_failure(error)),
                };
                let _ = job.reply.send(outcome);
            }
            return rest;
        }
    }
}

/// Brings the writer's state up to the storage's head (records another process appended,
/// or every record at start).
async fn catch_up<S: Storage>(storage: &S, writer: &mut Writer) -> Result<()> {
    if writer.stale {
        tracing::info!(head = writer.head, "rebuilding the ledger state after a refused or failed batch");
        *writer = Writer::default();
    }
    loop {
        let records = storage.read(writer.head, MAX_PAGE).await?;
        if records.is_empty() {
            return Ok(());
        }
        for record in &records {
            writer.apply(record)?;
        }
    }
}

/// How deeply a command's payload or an event line may nest arrays and objects. Records
/// are served inside `{"records":[{"body":{"payload":…}}]}`; a client's JSON parser with
/// the usual limit (128) must still read every page.
pub const MAX_DEPTH: usize = 32;

/// The nesting depth of a value (a scalar is 0).
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(fields) => 1 + fields.values().map(depth).max().unwrap_or(0),
        _ => 0,
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
        if depth(&value) > MAX_DEPTH {
            return Err(bad("invalid_event", format!("the line nests deeper than {MAX_DEPTH} levels")));
        }
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
        Some(Value::Object(payload)) if depth(&Value::Object(payload.clone())) > MAX_DEPTH => {
            return Err(invalid(format!("the payload nests deeper than {MAX_DEPTH} levels")));
        }
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
