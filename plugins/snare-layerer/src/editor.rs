//! Snare Layerer editor: the detector's view of the input (envelope, threshold in force, each
//! detected hit marked at its velocity), the preset bar (factory and user presets, A/B compare,
//! undo/redo; a slot and a user preset keep the Sample layer's file), the Sample layer's file and
//! status, and every parameter through the generic Catalyst panel.
//!
//! Everything drawn comes from [`SnareGuiData`], which the audio thread fills with atomics only
//! (no locks, no allocation); the editor copies the newest snapshot every frame, so a hit shows
//! on the next frame.
//!
//! Every item is behind the `gui` feature; without it (the `catalyst` CLI build, which links no
//! GUI) the plugin reports `catalyst_editor_core::NoEditor`, which never opens (end of file).

#[cfg(feature = "gui")]
use crate::{GUI_HIT_STRIDE, GUI_HITS, SnareGuiData, SnareLayerer, SnareLayererParams, SnareTask};
#[cfg(feature = "gui")]
use catalyst_widgets::egui;
#[cfg(feature = "gui")]
use catalyst_widgets::{
    CatalystApp, CatalystEditor, EditorSpec, GuiContext, Marker, ParamPanel, PresetBrowser,
    PresetState, RefLine, StateMap, Theme, envelope_view, header,
};
#[cfg(feature = "gui")]
use nice_plug::prelude::AsyncExecutor;
#[cfg(feature = "gui")]
use shared_dsp::snare::factory_presets;
#[cfg(feature = "gui")]
use shared_dsp::snare::scope::SCOPE_POINTS;
#[cfg(feature = "gui")]
use std::sync::Arc;

#[cfg(feature = "gui")]
pub type SnareEditor = CatalystEditor<SnareView>;

#[cfg(feature = "gui")]
pub fn create(
    params: Arc<SnareLayererParams>,
    gui: Arc<SnareGuiData>,
    executor: AsyncExecutor<SnareLayerer>,
) -> SnareEditor {
    let layout = params.editor_layout.clone();
    let spec = EditorSpec {
        title: "Catalyst Snare Layerer",
        theme: Theme::SNARE,
        min_size: (760, 480),
    };
    // A/B slots and undo history outlive closing the window.
    let compare = catalyst_widgets::shared_compare();
    CatalystEditor::new(spec, layout, move || {
        let preset_params = params.clone();
        let presets = PresetBrowser::with_loader(
            factory_presets()
                .iter()
                .map(|p| p.name.to_owned())
                .collect(),
            Box::new(move |index, ctx: &GuiContext| {
                if let Some(preset) = factory_presets().get(index) {
                    preset_params.apply_preset(&ctx.param_setter(), preset);
                }
            }),
        )
        .with_user_presets(
            catalyst_widgets::catalyst_presets::SNARE_LAYERER,
            Some(sample_state(params.clone(), executor.clone())),
        )
        .with_shared_compare(params.clone(), compare.clone());
        // The field edits one path; a saved list shows its last entry (the status counts all).
        let path = params
            .sample_path
            .read()
            .map(|p| p.lines().last().unwrap_or_default().trim().to_owned())
            .unwrap_or_default();
        SnareView {
            params: params.clone(),
            gui: gui.clone(),
            executor: executor.clone(),
            presets,
            scope_db: vec![-100.0; SCOPE_POINTS],
            hits: vec![-1.0; GUI_HITS * GUI_HIT_STRIDE],
            path_entry: path,
        }
    })
}

#[cfg(feature = "gui")]
/// A user preset keeps the Sample layer's file: read on save, loaded (in the background, as
/// from the sample field) on load; a preset without one clears the layer's file.
fn sample_state(
    params: Arc<SnareLayererParams>,
    executor: AsyncExecutor<SnareLayerer>,
) -> PresetState {
    use catalyst_widgets::catalyst_presets::STATE_SAMPLE_PATH;
    let save_params = params.clone();
    PresetState {
        save: Box::new(move || {
            let path = save_params
                .sample_path
                .read()
                .map(|p| p.clone())
                .unwrap_or_default();
            let mut state = StateMap::new();
            if !path.is_empty() {
                state.insert(STATE_SAMPLE_PATH.to_owned(), path);
            }
            state
        }),
        load: Box::new(move |state, _ctx| {
            let path = state.get(STATE_SAMPLE_PATH).cloned().unwrap_or_default();
            if let Ok(mut saved) = params.sample_path.write() {
                saved.clone_from(&path);
            }
            executor.execute_background(SnareTask::LoadSample(path));
        }),
    }
}

