//! Sympathetic strings: with the sustain pedal down every damper lifts, and undamped strings
//! whose partials coincide with the played ones ring along. Modelled as twelve Karplus-Strong
//! style string loops (Jaffe & Smith 1983) tuned to one bass octave (C2-B2): their harmonics
//! cover every pitch class, so any chord makes some of them bloom.

const LOWEST_KEY: f32 = 36.0;
const STRINGS: usize = 12;
const T60_S: f32 = 4.0;

#[derive(Debug, Clone)]
struct LoopString {
    buf: Vec<f32>,
    pos: usize,
    /// Whole samples of delay (>= 1) and the fractional remainder.
    delay_int: usize,
    delay_frac: f32,
    gain: f32,
}

#[derive(Debug, Clone)]
pub struct SympatheticStrings {
    sample_rate: f32,
    strings: Vec<LoopString>,
    a4_hz: f32,
}

impl SympatheticStrings {
    /// Allocates room for tunings down to A4 = 400 Hz: call off the audio thread.
    pub fn new(sample_rate: f32) -> Self {
        let longest = sample_rate / crate::util::midi_to_hz(LOWEST_KEY, 400.0);
        let len = longest.ceil() as usize + 4;
        let mut s = Self {
            sample_rate,
            strings: (0..STRINGS)
                .map(|_| LoopString {
                    buf: vec![0.0; len],
                    pos: 0,
                    delay_int: 2,
                    delay_frac: 0.0,
                    gain: 0.0,
                })
                .collect(),
            a4_hz: 0.0,
        };
        s.set_tuning(440.0);
        s
    }

    /// Retunes the strings (no allocation).
    pub fn set_tuning(&mut self, a4_hz: f32) {
        let a4_hz = a4_hz.clamp(400.0, 480.0);
        if a4_hz == self.a4_hz {
            return;
        }
        self.a4_hz = a4_hz;
        let sr = self.sample_rate;
        for (i, s) in self.strings.iter_mut().enumerate() {
            let f = crate::util::midi_to_hz(LOWEST_KEY + i as f32, a4_hz);
            // The two-point average in the loop adds half a sample of delay.
            let delay = (sr / f - 0.5).clamp(2.0, (s.buf.len() - 2) as f32);
            s.delay_int = delay as usize;
            s.delay_frac = delay - s.delay_int as f32;
            s.gain = 10f32.powf(-3.0 / (f * T60_S));
        }
    }

    pub fn reset(&mut self) {
        for s in &mut self.strings {
            s.buf.fill(0.0);
            s.pos = 0;
        }
    }

    /// Feeds `input` (the string sound times the pedal send) and returns the sympathetic
    /// ringing as (left, right): the strings alternate sides. One sample of
    /// [`process_block`](Self::process_block).
    pub fn process(&mut self, input: f32) -> (f32, f32) {
        let (mut l, mut r) = ([0.0], [0.0]);
        self.process_block(&[input], &mut l, &mut r);
        (l[0], r[0])
    }

    /// Feeds a block of `input` and writes the ringing into `left` and `right` (overwriting
    /// them), sample for sample the same as [`process`](Self::process) in a loop.
    ///
    /// Every loop is longer than [`CHUNK`] samples at any supported rate, so within a chunk a
    /// string only reads samples written before the chunk began: the delay-line reads, the
    /// loop filter and the writes each become a straight, vectorisable loop over the chunk, one
    /// string at a time, instead of twelve strings' worth of ring-buffer bookkeeping per sample.
    #[inline(always)]
    pub fn process_block(&mut self, input: &[f32], left: &mut [f32], right: &mut [f32]) {
        let n_total = input.len().min(left.len()).min(right.len());
        left[..n_total].fill(0.0);
        right[..n_total].fill(0.0);
        for (i, s) in self.strings.iter_mut().enumerate() {
            let out = if i % 2 == 0 {
                &mut left[..n_total]
            } else {
                &mut right[..n_total]
            };
            let mut done = 0;
            while done < n_total {
                done += s.process_chunk(&input[done..n_total], &mut out[done..]);
            }
        }
    }
}

