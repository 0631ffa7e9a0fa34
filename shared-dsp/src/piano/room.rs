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

    /// The next `out.len()` (<= `len`) samples leaving the line, i.e. written `len` ago.
    #[inline]
    fn read_block(&self, out: &mut [f32]) {
        // A whole run that does not wrap: a fixed-size copy the compiler inlines (the general
        // path below calls memcpy twice).
        if let (Ok(out), Some(src)) = (
            <&mut [f32; CHUNK]>::try_from(&mut *out),
            self.buf.get(self.pos..self.pos + CHUNK),
        ) {
            *out = src.try_into().expect("CHUNK samples");
            return;
        }
        let first = out.len().min(self.len - self.pos);
        out[..first].copy_from_slice(&self.buf[self.pos..self.pos + first]);
        let rest = out.len() - first;
        out[first..].copy_from_slice(&self.buf[..rest]);
    }

    /// Writes `x` (<= `len` samples) and advances past it.
    #[inline]
    fn write_block(&mut self, x: &[f32]) {
        if let (Ok(x), Some(dst)) = (
            <&[f32; CHUNK]>::try_from(x),
            self.buf.get_mut(self.pos..self.pos + CHUNK),
        ) {
            <&mut [f32; CHUNK]>::try_from(dst)
                .expect("CHUNK samples")
                .copy_from_slice(x);
            self.pos += CHUNK;
            if self.pos >= self.len {
                self.pos -= self.len;
            }
            return;
        }
        let first = x.len().min(self.len - self.pos);
        self.buf[self.pos..self.pos + first].copy_from_slice(&x[..first]);
        let rest = x.len() - first;
        self.buf[..rest].copy_from_slice(&x[first..]);
        self.pos += x.len();
        if self.pos >= self.len {
            self.pos -= self.len;
        }
    }

    fn reset(&mut self) {
        self.buf.fill(0.0);
        self.pos = 0;
    }
}

/// Samples processed in one straight run (at most: never more than the shortest delay).
const CHUNK: usize = 32;

#[derive(Debug, Clone)]
pub struct SmallRoom {
    lines: [DelayLine; 4],
    damping: [OnePoleLowpass; 4],
    feedback: [f32; 4],
    diffusers: [[DelayLine; 2]; 2],
    /// The shortest delay in samples, capped at [`CHUNK`]: within a run of this many samples
    /// every delay line only returns samples written before the run, so each stage can process
    /// the whole run at once.
    run: usize,
}

