//! ClubGate Desk's launch reports, made from the ledger's events: the T+1h warroom report,
//! the daily report, the KPI report (seed §11) and the postmortem draft (T+7d). Each is
//! Markdown, SVG charts (plotters) and a CSV of every figure it shows. docs/reports.md
//! lists each kind's sections, its CSV columns and every figure's definition.
//!
//! Like the core, this crate is deterministic: the instant of the report and the events come
//! in as arguments; the ledger is rebuilt from the events before that instant, so a report
//! at `at` says what the ledger held at `at` and nothing after. Figures are exact integers
//! (counts, base units, nanoseconds written as exact decimal seconds, basis points rounded
//! down); a figure without data says "no data", never 0.
//!
//! The shell and the CLI call [`generate`]; [`html`] renders a report's Markdown for the
//! window; [`chart`] also draws the SLO dashboard's charts.

pub mod chart;
mod daily;
mod doc;
mod error;
mod figures;
mod kpi;
mod postmortem;
mod views;
mod warroom;

use std::fmt;
use std::str::FromStr;

use clubgate_core::events::Event;
use clubgate_core::launch::Launch;
use clubgate_core::ledger::{instant, ns, window_start, MINUTE_NS};
use jiff::Timestamp;

pub use error::{Error, Result};

/// The four reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The T+1h warroom report: SLO status, queues, webhooks, incidents.
    Warroom,
    /// The daily report: SLO, volumes per network and the phase cap, partial/T+1 %,
    /// incidents as the bug list.
    Daily,
    /// The KPI report of seed §11, per phase.
    Kpi,
    /// The postmortem draft: timeline of decisions and incidents, SLO attainment, what to
    /// improve.
    Postmortem,
}

impl Kind {
    /// Every kind's name, as the CLI and the window take it.
    pub const NAMES: [&'static str; 4] = ["warroom", "daily", "kpi", "postmortem"];

    /// Every kind.
    pub const ALL: [Self; 4] = [Self::Warroom, Self::Daily, Self::Kpi, Self::Postmortem];

    /// The kind's name: the file names are `NAME.md`, `NAME.csv`, `NAME-*.svg`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Warroom => "warroom",
            Self::Daily => "daily",
            Self::Kpi => "kpi",
            Self::Postmortem => "postmortem",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Kind {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|k| k.name() == text.trim()).ok_or_else(|| Error::UnknownKind(text.to_owned()))
    }
}

/// One entry of the warroom's decision log, as the postmortem's timeline shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionLine {
    /// When it was taken.
    pub at: Timestamp,
    /// Its kind (`go_no_go`, `rollback_declared`, `safe_mode`, …).
    pub kind: String,
    /// What was decided, in one line.
    pub summary: String,
    /// Who took it.
    pub author: String,
    /// Whether its signature and its place in the chain verify.
    pub verified: bool,
}

impl DecisionLine {
    /// The line of a decision-log payload (the `decision` command's: `at`, `kind`, `text`,
    /// `author_name`, `author`) with whether it verified; `None` when its `at` does not read
    /// as an instant (such an entry cannot be placed on the timeline; the log's own view
    /// names it).
    pub fn from_payload(payload: &serde_json::Value, verified: bool) -> Option<Self> {
        let text = |name: &str| payload[name].as_str().unwrap_or_default().trim().to_owned();
        let at = text("at").parse().ok()?;
        let author = match (text("author_name"), text("author")) {
            (name, address) if name.is_empty() => address,
            (name, address) if address.is_empty() => name,
            (name, address) => format!("{name} ({address})"),
        };
        Some(Self { at, kind: text("kind"), summary: text("text"), author, verified })
    }
}

/// What a report is made from.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The launch: plan, T0, zone and date table.
    pub launch: &'a Launch,
    /// The ledger's events in log order (the ones at or after `at` are left out).
    pub events: &'a [Event],
    /// The report's instant.
    pub at: Timestamp,
    /// The decision log (entries at or after `at` are left out).
    pub decisions: &'a [DecisionLine],
    /// The treasury file's daily target volume (base units), which the phase volume caps are
    /// shares of; without it the daily report gives the cap in percent only.
    pub daily_target: Option<u128>,
}

