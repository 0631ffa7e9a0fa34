//! Bar numbers under a timeline ([`bar_ruler`]).

use super::view::BarView;
use crate::theme::Theme;
use egui::{Align2, FontId, Sense, Ui, Vec2, pos2};

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
