//! Density Meter editor: live level history and meter from the audio thread's lock-free
//! readouts, then every parameter through the generic Catalyst panel.

use crate::{DensityMeterParams, MeterReadouts};
use catalyst_widgets::egui;
use catalyst_widgets::{
    CatalystApp, CatalystEditor, EditorSpec, GuiContext, History, MeterBallistics, ParamPanel,
    Theme, header, history_view, level_meter,
};
use std::sync::Arc;

/// Seconds of level history shown.
const HISTORY_SECONDS: f32 = 12.0;
/// The history holds one value (the highest level) per bin, so its time axis is true whatever
/// the editor's frame rate.
const HISTORY_BINS: usize = 480;
const BIN_SECONDS: f32 = HISTORY_SECONDS / HISTORY_BINS as f32;

pub type DensityEditor = CatalystEditor<DensityView>;

pub fn create(params: Arc<DensityMeterParams>, readouts: Arc<MeterReadouts>) -> DensityEditor {
    let layout = params.editor_layout.clone();
    let spec = EditorSpec {
        title: "Catalyst Density Meter",
        theme: Theme::DENSITY,
        min_size: (640, 420),
    };
    CatalystEditor::new(spec, layout, move || DensityView {
        params: params.clone(),
        readouts: readouts.clone(),
        meter: MeterBallistics::default(),
        history: History::new(HISTORY_BINS, catalyst_widgets::meter::METER_FLOOR_DB),
        bin_elapsed: 0.0,
        bin_max_db: catalyst_widgets::meter::METER_FLOOR_DB,
    })
}

pub struct DensityView {
    params: Arc<DensityMeterParams>,
    readouts: Arc<MeterReadouts>,
    meter: MeterBallistics,
    history: History,
    bin_elapsed: f32,
    bin_max_db: f32,
}

/// Producer-facing descriptions for tooltips, by parameter id.
fn describe(id: &str) -> Option<&'static str> {
    Some(match id {
        "phrase" => {
            "Bars per phrase. Sections are looked for on this grid: 4 or 8 bars in most pop forms."
        }
        _ => return None,
    })
}

impl CatalystApp for DensityView {
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &GuiContext) {
        let theme = Theme::get(ui.ctx());
        // Lock-free read: take the peak the audio thread accumulated since the last frame.
        let peak = self.readouts.peak.take(0.0);
        let dt = ui.input(|i| i.unstable_dt);
        self.meter.update(peak, dt);
        self.bin_max_db = self.bin_max_db.max(self.meter.level_db());
        self.bin_elapsed += dt.clamp(0.0, 1.0);
        while self.bin_elapsed >= BIN_SECONDS {
            self.history.push(self.bin_max_db);
            self.bin_elapsed -= BIN_SECONDS;
            self.bin_max_db = self.meter.level_db();
        }
        ui.ctx().request_repaint();

        header(
            ui,
            "Density Meter",
            "journey or wall of sound, bar by bar",
            |_| {},
        );

        let width = ui.available_width();
        let view_height = (ui.available_height() * 0.5).clamp(150.0, 420.0);
        ui.horizontal(|ui| {
            theme.card().show(ui, |ui| {
                ui.vertical(|ui| {
                    ui.label(
                        egui::RichText::new("LEVEL · LAST 12 S")
                            .size(11.0)
                            .strong()
                            .color(theme.accent),
                    );
                    history_view(
                        ui,
                        egui::vec2(width - 130.0, view_height),
                        &self.history,
                        (catalyst_widgets::meter::METER_FLOOR_DB, 6.0),
                        &[0.0, -12.0, -24.0, -36.0, -48.0],
                        " dB",
                    );
                });
            });
            theme.card().show(ui, |ui| {
                ui.vertical(|ui| {
                    ui.label(
                        egui::RichText::new("PEAK")
                            .size(11.0)
                            .strong()
                            .color(theme.accent),
                    );
                    level_meter(ui, egui::vec2(66.0, view_height), &self.meter, "Input");
                });
            });
        });
        ui.add_space(10.0);
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ParamPanel::new(self.params.as_ref(), ctx)
                    .describe(&describe)
                    .ungrouped_title("Analysis")
                    .show(ui);
            });
    }
}
