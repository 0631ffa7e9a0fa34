//! Arrangements rendered with real sampled instruments: a standard MIDI file written here
//! (`midly`), rendered by `fluidsynth` with the Debian General MIDI soundfont
//! (`fluid-soundfont-gm`, installed by `scripts/setup.sh`), bounced as a DAW bounces it: silent
//! count-in bars first, the release tail (reverb, ringing notes) after the last bar.
//!
//! Every part plays one idiomatic pattern over a I-vi-IV-V progression in C (one chord per
//! bar) in any meter: a pulse is a quarter in x/4 and a dotted quarter in x/8 (6/8 has two),
//! a step is an eighth. Nothing here knows about the Density Meter: the songs are material, the
//! tests measure them.

use midly::num::{u4, u7, u15, u24, u28};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
use std::path::{Path, PathBuf};

/// The General MIDI soundfont Debian's `fluid-soundfont-gm` installs.
pub const SOUNDFONT: &str = "/usr/share/sounds/sf2/FluidR3_GM.sf2";
const PPQ: u32 = 480;

/// What a part plays (see the module docs for pulse and step).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// A strummed guitar: the chord on every step, strings 12 ms apart, accents on pulses.
    Strum,
    /// Piano-style block chords on every pulse.
    Block,
    /// Broken chord, one note per step, over two octaves.
    Arpeggio,
    /// The chord held for the whole bar (strings, pads, organ).
    Sustain,
    /// The root, low, on every pulse.
    Bass,
    /// A tune on the chord tones, one note per pulse, an octave above the chords.
    Melody,
    /// Kit on MIDI channel 10: kick on the first pulse (and the third in 4/4), snare on the
    /// others, closed hi-hat on every step.
    Drums,
}

/// One part: a General MIDI program (0-based: 0 piano, 25 steel guitar, 33 finger bass, 48
/// strings, ...) playing a pattern at a velocity. Drums ignore the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    pub program: u8,
    pub pattern: Pattern,
    pub velocity: u8,
}

impl Part {
    pub const fn new(program: u8, pattern: Pattern, velocity: u8) -> Self {
        Self {
            program,
            pattern,
            velocity,
        }
    }
}

/// A song: the parts, and sections of `(bars, indices of the parts playing)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Song {
    pub bpm: f64,
    /// Numerator, denominator (4 or 8).
    pub time_sig: (u32, u32),
    pub count_in_bars: usize,
    pub tail_bars: usize,
    pub parts: Vec<Part>,
    pub sections: Vec<(usize, Vec<usize>)>,
}

impl Song {
    /// Quarter notes per bar.
    pub fn quarters_per_bar(&self) -> f64 {
        self.time_sig.0 as f64 * 4.0 / self.time_sig.1 as f64
    }

    pub fn bar_seconds(&self) -> f64 {
        self.quarters_per_bar() * 60.0 / self.bpm
    }

    /// Bars of music (count-in and tail not included).
    pub fn music_bars(&self) -> usize {
        self.sections.iter().map(|s| s.0).sum()
    }

    /// File bar (0-based, count-in included) where each section starts.
    pub fn section_starts(&self) -> Vec<usize> {
        let mut at = self.count_in_bars;
        self.sections
            .iter()
            .map(|s| {
                let start = at;
                at += s.0;
                start
            })
            .collect()
    }
}

/// Stereo audio, planar.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub sample_rate: u32,
    pub left: Vec<f32>,
    pub right: Vec<f32>,
}

impl Rendered {
    /// Scales both channels by `db` (a quieter or louder mix of the same bounce).
    pub fn gain_db(mut self, db: f32) -> Self {
        let g = 10f32.powf(db / 20.0);
        for x in self.left.iter_mut().chain(self.right.iter_mut()) {
            *x *= g;
        }
        self
    }
}

/// Why a song could not be rendered (tests skip with this message when fluidsynth is missing).
pub fn renderer_missing() -> Option<String> {
    if !Path::new(SOUNDFONT).exists() {
        return Some(format!(
            "{SOUNDFONT} is missing (apt-get install fluid-soundfont-gm)"
        ));
    }
    match std::process::Command::new("fluidsynth")
        .arg("--version")
        .output()
    {
        Ok(o) if o.status.success() => None,
        _ => Some("fluidsynth is not installed (apt-get install fluidsynth)".into()),
    }
}

/// The chord of bar `bar` as pitch classes (root first): C, Am, F, G.
fn chord(bar: usize) -> [u8; 3] {
    [[0, 4, 7], [9, 0, 4], [5, 9, 0], [7, 11, 2]][bar % 4]
}

