//! A timeline whose x axis is musical bars (or any numbered slots): several curves with one value
//! per bar, a current-position marker, hover read-out, horizontal zoom and scroll, and a strip of
//! labelled spans (song sections) under it that can be clicked.
//!
//! Bar `i` covers `[i, i + 1)` on the axis and its value is drawn at its centre. The view
//! ([`BarView`]) is plain data kept by the editor, so the timeline and anything drawn under it
//! (a tracks x bars grid, see [`crate::grid_view`]) share one zoom and line up bar for bar when
//! they are drawn with the same view and the same left gutter.

use crate::theme::Theme;
use egui::{Align2, Color32, CornerRadius, FontId, Rect, Sense, Shape, Stroke, Ui, Vec2, pos2};

/// Fewest bars a view shows: a short capture is not stretched to absurdly wide bars.
pub const MIN_VIEW_BARS: f32 = 8.0;

/// The visible bar range of a timeline: `span` bars starting at bar `start`. `fit` follows the
/// capture (the whole song, growing as bars arrive) until the user zooms or scrolls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BarView {
    pub start: f32,
    pub span: f32,
    pub fit: bool,
    /// The playing position last frame (see [`BarView::follow`]).
    pub last_marker: Option<f32>,
}

impl Default for BarView {
    fn default() -> Self {
        Self {
            start: 0.0,
            span: MIN_VIEW_BARS,
            fit: true,
            last_marker: None,
        }
    }
}

impl BarView {
    /// Follows the capture when in fit mode and keeps the view inside `[0, total_bars]`.
    pub fn update(&mut self, total_bars: usize) {
        let total = (total_bars as f32).max(MIN_VIEW_BARS);
        if self.fit {
            self.start = 0.0;
            self.span = total;
        }
        self.span = self.span.clamp(MIN_VIEW_BARS.min(total), total);
        self.start = self.start.clamp(0.0, (total - self.span).max(0.0));
    }

    /// Zooms by `factor` (> 1 shows fewer bars) keeping bar `anchor` under the pointer.
    pub fn zoom(&mut self, factor: f32, anchor: f32, total_bars: usize) {
        if !factor.is_finite() || factor <= 0.0 || (factor - 1.0).abs() < 1e-4 {
            return;
        }
        let total = (total_bars as f32).max(MIN_VIEW_BARS);
        let span = (self.span / factor).clamp(MIN_VIEW_BARS.min(total), total);
        let rel = if self.span > 0.0 {
            (anchor - self.start) / self.span
        } else {
            0.0
        };
        self.start = anchor - rel * span;
        self.span = span;
        self.fit = span >= total - 1e-3;
        self.update(total_bars);
    }

    /// Scrolls by `bars` (positive = later).
    pub fn pan(&mut self, bars: f32, total_bars: usize) {
        if !bars.is_finite() || bars == 0.0 {
            return;
        }
        self.start += bars;
        let total = (total_bars as f32).max(MIN_VIEW_BARS);
        self.fit = self.span >= total - 1e-3;
        self.update(total_bars);
    }

    /// Keeps the playing position in sight while zoomed in, as a DAW's arrange view pages with
    /// the playhead: when the marker leaves the view from inside it (runs off the right edge, or
    /// jumps away: a loop or a relocation), the view turns the page so the marker sits a
    /// quarter of the way in. A marker the user has scrolled out of sight stays out of sight.
    pub fn follow(&mut self, marker: Option<f32>, total_bars: usize) {
        let previous = std::mem::replace(&mut self.last_marker, marker);
        let (Some(now), Some(before)) = (marker, previous) else {
            return;
        };
        if self.fit || !now.is_finite() {
            return;
        }
        let in_view = |bar: f32| bar >= self.start && bar <= self.start + self.span;
        if in_view(before) && !in_view(now) {
            self.start = now - 0.25 * self.span;
            self.update(total_bars);
        }
    }

    /// Back to the whole capture.
    pub fn reset(&mut self, total_bars: usize) {
        self.fit = true;
        self.update(total_bars);
    }

