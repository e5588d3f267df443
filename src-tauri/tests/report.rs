//! Goal: the Reports page's command gives, over the shell's current events, exactly the
//! files `clubgate report` writes (clubgate-report over the same events), at the requested
//! instant or at the data clock, with the Markdown also as HTML; a bad kind or instant is
//! refused with its code and words.

use clubgate_core::events::Event;
use clubgate_core::simulate::{simulate, Scenario, Simulation};
use clubgate_desk::Service;
use clubgate_ipc::{ReportRequest, SettingsUpdate};
use clubgate_report::{generate, Input, Kind};

fn request(kind: &str, at: &str) -> ReportRequest {
    ReportRequest { kind: kind.into(), at: at.into() }
}

#[tokio::test]
async fn the_page_shows_the_reports_of_the_current_events() {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::start(dir.path()).await.unwrap();
    let settings = SettingsUpdate {
        t0: "2026-12-07T10:00".into(),
        tz: String::new(),
        plan_path: String::new(),
        who: "Irina (IC)".into(),
        reason: String::new(),
    };
    service.save_settings(&settings).await.unwrap();
    let launch = clubgate_core::launch::Launch::from_plan(clubgate_core::plan::Plan::default_v1(), "2026-12-07T10:00", None).unwrap();
    let tz = launch.t0.zoned().time_zone().clone();
    let events: Vec<Event> = simulate(&Simulation { scenario: Scenario::WebhookOutage, t0: launch.t0_instant(), tz, seed: 5, hours: 24 });
    let file = dir.path().join("events.jsonl");
    std::fs::write(&file, events.iter().map(|e| e.to_json() + "\n").collect::<String>()).unwrap();
    let imported = service.import_events(file.to_str().unwrap()).await.unwrap();
    assert_eq!(imported.imported, events.len());

    for kind in Kind::ALL {
        let view = service.report(&request(kind.name(), "2026-12-07T14:00")).await.unwrap();
        let at = "2026-12-07T13:00:00Z".parse().unwrap();
        // No treasury file in the data directory: no daily target.
        let files = generate(kind, &Input { launch: &launch, events: &events, at, decisions: &[], daily_target: None }).unwrap();
        assert_eq!(view.kind, kind.name());
        assert_eq!(view.at.rfc3339, "2026-12-07T14:00:00+01:00");
        assert_eq!(view.markdown, files.markdown, "{kind}");
        assert_eq!(view.csv, files.csv, "{kind}");
        let charts: Vec<(String, String)> = view.charts.iter().map(|c| (c.id.clone(), c.svg.clone())).collect();
        assert_eq!(charts, files.charts, "{kind}");
        assert!(view.html.contains("<h1>") && view.html.contains("<table>"), "{kind}: {}", view.html);
    }
    let warroom = service.report(&request("warroom", "2026-12-07T14:00")).await.unwrap();
    assert_eq!((warroom.from.rfc3339.as_str(), warroom.to.rfc3339.as_str()), ("2026-12-07T13:00:00+01:00", "2026-12-07T14:00:00+01:00"));
    assert!(warroom.markdown.contains("partner-xl webhook endpoint down"), "the outage's incident is listed");

    // No instant: the data clock, the minute after the latest event.
    let latest = events.iter().map(|e| e.at).max().unwrap();
    let view = service.report(&request("daily", "")).await.unwrap();
    let at = jiff::Timestamp::from_second(latest.as_second() - latest.as_second().rem_euclid(60) + 60).unwrap();
    assert_eq!(view.at.epoch_ms, at.as_millisecond());
    assert!(view.csv.lines().any(|l| l.starts_with("summary,events,") && !l.contains("no data")), "the data clock's day has events");
}

#[tokio::test]
async fn a_bad_kind_or_instant_is_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::start(dir.path()).await.unwrap();
    let error = service.report(&request("weekly", "")).await.unwrap_err();
    let json = serde_json::to_value(&error).unwrap();
    assert_eq!(json["code"], "invalid_input");
    assert_eq!(json["message"], "report kind \"weekly\" is unknown; use one of warroom, daily, kpi, postmortem");
    let error = service.report(&request("daily", "tomorrow")).await.unwrap_err();
    let json = serde_json::to_value(&error).unwrap();
    assert_eq!(json["code"], "invalid_input");
    assert!(json["message"].as_str().unwrap().starts_with("the report's instant: "), "{json}");
    // No events at all: every figure section says no data.
    let view = service.report(&request("warroom", "2026-12-07T11:00")).await.unwrap();
    assert!(view.charts.is_empty());
    assert!(view.csv.lines().skip(1).all(|l| l.contains(",no data,")), "{}", view.csv);
}
