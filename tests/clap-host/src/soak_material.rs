//! What the soak feeds a plugin, generated on the fly from a seed so an hour never repeats:
//! audio ([`SoakSignal`]), MIDI for instruments ([`SoakMidi`]), parameter automation
//! ([`SoakAutomation`]) and the host's block sizes ([`BlockProfile`]).
//!
//! Each generator works in seconds, so it carries on across a sample-rate change; every event
//! lands on an exact sample inside the chunk it is made for (sample-accurate).

use shared_dsp::rng::Rng;

use crate::host::{HostEvent, ParamDesc};

/// Uniform in `[lo, hi)`.
fn uniform(rng: &mut Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.next_f32() as f64
}

fn chance(rng: &mut Rng, p: f64) -> bool {
    (rng.next_f32() as f64) < p
}

/// Index drawn with the given weights (they need not sum to 1).
fn weighted(rng: &mut Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = uniform(rng, 0.0, total);
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

fn db(gain_db: f64) -> f64 {
    10f64.powf(gain_db / 20.0)
}

/// One drum hit: a pitched body falling from `hz_start` to `hz_end` (a membrane's tension
/// drop) plus a noise burst (snares, the stick), each decaying exponentially. Per-sample
/// factors are set for one rate ([`Hit::tune`]); the body is a rotating phasor whose step is
/// re-tuned every [`RETUNE`] samples, so a hit costs a few multiplies a sample.
#[derive(Clone, Copy, Debug)]
struct Hit {
    hz_end: f64,
    hz_excess: f64,
    drop_tau_s: f64,
    body_tau_s: f64,
    noise_tau_s: f64,
    /// Body and noise envelopes (amplitudes now).
    body: f64,
    noise: f64,
    /// Body phasor.
    re: f64,
    im: f64,
    /// Per-sample factors at `rate`.
    rate: f64,
    k_body: f64,
    k_noise: f64,
    k_drop: f64,
    rot: (f64, f64),
    until_retune: usize,
}

/// Samples between re-tunings of a hit's falling pitch.
const RETUNE: usize = 16;

impl Hit {
    /// Kick, snare, tom or hat/clap, with its own tuning.
    fn random(rng: &mut Rng, amp: f64) -> Self {
        let kind = weighted(rng, &[0.3, 0.35, 0.15, 0.2]);
        let (hz, ratio, body_tau, noise, noise_tau) = match kind {
            0 => (
                uniform(rng, 42.0, 70.0),
                3.0,
                uniform(rng, 0.12, 0.45),
                0.1,
                0.01,
            ),
            1 => (
                uniform(rng, 150.0, 260.0),
                1.5,
                uniform(rng, 0.04, 0.15),
                uniform(rng, 0.5, 1.0),
                uniform(rng, 0.05, 0.25),
            ),
            2 => (
                uniform(rng, 80.0, 220.0),
                1.4,
                uniform(rng, 0.15, 0.5),
                0.2,
                0.03,
            ),
            _ => (
                uniform(rng, 300.0, 600.0),
                1.0,
                0.005,
                1.0,
                uniform(rng, 0.01, 0.08),
            ),
        };
        Self {
            hz_end: hz,
            hz_excess: hz * (ratio - 1.0),
            drop_tau_s: uniform(rng, 0.01, 0.05),
            body_tau_s: body_tau,
            noise_tau_s: noise_tau,
            body: amp,
            noise: amp * noise,
            re: 0.0,
            im: -1.0,
            rate: 0.0,
            k_body: 0.0,
            k_noise: 0.0,
            k_drop: 0.0,
            rot: (1.0, 0.0),
            until_retune: 0,
        }
    }

    fn tune(&mut self, rate: f64) {
        if self.rate != rate {
            self.rate = rate;
            self.k_body = (-1.0 / (self.body_tau_s * rate)).exp();
            self.k_noise = (-1.0 / (self.noise_tau_s * rate)).exp();
            self.k_drop = (-(RETUNE as f64) / (self.drop_tau_s * rate)).exp();
            self.until_retune = 0;
        }
    }

    fn next(&mut self, noise: f64) -> f64 {
        if self.until_retune == 0 {
            self.until_retune = RETUNE;
            let hz = (self.hz_end + self.hz_excess).min(0.45 * self.rate);
            self.hz_excess *= self.k_drop;
            let w = std::f64::consts::TAU * hz / self.rate;
            self.rot = (w.cos(), w.sin());
            // Keep the phasor on the unit circle against rounding drift.
            let norm = (self.re * self.re + self.im * self.im).sqrt().max(1e-12);
            self.re /= norm;
            self.im /= norm;
        }
        self.until_retune -= 1;
        let (c, s) = self.rot;
        let re = self.re * c - self.im * s;
        self.im = self.re * s + self.im * c;
        self.re = re;
        let y = self.body * self.im + self.noise * noise;
        self.body *= self.k_body;
        self.noise *= self.k_noise;
        y
    }

    fn done(&self) -> bool {
        self.body < 1e-5 && self.noise < 1e-5
    }
}

/// What the input does for a while.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Scene {
    Drums,
    DrumsOverBed,
    Noise,
    Silence,
    Tone,
}

