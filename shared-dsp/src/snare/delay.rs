//! The latency delay: in lookahead mode the dry left/right and the detector band are heard
//! `latency` samples late, so every layer can start on the sample where its onset is heard.
//! Rings of a power-of-two length, written and read a chunk at a time (slice copies, no
//! per-sample index arithmetic).

/// Delayed signals: dry left, dry right, detector band.
pub const DELAY_LINES: usize = 3;

pub struct LatencyDelay {
    rings: [Vec<f32>; DELAY_LINES],
    mask: usize,
    write_pos: usize,
}

impl LatencyDelay {
    /// Empty; `set_capacity` allocates.
    pub fn new() -> Self {
        Self {
            rings: [Vec::new(), Vec::new(), Vec::new()],
            mask: 0,
            write_pos: 0,
        }
    }

    /// Allocates rings holding `max_latency` plus one chunk of `chunk` samples (a chunk is
    /// written before it is read). Call off the audio thread. Clears.
    pub fn set_capacity(&mut self, max_latency: usize, chunk: usize) {
        let len = (max_latency + chunk + 1).next_power_of_two();
        self.rings = std::array::from_fn(|_| vec![0.0; len]);
        self.mask = len - 1;
        self.write_pos = 0;
    }

    pub fn reset(&mut self) {
        for r in &mut self.rings {
            r.fill(0.0);
        }
        self.write_pos = 0;
    }

    /// Writes `src` into line `line` at the current position and reads the same number of
    /// samples `latency` samples back into `dst`. Lines of one chunk share the position: call
    /// `advance` once after all lines of the chunk.
    #[inline]
    pub fn write_read(&mut self, line: usize, latency: usize, src: &[f32], dst: &mut [f32]) {
        debug_assert!(latency + src.len() <= self.mask + 1);
        let read = (self.write_pos + self.mask + 1 - latency) & self.mask;
        ring_write(&mut self.rings[line], self.write_pos, src);
        ring_read(&self.rings[line], read, dst);
    }

    /// Moves the write position on by one chunk of `n` samples.
    #[inline]
    pub fn advance(&mut self, n: usize) {
        self.write_pos = (self.write_pos + n) & self.mask;
    }
}

impl Default for LatencyDelay {
    fn default() -> Self {
        Self::new()
    }
}

/// Writes `src` into the ring `ring` (power-of-two length) from `pos`, wrapping.
#[inline]
fn ring_write(ring: &mut [f32], pos: usize, src: &[f32]) {
    let first = (ring.len() - pos).min(src.len());
    ring[pos..pos + first].copy_from_slice(&src[..first]);
    ring[..src.len() - first].copy_from_slice(&src[first..]);
}

/// Reads `dst.len()` samples of the ring from `pos`, wrapping.
#[inline]
fn ring_read(ring: &[f32], pos: usize, dst: &mut [f32]) {
    let first = (ring.len() - pos).min(dst.len());
    let n = dst.len();
    dst[..first].copy_from_slice(&ring[pos..pos + first]);
    dst[first..].copy_from_slice(&ring[..n - first]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ramp through the ring comes out exactly `latency` samples late, across the wrap, for
    /// chunk sizes that do not divide the ring.
    #[test]
    fn delays_by_exactly_the_latency_across_the_wrap() {
        for latency in [0usize, 1, 17, 192] {
            let mut d = LatencyDelay::new();
            d.set_capacity(200, 64);
            let input: Vec<f32> = (1..=5_000).map(|i| i as f32).collect();
            let mut out = vec![0.0f32; input.len()];
            let mut start = 0;
            for chunk in [1usize, 63, 64, 7, 33].iter().cycle() {
                if start >= input.len() {
                    break;
                }
                let end = (start + chunk).min(input.len());
                d.write_read(0, latency, &input[start..end], &mut out[start..end]);
                d.advance(end - start);
                start = end;
            }
            for (i, &o) in out.iter().enumerate() {
                let want = if i < latency { 0.0 } else { input[i - latency] };
                assert_eq!(o, want, "latency {latency} sample {i}");
            }
        }
    }
}
