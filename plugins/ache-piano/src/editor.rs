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

/// Scientific pitch name of a MIDI key (60 = C4).
#[cfg(feature = "gui")]
fn key_name(key: u8) -> String {
    const NAMES: [&str; 12] = [
        "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
    ];
    format!("{}{}", NAMES[key as usize % 12], key as i32 / 12 - 1)
}

/// "1 string A0-E1 · 2 strings F1-A#2 · 3 strings B2-C8", from the engine's own string counts.
#[cfg(feature = "gui")]
fn unison_map() -> String {
    use shared_dsp::piano::tuning::strings_for_key;
    let mut parts = Vec::new();
    let mut start = LOWEST_KEY;
    for key in LOWEST_KEY..=HIGHEST_KEY {
        let n = strings_for_key(key);
        if key == HIGHEST_KEY || strings_for_key(key + 1) != n {
            let noun = if n == 1 { "string" } else { "strings" };
            parts.push(format!("{n} {noun} {}–{}", key_name(start), key_name(key)));
            start = key + 1;
        }
    }
    parts.join(" · ")
}

/// Producer-facing descriptions for tooltips, by parameter id.
#[cfg(feature = "gui")]
fn describe(id: &str) -> Option<&'static str> {
    Some(match id {
        "volume" => "Output level of the piano.",
        "a4" => "Tuning reference: the frequency of A4 (440 Hz standard, 432-444 Hz common).",
        "str2_detune" | "str3_detune" => {
            "Detune of this string of each 2- and 3-string unison from the first string, on top \
             of Detune: the beat rate is the pitch difference in Hz."
        }
        "str2_level" | "str3_level" => {
            "How hard the hammer hits this string of each unison, relative to the first: worn \
             hammers strike unevenly. Applies from the next note."
        }
        "silent_vel" => {
            "Notes softer than this lift their dampers without a hammer strike: hold them and \
             they ring sympathetically with what you play, even with the pedal up."
        }
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
                    let pedal = self.gui.pedal.load().clamp(0.0, 1.0);
                    ui.label(
                        egui::RichText::new(format!(
                            "{} voices · sustain {:.0} %",
                            self.gui.active_voices.load() as u32,
                            pedal * 100.0
                        ))
                        .size(11.0)
                        .color(theme.text_dim),
                    );
                    ui.label(
                        egui::RichText::new(unison_map())
                            .size(11.0)
                            .color(theme.text_dim),
                    )
                    .on_hover_text(
                        "Where notes change from 1 to 2 to 3 strings. String 2 and 3 Detune \
                         and Level shape the 2- and 3-string unisons; single strings never beat.",
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

#[cfg(all(test, feature = "gui"))]
mod tests {
    use super::*;

    #[test]
    fn the_unison_map_names_where_the_string_count_changes() {
        assert_eq!(key_name(60), "C4");
        assert_eq!(key_name(21), "A0");
        assert_eq!(
            unison_map(),
            "1 string A0–E1 · 2 strings F1–A#2 · 3 strings B2–C8"
        );
    }
}
