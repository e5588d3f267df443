//! Goal: what the window's commands return — the overview at an instant, typed errors with
//! stable codes — is right without a window, for a fixed T0 and a fixed "now".

use clubgate_desk::Service;
use clubgate_ipc::{ItemUpdate, SettingsUpdate};

fn settings(t0: &str, tz: &str, plan_path: &str) -> SettingsUpdate {
    SettingsUpdate { t0: t0.into(), tz: tz.into(), plan_path: plan_path.into(), who: "Irina (IC)".into() }
}

fn update(item: &str, state: &str, evidence: &str) -> ItemUpdate {
    ItemUpdate { item_id: item.into(), state: state.into(), who: "Olga".into(), evidence: evidence.into() }
}

fn code_and_message(error: &clubgate_desk::Error) -> (String, String) {
    let json = serde_json::to_value(error).expect("errors serialize");
    (json["code"].as_str().unwrap().to_owned(), json["message"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn first_start_seeds_a_launch_a_few_days_ahead() {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::start(dir.path()).await.unwrap();
    let overview = service.overview().await.unwrap();
    let ahead_ms = overview.t0.epoch_ms - overview.now.epoch_ms;
    assert!((2 * 86_400_000..=4 * 86_400_000).contains(&ahead_ms), "T0 is 2–4 days ahead: {ahead_ms} ms");
    assert_eq!((overview.plan_id.as_str(), overview.tz.as_str()), ("launch-plan-v1", "Europe/Warsaw"));
    assert!(overview.t0.rfc3339.ends_with("T10:00:00+01:00") || overview.t0.rfc3339.ends_with("T10:00:00+02:00"));
}

#[tokio::test]
async fn the_overview_at_an_instant() {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::start(dir.path()).await.unwrap();
    service.save_settings(&settings("2026-12-07T10:00", "", "")).await.unwrap();
    let now = "2026-12-05T12:00:00Z".parse().unwrap();
    let overview = service.overview_at(now).await.unwrap();
    assert_eq!(overview.current_phase.as_deref(), Some("canary"));
    assert_eq!(overview.t0_wall, "2026-12-07T10:00");
    assert_eq!(overview.t0.local, "Mon 07 Dec 2026 10:00 CET");
    let active: Vec<(&str, bool)> = overview.freezes.iter().map(|f| (f.kind.as_str(), f.active)).collect();
    assert_eq!(active, [("code", true), ("config", true)]);
    assert!(!overview.change_window.open, "the warroom opens at T-1d");
    assert_eq!(overview.change_window.channel, "#launch-warroom");
    assert_eq!(overview.checkpoints.len(), 9);
    assert_eq!(overview.checkpoints[3].at.rfc3339, "2026-12-07T08:00:00+01:00");
    assert_eq!((overview.gate.verdict.as_str(), overview.gate.blockers.len()), ("NO-GO", 4));
    assert_eq!(overview.entry_criteria.len(), 4);
    assert_eq!(overview.onboarding.len(), 4);
}

#[tokio::test]
async fn checklist_changes_and_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::start(dir.path()).await.unwrap();
    let after = service.set_item_state(&update("t7d-buffers", "done", "ETH 12.5")).await.unwrap();
    let item = &after.checkpoints[0].items[2];
    assert_eq!((item.id.as_str(), item.state.as_str()), ("t7d-buffers", "done"));
    assert_eq!(item.last.as_ref().map(|c| c.evidence.as_str()), Some("ETH 12.5"));
    assert_eq!(service.item_history("t7d-buffers").await.unwrap().len(), 1);

    let error = service.set_item_state(&update("t7d-buffers", "done", "")).await.expect_err("no evidence");
    let (code, message) = code_and_message(&error);
    assert_eq!(code, "invalid_input");
    assert!(message.contains("evidence"), "{message}");
    let error = service.set_item_state(&update("nope", "done", "x")).await.expect_err("unknown item");
    assert_eq!(code_and_message(&error).0, "not_found");
    let error = service.item_history("nope").await.expect_err("unknown item");
    assert_eq!(code_and_message(&error).0, "not_found");
    let error = service.save_settings(&settings("2026-10-25T02:30", "", "")).await.expect_err("ambiguous");
    let (code, message) = code_and_message(&error);
    assert_eq!(code, "invalid_input");
    assert!(message.contains("ambiguous") && message.contains("2026-10-25T02:30"), "{message}");
    let error = service.save_settings(&settings("2026-12-07T10:00", "", "/nonexistent/plan.toml")).await.expect_err("no file");
    let (code, message) = code_and_message(&error);
    assert_eq!(code, "plan_file");
    assert!(message.contains("/nonexistent/plan.toml"), "{message}");
    let bad_plan = dir.path().join("bad.toml");
    std::fs::write(&bad_plan, clubgate_core::DEFAULT_PLAN_TOML.replacen("schema = 1", "schema = 7", 1)).unwrap();
    let error = service.save_settings(&settings("2026-12-07T10:00", "", bad_plan.to_str().unwrap())).await.expect_err("bad plan");
    assert_eq!(code_and_message(&error).0, "plan_file");
    assert_eq!(service.item_history("t7d-buffers").await.unwrap().len(), 1, "refused changes write nothing");
}
