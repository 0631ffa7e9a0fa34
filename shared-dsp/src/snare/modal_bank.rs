//! The "Cabinet" layer: a bank of inharmonic modal resonators, the sound of a struck metal box
//! or plate (modal synthesis, Adrien 1991; Cook, "Real Sound Synthesis", ch. 4).
//!
//! Mode frequencies come from a thin rectangular plate with simply supported edges (Kirchhoff):
//! `f_mn ∝ (m/a)² + (n/b)²` (aspect a:b = 1:1.38, like a filing-cabinet side). `material`
//! morphs the dispersion: the ratios are raised to `0.5 + 0.5 * material`, so 0 gives the
//! square-root spacing of a membrane-like box (`√((m/a)² + (n/b)²)`, tin-can-ish) and 1 the
//! stretched spacing of a stiff plate (trash-can lid). Each mode is a complex one-pole resonator
//! `z ← z·r·e^{jω} + x`, output `Im z`: its frequency and damping can change at a retrigger
//! without a discontinuity, and new excitation adds to what is ringing (as a second strike on
//! a real box does), so retriggering never clicks.

use super::layer::{LayerCommon, Strike, t60_coef};
use crate::denormal::flush;
use crate::rng::Rng;

pub const MAX_MODES: usize = 64;
/// Modes processed together (one SIMD-friendly lane group); `MAX_MODES` is a multiple of it.
const LANE: usize = 8;
/// Samples per free-ringing tile. Between excitations each mode is a fixed rotation `p`, so a
/// tile's output is `Im(z·p^(j+1))`, j < TILE, from powers of `p` computed at the strike: two
/// multiplies and two adds per mode and sample, vectorised over time, instead of a recursive
/// complex multiply (and no horizontal sums across modes).
const TILE: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CabinetSettings {
    pub common: LayerCommon,
    /// Number of modes, 16..=64.
    pub modes: usize,
    /// 0 (small: lowest mode 700 Hz) .. 1 (large: lowest mode 70 Hz), log scale.
    pub size: f32,
    /// 0 (dull: high modes quiet and short) .. 1 (bright: all modes equal and as long).
    pub brightness: f32,
    /// 0 (membrane-like spacing) .. 1 (stiff-plate spacing): how inharmonic.
    pub material: f32,
    /// Excitation: 0 = the hit itself (the dry drum, gated), 1 = a 3 ms noise burst.
    pub noise_excite: f32,
}

impl Default for CabinetSettings {
    fn default() -> Self {
        Self {
            common: LayerCommon::new(true, -6.0, 600.0),
            modes: 32,
            size: 0.5,
            brightness: 0.5,
            material: 0.6,
            noise_excite: 0.5,
        }
    }
}

impl CabinetSettings {
    /// Frequency of the lowest mode before pitch and humanize.
    pub fn base_hz(&self) -> f32 {
        700.0 * (0.1f32).powf(self.size.clamp(0.0, 1.0))
    }
}

fn cpu_has_avx2_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Plate mode ratios (relative to the (1,1) mode), sorted, first `MAX_MODES`.
fn plate_ratios() -> [f32; MAX_MODES] {
    const ASPECT: f32 = 1.38;
    let mut all = [0.0f32; 144];
    let mut k = 0;
    for m in 1..=12 {
        for n in 1..=12 {
            let (m, n) = (m as f32, n as f32);
            all[k] = m * m + (n / ASPECT) * (n / ASPECT);
            k += 1;
        }
    }
    all.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let base = all[0];
    let mut out = [0.0f32; MAX_MODES];
    for (o, a) in out.iter_mut().zip(all.iter()) {
        *o = a / base;
    }
    out
}