    /// Zoom and scroll from the pointer over a widget whose bars run from `left` over `width`
    /// points: ctrl + wheel (or pinch) zooms around the pointer, shift + wheel or a drag
    /// scrolls (the vertical wheel stays with the page), double-click fits.
    pub fn interact(
        &mut self,
        ui: &Ui,
        response: &egui::Response,
        left: f32,
        width: f32,
        total_bars: usize,
    ) {
        if response.hovered() {
            let (zoom, scroll) = ui.input(|i| (i.zoom_delta(), i.smooth_scroll_delta));
            if let Some(pointer) = response.hover_pos() {
                let anchor = self.axis(left, width).bar_at(pointer.x);
                self.zoom(zoom, anchor, total_bars);
            }
            if scroll.x != 0.0 && !self.fit {
                let bar_width = self.axis(left, width).bar_width();
                self.pan(-scroll.x / bar_width, total_bars);
            }
        }
        if response.dragged() {
            let bar_width = self.axis(left, width).bar_width();
            self.pan(-response.drag_delta().x / bar_width, total_bars);
        }
        if response.double_clicked() {
            self.reset(total_bars);
        }
    }

    /// The axis of this view drawn from `left` over `width` points.
    pub fn axis(&self, left: f32, width: f32) -> BarAxis {
        BarAxis {
            left,
            width: width.max(1.0),
            start: self.start,
            span: self.span.max(1e-3),
        }
    }
}

/// Maps bars to screen x for one view in one rect.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BarAxis {
    pub left: f32,
    pub width: f32,
    pub start: f32,
    pub span: f32,
}

impl BarAxis {
    /// Screen x of a (fractional) bar position.
    pub fn x_of(&self, bar: f32) -> f32 {
        self.left + (bar - self.start) / self.span * self.width
    }

    /// Bar position (fractional) under screen x.
    pub fn bar_at(&self, x: f32) -> f32 {
        self.start + (x - self.left) / self.width * self.span
    }

    /// The bar (whole number) under screen x, if x is inside the axis and the bar exists.
    pub fn bar_index_at(&self, x: f32, total_bars: usize) -> Option<usize> {
        if x < self.left || x > self.left + self.width {
            return None;
        }
        let bar = self.bar_at(x).floor();
        (bar >= 0.0 && (bar as usize) < total_bars).then_some(bar as usize)
    }

    /// Width of one bar, points.
    pub fn bar_width(&self) -> f32 {
        self.width / self.span
    }

    /// Bars at least partly visible.
    pub fn visible_bars(&self, total_bars: usize) -> std::ops::Range<usize> {
        let first = self.start.floor().max(0.0) as usize;
        let last = ((self.start + self.span).ceil().max(0.0) as usize).min(total_bars);
        first.min(last)..last
    }

    /// Bar-number label step (1, 2, 4, 8, ...) so labels are at least `min_px` apart.
    pub fn label_step(&self, min_px: f32) -> usize {
        let mut step = 1usize;
        while (step as f32) * self.bar_width() < min_px && step < 1 << 20 {
            step *= 2;
        }
        step
    }
}

/// Colour of a density-like value in `0..=1`: blue (sparse) through teal and amber to red (a
/// wall of sound). Warmth (red minus blue) never decreases, so a denser cell never looks cooler.
/// Non-finite values are the lowest colour.
pub fn density_colour(value: f32) -> Color32 {
    const STOPS: [(f32, [u8; 3]); 5] = [
        (0.0, [24, 64, 150]),
        (0.3, [52, 136, 164]),
        (0.55, [90, 200, 170]),
        (0.78, [236, 176, 72]),
        (1.0, [240, 70, 70]),
    ];
    let v = if value.is_finite() {
        value.clamp(0.0, 1.0)
    } else {
        0.0
    };
    for pair in STOPS.windows(2) {
        let ((a, ca), (b, cb)) = (pair[0], pair[1]);
        if v <= b {
            let t = (v - a) / (b - a);
            let mix = |i: usize| (ca[i] as f32 + t * (cb[i] as f32 - ca[i] as f32)).round() as u8;
            return Color32::from_rgb(mix(0), mix(1), mix(2));
        }
    }
    let c = STOPS[STOPS.len() - 1].1;
    Color32::from_rgb(c[0], c[1], c[2])
}

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