/// Seeded, never-repeating test input: drum grooves at varying tempo, level and pattern (with
/// ghost notes, accents, flams and rolls), noise beds, exact-zero silences (tails decaying into
/// denormal range), tones and glides up to near Nyquist, and now and then a brief DC offset.
/// Scenes last 0.5-20 s. The sidechain (auxiliary) output carries the hits alone, as a close
/// trigger mic would.
pub struct SoakSignal {
    rng: Rng,
    scene: Scene,
    scene_left_s: f64,
    bpm: f64,
    level: f64,
    /// Hit probability per sixteenth of the bar.
    pattern: [f64; 16],
    step: usize,
    until_step_s: f64,
    /// Pending extra hits (flams, rolls): seconds from now, amplitude.
    pending: Vec<(f64, f64)>,
    hits: Vec<Hit>,
    noise_level: f64,
    pink: [f64; 3],
    tone_hz: f64,
    /// Natural log of the tone's frequency change per second (a glide).
    tone_glide_per_s: f64,
    tone_level: f64,
    /// Tone phasor, its per-sample rotation and samples until the glide re-tunes it.
    tone: (f64, f64),
    tone_rot: (f64, f64),
    tone_until_retune: usize,
    dc: f64,
    dc_left_s: f64,
}

impl SoakSignal {
    pub fn new(seed: u32) -> Self {
        let mut s = Self {
            rng: Rng::new(seed),
            scene: Scene::Drums,
            scene_left_s: 0.0,
            bpm: 120.0,
            level: 0.5,
            pattern: [0.0; 16],
            step: 0,
            until_step_s: 0.0,
            pending: Vec::new(),
            hits: Vec::new(),
            noise_level: 0.0,
            pink: [0.0; 3],
            tone_hz: 220.0,
            tone_glide_per_s: 0.0,
            tone_level: 0.0,
            tone: (1.0, 0.0),
            tone_rot: (1.0, 0.0),
            tone_until_retune: 0,
            dc: 0.0,
            dc_left_s: 0.0,
        };
        s.new_scene();
        s
    }

    fn new_scene(&mut self) {
        let r = &mut self.rng;
        self.scene = [
            Scene::Drums,
            Scene::DrumsOverBed,
            Scene::Noise,
            Scene::Silence,
            Scene::Tone,
        ][weighted(r, &[0.4, 0.25, 0.1, 0.1, 0.15])];
        self.scene_left_s = match self.scene {
            Scene::Silence => uniform(r, 0.5, 10.0),
            _ => uniform(r, 1.0, 20.0),
        };
        self.bpm = uniform(r, 60.0, 220.0);
        self.level = db(uniform(r, -40.0, 0.0));
        for (i, p) in self.pattern.iter_mut().enumerate() {
            *p = match i % 4 {
                0 => uniform(r, 0.5, 1.0),
                2 => uniform(r, 0.2, 0.8),
                _ => uniform(r, 0.0, 0.4),
            };
        }
        self.noise_level = match self.scene {
            Scene::Noise => db(uniform(r, -60.0, -6.0)),
            Scene::DrumsOverBed => db(uniform(r, -50.0, -20.0)),
            _ => 0.0,
        };
        self.tone_level = match self.scene {
            Scene::Tone => db(uniform(r, -40.0, -3.0)),
            Scene::DrumsOverBed => db(uniform(r, -40.0, -20.0)),
            _ => 0.0,
        };
        // Log-uniform 20 Hz .. 20 kHz; a third of the tones glide somewhere else in the range.
        self.tone_hz = 20.0 * 1000f64.powf(r.next_f32() as f64);
        self.tone_glide_per_s = if chance(r, 0.33) {
            let end_hz = 20.0 * 1000f64.powf(r.next_f32() as f64);
            (end_hz / self.tone_hz).ln() / self.scene_left_s
        } else {
            0.0
        };
        self.tone_until_retune = 0;
        if chance(r, 0.1) {
            self.dc = uniform(r, -0.5, 0.5);
            self.dc_left_s = uniform(r, 0.05, 1.0);
        }
    }

