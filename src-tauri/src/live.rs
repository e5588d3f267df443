//! The live SLO dashboard's state: the event stream in memory (a [`Ledger`] updated event
//! by event, never re-read), the replay that feeds it, and the alerts raised when a rule
//! triggers. Events are also kept in the local store so the stream survives a restart.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use clubgate_core::events::{parse_jsonl_events, Event};
use clubgate_core::launch::Launch;
use clubgate_core::ledger::{instant, ns, Ledger, Scope, MINUTE_NS};
use clubgate_core::report::{report, Period};
use clubgate_core::rollback::{evaluate, rule_states, Recommendation, Rule, RuleState};
use clubgate_core::schedule::rfc3339;
use clubgate_core::simulate::{simulate, Scenario, Simulation};
use clubgate_ipc::{
    AlertView, AttainmentView, ChartView, DashboardView, EodDayView, ImportView, Instant, ReplayRequest, ReplayView, RuleView,
};
use clubgate_store::Store;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use tokio::sync::Mutex;

use crate::charts::{line_chart, Series, Threshold, PALETTE, ROLLBACK, SLO};
use crate::error::{Error, Result};

/// How often a replay releases events (wall clock).
const TICK: Duration = Duration::from_millis(250);
/// The charts cover at most this much before the data clock.
const CHART_SPAN_NS: i64 = 24 * 60 * MINUTE_NS;
/// The most alerts kept.
const MAX_ALERTS: usize = 50;

#[derive(Default)]
struct State {
    ledger: Ledger,
    source: Option<String>,
    /// The replay's simulated clock; `None` for an imported stream.
    replay_clock: Option<i64>,
    generation: u64,
    replay: Option<ReplayView>,
    triggered: BTreeSet<(Rule, String)>,
    alerts: Vec<(i64, String)>,
    /// How many of the store's event lines the ledger above has taken (the ledger sync
    /// appends to them; [`Live::catch_up`] applies only the new ones).
    lines: usize,
}

/// The live event stream, shared with the replay task.
#[derive(Clone)]
pub(crate) struct Live {
    state: Arc<Mutex<State>>,
    store: Store,
}

fn stamp(nanos: i64, tz: &TimeZone) -> Instant {
    let zoned = instant(nanos).to_zoned_datetime(tz.clone());
    Instant {
        rfc3339: rfc3339(&zoned),
        local: zoned.strftime("%a %d %b %Y %H:%M %Z").to_string(),
        epoch_ms: zoned.timestamp().as_millisecond(),
    }
}

impl State {
    /// The instant the dashboard evaluates at.
    fn clock(&self) -> Option<i64> {
        self.replay_clock.or_else(|| self.ledger.latest.map(|latest| latest + 1))
    }

    /// Records triggers that were not on before, and returns them for a notification.
    fn new_triggers(&mut self, launch: &Launch) -> Vec<String> {
        let Some(clock) = self.clock() else { return Vec::new() };
        let tz = launch.t0.zoned().time_zone().clone();
        let evaluation = evaluate(&self.ledger, &launch.plan, &tz, clock);
        let now: BTreeSet<(Rule, String)> = evaluation.triggers.iter().map(|t| (t.rule, t.scope.label())).collect();
        let mut fresh = Vec::new();
        for trigger in &evaluation.triggers {
            if !self.triggered.contains(&(trigger.rule, trigger.scope.label())) {
                let text = format!("{:?} triggered — {}", trigger.rule, clubgate_core::rollback::describe(trigger));
                self.alerts.insert(0, (clock, text.clone()));
                fresh.push(text);
            }
        }
        self.alerts.truncate(MAX_ALERTS);
        self.triggered = now;
        fresh
    }
}

