//! One piano note: 1-3 unison strings, each a bank of decaying partials (modal synthesis,
//! Adrien 1991; Bank et al., "Physics-based sound synthesis of the piano", 2003).
//!
//! Every partial is a complex one-pole resonator `z <- r e^{i w} z + g x` (a recursive sine
//! oscillator: no `sin()` per sample, exactly stable for `r < 1`) driven by the hammer's force
//! pulse `x`. The output is `Im z`, the sine-phase part: as a filter it is a pure two-pole
//! resonance `r sin(w) z^-1 / (1 - 2 r cos(w) z^-1 + r^2 z^-2)` with no direct path, so the
//! hammer pulse itself never leaks to the output as a broadband click (`Re z` would pass it). Partials sit at `f_n = n f0 sqrt(1 + B n^2)`; each decays at
//! `sigma(f) = sigma_1(key) + b1 f + b2 f^2` (Chaigne & Askenfelt 1994: losses grow with
//! frequency, so the bass rings longer than the treble and the tone darkens as it decays).
//!
//! Double decay (Weinreich 1977): a struck string first loses energy fast through the
//! vertical polarisation that drives the bridge ("prompt sound"), then rings on in the weakly
//! coupled horizontal polarisation ("aftersound"). The lowest partials get a second, quieter,
//! slower resonator for the aftersound; detuned unisons add beating on top.
//!
//! Unisons (Bank et al. 2003, sec. 4): each string of a 2- or 3-string unison has its own
//! resonators, so its level (how hard a worn hammer hits it) and its detune from the first
//! string (which sets the beat rate, `f (2^(c/1200) - 1)` Hz for `c` cents) are per string;
//! single-string bass notes have nothing to beat against and ignore every unison detune.
//!
//! Dampers: a felt damper adds a decay rate `D(key)` to every partial. How much of it applies is
//! a continuous amount (0 = lifted, 1 = resting on the string with a normal release): the
//! engine sets it from the sustain pedal's position (half-pedalling: the felt only brushes the
//! strings) and the key's release velocity (a fast release drops the damper harder), and the
//! voice glides to it over the few ms a damper takes to land. The radius of every resonator is
//! then `r_free e^{-amount D / sr}`: one `exp` per voice per change, none per sample.
//!
//! Silently depressed keys: a key lifted without a hammer strike keeps its resonators undamped
//! and lets the bridge drive them (the other strings' sound), so its partials that coincide with
//! a played note's ring on their own: sympathetic resonance with the pedal up.
//!
//! Resonators are stored as arrays (structure of arrays) and processed 16 at a time so the
//! compiler vectorises them; partials are ordered low to high, and silent ones at the top are
//! trimmed away as they die out, so a decaying voice gets cheaper.

use super::hammer::{HammerPulse, hammer_cutoff_hz, velocity_gain, voicing_factor};
use super::tuning::{
    HIGHEST_KEY, LOWEST_KEY, drift_register_weight, inharmonicity, key_offset_cents, key_random,
    partial_hz, string_f0_for_first_partial, strings_for_key, unison_units,
};
use crate::util::midi_to_hz;

pub const MAX_RESONATORS: usize = 64;
/// Resonators processed together; 16 lanes give the CPU four independent 4-wide chains.
const LANES: usize = 16;
/// Samples between control updates (tuning, trimming).
pub const CONTROL_BLOCK: usize = 32;
/// Partials that also get an aftersound resonator.
const AFTERSOUND_PARTIALS: usize = 6;
const AFTERSOUND_SLOT: u8 = 3;
/// Relative level and decay-rate factor of the aftersound.
const AFTERSOUND_LEVEL: f32 = 0.16;
const AFTERSOUND_DECAY_FACTOR: f32 = 0.22;
/// Strike point as a fraction of the speaking length (1/8.5 as on most pianos): partials near
/// multiples of 8.5 are weak.
const STRIKE_POINT: f32 = 0.117;
/// Resonators quieter than this (squared magnitude, -120 dB) are switched off.
const SILENT_ENERGY: f32 = 1.0e-12;
/// Highest key with dampers; above it strings ring freely, as on a real piano.
pub const HIGHEST_DAMPED_KEY: u8 = 88;
/// How fast the damper amount glides to its target: felt lands on the string in a few ms.
const DAMPER_LAND_MS: f32 = 8.0;
/// Bridge coupling of a silently held string: at exact resonance with a partial of amplitude
/// `A` on the bridge, each of its resonators grows by `BRIDGE_COUPLING_PER_S * A` per second
/// (steady state `BRIDGE_COUPLING_PER_S * A / sigma`). About -20 dB after a short staccato.
const BRIDGE_COUPLING_PER_S: f32 = 0.1;
/// Input gain of a silently held string's resonators for the bridge drive: each grows at
/// resonance by [`BRIDGE_COUPLING_PER_S`] times the drive per second (a real sinusoid puts half
/// its amplitude on the resonator's frequency, hence the 2).
fn bridge_input_gain(sample_rate: f32) -> f32 {
    2.0 * BRIDGE_COUPLING_PER_S / sample_rate
}

/// Strings of a unison a [`UnisonSettings`] describes.
pub const UNISON_STRINGS: usize = 3;

/// The per-string unison controls, for 2- and 3-string notes (a 2-string note uses the first
/// two entries). String 1 is the reference: 0 cents, 0 dB.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnisonSettings {
    /// Detune of each string from string 1, cents (the first entry is ignored: it is 0).
    pub detune_cents: [f32; UNISON_STRINGS],
    /// Strike level of each string relative to string 1, linear (the first entry is ignored).
    pub level: [f32; UNISON_STRINGS],
}

impl Default for UnisonSettings {
    fn default() -> Self {
        Self {
            detune_cents: [0.0; UNISON_STRINGS],
            level: [1.0; UNISON_STRINGS],
        }
    }
}

/// Note-on time settings of a strike (the engine resolves the Ache macro before).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StrikeParams {
    /// 0 = bare hammers, 1 = thick felt strip (dark, soft, muted).
    pub felt: f32,
    /// 0 = even, 1 = strongly uneven, dull keys.
    pub wear: f32,
    pub tuning_seed: u32,
    /// Random per-key mistuning, cents.
    pub spread_cents: f32,
    /// Stretch tuning amount (1 = a typical grand's Railsback curve).
    pub stretch: f32,
    /// Soft pedal (una corda), 0..1.
    pub soft_pedal: f32,
    /// Overall brightness trim of the hammer (1 = neutral).
    pub hardness: f32,
    /// Voiced hardness of the pp, mf and ff velocity zones, -1 (needled) .. +1 (hardened), 0 =
    /// factory voicing ([`voicing_factor`]).
    pub voicing: [f32; 3],
    /// Strike level of each unison string relative to the first (worn hammers strike unevenly).
    pub string_level: [f32; UNISON_STRINGS],
}

