//! Reading audio files (WAV, FLAC, AIFF) into planar `f32` with `symphonia`. One decoder for
//! every caller: the Snare Layerer's sample loader and the offline `catalyst` tool. Allocates
//! and does file I/O: never call it on the audio thread.

use std::fmt;
use std::path::Path;
use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::DecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// Planar audio: `channels[channel][frame]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanarAudio {
    pub sample_rate: u32,
    pub channels: Vec<Vec<f32>>,
}

impl PlanarAudio {
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    pub fn duration_s(&self) -> f64 {
        self.frames() as f64 / self.sample_rate as f64
    }
}

/// What to do with a packet the codec cannot decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorruptPackets {
    /// Skip it, as players do (a sample to layer: better most of it than nothing).
    Skip,
    /// Fail: rendering a stem with a hole in it would be silently wrong.
    Fail,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecodeOptions {
    /// Stop after this many seconds (bounds memory), or read everything.
    pub max_seconds: Option<f64>,
    pub corrupt_packets: CorruptPackets,
}

/// Why a file could not be read. `Display` words it for a producer, without the path: callers
/// say which file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioFileError {
    Open(String),
    NotAudio(String),
    NoTrack,
    NoSampleRate,
    Unsupported(String),
    Corrupt(String),
    Empty,
}

impl fmt::Display for AudioFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Open(e) => write!(f, "cannot open it ({e})"),
            Self::NotAudio(e) => write!(f, "not a WAV/FLAC/AIFF file we can read ({e})"),
            Self::NoTrack => write!(f, "it has no audio track"),
            Self::NoSampleRate => write!(f, "it does not say its sample rate"),
            Self::Unsupported(e) => write!(f, "unsupported audio encoding ({e})"),
            Self::Corrupt(e) => write!(f, "it is corrupt ({e})"),
            Self::Empty => write!(f, "it contains no audio"),
        }
    }
}

impl std::error::Error for AudioFileError {}

/// Decodes the default track of `path` at its own sample rate.
pub fn decode_planar(path: &Path, options: DecodeOptions) -> Result<PlanarAudio, AudioFileError> {
    let file = std::fs::File::open(path).map_err(|e| AudioFileError::Open(e.to_string()))?;
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
        .map_err(|e| AudioFileError::NotAudio(e.to_string()))?;
    let mut format = probed.format;
    let track = format.default_track().ok_or(AudioFileError::NoTrack)?;
    let track_id = track.id;
    let sample_rate = track
        .codec_params
        .sample_rate
        .ok_or(AudioFileError::NoSampleRate)?;
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| AudioFileError::Unsupported(e.to_string()))?;
    let max_frames = options
        .max_seconds
        .map_or(usize::MAX, |s| (s * sample_rate as f64) as usize);

    let mut channels: Vec<Vec<f32>> = Vec::new();
    let mut sample_buf: Option<SampleBuffer<f32>> = None;
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break;
            }
            Err(SymphoniaError::ResetRequired) => break,
            Err(e) => return Err(AudioFileError::Corrupt(e.to_string())),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => d,
            Err(SymphoniaError::DecodeError(e)) => match options.corrupt_packets {
                CorruptPackets::Skip => continue,
                CorruptPackets::Fail => return Err(AudioFileError::Corrupt(e.to_string())),
            },
            Err(e) => return Err(AudioFileError::Unsupported(e.to_string())),
        };
        let spec = *decoded.spec();
        let n_ch = spec.channels.count().max(1);
        if channels.is_empty() {
            channels = vec![Vec::new(); n_ch];
        }
        let buf =
            sample_buf.get_or_insert_with(|| SampleBuffer::new(decoded.capacity() as u64, spec));
        if buf.capacity() < decoded.capacity() * n_ch {
            *buf = SampleBuffer::new(decoded.capacity() as u64, spec);
        }
        buf.copy_interleaved_ref(decoded);
        for frame in buf.samples().chunks_exact(n_ch) {
            for (ch, &s) in channels.iter_mut().zip(frame) {
                ch.push(s);
            }
        }
        if channels[0].len() >= max_frames {
            for ch in &mut channels {
                ch.truncate(max_frames);
            }
            break;
        }
    }
    if channels.first().is_none_or(Vec::is_empty) {
        return Err(AudioFileError::Empty);
    }
    Ok(PlanarAudio {
        sample_rate,
        channels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("catalyst-audio-file-{}-{name}", std::process::id()))
    }

    #[test]
    fn stereo_wav_decodes_planar_and_respects_the_length_limit() {
        let path = temp("stereo.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 22_050,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut w = hound::WavWriter::create(&path, spec).unwrap();
        for n in 0..22_050 {
            w.write_sample(n as f32 / 22_050.0).unwrap();
            w.write_sample(-0.25f32).unwrap();
        }
        w.finalize().unwrap();
        let all = DecodeOptions {
            max_seconds: None,
            corrupt_packets: CorruptPackets::Fail,
        };
        let audio = decode_planar(&path, all).unwrap();
        assert_eq!(audio.sample_rate, 22_050);
        assert_eq!(audio.channels.len(), 2);
        assert_eq!(audio.frames(), 22_050);
        assert_eq!(audio.channels[0][11_025], 0.5);
        assert!(audio.channels[1].iter().all(|&x| x == -0.25));
        let half = DecodeOptions {
            max_seconds: Some(0.5),
            ..all
        };
        let audio = decode_planar(&path, half).unwrap();
        assert_eq!(audio.frames(), 11_025);
        assert_eq!(audio.channels[1].len(), 11_025);
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn missing_and_non_audio_files_say_why() {
        let options = DecodeOptions {
            max_seconds: None,
            corrupt_packets: CorruptPackets::Skip,
        };
        let err = decode_planar(Path::new("/nonexistent/x.wav"), options).unwrap_err();
        assert!(matches!(err, AudioFileError::Open(_)));
        assert!(err.to_string().starts_with("cannot open"), "{err}");
        let path = temp("text.flac");
        std::fs::write(&path, b"this is not audio at all").unwrap();
        let err = decode_planar(&path, options).unwrap_err();
        assert!(matches!(err, AudioFileError::NotAudio(_)), "{err:?}");
        std::fs::remove_file(path).unwrap();
    }
}
