//! Catalyst Ache Piano: an intimate, detuned, worn piano. MIDI in, stereo out.
//! This crate is glue only: parameters, MIDI routing and the editor; the sound is in `shared-dsp`.

use nice_plug::midi::Key;
use nice_plug::prelude::*;
use shared_dsp::denormal::ScopedFlushDenormals;
use shared_dsp::gui_channel::{GuiArray, GuiValue};
use shared_dsp::piano::{PianoEngine, PianoSettings, render_piano_block};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

mod editor;
mod params;
pub use params::AchePianoParams;
pub use shared_dsp::piano::{PRESETS, PianoPreset};

/// MIDI keys shown to the editor.
pub const KEYS: usize = 128;

/// Lock-free data from the audio thread for the editor: which keys are down or still
/// sounding, each key's tuning offset and the pedals. The audio thread only stores atomics.
pub struct PianoGuiData {
    /// Keys held down: bit `k % 64` of word `k / 64`.
    pub keys_down: [AtomicU64; 2],
    /// Keys whose strings still sound (held, sustained or ringing out).
    pub keys_sounding: [AtomicU64; 2],
    /// Per-key tuning offset from equal temperament in cents (stretch and tuning spread), for
    /// all 128 MIDI keys. Republished when the tuning controls change.
    pub tuning_cents: GuiArray,
    pub sustain: AtomicBool,
    /// The sustain pedal's position, 0 (up) to 1 (down): half-pedalling shows.
    pub pedal: GuiValue,
    pub soft_pedal: GuiValue,
    pub active_voices: GuiValue,
}

impl Default for PianoGuiData {
    fn default() -> Self {
        Self {
            keys_down: [AtomicU64::new(0), AtomicU64::new(0)],
            keys_sounding: [AtomicU64::new(0), AtomicU64::new(0)],
            tuning_cents: GuiArray::new(KEYS),
            sustain: AtomicBool::new(false),
            pedal: GuiValue::new(0.0),
            soft_pedal: GuiValue::new(0.0),
            active_voices: GuiValue::new(0.0),
        }
    }
}

impl PianoGuiData {
    /// True if `key` is held (read by the editor).
    pub fn is_down(&self, key: u8) -> bool {
        let key = key.min(127);
        self.keys_down[(key / 64) as usize].load(Ordering::Relaxed) & (1 << (key % 64)) != 0
    }

    /// True if `key` still sounds.
    pub fn is_sounding(&self, key: u8) -> bool {
        let key = key.min(127);
        self.keys_sounding[(key / 64) as usize].load(Ordering::Relaxed) & (1 << (key % 64)) != 0
    }
}

pub struct AchePiano {
    params: Arc<AchePianoParams>,
    engine: PianoEngine,
    gui: Arc<PianoGuiData>,
    /// Set while the editor window is open: the audio thread publishes GUI data only then.
    editor_open: Arc<AtomicBool>,
    /// Settings whose per-key tuning was last published to the editor.
    published_tuning: Option<(f32, f32, u32, f32)>,
    tuning_scratch: [f32; KEYS],
    /// The settings last handed to the engine (`None`: hand them over at the next block).
    applied_settings: Option<PianoSettings>,
}

impl Default for AchePiano {
    fn default() -> Self {
        Self {
            params: Arc::new(AchePianoParams::default()),
            engine: PianoEngine::new(48_000.0),
            gui: Arc::new(PianoGuiData::default()),
            published_tuning: None,
            editor_open: Arc::new(AtomicBool::new(false)),
            tuning_scratch: [0.0; KEYS],
            applied_settings: None,
        }
    }
}

impl AchePiano {
    /// The editor's view of the audio thread.
    pub fn gui_data(&self) -> Arc<PianoGuiData> {
        self.gui.clone()
    }

    fn publish_gui(&mut self) {
        let g = &self.gui;
        let down = self.engine.keys_down();
        let sounding = self.engine.keys_sounding();
        for i in 0..2 {
            g.keys_down[i].store(down[i], Ordering::Relaxed);
            g.keys_sounding[i].store(sounding[i], Ordering::Relaxed);
        }
        g.sustain.store(self.engine.sustain(), Ordering::Relaxed);
        g.pedal.store(self.engine.sustain_position());
        g.active_voices.store(self.engine.active_voices() as f32);
        let s = self.engine.settings();
        let tuning_key = (s.stretch, s.spread_cents, s.tuning_seed, s.ache);
        if self.published_tuning != Some(tuning_key) {
            self.published_tuning = Some(tuning_key);
            for (k, c) in self.tuning_scratch.iter_mut().enumerate() {
                *c = self.engine.key_tuning_cents(k as u8);
            }
            g.tuning_cents.write(&self.tuning_scratch);
        }
    }
}

