//! Goal: every report of every kind, over each of the simulator's scenarios, says exactly
//! what the events say. Every figure of the CSV is recomputed here from the events
//! themselves — plain loops over the event list, not the ledger or the report crate — and
//! must be equal; the Markdown renders with the expected sections; each SVG parses as XML;
//! a report at an instant with no traffic says "no data" in every section and its CSV holds
//! no 0; text from the events cannot become markup.

use std::collections::{BTreeMap, HashMap};

use clubgate_core::events::{Event, EventKind, SettleMode};
use clubgate_core::launch::Launch;
use clubgate_core::plan::{Network, Plan};
use clubgate_core::simulate::{simulate, Scenario, Simulation};
use clubgate_report::{generate, html, period, DecisionLine, Input, Kind, ReportFiles};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use pulldown_cmark::{Event as Md, HeadingLevel, Parser, Tag, TagEnd};

const MINUTE: i64 = 60_000_000_000;
const HOUR: i64 = 60 * MINUTE;
const T0: &str = "2026-12-07T10:00";
/// The treasury example's daily target, 2,000,000 tokens.
const DAILY_TARGET: u128 = 2_000_000_000_000;

fn launch() -> Launch {
    Launch::from_plan(Plan::default_v1(), T0, None).expect("the default launch")
}

fn t0_ns(launch: &Launch) -> i64 {
    launch.t0_instant().as_nanosecond() as i64
}

fn ts(ns: i64) -> Timestamp {
    Timestamp::from_nanosecond(i128::from(ns)).unwrap()
}

fn ns_of(at: Timestamp) -> i64 {
    at.as_nanosecond() as i64
}

fn events(launch: &Launch, scenario: Scenario) -> Vec<Event> {
    let tz = launch.t0.zoned().time_zone().clone();
    simulate(&Simulation { scenario, t0: launch.t0_instant(), tz, seed: 7, hours: 24 })
}

// ---------------------------------------------------------------------------------------
// The oracle: the world as the events before the report's instant describe it.

struct Payout {
    accepted: i64,
    network: Network,
    amount: u128,
    end: Option<(i64, bool)>,
}

struct Session {
    opened: i64,
    cut_off: i64,
    settled: Option<(i64, SettleMode)>,
}

struct IncidentRecord {
    sev: u8,
    opened: i64,
    resolved: Option<i64>,
}

struct World {
    times: Vec<i64>,
    payouts: Vec<Payout>,
    attempts: Vec<(i64, bool)>,
    dead_letter: Vec<(i64, i64)>,
    sessions: Vec<Session>,
    incidents: Vec<IncidentRecord>,
    /// (offered, outcome: (at, completed)).
    deals: Vec<(i64, Option<(i64, bool)>)>,
    t0: i64,
    /// (phase start, cap percent) in order.
    phases: Vec<(i64, u8)>,
    plan: Plan,
}

impl World {
    fn new(launch: &Launch, events: &[Event], at: i64) -> Self {
        let mut world = Self {
            times: Vec::new(),
            payouts: Vec::new(),
            attempts: Vec::new(),
            dead_letter: Vec::new(),
            sessions: Vec::new(),
            incidents: Vec::new(),
            deals: Vec::new(),
            t0: t0_ns(launch),
            phases: launch
                .plan
                .phases
                .iter()
                .zip(&launch.table.phases)
                .map(|(p, d)| (ns_of(d.start.timestamp()), p.volume_cap_percent))
                .collect(),
            plan: launch.plan.clone(),
        };
        let mut payouts: HashMap<String, usize> = HashMap::new();
        let mut sessions: HashMap<String, usize> = HashMap::new();
        let mut incidents: HashMap<String, usize> = HashMap::new();
        let mut deals: HashMap<String, usize> = HashMap::new();
        for event in events.iter().filter(|e| ns_of(e.at) < at) {
            let t = ns_of(event.at);
            world.times.push(t);
            match &event.kind {
                EventKind::PayoutAccepted { payout_id, network, amount, .. } => {
                    payouts.insert(payout_id.clone(), world.payouts.len());
                    world.payouts.push(Payout { accepted: t, network: *network, amount: amount.base_units(), end: None });
                }
                EventKind::PayoutConfirmed { payout_id } => world.payouts[payouts[payout_id]].end = Some((t, true)),
                EventKind::PayoutFailed { payout_id, .. } => world.payouts[payouts[payout_id]].end = Some((t, false)),
                EventKind::WebhookAttempt { status, .. } => world.attempts.push((t, (200..300).contains(status))),
                EventKind::WebhookDeadLettered { .. } => world.dead_letter.push((t, 1)),
                EventKind::WebhookReplayed { .. } => world.dead_letter.push((t, -1)),
                EventKind::EodSessionOpened { session_id, cut_off_at, .. } => {
                    sessions.insert(session_id.clone(), world.sessions.len());
                    world.sessions.push(Session { opened: t, cut_off: ns_of(*cut_off_at), settled: None });
                }
                EventKind::EodSettled { session_id, mode } => world.sessions[sessions[session_id]].settled = Some((t, *mode)),
                EventKind::IncidentOpened { incident_id, sev, .. } => {
                    incidents.insert(incident_id.clone(), world.incidents.len());
                    world.incidents.push(IncidentRecord { sev: *sev, opened: t, resolved: None });
                }
                EventKind::IncidentResolved { incident_id } => world.incidents[incidents[incident_id]].resolved = Some(t),
                EventKind::DealOffered { deal_id, .. } => {
                    deals.insert(deal_id.clone(), world.deals.len());
                    world.deals.push((t, None));
                }
                EventKind::DealCompleted { deal_id, .. } => world.deals[deals[deal_id]].1 = Some((t, true)),
                EventKind::DealCancelled { deal_id, .. } => world.deals[deals[deal_id]].1 = Some((t, false)),
                // Trust obligations and partner balances feed the EOD plan, not the reports.
                EventKind::TrustObligation { .. } | EventKind::PartnerBalance { .. } | EventKind::WalletBalance { .. } => {}
            }
        }
        world
    }

