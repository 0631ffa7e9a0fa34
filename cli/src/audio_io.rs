//! Audio files in and out. Decoding is symphonia's (WAV, FLAC, AIFF), encoding hound's (WAV
//! 24-bit integer or 32-bit float); this file only adapts them to planar `f32`.

use anyhow::{Context, Result, bail};
use std::path::Path;
use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::DecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// Planar audio: `channels[channel][sample]`.
#[derive(Debug, Clone)]
pub struct Audio {
    pub sample_rate: u32,
    pub channels: Vec<Vec<f32>>,
}

impl Audio {
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    pub fn duration_s(&self) -> f64 {
        self.frames() as f64 / self.sample_rate as f64
    }
}

/// Reads a WAV, FLAC or AIFF file into planar f32.
pub fn read_audio(path: &Path) -> Result<Audio> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open '{}'", path.display()))?;
    let stream = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            stream,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|e| {
            anyhow::anyhow!(
                "'{}' is not a readable WAV/FLAC/AIFF file ({e})",
                path.display()
            )
        })?;
    let mut format = probed.format;
    let track = format
        .default_track()
        .with_context(|| format!("'{}' has no audio track", path.display()))?;
    let track_id = track.id;
    let sample_rate = track
        .codec_params
        .sample_rate
        .with_context(|| format!("'{}' does not say its sample rate", path.display()))?;
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| anyhow::anyhow!("cannot decode '{}' ({e})", path.display()))?;

    let mut channels: Vec<Vec<f32>> = Vec::new();
    let mut sample_buf: Option<SampleBuffer<f32>> = None;
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break;
            }
            Err(SymphoniaError::ResetRequired) => break,
            Err(e) => bail!("'{}' is corrupt ({e})", path.display()),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => d,
            Err(SymphoniaError::DecodeError(e)) => bail!("'{}' is corrupt ({e})", path.display()),
            Err(e) => bail!("cannot decode '{}' ({e})", path.display()),
        };
        let spec = *decoded.spec();
        let n_ch = spec.channels.count();
        if channels.is_empty() {
            channels = vec![Vec::new(); n_ch];
        }
        let buf =
            sample_buf.get_or_insert_with(|| SampleBuffer::new(decoded.capacity() as u64, spec));
        if buf.capacity() < decoded.capacity() {
            *buf = SampleBuffer::new(decoded.capacity() as u64, spec);
        }
        buf.copy_interleaved_ref(decoded);
        for frame in buf.samples().chunks_exact(n_ch) {
            for (ch, &s) in channels.iter_mut().zip(frame) {
                ch.push(s);
            }
        }
    }
    if channels.is_empty() || channels[0].is_empty() {
        bail!("'{}' contains no audio", path.display());
    }
    Ok(Audio {
        sample_rate,
        channels,
    })
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
    fn existing_output_needs_force() {
        let path = temp("exists.wav");
        std::fs::write(&path, b"x").unwrap();
        assert!(check_output(&path, false).is_err());
        assert!(check_output(&path, true).is_ok());
        std::fs::remove_file(path).unwrap();
    }
}