/// Routes one MIDI event to the engine: notes (with release velocity), sustain (CC64, a
/// continuum: half-pedalling), soft pedal (CC67), pitch bend, all-notes-off (CC123) and
/// all-sound-off (CC120).
pub fn handle_event<S: SysExMessage>(engine: &mut PianoEngine, event: &NoteEvent<S>) {
    match *event {
        NoteEvent::NoteOn {
            key: Key::Number(key),
            velocity,
            ..
        } => engine.note_on(key, velocity),
        NoteEvent::NoteOff {
            key: Key::Number(key),
            velocity,
            ..
        } => engine.note_off_with_velocity(key, velocity),
        NoteEvent::Choke {
            key: Key::Number(key),
            ..
        } => engine.note_off(key),
        NoteEvent::NoteOff {
            key: Key::Wildcard, ..
        }
        | NoteEvent::Choke {
            key: Key::Wildcard, ..
        } => {
            for key in 0..128 {
                engine.note_off(key);
            }
        }
        NoteEvent::MidiCC { cc, value, .. } => match cc {
            64 => engine.set_sustain(value),
            67 => engine.set_soft_pedal(value),
            120 => engine.reset(),
            123 => {
                for key in 0..128 {
                    engine.note_off(key);
                }
            }
            _ => {}
        },
        NoteEvent::MidiPitchBend { value, .. } => engine.set_pitch_bend(value * 2.0 - 1.0),
        _ => {}
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
        let open = self.editor_open.clone();
        Some(
            editor::create(self.params.clone(), self.gui.clone())
                .on_open_change(move |is_open| open.store(is_open, Ordering::Relaxed)),
        )
    }

    fn activate(
        &mut self,
        _audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        // Allocates the engine's delay lines: allowed here, never in process().
        self.engine.set_sample_rate(buffer_config.sample_rate);
        self.engine.set_settings(&self.params.settings());
        self.engine.snap_controls();
        self.applied_settings = None;
        self.published_tuning = None;
        context.set_latency_samples(0);
        true
    }

    fn reset(&mut self) {
        self.engine.reset();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let _ftz = ScopedFlushDenormals::new();
        // The engine re-derives its targets only when a control moved (most blocks none has).
        let settings: PianoSettings = self.params.settings();
        if self.applied_settings != Some(settings) {
            self.engine.set_settings(&settings);
            self.applied_settings = Some(settings);
        }
        let channels = buffer.as_slice();
        let (left, rest) = channels.split_at_mut(1);
        // The one render path `catalyst play` also uses: events on their exact sample, then
        // the Volume gain (smoothed per sample, filled a run at a time) and the soft output
        // ceiling.
        let volume = &self.params.volume.smoothed;
        render_piano_block(
            &mut self.engine,
            &mut left[0][..],
            &mut rest[0][..],
            std::iter::from_fn(|| context.next_event()).map(|e| (e.timing() as usize, e)),
            handle_event,
            |gains| volume.next_block_exact(gains),
        );
        // No GUI work while the editor is closed; republish the tuning when it reopens.
        if self.editor_open.load(Ordering::Relaxed) {
            self.publish_gui();
        } else {
            self.published_tuning = None;
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
        ClapFeature::Custom("catalyst:piano"),
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
    /// Only the controllers `handle_event` reads, on any channel: sustain (64), soft pedal (67),
    /// all sound off (120), all notes off (123) and pitch bend (129). Five proxy parameters
    /// instead of nice-plug's 2,080, which made hosts that probe every parameter load for
    /// seconds (vendor/PATCHES.md).
    const VST3_MIDI_CC_PROXIES: Vst3MidiCcProxies = Vst3MidiCcProxies::Omni(&VST3_CONTROLLERS);
}

/// The MIDI controllers VST3 hosts map to the piano (VST3 numbering: 129 is pitch bend).
pub const VST3_CONTROLLERS: [u8; 5] = [64, 67, 120, 123, 129];

#[cfg(not(feature = "offline"))]
nice_export_clap!(AchePiano);
#[cfg(not(feature = "offline"))]
nice_export_vst3!(AchePiano);

#[cfg(test)]
mod tests {
    use super::*;
    use nice_plug::midi::{Channel, VoiceID};

    fn cc(cc: u8, value: f32) -> NoteEvent<()> {
        NoteEvent::MidiCC {
            timing: 0,
            channel: 0,
            cc,
            value,
        }
    }

    fn render_energy(engine: &mut PianoEngine, seconds: f32) -> f32 {
        let n = (seconds * engine.sample_rate()) as usize;
        let mut l = vec![0.0; n];
        let mut r = vec![0.0; n];
        engine.render(&mut l, &mut r);
        l.iter().map(|x| x * x).sum()
    }

    fn note_on(key: u8, velocity: f32) -> NoteEvent<()> {
        NoteEvent::NoteOn {
            timing: 0,
            voice_id: VoiceID::Wildcard,
            channel: Channel::Number(0),
            key: Key::Number(key),
            velocity,
        }
    }

    fn note_off(key: u8) -> NoteEvent<()> {
        note_off_velocity(key, 0.0)
    }

    fn note_off_velocity(key: u8, velocity: f32) -> NoteEvent<()> {
        NoteEvent::NoteOff {
            timing: 0,
            voice_id: VoiceID::Wildcard,
            channel: Channel::Number(0),
            key: Key::Number(key),
            velocity,
        }
    }

    #[test]
    fn release_velocity_and_half_pedal_reach_the_dampers() {
        // What rings 0.1-0.3 s after a release: less for a fast release than a slow one, and
        // with CC64 at half more than with the pedal up, less than with it down.
        let tail = |pedal: f32, release: f32| {
            let mut e = PianoEngine::with_settings(48_000.0, &PianoSettings::clean());
            handle_event(&mut e, &cc(64, pedal));
            handle_event(&mut e, &note_on(60, 0.8));
            render_energy(&mut e, 0.3);
            handle_event(&mut e, &note_off_velocity(60, release));
            render_energy(&mut e, 0.1);
            render_energy(&mut e, 0.2)
        };
        assert!(tail(0.0, 1.0) < 0.5 * tail(0.0, 0.1));
        let (up, half, down) = (tail(0.0, 0.0), tail(0.5, 0.0), tail(1.0, 0.0));
        assert!(up < half && half < down, "{up} {half} {down}");
    }

    #[test]
    fn sustain_pedal_cc64_holds_released_notes() {
        let play = |pedal: bool| {
            let mut e = PianoEngine::new(48_000.0);
            if pedal {
                handle_event(&mut e, &cc(64, 1.0));
            }
            handle_event(&mut e, &note_on(60, 0.8));
            render_energy(&mut e, 0.2);
            handle_event(&mut e, &note_off(60));
            render_energy(&mut e, 0.8);
            render_energy(&mut e, 0.5)
        };
        assert!(play(true) > 1000.0 * play(false).max(1e-20));
    }

    #[test]
    fn soft_pedal_cc67_makes_notes_quieter() {
        let play = |soft: f32| {
            let mut e = PianoEngine::new(48_000.0);
            handle_event(&mut e, &cc(67, soft));
            handle_event(&mut e, &note_on(60, 0.8));
            render_energy(&mut e, 0.5)
        };
        assert!(play(1.0) < 0.7 * play(0.0));
    }

    #[test]
    fn pitch_bend_moves_the_pitch() {
        // Count zero crossings of A4 (440 Hz) with full upward bend of 2 semitones.
        let crossings = |bend: f32| {
            let mut e = PianoEngine::with_settings(48_000.0, &PianoSettings::clean());
            handle_event(
                &mut e,
                &NoteEvent::<()>::MidiPitchBend {
                    timing: 0,
                    channel: 0,
                    value: bend,
                },
            );
            handle_event(&mut e, &note_on(69, 0.5));
            let mut l = vec![0.0f32; 48_000];
            let mut r = vec![0.0f32; 48_000];
            e.render(&mut l, &mut r);
            l[4_800..]
                .windows(2)
                .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
                .count() as f32
                / 0.9
        };
        let centre = crossings(0.5);
        let up = crossings(1.0);
        let ratio = up / centre;
        assert!(
            (ratio - 2f32.powf(2.0 / 12.0)).abs() < 0.01,
            "{centre} -> {up}"
        );
    }

    #[test]
    fn all_sound_off_silences_at_once() {
        let mut e = PianoEngine::new(48_000.0);
        handle_event(&mut e, &note_on(60, 0.8));
        render_energy(&mut e, 0.1);
        handle_event(&mut e, &cc(120, 0.0));
        assert_eq!(e.active_voices(), 0);
    }

    #[test]
    fn gui_data_reports_held_keys_and_tuning() {
        let mut p = AchePiano::default();
        p.engine.note_on(61, 0.5);
        p.publish_gui();
        let g = p.gui_data();
        assert!(g.is_down(61) && !g.is_down(60) && g.is_sounding(61));
        let mut cents = [0.0f32; KEYS];
        assert!(g.tuning_cents.read(&mut cents));
        // Default stretch: the top of the keyboard is tuned sharp, the bottom flat.
        assert!(
            cents[108] > 10.0 && cents[21] < -10.0,
            "{} {}",
            cents[21],
            cents[108]
        );
    }
}
