//! Catalyst Snare Layerer: detects each drum hit and layers a character sound on it.
//! This crate is glue only: parameters, buses, MIDI out, sample loading and editor data; the
//! whole sound (detector, layers, mix) is `shared_dsp::snare::SnareEngine`.

use atomic_float::AtomicF32;
use nice_plug::midi::{Channel, Key, VoiceID};
use nice_plug::prelude::*;
use shared_dsp::denormal::ScopedFlushDenormals;
use shared_dsp::gui_channel::{GuiArray, GuiValue};
use shared_dsp::snare::sample_file::{load_sample_set, split_paths};
use shared_dsp::snare::sample_set::SampleSet;
use shared_dsp::snare::scope::{SCOPE_HOP_MS, SCOPE_POINTS};
use shared_dsp::snare::{SnareEngine, SnareSettings};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

mod editor;
pub mod fingerprint_state;
pub mod onset_sharing;
mod params;
pub use params::{LayerParams, SnareLayererParams, TimingMode, TriggerSource};
pub use shared_dsp::snare::{Preset, factory_presets};

/// Recent hits kept for the editor.
pub const GUI_HITS: usize = 32;
/// Values per hit in [`SnareGuiData::hits`]: time (s, engine clock), velocity (0..1), peak dBFS.
pub const GUI_HIT_STRIDE: usize = 4;
/// Length of the MIDI notes sent on each hit.
const MIDI_NOTE_MS: f32 = 50.0;

/// Everything the editor shows, written by the audio thread without locks or allocation.
pub struct SnareGuiData {
    /// Detector envelope (dBFS), oldest first, one point per `scope_hop_ms`.
    pub scope_db: GuiArray,
    pub scope_hop_ms: f32,
    /// Last [`GUI_HITS`] hits, oldest first, [`GUI_HIT_STRIDE`] values each; unused slots have
    /// time -1.
    pub hits: GuiArray,
    /// Total hits since activation (the editor redraws when it changes).
    pub hit_count: AtomicU64,
    /// Engine clock, seconds (the right edge of the scope).
    pub now_s: GuiValue,
    /// Threshold in force (absolute or relative to recent hits), dBFS.
    pub effective_threshold_db: GuiValue,
    pub latency_samples: GuiValue,
    /// Session sample rate (the background loader resamples to it).
    pub sample_rate: AtomicF32,
    /// Human-readable state of the Sample layer ("No sample", "Loaded kick.wav (0.4 s)",
    /// "Loaded 6 samples, 3 velocity zones", "2 of 5 samples missing: kick_3.wav, ...; 3 play",
    /// "Cannot load kick.wav: it is corrupt ..."). Written by the loader, read by the editor;
    /// never touched by audio.
    pub sample_status: Mutex<String>,
    /// At least one sample plays.
    pub sample_loaded: AtomicBool,
    /// Files of the list that did not load (the editor shows the status as a warning).
    pub sample_missing: AtomicUsize,
    /// A Timing change waits for the host to restart the plugin (CLAP allows latency changes
    /// only on activation); the editor says so.
    pub timing_pending: AtomicBool,
}

impl Default for SnareGuiData {
    fn default() -> Self {
        Self {
            scope_db: GuiArray::new(SCOPE_POINTS),
            scope_hop_ms: SCOPE_HOP_MS,
            hits: GuiArray::new(GUI_HITS * GUI_HIT_STRIDE),
            hit_count: AtomicU64::new(0),
            now_s: GuiValue::new(0.0),
            effective_threshold_db: GuiValue::new(-100.0),
            latency_samples: GuiValue::new(0.0),
            sample_rate: AtomicF32::new(48_000.0),
            sample_status: Mutex::new("No sample".to_string()),
            sample_loaded: AtomicBool::new(false),
            sample_missing: AtomicUsize::new(0),
            timing_pending: AtomicBool::new(false),
        }
    }
}

/// Work done off the audio thread.
#[derive(Debug, Clone)]
pub enum SnareTask {
    /// Load (or, with an empty text, clear) the Sample layer's files and folders, one per line;
    /// the editor sends this after storing the text in `params.sample_path`.
    LoadSample(String),
}

