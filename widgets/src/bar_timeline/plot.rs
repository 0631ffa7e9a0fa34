//! The timeline's plot: curves with one value per bar, y grid lines, the current-bar marker and
//! the hover read-out ([`bar_plot`]).

use super::view::{BarAxis, BarView};
use crate::theme::Theme;
use egui::{Align2, Color32, CornerRadius, FontId, Rect, Sense, Shape, Stroke, Ui, Vec2, pos2};

/// One curve: a value per bar (index = bar number; non-finite = no value, drawn as a gap),
/// mapped to the plot from `range`.
pub struct Curve<'a> {
    pub values: &'a [f32],
    pub range: (f32, f32),
    pub colour: Color32,
    pub width: f32,
    /// Shade the area under the curve (the main curve).
    pub fill: bool,
}

/// What the timeline reports back.
pub struct BarPlotResponse {
    pub response: egui::Response,
    /// The bar under the pointer.
    pub hovered_bar: Option<usize>,
}

/// Draws the curves over `total_bars` bars in a `height`-high plot as wide as the Ui, with a
/// `gutter`-wide margin on the left for the y labels (`y_lines`: values on the first curve's
/// scale to draw as grid lines and label). `marker`: the current bar, drawn as a line. Ctrl +
/// wheel (or pinch) zooms around the pointer, shift + wheel or drag scrolls, double-click fits.
#[allow(clippy::too_many_arguments)]
pub fn bar_plot(
    ui: &mut Ui,
    view: &mut BarView,
    total_bars: usize,
    height: f32,
    gutter: f32,
    curves: &[Curve],
    y_lines: &[f32],
    marker: Option<f32>,
) -> BarPlotResponse {
    let theme = Theme::get(ui.ctx());
    let width = ui.available_width();
    let (outer, response) =
        ui.allocate_exact_size(Vec2::new(width, height), Sense::click_and_drag());
    let plot = Rect::from_min_max(pos2(outer.left() + gutter, outer.top()), outer.max);
    view.update(total_bars);

    view.interact(ui, &response, plot.left(), plot.width(), total_bars);
    view.follow(marker, total_bars);
    let axis = view.axis(plot.left(), plot.width());

    if !ui.is_rect_visible(outer) {
        return BarPlotResponse {
            response,
            hovered_bar: None,
        };
    }
    let painter = ui.painter_at(outer);
    painter.rect_filled(plot, CornerRadius::same(4), ui.visuals().extreme_bg_color);
    let painter_plot = ui.painter_at(plot);

    // Horizontal grid lines, labelled in the gutter on the first curve's scale.
    let (lo, hi) = curves.first().map_or((0.0, 1.0), |c| c.range);
    let y_of = |v: f32, range: (f32, f32)| {
        let t = ((v - range.0) / (range.1 - range.0)).clamp(0.0, 1.0);
        plot.bottom() - 4.0 - t * (plot.height() - 8.0)
    };
    for &v in y_lines {
        let y = y_of(v, (lo, hi));
        painter_plot.line_segment(
            [pos2(plot.left(), y), pos2(plot.right(), y)],
            Stroke::new(1.0, theme.line.gamma_multiply(0.6)),
        );
        painter.text(
            pos2(plot.left() - 5.0, y),
            Align2::RIGHT_CENTER,
            format!("{v:.0}"),
            FontId::proportional(10.0),
            theme.text_dim,
        );
    }

    // Bar lines: every label step, stronger every 4 steps.
    let step = axis.label_step(34.0);
    let visible = axis.visible_bars(total_bars.max(axis.span.ceil() as usize));
    for bar in visible.clone() {
        if bar % step != 0 {
            continue;
        }
        let x = axis.x_of(bar as f32);
        let strong = bar % (step * 4) == 0;
        painter_plot.line_segment(
            [pos2(x, plot.top()), pos2(x, plot.bottom())],
            Stroke::new(
                1.0,
                theme.line.gamma_multiply(if strong { 0.55 } else { 0.25 }),
            ),
        );
    }

    // Curves, back to front: the first (main) curve last so it sits on top.
    for curve in curves.iter().rev() {
        let points = curve_points(curve, &axis, total_bars, |v| y_of(v, curve.range));
        if curve.fill {
            let base = plot.bottom() - 4.0;
            let fill = curve.colour.gamma_multiply(0.16);
            for run in &points {
                for w in run.windows(2) {
                    painter_plot.add(Shape::convex_polygon(
                        vec![w[0], w[1], pos2(w[1].x, base), pos2(w[0].x, base)],
                        fill,
                        Stroke::NONE,
                    ));
                }
            }
        }
        for run in points {
            if run.len() == 1 {
                painter_plot.circle_filled(run[0], curve.width + 0.5, curve.colour);
            } else {
                painter_plot.add(Shape::line(run, Stroke::new(curve.width, curve.colour)));
            }
        }
    }

    // Current position.
    if let Some(bar) = marker.filter(|b| b.is_finite()) {
        let x = axis.x_of(bar);
        if x >= plot.left() && x <= plot.right() {
            painter_plot.line_segment(
                [pos2(x, plot.top()), pos2(x, plot.bottom())],
                Stroke::new(1.5, theme.text.gamma_multiply(0.8)),
            );
        }
    }

    let hovered_bar = response
        .hover_pos()
        .and_then(|p| axis.bar_index_at(p.x, total_bars));
    if let Some(bar) = hovered_bar {
        let r = Rect::from_x_y_ranges(
            axis.x_of(bar as f32)..=axis.x_of(bar as f32 + 1.0),
            plot.y_range(),
        );
        painter_plot.rect_filled(r, CornerRadius::ZERO, theme.text.gamma_multiply(0.06));
    }
    BarPlotResponse {
        response,
        hovered_bar,
    }
}

/// Screen points of a curve's visible bars, split into runs at gaps.
fn curve_points(
    curve: &Curve,
    axis: &BarAxis,
    total_bars: usize,
    y_of: impl Fn(f32) -> f32,
) -> Vec<Vec<egui::Pos2>> {
    let visible = axis.visible_bars(total_bars.min(curve.values.len()));
    // One neighbour beyond each edge so lines run out of the plot instead of stopping short.
    let first = visible.start.saturating_sub(1);
    let last = (visible.end + 1).min(curve.values.len());
    let mut runs = Vec::new();
    let mut run = Vec::new();
    for bar in first..last {
        let v = curve.values[bar];
        if v.is_finite() {
            run.push(pos2(axis.x_of(bar as f32 + 0.5), y_of(v)));
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_split_curves() {
        let values = [1.0, 2.0, f32::NAN, 3.0, 4.0, 5.0];
        let curve = Curve {
            values: &values,
            range: (0.0, 10.0),
            colour: Color32::WHITE,
            width: 1.0,
            fill: false,
        };
        let axis = BarView {
            start: 0.0,
            span: 6.0,
            fit: false,
            last_marker: None,
        }
        .axis(0.0, 60.0);
        let runs = curve_points(&curve, &axis, 6, |v| v);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].len(), 2);
        assert_eq!(runs[1].len(), 3);
        assert_eq!(runs[0][0], pos2(5.0, 1.0), "drawn at the bar centre");
    }
}
