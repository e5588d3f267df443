//! Goal: item changes are checked before they are kept, the Go/No-Go gate is GO only when
//! every entry criterion is done and lists what blocks it, and the freeze plan answers
//! which freezes are active and how a change request fares.

use clubgate_core::checklist::{current_states, go_no_go, ItemChange, ItemState, Verdict};
use clubgate_core::freeze::{assess, status_at, ChangeArea, ChangeRequest, ChangeVerdict};
use clubgate_core::plan::Plan;
use clubgate_core::schedule::{time_zone, DateTable, FreezeKind, T0};
use clubgate_core::Error;
use jiff::Timestamp;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn change(plan: &Plan, item: &str, state: ItemState) -> ItemChange {
    ItemChange::new(plan, item, state, "Anna (QA)", at("2026-12-01T10:00:00Z"), "evidence: link").unwrap()
}

#[test]
fn a_change_needs_a_known_item_a_who_and_evidence() {
    let plan = Plan::default_v1();
    let when = at("2026-12-01T10:00:00Z");
    let unknown = ItemChange::new(&plan, "t7d-nope", ItemState::Done, "Anna", when, "x").expect_err("unknown");
    assert!(matches!(unknown, Error::UnknownItem { ref item_id, .. } if item_id == "t7d-nope"));
    let no_who = ItemChange::new(&plan, "t7d-buffers", ItemState::Done, "  ", when, "x").expect_err("who");
    assert!(matches!(no_who, Error::Missing { field: "who", .. }));
    for state in [ItemState::Done, ItemState::Blocked, ItemState::NotApplicable] {
        let no_evidence = ItemChange::new(&plan, "t7d-buffers", state, "Anna", when, " ").expect_err("evidence");
        assert!(matches!(no_evidence, Error::Missing { field: "evidence", .. }), "{state}");
    }
    let reopen = ItemChange::new(&plan, "t7d-buffers", ItemState::Open, "Anna", when, "").unwrap();
    assert_eq!(reopen.state, ItemState::Open);
    let long = "x".repeat(4001);
    assert!(matches!(
        ItemChange::new(&plan, "t7d-buffers", ItemState::Done, "Anna", when, &long),
        Err(Error::TooLong { field: "evidence", .. })
    ));
    assert_eq!("n/a".parse::<ItemState>().unwrap(), ItemState::NotApplicable);
    assert!(matches!("finished".parse::<ItemState>(), Err(Error::UnknownState { .. })));
}

#[test]
fn the_latest_change_is_the_current_state() {
    let plan = Plan::default_v1();
    let history = vec![
        change(&plan, "t7d-buffers", ItemState::Done),
        change(&plan, "t7d-buffers", ItemState::Open),
        change(&plan, "t3d-cutoffs", ItemState::Blocked),
    ];
    let states = current_states(&history);
    assert_eq!(states["t7d-buffers"].state, ItemState::Open);
    assert_eq!(states["t3d-cutoffs"].state, ItemState::Blocked);
    assert_eq!(states.len(), 2);
}

#[test]
fn go_only_when_every_entry_criterion_is_done() {
    let plan = Plan::default_v1();
    let gate = go_no_go(&plan, &[]);
    assert_eq!((gate.verdict, gate.done, gate.total, gate.blockers.len()), (Verdict::NoGo, 0, 4, 4));
    let mut history: Vec<ItemChange> = plan.entry_criteria.iter().map(|c| change(&plan, &c.id, ItemState::Done)).collect();
    history.push(change(&plan, "t7d-buffers", ItemState::Blocked));
    let gate = go_no_go(&plan, &history);
    assert_eq!(gate.verdict, Verdict::Go, "checkpoint items do not gate");
    assert!(gate.blockers.is_empty());
    history.push(change(&plan, "entry-wallet-sop", ItemState::NotApplicable));
    let gate = go_no_go(&plan, &history);
    assert_eq!(gate.verdict, Verdict::NoGo);
    assert_eq!(
        gate.blockers.iter().map(|b| (b.item_id.as_str(), b.state, b.owner.as_str())).collect::<Vec<_>>(),
        [("entry-wallet-sop", ItemState::NotApplicable, "treasury_lead")]
    );
}

#[test]
fn freezes_are_half_open_windows() {
    let plan = Plan::default_v1();
    let t0 = T0::parse("2026-12-07T10:00", &time_zone("Europe/Warsaw").unwrap()).unwrap();
    let table = DateTable::new(&plan, &t0).unwrap();
    let check = |instant: &str, active: &[FreezeKind], window: bool| {
        let status = status_at(&table, at(instant));
        assert_eq!((status.active.as_slice(), status.change_window_open), (active, window), "{instant}");
    };
    check("2026-11-30T08:59:59Z", &[], false);
    check("2026-11-30T09:00:00Z", &[FreezeKind::Code], false);
    check("2026-12-04T09:00:00Z", &[FreezeKind::Code, FreezeKind::Config], false);
    check("2026-12-06T09:00:00Z", &[FreezeKind::Code, FreezeKind::Config], true);
    check("2026-12-08T09:00:00Z", &[FreezeKind::Code], true);
    check("2026-12-09T09:00:00Z", &[], false);
}

#[test]
fn change_requests_follow_the_freeze_plan() {
    let plan = Plan::default_v1();
    let t0 = T0::parse("2026-12-07T10:00", &time_zone("Europe/Warsaw").unwrap()).unwrap();
    let table = DateTable::new(&plan, &t0).unwrap();
    let check = |area: ChangeArea, when: &str, expected: ChangeVerdict| {
        let request = ChangeRequest::new("Ivan", "raise cap", at(when), "revert the flag", area.clone()).unwrap();
        assert_eq!(assess(&plan, &table, &request).verdict, expected, "{area:?} at {when}");
    };
    let config = |key: &str| ChangeArea::Config { key: key.to_owned() };
    check(ChangeArea::Code, "2026-11-20T10:00:00Z", ChangeVerdict::Allowed);
    check(ChangeArea::Code, "2026-12-01T10:00:00Z", ChangeVerdict::Refused);
    check(ChangeArea::Code, "2026-12-06T10:00:00Z", ChangeVerdict::HotfixOnly);
    check(config("per_tx_cap"), "2026-12-06T10:00:00Z", ChangeVerdict::NeedsIcDecision);
    check(config("fee_mode"), "2026-12-07T10:00:00Z", ChangeVerdict::NeedsIcDecision);
    check(config("webhook_timeout"), "2026-12-06T10:00:00Z", ChangeVerdict::Refused);
    check(config("per_tx_cap"), "2026-12-05T10:00:00Z", ChangeVerdict::Refused);
    check(config("webhook_timeout"), "2026-12-08T09:00:00Z", ChangeVerdict::Allowed);
    let missing = ChangeRequest::new("Ivan", "raise cap", at("2026-12-06T10:00:00Z"), " ", ChangeArea::Code).expect_err("rollback");
    assert!(matches!(missing, Error::Missing { field: "rollback", .. }));
}
