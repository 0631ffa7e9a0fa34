//! Synthetic drum material for the snare detector's and engine's tests: snare hits (tuned body +
//! wire noise), kicks (pitch-dropping sine + beater click) and hi-hats (high-passed noise),
//! placed on a grid at a tempo, with bleed levels relative to the main snare hits.

use shared_dsp::filters::{Svf, SvfMode};
use shared_dsp::rng::Rng;
use shared_dsp::util::db_to_gain;
use std::f32::consts::{FRAC_1_SQRT_2, TAU};

/// Where a hit's noise (the snare's wires, the hat, the kick's beater click) comes from:
/// uniform in `[-1, 1)`. Implemented for `shared_dsp::rng::Rng`; `shared-dsp`'s own unit tests,
/// which see a second copy of that type (see the crate doc), implement it for theirs, so a
/// caller's seeded generator gives the same hits, bit for bit, on either side.
pub trait Noise {
    fn bipolar(&mut self) -> f32;
}

impl Noise for Rng {
    fn bipolar(&mut self) -> f32 {
        Rng::bipolar(self)
    }
}

/// Adds `sound` to `out` at `start`, scaled so its peak is exactly `amp`: bleed levels in the
/// tests are peak-to-peak ratios, as an engineer reads them on a meter.
fn add_normalised(out: &mut [f32], start: usize, amp: f32, sound: &[f32]) {
    let peak = crate::peak_abs(sound).max(1.0e-9);
    let start = start.min(out.len());
    for (o, x) in out[start..].iter_mut().zip(sound) {
        *o += amp * x / peak;
    }
}

/// Renders one hit with `render` into a buffer of 500 ms (cut short where `out` ends) and adds
/// it to `out` at `start` with peak `amp`.
fn add_hit<N: Noise>(
    out: &mut [f32],
    sr: f32,
    start: usize,
    amp: f32,
    rng: &mut N,
    render: fn(&mut [f32], f32, &mut N),
) {
    let mut sound = vec![0.0f32; ((0.5 * sr) as usize).min(out.len().saturating_sub(start))];
    render(&mut sound, sr, rng);
    add_normalised(out, start, amp, &sound);
}

/// Adds a snare hit starting exactly at `start` with peak `amp`.
pub fn add_snare<N: Noise>(out: &mut [f32], sr: f32, start: usize, amp: f32, rng: &mut N) {
    add_hit(out, sr, start, amp, rng, render_snare);
}

/// A snare hit at unit scale into `out` (350 ms of it, or all of `out` if shorter).
fn render_snare<N: Noise>(out: &mut [f32], sr: f32, rng: &mut N) {
    let len = ((0.35 * sr) as usize).min(out.len());
    let mut hp = Svf::new(sr, SvfMode::Highpass, 1_500.0, FRAC_1_SQRT_2);
    let mut lp = Svf::new(sr, SvfMode::Lowpass, 9_000.0, FRAC_1_SQRT_2);
    for (n, o) in out.iter_mut().enumerate().take(len) {
        let t = n as f32 / sr;
        let body = 0.55 * (TAU * 185.0 * t).sin() * (-t / 0.06).exp()
            + 0.3 * (TAU * 330.0 * t).sin() * (-t / 0.04).exp();
        let wires = lp.process(hp.process(rng.bipolar())) * 1.4 * (-t / 0.09).exp();
        *o += body + wires;
    }
}

/// Adds a kick drum: sine sweeping 150 -> 50 Hz plus a 2 ms beater click about 20 dB down.
pub fn add_kick<N: Noise>(out: &mut [f32], sr: f32, start: usize, amp: f32, rng: &mut N) {
    add_hit(out, sr, start, amp, rng, render_kick);
}

fn render_kick<N: Noise>(out: &mut [f32], sr: f32, rng: &mut N) {
    let len = ((0.5 * sr) as usize).min(out.len());
    let mut click_lp = Svf::new(sr, SvfMode::Lowpass, 4_000.0, FRAC_1_SQRT_2);
    let mut phase = 0.0f32;
    for (n, o) in out.iter_mut().enumerate().take(len) {
        let t = n as f32 / sr;
        let f = 50.0 + 100.0 * (-t / 0.04).exp();
        phase += TAU * f / sr;
        let body = phase.sin() * (-t / 0.25).exp();
        let click = if t < 0.002 {
            click_lp.process(rng.bipolar()) * db_to_gain(-20.0)
        } else {
            0.0
        };
        *o += body + click;
    }
}

/// Adds a closed hi-hat: noise high-passed at 7 kHz, 40 ms decay.
pub fn add_hat<N: Noise>(out: &mut [f32], sr: f32, start: usize, amp: f32, rng: &mut N) {
    add_hit(out, sr, start, amp, rng, render_hat);
}

