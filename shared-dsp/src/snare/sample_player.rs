//! The "Sample" layer: plays the user's own hit (already decoded and resampled to the session
//! rate off the audio thread, see `sample_file`). Two voices: a retrigger starts the new hit on
//! the free voice and fades the ringing one out over 3 ms, so a hit on its own tail never clicks.
//! Pitch plays the sample faster/slower (linear interpolation), decay is an exponential fade
//! (T60) over the sample for shortening long tails.

use super::layer::{LayerCommon, Strike, t60_coef};
use super::sample_set::SampleSet;

/// A decoded, mono, session-rate sample. Built off the audio thread.
#[derive(Debug, Clone, Default)]
pub struct SampleData {
    pub frames: Vec<f32>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleSettings {
    pub common: LayerCommon,
}

impl Default for SampleSettings {
    fn default() -> Self {
        Self {
            common: LayerCommon::new(false, -6.0, 2_000.0),
        }
    }
}

/// Fade-out time of a stolen voice.
pub const STEAL_FADE_MS: f32 = 3.0;

/// Positions are fixed point, 32 fractional bits: integer index and fraction without float
/// conversions in the loop; a rate error of 2^-32 drifts < 1e-4 samples over a 10 s sample.
const FRAC_BITS: u32 = 32;
const FRAC_ONE: u64 = 1 << FRAC_BITS;
/// A voice stops once its decay has fallen 100 dB.
const SILENT_ENV: f32 = 1.0e-5;
/// Scratch block for the per-sample gains.
const SCRATCH: usize = 64;

#[derive(Debug, Clone, Copy, Default)]
struct Voice {
    /// Read position, fixed point (`FRAC_BITS`).
    position: u64,
    rate: u64,
    gain: f32,
    env: f32,
    decay: f32,
    /// Per-sample fade step while the voice is being stolen (0 = not fading).
    fade_step: f32,
    fade: f32,
    active: bool,
    /// Which sample of the set it plays.
    sample: usize,
}

#[derive(Debug, Clone)]
pub struct SamplePlayer {
    sample_rate: f32,
    settings: SampleSettings,
    voices: [Voice; 2],
    next: usize,
}

impl SamplePlayer {
    pub fn new(sample_rate: f32, settings: SampleSettings) -> Self {
        Self {
            sample_rate,
            settings,
            voices: [Voice::default(); 2],
            next: 0,
        }
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
        self.reset();
    }

    pub fn reset(&mut self) {
        self.voices = [Voice::default(); 2];
    }

    pub fn set_settings(&mut self, settings: SampleSettings) {
        self.settings = settings;
    }

    pub fn strike(&mut self, strike: Strike) {
        self.strike_sample(strike, 0);
    }

    /// Starts sample `sample` of the set (see `SampleSet::choose`).
    pub fn strike_sample(&mut self, strike: Strike, sample: usize) {
        let fade_step = 1.0 / (STEAL_FADE_MS * 0.001 * self.sample_rate).max(1.0);
        for v in self.voices.iter_mut().filter(|v| v.active) {
            if v.fade_step == 0.0 {
                v.fade_step = fade_step;
            }
        }
        let s = &self.settings.common;
        let rate = crate::util::cents_to_ratio(100.0 * s.pitch_semitones) * strike.pitch_ratio;
        self.voices[self.next] = Voice {
            position: 0,
            rate: ((rate as f64 * FRAC_ONE as f64).round() as u64).max(1),
            gain: strike.gain,
            env: 1.0,
            decay: t60_coef(self.sample_rate, s.decay_ms * strike.decay_scale),
            fade_step: 0.0,
            fade: 1.0,
            active: true,
            sample,
        };
        self.next = 1 - self.next;
    }

    /// Writes the next `out.len()` samples of `sample` (None: no sample loaded, silence).
    pub fn process_block(&mut self, sample: Option<&SampleData>, out: &mut [f32]) {
        self.render(|_| sample.map(|s| &s.frames[..]), out);
    }

    /// Writes the next `out.len()` samples, each voice reading its own sample of `set`.
    pub fn process_block_set(&mut self, set: Option<&SampleSet>, out: &mut [f32]) {
        self.render(|k| set.and_then(|s| s.data(k)).map(|d| &d.frames[..]), out);
    }

