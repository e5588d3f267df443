//! The dashboard's charts, drawn with plotters into SVG strings. The UI inserts them as
//! markup; they carry no script.

use plotters::prelude::*;

/// Colours of the dark UI.
const BACKGROUND: RGBColor = RGBColor(22, 33, 58);
const GRID: RGBColor = RGBColor(42, 58, 92);
const TEXT: RGBColor = RGBColor(200, 210, 228);
/// Series colours: global, ERC-20, TRC-20, extra.
pub(crate) const PALETTE: [RGBColor; 4] = [RGBColor(230, 236, 245), RGBColor(31, 164, 216), RGBColor(62, 230, 193), RGBColor(240, 180, 41)];
/// The SLO line and the rollback line.
pub(crate) const SLO: RGBColor = RGBColor(240, 180, 41);
pub(crate) const ROLLBACK: RGBColor = RGBColor(239, 91, 91);

/// One line of a chart: points (x in hours from the chart's start, y or no data).
pub(crate) struct Series {
    pub(crate) name: String,
    pub(crate) color: RGBColor,
    pub(crate) points: Vec<(f64, Option<f64>)>,
}

/// A horizontal reference line.
pub(crate) struct Threshold {
    pub(crate) name: String,
    pub(crate) color: RGBColor,
    pub(crate) value: f64,
}

/// A line chart as SVG; `label_x` formats an x value (hours from the start) as a local time.
pub(crate) fn line_chart(
    title: &str,
    series: &[Series],
    thresholds: &[Threshold],
    x_hours: f64,
    y_range: (f64, f64),
    label_x: &dyn Fn(f64) -> String,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 260)).into_drawing_area();
        root.fill(&BACKGROUND).map_err(|e| e.to_string())?;
        let text = |size: u32| ("sans-serif", size).into_font().color(&TEXT);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, text(15))
            .margin(10)
            .x_label_area_size(26)
            .y_label_area_size(44)
            .build_cartesian_2d(0f64..x_hours.max(0.25), y_range.0..y_range.1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .light_line_style(GRID.mix(0.35))
            .bold_line_style(GRID)
            .axis_style(GRID)
            .label_style(text(11))
            .x_labels(8)
            .y_labels(6)
            .x_label_formatter(&|x| label_x(*x))
            .draw()
            .map_err(|e| e.to_string())?;
        for threshold in thresholds {
            let color = threshold.color;
            chart
                .draw_series(LineSeries::new([(0.0, threshold.value), (x_hours, threshold.value)], color.stroke_width(1)))
                .map_err(|e| e.to_string())?
                .label(threshold.name.clone())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color));
        }
        for line in series {
            let color = line.color;
            // A window without data breaks the line instead of dropping to zero.
            let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
            for (x, y) in &line.points {
                match y {
                    Some(y) => segments.last_mut().expect("a segment").push((*x, y.clamp(y_range.0, y_range.1))),
                    None if segments.last().is_some_and(|s| !s.is_empty()) => segments.push(Vec::new()),
                    None => {}
                }
            }
            let mut first = true;
            for segment in segments.into_iter().filter(|s| !s.is_empty()) {
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