    fn drums_on(&self) -> bool {
        matches!(self.scene, Scene::Drums | Scene::DrumsOverBed)
    }

    fn trigger_step(&mut self) {
        let p = self.pattern[self.step % 16];
        self.step += 1;
        let r = &mut self.rng;
        if !chance(r, p) {
            return;
        }
        // Accents, normal hits and ghost notes.
        let amp = self.level
            * match weighted(r, &[0.2, 0.6, 0.2]) {
                0 => 1.0,
                1 => uniform(r, 0.4, 0.8),
                _ => uniform(r, 0.04, 0.2),
            };
        let hit = Hit::random(r, amp);
        self.hits.push(hit);
        let sixteenth = 15.0 / self.bpm;
        if chance(r, 0.05) {
            self.pending.push((uniform(r, 0.01, 0.03), amp * 0.6)); // flam
        }
        if chance(r, 0.03) {
            let n = 2 + (r.next_u32() % 6) as usize; // roll of 32nd notes
            for k in 1..=n {
                self.pending
                    .push((k as f64 * sixteenth / 2.0, amp * uniform(r, 0.3, 0.9)));
            }
        }
        self.hits.retain(|h| !h.done());
        // A drum kit rings a handful of hits at once; cap it so a roll cannot pile up.
        if self.hits.len() > 16 {
            self.hits.remove(0);
        }
    }

    /// Fills `main` (the plugin's main input channels) and `aux` (its auxiliary inputs) with the
    /// next `frames` samples at `sample_rate`.
    ///
    /// # Panics
    /// If a channel buffer holds fewer than `frames` samples.
    pub fn fill(
        &mut self,
        sample_rate: f64,
        frames: usize,
        main: &mut [Vec<f32>],
        aux: &mut [Vec<f32>],
    ) {
        let dt = 1.0 / sample_rate;
        let mut glide = (self.tone_glide_per_s * dt).exp();
        for i in 0..frames {
            if self.scene_left_s <= 0.0 {
                self.new_scene();
                glide = (self.tone_glide_per_s * dt).exp();
            }
            self.scene_left_s -= dt;
            if self.drums_on() {
                self.until_step_s -= dt;
                if self.until_step_s <= 0.0 {
                    self.until_step_s += 15.0 / self.bpm;
                    self.trigger_step();
                }
            } else {
                self.until_step_s = 0.0;
            }
            if !self.pending.is_empty() {
                let mut k = 0;
                while k < self.pending.len() {
                    self.pending[k].0 -= dt;
                    if self.pending[k].0 <= 0.0 {
                        let (_, amp) = self.pending.swap_remove(k);
                        let hit = Hit::random(&mut self.rng, amp);
                        self.hits.push(hit);
                    } else {
                        k += 1;
                    }
                }
            }
            let w = self.rng.bipolar() as f64;
            let mut hits = 0.0;
            for h in self.hits.iter_mut() {
                h.tune(sample_rate);
                hits += h.next(w);
            }
            let mut x = hits;
            if self.noise_level > 0.0 {
                // Pink-ish noise: white through three one-pole low-passes, summed.
                self.pink[0] = 0.997 * self.pink[0] + 0.029 * w;
                self.pink[1] = 0.985 * self.pink[1] + 0.032 * w;
                self.pink[2] = 0.95 * self.pink[2] + 0.048 * w;
                x += self.noise_level
                    * ((self.pink[0] + self.pink[1] + self.pink[2]) * 3.0 + 0.3 * w);
            }
            if self.tone_level > 0.0 {
                if self.tone_until_retune == 0 {
                    self.tone_until_retune = RETUNE;
                    self.tone_hz =
                        (self.tone_hz * glide.powi(RETUNE as i32)).clamp(10.0, 0.49 * sample_rate);
                    let w = std::f64::consts::TAU * self.tone_hz * dt;
                    self.tone_rot = (w.cos(), w.sin());
                    let (re, im) = self.tone;
                    let norm = (re * re + im * im).sqrt().max(1e-12);
                    self.tone = (re / norm, im / norm);
                }
                self.tone_until_retune -= 1;
                let ((re, im), (c, s)) = (self.tone, self.tone_rot);
                self.tone = (re * c - im * s, re * s + im * c);
                x += self.tone_level * self.tone.1;
            }
            if self.dc_left_s > 0.0 {
                self.dc_left_s -= dt;
                x += self.dc;
            }
            if self.scene == Scene::Silence && self.dc_left_s <= 0.0 {
                x = 0.0;
            }
            let x = x.clamp(-1.0, 1.0);
            for (c, ch) in main.iter_mut().enumerate() {
                // Channels differ a little in level, as two mics would.
                ch[i] = (x * (1.0 - 0.1 * c as f64)) as f32;
            }
            for ch in aux.iter_mut() {
                ch[i] = hits.clamp(-1.0, 1.0) as f32;
            }
        }
    }
}

