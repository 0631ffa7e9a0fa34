//! Ache Piano editor: preset bar, a keyboard showing the held notes (read lock-free from the
//! audio thread), and every parameter through the generic Catalyst panel.

use crate::AchePianoParams;
use catalyst_widgets::egui;
use catalyst_widgets::{
    CatalystApp, CatalystEditor, EditorSpec, GuiContext, NoteTap, ParamPanel, PresetBrowser, Theme,
    header, keyboard_view,
};
use std::sync::Arc;

/// The full 88-key range, A0 to C8.
const LOWEST_KEY: u8 = 21;
const HIGHEST_KEY: u8 = 108;

pub type PianoEditor = CatalystEditor<PianoView>;

pub fn create(params: Arc<AchePianoParams>, notes: Arc<NoteTap>) -> PianoEditor {
    let layout = params.editor_layout.clone();
    let spec = EditorSpec {
        title: "Catalyst Ache Piano",
        theme: Theme::PIANO,
        min_size: (720, 420),
    };
    CatalystEditor::new(spec, layout, move || PianoView {
        params: params.clone(),
        notes: notes.clone(),
        presets: PresetBrowser::new(Vec::new()),
    })
}

pub struct PianoView {
    params: Arc<AchePianoParams>,
    notes: Arc<NoteTap>,
    presets: PresetBrowser,
}

/// Producer-facing descriptions for tooltips, by parameter id.
fn describe(id: &str) -> Option<&'static str> {
    Some(match id {
        "volume" => "Output level of the piano.",
        "a4" => "Tuning reference: the frequency of A4 (440 Hz standard, 432-444 Hz common).",
        _ => return None,
    })
}

impl CatalystApp for PianoView {
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &GuiContext) {
        let theme = Theme::get(ui.ctx());
        ui.ctx().request_repaint();

        let params = self.params.clone();
        let presets = &mut self.presets;
        header(ui, "Ache Piano", "detuned, worn and close", |ui| {
            presets.show(ui, params.as_ref(), ctx)
        });

        let width = ui.available_width();
        theme.card().show(ui, |ui| {
            keyboard_view(
                ui,
                egui::vec2(width - 22.0, 84.0),
                &self.notes,
                LOWEST_KEY,
                HIGHEST_KEY,
            )
            .on_hover_text("Held notes, brighter = harder");
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
