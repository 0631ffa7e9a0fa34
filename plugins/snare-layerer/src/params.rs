use nice_plug::prelude::*;
use shared_dsp::snare::body_tone::BodySettings;
use shared_dsp::snare::dry_gate::DryGateSettings;
use shared_dsp::snare::layer::LayerCommon;
use shared_dsp::snare::modal_bank::CabinetSettings;
use shared_dsp::snare::noise_tail::TailSettings;
use shared_dsp::snare::sample_player::SampleSettings;
use shared_dsp::snare::{LayerSettings, MixSettings, OnsetSettings, Preset, SnareSettings};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock};

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimingMode {
    /// Reports 4 ms latency; layers start exactly on each hit's onset.
    #[id = "lookahead"]
    #[name = "Lookahead (aligned)"]
    Lookahead,
    /// No latency; layers start about 1 ms after each onset.
    #[id = "zero"]
    #[name = "Zero latency"]
    ZeroLatency,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerSource {
    #[id = "main"]
    #[name = "Main input"]
    Main,
    #[id = "sidechain"]
    #[name = "Sidechain"]
    Sidechain,
    /// Detect on the main input; a kick or hat mic on the sidechain vetoes its drum's bleed.
    #[id = "reject"]
    #[name = "Main, sidechain rejects"]
    Reject,
}

/// What this instance does with the onsets it finds (shared-dsp `snare/onset_bus.rs`).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceRole {
    /// Layers its drum (and shares its onsets with the other instances).
    #[id = "layer"]
    #[name = "Layer"]
    Layer,
    /// Layers nothing and passes its track through: shares the onsets of the drum on its track
    /// (a kick or hat mic) so the snare's instance can veto that drum's bleed.
    #[id = "listen"]
    #[name = "Listen only"]
    ListenOnly,
}

/// Controls shared by every layer: on/off, level, pan, pitch, decay.
#[derive(Params)]
pub struct LayerParams {
    #[id = "on"]
    pub enabled: BoolParam,
    #[id = "level"]
    pub level_db: FloatParam,
    #[id = "pan"]
    pub pan: FloatParam,
    #[id = "pitch"]
    pub pitch_semitones: FloatParam,
    #[id = "decay"]
    pub decay_ms: FloatParam,
    #[id = "invert"]
    pub invert: BoolParam,
}

impl LayerParams {
    fn new(name: &str, common: LayerCommon, max_decay_ms: f32) -> Self {
        Self {
            enabled: BoolParam::new(format!("{name} On"), common.enabled),
            level_db: FloatParam::new(
                format!("{name} Level"),
                common.level_db,
                FloatRange::Linear {
                    min: -60.0,
                    max: 6.0,
                },
            )
            .with_unit(" dB")
            .with_step_size(0.1),
            pan: FloatParam::new(
                format!("{name} Pan"),
                common.pan,
                FloatRange::Linear {
                    min: -1.0,
                    max: 1.0,
                },
            )
            .with_value_to_string(formatters::v2s_f32_panning())
            .with_string_to_value(formatters::s2v_f32_panning()),
            pitch_semitones: FloatParam::new(
                format!("{name} Pitch"),
                common.pitch_semitones,
                FloatRange::Linear {
                    min: -24.0,
                    max: 24.0,
                },
            )
            .with_unit(" st")
            .with_step_size(0.1),
            decay_ms: FloatParam::new(
                format!("{name} Decay"),
                common.decay_ms,
                FloatRange::Skewed {
                    min: 20.0,
                    max: max_decay_ms,
                    factor: FloatRange::skew_factor(-1.5),
                },
            )
            .with_unit(" ms")
            .with_step_size(1.0),
            invert: BoolParam::new(format!("{name} Invert"), common.invert),
        }
    }

    fn common(&self) -> LayerCommon {
        LayerCommon {
            enabled: self.enabled.value(),
            level_db: self.level_db.value(),
            pan: self.pan.value(),
            pitch_semitones: self.pitch_semitones.value(),
            decay_ms: self.decay_ms.value(),
            invert: self.invert.value(),
        }
    }

    fn apply(&self, setter: &ParamSetter, c: &LayerCommon) {
        set(setter, &self.enabled, c.enabled);
        set(setter, &self.level_db, c.level_db);
        set(setter, &self.pan, c.pan);
        set(setter, &self.pitch_semitones, c.pitch_semitones);
        set(setter, &self.decay_ms, c.decay_ms);
        set(setter, &self.invert, c.invert);
    }
}

