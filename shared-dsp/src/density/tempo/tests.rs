//! Exact cases: metronomes whose tempo and downbeats are known to the sample.

use super::*;

const SR: f32 = 22_050.0;

/// A click: 6 ms of a decaying `freq_hz` sine at `amp`.
fn click(out: &mut [f32], at_s: f64, freq_hz: f64, amp: f32) {
    let start = (at_s * SR as f64).round() as usize;
    let len = (0.006 * SR as f64) as usize;
    for n in 0..len {
        if let Some(o) = out.get_mut(start + n) {
            let t = n as f64 / SR as f64;
            *o += amp * ((std::f64::consts::TAU * freq_hz * t).sin() * (-t / 0.002).exp()) as f32;
        }
    }
}

/// A metronome at `bpm` from `start_s` for `beats` beats, `seconds` long; every `accent_every`-th
/// beat (counted from the first) is the accented downbeat: an octave higher and 12 dB louder,
/// with a low thump under it (an accented metronome's bar click).
fn metronome(bpm: f64, start_s: f64, beats: usize, accent_every: usize, seconds: f64) -> Vec<f32> {
    let mut out = vec![0f32; (seconds * SR as f64) as usize];
    for k in 0..beats {
        let t = start_s + k as f64 * 60.0 / bpm;
        if accent_every > 0 && k % accent_every == 0 {
            click(&mut out, t, 2_000.0, 0.8);
            click(&mut out, t, 80.0, 0.8);
        } else {
            click(&mut out, t, 1_000.0, 0.2);
        }
    }
    out
}

#[test]
fn the_tempo_of_a_metronome_within_half_a_percent() {
    for bpm in [70.0, 96.0, 120.0, 143.0, 175.0] {
        let beats = (30.0 * bpm / 60.0) as usize;
        let audio = metronome(bpm, 0.5, beats, 0, 31.0);
        let e = estimate(&audio, SR, None).expect("a metronome has a tempo");
        let err = (e.bpm / bpm - 1.0).abs();
        eprintln!("{bpm}: {e:?}");
        assert!(err < 0.005, "{bpm} BPM read as {:.2}", e.bpm);
        assert!(e.bpm_confidence > 0.8, "{bpm}: {e:?}");
    }
}

#[test]
fn the_downbeat_and_meter_of_an_accented_metronome() {
    // (bpm, clicks a bar, time signature); the music starts 1.3 s in with two pickup beats
    // before the first accented click, so the first bar is 2 beats after the first click.
    for (bpm, per_bar, sig) in [(120.0, 4, (4, 4)), (90.0, 3, (3, 4)), (150.0, 4, (4, 4))] {
        let beat = 60.0 / bpm;
        let first_click = 1.3;
        let mut audio = metronome(bpm, first_click + 2.0 * beat, 40, per_bar, 32.0);
        click(&mut audio, first_click, 1_000.0, 0.2);
        click(&mut audio, first_click + beat, 1_000.0, 0.2);
        let e = estimate(&audio, SR, None).expect("tempo");
        eprintln!("{bpm}: {e:?}");
        assert!((e.bpm / bpm - 1.0).abs() < 0.005, "{e:?}");
        assert_eq!(e.time_sig, sig);
        let truth = first_click + 2.0 * beat;
        assert!(
            (e.first_bar_s - truth).abs() < 0.02,
            "{bpm}: first bar {:.3} s, true {truth:.3} s",
            e.first_bar_s
        );
        assert!(e.first_bar_confidence > 0.5, "{e:?}");
        // Knowing the tempo, only the downbeat is searched: the same one.
        let k = estimate(&audio, SR, Some(Known { bpm, time_sig: sig })).expect("tempo");
        assert_eq!(k.bpm, bpm);
        assert!((k.first_bar_s - truth).abs() < 0.02, "{k:?}");
    }
}

#[test]
fn a_bounce_starting_on_its_first_bar_stays_on_the_files_grid() {
    // Unaccented clicks from the very start: the downbeat prior puts bar 1 on the first click,
    // snapped to exactly 0 (a DAW bounce's own grid).
    let audio = metronome(128.0, 0.0, 60, 0, 29.0);
    let e = estimate(&audio, SR, None).expect("tempo");
    assert_eq!(e.first_bar_s, 0.0, "{e:?}");
    assert_eq!(e.time_sig, (4, 4));
}

#[test]
fn no_tempo_in_silence_noise_or_a_drone() {
    assert_eq!(estimate(&[], SR, None), None);
    assert_eq!(estimate(&vec![0.0; 22_050 * 5], SR, None), None);
    let drone: Vec<f32> = (0..22_050 * 10)
        .map(|n| (0.3 * (std::f64::consts::TAU * 110.0 * n as f64 / SR as f64).sin()) as f32)
        .collect();
    assert_eq!(estimate(&drone, SR, None), None);
    // White noise (a fixed LCG): no steady pulse worth a tempo.
    let mut x = 12345u32;
    let noise: Vec<f32> = (0..22_050 * 10)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        })
        .collect();
    let e = estimate(&noise, SR, None);
    assert!(e.is_none_or(|e| e.bpm_confidence < 0.3), "{e:?}");
}