    fn traffic(&self, from: i64, to: i64) -> bool {
        self.times.iter().any(|t| *t >= from && *t < to)
    }

    fn seen_before(&self, at: i64) -> bool {
        self.times.iter().any(|t| *t < at)
    }

    fn in_scope(p: &Payout, scope: &str) -> bool {
        match scope {
            "global" => true,
            "network:erc20" => p.network == Network::Erc20,
            "network:trc20" => p.network == Network::Trc20,
            other => panic!("payout scope {other}"),
        }
    }

    /// The nearest-rank p95: sort, take the ⌈0.95·n⌉-th.
    fn p95(mut samples: Vec<i64>) -> Option<i128> {
        if samples.is_empty() {
            return None;
        }
        samples.sort();
        let rank = (samples.len() * 95).div_ceil(100);
        Some(i128::from(samples[rank - 1]))
    }

    fn pass_through(&self, scope: &str, from: i64, to: i64) -> Option<i128> {
        let mut samples = Vec::new();
        for p in self.payouts.iter().filter(|p| Self::in_scope(p, scope) && p.accepted < to) {
            match p.end {
                Some((at, true)) if at >= from && at < to => samples.push(at - p.accepted),
                Some((at, _)) if at < to => {}
                _ => samples.push(to - p.accepted),
            }
        }
        Self::p95(samples)
    }

    /// Windows of `minutes` inside [from, to). Europe/Warsaw's offsets are whole hours, so a
    /// window aligned to its wall clock is aligned to the epoch.
    fn windows(from: i64, to: i64, minutes: u32) -> Vec<(i64, i64)> {
        let width = i64::from(minutes) * MINUTE;
        let mut start = from.div_euclid(width) * width;
        if start < from {
            start += width;
        }
        let mut windows = Vec::new();
        while start + width <= to {
            windows.push((start, start + width));
            start += width;
        }
        windows
    }

    fn hooks(&self, from: i64, to: i64) -> (u128, u128) {
        let inside: Vec<&(i64, bool)> = self.attempts.iter().filter(|(t, _)| *t >= from && *t < to).collect();
        (inside.iter().filter(|(_, ok)| *ok).count() as u128, inside.len() as u128)
    }

    fn bp(part: u128, whole: u128) -> Option<i128> {
        (whole > 0).then(|| (part * 10_000 / whole) as i128)
    }

    fn counted(&self, from: i64, to: i64, n: usize) -> Option<i128> {
        self.traffic(from, to).then_some(n as i128)
    }

    fn settled_by_mode(&self, from: i64, to: i64) -> [usize; 3] {
        let mut counts = [0; 3];
        for s in &self.sessions {
            if let Some((at, mode)) = s.settled {
                if at >= from && at < to {
                    counts[match mode {
                        SettleMode::Full => 0,
                        SettleMode::Partial => 1,
                        SettleMode::NextDay => 2,
                    }] += 1;
                }
            }
        }
        counts
    }