/// What the pianist does for a while.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Playing {
    Rest,
    Melody,
    Chords,
    Run,
    Trill,
}

/// Sample of a time `at_s` inside a chunk that starts at `now_s` and holds `frames` samples.
fn sample_at(at_s: f64, now_s: f64, sample_rate: f64, frames: usize) -> usize {
    (((at_s - now_s) * sample_rate).max(0.0) as usize).min(frames - 1)
}

/// Exponential gap with the given mean rate (events per second), as a player's timing is.
fn gap_s(rng: &mut Rng, per_s: f64) -> f64 {
    -(1.0 - rng.next_f32() as f64).max(1e-9).ln() / per_s
}

/// Seeded MIDI performance for an instrument: rests, melodies, chords, fast runs and trills
/// (the same keys struck again and again) at varying density and velocity, across the whole
/// MIDI key range now and then; sustain pedal (on, off, half), soft pedal, mod wheel, volume and
/// expression CCs, pitch-bend gestures sent every 5 ms, and rarely All Notes Off / All Sound
/// Off. A note-off follows every note-on. Scheduled in seconds (events, not samples, cost).
pub struct SoakMidi {
    rng: Rng,
    /// Time at the start of the next chunk.
    now_s: f64,
    playing: Playing,
    phrase_end_s: f64,
    notes_per_s: f64,
    next_note_s: f64,
    root: u8,
    trill: bool,
    /// Held keys and when they are released.
    held: Vec<(u8, f64)>,
    next_pedal_s: f64,
    next_cc_s: f64,
    /// Pitch bend gesture: current and target 14-bit value, end time, next send time.
    bend: (f64, f64, f64, f64),
    pub notes: usize,
    pub midi_messages: usize,
}

impl SoakMidi {
    pub fn new(seed: u32) -> Self {
        let mut m = Self {
            rng: Rng::new(seed),
            now_s: 0.0,
            playing: Playing::Rest,
            phrase_end_s: 0.0,
            notes_per_s: 0.0,
            next_note_s: 0.0,
            root: 60,
            trill: false,
            held: Vec::new(),
            next_pedal_s: 1.0,
            next_cc_s: 0.5,
            bend: (8192.0, 8192.0, 0.0, f64::INFINITY),
            notes: 0,
            midi_messages: 0,
        };
        m.new_phrase();
        m
    }

    /// The plugin was re-activated and forgot its held notes: so does the player.
    pub fn forget_held(&mut self) {
        self.held.clear();
    }

    fn new_phrase(&mut self) {
        let r = &mut self.rng;
        self.playing = [
            Playing::Rest,
            Playing::Melody,
            Playing::Chords,
            Playing::Run,
            Playing::Trill,
        ][weighted(r, &[0.15, 0.35, 0.3, 0.1, 0.1])];
        self.phrase_end_s = self.phrase_end_s.max(self.now_s)
            + match self.playing {
                Playing::Run | Playing::Trill => uniform(r, 0.5, 4.0),
                _ => uniform(r, 2.0, 15.0),
            };
        self.notes_per_s = match self.playing {
            Playing::Rest => 0.0,
            Playing::Melody => uniform(r, 2.0, 8.0),
            Playing::Chords => uniform(r, 0.5, 2.0),
            Playing::Run => uniform(r, 8.0, 20.0),
            Playing::Trill => uniform(r, 6.0, 14.0),
        };
        // Mostly the middle of the keyboard, sometimes the piano's ends or beyond (0..127).
        self.root = if chance(r, 0.1) {
            (r.next_u32() % 128) as u8
        } else {
            36 + (r.next_u32() % 49) as u8
        };
    }

