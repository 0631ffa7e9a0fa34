//! The detector scope: the detector's envelope as a short history of peaks (dBFS), one point
//! per `SCOPE_HOP_MS`, for the editor's hit view.

use crate::util::gain_to_db;

/// Points in the detector scope history and the time each covers.
pub const SCOPE_POINTS: usize = 512;
pub const SCOPE_HOP_MS: f32 = 5.0;

pub struct DetectorScope {
    points: Vec<f32>,
    pos: usize,
    acc: f32,
    count: usize,
    hop: usize,
    version: u64,
}

impl DetectorScope {
    /// Allocates the history; call off the audio thread.
    pub fn new(sample_rate: f32) -> Self {
        let mut s = Self {
            points: vec![-100.0; SCOPE_POINTS],
            pos: 0,
            acc: 0.0,
            count: 0,
            hop: 1,
            version: 0,
        };
        s.set_sample_rate(sample_rate);
        s
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.hop = ((SCOPE_HOP_MS * 0.001 * sample_rate) as usize).max(1);
        self.reset();
    }

    pub fn reset(&mut self) {
        self.points.fill(-100.0);
        self.acc = 0.0;
        self.count = 0;
    }

    /// Samples until the next point is complete (at least 1).
    #[inline]
    pub fn samples_to_next_point(&self) -> usize {
        self.hop - self.count
    }

    /// The running peak of the point being filled.
    #[inline]
    pub fn running_peak(&self) -> f32 {
        self.acc
    }

    /// Records `n` more samples whose envelope peak (with the running peak) is `peak`; at most
    /// `samples_to_next_point()`. Completes the point when it is full.
    #[inline]
    pub fn add(&mut self, peak: f32, n: usize) {
        self.acc = peak;
        self.count += n;
        if self.count >= self.hop {
            self.points[self.pos] = gain_to_db(self.acc).max(-100.0);
            self.pos = (self.pos + 1) % SCOPE_POINTS;
            self.acc = 0.0;
            self.count = 0;
            self.version += 1;
        }
    }

    /// History (dBFS), oldest first.
    pub fn copy_into(&self, out: &mut [f32]) {
        for (k, o) in out.iter_mut().take(SCOPE_POINTS).enumerate() {
            *o = self.points[(self.pos + k) % SCOPE_POINTS];
        }
    }

    /// Increments each time a point is added.
    pub fn version(&self) -> u64 {
        self.version
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One point per 5 ms holding that span's peak in dB; the newest point comes last.
    #[test]
    fn one_point_per_hop_holds_the_peak_in_db() {
        let sr = 48_000.0;
        let hop = (0.005 * sr) as usize;
        let mut s = DetectorScope::new(sr);
        assert_eq!(s.samples_to_next_point(), hop);
        // Point 1: peak 0.5 (-6.02 dB), fed in two pieces; point 2: peak 0.1 (-20 dB).
        s.add(0.25, 100);
        s.add(s.running_peak().max(0.5), hop - 100);
        assert_eq!(s.version(), 1);
        s.add(0.1, hop);
        assert_eq!(s.version(), 2);
        let mut out = vec![0.0; SCOPE_POINTS];
        s.copy_into(&mut out);
        assert!((out[SCOPE_POINTS - 2] - 20.0 * 0.5f32.log10()).abs() < 1e-4);
        assert!((out[SCOPE_POINTS - 1] + 20.0).abs() < 1e-4);
        assert_eq!(out[0], -100.0);
    }
}