    fn attainment(&self, from: i64, to: i64, with_data: usize, met: usize, which: &str) -> Option<i128> {
        if !self.traffic(from, to) {
            return None;
        }
        match which {
            "windows" => Some(with_data as i128),
            "met" => (with_data > 0).then_some(met as i128),
            _ => Self::bp(met as u128, with_data as u128),
        }
    }

    fn cut_off_sessions(&self, from: i64, to: i64) -> Vec<&Session> {
        self.sessions.iter().filter(|s| s.opened < to && s.cut_off >= from && s.cut_off < to).collect()
    }

    /// The value of a figure, or `None` for "no data".
    fn figure(&self, tz: &TimeZone, name: &str, scope: &str, from: Option<i64>, to: i64) -> Option<i128> {
        let slos = &self.plan.slos;
        if let Some(from) = from {
            return match name {
                "events" => self.counted(from, to, self.times.iter().filter(|t| **t >= from && **t < to).count()),
                "payouts.accepted" => self.counted(
                    from,
                    to,
                    self.payouts.iter().filter(|p| Self::in_scope(p, scope) && p.accepted >= from && p.accepted < to).count(),
                ),
                "payouts.confirmed" | "payouts.failed" => {
                    let confirmed = name == "payouts.confirmed";
                    let n = self
                        .payouts
                        .iter()
                        .filter(|p| Self::in_scope(p, scope) && matches!(p.end, Some((at, ok)) if ok == confirmed && at >= from && at < to))
                        .count();
                    self.counted(from, to, n)
                }
                "volume.accepted" => self.traffic(from, to).then(|| {
                    self.payouts
                        .iter()
                        .filter(|p| Self::in_scope(p, scope) && p.accepted >= from && p.accepted < to)
                        .map(|p| p.amount)
                        .sum::<u128>() as i128
                }),
                "volume.confirmed" => self.traffic(from, to).then(|| {
                    self.payouts
                        .iter()
                        .filter(|p| Self::in_scope(p, scope) && matches!(p.end, Some((at, true)) if at >= from && at < to))
                        .map(|p| p.amount)
                        .sum::<u128>() as i128
                }),
                "pass_through.p95" => self.pass_through(scope, from, to),
                "pass_through.windows" | "pass_through.windows_met" | "pass_through.attainment" => {
                    let limit = i128::from(slos.pass_through_p95_max_minutes) * i128::from(MINUTE);
                    let p95s: Vec<i128> = Self::windows(from, to, slos.window_minutes)
                        .into_iter()
                        .filter_map(|(s, e)| self.pass_through("global", s, e))
                        .collect();
                    let met = p95s.iter().filter(|p| **p <= limit).count();
                    let which = name.strip_prefix("pass_through.").unwrap().replace("windows_met", "met");
                    self.attainment(from, to, p95s.len(), met, &which)
                }
                "webhooks.attempts" => self.traffic(from, to).then(|| self.hooks(from, to).1 as i128),
                "webhooks.succeeded" => self.traffic(from, to).then(|| self.hooks(from, to).0 as i128),
                "webhooks.failures" => self.traffic(from, to).then(|| {
                    let (ok, all) = self.hooks(from, to);
                    (all - ok) as i128
                }),
                "webhooks.success" => {
                    let (ok, all) = self.hooks(from, to);
                    Self::bp(ok, all)
                }
                "webhooks.windows" | "webhooks.windows_met" | "webhooks.attainment" => {
                    let mut with_data = 0;
                    let mut met = 0;
                    for (s, e) in Self::windows(from, to, slos.webhook_window_minutes) {
                        let (ok, all) = self.hooks(s, e);
                        if all > 0 {
                            with_data += 1;
                            // success ≥ 99 %: ok/all ≥ bp/10000.
                            if ok * 10_000 >= u128::from(slos.webhook_success_min_basis_points) * all {
                                met += 1;
                            }
                        }
                    }
                    let which = name.strip_prefix("webhooks.").unwrap().replace("windows_met", "met");
                    self.attainment(from, to, with_data, met, &which)
                }
                "webhooks.error_budget" | "webhooks.error_budget_left" => self.traffic(from, to).then(|| {
                    let (ok, all) = self.hooks(from, to);
                    let budget = (all * u128::from(10_000 - slos.webhook_success_min_basis_points) / 10_000) as i128;
                    if name == "webhooks.error_budget" {
                        budget
                    } else {
                        budget - (all - ok) as i128
                    }
                }),
                "dead_letter.entered" => {
                    self.counted(from, to, self.dead_letter.iter().filter(|(t, d)| *d == 1 && *t >= from && *t < to).count())
                }
                "dead_letter.replayed" => {
                    self.counted(from, to, self.dead_letter.iter().filter(|(t, d)| *d == -1 && *t >= from && *t < to).count())
                }
                "eod.settled" => self.counted(from, to, self.settled_by_mode(from, to).iter().sum()),
                "eod.settled_full" => self.counted(from, to, self.settled_by_mode(from, to)[0]),
                "eod.settled_partial" => self.counted(from, to, self.settled_by_mode(from, to)[1]),
                "eod.settled_next_day" => self.counted(from, to, self.settled_by_mode(from, to)[2]),
                "eod.partial_share" | "eod.next_day_share" | "eod.partial_or_next_day_share" => {
                    let [full, partial, next_day] = self.settled_by_mode(from, to);
                    let part = match name {
                        "eod.partial_share" => partial,
                        "eod.next_day_share" => next_day,
                        _ => partial + next_day,
                    };
                    Self::bp(part as u128, (full + partial + next_day) as u128)
                }
                "eod.p95" => Self::p95(
                    self.sessions
                        .iter()
                        .filter_map(|s| s.settled.filter(|(at, _)| *at >= from && *at < to).map(|(at, _)| at - s.cut_off))
                        .collect(),
                ),
                "eod.cut_off_sessions" => self.counted(from, to, self.cut_off_sessions(from, to).len()),
                "eod.cut_off_p95" => Self::p95(
                    self.cut_off_sessions(from, to)
                        .iter()
                        .filter_map(|s| s.settled.filter(|(at, _)| *at < to).map(|(at, _)| at - s.cut_off))
                        .collect(),
                ),
                "eod.cut_off_unsettled" => self.counted(
                    from,
                    to,
                    self.cut_off_sessions(from, to).iter().filter(|s| s.settled.is_none_or(|(at, _)| at >= to)).count(),
                ),
                "eod.days" | "eod.days_met" | "eod.attainment" => {
                    let mut days: BTreeMap<jiff::civil::Date, Vec<i64>> = BTreeMap::new();
                    for s in self.cut_off_sessions(from, to) {
                        let day = ts(s.cut_off).to_zoned_datetime(tz.clone()).date();
                        let samples = days.entry(day).or_default();
                        if let Some((at, _)) = s.settled.filter(|(at, _)| *at < to) {
                            samples.push(at - s.cut_off);
                        }
                    }
                    let p95s: Vec<i128> = days.into_values().filter_map(Self::p95).collect();
                    let limit = i128::from(slos.eod_p95_max_minutes) * i128::from(MINUTE);
                    let met = p95s.iter().filter(|p| **p <= limit).count();
                    let which = match name {
                        "eod.days" => "windows",
                        "eod.days_met" => "met",
                        _ => "attainment",
                    };
                    self.attainment(from, to, p95s.len(), met, which)
                }
                "t0_to_first_eod" => {
                    assert_eq!(from, self.t0, "measured from T0");
                    self.sessions
                        .iter()
                        .filter_map(|s| s.settled.map(|(at, _)| at))
                        .filter(|at| *at >= self.t0 && *at < to)
                        .min()
                        .map(|at| i128::from(at - self.t0))
                }
                "incidents.opened" => {
                    let n = self
                        .incidents
                        .iter()
                        .filter(|i| i.opened >= from && i.opened < to && (scope == "all" || scope == format!("sev{}", i.sev)))
                        .count();
                    self.counted(from, to, n)
                }
                "incidents.resolved" => {
                    self.counted(from, to, self.incidents.iter().filter(|i| i.resolved.is_some_and(|r| r >= from && r < to)).count())
                }
                "deals.offered" | "deals.completed" | "deals.cancelled" | "deals.conversion" | "deals.cancellation" => {
                    let offered: Vec<&(i64, Option<(i64, bool)>)> = self.deals.iter().filter(|(o, _)| *o >= from && *o < to).collect();
                    let completed = offered.iter().filter(|(_, out)| matches!(out, Some((at, true)) if *at < to)).count();
                    let cancelled = offered.iter().filter(|(_, out)| matches!(out, Some((at, false)) if *at < to)).count();
                    match name {
                        "deals.offered" => self.counted(from, to, offered.len()),
                        "deals.completed" => self.counted(from, to, completed),
                        "deals.cancelled" => self.counted(from, to, cancelled),
                        "deals.conversion" => Self::bp(completed as u128, offered.len() as u128),
                        _ => Self::bp(cancelled as u128, offered.len() as u128),
                    }
                }
                "volume.cap_percent" | "volume.cap" | "volume.cap_used" => {
                    let percent = self.phases.iter().rev().find(|(start, _)| *start < to).map(|(_, p)| *p)?;
                    let cap = DAILY_TARGET * u128::from(percent) / 100;
                    match name {
                        "volume.cap_percent" => Some(i128::from(percent)),
                        "volume.cap" => Some(cap as i128),
                        _ => {
                            let volume = self.figure(tz, "volume.accepted", "global", Some(from), to)?;
                            Self::bp(volume as u128, cap)
                        }
                    }
                }
                other => panic!("the oracle does not know the figure {other:?}"),
            };
        }
        let at = to;
        if !self.seen_before(at) {
            return None;
        }
        Some(match name {
            "queue.depth" => {
                self.payouts.iter().filter(|p| Self::in_scope(p, scope) && p.accepted < at && p.end.is_none_or(|(e, _)| e >= at)).count()
                    as i128
            }
            "dead_letter.depth" => self.dead_letter.iter().filter(|(t, _)| *t < at).map(|(_, d)| i128::from(*d)).sum(),
            "eod.unsettled" => {
                self.sessions.iter().filter(|s| s.opened < at && s.cut_off <= at && s.settled.is_none_or(|(t, _)| t >= at)).count() as i128
            }
            "incidents.open" => self.incidents.iter().filter(|i| i.opened < at && i.resolved.is_none_or(|r| r >= at)).count() as i128,
            other => panic!("the oracle does not know the gauge {other:?}"),
        })
    }
}

