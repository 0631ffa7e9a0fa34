//! `catalyst play`, `analyze` and `demo` on files the tests make.

mod common;
use common::*;
use shared_dsp::synth_material::arrangement;

fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32).sqrt()
}

#[test]
fn play_renders_notes_where_the_midi_file_puts_them() {
    let dir = temp_dir("play");
    let mid = dir.join("one-note.mid");
    one_note_midi(&mid);

    let wav = dir.join("piano.wav");
    let out = catalyst(&[
        "play",
        mid.to_str().unwrap(),
        "-o",
        wav.to_str().unwrap(),
        "--preset",
        "Bridge Confession",
        "--sample-rate",
        "44100",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (sr, ch) = read_wav(&wav);
    assert_eq!((sr, ch.len()), (44_100, 2));
    let before = rms(&ch[0][..40_000]);
    let during = rms(&ch[0][44_100..66_150]);
    assert!(before < 1e-4, "sound before the note: {before}");
    assert!(during > 1e-3, "note too quiet: {during}");
    // The render stops once the released note (and the room) has died away, before the 12 s
    // ring-out cap after the last event, and ends quietly.
    assert!(
        ch[0].len() < 44_100 * 14,
        "render did not stop: {} samples",
        ch[0].len()
    );
    let end = rms(&ch[0][ch[0].len() - 22_050..]);
    assert!(end < 1e-3, "render cut off while still sounding: {end}");

    let empty = dir.join("empty.mid");
    let mut b = b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0MTrk\x00\x00\x00\x04".to_vec();
    b.extend_from_slice(&[0x00, 0xff, 0x2f, 0x00]);
    std::fs::write(&empty, b).unwrap();
    let o2 = dir.join("x.wav");
    assert_clean_error(
        &catalyst(&["play", empty.to_str().unwrap(), "-o", o2.to_str().unwrap()]),
        "no notes",
    );
    assert_clean_error(
        &catalyst(&[
            "play",
            mid.to_str().unwrap(),
            "-o",
            o2.to_str().unwrap(),
            "--preset",
            "Harpsichord",
        ]),
        "unknown preset",
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn analyze_finds_the_build_and_writes_json_of_the_documented_schema() {
    let dir = temp_dir("analyze");
    let wav = dir.join("song.wav");
    let song = arrangement(22_050, 120.0);
    write_wav(&wav, 22_050, &[song.clone(), song]);
    let plot = dir.join("journey.png");
    let out = catalyst(&[
        "analyze",
        wav.to_str().unwrap(),
        "--bpm",
        "120",
        "--time-sig",
        "4/4",
        "--json",
        "--plot",
        plot.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["free_time"], false);
    let bars = report["bars"].as_array().unwrap();
    assert!((46..=49).contains(&bars.len()), "{} bars", bars.len());
    for key in [
        "index",
        "loudness_lufs",
        "density",
        "occupancy",
        "onset_rate_hz",
        "low_share",
    ] {
        assert!(bars[0].get(key).is_some(), "bar field {key} missing");
    }
    let sections = report["sections"].as_array().unwrap();
    assert!(sections.len() >= 3, "{} sections", sections.len());
    // The chorus (bars 25-40) is found as its own section starting on the bar line.
    assert!(
        sections.iter().any(|s| s["start_bar"] == 24),
        "{sections:?}"
    );
    assert_eq!(
        report["verdict"]["kind"], "Journey",
        "{}",
        report["verdict"]
    );
    assert!(std::fs::metadata(&plot).unwrap().len() > 10_000);

    // With --bpm, the first bar is found on the file's start (the arrangement starts on bar 1).
    let tempo = &report["tempo"];
    assert_eq!(tempo["estimated"], false, "{tempo}");
    assert_eq!(tempo["first_bar_estimated"], true, "{tempo}");
    assert_eq!(tempo["first_bar_s"], 0.0, "{tempo}");
    // Without --bpm the tempo is found: 120 within 2 %, and the same bar count.
    let out = catalyst(&["analyze", wav.to_str().unwrap(), "--json"]);
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(found["free_time"], false);
    let tempo = &found["tempo"];
    assert_eq!(tempo["estimated"], true, "{tempo}");
    let bpm = tempo["bpm"].as_f64().unwrap();
    assert!((bpm / 120.0 - 1.0).abs() < 0.02, "{tempo}");
    assert_eq!(
        found["bars"].as_array().unwrap().len(),
        bars.len(),
        "{tempo}"
    );
    // The text report says what was found, on one line.
    let out = catalyst(&["analyze", wav.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().next().unwrap_or_default();
    assert!(line.starts_with("Tempo: "), "{text}");
    assert!(
        line.contains(" BPM (sure ") && line.contains("first bar at "),
        "{line}"
    );
    // A steady tone has no pulse: free time, said on stderr. Bad arguments fail cleanly.
    let tone_wav = dir.join("tone.wav");
    let tone: Vec<f32> = (0..22_050 * 6)
        .map(|n| 0.3 * (std::f32::consts::TAU * 220.0 * n as f32 / 22_050.0).sin())
        .collect();
    write_wav(&tone_wav, 22_050, &[tone]);
    let out = catalyst(&["analyze", tone_wav.to_str().unwrap(), "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["free_time"], true);
    assert!(report.get("tempo").is_none());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no steady tempo found"));
    assert_clean_error(
        &catalyst(&["analyze", wav.to_str().unwrap(), "--first-bar=-1"]),
        "--first-bar",
    );
    assert_clean_error(
        &catalyst(&[
            "analyze",
            wav.to_str().unwrap(),
            "--bpm",
            "120",
            "--time-sig",
            "4",
        ]),
        "time signature",
    );
    assert_clean_error(
        &catalyst(&["analyze", wav.to_str().unwrap(), "--bpm", "9000"]),
        "outside",
    );
    assert_clean_error(
        &catalyst(&[
            "analyze",
            wav.to_str().unwrap(),
            "--plot",
            plot.to_str().unwrap(),
        ]),
        "--force",
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn demo_writes_everything_it_says_and_refuses_to_overwrite() {
    let dir = temp_dir("demo");
    let out = catalyst(&["demo", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for name in [
        "snare-dry.wav",
        "snare-filing-cabinet.wav",
        "piano-chords.mid",
        "piano-bridge-confession.wav",
        "arrangement.wav",
        "arrangement-analysis.json",
        "arrangement-journey.png",
    ] {
        let path = dir.join(name);
        assert!(
            std::fs::metadata(&path).unwrap().len() > 100,
            "{name} empty"
        );
        assert!(stdout.contains(name), "demo did not say it wrote {name}");
    }
    let (_, dry) = read_wav(&dir.join("snare-dry.wav"));
    let (_, layered) = read_wav(&dir.join("snare-filing-cabinet.wav"));
    let diff: f32 = dry[0]
        .iter()
        .zip(&layered[0])
        .map(|(a, b)| (a - b).powi(2))
        .sum();
    assert!(
        diff > 1.0,
        "the layered snare is not different from the dry one"
    );
    assert_clean_error(&catalyst(&["demo", dir.to_str().unwrap()]), "--force");
    assert!(
        catalyst(&["demo", dir.to_str().unwrap(), "--force"])
            .status
            .success()
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn play_and_analyze_never_write_over_their_input_and_say_what_they_drop() {
    // Issue 17, item 12: the input is never the output, even with --force.
    let dir = temp_dir("not-the-input");
    let mid = dir.join("song.mid");
    std::fs::write(&mid, b"MThd not really a song").unwrap();
    let m = mid.to_str().unwrap();
    assert_clean_error(
        &catalyst(&["play", m, "-o", m, "--force"]),
        "is the input file",
    );
    assert_eq!(std::fs::read(&mid).unwrap(), b"MThd not really a song");

    let wav = dir.join("mix.wav");
    write_wav(&wav, 44_100, &vec![vec![0.0; 44_100]; 8]);
    let before = std::fs::read(&wav).unwrap();
    let w = wav.to_str().unwrap();
    assert_clean_error(
        &catalyst(&["analyze", w, "--plot", w, "--force"]),
        "is the input file",
    );
    assert_eq!(std::fs::read(&wav).unwrap(), before);

    // An 8-channel file is analysed, and the user is told only channels 1 and 2 were heard.
    let out = catalyst(&["analyze", w, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("8 channels; analysing channels 1 and 2"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(dir).unwrap();
}
