//! Repeatability (issue 15): the same audio on the same transport gives the same bars, whatever
//! played before it and however the host cuts it into blocks. Two identical exports of one
//! session used to give per-bar densities up to 1.6 points and onset rates up to 0.8 Hz apart.

use super::*;
use crate::density::export::analyze_timeline;
use crate::rng::Rng;

const SR: f32 = 44_100.0;
/// 132 BPM in 4/4: a bar is 80 181.8 samples, so bar lines fall between samples.
const BPM: f64 = 132.0;
const BARS: usize = 6;

/// A small arrangement with hits on every bar line (the hardest case for assigning onsets to
/// bars): kick on the beats, hats on the eighths, a bass from bar 2, a noise pad from bar 4.
fn song() -> Vec<f32> {
    use std::f64::consts::TAU;
    let beat_s = 60.0 / BPM;
    let n = (BARS as f64 * 4.0 * beat_s * SR as f64).round() as usize;
    let mut rng = Rng::new(11);
    let mut lp = 0.0f32;
    (0..n)
        .map(|i| {
            let t = i as f64 / SR as f64;
            let bar = (t / (4.0 * beat_s)) as usize;
            let since_beat = t % beat_s;
            let since_eighth = t % (beat_s / 2.0);
            let noise = rng.bipolar();
            let mut x = 0.5 * (-since_beat / 0.08).exp() * (TAU * 55.0 * since_beat).sin();
            x += 0.2 * (-since_eighth / 0.015).exp() * noise as f64;
            if bar >= 2 {
                x += 0.15 * (TAU * 82.4 * t).sin();
            }
            if bar >= 4 {
                lp += 0.2 * (noise - lp);
                x += 0.4 * lp as f64;
            }
            x as f32
        })
        .collect()
}

/// Plays `audio` from song position `start_beats` in blocks cycling through `blocks`. The
/// position of each block comes from the host's clock in seconds, as hosts compute it (with
/// its floating-point error), not from the tracker's own count.
fn play(tracker: &mut DensityTracker, audio: &[f32], start_beats: f64, blocks: &[usize]) {
    let mut done = 0;
    let mut b = 0;
    while done < audio.len() {
        let n = blocks[b % blocks.len()].min(audio.len() - done);
        b += 1;
        let seconds = start_beats * 60.0 / BPM + done as f64 / SR as f64;
        let beats = seconds * BPM / 60.0;
        let x = &audio[done..done + n];
        tracker.process(&[x, x], &Transport::playing(BPM, (4, 4), beats));
        done += n;
    }
}

fn bars_of(tracker: &DensityTracker) -> Vec<BarStats> {
    tracker.bars()[..BARS].iter().flatten().copied().collect()
}

/// Every field that feeds the density, compared within `tol` (absolute).
fn assert_same(a: &[BarStats], b: &[BarStats], what: &str, tol: f32) {
    assert_eq!(a.len(), b.len(), "{what}: bar count");
    for (x, y) in a.iter().zip(b) {
        let pairs = [
            ("density", x.density, y.density),
            ("onset rate", x.onset_rate_hz, y.onset_rate_hz),
            ("loudness", x.loudness_lufs, y.loudness_lufs),
            ("true peak", x.true_peak_dbtp, y.true_peak_dbtp),
            ("occupancy", x.occupancy, y.occupancy),
            ("fill", x.fill, y.fill),
            ("coverage", x.coverage, y.coverage),
        ];
        for (name, u, v) in pairs {
            assert!(
                (u - v).abs() <= tol,
                "{what}: bar {} {name} {u} vs {v}",
                x.index
            );
        }
        for (u, v) in x.band_db.iter().zip(&y.band_db) {
            assert!(
                (u - v).abs() <= tol,
                "{what}: bar {} band {u} vs {v}",
                x.index
            );
        }
    }
}

#[test]
fn the_same_audio_on_the_same_transport_gives_the_same_bars() {
    let audio = song();
    // The first export: a fresh meter, 512-sample blocks.
    let mut tr = DensityTracker::new(SR, 2);
    play(&mut tr, &audio, 0.0, &[512]);
    tr.flush();
    let first = bars_of(&tr);
    assert_eq!(first.len(), BARS);
    // The onsets were found at all: kick and hats, 12 events a second.
    assert!(first.iter().all(|b| b.onset_rate_hz > 4.0), "{first:?}");

    // Then the user plays elsewhere (other audio from bar 20, stopped mid-bar), the host sits
    // stopped for a second (free time), and the song is exported again from its start on the
    // same meter: the transport restarts at bar 0.
    let other: Vec<f32> = song().iter().rev().map(|x| 0.7 * x).collect();
    play(&mut tr, &other[..300_001], 80.0, &[512]);
    let silence = vec![0.0f32; 1024];
    for _ in 0..43 {
        tr.process(&[&silence, &silence], &Transport::free());
    }
    play(&mut tr, &audio, 0.0, &[512]);
    tr.flush();
    assert_same(&first, &bars_of(&tr), "second export", 1e-6);
    // The report (bars re-anchored to the whole song) is the same too.
    let report = |bars: &[BarStats]| {
        let t: Vec<Option<BarStats>> = bars.iter().map(|b| Some(*b)).collect();
        analyze_timeline(&t, 4, &[], false)
    };
    assert_same(
        &report(&first).bars,
        &report(&bars_of(&tr)).bars,
        "second export's report",
        1e-6,
    );
    // And again straight after, with no pause: a jump back to the start.
    play(&mut tr, &audio, 0.0, &[512]);
    tr.flush();
    assert_same(&first, &bars_of(&tr), "third export", 1e-6);

    // Any block size: powers of two, a tiny one, odd sizes that put block starts everywhere.
    for blocks in [vec![64], vec![4096], vec![333, 1021, 7, 2048, 1]] {
        let mut tr = DensityTracker::new(SR, 2);
        play(&mut tr, &audio, 0.0, &blocks);
        tr.flush();
        assert_same(&first, &bars_of(&tr), &format!("blocks {blocks:?}"), 1e-6);
    }
}

#[test]
fn bar_lines_fall_on_the_same_sample_for_any_block_cut() {
    // A position a hair under a downbeat (15.9999999 quarters) already belongs to bar 4, and
    // the samples to the next bar line are counted with the same tolerance: both ways of
    // reaching sample 4 * 80 181.8 = 320 727.3 land on the same sample.
    let g = Transport::playing(BPM, (4, 4), 0.0).grid().unwrap();
    assert_eq!(g.bar_at(16.0 - 1e-7), 4);
    let spq = g.samples_per_quarter(SR);
    // From the song start: the first sample of bar 4 is ceil(320 727.27) = 320 728.
    assert_eq!(
        g.samples_to_bar_end(12.0, SR) + (12.0 * spq).ceil() as usize,
        320_728
    );
    // From a block starting at sample 320 000, whose position carries a 1e-10 beat error.
    let at = 320_000.0 / spq;
    for err in [-1e-10, 0.0, 1e-10] {
        assert_eq!(g.samples_to_bar_end(at + err, SR), 728);
    }
}