impl Default for StrikeParams {
    fn default() -> Self {
        Self {
            felt: 0.0,
            wear: 0.0,
            tuning_seed: 1,
            spread_cents: 0.0,
            stretch: 0.0,
            soft_pedal: 0.0,
            hardness: 1.0,
            voicing: [0.0; 3],
            string_level: [1.0; UNISON_STRINGS],
        }
    }
}

/// Prompt-sound T60 of the first partial: ~18 s at A0 down to ~0.9 s at C8.
pub fn fundamental_t60_s(key: u8) -> f32 {
    18.0 * 2f32.powf(-(key as f32 - 21.0) / 20.0)
}

/// Decay rate (1/s, amplitude `e^{-sigma t}`) of a partial at `freq_hz` on `key`.
fn decay_rate(key: u8, freq_hz: f32, extra_hf: f32) -> f32 {
    6.91 / fundamental_t60_s(key) + 1.5e-4 * freq_hz + (4.0e-7 + extra_hf) * freq_hz * freq_hz
}

/// Extra high-frequency loss (the `f^2` term of [`decay_rate`]) of felt and of a key's dullness:
/// felt resting on a string and old, dull strings both damp the upper partials most.
fn extra_hf_loss(felt: f32, dull: f32) -> f32 {
    1.2e-6 * felt + 1.0e-6 * dull
}

/// T60 a damper alone gives a string (normal release, pedal up): felt dampers stop the bass in
/// ~0.4 s and the treble in ~0.12 s. Infinite above [`HIGHEST_DAMPED_KEY`] (no damper).
pub fn damper_t60_s(key: u8) -> f32 {
    if key > HIGHEST_DAMPED_KEY {
        return f32::INFINITY;
    }
    0.4 * 2f32.powf(-(key as f32 - 21.0) / 40.0)
}

/// Extra decay rate (1/s) with the damper fully down: `ln(1000) / T60`.
fn damper_rate(key: u8) -> f32 {
    6.91 / damper_t60_s(key)
}

/// How hard a released key's damper stops the string, as a multiple of [`damper_t60_s`]'s
/// rate, for a release velocity in [0, 1]: 0.6 for a slow release, 1 at the MIDI default of 64
/// (0.5), 1.4 for the fastest. A release velocity of exactly 0 means the keyboard sent none
/// (most do not), and counts as the default.
pub fn release_damping(release_velocity: f32) -> f32 {
    let v = if release_velocity > 0.0 && release_velocity.is_finite() {
        release_velocity.min(1.0)
    } else {
        0.5
    };
    0.6 + 0.8 * v
}

/// Sine and cosine of `w` in [0, pi] by short Taylor polynomials after folding into
/// [0, pi/2] (error < 1e-7): vectorisable, unlike `f32::sin_cos`, and used at control rate.
#[inline(always)]
fn sin_cos(w: f32) -> (f32, f32) {
    use std::f32::consts::PI;
    let flip = w > 0.5 * PI;
    let x = if flip { PI - w } else { w };
    let x2 = x * x;
    let s = x
        * (1.0
            + x2 * (-1.0 / 6.0
                + x2 * (1.0 / 120.0
                    + x2 * (-1.0 / 5040.0 + x2 * (1.0 / 362_880.0 - x2 / 39_916_800.0)))));
    let c = 1.0
        + x2 * (-0.5
            + x2 * (1.0 / 24.0 + x2 * (-1.0 / 720.0 + x2 * (1.0 / 40_320.0 - x2 / 3_628_800.0))));
    (s, if flip { -c } else { c })
}

/// Width of the per-sample partial sums: one AVX (or two SSE) registers.
const SUM_LANES: usize = 8;

/// Adds the 16 resonator outputs into 8 running sums (vertical adds only; the horizontal sum
/// happens once per sample and voice at the end, in [`horizontal_sum`]).
#[inline(always)]
fn accumulate(lane: &mut [f32; SUM_LANES], out: &[f32; LANES]) {
    for j in 0..SUM_LANES {
        lane[j] += out[j] + out[j + SUM_LANES];
    }
}

#[inline(always)]
fn horizontal_sum(lane: &[f32; SUM_LANES]) -> f32 {
    let mut half = [0.0f32; 4];
    for j in 0..4 {
        half[j] = lane[j] + lane[j + 4];
    }
    (half[0] + half[2]) + (half[1] + half[3])
}

/// The resonator state and coefficients [`resonate`] works on.
struct Banks<'a> {
    re: &'a mut [f32; MAX_RESONATORS],
    im: &'a mut [f32; MAX_RESONATORS],
    rot_re: &'a [f32; MAX_RESONATORS],
    rot_im: &'a [f32; MAX_RESONATORS],
    input_gain: &'a [f32; MAX_RESONATORS],
}

/// Runs the first `groups` groups of [`LANES`] resonators for `len` samples, driven by the
/// hammer `pulse` while it is in contact, adding each sample's outputs into `lanes`.
#[inline(always)]
fn resonate<const FMA: bool>(
    b: Banks,
    groups: usize,
    len: usize,
    pulse: Option<&[f32; CONTROL_BLOCK]>,
    lanes: &mut [[f32; SUM_LANES]; CONTROL_BLOCK],
) {
    for g in 0..groups {
        let range = g * LANES..(g + 1) * LANES;
        let mut re: [f32; LANES] = b.re[range.clone()].try_into().unwrap();
        let mut im: [f32; LANES] = b.im[range.clone()].try_into().unwrap();
        let cr: [f32; LANES] = b.rot_re[range.clone()].try_into().unwrap();
        let ci: [f32; LANES] = b.rot_im[range.clone()].try_into().unwrap();
        if let Some(pulse) = pulse {
            let gain: [f32; LANES] = b.input_gain[range.clone()].try_into().unwrap();
            for (lane, &x) in lanes.iter_mut().zip(pulse.iter()).take(len) {
                for j in 0..LANES {
                    let (r, i) = rotate::<FMA>(re[j], im[j], cr[j], ci[j]);
                    re[j] = r + gain[j] * x;
                    im[j] = i;
                }
                accumulate(lane, &im);
            }
        } else {
            for lane in lanes.iter_mut().take(len) {
                for j in 0..LANES {
                    (re[j], im[j]) = rotate::<FMA>(re[j], im[j], cr[j], ci[j]);
                }
                accumulate(lane, &im);
            }
        }
        b.re[range.clone()].copy_from_slice(&re);
        b.im[range].copy_from_slice(&im);
    }
}