#[cfg(feature = "gui")]
pub struct SnareView {
    params: Arc<SnareLayererParams>,
    gui: Arc<SnareGuiData>,
    executor: AsyncExecutor<SnareLayerer>,
    presets: PresetBrowser,
    scope_db: Vec<f32>,
    hits: Vec<f32>,
    path_entry: String,
}

/// Producer-facing descriptions for tooltips, by parameter id.
#[cfg(feature = "gui")]
fn describe(id: &str) -> Option<&'static str> {
    if id.ends_with("_invert") {
        return Some(
            "Flip this layer's polarity: try it when adding the layer makes the hit thinner instead of fuller.",
        );
    }
    Some(match id {
        "dry" => "Level of your original drum in the output.",
        "layer" => "Level of all character layers together.",
        "out" => "Final output level after dry and layers are mixed.",
        "solo" => "Hear only the layers (to shape them), without the original drum.",
        "human" => {
            "Small random changes of pitch, decay and level on every hit: imperfect on purpose."
        }
        "drygate" => {
            "Gate the dry drum: open on each hit, closed between them, so the bleed between strokes leaves the dry snare. With Reject Bleed the kick and hats do not open it."
        }
        "gatehold" => "How long the dry gate stays open after each hit.",
        "gaterel" => "How long the dry gate takes to close after the hold (a fade, never a step).",
        "gatefloor" => "How far the closed dry gate turns the drum down (-80 dB: practically off).",
        "thresh" => {
            "Hits quieter than this (in the detector band) do not trigger. The dashed line in the view."
        }
        "sens" => {
            "How far below the loudest recent hits a hit may be, and how little it must rise over the ringing: higher catches ghost notes and fast-roll strokes (try 70 % for rolls), lower rejects them."
        }
        "bandlo" => "Low edge of the detector band: raise it to ignore kick bleed.",
        "bandhi" => "High edge of the detector band: lower it to ignore hi-hat bleed.",
        "hold" => {
            "After a hit, no new hit for this long unless it rises well above the first (a flam's main stroke still triggers): rejects double triggers."
        }
        "dyn" => {
            "How much each hit's strength changes the layers: 0 = every hit the same, 100 = follows your playing fully."
        }
        "rejbleed" => {
            "On by default: learn what this snare sounds like from its strokes and ignore hits that do not (kick and hat bleed), at any level. For snares only: turn it off on toms, kicks and percussion."
        }
        "ghostlane" => {
            "Also layer ghost notes (soft strokes 20-30 dB under the accents) at the Ghost Level. Needs Reject Bleed: ghosts are told from bleed by the learned snare's sound. Finds about half the ghosts on a well-separated snare mic, fewer under loud hat bleed; never changes the main hits."
        }
        "ghostlvl" => {
            "Level of the layers on a ghost note, relative to a main hit of the same strength: lower keeps the layer off the ghosts' texture, 0 dB treats them alike."
        }
        "ghostnote" => {
            "The MIDI note a ghost note sends (38 = the same snare note as the main hits)."
        }
        "timing" => {
            "Lookahead: reports latency and starts layers exactly on the hit. Zero latency: starts about 1 ms late."
        }
        "source" => {
            "Trigger from the main input or from the sidechain (e.g. a snare-bottom mic); or from the main input with a kick or hat mic on the sidechain rejecting its drum's bleed."
        }
        "listen" => "Hear the detector's band-passed signal, to set the band by ear.",
        "role" => {
            "Layer: layer this track's drum. Listen only: layer nothing and pass the track through, sharing its hits so a Snare Layerer on the snare track can ignore this drum's bleed (put one on the kick and one on the hi-hat track)."
        }
        "xveto" => {
            "Ignore a hit that coincides (within 3 ms) with a clearly stronger hit found by another Snare Layerer in this session (e.g. a Listen only instance on the kick track): that hit is the other drum's bleed. Needs the transport running; does nothing when no other instance runs."
        }
        "midiout" => "Also send a MIDI note on every hit, to trigger a drum sampler.",
        "midinote" => "The MIDI note sent on every hit (38 = acoustic snare).",
        "midiconf" => {
            "With Reject Bleed on: send MIDI only for hits at least this sure to be the snare (the fainter markers in the view are less sure)."
        }
        _ => return None,
    })
}