/// Samples a string processes in one straight run (at most; less at a buffer wrap).
const CHUNK: usize = 32;

impl LoopString {
    /// Processes up to [`CHUNK`] samples of `input`, adding the string's output into `out`, and
    /// returns how many it took: as many as fit before the write or read position wraps and
    /// within the loop's delay (so nothing read was written in this chunk).
    #[inline(always)]
    fn process_chunk(&mut self, input: &[f32], out: &mut [f32]) -> usize {
        let len = self.buf.len();
        // Read `delay` samples back, interpolating towards the older sample.
        let r0 = if self.pos >= self.delay_int {
            self.pos - self.delay_int
        } else {
            self.pos + len - self.delay_int
        };
        let n = input
            .len()
            .min(out.len())
            .min(CHUNK)
            .min(self.delay_int)
            .min(len - self.pos)
            .min(len - r0);
        // The chunk's source samples plus the two before them (the interpolation's older
        // sample, and the previous output for the loop filter, recomputed rather than carried).
        let mut ext = [0.0f32; CHUNK + 2];
        ext[0] = self.buf[(r0 + len - 2) % len];
        ext[1] = self.buf[(r0 + len - 1) % len];
        ext[2..n + 2].copy_from_slice(&self.buf[r0..r0 + n]);
        let (frac, gain) = (self.delay_frac, self.gain);
        let dst = &mut self.buf[self.pos..self.pos + n];
        for ((((w, o), &x), &s0), (&s1, &s2)) in dst
            .iter_mut()
            .zip(out[..n].iter_mut())
            .zip(&input[..n])
            .zip(&ext[2..n + 2])
            .zip(ext[1..n + 1].iter().zip(&ext[..n]))
        {
            // Read `delay` samples back, interpolating towards the older sample; the loop's
            // lowpass is the two-point average of this and the previous delayed sample.
            let delayed = s0 + (s1 - s0) * frac;
            let previous = s1 + (s2 - s1) * frac;
            *w = crate::denormal::flush(0.5 * (delayed + previous) * gain + x);
            *o += delayed;
        }
        self.pos += n;
        if self.pos == len {
            self.pos = 0;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_ring_on_their_harmonics_only() {
        let sr = 48_000.0;
        // A sine at G3 (a harmonic of C2: 3rd partial of C2 at 65.4 Hz is 196.2 Hz) builds up
        // more ringing than a sine between the harmonics of every string (a quarter tone off).
        let ring = |freq: f32| {
            let mut s = SympatheticStrings::new(sr);
            let w = std::f32::consts::TAU * freq / sr;
            let mut e = 0.0;
            for n in 0..(sr as usize) {
                let (l, r) = s.process(0.01 * (w * n as f32).sin());
                if n > sr as usize / 2 {
                    e += l * l + r * r;
                }
            }
            e
        };
        let on = ring(crate::util::midi_to_hz(55.0, 440.0));
        let off = ring(crate::util::midi_to_hz(55.5, 440.0));
        assert!(on > 4.0 * off, "on {on} off {off}");
    }

    #[test]
    fn blocks_match_sample_by_sample_across_buffer_wraps() {
        for sr in [8_000.0, 44_100.0, 192_000.0] {
            let mut a = SympatheticStrings::new(sr);
            let mut b = SympatheticStrings::new(sr);
            a.set_tuning(452.0);
            b.set_tuning(452.0);
            let mut rng = crate::rng::Rng::new(5);
            let x: Vec<f32> = (0..30_000).map(|_| 0.1 * rng.bipolar()).collect();
            let mut pos = 0;
            let mut sizes = [32usize, 5, 32, 1, 19].iter().cycle();
            while pos < x.len() {
                let n = (*sizes.next().unwrap()).min(x.len() - pos);
                let (mut l, mut r) = ([0.0f32; 32], [0.0f32; 32]);
                a.process_block(&x[pos..pos + n], &mut l[..n], &mut r[..n]);
                for t in 0..n {
                    let expected = b.process(x[pos + t]);
                    assert_eq!(expected, (l[t], r[t]), "{sr} Hz, sample {}", pos + t);
                }
                pos += n;
            }
        }
    }
}