/// Hands decoded samples to the audio thread and takes replaced ones back, lock-free on the
/// audio side (two SPSC rings); the loader side is serialised by a mutex the audio thread never
/// touches.
struct SampleMailbox {
    to_audio: rtrb::Producer<Option<Box<SampleSet>>>,
    from_audio: rtrb::Consumer<Option<Box<SampleSet>>>,
}

struct AudioSide {
    incoming: rtrb::Consumer<Option<Box<SampleSet>>>,
    retired: rtrb::Producer<Option<Box<SampleSet>>>,
}

pub struct SnareLayerer {
    params: Arc<SnareLayererParams>,
    gui: Arc<SnareGuiData>,
    /// Set while the editor window is open: the audio thread publishes GUI data only then.
    editor_open: Arc<AtomicBool>,
    engine: Option<SnareEngine>,
    mailbox: Arc<Mutex<SampleMailbox>>,
    audio_side: AudioSide,
    scope_scratch: Vec<f32>,
    hit_scratch: Vec<f32>,
    last_scope_version: u64,
    reported_latency: u32,
    /// CLAP lets latency change only inside `activate`: there the Timing in force is fixed at
    /// activation, and a change of the Timing parameter asks the host for a restart (the new
    /// latency is reported from the next `activate`). VST3 reports a change at once.
    timing_fixed_until_restart: bool,
    /// Lookahead in force since the last activation (CLAP).
    active_lookahead: bool,
    /// Reject Bleed also sets the latency (lookahead 8 ms instead of 4): fixed the same way.
    active_reject_bleed: bool,
    /// The last fingerprint request (loaded state, "learn again") applied to the engine.
    fingerprint_generation: u32,
    restart_requested: bool,
    /// Samples left until the NoteOff of the last MIDI note (None: no note sounding).
    note_off_in: Option<u32>,
    sounding_note: u8,
}

impl Default for SnareLayerer {
    fn default() -> Self {
        let (to_audio, incoming) = rtrb::RingBuffer::new(4);
        let (retired, from_audio) = rtrb::RingBuffer::new(8);
        Self {
            params: Arc::new(SnareLayererParams::default()),
            gui: Arc::new(SnareGuiData::default()),
            editor_open: Arc::new(AtomicBool::new(false)),
            engine: None,
            mailbox: Arc::new(Mutex::new(SampleMailbox {
                to_audio,
                from_audio,
            })),
            audio_side: AudioSide { incoming, retired },
            scope_scratch: vec![0.0; SCOPE_POINTS],
            hit_scratch: vec![-1.0; GUI_HITS * GUI_HIT_STRIDE],
            last_scope_version: 0,
            reported_latency: 0,
            timing_fixed_until_restart: false,
            active_lookahead: true,
            active_reject_bleed: false,
            fingerprint_generation: 0,
            restart_requested: false,
            note_off_in: None,
            sounding_note: 38,
        }
    }
}

/// Loads the files and folders of `paths`, one per line (empty: clears the sample; a state
/// from before sample sets holds one path), hands the set to the audio thread and updates the
/// status text. Files that do not load are named in the status and the others play. Runs on
/// the background thread.
fn load_into_mailbox(paths: &str, gui: &SnareGuiData, mailbox: &Mutex<SampleMailbox>) {
    let Ok(mut mailbox) = mailbox.lock() else {
        return;
    };
    // Drop samples the audio thread has retired (here, off the audio thread).
    while mailbox.from_audio.pop().is_ok() {}
    let paths = split_paths(paths);
    let (data, status, missing) = if paths.is_empty() {
        (None, "No sample".to_string(), 0)
    } else {
        let rate = gui.sample_rate.load(Ordering::Relaxed);
        let load = load_sample_set(&paths, rate);
        let status = load.status();
        for (_, why) in &load.missing {
            nice_warn!("Snare Layerer sample: {why}");
        }
        (load.set.map(Box::new), status, load.missing.len())
    };
    gui.sample_loaded.store(data.is_some(), Ordering::Relaxed);
    gui.sample_missing.store(missing, Ordering::Relaxed);
    if mailbox.to_audio.push(data).is_err() {
        nice_warn!("Snare Layerer: sample hand-over queue full; load again");
    }
    if let Ok(mut s) = gui.sample_status.lock() {
        *s = status;
    }
}

