//! Standard MIDI files (parsed by `midly`) flattened to one time-ordered list of events in
//! seconds, following the file's tempo map.

use anyhow::{Context, Result, bail};
use midly::{MetaMessage, MidiMessage, Smf, Timing, TrackEventKind};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MidiEvent {
    NoteOn {
        key: u8,
        velocity: f32,
    },
    NoteOff {
        key: u8,
    },
    Controller {
        cc: u8,
        value: f32,
    },
    /// Normalised to [-1, 1].
    PitchBend {
        value: f32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimedMidiEvent {
    pub time_s: f64,
    pub event: MidiEvent,
}

pub fn read_midi(path: &Path) -> Result<Vec<TimedMidiEvent>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot open '{}'", path.display()))?;
    parse_midi(&bytes).with_context(|| format!("'{}'", path.display()))
}

pub fn parse_midi(bytes: &[u8]) -> Result<Vec<TimedMidiEvent>> {
    let smf = Smf::parse(bytes).map_err(|e| anyhow::anyhow!("not a valid MIDI file ({e})"))?;

    // Merge all tracks into (tick, track order, kind) so tempo changes in track 0 apply to notes in
    // every track (format 1).
    let mut merged = Vec::new();
    for (track_index, track) in smf.tracks.iter().enumerate() {
        let mut tick = 0u64;
        for event in track {
            tick += event.delta.as_int() as u64;
            merged.push((tick, track_index, event.kind));
        }
    }
    merged.sort_by_key(|(tick, track, _)| (*tick, *track));

    let mut events = Vec::new();
    let mut us_per_beat = 500_000.0f64;
    let (mut last_tick, mut time_s) = (0u64, 0.0f64);
    for (tick, _, kind) in merged {
        let delta = (tick - last_tick) as f64;
        time_s += match smf.header.timing {
            Timing::Metrical(ppq) => delta * us_per_beat / 1e6 / ppq.as_int().max(1) as f64,
            Timing::Timecode(fps, sub) => delta / (fps.as_f32() as f64 * sub.max(1) as f64),
        };
        last_tick = tick;
        let event = match kind {
            TrackEventKind::Meta(MetaMessage::Tempo(t)) => {
                us_per_beat = t.as_int() as f64;
                None
            }
            TrackEventKind::Midi { message, .. } => match message {
                MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => Some(MidiEvent::NoteOn {
                    key: key.as_int(),
                    velocity: vel.as_int() as f32 / 127.0,
                }),
                MidiMessage::NoteOn { key, .. } | MidiMessage::NoteOff { key, .. } => {
                    Some(MidiEvent::NoteOff { key: key.as_int() })
                }
                MidiMessage::Controller { controller, value } => Some(MidiEvent::Controller {
                    cc: controller.as_int(),
                    value: value.as_int() as f32 / 127.0,
                }),
                MidiMessage::PitchBend { bend } => Some(MidiEvent::PitchBend {
                    value: bend.as_f32(),
                }),
                _ => None,
            },
            _ => None,
        };
        if let Some(event) = event {
            events.push(TimedMidiEvent { time_s, event });
        }
    }
    if !events
        .iter()
        .any(|e| matches!(e.event, MidiEvent::NoteOn { .. }))
    {
        bail!("the MIDI file has no notes");
    }
    Ok(events)
}

/// Writes a format-0 MIDI file (used by tests and the demo to make their own input).
pub fn write_midi(path: &Path, notes: &[(f64, f64, u8, u8)], bpm: f64) -> Result<()> {
    // notes: (start_s, duration_s, key, velocity)
    use midly::num::{u4, u7, u15, u24, u28};
    use midly::{Header, TrackEvent};
    let ppq = 480u16;
    let ticks_per_s = ppq as f64 * bpm / 60.0;
    let mut raw: Vec<(u64, MidiMessage)> = Vec::new();
    for &(start, dur, key, vel) in notes {
        let on = (start * ticks_per_s).round() as u64;
        let off = ((start + dur) * ticks_per_s).round() as u64;
        raw.push((
            on,
            MidiMessage::NoteOn {
                key: u7::new(key),
                vel: u7::new(vel),
            },
        ));
        raw.push((
            off,
            MidiMessage::NoteOff {
                key: u7::new(key),
                vel: u7::new(0),
            },
        ));
    }
    raw.sort_by_key(|(t, m)| (*t, matches!(m, MidiMessage::NoteOn { .. })));
    let mut track = vec![TrackEvent {
        delta: u28::new(0),
        kind: TrackEventKind::Meta(MetaMessage::Tempo(u24::new((60e6 / bpm) as u32))),
    }];
    let mut last = 0;
    for (t, message) in raw {
        track.push(TrackEvent {
            delta: u28::new((t - last) as u32),
            kind: TrackEventKind::Midi {
                channel: u4::new(0),
                message,
            },
        });
        last = t;
    }
    track.push(TrackEvent {
        delta: u28::new(0),
        kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
    });
    let smf = Smf {
        header: Header::new(midly::Format::SingleTrack, Timing::Metrical(u15::new(ppq))),
        tracks: vec![track],
    };
    smf.save(path)
        .with_context(|| format!("cannot write '{}'", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_note_times_at_the_tempo() {
        let path = std::env::temp_dir().join(format!("catalyst-midi-{}.mid", std::process::id()));
        write_midi(&path, &[(0.0, 0.5, 60, 100), (1.25, 0.25, 64, 64)], 90.0).unwrap();
        let events = read_midi(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let ons: Vec<_> = events
            .iter()
            .filter_map(|e| match e.event {
                MidiEvent::NoteOn { key, velocity } => Some((e.time_s, key, velocity)),
                _ => None,
            })
            .collect();
        assert_eq!(ons.len(), 2);
        assert!((ons[1].0 - 1.25).abs() < 1e-3, "{:?}", ons);
        assert_eq!(ons[1].1, 64);
        assert!((ons[0].2 - 100.0 / 127.0).abs() < 1e-6);
        let offs = events
            .iter()
            .filter(|e| matches!(e.event, MidiEvent::NoteOff { .. }))
            .count();
        assert_eq!(offs, 2);
    }

    #[test]
    fn no_notes_and_garbage_are_errors() {
        assert!(parse_midi(b"not midi at all").is_err());
        let path = std::env::temp_dir().join(format!("catalyst-empty-{}.mid", std::process::id()));
        write_midi(&path, &[], 120.0).unwrap();
        let err = read_midi(&path).unwrap_err();
        assert!(format!("{err:#}").contains("no notes"), "{err:#}");
        std::fs::remove_file(&path).unwrap();
    }
}
