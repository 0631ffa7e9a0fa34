//! [`EventCounter`]: counts musical events (hits, notes) from the ERB band energies of each
//! analysis frame, robust to a loud stationary bed (a noise wash or pad over the hats).
//!
//! Why not one spectral flux over all bands (Bello et al. 2005), as before? Under a broadband
//! wash a hat raises only the top bands, and by a dB or two, while every band's own noise
//! scatter adds rectified flux of its own: averaged over 40 bands the hat disappears (that
//! detector counted 0 of 8 events per second under a wash 6 dB louder than the hats). Here the
//! bands are pooled into [`GROUPS`] groups of equal ERB width and each group is judged against
//! its own recent past and its own noise, in the spirit of the adaptive median thresholds of
//! Dixon (2006, "Onset detection revisited") and Böck & Widmer (2013, SuperFlux):
//!
//! - a group's level `L` is the dB of its summed band energy (the top group also sums the
//!   "air" from 16 to 20 kHz, above the ERB bands, where hats and cymbals are strongest; pooling hundreds of FFT bins
//!   makes a stationary bed steady: about 0.25 dB scatter in the top group at 48 kHz);
//! - its **excess** is `L` over the median of the group's last [`HISTORY`] levels (about
//!   0.2 s), which follows a stationary bed, a held pad or the level between hits; on a decay
//!   (a long-ringing snare under the hats) over the previous frame's level plus
//!   [`DECAY_BASELINE_SIGMAS`] sigma when that is lower (recorded Millo kit: its hats, 8-12 dB
//!   under a snare ringing for a second, went from 3.0 to 3.67 per second of 4);
//! - its **scatter** `sigma` is what a stationary noise bed with the group's current spectrum
//!   would give: a band summing K periodogram bins of noise (each exponentially distributed)
//!   varies by 1/sqrt(K) relative, so the group varies by
//!   `sqrt(1.5 * sum_b E_b^2 / K_b) / sum_b E_b` relative (1.5: Hann-windowed neighbouring bins
//!   are correlated), times 4.34 dB. It is large where a few bins or one band carry the
//!   group (the bass end, a coloured wash) and small where many share it. Smoothed over about
//!   [`SIGMA_SMOOTHING_FRAMES`] frames;
//! - a frame is an event in that group when its excess is a local maximum above
//!   max([`MIN_EXCESS_DB`], [`EXCESS_SIGMAS`] sigma) and the level rose from the previous
//!   frame by at least max([`MIN_RISE_DB`], [`RISE_SIGMAS`] sigma) (so the plateau after a new
//!   sustained sound enters does not count repeatedly);
//! - an event in any group counts once: events closer than [`REFRACTORY_FRAMES`] merge (a
//!   snare's body and wires, which peak in different groups a frame apart).

use super::bands::ERB_BANDS;

/// Band groups, each `ERB_BANDS / GROUPS` bands (about 9 ERB): 50-530 Hz, 530-1850 Hz,
/// 1.85-5.5 kHz, 5.5-16 kHz at 44.1/48 kHz.
pub const GROUPS: usize = 4;
const BANDS_PER_GROUP: usize = ERB_BANDS / GROUPS;
/// Frames of level history per group for the median baseline (9 hops of ~21 ms: 0.19 s, so
/// the baseline is the level between 16th notes and a new held sound stops counting as excess
/// within a few frames).
pub const HISTORY: usize = 9;
/// Smallest excess over the group's running median that can be an event, dB.
pub const MIN_EXCESS_DB: f32 = 0.6;
/// The excess must also exceed this many noise standard deviations.
pub const EXCESS_SIGMAS: f32 = 4.0;
/// Smallest frame-to-frame rise of the group level at an event, dB.
pub const MIN_RISE_DB: f32 = 0.3;
/// The rise must also exceed this many noise standard deviations.
pub const RISE_SIGMAS: f32 = 2.0;
/// On a decay the baseline is at most the previous frame's level plus this many noise sigmas.
pub const DECAY_BASELINE_SIGMAS: f32 = 3.0;
/// Events in different groups closer than this many frames are one event.
pub const REFRACTORY_FRAMES: u32 = 2;
/// Time constant of the scatter estimate, frames.
pub const SIGMA_SMOOTHING_FRAMES: f32 = 8.0;
/// Group levels are floored this far under the frame's loudest band, dB.
pub const FLOOR_BELOW_LOUDEST_DB: f32 = 50.0;
/// Level of a group in silence, dB (below any sounding frame).
const SILENT_DB: f32 = -140.0;
/// 10 log10(e): one unit of relative deviation in dB.
const DB_PER_RELATIVE_SD: f32 = 4.343;
/// Hann-windowed neighbouring bins are correlated: K bins act like K / 1.5 independent ones.
const HANN_BIN_CORRELATION: f32 = 1.5;

