//! What can keep a report from being made.

/// A report that could not be made, with the offending value and what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An event of the stream does not apply after the ones before it.
    #[error("event seq {seq} does not apply: {reason}; fix or drop it in the events file")]
    Event {
        /// Its seq.
        seq: u64,
        /// Why (from the core ledger).
        reason: String,
    },
    /// The report's period holds more windows than a report draws.
    #[error(
        "the {kind} report's period {from} → {to} holds {windows} SLO windows, more than {max}; pick an --at closer to the period's start"
    )]
    PeriodTooLong {
        /// The report kind.
        kind: &'static str,
        /// Start (RFC 3339).
        from: String,
        /// End (RFC 3339).
        to: String,
        /// Windows it would hold.
        windows: usize,
        /// The limit.
        max: usize,
    },
    /// A report kind that does not exist.
    #[error("report kind {0:?} is unknown; use one of warroom, daily, kpi, postmortem")]
    UnknownKind(String),
    /// A chart could not be drawn.
    #[error("chart {name} could not be drawn: {reason}")]
    Chart {
        /// The chart's file name.
        name: String,
        /// Why (plotters).
        reason: String,
    },
    /// A date computation left jiff's range (an instant far outside the launch).
    #[error("{what} is out of range: {source}")]
    Time {
        /// What was computed.
        what: String,
        /// jiff's error.
        source: jiff::Error,
    },
}

/// The crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