/// One step of a resonator: `(re + i im) * (cr + i ci)`. With `FMA` each part is one multiply
/// and one fused multiply-add (only call it so where the CPU has FMA: elsewhere `mul_add` is a
/// slow library call).
#[inline(always)]
fn rotate<const FMA: bool>(re: f32, im: f32, cr: f32, ci: f32) -> (f32, f32) {
    if FMA {
        (re.mul_add(cr, -(im * ci)), re.mul_add(ci, im * cr))
    } else {
        (re * cr - im * ci, re * ci + im * cr)
    }
}

/// [`resonate`] compiled for AVX: a group's 16 resonators fit in two 8-wide registers per
/// array, so state and coefficients stay in registers across the block (plain SSE has too few
/// registers and spills). Bit-identical to the SSE build.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn resonate_avx(
    b: Banks,
    groups: usize,
    len: usize,
    pulse: Option<&[f32; CONTROL_BLOCK]>,
    lanes: &mut [[f32; SUM_LANES]; CONTROL_BLOCK],
) {
    resonate::<false>(b, groups, len, pulse, lanes);
}

/// [`resonate`] for AVX with fused multiply-adds (every x86 CPU since 2013 has both): a third
/// fewer operations per resonator; rounding differs from the other builds in the last bit. The
/// reference [`resonate_fma_registers`] (what runs) is tested against.
#[cfg(all(target_arch = "x86_64", test))]
#[target_feature(enable = "avx,fma")]
fn resonate_fma(
    b: Banks,
    groups: usize,
    len: usize,
    pulse: Option<&[f32; CONTROL_BLOCK]>,
    lanes: &mut [[f32; SUM_LANES]; CONTROL_BLOCK],
) {
    resonate::<true>(b, groups, len, pulse, lanes);
}

/// [`resonate_fma`] with the state in registers: up to 32 resonators (four 8-wide registers per
/// array) per pass over the block, so `re`/`im` never leave the registers between samples and
/// each sample costs four instructions per 8 resonators (the coefficients are memory operands)
/// plus the sum, instead of reloading the lane sums for every 16. Two passes for a voice of
/// more than 32. Each resonator's update is the same arithmetic as [`resonate_fma`]; only the
/// order in which the outputs are added differs (a last-bit difference).
///
/// # Safety
/// The CPU must have AVX and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx,fma")]
unsafe fn resonate_fma_registers(
    mut b: Banks,
    groups: usize,
    len: usize,
    pulse: Option<&[f32; CONTROL_BLOCK]>,
    lanes: &mut [[f32; SUM_LANES]; CONTROL_BLOCK],
) {
    let len = len.min(CONTROL_BLOCK);
    let registers = (groups * LANES / SUM_LANES).min(MAX_RESONATORS / SUM_LANES);
    let mut first = 0;
    let mut fresh = true;
    while first < registers {
        let count = (registers - first).min(4);
        // SAFETY: first + count <= 8 registers of 8 = the 64 resonators; AVX and FMA as required.
        unsafe {
            match (count, fresh) {
                (4, true) => register_pass::<4, true>(&mut b, first, len, pulse, lanes),
                (4, false) => register_pass::<4, false>(&mut b, first, len, pulse, lanes),
                (_, true) => register_pass::<2, true>(&mut b, first, len, pulse, lanes),
                (_, false) => register_pass::<2, false>(&mut b, first, len, pulse, lanes),
            }
        }
        first += count;
        fresh = false;
    }
    if fresh {
        for lane in lanes.iter_mut().take(len) {
            *lane = [0.0; SUM_LANES];
        }
    }
}

/// One pass of [`resonate_fma_registers`] over the `R` registers of 8 resonators from register
/// `first`, writing (`FRESH`) or adding its per-sample sums into `lanes`.
///
/// # Safety
/// The CPU must have AVX and FMA; `(first + R) * 8 <= MAX_RESONATORS`; `len <= CONTROL_BLOCK`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx,fma")]
#[inline]
unsafe fn register_pass<const R: usize, const FRESH: bool>(
    b: &mut Banks,
    first: usize,
    len: usize,
    pulse: Option<&[f32; CONTROL_BLOCK]>,
    lanes: &mut [[f32; SUM_LANES]; CONTROL_BLOCK],
) {
    use std::arch::x86_64::*;
    debug_assert!((first + R) * SUM_LANES <= MAX_RESONATORS && len <= CONTROL_BLOCK);
    let at = |k: usize| (first + k) * SUM_LANES;
    // SAFETY (every load and store below): `at(k) + 8 <= MAX_RESONATORS` for k < R (the
    // caller's contract); unaligned accesses have no alignment requirement.
    let mut re: [__m256; R] =
        std::array::from_fn(|k| unsafe { _mm256_loadu_ps(b.re.as_ptr().add(at(k))) });
    let mut im: [__m256; R] =
        std::array::from_fn(|k| unsafe { _mm256_loadu_ps(b.im.as_ptr().add(at(k))) });
    let cr = b.rot_re.as_ptr();
    let ci = b.rot_im.as_ptr();
    macro_rules! step {
        ($k:expr) => {{
            let (c_re, c_im) = unsafe {
                (
                    _mm256_loadu_ps(cr.add(at($k))),
                    _mm256_loadu_ps(ci.add(at($k))),
                )
            };
            let r = _mm256_fmsub_ps(re[$k], c_re, _mm256_mul_ps(im[$k], c_im));
            im[$k] = _mm256_fmadd_ps(re[$k], c_im, _mm256_mul_ps(im[$k], c_re));
            r
        }};
    }
    let store = |lane: &mut [f32; SUM_LANES], sum: __m256| {
        let p = lane.as_mut_ptr();
        // SAFETY: `lane` is 8 floats.
        unsafe {
            if FRESH {
                _mm256_storeu_ps(p, sum);
            } else {
                _mm256_storeu_ps(p, _mm256_add_ps(_mm256_loadu_ps(p), sum));
            }
        }
    };
    match pulse {
        Some(pulse) => {
            let gain: [__m256; R] = std::array::from_fn(|k| unsafe {
                _mm256_loadu_ps(b.input_gain.as_ptr().add(at(k)))
            });
            for (lane, &x) in lanes[..len].iter_mut().zip(&pulse[..len]) {
                let x = _mm256_set1_ps(x);
                let r = step!(0);
                re[0] = _mm256_add_ps(r, _mm256_mul_ps(gain[0], x));
                let mut sum = im[0];
                for k in 1..R {
                    let r = step!(k);
                    re[k] = _mm256_add_ps(r, _mm256_mul_ps(gain[k], x));
                    sum = _mm256_add_ps(sum, im[k]);
                }
                store(lane, sum);
            }
        }
        None => {
            for lane in &mut lanes[..len] {
                re[0] = step!(0);
                let mut sum = im[0];
                for k in 1..R {
                    re[k] = step!(k);
                    sum = _mm256_add_ps(sum, im[k]);
                }
                store(lane, sum);
            }
        }
    }
    for k in 0..R {
        unsafe {
            _mm256_storeu_ps(b.re.as_mut_ptr().add(at(k)), re[k]);
            _mm256_storeu_ps(b.im.as_mut_ptr().add(at(k)), im[k]);
        }
    }
}