impl SnareLayerer {
    /// Shared editor data (for the editor and tests).
    pub fn gui_data(&self) -> Arc<SnareGuiData> {
        self.gui.clone()
    }

    /// The engine, once activated (for tests driving the plugin).
    pub fn engine(&self) -> Option<&SnareEngine> {
        self.engine.as_ref()
    }

    fn take_new_sample(&mut self) {
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        // Only take a new sample when the old one can be handed back for disposal.
        while self.audio_side.retired.slots() > 0 {
            match self.audio_side.incoming.pop() {
                Ok(new) => {
                    let old = engine.swap_sample_set(new);
                    // Cannot fail: a slot was checked above.
                    let _ = self.audio_side.retired.push(old);
                }
                Err(_) => break,
            }
        }
    }

    fn publish_gui(&mut self) {
        let Some(engine) = self.engine.as_ref() else {
            return;
        };
        let sr = engine.sample_rate();
        if engine.scope_version() != self.last_scope_version {
            self.last_scope_version = engine.scope_version();
            engine.scope_into(&mut self.scope_scratch);
            self.gui.scope_db.write(&self.scope_scratch);
        }
        let hits = engine.hits();
        if !hits.is_empty() {
            for h in hits {
                // Shift the ring left by one hit (oldest first), append the new one.
                self.hit_scratch.copy_within(GUI_HIT_STRIDE.., 0);
                let last = (GUI_HITS - 1) * GUI_HIT_STRIDE;
                self.hit_scratch[last] = h.sample_time as f32 / sr;
                self.hit_scratch[last + 1] = h.velocity;
                self.hit_scratch[last + 2] = h.peak_db;
                self.hit_scratch[last + 3] = h.confidence;
            }
            self.gui.hits.write(&self.hit_scratch);
            self.gui
                .hit_count
                .store(engine.total_hits(), Ordering::Relaxed);
        }
        self.gui
            .effective_threshold_db
            .store(engine.effective_threshold_db());
        self.gui.now_s.store(engine.clock_samples() as f32 / sr);
        self.gui
            .latency_samples
            .store(engine.latency_samples() as f32);
    }
}

