//! Synthesized material for `catalyst demo` (so the tool shows what it does with no input at
//! all): drum hits, a groove, a chord progression and a small arrangement that builds. The
//! benchmarks' workloads and the tests of what the demo shows play the same pieces; material made
//! only for tests lives in `catalyst-test-support`. Deterministic (seeded).

use crate::rng::Rng;
use std::f32::consts::TAU;

/// A clean, programmed-sounding snare: a pitched body (~190 Hz dropping slightly) plus a short
/// band of noise, the kind of "too clean" snare the Snare Layerer is for. Adds 250 ms of it at
/// `start` (cut short at the end of `out`), scaled by `gain`. Also the snare of the benchmarks'
/// snare train (`catalyst_test_support::drums::snare_train`).
pub fn add_snare(out: &mut [f32], start: usize, sr: f32, gain: f32, rng: &mut Rng) {
    let len = ((0.25 * sr) as usize).min(out.len().saturating_sub(start));
    let mut phase = 0.0f32;
    let mut hp_state = 0.0f32;
    for i in 0..len {
        let t = i as f32 / sr;
        let f = 185.0 + 40.0 * (-t * 40.0).exp();
        phase += TAU * f / sr;
        let body = phase.sin() * (-t * 28.0).exp();
        let n = rng.bipolar();
        let hp = n - hp_state; // crude first difference: brightens the wires
        hp_state = n;
        let wires = hp * 0.5 * (-t * 22.0).exp();
        out[start + i] += gain * (0.6 * body + 0.5 * wires);
    }
}

fn add_kick(out: &mut [f32], start: usize, sr: f32, gain: f32) {
    let len = ((0.4 * sr) as usize).min(out.len().saturating_sub(start));
    let mut phase = 0.0f32;
    for i in 0..len {
        let t = i as f32 / sr;
        let f = 50.0 + 90.0 * (-t * 30.0).exp();
        phase += TAU * f / sr;
        out[start + i] += gain * phase.sin() * (-t * 8.0).exp();
    }
}

fn add_hat(out: &mut [f32], start: usize, sr: f32, gain: f32, rng: &mut Rng) {
    let len = ((0.05 * sr) as usize).min(out.len().saturating_sub(start));
    let mut prev = 0.0f32;
    for i in 0..len {
        let t = i as f32 / sr;
        let n = rng.bipolar();
        let hp = n - prev;
        prev = n;
        out[start + i] += gain * 0.5 * hp * (-t * 90.0).exp();
    }
}

/// What a snare mic hears of a rock groove at `bpm`: snare on 2 and 4 with a ghost note before
/// the next bar, and the kick (1 and 3) and closed hats (eighths) as bleed 20 dB down. Returns
/// mono audio and the snare (main and ghost) onset times in seconds.
pub fn drum_groove(sr: u32, bpm: f32, bars: usize) -> (Vec<f32>, Vec<f64>) {
    let srf = sr as f32;
    let beat = 60.0 / bpm;
    let total = ((bars as f32 * 4.0 * beat + 0.5) * srf) as usize;
    let mut out = vec![0.0f32; total];
    let mut rng = Rng::new(2024);
    let mut snare_times = Vec::new();
    for bar in 0..bars {
        let bar_start = bar as f32 * 4.0 * beat;
        for eighth in 0..8 {
            let t = bar_start + eighth as f32 * beat / 2.0;
            add_hat(&mut out, (t * srf) as usize, srf, 0.025, &mut rng);
        }
        for b in [0.0, 2.0] {
            add_kick(&mut out, ((bar_start + b * beat) * srf) as usize, srf, 0.08);
        }
        for (b, gain) in [(1.0, 0.7), (3.0, 0.75), (3.75, 0.2)] {
            let t = bar_start + b * beat;
            add_snare(&mut out, (t * srf) as usize, srf, gain, &mut rng);
            snare_times.push(((t * srf) as usize) as f64 / sr as f64);
        }
    }
    (out, snare_times)
}