#[cfg(feature = "gui")]
impl SnareView {
    fn detector_view(&mut self, ui: &mut egui::Ui, theme: &Theme) {
        // Lock-free reads (sequence-locked snapshots); a failed read keeps the last frame.
        let _ = self.gui.scope_db.read(&mut self.scope_db);
        let _ = self.gui.hits.read(&mut self.hits);
        let now_s = self.gui.now_s.load();
        let span_s = SCOPE_POINTS as f32 * self.gui.scope_hop_ms * 1e-3;
        let markers: Vec<Marker> = self
            .hits
            .chunks_exact(GUI_HIT_STRIDE)
            .filter(|h| h[0] >= 0.0)
            .map(|h| Marker {
                x: 1.0 - (now_s - h[0]) / span_s,
                height: h[1],
                confidence: h[3],
            })
            .filter(|m| (0.0..=1.0).contains(&m.x))
            .collect();
        let threshold_db = self.gui.effective_threshold_db.load();
        let latency_ms = self.gui.latency_samples.load()
            / self
                .gui
                .sample_rate
                .load(std::sync::atomic::Ordering::Relaxed)
                .max(1.0)
            * 1e3;
        let width = ui.available_width();
        let height = (ui.available_height() * 0.36).clamp(110.0, 320.0);
        theme.card().show(ui, |ui| {
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    ui.label(
                        egui::RichText::new("DETECTOR · HITS")
                            .size(11.0)
                            .strong()
                            .color(theme.accent),
                    );
                    let summary = match markers.len() {
                        0 => "no hits in view".to_owned(),
                        1 => "1 hit in view".to_owned(),
                        n => format!("{n} hits in view"),
                    };
                    ui.label(
                        egui::RichText::new(format!(
                            "{summary} · {} total · latency {latency_ms:.1} ms",
                            self.gui
                                .hit_count
                                .load(std::sync::atomic::Ordering::Relaxed)
                        ))
                        .size(11.0)
                        .color(theme.text_dim),
                    );
                    if self
                        .gui
                        .timing_pending
                        .load(std::sync::atomic::Ordering::Relaxed)
                    {
                        ui.label(
                            egui::RichText::new(
                                "new Timing or Reject Bleed applies when the host restarts audio",
                            )
                            .size(11.0)
                            .color(theme.accent),
                        );
                    }
                    if self.params.reject_bleed.value() {
                        let learned = self.params.fingerprint.current().strokes;
                        let status = if learned == 0 {
                            "Reject Bleed: learning the snare".to_owned()
                        } else {
                            format!("Reject Bleed: snare learned from {learned} strokes")
                        };
                        ui.label(egui::RichText::new(status).size(11.0).color(theme.text_dim));
                        if ui
                            .small_button("Learn again")
                            .on_hover_text(
                                "Forget the learned snare and learn it from the next 8 strokes.",
                            )
                            .clicked()
                        {
                            self.params.fingerprint.request_relearn();
                        }
                    }
                });
                let label = format!("threshold {threshold_db:.1} dB");
                envelope_view(
                    ui,
                    egui::vec2(width - 22.0, height),
                    &self.scope_db,
                    (-72.0, 0.0),
                    &[-12.0, -24.0, -36.0, -48.0, -60.0],
                    &markers,
                    &[RefLine {
                        value: threshold_db,
                        label: &label,
                    }],
                )
                .on_hover_text(
                    "Detector level (band-passed input), newest at the right. \
                     Markers: detected hits, height = velocity. Dashed: the threshold in force.",
                );
            });
        });
    }

    fn sample_row(&mut self, ui: &mut egui::Ui, theme: &Theme) {
        theme.card().show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(
                    egui::RichText::new("SAMPLE FILE")
                        .size(11.0)
                        .strong()
                        .color(theme.accent),
                );
                // The loader holds this lock only to replace the text; never the audio thread.
                let status = self
                    .gui
                    .sample_status
                    .try_lock()
                    .map(|s| s.clone())
                    .unwrap_or_default();
                let loaded = self
                    .gui
                    .sample_loaded
                    .load(std::sync::atomic::Ordering::Relaxed);
                let missing = self
                    .gui
                    .sample_missing
                    .load(std::sync::atomic::Ordering::Relaxed);
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut self.path_entry)
                        .hint_text("/path/to/hit.wav or a folder of hits (WAV, FLAC, AIFF)")
                        .desired_width((ui.available_width() - 380.0).max(160.0)),
                );
                let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if ui
                    .button("Load")
                    .on_hover_text("Play this file, or every audio file of this folder")
                    .clicked()
                    || enter
                {
                    self.load(self.path_entry.trim().to_owned());
                }
                if ui
                    .button("Add")
                    .on_hover_text(
                        "Add this file or folder to the loaded ones: several files make \
                         velocity zones (by loudness) and round-robin alternates",
                    )
                    .clicked()
                {
                    let entry = self.path_entry.trim();
                    let mut list = self
                        .params
                        .sample_path
                        .read()
                        .map(|p| p.clone())
                        .unwrap_or_default();
                    if !entry.is_empty() {
                        if !list.trim().is_empty() {
                            list.push('\n');
                        }
                        list.push_str(entry);
                    }
                    self.load(list);
                }
                if ui.button("Clear").clicked() {
                    self.path_entry.clear();
                    self.load(String::new());
                }
                let colour = if (loaded && missing == 0) || status == "No sample" {
                    theme.text_dim
                } else {
                    theme.danger
                };
                ui.add(egui::Label::new(egui::RichText::new(status).color(colour)).truncate());
            });
        });
    }

    /// Stores the paths (one per line) in the state, then loads them on the background thread.
    fn load(&self, path: String) {
        if let Ok(mut saved) = self.params.sample_path.write() {
            saved.clone_from(&path);
        }
        self.executor
            .execute_background(SnareTask::LoadSample(path));
    }
}

