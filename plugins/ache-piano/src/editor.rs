//! Ache Piano editor: preset bar (factory and user presets, A/B compare, undo/redo), then the
//! parameters in the sections a pianist thinks in ([`SECTIONS`]), each a collapsible card:
//! Tuning and Unison (with the keyboard showing held and ringing keys, each key's tuning offset
//! and where notes change from 1 to 2 to 3 strings, all read lock-free from `PianoGuiData`),
//! Hammer and Felt, Pedal and Mechanics, Tape, Room, Output.
//!
//! Every item is behind the `gui` feature; without it (the `catalyst` CLI build, which links no
//! GUI) the plugin reports `catalyst_editor_core::NoEditor`, which never opens (end of file).

#[cfg(feature = "gui")]
use crate::{AchePianoParams, KEYS, PRESETS, PianoGuiData};
#[cfg(feature = "gui")]
use catalyst_widgets::egui;
#[cfg(feature = "gui")]
use catalyst_widgets::panel::control_width;
#[cfg(feature = "gui")]
use catalyst_widgets::{
    CatalystApp, CatalystEditor, EditorSpec, GuiContext, ParamHandle, PresetBrowser, Theme,
    control, header, keyboard_view,
};
#[cfg(feature = "gui")]
use nice_plug::prelude::{ParamPtr, Params};
#[cfg(feature = "gui")]
use std::sync::Arc;

/// The full 88-key range, A0 to C8.
#[cfg(feature = "gui")]
const LOWEST_KEY: u8 = 21;
#[cfg(feature = "gui")]
const HIGHEST_KEY: u8 = 108;

#[cfg(feature = "gui")]
pub type PianoEditor = CatalystEditor<PianoView>;

/// The editor's sections, as a pianist thinks of the instrument, with the parameter ids each
/// holds, in order. Every visible parameter is in exactly one (a test checks).
#[cfg(feature = "gui")]
pub const SECTIONS: [(&str, &[&str]); 6] = [
    (
        "Tuning and Unison",
        &[
            "a4",
            "detune",
            "str2_detune",
            "str3_detune",
            "str2_level",
            "str3_level",
            "spread",
            "seed",
            "stretch",
        ],
    ),
    (
        "Hammer and Felt",
        &["tone", "hard_pp", "hard_mf", "hard_ff", "felt", "wear"],
    ),
    (
        "Pedal and Mechanics",
        &["resonance", "silent_vel", "bend_range"],
    ),
    (
        "Tape",
        &["wow_depth", "wow_rate", "flut_depth", "flut_rate", "noise"],
    ),
    ("Room", &["air", "width"]),
    ("Output", &["ache", "volume"]),
];

/// The section that shows the keyboard and unison map.
#[cfg(feature = "gui")]
const TUNING_SECTION: usize = 0;

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
        "hard_pp" | "hard_mf" | "hard_ff" => {
            "Hammer hardness as a voicer sets it for soft (pp, up to velocity 44), medium (mf, \
             45-89) and loud (ff, from 90) blows: below 0 the felt is needled (mellow), above \
             0 hardened (bright). Blended smoothly across the zone edges; a louder blow is \
             never darker than a softer one. Applies from the next note."
        }
        "felt" => {
            "Felt thickness, from a concert grand's bare hammers (0 %) to a felt piano's thick \
             strip (100 %): softer, darker, more muted. Sounding notes follow its damping."
        }
        "wear" => {
            "Uneven, dull keys and unequal strings within a unison (which keys: Tuning Seed). \
             Sounding notes follow its damping; the unevenness applies from the next note."
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
        let params = self.params.clone();
        let map = params.param_map();
        let ptr = |id: &str| map.iter().find(|(i, _, _)| i == id).map(|(_, p, _)| *p);
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                let available = ui.available_width();
                // Sections after the first are packed into rows by their width.
                let mut rows: Vec<Vec<usize>> = Vec::new();
                let mut x = f32::INFINITY;
                for (k, (_, ids)) in SECTIONS.iter().enumerate().skip(1) {
                    let w = section_width(ids, &ptr, ctx);
                    if x + w > available {
                        rows.push(Vec::new());
                        x = 0.0;
                    }
                    rows.last_mut().expect("a row was pushed").push(k);
                    x += w + SECTION_GAP;
                }
                let (title, ids) = SECTIONS[TUNING_SECTION];
                section(ui, &theme, title, |ui| {
                    self.tuning_view(ui, &theme, available);
                    controls_row(ui, ids, &ptr, ctx);
                });
                ui.add_space(SECTION_GAP);
                for row in rows {
                    ui.horizontal_top(|ui| {
                        ui.spacing_mut().item_spacing = egui::vec2(SECTION_GAP, SECTION_GAP);
                        for k in row {
                            let (title, ids) = SECTIONS[k];
                            section(ui, &theme, title, |ui| controls_row(ui, ids, &ptr, ctx));
                        }
                    });
                    ui.add_space(SECTION_GAP);
                }
            });
    }
}

