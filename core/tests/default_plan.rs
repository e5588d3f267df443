//! Goal: the default plan encodes the seed (`docs/seed/launch-plan-v1.ru.md`, a copy of
//! the launch plan v1) completely — every checklist item of every checkpoint, every entry
//! criterion, onboarding step, role, KPI, communication, rollback criterion and procedure
//! step, with the Russian originals kept word for word.

use clubgate_core::plan::Plan;

const SEED: &str = include_str!("../../docs/seed/launch-plan-v1.ru.md");

/// Drops markdown emphasis and code marks and the checkbox, so plan texts compare with the
/// seed's lines.
fn normalize(text: &str) -> String {
    let text = text.trim().trim_start_matches("- [ ]").trim_start_matches("- ✅").trim_start_matches("- ");
    text.replace(['*', '`'], "").trim().to_owned()
}

/// The bullet lines of the seed section whose heading starts with `heading`.
fn section<'a>(heading: &str) -> Vec<&'a str> {
    let mut lines = SEED.lines().skip_while(|l| !l.starts_with(heading));
    let _ = lines.next().expect(heading);
    lines.take_while(|l| !l.starts_with("## ") && !l.starts_with("### ") && !l.starts_with("---")).filter(|l| l.starts_with("- ")).collect()
}

fn seed_offset(heading: &str) -> &'static str {
    match heading {
        "### T‑7 дней" => "T-7d",
        "### T‑3 дня" => "T-3d",
        "### T‑1 день" => "T-1d",
        "### T‑2 часа" => "T-2h",
        "### T‑30 минут" => "T-30m",
        "### T0 (старт)" => "T0",
        "### T+1 час" => "T+1h",
        "### T+24 часа" => "T+24h",
        "### T+7 дней" => "T+7d",
        other => panic!("the seed has a checkpoint this test does not know: {other}"),
    }
}

#[test]
fn every_checkpoint_of_the_seed_has_its_items_in_order_with_ru_originals() {
    let plan = Plan::default_v1();
    let headings: Vec<&str> = SEED
        .lines()
        .skip_while(|l| !l.starts_with("## 8)"))
        .take_while(|l| !l.starts_with("## 9)"))
        .filter(|l| l.starts_with("### "))
        .collect();
    assert_eq!(headings.len(), 9, "the seed has nine checkpoints");
    assert_eq!(plan.checkpoints.len(), headings.len());
    let mut total = 0;
    for heading in headings {
        let offset = seed_offset(heading.trim());
        let seed_items: Vec<String> = section(heading).into_iter().map(normalize).collect();
        let checkpoint = plan.checkpoints.iter().find(|c| c.offset.to_string() == offset).unwrap_or_else(|| panic!("plan lacks {offset}"));
        let plan_items: Vec<String> = checkpoint.items.iter().map(|i| normalize(&i.title.ru)).collect();
        assert_eq!(plan_items, seed_items, "items of {offset}");
        total += seed_items.len();
    }
    assert_eq!(total, 23, "the seed has 23 cutover items");
}

#[test]
fn entry_criteria_onboarding_roles_kpis_and_comms_match_the_seed() {
    let plan = Plan::default_v1();
    let check = |heading: &str, plan_texts: Vec<String>| {
        let seed: Vec<String> = section(heading).into_iter().map(normalize).collect();
        assert_eq!(plan_texts, seed, "{heading}");
    };
    check("## 3)", plan.entry_criteria.iter().map(|i| normalize(&i.title.ru)).collect());
    check("## 4)", plan.onboarding.iter().map(|i| normalize(&i.title.ru)).collect());
    check("## 11)", plan.kpis.iter().map(|k| normalize(&k.name.ru)).collect());
    check("## 9)", plan.communications.iter().map(|c| normalize(&c.text.ru)).collect());
    // §2: six roles and the two channels.
    let roles = section("## 2)").into_iter().filter(|l| !l.contains("Каналы")).count();
    assert_eq!(plan.roles.len(), roles);
    assert_eq!(plan.channels.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["#launch-prep", "#launch-warroom"]);
    // §10: four criteria and six procedure steps.
    let criteria = section("## 10)");
    assert_eq!(criteria.len(), 4);
    let procedure_line = SEED.lines().find(|l| l.starts_with("**Процедура:**")).expect("procedure");
    let steps: Vec<String> = procedure_line.trim_start_matches("**Процедура:**").split('→').map(normalize).collect();
    let plan_steps: Vec<String> = plan.rollback.procedure.iter().map(|s| normalize(&s.title.ru).trim_end_matches('.').to_owned()).collect();
    assert_eq!(plan_steps, steps.iter().map(|s| s.trim_end_matches('.').to_owned()).collect::<Vec<_>>());
}

