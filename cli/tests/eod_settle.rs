//! Goal: `clubgate eod settle` queues the settlement plan's transfers as payout bundles
//! (hot wallet → the payee's allow-listed address, batched, ids from session/network/token)
//! exactly once — a second run and two racing processes queue nothing more — and refuses a
//! payee without an address by name; `clubgate eod dry-run` prints the same bundles and
//! leaves the queue as it was. A settlement is computed only from the store's events under
//! its launch at the wall clock (red team F3): --events, --t0, --plan and --at are the dry
//! run's, and an imported or replayed stream is not settled.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use clubgate_core::EXAMPLE_TREASURY_TOML;
use serde_json::Value;
use support::{clubgate_in as clubgate, json_in as json, refused_in as refused};

/// T0 three days ago at 10:00 Warsaw: the simulated day (24 h from T0) and its EOD history
/// are all before the wall clock, at which a settlement is computed.
fn t0() -> String {
    let today = jiff::Timestamp::now().in_tz("Europe/Warsaw").unwrap().date();
    format!("{}T10:00", today.checked_sub(jiff::ToSpan::days(3)).unwrap())
}

/// An instant after every simulated event (now), for `eod plan` and the dry run's `--at`.
fn now() -> String {
    jiff::Timestamp::now().to_string()
}
const PARTNERS: [(&str, &str, &str); 4] = [
    ("partner-s", "trc20", "TEdvoHEatmDKvTh3o9vBRB9VdtgUwdVuDN"),
    ("partner-m", "trc20", "TGCAjMXComunWZEXCT1LPBdcYbJH8hKsha"),
    ("partner-l", "erc20", "0x4000000000000000000000000000000000000001"),
    ("partner-xl", "erc20", "0x4000000000000000000000000000000000000002"),
];

/// The example treasury file with the simulator's partners' addresses but `missing`.
fn treasury(dir: &Path, missing: &str) -> String {
    let mut text = EXAMPLE_TREASURY_TOML.to_owned();
    for (name, network, address) in PARTNERS.into_iter().filter(|(name, _, _)| *name != missing) {
        text += &format!("\n[[allow_list]]\nname = \"{name}\"\nnetwork = \"{network}\"\naddress = \"{address}\"\n");
    }
    let path = dir.join(format!("treasury-{}.toml", if missing.is_empty() { "all" } else { missing }));
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The simulator's eod-deficit day (T0 three days ago 10:00 Warsaw, seed 7), written by the CLI.
fn events(dir: &Path, t0: &str) -> String {
    let path = dir.join("eod.jsonl");
    let out = path.to_str().unwrap();
    let data = dir.join("sim");
    json(&["simulate", "--scenario", "eod-deficit", "--t0", t0, "--seed", "7", "--hours", "24", "--out", out, "--json"], &data);
    out.to_owned()
}

/// A desk (data dir `dir/desk`) whose launch has T0 `t0` and whose event stream, named
/// `source`, holds the events of `file`. "test:…" stands for the desk's own stream — the
/// ledger's, on a desk that follows one; "import:…" is what the window's import leaves.
fn desk(dir: &Path, t0: &str, file: &str, source: &str) -> std::path::PathBuf {
    let data = dir.join("desk");
    json(&["launch", "set", "--t0", t0, "--who", "lead", "--json"], &data);
    load_stream(&data, file, source);
    data
}

fn load_stream(data: &Path, file: &str, source: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    let parsed: Vec<clubgate_core::events::Event> = text.lines().map(|l| clubgate_core::events::Event::from_json(l).unwrap()).collect();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let store = clubgate_store::Store::open(&clubgate_store::database_path(data)).await.unwrap();
        store.start_stream(source, jiff::Timestamp::now()).await.unwrap();
        store.append_events(&parsed).await.unwrap();
    });
}

fn queue(data: &Path) -> Vec<clubgate_store::StoredBundle> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let store = clubgate_store::Store::open(&clubgate_store::database_path(data)).await.unwrap();
        store.bundles().await.unwrap()
    })
}