/// Notes `(start_tick, length_ticks, key, velocity)` of one part in one bar starting at `t0`.
fn notes(song: &Song, part: &Part, bar: usize, t0: u32, out: &mut Vec<(u32, u32, u8, u8)>) {
    let bar_ticks = (song.quarters_per_bar() * PPQ as f64).round() as u32;
    let step = PPQ / 2;
    let steps = bar_ticks / step;
    let compound = song.time_sig.1 == 8;
    let pulse = if compound { 3 * step } else { PPQ };
    let pulses = (bar_ticks / pulse).max(1);
    let c = chord(bar);
    let v = part.velocity;
    let accent = |on_pulse: bool| {
        if on_pulse {
            v
        } else {
            v.saturating_sub(18).max(1)
        }
    };
    match part.pattern {
        Pattern::Strum => {
            // Guitar voicing: root in octave 2-3, then chord tones up to about E4.
            let root = 40 + (c[0] + 12 - 4) % 12;
            let shape = [
                root,
                root + 7,
                root + 12,
                48 + c[1] + 12 * (c[1] < 4) as u8,
                55 + (c[2] + 12 - 7) % 12,
                60 + c[0],
            ];
            // Strings 12 ms apart (a down-stroke), in ticks.
            let stagger = (0.012 * song.bpm / 60.0 * PPQ as f64).round() as u32;
            for s in 0..steps {
                let on_pulse = (s * step).is_multiple_of(pulse);
                for (k, &key) in shape.iter().enumerate() {
                    let at = t0 + s * step + k as u32 * stagger;
                    out.push((at, step - k as u32 * stagger, key, accent(on_pulse)));
                }
            }
        }
        Pattern::Block => {
            for p in 0..pulses {
                let at = t0 + p * pulse;
                out.push((at, pulse, 48 + c[0], accent(p == 0)));
                for &pc in &c {
                    out.push((at, pulse, 60 + pc, accent(p == 0)));
                }
            }
        }
        Pattern::Arpeggio => {
            let keys = [
                60 + c[0],
                60 + c[1],
                60 + c[2],
                72 + c[0],
                72 + c[1],
                72 + c[2],
            ];
            for s in 0..steps {
                let k = keys[(s as usize) % keys.len()];
                out.push((
                    t0 + s * step,
                    step,
                    k,
                    accent((s * step).is_multiple_of(pulse)),
                ));
            }
        }
        Pattern::Sustain => {
            out.push((t0, bar_ticks, 48 + c[0], v));
            for &pc in &c {
                out.push((t0, bar_ticks, 60 + pc, v));
            }
        }
        Pattern::Bass => {
            for p in 0..pulses {
                out.push((t0 + p * pulse, pulse * 9 / 10, 36 + c[0], accent(p == 0)));
            }
        }
        Pattern::Melody => {
            let tune = [2usize, 1, 0, 1, 2, 2];
            for p in 0..pulses {
                let pc = c[tune[(bar + p as usize) % tune.len()]];
                out.push((t0 + p * pulse, pulse * 9 / 10, 72 + pc, v));
            }
        }
        Pattern::Drums => {
            for p in 0..pulses {
                let kick = p == 0 || (pulses == 4 && p == 2);
                out.push((t0 + p * pulse, step, if kick { 36 } else { 38 }, v));
            }
            for s in 0..steps {
                out.push((
                    t0 + s * step,
                    step / 2,
                    42,
                    accent((s * step).is_multiple_of(pulse)),
                ));
            }
        }
    }
}

