//! Everything the Snare Layerer can be set to: the detector, the four layers and the mix. Plain
//! values (the plugin maps its parameters onto them, the CLI its `--set id=value` pairs).

use super::body_tone::BodySettings;
use super::dry_gate::DryGateSettings;
use super::modal_bank::CabinetSettings;
use super::noise_tail::TailSettings;
use super::onset::OnsetSettings;
use super::sample_player::SampleSettings;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LayerSettings {
    pub cabinet: CabinetSettings,
    pub tail: TailSettings,
    pub body: BodySettings,
    pub sample: SampleSettings,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MixSettings {
    pub dry_db: f32,
    pub layer_db: f32,
    pub output_db: f32,
    /// Hear only the layers (dry muted).
    pub layer_solo: bool,
    /// 0..1: random per-hit variation, up to ±50 cents, ±25 % decay, ±3 dB level.
    pub humanize: f32,
    /// Hear the band-passed detector signal instead of the mix.
    pub listen_detector: bool,
    /// Detect on the sidechain input instead of the main input.
    pub trigger_from_sidechain: bool,
    /// Detect on the main input; the sidechain (a kick or hat mic) vetoes its drum's bleed
    /// (`reject.rs`). Ignored when `trigger_from_sidechain` is set.
    pub reject_from_sidechain: bool,
    /// Seed of every random choice (humanize, layer noise). With the hit's position on the
    /// timeline it decides each hit's variation, so a bounce repeats bit for bit; saved with the
    /// project so a reopened session sounds the same.
    pub seed: u32,
    /// The gate on the dry signal that opens on each hit (`dry_gate.rs`).
    pub dry_gate: DryGateSettings,
    /// The layers of a ghost note (the ghost lane, `ghost_lane.rs`) start at this level
    /// relative to a main hit of the same velocity, dB.
    pub ghost_level_db: f32,
    /// Listen only: find and share onsets (`onset_bus.rs`), layer nothing, pass the dry signal
    /// (delayed by the reported latency) untouched by gate or layers: an instance on a kick or
    /// hat track that lets the snare's instance veto that drum's bleed.
    pub listen_only: bool,
    /// Veto a hit that coincides with a clearly stronger onset shared by another instance.
    pub cross_track_veto: bool,
}

impl Default for MixSettings {
    fn default() -> Self {
        Self {
            dry_db: 0.0,
            layer_db: -6.0,
            output_db: 0.0,
            layer_solo: false,
            humanize: 0.2,
            listen_detector: false,
            trigger_from_sidechain: false,
            reject_from_sidechain: false,
            seed: 0,
            dry_gate: DryGateSettings::default(),
            ghost_level_db: 0.0,
            listen_only: false,
            cross_track_veto: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SnareSettings {
    pub detector: OnsetSettings,
    pub mix: MixSettings,
    pub layers: LayerSettings,
}
