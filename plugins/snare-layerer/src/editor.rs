//! Snare Layerer editor: a scrolling view of the input with detected hits marked (height =
//! velocity), the preset bar, and every parameter through the generic Catalyst panel.
//!
//! Data path: `process()` feeds [`ScopeWriter::capture`] (lock-free, allocation-free, and a
//! no-op while the editor is closed) and marks each detected hit with
//! [`ScopeWriter::mark`]; the editor copies the newest columns every frame, so a hit shows on
//! the next frame.

use crate::SnareLayererParams;
use catalyst_widgets::egui;
use catalyst_widgets::{
    CatalystApp, CatalystEditor, EditorSpec, GuiContext, ParamPanel, PresetBrowser, ScopeColumn,
    ScopeTap, ScopeWriter, Theme, header, scope_view,
};
use std::sync::Arc;

/// The scope shows 3 s: 600 columns of 5 ms.
const SCOPE_COLUMNS: usize = 600;
const COLUMN_MS: f32 = 5.0;

pub type SnareEditor = CatalystEditor<SnareView>;

/// The audio thread's end of the input scope (a field of the plugin).
pub fn input_scope() -> ScopeWriter {
    ScopeWriter::new(ScopeTap::new(SCOPE_COLUMNS), 48_000.0, COLUMN_MS)
}

pub fn create(params: Arc<SnareLayererParams>, scope: Arc<ScopeTap>) -> SnareEditor {
    let layout = params.editor_layout.clone();
    let spec = EditorSpec {
        title: "Catalyst Snare Layerer",
        theme: Theme::SNARE,
        min_size: (720, 460),
    };
    let tap = scope.clone();
    CatalystEditor::new(spec, layout, move || SnareView {
        params: params.clone(),
        scope: scope.clone(),
        columns: vec![ScopeColumn::default(); SCOPE_COLUMNS],
        presets: PresetBrowser::new(Vec::new()),
    })
    // The audio thread only fills the scope while an editor shows it.
    .on_open_change(move |open| tap.set_active(open))
}

pub struct SnareView {
    params: Arc<SnareLayererParams>,
    scope: Arc<ScopeTap>,
    columns: Vec<ScopeColumn>,
    presets: PresetBrowser,
}

/// Producer-facing descriptions for tooltips, by parameter id.
fn describe(id: &str) -> Option<&'static str> {
    Some(match id {
        "dry" => "Level of your original drum in the output.",
        "layer" => "Level of all character layers together.",
        "out" => "Final output level after dry and layers are mixed.",
        _ => return None,
    })
}

impl CatalystApp for SnareView {
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &GuiContext) {
        let theme = Theme::get(ui.ctx());
        self.scope.read_latest(&mut self.columns);
        ui.ctx().request_repaint();

        let params = self.params.clone();
        let presets = &mut self.presets;
        header(
            ui,
            "Snare Layerer",
            "character on every hit, phase-aligned",
            |ui| presets.show(ui, params.as_ref(), ctx),
        );

        let width = ui.available_width();
        let height = (ui.available_height() * 0.42).clamp(120.0, 360.0);
        theme.card().show(ui, |ui| {
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    ui.label(
                        egui::RichText::new("INPUT · DETECTED HITS")
                            .size(11.0)
                            .strong()
                            .color(theme.accent),
                    );
                    let hits = self.columns.iter().filter(|c| c.marker > 0.0).count();
                    let summary = match hits {
                        0 => "no hits detected in the last 3 s".to_owned(),
                        1 => "1 hit in the last 3 s".to_owned(),
                        n => format!("{n} hits in the last 3 s"),
                    };
                    ui.label(
                        egui::RichText::new(summary)
                            .size(11.0)
                            .color(theme.text_dim),
                    );
                });
                scope_view(
                    ui,
                    egui::vec2(width - 22.0, height),
                    &self.columns,
                    (-1.0, 1.0),
                    &[],
                )
                .on_hover_text("The drum input, newest at the right. Markers: detected hits, height = velocity.");
            });
        });
        ui.add_space(10.0);
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ParamPanel::new(self.params.as_ref(), ctx)
                    .describe(&describe)
                    .ungrouped_title("Mix")
                    .show(ui);
            });
    }
}