#[derive(Debug, Clone, Copy)]
struct GroupState {
    /// Level history (ring), dB.
    levels: [f32; HISTORY],
    pos: usize,
    filled: usize,
    /// Smoothed relative variance of the group level under a noise bed (0: not yet known).
    rel_var: f32,
    /// Level and excess of the previous two frames (older first).
    prev_level: [f32; 2],
    prev_excess: [f32; 2],
    /// Excess threshold the previous frame must clear.
    prev_threshold: f32,
    prev_rise_ok: bool,
}

impl GroupState {
    const FRESH: Self = Self {
        levels: [SILENT_DB; HISTORY],
        pos: 0,
        filled: 0,
        rel_var: 0.0,
        prev_level: [SILENT_DB; 2],
        prev_excess: [0.0; 2],
        prev_threshold: f32::MAX,
        prev_rise_ok: false,
    };
}

/// Median of a small slice (copied: does not allocate).
fn median(values: &[f32]) -> f32 {
    let mut buf = [0.0f32; HISTORY];
    let n = values.len().min(HISTORY);
    if n == 0 {
        return 0.0;
    }
    buf[..n].copy_from_slice(&values[..n]);
    let (_, m, _) = buf[..n].select_nth_unstable_by(n / 2, f32::total_cmp);
    *m
}

/// Frame-by-frame onset detector on ERB band energies. Fixed-size, allocation-free.
#[derive(Debug, Clone)]
pub struct EventCounter {
    groups: [GroupState; GROUPS],
    /// 1 / (bins per band), for the scatter estimate.
    inv_bins: [f32; ERB_BANDS],
    /// 1 / (bins in the air band above the top ERB band; 0 when it is empty).
    inv_air_bins: f32,
    sigma_alpha: f32,
    frames_since_onset: u32,
}

impl EventCounter {
    /// `bins_per_band`: how many FFT bins each ERB band sums; `air_bins`: how many the air
    /// band above them sums (it joins the top group).
    pub fn new(bins_per_band: &[usize; ERB_BANDS], air_bins: usize) -> Self {
        Self {
            groups: [GroupState::FRESH; GROUPS],
            inv_bins: bins_per_band.map(|k| 1.0 / k.max(1) as f32),
            inv_air_bins: if air_bins > 0 {
                1.0 / air_bins as f32
            } else {
                0.0
            },
            sigma_alpha: 1.0 - (-1.0 / SIGMA_SMOOTHING_FRAMES).exp(),
            frames_since_onset: u32::MAX,
        }
    }

    /// Forgets everything (after a jump in the song: the next sound is judged afresh).
    pub fn reset(&mut self) {
        self.groups = [GroupState::FRESH; GROUPS];
        self.frames_since_onset = u32::MAX;
    }

    /// A silent frame: levels drop to the floor, so the next sound is a rise (an onset), and
    /// an event pending from the last sounding frame is dropped.
    pub fn silence(&mut self) {
        self.groups = [GroupState::FRESH; GROUPS];
        self.frames_since_onset = self.frames_since_onset.saturating_add(1);
    }

