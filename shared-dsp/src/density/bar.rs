//! Statistics of one bar (or one free-time slot) and the accumulator that gathers them.

use super::bands::{LOW_BANDS, NO_PROFILE_DB, PROFILE_BANDS};
use super::index::{DensityComponents, SILENT_LUFS, density_index};
use super::spectral::FrameFeatures;
use crate::loudness::{FLOOR_LUFS, gain_to_db_floor, power_to_lufs};
use serde::{Deserialize, Serialize};

/// Everything the meter keeps about one bar.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BarStats {
    /// Bar number from the song start (0 = first bar) in bar mode; slot number in free time.
    pub index: i32,
    /// Length of the bar, seconds (from the tempo; the free-time slot length otherwise).
    pub duration_s: f32,
    /// Share of the bar the meter actually heard (0..1): below 1 when playback started
    /// mid-bar or the host skipped calls.
    pub coverage: f32,
    /// BS.1770 loudness of exactly this bar (K-weighted mean square over the bar, ungated),
    /// LUFS.
    pub loudness_lufs: f32,
    pub true_peak_dbtp: f32,
    /// Peak-to-loudness ratio: true peak minus loudness, dB.
    pub plr_db: f32,
    pub occupancy: f32,
    pub flatness: f32,
    pub onset_rate_hz: f32,
    /// Power share below 120 Hz.
    pub low_share: f32,
    /// Power share per low band (sub, bass, low-mid).
    pub low_band_share: [f32; LOW_BANDS],
    /// The Density index (0..100).
    pub density: f32,
    /// Part fill (0..1): how much of the song's fullest band profile this bar holds
    /// (`super::part_fill`): against itself when the accumulator closes it, against the fullest
    /// bars so far in the tracker, against the whole song in a report.
    #[serde(default)]
    pub fill: f32,
    /// Band profile: log-mean level over the bar's frames of each pair of ERB bands
    /// ([`PROFILE_BANDS`], low to high), dB of mean square; all [`NO_PROFILE_DB`] when unknown
    /// (state saved before profiles existed).
    #[serde(default = "no_profile")]
    pub band_db: [f32; PROFILE_BANDS],
}

fn no_profile() -> [f32; PROFILE_BANDS] {
    [NO_PROFILE_DB; PROFILE_BANDS]
}

/// Number of `f32`s [`BarStats::write_fields`] writes (for lock-free `GuiArray` publishing).
pub const BAR_FIELDS: usize = 15 + PROFILE_BANDS;

impl BarStats {
    /// Is anything playing in this bar?
    pub fn is_sounding(&self) -> bool {
        self.loudness_lufs >= SILENT_LUFS
    }

    pub fn components(&self) -> DensityComponents {
        DensityComponents {
            loudness_lufs: self.loudness_lufs,
            occupancy: self.occupancy,
            flatness: self.flatness,
            onset_rate_hz: self.onset_rate_hz,
            plr_db: self.plr_db,
            low_share: self.low_share,
            fill: self.fill,
        }
    }

    /// Whether the bar carries a band profile (bars restored from older state do not).
    pub fn has_profile(&self) -> bool {
        self.band_db.iter().any(|&db| db > NO_PROFILE_DB)
    }

    /// Writes the bar as [`BAR_FIELDS`] floats (the index as a float).
    ///
    /// # Panics
    /// In debug builds when `out` is shorter than [`BAR_FIELDS`] (release builds write what fits).
    pub fn write_fields(&self, out: &mut [f32]) {
        debug_assert!(out.len() >= BAR_FIELDS, "{} < {BAR_FIELDS}", out.len());
        let v = [
            self.index as f32,
            self.duration_s,
            self.coverage,
            self.loudness_lufs,
            self.true_peak_dbtp,
            self.plr_db,
            self.occupancy,
            self.flatness,
            self.onset_rate_hz,
            self.low_share,
            self.low_band_share[0],
            self.low_band_share[1],
            self.low_band_share[2],
            self.density,
            self.fill,
        ];
        for (o, x) in out.iter_mut().zip(v.iter().chain(&self.band_db)) {
            *o = *x;
        }
    }

