//! Loudness to ITU-R BS.1770-4 / EBU R128: momentary (400 ms), short-term (3 s), integrated
//! (gated at -70 LUFS absolute and -10 LU relative), loudness range (EBU Tech 3342: 3 s windows,
//! -20 LU relative gate, 10th to 95th percentile) and true peak (4x oversampled, Annex 2).
//!
//! One pass per block does everything: each channel's K-weighting ([`KWeighting`], both
//! sections in one loop, two channels interleaved) sums its squares into 100 ms sub-blocks; a
//! ring of the last 30 sub-block energies gives momentary (last 4) and short-term (last 30)
//! loudness for free, stepped every 100 ms as BS.1770 steps them. Every completed sub-block
//! also closes a 400 ms gating block (75 % overlap) and, from 3 s on, a 3 s LRA block (10 Hz
//! step, more overlap than Tech 3342's minimum), which go into fixed 1000-bin histograms
//! ([`GatingHistogram`]: exact energy sums per 0.1 LU bin). True peak runs the
//! Recommendation's own 48-tap polyphase filter ([`TruePeakScanner`]). Memory is fixed at
//! construction and a song of any length costs the same; `tests/realtime_no_alloc.rs` proves
//! `process` and every readout allocate nothing after `new`.
//!
//! This replaced the `ebur128` crate (kept as a test reference, see `tests.rs`), which filtered
//! every sample twice (its own K-weighting besides ours) and ran a generic interpolator: the
//! meter went from 0.26 % to about 0.05 % of a core at 48 kHz stereo in 64-sample blocks.

pub mod gating;
pub mod k_weighting;
pub mod summary;
pub mod true_peak;
pub use gating::GatingHistogram;
pub use k_weighting::KWeighting;
pub use summary::LoudnessSummary;
pub use true_peak::TruePeakScanner;

/// Most channels a [`LoudnessMeter`] accepts (5.0 is the largest layout in Tech 3341).
pub const MAX_CHANNELS: usize = 8;

/// Lowest value the readouts report: silence reads as this instead of -inf.
pub const FLOOR_LUFS: f64 = -120.0;

/// BS.1770-4 relative gate for integrated loudness, LU.
const INTEGRATED_RELATIVE_GATE_LU: f64 = -10.0;
/// EBU Tech 3342 relative gate for loudness range, LU.
const LRA_RELATIVE_GATE_LU: f64 = -20.0;

/// 100 ms sub-blocks in a short-term window.
const SUB_BLOCKS: usize = 30;
/// 100 ms sub-blocks in a momentary (gating) block.
const MOMENTARY_SUB_BLOCKS: usize = 4;

/// A BS.1770-4 loudness meter for up to [`MAX_CHANNELS`] channels, standard channel weights
/// (L, R, C = 1.0; surrounds 1.41 when 5 channels are given in L R C Ls Rs order).
pub struct LoudnessMeter {
    channels: usize,
    sample_rate: f32,
    k_filters: [KWeighting; MAX_CHANNELS],
    peak_scanners: [TruePeakScanner; MAX_CHANNELS],
    /// BS.1770 channel weights (surrounds +1.5 dB in a 5-channel L R C Ls Rs layout).
    weights: [f64; MAX_CHANNELS],
    sub_block_len: usize,
    sub_block_pos: usize,
    sub_block_energy: f64,
    /// Mean-square energy of the last [`SUB_BLOCKS`] 100 ms sub-blocks (ring).
    sub_blocks: [f64; SUB_BLOCKS],
    sub_block_next: usize,
    /// Sub-blocks completed since the last reset (gating blocks need full windows).
    sub_blocks_done: u64,
    integrated: GatingHistogram,
    range: GatingHistogram,
    true_peak: f32,
    block_true_peak: f32,
    /// Highest momentary and short-term mean energies so far (stepped every 100 ms).
    max_momentary: f64,
    max_short_term: f64,
}

impl std::fmt::Debug for LoudnessMeter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoudnessMeter")
            .field("channels", &self.channels)
            .field("sample_rate", &self.sample_rate)
            .finish()
    }
}

