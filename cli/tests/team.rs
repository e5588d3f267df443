//! Goal (issue 11 point 5): `clubgate team` keeps the people of each role with their
//! contacts and the on-call rota of the warroom hours (T-1d → T+2d), shows who is on call
//! and the gaps; `clubgate checklist set t2h-warroom --state done` is refused — exit 2, one
//! line naming the role and the uncovered interval — until every role is on call for the
//! whole span, and again once a cancelled shift opens a gap; `checklist show` resolves each
//! owner to who is on call at the item's due instant.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn clubgate(db: &Path, args: &[&str]) -> Output {
    let data_dir = std::env::temp_dir().join(format!("clubgate-team-tests-{}", std::process::id()));
    Command::new(env!("CARGO_BIN_EXE_clubgate"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("CLUBGATE_DATA_DIR", data_dir)
        .output()
        .expect("run clubgate")
}

fn json(db: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let output = clubgate(db, &all);
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

/// Exit 2, one line on standard error naming every part of `names`, nothing on stdout.
fn refused(db: &Path, args: &[&str], names: &[&str]) -> String {
    let output = clubgate(db, args);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    for part in names {
        assert!(stderr.contains(part), "{stderr:?} names {part:?}");
    }
    assert!(output.stdout.is_empty(), "nothing on stdout");
    stderr
}

const ROLES: [&str; 6] = ["launch_ic", "comms_lead", "treasury_lead", "devops_lead", "risk_lead", "qa_lead"];

fn confirm(db: &Path) -> Output {
    clubgate(
        db,
        &[
            "checklist",
            "set",
            "t2h-warroom",
            "--state",
            "done",
            "--who",
            "Irina (IC)",
            "--evidence",
            "rota in the app",
            "--at",
            "2026-12-07T07:55:00Z",
        ],
    )
}

#[test]
fn the_rota_gates_the_on_call_confirmation_and_resolves_owners() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    json(&db, &["launch", "set", "--t0", "2026-12-07T10:00", "--who", "IC"]);

    // Bad input is refused naming the value.
    refused(&db, &["team", "add", "--name", "Olga", "--role", "treasurer", "--phone", "+48601234567"], &["\"treasurer\"", "treasury_lead"]);
    refused(&db, &["team", "add", "--name", "Olga", "--role", "treasury_lead", "--phone", "0601 234 567"], &["\"0601 234 567\"", "+48"]);
    refused(&db, &["team", "add", "--name", "Olga", "--role", "treasury_lead", "--email", "olga@", "--json"], &["olga@"]);
    refused(&db, &["team", "add", "--name", "Olga", "--role", "treasury_lead"], &["needs a contact"]);

    let person = json(
        &db,
        &["team", "add", "--name", "Olga", "--role", "treasury_lead", "--phone", "+48 601 234 567", "--telegram", "@olga_treasury"],
    );
    assert_eq!(person["person"]["phone"], "+48601234567");
    assert_eq!(person["person"]["telegram"], "@olga_treasury");
    for (n, role) in ROLES.iter().enumerate().filter(|(_, r)| **r != "treasury_lead") {
        json(&db, &["team", "add", "--name", &format!("Lead {n}"), "--role", role, "--email", &format!("lead{n}@clubgate.example")]);
    }

    // Nobody on call: the confirmation names every role and the whole span.
    let stderr =
        refused(&db, &["checklist", "set", "t2h-warroom", "--state", "done", "--who", "Irina", "--evidence", "x"], &["t2h-warroom"]);
    for role in ROLES {
        assert!(
            stderr.contains(&format!("{role} has nobody on call from 2026-12-06T10:00:00+01:00 to 2026-12-09T10:00:00+01:00")),
            "{stderr}"
        );
    }

    refused(&db, &["team", "shift", "--person", "Nobody", "--from", "T-1d", "--to", "T+2d"], &["no person named \"Nobody\""]);
    refused(&db, &["team", "shift", "--person", "Olga", "--from", "next week", "--to", "T+2d"], &["\"next week\""]);
    refused(&db, &["team", "shift", "--person", "Olga", "--from", "T+2d", "--to", "T-1d"], &["ends before it starts"]);

    // Every role on call T-1d → T+2d, the DevOps lead only until T+1d.
    let mut shifts = Vec::new();
    for (n, role) in ROLES.iter().enumerate() {
        let name = if *role == "treasury_lead" { "Olga".to_owned() } else { format!("Lead {n}") };
        let to = if *role == "devops_lead" { "T+1d" } else { "T+2d" };
        let shift = json(&db, &["team", "shift", "--person", &name, "--role", role, "--from", "T-1d", "--to", to]);
        assert_eq!(
            (shift["shift"]["person"].as_str(), shift["shift"]["from"].as_str()),
            (Some(name.as_str()), Some("2026-12-06T10:00:00+01:00"))
        );
        shifts.push(shift["shift"]["id"].as_i64().unwrap());
    }
    refused(
        &db,
        &["team", "shift", "--person", "Olga", "--role", "risk_lead", "--from", "T0", "--to", "T+1h"],
        &["Olga is on call as treasury_lead"],
    );

    let output = confirm(&db);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("devops_lead has nobody on call from 2026-12-08T10:00:00+01:00 to 2026-12-09T10:00:00+01:00"), "{stderr}");
    assert_eq!(stderr.matches("has nobody on call").count(), 1, "{stderr}");
    // The JSON error carries the store's refusal code.
    let output = clubgate(&db, &["checklist", "set", "t2h-warroom", "--state", "done", "--who", "Irina", "--evidence", "x", "--json"]);
    let error: Value = serde_json::from_slice(&output.stderr).expect("JSON error");
    assert_eq!(error["error"]["code"], "refused");
    assert!(error["error"]["message"].as_str().unwrap().contains("devops_lead"), "{error}");

    let team = json(&db, &["team", "show", "--at", "T+36h"]);
    assert_eq!(
        team["warroom"],
        serde_json::json!({"channel": "launch-warroom", "opens": "2026-12-06T10:00:00+01:00", "closes": "2026-12-09T10:00:00+01:00"})
    );
    assert_eq!(team["covered"], false);
    assert_eq!(
        team["gaps"],
        serde_json::json!([{"role": "devops_lead", "from": "2026-12-08T10:00:00+01:00", "to": "2026-12-09T10:00:00+01:00"}])
    );
    let devops = team["roles"].as_array().unwrap().iter().find(|r| r["id"] == "devops_lead").unwrap();
    assert_eq!(devops["on_call"], serde_json::json!([]), "nobody at T+36h");
    assert_eq!(devops["people"][0]["email"], "lead3@clubgate.example");
    let treasury = team["roles"].as_array().unwrap().iter().find(|r| r["id"] == "treasury_lead").unwrap();
    assert_eq!(treasury["on_call"], serde_json::json!(["Olga"]));

    // A deputy from the instant the first shift ends closes the gap.
    json(&db, &["team", "add", "--name", "Pavel", "--role", "devops_lead", "--telegram", "@pavel_ops"]);
    json(&db, &["team", "shift", "--person", "Pavel", "--from", "2026-12-08T10:00", "--to", "2026-12-09T09:00:00Z"]);
    assert_eq!(json(&db, &["team", "show"])["covered"], true);
    let done = confirm(&db);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));

    // Owners resolve to who is on call at the item's due instant.
    let items = json(&db, &["checklist", "show", "--checkpoint", "T-2h"]);
    let by_id = |id: &str| items["items"].as_array().unwrap().iter().find(|i| i["id"] == id).unwrap().clone();
    let warroom = by_id("t2h-warroom");
    assert_eq!((warroom["state"].as_str(), warroom["owner"].as_str()), (Some("done"), Some("launch_ic")));
    assert_eq!(warroom["on_call"], serde_json::json!(["Lead 0"]));
    assert_eq!(warroom["on_call_at"], "2026-12-07T08:00:00+01:00");
    assert_eq!(by_id("t2h-queues-rpc")["on_call"], serde_json::json!(["Lead 3"]));
    let later = json(&db, &["checklist", "show", "--checkpoint", "T+7d"]);
    assert_eq!(later["items"][0]["on_call"], serde_json::json!([]), "T+7d is after the warroom closes");
    let text = clubgate(&db, &["checklist", "show", "--checkpoint", "T-2h"]);
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("on call at 2026-12-07T08:00:00+01:00: Lead 0"),
        "{}",
        String::from_utf8_lossy(&text.stdout)
    );

    // Reopened, with the QA lead's shift cancelled: done again is refused — no way around the rota.
    json(&db, &["checklist", "set", "t2h-warroom", "--state", "open", "--who", "Irina", "--at", "2026-12-07T07:56:00Z"]);
    let qa = shifts[5].to_string();
    let cancelled = json(&db, &["team", "cancel-shift", "--id", &qa]);
    assert_eq!(cancelled["cancelled"]["role"], "qa_lead");
    refused(&db, &["team", "cancel-shift", "--id", &qa], &[&format!("no shift {qa}")]);
    refused(
        &db,
        &["checklist", "set", "t2h-warroom", "--state", "done", "--who", "Irina", "--evidence", "x"],
        &["qa_lead has nobody on call from 2026-12-06T10:00:00+01:00 to 2026-12-09T10:00:00+01:00"],
    );
    let history = json(&db, &["checklist", "history", "t2h-warroom"]);
    let states: Vec<&str> = history["changes"].as_array().unwrap().iter().map(|c| c["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["done", "open"]);
    let text = String::from_utf8_lossy(&clubgate(&db, &["team", "show", "--at", "T0"]).stdout).into_owned();
    assert!(text.contains("qa_lead") && text.contains("gaps in the warroom span"), "{text}");
}
