//! Goal: the date table follows PRODUCT.md "Time" to the letter across DST — day offsets
//! keep T0's wall clock, hour/minute offsets are elapsed time, gaps move forward, overlaps
//! take the earlier instant, and a wall-clock T0 in a gap or overlap is refused.
//! Europe/Warsaw: 2026-03-29 02:00→03:00, 2026-10-25 03:00→02:00, 2027-03-28, 2027-10-31.

use clubgate_core::offset::Offset;
use clubgate_core::plan::Plan;
use clubgate_core::schedule::{rfc3339, time_zone, DateTable, T0};
use clubgate_core::Error;
use jiff::civil::DateTime;
use jiff::{Timestamp, ToSpan};
use proptest::prelude::*;

fn t0(text: &str) -> T0 {
    T0::parse(text, &time_zone("Europe/Warsaw").unwrap()).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn check(t0_text: &str, offset: &str, expected: &str) {
    let at = t0(t0_text).at(offset.parse().unwrap()).unwrap();
    assert_eq!(rfc3339(&at), expected, "{offset} from {t0_text}");
}

#[test]
fn day_offsets_keep_the_wall_clock_across_dst() {
    check("2026-04-05T10:00", "T-7d", "2026-03-29T10:00:00+02:00");
    check("2026-04-05T10:00", "T-14d", "2026-03-22T10:00:00+01:00");
    check("2026-10-30T10:00", "T-7d", "2026-10-23T10:00:00+02:00");
    check("2026-10-30T10:00", "T+2d", "2026-11-01T10:00:00+01:00");
    check("2027-04-01T09:30", "T-21d", "2027-03-11T09:30:00+01:00");
    check("2027-10-28T23:59", "T+7d", "2027-11-04T23:59:00+01:00");
}

#[test]
fn a_day_offset_landing_in_a_gap_moves_forward_by_the_gap() {
    check("2026-04-05T02:30", "T-7d", "2026-03-29T03:30:00+02:00");
    check("2027-04-04T02:00", "T-7d", "2027-03-28T03:00:00+02:00");
}

#[test]
fn a_day_offset_landing_in_an_overlap_takes_the_earlier_instant() {
    check("2026-11-01T02:30", "T-7d", "2026-10-25T02:30:00+02:00");
    check("2027-10-24T02:15", "T+7d", "2027-10-31T02:15:00+02:00");
}

#[test]
fn hour_and_minute_offsets_are_elapsed_time() {
    check("2026-03-29T04:00", "T-2h", "2026-03-29T01:00:00+01:00");
    check("2026-10-25T01:30", "T+1h", "2026-10-25T02:30:00+02:00");
    check("2026-10-25T01:30", "T+2h", "2026-10-25T02:30:00+01:00");
    check("2026-03-28T10:00", "T+24h", "2026-03-29T11:00:00+02:00");
    check("2026-10-24T10:00", "T+24h", "2026-10-25T09:00:00+01:00");
    check("2026-03-29T03:10", "T-30m", "2026-03-29T01:40:00+01:00");
}

#[test]
fn a_wall_clock_t0_in_a_gap_or_overlap_is_refused_an_explicit_offset_is_not() {
    let tz = time_zone("Europe/Warsaw").unwrap();
    let gap = T0::parse("2026-03-29T02:30", &tz).expect_err("gap");
    assert!(matches!(gap, Error::T0Nonexistent { .. }), "{gap:?}");
    assert!(gap.to_string().contains("2026-03-29T02:30"), "{gap}");
    let fold = T0::parse("2026-10-25T02:30", &tz).expect_err("fold");
    assert!(matches!(fold, Error::T0Ambiguous { .. }), "{fold:?}");
    assert!(fold.to_string().contains("+02") && fold.to_string().contains("+01"), "{fold}");
    assert!(T0::parse("2027-03-28T02:00", &tz).is_err());
    assert!(T0::parse("2027-10-31T02:59", &tz).is_err());
    let later = T0::parse("2026-10-25T02:30+01:00", &tz).unwrap();
    assert_eq!(rfc3339(later.zoned()), "2026-10-25T02:30:00+01:00");
    let utc = T0::parse("2026-12-07T09:00:00Z", &tz).unwrap();
    assert_eq!(rfc3339(utc.zoned()), "2026-12-07T10:00:00+01:00");
}

#[test]
fn bad_t0_and_zone_are_refused_by_name() {
    let tz = time_zone("Europe/Warsaw").unwrap();
    for bad in ["2026-13-07T10:00", "tomorrow", "2026-12-07", "2026-12-07T25:00"] {
        let error = T0::parse(bad, &tz).expect_err(bad);
        assert!(error.to_string().contains(bad), "{error}");
    }
    let error = time_zone("Europe/Warsw").expect_err("zone");
    assert!(error.to_string().contains("Europe/Warsw"));
}

#[test]
fn the_date_table_of_the_default_plan() {
    let plan = Plan::default_v1();
    let table = DateTable::new(&plan, &t0("2026-12-07T10:00")).unwrap();
    let phases: Vec<(String, String, String)> = table.phases.iter().map(|p| (p.id.clone(), rfc3339(&p.start), rfc3339(&p.end))).collect();
    assert_eq!(phases[0], ("preflight".into(), "2026-11-16T10:00:00+01:00".into(), "2026-11-23T10:00:00+01:00".into()));
    assert_eq!(phases[3], ("full".into(), "2026-12-07T10:00:00+01:00".into(), "2026-12-14T10:00:00+01:00".into()));
    let checkpoints: Vec<(String, String)> = table.checkpoints.iter().map(|c| (c.offset.to_string(), rfc3339(&c.at))).collect();
    assert_eq!(checkpoints[3], ("T-2h".into(), "2026-12-07T08:00:00+01:00".into()));
    assert_eq!(checkpoints[4], ("T-30m".into(), "2026-12-07T09:30:00+01:00".into()));
    assert_eq!(checkpoints.len(), 9);
    let freezes: Vec<String> = table.freezes.iter().map(|f| format!("{:?} {} {}", f.kind, rfc3339(&f.start), rfc3339(&f.end))).collect();
    assert_eq!(
        freezes,
        ["Code 2026-11-30T10:00:00+01:00 2026-12-09T10:00:00+01:00", "Config 2026-12-04T10:00:00+01:00 2026-12-08T10:00:00+01:00"]
    );
}

#[test]
fn phase_and_next_checkpoint_at_an_instant() {
    let plan = Plan::default_v1();
    let table = DateTable::new(&plan, &t0("2026-12-07T10:00")).unwrap();
    let at = |s: &str| s.parse::<Timestamp>().unwrap();
    assert_eq!(table.phase_at(at("2026-12-01T00:00:00Z")).map(|p| p.id.as_str()), Some("canary"));
    assert_eq!(table.phase_at(at("2026-12-06T12:00:00Z")), None, "the seed leaves T-1d → T0 between phases");
    assert_eq!(table.phase_at(at("2026-12-07T09:00:00Z")).map(|p| p.id.as_str()), Some("full"), "T0 is inclusive");
    assert_eq!(table.next_checkpoint(at("2026-12-07T08:29:59Z")).map(|c| c.offset.to_string()), Some("T-30m".into()));
    assert_eq!(table.next_checkpoint(at("2026-12-07T08:59:59Z")).map(|c| c.offset.to_string()), Some("T0".into()));
    assert_eq!(table.next_checkpoint(at("2026-12-14T09:00:00Z")), None);
}

/// Wall clocks from 2026-01-01 to 2027-12-31 at minute resolution, which exist exactly
/// once in Warsaw (so they are valid T0s).
fn any_t0() -> impl Strategy<Value = T0> {
    (0i64..730 * 1440).prop_filter_map("gap or overlap", |minute| {
        let wall = DateTime::constant(2026, 1, 1, 0, 0, 0, 0).checked_add(minute.minutes()).ok()?;
        T0::parse(&wall.to_string(), &time_zone("Europe/Warsaw").ok()?).ok()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn day_offsets_move_the_date_and_keep_the_wall_clock_unless_in_a_gap(t0 in any_t0(), days in -30i32..=30) {
        let at = t0.at(Offset::days(days).unwrap()).unwrap();
        let start = t0.zoned().datetime();
        prop_assert_eq!(at.date(), start.date().checked_add(days.days()).unwrap());
        let wall = start.date().checked_add(days.days()).unwrap().to_datetime(start.time());
        let possible = t0.zoned().time_zone().to_ambiguous_zoned_datetime(wall);
        match possible.offset() {
            jiff::tz::AmbiguousOffset::Unambiguous { .. } => prop_assert_eq!(at.time(), start.time()),
            jiff::tz::AmbiguousOffset::Gap { before, after } => {
                let gap = after.seconds() - before.seconds();
                prop_assert_eq!(at.datetime(), wall.checked_add(i64::from(gap).seconds()).unwrap());
            }
            jiff::tz::AmbiguousOffset::Fold { before, .. } => {
                prop_assert_eq!(at.time(), start.time());
                prop_assert_eq!(at.offset(), before, "the earlier instant");
            }
        }
    }

    #[test]
    fn hour_and_minute_offsets_are_exact_elapsed_seconds(t0 in any_t0(), hours in -500i32..=500, minutes in -3000i32..=3000) {
        let by_hours = t0.at(Offset::hours(hours).unwrap()).unwrap();
        prop_assert_eq!(by_hours.timestamp().as_second() - t0.zoned().timestamp().as_second(), i64::from(hours) * 3600);
        let by_minutes = t0.at(Offset::minutes(minutes).unwrap()).unwrap();
        prop_assert_eq!(by_minutes.timestamp().as_second() - t0.zoned().timestamp().as_second(), i64::from(minutes) * 60);
    }

    #[test]
    fn the_date_table_is_ordered_and_t0_round_trips(t0 in any_t0()) {
        let table = DateTable::new(&Plan::default_v1(), &t0).unwrap();
        for pair in table.checkpoints.windows(2) {
            prop_assert!(pair[0].at < pair[1].at);
        }
        let printed = rfc3339(&table.t0);
        let reparsed = T0::parse(&printed, &time_zone("Europe/Warsaw").unwrap()).unwrap();
        prop_assert_eq!(reparsed.zoned(), t0.zoned());
    }
}