fn outcomes(document: &Value) -> BTreeMap<String, String> {
    document["transfers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["payout_id"].as_str().unwrap().to_owned(), t["outcome"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn settle_queues_each_transfer_once_and_the_dry_run_queues_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = t0();
    let events = events(dir.path(), &t0);
    let treasury = treasury(dir.path(), "");
    let data = desk(dir.path(), &t0, &events, "test:eod-deficit");
    let run = |command: &str| json(&["eod", command, "--from-store", "--treasury", &treasury, "--json"], &data);

    // The plan's entries that settle something, from `eod plan`.
    let plan = json(&["eod", "plan", "--events", &events, "--t0", &t0, "--at", &now(), "--json"], &data);
    let settling: Vec<&Value> = plan["sessions"].as_array().unwrap().iter().filter(|e| e["settle"].as_u64().unwrap() > 0).collect();
    assert!(settling.iter().any(|e| e["mode"] == "partial"), "a partial session settles its part");

    let dry = run("dry-run");
    assert_eq!(dry["dry_run"], true);
    let transfers = dry["transfers"].as_array().unwrap();
    assert_eq!(transfers.len(), settling.len());
    for (transfer, entry) in transfers.iter().zip(&settling) {
        assert_eq!(transfer["session_id"], entry["session_id"]);
        assert_eq!(transfer["settle"], entry["settle"], "the settled amount in base units");
        assert_eq!(transfer["outcome"], "would_queue");
        let chunks: u64 = transfer["chunks"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().parse::<u64>().unwrap()).sum();
        assert_eq!(chunks, entry["settle"].as_u64().unwrap(), "the chunks add up to the settled amount");
        let (_, _, address) = PARTNERS.iter().find(|(name, _, _)| *name == transfer["payee"]).unwrap();
        assert_eq!(transfer["destination"], *address);
        assert!(transfer["payout_id"].as_str().unwrap().starts_with("payout-"));
    }
    assert!(queue(&data).is_empty(), "the dry run queues nothing");

    let first = run("settle");
    assert_eq!(first["dry_run"], false);
    assert!(outcomes(&first).values().all(|o| o == "queued"), "{first}");
    // What the dry run showed is what was queued, bundle hash for bundle hash.
    let hashes = |d: &Value| d["transfers"].as_array().unwrap().iter().map(|t| t["bundle_hash"].clone()).collect::<Vec<_>>();
    assert_eq!(hashes(&first), hashes(&dry));
    let queued = queue(&data);
    assert_eq!(queued.len(), transfers.len());
    assert_eq!(queued.iter().map(|b| b.bundle_id.clone()).collect::<BTreeSet<_>>(), outcomes(&first).into_keys().collect());

    let second = run("settle");
    assert!(outcomes(&second).values().all(|o| o == "already_queued"), "{second}");
    assert_eq!(queue(&data).len(), transfers.len(), "a second run queues nothing");
    // The dry run's what-if form (a file, a T0, an instant) sees the same bundles, queued.
    let after = json(&["eod", "dry-run", "--events", &events, "--t0", &t0, "--at", &now(), "--treasury", &treasury, "--json"], &data);
    assert!(outcomes(&after).values().all(|o| o == "already_queued"));
    assert_eq!(hashes(&after), hashes(&dry));
    assert_eq!(queue(&data), queued, "the dry run leaves the queue as it was");

    // Bad input: one line naming the value.
    refused(&["eod", "dry-run", "--from-store", "--at", "soon", "--treasury", &treasury], &data, "\"soon\"");
    refused(&["eod", "dry-run", "--from-store", "--treasury", "/nonexistent/t.toml"], &data, "/nonexistent/t.toml");
}

/// Red team F3: a non-dry settlement queues under the session's own payout id, so it may
/// not be computed from another file, another launch, another plan or another instant —
/// each flag is refused by name (exit 2, pointing at the dry run) and nothing is queued; the
/// dry run keeps them. A desk whose stream is an import is not settled either.
#[test]
fn a_settlement_takes_no_what_if_flags_and_no_imported_stream() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = t0();
    let events = events(dir.path(), &t0);
    let treasury = treasury(dir.path(), "");
    let data = desk(dir.path(), &t0, &events, "test:eod-deficit");
    let plan_file = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/plans/launch-plan-v1.toml");
    let future = "2099-01-01T00:00:00Z";
    let cases: [(Vec<&str>, &str); 5] = [
        (vec!["--events", &events], "--events"),
        (vec!["--from-store", "--t0", &t0], "--t0"),
        (vec!["--from-store", "--t0", &t0, "--plan", plan_file], "--t0"),
        (vec!["--from-store", "--plan", plan_file], "--plan"),
        (vec!["--from-store", "--at", future], "--at"),
    ];
    for (flags, named) in &cases {
        let mut args = vec!["eod", "settle"];
        args.extend(flags);
        args.extend(["--treasury", &treasury]);
        let output = clubgate(&args, &data);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(&format!("eod settle {named} is refused")) && stderr.contains("eod dry-run"), "{stderr}");
    }
    // An instant in the past is as much a what-if as one in the future.
    refused(&["eod", "settle", "--from-store", "--at", "2020-01-01T00:00:00Z", "--treasury", &treasury], &data, "--at");
    assert!(queue(&data).is_empty(), "no refused settlement queued anything");

    // The dry run takes them all: a file, a T0, the plan file, a future instant.
    let what_if = json(
        &["eod", "dry-run", "--events", &events, "--t0", &t0, "--plan", plan_file, "--at", future, "--treasury", &treasury, "--json"],
        &data,
    );
    assert_eq!(what_if["dry_run"], true);
    assert!(!what_if["transfers"].as_array().unwrap().is_empty());
    assert!(outcomes(&what_if).values().all(|o| o == "would_queue"));
    assert!(queue(&data).is_empty());

    // The same events as an import: the settlement is refused, naming the import; the dry run still runs.
    load_stream(&data, &events, "import:eod.jsonl");
    refused(&["eod", "settle", "--from-store", "--treasury", &treasury], &data, "import:eod.jsonl");
    let output = clubgate(&["eod", "settle", "--from-store", "--treasury", &treasury], &data);
    assert!(String::from_utf8_lossy(&output.stderr).contains("dry run"));
    let dry = json(&["eod", "dry-run", "--from-store", "--treasury", &treasury, "--json"], &data);
    assert_eq!(outcomes(&dry).len(), what_if["transfers"].as_array().unwrap().len());
    assert!(queue(&data).is_empty(), "nothing queued from an import");
    // Back on the desk's own stream, the settlement queues what the dry run showed.
    load_stream(&data, &events, "test:eod-deficit");
    let settled = json(&["eod", "settle", "--from-store", "--treasury", &treasury, "--json"], &data);
    assert_eq!(outcomes(&settled).keys().collect::<Vec<_>>(), outcomes(&dry).keys().collect::<Vec<_>>());
    assert!(outcomes(&settled).values().all(|o| o == "queued"));
}