/// `out[t]` = the sum of `lanes[t]`'s 8 lanes, for `t < out.len()` (at most
/// [`CONTROL_BLOCK`]), eight samples at a time where the CPU has AVX.
#[inline(always)]
pub(super) fn sum_lanes(lanes: &[[f32; SUM_LANES]; CONTROL_BLOCK], out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU supports AVX (checked just above).
        unsafe { horizontal_sums_avx(lanes, out) };
        return;
    }
    horizontal_sums(lanes, out);
}

/// `out[t]` = the sum of `lanes[t]`'s 8 lanes, for `t < out.len()` (at most
/// [`CONTROL_BLOCK`]): [`horizontal_sum`] sample by sample.
#[inline(always)]
fn horizontal_sums(lanes: &[[f32; SUM_LANES]; CONTROL_BLOCK], out: &mut [f32]) {
    for (o, lane) in out.iter_mut().zip(lanes.iter()) {
        *o = horizontal_sum(lane);
    }
}

/// [`horizontal_sums`] eight samples at a time with AVX: three rounds of pairwise horizontal
/// adds reduce eight samples' lanes to eight sums in about two instructions a sample instead
/// of seven (the additions pair up differently: last-bit differences).
///
/// # Safety
/// The CPU must have AVX.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn horizontal_sums_avx(lanes: &[[f32; SUM_LANES]; CONTROL_BLOCK], out: &mut [f32]) {
    use std::arch::x86_64::*;
    let n = out.len().min(CONTROL_BLOCK);
    let whole = n / 8 * 8;
    for t0 in (0..whole).step_by(8) {
        // SAFETY: t0 + 7 < n <= CONTROL_BLOCK, and each row is 8 floats.
        let v: [__m256; 8] =
            std::array::from_fn(|k| unsafe { _mm256_loadu_ps(lanes[t0 + k].as_ptr()) });
        let a = _mm256_hadd_ps(_mm256_hadd_ps(v[0], v[1]), _mm256_hadd_ps(v[2], v[3]));
        let b = _mm256_hadd_ps(_mm256_hadd_ps(v[4], v[5]), _mm256_hadd_ps(v[6], v[7]));
        // a = [sums of lanes 0-3 of samples 0-3 | sums of lanes 4-7 of samples 0-3], b the same
        // for samples 4-7.
        let lo = _mm256_permute2f128_ps::<0x20>(a, b);
        let hi = _mm256_permute2f128_ps::<0x31>(a, b);
        // SAFETY: out[t0..t0 + 8] is in bounds.
        unsafe { _mm256_storeu_ps(out.as_mut_ptr().add(t0), _mm256_add_ps(lo, hi)) };
    }
    for (o, lane) in out[whole..n].iter_mut().zip(&lanes[whole..]) {
        *o = horizontal_sum(lane);
    }
}

#[derive(Clone)]
pub struct PianoVoice {
    re: [f32; MAX_RESONATORS],
    im: [f32; MAX_RESONATORS],
    rot_re: [f32; MAX_RESONATORS],
    rot_im: [f32; MAX_RESONATORS],
    /// The rotations with the damper lifted: a damper change only rescales them.
    free_re: [f32; MAX_RESONATORS],
    free_im: [f32; MAX_RESONATORS],
    input_gain: [f32; MAX_RESONATORS],
    /// Angular frequency per sample at A4 = 440 Hz, no unison detune, no pitch modulation.
    w_nominal: [f32; MAX_RESONATORS],
    radius_free: [f32; MAX_RESONATORS],
    /// Each resonator's decay rate without felt and wear, and how felt and wear add to it:
    /// `sigma = sigma_base + hf_weight * extra_hf_loss(felt, dull) + dull_weight * dull`, so a
    /// Felt or Wear change re-derives the radii of sounding notes ([`set_losses`]).
    ///
    /// [`set_losses`]: Self::set_losses
    sigma_base: [f32; MAX_RESONATORS],
    hf_weight: [f32; MAX_RESONATORS],
    dull_weight: [f32; MAX_RESONATORS],
    /// This key's dullness per unit of Wear (seeded), and the felt and wear the radii were
    /// last derived for.
    dull_per_wear: f32,
    loss_felt: f32,
    loss_wear: f32,
    /// Which string (0..3) or the aftersound (3) each resonator belongs to.
    slot: [u8; MAX_RESONATORS],
    detune_units: [f32; 4],
    /// Strings in this note's unison (1-3).
    strings: usize,
    /// Decay rate (1/s) the damper adds at amount 1.
    damper_rate: f32,
    /// Damper amount now and where it is going (0 = lifted, 1 = normal release).
    damping: f32,
    damping_target: f32,
    /// Glide coefficient of `damping` per control block.
    damper_coef: f32,
    n_total: usize,
    n_active: usize,
    hammer: HammerPulse,
    sample_rate: f32,
    pub key: u8,
    /// The key is held down.
    pub key_down: bool,
    /// The key was pressed silently (no hammer): its strings take their sound from the bridge.
    silent: bool,
    active: bool,
    /// Set when the voice is being faded out to make room (voice stealing).
    stealing: bool,
    fade: f32,
    fade_step: f32,
    last_detune: f32,
    last_unison: [f32; UNISON_STRINGS],
    last_ratio: f32,
    last_damping: f32,
    pub age: u64,
    /// Scratch for [`process`](Self::process): each sample's partial sums in 8 lanes.
    lanes: [[f32; SUM_LANES]; CONTROL_BLOCK],
}