/// A report's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    /// `KIND.md`.
    pub markdown: String,
    /// `KIND.csv`: `section,figure,scope,from,to,value,unit`, one row per figure shown.
    pub csv: String,
    /// The charts: (file name `KIND-NAME.svg`, SVG text), in the order the Markdown shows
    /// them.
    pub charts: Vec<(String, String)>,
}

/// A report's period: `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// Start, inclusive.
    pub from: Timestamp,
    /// End, exclusive.
    pub to: Timestamp,
}

/// The period a kind covers at `at` (docs/reports.md):
/// - warroom: the hour of whole SLO windows before `at`, `[w − 1h, w)` with `w` the start
///   of the window holding `at` (`w = at` on a window boundary: T+1h gives `[T0, T0+1h)`);
/// - daily: the plan-zone business day of the instant just before `at`, up to `at` (so the
///   next midnight gives the whole day just ended);
/// - kpi and postmortem: from the start of the first phase with payout volume (the pilot,
///   T0−14d in the default plan) to `at`; empty when `at` is before it.
pub fn period(kind: Kind, launch: &Launch, at: Timestamp) -> Result<Period> {
    let (from, to) = period_ns(kind, launch, ns(at))?;
    Ok(Period { from: instant(from), to: instant(to) })
}

fn period_ns(kind: Kind, launch: &Launch, at: i64) -> Result<(i64, i64)> {
    let tz = launch.t0.zoned().time_zone().clone();
    match kind {
        Kind::Warroom => {
            let end = window_start(at, &tz, launch.plan.slos.window_minutes);
            Ok((end - 60 * MINUTE_NS, end))
        }
        Kind::Daily => {
            let time = |what: &str| {
                let what = what.to_owned();
                move |source| Error::Time { what, source }
            };
            let day = instant(at - 1).to_zoned_datetime(tz).start_of_day().map_err(time("the business day's start"))?;
            Ok((ns(day.timestamp()), at))
        }
        Kind::Kpi | Kind::Postmortem => {
            let first = launch.plan.phases.iter().position(|p| p.volume_cap_percent > 0);
            let start = first.and_then(|i| launch.table.phases.get(i)).map_or(launch.t0_instant(), |p| p.start.timestamp());
            Ok((ns(start).min(at), at))
        }
    }
}

/// Makes a report of `kind` at `input.at`.
pub fn generate(kind: Kind, input: &Input<'_>) -> Result<ReportFiles> {
    let at = ns(input.at);
    let (from, to) = period_ns(kind, input.launch, at)?;
    let width = i64::from(input.launch.plan.slos.window_minutes) * MINUTE_NS;
    let windows = usize::try_from((to - from) / width).unwrap_or(usize::MAX);
    if windows > figures::MAX_WINDOWS {
        return Err(Error::PeriodTooLong {
            kind: kind.name(),
            from: instant(from).to_string(),
            to: instant(to).to_string(),
            windows,
            max: figures::MAX_WINDOWS,
        });
    }
    let ctx = figures::Ctx::new(input.launch, input.events, at, input.daily_target)?;
    let decisions: Vec<&DecisionLine> = input.decisions.iter().filter(|d| d.at < input.at).collect();
    match kind {
        Kind::Warroom => warroom::write(&ctx, from, to),
        Kind::Daily => daily::write(&ctx, from, to),
        Kind::Kpi => kpi::write(&ctx, from, to),
        Kind::Postmortem => postmortem::write(&ctx, from, to, &decisions),
    }
}

/// A report's Markdown as HTML for the window: tables and emphasis rendered, any raw HTML
/// shown as text (a title in the events cannot become markup), images left out (the window
/// shows the charts beside the text; nothing is fetched).
pub fn html(markdown: &str) -> String {
    use pulldown_cmark::{Event as Md, Options, Parser, Tag, TagEnd};
    let mut in_image = 0usize;
    let events = Parser::new_ext(markdown, Options::ENABLE_TABLES).filter_map(|event| match event {
        Md::Start(Tag::Image { .. }) => {
            in_image += 1;
            None
        }
        Md::End(TagEnd::Image) => {
            in_image = in_image.saturating_sub(1);
            None
        }
        _ if in_image > 0 => None,
        Md::Html(text) | Md::InlineHtml(text) => Some(Md::Text(text)),
        other => Some(other),
    });
    let mut out = String::with_capacity(markdown.len() * 2);
    pulldown_cmark::html::push_html(&mut out, events);
    out
}
