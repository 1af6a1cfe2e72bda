//! Charts as inline SVG drawn on the server: grouped vertical bars (by day, by hour)
//! and horizontal bars (by payment type, section, operator). No script; colours come
//! from the stylesheet (`.s0`, `.s1`); each chart is an image with a title for screen
//! readers, each bar carries its value as a tooltip, and the table behind every chart
//! is printed under it.

use maud::{html, Markup};

/// One series of a bar chart: its name, values (tiyn) and style class.
pub struct Series<'a> {
    /// Legend text.
    pub name: &'a str,
    /// `s0`, `s1`…
    pub class: &'static str,
    /// One value per label.
    pub values: Vec<i64>,
}

const W: f64 = 720.0;
const H: f64 = 240.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 28.0;

/// A round step for `max` over about four gridlines (1, 2 or 5 × 10ⁿ).
fn nice_step(max: i64) -> i64 {
    if max <= 0 {
        return 1;
    }
    let rough = (max as f64 / 4.0).max(1.0);
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * magnitude);
    step.max(1.0) as i64
}

/// Vertical bars, grouped by label. `fmt` writes a value (tiyn) for the axis and the
/// tooltips.
pub fn bars(
    id: &str,
    title: &str,
    labels: &[String],
    series: &[Series<'_>],
    fmt: &dyn Fn(i64) -> String,
) -> Markup {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(0);
    let step = nice_step(max);
    let top_value = (max + step - 1) / step * step;
    let top_value = top_value.max(step);
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let n = labels.len().max(1) as f64;
    let group_w = plot_w / n;
    let bar_w = (group_w * 0.8 / series.len().max(1) as f64).max(1.0);
    let y = |v: i64| TOP + plot_h - (v.max(0) as f64 / top_value as f64) * plot_h;
    let every = (labels.len() / 16).max(1);
    let title_id = format!("{id}-title");
    html! {
        figure.chart {
            svg viewBox=(format!("0 0 {W} {H}")) role="img" aria-labelledby=(title_id) {
                title id=(title_id) { (title) }
                @for k in 0..=(top_value / step) {
                    @let v = k * step;
                    line.grid x1=(LEFT) x2=(W - RIGHT) y1=(y(v)) y2=(y(v)) {}
                    text.axis x=(LEFT - 6.0) y=(y(v) + 4.0) text-anchor="end" { (fmt(v)) }
                }
                @for (i, label) in labels.iter().enumerate() {
                    @for (j, s) in series.iter().enumerate() {
                        @let v = s.values.get(i).copied().unwrap_or(0);
                        @let x = LEFT + group_w * i as f64 + group_w * 0.1 + bar_w * j as f64;
                        rect class=(s.class) x=(format!("{x:.1}")) y=(format!("{:.1}", y(v)))
                            width=(format!("{bar_w:.1}")) height=(format!("{:.1}", TOP + plot_h - y(v))) {
                            title { (label) " · " (s.name) ": " (fmt(v)) }
                        }
                    }
                    @if i % every == 0 {
                        text.axis x=(format!("{:.1}", LEFT + group_w * (i as f64 + 0.5))) y=(H - 10.0)
                            text-anchor="middle" { (label) }
                    }
                }
            }
            figcaption {
                @for s in series {
                    span.legend { span class=(format!("swatch {}", s.class)) aria-hidden="true" {} (s.name) }
                }
            }
        }
    }
}

/// Horizontal bars, one per row: `(label, value)`.
pub fn rows(id: &str, title: &str, data: &[(String, i64)], fmt: &dyn Fn(i64) -> String) -> Markup {
    // Narrower than the vertical charts: these sit in half-width columns.
    const RW: f64 = 460.0;
    let max = data.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let row_h = 26.0;
    let label_w = 150.0;
    let value_w = 100.0;
    let height = row_h * data.len().max(1) as f64 + 4.0;
    let bar_max = RW - label_w - value_w;
    let title_id = format!("{id}-title");
    html! {
        figure.chart.rows {
            svg viewBox=(format!("0 0 {RW} {height}")) role="img" aria-labelledby=(title_id) {
                title id=(title_id) { (title) }
                @for (i, (label, v)) in data.iter().enumerate() {
                    @let top = 2.0 + row_h * i as f64;
                    @let w = (*v).max(0) as f64 / max as f64 * bar_max;
                    text.axis x=(label_w - 8.0) y=(top + 17.0) text-anchor="end" { (label) }
                    rect.s0 x=(label_w) y=(top + 4.0) width=(format!("{w:.1}")) height=(row_h - 8.0) {
                        title { (label) ": " (fmt(*v)) }
                    }
                    text.axis x=(label_w + w + 6.0) y=(top + 17.0) { (fmt(*v)) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(0), 1);
        assert_eq!(nice_step(100), 50);
        assert_eq!(nice_step(1_234_500), 500_000);
        assert_eq!(nice_step(7), 2);
    }

    #[test]
    fn a_chart_is_an_accessible_svg_with_a_bar_per_value() {
        let svg = bars(
            "c",
            "Выручка",
            &["1".into(), "2".into()],
            &[Series {
                name: "Продажи",
                class: "s0",
                values: vec![100, 300],
            }],
            &|v| v.to_string(),
        )
        .into_string();
        assert!(svg.contains(r#"role="img""#) && svg.contains("<title id=\"c-title\">Выручка"));
        assert_eq!(svg.matches("<rect").count(), 2);
        let empty = rows("r", "t", &[], &|v| v.to_string()).into_string();
        assert!(empty.contains("<svg"));
    }
}