impl PianoVoice {
    pub fn new(sample_rate: f32) -> Self {
        Self {
            re: [0.0; MAX_RESONATORS],
            im: [0.0; MAX_RESONATORS],
            rot_re: [0.0; MAX_RESONATORS],
            rot_im: [0.0; MAX_RESONATORS],
            free_re: [0.0; MAX_RESONATORS],
            free_im: [0.0; MAX_RESONATORS],
            input_gain: [0.0; MAX_RESONATORS],
            w_nominal: [0.0; MAX_RESONATORS],
            radius_free: [0.0; MAX_RESONATORS],
            sigma_base: [0.0; MAX_RESONATORS],
            hf_weight: [0.0; MAX_RESONATORS],
            dull_weight: [0.0; MAX_RESONATORS],
            dull_per_wear: 0.0,
            loss_felt: 0.0,
            loss_wear: 0.0,
            slot: [0; MAX_RESONATORS],
            detune_units: [0.0; 4],
            strings: 1,
            damper_rate: 0.0,
            damping: 0.0,
            damping_target: 0.0,
            damper_coef: 1.0
                - (-(CONTROL_BLOCK as f32) / (DAMPER_LAND_MS * 0.001 * sample_rate)).exp(),
            n_total: 0,
            n_active: 0,
            hammer: HammerPulse::default(),
            sample_rate,
            key: 0,
            key_down: false,
            silent: false,
            active: false,
            stealing: false,
            fade: 1.0,
            fade_step: 0.0,
            last_detune: f32::NAN,
            last_unison: [f32::NAN; UNISON_STRINGS],
            last_ratio: f32::NAN,
            last_damping: f32::NAN,
            age: 0,
            lanes: [[0.0; SUM_LANES]; CONTROL_BLOCK],
        }
    }

    pub fn reset(&mut self) {
        let sr = self.sample_rate;
        *self = Self::new(sr);
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
        self.reset();
    }

    pub fn is_active(&self) -> bool {
        self.active
    }

    pub fn is_stealing(&self) -> bool {
        self.stealing
    }

    /// True while the damper rests on the strings (even partly).
    pub fn is_damped(&self) -> bool {
        self.damping_target > 0.0
    }

    /// The damper amount now (0 = lifted, 1 = a normal release with the pedal up).
    pub fn damping(&self) -> f32 {
        self.damping
    }

    /// True for a key pressed silently and not struck since: while it is held its strings are
    /// driven by the bridge.
    pub fn is_silent(&self) -> bool {
        self.silent
    }

    /// True while the bridge drives this voice (a silently held key).
    pub fn is_bridge_driven(&self) -> bool {
        self.active && self.silent && self.key_down && !self.stealing
    }

    /// Number of resonators still sounding.
    pub fn active_resonators(&self) -> usize {
        self.n_active
    }

    /// Strikes `key`. If this voice is already sounding the same key (a repeated note), the
    /// hammer hits the still-vibrating strings again: the resonator states are kept, so a
    /// restrike is as seamless as on a real piano.
    pub fn strike(&mut self, key: u8, velocity: f32, p: &StrikeParams) {
        self.prepare(key, Some(velocity), p);
    }

    /// Presses `key` silently: the damper lifts, no hammer strikes. If this voice already
    /// sounds `key`, its strings ring on undamped; otherwise they start at rest. Either way,
    /// while the key is held the bridge drives them ([`process`](Self::process)'s `drive`).
    pub fn lift_silently(&mut self, key: u8, p: &StrikeParams) {
        if self.active && !self.stealing && self.key == key {
            self.key_down = true;
            self.silent = true;
            self.set_damping_target(0.0);
            // From now on the input is the bridge, not the hammer.
            let bridge_gain = bridge_input_gain(self.sample_rate);
            self.input_gain[..self.n_total].fill(bridge_gain);
            return;
        }
        self.prepare(key, None, p);
    }

