//! Loading the user's sample for the Sample layer: decode WAV/FLAC/AIFF with `symphonia`, mix
//! to mono, resample to the session rate. Allocates and does file I/O: call it on a background
//! thread (the plugin's background task, or the CLI), never on the audio thread. Every failure
//! is an `Err` with a message for the editor, never a panic.

use super::sample_player::SampleData;
use crate::audio_file::{CorruptPackets, DecodeOptions, decode_planar};
use std::f64::consts::PI;

/// Longest sample kept, seconds (a layer is a hit, not a song; bounds memory).
pub const MAX_SAMPLE_SECONDS: f64 = 10.0;

/// Decodes `path` to mono at its own rate (channels averaged, non-finite samples zeroed, peaks
/// clamped to ±4). Returns (frames, rate), or a message for the editor naming the file.
pub fn decode_mono(path: &std::path::Path) -> Result<(Vec<f32>, u32), String> {
    let options = DecodeOptions {
        max_seconds: Some(MAX_SAMPLE_SECONDS),
        corrupt_packets: CorruptPackets::Skip,
    };
    let audio = decode_planar(path, options).map_err(|e| {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        format!("Cannot load {name}: {e}")
    })?;
    let scale = 1.0 / audio.channels.len() as f32;
    let mono = (0..audio.frames())
        .map(|i| {
            let v = audio.channels.iter().map(|ch| ch[i]).sum::<f32>() * scale;
            if v.is_finite() {
                v.clamp(-4.0, 4.0)
            } else {
                0.0
            }
        })
        .collect();
    Ok((mono, audio.sample_rate))
}

/// Band-limited resampling by windowed sinc (Blackman window, 32 zero crossings per side),
/// cut-off at the lower Nyquist so downsampling does not alias (Smith, "Digital Audio
/// Resampling", CCRMA). Offline quality; O(n · 64).
pub fn resample(input: &[f32], from_hz: f64, to_hz: f64) -> Vec<f32> {
    if (from_hz - to_hz).abs() < 1e-9 || input.is_empty() {
        return input.to_vec();
    }
    const HALF: f64 = 32.0;
    let ratio = to_hz / from_hz;
    let cutoff = ratio.min(1.0) * 0.97; // relative to the input Nyquist, a little margin
    let out_len = ((input.len() as f64) * ratio).ceil() as usize;
    let reach = HALF / cutoff;
    let mut out = Vec::with_capacity(out_len);
    for j in 0..out_len {
        let t = j as f64 / ratio; // position in input samples
        let first = (t - reach).ceil().max(0.0) as usize;
        let last = ((t + reach).floor() as usize).min(input.len() - 1);
        let mut acc = 0.0f64;
        for (i, &x) in input.iter().enumerate().take(last + 1).skip(first) {
            let d = i as f64 - t;
            let arg = d * cutoff;
            let sinc = if arg.abs() < 1e-9 {
                1.0
            } else {
                (PI * arg).sin() / (PI * arg)
            };
            let w = d / reach; // -1..1
            let window = 0.42 + 0.5 * (PI * w).cos() + 0.08 * (2.0 * PI * w).cos();
            acc += x as f64 * cutoff * sinc * window;
        }
        out.push(acc as f32);
    }
    out
}

/// Decodes and resamples `path` to `session_rate`: the buffer the Sample layer plays.
pub fn load_sample(path: &std::path::Path, session_rate: f32) -> Result<SampleData, String> {
    let (mono, rate) = decode_mono(path)?;
    Ok(SampleData {
        frames: resample(&mono, rate as f64, session_rate as f64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snare::layer::measure::peak_hz;

    fn write_wav(path: &std::path::Path, rate: u32, channels: u16, frames: &[f32]) {
        let spec = hound::WavSpec {
            channels,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for &x in frames {
            for _ in 0..channels {
                w.write_sample((x * 32_000.0) as i16).unwrap();
            }
        }
        w.finalize().unwrap();
    }

    #[test]
    fn loads_a_wav_and_resamples_to_the_session_rate() {
        let dir = std::env::temp_dir().join(format!("catalyst-snare-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("hit.wav");
        let tone: Vec<f32> = (0..44_100)
            .map(|n| 0.5 * (std::f32::consts::TAU * 1_000.0 * n as f32 / 44_100.0).sin())
            .collect();
        write_wav(&path, 44_100, 2, &tone);
        let data = load_sample(&path, 48_000.0).unwrap();
        assert!(
            (data.frames.len() as i64 - 48_000).abs() <= 1,
            "{}",
            data.frames.len()
        );
        // Still a 1 kHz tone at the same level after resampling.
        let f = peak_hz(&data.frames[10_000..14_800], 48_000.0, 900.0, 1_100.0);
        assert!((f - 1_000.0).abs() <= 2.0, "{f}");
        let peak = data.frames[1_000..47_000]
            .iter()
            .fold(0.0f32, |m, v| m.max(v.abs()));
        // Written as 0.5 * 32000 / 32768 in 16 bits.
        assert!((peak - 0.5 * 32_000.0 / 32_768.0).abs() < 0.005, "{peak}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn missing_or_broken_files_are_errors_not_panics() {
        let missing = load_sample(std::path::Path::new("/nonexistent/snare.wav"), 48_000.0);
        let why = missing.unwrap_err();
        assert!(why.contains("Cannot load snare.wav: cannot open"), "{why}");
        let dir = std::env::temp_dir().join(format!("catalyst-snare-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.wav");
        std::fs::write(&bad, b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk").unwrap();
        assert!(load_sample(&bad, 48_000.0).is_err());
        let text = dir.join("notes.flac");
        std::fs::write(&text, b"this is not audio at all").unwrap();
        assert!(load_sample(&text, 48_000.0).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn downsampling_removes_content_above_the_new_nyquist() {
        // 30 kHz at 96 kHz would alias to 18 kHz at 48 kHz without the low-pass.
        let x: Vec<f32> = (0..9_600)
            .map(|n| (std::f32::consts::TAU * 30_000.0 * n as f32 / 96_000.0).sin())
            .collect();
        let y = resample(&x, 96_000.0, 48_000.0);
        let rms = (y[500..4_000].iter().map(|v| v * v).sum::<f32>() / 3_500.0).sqrt();
        assert!(rms < 0.01, "{rms}");
    }
}