    fn strike(&mut self, at: usize, at_s: f64, key: u8, hold_s: f64, out: &mut Vec<HostEvent>) {
        if let Some(i) = self.held.iter().position(|&(k, _)| k == key) {
            // Striking a held key again: release it first, as a keyboard does.
            self.held.swap_remove(i);
            out.push(HostEvent::NoteOff { sample: at, key });
        }
        // MIDI velocity 1..127 as CLAP's 0..1.
        let velocity = (1 + self.rng.next_u32() % 127) as f64 / 127.0;
        out.push(HostEvent::NoteOn {
            sample: at,
            key,
            velocity,
        });
        self.held.push((key, at_s + hold_s));
        self.notes += 1;
    }

    fn cc(&mut self, at: usize, cc: u8, value: u8, out: &mut Vec<HostEvent>) {
        out.push(HostEvent::Midi {
            sample: at,
            data: [0xB0, cc, value.min(127)],
        });
        self.midi_messages += 1;
    }

    fn play(&mut self, at: usize, at_s: f64, out: &mut Vec<HostEvent>) {
        let r = &mut self.rng;
        let step: i32 = [-5, -3, -2, -1, 1, 2, 3, 4, 7][(r.next_u32() % 9) as usize];
        let hold = uniform(r, 0.05, 2.0);
        match self.playing {
            Playing::Rest => {}
            Playing::Melody | Playing::Run => {
                self.root = (self.root as i32 + step).clamp(0, 127) as u8;
                let hold = if self.playing == Playing::Run {
                    hold * 0.2
                } else {
                    hold
                };
                self.strike(at, at_s, self.root, hold, out);
            }
            Playing::Chords => {
                const SHAPES: [&[i32]; 4] = [
                    &[0, 4, 7],
                    &[0, 3, 7, 10],
                    &[0, 7, 12, 16, 19],
                    &[0, 2, 5, 9],
                ];
                let shape = SHAPES[(r.next_u32() % 4) as usize];
                self.root = (self.root as i32 + step).clamp(0, 108) as u8;
                for &iv in shape {
                    let key = (self.root as i32 + iv).min(127) as u8;
                    self.strike(at, at_s, key, hold * 2.0, out);
                }
            }
            Playing::Trill => {
                self.trill = !self.trill;
                let key = (self.root + self.trill as u8).min(127);
                self.strike(at, at_s, key, 0.08, out);
            }
        }
    }

    fn control(&mut self, at: usize, at_s: f64, out: &mut Vec<HostEvent>) {
        let r = &mut self.rng;
        self.next_cc_s = at_s + uniform(r, 0.05, 3.0);
        let roll = r.next_f32();
        let value = (r.next_u32() % 128) as u8;
        if roll < 0.3 {
            self.cc(at, 1, value, out); // mod wheel
        } else if roll < 0.45 {
            self.cc(at, 67, [0, 127][(value & 1) as usize], out); // soft pedal
        } else if roll < 0.6 {
            self.cc(at, 7, value, out); // volume
        } else if roll < 0.75 {
            self.cc(at, 11, value, out); // expression
        } else if roll < 0.95 {
            // A bend gesture to anywhere in the 14-bit range over 50 ms .. 2 s.
            self.bend.1 = (r.next_u32() % 16384) as f64;
            self.bend.2 = at_s + uniform(r, 0.05, 2.0);
            self.bend.3 = at_s;
        } else if roll < 0.99 {
            self.cc(at, 123, 0, out); // All Notes Off
            self.held.clear();
        } else {
            self.cc(at, 120, 0, out); // All Sound Off
            self.held.clear();
        }
    }

    fn send_bend(&mut self, at: usize, at_s: f64, out: &mut Vec<HostEvent>) {
        let (cur, target, end_s, next_s) = &mut self.bend;
        // A straight line to the target: the remaining distance times the share of the
        // remaining time this 5 ms step takes.
        *cur += (*target - *cur) * (0.005 / (*end_s - at_s).max(0.005)).min(1.0);
        *next_s = if at_s >= *end_s {
            f64::INFINITY
        } else {
            at_s + 0.005
        };
        let v = cur.round().clamp(0.0, 16383.0) as u16;
        out.push(HostEvent::Midi {
            sample: at,
            data: [0xE0, (v & 0x7f) as u8, (v >> 7) as u8],
        });
        self.midi_messages += 1;
    }