#[derive(Debug, Clone)]
pub struct ModalBank {
    sample_rate: f32,
    settings: CabinetSettings,
    plate: [f32; MAX_MODES],
    /// Rotation (r cos ω, r sin ω) and input gain per mode.
    rot_re: [f32; MAX_MODES],
    rot_im: [f32; MAX_MODES],
    gain: [f32; MAX_MODES],
    z_re: [f32; MAX_MODES],
    z_im: [f32; MAX_MODES],
    /// `p^(j+1)` per mode (real and imaginary parts), `TILE` per mode; allocated once.
    pow_re: Vec<[f32; TILE]>,
    pow_im: Vec<[f32; TILE]>,
    active: usize,
    /// Excitation envelope: gate on the hit signal and the noise burst.
    excite_env: f32,
    excite_decay: f32,
    excite_gain: f32,
    /// Samples until the longest mode has fallen > 100 dB: then the bank is skipped (CPU).
    ringing: usize,
    /// Per mode: samples it rings for after a strike of the current tuning, until 100 dB
    /// below the strongest mode's start (`tune`), and samples it has left to ring.
    mode_life: [usize; MAX_MODES],
    mode_left: [usize; MAX_MODES],
    /// Modes still ringing: `0..live` (higher modes die first; a dead one costs nothing).
    live: usize,
    /// Samples until the next denormal guard pass.
    flush_countdown: usize,
    /// The CPU runs AVX2 + FMA code (x86-64 only).
    avx2_fma: bool,
    rng: Rng,
}

impl ModalBank {
    pub fn new(sample_rate: f32, settings: CabinetSettings) -> Self {
        let mut b = Self {
            sample_rate,
            settings,
            plate: plate_ratios(),
            rot_re: [0.0; MAX_MODES],
            rot_im: [0.0; MAX_MODES],
            gain: [0.0; MAX_MODES],
            z_re: [0.0; MAX_MODES],
            z_im: [0.0; MAX_MODES],
            pow_re: vec![[0.0; TILE]; MAX_MODES],
            pow_im: vec![[0.0; TILE]; MAX_MODES],
            active: 0,
            excite_env: 0.0,
            excite_decay: 0.0,
            excite_gain: 0.0,
            ringing: 0,
            mode_life: [0; MAX_MODES],
            mode_left: [0; MAX_MODES],
            live: 0,
            flush_countdown: 0,
            avx2_fma: cpu_has_avx2_fma(),
            rng: Rng::new(0xCAB1),
        };
        b.set_sample_rate(sample_rate);
        b.tune(Strike::UNIT);
        b
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
        // Excitation window: 3 ms time constant.
        self.excite_decay = (-1.0 / (0.003 * sample_rate)).exp();
        self.reset();
    }

    pub fn reset(&mut self) {
        self.z_re = [0.0; MAX_MODES];
        self.z_im = [0.0; MAX_MODES];
        self.excite_env = 0.0;
        self.ringing = 0;
        self.mode_left = [0; MAX_MODES];
        self.live = 0;
    }

    /// New settings take effect at the next strike (as on a sampler: a ringing box keeps its
    /// tuning until struck again).
    pub fn set_settings(&mut self, settings: CabinetSettings) {
        self.settings = settings;
    }