/// Reads a CSV value in its unit: exact seconds back to nanoseconds.
fn parse_value(text: &str, unit: &str) -> Option<i128> {
    if text == "no data" {
        return None;
    }
    if unit == "s" {
        let negative = text.starts_with('-');
        let digits = text.trim_start_matches('-');
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        assert!(fraction.len() <= 9, "{text}: at most nanoseconds");
        let nanos: i128 = whole.parse::<i128>().unwrap() * 1_000_000_000 + format!("{fraction:0<9}").parse::<i128>().unwrap();
        return Some(if negative { -nanos } else { nanos });
    }
    Some(text.parse().unwrap_or_else(|_| panic!("{text:?} is not a whole number")))
}

struct Row {
    section: String,
    figure: String,
    scope: String,
    from: Option<i64>,
    to: i64,
    value: String,
    unit: String,
}

fn rows(csv: &str) -> Vec<Row> {
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("section,figure,scope,from,to,value,unit"));
    lines
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields.len(), 7, "{line}");
            let instant = |text: &str| ns_of(text.parse::<Timestamp>().unwrap_or_else(|_| panic!("{text:?} is not RFC 3339")));
            Row {
                section: fields[0].to_owned(),
                figure: fields[1].to_owned(),
                scope: fields[2].to_owned(),
                from: (!fields[3].is_empty()).then(|| instant(fields[3])),
                to: instant(fields[4]),
                value: fields[5].to_owned(),
                unit: fields[6].to_owned(),
            }
        })
        .collect()
}

