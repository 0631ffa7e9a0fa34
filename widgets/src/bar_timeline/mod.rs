//! A timeline whose x axis is musical bars (or any numbered slots): several curves with one value
//! per bar, a current-position marker, hover read-out, horizontal zoom and scroll, and a strip of
//! labelled spans (song sections) under it that can be clicked.
//!
//! Bar `i` covers `[i, i + 1)` on the axis and its value is drawn at its centre. The view
//! ([`BarView`]) is plain data kept by the editor, so the timeline and anything drawn under it
//! (a tracks x bars grid, see [`crate::grid_view`]) share one zoom and line up bar for bar when
//! they are drawn with the same view and the same left gutter.
//!
//! One idea per file: `view.rs` (the visible range and the bar <-> x mapping), `plot.rs` (the
//! curves), `ruler.rs` (bar numbers) and `spans.rs` (the section strip). Colour scales belong to the
//! editors that give values their meaning (the density scale is in the Density Meter's editor).

mod plot;
mod ruler;
mod spans;
mod view;

pub use plot::{BarPlotResponse, Curve, bar_plot};
pub use ruler::bar_ruler;
pub use spans::{Span, SpanStripResponse, label_colour, span_at, span_strip};
pub use view::{BarAxis, BarView, MIN_VIEW_BARS};

#[cfg(test)]
mod tests {
    //! The plot and the span strip together, in real egui frames.
    use super::*;
    use egui::{Color32, Rect, Vec2, pos2};

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