#[test]
fn numbers_of_the_seed_are_encoded() {
    let plan = Plan::default_v1();
    assert_eq!(plan.time_zone, "Europe/Warsaw");
    let phases: Vec<(String, String, String, u8)> =
        plan.phases.iter().map(|p| (p.id.clone(), p.start.to_string(), p.end.to_string(), p.volume_cap_percent)).collect();
    let expected =
        [("preflight", "T-21d", "T-14d", 0), ("pilot", "T-14d", "T-7d", 10), ("canary", "T-7d", "T-1d", 30), ("full", "T0", "T+7d", 100)];
    assert_eq!(phases, expected.map(|(a, b, c, d)| (a.to_owned(), b.to_owned(), c.to_owned(), d)));
    assert_eq!(plan.phases[1].partners, Some((2, 4)));
    assert_eq!(plan.phases[2].volume_target_percent, Some(25));
    assert_eq!((plan.freeze.code.start.to_string(), plan.freeze.code.end.to_string()), ("T-7d".into(), "T+2d".into()));
    let config = &plan.freeze.config;
    assert_eq!((config.window.start.to_string(), config.window.end.to_string()), ("T-3d".into(), "T+1d".into()));
    assert_eq!(config.exceptions, ["per_tx_cap", "fee_mode"]);
    assert_eq!(plan.freeze.change_window.template, ["who", "what", "when", "rollback"]);
    let caps: Vec<(u128, bool)> = plan.guardrails.per_tx_caps.iter().map(|c| (c.cap_base_units(), c.batch_above_cap)).collect();
    assert_eq!(caps, [(250_000_000_000, true), (200_000_000_000, true)]);
    assert_eq!(plan.guardrails.partial_settlement_from_phase, "canary");
    assert_eq!(
        (plan.slos.pass_through_p95_max_minutes, plan.slos.eod_p95_max_minutes, plan.slos.webhook_success_min_basis_points),
        (15, 60, 9900)
    );
    assert_eq!((plan.rollback.pass_through.p95_above_minutes, plan.rollback.pass_through.consecutive_windows), (30, 2));
    assert_eq!((plan.rollback.eod_unsettled.after_cut_off_minutes, plan.rollback.webhooks.success_below_basis_points), (90, 9800));
    assert_eq!(plan.rollback.incident.severity, "SEV1");
    let t30m = plan.checkpoints.iter().find(|c| c.offset.to_string() == "T-30m").expect("T-30m");
    assert_eq!(t30m.items[1].metrics_window_minutes, Some(30));
}

#[test]
fn owners_follow_the_natural_role() {
    let plan = Plan::default_v1();
    for (item, owner) in [
        ("t7d-go-no-go", "launch_ic"),
        ("t7d-dr-drill", "devops_lead"),
        ("t7d-buffers", "treasury_lead"),
        ("t2h-queues-rpc", "devops_lead"),
        ("t2h-partner-notice", "comms_lead"),
        ("t1d-bot-banner", "comms_lead"),
        ("entry-test-plan", "qa_lead"),
    ] {
        assert_eq!(plan.item(item).map(|i| i.owner.as_str()), Some(owner), "{item}");
    }
}
