//! The whole-file loudness figures a loudness meter shows first (EBU R 128 / Tech 3341-3342):
//! integrated loudness, loudness range, true peak and the highest momentary and short-term
//! readings, read off a [`LoudnessMeter`] that has measured the whole programme.

use super::LoudnessMeter;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LoudnessSummary {
    /// Gated integrated loudness (BS.1770-4), LUFS.
    pub integrated_lufs: f64,
    /// Loudness range (EBU Tech 3342), LU.
    pub lra_lu: f64,
    /// Highest true peak of any channel (4x oversampled, BS.1770-4 Annex 2), dBTP.
    pub true_peak_dbtp: f64,
    /// Highest momentary (400 ms) loudness, LUFS.
    pub max_momentary_lufs: f64,
    /// Highest short-term (3 s) loudness, LUFS.
    pub max_short_term_lufs: f64,
}

impl LoudnessSummary {
    pub fn of(meter: &LoudnessMeter) -> Self {
        Self {
            integrated_lufs: meter.integrated_lufs(),
            lra_lu: meter.loudness_range_lu(),
            true_peak_dbtp: meter.true_peak_dbtp(),
            max_momentary_lufs: meter.max_momentary_lufs(),
            max_short_term_lufs: meter.max_short_term_lufs(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A -20 dBFS stereo 1 kHz tone for 10 s then -30 dBFS for 10 s: integrated is the
    /// gated mean (the -30 part is within the -10 LU relative gate: 10 log10 of the mean of
    /// the two powers, -22.6 LUFS), the maxima read the loud part (-20 LUFS: a stereo sine at
    /// -X dBFS peak reads -X LUFS), the true peak is the sine's peak (-20 dBTP), the LRA is
    /// the 10 LU step (Tech 3342 case 1 is this signal at 20 s each).
    #[test]
    fn summary_reads_a_two_level_tone() {
        let sr = 48_000.0f32;
        let mut meter = LoudnessMeter::new(sr, 2);
        let mut phase = 0.0f64;
        let block = 480;
        let mut buf = vec![0.0f32; block];
        for (dbfs, seconds) in [(-20.0f64, 10.0f64), (-30.0, 10.0)] {
            let amp = 10f64.powf(dbfs / 20.0);
            for _ in 0..(seconds * sr as f64 / block as f64) as usize {
                for v in buf.iter_mut() {
                    *v = (amp * (2.0 * std::f64::consts::PI * phase).sin()) as f32;
                    phase = (phase + 1_000.0 / sr as f64).fract();
                }
                meter.process(&[&buf, &buf]);
            }
        }
        let s = LoudnessSummary::of(&meter);
        let gated_mean = 10.0 * ((1.0 + 0.1) / 2.0f64).log10() - 20.0;
        assert!((s.integrated_lufs - gated_mean).abs() < 0.1, "{s:?}");
        assert!((s.max_momentary_lufs + 20.0).abs() < 0.1, "{s:?}");
        assert!((s.max_short_term_lufs + 20.0).abs() < 0.1, "{s:?}");
        assert!((s.true_peak_dbtp + 20.0).abs() < 0.1, "{s:?}");
        assert!((s.lra_lu - 10.0).abs() < 1.0, "{s:?}");
    }
}
