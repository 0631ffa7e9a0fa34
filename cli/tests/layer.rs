//! `catalyst layer` on a groove the test synthesizes: a layer at every snare hit, hits reported
//! at their true times, clean errors on bad input.

mod common;
use common::*;
use shared_dsp::synth_material::drum_groove;

#[test]
fn layers_every_snare_hit_and_reports_it_in_time() {
    let dir = temp_dir("layer");
    let input = dir.join("groove.wav");
    let output = dir.join("layered.wav");
    let (groove, snare_times) = drum_groove(48_000, 100.0, 4);
    write_wav(&input, 48_000, &[groove.clone(), groove.clone()]);

    let out = catalyst(&[
        "layer",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "--preset",
        "filing cabinet",
        "--set",
        "thresh=-30",
        "--hits-json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hit_times: Vec<f64> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["time_s"].as_f64().unwrap())
        .collect();
    // Main snares (beats 2 and 4) are every hit but the quiet ghost note.
    let mains: Vec<f64> = snare_times
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 3 != 2)
        .map(|(_, t)| *t)
        .collect();
    for t in &mains {
        let nearest = hit_times
            .iter()
            .map(|h| (h - t).abs())
            .fold(f64::INFINITY, f64::min);
        assert!(
            nearest < 0.002,
            "snare at {t:.3}s: nearest hit {nearest:.4}s away ({hit_times:?})"
        );
    }
    // Nothing triggers away from a snare (kick and hats are bleed here).
    for h in &hit_times {
        let nearest = snare_times
            .iter()
            .map(|t| (h - t).abs())
            .fold(f64::INFINITY, f64::min);
        assert!(
            nearest < 0.005,
            "hit at {h:.3}s is not on a snare ({hit_times:?})"
        );
    }

    // The output is the input plus a layer at each hit, aligned (no latency shift): it matches
    // the input before the first hit and carries clearly more energy than it just after each.
    let (sr, layered) = read_wav(&output);
    assert_eq!(sr, 48_000);
    assert_eq!(layered.len(), 2);
    assert!(layered[0].len() >= groove.len());
    let first = (mains[0] * 48_000.0) as usize;
    let before: f32 = (0..first - 100)
        .map(|i| (layered[0][i] - groove[i]).abs())
        .fold(0.0, f32::max);
    assert!(
        before < 1e-3,
        "output differs from input before the first hit by {before}"
    );
    for t in &mains {
        let i = (*t * 48_000.0) as usize;
        let added: f32 = (i..i + 4_800)
            .map(|n| (layered[0][n] - groove[n]).powi(2))
            .sum();
        assert!(added > 0.5, "no layer at {t:.3}s (added energy {added})");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_input_gives_one_clear_line_and_nonzero_exit() {
    let dir = temp_dir("layer-errors");
    let input = dir.join("in.wav");
    let output = dir.join("out.wav");
    write_wav(&input, 44_100, &[vec![0.0; 4_410]]);
    let (i, o) = (input.to_str().unwrap(), output.to_str().unwrap());

    assert_clean_error(
        &catalyst(&["layer", "/no/such.wav", "-o", o]),
        "cannot open",
    );
    assert_clean_error(
        &catalyst(&["layer", i, "-o", o, "--preset", "Kazoo"]),
        "unknown preset 'Kazoo'",
    );
    assert_clean_error(
        &catalyst(&["layer", i, "-o", o, "--set", "bogus=1"]),
        "unknown parameter",
    );
    assert_clean_error(
        &catalyst(&["layer", i, "-o", o, "--set", "dry=99"]),
        "out of range",
    );
    let garbage = dir.join("garbage.wav");
    std::fs::write(&garbage, b"this is not audio at all").unwrap();
    assert_clean_error(
        &catalyst(&["layer", garbage.to_str().unwrap(), "-o", o]),
        "garbage.wav",
    );

    // An existing output is kept unless --force.
    std::fs::write(&output, b"keep me").unwrap();
    assert_clean_error(&catalyst(&["layer", i, "-o", o]), "--force");
    assert_eq!(std::fs::read(&output).unwrap(), b"keep me");
    assert!(catalyst(&["layer", i, "-o", o, "--force"]).status.success());

    // The take itself is never the output, even with --force (issue 17, item 12).
    let take_before = std::fs::read(&input).unwrap();
    assert_clean_error(
        &catalyst(&["layer", i, "-o", i, "--force"]),
        "is the input file",
    );
    assert_eq!(std::fs::read(&input).unwrap(), take_before);

    // A multichannel file is refused with a reason, not silently cut to two channels.
    let eight = dir.join("eight.wav");
    write_wav(&eight, 44_100, &vec![vec![0.0; 4_410]; 8]);
    assert_clean_error(
        &catalyst(&["layer", eight.to_str().unwrap(), "-o", o, "--force"]),
        "8 channels",
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn sample_takes_a_folder_or_several_files_and_a_missing_one_is_a_warning() {
    let dir = temp_dir("layer-samples");
    let input = dir.join("groove.wav");
    let (groove, _) = drum_groove(48_000, 100.0, 2);
    write_wav(&input, 48_000, &[groove.clone(), groove]);
    let kit = dir.join("kit");
    std::fs::create_dir_all(&kit).unwrap();
    // Two takes of one level (round-robin) and one 16 dB softer (its own velocity zone).
    for (name, amp) in [
        ("hit_1.wav", 0.5f32),
        ("hit_2.wav", 0.45),
        ("hit_soft.wav", 0.08),
    ] {
        let hit: Vec<f32> = (0..4_800)
            .map(|n| {
                let t = n as f32 / 48_000.0;
                amp * (-t / 0.03).exp() * (std::f32::consts::TAU * 180.0 * t).sin()
            })
            .collect();
        write_wav(&kit.join(name), 48_000, &[hit]);
    }
    let i = input.to_str().unwrap();
    let render = |name: &str, samples: &[&std::path::Path]| {
        let out = dir.join(name);
        let mut args = vec![
            "layer",
            i,
            "-o",
            out.to_str().unwrap(),
            "--set",
            "thresh=-30",
        ];
        for s in samples {
            args.extend(["--sample", s.to_str().unwrap()]);
        }
        let run = catalyst(&args);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        (
            String::from_utf8_lossy(&run.stderr).into_owned(),
            read_wav(&out).1,
        )
    };
    let (_, plain) = render("plain.wav", &[]);
    let (quiet, folder) = render("folder.wav", &[&kit]);
    assert!(!quiet.contains("warning"), "{quiet}");
    let gone = dir.join("gone.wav");
    let files = [
        kit.join("hit_1.wav"),
        kit.join("hit_2.wav"),
        kit.join("hit_soft.wav"),
    ];
    let (warned, listed) = render("listed.wav", &[&files[0], &gone, &files[1], &files[2]]);
    assert!(
        warned.contains("warning: sample: 1 of 4 samples missing: gone.wav; 3 play"),
        "{warned}"
    );
    // The folder is its three files; the missing one changes nothing; the samples are heard.
    assert_eq!(folder, listed);
    let added: f32 = folder[0]
        .iter()
        .zip(&plain[0])
        .map(|(a, b)| (a - b) * (a - b))
        .sum();
    assert!(added > 1.0, "the samples added {added}");
    // Not one file loading is an error, in one line.
    assert_clean_error(
        &catalyst(&[
            "layer",
            i,
            "-o",
            dir.join("x.wav").to_str().unwrap(),
            "--sample",
            gone.to_str().unwrap(),
        ]),
        "Cannot load gone.wav",
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// `--hits-json` marks ghost notes with the Ghost Lane on (here without Reject Bleed: hits more
/// than 12 dB under the loudest recent one), and only them.
#[test]
fn hits_json_marks_the_ghost_lanes_hits() {
    use catalyst_test_support::drums::snare_train;
    let dir = temp_dir("layer-ghosts");
    let input = dir.join("ghosts.wav");
    let output = dir.join("layered.wav");
    let sr = 48_000usize;
    // Strokes at 0.8 and 0.45 every 0.5 s; between them the same strokes 22 dB softer.
    let mains = snare_train(sr as u32, 4.0, 2.0);
    let mut signal = mains.clone();
    for (n, &x) in mains.iter().enumerate() {
        if let Some(s) = signal.get_mut(n + sr / 4) {
            *s += 0.08 * x;
        }
    }
    write_wav(&input, sr as u32, &[signal]);
    let out = catalyst(&[
        "layer",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "--set",
        "rejbleed=Off",
        "--set",
        "ghostlane=On",
        "--set",
        "thresh=-60",
        "--hits-json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hits = hits.as_array().unwrap();
    let (mut ghosts, mut mains_found) = (0, 0);
    for h in hits {
        let t = h["time_s"].as_f64().unwrap();
        // Mains on multiples of 0.5 s, ghosts 0.25 s after them.
        let phase = (t / 0.25).round() as i64;
        assert!((t - phase as f64 * 0.25).abs() < 0.002, "hit at {t:.4} s");
        let is_ghost = h["ghost"].as_bool().unwrap();
        assert_eq!(is_ghost, phase % 2 == 1, "hit at {t:.3} s");
        ghosts += is_ghost as usize;
        mains_found += !is_ghost as usize;
    }
    assert_eq!((mains_found, ghosts), (8, 8), "{hits:?}");
}
