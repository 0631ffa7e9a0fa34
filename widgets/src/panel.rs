//! A generic parameter panel: lays out every parameter of any `Params` struct as knobs, toggles
//! and menus, grouped into cards by the parameters' `#[nested(group = "...")]` names. A plugin's
//! editor stays complete and usable however its parameter list changes.

use crate::controls::{Choice, Toggle};
use crate::knob::Knob;
use crate::param::{ParamHandle, ParamKind};
use crate::theme::Theme;
use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::{ParamFlags, ParamPtr, Params};

/// Looks up the producer-facing description of a parameter by its id (tooltips).
pub type Describe<'a> = &'a dyn Fn(&str) -> Option<&'static str>;

/// One group of parameters as listed by `param_map()`.
pub struct ParamGroup {
    /// Display name ("" for top-level parameters).
    pub name: String,
    /// `(id, pointer)` in declaration order.
    pub params: Vec<(String, ParamPtr)>,
}

/// Groups `params.param_map()` by group name, in order of first appearance, leaving out hidden
/// parameters and ids in `exclude`.
pub fn group_params(params: &dyn Params, exclude: &[&str]) -> Vec<ParamGroup> {
    let mut groups: Vec<ParamGroup> = Vec::new();
    for (id, ptr, group) in params.param_map() {
        // SAFETY: the pointer comes from `params`, which is alive for this call.
        let flags = unsafe { ptr.flags() };
        if flags.intersects(ParamFlags::HIDDEN | ParamFlags::HIDE_IN_GENERIC_UI)
            || exclude.contains(&id.as_str())
        {
            continue;
        }
        let name = group.replace('/', " · ");
        match groups.iter_mut().find(|g| g.name == name) {
            Some(g) => g.params.push((id, ptr)),
            None => groups.push(ParamGroup {
                name,
                params: vec![(id, ptr)],
            }),
        }
    }
    groups
}

/// The panel. Build it each frame; it holds only borrows.
pub struct ParamPanel<'a> {
    params: &'a dyn Params,
    ctx: &'a GuiContext,
    describe: Describe<'a>,
    exclude: &'a [&'a str],
    ungrouped_title: &'a str,
    max_per_row: usize,
}

impl<'a> ParamPanel<'a> {
    pub fn new(params: &'a dyn Params, ctx: &'a GuiContext) -> Self {
        Self {
            params,
            ctx,
            describe: &|_| None,
            exclude: &[],
            ungrouped_title: "Main",
            max_per_row: 6,
        }
    }

    pub fn describe(mut self, describe: Describe<'a>) -> Self {
        self.describe = describe;
        self
    }

