//! Helpers for the CLI tests: run the real `catalyst` binary on files the tests make.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

pub fn catalyst(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_catalyst"))
        .args(args)
        .output()
        .expect("catalyst runs")
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("catalyst-cli-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn write_wav(path: &Path, sample_rate: u32, channels: &[Vec<f32>]) {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..channels[0].len() {
        for ch in channels {
            w.write_sample(ch[i]).unwrap();
        }
    }
    w.finalize().unwrap();
}

/// Planar samples and rate of any WAV the CLI wrote (24-bit int or 32-bit float).
pub fn read_wav(path: &Path) -> (u32, Vec<Vec<f32>>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => {
            let scale = (1i64 << (spec.bits_per_sample - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.unwrap() as f32 / scale)
                .collect()
        }
    };
    let n = spec.channels as usize;
    let channels = (0..n)
        .map(|c| interleaved.iter().skip(c).step_by(n).copied().collect())
        .collect();
    (spec.sample_rate, channels)
}

/// Asserts a failed run with exactly one line on stderr that contains `needle`.
pub fn assert_clean_error(out: &Output, needle: &str) {
    assert!(!out.status.success(), "expected failure");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one error line, got:\n{stderr}");
    assert!(lines[0].starts_with("catalyst: error:"), "{stderr}");
    assert!(lines[0].contains(needle), "'{needle}' not in: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A standard MIDI file: format 0, 480 ppq, 120 BPM, note 60 at velocity 100 on at 1.0 s
/// (beat 2), off at 2.0 s (beat 4).
pub fn one_note_midi(path: &Path) {
    // Format 0, 480 ppq, 120 BPM: note 60 on at 1.0 s, off at 2.0 s.
    let mut bytes = b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0".to_vec();
    let track: Vec<u8> = [
        &[0x00, 0xff, 0x51, 0x03, 0x07, 0xa1, 0x20][..],
        &[0x87, 0x40, 0x90, 60, 100][..],
        &[0x87, 0x40, 0x80, 60, 0][..],
        &[0x00, 0xff, 0x2f, 0x00][..],
    ]
    .concat();
    bytes.extend_from_slice(b"MTrk");
    bytes.extend_from_slice(&(track.len() as u32).to_be_bytes());
    bytes.extend_from_slice(&track);
    std::fs::write(path, &bytes).unwrap();
}