/// (start_s, duration_s, key, velocity): a slow, sad progression for the Ache Piano
/// (Am - F - C - G, voiced close, with a melody note on top), two bars each at 70 BPM.
pub fn chord_progression() -> Vec<(f64, f64, u8, u8)> {
    let bar = 4.0 * 60.0 / 70.0;
    let chords: [[u8; 4]; 4] = [
        [45, 57, 60, 64],
        [41, 57, 60, 65],
        [48, 55, 60, 64],
        [43, 55, 59, 62],
    ];
    let mut notes = Vec::new();
    for (i, chord) in chords.iter().enumerate() {
        let start = i as f64 * bar;
        for (j, &key) in chord.iter().enumerate() {
            // A slightly rolled chord, softer inner voices: played, not programmed.
            notes.push((
                start + j as f64 * 0.03,
                bar * 0.95,
                key,
                if j == 0 { 70 } else { 55 },
            ));
        }
        notes.push((start + bar * 0.5, bar * 0.45, chord[3] + 12, 80));
    }
    notes
}

/// A 48-bar arrangement at `bpm` in 4/4 that builds: 16 bars sparse verse (kick + hats),
/// 8 bars pre-chorus (+ bass + pad), 16 bars chorus (everything, louder, + noise wash), 8 bars
/// sparse outro. Returns mono audio (play it on both channels), normalised to -0.9 dBFS peak.
pub fn arrangement(sr: u32, bpm: f32) -> Vec<f32> {
    let srf = sr as f32;
    let beat = 60.0 / bpm;
    let bar_s = 4.0 * beat;
    let bars = 48;
    let total = (bars as f32 * bar_s * srf) as usize;
    let mut out = vec![0.0f32; total];
    let mut rng = Rng::new(7);
    let bass_notes = [55.0f32, 43.65, 49.0, 41.2];
    let pad_chord = [220.0f32, 261.63, 329.63, 392.0];
    for bar in 0..bars {
        let section = match bar {
            0..16 => 0,  // verse
            16..24 => 1, // pre-chorus
            24..40 => 2, // chorus
            _ => 0,      // outro
        };
        let t0 = bar as f32 * bar_s;
        let s0 = (t0 * srf) as usize;
        let bar_len = (bar_s * srf) as usize;
        add_kick(&mut out, s0, srf, 0.6);
        add_kick(&mut out, ((t0 + 2.0 * beat) * srf) as usize, srf, 0.6);
        for eighth in 0..8 {
            add_hat(
                &mut out,
                ((t0 + eighth as f32 * beat / 2.0) * srf) as usize,
                srf,
                0.2,
                &mut rng,
            );
        }
        if section >= 1 {
            let f = bass_notes[bar % 4];
            for i in 0..bar_len.min(total - s0) {
                let t = i as f32 / srf;
                out[s0 + i] += 0.25 * (TAU * f * t).sin() + 0.08 * (TAU * 2.0 * f * t).sin();
            }
            for i in 0..bar_len.min(total - s0) {
                let t = (s0 + i) as f32 / srf;
                let pad: f32 = pad_chord.iter().map(|f| (TAU * f * t).sin()).sum();
                out[s0 + i] += 0.05 * pad;
            }
        }
        if section == 2 {
            for b in [1.0, 3.0] {
                add_snare(
                    &mut out,
                    ((t0 + b * beat) * srf) as usize,
                    srf,
                    0.8,
                    &mut rng,
                );
            }
            for i in 0..bar_len.min(total - s0) {
                let t = (s0 + i) as f32 / srf;
                let lead = (TAU * 880.0 * t).sin() * 0.06 + (TAU * 1320.0 * t).sin() * 0.04;
                out[s0 + i] += lead + 0.05 * rng.bipolar();
            }
        }
    }
    let peak = out.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let norm = if peak > 0.0 { 0.9 / peak } else { 1.0 };
    for x in &mut out {
        *x *= norm;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groove_has_snares_where_it_says() {
        let (audio, snares) = drum_groove(48_000, 100.0, 2);
        assert_eq!(snares.len(), 6);
        // Right after each main snare the signal is loud; the groove does not clip.
        let x = &audio;
        let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(peak < 1.5);
        let i = (snares[0] * 48_000.0) as usize;
        let energy: f32 = x[i..i + 480].iter().map(|v| v * v).sum();
        assert!(energy > 1.0);
    }

    #[test]
    fn arrangement_chorus_is_denser_than_verse() {
        let audio = arrangement(22_050, 120.0);
        let bar = (2.0 * 22_050.0) as usize;
        let rms = |b: usize| {
            let x = &audio[b * bar..(b + 1) * bar];
            (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt()
        };
        assert!(
            rms(30) > 2.0 * rms(4),
            "chorus {} verse {}",
            rms(30),
            rms(4)
        );
    }
}