    /// Computes the mode coefficients for a strike. Cheap enough per hit (one sin/cos per mode).
    fn tune(&mut self, strike: Strike) {
        let s = &self.settings;
        let f0 = s.base_hz()
            * crate::util::cents_to_ratio(100.0 * s.common.pitch_semitones)
            * strike.pitch_ratio;
        let exponent = 0.5 + 0.5 * s.material.clamp(0.0, 1.0);
        let dull = 1.0 - s.brightness.clamp(0.0, 1.0);
        let t60 = s.common.decay_ms * strike.decay_scale;
        let count = s.modes.clamp(16, MAX_MODES);
        let nyquist_guard = 0.45 * self.sample_rate;
        let mut norm = 0.0f32;
        self.active = 0;
        for k in 0..count {
            let ratio = self.plate[k].powf(exponent);
            let f = f0 * ratio;
            if f >= nyquist_guard {
                break;
            }
            // Higher modes decay faster and are quieter when dull: losses in metal and air rise
            // with frequency (Chaigne & Lambourg 2001 give ~f to f^2 for plates).
            let mode_t60 = t60 / (1.0 + dull * 0.7 * (ratio - 1.0));
            let r = t60_coef(self.sample_rate, mode_t60);
            let w = std::f32::consts::TAU * f / self.sample_rate;
            self.rot_re[k] = r * w.cos();
            self.rot_im[k] = r * w.sin();
            // Tile powers p^(j+1), by repeated multiplication in f64 (32 steps lose < 1e-14).
            let (pr, pi) = (r as f64 * (w as f64).cos(), r as f64 * (w as f64).sin());
            let (mut qr, mut qi) = (pr, pi);
            for j in 0..TILE {
                self.pow_re[k][j] = qr as f32;
                self.pow_im[k][j] = qi as f32;
                (qr, qi) = (qr * pr - qi * pi, qr * pi + qi * pr);
            }
            // Alternate signs so modes do not all peak together; amplitude tilt by brightness.
            let level = ratio.powf(-1.5 * dull);
            let amp = level * if k % 2 == 0 { 1.0 } else { -1.0 };
            // Rings until 100 dB below the strongest (lowest, level 1) mode's start: a mode
            // that starts `rel_db` lower needs (100 - rel_db)/60 of its T60, plus the 30 ms
            // excitation window.
            let rel_db = -crate::util::gain_to_db(level).min(0.0);
            let life_ms = mode_t60 * (100.0 - rel_db).max(0.0) / 60.0 + 30.0;
            self.mode_life[k] = (life_ms * 0.001 * self.sample_rate) as usize;
            self.gain[k] = amp;
            norm += amp * amp;
            self.active = k + 1;
        }
        // Equal loudness whatever the mode count and tilt: normalise the summed mode energy.
        let scale = 1.0 / norm.sqrt().max(1.0e-6);
        for g in &mut self.gain[..self.active] {
            *g *= scale;
        }
        // Modes past `active` are zeroed (state, rotation and input gain) so `process` can run
        // whole lanes of 8 modes, the padding ones contributing exactly nothing.
        for k in self.active..MAX_MODES {
            self.z_re[k] = 0.0;
            self.z_im[k] = 0.0;
            self.rot_re[k] = 0.0;
            self.rot_im[k] = 0.0;
            self.gain[k] = 0.0;
            self.pow_re[k] = [0.0; TILE];
            self.pow_im[k] = [0.0; TILE];
            self.mode_life[k] = 0;
            self.mode_left[k] = 0;
        }
    }

    /// Strikes the bank; `strike.gain` is the hit's amplitude.
    pub fn strike(&mut self, strike: Strike) {
        self.tune(strike);
        // The excitation noise is the hit's own (seeded by its timeline position).
        self.rng = Rng::new(strike.noise_seed);
        for (left, &life) in self.mode_left.iter_mut().zip(&self.mode_life) {
            *left = (*left).max(life);
        }
        self.live = self.active;
        // The lowest mode rings longest: 100 dB is 5/3 of its T60, plus the excitation window.
        let t60_ms = self.settings.common.decay_ms * strike.decay_scale;
        self.ringing = ((t60_ms * 5.0 / 3.0 + 30.0) * 0.001 * self.sample_rate) as usize;
        self.excite_env = 1.0;
        self.excite_gain = strike.gain;
    }

