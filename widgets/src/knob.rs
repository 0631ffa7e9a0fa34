//! Rotary knob bound to a host parameter, with the value printed under it.
//!
//! Interaction, as producers expect from commercial plugins:
//! - drag up/right to raise, down/left to lower (200 px for the full range);
//! - hold Shift while dragging for fine control (10× finer);
//! - double-click, or Ctrl/Cmd-click, to reset to the default;
//! - mouse wheel steps the value (Shift: finer);
//! - click the value text to type an exact value (Enter applies, Escape cancels);
//! - hover for the parameter's description and these hints.
//!
//! Each drag is one begin/end gesture so the host records automation and undo.

use crate::param::ParamHandle;
use crate::theme::Theme;
use egui::{Align2, FontId, Key, Pos2, Response, Sense, Shape, Stroke, TextEdit, Ui, Vec2, vec2};
use std::f32::consts::PI;

/// Normalized change per dragged point.
const DRAG_PER_POINT: f32 = 1.0 / 200.0;
/// Shift-drag is this much finer.
const FINE_FACTOR: f32 = 0.1;
/// The knob's travel: 270°, starting at 7:30 o'clock.
const ARC_START: f32 = 0.75 * PI;
const ARC_SWEEP: f32 = 1.5 * PI;

pub struct Knob<'a> {
    param: ParamHandle<'a>,
    description: Option<&'a str>,
    diameter: f32,
    label: Option<&'a str>,
}

impl<'a> Knob<'a> {
    pub fn new(param: ParamHandle<'a>) -> Self {
        Self {
            param,
            description: None,
            diameter: 46.0,
            label: None,
        }
    }

    /// Text shown in the tooltip: what the parameter does, in a producer's words.
    pub fn description(mut self, description: Option<&'a str>) -> Self {
        self.description = description;
        self
    }

    pub fn diameter(mut self, diameter: f32) -> Self {
        self.diameter = diameter;
        self
    }

    /// Overrides the label (defaults to the parameter's name).
    pub fn label(mut self, label: &'a str) -> Self {
        self.label = Some(label);
        self
    }

    /// Width of one knob cell (knob, label and value); used by layouts to place knobs in a grid.
    pub fn cell_width(diameter: f32) -> f32 {
        (diameter + 34.0).max(78.0)
    }

    pub fn show(self, ui: &mut Ui) -> Response {
        let theme = Theme::get(ui.ctx());
        let width = Self::cell_width(self.diameter);
        let id = ui.next_auto_id().with(self.param.name());
        let outer = ui
            .allocate_ui_with_layout(
                vec2(width, self.diameter + 44.0),
                egui::Layout::top_down(egui::Align::Center),
                |ui| {
                    ui.set_width(width);
                    let name = self.label.unwrap_or_else(|| self.param.name());
                    ui.add(
                        egui::Label::new(
                            egui::RichText::new(name).size(11.5).color(theme.text_dim),
                        )
                        .truncate(),
                    );
                    let (rect, mut response) =
                        ui.allocate_exact_size(Vec2::splat(self.diameter), Sense::click_and_drag());
                    self.interact(ui, &mut response, id);
                    if ui.is_rect_visible(rect) {
                        self.paint(ui, rect, &response, &theme);
                    }
                    self.value_text(ui, id.with("entry"), &theme);
                    response
                },
            )
            .inner;
        outer.on_hover_ui(|ui| tooltip(ui, &self.param, self.description, true))
    }

    fn interact(&self, ui: &Ui, response: &mut Response, id: egui::Id) {
        let p = &self.param;
        let reset_click =
            response.double_clicked() || (response.clicked() && ui.input(|i| i.modifiers.command));
        if reset_click {
            p.reset();
            response.mark_changed();
            return;
        }
        if response.drag_started() {
            p.begin();
            ui.data_mut(|d| d.insert_temp(id, p.unmodulated_normalized()));
        }
        if response.dragged() {
            let delta = response.drag_delta();
            let fine = ui.input(|i| i.modifiers.shift);
            let scale = DRAG_PER_POINT * if fine { FINE_FACTOR } else { 1.0 };
            // Accumulate unsnapped so stepped parameters still move when dragged slowly.
            let start: f32 = ui
                .data(|d| d.get_temp(id))
                .unwrap_or(p.unmodulated_normalized());
            let next = (start + (delta.x - delta.y) * scale).clamp(0.0, 1.0);
            ui.data_mut(|d| d.insert_temp(id, next));
            p.set_normalized(next);
            response.mark_changed();
        }
        if response.drag_stopped() {
            p.end();
        }
        if response.hovered() && !response.dragged() {
            let (scroll, fine) = ui.input(|i| (i.smooth_scroll_delta.y, i.modifiers.shift));
            if scroll != 0.0 {
                let step = match p.step_count() {
                    Some(n) if n > 0 && n <= 100 => scroll.signum() / n as f32,
                    _ => scroll * 0.002 * if fine { FINE_FACTOR } else { 1.0 },
                };
                p.set_once(p.unmodulated_normalized() + step);
                response.mark_changed();
            }
        }
    }

