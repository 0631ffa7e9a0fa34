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