    /// Events for the next `frames` samples at `sample_rate`, sorted, times from the chunk's
    /// first sample.
    pub fn events(&mut self, sample_rate: f64, frames: usize) -> Vec<HostEvent> {
        let end_s = self.now_s + frames as f64 / sample_rate;
        let mut out = Vec::new();
        loop {
            // The earliest thing due: a release, the phrase's end, a note, a pedal, a CC, a bend.
            let release = self
                .held
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.1.total_cmp(&b.1.1))
                .map(|(i, h)| (i, h.1));
            let note_s = if self.notes_per_s > 0.0 {
                self.next_note_s
            } else {
                f64::INFINITY
            };
            let due = [
                release.map_or(f64::INFINITY, |r| r.1),
                self.phrase_end_s,
                note_s,
                self.next_pedal_s,
                self.next_cc_s,
                self.bend.3,
            ];
            let (what, at_s) = due
                .iter()
                .copied()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .expect("six candidates");
            if at_s >= end_s {
                break;
            }
            let at = sample_at(at_s, self.now_s, sample_rate, frames);
            match what {
                0 => {
                    let (i, _) = release.expect("a held key");
                    let (key, _) = self.held.swap_remove(i);
                    out.push(HostEvent::NoteOff { sample: at, key });
                }
                1 => self.new_phrase(),
                2 => {
                    self.next_note_s = at_s + gap_s(&mut self.rng, self.notes_per_s);
                    self.play(at, at_s, &mut out);
                }
                3 => {
                    self.next_pedal_s = at_s + uniform(&mut self.rng, 0.3, 6.0);
                    let value = [0u8, 127, 64, 100, 0][(self.rng.next_u32() % 5) as usize];
                    self.cc(at, 64, value, &mut out);
                }
                4 => self.control(at, at_s, &mut out),
                _ => self.send_bend(at, at_s, &mut out),
            }
            if what == 1 {
                // A new phrase starts its notes from now.
                self.next_note_s = at_s.max(self.next_note_s.min(at_s + 0.1));
            }
        }
        self.now_s = end_s;
        // Times past a rate change stay in seconds, so nothing is lost or bunched.
        out.sort_by_key(HostEvent::sample);
        out
    }
}

/// One automation lane moving a parameter from `from` to `to` between `start_s` and `end_s`,
/// one point every `every_s` (a host's automation curve as events).
#[derive(Clone, Copy, Debug)]
struct Ramp {
    param: usize,
    from: f64,
    to: f64,
    start_s: f64,
    end_s: f64,
    every_s: f64,
    next_s: f64,
}

/// Seeded parameter automation within each parameter's own range (from the plugin's param
/// info): about three gestures a second, each a ramp with a point every 1-30 ms (log-uniform:
/// sample-accurate, not on block edges) or a jump,
/// and one in five slams a parameter to its minimum or maximum. Stepped parameters only jump,
/// to whole values.
pub struct SoakAutomation {
    rng: Rng,
    params: Vec<ParamDesc>,
    ramps: Vec<Ramp>,
    now_s: f64,
    next_gesture_s: f64,
    pub events_sent: usize,
}

impl SoakAutomation {
    /// `params`: the visible (automatable) parameters.
    pub fn new(seed: u32, params: Vec<ParamDesc>) -> Self {
        Self {
            rng: Rng::new(seed),
            params,
            ramps: Vec::new(),
            now_s: 0.0,
            next_gesture_s: 0.0,
            events_sent: 0,
        }
    }

    fn push(&mut self, out: &mut Vec<HostEvent>, sample: usize, param: usize, value: f64) {
        let q = &self.params[param];
        let mut v = value.clamp(q.min, q.max);
        if q.stepped {
            v = v.round().clamp(q.min, q.max);
        }
        out.push(HostEvent::Param {
            sample,
            id: q.id,
            value: v,
        });
        self.events_sent += 1;
    }

    fn gesture(&mut self, at: usize, at_s: f64, out: &mut Vec<HostEvent>) {
        self.next_gesture_s = at_s + gap_s(&mut self.rng, 3.0);
        let r = &mut self.rng;
        let p = (r.next_u32() as usize) % self.params.len();
        let q = &self.params[p];
        let (min, max, stepped) = (q.min, q.max, q.stepped);
        let target = match weighted(r, &[0.8, 0.1, 0.1]) {
            0 => uniform(r, min, max),
            1 => min,
            _ => max,
        };
        if stepped || chance(r, 0.3) || self.ramps.len() >= 8 {
            self.push(out, at, p, target);
        } else {
            let ramp = Ramp {
                param: p,
                from: uniform(r, min, max),
                to: target,
                start_s: at_s,
                end_s: at_s + uniform(r, 0.01, 3.0),
                every_s: 1e-3 * 30f64.powf(r.next_f32() as f64),
                next_s: at_s,
            };
            self.ramps.retain(|x| x.param != p);
            self.ramps.push(ramp);
        }
    }

