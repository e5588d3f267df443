//! Goal: the Reports tab of the real window (WebDriver, under Xvfb when there is no display)
//! makes the warroom report of the stored events at T+1h — its tables, its charts as SVG,
//! its CSV — and the postmortem at the data clock; an instant that does not read is shown as
//! an error. Screenshots land in `target/e2e/`.
//!
//! Needs `tauri-driver`, `WebKitWebDriver` and `Xvfb` (`cargo xtask setup`); the app embeds
//! `ui/dist`, which `cargo xtask` builds.

mod support;

use clubgate_core::simulate::{simulate, Scenario, Simulation};
use clubgate_store::{NewSettings, Store};
use fantoccini::Locator;
use support::{attr, click, screenshot, text, type_into, wait_for, wait_until, Harness, WAIT};

#[tokio::test]
async fn the_reports_tab_makes_the_warroom_report_and_the_postmortem() {
    let data_dir = tempfile::tempdir().unwrap();
    // The launch and a replayed TRC-20 degradation day in the app's store, before it starts.
    let store = Store::open(&clubgate_store::database_path(data_dir.path())).await.unwrap();
    let settings = NewSettings {
        plan_source: "builtin:launch-plan-v1",
        plan_toml: clubgate_core::DEFAULT_PLAN_TOML,
        t0: "2026-12-07T10:00",
        time_zone: None,
        changed_by: "test",
        changed_at: jiff::Timestamp::now(),
        reason: None,
    };
    let launch = store.configure(&settings).await.unwrap().launch().unwrap();
    let tz = launch.t0.zoned().time_zone().clone();
    let events = simulate(&Simulation { scenario: Scenario::RpcDegradationTrc20, t0: launch.t0_instant(), tz, seed: 2, hours: 24 });
    store.start_stream("import:test", jiff::Timestamp::now()).await.unwrap();
    store.append_events(&events).await.unwrap();
    store.close().await;

    let data = data_dir.path().display().to_string();
    let harness = Harness::start(800..900, &[("CLUBGATE_DATA_DIR", &data)], None);
    let client = harness.open_app().await;
    click(&client, "#nav-reports").await;
    wait_for(&client, "#report-kind").await.select_by_value("warroom").await.expect("select the kind");
    type_into(&client, "#report-at", "2026-12-07T11:00").await;
    click(&client, "#report-run").await;
    let markdown = wait_until(&client, "#report-markdown", WAIT, "the warroom report", |t| t.contains("Warroom report")).await;
    assert!(markdown.contains("SLO status") && markdown.contains("Queues") && markdown.contains("Incidents"), "{markdown}");
    assert_eq!(attr(&client, "#report-period", "data-at").await.as_deref(), Some("2026-12-07T11:00:00+01:00"));
    let tables = client.find_all(Locator::Css("#report-markdown table")).await.unwrap();
    assert!(tables.len() >= 4, "the report's tables are rendered: {}", tables.len());
    let charts = client.find_all(Locator::Css(".report-chart svg")).await.unwrap();
    assert_eq!(charts.len(), 3, "three charts, drawn as SVG");
    let csv = text(&client, "#report-csv").await;
    assert!(csv.starts_with("section,figure,scope,from,to,value,unit"), "{csv}");
    screenshot(&client, "reports-warroom").await;

    // The postmortem at the data clock: the incident and the rollback recommendation.
    wait_for(&client, "#report-kind").await.select_by_value("postmortem").await.expect("select the kind");
    // Empty the field with keys, so the page sees the input (a WebDriver clear may not).
    type_into(&client, "#report-at", "x\u{E003}").await;
    assert_eq!(client.find(Locator::Css("#report-at")).await.unwrap().prop("value").await.unwrap().as_deref(), Some(""));
    click(&client, "#report-run").await;
    let markdown = wait_until(&client, "#report-markdown", WAIT, "the postmortem", |t| t.contains("Launch postmortem draft")).await;
    assert!(markdown.contains("TRC-20 RPC latency") && markdown.contains("rollback recommended"), "{markdown}");
    screenshot(&client, "reports-postmortem").await;

    type_into(&client, "#report-at", "someday").await;
    click(&client, "#report-run").await;
    let error = wait_until(&client, "#report-error", WAIT, "the refusal", |t| !t.is_empty()).await;
    assert!(error.starts_with("the report's instant: "), "{error}");
    client.close().await.unwrap();
}