    /// Writes the next `out.len()` samples; `hit` (at least as long) is the latency-aligned
    /// dry drum signal used as excitation.
    pub fn process_block(&mut self, hit: &[f32], out: &mut [f32]) {
        let mut drive = [0.0f32; TILE];
        for (out, hit) in out.chunks_mut(TILE).zip(hit.chunks(TILE)) {
            if self.ringing == 0 {
                out.fill(0.0);
                continue;
            }
            // The last sample of the ringing window is silent and clears the state.
            let len = out.len().min(self.ringing - 1);
            let (sound, rest) = out.split_at_mut(len);
            rest.fill(0.0);
            self.ringing -= len;
            // Excitation (the first ~30 ms of a hit): the recursive path with an input.
            let mut excited = 0;
            while excited < len && self.excite_env > 1.0e-4 {
                let noise = self.rng.bipolar();
                let mix = self.settings.noise_excite.clamp(0.0, 1.0);
                // The hit signal is scaled up: a drum's first milliseconds carry less energy
                // than a full-scale noise burst. Input scaled by the mode's bandwidth so long
                // and short settings sound equally loud.
                let x = self.excite_gain
                    * self.excite_env
                    * (mix * noise + (1.0 - mix) * 2.0 * hit[excited]);
                drive[excited] = 0.08 * x;
                self.excite_env *= self.excite_decay;
                excited += 1;
            }
            if excited < len && self.excite_env <= 1.0e-4 {
                self.excite_env = 0.0;
            }
            let (driven, free) = sound.split_at_mut(excited);
            if !driven.is_empty() {
                self.run_driven(&drive[..excited], driven);
            }
            if !free.is_empty() {
                self.run_free(free);
            }
            if self.ringing == 1 {
                self.ringing = 0;
                self.z_re = [0.0; MAX_MODES];
                self.z_im = [0.0; MAX_MODES];
                self.mode_left = [0; MAX_MODES];
                self.live = 0;
            } else {
                self.retire_modes(len);
            }
        }
    }

    /// One output sample with excitation `hit` (tests and callers without a block).
    pub fn process(&mut self, hit: f32) -> f32 {
        let mut x = [0.0f32];
        self.process_block(&[hit], &mut x);
        x[0]
    }

    /// Counts `elapsed` samples off every live mode's ring time; modes past it (the top of
    /// the bank) are cleared and no longer computed. Also the denormal guard.
    fn retire_modes(&mut self, elapsed: usize) {
        let old_live = self.live;
        let mut live = 0;
        for (k, left) in self.mode_left[..old_live].iter_mut().enumerate() {
            *left = left.saturating_sub(elapsed);
            if *left > 0 {
                live = k + 1;
            }
        }
        self.z_re[live..old_live].fill(0.0);
        self.z_im[live..old_live].fill(0.0);
        self.live = live;
        // Denormal guard (for hosts where FTZ cannot be set): a mode decays by far less than
        // the ~460 dB between 1e-15 and the subnormal range within 256 samples.
        if self.flush_countdown <= elapsed {
            self.flush_countdown = 256;
            for v in self.z_re.iter_mut().chain(self.z_im.iter_mut()) {
                *v = flush(*v);
            }
        } else {
            self.flush_countdown -= elapsed;
        }
    }

    /// The recursive complex one-pole per mode, `z <- z·p + drive·gain`, output `Im z`: lanes
    /// of 8 modes held in registers across the samples, one partial sum per lane slot.
    fn run_driven(&mut self, drive: &[f32], out: &mut [f32]) {
        let mut acc = [[0.0f32; LANE]; TILE];
        let acc = &mut acc[..out.len()];
        let lanes = self.live.div_ceil(LANE);
        for c in 0..lanes {
            let range = c * LANE..(c + 1) * LANE;
            let mut zr: [f32; LANE] = self.z_re[range.clone()].try_into().unwrap();
            let mut zi: [f32; LANE] = self.z_im[range.clone()].try_into().unwrap();
            let rr: [f32; LANE] = self.rot_re[range.clone()].try_into().unwrap();
            let ri: [f32; LANE] = self.rot_im[range.clone()].try_into().unwrap();
            let g: [f32; LANE] = self.gain[range.clone()].try_into().unwrap();
            for (a, &d) in acc.iter_mut().zip(drive) {
                for j in 0..LANE {
                    let (re, im) = (zr[j], zi[j]);
                    zr[j] = re * rr[j] - im * ri[j] + d * g[j];
                    zi[j] = re * ri[j] + im * rr[j];
                    a[j] += zi[j];
                }
            }
            self.z_re[range.clone()].copy_from_slice(&zr);
            self.z_im[range].copy_from_slice(&zi);
        }
        for (o, a) in out.iter_mut().zip(acc.iter()) {
            *o = a.iter().sum();
        }
    }

