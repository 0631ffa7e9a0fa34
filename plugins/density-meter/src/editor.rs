//! Density Meter editor: the density index and short-term loudness over the last minute, the
//! live loudness and density readouts, and every parameter through the generic Catalyst panel.
//! Everything is read lock-free from [`MeterShared`] (atomics written by the audio thread).

use crate::{DensityMeterParams, MeterShared};
use catalyst_widgets::egui;
use catalyst_widgets::{
    CatalystApp, CatalystEditor, EditorSpec, GuiContext, History, ParamPanel, Theme, header,
    history_view,
};
use std::sync::Arc;

/// Seconds of history shown.
const HISTORY_SECONDS: f32 = 60.0;
/// One value per bin, so the time axis is true whatever the editor's frame rate.
const HISTORY_BINS: usize = 600;
const BIN_SECONDS: f32 = HISTORY_SECONDS / HISTORY_BINS as f32;

pub type DensityEditor = CatalystEditor<DensityView>;

pub fn create(params: Arc<DensityMeterParams>, shared: Arc<MeterShared>) -> DensityEditor {
    let layout = params.editor_layout.clone();
    let spec = EditorSpec {
        title: "Catalyst Density Meter",
        theme: Theme::DENSITY,
        min_size: (720, 440),
    };
    CatalystEditor::new(spec, layout, move || DensityView {
        params: params.clone(),
        shared: shared.clone(),
        density: History::new(HISTORY_BINS, 0.0),
        bin_elapsed: 0.0,
    })
}

pub struct DensityView {
    params: Arc<DensityMeterParams>,
    shared: Arc<MeterShared>,
    density: History,
    bin_elapsed: f32,
}

/// Producer-facing descriptions for tooltips, by parameter id.
fn describe(id: &str) -> Option<&'static str> {
    Some(match id {
        "phrase" => {
            "Bars per phrase. Sections are looked for on this grid: 4 or 8 bars in most pop forms."
        }
        "occ_range" => {
            "A frequency band counts as occupied when it is within this many dB of the loudest band."
        }
        _ => return None,
    })
}

fn readout(ui: &mut egui::Ui, theme: &Theme, label: &str, value: f32, unit: &str) {
    ui.vertical(|ui| {
        ui.label(egui::RichText::new(label).size(10.5).color(theme.text_dim));
        let text = if value.is_finite() && value > -69.0 {
            format!("{value:.1}{unit}")
        } else {
            format!("–{unit}")
        };
        ui.label(
            egui::RichText::new(text)
                .font(egui::FontId::monospace(15.0))
                .color(theme.text),
        );
    });
}

impl CatalystApp for DensityView {
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &GuiContext) {
        let theme = Theme::get(ui.ctx());
        let r = &self.shared.readouts;
        let density = r.density.load();
        let dt = ui.input(|i| i.unstable_dt).clamp(0.0, 1.0);
        self.bin_elapsed += dt;
        while self.bin_elapsed >= BIN_SECONDS {
            self.density
                .push(if density.is_finite() { density } else { 0.0 });
            self.bin_elapsed -= BIN_SECONDS;
        }
        ui.ctx().request_repaint();

        let free_time = r.free_time.load() > 0.5;
        let position = r.position.load().max(0.0) as u32;
        header(
            ui,
            "Density Meter",
            "journey or wall of sound, bar by bar",
            |ui| {
                let where_ = if free_time {
                    format!("free time · slot {}", position + 1)
                } else {
                    format!("bar {}", position + 1)
                };
                ui.label(egui::RichText::new(where_).color(theme.text_dim));
            },
        );

        let width = ui.available_width();
        let height = (ui.available_height() * 0.42).clamp(130.0, 380.0);
        theme.card().show(ui, |ui| {
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    ui.label(
                        egui::RichText::new("DENSITY · LAST 60 S")
                            .size(11.0)
                            .strong()
                            .color(theme.accent),
                    );
                    ui.label(
                        egui::RichText::new(format!("now {density:.0} / 100"))
                            .size(11.0)
                            .color(theme.text_dim),
                    );
                });
                history_view(
                    ui,
                    egui::vec2(width - 22.0, height),
                    &self.density,
                    (0.0, 100.0),
                    &[25.0, 50.0, 75.0],
                    "",
                )
                .on_hover_text(
                    "The Density index (0 = sparse, 100 = wall of sound), newest at the right.",
                );
            });
        });
        ui.add_space(8.0);
        theme.card().show(ui, |ui| {
            ui.set_width(width - 22.0);
            ui.horizontal_wrapped(|ui| {
                ui.spacing_mut().item_spacing.x = 22.0;
                readout(ui, &theme, "Momentary", r.momentary_lufs.load(), " LUFS");
                readout(ui, &theme, "Short-term", r.short_term_lufs.load(), " LUFS");
                readout(ui, &theme, "Integrated", r.integrated_lufs.load(), " LUFS");
                readout(ui, &theme, "Range", r.loudness_range_lu.load(), " LU");
                readout(ui, &theme, "True peak", r.true_peak_dbtp.load(), " dBTP");
                readout(ui, &theme, "Occupancy", r.occupancy.load() * 100.0, " %");
                readout(ui, &theme, "Flatness", r.flatness.load(), "");
                readout(ui, &theme, "Onsets", r.onset_rate_hz.load(), " /s");
                readout(ui, &theme, "Peak/loud", r.plr_db.load(), " dB");
                readout(ui, &theme, "Low end", r.low_share.load() * 100.0, " %");
            });
        });
        ui.add_space(8.0);
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
