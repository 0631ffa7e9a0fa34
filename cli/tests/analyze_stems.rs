//! `catalyst analyze --stems` (issue 15, item 4): four synthetic stems of a 16-bar song at
//! 120 BPM whose parts are known bar by bar: a kick in every bar, a 45 Hz bass in bars 5-12 (the
//! kick's sub band: they clash there and only there), hats in bars 9-14 (their file ends two bars
//! early: padded with silence), a stereo pad in bars 1-8 (above the low bands: it never clashes).
//! The grid must show exactly those cells, the clash list exactly the kick/bass bars, and the
//! verdict of the sum must be `catalyst analyze` on the pre-summed mix.

mod common;

use common::{assert_clean_error, catalyst, temp_dir, write_wav};
use serde_json::Value;
use std::f64::consts::TAU;
use std::path::Path;

const SR: u32 = 48_000;
const BARS: usize = 16;
/// 120 BPM in 4/4: 2 s a bar.
const BAR_S: f64 = 2.0;

fn samples(bars: usize) -> usize {
    (bars as f64 * BAR_S * SR as f64) as usize
}

fn bar_of(t: f64) -> usize {
    (t / BAR_S) as usize
}

/// A part playing `signal` in bars `from..to` (0-based) of a file `len_bars` long.
fn part(len_bars: usize, from: usize, to: usize, mut signal: impl FnMut(f64) -> f32) -> Vec<f32> {
    (0..samples(len_bars))
        .map(|n| {
            let t = n as f64 / SR as f64;
            if (from..to).contains(&bar_of(t)) {
                signal(t)
            } else {
                0.0
            }
        })
        .collect()
}

struct Song {
    /// File name, planar channels.
    stems: Vec<(&'static str, Vec<Vec<f32>>)>,
}

fn song() -> Song {
    // Kick: a 50 Hz thump on every beat, decaying in 0.12 s.
    let kick = part(BARS, 0, BARS, |t| {
        let since = (t * 2.0).fract() / 2.0;
        (0.8 * (-since / 0.12).exp() * (TAU * 50.0 * since).sin()) as f32
    });
    let bass = part(BARS, 4, 12, |t| (0.4 * (TAU * 45.0 * t).sin()) as f32);
    // Hats: noise bursts on the eighths; the file is 14 bars long.
    let mut state = 0x2545_f491u32;
    let hats = part(14, 8, 14, |t| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = state as f64 / u32::MAX as f64 * 2.0 - 1.0;
        let since = (t * 4.0).fract() / 4.0;
        (0.3 * (-since / 0.02).exp() * noise) as f32
    });
    // Pad: an A major chord (440, 554, 659 Hz), wider on the right.
    let chord = |t: f64, spread: f64| {
        [440.0, 554.37, 659.26]
            .iter()
            .map(|f| 0.06 * (TAU * f * (1.0 + spread) * t).sin())
            .sum::<f64>() as f32
    };
    let pad_l = part(BARS, 0, 8, |t| chord(t, 0.0));
    let pad_r = part(BARS, 0, 8, |t| chord(t, 0.002));
    Song {
        stems: vec![
            ("kick", vec![kick]),
            ("bass", vec![bass]),
            ("hats", vec![hats]),
            ("pad", vec![pad_l, pad_r]),
        ],
    }
}

/// The mix a DAW would bounce: every stem added sample by sample, mono stems to both channels,
/// the short one ending in silence. Added in file-name order, as the folder is read: f32
/// addition is not associative, and the report must match to the last bit.
fn pre_summed(song: &Song) -> Vec<Vec<f32>> {
    let mut mix = vec![vec![0.0f32; samples(BARS)]; 2];
    let mut stems: Vec<_> = song.stems.iter().collect();
    stems.sort_by_key(|(name, _)| *name);
    for (_, channels) in stems {
        for (c, out) in mix.iter_mut().enumerate() {
            let input = &channels[c.min(channels.len() - 1)];
            for (o, &x) in out.iter_mut().zip(input) {
                *o += x;
            }
        }
    }
    mix
}

fn write_song(dir: &Path, song: &Song) {
    for (name, channels) in &song.stems {
        write_wav(&dir.join(format!("{name}.wav")), SR, channels);
    }
}

