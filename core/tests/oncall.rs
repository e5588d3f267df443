//! Goal: the on-call rule of issue 11 point 5 — the warroom span is the plan's
//! `launch-warroom` hours (T-1d → T+2d) as instants, a role's gaps in it are exact to the
//! nanosecond on half-open shifts, a DST change inside the span changes nothing but the
//! span's length, and the T-2h confirmation is refused naming every uncovered role and
//! interval until the rota covers them all.

use clubgate_core::checklist::ItemState;
use clubgate_core::launch::Launch;
use clubgate_core::ledger::ns;
use clubgate_core::oncall::{
    confirm, coverage, new_shift, on_call_at, on_call_for, parse_instant, requires_cover, warroom_span, Contacts, Gap, Person, Shift, Span,
    TeamError, CONFIRMATION_ITEM,
};
use clubgate_core::plan::Plan;
use clubgate_core::DEFAULT_PLAN_TOML;
use proptest::prelude::*;

const HOUR_NS: i64 = 3_600_000_000_000;

fn launch(t0: &str) -> Launch {
    Launch::new(DEFAULT_PLAN_TOML, t0, None).unwrap()
}

fn at(launch: &Launch, text: &str) -> i64 {
    ns(parse_instant(launch, text).unwrap_or_else(|e| panic!("{text}: {e}")))
}

fn roles(plan: &Plan) -> Vec<String> {
    plan.roles.iter().map(|r| r.id.clone()).collect()
}

/// One shift per role over `[start, end)`, ids from 1.
fn rota_over(plan: &Plan, start_ns: i64, end_ns: i64) -> Vec<Shift> {
    plan.roles
        .iter()
        .enumerate()
        .map(|(n, r)| Shift { id: n as i64 + 1, person: format!("person {n}"), role: r.id.clone(), start_ns, end_ns })
        .collect()
}

#[test]
fn the_warroom_span_is_the_channels_hours_t_minus_1d_to_t_plus_2d() {
    let launch = launch("2026-12-07T10:00");
    let span = warroom_span(&launch);
    assert_eq!(span.start_ns, at(&launch, "2026-12-06T10:00:00+01:00"));
    assert_eq!(span.end_ns, at(&launch, "2026-12-09T10:00:00+01:00"));
    assert_eq!((span.start_ns, span.end_ns), (at(&launch, "T-1d"), at(&launch, "T+2d")));
    assert_eq!(span.end_ns - span.start_ns, 72 * HOUR_NS);
    let channel = launch.plan.channels.iter().find(|c| c.id == "launch-warroom").unwrap();
    assert_eq!(channel.open.map(|(o, c)| (o.to_string(), c.to_string())), Some(("T-1d".to_owned(), "T+2d".to_owned())));
}

#[test]
fn the_confirmation_item_is_the_t2h_warroom_item_of_the_plan() {
    let plan = Plan::default_v1();
    let t2h = plan.checkpoints.iter().find(|c| c.offset.to_string() == "T-2h").unwrap();
    let item = t2h.items.iter().find(|i| i.id == CONFIRMATION_ITEM).expect("the T-2h checkpoint holds the on-call confirmation");
    assert!(item.title.en.contains("on-call roles confirmed"), "{}", item.title.en);
    assert!(requires_cover(CONFIRMATION_ITEM, ItemState::Done));
    for state in [ItemState::Open, ItemState::Blocked, ItemState::NotApplicable] {
        assert!(!requires_cover(CONFIRMATION_ITEM, state), "{state}");
    }
    assert!(!requires_cover("t2h-queues-rpc", ItemState::Done));
}

#[test]
fn the_confirmation_names_each_uncovered_role_and_interval_until_all_are_covered() {
    let launch = launch("2026-12-07T10:00");
    let span = warroom_span(&launch);
    let mut rota = rota_over(&launch.plan, span.start_ns, span.end_ns);
    assert_eq!(confirm(&launch, &rota), Ok(()));

    // DevOps is on call until T+1d only; QA from T-1d + 1 ns.
    rota[3].end_ns = at(&launch, "T+1d");
    rota[5].start_ns += 1;
    let error = confirm(&launch, &rota).unwrap_err();
    let TeamError::Uncovered { item_id, gaps, .. } = &error else { panic!("{error:?}") };
    assert_eq!(item_id, CONFIRMATION_ITEM);
    assert_eq!(
        gaps,
        &[
            Gap { role: "devops_lead".to_owned(), start_ns: at(&launch, "T+1d"), end_ns: span.end_ns },
            Gap { role: "qa_lead".to_owned(), start_ns: span.start_ns, end_ns: span.start_ns + 1 },
        ]
    );
    let message = error.to_string();
    for part in [
        "t2h-warroom",
        "devops_lead has nobody on call from 2026-12-08T10:00:00+01:00 to 2026-12-09T10:00:00+01:00",
        "qa_lead has nobody on call from 2026-12-06T10:00:00+01:00 to 2026-12-06T10:00:00.000000001+01:00",
        "2026-12-06T10:00:00+01:00 → 2026-12-09T10:00:00+01:00",
    ] {
        assert!(message.contains(part), "{message:?} names {part:?}");
    }

    // Nobody at all: every role, the whole span; the message lists six and counts none more.
    let error = confirm(&launch, &[]).unwrap_err();
    let TeamError::Uncovered { gaps, described, .. } = &error else { panic!("{error:?}") };
    assert_eq!(gaps.len(), 6);
    assert_eq!(described.matches("has nobody on call").count(), 6);
    assert!(!described.contains("more gaps"), "{described}");

    // A second shift that closes each gap exactly (half-open: it starts where the first ends).
    rota.push(Shift {
        id: 10,
        person: "DevOps 2".to_owned(),
        role: "devops_lead".to_owned(),
        start_ns: at(&launch, "T+1d"),
        end_ns: span.end_ns,
    });
    rota.push(Shift {
        id: 11,
        person: "QA 2".to_owned(),
        role: "qa_lead".to_owned(),
        start_ns: span.start_ns - HOUR_NS,
        end_ns: span.start_ns + 1,
    });
    assert_eq!(confirm(&launch, &rota), Ok(()));
}