    /// Events for the next `frames` samples at `sample_rate`, sorted, times from the chunk's
    /// first sample.
    pub fn events(&mut self, sample_rate: f64, frames: usize) -> Vec<HostEvent> {
        let end_s = self.now_s + frames as f64 / sample_rate;
        let mut out = Vec::new();
        if self.params.is_empty() {
            self.now_s = end_s;
            return out;
        }
        loop {
            let ramp = self
                .ramps
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.next_s.total_cmp(&b.1.next_s))
                .map(|(i, r)| (i, r.next_s));
            let ramp_s = ramp.map_or(f64::INFINITY, |r| r.1);
            let at_s = ramp_s.min(self.next_gesture_s);
            if at_s >= end_s {
                break;
            }
            let at = sample_at(at_s, self.now_s, sample_rate, frames);
            if self.next_gesture_s <= ramp_s {
                self.gesture(at, at_s, &mut out);
                continue;
            }
            let (i, _) = ramp.expect("a ramp is due");
            let r = self.ramps[i];
            let x = ((at_s - r.start_s) / (r.end_s - r.start_s)).clamp(0.0, 1.0);
            self.push(&mut out, at, r.param, r.from + (r.to - r.from) * x);
            if at_s >= r.end_s {
                self.ramps.swap_remove(i);
            } else {
                self.ramps[i].next_s = (at_s + r.every_s).min(r.end_s);
            }
        }
        self.now_s = end_s;
        out.sort_by_key(HostEvent::sample);
        out
    }
}

/// How a host cuts the audio into blocks for one segment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BlockProfile {
    /// Always the same size (most hosts).
    Fixed(usize),
    /// A nominal size, split at random points now and then (automation, loop points).
    Split(usize),
    /// 1-16 samples.
    Small,
    /// One sample per block.
    Ones,
    /// 4096-8192 samples (offline bounces).
    Large,
    /// Log-uniform 1-8192.
    Wild,
}

impl BlockProfile {
    /// Mostly realistic sizes, some extremes.
    pub fn random(rng: &mut Rng) -> Self {
        const SIZES: [usize; 10] = [32, 64, 128, 256, 441, 480, 512, 1000, 1024, 2048];
        match weighted(rng, &[0.45, 0.25, 0.06, 0.02, 0.1, 0.12]) {
            0 => Self::Fixed(SIZES[rng.next_u32() as usize % SIZES.len()]),
            1 => Self::Split([256, 512, 1024][rng.next_u32() as usize % 3]),
            2 => Self::Small,
            3 => Self::Ones,
            4 => Self::Large,
            _ => Self::Wild,
        }
    }

    /// The largest block this profile makes (what the host activates with, at least).
    pub fn max(self) -> usize {
        match self {
            Self::Fixed(n) | Self::Split(n) => n,
            Self::Small => 16,
            Self::Ones => 1,
            Self::Large | Self::Wild => 8192,
        }
    }

    /// Seconds of audio a segment with this profile lasts: tiny blocks cost the most per
    /// second of audio, so their segments are short.
    pub fn segment_seconds(self, rng: &mut Rng) -> f64 {
        match self {
            Self::Ones => uniform(rng, 0.3, 1.0),
            Self::Small => uniform(rng, 1.0, 4.0),
            _ => uniform(rng, 10.0, 90.0),
        }
    }