#[cfg(feature = "gui")]
impl CatalystApp for SnareView {
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &GuiContext) {
        let theme = Theme::get(ui.ctx());
        ui.ctx().request_repaint();
        // The host's context, recording the controls' changes for undo (A/B and undo bar).
        let ctx = &self.presets.edit_context(ctx);

        let params = self.params.clone();
        let presets = &mut self.presets;
        header(
            ui,
            "Snare Layerer",
            "character on every hit, phase-aligned",
            |ui| presets.show(ui, params.as_ref(), ctx),
        );
        self.detector_view(ui, &theme);
        ui.add_space(8.0);
        self.sample_row(ui, &theme);
        ui.add_space(8.0);
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ParamPanel::new(self.params.as_ref(), ctx)
                    .describe(&describe)
                    .ungrouped_title("Detector & Mix")
                    .max_per_row(8)
                    .show(ui);
            });
    }
}

/// Without the `gui` feature: no window (see the module doc).
#[cfg(not(feature = "gui"))]
pub use catalyst_editor_core::NoEditor as SnareEditor;

#[cfg(not(feature = "gui"))]
pub fn create(
    _params: std::sync::Arc<crate::SnareLayererParams>,
    _gui: std::sync::Arc<crate::SnareGuiData>,
    _executor: nice_plug::prelude::AsyncExecutor<crate::SnareLayerer>,
) -> SnareEditor {
    SnareEditor
}
