//! Goal: every message template of the default plan fills in each of its languages from the
//! figures of a simulated launch day — no placeholder left, each figure's value in the text,
//! the figures themselves equal to what the report and the ledger say by other paths — and a
//! figure that has no value is named with its reason and template, never left in the text.
//! The plan validator refuses unknown placeholders, a RU/EN mismatch, and a language the
//! template's seed rule does not allow (webhooks-degraded is English only).

use std::collections::BTreeSet;

use clubgate_core::comms::{figures, fill, format_duration, sent_record, Context, Figures, FillError, Language, Placeholder, Window};
use clubgate_core::events::SettleMode;
use clubgate_core::launch::Launch;
use clubgate_core::ledger::{instant, ns, window_start, Ledger, Scope, MINUTE_NS};
use clubgate_core::plan::{Network, Plan};
use clubgate_core::report::{report, Period};
use clubgate_core::simulate::{simulate, Scenario, Simulation};
use clubgate_core::DEFAULT_PLAN_TOML;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use sha2::{Digest, Sha256};

const HOUR: i64 = 60 * MINUTE_NS;

fn launch() -> Launch {
    Launch::from_plan(Plan::default_v1(), "2026-12-07T10:00", None).expect("launch")
}

fn ledger(scenario: Scenario) -> Ledger {
    let launch = launch();
    let mut ledger = Ledger::default();
    let simulation = Simulation { scenario, t0: launch.t0_instant(), tz: launch.t0.zoned().time_zone().clone(), seed: 1, hours: 24 };
    for event in simulate(&simulation) {
        ledger.apply(&event).expect("simulated events apply");
    }
    ledger
}

fn t0_ns() -> i64 {
    ns(launch().t0_instant())
}

fn dubai() -> TimeZone {
    TimeZone::get("Asia/Dubai").expect("zone")
}

fn context(network: Option<Network>, next_update_minutes: Option<i64>, at: i64, incident: Option<&str>) -> Context {
    Context {
        partner_zone: dubai(),
        network,
        next_update: next_update_minutes.map(|m| instant(at + m * MINUTE_NS)),
        incident: incident.map(str::to_owned),
    }
}