/// Bar numbers under a timeline (1-based, as a DAW counts), every label step.
pub fn bar_ruler(ui: &mut Ui, view: &BarView, total_bars: usize, gutter: f32, unit: &str) {
    let theme = Theme::get(ui.ctx());
    let width = ui.available_width();
    let (rect, _) = ui.allocate_exact_size(Vec2::new(width, 14.0), Sense::hover());
    let axis = view.axis(rect.left() + gutter, width - gutter);
    let painter = ui.painter_at(rect);
    painter.text(
        pos2(rect.left() + gutter - 5.0, rect.center().y),
        Align2::RIGHT_CENTER,
        unit,
        FontId::proportional(10.0),
        theme.text_dim,
    );
    let step = axis.label_step(34.0);
    for bar in axis.visible_bars(total_bars.max(view.span.ceil() as usize)) {
        if bar % step == 0 {
            painter.text(
                pos2(axis.x_of(bar as f32) + 2.0, rect.center().y),
                Align2::LEFT_CENTER,
                format!("{}", bar + 1),
                FontId::proportional(10.0),
                theme.text_dim,
            );
        }
    }
}

/// A small "low [gradient] high" key for [`density_colour`].
pub fn colour_scale_key(ui: &mut Ui, low: &str, high: &str) -> egui::Response {
    let theme = Theme::get(ui.ctx());
    let small = |t: &str| egui::RichText::new(t).size(10.5).color(theme.text_dim);
    ui.label(small(low));
    let (rect, response) = ui.allocate_exact_size(Vec2::new(60.0, 8.0), Sense::hover());
    const STEPS: usize = 30;
    let w = rect.width() / STEPS as f32;
    for i in 0..STEPS {
        let r = Rect::from_x_y_ranges(
            rect.left() + i as f32 * w..=rect.left() + (i + 1) as f32 * w + 0.5,
            rect.y_range(),
        );
        ui.painter().rect_filled(
            r,
            CornerRadius::ZERO,
            density_colour((i as f32 + 0.5) / STEPS as f32),
        );
    }
    ui.label(small(high));
    response
}

/// Text colour readable on `fill`: near-black on light fills, near-white on dark ones
/// (Rec. 709 luma of the fill against mid-grey).
pub fn label_colour(fill: Color32) -> Color32 {
    let luma = 0.2126 * fill.r() as f32 + 0.7152 * fill.g() as f32 + 0.0722 * fill.b() as f32;
    if luma >= 120.0 {
        Color32::from_rgb(16, 18, 22)
    } else {
        Color32::from_rgb(236, 238, 242)
    }
}

/// A labelled stretch of bars `[start, end)` (a song section) in a [`span_strip`].
pub struct Span<'a> {
    pub start: f32,
    pub end: f32,
    pub label: &'a str,
    pub fill: Color32,
    /// Drawn with an outline (e.g. the span being renamed).
    pub selected: bool,
}

/// The span containing bar position `bar`.
pub fn span_at(spans: &[Span], bar: f32) -> Option<usize> {
    spans.iter().position(|s| bar >= s.start && bar < s.end)
}

/// What a [`span_strip`] reports back.
pub struct SpanStripResponse {
    pub response: egui::Response,
    pub hovered: Option<usize>,
    pub clicked: Option<usize>,
}

