//! Property: any interleaving of duplicate and new commands from 8 concurrent clients
//! leaves each id exactly once in the log; the first sending of an id is answered 201 and
//! every other sending of it 200 `"duplicate":true` with the same seq; seq stays gapless and
//! the chain valid (independent JCS, and `clubgate-ledger verify` at the end).
//!
//! Each client's list of ids is drawn from a small shared pool, so clients collide on ids;
//! a sending may be immediately repeated, and may be spelled differently (other key order
//! and white space — the same JSON value). Against the real binary, one server per back end
//! for all cases (the ids are fresh per case); 16 proptest cases per back end.

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::StatusCode;
use serde_json::Value;
use support::pg::Cluster;
use support::server::{all_records, assert_chain, assert_verify, ids_once, token, Server};

/// Ids a case draws from.
const POOL: u64 = 10;

/// proptest cases per back end.
const CASES: u32 = 16;

/// Concurrent clients.
const CLIENTS: usize = 8;

/// One sending: the pool index, whether it is spelled differently, whether it is sent twice
/// in a row.
type Sending = (u64, bool, bool);

fn uuid(case: u64, index: u64) -> String {
    format!("{case:08x}-1111-4000-8000-{index:012x}")
}

/// The command of pool index `index` in `case`: always the same JSON value, spelled one of
/// two ways.
fn body(case: u64, index: u64, respelled: bool) -> String {
    let id = uuid(case, index);
    let kind = if index % 2 == 0 { "decision" } else { "checklist" };
    if respelled {
        format!("{{ \"payload\" : {{ \"note\" : \"n{index}\", \"case\" : {case} }},\n  \"kind\" : \"{kind}\", \"id\" : \"{id}\" }}")
    } else {
        format!(r#"{{"id":"{id}","kind":"{kind}","payload":{{"case":{case},"note":"n{index}"}}}}"#)
    }
}

/// Runs one case: the clients at once, then the checks.
async fn run_case(server: &Server, ic: &str, case: u64, clients: Vec<Vec<Sending>>) -> Result<(), TestCaseError> {
    let http = reqwest::Client::new();
    let head_before = all_records(&http, &server.base, ic).await.len() as u64;
    let mut tasks = Vec::new();
    for list in clients {
        let (http, base, ic) = (http.clone(), server.base.clone(), ic.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            for (index, respelled, twice) in list {
                for _ in 0..if twice { 2 } else { 1 } {
                    let response = http
                        .post(format!("{base}/v1/commands"))
                        .bearer_auth(&ic)
                        .body(body(case, index, respelled))
                        .send()
                        .await
                        .expect("answer");
                    let status = response.status();
                    let answer: Value = response.json().await.expect("JSON answer");
                    answers.push((index, status, answer));
                }
            }
            answers
        }));
    }
    // Per id: the seqs of its 201s and of its 200s.
    let mut created: HashMap<u64, Vec<u64>> = HashMap::new();
    let mut duplicates: HashMap<u64, Vec<u64>> = HashMap::new();
    for task in tasks {
        for (index, status, answer) in task.await.expect("client") {
            let seq = answer["seq"].as_u64();
            prop_assert!(seq.is_some(), "{status} {answer}");
            let seq = seq.unwrap_or_default();
            match status {
                StatusCode::CREATED => {
                    prop_assert_eq!(&answer["duplicate"], &Value::Bool(false));
                    created.entry(index).or_default().push(seq);
                }
                StatusCode::OK => {
                    prop_assert_eq!(&answer["duplicate"], &Value::Bool(true));
                    duplicates.entry(index).or_default().push(seq);
                }
                other => prop_assert!(false, "id {index} answered {other} {answer}"),
            }
        }
    }
    for (index, seqs) in &duplicates {
        let first = created.get(index).map(Vec::as_slice).unwrap_or_default();
        prop_assert_eq!(first.len(), 1, "id {} has 200s but {} 201s", index, first.len());
        prop_assert!(seqs.iter().all(|seq| *seq == first[0]), "id {index}: 201 at {first:?}, 200s at {seqs:?}");
    }
    for (index, seqs) in &created {
        prop_assert_eq!(seqs.len(), 1, "id {} answered 201 {} times", index, seqs.len());
    }

    let records = all_records(&http, &server.base, ic).await;
    assert_chain(&records);
    let seq_of = ids_once(&records);
    prop_assert_eq!(records.len() as u64, head_before + created.len() as u64, "only this case's new ids were appended, once each");
    for (index, seqs) in &created {
        prop_assert_eq!(seq_of.get(&uuid(case, *index)), Some(&seqs[0]), "id {} at the seq it was answered", index);
        let record = &records[seqs[0] as usize - 1];
        let sent: Value = serde_json::from_str(&body(case, *index, false)).expect("body");
        prop_assert_eq!(&record["body"]["payload"], &sent["payload"]);
    }
    Ok(())
}

fn interleavings(backend: &str, db: &str, log_dir: &std::path::Path) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let ic = token(db, "ic", "launch_ic");
    let server = Server::start(db, log_dir, None);
    static CASE: AtomicU64 = AtomicU64::new(1);
    let sending = (0..POOL, any::<bool>(), proptest::bool::weighted(0.2));
    let strategy = proptest::collection::vec(proptest::collection::vec(sending, 1..=6), CLIENTS);
    let mut runner = TestRunner::new(Config { cases: CASES, failure_persistence: None, ..Config::default() });
    let started = std::time::Instant::now();
    let result = runner.run(&strategy, |clients| {
        // Fresh ids for every case, shrinking included.
        let case = CASE.fetch_add(1, Ordering::Relaxed);
        runtime.block_on(run_case(&server, &ic, case, clients))
    });
    if let Err(failure) = result {
        panic!("{backend}: {failure}\nserver stderr:\n{}", server.log());
    }
    let records = runtime.block_on(all_records(&reqwest::Client::new(), &server.base, &ic));
    assert!(!records.is_empty());
    assert_verify(db, records.len());
    eprintln!("{backend}: {CASES} cases, {} records, {:.1?}", records.len(), started.elapsed());
}

#[test]
fn sqlite_interleaved_duplicate_and_new_commands_keep_each_id_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("ledger.db").display());
    interleavings("sqlite", &db, dir.path());
}

#[test]
fn postgres_interleaved_duplicate_and_new_commands_keep_each_id_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cluster = Cluster::start();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let db = runtime.block_on(cluster.create_database());
    drop(runtime);
    interleavings("postgres", &db, dir.path());
}