/// Every CSV figure equals the oracle's; returns how many were checked.
fn check_figures(launch: &Launch, events: &[Event], at: i64, files: &ReportFiles, what: &str) -> usize {
    let world = World::new(launch, events, at);
    let tz = launch.t0.zoned().time_zone().clone();
    let rows = rows(&files.csv);
    assert!(!rows.is_empty(), "{what}: a CSV with figures");
    for row in &rows {
        let expected = world.figure(&tz, &row.figure, &row.scope, row.from, row.to);
        let got = parse_value(&row.value, &row.unit);
        assert_eq!(
            got,
            expected,
            "{what}: {} {} {} [{:?}, {}) in {}",
            row.figure,
            row.scope,
            row.unit,
            row.from.map(ts),
            ts(row.to),
            row.section
        );
    }
    rows.len()
}

/// The Markdown's headings (level, text); also checks it has tables and no raw HTML.
fn headings(markdown: &str, what: &str) -> Vec<(u8, String)> {
    let mut headings = Vec::new();
    let mut current: Option<(u8, String)> = None;
    let mut tables = 0;
    for event in Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES) {
        match event {
            Md::Start(Tag::Heading { level, .. }) => {
                let level = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    _ => 3,
                };
                current = Some((level, String::new()));
            }
            Md::Text(text) | Md::Code(text) => {
                if let Some((_, heading)) = &mut current {
                    heading.push_str(&text);
                }
            }
            Md::End(TagEnd::Heading(_)) => headings.extend(current.take()),
            Md::Start(Tag::Table(_)) => tables += 1,
            Md::Html(text) | Md::InlineHtml(text) => panic!("{what}: raw HTML in the Markdown: {text}"),
            _ => {}
        }
    }
    assert!(tables > 0, "{what}: the report has tables");
    headings
}