/// A strip of labelled spans on the same axis as a [`bar_plot`] drawn with the same view and
/// gutter. Clicking a span reports it.
pub fn span_strip(
    ui: &mut Ui,
    view: &BarView,
    height: f32,
    gutter: f32,
    title: &str,
    spans: &[Span],
) -> SpanStripResponse {
    let theme = Theme::get(ui.ctx());
    let width = ui.available_width();
    let (rect, response) = ui.allocate_exact_size(Vec2::new(width, height), Sense::click());
    let axis = view.axis(rect.left() + gutter, width - gutter);
    let strip = Rect::from_min_max(pos2(axis.left, rect.top()), rect.max);
    let painter = ui.painter_at(rect);
    painter.text(
        pos2(strip.left() - 5.0, strip.center().y),
        Align2::RIGHT_CENTER,
        title,
        FontId::proportional(10.0),
        theme.text_dim,
    );
    let hovered = response
        .hover_pos()
        .filter(|p| strip.contains(*p))
        .and_then(|p| span_at(spans, axis.bar_at(p.x)));
    let clip = ui.painter_at(strip);
    for (i, s) in spans.iter().enumerate() {
        let x0 = axis.x_of(s.start).max(strip.left());
        let x1 = axis.x_of(s.end).min(strip.right());
        if x1 <= x0 {
            continue;
        }
        let r = Rect::from_x_y_ranges(x0 + 1.0..=x1 - 1.0, strip.y_range());
        let fill = if hovered == Some(i) {
            s.fill.gamma_multiply(1.25)
        } else {
            s.fill
        };
        clip.rect_filled(r, CornerRadius::same(3), fill);
        if s.selected {
            clip.rect_stroke(
                r.shrink(0.5),
                CornerRadius::same(3),
                Stroke::new(1.5, theme.text),
                egui::StrokeKind::Inside,
            );
        }
        let text = label_colour(s.fill);
        let galley = clip.layout_no_wrap(s.label.to_owned(), FontId::proportional(11.0), text);
        if galley.size().x + 8.0 <= r.width() {
            clip.galley(
                pos2(r.left() + 5.0, r.center().y - galley.size().y / 2.0),
                galley,
                text,
            );
        }
    }
    let clicked = if response.clicked() { hovered } else { None };
    SpanStripResponse {
        response,
        hovered,
        clicked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_maps_bars_to_x_and_back() {
        let view = BarView {
            start: 10.0,
            span: 20.0,
            fit: false,
            last_marker: None,
        };
        let axis = view.axis(100.0, 400.0);
        assert_eq!(axis.x_of(10.0), 100.0);
        assert_eq!(axis.x_of(30.0), 500.0);
        assert_eq!(axis.bar_width(), 20.0);
        assert!((axis.bar_at(axis.x_of(17.25)) - 17.25).abs() < 1e-4);
        // Hit-testing: bar 12 covers x 140..160.
        assert_eq!(axis.bar_index_at(150.0, 64), Some(12));
        assert_eq!(axis.bar_index_at(99.0, 64), None);
        assert_eq!(axis.bar_index_at(150.0, 12), None, "bar beyond the capture");
        assert_eq!(axis.visible_bars(64), 10..30);
        assert_eq!(axis.visible_bars(25), 10..25);
    }

    #[test]
    fn zoomed_view_pages_with_the_playing_bar_unless_scrolled_away() {
        let mut view = BarView {
            start: 0.0,
            span: 16.0,
            fit: false,
            last_marker: None,
        };
        let total = 64;
        view.follow(Some(15.5), total);
        assert_eq!(view.start, 0.0);
        // Runs off the right edge: the page turns, the marker a quarter in.
        view.follow(Some(16.2), total);
        assert!((view.start - 12.2).abs() < 1e-4, "{}", view.start);
        // A loop back to bar 2: the view jumps back with it.
        view.follow(Some(20.0), total);
        view.follow(Some(2.0), total);
        assert_eq!(view.start, 0.0);
        // Never past the end of the capture.
        view.follow(Some(15.9), total);
        view.start = 48.0;
        view.follow(Some(63.0), total);
        view.follow(Some(64.5), total);
        assert_eq!(view.start, 48.0);
        // The user scrolled elsewhere: the marker moving on does not pull the view back.
        view.start = 40.0;
        view.follow(Some(20.0), total);
        view.follow(Some(21.0), total);
        assert_eq!(view.start, 40.0);
        // In fit mode the whole capture is in view anyway.
        let mut fit = BarView::default();
        fit.update(total);
        fit.follow(Some(10.0), total);
        fit.follow(Some(70.0), total);
        assert_eq!((fit.start, fit.fit), (0.0, true));
    }

    #[test]
    fn label_step_keeps_labels_apart() {
        for (span, width) in [(8.0, 800.0), (48.0, 700.0), (500.0, 700.0), (1024.0, 300.0)] {
            let axis = BarView {
                start: 0.0,
                span,
                fit: false,
                last_marker: None,
            }
            .axis(0.0, width);
            let step = axis.label_step(34.0);
            assert!(step.is_power_of_two());
            assert!(step as f32 * axis.bar_width() >= 34.0, "{span} {width}");
            // ...and no sparser than needed.
            assert!(step == 1 || (step / 2) as f32 * axis.bar_width() < 34.0);
        }
    }

    #[test]
    fn fit_follows_the_capture_until_the_user_zooms() {
        let mut view = BarView::default();
        view.update(3);
        assert_eq!((view.start, view.span), (0.0, MIN_VIEW_BARS));
        view.update(200);
        assert_eq!((view.start, view.span), (0.0, 200.0));
        // Zoom 4x around bar 100: bar 100 stays at the same relative place (the middle).
        view.zoom(4.0, 100.0, 200);
        assert!(!view.fit);
        assert!((view.span - 50.0).abs() < 1e-3);
        assert!((view.start - 75.0).abs() < 1e-3);
        // More bars arrive: a zoomed view stays put.
        view.update(300);
        assert!((view.start - 75.0).abs() < 1e-3);
        // Scrolling is clamped to the capture.
        view.pan(1000.0, 300);
        assert!((view.start + view.span - 300.0).abs() < 1e-3);
        view.pan(-1000.0, 300);
        assert_eq!(view.start, 0.0);
        // Zooming out fully returns to fit.
        view.zoom(0.01, 10.0, 300);
        assert!(view.fit);
        assert_eq!((view.start, view.span), (0.0, 300.0));
        // Junk input changes nothing.
        let before = view;
        view.zoom(f32::NAN, 5.0, 300);
        view.pan(f32::INFINITY, 300);
        assert_eq!(view, before);
    }

    #[test]
    fn colour_scale_runs_from_cool_to_hot() {
        let sparse = density_colour(0.0);
        let dense = density_colour(1.0);
        assert!(sparse.b() > sparse.r(), "sparse is blue: {sparse:?}");
        assert!(dense.r() > dense.b(), "dense is red: {dense:?}");
        // Monotonic in "warmth" (red minus blue) so a denser cell never looks cooler (1 unit of
        // slack for each channel's rounding).
        let mut last = -255;
        for i in 0..=100 {
            let c = density_colour(i as f32 / 100.0);
            let warmth = c.r() as i32 - c.b() as i32;
            assert!(warmth >= last - 1, "{i}: {warmth} < {last}");
            last = warmth;
        }
        assert_eq!(density_colour(f32::NAN), sparse);
        assert_eq!(density_colour(7.0), dense);
    }

    #[test]
    fn section_labels_stay_readable_across_the_colour_scale() {
        // WCAG relative luminance contrast of the label on its fill, over the whole scale.
        let lin = |c: u8| {
            let c = c as f32 / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let lum = |c: Color32| 0.2126 * lin(c.r()) + 0.7152 * lin(c.g()) + 0.0722 * lin(c.b());
        for i in 0..=20 {
            let fill = density_colour(i as f32 / 20.0).gamma_multiply(0.85);
            let (a, b) = (lum(fill), lum(label_colour(fill)));
            let contrast = (a.max(b) + 0.05) / (a.min(b) + 0.05);
            assert!(contrast >= 3.0, "{i}: contrast {contrast:.2} on {fill:?}");
        }
    }

    #[test]
    fn spans_hit_test_half_open() {
        let span = |start, end| Span {
            start,
            end,
            label: "",
            fill: Color32::BLACK,
            selected: false,
        };
        let spans = [span(0.0, 8.0), span(8.0, 24.0), span(32.0, 40.0)];
        assert_eq!(span_at(&spans, 0.0), Some(0));
        assert_eq!(span_at(&spans, 7.99), Some(0));
        assert_eq!(span_at(&spans, 8.0), Some(1));
        assert_eq!(span_at(&spans, 28.0), None);
        assert_eq!(span_at(&spans, 39.5), Some(2));
        assert_eq!(span_at(&spans, 40.0), None);
    }

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

    /// Runs two frames of a real egui context with the pointer at `pointer` (hover is decided
    /// against the previous frame's widgets) and returns what the widgets reported.
    fn run_with_pointer(
        pointer: egui::Pos2,
        click: bool,
    ) -> (Option<usize>, Option<usize>, egui::Rect) {
        let ctx = egui::Context::default();
        let mut out = (None, None, egui::Rect::NOTHING);
        let values: Vec<f32> = (0..32).map(|i| i as f32 * 3.0).collect();
        let spans = [
            Span {
                start: 0.0,
                end: 16.0,
                label: "Verse",
                fill: Color32::BLUE,
                selected: false,
            },
            Span {
                start: 16.0,
                end: 32.0,
                label: "Chorus",
                fill: Color32::RED,
                selected: false,
            },
        ];
        for frame in 0..3 {
            let mut input = egui::RawInput {
                screen_rect: Some(Rect::from_min_size(pos2(0.0, 0.0), Vec2::new(600.0, 300.0))),
                ..Default::default()
            };
            input.events.push(egui::Event::PointerMoved(pointer));
            if click && frame == 1 {
                for pressed in [true, false] {
                    input.events.push(egui::Event::PointerButton {
                        pos: pointer,
                        button: egui::PointerButton::Primary,
                        pressed,
                        modifiers: Default::default(),
                    });
                }
            }
            let mut output = ctx.run_ui(input, |ui| {
                let mut view = BarView::default();
                let curves = [Curve {
                    values: &values,
                    range: (0.0, 100.0),
                    colour: Color32::WHITE,
                    width: 1.0,
                    fill: true,
                }];
                let plot = bar_plot(ui, &mut view, 32, 150.0, 40.0, &curves, &[50.0], Some(3.0));
                let strip = span_strip(ui, &view, 20.0, 40.0, "sections", &spans);
                if frame >= 1 {
                    out.0 = out.0.or(plot.hovered_bar);
                    out.1 = out.1.or(strip.clicked);
                }
                out.2 = plot.response.rect;
            });
            output.textures_delta.clear();
        }
        out
    }

    #[test]
    fn hovering_and_clicking_in_a_real_frame_hit_the_right_bar_and_section() {
        let (_, _, rect) = run_with_pointer(pos2(-10.0, -10.0), false);
        // 32 bars over the plot's width right of the 40-point gutter.
        let bar_width = (rect.width() - 40.0) / 32.0;
        let x_of_bar = |bar: f32| rect.left() + 40.0 + (bar + 0.5) * bar_width;
        let (hovered, _, _) = run_with_pointer(pos2(x_of_bar(20.0), rect.center().y), false);
        assert_eq!(hovered, Some(20));
        let (hovered, _, _) = run_with_pointer(pos2(rect.left() + 20.0, rect.center().y), false);
        assert_eq!(hovered, None, "the gutter is not a bar");
        // The strip sits right under the plot: a click in bar 20 is the second section.
        let strip_y = rect.bottom() + 12.0;
        let (_, clicked, _) = run_with_pointer(pos2(x_of_bar(20.0), strip_y), true);
        assert_eq!(clicked, Some(1));
        let (_, clicked, _) = run_with_pointer(pos2(x_of_bar(2.0), strip_y), true);
        assert_eq!(clicked, Some(0));
    }
}
