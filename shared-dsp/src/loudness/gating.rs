//! Fixed-memory store of gating-block energies for integrated loudness (BS.1770-4: 400 ms
//! blocks, -70 LUFS absolute gate, -10 LU relative gate) and loudness range (EBU Tech 3342:
//! 3 s blocks, -70 LUFS absolute gate, -20 LU relative gate, 10th to 95th percentile).
//!
//! Blocks go into 1000 bins of 0.1 LU from -70 to +30 LUFS (the layout libebur128 uses in its
//! histogram mode), so a song of any length costs the same memory and the same reading time.
//! Each bin keeps the exact SUM of its blocks' energies as well as their count: a gated mean is
//! then exact except for the blocks in the one bin the relative gate falls into (included or
//! excluded as a whole by the bin's mean), and a percentile reads the mean energy of the bin it
//! falls in rather than the bin's centre. A steady programme therefore reads exactly.

use super::power_to_lufs;

/// Bins of the histogram: 0.1 LU each from [`ABSOLUTE_GATE_LUFS`] up.
pub const BINS: usize = 1000;
/// Bins per LU.
const BINS_PER_LU: f64 = 10.0;
/// BS.1770-4 absolute gate.
pub const ABSOLUTE_GATE_LUFS: f64 = -70.0;

/// Histogram of gating-block energies (mean squares, K-weighted and channel-weighted).
#[derive(Clone)]
pub struct GatingHistogram {
    count: Box<[u32; BINS]>,
    energy: Box<[f64; BINS]>,
    total_count: u64,
    total_energy: f64,
}

impl std::fmt::Debug for GatingHistogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatingHistogram")
            .field("total_count", &self.total_count)
            .finish()
    }
}

impl Default for GatingHistogram {
    fn default() -> Self {
        Self::new()
    }
}

fn bin_of(lufs: f64) -> usize {
    (((lufs - ABSOLUTE_GATE_LUFS) * BINS_PER_LU).floor().max(0.0) as usize).min(BINS - 1)
}

impl GatingHistogram {
    /// Allocates (call off the audio thread).
    pub fn new() -> Self {
        Self {
            count: Box::new([0; BINS]),
            energy: Box::new([0.0; BINS]),
            total_count: 0,
            total_energy: 0.0,
        }
    }

    pub fn reset(&mut self) {
        self.count.fill(0);
        self.energy.fill(0.0);
        self.total_count = 0;
        self.total_energy = 0.0;
    }

    /// Adds one block's mean-square energy; blocks at or below the absolute gate (and
    /// non-finite ones) are dropped, as BS.1770 gates them.
    pub fn add(&mut self, energy: f64) {
        if !energy.is_finite() {
            return;
        }
        let lufs = power_to_lufs(energy);
        if lufs <= ABSOLUTE_GATE_LUFS {
            return;
        }
        let b = bin_of(lufs);
        self.count[b] += 1;
        self.energy[b] += energy;
        self.total_count += 1;
        self.total_energy += energy;
    }

    /// Blocks that passed the absolute gate.
    pub fn len(&self) -> u64 {
        self.total_count
    }

    pub fn is_empty(&self) -> bool {
        self.total_count == 0
    }

    /// First bin above the relative gate `relative_lu` (negative) under the mean energy of
    /// all absolute-gated blocks; `None` without blocks.
    fn first_gated_bin(&self, relative_lu: f64) -> Option<usize> {
        if self.total_count == 0 {
            return None;
        }
        let threshold =
            self.total_energy / self.total_count as f64 * 10f64.powf(relative_lu / 10.0);
        let b = bin_of(power_to_lufs(threshold));
        // The bin holding the threshold counts when its blocks' mean is above it.
        let mean = self.energy[b] / self.count[b].max(1) as f64;
        Some(if self.count[b] > 0 && mean > threshold {
            b
        } else {
            b + 1
        })
    }

    /// Mean energy of the blocks above the relative gate (integrated loudness with -10 LU).
    pub fn gated_mean_energy(&self, relative_lu: f64) -> Option<f64> {
        let first = self.first_gated_bin(relative_lu)?;
        let (mut n, mut e) = (0u64, 0.0f64);
        for (c, s) in self.count[first.min(BINS)..]
            .iter()
            .zip(&self.energy[first.min(BINS)..])
        {
            n += *c as u64;
            e += s;
        }
        (n > 0).then(|| e / n as f64)
    }

    /// Loudness range (EBU Tech 3342): the 95th minus the 10th percentile of the block
    /// loudnesses above the relative gate `relative_lu` (-20), LU. Percentiles by nearest rank
    /// ((n - 1) p rounded), as libebur128 picks them.
    pub fn range_lu(&self, relative_lu: f64, low: f64, high: f64) -> f64 {
        let Some(first) = self.first_gated_bin(relative_lu) else {
            return 0.0;
        };
        let gated = &self.count[first.min(BINS)..];
        let n: u64 = gated.iter().map(|&c| c as u64).sum();
        if n == 0 {
            return 0.0;
        }
        let rank = |p: f64| ((n - 1) as f64 * p + 0.5) as u64;
        let (r_low, r_high) = (rank(low), rank(high));
        let (mut l_low, mut l_high) = (None, None);
        let mut seen = 0u64;
        for (i, &c) in gated.iter().enumerate() {
            if c == 0 {
                continue;
            }
            seen += c as u64;
            let b = first + i;
            let level = || power_to_lufs(self.energy[b] / c as f64);
            if l_low.is_none() && seen > r_low {
                l_low = Some(level());
            }
            if seen > r_high {
                l_high = Some(level());
                break;
            }
        }
        match (l_low, l_high) {
            (Some(a), Some(b)) => (b - a).max(0.0),
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loudness::lufs_to_power;

    #[test]
    fn gates_and_means_are_exact_for_steady_levels() {
        let mut h = GatingHistogram::new();
        for _ in 0..100 {
            h.add(lufs_to_power(-23.04));
        }
        // Below the relative gate (-10 LU under the mean) and below the absolute gate.
        for _ in 0..50 {
            h.add(lufs_to_power(-40.0));
            h.add(lufs_to_power(-80.0));
        }
        h.add(f64::NAN);
        assert_eq!(h.len(), 150);
        let i = power_to_lufs(h.gated_mean_energy(-10.0).unwrap());
        assert!((i + 23.04).abs() < 1e-9, "{i}");
    }

    #[test]
    fn range_reads_percentiles() {
        let mut h = GatingHistogram::new();
        // 100 blocks at -30 .. -20.1 LUFS in 0.1 LU steps.
        for k in 0..100 {
            h.add(lufs_to_power(-30.0 + 0.1 * k as f64));
        }
        let lra = h.range_lu(-20.0, 0.10, 0.95);
        // Ranks 10 and 94: -29.0 and -20.6.
        assert!((lra - 8.4).abs() < 0.051, "{lra}");
        assert_eq!(GatingHistogram::new().range_lu(-20.0, 0.1, 0.95), 0.0);
    }
}
