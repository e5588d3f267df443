//! Goal: a plan file that breaks the schema is refused with the offending field and line,
//! so a team editing its own copy finds the mistake at once.

use clubgate_core::plan::Plan;
use clubgate_core::{Error, DEFAULT_PLAN_TOML};

/// Replaces the first occurrence of `from` in the default plan and returns the error text.
fn check(from: &str, to: &str, expected: &[&str]) {
    assert!(DEFAULT_PLAN_TOML.contains(from), "fixture text {from:?} not in the default plan");
    let edited = DEFAULT_PLAN_TOML.replacen(from, to, 1);
    let error = Plan::from_toml(&edited).expect_err(&format!("{from} → {to} must be refused"));
    let message = error.to_string();
    for part in expected {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
}

fn line_of(text: &str) -> String {
    let index = DEFAULT_PLAN_TOML.find(text).expect("text in plan");
    format!("line {}", DEFAULT_PLAN_TOML[..index].matches('\n').count() + 1)
}

#[test]
fn the_default_plan_parses() {
    let plan = Plan::from_toml(DEFAULT_PLAN_TOML).expect("default plan");
    assert_eq!(plan.id, "launch-plan-v1");
    assert_eq!(plan.items().count(), 4 + 4 + 23);
}

#[test]
fn an_unknown_owner_names_field_and_line() {
    let line = line_of(r#"owner = "devops_lead", title = { en = "\"Compressed\" DR drill"#);
    check(
        r#"owner = "devops_lead", title = { en = "\"Compressed\" DR drill"#,
        r#"owner = "devops", title = { en = "\"Compressed\" DR drill"#,
        &["checkpoints[0].items[1].owner", &line, "\"devops\"", "devops_lead"],
    );
}

#[test]
fn a_bad_offset_names_field_and_line() {
    let line = line_of("start = \"T-14d\"\nend = \"T-7d\"\nvolume_cap_percent = 10");
    check(
        "start = \"T-14d\"\nend = \"T-7d\"\nvolume_cap_percent = 10",
        "start = \"T-14x\"\nend = \"T-7d\"\nvolume_cap_percent = 10",
        &["phases[1].start", &line, "T-14x", "unit must be d, h or m"],
    );
}

#[test]
fn type_errors_and_unknown_fields_name_the_line() {
    let line = line_of("volume_cap_percent = 10");
    check("volume_cap_percent = 10", "volume_cap_percent = \"ten\"", &[&line, "column"]);
    check("volume_cap_percent = 10", "volume_cap_percent = 10\nvolume_cap = 10", &["unknown field `volume_cap`"]);
    let error = Plan::from_toml("schema = 1\nid = [").expect_err("broken toml");
    assert!(matches!(error, Error::PlanSyntax { line: 2, .. }), "{error:?}");
}

#[test]
fn rule_breaks_are_refused() {
    check("schema = 1", "schema = 2", &["schema", "this build reads schema 1"]);
    check("id = \"t3d-cutoffs\"", "id = \"t7d-buffers\"", &["checkpoints[1].items[0].id", "used twice"]);
    check("volume_cap_percent = 100", "volume_cap_percent = 101", &["phases[3].volume_cap_percent", "above 100%"]);
    check("volume_cap_percent = 30", "volume_cap_percent = 5", &["phases[2].volume_cap_percent", "below the previous phase"]);
    check("time_zone = \"Europe/Warsaw\"", "time_zone = \"Europe/Warsw\"", &["time_zone", "Europe/Warsw", &line_of("time_zone = ")]);
    check("start = \"T-3d\"\nend = \"T+1d\"", "start = \"T+3d\"\nend = \"T+1d\"", &["freeze.config.end", "not after the start"]);
    check("p95_above_minutes = 30", "p95_above_minutes = 10", &["rollback.pass_through.p95_above_minutes", "below the SLO"]);
    check("cap_token_units = 250000", "cap_token_units = 0", &["guardrails.per_tx_caps[0].cap_token_units"]);
    check(
        "template = [\"who\", \"what\", \"when\", \"rollback\"]",
        "template = [\"who\", \"what\", \"when\"]",
        &["freeze.change_window.template", "rollback"],
    );
    check("ru = \"Подтвердить `cut‑off` всех Trust‑пар и TZ.\"", "ru = \" \"", &["checkpoints[1].items[0].title.ru", "empty"]);
}

#[test]
fn summary_lists_checkpoints_in_time_order() {
    let summary = Plan::default_v1().summary();
    let offsets: Vec<&str> = summary.checkpoints.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(offsets, ["T-7d", "T-3d", "T-1d", "T-2h", "T-30m", "T0", "T+1h", "T+24h", "T+7d"]);
    let counts: Vec<usize> = summary.checkpoints.iter().map(|(_, n)| *n).collect();
    assert_eq!(counts, [3, 3, 3, 3, 2, 3, 2, 2, 2]);
}