#[test]
fn more_gaps_than_listed_are_counted() {
    let launch = launch("2026-12-07T10:00");
    let span = warroom_span(&launch);
    // Every role on call only in the middle hour: two gaps each, twelve in all.
    let rota = rota_over(&launch.plan, span.start_ns + 10 * HOUR_NS, span.start_ns + 11 * HOUR_NS);
    let TeamError::Uncovered { gaps, described, .. } = confirm(&launch, &rota).unwrap_err() else { panic!() };
    assert_eq!(gaps.len(), 12);
    assert!(described.ends_with("and 6 more gaps"), "{described}");
}

#[test]
fn a_dst_change_inside_the_warroom_span_changes_only_its_length() {
    // T0 2026-03-29T10:00 Warsaw: the span is 2026-03-28T10:00+01:00 → 2026-03-31T10:00+02:00,
    // 71 hours of elapsed time (the clocks jump at 02:00 on the 29th).
    let spring = launch("2026-03-29T10:00");
    let span = warroom_span(&spring);
    assert_eq!(span.end_ns - span.start_ns, 71 * HOUR_NS);
    let plan = &spring.plan;
    // 71 elapsed hours from T-1d cover it exactly.
    assert_eq!(coverage(&rota_over(plan, span.start_ns, span.start_ns + 71 * HOUR_NS), &roles(plan), span), vec![]);
    // 70 leave the last hour open for every role — in absolute instants, whatever the wall clock says.
    let gaps = coverage(&rota_over(plan, span.start_ns, span.start_ns + 70 * HOUR_NS), &roles(plan), span);
    assert_eq!(gaps.len(), 6);
    assert!(gaps.iter().all(|g| (g.start_ns, g.end_ns) == (span.start_ns + 70 * HOUR_NS, span.end_ns)), "{gaps:?}");
    // Shifts written as wall clocks across the jump: 2026-03-29T00:00 to 04:00 is 3 hours.
    let night = (at(&spring, "2026-03-29T00:00"), at(&spring, "2026-03-29T04:00"));
    assert_eq!(night.1 - night.0, 3 * HOUR_NS);
    // Autumn: T0 2026-10-25T10:00 gives a 73-hour span.
    let autumn = launch("2026-10-25T10:00");
    let span = warroom_span(&autumn);
    assert_eq!(span.end_ns - span.start_ns, 73 * HOUR_NS);
    let gaps = coverage(&rota_over(&autumn.plan, span.start_ns, span.start_ns + 72 * HOUR_NS), &roles(&autumn.plan), span);
    assert!(gaps.iter().all(|g| g.end_ns - g.start_ns == HOUR_NS), "{gaps:?}");
}

#[test]
fn instants_are_offsets_wall_clocks_or_rfc3339() {
    let launch = launch("2026-12-07T10:00");
    assert_eq!(at(&launch, "T-1d"), at(&launch, "2026-12-06T10:00"));
    assert_eq!(at(&launch, "t+36h"), at(&launch, "2026-12-08T21:00:00Z"));
    assert_eq!(at(&launch, "T0"), at(&launch, "2026-12-07T09:00:00Z"));
    for (text, names) in [
        ("tomorrow", "write an offset from T0"),
        ("T-1w", "unit must be d, h or m"),
        ("2026-03-29T02:30", "does not exist in Europe/Warsaw"),
        ("2026-10-25T02:30", "happens twice in Europe/Warsaw"),
    ] {
        let error = parse_instant(&launch, text).unwrap_err();
        let message = error.to_string();
        assert!(message.contains(&format!("{text:?}")) && message.contains(names), "{text}: {message}");
    }
}

