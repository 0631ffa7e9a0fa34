//! The Ache Piano engine: MIDI-driven modal piano voices through a soundboard body, sympathetic
//! strings, mechanical noise and a small room.
//!
//! Signal flow per control block (32 samples):
//! voices (strings, hammer) -> key-tracked pan -> body (+ key knock) -> + sympathetic strings
//! (pedal down) -> + room ("Air") -> + hiss.
//! Continuous controls glide towards their targets once per block (20 ms); note-on controls
//! (hammer voicing, tone, stretch, spread, unison string levels) apply to the next strike, as on
//! a real instrument. Felt and wear do both: the strike takes their value at note-on, and their
//! damping of the high partials glides on every sounding note.
//!
//! The sustain pedal (CC64) is a continuum, as on an acoustic piano: its position glides (the
//! pedal's travel), the dampers' contact follows it ([`damper_contact`]: full below 20 %, none
//! above 80 %, half-pedalling between), re-pressing it lifts the dampers of notes still
//! ringing, and the mechanism's noise follows the pedal's speed, so slow pedalling is silent
//! and a stomp thumps. Silently depressed keys (notes softer than the Silent Keys velocity)
//! lift their dampers without a strike and take their sound from the bridge.

use super::body::SoundboardBody;
use super::mechanics::MechanicalNoise;
use super::room::SmallRoom;
use super::settings::PianoSettings;
use super::sympathetic::SympatheticStrings;
use super::tuning::key_offset_cents;
use super::voice::{
    CONTROL_BLOCK, PianoVoice, StrikeParams, UNISON_STRINGS, UnisonSettings, release_damping,
};
use super::wobble::WowFlutter;
use crate::util::equal_power_pan;

/// Notes that can sound at once.
pub const MAX_VOICES: usize = 64;
/// Extra voices that only ever hold stolen notes while they fade out, so a steal never cuts.
const SPARE_VOICES: usize = 8;
const STEAL_FADE_MS: f32 = 5.0;
const SMOOTHING_MS: f32 = 20.0;
/// The sustain pedal's dampers land or lift over about this long (sympathetic send).
const PEDAL_MS: f32 = 60.0;
/// The pedal's own travel: a CC64 step moves it with this time constant (a foot, a lever and
/// the damper rail have mass).
const PEDAL_TRAVEL_MS: f32 = 10.0;
/// Pedal speeds (full travel per second) between which the mechanism's noise rises from nothing
/// to full: a 0.5 s press is silent, a stomp (full travel in under ~70 ms) thumps fully.
const PEDAL_QUIET_SPEED: f32 = 2.0;
const PEDAL_LOUD_SPEED: f32 = 15.0;
/// Pedal thump at full speed and full Noise.
const PEDAL_THUMP: f32 = 0.12;

/// How firmly the sustain pedal lets the dampers rest on the strings at `pedal` position in
/// [0, 1]: 1 (dampers down) up to 20 % travel (the pedal's free play), 0 (fully lifted) from
/// 80 %, a smoothstep between; half pedal (0.5) is exactly half contact.
pub fn damper_contact(pedal: f32) -> f32 {
    let x = ((pedal - 0.2) / 0.6).clamp(0.0, 1.0);
    1.0 - x * x * (3.0 - 2.0 * x)
}
/// Output trim: a full-velocity middle C peaks around -10 dBFS, a forte chord near -3 dBFS.
const OUTPUT_GAIN: f32 = 0.22;
/// Output below this (-120 dBFS) with nothing playing counts as silence.
const SILENCE: f32 = 1.0e-6;
/// A silently held voice quieter than this (summed squared resonator magnitudes, -120 dB) with
/// a silent bridge is not processed.
const SILENT_VOICE_ENERGY: f32 = 1.0e-12;
/// Range of the per-string unison controls: detune of strings 2 and 3 from string 1 (cents),
/// and their strike level relative to string 1 (dB).
pub const MAX_STRING_DETUNE_CENTS: f32 = 20.0;
pub const MIN_STRING_LEVEL_DB: f32 = -24.0;
/// Highest Silent Keys velocity: notes softer than it lift their dampers without a strike.
pub const MAX_SILENT_VELOCITY: f32 = 0.3;

