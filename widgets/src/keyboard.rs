//! Piano keyboard display: which keys are held (and how hard), read lock-free from the audio
//! thread, with an optional per-key value drawn above the keys (e.g. a tuning offset in cents).

use crate::theme::Theme;
use egui::{CornerRadius, Rect, Sense, Stroke, Ui, Vec2, pos2};

fn is_black(key: u8) -> bool {
    matches!(key % 12, 1 | 3 | 6 | 8 | 10)
}

/// Draws keys `lowest..=highest` (MIDI numbers) filling `size`; held keys light up in the accent
/// colour, brighter for harder notes.
///
/// `key_level(key)` gives 0 for a silent key, up to 1 for a key held hard (e.g. from the
/// plugin's own lock-free key bits). With `tuning_cents` (one value per MIDI
/// key), a strip above the keys shows each key's offset from equal temperament (±50 cents full
/// scale).
pub fn keyboard_view(
    ui: &mut Ui,
    size: Vec2,
    lowest: u8,
    highest: u8,
    key_level: &dyn Fn(u8) -> f32,
    tuning_cents: Option<&[f32]>,
) -> egui::Response {
    let theme = Theme::get(ui.ctx());
    let (full, response) = ui.allocate_exact_size(size, Sense::hover());
    if !ui.is_rect_visible(full) || highest <= lowest {
        return response;
    }
    let strip_h = if tuning_cents.is_some() { 26.0 } else { 0.0 };
    let rect = Rect::from_min_max(pos2(full.left(), full.top() + strip_h), full.max);
    let painter = ui.painter_at(full);
    let whites = (lowest..=highest).filter(|k| !is_black(*k)).count().max(1);
    let white_w = rect.width() / whites as f32;
    let held_colour = |velocity: f32| {
        theme
            .accent
            .gamma_multiply(0.45 + 0.55 * velocity.clamp(0.0, 1.0))
    };
    // White keys first, then black keys on top.
    let mut x = rect.left();
    let mut white_x = [0.0f32; 128];
    for key in lowest..=highest {
        if is_black(key) {
            continue;
        }
        white_x[key as usize] = x;
        let r = Rect::from_min_size(pos2(x, rect.top()), Vec2::new(white_w, rect.height()));
        let v = key_level(key);
        let fill = if v > 0.0 {
            held_colour(v)
        } else {
            egui::Color32::from_rgb(214, 216, 222)
        };
        painter.rect(
            r.shrink2(Vec2::new(0.5, 0.0)),
            CornerRadius {
                sw: 3,
                se: 3,
                ..Default::default()
            },
            fill,
            Stroke::new(1.0, theme.background),
            egui::StrokeKind::Inside,
        );
        if key % 12 == 0 && white_w > 9.0 {
            painter.text(
                pos2(r.center().x, r.bottom() - 4.0),
                egui::Align2::CENTER_BOTTOM,
                format!("C{}", key as i32 / 12 - 1),
                egui::FontId::proportional(9.0),
                egui::Color32::from_gray(90),
            );
        }
        x += white_w;
    }
    let black_w = white_w * 0.62;
    for key in lowest..=highest {
        if !is_black(key) || key == 0 {
            continue;
        }
        let left_white = white_x[(key - 1) as usize];
        let cx = left_white + white_w;
        let r = Rect::from_min_size(
            pos2(cx - black_w * 0.5, rect.top()),
            Vec2::new(black_w, rect.height() * 0.62),
        );
        let v = key_level(key);
        let fill = if v > 0.0 {
            held_colour(v)
        } else {
            egui::Color32::from_rgb(28, 29, 34)
        };
        painter.rect_filled(
            r,
            CornerRadius {
                sw: 2,
                se: 2,
                ..Default::default()
            },
            fill,
        );
    }
    if let Some(cents) = tuning_cents {
        let mid = full.top() + strip_h * 0.5;
        painter.line_segment(
            [pos2(rect.left(), mid), pos2(rect.right(), mid)],
            Stroke::new(1.0, theme.line),
        );
        for key in lowest..=highest {
            let Some(&c) = cents.get(key as usize) else {
                continue;
            };
            if !c.is_finite() {
                continue;
            }
            let cx = if is_black(key) {
                white_x[(key - 1) as usize] + white_w
            } else {
                white_x[key as usize] + white_w * 0.5
            };
            let h = (c / 50.0).clamp(-1.0, 1.0) * (strip_h * 0.5 - 2.0);
            painter.line_segment(
                [pos2(cx, mid), pos2(cx, mid - h)],
                Stroke::new((white_w * 0.45).max(1.0), theme.accent.gamma_multiply(0.8)),
            );
        }
        painter.text(
            pos2(full.left() + 2.0, full.top()),
            egui::Align2::LEFT_TOP,
            "tuning ±50 ct",
            egui::FontId::proportional(9.0),
            theme.text_dim,
        );
    }
    response
}