impl Plugin for SnareLayerer {
    const NAME: &'static str = "Catalyst Snare Layerer";
    const VENDOR: &'static str = "Catalyst";
    const URL: &'static str = "https://catalyst.audio/snare-layerer";
    const EMAIL: &'static str = "dev@catalyst.audio";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            aux_input_ports: &[new_nonzero_u32(2)],
            names: PortNames {
                layout: Some("Stereo"),
                main_input: Some("Drum In"),
                main_output: Some("Output"),
                aux_inputs: &["Trigger Sidechain"],
                aux_outputs: &[],
            },
            ..AudioIOLayout::const_default()
        },
        // No mono layout: nice-plug 0.4.2's VST3 `setBusArrangements` checks the aux bus against
        // the main bus's index (aux_input_start_idx is inverted), so with a second layout it
        // accepted sidechain arrangements it cannot run and failed Steinberg's validator
        // ("SideChain Arrangement"). Hosts feed a mono snare track to a stereo insert.
    ];

    const MIDI_OUTPUT: MidiConfig = MidiConfig::Basic;
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type SysExMessage = ();
    type BackgroundTask = SnareTask;
    type Editor = editor::SnareEditor;

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        let open = self.editor_open.clone();
        Some(
            editor::create(self.params.clone(), self.gui.clone(), async_executor)
                .on_open_change(move |is_open| open.store(is_open, Ordering::Relaxed)),
        )
    }

    fn task_executor(&mut self) -> TaskExecutor<Self> {
        let gui = self.gui.clone();
        let mailbox = self.mailbox.clone();
        Box::new(move |task| match task {
            SnareTask::LoadSample(path) => load_into_mailbox(&path, &gui, &mailbox),
        })
    }

    fn activate(
        &mut self,
        _audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let sr = buffer_config.sample_rate;
        self.gui.sample_rate.store(sr, Ordering::Relaxed);
        let settings: SnareSettings = self.params.to_settings();
        let mut engine = SnareEngine::new(sr, settings);
        // Onsets shared with the other instances of this process (a slot of a static bus).
        engine.set_onset_bus(onset_sharing::join());
        // The fingerprint saved with the project (or the prior): never what an earlier
        // activation learned from audio the host fed before the session (`fingerprint_state.rs`).
        engine.set_fingerprint(
            self.params
                .fingerprint
                .start_activation(&mut self.fingerprint_generation),
        );
        // Load the saved sample here (activation may do I/O; the audio thread is not running).
        let path = self
            .params
            .sample_path
            .read()
            .map(|p| p.clone())
            .unwrap_or_default();
        if !path.is_empty() {
            load_into_mailbox(&path, &self.gui, &self.mailbox);
        }
        let latency = engine.latency_samples() as u32;
        context.set_latency_samples(latency);
        self.reported_latency = latency;
        self.gui.latency_samples.store(latency as f32);
        self.gui.timing_pending.store(false, Ordering::Relaxed);
        self.timing_fixed_until_restart = context.plugin_api() == PluginApi::Clap;
        self.active_lookahead = settings.detector.lookahead;
        self.active_reject_bleed = settings.detector.reject_bleed;
        self.restart_requested = false;
        self.engine = Some(engine);
        self.take_new_sample();
        true
    }

    fn reset(&mut self) {
        if let Some(engine) = self.engine.as_mut() {
            engine.reset();
        }
        self.note_off_in = None;
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let _ftz = ScopedFlushDenormals::new();
        self.take_new_sample();
        let mut settings = self.params.to_settings();
        let Some(engine) = self.engine.as_mut() else {
            return ProcessStatus::Normal;
        };
        if self.timing_fixed_until_restart
            && (settings.detector.lookahead != self.active_lookahead
                || settings.detector.reject_bleed != self.active_reject_bleed)
        {
            // CLAP: keep the timing (and latency) the host compensates until it restarts us.
            settings.detector.lookahead = self.active_lookahead;
            settings.detector.reject_bleed = self.active_reject_bleed;
            if !self.restart_requested {
                self.restart_requested = true;
                self.gui.timing_pending.store(true, Ordering::Relaxed);
                context.request_restart();
            }
        }
        engine.set_settings(&settings);
        if let Some(f) = self
            .params
            .fingerprint
            .take_request(&mut self.fingerprint_generation)
        {
            engine.set_fingerprint(f);
        }
        let latency = engine.latency_samples() as u32;
        if latency != self.reported_latency {
            context.set_latency_samples(latency);
            self.reported_latency = latency;
        }
        // Every random choice of a hit is seeded by its place on the timeline: two bounces of
        // one session are identical.
        let transport = context.transport();
        let position = if transport.playing {
            transport.pos_samples()
        } else {
            None
        };
        engine.set_timeline_position(position);

        let len = buffer.samples();
        let mut sidechain: [&[f32]; 2] = [&[], &[]];
        let mut sc_channels = 0;
        if let Some(input) = aux.inputs.first() {
            for (slot, channel) in sidechain.iter_mut().zip(input.as_slice_immutable().iter()) {
                *slot = &channel[..];
                sc_channels += 1;
            }
        }
        engine.process(buffer.as_slice(), &sidechain[..sc_channels]);
        self.params.fingerprint.publish(engine.fingerprint());

        // MIDI out: one note per hit, 50 ms long (ended early by the next hit).
        if self.params.midi_out.value() {
            let note_len = (MIDI_NOTE_MS * 0.001 * engine.sample_rate()) as u32;
            let main_key = self.params.midi_note.value().clamp(0, 127) as u8;
            let ghost_key = self.params.ghost_midi_note.value().clamp(0, 127) as u8;
            let min_confidence = self.params.midi_min_confidence.value();
            for hit in engine
                .hits()
                .iter()
                .filter(|h| h.confidence >= min_confidence)
            {
                let key = if hit.ghost { ghost_key } else { main_key };
                let timing = hit.offset as u32;
                if let Some(at) = self.note_off_in.take() {
                    note_event(context, at.min(timing), self.sounding_note, None);
                }
                note_event(context, timing, key, Some(hit.velocity.max(1.0 / 127.0)));
                self.sounding_note = key;
                self.note_off_in = Some(timing + note_len);
            }
        }
        if let Some(at) = self.note_off_in {
            if at < len as u32 {
                note_event(context, at, self.sounding_note, None);
                self.note_off_in = None;
            } else {
                self.note_off_in = Some(at - len as u32);
            }
        }

        // No GUI work while the editor is closed.
        if self.editor_open.load(Ordering::Relaxed) {
            self.publish_gui();
        }
        ProcessStatus::Normal
    }
}