/// The song as a standard MIDI file (format 1, one track per part plus a tempo track).
pub fn midi_bytes(song: &Song) -> Vec<u8> {
    let bar_ticks = (song.quarters_per_bar() * PPQ as f64).round() as u32;
    let end = (song.count_in_bars + song.music_bars() + song.tail_bars) as u32 * bar_ticks;
    let us_per_quarter = (60_000_000.0 / song.bpm).round() as u32;
    let mut tracks: Vec<Vec<TrackEvent<'static>>> = vec![vec![
        TrackEvent {
            delta: u28::new(0),
            kind: TrackEventKind::Meta(MetaMessage::Tempo(u24::new(us_per_quarter))),
        },
        TrackEvent {
            delta: u28::new(0),
            kind: TrackEventKind::Meta(MetaMessage::TimeSignature(
                song.time_sig.0 as u8,
                song.time_sig.1.trailing_zeros() as u8,
                24,
                8,
            )),
        },
        TrackEvent {
            delta: u28::new(end),
            kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
        },
    ]];
    let mut melodic = 0u8;
    for (i, part) in song.parts.iter().enumerate() {
        let channel = if part.pattern == Pattern::Drums {
            9
        } else {
            let c = if melodic >= 9 { melodic + 1 } else { melodic };
            melodic += 1;
            c.min(15)
        };
        let mut notes_on: Vec<(u32, u32, u8, u8)> = Vec::new();
        let mut bar = 0usize;
        for (bars, playing) in &song.sections {
            for _ in 0..*bars {
                if playing.contains(&i) {
                    let t0 = (song.count_in_bars + bar) as u32 * bar_ticks;
                    notes(song, part, bar, t0, &mut notes_on);
                }
                bar += 1;
            }
        }
        // (tick, is_on, key, velocity); offs sort before ons at the same tick.
        let mut events: Vec<(u32, bool, u8, u8)> = Vec::new();
        for &(at, len, key, vel) in &notes_on {
            events.push((at, true, key.min(127), vel.clamp(1, 127)));
            events.push((at + len.max(1) - 1, false, key.min(127), 0));
        }
        events.sort_by_key(|e| (e.0, e.1));
        let ch = u4::new(channel);
        let mut track = vec![TrackEvent {
            delta: u28::new(0),
            kind: TrackEventKind::Midi {
                channel: ch,
                message: MidiMessage::ProgramChange {
                    program: u7::new(part.program.min(127)),
                },
            },
        }];
        let mut now = 0u32;
        for (at, on, key, vel) in events {
            let message = if on {
                MidiMessage::NoteOn {
                    key: u7::new(key),
                    vel: u7::new(vel),
                }
            } else {
                MidiMessage::NoteOff {
                    key: u7::new(key),
                    vel: u7::new(0),
                }
            };
            track.push(TrackEvent {
                delta: u28::new(at - now),
                kind: TrackEventKind::Midi {
                    channel: ch,
                    message,
                },
            });
            now = at;
        }
        track.push(TrackEvent {
            delta: u28::new(end.saturating_sub(now)),
            kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
        });
        tracks.push(track);
    }
    let smf = Smf {
        header: Header::new(Format::Parallel, Timing::Metrical(u15::new(PPQ as u16))),
        tracks,
    };
    let mut bytes = Vec::new();
    smf.write_std(&mut bytes).expect("writing MIDI to memory");
    bytes
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("catalyst-gm-song-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Renders `song` with fluidsynth at `sample_rate` (reverb and chorus on, as the soundfont's
/// defaults). Panics when fluidsynth fails; call [`renderer_missing`] first to skip instead.
/// With `CATALYST_KEEP_RENDERS=DIR` set, the MIDI file and the WAV are kept in DIR as
/// `name.mid` / `name.wav`.
pub fn render(song: &Song, sample_rate: u32, name: &str) -> Rendered {
    let dir = scratch_dir();
    let mid = dir.join(format!("{name}.mid"));
    let wav = dir.join(format!("{name}.wav"));
    std::fs::write(&mid, midi_bytes(song)).expect("write MIDI");
    let out = std::process::Command::new("fluidsynth")
        .args([
            "-ni",
            "-q",
            "-g",
            "0.5",
            "-r",
            &sample_rate.to_string(),
            "-O",
            "float",
        ])
        .arg("-F")
        .arg(&wav)
        .arg(SOUNDFONT)
        .arg(&mid)
        .output()
        .expect("fluidsynth runs");
    assert!(
        out.status.success(),
        "fluidsynth failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut r = hound::WavReader::open(&wav).expect("fluidsynth wrote a WAV");
    let spec = r.spec();
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(|s| s.unwrap()).collect(),
        hound::SampleFormat::Int => {
            let scale = (1i64 << (spec.bits_per_sample - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.unwrap() as f32 / scale)
                .collect()
        }
    };
    // CATALYST_KEEP_RENDERS=DIR keeps the MIDI file and the bounce, to listen to or to run
    // another build of `catalyst analyze` on.
    if let Some(keep) = std::env::var_os("CATALYST_KEEP_RENDERS") {
        let keep = PathBuf::from(keep);
        let _ = std::fs::create_dir_all(&keep);
        let _ = std::fs::copy(&mid, keep.join(format!("{name}.mid")));
        let _ = std::fs::copy(&wav, keep.join(format!("{name}.wav")));
    }
    let _ = std::fs::remove_file(&mid);
    let _ = std::fs::remove_file(&wav);
    let n = spec.channels.max(1) as usize;
    let left: Vec<f32> = interleaved.iter().step_by(n).copied().collect();
    let right: Vec<f32> = if n > 1 {
        interleaved.iter().skip(1).step_by(n).copied().collect()
    } else {
        left.clone()
    };
    Rendered {
        sample_rate: spec.sample_rate,
        left,
        right,
    }
}