fn json_of(args: &[&str]) -> Value {
    let out = catalyst(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn stems_build_the_grid_and_clashes_of_their_parts_and_the_verdict_of_their_sum() {
    let dir = temp_dir("analyze-stems");
    let stems = dir.join("stems");
    std::fs::create_dir_all(&stems).unwrap();
    let song = song();
    write_song(&stems, &song);
    // Not audio: skipped.
    std::fs::write(stems.join("notes.txt"), "take 3").unwrap();
    let report = json_of(&[
        "analyze",
        "--stems",
        stems.to_str().unwrap(),
        "--bpm",
        "120",
        "--json",
    ]);
    let grid = &report["arrangement"];
    assert_eq!(grid["bars"], BARS);
    let tracks = grid["tracks"].as_array().unwrap();
    // Sorted by file name.
    let names: Vec<&str> = tracks.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["bass", "hats", "kick", "pad"]);
    let playing = |row: usize| -> String {
        tracks[row]["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| match c["loudness_lufs"].as_f64() {
                // Not heard (a short stem not padded).
                None => ' ',
                Some(lufs) if lufs >= -55.0 && c["spill"] == false => '#',
                Some(_) => '.',
            })
            .collect()
    };
    assert_eq!(playing(0), "....########....", "bass");
    assert_eq!(playing(1), "........######..", "hats");
    assert_eq!(playing(2), "################", "kick");
    assert_eq!(playing(3), "########........", "pad");
    // Exactly the kick and bass, in the sub band, in bars 5-12 (0-based 4-11).
    let id = |row: usize| tracks[row]["id"].as_u64().unwrap();
    let clashes = grid["clashes"].as_array().unwrap();
    let expected: Vec<(i64, u64, u64, u64)> = (4..12).map(|bar| (bar, 0, id(0), id(2))).collect();
    let got: Vec<(i64, u64, u64, u64)> = clashes
        .iter()
        .map(|c| {
            (
                c["bar"].as_i64().unwrap(),
                c["band"].as_u64().unwrap(),
                c["track_a"].as_u64().unwrap(),
                c["track_b"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    // All four play together in no bar: the pad stops where the hats start.
    assert_eq!(grid["all_playing_share"], 0.0);

    // The rest is the report of the sum: `analyze` on the pre-summed mix, field for field.
    let mix = dir.join("mix.wav");
    write_wav(&mix, SR, &pre_summed(&song));
    let of_mix = json_of(&["analyze", mix.to_str().unwrap(), "--bpm", "120", "--json"]);
    let mut of_stems = report.clone();
    of_stems.as_object_mut().unwrap().remove("arrangement");
    assert_eq!(of_stems, of_mix);
    assert!(of_mix["verdict"]["message"].as_str().is_some());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn stems_given_as_files_print_the_grid_and_clashes_in_words() {
    let dir = temp_dir("analyze-stems-text");
    let song = song();
    write_song(&dir, &song);
    let (kick, bass, pad) = (
        dir.join("kick.wav"),
        dir.join("bass.wav"),
        dir.join("pad.wav"),
    );
    let out = catalyst(&[
        "analyze",
        "--stems",
        kick.to_str().unwrap(),
        bass.to_str().unwrap(),
        pad.to_str().unwrap(),
        "--bpm",
        "120",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    // Files keep the order given; clashing cells are '!'.
    let rows: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("arrangement: 3 stems x 16 bars"))
        .skip(2)
        .take(3)
        .collect();
    assert_eq!(
        rows,
        [
            "  kick  ####!!!!!!!!####",
            "  bass  ....!!!!!!!!....",
            "  pad   ########........",
        ],
        "{text}"
    );
    assert!(
        text.contains("  kick and bass both load the sub 20-60 Hz in 8 bars (5-12)\n"),
        "{text}"
    );
    assert_eq!(text.matches(" both load the ").count(), 1, "{text}");
    assert!(
        text.contains("all 3 stems play together in 25% of bars"),
        "{text}"
    );
    // Without --bpm the tempo is found on the sum (a kick on every beat at 120): the same grid.
    let out = catalyst(&[
        "analyze",
        "--stems",
        kick.to_str().unwrap(),
        bass.to_str().unwrap(),
        pad.to_str().unwrap(),
    ]);
    let found = String::from_utf8_lossy(&out.stdout);
    assert!(found.starts_with("Tempo: 120.0 BPM (sure "), "{found}");
    let found_rows: Vec<&str> = found
        .lines()
        .skip_while(|l| !l.starts_with("arrangement: 3 stems x 16 bars"))
        .skip(2)
        .take(3)
        .collect();
    assert_eq!(found_rows, rows, "{found}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn stems_refuse_mixed_sample_rates_no_tempo_and_empty_folders() {
    let dir = temp_dir("analyze-stems-errors");
    let a = dir.join("a.wav");
    let b = dir.join("b.wav");
    let tone: Vec<f32> = (0..SR as usize * 4)
        .map(|n| (0.3 * (TAU * 220.0 * n as f64 / SR as f64).sin()) as f32)
        .collect();
    write_wav(&a, SR, std::slice::from_ref(&tone));
    write_wav(&b, 44_100, &[tone]);
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let out = catalyst(&["analyze", "--stems", a, b, "--bpm", "120"]);
    assert_clean_error(&out, "stems must share one sample rate");
    assert_clean_error(&out, "48000 Hz");
    let out = catalyst(&["analyze", "--stems", a]);
    // A steady tone has no tempo to find: the grid in bars needs one.
    assert_clean_error(&out, "no steady tempo found in the stems' sum: give --bpm");
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = catalyst(&[
        "analyze",
        "--stems",
        empty.to_str().unwrap(),
        "--bpm",
        "120",
    ]);
    assert_clean_error(&out, "holds no WAV, FLAC or AIFF file");
    std::fs::remove_dir_all(dir).unwrap();
}