#[test]
fn two_processes_racing_queue_each_transfer_once() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = t0();
    let events = events(dir.path(), &t0);
    let treasury = treasury(dir.path(), "");
    // The store exists before the race (both processes open it, neither creates it).
    let data = desk(dir.path(), &t0, &events, "test:eod-deficit");
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_clubgate"))
            .args(["eod", "settle", "--from-store", "--treasury", &treasury, "--json"])
            .env("CLUBGATE_DATA_DIR", &data)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success() && b.status.success(), "{}{}", String::from_utf8_lossy(&a.stderr), String::from_utf8_lossy(&b.stderr));
    let (a, b): (Value, Value) = (serde_json::from_slice(&a.stdout).unwrap(), serde_json::from_slice(&b.stdout).unwrap());
    let (a, b) = (outcomes(&a), outcomes(&b));
    assert!(!a.is_empty());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (id, outcome) in &a {
        let both: BTreeSet<&str> = [outcome.as_str(), b[id].as_str()].into();
        assert_eq!(both, ["already_queued", "queued"].into(), "{id} is queued by exactly one process");
    }
    assert_eq!(queue(&data).len(), a.len());
}

#[test]
fn a_payee_without_an_allow_listed_address_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = t0();
    let events = events(dir.path(), &t0);
    let data = desk(dir.path(), &t0, &events, "test:eod-deficit");
    let plan = json(&["eod", "plan", "--events", &events, "--t0", &t0, "--at", &now(), "--json"], &data);
    let erc20_payee = plan["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["network"] == "erc20" && e["settle"].as_u64().unwrap() > 0)
        .map(|e| e["payee"].as_str().unwrap().to_owned())
        .expect("an ERC-20 settlement");
    let treasury = treasury(dir.path(), &erc20_payee);
    let output = clubgate(&["eod", "settle", "--from-store", "--treasury", &treasury, "--json"], &data);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.trim().is_empty());
    for line in stderr.trim().lines() {
        assert!(line.contains(&format!("{erc20_payee:?}")) && line.contains("erc20") && line.contains("[[allow_list]]"), "{line}");
    }
    // The others are queued; the refused payee's are not.
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    let transfers = document["transfers"].as_array().unwrap();
    assert!(!transfers.is_empty());
    assert!(transfers.iter().all(|t| t["payee"] != erc20_payee.as_str() && t["outcome"] == "queued"));
    assert_eq!(document["refusals"].as_array().unwrap().len(), stderr.trim().lines().count());
    assert_eq!(queue(&data).len(), transfers.len());
}

#[test]
fn from_the_store_under_its_launch() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = t0();
    let file = events(dir.path(), &t0);
    let treasury = treasury(dir.path(), "");
    // The desk's launch (T0 as the simulator's) and its event stream.
    let data = desk(dir.path(), &t0, &file, "test:eod-deficit");
    let at = now();
    let from_store = json(&["eod", "dry-run", "--from-store", "--at", &at, "--treasury", &treasury, "--json"], &data);
    let from_file = json(&["eod", "dry-run", "--events", &file, "--t0", &t0, "--at", &at, "--treasury", &treasury, "--json"], &data);
    assert_eq!(from_store, from_file, "the store's events under its launch give the file's transfers");
    assert!(!from_store["transfers"].as_array().unwrap().is_empty());
    let settled = json(&["eod", "settle", "--from-store", "--treasury", &treasury, "--json"], &data);
    assert!(outcomes(&settled).values().all(|o| o == "queued"));
    assert_eq!(queue(&data).len(), outcomes(&settled).len());
    assert_eq!(outcomes(&settled).into_keys().collect::<Vec<_>>(), outcomes(&from_store).into_keys().collect::<Vec<_>>());
    // --events and --from-store are one or the other.
    let output = clubgate(&["eod", "settle", "--from-store", "--events", &file], &data);
    assert_eq!(output.status.code(), Some(2));
}
