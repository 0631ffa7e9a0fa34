//! `catalyst play IN.mid -o OUT.wav`: renders a MIDI file on the Ache Piano's engine, with the
//! plugin's own parameters, presets and MIDI routing (`ache_piano::handle_event`).

use crate::audio_io::{Audio, WavFormat, check_output, check_output_is_not_input, write_wav};
use crate::commands::preset::{self as preset_cmd, load_preset_arg};
use crate::midi_file::{MidiEvent, TimedMidiEvent, read_midi};
use crate::offline_params::apply_sets;
use crate::progress;
use ache_piano::{AchePianoParams, handle_event};
use anyhow::{Result, bail};
use nice_plug::midi::{Channel, Key, VoiceID};
use nice_plug::prelude::NoteEvent;
use shared_dsp::denormal::sanitize;
use shared_dsp::piano::PianoEngine;
use std::path::PathBuf;

const BLOCK: usize = 512;
/// Longest ring-out rendered after the last event.
const MAX_TAIL_S: f64 = 12.0;

pub struct PlayArgs {
    pub input: PathBuf,
    pub output: PathBuf,
    pub preset: Option<String>,
    pub sets: Vec<String>,
    pub sample_rate: u32,
    pub format: WavFormat,
    pub force: bool,
}

fn to_note_event(e: MidiEvent) -> NoteEvent<()> {
    let channel = Channel::Number(0);
    let cc_channel = 0u8;
    let voice_id = VoiceID::Wildcard;
    match e {
        MidiEvent::NoteOn { key, velocity } => NoteEvent::NoteOn {
            timing: 0,
            voice_id,
            channel,
            key: Key::Number(key),
            velocity,
        },
        MidiEvent::NoteOff { key } => NoteEvent::NoteOff {
            timing: 0,
            voice_id,
            channel,
            key: Key::Number(key),
            velocity: 0.0,
        },
        MidiEvent::Controller { cc, value } => NoteEvent::MidiCC {
            timing: 0,
            channel: cc_channel,
            cc,
            value,
        },
        MidiEvent::PitchBend { value } => NoteEvent::MidiPitchBend {
            timing: 0,
            channel: cc_channel,
            value: (value + 1.0) * 0.5,
        },
    }
}

/// Renders `events` to stereo audio (no file I/O, for `demo` and tests).
pub fn play_events(
    events: &[TimedMidiEvent],
    sample_rate: u32,
    preset: Option<&str>,
    sets: &[String],
) -> Result<Audio> {
    if !(22_050..=192_000).contains(&sample_rate) {
        bail!("sample rate {sample_rate} Hz is outside 22050..192000");
    }
    let params = AchePianoParams::default();
    if let Some(spec) = preset {
        load_preset_arg::<preset_cmd::Play>(&params, spec)?;
    }
    apply_sets(&params, sets)?;
    let sr = sample_rate as f64;
    let mut engine = PianoEngine::new(sample_rate as f32);
    engine.set_settings(&params.settings());
    engine.snap_controls();
    let gain = params.volume.value();

    let last_event_s = events.last().map_or(0.0, |e| e.time_s);
    let max_frames = ((last_event_s + MAX_TAIL_S) * sr) as usize;
    let (mut left, mut right) = (Vec::new(), Vec::new());
    let bar = progress::bar(max_frames as u64, "playing");
    let mut next = 0;
    let mut pos = 0usize;
    loop {
        let block_end = pos + BLOCK;
        let mut l = [0.0f32; BLOCK];
        let mut r = [0.0f32; BLOCK];
        let mut at = pos;
        // Sub-blocks end at each event so notes start on their exact sample, as in the plugin.
        while at < block_end {
            while next < events.len() && (events[next].time_s * sr) as usize <= at {
                handle_event(&mut engine, &to_note_event(events[next].event));
                next += 1;
            }
            let until = events.get(next).map_or(block_end, |e| {
                ((e.time_s * sr) as usize).clamp(at + 1, block_end)
            });
            engine.render(&mut l[at - pos..until - pos], &mut r[at - pos..until - pos]);
            at = until;
        }
        for i in 0..BLOCK {
            left.push(sanitize(l[i] * gain, 4.0));
            right.push(sanitize(r[i] * gain, 4.0));
        }
        pos = block_end;
        bar.set_position(pos as u64);
        if (next == events.len() && engine.is_idle()) || pos >= max_frames {
            break;
        }
    }
    bar.finish_and_clear();
    Ok(Audio {
        sample_rate,
        channels: vec![left, right],
    })
}

pub fn run(args: PlayArgs) -> Result<()> {
    check_output(&args.output, args.force)?;
    check_output_is_not_input(&args.output, &args.input)?;
    let events = read_midi(&args.input)?;
    let audio = play_events(
        &events,
        args.sample_rate,
        args.preset.as_deref(),
        &args.sets,
    )?;
    write_wav(&args.output, &audio, args.format)?;
    let notes = events
        .iter()
        .filter(|e| matches!(e.event, MidiEvent::NoteOn { .. }))
        .count();
    println!(
        "played {notes} notes, {:.1} s -> {}",
        audio.duration_s(),
        args.output.display()
    );
    Ok(())
}
