//! The side panel: live loudness and density readouts, the analysis parameters, exports and
//! clearing the timeline.

use crate::Readouts;
use catalyst_widgets::{Theme, egui};

/// One label + value row; values at or below -69 (the meters' floor) read as a dash.
fn readout(ui: &mut egui::Ui, theme: &Theme, label: &str, value: f32, unit: &str, tip: &str) {
    ui.label(egui::RichText::new(label).size(11.0).color(theme.text_dim))
        .on_hover_text(tip);
    let text = if value.is_finite() && value > -69.0 {
        format!("{value:.1}{unit}")
    } else {
        format!("–{unit}")
    };
    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
        ui.label(
            egui::RichText::new(text)
                .font(egui::FontId::monospace(13.0))
                .color(theme.text),
        );
    });
    ui.end_row();
}

fn section_title(ui: &mut egui::Ui, theme: &Theme, title: &str) {
    ui.label(
        egui::RichText::new(title)
            .size(11.0)
            .strong()
            .color(theme.accent),
    );
}

/// One readout: label, value, unit, help text.
type Row<'a> = (&'a str, f32, &'a str, &'a str);

/// A titled grid of readouts.
fn readout_grid(ui: &mut egui::Ui, theme: &Theme, title: &str, rows: &[Row]) {
    section_title(ui, theme, title);
    egui::Grid::new(title)
        .num_columns(2)
        .spacing([8.0, 3.0])
        .min_col_width(70.0)
        .show(ui, |ui| {
            for &(label, value, unit, tip) in rows {
                readout(ui, theme, label, value, unit, tip);
            }
        });
}

/// Live readouts (published by the audio thread while the editor is open).
pub fn readouts(ui: &mut egui::Ui, r: &Readouts) {
    let theme = Theme::get(ui.ctx());
    readout_grid(
        ui,
        &theme,
        "LOUDNESS",
        &[
            (
                "Momentary",
                r.momentary_lufs.load(),
                " LUFS",
                "BS.1770 loudness over the last 400 ms",
            ),
            (
                "Short-term",
                r.short_term_lufs.load(),
                " LUFS",
                "BS.1770 loudness over the last 3 s",
            ),
            (
                "Integrated",
                r.integrated_lufs.load(),
                " LUFS",
                "Gated loudness since playback started (EBU R128)",
            ),
            (
                "Range",
                r.loudness_range_lu.load(),
                " LU",
                "Loudness range, EBU Tech 3342",
            ),
            (
                "True peak",
                r.true_peak_dbtp.load(),
                " dBTP",
                "Highest true peak (4x oversampled)",
            ),
        ],
    );
    ui.add_space(8.0);
    readout_grid(
        ui,
        &theme,
        "DENSITY NOW",
        &[
            (
                "Density",
                r.density.load(),
                " /100",
                "The Density index over about the last second",
            ),
            (
                "Occupancy",
                r.occupancy.load() * 100.0,
                " %",
                "Share of the 40 ERB bands within the occupancy range of the held loudest band",
            ),
            (
                "Onsets",
                r.onset_rate_hz.load(),
                " /s",
                "Note and drum onsets per second",
            ),
            (
                "Peak/loud",
                r.plr_db.load(),
                " dB",
                "Peak-to-loudness ratio: true peak minus loudness (low = squashed)",
            ),
            (
                "Low end",
                r.low_share.load() * 100.0,
                " %",
                "Share of the power below 120 Hz",
            ),
            (
                "Flatness",
                super::model::flatness_db(r.flatness.load()),
                " dB",
                "Spectral flatness: -30 dB tonal, -5 dB noise-like",
            ),
        ],
    );
}

/// What the user asked for in the export / clear area.
pub enum FileAction {
    None,
    ExportCsv,
    ExportJson,
    Clear,
}

/// Export buttons, the last export's result, and Clear with a confirmation.
pub fn files(
    ui: &mut egui::Ui,
    status: Option<&(String, bool)>,
    confirm_clear: &mut bool,
) -> FileAction {
    let theme = Theme::get(ui.ctx());
    let mut action = FileAction::None;
    section_title(ui, &theme, "TIMELINE");
    ui.horizontal(|ui| {
        if ui
            .button("Export CSV")
            .on_hover_text("One row per bar, with its section: for a spreadsheet")
            .clicked()
        {
            action = FileAction::ExportCsv;
        }
        if ui
            .button("Export JSON")
            .on_hover_text("Bars, sections and verdict: for scripts")
            .clicked()
        {
            action = FileAction::ExportJson;
        }
    });
    if let Some((text, error)) = status {
        ui.label(egui::RichText::new(text).size(10.5).color(if *error {
            theme.danger
        } else {
            theme.text_dim
        }));
    }
    ui.add_space(4.0);
    if *confirm_clear {
        ui.label(
            egui::RichText::new("Forget every captured bar? Section names are kept.")
                .size(11.0)
                .color(theme.warn),
        );
        ui.horizontal(|ui| {
            if ui
                .button(egui::RichText::new("Clear").color(theme.danger))
                .clicked()
            {
                action = FileAction::Clear;
                *confirm_clear = false;
            }
            if ui.button("Keep").clicked() {
                *confirm_clear = false;
            }
        });
    } else if ui
        .button("Clear timeline…")
        .on_hover_text("Start capturing from scratch (asks first)")
        .clicked()
    {
        *confirm_clear = true;
    }
    action
}
