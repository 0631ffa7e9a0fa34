//! What a bar timeline shows: the visible bar range ([`BarView`]: zoom, scroll, following the
//! playing bar, fit to the capture) and the bar <-> screen-x mapping for one frame ([`BarAxis`]).
//! Plain data kept by the editor, so a timeline and anything drawn under it share one zoom.

use egui::Ui;

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
}
