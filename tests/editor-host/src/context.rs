//! The host side of the plugin API: activate/process contexts, the GUI context that applies
//! parameter changes, and the real-time process loop.

use crate::signal::TestSignal;
use crate::{BLOCK, SAMPLE_RATE};
use nice_plug::context::gui::GuiContext;
use nice_plug::midi::{Channel, Key, VoiceID};
use nice_plug::prelude::*;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub struct HostActivate;

impl<P: Plugin> ActivateContext<P> for HostActivate {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }
    fn execute(&self, _task: P::BackgroundTask) {}
    fn set_latency_samples(&self, _samples: u32) {}
    fn set_current_voice_capacity(&self, _capacity: u32) {}
}

struct HostProcess<P: Plugin> {
    transport: Transport,
    events: VecDeque<PluginNoteEvent<P>>,
}

impl<P: Plugin> ProcessContext<P> for HostProcess<P> {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }
    fn execute_background(&self, _task: P::BackgroundTask) {}
    fn execute_gui(&self, _task: P::BackgroundTask) {}
    fn transport(&self) -> &Transport {
        &self.transport
    }
    fn next_event(&mut self) -> Option<PluginNoteEvent<P>> {
        self.events.pop_front()
    }
    fn try_send_event(
        &mut self,
        _event: PluginNoteEvent<P>,
    ) -> Result<
        (),
        (
            PluginNoteEvent<P>,
            nice_plug::context::process::SendEventError,
        ),
    > {
        Ok(())
    }
    fn set_latency_samples(&self, _samples: u32) {}
    fn request_restart(&self) {}
    fn set_current_voice_capacity(&self, _capacity: u32) {}
}

/// Applies GUI parameter changes directly (a real host would also record the gestures).
pub fn host_gui_context(params: Arc<dyn Params>) -> GuiContext {
    catalyst_widgets::DirectGuiContext::gui_context(PluginApi::Clap, Some(params))
}

/// Calls `process()` block by block in real time until `stop` is set, the transport playing from
/// `start_beats` quarter notes.
pub fn process_loop<P: Plugin>(
    plugin: &mut P,
    layout: &AudioIOLayout,
    instrument: bool,
    start_beats: f64,
    stop: &AtomicBool,
) {
    let channels = layout
        .main_output_channels
        .map(|c| c.get() as usize)
        .unwrap_or(2);
    let aux_channels: Vec<usize> = layout
        .aux_input_ports
        .iter()
        .map(|c| c.get() as usize)
        .collect();
    let mut main = vec![vec![0.0f32; BLOCK]; channels];
    let mut aux_data: Vec<Vec<Vec<f32>>> = aux_channels
        .iter()
        .map(|&n| vec![vec![0.0f32; BLOCK]; n])
        .collect();
    let mut signal = TestSignal::new(SAMPLE_RATE);
    let mut context = HostProcess::<P> {
        transport: Transport::new(SAMPLE_RATE),
        events: VecDeque::new(),
    };
    context.transport.playing = true;
    context.transport.tempo = Some(signal.bpm());
    context.transport.time_sig_numerator = Some(4);
    context.transport.time_sig_denominator = Some(4);

    let block_duration = Duration::from_secs_f64(BLOCK as f64 / SAMPLE_RATE as f64);
    let start = Instant::now();
    let mut pos = (start_beats * 60.0 / signal.bpm() * SAMPLE_RATE as f64).round() as i64;
    let mut block_index: u32 = 0;
    while !stop.load(Ordering::Relaxed) {
        context.transport.pos_samples = Some(pos);
        let seconds = pos as f64 / SAMPLE_RATE as f64;
        context.transport.pos_seconds = Some(seconds);
        let beats = seconds * signal.bpm() / 60.0;
        context.transport.pos_beats = Some(beats);
        context.transport.bar_start_pos_beats = Some((beats / 4.0).floor() * 4.0);
        context.transport.bar_number = Some((beats / 4.0).floor() as i32);

        if instrument {
            for ch in main.iter_mut() {
                ch.fill(0.0);
            }
            for (timing, key, velocity) in signal.midi_block(BLOCK) {
                let event = if velocity > 0.0 {
                    NoteEvent::NoteOn {
                        timing,
                        voice_id: VoiceID::Wildcard,
                        channel: Channel::Number(0),
                        key: Key::Number(key),
                        velocity,
                    }
                } else {
                    NoteEvent::NoteOff {
                        timing,
                        voice_id: VoiceID::Wildcard,
                        channel: Channel::Number(0),
                        key: Key::Number(key),
                        velocity: 0.0,
                    }
                };
                context.events.push_back(event);
            }
        } else {
            signal.audio_block(&mut main);
        }

        let mut buffer = Buffer::default();
        // SAFETY: the slices point into `main`, alive for this iteration.
        unsafe {
            buffer.set_slices(BLOCK, |slices| {
                slices.clear();
                slices.extend(main.iter_mut().map(|c| &mut c[..]));
            });
        }
        let mut aux_buffers: Vec<Buffer> = aux_data
            .iter_mut()
            .map(|port| {
                let mut b = Buffer::default();
                // SAFETY: as above.
                unsafe {
                    b.set_slices(BLOCK, |slices| {
                        slices.clear();
                        slices.extend(port.iter_mut().map(|c| {
                            c.fill(0.0);
                            &mut c[..]
                        }));
                    });
                }
                b
            })
            .collect();
        let mut aux = AuxiliaryBuffers {
            inputs: &mut aux_buffers,
            outputs: &mut [],
        };
        plugin.process(&mut buffer, &mut aux, &mut context);
        context.events.clear();

        pos += BLOCK as i64;
        block_index += 1;
        // Real-time pacing so the editor sees data arrive as in a DAW.
        let due = start + block_duration * block_index;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
}
