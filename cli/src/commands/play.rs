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
use shared_dsp::piano::{PianoEngine, render_piano_block};
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

/// The sample an event falls on (the one a host would stamp it with).
fn event_sample(e: &TimedMidiEvent, sample_rate: f64) -> usize {
    (e.time_s * sample_rate) as usize
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
    let mut engine = PianoEngine::with_settings(sample_rate as f32, &params.settings());
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
        // This block's events, timed as a host times them: the sample each falls on, counted
        // from the block start.
        let first = next;
        while next < events.len() && event_sample(&events[next], sr) < block_end {
            next += 1;
        }
        let block_events = events[first..next].iter().map(|e| {
            (
                event_sample(e, sr).saturating_sub(pos),
                to_note_event(e.event),
            )
        });
        // The plugin's own render path: same sub-blocks, gain and output ceiling.
        render_piano_block(
            &mut engine,
            &mut l,
            &mut r,
            block_events,
            handle_event,
            |g| g.fill(gain),
        );
        left.extend_from_slice(&l);
        right.extend_from_slice(&r);
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

#[cfg(test)]
mod tests {
    //! `catalyst play` against the plugin itself: the same MIDI file through `play_events` and
    //! through `AchePiano`'s own `activate`/`process` (driven as a host drives it: 512-sample
    //! blocks, events stamped with their sample inside the block, smoothers reset at activation)
    //! must give the same samples, bit for bit. Both now call `render_piano_block`, so what this
    //! proves is that everything around it agrees: parameters and settings, event conversion and
    //! timing, the output gain, the ceiling and the denormal mode.
    use super::*;
    use crate::midi_file::parse_midi;
    use ache_piano::AchePiano;
    use midly::num::{u4, u7, u14, u15, u28};
    use midly::{Format, Header, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
    use nice_plug::prelude::*;
    use shared_dsp::piano::PIANO_OUTPUT_KNEE;
    use std::collections::VecDeque;

    /// A MIDI file (480 ticks a beat, 120 bpm: 960 ticks a second) with a loud chord, sustain
    /// down and up, soft pedal, pitch bend and notes off the block grid.
    fn midi_file() -> Vec<u8> {
        let mut track = Vec::new();
        let mut last = 0u32;
        let mut push = |tick: u32, message: MidiMessage| {
            track.push(TrackEvent {
                delta: u28::new(tick - last),
                kind: TrackEventKind::Midi {
                    channel: u4::new(0),
                    message,
                },
            });
            last = tick;
        };
        let on = |key: u8, vel: u8| MidiMessage::NoteOn {
            key: u7::new(key),
            vel: u7::new(vel),
        };
        let off = |key: u8| MidiMessage::NoteOff {
            key: u7::new(key),
            vel: u7::new(0),
        };
        let cc = |controller: u8, value: u8| MidiMessage::Controller {
            controller: u7::new(controller),
            value: u7::new(value),
        };
        push(0, cc(64, 127));
        for key in [36, 48, 55, 60, 64, 67, 72, 76, 79, 84] {
            push(0, on(key, 127));
        }
        push(333, cc(67, 100));
        push(401, on(62, 90));
        push(
            517,
            MidiMessage::PitchBend {
                bend: midly::PitchBend(u14::new(12_000)),
            },
        );
        for key in [36, 48, 55, 60, 64, 67, 72, 76, 79, 84] {
            push(700, off(key));
        }
        push(901, cc(64, 0));
        push(1_013, off(62));
        push(1_100, cc(67, 0));
        track.push(TrackEvent {
            delta: u28::new(0),
            kind: TrackEventKind::Meta(midly::MetaMessage::EndOfTrack),
        });
        let smf = Smf {
            header: Header::new(Format::SingleTrack, Timing::Metrical(u15::new(480))),
            tracks: vec![track],
        };
        let mut bytes = Vec::new();
        smf.write_std(&mut bytes).unwrap();
        bytes
    }

    struct Host {
        transport: Transport,
        events: VecDeque<NoteEvent<()>>,
    }

    impl ProcessContext<AchePiano> for Host {
        fn plugin_api(&self) -> PluginApi {
            PluginApi::Clap
        }
        fn execute_background(&self, _task: ()) {}
        fn execute_gui(&self, _task: ()) {}
        fn transport(&self) -> &Transport {
            &self.transport
        }
        fn next_event(&mut self) -> Option<NoteEvent<()>> {
            self.events.pop_front()
        }
        fn try_send_event(
            &mut self,
            event: NoteEvent<()>,
        ) -> Result<(), (NoteEvent<()>, nice_plug::context::process::SendEventError)> {
            Err((
                event,
                nice_plug::context::process::SendEventError::NoOutputBuffer,
            ))
        }
        fn set_latency_samples(&self, _samples: u32) {}
        fn request_restart(&self) {}
        fn set_current_voice_capacity(&self, _capacity: u32) {}
    }

    struct Activate;

    impl ActivateContext<AchePiano> for Activate {
        fn plugin_api(&self) -> PluginApi {
            PluginApi::Clap
        }
        fn execute(&self, _task: ()) {}
        fn set_latency_samples(&self, _samples: u32) {}
        fn set_current_voice_capacity(&self, _capacity: u32) {}
    }

    /// The plugin's own `process()` over `frames` samples.
    fn plugin_render(
        events: &[TimedMidiEvent],
        sample_rate: u32,
        sets: &[String],
        frames: usize,
    ) -> (Vec<f32>, Vec<f32>) {
        let sr = sample_rate as f64;
        let mut plugin = AchePiano::default();
        let params = plugin.params();
        apply_sets(&*params, sets).unwrap();
        let config = BufferConfig {
            sample_rate: sample_rate as f32,
            min_buffer_size: None,
            max_buffer_size: BLOCK as u32,
            process_mode: ProcessMode::Offline,
        };
        // What the wrappers do around activation: reset every smoother to its value.
        for (_, ptr, _) in params.param_map() {
            // SAFETY: `ptr` points into `params`, alive here.
            unsafe { ptr._internal_update_smoother(config.sample_rate, true) };
        }
        assert!(plugin.activate(&AchePiano::AUDIO_IO_LAYOUTS[0], &config, &mut Activate));
        plugin.reset();
        let mut host = Host {
            transport: Transport::new(config.sample_rate),
            events: VecDeque::new(),
        };
        let (mut left, mut right) = (Vec::new(), Vec::new());
        let mut next = 0;
        let mut pos = 0;
        while pos < frames {
            while next < events.len() && event_sample(&events[next], sr) < pos + BLOCK {
                let mut e = to_note_event(events[next].event);
                // Stamp it with its sample inside this block, as a host does.
                let timing = (event_sample(&events[next], sr) - pos) as u32;
                match &mut e {
                    NoteEvent::NoteOn { timing: t, .. }
                    | NoteEvent::NoteOff { timing: t, .. }
                    | NoteEvent::MidiCC { timing: t, .. }
                    | NoteEvent::MidiPitchBend { timing: t, .. } => *t = timing,
                    _ => unreachable!(),
                }
                host.events.push_back(e);
                next += 1;
            }
            let mut block = vec![vec![0.0f32; BLOCK]; 2];
            let mut buffer = Buffer::default();
            // SAFETY: the slices point into `block`, alive until the end of this iteration.
            unsafe {
                buffer.set_slices(BLOCK, |slices| {
                    slices.clear();
                    slices.extend(block.iter_mut().map(|c| &mut c[..]));
                });
            }
            let mut aux = AuxiliaryBuffers {
                inputs: &mut [],
                outputs: &mut [],
            };
            plugin.process(&mut buffer, &mut aux, &mut host);
            assert!(host.events.is_empty(), "the plugin read every event");
            left.extend_from_slice(&block[0]);
            right.extend_from_slice(&block[1]);
            pos += BLOCK;
        }
        (left, right)
    }

    #[test]
    fn play_renders_exactly_what_the_plugin_processes_from_the_same_midi_file() {
        let events = parse_midi(&midi_file()).unwrap();
        assert!(events.len() >= 27, "{} events", events.len());
        // Volume at its +6 dB maximum so the loud chord reaches the output ceiling's knee:
        // the old CLI clamp and the plugin's ceiling differed exactly there.
        let sets = vec!["volume=6 dB".to_string()];
        for sample_rate in [44_100, 48_000] {
            let cli = play_events(&events, sample_rate, None, &sets).unwrap();
            let frames = cli.channels[0].len();
            assert!(frames >= 2 * sample_rate as usize, "{frames} frames");
            let (l, r) = plugin_render(&events, sample_rate, &sets, frames);
            let peak = cli.channels[0]
                .iter()
                .chain(&cli.channels[1])
                .fold(0.0f32, |m, x| m.max(x.abs()));
            assert!(
                peak > PIANO_OUTPUT_KNEE,
                "peak {peak}: the test must reach the ceiling"
            );
            let first_diff = cli.channels[0]
                .iter()
                .zip(&l)
                .chain(cli.channels[1].iter().zip(&r))
                .position(|(a, b)| a.to_bits() != b.to_bits());
            assert_eq!(first_diff, None, "at {sample_rate} Hz");
        }
    }
}
