//! `catalyst analyze` reports the whole file's loudness (`summary` in `--json`), checked on the
//! EBU test signals made here: Tech 3341 (2016) cases 1-5 (integrated loudness, +-0.1 LU) and
//! Tech 3342 (2016) cases 1-4 (loudness range, +-1 LU), as stereo 1 kHz tones at 48 kHz.

mod common;
use catalyst_test_support::ebu::{TECH3341_CASES_1_TO_5, TECH3342_CASES_1_TO_4, tone_segments};
use common::*;

/// A stereo 1 kHz sine through `segments` of (dBFS peak, seconds), phase-continuous.
fn tone(segments: &[(f64, f64)]) -> Vec<Vec<f32>> {
    let x = tone_segments(48_000.0, 1_000.0, segments);
    vec![x.clone(), x]
}

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
    for (k, &(segments, want)) in TECH3341_CASES_1_TO_5.iter().enumerate() {
        let name = format!("3341-{}", k + 1);
        let s = summary_of(&name, segments);
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
    for (k, &(segments, want)) in TECH3342_CASES_1_TO_4.iter().enumerate() {
        let name = format!("3342-{}", k + 1);
        let lra = field(&summary_of(&name, segments), "lra_lu");
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