#[test]
fn a_shift_is_checked_for_role_order_length_and_the_persons_other_shifts() {
    let launch = launch("2026-12-07T10:00");
    let phone = Contacts::new(Some("+48601234567"), None, None).unwrap();
    let olga = Person::new(&launch.plan, "Olga", "treasury_lead", phone).unwrap();
    let (from, to) = (at(&launch, "T-1d"), at(&launch, "T+2d"));
    let shift = new_shift(&launch, &[], &olga, None, from, to).unwrap();
    assert_eq!((shift.role.as_str(), shift.start_ns, shift.end_ns), ("treasury_lead", from, to));
    assert_eq!(new_shift(&launch, &[], &olga, Some("risk_lead"), from, to).unwrap().role, "risk_lead", "a deputy for another role");
    assert!(matches!(new_shift(&launch, &[], &olga, Some("cfo"), from, to), Err(TeamError::UnknownRole { .. })));
    assert!(matches!(new_shift(&launch, &[], &olga, None, to, from), Err(TeamError::ShiftOrder { .. })));
    assert!(matches!(new_shift(&launch, &[], &olga, None, from, from), Err(TeamError::ShiftOrder { .. })));
    assert!(matches!(new_shift(&launch, &[], &olga, None, from, at(&launch, "T+7d")), Err(TeamError::ShiftTooLong { .. })));
    let rota = [Shift { id: 7, person: "Olga".to_owned(), role: "treasury_lead".to_owned(), start_ns: from, end_ns: from + HOUR_NS }];
    // Another role in the same hour is refused, naming the shift in the way; the next hour is fine.
    let error = new_shift(&launch, &rota, &olga, Some("risk_lead"), from + HOUR_NS - 1, to).unwrap_err();
    assert!(matches!(error, TeamError::Overlap { id: 7, .. }), "{error:?}");
    assert!(error.to_string().contains("2026-12-06T10:00:00+01:00"), "{error}");
    assert!(new_shift(&launch, &rota, &olga, Some("risk_lead"), from + HOUR_NS, to).is_ok());
}

#[test]
fn who_is_on_call_at_an_instant() {
    let rota = [
        Shift { id: 1, person: "A".to_owned(), role: "qa_lead".to_owned(), start_ns: 0, end_ns: 10 },
        Shift { id: 2, person: "B".to_owned(), role: "qa_lead".to_owned(), start_ns: 10, end_ns: 20 },
        Shift { id: 3, person: "C".to_owned(), role: "launch_ic".to_owned(), start_ns: 5, end_ns: 15 },
    ];
    assert_eq!(on_call_for(&rota, "qa_lead", 9), ["A"]);
    assert_eq!(on_call_for(&rota, "qa_lead", 10), ["B"], "a shift's end belongs to the next");
    assert_eq!(on_call_for(&rota, "qa_lead", 20), Vec::<&str>::new());
    assert_eq!(on_call_at(&rota, 10).iter().map(|s| s.id).collect::<Vec<_>>(), [2, 3]);
}

proptest! {
    /// Against a point-by-point oracle: an instant of the span is in a gap of a role exactly
    /// when no shift of that role holds it; gaps are ordered, non-empty, inside the span and
    /// maximal (two gaps of a role never touch).
    #[test]
    fn gaps_are_exactly_the_uncovered_instants(
        shifts in proptest::collection::vec((0usize..3, -20i64..140, 0i64..60), 0..12),
        span_start in 0i64..60,
        span_length in 0i64..80,
    ) {
        let role_names = ["a", "b", "c"];
        let rota: Vec<Shift> = shifts
            .iter()
            .enumerate()
            .map(|(n, (role, start, length))| Shift {
                id: n as i64,
                person: format!("p{n}"),
                role: role_names[*role].to_owned(),
                start_ns: *start,
                end_ns: start + length,
            })
            .collect();
        let span = Span { start_ns: span_start, end_ns: span_start + span_length };
        let gaps = coverage(&rota, &role_names, span);
        for role in role_names {
            let mine: Vec<&Gap> = gaps.iter().filter(|g| g.role == role).collect();
            for pair in mine.windows(2) {
                prop_assert!(pair[0].end_ns < pair[1].start_ns, "{:?} touches {:?}", pair[0], pair[1]);
            }
            for gap in &mine {
                prop_assert!(span.start_ns <= gap.start_ns && gap.start_ns < gap.end_ns && gap.end_ns <= span.end_ns, "{gap:?}");
            }
            for instant in span.start_ns..span.end_ns {
                let held = rota.iter().any(|s| s.role == role && s.contains(instant));
                let in_gap = mine.iter().any(|g| g.start_ns <= instant && instant < g.end_ns);
                prop_assert_eq!(held, !in_gap, "role {} at {}", role, instant);
            }
        }
        // Roles in the order given.
        let order: Vec<usize> = gaps.iter().map(|g| role_names.iter().position(|r| *r == g.role).unwrap()).collect();
        prop_assert!(order.windows(2).all(|w| w[0] <= w[1]));
    }
}