impl LoudnessMeter {
    /// Allocates (call off the audio thread). `channels` is clamped to 1..=[`MAX_CHANNELS`],
    /// `sample_rate` to 8 kHz..768 kHz.
    pub fn new(sample_rate: f32, channels: usize) -> Self {
        let channels = channels.clamp(1, MAX_CHANNELS);
        let rate = sample_rate.clamp(8_000.0, 768_000.0);
        let mut weights = [1.0; MAX_CHANNELS];
        if channels == 5 {
            weights[3] = 1.41;
            weights[4] = 1.41;
        }
        Self {
            channels,
            sample_rate: rate,
            k_filters: std::array::from_fn(|_| KWeighting::new(rate)),
            peak_scanners: std::array::from_fn(|_| TruePeakScanner::new()),
            weights,
            sub_block_len: ((rate as f64 * 0.1).round() as usize).max(1),
            sub_block_pos: 0,
            sub_block_energy: 0.0,
            sub_blocks: [0.0; SUB_BLOCKS],
            sub_block_next: 0,
            sub_blocks_done: 0,
            integrated: GatingHistogram::new(),
            range: GatingHistogram::new(),
            true_peak: 0.0,
            block_true_peak: 0.0,
            max_momentary: 0.0,
            max_short_term: 0.0,
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
        self.k_filters.iter_mut().for_each(KWeighting::reset);
        self.peak_scanners
            .iter_mut()
            .for_each(TruePeakScanner::reset);
        self.sub_block_pos = 0;
        self.sub_block_energy = 0.0;
        self.sub_blocks = [0.0; SUB_BLOCKS];
        self.sub_block_next = 0;
        self.sub_blocks_done = 0;
        self.integrated.reset();
        self.range.reset();
        self.true_peak = 0.0;
        self.block_true_peak = 0.0;
        self.max_momentary = 0.0;
        self.max_short_term = 0.0;
    }

    /// Clears the filters' memory only (K-weighting, true-peak oversampler), keeping every
    /// measurement: after a jump in the song, the next samples are weighted as if the audio
    /// started there, so the same audio always gives the same energies and peaks. Does not
    /// allocate.
    pub fn reset_filters(&mut self) {
        self.k_filters.iter_mut().for_each(KWeighting::reset);
        self.peak_scanners
            .iter_mut()
            .for_each(TruePeakScanner::reset);
    }

    /// Measures one block given as planar channels of equal length (extra channels are
    /// ignored; fewer than `channels()` measures nothing and returns 0). Returns the block's
    /// channel-weighted sum of K-weighted squares (divide by a frame count and pass to
    /// [`power_to_lufs`] for the loudness of any stretch). Non-finite samples read as silence
    /// for the true peak; for loudness they clear the filters and count the block as silent.
    /// Does not allocate.
    pub fn process(&mut self, planar: &[&[f32]]) -> f64 {
        if planar.len() < self.channels {
            return 0.0;
        }
        let planar = &planar[..self.channels];
        let frames = planar.iter().map(|c| c.len()).min().unwrap_or(0);
        let mut peak = 0.0f32;
        for (scanner, ch) in self.peak_scanners.iter_mut().zip(planar) {
            peak = peak.max(scanner.process(&ch[..frames]));
        }
        self.block_true_peak = peak;
        self.true_peak = self.true_peak.max(peak);

        let mut total = 0.0;
        let mut start = 0;
        while start < frames {
            let end = frames.min(start + self.sub_block_len - self.sub_block_pos);
            let energy = self.k_energy(planar, start, end);
            total += energy;
            self.sub_block_energy += energy;
            self.sub_block_pos += end - start;
            if self.sub_block_pos == self.sub_block_len {
                self.close_sub_block();
            }
            start = end;
        }
        total
    }

    /// Channel-weighted K-weighted energy of frames `start..end`, channels in pairs.
    fn k_energy(&mut self, planar: &[&[f32]], start: usize, end: usize) -> f64 {
        let mut energy = 0.0;
        let mut ch = 0;
        while ch + 1 < self.channels {
            let (a, b) = self.k_filters[ch..].split_at_mut(1);
            let (ea, eb) = KWeighting::block_energy_pair(
                &mut a[0],
                &mut b[0],
                &planar[ch][start..end],
                &planar[ch + 1][start..end],
            );
            energy += self.weights[ch] * ea + self.weights[ch + 1] * eb;
            ch += 2;
        }
        if ch < self.channels {
            energy += self.weights[ch] * self.k_filters[ch].block_energy(&planar[ch][start..end]);
        }
        energy
    }

    /// A 100 ms sub-block is complete: step momentary/short-term, close the gating blocks.
    fn close_sub_block(&mut self) {
        self.sub_blocks[self.sub_block_next] = self.sub_block_energy / self.sub_block_len as f64;
        self.sub_block_next = (self.sub_block_next + 1) % SUB_BLOCKS;
        self.sub_block_pos = 0;
        self.sub_block_energy = 0.0;
        self.sub_blocks_done += 1;
        // Windows reaching before the first sample count that time as silence (as
        // libebur128), so they never raise a maximum above what a full window reads.
        self.max_momentary = self
            .max_momentary
            .max(self.recent_energy(MOMENTARY_SUB_BLOCKS));
        self.max_short_term = self.max_short_term.max(self.recent_energy(SUB_BLOCKS));
        if self.sub_blocks_done >= MOMENTARY_SUB_BLOCKS as u64 {
            self.integrated
                .add(self.recent_energy(MOMENTARY_SUB_BLOCKS));
        }
        if self.sub_blocks_done >= SUB_BLOCKS as u64 {
            self.range.add(self.recent_energy(SUB_BLOCKS));
        }
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
        power_to_lufs(self.recent_energy(MOMENTARY_SUB_BLOCKS))
    }

    /// Short-term loudness (last 3 s, stepped every 100 ms), LUFS.
    pub fn short_term_lufs(&self) -> f64 {
        power_to_lufs(self.recent_energy(SUB_BLOCKS))
    }

    /// Gated integrated loudness since the last reset, LUFS.
    pub fn integrated_lufs(&self) -> f64 {
        self.integrated
            .gated_mean_energy(INTEGRATED_RELATIVE_GATE_LU)
            .map_or(FLOOR_LUFS, power_to_lufs)
    }

    /// Loudness range since the last reset, LU (0 before enough short-term blocks exist).
    pub fn loudness_range_lu(&self) -> f64 {
        self.range.range_lu(LRA_RELATIVE_GATE_LU, 0.10, 0.95)
    }

    /// Highest momentary loudness since the last reset, LUFS (EBU Tech 3341 "max M").
    pub fn max_momentary_lufs(&self) -> f64 {
        power_to_lufs(self.max_momentary)
    }

    /// Highest short-term loudness since the last reset, LUFS (EBU Tech 3341 "max S").
    pub fn max_short_term_lufs(&self) -> f64 {
        power_to_lufs(self.max_short_term)
    }

    /// Highest true peak over all channels since the last reset, dBTP.
    pub fn true_peak_dbtp(&self) -> f64 {
        gain_to_db_floor(self.true_peak as f64)
    }

    /// Highest true peak over all channels in the last `process` call, linear.
    pub fn block_true_peak(&self) -> f64 {
        self.block_true_peak as f64
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