/// Gap between section cards.
#[cfg(feature = "gui")]
const SECTION_GAP: f32 = 10.0;
/// Inner margin plus stroke of a card, both sides (as the generic panel's).
#[cfg(feature = "gui")]
const CARD_MARGIN: f32 = 22.0;

/// Width of a section's card with its controls on one line.
#[cfg(feature = "gui")]
fn section_width(ids: &[&str], ptr: &dyn Fn(&str) -> Option<ParamPtr>, ctx: &GuiContext) -> f32 {
    let controls: f32 = ids
        .iter()
        .filter_map(|id| ptr(id))
        // SAFETY: the pointers come from the editor's live parameters.
        .map(|p| control_width(unsafe { ParamHandle::from_ptr(p, ctx) }) + 2.0)
        .sum();
    controls + CARD_MARGIN
}

/// One collapsible section card (open by default; egui remembers it per title).
#[cfg(feature = "gui")]
fn section(ui: &mut egui::Ui, theme: &Theme, title: &str, body: impl FnOnce(&mut egui::Ui)) {
    theme.card().show(ui, |ui| {
        egui::CollapsingHeader::new(
            egui::RichText::new(title.to_uppercase())
                .size(11.0)
                .strong()
                .color(theme.accent),
        )
        .id_salt(title)
        .default_open(true)
        .show(ui, body);
    });
}

/// The controls of `ids`, wrapping onto further lines when the card is narrower than they are.
#[cfg(feature = "gui")]
fn controls_row(
    ui: &mut egui::Ui,
    ids: &[&str],
    ptr: &dyn Fn(&str) -> Option<ParamPtr>,
    ctx: &GuiContext,
) {
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 2.0;
        for id in ids {
            if let Some(p) = ptr(id) {
                // SAFETY: the pointer comes from the editor's live parameters.
                let param = unsafe { ParamHandle::from_ptr(p, ctx) };
                ui.push_id(*id, |ui| control(ui, param, describe(id)));
            }
        }
    });
}

#[cfg(feature = "gui")]
impl PianoView {
    /// The keyboard (held and ringing keys, each key's tuning offset), voices, pedal and the
    /// unison map, at the top of Tuning and Unison.
    fn tuning_view(&self, ui: &mut egui::Ui, theme: &Theme, width: f32) {
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
        ui.vertical(|ui| {
            ui.horizontal(|ui| {
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
                egui::vec2(width - 2.0 * CARD_MARGIN, 110.0),
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
    fn every_visible_parameter_is_in_exactly_one_section() {
        use nice_plug::prelude::{ParamFlags, Params};
        let params = AchePianoParams::default();
        let listed: Vec<&str> = SECTIONS
            .iter()
            .flat_map(|(_, ids)| ids.iter().copied())
            .collect();
        let mut visible = 0;
        for (id, ptr, _) in params.param_map() {
            // SAFETY: the pointer comes from `params`, alive here.
            let flags = unsafe { ptr.flags() };
            if flags.intersects(ParamFlags::HIDDEN | ParamFlags::HIDE_IN_GENERIC_UI) {
                continue;
            }
            visible += 1;
            let n = listed.iter().filter(|&&l| l == id).count();
            assert_eq!(n, 1, "{id} is in {n} sections");
        }
        // And no section names a parameter that does not exist.
        assert_eq!(listed.len(), visible);
        let titles: Vec<&str> = SECTIONS.iter().map(|(t, _)| *t).collect();
        assert_eq!(
            titles,
            [
                "Tuning and Unison",
                "Hammer and Felt",
                "Pedal and Mechanics",
                "Tape",
                "Room",
                "Output"
            ]
        );
    }

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
