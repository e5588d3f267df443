//! A report being written: its Markdown, the figures behind it (the CSV) and its charts.
//! A figure is recorded where the Markdown shows it, so the CSV holds exactly what the
//! report says.

use crate::figures::{Ctx, Figure, Unit, CSV_HEADER};
use crate::ReportFiles;

/// What a figure is: its section, name and scope, its period (or instant) and unit.
pub(crate) struct Key<'s> {
    /// The section.
    pub(crate) section: &'s str,
    /// The figure's name.
    pub(crate) name: &'static str,
    /// Its scope.
    pub(crate) scope: &'s str,
    /// Period start; `None` for a gauge.
    pub(crate) from: Option<i64>,
    /// Period end or the gauge's instant.
    pub(crate) to: i64,
    /// Unit.
    pub(crate) unit: Unit,
}

/// The report under construction.
#[derive(Default)]
pub(crate) struct Doc {
    markdown: String,
    figures: Vec<Figure>,
    charts: Vec<(String, String)>,
}

/// Escapes text from the events or the decision log (titles, authors) for Markdown: no
/// markup, no HTML, one line.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~' | '!' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

impl Doc {
    /// Records a figure; returns how the Markdown shows it.
    pub(crate) fn figure(&mut self, key: Key<'_>, value: Option<i128>) -> String {
        let figure = Figure {
            section: key.section.to_owned(),
            name: key.name,
            scope: key.scope.to_owned(),
            from: key.from,
            to: key.to,
            unit: key.unit,
            value,
        };
        let shown = figure.display();
        self.figures.push(figure);
        shown
    }

    /// A heading.
    pub(crate) fn heading(&mut self, level: usize, text: &str) {
        if !self.markdown.is_empty() {
            self.markdown.push('\n');
        }
        self.markdown.push_str(&"#".repeat(level));
        self.markdown.push(' ');
        self.markdown.push_str(text);
        self.markdown.push_str("\n\n");
    }

    /// A paragraph (one line).
    pub(crate) fn line(&mut self, text: &str) {
        self.markdown.push_str(text);
        self.markdown.push_str("\n\n");
    }

    /// A bulleted list; "no data"-free callers pass at least one item.
    pub(crate) fn list(&mut self, items: &[String]) {
        assert!(!items.is_empty(), "a list is never empty: say why there is nothing instead");
        for item in items {
            self.markdown.push_str("- ");
            self.markdown.push_str(item);
            self.markdown.push('\n');
        }
        self.markdown.push('\n');
    }

    /// A table.
    pub(crate) fn table(&mut self, headers: &[&str], rows: &[Vec<String>]) {
        assert!(!rows.is_empty(), "a table is never empty: say why there is nothing instead");
        self.markdown.push_str(&format!("| {} |\n", headers.join(" | ")));
        self.markdown.push_str(&format!("|{}\n", "---|".repeat(headers.len())));
        for row in rows {
            assert_eq!(row.len(), headers.len(), "a row has a cell per column");
            self.markdown.push_str(&format!("| {} |\n", row.join(" | ")));
        }
        self.markdown.push('\n');
    }

    /// Adds a chart: its file and its image line in the Markdown.
    pub(crate) fn chart(&mut self, file: String, title: &str, svg: String) {
        self.markdown.push_str(&format!("![{}]({file})\n\n", escape(title)));
        self.charts.push((file, svg));
    }

    /// How many charts were added.
    pub(crate) fn chart_count(&self) -> usize {
        self.charts.len()
    }

    /// The files: the Markdown, the CSV of every recorded figure, the charts.
    pub(crate) fn finish(self, ctx: &Ctx<'_>) -> ReportFiles {
        let mut csv = String::with_capacity(64 * (self.figures.len() + 1));
        csv.push_str(CSV_HEADER);
        csv.push('\n');
        for figure in &self.figures {
            let fields = [
                figure.section.clone(),
                figure.name.to_owned(),
                figure.scope.clone(),
                figure.from.map(|f| ctx.rfc3339(f)).unwrap_or_default(),
                ctx.rfc3339(figure.to),
                figure.csv_value(),
                figure.unit.id().to_owned(),
            ];
            // No field needs quoting: names, scopes, instants and numbers only.
            assert!(fields.iter().all(|f| !f.contains([',', '"', '\n'])), "a CSV field needs no quoting: {fields:?}");
            csv.push_str(&fields.join(","));
            csv.push('\n');
        }
        ReportFiles { markdown: self.markdown, csv, charts: self.charts }
    }
}