    /// Sets up the resonators of `key`: struck at `velocity`, or silently lifted (`None`: the
    /// input gains then scale the bridge drive instead of the hammer pulse).
    fn prepare(&mut self, key: u8, velocity: Option<f32>, p: &StrikeParams) {
        let restrike = self.active && !self.stealing && self.key == key;
        let silent = velocity.is_none();
        let velocity = velocity.unwrap_or(0.0);
        let sr = self.sample_rate;
        let string_key = key.clamp(LOWEST_KEY, HIGHEST_KEY);
        let strings = strings_for_key(string_key);
        let b = inharmonicity(string_key);
        let seed = p.tuning_seed;
        let target_hz = midi_to_hz(
            key as f32 + key_offset_cents(key, p.stretch, p.spread_cents, seed) / 100.0,
            440.0,
        );
        let f0 = string_f0_for_first_partial(target_hz, b);
        let nyquist_limit = (0.45 * sr).min(18_000.0);

        // Worn keys: a per-key dullness, softer and quieter, and uneven strings in the unison.
        let felt = p.felt.clamp(0.0, 1.0);
        let wear = p.wear.clamp(0.0, 1.0);
        let dull_per_wear = key_random(seed, key, 30).max(0.0) * 2.0;
        let dull = wear * dull_per_wear;
        let soft = p.soft_pedal.clamp(0.0, 1.0);
        // Felt thickness is a second, softer spring in series with the hammer: the stiffness
        // and so the cutoff fall continuously from bare hammers (concert grand) to a thick
        // strip (felt piano). The voicing of the velocity zones acts on the hammer's own felt.
        let hardness = p.hardness * (1.0 - 0.75 * felt) * (1.0 - 0.45 * dull) * (1.0 - 0.3 * soft);
        let cutoff =
            hammer_cutoff_hz(string_key, velocity, hardness) * voicing_factor(velocity, &p.voicing);
        let gain =
            velocity_gain(velocity) * (1.0 - 0.3 * dull) * (1.0 - 0.25 * soft) / strings as f32;
        let extra_hf = extra_hf_loss(felt, dull);

        let mut string_level = [1.0f32; 3];
        for (s, level) in string_level.iter_mut().enumerate().take(strings) {
            *level = 1.0 - 0.6 * p.wear * key_random(seed, key, 40 + s as u32).abs();
            if s > 0 && strings > 1 {
                *level *= p.string_level[s].clamp(0.0, 1.0);
            }
        }
        if strings > 1 {
            // Una corda: the action shifts so the hammer misses one string, which then only
            // rings sympathetically.
            string_level[0] *= 1.0 - 0.75 * soft;
        }

        let units = unison_units(strings);
        self.detune_units = [0.0; 4];
        self.detune_units[..strings].copy_from_slice(units);
        // The aftersound is the last string's weakly coupled polarisation: same pitch as that
        // string, so it adds a slow tail without adding a beat the Detune control did not ask for.
        self.detune_units[AFTERSOUND_SLOT as usize] = units[strings - 1];
        let drift_weight = drift_register_weight(key);
        let mut string_cents = [0.0f32; 4];
        for (s, c) in string_cents.iter_mut().enumerate().take(strings) {
            // The strings of a unison drift apart with the key's own drift: most in the middle
            // and treble, least in the bass.
            *c = 0.2 * p.spread_cents * drift_weight * key_random(seed, key, 20 + s as u32);
        }
        string_cents[AFTERSOUND_SLOT as usize] = string_cents[strings - 1];

        // The aftersound belongs to the last string: it follows that string's strike level.
        let last_level = if strings > 1 {
            p.string_level[strings - 1].clamp(0.0, 1.0)
        } else {
            1.0
        };

        let partials = ((MAX_RESONATORS - AFTERSOUND_PARTIALS) / strings).max(1);
        let to_w = std::f32::consts::TAU / sr;
        // A silent string is driven through the bridge (see bridge_input_gain).
        let bridge_gain = bridge_input_gain(sr);
        let mut n = 0;
        // `loss`: (sigma without felt and wear, weight of the extra HF loss, weight of dullness).
        let mut push = |this: &mut Self, slot: u8, hz: f32, amp: f32, loss: (f32, f32, f32)| {
            if n >= MAX_RESONATORS {
                return;
            }
            let (base, hf, dull_w) = loss;
            let sigma = base + hf * extra_hf + dull_w * dull;
            this.slot[n] = slot;
            this.w_nominal[n] = hz * to_w;
            this.input_gain[n] = if silent { bridge_gain } else { amp };
            this.radius_free[n] = (-sigma / sr).exp();
            this.sigma_base[n] = base;
            this.hf_weight[n] = hf;
            this.dull_weight[n] = dull_w;
            if !restrike {
                this.re[n] = 0.0;
                this.im[n] = 0.0;
            }
            n += 1;
        };
        let profile = |k: usize, hz: f32| {
            let kf = k as f32;
            // Strike-point comb, a gentle tilt, and weak radiation of very low fundamentals
            // by the soundboard (first-order high-pass at ~95 Hz).
            (std::f32::consts::PI * kf * STRIKE_POINT).sin().abs() / kf.sqrt() * hz
                / (hz * hz + 95.0 * 95.0).sqrt()
        };
        for k in 1..=AFTERSOUND_PARTIALS.min(partials) {
            let hz = partial_hz(f0, b, k);
            if hz >= nyquist_limit {
                break;
            }
            let loss = (
                decay_rate(string_key, hz, 0.0) * AFTERSOUND_DECAY_FACTOR,
                hz * hz * AFTERSOUND_DECAY_FACTOR,
                2.0,
            );
            let amp = gain * strings as f32 * AFTERSOUND_LEVEL * last_level * profile(k, hz);
            let hz_a = hz * 2f32.powf(string_cents[AFTERSOUND_SLOT as usize] / 1200.0);
            push(self, AFTERSOUND_SLOT, hz_a, amp, loss);
        }
        for k in 1..=partials {
            let hz = partial_hz(f0, b, k);
            if hz >= nyquist_limit {
                break;
            }
            let loss = (decay_rate(string_key, hz, 0.0), hz * hz, 3.0);
            for s in 0..strings {
                let hz_s = hz * 2f32.powf(string_cents[s] / 1200.0);
                let amp = gain * string_level[s] * profile(k, hz);
                push(self, s as u8, hz_s, amp, loss);
            }
        }
        // Unused resonators (and the padding up to a multiple of LANES) stay silent.
        for i in n..MAX_RESONATORS {
            self.re[i] = 0.0;
            self.im[i] = 0.0;
            self.input_gain[i] = 0.0;
            self.rot_re[i] = 0.0;
            self.rot_im[i] = 0.0;
            self.free_re[i] = 0.0;
            self.free_im[i] = 0.0;
            self.w_nominal[i] = 0.0;
            self.radius_free[i] = 0.0;
            self.sigma_base[i] = 0.0;
            self.hf_weight[i] = 0.0;
            self.dull_weight[i] = 0.0;
            self.slot[i] = 0;
        }
        self.dull_per_wear = dull_per_wear;
        self.loss_felt = felt;
        self.loss_wear = wear;
        self.strings = strings;
        self.damper_rate = damper_rate(string_key);
        self.n_total = n;
        self.n_active = n;
        self.key = key;
        self.key_down = true;
        self.silent = silent;
        self.set_damping_target(0.0);
        self.active = true;
        self.stealing = false;
        self.fade = 1.0;
        self.fade_step = 0.0;
        self.last_detune = f32::NAN;
        self.last_ratio = f32::NAN;
        if silent {
            self.hammer.reset();
        } else {
            self.hammer.strike(sr, cutoff, 1.0);
        }
    }

    /// Lowers (`true`, a normal release) or lifts the damper: [`set_damping_target`] 1 or 0.
    ///
    /// [`set_damping_target`]: Self::set_damping_target
    pub fn set_damped(&mut self, damped: bool) {
        self.set_damping_target(if damped { 1.0 } else { 0.0 });
    }

    /// Where the damper goes (0 = lifted, 1 = a normal release, up to 1.4 for a fast one):
    /// the voice glides there over [`DAMPER_LAND_MS`] at the following control blocks. Lifting
    /// is immediate (the damper leaves the string at once).
    pub fn set_damping_target(&mut self, amount: f32) {
        let amount = if amount.is_finite() {
            amount.clamp(0.0, 2.0)
        } else {
            0.0
        };
        self.damping_target = amount;
        if amount < self.damping {
            self.damping = amount;
        }
    }

    /// One control block of the damper glide.
    #[inline]
    fn step_damping(&mut self) {
        let t = self.damping_target;
        if self.damping != t {
            self.damping += (t - self.damping) * self.damper_coef;
            if (t - self.damping).abs() < 1e-3 {
                self.damping = t;
            }
        }
    }

    /// Fades the voice out over `fade_ms` and frees it: voice stealing without a click.
    pub fn steal(&mut self, fade_ms: f32) {
        if !self.active {
            return;
        }
        self.stealing = true;
        self.fade_step = 1.0 / (fade_ms * 0.001 * self.sample_rate).max(1.0);
    }

    /// Felt and Wear of the sounding note: their extra losses (high partials damped by felt and
    /// by dull strings) follow the controls on held and ringing notes. Only when they changed,
    /// the radii are re-derived (one `exp` per resonator) and the next [`update_tuning`] builds
    /// the rotations from them; the engine glides both, so the decay changes without a click.
    /// The strike itself (hammer hardness, level) keeps what the felt and wear were when the
    /// hammer hit, as on a real instrument.
    ///
    /// [`update_tuning`]: Self::update_tuning
    #[inline]
    pub fn set_losses(&mut self, felt: f32, wear: f32) {
        // Called for every voice every control block: the usual case (nothing moved) is two
        // compares; a value out of range or NaN never equals the stored (clamped) one.
        if felt == self.loss_felt && wear == self.loss_wear {
            return;
        }
        self.apply_losses(felt, wear);
    }