    fn render<'a>(&mut self, frames_of: impl Fn(usize) -> Option<&'a [f32]>, out: &mut [f32]) {
        out.fill(0.0);
        let mut gains = [0.0f32; SCRATCH];
        for v in self.voices.iter_mut() {
            if !v.active {
                continue;
            }
            // No sample (cleared) or one too short to interpolate: the voice is silent.
            let frames = match frames_of(v.sample) {
                Some(f) if f.len() >= 2 => f,
                _ => {
                    v.active = false;
                    continue;
                }
            };
            // Interpolation reads frames i and i + 1: the voice ends when i + 1 reaches the end.
            let end = ((frames.len() - 1) as u64) << FRAC_BITS;
            for out in out.chunks_mut(SCRATCH) {
                if !v.active {
                    break;
                }
                let left = end.saturating_sub(v.position).div_ceil(v.rate);
                let mut n = out.len().min(left.min(SCRATCH as u64) as usize);
                // Gain per sample (recursive decay, linear steal fade) in a scalar pass...
                let gains = &mut gains[..n];
                let mut env = v.env;
                if v.fade_step > 0.0 {
                    let mut fade = v.fade;
                    for (k, g) in gains.iter_mut().enumerate() {
                        if fade <= 0.0 {
                            n = k;
                            v.active = false;
                            break;
                        }
                        *g = v.gain * env * fade;
                        env *= v.decay;
                        fade -= v.fade_step;
                    }
                    v.fade = fade;
                    if fade <= 0.0 {
                        v.active = false;
                    }
                } else {
                    for g in gains.iter_mut() {
                        *g = v.gain * env;
                        env *= v.decay;
                    }
                }
                let gains = &gains[..n];
                let out = &mut out[..n];
                // ...then the read: a plain scaled copy at the original pitch, else linear
                // interpolation between neighbouring frames.
                let start = (v.position >> FRAC_BITS) as usize;
                if v.rate == FRAC_ONE && v.position & (FRAC_ONE - 1) == 0 {
                    for ((o, &g), &x) in out.iter_mut().zip(gains).zip(&frames[start..start + n]) {
                        *o += x * g;
                    }
                    v.position += (n as u64) << FRAC_BITS;
                } else {
                    let mut p = v.position;
                    for (o, &g) in out.iter_mut().zip(gains) {
                        let i = (p >> FRAC_BITS) as usize;
                        let frac = (p as u32) as f32 * (1.0 / FRAC_ONE as f32);
                        let (a, b) = (frames[i], frames[i + 1]);
                        *o += (a + (b - a) * frac) * g;
                        p += v.rate;
                    }
                    v.position = p;
                }
                v.env = env;
                if v.position >= end || env < SILENT_ENV {
                    v.active = false;
                }
            }
        }
    }

    /// One output sample (tests and callers without a block).
    pub fn process(&mut self, sample: Option<&SampleData>) -> f32 {
        let mut x = [0.0f32];
        self.process_block(sample, &mut x);
        x[0]
    }

    /// Silences all voices at once (used when the sample is replaced).
    pub fn stop(&mut self) {
        for v in &mut self.voices {
            v.active = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use catalyst_test_support::measure::max_step;

    fn sine_sample(len: usize) -> SampleData {
        SampleData {
            frames: (0..len)
                .map(|n| (std::f32::consts::TAU * 200.0 * n as f32 / 48_000.0).sin())
                .collect(),
        }
    }

    #[test]
    fn plays_the_sample_at_pitch_and_stops_at_its_end() {
        let data = sine_sample(4_800);
        let mut p = SamplePlayer::new(48_000.0, SampleSettings::default());
        p.strike(Strike {
            pitch_ratio: 2.0,
            ..Strike::UNIT
        });
        let x: Vec<f32> = (0..6_000).map(|_| p.process(Some(&data))).collect();
        // An octave up: half as long.
        let last = x.iter().rposition(|v| v.abs() > 1e-6).unwrap();
        assert!((last as i32 - 2_399).abs() <= 2, "{last}");
        assert!(p.process(None) == 0.0);
    }

    #[test]
    fn block_size_does_not_change_the_output() {
        let data = sine_sample(9_000);
        let render = |block: usize| {
            let mut p = SamplePlayer::new(48_000.0, SampleSettings::default());
            let mut x = vec![0.0f32; 12_000];
            let mut pos = 0;
            for (k, hit) in [(0usize, 1.0f32), (3_001, 0.9), (3_070, 1.1)] {
                for c in x[pos..k].chunks_mut(block) {
                    p.process_block(Some(&data), c);
                }
                p.strike(Strike {
                    pitch_ratio: hit,
                    ..Strike::UNIT
                });
                pos = k;
            }
            for c in x[pos..].chunks_mut(block) {
                p.process_block(Some(&data), c);
            }
            x
        };
        let reference = render(1);
        for block in [7usize, 64, 8192] {
            let x = render(block);
            let worst = crate::test_util::max_abs_diff(&x, &reference);
            assert!(worst < 1.0e-6, "block {block}: {worst}");
        }
        assert!(reference[3_100..].iter().any(|v| v.abs() > 0.1));
    }

    #[test]
    fn unpitched_playback_is_the_sample_itself() {
        let data = sine_sample(2_000);
        let mut settings = SampleSettings::default();
        settings.common.decay_ms = 1.0e9;
        let mut p = SamplePlayer::new(48_000.0, settings);
        p.strike(Strike::UNIT);
        let mut x = vec![0.0f32; 2_500];
        for c in x.chunks_mut(64) {
            p.process_block(Some(&data), c);
        }
        for (k, (a, b)) in x[..1_999].iter().zip(&data.frames).enumerate() {
            assert!((a - b).abs() < 1.0e-5, "{k}");
        }
        assert!(x[1_999..].iter().all(|&v| v == 0.0));
    }

    #[test]
    fn retrigger_crossfades_instead_of_cutting() {
        let data = sine_sample(48_000);
        let mut p = SamplePlayer::new(48_000.0, SampleSettings::default());
        p.strike(Strike::UNIT);
        // Retrigger at a positive peak of the 200 Hz sine (sample 60): cutting would jump by 1.
        let mut x: Vec<f32> = (0..1_260).map(|_| p.process(Some(&data))).collect();
        p.strike(Strike::UNIT);
        x.extend((0..1_000).map(|_| p.process(Some(&data))));
        let sine_slope = std::f32::consts::TAU * 200.0 / 48_000.0;
        let fade_slope = 1.0 / (STEAL_FADE_MS * 0.001 * 48_000.0);
        assert!(
            max_step(&x) <= 1.1 * (2.0 * sine_slope + fade_slope),
            "{}",
            max_step(&x)
        );
    }
}