    /// Free ringing: each mode's contribution to the tile is `Im(z·p^(j+1))`, and the state
    /// jumps to `z·p^len` at the end. On x86-64 CPUs with AVX2 and FMA (nearly all since 2013)
    /// the same loop runs 8 samples per instruction with fused multiply-adds; others run it
    /// 4-wide (SSE2).
    fn run_free(&mut self, out: &mut [f32]) {
        let tile = FreeTile {
            live: self.live,
            z_re: &mut self.z_re,
            z_im: &mut self.z_im,
            pow_re: &self.pow_re,
            pow_im: &self.pow_im,
        };
        #[cfg(target_arch = "x86_64")]
        if self.avx2_fma {
            // SAFETY: the CPU has AVX2 and FMA (detected when the bank was built).
            unsafe { free_tile_avx2_fma(tile, out) };
            return;
        }
        free_tile::<false>(tile, out);
    }
}

/// The free-ringing state and tables `free_tile` works on.
struct FreeTile<'a> {
    live: usize,
    z_re: &'a mut [f32; MAX_MODES],
    z_im: &'a mut [f32; MAX_MODES],
    pow_re: &'a [[f32; TILE]],
    pow_im: &'a [[f32; TILE]],
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn free_tile_avx2_fma(tile: FreeTile, out: &mut [f32]) {
    use std::arch::x86_64::{
        __m256, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_set1_ps, _mm256_setzero_ps,
        _mm256_storeu_ps,
    };
    const LANES: usize = 8;
    const VECTORS: usize = TILE / LANES;
    if out.len() != TILE {
        free_tile::<true>(tile, out);
        return;
    }
    // The whole tile's sums live in four 8-wide registers across all modes.
    let mut acc: [__m256; VECTORS] = [_mm256_setzero_ps(); VECTORS];
    for k in 0..tile.live {
        let (zr, zi) = (tile.z_re[k], tile.z_im[k]);
        let (vr, vi) = (_mm256_set1_ps(zr), _mm256_set1_ps(zi));
        let (pr, pi) = (&tile.pow_re[k], &tile.pow_im[k]);
        for (c, a) in acc.iter_mut().enumerate() {
            // SAFETY: c * LANES + LANES <= TILE, the arrays' length.
            let (r, i) = unsafe {
                (
                    _mm256_loadu_ps(pr.as_ptr().add(c * LANES)),
                    _mm256_loadu_ps(pi.as_ptr().add(c * LANES)),
                )
            };
            *a = _mm256_fmadd_ps(vr, i, _mm256_fmadd_ps(vi, r, *a));
        }
        let (er, ei) = (pr[TILE - 1], pi[TILE - 1]);
        tile.z_re[k] = zr * er - zi * ei;
        tile.z_im[k] = zr * ei + zi * er;
    }
    for (c, a) in acc.iter().enumerate() {
        // SAFETY: `out` holds TILE samples (checked above).
        unsafe { _mm256_storeu_ps(out.as_mut_ptr().add(c * LANES), *a) };
    }
}