    /// Block sizes covering exactly `frames` samples.
    pub fn blocks(self, rng: &mut Rng, frames: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut left = frames;
        while left > 0 {
            let n = match self {
                Self::Fixed(n) => n,
                Self::Split(n) => {
                    if chance(rng, 0.3) {
                        1 + rng.next_u32() as usize % n
                    } else {
                        n
                    }
                }
                Self::Small => 1 + rng.next_u32() as usize % 16,
                Self::Ones => 1,
                Self::Large => 4096 + rng.next_u32() as usize % 4097,
                Self::Wild => (8192f64.powf(rng.next_f32() as f64) as usize).clamp(1, 8192),
            }
            .min(left);
            out.push(n);
            left -= n;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_lists_cover_the_frames_exactly_within_the_profile_bounds() {
        let mut rng = Rng::new(5);
        for profile in [
            BlockProfile::Fixed(441),
            BlockProfile::Split(512),
            BlockProfile::Small,
            BlockProfile::Ones,
            BlockProfile::Large,
            BlockProfile::Wild,
        ] {
            let b = profile.blocks(&mut rng, 100_000);
            assert_eq!(b.iter().sum::<usize>(), 100_000, "{profile:?}");
            assert!(
                b.iter().all(|&n| (1..=profile.max()).contains(&n)),
                "{profile:?}"
            );
        }
        let wild = BlockProfile::Wild.blocks(&mut rng, 2_000_000);
        assert!(wild.iter().any(|&n| n < 8) && wild.iter().any(|&n| n > 4096));
    }

    #[test]
    fn the_signal_changes_scene_never_repeats_and_stays_in_full_scale() {
        let sr = 48_000.0;
        let n = 48_000;
        let mut s = SoakSignal::new(3);
        let (mut silent, mut loud, mut dc) = (0, 0, 0);
        let mut seconds: Vec<Vec<f32>> = Vec::new();
        for _ in 0..240 {
            let mut main = vec![vec![0.0f32; n]; 2];
            let mut aux = vec![vec![0.0f32; n]; 2];
            s.fill(sr, n, &mut main, &mut aux);
            assert!(main.iter().chain(&aux).flatten().all(|x| x.abs() <= 1.0));
            let x = &main[0];
            let mean = x.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
            let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            if x.iter().all(|&v| v == 0.0) {
                silent += 1;
            }
            if peak > 0.25 {
                loud += 1;
            }
            if mean.abs() > 0.02 {
                dc += 1;
            }
            seconds.push(x.clone());
        }
        // Four minutes hold silent seconds, loud seconds and seconds with a DC offset.
        assert!(silent > 0 && loud > 0 && dc > 0, "{silent} {loud} {dc}");
        // No non-silent second is a copy of another.
        for i in 0..seconds.len() {
            for j in 0..i {
                if seconds[i].iter().any(|&v| v != 0.0) {
                    assert_ne!(seconds[i], seconds[j], "second {i} repeats second {j}");
                }
            }
        }
    }

    #[test]
    fn midi_balances_note_ons_with_note_offs_and_bends_in_range() {
        let sr = 44_100.0;
        let mut m = SoakMidi::new(9);
        let mut held = std::collections::HashSet::new();
        let (mut cc, mut bends) = (0, 0);
        for _ in 0..120 {
            let ev = m.events(sr, 44_100);
            assert!(ev.windows(2).all(|w| w[0].sample() <= w[1].sample()));
            for e in ev {
                match e {
                    HostEvent::NoteOn { key, velocity, .. } => {
                        assert!(key < 128 && velocity > 0.0 && velocity <= 1.0);
                        assert!(held.insert(key), "key {key} struck while held");
                    }
                    HostEvent::NoteOff { key, .. } => {
                        held.remove(&key);
                    }
                    HostEvent::Midi { data, .. } => {
                        assert!(data[1] < 128 && data[2] < 128);
                        if data[0] == 0xE0 {
                            bends += 1;
                        } else {
                            cc += 1;
                            if data[1] == 123 || data[1] == 120 {
                                held.clear();
                            }
                        }
                    }
                    HostEvent::Param { .. } => panic!("the player sends no parameters"),
                }
            }
        }
        assert!(
            m.notes > 200 && cc > 50 && bends > 50,
            "{} {cc} {bends}",
            m.notes
        );
        assert!(held.len() <= 16, "{} keys left hanging", held.len());
    }

    #[test]
    fn automation_stays_in_range_and_is_whole_for_stepped_parameters() {
        let params = vec![
            ParamDesc {
                id: 1u32.into(),
                name: "Gain".into(),
                min: -24.0,
                max: 6.0,
                default: 0.0,
                stepped: false,
                automatable: true,
                hidden: false,
            },
            ParamDesc {
                id: 2u32.into(),
                name: "Mode".into(),
                min: 0.0,
                max: 3.0,
                default: 0.0,
                stepped: true,
                automatable: true,
                hidden: false,
            },
        ];
        let mut a = SoakAutomation::new(4, params);
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for _ in 0..60 {
            let ev = a.events(96_000.0, 96_000);
            assert!(ev.windows(2).all(|w| w[0].sample() <= w[1].sample()));
            for e in ev {
                let HostEvent::Param { id, value, sample } = e else {
                    panic!("automation sends parameters only");
                };
                assert!(sample < 96_000);
                if id == 1u32 {
                    assert!((-24.0..=6.0).contains(&value));
                    lo = lo.min(value);
                    hi = hi.max(value);
                } else {
                    assert!((0.0..=3.0).contains(&value) && value.fract() == 0.0);
                }
            }
        }
        // The extremes are reached exactly.
        assert_eq!((lo, hi), (-24.0, 6.0));
        assert!(a.events_sent > 1000, "{}", a.events_sent);
    }
}