fn set<P: Param>(setter: &ParamSetter, param: &P, value: P::Plain) {
    setter.begin_set_parameter(param);
    setter.set_parameter(param, value);
    setter.end_set_parameter(param);
}

fn unit_param(name: &str, default: f32) -> FloatParam {
    FloatParam::new(name, default, FloatRange::Linear { min: 0.0, max: 1.0 })
        .with_unit(" %")
        .with_value_to_string(formatters::v2s_f32_percentage(0))
        .with_string_to_value(formatters::s2v_f32_percentage())
}

fn hz_param(name: &str, default: f32, min: f32, max: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed {
            min,
            max,
            factor: FloatRange::skew_factor(-2.0),
        },
    )
    .with_value_to_string(formatters::v2s_f32_hz_then_khz(0))
    .with_string_to_value(formatters::s2v_f32_hz_then_khz())
}

fn ms_param(name: &str, default: f32, min: f32, max: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed {
            min,
            max,
            factor: FloatRange::skew_factor(-1.0),
        },
    )
    .with_unit(" ms")
    .with_step_size(1.0)
}

fn gain_db_param(name: &str, default_db: f32, min_db: f32, max_db: f32) -> FloatParam {
    FloatParam::new(
        name,
        default_db,
        FloatRange::Linear {
            min: min_db,
            max: max_db,
        },
    )
    .with_unit(" dB")
    .with_step_size(0.1)
}

/// Host-visible parameters. Ids are stable forever: rename the field, never the id. The engine
/// smooths every level and pan itself (20 ms), so the params carry no smoother of their own.
#[derive(Params)]
pub struct SnareLayererParams {
    /// The user's sample files and folders, one path per line (empty = none; a project from
    /// before sample sets holds a single path, which is a list of one). Saved with the project.
    #[persist = "sample-path"]
    pub sample_path: Arc<RwLock<String>>,
    /// Seed of every random choice (humanize, layer noise), with each hit's timeline position:
    /// a bounce repeats bit for bit, and a reopened project sounds the same. Saved with it.
    #[persist = "seed"]
    pub seed: Arc<AtomicU32>,
    /// The snare fingerprint Reject Bleed learned, saved with the project so a reopened session
    /// does not learn it again.
    #[persist = "fingerprint"]
    pub fingerprint: Arc<crate::fingerprint_state::SharedFingerprint>,
    /// Editor size and zoom, saved with the project.
    #[persist = "editor-layout"]
    pub editor_layout: catalyst_editor_core::SharedLayout,

    // Mix.
    #[id = "dry"]
    pub dry_db: FloatParam,
    #[id = "layer"]
    pub layer_db: FloatParam,
    #[id = "out"]
    pub output_db: FloatParam,
    #[id = "solo"]
    pub layer_solo: BoolParam,
    #[id = "human"]
    pub humanize: FloatParam,
    /// The gate on the dry drum, opened by each hit (shared-dsp `snare/dry_gate.rs`).
    #[id = "drygate"]
    pub dry_gate: BoolParam,
    #[id = "gatehold"]
    pub gate_hold_ms: FloatParam,
    #[id = "gaterel"]
    pub gate_release_ms: FloatParam,
    #[id = "gatefloor"]
    pub gate_floor_db: FloatParam,

    // Detector.
    #[id = "thresh"]
    pub threshold_db: FloatParam,
    #[id = "sens"]
    pub sensitivity: FloatParam,
    #[id = "bandlo"]
    pub band_low_hz: FloatParam,
    #[id = "bandhi"]
    pub band_high_hz: FloatParam,
    #[id = "hold"]
    pub hold_ms: FloatParam,
    #[id = "dyn"]
    pub dynamics: FloatParam,
    /// Reject hits that do not sound like the learned snare (kick and hat bleed).
    #[id = "rejbleed"]
    pub reject_bleed: BoolParam,
    /// Also layer ghost notes, at their own level (shared-dsp `snare/ghost_lane.rs`).
    #[id = "ghostlane"]
    pub ghost_lane: BoolParam,
    #[id = "ghostlvl"]
    pub ghost_level_db: FloatParam,
    #[id = "timing"]
    pub timing: EnumParam<TimingMode>,
    #[id = "source"]
    pub source: EnumParam<TriggerSource>,
    #[id = "role"]
    pub role: EnumParam<InstanceRole>,
    /// Veto hits that coincide with a clearly stronger onset on another instance's track.
    #[id = "xveto"]
    pub cross_track_veto: BoolParam,
    #[id = "listen"]
    pub listen_detector: BoolParam,
    #[id = "midiout"]
    pub midi_out: BoolParam,
    #[id = "midinote"]
    pub midi_note: IntParam,
    /// MIDI out only for hits at least this confident (Reject Bleed's fingerprint margin).
    #[id = "midiconf"]
    pub midi_min_confidence: FloatParam,
    /// The MIDI note a ghost note sends.
    #[id = "ghostnote"]
    pub ghost_midi_note: IntParam,