/// The text of each `##` section.
fn sections(markdown: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in markdown.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            out.push((title.to_owned(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

fn expected_sections(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Warroom => &["SLO status", "Queues", "Webhooks", "Incidents", "Charts"],
        Kind::Daily => {
            &["SLO", "Volumes per network and the phase cap", "EOD and partial/T+1", "Webhooks", "Incidents (bug list)", "Charts"]
        }
        Kind::Kpi => &["KPIs", "SLO attainment over the period", "Charts"],
        Kind::Postmortem => {
            &["Summary", "Timeline of decisions and incidents", "SLO attainment", "Incidents", "Decisions", "What to improve", "Charts"]
        }
    }
}

/// The Markdown renders with its sections, each chart is an SVG document the Markdown
/// shows, and the HTML for the window holds no image and no raw markup.
fn check_documents(kind: Kind, files: &ReportFiles, what: &str) {
    let headings = headings(&files.markdown, what);
    assert_eq!(headings.iter().filter(|(level, _)| *level == 1).count(), 1, "{what}: one title");
    let seconds: Vec<&str> = headings.iter().filter(|(level, _)| *level == 2).map(|(_, text)| text.as_str()).collect();
    assert_eq!(seconds, expected_sections(kind), "{what}");
    for (name, svg) in &files.charts {
        assert!(name.starts_with(&format!("{}-", kind.name())) && name.ends_with(".svg"), "{what}: {name}");
        let document = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{what}: {name} is not XML: {e}"));
        assert_eq!(document.root_element().tag_name().name(), "svg", "{what}: {name}");
        assert!(
            document.descendants().any(|n| n.tag_name().name() == "polyline" || n.tag_name().name() == "path"),
            "{what}: {name} draws lines"
        );
        assert!(files.markdown.contains(&format!("]({name})")), "{what}: the Markdown shows {name}");
    }
    let page = html(&files.markdown);
    assert!(page.contains("<table>") && page.contains("<h2>"), "{what}: the HTML renders tables and headings");
    assert!(!page.contains("<img"), "{what}: no image is fetched by the window");
}

fn input<'a>(launch: &'a Launch, events: &'a [Event], at: i64, decisions: &'a [DecisionLine]) -> Input<'a> {
    Input { launch, events, at: ts(at), decisions, daily_target: Some(DAILY_TARGET) }
}

#[test]
fn every_figure_of_every_report_is_what_the_events_say() {
    let launch = launch();
    let t0 = t0_ns(&launch);
    // Midnight after launch day: the daily report of the whole launch day.
    let midnight =
        ns_of(jiff::civil::date(2026, 12, 8).at(0, 0, 0, 0).to_zoned_datetime(launch.t0.zoned().time_zone().clone()).unwrap().timestamp());
    let mut checked = 0;
    for name in Scenario::NAMES {
        let scenario: Scenario = name.parse().unwrap();
        let events = events(&launch, scenario);
        let instants: [(Kind, i64); 6] = [
            (Kind::Warroom, t0 + HOUR),
            (Kind::Warroom, t0 + 5 * HOUR + 7 * MINUTE),
            (Kind::Daily, midnight),
            (Kind::Daily, t0 + 24 * HOUR),
            (Kind::Kpi, t0 + 24 * HOUR),
            (Kind::Postmortem, t0 + 7 * 24 * HOUR),
        ];
        for (kind, at) in instants {
            let what = format!("{name} {kind} at {}", ts(at));
            let files = generate(kind, &input(&launch, &events, at, &[])).unwrap_or_else(|e| panic!("{what}: {e}"));
            checked += check_figures(&launch, &events, at, &files, &what);
            check_documents(kind, &files, &what);
            assert!(!files.charts.is_empty(), "{what}: charts of the traffic");
            assert!(
                !files.csv.lines().skip(1).any(|l| l.split(',').nth(5) == Some("no data") && l.contains(",events,")),
                "{what}: the period has events"
            );
        }
    }
    assert!(checked > 10_000, "{checked} figures checked");
}

#[test]
fn the_periods_are_the_documented_ones() {
    let launch = launch();
    let t0 = t0_ns(&launch);
    let check = |kind: Kind, at: i64, from: i64, to: i64| {
        let p = period(kind, &launch, ts(at)).unwrap();
        assert_eq!((ns_of(p.from), ns_of(p.to)), (from, to), "{kind} at {}", ts(at));
    };
    // T+1h: the first hour; 7 minutes later still the last whole hour of windows.
    check(Kind::Warroom, t0 + HOUR, t0, t0 + HOUR);
    check(Kind::Warroom, t0 + HOUR + 7 * MINUTE, t0, t0 + HOUR);
    // 10:00 CET is 09:00 UTC: the business day starts at 23:00 UTC the day before.
    let day_start = t0 - 10 * HOUR;
    check(Kind::Daily, t0 + HOUR, day_start, t0 + HOUR);
    check(Kind::Daily, day_start + 24 * HOUR, day_start, day_start + 24 * HOUR);
    check(Kind::Daily, day_start + 24 * HOUR + 1, day_start + 24 * HOUR, day_start + 24 * HOUR + 1);
    // KPI and postmortem: from the pilot's start (T0 − 14 days, same wall clock).
    check(Kind::Kpi, t0 + 7 * 24 * HOUR, t0 - 14 * 24 * HOUR, t0 + 7 * 24 * HOUR);
    check(Kind::Postmortem, t0 - 20 * 24 * HOUR, t0 - 20 * 24 * HOUR, t0 - 20 * 24 * HOUR);
}

#[test]
fn a_report_with_no_traffic_says_no_data_and_never_zero() {
    let launch = launch();
    let t0 = t0_ns(&launch);
    let pilot_day = events(&launch, Scenario::PilotDay);
    // Before the first event (the simulation starts at T0), and with no events at all.
    for (events, at, what) in [(&pilot_day[..], t0 - HOUR, "before the traffic"), (&[][..], t0 + 3 * HOUR, "no events")] {
        for kind in Kind::ALL {
            let what = format!("{kind} {what}");
            let files = generate(kind, &input(&launch, events, at, &[])).unwrap_or_else(|e| panic!("{what}: {e}"));
            check_documents(kind, &files, &what);
            assert!(files.charts.is_empty(), "{what}: no chart without data");
            for (title, body) in sections(&files.markdown) {
                assert!(body.contains("no data"), "{what}: section {title:?} says no data:\n{body}");
            }
            for row in rows(&files.csv) {
                // The phase cap is the plan's (30 % in Canary), not data of the period.
                if row.unit == "percent" || (row.figure == "volume.cap") {
                    assert_ne!(row.value, "0", "{what}: {}", row.figure);
                    continue;
                }
                assert_eq!(row.value, "no data", "{what}: {} {} in {}", row.figure, row.scope, row.section);
            }
            assert!(
                !files.markdown.contains("| 0 |") && !files.markdown.contains(" 0 min") && !files.markdown.contains("0.00 %"),
                "{what}:\n{}",
                files.markdown
            );
        }
    }
}

#[test]
fn the_postmortem_timeline_has_the_decisions_incidents_and_recommendations_in_order() {
    let launch = launch();
    let t0 = t0_ns(&launch);
    let events = events(&launch, Scenario::RpcDegradationTrc20);
    let decisions = [
        DecisionLine {
            at: ts(t0 - 2 * HOUR),
            kind: "go_no_go".into(),
            summary: "GO for Full Go-Live".into(),
            author: "Launch IC".into(),
            verified: true,
        },
        DecisionLine {
            at: ts(t0 + 5 * HOUR + 10 * MINUTE),
            kind: "rollback_declared".into(),
            summary: "partial rollback of TRC-20 <b>now</b>".into(),
            author: "Launch IC".into(),
            verified: false,
        },
        // After the report's instant: left out.
        DecisionLine { at: ts(t0 + 8 * 24 * HOUR), kind: "other".into(), summary: "later".into(), author: "x".into(), verified: true },
    ];
    let files = generate(Kind::Postmortem, &input(&launch, &events, t0 + 7 * 24 * HOUR, &decisions)).unwrap();
    let timeline = &sections(&files.markdown).into_iter().find(|(t, _)| t == "Timeline of decisions and incidents").unwrap().1;
    let position = |needle: &str| timeline.find(needle).unwrap_or_else(|| panic!("the timeline has {needle:?}:\n{timeline}"));
    let go = position("go\\_no\\_go: GO for Full Go-Live (by Launch IC, verified)");
    let incident = position("SEV2 inc-001 opened: TRC-20 RPC latency");
    let recommended = position("rollback recommended: **partial (network:trc20)**");
    let declared = position("rollback\\_declared: partial rollback of TRC-20 \\<b\\>now\\</b\\> (by Launch IC, **does not verify**)");
    let back = position("rollback recommendation back to none");
    let resolved = position("inc-001 resolved after");
    assert!(go < incident && incident < recommended && recommended < declared && declared < back, "{timeline}");
    assert!(incident < resolved, "{timeline}");
    assert!(!timeline.contains("later"), "a decision after the report's instant is left out");
    let improve = &sections(&files.markdown).into_iter().find(|(t, _)| t == "What to improve").unwrap().1;
    assert!(improve.contains("a rollback was recommended (partial (network:trc20))"), "{improve}");
    assert!(improve.contains("does not verify"), "{improve}");
    let page = html(&files.markdown);
    assert!(!page.contains("<b>") && page.contains("&lt;b&gt;now"), "a decision's text stays text in the window");
}

#[test]
fn text_from_the_events_cannot_become_markup() {
    let launch = launch();
    let t0 = t0_ns(&launch);
    let mut events = events(&launch, Scenario::PilotDay);
    let last = events.last().unwrap().seq;
    let line = format!(
        r#"{{"seq":{},"id":"00000000-0000-4000-8000-000000000001","at":"{}","kind":"incident.opened","incident_id":"inc-x","sev":2,"title":"<img src=x onerror=alert(1)> | **bold** [link](http://example.com)"}}"#,
        last + 1,
        ts(t0 + 30 * MINUTE)
    );
    events.push(Event::from_json(&line).unwrap());
    let files = generate(Kind::Warroom, &input(&launch, &events, t0 + HOUR, &[])).unwrap();
    let page = html(&files.markdown);
    assert!(!page.contains("<img") && !page.contains("<a ") && !page.contains("<strong>bold"), "{page}");
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt; | **bold** [link](http://example.com)"), "{page}");
    // The incident table still has six columns: the title's pipe is text.
    let row = files.markdown.lines().find(|l| l.starts_with("| inc-x")).unwrap();
    assert_eq!(row.matches(" | ").count(), 5, "{row}");
}

#[test]
fn the_daily_report_names_the_phase_cap_and_the_volume_against_it() {
    let launch = launch();
    let t0 = t0_ns(&launch);
    let events = events(&launch, Scenario::PilotDay);
    let files = generate(Kind::Daily, &input(&launch, &events, t0 + 2 * HOUR, &[])).unwrap();
    // T0 starts Full Go-Live: 100 % of 2,000,000 tokens.
    assert!(files.markdown.contains("Phase cap: Full Go-Live ≤ 100 % of the daily target = 2,000,000 tokens"), "{}", files.markdown);
    let cap = rows(&files.csv).into_iter().find(|r| r.figure == "volume.cap").unwrap();
    assert_eq!(cap.value, "2000000000000");
    // Without the treasury's daily target the cap in tokens is no data, the percent stays.
    let files = generate(Kind::Daily, &Input { daily_target: None, ..input(&launch, &events, t0 + 2 * HOUR, &[]) }).unwrap();
    let rows = rows(&files.csv);
    assert_eq!(rows.iter().find(|r| r.figure == "volume.cap").unwrap().value, "no data");
    assert_eq!(rows.iter().find(|r| r.figure == "volume.cap_used").unwrap().value, "no data");
    assert_eq!(rows.iter().find(|r| r.figure == "volume.cap_percent").unwrap().value, "100");
    assert!(files.markdown.contains("no treasury file gives the daily target"));
}

#[test]
fn an_unknown_kind_and_an_event_that_does_not_apply_are_named() {
    let error = "weekly".parse::<Kind>().unwrap_err();
    assert_eq!(error.to_string(), "report kind \"weekly\" is unknown; use one of warroom, daily, kpi, postmortem");
    let launch = launch();
    let t0 = t0_ns(&launch);
    let mut events = events(&launch, Scenario::PilotDay);
    let duplicate = Event { seq: events.last().unwrap().seq + 1, at: events.last().unwrap().at, ..events[0].clone() };
    events.push(duplicate.clone());
    let error = generate(Kind::Warroom, &input(&launch, &events, t0 + 48 * HOUR, &[])).unwrap_err();
    assert!(error.to_string().starts_with(&format!("event seq {} does not apply: duplicate event id", duplicate.seq)), "{error}");
    // A report before that event is not concerned by it.
    assert!(generate(Kind::Warroom, &input(&launch, &events, t0 + HOUR, &[])).is_ok());
}
