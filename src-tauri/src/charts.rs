//! The dashboard's charts: the line chart of clubgate-report (one chart code for the SLO
//! page and the reports), drawn with plotters into SVG strings the UI inserts as markup.

pub(crate) use clubgate_report::chart::{line_chart, Series, Threshold, PALETTE, ROLLBACK, SLO};
