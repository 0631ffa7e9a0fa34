//! Preset menu with previous/next arrows. A preset is a complete parameter state: every parameter
//! it does not name is set to its default, so loading one never leaves settings from the last.
//! Each change is sent to the host as a begin/set/end gesture per parameter (undoable, recorded).

use crate::param::ParamHandle;
use crate::theme::Theme;
use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::Params;

/// A named set of parameter values (plain values, as shown to the user, by parameter id).
#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    pub name: String,
    pub values: Vec<(String, f32)>,
}

impl Preset {
    pub fn new(name: impl Into<String>, values: &[(&str, f32)]) -> Self {
        Self {
            name: name.into(),
            values: values
                .iter()
                .map(|(id, v)| ((*id).to_owned(), *v))
                .collect(),
        }
    }

    /// "Init": every parameter at its default.
    pub fn init() -> Self {
        Self::new("Init", &[])
    }

    /// Sends every parameter's value to the host.
    pub fn apply(&self, params: &dyn Params, ctx: &GuiContext) {
        for (id, ptr, _) in params.param_map() {
            // SAFETY: `params` is alive for this call.
            let param = unsafe { ParamHandle::from_ptr(ptr, ctx) };
            let normalized = match self.values.iter().find(|(pid, _)| *pid == id) {
                // SAFETY: as above.
                Some((_, plain)) => unsafe { ptr.preview_normalized(*plain) },
                None => param.default_normalized(),
            };
            if (param.unmodulated_normalized() - normalized).abs() > 1e-7 {
                param.set_once(normalized);
            }
        }
    }
}

/// The preset list and which one was loaded last (GUI-thread state).
#[derive(Debug, Clone)]
pub struct PresetBrowser {
    presets: Vec<Preset>,
    current: Option<usize>,
}

impl PresetBrowser {
    /// `presets` are shown after a leading "Init".
    pub fn new(presets: Vec<Preset>) -> Self {
        let mut all = vec![Preset::init()];
        all.extend(presets.into_iter().filter(|p| p.name != "Init"));
        Self {
            presets: all,
            current: None,
        }
    }

    pub fn presets(&self) -> &[Preset] {
        &self.presets
    }

    pub fn current(&self) -> Option<usize> {
        self.current
    }

    pub fn load(&mut self, index: usize, params: &dyn Params, ctx: &GuiContext) {
        if let Some(preset) = self.presets.get(index) {
            preset.apply(params, ctx);
            self.current = Some(index);
        }
    }

    /// Steps through the list, wrapping around (`step` = -1 or +1).
    pub fn step(&mut self, step: isize, params: &dyn Params, ctx: &GuiContext) {
        let n = self.presets.len() as isize;
        let next = match self.current {
            Some(i) => (i as isize + step).rem_euclid(n),
            None if step > 0 => 0,
            None => n - 1,
        };
        self.load(next as usize, params, ctx);
    }

    /// ◀ [name ▾] ▶
    pub fn show(&mut self, ui: &mut egui::Ui, params: &dyn Params, ctx: &GuiContext) {
        let theme = Theme::get(ui.ctx());
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 2.0;
            if ui.button("◀").on_hover_text("Previous preset").clicked() {
                self.step(-1, params, ctx);
            }
            let name = self
                .current
                .and_then(|i| self.presets.get(i))
                .map(|p| p.name.clone())
                .unwrap_or_else(|| "— preset —".to_owned());
            let mut picked = None;
            egui::ComboBox::from_id_salt("catalyst-preset-menu")
                .width(170.0)
                .selected_text(egui::RichText::new(name).color(theme.text))
                .show_ui(ui, |ui| {
                    for (i, preset) in self.presets.iter().enumerate() {
                        if ui
                            .selectable_label(self.current == Some(i), &preset.name)
                            .clicked()
                        {
                            picked = Some(i);
                        }
                    }
                });
            if let Some(i) = picked {
                self.load(i, params, ctx);
            }
            if ui.button("▶").on_hover_text("Next preset").clicked() {
                self.step(1, params, ctx);
            }
        });
    }
}