    fn paint(&self, ui: &Ui, rect: egui::Rect, response: &Response, theme: &Theme) {
        let painter = ui.painter();
        let center = rect.center();
        let radius = rect.width() * 0.5;
        let ring_radius = radius - 3.0;
        let value = self.param.normalized();

        // Track, then the value arc. Bipolar parameters (ranges through zero, like pan or
        // pitch) draw the arc from zero so "centred" reads as "no arc".
        painter.add(arc(
            center,
            ring_radius,
            0.0,
            1.0,
            Stroke::new(4.0, theme.control),
        ));
        let from = self.param.bipolar_center().unwrap_or(0.0);
        let accent = if response.hovered() || response.dragged() {
            theme.accent
        } else {
            theme.accent.gamma_multiply(0.9)
        };
        painter.add(arc(
            center,
            ring_radius,
            from.min(value),
            from.max(value),
            Stroke::new(4.0, accent),
        ));

        // Body with a subtle rim, and the pointer.
        let body_radius = ring_radius - 6.0;
        painter.circle(
            center,
            body_radius,
            theme.control,
            Stroke::new(1.0, theme.line),
        );
        let angle = ARC_START + value * ARC_SWEEP;
        let dir = vec2(angle.cos(), angle.sin());
        painter.line_segment(
            [
                center + dir * body_radius * 0.35,
                center + dir * (body_radius - 2.0),
            ],
            Stroke::new(2.5, theme.text),
        );
        if response.has_focus() || response.dragged() {
            painter.circle_stroke(center, radius, Stroke::new(1.0, theme.accent_dim()));
        }
    }

    fn value_text(&self, ui: &mut Ui, entry_id: egui::Id, theme: &Theme) {
        value_entry(ui, &self.param, entry_id, theme);
    }
}

/// The value of a parameter as clickable text that turns into a text field for typing an exact
/// value. Shared by knobs and sliders.
pub fn value_entry(ui: &mut Ui, param: &ParamHandle, entry_id: egui::Id, theme: &Theme) {
    let editing = ui.memory(|m| m.has_focus(entry_id));
    let buffer_id = entry_id.with("text");
    if editing {
        let mut text: String = ui.data(|d| d.get_temp(buffer_id)).unwrap_or_default();
        let edit = ui.add(
            TextEdit::singleline(&mut text)
                .id(entry_id)
                .desired_width(ui.available_width().min(80.0))
                .align(egui::Align2::CENTER_CENTER)
                .font(FontId::monospace(11.5)),
        );
        ui.data_mut(|d| d.insert_temp(buffer_id, text.clone()));
        let (enter, escape) = ui.input(|i| (i.key_pressed(Key::Enter), i.key_pressed(Key::Escape)));
        if enter {
            if let Some(normalized) = param.parse(&text) {
                param.set_once(normalized);
            }
            ui.memory_mut(|m| m.surrender_focus(entry_id));
        } else if escape || edit.lost_focus() {
            ui.memory_mut(|m| m.surrender_focus(entry_id));
        }
    } else {
        let label = ui
            .add(
                egui::Label::new(
                    egui::RichText::new(param.display())
                        .font(FontId::monospace(11.5))
                        .color(theme.text),
                )
                .sense(Sense::click())
                .truncate(),
            )
            .on_hover_cursor(egui::CursorIcon::Text);
        if label.clicked() {
            ui.data_mut(|d| d.insert_temp(buffer_id, param.display()));
            ui.memory_mut(|m| m.request_focus(entry_id));
        }
    }
}

/// Tooltip body: name, description, range and the interaction hints.
pub fn tooltip(ui: &mut Ui, param: &ParamHandle, description: Option<&str>, is_knob: bool) {
    let theme = Theme::get(ui.ctx());
    ui.set_max_width(260.0);
    ui.label(egui::RichText::new(param.name()).strong().color(theme.text));
    if let Some(description) = description {
        ui.label(description);
    }
    ui.label(
        egui::RichText::new(format!(
            "{}  (default {})",
            param.display(),
            param.display_normalized(param.default_normalized())
        ))
        .small()
        .color(theme.text_dim),
    );
    if is_knob {
        ui.label(
            egui::RichText::new(
                "Drag to change · Shift-drag: fine · Double-click: reset · Click the value to type",
            )
            .small()
            .color(theme.text_dim),
        );
    }
}

/// A polyline approximating the knob arc between two normalized positions.
fn arc(center: Pos2, radius: f32, from: f32, to: f32, stroke: Stroke) -> Shape {
    let segments = (((to - from) * 48.0).ceil() as usize).max(1);
    let points = (0..=segments)
        .map(|i| {
            let t = from + (to - from) * i as f32 / segments as f32;
            let angle = ARC_START + t * ARC_SWEEP;
            center + vec2(angle.cos(), angle.sin()) * radius
        })
        .collect();
    Shape::line(points, stroke)
}

/// Text helper used by views: draws `text` anchored at `pos`.
pub fn small_text(ui: &Ui, pos: Pos2, anchor: Align2, text: &str, color: egui::Color32) {
    ui.painter()
        .text(pos, anchor, text, FontId::proportional(10.5), color);
}
