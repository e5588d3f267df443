//! The Reports page (issue 11 point 4): the warroom, daily, KPI and postmortem reports of
//! clubgate-report over the shell's current events — the store's event stream, as the SLO
//! dashboard has it — the same files `clubgate report` writes.

use clubgate_core::events::Event;
use clubgate_core::ledger::{instant, ns, MINUTE_NS};
use clubgate_core::schedule::{rfc3339, T0};
use clubgate_ipc::{ChartView, Instant, ReportRequest, ReportView};
use clubgate_report::{generate, html, period, DecisionLine, Input, Kind};
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::error::{Error, Result};
use crate::service::Service;

fn refused(message: impl ToString) -> Error {
    Error::Refused { message: message.to_string() }
}

fn stamp(at: Timestamp, tz: &TimeZone) -> Instant {
    let zoned = at.to_zoned_datetime(tz.clone());
    Instant { rfc3339: rfc3339(&zoned), local: zoned.strftime("%a %d %b %Y %H:%M %Z").to_string(), epoch_ms: at.as_millisecond() }
}

impl Service {
    /// A report of the current events at the requested instant (or the data clock).
    pub async fn report(&self, request: &ReportRequest) -> Result<ReportView> {
        let kind: Kind = request.kind.parse().map_err(refused)?;
        let launch = self.launch().await?;
        let tz = launch.t0.zoned().time_zone().clone();
        let mut events = Vec::new();
        for (index, line) in self.store.event_lines().await?.iter().enumerate() {
            let event = Event::from_json(line)
                .map_err(|detail| Error::Store(clubgate_store::Error::Corrupt { table: "events", row: index as i64 + 1, detail }))?;
            events.push(event);
        }
        let at = match request.at.trim() {
            // The data clock: the minute after the latest event, so the report holds it.
            "" => match events.iter().map(|e| ns(e.at)).max() {
                Some(latest) => instant((latest.div_euclid(MINUTE_NS) + 1) * MINUTE_NS),
                None => Timestamp::now(),
            },
            text => T0::parse(text, &tz)
                .map_err(|e| refused(format!("the report's instant: {}", e.to_string().replacen("T0", "time", 1))))?
                .zoned()
                .timestamp(),
        };
        let treasury = self.treasury().await.ok();
        let mut decisions = Vec::new();
        if kind == Kind::Postmortem && !self.store.decision_log().await?.is_empty() {
            let treasury = treasury.as_ref().ok_or_else(|| {
                refused("the decision log has entries and no policy to verify them against: put the treasury file in place (see Payouts) or follow a ledger")
            })?;
            let log = clubgate_treasury::decisions::read_log(&self.store, treasury, &launch.plan).await?;
            decisions = log.entries.iter().filter_map(|e| DecisionLine::from_payload(&e.payload, e.verified())).collect();
        }
        let daily_target = treasury.as_ref().map(|t| t.daily_target.base_units());
        let input = Input { launch: &launch, events: &events, at, decisions: &decisions, daily_target };
        let files = generate(kind, &input).map_err(refused)?;
        let span = period(kind, &launch, at).map_err(refused)?;
        Ok(ReportView {
            kind: kind.name().to_owned(),
            at: stamp(at, &tz),
            from: stamp(span.from, &tz),
            to: stamp(span.to, &tz),
            html: html(&files.markdown),
            markdown: files.markdown,
            csv: files.csv,
            charts: files.charts.into_iter().map(|(id, svg)| ChartView { id, svg }).collect(),
        })
    }
}
