//! Audio files in and out. Decoding is shared-dsp's `audio_file` (symphonia: WAV, FLAC, AIFF),
//! encoding hound's (WAV 24-bit integer or 32-bit float).

use anyhow::{Context, Result, bail};
use shared_dsp::audio_file::{CorruptPackets, DecodeOptions, decode_planar};
use std::path::Path;

/// Planar audio: `channels[channel][sample]`.
pub use shared_dsp::audio_file::PlanarAudio as Audio;

/// Reads a WAV, FLAC or AIFF file into planar f32 (shared-dsp's decoder, which the Snare
/// Layerer's sample loader uses too). A corrupt packet fails the read: a rendered stem with a
/// hole in it would be silently wrong.
pub fn read_audio(path: &Path) -> Result<Audio> {
    let options = DecodeOptions {
        max_seconds: None,
        corrupt_packets: CorruptPackets::Fail,
    };
    decode_planar(path, options).map_err(|e| anyhow::anyhow!("'{}': {e}", path.display()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WavFormat {
    /// 24-bit integer PCM (dithering is not applied: the engines' output is already noisy).
    Int24,
    /// 32-bit IEEE float: keeps peaks above 0 dBFS.
    Float32,
}

/// Refuses to overwrite an existing file unless `force`.
pub fn check_output(path: &Path, force: bool) -> Result<()> {
    if path.exists() && !force {
        bail!(
            "'{}' already exists (use --force to overwrite)",
            path.display()
        );
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        bail!("output folder '{}' does not exist", parent.display());
    }
    Ok(())
}

/// Refuses an output that is one of the inputs (the same path, or another name for the same
/// file: a hard link or symlink, same device and inode), even with `--force`: writing the
/// result over the recording it was made from destroys the take.
pub fn check_output_is_not_input(output: &Path, input: &Path) -> Result<()> {
    if same_file(output, input) {
        bail!(
            "output '{}' is the input file: choose another output name",
            output.display()
        );
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(meta_a), Ok(meta_b)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        // The output does not exist yet (or the input cannot be read, which reading reports).
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        meta_a.dev() == meta_b.dev() && meta_a.ino() == meta_b.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (meta_a, meta_b);
        match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
    }
}

pub fn write_wav(path: &Path, audio: &Audio, format: WavFormat) -> Result<()> {
    let spec = hound::WavSpec {
        channels: audio.channels.len() as u16,
        sample_rate: audio.sample_rate,
        bits_per_sample: match format {
            WavFormat::Int24 => 24,
            WavFormat::Float32 => 32,
        },
        sample_format: match format {
            WavFormat::Int24 => hound::SampleFormat::Int,
            WavFormat::Float32 => hound::SampleFormat::Float,
        },
    };
    let mut writer = hound::WavWriter::create(path, spec)
        .with_context(|| format!("cannot write '{}'", path.display()))?;
    const INT24_MAX: f32 = 8_388_607.0;
    for i in 0..audio.frames() {
        for ch in &audio.channels {
            let s = if ch[i].is_finite() { ch[i] } else { 0.0 };
            match format {
                WavFormat::Int24 => writer.write_sample((s.clamp(-1.0, 1.0) * INT24_MAX) as i32)?,
                WavFormat::Float32 => writer.write_sample(s)?,
            }
        }
    }
    writer
        .finalize()
        .with_context(|| format!("cannot finish '{}'", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("catalyst-cli-{}-{name}", std::process::id()))
    }

    #[test]
    fn wav_round_trip_in_both_formats() {
        let sr = 44_100;
        let sine: Vec<f32> = (0..sr).map(|n| 0.5 * (n as f32 * 0.05).sin()).collect();
        let audio = Audio {
            sample_rate: sr as u32,
            channels: vec![sine.clone(), sine.iter().map(|x| -x).collect()],
        };
        for (format, tol) in [(WavFormat::Int24, 1e-6), (WavFormat::Float32, 0.0)] {
            let path = temp(&format!("{format:?}.wav"));
            write_wav(&path, &audio, format).unwrap();
            let back = read_audio(&path).unwrap();
            assert_eq!(back.sample_rate, 44_100);
            assert_eq!(back.channels.len(), 2);
            assert_eq!(back.frames(), audio.frames());
            let err = back.channels[1]
                .iter()
                .zip(&audio.channels[1])
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(err <= tol, "{format:?}: max error {err}");
            std::fs::remove_file(path).unwrap();
        }
    }

    #[test]
    fn corrupt_and_missing_files_are_clear_errors() {
        let path = temp("corrupt.wav");
        std::fs::write(&path, b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk").unwrap();
        let err = read_audio(&path).unwrap_err().to_string();
        assert!(err.contains("corrupt.wav"), "{err}");
        std::fs::remove_file(&path).unwrap();
        let err = read_audio(Path::new("/nonexistent/x.wav"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot open"), "{err}");
    }

    #[test]
    fn output_that_is_the_input_is_refused_even_with_force() {
        let input = temp("take.wav");
        std::fs::write(&input, b"x").unwrap();
        let err = check_output_is_not_input(&input, &input)
            .unwrap_err()
            .to_string();
        assert!(err.contains("is the input file"), "{err}");
        // Another spelling of the same path.
        let dotted = input
            .parent()
            .unwrap()
            .join(".")
            .join(input.file_name().unwrap());
        assert!(check_output_is_not_input(&dotted, &input).is_err());
        // A hard link is the same file under another name.
        let link = temp("take-link.wav");
        let _ = std::fs::remove_file(&link);
        std::fs::hard_link(&input, &link).unwrap();
        assert!(check_output_is_not_input(&link, &input).is_err());
        // A different existing file and a new file are fine.
        let other = temp("other.wav");
        std::fs::write(&other, b"x").unwrap();
        assert!(check_output_is_not_input(&other, &input).is_ok());
        assert!(check_output_is_not_input(&temp("new.wav"), &input).is_ok());
        for p in [input, link, other] {
            std::fs::remove_file(p).unwrap();
        }
    }

    #[test]
    fn existing_output_needs_force() {
        let path = temp("exists.wav");
        std::fs::write(&path, b"x").unwrap();
        assert!(check_output(&path, false).is_err());
        assert!(check_output(&path, true).is_ok());
        std::fs::remove_file(path).unwrap();
    }
}
