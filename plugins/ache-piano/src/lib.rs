//! Catalyst Ache Piano: an intimate, detuned, worn piano. MIDI in, stereo out.
//! This crate is glue only: parameters, MIDI routing and the editor; the sound is in `shared-dsp`.

use nice_plug::midi::Key;
use nice_plug::prelude::*;
use shared_dsp::denormal::{ScopedFlushDenormals, sanitize};
use shared_dsp::piano::PianoEngine;
use std::sync::Arc;

mod editor;
mod params;
pub use params::AchePianoParams;

const OUTPUT_LIMIT: f32 = 4.0;

pub struct AchePiano {
    params: Arc<AchePianoParams>,
    engine: PianoEngine,
    /// Held notes for the editor's keyboard (lock-free).
    notes: Arc<catalyst_widgets::NoteTap>,
}

impl Default for AchePiano {
    fn default() -> Self {
        Self {
            params: Arc::new(AchePianoParams::default()),
            engine: PianoEngine::new(48_000.0),
            notes: catalyst_widgets::NoteTap::new(),
        }
    }
}

impl Plugin for AchePiano {
    const NAME: &'static str = "Catalyst Ache Piano";
    const VENDOR: &'static str = "Catalyst";
    const URL: &'static str = "https://catalyst.audio/ache-piano";
    const EMAIL: &'static str = "dev@catalyst.audio";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[AudioIOLayout {
        main_input_channels: None,
        main_output_channels: NonZeroU32::new(2),
        names: PortNames {
            layout: Some("Stereo"),
            main_input: None,
            main_output: Some("Output"),
            aux_inputs: &[],
            aux_outputs: &[],
        },
        ..AudioIOLayout::const_default()
    }];

    const MIDI_INPUT: MidiConfig = MidiConfig::MidiCCs;
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type SysExMessage = ();
    type BackgroundTask = ();
    type Editor = editor::PianoEditor;

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        Some(editor::create(self.params.clone(), self.notes.clone()))
    }

    fn activate(
        &mut self,
        _audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        _context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.engine.set_sample_rate(buffer_config.sample_rate);
        true
    }

    fn reset(&mut self) {
        self.engine.reset();
        self.notes.clear();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let _ftz = ScopedFlushDenormals::new();
        self.engine.a4_hz = self.params.a4_hz.value();
        let num_samples = buffer.samples();
        let channels = buffer.as_slice();
        for ch in channels.iter_mut() {
            ch.fill(0.0);
        }
        // Render in sub-blocks that end at each event, so notes start on their exact sample.
        let mut next_event = context.next_event();
        let mut pos = 0;
        while pos < num_samples {
            while let Some(event) = next_event {
                if event.timing() as usize > pos {
                    break;
                }
                match event {
                    NoteEvent::NoteOn {
                        key: Key::Number(key),
                        velocity,
                        ..
                    } => {
                        self.engine.note_on(key, velocity);
                        self.notes.note_on(key, velocity);
                    }
                    NoteEvent::NoteOff {
                        key: Key::Number(key),
                        ..
                    } => {
                        self.engine.note_off(key);
                        self.notes.note_off(key);
                    }
                    _ => {}
                }
                next_event = context.next_event();
            }
            let end = next_event
                .map(|e| (e.timing() as usize).min(num_samples))
                .unwrap_or(num_samples)
                .max(pos + 1);
            let (left, rest) = channels.split_at_mut(1);
            self.engine
                .render(&mut left[0][pos..end], &mut rest[0][pos..end]);
            pos = end;
        }
        for i in 0..num_samples {
            let g = self.params.volume.smoothed.next();
            for ch in channels.iter_mut() {
                ch[i] = sanitize(ch[i] * g, OUTPUT_LIMIT);
            }
        }
        ProcessStatus::KeepAlive
    }
}

impl ClapPlugin for AchePiano {
    const CLAP_ID: &'static str = "audio.catalyst.ache-piano";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("An intimate piano with detuned, worn and wobbly strings");
    const CLAP_MANUAL_URL: Option<&'static str> = Some(Self::URL);
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::Instrument,
        ClapFeature::Synthesizer,
        ClapFeature::Custom("piano"),
        ClapFeature::Stereo,
    ];
}

impl Vst3Plugin for AchePiano {
    const VST3_CLASS_ID: [u8; 16] = *b"CatalystAchePno1";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[
        Vst3SubCategory::Instrument,
        Vst3SubCategory::Piano,
        Vst3SubCategory::Synth,
    ];
}

nice_export_clap!(AchePiano);
nice_export_vst3!(AchePiano);
