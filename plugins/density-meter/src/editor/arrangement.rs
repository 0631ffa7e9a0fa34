//! The arrangement across tracks: every Density Meter in this DAW process as a row of a tracks x
//! bars grid (who plays where), low-band clashes outlined and listed, and how often everything
//! plays at once, in words. The registry snapshot is taken at most every
//! [`super::model::REFRESH_SECONDS`].

use catalyst_widgets::bar_timeline::BarView;
use catalyst_widgets::grid_view::{GridCell, GridRow, grid_view};
use catalyst_widgets::{Theme, egui};
use shared_dsp::density::arrangement::{ArrangementGrid, Cell, PLAYING_LUFS};
use shared_dsp::density::bands::LOW_BAND_NAMES;
use shared_dsp::density::clash_words::clash_lines;

use super::colour_scale::density_colour;
use super::model::REFRESH_SECONDS;

/// What a cell's shade shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shade {
    Density,
    Level,
}

/// A cell's shade in `0..=1`: density / 100, or loudness from the playing threshold
/// (-55 LUFS) to -6 LUFS.
pub fn shade_of(cell: &Cell, shade: Shade) -> f32 {
    let v = match shade {
        Shade::Density => cell.density / 100.0,
        Shade::Level => (cell.loudness_lufs - PLAYING_LUFS) / (-6.0 - PLAYING_LUFS),
    };
    if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// One row's drawable cells.
#[derive(Debug, Clone, PartialEq)]
pub struct RowCells {
    pub cells: Vec<GridCell>,
    pub flagged: Vec<bool>,
}

pub fn build_rows(grid: &ArrangementGrid, shade: Shade) -> Vec<RowCells> {
    grid.tracks
        .iter()
        .map(|t| {
            let cells = t
                .cells
                .iter()
                .map(|c| match c {
                    None => GridCell::Unheard,
                    Some(c) if !c.playing() => GridCell::Silent,
                    Some(c) => GridCell::Playing(shade_of(c, shade)),
                })
                .collect();
            let mut flagged = vec![false; t.cells.len()];
            for clash in &grid.clashes {
                if (clash.track_a == t.id || clash.track_b == t.id)
                    && let Some(f) = flagged.get_mut(clash.bar as usize)
                {
                    *f = true;
                }
            }
            RowCells { cells, flagged }
        })
        .collect()
}

/// One line per pair of tracks and low band (`shared_dsp::density::clash_words`), at most 4
/// bar ranges each: "Kick and Bass both load the sub 20-60 Hz in bars 17-40".
pub fn clash_notes(grid: &ArrangementGrid) -> Vec<String> {
    clash_lines(grid, Some(4))
}

/// "Everything plays in 87% of bars", with what it means.
pub fn playing_words(grid: &ArrangementGrid) -> String {
    let elements = grid.elements().count();
    if grid.tracks.len() < 2 {
        return "Only this track has joined. Put a Density Meter on the other tracks of this \
                project to see who plays where."
            .to_owned();
    }
    if grid.bars == 0 {
        return format!(
            "{} tracks joined; play the song to see who plays where.",
            grid.tracks.len()
        );
    }
    if elements < 2 {
        return "Buses hear every part at once: join Density Meters on the element tracks \
                (drums, bass, pads...) to see who plays where."
            .to_owned();
    }
    let share = (grid.all_playing_share() * 100.0).round();
    let meaning = if share >= 80.0 {
        ": everything plays all the time. Drop parts out of the verses so the chorus can lift."
    } else if share >= 50.0 {
        ": most of the song has every part in."
    } else {
        ": parts come and go."
    };
    format!("All {elements} element tracks play together in {share:.0}% of bars{meaning}")
}

/// The arrangement card's state (kept while the editor is open).
pub struct ArrangementView {
    grid: ArrangementGrid,
    rows: Vec<RowCells>,
    notes: Vec<String>,
    built_at: f64,
    pub shade: Shade,
    built_shade: Shade,
}

impl Default for ArrangementView {
    fn default() -> Self {
        Self {
            grid: ArrangementGrid::default(),
            rows: Vec::new(),
            notes: Vec::new(),
            built_at: f64::NEG_INFINITY,
            shade: Shade::Density,
            built_shade: Shade::Density,
        }
    }
}

impl ArrangementView {
    /// Takes a fresh snapshot when the last one is older than the refresh interval.
    pub fn refresh(&mut self, grid: impl FnOnce() -> ArrangementGrid, now: f64) {
        if now - self.built_at < REFRESH_SECONDS && self.shade == self.built_shade {
            return;
        }
        if now - self.built_at >= REFRESH_SECONDS {
            self.grid = grid();
            self.notes = clash_notes(&self.grid);
            self.built_at = now;
        }
        self.rows = build_rows(&self.grid, self.shade);
        self.built_shade = self.shade;
    }

    /// Draws the grid (on the timeline's view) and the notes under it; `own_id` is this
    /// instance's track.
    pub fn show(
        &self,
        ui: &mut egui::Ui,
        view: &mut BarView,
        total_bars: usize,
        gutter: f32,
        own_id: Option<u64>,
    ) {
        let theme = Theme::get(ui.ctx());
        let rows: Vec<GridRow> = self
            .grid
            .tracks
            .iter()
            .zip(&self.rows)
            .map(|(t, r)| GridRow {
                name: &t.name,
                cells: &r.cells,
                flagged: &r.flagged,
                highlighted: Some(t.id) == own_id,
            })
            .collect();
        let row_height = if rows.len() > 8 { 14.0 } else { 18.0 };
        let total = total_bars.max(self.grid.bars);
        let response = grid_view(ui, view, total, gutter, row_height, &rows, density_colour);
        if let Some((r, bar)) = response.hovered {
            let track = &self.grid.tracks[r];
            let mut text = format!("{} · bar {}", track.name, bar + 1);
            match track.cells.get(bar).copied().flatten() {
                None => text += "\nnot heard",
                Some(c) => {
                    text += &format!(
                        "\n{:.1} LUFS · density {:.0}{}",
                        c.loudness_lufs,
                        c.density,
                        if c.playing() {
                            ""
                        } else if c.spill {
                            " (only the tail of the bar before)"
                        } else {
                            " (silent)"
                        }
                    );
                    for clash in self.grid.clashes.iter().filter(|k| {
                        k.bar as usize == bar && (k.track_a == track.id || k.track_b == track.id)
                    }) {
                        let other = if clash.track_a == track.id {
                            clash.track_b
                        } else {
                            clash.track_a
                        };
                        let other = self
                            .grid
                            .tracks
                            .iter()
                            .find(|t| t.id == other)
                            .map_or("another track", |t| t.name.as_str());
                        text += &format!(
                            "\nclashes with {other} in the {}",
                            LOW_BAND_NAMES.get(clash.band).copied().unwrap_or("low end")
                        );
                    }
                }
            }
            response.response.on_hover_text_at_pointer(text);
        }
        ui.add_space(4.0);
        ui.label(
            egui::RichText::new(playing_words(&self.grid))
                .size(11.5)
                .color(theme.text),
        );
        const SHOWN: usize = 4;
        for note in self.notes.iter().take(SHOWN) {
            ui.label(
                egui::RichText::new(format!("Clash: {note}"))
                    .size(11.0)
                    .color(theme.danger),
            );
        }
        if self.notes.len() > SHOWN {
            ui.label(
                egui::RichText::new(format!(
                    "and {} more low-end clashes (outlined in red)",
                    self.notes.len() - SHOWN
                ))
                .size(11.0)
                .color(theme.text_dim),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_dsp::density::arrangement::{TrackRow, find_clashes};

    fn cell(loudness_lufs: f32, density: f32, low: [f32; 3]) -> Option<Cell> {
        Some(Cell {
            loudness_lufs,
            density,
            low_band_share: low,
            spill: false,
        })
    }

    /// Kick and bass share the sub in bars 3-5; the pad plays bars 2-5 and never clashes.
    fn grid() -> ArrangementGrid {
        let sub = [0.6, 0.2, 0.1];
        let mid = [0.0, 0.05, 0.1];
        let kick = TrackRow {
            id: 1,
            name: "Kick".into(),
            bus: false,
            cells: (0..6).map(|_| cell(-14.0, 30.0, sub)).collect(),
        };
        let bass = TrackRow {
            id: 2,
            name: "Bass".into(),
            bus: false,
            cells: (0..6)
                .map(|i| {
                    if i >= 2 {
                        cell(-16.0, 40.0, sub)
                    } else {
                        cell(-80.0, 0.0, sub)
                    }
                })
                .collect(),
        };
        let pad = TrackRow {
            id: 3,
            name: "Pad".into(),
            bus: false,
            cells: (0..6)
                .map(|i| if i >= 1 { cell(-20.0, 60.0, mid) } else { None })
                .collect(),
        };
        let tracks = vec![kick, bass, pad];
        let clashes = find_clashes(&tracks, 6);
        ArrangementGrid {
            tracks,
            bars: 6,
            clashes,
        }
    }

    #[test]
    fn rows_shade_and_flag_the_right_cells() {
        let g = grid();
        let rows = build_rows(&g, Shade::Density);
        assert_eq!(rows[0].cells[0], GridCell::Playing(0.3));
        assert_eq!(rows[1].cells[0], GridCell::Silent);
        assert_eq!(rows[2].cells[0], GridCell::Unheard);
        assert_eq!(rows[0].flagged, vec![false, false, true, true, true, true]);
        assert_eq!(rows[1].flagged, rows[0].flagged);
        assert!(rows[2].flagged.iter().all(|f| !f));
        let level = build_rows(&g, Shade::Level);
        // -14 LUFS: (−14 + 55) / 49.
        let GridCell::Playing(v) = level[0].cells[0] else {
            panic!()
        };
        assert!((v - 41.0 / 49.0).abs() < 1e-4);
    }

    #[test]
    fn clashes_and_sharing_read_in_words() {
        let g = grid();
        assert_eq!(
            clash_notes(&g),
            vec!["Kick and Bass both load the sub 20-60 Hz in 4 bars (3-6)".to_owned()]
        );
        // Heard bars 0-5; all three play in bars 2-5: 4 of 6.
        let words = playing_words(&g);
        assert!(
            words.starts_with("All 3 element tracks play together in 67% of bars"),
            "{words}"
        );
        // A meter on the mix bus plays in every bar but is not an element: same share.
        let mut with_bus = g.clone();
        let mut mix = with_bus.tracks[2].clone();
        mix.id = 9;
        mix.bus = true;
        mix.cells = (0..6).map(|_| cell(-10.0, 70.0, [0.5, 0.3, 0.1])).collect();
        with_bus.tracks.push(mix);
        assert_eq!(playing_words(&with_bus), words);
        with_bus.tracks.drain(..2);
        assert!(playing_words(&with_bus).starts_with("Buses hear every part"));
        let alone = ArrangementGrid {
            tracks: g.tracks[..1].to_vec(),
            bars: 6,
            clashes: Vec::new(),
        };
        assert!(playing_words(&alone).starts_with("Only this track"));
    }
}