#[inline(always)]
fn free_tile<const FMA: bool>(tile: FreeTile, out: &mut [f32]) {
    let len = out.len();
    let mut acc = [0.0f32; TILE];
    for k in 0..tile.live {
        let (zr, zi) = (tile.z_re[k], tile.z_im[k]);
        let (pr, pi) = (&tile.pow_re[k], &tile.pow_im[k]);
        #[inline(always)]
        fn term<const FMA: bool>(acc: f32, zr: f32, zi: f32, pr: f32, pi: f32) -> f32 {
            if FMA {
                zr.mul_add(pi, zi.mul_add(pr, acc))
            } else {
                acc + (zr * pi + zi * pr)
            }
        }
        if len == TILE {
            // Fixed length: fully unrolled, the tile's sums stay in registers.
            for j in 0..TILE {
                acc[j] = term::<FMA>(acc[j], zr, zi, pr[j], pi[j]);
            }
        } else {
            for j in 0..len {
                acc[j] = term::<FMA>(acc[j], zr, zi, pr[j], pi[j]);
            }
        }
        let (er, ei) = (pr[len - 1], pi[len - 1]);
        tile.z_re[k] = zr * er - zi * ei;
        tile.z_im[k] = zr * ei + zi * er;
    }
    out.copy_from_slice(&acc[..len]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use catalyst_test_support::measure::{centroid_hz, decay_ms, max_step, peak_hz};

    fn render(settings: CabinetSettings, strike: Strike, len: usize, sr: f32) -> Vec<f32> {
        let mut b = ModalBank::new(sr, settings);
        b.strike(strike);
        (0..len).map(|_| b.process(0.0)).collect()
    }

    fn noise_settings() -> CabinetSettings {
        CabinetSettings {
            noise_excite: 1.0,
            ..CabinetSettings::default()
        }
    }

    #[test]
    fn lowest_mode_follows_size_and_pitch() {
        let sr = 48_000.0;
        for (size, semis) in [(0.5f32, 0.0f32), (0.8, 0.0), (0.5, 7.0)] {
            let mut s = noise_settings();
            s.size = size;
            s.common.pitch_semitones = semis;
            s.brightness = 0.0; // lowest mode dominates
            let x = render(s, Strike::UNIT, 12_000, sr);
            let want = s.base_hz() * 2f32.powf(semis / 12.0);
            let got = peak_hz(&x, sr, want * 0.8, want * 1.25);
            assert!(
                (got / want - 1.0).abs() < 0.02,
                "size {size} {semis}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn decay_matches_setting_and_brightness_moves_the_centroid() {
        let sr = 48_000.0;
        for decay in [200.0f32, 800.0] {
            let mut s = noise_settings();
            s.common.decay_ms = decay;
            s.brightness = 1.0; // every mode has the set T60
            let x = render(s, Strike::UNIT, (sr * 1.5) as usize, sr);
            // 40 dB drop measured (well above the noise of the measurement) -> T60 = 1.5x.
            let t60 = decay_ms(&x, sr, 40.0) * 1.5;
            assert!((t60 / decay - 1.0).abs() < 0.15, "{decay}: {t60}");
        }
        let mut dull = noise_settings();
        dull.brightness = 0.0;
        let mut bright = noise_settings();
        bright.brightness = 1.0;
        let c_dull = centroid_hz(&render(dull, Strike::UNIT, 8192, sr), sr);
        let c_bright = centroid_hz(&render(bright, Strike::UNIT, 8192, sr), sr);
        assert!(c_bright > 1.5 * c_dull, "{c_dull} {c_bright}");
    }

    #[test]
    fn material_stretches_the_mode_spacing() {
        let sr = 48_000.0;
        let mut soft = noise_settings();
        soft.material = 0.0;
        soft.brightness = 1.0;
        let mut stiff = soft;
        stiff.material = 1.0;
        let c_soft = centroid_hz(&render(soft, Strike::UNIT, 8192, sr), sr);
        let c_stiff = centroid_hz(&render(stiff, Strike::UNIT, 8192, sr), sr);
        assert!(c_stiff > 1.3 * c_soft, "{c_soft} {c_stiff}");
    }

    #[test]
    fn block_size_and_tiles_do_not_change_the_sound() {
        // One sample at a time is the plain recursion; tiles of 32, partial tiles and hits
        // mid-block must give the same signal.
        let sr = 48_000.0;
        let hit: Vec<f32> = (0..30_000)
            .map(|n| {
                if n % 7_000 < 200 {
                    ((n as f32) * 0.37).sin()
                } else {
                    0.0
                }
            })
            .collect();
        let render = |block: usize| {
            let mut b = ModalBank::new(sr, CabinetSettings::default());
            let mut out = vec![0.0f32; hit.len()];
            let mut pos = 0;
            for strike_at in [0usize, 7_000, 7_063, 20_001, hit.len()] {
                while pos < strike_at {
                    let end = (pos + block).min(strike_at);
                    b.process_block(&hit[pos..end], &mut out[pos..end]);
                    pos = end;
                }
                b.strike(Strike::UNIT);
            }
            out
        };
        let reference = render(1);
        let peak = reference.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(peak > 0.01);
        for block in [32usize, 64, 100, 8192] {
            let x = render(block);
            let worst = crate::test_util::max_abs_diff(&x, &reference);
            assert!(
                worst < 1.0e-4 * peak,
                "block {block}: {worst} (peak {peak})"
            );
        }
    }

    #[test]
    fn simd_paths_agree() {
        // The AVX2/FMA path (where the CPU has it) and the portable one give the same sound.
        let sr = 48_000.0;
        let render = |avx2_fma: bool| {
            let mut b = ModalBank::new(sr, noise_settings());
            b.avx2_fma = avx2_fma && cpu_has_avx2_fma();
            b.strike(Strike::UNIT);
            let mut x = vec![0.0f32; 24_000];
            for c in x.chunks_mut(64) {
                b.process_block(&[0.0; 64][..c.len()], c);
            }
            x
        };
        let (a, b) = (render(false), render(true));
        let peak = a.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let worst = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1.0e-4 * peak, "{worst} {peak}");
    }

    #[test]
    fn dull_top_modes_retire_and_the_bank_sleeps_after_100_db() {
        let sr = 48_000.0;
        let mut s = noise_settings();
        s.modes = 48;
        s.brightness = 0.0;
        s.common.decay_ms = 300.0;
        let mut b = ModalBank::new(sr, s);
        b.strike(Strike::UNIT);
        let mut x = vec![0.0f32; sr as usize];
        let mut live_at = Vec::new();
        for c in x.chunks_mut(64) {
            b.process_block(&[0.0; 64][..c.len()], c);
            live_at.push(b.live);
        }
        let ms = |t: f32| (t * 0.001 * sr / 64.0) as usize;
        assert_eq!(live_at[ms(20.0)], b.active);
        // Dull: the top modes (short and quiet) drop out well before the lowest one.
        assert!(live_at[ms(200.0)] < b.active / 2, "{live_at:?}");
        // The lowest mode's -100 dB point (5/3 T60 + 30 ms = 530 ms) ends it all.
        let asleep = (live_at.iter().position(|&l| l == 0).unwrap() + 1) * 64;
        assert!((asleep as f32 / sr - 0.53).abs() < 0.01, "{asleep}");
        assert!(x[asleep..].iter().all(|&v| v == 0.0));
        // What was cut was inaudible: the last 10 ms before the bank slept are > 90 dB down.
        let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let last = x[asleep - 480..asleep]
            .iter()
            .fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(last < peak * 10f32.powf(-90.0 / 20.0), "{last} {peak}");
    }

    #[test]
    fn retrigger_on_its_own_tail_has_no_step() {
        let sr = 48_000.0;
        let mut b = ModalBank::new(sr, noise_settings());
        let mut x = Vec::new();
        b.strike(Strike::UNIT);
        for _ in 0..2_000 {
            x.push(b.process(0.0));
        }
        let before = max_step(&x);
        b.strike(Strike {
            pitch_ratio: 1.06,
            ..Strike::UNIT
        });
        for _ in 0..2_000 {
            x.push(b.process(0.0));
        }
        // The second strike excites like the first; its largest step is of the same size, and
        // the output stays continuous across the retune (no jump at the strike sample).
        let jump = (x[2_000] - x[1_999]).abs();
        assert!(jump <= 1.5 * before, "{jump} vs {before}");
        assert!(max_step(&x) <= 2.0 * before);
        assert!(x.iter().all(|v| v.is_finite() && v.abs() < 4.0));
    }
}
