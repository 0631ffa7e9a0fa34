//! The soak's input (the CLAP host's hour-long run): seeded drum material that never repeats,
//! generated block by block at whatever rate the host runs, carrying on across rate changes.

use shared_dsp::rng::Rng;

/// Uniform in `[lo, hi)`.
pub fn uniform(rng: &mut Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.next_f32() as f64
}

/// True with probability `p`.
pub fn chance(rng: &mut Rng, p: f64) -> bool {
    (rng.next_f32() as f64) < p
}

/// Index drawn with the given weights (they need not sum to 1).
pub fn weighted(rng: &mut Rng, weights: &[f64]) -> usize {
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

    /// Below -80 dBFS: under every plugin's detection floor and cheaper to drop than to ring.
    fn done(&self) -> bool {
        self.body < 1e-4 && self.noise < 1e-4
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
        if self.hits.len() > 8 {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
