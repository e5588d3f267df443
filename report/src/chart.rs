//! Line charts drawn with plotters into SVG strings: the reports' charts and the SLO
//! dashboard's (the shell uses this module). They carry no script; the UI inserts them as
//! markup. Coordinates are `f64` because they are pixels of a picture: every figure a chart
//! shows is also in the report's CSV, exactly.

use plotters::prelude::*;

/// Colours of the dark UI.
const BACKGROUND: RGBColor = RGBColor(22, 33, 58);
const GRID: RGBColor = RGBColor(42, 58, 92);
const TEXT: RGBColor = RGBColor(200, 210, 228);
/// Series colours: global, ERC-20, TRC-20, extra.
pub const PALETTE: [RGBColor; 4] = [RGBColor(230, 236, 245), RGBColor(31, 164, 216), RGBColor(62, 230, 193), RGBColor(240, 180, 41)];
/// The SLO line.
pub const SLO: RGBColor = RGBColor(240, 180, 41);
/// The rollback line (and a cap).
pub const ROLLBACK: RGBColor = RGBColor(239, 91, 91);

/// One line of a chart: points (x in hours from the chart's start, y or no data).
pub struct Series {
    /// The legend's name.
    pub name: String,
    /// Its colour.
    pub color: RGBColor,
    /// The points; `None` breaks the line (no data is never drawn as zero).
    pub points: Vec<(f64, Option<f64>)>,
}

/// A horizontal reference line.
pub struct Threshold {
    /// The legend's name.
    pub name: String,
    /// Its colour.
    pub color: RGBColor,
    /// Its y value.
    pub value: f64,
}

/// A chart to draw.
pub struct Chart<'a> {
    /// The caption.
    pub title: &'a str,
    /// The lines.
    pub series: &'a [Series],
    /// Reference lines.
    pub thresholds: &'a [Threshold],
    /// The x axis runs from 0 to this many hours.
    pub x_hours: f64,
    /// The y axis.
    pub y_range: (f64, f64),
    /// Formats an x value (hours from the start) as a local time.
    pub label_x: &'a dyn Fn(f64) -> String,
    /// Draws a dot on every point too, so a lone point between gaps is seen.
    pub markers: bool,
}

/// A y label: one decimal under a thousand, else `12.5k`, `60M`, `1.2G`.
fn compact(value: f64) -> String {
    let magnitude = value.abs();
    let (scaled, suffix) = if magnitude >= 1e9 {
        (value / 1e9, "G")
    } else if magnitude >= 1e6 {
        (value / 1e6, "M")
    } else if magnitude >= 1e3 {
        (value / 1e3, "k")
    } else {
        return format!("{value:.1}");
    };
    let text = format!("{scaled:.1}");
    format!("{}{suffix}", text.strip_suffix(".0").unwrap_or(&text))
}

/// A line chart as SVG; `label_x` formats an x value (hours from the start) as a local time.
/// The SLO dashboard's charts (no markers).
pub fn line_chart(
    title: &str,
    series: &[Series],
    thresholds: &[Threshold],
    x_hours: f64,
    y_range: (f64, f64),
    label_x: &dyn Fn(f64) -> String,
) -> Result<String, String> {
    draw(&Chart { title, series, thresholds, x_hours, y_range, label_x, markers: false })
}

/// Draws a chart as SVG.
pub fn draw(spec: &Chart<'_>) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 260)).into_drawing_area();
        root.fill(&BACKGROUND).map_err(|e| e.to_string())?;
        let text = |size: u32| ("sans-serif", size).into_font().color(&TEXT);
        let x_hours = spec.x_hours.max(0.25);
        let (y_low, y_high) = spec.y_range;
        let y_high = if y_high > y_low { y_high } else { y_low + 1.0 };
        let mut chart = ChartBuilder::on(&root)
            .caption(spec.title, text(15))
            .margin(10)
            .x_label_area_size(26)
            .y_label_area_size(44)
            .build_cartesian_2d(0f64..x_hours, y_low..y_high)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .light_line_style(GRID.mix(0.35))
            .bold_line_style(GRID)
            .axis_style(GRID)
            .label_style(text(11))
            .x_labels(8)
            .y_labels(6)
            .x_label_formatter(&|x| (spec.label_x)(*x))
            .y_label_formatter(&|y| compact(*y))
            .draw()
            .map_err(|e| e.to_string())?;
        for threshold in spec.thresholds {
            let color = threshold.color;
            chart
                .draw_series(LineSeries::new([(0.0, threshold.value), (x_hours, threshold.value)], color.stroke_width(1)))
                .map_err(|e| e.to_string())?
                .label(threshold.name.clone())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color));
        }
        for line in spec.series {
            let color = line.color;
            // A window without data breaks the line instead of dropping to zero.
            let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
            for (x, y) in &line.points {
                match y {
                    Some(y) => segments.last_mut().expect("a segment").push((*x, y.clamp(y_low, y_high))),
                    None if segments.last().is_some_and(|s| !s.is_empty()) => segments.push(Vec::new()),
                    None => {}
                }
            }
            let mut first = true;
            for segment in segments.into_iter().filter(|s| !s.is_empty()) {
                if spec.markers {
                    chart.draw_series(segment.iter().map(|point| Circle::new(*point, 3, color.filled()))).map_err(|e| e.to_string())?;
                }
                let drawn = chart.draw_series(LineSeries::new(segment, color.stroke_width(2))).map_err(|e| e.to_string())?;
                if first {
                    drawn.label(line.name.clone()).legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color.stroke_width(2)));
                    first = false;
                }
            }
        }
        chart
            .configure_series_labels()
            .background_style(BACKGROUND.mix(0.9))
            .border_style(GRID)
            .label_font(text(11))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// The p95 pass-through chart's lines: the SLO and the rollback threshold of the plan.
pub fn pass_through_thresholds(plan: &clubgate_core::plan::Plan) -> [Threshold; 2] {
    [
        Threshold {
            name: format!("SLO {} min", plan.slos.pass_through_p95_max_minutes),
            color: SLO,
            value: f64::from(plan.slos.pass_through_p95_max_minutes),
        },
        Threshold {
            name: format!("rollback > {} min", plan.rollback.pass_through.p95_above_minutes),
            color: ROLLBACK,
            value: f64::from(plan.rollback.pass_through.p95_above_minutes),
        },
    ]
}
