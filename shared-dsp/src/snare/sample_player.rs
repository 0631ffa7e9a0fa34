//! The "Sample" layer: plays the user's own hit (already decoded and resampled to the session
//! rate off the audio thread, see `sample_file`). Two voices: a retrigger starts the new hit on
//! the free voice and fades the ringing one out over 3 ms, so a hit on its own tail never clicks.
//! Pitch plays the sample faster/slower (linear interpolation), decay is an exponential fade
//! (T60) over the sample for shortening long tails.

use super::layer::{LayerCommon, Strike, t60_coef};

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

#[derive(Debug, Clone, Copy, Default)]
struct Voice {
    position: f64,
    rate: f64,
    gain: f32,
    env: f32,
    decay: f32,
    /// Per-sample fade step while the voice is being stolen (0 = not fading).
    fade_step: f32,
    fade: f32,
    active: bool,
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
        let fade_step = 1.0 / (STEAL_FADE_MS * 0.001 * self.sample_rate).max(1.0);
        for v in self.voices.iter_mut().filter(|v| v.active) {
            if v.fade_step == 0.0 {
                v.fade_step = fade_step;
            }
        }
        let s = &self.settings.common;
        let rate = crate::util::cents_to_ratio(100.0 * s.pitch_semitones) * strike.pitch_ratio;
        self.voices[self.next] = Voice {
            position: 0.0,
            rate: rate as f64,
            gain: strike.gain,
            env: 1.0,
            decay: t60_coef(self.sample_rate, s.decay_ms * strike.decay_scale),
            fade_step: 0.0,
            fade: 1.0,
            active: true,
        };
        self.next = 1 - self.next;
    }

    /// One output sample of `sample` (None: no sample loaded, silence).
    #[inline]
    pub fn process(&mut self, sample: Option<&SampleData>) -> f32 {
        let Some(sample) = sample else {
            return 0.0;
        };
        let frames = &sample.frames;
        let mut out = 0.0;
        for v in self.voices.iter_mut().filter(|v| v.active) {
            let i = v.position as usize;
            if i + 1 >= frames.len() {
                v.active = false;
                continue;
            }
            let frac = (v.position - i as f64) as f32;
            let x = frames[i] + (frames[i + 1] - frames[i]) * frac;
            out += x * v.gain * v.env * v.fade;
            v.position += v.rate;
            v.env *= v.decay;
            if v.fade_step > 0.0 {
                v.fade -= v.fade_step;
                if v.fade <= 0.0 {
                    v.active = false;
                }
            }
            if v.env < 1.0e-5 {
                v.active = false;
            }
        }
        out
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
    use crate::snare::layer::measure::max_step;

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