    /// Reads a bar written by [`write_fields`](Self::write_fields); `None` for a slot whose
    /// coverage is 0 (never heard) or that is too short.
    pub fn read_fields(f: &[f32]) -> Option<Self> {
        if f.len() < BAR_FIELDS || f[2].is_nan() || f[2] <= 0.0 {
            return None;
        }
        Some(Self {
            index: f[0] as i32,
            duration_s: f[1],
            coverage: f[2],
            loudness_lufs: f[3],
            true_peak_dbtp: f[4],
            plr_db: f[5],
            occupancy: f[6],
            flatness: f[7],
            onset_rate_hz: f[8],
            low_share: f[9],
            low_band_share: [f[10], f[11], f[12]],
            density: f[13],
            fill: f[14],
            band_db: std::array::from_fn(|i| f[15 + i]),
        })
    }

    /// Replaces non-finite values and clamps every field to its range (for restored state).
    pub fn sanitized(mut self) -> Self {
        fn fix(x: f32, lo: f32, hi: f32) -> f32 {
            if x.is_finite() { x.clamp(lo, hi) } else { lo }
        }
        self.duration_s = fix(self.duration_s, 0.0, 3600.0);
        self.coverage = fix(self.coverage, 0.0, 1.0);
        self.loudness_lufs = fix(self.loudness_lufs, FLOOR_LUFS as f32, 30.0);
        self.true_peak_dbtp = fix(self.true_peak_dbtp, FLOOR_LUFS as f32, 30.0);
        self.plr_db = fix(self.plr_db, 0.0, 60.0);
        self.occupancy = fix(self.occupancy, 0.0, 1.0);
        self.flatness = fix(self.flatness, 0.0, 1.0);
        self.onset_rate_hz = fix(self.onset_rate_hz, 0.0, 100.0);
        self.low_share = fix(self.low_share, 0.0, 1.0);
        for s in &mut self.low_band_share {
            *s = fix(*s, 0.0, 1.0);
        }
        self.density = fix(self.density, 0.0, 100.0);
        self.fill = fix(self.fill, 0.0, 1.0);
        for db in &mut self.band_db {
            *db = fix(*db, NO_PROFILE_DB, 60.0);
        }
        self
    }
}

/// Gathers frames, loudness readings and peaks while a bar plays. Plain sums: no allocation.
#[derive(Debug, Clone, Copy, Default)]
pub struct BarAccumulator {
    pub samples: u64,
    frames: u32,
    sounding_frames: u32,
    occupancy_sum: f32,
    flatness_sum: f32,
    power_sum: f64,
    low_power_sum: f64,
    low_band_power_sum: [f64; LOW_BANDS],
    onsets: u32,
    /// Sum of the frames' `profile_db` over `profile_frames` frames.
    profile_sum: [f64; PROFILE_BANDS],
    profile_frames: u32,
    peak: f64,
    /// Sum over samples of the channel-weighted K-weighted squares.
    k_energy_sum: f64,
}

impl BarAccumulator {
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    pub fn is_empty(&self) -> bool {
        self.samples == 0
    }

    pub fn add_samples(&mut self, n: usize, block_true_peak: f64) {
        self.samples += n as u64;
        if block_true_peak.is_finite() {
            self.peak = self.peak.max(block_true_peak);
        }
    }

    pub fn add_frame(&mut self, f: &FrameFeatures) {
        self.frames += 1;
        if f.profile_db[0] > NO_PROFILE_DB {
            self.profile_frames += 1;
            for (s, &db) in self.profile_sum.iter_mut().zip(&f.profile_db) {
                *s += db as f64;
            }
        }
        if f.silent {
            return;
        }
        self.sounding_frames += 1;
        self.occupancy_sum += f.occupancy;
        self.flatness_sum += f.flatness;
        let p = f.power as f64;
        self.power_sum += p;
        self.low_power_sum += p * f.low_share as f64;
        for (s, share) in self.low_band_power_sum.iter_mut().zip(f.low_band_share) {
            *s += p * share as f64;
        }
        if f.onset {
            self.onsets += 1;
        }
    }

