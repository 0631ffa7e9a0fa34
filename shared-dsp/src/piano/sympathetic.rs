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
    last: f32,
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
                    last: 0.0,
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
            s.last = 0.0;
        }
    }

    /// Feeds `input` (the string sound times the pedal send) and returns the sympathetic
    /// ringing as (left, right): the strings alternate sides.
    #[inline]
    pub fn process(&mut self, input: f32) -> (f32, f32) {
        let (mut l, mut r) = (0.0, 0.0);
        for (i, s) in self.strings.iter_mut().enumerate() {
            let len = s.buf.len();
            // Read `delay` samples back, interpolating towards the older sample; indices wrap
            // with a compare (no integer division on the audio path).
            let mut i0 = s.pos + len - s.delay_int;
            if i0 >= len {
                i0 -= len;
            }
            let i1 = if i0 == 0 { len - 1 } else { i0 - 1 };
            let (a, b) = (s.buf[i0], s.buf[i1]);
            let delayed = a + (b - a) * s.delay_frac;
            let filtered = 0.5 * (delayed + s.last) * s.gain;
            s.last = delayed;
            s.buf[s.pos] = crate::denormal::flush(filtered + input);
            s.pos += 1;
            if s.pos == len {
                s.pos = 0;
            }
            if i % 2 == 0 {
                l += delayed;
            } else {
                r += delayed;
            }
        }
        (l, r)
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
}