/// (template, scenario, minutes from T0, network given, next update in minutes).
type Case = (&'static str, Scenario, i64, Option<Network>, Option<i64>);

fn cases() -> Vec<Case> {
    vec![
        ("pilot-canary-announcement", Scenario::PilotDay, -10 * 24 * 60, None, None),
        ("launch-tomorrow", Scenario::PilotDay, -24 * 60, None, None),
        ("schedule-reminder", Scenario::PilotDay, -24 * 60, None, None),
        ("start-in-2h", Scenario::PilotDay, -120, None, Some(30)),
        ("eod-status", Scenario::PilotDay, 12 * 60, None, Some(60)),
        ("incident-first-status", Scenario::RpcDegradationTrc20, 5 * 60, None, Some(30)),
        ("incident-update", Scenario::RpcDegradationTrc20, 6 * 60, None, Some(30)),
        ("incident-resolved", Scenario::RpcDegradationTrc20, 8 * 60, None, None),
        ("webhooks-degraded", Scenario::WebhookOutage, 3 * 60 + 30, None, Some(30)),
        ("rollback-announce", Scenario::RpcDegradationTrc20, 5 * 60, None, Some(15)),
        ("rollback-notice", Scenario::RpcDegradationTrc20, 5 * 60, None, Some(30)),
    ]
}

fn figures_at(scenario: Scenario, minutes: i64, network: Option<Network>, next: Option<i64>, incident: Option<&str>) -> (Figures, Ledger) {
    let ledger = ledger(scenario);
    let at = t0_ns() + minutes * MINUTE_NS;
    let figures = figures(&launch(), &ledger, instant(at), &context(network, next, at, incident));
    (figures, ledger)
}

#[test]
fn every_template_fills_in_each_of_its_languages_with_every_figure() {
    let plan = Plan::default_v1();
    let tested: BTreeSet<&str> = cases().iter().map(|c| c.0).collect();
    let templates: BTreeSet<&str> = plan.comms_templates.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(tested, templates, "every template of the default plan has a case");
    let mut used = BTreeSet::new();
    for (id, scenario, minutes, network, next) in cases() {
        let (figures, _) = figures_at(scenario, minutes, network, next, None);
        let template = plan.comms_templates.iter().find(|t| t.id == id).expect("template");
        for language in template.languages.clone() {
            let message = fill(&plan, id, &figures, language).unwrap_or_else(|error| panic!("{id} {language}: {error}"));
            let text = message.text();
            assert!(!text.contains(['{', '}']), "{id} {language} leaves a brace:\n{text}");
            for placeholder in template.placeholders() {
                let value = figures.value(placeholder, language).expect("the value the text was filled with");
                assert!(!value.is_empty(), "{id}: {placeholder} is empty");
                assert!(text.contains(&value), "{id} {language}: {placeholder} = {value:?} is not in\n{text}");
                used.insert(placeholder);
            }
            // The words between the placeholders are the plan's, in the right language.
            let cyrillic = text.chars().any(|c| ('а'..='я').contains(&c));
            assert_eq!(cyrillic, language == Language::Ru, "{id} {language}:\n{text}");
        }
    }
    let all: BTreeSet<Placeholder> = Placeholder::ALL.iter().copied().collect();
    assert_eq!(used, all, "the default templates use every placeholder of the vocabulary");
}

#[test]
fn webhooks_degraded_goes_out_in_english_only() {
    let plan = Plan::default_v1();
    let (figures, _) = figures_at(Scenario::WebhookOutage, 3 * 60 + 30, None, Some(30), None);
    let template = plan.comms_templates.iter().find(|t| t.id == "webhooks-degraded").expect("template");
    assert_eq!(template.languages, [Language::En]);
    assert!(template.ru.is_none());
    let error = fill(&plan, "webhooks-degraded", &figures, Language::Ru).expect_err("no Russian text");
    assert!(matches!(error, FillError::LanguageNotOffered { language: Language::Ru, .. }), "{error:?}");
    assert!(error.to_string().contains("goes out in en only"), "{error}");
    let english = fill(&plan, "webhooks-degraded", &figures, Language::En).expect("english");
    assert!(english.body.contains("Replay") && english.body.contains("dead-letter queue"), "replay instructions:\n{}", english.body);
}

#[test]
fn times_are_in_the_partner_zone_with_its_name_and_month_names_of_the_language() {
    let plan = Plan::default_v1();
    let (figures, _) = figures_at(Scenario::PilotDay, -120, None, Some(30), None);
    // T0 is 10:00 in Warsaw (UTC+1), 13:00 in Dubai (UTC+4); the next update at T-1h30.
    let en = fill(&plan, "start-in-2h", &figures, Language::En).expect("en");
    assert!(en.subject.contains("7 December 2026, 13:00 (Asia/Dubai, UTC+04:00)"), "{}", en.subject);
    assert!(en.body.contains("Next update: 7 December 2026, 11:30 (Asia/Dubai, UTC+04:00)."), "{}", en.body);
    assert!(en.body.contains("the Full Go-Live phase applies, with payout volume up to 100% of the daily target"), "{}", en.body);
    let ru = fill(&plan, "start-in-2h", &figures, Language::Ru).expect("ru");
    assert!(ru.subject.contains("7 декабря 2026, 13:00 (Asia/Dubai, UTC+04:00)"), "{}", ru.subject);
    assert!(ru.body.contains("действует фаза Full Go‑Live, объём выплат — до 100% дневной цели"), "{}", ru.body);
    // The same instant in the launch's own zone, across the DST-free winter: UTC+01:00.
    let warsaw = Context { partner_zone: TimeZone::get("Europe/Warsaw").unwrap(), ..context(None, Some(30), t0_ns() - 2 * HOUR, None) };
    let figures = clubgate_core::comms::figures(&launch(), &ledger(Scenario::PilotDay), instant(t0_ns() - 2 * HOUR), &warsaw);
    let en = fill(&plan, "start-in-2h", &figures, Language::En).expect("en");
    assert!(en.subject.ends_with("7 December 2026, 10:00 (Europe/Warsaw, UTC+01:00)"), "{}", en.subject);
}

#[test]
fn pass_through_figures_equal_the_reports_windows() {
    // T0+5h of the TRC-20 degradation: the recommendation is a partial rollback of TRC-20.
    let (figures, ledger) = figures_at(Scenario::RpcDegradationTrc20, 5 * 60, None, Some(30), None);
    assert_eq!(figures.network, Ok(Network::Trc20), "the affected network comes from the recommendation");
    let launch = launch();
    let tz = launch.t0.zoned().time_zone().clone();
    let at = t0_ns() + 5 * HOUR;
    let end = window_start(at, &tz, 15);
    assert_eq!(figures.pass_through_window, Window { start: end - 15 * MINUTE_NS, end });
    let rows = report(&ledger, &launch.plan, &tz, Period { from: t0_ns(), to: at, window_minutes: 15, t0: None }).expect("report").windows;
    let row = |scope: Scope| rows.iter().find(|r| r.scope == scope && r.end == end).and_then(|r| r.pass_through_p95).expect("row");
    assert_eq!(figures.network_p95_pass_through, Ok(row(Scope::Network(Network::Trc20))));
    assert_eq!(figures.p95_pass_through, Ok(row(Scope::Global)));
    assert!(row(Scope::Network(Network::Trc20)) > 30 * MINUTE_NS, "TRC-20 is degraded at T0+5h");
    // The queue depth: payouts on TRC-20 accepted before the instant and not ended before it.
    let depth = ledger
        .payouts
        .iter()
        .filter(|p| p.network == Network::Trc20 && p.accepted < at && p.end.is_none_or(|(when, _)| when >= at))
        .count() as u64;
    assert_eq!(figures.network_queue_depth, Ok(depth));
    let plan = Plan::default_v1();
    let en = fill(&plan, "rollback-notice", &figures, Language::En).expect("en");
    assert!(en.subject.contains("payouts on TRC-20 paused"), "{}", en.subject);
    assert!(en.body.contains(&format_duration(row(Scope::Network(Network::Trc20)), Language::En)), "{}", en.body);
    assert!(en.body.contains(&format!("({depth} on TRC-20)")), "{}", en.body);
    let ru = fill(&plan, "rollback-announce", &figures, Language::Ru).expect("ru");
    assert!(ru.body.contains("Рекомендация SLO‑движка: частичный откат (TRC-20)."), "{}", ru.body);
}

/// A share as the test writes it independently: a decimal with at most two digits.
fn share(part: u64, whole: u64, comma: bool) -> String {
    let text = format!("{:.2}", part as f64 * 100.0 / whole as f64);
    let text = text.trim_end_matches('0').trim_end_matches('.').to_owned();
    let text = if comma { text.replace('.', ",") } else { text };
    format!("{text}% ({part} {} {whole})", if comma { "из" } else { "of" })
}

#[test]
fn eod_figures_equal_the_sessions_of_the_business_day() {
    let (figures, ledger) = figures_at(Scenario::PilotDay, 12 * 60, None, Some(60), None);
    let at = t0_ns() + 12 * HOUR;
    let day: Vec<_> = ledger.sessions.iter().filter(|s| s.cut_off <= at && s.cut_off >= t0_ns()).collect();
    assert_eq!(day.len(), 2, "two trust pairs cut off on T0's day (18:00 and 20:00)");
    let settled: Vec<_> = day.iter().filter_map(|s| s.settled.filter(|(when, _)| *when < at)).collect();
    let partial = settled.iter().filter(|(_, mode)| *mode == SettleMode::Partial).count() as u64;
    let next_day = settled.iter().filter(|(_, mode)| *mode == SettleMode::NextDay).count() as u64;
    let total = settled.len() as u64;
    assert!(total > 0);
    let eod = figures.eod.clone().expect("eod");
    assert_eq!((eod.sessions, eod.settled_total()), (2, total));
    assert_eq!(figures.value(Placeholder::EodDay, Language::En), Ok("7 December 2026".to_owned()));
    assert_eq!(figures.value(Placeholder::EodDay, Language::Ru), Ok("7 декабря 2026".to_owned()));
    assert_eq!(figures.value(Placeholder::PartialShare, Language::En), Ok(share(partial, total, false)));
    assert_eq!(figures.value(Placeholder::T1Share, Language::Ru), Ok(share(next_day, total, true)));
    let mut durations: Vec<i64> = day.iter().filter_map(|s| s.settled.map(|(when, _)| when - s.cut_off)).collect();
    durations.sort_unstable();
    let rank = (durations.len() * 95).div_ceil(100);
    assert_eq!(eod.p95, Some(durations[rank - 1]));
}

#[test]
fn webhook_figures_equal_the_reports_window() {
    let (figures, ledger) = figures_at(Scenario::WebhookOutage, 3 * 60 + 30, None, Some(30), None);
    let launch = launch();
    let tz = launch.t0.zoned().time_zone().clone();
    let at = t0_ns() + 3 * HOUR + 30 * MINUTE_NS;
    let rows = report(&ledger, &launch.plan, &tz, Period { from: t0_ns(), to: at, window_minutes: 15, t0: None }).expect("report").windows;
    let last = rows.iter().filter(|r| r.scope == Scope::Global).max_by_key(|r| r.end).expect("a window");
    let (ok, all) = last.webhooks.expect("attempts");
    let hooks = figures.webhooks.clone().expect("webhooks");
    assert_eq!((hooks.window.start, hooks.window.end, hooks.succeeded, hooks.attempts), (last.start, last.end, ok, all));
    assert!(ok < all, "the outage fails deliveries in this window");
    assert_eq!(figures.value(Placeholder::WebhookSuccess, Language::En), Ok(share(ok, all, false)));
    assert_eq!(figures.dead_letter_depth, Ok(last.dead_letter_depth_end.expect("depth")), "the window ends at the instant");
    assert_eq!(
        figures.value(Placeholder::WebhookWindow, Language::En),
        Ok("7 December 2026, 16:15–16:30 (Asia/Dubai, UTC+04:00)".to_owned())
    );
}

/// Fills `id` and expects each `(placeholder, reason part)` to be named in the error.
fn check_missing(id: &str, figures: &Figures, language: Language, expected: &[(&str, &str)]) {
    let plan = Plan::default_v1();
    let error = fill(&plan, id, figures, language).expect_err(&format!("{id} must not fill"));
    let message = error.to_string();
    assert!(message.contains(&format!("template {id:?}")), "{message}");
    let FillError::MissingFigures { missing, .. } = &error else { panic!("{error:?}") };
    for (placeholder, reason) in expected {
        assert!(message.contains(&format!("{{{placeholder}}} has no value: ")), "{message} lacks {{{placeholder}}}");
        let named = missing.iter().find(|m| m.placeholder.name() == *placeholder).expect("listed");
        assert!(named.reason.contains(reason), "{placeholder}: {:?} lacks {reason:?}", named.reason);
    }
}

#[test]
fn a_missing_figure_is_named_with_its_reason_and_the_template() {
    let (early, _) = figures_at(Scenario::PilotDay, -30 * 24 * 60, None, None, None);
    check_missing(
        "schedule-reminder",
        &early,
        Language::En,
        &[("phase", "no phase has started"), ("phase_volume_cap", "first, preflight")],
    );

    let (after_t0, _) = figures_at(Scenario::PilotDay, 60, None, Some(30), None);
    check_missing("start-in-2h", &after_t0, Language::Ru, &[("next_phase", "no phase starts after"), ("next_phase_volume_cap", "full")]);
    // …and no figure there is at T0, before any traffic.
    let (at_t0, _) = figures_at(Scenario::PilotDay, 0, Some(Network::Trc20), Some(30), None);
    check_missing(
        "rollback-announce",
        &at_t0,
        Language::En,
        &[
            ("p95_pass_through", "no payout was confirmed in the window"),
            ("webhook_success", "no webhook delivery attempt finished in the window"),
            ("webhook_window", "no webhook delivery attempt"),
            ("dead_letter_depth", "no webhook delivery attempt finished before"),
        ],
    );
    check_missing("rollback-notice", &at_t0, Language::En, &[("network_queue_depth", "no payout on TRC-20 was accepted before")]);
    check_missing("eod-status", &after_t0, Language::En, &[("eod_day", "no EOD session had its cut-off"), ("eod_sessions", "cut-off")]);

    // 18:01 on T0's day: the first cut-off has passed, nothing is settled yet.
    let (cut_off, _) = figures_at(Scenario::PilotDay, 8 * 60 + 1, None, Some(30), None);
    assert!(cut_off.value(Placeholder::EodSessions, Language::En).is_ok());
    check_missing(
        "eod-status",
        &cut_off,
        Language::Ru,
        &[("p95_eod", "was settled before"), ("partial_share", "was settled before"), ("t1_share", "2026-12-07")],
    );

    // No network given, and none recommended: a healthy day, then a full rollback (SEV1).
    let (healthy, _) = figures_at(Scenario::PilotDay, 5 * 60, None, Some(30), None);
    check_missing(
        "incident-first-status",
        &healthy,
        Language::En,
        &[
            ("network", "no partial rollback is recommended"),
            ("network_p95_pass_through", "the affected network is unknown"),
            ("incident_id", "no incident was opened before"),
        ],
    );
    let (sev1, _) = figures_at(Scenario::Sev1, 5 * 60 + 30, None, Some(30), None);
    check_missing("incident-first-status", &sev1, Language::En, &[("network", "is full (every network)")]);

    // No next update, or one in the past.
    let (no_next, _) = figures_at(Scenario::PilotDay, -120, None, None, None);
    check_missing("start-in-2h", &no_next, Language::En, &[("next_update", "no next update time was given")]);
    let (past_next, _) = figures_at(Scenario::PilotDay, -120, None, Some(-5), None);
    check_missing("start-in-2h", &past_next, Language::En, &[("next_update", "is not after")]);

    // An incident still open cannot be announced resolved; an unknown one is named.
    let (open, _) = figures_at(Scenario::RpcDegradationTrc20, 5 * 60, None, None, None);
    check_missing("incident-resolved", &open, Language::Ru, &[("incident_resolved", "incident inc-001 is still open")]);
    let (unknown, _) = figures_at(Scenario::RpcDegradationTrc20, 5 * 60, None, Some(30), Some("inc-404"));
    check_missing(
        "incident-update",
        &unknown,
        Language::En,
        &[("incident_id", "\"inc-404\" was not opened before"), ("incident_title", "inc-001")],
    );

    let plan = Plan::default_v1();
    let error = fill(&plan, "start-in-3h", &open, Language::En).expect_err("unknown template");
    assert!(error.to_string().contains("template \"start-in-3h\" is not in the plan; use one of pilot-canary-announcement"), "{error}");
}

#[test]
fn formats_are_exact() {
    use clubgate_core::comms::{basis_points, format_basis_points};
    for (nanos, en, ru) in [
        (30 * MINUTE_NS, "30 min", "30 мин"),
        (30 * MINUTE_NS + 1, "30 min 1 s", "30 мин 1 с"),
        (95 * MINUTE_NS + 12_000_000_000, "1 h 35 min 12 s", "1 ч 35 мин 12 с"),
        (0, "0 s", "0 с"),
    ] {
        assert_eq!((format_duration(nanos, Language::En).as_str(), format_duration(nanos, Language::Ru).as_str()), (en, ru));
    }
    for (part, whole, en, ru) in [
        (1, 8, "12.5%", "12,5%"),
        (1, 3, "33.33%", "33,33%"),
        (2, 3, "66.67%", "66,67%"),
        (3, 3, "100%", "100%"),
        (0, 7, "0%", "0%"),
        (1, 20, "5%", "5%"),
    ] {
        let bp = basis_points(part, whole);
        assert_eq!(
            (format_basis_points(bp, Language::En).as_str(), format_basis_points(bp, Language::Ru).as_str()),
            (en, ru),
            "{part}/{whole}"
        );
    }
}

#[test]
fn a_sent_record_names_the_template_and_hashes_each_exact_text() {
    let plan = Plan::default_v1();
    let (figures, _) = figures_at(Scenario::RpcDegradationTrc20, 5 * 60, None, Some(30), None);
    let en = fill(&plan, "rollback-notice", &figures, Language::En).expect("en");
    let ru = fill(&plan, "rollback-notice", &figures, Language::Ru).expect("ru");
    let record = sent_record(&[en.clone(), ru.clone()]);
    assert_eq!(record.template, "rollback-notice");
    assert_eq!(serde_json::to_value(&record).unwrap()["audience"], "partners");
    for (text, message) in record.texts.iter().zip([&en, &ru]) {
        let exact = format!("{}\n\n{}\n", message.subject, message.body);
        assert_eq!(message.text(), exact);
        assert_eq!(text.language, message.language);
        assert_eq!(text.sha256, hex(&Sha256::digest(exact.as_bytes())));
    }
    assert_ne!(record.texts[0].sha256, record.texts[1].sha256);
    // The decision log's one hash: both texts as sent in one message, EN first, an empty
    // line between.
    assert_eq!(record.languages, [Language::En, Language::Ru]);
    let english_only = sent_record(std::slice::from_ref(&en));
    let both = format!("{}\n{}", en.text(), ru.text());
    assert_eq!(clubgate_core::comms::sent_text(&[en, ru]), both);
    assert_eq!(record.sha256, hex(&Sha256::digest(both.as_bytes())));
    assert_eq!(english_only.sha256, record.texts[0].sha256, "one language: its own text");
    // Another instant, another text, another hash.
    let (later, _) = figures_at(Scenario::RpcDegradationTrc20, 5 * 60 + 15, None, Some(30), None);
    let en_later = fill(&plan, "rollback-notice", &later, Language::En).expect("en");
    assert_ne!(sent_record(&[en_later]).sha256, english_only.sha256);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Edits the default plan and returns the error text.
fn refused(from: &str, to: &str) -> String {
    assert_eq!(DEFAULT_PLAN_TOML.matches(from).count(), 1, "fixture text {from:?} must be in the default plan once");
    Plan::from_toml(&DEFAULT_PLAN_TOML.replacen(from, to, 1)).expect_err(&format!("{from} → {to} must be refused")).to_string()
}

fn line_of(text: &str) -> String {
    let index = DEFAULT_PLAN_TOML.find(text).expect("text in plan");
    format!("line {}", DEFAULT_PLAN_TOML[..index].matches('\n').count() + 1)
}

fn index_of(id: &str) -> usize {
    Plan::default_v1().comms_templates.iter().position(|t| t.id == id).expect("template")
}

#[test]
fn the_validator_refuses_unknown_placeholders_and_a_ru_en_mismatch() {
    let start = index_of("start-in-2h");
    let en_line = "Our warroom is open and watches payouts, settlements and webhooks. Next update: {next_update}.";
    let message = refused(en_line, &en_line.replace("{next_update}", "{next_updat}"));
    for part in [
        &format!("comms_templates[{start}].body.en"),
        "placeholder {next_updat} is not one the app fills",
        "next_update",
        &line_of(en_line)[..6],
    ] {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
    let ru_line = "Наш warroom открыт и следит за выплатами, расчётами и вебхуками. Следующее обновление: {next_update}.";
    let message = refused(ru_line, &ru_line.replace("{next_update}", "скоро"));
    for part in [
        &format!("field `comms_templates[{start}]`"),
        "template \"start-in-2h\"",
        "en and ru use different placeholders",
        "only en has {next_update}",
    ] {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
    let message = refused(ru_line, &ru_line.replace("{next_update}", "{next_update} ({network})"));
    assert!(message.contains("only ru has {network}"), "{message}");
    let message = refused(en_line, &en_line.replace("{next_update}", "{next_update"));
    assert!(message.contains("is not closed") && message.contains(&format!("comms_templates[{start}].body.en")), "{message}");
    let message = refused(en_line, &en_line.replace("{next_update}.", "{next_update}.}"));
    assert!(message.contains("closes no placeholder"), "{message}");
}

#[test]
fn the_validator_holds_templates_to_their_seed_rule_checkpoint_and_step() {
    let hooks = index_of("webhooks-degraded");
    // A Russian text for the English-only template.
    let subject = "subject.en = \"ClubGate webhook deliveries degraded: how to replay missed events\"";
    let message = refused(subject, &format!("{subject}\nsubject.ru = \"Вебхуки ClubGate деградировали\""));
    assert!(message.contains(&format!("comms_templates[{hooks}].subject.ru")) && message.contains("goes out in en only"), "{message}");
    // Both languages, against the rule that says English.
    let message =
        refused("languages = [\"en\"]\nsubject.en = \"ClubGate webhook", "languages = [\"en\", \"ru\"]\nsubject.en = \"ClubGate webhook");
    assert!(
        message.contains(&format!("comms_templates[{hooks}].languages")) && message.contains("its rule \"webhooks-degraded\" says en"),
        "{message}"
    );
    // Its audience must be the rule's.
    let message = refused(
        "audience = \"partners\"\ncommunication = \"webhooks-degraded\"",
        "audience = \"warroom\"\ncommunication = \"webhooks-degraded\"",
    );
    assert!(message.contains("differs from \"webhooks-degraded\"'s audience partners"), "{message}");
    // A checkpoint, rule and step the plan does not have; an unknown field; an id in use.
    let message = refused("checkpoint = \"T-2h\"\nsubject.en", "checkpoint = \"T-5h\"\nsubject.en");
    assert!(message.contains("checkpoint T-5h is not in [[checkpoints]]"), "{message}");
    let message = refused("communication = \"eod-status\"", "communication = \"eod-report\"");
    assert!(message.contains("communication \"eod-report\" is not in [[communications]]"), "{message}");
    let message = refused("rollback_step = \"notify-partners\"", "rollback_step = \"notify\"");
    assert!(message.contains("step \"notify\" is not in [[rollback.procedure]]"), "{message}");
    let message = refused("rollback_step = \"notify-partners\"", "rollback_steps = \"notify-partners\"");
    assert!(message.contains("unknown field `rollback_steps`"), "{message}");
    let message = refused("id = \"launch-tomorrow\"", "id = \"t0-start\"");
    assert!(message.contains("id \"t0-start\" is used twice"), "{message}");
    let message = refused("audience = \"pilots\"\ncheckpoint = \"T-1d\"", "audience = \"pilot\"\ncheckpoint = \"T-1d\"");
    assert!(message.contains("unknown variant `pilot`"), "{message}");
}

#[test]
fn figures_read_nothing_at_or_after_the_instant() {
    // The same figures whether or not the ledger holds events after the instant.
    let launch = launch();
    let full = ledger(Scenario::RpcDegradationTrc20);
    let at = t0_ns() + 5 * HOUR;
    let mut cut = Ledger::default();
    let simulation = Simulation {
        scenario: Scenario::RpcDegradationTrc20,
        t0: launch.t0_instant(),
        tz: launch.t0.zoned().time_zone().clone(),
        seed: 1,
        hours: 24,
    };
    for event in simulate(&simulation).into_iter().filter(|e| ns(e.at) < at) {
        cut.apply(&event).unwrap();
    }
    let context = context(None, Some(30), at, None);
    let (a, b) = (figures(&launch, &full, instant(at), &context), figures(&launch, &cut, instant(at), &context));
    for placeholder in Placeholder::ALL {
        for language in Language::ALL {
            assert_eq!(a.value(*placeholder, language), b.value(*placeholder, language), "{placeholder} {language}");
        }
    }
    let _: Timestamp = a.at;
}

#[test]
fn the_format_documentation_lists_every_placeholder() {
    let doc = include_str!("../../docs/plan-format.md");
    for placeholder in Placeholder::ALL {
        let row = format!("| `{placeholder}` | {} |", placeholder.meaning());
        assert!(doc.contains(&row), "docs/plan-format.md lacks the row {row:?}");
    }
}
