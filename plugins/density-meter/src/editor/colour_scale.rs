//! The density colour scale: how dense a bar, a section or a track's cell is, from blue (sparse)
//! to red (a wall of sound), and its "low [gradient] high" key. Used by the journey view's
//! sections, the arrangement grid and the side panel's key.

use catalyst_widgets::Theme;
use catalyst_widgets::egui::{self, Color32, CornerRadius, Rect, Sense, Ui, Vec2};

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

#[cfg(test)]
mod tests {
    use super::*;
    use catalyst_widgets::bar_timeline::label_colour;

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
}
