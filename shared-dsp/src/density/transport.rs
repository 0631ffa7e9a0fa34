//! The host transport as the density engine needs it, free of any plugin framework.

/// Transport at the first sample of a block.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Transport {
    pub playing: bool,
    pub tempo_bpm: Option<f64>,
    /// (numerator, denominator), e.g. (6, 8).
    pub time_sig: Option<(u32, u32)>,
    /// Position in quarter notes from the song start.
    pub pos_beats: Option<f64>,
}

impl Transport {
    /// No transport at all (a stopped host, the CLI without `--bpm`).
    pub fn free() -> Self {
        Self::default()
    }

    /// A playing transport.
    pub fn playing(tempo_bpm: f64, time_sig: (u32, u32), pos_beats: f64) -> Self {
        Self {
            playing: true,
            tempo_bpm: Some(tempo_bpm),
            time_sig: Some(time_sig),
            pos_beats: Some(pos_beats),
        }
    }

    /// The musical grid if the host is playing and gave a usable tempo and position; `None`
    /// means free time. A missing time signature means 4/4.
    pub fn grid(&self) -> Option<BarGrid> {
        if !self.playing {
            return None;
        }
        let tempo = self
            .tempo_bpm
            .filter(|t| t.is_finite() && *t >= 10.0 && *t <= 1000.0)?;
        let pos = self.pos_beats.filter(|p| p.is_finite())?;
        let (num, den) = self
            .time_sig
            .filter(|&(n, d)| (1..=64).contains(&n) && [1, 2, 4, 8, 16, 32].contains(&d))
            .unwrap_or((4, 4));
        Some(BarGrid {
            tempo_bpm: tempo,
            quarters_per_bar: num as f64 * 4.0 / den as f64,
            pos_beats: pos,
        })
    }
}

/// Positions this close under a bar line (in quarter notes) already belong to the next bar:
/// hosts send positions computed in floating point (a downbeat may arrive as 15.999999).
pub const BAR_TOLERANCE_BEATS: f64 = 1e-6;

/// A validated musical grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BarGrid {
    pub tempo_bpm: f64,
    pub quarters_per_bar: f64,
    pub pos_beats: f64,
}

impl BarGrid {
    pub fn samples_per_quarter(&self, sample_rate: f32) -> f64 {
        sample_rate as f64 * 60.0 / self.tempo_bpm
    }

    pub fn samples_per_bar(&self, sample_rate: f32) -> f64 {
        self.samples_per_quarter(sample_rate) * self.quarters_per_bar
    }

    /// The bar holding `beats` (a hair of tolerance, [`BAR_TOLERANCE_BEATS`], so a position
    /// exactly on a downbeat that arrives as 15.999999 still counts as the new bar).
    pub fn bar_at(&self, beats: f64) -> i64 {
        ((beats + BAR_TOLERANCE_BEATS) / self.quarters_per_bar).floor() as i64
    }

    /// Samples from position `beats` to the first sample of the next bar (at least 1), with
    /// the same tolerance as [`bar_at`](Self::bar_at): the sample this count lands on is the
    /// first one `bar_at` puts in the next bar, so the bar line falls on the same sample
    /// whatever block the host cut the audio into.
    pub fn samples_to_bar_end(&self, beats: f64, sample_rate: f32) -> usize {
        let next = (self.bar_at(beats) + 1) as f64 * self.quarters_per_bar;
        let samples = (next - BAR_TOLERANCE_BEATS - beats) * self.samples_per_quarter(sample_rate);
        (samples.ceil().max(1.0)) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_needs_playing_tempo_and_position() {
        assert!(Transport::free().grid().is_none());
        let mut t = Transport::playing(120.0, (4, 4), 0.0);
        assert!(t.grid().is_some());
        t.playing = false;
        assert!(t.grid().is_none());
        let t = Transport {
            pos_beats: Some(f64::NAN),
            ..Transport::playing(120.0, (4, 4), 0.0)
        };
        assert!(t.grid().is_none());
    }

    #[test]
    fn bars_follow_the_time_signature() {
        let g = Transport::playing(120.0, (6, 8), 0.0).grid().unwrap();
        assert_eq!(g.quarters_per_bar, 3.0);
        assert_eq!(g.bar_at(2.999_999_9), 1);
        assert_eq!(g.bar_at(5.9), 1);
        assert_eq!(g.samples_per_bar(48_000.0), 72_000.0);
    }
}
