//! Ache Piano editor: preset bar (factory and user presets, A/B compare, undo/redo), a keyboard showing held and ringing keys with each
//! key's tuning offset (all read lock-free from `PianoGuiData`), and every parameter through the
//! generic Catalyst panel.
//!
//! Every item is behind the `gui` feature; without it (the `catalyst` CLI build, which links no
//! GUI) the plugin reports `catalyst_editor_core::NoEditor`, which never opens (end of file).

#[cfg(feature = "gui")]
use crate::{AchePianoParams, KEYS, PRESETS, PianoGuiData};
#[cfg(feature = "gui")]
use catalyst_widgets::egui;
#[cfg(feature = "gui")]
use catalyst_widgets::{
    CatalystApp, CatalystEditor, EditorSpec, GuiContext, ParamPanel, PresetBrowser, Theme, header,
    keyboard_view,
};
#[cfg(feature = "gui")]
use std::sync::Arc;

/// The full 88-key range, A0 to C8.
#[cfg(feature = "gui")]
const LOWEST_KEY: u8 = 21;
#[cfg(feature = "gui")]
const HIGHEST_KEY: u8 = 108;

#[cfg(feature = "gui")]
pub type PianoEditor = CatalystEditor<PianoView>;

#[cfg(feature = "gui")]
pub fn create(params: Arc<AchePianoParams>, gui: Arc<PianoGuiData>) -> PianoEditor {
    let layout = params.editor_layout.clone();
    let spec = EditorSpec {
        title: "Catalyst Ache Piano",
        theme: Theme::PIANO,
        min_size: (760, 460),
    };
    // A/B slots and undo history outlive closing the window.
    let compare = catalyst_widgets::shared_compare();
    CatalystEditor::new(spec, layout, move || {
        let preset_params = params.clone();
        PianoView {
            params: params.clone(),
            gui: gui.clone(),
            tuning: vec![0.0; KEYS],
            presets: PresetBrowser::with_loader(
                PRESETS.iter().map(|p| p.name.to_owned()).collect(),
                Box::new(move |index, ctx: &GuiContext| {
                    if let Some(preset) = PRESETS.get(index) {
                        preset_params.apply_preset(&ctx.param_setter(), preset);
                    }
                }),
            )
            .with_user_presets(catalyst_widgets::catalyst_presets::ACHE_PIANO, None)
            .with_shared_compare(params.clone(), compare.clone()),
        }
    })
}

#[cfg(feature = "gui")]
pub struct PianoView {
    params: Arc<AchePianoParams>,
    gui: Arc<PianoGuiData>,
    tuning: Vec<f32>,
    presets: PresetBrowser,
}

/// Producer-facing descriptions for tooltips, by parameter id.
#[cfg(feature = "gui")]
fn describe(id: &str) -> Option<&'static str> {
    Some(match id {
        "volume" => "Output level of the piano.",
        "a4" => "Tuning reference: the frequency of A4 (440 Hz standard, 432-444 Hz common).",
        _ => return None,
    })
}

#[cfg(feature = "gui")]
impl CatalystApp for PianoView {
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &GuiContext) {
        let theme = Theme::get(ui.ctx());
        ui.ctx().request_repaint();
        // The host's context, recording the controls' changes for undo (A/B and undo bar).
        let ctx = &self.presets.edit_context(ctx);

        let params = self.params.clone();
        let presets = &mut self.presets;
        header(ui, "Ache Piano", "detuned, worn and close", |ui| {
            presets.show(ui, params.as_ref(), ctx)
        });

        // Lock-free reads: key bits and the per-key tuning snapshot.
        let _ = self.gui.tuning_cents.read(&mut self.tuning);
        let gui = self.gui.clone();
        let key_level = move |key: u8| {
            if gui.is_down(key) {
                1.0
            } else if gui.is_sounding(key) {
                0.35
            } else {
                0.0
            }
        };
        let width = ui.available_width();
        theme.card().show(ui, |ui| {
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    ui.label(
                        egui::RichText::new("KEYS · TUNING")
                            .size(11.0)
                            .strong()
                            .color(theme.accent),
                    );
                    let sustain = self.gui.sustain.load(std::sync::atomic::Ordering::Relaxed);
                    ui.label(
                        egui::RichText::new(format!(
                            "{} voices · sustain {}",
                            self.gui.active_voices.load() as u32,
                            if sustain { "down" } else { "up" }
                        ))
                        .size(11.0)
                        .color(theme.text_dim),
                    );
                });
                keyboard_view(
                    ui,
                    egui::vec2(width - 22.0, 110.0),
                    LOWEST_KEY,
                    HIGHEST_KEY,
                    &key_level,
                    Some(&self.tuning),
                )
                .on_hover_text(
                    "Held keys (bright) and keys still ringing (dim). Above: each key's tuning \
                     offset from equal temperament (stretch, detune spread).",
                );
            });
        });
        ui.add_space(10.0);
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ParamPanel::new(self.params.as_ref(), ctx)
                    .describe(&describe)
                    .ungrouped_title("Piano")
                    .show(ui);
            });
    }
}

/// Without the `gui` feature: no window (see the module doc).
#[cfg(not(feature = "gui"))]
pub use catalyst_editor_core::NoEditor as PianoEditor;

#[cfg(not(feature = "gui"))]
pub fn create(
    _params: std::sync::Arc<crate::AchePianoParams>,
    _gui: std::sync::Arc<crate::PianoGuiData>,
) -> PianoEditor {
    PianoEditor
}
