//! "Air": a small room. Two Schroeder allpass diffusers per side feed a 4-line feedback delay
//! network with a Householder mixing matrix (Jot & Chaigne 1991; Smith, "Physical Audio Signal
//! Processing"), each line damped by a one-pole lowpass so the room darkens as it decays.

use crate::filters::OnePoleLowpass;

const LINE_MS: [f32; 4] = [13.7, 17.9, 21.3, 25.1];
const DIFFUSER_MS: [f32; 2] = [4.7, 1.63];
const DIFFUSER_GAIN: f32 = 0.6;
/// Reverberation time of the room at low frequencies.
const T60_S: f32 = 0.7;

#[derive(Debug, Clone)]
struct DelayLine {
    buf: Vec<f32>,
    len: usize,
    pos: usize,
}

impl DelayLine {
    fn new(sample_rate: f32, ms: f32) -> Self {
        let len = ((ms * 0.001 * sample_rate) as usize).max(1);
        Self {
            buf: vec![0.0; len],
            len,
            pos: 0,
        }
    }

    #[inline]
    fn read(&self) -> f32 {
        self.buf[self.pos]
    }

    #[inline]
    fn write_advance(&mut self, x: f32) {
        self.buf[self.pos] = x;
        self.pos += 1;
        if self.pos == self.len {
            self.pos = 0;
        }
    }

    fn reset(&mut self) {
        self.buf.fill(0.0);
        self.pos = 0;
    }
}

#[derive(Debug, Clone)]
pub struct SmallRoom {
    lines: [DelayLine; 4],
    damping: [OnePoleLowpass; 4],
    feedback: [f32; 4],
    diffusers: [[DelayLine; 2]; 2],
}

impl SmallRoom {
    /// Allocates the delay lines: call off the audio thread.
    pub fn new(sample_rate: f32) -> Self {
        let lines = LINE_MS.map(|ms| DelayLine::new(sample_rate, ms));
        // Per-line gain for the wanted T60: -60 dB over T60 seconds.
        let feedback = LINE_MS.map(|ms| 10f32.powf(-3.0 * ms * 0.001 / T60_S));
        Self {
            lines,
            damping: [0; 4].map(|_| OnePoleLowpass::new(sample_rate, 4_500.0)),
            feedback,
            diffusers: [0, 1].map(|side| {
                DIFFUSER_MS.map(|ms| DelayLine::new(sample_rate, ms * (1.0 + 0.13 * side as f32)))
            }),
        }
    }

    pub fn reset(&mut self) {
        self.lines.iter_mut().for_each(DelayLine::reset);
        self.damping.iter_mut().for_each(OnePoleLowpass::reset);
        self.diffusers
            .iter_mut()
            .flatten()
            .for_each(DelayLine::reset);
    }

    /// Returns the room's wet signal for a stereo input.
    #[inline]
    pub fn process(&mut self, left: f32, right: f32) -> (f32, f32) {
        let mut inputs = [left, right];
        for (x, side) in inputs.iter_mut().zip(self.diffusers.iter_mut()) {
            for d in side.iter_mut() {
                // Schroeder allpass: y = -g x + d, d <- x + g y.
                let delayed = d.read();
                let v = *x + DIFFUSER_GAIN * delayed;
                let y = delayed - DIFFUSER_GAIN * v;
                d.write_advance(crate::denormal::flush(v));
                *x = y;
            }
        }
        let out: [f32; 4] = [0, 1, 2, 3].map(|i| self.lines[i].read());
        // Householder reflection: y = x - (2/N) sum(x), lossless and fully mixing.
        let half_sum = 0.5 * (out[0] + out[1] + out[2] + out[3]);
        for (i, ((line, damping), (&o, &fb))) in self
            .lines
            .iter_mut()
            .zip(self.damping.iter_mut())
            .zip(out.iter().zip(self.feedback.iter()))
            .enumerate()
        {
            let input = inputs[i % 2];
            let damped = damping.process((o - half_sum) * fb);
            line.write_advance(crate::denormal::flush(damped + input));
        }
        (out[0] + 0.6 * out[2], out[1] + 0.6 * out[3])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_decays_about_as_designed() {
        let sr = 48_000.0;
        let mut room = SmallRoom::new(sr);
        let energy = |from_s: f32, to_s: f32, room: &mut SmallRoom, t: &mut usize| {
            let mut e = 0.0f64;
            while (*t as f32) < to_s * sr {
                let x = if *t == 0 { 1.0 } else { 0.0 };
                let (l, r) = room.process(x, x);
                if *t as f32 >= from_s * sr {
                    e += (l as f64).powi(2) + (r as f64).powi(2);
                }
                *t += 1;
            }
            e
        };
        let mut t = 0;
        let early = energy(0.05, 0.15, &mut room, &mut t);
        let _ = energy(0.15, 0.45, &mut room, &mut t);
        let late = energy(0.45, 0.55, &mut room, &mut t);
        // 0.4 s later, roughly -34 dB for T60 = 0.7 s (more with the HF damping).
        let drop_db = 10.0 * (early / late).log10();
        assert!((28.0..50.0).contains(&drop_db), "{drop_db} dB");
        for _ in 0..(sr as usize * 20) {
            let (l, r) = room.process(0.0, 0.0);
            assert!(l.is_finite() && r.is_finite());
        }
    }
}