fn render_hat<N: Noise>(out: &mut [f32], sr: f32, rng: &mut N) {
    let len = ((0.15 * sr) as usize).min(out.len());
    let mut hp1 = Svf::new(sr, SvfMode::Highpass, 7_000.0, FRAC_1_SQRT_2);
    let mut hp2 = Svf::new(sr, SvfMode::Highpass, 7_000.0, FRAC_1_SQRT_2);
    for (n, o) in out.iter_mut().enumerate().take(len) {
        let t = n as f32 / sr;
        *o += 2.0 * hp2.process(hp1.process(rng.bipolar())) * (-t / 0.04).exp();
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HitKind {
    Main,
    Ghost,
    Grace,
}

#[derive(Debug, Clone, Copy)]
pub struct SnareEvent {
    pub start: usize,
    pub kind: HitKind,
}

/// A groove: backbeat snares (with a flam every other bar), ghost notes on some 16ths, kick on
/// 1, 3 and the "and" of 3, 8th-note hats, then one bar of a 16th-note snare roll. Bleed levels
/// are in dB relative to the main snare amplitude.
pub struct Groove {
    pub signal: Vec<f32>,
    pub events: Vec<SnareEvent>,
}

pub fn groove(sr: f32, bpm: f32, bars: usize, kick_db: f32, hat_db: f32, seed: u32) -> Groove {
    let mut rng = Rng::new(seed);
    let beat = 60.0 / bpm * sr;
    let sixteenth = beat / 4.0;
    let total = ((bars + 1) as f32 * 4.0 * beat + sr) as usize;
    let mut signal = vec![0.0f32; total];
    let mut events = Vec::new();
    let main = 0.5;
    let offset = (0.1 * sr) as usize;
    let at = |bar: usize, sixteenth_index: usize| -> usize {
        offset + ((bar * 16 + sixteenth_index) as f32 * sixteenth).round() as usize
    };
    for bar in 0..bars {
        for s in [0usize, 8, 10] {
            add_kick(
                &mut signal,
                sr,
                at(bar, s),
                main * db_to_gain(kick_db),
                &mut rng,
            );
        }
        for s in (0..16).step_by(2) {
            add_hat(
                &mut signal,
                sr,
                at(bar, s),
                main * db_to_gain(hat_db),
                &mut rng,
            );
        }
        for s in [4usize, 12] {
            let start = at(bar, s);
            if s == 12 && bar % 2 == 1 {
                // Flam: grace stroke 12 dB down, 25 ms before the main stroke.
                let grace = start - (0.025 * sr) as usize;
                add_snare(&mut signal, sr, grace, main * db_to_gain(-12.0), &mut rng);
                events.push(SnareEvent {
                    start: grace,
                    kind: HitKind::Grace,
                });
            }
            let amp = main * db_to_gain(-2.0 * rng.next_f32());
            add_snare(&mut signal, sr, start, amp, &mut rng);
            events.push(SnareEvent {
                start,
                kind: HitKind::Main,
            });
        }
        for s in [7usize, 9, 15] {
            let start = at(bar, s);
            add_snare(&mut signal, sr, start, main * db_to_gain(-18.0), &mut rng);
            events.push(SnareEvent {
                start,
                kind: HitKind::Ghost,
            });
        }
    }
    // A bar of 16th-note roll, accents (+2 dB) on the beats.
    for s in 0..16 {
        let start = at(bars, s);
        let amp = main * if s % 4 == 0 { 1.0 } else { db_to_gain(-2.0) };
        add_snare(&mut signal, sr, start, amp, &mut rng);
        events.push(SnareEvent {
            start,
            kind: HitKind::Main,
        });
    }
    events.sort_by_key(|e| e.start);
    // Room noise floor at -70 dBFS.
    for x in signal.iter_mut() {
        *x += db_to_gain(-70.0) * rng.bipolar();
    }
    Groove { signal, events }
}

/// A kick mic and a snare mic for the sidechain Reject tests: a kick every 500 ms at full level
/// on its own mic, leaking into the snare mic 12 dB under the snare and 1 ms late; a snare
/// stroke first, then one between every two kicks. Returns (kick mic, snare mic, the snare
/// strokes' onsets).
pub fn kick_and_snare_mics(sr: f32, seed: u32) -> (Vec<f32>, Vec<f32>, Vec<usize>) {
    let mut rng = Rng::new(seed);
    let len = (3.0 * sr) as usize;
    let (mut kick_mic, mut snare_mic) = (vec![0.0f32; len], vec![0.0f32; len]);
    let beat = (0.5 * sr) as usize;
    let late = (0.001 * sr) as usize;
    let first = (0.02 * sr) as usize;
    add_snare(&mut snare_mic, sr, first, 0.5, &mut rng);
    let mut strokes = vec![first];
    for k in 0..5 {
        let t = (0.1 * sr) as usize + k * beat;
        add_kick(&mut kick_mic, sr, t, 0.8, &mut rng);
        add_kick(
            &mut snare_mic,
            sr,
            t + late,
            0.5 * db_to_gain(-12.0),
            &mut rng,
        );
        add_snare(&mut snare_mic, sr, t + beat / 2, 0.5, &mut rng);
        strokes.push(t + beat / 2);
    }
    (kick_mic, snare_mic, strokes)
}
