//! The EBU loudness test signals, built rather than read from files: EBU Tech 3341 (2016) and
//! Tech 3342 (2016) synthesise their cases from sines (1 kHz) at set dBFS peak levels for set
//! durations. One generator and one table of cases serve the meter's unit tests and the CLI's
//! `analyze` tests.

/// A sine that stays phase-continuous however its level changes between samples (the cases
/// step the level without a click). Phase is kept in cycles, wrapped every sample.
pub struct EbuTone {
    phase_cycles: f64,
    step_cycles: f64,
}

impl EbuTone {
    pub fn new(sample_rate: f64, freq_hz: f64) -> Self {
        Self {
            phase_cycles: 0.0,
            step_cycles: freq_hz / sample_rate,
        }
    }

    /// The next sample of the unit-amplitude sine.
    pub fn next_unit(&mut self) -> f64 {
        let s = (std::f64::consts::TAU * self.phase_cycles).sin();
        self.phase_cycles = (self.phase_cycles + self.step_cycles).fract();
        s
    }
}

/// Linear peak amplitude of a level in dBFS.
pub fn dbfs_to_amplitude(dbfs: f64) -> f64 {
    10f64.powf(dbfs / 20.0)
}

/// One channel of a sine at `freq_hz` through `segments` of (dBFS peak, seconds), as the
/// Tech 3341 / 3342 cases are written (e.g. 3341 case 3: `[(-36, 10), (-23, 60), (-36, 10)]`).
pub fn tone_segments(sample_rate: f64, freq_hz: f64, segments: &[(f64, f64)]) -> Vec<f32> {
    let mut tone = EbuTone::new(sample_rate, freq_hz);
    let mut x = Vec::new();
    for &(dbfs, seconds) in segments {
        let amp = dbfs_to_amplitude(dbfs);
        for _ in 0..(seconds * sample_rate).round() as usize {
            x.push((amp * tone.next_unit()) as f32);
        }
    }
    x
}

/// One case: the (dBFS peak, seconds) segments of a stereo 1 kHz tone, and the figure the
/// standard says a meter reads on it.
pub type EbuCase = (&'static [(f64, f64)], f64);

/// EBU Tech 3341 (2016) cases 1-5 and their integrated loudness, LUFS (the standard allows
/// +-0.1 LU).
pub const TECH3341_CASES_1_TO_5: [EbuCase; 5] = [
    (&[(-23.0, 20.0)], -23.0),
    (&[(-33.0, 20.0)], -33.0),
    (&[(-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0)], -23.0),
    (
        &[
            (-72.0, 10.0),
            (-36.0, 10.0),
            (-23.0, 60.0),
            (-36.0, 10.0),
            (-72.0, 10.0),
        ],
        -23.0,
    ),
    (&[(-26.0, 20.0), (-20.0, 20.1), (-26.0, 20.0)], -23.0),
];

/// EBU Tech 3342 (2016) cases 1-4 and their loudness range, LU (the standard allows +-1 LU).
pub const TECH3342_CASES_1_TO_4: [EbuCase; 4] = [
    (&[(-20.0, 20.0), (-30.0, 20.0)], 10.0),
    (&[(-20.0, 20.0), (-15.0, 20.0)], 5.0),
    (&[(-40.0, 20.0), (-20.0, 20.0)], 20.0),
    (
        &[
            (-50.0, 20.0),
            (-35.0, 20.0),
            (-20.0, 20.0),
            (-35.0, 20.0),
            (-50.0, 20.0),
        ],
        15.0,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_have_their_length_peak_and_frequency_and_no_phase_jump() {
        let x = tone_segments(48_000.0, 1_000.0, &[(-20.0, 0.5), (-6.0, 0.25)]);
        assert_eq!(x.len(), 36_000);
        let peak = |s: &[f32]| s.iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64;
        // 1 kHz at 48 kHz: 48 samples a cycle, the peak sample lands on the crest.
        assert!((peak(&x[..24_000]) - 0.1).abs() < 1e-6);
        assert!((peak(&x[24_000..]) - dbfs_to_amplitude(-6.0)).abs() < 1e-6);
        let crossings = x[..24_000]
            .windows(2)
            .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
            .count();
        assert!(
            (499..=500).contains(&crossings),
            "{crossings} cycles in 0.5 s"
        );
        // Across the level step the waveform continues: the sample after the step is the sine's
        // next sample at the new level, not a restart at phase 0.
        let phase_at_step = 2.0 * std::f64::consts::PI * (24_000.0 * 1_000.0 / 48_000.0);
        let want = dbfs_to_amplitude(-6.0) * phase_at_step.sin();
        assert!((x[24_000] as f64 - want).abs() < 1e-6);
    }
}