    // Layers.
    #[nested(id_prefix = "cab", group = "Cabinet")]
    pub cabinet: LayerParams,
    #[id = "cabsize"]
    pub cabinet_size: FloatParam,
    #[id = "cabbright"]
    pub cabinet_brightness: FloatParam,
    #[id = "cabmat"]
    pub cabinet_material: FloatParam,
    #[id = "cabnoise"]
    pub cabinet_noise: FloatParam,

    #[nested(id_prefix = "tail", group = "Tail")]
    pub tail: LayerParams,
    #[id = "tailtone"]
    pub tail_tone_hz: FloatParam,
    #[id = "tailgrit"]
    pub tail_grit: FloatParam,

    #[nested(id_prefix = "body", group = "Body")]
    pub body: LayerParams,
    #[id = "bodyfreq"]
    pub body_freq_hz: FloatParam,
    #[id = "bodydrop"]
    pub body_drop: FloatParam,

    #[nested(id_prefix = "smp", group = "Sample")]
    pub sample: LayerParams,
}

impl Default for SnareLayererParams {
    fn default() -> Self {
        let det = OnsetSettings::default();
        let mix = MixSettings::default();
        let layers = LayerSettings::default();
        Self {
            sample_path: Arc::new(RwLock::new(String::new())),
            seed: Arc::new(AtomicU32::new(0)),
            fingerprint: Arc::default(),
            editor_layout: catalyst_editor_core::shared_layout(1040, 860),
            dry_db: gain_db_param("Dry Level", mix.dry_db, -60.0, 6.0),
            layer_db: gain_db_param("Layer Level", mix.layer_db, -60.0, 12.0),
            output_db: gain_db_param("Output", mix.output_db, -24.0, 12.0),
            layer_solo: BoolParam::new("Layer Solo", mix.layer_solo),
            humanize: unit_param("Humanize", mix.humanize),
            dry_gate: BoolParam::new("Dry Gate", mix.dry_gate.enabled),
            gate_hold_ms: ms_param("Gate Hold", mix.dry_gate.hold_ms, 5.0, 1_000.0),
            gate_release_ms: ms_param("Gate Release", mix.dry_gate.release_ms, 5.0, 2_000.0),
            gate_floor_db: gain_db_param("Gate Floor", mix.dry_gate.floor_db, -80.0, 0.0),
            threshold_db: gain_db_param("Threshold", det.threshold_db, -70.0, 0.0),
            sensitivity: unit_param("Sensitivity", det.sensitivity),
            band_low_hz: hz_param("Detector Low Cut", det.band_low_hz, 40.0, 2_000.0),
            band_high_hz: hz_param("Detector High Cut", det.band_high_hz, 1_000.0, 16_000.0),
            hold_ms: FloatParam::new(
                "Retrigger Hold",
                det.hold_ms,
                FloatRange::Linear {
                    min: 5.0,
                    max: 200.0,
                },
            )
            .with_unit(" ms")
            .with_step_size(1.0),
            dynamics: unit_param("Dynamics", det.dynamics),
            reject_bleed: BoolParam::new("Reject Bleed", det.reject_bleed),
            ghost_lane: BoolParam::new("Ghost Lane", det.ghost_lane),
            ghost_level_db: gain_db_param("Ghost Level", mix.ghost_level_db, -36.0, 12.0),
            timing: EnumParam::new("Timing", TimingMode::Lookahead),
            source: EnumParam::new("Trigger Source", TriggerSource::Main),
            role: EnumParam::new("Role", InstanceRole::Layer),
            cross_track_veto: BoolParam::new("Cross-track Veto", mix.cross_track_veto),
            listen_detector: BoolParam::new("Listen to Detector", false),
            midi_out: BoolParam::new("MIDI Out", false),
            midi_note: IntParam::new("MIDI Note", 38, IntRange::Linear { min: 0, max: 127 }),
            midi_min_confidence: unit_param("MIDI Min Confidence", 0.0),
            ghost_midi_note: IntParam::new(
                "Ghost MIDI Note",
                38,
                IntRange::Linear { min: 0, max: 127 },
            ),
            cabinet: LayerParams::new("Cabinet", layers.cabinet.common, 4_000.0),
            cabinet_size: unit_param("Cabinet Size", layers.cabinet.size),
            cabinet_brightness: unit_param("Cabinet Brightness", layers.cabinet.brightness),
            cabinet_material: unit_param("Cabinet Material", layers.cabinet.material),
            cabinet_noise: unit_param("Cabinet Noise Excite", layers.cabinet.noise_excite),
            tail: LayerParams::new("Tail", layers.tail.common, 2_000.0),
            tail_tone_hz: hz_param("Tail Tone", layers.tail.tone_hz, 500.0, 12_000.0),
            tail_grit: unit_param("Tail Grit", layers.tail.grit),
            body: LayerParams::new("Body", layers.body.common, 2_000.0),
            body_freq_hz: hz_param("Body Tune", layers.body.freq_hz, 40.0, 500.0),
            body_drop: FloatParam::new(
                "Body Drop",
                layers.body.drop_semitones,
                FloatRange::Linear {
                    min: 0.0,
                    max: 24.0,
                },
            )
            .with_unit(" st")
            .with_step_size(0.1),
            sample: LayerParams::new("Sample", layers.sample.common, 4_000.0),
        }
    }
}

