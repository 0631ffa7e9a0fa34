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

/// Loads preset `index` through the GUI context (for plugins with their own preset format).
pub type PresetLoader = Box<dyn Fn(usize, &GuiContext) + Send>;

/// The preset list and which one was loaded last (GUI-thread state).
pub struct PresetBrowser {
    presets: Vec<Preset>,
    current: Option<usize>,
    loader: Option<PresetLoader>,
}

impl PresetBrowser {
    /// `presets` are shown after a leading "Init".
    pub fn new(presets: Vec<Preset>) -> Self {
        let mut all = vec![Preset::init()];
        all.extend(presets.into_iter().filter(|p| p.name != "Init"));
        Self {
            presets: all,
            current: None,
            loader: None,
        }
    }

    /// A browser over a plugin's own presets: `names` are listed, `loader(index, ctx)` applies
    /// one (it must change parameters through `ctx`, e.g. with `ctx.param_setter()`).
    pub fn with_loader(names: Vec<String>, loader: PresetLoader) -> Self {
        Self {
            presets: names.into_iter().map(|n| Preset::new(n, &[])).collect(),
            current: None,
            loader: Some(loader),
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
            match &self.loader {
                Some(loader) => loader(index, ctx),
                None => preset.apply(params, ctx),
            }
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

    /// ◀ [name ▾] ▶ (in this order also inside a right-to-left layout such as a header's right
    /// side).
    pub fn show(&mut self, ui: &mut egui::Ui, params: &dyn Params, ctx: &GuiContext) {
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 3.0;
            if ui.layout().prefer_right_to_left() {
                self.next_button(ui, params, ctx);
                self.menu(ui, params, ctx);
                self.previous_button(ui, params, ctx);
            } else {
                self.previous_button(ui, params, ctx);
                self.menu(ui, params, ctx);
                self.next_button(ui, params, ctx);
            }
        });
    }

    fn previous_button(&mut self, ui: &mut egui::Ui, params: &dyn Params, ctx: &GuiContext) {
        if arrow_button(ui, true)
            .on_hover_text("Previous preset")
            .clicked()
        {
            self.step(-1, params, ctx);
        }
    }

    fn next_button(&mut self, ui: &mut egui::Ui, params: &dyn Params, ctx: &GuiContext) {
        if arrow_button(ui, false)
            .on_hover_text("Next preset")
            .clicked()
        {
            self.step(1, params, ctx);
        }
    }

    fn menu(&mut self, ui: &mut egui::Ui, params: &dyn Params, ctx: &GuiContext) {
        let theme = Theme::get(ui.ctx());
        let name = self
            .current
            .and_then(|i| self.presets.get(i))
            .map(|p| p.name.clone())
            .unwrap_or_else(|| "Presets".to_owned());
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
            })
            .response
            .on_hover_text("Factory presets (the arrows step through them)");
        if let Some(i) = picked {
            self.load(i, params, ctx);
        }
    }
}

