//! Tempo and first downbeat of songs rendered with sampled instruments (fluidsynth + the Debian
//! GM soundfont, `catalyst_test_support::gm_song`): a tuning set the constants were chosen on,
//! and a held-out set they never saw.

use super::*;
use catalyst_test_support::gm_song::{Part, Pattern, Rendered, Song, render, renderer_missing};

const SR: u32 = 22_050;

/// A short song: two parts for 2 bars, all but the last part for 4, everything for 4.
fn song(bpm: f64, time_sig: (u32, u32), count_in: usize, tail: usize, parts: &[Part]) -> Song {
    let n = parts.len();
    Song {
        bpm,
        time_sig,
        count_in_bars: count_in,
        tail_bars: tail,
        parts: parts.to_vec(),
        sections: vec![
            (2, (0..2.min(n)).collect()),
            (4, (0..n - 1).collect()),
            (4, (0..n).collect()),
        ],
    }
}

fn mono(audio: &Rendered) -> Vec<f32> {
    audio
        .left
        .iter()
        .zip(&audio.right)
        .map(|(l, r)| 0.5 * (l + r))
        .collect()
}

/// How an estimate compares with the song's truth.
#[derive(Debug, Clone, Copy)]
struct Judged {
    /// Estimated / true tempo.
    tempo_ratio: f64,
    /// Estimated / true bar length: 1 when bars are bars.
    bar_ratio: f64,
    /// First downbeat error, in beats (quarters) of the true tempo.
    first_bar_error_beats: f64,
    time_sig_right: bool,
}

fn judge(song: &Song, e: &TempoEstimate) -> Judged {
    let truth_first = song.count_in_bars as f64 * song.bar_seconds();
    Judged {
        tempo_ratio: e.bpm / song.bpm,
        bar_ratio: e.bar_s() / song.bar_seconds(),
        first_bar_error_beats: (e.first_bar_s - truth_first) * song.bpm / 60.0,
        time_sig_right: e.time_sig == song.time_sig,
    }
}

fn report(name: &str, gain_db: f32, e: &TempoEstimate, j: &Judged) {
    eprintln!(
        "TEMPO {name} {gain_db:>5} dB: {:.2} BPM {}/{} first bar {:.3} s (sure {:.2}/{:.2}/{:.2}) \
         tempo x{:.4} bar x{:.4} first bar {:+.2} beats meter {}",
        e.bpm,
        e.time_sig.0,
        e.time_sig.1,
        e.first_bar_s,
        e.bpm_confidence,
        e.time_sig_confidence,
        e.first_bar_confidence,
        j.tempo_ratio,
        j.bar_ratio,
        j.first_bar_error_beats,
        if j.time_sig_right { "right" } else { "WRONG" }
    );
}

/// TUNING SET (the cue weights, the priors, the start bonus and the accent floors were chosen
/// on these and only these): the programs of the density tuning set (piano 0, steel guitar 25,
/// finger bass 33, the kit, strings 48) in 4/4 at 120, 6/8 at 100 and 3/4 at 90, with a count-in
/// and a tail. `--ignored` to re-tune.
#[test]
#[ignore = "tuning printout: cargo test -p shared-dsp --lib tempo::gm -- --ignored --nocapture"]
fn tuning_set_printout() {
    if let Some(why) = renderer_missing() {
        eprintln!("skipped: {why}");
        return;
    }
    let piano = Part::new(0, Pattern::Block, 90);
    let guitar = Part::new(25, Pattern::Strum, 90);
    let bass = Part::new(33, Pattern::Bass, 100);
    let drums = Part::new(0, Pattern::Drums, 100);
    let strings = Part::new(48, Pattern::Sustain, 80);
    let songs = [
        ("44", song(120.0, (4, 4), 1, 2, &[piano, bass, drums, strings])),
        ("68", song(100.0, (6, 8), 1, 2, &[guitar, bass, drums, strings])),
        ("34", song(90.0, (3, 4), 1, 2, &[strings, piano, bass, drums])),
        ("44nodrums", song(110.0, (4, 4), 0, 1, &[piano, bass, strings, guitar])),
    ];
    for (name, s) in &songs {
        let audio = render(s, SR, &format!("tempo-tune-{name}"));
        let e = estimate(&mono(&audio), SR as f32, None);
        match e {
            Some(e) => report(name, 0.0, &e, &judge(s, &e)),
            None => eprintln!("TEMPO {name}: none"),
        }
    }
}