    /// Feeds one frame's band energies (linear, any consistent scale), the energy above the
    /// top band up to 20 kHz (`air_energy`: it joins the top group, where hats and cymbals
    /// live) and the level of its loudest band (dB, same scale). Group levels are floored [`FLOOR_BELOW_LOUDEST_DB`]
    /// under the loudest band, so that what lies far below the music (rounding noise, a
    /// hiss under a loud mix) cannot make onsets. Returns whether the PREVIOUS frame was an
    /// onset (peak picking needs one frame of look-ahead).
    pub fn process(
        &mut self,
        band_energy: &[f32; ERB_BANDS],
        air_energy: f32,
        loudest_band_db: f32,
    ) -> bool {
        let floor_db = (loudest_band_db - FLOOR_BELOW_LOUDEST_DB).max(SILENT_DB);
        let mut fired = false;
        for (g, state) in self.groups.iter_mut().enumerate() {
            let bands = g * BANDS_PER_GROUP..(g + 1) * BANDS_PER_GROUP;
            let (mut e, mut var) = (0.0f32, 0.0f32);
            for (&b, &inv_k) in band_energy[bands.clone()].iter().zip(&self.inv_bins[bands]) {
                e += b;
                var += b * b * inv_k;
            }
            if g == GROUPS - 1 && self.inv_air_bins > 0.0 && air_energy.is_finite() {
                e += air_energy;
                var += air_energy * air_energy * self.inv_air_bins;
            }
            let level = if e > 0.0 && e.is_finite() {
                (10.0 * e.log10()).max(floor_db)
            } else {
                SILENT_DB
            };
            if level > floor_db {
                let rel_var = (HANN_BIN_CORRELATION * var / (e * e)).min(1.0);
                state.rel_var = if state.rel_var == 0.0 {
                    rel_var
                } else {
                    state.rel_var + self.sigma_alpha * (rel_var - state.rel_var)
                };
            }
            let sigma_db = DB_PER_RELATIVE_SD * state.rel_var.sqrt();
            // An empty history (start, or after silence) reads as silence: the first sound
            // is an onset.
            // A group on a decay (a long-ringing snare, a cymbal) sits under the median of its
            // louder recent frames: a hat on that decay is measured from the level just before
            // it instead. Only once the previous frame lies DECAY_BASELINE_SIGMAS noise sigmas
            // under the median, so a stationary bed, scattering around its median, is judged
            // as before.
            let baseline = if state.filled == 0 {
                SILENT_DB
            } else {
                median(&state.levels[..state.filled])
                    .min(state.prev_level[1] + DECAY_BASELINE_SIGMAS * sigma_db)
            };
            let excess = level - baseline;
            let rise = level - state.prev_level[1];

            // Decide on the previous frame now that this frame's excess is known.
            let [before, candidate] = state.prev_excess;
            if candidate > before && candidate >= excess && candidate >= state.prev_threshold {
                fired |= state.prev_rise_ok;
            }

            let threshold = MIN_EXCESS_DB.max(EXCESS_SIGMAS * sigma_db);
            state.prev_threshold = threshold;
            // A group at (or just above) the floor follows the loudest band, not its own
            // content: it cannot make an event.
            state.prev_rise_ok =
                rise >= MIN_RISE_DB.max(RISE_SIGMAS * sigma_db) && level >= floor_db + threshold;
            state.prev_excess = [candidate, excess];
            state.prev_level = [state.prev_level[1], level];
            state.levels[state.pos] = level;
            state.pos = (state.pos + 1) % HISTORY;
            state.filled = (state.filled + 1).min(HISTORY);
        }
        let onset = fired && self.frames_since_onset >= REFRACTORY_FRAMES;
        self.frames_since_onset = if onset {
            1
        } else {
            self.frames_since_onset.saturating_add(1)
        };
        onset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_a_small_set() {
        assert_eq!(median(&[1.0, 9.0, 2.0, 3.0, 4.0]), 3.0);
    }

    #[test]
    fn a_step_up_is_one_onset_and_a_steady_level_none() {
        let mut d = EventCounter::new(&[10; ERB_BANDS], 0);
        let quiet = [1e-6f32; ERB_BANDS];
        let loud = [1e-2f32; ERB_BANDS];
        let mut onsets = Vec::new();
        for i in 0..200 {
            let frame = if i < 100 { &quiet } else { &loud };
            if d.process(frame, 0.0, 10.0 * frame[0].log10()) {
                onsets.push(i - 1);
            }
        }
        // The first sound after silence, then the step.
        assert_eq!(onsets, vec![0, 100]);
    }
}