/// Applies the store's event lines from `state.lines` on.
fn apply_lines(state: &mut State, lines: &[String]) -> Result<()> {
    for (index, line) in lines.iter().enumerate().skip(state.lines) {
        Event::from_json(line)
            .and_then(|event| state.ledger.apply(&event))
            .map_err(|detail| Error::Store(clubgate_store::Error::Corrupt { table: "events", row: index as i64 + 1, detail }))?;
    }
    state.lines = state.lines.max(lines.len());
    Ok(())
}

/// Shows a desktop notification; where no notification service runs (a headless test
/// machine) the alert stays in the app's list and the failure is only logged.
fn notify(texts: Vec<String>) {
    if texts.is_empty() {
        return;
    }
    tauri::async_runtime::spawn_blocking(move || {
        for text in texts {
            let shown = notify_rust::Notification::new()
                .summary("ClubGate Desk — rollback rule triggered")
                .body(&text)
                .appname("ClubGate Desk")
                .show();
            if let Err(error) = shown {
                eprintln!("clubgate-desk: desktop notification not shown ({error}); the alert is in the SLO page");
            }
        }
    });
}

impl Live {
    /// Loads the stored stream into memory.
    pub(crate) async fn load(store: Store) -> Result<Self> {
        let mut state = State { source: store.stream_source().await?, ..State::default() };
        apply_lines(&mut state, &store.event_lines().await?)?;
        Ok(Self { state: Arc::new(Mutex::new(state)), store })
    }

    /// Takes the events the ledger sync stored since the last call: the new lines when the
    /// stream is the same, else (the first page of a ledger replaced an imported or replayed
    /// stream) the whole stream again under a new generation, which stops a running replay.
    /// Raises the alerts of rules that trigger on them.
    pub(crate) async fn catch_up(&self) -> Result<()> {
        let launch = self.store.require_settings().await?.launch()?;
        let mut state = self.state.lock().await;
        let source = self.store.stream_source().await?;
        let lines = self.store.event_lines().await?;
        if source != state.source || state.replay_clock.is_some() || lines.len() < state.lines {
            let generation = state.generation + 1;
            *state = State { source, generation, ..State::default() };
        }
        apply_lines(&mut state, &lines)?;
        let fresh = state.new_triggers(&launch);
        notify(fresh);
        Ok(())
    }

    /// Adds an alert to the SLO page's list and shows it as a desktop notification.
    pub(crate) async fn alert(&self, text: String) {
        let mut state = self.state.lock().await;
        let at = state.clock().unwrap_or_else(|| ns(Timestamp::now()));
        state.alerts.insert(0, (at, text.clone()));
        state.alerts.truncate(MAX_ALERTS);
        notify(vec![text]);
    }

