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

    /// Draws the cards, wrapping them to the available width.
    pub fn show(self, ui: &mut egui::Ui) {
        let theme = Theme::get(ui.ctx());
        let groups = group_params(self.params, self.exclude);
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing = egui::vec2(10.0, 10.0);
            for group in &groups {
                theme.card().show(ui, |ui| {
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
                        for row in group.params.chunks(self.max_per_row) {
                            ui.horizontal(|ui| {
                                ui.spacing_mut().item_spacing.x = 2.0;
                                for (id, ptr) in row {
                                    // SAFETY: `self.params` outlives this frame.
                                    let param = unsafe { ParamHandle::from_ptr(*ptr, self.ctx) };
                                    let description = (self.describe)(id);
                                    ui.push_id(id, |ui| control(ui, param, description));
                                }
                            });
                        }
                    });
                });
            }
        });
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
