//! `catalyst analyze` reports the whole file's loudness (`summary` in `--json`), checked on the
//! EBU test signals made here: Tech 3341 (2016) cases 1-5 (integrated loudness, +-0.1 LU) and
//! Tech 3342 (2016) cases 1-4 (loudness range, +-1 LU), as stereo 1 kHz tones at 48 kHz.

mod common;
use catalyst_test_support::ebu::tone_segments;
use common::*;

/// A stereo 1 kHz sine through `segments` of (dBFS peak, seconds), phase-continuous.
fn tone(segments: &[(f64, f64)]) -> Vec<Vec<f32>> {
    let x = tone_segments(48_000.0, 1_000.0, segments);
    vec![x.clone(), x]
}

/// A case: name, (dBFS, seconds) segments, expected figure.
type Case = (&'static str, Vec<(f64, f64)>, f64);

fn summary_of(name: &str, segments: &[(f64, f64)]) -> serde_json::Value {
    let dir = temp_dir(&format!("loudness-{name}"));
    let wav = dir.join(format!("{name}.wav"));
    write_wav(&wav, 48_000, &tone(segments));
    let out = catalyst(&["analyze", wav.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    report["summary"].clone()
}

fn field(summary: &serde_json::Value, key: &str) -> f64 {
    summary[key]
        .as_f64()
        .unwrap_or_else(|| panic!("summary has no {key}: {summary}"))
}

#[test]
fn tech3341_cases_1_to_5_integrated_within_a_tenth_of_a_lu() {
    let cases: [Case; 5] = [
        ("3341-1", vec![(-23.0, 20.0)], -23.0),
        ("3341-2", vec![(-33.0, 20.0)], -33.0),
        (
            "3341-3",
            vec![(-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0)],
            -23.0,
        ),
        (
            "3341-4",
            vec![
                (-72.0, 10.0),
                (-36.0, 10.0),
                (-23.0, 60.0),
                (-36.0, 10.0),
                (-72.0, 10.0),
            ],
            -23.0,
        ),
        (
            "3341-5",
            vec![(-26.0, 20.0), (-20.0, 20.1), (-26.0, 20.0)],
            -23.0,
        ),
    ];
    for (name, segments, want) in cases {
        let s = summary_of(name, &segments);
        let i = field(&s, "integrated_lufs");
        assert!(
            (i - want).abs() <= 0.1,
            "{name}: integrated {i}, want {want}"
        );
        // The loudest 400 ms and 3 s read the loudest steady part.
        let loudest = segments.iter().map(|s| s.0).fold(f64::MIN, f64::max);
        for key in ["max_momentary_lufs", "max_short_term_lufs"] {
            let v = field(&s, key);
            assert!(
                (v - loudest).abs() <= 0.1,
                "{name}: {key} {v}, want {loudest}"
            );
        }
        // A sine's true peak is its peak (the file is 16-bit or float: within 0.1 dB).
        let tp = field(&s, "true_peak_dbtp");
        assert!((tp - loudest).abs() <= 0.1, "{name}: true peak {tp}");
    }
}

#[test]
fn tech3342_cases_1_to_4_loudness_range_within_one_lu() {
    let cases: [Case; 4] = [
        ("3342-1", vec![(-20.0, 20.0), (-30.0, 20.0)], 10.0),
        ("3342-2", vec![(-20.0, 20.0), (-15.0, 20.0)], 5.0),
        ("3342-3", vec![(-40.0, 20.0), (-20.0, 20.0)], 20.0),
        (
            "3342-4",
            vec![
                (-50.0, 20.0),
                (-35.0, 20.0),
                (-20.0, 20.0),
                (-35.0, 20.0),
                (-50.0, 20.0),
            ],
            15.0,
        ),
    ];
    for (name, segments, want) in cases {
        let lra = field(&summary_of(name, &segments), "lra_lu");
        assert!((lra - want).abs() <= 1.0, "{name}: LRA {lra}, want {want}");
    }
}

#[test]
fn the_text_report_prints_the_loudness_line() {
    let dir = temp_dir("loudness-text");
    let wav = dir.join("tone.wav");
    write_wav(&wav, 48_000, &tone(&[(-23.0, 12.0)]));
    let out = catalyst(&["analyze", wav.to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("loudness: integrated -23.0 LUFS"),
        "no loudness line in:\n{text}"
    );
}