/// A small button with a painted triangle (no font glyph needed).
fn arrow_button(ui: &mut egui::Ui, left: bool) -> egui::Response {
    let theme = Theme::get(ui.ctx());
    let (rect, response) = ui.allocate_exact_size(egui::vec2(22.0, 22.0), egui::Sense::click());
    if ui.is_rect_visible(rect) {
        let fill = if response.hovered() {
            theme.line
        } else {
            theme.control
        };
        ui.painter()
            .rect_filled(rect, egui::CornerRadius::same(4), fill);
        let c = rect.center();
        let (dx, dy) = (4.0, 5.0);
        let points = if left {
            vec![
                egui::pos2(c.x - dx, c.y),
                egui::pos2(c.x + dx, c.y - dy),
                egui::pos2(c.x + dx, c.y + dy),
            ]
        } else {
            vec![
                egui::pos2(c.x + dx, c.y),
                egui::pos2(c.x - dx, c.y - dy),
                egui::pos2(c.x - dx, c.y + dy),
            ]
        };
        let colour = if response.hovered() {
            theme.accent
        } else {
            theme.text
        };
        ui.painter().add(egui::Shape::convex_polygon(
            points,
            colour,
            egui::Stroke::NONE,
        ));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::param::ParamHandle;
    use nice_plug::context::gui::GuiContextInner;
    use nice_plug::prelude::*;
    use std::sync::{Arc, Mutex};

    #[derive(Params)]
    struct TestParams {
        #[id = "gain"]
        gain: FloatParam,
        #[id = "on"]
        on: BoolParam,
    }

    impl Default for TestParams {
        fn default() -> Self {
            Self {
                gain: FloatParam::new(
                    "Gain",
                    0.0,
                    FloatRange::Linear {
                        min: -12.0,
                        max: 12.0,
                    },
                ),
                on: BoolParam::new("On", true),
            }
        }
    }

    /// Records the gestures a host would see and applies the values.
    #[derive(Default)]
    struct RecordingHost {
        log: Mutex<Vec<String>>,
    }

    impl GuiContextInner for RecordingHost {
        fn plugin_api(&self) -> PluginApi {
            PluginApi::Clap
        }
        unsafe fn raw_begin_set_parameter(&self, param: ParamPtr) {
            self.log
                .lock()
                .unwrap()
                .push(format!("begin {}", unsafe { param.name() }));
        }
        unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
            unsafe { param._internal_set_normalized_value(normalized) };
            self.log
                .lock()
                .unwrap()
                .push(format!("set {} {normalized:.3}", unsafe { param.name() }));
        }
        unsafe fn raw_end_set_parameter(&self, param: ParamPtr) {
            self.log
                .lock()
                .unwrap()
                .push(format!("end {}", unsafe { param.name() }));
        }
        fn get_state(&self) -> PluginState {
            unimplemented!("not used by these tests")
        }
        fn set_state(&self, _state: PluginState) {}
        fn request_restart(&self) {}
    }

    fn setup() -> (Arc<TestParams>, Arc<RecordingHost>, GuiContext) {
        let host = Arc::new(RecordingHost::default());
        let ctx = GuiContext::new(host.clone());
        (Arc::new(TestParams::default()), host, ctx)
    }

    #[test]
    fn typed_values_and_resets_are_complete_gestures() {
        let (params, host, ctx) = setup();
        let gain = ParamHandle::new(&params.gain, &ctx);
        gain.set_once(gain.parse("6").expect("parses a plain number"));
        assert_eq!(params.gain.value(), 6.0);
        gain.reset();
        assert_eq!(params.gain.value(), 0.0);
        let log = host.log.lock().unwrap().clone();
        assert_eq!(
            log,
            [
                "begin Gain",
                "set Gain 0.750",
                "end Gain",
                "begin Gain",
                "set Gain 0.500",
                "end Gain"
            ]
        );
    }

    #[test]
    fn presets_set_named_values_and_default_the_rest_then_wrap() {
        let (params, host, ctx) = setup();
        let mut browser =
            PresetBrowser::new(vec![Preset::new("Quiet", &[("gain", -12.0), ("on", 0.0)])]);
        assert_eq!(browser.presets()[0].name, "Init");
        browser.step(-1, params.as_ref(), &ctx); // from nothing, back = the last preset
        assert_eq!(browser.current(), Some(1));
        assert_eq!((params.gain.value(), params.on.value()), (-12.0, false));
        browser.step(1, params.as_ref(), &ctx); // wraps to Init: every default again
        assert_eq!(browser.current(), Some(0));
        assert_eq!((params.gain.value(), params.on.value()), (0.0, true));
        // Every change was bracketed by begin/end for the host's automation and undo.
        let log = host.log.lock().unwrap().clone();
        assert_eq!(log.iter().filter(|l| l.starts_with("begin")).count(), 4);
        assert_eq!(log.iter().filter(|l| l.starts_with("end")).count(), 4);
    }
}
