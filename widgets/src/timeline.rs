//! A scrolling timeline drawn from GUI-side data: a level/envelope view that scrolls right to
//! left with event markers (detected hits, with their velocity) and horizontal reference lines
//! (thresholds). The plugins fill them from lock-free
//! `shared_dsp::gui_channel` values; nothing here touches the audio thread.

use crate::theme::Theme;
use egui::{Align2, CornerRadius, FontId, Sense, Shape, Stroke, Ui, Vec2, pos2};

/// A horizontal reference line on a timeline (a threshold).
pub struct RefLine<'a> {
    pub value: f32,
    pub label: &'a str,
}

/// An event on an envelope view: horizontal position (0 = left edge, 1 = now), height
/// (0..1, e.g. a hit's velocity) and confidence (0..1: drawn fainter the less sure it is).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Marker {
    pub x: f32,
    pub height: f32,
    pub confidence: f32,
}

/// Draws an envelope in dB (oldest at the left) as a filled curve, with event markers and
/// reference lines (e.g. a detection threshold) over a dB grid.
#[allow(clippy::too_many_arguments)]
pub fn envelope_view(
    ui: &mut Ui,
    size: Vec2,
    values_db: &[f32],
    range_db: (f32, f32),
    grid_db: &[f32],
    markers: &[Marker],
    lines: &[RefLine],
) -> egui::Response {
    let theme = Theme::get(ui.ctx());
    let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
    if !ui.is_rect_visible(rect) {
        return response;
    }
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, CornerRadius::same(4), ui.visuals().extreme_bg_color);
    let (lo, hi) = range_db;
    let y_of = |v: f32| {
        let v = if v.is_finite() { v } else { lo };
        rect.bottom() - ((v - lo) / (hi - lo)).clamp(0.0, 1.0) * rect.height()
    };
    for &g in grid_db {
        let y = y_of(g);
        painter.line_segment(
            [pos2(rect.left(), y), pos2(rect.right(), y)],
            Stroke::new(1.0, theme.line.gamma_multiply(0.6)),
        );
        painter.text(
            pos2(rect.right() - 4.0, y - 1.0),
            Align2::RIGHT_BOTTOM,
            format!("{g:.0} dB"),
            FontId::proportional(9.5),
            theme.text_dim,
        );
    }
    if values_db.len() >= 2 {
        let dx = rect.width() / (values_db.len() - 1) as f32;
        let points: Vec<egui::Pos2> = values_db
            .iter()
            .enumerate()
            .map(|(i, &v)| pos2(rect.left() + i as f32 * dx, y_of(v)))
            .collect();
        let fill = theme.accent.gamma_multiply(0.22);
        let mut mesh = egui::Mesh::default();
        for (i, p) in points.iter().enumerate() {
            mesh.colored_vertex(*p, fill);
            mesh.colored_vertex(pos2(p.x, rect.bottom()), fill);
            if i > 0 {
                let k = (2 * i) as u32;
                mesh.add_triangle(k - 2, k - 1, k);
                mesh.add_triangle(k - 1, k, k + 1);
            }
        }
        painter.add(mesh);
        painter.add(Shape::line(points, Stroke::new(1.5, theme.accent)));
    }
    for m in markers {
        if !(0.0..=1.0).contains(&m.x) {
            continue;
        }
        let x = rect.left() + m.x * rect.width();
        let top = rect.bottom() - m.height.clamp(0.05, 1.0) * rect.height();
        let colour = theme
            .text
            .gamma_multiply(0.3 + 0.7 * m.confidence.clamp(0.0, 1.0));
        painter.line_segment(
            [pos2(x, rect.bottom()), pos2(x, top)],
            Stroke::new(1.5, colour),
        );
        painter.circle_filled(pos2(x, top), 3.5, colour);
    }
    for line in lines {
        let y = y_of(line.value);
        painter.add(Shape::dashed_line(
            &[pos2(rect.left(), y), pos2(rect.right(), y)],
            Stroke::new(1.0, theme.warn),
            6.0,
            4.0,
        ));
        painter.text(
            pos2(rect.left() + 4.0, y - 2.0),
            Align2::LEFT_BOTTOM,
            line.label,
            FontId::proportional(10.0),
            theme.warn,
        );
    }
    response
}