/// Sends a NoteOn (`velocity` Some) or NoteOff on MIDI channel 1.
fn note_event(
    context: &mut impl ProcessContext<SnareLayerer>,
    timing: u32,
    key: u8,
    velocity: Option<f32>,
) {
    let (voice_id, channel, key) = (VoiceID::Wildcard, Channel::Number(0), Key::Number(key));
    let event = match velocity {
        Some(velocity) => NoteEvent::NoteOn {
            timing,
            voice_id,
            channel,
            key,
            velocity,
        },
        None => NoteEvent::NoteOff {
            timing,
            voice_id,
            channel,
            key,
            velocity: 0.0,
        },
    };
    // A full host event queue drops the note; nothing else to do on the audio thread.
    let _ = context.try_send_event(event);
}

impl ClapPlugin for SnareLayerer {
    const CLAP_ID: &'static str = "audio.catalyst.snare-layerer";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Detects each drum hit and layers a phase-aligned character sound on it");
    const CLAP_MANUAL_URL: Option<&'static str> = Some(Self::URL);
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Drum,
        ClapFeature::Stereo,
    ];
}

impl Vst3Plugin for SnareLayerer {
    const VST3_CLASS_ID: [u8; 16] = *b"CatalystSnareLyr";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Drum];
}

#[cfg(not(feature = "offline"))]
nice_export_clap!(SnareLayerer);
#[cfg(not(feature = "offline"))]
nice_export_vst3!(SnareLayerer);

#[cfg(test)]
mod tests {
    use super::*;

    fn activated(sr: f32) -> SnareLayerer {
        let mut p = SnareLayerer::default();
        p.gui.sample_rate.store(sr, Ordering::Relaxed);
        p.engine = Some(SnareEngine::new(sr, p.params.to_settings()));
        p
    }

    #[test]
    fn default_parameters_reject_bleed_with_an_8_ms_lookahead() {
        for sr in [44_100.0f32, 48_000.0, 96_000.0] {
            let p = activated(sr);
            assert!(p.params.reject_bleed.value());
            let latency = p.engine().unwrap().latency_samples();
            assert_eq!(latency, (0.008 * sr).round() as usize);
        }
    }

    #[test]
    fn missing_sample_is_silence_and_a_message() {
        let mut p = activated(48_000.0);
        load_into_mailbox("/nonexistent/dir/snare.wav", &p.gui, &p.mailbox);
        p.take_new_sample();
        assert!(!p.engine().unwrap().has_sample());
        assert!(!p.gui.sample_loaded.load(Ordering::Relaxed));
        let status = p.gui.sample_status.lock().unwrap().clone();
        assert!(
            status.contains("Cannot load snare.wav: cannot open"),
            "{status}"
        );
        // An empty path clears the sample and says so.
        load_into_mailbox("", &p.gui, &p.mailbox);
        p.take_new_sample();
        assert_eq!(*p.gui.sample_status.lock().unwrap(), "No sample");
    }