    /// Replaces the stream with a JSON Lines file: every valid event is taken, every bad line
    /// is reported by number.
    pub(crate) async fn import(&self, path: &str, launch: &Launch) -> Result<ImportView> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::EventsFile { path: path.to_owned(), source })?;
        let (events, ledger, errors) = parse_jsonl_events(&text);
        let mut state = self.state.lock().await;
        state.generation += 1;
        self.store.start_stream(&format!("import:{path}"), Timestamp::now()).await?;
        self.store.append_events(&events).await?;
        *state =
            State { ledger, source: Some(format!("import:{path}")), generation: state.generation, lines: events.len(), ..State::default() };
        let fresh = state.new_triggers(launch);
        notify(fresh);
        Ok(ImportView { imported: events.len(), errors: errors.iter().take(100).map(ToString::to_string).collect() })
    }

    /// Starts replaying a scenario from T0 at `speed` × real time, replacing the stream.
    pub(crate) async fn start_replay(&self, request: &ReplayRequest, launch: Launch) -> Result<()> {
        let scenario: Scenario = request.scenario.parse().map_err(|message: String| Error::Refused { message })?;
        if !(1..=5000).contains(&request.speed) {
            return Err(Error::Refused { message: format!("speed {} is not between 1 and 5000", request.speed) });
        }
        let t0 = launch.t0_instant();
        let tz = launch.t0.zoned().time_zone().clone();
        let events = simulate(&Simulation { scenario, t0, tz, seed: request.seed, hours: 24 });
        let source = format!("replay:{}:{}", scenario, request.seed);
        let generation = {
            let mut state = self.state.lock().await;
            self.store.start_stream(&source, Timestamp::now()).await?;
            let generation = state.generation + 1;
            *state = State {
                source: Some(source),
                replay_clock: Some(ns(t0)),
                generation,
                replay: Some(ReplayView { scenario: scenario.name().to_owned(), speed: request.speed, released: 0, total: events.len() }),
                ..State::default()
            };
            generation
        };
        let live = self.clone();
        let speed = i64::from(request.speed);
        tauri::async_runtime::spawn(async move {
            let end = ns(t0) + 24 * 60 * MINUTE_NS;
            let mut next = 0;
            loop {
                tokio::time::sleep(TICK).await;
                let mut state = live.state.lock().await;
                if state.generation != generation {
                    return;
                }
                let clock = (state.replay_clock.unwrap_or(end) + TICK.as_nanos() as i64 * speed).min(end);
                let upto = next + events[next..].partition_point(|e| ns(e.at) < clock);
                let batch = &events[next..upto];
                for event in batch {
                    // The simulator's own events are valid by construction (tested).
                    if let Err(reason) = state.ledger.apply(event) {
                        eprintln!("clubgate-desk: replay event {} refused: {reason}", event.seq);
                    }
                }
                if let Err(error) = live.store.append_events(batch).await {
                    eprintln!("clubgate-desk: replay could not store events: {error}");
                }
                next = upto;
                state.replay_clock = Some(clock);
                if let Some(replay) = &mut state.replay {
                    replay.released = next;
                }
                let fresh = state.new_triggers(&launch);
                notify(fresh);
                if clock >= end {
                    return;
                }
            }
        });
        Ok(())
    }

    /// Runs `read` over the stream as it stands: the events taken so far and the data clock
    /// (the replay's simulated instant, else the last event's; `None` before any event).
    pub(crate) async fn read<T>(&self, read: impl FnOnce(&Ledger, Option<i64>) -> T) -> T {
        let state = self.state.lock().await;
        read(&state.ledger, state.clock())
    }

    /// Runs `read` over the stream as it stands and the source it came from (`import:…`,
    /// `replay:…`, `ledger:…`), under one lock, so what is read is that source's (an EOD
    /// settlement refuses an import or a replay).
    pub(crate) async fn read_sourced<T>(&self, read: impl FnOnce(&Ledger, Option<&str>) -> T) -> T {
        let state = self.state.lock().await;
        read(&state.ledger, state.source.as_deref())
    }

    /// The dashboard at the data clock.
    pub(crate) async fn dashboard(&self, launch: &Launch) -> DashboardView {
        let state = self.state.lock().await;
        let tz = launch.t0.zoned().time_zone().clone();
        let plan = &launch.plan;
        let Some(clock) = state.clock() else {
            return DashboardView {
                source: state.source.clone(),
                events: 0,
                clock: None,
                recommendation: "none".to_owned(),
                scope: None,
                rules: Vec::new(),
                charts: Vec::new(),
                attainment: Vec::new(),
                eod_days: Vec::new(),
                alerts: Vec::new(),
                replay: state.replay.clone(),
            };
        };
        let ledger = &state.ledger;
        let evaluation = evaluate(ledger, plan, &tz, clock);
        let rules = rule_states(ledger, plan, &tz, &evaluation)
            .into_iter()
            .map(|status| {
                let since = evaluation.triggers.iter().filter(|t| t.rule == status.rule).map(|t| t.since).min();
                RuleView {
                    rule: serde_json::to_value(status.rule).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
                    state: match status.state {
                        RuleState::Ok => "ok",
                        RuleState::Watching => "watching",
                        RuleState::Triggered => "triggered",
                    }
                    .to_owned(),
                    detail: status.detail,
                    since: since.filter(|_| status.state == RuleState::Triggered).map(|s| stamp(s, &tz)),
                }
            })
            .collect();
        let scope = match &evaluation.recommendation {
            Recommendation::Partial(scope) => Some(scope.label()),
            _ => None,
        };
        let first = ledger.payouts.iter().map(|p| p.accepted).chain(ledger.attempts.iter().map(|a| a.0)).min().unwrap_or(clock);
        let from = first.max(clock - CHART_SPAN_NS);
        let period =
            Period { from, to: clock, window_minutes: plan.slos.window_minutes, t0: Some(launch.t0_instant().as_nanosecond() as i64) };
        let (charts, attainment, eod_days) = match report(ledger, plan, &tz, period) {
            Ok(report) => {
                let charts = charts(&report, ledger, plan, &tz);
                let slo = &report.slo;
                let attainment = [("pass_through", slo.pass_through), ("eod", slo.eod), ("webhooks", slo.webhooks)]
                    .into_iter()
                    .map(|(name, a)| AttainmentView { slo: name.to_owned(), met: a.met, total: a.total })
                    .collect();
                let eod_days = report
                    .eod
                    .iter()
                    .map(|d| EodDayView {
                        day: d.business_day.to_string(),
                        sessions: d.sessions,
                        p95_minutes: d.eod_p95.map(|p| format!("{:.1}", p as f64 / MINUTE_NS as f64)),
                        unsettled: d.unsettled,
                    })
                    .collect();
                (charts, attainment, eod_days)
            }
            // Less than one whole window of data: nothing to chart yet.
            Err(_) => (Vec::new(), Vec::new(), Vec::new()),
        };
        DashboardView {
            source: state.source.clone(),
            events: ledger.events,
            clock: Some(stamp(clock, &tz)),
            recommendation: evaluation.recommendation.label().to_owned(),
            scope,
            rules,
            charts,
            attainment,
            eod_days,
            alerts: state.alerts.iter().map(|(at, text)| AlertView { at: stamp(*at, &tz), text: text.clone() }).collect(),
            replay: state.replay.clone(),
        }
    }
}

