//! Goal: `clubgate comms` fills the plan's templates from live figures for scripts and
//! people — JSON with both languages, a side-by-side text, `ID.en.txt`/`ID.ru.txt` whose
//! bytes hash to the sent record — from an events file or the store's stream; a figure with
//! no value is a one-line error (exit 2) naming the placeholder and the template.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clubgate_core::simulate::{simulate, Scenario, Simulation};
use clubgate_store::{NewSettings, Store};
use serde_json::Value;

const T0: &str = "2026-12-07T10:00";

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clubgate-comms-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The CLI with a data directory of the test's own, so the user's store is never touched.
fn clubgate(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clubgate")).args(args).env("CLUBGATE_DATA_DIR", data).output().expect("run clubgate")
}

fn json(data: &Path, args: &[&str]) -> Value {
    let output = clubgate(data, args);
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

fn refused(data: &Path, args: &[&str], names: &[&str]) {
    let output = clubgate(data, args);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    for name in names {
        assert!(stderr.contains(name), "{stderr:?} names {name:?}");
    }
    assert!(output.stdout.is_empty(), "nothing on stdout");
}

fn events(dir: &Path, scenario: &str) -> String {
    let path = dir.join(format!("{scenario}.jsonl"));
    let path_text = path.display().to_string();
    let output = clubgate(dir, &["simulate", "--scenario", scenario, "--t0", T0, "--out", &path_text]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    path_text
}

/// sha256 of a file by the system's own tool, not the app's code.
fn sha256sum(path: &Path) -> String {
    let output = Command::new("sha256sum").arg(path).output().expect("sha256sum");
    String::from_utf8_lossy(&output.stdout).split_whitespace().next().expect("digest").to_owned()
}

#[test]
fn list_names_every_template_with_its_languages_and_figures() {
    let data = dir("list");
    let list = json(&data, &["comms", "list", "--json"]);
    assert_eq!(list["plan"], "builtin:launch-plan-v1", "no launch in the store: the embedded plan");
    let templates = list["templates"].as_array().expect("templates");
    assert_eq!(templates.len(), 11);
    let hooks = templates.iter().find(|t| t["id"] == "webhooks-degraded").expect("webhooks-degraded");
    assert_eq!(hooks["languages"], serde_json::json!(["en"]));
    assert_eq!(hooks["communication"], "webhooks-degraded");
    let start = templates.iter().find(|t| t["id"] == "start-in-2h").expect("start-in-2h");
    assert_eq!((start["audience"].as_str(), start["checkpoint"].as_str()), (Some("partners"), Some("T-2h")));
    assert_eq!(start["placeholders"], serde_json::json!(["t0", "next_phase", "next_phase_volume_cap", "next_update"]));
    let text = clubgate(&data, &["comms", "list"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("webhooks-degraded") && text.contains("{dead_letter_depth}"), "{text}");
}

#[test]
fn preview_fills_both_languages_from_an_events_file_and_writes_them() {
    let data = dir("preview");
    let events = events(&data, "rpc-degradation-trc20");
    let out = data.join("out");
    let out_text = out.display().to_string();
    let preview = json(
        &data,
        &[
            "comms",
            "preview",
            "rollback-notice",
            "--t0",
            T0,
            "--events",
            &events,
            "--at",
            "2026-12-07T15:05",
            "--zone",
            "Asia/Dubai",
            "--next-update",
            "30m",
            "--out",
            &out_text,
            "--json",
        ],
    );
    assert_eq!((preview["template"].as_str(), preview["zone"].as_str()), (Some("rollback-notice"), Some("Asia/Dubai")));
    assert_eq!(preview["at"], "2026-12-07T15:05:00+01:00");
    for (language, words) in [
        ("en", ["payouts on TRC-20 paused", "Next update: 7 December 2026, 18:35 (Asia/Dubai, UTC+04:00)."]),
        ("ru", ["выплаты в сети TRC-20 приостановлены", "Следующее обновление: 7 декабря 2026, 18:35 (Asia/Dubai, UTC+04:00)."]),
    ] {
        let subject = preview[language]["subject"].as_str().expect("subject");
        let body = preview[language]["body"].as_str().expect("body");
        assert!(subject.contains(words[0]), "{language}: {subject}");
        assert!(body.contains(words[1]), "{language}: {body}");
        assert!(!subject.contains('{') && !body.contains('{'), "{language}: a placeholder is left");
        // The file holds exactly the text: subject, an empty line, the body.
        let file = out.join(format!("rollback-notice.{language}.txt"));
        let written = std::fs::read_to_string(&file).expect("written file");
        assert_eq!(written, format!("{subject}\n\n{body}\n"));
        let record = preview["sent_record"]["texts"].as_array().unwrap().iter().find(|t| t["language"] == language).cloned().unwrap();
        assert_eq!(record["sha256"].as_str(), Some(sha256sum(&file).as_str()), "the record hashes the file's exact bytes");
    }
    assert_eq!(preview["files"].as_array().map(Vec::len), Some(2));
    assert_eq!(preview["sent_record"]["languages"], serde_json::json!(["en", "ru"]));

    // The same preview as text: the two languages side by side, paragraph by paragraph.
    let output = clubgate(
        &data,
        &["comms", "preview", "rollback-notice", "--t0", T0, "--events", &events, "--at", "2026-12-07T15:05", "--next-update", "30m"],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8_lossy(&output.stdout);
    let subjects = text.lines().find(|l| l.starts_with("ClubGate: payouts on TRC-20 paused")).expect("subject row");
    assert!(subjects.contains(" │ ClubGate: выплаты в сети TRC-20 приостановлены"), "{subjects}");
    assert!(text.contains("(Europe/Warsaw, UTC+01:00)"), "the launch zone by default:\n{text}");
}

#[test]
fn webhooks_degraded_is_english_only_in_every_output() {
    let data = dir("hooks");
    let events = events(&data, "webhook-outage");
    let out = data.join("out");
    let out_text = out.display().to_string();
    let args =
        ["comms", "preview", "webhooks-degraded", "--t0", T0, "--events", &events, "--at", "2026-12-07T13:30", "--next-update", "1h"];
    let preview = json(&data, &[&args[..], &["--json", "--out", &out_text]].concat());
    assert!(preview["ru"].is_null());
    assert!(preview["en"]["body"].as_str().unwrap().contains("press Replay"));
    assert!(out.join("webhooks-degraded.en.txt").exists() && !out.join("webhooks-degraded.ru.txt").exists());
    let output = clubgate(&data, &args);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("│ (EN only — this template has no ru text)"), "{text}");
}

#[test]
fn a_missing_figure_or_a_bad_argument_is_one_line_naming_it() {
    let data = dir("missing");
    let events = events(&data, "pilot-day");
    let base = ["comms", "preview", "--t0", T0, "--events", &events];
    let with = |rest: &[&'static str]| -> Vec<String> { base.iter().copied().chain(rest.iter().copied()).map(str::to_owned).collect() };
    let run = |args: Vec<String>, names: &[&str]| refused(&data, &args.iter().map(String::as_str).collect::<Vec<_>>(), names);
    run(
        with(&["start-in-2h", "--at", "2026-12-07T08:00"]),
        &["template \"start-in-2h\" (en)", "{next_update} has no value", "no next update time"],
    );
    // A healthy day recommends no rollback, so the affected network must be named.
    run(
        with(&["rollback-notice", "--at", "2026-12-07T15:00", "--next-update", "30m"]),
        &["{network} has no value", "no partial rollback is recommended", "template \"rollback-notice\""],
    );
    run(with(&["start-in-3h", "--at", "2026-12-07T08:00"]), &["template \"start-in-3h\" is not in the plan", "start-in-2h"]);
    run(with(&["start-in-2h", "--at", "2026-12-07T08:00", "--next-update", "30x"]), &["--next-update", "30x"]);
    run(with(&["start-in-2h", "--at", "2026-12-07T08:00", "--next-update", "2000m"]), &["not between 1 minute and 24 hours"]);
    run(with(&["start-in-2h", "--at", "yesterday"]), &["--at", "yesterday"]);
    // With a network given, the same healthy instant fills.
    let filled = json(
        &data,
        &with(&["rollback-notice", "--at", "2026-12-07T15:00", "--next-update", "30m", "--network", "erc20", "--json"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(filled["en"]["subject"].as_str().unwrap().contains("ERC-20"));
}

#[test]
fn preview_reads_the_launch_and_events_of_the_store() {
    let data = dir("store");
    let db = data.join("desk.sqlite");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let store = Store::open(&db).await.expect("store");
        let now = jiff::Timestamp::now();
        store
            .configure(&NewSettings {
                plan_source: "builtin:launch-plan-v1",
                plan_toml: clubgate_core::DEFAULT_PLAN_TOML,
                t0: T0,
                time_zone: None,
                changed_by: "comms test",
                changed_at: now,
                reason: None,
            })
            .await
            .expect("launch");
        let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
        let t0 = clubgate_core::schedule::T0::parse(T0, &tz).unwrap().zoned().timestamp();
        let events = simulate(&Simulation { scenario: Scenario::RpcDegradationTrc20, t0, tz, seed: 1, hours: 24 });
        store.start_stream("replay:rpc-degradation-trc20:1", now).await.expect("stream");
        store.append_events(&events).await.expect("events");
    });
    let db_text = db.display().to_string();
    let list = json(&data, &["--db", &db_text, "comms", "list", "--json"]);
    assert_eq!(list["plan"], "builtin:launch-plan-v1");
    let preview = json(
        &data,
        &["--db", &db_text, "comms", "preview", "incident-first-status", "--at", "2026-12-07T15:05", "--next-update", "45m", "--json"],
    );
    let body = preview["en"]["body"].as_str().expect("body");
    assert!(
        body.contains("TRC-20 RPC latency (inc-001, severity SEV2), open since 7 December 2026, 14:20 (Europe/Warsaw, UTC+01:00)"),
        "{body}"
    );
    assert!(body.contains("Affected network: TRC-20."), "{body}");
    // The same figures as from the events file the store was filled with.
    let file = events(&data, "rpc-degradation-trc20");
    let from_file = json(
        &data,
        &[
            "comms",
            "preview",
            "incident-first-status",
            "--t0",
            T0,
            "--events",
            &file,
            "--at",
            "2026-12-07T15:05",
            "--next-update",
            "45m",
            "--json",
        ],
    );
    assert_eq!(preview["en"], from_file["en"]);
    assert_eq!(preview["ru"], from_file["ru"]);
}