impl SnareLayererParams {
    /// The engine settings for the current (unsmoothed) parameter values. Allocation-free.
    pub fn to_settings(&self) -> SnareSettings {
        SnareSettings {
            detector: OnsetSettings {
                threshold_db: self.threshold_db.value(),
                sensitivity: self.sensitivity.value(),
                band_low_hz: self.band_low_hz.value(),
                band_high_hz: self.band_high_hz.value(),
                hold_ms: self.hold_ms.value(),
                dynamics: self.dynamics.value(),
                lookahead: self.timing.value() == TimingMode::Lookahead,
                reject_bleed: self.reject_bleed.value(),
                ghost_lane: self.ghost_lane.value(),
            },
            mix: MixSettings {
                dry_db: self.dry_db.value(),
                layer_db: self.layer_db.value(),
                output_db: self.output_db.value(),
                layer_solo: self.layer_solo.value(),
                humanize: self.humanize.value(),
                listen_detector: self.listen_detector.value(),
                trigger_from_sidechain: self.source.value() == TriggerSource::Sidechain,
                reject_from_sidechain: self.source.value() == TriggerSource::Reject,
                seed: self.seed.load(Ordering::Relaxed),
                dry_gate: DryGateSettings {
                    enabled: self.dry_gate.value(),
                    hold_ms: self.gate_hold_ms.value(),
                    release_ms: self.gate_release_ms.value(),
                    floor_db: self.gate_floor_db.value(),
                },
                ghost_level_db: self.ghost_level_db.value(),
                listen_only: self.role.value() == InstanceRole::ListenOnly,
                cross_track_veto: self.cross_track_veto.value(),
            },
            layers: LayerSettings {
                cabinet: CabinetSettings {
                    common: self.cabinet.common(),
                    modes: 48,
                    size: self.cabinet_size.value(),
                    brightness: self.cabinet_brightness.value(),
                    material: self.cabinet_material.value(),
                    noise_excite: self.cabinet_noise.value(),
                },
                tail: TailSettings {
                    common: self.tail.common(),
                    tone_hz: self.tail_tone_hz.value(),
                    grit: self.tail_grit.value(),
                },
                body: BodySettings {
                    common: self.body.common(),
                    freq_hz: self.body_freq_hz.value(),
                    drop_semitones: self.body_drop.value(),
                },
                sample: SampleSettings {
                    common: self.sample.common(),
                },
            },
        }
    }

    /// Sets every layer parameter to a factory preset (from the editor, through the host so it
    /// is undoable and automatable). The detector and mix are left alone: they belong to the
    /// recording, not to the sound.
    pub fn apply_preset(&self, setter: &ParamSetter, preset: &Preset) {
        let l = &preset.layers;
        self.cabinet.apply(setter, &l.cabinet.common);
        set(setter, &self.cabinet_size, l.cabinet.size);
        set(setter, &self.cabinet_brightness, l.cabinet.brightness);
        set(setter, &self.cabinet_material, l.cabinet.material);
        set(setter, &self.cabinet_noise, l.cabinet.noise_excite);
        self.tail.apply(setter, &l.tail.common);
        set(setter, &self.tail_tone_hz, l.tail.tone_hz);
        set(setter, &self.tail_grit, l.tail.grit);
        self.body.apply(setter, &l.body.common);
        set(setter, &self.body_freq_hz, l.body.freq_hz);
        set(setter, &self.body_drop, l.body.drop_semitones);
        // The sample layer keeps the user's own sample settings.
    }
}