/// 1, 2, 3, ...: sample positions within a control block, for linear ramps.
const RAMP: [f32; CONTROL_BLOCK] = {
    let mut r = [0.0; CONTROL_BLOCK];
    let mut i = 0;
    while i < CONTROL_BLOCK {
        r[i] = (i + 1) as f32;
        i += 1;
    }
    r
};

/// One-pole glide evaluated once per control block of `len` samples.
#[derive(Debug, Clone, Copy)]
struct Glide {
    current: f32,
    target: f32,
}

impl Glide {
    fn new(value: f32) -> Self {
        Self {
            current: value,
            target: value,
        }
    }

    #[inline]
    fn step(&mut self, coef: f32) -> f32 {
        self.current += (self.target - self.current) * coef;
        if (self.target - self.current).abs() <= 1e-6 * self.target.abs().max(1e-3) {
            self.current = self.target;
        }
        self.current
    }
}

/// `x` clamped to [0, 1], NaN as 0.
fn finite_unit(x: f32) -> f32 {
    if x.is_finite() {
        x.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// Identity up to full scale, then a tanh knee that never exceeds 2.0 (+6 dBFS): 64 notes
/// with the pedal down stay bounded and saturate like tape instead of wrapping or hard-clipping.
#[inline]
fn soft_clip(x: f32) -> f32 {
    let a = x.abs();
    if a <= 1.0 {
        x
    } else {
        (1.0 + (a - 1.0).tanh()).copysign(x)
    }
}

/// True when some `|x| >= threshold` (NaN never counts): an OR over the block, which
/// vectorises where a running maximum does not.
#[inline(always)]
fn any_at_least(x: &[f32], threshold: f32) -> bool {
    x.iter().fold(false, |any, v| any | (v.abs() >= threshold))
}

pub struct PianoEngine {
    sample_rate: f32,
    voices: Vec<PianoVoice>,
    voice_pan: Vec<[f32; 2]>,
    /// The Width the voices' pan gains were last computed for (NaN: recompute).
    pan_width: f32,
    user: PianoSettings,
    /// `user` with the Ache macro applied.
    resolved: PianoSettings,
    detune: Glide,
    wow_depth: Glide,
    flutter_depth: Glide,
    air: Glide,
    width: Glide,
    noise: Glide,
    /// Felt and Wear as the sounding notes' losses see them.
    felt: Glide,
    wear: Glide,
    a4: Glide,
    bend_cents: Glide,
    /// Per-string unison detune from string 1 (strings 2 and 3), cents.
    string_detune: [Glide; UNISON_STRINGS - 1],
    pedal_send: Glide,
    /// Glide coefficients for block lengths 0..=CONTROL_BLOCK.
    smooth_coef: [f32; CONTROL_BLOCK + 1],
    pedal_coef: [f32; CONTROL_BLOCK + 1],
    wobble: WowFlutter,
    body: SoundboardBody,
    room: SmallRoom,
    sympathetic: SympatheticStrings,
    mechanics: MechanicalNoise,
    /// Sustain pedal: the CC64 value, and the pedal's position gliding to it (0 up, 1 down).
    pedal_target: f32,
    pedal: f32,
    pedal_travel_coef: [f32; CONTROL_BLOCK + 1],
    /// Release-velocity damping ([`release_damping`]) of each voice's last note-off.
    voice_release: Vec<f32>,
    soft_pedal: f32,
    pitch_bend: f32,
    clock: u64,
    keys_down: [u64; 2],
    quiet_samples: usize,
    idle: bool,
    sympathetic_ringing: bool,
    room_ringing: bool,
}

impl PianoEngine {
    /// Allocates every voice and delay line: call off the audio thread.
    pub fn new(sample_rate: f32) -> Self {
        let sample_rate = sample_rate.clamp(8_000.0, 384_000.0);
        let all = MAX_VOICES + SPARE_VOICES;
        let user = PianoSettings::default();
        let mut e = Self {
            sample_rate,
            voices: (0..all).map(|_| PianoVoice::new(sample_rate)).collect(),
            voice_pan: vec![[1.0, 1.0]; all],
            pan_width: f32::NAN,
            user,
            resolved: user.with_ache_applied(),
            detune: Glide::new(0.0),
            wow_depth: Glide::new(0.0),
            flutter_depth: Glide::new(0.0),
            air: Glide::new(0.0),
            width: Glide::new(0.0),
            noise: Glide::new(0.0),
            felt: Glide::new(0.0),
            wear: Glide::new(0.0),
            a4: Glide::new(440.0),
            bend_cents: Glide::new(0.0),
            string_detune: [Glide::new(0.0); UNISON_STRINGS - 1],
            pedal_send: Glide::new(0.0),
            smooth_coef: [0.0; CONTROL_BLOCK + 1],
            pedal_coef: [0.0; CONTROL_BLOCK + 1],
            pedal_travel_coef: [0.0; CONTROL_BLOCK + 1],
            voice_release: vec![1.0; all],
            wobble: WowFlutter::new(),
            body: SoundboardBody::new(sample_rate),
            room: SmallRoom::new(sample_rate),
            sympathetic: SympatheticStrings::new(sample_rate),
            mechanics: MechanicalNoise::new(sample_rate),
            pedal_target: 0.0,
            pedal: 0.0,
            soft_pedal: 0.0,
            pitch_bend: 0.0,
            clock: 0,
            keys_down: [0; 2],
            quiet_samples: 0,
            idle: true,
            sympathetic_ringing: false,
            room_ringing: false,
        };
        for len in 0..=CONTROL_BLOCK {
            let coef = |ms: f32| 1.0 - (-(len as f32) / (ms * 0.001 * sample_rate)).exp();
            e.smooth_coef[len] = coef(SMOOTHING_MS);
            e.pedal_coef[len] = coef(PEDAL_MS);
            e.pedal_travel_coef[len] = coef(PEDAL_TRAVEL_MS);
        }
        e.set_settings(&user);
        e.snap_controls();
        e
    }

    /// An engine at `settings` from its first sample: [`Self::new`], [`Self::set_settings`],
    /// then [`Self::snap_controls`] so nothing glides in from the defaults (a render of a saved
    /// project, a benchmark, a test). Allocates: call off the audio thread.
    pub fn with_settings(sample_rate: f32, settings: &PianoSettings) -> Self {
        let mut e = Self::new(sample_rate);
        e.set_settings(settings);
        e.snap_controls();
        e
    }

    /// Re-creates the engine for a new sample rate (allocates: call off the audio thread).
    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        let user = self.user;
        *self = Self::with_settings(sample_rate, &user);
    }

    /// Silences everything and clears all states (no allocation).
    pub fn reset(&mut self) {
        for v in &mut self.voices {
            v.reset();
        }
        self.body.reset();
        self.room.reset();
        self.sympathetic.reset();
        self.mechanics.reset();
        self.wobble.reset();
        self.pedal_target = 0.0;
        self.pedal = 0.0;
        self.voice_release.fill(1.0);
        self.soft_pedal = 0.0;
        self.pitch_bend = 0.0;
        // Targets derived from the state cleared above, so the snap below lands where a fresh
        // engine with these settings would start (no bend, pedal up).
        self.bend_cents.target = 0.0;
        self.pedal_send.target = 0.0;
        self.clock = 0;
        self.keys_down = [0; 2];
        self.pan_width = f32::NAN;
        self.quiet_samples = 0;
        self.idle = true;
        self.sympathetic_ringing = false;
        self.room_ringing = false;
        self.snap_controls();
    }

    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// Sets the character controls. Continuous ones glide; note-on ones apply at the next strike.
    pub fn set_settings(&mut self, settings: &PianoSettings) {
        self.user = *settings;
        let r = settings.with_ache_applied();
        self.resolved = r;
        self.detune.target = r.detune_cents;
        self.wow_depth.target = r.wow_depth_cents;
        self.flutter_depth.target = r.flutter_depth_cents;
        self.air.target = r.air;
        self.width.target = r.width;
        self.noise.target = r.noise;
        self.felt.target = finite_unit(r.felt);
        self.wear.target = finite_unit(r.wear);
        self.a4.target = r.a4_hz.clamp(400.0, 480.0);
        for (g, &c) in self.string_detune.iter_mut().zip(&r.string_detune_cents) {
            g.target = if c.is_finite() {
                c.clamp(-MAX_STRING_DETUNE_CENTS, MAX_STRING_DETUNE_CENTS)
            } else {
                0.0
            };
        }
        self.bend_cents.target = self.pitch_bend * r.bend_range_semitones.clamp(0.0, 24.0) * 100.0;
    }

    /// Jumps every glide to its target (after loading a project, or in tests).
    pub fn snap_controls(&mut self) {
        self.pedal = self.pedal_target;
        for g in &mut self.string_detune {
            g.current = g.target;
        }
        for g in [
            &mut self.detune,
            &mut self.wow_depth,
            &mut self.flutter_depth,
            &mut self.air,
            &mut self.width,
            &mut self.noise,
            &mut self.felt,
            &mut self.wear,
            &mut self.a4,
            &mut self.bend_cents,
            &mut self.pedal_send,
        ] {
            g.current = g.target;
        }
    }

    pub fn settings(&self) -> &PianoSettings {
        &self.user
    }

    /// Sounding voices (including ones fading out after a steal).
    pub fn active_voices(&self) -> usize {
        self.voices.iter().filter(|v| v.is_active()).count()
    }

    /// True when nothing sounds and every effect tail has been cleared to exact zeros.
    pub fn is_idle(&self) -> bool {
        self.idle
    }

    /// Keys currently held down, as a 128-bit mask (bit k of word k / 64).
    pub fn keys_down(&self) -> [u64; 2] {
        self.keys_down
    }

    /// Keys whose strings are still sounding (held, sustained or ringing out).
    pub fn keys_sounding(&self) -> [u64; 2] {
        let mut mask = [0u64; 2];
        for v in self
            .voices
            .iter()
            .filter(|v| v.is_active() && !v.is_stealing())
        {
            mask[(v.key / 64) as usize] |= 1 << (v.key % 64);
        }
        mask
    }

    /// The tuning offset of `key` in cents from equal temperament (stretch plus the old
    /// piano's spread), for the editor's keyboard.
    pub fn key_tuning_cents(&self, key: u8) -> f32 {
        let r = &self.resolved;
        key_offset_cents(key, r.stretch, r.spread_cents, r.tuning_seed)
    }

    fn strike_params(&self) -> StrikeParams {
        let r = &self.resolved;
        StrikeParams {
            felt: self.felt.target,
            wear: self.wear.target,
            tuning_seed: r.tuning_seed,
            spread_cents: r.spread_cents,
            stretch: r.stretch,
            soft_pedal: self.soft_pedal,
            hardness: 2f32.powf(1.2 * r.tone.clamp(-1.0, 1.0)),
            voicing: r.voicing,
            string_level: self.unison().level,
        }
    }

    /// The per-string unison settings the next strike uses (levels from dB, detunes as set).
    pub fn unison(&self) -> UnisonSettings {
        let r = &self.resolved;
        let mut u = UnisonSettings::default();
        for s in 1..UNISON_STRINGS {
            let db = r.string_level_db[s - 1];
            let db = if db.is_finite() {
                db.clamp(MIN_STRING_LEVEL_DB, 0.0)
            } else {
                0.0
            };
            u.level[s] = 10f32.powf(db / 20.0);
            u.detune_cents[s] = self.string_detune[s - 1].target;
        }
        u
    }

    /// Starts (or re-strikes) `key` with `velocity` in [0, 1]. Velocity 0 is a note-off.
    pub fn note_on(&mut self, key: u8, velocity: f32) {
        let key = key.min(127);
        let velocity = if velocity.is_finite() {
            velocity.clamp(0.0, 1.0)
        } else {
            0.0
        };
        if velocity <= 0.0 {
            self.note_off(key);
            return;
        }
        if velocity
            < self
                .resolved
                .silent_below_velocity
                .clamp(0.0, MAX_SILENT_VELOCITY)
        {
            self.press_silently(key);
            return;
        }
        self.clock += 1;
        self.idle = false;
        self.quiet_samples = 0;
        self.keys_down[(key / 64) as usize] |= 1 << (key % 64);
        let params = self.strike_params();
        let noise = self.noise.target;
        self.mechanics.knock(noise * 0.25 * (0.2 + velocity));

        let index = match self
            .voices
            .iter()
            .position(|v| v.is_active() && !v.is_stealing() && v.key == key)
        {
            Some(i) => i,
            None => self.allocate_voice(),
        };
        let v = &mut self.voices[index];
        let fresh = !(v.is_active() && v.key == key);
        v.strike(key, velocity, &params);
        v.age = self.clock;
        if fresh {
            self.voice_pan[index] = self.pan_gains(key, self.width.current);
        }
    }

    /// Presses `key` without a hammer strike: its dampers lift (a note still ringing on it rings
    /// on undamped), and while it is held the other strings' sound drives its strings.
    pub fn press_silently(&mut self, key: u8) {
        let key = key.min(127);
        self.clock += 1;
        self.idle = false;
        self.quiet_samples = 0;
        self.keys_down[(key / 64) as usize] |= 1 << (key % 64);
        let params = self.strike_params();
        let index = match self
            .voices
            .iter()
            .position(|v| v.is_active() && !v.is_stealing() && v.key == key)
        {
            Some(i) => i,
            None => self.allocate_voice(),
        };
        let v = &mut self.voices[index];
        let fresh = !(v.is_active() && v.key == key);
        v.lift_silently(key, &params);
        v.age = self.clock;
        if fresh {
            self.voice_pan[index] = self.pan_gains(key, self.width.current);
        }
    }

    /// Picks a free voice, stealing the quietest note (released ones first) when all
    /// [`MAX_VOICES`] are playing; the stolen note fades out in a few ms in its own slot.
    fn allocate_voice(&mut self) -> usize {
        let playing = self
            .voices
            .iter()
            .filter(|v| v.is_active() && !v.is_stealing())
            .count();
        if playing >= MAX_VOICES {
            let victim = self
                .voices
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_active() && !v.is_stealing())
                .min_by(|(_, a), (_, b)| {
                    let score = |v: &PianoVoice| v.energy() * if v.key_down { 8.0 } else { 1.0 };
                    score(a).total_cmp(&score(b)).then(a.age.cmp(&b.age))
                })
                .map(|(i, _)| i);
            if let Some(i) = victim {
                self.voices[i].steal(STEAL_FADE_MS);
            }
        }
        if let Some(i) = self.voices.iter().position(|v| !v.is_active()) {
            return i;
        }
        // Every slot is busy (many steals within a few ms): reuse the most faded one.
        self.voices
            .iter()
            .enumerate()
            .min_by(|(_, a), (_, b)| a.energy().total_cmp(&b.energy()))
            .map(|(i, _)| i)
            .unwrap_or(0)
    }

    /// Releases `key` with the default release velocity (the MIDI default, 64).
    pub fn note_off(&mut self, key: u8) {
        self.note_off_with_velocity(key, 0.0);
    }

    /// Releases `key` with `release_velocity` in [0, 1] (0: none sent, the default): the faster
    /// the release, the harder its damper stops the strings ([`release_damping`]).
    pub fn note_off_with_velocity(&mut self, key: u8, release_velocity: f32) {
        let key = key.min(127);
        self.keys_down[(key / 64) as usize] &= !(1 << (key % 64));
        let release = release_damping(release_velocity);
        let contact = damper_contact(self.pedal);
        let mut thump = 0.0;
        for (v, r) in self
            .voices
            .iter_mut()
            .zip(self.voice_release.iter_mut())
            .filter(|(v, _)| v.is_active() && !v.is_stealing() && v.key == key)
        {
            v.key_down = false;
            *r = release;
            // The damper lands now (the glide in render_block takes it from here).
            v.set_damping_target(contact * release);
            thump = 0.04 * contact * release;
        }
        self.mechanics.thump(thump * self.noise.target);
    }

    /// Sustain pedal (CC64): `value` in [0, 1], a continuum (half-pedalling) as on an acoustic
    /// piano; the pedal travels there over [`PEDAL_TRAVEL_MS`].
    pub fn set_sustain(&mut self, value: f32) {
        let value = if value.is_finite() {
            value.clamp(0.0, 1.0)
        } else {
            0.0
        };
        if value == self.pedal_target {
            return;
        }
        self.pedal_target = value;
        self.idle = false;
        self.quiet_samples = 0;
    }

    /// True when the sustain pedal is at least half down.
    pub fn sustain(&self) -> bool {
        self.pedal >= 0.5
    }

    /// The sustain pedal's position now, 0 (up) to 1 (down).
    pub fn sustain_position(&self) -> f32 {
        self.pedal
    }

    /// Soft pedal (CC67, una corda), `value` in [0, 1]; shapes the following strikes.
    pub fn set_soft_pedal(&mut self, value: f32) {
        self.soft_pedal = if value.is_finite() {
            value.clamp(0.0, 1.0)
        } else {
            0.0
        };
    }

    /// Pitch bend in [-1, 1] (scaled by the bend range).
    pub fn set_pitch_bend(&mut self, value: f32) {
        self.pitch_bend = if value.is_finite() {
            value.clamp(-1.0, 1.0)
        } else {
            0.0
        };
        self.bend_cents.target =
            self.pitch_bend * self.resolved.bend_range_semitones.clamp(0.0, 24.0) * 100.0;
    }

    /// Player's-perspective pan (bass left) scaled by width, equal power, unity at centre.
    fn pan_gains(&self, key: u8, width: f32) -> [f32; 2] {
        let pan = ((key as f32 - 64.0) / 40.0).clamp(-1.0, 1.0) * width.clamp(0.0, 1.0);
        let (l, r) = equal_power_pan(pan);
        [l * std::f32::consts::SQRT_2, r * std::f32::consts::SQRT_2]
    }

    /// Renders stereo audio into `left` and `right` (overwriting them).
    pub fn render(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let mut pos = 0;
        while pos < n {
            let len = (n - pos).min(CONTROL_BLOCK);
            self.render_block(&mut left[pos..pos + len], &mut right[pos..pos + len]);
            pos += len;
        }
    }

    fn render_block(&mut self, left: &mut [f32], right: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: the CPU supports AVX (checked just above).
            unsafe { self.render_block_avx(left, right) };
            return;
        }
        self.render_block_portable(left, right);
    }

    /// [`render_block_portable`](Self::render_block_portable) compiled for AVX: the body's
    /// modes, the room's lines, the sympathetic strings and the per-voice mixing (all inlined
    /// here) run 8 lanes wide. No FMA, so the output is the same as the portable build.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    fn render_block_avx(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.render_block_portable(left, right);
    }

    #[inline(always)]
    fn render_block_portable(&mut self, left: &mut [f32], right: &mut [f32]) {
        let len = left.len();
        if self.idle {
            left.fill(0.0);
            right.fill(0.0);
            self.snap_controls();
            return;
        }
        let c = self.smooth_coef[len];
        let detune = self.detune.step(c);
        let wow_depth = self.wow_depth.step(c);
        let flutter_depth = self.flutter_depth.step(c);
        let air = self.air.step(c);
        let width = self.width.step(c);
        // Pan gains only move with Width (each voice's were set at its note-on).
        let width_moved = width != self.pan_width;
        self.pan_width = width;
        let noise = self.noise.step(c);
        let felt = self.felt.step(c);
        let wear = self.wear.step(c);
        let a4 = self.a4.step(c);
        let bend = self.bend_cents.step(c);
        let mut unison = [0.0f32; UNISON_STRINGS];
        for (u, g) in unison[1..].iter_mut().zip(self.string_detune.iter_mut()) {
            *u = g.step(c);
        }

        // The pedal travels; its speed sets the mechanism's noise (a stomp thumps, slow
        // pedalling is silent), its position how firmly the dampers rest on the strings.
        let before = self.pedal;
        self.pedal += (self.pedal_target - self.pedal) * self.pedal_travel_coef[len];
        if (self.pedal_target - self.pedal).abs() < 1e-4 {
            self.pedal = self.pedal_target;
        }
        let speed = (self.pedal - before).abs() * self.sample_rate / len as f32;
        let loudness =
            ((speed - PEDAL_QUIET_SPEED) / (PEDAL_LOUD_SPEED - PEDAL_QUIET_SPEED)).clamp(0.0, 1.0);
        if loudness > 0.0 {
            self.mechanics
                .thump(PEDAL_THUMP * loudness * loudness * self.noise.target);
        }
        let contact = damper_contact(self.pedal);
        self.pedal_send.target = (1.0 - contact) * self.resolved.resonance.clamp(0.0, 1.0);
        let pedal = self.pedal_send.step(self.pedal_coef[len]);
        let wobble = self.wobble.advance(
            len as f32 / self.sample_rate,
            wow_depth,
            self.resolved.wow_rate_hz.clamp(0.05, 10.0),
            flutter_depth,
            self.resolved.flutter_rate_hz.clamp(1.0, 30.0),
        );
        self.sympathetic.set_tuning(a4);
        let ratio = a4 / 440.0 * 2f32.powf((bend + wobble) / 1200.0);

        let mut dry = [[0.0f32; CONTROL_BLOCK]; 2];
        let mut bus = [0.0f32; CONTROL_BLOCK];
        let mut buf = [0.0f32; CONTROL_BLOCK];
        let inv_len = 1.0 / len as f32;
        let mut any_voice = false;
        // Struck strings first (their sum is the bridge's sound), then the silently held keys,
        // which the bridge drives and which never feed back into that drive.
        let mut any_driven = false;
        let mut bridge = [0.0f32; CONTROL_BLOCK];
        let mut bridge_moving = false;
        for pass in 0..2 {
            if pass == 1 {
                if !any_driven {
                    break;
                }
                bridge = bus;
                bridge_moving = bridge[..len].iter().any(|&x| x != 0.0);
            }
            for i in 0..self.voices.len() {
                if !self.voices[i].is_active() {
                    continue;
                }
                let driven = self.voices[i].is_bridge_driven();
                any_driven |= driven;
                if driven != (pass == 1) {
                    continue;
                }
                // A held silent string with nothing on the bridge and nothing left ringing
                // costs nothing.
                if driven && !bridge_moving && self.voices[i].energy() < SILENT_VOICE_ENERGY {
                    continue;
                }
                any_voice = true;
                let key = self.voices[i].key;
                let target = if width_moved {
                    self.pan_gains(key, width)
                } else {
                    self.voice_pan[i]
                };
                let release = self.voice_release[i];
                let v = &mut self.voices[i];
                // Held keys keep their dampers up; released ones rest as firmly as the pedal
                // lets them, harder for a fast release.
                v.set_damping_target(if v.key_down { 0.0 } else { contact * release });
                v.set_losses(felt, wear);
                v.update_tuning(detune, &unison, ratio);
                v.process(&mut buf[..len], driven.then_some(&bridge));
                // Linear pan ramp across the block: width changes never step.
                let start = self.voice_pan[i];
                let step = [
                    (target[0] - start[0]) * inv_len,
                    (target[1] - start[1]) * inv_len,
                ];
                let [dry_l, dry_r] = &mut dry;
                for ((((x, tf), l), r), b) in buf[..len]
                    .iter()
                    .zip(&RAMP)
                    .zip(dry_l.iter_mut())
                    .zip(dry_r.iter_mut())
                    .zip(bus.iter_mut())
                {
                    *l += x * (start[0] + step[0] * tf);
                    *r += x * (start[1] + step[1] * tf);
                    *b += x;
                }
                self.voice_pan[i] = target;
            }
        }

        // Tape hiss: about -48 dBFS RMS at full Noise, -60 at half.
        let hiss_gain = 0.03 * noise * noise;
        let mut knock = [0.0f32; CONTROL_BLOCK];
        let mut hiss = [[0.0f32; CONTROL_BLOCK]; 2];
        for t in 0..len {
            (knock[t], hiss[0][t], hiss[1][t]) = self.mechanics.process(hiss_gain);
        }
        let [mut out_l, mut out_r] = dry;
        self.body
            .process_block(&mut out_l[..len], &mut out_r[..len], &knock[..len]);
        // The sympathetic strings run while the pedal is (even partly) down; when it is fully
        // up their dampers have landed too, so their state is cleared once. The room runs while
        // it is wanted or still ringing.
        if pedal > 0.0 {
            let gain = 0.5 * pedal;
            let send = 0.02 * pedal;
            let mut drive = [0.0f32; CONTROL_BLOCK];
            for (d, &b) in drive.iter_mut().zip(&bus).take(len) {
                *d = b * send;
            }
            let mut ring = [[0.0f32; CONTROL_BLOCK]; 2];
            let [ring_l, ring_r] = &mut ring;
            self.sympathetic
                .process_block(&drive[..len], &mut ring_l[..len], &mut ring_r[..len]);
            for t in 0..len {
                out_l[t] += gain * ring_l[t];
                out_r[t] += gain * ring_r[t];
            }
            self.sympathetic_ringing = true;
        } else if self.sympathetic_ringing {
            self.sympathetic.reset();
            self.sympathetic_ringing = false;
        }
        if air > 0.0 || self.room_ringing {
            let room_gain = 0.9 * air;
            let mut wet = [[0.0f32; CONTROL_BLOCK]; 2];
            let [wet_l, wet_r] = &mut wet;
            self.room.process_block(
                &out_l[..len],
                &out_r[..len],
                &mut wet_l[..len],
                &mut wet_r[..len],
            );
            for ((o, &w), (p, &v)) in out_l[..len]
                .iter_mut()
                .zip(&wet_l[..len])
                .zip(out_r[..len].iter_mut().zip(&wet_r[..len]))
            {
                *o += room_gain * w;
                *p += room_gain * v;
            }
            self.room_ringing =
                any_at_least(&wet_l[..len], SILENCE) || any_at_least(&wet_r[..len], SILENCE);
            if !self.room_ringing && air == 0.0 {
                self.room.reset();
            }
        }
        for ((l, (&o, &h)), (r, (&p, &k))) in left
            .iter_mut()
            .zip(out_l[..len].iter().zip(&hiss[0][..len]))
            .zip(
                right
                    .iter_mut()
                    .zip(out_r[..len].iter().zip(&hiss[1][..len])),
            )
        {
            *l = (o + h) * OUTPUT_GAIN;
            *r = (p + k) * OUTPUT_GAIN;
        }
        // The soft ceiling only where something reaches full scale (rare): the plain loop above
        // vectorises, `soft_clip`'s tanh does not. Identical output either way.
        if any_at_least(&left[..len], 1.0) || any_at_least(&right[..len], 1.0) {
            for x in left[..len].iter_mut().chain(right[..len].iter_mut()) {
                *x = soft_clip(*x);
            }
        }
        let loud = any_at_least(&left[..len], SILENCE) || any_at_least(&right[..len], SILENCE);

        // Once every voice has ended and the tails have faded below -120 dB, clear the effect
        // states to exact zeros and stop processing: no denormals, no CPU in silence.
        if !any_voice && self.mechanics.is_idle() && !loud {
            self.quiet_samples += len;
            if self.quiet_samples as f32 > 0.05 * self.sample_rate {
                self.body.reset();
                self.room.reset();
                self.sympathetic.reset();
                self.mechanics.reset();
                self.idle = true;
                self.sympathetic_ringing = false;
                self.room_ringing = false;
            }
        } else {
            self.quiet_samples = 0;
        }
    }
}
