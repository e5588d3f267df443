//! Goal: `clubgate report KIND --at T --out DIR` writes `KIND.md`, `KIND.csv` and the SVG
//! charts from an events file or the store's current events (the same report either way),
//! prints the written paths with `--json`, says "no data" before any traffic, and refuses a
//! bad kind, instant or events line with exit code 2 and one line naming it.

use std::path::Path;

mod support;

use support::{clubgate_in as clubgate, json_in as json, refused_in as refused};

use serde_json::Value;

const T0: &str = "2026-12-07T10:00";

fn files(document: &Value) -> Vec<String> {
    document["files"].as_array().expect("files").iter().map(|f| f.as_str().unwrap().to_owned()).collect()
}

#[test]
fn reports_from_a_file_and_from_the_store_are_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let events = dir.path().join("events.jsonl");
    let events_text = events.to_str().unwrap();
    json(&["simulate", "--scenario", "rpc-degradation-trc20", "--t0", T0, "--seed", "3", "--out", events_text, "--json"], &data);

    // From the file, with the launch given on the command line.
    let out = dir.path().join("from-file");
    let written = json(
        &["report", "warroom", "--at", "2026-12-07T11:00", "--t0", T0, "--events", events_text, "--out", out.to_str().unwrap(), "--json"],
        &data,
    );
    assert_eq!(written["kind"], "warroom");
    assert_eq!(written["from"], "2026-12-07T09:00:00Z");
    assert_eq!(written["to"], "2026-12-07T10:00:00Z");
    let paths = files(&written);
    let names: Vec<String> = paths.iter().map(|p| Path::new(p).file_name().unwrap().to_str().unwrap().to_owned()).collect();
    assert_eq!(names, ["warroom.md", "warroom.csv", "warroom-pass-through.svg", "warroom-queues.svg", "warroom-webhooks.svg"]);
    for path in &paths {
        assert!(Path::new(path).starts_with(&out) && Path::new(path).is_file(), "{path}");
    }
    let markdown = std::fs::read_to_string(out.join("warroom.md")).unwrap();
    assert!(markdown.starts_with("# Warroom report (T+1h)"), "{markdown}");
    assert!(markdown.contains("![p95 pass-through per window (min)](warroom-pass-through.svg)"));
    let csv = std::fs::read_to_string(out.join("warroom.csv")).unwrap();
    assert!(csv.starts_with("section,figure,scope,from,to,value,unit\n"));
    let svg = std::fs::read_to_string(out.join("warroom-queues.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "an SVG document");

    // The same events in a store with the same launch: the same report, without --events.
    let db = dir.path().join("store.db");
    let db_text = db.to_str().unwrap();
    json(&["--db", db_text, "launch", "set", "--t0", T0, "--who", "test", "--json"], &data);
    let text = std::fs::read_to_string(&events).unwrap();
    let parsed: Vec<clubgate_core::events::Event> = text.lines().map(|l| clubgate_core::events::Event::from_json(l).unwrap()).collect();
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let store = clubgate_store::Store::open(&db).await.unwrap();
        store.start_stream("import:test", jiff::Timestamp::now()).await.unwrap();
        store.append_events(&parsed).await.unwrap();
        store.close().await;
    });
    for kind in ["warroom", "daily", "kpi", "postmortem"] {
        let from_store = dir.path().join(format!("store-{kind}"));
        let from_file = dir.path().join(format!("file-{kind}"));
        let at = "2026-12-08T00:00";
        let a = json(&["--db", db_text, "report", kind, "--at", at, "--out", from_store.to_str().unwrap(), "--json"], &data);
        let b =
            json(&["report", kind, "--at", at, "--t0", T0, "--events", events_text, "--out", from_file.to_str().unwrap(), "--json"], &data);
        assert_eq!(a["events"], parsed.len(), "{kind}: every stored event read");
        assert_eq!(a["decisions"], 0, "{kind}: the store's decision log is empty");
        let (a, b) = (files(&a), files(&b));
        assert_eq!(a.len(), b.len(), "{kind}");
        assert!(a.len() > 2, "{kind}: charts too");
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(std::fs::read(x).unwrap(), std::fs::read(y).unwrap(), "{kind}: {x} and {y}");
        }
    }
    // Without --json: the paths, one a line.
    let output = clubgate(&["--db", db_text, "report", "kpi", "--at", "2026-12-08T10:00", "--out", out.to_str().unwrap()], &data);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("kpi report at 2026-12-08T09:00:00Z over [2026-11-23T09:00:00Z, 2026-12-08T09:00:00Z)"), "{stdout}");
    assert!(stdout.contains(&format!("  {}", out.join("kpi.csv").display())), "{stdout}");
}

#[test]
fn a_report_before_any_traffic_says_no_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let events = dir.path().join("events.jsonl");
    let events_text = events.to_str().unwrap();
    json(&["simulate", "--scenario", "pilot-day", "--t0", T0, "--out", events_text, "--json"], &data);
    let out = dir.path().join("out");
    let written = json(
        &["report", "daily", "--at", "2026-12-07T09:00", "--t0", T0, "--events", events_text, "--out", out.to_str().unwrap(), "--json"],
        &data,
    );
    assert_eq!(files(&written).len(), 2, "no chart without data");
    let csv = std::fs::read_to_string(out.join("daily.csv")).unwrap();
    for line in csv.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let (figure, value) = (fields[1], fields[5]);
        if figure == "volume.cap_percent" {
            assert_eq!(value, "30", "Canary's cap on the day before T0");
        } else {
            assert_eq!(value, "no data", "{line}");
        }
    }
    let markdown = std::fs::read_to_string(out.join("daily.md")).unwrap();
    assert!(markdown.contains("events in the period: no data"), "{markdown}");
}

#[test]
fn bad_input_is_refused_with_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let events = dir.path().join("events.jsonl");
    std::fs::write(&events, "{\"seq\":1}\n").unwrap();
    let events = events.to_str().unwrap();
    refused(
        &["report", "weekly", "--at", "2026-12-07T11:00", "--t0", T0, "--events", events, "--out", out],
        &data,
        "report kind \"weekly\" is unknown",
    );
    refused(&["report", "daily", "--at", "yesterday", "--t0", T0, "--events", events, "--out", out], &data, "--at");
    refused(&["report", "daily", "--at", "2026-12-07T11:00", "--t0", T0, "--events", events, "--out", out], &data, "events.jsonl: line 1:");
    let blocked = dir.path().join("a-file");
    std::fs::write(&blocked, "").unwrap();
    json(&["simulate", "--scenario", "pilot-day", "--t0", T0, "--hours", "2", "--out", events, "--json"], &data);
    refused(
        &["report", "daily", "--at", "2026-12-07T11:00", "--t0", T0, "--events", events, "--out", blocked.join("sub").to_str().unwrap()],
        &data,
        "cannot write",
    );
    let output = clubgate(
        &["--json", "report", "warroom", "--at", "2026-12-07T11:00", "--t0", T0, "--events", "/nonexistent/e.jsonl", "--out", out],
        &data,
    );
    assert_eq!(output.status.code(), Some(2));
    let error: Value = serde_json::from_slice(&output.stderr).expect("a JSON error");
    assert_eq!(error["error"]["code"], "file");
}
