//! Loudness to ITU-R BS.1770-4 / EBU R128: momentary (400 ms), short-term (3 s), integrated
//! (gated at -70 LUFS absolute and -10 LU relative), loudness range (EBU Tech 3342: 3 s windows,
//! -20 LU relative gate, 10th to 95th percentile) and true peak (4x oversampled).
//!
//! Integrated loudness, LRA and true peak come from the `ebur128` crate (a Rust port of
//! libebur128), run in its histogram mode: gating blocks go into fixed 1000-bin histograms
//! (0.1 dB bins from -70 to +30 LUFS) instead of a growing queue, so memory is fixed at
//! construction and a song of any length costs the same. Momentary and short-term loudness are
//! kept here from our own K-weighting ([`KWeighting`]) as a ring of 100 ms sub-block energies
//! (momentary = last 4, short-term = last 30, updated every 100 ms as BS.1770 steps them):
//! reading them costs nothing, where the crate re-sums 3 s of samples per read (that alone was
//! 0.29% of a core at 10 reads per second). The same K-weighted energy is returned by
//! [`LoudnessMeter::process`] so callers can measure arbitrary stretches (a bar) exactly. `tests/loudness_no_alloc.rs` proves `process` and every readout
//! allocate nothing after `new`. The histogram quantises gated energies to 0.1 dB bins, which
//! moves integrated loudness by at most ±0.05 LU (well inside Tech 3341's ±0.1 LU).

use ebur128::{EbuR128, Mode};

pub mod k_weighting;
pub use k_weighting::KWeighting;

/// Most channels a [`LoudnessMeter`] accepts (5.0 is the largest layout in Tech 3341).
pub const MAX_CHANNELS: usize = 8;

/// Lowest value the readouts report: silence reads as this instead of -inf.
pub const FLOOR_LUFS: f64 = -120.0;

/// A BS.1770-4 loudness meter for up to [`MAX_CHANNELS`] channels, standard channel weights
/// (L, R, C = 1.0; surrounds 1.41 when 5 channels are given in L R C Ls Rs order).
pub struct LoudnessMeter {
    ebu: EbuR128,
    channels: usize,
    sample_rate: f32,
    k_filters: [KWeighting; MAX_CHANNELS],
    /// BS.1770 channel weights (surrounds +1.5 dB in a 5-channel L R C Ls Rs layout).
    weights: [f64; MAX_CHANNELS],
    sub_block_len: usize,
    sub_block_pos: usize,
    sub_block_energy: f64,
    /// Mean-square energy of the last [`SUB_BLOCKS`] 100 ms sub-blocks (ring).
    sub_blocks: [f64; SUB_BLOCKS],
    sub_block_next: usize,
}

/// 100 ms sub-blocks in a short-term window.
const SUB_BLOCKS: usize = 30;

impl std::fmt::Debug for LoudnessMeter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoudnessMeter")
            .field("channels", &self.channels)
            .field("sample_rate", &self.sample_rate)
            .finish()
    }
}

fn or_floor(v: Result<f64, ebur128::Error>) -> f64 {
    match v {
        Ok(x) if x.is_finite() => x.max(FLOOR_LUFS),
        _ => FLOOR_LUFS,
    }
}

impl LoudnessMeter {
    /// Allocates (call off the audio thread). `channels` is clamped to 1..=[`MAX_CHANNELS`],
    /// `sample_rate` to 16 Hz..2.8 MHz (the crate's limits).
    pub fn new(sample_rate: f32, channels: usize) -> Self {
        let channels = channels.clamp(1, MAX_CHANNELS);
        let rate = (sample_rate.round() as u32).clamp(16, 2_822_400);
        let mode = Mode::I | Mode::LRA | Mode::TRUE_PEAK | Mode::HISTOGRAM;
        // Cannot fail: channels and rate are within the crate's documented limits.
        let ebu = EbuR128::new(channels as u32, rate, mode).expect("valid ebur128 configuration");
        let mut weights = [1.0; MAX_CHANNELS];
        if channels == 5 {
            weights[3] = 1.41;
            weights[4] = 1.41;
        }
        Self {
            ebu,
            channels,
            sample_rate,
            k_filters: std::array::from_fn(|_| KWeighting::new(rate as f32)),
            weights,
            sub_block_len: ((rate as f64 * 0.1).round() as usize).max(1),
            sub_block_pos: 0,
            sub_block_energy: 0.0,
            sub_blocks: [0.0; SUB_BLOCKS],
            sub_block_next: 0,
        }
    }

    pub fn channels(&self) -> usize {
        self.channels
    }

    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// Forgets everything measured (integrated, range, peaks). Does not allocate.
    pub fn reset(&mut self) {
        self.ebu.reset();
        self.k_filters.iter_mut().for_each(KWeighting::reset);
        self.sub_block_pos = 0;
        self.sub_block_energy = 0.0;
        self.sub_blocks = [0.0; SUB_BLOCKS];
        self.sub_block_next = 0;
    }