    #[inline(never)]
    fn apply_losses(&mut self, felt: f32, wear: f32) {
        let felt = if felt.is_finite() {
            felt.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let wear = if wear.is_finite() {
            wear.clamp(0.0, 1.0)
        } else {
            0.0
        };
        if felt == self.loss_felt && wear == self.loss_wear {
            return;
        }
        self.loss_felt = felt;
        self.loss_wear = wear;
        let dull = wear * self.dull_per_wear;
        let extra_hf = extra_hf_loss(felt, dull);
        let inv_sr = 1.0 / self.sample_rate;
        let n = self.n_active;
        for (((r, &base), &hf), &dw) in self.radius_free[..n]
            .iter_mut()
            .zip(&self.sigma_base[..n])
            .zip(&self.hf_weight[..n])
            .zip(&self.dull_weight[..n])
        {
            *r = (-(base + hf * extra_hf + dw * dull) * inv_sr).exp();
        }
        // Rebuild the rotations from the new radii at the next tuning update.
        self.last_detune = f32::NAN;
    }

    /// Recomputes the resonator rotations when the detune (cents), the per-string unison
    /// detunes (`unison_cents[s]`: string `s` from string 1, cents), the global pitch ratio or
    /// the damper amount changed, after one step of the damper glide. Called once per control
    /// block.
    pub fn update_tuning(
        &mut self,
        detune_cents: f32,
        unison_cents: &[f32; UNISON_STRINGS],
        pitch_ratio: f32,
    ) {
        self.step_damping();
        // Single strings have nothing to beat against: unison detunes do not apply.
        let unison = if self.strings > 1 {
            *unison_cents
        } else {
            [0.0; UNISON_STRINGS]
        };
        let retune = detune_cents != self.last_detune
            || pitch_ratio != self.last_ratio
            || unison != self.last_unison;
        if !retune && self.damping == self.last_damping {
            return;
        }
        self.last_damping = self.damping;
        // The damper scales every radius alike: r = r_free e^{-amount D / sr}.
        let damper = (-self.damping * self.damper_rate / self.sample_rate).exp();
        let n = self.n_active;
        if !retune {
            // Only the damper moved (a release, the pedal): rescale, no new sines.
            for (((rot_re, rot_im), &fr), &fi) in self.rot_re[..n]
                .iter_mut()
                .zip(self.rot_im[..n].iter_mut())
                .zip(&self.free_re[..n])
                .zip(&self.free_im[..n])
            {
                *rot_re = fr * damper;
                *rot_im = fi * damper;
            }
            return;
        }
        self.last_detune = detune_cents;
        self.last_ratio = pitch_ratio;
        self.last_unison = unison;
        let mut offset = [0.0f32; 4];
        offset[1..self.strings].copy_from_slice(&unison[1..self.strings]);
        offset[AFTERSOUND_SLOT as usize] = offset[self.strings - 1];
        let mut mult = [0.0f32; 4];
        for ((m, u), c) in mult.iter_mut().zip(self.detune_units).zip(offset) {
            *m = pitch_ratio * 2f32.powf((detune_cents * u + c) / 1200.0);
        }
        let w_max = 0.95 * std::f32::consts::PI;
        // The per-string lookup first, then one straight loop the compiler vectorises (wow and
        // flutter retune every partial of every voice each block).
        let mut w = [0.0f32; MAX_RESONATORS];
        for ((w, &nominal), &slot) in w[..n]
            .iter_mut()
            .zip(&self.w_nominal[..n])
            .zip(&self.slot[..n])
        {
            *w = (nominal * mult[slot as usize & 3]).min(w_max);
        }
        for (((((rot_re, rot_im), free_re), free_im), &w), &r) in self.rot_re[..n]
            .iter_mut()
            .zip(self.rot_im[..n].iter_mut())
            .zip(self.free_re[..n].iter_mut())
            .zip(self.free_im[..n].iter_mut())
            .zip(&w[..n])
            .zip(&self.radius_free[..n])
        {
            let (s, c) = sin_cos(w);
            (*free_re, *free_im) = (r * c, r * s);
            *rot_re = *free_re * damper;
            *rot_im = *free_im * damper;
        }
    }

    /// Renders up to [`CONTROL_BLOCK`] samples of the voice (mono, before panning) into `out`,
    /// overwriting it, then trims dead partials.
    ///
    /// `drive` is the bridge's sound for a silently held key ([`is_bridge_driven`]); it is
    /// ignored while a hammer is in contact and for struck voices. A driven voice keeps all its
    /// resonators (nothing is trimmed while the key is held).
    ///
    /// [`is_bridge_driven`]: Self::is_bridge_driven
    pub fn process(&mut self, out: &mut [f32], drive: Option<&[f32; CONTROL_BLOCK]>) {
        let len = out.len().min(CONTROL_BLOCK);
        let contact = self.hammer.is_active();
        let mut pulse = [0.0f32; CONTROL_BLOCK];
        if contact {
            for p in pulse.iter_mut().take(len) {
                *p = self.hammer.next_sample();
            }
        }
        let groups = self.n_active.div_ceil(LANES);
        let driven = !contact && self.is_bridge_driven();
        let pulse = if contact {
            Some(&pulse)
        } else if driven {
            drive
        } else {
            None
        };
        let keep = contact || driven;
        // Per-sample partial sums: written whole by the FMA kernel, accumulated into by the
        // others (zeroed for them). A field, so no 1 KB is zeroed per voice and block.
        let lanes = &mut self.lanes;
        let banks = Banks {
            re: &mut self.re,
            im: &mut self.im,
            rot_re: &self.rot_re,
            rot_im: &self.rot_im,
            input_gain: &self.input_gain,
        };
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("fma")
                && std::arch::is_x86_feature_detected!("avx")
            {
                // SAFETY: the CPU supports AVX and FMA (checked just above).
                unsafe { resonate_fma_registers(banks, groups, len, pulse, lanes) };
            } else if std::arch::is_x86_feature_detected!("avx") {
                *lanes = [[0.0; SUM_LANES]; CONTROL_BLOCK];
                // SAFETY: the CPU supports AVX (checked just above).
                unsafe { resonate_avx(banks, groups, len, pulse, lanes) };
            } else {
                *lanes = [[0.0; SUM_LANES]; CONTROL_BLOCK];
                resonate::<false>(banks, groups, len, pulse, lanes);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            *lanes = [[0.0; SUM_LANES]; CONTROL_BLOCK];
            resonate::<false>(banks, groups, len, pulse, lanes);
        }
        sum_lanes(lanes, &mut out[..len]);
        if self.stealing {
            for o in out.iter_mut().take(len) {
                self.fade = (self.fade - self.fade_step).max(0.0);
                *o *= self.fade;
            }
        }
        self.trim(keep);
    }

    /// Switches off silent partials at the top and frees the voice when nothing is left
    /// (unless `keep`: a hammer in contact, or a silently held key).
    fn trim(&mut self, keep: bool) {
        if self.hammer.is_active() || keep {
            return;
        }
        while self.n_active > 0 {
            let i = self.n_active - 1;
            if self.re[i] * self.re[i] + self.im[i] * self.im[i] >= SILENT_ENERGY {
                break;
            }
            self.re[i] = 0.0;
            self.im[i] = 0.0;
            self.n_active -= 1;
        }
        if self.n_active == 0 || (self.stealing && self.fade <= 0.0) {
            self.re = [0.0; MAX_RESONATORS];
            self.im = [0.0; MAX_RESONATORS];
            self.n_active = 0;
            self.active = false;
            self.stealing = false;
            self.silent = false;
        }
    }

    /// Sum of squared resonator magnitudes now (what voice stealing and the silent-key check
    /// compare): computed when asked, not every block.
    pub fn energy(&self) -> f32 {
        // Resonators above `n_active` are zero, so whole groups can be summed (in 8 lanes, so
        // the loop vectorises).
        let end = self.n_active.div_ceil(LANES) * LANES;
        let mut acc = [0.0f32; SUM_LANES];
        for (re, im) in self.re[..end]
            .chunks_exact(SUM_LANES)
            .zip(self.im[..end].chunks_exact(SUM_LANES))
        {
            for j in 0..SUM_LANES {
                acc[j] += re[j] * re[j] + im[j] * im[j];
            }
        }
        horizontal_sum(&acc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polynomial_sin_cos_is_accurate() {
        for i in 0..=1000 {
            let w = i as f32 / 1000.0 * std::f32::consts::PI;
            let (s, c) = sin_cos(w);
            assert!((s - w.sin()).abs() < 1e-6, "{w}");
            assert!((c - w.cos()).abs() < 1e-6, "{w}");
        }
        // Relative accuracy where it matters for pitch: tiny angles (A0 at 192 kHz).
        let w = std::f32::consts::TAU * 27.5 / 192_000.0;
        assert!((sin_cos(w).0 / w.sin() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn voice_has_register_dependent_strings_and_dies_out() {
        let mut v = PianoVoice::new(48_000.0);
        v.strike(60, 0.8, &StrikeParams::default());
        assert!(v.active_resonators() > 40);
        v.set_damped(true);
        let mut buf = [0.0f32; CONTROL_BLOCK];
        let mut blocks = 0;
        while v.is_active() {
            v.update_tuning(0.0, &[0.0; UNISON_STRINGS], 1.0);
            v.process(&mut buf, None);
            blocks += 1;
            assert!(blocks < 48_000 * 10 / CONTROL_BLOCK, "voice never ended");
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn simd_builds_of_the_resonator_kernel_agree() {
        // Voices of 1 to 4 groups (a high key has few partials below Nyquist), with the hammer
        // pulse and ringing freely, full and partial blocks.
        for (key, len) in [
            (40u8, CONTROL_BLOCK),
            (60, 13),
            (84, CONTROL_BLOCK),
            (105, 7),
        ] {
            for with_pulse in [true, false] {
                let mut v = PianoVoice::new(48_000.0);
                v.strike(key, 0.9, &StrikeParams::default());
                v.update_tuning(3.0, &[0.0; UNISON_STRINGS], 1.0);
                // Give the resonators a state to ring from.
                v.re.iter_mut()
                    .take(v.n_active)
                    .enumerate()
                    .for_each(|(i, r)| *r = 0.01 * (i % 7) as f32);
                let run = |kernel: u8| {
                    let mut re = v.re;
                    let mut im = v.im;
                    let mut lanes = [[0.0f32; SUM_LANES]; CONTROL_BLOCK];
                    let pulse = [0.01f32; CONTROL_BLOCK];
                    let pulse = with_pulse.then_some(&pulse);
                    let banks = Banks {
                        re: &mut re,
                        im: &mut im,
                        rot_re: &v.rot_re,
                        rot_im: &v.rot_im,
                        input_gain: &v.input_gain,
                    };
                    let groups = v.n_active.div_ceil(LANES);
                    match kernel {
                        // SAFETY: each SIMD build only runs when the CPU has its features.
                        1 => unsafe { resonate_avx(banks, groups, len, pulse, &mut lanes) },
                        2 => unsafe { resonate_fma(banks, groups, len, pulse, &mut lanes) },
                        3 => unsafe {
                            resonate_fma_registers(banks, groups, len, pulse, &mut lanes)
                        },
                        _ => resonate::<false>(banks, groups, len, pulse, &mut lanes),
                    }
                    let mut out = [0.0f32; CONTROL_BLOCK];
                    horizontal_sums(&lanes, &mut out[..len]);
                    (out, re, im)
                };
                let portable = run(0);
                assert!(portable.0.iter().any(|x| x.abs() > 1e-4), "key {key}");
                if std::arch::is_x86_feature_detected!("avx") {
                    assert_eq!(run(1), portable, "AVX must be bit-identical");
                }
                if std::arch::is_x86_feature_detected!("avx")
                    && std::arch::is_x86_feature_detected!("fma")
                {
                    let close = |a: &[f32], b: &[f32], what: &str| {
                        for (a, b) in a.iter().zip(b) {
                            assert!(
                                (a - b).abs() <= 1e-6 * (1.0 + b.abs()),
                                "key {key} {what}: {a} vs {b}"
                            );
                        }
                    };
                    let fma = run(2);
                    // Every resonator does the same arithmetic in both FMA kernels: identical
                    // states; only the order of the output sum differs.
                    let registers = run(3);
                    assert_eq!((registers.1, registers.2), (fma.1, fma.2), "key {key}");
                    for r in [fma, registers] {
                        close(&r.0, &portable.0, "output");
                        close(&r.1, &portable.1, "re");
                        close(&r.2, &portable.2, "im");
                    }
                }
            }
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn batched_horizontal_sums_match_one_at_a_time() {
        if !std::arch::is_x86_feature_detected!("avx") {
            return;
        }
        let mut rng = crate::rng::Rng::new(5);
        let mut lanes = [[0.0f32; SUM_LANES]; CONTROL_BLOCK];
        lanes.iter_mut().flatten().for_each(|x| *x = rng.bipolar());
        for len in [CONTROL_BLOCK, 31, 8, 5, 0] {
            let mut want = [0.0f32; CONTROL_BLOCK];
            horizontal_sums(&lanes, &mut want[..len]);
            let mut got = [7.0f32; CONTROL_BLOCK];
            // SAFETY: the CPU has AVX (checked above).
            unsafe { horizontal_sums_avx(&lanes, &mut got[..len]) };
            for t in 0..len {
                assert!((got[t] - want[t]).abs() <= 1e-6, "{len}: {t}");
            }
            assert!(got[len..].iter().all(|&x| x == 7.0), "wrote past {len}");
        }
    }
}