    /// Parameter ids not to show (because a plugin-specific view already shows them).
    pub fn exclude(mut self, ids: &'a [&'a str]) -> Self {
        self.exclude = ids;
        self
    }

    /// Title of the card holding parameters that are not in a group.
    pub fn ungrouped_title(mut self, title: &'a str) -> Self {
        self.ungrouped_title = title;
        self
    }

    pub fn max_per_row(mut self, n: usize) -> Self {
        self.max_per_row = n.max(1);
        self
    }

    /// Draws the cards, wrapping them to the available width. Card sizes are computed up front
    /// (egui cannot wrap an item whose size it only learns by drawing it).
    pub fn show(self, ui: &mut egui::Ui) {
        let theme = Theme::get(ui.ctx());
        let groups = group_params(self.params, self.exclude);
        let gap = 10.0;
        let available = ui.available_width().max(CARD_MARGIN + 100.0);
        // Split each group's controls into lines that fit, then pack cards into rows.
        let cards: Vec<(usize, Vec<Line>, f32)> = groups
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let lines = self.lines(&g.params, available - CARD_MARGIN);
                let width = lines
                    .iter()
                    .map(|line| self.line_width(line))
                    .fold(0.0f32, f32::max)
                    + CARD_MARGIN;
                (i, lines, width)
            })
            .collect();
        let mut rows: Vec<Vec<usize>> = Vec::new();
        let mut x = f32::INFINITY;
        for (k, (_, _, width)) in cards.iter().enumerate() {
            if x + width > available {
                rows.push(Vec::new());
                x = 0.0;
            }
            rows.last_mut().expect("a row was pushed").push(k);
            x += width + gap;
        }
        for row in rows {
            ui.horizontal_top(|ui| {
                ui.spacing_mut().item_spacing = egui::vec2(gap, gap);
                for k in row {
                    let (group_index, lines, width) = &cards[k];
                    let group = &groups[*group_index];
                    theme.card().show(ui, |ui| {
                        ui.set_width(width - CARD_MARGIN);
                        ui.vertical(|ui| {
                            let title = if group.name.is_empty() {
                                self.ungrouped_title
                            } else {
                                &group.name
                            };
                            ui.label(
                                egui::RichText::new(title.to_uppercase())
                                    .size(11.0)
                                    .strong()
                                    .color(theme.accent),
                            );
                            for line in lines {
                                ui.horizontal(|ui| {
                                    ui.spacing_mut().item_spacing.x = CONTROL_GAP;
                                    for (id, ptr) in line {
                                        // SAFETY: `self.params` outlives this frame.
                                        let param =
                                            unsafe { ParamHandle::from_ptr(*ptr, self.ctx) };
                                        let description = (self.describe)(id);
                                        ui.push_id(id, |ui| control(ui, param, description));
                                    }
                                });
                            }
                        });
                    });
                }
            });
            ui.add_space(gap);
        }
    }

    fn line_width(&self, line: &[(String, ParamPtr)]) -> f32 {
        let sum: f32 = line
            .iter()
            .map(|(_, ptr)| control_width(unsafe { ParamHandle::from_ptr(*ptr, self.ctx) }))
            .sum();
        sum + CONTROL_GAP * line.len().saturating_sub(1) as f32
    }

    /// Greedy line breaking by width, at most `max_per_row` controls per line.
    fn lines(&self, params: &[(String, ParamPtr)], max_width: f32) -> Vec<Line> {
        let mut lines: Vec<Line> = Vec::new();
        let mut width = f32::INFINITY;
        for (id, ptr) in params {
            // SAFETY: `self.params` outlives this call.
            let w = control_width(unsafe { ParamHandle::from_ptr(*ptr, self.ctx) });
            let full = lines
                .last()
                .is_none_or(|line| line.len() >= self.max_per_row);
            if full || width + CONTROL_GAP + w > max_width {
                lines.push(Vec::new());
                width = -CONTROL_GAP;
            }
            width += CONTROL_GAP + w;
            lines
                .last_mut()
                .expect("a line was pushed")
                .push((id.clone(), *ptr));
        }
        lines
    }
}

/// One line of controls in a card: `(id, pointer)`.
type Line = Vec<(String, ParamPtr)>;

/// Inner margin plus stroke of a card, both sides.
const CARD_MARGIN: f32 = 22.0;
/// Horizontal gap between controls in a card.
const CONTROL_GAP: f32 = 2.0;

/// Width a parameter's control takes (see [`control`]).
pub fn control_width(param: ParamHandle) -> f32 {
    match param.kind() {
        ParamKind::Choice => 2.0 * Knob::cell_width(46.0),
        _ => Knob::cell_width(46.0),
    }
}

/// Shows the control that suits the parameter: knob, toggle or menu.
pub fn control(ui: &mut egui::Ui, param: ParamHandle, description: Option<&str>) {
    match param.kind() {
        ParamKind::Toggle => {
            Toggle::new(param).description(description).show(ui);
        }
        ParamKind::Choice => {
            Choice::new(param).description(description).show(ui);
        }
        ParamKind::Continuous => {
            Knob::new(param).description(description).show(ui);
        }
    }
}
