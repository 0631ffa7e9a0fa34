//! Labelled stretches of bars (song sections) in a clickable strip under a timeline
//! ([`span_strip`]), and the label colour readable on any fill ([`label_colour`]).

use super::view::BarView;
use crate::theme::Theme;
use egui::{Align2, Color32, CornerRadius, FontId, Rect, Sense, Stroke, Ui, Vec2, pos2};

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
}