    /// Writes a 20 ms 200 Hz sine hit of peak `amp` (16-bit WAV, 48 kHz).
    fn write_hit(path: &std::path::Path, amp: f32) {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 48_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for n in 0..960 {
            let x = amp * (std::f32::consts::TAU * 200.0 * n as f32 / 48_000.0).sin();
            w.write_sample((x * 32_767.0) as i16).unwrap();
        }
        w.finalize().unwrap();
    }

    fn temp_dir(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("catalyst-snl-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn several_samples_load_and_missing_ones_are_named_while_the_rest_play() {
        let dir = temp_dir("set");
        // Two soft takes 1 dB apart and one hard take 18 dB up: two velocity zones.
        for (name, amp) in [
            ("soft_1.wav", 0.05),
            ("soft_2.wav", 0.056),
            ("hard.wav", 0.4),
        ] {
            write_hit(&dir.join(name), amp);
        }
        let mut p = activated(48_000.0);
        // The folder: all three.
        load_into_mailbox(&dir.display().to_string(), &p.gui, &p.mailbox);
        p.take_new_sample();
        assert!(p.engine().unwrap().has_sample());
        assert_eq!(
            *p.gui.sample_status.lock().unwrap(),
            "Loaded 3 samples, 2 velocity zones"
        );
        assert_eq!(p.gui.sample_missing.load(Ordering::Relaxed), 0);
        // A list, one per line, naming two files that are not there.
        let list = [
            dir.join("soft_1.wav"),
            dir.join("kick_3.wav"),
            dir.join("hard.wav"),
            dir.join("kick_4.wav"),
        ];
        let text = shared_dsp::snare::sample_file::join_paths(&list);
        load_into_mailbox(&text, &p.gui, &p.mailbox);
        p.take_new_sample();
        assert!(p.engine().unwrap().has_sample());
        assert!(p.gui.sample_loaded.load(Ordering::Relaxed));
        assert_eq!(p.gui.sample_missing.load(Ordering::Relaxed), 2);
        assert_eq!(
            *p.gui.sample_status.lock().unwrap(),
            "2 of 4 samples missing: kick_3.wav, kick_4.wav; 2 play"
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_state_saved_with_one_sample_path_still_loads() {
        let dir = temp_dir("old-state");
        let path = dir.join("my snare.wav");
        write_hit(&path, 0.3);
        // The persisted field as a project saved before sample sets holds it: one path, as a
        // JSON string.
        let p = activated(48_000.0);
        let fields = std::collections::BTreeMap::from([(
            "sample-path".to_string(),
            serde_json::to_string(&path.display().to_string()).unwrap(),
        )]);
        p.params.deserialize_fields(&fields);
        let saved = p.params.sample_path.read().unwrap().clone();
        assert_eq!(saved, path.display().to_string());
        let mut p = p;
        load_into_mailbox(&saved, &p.gui, &p.mailbox);
        p.take_new_sample();
        assert!(p.engine().unwrap().has_sample());
        assert_eq!(
            *p.gui.sample_status.lock().unwrap(),
            "Loaded my snare.wav (0.02 s)"
        );
        // And a list saves and restores as the same text.
        let list = format!("{}\n{}", path.display(), dir.display());
        *p.params.sample_path.write().unwrap() = list.clone();
        let saved = p.params.serialize_fields();
        let q = activated(48_000.0);
        q.params.deserialize_fields(&saved);
        assert_eq!(*q.params.sample_path.read().unwrap(), list);
        std::fs::remove_dir_all(&dir).ok();
    }

    /// The audio thread's part (taking a new set from the mailbox, handing the old one back,
    /// playing round-robin hits) under nice-plug's allocation guard, as in `process`.
    #[cfg(debug_assertions)]
    #[test]
    fn taking_and_playing_a_sample_set_never_allocates() {
        use nice_assert_no_alloc::assert_no_alloc;
        let dir = temp_dir("no-alloc");
        for (name, amp) in [("a.wav", 0.3), ("b.wav", 0.32), ("c.wav", 0.05)] {
            write_hit(&dir.join(name), amp);
        }
        let sr = 48_000.0;
        let mut p = activated(sr);
        let mut settings = p.params.to_settings();
        settings.detector.reject_bleed = false;
        settings.layers.sample.common.enabled = true;
        p.engine = Some(SnareEngine::new(sr, settings));
        let mut x = vec![0.0f32; 48_000];
        for k in 0..8 {
            for n in 0..200 {
                x[2_000 + 5_000 * k + n] =
                    0.8 * (-(n as f32) / 40.0).exp() * if n % 2 == 0 { 1.0 } else { -1.0 };
            }
        }
        for round in 0..2 {
            load_into_mailbox(&dir.display().to_string(), &p.gui, &p.mailbox);
            let (mut l, mut r) = (x.clone(), x.clone());
            let mut hits = 0;
            assert_no_alloc(|| {
                p.take_new_sample();
                for (lc, rc) in l.chunks_mut(512).zip(r.chunks_mut(512)) {
                    let engine = p.engine.as_mut().unwrap();
                    let mut chans: [&mut [f32]; 2] = [lc, rc];
                    engine.process(&mut chans, &[]);
                    hits += engine.hits().len();
                }
            });
            assert!(p.engine().unwrap().has_sample(), "round {round}");
            assert_eq!(hits, 8, "round {round}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    /// Run by [`the_allocation_guard_is_live`] in a child process: it must not survive.
    #[cfg(debug_assertions)]
    #[test]
    #[ignore = "aborts on purpose; run by the_allocation_guard_is_live"]
    fn allocating_under_the_guard() {
        nice_assert_no_alloc::assert_no_alloc(|| {
            std::hint::black_box(Vec::<u8>::with_capacity(10))
        });
    }

    /// An allocation under the guard kills this test binary, so the test above would fail if
    /// the sample path allocated.
    #[cfg(debug_assertions)]
    #[test]
    fn the_allocation_guard_is_live() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "tests::allocating_under_the_guard"])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success(), "{stdout}");
        assert!(stdout.contains("running 1 test"), "{stdout}");
    }

    #[test]
    fn hits_and_scope_reach_the_editor_data() {
        let sr = 48_000.0;
        let mut p = activated(sr);
        // A synthetic click, which Reject Bleed rightly does not take for a snare: the onset
        // stage alone (4 ms lookahead).
        let mut settings = p.params.to_settings();
        settings.detector.reject_bleed = false;
        p.engine = Some(SnareEngine::new(sr, settings));
        let mut l = vec![0.0f32; 4_800];
        for n in 0..200 {
            l[1_000 + n] = 0.8 * (-(n as f32) / 40.0).exp() * if n % 2 == 0 { 1.0 } else { -1.0 };
        }
        let mut r = l.clone();
        for (lc, rc) in l.chunks_mut(480).zip(r.chunks_mut(480)) {
            let mut chans: [&mut [f32]; 2] = [lc, rc];
            p.engine.as_mut().unwrap().process(&mut chans, &[]);
            p.publish_gui();
        }
        assert_eq!(p.gui.hit_count.load(Ordering::Relaxed), 1);
        let mut hits = vec![0.0f32; GUI_HITS * GUI_HIT_STRIDE];
        assert!(p.gui.hits.read(&mut hits));
        let last = (GUI_HITS - 1) * GUI_HIT_STRIDE;
        let t = hits[last];
        assert!((t - (1_000.0 + 192.0) / sr).abs() < 1e-4, "{t}");
        assert!(hits[last + 1] > 0.0 && hits[last + 1] <= 1.0);
        assert_eq!(hits[last + 3], 1.0, "confidence is 1 with Reject Bleed off");
        assert_eq!(hits[last - GUI_HIT_STRIDE], -1.0);
        let mut scope = vec![0.0f32; SCOPE_POINTS];
        assert!(p.gui.scope_db.read(&mut scope));
        assert!(scope.iter().any(|&v| v > -30.0));
        assert!((p.gui.now_s.load() - 0.1).abs() < 1e-3);
    }
}