    /// Adds the channel-weighted sum of K-weighted squares of some samples.
    pub fn add_k_energy(&mut self, energy: f64) {
        if energy.is_finite() {
            self.k_energy_sum += energy;
        }
    }

    /// The bar's statistics. `expected_samples` is the full bar length at this sample rate.
    pub fn finish(&self, index: i32, sample_rate: f32, expected_samples: f64) -> BarStats {
        let heard_s = self.samples as f32 / sample_rate;
        let loudness = if self.samples > 0 {
            power_to_lufs(self.k_energy_sum / self.samples as f64)
        } else {
            FLOOR_LUFS
        } as f32;
        let true_peak = gain_to_db_floor(self.peak) as f32;
        let n = self.sounding_frames.max(1) as f32;
        let power = self.power_sum.max(1e-30);
        let mut low_band_share = [0.0f32; LOW_BANDS];
        for (o, s) in low_band_share.iter_mut().zip(self.low_band_power_sum) {
            *o = (s / power) as f32;
        }
        let mut bar = BarStats {
            index,
            duration_s: (expected_samples / sample_rate as f64) as f32,
            coverage: (self.samples as f64 / expected_samples.max(1.0)).clamp(0.0, 1.0) as f32,
            loudness_lufs: loudness,
            true_peak_dbtp: true_peak,
            plr_db: if loudness > FLOOR_LUFS as f32 {
                (true_peak - loudness).max(0.0)
            } else {
                0.0
            },
            occupancy: self.occupancy_sum / n,
            flatness: self.flatness_sum / n,
            onset_rate_hz: if heard_s > 0.0 {
                self.onsets as f32 / heard_s
            } else {
                0.0
            },
            low_share: (self.low_power_sum / power) as f32,
            low_band_share,
            density: 0.0,
            fill: 0.0,
            band_db: no_profile(),
        };
        if self.profile_frames > 0 && self.sounding_frames > 0 {
            for (o, s) in bar.band_db.iter_mut().zip(self.profile_sum) {
                *o = (s / self.profile_frames as f64) as f32;
            }
        }
        if self.sounding_frames == 0 {
            bar.occupancy = 0.0;
            bar.flatness = 0.0;
            bar.low_share = 0.0;
            bar.low_band_share = [0.0; LOW_BANDS];
        }
        bar.fill = super::part_fill::self_fill(&bar.band_db);
        bar.density = density_index(&bar.components());
        bar.sanitized()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip() {
        let bar = BarStats {
            index: 17,
            duration_s: 2.0,
            coverage: 0.75,
            loudness_lufs: -14.0,
            true_peak_dbtp: -1.0,
            plr_db: 13.0,
            occupancy: 0.6,
            flatness: 0.1,
            onset_rate_hz: 4.0,
            low_share: 0.3,
            low_band_share: [0.1, 0.2, 0.05],
            density: 55.0,
            fill: 0.4,
            band_db: std::array::from_fn(|i| -20.0 - i as f32),
        };
        let mut f = [0.0f32; BAR_FIELDS];
        bar.write_fields(&mut f);
        assert_eq!(BarStats::read_fields(&f), Some(bar));
        f[2] = 0.0;
        assert_eq!(BarStats::read_fields(&f), None);
    }

    #[test]
    fn sanitized_repairs_garbage() {
        let bar = BarStats {
            index: 0,
            duration_s: f32::NAN,
            coverage: 7.0,
            loudness_lufs: f32::INFINITY,
            true_peak_dbtp: f32::NEG_INFINITY,
            plr_db: -3.0,
            occupancy: 2.0,
            flatness: f32::NAN,
            onset_rate_hz: 1e9,
            low_share: -1.0,
            low_band_share: [f32::NAN; 3],
            density: 1e9,
            fill: f32::NAN,
            band_db: [f32::NEG_INFINITY; PROFILE_BANDS],
        }
        .sanitized();
        assert_eq!(bar.coverage, 1.0);
        assert_eq!(bar.occupancy, 1.0);
        assert_eq!(bar.density, 100.0);
        assert!(bar.duration_s.is_finite() && bar.flatness.is_finite());
    }
}