impl SmallRoom {
    /// Allocates the delay lines: call off the audio thread.
    pub fn new(sample_rate: f32) -> Self {
        let lines = LINE_MS.map(|ms| DelayLine::new(sample_rate, ms));
        // Per-line gain for the wanted T60: -60 dB over T60 seconds.
        let feedback = LINE_MS.map(|ms| 10f32.powf(-3.0 * ms * 0.001 / T60_S));
        let diffusers = [0, 1].map(|side| {
            DIFFUSER_MS.map(|ms| DelayLine::new(sample_rate, ms * (1.0 + 0.13 * side as f32)))
        });
        let run = lines
            .iter()
            .chain(diffusers.iter().flatten())
            .map(|d| d.len)
            .min()
            .unwrap_or(1)
            .min(CHUNK);
        Self {
            lines,
            damping: [0; 4].map(|_| OnePoleLowpass::new(sample_rate, 4_500.0)),
            feedback,
            diffusers,
            run,
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

    /// Returns the room's wet signal for a stereo input. One sample of
    /// [`process_block`](Self::process_block).
    pub fn process(&mut self, left: f32, right: f32) -> (f32, f32) {
        let (mut wl, mut wr) = ([0.0], [0.0]);
        self.process_block(&[left], &[right], &mut wl, &mut wr);
        (wl[0], wr[0])
    }

    /// Writes the room's wet signal for stereo input blocks into `wet_left` and `wet_right`
    /// (overwriting them); the same as [`process`](Self::process) sample by sample.
    #[inline(always)]
    pub fn process_block(
        &mut self,
        left: &[f32],
        right: &[f32],
        wet_left: &mut [f32],
        wet_right: &mut [f32],
    ) {
        let n = left
            .len()
            .min(right.len())
            .min(wet_left.len())
            .min(wet_right.len());
        let mut done = 0;
        while done < n {
            let len = (n - done).min(self.run);
            let range = done..done + len;
            self.process_run(
                [&left[range.clone()], &right[range.clone()]],
                [&mut wet_left[range.clone()], &mut wet_right[range]],
            );
            done += len;
        }
    }

    /// One run of at most `self.run` samples: stage by stage over the whole run.
    #[inline(always)]
    fn process_run(&mut self, input: [&[f32]; 2], wet: [&mut [f32]; 2]) {
        let n = input[0].len();
        let mut x = [[0.0f32; CHUNK]; 2];
        for ((x, input), side) in x.iter_mut().zip(input).zip(self.diffusers.iter_mut()) {
            x[..n].copy_from_slice(input);
            for d in side.iter_mut() {
                // Schroeder allpass: y = -g x + d, d <- x + g y.
                let mut delayed = [0.0f32; CHUNK];
                d.read_block(&mut delayed[..n]);
                let mut v = [0.0f32; CHUNK];
                for t in 0..n {
                    let vt = x[t] + DIFFUSER_GAIN * delayed[t];
                    x[t] = delayed[t] - DIFFUSER_GAIN * vt;
                    v[t] = vt;
                }
                flush_run(&mut v[..n]);
                d.write_block(&v[..n]);
            }
        }
        let mut out = [[0.0f32; CHUNK]; 4];
        for (o, line) in out.iter_mut().zip(&self.lines) {
            line.read_block(&mut o[..n]);
        }
        let mut back = [[0.0f32; CHUNK]; 4];
        for t in 0..n {
            // Householder reflection: y = x - (2/N) sum(x), lossless and fully mixing.
            let half_sum = 0.5 * (out[0][t] + out[1][t] + out[2][t] + out[3][t]);
            for i in 0..4 {
                let damped = self.damping[i].process((out[i][t] - half_sum) * self.feedback[i]);
                back[i][t] = damped + x[i % 2][t];
            }
        }
        // The lines' inputs flushed after the run (nothing in it reads them): the same values,
        // in a loop that vectorises.
        for (line, b) in self.lines.iter_mut().zip(back.iter_mut()) {
            flush_run(&mut b[..n]);
            line.write_block(&b[..n]);
        }
        let [wet_left, wet_right] = wet;
        for t in 0..n {
            wet_left[t] = out[0][t] + 0.6 * out[2][t];
            wet_right[t] = out[1][t] + 0.6 * out[3][t];
        }
    }
}

/// [`crate::denormal::flush`] over a run.
#[inline(always)]
fn flush_run(x: &mut [f32]) {
    for v in x {
        *v = crate::denormal::flush(*v);
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

    #[test]
    fn blocks_match_sample_by_sample_across_buffer_wraps() {
        // Runs of up to 32 samples must equal one sample at a time, at every rate (including
        // ones where a diffuser is shorter than a run) and across many buffer wraps.
        for sr in [8_000.0, 22_050.0, 48_000.0, 192_000.0] {
            let mut a = SmallRoom::new(sr);
            let mut b = SmallRoom::new(sr);
            let mut rng = crate::rng::Rng::new(3);
            let x: Vec<f32> = (0..20_000).map(|_| rng.bipolar()).collect();
            let mut pos = 0;
            let mut sizes = [32usize, 1, 7, 32, 13].iter().cycle();
            while pos < x.len() {
                let n = (*sizes.next().unwrap()).min(x.len() - pos);
                let (mut wl, mut wr) = ([0.0f32; 32], [0.0f32; 32]);
                let xs = &x[pos..pos + n];
                a.process_block(xs, xs, &mut wl[..n], &mut wr[..n]);
                for t in 0..n {
                    let (l, r) = b.process(xs[t], xs[t]);
                    assert_eq!((l, r), (wl[t], wr[t]), "{sr} Hz, sample {}", pos + t);
                }
                pos += n;
            }
        }
    }
}
