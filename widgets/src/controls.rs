//! Toggle and choice (menu) controls bound to host parameters, the same size as a knob cell so the
//! generic panel can mix them freely.

use crate::knob::{Knob, tooltip};
use crate::param::ParamHandle;
use crate::theme::Theme;
use egui::{CornerRadius, FontId, Response, Sense, Stroke, Ui, vec2};

/// An on/off switch for a `BoolParam` (or any two-step parameter).
pub struct Toggle<'a> {
    param: ParamHandle<'a>,
    description: Option<&'a str>,
    cell_width: f32,
}

impl<'a> Toggle<'a> {
    pub fn new(param: ParamHandle<'a>) -> Self {
        Self {
            param,
            description: None,
            cell_width: Knob::cell_width(46.0),
        }
    }

    pub fn description(mut self, description: Option<&'a str>) -> Self {
        self.description = description;
        self
    }

    pub fn cell_width(mut self, width: f32) -> Self {
        self.cell_width = width;
        self
    }

    pub fn show(self, ui: &mut Ui) -> Response {
        let theme = Theme::get(ui.ctx());
        let on = self.param.normalized() >= 0.5;
        let response = ui
            .allocate_ui_with_layout(
                vec2(self.cell_width, 90.0),
                egui::Layout::top_down(egui::Align::Center),
                |ui| {
                    ui.set_width(self.cell_width);
                    ui.add(
                        egui::Label::new(
                            egui::RichText::new(self.param.name())
                                .size(11.5)
                                .color(theme.text_dim),
                        )
                        .truncate(),
                    );
                    ui.add_space(10.0);
                    let (rect, response) = ui.allocate_exact_size(vec2(40.0, 20.0), Sense::click());
                    if response.clicked() {
                        self.param.set_once(if on { 0.0 } else { 1.0 });
                    }
                    if ui.is_rect_visible(rect) {
                        let painter = ui.painter();
                        let fill = if on { theme.accent } else { theme.control };
                        painter.rect(
                            rect,
                            CornerRadius::same(10),
                            fill,
                            Stroke::new(1.0, theme.line),
                            egui::StrokeKind::Inside,
                        );
                        let x = if on {
                            rect.right() - 10.0
                        } else {
                            rect.left() + 10.0
                        };
                        painter.circle_filled(
                            egui::pos2(x, rect.center().y),
                            7.0,
                            if on { theme.background } else { theme.text_dim },
                        );
                    }
                    ui.add_space(8.0);
                    ui.label(
                        egui::RichText::new(self.param.display())
                            .font(FontId::monospace(11.5))
                            .color(theme.text),
                    );
                    response
                },
            )
            .inner;
        response.on_hover_ui(|ui| tooltip(ui, &self.param, self.description, false))
    }
}

/// A drop-down menu for an `EnumParam` or a short stepped parameter; lists every step by name.
pub struct Choice<'a> {
    param: ParamHandle<'a>,
    description: Option<&'a str>,
    cell_width: f32,
}

impl<'a> Choice<'a> {
    pub fn new(param: ParamHandle<'a>) -> Self {
        Self {
            param,
            description: None,
            cell_width: 2.0 * Knob::cell_width(46.0),
        }
    }

    pub fn description(mut self, description: Option<&'a str>) -> Self {
        self.description = description;
        self
    }

    pub fn cell_width(mut self, width: f32) -> Self {
        self.cell_width = width;
        self
    }

    pub fn show(self, ui: &mut Ui) -> Response {
        let theme = Theme::get(ui.ctx());
        let steps = self.param.step_count().unwrap_or(1).max(1);
        let current = self.param.normalized();
        ui.allocate_ui_with_layout(
            vec2(self.cell_width, 90.0),
            egui::Layout::top_down(egui::Align::Center),
            |ui| {
                ui.set_width(self.cell_width);
                ui.add(
                    egui::Label::new(
                        egui::RichText::new(self.param.name())
                            .size(11.5)
                            .color(theme.text_dim),
                    )
                    .truncate(),
                );
                ui.add_space(8.0);
                let combo = egui::ComboBox::from_id_salt(ui.next_auto_id().with(self.param.name()))
                    .width(self.cell_width - 16.0)
                    .selected_text(self.param.display())
                    .show_ui(ui, |ui| {
                        for step in 0..=steps {
                            let normalized = step as f32 / steps as f32;
                            let selected = (normalized - current).abs() < 0.5 / steps as f32;
                            let text = self.param.display_normalized(normalized);
                            if ui.selectable_label(selected, text).clicked() && !selected {
                                self.param.set_once(normalized);
                            }
                        }
                    });
                combo
                    .response
                    .on_hover_ui(|ui| tooltip(ui, &self.param, self.description, false))
            },
        )
        .inner
    }
}