fn charts(report: &clubgate_core::report::Report, ledger: &Ledger, plan: &clubgate_core::plan::Plan, tz: &TimeZone) -> Vec<ChartView> {
    let Some(start) = report.windows.first().map(|w| w.start) else { return Vec::new() };
    let end = report.windows.iter().map(|w| w.end).max().unwrap_or(start);
    let hours = |at: i64| (at - start) as f64 / (60.0 * MINUTE_NS as f64);
    let span = hours(end);
    let label = |x: f64| instant(start + (x * 60.0 * MINUTE_NS as f64) as i64).to_zoned_datetime(tz.clone()).strftime("%H:%M").to_string();
    let scopes = [
        (Scope::Global, "global", PALETTE[0]),
        (Scope::Network(clubgate_core::plan::Network::Erc20), "ERC-20", PALETTE[1]),
        (Scope::Network(clubgate_core::plan::Network::Trc20), "TRC-20", PALETTE[2]),
    ];
    let series = |value: &dyn Fn(&clubgate_core::report::WindowRow) -> Option<f64>, wanted: &[usize]| -> Vec<Series> {
        wanted
            .iter()
            .map(|&i| {
                let (scope, name, color) = &scopes[i];
                Series {
                    name: (*name).to_owned(),
                    color: *color,
                    points: report.windows.iter().filter(|w| &w.scope == scope).map(|w| (hours(w.end), value(w))).collect(),
                }
            })
            .collect()
    };
    let minutes = |ns: i64| ns as f64 / MINUTE_NS as f64;
    let pass = series(&|w| w.pass_through_p95.map(minutes), &[0, 1, 2]);
    let pass_max = pass.iter().flat_map(|s| s.points.iter().filter_map(|p| p.1)).fold(40.0f64, f64::max).min(600.0);
    let mut charts = Vec::new();
    let mut add = |id: &str, svg: Result<String, String>| match svg {
        Ok(svg) => charts.push(ChartView { id: id.to_owned(), svg }),
        Err(error) => eprintln!("clubgate-desk: chart {id} not drawn: {error}"),
    };
    add(
        "pass-through",
        line_chart(
            "p95 pass-through per window (min)",
            &pass,
            &clubgate_report::chart::pass_through_thresholds(plan),
            span,
            (0.0, pass_max * 1.1),
            &label,
        ),
    );
    let hooks = series(&|w| w.webhooks.map(|(ok, all)| ok as f64 * 100.0 / all as f64), &[0]);
    add(
        "webhooks",
        line_chart(
            "Webhook success per window (%)",
            &hooks,
            &[
                Threshold {
                    name: format!("SLO {}%", f64::from(plan.slos.webhook_success_min_basis_points) / 100.0),
                    color: SLO,
                    value: f64::from(plan.slos.webhook_success_min_basis_points) / 100.0,
                },
                Threshold {
                    name: format!("rollback < {}%", f64::from(plan.rollback.webhooks.success_below_basis_points) / 100.0),
                    color: ROLLBACK,
                    value: f64::from(plan.rollback.webhooks.success_below_basis_points) / 100.0,
                },
            ],
            span,
            (80.0, 100.5),
            &label,
        ),
    );
    let mut depth = series(&|w| Some(w.queue_depth_end as f64), &[1, 2]);
    depth.push(Series {
        name: "dead-letter".to_owned(),
        color: PALETTE[3],
        points: report
            .windows
            .iter()
            .filter(|w| w.scope == Scope::Global)
            .map(|w| (hours(w.end), w.dead_letter_depth_end.map(|d| d as f64)))
            .collect(),
    });
    let depth_max = depth.iter().flat_map(|s| s.points.iter().filter_map(|p| p.1)).fold(5.0f64, f64::max);
    add("queues", line_chart("Queue depth per network and dead-letter depth", &depth, &[], span, (0.0, depth_max * 1.15), &label));
    // EOD: the unsettled-sessions gauge at each window's end, and each settled session's
    // duration at its settlement, against the 60-minute SLO and the 90-minute rule.
    let unsettled = Series {
        name: "unsettled sessions".to_owned(),
        color: PALETTE[3],
        points: report
            .windows
            .iter()
            .filter(|w| w.scope == Scope::Global)
            .map(|w| (hours(w.end), Some(ledger.unsettled_sessions(w.end).len() as f64 * 30.0)))
            .collect(),
    };
    let mut settled: Vec<(f64, Option<f64>)> = ledger
        .sessions
        .iter()
        .filter_map(|s| s.settled.map(|(at, _)| (at, at - s.cut_off)))
        .filter(|(at, _)| *at >= start && *at <= end)
        .map(|(at, duration)| (hours(at), Some(duration as f64 / MINUTE_NS as f64)))
        .collect();
    settled.sort_by(|a, b| a.0.total_cmp(&b.0));
    let eod_series = [Series { name: "EOD duration (min)".to_owned(), color: PALETTE[2], points: settled }, unsettled];
    let eod_max = eod_series.iter().flat_map(|s| s.points.iter().filter_map(|p| p.1)).fold(100.0f64, f64::max);
    add(
        "eod",
        line_chart(
            "EOD duration per session (min) and unsettled sessions (×30)",
            &eod_series,
            &[
                Threshold {
                    name: format!("SLO {} min", plan.slos.eod_p95_max_minutes),
                    color: SLO,
                    value: f64::from(plan.slos.eod_p95_max_minutes),
                },
                Threshold {
                    name: format!("rule {} min", plan.rollback.eod_unsettled.after_cut_off_minutes),
                    color: ROLLBACK,
                    value: f64::from(plan.rollback.eod_unsettled.after_cut_off_minutes),
                },
            ],
            span,
            (0.0, eod_max * 1.15),
            &label,
        ),
    );
    charts
}
