//! Loading the user's sample for the Sample layer: decode WAV/FLAC/AIFF with `symphonia`, mix
//! to mono, resample to the session rate. Allocates and does file I/O: call it on a background
//! thread (the plugin's background task, or the CLI), never on the audio thread. Every failure
//! is an `Err` with a message for the editor, never a panic.

use super::sample_player::SampleData;
use super::sample_set::{SampleSet, SetSample};
use crate::audio_file::{CorruptPackets, DecodeOptions, decode_planar};
use std::f64::consts::PI;
use std::path::{Path, PathBuf};

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

/// Extensions a folder's files are taken by (case-insensitive).
const AUDIO_EXTENSIONS: [&str; 4] = ["wav", "flac", "aif", "aiff"];

/// Several paths in one text (the plugin state's `sample-path`, a user preset): one per line.
/// A state with one path (every state before sample sets) is a list of one.
pub fn split_paths(text: &str) -> Vec<PathBuf> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(PathBuf::from)
        .collect()
}

/// The inverse of [`split_paths`].
pub fn join_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// What loading a list of files and folders gave.
#[derive(Debug, Default)]
pub struct SetLoad {
    /// The samples that decoded (None: not one did, or the list was empty).
    pub set: Option<SampleSet>,
    /// Files named or found that did not load: (file name, why).
    pub missing: Vec<(String, String)>,
    /// Files looked for (named files plus the audio files of named folders).
    pub wanted: usize,
    /// The session rate the samples were resampled to.
    pub sample_rate: f32,
}

impl SetLoad {
    /// One line for the editor's status ("Loaded 5 samples, 2 velocity zones", "2 of 5 samples
    /// missing: kick_3.wav, kick_4.wav; 3 play").
    pub fn status(&self) -> String {
        let loaded = self.set.as_ref().map_or(0, SampleSet::len);
        if self.wanted == 0 {
            return "No audio files found".to_string();
        }
        if let (true, Some(set)) = (self.missing.is_empty(), self.set.as_ref()) {
            if loaded == 1 {
                let s = &set.samples()[0];
                let secs = s.data.frames.len() as f32 / self.sample_rate;
                return format!("Loaded {} ({secs:.2} s)", s.name);
            }
            let zones = set.zone_count();
            let z = if zones == 1 { "zone" } else { "zones" };
            return format!("Loaded {loaded} samples, {zones} velocity {z}");
        }
        if let ([(_, why)], 1) = (&self.missing[..], self.wanted) {
            return why.clone();
        }
        let names: Vec<&str> = self.missing.iter().map(|(n, _)| n.as_str()).collect();
        format!(
            "{} of {} samples missing: {}; {loaded} play",
            self.missing.len(),
            self.wanted,
            names.join(", ")
        )
    }
}

/// Decodes every file of `paths` (a folder stands for its WAV/FLAC/AIFF files, sorted by name,
/// not recursing) at `session_rate` into one set. A file that is missing or does not decode is
/// reported in `missing` and the others still load. Allocates and does I/O: off the audio
/// thread.
pub fn load_sample_set(paths: &[PathBuf], session_rate: f32) -> SetLoad {
    let mut files = Vec::new();
    let mut missing = Vec::new();
    for path in paths {
        if path.is_dir() {
            match std::fs::read_dir(path) {
                Ok(entries) => {
                    let mut found: Vec<PathBuf> = entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| {
                            p.is_file()
                                && p.extension().is_some_and(|x| {
                                    let x = x.to_string_lossy().to_ascii_lowercase();
                                    AUDIO_EXTENSIONS.contains(&x.as_str())
                                })
                        })
                        .collect();
                    found.sort();
                    files.extend(found);
                }
                Err(e) => missing.push((
                    file_name(path),
                    format!("Cannot read folder {}: {e}", file_name(path)),
                )),
            }
        } else {
            files.push(path.clone());
        }
    }
    // A file named twice (added again, or named and in a named folder) is one file: two copies
    // in a zone would let round-robin play it twice in a row.
    let mut seen = std::collections::HashSet::new();
    files.retain(|p| seen.insert(p.canonicalize().unwrap_or_else(|_| p.clone())));
    let wanted = files.len() + missing.len();
    let mut samples = Vec::new();
    for path in &files {
        match load_sample(path, session_rate) {
            Ok(data) => samples.push(SetSample {
                data,
                name: file_name(path),
                loudness_db: 0.0,
            }),
            Err(why) => missing.push((file_name(path), why)),
        }
    }
    let set = (!samples.is_empty()).then(|| SampleSet::new(samples, session_rate));
    SetLoad {
        set,
        missing,
        wanted,
        sample_rate: session_rate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use catalyst_test_support::measure::peak_hz;

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
