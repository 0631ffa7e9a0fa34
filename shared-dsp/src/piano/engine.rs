//! First engine: a Karplus-Strong plucked/struck string per voice (Jaffe & Smith, "Extensions
//! of the Karplus-Strong Plucked-String Algorithm", CMJ 1983) with a velocity-shaped excitation.
//! It is the waveguide skeleton the full piano model grows from.

use crate::rng::Rng;
use crate::util::midi_to_hz;

pub const MAX_VOICES: usize = 64;
const MAX_DELAY: usize = 8192;

#[derive(Clone)]
struct Voice {
    note: u8,
    active: bool,
    released: bool,
    delay: Vec<f32>,
    len: usize,
    frac: f32,
    pos: usize,
    last: f32,
    loss: f32,
    gain: f32,
    release_gain: f32,
    age: u64,
}

impl Voice {
    fn new() -> Self {
        Self {
            note: 0,
            active: false,
            released: false,
            delay: vec![0.0; MAX_DELAY],
            len: 2,
            frac: 0.0,
            pos: 0,
            last: 0.0,
            loss: 0.999,
            gain: 0.0,
            release_gain: 1.0,
            age: 0,
        }
    }
}

pub struct PianoEngine {
    sample_rate: f32,
    voices: Vec<Voice>,
    rng: Rng,
    clock: u64,
    pub a4_hz: f32,
}

impl PianoEngine {
    /// Allocates every voice's delay line: call off the audio thread.
    pub fn new(sample_rate: f32) -> Self {
        Self {
            sample_rate,
            voices: (0..MAX_VOICES).map(|_| Voice::new()).collect(),
            rng: Rng::new(1),
            clock: 0,
            a4_hz: 440.0,
        }
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
        self.reset();
    }

    pub fn reset(&mut self) {
        for v in &mut self.voices {
            v.active = false;
            v.delay.fill(0.0);
        }
    }

    pub fn active_voices(&self) -> usize {
        self.voices.iter().filter(|v| v.active).count()
    }

    pub fn note_on(&mut self, note: u8, velocity: f32) {
        self.clock += 1;
        let idx = self
            .voices
            .iter()
            .position(|v| !v.active)
            .unwrap_or_else(|| {
                self.voices
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, v)| v.age)
                    .map(|(i, _)| i)
                    .unwrap_or(0)
            });
        let sr = self.sample_rate;
        let f0 = midi_to_hz(note as f32, self.a4_hz);
        let period = (sr / f0).clamp(2.0, (MAX_DELAY - 2) as f32);
        let v = &mut self.voices[idx];
        v.note = note;
        v.active = true;
        v.released = false;
        // The averaging loop filter adds half a sample of delay.
        v.len = (period - 0.5).floor() as usize;
        v.frac = period - 0.5 - v.len as f32;
        v.pos = 0;
        v.last = 0.0;
        v.loss = (-6.9 / (f0.max(1.0) * (8.0 - note as f32 / 20.0).max(0.5))).exp();
        v.gain = velocity.clamp(0.0, 1.0);
        v.release_gain = 1.0;
        v.age = self.clock;
        // Brighter excitation for harder hits: the noise is lowpassed less.
        let mut lp = 0.0;
        let brightness = 0.2 + 0.8 * velocity;
        for s in v.delay[..v.len].iter_mut() {
            lp += (self.rng.bipolar() - lp) * brightness;
            *s = lp;
        }
    }

    pub fn note_off(&mut self, note: u8) {
        for v in self
            .voices
            .iter_mut()
            .filter(|v| v.active && v.note == note)
        {
            v.released = true;
        }
    }

    /// Adds the voices into `left`/`right` (same length).
    pub fn render(&mut self, left: &mut [f32], right: &mut [f32]) {
        let release_coef = (-1.0 / (0.08 * self.sample_rate)).exp();
        for v in self.voices.iter_mut().filter(|v| v.active) {
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                let a = v.delay[v.pos];
                let b = v.delay[(v.pos + 1) % v.len];
                let out = a + (b - a) * v.frac;
                let filtered = 0.5 * (out + v.last) * v.loss;
                v.last = out;
                v.delay[v.pos] = filtered;
                v.pos = (v.pos + 1) % v.len;
                if v.released {
                    v.release_gain *= release_coef;
                }
                let s = out * v.gain * v.release_gain * 0.5;
                *l += s;
                *r += s;
            }
            if v.release_gain < 1.0e-4 || v.loss < 1e-3 {
                v.active = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_sounds_then_release_silences_it() {
        let mut e = PianoEngine::new(48_000.0);
        e.note_on(60, 0.8);
        let mut l = vec![0.0; 4800];
        let mut r = vec![0.0; 4800];
        e.render(&mut l, &mut r);
        let rms = (l.iter().map(|x| x * x).sum::<f32>() / l.len() as f32).sqrt();
        assert!(rms > 0.01, "rms {rms}");
        e.note_off(60);
        for _ in 0..20 {
            l.fill(0.0);
            r.fill(0.0);
            e.render(&mut l, &mut r);
        }
        assert_eq!(e.active_voices(), 0);
    }
}