    /// Measures one block given as planar channels of equal length (extra channels are
    /// ignored; fewer than `channels()` measures nothing and returns 0). Returns the block's
    /// channel-weighted sum of K-weighted squares (divide by a frame count and pass to
    /// [`power_to_lufs`] for the loudness of any stretch). Does not allocate.
    pub fn process(&mut self, planar: &[&[f32]]) -> f64 {
        if planar.len() < self.channels {
            return 0.0;
        }
        let planar = &planar[..self.channels];
        let frames = planar.iter().map(|c| c.len()).min().unwrap_or(0);
        // Only fails on mismatched lengths, which callers never pass.
        let _ = self.ebu.add_frames_planar_f32(planar);
        let mut total = 0.0;
        let mut start = 0;
        while start < frames {
            let end = frames.min(start + self.sub_block_len - self.sub_block_pos);
            let mut energy = 0.0f64;
            for ((k, w), ch) in self.k_filters.iter_mut().zip(self.weights).zip(planar) {
                let mut sum = 0.0f64;
                for &x in &ch[start..end] {
                    let y = k.process(x);
                    sum += y * y;
                }
                energy += w * sum;
            }
            total += energy;
            self.sub_block_energy += energy;
            self.sub_block_pos += end - start;
            if self.sub_block_pos == self.sub_block_len {
                self.sub_blocks[self.sub_block_next] =
                    self.sub_block_energy / self.sub_block_len as f64;
                self.sub_block_next = (self.sub_block_next + 1) % SUB_BLOCKS;
                self.sub_block_pos = 0;
                self.sub_block_energy = 0.0;
            }
            start = end;
        }
        total
    }

    /// Mean energy of the last `n` completed 100 ms sub-blocks (time before the first block
    /// counts as silence, as in libebur128).
    fn recent_energy(&self, n: usize) -> f64 {
        (1..=n)
            .map(|i| self.sub_blocks[(self.sub_block_next + SUB_BLOCKS - i) % SUB_BLOCKS])
            .sum::<f64>()
            / n as f64
    }

    /// Momentary loudness (last 400 ms, stepped every 100 ms), LUFS.
    pub fn momentary_lufs(&self) -> f64 {
        power_to_lufs(self.recent_energy(4))
    }

    /// Short-term loudness (last 3 s, stepped every 100 ms), LUFS.
    pub fn short_term_lufs(&self) -> f64 {
        power_to_lufs(self.recent_energy(SUB_BLOCKS))
    }

    /// Gated integrated loudness since the last reset, LUFS.
    pub fn integrated_lufs(&self) -> f64 {
        or_floor(self.ebu.loudness_global())
    }

    /// Loudness range since the last reset, LU (0 before enough short-term blocks exist).
    pub fn loudness_range_lu(&self) -> f64 {
        match self.ebu.loudness_range() {
            Ok(x) if x.is_finite() => x.max(0.0),
            _ => 0.0,
        }
    }

    /// Highest true peak over all channels since the last reset, dBTP.
    pub fn true_peak_dbtp(&self) -> f64 {
        let mut peak = 0.0f64;
        for ch in 0..self.channels {
            if let Ok(p) = self.ebu.true_peak(ch as u32) {
                peak = peak.max(p);
            }
        }
        gain_to_db_floor(peak)
    }

    /// Highest true peak over all channels in the last `process` call, linear.
    pub fn block_true_peak(&self) -> f64 {
        let mut peak = 0.0f64;
        for ch in 0..self.channels {
            if let Ok(p) = self.ebu.prev_true_peak(ch as u32) {
                peak = peak.max(p);
            }
        }
        peak
    }
}

/// Linear amplitude to dB, with silence at [`FLOOR_LUFS`] instead of -inf.
pub fn gain_to_db_floor(gain: f64) -> f64 {
    if gain > 0.0 && gain.is_finite() {
        (20.0 * gain.log10()).max(FLOOR_LUFS)
    } else {
        FLOOR_LUFS
    }
}

/// Mean-square power to LUFS as BS.1770 defines it: -0.691 + 10 log10(power).
pub fn power_to_lufs(power: f64) -> f64 {
    if power > 0.0 && power.is_finite() {
        (-0.691 + 10.0 * power.log10()).max(FLOOR_LUFS)
    } else {
        FLOOR_LUFS
    }
}

/// LUFS back to BS.1770 mean-square power (inverse of [`power_to_lufs`]).
pub fn lufs_to_power(lufs: f64) -> f64 {
    if lufs <= FLOOR_LUFS {
        0.0
    } else {
        10f64.powf((lufs + 0.691) / 10.0)
    }
}

#[cfg(test)]
mod tests;
